"""Checks a file must pass before any reader sees it: real zip, sane unpacked size, no bomb."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

from kqexcel.errors import KqError, LedgerError

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
        raise LedgerError("file_not_found", path=path) from None
    except IsADirectoryError:
        raise LedgerError("file_is_folder", path=path) from None
    except PermissionError:
        raise LedgerError("file_permission", path=path) from None
    if size == 0:
        raise LedgerError("file_empty", path=path)
    suffix = path.suffix.lower()
    if suffix == ".xls" and head.startswith(b"PK"):
        raise LedgerError("file_xlsx_named_xls", path=path)
    if suffix in ZIP_FORMATS:
        if head == OLE_MAGIC:
            if _encrypted_package(path):
                raise LedgerError("workbook_encrypted", path=path)
            raise LedgerError("file_old_xls", path=path, suffix=suffix)
        if not head.startswith(b"PK"):
            raise LedgerError("file_not_zip", path=path, suffix=suffix)
        try:
            with zipfile.ZipFile(path) as archive:
                total = 0
                for info in archive.infolist():
                    total += info.file_size
                    if info.file_size > 1_000_000 and info.file_size > max_ratio * max(
                        info.compress_size, 1
                    ):
                        ratio = info.file_size // max(info.compress_size, 1)
                        raise LedgerError(
                            "zip_bomb_member", path=path, member=info.filename, ratio=ratio
                        )
                if total > max_unpacked_mb * 1_000_000:
                    raise LedgerError(
                        "zip_too_large", path=path, size=total // 1_000_000, limit=max_unpacked_mb
                    )
                bad = archive.testzip() if size < 5_000_000 else None
                if bad:
                    raise LedgerError("workbook_damaged_member", path=path, member=bad)
                _refuse_doctypes(path, archive)
        except zipfile.BadZipFile as exc:
            raise LedgerError("workbook_damaged", path=path, why=exc) from None


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
                raise LedgerError("xml_entities", path=path, member=info.filename)


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
# (the words: [errors.active_*] of the rules' texts)
ACTIVE_PARTS = (
    ("xl/externalLinks/", "active_external_links"),
    ("xl/connections.xml", "active_connections"),
    ("xl/queryTables/", "active_query_tables"),
    ("xl/vbaProject.bin", "active_macros"),
    ("xl/activeX/", "active_activex"),
    ("xl/embeddings/", "active_embeddings"),
)


def active_content(path: Path) -> list[KqError]:
    """What in the package at ``path`` links outside it or runs code, one reason per kind."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
    except (OSError, zipfile.BadZipFile):
        return []
    found = []
    for prefix, what in ACTIVE_PARTS:
        if any(name.startswith(prefix) for name in names):
            found.append(KqError(what))
    return found
