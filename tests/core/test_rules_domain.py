"""The domain rules of DOMAIN.md §2–§8, table by table, on small hand-made ledgers.

Every expected value below is worked out by hand from DOMAIN.md (the worked arithmetic is in the
comments); nothing is computed with the package's own helpers. Each test builds a ledger from
dicts keyed by the Chinese headers of DOMAIN §1, runs ``make_plan`` with as_of = 2026-11-22 and
checks the plan row(s).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kqexcel.core.ledger import normalise
from kqexcel.core.plan import Plan, make_plan
from kqexcel.rules import load_rules
from tests.conftest import plain_rules

RULES = plain_rules()  # DOMAIN §14: §8 exactly, without the §12 calendar
AS_OF = dt.date(2026, 11, 22)

# DOMAIN §1 zh headers
ID, NAME = "客户编号", "客户名称"
REVENUE, MARGIN, COST, PROFIT = "年销售额", "毛利率", "服务成本", "利润"
POTENTIAL, PROB = "潜在增量", "成交概率"
STATUS, PAST, CURRENT = "签约状态", "历史效果", "本期效果"
CSTAGE, COMPETITION, SKILL, STAFF = "发展阶段", "同业竞争", "电商经验", "操作人数"
OUTLOOK, EXPECT, BUYERS = "经营视野", "主要期望", "国内客户"
DECISIVE, ORIENT, STYLE = "决策风格", "沟通倾向", "性格类型"
INTENT, STAGE = "购买意向", "合作阶段"
LAST, CONTACTS, DM = "最近联系日期", "联系次数", "已接触决策层"
PROMISE, PROMISE_DUE, COMPLAINT, NEED = "未兑现承诺", "承诺期限", "未结投诉", "需求状态"
END, BUSINESS, PARTY = "到期日", "企业类型", "客户类别"


def d(month: int, day: int, year: int = 2026) -> dt.date:
    return dt.date(year, month, day)


def make(
    *customers: dict[str, Any], as_of: dt.date = AS_OF, rules: Any = None, lang: str = "zh"
) -> Plan:
    """A plan for ``customers`` (dicts header → raw cell). Missing ids become K01, K02, … and
    missing names 客户1, 客户2, …; the header row is the union of all headers (Excel row 1)."""
    rules = rules or RULES
    filled = []
    for i, c in enumerate(customers, start=1):
        c = dict(c)
        c.setdefault(ID, f"K{i:02d}")
        c.setdefault(NAME, f"客户{i}")
        filled.append(c)
    headers: list[str] = []
    for c in filled:
        headers += [h for h in c if h not in headers]
    rows: list[list[Any]] = [headers] + [[c.get(h) for h in headers] for c in filled]
    ledger = normalise(rows, 0, rules, "t.xlsx", "Sheet1")
    return make_plan(ledger, rules, as_of=as_of, lang=lang)


def plan_of(*customers: dict[str, Any], **kwargs: Any) -> pd.DataFrame:
    return make(*customers, **kwargs).table


def one(customer: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """The plan row of a single-customer ledger."""
    table = plan_of(customer, **kwargs)
    assert len(table) == 1
    return table.iloc[0].to_dict()


def by_id(table: pd.DataFrame) -> dict[str, dict[str, Any]]:
    return {r["customer_id"]: r for r in table.to_dict("records")}


CJK = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f]")


def null(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT


def num(value: Any) -> float | None:
    """A plan number as a plain float (None when missing)."""
    return None if null(value) else float(value)


# Customers that put "X" into a wanted tier (DOMAIN §2, revenue, a 0.80 / b 0.95):
#   A: X 1000, F 100  → X share_before 0 → A
#   B: F 850,  X 150  → X share_before 850/1000 = 0.85 → B
#   C: F 990,  X 10   → X share_before 990/1000 = 0.99 → C
#   None: X without revenue (not a prospect), F 100 → X has no tier
FILLER_REVENUE = {"A": 100, "B": 850, "C": 990, None: 100}
X_REVENUE = {"A": 1000, "B": 150, "C": 10, None: None}


def in_tier(tier: str | None, x: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """The plan row of customer X (fields ``x``) in a ledger where X lands in ``tier``."""
    x = {ID: "X", NAME: "目标客户", **x}
    if X_REVENUE[tier] is not None:
        x.setdefault(REVENUE, X_REVENUE[tier])
    filler = {ID: "F", NAME: "参照客户", REVENUE: FILLER_REVENUE[tier]}
    rows = by_id(plan_of(x, filler, **kwargs))
    assert rows["X"]["tier"] == tier or (tier is None and null(rows["X"]["tier"]))
    return rows["X"]


def test_in_tier_helper_really_sets_the_tier() -> None:
    for tier in ("A", "B", "C"):
        assert in_tier(tier, {})["tier"] == tier
    assert null(in_tier(None, {})["tier"])


# =============================================================================================
# §2 Value tier — ABC by the 20/80 rule
# =============================================================================================


@pytest.mark.parametrize(
    ("revenues", "tiers", "cumulative"),
    [
        # total 100; share_before 0, .50, .80, .95 → A, A, B (0.80 is not < 0.80),
        # C (0.95 is not < 0.95)
        ([50, 30, 15, 5], ["A", "A", "B", "C"], [0.5, 0.8, 0.95, 1.0]),
        # ledger order is not rank order: 5, 50, 15, 30 → same tiers per value
        ([5, 50, 15, 30], ["C", "A", "B", "A"], [1.0, 0.5, 0.95, 0.8]),
        # total 100; share_before 0, .79, .94, .99 → A, A, B, C
        ([79, 15, 5, 1], ["A", "A", "B", "C"], [0.79, 0.94, 0.99, 1.0]),
        # total 100; share_before 0, .81 → A, B; .96 → C
        ([81, 15, 4], ["A", "B", "C"], [0.81, 0.96, 1.0]),
        # one customer: share_before 0 → A
        ([1234], ["A"], [1.0]),
        # 4 decimals: thirds → 0.3333, 0.6667, 1.0; share_before 0, .3333, .6667 → all A
        ([1, 1, 1], ["A", "A", "A"], [0.3333, 0.6667, 1.0]),
        # sevenths: 3/7 = 0.428571… → 0.4286, 6/7 = 0.857142… → 0.8571;
        # before 0, .4286 (A), .8571 (B)
        ([3, 3, 1], ["A", "A", "B"], [0.4286, 0.8571, 1.0]),
    ],
)
def test_tier_boundaries_and_cumulative_share(
    revenues: list[float], tiers: list[str], cumulative: list[float]
) -> None:
    table = plan_of(*({ID: f"C{i}", REVENUE: r} for i, r in enumerate(revenues)))
    assert list(table["tier"]) == tiers
    assert [float(x) for x in table["cumulative_share"]] == cumulative


def test_tier_ties_ranked_by_customer_id() -> None:
    # P 60, then K1 and K2 both 20 (total 100): K1 ranks first (id ascending)
    # → share_before .60 → A, K2 share_before .80 → B. K2 is listed first in the ledger.
    table = plan_of({ID: "K2", REVENUE: 20}, {ID: "P", REVENUE: 60}, {ID: "K1", REVENUE: 20})
    rows = by_id(table)
    assert (rows["K1"]["tier"], rows["K2"]["tier"], rows["P"]["tier"]) == ("A", "B", "A")
    assert (rows["K1"]["cumulative_share"], rows["K2"]["cumulative_share"]) == (0.8, 1.0)
    assert list(table["customer_id"]) == ["K2", "P", "K1"]  # plan keeps ledger order


@pytest.mark.parametrize("value", [0, -10, "-5", "0"])
def test_value_zero_or_negative_is_c(value: Any) -> None:
    # total of positive values 100; the ≤ 0 row is C
    rows = by_id(plan_of({ID: "A1", REVENUE: 100}, {ID: "Z", REVENUE: value}))
    assert rows["A1"]["tier"] == "A"
    assert rows["Z"]["tier"] == "C"


def test_prospect_without_revenue_counts_zero() -> None:
    # prospect without revenue: value 0 → C; total 100 → cumulative (100 + 0) / 100 = 1.0;
    # no problem
    plan = make({ID: "A1", REVENUE: 100, STATUS: "新签"}, {ID: "P1", STATUS: "潜在"})
    rows = by_id(plan.table)
    assert rows["P1"]["tier"] == "C"
    assert rows["P1"]["cumulative_share"] == 1.0
    assert rows["A1"]["tier"] == "A"
    assert plan.problems == []
    assert "data_missing" not in rows["P1"]["warnings"]


@pytest.mark.parametrize("status", [None, "新签", "续签", "断签"])
def test_non_prospect_without_revenue_has_no_tier_and_a_problem(status: str | None) -> None:
    cust: dict[str, Any] = {ID: "N1", REVENUE: None, STATUS: status}
    if status == "续签":
        cust.update({PAST: "10;10", CURRENT: 10})  # no renewal gap to muddle the count
    plan = make({ID: "A1", REVENUE: 100}, cust)
    rows = by_id(plan.table)
    assert null(rows["N1"]["tier"])
    assert null(rows["N1"]["cumulative_share"])
    assert (
        rows["A1"]["tier"] == "A" and rows["A1"]["cumulative_share"] == 1.0
    )  # N1 not in the total
    problems = [p for p in plan.problems if p.row == 3]  # header row 1, A1 row 2, N1 row 3
    assert len(problems) == 1
    assert problems[0].kind == "problem"
    assert problems[0].file == "t.xlsx" and problems[0].sheet == "Sheet1"
    assert "年销售额" in str(problems[0].column)
    assert rows["N1"]["warnings"][-1] == "data_missing"


@pytest.mark.parametrize(
    "customers",
    [
        [{REVENUE: 0}, {REVENUE: 0}],
        [{REVENUE: 0}, {REVENUE: -20}],
        [{STATUS: "潜在"}, {REVENUE: 0}],
        [{STATUS: "潜在"}],
    ],
)
def test_total_zero_all_c_and_cumulative_null(customers: list[dict[str, Any]]) -> None:
    table = plan_of(*customers)
    assert list(table["tier"]) == ["C"] * len(customers)
    assert all(null(x) for x in table["cumulative_share"])


@pytest.mark.parametrize(
    ("overlay", "tiers"),
    [
        # a_share 0.5: share_before 0 → A; .50 not < .50 → B; .80 → B; .95 → C
        ("[tier]\na_share = 0.5\n", ["A", "B", "B", "C"]),
        # b_share 0.99: .95 < .99 → B
        ("[tier]\nb_share = 0.99\n", ["A", "A", "B", "B"]),
        # both: 0 → A; .50 → B; .80 and .95 → C
        ("[tier]\na_share = 0.3\nb_share = 0.75\n", ["A", "B", "C", "C"]),
    ],
)
def test_tier_thresholds_from_rules_file(tmp_path: Path, overlay: str, tiers: list[str]) -> None:
    path = tmp_path / "rules.toml"
    path.write_text(overlay, encoding="utf-8")
    rules = load_rules(path)
    table = plan_of(*({REVENUE: r} for r in (50, 30, 15, 5)), rules=rules)
    assert list(table["tier"]) == tiers
    assert list(plan_of(*({REVENUE: r} for r in (50, 30, 15, 5)))["tier"]) == ["A", "A", "B", "C"]


def test_tier_value_profit_from_rules_file(tmp_path: Path) -> None:
    # value = profit: profits P1 = 1000×0.1 = 100, P2 = 200×0.9 = 180 (more profit, less revenue)
    # P3 = 100 × 0.2 = 20; total 300; ranked P2 (0 → A), P1 (180/300 = .60 → A),
    # P3 (280/300 = .9333 → B)
    path = tmp_path / "rules.toml"
    path.write_text('[tier]\nvalue = "profit"\n', encoding="utf-8")
    customers = (
        {ID: "P1", REVENUE: 1000, MARGIN: 0.1},
        {ID: "P2", REVENUE: 200, MARGIN: 0.9},
        {ID: "P3", REVENUE: 100, MARGIN: 0.2},
    )
    rows = by_id(plan_of(*customers, rules=load_rules(path)))
    assert [rows[k]["tier"] for k in ("P1", "P2", "P3")] == ["A", "A", "B"]
    # cumulative: P2 180/300 = 0.6, P1 280/300 = 0.9333, P3 1.0
    assert [rows[k]["cumulative_share"] for k in ("P2", "P1", "P3")] == [0.6, 0.9333, 1.0]


# =============================================================================================
# §3 Profit quadrant and expected value
# =============================================================================================


@pytest.mark.parametrize(
    ("fields", "profit"),
    [
        ({REVENUE: 1000, MARGIN: 0.3, COST: 100}, 200.0),  # 1000 × 0.3 − 100
        ({REVENUE: 1000, MARGIN: 0.3}, 300.0),  # missing cost counts 0
        ({REVENUE: 1000, MARGIN: "30%", COST: "50"}, 250.0),
        ({REVENUE: "1.2万", MARGIN: 25, COST: 1000}, 2000.0),  # 12000 × 0.25 − 1000
        ({REVENUE: 1000, MARGIN: 0.3, PROFIT: 999}, 300.0),  # margin given: profit column ignored
        ({REVENUE: 1000, PROFIT: 80}, 80.0),  # no margin: the profit column
        ({REVENUE: 1000, PROFIT: 80, COST: 500}, 80.0),  # the profit column as is
        ({REVENUE: 1000, MARGIN: 0.1, COST: 250}, -150.0),
    ],
)
def test_profit(fields: dict[str, Any], profit: float) -> None:
    assert num(one(fields)["profit"]) == profit


def test_no_margin_no_profit_column_no_profit_no_quadrant() -> None:
    row = one({REVENUE: 1000, COST: 100})
    assert null(row["profit"])
    assert null(row["profit_quadrant"])


def test_profit_column_not_used_when_margin_given_without_revenue() -> None:
    # DOMAIN §3: "the profit column is used only when gross_margin is absent"
    row = one({STATUS: "潜在", MARGIN: 0.3, PROFIT: 80})
    assert null(row["profit"])


@pytest.mark.parametrize(
    ("fields", "quadrant"),
    [
        ({REVENUE: 1000, MARGIN: 0.1, COST: 250}, "loss"),  # profit −150 < 0
        ({REVENUE: 1000, PROFIT: -1}, "loss"),
        ({REVENUE: 1000, MARGIN: 0.04}, "marginal"),  # 40 / 1000 = 0.04 < 0.05
        ({REVENUE: 1000, MARGIN: 0.1, COST: 51}, "marginal"),  # 49 / 1000 = 0.049
        ({REVENUE: 1000, PROFIT: 0}, "marginal"),  # 0 ≥ 0 and ratio 0
        ({REVENUE: 1000, MARGIN: 0.05}, "top"),  # 50 / 1000 = 0.05 is not < 0.05; alone → top
        ({REVENUE: 0, PROFIT: 10}, "marginal"),  # revenue ≤ 0
        ({REVENUE: -100, PROFIT: 10}, "marginal"),
        ({REVENUE: 1000, MARGIN: 0.3}, "top"),  # only one in the group: share before 0 → top
        ({STATUS: "潜在", PROFIT: 0}, "marginal"),  # zero profit, revenue unknown: earns nothing
        ({STATUS: "潜在", PROFIT: 5}, "top"),  # revenue unknown: the ratio test cannot apply
    ],
)
def test_quadrant_single(fields: dict[str, Any], quadrant: str) -> None:
    row = one(fields)
    assert row["profit_quadrant"] == quadrant
    assert ("loss_customer" in row["warnings"]) == (quadrant == "loss")


def test_quadrant_top_and_profitable_within_the_profit_making_group() -> None:
    # group (ratio ≥ 5%): profits 50, 30, 15, 5 on revenue 100 each; group total 100
    # share before: 0 (top), .50 (top), .80 (profitable: not < .80), .95 (profitable)
    # M is marginal (100 / 10000 = 1%) and L a loss: neither counts in the group total
    # (with M in the total the shares would be 0, .25, .40, .475 → all top)
    table = plan_of(
        {ID: "G4", REVENUE: 100, PROFIT: 5},
        {ID: "G1", REVENUE: 100, PROFIT: 50},
        {ID: "M", REVENUE: 10000, PROFIT: 100},
        {ID: "G3", REVENUE: 100, PROFIT: 15},
        {ID: "L", REVENUE: 100, PROFIT: -40},
        {ID: "G2", REVENUE: 100, PROFIT: 30},
    )
    rows = by_id(table)
    assert {k: r["profit_quadrant"] for k, r in rows.items()} == {
        "G1": "top",
        "G2": "top",
        "G3": "profitable",
        "G4": "profitable",
        "M": "marginal",
        "L": "loss",
    }


def test_quadrant_ties_ranked_by_customer_id() -> None:
    # group profits 60, 20, 20 (total 100): T1 before .60 → top; T2 before .80 → profitable
    rows = by_id(
        plan_of(
            {ID: "T2", REVENUE: 100, PROFIT: 20},
            {ID: "T1", REVENUE: 100, PROFIT: 20},
            {ID: "S", REVENUE: 100, PROFIT: 60},
        )
    )
    assert (
        rows["S"]["profit_quadrant"],
        rows["T1"]["profit_quadrant"],
        rows["T2"]["profit_quadrant"],
    ) == ("top", "top", "profitable")


@pytest.mark.parametrize(
    ("fields", "ev"),
    [
        (
            {REVENUE: 1000, MARGIN: 0.3, POTENTIAL: 500, PROB: 0.4},
            500.0,
        ),  # CB profit 300 + 500 × 0.4
        ({REVENUE: 1000, PROFIT: -100, POTENTIAL: 500, PROB: 0.4}, 100.0),  # CB −100 + 200
        ({REVENUE: 1000, POTENTIAL: 500, PROB: "40%"}, 1200.0),  # no profit: CB = revenue 1000
        ({REVENUE: 1000, POTENTIAL: 500}, 1000.0),  # missing P counts 0
        ({REVENUE: 1000, PROB: 0.9}, 1000.0),  # missing AV counts 0
        ({STATUS: "潜在", POTENTIAL: 1000, PROB: 0.25}, 250.0),  # no profit, no revenue: CB 0
        ({STATUS: "潜在"}, 0.0),  # always a number
        ({STATUS: "潜在", POTENTIAL: 1000, PROB: 0.123456}, 123.46),  # 123.456 → 2 decimals
        ({REVENUE: 1000, MARGIN: 0.123456}, 123.46),  # CB 123.456 → 123.46
        ({STATUS: "潜在", POTENTIAL: "2万", PROB: 30}, 6000.0),  # 20000 × 0.30
    ],
)
def test_expected_value(fields: dict[str, Any], ev: float) -> None:
    assert num(one(fields)["expected_value"]) == ev


# =============================================================================================
# §4 Personality style
# =============================================================================================


@pytest.mark.parametrize(
    ("decisiveness", "orientation", "style", "decide"),
    [
        ("率直", "理性", "eagle", 2),
        ("率直", "感性", "peacock", 3),
        ("优柔", "感性", "dove", 5),
        ("优柔", "理性", "owl", 7),
        ("direct", "rational", "eagle", 2),  # codes in English
        ("Indecisive", "EMOTIONAL", "dove", 5),
        ("率直", None, "unknown", None),  # one axis is not enough
        (None, "感性", "unknown", None),
        (None, None, "unknown", None),
    ],
)
def test_style_from_axes(
    decisiveness: str | None, orientation: str | None, style: str, decide: int | None
) -> None:
    row = one({DECISIVE: decisiveness, ORIENT: orientation})
    assert row["style"] == style
    assert num(row["contacts_to_decide"]) == decide


@pytest.mark.parametrize(
    ("written", "style"),
    [
        ("力量型", "eagle"),
        ("老鹰", "eagle"),
        ("权威支配型", "eagle"),
        ("D", "eagle"),
        ("d", "eagle"),
        ("Eagle", "eagle"),
        ("活泼型", "peacock"),
        ("孔雀", "peacock"),
        ("热情互动型", "peacock"),
        ("I", "peacock"),
        ("和平型", "dove"),
        ("鸽子", "dove"),
        ("老好附和型", "dove"),
        ("S", "dove"),
        ("完美型", "owl"),
        ("猫头鹰", "owl"),
        ("谨慎分析型", "owl"),
        ("C", "owl"),
        ("ＯＷＬ", "owl"),
    ],
)
def test_style_column_synonyms(written: str, style: str) -> None:
    assert one({STYLE: written})["style"] == style


@pytest.mark.parametrize(
    ("written", "axes", "style"),
    [
        ("猫头鹰", ("率直", "理性"), "owl"),  # axes say eagle; the column wins
        ("孔雀", ("优柔", "理性"), "peacock"),
        ("D", ("优柔", "感性"), "eagle"),
        ("S", ("率直", "感性"), "dove"),
    ],
)
def test_explicit_style_wins_over_axes(written: str, axes: tuple[str, str], style: str) -> None:
    assert one({STYLE: written, DECISIVE: axes[0], ORIENT: axes[1]})["style"] == style


@pytest.mark.parametrize(
    ("style", "contacts", "decide", "remaining"),
    [
        ("老鹰", 0, 2, 2),
        ("老鹰", 1, 2, 1),
        ("老鹰", 2, 2, 0),
        ("老鹰", 5, 2, 0),  # max(0, 2 − 5)
        ("孔雀", 1, 3, 2),
        ("鸽子", 4, 5, 1),
        ("猫头鹰", 3, 7, 4),
        ("猫头鹰", None, 7, None),  # contacts unknown → null
        (None, 2, None, None),  # style unknown → both null
    ],
)
def test_contacts_to_decide_and_remaining(
    style: str | None, contacts: int | None, decide: int | None, remaining: int | None
) -> None:
    row = one({STYLE: style, CONTACTS: contacts})
    assert num(row["contacts_to_decide"]) == decide
    assert num(row["contacts_remaining"]) == remaining


# =============================================================================================
# §5 Signing motivation
# =============================================================================================


@pytest.mark.parametrize(
    ("fields", "motivation", "confidence"),
    [
        ({}, "unknown", 0.0),  # no votes
        ({CSTAGE: "上升期"}, "image", 1.0),
        ({CSTAGE: "初期"}, "profit", 1.0),
        ({CSTAGE: "艰难期"}, "herd", 1.0),
        ({COMPETITION: "少"}, "image", 1.0),
        ({COMPETITION: "多"}, "profit", 1.0),
        ({SKILL: "熟练"}, "image", 1.0),
        ({SKILL: "一般"}, "profit", 1.0),
        ({SKILL: "初级"}, "herd", 1.0),
        ({STAFF: 3}, "profit", 1.0),  # ≥ 3 votes profit
        ({STAFF: 2}, "unknown", 0.0),  # 2 staff: no vote
        ({OUTLOOK: "长期"}, "image", 1.0),
        ({OUTLOOK: "短期"}, "profit", 1.0),
        ({OUTLOOK: "盲目"}, "herd", 1.0),
        ({BUYERS: "稳定"}, "image", 1.0),
        ({BUYERS: "发展中"}, "profit", 1.0),
        ({BUYERS: "寻找中"}, "herd", 1.0),
        ({EXPECT: "品牌形象"}, "image", 1.0),
        ({EXPECT: "成交"}, "profit", 1.0),
        ({EXPECT: "跟随同行"}, "herd", 1.0),
        ({OUTLOOK: "long-term", EXPECT: "follow peers"}, "herd", 0.67),  # herd 2 vs image 1: 2/3
        # expectation counts 2: image 2 vs profit 1 → image, 2/3 = 0.67
        ({EXPECT: "品牌形象", CSTAGE: "初期"}, "image", 0.67),
        # expectation 2 vs two 1-point votes: profit 2 (初期, 多) vs image 2 → mixed, 2/4
        ({EXPECT: "品牌形象", CSTAGE: "初期", COMPETITION: "多"}, "mixed", 0.5),
        # 1 : 1 tie → mixed, 1/2
        ({CSTAGE: "上升期", COMPETITION: "多"}, "mixed", 0.5),
        # 1 : 1 : 1 → mixed, 1/3 = 0.33
        ({CSTAGE: "上升期", COMPETITION: "多", SKILL: "初级"}, "mixed", 0.33),
        # image 2, profit 2, herd 1 → mixed (tie at the top), 2/5
        ({EXPECT: "品牌形象", CSTAGE: "初期", COMPETITION: "多", SKILL: "初级"}, "mixed", 0.4),
        # herd 2+1+1+1 = 5 (跟随同行, 艰难期, 初级, 寻找中) vs profit 1+1 (多, staff 5) = 2
        # → herd 5/7 = 0.71
        (
            {
                EXPECT: "跟随同行",
                CSTAGE: "艰难期",
                SKILL: "初级",
                BUYERS: "寻找中",
                COMPETITION: "多",
                STAFF: 5,
            },
            "herd",
            0.71,
        ),
        # all seven for profit: 1+1+1+1+1+1+2 = 8 of 8
        (
            {
                CSTAGE: "初期",
                COMPETITION: "多",
                SKILL: "一般",
                STAFF: 4,
                OUTLOOK: "短期",
                BUYERS: "发展中",
                EXPECT: "成交",
            },
            "profit",
            1.0,
        ),
    ],
)
def test_motivation(fields: dict[str, Any], motivation: str, confidence: float) -> None:
    row = one(fields)
    assert row["motivation"] == motivation
    assert float(row["motivation_confidence"]) == confidence


def test_motivation_image_beats_expectation_and_staff() -> None:
    # image 5 (上升期, 少, 熟练, 长期, 稳定) vs profit 3 (成交 2 + staff 3 → 1);
    # 5/8 = 0.625 → 2 decimals
    row = one(
        {
            CSTAGE: "上升期",
            COMPETITION: "少",
            SKILL: "熟练",
            OUTLOOK: "长期",
            BUYERS: "稳定",
            EXPECT: "成交",
            STAFF: 3,
        }
    )
    assert row["motivation"] == "image"
    assert float(row["motivation_confidence"]) in (0.62, 0.63)  # 0.625 half-way: either rounding


# =============================================================================================
# §5 Lifecycle and renewal risk
# =============================================================================================


@pytest.mark.parametrize(
    ("status", "lifecycle"),
    [
        ("新签", "new"),
        ("新客户", "new"),
        ("New", "new"),
        ("续签", "renewal"),
        ("续约", "renewal"),
        ("老客户", "renewal"),
        ("RENEWAL", "renewal"),
        ("断签", "lapsed"),
        ("断约", "lapsed"),
        ("流失", "lapsed"),
        ("lapsed", "lapsed"),
        ("潜在", "prospect"),
        ("意向", "prospect"),
        ("Prospect", "prospect"),
        (None, "unknown"),
        ("-", "unknown"),
        ("其他", "unknown"),
    ],
)
def test_lifecycle(status: str | None, lifecycle: str) -> None:
    cust = {REVENUE: 100, STATUS: status}
    if lifecycle == "renewal":
        cust.update({PAST: "10", CURRENT: 10})
    assert one(cust)["lifecycle"] == lifecycle


@pytest.mark.parametrize(
    ("past", "current", "floor", "line", "risk"),
    [
        # past 10, 20, 30: floor 0.9 × 10 = 9.0; line 1.1 × 20 = 22.0
        ("10;20;30", 8, 9.0, 22.0, "high"),
        ("10;20;30", 8.99, 9.0, 22.0, "high"),
        ("10;20;30", 9, 9.0, 22.0, "medium"),  # not below the floor
        ("10;20;30", 21.99, 9.0, 22.0, "medium"),
        ("10;20;30", 22, 9.0, 22.0, "low"),  # at the line is not below it
        ("10;20;30", 40, 9.0, 22.0, "low"),
        # past 12, 8, 15: floor 0.9 × 8 = 7.2; mean 35/3 = 11.666…, × 1.1 = 12.8333… → 12.83
        ("12;8;15", 7, 7.2, 12.83, "high"),
        ("12；8；15", 7.2, 7.2, 12.83, "medium"),
        ("12、8、15", 12.9, 7.2, 12.83, "low"),
        # separators: "1,234;2" is 1234 and 2 → floor 1.8, mean 618 × 1.1 = 679.8
        ("1,234;2", 1, 1.8, 679.8, "high"),
        # a single number: floor 0.9 × 7 = 6.3; line 7.7
        (7, 7, 6.3, 7.7, "medium"),
    ],
)
def test_renewal_floor_line_risk(
    past: Any, current: float, floor: float, line: float, risk: str
) -> None:
    plan = make({REVENUE: 100, STATUS: "续签", PAST: past, CURRENT: current})
    row = plan.table.iloc[0]
    assert (num(row["renewal_floor"]), num(row["satisfaction_line"]), row["renewal_risk"]) == (
        floor,
        line,
        risk,
    )
    assert plan.problems == []
    assert ("renewal_risk_high" in row["warnings"]) == (risk == "high")


@pytest.mark.parametrize(
    ("fields", "risk"),
    [
        ({CSTAGE: "艰难期"}, "medium"),  # herd: high → medium
        ({EXPECT: "跟随同行", CSTAGE: "上升期"}, "medium"),  # herd 2 vs image 1
        ({CSTAGE: "上升期"}, "high"),  # image stays high
        ({CSTAGE: "艰难期", COMPETITION: "多"}, "high"),  # mixed stays high
        ({}, "high"),  # unknown motivation stays high
    ],
)
def test_herd_high_risk_becomes_medium(fields: dict[str, Any], risk: str) -> None:
    # past 10;10 → floor 9; current 5 < 9 → high before the herd rule
    row = one({REVENUE: 100, STATUS: "续签", PAST: "10;10", CURRENT: 5, **fields})
    assert row["renewal_risk"] == risk


def test_herd_medium_risk_stays_medium_and_low_stays_low() -> None:
    # past 10;10: floor 9, line 11 → current 10 medium, 11 low; herd changes neither
    assert (
        one({STATUS: "续签", PAST: "10;10", CURRENT: 10, CSTAGE: "艰难期"})["renewal_risk"]
        == "medium"
    )
    assert (
        one({STATUS: "续签", PAST: "10;10", CURRENT: 11, CSTAGE: "艰难期"})["renewal_risk"] == "low"
    )


@pytest.mark.parametrize(
    "fields",
    [
        {PAST: None, CURRENT: 10},  # no past results
        {PAST: "10;12", CURRENT: None},  # no current result
        {PAST: None, CURRENT: None},
    ],
)
def test_renewal_without_numbers_is_a_gap_and_no_risk(fields: dict[str, Any]) -> None:
    plan = make({REVENUE: 100}, {STATUS: "续约", REVENUE: 50, **fields})
    rows = plan.table
    assert null(rows.iloc[1]["renewal_risk"])
    if fields[PAST] is None:
        assert null(rows.iloc[1]["renewal_floor"]) and null(rows.iloc[1]["satisfaction_line"])
    gaps = [p for p in plan.problems if p.kind == "gap"]
    assert len(gaps) == 1 and gaps[0].row == 3  # the second customer row is Excel row 3
    assert [p for p in plan.problems if p.kind == "problem"] == []
    assert not plan.has_problems
    assert rows.iloc[1]["warnings"] == ["no_contact", "data_missing"]
    assert rows.iloc[0]["warnings"] == ["no_contact"]


@pytest.mark.parametrize("status", ["新签", "断签", "潜在", None])
def test_renewal_numbers_only_for_renewal_customers(status: str | None) -> None:
    # the same numbers that give a renewal customer "high" give no risk, floor or line here,
    # and no gap
    plan = make({REVENUE: 100, STATUS: status, PAST: "10;20", CURRENT: 1})
    row = plan.table.iloc[0]
    assert (
        null(row["renewal_risk"]) and null(row["renewal_floor"]) and null(row["satisfaction_line"])
    )
    assert plan.problems == []


def test_non_renewal_without_results_is_no_gap() -> None:
    plan = make({REVENUE: 100, STATUS: "新签"})
    assert plan.problems == []


# =============================================================================================
# §6 / §8 Contact interval, next contact and days overdue
# =============================================================================================
# With last contact = as_of the next contact is as_of + interval and nothing is overdue, so
# the interval is read off next_contact.


def interval_of(row: dict[str, Any]) -> int:
    return (row["next_contact"] - pd.Timestamp(AS_OF)).days


@pytest.mark.parametrize(
    ("tier", "fields", "days"),
    [
        # tier days
        ("A", {}, 7),
        ("B", {}, 14),
        ("C", {}, 30),
        (None, {}, 30),
        # intent shortens to the smaller
        ("C", {INTENT: "有兴趣"}, 3),
        ("C", {INTENT: "有意向"}, 3),
        ("C", {INTENT: "犹豫"}, 7),
        ("C", {INTENT: "考虑中"}, 7),
        ("C", {INTENT: "已报价未回复"}, 5),
        ("C", {INTENT: "已报价"}, 5),
        ("C", {INTENT: "暂不购买"}, 30),
        ("C", {INTENT: "not now"}, 30),
        ("B", {INTENT: "暂不购买"}, 14),  # 30 does not lengthen 14
        ("A", {INTENT: "暂不购买"}, 7),
        ("B", {INTENT: "犹豫"}, 7),
        ("B", {INTENT: "已报价"}, 5),
        ("A", {INTENT: "有兴趣"}, 3),
        (None, {INTENT: "有兴趣"}, 3),
        # declined does not shorten (and starts at 90 only for prospects)
        ("C", {INTENT: "肯定不买", STATUS: "新签"}, 30),
        ("A", {INTENT: "拒绝"}, 7),
        ("B", {INTENT: "不买"}, 14),
        # high renewal risk 7 (past 10;10 → floor 9; current 5)
        ("C", {STATUS: "续签", PAST: "10;10", CURRENT: 5}, 7),
        ("C", {STATUS: "续签", PAST: "10;10", CURRENT: 10}, 30),  # medium risk: no shortening
        ("C", {STATUS: "续签", PAST: "10;10", CURRENT: 5, CSTAGE: "艰难期"}, 30),  # herd → medium
        ("C", {STATUS: "续签", PAST: "10;10", CURRENT: 5, INTENT: "有兴趣"}, 3),
        # lapsed 14
        ("C", {STATUS: "断签"}, 14),
        ("B", {STATUS: "流失"}, 14),
        ("A", {STATUS: "断约"}, 7),
        ("C", {STATUS: "断签", INTENT: "已报价"}, 5),
        # regressing 7
        ("C", {STAGE: "关系倒退"}, 7),
        ("B", {STAGE: "中断"}, 7),
        ("C", {STAGE: "稳定合作"}, 30),
        # open complaint 2
        ("C", {COMPLAINT: "服务"}, 2),
        ("A", {COMPLAINT: "产品", INTENT: "有兴趣"}, 2),
        ("C", {COMPLAINT: "-"}, 30),  # a placeholder is no complaint
        # prospect + declined starts at 90 instead of the tier's days
        ("C", {STATUS: "潜在", INTENT: "肯定不买"}, 90),
        ("A", {STATUS: "潜在", INTENT: "肯定不买"}, 90),
        ("C", {STATUS: "意向", INTENT: "拒绝", COMPLAINT: "产品"}, 2),  # shortenings still apply
        ("C", {STATUS: "潜在", INTENT: "肯定不买", STAGE: "关系倒退"}, 7),
        ("C", {STATUS: "潜在", INTENT: "有兴趣"}, 3),
        ("C", {STATUS: "潜在"}, 30),
    ],
)
def test_interval(tier: str | None, fields: dict[str, Any], days: int) -> None:
    row = in_tier(tier, {LAST: AS_OF, **fields})
    assert interval_of(row) == days
    assert row["days_overdue"] == 0


def test_declined_prospect_without_revenue() -> None:
    # a prospect without revenue is tier C; declined → 90 days
    row = one({STATUS: "潜在", INTENT: "肯定不买", LAST: AS_OF})
    assert row["tier"] == "C"
    assert interval_of(row) == 90


@pytest.mark.parametrize(
    ("tier", "fields", "last", "next_contact", "overdue"),
    [
        # tier A 7 days
        ("A", {}, d(11, 20), d(11, 27), 0),  # due 11-27, in the future
        ("A", {}, d(11, 15), d(11, 22), 0),  # due today: not overdue
        ("A", {}, d(11, 14), d(11, 22), 1),  # due 11-21: 1 day overdue, plan date today
        ("A", {}, d(11, 1), d(11, 22), 14),  # due 11-08
        ("A", {}, "2026/11/1", d(11, 22), 14),
        ("A", {}, "2026年11月1日", d(11, 22), 14),
        ("A", {}, "20261101", d(11, 22), 14),
        # tier C 30 days: last 10-15 → due 11-14, 8 days overdue
        ("C", {}, d(10, 15), d(11, 22), 8),
        ("C", {}, d(11, 2), d(12, 2), 0),
        # tier C 30 days: last 2025-12-31 → due 2026-01-30 → 296 days overdue
        ("C", {}, d(12, 31, 2025), d(11, 22), 296),
        # complaint 2 days: last 11-21 → 11-23
        ("C", {COMPLAINT: "服务"}, d(11, 21), d(11, 23), 0),
        # declined prospect 90: last 9-01 → 11-30
        ("C", {STATUS: "潜在", INTENT: "肯定不买"}, d(9, 1), d(11, 30), 0),
        ("C", {STATUS: "潜在", INTENT: "肯定不买"}, d(8, 1), d(11, 22), 23),  # due 10-30
        # no last contact: as_of, 0 overdue
        ("A", {}, None, d(11, 22), 0),
        ("C", {COMPLAINT: "服务"}, None, d(11, 22), 0),
    ],
)
def test_next_contact_and_days_overdue(
    tier: str | None, fields: dict[str, Any], last: Any, next_contact: dt.date, overdue: int
) -> None:
    row = in_tier(tier, {LAST: last, **fields})
    assert row["next_contact"] == pd.Timestamp(next_contact)
    assert row["days_overdue"] == overdue
    assert ("overdue_contact" in row["warnings"]) == (overdue > 0)
    assert ("no_contact" in row["warnings"]) == (last is None)


def test_next_contact_relative_to_as_of() -> None:
    # the same ledger on another as_of: tier A, last 11-01 → due 11-08
    row = one({REVENUE: 100, LAST: d(11, 1)}, as_of=d(11, 5))
    assert (row["next_contact"], row["days_overdue"]) == (pd.Timestamp(d(11, 8)), 0)
    row = one({REVENUE: 100, LAST: d(11, 1)}, as_of=d(11, 10))
    assert (row["next_contact"], row["days_overdue"]) == (pd.Timestamp(d(11, 10)), 2)


# =============================================================================================
# §8 Channel
# =============================================================================================

RISK_HIGH = {STATUS: "续签", PAST: "10;10", CURRENT: 5}  # floor 9 → high
RISK_MEDIUM = {STATUS: "续签", PAST: "10;10", CURRENT: 10}  # line 11 → medium


@pytest.mark.parametrize(
    ("tier", "fields", "channel"),
    [
        # visit: tier A, risk high or stage strategic — before anything else
        ("A", {}, "visit"),
        ("A", {INTENT: "暂不购买"}, "visit"),
        ("A", {INTENT: "肯定不买"}, "visit"),
        ("C", RISK_HIGH, "visit"),
        ("C", {**RISK_HIGH, INTENT: "暂不购买"}, "visit"),
        ("B", {STAGE: "战略合作"}, "visit"),
        (None, {STAGE: "strategic"}, "visit"),
        # email: not_now / declined
        ("C", {INTENT: "暂不购买"}, "email"),
        ("B", {INTENT: "暂不购买"}, "email"),  # email before phone for tier B
        ("C", {INTENT: "肯定不买"}, "email"),
        ("C", {STATUS: "断签", INTENT: "肯定不买"}, "email"),  # before phone for lapsed
        ("C", {**RISK_MEDIUM, INTENT: "暂不购买"}, "email"),
        # phone: tier B, lapsed, interested / quoted / hesitating
        ("B", {}, "phone"),
        ("C", {STATUS: "断签"}, "phone"),
        ("C", {INTENT: "有兴趣"}, "phone"),
        ("C", {INTENT: "已报价"}, "phone"),
        ("C", {INTENT: "犹豫"}, "phone"),
        (None, {INTENT: "有兴趣"}, "phone"),
        # message otherwise
        ("C", {}, "message"),
        (None, {}, "message"),
        ("C", RISK_MEDIUM, "message"),
        ("C", {STAGE: "稳定合作", COMPLAINT: "服务"}, "message"),
        ("C", {STATUS: "潜在"}, "message"),
    ],
)
def test_channel(tier: str | None, fields: dict[str, Any], channel: str) -> None:
    assert in_tier(tier, fields)["channel"] == channel


# =============================================================================================
# §8 Priority score and priority
# =============================================================================================


@pytest.mark.parametrize(
    ("tier", "fields", "score", "priority"),
    [
        ("A", {}, 40, "P2"),
        ("B", {}, 25, "P3"),
        ("C", {}, 10, "P3"),
        (None, {}, 0, "P3"),
        ("A", RISK_HIGH, 60, "P1"),  # 40 + 20
        ("C", RISK_HIGH, 30, "P3"),  # 10 + 20
        ("C", RISK_MEDIUM, 20, "P3"),  # 10 + 10
        ("C", {**RISK_HIGH, CSTAGE: "艰难期"}, 20, "P3"),  # herd: medium 10
        ("C", {INTENT: "有兴趣"}, 25, "P3"),
        ("C", {INTENT: "已报价"}, 22, "P3"),
        ("C", {INTENT: "犹豫"}, 18, "P3"),
        ("C", {INTENT: "暂不购买"}, 13, "P3"),
        ("C", {INTENT: "肯定不买"}, 10, "P3"),
        ("B", {INTENT: "已报价"}, 37, "P2"),
        ("C", {COMPLAINT: "产品"}, 20, "P3"),
        ("C", {PROMISE: "送样品", PROMISE_DUE: d(11, 21)}, 20, "P3"),  # promise overdue
        ("C", {PROMISE: "送样品", PROMISE_DUE: d(11, 22)}, 10, "P3"),  # due today: not overdue
        ("C", {PROMISE: "送样品", PROMISE_DUE: d(12, 1)}, 10, "P3"),
        ("C", {STAGE: "关系倒退"}, 20, "P3"),
        ("C", {STATUS: "断签"}, 15, "P3"),
        # overdue: min(days, 30) // 3 — tier C 30 days
        ("C", {LAST: d(10, 15)}, 12, "P3"),  # 8 days → 2
        ("C", {LAST: d(10, 14)}, 13, "P3"),  # 9 days → 3
        ("C", {LAST: d(9, 22)}, 20, "P3"),  # 31 days → capped at 30 → 10
        ("C", {LAST: d(1, 1)}, 20, "P3"),
        # thresholds
        ("A", {INTENT: "有兴趣", LAST: d(11, 4)}, 60, "P1"),  # 40 + 15 + (due 11-07, 15 days → 5)
        (
            "A",
            {**RISK_MEDIUM, INTENT: "犹豫", LAST: d(11, 12)},
            59,
            "P2",
        ),  # 40+10+8+(due 11-19, 3 → 1)
        ("B", {COMPLAINT: "服务"}, 35, "P2"),  # 25 + 10
        ("B", {INTENT: "犹豫", LAST: d(11, 12)}, 34, "P3"),  # 25 + 8 + (due 11-19, 3 → 1)
        # everything: 40 + 20 + 15 + 10 (overdue 50 days → 30 // 3) + 10 + 10 + 10 = 115
        # → capped 100
        (
            "A",
            {
                **RISK_HIGH,
                INTENT: "有兴趣",
                LAST: d(10, 1),
                COMPLAINT: "服务",
                PROMISE: "送样品",
                PROMISE_DUE: d(11, 1),
                STAGE: "关系倒退",
            },
            100,
            "P1",
        ),
        # lapsed and everything else for a tier C: 10 + 15 + 10 + 10 + 10 + 10 + 5 = 70
        (
            "C",
            {
                STATUS: "断签",
                INTENT: "有兴趣",
                LAST: d(10, 1),
                COMPLAINT: "服务",
                PROMISE_DUE: d(11, 1),
                STAGE: "倒退",
            },
            70,
            "P1",
        ),
    ],
)
def test_priority(tier: str | None, fields: dict[str, Any], score: int, priority: str) -> None:
    row = in_tier(tier, fields)
    assert (int(row["priority_score"]), row["priority"]) == (score, priority)


# =============================================================================================
# §8 Warnings (in the DOMAIN order)
# =============================================================================================


@pytest.mark.parametrize(
    ("tier", "fields", "warnings"),
    [
        ("C", {LAST: AS_OF}, []),
        ("C", {}, ["no_contact"]),
        ("C", {LAST: d(10, 15)}, ["overdue_contact"]),
        # promise_overdue: promise_due < as_of
        ("C", {LAST: AS_OF, PROMISE: "送样品", PROMISE_DUE: d(11, 21)}, ["promise_overdue"]),
        ("C", {LAST: AS_OF, PROMISE: "送样品", PROMISE_DUE: d(11, 22)}, []),
        ("C", {LAST: AS_OF, COMPLAINT: "优惠"}, ["open_complaint"]),
        ("C", {LAST: AS_OF, **RISK_HIGH}, ["renewal_risk_high"]),
        ("C", {LAST: AS_OF, **RISK_MEDIUM}, []),
        # no_decision_maker: tier A and decision maker = no
        ("A", {LAST: AS_OF, DM: "否"}, ["no_decision_maker"]),
        ("A", {LAST: AS_OF, DM: "N"}, ["no_decision_maker"]),
        ("A", {LAST: AS_OF, DM: "无"}, ["no_decision_maker"]),  # 无 means no in a yes/no field
        ("A", {LAST: AS_OF, DM: "是"}, []),
        ("A", {LAST: AS_OF, DM: None}, []),
        ("B", {LAST: AS_OF, DM: "否"}, []),
        ("C", {LAST: AS_OF, MARGIN: 0.1, COST: 100}, ["loss_customer"]),  # 10 × 0.1 − 100 < 0
        ("C", {LAST: AS_OF, STAGE: "关系倒退"}, ["relationship_regressing"]),
        ("C", {LAST: AS_OF, STAFF: "很多"}, ["data_missing"]),  # an unreadable value
        ("C", {LAST: AS_OF, STATUS: "续签"}, ["data_missing"]),  # a renewal gap
        # contract_expired: renewal customer with contract_end < as_of
        ("C", {LAST: AS_OF, **RISK_MEDIUM, END: d(11, 21)}, ["contract_expired"]),
        ("C", {LAST: AS_OF, STATUS: "新签", END: d(11, 21)}, []),  # not for new customers
        ("C", {LAST: AS_OF, STATUS: "断签", END: d(1, 1)}, []),
    ],
)
def test_single_warning(tier: str | None, fields: dict[str, Any], warnings: list[str]) -> None:
    assert in_tier(tier, fields)["warnings"] == warnings


@pytest.mark.parametrize(
    ("status", "end", "last", "warnings"),
    [
        # tier C 30 days: a last contact 31+ days ago is also overdue
        (
            "新签",
            d(2, 20, 2027),
            d(10, 22),
            ["overdue_contact", "contract_ending"],
        ),  # 90 days, 31 days ago
        ("续签", d(2, 20, 2027), d(10, 22), ["overdue_contact", "contract_ending"]),
        (
            "新签",
            d(11, 22),
            d(10, 22),
            ["overdue_contact", "contract_ending"],
        ),  # ends today: 0 days
        ("新签", d(12, 1), None, ["no_contact", "contract_ending"]),  # no contact at all
        ("新签", d(2, 21, 2027), d(10, 22), ["overdue_contact"]),  # 91 days: not yet
        ("新签", d(2, 20, 2027), d(10, 23), []),  # last contact 30 days ago: not over 30
        ("新签", d(12, 1), d(11, 20), []),  # recent contact
        ("续签", d(11, 21), d(10, 22), ["overdue_contact", "contract_expired"]),  # already ended
        ("新签", d(11, 21), d(10, 22), ["overdue_contact"]),
        ("断签", d(12, 1), d(10, 22), ["overdue_contact"]),  # lapsed: not "ending"
        ("潜在", d(12, 1), d(10, 22), ["overdue_contact"]),
        (None, d(12, 1), d(10, 22), ["overdue_contact"]),
    ],
)
def test_contract_ending(
    status: str | None, end: dt.date, last: dt.date | None, warnings: list[str]
) -> None:
    fields: dict[str, Any] = {STATUS: status, END: end, LAST: last}
    if status == "续签":
        fields.update({PAST: "10;10", CURRENT: 12})  # low risk, no gap
    assert in_tier("C", fields)["warnings"] == warnings


def test_warnings_in_domain_order_all_at_once() -> None:
    # tier A renewal customer: high risk (past 10;10, current 5), last contact 10-01 (overdue and
    # over 30 days ago), contract ends 12-31 (39 days), decision-maker not reached, profit
    # 1000 × 0.1 − 1000 < 0, regressing, open complaint, promise due 11-01, an unreadable
    # staff count
    row = in_tier(
        "A",
        {
            **RISK_HIGH,
            LAST: d(10, 1),
            END: d(12, 31),
            DM: "否",
            MARGIN: 0.1,
            COST: 1000,
            STAGE: "关系倒退",
            COMPLAINT: "服务",
            PROMISE: "送样品",
            PROMISE_DUE: d(11, 1),
            STAFF: "几个",
        },
    )
    assert row["warnings"] == [
        "overdue_contact",
        "promise_overdue",
        "open_complaint",
        "renewal_risk_high",
        "contract_ending",
        "no_decision_maker",
        "loss_customer",
        "relationship_regressing",
        "data_missing",
    ]


def test_warnings_in_domain_order_no_contact_and_expired() -> None:
    row = in_tier(
        "A",
        {
            **RISK_HIGH,
            END: d(11, 1),
            DM: "否",
            PROFIT: -5,
            STAGE: "中断",
            COMPLAINT: "承诺",
            PROMISE_DUE: d(11, 21),
            PAST: "10;abc",
        },
    )
    # "10;abc" cannot be read → a data problem; without past results: no risk, and a gap
    assert row["warnings"] == [
        "no_contact",
        "promise_overdue",
        "open_complaint",
        "contract_expired",
        "no_decision_maker",
        "loss_customer",
        "relationship_regressing",
        "data_missing",
    ]


# =============================================================================================
# §8 Objective (first that applies)
# =============================================================================================


@pytest.mark.parametrize(
    ("tier", "fields", "objective"),
    [
        (
            "A",
            {
                PROMISE: "送样品",
                PROMISE_DUE: d(11, 1),
                COMPLAINT: "服务",
                **RISK_HIGH,
                INTENT: "有兴趣",
                STAGE: "稳定合作",
            },
            "keep_promise",
        ),
        ("C", {PROMISE_DUE: d(11, 21), STATUS: "断签"}, "keep_promise"),
        (
            "A",
            {
                PROMISE: "送样品",
                PROMISE_DUE: d(11, 22),
                COMPLAINT: "服务",
                **RISK_HIGH,
                INTENT: "有兴趣",
            },
            "resolve_complaint",
        ),  # promise due today is not overdue
        ("C", {COMPLAINT: "习惯性", STATUS: "断签", INTENT: "已报价"}, "resolve_complaint"),
        ("C", {**RISK_HIGH, INTENT: "有兴趣", STAGE: "稳定合作"}, "retain"),
        (
            "C",
            {**RISK_HIGH, CSTAGE: "艰难期", INTENT: "有兴趣"},
            "close",
        ),  # herd → medium: not retain
        ("C", {STATUS: "断签", INTENT: "有兴趣"}, "win_back"),
        ("C", {STATUS: "流失", STAGE: "关系倒退"}, "win_back"),
        ("C", {INTENT: "有兴趣", STAGE: "稳定合作"}, "close"),
        ("C", {INTENT: "已报价未回复"}, "close"),
        ("C", {INTENT: "犹豫", STAGE: "初期合作"}, "learn_needs"),
        ("C", {INTENT: "暂不购买", STAGE: "初期合作"}, "initial"),
        ("C", {INTENT: "肯定不买", STAGE: "客户开发"}, "development"),
        ("C", {STAGE: "开发"}, "development"),
        ("C", {STAGE: "稳定合作"}, "stable"),
        ("C", {STAGE: "战略合作"}, "strategic"),
        ("C", {STAGE: "倒退"}, "regressing"),
        ("C", {PROMISE_DUE: d(12, 1), STAGE: "稳定合作"}, "stable"),
        ("C", {}, "follow_up"),
        ("C", {INTENT: "暂不购买"}, "follow_up"),
        ("C", RISK_MEDIUM, "follow_up"),
    ],
)
def test_objective(tier: str | None, fields: dict[str, Any], objective: str) -> None:
    assert in_tier(tier, fields)["objective"] == objective


# =============================================================================================
# §8 Talking points and suggested questions
# =============================================================================================


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ({STYLE: "老鹰"}, ["高效", "时间", "领先", "竞争优势", "变革", "掌握大局"]),
        ({DECISIVE: "率直", ORIENT: "理性"}, ["高效", "竞争优势"]),
        ({STYLE: "孔雀"}, ["上级认可", "影响力"]),
        ({STYLE: "鸽子"}, ["我保证", "相互信任"]),
        ({STYLE: "猫头鹰"}, ["准确", "不会出现意外", "详细计划", "让数据和事实说话"]),
    ],
)
def test_talking_points_use_the_style_words(fields: dict[str, Any], words: list[str]) -> None:
    points = one(fields)["talking_points"]
    assert isinstance(points, str)
    for word in words:
        assert word in points


def test_talking_points_other_style_words_absent() -> None:
    points = one({STYLE: "猫头鹰"})["talking_points"]
    assert "高效" not in points and "我保证" not in points


@pytest.mark.parametrize(
    ("need", "present"),
    [
        ("隐藏性", ["问题询问", "暗示询问"]),  # implicit: problem and implication questions
        ("明显性", ["需求满足询问"]),  # explicit: need-payoff
        ("不明确", ["状况询问"]),  # unclear: situation questions
    ],
)
def test_questions_by_need(need: str, present: list[str]) -> None:
    questions = one({NEED: need})["questions"]
    assert isinstance(questions, str) and questions
    for word in present:
        assert word in questions


def test_no_need_no_questions() -> None:
    assert null(one({REVENUE: 1})["questions"])


def test_questions_in_english() -> None:
    questions = one({NEED: "隐藏性"}, lang="en")["questions"]
    assert "Implication" in questions
    assert not CJK.search(questions)


FULL = {
    STYLE: "老鹰",
    CSTAGE: "上升期",
    STAGE: "稳定合作",
    INTENT: "有兴趣",
    BUSINESS: "生产型",
    COMPLAINT: "产品",
    PARTY: "经销商",
    REVENUE: 100,
}


def test_talking_points_english_has_no_cjk() -> None:
    # every talking-point source coded: style, motivation, stage, intent, business type,
    # complaint, party type, lifecycle (new)
    row = one({**FULL, STATUS: "新签", NEED: "明显性"}, lang="en")
    points = row["talking_points"]
    assert isinstance(points, str) and points
    assert not CJK.search(points), CJK.findall(points)
    assert "efficiency" in points.lower()  # the eagle's words in English
    assert row["style"] == "eagle" and row["motivation"] == "image"


def test_talking_points_customer_first_then_three_short_approach_lines() -> None:
    # 6/8: what is specific to the customer first (here the complaint and how to handle it),
    # then at most three short lines: style (with its words), motivation, intent
    lines = one(FULL)["talking_points"].splitlines()
    assert lines == [
        "产品投诉未结：先听完，核实问题出在哪里，按政策尽快给方案",
        "【力量型】直入主题，带数据和方案，不闲聊；多用：高效、时间、领先、竞争优势、变革、掌握大局",
        "【建立形象型】多讲我们如何帮他展示企业、提升形象",
        "【有兴趣】加速跟进，尽快推进到下一步",
    ]


def test_talking_points_stage_when_the_intent_is_unknown() -> None:
    lines = one({**FULL, INTENT: None})["talking_points"].splitlines()
    assert lines[-1] == "【稳定合作】保住份额，做高层销售，提升忠诚"
    assert len(lines) == 4


@pytest.mark.parametrize(
    ("fields", "line"),
    [
        # an open promise with its date; overdue → keep it first
        ({PROMISE: "送样品", PROMISE_DUE: d(11, 20)}, "先兑现承诺：送样品（11-20 到期）"),
        ({PROMISE: "送样品", PROMISE_DUE: d(11, 22)}, "承诺：送样品（11-22 到期）"),
        ({PROMISE: "送样品", PROMISE_DUE: d(1, 5, 2027)}, "承诺：送样品（2027-01-05 到期）"),
        ({PROMISE: "送样品"}, "承诺：送样品"),
        # the contract's end: within the contract_ending window (90 days) for new and renewal
        ({STATUS: "续约", END: d(2, 20, 2027)}, "合同 2027-02-20 到期，提前谈续约"),
        ({STATUS: "新签", END: d(11, 22)}, "合同 2026-11-22 到期，提前谈续约"),
        ({STATUS: "续约", END: d(11, 21)}, "合同已于 2026-11-21 到期"),
        # each complaint type names its own handling
        ({COMPLAINT: "服务"}, "服务投诉未结：先真诚道歉，约定回复时间并按时回复"),
        ({COMPLAINT: "优惠"}, "优惠投诉未结：说明优惠按用量定，给不了就委婉说不，有新优惠先通知他"),
    ],
)
def test_talking_points_specific_lines(fields: dict[str, Any], line: str) -> None:
    points = one({REVENUE: 100, **fields})["talking_points"]
    assert points.splitlines()[0] == line


@pytest.mark.parametrize(
    "fields",
    [
        {STATUS: "续约", END: d(2, 21, 2027)},  # 91 days: not yet
        {STATUS: "新签", END: d(11, 21)},  # a new customer's past end is not "expired"
        {STATUS: "断签", END: d(12, 1)},  # lapsed: no contract to talk about
    ],
)
def test_talking_points_no_contract_line(fields: dict[str, Any]) -> None:
    points = one({REVENUE: 100, **fields})["talking_points"] or ""
    assert "合同" not in points


def test_talking_points_name_the_promise_in_english() -> None:
    points = one({REVENUE: 1, PROMISE: "samples", PROMISE_DUE: d(11, 20)}, lang="en")
    assert points["talking_points"].splitlines()[0] == "Keep the promise first: samples (due 11-20)"


def test_talking_points_leave_the_long_texts_to_the_legend() -> None:
    # business type, party type and the general complaint handling are in the Legend, not in
    # every cell (6/8); the Legend is checked in tests/io/test_legend.py
    points = one(FULL)["talking_points"]
    assert "生产型" not in points and "知遇之情" not in points and "独享尊贵" not in points


def test_talking_points_average_at_most_250_characters_on_the_sample() -> None:
    # 6/8 target: ≤ 250 characters on the sample ledger (before: 443 on average, up to 696)
    from kqexcel.io.ledger import read_ledger
    from kqexcel.rules import load_rules

    rules = load_rules()
    sample = Path(__file__).parents[2] / "templates" / "sample_ledger.xlsx"
    table = make_plan(read_ledger(sample, rules), rules, as_of=d(11, 30)).table
    lengths = [len(x or "") for x in table["talking_points"]]
    assert sum(lengths) / len(lengths) <= 250
    assert all(x for x in table["talking_points"])  # every customer gets some


# ---------------------------------------------------------------- ranking (§2, §3 tie-break)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from([0.0, 1.0, 2.5, -1.0, 7.0]),
            st.one_of(
                st.none(), st.sampled_from(["C2", "C10", "A", "b", "C1"]), st.integers(0, 20)
            ),
        ),
        max_size=40,
    )
)
def test_rank_order_is_value_descending_then_id_as_text_then_row(
    rows: list[tuple[float, Any]],
) -> None:
    from kqexcel.core.classify import rank_order

    values = pd.Series([v for v, _ in rows], dtype=float)
    ids = pd.Series([i for _, i in rows], dtype=object)
    expected = sorted(
        range(len(rows)),
        key=lambda k: (
            -rows[k][0],
            rows[k][1] is None,
            "" if rows[k][1] is None else str(rows[k][1]),
            k,
        ),
    )
    assert rank_order(values, ids).tolist() == expected
