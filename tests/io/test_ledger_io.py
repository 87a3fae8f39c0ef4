"""The reader, called directly: calamine and the openpyxl fallback (xlwings Lite) agree."""

from __future__ import annotations

import json
import sys
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from kqexcel.cli import cli
from kqexcel.io import ledger as ledger_io
from kqexcel.io.ledger import read_ledger
from kqexcel.io.sample import build_sample_ledger
from kqexcel.rules import default_rules
from tests.conftest import AS_OF
from tests.edge_files import write_rows as _ledger


def test_the_openpyxl_fallback_reads_the_same_ledger_as_calamine(tmp_path, monkeypatch):
    """Pyodide has no python-calamine: the same ledger comes out of openpyxl."""
    sample = build_sample_ledger(tmp_path / "sample.xlsx")
    rules = default_rules()
    fast = read_ledger(sample, rules)
    monkeypatch.setitem(sys.modules, "python_calamine", None)  # import python_calamine fails
    slow = read_ledger(sample, rules)
    assert (slow.file, slow.sheet, slow.header_row) == (fast.file, fast.sheet, fast.header_row)
    assert slow.columns == fast.columns and slow.carried == fast.carried
    assert slow.problems == fast.problems
    pd.testing.assert_frame_equal(slow.table, fast.table)


def test_error_cells_and_unsaved_formulas_are_flagged_whatever_the_spelling():
    """The scan reads XML, not Excel's own spelling: a prefix and single quotes are the same."""
    plain = b'<c r="B2" t="e"><v>#N/A</v></c><c r="C3"><f>A1</f></c><c r="D4"><f>1</f><v>1</v></c>'
    prefixed = plain.replace(b"<", b"<x:").replace(b"<x:/", b"</x:").replace(b'"', b"'")
    for cells in (plain, prefixed):
        xml = (
            b'<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            b"<x:sheetData><x:row r='2'>" + cells + b"</x:row></x:sheetData></x:worksheet>"
        )
        flagged = ledger_io._flagged_cells(xml)
        assert {k: (v.text, v.reason) for k, v in flagged.items()} == {
            (1, 1): ("#N/A", "error_value"),
            (2, 2): ("", "formula_no_value"),
        }


def test_a_sheet_without_errors_or_formulas_is_not_scanned():
    assert ledger_io._flagged_cells(b"<sheetData><row r='1'><c r='A1'><v>1</v></c></row>") == {}
    assert ledger_io._flagged_cells(None) == {}


def test_sample_path(tmp_path: Path):
    assert read_ledger(build_sample_ledger(tmp_path / "s.xlsx")).table.shape[0] == 40


# moved from tests/test_edge_cases.py


def _with_formula_cells(path: Path) -> Path:
    """An .xlsx whose C2 holds a formula with an empty saved text result (<v></v>) and whose C3
    holds a formula never calculated (no <v>), as Excel and openpyxl write them."""
    _ledger(
        path,
        [
            ["客户编号", "客户名称", "备注", "年销售额"],
            ["C1", "甲", "x", 10],
            ["C2", "乙", "y", 20],
            ["C3", None, None, None],
        ],
    )
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    xml = parts["xl/worksheets/sheet1.xml"].decode()
    xml = xml.replace(
        '<c r="C2" t="inlineStr"><is><t>x</t></is></c>',
        '<c r="C2" t="str"><f>IF(1,"","")</f><v></v></c>',
    )
    xml = xml.replace('<c r="C3" t="inlineStr"><is><t>y</t></is></c>', '<c r="C3"><f>1+1</f></c>')
    xml = xml.replace('<c r="A4" t="inlineStr"><is><t>C3</t></is></c>', '<c r="A4"><f>B1</f></c>')
    assert xml.count("<f>") == 3, xml
    parts["xl/worksheets/sheet1.xml"] = xml.encode()
    with zipfile.ZipFile(path, "w") as z:
        for name, data in parts.items():
            z.writestr(name, data)
    return path


def test_dates_outside_1900_2199_are_problems_not_crashes(runner, tmp_path):
    path = _ledger(
        tmp_path / "l.xlsx",
        [
            ["客户编号", "客户名称", "年销售额", "最近联系日期", "到期日"],
            ["C1", "甲", 900, "9999-12-31", "2026-12-01"],
            ["C2", "乙", 100, "2026-11-01", "1800-01-01"],
        ],
    )
    result = runner.invoke(cli, ["plan", str(path), "--as-of", AS_OF, "--format", "json"])
    assert result.exit_code == 1, result.output
    assert "9999-12-31" in result.stderr and "1800-01-01" in result.stderr
    assert "1900–2199" in result.stderr
    assert len(result.stdout.splitlines()) == 2


def test_empty_formula_result_is_a_value_and_uncalculated_rows_are_blank(runner, tmp_path):
    path = _with_formula_cells(tmp_path / "f.xlsx")
    result = runner.invoke(cli, ["plan", str(path), "--as-of", AS_OF, "--format", "json"])
    assert result.exit_code == 1, result.output  # C3 alone: a formula without a saved result
    problems = [line for line in result.stderr.splitlines() if "f.xlsx /" in line]
    assert problems[0].startswith("读取 f.xlsx / 台账：表头在第 1 行")  # what was understood
    problems = problems[1:]
    assert len(problems) == 1 and "(C)" in problems[0] and "3" in problems[0], result.stderr
    assert len(result.stdout.splitlines()) == 2  # row 4 (only an uncalculated formula) is blank


def test_a_summary_sheet_without_names_is_passed_over(runner, tmp_path):
    wb = openpyxl.Workbook()
    summary = wb.active
    summary.title = "汇总"
    summary.append(["区域", "年销售额", "客户经理"])
    summary.append(["华东", 1000, "张伟"])
    ledger = wb.create_sheet("客户")
    ledger.append(["客户名称", "年销售额", "区域"])
    ledger.append(["甲", 1000, "华东"])
    wb.save(tmp_path / "two.xlsx")
    result = runner.invoke(
        cli, ["plan", str(tmp_path / "two.xlsx"), "--format", "json", "--as-of", AS_OF]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["name"] == "甲"
    result = runner.invoke(
        cli, ["plan", str(tmp_path / "two.xlsx"), "--sheet", "汇总", "--lang", "en"]
    )
    assert result.exit_code == 1 and "has no customer name column" in result.output


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_a_ledger_longer_than_a_plan_can_hold_is_refused_by_name(runner, tmp_path, suffix):
    rows = [["客户名称", "年销售额"]] + [[f"客户{i}", i] for i in range(200)]
    if suffix == ".csv":
        path = tmp_path / "big.csv"
        path.write_text("\n".join(",".join(map(str, r)) for r in rows) + "\n", encoding="utf-8")
    else:
        path = _ledger(tmp_path / "big.xlsx", rows)
    rules = tmp_path / "rules.toml"
    rules.write_text("[safety]\nmax_rows = 50\n", encoding="utf-8")
    result = runner.invoke(cli, ["plan", str(path), "--rules", str(rules), "--lang", "en"])
    assert result.exit_code == 1
    assert (
        result.stderr.startswith(f"Error: {path}: sheet ")
        and "200 rows under its header, more than the 50" in result.stderr
    )
    assert "safety.max_rows" in result.stderr
    rules.write_text("[safety]\nmax_rows = 200\n", encoding="utf-8")  # exactly the limit: read
    assert (
        runner.invoke(cli, ["plan", str(path), "--rules", str(rules), "--format", "json"]).exit_code
        == 0
    )


def test_max_rows_counts_only_the_customers_of_the_ledger_sheet(runner, sample, tmp_path):
    rules = tmp_path / "rules.toml"
    rules.write_text(
        "[safety]\nmax_rows = 40\n", encoding="utf-8"
    )  # the sample: a title row, 40 customers
    assert (
        runner.invoke(
            cli, ["plan", str(sample), "--rules", str(rules), "--format", "json"]
        ).exit_code
        == 0
    )
    wb = openpyxl.load_workbook(sample)
    log = wb.create_sheet("流水", 0)  # a long sheet without a header before the ledger
    for i in range(200):
        log.append([f"记录{i}", i])
    wb.save(tmp_path / "with_log.xlsx")
    result = runner.invoke(
        cli, ["plan", str(tmp_path / "with_log.xlsx"), "--rules", str(rules), "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    notes = tmp_path / "notes.csv"  # notes over several lines are one row each
    notes.write_text(
        "客户名称,年销售额,备注\n"
        + "".join(f'客户{i},{i},"第一行\n第二行\n第三行"\n' for i in range(40)),
        encoding="utf-8",
    )
    assert (
        runner.invoke(
            cli, ["plan", str(notes), "--rules", str(rules), "--format", "json"]
        ).exit_code
        == 0
    )


def test_a_data_gap_names_the_ledger_column(runner, tmp_path):
    path = _ledger(
        tmp_path / "g.xlsx",
        [["客户名称", "年销售额", "签约状态", "本期效果"], ["甲", 100, "续签", None]],
    )
    result = runner.invoke(cli, ["plan", str(path), "--as-of", AS_OF, "-q"])
    assert result.exit_code == 0, result.output  # a gap is not a data problem
    issues = list(
        openpyxl.load_workbook(tmp_path / "g_plan.xlsx")["问题"].iter_rows(values_only=True)
    )
    assert issues[1][2] == 1 and issues[1][6] == "读取说明"  # first: how the file was read
    assert issues[2][2:4] == (
        2,
        "历史效果、本期效果 (D)",
    )  # no 历史效果 column: its name; 本期效果 is column D
    assert issues[2][6] == "数据缺口"


def test_a_large_csv_given_apart_reads_as_row_by_row(tmp_path, monkeypatch) -> None:
    """An orders export large enough for pandas' C parser gives the same rows as the row-by-row
    reader: empty cells None, quoted commas and line breaks kept, blank lines in place."""
    path = tmp_path / "orders.csv"
    lines = [
        "客户编号,订单日期,金额,产品",
        'K1,2026-01-02,"1,200",A',
        "",
        'K2,2026-01-03,5,"甲\n乙"',
    ]
    lines += [f"K{i},2026-02-01,{i}.5," for i in range(50)]
    path.write_text("\n".join(lines) + "\n", encoding="gbk")
    slow = list(ledger_io.sheets(path, default_rules(), records=True))
    monkeypatch.setattr(ledger_io, "FAST_CSV_BYTES", 0)
    fast = list(ledger_io.sheets(path, default_rules(), records=True))

    def shown(found):  # a blank line: [] row by row, a row of None cells from the grid
        return [
            [[] if all(c is None for c in row) else row for row in rows] for _, rows, _ in found
        ]

    assert shown(fast) == shown(slow) and len(fast[0][1]) == len(lines)
    assert fast[0][1][1] == ["K1", "2026-01-02", "1,200", "A"] and fast[0][1][3][3] == "甲\n乙"
    assert fast[0][1][4][3] is None
