"""The 本周 / This-week sheet (6/8): the next working days of the plan, one block per day, the
customers to contact that day with P1 first — whom to call, how, about what, and what to say.

It is the first sheet of the plan workbook, so the file opens on it on Monday morning; each day
starts a new printed page, one landscape page wide.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd

from kqexcel.core.ledger import carried_header, carried_key
from kqexcel.core.plan import Plan
from kqexcel.io.cells import put
from kqexcel.io.display import is_missing, warning_texts
from kqexcel.io.wording import labels, word
from kqexcel.rules import Rules

WEEK_NAME = "kq_week"  # a template's own place for the sheet (else it is made, first)
WEEK_ROWS = 5000  # the most customers listed (a plan without a daily limit may have many more)
# the plan fields of a block, in order; owner only for several owners, key person when known
FIELDS = (
    "priority",
    "customer_id",
    "name",
    "owner",
    "key_person",
    "channel",
    "objective",
    "warnings",
    "talking_points",
)
WIDTHS = {
    "priority": 7,
    "customer_id": 10,
    "name": 22,
    "owner": 9,
    "key_person": 18,
    "channel": 9,
    "objective": 24,
    "warnings": 26,
    "talking_points": 58,
    "carried": 14,
}
WRAP = {"name", "key_person", "objective", "warnings", "talking_points", "carried"}
PRIORITY_ORDER = {"P1": 0, "P2": 1, "P3": 2}


def week_days(rules: Rules, as_of: dt.date) -> list[dt.date]:
    """[§12] the first ``calendar.week_days`` working days from as_of (as_of included)."""
    from kqexcel.core.workdays import work_calendar

    n = rules.numbers.calendar.week_days
    cal = work_calendar(rules, as_of, as_of + dt.timedelta(days=2 * n + 40))
    return [pd.Timestamp(d).date() for d in cal.days[:n]]


def contact_columns(plan: Plan, rules: Rules) -> list[str]:
    """The ledger's carried-through columns a rep calls from: those whose header holds one of
    ``calendar.week_columns`` (联系人, 手机, 地址 …), in the ledger's order."""
    words = [w.casefold() for w in rules.numbers.calendar.week_columns if w]
    return [
        name for name in plan.carried if any(w in carried_header(name).casefold() for w in words)
    ]


def week_rows(plan: Plan, days: list[dt.date]) -> pd.DataFrame:
    """The plan rows whose next contact is one of ``days``, by day, then P1 first (then the
    higher score, more days overdue, customer_id), as §12 places them."""
    t = plan.table
    if not len(t) or not days:
        return t.iloc[0:0]
    when = pd.to_datetime(t["next_contact"]).dt.date
    chosen = t[when.isin(set(days))].copy()
    chosen["_day"] = when[chosen.index]
    chosen["_p"] = chosen["priority"].map(PRIORITY_ORDER).fillna(3)
    return chosen.sort_values(
        ["_day", "_p", "priority_score", "days_overdue", "customer_id"],
        ascending=[True, True, False, False, True],
        kind="stable",
        key=lambda c: c.astype(str) if c.name == "customer_id" else c,
    )


def fill_week(wb: Any, plan: Plan, rules: Rules) -> Any:
    """Write the 本周 / This-week sheet into ``wb`` (made as the first sheet unless the template
    has one at ``kq_week``); it becomes the sheet the workbook opens on."""
    from openpyxl.styles import Alignment, Border, PatternFill, Side
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.pagebreak import Break

    from kqexcel.io.fill import name_target, row_height
    from kqexcel.io.templates import HEADER_FILL, HEADER_FONT, font, print_layout

    lang = plan.lang
    if WEEK_NAME in wb.defined_names:
        ws, top, left = name_target(wb, WEEK_NAME)
    else:
        title = word("sheet_week", lang)
        ws = wb[title] if title in wb.sheetnames else wb.create_sheet(title, 0)
        top, left = 1, 1
    days = week_days(rules, plan.as_of)
    rows = week_rows(plan, days)
    shown, more = rows.iloc[:WEEK_ROWS], max(0, len(rows) - WEEK_ROWS)
    fields = [
        f
        for f in FIELDS
        if not (f == "owner" and plan.table["owner"].dropna().nunique() <= 1)
        and not (f == "key_person" and shown["key_person"].isna().all())
    ]
    carried = contact_columns(plan, rules)
    heads = [rules.field_label(f, lang) for f in fields] + [carried_header(c) for c in carried]
    values = _values(shown, fields, carried, rules, lang)
    widths = [WIDTHS[f] for f in fields] + [WIDTHS["carried"]] * len(carried)
    wraps = [f in WRAP for f in fields] + [True] * len(carried)
    for j, width in enumerate(widths):
        ws.column_dimensions[get_column_letter(left + j)].width = width

    thin = Side(style="thin", color="BFBFBF")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    day_fill = PatternFill("solid", fgColor="DDEBF7")
    p1_fill = PatternFill("solid", fgColor="FCE4D6")
    weekdays = labels("week_weekdays", lang)
    first, last = (days[0], days[-1]) if days else (plan.as_of, plan.as_of)
    put(
        ws,
        top,
        left,
        word(
            "week_title",
            lang,
            first=first.isoformat(),
            last=last.isoformat(),
            days=len(days),
            n=len(rows),
        ),
    ).font = font(bold=True, size=14)
    put(ws, top + 1, left, word("week_hint", lang))
    r = top + 3
    by_day = {day: group for day, group in shown.groupby("_day", sort=False)} if len(shown) else {}
    for k, day in enumerate(days):
        group = by_day.get(day)
        n = 0 if group is None else len(group)
        p1 = 0 if group is None else int((group["priority"] == "P1").sum())
        head = word(
            "week_day",
            lang,
            weekday=weekdays[day.weekday()],
            date=day.isoformat(),
            n=n,
            p1=word("week_p1", lang, n=p1) if p1 else "",
        )
        cell = put(ws, r, left, head)
        cell.font, cell.fill = font(bold=True, size=12), day_fill
        for j in range(1, len(heads)):
            ws.cell(r, left + j).fill = day_fill
        r += 1
        if not n:
            put(ws, r, left, word("week_none", lang))
            r += 1
        else:
            for j, text in enumerate(heads):
                c = put(ws, r, left + j, text)
                c.font, c.fill, c.border = HEADER_FONT, HEADER_FILL, border
                c.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
            r += 1
            assert group is not None
            for i in group.index:
                p1_row = group.at[i, "priority"] == "P1"
                for j, column in enumerate(values):
                    c = put(ws, r, left + j, column[i])
                    c.border = border
                    c.alignment = Alignment(vertical="top", wrap_text=wraps[j])
                    if p1_row:
                        c.fill = p1_fill
                ws.row_dimensions[r].height = row_height(
                    (column[i], widths[j]) for j, column in enumerate(values) if wraps[j]
                )
                r += 1
        if n and k < len(days) - 1:
            ws.row_breaks.append(Break(id=r))  # the next day starts a new page
        r += 1
    if more:
        put(ws, r, left, word("week_more", lang, n=more, sheet=word("sheet_plan", lang)))
    print_layout(ws, title_rows=None)
    ws.print_options.horizontalCentered = True
    wb.active = wb.sheetnames.index(ws.title)
    for other in wb.worksheets:  # one selected tab: the sheet the file opens on
        other.sheet_view.tabSelected = other is ws
    return ws


def _values(
    rows: pd.DataFrame, fields: list[str], carried: list[str], rules: Rules, lang: str
) -> list[dict[Any, Any]]:
    """Per column of the block: row index → what the cell shows (labels in ``lang``)."""
    sep = str(rules["rationale"]["words"]["list_separator"][lang])
    out: list[dict[Any, Any]] = []
    for f in fields:
        if f in ("priority", "channel"):
            column = [None if is_missing(v) else rules.label(f, v, lang) for v in rows[f].tolist()]
        elif f == "objective":
            column = rows["objective_text"].tolist()
        elif f == "warnings":
            column = warning_texts(
                rows["warnings"].tolist(), rows["warning_details"].tolist(), rules, lang, sep
            )
        else:
            column = [None if is_missing(v) else v for v in rows[f].tolist()]
        out.append(dict(zip(rows.index, column, strict=True)))
    for name in carried:
        column = [None if is_missing(v) else v for v in rows[carried_key(name)].tolist()]
        out.append(dict(zip(rows.index, column, strict=True)))
    return out
