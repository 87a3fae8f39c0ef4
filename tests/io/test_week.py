"""The 本周 / This-week sheet, print-ready plans and the Chinese that survives printing (6/8)."""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kqexcel.cli import cli
from kqexcel.core.plan import make_plan
from kqexcel.io import week as W
from kqexcel.io.ledger import read_ledger
from kqexcel.io.plan_writer import write_plan
from kqexcel.rules import load_rules
from tests.conftest import libreoffice_convert, workbook

D = dt.date
DAY = re.compile(
    r"(周[一二三四五六日]|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday) \d{4}-"
)
SAMPLE_DAY = "2026-11-30"  # a Monday


def tool(name: str) -> str:
    """A command-line tool the test needs: a skip locally, a failure in CI."""
    found = shutil.which(name)
    if not found:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{name} is required in CI: tests/setup.sh installs it")
        pytest.skip(f"{name} is not installed")
    return found


def blocks(ws: Any) -> dict[str, list[list[Any]]]:
    """The sheet's day blocks: day header text → its rows (header row first)."""
    out: dict[str, list[list[Any]]] = {}
    current: list[list[Any]] | None = None
    for row in ws.iter_rows(min_row=4, values_only=True):
        first = row[0]
        if isinstance(first, str) and DAY.match(first):
            current = out.setdefault(first, [])
        elif first is not None and current is not None:
            current.append(list(row))
    return out


def plan_of(runner, ledger: Path, tmp_path: Path) -> Path:
    """`kq plan` of a ledger on SAMPLE_DAY, to tmp_path/plan.xlsx."""
    out = tmp_path / "plan.xlsx"
    result = runner.invoke(cli, ["plan", str(ledger), "--as-of", SAMPLE_DAY, "-o", str(out), "-q"])
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture
def sample_plan(runner, sample: Path, tmp_path: Path) -> Path:
    return plan_of(runner, sample, tmp_path)


# ------------------------------------------------------------------------------ the days


@pytest.mark.parametrize(
    ("as_of", "days"),
    [
        # an ordinary week
        (
            D(2026, 11, 30),
            [D(2026, 11, 30), D(2026, 12, 1), D(2026, 12, 2), D(2026, 12, 3), D(2026, 12, 4)],
        ),
        # a Saturday: from the Monday
        (
            D(2026, 11, 28),
            [D(2026, 11, 30), D(2026, 12, 1), D(2026, 12, 2), D(2026, 12, 3), D(2026, 12, 4)],
        ),
        # 国庆 2026: 10-01…10-07 off, Saturday 10-10 a make-up working day (调休)
        (
            D(2026, 9, 30),
            [D(2026, 9, 30), D(2026, 10, 8), D(2026, 10, 9), D(2026, 10, 10), D(2026, 10, 12)],
        ),
        # 春节 2026: Saturday 02-14 works, 02-15…02-23 off
        (
            D(2026, 2, 13),
            [D(2026, 2, 13), D(2026, 2, 14), D(2026, 2, 24), D(2026, 2, 25), D(2026, 2, 26)],
        ),
    ],
)
def test_the_week_is_the_next_five_working_days(as_of: dt.date, days: list[dt.date]) -> None:
    assert W.week_days(load_rules(), as_of) == days


def test_week_days_follow_the_rules(tmp_path: Path) -> None:
    own = tmp_path / "co.toml"
    own.write_text("[calendar]\nweek_days = 3\nextra_holidays = [2026-12-01]\n", encoding="utf-8")
    assert W.week_days(load_rules(own), D(2026, 11, 30)) == [
        D(2026, 11, 30),
        D(2026, 12, 2),
        D(2026, 12, 3),
    ]
    off = tmp_path / "off.toml"
    off.write_text("[calendar]\nworking_days = false\nweek_days = 2\n", encoding="utf-8")
    assert W.week_days(load_rules(off), D(2026, 11, 28)) == [D(2026, 11, 28), D(2026, 11, 29)]


# ------------------------------------------------------------------------------ the sheet


def test_the_week_sheet_comes_first_and_the_file_opens_on_it(sample_plan: Path) -> None:
    wb = openpyxl.load_workbook(sample_plan)
    assert wb.sheetnames == ["本周", "跟进计划", "问题", "说明"]
    assert wb.active.title == "本周"
    ws = wb["本周"]
    assert ws["A1"].value.startswith("本周跟进：2026-11-30 至 2026-12-04（5 个工作日")
    assert wb["跟进计划"].freeze_panes == "C2"  # id and name stay in view scrolling right


def test_each_day_lists_its_customers_p1_first(sample_plan: Path, sample: Path) -> None:
    rules = load_rules()
    plan = make_plan(read_ledger(sample, rules), rules, D(2026, 11, 30))
    ws = openpyxl.load_workbook(sample_plan)["本周"]
    found = blocks(ws)
    days = W.week_days(rules, D(2026, 11, 30))
    weekdays = ["周一", "周二", "周三", "周四", "周五"]
    assert [k.split("：")[0] for k in found] == [
        f"{w} {d.isoformat()}" for w, d in zip(weekdays, days, strict=True)
    ]
    t = plan.table
    listed = 0
    for (head, rows), day in zip(found.items(), days, strict=True):
        due = t[t["next_contact"].dt.date == day]
        assert head.split("：")[1].startswith(f"{len(due)} 位客户")
        if not len(due):
            assert (
                rows == [["这一天没有安排联系。", *[None] * (len(rows[0]) - 1)]] if rows else True
            )
            continue
        header, body = rows[0], rows[1:]
        assert header[:3] == ["优先级", "客户编号", "客户名称"]
        ids = [r[1] for r in body]
        assert sorted(ids) == sorted(due["customer_id"])
        score = dict(zip(t["customer_id"], t["priority_score"], strict=True))
        order = [(r[0], -score[r[1]]) for r in body]
        assert order == sorted(order)  # P1 first, the higher score first within
        listed += len(body)
    assert listed == int(t["next_contact"].dt.date.isin(days).sum())


def test_the_block_carries_whom_to_call_and_what_to_say(sample_plan: Path) -> None:
    ws = openpyxl.load_workbook(sample_plan)["本周"]
    monday = next(iter(blocks(ws).values()))
    header, first = monday[0], dict(zip(monday[0], monday[1], strict=True))
    # owner (4 reps in the sample), key person (a contacts sheet), the ledger's 联系人 / 手机
    assert header == [
        "优先级",
        "客户编号",
        "客户名称",
        "客户经理",
        "关键人",
        "联系方式",
        "跟进目标",
        "预警",
        "话术要点",
        "联系人",
        "手机",
    ]
    assert first["客户名称"] == "华鼎机械制造有限公司" and first["优先级"] == "P1"
    assert first["关键人"] == "刘建国（总经理，力量型）"
    assert first["联系人"] == "刘建国" and first["手机"] == "138 0000 0001"
    assert first["联系方式"] == "拜访"
    assert "承诺逾期（赠送展会展位，11-10 到期）" in first["预警"]
    assert first["话术要点"].startswith("先兑现承诺：赠送展会展位（11-10 到期）\n")


def test_one_rep_without_contacts_gets_a_narrow_block(runner, tmp_path: Path) -> None:
    ledger = workbook(
        tmp_path / "a.xlsx",
        {
            "客户台账": [
                ["客户编号", "客户名称", "客户经理", "年销售额", "最近联系日期", "微信号"],
                ["C1", "甲公司", "张伟", 900, D(2026, 11, 1), "wx_jia"],
                ["C2", "乙公司", "张伟", 100, D(2026, 11, 2), None],
            ]
        },
    )
    out = plan_of(runner, ledger, tmp_path)
    monday = next(iter(blocks(openpyxl.load_workbook(out)["本周"]).values()))
    assert monday[0] == [
        "优先级",
        "客户编号",
        "客户名称",
        "联系方式",
        "跟进目标",
        "预警",
        "话术要点",
        "微信号",
    ]
    assert [r[1] for r in monday[1:]] == ["C1", "C2"] and monday[1][-1] == "wx_jia"


def test_no_owner_has_more_than_the_daily_limit_on_any_day(runner, tmp_path: Path) -> None:
    rows = [["客户编号", "客户名称", "客户经理", "年销售额", "最近联系日期"]]
    rows += [
        [f"C{i:02d}", f"客户{i}", "张伟" if i % 3 else "李娜", 1000 + i, D(2026, 9, 1)]
        for i in range(60)
    ]
    ledger = workbook(tmp_path / "many.xlsx", {"客户台账": rows})
    out = plan_of(runner, ledger, tmp_path)
    found = blocks(openpyxl.load_workbook(out)["本周"])
    per_day = []
    for rows_of_day in found.values():
        owners = [r[3] for r in rows_of_day[1:]]
        per_day.append({o: owners.count(o) for o in set(owners)})
    assert per_day[0] == {"张伟": 20, "李娜": 20}  # 40 张伟 and 20 李娜, all overdue
    assert per_day[1] == {"张伟": 20} and sum(len(r) - 1 for r in found.values()) == 60


def test_english_week(runner, sample: Path, tmp_path: Path) -> None:
    out = tmp_path / "p.xlsx"
    assert (
        runner.invoke(
            cli, ["plan", str(sample), "--as-of", SAMPLE_DAY, "--lang", "en", "-o", str(out), "-q"]
        ).exit_code
        == 0
    )
    wb = openpyxl.load_workbook(out)
    ws = wb["This week"]
    assert wb.sheetnames[0] == "This week"
    assert ws["A1"].value == "This week: 2026-11-30 to 2026-12-04 (5 working days, 30 customers)"
    head = next(iter(blocks(ws)))
    assert head.startswith("Monday 2026-11-30: ")
    assert blocks(ws)[head][0][:3] == ["Priority", "Customer ID", "Customer"]


def test_an_empty_ledger_still_gets_its_week(tmp_path: Path) -> None:
    rules = load_rules()
    ledger = workbook(tmp_path / "e.xlsx", {"客户台账": [["客户编号", "客户名称", "年销售额"]]})
    plan = make_plan(read_ledger(ledger, rules), rules, D(2026, 11, 30))
    out = write_plan(plan, rules, tmp_path / "p.xlsx")
    ws = openpyxl.load_workbook(out)["本周"]
    texts = [c for row in ws.iter_rows(values_only=True) for c in row if c]
    assert texts.count("这一天没有安排联系。") == 5 and ws.row_breaks.count == 0


def test_a_very_long_week_says_what_it_left_out(monkeypatch, tmp_path: Path) -> None:
    rules = load_rules()
    rows = [["客户编号", "客户名称", "年销售额"]] + [
        [f"C{i}", f"客户{i}", 10 + i] for i in range(8)
    ]
    plan = make_plan(
        read_ledger(workbook(tmp_path / "a.xlsx", {"客户台账": rows}), rules),
        rules,
        D(2026, 11, 30),
    )
    monkeypatch.setattr(W, "WEEK_ROWS", 5)
    ws = openpyxl.load_workbook(write_plan(plan, rules, tmp_path / "p.xlsx"))["本周"]
    texts = [c for row in ws.iter_rows(values_only=True) for c in row if c]
    assert "另有 3 位客户这几天要联系，这里没有列出，见“跟进计划”表。" in texts


def test_a_template_may_place_the_week_itself(tmp_path: Path, sample: Path) -> None:
    from openpyxl.workbook.defined_name import DefinedName

    from kqexcel.io.templates import bundled

    template = tmp_path / "t.xlsx"
    wb = openpyxl.load_workbook(bundled("plan.xlsx"))
    own = wb.create_sheet("我的一周")
    own["A1"] = "公司抬头"
    wb.defined_names["kq_week"] = DefinedName("kq_week", attr_text="'我的一周'!$A$3")
    wb.save(template)
    rules = load_rules()
    plan = make_plan(read_ledger(sample, rules), rules, D(2026, 11, 30))
    out = openpyxl.load_workbook(write_plan(plan, rules, tmp_path / "p.xlsx", template))
    assert "本周" not in out.sheetnames and out.active.title == "我的一周"
    ws = out["我的一周"]
    assert ws["A1"].value == "公司抬头" and ws["A3"].value.startswith("本周跟进：")


# ------------------------------------------------------------------------------ printing


def test_the_week_prints_a_page_per_day_one_page_wide(sample_plan: Path) -> None:
    ws = openpyxl.load_workbook(sample_plan)["本周"]
    assert ws.page_setup.orientation == "landscape"
    assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth == 1
    assert ws.page_setup.fitToHeight == 0
    found = blocks(ws)
    busy = [k for k, rows in found.items() if rows and rows[0][0] == "优先级"]
    assert ws.row_breaks.count == len(busy) - (1 if list(found)[-1] in busy else 0)
    # wrapped rows are given their height (no client grows a row for wrapped text by itself)
    assert all(ws.row_dimensions[r].height for r in range(6, 10))


def test_fonts_are_dengxian(sample_plan: Path) -> None:
    wb = openpyxl.load_workbook(sample_plan)
    assert wb._fonts[0].name == "DengXian"
    assert wb["跟进计划"]["A1"].font.name == "DengXian"
    assert wb["本周"]["A1"].font.name == "DengXian" and wb["本周"]["A1"].font.b


def test_chinese_survives_printing_to_pdf(sample_plan: Path, tmp_path: Path) -> None:
    """LibreOffice prints the plan; pdftotext reads the Chinese back, the week first."""
    pdftotext = tool("pdftotext")
    pdf = libreoffice_convert(sample_plan, "calc_pdf_Export", ".pdf", tmp_path / "pdf")
    first = subprocess.run(
        [pdftotext, "-f", "1", "-l", "1", "-layout", str(pdf), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "本周跟进：2026-11-30 至 2026-12-04" in first
    assert "周一 2026-11-30" in first and "华鼎机械制造有限公司" in first
    assert "先兑现承诺：赠送展会展位" in first
    whole = subprocess.run(
        [pdftotext, str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    for words in ("跟进计划", "话术要点", "依据", "说明", "知遇之情"):
        assert words in whole, words
    assert "\ufffd" not in whole  # no character lost on the way


# ------------------------------------------------------------------------------ row heights


@settings(max_examples=200, deadline=None)
@given(
    texts=st.lists(
        st.one_of(
            st.none(),
            st.text(alphabet=st.sampled_from("ab 1，客户甲乙。\n（）Ａ—"), max_size=120),
            st.integers(-5, 10**6),
        ),
        min_size=1,
        max_size=6,
    ),
    width=st.sampled_from([8.0, 12.0, 28.0, 60.0]),
)
def test_whole_column_heights_are_the_row_heights(texts: list[Any], width: float) -> None:
    """The streamed sheets' heights (over whole columns) are what row_height gives row by row."""
    from kqexcel.io.fill import row_height, wrapped_heights

    got = wrapped_heights([texts], [width], len(texts))
    for text, height in zip(texts, got, strict=True):
        want = row_height([(text, width)])
        assert (height or 18.0) == want


def test_plan_rows_are_as_tall_as_their_talking_points(sample_plan: Path) -> None:
    from kqexcel.io.fill import row_height

    ws = openpyxl.load_workbook(sample_plan)["跟进计划"]
    head = {c.value: c.column_letter for c in ws[1]}
    wrapped = ["跟进目标", "话术要点", "建议提问", "预警", "最近跟进", "关键人"]
    for r in range(2, 42):
        cells = [(ws[f"{head[h]}{r}"].value, ws.column_dimensions[head[h]].width) for h in wrapped]
        want = row_height(cells)
        assert (ws.row_dimensions[r].height or 18.0) == want, r
    # the rationale wraps but does not make its row taller (it is in the cells' notes too)
    rationale = ws[f"{head['依据']}2"]
    assert (
        rationale.alignment.wrap_text
        and row_height([(rationale.value, 70)]) > ws.row_dimensions[2].height
    )
