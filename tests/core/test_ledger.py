"""The ledger (DOMAIN.md §1): header detection, column mapping, units in headers, total and blank
rows, duplicate ids, data problems, carried-through columns, and reading real files."""

from __future__ import annotations

import datetime as dt
import hashlib
import math
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from kqexcel.core.ledger import (
    Problem,
    carried_key,
    find_header,
    header_field,
    header_match,
    normalise,
)
from kqexcel.errors import LedgerError
from kqexcel.io.ledger import read_ledger
from kqexcel.rules import load_rules
from tests.conftest import data_problems, readings

RULES = load_rules()


def _norm(rows: list[list[object]], file: str = "book.xlsx", sheet: str = "台账"):  # type: ignore[no-untyped-def]
    index = find_header(rows, RULES)
    assert index is not None
    return normalise(rows, index, RULES, file, sheet)


def _xlsx(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        ws = book.create_sheet(title)
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row, start=1):
                if value is None:
                    continue
                cell = ws.cell(r, c)
                cell.value = value
                if isinstance(value, str) and value.startswith("="):
                    cell.data_type = "s"  # text, not a formula
    book.save(path)
    return path


# --------------------------------------------------------------------------- header detection

HEADER = ["客户编号", "客户名称", "客户经理", "年销售额", "毛利率"]


def test_header_under_title_and_blank_rows() -> None:
    rows = [
        ["2026年客户台账", None, None, None, None],
        [None, None, None, None, None],
        HEADER,
        ["C001", "甲公司", "张三", 1000, 0.3],
        ["C002", "乙公司", "李四", 2000, 0.2],
    ]
    assert find_header(rows, RULES) == 2
    ledger = normalise(rows, 2, RULES, "book.xlsx", "台账")
    assert ledger.header_row == 3
    assert ledger.table["_row"].tolist() == [4, 5]
    assert ledger.table["customer_id"].tolist() == ["C001", "C002"]
    assert ledger.table["name"].tolist() == ["甲公司", "乙公司"]
    assert ledger.problems == []


def test_header_row_offset_counts_excel_rows() -> None:
    rows = [["title"], HEADER, ["C001", "甲公司", "张三", 1, 0.1]]
    ledger = normalise(rows, 1, RULES, "f.xlsx", "s", row_offset=5)
    assert ledger.table["_row"].tolist() == [7]


def test_best_matching_row_wins() -> None:
    rows = [
        ["客户", "区域", None, None],  # 2 known fields: a candidate, but not the best
        ["客户编号", "客户名称", "区域", "年销售额"],  # 4 known fields
        ["C001", "甲", "华东", 10],
    ]
    assert find_header(rows, RULES) == 1


def test_tie_goes_to_the_first_row() -> None:
    rows = [
        ["客户名称", "年销售额", "x"],
        ["客户编号", "区域", "y"],
        ["C001", "华东", 1],
    ]
    assert find_header(rows, RULES) == 0


def test_a_field_named_twice_counts_once() -> None:
    rows = [
        ["客户", "客户名称", "公司名称"],  # three spellings of one field: 1 distinct field
        ["客户名称", "区域", None],
    ]
    assert find_header(rows, RULES) == 1


@pytest.mark.parametrize(
    "rows",
    [
        [["客户名称", "甲", "乙"], ["A", "B", "C"]],  # one known field only
        [["foo", "bar"], ["1", "2"]],
        [],
        [[None, None], ["", "  "]],
    ],
)
def test_fewer_than_two_known_fields_is_no_header(rows: list[list[object]]) -> None:
    assert find_header(rows, RULES) is None


def test_only_the_first_ten_non_empty_rows_are_scanned() -> None:
    titles = [[f"说明 {i}", None] for i in range(10)]
    rows = [*titles, ["客户名称", "年销售额"], ["甲", 1]]
    assert find_header(rows, RULES) is None


def test_blank_rows_do_not_count_towards_the_ten() -> None:
    titles: list[list[object]] = []
    for i in range(9):
        titles += [[f"说明 {i}", None], [None, None], ["", " "]]
    rows = [*titles, ["客户名称", "年销售额"], ["甲", 1]]
    assert find_header(rows, RULES) == 27  # the 10th non-empty row


# --------------------------------------------------------------------------- header names


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("客户编号", ("customer_id", 1.0, False)),
        ("编号", ("customer_id", 1.0, False)),
        ("客户代码", ("customer_id", 1.0, False)),
        ("Customer ID", ("customer_id", 1.0, False)),
        ("customer id", ("customer_id", 1.0, False)),
        ("CUSTOMER_ID", ("customer_id", 1.0, False)),
        ("ID", ("customer_id", 1.0, False)),
        ("客户名称", ("name", 1.0, False)),
        ("客户", ("name", 1.0, False)),
        ("公司名称", ("name", 1.0, False)),
        ("单位名称", ("name", 1.0, False)),
        ("Customer", ("name", 1.0, False)),
        ("name", ("name", 1.0, False)),
        ("业务员", ("owner", 1.0, False)),
        ("销售代表", ("owner", 1.0, False)),
        ("Rep", ("owner", 1.0, False)),
        ("片区", ("region", 1.0, False)),
        ("年贡献", ("revenue", 1.0, False)),
        ("销售额", ("revenue", 1.0, False)),
        ("Revenue", ("revenue", 1.0, False)),
        ("ＲＥＶＥＮＵＥ", ("revenue", 1.0, False)),
        ("  revenue  ", ("revenue", 1.0, False)),
        ("年销售额（万元）", ("revenue", 1e4, False)),
        ("年销售额(万元)", ("revenue", 1e4, False)),
        ("年销售额（元）", ("revenue", 1.0, False)),
        ("年销售额(千元)", ("revenue", 1e3, False)),
        ("年销售额（亿元）", ("revenue", 1e8, False)),
        ("本年销售额(万)", ("revenue", 1e4, False)),  # the unit without 元, as reps write it
        ("年销售额（千）", ("revenue", 1e3, False)),
        ("合同金额(亿)", ("revenue", 1e8, False)),
        ("销售额/万", ("revenue", 1e4, False)),
        ("Revenue (k)", ("revenue", 1e3, False)),
        ("Revenue (K)", ("revenue", 1e3, False)),
        ("Revenue (m)", ("revenue", 1e6, False)),
        ("服务成本（万元）", ("service_cost", 1e4, False)),
        ("毛利率(%)", ("gross_margin", 1.0, True)),
        ("毛利率（%）", ("gross_margin", 1.0, True)),
        ("Gross margin (%)", ("gross_margin", 1.0, True)),
        ("成交概率(%)", ("win_probability", 1.0, True)),
        ("Decision-maker reached", ("decision_maker_reached", 1.0, False)),
        ("E-commerce staff", ("ecommerce_staff", 1.0, False)),
        ("最近联系日期", ("last_contact", 1.0, False)),
        ("Last contact", ("last_contact", 1.0, False)),
        ("备注", ("notes", 1.0, False)),
        ("客户台账", (None, 1.0, False)),
        ("自定义列", (None, 1.0, False)),
        (None, (None, 1.0, False)),
        ("", (None, 1.0, False)),
    ],
)
def test_header_field(cell: object, expected: tuple[str | None, float, bool]) -> None:
    assert header_field(cell, RULES) == expected


def test_english_headers_map_every_column() -> None:
    rows = [
        [
            "Customer ID",
            "Customer",
            "Owner",
            "Region",
            "Revenue (k)",
            "Gross margin",
            "Intent",
            "Last contact",
            "Decision-maker reached",
            "Past results",
            "Contacts",
        ],
        ["E1", "Acme", "Wang", "East", "1,234", "35%", "Not now", "2026/11/3", "Y", "12;8;15", 3],
    ]
    ledger = _norm(rows)
    assert ledger.problems == []
    assert set(ledger.mapped) == {
        "customer_id",
        "name",
        "owner",
        "region",
        "revenue",
        "gross_margin",
        "intent",
        "last_contact",
        "decision_maker_reached",
        "past_results",
        "contacts",
    }
    assert ledger.carried == []
    row = ledger.table.iloc[0]
    assert row["customer_id"] == "E1"
    assert row["name"] == "Acme"
    assert row["owner"] == "Wang"
    assert row["region"] == "East"
    assert row["revenue"] == 1_234_000.0
    assert row["gross_margin"] == pytest.approx(0.35)
    assert row["intent"] == "not_now"
    assert row["last_contact"] == pd.Timestamp("2026-11-03")
    assert row["decision_maker_reached"] is True
    assert row["past_results"] == [12, 8, 15]
    assert row["contacts"] == 3


def test_width_and_case_insensitive_headers_in_a_sheet() -> None:
    rows = [
        ["ＣＵＳＴＯＭＥＲ ＩＤ", "customer", "ＲＥＶＥＮＵＥ"],
        ["X1", "Acme", 500],
    ]
    ledger = _norm(rows)
    assert ledger.mapped["customer_id"].header == "ＣＵＳＴＯＭＥＲ ＩＤ"
    assert ledger.table["revenue"].tolist() == [500.0]
    assert ledger.table["name"].tolist() == ["Acme"]


def test_every_field_is_a_column_even_when_absent() -> None:
    ledger = _norm([["客户名称", "年销售额"], ["甲", 1]])
    for fld in RULES["fields"]:
        assert fld in ledger.table.columns
    assert ledger.table["customer_id"].isna().all()
    assert ledger.table["last_contact"].isna().all()


# --------------------------------------------------------------------------- units in headers


def test_header_units_scale_their_columns() -> None:
    rows = [
        ["客户名称", "年销售额（万元）", "服务成本(千元)", "毛利率(%)", "成交概率"],
        ["甲", 120, 5, 35, 0.4],
        ["乙", "1.5", "2", "12.5", "60%"],
        ["丙", "3亿", "-", 0.5, 60],
    ]
    ledger = _norm(rows)
    assert ledger.problems == []
    t = ledger.table
    assert t["revenue"].tolist() == pytest.approx([1_200_000.0, 15_000.0, 300_000_000.0])
    assert t["service_cost"].tolist()[:2] == pytest.approx([5_000.0, 2_000.0])
    assert math.isnan(t["service_cost"].iloc[2])
    assert t["gross_margin"].tolist() == pytest.approx([0.35, 0.125, 0.005])
    assert t["win_probability"].tolist() == pytest.approx([0.4, 0.6, 0.6])


def test_revenue_k_header() -> None:
    ledger = _norm([["Customer", "Revenue (k)"], ["Acme", "1,234"], ["Beta", 2.5]])
    assert ledger.table["revenue"].tolist() == [1_234_000.0, 2_500.0]


# --------------------------------------------------------------------------- total and blank rows


@pytest.mark.parametrize("word", ["合计", "总计", "小计", "Total", "TOTAL", "total:", "合计："])
def test_total_rows_are_skipped(word: str) -> None:
    rows = [
        ["客户编号", "客户名称", "年销售额"],
        ["C001", "甲", 100],
        [None, word, 100],
        ["C002", "乙", 200],
    ]
    ledger = _norm(rows)
    assert ledger.table["name"].tolist() == ["甲", "乙"]
    assert ledger.table["_row"].tolist() == [2, 4]
    assert ledger.problems == []


def test_total_word_in_first_cell_and_blank_rows_are_skipped() -> None:
    rows = [
        ["台账"],
        ["客户编号", "客户名称", "年销售额"],
        [None, None, None],
        ["C001", "甲", 100],
        ["", "  ", None],
        ["C002", "乙", 200],
        [],
        ["总计", None, 300],
        ["小计", "", 300],
    ]
    ledger = _norm(rows)
    assert ledger.table["customer_id"].tolist() == ["C001", "C002"]
    assert ledger.table["_row"].tolist() == [4, 6]
    assert ledger.table["revenue"].tolist() == [100.0, 200.0]
    assert ledger.problems == []  # a total row without id or a blank row is not a problem either


# --------------------------------------------------------------------------- duplicates


def test_a_row_left_out_for_its_missing_name_claims_no_id() -> None:
    rows = [["客户编号", "客户名称", "年销售额"], ["C001", None, 100], ["C001", "甲", 200]]
    ledger = _norm(rows)
    assert ledger.table["name"].tolist() == ["甲"]
    assert [p.reason for p in ledger.problems] == ["missing_name"]


def test_duplicate_customer_id_first_wins() -> None:
    rows = [
        ["标题"],
        ["客户编号", "客户名称", "年销售额"],
        ["C001", "甲", 100],
        ["C002", "乙", 200],
        ["C001", "甲二", 999],
        ["C001", "甲三", 111],
    ]
    ledger = _norm(rows, file="l.xlsx", sheet="S")
    t = ledger.table
    assert t["customer_id"].tolist() == ["C001", "C002"]
    assert t["name"].tolist() == ["甲", "乙"]
    assert t["revenue"].tolist() == [100.0, 200.0]
    assert t["_row"].tolist() == [3, 4]
    dups = [p for p in ledger.problems if p.reason == "duplicate_id"]
    assert [p.row for p in dups] == [5, 6]
    assert len(ledger.problems) == 2
    for p in dups:
        assert p.file == "l.xlsx"
        assert p.sheet == "S"
        assert p.value == "C001"
        assert "客户编号" in (p.column or "")
        assert p.kind == "problem"


def test_numeric_ids_compare_as_text() -> None:
    rows = [["客户编号", "客户名称"], [1001.0, "甲"], ["1001", "乙"], [1002, "丙"]]
    ledger = _norm(rows)
    assert ledger.table["customer_id"].tolist() == ["1001", "1002"]
    assert [(p.row, p.reason) for p in ledger.problems] == [(3, "duplicate_id")]


# --------------------------------------------------------------------------- data problems


def test_unreadable_value_is_a_problem_and_the_row_is_kept() -> None:
    rows = [
        ["客户台账"],
        [],
        ["客户编号", "客户名称", "年销售额（万元）", "毛利率", "最近联系日期", "已接触决策层"],
        ["C001", "甲", 12, "30%", "2026-11-03", "是"],
        ["C002", "乙", "很多", "25%", "2026-02-30", "无"],
    ]
    ledger = _norm(rows, file="ledger.xlsx", sheet="客户")
    t = ledger.table
    assert t["customer_id"].tolist() == ["C001", "C002"]
    assert t["_row"].tolist() == [4, 5]
    # the unreadable fields count as empty, the rest of the row is still used
    assert t["revenue"].iloc[0] == 120_000.0
    assert math.isnan(t["revenue"].iloc[1])
    assert t["gross_margin"].iloc[1] == pytest.approx(0.25)
    assert pd.isna(t["last_contact"].iloc[1])
    assert t["decision_maker_reached"].tolist() == [True, False]
    assert len(ledger.problems) == 2
    money, date = ledger.problems
    assert (money.file, money.sheet, money.row, money.value, money.reason, money.kind) == (
        "ledger.xlsx",
        "客户",
        5,
        "很多",
        "not_money",
        "problem",
    )
    assert "年销售额（万元）" in (money.column or "")
    assert (date.file, date.sheet, date.row, date.value, date.reason, date.kind) == (
        "ledger.xlsx",
        "客户",
        5,
        "2026-02-30",
        "not_a_date",
        "problem",
    )
    assert "最近联系日期" in (date.column or "")


@pytest.mark.parametrize(
    ("header", "raw", "reason"),
    [
        ("毛利率", 101, "ratio_out_of_range"),
        ("购买意向", "也许吧", "unknown_value"),
        ("已接触决策层", "大概", "not_yes_no"),
        ("历史效果", "12;x", "not_a_number_list"),
        ("操作人数", 2.5, "not_a_whole_number"),
    ],
)
def test_problem_reasons_per_field_type(header: str, raw: object, reason: str) -> None:
    ledger = _norm([["客户名称", "年销售额", header], ["甲", 10, raw]], file="f.csv", sheet="f")
    assert ledger.problems == [Problem("f.csv", "f", 2, f"{header} (C)", raw, reason)]
    assert ledger.table["revenue"].tolist() == [10.0]


def test_placeholders_are_empty_not_problems() -> None:
    rows = [
        ["客户名称", "年销售额", "毛利率", "到期日", "历史效果", "购买意向", "已接触决策层"],
        ["甲", "-", "—", "/", "暂无", "N/A", "无"],
        ["乙", "null", "NA", "无", "-", "暂无", "-"],
    ]
    ledger = _norm(rows)
    assert ledger.problems == []
    t = ledger.table
    assert t["revenue"].isna().all()
    assert t["gross_margin"].isna().all()
    assert t["contract_end"].isna().all()
    assert t["past_results"].tolist() == [None, None]
    assert t["intent"].tolist() == [None, None]
    assert t["decision_maker_reached"].tolist() == [False, None]  # 无 means no in a yes/no field


def test_missing_name_is_a_problem() -> None:
    rows = [["客户编号", "客户名称", "年销售额"], ["C001", None, 5], ["C002", "乙", 6]]
    ledger = _norm(rows)
    assert [(p.row, p.reason) for p in ledger.problems] == [(2, "missing_name")]
    assert "客户名称" in (ledger.problems[0].column or "")


# --------------------------------------------------------------------------- carried columns


def test_unknown_columns_are_carried_through_untouched() -> None:
    created = dt.datetime(2025, 1, 2, 3, 4, 5)
    rows = [
        ["客户编号", "客户名称", "自定义 A", "内部评级", "公式列", "年销售额"],
        ["C001", "甲", "  spaced  ", 1.0, "=SUM(A1:A3)", 10],
        ["C002", "乙", None, "N/A", "-", 20],
        ["C003", "丙", 12345.678, created, "=1+1", 30],
    ]
    ledger = _norm(rows)
    assert ledger.carried == ["自定义 A", "内部评级", "公式列"]
    t = ledger.table
    assert t[carried_key("自定义 A")].tolist() == ["  spaced  ", None, 12345.678]
    assert t[carried_key("内部评级")].tolist() == [1.0, "N/A", created]
    assert t[carried_key("公式列")].tolist() == ["=SUM(A1:A3)", "-", "=1+1"]
    assert t["revenue"].tolist() == [10.0, 20.0, 30.0]
    assert ledger.problems == []


# --------------------------------------------------------------------------- reading files


def test_read_xlsx_with_title_row(tmp_path: Path) -> None:
    path = _xlsx(
        tmp_path / "台账.xlsx",
        {
            "客户": [
                ["2026 年客户台账"],
                [],
                ["客户编号", "客户名称", "年销售额（万元）", "最近联系日期", "备注列", "内部公式"],
                ["C001", "甲公司", 120, dt.datetime(2026, 11, 3), "VIP", "=SUM(A1:A2)"],
                ["C002", "乙公司", "1,234", "2026年11月3日", None, '=HYPERLINK("x")'],
                [None, "合计", 1354],
            ]
        },
    )
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    ledger = read_ledger(path)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before  # the input is never changed
    assert (ledger.file, ledger.sheet, ledger.header_row) == ("台账.xlsx", "客户", 3)
    t = ledger.table
    assert t["_row"].tolist() == [4, 5]
    assert t["customer_id"].tolist() == ["C001", "C002"]
    assert t["revenue"].tolist() == [1_200_000.0, 12_340_000.0]
    assert t["last_contact"].tolist() == [pd.Timestamp("2026-11-03")] * 2
    assert ledger.carried == ["备注列", "内部公式"]
    assert t[carried_key("内部公式")].tolist() == ["=SUM(A1:A2)", '=HYPERLINK("x")']
    assert t[carried_key("备注列")].tolist() == ["VIP", None]
    assert data_problems(ledger.problems) == []
    [said] = readings(ledger.problems)  # what was understood: said once, at the header row
    assert (said.row, said.reason, said.reading.header_rows) == (3, "columns_read", (3,))


def test_read_xlsx_problem_carries_its_place(tmp_path: Path) -> None:
    path = _xlsx(
        tmp_path / "p.xlsx",
        {
            "S1": [
                ["标题"],
                ["客户名称", "Revenue (k)", "毛利率"],
                ["甲", "lots", 0.3],
            ]
        },
    )
    ledger = read_ledger(path)
    assert len(data_problems(ledger.problems)) == 1
    p = data_problems(ledger.problems)[0]
    assert (p.file, p.sheet, p.row, p.value, p.reason) == ("p.xlsx", "S1", 3, "lots", "not_money")
    assert "Revenue (k)" in (p.column or "")
    assert ledger.table["gross_margin"].tolist() == pytest.approx([0.3])


CSV_TEXT = (
    "客户编号,客户名称,年销售额,毛利率,购买意向,历史效果\n"
    'C001,甲公司,"1,234",35%,暂不购买,12;8;15\n'
    "C002,乙公司,1.2万,0.2,有兴趣,10\n"
    "合计,,13234,,,\n"
)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_read_csv_utf8_and_gbk(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "ledger.csv"
    path.write_bytes(CSV_TEXT.encode(encoding))
    ledger = read_ledger(path)
    assert ledger.sheet == "ledger"
    assert data_problems(ledger.problems) == []
    t = ledger.table
    assert t["customer_id"].tolist() == ["C001", "C002"]
    assert t["name"].tolist() == ["甲公司", "乙公司"]
    assert t["_row"].tolist() == [2, 3]
    assert t["revenue"].tolist() == [1234.0, 12000.0]
    assert t["gross_margin"].tolist() == pytest.approx([0.35, 0.2])
    assert t["intent"].tolist() == ["not_now", "interested"]
    assert t["past_results"].tolist() == [[12, 8, 15], [10]]


def test_read_csv_with_title_row(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes("客户台账,,\n,,\n客户名称,区域,年销售额\n甲,华东,100\n".encode("gbk"))
    ledger = read_ledger(path)
    assert ledger.table["_row"].tolist() == [4]
    assert ledger.table["region"].tolist() == ["华东"]


def _two_sheets(tmp_path: Path) -> Path:
    return _xlsx(
        tmp_path / "two.xlsx",
        {
            "说明": [["这是说明页"], ["无表头"]],
            "一月": [["客户名称", "年销售额"], ["甲", 1]],
            "二月": [["标题"], ["客户名称", "年销售额"], ["乙", 2], ["丙", 3]],
        },
    )


def test_the_sheet_with_the_most_customers_is_used(tmp_path: Path) -> None:
    ledger = read_ledger(_two_sheets(tmp_path))  # issue 3/8: most named rows, not the first
    assert ledger.sheet == "二月"
    assert ledger.table["name"].tolist() == ["乙", "丙"]


def test_sheet_selection(tmp_path: Path) -> None:
    ledger = read_ledger(_two_sheets(tmp_path), sheet="二月")
    assert ledger.sheet == "二月"
    assert ledger.table["name"].tolist() == ["乙", "丙"]
    assert ledger.table["_row"].tolist() == [3, 4]


def test_missing_sheet_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(LedgerError) as info:
        read_ledger(_two_sheets(tmp_path), sheet="三月")
    message = str(info.value)
    assert "三月" in message
    assert "\n" not in message


def test_selected_sheet_without_header_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(LedgerError) as info:
        read_ledger(_two_sheets(tmp_path), sheet="说明")
    assert "\n" not in str(info.value)


def test_no_recognisable_header_is_an_error(tmp_path: Path) -> None:
    path = _xlsx(tmp_path / "none.xlsx", {"S": [["foo", "bar"], [1, 2], [3, 4]]})
    with pytest.raises(LedgerError) as info:
        read_ledger(path)
    assert "\n" not in str(info.value)


def test_csv_without_header_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(LedgerError):
        read_ledger(path)


def test_text_file_renamed_xlsx_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "fake.xlsx"
    path.write_text("客户名称,年销售额\n甲,1\n", encoding="utf-8")
    with pytest.raises(LedgerError) as info:
        read_ledger(path)
    assert "\n" not in str(info.value)
    assert "fake.xlsx" in str(info.value)


@pytest.mark.parametrize("name", ["empty.xlsx", "empty.csv", "empty.xls"])
def test_empty_file_is_an_error(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(b"")
    with pytest.raises(LedgerError) as info:
        read_ledger(path)
    assert "\n" not in str(info.value)


def test_missing_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(LedgerError):
        read_ledger(tmp_path / "nope.xlsx")


def test_an_empty_form_in_front_of_the_entries_is_not_chosen(tmp_path):
    """Issue 3/8: 客户信息表 (headers only) first, 录入客户 (the entries) second → the entries."""
    import openpyxl

    wb = openpyxl.Workbook()
    form = wb.active
    form.title = "客户信息表"
    form.append(["公司名称", "联系人", "电话", "备注"])
    entries = wb.create_sheet("录入客户")
    entries.append(["公司名称", "客户经理", "年销售额"])
    for i in range(3):
        entries.append([f"客户{i}", "王", 100 * (i + 1)])
    path = tmp_path / "form.xlsx"
    wb.save(path)
    ledger = read_ledger(path)
    assert ledger.sheet == "录入客户" and len(ledger.table) == 3


def test_of_two_ledger_sheets_the_one_with_more_customers_is_read(tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    few = wb.active
    few.title = "旧"
    few.append(["客户名称", "年销售额"])
    few.append(["甲", 1])
    many = wb.create_sheet("新")
    many.append(["客户名称", "年销售额"])
    for i in range(4):
        many.append([f"客户{i}", i])
    hidden = wb.create_sheet("隐藏")
    hidden.sheet_state = "hidden"
    hidden.append(["客户名称", "年销售额"])
    for i in range(9):
        hidden.append([f"别的{i}", i])
    path = tmp_path / "two.xlsx"
    wb.save(path)
    assert read_ledger(path).sheet == "新"  # the hidden sheet has more, but a visible one will do


# --------------------------------------------------------------------------- headers of real files


@pytest.mark.parametrize(
    ("header", "field", "how", "scale"),
    [  # issue 3/8: the headers of public store lists, CRM exports and reps' own ledgers
        ("店名", "name", "exact", 1.0),
        ("门店名称", "name", "exact", 1.0),
        ("客户名", "name", "exact", 1.0),
        ("客户姓名", "name", "exact", 1.0),
        ("客户名称(必填)", "name", "exact", 1.0),  # an annotation in brackets
        ("客户名称【必填】", "name", "exact", 1.0),
        ("业务归属", "owner", "exact", 1.0),
        ("客户经理姓名", "owner", "stem", 1.0),  # 姓名 is a filler word
        ("合同金额（万元）", "revenue", "exact", 1e4),
        ("年销售额 (元)", "revenue", "exact", 1.0),
        ("上次拜访时间", "last_contact", "exact", 1.0),
        ("上次拜访日期", "last_contact", "stem", 1.0),
        ("最近跟进时间", "last_contact", "exact", 1.0),
        ("Last Contact Date", "last_contact", "stem", 1.0),
        ("合同到期时间", "contract_end", "exact", 1.0),
        ("到期时间", "contract_end", "exact", 1.0),
        ("意向程度", "intent", "exact", 1.0),
        ("客户意向程度", "intent", "stem", 1.0),
        ("客户性格", "style", "exact", 1.0),
        ("Sales Rep", "owner", "exact", 1.0),
    ],
)
def test_a_header_names_its_field_exactly_or_by_its_stem(header, field, how, scale):
    match = header_match(header, RULES)
    assert (match.field, match.how, match.scale) == (field, how, scale)


@pytest.mark.parametrize(
    "header",
    # the customer's phone is not the customer; a contract number is not a customer number
    [
        "客户手机号",
        "电话",
        "地址",
        "省市区",
        "客户经理电话",
        "合同编号",
        "客户状态",
        "联系人姓名",
        "下次跟进时间",
        "创建时间",
        "客户级别",
        "所属部门",
        "成交状态",
    ],
)
def test_a_header_with_other_words_around_a_fields_name_is_carried(header):
    assert header_match(header, RULES).field is None


def test_a_header_two_fields_could_claim_is_not_guessed(tmp_path):
    path = tmp_path / "rules.toml"
    path.write_text('[reader]\nheader_fillers = ["意向"]\n', encoding="utf-8")
    rules = load_rules(path)  # now 性格意向 is 性格 (style) + a filler, and 意向 (intent) + …
    path.write_text('[reader]\nheader_fillers = ["意向", "性格"]\n', encoding="utf-8")
    both = load_rules(path)
    assert header_match("性格意向", rules).field == "style"
    match = header_match("性格意向", both)
    assert match.field is None and match.claims == ("style", "intent")
