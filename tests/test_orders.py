"""DOMAIN.md §11 and §14: the orders sheet — read, linked, scored as the rfm package of R scores
customers, and carried into every output. Rule tables straight from the domain text; the
quantile scoring checked against a line-by-line transcription of the rfm package's binning."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path
from typing import Any

import numpy as np
import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kqexcel import formulas as F
from kqexcel.cli import cli
from kqexcel.core import orders as O
from kqexcel.core.customer_file import attach
from kqexcel.core.ledger import ledger_from_rows, records_from_rows
from kqexcel.core.plan import make_plan
from kqexcel.io.display import is_missing
from kqexcel.io.templates import build_ledger_template
from kqexcel.rules import check_rules, load_rules
from tests.conftest import data_problems, workbook
from tests.conftest import plan_row as row

RULES = load_rules()
AS_OF = dt.date(2026, 11, 30)
D = dt.date
CUSTOMER_HEADER = ["客户编号", "客户名称", "客户经理", "年销售额", "最近联系日期"]
ORDER_HEADER = ["客户编号", "订单日期", "金额"]


def ledger_rows(customers: list[tuple[Any, ...]]) -> list[list[Any]]:
    """(id, revenue[, last contact]) per customer, named 客户<id>."""
    rows = [CUSTOMER_HEADER]
    for c in customers:
        cid, revenue, *rest = c
        rows.append([cid, f"客户{cid}", "张伟", revenue, rest[0] if rest else D(2026, 11, 20)])
    return rows


def plan_of(
    customers: list[tuple[Any, ...]],
    orders: list[list[Any]] | None,
    rules: Any = RULES,
    as_of: dt.date = AS_OF,
    header: list[str] = ORDER_HEADER,
):
    ledger = ledger_from_rows(ledger_rows(customers), rules, "f.xlsx", "客户台账")
    sheet = None
    if orders is not None:
        sheet = records_from_rows([header, *orders], rules, "orders", "f.xlsx", "订单")
    return make_plan(attach(ledger, {"orders": sheet}), rules, as_of)


# --------------------------------------------------------------------------- the rfm package


def rfm_package_scores(values: list[float], bins: int, recency: bool) -> list[int]:
    """The rfm package's binning, transcribed line by line (R/rfm_score.R and R/utils.R):
    breaks = quantile(x, seq(0, 1, length.out = bins + 1))[-c(1, bins + 1)] + 1;
    lower = c(min(x), breaks); upper = c(breaks, max(x) + 1); for i in 1:bins,
    score[x >= lower[i] & x < upper[i]] <- i (recency: rev(1:bins)[i])."""
    x = np.asarray(values, dtype=float)
    breaks = r_quantile_type7(x, [k * (1 / bins) for k in range(1, bins)]) + 1
    lower = np.r_[x.min(), breaks]
    upper = np.r_[breaks, x.max() + 1]
    score = np.zeros(len(x), dtype=int)
    labels = list(range(bins, 0, -1)) if recency else list(range(1, bins + 1))
    for i in range(bins):
        score[(x >= lower[i]) & (x < upper[i])] = labels[i]
    return score.tolist()


def r_quantile_type7(x: np.ndarray, probs: list[float]) -> np.ndarray:
    """R's quantile.default, type 7, transcribed: index <- 1 + (n - 1) * probs; lo <- floor;
    hi <- ceiling; qs <- x[lo]; i <- which(index > lo & x[hi] != qs); h <- (index - lo)[i];
    qs[i] <- (1 - h) * qs[i] + h * x[hi[i]]. (seq(0, 1, length.out = 6) is k * 0.2, so its
    fourth value is 0.6000000000000001, as here.)"""
    xs = sorted(x.tolist())
    out = []
    for p in probs:
        index = 1 + (len(xs) - 1) * p
        lo, hi = int(np.floor(index)), int(np.ceil(index))
        qs = xs[lo - 1]
        if index > lo and xs[hi - 1] != qs:
            h = index - lo
            qs = (1 - h) * qs + h * xs[hi - 1]
        out.append(qs)
    return np.array(out)


def test_a_value_on_a_break_by_r_arithmetic() -> None:
    # 10 customers with one order, 6 with two: R's q(0.6) is 1.000000000000002 (3 × 0.2 is
    # 0.6000000000000001), so the break is just above 2 and two orders score 3, not 4
    frequency = np.array([1.0] * 10 + [2.0] * 6)
    got = O.rfm(np.zeros(16), frequency, np.ones(16), RULES)
    assert got["f_score"].tolist() == [1.0] * 10 + [3.0] * 6


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 800),  # recency
            st.integers(1, 12),  # frequency
            st.floats(-1000, 1e6, allow_nan=False, allow_infinity=False),  # monetary
        ),
        min_size=2,
        max_size=60,
    )
)
def test_the_scores_are_the_rfm_packages(rows: list[tuple[int, int, float]]) -> None:
    r, f, m = (np.array(column, dtype=float) for column in zip(*rows, strict=True))
    got = O.rfm(r, f, m, RULES)
    assert got["r_score"].astype(int).tolist() == rfm_package_scores(list(r), 5, recency=True)
    assert got["f_score"].astype(int).tolist() == rfm_package_scores(list(f), 5, recency=False)
    assert got["m_score"].astype(int).tolist() == rfm_package_scores(list(m), 5, recency=False)
    score = 100 * got["r_score"] + 10 * got["f_score"] + got["m_score"]
    assert got["rfm_score"].tolist() == score.tolist()


def test_breaks_that_coincide_leave_empty_bins() -> None:
    # §11: many customers with one order: q1 … q4 of [1]*8 + [2, 3] are 1, 1, 1, 1.4 → breaks 2,
    # 2, 2, 2.4: one order scores 1, two orders pass three breaks (4), three all four (5)
    frequency = np.array([1] * 8 + [2, 3], dtype=float)
    got = O.rfm(np.zeros(10), frequency, np.ones(10), RULES)
    assert got["f_score"].tolist() == [1.0] * 8 + [4.0, 5.0]
    assert not set(got["f_score"]) & {2.0, 3.0}  # the empty bins


def test_fewer_than_two_customers_have_no_scores() -> None:
    got = O.rfm(np.array([5.0]), np.array([3.0]), np.array([100.0]), RULES)
    assert got[["r_score", "f_score", "m_score", "rfm_score"]].isna().all(axis=None)
    assert got["rfm_segment"].tolist() == [None] and got["urgent"].tolist() == [False]


# (R, F, M) → segment: the first row of the default table holding the scores (§11)
SEGMENTS = [
    ((5, 5, 5), "champions"),
    ((5, 5, 4), "potential_loyalist"),  # not 5–5 M: the next row
    ((3, 3, 2), "potential_loyalist"),
    ((2, 2, 2), "loyal"),
    ((4, 2, 2), "loyal"),  # loyal comes before promising (M 2 is not 3–5 anyway)
    ((3, 1, 3), "promising"),
    ((4, 1, 1), "new"),
    ((5, 2, 1), "new"),
    ((1, 3, 4), "cant_lose"),
    ((2, 4, 5), "cant_lose"),
    ((1, 2, 4), "at_risk"),
    ((1, 5, 5), "at_risk"),
    ((1, 3, 3), "need_attention"),
    ((3, 5, 3), "potential_loyalist"),  # 3–5, 3–5, 2–5 comes first
    ((2, 1, 1), "about_to_sleep"),
    ((3, 1, 1), "about_to_sleep"),
    ((1, 1, 1), "lost"),
    ((1, 1, 5), "lost"),
    ((2, 1, 5), "others"),  # no row holds R2 F1 M5
    ((5, 4, 1), "others"),
]


@pytest.mark.parametrize(("scores", "segment"), SEGMENTS)
def test_the_default_segment_table(scores: tuple[int, int, int], segment: str) -> None:
    r, f, m = (np.array([float(s)]) for s in scores)
    import pandas as pd

    codes, urgent = O.segments(pd.Series(r), pd.Series(f), pd.Series(m), RULES)
    assert codes.tolist() == [segment]
    assert urgent.tolist() == [segment in ("cant_lose", "at_risk")]


def test_a_company_replaces_the_segment_table_and_renames_one(tmp_path: Path) -> None:
    path = tmp_path / "company.toml"
    path.write_text(
        "[[rfm.segments]]\n"
        'code = "vip"\nr = [4, 5]\nf = [4, 5]\nm = [1, 5]\nurgent = true\n\n'
        "[[rfm.segments]]\n"
        'code = "lost"\nr = [1, 3]\nf = [1, 5]\nm = [1, 5]\n\n'
        "[codes.rfm_segment.vip]\n"
        'zh = "大客户"\nen = "VIP"\nsynonyms = []\n\n'
        "[codes.rfm_segment.lost]\n"
        'zh = "沉睡客户"\n',
        encoding="utf-8",
    )
    rules = load_rules(path)
    import pandas as pd

    scores = [pd.Series([5.0, 2.0, 5.0]), pd.Series([5.0, 1.0, 1.0]), pd.Series([1.0, 1.0, 1.0])]
    codes, urgent = O.segments(*scores, rules)
    assert codes.tolist() == ["vip", "lost", "others"] and urgent.tolist() == [True, False, False]
    assert rules.label("rfm_segment", "lost", "zh") == "沉睡客户"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[rfm]\nmethod = "median"\n', "'rfm.method' must be one of quantile, fixed"),
        ("[rfm]\nbins = 4\n", "'rfm.segments[1].r': the range [5, 5] lies outside the scores"),
        (
            '[[rfm.segments]]\ncode = "x"\nr = [3, 2]\nf = [1, 5]\nm = [1, 5]\n',
            "'rfm.segments[1].r' must be a range of two whole numbers",
        ),
        (
            '[[rfm.segments]]\ncode = "x"\nr = [1, 5]\nf = [1, 5]\n',
            "segment 'rfm.segments[1]' has no 'm'",
        ),
        (
            '[[rfm.segments]]\ncode = "nobody"\nr = [1, 5]\nf = [1, 5]\nm = [1, 5]\n',
            "segment nobody has no label; add [codes.rfm_segment.nobody]",
        ),
        ('[rfm]\nmethod = "fixed"\nfixed_breaks = { recency = [1, 2] }\n', "4 rising numbers"),
        ('[rfm]\nfixed_breaks = { frequency = [1, "a"] }\n', "must be a list of numbers"),
        ("[rfm]\nsegments = 3\n", "must be a segment table"),
    ],
)
def test_rules_check_names_a_bad_rfm_setting(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "company.toml"
    path.write_text(text, encoding="utf-8")
    found = check_rules(path)
    said = " | ".join(e.text("en") for e in found.errors)
    assert message in said


def test_fixed_breaks_score_as_given(tmp_path: Path) -> None:
    path = tmp_path / "company.toml"
    path.write_text(
        '[rfm]\nmethod = "fixed"\n'
        "fixed_breaks = { recency = [30, 60, 90, 180], frequency = [2, 3, 5, 10],"
        " monetary = [100, 200, 300, 400] }\n",
        encoding="utf-8",
    )
    rules = load_rules(path)
    got = O.rfm(
        np.array([10.0, 60.0, 400.0]), np.array([1.0, 5.0, 20.0]), np.array([99.0] * 3), rules
    )
    assert got["r_score"].tolist() == [5.0, 3.0, 1.0]  # 60 passes 30 and 60: 5 − 2
    assert got["f_score"].tolist() == [1.0, 4.0, 5.0]
    # fixed breaks mean something for one customer too
    one = O.rfm(np.array([10.0]), np.array([1.0]), np.array([150.0]), rules)
    assert one["rfm_score"].tolist() == [512.0]


# --------------------------------------------------------------------------- the plan


def test_recency_frequency_monetary_and_the_rationale_shows_the_numbers() -> None:
    orders = [
        ["1", D(2026, 5, 9), 100],
        ["1", D(2026, 5, 9), 72],  # two orders on one day: two orders, a gap of 0
        ["1", D(2026, 1, 5), 300],
        ["2", D(2026, 11, 20), 50],
        ["2", D(2026, 12, 5), 9999],  # after as_of: skipped, not a problem
        ["3", D(2025, 1, 1), 10],
    ]
    plan = plan_of([("1", 1000), ("2", 500), ("3", 100)], orders)
    one = row(plan, "1")
    assert one["last_order"] == dt.datetime(2026, 5, 9) and not data_problems(plan.problems)
    # recency 205, 10, 698 → R breaks at the quantiles + 1; F 3, 1, 1; M 472, 50, 10
    # R: breaks 89, 167, 304.6, 501.8 → 205 passes two: 5 − 2 = 3; F: breaks 2, 2, 2.4, 3.2 → 3
    # passes three: 4; M: breaks 27, 43, 135.4, 304.2 → 472 passes all four: 5
    assert one["rfm_score"] == 345
    note = one["_notes"]["rfm_segment"]
    assert "R3 F4 M5：最近下单 205 天前（2026-05-09），3 单，合计 472" in note
    assert row(plan, "2")["last_order"] == dt.datetime(2026, 11, 20)


def test_a_return_counts_as_an_order_and_is_no_problem() -> None:
    orders = [["1", D(2026, 10, 1), 500], ["1", D(2026, 10, 9), "-120"], ["2", D(2026, 9, 1), 80]]
    plan = plan_of([("1", None), ("2", 100)], orders)
    facts = O.facts(plan_ledger([("1", None), ("2", 100)], orders), RULES, AS_OF)[0]
    assert facts.loc[0, "frequency"] == 2 and facts.loc[0, "monetary"] == 380
    assert not data_problems(plan.problems)


def plan_ledger(customers: list[tuple[Any, ...]], orders: list[list[Any]]):
    ledger = ledger_from_rows(ledger_rows(customers), RULES, "f.xlsx", "客户台账")
    sheet = records_from_rows([ORDER_HEADER, *orders], RULES, "orders", "f.xlsx", "订单")
    return attach(ledger, {"orders": sheet})


def test_fewer_than_two_customers_with_orders_say_why_and_warn_nothing() -> None:
    plan = plan_of([("1", 100), ("2", 100)], [["1", D(2026, 1, 1), 10]])
    one = row(plan, "1")
    assert is_missing(one["rfm_score"]) and is_missing(one["rfm_segment"])
    assert "RFM 未评分：只有 1 位客户有订单" in one["_notes"]["rfm_segment"]
    assert row(plan, "2")["_notes"]["rfm_segment"].startswith("RFM：订单表里没有这位客户的订单")
    assert one["warnings"] == [] or "order_gap" not in one["warnings"]


def test_revenue_from_the_orders_of_the_window_when_the_ledger_has_none() -> None:
    orders = [
        ["1", D(2025, 12, 1), 400],  # day 364 before as_of: in the window
        ["1", D(2025, 11, 30), 1000],  # day 365: outside
        ["2", D(2026, 6, 1), 700],  # the ledger's revenue wins
    ]
    plan = plan_of([("1", None), ("2", 50), ("3", None)], orders)
    one, two = row(plan, "1"), row(plan, "2")
    assert "台账没填年销售额，取自订单：近 365 天的订单合计 400" in one["_notes"]["tier"]
    assert one["tier"] == "A"  # 400 of 450 in total
    assert "取自订单" not in two["_notes"]["tier"]
    assert is_missing(row(plan, "3")["tier"])  # no orders: no revenue, as before


# order_gap (≥ 3 orders, days since the latest > 2 × median gap) — §11
@pytest.mark.parametrize(
    ("dates", "gap"),
    [
        ([D(2026, 8, 1), D(2026, 9, 1), D(2026, 10, 1)], False),  # 60 days < 2 × 30.5
        ([D(2026, 7, 1), D(2026, 8, 1), D(2026, 9, 1)], True),  # 90 > 2 × 31
        ([D(2026, 1, 1), D(2026, 8, 1)], False),  # two orders: never
        ([D(2026, 11, 29)] * 3, True),  # median gap 0, one day since: > 0
        ([D(2026, 11, 30)] * 3, False),  # ordered on as_of: 0 is not > 0
    ],
)
def test_order_gap(dates: list[dt.date], gap: bool) -> None:
    orders = [["1", d, 10] for d in dates] + [["2", D(2026, 11, 1), 5]]
    plan = plan_of([("1", 100), ("2", 100)], orders)
    assert ("order_gap" in row(plan, "1")["warnings"]) is gap


# revenue_drop (tier A; last 365 days < 0.7 × the 365 before, which has orders) — §11
@pytest.mark.parametrize(
    ("last", "before", "tier_a", "drop"),
    [
        (69, 100, True, True),
        (70, 100, True, False),  # exactly 0.7: not below
        (0, 100, True, True),
        (69, None, True, False),  # no orders the year before
        (69, 100, False, False),  # not tier A
    ],
)
def test_revenue_drop(last: int, before: int | None, tier_a: bool, drop: bool) -> None:
    orders = [["1", D(2026, 3, 1), last]]
    if before is not None:
        orders.append(["1", D(2025, 3, 1), before])
    orders.append(["2", D(2026, 3, 1), 1])
    revenue = 1000 if tier_a else 1
    plan = plan_of([("1", revenue), ("2", 2000 if not tier_a else 1)], orders)
    one = row(plan, "1")
    assert (one["tier"] == "A") is tier_a
    assert ("revenue_drop" in one["warnings"]) is drop
    if drop:
        assert "销售下滑：近 365 天下单" in one["_notes"]["rfm_segment"]


def test_an_urgent_segment_shortens_the_interval_and_adds_points() -> None:
    # customer 1: long ago, often and much → cant_lose or at_risk (urgent)
    orders = [["1", D(2025, 1, d), 1000] for d in range(1, 10)]
    orders += [["2", D(2026, 11, 20), 1], ["3", D(2026, 11, 25), 2], ["4", D(2026, 10, 1), 3]]
    customers = [(c, 0, D(2026, 11, 28)) for c in "1234"]  # all tier C: 30 days
    plan = plan_of(customers, orders)
    one = row(plan, "1")
    assert one["rfm_segment"] in ("cant_lose", "at_risk")
    # C's 30 days shortened to 7: 12-05, a Saturday, moves to the Monday (§12)
    assert one["next_contact"] == dt.datetime(2026, 12, 7)
    assert "RFM 紧急分群 7 天" in one["_notes"]["next_contact"]
    assert "RFM 紧急分群 10" in one["_notes"]["priority"]
    assert row(plan, "2")["next_contact"] == dt.datetime(2026, 12, 28)


def test_bad_orders_are_problems_with_their_place_and_the_rest_is_read() -> None:
    orders = [
        ["1", D(2026, 10, 1), "一百"],  # unreadable amount
        ["9", D(2026, 10, 1), 5],  # no such customer
        ["1", None, 5],  # no date
        ["1", D(2026, 10, 2), None],  # no amount
        ["1", D(2026, 10, 3), "1.5万"],
        ["2", D(2026, 10, 3), "¥1,200"],
    ]
    plan = plan_of([("1", 100), ("2", 100)], orders)
    said = {(p.row, p.column, p.reason) for p in data_problems(plan.problems)}
    assert said == {
        (2, "金额 (C)", "not_money"),
        (3, "客户编号 (A)", "no_such_customer"),
        (4, "订单日期 (B)", "missing_order_date"),
        (5, "金额 (C)", "missing_amount"),
    }
    facts = O.facts(plan_ledger([("1", 100), ("2", 100)], orders), RULES, AS_OF)[0]
    assert facts["monetary"].tolist() == [15000, 1200]


def test_an_amount_headed_in_wan_is_scaled() -> None:
    header = ["客户编号", "订单日期", "金额（万元）"]
    plan = plan_of(
        [("1", None), ("2", 1)],
        [["1", D(2026, 10, 1), 1.5], ["2", D(2026, 10, 1), 1]],
        header=header,
    )
    assert "合计 15,000" in row(plan, "1")["_notes"]["rfm_segment"]


def test_without_an_orders_sheet_every_result_is_as_before() -> None:
    customers = [("1", 100), ("2", None)]
    plan = plan_of(customers, None)
    for key in ("last_order", "rfm_score", "rfm_segment"):
        assert all(is_missing(v) for v in plan.table[key])
    assert all(n is None for n in plan.notes["rfm_segment"])


# --------------------------------------------------------------------------- the doors


CUSTOMERS = ledger_rows([("K1", None), ("K2", 300), ("K3", 200)])
ORDERS = [
    ["客户名称", "下单日期", "销售金额", "商品名称"],
    ["客户K1", D(2026, 9, 1), 1000, "A"],  # by name
    ["客户K2", D(2026, 11, 1), 200, "B"],
    ["客户K3", D(2026, 3, 1), 50, "B"],
]


def test_an_orders_sheet_found_by_its_header_and_the_json_fields(tmp_path: Path, runner) -> None:
    path = workbook(tmp_path / "f.xlsx", {"客户台账": CUSTOMERS, "Sheet2": ORDERS})
    result = runner.invoke(cli, ["plan", str(path), "--format", "json", "--as-of", "2026-11-30"])
    assert result.exit_code == 0, result.output
    assert "读取 f.xlsx / Sheet2" in result.stderr and "B 下单日期" in result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    first = records[0]
    keys = list(first)
    assert keys[keys.index("levels_covered") + 1 : keys.index("rationale")] == [
        "last_order",
        "rfm_score",
        "rfm_segment",
    ]
    assert first["last_order"] == "2026-09-01" and isinstance(first["rfm_score"], int)
    assert first["tier"] == "A"  # revenue 1000 from the orders


def test_orders_given_apart_as_a_gbk_csv(tmp_path: Path, runner) -> None:
    ledger = workbook(tmp_path / "f.xlsx", {"客户台账": CUSTOMERS})
    csv_path = tmp_path / "ERP销售明细.csv"
    with csv_path.open("w", encoding="gbk", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(["客户编号", "单据日期", "价税合计"])
        writer.writerow(["K1", "2026/10/08", "￥12,000.00"])
        writer.writerow(["K2", "2026/11/08", "3,000"])
        writer.writerow(["K3", "2026/11/18", "—"])
    result = runner.invoke(
        cli,
        [
            "plan",
            str(ledger),
            "--orders",
            str(csv_path),
            "--format",
            "csv",
            "--as-of",
            "2026-11-30",
        ],
    )
    assert result.exit_code == 1  # the unreadable amount is a data problem
    rows = list(csv.DictReader(result.stdout.splitlines()))
    assert [r["最近下单"] for r in rows] == ["2026-10-08", "2026-11-08", ""]
    assert "ERP销售明细.csv" in result.stderr and "价税合计 (C)" in result.stderr


def test_the_plan_sheet_carries_the_columns_and_the_legend_the_segments(tmp_path: Path, runner):
    path = workbook(tmp_path / "f.xlsx", {"客户台账": CUSTOMERS, "订单": ORDERS})
    out = tmp_path / "plan.xlsx"
    result = runner.invoke(cli, ["plan", str(path), "-o", str(out), "--as-of", "2026-11-30"])
    assert result.exit_code == 0, result.output
    wb = openpyxl.load_workbook(out)
    ws = wb["跟进计划"]
    header = [c.value for c in ws[1]]
    at = header.index("最近下单")
    assert header[at : at + 3] == ["最近下单", "RFM得分", "RFM分群"]
    assert ws.cell(2, at + 1).value == dt.datetime(2026, 9, 1)
    assert ws.cell(2, at + 1).number_format == "yyyy-mm-dd"
    assert isinstance(ws.cell(2, at + 2).value, int)
    legend = [c.value for c in wb["说明"]["A"] if c.value]
    for label in ("核心客户", "不能失去", "流失风险", "已流失", "订单断档", "销售下滑"):
        assert label in legend


def test_kq_rfm_agrees_with_the_plan() -> None:
    customers = [(f"C{i}", 10) for i in range(8)]
    orders = [
        [f"C{i}", D(2026, 1 + (i * 5 + k) % 11, 1 + k), 100 * i + k - 3]
        for i in range(8)
        for k in range(i % 4 + 1)
    ]
    plan = plan_of(customers, orders)
    got = F.rfm(
        [c for c, _ in customers],
        [o[0] for o in orders],
        [o[1] for o in orders],
        [o[2] for o in orders],
        AS_OF.isoformat(),
    )
    labels = {c: RULES.label("rfm_segment", c, "zh") for c in RULES["codes"]["rfm_segment"]}
    for (cid, _), spilled in zip(customers, got, strict=True):
        r = row(plan, cid)
        assert spilled[6] == r["rfm_score"] and spilled[7] == labels[r["rfm_segment"]]
        assert len(spilled) == 8


def test_kq_rfm_says_what_is_wrong() -> None:
    with pytest.raises(Exception, match="行数"):
        F.rfm(["A"], ["A", "A"], [D(2026, 1, 1)], [1])
    assert F.rfm(["A", "B"], ["A"], [D(2026, 1, 1)], [1], "2026-11-30")[1] == [None] * 8


def test_the_ledger_template_has_an_orders_sheet() -> None:
    wb = build_ledger_template(RULES, "zh")
    ws = wb["订单"]
    assert [c.value for c in ws[1]] == ["客户编号", "客户名称", "订单日期", "金额", "产品"]
    checks = {str(dv.sqref).split(":")[0]: dv for dv in ws.data_validations.dataValidation}
    assert checks["A2"].formula1 == "kq_customer_ids"
    assert checks["C2"].type == "date" and checks["D2"].type == "decimal"
    assert "kq_orders" in wb.defined_names
