"""Many ledgers → one monthly report: the company-wide plan and the figures a manager reads.

Aggregation only (pandas); reading ledgers and writing the workbook live in ``kqexcel.io``.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, field, replace
from typing import Any

import pandas as pd

from kqexcel.core.customer_file import assign_links, attach
from kqexcel.core.ledger import Ledger, Problem, combine
from kqexcel.core.plan import Plan, make_plan
from kqexcel.rules import Rules, default_rules

_MESSAGES = default_rules()["messages"]

TIERS = ("A", "B", "C")
TIER_RANK = {"A": 3, "B": 2, "C": 1}


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
class Report:
    month: str
    as_of: dt.date
    plan: Plan
    ledgers: list[LedgerStatus]
    changes: pd.DataFrame | None
    revenue: pd.Series

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


def build_report(
    ledgers: list[tuple[str, Ledger | str]],
    rules: Rules,
    month: str,
    as_of: dt.date | None = None,
    lang: str = "zh",
    scope: str = "company",
    previous: pd.DataFrame | None = None,
    apart: dict[str, Ledger | None] | None = None,
) -> Report:
    """Plan every customer of the readable ledgers (tiers across the company, or per ledger)
    and compare tiers with last month's report; ``apart``: the other sheets given apart (log,
    contacts, orders; by kind), linking to the customers of every ledger."""
    as_of = as_of or month_end(month)
    apart = apart or {}
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
    if scope == "ledger" and len(read) > 1:
        plans = [make_plan(ledger, rules, as_of, lang) for _, ledger in read]
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
        if given_apart:
            ledger = attach(ledger, apart)
        plan = make_plan(ledger, rules, as_of, lang)
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
    return Report(month, as_of, plan, statuses, changes, revenue)


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
    """Customers whose tier went up or down, new customers and customers gone, by customer_id."""
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
            move = "up" if b > a else "down"
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
    order = {"up": 0, "down": 1, "new": 2, "gone": 3}
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
    "data_problems",
)
OVERVIEW_LABELS = {
    key: (str(_MESSAGES[f"overview_{key}"]["zh"]), str(_MESSAGES[f"overview_{key}"]["en"]))
    for key in OVERVIEW_KEYS
}


def owners_table(report: Report) -> pd.DataFrame:
    """Per owner: customers, A/B/C, revenue, P1, overdue, warnings."""
    t = report.plan.table.assign(_revenue=report.revenue.fillna(0.0).to_numpy())
    owner = t["owner"].fillna("—")
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
        }
    )
    return frame.groupby("owner", sort=True).sum().reset_index()


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
    """One row per customer and warning, highest priority first."""
    t = report.plan.table
    exploded = t[
        [
            "priority",
            "priority_score",
            "customer_id",
            "name",
            "owner",
            "region",
            "warnings",
            "next_contact",
            "days_overdue",
            "objective_text",
        ]
    ].explode("warnings")
    exploded = exploded[exploded["warnings"].notna()]
    return exploded.sort_values(
        ["priority_score", "days_overdue", "customer_id"],
        ascending=[False, False, True],
        kind="mergesort",
    ).reset_index(drop=True)
