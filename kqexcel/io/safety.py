"""Checks a file must pass before any reader sees it: real zip, sane unpacked size, no bomb."""

from __future__ import annotations

import zipfile
from pathlib import Path

from kqexcel.errors import LedgerError

MAX_UNPACKED_MB = 1000  # defaults; the rules file's [safety] section sets them
MAX_RATIO = 200
ZIP_FORMATS = {".xlsx", ".xlsm", ".xlsb", ".ods"}
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def check_file(path: Path, max_unpacked_mb: float = MAX_UNPACKED_MB, max_ratio: float = MAX_RATIO) -> None:
    """Refuse files that would hurt or confuse a reader, with one clear reason."""
    try:
        size = path.stat().st_size
        with path.open("rb") as handle:
            head = handle.read(8)
    except FileNotFoundError:
        raise LedgerError(f"{path}: file not found") from None
    except IsADirectoryError:
        raise LedgerError(f"{path}: is a folder, not a ledger file") from None
    except PermissionError:
        raise LedgerError(f"{path}: permission denied (is it open in another program?)") from None
    if size == 0:
        raise LedgerError(f"{path}: the file is empty")
    suffix = path.suffix.lower()
    if suffix in ZIP_FORMATS:
        if head == OLE_MAGIC:
            raise LedgerError(
                f"{path}: the workbook is password-protected or encrypted; save it without a password")
        if not head.startswith(b"PK"):
            raise LedgerError(f"{path}: not a valid {suffix} workbook (the file is not a zip package)")
        try:
            with zipfile.ZipFile(path) as archive:
                total = 0
                for info in archive.infolist():
                    total += info.file_size
                    if info.file_size > 1_000_000 and info.file_size > max_ratio * max(info.compress_size, 1):
                        raise LedgerError(
                            f"{path}: refused: member {info.filename} unpacks "
                            f"{info.file_size // max(info.compress_size, 1)}× its packed size (zip bomb?)")
                if total > max_unpacked_mb * 1_000_000:
                    raise LedgerError(f"{path}: refused: unpacks to {total // 1_000_000} MB "
                                      f"(limit {max_unpacked_mb:g} MB, rules key safety.max_unpacked_mb)")
                bad = archive.testzip() if size < 5_000_000 else None
                if bad:
                    raise LedgerError(f"{path}: the workbook is damaged (member {bad} is corrupt)")
        except zipfile.BadZipFile as exc:
            raise LedgerError(f"{path}: the workbook is damaged or truncated ({exc})") from None
