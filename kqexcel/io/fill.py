"""Fill a template with openpyxl: open it, resolve its defined names, retitle, issues, tables."""

from __future__ import annotations

import io
import math
import re
import unicodedata
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from kqexcel.core.ledger import Problem
from kqexcel.errors import KqError, LedgerError, TemplateError, joined
from kqexcel.io.cells import put
from kqexcel.io.problems import issue_row
from kqexcel.io.safety import active_content, check_file
from kqexcel.io.templates import ISSUE_HEADERS, ISSUES_NAME, SHEET_TITLES, TEMPLATE_MAX_MB, bundled
from kqexcel.io.xlsx_stream import Page, StreamedTable
from kqexcel.rules import Rules


def split_reference(ref: str) -> tuple[str, str]:
    """(sheet, cells) of a 'Sheet'!$A$1:$B$2 reference, the sheet's quotes undone."""
    sheet, cells = ref.strip().lstrip("=").rsplit("!", 1)
    if sheet.startswith("'") and sheet.endswith("'"):
        sheet = sheet[1:-1].replace("''", "'")
    return sheet, cells


def resolve(wb: Any, ref: str) -> tuple[str, str] | None:
    """(sheet, range) of a defined name or a 'Sheet'!A1:B2 reference: the one resolver."""
    ref = ref.strip().lstrip("=")
    defined = wb.defined_names.get(ref)
    if defined is not None:
        destinations = list(defined.destinations)
        return destinations[0] if destinations else None
    if "!" in ref:
        sheet, cells = ref.rsplit("!", 1)
        return sheet.strip("'"), cells
    return None


def top_left(cells: str) -> tuple[int, int]:
    """(row, column), 1-based, of the first cell of a range like $B$3:$D$9."""
    from openpyxl.utils.cell import column_index_from_string, coordinate_from_string

    letter, row = coordinate_from_string(cells.replace("$", "").split(":")[0])
    return row, column_index_from_string(letter)


def name_target(wb: Any, name: str) -> tuple[Any, int, int]:
    """The sheet, row and column a template's defined name points at (errors name the name)."""
    where = getattr(wb, "kq_path", None) or KqError("the_template")
    if wb.defined_names.get(name) is None:
        raise TemplateError("template_no_name", path=where, name=name)
    found = resolve(wb, name)
    if found is None or found[0] not in wb.sheetnames:
        raise TemplateError("template_name_no_sheet", path=where, name=name)
    row, column = top_left(found[1])
    return wb[found[0]], row, column


def _extend_ranges(
    ws: Any, proto_row: int, last_row: int, proto_last_col: int = 0, last_col: int = 0
) -> None:
    """Stretch conditional-format ranges on the prototype row over every data row, and a range that
    spans the whole prototype row (a row format) over every column of the table."""
    from openpyxl.formatting.formatting import ConditionalFormattingList
    from openpyxl.worksheet.cell_range import CellRange

    old = ws.conditional_formatting
    new = ConditionalFormattingList()
    for cf in old:
        ranges = []
        for rng in cf.sqref.ranges:
            cr = CellRange(rng.coord)
            if cr.min_row <= proto_row <= cr.max_row:
                cr.max_row = max(cr.max_row, last_row)
                if proto_last_col and cr.max_col >= proto_last_col:
                    cr.max_col = max(cr.max_col, last_col)
            ranges.append(cr.coord)
        for rule in cf.rules:
            new.add(" ".join(ranges), rule)
    ws.conditional_formatting = new


def relabel_formats(sheets: Iterable[Any], rules: Rules, lang: str) -> None:
    """Conditional formats compare with labels ("P1", "高"): the template holds the default
    labels (either language), so the labels the plan shows in ``lang`` are put in their place."""
    from kqexcel.rules import default_rules

    default = default_rules()

    def quoted(label: object) -> str:  # an Excel text literal
        return '"' + str(label).replace('"', '""') + '"'

    swaps = {
        quoted(default.label(d, c, either)): quoted(rules.label(d, c, lang))
        for d in ("priority", "renewal_risk", "warning")
        for c in rules["codes"][d]
        for either in ("zh", "en")
    }
    swaps = {a: b for a, b in swaps.items() if a != b}
    if not swaps:
        return
    pattern = re.compile("|".join(re.escape(a) for a in sorted(swaps, key=len, reverse=True)))
    for ws in sheets:
        for cf in ws.conditional_formatting:
            for rule in cf.rules:
                rule.formula = [
                    pattern.sub(lambda m: swaps[m.group(0)], f) for f in rule.formula or []
                ]


def _shown_width(text: str) -> int:
    """How many character widths ``text`` takes in a cell (Chinese characters take two)."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def row_height(cells: Iterable[tuple[Any, float]]) -> float:
    """The height (points) of a row whose wrapped cells hold these (text, column width) pairs:
    enough lines for the longest, each line of the text wrapping on its own; Excel's tallest row
    at most (no client grows a row for wrapped text that a file gives no height)."""
    lines = 1
    for text, width in cells:
        if text is None:
            continue
        per = max(width - 1, 1)
        lines = max(
            lines, sum(max(1, math.ceil(_shown_width(x) / per)) for x in str(text).split("\n"))
        )
    return float(min(15 * lines + 3, 409))


# characters a cell shows two widths wide (East Asian Wide and Fullwidth, as _shown_width counts)
_WIDE_RANGES = (  # code point ranges (first, last): Hangul Jamo, CJK, kana, Hangul, fullwidth
    (0x1100, 0x115F),
    (0x2E80, 0x303E),
    (0x3041, 0x33FF),
    (0x3400, 0x4DBF),
    (0x4E00, 0x9FFF),
    (0xA000, 0xA4CF),
    (0xAC00, 0xD7A3),
    (0xF900, 0xFAFF),
    (0xFE30, 0xFE4F),
    (0xFF00, 0xFF60),
    (0xFFE0, 0xFFE6),
)
_WIDE = re.compile("[" + "".join(f"\\u{a:04x}-\\u{b:04x}" for a, b in _WIDE_RANGES) + "]")


def wrapped_heights(columns: list[list[Any]], widths: list[float], n: int) -> list[float | None]:
    """[6/8] each row's height (points) for its wrapped cells, as :func:`row_height` counts it,
    over whole columns (each distinct text measured once); None for a row of one line, which
    keeps the sheet's default height."""
    import numpy as np
    import pandas as pd

    lines = np.ones(n, dtype=np.int64)
    for values, width in zip(columns, widths, strict=True):
        codes, uniques = pd.factorize(pd.Series(values, dtype=object), use_na_sentinel=True)
        if not len(uniques):
            continue
        texts = pd.Series(uniques, dtype=object).astype(str).str.split("\n").explode()
        shown = texts.str.len() + texts.str.count(_WIDE)
        per = max(width - 1, 1)
        each = np.maximum(1, np.ceil(shown.to_numpy(dtype=float) / per)).astype(np.int64)
        counted = pd.Series(each, index=texts.index).groupby(level=0).sum().to_numpy()
        found = codes >= 0
        lines[found] = np.maximum(lines[found], counted[codes[found]])
    heights = np.minimum(15 * lines + 3, 409).astype(float)
    return [
        None if k == 1 else float(h) for k, h in zip(lines.tolist(), heights.tolist(), strict=True)
    ]


REASON_COLUMN = (
    5  # the reason's place in an issue row (file, sheet, row, column, value, reason, kind)
)


def fill_issues(
    wb: Any, problems: list[Problem], lang: str, name: str = ISSUES_NAME, rules: Rules | None = None
) -> None:
    """The problems list at the defined name ``name`` (fields labelled as ``rules`` say)."""
    from openpyxl.styles import Alignment
    from openpyxl.utils import get_column_letter

    ws, row, col = name_target(wb, name)
    for j, text in enumerate(ISSUE_HEADERS[lang]):
        put(ws, row, col + j, text)
    reason = col + REASON_COLUMN  # a file's long line wraps (its row grows to show it)
    width = ws.column_dimensions[get_column_letter(reason)].width or 8.43
    wrap, top = Alignment(wrap_text=True, vertical="top"), Alignment(vertical="top")
    for i, p in enumerate(problems, start=row + 1):
        values = issue_row(p, lang, rules)
        cells = [put(ws, i, col + j, value) for j, value in enumerate(values)]
        text = values[REASON_COLUMN]
        # a file's own line (how it was read, a column it lacks) wraps: one a file, while
        # styling every problem row of a company's report would cost seconds
        whole_file = p.kind == "info" or p.row is None
        if whole_file and isinstance(text, str) and len(text) * 2 > width:
            for cell in cells:
                cell.alignment = top
            cells[REASON_COLUMN].alignment = wrap
            lines = math.ceil(_shown_width(text) / max(width - 1, 1))
            ws.row_dimensions[i].height = min(15 * lines, 409)  # Excel's tallest row


def issues_table(
    wb: Any, problems: list[Problem], lang: str, name: str, rules: Rules | None = None
) -> StreamedTable:
    """[8/8] the problems list at the defined name ``name`` as a streamed table, made a page of
    rows at a time (a company's report lists hundreds of thousands): cells at the top of their
    rows, the reason wrapped and each row tall enough for it."""
    from openpyxl.styles import Alignment

    ws, row, col = name_target(wb, name)
    for j in range(len(ISSUE_HEADERS[lang])):
        wrap = j == REASON_COLUMN
        ws.cell(row + 1, col + j).alignment = Alignment(wrap_text=wrap, vertical="top")
    return rows_table(
        wb,
        name,
        ISSUE_HEADERS[lang],
        len(problems),
        lambda start, stop: [issue_row(p, lang, rules) for p in problems[start:stop]],
    )


def rows_table(
    wb: Any,
    name: str,
    headers: Iterable[str],
    n: int,
    rows: Callable[[int, int], list[list[Any]]],
) -> StreamedTable:
    """A streamed table of ``n`` rows under ``headers`` at the defined name ``name``, made a page
    at a time from ``rows(start, stop)`` (each a list of cells)."""
    columns: list[tuple[str, list[Any]]] = [(h, []) for h in headers]

    def page(start: int, stop: int) -> list[list[Any]]:
        made = rows(start, stop)
        return [[r[j] for r in made] for j in range(len(columns))]

    return prepare_table(wb, name, columns, pages=(n, page))


def retitle(wb: Any, lang: str, titles: dict[str, dict[str, str]] = SHEET_TITLES) -> None:
    """Give the template's sheets their names in ``lang`` (only sheets still named as the
    bundled template names them; an admin's own names stay), keeping defined names pointing."""
    for names in titles.values():
        for ws in wb.worksheets:
            if (
                ws.title in names.values()
                and ws.title != names[lang]
                and names[lang] not in wb.sheetnames
            ):
                old, ws.title = ws.title, names[lang]
                for defined in list(wb.defined_names.values()):
                    defined.attr_text = defined.attr_text.replace(
                        f"'{old}'!", f"'{ws.title}'!"
                    ).replace(f"{old}!", f"'{ws.title}'!")


# a check every ledger passes, worded for a template
AS_TEMPLATE = {
    "workbook_encrypted": "template_encrypted",
    "workbook_damaged_member": "template_damaged_member",
    "workbook_damaged": "template_damaged",
}


def open_template(template: str | Path | None, default: str) -> tuple[Any, Path]:
    """Load a (bundled or customised) template with openpyxl."""
    from openpyxl import load_workbook

    path = Path(template) if template else bundled(default)
    if template:  # a customised template passes the checks every ledger passes (bombs, encryption)
        try:
            check_file(path, max_unpacked_mb=TEMPLATE_MAX_MB)
        except LedgerError as exc:
            key = AS_TEMPLATE.get(exc.key, exc.key)
            raise TemplateError(key, **exc.values) from None
        active = active_content(path)
        if active:
            raise TemplateError("template_active", path=path, parts=joined(active))
    try:  # read into memory first: openpyxl leaves the file open when the package is damaged
        wb = load_workbook(io.BytesIO(path.read_bytes()))
    except FileNotFoundError:
        raise TemplateError("template_not_found", path=path) from None
    except Exception as exc:
        raise TemplateError("template_unopenable", path=path, why=exc) from None
    wb.kq_path = path  # named in the errors about the template
    return wb, path


def fit_header(ws: Any, row: int, col: int, headers: list[str], n_proto: int = 0) -> None:
    """[7/8] headers fit: a column beyond the template's takes the width of the last one, and
    the header row is made tall enough for its longest (wrapped) header."""
    from openpyxl.utils import get_column_letter

    # a block of one column gives no width for more: its first column is a label column
    last = ws.column_dimensions[get_column_letter(col + n_proto - 1)].width if n_proto > 1 else None
    widths = []
    for j in range(len(headers)):
        letter = get_column_letter(col + j)
        if j >= n_proto and letter not in ws.column_dimensions:
            ws.column_dimensions[letter].width = last or 14
        widths.append(ws.column_dimensions[letter].width or 8.43)
    height = row_height(zip(headers, widths, strict=True))
    if height > max(ws.row_dimensions[row].height or 0, 18):
        ws.row_dimensions[row].height = height


def prepare_table(
    wb: Any,
    name: str,
    columns: list[tuple[str, list[Any]]],
    short: Iterable[str] = (),
    pages: tuple[int, Callable[[int, int], list[list[Any]]]] | None = None,
) -> StreamedTable:
    """Write the header at the defined name ``name``, take each column's style from the template's
    prototype row below it (extra columns take the last prototype's), and stretch the table and
    the conditional formats over the rows to come. Rows are made tall enough for their wrapped
    cells, except those under the headers ``short``. ``pages``: the rows are not in ``columns``
    but made a page at a time (how many, and each column's values of the rows start–stop)."""
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.table import TableColumn

    ws, head_row, head_col = name_target(wb, name)
    proto_row = head_row + 1
    n_proto = 0
    while ws.cell(head_row, head_col + n_proto).value is not None:
        n_proto += 1
    n_proto = max(n_proto, 1)
    header_style = ws.cell(head_row, head_col)._style
    protos = [ws.cell(proto_row, head_col + j) for j in range(n_proto)]
    styles = [protos[min(j, n_proto - 1)].style_id for j in range(len(columns))]
    date_style = next((c.style_id for c in protos if c.is_date), protos[-1].style_id)
    date_styles = [
        styles[j] if protos[min(j, n_proto - 1)].is_date else date_style
        for j in range(len(columns))
    ]
    for j, (header, _) in enumerate(columns):
        cell = put(ws, head_row, head_col + j, str(header))
        if j >= n_proto:
            cell._style = header_style
    for j in range(len(columns), n_proto):
        ws.cell(head_row, head_col + j).value = None
    fit_header(ws, head_row, head_col, [str(h) for h, _ in columns], n_proto)
    for cell in protos:
        cell.value = None
    n = pages[0] if pages else len(columns[0][1]) if columns else 0
    last_row = head_row + max(n, 1)
    first_col = get_column_letter(head_col)
    ref = f"{first_col}{head_row}:{get_column_letter(head_col + len(columns) - 1)}{last_row}"
    for table in list(ws.tables.values()):
        if table.ref.split(":")[0].replace("$", "") == f"{first_col}{head_row}":
            table.ref = ref
            # named here, so openpyxl does not create every cell of the range to read the header
            table.tableColumns = [
                TableColumn(id=j + 1, name=str(h)) for j, (h, _) in enumerate(columns)
            ]
            if table.autoFilter is not None:
                table.autoFilter.ref = ref
    _extend_ranges(ws, proto_row, last_row, head_col + n_proto - 1, head_col + len(columns) - 1)
    # [6/8] rows tall enough for their wrapped cells: no client grows a row by itself
    short = set(short)
    wrapped = [
        (j, ws.column_dimensions[get_column_letter(head_col + j)].width or 8.43)
        for j, (header, _) in enumerate(columns)
        if j < n_proto and protos[j].alignment.wrap_text and header not in short
    ]

    def tall(values: list[list[Any]], rows: int) -> list[float | None] | None:
        if not wrapped:
            return None
        return wrapped_heights([values[j] for j, _ in wrapped], [w for _, w in wrapped], rows)

    table = StreamedTable(ws.title, head_row, head_col, columns, styles, date_styles)
    if pages is None:
        table.heights = tall([values for _, values in columns], n)
    else:
        make = pages[1]

        def page(start: int, stop: int) -> Page:
            values = make(start, stop)
            return values, tall(values, stop - start)

        table.pages = (n, page)
    return table
