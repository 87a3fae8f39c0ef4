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
