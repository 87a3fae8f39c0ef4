"""The ``--help`` of every command, as the README's command reference shows it.

The README's blocks are made with ``cog -r README.md`` and checked with ``cog --check``.
"""

from __future__ import annotations

from collections.abc import Iterator

import click
from click.testing import CliRunner

WIDTH = 100  # the README's code blocks are read at the project's line length


def commands(
    group: click.Group | None = None, path: tuple[str, ...] = ()
) -> Iterator[tuple[str, ...]]:
    """Every command path of ``kq`` (the group itself first), subcommands in their listed order."""
    from kqexcel.cli import cli

    group = group or cli
    yield path
    for name in group.list_commands(click.Context(group)):
        command = group.get_command(click.Context(group), name)
        if isinstance(command, click.Group):
            yield from commands(command, (*path, name))
        elif command is not None:
            yield (*path, name)


def help_text(path: tuple[str, ...]) -> str:
    """What ``kq <path> --help`` prints, at the README's width."""
    from kqexcel.cli import cli

    result = CliRunner().invoke(cli, [*path, "--help"], prog_name="kq", terminal_width=WIDTH)
    if result.exit_code != 0:
        raise RuntimeError(f"kq {' '.join(path)} --help failed: {result.output}")
    return result.output


def help_blocks() -> Iterator[tuple[str, str]]:
    """(heading, help text) per command, for the README."""
    for path in commands():
        yield " ".join(("kq", *path)), help_text(path)
