"""Build the bundled workbook templates by code, so they are reviewable and reproducible.

The writers find their places by defined names, never by fixed addresses:
``kq_plan`` (top-left header cell of the plan table; the row below holds one styled prototype
cell per column, the last one styling carried-through columns), ``kq_issues`` (header of the
problems list) and ``kq_legend`` (where the legend starts).
"""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.table import Table, TableStyleInfo

from kqexcel.core.plan import IDENTITY, PLAN_FIELDS
from kqexcel.rules import Rules, load_rules

PLAN_NAME, ISSUES_NAME, LEGEND_NAME = "kq_plan", "kq_issues", "kq_legend"
SHEET_TITLES = {"plan": {"zh": "跟进计划", "en": "Plan"},
                "issues": {"zh": "问题", "en": "Issues"},
                "legend": {"zh": "说明", "en": "Legend"}}
ISSUE_COLUMNS = ("file", "sheet", "row", "column", "value", "reason", "kind")
ISSUE_HEADERS = {"zh": ("文件", "工作表", "行号", "列", "原始值", "问题", "类型"),
                 "en": ("File", "Sheet", "Row", "Column", "Raw value", "Problem", "Kind")}

HEADER_FILL = PatternFill("solid", fgColor="1F4E78")
HEADER_FONT = Font(bold=True, color="FFFFFF")
THIN = Side(style="thin", color="BFBFBF")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)

# number formats and widths of the plan's columns
FORMATS = {"cumulative_share": "0.00%", "profit": "#,##0.00", "expected_value": "#,##0.00",
           "motivation_confidence": "0%", "contacts_to_decide": "0", "contacts_remaining": "0",
           "renewal_floor": "#,##0.00", "satisfaction_line": "#,##0.00", "priority_score": "0",
           "next_contact": "yyyy-mm-dd", "days_overdue": "0"}
WIDTHS = {"customer_id": 12, "name": 22, "owner": 10, "region": 10, "tier": 8,
          "cumulative_share": 10, "profit": 14, "profit_quadrant": 10, "expected_value": 14,
          "motivation": 12, "motivation_confidence": 10, "style": 10, "lifecycle": 8,
          "renewal_risk": 8, "intent": 12, "stage": 10, "priority": 8, "priority_score": 8,
          "next_contact": 12, "days_overdue": 8, "channel": 10, "objective": 28,
          "talking_points": 60, "questions": 48, "warnings": 28, "rationale": 70}
WRAP_FIELDS = {"objective", "talking_points", "questions", "warnings", "rationale"}


def plan_columns() -> list[str]:
    return [*IDENTITY, *PLAN_FIELDS]


def _define(wb: Workbook, name: str, sheet: str, ref: str) -> None:
    wb.defined_names[name] = DefinedName(name, attr_text=f"'{sheet}'!{ref}")


def build_plan_template(rules: Rules | None = None, lang: str = "zh") -> Workbook:
    """The plan workbook: plan table with prototype row, conditional formats, issues, legend."""
    rules = rules or load_rules()
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET_TITLES["plan"][lang]
    columns = plan_columns()
    for j, fld in enumerate([*columns, "carried"], start=1):
        head = ws.cell(1, j, "…" if fld == "carried" else rules.field_label(fld, lang))
        head.font, head.fill, head.border = HEADER_FONT, HEADER_FILL, BORDER
        head.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        proto = ws.cell(2, j)
        proto.border = BORDER
        proto.number_format = FORMATS.get(fld, "General")
        proto.alignment = Alignment(vertical="top", wrap_text=fld in WRAP_FIELDS)
        if fld in ("customer_id", "name", "owner", "region", "carried"):
            proto.quotePrefix = True
        ws.column_dimensions[get_column_letter(j)].width = WIDTHS.get(fld, 12)
    last = get_column_letter(len(columns) + 1)
    ws.freeze_panes = "C2"
    ws.row_dimensions[1].height = 32
    table = Table(displayName="kq_plan_table", ref=f"A1:{last}2")
    table.tableStyleInfo = TableStyleInfo(name="TableStyleMedium2", showRowStripes=True)
    ws.add_table(table)
    col = {f: get_column_letter(j) for j, f in enumerate(columns, start=1)}
    ws.conditional_formatting.add(
        f"A2:{last}2", FormulaRule(formula=[f'${col["priority"]}2="P1"'],
                                   fill=PatternFill("solid", bgColor="FCE4D6"), stopIfTrue=False))
    ws.conditional_formatting.add(
        f"{col['days_overdue']}2", FormulaRule(formula=[f"{col['days_overdue']}2>0"],
                                               font=Font(color="C00000", bold=True)))
    ws.conditional_formatting.add(
        f"{col['next_contact']}2", FormulaRule(formula=[f"{col['days_overdue']}2>0"],
                                               font=Font(color="C00000", bold=True)))
    high = [rules.label("renewal_risk", "high", lg) for lg in ("zh", "en")]
    ws.conditional_formatting.add(
        f"{col['renewal_risk']}2", FormulaRule(
            formula=[f'OR({col["renewal_risk"]}2="{high[0]}",{col["renewal_risk"]}2="{high[1]}")'],
            fill=PatternFill("solid", bgColor="FFC7CE"), font=Font(color="9C0006", bold=True)))
    _define(wb, PLAN_NAME, ws.title, "$A$1")

    issues = wb.create_sheet(SHEET_TITLES["issues"][lang])
    for j, text in enumerate(ISSUE_HEADERS[lang], start=1):
        cell = issues.cell(1, j, text)
        cell.font, cell.fill, cell.border = HEADER_FONT, HEADER_FILL, BORDER
        issues.column_dimensions[get_column_letter(j)].width = (24, 14, 8, 22, 24, 48, 10)[j - 1]
    issues.freeze_panes = "A2"
    _define(wb, ISSUES_NAME, issues.title, "$A$1")

    legend = wb.create_sheet(SHEET_TITLES["legend"][lang])
    legend.column_dimensions["A"].width = 22
    legend.column_dimensions["B"].width = 18
    legend.column_dimensions["C"].width = 100
    legend.cell(1, 1).font = Font(bold=True, size=14)
    _define(wb, LEGEND_NAME, legend.title, "$A$1")
    return wb


def build_all(directory: str | Path, rules: Rules | None = None) -> list[Path]:
    """Write the bundled templates into ``directory`` (``kq template build``)."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    from kqexcel.io.sample import build_sample_ledger

    path = directory / "plan.xlsx"
    build_plan_template(rules).save(path)
    return [path, build_sample_ledger(directory / "sample_ledger.xlsx")]


def bundled(name: str) -> Path:
    """Path of a bundled template (the repository's ``templates/`` or the installed copy)."""
    here = Path(__file__).resolve().parent.parent
    for candidate in (here / "templates" / name, here.parent / "templates" / name):
        if candidate.exists():
            return candidate
    raise FileNotFoundError(name)
