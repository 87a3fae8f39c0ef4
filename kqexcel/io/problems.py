"""The reasons of data problems in a rep's words (the issues sheet, the CLI and the button)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from kqexcel.core.ledger import Problem, Reading
from kqexcel.io.wording import word
from kqexcel.rules import LANGS, Rules, default_rules

REASON_CODES = (
    "not_money",
    "not_a_number",
    "not_a_whole_number",
    "not_a_ratio",
    "ratio_out_of_range",
    "not_a_date",
    "date_cut_decimals",
    "number_not_date",
    "date_without_year",
    "date_out_of_range",
    "not_yes_no",
    "not_a_number_list",
    "unknown_value",
    "missing_name",
    "duplicate_id",
    "no_value_no_tier",
    "no_value_column",
    "renewal_without_results",
    "duplicate_id_across",
    "error_value",
    "formula_no_value",
    "ledger_failed",
    "too_many_columns",
    "columns_read",
    "no_such_customer",
    "ambiguous_customer",
    "no_customer",
    "missing_date",
    "missing_person",
    "sheet_not_read",
)
REASONS = {lang: {code: word(f"reason_{code}", lang) for code in REASON_CODES} for lang in LANGS}
KINDS = {
    lang: {kind: word(f"kind_{kind}", lang) for kind in ("problem", "gap", "info")}
    for lang in LANGS
}


def reason_text(problem: Problem, lang: str, rules: Rules | None = None) -> str:
    """The reason of a data problem in a rep's words (a "columns_read" line: what was
    understood of the file, its fields labelled as ``rules`` label them)."""
    if problem.reading is not None:
        return reading_text(problem.reading, rules or default_rules(), lang)
    text = REASONS[lang].get(problem.reason, problem.reason)
    detail = problem.detail
    if problem.reason == "sheet_not_read":  # the kind of sheet, in the reader's words
        detail = word(f"kind_sheet_{detail}", lang)
    return text.format(detail=detail)


READ_MOST = 60  # columns said by name in each list of a reading line; the rest are counted


def reading_text(reading: Reading, rules: Rules, lang: str) -> str:
    """What was understood of a sheet, in one line: the header row(s); each column read, and
    the field it became; the columns not recognised (with the nearest field and the --map that
    would read it), unclear between fields, or repeating a field read already."""

    def w(text: str, /, **fields: Any) -> str:
        return word(text, lang, rules, **fields)

    view = rules.for_kind(reading.kind)

    def label(field: str) -> str:
        return view.field_label(field, lang)

    def joined(items: list[str]) -> str:  # a sheet of 1,000 columns is not said column by column
        shown = w("read_sep").join(items[:READ_MOST])
        return shown + (
            w("read_more", more=len(items) - READ_MOST) if len(items) > READ_MOST else ""
        )

    def listed(key: str, items: list[str]) -> str:
        n = len(items)
        return w(key, n=n, ns="" if n == 1 else "s", columns=joined(items)) if n else ""

    rows = reading.header_rows
    if len(rows) == 2:
        where = w("read_rows_two", first=rows[0], last=rows[1])
    else:
        where = w("read_rows_one", row=rows[0] if rows else "")
    read, unknown, unclear, repeated = [], [], [], []
    first = {c.field: c.letter for c in reading.columns if c.field}
    for column, nearest in zip(reading.columns, reading.suggestions, strict=True):
        at = {"letter": column.letter, "header": column.header}
        if column.field:
            name = label(column.field)
            text = w("read_column_same", **at) if name == column.header else None
            text = text or w("read_column", **at, field=name)
            read.append(text + (w("read_mapped") if column.how == "mapped" else ""))
        elif column.how == "repeat":
            fld = column.claims[0]
            repeated.append(w("read_repeat_column", **at, field=label(fld), first=first[fld]))
        elif column.claims:
            fields = w("read_or").join(label(f) for f in column.claims)
            unclear.append(w("read_unclear_column", **at, fields=fields))
        elif column.how == "mapped":  # a company's "-": set aside on purpose
            unknown.append(w("read_column_same", **at) + w("read_mapped"))
        elif nearest:
            key = label(nearest) if lang == "zh" else nearest
            unknown.append(w("read_suggest", **at, field=label(nearest), target=key))
        else:
            unknown.append(w("read_column_same", **at))
    n = len(read)
    text = w("read_header", rows=where, n=n, ns="" if n == 1 else "s")
    text += joined(read)
    unknown_key = "read_unknown" if reading.kind == "customers" else "read_unknown_record"
    text += listed(unknown_key, unknown) + listed("read_unclear", unclear)
    return text + listed("read_repeat", repeated)


def issue_row(problem: Problem, lang: str, rules: Rules | None = None) -> list[Any]:
    """One row of the issues sheet (file, sheet, row, column, value, reason, kind): numbers as
    numbers, dates as ISO text, anything else as text."""
    values = [problem.file, problem.sheet, problem.row, problem.column, problem.value]
    values += [reason_text(problem, lang, rules), KINDS[lang][problem.kind]]
    return [
        v.isoformat()
        if isinstance(v, (dt.date, dt.datetime))
        else v
        if v is None or isinstance(v, (int, float))
        else str(v)
        for v in values
    ]
