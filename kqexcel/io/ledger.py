"""Read a ledger file (.xlsx .xlsm .xlsb .xls .ods .csv) into a typed customer table."""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
import zipfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import IO, Any

from kqexcel.core.customer_file import attach
from kqexcel.core.ledger import (
    EXCEL_COLUMNS,
    RECORD_KINDS,
    Ledger,
    LeftOut,
    NoHeaderRow,
    NoNameColumn,
    NotKindSheet,
    Problem,
    column_letter,
    combine_records,
    ledger_from_rows,
    normalise,
    records_from_rows,
    row_empty,
    sheet_kind,
)
from kqexcel.core.values import CellError
from kqexcel.errors import LedgerError
from kqexcel.io.package import sheet_part
from kqexcel.io.safety import check_file
from kqexcel.rules import Rules, header_norm, load_rules

EXCEL_FORMATS = {".xlsx", ".xlsm", ".xlsb", ".xls", ".ods"}
FORMATS = EXCEL_FORMATS | {".csv"}

Rows = list[list[object]]
_REF = re.compile(rb"([A-Z]+)(\d+)")
# any of these in a sheet part: it may hold an error value or a formula, and is scanned
_MARKS = (b't="e"', b"t='e'", b"<f>", b"<f ", b"<f/", b":f>", b":f ", b":f/")


def _cell(value: object) -> object:
    return None if value == "" else value


def _col_index(letters: bytes) -> int:
    index = 0
    for char in letters:
        index = index * 26 + char - 64
    return index - 1


def _sheet_xml(path: Path, sheet: str) -> bytes | None:
    """The XML of an .xlsx sheet part (None: a layout we cannot follow; calamine's view stands)."""
    try:
        part = sheet_part(path, sheet)
        with zipfile.ZipFile(path) as archive:
            return archive.read(part)
    except Exception:
        return None


def _flagged_cells(data: bytes | None) -> dict[tuple[int, int], CellError]:
    """Cells of an .xlsx sheet that calamine shows as empty but are not: error values (#N/A,
    #DIV/0!) and formulas without a cached value. (row, column) are 0-based. Read with a
    defusedxml iterparse, so any prefix or quoting is understood; a sheet holding no formula and
    no error (no "f" element, no t="e"/t='e' at all) is not parsed: the fast path of big sheets."""
    if data is None or not any(mark in data for mark in _MARKS):
        return {}
    from defusedxml.ElementTree import iterparse

    flagged: dict[tuple[int, int], CellError] = {}
    for _, elem in iterparse(io.BytesIO(data), events=("end",)):
        tag = elem.tag.rsplit("}", 1)[-1]
        if tag == "row":
            elem.clear()  # a big sheet is not kept in memory
            continue
        if tag != "c":
            continue
        ref = _REF.fullmatch(elem.get("r", "").encode())
        if not ref:
            continue
        where = (int(ref.group(2)) - 1, _col_index(ref.group(1)))
        children = {child.tag.rsplit("}", 1)[-1]: child for child in elem}
        if elem.get("t") == "e":
            value = children.get("v")
            text = "#ERROR" if value is None else (value.text or "")
            flagged[where] = CellError(text, "error_value")
        elif "f" in children and "v" not in children:  # <v></v>: a saved empty text
            flagged[where] = CellError("", "formula_no_value")
    return flagged


EXCEL_ROWS = 1_048_576  # rows of an Excel sheet
# In an ordinary sheet every cell and row is spelled `<c r="AB12"` / `<row r="12"`: the reference
# first, upper-case letters, no leading zero, double quotes, no prefix. A sheet spelled otherwise
# (r = 'ab012', a tab, a prefix, $, a cell without r, which calamine places after the one before)
# is not refused: all its references are read, which is slower.
_R_ATTRIBUTE = 'r[\t\n\r ]*=(?!"{columns}{rows}")'  # every r attribute, duplicates too
_BARE_CELL = re.compile(rb'<c(?![\t\n\r ]+r=")')
_BARE_ROW = re.compile(rb'<row(?![\t\n\r ]+r=")')
_LAST_ROW = re.compile(rb' r="(\d+)"')


def _up_to(top: str, lows: str, any_symbol: str, shorter: str | None) -> str:
    """A regex alternation matching the spellings up to ``top`` in value: as long and smaller at
    the first symbol that differs (``lows``: the lowest first and later symbol), ``top`` itself,
    or ``shorter``."""
    options = []
    for i, symbol in enumerate(top):
        low, rest = lows[min(i, 1)], len(top) - i - 1
        if symbol > low:
            options.append(
                f"{top[:i]}[{low}-{chr(ord(symbol) - 1)}]"
                + (f"{any_symbol}{{{rest}}}" if rest else "")
            )
    options.append(top)
    if shorter is not None:
        options.append(shorter)
    return "(?:" + "|".join(options) + ")"


def _at_most(number: int) -> str:
    """A regex matching the decimal numbers 1…``number`` (no leading zero)."""
    digits = str(number)
    return _up_to(
        digits, "10", r"\d", rf"[1-9]\d{{0,{len(digits) - 2}}}" if len(digits) > 1 else None
    )


def _columns_at_most(number: int) -> str:
    """A regex matching the column letters A…(column ``number``), or none (a row's reference)."""
    letters = column_letter(number - 1)
    return _up_to(letters, "AA", "[A-Z]", f"[A-Z]{{0,{len(letters) - 1}}}")


def grid_size(data: bytes, max_cells: int) -> tuple[int, int] | None:
    """(rows, columns) from A1 to the last cell of a sheet's XML when they span more than
    ``max_cells`` cells (or leave Excel's grid), else None. python-calamine builds the dense
    grid: one stray cell at XFD1048576 in a 5 kB file asks it for hundreds of GB (an abort).

    Fast for ordinary sheets: the last row gives the height, and max_cells the width it leaves;
    three searches then check that every reference is within both and that no cell or row goes
    without one. A sheet where any of them hits has all its references read."""
    start = max(data.find(b"sheetData"), 0)
    end = data.rfind(b"sheetData>")
    end = end if end > start else len(data)
    height = _last_row(data, start, end)
    if height is not None and height <= EXCEL_ROWS:
        width = min(max_cells // max(height, 1), EXCEL_COLUMNS)
        if width >= 1 and _plain(data, start, end, height, width):
            return None
    return _exact_grid(data[start:end], max_cells)


def _plain(data: bytes, start: int, end: int, rows: int, columns: int) -> bool:
    """Every reference spelled the ordinary way, within rows × columns; every cell and row has
    one."""
    if data.find(b":", start, end) >= 0 and (
        data.find(b":c", start, end) >= 0 or data.find(b":r", start, end) >= 0
    ):
        return False  # prefixed elements or attributes
    ref = re.compile(
        _R_ATTRIBUTE.format(columns=_columns_at_most(columns), rows=_at_most(rows)).encode()
    )
    return not (
        ref.search(data, start, end)
        or _BARE_CELL.search(data, start, end)
        or _BARE_ROW.search(data, start, end)
    )


def _last_row(data: bytes, start: int, end: int) -> int | None:
    """The row number of the sheet's last row element (None when it has none, or no r)."""
    at = max(data.rfind(b"<row", start, end), data.rfind(b":row", start, end))
    if at < 0:
        return 1
    tail = _LAST_ROW.search(data, at, data.find(b">", at, end) + 1 or end)
    return int(tail.group(1)) if tail else None


_TAG = re.compile(rb'<(?:[A-Za-z_][\w.-]*:)?(row|c)(?=[\s/>])((?:[^>"\']+|"[^"]*"|\'[^\']*\')*)')
_REF_VALUE = re.compile(rb'(?:^|[\s:])r\s*=\s*["\']\s*\$?([A-Za-z]*)\$?(\d*)')


def _exact_grid(region: bytes, max_cells: int) -> tuple[int, int] | None:
    """Every row and cell element read as calamine places them: by its reference (the last one
    when an element has two), else after the one before (a row below the row before, a cell
    right of the cell before, in its row element's row)."""
    rows = columns = 1
    row = column = 0
    for kind, attrs in _TAG.findall(region):
        refs = _REF_VALUE.findall(attrs)
        letters, number = refs[-1] if refs else (b"", b"")
        if kind == b"row":
            row = int(number) if number else row + 1
            column = 0
            continue
        column = _col_index(letters.upper()) + 1 if letters else column + 1
        columns = max(columns, column)
        rows = max(rows, int(number) if number else row)
    if rows * columns > max_cells or rows > EXCEL_ROWS or columns > EXCEL_COLUMNS:
        return rows, columns
    return None


def _apply_flags(rows: Rows, flagged: dict[tuple[int, int], CellError]) -> Rows:
    for (r, c), marker in flagged.items():
        if r < len(rows):
            row = rows[r]
            if c >= len(row):
                row.extend([None] * (c + 1 - len(row)))
            if row[c] is None or row[c] == "":
                row[c] = marker
    return rows


def _openpyxl_sheets(path: Path, why: str) -> Iterator[tuple[str, Rows, bool]]:
    """The fallback reader (no python-calamine, or a file calamine cannot parse): .xlsx/.xlsm."""
    book = _open_openpyxl(path, why)
    try:
        order = sorted(book.worksheets, key=lambda ws: ws.sheet_state != "visible")
        for ws in order:
            yield ws.title, _sparse_rows(path, book, ws.title), ws.sheet_state == "visible"
    finally:
        book.close()


def _open_openpyxl(path: Path, why: str) -> Any:
    from openpyxl import load_workbook

    try:
        return load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:
        why = why or f"{type(exc).__name__}: {exc}"
        raise LedgerError("workbook_unreadable", path=path, why=why) from None


def _sparse_rows(path: Path, book: Any, title: str) -> Rows:
    """A sheet's rows, cell by cell as its XML holds them (openpyxl's parser): memory follows the
    cells there are, not the grid they span. Each row is as long as its own last cell; missing
    rows are empty lists, so row i is still Excel row i + 1."""
    from openpyxl.worksheet._reader import WorkSheetParser

    ws = book[title]
    rows: Rows = []
    try:
        with ws._get_source() as src:
            parser = WorkSheetParser(
                src,
                ws._shared_strings,
                data_only=True,
                epoch=book.epoch,
                date_formats=book._date_formats,
                timedelta_formats=book._timedelta_formats,
            )
            for number, cells in parser.parse():
                if number > EXCEL_ROWS:
                    raise _outside(path, title)
                while len(rows) < number:
                    rows.append([])
                row = rows[number - 1]
                for cell in cells:
                    column = cell["column"]
                    if column > EXCEL_COLUMNS:
                        raise _outside(path, title)
                    value = cell["value"]
                    if value is None or value == "":
                        continue
                    if cell["data_type"] == "e":
                        value = CellError(str(value), "error_value")
                    if len(row) < column:
                        row.extend([None] * (column - len(row)))
                    row[column - 1] = value
    except LedgerError:
        raise
    except Exception as exc:
        why = f"{type(exc).__name__}: {exc}"
        raise LedgerError("sheet_unreadable", path=path, sheet=title, why=why) from None
    return rows


def _unreadable(path: Path, sheet: str, exc: Exception, part_missing: bool) -> LedgerError:
    """Why a sheet cannot be read, in one line."""
    text = " ".join(str(exc).split())[:200]
    if part_missing or text == sheet:  # calamine names only the sheet when its part is missing
        return LedgerError("sheet_data_missing", path=path, sheet=sheet)
    return LedgerError("sheet_unreadable", path=path, sheet=sheet, why=text)


def _outside(path: Path, sheet: str) -> LedgerError:
    return LedgerError("sheet_outside_grid", path=path, sheet=sheet)


def _calamine_sheets(path: Path, max_cells: int) -> Iterator[tuple[str, Rows, bool]]:
    try:
        import python_calamine as pc
    except ImportError:  # e.g. Pyodide (xlwings Lite): openpyxl reads .xlsx/.xlsm
        yield from _openpyxl_sheets(path, "")
        return
    try:
        book = pc.CalamineWorkbook.from_path(str(path))
    except pc.PasswordError:
        raise LedgerError("workbook_password", path=path) from None
    except Exception as exc:  # calamine raises several types for damaged files
        if path.suffix.lower() in (".xlsx", ".xlsm"):
            yield from _openpyxl_sheets(path, f"{type(exc).__name__}: {exc}")
            return
        why = f"{type(exc).__name__}: {exc}"
        raise LedgerError("workbook_unreadable", path=path, why=why) from None
    scan = path.suffix.lower() in (".xlsx", ".xlsm")
    try:
        worksheets = [m for m in book.sheets_metadata if str(m.typ) == "SheetTypeEnum.WorkSheet"]
        worksheets.sort(
            key=lambda m: str(m.visible) != "SheetVisibleEnum.Visible"
        )  # visible sheets first
        for meta in worksheets:
            visible = str(meta.visible) == "SheetVisibleEnum.Visible"
            data = _sheet_xml(path, meta.name) if scan else None
            if data is not None:
                spread = grid_size(data, max_cells)
                if spread is not None:  # a stray cell far away: read what is there, not the grid
                    if spread[0] > EXCEL_ROWS or spread[1] > EXCEL_COLUMNS:
                        raise _outside(path, meta.name)
                    del data
                    other = _open_openpyxl(path, "")
                    try:
                        yield meta.name, _sparse_rows(path, other, meta.name), visible
                    finally:
                        other.close()
                    continue
            try:
                rows: Rows = book.get_sheet_by_name(meta.name).to_python(skip_empty_area=False)  # type: ignore[assignment]
            except Exception as exc:
                raise _unreadable(path, meta.name, exc, scan and data is None) from None
            # '' (calamine's empty cell) is read as empty downstream: no copy of 100,000 rows here
            yield meta.name, _apply_flags(rows, _flagged_cells(data)) if scan else rows, visible
    finally:
        book.close()


CSV_FIELD_LIMIT = 1_000_000  # characters in one CSV field (an Excel cell holds 32,767)
CSV_ROW_LIMIT = 16_000_000  # characters in one CSV row: a longer row is not a ledger's
CSV_SAMPLE = 1 << 16  # bytes read first, to choose the encoding and the delimiter
# a log, contacts or orders CSV given apart this large (an ERP's export of millions of orders) is
# read by pandas' C parser when its rows are regular; smaller ones, and ledgers, row by row
FAST_CSV_BYTES = 20 << 20


def _csv_rows(
    path: Path, limits: Mapping[str, Any], records: bool = False
) -> Iterator[tuple[str, Rows, bool]]:
    """A CSV file as one sheet, read as a stream: UTF-8 (with or without BOM), else GBK/GB18030;
    any line endings (CRLF, LF, CR, mixed); refused by its size, row count or a giant row."""
    size, cap = path.stat().st_size, limits["max_csv_mb"]
    if size > cap * 1_000_000:
        raise LedgerError("csv_too_large", path=path, size=size / 1_000_000, limit=cap)
    with path.open("rb") as handle:
        head = handle.read(CSV_SAMPLE)
    if b"\x00" in head:
        raise LedgerError("csv_binary", path=path)
    whole = len(head) < CSV_SAMPLE
    try:  # the sample decides; a UTF-8 error further on starts the file again as GB18030
        codecs.getincrementaldecoder("utf-8")().decode(head, final=whole)
        encodings = ["utf-8-sig", "gb18030"]
    except UnicodeDecodeError:
        encodings = ["gb18030"]
    sample = codecs.getincrementaldecoder(encodings[0])("replace").decode(head, final=whole)
    sample = sample.replace("\r\n", "\n").replace("\r", "\n")[:20000]  # the sniffer splits on \n
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    max_rows = limits["max_record_rows" if records else "max_rows"]
    fast = records and path.stat().st_size >= FAST_CSV_BYTES
    for encoding in encodings:
        try:
            grid = _csv_grid(path, encoding, dialect, 4 * max_rows + 100) if fast else None
            if grid is not None:
                yield path.stem, grid, True
                return
            # rows past a ledger's customers are counted, not kept; a file that ends in time after
            # all (blank rows between customers?) is read again, keeping them all
            rows, count = _csv_records(path, encoding, dialect, max_rows, max_rows + 100)
            if count > len(rows):
                rows, _ = _csv_records(path, encoding, dialect, max_rows, count)
            yield path.stem, rows, True
            return
        except UnicodeDecodeError:
            continue
    raise LedgerError("csv_encoding", path=path)


def _csv_grid(
    path: Path, encoding: str, dialect: type[csv.Dialect] | csv.Dialect, most: int
) -> Rows | None:
    """A large regular CSV (every row as wide, no field over ``CSV_FIELD_LIMIT``) as rows of its
    cells (None for an empty one), read by pandas' C parser: the same rows
    as ``_csv_records`` gives, in a fraction of the time. None when the file is not regular (the
    row-by-row reader then reads it and says what is wrong)."""
    import pandas as pd

    try:
        frame = pd.read_csv(
            path,
            header=None,
            dtype=str,
            na_filter=False,
            skip_blank_lines=False,
            encoding=encoding,
            sep=dialect.delimiter,
            quotechar=dialect.quotechar or '"',
            doublequote=dialect.doublequote,
            escapechar=dialect.escapechar,
            skipinitialspace=dialect.skipinitialspace,
            engine="c",
            nrows=most + 1,
        )
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError, OverflowError):
        return None
    if frame.shape[1] > EXCEL_COLUMNS or len(frame) > most:
        return None
    longest = max((int(frame[c].str.len().max()) for c in frame.columns if len(frame)), default=0)
    if longest > CSV_FIELD_LIMIT:
        return None
    grid = frame.to_numpy(dtype=object)
    grid[grid == ""] = None
    return grid.tolist()


class _CsvLines:
    """The lines of a text CSV for csv.reader, split at CRLF, LF or CR alike; ``pending`` counts
    the characters of the row being read, so a row without end is refused as it grows."""

    def __init__(self, path: Path, text: IO[str]) -> None:
        self.path, self.text, self.pending = path, text, 0
        self.row = 1  # the row being read, as the CSV numbers it

    def __iter__(self) -> Iterator[str]:
        while line := self.text.readline(CSV_ROW_LIMIT):
            if "\x00" in line:
                raise LedgerError("csv_binary", path=self.path)
            self.pending += len(line)
            if self.pending >= CSV_ROW_LIMIT:
                raise LedgerError(
                    "csv_row_too_long", path=self.path, row=self.row, limit=CSV_ROW_LIMIT
                )
            yield line


def _csv_records(
    path: Path, encoding: str, dialect: type[csv.Dialect] | csv.Dialect, max_rows: int, keep: int
) -> tuple[Rows, int]:
    """The first ``keep`` rows of the CSV, cut at Excel's last column (LeftOut counts the rest),
    and how many rows there are; refused as soon as there are far more than a ledger holds."""
    most = 4 * max_rows + 100  # blank and total rows are allowed for; read_ledger counts customers
    rows: Rows = []
    count = 0
    limit = csv.field_size_limit()
    csv.field_size_limit(CSV_FIELD_LIMIT)
    try:
        with path.open(encoding=encoding, newline="") as text:
            lines = _CsvLines(path, text)
            for row in csv.reader(lines, dialect):
                lines.pending, lines.row = 0, lines.row + 1
                count += 1
                if count > keep:
                    if count > most:
                        raise LedgerError(
                            "csv_too_many_rows",
                            path=path,
                            sheet=path.stem,
                            most=most,
                            limit=max_rows,
                        )
                    continue
                cells: list[object] = [c or None for c in row[:EXCEL_COLUMNS]]
                if len(row) > EXCEL_COLUMNS:
                    last = next(
                        (i for i in range(len(row) - 1, EXCEL_COLUMNS - 1, -1) if row[i]), None
                    )
                    if last is not None:
                        cells.append(LeftOut(last - EXCEL_COLUMNS + 1))
                rows.append(cells)
    except csv.Error as exc:
        if "field limit" in str(exc):
            raise LedgerError(
                "csv_field_too_long", path=path, row=lines.row, limit=CSV_FIELD_LIMIT
            ) from None
        raise LedgerError("csv_unreadable", path=path, row=lines.row, why=exc) from None
    finally:
        csv.field_size_limit(limit)
    return rows, count


def sheets(
    path: Path, rules: Rules | None = None, records: bool = False
) -> Iterator[tuple[str, Rows, bool]]:
    """Every worksheet of the file as raw rows (row 0 is Excel row 1) and whether it is visible,
    visible sheets first; ``records``: a CSV is read up to ``safety.max_record_rows`` (a log,
    contacts or orders file given apart) rather than ``safety.max_rows``."""
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise LedgerError("unsupported_type", path=path, suffix=suffix)
    limits = (rules or load_rules())["safety"]
    check_file(path, limits["max_unpacked_mb"], limits["max_compression_ratio"])
    if suffix == ".csv":
        return _csv_rows(path, limits, records)
    return _calamine_sheets(path, limits["max_sheet_cells"])


def named_kind(name: str, rules: Rules) -> str | None:
    """The kind a sheet's name says (跟进记录 → "log", 联系人 → "contacts"; rules
    ``log.sheet_names``, ``contacts.sheet_names``), compared as headers are."""
    key = header_norm(name)
    for kind in RECORD_KINDS:
        if key in {header_norm(n) for n in rules[kind]["sheet_names"]}:
            return kind
    return None


def _not_read(file: str, sheet: str, kind: str) -> Problem:
    """The one line for a log or contacts sheet whose header says nothing: the plan is made
    without it."""
    return Problem(file, sheet, None, None, None, "sheet_not_read", detail=kind)


def read_records(
    spec: str | Path,
    kind: str,
    rules: Rules | None = None,
    as_of: dt.date | None = None,
    sheet: str | None = None,
) -> Ledger:
    """A log or contacts sheet given apart (``--log FILE[:SHEET]``): the sheet named, else the
    sheet of the file its name or header says is of ``kind`` (a CSV: its one sheet). Its rows
    may belong to any customer (``_link`` None). A sheet whose header says nothing is one
    problem line and no rows."""
    rules = rules or load_rules()
    path = Path(spec)
    names: list[str] = []
    candidate: tuple[str, Rows] | None = None
    by_header: tuple[str, Rows] | None = None
    for name, rows, _visible in sheets(path, rules, records=True):
        names.append(name)
        if sheet is not None and name != sheet:
            continue
        if sheet is not None or named_kind(name, rules) == kind:
            candidate = (name, rows)
            break
        if by_header is None and sheet_kind(rows, rules) == kind:
            by_header = (name, rows)  # unless a sheet further on is named for the kind
        if candidate is None:
            candidate = (name, rows)  # a file of one sheet: said to be unreadable if need be
    if by_header is not None and (candidate is None or named_kind(candidate[0], rules) != kind):
        candidate = by_header
    if sheet is not None and candidate is None:
        if names:
            raise LedgerError("no_sheet", path=path, sheet=sheet, sheets=", ".join(names))
        raise LedgerError("no_sheet_none", path=path, sheet=sheet)
    if candidate is None:
        raise LedgerError("no_worksheets", path=path)
    name, rows = candidate
    try:
        found = records_from_rows(rows, rules, kind, path.name, name, as_of=as_of)
    except NotKindSheet:
        found = _empty_records(rules, kind, path.name, name)
        found.problems.append(_not_read(path.name, name, kind))
        found.table["_link"] = "\0none"  # no customer's file has it: the plan is made without
        return found
    found.table["_link"] = None
    found.table["_apart"] = True  # every customer's file has it, rows or not
    return found


def _customers_after_all(
    by_header: list[tuple[str, Rows, str]], path: Path, rules: Rules, as_of: dt.date | None
) -> Ledger | None:
    """Of the sheets taken for a log or contacts by their header, the one with the most named
    customers read as the customer sheet (a workbook needs one)."""
    best: Ledger | None = None
    for name, rows, _kind in by_header:
        try:
            found = ledger_from_rows(rows, rules, path.name, name, shown=str(path), as_of=as_of)
        except (NoHeaderRow, NoNameColumn):
            continue
        if best is None or len(found.table) > len(best.table):
            best = found
    return best


def _one_of(found: list[Ledger]) -> Ledger | None:
    """The log (or contacts) of a workbook: its sheets of that kind as one."""
    if not found:
        return None
    problems = [p for sheet in found for p in sheet.problems]
    merged = combine_records(found)
    assert merged is not None
    merged.problems = problems
    return merged


def _empty_records(rules: Rules, kind: str, file: str, sheet: str) -> Ledger:
    """A sheet of ``kind`` without rows (its header said nothing): the file still counts as
    having no such sheet."""
    view = rules.for_kind(kind)
    header = [str(view["fields"][f]["zh"]) for f in view["fields"]]
    found = normalise([header], 0, view, file, sheet)
    return found


def read_ledger(
    path: str | Path,
    rules: Rules | None = None,
    sheet: str | None = None,
    as_of: dt.date | None = None,
) -> Ledger:
    """Find the customer sheet and its header, and type every row (problems are collected);
    ``as_of`` places the dates written without a year. The customer file's follow-up log and
    contacts sheets (DOMAIN §10) come with it (``Ledger.log``, ``Ledger.contacts``).

    A sheet named as a log or contacts sheet is one (its header unreadable: one problem line,
    and the plan is made without it); so is one whose header says so (``sheet_kind``). The
    customer sheet (unless ``sheet`` names it): of the other sheets with a recognisable header
    and a name column, the one with the most named customers — an empty form in front of the
    sheet the entries are typed into is never chosen over it; the first of equals wins; hidden
    sheets only when no visible one has customers."""
    rules = rules or load_rules()
    path = Path(path)
    names: list[str] = []
    nameless: NoNameColumn | None = None  # the first sheet with a header but no name column
    best: Ledger | None = None
    likeliest: NoHeaderRow | None = None  # the sheet whose header comes nearest, to say so
    records: dict[str, list[Ledger]] = {kind: [] for kind in RECORD_KINDS}
    unread: list[Problem] = []
    # sheets taken for a log or contacts by their header alone: customer sheets after all when
    # no other sheet is one (a one-sheet ledger with 联系人 and 职务 columns is a ledger)
    by_header: list[tuple[str, Rows, str]] = []
    for name, rows, visible in sheets(path, rules):
        names.append(name)
        if sheet is None or name != sheet:
            named = named_kind(name, rules)
            kind = named or sheet_kind(rows, rules)
            if kind is not None:
                if all(map(row_empty, rows)):
                    continue  # an empty 跟进记录 sheet: nothing to read, nothing wrong
                try:
                    records[kind].append(
                        records_from_rows(rows, rules, kind, path.name, name, as_of=as_of)
                    )
                except NotKindSheet:
                    if visible:  # a hidden sheet named 联系人 is a lookup list, not a sheet
                        unread.append(_not_read(path.name, name, kind))
                    continue
                if named is None:
                    by_header.append((name, rows, kind))
                continue
        if best is not None and len(best.table) and not visible:
            continue  # a hidden sheet (a decoy, a lookup list) only when no visible sheet will do
        if sheet is not None and name != sheet:
            continue
        try:
            found = ledger_from_rows(rows, rules, path.name, name, shown=str(path), as_of=as_of)
        except (NoHeaderRow, NoNameColumn) as exc:
            if sheet is not None:
                raise
            if isinstance(exc, NoNameColumn):
                nameless = nameless or exc
            elif exc.key == "sheet_no_header_seen" and likeliest is None:
                likeliest = exc
            continue
        if sheet is not None:
            best = found
            continue
        if best is None or len(found.table) > len(best.table):
            best = found
    if best is None and by_header and sheet is None:
        best = _customers_after_all(by_header, path, rules, as_of)
        if best is not None:
            records = {
                kind: [r for r in found_records if r.sheet != best.sheet]
                for kind, found_records in records.items()
            }
    if best is not None:
        found = attach(best, {kind: _one_of(records[kind]) for kind in RECORD_KINDS})
        found.problems.extend(unread)
        return found
    if nameless is not None:
        raise nameless
    if sheet is not None:
        if names:
            raise LedgerError("no_sheet", path=path, sheet=sheet, sheets=", ".join(names))
        raise LedgerError("no_sheet_none", path=path, sheet=sheet)
    if not names:
        raise LedgerError("no_worksheets", path=path)
    if likeliest is not None:
        raise LedgerError("no_header_seen", **likeliest.values)
    raise LedgerError("no_header", path=path, need=rules["reader"]["header_min_matches"])
