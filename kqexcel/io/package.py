"""The parts of an .xlsx package the readers and writers look into directly."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path


def sheet_part(package: io.BytesIO | Path, title: str) -> str:
    """The zip member holding the sheet named ``title``."""
    from defusedxml import ElementTree as ET

    ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
          "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships"}
    with zipfile.ZipFile(package) as archive:
        book = ET.fromstring(archive.read("xl/workbook.xml"))
        rels = ET.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    rid = next(s.get(f"{{{ns['r']}}}id") for s in book.iter(f"{{{ns['m']}}}sheet") if s.get("name") == title)
    target = next(r.get("Target") for r in rels if r.get("Id") == rid)
    target = str(target).lstrip("/")
    return target if target.startswith("xl/") else f"xl/{target}"
