"""The plan writer and the streamer, called directly: text read back as the ledger holds it."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import threading
import time
from pathlib import Path

import openpyxl
import pytest
import python_calamine as pc
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.utils.escape import unescape

from kqexcel.core.plan import make_plan
from kqexcel.io.cells import cell_text
from kqexcel.io.ledger import read_ledger
from kqexcel.io.plan_writer import write_csv, write_json, write_plan
from kqexcel.io.xlsx_stream import _ahead
from kqexcel.rules import default_rules

AS_OF = dt.date(2026, 11, 22)


def _plan_of(names: list[str], tmp_path: Path):
    ledger = tmp_path / "ledger.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["客户编号", "客户名称", "年销售额"])
    for i, name in enumerate(names, start=1):
        ws.append([f"C{i}", None, 1000 * i])
        cell = ws.cell(i + 1, 2)
        cell.value, cell.data_type = cell_text(name), "s"
    wb.save(ledger)
    rules = default_rules()
    return make_plan(read_ledger(ledger, rules), rules, AS_OF), rules


def _names_back(path: Path) -> tuple[list[object], list[object]]:
    rows = pc.CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
    col = rows[0].index("客户名称")
    by_calamine = [r[col] for r in rows[1:]]
    ws = openpyxl.load_workbook(path).worksheets[0]
    by_openpyxl = [r[col] for r in ws.iter_rows(min_row=2, values_only=True)]
    return by_calamine, by_openpyxl


def test_a_literal_x_escape_reads_back_as_written(tmp_path):
    """The bug of issue 12: AB_x0041_CD came back from the plan as ABACD."""
    plan, rules = _plan_of(["AB_x0041_CD", "甲_x005F_乙", "=SUM(1)"], tmp_path)
    out = write_plan(plan, rules, tmp_path / "plan.xlsx")
    by_calamine, by_openpyxl = _names_back(out)
    assert by_calamine == ["AB_x0041_CD", "甲_x005F_乙", "=SUM(1)"]
    # openpyxl (and LibreOffice) do not decode _xHHHH_: they show the escape XlsxWriter writes
    assert by_openpyxl == ["AB_x005F_x0041_CD", "甲_x005F_x005F_乙", "=SUM(1)"]
    assert [unescape(v) for v in by_openpyxl] == by_calamine


def test_both_writers_make_text_safe_the_same_way(tmp_path):
    """The issues sheet (openpyxl) and the plan sheet (the streamer) agree on the same text."""
    wb = openpyxl.Workbook()
    from kqexcel.io.cells import put

    put(wb.active, 1, 1, "AB_x0041_CD")
    wb.save(tmp_path / "o.xlsx")
    rows = pc.CalamineWorkbook.from_path(str(tmp_path / "o.xlsx")).get_sheet_by_index(0)
    assert rows.to_python() == [["AB_x0041_CD"]]


_TEXT = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\r"), min_size=1
).map(lambda s: "x" + s + "x")  # ends kept: the reader trims spaces at the edges


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(names=st.lists(_TEXT, min_size=1, max_size=4))
def test_any_text_reads_back_through_calamine_and_openpyxl(tmp_path_factory, names):
    tmp_path = tmp_path_factory.mktemp("any")
    plan, rules = _plan_of(names, tmp_path)
    shown = plan.table["name"].tolist()  # the ledger's text as the reader gives it
    out = write_plan(plan, rules, tmp_path / "plan.xlsx", force=True)
    by_calamine, by_openpyxl = _names_back(out)
    expected = [re.sub("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]", "", n) for n in shown]
    assert by_calamine == [None if e == "" else e for e in expected]
    assert [None if v is None else unescape(v) for v in by_openpyxl] == by_calamine


def test_json_and_csv_hold_the_ledger_text(tmp_path):
    plan, _ = _plan_of(["AB_x0041_CD", "=1+1"], tmp_path)
    text = io.StringIO()
    write_json(plan, text)
    assert '"AB_x0041_CD"' in text.getvalue()
    table = io.StringIO()
    write_csv(plan, table)
    names = [r["name"] for r in csv.DictReader(io.StringIO(table.getvalue()))]
    assert names == ["AB_x0041_CD", "'=1+1"]


def test_the_producer_stops_when_the_consumer_fails():
    """In the long-lived Excel process a failed save must not leave a thread blocked forever."""
    before = set(threading.enumerate())

    def endless():
        while True:
            yield "<row/>" * 100

    chunks = _ahead(endless(), depth=2)
    with pytest.raises(RuntimeError):
        for i, _ in enumerate(chunks):
            if i == 3:
                raise RuntimeError("the disk is full")
    chunks.close()
    deadline = time.monotonic() + 5
    while set(threading.enumerate()) - before and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not set(threading.enumerate()) - before
