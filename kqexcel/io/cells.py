"""The one way text reaches a cell that openpyxl writes: as text, never as a formula.

openpyxl turns any string that starts with ``=`` into a formula. Text from a ledger, the rules,
a template, a file name or a sheet name goes through :func:`put`, which types the cell as a
string (written as literal text) and marks it quote-prefixed, so that editing it in Excel keeps
it text too.
"""

from __future__ import annotations

import re
from typing import Any

MAX_CELL = 32767  # Excel's limit on the characters of a cell
FORMULA_START = ("=", "+", "-", "@")
# a spreadsheet opening a CSV also runs text after a tab or carriage return (OWASP)
QUOTED_START = (*FORMULA_START, "\t", "\r")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_ESCAPE = re.compile("_x[0-9A-Fa-f]{4}_")  # Excel and calamine read _x0041_ as "A"


def cell_text(text: str, quote: bool = False) -> str:
    """Ledger text made safe for a spreadsheet, the one way for every door: characters XML
    cannot carry dropped (a ledger's stray control characters) and cut to Excel's 32,767
    characters with an ellipsis. In a workbook's XML (the default) a literal ``_xHHHH_`` is
    written ``_x005F_xHHHH_`` (XlsxWriter's escape), so Excel and calamine read back the ledger's
    text; with ``quote`` (CSV, a value xlwings types into a cell: typed input, not XML) text a
    spreadsheet would run as a formula gets a leading apostrophe instead (OWASP)."""
    if len(text) > MAX_CELL:
        text = text[: MAX_CELL - 1] + "…"
    if _CONTROL.search(text):
        text = _CONTROL.sub("", text)
    if quote:
        return "'" + text if text.startswith(QUOTED_START) else text
    if "_x" in text and _ESCAPE.search(text):
        text = _ESCAPE.sub(r"_x005F\g<0>", text)
    return text


def put(ws: Any, row: int, column: int, value: Any = None) -> Any:
    """Write ``value`` into the cell at (row, column) of an openpyxl sheet and return the cell:
    text as literal text (whatever it starts with), other values as they are."""
    cell = ws.cell(row, column)
    set_value(cell, value)
    return cell


def set_value(cell: Any, value: Any) -> None:
    """Give an openpyxl cell ``value``; text stays text (see :func:`put`)."""
    if isinstance(value, str):
        text = cell_text(value)
        cell.value = text
        cell.data_type = "s"  # a leading "=" made it a formula: literal text instead
        if text.startswith(FORMULA_START):
            cell.quotePrefix = True
    else:
        cell.value = value
