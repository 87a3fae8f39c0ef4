"""The plan pipeline (DOMAIN.md §8): a typed ledger in, one plan row per customer out.

``make_plan`` is §2–§8 in order, each step a call into ``classify`` over whole columns; the words a
rep reads (talking points, questions, the rationale) come from ``rationale`` in the requested
language. The ledger's table is read, never written.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import pickle
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from kqexcel.core import classify as C
from kqexcel.core import customer_file as CF
from kqexcel.core import orders as O
from kqexcel.core import rationale as R
from kqexcel.core import workdays as WD
from kqexcel.core.classify import WARNINGS
from kqexcel.core.ledger import Ledger, Problem, carried_key
from kqexcel.rules import Rules

__all__ = [
    "FILE_FIELDS",
    "IDENTITY",
    "NOTE_FIELDS",
    "PLAN_FIELDS",
    "WARNINGS",
    "Decisions",
    "PackedTexts",
    "Plan",
    "make_plan",
]

IDENTITY = ("customer_id", "name", "owner", "region")
# [§14] the fields the customer file's other sheets add (null without the sheet)
FILE_FIELDS = (
    "last_visit",
    "log_entries",
    "last_note",
    "key_person",
    "contacts_known",
    "levels_covered",
    "last_order",
    "rfm_score",
    "rfm_segment",
)
PLAN_FIELDS = (
    "tier",
    "cumulative_share",
    "profit",
    "profit_quadrant",
    "expected_value",
    "motivation",
    "motivation_confidence",
    "style",
    "contacts_to_decide",
    "contacts_remaining",
    "lifecycle",
    "renewal_floor",
    "satisfaction_line",
    "renewal_risk",
    "intent",
    "stage",
    "priority",
    "priority_score",
    "next_contact",
    "days_overdue",
    "channel",
    "objective",
    "talking_points",
    "questions",
    "warnings",
    *FILE_FIELDS,
    "rationale",
)
# classification cells that carry the rationale as a cell note
NOTE_FIELDS = (
    "tier",
    "profit_quadrant",
    "expected_value",
    "motivation",
    "style",
    "renewal_risk",
    "next_contact",
    "channel",
    "priority",
    "objective",
    "last_visit",
    "key_person",
    "rfm_segment",
)


@dataclass
class Plan:
    """One plan row per customer (codes, ISO-able dates), the notes per classification cell,
    the carried-through columns and every data problem and gap."""

    table: pd.DataFrame
    notes: pd.DataFrame
    carried: list[str]
    problems: list[Problem]
    as_of: dt.date
    lang: str
    sources: list[tuple[str, str]] = field(default_factory=list)
    # [8/8] made with texts="packed": the talking points and rationale, packed (the table's
    # columns and the notes are then empty)
    packed: PackedTexts | None = None

    @property
    def has_problems(self) -> bool:
        """Whether any row has a data problem (gaps do not count)."""
        return any(p.kind == "problem" for p in self.problems)

    def rows(self, start: int, stop: int) -> pd.DataFrame:
        """The plan rows ``start``–``stop`` (positions), with their texts."""
        page = self.table.iloc[start:stop]
        if self.packed is None or start >= stop:
            return page
        page = page.copy()
        page["talking_points"], page["rationale"] = self.packed.rows(start, stop)
        return page


@dataclass(frozen=True, eq=False)
class Decisions:
    """What §2–§8 decided for every customer, each a column aligned with the ledger's table:
    the codes of the plan and the intermediate values their rationale names."""

    lifecycle: pd.Series
    profit: pd.Series
    profit_computed: pd.Series  # True where profit = revenue × margin − cost
    expected_value: pd.Series
    tier: pd.DataFrame  # classify.tiers
    quadrant: pd.DataFrame  # classify.quadrants
    motivation: pd.DataFrame  # classify.motivation
    style: pd.DataFrame  # classify.style
    renewal: pd.DataFrame  # classify.renewal
    candidates: pd.DataFrame  # the days each cadence rule allows
    interval: pd.Series
    due: pd.Series
    overdue: pd.Series
    next_contact: pd.Series  # [§12] on a working day, spread by the daily limit
    clipped: pd.Series  # [§8] the date before §12: the earlier of due and promised, ≥ as_of
    moved: pd.Series  # [§12] clipped moved to a working day (before the daily limit)
    channel: pd.Series
    priority: pd.DataFrame  # classify.priority: parts, raw_score, priority_score, priority
    warnings: list[list[str]]
    objective: pd.Series
    facts: pd.DataFrame  # customer_file.facts: what the log and the contacts say
    file_flags: dict[str, pd.Series]  # classify.file_warnings
    derived: pd.DataFrame  # _effective: which values the customer file's other sheets gave
    orders: pd.DataFrame  # orders.facts: what the orders say
    previous_owner: pd.Series  # [§13] last month's owner (None: not known)

    def rows(self, start: int, stop: int) -> Decisions:
        """The decisions of the rows ``start``–``stop`` (positions)."""

        def part(value: Any) -> Any:
            if isinstance(value, (pd.Series, pd.DataFrame)):
                return value.iloc[start:stop]
            if isinstance(value, dict):
                return {k: part(v) for k, v in value.items()}
            return value[start:stop]  # a list, one item per row

        return Decisions(**{f.name: part(getattr(self, f.name)) for f in dataclasses.fields(self)})


TEXT_PAGE = 5_000  # rows whose texts are made, and packed, at once


@dataclass(frozen=True, eq=False)
class PackedTexts:
    """[8/8] a big plan's talking points and rationale, made a page of rows at a time and kept
    compressed (a company's million customers never hold all their texts at once, nor what they
    were made from): ``Plan.rows`` unpacks the rows it shows."""

    size: int  # rows per page
    pages: list[bytes]  # zlib of the pickled (talking points, rationale) of each page

    def rows(self, start: int, stop: int) -> tuple[list[Any], list[Any]]:
        """The talking points and the rationale of the plan rows ``start``–``stop``."""
        points: list[Any] = []
        rationale: list[Any] = []
        for k in range(start // self.size, (stop - 1) // self.size + 1):
            page_points, page_rationale = pickle.loads(zlib.decompress(self.pages[k]))
            lo, hi = start - k * self.size, stop - k * self.size
            points += page_points[max(lo, 0) : hi]
            rationale += page_rationale[max(lo, 0) : hi]
        return points, rationale


def make_plan(
    ledger: Ledger,
    rules: Rules,
    as_of: dt.date,
    lang: str = "zh",
    texts: bool | Literal["packed"] = True,
    previous_owners: Mapping[str, Any] | None = None,
    month_start: dt.date | None = None,
) -> Plan:
    """Classify every customer of ``ledger`` and plan the next contact from ``as_of`` (DOMAIN.md
    §2–§8). ``texts=False`` computes the codes only (no talking points, questions or rationale);
    ``texts="packed"``: the talking points and rationale are packed, for ``Plan.rows`` (no notes).
    ``previous_owners`` (customer_id → last month's owner, from ``kq report --previous``) gives
    the owner_changed warning and the handover objective (§13); ``month_start``: where the
    month whose log entries the report's coverage counts begins (default: as_of's month)."""
    today = pd.Timestamp(as_of)
    facts, linked = CF.facts(ledger, rules, as_of, month_start)
    bought, linked_orders = O.facts(ledger, rules, as_of)
    t, derived = _effective(ledger.table, facts, rules, bought)
    lifecycle = t["contract_status"].fillna("unknown")
    intent, stage = t["intent"], t["stage"]
    complaint = t["open_complaint"].notna()
    # §3 profit and EV, §2 tier, §3 quadrant, §5 motivation, §4 style, §5 renewal
    profit, computed = C.profit(t)
    ev = C.expected_value(t, profit)
    value = {"revenue": t["revenue"], "profit": profit, "expected_value": ev}
    tier = C.tiers(value[rules["tier"]["value"]], t["customer_id"], lifecycle, rules)
    quadrant = C.quadrants(profit, t["revenue"], t["customer_id"], rules)
    motivation = C.motivation(t, rules)
    style = C.style(t, rules)
    renewal = C.renewal(t, lifecycle, motivation["motivation"], rules)
    tiers, risk = tier["tier"], renewal["renewal_risk"]
    problems, gaps = _data_problems(ledger, rules, lang, tiers, lifecycle)
    problems.extend(linked)
    problems.extend(linked_orders)
    # §8 cadence → next contact → channel → priority → warnings → objective
    urgent = bought["urgent"]
    candidates, interval = C.cadence(
        tiers, intent, risk, lifecycle, stage, complaint, rules, urgent
    )
    promised = facts["promised"]
    due, overdue, clipped = C.next_contact(t["last_contact"], interval, today, promised)
    channel = C.channel(tiers, risk, stage, intent, lifecycle)
    late = C.promise_overdue(t["promise_due"], today)
    file_flags = C.file_warnings(tiers, facts, promised, today, rules, bought)
    previous_owner = _previous_owner(t, previous_owners)
    file_flags["owner_changed"] = C.owner_changed(t["owner"], previous_owner)
    priority = C.priority(
        tiers,
        risk,
        intent,
        overdue,
        complaint,
        late,
        stage,
        lifecycle,
        rules,
        file_flags,
    )
    moved, next_contact = _working_days(
        clipped, t, priority["priority_score"], overdue, rules, as_of, lang
    )
    missing = _rows_in(
        t, {(p.file, p.sheet, p.row) for p in problems if p.kind != "info"}
    )  # data_missing warns of them
    quad = quadrant["profit_quadrant"]
    warnings = C.warnings(
        t, today, lifecycle, overdue, late, risk, tiers, quad, missing, rules, file_flags
    )
    objective = C.objective(
        late, complaint, risk, lifecycle, intent, stage, file_flags["owner_changed"]
    )
    channel = channel.where(objective != "handover", "visit")  # [§13] the handover is a visit
    d = Decisions(
        lifecycle=lifecycle,
        profit=profit,
        profit_computed=computed,
        expected_value=ev,
        tier=tier,
        quadrant=quadrant,
        motivation=motivation,
        style=style,
        renewal=renewal,
        candidates=candidates,
        interval=interval,
        due=due,
        overdue=overdue,
        next_contact=next_contact,
        clipped=clipped,
        moved=moved,
        channel=channel,
        priority=priority,
        warnings=warnings,
        objective=objective,
        facts=facts,
        file_flags=file_flags,
        derived=derived,
        orders=bought,
        previous_owner=previous_owner,
    )
    table = _table(t, d)
    W = R.Words(rules, lang)
    _file_fields(table, d, W)
    table["warning_details"] = R.warning_details(
        warnings,
        t,
        d.overdue,
        facts["promised"],
        bought,
        _problem_columns(t, problems),
        W,
        as_of,
        previous_owner,
    )
    if texts == "packed":
        notes = _texts(table, t, d, gaps, W, as_of, packed=True)
        plan = _plan(ledger, table, notes, problems, as_of, lang)
        plan.packed = _pack(plan.table, t, d, gaps, W, as_of)
        return plan
    notes = _texts(table, t, d, gaps, W, as_of) if texts else _no_texts(table)
    return _plan(ledger, table, notes, problems, as_of, lang)


def _previous_owner(t: pd.DataFrame, previous: Mapping[str, Any] | None) -> pd.Series:
    """[§13] each customer's owner in last month's report (None: not there, or no report)."""
    if not previous:
        return pd.Series([None] * len(t), index=t.index, dtype=object)
    return pd.Series(
        [None if c is None else previous.get(str(c)) for c in t["customer_id"].tolist()],
        index=t.index,
        dtype=object,
    )


def _working_days(
    clipped: pd.Series,
    t: pd.DataFrame,
    score: pd.Series,
    overdue: pd.Series,
    rules: Rules,
    as_of: dt.date,
    lang: str,
) -> tuple[pd.Series, pd.Series]:
    """[§12] the §8 dates moved to working days, then spread by the daily limit."""
    cal_rules = rules.numbers.calendar
    if not len(clipped) or (not cal_rules.working_days and cal_rules.daily_limit <= 0):
        return clipped, clipped
    limit = cal_rules.daily_limit
    waiting = 0
    if limit > 0:
        per_owner = t["owner"].astype(object).where(t["owner"].notna(), "").value_counts()
        waiting = -(-int(per_owner.max()) // limit)
    latest = clipped.max().date()
    cal = WD.calendar_for(rules, as_of, latest, waiting, lang)
    moved = WD.to_working_day(clipped, cal)
    final = WD.spread(moved, t["owner"], score, overdue, t["customer_id"], limit, cal)
    return moved, final


def _effective(
    t: pd.DataFrame, facts: pd.DataFrame, rules: Rules, bought: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """[§10] the customer table as the plan reads it (a new frame; the ledger's stays as read):
    last_contact the later of the ledger's and the log's latest entry; contacts, when the
    ledger's cell is empty and the file has a log, the entries in the window;
    decision_maker_reached, when empty and the file has both sheets, whether an entry in the
    window names a decision-level person; the style, when the ledger gives neither a style nor
    both axes, the key person's. Returns the frame and, per row, which of these the log
    (``last_from_log``, ``contacts_from_log``, ``dm_from_log``) or the key person
    (``style_from_key``) gave. [§11] revenue, when the ledger's cell is empty and the customer
    has orders, is the sum of the window's amounts (``revenue_from_orders``)."""
    none = pd.Series(False, index=t.index)
    keys = ("last_from_log", "contacts_from_log", "dm_from_log", "style_from_key")
    derived = pd.DataFrame({k: none for k in (*keys, "revenue_from_orders")})
    out = t
    if bought["has_orders"].any():
        out = t.copy(deep=False)
        derived["revenue_from_orders"] = t["revenue"].isna() & bought["frequency"].notna()
        out["revenue"] = t["revenue"].where(
            ~derived["revenue_from_orders"], bought["orders_window"]
        )
    if not (facts["has_log"].any() or facts["has_contacts"].any()):
        return out, derived
    out = out.copy(deep=False)
    has_log = facts["has_log"].astype(bool)
    ledger_last = t["last_contact"].to_numpy(dtype="datetime64[ns]")
    log_last = facts["log_last"].to_numpy(dtype="datetime64[ns]")
    out["last_contact"] = pd.Series(np.fmax(ledger_last, log_last), index=t.index)
    derived["last_from_log"] = facts["log_last"].notna() & ~(t["last_contact"] > facts["log_last"])
    derived["contacts_from_log"] = t["contacts"].isna() & has_log
    out["contacts"] = t["contacts"].where(~derived["contacts_from_log"], facts["log_entries"])
    dm = t["decision_maker_reached"]
    derived["dm_from_log"] = dm.isna() & has_log & facts["has_contacts"].astype(bool)
    out["decision_maker_reached"] = dm.where(~derived["dm_from_log"], facts["dm_log"])
    given = C.style(t, rules)["style"] != "unknown"
    derived["style_from_key"] = ~given & facts["key_style"].notna()
    if derived["style_from_key"].any():
        out["style"] = t["style"].where(~derived["style_from_key"], facts["key_style"])
    return out, derived


def _file_fields(table: pd.DataFrame, d: Decisions, W: R.Words) -> None:
    """[§14] the log's and the contacts' output fields (null where the file lacks the sheet)."""
    f = d.facts
    table["last_visit"] = f["last_visit"].where(f["has_log"])
    table["log_entries"] = f["log_entries"]
    table["last_note"] = R.last_notes(f, W)
    table["key_person"] = R.key_persons(f, W)
    table["contacts_known"] = f["contacts_known"]
    table["levels_covered"] = pd.Series(list(f["levels"]), index=table.index, dtype=object)
    o = d.orders
    table["last_order"] = o["last_order"]
    table["rfm_score"] = o["rfm_score"]
    table["rfm_segment"] = o["rfm_segment"]


def _plan(
    ledger: Ledger,
    table: pd.DataFrame,
    notes: pd.DataFrame,
    problems: list[Problem],
    as_of: dt.date,
    lang: str,
) -> Plan:
    """The plan: the ledger's carried columns after the plan's, problems in ledger order."""
    t = ledger.table
    if ledger.carried:  # added at once: one insert per column is quadratic in a wide ledger
        table = pd.concat([table, t[[carried_key(name) for name in ledger.carried]]], axis=1)
    order = {f: i for i, f in enumerate(dict.fromkeys(t["_file"]))}
    # each file's customer sheet first, then its other sheets in the order they were read
    sheets = {(f, s): 0 for f, s in zip(t["_file"], t["_sheet"], strict=True)}
    for p in problems:
        sheets.setdefault((p.file, p.sheet), len(sheets))
    problems.sort(
        key=lambda p: (
            order.get(p.file, -1),
            p.kind != "info",
            sheets[(p.file, p.sheet)],
            p.row or 0,
            p.kind,
            p.column or "",
        )
    )
    return Plan(
        table.reset_index(drop=True),
        notes.reset_index(drop=True),
        list(ledger.carried),
        problems,
        as_of,
        lang,
        [(ledger.file, ledger.sheet)],
    )


def _table(t: pd.DataFrame, d: Decisions) -> pd.DataFrame:
    """The plan table: identity, the codes of §2–§8 and the ledger columns the writers name."""
    table = pd.DataFrame(
        {
            "_row": t["_row"],
            "_file": t["_file"],
            "_notes": t["notes"],  # the rep's own 备注, shown after the plan fields
            "_contract_end": t["contract_end"],  # named in the contract warnings
            "_promised": d.facts["promised"],  # named in the followup_missed warning
            "_last_contact": t["last_contact"],  # [§13] the report's public pool
            "_previous_owner": d.previous_owner,  # [§13] the report's owner changes
            "_month_entries": d.facts["month_entries"],  # [§13] the report's coverage
            **{f"_month_{ch}": d.facts[f"month_{ch}"] for ch in CF.MONTH_CHANNELS},
            **{f: t[f] for f in IDENTITY},
            "tier": d.tier["tier"],
            "cumulative_share": d.tier["cumulative_share"],
            "profit": d.profit.round(2),
            "profit_quadrant": d.quadrant["profit_quadrant"],
            "expected_value": d.expected_value,
            "motivation": d.motivation["motivation"],
            "motivation_confidence": d.motivation["motivation_confidence"],
            "style": d.style["style"],
            "contacts_to_decide": d.style["contacts_to_decide"],
            "contacts_remaining": d.style["contacts_remaining"],
            "lifecycle": d.lifecycle,
            "renewal_floor": d.renewal["renewal_floor"],
            "satisfaction_line": d.renewal["satisfaction_line"],
            "renewal_risk": d.renewal["renewal_risk"],
            "intent": t["intent"],
            "stage": t["stage"],
            "priority": d.priority["priority"],
            "priority_score": d.priority["priority_score"],
            "next_contact": d.next_contact,
            "days_overdue": d.overdue,
            "channel": d.channel,
            "objective": d.objective,
        },
        index=t.index,
    )
    table["warnings"] = pd.Series(d.warnings, index=t.index, dtype=object)
    return table


def _texts(
    table: pd.DataFrame,
    t: pd.DataFrame,
    d: Decisions,
    gaps: dict[int, str],
    W: R.Words,
    as_of: dt.date,
    packed: bool = False,
) -> pd.DataFrame:
    """Add the talking points, questions, objective text and rationale to ``table``; return the
    rationale per classification cell (the workbook's cell notes). ``packed``: the questions and
    objective texts only (a few per code, shared between rows), the talking points and rationale
    left to ``_pack`` (no notes)."""
    if packed:
        notes = pd.DataFrame(index=table.index)
    else:
        notes = _notes(t, d, gaps, W, as_of, _first_contact_sheet(d.facts))
    table["talking_points"] = None if packed else R.talking_points(table, t, d.facts, W, as_of)
    table["questions"] = R.questions(t["need_type"], W)
    table["objective_text"] = R.objective_texts(d.objective, t["open_promise"], W)
    table["rationale"] = None if packed else _rationale(notes, len(t))
    return notes


def _rationale(notes: pd.DataFrame, n: int) -> list[str]:
    """Each row's rationale: its notes, one per line."""
    if not n:
        return []
    return [
        "\n".join(x for x in row if x)
        for row in zip(*(notes[f].tolist() for f in NOTE_FIELDS), strict=True)
    ]


def _pack(
    table: pd.DataFrame,
    t: pd.DataFrame,
    d: Decisions,
    gaps: dict[int, str],
    W: R.Words,
    as_of: dt.date,
) -> PackedTexts:
    """The talking points and rationale of ``table``'s rows (positions as in ``t``), made a
    page of rows at a time and packed; each page's texts equal the whole table's."""
    contact_sheet = _first_contact_sheet(d.facts)
    pages = []
    for start in range(0, len(t), TEXT_PAGE):
        stop = min(start + TEXT_PAGE, len(t))
        rows, part = t.iloc[start:stop], d.rows(start, stop)
        page = table.iloc[start:stop].set_axis(rows.index)
        page_gaps = {i - start: text for i, text in gaps.items() if start <= i < stop}
        notes = _notes(rows, part, page_gaps, W, as_of, contact_sheet)
        texts = (
            R.talking_points(page, rows, part.facts, W, as_of),
            _rationale(notes, len(rows)),
        )
        pages.append(zlib.compress(pickle.dumps(texts, pickle.HIGHEST_PROTOCOL), 1))
    return PackedTexts(TEXT_PAGE, pages)


def _first_contact_sheet(facts: pd.DataFrame) -> str:
    """The first contacts sheet a key person was found on ('' when none)."""
    sheets = facts["key_sheet"].dropna()
    return str(sheets.iat[0]) if len(sheets) else ""


def _no_texts(table: pd.DataFrame) -> pd.DataFrame:
    """Codes only: the text columns stay empty."""
    for key in ("talking_points", "questions", "objective_text", "rationale"):
        table[key] = None
    return pd.DataFrame(index=table.index, columns=list(NOTE_FIELDS), dtype=object)


def _notes(
    t: pd.DataFrame,
    d: Decisions,
    gaps: dict[int, str],
    W: R.Words,
    as_of: dt.date,
    contact_sheet: str,
) -> pd.DataFrame:
    """One rationale sentence per classification cell: the rule and the values that decided it."""
    if not len(t):
        return pd.DataFrame({f: [] for f in NOTE_FIELDS}, dtype=object)
    tiers, risk = d.tier["tier"], d.renewal["renewal_risk"]
    dates = (t["last_contact"], d.clipped, d.due, d.overdue)
    out: dict[str, list[Any]] = {
        "tier": R.tier(d.tier, t["revenue"], d.lifecycle, W),
        "profit_quadrant": R.profit_quadrant(d.profit, d.profit_computed, t, d.quadrant, W),
        "expected_value": R.expected_value(d.expected_value, d.profit, t, W),
        "motivation": R.motivation(d.motivation, t, W),
        "style": R.style(d.style, t, W, d.facts, d.derived),
        "renewal_risk": R.renewal_risk(d.renewal, t["current_result"], gaps, W),
        "next_contact": R.next_contact(
            tiers, d.lifecycle, t["intent"], d.candidates, d.interval, dates, W
        ),
        "channel": R.channel(d.channel, tiers, risk, d.lifecycle, t["intent"], W, d.objective),
        "priority": R.priority(d.priority, tiers, risk, W),
        "objective": R.objective(d.objective, t, W, d.previous_owner),
        "last_visit": R.visits(d.facts, d.file_flags["no_visit"], W),
        "key_person": R.key_person_notes(d.facts, d.file_flags, d.derived, W, contact_sheet),
        "rfm_segment": R.rfm_notes(d.orders, d.file_flags, as_of.isoformat(), W),
    }
    bought = R.revenue_from_orders(d.derived["revenue_from_orders"], d.orders, W)
    out["tier"] = [f"{a}{W.sep}{b}" if b else a for a, b in zip(out["tier"], bought, strict=True)]
    missed = d.file_flags["followup_missed"]
    from_log = R.log_dates(d.derived["last_from_log"], d.facts, d.due, missed, W)
    moves = R.calendar_moves(d.clipped, d.moved, d.next_contact, W)
    out["next_contact"] = [
        W.sep.join(part for part in (a, m, b) if part)
        for a, m, b in zip(out["next_contact"], moves, from_log, strict=True)
    ]
    return pd.DataFrame(out, index=t.index, dtype=object)


def _data_problems(
    ledger: Ledger, rules: Rules, lang: str, tiers: pd.Series, lifecycle: pd.Series
) -> tuple[list[Problem], dict[int, str]]:
    """The ledger's problems plus those the rules find: a row without the value its tier needs,
    a renewal row without results (a gap). Also each gap row's missing fields, for its rationale."""
    t = ledger.table
    problems = list(ledger.problems)
    value_field = "revenue" if rules["tier"]["value"] == "revenue" else "profit"
    list_sep = str(rules["rationale"]["words"]["list_separator"][lang])

    @functools.cache
    def column_name(fld: str, file: str) -> str:
        """The ledger's own header and letter when the column is there, else the field's name."""
        mapped = ledger.mapped_in(file).get(fld)
        return f"{mapped.header} ({mapped.letter})" if mapped else rules.field_label(fld, lang)

    files, sheets_, rows_ = t["_file"].tolist(), t["_sheet"].tolist(), t["_row"].tolist()
    unreadable = {(p.file, p.row) for p in problems if p.column == column_name(value_field, p.file)}
    without: dict[str, int] = {}  # files with no value column at all: said once, not per row
    for k in np.flatnonzero(tiers.isna().to_numpy()).tolist():
        if (files[k], rows_[k]) in unreadable:
            continue  # the unreadable value is reported already; its rationale says "no tier"
        if value_field not in ledger.mapped_in(files[k]):
            without.setdefault(files[k], k)
            continue
        column = column_name(value_field, files[k])
        problems.append(Problem(files[k], sheets_[k], rows_[k], column, None, "no_value_no_tier"))
    for file, k in without.items():
        label = rules.field_label(value_field, lang)
        problems.append(Problem(file, sheets_[k], None, label, None, "no_value_column"))
    past_missing = t["past_results"].isna().to_numpy()
    current_missing = t["current_result"].isna().to_numpy()

    @functools.cache
    def gap_texts(past: bool, current: bool, file: str) -> tuple[str, str]:
        """(the missing fields' names, the ledger's own columns) for a renewal row's data gap."""
        missing = [f for f, miss in (("past_results", past), ("current_result", current)) if miss]
        return (
            list_sep.join(rules.field_label(f, lang) for f in missing),
            list_sep.join(column_name(f, file) for f in missing),
        )

    renewal = C.eq(lifecycle, "renewal").to_numpy()
    gap_rows = np.flatnonzero(renewal & (past_missing | current_missing)).tolist()
    gaps: dict[int, str] = {}
    for i, past, current in zip(
        gap_rows, past_missing[gap_rows].tolist(), current_missing[gap_rows].tolist(), strict=True
    ):
        gaps[i], columns = gap_texts(past, current, files[i])
        problems.append(
            Problem(
                files[i], sheets_[i], rows_[i], columns, None, "renewal_without_results", kind="gap"
            )
        )
    return problems, gaps


def _problem_columns(t: pd.DataFrame, problems: list[Problem]) -> list[Sequence[str]]:
    """Per row of ``t``, the columns its data problems and gaps name (for data_missing; one
    shared empty tuple for the rows without)."""
    places: dict[tuple[str, str, int], list[str]] = {}
    for p in problems:
        if p.kind != "info" and p.row is not None and p.column:
            columns = places.setdefault((p.file, p.sheet, p.row), [])
            if p.column not in columns:
                columns.append(p.column)
    none: tuple[str, ...] = ()
    if not places:
        return [none] * len(t)
    return [
        places.get((f, s, r), none)
        for f, s, r in zip(t["_file"], t["_sheet"], t["_row"], strict=True)
    ]


def _rows_in(t: pd.DataFrame, places: set[tuple[str, str, int | None]]) -> pd.Series:
    """Which rows of ``t`` are among the (file, sheet, Excel row) ``places``."""
    mask = pd.Series(False, index=t.index)
    by_sheet: dict[tuple[str, str], list[int]] = {}
    for file, sheet, row in places:
        if row is not None:
            by_sheet.setdefault((file, sheet), []).append(row)
    for (file, sheet), rows in by_sheet.items():
        mask |= (t["_file"] == file) & (t["_sheet"] == sheet) & t["_row"].isin(rows)
    return mask
