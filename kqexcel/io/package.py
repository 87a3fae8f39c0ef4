"""The parts of an .xlsx package the readers and writers look into directly (parsed with
defusedxml: the package may come from anyone)."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

NS = {
    "m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
}


def _xml(archive: zipfile.ZipFile, part: str) -> Any:
    from defusedxml import ElementTree as ET

    return ET.fromstring(archive.read(part))


def sheet_part(package: io.BytesIO | Path, title: str) -> str:
    """The zip member holding the sheet named ``title``."""
    with zipfile.ZipFile(package) as archive:
        book = _xml(archive, "xl/workbook.xml")
        rels = _xml(archive, "xl/_rels/workbook.xml.rels")
    rid = next(
        s.get(f"{{{NS['r']}}}id")
        for s in book.iter(f"{{{NS['m']}}}sheet")
        if s.get("name") == title
    )
    target = next(r.get("Target") for r in rels if r.get("Id") == rid)
    target = str(target).lstrip("/")
    return target if target.startswith("xl/") else f"xl/{target}"


def defined_name(package: io.BytesIO | Path, name: str) -> str | None:
    """What the workbook's defined name ``name`` refers to (e.g. ``'全部客户'!$A$1``), or None."""
    with zipfile.ZipFile(package) as archive:
        book = _xml(archive, "xl/workbook.xml")
    return next(
        (d.text for d in book.iter(f"{{{NS['m']}}}definedName") if d.get("name") == name), None
    )
