"""Read a ledger file (.xlsx .xlsm .xlsb .xls .ods .csv) into a typed customer table."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from pathlib import Path

from kqexcel.core.ledger import Ledger, find_header, normalise
from kqexcel.errors import LedgerError
from kqexcel.io.safety import check_file
from kqexcel.rules import Rules, load_rules

EXCEL_FORMATS = {".xlsx", ".xlsm", ".xlsb", ".xls", ".ods"}
FORMATS = EXCEL_FORMATS | {".csv"}

Rows = list[list[object]]


def _cell(value: object) -> object:
    return None if value == "" else value


def _openpyxl_sheets(path: Path, why: str) -> Iterator[tuple[str, Rows]]:
    """The fallback reader (no python-calamine, or a file calamine cannot parse): .xlsx/.xlsm."""
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:
        raise LedgerError(f"{path}: cannot read the workbook ({why or type(exc).__name__ + ': ' + str(exc)})") from None
    try:
        for ws in book.worksheets:
            yield ws.title, [[_cell(c) for c in row] for row in ws.iter_rows(values_only=True)]
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
    try:
        for meta in book.sheets_metadata:
            if str(meta.typ) not in ("SheetTypeEnum.WorkSheet",):
                continue
            try:
                sheet = book.get_sheet_by_name(meta.name)
                rows = sheet.to_python(skip_empty_area=False)
            except Exception as exc:
                raise LedgerError(f"{path}: sheet '{meta.name}' cannot be read ({exc})") from None
            yield meta.name, [[_cell(c) for c in row] for row in rows]
    finally:
        book.close()


def _csv_rows(path: Path) -> Iterator[tuple[str, Rows]]:
    raw = path.read_bytes()
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
    rows = [[_cell(c) for c in row] for row in csv.reader(io.StringIO(text), dialect)]
    yield path.stem, rows


def sheets(path: Path) -> Iterator[tuple[str, Rows]]:
    """Every worksheet of the file as raw rows (row 0 is Excel row 1)."""
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise LedgerError(f"{path}: unsupported file type '{suffix}' (use .xlsx, .xlsm, .xls, .ods or .csv)")
    check_file(path)
    if suffix == ".csv":
        return _csv_rows(path)
    return _calamine_sheets(path)


def read_ledger(path: str | Path, rules: Rules | None = None, sheet: str | None = None) -> Ledger:
    """Find the customer sheet and its header, and type every row (problems are collected)."""
    rules = rules or load_rules()
    path = Path(path)
    names: list[str] = []
    for name, rows in sheets(path):
        names.append(name)
        if sheet is not None and name != sheet:
            continue
        header = find_header(rows, rules)
        if header is None:
            if sheet is not None:
                raise LedgerError(f"{path}: sheet '{name}' has no recognisable header row "
                                  "(need at least 2 known column names such as 客户名称, 年销售额)")
            continue
        ledger = normalise(rows, header, rules, path.name, name)
        if "name" not in ledger.mapped:
            raise LedgerError(f"{path}: sheet '{name}' has no customer name column (客户名称 / Customer)")
        return ledger
    if sheet is not None:
        raise LedgerError(f"{path}: no sheet named '{sheet}' (sheets: {', '.join(names) or 'none'})")
    if not names:
        raise LedgerError(f"{path}: the workbook has no worksheets")
    raise LedgerError(f"{path}: no sheet has a recognisable header row "
                      "(need at least 2 known column names such as 客户名称, 年销售额)")


def rows_of(ledger_rows: Sequence[Sequence[object]]) -> Rows:
    """Rows as lists (for callers that already hold cell values, e.g. a formula's range)."""
    return [[_cell(c) for c in row] for row in ledger_rows]
