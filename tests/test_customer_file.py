"""DOMAIN.md §10 and §14: the customer file's follow-up log and contacts — read, linked, derived,
and carried into every output. Rule tables straight from the domain text; workbooks written
here and read back."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kqexcel.cli import cli
from kqexcel.core.customer_file import attach
from kqexcel.core.ledger import ledger_from_rows, records_from_rows
from kqexcel.core.plan import make_plan
from kqexcel.io.display import is_missing
from kqexcel.io.ledger import read_ledger
from kqexcel.rules import load_rules
from tests.conftest import data_problems, readings, workbook
from tests.conftest import plan_row as row

RULES = load_rules()
AS_OF = dt.date(2026, 11, 22)
D = dt.date

CUSTOMER_HEADER = ["客户编号", "客户名称", "客户经理", "年销售额", "最近联系日期", "联系次数"]
LOG_HEADER = [
    "客户编号",
    "客户名称",
    "跟进日期",
    "跟进方式",
    "联系人",
    "跟进内容",
    "跟进结果",
    "下次跟进日期",
]
CONTACT_HEADER = ["客户编号", "客户名称", "姓名", "职务", "层级", "角色", "内线", "性格类型"]


def customer(
    cid: Any, name: str, revenue: Any = 100, last: Any = None, contacts: Any = 1, **more: Any
) -> dict[str, Any]:
    return {
        "客户编号": cid,
        "客户名称": name,
        "客户经理": "张伟",
        "年销售额": revenue,
        "最近联系日期": last,
        "联系次数": contacts,
        **more,
    }


def rows_of(header: list[str], records: list[dict[str, Any]]) -> list[list[Any]]:
    extra = [k for r in records for k in r if k not in header]
    header = header + list(dict.fromkeys(extra))
    return [header] + [[r.get(h) for h in header] for r in records]


def plan_of(
    customers: list[dict[str, Any]],
    log: list[list[Any]] | None = None,
    contacts: list[list[Any]] | None = None,
    as_of: dt.date = AS_OF,
    lang: str = "zh",
):
    ledger = ledger_from_rows(rows_of(CUSTOMER_HEADER, customers), RULES, "f.xlsx", "客户台账")
    sheets = [
        None if rows is None else records_from_rows([header, *rows], RULES, kind, "f.xlsx", name)
        for rows, kind, header, name in (
            (log, "log", LOG_HEADER, "跟进记录"),
            (contacts, "contacts", CONTACT_HEADER, "联系人"),
        )
    ]
    return make_plan(
        attach(ledger, dict(zip(("log", "contacts"), sheets, strict=True))), RULES, as_of, lang
    )


def entry(
    cid: Any,
    when: dt.date,
    channel: Any = "电话",
    person: Any = None,
    content: Any = None,
    result: Any = None,
    next_date: Any = None,
    name: Any = None,
) -> list[Any]:
    return [cid, name, when, channel, person, content, result, next_date]


def contact(
    cid: Any,
    person: Any,
    title: Any = None,
    level: Any = None,
    role: Any = None,
    insider: Any = None,
    style: Any = None,
    name: Any = None,
) -> list[Any]:
    return [cid, name, person, title, level, role, insider, style]


A = customer("1", "甲", revenue=1000)  # alone, tier A
SMALL = customer("9", "小客户", revenue=1)  # tier C beside A


# --------------------------------------------------------------------------- last contact


def test_last_contact_is_the_later_of_ledger_and_log_and_the_rationale_names_the_row():
    plan = plan_of(
        [customer("1", "甲", 1000, last=D(2026, 11, 1))],
        log=[entry("1", D(2026, 11, 10)), entry("1", D(2026, 11, 20))],
    )
    r = row(plan, "1")
    # A: 7 days from 2026-11-20 (the log's), not from 2026-11-01 (the ledger's)
    assert r["next_contact"] == pd_ts("2026-11-27") and r["days_overdue"] == 0
    assert "最近联系 2026-11-20，来自跟进记录第 3 行" in r["_notes"]["next_contact"]


def test_a_later_ledger_date_wins_over_the_log():
    plan = plan_of(
        [customer("1", "甲", 1000, last=D(2026, 11, 21))], log=[entry("1", D(2026, 11, 10))]
    )
    r = row(plan, "1")
    assert r["next_contact"] == pd_ts("2026-11-30")  # 11-28 is a Saturday (§12)
    assert "来自跟进记录" not in r["_notes"]["next_contact"]


def test_log_entries_after_as_of_are_skipped_silently():
    plan = plan_of([A], log=[entry("1", D(2026, 11, 23)), entry("1", D(2026, 11, 1))])
    r = row(plan, "1")
    assert r["log_entries"] == 1 and r["last_note"].startswith("2026-11-01")
    assert not data_problems(plan.problems)


def pd_ts(text: str) -> Any:
    import pandas as pd

    return pd.Timestamp(text)


# --------------------------------------------------------------------------- counts and window


@pytest.mark.parametrize(
    ("age", "counted"),
    [(0, True), (364, True), (365, False), (729, False)],
)
def test_the_window_holds_entries_0_to_364_days_old(age: int, counted: bool):
    plan = plan_of(
        [customer("1", "甲", contacts=None)], log=[entry("1", AS_OF - dt.timedelta(days=age))]
    )
    r = row(plan, "1")
    assert r["log_entries"] == (1 if counted else 0)
    # contacts (the ledger's cell empty) is the entries in the window: 2 remaining for an eagle
    assert r["_notes"]["style"].startswith("性格类型 未知")


def test_contacts_from_the_log_only_when_the_ledger_cell_is_empty():
    log = [entry("1", D(2026, 11, 1)), entry("1", D(2026, 10, 1)), entry("2", D(2026, 11, 2))]
    plan = plan_of(
        [
            customer("1", "甲", contacts=None, 性格类型="猫头鹰"),
            customer("2", "乙", contacts=9, 性格类型="猫头鹰"),
        ],
        log=log,
    )
    first, second = row(plan, "1"), row(plan, "2")
    assert first["contacts_remaining"] == 7 - 2 and second["contacts_remaining"] == 0
    assert "联系次数 2 取自跟进记录（近 365 天的记录）" in first["_notes"]["style"]
    assert "取自跟进记录" not in second["_notes"]["style"]


def test_without_entries_a_customer_of_a_file_with_a_log_has_zero_and_nulls():
    plan = plan_of(
        [customer("1", "甲", contacts=None), customer("2", "乙")], log=[entry("2", D(2026, 11, 1))]
    )
    r = row(plan, "1")
    assert r["log_entries"] == 0 and is_missing(r["last_note"]) and is_missing(r["last_visit"])
    assert is_missing(r["contacts_remaining"])  # no style: nothing to count down


def test_without_a_log_or_contacts_the_new_fields_are_null():
    plan = plan_of([A])
    r = row(plan, "1")
    for key in ("log_entries", "contacts_known", "last_note", "key_person", "last_visit"):
        assert is_missing(r[key]), key  # null in JSON
    assert r["levels_covered"] is None


# --------------------------------------------------------------------------- last visit, note


def test_last_visit_looks_at_every_entry_and_last_note_at_the_latest():
    log = [
        entry("1", D(2024, 1, 5), "上门", "王总"),  # outside the window, still the last visit
        entry("1", D(2026, 11, 10), "微信", "王总", "发资料", "已读"),
    ]
    r = row(plan_of([A], log=log), "1")
    assert r["last_visit"] == pd_ts("2024-01-05")
    assert r["last_note"] == "2026-11-10 微信短信 王总：发资料（已读）"
    assert r["log_entries"] == 1


@pytest.mark.parametrize(
    ("parts", "shown_zh", "shown_en"),
    [
        (
            ("电话", "王总", "谈续约", "同意"),
            "2026-11-10 电话 王总：谈续约（同意）",
            "2026-11-10 Phone 王总: 谈续约 (同意)",
        ),
        ((None, None, "谈续约", None), "2026-11-10：谈续约", "2026-11-10: 谈续约"),
        (("拜访", None, None, "同意"), "2026-11-10 拜访（同意）", "2026-11-10 Visit (同意)"),
        ((None, None, None, None), "2026-11-10", "2026-11-10"),
    ],
)
def test_last_note_leaves_empty_parts_out_with_their_separators(parts, shown_zh, shown_en):
    log = [entry("1", D(2026, 11, 10), *parts)]
    assert row(plan_of([A], log=log), "1")["last_note"] == shown_zh
    assert row(plan_of([A], log=log, lang="en"), "1")["last_note"] == shown_en


def test_ties_on_the_date_go_to_the_lower_row():
    log = [
        entry("1", D(2026, 11, 10), content="上面", next_date=D(2026, 11, 30)),
        entry("1", D(2026, 11, 10), content="下面", next_date=D(2026, 11, 12)),
    ]
    r = row(plan_of([A], log=log), "1")
    assert r["last_note"] == "2026-11-10 电话：下面"
    assert "followup_missed" in r["warnings"]


@pytest.mark.parametrize(
    ("days_ago", "warned"),
    [(None, True), (89, False), (90, True)],
)
def test_no_visit_for_tier_a_without_a_visit_in_90_days(days_ago, warned):
    log = [entry("1", D(2026, 11, 20), "电话")]
    if days_ago is not None:
        log.append(entry("1", AS_OF - dt.timedelta(days=days_ago), "拜访"))
    plan = plan_of([A, SMALL], log=log)
    assert ("no_visit" in row(plan, "1")["warnings"]) is warned
    assert "no_visit" not in row(plan, "9")["warnings"]  # tier C


def test_no_visit_only_when_the_file_has_a_log():
    assert "no_visit" not in row(plan_of([A]), "1")["warnings"]


# --------------------------------------------------------------------------- promised date


def test_a_promised_date_earlier_than_the_interval_is_the_next_contact():
    log = [entry("1", D(2026, 11, 20), next_date=D(2026, 11, 24))]
    plan = plan_of([customer("1", "甲", 1), customer("2", "乙", 100000)], log=log)  # 1 is tier C
    r = row(plan, "1")
    assert r["next_contact"] == pd_ts("2026-11-24") and r["days_overdue"] == 0
    assert (
        "下次联系 2026-11-24：约定的日子（按间隔应为 2026-12-20 = 上次 2026-11-20 + 30 天）"
        in (r["_notes"]["next_contact"])
    )
    assert (
        "约定 2026-11-24 再联系（跟进记录第 2 行），早于按间隔算的 2026-12-20"
        in r["_notes"]["next_contact"]
    )
    assert "followup_missed" not in r["warnings"]


def test_a_missed_promise_warns_adds_ten_points_and_keeps_days_overdue():
    log = [entry("1", D(2026, 11, 1), next_date=D(2026, 11, 5))]
    r = row(plan_of([A, SMALL], log=log), "1")
    assert r["next_contact"] == pd_ts("2026-11-23")  # as_of, a Sunday: the Monday (§12)
    assert r["days_overdue"] == 14  # from 2026-11-01 + 7, the promise never changes it
    # one entry naming nobody: at most one person in the window, single-threaded too
    assert r["warnings"] == ["overdue_contact", "followup_missed", "no_visit", "single_threaded"]
    assert r["priority_score"] == 40 + 14 // 3 + 10
    assert "约定未跟进 10" in r["_notes"]["priority"]
    assert (
        "约定 2026-11-05 再联系（跟进记录第 2 行），日子已过，之后没有跟进记录"
        in r["_notes"]["next_contact"]
    )


def test_the_promised_date_is_the_latest_entrys():
    log = [entry("1", D(2026, 11, 1), next_date=D(2026, 11, 3)), entry("1", D(2026, 11, 20))]
    r = row(plan_of([A], log=log), "1")
    assert "followup_missed" not in r["warnings"]


# --------------------------------------------------------------------------- contacts


def test_key_person_decision_then_management_then_first_listed():
    contacts = [
        contact("1", "小李", "采购", "操作层"),
        contact("1", "张经理", "部门经理", "管理层"),
        contact("1", "王总", "总经理", "决策层", style="老鹰"),
        contact("1", "赵总", "副总", "决策层"),
        contact("2", "小周", None, None),
        contact("2", "钱经理", "经理", "管理层"),
        contact("3", "孙", None, None),
        contact("3", "吴", None, "操作层"),
    ]
    plan = plan_of(
        [customer("1", "甲"), customer("2", "乙"), customer("3", "丙")], contacts=contacts
    )
    assert row(plan, "1")["key_person"] == "王总（总经理，力量型）"
    assert row(plan, "2")["key_person"] == "钱经理（经理）"
    assert row(plan, "3")["key_person"] == "孙"
    assert row(plan, "1")["levels_covered"] == ["decision", "management", "operation"]
    assert row(plan, "2")["levels_covered"] == ["management"]
    assert row(plan, "1")["contacts_known"] == 4
    note = row(plan, "1")["_notes"]["key_person"]
    assert note.startswith(
        "关键人 王总（总经理，力量型）：决策层里排在最前（联系人第 4 行）；"
        "已知联系人 4 位，接触层级 决策层、管理层、操作层"
    )


def test_a_customer_without_rows_on_the_contacts_sheet():
    plan = plan_of([customer("1", "甲"), customer("2", "乙")], contacts=[contact("2", "钱")])
    r = row(plan, "1")
    assert r["contacts_known"] == 0 and r["levels_covered"] == [] and is_missing(r["key_person"])
    assert r["_notes"]["key_person"] == "关键人：联系人里没有这位客户的联系人"


def test_the_same_person_twice_is_one_person():
    contacts = [
        contact("1", "王总"),
        contact("1", " 王总 "),
        contact("1", "ＷＡＮＧ"),
        contact("1", "wang"),
    ]
    assert row(plan_of([A], contacts=contacts), "1")["contacts_known"] == 2


@pytest.mark.parametrize(
    ("ledger", "person", "style"),
    [
        ({}, {"style": "猫头鹰"}, "owl"),
        ({"性格类型": "老鹰"}, {"style": "猫头鹰"}, "eagle"),  # the ledger's style wins
        ({"决策风格": "率直", "沟通倾向": "理性"}, {"style": "猫头鹰"}, "eagle"),  # both axes win
        ({"决策风格": "率直"}, {"style": "猫头鹰"}, "owl"),  # one axis is not a style
    ],
)
def test_the_key_persons_style_when_the_ledger_gives_none(ledger, person, style):
    plan = plan_of(
        [customer("1", "甲", **ledger)], contacts=[contact("1", "王总", level="决策层", **person)]
    )
    r = row(plan, "1")
    assert r["style"] == style
    if not ledger:
        assert r["_notes"]["style"].startswith(
            "性格类型 完美型：台账没填，取自关键人 王总（联系人第 2 行）"
        )


def test_a_persons_style_from_their_two_axes():
    rows = [
        ["客户编号", "姓名", "层级", "决策风格", "沟通倾向"],
        ["1", "王总", "决策层", "优柔", "感性"],
    ]
    ledger = ledger_from_rows(rows_of(CUSTOMER_HEADER, [A]), RULES, "f.xlsx", "客户台账")
    contacts = records_from_rows(rows, RULES, "contacts", "f.xlsx", "联系人")
    plan = make_plan(attach(ledger, {"contacts": contacts}), RULES, AS_OF)
    assert plan.table["style"].iat[0] == "dove"
    assert plan.table["key_person"].iat[0] == "王总（和平型）"


@pytest.mark.parametrize(
    ("ledger_cell", "log_person", "has_contacts", "reached", "warned"),
    [
        (None, "王总", True, True, False),  # the log names the decision-level person
        (None, "小李", True, False, True),  # only the operation level
        ("是", "小李", True, True, False),  # the ledger's cell wins
        (None, "王总", False, None, False),  # no contacts sheet: unknown, no warning
    ],
)
def test_decision_maker_reached_from_the_log(
    ledger_cell, log_person, has_contacts, reached, warned
):
    contacts = [
        contact("1", "王总", level="决策层", insider="是"),
        contact("1", "小李", level="操作层"),
    ]
    plan = plan_of(
        [customer("1", "甲", 1000, **{"已接触决策层": ledger_cell}), SMALL],
        log=[
            entry("1", D(2026, 11, 20), "拜访", log_person),
            entry("1", D(2026, 11, 1), "拜访", "另一位"),
        ],
        contacts=contacts if has_contacts else None,
    )
    r = row(plan, "1")
    assert ("no_decision_maker" in r["warnings"]) is warned
    note = r["_notes"]["key_person"] or ""
    if ledger_cell is None and has_contacts:
        expected = (
            "已接触决策层：2026-11-20 跟进了决策层的 王总（跟进记录第 2 行）"
            if reached
            else "未接触决策层：近 365 天的跟进记录里没有决策层的联系人"
        )
        assert expected in note


@pytest.mark.parametrize(
    ("revenue", "contacts", "log", "warned"),
    [
        (1000, [contact("1", "王")], None, True),  # A, one person known
        (1000, [contact("1", "王"), contact("1", "李")], None, False),
        (
            1000,
            None,
            [entry("1", D(2026, 11, 1), person="王"), entry("1", D(2026, 10, 1), person="王")],
            True,
        ),
        (
            1000,
            None,
            [entry("1", D(2026, 11, 1), person="王"), entry("1", D(2026, 10, 1), person="李")],
            False,
        ),
        (1000, None, [entry("1", D(2026, 11, 1))], True),  # entries naming nobody: at most one
        (
            1000,
            [contact("1", "王"), contact("1", "李")],
            [entry("1", D(2026, 11, 1), person="王")],
            True,
        ),
        (1, [contact("1", "王")], None, False),  # tier C
    ],
)
def test_single_threaded(revenue, contacts, log, warned):
    customers = [customer("1", "甲", revenue), customer("2", "乙", 1 if revenue > 1 else 100000)]
    r = row(plan_of(customers, log=log, contacts=contacts), "1")
    assert ("single_threaded" in r["warnings"]) is warned


def test_tier_b_is_single_threaded_too():
    customers = [customer("0", "大", 8000), customer("1", "乙", 1500), customer("2", "小", 500)]
    plan = plan_of(customers, contacts=[contact("1", "王")])
    assert row(plan, "1")["tier"] == "B" and "single_threaded" in row(plan, "1")["warnings"]


@pytest.mark.parametrize(
    ("contacts", "warned"),
    [
        ([contact("1", "王", insider="否"), contact("1", "李")], True),
        ([contact("1", "王", insider="否"), contact("1", "李", insider="是")], False),
        ([], False),  # nobody known: no contacts known, no warning
    ],
)
def test_no_insider_for_tier_a(contacts, warned):
    plan = plan_of([A, SMALL, customer("3", "丙")], contacts=[*contacts, contact("3", "x")])
    assert ("no_insider" in row(plan, "1")["warnings"]) is warned
    assert "no_insider" not in row(plan, "9")["warnings"]


def test_the_full_warning_order():
    plan = plan_of(
        [
            customer(
                "1",
                "甲",
                1000,
                last=D(2026, 10, 1),
                **{"已接触决策层": "否", "承诺期限": D(2026, 11, 1), "未兑现承诺": "送样"},
            ),
            SMALL,
        ],
        log=[entry("1", D(2026, 10, 1), person="王", next_date=D(2026, 10, 8))],
        contacts=[contact("1", "王", level="操作层")],
    )
    assert row(plan, "1")["warnings"] == [
        "overdue_contact",
        "promise_overdue",
        "followup_missed",
        "no_decision_maker",
        "no_visit",
        "single_threaded",
        "no_insider",
    ]


# --------------------------------------------------------------------------- linking


def test_linking_by_id_as_excel_shows_it_else_by_name():
    customers = [
        customer("1001", "甲公司"),
        customer("001001", "乙公司"),
        customer(None, "Acme Ltd"),
    ]
    log = [
        entry(1001.0, D(2026, 11, 1)),  # a number cell 1001 (stored 1001.0) is 1001
        entry("001001", D(2026, 11, 2)),  # a text cell stays 001001
        entry(None, D(2026, 11, 3), name="  ＡＣＭＥ ltd "),  # NFKC, trimmed, case-folded
    ]
    plan = plan_of(customers, log=log)
    assert row(plan, "1001")["last_note"].startswith("2026-11-01")
    assert row(plan, "001001")["last_note"].startswith("2026-11-02")
    t = plan.table
    assert t[t["name"] == "Acme Ltd"]["last_note"].iat[0].startswith("2026-11-03")
    assert not data_problems(plan.problems)


def test_a_row_with_an_id_links_by_id_only_and_an_unknown_one_is_a_problem():
    plan = plan_of([customer("1", "甲")], log=[entry("2", D(2026, 11, 1), name="甲")])
    assert row(plan, "1")["log_entries"] == 0
    (problem,) = data_problems(plan.problems)
    assert (problem.sheet, problem.row, problem.column, problem.value, problem.reason) == (
        "跟进记录",
        2,
        "客户编号 (A)",
        "2",
        "no_such_customer",
    )
    assert plan.has_problems


def test_a_name_of_two_customers_is_ambiguous():
    plan = plan_of(
        [customer("1", "甲"), customer("2", "甲")], contacts=[contact(None, "王", name="甲")]
    )
    (problem,) = data_problems(plan.problems)
    assert (problem.sheet, problem.row, problem.reason, problem.detail) == (
        "联系人",
        2,
        "ambiguous_customer",
        "2, 3",
    )


def test_a_contacts_row_without_a_customer_or_person_is_a_problem():
    plan = plan_of([A], contacts=[contact(None, "王"), contact("1", None, "总经理")])
    reasons = sorted((p.row, p.reason) for p in data_problems(plan.problems))
    assert reasons == [(2, "no_customer"), (3, "missing_person")]
    assert row(plan, "1")["contacts_known"] == 0


def test_persons_named_in_the_log_but_not_in_contacts_are_fine():
    plan = plan_of(
        [A], log=[entry("1", D(2026, 11, 1), person="陌生人")], contacts=[contact("1", "王")]
    )
    assert not data_problems(plan.problems)


def test_a_log_problem_does_not_mark_the_customer_row_of_the_same_number():
    rows = [LOG_HEADER, entry("1", "不是日期"), entry("1", D(2026, 11, 1))]
    ledger = ledger_from_rows(rows_of(CUSTOMER_HEADER, [A]), RULES, "f.xlsx", "客户台账")
    log = records_from_rows(rows, RULES, "log", "f.xlsx", "跟进记录")
    plan = make_plan(attach(ledger, {"log": log}), RULES, AS_OF)
    assert [p.reason for p in data_problems(plan.problems)] == ["not_a_date"]  # said once
    assert "data_missing" not in plan.table["warnings"].iat[0]


# --------------------------------------------------------------------------- reading workbooks


CUSTOMERS = rows_of(
    CUSTOMER_HEADER,
    [customer("1", "甲公司", 1000, last=D(2026, 10, 1)), customer("2", "乙公司", 10)],
)
LOG = [LOG_HEADER, entry("1", D(2026, 11, 20), "拜访", "王总", "谈续约", next_date=D(2026, 11, 25))]
CONTACTS = [CONTACT_HEADER, contact("1", "王总", "总经理", "决策层", insider="是")]


def test_the_sheets_are_found_by_name_whatever_their_order(tmp_path: Path):
    path = workbook(
        tmp_path / "f.xlsx", {"联系人": CONTACTS, "跟进记录": LOG, "客户台账": CUSTOMERS}
    )
    ledger = read_ledger(path, RULES, as_of=AS_OF)
    assert ledger.sheet == "客户台账" and len(ledger.table) == 2
    assert ledger.log is not None and ledger.log.sheet == "跟进记录"
    assert ledger.contacts is not None and len(ledger.contacts.table) == 1
    said = [(p.sheet, p.reading.kind) for p in readings(ledger.problems)]
    from kqexcel.io.problems import reason_text

    contacts_line = reason_text(readings(ledger.problems)[2], "zh", RULES)
    assert contacts_line.endswith("H 性格类型")  # every column read: nothing said unused
    wider = [[*CONTACT_HEADER, "手机"], [*contact("1", "王总"), "138"]]
    other = read_ledger(
        workbook(tmp_path / "g.xlsx", {"客户台账": CUSTOMERS, "联系人": wider}), RULES
    )
    line = reason_text(readings(other.problems)[1], "zh", RULES)
    assert line.endswith("；未识别 1 列（计划里不用）：I 手机")  # not carried into the plan
    assert said == [("客户台账", "customers"), ("跟进记录", "log"), ("联系人", "contacts")]


def test_the_sheets_are_found_by_header_when_their_names_say_nothing(tmp_path: Path):
    path = workbook(tmp_path / "f.xlsx", {"Sheet1": CUSTOMERS, "Sheet2": LOG, "Sheet3": CONTACTS})
    ledger = read_ledger(path, RULES, as_of=AS_OF)
    assert (ledger.sheet, ledger.log.sheet, ledger.contacts.sheet) == ("Sheet1", "Sheet2", "Sheet3")


def test_a_ledger_with_contact_columns_is_still_the_customer_sheet(tmp_path: Path):
    rows = rows_of(
        CUSTOMER_HEADER + ["联系人", "职务", "手机"],
        [customer("1", "甲", 1000, last=D(2026, 11, 1), 联系人="王总", 职务="经理", 手机="138")],
    )
    ledger = read_ledger(workbook(tmp_path / "f.xlsx", {"Sheet1": rows}), RULES, as_of=AS_OF)
    assert ledger.sheet == "Sheet1" and ledger.contacts is None
    assert "carried:联系人" in ledger.table


def test_a_log_whose_header_says_nothing_is_one_line_and_the_plan_goes_on(tmp_path: Path, runner):
    path = workbook(
        tmp_path / "f.xlsx", {"客户台账": CUSTOMERS, "跟进记录": [["日子", "谁"], ["x", "y"]]}
    )
    out = tmp_path / "p.json"
    result = runner.invoke(
        cli, ["plan", str(path), "--format", "json", "-o", str(out), "--as-of", "2026-11-22"]
    )
    assert result.exit_code == 1, result.output
    assert (
        "  f.xlsx / 跟进记录：这张跟进记录表的表头认不出"
        "（需要日期或姓名，以及客户编号或客户名称），计划没有用它\n" in result.output
    )
    records = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert len(records) == 2 and records[0]["log_entries"] is None


def test_english_workbook_with_crm_style_headers(tmp_path: Path, runner):
    customers = [
        ["Customer ID", "Customer", "Owner", "Revenue", "Last contact"],
        ["A1", "Acme", "Ann", 500, D(2026, 10, 1)],
        ["A2", "Beta", "Ann", 5, D(2026, 11, 1)],
    ]
    log = [
        [
            "Customer ID",
            "Activity date",
            "Activity type",
            "Contact",
            "Subject",
            "Outcome",
            "Follow-up date",
        ],
        ["A1", D(2026, 11, 15), "Meeting", "Jane", "Review", "Good", D(2026, 11, 19)],
    ]
    contacts = [
        ["Account Name", "Full name", "Title", "Level", "Insider"],
        ["Acme", "Jane", "CEO", "Decision maker", "yes"],
        ["Acme", "Joe", "Buyer", "Staff", "no"],
    ]
    path = workbook(
        tmp_path / "crm.xlsx", {"Accounts": customers, "Activities": log, "Contacts": contacts}
    )
    result = runner.invoke(
        cli, ["plan", str(path), "--format", "json", "--as-of", "2026-11-22", "--lang", "en"]
    )
    assert result.exit_code == 0, result.output
    first = json.loads(result.stdout.splitlines()[0])
    assert first["last_visit"] == "2026-11-15" and first["log_entries"] == 1
    assert first["last_note"] == "2026-11-15 Visit Jane: Review (Good)"
    assert first["key_person"] == "Jane (CEO)" and first["levels_covered"] == [
        "decision",
        "operation",
    ]
    assert first["warnings"] == ["followup_missed", "single_threaded"]  # only Jane in the log
    assert first["next_contact"] == "2026-11-23" and first["days_overdue"] == 0


def test_log_and_contacts_given_apart(tmp_path: Path, runner):
    ledger = workbook(tmp_path / "台账.xlsx", {"客户台账": CUSTOMERS})
    log = tmp_path / "拜访.csv"
    with log.open("w", encoding="gb18030", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["客户名称", "拜访日期", "拜访方式", "拜访对象", "沟通内容"])
        writer.writerow(["甲公司", "2026/11/18", "上门", "王总", "送样品"])
    contacts = workbook(tmp_path / "档案.xlsx", {"说明": [["这是说明"]], "关键人": CONTACTS})
    before = {p: p.read_bytes() for p in (ledger, log, contacts)}
    result = runner.invoke(
        cli,
        [
            "plan",
            str(ledger),
            "--log",
            str(log),
            "--contacts",
            f"{contacts}:关键人",
            "--format",
            "json",
            "--as-of",
            "2026-11-22",
        ],
    )
    assert result.exit_code == 0, result.output
    first = json.loads(result.stdout.splitlines()[0])
    assert first["last_visit"] == "2026-11-18" and first["key_person"] == "王总（总经理）"
    assert "no_insider" not in first["warnings"] and "single_threaded" in first["warnings"]
    assert {p: p.read_bytes() for p in before} == before  # inputs never changed
    assert "读取 拜访.csv / 拜访" in result.output


def test_apart_needs_one_ledger_and_an_existing_file(tmp_path: Path, runner):
    ledger = workbook(tmp_path / "a.xlsx", {"客户台账": CUSTOMERS})
    result = runner.invoke(cli, ["plan", str(ledger), str(ledger), "--log", str(ledger)])
    assert result.exit_code == 2 and "请只给一个台账" in result.output
    result = runner.invoke(cli, ["plan", str(ledger), "--contacts", f"{tmp_path}/none.xlsx:联系人"])
    assert result.exit_code == 2 and "找不到文件" in result.output
    result = runner.invoke(
        cli,
        ["plan", str(ledger), "--contacts", f"{ledger}:没有这张表", "-o", str(tmp_path / "x.xlsx")],
    )
    assert (
        result.exit_code == 1 and "没有这张表" in result.output and "Traceback" not in result.output
    )


def test_map_names_a_log_column(tmp_path: Path, runner):
    log = [["客户编号", "拜访日", "方式", "记录"], ["1", D(2026, 11, 20), "电话", "回访"]]
    path = workbook(tmp_path / "f.xlsx", {"客户台账": CUSTOMERS, "跟进记录": log})
    result = runner.invoke(
        cli,
        [
            "plan",
            str(path),
            "--format",
            "json",
            "--as-of",
            "2026-11-22",
            "--map",
            "拜访日=date",
            "--map",
            "记录=content",
        ],
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout.splitlines()[0])["last_note"] == "2026-11-20 电话：回访"


# --------------------------------------------------------------------------- outputs


@pytest.fixture
def planned(tmp_path: Path, runner) -> Path:
    path = workbook(
        tmp_path / "f.xlsx", {"客户台账": CUSTOMERS, "跟进记录": LOG, "联系人": CONTACTS}
    )
    out = tmp_path / "f_plan.xlsx"
    result = runner.invoke(cli, ["plan", str(path), "-o", str(out), "--as-of", "2026-11-22"])
    assert result.exit_code == 0, result.output
    return out


def test_the_plan_sheet_carries_the_new_columns(planned: Path):
    ws = openpyxl.load_workbook(planned)["跟进计划"]
    header = [c.value for c in ws[1]]
    at = header.index("预警")
    assert header[at + 1 : at + 11] == [
        "最近拜访",
        "跟进次数",
        "最近跟进",
        "关键人",
        "已知联系人",
        "接触层级",
        "最近下单",
        "RFM得分",
        "RFM分群",
        "依据",
    ]
    values = {h: c.value for h, c in zip(header, ws[2], strict=False)}
    assert (
        values["最近拜访"] == dt.datetime(2026, 11, 20)
        and ws.cell(2, at + 2).number_format == "yyyy-mm-dd"
    )
    assert values["跟进次数"] == 1 and values["已知联系人"] == 1
    assert values["最近跟进"] == "2026-11-20 拜访 王总：谈续约"
    assert values["关键人"] == "王总（总经理）" and values["接触层级"] == "决策层"
    assert "单线联系" in values["预警"]
    second = {h: c.value for h, c in zip(header, ws[3], strict=False)}
    assert second["跟进次数"] == 0 and second["已知联系人"] == 0 and second["接触层级"] == "无"
    assert ws.cell(2, header.index("关键人") + 1).comment.text.startswith(
        "关键人 王总（总经理）：决策层里排在最前"
    )


def test_conditional_formats_mark_followup_missed_and_single_threaded(planned: Path):
    ws = openpyxl.load_workbook(planned)["跟进计划"]
    header = [c.value for c in ws[1]]
    letter = {h: openpyxl.utils.get_column_letter(j) for j, h in enumerate(header, start=1)}
    formulas = {str(cf.sqref): [r.formula[0] for r in cf.rules] for cf in ws.conditional_formatting}
    found = f'ISNUMBER(SEARCH("约定未跟进",${letter["预警"]}2))'
    missed = f"OR({found},{found})"  # the zh and en labels, both zh in a zh plan
    single = missed.replace("约定未跟进", "单线联系")
    assert formulas[
        f"{letter['预警']}2:{letter['预警']}3 {letter['最近跟进']}2:{letter['最近跟进']}3"
    ] == [missed]
    assert formulas[
        f"{letter['关键人']}2:{letter['关键人']}3 {letter['已知联系人']}2:{letter['已知联系人']}3"
    ] == [single]


def test_the_legend_explains_every_new_field_and_warning(planned: Path):
    ws = openpyxl.load_workbook(planned)["说明"]
    text = {row[0]: row[2] for row in ws.iter_rows(values_only=True) if row and row[0]}
    for label in (
        "最近拜访",
        "跟进次数",
        "最近跟进",
        "关键人",
        "已知联系人",
        "接触层级",
        "约定未跟进",
        "久未拜访",
        "单线联系",
        "无内线",
        "决策层",
        "采购员",
    ):
        assert text.get(label), label
    assert "一等就是一年多" in text["约定未跟进"] and "找到内线就成功了一半" in text["无内线"]


def test_json_and_csv_keys_as_domain_14(tmp_path: Path, runner):
    path = workbook(
        tmp_path / "f.xlsx", {"客户台账": CUSTOMERS, "跟进记录": LOG, "联系人": CONTACTS}
    )
    result = runner.invoke(cli, ["plan", str(path), "--format", "json", "--as-of", "2026-11-22"])
    record = json.loads(result.stdout.splitlines()[0])
    keys = list(record)
    at = keys.index("warnings")
    assert keys[at + 1 :] == [
        "warning_details",
        "last_visit",
        "log_entries",
        "last_note",
        "key_person",
        "contacts_known",
        "levels_covered",
        "last_order",
        "rfm_score",
        "rfm_segment",
        "rationale",
    ]
    assert record["levels_covered"] == ["decision"] and record["log_entries"] == 1
    result = runner.invoke(
        cli, ["plan", str(path), "--format", "csv", "--codes", "--as-of", "2026-11-22"]
    )
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert rows[0]["levels_covered"] == "decision" and rows[1]["levels_covered"] == ""
    assert rows[0]["last_visit"] == "2026-11-20" and rows[0]["contacts_known"] == "1"


def test_report_customer_sheet_and_logs_linked_within_each_file(tmp_path: Path, runner):
    folder = tmp_path / "台账"
    folder.mkdir()
    workbook(folder / "a.xlsx", {"客户台账": CUSTOMERS, "跟进记录": LOG})
    other = rows_of(CUSTOMER_HEADER, [customer("B1", "丙公司", 500, last=D(2026, 11, 1))])
    workbook(
        folder / "b.xlsx",
        {"客户台账": other, "跟进记录": [LOG_HEADER, entry("1", D(2026, 11, 21))]},
    )
    out = tmp_path / "r.xlsx"
    result = runner.invoke(
        cli, ["report", str(folder), "--month", "2026-11", "-o", str(out), "--as-of", "2026-11-22"]
    )
    assert result.exit_code == 1, result.output  # b's log names customer 1, which is a's
    book = openpyxl.load_workbook(out)
    issues = [
        r
        for r in book["问题"].iter_rows(values_only=True)
        if r[5] == "台账里没有这位客户，该行未计入"
    ]
    assert [(Path(r[0]).name, r[1], r[2]) for r in issues] == [("b.xlsx", "跟进记录", 2)]
    ws = book["全部客户"]
    header = [c.value for c in ws[1]]
    rows = {
        r[1]: dict(zip(header, r, strict=False)) for r in ws.iter_rows(min_row=2, values_only=True)
    }
    assert rows["甲公司"]["最近跟进"].startswith("2026-11-20 拜访 王总")
    assert rows["丙公司"]["跟进次数"] == 0


def test_report_with_a_log_apart_links_across_ledgers(tmp_path: Path, runner):
    folder = tmp_path / "台账"
    folder.mkdir()
    workbook(folder / "a.xlsx", {"客户台账": CUSTOMERS})
    workbook(
        folder / "b.xlsx", {"客户台账": rows_of(CUSTOMER_HEADER, [customer("B1", "丙公司", 500)])}
    )
    log = workbook(
        tmp_path / "log.xlsx",
        {"跟进记录": [LOG_HEADER, entry("1", D(2026, 11, 20)), entry("B1", D(2026, 11, 21))]},
    )
    summary = tmp_path / "s.json"
    for scope in ("company", "ledger"):
        out = tmp_path / f"r_{scope}.xlsx"
        result = runner.invoke(
            cli,
            [
                "report",
                str(folder),
                "--month",
                "2026-11",
                "-o",
                str(out),
                "--log",
                str(log),
                "--tier-scope",
                scope,
                "--summary-json",
                str(summary),
                "--force",
            ],
        )
        assert result.exit_code == 0, result.output
        ws = openpyxl.load_workbook(out)["全部客户"]
        header = [c.value for c in ws[1]]
        rows = {
            r[1]: dict(zip(header, r, strict=False))
            for r in ws.iter_rows(min_row=2, values_only=True)
        }
        assert rows["甲公司"]["跟进次数"] == 1 and rows["丙公司"]["跟进次数"] == 1
        assert rows["乙公司"]["跟进次数"] == 0


# --------------------------------------------------------------------------- property


ENTRY = st.tuples(
    st.sampled_from(["1", "2", "3", "4"]),  # "4" is no customer: a problem, not counted
    st.integers(-5, 800),  # days before as_of (negative: after it, a plan)
    st.sampled_from(["拜访", "电话", None]),
    st.sampled_from(["王", "李", None]),
    st.one_of(st.none(), st.integers(-20, 20)),  # the next date, days after the entry
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(ENTRY, max_size=25))
def test_the_group_bys_agree_with_counting_by_hand(entries):
    log = [
        entry(
            cid,
            AS_OF - dt.timedelta(days=age),
            channel,
            person,
            next_date=None if nxt is None else AS_OF - dt.timedelta(days=age - nxt),
        )
        for cid, age, channel, person, nxt in entries
    ]
    plan = plan_of(
        [customer("1", "甲", 1000), customer("2", "乙", 10), customer("3", "丙", 1)], log=log
    )
    for cid in ("1", "2", "3"):
        mine = [(i, e) for i, e in enumerate(entries) if e[0] == cid and e[1] >= 0]
        r = row(plan, cid)
        assert r["log_entries"] == sum(1 for _, e in mine if e[1] < 365)
        visits = [e[1] for _, e in mine if e[2] == "拜访"]
        assert (None if not visits else pd_ts(str(AS_OF - dt.timedelta(days=min(visits))))) == (
            None if is_missing(r["last_visit"]) else r["last_visit"]
        )
        if not mine:
            assert is_missing(r["last_note"])
            continue
        latest = max(mine, key=lambda x: (-x[1][1], x[0]))[1]  # latest date, then the lower row
        assert r["last_note"].startswith(str(AS_OF - dt.timedelta(days=latest[1])))
        missed = latest[4] is not None and latest[1] - latest[4] > 0
        assert ("followup_missed" in r["warnings"]) is missed
    assert sum(p.reason == "no_such_customer" for p in plan.problems) == sum(
        1 for e in entries if e[0] == "4" and e[1] >= 0
    )


# --------------------------------------------------------------------------- what a review found


@pytest.mark.parametrize(
    "header",
    [
        ["客户名称", "联系人", "职务", "联系电话", "地址", "年销售额", "最近联系日期"],
        ["客户名称", "日期", "联系方式", "年销售额"],  # 联系方式: a phone number, to a rep
    ],
)
@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_a_one_sheet_ledger_that_looks_like_a_log_or_contacts_is_a_ledger(tmp_path, header, suffix):
    values = {
        "客户名称": "甲",
        "联系人": "王",
        "职务": "经理",
        "年销售额": 100,
        "日期": "2026-11-01",
    }
    rows = [
        header,
        [values.get(h) for h in header],
        [("乙" if h == "客户名称" else values.get(h)) for h in header],
    ]
    if suffix == ".csv":
        path = tmp_path / "r.csv"
        path.write_text(
            "\n".join(",".join("" if v is None else str(v) for v in r) for r in rows), "utf-8"
        )
    else:
        path = workbook(tmp_path / "r.xlsx", {"客户台账": rows})
    ledger = read_ledger(path, RULES, as_of=AS_OF)
    assert len(ledger.table) == 2 and ledger.log is None and ledger.contacts is None


def test_an_empty_or_hidden_named_sheet_is_no_problem(tmp_path):
    path = tmp_path / "f.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "客户台账"
    for r in CUSTOMERS:
        ws.append(r)
    wb.create_sheet("跟进记录")  # empty
    lists = wb.create_sheet("联系人")  # a hidden lookup list
    lists.append(["经理", "主管"])
    lists.sheet_state = "hidden"
    wb.save(path)
    ledger = read_ledger(path, RULES, as_of=AS_OF)
    assert not data_problems(ledger.problems) and ledger.log is None and ledger.contacts is None


def test_apart_the_sheet_named_for_the_kind_wins_over_a_header_that_fits(tmp_path, runner):
    ledger = workbook(tmp_path / "f.xlsx", {"客户台账": CUSTOMERS})
    other = [["客户编号", "联系人", "职务"], ["1", "小刘", "采购"]]
    dossier = workbook(tmp_path / "d.xlsx", {"客户": other, "关键人": CONTACTS})
    result = runner.invoke(
        cli,
        [
            "plan",
            str(ledger),
            "--contacts",
            str(dossier),
            "--format",
            "json",
            "--as-of",
            "2026-11-22",
        ],
    )
    assert json.loads(result.stdout.splitlines()[0])["key_person"] == "王总（总经理）"


def test_an_apart_log_without_rows_is_still_the_log(tmp_path, runner):
    ledger = workbook(tmp_path / "f.xlsx", {"客户台账": CUSTOMERS})
    log = tmp_path / "log.csv"
    log.write_text("客户编号,跟进日期,跟进方式\n", encoding="utf-8")
    result = runner.invoke(
        cli, ["plan", str(ledger), "--log", str(log), "--format", "json", "--as-of", "2026-11-22"]
    )
    first = json.loads(result.stdout.splitlines()[0])
    assert first["log_entries"] == 0 and "no_visit" in first["warnings"]


def test_report_by_ledger_keeps_an_ambiguous_name_out(tmp_path, runner):
    folder = tmp_path / "台账"
    folder.mkdir()
    for name in ("east", "north"):
        workbook(
            folder / f"{name}.xlsx",
            {"客户台账": rows_of(CUSTOMER_HEADER, [customer(None, "甲公司", 500)])},
        )
    log = workbook(
        tmp_path / "log.xlsx",
        {"跟进记录": [LOG_HEADER, entry(None, D(2026, 11, 18), "拜访", "王", name="甲公司")]},
    )
    out = tmp_path / "r.xlsx"
    result = runner.invoke(
        cli,
        [
            "report",
            str(folder),
            "--month",
            "2026-11",
            "-o",
            str(out),
            "--log",
            str(log),
            "--tier-scope",
            "ledger",
        ],
    )
    assert result.exit_code == 1, result.output
    book = openpyxl.load_workbook(out)
    customers = [r for r in book["全部客户"].iter_rows(min_row=2, values_only=True)]
    header = [c.value for c in book["全部客户"][1]]
    assert [r[header.index("跟进次数")] for r in customers] == [0, 0]
    issues = [r for r in book["问题"].iter_rows(values_only=True) if r[5] and "同名客户" in r[5]]
    assert len(issues) == 1 and "east.xlsx:2, north.xlsx:2" in issues[0][5]


def test_an_unreadable_log_date_is_said_once(tmp_path):
    rows = [LOG_HEADER, entry("1", "不是日期"), entry("1", None)]
    log = records_from_rows(rows, RULES, "log", "f.xlsx", "跟进记录")
    assert [(p.row, p.reason) for p in data_problems(log.problems)] == [
        (2, "not_a_date"),
        (3, "missing_date"),
    ]


def test_entries_naming_nobody_say_so():
    r = row(plan_of([A, SMALL], log=[entry("1", D(2026, 11, 1))]), "1")
    assert "单线联系：近 365 天的 1 次跟进都没写找的是谁" in r["_notes"]["key_person"]


def test_formula_ranges_that_say_nothing_are_left_out():
    from kqexcel import udfs

    customers = rows_of(CUSTOMER_HEADER, [customer("1", "甲", 1000, last=D(2026, 11, 1))])
    plan = udfs.KQ_PLAN(customers, "2026-11-22", "zh", [["日子"], ["x"]], None)
    header = plan[0]
    assert plan[1][header.index("跟进次数")] is None  # no log: null, no no_visit
    assert "久未拜访" not in (plan[1][header.index("预警")] or "")
