"""Admins restyle and rearrange templates; `kq template check` and the writers follow them."""

from __future__ import annotations

import csv

import openpyxl
import pytest
from openpyxl.styles import PatternFill
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.table import Table, TableStyleInfo

from kqexcel.cli import cli
from tests.conftest import AS_OF, libreoffice_csv, sha256


def init(runner, tmp_path):
    folder = tmp_path / "company"
    result = runner.invoke(cli, ["template", "init", str(folder)])
    assert result.exit_code == 0, result.output
    return folder


def restyle_plan(path):
    """What an admin does in Excel: a title block above the table (table now starts at B4),
    another header colour, the plan sheet renamed, the legend moved to its own new sheet."""
    wb = openpyxl.load_workbook(path)
    ws = wb["跟进计划"]
    ws.title = "本月跟进"
    ws.move_range("A1:AE2", rows=3, cols=1)
    ws["B1"] = "华东大区 · 客户跟进计划"
    for cell in ws[4]:
        if cell.value is not None:
            cell.fill = PatternFill("solid", fgColor="7030A0")
    for name in list(ws.tables):
        del ws.tables[name]
    table = Table(displayName="company_plan", ref="B4:AF5")
    table.tableStyleInfo = TableStyleInfo(name="TableStyleMedium7", showRowStripes=True)
    ws.add_table(table)
    wb.defined_names["kq_plan"] = DefinedName("kq_plan", attr_text="'本月跟进'!$B$4")
    wb.create_sheet("字段解释")
    wb.defined_names["kq_legend"] = DefinedName("kq_legend", attr_text="'字段解释'!$C$3")
    wb.save(path)


def test_init_copies_the_set_and_never_overwrites(runner, tmp_path):
    folder = init(runner, tmp_path)
    assert {p.name for p in folder.iterdir()} >= {
        "plan.xlsx",
        "ledger.xlsx",
        "sample_ledger.xlsx",
        "rules.toml",
    }
    again = runner.invoke(cli, ["template", "init", str(folder), "--lang", "en"])
    assert again.exit_code == 1 and "already exists" in again.stderr
    again = runner.invoke(cli, ["template", "init", str(folder)])
    assert again.exit_code == 1 and "已存在" in again.stderr
    assert runner.invoke(cli, ["template", "init", str(folder), "--force"]).exit_code == 0
    check = runner.invoke(cli, ["rules", "check", str(folder / "rules.toml")])
    assert check.exit_code == 0


def test_plan_lands_in_the_restyled_layout(runner, tmp_path, sample):
    folder = init(runner, tmp_path)
    template = folder / "plan.xlsx"
    restyle_plan(template)
    check = runner.invoke(cli, ["template", "check", str(template)])
    assert check.exit_code == 0, check.output
    assert "OK (plan template)" in check.stdout
    out = tmp_path / "plan.xlsx"
    result = runner.invoke(
        cli, ["plan", str(sample), "--as-of", AS_OF, "--template", str(template), "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    wb = openpyxl.load_workbook(out)
    # 6/8: the This-week sheet is made first when a template has no kq_week of its own
    assert wb.sheetnames[:2] == ["本周", "本月跟进"]
    ws = wb["本月跟进"]
    assert ws["B1"].value == "华东大区 · 客户跟进计划"
    assert ws["B4"].value == "客户编号" and ws["C4"].value == "客户名称"
    assert ws["B4"].fill.fgColor.rgb.endswith("7030A0")
    assert ws["B5"].value == "KH001" and ws["B44"].value == "KH040" and ws["B45"].value is None
    assert ws["A5"].value is None
    assert ws.tables["company_plan"].ref.startswith("B4:") and ws.tables[
        "company_plan"
    ].ref.endswith("44")
    assert wb["字段解释"]["C3"].value == "跟进计划说明"
    # LibreOffice opens it and sees the same cells
    with libreoffice_csv(out, tmp_path / "lo")["本月跟进"].open(encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    assert rows[3][1] == "客户编号" and rows[4][1] == "KH001"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda wb: wb.defined_names.pop("kq_issues"), "defined name 'kq_issues' is missing"),
        (
            lambda wb: wb.defined_names.__setitem__(
                "kq_legend", DefinedName("kq_legend", attr_text="'跟进计划'!$A$60")
            ),
            "'kq_legend' must be on another sheet than the plan ('跟进计划')",
        ),
        (
            lambda wb: wb.defined_names.__setitem__(
                "kq_issues", DefinedName("kq_issues", attr_text="'没有'!$A$1")
            ),
            "defined name 'kq_issues' points at sheet '没有', which does not exist",
        ),
    ],
)
def test_check_finds_what_the_writers_need(runner, tmp_path, change, message):
    folder = init(runner, tmp_path)
    template = folder / "plan.xlsx"
    wb = openpyxl.load_workbook(template)
    change(wb)
    wb.save(template)
    result = runner.invoke(cli, ["template", "check", str(template), "--lang", "en"])
    assert result.exit_code == 1
    assert f"{template}: {message}" in result.stderr.splitlines()


def test_check_finds_ledger_problems(runner, tmp_path):
    folder = init(runner, tmp_path)
    template = folder / "ledger.xlsx"
    wb = openpyxl.load_workbook(template)
    wb["选项"]["A3"] = "大型国企"  # not a business type of the rules
    ws = wb["客户台账"]
    ws["AL1"] = "微信群"  # unknown header
    intent_col = [c.column_letter for c in ws[1] if c.value == "购买意向"][0]
    ws.data_validations.dataValidation = [
        dv
        for dv in ws.data_validations.dataValidation
        if not (dv.type == "list" and str(dv.sqref).startswith(intent_col))
    ]
    wb.save(template)
    result = runner.invoke(cli, ["template", "check", str(template), "--lang", "en"])
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert f"{template}: header AL1 '微信群' is not a known field" in lines
    assert any("'大型国企' is not a value the rules know" in line for line in lines)
    assert f"{template}: column {intent_col} (购买意向) has no dropdown" in lines


def test_check_refuses_a_plain_workbook(runner, sample):
    result = runner.invoke(cli, ["template", "check", str(sample), "--lang", "en"])
    assert result.exit_code == 1
    assert "not a kqexcel template" in result.stderr


def test_plan_with_a_broken_template_is_one_line(runner, tmp_path, sample):
    folder = init(runner, tmp_path)
    template = folder / "plan.xlsx"
    wb = openpyxl.load_workbook(template)
    del wb.defined_names["kq_plan"]
    wb.save(template)
    out = tmp_path / "x.xlsx"
    result = runner.invoke(
        cli, ["plan", str(sample), "--template", str(template), "-o", str(out), "--lang", "en"]
    )
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        f"Error: {template}: the template has no defined name 'kq_plan' "
        "(kq template check explains)"
    )


def test_a_hostile_template_is_refused_before_opening(runner, tmp_path, sample):
    from tests.hostile_corpus import encrypted, entity_bomb

    for name, build, reason in (
        ("bomb.xlsx", entity_bomb, "declares XML entities"),
        ("locked.xlsx", encrypted, "password-protected"),
    ):
        template = tmp_path / name
        template.write_bytes(build())
        before = sha256(template)
        out = tmp_path / "x.xlsx"
        result = runner.invoke(
            cli, ["plan", str(sample), "--template", str(template), "-o", str(out), "--lang", "en"]
        )
        assert (
            result.exit_code == 1
            and reason in result.stderr
            and len(result.stderr.strip().splitlines()) == 1
        )
        assert result.stderr.startswith(f"Error: {template}: ")
        result = runner.invoke(cli, ["template", "check", str(template), "--lang", "en"])
        assert result.exit_code == 1 and reason in result.output
        assert sha256(template) == before


def test_template_list_names_every_bundled_file(runner):
    result = runner.invoke(cli, ["template", "list"])
    assert result.exit_code == 0
    for name in ("plan.xlsx", "ledger.xlsx", "sample_ledger.xlsx"):
        assert name in result.stdout


@pytest.mark.libreoffice
@pytest.mark.parametrize("name", ["plan.xlsx", "ledger.xlsx", "report.xlsx", "sample_ledger.xlsx"])
def test_libreoffice_opens_every_template(tmp_path, name):
    from tests.conftest import ROOT

    sheets = libreoffice_csv(ROOT / "templates" / name, tmp_path)
    assert sheets


def test_report_lands_in_a_restyled_report_template(runner, tmp_path, sample):
    folder = init(runner, tmp_path)
    template = folder / "report.xlsx"
    wb = openpyxl.load_workbook(template)
    ws = wb["总览"]
    ws.title = "本月总览"
    for name in list(wb.defined_names):
        defined = wb.defined_names[name]
        defined.attr_text = defined.attr_text.replace("'总览'!", "'本月总览'!")
    wb.defined_names["kq_report_overview"] = DefinedName(
        "kq_report_overview", attr_text="'本月总览'!$C$5"
    )
    ws["C5"], ws["D5"] = ws["A3"].value, ws["B3"].value
    ws["A3"], ws["B3"] = None, None
    ws["C5"].fill = PatternFill("solid", fgColor="7030A0")
    wb.save(template)
    assert runner.invoke(cli, ["template", "check", str(template)]).exit_code == 0
    ledgers = tmp_path / "ledgers"
    ledgers.mkdir()
    sample.rename(ledgers / sample.name)
    out = tmp_path / "report.xlsx"
    result = runner.invoke(
        cli,
        [
            "report",
            str(ledgers),
            "--month",
            "2026-11",
            "--template",
            str(template),
            "-o",
            str(out),
            "-q",
        ],
    )
    assert result.exit_code == 0, result.output
    ws = openpyxl.load_workbook(out)["本月总览"]
    assert ws["C5"].value == "指标" and ws["C6"].value == "月份" and ws["D6"].value == "2026-11"
    assert ws["C5"].fill.fgColor.rgb.endswith("7030A0")
    assert ws["A3"].value is None
