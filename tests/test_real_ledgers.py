"""Ledgers as people really keep them (tests/data/real, built by make_real.py; what each should
read as is in EXPECTED.md): every one plans without --map, each column becomes the field a
careful reader would say, and the dates read as DOMAIN.md §1 says."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from kqexcel.cli import cli
from kqexcel.io.ledger import read_ledger

REAL = Path(__file__).parent / "data" / "real"
AS_OF = dt.date(2026, 11, 30)
TWO_ROWS = {
    "客户编号": "customer_id",
    "客户名称": "name",
    "客户经理": "owner",
    "年销售额": "revenue",
    "最近联系日期": "last_contact",
    "购买意向": "intent",
    "未结投诉": "open_complaint",
    "备注": "notes",
}
CASES = {  # file: (sheet, header row as Excel numbers it, customers, header → field)
    "store_list.xlsx": (
        "门店清单",
        1,
        12,
        {
            "序号": None,
            "店名": "name",
            "业务归属": "owner",
            "省市区": None,
            "地址": None,
            "客户手机号": None,
            "合同金额（万元）": "revenue",
            "上次拜访时间": "last_contact",
            "合同到期时间": "contract_end",
            "意向程度": "intent",
            "客户性格": "style",
            "备注": "notes",
        },
    ),
    "crm_export.xlsx": (
        "客户",
        3,
        15,
        {
            "客户名": "name",
            "客户编号": "customer_id",
            "负责人": "owner",
            "所属部门": None,
            "客户级别": None,
            "行业": None,
            "成交状态": None,
            "最近跟进时间": "last_contact",
            "下次跟进时间": None,
            "创建时间": None,
            "联系电话": None,
            "年销售额(元)": "revenue",
        },
    ),
    "two_row_header_merged.xlsx": ("客户跟进", 2, 30, TWO_ROWS),
    "two_row_header_unmerged.xlsx": ("客户跟进", 2, 30, TWO_ROWS),
    "wps_saved.xlsx": (
        "Sheet1",
        1,
        10,
        {
            "客户名称": "name",
            "客户经理": "owner",
            "年销售额": "revenue",
            "最近联系日期": "last_contact",
            "购买意向": "intent",
        },
    ),
    "empty_first_sheet.xlsx": (
        "录入客户",
        1,
        20,
        {
            "公司名称": "name",
            "客户经理": "owner",
            "年销售额": "revenue",
            "最近联系日期": "last_contact",
            "备注": "notes",
        },
    ),
    "date_spellings.xlsx": (
        "台账",
        1,
        21,
        {
            "客户名称": "name",
            "客户经理": "owner",
            "年销售额": "revenue",
            "最近联系日期": "last_contact",
            "合同到期日": "contract_end",
            "承诺期限": "promise_due",
        },
    ),
    "half_recognised.xlsx": (
        "客户",
        1,
        15,
        {
            "客户姓名": "name",
            "业务归属": "owner",
            "合同金额（万元）": "revenue",
            "上次联系时间": "last_contact",
            "到期时间": "contract_end",
            "客户性格": "style",
            "电话": None,
            "地址": None,
        },
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_real_shaped_ledger_is_read_as_a_careful_person_would(name):
    sheet, header_row, customers, columns = CASES[name]
    ledger = read_ledger(REAL / name, as_of=AS_OF)
    assert (ledger.sheet, ledger.header_row, len(ledger.table)) == (sheet, header_row, customers)
    assert {c.header: c.field for c in ledger.columns} == columns
    problems = [(p.row, p.reason) for p in ledger.problems if p.kind == "problem"]
    if name != "date_spellings.xlsx":
        assert problems == []


def test_the_grouped_columns_of_a_two_row_header_are_read():
    for name in ("two_row_header_merged.xlsx", "two_row_header_unmerged.xlsx"):
        table = read_ledger(REAL / name, as_of=AS_OF).table
        assert table["last_contact"].notna().all() and table["intent"].notna().all()
        assert table["customer_id"].iat[0] is not None  # row 3, the first customer, not row 2


def test_a_revenue_column_in_ten_thousands_is_multiplied():
    table = read_ledger(REAL / "store_list.xlsx", as_of=AS_OF).table
    assert table["revenue"].iat[0] == pytest.approx(12.5e4)


EXPECTED_DATES = {  # date_spellings.xlsx, Excel row → what 最近联系日期 reads as (EXPECTED.md)
    2: "2026-11-03",
    3: "2026-11-30",
    4: "2026-11-03",
    5: "2026-11-03",
    6: "2026-11-03",
    7: "2026-11-24",
    8: "2026-10-25",
    9: "2026-11-24",
    10: "2026-11-24",
    11: "2026-09-17",
    12: "2026-11-05",
    13: None,
    14: None,
    15: None,
    16: "2027-03-26",
    17: "2026-12-31",
    18: None,
    19: None,
    20: "2027-02-03",
    21: "2027-05-31",
    22: "2026-06-01",
}


def test_every_date_spelling_reads_as_domain_section_1_says():
    ledger = read_ledger(REAL / "date_spellings.xlsx", as_of=AS_OF)
    for column in ("last_contact", "contract_end", "promise_due"):
        read = dict(zip(ledger.table["_row"], ledger.table[column], strict=True))
        got = {row: None if pd.isna(v) else v.date().isoformat() for row, v in read.items()}
        assert got == EXPECTED_DATES, column
    reasons = sorted({(p.row, p.reason) for p in ledger.problems})
    assert reasons == [
        (1, "columns_read"),
        (13, "date_cut_decimals"),
        (14, "date_cut_decimals"),
        (15, "number_not_date"),
    ]


@pytest.mark.parametrize("name", sorted(CASES))
def test_every_real_shaped_ledger_plans_without_map(runner, tmp_path, name):
    out = tmp_path / "plan.xlsx"
    result = runner.invoke(cli, ["plan", str(REAL / name), "--as-of", "2026-11-30", "-o", str(out)])
    assert result.exit_code == (1 if name == "date_spellings.xlsx" else 0), result.output
    assert out.exists()


# --------------------------------------------------------------------------- --map and [columns]


def _ledger(tmp_path: Path) -> Path:
    from tests.edge_files import write_rows

    return write_rows(
        tmp_path / "自己的台账.xlsx",
        [
            ["客户名称", "负责销售", "营收", "备注"],
            ["甲店", "王", 100, "老客户"],
            ["乙店", "李", 50, None],
        ],
    )


def _records(result) -> dict[str, dict]:
    import json

    return {r["name"]: r for r in map(json.loads, result.stdout.splitlines())}


def test_map_names_the_field_of_a_column_kq_does_not_know(runner, tmp_path):
    ledger = _ledger(tmp_path)
    args = ["plan", str(ledger), "--as-of", "2026-11-30", "--format", "json"]
    plain = _records(runner.invoke(cli, args))
    assert plain["甲店"]["owner"] is None and plain["甲店"]["tier"] is None
    mapped = runner.invoke(cli, [*args, "--map", "负责销售=owner", "--map", "营收=年销售额"])
    assert mapped.exit_code == 0, mapped.output
    records = _records(mapped)
    assert records["甲店"]["owner"] == "王" and records["甲店"]["tier"] == "A"


def test_map_to_dash_keeps_a_column_out_of_the_fields(runner, tmp_path):
    ledger = _ledger(tmp_path)
    args = ["plan", str(ledger), "--as-of", "2026-11-30", "-o", str(tmp_path / "p.xlsx")]
    result = runner.invoke(cli, [*args, "--map", "备注=-", "--map", "营收=revenue"])
    assert result.exit_code == 0, result.output
    from kqexcel.io.ledger import read_ledger
    from kqexcel.rules import load_rules

    ledger_read = read_ledger(ledger, load_rules().with_columns({"备注": "-", "营收": "revenue"}))
    assert {c.header: c.field for c in ledger_read.columns}["备注"] is None
    assert "备注" in ledger_read.carried


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("负责销售=boss", "“boss”不是字段名；可用的字段：customer_id, name, owner"),
        ("负责销售", "应写成 “表头=字段”"),
        ("=owner", "应写成 “表头=字段”"),
        ("负责人员=owner", "表头里没有这一列；表头有：客户名称, 负责销售, 营收, 备注"),
    ],
)
def test_a_map_kq_cannot_follow_is_a_usage_error_listing_the_choices(
    runner, tmp_path, value, words
):
    ledger = _ledger(tmp_path)
    result = runner.invoke(
        cli, ["plan", str(ledger), "--map", value, "-o", str(tmp_path / "p.xlsx")]
    )
    assert result.exit_code == 2
    assert words in result.stderr
    assert not (tmp_path / "p.xlsx").exists()


def test_a_companys_columns_table_maps_its_own_headers(runner, tmp_path):
    ledger = _ledger(tmp_path)
    rules = tmp_path / "公司规则.toml"
    rules.write_text('[columns]\n"负责销售" = "owner"\n"营收" = "revenue"\n', encoding="utf-8")
    args = ["plan", str(ledger), "--as-of", "2026-11-30", "--format", "json", "--rules", str(rules)]
    assert _records(runner.invoke(cli, args))["乙店"]["owner"] == "李"
    rules.write_text('[columns]\n"负责销售" = "boss"\n', encoding="utf-8")
    result = runner.invoke(cli, ["rules", "check", str(rules)])
    assert result.exit_code == 1
    assert "“columns.负责销售”：“boss”不是字段名" in result.stderr


def test_report_takes_map_too(runner, tmp_path):
    ledger = _ledger(tmp_path)
    out = tmp_path / "r.xlsx"
    args = ["report", str(ledger), "--month", "2026-11", "-o", str(out), "-q"]
    result = runner.invoke(cli, [*args, "--map", "负责销售=owner", "--map", "营收=revenue"])
    assert result.exit_code == 0, result.output
    import openpyxl

    values = {c.value for ws in openpyxl.load_workbook(out) for row in ws.iter_rows() for c in row}
    assert "王" in values and "李" in values
    result = runner.invoke(cli, [*args, "--force", "--map", "没有这列=owner"])
    assert result.exit_code == 2 and "没有这列" in result.stderr


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("zh", '最像表头的是工作表“台账”第 2 行：门店, 负责销售, 营收。请用 --map "表头=字段"'),
        (
            "en",
            "the likeliest is row 2 of sheet '台账': 门店, 负责销售, 营收. Say what the columns",
        ),
    ],
)
def test_a_file_without_a_header_says_what_it_saw_and_names_map(runner, tmp_path, lang, words):
    from tests.edge_files import write_rows

    ledger = write_rows(
        tmp_path / "l.xlsx", [["门店清单"], ["门店", "负责销售", "营收"], ["甲店", "王", 100]]
    )
    result = runner.invoke(cli, ["plan", str(ledger), "--lang", lang, "-o", str(tmp_path / "p")])
    assert result.exit_code == 1
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("Error: ") and words in line
    mapped = runner.invoke(
        cli,
        ["plan", str(ledger), "--map", "负责销售=owner", "--map", "营收=revenue"]
        + ["-o", str(tmp_path / "p.xlsx")],
    )
    assert mapped.exit_code == 0, mapped.output  # what the message says to do works


def test_a_file_without_a_revenue_column_says_so_once_not_once_per_row(runner, tmp_path):
    import datetime as dt

    from kqexcel.core.plan import make_plan
    from kqexcel.io.ledger import read_ledger
    from kqexcel.rules import load_rules
    from tests.edge_files import write_rows

    rows = [["客户名称", "客户经理"]] + [[f"客户{i}", "王"] for i in range(45)]
    ledger = read_ledger(write_rows(tmp_path / "no_value.xlsx", rows))
    plan = make_plan(ledger, load_rules(), dt.date(2026, 11, 30), "zh")
    reasons = [(p.row, p.column, p.reason) for p in plan.problems]
    assert reasons == [(1, None, "columns_read"), (None, "年销售额", "no_value_column")]
    result = runner.invoke(
        cli, ["plan", str(tmp_path / "no_value.xlsx"), "-o", str(tmp_path / "p")]
    )
    assert result.exit_code == 1
    assert result.stderr.count("台账里没有这一列：所有客户都无法分层") == 1
    assert "第 None 行" not in result.stderr
    # with the column there, an empty cell is still named by its row
    rows = [["客户名称", "年销售额"], ["甲", 100], ["乙", None]]
    ledger = read_ledger(write_rows(tmp_path / "some.xlsx", rows))
    plan = make_plan(ledger, load_rules(), dt.date(2026, 11, 30), "zh")
    assert [(p.row, p.reason) for p in plan.problems] == [
        (1, "columns_read"),
        (3, "no_value_no_tier"),
    ]


def test_map_names_a_column_without_its_unit_as_the_mapping_reads_it(runner, tmp_path):
    from tests.edge_files import write_rows

    ledger = write_rows(
        tmp_path / "u.xlsx", [["客户名称", "负责销售", "合同额（万元）"], ["甲", "王", 12.5]]
    )
    args = ["plan", str(ledger), "--as-of", "2026-11-30", "--format", "json"]
    result = runner.invoke(cli, [*args, "--map", "合同额=revenue", "--map", "负责销售=owner"])
    assert result.exit_code == 0, result.output
    record = _records(result)["甲"]
    assert record["owner"] == "王" and record["expected_value"] == pytest.approx(125000.0)


STORE_LIST_READ = {
    "zh": "表头在第 1 行；识别了 8 列：B 店名→客户名称，C 业务归属→客户经理，"
    "G 合同金额（万元）→年销售额，H 上次拜访时间→最近联系日期，I 合同到期时间→到期日，"
    "J 意向程度→购买意向，K 客户性格→性格类型，L 备注；"
    "未识别 4 列（原样带到计划里）：A 序号，D 省市区，E 地址，F 客户手机号",
    "en": "header in row 1; 8 columns read: B 店名→Customer, C 业务归属→Owner, "
    "G 合同金额（万元）→Revenue, H 上次拜访时间→Last contact, I 合同到期时间→Contract end, "
    "J 意向程度→Intent, K 客户性格→Style, L 备注→Notes; "
    "4 columns not recognised (carried through as they are): "
    "A 序号, D 省市区, E 地址, F 客户手机号",
}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_what_was_understood_is_said_once_per_file_on_screen_and_in_issues(runner, tmp_path, lang):
    import openpyxl

    out = tmp_path / "p.xlsx"
    args = ["plan", str(REAL / "store_list.xlsx"), "--as-of", "2026-11-30", "-o", str(out)]
    result = runner.invoke(cli, [*args, "--lang", lang])
    assert result.exit_code == 0, result.output  # what was understood is no data problem
    read = (
        "读取 store_list.xlsx / 门店清单：" if lang == "zh" else "Read store_list.xlsx / 门店清单: "
    )
    assert result.stderr.splitlines()[0] == read + STORE_LIST_READ[lang]
    book = openpyxl.load_workbook(out)
    issues = list(book.worksheets[2].iter_rows(values_only=True))  # after 本周 and the plan
    kind = {"zh": "读取说明", "en": "as read"}[lang]
    assert issues[1:] == [
        ("store_list.xlsx", "门店清单", 1, None, None, STORE_LIST_READ[lang], kind)
    ]
    sheet = book.worksheets[2]  # the long line wraps, and its row is tall enough to show it all
    assert sheet["F2"].alignment.wrap_text and sheet["F2"].alignment.vertical == "top"
    assert sheet.row_dimensions[2].height >= 15 * 4
    quiet = runner.invoke(cli, [*args, "--lang", lang, "--force", "-q"])
    assert quiet.exit_code == 0 and quiet.stderr == ""


def test_an_unrecognised_header_is_said_with_the_nearest_field_and_the_map_that_reads_it(
    runner, tmp_path
):
    from tests.edge_files import write_rows

    rows = [
        ["客户名称", "负责人员", "年销售", "最近联系日期", "电话"],
        ["甲", "王", 100, "2026-11-20", "138"],
    ]
    ledger = write_rows(tmp_path / "near.xlsx", rows)
    args = ["plan", str(ledger), "--as-of", "2026-11-30", "--format", "json"]
    result = runner.invoke(cli, args)
    assert result.stderr.splitlines()[0] == (
        "读取 near.xlsx / 台账：表头在第 1 行；识别了 2 列：A 客户名称，D 最近联系日期；"
        "未识别 3 列（原样带到计划里）："
        'B 负责人员（可能是“客户经理”？可用 --map "负责人员=客户经理"），'
        'C 年销售（可能是“年销售额”？可用 --map "年销售=年销售额"），E 电话'
    )
    english = runner.invoke(cli, [*args, "--lang", "en"])
    assert (
        'B 负责人员 (Owner? use --map "负责人员=owner"), '
        'C 年销售 (Revenue? use --map "年销售=revenue"), E 电话'
    ) in english.stderr
    # the suggestion, taken as it is said, reads the columns
    taken = runner.invoke(cli, [*args, "--map", "负责人员=客户经理", "--map", "年销售=年销售额"])
    assert taken.exit_code == 0, taken.output
    record = _records(taken)["甲"]
    assert record["owner"] == "王" and record["tier"] == "A"
    assert (
        "识别了 4 列：A 客户名称，B 负责人员→客户经理（按映射），C 年销售→年销售额（按映射）"
        in (taken.stderr)
    )


def test_a_suggestion_needs_the_rules_similarity(tmp_path):
    from kqexcel.core.ledger import Column, reading
    from kqexcel.rules import load_rules

    columns = [Column(0, "客户名称", "name"), Column(1, "年销售", None), Column(2, "电话", None)]
    assert reading(columns, (1,), load_rules()).suggestions == (None, "revenue", None)
    strict = tmp_path / "rules.toml"
    strict.write_text("[reader]\nheader_suggest_score = 101\n", encoding="utf-8")
    assert reading(columns, (1,), load_rules(strict)).suggestions == (None, None, None)
    # a field read already is never suggested again
    columns.append(Column(3, "年销售额", "revenue"))
    assert reading(columns, (1,), load_rules()).suggestions == (None, None, None, None)


def test_unclear_repeated_and_set_aside_columns_are_said_too(runner, tmp_path):
    from tests.edge_files import write_rows

    rules = tmp_path / "rules.toml"
    rules.write_text(
        '[reader]\nheader_fillers = ["意向", "性格"]\n[columns]\n"内部" = "-"\n', encoding="utf-8"
    )
    rows = [["客户名称", "年销售额", "性格意向", "客户名称", "内部"], ["甲", 100, "x", "乙", 1]]
    ledger = write_rows(tmp_path / "odd.xlsx", rows)
    args = ["plan", str(ledger), "--as-of", "2026-11-30", "--format", "json", "--rules", str(rules)]
    result = runner.invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines()[0] == (
        "读取 odd.xlsx / 台账：表头在第 1 行；识别了 2 列：A 客户名称，B 年销售额；"
        "未识别 1 列（原样带到计划里）：E 内部（按映射）；"
        "1 列无法确定是哪个字段，没有读取（请用 --map 指定）：C 性格意向（性格类型或购买意向？）；"
        "1 列重复（原样带到计划里）：D 客户名称（客户名称已从 A 列读取）"
    )


def test_a_two_row_header_is_said_as_two_rows(runner, tmp_path):
    args = ["plan", str(REAL / "two_row_header_merged.xlsx"), "--as-of", "2026-11-30"]
    result = runner.invoke(cli, [*args, "--format", "json", "--lang", "en"])
    assert "header in rows 1–2 (a two-row header); 8 columns read: A 客户编号→Customer ID" in (
        result.stderr
    )


def test_the_report_says_how_each_ledger_was_read(runner, tmp_path):
    import shutil

    import openpyxl

    folder = tmp_path / "L"
    folder.mkdir()
    for name in ("store_list.xlsx", "wps_saved.xlsx"):
        shutil.copy(REAL / name, folder / name)
    out = tmp_path / "r.xlsx"
    result = runner.invoke(cli, ["report", str(folder), "--month", "2026-11", "-o", str(out)])
    assert result.exit_code == 0, result.output
    lines = result.stderr.splitlines()
    assert lines[0] == f"读取 {folder / 'store_list.xlsx'} / 门店清单：{STORE_LIST_READ['zh']}"
    assert lines[1].startswith(f"读取 {folder / 'wps_saved.xlsx'} / Sheet1：表头在第 1 行；")
    issues = list(openpyxl.load_workbook(out)["问题"].iter_rows(values_only=True))[1:]
    said = [(Path(str(i[0])).name, i[6]) for i in issues if i[6] == "读取说明"]
    assert said == [("store_list.xlsx", "读取说明"), ("wps_saved.xlsx", "读取说明")]


# The header rows of customer exports as public CRM, ERP and store systems write them (yudao and
# 悟空 CRM, 纷享销客, 销售易, 钉钉, an ERP customer list, a store list): what each column becomes.
EXPORTS = {
    "yudao": (
        "编号 客户名称 所属行业 客户来源 客户级别 手机 "
        "电话 邮箱 微信 地址 详细地址 下次联系时间 备注 "
        "负责人 所属部门 创建人 创建时间 更新时间 最后跟进时间 最后跟进记录 成交状态 锁定状态",
        {
            "编号": "customer_id",
            "客户名称": "name",
            "备注": "notes",
            "负责人": "owner",
            "最后跟进时间": "last_contact",
        },
    ),
    "fxiaoke": (
        "客户名称 客户编号 客户级别 客户来源 负责人 "
        "所属部门 成交状态 最新跟进时间 创建时间 电话 地址 "
        "行业 备注 所属公海 累计成交金额",
        {
            "客户名称": "name",
            "客户编号": "customer_id",
            "负责人": "owner",
            "最新跟进时间": "last_contact",
            "备注": "notes",
        },
    ),
    "xiaoshouyi": (
        "客户名称 客户所有人 所属部门 客户级别 行业 "
        "电话 地址 创建日期 最新活动记录时间 年销售额 员工人数",
        {
            "客户名称": "name",
            "客户所有人": "owner",
            "最新活动记录时间": "last_contact",
            "年销售额": "revenue",
        },
    ),
    "dingtalk": (
        "客户名称 负责人 客户状态 客户类型 客户来源 "
        "最近跟进时间 创建时间 地址 联系人 联系电话 跟进阶段",
        {"客户名称": "name", "负责人": "owner", "最近跟进时间": "last_contact"},
    ),
    "erp": (
        "客户代码 客户简称 客户全称 业务员 部门 "
        "信用额度 应收余额 本年销售额 上年销售额 最后交易日期",
        {
            "客户代码": "customer_id",
            "客户全称": "name",
            "业务员": "owner",
            "本年销售额": "revenue",
        },
    ),
    "stores": (
        "门店编号 门店名称 所在城市 店长 店长电话 "
        "负责业务员 月销售额 最近巡店日期 合同截止日期 合作状态",
        {
            "门店编号": "customer_id",
            "门店名称": "name",
            "负责业务员": "owner",
            "最近巡店日期": "last_contact",
            "合同截止日期": "contract_end",
        },
    ),
}


@pytest.mark.parametrize("system", sorted(EXPORTS))
def test_the_header_rows_of_public_crm_and_erp_exports_are_read(tmp_path, system):
    from tests.edge_files import write_rows

    headers, expected = EXPORTS[system]
    header = headers.split()
    rows = [header, [f"{h}1" for h in header]]
    ledger = read_ledger(write_rows(tmp_path / f"{system}.xlsx", rows), as_of=AS_OF)
    read = {c.header: c.field for c in ledger.columns if c.field}
    assert read == expected


def test_a_wide_sheet_is_said_with_its_columns_counted_past_sixty(runner, tmp_path):
    ledger = tmp_path / "wide.csv"
    header = ["客户名称", "年销售额"] + [f"列{i}" for i in range(100)]
    ledger.write_text(",".join(header) + "\n甲,100" + ",x" * 100 + "\n", encoding="utf-8")
    result = runner.invoke(cli, ["plan", str(ledger), "--format", "json", "--as-of", "2026-11-30"])
    line = result.stderr.splitlines()[0]
    assert "未识别 100 列（原样带到计划里）：C 列0，D 列1，" in line
    assert line.endswith("BJ 列59 …（另有 40 列）") and "列60" not in line


def test_a_cell_with_its_own_unit_in_a_unit_column_is_not_multiplied_twice(tmp_path):
    from tests.edge_files import write_rows

    rows = [
        ["单位全称", "本年销售额(万)", "最后跟进日期"],
        ["甲", 35.5, 9.17],
        ["乙", "12万", "11月3日"],
    ]
    ledger = read_ledger(write_rows(tmp_path / "u.xlsx", rows), as_of=AS_OF)
    assert ledger.table["revenue"].tolist() == [355_000.0, 120_000.0]
    assert ledger.table["last_contact"].tolist() == [
        pd.Timestamp("2026-09-17"),
        pd.Timestamp("2026-11-03"),
    ]
