"""Build the bundled workbook templates by code, so they are reviewable and reproducible.

The writers find their places by defined names, never by fixed addresses:
``kq_plan`` (top-left header cell of the plan table; the row below holds one styled prototype
cell per column, the last one styling carried-through columns), ``kq_issues`` (header of the
problems list) and ``kq_legend`` (where the legend starts).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.table import Table, TableStyleInfo

from kqexcel.core.plan import IDENTITY, PLAN_FIELDS
from kqexcel.io.cells import put
from kqexcel.io.wording import both, labels, word
from kqexcel.rules import LANGS, Rules, load_rules

PLAN_NAME, ISSUES_NAME, LEGEND_NAME = "kq_plan", "kq_issues", "kq_legend"
SHEET_TITLES = {key: both(f"sheet_{key}") for key in ("plan", "issues", "legend")}
ISSUE_HEADERS = {lang: labels("issue_headers", lang) for lang in LANGS}
ISSUE_WIDTHS = (24, 14, 8, 22, 24, 48, 10)  # file, sheet, row, column, value, problem, kind

TEMPLATE_MAX_MB = 50  # a template is a few styled sheets; anything bigger is refused before opening
# 等线, Excel's font for zh-CN (LibreOffice falls back to an installed CJK font)
FONT_NAME = "DengXian"


def font(**style: Any) -> Font:
    """A cell font in DengXian (GB2312 charset), bold, sized or coloured as ``style`` says."""
    return Font(name=FONT_NAME, charset=134, **{"size": 11, **style})


def new_workbook() -> Workbook:
    """An empty workbook whose default font (the Normal style, every unstyled cell) is
    DengXian 11, so Chinese renders as Excel for zh-CN shows it."""
    from openpyxl.utils.indexed_list import IndexedList

    wb = Workbook()
    base = Font(name=FONT_NAME, sz=11, family=2, charset=134)
    wb._fonts = IndexedList([base])
    wb._named_styles["Normal"].font = base
    return wb


HEADER_FILL = PatternFill("solid", fgColor="1F4E78")
HEADER_FONT = font(bold=True, color="FFFFFF")
RED = Font(color="C00000", bold=True)
THIN = Side(style="thin", color="BFBFBF")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)

# number formats and widths of the plan's columns
FORMATS = {
    "cumulative_share": "0.00%",
    "profit": "#,##0.00",
    "expected_value": "#,##0.00",
    "motivation_confidence": "0%",
    "contacts_to_decide": "0",
    "contacts_remaining": "0",
    "renewal_floor": "#,##0.00",
    "satisfaction_line": "#,##0.00",
    "priority_score": "0",
    "next_contact": "yyyy-mm-dd",
    "days_overdue": "0",
    "last_visit": "yyyy-mm-dd",
    "log_entries": "0",
    "contacts_known": "0",
    "last_order": "yyyy-mm-dd",
    "rfm_score": "0",
}
WIDTHS = {
    "customer_id": 12,
    "name": 22,
    "owner": 10,
    "region": 10,
    "tier": 8,
    "cumulative_share": 10,
    "profit": 14,
    "profit_quadrant": 10,
    "expected_value": 14,
    "motivation": 12,
    "motivation_confidence": 10,
    "style": 10,
    "lifecycle": 8,
    "renewal_risk": 8,
    "intent": 12,
    "stage": 10,
    "priority": 8,
    "priority_score": 8,
    "next_contact": 12,
    "days_overdue": 8,
    "channel": 10,
    "objective": 28,
    "talking_points": 60,
    "questions": 48,
    "warnings": 28,
    "last_visit": 12,
    "log_entries": 8,
    "last_note": 40,
    "key_person": 22,
    "contacts_known": 8,
    "levels_covered": 20,
    "last_order": 12,
    "rfm_score": 8,
    "rfm_segment": 10,
    "rationale": 70,
}
WRAP_FIELDS = {
    "objective",
    "talking_points",
    "questions",
    "warnings",
    "last_note",
    "key_person",
    "rationale",
}
# wrapped, but not making its row taller: the rationale (a line per result, in the cells' notes
# too) shows what the row's other cells leave room for
SHORT_FIELDS = {"rationale"}


def plan_columns() -> list[str]:
    return [*IDENTITY, *PLAN_FIELDS]


def plan_table_block(ws: Any, rules: Rules, lang: str, table_name: str) -> None:
    """The plan's columns at A1 of ``ws``: header, one prototype cell per column (formats,
    alignment, text cells quote-prefixed; the last styles carried-through columns), widths,
    frozen header and an Excel table. Shared by the plan and the report's customer list."""
    columns = plan_columns()
    for j, fld in enumerate([*columns, "carried"], start=1):
        head = put(ws, 1, j, "…" if fld == "carried" else rules.field_label(fld, lang))
        head.font, head.fill, head.border = HEADER_FONT, HEADER_FILL, BORDER
        head.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        proto = ws.cell(2, j)
        proto.border = BORDER
        proto.number_format = FORMATS.get(fld, "General")
        proto.alignment = Alignment(vertical="top", wrap_text=fld in WRAP_FIELDS)
        if fld in ("customer_id", "name", "owner", "region", "carried"):
            proto.quotePrefix = True
        ws.column_dimensions[get_column_letter(j)].width = WIDTHS.get(fld, 12)
    ws.freeze_panes = "C2"
    table = Table(displayName=table_name, ref=f"A1:{get_column_letter(len(columns) + 1)}2")
    table.tableStyleInfo = TableStyleInfo(name="TableStyleMedium2", showRowStripes=True)
    ws.add_table(table)


def print_layout(
    ws: Any, title_rows: str | None = "1:1", title_cols: str | None = None, fit: bool = True
) -> None:
    """How a sheet prints: A4 landscape, its header row on every page, and (``fit``) every column
    on one page across; a wide table instead repeats its identifying columns on every page."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    if title_rows:
        ws.print_title_rows = title_rows
    if title_cols:
        ws.print_title_cols = title_cols
    if fit:
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.page_margins.left = ws.page_margins.right = 0.4


def _define(wb: Workbook, name: str, sheet: str, ref: str) -> None:
    wb.defined_names[name] = DefinedName(name, attr_text=f"'{sheet}'!{ref}")


def build_plan_template(rules: Rules | None = None, lang: str = "zh") -> Workbook:
    """The plan workbook: plan table with prototype row, conditional formats, issues, legend."""
    rules = rules or load_rules()
    wb = new_workbook()
    ws = wb.active
    ws.title = SHEET_TITLES["plan"][lang]
    plan_table_block(ws, rules, lang, "kq_plan_table")
    ws.row_dimensions[1].height = 32
    plan_formats(ws, rules)
    print_layout(ws)  # [6/8] one page wide: an overview of every column (本周 is the sheet to read)
    _define(wb, PLAN_NAME, ws.title, "$A$1")

    issues = wb.create_sheet(SHEET_TITLES["issues"][lang])
    for j, text in enumerate(ISSUE_HEADERS[lang], start=1):
        cell = put(issues, 1, j, text)
        cell.font, cell.fill, cell.border = HEADER_FONT, HEADER_FILL, BORDER
        issues.column_dimensions[get_column_letter(j)].width = ISSUE_WIDTHS[j - 1]
    issues.freeze_panes = "A2"
    print_layout(issues)
    _define(wb, ISSUES_NAME, issues.title, "$A$1")

    legend_sheet(wb, SHEET_TITLES["legend"][lang])
    return wb


def plan_formats(ws: Any, rules: Rules) -> None:
    """The plan table's conditional formats on its prototype row (row 2), stretched over the rows
    by the writer: P1 rows shaded, overdue dates and days red, high renewal risk red."""
    columns = plan_columns()
    last = get_column_letter(len(columns) + 1)
    col = {f: get_column_letter(j) for j, f in enumerate(columns, start=1)}
    ws.conditional_formatting.add(
        f"A2:{last}2",
        FormulaRule(
            formula=[f'${col["priority"]}2="P1"'],
            fill=PatternFill("solid", bgColor="FCE4D6"),
            stopIfTrue=False,
        ),
    )
    ws.conditional_formatting.add(
        f"{col['days_overdue']}2", FormulaRule(formula=[f"{col['days_overdue']}2>0"], font=RED)
    )
    ws.conditional_formatting.add(
        f"{col['next_contact']}2", FormulaRule(formula=[f"{col['days_overdue']}2>0"], font=RED)
    )
    for warning, cells, color in (
        ("followup_missed", ("warnings", "last_note"), "FFD966"),
        ("single_threaded", ("key_person", "contacts_known"), "FFF2CC"),
    ):  # [§10] a missed promise of the rep's own, and a relationship hanging on one person
        said = [rules.label("warning", warning, lg) for lg in ("zh", "en")]
        found = ",".join(f'ISNUMBER(SEARCH("{label}",${col["warnings"]}2))' for label in said)
        ws.conditional_formatting.add(
            " ".join(f"{col[c]}2" for c in cells),
            FormulaRule(formula=[f"OR({found})"], fill=PatternFill("solid", bgColor=color)),
        )
    high = [rules.label("renewal_risk", "high", lg) for lg in ("zh", "en")]
    ws.conditional_formatting.add(
        f"{col['renewal_risk']}2",
        FormulaRule(
            formula=[f'OR({col["renewal_risk"]}2="{high[0]}",{col["renewal_risk"]}2="{high[1]}")'],
            fill=PatternFill("solid", bgColor="FFC7CE"),
            font=Font(color="9C0006", bold=True),
        ),
    )


def legend_sheet(wb: Workbook, title: str) -> None:
    """An empty 说明 / Legend sheet at the defined name kq_legend (the writer fills it)."""
    legend = wb.create_sheet(title)
    legend.column_dimensions["A"].width = 22
    legend.column_dimensions["B"].width = 18
    legend.column_dimensions["C"].width = 100
    legend.cell(1, 1).font = font(bold=True, size=14)
    print_layout(legend, title_rows=None)
    _define(wb, LEGEND_NAME, legend.title, "$A$1")


LEDGER_NAME = "kq_ledger"
# [§10, §11] the customer file's other sheets in the ledger template: defined name of each header
RECORD_NAMES = {"log": "kq_log", "contacts": "kq_contacts", "orders": "kq_orders"}
CUSTOMER_IDS = "kq_customer_ids"  # the customer sheet's id column: the other sheets' list
LEDGER_ROWS = 2000  # rows of the ledger template that carry dropdowns, formats and input messages
LEDGER_TITLES = {
    key: both(f"ledger_sheet_{key}")
    for key in ("ledger", "guide", "lists", "log", "contacts", "orders")
}
LEDGER_FORMATS = {
    "money": "#,##0.00",
    "ratio": "0%",
    "integer": "0",
    "number": "0.##",
    "date": "yyyy-mm-dd",
    "text": "@",
}
YES_NO = {lang: labels("ledger_yes_no", lang) for lang in LANGS}
GUIDE_HEADERS = {lang: labels("ledger_guide_headers", lang) for lang in LANGS}
FIELD_TYPES = ("text", "money", "ratio", "number", "integer", "date", "numbers", "yesno", "code")
TYPE_HINTS = {
    lang: {kind: word(f"type_hint_{kind}", lang) for kind in FIELD_TYPES} for lang in LANGS
}


def ledger_options(rules: Rules, field: str, lang: str) -> list[str]:
    """The dropdown items of a ledger field in ``lang`` (empty for free-text fields)."""
    kind = rules["fields"][field]["type"]
    if kind == "yesno":
        return list(YES_NO[lang])
    if kind != "code":
        return []
    return [str(entry[lang]) for code, entry in rules["codes"][field].items() if code != "unknown"]


def build_ledger_template(rules: Rules | None = None, lang: str = "zh") -> Workbook:
    """A blank ledger: one column per DOMAIN.md §1 field, dropdowns from the rules, formats,
    input messages, an Excel table with frozen header, and a guide sheet."""
    from openpyxl.worksheet.datavalidation import DataValidation

    rules = rules or load_rules()
    fields = list(rules["fields"])
    guide_texts = rules.tree.get("texts", {}).get("guide", {})
    wb = new_workbook()
    ws = wb.active
    ws.title = LEDGER_TITLES["ledger"][lang]
    lists = wb.create_sheet(LEDGER_TITLES["lists"][lang])
    lists.sheet_state = "hidden"
    list_col = 0
    for j, fld in enumerate(fields, start=1):
        letter = get_column_letter(j)
        spec = rules["fields"][fld]
        title, prompt = _column_head(ws, j, spec, guide_texts.get(fld, {}), lang)
        options = ledger_options(rules, fld, lang)
        if options:
            list_col += 1
            _ledger_list(wb, lists, list_col, fld, str(spec[lang]), options)
        dv = _validation(fld, spec["type"], bool(options), title, prompt, lang)
        dv.add(f"{letter}2:{letter}{LEDGER_ROWS + 1}")
        ws.add_data_validation(dv)
        header_dv = DataValidation(
            showInputMessage=True, promptTitle=title, prompt=prompt, allow_blank=True
        )
        header_dv.add(f"{letter}1")
        ws.add_data_validation(header_dv)
    _input_table(wb, ws, len(fields), LEDGER_NAME, "kq_ledger_table")
    id_letter = get_column_letter(fields.index("customer_id") + 1)
    _define(wb, CUSTOMER_IDS, ws.title, f"${id_letter}$2:${id_letter}${LEDGER_ROWS + 1}")
    for kind in RECORD_NAMES:
        list_col = _records_sheet(wb, rules, lang, kind, lists, list_col)
    _guide_sheet(wb, rules, lang, fields, guide_texts)
    return wb


def _records_sheet(
    wb: Workbook, rules: Rules, lang: str, kind: str, lists: Any, list_col: int
) -> int:
    """The 跟进记录, 联系人 or 订单 sheet (DOMAIN §10, §11): one column per field of the kind, a
    customer-id dropdown fed from the customer sheet, the kind's dropdowns (channel, level, role,
    insider, style …), the date and amount checks, formats and input messages. Returns the last
    column used on the lists sheet."""
    from openpyxl.worksheet.datavalidation import DataValidation

    view = rules.for_kind(kind)
    fields = list(view["fields"])
    fields.remove("customer_id")
    fields.remove("name")
    fields = ["customer_id", "name", *fields]
    texts = rules.tree.get("texts", {}).get(f"guide_{kind}", {})
    ws = wb.create_sheet(LEDGER_TITLES[kind][lang], wb.sheetnames.index(lists.title))
    defined = set(wb.defined_names)
    for j, fld in enumerate(fields, start=1):
        letter = get_column_letter(j)
        spec = view["fields"][fld]
        title, prompt = _column_head(ws, j, spec, texts.get(fld, {}), lang)
        options = ledger_options(view, fld, lang)
        if options and f"kq_list_{fld}" not in defined:
            list_col += 1
            _ledger_list(wb, lists, list_col, fld, str(spec[lang]), options)
            defined.add(f"kq_list_{fld}")
        if fld == "customer_id":
            dv = DataValidation(
                type="list",
                formula1=CUSTOMER_IDS,
                allow_blank=True,
                showErrorMessage=True,
                errorStyle="warning",  # a customer typed in before the ledger has it
                errorTitle=title,
                error=word("ledger_choose_customer", lang),
                showInputMessage=True,
                promptTitle=title,
                prompt=prompt,
            )
        elif spec["type"] == "money":  # [§11] an order's amount: a number, negative for a return
            dv = _warned(
                "decimal", ("-1000000000000", "1000000000000"), "amount", title, prompt, lang
            )
        else:
            dv = _validation(fld, spec["type"], bool(options), title, prompt, lang)
        dv.add(f"{letter}2:{letter}{LEDGER_ROWS + 1}")
        ws.add_data_validation(dv)
    wide = {"content": 40, "result": 30, "name": 24, "product": 24}
    for j, fld in enumerate(fields, start=1):
        if fld in wide:
            ws.column_dimensions[get_column_letter(j)].width = wide[fld]
    _input_table(wb, ws, len(fields), RECORD_NAMES[kind], f"{RECORD_NAMES[kind]}_table")
    return list_col


def _column_head(
    ws: Any, j: int, spec: dict[str, Any], text: dict[str, Any], lang: str
) -> tuple[str, str]:
    """Column ``j``'s header cell and format; returns its input message's title and text."""
    _ledger_header(ws, j, spec, lang)
    prompt = str(text.get(f"prompt_{lang}") or TYPE_HINTS[lang][spec["type"]])[:255]
    return str(spec[lang])[:32], prompt


def _input_table(wb: Workbook, ws: Any, width: int, name: str, table_name: str) -> None:
    """An input sheet's Excel table over its ``width`` columns, the header frozen and named."""
    ws.freeze_panes = "C2"
    ws.row_dimensions[1].height = 32
    table = Table(displayName=table_name, ref=f"A1:{get_column_letter(width)}2")
    table.tableStyleInfo = TableStyleInfo(name="TableStyleLight9", showRowStripes=True)
    ws.add_table(table)
    _define(wb, name, ws.title, "$A$1")


def _ledger_header(ws: Any, j: int, spec: dict[str, Any], lang: str) -> None:
    """The header cell of column ``j``, its width and the column's number format."""
    letter = get_column_letter(j)
    head = put(ws, 1, j, str(spec[lang]))
    head.font, head.fill, head.border = HEADER_FONT, HEADER_FILL, BORDER
    head.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    ws.column_dimensions[letter].width = max(10, min(24, 3 + 2 * len(str(spec[lang]))))
    # a column style: Excel and LibreOffice give it to every cell typed into the column
    ws.column_dimensions[letter].number_format = LEDGER_FORMATS.get(spec["type"], "General")
    ws.cell(2, j).number_format = LEDGER_FORMATS.get(spec["type"], "General")


def _ledger_list(
    wb: Workbook, lists: Any, list_col: int, fld: str, label: str, options: list[str]
) -> None:
    """A field's dropdown items in column ``list_col`` of the hidden lists sheet, named
    ``kq_list_<field>``."""
    list_letter = get_column_letter(list_col)
    put(lists, 1, list_col, label)
    for i, option in enumerate(options, start=2):
        put(lists, i, list_col, option)
    source = f"${list_letter}$2:${list_letter}${len(options) + 1}"
    _define(wb, f"kq_list_{fld}", lists.title, source)


def _validation(fld: str, kind: str, listed: bool, title: str, prompt: str, lang: str) -> Any:
    """A column's validation: the dropdown list, a date check, or only the input message."""
    from openpyxl.worksheet.datavalidation import DataValidation

    if listed:
        return DataValidation(
            type="list",
            formula1=f"kq_list_{fld}",
            allow_blank=True,
            showErrorMessage=True,
            errorStyle="stop",
            errorTitle=title,
            error=word("ledger_choose", lang),
            showInputMessage=True,
            promptTitle=title,
            prompt=prompt,
        )
    if kind == "date":
        return _warned("date", ("36526", "73051"), "date", title, prompt, lang)
    return DataValidation(showInputMessage=True, promptTitle=title, prompt=prompt, allow_blank=True)


def _warned(
    kind: str, bounds: tuple[str, str], what: str, title: str, prompt: str, lang: str
) -> Any:
    """A check of a typed column (a date, an amount) that warns and lets the cell stand: 3.26到期
    and 1.28万 are read too."""
    from openpyxl.worksheet.datavalidation import DataValidation

    return DataValidation(
        type=kind,
        operator="between",
        formula1=bounds[0],
        formula2=bounds[1],
        allow_blank=True,
        showErrorMessage=True,
        errorStyle="warning",
        errorTitle=title,
        error=word(f"ledger_enter_{what}", lang),
        showInputMessage=True,
        promptTitle=title,
        prompt=prompt,
    )


def _guide_sheet(
    wb: Workbook, rules: Rules, lang: str, fields: list[str], guide_texts: dict[str, Any]
) -> None:
    """The guide sheet: one row per field with what to enter and what it means."""
    guide = wb.create_sheet(LEDGER_TITLES["guide"][lang], 1)
    guide.column_dimensions["A"].width = 16
    guide.column_dimensions["B"].width = 40
    guide.column_dimensions["C"].width = 90
    intro = guide_texts.get("intro", {}).get(lang)
    put(guide, 1, 1, word("ledger_guide_title", lang)).font = font(bold=True, size=14)
    if intro:
        put(guide, 2, 1, intro)
    for j, text in enumerate(GUIDE_HEADERS[lang], start=1):
        cell = put(guide, 4, j, text)
        cell.font, cell.fill, cell.border = HEADER_FONT, HEADER_FILL, BORDER
    r = 5
    for fld in fields:
        _guide_row(guide, r, rules, fld, lang, guide_texts)
        r += 1
    for kind in RECORD_NAMES:  # [§10] the log's and the contacts' columns, each under its title
        view = rules.for_kind(kind)
        texts = rules.tree.get("texts", {}).get(f"guide_{kind}", {})
        r += 1
        put(guide, r, 1, LEDGER_TITLES[kind][lang]).font = font(bold=True, size=12)
        intro = texts.get("intro", {}).get(lang)
        if intro:
            put(guide, r, 2, intro).alignment = Alignment(wrap_text=True, vertical="top")
            guide.merge_cells(start_row=r, start_column=2, end_row=r, end_column=3)
            guide.row_dimensions[r].height = 48
        r += 1
        for fld in [
            "customer_id",
            "name",
            *(f for f in view["fields"] if f not in ("customer_id", "name")),
        ]:
            _guide_row(guide, r, view, fld, lang, texts)
            r += 1
    guide.freeze_panes = "A5"


def _guide_row(
    guide: Any, r: int, rules: Rules, fld: str, lang: str, texts: dict[str, Any]
) -> None:
    """One field's row on the guide: its header, what to enter, what it means."""
    spec = rules["fields"][fld]
    options = ledger_options(rules, fld, lang)
    what = " / ".join(options) if options else TYPE_HINTS[lang][spec["type"]]
    put(guide, r, 1, str(spec[lang])).font = font(bold=True)
    put(guide, r, 2, what).alignment = Alignment(wrap_text=True, vertical="top")
    meaning = texts.get(fld, {}).get(lang, "")
    put(guide, r, 3, meaning).alignment = Alignment(wrap_text=True, vertical="top")


def bundled(name: str) -> Path:
    """Path of a bundled template (the repository's ``templates/`` or the installed copy)."""
    here = Path(__file__).resolve().parent.parent
    for candidate in (here / "templates" / name, here.parent / "templates" / name):
        if candidate.exists():
            return candidate
    raise FileNotFoundError(name)


# --------------------------------------------------------------------------- catalogue and checks

CATALOGUE = {
    f"{name}.xlsx": both(f"catalogue_{name}")
    for name in ("plan", "ledger", "report", "sample_ledger")
}


def bundled_names() -> list[str]:
    """The bundled templates that exist in this installation, in catalogue order."""
    names = []
    for name in CATALOGUE:
        try:
            bundled(name)
        except FileNotFoundError:
            continue
        names.append(name)
    return names
