"""The Excel buttons, driven through a stand-in for xlwings' Book (Excel is not on Linux)."""

from __future__ import annotations

import datetime as dt
import shutil

import openpyxl
import pytest

from kqexcel import udfs, xl
from kqexcel.formulas import FormulaError
from tests.conftest import AS_OF, DATA, ROOT


class Range:
    """xlwings' Range as the buttons use it: A1 of a sheet (written), or A1 to the used range's
    last cell (read, 2-D with options(ndim=2)); number formats set on it are recorded."""

    def __init__(self, sheet, rows=None, last=None, address=None):
        self.sheet, self._rows, self._last, self.address = sheet, rows, last, address

    @property
    def column_width(self):
        return self.sheet.widths.get(self.address[0][1])

    @column_width.setter
    def column_width(self, value):
        self.sheet.widths[self.address[0][1]] = value

    @property
    def number_format(self):
        return self.sheet.formats.get(self.address)

    @number_format.setter
    def number_format(self, value):
        self.sheet.formats[self.address] = value

    @property
    def value(self):
        return self._rows

    @value.setter
    def value(self, rows):
        self.sheet.cells = rows

    def options(self, ndim=None):
        assert ndim == 2
        return self

    @property
    def last_cell(self):
        return self._last


class Cell:
    def __init__(self, row, column):
        self.row, self.column = row, column


class Table:
    def __init__(self, source, name, style):
        self.range, self.name, self.style = source, name, style

    def resize(self, source):
        self.range = source


class Tables(list):
    def add(self, source=None, name=None, table_style_name=None):
        self.append(Table(source, name, table_style_name))
        return self[-1]


class FreezePanes:
    def __init__(self):
        self.at = None

    def freeze_at(self, where):
        self.at = where


class Sheet:
    def __init__(self, name, cells=None):
        self.name, self.cells = name, cells or []
        self.tables, self.formats, self.freeze_panes, self.fitted = (
            Tables(),
            {},
            FreezePanes(),
            None,
        )
        self.widths = {}

    def autofit(self, axis=None):
        self.fitted = axis

    @property
    def used_range(self):
        width = max((len(r) for r in self.cells), default=1)
        return Range(self, last=Cell(max(len(self.cells), 1), width))

    def range(self, first, last=None):
        if last is None:
            assert first == "A1"
            return Range(self)
        if first != (1, 1):
            return Range(self, address=(first, last))
        rows = [list(r) + [None] * (last[1] - len(r)) for r in self.cells[: last[0]]]
        return Range(self, rows or None, address=(first, last))

    def clear(self):
        self.cells = []


class Sheets(list):
    active = None

    def __getitem__(self, key):
        if isinstance(key, str):
            return next(s for s in self if s.name == key)
        return super().__getitem__(key)

    def add(self, name, after=None):
        sheet = Sheet(name)
        self.insert(self.index(after) + 1 if after else len(self), sheet)
        return sheet


class Book:
    def __init__(self, rows, fullname="/tmp/ledger.xlsx"):
        self.name, self.fullname = "ledger.xlsx", fullname
        self.sheets = Sheets([Sheet("客户台账", rows)])
        self.sheets.active = self.sheets[0]
        self.names = {}


def rows_of(path):
    return [list(r) for r in openpyxl.load_workbook(path).worksheets[0].iter_rows(values_only=True)]


def test_plan_button_writes_the_same_plan_as_the_formula():
    rows = rows_of(ROOT / "templates" / "sample_ledger.xlsx")
    book = Book(rows)
    assert xl.plan_active_sheet(book, as_of=dt.date(2026, 11, 22)) == 40
    assert [s.name for s in book.sheets] == ["客户台账", "跟进计划", "问题"]
    assert book.sheets["跟进计划"].cells == udfs.KQ_PLAN(rows, AS_OF)
    issues = book.sheets["问题"].cells
    assert issues[0][:3] == ["文件", "工作表", "行号"] and len(issues) == 3
    assert issues[1][2] == 2 and issues[1][5].startswith("表头在第 2 行；识别了 36 列：A 客户编号")
    # pressed again: the sheets are refreshed, not duplicated
    xl.plan_active_sheet(book, as_of=dt.date(2026, 11, 22))
    assert [s.name for s in book.sheets] == ["客户台账", "跟进计划", "问题"]


def test_plan_button_lays_the_sheet_out_like_kq_plan():
    rows = rows_of(ROOT / "templates" / "sample_ledger.xlsx")
    book = Book(rows)
    xl.plan_active_sheet(book, as_of=dt.date(2026, 11, 22))
    plan = book.sheets["跟进计划"]
    header = plan.cells[0]
    assert [(t.name, t.style, t.range.address) for t in plan.tables] == [
        ("kq_plan_zh", "TableStyleMedium2", ((1, 1), (41, len(header))))
    ]
    nxt = header.index("下次联系日期") + 1
    assert plan.formats[((2, nxt), (41, nxt))] == "yyyy-mm-dd"
    assert plan.formats[((2, 6), (41, 6))] == "0.00%"  # cumulative share
    assert plan.freeze_panes.at == "1:1" and plan.fitted == "c"
    assert plan.widths[header.index("依据") + 1] == 50  # long texts capped after the fit
    xl.plan_active_sheet(book, as_of=dt.date(2026, 11, 22))  # pressed again: one table, stretched
    assert len(plan.tables) == 1


def test_plan_button_writes_values_where_excel_cannot_format():
    rows = rows_of(ROOT / "templates" / "sample_ledger.xlsx")
    book = Book(rows)
    book.sheets.add("跟进计划", after=book.sheets[0])
    plan = book.sheets["跟进计划"]
    plan.tables = None  # an Excel without tables: every cosmetic step fails
    plan.freeze_panes = None
    assert xl.plan_active_sheet(book, as_of=dt.date(2026, 11, 22)) == 40
    assert plan.cells == udfs.KQ_PLAN(rows, AS_OF)


def test_plan_button_keeps_formula_text_as_text():
    rows = rows_of(DATA / "messy_ledger.xlsx")
    book = Book(rows)
    xl.plan_active_sheet(book, lang="en", as_of=dt.date(2026, 11, 22))
    plan = book.sheets["Plan"].cells
    names = [r[1] for r in plan[1:]]
    assert "'=1+1" in names  # an apostrophe keeps it text in Excel
    assert any(r[-1] == '\'=HYPERLINK("http://x")' for r in plan[1:])
    issues = book.sheets["Issues"].cells
    assert (
        issues[1][5].startswith("header in row 3; 22 columns read:") and issues[1][6] == "as read"
    )
    assert issues[2][5] == "not an amount of money"


def test_plan_button_gives_excel_rows_and_letters_wherever_the_ledger_starts():
    rows = [
        [None] * 6,
        [None, None, "客户台账 2026"],
        [None] * 6,
        [None, None, "客户编号", "客户名称", "年销售额", "=x"],
        [None, None, "C1", "甲", "abc", "=1+1"],
        [None, None, "C2", "乙", 100, None],
    ]
    book = Book(rows)
    assert xl.plan_active_sheet(book, as_of=dt.date(2026, 11, 22)) == 2
    said, issue = book.sheets["问题"].cells[1:3]
    assert said[2] == 4 and said[5].startswith("表头在第 4 行；识别了 3 列：C 客户编号")
    assert issue[:5] == ["ledger.xlsx", "客户台账", 5, "年销售额 (E)", "abc"]
    plan = book.sheets["跟进计划"].cells
    assert plan[0][-1] == "'=x" and plan[1][-1] == "'=1+1"  # ledger text stays text, headers too


def test_plan_button_without_a_name_column_is_one_clear_error():
    book = Book([["客户编号", "年销售额", "区域"], ["C1", 100, "华东"]])
    with pytest.raises(FormulaError, match="客户名称"):
        xl.plan_active_sheet(book, as_of=dt.date(2026, 11, 22))
    assert [s.name for s in book.sheets] == ["客户台账"]  # nothing written


def test_report_button_reports_the_workbooks_folder(tmp_path):
    shutil.copy(ROOT / "templates" / "sample_ledger.xlsx", tmp_path / "a.xlsx")
    shutil.copy(DATA / "messy_ledger.xlsx", tmp_path / "b.xlsx")
    shutil.copy(ROOT / "templates" / "sample_ledger.xlsx", tmp_path / "buttons.xlsm")
    book = Book([], fullname=str(tmp_path / "buttons.xlsm"))  # the workbook with the button
    out = xl.report_folder(book, month="2026-11")
    assert out == tmp_path / "kq_report_2026-11.xlsx"
    customers = openpyxl.load_workbook(out)["全部客户"]
    assert customers.max_row == 1 + 40 + 6  # a.xlsx and b.xlsx, not the calling workbook


def test_every_button_macro_calls_an_existing_function():
    import re

    from kqexcel.addin import MACROS

    called = re.findall(r"kqexcel\.xl\.(\w+)\(", MACROS)
    assert called == ["plan_active_sheet", "plan_active_sheet", "report_folder"]
    assert all(callable(getattr(xl, name)) for name in called)


@pytest.mark.parametrize(
    ("value", "typed"),
    [
        ("=1+1", "'=1+1"),
        ("\t=1+1", "'\t=1+1"),  # the same set of starts as the CSV
        ("a\x01b", "ab"),  # characters a cell cannot hold are dropped, as in the workbook
        ("\x01=1", "'=1"),
        ("plain", "plain"),
        (3.5, 3.5),
        (None, None),
    ],
)
def test_the_button_types_text_as_the_csv_writes_it(value, typed):
    from kqexcel.io.cells import cell_text

    assert xl.literal(value) == typed
    if isinstance(value, str):
        assert cell_text(value, quote=True) == typed
