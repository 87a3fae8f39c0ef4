"""Which files a command reads and which it writes: no output may be one of its inputs."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from kqexcel.errors import UsageError


def _identity(path: Path) -> tuple[object, ...]:
    """What makes two paths the same file: device and inode when it exists (hard links and
    symbolic links included), else the absolute path with every link resolved."""
    try:
        info = os.stat(path)
    except OSError:
        return ("path", str(path.resolve()))
    return ("inode", info.st_dev, info.st_ino)


def refuse_inputs(outputs: Iterable[Path | None], inputs: Iterable[Path | None]) -> None:
    """A usage error (exit 2, nothing written) when an output would replace a file the command
    reads — a ledger (also one found inside a folder), the rules, a template, last month's
    report — or when two outputs are the same file. ``--force`` does not change this."""
    read: dict[tuple[object, ...], Path] = {}
    for path in inputs:
        if path is not None:
            read.setdefault(_identity(path), path)
    written: dict[tuple[object, ...], Path] = {}
    for out in outputs:
        if out is None:
            continue
        key = _identity(out)
        if key in read:
            raise UsageError(
                f"the output {out} would replace the input {read[key]}, which this "
                "command reads; choose another output name (--force does not change this)"
            )
        if key in written:
            raise UsageError(f"two outputs would be the same file: {written[key]} and {out}")
        written[key] = out


NAME_MAX = 255  # bytes of a file name on Linux, macOS and Windows file systems


def fit_name(stem: str, tail: str) -> str:
    """``stem + tail`` as a file name, the stem shortened (by whole characters) to fit NAME_MAX
    bytes: a plan beside a ledger whose own name is near the limit."""
    while stem and len((stem + tail).encode("utf-8")) > NAME_MAX:
        stem = stem[:-1]
    return stem + tail


def exists(path: Path) -> bool:
    """Whether ``path`` exists; a path the system cannot even look up (a name too long, a file
    used as a folder) does not."""
    try:
        return path.exists()
    except OSError:
        return False
