"""`kq plan` on the committed messy ledger, read back cell by cell (expected values by hand).

How each expectation follows from DOMAIN.md (as of 2026-11-22; revenue in 万元 → ×10,000):
revenues C01 5,000,000, C02 3,000,000, C03 1,500,000, C04 unreadable, C05 500,000, C06 200,000
(total 10,200,000). Shares before: C01 0 → A, C02 .4902 → A, C03 .7843 → A, C05 .9314 → B,
C06 .9804 → C. Profits 1,450,000 / 730,000 / 360,000 / — / 5,000 (1% → marginal) / 69,000;
top while the share before < 0.80 of 2,609,000: C01, C02 top; C03, C06 profitable.
Next contacts due on or before as_of are as_of, a Sunday: §12 moves them to Monday 2026-11-23.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import openpyxl
import pytest

from kqexcel.cli import cli
from tests.conftest import AS_OF, sha256

FIELDS = [
    "customer_id",
    "name",
    "tier",
    "cumulative_share",
    "profit",
    "profit_quadrant",
    "expected_value",
    "motivation",
    "style",
    "contacts_to_decide",
    "contacts_remaining",
    "lifecycle",
    "renewal_floor",
    "satisfaction_line",
    "renewal_risk",
    "intent",
    "stage",
    "priority",
    "priority_score",
    "next_contact",
    "days_overdue",
    "channel",
    "objective",
    "warnings",
]
EXPECTED = [
    [
        "C01",
        "东方贸易",
        "A",
        0.4902,
        1450000.0,
        "top",
        1450000.0,
        "image",
        "eagle",
        2,
        1,
        "renewal",
        72.0,
        110.0,
        "high",
        "interested",
        "stable",
        "P1",
        81,
        "2026-11-23",
        18,
        "visit",
        "retain",
        ["overdue_contact", "renewal_risk_high", "no_decision_maker"],
    ],
    [
        "C02",
        "ＡＢＣ 公司",
        "A",
        0.7843,
        730000.0,
        "top",
        730000.0,
        "profit",
        "dove",
        5,
        2,
        "new",
        None,
        None,
        None,
        "hesitating",
        "initial",
        "P1",
        68,
        "2026-11-23",
        50,
        "visit",
        "resolve_complaint",
        ["overdue_contact", "open_complaint"],
    ],
    [
        "C03",
        "=1+1",
        "A",
        0.9314,
        360000.0,
        "profitable",
        360000.0,
        "herd",
        "unknown",
        None,
        None,
        "renewal",
        9.0,
        12.1,
        "medium",
        "not_now",
        None,
        "P1",
        61,
        "2026-11-23",
        26,
        "visit",
        "follow_up",
        ["overdue_contact"],
    ],
    [
        "C04",
        "西部商行",
        None,
        None,
        None,
        None,
        0.0,
        "unknown",
        "peacock",
        3,
        None,
        "lapsed",
        None,
        None,
        None,
        None,
        "regressing",
        "P3",
        25,
        "2026-11-23",
        75,
        "phone",
        "win_back",
        ["overdue_contact", "relationship_regressing", "data_missing"],
    ],
    [
        "C05",
        "南方电子",
        "B",
        0.9804,
        5000.0,
        "marginal",
        5000.0,
        "profit",
        "owl",
        7,
        2,
        "prospect",
        None,
        None,
        None,
        "quoted",
        "development",
        "P2",
        47,
        "2026-11-25",
        0,
        "phone",
        "keep_promise",
        ["promise_overdue"],
    ],
    [
        "C06",
        "北方建材",
        "C",
        1.0,
        69000.0,
        "profitable",
        69000.0,
        "unknown",
        "unknown",
        None,
        None,
        "renewal",
        4.5,
        6.6,
        "low",
        None,
        "strategic",
        "P3",
        10,
        "2026-11-23",
        0,
        "visit",
        "strategic",
        ["no_contact", "data_missing"],
    ],
]
# zh labels the workbook shows for the same codes
ZH = {
    "top": "最赚钱",
    "profitable": "次赚钱",
    "marginal": "不赚钱",
    "image": "建立形象型",
    "profit": "盈利主导型",
    "herd": "从众跟风型",
    "unknown": "未知",
    "eagle": "力量型",
    "dove": "和平型",
    "peacock": "活泼型",
    "owl": "完美型",
    "renewal": "续签",
    "new": "新签",
    "lapsed": "断签",
    "prospect": "潜在",
    "high": "高",
    "medium": "中",
    "low": "低",
    "interested": "有兴趣",
    "hesitating": "犹豫",
    "not_now": "暂不购买",
    "quoted": "已报价未回复",
    "stable": "稳定合作",
    "initial": "初期合作",
    "regressing": "关系倒退",
    "development": "客户开发",
    "strategic": "战略合作",
    "visit": "拜访",
    "phone": "电话",
}


def run_json(runner, ledger: Path, *extra: str) -> list[dict]:
    result = runner.invoke(cli, ["plan", str(ledger), "--as-of", AS_OF, "--format", "json", *extra])
    assert result.exit_code == 1, result.output  # the messy ledger has data problems
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_json_matches_hand_worked_plan(runner, messy):
    records = run_json(runner, messy)
    assert [[r[f] for f in FIELDS] for r in records] == EXPECTED


def test_json_keys_are_exactly_the_contract(runner, messy):
    from kqexcel.core.plan import IDENTITY, PLAN_FIELDS

    record = run_json(runner, messy)[0]
    at = PLAN_FIELDS.index("warnings") + 1  # 6/8: the details, a list as long as the warnings
    assert list(record) == [*IDENTITY, *PLAN_FIELDS[:at], "warning_details", *PLAN_FIELDS[at:]]
    assert isinstance(record["warnings"], list)
    assert len(record["warning_details"]) == len(record["warnings"])
    assert record["talking_points"] and "高效" in record["talking_points"]  # eagle words


def test_problems_are_reported_with_place_and_reason(runner, messy):
    result = runner.invoke(cli, ["plan", str(messy), "--as-of", AS_OF, "--format", "json"])
    err = result.stderr
    assert "第 7 行，年贡献（万元） (E)：'abc'（不是金额）" in err
    assert "第 8 行，客户代码 (A)：'C01'（客户编号重复（首次出现在第 4 行），该行未计入）" in err
    assert "第 11 行，最近联系日期 (O)：'2026-13-01'（不是日期）" in err
    assert "第 11 行，联系次数 (V)：'x'（不是数字）" in err
    assert (
        "发现 4 个数据问题" in err
    )  # row 7 once: its unreadable revenue (no second "no tier" line)


def _sheet_rows(ws) -> list[dict]:
    rows = list(ws.iter_rows(values_only=True))
    header = rows[0]
    return [dict(zip(header, row, strict=True)) for row in rows[1:]]


@pytest.fixture
def workbook(runner, messy):
    before = sha256(messy)
    result = runner.invoke(cli, ["plan", str(messy), "--as-of", AS_OF])
    assert result.exit_code == 1, result.output
    assert sha256(messy) == before, "the input ledger was modified"
    out = messy.with_name("messy_ledger_plan.xlsx")
    assert "已写入" in result.stderr and str(out) in result.stderr
    return openpyxl.load_workbook(out)


def test_workbook_cells_match_the_plan(workbook):
    assert workbook.sheetnames == ["本周", "跟进计划", "问题", "说明"]
    rows = _sheet_rows(workbook["跟进计划"])
    assert len(rows) == len(EXPECTED)
    labels = {
        "customer_id": "客户编号",
        "name": "客户名称",
        "tier": "价值层级",
        "cumulative_share": "累计占比",
        "profit": "利润",
        "profit_quadrant": "盈利象限",
        "expected_value": "期望价值",
        "motivation": "签约动机",
        "style": "性格类型",
        "contacts_to_decide": "决策所需接触",
        "contacts_remaining": "还需接触",
        "lifecycle": "生命周期",
        "renewal_floor": "续约底线",
        "satisfaction_line": "满意线",
        "renewal_risk": "续约风险",
        "intent": "购买意向",
        "stage": "合作阶段",
        "priority": "优先级",
        "priority_score": "优先分",
        "next_contact": "下次联系日期",
        "days_overdue": "逾期天数",
        "channel": "联系方式",
    }
    for row, expected in zip(rows, EXPECTED, strict=True):
        for key, value in zip(FIELDS, expected, strict=True):
            if key not in labels:
                continue
            cell = row[labels[key]]
            if key == "next_contact":
                assert cell == dt.datetime.fromisoformat(value), key
            elif isinstance(value, str) and key not in ("customer_id", "name", "tier", "priority"):
                assert cell == ZH[value], (key, cell, value)
            else:
                assert cell == value, (key, cell, value)


def test_workbook_keeps_ledger_text_literal_and_carries_columns(workbook):
    ws = workbook["跟进计划"]
    header = [c.value for c in ws[1]]
    assert header[:4] == ["客户编号", "客户名称", "客户经理", "区域"]
    assert header[-2:] == ["对接人", "微信号"]
    rows = _sheet_rows(ws)
    assert rows[2]["客户名称"] == "=1+1"
    assert ws.cell(4, 2).data_type == "s"  # text, not a formula
    assert rows[1]["微信号"] == '=HYPERLINK("http://x")'
    assert rows[3]["微信号"] == "@SUM(1)"
    assert rows[5]["微信号"] == "+1+1"
    assert rows[0]["对接人"] == "王经理"
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            assert cell.data_type != "f", cell.coordinate


def test_workbook_has_table_filters_notes_and_formats(workbook):
    ws = workbook["跟进计划"]
    assert ws.freeze_panes == "C2"
    table = ws.tables["kq_plan_table"]
    assert table.ref == f"A1:AO{1 + len(EXPECTED)}"
    ranges = [str(cf.sqref) for cf in ws.conditional_formatting]
    assert any(r.startswith("A2:") and r.endswith(str(1 + len(EXPECTED))) for r in ranges)
    assert ws["E2"].comment is not None and "20/80" in ws["E2"].comment.text
    assert ws["F2"].number_format == "0.00%"
    assert ws["W2"].number_format == "yyyy-mm-dd"
    warnings = _sheet_rows(ws)[0]["预警"]
    assert (
        warnings == "逾期未联系（18 天）、续约风险高、未接触决策层"
    )  # DOMAIN §8: overdue_contact with days


def test_issues_sheet_lists_every_problem(workbook):
    rows = list(workbook["问题"].iter_rows(values_only=True))
    assert rows[0] == ("文件", "工作表", "行号", "列", "原始值", "问题", "类型")
    said, *body = rows[1:]
    assert said == (
        "messy_ledger.xlsx",
        "台账",
        3,
        None,
        None,
        "表头在第 3 行；识别了 22 列：A 客户代码→客户编号，B 单位名称→客户名称，C 业务员→客户经理，"
        "D 片区→区域，E 年贡献（万元）→年销售额，F 毛利率，G 服务成本，H 签约状态，I 历史效果，"
        "J 本期效果，K 决策风格，L 沟通倾向，M 购买意向，N 合作阶段，O 最近联系日期，"
        "P 已接触决策层，Q 未结投诉，R 承诺期限，S 未兑现承诺，T 主要期望，U 发展阶段，V 联系次数；"
        "未识别 2 列（原样带到计划里）：W 对接人，X 微信号",
        "读取说明",
    )
    assert [(r[2], r[3], r[4]) for r in body] == [
        (7, "年贡献（万元） (E)", "abc"),
        (8, "客户代码 (A)", "C01"),
        (11, "最近联系日期 (O)", "2026-13-01"),
        (11, "联系次数 (V)", "x"),
    ]
    assert all(r[0] == "messy_ledger.xlsx" and r[1] == "台账" for r in body)
    assert body[0][5] == "不是金额"


def test_legend_explains_every_field(workbook):
    ws = workbook["说明"]
    text = "\n".join(str(v) for row in ws.iter_rows(values_only=True) for v in row if v)
    from kqexcel.core.plan import PLAN_FIELDS
    from kqexcel.io.legend import CODE_DOMAINS
    from kqexcel.rules import load_rules

    rules = load_rules()
    assert "20/80" in text
    # 6/8: rows are labels (the plan's language, then English), never the machine codes
    shown = {(r[0], r[1]): r[2] for r in ws.iter_rows(values_only=True) if r[0] and r[1]}
    for key in PLAN_FIELDS:
        assert shown[(rules.field_label(key, "zh"), rules.field_label(key, "en"))], key
    for domain, _ in CODE_DOMAINS:
        for code in rules["codes"][domain]:
            pair = (rules.label(domain, code, "zh"), rules.label(domain, code, "en"))
            assert shown.get(pair), (domain, code)  # every code is explained
    codes = {c for domain in rules["codes"].values() for c in domain} - {
        "A",
        "B",
        "C",
        "P1",
        "P2",
        "P3",
    }
    assert not [v for row in ws.iter_rows(values_only=True) for v in row[:2] if v in codes]
    # the long texts the talking points leave out are here
    for words in ("知遇之情", "独享尊贵", "每年至少获得1个长期客户"):
        assert words in text
    assert "不到总价值的 80%" in text and "优先分 ≥ 60" in text  # the numbers of the rules in force


def test_english_plan(runner, messy, tmp_path):
    out = tmp_path / "plan_en.xlsx"
    result = runner.invoke(
        cli, ["plan", str(messy), "--as-of", AS_OF, "--lang", "en", "-o", str(out)]
    )
    assert result.exit_code == 1
    assert "Wrote" in result.stderr and "4 data problems and 0 data gaps" in result.stderr
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["This week", "Plan", "Issues", "Legend"]
    rows = _sheet_rows(wb["Plan"])
    assert rows[0]["Tier"] == "A" and rows[0]["Profit quadrant"] == "Top"
    assert rows[0]["Channel"] == "Visit" and rows[0]["Renewal risk"] == "High"
    assert rows[0]["Warnings"] == "Overdue contact (18 days), Renewal risk high, No decision-maker"
    issues = list(wb["Issues"].iter_rows(values_only=True))
    assert issues[1][6] == "as read" and issues[1][5].endswith(
        "not recognised (carried through as they are): W 对接人, X 微信号"
    )
    assert issues[2][5] == "not an amount of money"


def test_csv_output_escapes_formula_text(runner, messy, tmp_path):
    out = tmp_path / "plan.csv"
    result = runner.invoke(
        cli, ["plan", str(messy), "--as-of", AS_OF, "--format", "csv", "--codes", "-o", str(out)]
    )
    assert result.exit_code == 1
    text = out.read_text(encoding="utf-8-sig")
    assert "'=1+1" in text
    assert text.splitlines()[0].startswith("customer_id,name,owner,region,tier")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_csv_for_people_is_what_the_plan_sheet_shows(runner, messy, tmp_path, lang):
    """6/8: --format csv writes the plan sheet: its headers and labels in --lang, warnings with
    details, the ledger's carried columns; text never a formula."""
    out, book = tmp_path / "plan.csv", tmp_path / "plan.xlsx"
    for fmt, target in (("csv", out), ("xlsx", book)):
        result = runner.invoke(
            cli,
            [
                "plan",
                str(messy),
                "--as-of",
                AS_OF,
                "--format",
                fmt,
                "--lang",
                lang,
                "-o",
                str(target),
            ],
        )
        assert result.exit_code == 1, result.output
    rows = list(csv.reader(out.read_text(encoding="utf-8-sig").splitlines(keepends=True)))
    sheet = openpyxl.load_workbook(book).worksheets[1]
    cells = [list(r) for r in sheet.iter_rows(values_only=True)]
    width = len(rows[0])
    assert rows[0] == [str(h) for h in cells[0][:width]]  # the same headers, carried ones too
    assert rows[0][-2:] == ["对接人", "微信号"] and len(rows) == len(cells)
    for got, want in zip(rows[1:], cells[1:], strict=True):
        for g, w in zip(got, want[:width], strict=True):
            if isinstance(w, dt.datetime):
                w = w.date().isoformat()
            elif isinstance(w, float) and w.is_integer():
                w = int(w)
            elif isinstance(w, str) and w.startswith(("=", "+", "-", "@")):
                w = "'" + w  # text cell in the sheet, neutralised in the CSV (OWASP)
            assert g == ("" if w is None else str(w)), (rows[0][got.index(g)], g, w)
    head = {h: j for j, h in enumerate(rows[0])}
    tier = "价值层级" if lang == "zh" else "Tier"
    warnings = "预警" if lang == "zh" else "Warnings"
    assert rows[1][head[tier]] == "A"
    assert rows[1][head[warnings]] == (
        "逾期未联系（18 天）、续约风险高、未接触决策层"
        if lang == "zh"
        else "Overdue contact (18 days), Renewal risk high, No decision-maker"
    )
    assert all(not c.startswith(("=", "+", "@")) for r in rows for c in r)
