"""Edge cases found in review: column names that collide with plan keys, dates outside what date
arithmetic holds, formulas with an empty saved result, text a cell cannot hold, and outputs that
would replace inputs or each other."""

from __future__ import annotations

import csv
import io
import json
import os
import stat
import zipfile
from pathlib import Path

import openpyxl
import pytest

from kqexcel.cli import cli
from tests.conftest import AS_OF, sha256


def _ledger(path: Path, rows: list[list[object]], sheet: str = "台账") -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def _plan_rows(path: Path, sheet: str) -> list[dict[str, object]]:
    ws = openpyxl.load_workbook(path)[sheet]
    rows = list(ws.iter_rows(values_only=True))
    return [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]


# --------------------------------------------------------------------------- colliding columns


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
    result = runner.invoke(cli, ["plan", str(path), "--as-of", AS_OF, "--format", "json"])
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["tier"] for r in records] == ["A", "B"]  # the plan's own tier, not the ledger's "x1"
    assert all(isinstance(r["warnings"], list) for r in records)

    result = runner.invoke(cli, ["plan", str(path), "--as-of", AS_OF, "--lang", "en"])
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


# --------------------------------------------------------------------------- dates


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


@pytest.mark.parametrize(
    "args",
    [
        ["plan", "--as-of", "2300-01-01"],
        ["plan", "--as-of", "1066-10-14"],
        ["report", "--month", "3000-01"],
    ],
)
def test_as_of_and_month_outside_the_range_are_usage_errors(runner, sample, args):
    result = runner.invoke(cli, [args[0], str(sample), *args[1:], "--lang", "en"])
    assert result.exit_code == 2
    assert "outside 1900–2199" in result.output


# --------------------------------------------------------------------------- formula results


def _with_formula_cells(path: Path) -> Path:
    """An .xlsx whose C2 holds a formula with an empty saved text result (<v></v>) and whose C3 holds a
    formula never calculated (no <v>), as Excel and openpyxl write them."""
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


def test_empty_formula_result_is_a_value_and_uncalculated_rows_are_blank(runner, tmp_path):
    path = _with_formula_cells(tmp_path / "f.xlsx")
    result = runner.invoke(cli, ["plan", str(path), "--as-of", AS_OF, "--format", "json"])
    assert result.exit_code == 1, result.output  # C3 alone: a formula without a saved result
    problems = [line for line in result.stderr.splitlines() if "f.xlsx" in line]
    assert len(problems) == 1 and "(C)" in problems[0] and "3" in problems[0], result.stderr
    assert len(result.stdout.splitlines()) == 2  # row 4 (only an uncalculated formula) is blank


# --------------------------------------------------------------------------- text a cell cannot hold


def test_control_characters_and_huge_text_do_not_break_the_workbook(runner, tmp_path):
    path = tmp_path / "c.csv"
    path.write_text(
        "客户编号,客户名称,年销售额,最近联系日期,奇怪\x01列\n"
        f"C1,甲\x02公司,abc\x03,2026-11-01,{'长' * 40000}\n"
        "C2,乙,100,2026-11-01,x\n",
        encoding="utf-8",
    )
    result = runner.invoke(cli, ["plan", str(path), "--as-of", AS_OF])
    assert result.exit_code == 1, result.output  # abc is not an amount: a data problem
    wb = openpyxl.load_workbook(tmp_path / "c_plan.xlsx")
    plan, issues = wb["跟进计划"], wb["问题"]
    assert plan["B2"].value == "甲公司"
    assert "奇怪列" in [c.value for c in plan[1]]
    long = next(c.value for c in plan[2] if isinstance(c.value, str) and c.value.startswith("长"))
    assert len(long) == 32767 and long.endswith("…")
    assert "abc" in [c.value for c in issues[2]]


# --------------------------------------------------------------------------- outputs


def test_json_output_onto_the_ledger_is_refused(runner, sample):
    before = sha256(sample)
    result = runner.invoke(
        cli, ["plan", str(sample), "--format", "json", "-o", str(sample), "--force"]
    )
    assert result.exit_code == 2
    assert "would replace the input" in result.output
    assert sha256(sample) == before


def test_a_plan_output_onto_another_input_is_refused(runner, sample, tmp_path):
    other = tmp_path / "sample_ledger_plan.xlsx"
    other.write_bytes(sample.read_bytes())
    before = sha256(other)
    result = runner.invoke(cli, ["plan", str(sample), str(other), "-o", str(tmp_path), "--force"])
    assert result.exit_code == 2  # sample's plan in tmp_path is the second input itself
    assert sha256(other) == before


def test_same_named_ledgers_get_their_folder_in_the_name(runner, sample, tmp_path):
    (tmp_path / "华东").mkdir()
    (tmp_path / "华北").mkdir()
    (tmp_path / "out").mkdir()
    a = tmp_path / "华东" / "台账.xlsx"
    b = tmp_path / "华北" / "台账.xlsx"
    a.write_bytes(sample.read_bytes())
    b.write_bytes(sample.read_bytes())
    result = runner.invoke(
        cli, ["plan", str(a), str(b), "-o", str(tmp_path / "out"), "--as-of", AS_OF, "-q"]
    )
    assert result.exit_code == 0, result.output
    assert {p.name for p in (tmp_path / "out").iterdir()} == {
        "华北_台账_plan.xlsx",
        "华东_台账_plan.xlsx",
    }


def test_several_ledgers_as_one_csv_or_json_file(runner, sample, messy, tmp_path):
    out = tmp_path / "all.csv"
    result = runner.invoke(
        cli,
        [
            "plan",
            str(sample),
            str(messy),
            "--format",
            "csv",
            "-o",
            str(out),
            "--as-of",
            AS_OF,
            "-q",
        ],
    )
    assert result.exit_code == 1  # messy has data problems
    lines = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert lines[0][0] == "customer_id" and sum(x[0] == "customer_id" for x in lines) == 1
    single = [
        runner.invoke(cli, ["plan", str(p), "--format", "json", "--as-of", AS_OF]).stdout
        for p in (sample, messy)
    ]
    out = tmp_path / "all.jsonl"
    runner.invoke(
        cli, ["plan", str(sample), str(messy), "--format", "json", "-o", str(out), "--as-of", AS_OF]
    )
    assert out.read_text(encoding="utf-8") == "".join(single)
    assert len(lines) - 1 == len(out.read_text(encoding="utf-8").splitlines())


def test_existing_outputs_are_found_before_any_work(runner, sample, tmp_path):
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "sample_ledger_plan.jsonl").write_text("old")
    result = runner.invoke(
        cli, ["plan", str(sample), "--format", "json", "-o", str(tmp_path / "out")]
    )
    assert result.exit_code == 1
    assert "already exists" in result.output
    assert (tmp_path / "out" / "sample_ledger_plan.jsonl").read_text() == "old"


def test_outputs_have_ordinary_permissions(runner, sample):
    from kqexcel.io.files import _UMASK

    result = runner.invoke(cli, ["plan", str(sample), "--as-of", AS_OF, "-q"])
    assert result.exit_code == 0
    out = sample.with_name("sample_ledger_plan.xlsx")
    assert stat.S_IMODE(out.stat().st_mode) == 0o666 & ~_UMASK  # not mkstemp's owner-only 0o600
    os.chmod(out, 0o640)
    runner.invoke(cli, ["plan", str(sample), "--as-of", AS_OF, "-q", "--force"])
    assert stat.S_IMODE(out.stat().st_mode) == 0o640  # a replaced output keeps its mode


def test_report_refuses_to_overwrite_an_input_and_checks_outputs_first(runner, sample, tmp_path):
    before = sha256(sample)
    result = runner.invoke(
        cli, ["report", str(sample), "--month", "2026-11", "-o", str(sample), "--force"]
    )
    assert result.exit_code == 2 and "would replace the input" in result.output
    assert sha256(sample) == before
    (tmp_path / "s.json").write_text("old")
    result = runner.invoke(
        cli,
        [
            "report",
            str(sample),
            "--month",
            "2026-11",
            "-o",
            str(tmp_path / "r.xlsx"),
            "--summary-json",
            str(tmp_path / "s.json"),
        ],
    )
    assert result.exit_code == 1 and "already exists" in result.output
    assert not (tmp_path / "r.xlsx").exists()  # nothing written: the check came first


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


def test_a_full_disk_is_one_clear_line(runner, sample, monkeypatch):
    import errno

    from kqexcel.io import files as workbook

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(workbook.os, "replace", full)
    result = runner.invoke(cli, ["plan", str(sample), "--as-of", AS_OF])
    assert result.exit_code == 1
    assert result.output.strip().splitlines()[-1].startswith("Error: cannot write")
    assert "No space left on device" in result.output
    assert [p.name for p in sample.parent.iterdir()] == [sample.name]  # no temporary file left


def test_conditional_formats_follow_the_company_labels(runner, sample, tmp_path):
    rules = tmp_path / "rules.toml"
    rules.write_text(
        '[codes.priority.P1]\nzh = "一级"\n[codes.renewal_risk.high]\nzh = "很高"\n',
        encoding="utf-8",
    )
    result = runner.invoke(
        cli, ["plan", str(sample), "--as-of", AS_OF, "--rules", str(rules), "-q"]
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
    result = runner.invoke(cli, ["plan", str(path), "--as-of", AS_OF, "-q"])
    assert result.exit_code == 0, result.output
    rows = _plan_rows(tmp_path / "n_plan.xlsx", "跟进计划")
    assert list(rows[0])[-3:] == ["依据", "备注", "内部评级"]
    assert [r["备注"] for r in rows] == ["老板姓王，周三在", None]


def test_english_counts_are_singular_for_one(runner, tmp_path):
    path = _ledger(tmp_path / "one.xlsx", [["客户名称", "年销售额"], ["甲", "abc"]])
    result = runner.invoke(cli, ["plan", str(path), "--as-of", AS_OF, "--lang", "en"])
    assert result.exit_code == 1
    assert ": 1 customer, 0 P1" in result.stderr
    assert "1 data problem and 0 data gaps (see the Issues sheet)" in result.stderr
    assert "no tier" not in result.stderr  # the unreadable revenue is reported once


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
    assert issues[1][2:4] == (
        2,
        "历史效果、本期效果 (D)",
    )  # no 历史效果 column: its name; 本期效果 is column D
    assert issues[1][6] == "数据缺口"


def test_contract_warnings_name_the_end_date(runner, tmp_path):
    path = _ledger(
        tmp_path / "k.xlsx",
        [
            ["客户名称", "年销售额", "签约状态", "到期日", "最近联系日期", "历史效果", "本期效果"],
            ["甲", 100, "续签", "2026-12-15", "2026-11-20", "5;6", 6],
            ["乙", 50, "续签", "2026-10-01", "2026-11-20", "5;6", 6],
        ],
    )
    result = runner.invoke(cli, ["plan", str(path), "--as-of", AS_OF, "--format", "json"])
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
    runner.invoke(cli, ["plan", str(path), "--as-of", AS_OF, "-q"])
    rows = _plan_rows(tmp_path / "k_plan.xlsx", "跟进计划")
    assert "临近到期（2026-12-15）" in rows[0]["预警"]
    assert rows[1]["预警"] == "合同已过期（2026-10-01）"


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
    places = sorted((Path(str(i[0])).name, i[2], i[3]) for i in issues if i[0])
    assert places == [
        ("a.csv", 2, "年销售额 (C)"),
        ("b.csv", 2, "历史效果、本期效果"),
        ("b.csv", 2, "年销售额 (D)"),
    ]


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


def test_ledgers_sharing_a_name_and_folder_differ_by_extension(runner, tmp_path):
    (tmp_path / "out").mkdir()
    (tmp_path / "x.csv").write_text("客户名称,年销售额\n甲,10\n", encoding="utf-8")
    _ledger(tmp_path / "x.xlsx", [["客户名称", "年销售额"], ["乙", 20]])
    result = runner.invoke(
        cli,
        [
            "plan",
            str(tmp_path / "x.csv"),
            str(tmp_path / "x.xlsx"),
            "-o",
            str(tmp_path / "out"),
            "--as-of",
            AS_OF,
            "-q",
        ],
    )
    assert result.exit_code == 0, result.output
    folder = tmp_path.name
    assert {p.name for p in (tmp_path / "out").iterdir()} == {
        f"{folder}_x_csv_plan.xlsx",
        f"{folder}_x_xlsx_plan.xlsx",
    }


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


def test_no_command_changes_any_file_it_reads(runner, sample, tmp_path):
    from kqexcel import xl
    from tests.test_xl import Book, rows_of

    company = tmp_path / "company"
    assert runner.invoke(cli, ["template", "init", str(company)]).exit_code == 0
    rules = company / "rules.toml"
    rules.write_text(
        rules.read_text(encoding="utf-8").replace("a_share = 0.8", "a_share = 0.7"),
        encoding="utf-8",
    )
    folder = tmp_path / "ledgers"
    folder.mkdir()
    ledger = folder / "台账.xlsx"
    ledger.write_bytes(sample.read_bytes())
    last = tmp_path / "oct.xlsx"
    assert (
        runner.invoke(
            cli, ["report", str(folder), "--month", "2026-10", "-o", str(last), "-q"]
        ).exit_code
        == 0
    )
    inputs = [ledger, rules, last, *company.glob("*.xlsx")]
    before = {p: sha256(p) for p in inputs}
    commands = [
        [
            "plan",
            str(ledger),
            "--rules",
            str(rules),
            "--template",
            str(company / "plan.xlsx"),
            "-o",
            str(tmp_path / "p.xlsx"),
        ],
        [
            "report",
            str(folder),
            "--month",
            "2026-11",
            "--previous",
            str(last),
            "--rules",
            str(rules),
            "--template",
            str(company / "report.xlsx"),
            "-o",
            str(tmp_path / "r.xlsx"),
        ],
        ["rules", "check", str(rules)],
        ["rules", "show", "--rules", str(rules)],
        *(["template", "check", str(t)] for t in company.glob("*.xlsx")),
    ]
    for args in commands:
        result = runner.invoke(cli, args)
        assert result.exit_code in (0, 1) and "Traceback" not in result.output, (
            args,
            result.output,
        )
    xl.plan_active_sheet(Book(rows_of(ledger), fullname=str(ledger)), as_of=None)
    assert {p: sha256(p) for p in inputs} == before


def test_the_legend_quotes_the_company_thresholds(runner, sample, tmp_path):
    rules = tmp_path / "rules.toml"
    rules.write_text(
        '[tier]\na_share = 0.725\n[priority]\np1 = 55\n[codes.priority.P1]\nzh = "紧急"\n',
        encoding="utf-8",
    )
    result = runner.invoke(
        cli, ["plan", str(sample), "--rules", str(rules), "--as-of", AS_OF, "-q"]
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
