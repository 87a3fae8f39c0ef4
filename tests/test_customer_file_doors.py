"""DOMAIN §10 through every door: the ledger template's three sheets (filled with their own
dropdown values and planned), `kq template check`, the formulas, the Excel button, the sample
ledger, and LibreOffice reading the plan back."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import openpyxl
import pytest

from kqexcel import formulas as F
from kqexcel import udfs, xl
from kqexcel.cli import cli
from kqexcel.io.templates import build_ledger_template
from tests.conftest import AS_OF, ROOT, libreoffice_csv
from tests.test_xl import Book, Sheet


def _lists(wb: openpyxl.Workbook) -> dict[str, list[str]]:
    """Each dropdown's items, by its defined name."""
    out = {}
    for name, defined in wb.defined_names.items():
        if not name.startswith("kq_list_"):
            continue
        sheet, cells = next(iter(defined.destinations))
        out[name] = [c.value for row in wb[sheet][cells.replace("$", "")] for c in row]
    return out


def _fill(ws, values: dict[str, object], row: int) -> None:
    header = [c.value for c in ws[1]]
    for key, value in values.items():
        ws.cell(row, header.index(key) + 1, value)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_ledger_template_round_trips_with_its_own_dropdown_values(tmp_path: Path, runner, lang):
    wb = build_ledger_template(lang=lang)
    names = wb.sheetnames
    assert names[:3] == (
        ["客户台账", "填写说明", "跟进记录"] if lang == "zh" else ["Ledger", "Guide", "Follow-ups"]
    )
    lists = _lists(wb)
    ledger, log, contacts = wb[names[0]], wb[names[2]], wb[names[3]]
    # every code and yes/no column of the log and contacts has a dropdown; the customer id too
    for ws in (log, contacts):
        listed = {
            str(dv.sqref).split(":")[0][:-1]: dv.formula1
            for dv in ws.data_validations.dataValidation
            if dv.type == "list"
        }
        assert listed["A"] == "kq_customer_ids"
    assert wb.defined_names["kq_customer_ids"].attr_text.endswith("!$A$2:$A$2001")
    for i, fill in enumerate(lists["kq_list_channel"]):
        _fill(ledger, {"客户编号" if lang == "zh" else "Customer ID": f"C{i}"}, i + 2)
        ledger.cell(i + 2, 2, f"客户{i}")
        ledger.cell(i + 2, 7, 1000 * (i + 1))
        _fill(
            log,
            {
                log.cell(1, 1).value: f"C{i}",
                log.cell(1, 3).value: dt.date(2026, 11, 10 + i),
                log.cell(1, 4).value: fill,
                log.cell(1, 5).value: f"人{i}",
                log.cell(1, 8).value: dt.date(2026, 12, 1),
            },
            i + 2,
        )
    levels, roles, yes_no = lists["kq_list_level"], lists["kq_list_role"], lists["kq_list_insider"]
    styles = lists["kq_list_style"]
    for i in range(4):
        values = [
            f"C{i}",
            None,
            f"人{i}",
            "经理",
            levels[i % 3],
            roles[i],
            yes_no[i % 2],
            styles[i],
        ]
        for j, value in enumerate(values, start=1):
            contacts.cell(i + 2, j, value)
    path = tmp_path / "filled.xlsx"
    wb.save(path)
    result = runner.invoke(cli, ["template", "check", str(path)])
    assert result.exit_code == 0, result.output
    result = runner.invoke(cli, ["plan", str(path), "--format", "json", "--as-of", AS_OF])
    assert result.exit_code == 0, result.output  # no problems at all
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(records) == 4 and all(
        r["log_entries"] == 1 and r["contacts_known"] == 1 for r in records
    )
    assert {r["last_note"].split()[1] for r in records} == {
        F.rules().label("channel", c, "zh") for c in ("visit", "phone", "email", "message")
    }


def test_template_check_names_the_sheet_of_a_broken_log(tmp_path: Path, runner):
    wb = build_ledger_template()
    log = wb["跟进记录"]
    log.data_validations.dataValidation = [
        dv for dv in log.data_validations.dataValidation if dv.formula1 != "kq_list_channel"
    ]
    log["C1"] = "日子"
    del wb.defined_names["kq_contacts"]
    path = tmp_path / "t.xlsx"
    wb.save(path)
    result = runner.invoke(cli, ["template", "check", str(path)])
    assert result.exit_code == 1
    assert "表头 跟进记录!C1“日子”不是已知的列" in result.output
    assert "跟进记录 表没有 跟进日期 列" in result.output
    assert "跟进记录!D 列（跟进方式）没有下拉选项" in result.output
    assert "没有 联系人 表（定义名称 kq_contacts）" in result.output


def test_the_guide_explains_the_log_and_the_contacts():
    wb = build_ledger_template()
    text = "\n".join(str(c) for row in wb["填写说明"].iter_rows(values_only=True) for c in row if c)
    assert "好记性不如烂笔头" in text and "找到内线就成功了一半" in text and "商业三员" in text


def test_the_sample_ledger_exercises_every_new_code(runner):
    result = runner.invoke(
        cli,
        [
            "plan",
            str(ROOT / "templates" / "sample_ledger.xlsx"),
            "--format",
            "json",
            "--as-of",
            AS_OF,
        ],
    )
    assert result.exit_code == 0, result.output
    records = {r["customer_id"]: r for r in map(json.loads, result.stdout.splitlines())}
    warned = {w for r in records.values() for w in r["warnings"]}
    assert {"followup_missed", "no_visit", "single_threaded", "no_insider"} <= warned
    assert (
        records["KH039"]["style"] == "eagle" and "取自关键人 何永" in records["KH039"]["rationale"]
    )
    assert records["KH025"]["style"] == "unknown"  # nor does its key person's
    assert (
        records["KH039"]["next_contact"] == "2026-12-07"
    )  # the promised day 12-05, before the interval's, is a Saturday: the Monday (§12)
    assert "已接触决策层：2026-11-20 跟进了决策层的 何永" in records["KH039"]["rationale"]
    assert "联系次数 2 取自跟进记录" in records["KH004"]["rationale"]
    assert records["KH002"]["levels_covered"] == ["decision", "management", "operation"]
    channels = {r["last_note"].split()[1] for r in records.values() if r["last_note"]}
    assert channels >= {"拜访", "电话", "邮件", "微信短信"}


# --------------------------------------------------------------------------- formulas, button


def _sheet_rows(path: Path, name: str) -> list[list[object]]:
    return [list(r) for r in openpyxl.load_workbook(path)[name].iter_rows(values_only=True)]


def test_kq_plan_with_log_and_contacts_equals_kq_plan(tmp_path: Path, runner):
    sample = ROOT / "templates" / "sample_ledger.xlsx"
    out = tmp_path / "p.xlsx"
    assert (
        runner.invoke(cli, ["plan", str(sample), "-o", str(out), "--as-of", AS_OF]).exit_code == 0
    )
    plan_rows = [
        list(r) for r in openpyxl.load_workbook(out)["跟进计划"].iter_rows(values_only=True)
    ]
    formula = udfs.KQ_PLAN(
        _sheet_rows(sample, "客户台账"),
        AS_OF,
        "zh",
        _sheet_rows(sample, "跟进记录"),
        _sheet_rows(sample, "联系人"),
        _sheet_rows(sample, "订单"),
    )
    assert formula[0] == plan_rows[0]
    header = formula[0]
    for key in (
        "最近拜访",
        "跟进次数",
        "最近跟进",
        "关键人",
        "已知联系人",
        "接触层级",
        "最近下单",
        "RFM得分",
        "RFM分群",
        "价值层级",
        "预警",
        "下次联系日期",
        "性格类型",
        "优先分",
    ):
        j = header.index(key)
        assert [r[j] for r in formula[1:]] == [r[j] for r in plan_rows[1:]], key


def test_kq_key_person():
    contacts = [
        ["客户编号", "姓名", "职务", "层级", "性格类型"],
        [1001, "小李", "采购", "操作层", None],
        [1001, "王总", "总经理", "决策层", "老鹰"],
        ["1002", "钱经理", None, "管理层", None],
    ]
    assert udfs.KQ_KEY_PERSON(contacts, "1001") == "王总（总经理，力量型）"
    assert udfs.KQ_KEY_PERSON(contacts, 1001.0, "en") == "王总 (总经理, Eagle)"
    assert udfs.KQ_KEY_PERSON(contacts, "1002") == "钱经理"
    assert udfs.KQ_KEY_PERSON(contacts, "9") is None
    assert udfs.KQ_KEY_PERSON(contacts[:1], "1") is None  # nobody listed
    assert udfs.KQ_KEY_PERSON([["说明"], ["x"]], "1").startswith("#KQ! ")  # no contacts header
    assert udfs.KQ_KEY_PERSON(contacts, None).startswith("#KQ! ")


def test_the_plan_button_reads_the_log_and_contacts_sheets_by_name():
    sample = ROOT / "templates" / "sample_ledger.xlsx"
    rows = _sheet_rows(sample, "客户台账")
    book = Book(rows)
    book.sheets.append(Sheet("跟进记录", _sheet_rows(sample, "跟进记录")))
    book.sheets.append(Sheet("联系人", _sheet_rows(sample, "联系人")))
    assert xl.plan_active_sheet(book, as_of=dt.date(2026, 11, 22)) == 40
    expected = udfs.KQ_PLAN(
        rows, AS_OF, "zh", _sheet_rows(sample, "跟进记录"), _sheet_rows(sample, "联系人")
    )
    assert book.sheets["跟进计划"].cells == expected
    issues = book.sheets["问题"].cells
    assert [r[1] for r in issues[1:4]] == ["客户台账", "跟进记录", "联系人"]  # each sheet as read


# --------------------------------------------------------------------------- LibreOffice


def test_libreoffice_reads_the_same_new_values(tmp_path: Path, runner):
    sample = ROOT / "templates" / "sample_ledger.xlsx"
    out = tmp_path / "p.xlsx"
    assert (
        runner.invoke(cli, ["plan", str(sample), "-o", str(out), "--as-of", AS_OF]).exit_code == 0
    )
    ours = [list(r) for r in openpyxl.load_workbook(out)["跟进计划"].iter_rows(values_only=True)]
    import csv

    sheets = libreoffice_csv(out, tmp_path)
    with sheets["跟进计划"].open(encoding="utf-8") as handle:
        theirs = list(csv.reader(handle))
    header = ours[0]
    assert theirs[0][: len(header)] == header
    for key in ("最近拜访", "跟进次数", "最近跟进", "关键人", "已知联系人", "接触层级"):
        j = header.index(key)
        for mine, read in zip(ours[1:], theirs[1:], strict=True):
            value = mine[j]
            shown = (
                ""
                if value is None
                else value.date().isoformat()
                if isinstance(value, dt.datetime)
                else str(value)
            )
            assert read[j] == shown, (key, mine[1])
