"""The bundled sample ledger: 40 fictional customers that walk every rule path of DOMAIN.md.

The customers are data (templates/sample_ledger.json, one row a line, so it is reviewable);
``kq template build`` writes templates/sample_ledger.xlsx from it, and the README's first command
plans that.
Dates are around 2026-11-22 (plan it with ``--as-of 2026-11-22`` to see every warning).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path


def _data_file() -> Path:
    """templates/sample_ledger.json: in the repository, or beside the installed package."""
    here = Path(__file__).resolve().parent.parent
    for candidate in (here / "templates", here.parent / "templates"):
        if (candidate / "sample_ledger.json").exists():
            return candidate / "sample_ledger.json"
    raise FileNotFoundError("sample_ledger.json")


def _value(cell: object) -> object:
    """A cell of the data file: a date is written {"date": "YYYY-MM-DD"}."""
    if isinstance(cell, dict):
        return dt.date.fromisoformat(cell["date"])
    return cell


_DATA = json.loads(_data_file().read_text(encoding="utf-8"))
SHEET: str = _DATA["sheet"]
TITLE: str = _DATA["title"]
HEADERS: list[str] = _DATA["headers"]
ROWS: list[tuple[object, ...]] = [tuple(_value(c) for c in row) for row in _DATA["rows"]]


def build_sample_ledger(path: str | Path) -> Path:
    """Write the sample ledger: a title row, then the header, then the customers."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    from kqexcel.io.cells import put
    from kqexcel.io.files import atomic_write

    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    put(ws, 1, 1, TITLE).font = Font(bold=True, size=14)
    for r, row in enumerate([HEADERS, *ROWS], start=2):
        for c, value in enumerate(row, start=1):
            put(ws, r, c, value)
    for cells in ws.iter_rows(min_row=3):
        for cell in cells:
            if isinstance(cell.value, dt.date):
                cell.number_format = "yyyy-mm-dd"
    ws.freeze_panes = "C3"
    path = Path(path)
    atomic_write(path, True, wb.save)
    return path
