"""The monthly report template (``templates/report.xlsx``), built by code.

Every block is found by a defined name (the top-left header cell; the row below holds the
prototype styles), so an admin can restyle and move blocks. Charts are added by the writer next
to the ``*_chart`` names, because their data ranges depend on the month's data.
"""

from __future__ import annotations

from typing import Any

from openpyxl import Workbook
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Alignment, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.table import Table, TableStyleInfo

from kqexcel.io.cells import put
from kqexcel.io.templates import (
    BORDER,
    HEADER_FILL,
    HEADER_FONT,
    ISSUE_HEADERS,
    ISSUE_WIDTHS,
    RED,
    _define,
    font,
    legend_sheet,
    new_workbook,
    plan_formats,
    plan_table_block,
    print_layout,
)
from kqexcel.io.wording import both, labels, pair, word
from kqexcel.rules import Rules, load_rules

SHEET_KEYS = (
    "overview",
    "owners",
    "tiers",
    "mix",
    "warnings",
    "changes",
    "owner_changes",
    "reclaim",
    "same_customer",
    "customers",
    "ledgers",
    "issues",
    "legend",
)
REPORT_SHEETS = {key: both(f"report_sheet_{key}") for key in SHEET_KEYS}


Block = tuple[str, tuple[str, ...], tuple[str, ...], tuple[str, ...]]


def _block(name: str, sheet: str, formats: tuple[str, ...]) -> Block:
    """A block's sheet, header labels (zh, en, from the rules) and number formats."""
    key = f"report_block_{name.removeprefix('kq_report_')}"
    return (sheet, labels(key, "zh"), labels(key, "en"), formats)


# block → (sheet, header labels zh, header labels en, number formats)
BLOCKS: dict[str, Block] = {
    "kq_report_overview": _block("kq_report_overview", "overview", ("General", "#,##0.####")),
    # [7/8] a sheet of its own: a long list of ledgers kept the overview's charts off its page
    "kq_report_ledgers": _block("kq_report_ledgers", "ledgers", ("@", "@", "0", "0", "@")),
    "kq_report_owners": _block(
        "kq_report_owners",
        "owners",
        ("@", "0", "0", "0", "0", "#,##0.00", "0", "0", "0", "0", "0", "0", "0", "0.0%", "0"),
    ),
    "kq_report_escalations": _block("kq_report_escalations", "overview", ("@", "@", "@", "0")),
    "kq_report_owner_changes": _block("kq_report_owner_changes", "owner_changes", ("@",)),
    "kq_report_reclaim": _block(
        "kq_report_reclaim", "reclaim", ("@", "@", "@", "@", "0", "0", "@")
    ),
    "kq_report_same_customer": _block("kq_report_same_customer", "same_customer", ("@",)),
    "kq_report_tiers": _block(
        "kq_report_tiers", "tiers", ("@", "0", "0", "0", "0", "#,##0.00", "#,##0.00", "#,##0.00")
    ),
    "kq_report_motivation": _block("kq_report_motivation", "mix", ("@", "0", "0.0%")),
    "kq_report_style": _block("kq_report_style", "mix", ("@", "0", "0.0%")),
    "kq_report_owner_mix": _block("kq_report_owner_mix", "mix", ("@", "0")),
    "kq_report_owner_rfm": _block("kq_report_owner_rfm", "mix", ("@", "0")),  # [§11]
    "kq_report_warnings": _block(
        "kq_report_warnings",
        "warnings",
        ("@", "0", "@", "@", "@", "@", "@", "yyyy-mm-dd", "0", "@"),
    ),
    "kq_report_changes": _block("kq_report_changes", "changes", ("@", "@", "@", "@", "@", "@")),
    "kq_report_issues": (
        "issues",
        ISSUE_HEADERS["zh"],
        ISSUE_HEADERS["en"],
        ("@", "@", "0", "@", "@", "@", "@"),
    ),
}
# the tier-move labels of the changes block, zh and en (the writer's and the formats')
MOVE_LABELS = {
    move: pair(f"report_move_{move}") for move in ("up", "down", "missing", "new", "gone")
}
CHARTS = {
    "kq_report_tier_mix_chart": "overview",  # [§13] right of the escalations (G–J)
    "kq_report_p1_chart": "overview",
    "kq_report_coverage_chart": "overview",
    "kq_report_tiers_chart": "tiers",
    "kq_report_motivation_chart": "mix",
    "kq_report_style_chart": "mix",
    "kq_report_rfm_chart": "mix",
}
REPORT_NAMES = ("kq_report_title", *BLOCKS, "kq_report_customers", *CHARTS)
# the wide columns: customer, ledger file, objective, warning, status
WIDE = {
    BLOCKS[block][1 + li][column]
    for block, column in (
        ("kq_report_warnings", 3),
        ("kq_report_ledgers", 0),
        ("kq_report_overview", 0),  # the figures' names
        ("kq_report_warnings", 9),
        ("kq_report_warnings", 6),
        ("kq_report_ledgers", 4),
        ("kq_report_owner_changes", 1),
        ("kq_report_reclaim", 1),
        ("kq_report_same_customer", 2),
        ("kq_report_same_customer", 4),
        ("kq_report_escalations", 1),
    )
    for li in (0, 1)
}


# block columns whose long texts wrap: the owners of a ledger; a customer's warnings and objective
WRAPPED = {("kq_report_ledgers", 1), ("kq_report_warnings", 6), ("kq_report_warnings", 9)}
# blocks of counts whose columns (but the first) are narrow: [§13] the owners' many figures
NARROW = ("kq_report_owners",)


def build_report_template(rules: Rules | None = None, lang: str = "zh") -> Workbook:
    """The report workbook: one sheet per block, prototype rows, tables, a customers sheet laid
    out like the plan."""
    rules = rules or load_rules()
    wb = new_workbook()
    sheets = {}
    for i, (key, titles) in enumerate(REPORT_SHEETS.items()):
        sheets[key] = wb.active if i == 0 else wb.create_sheet()
        sheets[key].title = titles[lang]
    overview = sheets["overview"]
    overview["A1"].font = font(bold=True, size=16)
    overview["A1"] = word("report_title", lang)
    _define(wb, "kq_report_title", overview.title, "$A$1")
    anchors = {
        "kq_report_overview": (3, 1),
        "kq_report_ledgers": (1, 1),
        "kq_report_escalations": (4, 7),  # beside the figures (A–D)
        "kq_report_owner_changes": (1, 1),
        "kq_report_reclaim": (1, 1),
        "kq_report_same_customer": (1, 1),
        "kq_report_owners": (1, 1),
        "kq_report_tiers": (1, 1),
        "kq_report_motivation": (1, 1),
        "kq_report_style": (12, 1),
        "kq_report_owner_mix": (36, 1),  # under the style chart (F18, 15 rows tall)
        "kq_report_owner_rfm": (20, 15),  # under the RFM chart (O1)
        "kq_report_warnings": (1, 1),
        "kq_report_changes": (1, 1),
        "kq_report_issues": (1, 1),
    }
    for name, (sheet_key, zh, en, formats) in BLOCKS.items():
        ws = sheets[sheet_key]
        row, col = anchors[name]
        labels = zh if lang == "zh" else en
        for j, label in enumerate(labels):
            cell = put(ws, row, col + j, label)
            cell.font, cell.fill, cell.border = HEADER_FONT, HEADER_FILL, BORDER
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
            proto = ws.cell(row + 1, col + j)
            proto.border = BORDER
            proto.number_format = formats[min(j, len(formats) - 1)]
            if name in {block for block, _ in WRAPPED}:  # tall rows: every cell at the top
                proto.alignment = Alignment(wrap_text=(name, j) in WRAPPED, vertical="top")
            letter = get_column_letter(col + j)
            ws.column_dimensions[letter].width = max(
                ws.column_dimensions[letter].width or 0,
                30 if label in WIDE else (10 if j and name in NARROW else 14),
            )
        _define(wb, name, ws.title, f"${get_column_letter(col)}${row}")
        if name in (
            "kq_report_ledgers",
            "kq_report_warnings",
            "kq_report_changes",
            "kq_report_issues",
            "kq_report_owners",
            "kq_report_owner_changes",
            "kq_report_reclaim",
            "kq_report_same_customer",
        ):
            last = get_column_letter(col + len(labels) - 1)
            table = Table(
                displayName=f"{name}_table", ref=f"{get_column_letter(col)}{row}:{last}{row + 1}"
            )
            table.tableStyleInfo = TableStyleInfo(name="TableStyleMedium2", showRowStripes=True)
            ws.add_table(table)
            ws.freeze_panes = ws.cell(row + 1, col).coordinate
    for name, cell in (
        ("kq_report_tier_mix_chart", "$L$3"),
        ("kq_report_p1_chart", "$L$20"),
        ("kq_report_coverage_chart", "$L$37"),
    ):
        _define(wb, name, overview.title, cell)
    for j, width in enumerate(ISSUE_WIDTHS, start=anchors["kq_report_issues"][1]):  # as the plan's
        sheets["issues"].column_dimensions[get_column_letter(j)].width = width
    # the owners of a ledger, one after another: as wide as a name column
    sheets["ledgers"].column_dimensions[
        get_column_letter(anchors["kq_report_ledgers"][1] + 1)
    ].width = 30
    _define(wb, "kq_report_tiers_chart", sheets["tiers"].title, "$K$2")
    _define(wb, "kq_report_motivation_chart", sheets["mix"].title, "$F$1")
    _define(wb, "kq_report_style_chart", sheets["mix"].title, "$F$18")  # under the motivation one
    _define(wb, "kq_report_rfm_chart", sheets["mix"].title, "$O$1")

    headed = {sheets[BLOCKS[n][0]].title for n, (r, _) in anchors.items() if r == 1}
    for key, ws in sheets.items():  # [6/8] landscape, one page wide, a table's header repeated
        if key not in ("customers", "legend"):
            print_layout(ws, title_rows="1:1" if ws.title in headed else None)
    customers = sheets["customers"]
    plan_table_block(customers, rules, lang, "kq_report_customers_table")
    print_layout(customers)  # as the plan sheet
    plan_formats(customers, rules)
    _define(wb, "kq_report_customers", customers.title, "$A$1")
    _block_formats(sheets, rules)
    wb.remove(sheets["legend"])  # made by legend_sheet, with its defined name
    legend_sheet(wb, REPORT_SHEETS["legend"][lang])
    return wb


def _block_formats(sheets: dict[str, Any], rules: Rules) -> None:
    """Conditional formats on the blocks' prototype rows (the writer stretches them): P1 warnings
    shaded, overdue counts and days red, tier moves down or gone red and up green."""
    shade = PatternFill("solid", bgColor="FCE4D6")
    p1 = [rules.label("priority", "P1", lg) for lg in ("zh", "en")]
    sheets["warnings"].conditional_formatting.add(
        "A2:J2", FormulaRule(formula=[f'OR($A2="{p1[0]}",$A2="{p1[1]}")'], fill=shade)
    )
    sheets["warnings"].conditional_formatting.add("I2", FormulaRule(formula=["I2>0"], font=RED))
    sheets["owners"].conditional_formatting.add("H2", FormulaRule(formula=["H2>0"], font=RED))
    for moves, colour in ((("down", "gone"), "FFC7CE"), (("up",), "C6EFCE")):
        tests = ",".join(f'$F2="{label}"' for move in moves for label in MOVE_LABELS[move])
        sheets["changes"].conditional_formatting.add(
            "A2:F2",
            FormulaRule(formula=[f"OR({tests})"], fill=PatternFill("solid", bgColor=colour)),
        )
