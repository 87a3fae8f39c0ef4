"""The plan writer and the streamer, called directly: text read back as the ledger holds it."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import threading
import time
from pathlib import Path

import openpyxl
import pytest
import python_calamine as pc
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.utils.escape import unescape

from kqexcel.cli import cli
from kqexcel.core.plan import make_plan
from kqexcel.io.cells import cell_text
from kqexcel.io.ledger import read_ledger
from kqexcel.io.plan_writer import write_csv, write_json, write_plan
from kqexcel.io.xlsx_stream import _ahead
from kqexcel.rules import default_rules
from tests.conftest import AS_OF as AS_OF_TEXT
from tests.edge_files import sheet_records as _plan_rows
from tests.edge_files import write_rows as _ledger

AS_OF = dt.date(2026, 11, 22)


def _plan_of(names: list[str], tmp_path: Path):
    ledger = tmp_path / "ledger.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["客户编号", "客户名称", "年销售额"])
    for i, name in enumerate(names, start=1):
        ws.append([f"C{i}", None, 1000 * i])
        cell = ws.cell(i + 1, 2)
        cell.value, cell.data_type = cell_text(name), "s"
    wb.save(ledger)
    rules = default_rules()
    return make_plan(read_ledger(ledger, rules), rules, AS_OF), rules


def _names_back(path: Path) -> tuple[list[object], list[object]]:
    rows = pc.CalamineWorkbook.from_path(str(path)).get_sheet_by_name("跟进计划").to_python()
    col = rows[0].index("客户名称")
    by_calamine = [r[col] for r in rows[1:]]
    ws = openpyxl.load_workbook(path)["跟进计划"]
    by_openpyxl = [r[col] for r in ws.iter_rows(min_row=2, values_only=True)]
    return by_calamine, by_openpyxl


def test_a_literal_x_escape_reads_back_as_written(tmp_path):
    """The bug of issue 12: AB_x0041_CD came back from the plan as ABACD."""
    plan, rules = _plan_of(["AB_x0041_CD", "甲_x005F_乙", "=SUM(1)"], tmp_path)
    out = write_plan(plan, rules, tmp_path / "plan.xlsx")
    by_calamine, by_openpyxl = _names_back(out)
    assert by_calamine == ["AB_x0041_CD", "甲_x005F_乙", "=SUM(1)"]
    # openpyxl (and LibreOffice) do not decode _xHHHH_: they show the escape XlsxWriter writes
    assert by_openpyxl == ["AB_x005F_x0041_CD", "甲_x005F_x005F_乙", "=SUM(1)"]
    assert [unescape(v) for v in by_openpyxl] == by_calamine


def test_both_writers_make_text_safe_the_same_way(tmp_path):
    """The issues sheet (openpyxl) and the plan sheet (the streamer) agree on the same text."""
    wb = openpyxl.Workbook()
    from kqexcel.io.cells import put

    put(wb.active, 1, 1, "AB_x0041_CD")
    wb.save(tmp_path / "o.xlsx")
    rows = pc.CalamineWorkbook.from_path(str(tmp_path / "o.xlsx")).get_sheet_by_index(0)
    assert rows.to_python() == [["AB_x0041_CD"]]


_TEXT = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\r"), min_size=1
).map(lambda s: "x" + s + "x")  # ends kept: the reader trims spaces at the edges


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(names=st.lists(_TEXT, min_size=1, max_size=4))
def test_any_text_reads_back_through_calamine_and_openpyxl(tmp_path_factory, names):
    tmp_path = tmp_path_factory.mktemp("any")
    plan, rules = _plan_of(names, tmp_path)
    shown = plan.table["name"].tolist()  # the ledger's text as the reader gives it
    out = write_plan(plan, rules, tmp_path / "plan.xlsx", force=True)
    by_calamine, by_openpyxl = _names_back(out)
    expected = [re.sub("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]", "", n) for n in shown]
    assert by_calamine == [None if e == "" else e for e in expected]
    assert [None if v is None else unescape(v) for v in by_openpyxl] == by_calamine


def test_json_and_csv_hold_the_ledger_text(tmp_path):
    plan, _ = _plan_of(["AB_x0041_CD", "=1+1"], tmp_path)
    text = io.StringIO()
    write_json(plan, text)
    assert '"AB_x0041_CD"' in text.getvalue()
    table = io.StringIO()
    write_csv(plan, table)
    names = [r["name"] for r in csv.DictReader(io.StringIO(table.getvalue()))]
    assert names == ["AB_x0041_CD", "'=1+1"]


def test_the_producer_stops_when_the_consumer_fails():
    """In the long-lived Excel process a failed save must not leave a thread blocked forever."""
    before = set(threading.enumerate())

    def endless():
        while True:
            yield "<row/>" * 100

    chunks = _ahead(endless(), depth=2)
    with pytest.raises(RuntimeError):
        for i, _ in enumerate(chunks):
            if i == 3:
                raise RuntimeError("the disk is full")
    chunks.close()
    deadline = time.monotonic() + 5
    while set(threading.enumerate()) - before and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not set(threading.enumerate()) - before


# moved from tests/test_edge_cases.py


def test_ledger_columns_named_like_plan_keys_are_carried_not_merged(runner, tmp_path):
    path = _ledger(
        tmp_path / "l.xlsx",
        [
            [
                "客户编号",
                "客户名称",
                "年销售额",
                "tier",
                "Priority",
                "warnings",
                "rationale",
                "days_overdue",
                "TIER",
            ],
            ["C1", "甲", 900, "x1", "y1", "w1", "r1", "d1", "X1"],
            ["C2", "乙", 100, "x2", "y2", "w2", "r2", "d2", "X2"],
        ],
    )
    result = runner.invoke(cli, ["plan", str(path), "--as-of", AS_OF_TEXT, "--format", "json"])
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["tier"] for r in records] == ["A", "B"]  # the plan's own tier, not the ledger's "x1"
    assert all(isinstance(r["warnings"], list) for r in records)

    result = runner.invoke(cli, ["plan", str(path), "--as-of", AS_OF_TEXT, "--lang", "en"])
    assert result.exit_code == 0, result.output
    rows = _plan_rows(tmp_path / "l_plan.xlsx", "Plan")
    headers = list(rows[0])
    assert len({h.casefold() for h in headers}) == len(
        headers
    )  # an Excel table needs unique headers
    assert [r["Tier"] for r in rows] == ["A", "B"]
    assert [r["tier*"] for r in rows] == ["x1", "x2"]
    assert [r["TIER**"] for r in rows] == ["X1", "X2"]
    assert [r["warnings*"] for r in rows] == ["w1", "w2"]


def test_control_characters_and_huge_text_do_not_break_the_workbook(runner, tmp_path):
    path = tmp_path / "c.csv"
    path.write_text(
        "客户编号,客户名称,年销售额,最近联系日期,奇怪\x01列\n"
        f"C1,甲\x02公司,abc\x03,2026-11-01,{'长' * 40000}\n"
        "C2,乙,100,2026-11-01,x\n",
        encoding="utf-8",
    )
    result = runner.invoke(cli, ["plan", str(path), "--as-of", AS_OF_TEXT])
    assert result.exit_code == 1, result.output  # abc is not an amount: a data problem
    wb = openpyxl.load_workbook(tmp_path / "c_plan.xlsx")
    plan, issues = wb["跟进计划"], wb["问题"]
    assert plan["B2"].value == "甲公司"
    assert "奇怪列" in [c.value for c in plan[1]]
    long = next(c.value for c in plan[2] if isinstance(c.value, str) and c.value.startswith("长"))
    assert len(long) == 32767 and long.endswith("…")
    assert "奇怪列" in issues[2][5].value  # how the file was read: its header cleaned too
    assert "abc" in [c.value for c in issues[3]]


def test_conditional_formats_follow_the_company_labels(runner, sample, tmp_path):
    rules = tmp_path / "rules.toml"
    rules.write_text(
        '[codes.priority.P1]\nzh = "一级"\n[codes.renewal_risk.high]\nzh = "很高"\n',
        encoding="utf-8",
    )
    result = runner.invoke(
        cli, ["plan", str(sample), "--as-of", AS_OF_TEXT, "--rules", str(rules), "-q"]
    )
    assert result.exit_code == 0, result.output
    ws = openpyxl.load_workbook(sample.with_name("sample_ledger_plan.xlsx"))["跟进计划"]
    formulas = " ".join(
        f for cf in ws.conditional_formatting for rule in cf.rules for f in rule.formula
    )
    assert '="一级"' in formulas and '="很高"' in formulas
    assert '"P1"' not in formulas and '"高"' not in formulas
    values = {c.value for row in ws.iter_rows(min_row=2) for c in row}
    assert "一级" in values and "很高" in values  # the cells the formats compare with


def test_the_reps_notes_follow_the_plan_fields(runner, tmp_path):
    path = _ledger(
        tmp_path / "n.xlsx",
        [
            ["客户名称", "年销售额", "备注", "内部评级"],
            ["甲", 100, "老板姓王，周三在", "S"],
            ["乙", 50, None, "T"],
        ],
    )
    result = runner.invoke(cli, ["plan", str(path), "--as-of", AS_OF_TEXT, "-q"])
    assert result.exit_code == 0, result.output
    rows = _plan_rows(tmp_path / "n_plan.xlsx", "跟进计划")
    assert list(rows[0])[-3:] == ["依据", "备注", "内部评级"]
    assert [r["备注"] for r in rows] == ["老板姓王，周三在", None]


def test_the_legend_quotes_the_company_thresholds(runner, sample, tmp_path):
    rules = tmp_path / "rules.toml"
    rules.write_text(
        '[tier]\na_share = 0.725\n[priority]\np1 = 55\n[codes.priority.P1]\nzh = "紧急"\n',
        encoding="utf-8",
    )
    result = runner.invoke(
        cli, ["plan", str(sample), "--rules", str(rules), "--as-of", AS_OF_TEXT, "-q"]
    )
    assert result.exit_code == 0, result.output
    legend = {
        r[1]: r
        for r in openpyxl.load_workbook(sample.with_name("sample_ledger_plan.xlsx"))[
            "说明"
        ].iter_rows(values_only=True)
        if r[1]
    }
    assert legend["A"][2].startswith("关键客户：") and "不到总价值的 72.5%" in legend["A"][2]
    assert legend["P1"][0] == "紧急" and legend["P1"][2].startswith("最优先：优先分 ≥ 55")


def test_contract_warnings_name_the_end_date(runner, tmp_path):
    path = _ledger(
        tmp_path / "k.xlsx",
        [
            ["客户名称", "年销售额", "签约状态", "到期日", "最近联系日期", "历史效果", "本期效果"],
            ["甲", 100, "续签", "2026-12-15", "2026-11-20", "5;6", 6],
            ["乙", 50, "续签", "2026-10-01", "2026-11-20", "5;6", 6],
        ],
    )
    result = runner.invoke(cli, ["plan", str(path), "--as-of", AS_OF_TEXT, "--format", "json"])
    assert [json.loads(x)["warnings"] for x in result.stdout.splitlines()] == [
        [],
        ["contract_expired"],
    ]
    path = _ledger(
        tmp_path / "k.xlsx",
        [
            ["客户名称", "年销售额", "签约状态", "到期日", "最近联系日期", "历史效果", "本期效果"],
            ["甲", 100, "续签", "2026-12-15", "2026-09-01", "5;6", 6],
            ["乙", 50, "续签", "2026-10-01", "2026-11-20", "5;6", 6],
        ],
    )
    runner.invoke(cli, ["plan", str(path), "--as-of", AS_OF_TEXT, "-q"])
    rows = _plan_rows(tmp_path / "k_plan.xlsx", "跟进计划")
    assert "临近到期（2026-12-15）" in rows[0]["预警"]
    assert rows[1]["预警"] == "合同已过期（2026-10-01）"
