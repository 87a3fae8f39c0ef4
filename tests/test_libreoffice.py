"""LibreOffice, our real spreadsheet client, opens what kq writes and reads the same values."""

from __future__ import annotations

import csv
import json

import pytest

from kqexcel.cli import cli
from kqexcel.rules import load_rules
from tests.conftest import AS_OF, libreoffice_csv

RULES = load_rules()

pytestmark = pytest.mark.libreoffice


def _rows(path):
    with path.open(encoding="utf-8") as handle:
        return list(csv.reader(handle))


def test_libreoffice_reads_the_sample_plan(runner, sample, tmp_path):
    out = tmp_path / "plan.xlsx"
    result = runner.invoke(cli, ["plan", str(sample), "--as-of", AS_OF, "-o", str(out)])
    assert result.exit_code == 0, result.output
    records = [
        json.loads(line)
        for line in runner.invoke(
            cli, ["plan", str(sample), "--as-of", AS_OF, "--format", "json"]
        ).stdout.splitlines()
    ]
    sheets = libreoffice_csv(out, tmp_path / "lo")
    assert set(sheets) == {"本周", "跟进计划", "问题", "说明"}
    week = _rows(sheets["本周"])  # [6/8] LibreOffice reads the week's blocks back
    assert week[0][0].startswith("本周跟进：") and week[3][0].startswith("周一 ")
    assert week[4][:3] == ["优先级", "客户编号", "客户名称"] and week[5][:3] == [
        "P1",
        "KH001",
        "华鼎机械制造有限公司",
    ]
    rows = _rows(sheets["跟进计划"])
    header = rows[0]
    assert header[:5] == ["客户编号", "客户名称", "客户经理", "区域", "价值层级"]
    body = rows[1:]
    assert len(body) == len(records) == 40
    col = {name: header.index(name) for name in header}
    for row, record in zip(body, records, strict=True):
        assert row[col["客户编号"]] == record["customer_id"]
        assert row[col["价值层级"]] == (record["tier"] or "")
        assert row[col["优先级"]] == record["priority"]
        assert int(row[col["优先分"]]) == record["priority_score"]
        assert row[col["下次联系日期"]] == record["next_contact"]
        assert int(row[col["逾期天数"]]) == record["days_overdue"]
    issues = _rows(sheets["问题"])
    assert issues[0][:3] == ["文件", "工作表", "行号"]
    # how each sheet was read (客户台账, 跟进记录, 联系人, 订单), then one data gap in the sample
    assert len(issues) == 6
    assert [r[1] for r in issues[1:5]] == ["客户台账", "跟进记录", "联系人", "订单"]
    assert issues[1][2] == "2" and issues[1][5].startswith("表头在第 2 行；识别了 36 列：")
    assert issues[1][6] == "读取说明" and issues[5][6] == "数据缺口"
    # [§11] the order columns as LibreOffice reads them back
    for row, record in zip(body, records, strict=True):
        assert row[col["最近下单"]] == (record["last_order"] or "")
        assert row[col["RFM得分"]] == (
            "" if record["rfm_score"] is None else str(record["rfm_score"])
        )
        segment = record["rfm_segment"]
        assert row[col["RFM分群"]] == (RULES.label("rfm_segment", segment, "zh") if segment else "")


def test_libreoffice_keeps_formula_text_as_text(runner, messy, tmp_path):
    out = tmp_path / "messy_plan.xlsx"
    result = runner.invoke(cli, ["plan", str(messy), "--as-of", AS_OF, "-o", str(out)])
    assert result.exit_code == 1
    rows = _rows(libreoffice_csv(out, tmp_path / "lo")["跟进计划"])
    names = [r[1] for r in rows[1:]]
    assert names[2] == "=1+1"  # not evaluated to 2
    assert rows[2][-1] == '=HYPERLINK("http://x")'
    assert rows[4][-1] == "@SUM(1)" and rows[6][-1] == "+1+1"


@pytest.mark.parametrize("fmt", ["ods", "xls"])
def test_ods_and_xls_ledgers_plan_like_xlsx(runner, messy, tmp_path, fmt):
    import subprocess

    from tests.conftest import soffice

    binary = soffice()
    outdir = tmp_path / fmt
    subprocess.run(
        [
            binary,
            f"-env:UserInstallation=file://{tmp_path}/lo-profile",
            "--headless",
            "--convert-to",
            fmt,
            "--outdir",
            str(outdir),
            str(messy),
        ],
        capture_output=True,
        check=True,
        timeout=180,
    )
    converted = outdir / f"messy_ledger.{fmt}"
    assert converted.exists()

    def plan(path):
        result = runner.invoke(cli, ["plan", str(path), "--as-of", AS_OF, "--format", "json"])
        assert result.exit_code == 1
        return [json.loads(line) for line in result.stdout.splitlines()]

    assert plan(converted) == plan(messy)


def test_libreoffice_reads_the_report(runner, sample, messy, tmp_path):
    folder = tmp_path / "ledgers"
    folder.mkdir()
    sample.rename(folder / sample.name)
    messy.rename(folder / messy.name)
    out, summary = tmp_path / "report.xlsx", tmp_path / "s.json"
    result = runner.invoke(
        cli,
        [
            "report",
            str(folder),
            "--month",
            "2026-11",
            "--as-of",
            AS_OF,
            "-o",
            str(out),
            "--summary-json",
            str(summary),
            "-q",
        ],
    )
    assert result.exit_code == 1  # the messy ledger has data problems
    figures = json.loads(summary.read_text(encoding="utf-8"))
    sheets = libreoffice_csv(out, tmp_path / "lo")
    assert set(sheets) == {
        "总览",
        "客户经理",
        "层级分布",
        "动机与性格",
        "预警清单",
        "层级变动",
        "客户经理变更",
        "公海候选",
        "撞单",
        "全部客户",
        "台账",
        "问题",
        "说明",
    }
    customers = _rows(sheets["全部客户"])
    assert len(customers) - 1 == figures["customers"] == 46
    owners = _rows(sheets["客户经理"])
    assert sum(int(r[1]) for r in owners[1:] if r[1]) == figures["customers"]
    issues = _rows(sheets["问题"])
    assert any("messy_ledger.xlsx" in r[0] and r[4] == "abc" for r in issues[1:])


@pytest.mark.parametrize(("filter_name", "suffix"), [("MS Excel 97", ".xls"), ("calc8", ".ods")])
def test_old_xls_and_ods_ledgers_plan_like_the_xlsx(
    runner, sample, messy, tmp_path, filter_name, suffix
):
    from tests.conftest import libreoffice_convert

    for ledger in (sample, messy):
        converted = libreoffice_convert(ledger, filter_name, suffix, tmp_path / suffix.lstrip("."))
        want = runner.invoke(cli, ["plan", str(ledger), "--as-of", AS_OF, "--format", "json"])
        got = runner.invoke(cli, ["plan", str(converted), "--as-of", AS_OF, "--format", "json"])
        assert got.exit_code == want.exit_code, got.output
        assert [json.loads(x) for x in got.stdout.splitlines()] == [
            json.loads(x) for x in want.stdout.splitlines()
        ]
        problems = [
            line.split("/", 1)[1] for line in want.stderr.splitlines() if ledger.name in line
        ]
        assert problems == [
            line.split("/", 1)[1] for line in got.stderr.splitlines() if converted.name in line
        ]
