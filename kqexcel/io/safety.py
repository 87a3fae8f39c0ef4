"""Checks a file must pass before any reader sees it: real zip, sane unpacked size, no bomb."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

from kqexcel.errors import LedgerError

MAX_UNPACKED_MB = 4000  # defaults; the rules file's [safety] section sets them
MAX_RATIO = 200
ZIP_FORMATS = {".xlsx", ".xlsm", ".xlsb", ".ods"}
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def check_file(
    path: Path, max_unpacked_mb: float = MAX_UNPACKED_MB, max_ratio: float = MAX_RATIO
) -> None:
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
    if suffix == ".xls" and head.startswith(b"PK"):
        raise LedgerError(
            f"{path}: this is an .xlsx workbook with an .xls name; rename it to .xlsx"
        )
    if suffix in ZIP_FORMATS:
        if head == OLE_MAGIC:
            if _encrypted_package(path):
                raise LedgerError(
                    f"{path}: the workbook is password-protected or encrypted; "
                    "save it without a password"
                )
            raise LedgerError(
                f"{path}: this is an old Excel 97–2003 workbook with a {suffix} name; "
                "rename it to .xls (or save it as .xlsx in Excel)"
            )
        if not head.startswith(b"PK"):
            raise LedgerError(
                f"{path}: not a valid {suffix} workbook (the file is not a zip package)"
            )
        try:
            with zipfile.ZipFile(path) as archive:
                total = 0
                for info in archive.infolist():
                    total += info.file_size
                    if info.file_size > 1_000_000 and info.file_size > max_ratio * max(
                        info.compress_size, 1
                    ):
                        raise LedgerError(
                            f"{path}: refused: member {info.filename} unpacks "
                            f"{info.file_size // max(info.compress_size, 1)}× its packed size "
                            "(zip bomb?)"
                        )
                if total > max_unpacked_mb * 1_000_000:
                    raise LedgerError(
                        f"{path}: refused: unpacks to {total // 1_000_000} MB "
                        f"(limit {max_unpacked_mb:g} MB, rules key safety.max_unpacked_mb)"
                    )
                bad = archive.testzip() if size < 5_000_000 else None
                if bad:
                    raise LedgerError(f"{path}: the workbook is damaged (member {bad} is corrupt)")
                _refuse_doctypes(path, archive)
        except zipfile.BadZipFile as exc:
            raise LedgerError(f"{path}: the workbook is damaged or truncated ({exc})") from None


_INTERNAL_SUBSET = re.compile(rb"<!DOCTYPE[^>\[]*\[")  # a DOCTYPE that declares things of its own


def _refuse_doctypes(path: Path, archive: zipfile.ZipFile) -> None:
    """Entity declarations in an XML part (an entity bomb, or an external entity in the making) are
    refused before any parser sees them; defusedxml guards the parsers as well. A plain public
    DOCTYPE, as OpenOffice writes in an .ods manifest, declares nothing and is read."""
    for info in archive.infolist():
        if info.filename.endswith((".xml", ".rels", ".vml")) and info.file_size:
            with archive.open(info) as member:
                head = member.read(4096)
            if b"<!ENTITY" in head or _INTERNAL_SUBSET.search(head):
                raise LedgerError(
                    f"{path}: refused: {info.filename} declares XML entities "
                    "(an entity bomb?); Excel never writes these"
                )


def _encrypted_package(path: Path) -> bool:
    """An OLE file holding an encrypted .xlsx (its streams EncryptionInfo / EncryptedPackage),
    as opposed to an old .xls workbook."""
    with path.open("rb") as handle:
        data = handle.read(8_000_000)
    return (
        "EncryptedPackage".encode("utf-16-le") in data
        or "EncryptionInfo".encode("utf-16-le") in data
    )


# parts of a package that reach outside it or run code: a template must not carry them into
# every plan (openpyxl would keep external links; Excel would then ask to update them)
ACTIVE_PARTS = (
    ("xl/externalLinks/", "links to other workbooks (Excel: Data → Edit Links → Break Link)"),
    ("xl/connections.xml", "data connections (Excel: Data → Queries & Connections → Delete)"),
    ("xl/queryTables/", "query tables (Excel: Data → Queries & Connections → Delete)"),
    ("xl/vbaProject.bin", "macros (save it as .xlsx)"),
    ("xl/activeX/", "ActiveX controls (delete them)"),
    ("xl/embeddings/", "embedded objects (delete them)"),
)


def active_content(path: Path) -> list[str]:
    """What in the package at ``path`` links outside it or runs code, one reason per kind."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
    except (OSError, zipfile.BadZipFile):
        return []
    found = []
    for prefix, what in ACTIVE_PARTS:
        if any(name.startswith(prefix) for name in names):
            found.append(what)
    return found
