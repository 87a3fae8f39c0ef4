"""The Excel buttons (RunPython, Windows and Mac): plan the active sheet, report a folder.

Thin: they read what Excel shows, call the same library functions as `kq plan` / `kq report`
and write the answer back. ``book`` can be passed in (tests pass a stand-in); from a button it is
the workbook that called.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from pathlib import Path
from typing import Any

from kqexcel import formulas as F
from kqexcel.io.cells import cell_text
from kqexcel.words import say


def _caller(book: Any) -> Any:
    if book is not None:
        return book
    import xlwings as xw

    return xw.Book.caller()


def literal(value: Any) -> Any:
    """A value as the button types it into a cell: text made safe the way the CSV is (a leading
    apostrophe keeps formula-looking text text), other values as they are."""
    return cell_text(value, quote=True) if isinstance(value, str) else value


def _sheet(book: Any, name: str, after: Any) -> Any:
    names = [s.name for s in book.sheets]
    if name in names:
        sheet = book.sheets[name]
        sheet.clear()
        return sheet
    return book.sheets.add(name, after=after)


def plan_active_sheet(book: Any = None, lang: str = "zh", as_of: dt.date | None = None) -> int:
    """Plan the ledger on the active sheet into a 跟进计划 / Plan sheet (same columns as
    `kq plan`) and its data problems into 问题 / Issues. Returns the number of customers.

    The sheet is read from A1 to the end of its used range, so the row numbers and column letters
    in Issues are the ones Excel shows, wherever the ledger starts."""
    from kqexcel.io.ledger import named_kind
    from kqexcel.io.problems import issue_row
    from kqexcel.io.templates import ISSUE_HEADERS

    book = _caller(book)
    source = book.sheets.active
    others: dict[str, list[list[Any]] | None] = {}
    names: dict[str, str] = {}
    for sheet in book.sheets:  # [§10] the 跟进记录 and 联系人 sheets, by their names
        kind = named_kind(sheet.name, F.rules())
        if kind and sheet.name != source.name and kind not in others:
            others[kind], names[kind] = _used_rows(sheet), sheet.name
    table, plan = F.plan_rows(
        _used_rows(source), as_of or dt.date.today(), lang, book.name, source.name, others, names
    )
    target = _sheet(book, say(F.rules(), "plan_sheet", lang), source)
    target.range("A1").value = [[literal(v) for v in row] for row in table]
    _dress(target, table[0], len(table), lang)
    issues = _sheet(book, say(F.rules(), "issues_sheet", lang), target)
    issues.range("A1").value = [list(ISSUE_HEADERS[lang])] + [
        [literal(v) for v in issue_row(p, lang, F.rules())] for p in plan.problems
    ]
    return len(plan.table)


def _used_rows(sheet: Any) -> list[list[Any]]:
    """A sheet's cells from A1 to the end of its used range (row numbers as Excel shows them)."""
    last = sheet.used_range.last_cell
    rows = sheet.range((1, 1), (last.row, last.column)).options(ndim=2).value or []
    return [list(r) for r in rows]


def _dress(sheet: Any, headers: list[Any], n_rows: int, lang: str) -> None:
    """The plan sheet's look, as far as xlwings reaches on Windows and Mac: an Excel table (filters,
    banding), number formats, the header row frozen, columns fitted. Each step is cosmetic: one
    that this Excel cannot do is left out, the values are already written."""
    from kqexcel.core.plan import IDENTITY, PLAN_FIELDS
    from kqexcel.io.templates import FORMATS

    keys = {F.rules().field_label(key, lang): key for key in [*IDENTITY, *PLAN_FIELDS]}
    last = (n_rows, len(headers))

    def table() -> None:  # pressed again: the table of the last press is stretched, not doubled
        existing = list(sheet.tables)
        if existing:
            existing[0].resize(sheet.range((1, 1), last))
        else:
            sheet.tables.add(
                source=sheet.range((1, 1), last),
                name=f"kq_plan_{lang}",
                table_style_name="TableStyleMedium2",
            )

    formats, widths = [], []  # number formats before the fit; long texts capped after it
    for j, header in enumerate(headers, start=1):
        key = keys.get(str(header), "")
        if FORMATS.get(key) and n_rows > 1:
            formats.append(
                lambda j=j, fmt=FORMATS[key]: setattr(
                    sheet.range((2, j), (n_rows, j)), "number_format", fmt
                )
            )
        if key in ("objective", "talking_points", "questions", "warnings", "rationale"):
            widths.append(lambda j=j: setattr(sheet.range((1, j), (n_rows, j)), "column_width", 50))
    steps = [
        table,
        *formats,
        lambda: sheet.freeze_panes.freeze_at("1:1"),
        lambda: sheet.autofit("c"),
        *widths,
    ]
    for step in steps:
        with contextlib.suppress(Exception):
            step()


def report_folder(book: Any = None, lang: str = "zh", month: str | None = None) -> Path:
    """Write the monthly report for every ledger in the folder named in the cell `kq_report_folder`
    (or the workbook's own folder) into that folder."""
    from kqexcel.io.report_io import default_output, find_ledgers, read_all, write_report
    from kqexcel.report import build_report, default_as_of

    book = _caller(book)
    try:
        folder = Path(str(book.names["kq_report_folder"].refers_to_range.value))
    except (KeyError, AttributeError):
        folder = Path(book.fullname).parent
    month = month or dt.date.today().strftime("%Y-%m")
    out = folder / default_output(month)
    # the workbook holding the button is not a ledger; the button refreshes this month's report
    found = find_ledgers([folder], skip={out, Path(book.fullname)})
    day = default_as_of(month)
    ledgers = read_all(found, F.rules(), lang=lang, as_of=day)
    report = build_report(ledgers, F.rules(), month, day, lang=lang)
    return write_report(report, F.rules(), out, lang=lang, force=True)
