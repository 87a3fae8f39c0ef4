"""Read a ledger file (.xlsx .xlsm .xlsb .xls .ods .csv) into a typed customer table."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path

from kqexcel.core.ledger import Ledger, find_header, normalise
from kqexcel.core.values import CellError
from kqexcel.errors import LedgerError
from kqexcel.io.package import sheet_part
from kqexcel.io.safety import check_file
from kqexcel.rules import Rules, load_rules

EXCEL_FORMATS = {".xlsx", ".xlsm", ".xlsb", ".xls", ".ods"}
FORMATS = EXCEL_FORMATS | {".csv"}
MAX_BLANK_STREAK = 10_000  # the fallback reader stops after this many empty rows in a row

Rows = list[list[object]]
_CELL = re.compile(rb'<c\b([^>]*?)(?:/>|>(.*?)</c>)', re.S)
_REF = re.compile(rb'\br="([A-Z]+)(\d+)"')


def _cell(value: object) -> object:
    return None if value == "" else value


def _col_index(letters: bytes) -> int:
    index = 0
    for char in letters:
        index = index * 26 + char - 64
    return index - 1


def _flagged_cells(path: Path, sheet: str) -> dict[tuple[int, int], CellError]:
    """Cells of an .xlsx sheet that calamine shows as empty but are not: error values (#N/A,
    #DIV/0!) and formulas without a cached value. (row, column) are 0-based."""
    try:
        part = sheet_part(path, sheet)
        with zipfile.ZipFile(path) as archive:
            data = archive.read(part)
    except Exception:  # a layout we cannot follow: calamine's values stand
        return {}
    if b't="e"' not in data and b"<f>" not in data and b"<f " not in data:
        return {}
    flagged: dict[tuple[int, int], CellError] = {}
    for match in _CELL.finditer(data):
        attrs, inner = match.group(1), match.group(2) or b""
        ref = _REF.search(attrs)
        if not ref:
            continue
        where = (int(ref.group(2)) - 1, _col_index(ref.group(1)))
        if b't="e"' in attrs:
            value = re.search(rb"<v>(.*?)</v>", inner, re.S)
            flagged[where] = CellError(value.group(1).decode("utf-8", "replace") if value else "#ERROR", "error_value")
        elif b"<f" in inner and not re.search(rb"<v[\s>/]", inner):  # <v></v>: a saved empty text
            flagged[where] = CellError("", "formula_no_value")
    return flagged


def _apply_flags(rows: Rows, flagged: dict[tuple[int, int], CellError]) -> Rows:
    for (r, c), marker in flagged.items():
        if r < len(rows):
            row = rows[r]
            if c >= len(row):
                row.extend([None] * (c + 1 - len(row)))
            if row[c] is None or row[c] == "":
                row[c] = marker
    return rows


def _openpyxl_sheets(path: Path, why: str) -> Iterator[tuple[str, Rows]]:
    """The fallback reader (no python-calamine, or a file calamine cannot parse): .xlsx/.xlsm."""
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:
        raise LedgerError(f"{path}: cannot read the workbook ({why or type(exc).__name__ + ': ' + str(exc)})") from None
    try:
        order = sorted(book.worksheets, key=lambda ws: ws.sheet_state != "visible")
        for ws in order:
            rows: Rows = []
            streak = 0
            for row in ws.iter_rows(values_only=True):
                values = [_cell(c) for c in row]
                streak = streak + 1 if all(v is None for v in values) else 0
                if streak > MAX_BLANK_STREAK:
                    break
                rows.append(values)
            yield ws.title, rows
    finally:
        book.close()


def _calamine_sheets(path: Path) -> Iterator[tuple[str, Rows]]:
    try:
        import python_calamine as pc
    except ImportError:  # e.g. Pyodide (xlwings Lite): openpyxl reads .xlsx/.xlsm
        yield from _openpyxl_sheets(path, "")
        return
    try:
        book = pc.CalamineWorkbook.from_path(str(path))
    except pc.PasswordError:
        raise LedgerError(f"{path}: the workbook is password-protected; save it without a password") from None
    except Exception as exc:  # calamine raises several types for damaged files
        if path.suffix.lower() in (".xlsx", ".xlsm"):
            yield from _openpyxl_sheets(path, f"{type(exc).__name__}: {exc}")
            return
        raise LedgerError(f"{path}: cannot read the workbook ({type(exc).__name__}: {exc})") from None
    scan = path.suffix.lower() in (".xlsx", ".xlsm")
    try:
        worksheets = [m for m in book.sheets_metadata if str(m.typ) == "SheetTypeEnum.WorkSheet"]
        worksheets.sort(key=lambda m: str(m.visible) != "SheetVisibleEnum.Visible")  # visible sheets first
        for meta in worksheets:
            try:
                rows: Rows = book.get_sheet_by_name(meta.name).to_python(skip_empty_area=False)  # type: ignore[assignment]
            except Exception as exc:
                raise LedgerError(f"{path}: sheet '{meta.name}' cannot be read ({exc})") from None
            # '' (calamine's empty cell) is read as empty downstream: no copy of 100,000 rows here
            yield meta.name, _apply_flags(rows, _flagged_cells(path, meta.name)) if scan else rows
    finally:
        book.close()


def _csv_rows(path: Path, max_rows: int) -> Iterator[tuple[str, Rows]]:
    raw = path.read_bytes()
    lines = raw.count(b"\n")
    if lines > 4 * max_rows + 100:  # far too long, whatever its multi-line notes: refused before parsing
        raise LedgerError(_too_many(path, path.stem, lines, max_rows, "lines"))
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes nearly anything
        raise LedgerError(f"{path}: the CSV is neither UTF-8 nor GBK text")
    if "\x00" in text:
        raise LedgerError(f"{path}: not a text CSV file (binary content)")
    sample = text[:20000]
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    limit = csv.field_size_limit()
    try:
        csv.field_size_limit(1_000_000)
        rows = [[_cell(c) for c in row] for row in csv.reader(io.StringIO(text), dialect)]
    except csv.Error as exc:
        raise LedgerError(f"{path}: not a readable CSV file ({exc})") from None
    finally:
        csv.field_size_limit(limit)
    yield path.stem, rows


def _too_many(path: Path, sheet: str, rows: int, limit: int, what: str = "rows under its header") -> str:
    return (f"{path}: sheet '{sheet}' has {rows:,} {what}, more than the {limit:,} customers kq reads "
            "(rules key safety.max_rows; an Excel sheet holds 1,048,575 under a header); split the ledger")


def sheets(path: Path, rules: Rules | None = None) -> Iterator[tuple[str, Rows]]:
    """Every worksheet of the file as raw rows (row 0 is Excel row 1), visible sheets first."""
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise LedgerError(f"{path}: unsupported file type '{suffix}' (use .xlsx, .xlsm, .xls, .ods or .csv)")
    limits = (rules or load_rules())["safety"]
    check_file(path, limits["max_unpacked_mb"], limits["max_compression_ratio"])
    if suffix == ".csv":
        return _csv_rows(path, limits["max_rows"])
    return _calamine_sheets(path)


def read_ledger(path: str | Path, rules: Rules | None = None, sheet: str | None = None) -> Ledger:
    """Find the customer sheet and its header, and type every row (problems are collected)."""
    rules = rules or load_rules()
    path = Path(path)
    names: list[str] = []
    nameless: str | None = None  # the first sheet with a header but no name column (a summary sheet?)
    for name, rows in sheets(path, rules):
        names.append(name)
        if sheet is not None and name != sheet:
            continue
        header = find_header(rows, rules)
        if header is None:
            if sheet is not None:
                raise LedgerError(f"{path}: sheet '{name}' has no recognisable header row "
                                  "(need at least 2 known column names such as 客户名称, 年销售额)")
            continue
        limit = rules["safety"]["max_rows"]
        if len(rows) - header - 1 > limit:
            filled = sum(1 for row in rows[header + 1:] if any(c is not None and c != "" for c in row))
            if filled > limit:
                raise LedgerError(_too_many(path, name, filled, limit))
        ledger = normalise(rows, header, rules, path.name, name)
        if "name" not in ledger.mapped:
            if sheet is not None:
                raise LedgerError(f"{path}: sheet '{name}' has no customer name column (客户名称 / Customer)")
            nameless = nameless or name
            continue
        return ledger
    if nameless is not None:
        raise LedgerError(f"{path}: sheet '{nameless}' has no customer name column (客户名称 / Customer)")
    if sheet is not None:
        raise LedgerError(f"{path}: no sheet named '{sheet}' (sheets: {', '.join(names) or 'none'})")
    if not names:
        raise LedgerError(f"{path}: the workbook has no worksheets")
    raise LedgerError(f"{path}: no sheet has a recognisable header row "
                      "(need at least 2 known column names such as 客户名称, 年销售额)")

