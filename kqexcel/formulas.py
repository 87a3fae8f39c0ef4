"""The engine behind the worksheet formulas: Excel-shaped values in, Excel-shaped values out.

Every function takes cells as Excel hands them over (numbers, datetimes, serial numbers, None for
blanks, text with 万/¥/%) and answers with the same classification `kq plan` makes — it calls
the same core functions. A bad input gives a short error text in the cell (``#KQ! …``), never a
traceback. ``kqexcel.udfs`` only adds the xlwings decorators.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import os
from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from kqexcel.core import classify as C
from kqexcel.core import customer_file as CF
from kqexcel.core import orders as O
from kqexcel.core import workdays as WD
from kqexcel.core.ledger import (
    RECORD_KINDS,
    Ledger,
    NoHeaderRow,
    NoNameColumn,
    NotKindSheet,
    Problem,
    ledger_from_rows,
    normalise,
    records_from_rows,
    vocabulary,
)
from kqexcel.core.plan import Plan, make_plan
from kqexcel.core.rationale import Words, key_persons
from kqexcel.core.values import parse_code, parse_date, parse_money, parse_numbers, parse_ratio
from kqexcel.io.display import display_columns
from kqexcel.rules import Rules, load_rules, norm_key
from kqexcel.words import NO_VALUE, formula_text, say

F = TypeVar("F", bound=Callable[..., Any])
ERROR = "#KQ! "


class FormulaError(Exception):
    """A bad input to a formula: shown in the cell as ``#KQ! <message>``."""


def _error(key: str, lang: str | None, value: Any = NO_VALUE, **fields: Any) -> FormulaError:
    """The error ``messages.formula_<key>`` of the rules, in the formula's language (None: the
    formula has no lang argument, both languages)."""
    return FormulaError(formula_text(rules(), f"formula_{key}", lang, value, **fields))


@functools.lru_cache(maxsize=4)
def _rules_for(path: str | None) -> Rules:
    return load_rules(path)


def rules() -> Rules:
    """The rules the formulas use: $KQEXCEL_RULES (a company rules file) or the defaults."""
    return _rules_for(os.environ.get("KQEXCEL_RULES") or None)


def excel_errors(func: F) -> F:
    """Turn any failure into a short readable text in the cell."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except FormulaError as exc:
            return f"{ERROR}{exc}"
        except Exception as exc:  # a formula must never show a traceback
            return f"{ERROR}{type(exc).__name__}: {exc}"

    return wrapper  # type: ignore[return-value]


# ----------------------------------------------------------------------------- conversions


def _lang(lang: Any) -> str:
    text = str(lang or "zh").strip().lower()
    if text not in ("zh", "en"):
        raise _error("lang", None, lang)
    return text


def _as_of(value: Any, lang: str | None = None) -> dt.date:
    if value is None or value == "":
        return dt.date.today()
    parsed, reason = parse_date(value, vocabulary(rules()), dt.date.today(), serials=True)
    if reason or parsed is None:
        raise _error("not_date", lang, value)
    return parsed


def _column(values: Any) -> list[Any]:
    """A range (one row, one column or a single cell) as a flat list."""
    if values is None:
        return []
    if isinstance(values, (list, tuple)):
        out: list[Any] = []
        for item in values:
            out.extend(item if isinstance(item, (list, tuple)) else [item])
        return out
    return [values]


def _cell(value: Any) -> Any:
    """A value as Excel should receive it (no numpy or pandas types, None for missing)."""
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if isinstance(value, np.generic):
        return _cell(value.item())
    return value


def _header(field: str) -> str:
    return str(rules()["fields"][field]["zh"])


def _scalar(value: Any, name: str, lang: str | None = None) -> Any:
    """One cell's value: a one-cell range is that cell; a larger range is an error."""
    if isinstance(value, (list, tuple)):
        cells = _column(value)
        if len(cells) > 1:
            raise _error("single_cell", lang, name=name)
        return cells[0] if cells else None
    return value


def _one_row(lang: str | None, as_of: dt.date | None = None, **fields: Any) -> Ledger:
    """A one-customer ledger from field values (read by the same parsers as a ledger file, dates
    as Excel hands a formula its arguments: as serial numbers too); the name comes first, so a
    value such as 合计 never makes the row a total row."""
    header = [_header("name")] + [_header(f) for f in fields]
    values = [_scalar(v, f, lang) for f, v in fields.items()]
    row = [header, ["—formula—", *values]]
    day = as_of or dt.date.today()
    return normalise(row, 0, rules(), "formula", "formula", as_of=day, serials=True)


def _problem(ledger: Ledger, lang: str | None) -> None:
    for p in ledger.problems:
        if p.kind == "info":
            continue  # what was understood: no problem
        column = p.column.split(" (")[0] if p.column else ""
        raise _error("unreadable_column", lang, p.value, column=column)


# ----------------------------------------------------------------------------- the plan


def _rows(block: Any) -> list[list[Any]]:
    """A range as rows (one cell: one row of one cell)."""
    return [list(r) if isinstance(r, (list, tuple)) else [r] for r in (block or [])]


def plan_table(
    ledger: Any,
    as_of: Any = None,
    lang: Any = "zh",
    log: Any = None,
    contacts: Any = None,
    orders: Any = None,
) -> list[list[Any]]:
    """The whole plan of a ledger range (header row included) as rows, header first — the same
    columns and values as the plan sheet of `kq plan`; ``log``, ``contacts`` and ``orders`` are
    the ranges of the follow-up log, the contacts (DOMAIN §10) and the orders (§11), each with
    its header row."""
    given = {"log": log, "contacts": contacts, "orders": orders}
    sheets = {kind: _rows(block) or None for kind, block in given.items()}
    return plan_rows(_rows(ledger), as_of, lang, "Excel", "range", sheets)[0]


def records(
    rows: list[list[Any]] | None, kind: str, file: str, sheet: str, day: dt.date
) -> Ledger | None:
    """A log or contacts range read as the sheet is (None: not given); a header that says
    nothing gives no rows and the one problem line saying so."""
    if not rows:
        return None
    try:
        return records_from_rows(rows, rules(), kind, file, sheet, as_of=day)
    except NotKindSheet:
        return None


def _not_read(rows: list[list[Any]] | None, kind: str, file: str, sheet: str) -> list[Problem]:
    """The one problem line of a log or contacts range given but not readable (the plan is made
    without it, as `kq plan` does)."""
    if not rows:
        return []
    return [Problem(file, sheet, None, None, None, "sheet_not_read", detail=kind)]


def plan_rows(
    rows: list[list[Any]],
    as_of: Any,
    lang: Any,
    file: str,
    sheet: str,
    others: dict[str, list[list[Any]] | None] | None = None,
    names: dict[str, str] | None = None,
) -> tuple[list[list[Any]], Plan]:
    """The plan of ledger ``rows`` (the first being Excel row 1 when a button reads a sheet) as
    rows, header first, and the Plan itself (for its problems). ``others``: the rows of the
    customer file's other sheets ("log", "contacts", "orders"), ``names`` their sheets' names."""
    language = _lang(lang)
    day = _as_of(as_of, language)
    try:  # the reader's own checks; the cell says what is wrong in the formula's language
        parsed = ledger_from_rows(rows, rules(), file, sheet, as_of=day)
    except NoHeaderRow:
        raise _error("no_header", language) from None
    except NoNameColumn:
        raise _error("no_name", language) from None
    others, names = others or {}, names or {}
    sheet_names = {k: names.get(k) or say(rules(), f"ledger_sheet_{k}", language) for k in others}
    found = {k: records(others.get(k), k, file, sheet_names.get(k, k), day) for k in RECORD_KINDS}
    parsed = CF.attach(parsed, found)
    for k, sheet_read in found.items():
        if sheet_read is None:
            parsed.problems.extend(_not_read(others.get(k), k, file, sheet_names.get(k, k)))
    plan = make_plan(parsed, rules(), day, language)
    columns = display_columns(plan, rules())
    out = [[header for header, _ in columns]]
    out.extend(
        [_cell(v) for v in row] for row in zip(*(values for _, values in columns), strict=True)
    )
    return out, plan


def _money_list(values: Any, lang: str | None = None) -> list[float | None]:
    vocab = vocabulary(rules())
    out = []
    for value in _column(values):
        number, reason = parse_money(value, vocab)
        if reason:
            raise _error("not_money", lang, value)
        out.append(number)
    return out


def tiers(values: Any, status: Any = None) -> list[list[Any]]:
    """ABC tier of every value of a column (20/80 rule). Blanks get no tier, except prospects
    (when the contract-status column ``status`` is given), who count 0."""
    numbers = _money_list(values)
    series = pd.Series(numbers, dtype=float)
    lifecycle = ["unknown"] * len(numbers)
    if status is not None:
        statuses = _column(status)
        if len(statuses) != len(numbers):
            raise _error("same_rows", None)
        vocab = vocabulary(rules())
        lookup = rules().code_lookup["contract_status"]
        lifecycle = [parse_code(s, vocab, lookup)[0] or "unknown" for s in statuses]
    result = C.tiers(
        series,
        pd.Series([None] * len(numbers), dtype=object),
        pd.Series(lifecycle, dtype=object),
        rules(),
    )
    return [[_cell(t)] for t in result["tier"]]


def tier(value: Any, values: Any) -> Any:
    """The ABC tier of ``value`` among ``values`` (it joins them if it is not one of them)."""
    numbers = _money_list(values)
    (mine,) = _money_list(_scalar(value, "value")) or [None]
    if mine is None:
        return None
    if mine not in numbers:
        numbers.append(mine)
    column = tiers(numbers)
    return column[numbers.index(mine)][0]


def quadrants(revenue: Any, margin: Any, cost: Any = None, lang: Any = "zh") -> list[list[Any]]:
    """Profit quadrant of every row (revenue × margin − cost)."""
    language = _lang(lang)
    vocab = vocabulary(rules())
    rev = _money_list(revenue, language)
    margins = []
    for value in _column(margin):
        ratio, reason = parse_ratio(value, vocab)
        if reason:
            raise _error("not_ratio", language, value)
        margins.append(ratio)
    costs = _money_list(cost, language) if cost is not None else []
    n = len(rev)
    if len(margins) != n or (costs and len(costs) != n):
        raise _error("same_rows", language)
    table = pd.DataFrame(
        {
            "revenue": pd.Series(rev, dtype=float),
            "gross_margin": pd.Series(margins, dtype=float),
            "service_cost": pd.Series(costs or [None] * n, dtype=float),
            "profit": pd.Series([None] * n, dtype=float),
        }
    )
    profit, _ = C.profit(table)
    quad = C.quadrants(profit, table["revenue"], pd.Series([None] * n, dtype=object), rules())
    return [
        [_cell(rules().label("profit_quadrant", q, language) if isinstance(q, str) else None)]
        for q in quad["profit_quadrant"]
    ]


def expected_value(cb: Any, av: Any = None, p: Any = None) -> float:
    """EV = CB + AV × P (seed 004), as the plan computes it; a blank AV or P counts 0."""
    vocab = vocabulary(rules())
    values = []
    for name, value, parse in (
        ("cb", cb, parse_money),
        ("av", av, parse_money),
        ("p", p, parse_ratio),
    ):
        value = _scalar(value, name)
        number, reason = parse(value, vocab)
        if reason:
            raise _error("unreadable", None, value)
        values.append(np.nan if number is None else number)
    table = pd.DataFrame(
        {"revenue": [np.nan], "potential": [values[1]], "win_probability": [values[2]]}
    )
    return float(C.expected_value(table, pd.Series([values[0]], dtype=float)).iat[0])


MOTIVATION_FIELDS = (
    "company_stage",
    "competition",
    "ecommerce_skill",
    "ecommerce_staff",
    "outlook",
    "expectation",
    "buyer_base",
)


def _motivation_row(lang: str, *indicators: Any) -> Ledger:
    """The seven motivation indicators as a one-customer ledger (an unreadable one is an error)."""
    ledger = _one_row(lang, **dict(zip(MOTIVATION_FIELDS, indicators, strict=True)))
    _problem(ledger, lang)
    return ledger


def motivation(
    stage: Any = None,
    competition: Any = None,
    skill: Any = None,
    staff: Any = None,
    outlook: Any = None,
    expectation: Any = None,
    buyers: Any = None,
    lang: Any = "zh",
) -> str:
    """The signing motivation the seven indicators vote for."""
    language = _lang(lang)
    ledger = _motivation_row(
        language, stage, competition, skill, staff, outlook, expectation, buyers
    )
    code = C.motivation(ledger.table, rules())["motivation"].iat[0]  # the vote, not the plan
    return str(rules().label("motivation", code, language))


def motivation_why(
    stage: Any = None,
    competition: Any = None,
    skill: Any = None,
    staff: Any = None,
    outlook: Any = None,
    expectation: Any = None,
    buyers: Any = None,
    lang: Any = "zh",
) -> str:
    """The evidence: each indicator's vote and the points (the plan's own rationale sentence)."""
    language = _lang(lang)
    ledger = _motivation_row(
        language, stage, competition, skill, staff, outlook, expectation, buyers
    )
    return str(make_plan(ledger, rules(), dt.date.today(), language).notes["motivation"].iat[0])


def style(decisiveness: Any = None, orientation: Any = None, lang: Any = "zh") -> str:
    """Personality style from the two axes (率直/优柔 × 理性/感性)."""
    language = _lang(lang)
    ledger = _one_row(language, decisiveness=decisiveness, orientation=orientation)
    _problem(ledger, language)
    code = C.style(ledger.table, rules())["style"].iat[0]
    return str(rules().label("style", code, language))


def style_tips(style_name: Any, lang: Any = "zh") -> str:
    """How to deal with a style: approach, words to use, contacts before deciding."""
    language = _lang(lang)
    ledger = _one_row(language, style=style_name)
    _problem(ledger, language)
    code = C.style(ledger.table, rules())["style"].iat[0]
    if code == "unknown":
        raise _error("not_style", language, style_name)
    r = rules()
    contacts = say(r, "style_decides_after", language, decide=r.numbers.style.decides_after[code])
    parts = [
        r.text("style", code, language, "approach"),
        r.text("style", code, language, "words"),
        contacts,
    ]
    return " ".join(p for p in parts if p)


def renewal(
    current: Any, past: Any, motivation_name: Any = None, lang: Any = "zh"
) -> list[list[Any]]:
    """Renewal floor, satisfaction line and risk (a herd customer's high risk is medium)."""
    language = _lang(lang)
    vocab = vocabulary(rules())
    if isinstance(past, (list, tuple)):
        numbers: list[float] = []
        for value in _column(past):
            parsed, reason = parse_numbers(value, vocab)
            if reason:
                raise _error("past_results", language, value)
            numbers.extend(parsed or [])
        past = ";".join(np.format_float_positional(x, trim="-") for x in numbers)  # never 1e+20
    ledger = _one_row(
        language, contract_status="renewal", past_results=past, current_result=current
    )
    _problem(ledger, language)
    code = "unknown"
    if motivation_name not in (None, ""):
        found = rules().code_lookup["motivation"].get(norm_key(motivation_name))
        if found is None:
            raise _error("not_motivation", language, motivation_name)
        code = found
    result = C.renewal(ledger.table, pd.Series(["renewal"]), pd.Series([code]), rules())
    risk = result["renewal_risk"].iat[0]
    return [
        [
            _cell(result["renewal_floor"].iat[0]),
            _cell(result["satisfaction_line"].iat[0]),
            rules().label("renewal_risk", risk, language) if risk else None,
        ]
    ]


def next_contact(
    last_contact: Any,
    tier_name: Any = None,
    intent: Any = None,
    risk: Any = None,
    as_of: Any = None,
    lifecycle: Any = None,
    stage: Any = None,
    complaint: Any = None,
) -> Any:
    """The next contact date (DOMAIN.md §8, §12): last contact + the interval, never before
    as_of, moved to the next working day (the daily limit applies in KQ_PLAN only: it needs every
    customer of the owner)."""
    r = rules()
    ledger = _one_row(
        None,
        _as_of(as_of),
        last_contact=last_contact,
        intent=intent,
        contract_status=lifecycle,
        stage=stage,
        open_complaint=complaint,
    )
    _problem(ledger, None)
    t = ledger.table
    tier_code = None if tier_name in (None, "") else str(tier_name).strip().upper()
    if tier_code not in (None, "A", "B", "C"):
        raise _error("tier", None, tier_name)
    risk_code = None
    if risk not in (None, ""):
        risk_code = r.code_lookup["renewal_risk"].get(norm_key(risk))
        if risk_code is None:
            raise _error("not_risk", None, risk)
    interval = C.interval(  # the plan's own interval (§8): the shortest any rule allows
        pd.Series([tier_code], dtype=object),
        t["intent"],
        pd.Series([risk_code], dtype=object),
        t["contract_status"].fillna("unknown"),
        t["stage"],
        t["open_complaint"].notna(),
        r,
    )
    day = _as_of(as_of)
    _, _, nxt = C.next_contact(t["last_contact"], interval, pd.Timestamp(day))
    # [§12] on a working day, as the plan (the daily limit needs every customer: KQ_PLAN)
    nxt = WD.to_working_day(nxt, WD.calendar_for(r, day, nxt.iat[0].date()))
    return _cell(nxt.iat[0])


def key_person(contacts: Any, customer_id: Any, lang: Any = "zh") -> Any:
    """[§10] The key person of one customer among a contacts range (header row included):
    ``姓名（职务，性格类型）``, as the plan's 关键人 column; empty when nobody is listed."""
    language = _lang(lang)
    wanted = _scalar(customer_id, "customer_id", language)
    if wanted is None or wanted == "":
        raise _error("unreadable", language, wanted)
    day = dt.date.today()
    sheet = records(_rows(contacts), "contacts", "Excel", "range", day)
    if sheet is None:
        raise _error("no_header", language)
    if not len(sheet.table):
        return None
    one = normalise(
        [[_header("customer_id"), _header("name")], [wanted, "—formula—"]],
        0,
        rules(),
        "Excel",
        "range",
    )
    one = CF.attach(one, {"contacts": sheet})
    facts, _ = CF.facts(one, rules(), day)
    return key_persons(facts, Words(rules(), language))[0]


def rfm(
    customer_ids: Any,
    order_ids: Any,
    order_dates: Any,
    amounts: Any,
    as_of: Any = None,
    lang: Any = "zh",
) -> list[list[Any]]:
    """[§11] One row per customer of ``customer_ids``: recency (days), frequency, monetary, the
    R, F and M scores, rfm_score and the segment's label, from the orders given as three
    columns (each order's customer id, date and amount), scored over every listed customer with
    orders, as `kq plan` scores them. Orders after as_of are skipped; orders of customers not
    listed are left out."""
    language = _lang(lang)
    day = _as_of(as_of, language)
    ids, owners, dates, money = (
        _column(v) for v in (customer_ids, order_ids, order_dates, amounts)
    )
    if not (len(owners) == len(dates) == len(money)):
        raise _error("same_rows", language)
    r = rules()
    view = r.for_kind("orders")
    header = [_header("customer_id"), *(str(view["fields"][f]["zh"]) for f in ("date", "amount"))]
    sheet = normalise(
        [header, *zip(owners, dates, money, strict=True)],
        0,
        view,
        "Excel",
        "orders",
        as_of=day,
        serials=True,
    )
    for problem in sheet.problems:
        if problem.kind == "problem" and problem.value is not None:
            column = problem.column.split(" (")[0] if problem.column else ""
            raise _error("unreadable_column", language, problem.value, column=column)
    customers = normalise(
        [[_header("customer_id"), _header("name")], *([i, i] for i in ids)],
        0,
        r,
        "Excel",
        "customers",
    )
    if len(customers.table) != len(ids):
        raise _error("rfm_ids", language)
    sheet.table["_link"] = None
    facts, _ = O.facts(CF.attach(customers, {"orders": sheet}), r, day)
    labels = Words(r, language).labels("rfm_segment")
    keys = O.RFM_COLUMNS[:-1]  # the numbers; then the segment's label
    return [
        [*(_cell(facts[k].iat[i]) for k in keys), labels.get(facts["rfm_segment"].iat[i])]
        if facts["frequency"].notna().iat[i]
        else [None] * (len(keys) + 1)
        for i in range(len(facts))
    ]


def rules_version() -> str:
    """The version of the rules in use (and where they come from)."""
    r = rules()
    return f"{r.version} ({r.source})"


# the formula name in Excel → the function behind it (kqexcel.udfs and xlwings Lite call these)
UDFS: dict[str, Callable[..., Any]] = {
    "KQ_PLAN": plan_table,
    "KQ_TIERS": tiers,
    "KQ_TIER": tier,
    "KQ_QUADRANTS": quadrants,
    "KQ_EV": expected_value,
    "KQ_MOTIVATION": motivation,
    "KQ_MOTIVATION_WHY": motivation_why,
    "KQ_STYLE": style,
    "KQ_STYLE_TIPS": style_tips,
    "KQ_RENEWAL": renewal,
    "KQ_NEXT_CONTACT": next_contact,
    "KQ_KEY_PERSON": key_person,
    "KQ_RFM": rfm,
    "KQ_RULES_VERSION": rules_version,
}
