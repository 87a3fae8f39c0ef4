"""Output files: targets checked against the inputs and each other, written atomically."""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import IO

from kqexcel.errors import OutputError, UsageError


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
            raise UsageError("output_is_input", path=out, input=read[key])
        if key in written:
            raise UsageError("outputs_same", first=written[key], second=out)
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


def refuse_existing(paths: Iterable[Path], force: bool) -> None:
    """Before writing several files: none of them may exist already unless ``force``."""
    for path in paths:
        if len(path.name.encode("utf-8")) > NAME_MAX:
            size = len(path.name.encode("utf-8"))
            raise OutputError("output_name_too_long", path=path, size=size, most=NAME_MAX)
        if not force and exists(path):
            raise OutputError("output_exists", path=path)


def write_text(out: Path, text: str, force: bool = True, encoding: str = "utf-8") -> Path:
    """A text file (newlines as given) written atomically."""
    atomic_write(out, force, lambda stream: stream.write(text.encode(encoding)))
    return out


def atomic_write(out: Path, force: bool, write: Callable[[IO[bytes]], object]) -> None:
    """Write ``out`` through a temporary file in the same folder, then replace it."""
    refuse_existing([out], force)
    if exists(out) and out.is_dir():
        raise OutputError("output_is_folder", path=out)
    folder = out.parent if str(out.parent) else Path(".")
    try:  # a short temporary name: an output whose own name is near the limit still works
        handle, tmp = tempfile.mkstemp(prefix=".~kq-", suffix=out.suffix[:16], dir=folder)
    except FileNotFoundError:
        raise OutputError("output_no_folder", path=out, folder=folder) from None
    except NotADirectoryError:
        raise OutputError("output_parent_is_file", path=out, file=_not_folder(folder)) from None
    except PermissionError:
        raise OutputError("output_no_permission", path=out, folder=folder) from None
    except OSError as exc:
        raise OutputError("output_failed", path=out, why=exc.strerror or exc) from None
    try:
        with os.fdopen(handle, "wb") as stream:
            write(stream)
        os.chmod(tmp, _file_mode(out))  # mkstemp makes it private; a plan is an ordinary file
        os.replace(tmp, out)
    except PermissionError:
        _remove(tmp)
        raise OutputError("output_locked", path=out) from None
    except OSError as exc:  # a full disk, a vanished network drive …
        _remove(tmp)
        raise OutputError("output_failed", path=out, why=exc.strerror or exc) from None
    except BaseException:
        _remove(tmp)
        raise


def _not_folder(folder: Path) -> Path:
    """The part of ``folder`` that is a file (``-o ledger.xlsx/plan.xlsx``)."""
    for part in [folder, *folder.parents]:
        if part.is_file():
            return part
    return folder


def _read_umask() -> int:
    mask = os.umask(0o022)  # the only way to read it; done once, at import, before any thread
    os.umask(mask)
    return mask


_UMASK = _read_umask()


def _file_mode(out: Path) -> int:
    """The mode the output keeps (when replacing one) or a new file gets under the umask."""
    try:
        return stat.S_IMODE(out.stat().st_mode)
    except OSError:
        return 0o666 & ~_UMASK


def _remove(path: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)
