"""Write a plan: the workbook (from the plan template), JSON Lines or CSV — always atomically.

The workbook is made in two steps. openpyxl fills the template's small parts (header, issues,
legend, notes, table and conditional-format ranges); then the plan sheet's rows are streamed
straight into the package (kqexcel.io.xlsx_stream).
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

import numpy as np
import pandas as pd

from kqexcel.core.plan import IDENTITY, NOTE_FIELDS, PLAN_FIELDS, Plan
from kqexcel.errors import TemplateError
from kqexcel.io.cells import cell_text
from kqexcel.io.display import display_columns, is_missing
from kqexcel.io.fill import (
    fill_issues,
    name_target,
    open_template,
    prepare_table,
    relabel_formats,
    retitle,
)
from kqexcel.io.legend import fill_legend
from kqexcel.io.templates import ISSUES_NAME, LEGEND_NAME, PLAN_NAME, SHORT_FIELDS
from kqexcel.io.week import WEEK_NAME, fill_week
from kqexcel.io.xlsx_stream import save_streamed
from kqexcel.rules import Rules


def plan_records(plan: Plan) -> Iterator[dict[str, Any]]:
    """The plan as DOMAIN.md §9 records: codes, ISO dates, None for missing."""
    t = plan.table
    keys = [*IDENTITY, *PLAN_FIELDS]
    ints = {
        "contacts_to_decide",
        "contacts_remaining",
        "priority_score",
        "days_overdue",
        "log_entries",
        "contacts_known",
        "rfm_score",
    }
    columns = {k: t[k].tolist() for k in [*keys, "warning_details"]}
    for i in range(len(t)):
        record: dict[str, Any] = {}
        for key in keys:
            value = columns[key][i]
            if key == "warnings":
                record[key] = list(value)
                value = list(columns["warning_details"][i])  # as long as the warnings
                key = "warning_details"
            elif key == "levels_covered":
                value = None if value is None else list(value)
            elif is_missing(value):
                value = None
            elif key in ("next_contact", "last_visit", "last_order"):
                value = pd.Timestamp(value).date().isoformat()
            elif key in ints:
                value = int(value)
            elif isinstance(value, (np.floating, float)):
                value = float(value)
            elif isinstance(value, np.integer):
                value = int(value)
            record[key] = value
        yield record


def write_json(plan: Plan, stream: IO[str]) -> None:
    """JSON Lines, one object per customer."""
    for record in plan_records(plan):
        stream.write(json.dumps(record, ensure_ascii=False) + "\n")


def write_csv(plan: Plan, stream: IO[str], header: bool = True) -> None:
    """CSV with the same keys and codes as JSON (``--codes``); warnings joined by ';'."""
    writer = csv.writer(stream)
    keys = [*IDENTITY, *PLAN_FIELDS]
    if header:
        writer.writerow(keys)
    for record in plan_records(plan):
        row = []
        for key in keys:
            value = record[key]
            if key == "warnings" or (key == "levels_covered" and value is not None):
                value = ";".join(value)
            row.append(cell_text(value, quote=True) if isinstance(value, str) else value)
        writer.writerow(row)


PeopleTable = tuple[list[str], list[list[Any]]]  # headers, then the columns' values


def people_table(plan: Plan, rules: Rules) -> PeopleTable:
    """[6/8] what the plan sheet shows, for a CSV a person opens: the headers in the plan's
    language, labels for codes, warnings with their details, the ledger's notes and carried
    columns (联系人, 手机 …); dates as YYYY-MM-DD, whole numbers without a decimal point."""
    columns = display_columns(plan, rules)
    return [h for h, _ in columns], [[_shown(v) for v in values] for _, values in columns]


def _shown(value: Any) -> Any:
    """A value as a CSV cell shows it (text made safe: never a formula)."""
    if is_missing(value):
        return ""
    if isinstance(value, (pd.Timestamp, dt.datetime)):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (float, np.floating)):
        return int(value) if float(value).is_integer() else float(value)
    if isinstance(value, np.integer):
        return int(value)
    return cell_text(str(value), quote=True)


def write_people_csv(tables: list[PeopleTable], stream: IO[str]) -> None:
    """One CSV of several plans' people tables: the union of their headers in the order first
    seen (a ledger without a column leaves it empty)."""
    headers = list(dict.fromkeys(h for heads, _ in tables for h in heads))
    writer = csv.writer(stream)
    writer.writerow(headers)
    for heads, columns in tables:
        where = {h: j for j, h in enumerate(heads)}
        picked = [columns[where[h]] if h in where else None for h in headers]
        n = len(columns[0]) if columns else 0
        for i in range(n):
            writer.writerow(["" if c is None else c[i] for c in picked])


def write_plan(
    plan: Plan,
    rules: Rules,
    out: str | Path,
    template: str | Path | None = None,
    force: bool = False,
    progress: Callable[[int], None] | None = None,
) -> Path:
    """Write the plan workbook ``out`` from the plan template (atomically)."""
    from openpyxl.comments import Comment

    wb, template_path = open_template(template, "plan.xlsx")
    retitle(wb, plan.lang)
    ws = name_target(wb, PLAN_NAME)[0]
    optional = [WEEK_NAME] if WEEK_NAME in wb.defined_names else []
    for other in (ISSUES_NAME, LEGEND_NAME, *optional):
        if name_target(wb, other)[0] is ws:
            raise TemplateError("template_same_sheet", path=template_path, name=other)
    short = [rules.field_label(f, plan.lang) for f in SHORT_FIELDS]
    table = prepare_table(wb, PLAN_NAME, display_columns(plan, rules), short)
    relabel_formats([ws], rules, plan.lang)
    n = len(plan.table)
    if 0 < n <= rules["output"]["notes_max_rows"]:
        for fld in NOTE_FIELDS:
            col = table.head_col + len(IDENTITY) + PLAN_FIELDS.index(fld)
            for i, text in enumerate(plan.notes[fld].tolist()):
                if text:
                    ws.cell(table.head_row + 1 + i, col).comment = Comment(
                        cell_text(text), "kqexcel", width=420, height=160
                    )
    fill_issues(wb, plan.problems, plan.lang, rules=rules)
    fill_legend(wb, rules, plan.lang, plan)
    fill_week(wb, plan, rules)
    return save_streamed(wb, Path(out), [table], force, progress)
