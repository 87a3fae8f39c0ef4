"""The report's files (io/report_io.py), called directly: which files are ledgers, reading them
(in one process or several), last month's report read back, and the workbook and JSON written."""

from __future__ import annotations

import json
import math
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from kqexcel.cli import cli
from kqexcel.core.ledger import Ledger
from kqexcel.errors import LedgerError, OutputError
from kqexcel.io.report_io import (
    default_output,
    find_ledgers,
    read_all,
    read_previous,
    write_report,
    write_summary,
)
from kqexcel.io.report_template import REPORT_SHEETS
from kqexcel.io.sample import ROWS
from kqexcel.report import Report, build_report
from kqexcel.rules import default_rules
from tests.test_report import OWNER, rows_of, write_ledger

MONTH = "2026-11"
OWNERS = sorted({str(r[OWNER]) for r in ROWS})[:2]  # one ledger each


@pytest.fixture
def ledgers(tmp_path) -> Path:
    """Two small ledgers (one in a sub-folder) and one file that is not a workbook."""
    root = tmp_path / "ledgers"
    (root / "华北").mkdir(parents=True)
    write_ledger(root / "a.xlsx", [r for r in ROWS if r[OWNER] == OWNERS[0]])
    write_ledger(root / "华北" / "b.xlsx", [r for r in ROWS if r[OWNER] == OWNERS[1]])
    (root / "坏文件.xlsx").write_bytes(b"this is not a workbook")
    return root


def _report(paths: list[Path], lang: str = "zh") -> Report:
    rules = default_rules()
    return build_report(read_all(paths, rules, lang=lang), rules, MONTH, lang=lang)


# --------------------------------------------------------------------------- find_ledgers


def test_find_ledgers_searches_folders_and_skips_locks_temporaries_and_kq_outputs(ledgers):
    (ledgers / "~$a.xlsx").write_bytes(b"lock")
    (ledgers / ".~lock.a.xlsx#").write_bytes(b"lock")
    (ledgers / ".hidden.xlsx").write_bytes(b"x")
    (ledgers / "a_plan.xlsx").write_bytes(b"an earlier plan")
    (ledgers / "a_plan.csv").write_bytes(b"\xef\xbb\xbfcustomer_id,name,owner,region,tier\n")
    (ledgers / "kq_report_2026-10.xlsx").write_bytes(b"an earlier report")
    (ledgers / "notes.txt").write_text("not a ledger format")
    (ledgers / "空文件夹").mkdir()
    (ledgers / "华北" / "深" / "更深").mkdir(parents=True)
    write_ledger(ledgers / "华北" / "深" / "更深" / "c.xlsx", ROWS[:1])
    (ledgers / "销售_plan.csv").write_text("客户名称,年销售额\n甲,10\n", encoding="utf-8")
    assert find_ledgers([ledgers]) == [
        ledgers / "a.xlsx",  # sorted by path: a folder's files sort under its name
        ledgers / "华北" / "b.xlsx",
        ledgers / "华北" / "深" / "更深" / "c.xlsx",
        ledgers / "坏文件.xlsx",
        ledgers / "销售_plan.csv",  # a rep's own name, not kq's header: a ledger
    ]


def test_find_ledgers_keeps_the_order_given_and_reads_named_files_whatever_their_name(ledgers):
    plan = ledgers / "a_plan.xlsx"
    plan.write_bytes(b"named on the command line")
    sub = ledgers / "华北"
    found = find_ledgers([sub, plan, ledgers / "a.xlsx", sub / "b.xlsx"])
    assert found == [sub / "b.xlsx", plan, ledgers / "a.xlsx"]  # b.xlsx once


def test_find_ledgers_leaves_out_skipped_files(ledgers):
    found = find_ledgers([ledgers], skip={ledgers / "a.xlsx"})
    assert ledgers / "a.xlsx" not in found and ledgers / "华北" / "b.xlsx" in found


def test_this_runs_report_is_skipped_only_if_kq_wrote_it(ledgers):
    out = ledgers / "月报.xlsx"
    write_report(_report([ledgers / "a.xlsx"]), default_rules(), out)
    assert out not in find_ledgers([ledgers], reports={out})  # replaced, not read
    assert out in find_ledgers([ledgers])  # not this run's output: a ledger like any other
    out.unlink()
    write_ledger(out, ROWS[:1])  # a ledger the output would replace: the caller must see it
    assert out in find_ledgers([ledgers], reports={out})


# --------------------------------------------------------------------------- read_all


@pytest.mark.parametrize("jobs", [1, 2])
def test_read_all_lists_every_ledger_in_order_with_the_reason_of_a_failure(ledgers, jobs):
    paths = [ledgers / "华北" / "b.xlsx", ledgers / "坏文件.xlsx", ledgers / "a.xlsx"]
    seen: list[int] = []
    results = read_all(paths, default_rules(), jobs=jobs, progress=seen.append, lang="en")
    assert [name for name, _ in results] == [str(p) for p in paths]
    assert seen == [1, 1, 1]
    good, bad, other = (item for _, item in results)
    assert isinstance(good, Ledger) and isinstance(other, Ledger)
    assert good.file == str(paths[0])  # relabelled with the path as given
    assert len(good.table) + len(other.table) == sum(r[OWNER] in OWNERS for r in ROWS)
    assert isinstance(bad, str)
    assert bad.startswith(f"{paths[1]}: ") and "not a zip package" in bad


def test_read_all_of_one_ledger_with_jobs_reads_it_in_this_process(ledgers):
    [(name, item)] = read_all([ledgers / "a.xlsx"], default_rules(), jobs=2)
    assert name == str(ledgers / "a.xlsx") and isinstance(item, Ledger)


# --------------------------------------------------------------------------- write_report


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_write_report_writes_every_sheet_the_readme_lists(ledgers, tmp_path, lang):
    paths = find_ledgers([ledgers])
    report = _report(paths, lang)
    out = write_report(report, default_rules(), tmp_path / "r.xlsx", lang=lang)
    assert out == tmp_path / "r.xlsx"
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == [titles[lang] for titles in REPORT_SHEETS.values()]
    customers = rows_of(wb[REPORT_SHEETS["customers"][lang]])
    assert len(customers) == len(report.plan.table)
    issues = list(wb[REPORT_SHEETS["issues"][lang]].iter_rows(values_only=True))
    assert any(str(ledgers / "坏文件.xlsx") == str(r[0]) for r in issues)


def test_write_report_refuses_an_existing_output_without_force(ledgers, tmp_path):
    out = tmp_path / "r.xlsx"
    out.write_text("old")
    report = _report([ledgers / "a.xlsx"])
    with pytest.raises(OutputError) as caught:
        write_report(report, default_rules(), out)
    assert str(out) in caught.value.text("en") and "already exists" in caught.value.text("en")
    assert out.read_text() == "old"
    write_report(report, default_rules(), out, force=True)
    assert openpyxl.load_workbook(out).sheetnames[0] == "总览"


# --------------------------------------------------------------------------- read_previous


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_read_previous_reads_back_the_customers_of_a_report(ledgers, tmp_path, lang):
    report = _report([ledgers / "a.xlsx", ledgers / "华北" / "b.xlsx"], lang)
    out = write_report(report, default_rules(), tmp_path / "r.xlsx", lang=lang)
    previous = read_previous(out, default_rules())
    assert list(previous.columns) == ["customer_id", "name", "owner", "tier"]
    expected = report.plan.table[["customer_id", "name", "owner", "tier"]]
    got = previous.sort_values("customer_id").reset_index(drop=True)
    want = expected.sort_values("customer_id").reset_index(drop=True).astype(object)
    pd.testing.assert_frame_equal(got.astype(object), want.where(want.notna(), None))
    assert set(previous["tier"]) <= {"A", "B", "C"}  # codes, whatever the language


def test_read_previous_of_a_ledger_says_it_is_not_a_kq_report(ledgers):
    with pytest.raises(LedgerError) as caught:
        read_previous(ledgers / "a.xlsx", default_rules())
    text = caught.value.text("en")
    assert text.startswith(f"{ledgers / 'a.xlsx'}: ") and "not a kq report" in text


def test_read_previous_of_a_file_that_is_not_a_workbook_names_it(ledgers):
    with pytest.raises(LedgerError) as caught:
        read_previous(ledgers / "坏文件.xlsx", default_rules())
    text = caught.value.text("en")
    assert text.startswith(f"{ledgers / '坏文件.xlsx'}: ") and "not a zip package" in text


# --------------------------------------------------------------------------- write_summary


def test_write_summary_writes_the_overview_and_each_ledger_as_json(ledgers, tmp_path):
    report = _report(find_ledgers([ledgers]))
    out = tmp_path / "s.json"
    write_summary(report, out, force=False)
    figures = json.loads(out.read_text(encoding="utf-8"))
    assert figures["month"] == MONTH and figures["as_of"] == "2026-11-30"
    assert figures["ledgers_read"] == 2 and figures["ledgers_failed"] == 1
    assert figures["customers"] == len(report.plan.table)
    assert [(Path(s["file"]).name, s["status"]) for s in figures["ledgers"]] == [
        ("a.xlsx", "ok"),
        ("b.xlsx", "ok"),
        ("坏文件.xlsx", "failed"),
    ]
    failed = figures["ledgers"][2]
    assert failed["customers"] == 0 and "文件不是 zip 包" in failed["error"]
    assert out.read_text(encoding="utf-8").endswith("}\n")
    with pytest.raises(OutputError):
        write_summary(report, out, force=False)
    write_summary(report, out, force=True)


def test_default_output_names_the_month():
    assert default_output(MONTH) == Path("kq_report_2026-11.xlsx")


# ------------------------------------------------- through the CLI (from tests/test_edge_cases.py)


def test_report_skips_plan_csv_and_jsonl(runner, sample, tmp_path):
    folder = tmp_path / "ledgers"
    folder.mkdir()
    (folder / "a.xlsx").write_bytes(sample.read_bytes())
    runner.invoke(
        cli, ["plan", str(folder / "a.xlsx"), "--format", "csv", "-o", str(folder / "a_plan.csv")]
    )
    assert (folder / "a_plan.csv").exists()
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
            "-q",
            "--summary-json",
            str(tmp_path / "s.json"),
        ],
    )
    assert result.exit_code == 0, result.output
    assert len(json.loads((tmp_path / "s.json").read_text())["ledgers"]) == 1


def test_ledgers_named_like_plans_are_read_unless_kq_wrote_them(runner, sample, tmp_path):
    folder = tmp_path / "l"
    folder.mkdir()
    (folder / "销售_plan.csv").write_text(
        "客户名称,年销售额\n甲,10\n", encoding="utf-8"
    )  # a rep's own name
    runner.invoke(
        cli,
        [
            "plan",
            str(folder / "销售_plan.csv"),
            "--format",
            "csv",
            "-o",
            str(folder / "x_plan.csv"),
        ],
    )
    explicit = tmp_path / "2026_plan.xlsx"
    explicit.write_bytes(sample.read_bytes())
    out, summary = tmp_path / "r.xlsx", tmp_path / "s.json"
    result = runner.invoke(
        cli,
        [
            "report",
            str(folder),
            str(explicit),
            "--month",
            "2026-11",
            "-o",
            str(out),
            "--summary-json",
            str(summary),
            "-q",
        ],
    )
    assert result.exit_code == 0, result.output
    read = sorted(Path(s["file"]).name for s in json.loads(summary.read_text())["ledgers"])
    assert read == ["2026_plan.xlsx", "销售_plan.csv"]  # x_plan.csv, kq's own output, is left out


def test_a_company_report_reports_each_unreadable_value_once_with_its_letter(runner, tmp_path):
    folder = tmp_path / "l"
    folder.mkdir()
    (folder / "a.csv").write_text(
        "客户编号,客户名称,年销售额\nC1,甲,abc\nC2,乙,10\n", encoding="utf-8"
    )
    (folder / "b.csv").write_text(
        "客户编号,客户名称,联系人,年销售额,签约状态\nC3,丙,x,xyz,续签\n", encoding="utf-8"
    )
    out, summary = tmp_path / "r.xlsx", tmp_path / "s.json"
    result = runner.invoke(
        cli,
        [
            "report",
            str(folder),
            "--month",
            "2026-11",
            "-o",
            str(out),
            "--summary-json",
            str(summary),
            "-q",
        ],
    )
    assert result.exit_code == 1
    assert [s["data_problems"] for s in json.loads(summary.read_text())["ledgers"]] == [1, 1]
    issues = list(openpyxl.load_workbook(out)["问题"].iter_rows(values_only=True))[1:]
    places = sorted((Path(str(i[0])).name, i[2], i[3]) for i in issues if i[0] and i[3])
    assert [Path(str(i[0])).name for i in issues if i[6] == "读取说明"] == ["a.csv", "b.csv"]
    assert places == [
        ("a.csv", 2, "年销售额 (C)"),
        ("b.csv", 2, "历史效果、本期效果"),
        ("b.csv", 2, "年销售额 (D)"),
    ]


def test_no_chart_covers_a_table(runner, sample, tmp_path):
    """6/8, looked at in the PDF: the style chart sat on the motivation chart and on the owners'
    mix. Every chart's rectangle (its anchor and size, columns and rows as Excel sizes them)
    holds no written cell."""
    from openpyxl.utils import get_column_letter

    last, out = tmp_path / "oct.xlsx", tmp_path / "r.xlsx"
    args = ["report", str(sample), "-q"]
    result = runner.invoke(cli, [*args, "--month", "2026-10", "-o", str(last)])
    assert result.exit_code in (0, 1), result.output
    # [§13] with last month: the overview's and the owners' comparison columns
    result = runner.invoke(
        cli, [*args, "--month", "2026-11", "--previous", str(last), "-o", str(out)]
    )
    assert result.exit_code in (0, 1), result.output
    wb = openpyxl.load_workbook(out)
    charts = 0
    for ws in wb.worksheets:
        filled = {
            (c.row - 1, c.column - 1) for row in ws.iter_rows() for c in row if c.value is not None
        }
        boxes = []
        for chart in ws._charts:
            start = chart.anchor._from
            ext = chart.anchor.ext
            rows = math.ceil(ext.height / (20 * 9525))  # 15-point rows of 20 pixels
            cols, width, col = 0, 0, start.col
            while width < ext.width:
                chars = ws.column_dimensions[get_column_letter(col + 1)].width or 8.43
                width += (chars * 7 + 5) * 9525
                col, cols = col + 1, cols + 1
            box = (start.row, start.row + rows, start.col, start.col + cols)
            assert not [
                (r, c) for r, c in filled if box[0] <= r < box[1] and box[2] <= c < box[3]
            ], (ws.title, box)
            for other in boxes:  # nor another chart
                assert (
                    box[1] <= other[0]
                    or other[1] <= box[0]
                    or box[3] <= other[2]
                    or other[3] <= box[2]
                )
            boxes.append(box)
            charts += 1
    assert charts >= 7  # [§13] three on the overview


# --------------------------------------------------------------------------- [8/8] by pages

CUSTOMER_FILES = [
    Path(__file__).parents[1] / "data" / name
    for name in ("messy_ledger.xlsx", "golden/english.xlsx", "golden/two_sheets.xlsx")
] + [Path(__file__).parents[2] / "templates" / "sample_ledger.xlsx"]


def _eager(report: Report) -> pd.DataFrame:
    """The report's plan made again with all its texts at once (as ``kq plan`` makes them)."""
    from kqexcel.core.ledger import combine
    from kqexcel.core.plan import make_plan

    ledgers = read_all(CUSTOMER_FILES, report.rules)
    day = report.as_of
    return make_plan(combine([lg for _, lg in ledgers]), report.rules, day, "zh").table


@pytest.mark.parametrize("size", [1, 3, 7, 20_000])
def test_packed_texts_are_the_texts_made_at_once_whatever_the_page(monkeypatch, size):
    """A company's plan packs its talking points and rationale a page of rows at a time; every
    row's texts are those of the plan made at once, across files with and without a log,
    contacts and orders, at any page size (a page of one row, pages cutting files)."""
    import kqexcel.core.plan as P

    monkeypatch.setattr(P, "TEXT_PAGE", size)
    rules = default_rules()
    report = build_report(read_all(CUSTOMER_FILES, rules), rules, MONTH)
    plan, eager = report.plan, _eager(report)
    assert report.plan.packed is not None and len(plan.table) == len(eager) > 40
    assert plan.table["rationale"].isna().all()  # not held in the table
    for start, stop in [(0, len(eager)), (0, 1), (5, 17), (len(eager) - 3, len(eager))]:
        rows = plan.rows(start, stop)
        expected = eager.iloc[start:stop]
        for key in ("talking_points", "rationale", "questions", "objective_text"):
            assert rows[key].tolist() == expected[key].tolist(), (key, start, stop)
        assert rows.drop(columns=["talking_points", "rationale"]).equals(
            expected.drop(columns=["talking_points", "rationale"])
        )


def test_a_paged_table_streams_the_rows_a_whole_table_streams(monkeypatch, tmp_path):
    """The report's customers, warnings and month tables are streamed a page of rows at a time:
    with pages of 5 rows the workbook's sheets hold the same cells as with one page."""
    import kqexcel.io.xlsx_stream as S

    rules = default_rules()
    report = build_report(read_all(CUSTOMER_FILES, rules), rules, MONTH)
    whole = write_report(report, rules, tmp_path / "whole.xlsx")
    monkeypatch.setattr(S, "PAGE", 5)
    monkeypatch.setattr(S, "FIRST_BLOCK", 3)
    paged = write_report(report, rules, tmp_path / "paged.xlsx")
    a, b = openpyxl.load_workbook(whole), openpyxl.load_workbook(paged)
    assert a.sheetnames == b.sheetnames
    for name in a.sheetnames:
        rows_a = [[c.value for c in row] for row in a[name].iter_rows()]
        rows_b = [[c.value for c in row] for row in b[name].iter_rows()]
        assert rows_a == rows_b, name
        heights_a = {r: d.height for r, d in a[name].row_dimensions.items() if d.height}
        heights_b = {r: d.height for r, d in b[name].row_dimensions.items() if d.height}
        assert heights_a == heights_b, name
    for key in ("customers", "warnings", "reclaim"):  # each of them more than one page
        assert a[REPORT_SHEETS[key]["zh"]].max_row > 10, key


def test_a_table_longer_than_a_sheet_is_refused_before_anything_is_written(monkeypatch, tmp_path):
    """More customers than an Excel sheet holds (1,048,575 under the header): one clear line,
    no output (here with sheets of 30 rows)."""
    import kqexcel.io.xlsx_stream as S

    rules = default_rules()
    report = build_report(read_all(CUSTOMER_FILES, rules), rules, MONTH)
    monkeypatch.setattr(S, "SHEET_ROWS", 30)
    out = tmp_path / "report.xlsx"
    with pytest.raises(OutputError) as caught:
        write_report(report, rules, out)
    assert "一张 Excel 工作表最多放" in str(caught.value) and "行" in str(caught.value)
    assert not out.exists() and not list(tmp_path.iterdir())
