"""The bundled sample ledger: 40 fictional customers that walk every rule path of DOMAIN.md, with
a follow-up log (跟进记录) and contacts (联系人) that give every code of §10, and orders (订单)
that give §11's segments, an order gap, a revenue drop, a return and revenue from orders.

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
# [§10, §11] the customer file's other sheets: name → (headers, rows)
SHEETS: dict[str, tuple[list[str], list[tuple[object, ...]]]] = {
    _DATA[kind]["sheet"]: (
        _DATA[kind]["headers"],
        [tuple(_value(c) for c in row) for row in _DATA[kind]["rows"]],
    )
    for kind in ("log", "contacts", "orders")
    if kind in _DATA
}


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
    _dates(ws, 3)
    ws.freeze_panes = "C3"
    for name, (headers, rows) in SHEETS.items():
        other = wb.create_sheet(name)
        for r, row in enumerate([headers, *rows], start=1):
            for c, value in enumerate(row, start=1):
                put(other, r, c, value)
        _dates(other, 2)
        other.freeze_panes = "A2"
        for c, header in enumerate(headers, start=1):  # wide enough for the longest entry
            longest = max(len(str(v)) for v in [header, *(r[c - 1] for r in rows)] if v)
            width = min(40, max(12, 2 * longest + 2))
            other.column_dimensions[other.cell(1, c).column_letter].width = width
    path = Path(path)
    atomic_write(path, True, wb.save)
    return path


def _dates(ws: object, first_row: int) -> None:
    """Date cells shown as dates (yyyy-mm-dd) from ``first_row`` on."""
    for cells in ws.iter_rows(min_row=first_row):  # type: ignore[attr-defined]
        for cell in cells:
            if isinstance(cell.value, dt.date):
                cell.number_format = "yyyy-mm-dd"
