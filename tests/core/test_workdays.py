"""DOMAIN §12: working days (China's calendar, the company's dates) and the daily limit."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from kqexcel.core import workdays as WD
from kqexcel.core.ledger import normalise
from kqexcel.core.plan import make_plan
from kqexcel.rules import RulesError, check_rules, load_rules
from tests.conftest import plain_rules

RULES = load_rules()
ID, NAME, OWNER, REVENUE, LAST = "客户编号", "客户名称", "客户经理", "年销售额", "最近联系日期"


def rules_with(tmp_path: Path, text: str) -> Any:
    path = tmp_path / "r.toml"
    path.write_text(text, encoding="utf-8")
    return load_rules(path)


def plan(customers: list[dict[str, Any]], as_of: dt.date, rules: Any = RULES, lang: str = "zh"):
    headers: list[str] = []
    for c in customers:
        headers += [h for h in c if h not in headers]
    rows = [headers] + [[c.get(h) for h in headers] for c in customers]
    ledger = normalise(rows, 0, rules, "t.xlsx", "Sheet1")
    return make_plan(ledger, rules, as_of=as_of, lang=lang)


def row(p: Any, cid: str) -> dict[str, Any]:
    t = p.table.set_index("customer_id")
    out = t.loc[cid].to_dict()
    out["_rationale"] = p.notes.set_index(p.table["customer_id"]).loc[cid, "next_contact"]
    return out


def ts(text: str) -> pd.Timestamp:
    return pd.Timestamp(text)


# --------------------------------------------------------------------------- the calendar


@pytest.mark.parametrize(
    ("day", "working"),
    [
        ("2026-09-30", True),  # a Wednesday
        ("2026-10-01", False),  # 国庆节
        ("2026-10-05", False),  # 国庆节（补假）
        ("2026-10-06", False),  # 休息日（由 2026-09-20 调休）
        ("2026-10-08", True),  # back at work
        ("2026-10-10", True),  # a Saturday worked (调休)
        ("2026-09-20", True),  # a Sunday worked (调休)
        ("2026-10-11", False),  # a plain Sunday
        ("2026-12-05", False),  # a plain Saturday
        ("2027-02-06", False),  # 春节 2027: an estimate, still a day off
    ],
)
def test_china_working_days(day: str, working: bool) -> None:
    cal = WD.work_calendar(RULES, dt.date(2026, 9, 1), dt.date(2027, 3, 1))
    assert cal.is_working(dt.date.fromisoformat(day)) is working


@pytest.mark.parametrize(
    ("planned", "moved"),
    [
        ("2026-10-01", "2026-10-08"),  # 国庆 and its 调休 days off run to 10-07
        ("2026-10-09", "2026-10-09"),
        ("2026-10-11", "2026-10-12"),  # Sunday → Monday
        ("2026-12-05", "2026-12-07"),  # Saturday → Monday
        ("2026-10-10", "2026-10-10"),  # a Saturday worked stays
    ],
)
def test_a_day_off_moves_to_the_next_working_day(planned: str, moved: str) -> None:
    cal = WD.work_calendar(RULES, dt.date(2026, 9, 1), dt.date(2027, 3, 1))
    out = WD.to_working_day(pd.Series([ts(planned), pd.NaT]), cal)
    assert out.iloc[0] == ts(moved) and pd.isna(out.iloc[1])


def test_company_dates_and_the_switch(tmp_path: Path) -> None:
    rules = rules_with(
        tmp_path,
        '[calendar]\nextra_holidays = [2026-12-31, "2026-12-30"]\nextra_workdays = [2026-12-05]\n',
    )
    cal = WD.work_calendar(rules, dt.date(2026, 12, 1), dt.date(2027, 1, 31))
    assert not cal.is_working(dt.date(2026, 12, 30)) and not cal.is_working(dt.date(2026, 12, 31))
    assert cal.is_working(dt.date(2026, 12, 5))  # a Saturday the company works
    assert cal.why_off(dt.date(2026, 12, 31)) == "company"
    off = rules_with(tmp_path, "[calendar]\nworking_days = false\n")
    cal = WD.work_calendar(off, dt.date(2026, 10, 1), dt.date(2026, 10, 31))
    assert cal.is_working(dt.date(2026, 10, 1)) and len(cal.days) == 31


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ('[calendar]\nextra_holidays = ["12/31"]\n', "calendar.extra_holidays[1]"),
        ("[calendar]\nextra_workdays = [5]\n", "calendar.extra_workdays[1]"),
        ('[calendar]\nworking_days = "yes"\n', "calendar.working_days"),
        ("[calendar]\ndaily_limit = -1\n", "calendar.daily_limit"),
    ],
)
def test_bad_calendar_rules_are_named(tmp_path: Path, text: str, key: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    found = check_rules(path)
    assert found.rules is None
    assert any(key in str(e) for e in found.errors), [str(e) for e in found.errors]
    with pytest.raises(RulesError):
        load_rules(path)


def test_official_years_come_from_the_holidays_package() -> None:
    years = WD.official_years()
    assert 2025 in years and 2026 in years and 2040 not in years


# --------------------------------------------------------------------------- the plan


def test_the_plan_moves_a_holiday_and_says_why() -> None:
    # tier A, 7 days: 2026-09-24 + 7 = 10-01 (国庆节) → 10-08; days overdue still count from 10-01
    p = plan([{ID: "K1", NAME: "甲", REVENUE: 100, LAST: "2026-09-24"}], dt.date(2026, 9, 28))
    r = row(p, "K1")
    assert r["next_contact"] == ts("2026-10-08") and r["days_overdue"] == 0
    assert "2026-10-01 是国庆节，不是工作日，顺延到 2026-10-08" in r["_rationale"]
    en = row(
        plan(
            [{ID: "K1", NAME: "甲", REVENUE: 100, LAST: "2026-09-24"}],
            dt.date(2026, 9, 28),
            lang="en",
        ),
        "K1",
    )
    assert "2026-10-01 is National Day, not a working day: moved to 2026-10-08" in en["_rationale"]


def test_as_of_on_a_sunday_gives_the_monday_and_overdue_days_stay() -> None:
    p = plan([{ID: "K1", NAME: "甲", REVENUE: 100, LAST: "2026-11-01"}], dt.date(2026, 11, 22))
    r = row(p, "K1")
    assert r["next_contact"] == ts("2026-11-23")
    assert r["days_overdue"] == 14  # as_of − (11-01 + 7)
    assert "2026-11-22 是周日" in r["_rationale"]


def test_without_the_calendar_the_plan_is_as_section_8() -> None:
    p = plan(
        [{ID: "K1", NAME: "甲", REVENUE: 100, LAST: "2026-09-24"}],
        dt.date(2026, 9, 28),
        rules=plain_rules(),
    )
    r = row(p, "K1")
    assert r["next_contact"] == ts("2026-10-01") and "顺延" not in r["_rationale"]


def customers(n: int, owner: str | None, prefix: str = "K", revenue: int = 10) -> list[dict]:
    return [
        {
            ID: f"{prefix}{i:03d}",
            NAME: f"客户{prefix}{i}",
            OWNER: owner,
            REVENUE: revenue,
            LAST: "2026-10-01",
        }
        for i in range(n)
    ]


def test_the_daily_limit_spreads_each_owner_on_working_days(tmp_path: Path) -> None:
    rules = rules_with(tmp_path, "[calendar]\ndaily_limit = 3\n")
    ledger = customers(7, "张伟") + customers(2, "李娜", "L") + customers(4, None, "N")
    p = plan(ledger, dt.date(2026, 11, 20), rules=rules)  # a Friday: all overdue
    t = p.table
    per_day = t.groupby([t["owner"].fillna("—"), "next_contact"]).size()
    assert per_day.max() == 3
    zhang = t[t["owner"] == "张伟"].sort_values("customer_id")
    # Fri 11-20 takes 3, Mon 11-23 takes 3, Tue 11-24 the last: never a weekend
    assert sorted(zhang["next_contact"].value_counts().items()) == [
        (ts("2026-11-20"), 3),
        (ts("2026-11-23"), 3),
        (ts("2026-11-24"), 1),
    ]
    assert set(t[t["owner"] == "李娜"]["next_contact"]) == {ts("2026-11-20")}
    nobody = t[t["owner"].isna()]["next_contact"].value_counts()  # no owner: one owner
    assert nobody[ts("2026-11-20")] == 3 and nobody[ts("2026-11-23")] == 1
    moved = row(p, "K006")
    assert "2026-11-20 已排满（每位客户经理每天最多 3 位" in moved["_rationale"]
    assert moved["days_overdue"] == row(p, "K000")["days_overdue"]  # the limit changes no days


def test_the_daily_limit_takes_the_highest_score_then_overdue_then_id(tmp_path: Path) -> None:
    rules = rules_with(tmp_path, "[calendar]\ndaily_limit = 1\n")
    ledger = [
        {ID: "B", NAME: "乙", OWNER: "张伟", REVENUE: 10, LAST: "2026-10-01"},
        {ID: "A", NAME: "甲", OWNER: "张伟", REVENUE: 10, LAST: "2026-10-01"},
        {ID: "C", NAME: "丙", OWNER: "张伟", REVENUE: 10, LAST: "2026-09-01"},  # more overdue
        {ID: "D", NAME: "丁", OWNER: "张伟", REVENUE: 1000, LAST: "2026-10-01"},  # tier A: 40
    ]
    p = plan(ledger, dt.date(2026, 11, 20), rules=rules)
    order = p.table.sort_values("next_contact")["customer_id"].tolist()
    score = dict(zip(p.table["customer_id"], p.table["priority_score"], strict=True))
    assert score["D"] > score["C"] >= score["A"] == score["B"]
    assert order == ["D", "C", "A", "B"]
    assert p.table.set_index("customer_id")["next_contact"].to_dict() == {
        "D": ts("2026-11-20"),
        "C": ts("2026-11-23"),
        "A": ts("2026-11-24"),
        "B": ts("2026-11-25"),
    }


def test_a_later_date_is_not_pulled_forward_by_the_limit(tmp_path: Path) -> None:
    rules = rules_with(tmp_path, "[calendar]\ndaily_limit = 1\n")
    ledger = customers(2, "张伟") + [
        {ID: "Z", NAME: "后", OWNER: "张伟", REVENUE: 10, LAST: "2026-11-20"}  # due 11-27
    ]
    p = plan(ledger, dt.date(2026, 11, 20), rules=rules)
    r = p.table.set_index("customer_id")["next_contact"]
    assert r["K000"] == ts("2026-11-20") and r["K001"] == ts("2026-11-23")
    assert r["Z"] == ts("2026-11-27")  # its own day: days before it had room to spare


def test_spread_is_a_greedy_walk_property() -> None:
    from hypothesis import given, settings
    from hypothesis import strategies as st

    cal = WD.work_calendar(RULES, dt.date(2026, 11, 2), dt.date(2027, 6, 30))

    @settings(max_examples=60, deadline=None)
    @given(
        st.lists(
            st.tuples(st.integers(0, 15), st.integers(0, 100), st.integers(0, 2)),
            min_size=1,
            max_size=40,
        ),
        st.integers(1, 4),
    )
    def check(items: list[tuple[int, int, int]], limit: int) -> None:
        days = pd.Series([pd.Timestamp(cal.days[i]) for i, _, _ in items])
        score = pd.Series([s for _, s, _ in items])
        owners = pd.Series([f"o{o}" for _, _, o in items])
        ids = pd.Series([f"K{k:03d}" for k in range(len(items))])
        out = WD.spread(days, owners, score, pd.Series([0] * len(items)), ids, limit, cal)
        assert (out >= days).all()  # never earlier
        assert pd.DataFrame({"o": owners, "d": out}).groupby(["o", "d"]).size().max() <= limit
        assert all(cal.is_working(x.date()) for x in out)
        # no day is left with room while someone who could have had it waits past it
        for owner in set(owners):
            mine = owners == owner
            for day, count in out[mine].value_counts().items():
                if count < limit:
                    assert not ((days[mine] <= day) & (out[mine] > day)).any()

    check()


def test_the_legend_says_which_years_are_official_and_which_estimated() -> None:
    from kqexcel.io.legend import calendar_line

    p = plan([{ID: "K1", NAME: "甲", REVENUE: 100, LAST: "2026-12-28"}], dt.date(2026, 12, 29))
    assert p.table["next_contact"].iloc[0].year == 2027
    line = calendar_line(RULES, "zh", p)
    assert "2026 年为国务院公布的放假安排" in line and "2027 年尚无官方安排" in line
    assert "最多 20 位" in line
    assert "2027: no official schedule yet" in calendar_line(RULES, "en", p)
    assert "calendar.working_days = false" in calendar_line(plain_rules(), "zh", p)
