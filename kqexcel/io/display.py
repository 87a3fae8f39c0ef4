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


def _warning_texts(
    warnings: list[list[str]], t: pd.DataFrame, rules: Rules, lang: str, sep: str
) -> list[Any]:
    """Each row's warnings as labels, overdue contact with its days and the contract warnings
    with the end date (DOMAIN §8)."""
    names = {w: str(rules.label("warning", w, lang)) for w in {w for ws in warnings for w in ws}}
    words = rules["rationale"]["words"]
    overdue, contract = str(words["overdue_warning"][lang]), str(words["contract_warning"][lang])
    followup = str(words["followup_warning"][lang])

    def shown(w: str, days: Any, end: Any, promised: Any) -> str:
        if w == "overdue_contact":
            return overdue.format(label=names[w], days=int(days))
        if w in ("contract_ending", "contract_expired"):
            return contract.format(label=names[w], date=pd.Timestamp(end).date().isoformat())
        if w == "followup_missed":
            return followup.format(label=names[w], date=pd.Timestamp(promised).date().isoformat())
        return names[w]

    return [
        sep.join(shown(w, d, e, p) for w in ws) or None
        for ws, d, e, p in zip(
            warnings,
            t["days_overdue"].tolist(),
            t["_contract_end"].tolist(),
            t["_promised"].tolist(),
            strict=True,
        )
    ]


def _levels(values: list[Any], rules: Rules, lang: str, sep: str) -> list[Any]:
    """Each row's levels covered as labels (None: no contacts sheet; an empty list: none)."""
    labels = {code: str(rules.label("level", code, lang)) for code in rules["codes"]["level"]}
    none = str(rules["rationale"]["words"]["levels_none"][lang])
    return [None if v is None else (sep.join(labels.get(c, c) for c in v) or none) for v in values]


def display_columns(plan: Plan, rules: Rules) -> list[tuple[str, list[Any]]]:
    """(header, values) for every plan column as the workbook shows it (labels in ``lang``)."""
    lang, t = plan.lang, plan.table
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
            values = _warning_texts(values, t, rules, lang, sep)
        elif key == "levels_covered":
            values = _levels(values, rules, lang, sep)
        out.append((rules.field_label(key, lang), values))
    if t["_notes"].notna().any():  # the ledger's notes column: a rep reads it beside the plan
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
