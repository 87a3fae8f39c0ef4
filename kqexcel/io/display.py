"""A plan as the workbook and the report show it: labels for codes, warnings as text, the
ledger's carried columns under unique headers (presentation, kept out of core)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from kqexcel.core.ledger import EXCEL_COLUMNS, carried_header, carried_key, repeat_name
from kqexcel.core.plan import IDENTITY, PLAN_FIELDS, Plan
from kqexcel.rules import Rules

# plan fields shown as zh/en labels of their codes
LABELLED = (
    "tier",
    "profit_quadrant",
    "motivation",
    "style",
    "lifecycle",
    "renewal_risk",
    "intent",
    "stage",
    "priority",
    "channel",
    "rfm_segment",
)


def is_missing(value: Any) -> bool:
    """None, NaN or NaT: a cell with nothing in it."""
    return value is None or value is pd.NaT or (isinstance(value, float) and np.isnan(value))


def warning_texts(
    warnings: list[list[str]], details: list[list[Any]], rules: Rules, lang: str, sep: str
) -> list[Any]:
    """Each row's warnings as labels with their details: 逾期未联系（12 天）, 承诺逾期（送样品，
    11-20 到期）, 未结投诉（服务）, 临近到期（2027-01-15）, 数据缺失（历史效果 (O)）."""
    names = {w: str(rules.label("warning", w, lang)) for w in {w for ws in warnings for w in ws}}
    shown = str(rules["rationale"]["words"]["warning_detail"][lang])
    return [
        sep.join(
            names[w] if d is None else shown.format(label=names[w], detail=d)
            for w, d in zip(ws, ds, strict=True)
        )
        or None
        for ws, ds in zip(warnings, details, strict=True)
    ]


def _levels(values: list[Any], rules: Rules, lang: str, sep: str) -> list[Any]:
    """Each row's levels covered as labels (None: no contacts sheet; an empty list: none)."""
    labels = {code: str(rules.label("level", code, lang)) for code in rules["codes"]["level"]}
    none = str(rules["rationale"]["words"]["levels_none"][lang])
    return [None if v is None else (sep.join(labels.get(c, c) for c in v) or none) for v in values]


def display_columns(
    plan: Plan, rules: Rules, start: int = 0, stop: int | None = None
) -> list[tuple[str, list[Any]]]:
    """(header, values) for every plan column as the workbook shows it (labels in ``lang``);
    only the plan rows ``start``–``stop`` (positions), so that a big plan is shown a page at a
    time, each page with the whole plan's headers."""
    lang = plan.lang
    t = plan.rows(start, len(plan.table) if stop is None else stop)
    sep = str(rules["rationale"]["words"]["list_separator"][lang])
    out: list[tuple[str, list[Any]]] = []
    for key in [*IDENTITY, *PLAN_FIELDS]:
        values = t[key].tolist()
        if key in LABELLED:
            domain = key
            labels = {
                c: rules.label(domain, c, lang) for c in set(v for v in values if not is_missing(v))
            }
            values = [None if is_missing(v) else labels[v] for v in values]
        elif key == "objective":
            values = t["objective_text"].tolist()
        elif key == "warnings":
            values = warning_texts(values, t["warning_details"].tolist(), rules, lang, sep)
        elif key == "levels_covered":
            values = _levels(values, rules, lang, sep)
        out.append((rules.field_label(key, lang), values))
    if plan.table["_notes"].notna().any():  # the ledger's notes column: read beside the plan
        out.append((rules.field_label("notes", lang), t["_notes"].tolist()))
    headers = {h.casefold() for h, _ in out}  # Excel table headers are unique regardless of case
    stars: dict[str, int] = {}  # header → stars its next repeat starts from (no rescans)
    for name in plan.carried[: EXCEL_COLUMNS - len(out)]:  # never beyond XFD
        base = carried_header(name)
        count = stars.get(base.casefold(), 0)
        while (header := repeat_name(base, count, "*")).casefold() in headers:
            count += 1
        stars[base.casefold()] = count + 1
        headers.add(header.casefold())
        out.append((header, t[carried_key(name)].tolist()))
    return out
