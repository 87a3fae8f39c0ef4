"""Many ledgers → one monthly report: the company-wide plan and the figures a manager reads.

Aggregation only (pandas); reading ledgers and writing the workbook live in ``kqexcel.io``.
"""

from __future__ import annotations

import calendar
import datetime as dt
import functools
import numbers
import unicodedata
from collections import Counter
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from kqexcel.core.classify import owner_key
from kqexcel.core.customer_file import MONTH_CHANNELS, assign_links, attach
from kqexcel.core.ledger import Ledger, Problem, combine
from kqexcel.core.plan import Plan, make_plan
from kqexcel.core.values import NAME_SEPARATORS
from kqexcel.rules import MONEY_SCALES, Rules, default_rules

_MESSAGES = default_rules()["messages"]

TIERS = ("A", "B", "C")
TIER_RANK = {"A": 3, "B": 2, "C": 1}
TIER_MOVES = ("up", "down", "missing")  # [§13] the moves the overview counts
NO_OWNER = "—"  # the owner of a customer whose owner cell is empty


@dataclass
class LedgerStatus:
    """One ledger of the batch: read (with how many problems) or failed (with the reason)."""

    file: str
    customers: int = 0
    owners: list[str] = field(default_factory=list)
    problems: int = 0
    error: str | None = None

    @property
    def status(self) -> str:
        return "failed" if self.error else ("problems" if self.problems else "ok")


@dataclass
class LastMonth:
    """[§13] last month's figures as its report shows them: the overview (by key) and each
    owner's row (by owner, then by key); money in yuan."""

    overview: dict[str, Any] = field(default_factory=dict)
    owners: dict[str, dict[str, Any]] = field(default_factory=dict)


# [§13] what the same customer of two owners is found by, of every ledger's customers as read
SAME_CUSTOMER_COLUMNS = ("customer_id", "name", "owner", "_file", "_row")


@dataclass
class Report:
    month: str
    as_of: dt.date
    plan: Plan
    ledgers: list[LedgerStatus]
    changes: pd.DataFrame | None
    revenue: pd.Series
    rules: Rules = field(default_factory=default_rules)
    # [§13] every ledger's customers as read (before a repeated id is left out): the same
    # customer of two owners
    customers: list[pd.DataFrame] = field(default_factory=list)
    previous: pd.DataFrame | None = None  # last month's report (customer_id, name, owner, tier)
    money_scales: list[float] = field(default_factory=list)  # each ledger's revenue unit
    last_month: LastMonth | None = None  # [§13] last month's figures, from its report

    @property
    def problems(self) -> list[Problem]:
        return self.plan.problems

    @property
    def clean(self) -> bool:
        """Every ledger read without problems, and no problem in a file given apart (--log)."""
        files = {s.file for s in self.ledgers}
        apart = any(p.kind == "problem" and p.file not in files for p in self.problems)
        return all(s.status == "ok" for s in self.ledgers) and not apart


def month_end(month: str) -> dt.date:
    """The last day of a YYYY-MM month."""
    year, number = (int(x) for x in month.split("-"))
    return dt.date(year, number, calendar.monthrange(year, number)[1])


def month_start(month: str) -> dt.date:
    """The first day of a YYYY-MM month."""
    year, number = (int(x) for x in month.split("-"))
    return dt.date(year, number, 1)


def default_as_of(month: str, today: dt.date | None = None) -> dt.date:
    """[§13] the report's as_of: the month's last day, or today when that is earlier (a report
    run on 2 December for December is as of 2 December, not of a future day)."""
    return min(month_end(month), today or dt.date.today())


def build_report(
    ledgers: list[tuple[str, Ledger | str]],
    rules: Rules,
    month: str,
    as_of: dt.date | None = None,
    lang: str = "zh",
    scope: str = "company",
    previous: pd.DataFrame | None = None,
    apart: dict[str, Ledger | None] | None = None,
    last_month: LastMonth | None = None,
    release: bool = False,
) -> Report:
    """Plan every customer of the readable ledgers (tiers across the company, or per ledger)
    and compare tiers with last month's report; ``apart``: the other sheets given apart (log,
    contacts, orders; by kind), linking to the customers of every ledger. ``release``: the
    ledgers' tables are let go once combined (the batch's, which nothing reads after), so that
    a company's customers are not held twice while they are planned."""
    as_of = as_of or default_as_of(month)
    apart = apart or {}
    owners_before = previous_owners(previous)
    plan_of = functools.partial(
        make_plan, previous_owners=owners_before, month_start=month_start(month)
    )
    read = [(name, item) for name, item in ledgers if isinstance(item, Ledger)]
    given_apart = any(sheet is not None for sheet in apart.values())
    if read and given_apart and scope == "ledger" and len(read) > 1:
        read = _with_apart(read, apart)
    statuses = []
    failed: list[Problem] = []
    for name, item in ledgers:
        if isinstance(item, Ledger):
            owners = sorted({str(o) for o in item.table["owner"].dropna()})
            statuses.append(
                LedgerStatus(
                    name, len(item.table), owners, sum(p.kind == "problem" for p in item.problems)
                )
            )
        else:
            statuses.append(LedgerStatus(name, error=item))
            failed.append(Problem(name, "", None, None, None, "ledger_failed", detail=item))
    everyone = [ledger.table[list(SAME_CUSTOMER_COLUMNS)] for _, ledger in read]
    scales = [ledger.mapped["revenue"].scale for _, ledger in read if "revenue" in ledger.mapped]
    if scope == "ledger" and len(read) > 1:
        plans = [plan_of(ledger, rules, as_of, lang) for _, ledger in read]
        plan = Plan(
            pd.concat([p.table for p in plans], ignore_index=True),
            pd.concat([p.notes for p in plans], ignore_index=True),
            list(dict.fromkeys(c for p in plans for c in p.carried)),
            [x for p in plans for x in p.problems],
            as_of,
            lang,
            [s for p in plans for s in p.sources],
        )
        revenue = pd.concat([ledger.table["revenue"] for _, ledger in read], ignore_index=True)
    else:
        ledger = combine([ledger for _, ledger in read]) if read else _empty_ledger(rules)
        if release and len(read) > 1:  # combined into a table of their own
            for _, each in read:
                each.table = each.table.iloc[:0]
        if given_apart:
            ledger = attach(ledger, apart)
        plan = plan_of(ledger, rules, as_of, lang, texts="packed")  # [8/8] not all at once
        plan.sources = [(name, "") for name, _ in read]
        revenue = ledger.table["revenue"].reset_index(drop=True)
    by_file: dict[str, int] = {}
    for p in plan.problems:
        if p.kind == "problem":
            by_file[p.file] = by_file.get(p.file, 0) + 1
    for status in statuses:
        if not status.error:
            status.problems = by_file.get(status.file, 0)
    plan.problems = failed + plan.problems
    changes = tier_changes(plan.table, previous) if previous is not None else None
    return Report(
        month,
        as_of,
        plan,
        statuses,
        changes,
        revenue,
        rules,
        everyone,
        previous,
        scales,
        last_month,
    )


def _with_apart(
    read: list[tuple[str, Ledger]], apart: dict[str, Ledger | None]
) -> list[tuple[str, Ledger]]:
    """Each ledger with the other sheets given apart: every row goes to the ledger of the
    customer it links to; a row linking to none (or by name to two) to no ledger, its problem
    listed once, with the first ledger."""
    everyone = combine([ledger for _, ledger in read]).table
    sheets: dict[str, Ledger | None] = {}
    unlinked: list[Problem] = []
    for kind, given in apart.items():
        if given is None:
            continue
        sheets[kind], problems = assign_links(everyone, given)
        unlinked += problems
    first_name, first = read[0]
    out = [(first_name, attach(first, sheets))]
    out[0][1].problems.extend(unlinked)  # said once, with the first ledger
    cleared = {k: None if s is None else replace(s, problems=[]) for k, s in sheets.items()}
    return out + [(name, attach(ledger, cleared)) for name, ledger in read[1:]]


def _empty_ledger(rules: Rules) -> Ledger:
    from kqexcel.core.ledger import normalise

    header = [rules["fields"]["name"]["zh"], rules["fields"]["revenue"]["zh"]]
    return normalise([header], 0, rules, "", "")


def tier_changes(current: pd.DataFrame, previous: pd.DataFrame) -> pd.DataFrame:
    """Customers whose tier went up or down, new customers and customers gone, by customer_id;
    a customer with a tier in one month only is "missing" (数据缺失), counted apart from the
    moves."""
    now = current[current["customer_id"].notna()][["customer_id", "name", "owner", "tier"]]
    before = previous[previous["customer_id"].notna()][["customer_id", "name", "owner", "tier"]]
    merged = now.merge(
        before, on="customer_id", how="outer", suffixes=("", "_prev"), indicator="state"
    )
    rows = []
    for r in merged.itertuples(index=False):
        if r.state == "left_only":
            move = "new"
        elif r.state == "right_only":
            move = "gone"
        else:
            a, b = TIER_RANK.get(r.tier_prev or "", 0), TIER_RANK.get(r.tier or "", 0)
            if a == b:
                continue
            # [§13] a move needs a tier in both months: a missing one is data, not a move
            move = "missing" if not (a and b) else "up" if b > a else "down"
        rows.append(
            {
                "customer_id": r.customer_id,
                "name": r.name if r.state != "right_only" else r.name_prev,
                "owner": r.owner if r.state != "right_only" else r.owner_prev,
                "tier_prev": None if r.state == "left_only" else r.tier_prev,
                "tier": None if r.state == "right_only" else r.tier,
                "move": move,
            }
        )
    order = {"up": 0, "down": 1, "missing": 2, "new": 3, "gone": 4}
    frame = pd.DataFrame(
        rows, columns=["customer_id", "name", "owner", "tier_prev", "tier", "move"]
    )
    if len(frame):
        frame = (
            frame.assign(_o=frame["move"].map(order))
            .sort_values(["_o", "customer_id"])
            .drop(columns="_o")
        )
    return frame.reset_index(drop=True)


def overview(report: Report) -> dict[str, Any]:
    """The overview figures (also written by --summary-json)."""
    t = report.plan.table
    revenue = report.revenue.fillna(0.0)
    a_mask = (t["tier"] == "A").to_numpy()
    total_revenue = float(revenue.sum())
    a_revenue = float(revenue[a_mask].sum()) if len(t) else 0.0
    warnings = t["warnings"] if len(t) else pd.Series([], dtype=object)
    changes = report.changes
    moves = None if changes is None else changes["move"].value_counts().to_dict()
    return {
        "month": report.month,
        "as_of": report.as_of.isoformat(),
        "ledgers_read": sum(s.error is None for s in report.ledgers),
        "ledgers_failed": sum(s.error is not None for s in report.ledgers),
        "customers": int(len(t)),
        "revenue": round(total_revenue, 2),
        "tier_a_customers": int(a_mask.sum()),
        "tier_a_revenue_share": round(a_revenue / total_revenue, 4) if total_revenue > 0 else None,
        "p1": int((t["priority"] == "P1").sum()),
        "overdue_followups": int((t["days_overdue"] > 0).sum()),
        "renewal_risk_high": int((t["renewal_risk"] == "high").sum()),
        "lapsed": int((t["lifecycle"] == "lapsed").sum()),
        "promises_overdue": int(sum("promise_overdue" in w for w in warnings)),
        "open_complaints": int(sum("open_complaint" in w for w in warnings)),
        # [§13] real tier moves, and the tiers of one month only counted apart (no --previous:
        # None)
        **{
            f"tier_{move}": int(moves.get(move, 0)) if moves is not None else None
            for move in TIER_MOVES
        },
        "data_problems": int(sum(p.kind == "problem" for p in report.problems)),
    }


OVERVIEW_KEYS = (
    "month",
    "as_of",
    "ledgers_read",
    "ledgers_failed",
    "customers",
    "revenue",
    "tier_a_customers",
    "tier_a_revenue_share",
    "p1",
    "overdue_followups",
    "renewal_risk_high",
    "lapsed",
    "promises_overdue",
    "open_complaints",
    "tier_up",
    "tier_down",
    "tier_missing",
    "data_problems",
)
OVERVIEW_LABELS = {
    key: (str(_MESSAGES[f"overview_{key}"]["zh"]), str(_MESSAGES[f"overview_{key}"]["en"]))
    for key in OVERVIEW_KEYS
}


def owners_table(report: Report) -> pd.DataFrame:
    """Per owner: customers, A/B/C, revenue, P1, overdue, warnings; [§13] renewal risks high,
    promises overdue, open complaints; coverage: A customers touched this month and their
    share, this month's entries by channel, overdue P1s."""
    t = report.plan.table.assign(_revenue=report.revenue.fillna(0.0).to_numpy())
    owner = owners_of(t)
    frame = pd.DataFrame(
        {
            "owner": owner,
            "customers": 1,
            "A": (t["tier"] == "A").astype(int),
            "B": (t["tier"] == "B").astype(int),
            "C": (t["tier"] == "C").astype(int),
            "revenue": t["_revenue"],
            "p1": (t["priority"] == "P1").astype(int),
            "overdue": (t["days_overdue"] > 0).astype(int),
            "warnings": t["warnings"].map(len),
            # [§13] the workload behind the counts, and coverage rather than visit counts
            "renewal_risk_high": (t["renewal_risk"] == "high").astype(int),
            "promises_overdue": t["warnings"].map(lambda w: "promise_overdue" in w).astype(int),
            "open_complaints": t["warnings"].map(lambda w: "open_complaint" in w).astype(int),
        }
    )
    table = frame.groupby("owner", sort=True).sum().reset_index()
    cover = coverage(report)
    table["a_touched"] = [cover.get(o, {}).get("a_touched", 0) for o in table["owner"]]
    table["a_share"] = [cover.get(o, {}).get("share") for o in table["owner"]]
    for ch in MONTH_CHANNELS:
        table[f"entries_{ch}"] = [
            cover.get(o, {}).get("entries", {}).get(ch, 0) for o in table["owner"]
        ]
    table["overdue_p1"] = [cover.get(o, {}).get("overdue_p1", 0) for o in table["owner"]]
    return table


OWNER_KEYS = (
    "owner",
    "customers",
    "A",
    "B",
    "C",
    "revenue",
    "p1",
    "overdue",
    "warnings",
    "renewal_risk_high",
    "promises_overdue",
    "open_complaints",
    "a_touched",
    "a_share",
    *(f"entries_{ch}" for ch in MONTH_CHANNELS),
    "overdue_p1",
)
# [§13] the figures compared with last month: every overview number, and per owner these
OVERVIEW_COMPARED = tuple(k for k in OVERVIEW_KEYS if k not in ("month", "as_of"))
OWNER_COMPARED = (
    "customers",
    "revenue",
    "p1",
    "overdue",
    "renewal_risk_high",
    "promises_overdue",
    "open_complaints",
    "a_share",
)
SHARES = ("tier_a_revenue_share", "a_share")  # compared in percentage points


def change(current: Any, before: Any) -> Any:
    """This month minus last month; None when either is unknown."""
    if not all(_number(x) for x in (current, before)):
        return None
    difference = current - before
    return round(float(difference), 4) if isinstance(difference, float) else int(difference)


def _number(value: Any) -> bool:
    """A real number (numpy's too), not a bool and not NaN."""
    return isinstance(value, numbers.Real) and not isinstance(value, bool) and value == value


def overview_over_month(report: Report) -> list[tuple[str, Any, Any, Any]]:
    """[§13] each overview figure: (key, this month, last month, change); last month's month
    and as_of are shown, not compared; without last month's report, last month is None."""
    figures = overview(report)
    before = report.last_month.overview if report.last_month else {}
    return [
        (
            key,
            value,
            before.get(key),
            None if key not in OVERVIEW_COMPARED else change(value, before.get(key)),
        )
        for key, value in figures.items()
    ]


def owners_over_month(report: Report) -> pd.DataFrame:
    """[§13] the owners table with last month's figure and the change of each compared one
    (``<key>_before``, ``<key>_change``); an owner of last month only is a row of zeros with
    last month's figures, so nobody drops out of the comparison."""
    table = owners_table(report)
    if report.last_month is None:
        return table
    before = {owner_key(o): v for o, v in report.last_month.owners.items()}
    now = set(table["owner"])  # owner_key'd by owners_of
    gone = [o for o in report.last_month.owners if owner_key(o) not in now]
    if gone:
        zeros = {k: 0 for k in OWNER_KEYS[1:]} | {"a_share": None}
        extra = pd.DataFrame([{"owner": o, **zeros} for o in gone], columns=table.columns)
        table = pd.concat([table, extra], ignore_index=True)
    for key in OWNER_COMPARED:
        last = [before.get(owner_key(o), {}).get(key) for o in table["owner"]]
        table[f"{key}_before"] = last
        table[f"{key}_change"] = [change(v, b) for v, b in zip(table[key], last, strict=True)]
    return table


def tiers_table(report: Report) -> pd.DataFrame:
    """Tier × region: customer counts and revenue."""
    t = report.plan.table.assign(_revenue=report.revenue.fillna(0.0).to_numpy())
    region = t["region"].fillna("—")
    out = pd.DataFrame({"region": sorted(region.unique())})
    for tier in TIERS:
        mask = t["tier"] == tier
        out[tier] = out["region"].map(region[mask].value_counts()).fillna(0).astype(int)
    out["none"] = out["region"].map(region[t["tier"].isna()].value_counts()).fillna(0).astype(int)
    for tier in TIERS:
        mask = t["tier"] == tier
        out[f"revenue_{tier}"] = (
            out["region"].map(t["_revenue"][mask].groupby(region[mask]).sum()).fillna(0.0)
        )
    return out


def distribution(report: Report, field_name: str, codes: list[str]) -> pd.DataFrame:
    """Counts and shares of a coded field, in the rules' code order."""
    t = report.plan.table
    counts = t[field_name].value_counts()
    total = max(len(t), 1)
    return pd.DataFrame(
        {
            "code": codes,
            "count": [int(counts.get(c, 0)) for c in codes],
            "share": [counts.get(c, 0) / total for c in codes],
        }
    )


def warning_rows(report: Report) -> pd.DataFrame:
    """One row per customer with warnings (all of them, with their details), highest priority
    first."""
    t = report.plan.table
    warned = t[
        [
            "priority",
            "priority_score",
            "customer_id",
            "name",
            "owner",
            "region",
            "warnings",
            "warning_details",
            "next_contact",
            "days_overdue",
            "objective_text",
        ]
    ]
    warned = warned[warned["warnings"].map(len) > 0]
    return warned.sort_values(
        ["priority_score", "days_overdue", "customer_id"],
        ascending=[False, False, True],
        kind="mergesort",
    ).reset_index(drop=True)


# --------------------------------------------------------------------------- §13 the month


def previous_owners(previous: pd.DataFrame | None) -> dict[str, Any] | None:
    """Last month's owner of every customer_id (None: no last month)."""
    if previous is None:
        return None
    known = previous[previous["customer_id"].notna()]
    return dict(zip(known["customer_id"].astype(str), known["owner"], strict=True))


def _plain(value: Any) -> Any:
    """A cell of the plan table as JSON has it (NaN, NaT and NA: None; numpy: Python)."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    return value.item() if hasattr(value, "item") else value


def owner_changes(report: Report) -> list[dict[str, Any]]:
    """[§13] customers whose owner differs from last month's (none without --previous)."""
    t = report.plan.table
    if report.previous is None or not len(t):
        return []
    changed = t[[("owner_changed" in w) for w in t["warnings"]]].rename(
        columns={"_previous_owner": "previous_owner"}
    )
    return [
        {
            "customer_id": _plain(r.customer_id),
            "name": _plain(r.name),
            "tier": _plain(r.tier),
            "previous_owner": _plain(r.previous_owner),
            "owner": _plain(r.owner),
        }
        for r in changed.sort_values("customer_id", kind="mergesort").itertuples(index=False)
    ]


POOL_LIFECYCLES = ("prospect", "lapsed", "unknown")  # [§13] no contract: may go to the pool


def reclaim(report: Report) -> list[dict[str, Any]]:
    """[§13] the public pool (公海): prospect, lapsed and unknown-lifecycle customers whose days
    left (the tier's limit − days since the last contact; never contacted: 0) are at most the
    notice days; ``notice`` for 0 < days left ≤ notice days. Fewest days left first."""
    t = report.plan.table
    pool = report.rules.numbers.pool
    if not len(t):
        return []
    as_of = pd.Timestamp(report.as_of)
    rows = []
    columns = ["customer_id", "name", "owner", "tier", "_last_contact"]  # only these copied
    candidates = t.loc[t["lifecycle"].isin(POOL_LIFECYCLES), columns].rename(
        columns={"_last_contact": "last_contact"}
    )
    for r in candidates.itertuples(index=False):
        limit = pool.days.get(r.tier if isinstance(r.tier, str) else "C", pool.days["C"])
        last = r.last_contact
        since = None if pd.isna(last) else int((as_of - pd.Timestamp(last)).days)
        left = 0 if since is None else limit - since
        if left > pool.notice_days:
            continue
        rows.append(
            {
                "customer_id": _plain(r.customer_id),
                "name": _plain(r.name),
                "owner": _plain(r.owner),
                "tier": _plain(r.tier),
                "days_since_contact": since,
                "days_left": left,
                "notice": 0 < left <= pool.notice_days,
            }
        )
    return sorted(rows, key=lambda x: (x["days_left"], str(x["customer_id"] or "")))


def name_key(name: Any, suffixes: tuple[str, ...]) -> str:
    """[§13] a customer's name as matched across owners: NFKC and case-folded, the company
    suffixes removed from the end (repeatedly; the spaces and commas before one go with it),
    then spaces and punctuation (Unicode P and S) removed. A name that is only a suffix keeps
    it."""
    if name is None or (not isinstance(name, str) and pd.isna(name)):
        return ""
    text = unicodedata.normalize("NFKC", str(name)).casefold().strip()
    endings = _endings(tuple(suffixes))
    while True:
        ending = next((e for e in endings if text.endswith(e) and len(text) > len(e)), None)
        if ending is None:
            break
        text = text[: -len(ending)].rstrip(NAME_SEPARATORS)
    return "".join(
        ch for ch in text if not ch.isspace() and unicodedata.category(ch)[0] not in "PS"
    )


@functools.lru_cache(maxsize=8)
def _endings(suffixes: tuple[str, ...]) -> list[str]:
    """The company suffixes as matched: NFKC, case-folded, longest first."""
    forms = {unicodedata.normalize("NFKC", s).casefold() for s in suffixes if s}
    return sorted(forms, key=len, reverse=True)


def same_customer(report: Report) -> list[dict[str, Any]]:
    """[§13] 撞单: customers of different owners whose names match (``name_key``) or that share
    an id, grouped (a shared id joins two names' groups); each group once, by its key. Only the
    customers whose name key or id another customer has can be in a group: a company's million
    customers are looked at as columns, and only those few one by one."""
    frames = [f[list(SAME_CUSTOMER_COLUMNS)] for f in report.customers]
    if not frames:
        return []
    table = pd.concat(frames, ignore_index=True)
    suffixes = report.rules.numbers.report.company_suffixes
    known: dict[tuple[type, Any], str] = {}  # each distinct name keyed once (1 and 1.0 apart)
    keys = []
    for n in table["name"].tolist():
        at = (type(n), n)
        if at not in known:
            known[at] = name_key(n, suffixes)
        keys.append(known[at])
    ids = [_plain(v) for v in table["customer_id"]]
    id_tokens = pd.Series([str(c) if c else None for c in ids], dtype=object)
    key_tokens = pd.Series([k or None for k in keys], dtype=object)
    shared = (key_tokens.notna() & key_tokens.duplicated(keep=False)) | (
        id_tokens.notna() & id_tokens.duplicated(keep=False)
    )
    rows = np.flatnonzero(shared.to_numpy()).tolist()  # in order: groups keep the ledgers' order
    parent = {i: i for i in rows}

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    first: dict[tuple[str, str], int] = {}
    for i in rows:
        cid = ids[i]
        for token in (("name", keys[i]) if keys[i] else None, ("id", str(cid)) if cid else None):
            if token is None:
                continue
            if token in first:
                parent[find(i)] = find(first[token])
            else:
                first[token] = i
    groups: dict[int, list[int]] = {}
    for i in rows:
        groups.setdefault(find(i), []).append(i)
    name, owner, file = (table[c].tolist() for c in ("name", "owner", "_file"))
    out = []
    for members in groups.values():
        owners = {owner_key(owner[i]) for i in members} - {""}
        if len(members) < 2 or len(owners) < 2:
            continue
        key = next((keys[i] for i in members if keys[i]), str(_plain(name[members[0]])))
        out.append(
            {
                "key": key,
                "customers": [
                    {
                        "customer_id": ids[i],
                        "name": _plain(name[i]),
                        "owner": _plain(owner[i]),
                        "file": file[i],
                    }
                    for i in members
                ],
            }
        )
    return sorted(out, key=lambda g: g["key"])


def owners_of(table: pd.DataFrame) -> pd.Series:
    """[§13] each customer's owner as the report groups and compares owners: NFKC, trimmed
    (``owner_key``), "—" when empty; each distinct text normalised once."""
    codes, uniques = pd.factorize(table["owner"], use_na_sentinel=True)
    keys = [owner_key(o) or NO_OWNER for o in uniques]
    return pd.Series(
        [keys[c] if c >= 0 else NO_OWNER for c in codes], index=table.index, dtype=object
    )


def coverage(report: Report) -> dict[str, dict[str, Any]]:
    """[§13] per owner: their A customers, how many have a log entry this month (up to as_of)
    and the share (None without A customers), this month's entries of all their customers by
    channel, and their overdue P1s."""
    t = report.plan.table
    if not len(t):
        return {}
    a = (t["tier"] == "A").to_numpy()
    frame = pd.DataFrame(
        {
            "owner": owners_of(t).to_numpy(),
            "a": a.astype(int),
            "touched": (a & (t["_month_entries"] > 0).to_numpy()).astype(int),
            "overdue_p1": ((t["priority"] == "P1") & (t["days_overdue"] > 0)).to_numpy(int),
            **{ch: t[f"_month_{ch}"].to_numpy(dtype=float) for ch in MONTH_CHANNELS},
        }
    )
    sums = frame.groupby("owner", sort=True).sum()
    return {
        str(name): {
            "a_customers": int(row.a),
            "a_touched": int(row.touched),
            "share": round(row.touched / row.a, 4) if row.a else None,
            "entries": {ch: int(getattr(row, ch)) for ch in MONTH_CHANNELS},
            "overdue_p1": int(row.overdue_p1),
        }
        for name, row in zip(sums.index, sums.itertuples(index=False), strict=True)
    }


def escalations(report: Report) -> list[dict[str, Any]]:
    """[§13] P1 customers overdue by more than ``report.escalate_days``, most overdue first."""
    t = report.plan.table
    if not len(t):
        return []
    days = report.rules.numbers.report.escalate_days
    late = t[(t["priority"] == "P1") & (t["days_overdue"] > days)]
    late = late.sort_values(["days_overdue", "customer_id"], ascending=[False, True])
    return [
        {
            "customer_id": _plain(r.customer_id),
            "name": _plain(r.name),
            "owner": _plain(r.owner),
            "days_overdue": int(r.days_overdue),
        }
        for r in late.itertuples(index=False)
    ]


def month_figures(report: Report) -> dict[str, Any]:
    """[§13] what --summary-json adds to the overview figures."""
    return {
        "owner_changes": owner_changes(report),
        "reclaim": reclaim(report),
        "same_customer": same_customer(report),
        "coverage": coverage(report),
        "escalations": escalations(report),
    }


def money_unit(report: Report) -> tuple[str, float]:
    """[§13] the unit the report shows money in (``report.money_unit``; "auto": the unit most
    ledgers' revenue headers use, 元 when none says) and its multiplier of yuan."""
    setting = report.rules.numbers.report.money_unit
    if setting != "auto":
        return setting, MONEY_SCALES[setting]
    codes = {scale: code for code, scale in MONEY_SCALES.items()}
    votes = Counter(codes[s] for s in report.money_scales if s in codes)
    code = votes.most_common(1)[0][0] if votes else "yuan"
    return code, MONEY_SCALES[code]
