"""The README documents every command, and its `--help` blocks are the commands' own (cog)."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

from kqexcel.docs import commands, help_text

README = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("path", list(commands()), ids=lambda p: " ".join(("kq", *p)))
def test_every_command_is_in_the_readme(path: tuple[str, ...]) -> None:
    heading = " ".join(("kq", *path))
    assert f"### {heading}\n" in README, (
        f"README has no '### {heading}' help block (cog -r README.md)"
    )
    assert help_text(path) in README


def test_every_command_has_an_example() -> None:
    missing = [" ".join(p) for p in commands() if p and "Example" not in help_text(p)]
    assert missing == []


def test_readme_help_blocks_are_current() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "cogapp", "--check", "README.md"],
        cwd=Path(__file__).parent.parent,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_no_help_line_is_wider_than_the_readme() -> None:
    wide = [
        (" ".join(p), line)
        for p in commands()
        for line in help_text(p).splitlines()
        if len(re.sub(r"\s+$", "", line)) > 100
    ]
    assert wide == []
