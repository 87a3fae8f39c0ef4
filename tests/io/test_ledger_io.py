"""The reader, called directly: calamine and the openpyxl fallback (xlwings Lite) agree."""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

from kqexcel.io import ledger as ledger_io
from kqexcel.io.ledger import read_ledger
from kqexcel.io.sample import build_sample_ledger
from kqexcel.rules import default_rules


def test_the_openpyxl_fallback_reads_the_same_ledger_as_calamine(tmp_path, monkeypatch):
    """Pyodide has no python-calamine: the same ledger comes out of openpyxl."""
    sample = build_sample_ledger(tmp_path / "sample.xlsx")
    rules = default_rules()
    fast = read_ledger(sample, rules)
    monkeypatch.setitem(sys.modules, "python_calamine", None)  # import python_calamine fails
    slow = read_ledger(sample, rules)
    assert (slow.file, slow.sheet, slow.header_row) == (fast.file, fast.sheet, fast.header_row)
    assert slow.columns == fast.columns and slow.carried == fast.carried
    assert slow.problems == fast.problems
    pd.testing.assert_frame_equal(slow.table, fast.table)


def test_error_cells_and_unsaved_formulas_are_flagged_whatever_the_spelling():
    """The scan reads XML, not Excel's own spelling: a prefix and single quotes are the same."""
    plain = b'<c r="B2" t="e"><v>#N/A</v></c><c r="C3"><f>A1</f></c><c r="D4"><f>1</f><v>1</v></c>'
    prefixed = plain.replace(b"<", b"<x:").replace(b"<x:/", b"</x:").replace(b'"', b"'")
    for cells in (plain, prefixed):
        xml = (
            b'<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            b"<x:sheetData><x:row r='2'>" + cells + b"</x:row></x:sheetData></x:worksheet>"
        )
        flagged = ledger_io._flagged_cells(xml)
        assert {k: (v.text, v.reason) for k, v in flagged.items()} == {
            (1, 1): ("#N/A", "error_value"),
            (2, 2): ("", "formula_no_value"),
        }


def test_a_sheet_without_errors_or_formulas_is_not_scanned():
    assert ledger_io._flagged_cells(b"<sheetData><row r='1'><c r='A1'><v>1</v></c></row>") == {}
    assert ledger_io._flagged_cells(None) == {}


def test_sample_path(tmp_path: Path):
    assert read_ledger(build_sample_ledger(tmp_path / "s.xlsx")).table.shape[0] == 40
