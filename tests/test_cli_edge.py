"""Edge cases of the CLI found in review: dates outside 1900–2199, outputs that would replace
inputs or each other, several ledgers in one file, files left unchanged, English counts."""

from __future__ import annotations

import csv
import io

import pytest

from kqexcel.cli import cli
from tests.conftest import AS_OF, sha256
from tests.edge_files import write_rows as _ledger

# moved from tests/test_edge_cases.py


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


def test_json_output_onto_the_ledger_is_refused(runner, sample):
    before = sha256(sample)
    result = runner.invoke(
        cli, ["plan", str(sample), "--format", "json", "-o", str(sample), "--force"]
    )
    assert result.exit_code == 2
    assert "会覆盖本命令要读取的输入文件" in result.output
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
    assert lines[0][0] == "客户编号" and sum(x[0] == "客户编号" for x in lines) == 1
    # the header is every ledger's columns: the sample's 联系人 / 手机, messy's 对接人 / 微信号
    assert {"联系人", "手机", "对接人", "微信号"} <= set(lines[0])
    assert {len(x) for x in lines} == {len(lines[0])}
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
    assert "已存在（用 --force 覆盖）" in result.output
    assert (tmp_path / "out" / "sample_ledger_plan.jsonl").read_text() == "old"


def test_report_refuses_to_overwrite_an_input_and_checks_outputs_first(runner, sample, tmp_path):
    before = sha256(sample)
    result = runner.invoke(
        cli, ["report", str(sample), "--month", "2026-11", "-o", str(sample), "--force"]
    )
    assert result.exit_code == 2 and "会覆盖本命令要读取的输入文件" in result.output
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
    assert result.exit_code == 1 and "已存在（用 --force 覆盖）" in result.output
    assert not (tmp_path / "r.xlsx").exists()  # nothing written: the check came first


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


def test_english_counts_are_singular_for_one(runner, tmp_path):
    path = _ledger(tmp_path / "one.xlsx", [["客户名称", "年销售额"], ["甲", "abc"]])
    result = runner.invoke(cli, ["plan", str(path), "--as-of", AS_OF, "--lang", "en"])
    assert result.exit_code == 1
    assert ": 1 customer, 0 P1" in result.stderr
    assert "1 data problem and 0 data gaps (see the Issues sheet)" in result.stderr
    assert "no tier" not in result.stderr  # the unreadable revenue is reported once
