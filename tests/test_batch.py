"""kqexcel.batch, called directly: output targets and collisions, the plan and report runs."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import shutil
from pathlib import Path

import pytest

from kqexcel import batch
from kqexcel.errors import OutputError, UsageError
from kqexcel.rules import load_rules
from tests.conftest import AS_OF, DATA

AS_OF_DAY = dt.date.fromisoformat(AS_OF)


def _touch(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("客户名称,年销售额\n甲公司,100\n", encoding="utf-8")
    return path


def test_distinct_names_add_the_folder_then_the_extension(tmp_path):
    ledgers = [
        _touch(tmp_path / "华东" / "台账.csv"),
        _touch(tmp_path / "华北" / "台账.csv"),
        _touch(tmp_path / "华北" / "台账.xlsx"),
        _touch(tmp_path / "华北" / "其他.csv"),
    ]
    assert batch.distinct_names(ledgers) == ["华东_台账", "华北_台账_csv", "华北_台账_xlsx", "其他"]


def test_output_is_folder(tmp_path):
    assert batch.output_is_folder(None) is False
    assert batch.output_is_folder(tmp_path) is True
    assert batch.output_is_folder(_touch(tmp_path / "a.csv")) is False
    assert batch.output_is_folder(tmp_path / ("x" * 5000)) is False  # too long to look up


@pytest.mark.parametrize(
    ("fmt", "output", "expected"),
    [
        ("xlsx", None, ["L/a_plan.xlsx", "L/b_plan.xlsx"]),
        ("json", None, [None, None]),
        ("json", "all.jsonl", ["all.jsonl", "all.jsonl"]),
        ("csv", "out", ["out/a_plan.csv", "out/b_plan.csv"]),
        ("xlsx", "out", ["out/a_plan.xlsx", "out/b_plan.xlsx"]),
    ],
)
def test_plan_targets(tmp_path, fmt, output, expected):
    ledgers = (_touch(tmp_path / "L" / "a.csv"), _touch(tmp_path / "L" / "b.csv"))
    (tmp_path / "out").mkdir()
    out = tmp_path / output if output else None
    targets = batch.plan_targets(ledgers, out, fmt, False, [])
    assert targets == [tmp_path / e if e else None for e in expected]


@pytest.mark.parametrize(
    ("output", "fmt", "message"),
    [
        ("one.xlsx", "xlsx", "with several ledgers, -o must be an existing folder"),
        ("L/a.csv", "json", "a.csv"),  # an output may not replace an input
    ],
)
def test_plan_targets_refuse(tmp_path, output, fmt, message):
    ledgers = (_touch(tmp_path / "L" / "a.csv"), _touch(tmp_path / "L" / "b.csv"))
    with pytest.raises(UsageError) as error:
        batch.plan_targets(ledgers, tmp_path / output, fmt, False, [])
    assert message in error.value.text("en")


def test_two_ledgers_never_share_an_output(tmp_path):
    one = _touch(tmp_path / "x" / "a.csv")
    ledgers = (one, one)
    (tmp_path / "out").mkdir()
    with pytest.raises(UsageError) as error:
        batch.plan_targets(ledgers, tmp_path / "out", "csv", False, [])
    assert "would both be written to" in error.value.text("en")


def test_an_existing_output_needs_force(tmp_path):
    ledger = _touch(tmp_path / "a.csv")
    _touch(tmp_path / "a_plan.xlsx")
    with pytest.raises(OutputError, match="已存在"):
        batch.plan_targets((ledger,), None, "xlsx", False, [])
    assert batch.plan_targets((ledger,), None, "xlsx", True, []) == [tmp_path / "a_plan.xlsx"]


def test_plan_ledgers_json_to_a_stream_is_the_golden_records():
    stream = io.StringIO()
    ledger = DATA / "golden" / "sample_ledger.xlsx"
    planned = list(batch.plan_ledgers((ledger,), fmt="json", as_of=AS_OF_DAY, stdout=stream))
    assert [p.out for p in planned] == [None] and not planned[0].dirty
    records = [json.loads(line) for line in stream.getvalue().splitlines()]
    golden = DATA / "golden" / "sample_ledger.expected.jsonl"
    expected = [json.loads(line) for line in golden.read_text(encoding="utf-8").splitlines()]
    assert records == expected


def test_csv_of_several_ledgers_into_one_file_has_one_header(tmp_path):
    ledgers = (_touch(tmp_path / "a.csv"), _touch(tmp_path / "b.csv"))
    out = tmp_path / "all.csv"
    planned = list(batch.plan_ledgers(ledgers, out, fmt="csv", as_of=AS_OF_DAY))
    assert [p.out for p in planned] == [out, out]
    rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert len(rows) == 3 and rows[0][0] == "客户编号" and rows[2][1] == "甲公司"
    # --codes: the JSON keys, one header too
    list(batch.plan_ledgers(ledgers, out, fmt="csv", as_of=AS_OF_DAY, force=True, codes=True))
    rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert len(rows) == 3 and rows[0][0] == "customer_id" and rows[2][1] == "甲公司"


def test_a_workbook_plan_and_its_summary_line(tmp_path):
    ledger = tmp_path / "sample_ledger.xlsx"
    shutil.copy(DATA / "golden" / "sample_ledger.xlsx", ledger)
    (planned,) = batch.plan_ledgers((ledger,), as_of=AS_OF_DAY, lang="en")
    assert planned.out == tmp_path / "sample_ledger_plan.xlsx" and planned.out.exists()
    assert (
        batch.written_line(planned, "en") == f"Wrote {planned.out}: 40 customers, 8 P1, 17 overdue"
    )


def test_problem_lines_count_then_list_at_most_the_limit(messy):
    (planned,) = batch.plan_ledgers((messy,), fmt="json", as_of=AS_OF_DAY, stdout=io.StringIO())
    problems = planned.plan.problems
    assert planned.dirty and len(problems) > 3
    lines = batch.problem_lines(problems, planned.rules, "en", in_workbook=False, limit=2)
    assert lines[0].endswith(":") and "data problem" in lines[0]
    assert lines[1].startswith(f"  {messy.name} / ") and len(lines) == 4
    assert lines[-1] == f"  … and {len(problems) - 1 - 2} more"  # not the line of how it was read
    (said,) = batch.reading_lines(problems, planned.rules, "en")
    assert said.startswith(
        f"Read {messy.name} / 台账: header in row 3; 22 columns read: A 客户代码→Customer ID"
    )


def test_report_ledgers_writes_the_report_and_says_so(tmp_path):
    folder = tmp_path / "L"
    _touch(folder / "b.csv")
    out = tmp_path / "r.xlsx"
    reported = batch.report_ledgers((folder,), "2026-11", output=out, lang="en")
    assert reported.out == out and out.exists() and reported.report.clean
    assert reported.lines("en", quiet=True) == []
    assert reported.lines("en", quiet=False) == [
        f"Read {folder / 'b.csv'} / b: header in row 1; 2 columns read: A 客户名称→Customer, "
        "B 年销售额→Revenue",
        f"Wrote {out}: 1 ledgers (0 failed), 1 customers, 0 data problems",
    ]


def test_report_ledgers_without_ledgers_is_a_usage_error(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(UsageError) as error:
        batch.report_ledgers((tmp_path / "empty",), "2026-11", output=tmp_path / "r.xlsx")
    assert "no ledger files" in error.value.text("en")


def test_copy_templates_keeps_existing_files_unless_forced(tmp_path):
    written = batch.copy_templates(tmp_path / "T")
    assert written[-1] == tmp_path / "T" / "rules.toml"
    assert load_rules(written[-1]).version == load_rules().version
    with pytest.raises(OutputError, match="已存在"):
        batch.copy_templates(tmp_path / "T")
    assert batch.copy_templates(tmp_path / "T", force=True) == written
