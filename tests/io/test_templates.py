"""The bundled templates are what the builder makes, and survive openpyxl load/save."""

from __future__ import annotations

import warnings

import openpyxl
import pytest

from kqexcel.io.build import build_all
from tests.conftest import ROOT


def _cells(wb):
    out = {}
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.value is not None or cell.has_style:
                    out[(ws.title, cell.coordinate)] = (
                        cell.value,
                        cell.number_format,
                        cell.quotePrefix,
                    )
    return out


TEMPLATES = ["plan.xlsx", "ledger.xlsx", "report.xlsx", "sample_ledger.xlsx"]


def _validations(ws):
    return sorted(
        (str(dv.sqref), dv.type, dv.formula1, dv.formula2, dv.prompt, dv.error)
        for dv in ws.data_validations.dataValidation
    )


def _printing(ws):
    setup = ws.page_setup
    fit = ws.sheet_properties.pageSetUpPr.fitToPage if ws.sheet_properties.pageSetUpPr else None
    return (
        setup.orientation,
        setup.paperSize,
        bool(fit),
        setup.fitToWidth if fit else None,
        ws.print_title_rows,
        ws.print_title_cols,
    )


def test_a_written_plan_prints_landscape_with_its_headers_on_every_page(runner, sample, tmp_path):
    from kqexcel.cli import cli

    out = tmp_path / "plan.xlsx"
    assert runner.invoke(cli, ["plan", str(sample), "-o", str(out), "-q"]).exit_code == 0
    week, plan, issues, legend = openpyxl.load_workbook(out).worksheets
    # 6/8: one page wide (an overview of all 35 columns), the header row on every page
    assert _printing(plan) == ("landscape", 9, True, 1, "$1:$1", None)
    assert _printing(issues) == ("landscape", 9, True, 1, "$1:$1", None)  # 7 columns: one page
    assert _printing(legend) == ("landscape", 9, True, 1, None, None)
    # 6/8: the This-week sheet prints one page wide, each day from a new page
    assert _printing(week) == ("landscape", 9, True, 1, None, None)
    assert week.row_breaks.count >= 1


@pytest.mark.parametrize("name", TEMPLATES)
def test_committed_templates_match_the_builder(tmp_path, name):
    build_all(tmp_path)
    built = openpyxl.load_workbook(tmp_path / name)
    committed = openpyxl.load_workbook(ROOT / "templates" / name)
    assert built.sheetnames == committed.sheetnames
    assert _cells(built) == _cells(committed), (
        f"templates/{name} is stale: run `kq template build templates`"
    )
    assert sorted(built.defined_names) == sorted(committed.defined_names)
    for ws in built.worksheets:
        other = committed[ws.title]
        assert sorted(ws.tables) == sorted(other.tables)
        assert [str(c.sqref) for c in ws.conditional_formatting] == [
            str(c.sqref) for c in other.conditional_formatting
        ]
        assert _validations(ws) == _validations(other)
        assert ws.sheet_state == other.sheet_state
        assert _printing(ws) == _printing(other)
    for defined in built.defined_names:
        assert built.defined_names[defined].attr_text == committed.defined_names[defined].attr_text


@pytest.mark.parametrize("name", TEMPLATES)
def test_templates_survive_load_and_save_without_warnings(tmp_path, name):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        wb = openpyxl.load_workbook(ROOT / "templates" / name)
        wb.save(tmp_path / name)


def test_plan_template_names_the_writers_places():
    wb = openpyxl.load_workbook(ROOT / "templates" / "plan.xlsx")
    assert {"kq_plan", "kq_issues", "kq_legend"} <= set(wb.defined_names)


def test_a_written_report_prints_landscape_one_page_wide(runner, sample, tmp_path):
    """6/8: every report sheet prints landscape, one page wide, a table's header on every page."""
    from kqexcel.cli import cli

    out = tmp_path / "r.xlsx"
    result = runner.invoke(cli, ["report", str(sample), "--month", "2026-11", "-o", str(out), "-q"])
    assert result.exit_code in (0, 1), result.output
    wb = openpyxl.load_workbook(out)
    printing = {ws.title: _printing(ws) for ws in wb.worksheets}
    assert printing.pop("总览") == ("landscape", 9, True, 1, None, None)
    assert printing.pop("说明") == ("landscape", 9, True, 1, None, None)
    assert printing and set(printing.values()) == {("landscape", 9, True, 1, "$1:$1", None)}
