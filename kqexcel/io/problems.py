"""The reasons of data problems in a rep's words (the issues sheet, the CLI and the button)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from kqexcel.core.ledger import Problem
from kqexcel.io.wording import word
from kqexcel.rules import LANGS

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
)
REASONS = {lang: {code: word(f"reason_{code}", lang) for code in REASON_CODES} for lang in LANGS}
KINDS = {lang: {kind: word(f"kind_{kind}", lang) for kind in ("problem", "gap")} for lang in LANGS}


def reason_text(problem: Problem, lang: str) -> str:
    """The reason of a data problem in a rep's words."""
    text = REASONS[lang].get(problem.reason, problem.reason)
    return text.format(detail=problem.detail)


def issue_row(problem: Problem, lang: str) -> list[Any]:
    """One row of the issues sheet (file, sheet, row, column, value, reason, kind): numbers as
    numbers, dates as ISO text, anything else as text."""
    values = [problem.file, problem.sheet, problem.row, problem.column, problem.value]
    values += [reason_text(problem, lang), KINDS[lang][problem.kind]]
    return [
        v.isoformat()
        if isinstance(v, (dt.date, dt.datetime))
        else v
        if v is None or isinstance(v, (int, float))
        else str(v)
        for v in values
    ]
