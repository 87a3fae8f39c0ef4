"""`kq report`: many ledgers, one workbook whose numbers agree with its own customer list."""

from __future__ import annotations

import csv
import json
import re
from collections import Counter
from pathlib import Path

import openpyxl
import pytest
from openpyxl import Workbook

from kqexcel.cli import cli
from kqexcel.io.sample import HEADERS, ROWS
from tests.conftest import libreoffice_csv, sha256

OWNER = HEADERS.index("客户经理")
REVENUE = HEADERS.index("年销售额")


def write_ledger(path: Path, rows) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.append(["台账"])
    ws.append(HEADERS)
    for row in rows:
        ws.append(list(row))
    wb.save(path)
    return path


@pytest.fixture
def folder(tmp_path) -> Path:
    """The sample split into one ledger per owner, a sub-folder, a broken file, a lock file and
    an earlier plan output (the last three must not stop or confuse the batch)."""
    root = tmp_path / "ledgers"
    (root / "华北").mkdir(parents=True)
    for owner in sorted({r[OWNER] for r in ROWS}):
        target = root / ("华北" if owner == "李娜" else "") / f"{owner}.xlsx"
        write_ledger(target, [r for r in ROWS if r[OWNER] == owner])
    (root / "坏文件.xlsx").write_bytes(b"this is not a workbook")
    (root / "~$张伟.xlsx").write_bytes(b"lock")
    (root / "张伟_plan.xlsx").write_bytes(b"old output")
    return root


def rows_of(ws) -> list[dict]:
    rows = list(ws.iter_rows(values_only=True))
    return [dict(zip(rows[0], r, strict=False)) for r in rows[1:]]


def block(ws, first_header: str) -> list[tuple]:
    """The rows of a block starting at the header cell ``first_header`` (until a blank row)."""
    rows = list(ws.iter_rows(values_only=True))
    start = next(i for i, r in enumerate(rows) if r and r[0] == first_header)
    out = []
    for r in rows[start + 1 :]:
        if r[0] is None:
            break
        out.append(r)
    return out


def run_report(runner, folder, tmp_path, *extra, month="2026-11", name="report.xlsx"):
    out = tmp_path / name
    summary = tmp_path / f"{name}.json"
    result = runner.invoke(
        cli,
        [
            "report",
            str(folder),
            "--month",
            month,
            "-o",
            str(out),
            "--summary-json",
            str(summary),
            "-q",
            *extra,
        ],
    )
    return result, out, summary


def warned(text: str) -> list[str]:
    """The warnings of a 预警 cell, their details （…） left out (a detail may hold a 、)."""
    return re.sub(r"（[^）]*）", "", text).split("、")


def test_report_numbers_agree_with_the_customer_list(runner, folder, tmp_path):
    hashes = {p: sha256(p) for p in folder.rglob("*.xlsx")}
    result, out, summary = run_report(runner, folder, tmp_path)
    assert result.exit_code == 1  # one ledger could not be read
    assert "坏文件.xlsx" in result.stderr and "不是有效的 .xlsx 工作簿" in result.stderr
    assert {p: sha256(p) for p in folder.rglob("*.xlsx")} == hashes
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == [
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
    ]
    customers = rows_of(wb["全部客户"])
    assert len(customers) == 40
    overview = dict(r[:2] for r in block(wb["总览"], "指标"))
    revenue = sum(r[REVENUE] or 0 for r in ROWS)
    tiers = Counter(c["价值层级"] for c in customers)
    a_revenue = sum(
        r[REVENUE] or 0
        for r, c in zip(
            sorted(ROWS, key=lambda r: r[0]),
            sorted(customers, key=lambda c: c["客户编号"]),
            strict=True,
        )
        if c["价值层级"] == "A"
    )
    assert overview["月份"] == "2026-11" and overview["基准日"] == "2026-11-30"
    assert overview["已读取台账"] == 4 and overview["无法读取的台账"] == 1
    assert overview["客户数"] == 40
    assert overview["年销售额合计（元）"] == revenue  # the sample's header has no unit: 元
    assert overview["A 类客户"] == tiers["A"]
    assert overview["A 类销售额占比"] == round(a_revenue / revenue, 4)
    share_cell = next(r for r in wb["总览"].iter_rows() if r[0].value == "A 类销售额占比")[1]
    assert share_cell.number_format == "0.0%"
    assert overview["P1 客户"] == sum(c["优先级"] == "P1" for c in customers)
    assert overview["逾期未联系"] == sum((c["逾期天数"] or 0) > 0 for c in customers)
    assert overview["续约风险高"] == sum(c["续约风险"] == "高" for c in customers)
    assert overview["断签客户"] == sum(c["生命周期"] == "断签" for c in customers)
    assert overview["承诺逾期"] == sum("承诺逾期" in (c["预警"] or "") for c in customers)
    assert overview["未结投诉"] == sum("未结投诉" in (c["预警"] or "") for c in customers)
    assert overview["数据问题"] == 1
    figures = json.loads(summary.read_text(encoding="utf-8"))
    assert (
        figures["customers"] == 40
        and figures["revenue"] == revenue
        and figures["ledgers_failed"] == 1
    )
    assert [s["status"] for s in figures["ledgers"]].count("failed") == 1

    ledgers = block(wb["台账"], "台账文件")
    assert sorted(r[0] for r in ledgers) == [
        "坏文件.xlsx",
        "张伟.xlsx",
        "李娜.xlsx",
        "王强.xlsx",
        "赵敏.xlsx",
    ]
    assert sum(r[2] for r in ledgers) == 40

    owners = {r[0]: r for r in block(wb["客户经理"], "客户经理")}
    for owner, row in owners.items():
        mine = [c for c in customers if c["客户经理"] == owner]
        assert row[1:5] == (len(mine), *(sum(c["价值层级"] == t for c in mine) for t in "ABC"))
        assert row[5] == sum(r[REVENUE] or 0 for r in ROWS if r[OWNER] == owner)
        assert row[6] == sum(c["优先级"] == "P1" for c in mine)
        assert row[7] == sum((c["逾期天数"] or 0) > 0 for c in mine)
        assert row[8] == sum(len(warned(c["预警"])) for c in mine if c["预警"])
        # [§13] the workload behind the counts
        assert row[9] == sum(c["续约风险"] == "高" for c in mine)
        assert row[10] == sum("承诺逾期" in (c["预警"] or "") for c in mine)
        assert row[11] == sum("未结投诉" in (c["预警"] or "") for c in mine)

    tier_rows = block(wb["层级分布"], "区域")
    assert sum(sum(r[1:5]) for r in tier_rows) == 40
    assert sum(r[1] for r in tier_rows) == tiers["A"]
    assert wb["层级分布"]._charts and len(wb["动机与性格"]._charts) == 2

    warnings = rows_of(wb["预警清单"])  # [§13] one row per customer, with all its warnings
    assert len(warnings) == sum(1 for c in customers if c["预警"])
    by_id = {c["客户编号"]: c["预警"] for c in customers}
    assert all(w["预警"] == by_id[w["客户编号"]] for w in warnings)
    scores = [w["优先分"] for w in warnings]
    assert scores == sorted(scores, reverse=True)

    issues = rows_of(wb["问题"])
    assert any("坏文件.xlsx" in str(i["文件"]) and "整个台账无法读取" in i["问题"] for i in issues)


def test_tier_moves_against_last_month(runner, folder, tmp_path):
    first, last_month, _ = run_report(runner, folder, tmp_path, month="2026-10", name="oct.xlsx")
    assert last_month.exists()
    (folder / "坏文件.xlsx").unlink()
    changed = [list(r) for r in ROWS if r[OWNER] == "赵敏"]
    next(r for r in changed if r[0] == "KH028")[REVENUE] = (
        9_000_000  # 益康保健品店 becomes the biggest
    )
    changed = [r for r in changed if r[0] != "KH040"]  # 阳光教育咨询 gone
    changed.append(["KH041", "新客户有限公司", "赵敏", "西南"] + [None] * (len(HEADERS) - 4))
    write_ledger(folder / "赵敏.xlsx", changed)
    result, out, _ = run_report(
        runner, folder, tmp_path, "--previous", str(last_month), name="nov.xlsx"
    )
    moves = {r[0]: r for r in block(openpyxl.load_workbook(out)["层级变动"], "客户编号")}
    assert moves["KH028"][3:] == ("C", "A", "上升")
    assert moves["KH040"][3:] == ("C", None, "流失")
    assert moves["KH041"][3:] == (
        None,
        None,
        "新增",
    )  # no revenue yet: no tier (and a data problem)
    assert any(r[5] == "下降" for r in moves.values())  # someone was pushed down
    assert result.exit_code == 1  # KH041 has no revenue: a data problem


def test_tier_moves_with_company_tier_labels(runner, folder, tmp_path):
    (folder / "坏文件.xlsx").unlink()
    rules = tmp_path / "rules.toml"
    rules.write_text(
        '[codes.tier.A]\nzh = "A类重点"\n[codes.tier.C]\nzh = "C类一般"\n'
        '[output_fields.tier]\nzh = "客户等级"\n',
        encoding="utf-8",
    )
    _, last_month, _ = run_report(
        runner, folder, tmp_path, "--rules", str(rules), month="2026-10", name="oct.xlsx"
    )
    assert "A类重点" in [
        r["客户等级"] for r in rows_of(openpyxl.load_workbook(last_month)["全部客户"])
    ]
    changed = [list(r) for r in ROWS if r[OWNER] == "赵敏"]
    next(r for r in changed if r[0] == "KH028")[REVENUE] = 9_000_000
    write_ledger(folder / "赵敏.xlsx", changed)
    result, out, _ = run_report(
        runner,
        folder,
        tmp_path,
        "--rules",
        str(rules),
        "--previous",
        str(last_month),
        name="nov.xlsx",
    )
    assert result.exit_code == 0, result.output
    moves = {r[0]: r for r in block(openpyxl.load_workbook(out)["层级变动"], "客户编号")}
    assert moves["KH028"][3:] == ("C类一般", "A类重点", "上升")
    assert all(
        r[5] in ("上升", "下降") for r in moves.values()
    )  # nobody "new" or "gone" by a label


def test_clean_batch_exits_0_and_jobs_give_the_same_report(runner, folder, tmp_path):
    (folder / "坏文件.xlsx").unlink()
    one, out1, s1 = run_report(runner, folder, tmp_path, "--jobs", "1", name="one.xlsx")
    two, out2, s2 = run_report(runner, folder, tmp_path, "--jobs", "2", name="two.xlsx")
    assert one.exit_code == 0 and two.exit_code == 0
    assert json.loads(s1.read_text()) == json.loads(s2.read_text())
    c1 = rows_of(openpyxl.load_workbook(out1)["全部客户"])
    c2 = rows_of(openpyxl.load_workbook(out2)["全部客户"])
    assert c1 == c2


def test_tier_scope_ledger_ranks_each_ledger_alone(runner, folder, tmp_path):
    (folder / "坏文件.xlsx").unlink()
    _, out, _ = run_report(runner, folder, tmp_path, "--tier-scope", "ledger")
    customers = rows_of(openpyxl.load_workbook(out)["全部客户"])
    for owner in {c["客户经理"] for c in customers}:
        mine = sorted(
            (c for c in customers if c["客户经理"] == owner), key=lambda c: -(c["累计占比"] or 2)
        )
        assert any(c["价值层级"] == "A" for c in mine), owner  # every ledger has its own A tier


def test_english_report(runner, folder, tmp_path):
    result, out, _ = run_report(runner, folder, tmp_path, "--lang", "en")
    assert result.exit_code == 1
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == [
        "Overview",
        "Owners",
        "Tiers",
        "Mix",
        "Warnings",
        "Tier changes",
        "Owner changes",
        "Reclaim",
        "Same customer",
        "Customers",
        "Ledgers",
        "Issues",
        "Legend",
    ]
    assert dict(r[:2] for r in block(wb["Overview"], "Measure"))["Customers"] == 40


@pytest.mark.parametrize(
    ("args", "message", "code"),
    [
        (["report", "{folder}"], "Missing option '--month'", 2),
        (["report", "{folder}", "--month", "2026-13"], "'2026-13' is not a month like 2026-11", 2),
        (["report", "{empty}", "--month", "2026-11"], "no ledger files", 2),
        (
            ["report", "{folder}", "--month", "2026-11", "--previous", "{bad_previous}"],
            "not a kq report",
            1,
        ),
    ],
)
def test_report_errors(runner, folder, tmp_path, args, message, code):
    empty = tmp_path / "empty"
    empty.mkdir()
    bad_previous = write_ledger(tmp_path / "notareport.xlsx", ROWS[:2])
    values = {"folder": str(folder), "empty": str(empty), "bad_previous": str(bad_previous)}
    result = runner.invoke(cli, [*(a.format(**values) for a in args), "--lang", "en"])
    assert result.exit_code == code
    assert message in result.stderr


@pytest.mark.libreoffice
def test_libreoffice_opens_the_report(runner, folder, tmp_path):
    _, out, _ = run_report(runner, folder, tmp_path)
    sheets = libreoffice_csv(out, tmp_path / "lo")
    assert {"总览", "全部客户", "预警清单"} <= set(sheets)
    with sheets["全部客户"].open(encoding="utf-8") as handle:
        assert len(list(csv.reader(handle))) == 41


def test_previous_report_found_by_its_defined_name(runner, folder, tmp_path):
    (folder / "坏文件.xlsx").unlink()
    _, last_month, _ = run_report(runner, folder, tmp_path, month="2026-10", name="oct.xlsx")
    wb = openpyxl.load_workbook(
        last_month
    )  # a manager renamed the sheet and moved the table in Excel
    ws = wb["全部客户"]
    ws.title = "十月客户"
    ws.insert_rows(1, 2)
    ws.insert_cols(1)
    ws["B1"] = "十月客户清单"
    wb.defined_names["kq_report_customers"].attr_text = "'十月客户'!$B$3"
    for table in list(ws.tables):
        del ws.tables[table]
    wb.save(last_month)
    result, out, _ = run_report(
        runner, folder, tmp_path, "--previous", str(last_month), name="nov.xlsx"
    )
    assert result.exit_code == 0, result.output
    moves = block(openpyxl.load_workbook(out)["层级变动"], "客户编号")
    assert moves == []  # the same ledgers: nobody moved, nobody new or gone


def test_report_has_conditional_formats_and_a_legend(runner, folder, tmp_path):
    (folder / "坏文件.xlsx").unlink()
    result, out, _ = run_report(runner, folder, tmp_path)
    assert result.exit_code == 0
    wb = openpyxl.load_workbook(out)
    n_warnings = len(block(wb["预警清单"], "优先级"))

    def formats(title):
        return {
            str(cf.sqref): [f for rule in cf.rules for f in rule.formula]
            for cf in wb[title].conditional_formatting
        }

    assert formats("预警清单")[f"A2:J{1 + n_warnings}"] == [
        'OR($A2="P1",$A2="P1")'
    ]  # P1 rows shaded
    assert formats("预警清单")[f"I2:I{1 + n_warnings}"] == ["I2>0"]  # days overdue red
    customers = formats("全部客户")
    assert any(f == '$U2="P1"' for fs in customers.values() for f in fs)  # as in the plan
    from openpyxl.utils import get_column_letter

    width = wb["全部客户"].max_column  # the plan's columns, the rep's notes and 来源台账
    p1 = next(r for r, fs in customers.items() if fs == ['$U2="P1"'])
    assert p1 == f"A2:{get_column_letter(width)}41"  # every column of all 40 customers
    assert 'OR($F2="下降",$F2="Down",$F2="流失",$F2="Gone")' in [
        f for fs in formats("层级变动").values() for f in fs
    ]
    legend = "\n".join(str(v) for row in wb["说明"].iter_rows(values_only=True) for v in row if v)
    assert (
        legend.startswith("客情月报说明 2026-11")
        and "最优先：优先分 ≥ 60" in legend
        and "20/80" in legend
    )


def test_previous_report_without_the_name_found_by_its_header(runner, folder, tmp_path):
    (folder / "坏文件.xlsx").unlink()
    _, last_month, _ = run_report(runner, folder, tmp_path, month="2026-10", name="oct.xlsx")
    wb = openpyxl.load_workbook(
        last_month
    )  # an older report: no defined name, the table moved to C4
    ws = wb["全部客户"]
    for table in list(ws.tables):
        del ws.tables[table]
    ws.insert_rows(1, 3)
    ws.insert_cols(1, 2)
    del wb.defined_names["kq_report_customers"]
    wb.save(last_month)
    result, out, _ = run_report(
        runner, folder, tmp_path, "--previous", str(last_month), name="nov.xlsx"
    )
    assert result.exit_code == 0, result.output
    assert block(openpyxl.load_workbook(out)["层级变动"], "客户编号") == []
