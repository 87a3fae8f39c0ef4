"""DOMAIN.md §13: what a manager watches in the month — owner changes, the public pool (公海),
the same customer of two owners (撞单), coverage, escalation — rule tables from the domain text,
and `kq report` runs checked for their JSON and exit codes."""

from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kqexcel.cli import cli
from kqexcel.core.customer_file import attach
from kqexcel.core.ledger import ledger_from_rows, records_from_rows
from kqexcel.errors import LedgerError
from kqexcel.report import (
    build_report,
    coverage,
    default_as_of,
    escalations,
    month_figures,
    name_key,
    owner_changes,
    reclaim,
    same_customer,
    tier_changes,
)
from kqexcel.rules import load_rules
from tests.conftest import workbook

RULES = load_rules()
SUFFIXES = RULES.numbers.report.company_suffixes
MONTH = "2026-11"
AS_OF = dt.date(2026, 11, 30)
D = dt.date
HEADER = ["客户编号", "客户名称", "客户经理", "年销售额", "最近联系日期", "签约状态"]
LOG_HEADER = ["客户编号", "跟进日期", "跟进方式"]


def ledger(rows: list[list[Any]], file: str = "a.xlsx", log: list[list[Any]] | None = None):
    customers = ledger_from_rows([HEADER, *rows], RULES, file, "客户台账")
    if log is None:
        return customers
    sheet = records_from_rows([LOG_HEADER, *log], RULES, "log", file, "跟进记录")
    return attach(customers, {"log": sheet})


def report_of(*ledgers, previous: pd.DataFrame | None = None, as_of: dt.date = AS_OF):
    return build_report([(lg.file, lg) for lg in ledgers], RULES, MONTH, as_of, previous=previous)


def previous_of(rows: list[tuple[Any, ...]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["customer_id", "name", "owner", "tier"])


def _report(runner, folder: Path, month: str, out: Path, *extra: str) -> None:
    result = runner.invoke(cli, ["report", str(folder), "--month", month, "-o", str(out), *extra])
    assert result.exit_code == 0, result.output


# ------------------------------------------------------------------------ same customer


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("华鼎机械制造有限公司", "华鼎机械制造"),
        ("华鼎机械制造", "华鼎机械制造"),
        ("华鼎集团有限公司", "华鼎"),  # repeatedly: 有限公司, then 集团
        ("华鼎机械 (集团) 股份有限公司", "华鼎机械集团"),  # the suffix must be at the end
        ("ABC Co., Ltd.", "abc"),  # the comma and space before a suffix go with it
        ("ＡＢＣ　Inc.", "abc"),  # NFKC: full-width letters and space
        ("Costco", "costco"),  # "co" is no suffix: only "Co." is
        ("美家·家居", "美家家居"),  # punctuation (P) removed
        ("公司", "公司"),  # only a suffix: kept
        (None, ""),
    ],
)
def test_name_key_follows_domain_13(name: Any, key: str) -> None:
    assert name_key(name, SUFFIXES) == key


def test_same_name_of_two_owners_is_one_group_with_every_customer() -> None:
    one = ledger([["1", "华鼎机械制造有限公司", "张伟", 100, D(2026, 11, 1), "续签"]], "a.xlsx")
    two = ledger([["2", "华鼎机械制造", "李娜", 50, D(2026, 11, 1), "续签"]], "b.xlsx")
    groups = same_customer(report_of(one, two))
    assert groups == [
        {
            "key": "华鼎机械制造",
            "customers": [
                {
                    "customer_id": "1",
                    "name": "华鼎机械制造有限公司",
                    "owner": "张伟",
                    "file": "a.xlsx",
                },
                {"customer_id": "2", "name": "华鼎机械制造", "owner": "李娜", "file": "b.xlsx"},
            ],
        }
    ]


def test_same_name_of_one_owner_is_no_conflict_and_a_shared_id_joins() -> None:
    mine = ledger(
        [
            ["1", "甲公司", "张伟", 100, None, None],
            ["2", "甲", "张伟", 100, None, None],
            ["3", "乙", "张伟", 100, None, None],
        ]
    )
    theirs = ledger([["3", "丙", "李娜", 10, None, None]], "b.xlsx")  # id 3 again, another name
    groups = same_customer(report_of(mine, theirs))
    assert [(g["key"], [c["customer_id"] for c in g["customers"]]) for g in groups] == [
        ("乙", ["3", "3"])
    ]


def _same_customer_one_by_one(report: Any) -> list[dict[str, Any]]:
    """The first same_customer (7/8), every customer a dict: the reference the columnar one
    must equal."""
    from kqexcel.report import _plain, owner_key

    rows = pd.concat(report.customers, ignore_index=True).to_dict("records")
    keys = [name_key(r["name"], SUFFIXES) for r in rows]
    parent = list(range(len(rows)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    first: dict[tuple[str, str], int] = {}
    for i, r in enumerate(rows):
        cid = _plain(r["customer_id"])
        for token in (("name", keys[i]) if keys[i] else None, ("id", str(cid)) if cid else None):
            if token is None:
                continue
            if token in first:
                parent[find(i)] = find(first[token])
            else:
                first[token] = i
    groups: dict[int, list[int]] = {}
    for i in range(len(rows)):
        groups.setdefault(find(i), []).append(i)
    out = []
    for members in groups.values():
        owners = {owner_key(rows[i]["owner"]) for i in members} - {""}
        if len(members) < 2 or len(owners) < 2:
            continue
        key = next((keys[i] for i in members if keys[i]), str(_plain(rows[members[0]]["name"])))
        customers = [
            {
                "customer_id": _plain(rows[i]["customer_id"]),
                "name": _plain(rows[i]["name"]),
                "owner": _plain(rows[i]["owner"]),
                "file": rows[i]["_file"],
            }
            for i in members
        ]
        out.append({"key": key, "customers": customers})
    return sorted(out, key=lambda g: g["key"])


NAMES = ["华鼎机械制造有限公司", "华鼎机械制造", "华鼎 机械", "甲公司", "甲", "有限公司", "", None]
NAMES += [1, 1.0, "1", float("nan"), "Acme Co., Ltd.", "ACME"]


@given(
    st.lists(
        st.lists(
            st.tuples(
                st.sampled_from(["1", "2", "3", 3, 0, None, "", float("nan")]),
                st.sampled_from(NAMES),
                st.sampled_from(["张伟", "李娜", " 张伟 ", "", None]),
            ),
            max_size=8,
        ),
        min_size=1,
        max_size=4,
    )
)
@settings(max_examples=300, deadline=None)
def test_same_customer_by_columns_equals_one_by_one(files: list[list[tuple[Any, Any, Any]]]):
    """The columnar 撞单 (only customers sharing a name key or an id looked at one by one)
    finds the groups, in the order and with the keys, of the first one-by-one version."""
    from types import SimpleNamespace

    frames = [
        pd.DataFrame(
            [(cid, name, owner, f"f{k}.xlsx", 3 + i) for i, (cid, name, owner) in enumerate(rows)],
            columns=["customer_id", "name", "owner", "_file", "_row"],
            dtype=object,
        )
        for k, rows in enumerate(files)
    ]
    report = SimpleNamespace(customers=frames, rules=RULES)
    assert same_customer(report) == _same_customer_one_by_one(report)  # type: ignore[arg-type]


# ------------------------------------------------------------------------------ the pool


@pytest.mark.parametrize(
    ("status", "revenue", "days_ago", "listed", "days_left", "notice"),
    [
        # tier C alone beside a big A: limit 90 (pool.days.C); B 60; A 30
        ("潜在", 1, 83, True, 7, True),  # 90 − 83 = 7: pre-warned
        ("潜在", 1, 82, False, None, None),  # 8 days left: not yet listed
        ("潜在", 1, 90, True, 0, False),  # at the limit: listed, no longer a notice
        ("潜在", 1, 120, True, -30, False),  # past the limit
        ("断签", 1, 89, True, 1, True),
        ("未知", 1, 85, True, 5, True),
        (None, 1, 85, True, 5, True),  # no status is unknown
        ("新签", 1, 200, False, None, None),  # under contract: never to the pool
        ("续签", 1, 200, False, None, None),
        ("潜在", 1, None, True, 0, False),  # never contacted: days_since null, 0 left
    ],
)
def test_reclaim_candidates(status, revenue, days_ago, listed, days_left, notice) -> None:
    last = None if days_ago is None else AS_OF - dt.timedelta(days=days_ago)
    rows = [
        ["A1", "大客户", "张伟", 100_000, AS_OF, "续签"],
        ["X", "客户", "李娜", revenue, last, status],
    ]
    pool = {r["customer_id"]: r for r in reclaim(report_of(ledger(rows)))}
    assert ("X" in pool) is listed
    if listed:
        assert pool["X"]["days_left"] == days_left
        assert pool["X"]["notice"] is notice
        assert pool["X"]["days_since_contact"] == days_ago
        assert pool["X"]["tier"] == "C" and pool["X"]["owner"] == "李娜"


@pytest.mark.parametrize(("tier", "limit"), [("A", 30), ("B", 60), ("C", 90)])
def test_the_pool_limit_is_the_tiers(tier: str, limit: int) -> None:
    # revenue 80 / 15 / 5: A, B and C by the 20/80 rule (DOMAIN §2)
    ages = {"A": 27, "B": 57, "C": 87}  # each 3 days before its own limit
    rows = [
        [code, f"客户{code}", "张伟", revenue, AS_OF - dt.timedelta(days=ages[code]), "潜在"]
        for code, revenue in (("A", 80), ("B", 15), ("C", 5))
    ]
    report = report_of(ledger(rows))
    tiers = report.plan.table.set_index("customer_id")["tier"]
    assert tiers[tier] == tier
    found = {r["customer_id"]: r for r in reclaim(report)}
    assert found[tier]["days_left"] == limit - ages[tier] == 3 and found[tier]["notice"] is True


# -------------------------------------------------------------------------- owner changes


def test_an_owner_change_warns_hands_over_by_visit_and_adds_five_points() -> None:
    rows = [
        ["1", "甲", "李娜", 100, AS_OF - dt.timedelta(days=3), "续签"],
        ["2", "乙", "张伟", 1, AS_OF - dt.timedelta(days=3), "续签"],
        ["3", "丙", " 张伟 ", 1, AS_OF - dt.timedelta(days=3), "续签"],  # trimmed: no change
        ["4", "丁", None, 1, AS_OF - dt.timedelta(days=3), "续签"],  # empty: no change
    ]
    before = previous_of(
        [("1", "甲", "张伟", "A"), ("2", "乙", "张伟", "C"), ("3", "丙", "张伟", "C"),
         ("4", "丁", "王强", "C")]
    )  # fmt: skip
    report = report_of(ledger(rows), previous=before)
    assert owner_changes(report) == [
        {"customer_id": "1", "name": "甲", "tier": "A", "previous_owner": "张伟", "owner": "李娜"}
    ]
    t = report.plan.table.set_index("customer_id")
    assert "owner_changed" in t.loc["1", "warnings"]
    assert t.loc["1", "objective"] == "handover" and t.loc["1", "channel"] == "visit"
    assert "张伟 → 李娜" in t.loc["1", "warning_details"]
    without = report_of(ledger(rows)).plan.table.set_index("customer_id")
    assert t.loc["1", "priority_score"] - without.loc["1", "priority_score"] == 5
    assert all("owner_changed" not in w for w in t.loc[["2", "3", "4"], "warnings"])
    assert owner_changes(report_of(ledger(rows))) == []  # without --previous: none


def test_a_broken_promise_comes_before_the_handover() -> None:
    header = [*HEADER, "承诺事项", "承诺日期"]
    rows = [["1", "甲", "李娜", 100, AS_OF, "续签", "送样品", D(2026, 11, 1)]]
    customers = ledger_from_rows([header, *rows], RULES, "a.xlsx", "客户台账")
    report = report_of(customers, previous=previous_of([("1", "甲", "张伟", "A")]))
    row = report.plan.table.iloc[0]
    assert row["objective"] == "keep_promise" and "owner_changed" in row["warnings"]


# ------------------------------------------------------------------------------- coverage


def test_coverage_counts_this_months_entries_by_channel() -> None:
    rows = [
        ["A1", "甲", "张伟", 10_000, None, "续签"],
        ["A2", "乙", "张伟", 9_000, None, "续签"],
        ["C1", "丙", "张伟", 1, None, "续签"],
        ["L1", "丁", "李娜", 2, None, "续签"],
    ]
    log = [
        ["A1", D(2026, 11, 3), "拜访"],
        ["A1", D(2026, 11, 20), "电话"],
        ["C1", D(2026, 11, 5), "微信"],
        ["A2", D(2026, 10, 31), "拜访"],  # last month: not counted
        ["A2", D(2026, 12, 1), "拜访"],  # after as_of: not counted
        ["L1", D(2026, 11, 9), "邮件"],
    ]
    cover = coverage(report_of(ledger(rows, log=log), as_of=AS_OF))
    assert cover["张伟"] == {
        "a_customers": 2,
        "a_touched": 1,
        "share": 0.5,
        "entries": {"visit": 1, "phone": 1, "message": 1, "email": 0},
        "overdue_p1": cover["张伟"]["overdue_p1"],
    }
    assert cover["李娜"]["a_customers"] == 0 and cover["李娜"]["share"] is None
    assert cover["李娜"]["entries"]["email"] == 1
    # an as_of after the month (the report made in December): still only November's entries
    later = coverage(report_of(ledger(rows, log=log), as_of=D(2026, 12, 3)))
    assert later["张伟"]["entries"] == cover["张伟"]["entries"]


def test_one_owner_written_two_ways_is_one_owner() -> None:
    """Owners as trimmed NFKC text (§13): full-width letters and spaces are the same rep in
    coverage, the owners' table and 撞单's "different owners"."""
    from kqexcel.report import owners_table

    a = ledger([["K1", "华鼎有限公司", "ＷＡＮＧ", 100, None, "续签"]], file="a.xlsx")
    b = ledger([["K2", "华鼎", " WANG ", 50, None, "续签"]], file="b.xlsx")
    report = report_of(a, b)
    assert list(coverage(report)) == ["WANG"]
    assert owners_table(report)["owner"].tolist() == ["WANG"]
    assert same_customer(report) == []  # one owner: no conflict


def test_owners_table_columns_are_the_owner_keys() -> None:
    """read_last_month pairs last month's headers with OWNER_KEYS by position."""
    from kqexcel.io.report_template import BLOCKS
    from kqexcel.report import OWNER_KEYS, owners_table

    table = owners_table(report_of(ledger([["K1", "甲", "张伟", 1, None, "续签"]])))
    assert tuple(table.columns) == OWNER_KEYS
    assert (
        len(BLOCKS["kq_report_owners"][1]) == len(BLOCKS["kq_report_owners"][2]) == len(OWNER_KEYS)
    )


def test_overdue_p1_and_escalation_after_seven_days() -> None:
    # two tier-A customers with a complaint past their interval (the shorter of
    # cadence.tier_days.A and cadence.complaint_days, DOMAIN §8)
    every = min(RULES["cadence"]["tier_days"]["A"], RULES["cadence"]["complaint_days"])
    # tier A 40 + interested 15 + open complaint 10 + overdue points ≥ 60: P1 (DOMAIN §8)
    rows = [
        ["1", "甲", "张伟", 10_000, AS_OF - dt.timedelta(days=every + 8), "续签", "有兴趣", "服务"],
        ["2", "乙", "张伟", 9_000, AS_OF - dt.timedelta(days=every + 7), "续签", "有兴趣", "服务"],
    ]  # 8 days late, then 7: not yet escalated
    header = [*HEADER, "购买意向", "未结投诉"]
    report = report_of(ledger_from_rows([header, *rows], RULES, "a.xlsx", "客户台账"))
    t = report.plan.table.set_index("customer_id")
    late = t.loc[["1", "2"], "days_overdue"].tolist()
    assert late == [8, 7]
    p1 = t["priority"] == "P1"
    assert p1["1"] and p1["2"]
    assert escalations(report) == [
        {"customer_id": "1", "name": "甲", "owner": "张伟", "days_overdue": 8}
    ]
    assert coverage(report)["张伟"]["overdue_p1"] == int((p1 & (t["days_overdue"] > 0)).sum())


# ----------------------------------------------------------------------------- tier moves


def test_a_tier_in_one_month_only_is_missing_not_a_move() -> None:
    now = pd.DataFrame(
        {
            "customer_id": ["1", "2", "3", "4", "5"],
            "name": list("甲乙丙丁戊"),
            "owner": ["张伟"] * 5,
            "tier": ["A", None, "C", None, "B"],
        }
    )
    before = previous_of(
        [("1", "甲", "张伟", "B"), ("2", "乙", "张伟", "B"), ("3", "丙", "张伟", None),
         ("4", "丁", "张伟", None), ("5", "戊", "张伟", "B")]
    )  # fmt: skip
    moves = tier_changes(now, before)
    assert dict(zip(moves["customer_id"], moves["move"], strict=True)) == {
        "1": "up",
        "2": "missing",
        "3": "missing",
    }  # 4: no tier either month; 5: unchanged


def test_the_overview_counts_moves_and_missing_tiers_apart() -> None:
    from kqexcel.report import overview

    rows = [
        ["1", "甲", "张伟", 900, D(2026, 11, 20), "续签"],
        ["2", "乙", "张伟", None, D(2026, 11, 20), "续签"],  # no revenue: no tier this month
        ["3", "丙", "张伟", 50, D(2026, 11, 20), "续签"],
    ]
    before = previous_of(
        [("1", "甲", "张伟", "C"), ("2", "乙", "张伟", "B"), ("3", "丙", "张伟", "C")]
    )
    now = report_of(ledger(rows), previous=before)
    assert now.plan.table["tier"].tolist() == ["A", None, "B"]  # 1 and 3 up from C
    figures = overview(now)
    assert (figures["tier_up"], figures["tier_down"], figures["tier_missing"]) == (2, 0, 1)
    assert all(isinstance(figures[k], int) for k in ("tier_up", "tier_down", "tier_missing"))
    alone = overview(report_of(ledger(rows)))
    assert (alone["tier_up"], alone["tier_down"], alone["tier_missing"]) == (None, None, None)


# ---------------------------------------------------------------------------------- dates


@pytest.mark.parametrize(
    ("month", "today", "as_of"),
    [
        ("2026-12", D(2026, 12, 2), D(2026, 12, 2)),  # the month is running: today
        ("2026-11", D(2026, 12, 2), D(2026, 11, 30)),  # a past month: its last day
        ("2026-02", D(2026, 12, 2), D(2026, 2, 28)),
        ("2027-01", D(2026, 12, 2), D(2026, 12, 2)),  # a future month: still today
    ],
)
def test_as_of_is_the_months_end_or_today(month: str, today: dt.date, as_of: dt.date) -> None:
    assert default_as_of(month, today) == as_of


# ------------------------------------------------------------------------------------ CLI


@pytest.fixture
def two_months(tmp_path: Path) -> tuple[Path, Path]:
    rows = [
        ["KH1", "华鼎机械制造有限公司", "张伟", 500, D(2026, 10, 20), "续签"],
        ["KH2", "鑫源五金", "张伟", 20, D(2026, 7, 1), "潜在"],
    ]
    (tmp_path / "10").mkdir()
    workbook(tmp_path / "10" / "张伟.xlsx", {"客户台账": [HEADER, *rows]})
    november = [list(r) for r in rows]
    november[0][2] = "李娜"
    november.append(["KH3", "华鼎机械制造", "王强", 30, D(2026, 11, 2), "潜在"])
    (tmp_path / "11").mkdir()
    workbook(tmp_path / "11" / "all.xlsx", {"客户台账": [HEADER, *november]})
    return tmp_path / "10", tmp_path / "11"


def test_kq_report_summary_json_has_the_month_keys(runner, two_months, tmp_path) -> None:
    oct_dir, nov_dir = two_months
    last = tmp_path / "kq_report_2026-10.xlsx"
    _report(runner, oct_dir, "2026-10", last)
    summary = tmp_path / "nov.json"
    out = tmp_path / "nov.xlsx"
    args = ["report", str(nov_dir), "--month", "2026-11", "--previous", str(last)]
    result = runner.invoke(cli, [*args, "-o", str(out), "--summary-json", str(summary), "-q"])
    assert result.exit_code == 0, result.output
    figures = json.loads(summary.read_text(encoding="utf-8"))
    assert figures["as_of"] == "2026-11-30"
    assert figures["owner_changes"] == [
        {
            "customer_id": "KH1",
            "name": "华鼎机械制造有限公司",
            "tier": "A",
            "previous_owner": "张伟",
            "owner": "李娜",
        }
    ]
    assert [g["key"] for g in figures["same_customer"]] == ["华鼎机械制造"]
    assert {c["owner"] for c in figures["same_customer"][0]["customers"]} == {"李娜", "王强"}
    pool = {r["customer_id"]: r for r in figures["reclaim"]}
    assert pool["KH2"]["days_since_contact"] == 152 and pool["KH2"]["notice"] is False
    assert set(figures["coverage"]) == {"李娜", "张伟", "王强"}
    assert set(figures["coverage"]["李娜"]) == {
        "a_customers",
        "a_touched",
        "share",
        "entries",
        "overdue_p1",
    }
    assert isinstance(figures["escalations"], list)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_previous_must_be_an_earlier_month(runner, two_months, tmp_path, lang) -> None:
    oct_dir, nov_dir = two_months
    november = tmp_path / "kq_report_2026-11.xlsx"
    made = runner.invoke(cli, ["report", str(nov_dir), "--month", "2026-11", "-o", str(november)])
    assert made.exit_code == 0, made.output
    for month in ("2026-11", "2026-10"):
        result = runner.invoke(
            cli,
            ["report", str(oct_dir), "--month", month, "--previous", str(november), "--lang", lang],
        )
        assert result.exit_code == 2, result.output
        line = result.stderr.strip()
        assert line.startswith("Error:") and "2026-11" in line and "\n" not in line
        assert ("不早于" in line) if lang == "zh" else ("not earlier than" in line)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_month_not_begun_is_a_usage_error(runner, two_months, lang) -> None:
    _, nov_dir = two_months
    result = runner.invoke(
        cli, ["report", str(nov_dir), "--month", "2099-01", "--lang", lang, "-q"]
    )
    assert result.exit_code == 2, result.output
    line = result.stderr.strip()
    assert line.startswith("Error:") and "2099-01" in line and "\n" not in line
    assert ("还没开始" in line) if lang == "zh" else ("has not begun" in line)
    given = ["report", str(nov_dir), "--month", "2026-11", "--as-of", "2026-10-31", "-q"]
    assert runner.invoke(cli, given).exit_code == 2


def test_month_figures_without_customers() -> None:
    empty = build_report([], RULES, MONTH, AS_OF)
    assert month_figures(empty) == {
        "owner_changes": [],
        "reclaim": [],
        "same_customer": [],
        "coverage": {},
        "escalations": [],
    }


# ---------------------------------------------------------------------------- the workbook


def test_the_report_sheets_of_the_month(runner, two_months, tmp_path) -> None:
    import openpyxl

    oct_dir, nov_dir = two_months
    last = tmp_path / "kq_report_2026-10.xlsx"
    _report(runner, oct_dir, "2026-10", last)
    out = tmp_path / "nov.xlsx"
    _report(runner, nov_dir, "2026-11", out, "--previous", str(last), "-q")
    wb = openpyxl.load_workbook(out)
    rows = {
        n: list(wb[n].iter_rows(values_only=True)) for n in ("客户经理变更", "公海候选", "撞单")
    }
    assert rows["客户经理变更"][1] == ("KH1", "华鼎机械制造有限公司", "A", "张伟", "李娜")
    assert ("KH2", "鑫源五金", "张伟", "C", 152, -62, "已到期：应退回公海") in rows["公海候选"]
    assert [r[:4] for r in rows["撞单"][1:]] == [
        ("华鼎机械制造", "KH1", "华鼎机械制造有限公司", "李娜"),
        ("华鼎机械制造", "KH3", "华鼎机械制造", "王强"),
    ]
    owners = list(wb["客户经理"].iter_rows(values_only=True))
    assert owners[0][9:12] == ("续约风险高", "承诺逾期", "未结投诉")
    warned = list(wb["预警清单"].iter_rows(values_only=True))[1:]
    ids = [r[2] for r in warned]
    assert len(ids) == len(set(ids))  # one row per customer
    kh1 = next(r for r in warned if r[2] == "KH1")
    assert "更换客户经理（张伟 → 李娜）" in kh1[6]


def test_money_in_the_unit_most_ledgers_use(runner, tmp_path) -> None:
    import openpyxl

    header = ["客户编号", "客户名称", "客户经理", "年销售额（万元）"]
    for owner in ("张伟", "李娜"):
        workbook(
            tmp_path / "in" / f"{owner}.xlsx", {"客户台账": [header, [owner, "甲", owner, 12]]}
        )
    workbook(
        tmp_path / "in" / "王强.xlsx",
        {"客户台账": [header[:3] + ["年销售额"], ["W", "乙", "王强", 60000]]},
    )
    out = tmp_path / "r.xlsx"
    result = runner.invoke(
        cli, ["report", str(tmp_path / "in"), "--month", "2026-11", "-o", str(out), "-q"]
    )
    assert result.exit_code == 0, result.output
    figures = dict(
        list(openpyxl.load_workbook(out)["总览"].iter_rows(min_row=4, max_col=2, values_only=True))[
            :20
        ]
    )
    assert figures["年销售额合计（万元）"] == 30  # 12 + 12 万元 + 60,000 元


# ----------------------------------------------------------------------- month over month


@pytest.mark.parametrize(
    ("current", "before", "expected"),
    [
        (3, 2, 1),
        (2, 5, -3),
        (0.5, 0.25, 0.25),  # a share: percentage points
        (3, None, None),  # not in last month's report
        (None, 2, None),
        (float("nan"), 1, None),
        (True, 1, None),  # never a number
        ("2026-11", "2026-10", None),
    ],
)
def test_change_is_this_month_minus_last(current: Any, before: Any, expected: Any) -> None:
    from kqexcel.report import change

    assert change(current, before) == expected


def _block(ws, first: str) -> list[tuple[Any, ...]]:
    """The rows of the block whose header row starts with ``first``, until an empty first cell."""
    rows = list(ws.iter_rows(values_only=True))
    start = next(i for i, r in enumerate(rows) if r and r[0] == first)
    out = []
    for r in rows[start:]:
        if r[0] is None:
            break
        out.append(r)
    return out


@pytest.mark.parametrize("last_lang", ["zh", "en"])
def test_overview_and_owners_show_last_month_and_the_change(
    runner, two_months, tmp_path, last_lang
) -> None:
    import openpyxl

    oct_dir, nov_dir = two_months
    last = tmp_path / "kq_report_2026-10.xlsx"
    _report(runner, oct_dir, "2026-10", last, "--lang", last_lang, "-q")
    out = tmp_path / "nov.xlsx"
    _report(runner, nov_dir, "2026-11", out, "--previous", str(last), "-q")
    wb = openpyxl.load_workbook(out)
    figures = _block(wb["总览"], "指标")
    assert figures[0][:4] == ("指标", "本月", "上月", "变化")
    rows = {r[0]: r[1:4] for r in figures[1:]}
    assert rows["月份"] == ("2026-11", "2026-10", None)  # shown, not compared
    assert rows["基准日"] == ("2026-11-30", "2026-10-31", None)
    assert rows["客户数"] == (3, 2, 1)
    assert rows["年销售额合计（元）"] == (550, 520, 30)
    assert rows["A 类客户"][2] == rows["A 类客户"][0] - rows["A 类客户"][1]
    owners = _block(wb["客户经理"], "客户经理")
    head = list(owners[0])
    got = {r[0]: dict(zip(head, r, strict=True)) for r in owners[1:]}
    assert head[19:23] == ["上月客户数", "客户数变化", "上月年销售额（元）", "年销售额（元）变化"]
    assert (got["张伟"]["客户数"], got["张伟"]["上月客户数"], got["张伟"]["客户数变化"]) == (
        1,
        2,
        -1,
    )
    assert (got["张伟"]["上月年销售额（元）"], got["张伟"]["年销售额（元）变化"]) == (520, -500)
    assert got["李娜"]["上月客户数"] is None and got["李娜"]["客户数变化"] is None  # new this month
    change = wb["客户经理"].cell(2, head.index("客户数变化") + 1).number_format
    assert change.startswith("+")  # signed


def test_an_owner_of_last_month_only_stays_in_the_comparison() -> None:
    from kqexcel.report import LastMonth, owners_over_month

    nov = report_of(ledger([["KH1", "甲", "张伟", 100, D(2026, 11, 20), "续签"]]))
    nov.last_month = LastMonth(
        {"customers": 6},
        {"张伟": {"customers": 1, "p1": 2}, " 赵敏 ": {"customers": 5, "a_share": 0.5}},
    )
    table = owners_over_month(nov).set_index("owner")
    assert table.loc["张伟", ["customers", "customers_before", "customers_change"]].tolist() == [
        1,
        1,
        0,
    ]
    assert table.loc["张伟", "p1_change"] == table.loc["张伟", "p1"] - 2
    gone = table.loc[" 赵敏 "]
    assert (gone["customers"], gone["customers_before"], gone["customers_change"]) == (0, 5, -5)
    assert gone["a_share_before"] == 0.5 and gone["a_share_change"] is None


def test_without_previous_there_is_no_comparison(runner, two_months, tmp_path) -> None:
    import openpyxl

    _, nov_dir = two_months
    out = tmp_path / "nov.xlsx"
    _report(runner, nov_dir, "2026-11", out, "-q")
    wb = openpyxl.load_workbook(out)
    assert _block(wb["总览"], "指标")[0][:3] == ("指标", "数值", None)
    assert not any("上月" in str(h) for h in _block(wb["客户经理"], "客户经理")[0])


def test_last_months_money_is_read_back_in_its_unit(runner, tmp_path) -> None:
    from kqexcel.io.report_io import read_last_month

    header = ["客户编号", "客户名称", "客户经理", "年销售额（万元）"]
    workbook(tmp_path / "in" / "a.xlsx", {"客户台账": [header, ["K1", "甲", "张伟", 12.5]]})
    out = tmp_path / "r.xlsx"
    _report(runner, tmp_path / "in", "2026-10", out, "-q")
    last = read_last_month(out)
    assert last is not None
    assert last.overview["revenue"] == 125000  # shown as 12.5 万元
    assert last.overview["customers"] == 1 and last.overview["month"] == "2026-10"
    assert last.owners["张伟"]["revenue"] == 125000 and last.owners["张伟"]["customers"] == 1


def test_last_month_of_a_workbook_that_is_no_report_is_empty(tmp_path) -> None:
    from kqexcel.io.report_io import read_last_month

    path = workbook(tmp_path / "x.xlsx", {"Sheet": [["a", "b"], [1, 2]]})
    assert read_last_month(path) is None
    with pytest.raises(LedgerError, match="missing.xlsx"):
        read_last_month(tmp_path / "missing.xlsx")


def test_the_overview_has_the_three_charts_of_the_owners(runner, two_months, tmp_path) -> None:
    import openpyxl

    _, nov_dir = two_months
    out = tmp_path / "nov.xlsx"
    _report(runner, nov_dir, "2026-11", out, "-q")
    ws = openpyxl.load_workbook(out)["总览"]
    titles = []
    for chart in ws._charts:
        rich = chart.title.tx.rich
        titles.append("".join(r.t for p in rich.p for r in (p.r or [])))
        refs = [s.val.numRef.f for s in chart.series]
        assert all(ref.startswith("'客户经理'!") for ref in refs)
    assert titles == ["各客户经理的客户层级", "各客户经理的 P1 客户", "A 类客户本月覆盖率"]
    assert len(ws._charts[0].series) == 3  # A, B and C stacked


def test_headers_fit_their_cells(runner, two_months, tmp_path) -> None:
    """Every header of the report (the first row of each block) fits its column: its width, CJK
    characters counted twice, wraps into as many lines as the row's height holds."""
    import openpyxl
    from openpyxl.utils import get_column_letter

    oct_dir, nov_dir = two_months
    last = tmp_path / "oct.xlsx"
    _report(runner, oct_dir, "2026-10", last, "-q")
    out = tmp_path / "nov.xlsx"
    _report(runner, nov_dir, "2026-11", out, "--previous", str(last), "-q")
    wb = openpyxl.load_workbook(out)
    checked = 0
    for name, defined in wb.defined_names.items():
        if not name.startswith("kq_report_") or name.endswith(("_chart", "_title")):
            continue
        for title, ref in defined.destinations:
            ws = wb[title]
            cell = ws[ref.replace("$", "").split(":")[0]]
            lines = ((ws.row_dimensions[cell.row].height or 15) - 3) // 15 or 1
            col = cell.column
            while ws.cell(cell.row, col).value is not None:
                text = str(ws.cell(cell.row, col).value)
                width = ws.column_dimensions[get_column_letter(col)].width or 8.43
                shown = sum(2 if "\u4e00" <= ch <= "\u9fff" or ch in "（）：" else 1 for ch in text)
                assert math.ceil(shown / max(width - 1, 1)) <= lines, (title, text, width, lines)
                col, checked = col + 1, checked + 1
    assert checked > 80
