"""The §8 codes of ``kqexcel.core.classify`` called as the doors call them: one call over whole
columns of codes (no ledger, no plan).

tests/core/test_rules_domain.py checks every rule end to end, one customer at a time, through
``make_plan``; here each table is one vectorised call whose rows take different branches of
DOMAIN.md §8, plus what only the functions show (the priority's parts and uncapped sum, the
interval the formulas door asks for, the shared warning lists, a missing code in every column).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from kqexcel.core import classify as C
from kqexcel.rules import load_rules

RULES = load_rules()
TODAY = pd.Timestamp("2026-11-22")


def codes(values: list[Any]) -> pd.Series:
    """A column of codes as the ledger types it (object, None for missing)."""
    return pd.Series(values, dtype=object)


def columns(rows: list[tuple[Any, ...]]) -> list[pd.Series]:
    """The columns of ``rows`` (one tuple per customer)."""
    return [codes(list(column)) for column in zip(*rows, strict=True)]


# --------------------------------------------------------------------------------- channel


# DOMAIN §8: "visit if tier A, risk high or stage strategic; else email if intent is not_now or
# declined; else phone if tier B, lapsed, or intent interested / quoted / hesitating; else message"
CHANNEL = [
    # tier, risk, stage, intent, lifecycle → channel
    ("A", None, None, "declined", "lapsed", "visit"),
    (None, "high", None, "not_now", None, "visit"),
    ("C", "medium", "strategic", "not_now", "lapsed", "visit"),
    ("B", "low", "stable", "declined", "lapsed", "email"),
    (None, None, None, "not_now", "prospect", "email"),
    ("B", "medium", "regressing", None, "new", "phone"),
    ("C", None, None, None, "lapsed", "phone"),
    (None, None, None, "hesitating", "unknown", "phone"),
    ("C", "medium", "stable", None, "renewal", "message"),
    (None, None, None, None, "unknown", "message"),
]


def test_channel_of_a_whole_column() -> None:
    tier, risk, stage, intent, lifecycle, expected = columns(CHANNEL)
    got = C.channel(tier, risk, stage, intent, lifecycle)
    assert got.tolist() == expected.tolist()
    assert got.dtype == object and got.index.equals(tier.index)


def test_channel_keeps_the_table_index() -> None:
    index = pd.Index([7, 3])  # a ledger's rows after a filter: the codes stay aligned
    got = C.channel(*(s.set_axis(index) for s in columns([("A",) * 5, ("B",) * 5])))
    assert got.to_dict() == {7: "visit", 3: "phone"}


# -------------------------------------------------------------------------------- priority


def _priority(rows: list[tuple[Any, ...]], rules: Any = RULES) -> pd.DataFrame:
    """Rows of (tier, risk, intent, overdue, complaint, promise late, stage, lifecycle) and,
    when given, whether a promised follow-up was missed (§10), an order gap, a revenue drop and
    an urgent RFM segment (§11), whether the owner changed (§13) — each False when left out."""
    rows = [(*r, *[False] * (13 - len(r))) for r in rows]
    tier, risk, intent, overdue, complaint, late, stage, lifecycle, *flags = (
        list(column) for column in zip(*rows, strict=True)
    )
    keys = ("followup_missed", "order_gap", "revenue_drop", "rfm_urgent", "owner_changed")
    return C.priority(
        codes(tier),
        codes(risk),
        codes(intent),
        pd.Series(overdue, dtype=int),
        pd.Series(complaint, dtype=bool),
        pd.Series(late, dtype=bool),
        codes(stage),
        codes(lifecycle),
        rules,
        {k: pd.Series(v, dtype=bool) for k, v in zip(keys, flags, strict=True)},
    )


def test_priority_parts_sum_and_cap() -> None:
    # DOMAIN §8, §14: tier A 40, risk high 20, interested 15, min(50, 30) // 3 = 10, complaint
    # 10, promise 10, followup_missed 10, order_gap 10, revenue_drop 10, urgent RFM 10,
    # owner_changed 5 (§13), regressing 10, lapsed 5 = 165 → capped at 100 → P1
    everything = (
        "A", "high", "interested", 50, True, True, "regressing", "lapsed", True, True, True, True,
        True,
    )  # fmt: skip
    nothing = (None, None, None, 0, False, False, None, "unknown")
    got = _priority([everything, nothing])
    parts = [40, 20, 15, 10, 10, 10, 10, 10, 10, 10, 5, 10, 5]
    assert got.loc[0, list(C.PRIORITY_PARTS)].tolist() == parts
    assert got.loc[0, ["raw_score", "priority_score", "priority"]].tolist() == [165, 100, "P1"]
    assert got.loc[1, list(C.PRIORITY_PARTS)].tolist() == [0] * 13
    assert got.loc[1, ["raw_score", "priority_score", "priority"]].tolist() == [0, 0, "P3"]


@pytest.mark.parametrize(
    ("overdue", "points"),
    # min(days overdue, 30) ÷ 3 rounded down
    [(0, 0), (2, 0), (3, 1), (29, 9), (30, 10), (31, 10), (400, 10)],
)
def test_priority_overdue_points(overdue: int, points: int) -> None:
    row = (None, None, None, overdue, False, False, None, "unknown")
    assert _priority([row]).loc[0, "overdue"] == points


@pytest.mark.parametrize(
    ("row", "score", "priority"),
    [
        # P1 ≥ 60, P2 ≥ 35, else P3: the scores on each side of both limits
        (("A", "high", None, 0, False, False, None, "new"), 60, "P1"),  # 40 + 20
        (("A", "medium", "hesitating", 3, False, False, None, "new"), 59, "P2"),  # 40+10+8+1
        (("B", None, None, 0, True, False, None, "new"), 35, "P2"),  # 25 + 10
        (("B", None, "hesitating", 3, False, False, None, "new"), 34, "P3"),  # 25 + 8 + 1
    ],
)
def test_priority_limits(row: tuple[Any, ...], score: int, priority: str) -> None:
    got = _priority([row])
    assert (got.loc[0, "priority_score"], got.loc[0, "priority"]) == (score, priority)


def test_priority_limits_and_points_from_the_rules_file(tmp_path: Path) -> None:
    path = tmp_path / "rules.toml"
    path.write_text("[priority]\np1 = 30\np2 = 20\nlapsed = 25\nmax_score = 50\n", "utf-8")
    rules = load_rules(path)
    rows = [
        ("B", None, None, 0, False, False, None, "new"),  # 25 → P2
        ("C", None, None, 0, False, False, None, "lapsed"),  # 10 + 25 = 35 → P1
        ("A", "high", None, 0, False, False, None, "new"),  # 40 + 20 = 60 → capped 50
    ]
    got = _priority(rows, rules)
    assert got["priority"].tolist() == ["P2", "P1", "P1"]
    assert got["priority_score"].tolist() == [25, 35, 50]
    assert got["raw_score"].tolist() == [25, 35, 60]


# -------------------------------------------------------------------------------- interval


# DOMAIN §8: tier A 7, B 14, C 30, none 30; shortened to the smallest of the intent's days (not
# declined), 7 if risk high, 14 if lapsed, 7 if regressing, 2 with an open complaint; a declined
# prospect starts from 90
INTERVAL = [
    # tier, intent, risk, lifecycle, stage, complaint → days
    ("A", None, None, "new", None, False, 7),
    ("B", None, None, "new", None, False, 14),
    ("C", None, None, "new", None, False, 30),
    (None, None, None, "unknown", None, False, 30),
    ("C", "interested", None, "new", None, False, 3),
    ("C", "declined", None, "new", None, False, 30),  # declined shortens nothing
    ("C", "declined", None, "prospect", None, False, 90),
    ("C", "declined", None, "prospect", None, True, 2),  # the shortenings still apply
    ("C", None, "high", "renewal", None, False, 7),
    ("C", None, None, "lapsed", None, False, 14),
    ("B", "not_now", None, "new", "regressing", False, 7),
    ("A", "interested", "high", "lapsed", "regressing", True, 2),
]


def test_interval_of_a_whole_column() -> None:
    rows = [row[:-1] for row in INTERVAL]
    tier, intent, risk, lifecycle, stage, complaint = columns(rows)
    complaint = complaint.astype(bool)
    got = C.interval(tier, intent, risk, lifecycle, stage, complaint, RULES)
    assert got.tolist() == [row[-1] for row in INTERVAL]
    candidates, days = C.cadence(tier, intent, risk, lifecycle, stage, complaint, RULES)
    # the interval is the candidates' minimum, the one number the formulas door needs
    assert days.tolist() == got.tolist() == candidates.min(axis=1).astype(int).tolist()


# -------------------------------------------------------------------------- promise overdue


def test_promise_overdue_is_before_as_of_only() -> None:
    due = pd.Series(pd.to_datetime(["2026-11-21", "2026-11-22", "2026-12-01", None]))
    assert C.promise_overdue(due, TODAY).tolist() == [True, False, False, False]


# -------------------------------------------------------------------------------- warnings


def test_warning_lists_in_domain_order_and_shared() -> None:
    n = 4
    flags = {w: pd.Series([False] * n) for w in C.WARNINGS}
    flags["data_missing"] = pd.Series([True, False, True, False])
    flags["overdue_contact"] = pd.Series([True, False, True, pd.NA], dtype="boolean")
    flags["loss_customer"] = pd.Series([True, False, True, True])
    got = C.warning_lists(flags, n)
    assert got == [
        ["overdue_contact", "loss_customer", "data_missing"],
        [],
        ["overdue_contact", "loss_customer", "data_missing"],
        ["loss_customer"],  # NA: not known, no warning
    ]
    assert got[0] is got[2]  # rows with the same warnings share one list
    assert C.warning_lists({w: pd.Series([], dtype=bool) for w in C.WARNINGS}, 0) == []


def test_warnings_of_a_whole_table() -> None:
    # as_of 11-22: row 0 has every contract warning's inputs of a renewal ending in 39 days and
    # last contacted 52 days ago; row 1 a renewal that ended; row 2 nothing known
    t = pd.DataFrame(
        {
            "last_contact": pd.to_datetime(["2026-10-01", "2026-11-20", None]),
            "contract_end": pd.to_datetime(["2026-12-31", "2026-11-01", None]),
            "stage": codes(["regressing", None, None]),
            "open_complaint": codes(["service", None, None]),
            "decision_maker_reached": codes([False, None, None]),
        }
    )
    got = C.warnings(
        t,
        TODAY,
        codes(["renewal", "renewal", "unknown"]),
        pd.Series([5, 0, 0]),
        pd.Series([True, False, False]),
        codes(["high", None, None]),
        codes(["A", "A", None]),
        codes(["loss", None, None]),
        pd.Series([False, True, False]),
        RULES,
        {w: pd.Series([True, False, False]) for w in C.FILE_WARNINGS},  # §10: row 0 has all
    )
    assert got == [
        [w for w in C.WARNINGS if w not in ("no_contact", "contract_expired", "data_missing")],
        ["contract_expired", "data_missing"],  # decision maker not known: no warning
        ["no_contact"],
    ]


# ------------------------------------------------------------------------------- objective


# DOMAIN §8 "first that applies": keep the overdue promise; resolve the complaint; retain (risk
# high); win back (lapsed); close (interested / quoted); learn needs (hesitating); else the
# stage's strategy (follow_up without a stage)
OBJECTIVE = [
    # promise overdue, complaint, risk, lifecycle, intent, stage → objective
    (True, True, "high", "lapsed", "interested", "stable", "keep_promise"),
    (False, True, "high", "lapsed", "interested", "stable", "resolve_complaint"),
    (False, False, "high", "lapsed", "interested", "stable", "retain"),
    (False, False, "medium", "lapsed", "interested", "stable", "win_back"),
    (False, False, None, "renewal", "quoted", "stable", "close"),
    (False, False, None, "new", "hesitating", "stable", "learn_needs"),
    (False, False, None, "new", "not_now", "initial", "initial"),
    (False, False, "low", "new", "declined", "strategic", "strategic"),
    (False, False, None, "unknown", None, None, "follow_up"),
]


def test_objective_of_a_whole_column() -> None:
    late, complaint, risk, lifecycle, intent, stage, expected = columns(OBJECTIVE)
    got = C.objective(late.astype(bool), complaint.astype(bool), risk, lifecycle, intent, stage)
    assert got.tolist() == expected.tolist()


# ------------------------------------------------------------------------------- helpers


def test_eq_and_lookup_leave_missing_codes_alone() -> None:
    column = codes(["A", None, np.nan, "B"])
    assert C.eq(column, "A").tolist() == [True, False, False, False]
    assert C.lookup(column, {"A": 1, "B": 2}, 0).tolist() == [1.0, 0.0, 0.0, 2.0]
