"""From a sheet's raw cells to a typed customer table: header detection, column mapping,
value parsing, skipped rows, duplicate ids — and every data problem with its place.

Pure: the caller (``kqexcel.io.ledger``) gets the raw rows out of a file.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process

from kqexcel.core import values as V
from kqexcel.errors import LedgerError
from kqexcel.rules import EXCEL_COLUMNS, Rules, header_norm, without_fillers

HEADER_UNITS = {
    **V.UNITS,
    "rmb": 1.0,
    "cny": 1.0,
}  # the units a value may carry, and currency codes
_REPEAT = re.compile("′+$|′\\d+$")  # the mark repeat_name gives a carried-through column
CARRIED = "carried:"  # prefix of carried-through columns in Ledger.table (see carried_key)
PLAN_ROOM = 64  # columns kept free for the plan's own (about 31) beside the carried-through ones
HEADER_MAX = 256  # a header cell longer than this names no field (headers are a few words)
FIELD_DTYPES = {
    "text": object,
    "code": object,
    "yesno": object,
    "numbers": object,
    "money": float,
    "ratio": float,
    "number": float,
    "integer": float,
    "date": "datetime64[ns]",
}


@dataclass(frozen=True)
class Problem:
    """A data problem (unreadable value or row) or a data gap (missing data that limits an
    assessment), with its place as Excel shows it."""

    file: str
    sheet: str
    row: int | None
    column: str | None
    value: Any
    reason: str
    kind: str = "problem"  # "problem" | "gap" | "info" (what was understood, no problem)
    detail: str = ""
    reading: Reading | None = field(default=None, compare=False)  # a "columns_read" line's


@dataclass(frozen=True)
class Reading:
    """What was understood of one sheet, said once per file (on screen and in Issues): the Excel
    rows of its header (two for a two-row header), every column as read, and for each column
    that names no field the field its header comes nearest to (None: none is near enough)."""

    header_rows: tuple[int, ...]
    columns: tuple[Column, ...]
    suggestions: tuple[str | None, ...]  # one per column
    kind: str = "customers"  # the kind of sheet (DOMAIN §10), whose field labels name columns


@dataclass(frozen=True)
class LeftOut:
    """The last cell of a row the reader cut short (a CSV row wider than any sheet): ``count``
    more columns, up to the last filled one, followed in the file."""

    count: int


@dataclass
class Column:
    """One column of the sheet: its header as written, the field it maps to (None: carried)."""

    index: int
    header: str
    field: str | None
    scale: float = 1.0
    percent: bool = False
    how: str = ""  # how the header matched (HeaderMatch.how); "repeat": a field read already
    claims: tuple[str, ...] = ()  # the fields an unclear header could name (none taken)

    @property
    def letter(self) -> str:
        return column_letter(self.index)

    @property
    def place(self) -> str:
        """The column as a problem names it: its header and letter, 年销售额 (G)."""
        return f"{self.header} ({self.letter})"


@dataclass
class Ledger:
    """A typed customer table: one column per known field (all fields present, missing ones
    empty), ``_row`` (Excel row number), the carried-through columns, and the problems."""

    file: str
    sheet: str
    header_row: int
    columns: list[Column]
    table: pd.DataFrame
    carried: list[str]
    problems: list[Problem] = field(default_factory=list)
    sources: dict[str, list[Column]] = field(default_factory=dict)  # combined: each file's columns
    # [§10] the customer file's other sheets (None: the file has none), typed like the customers;
    # their column "_link" names the customer file their rows belong to (None: any customer)
    log: Ledger | None = None
    contacts: Ledger | None = None
    orders: Ledger | None = None  # [§11]

    @property
    def others(self) -> dict[str, Ledger]:
        """The customer file's other sheets it has, by kind (RECORD_KINDS order)."""
        found = {kind: getattr(self, kind) for kind in RECORD_KINDS}
        return {kind: sheet for kind, sheet in found.items() if sheet is not None}

    @property
    def mapped(self) -> dict[str, Column]:
        return self.mapped_in(self.file)

    @property
    def columns_by_file(self) -> dict[str, list[Column]]:
        """Each file's columns (one ledger: its own; a combined one: every file's)."""
        return self.sources or {self.file: self.columns}

    @property
    def every_column(self) -> list[Column]:
        """The columns of every sheet the ledger was read from."""
        return [c for columns in self.columns_by_file.values() for c in columns]

    def mapped_in(self, file: str) -> dict[str, Column]:
        """The field → column map of the sheet ``file`` was read from (combined ledgers too)."""
        columns = self.sources.get(file, self.columns)
        return {c.field: c for c in columns if c.field}

    def relabel(self, file: str) -> Ledger:
        """The same ledger known by another file label (a report names files by their path)."""
        from dataclasses import replace

        old = self.file
        self.table["_file"] = file
        self.problems = [replace(p, file=file if p.file == old else p.file) for p in self.problems]
        for other in self.others.values():
            if other is not None:
                other.table["_link"] = other.table["_link"].where(other.table["_link"] != old, file)
                other.table["_file"] = other.table["_file"].where(other.table["_file"] != old, file)
        self.file = file
        return self

    def with_sheets(self, sheets: dict[str, Ledger | None]) -> Ledger:
        """This ledger with the customer file's other sheets, by kind (each, when given,
        replacing the one it had; ``None`` keeps it)."""
        from dataclasses import replace

        given: dict[str, Any] = {k: sheet for k, sheet in sheets.items() if sheet is not None}
        return replace(self, **given)


# [§10, §11] the customer file's other sheets, in the order they are read and reported
RECORD_KINDS = ("log", "contacts", "orders")


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def column_cap(rules: Rules) -> int:
    """How many columns of a sheet are read: the rules' limit, and room for the plan's own
    columns within an Excel row."""
    return max(1, min(int(rules["safety"]["max_columns"]), EXCEL_COLUMNS - PLAN_ROOM))


@dataclass(frozen=True)
class HeaderMatch:
    """What a header cell names: its field (None: carried through), the unit's multiplier and
    percent flag, how it matched ("mapped": a company's ``[columns]`` or ``--map``; "exact": a
    spelling of the field; "stem": a spelling among filler words, 上次拜访时间), and the fields
    it could name when that is more than one (such a header is not guessed: it is reported)."""

    field: str | None
    scale: float = 1.0
    percent: bool = False
    how: str = ""
    claims: tuple[str, ...] = ()


NO_MATCH = HeaderMatch(None)


def header_key(cell: object) -> tuple[str, float, bool, str] | None:
    """A header cell as the matching key (units, brackets, annotations and spaces removed), with
    the unit's multiplier and percent flag, and the cell's own key (only normalised, as a
    company's ``[columns]`` names it); None for a cell that is no header."""
    if cell is None or isinstance(cell, LeftOut):
        return None
    if type(cell) is str and len(cell) <= HEADER_MAX:
        return _text_header_key(cell)  # remembered for the process: every ledger's headers
    return _header_key(str(cell))


@functools.lru_cache(maxsize=65536)
def _text_header_key(text: str) -> tuple[str, float, bool, str] | None:
    return _header_key(text)


def _header_key(text: str) -> tuple[str, float, bool, str] | None:
    if len(text) > HEADER_MAX and len(text := text.strip()) > HEADER_MAX:
        return None  # a note of 32,767 characters is not normalised to find out
    text = unicodedata.normalize("NFKC", text).strip().casefold().rstrip(V.LABEL_END).strip()
    if not text:
        return None
    scale, percent = 1.0, False
    whole = header_norm(text)
    match = V.HEADER_UNIT.match(text)
    if match and match["name"]:
        unit = match["unit"] or match["unit2"]
        text = match["name"]
        if unit == "%":
            percent = True
        else:
            scale = HEADER_UNITS[unit]
    bare = V.HEADER_ANNOTATION.sub("", text).strip().rstrip(V.LABEL_END)
    key = header_norm(bare or text)
    return (key, scale, percent, whole) if key else None


def header_names(cell: object) -> tuple[str, ...]:
    """The keys a company's ``[columns]`` or ``--map`` may name a header cell by: as written, and
    without its unit and annotations (合同额（万元） is 合同额 too)."""
    found = header_key(cell)
    return () if found is None else (found[3], found[0])


MATCH_CACHE_MOST = 50_000  # header cells remembered per rules (a batch repeats its headers)


def header_match(cell: object, rules: Rules) -> HeaderMatch:
    """The field a header cell names (DOMAIN.md §1): a spelling of one field, or a spelling of
    exactly one field among the rules' filler words (``reader.header_fillers``). A text cell's
    answer is remembered: every ledger of a batch, and every kind of sheet tried on a sheet,
    asks about the same headers."""
    if type(cell) is str:
        cache = rules.match_cache
        found = cache.get(cell)
        if found is None:
            found = _header_match(cell, rules)
            if len(cache) < MATCH_CACHE_MOST:
                cache[cell] = found
        return found
    return _header_match(cell, rules)


def _header_match(cell: object, rules: Rules) -> HeaderMatch:
    found = header_key(cell)
    if found is None:
        return NO_MATCH
    key, scale, percent, whole = found
    mapped = next((rules.column_map[n] for n in (whole, key) if n in rules.column_map), None)
    if mapped:  # a company's own header ([columns], --map): no synonym overrides it
        return HeaderMatch(None if mapped == "-" else mapped, scale, percent, "mapped")
    exact = rules.header_lookup.get(key)
    if exact:
        return HeaderMatch(exact, scale, percent, "exact")
    if key in rules.foreign_headers:  # another sheet's field exactly: no stem of one here
        return HeaderMatch(None, scale, percent)
    claims = _stem_claims(key, rules)
    if len(claims) == 1:
        return HeaderMatch(claims[0], scale, percent, "stem")
    return HeaderMatch(None, scale, percent, "", claims)


def _stem_claims(key: str, rules: Rules) -> tuple[str, ...]:
    """The fields with a spelling inside ``key`` whose other words are all fillers."""
    cache = rules.header_cache
    if key not in cache:
        fillers = rules.header_fillers
        fields = {
            fld
            for spelling, fld in rules.header_lookup.items()
            if len(spelling) >= 2
            and spelling in key
            and _only_fillers(key.replace(spelling, "", 1), fillers)
        }
        order = list(rules["fields"])
        cache[key] = tuple(sorted(fields, key=order.index))
    return cache[key]


def _only_fillers(rest: str, fillers: tuple[str, ...]) -> bool:
    """Whether ``rest`` is made of filler words only (and at least one)."""
    if not rest:
        return False
    ends = {0}
    for start in range(len(rest)):
        if start in ends:
            ends.update(start + len(f) for f in fillers if rest.startswith(f, start))
    return len(rest) in ends


def header_field(cell: object, rules: Rules) -> tuple[str | None, float, bool]:
    """The field a header cell names (or None), with its unit multiplier and percent flag."""
    match = header_match(cell, rules)
    return match.field, match.scale, match.percent


def row_empty(row: Sequence[object]) -> bool:
    """Nothing but blanks, or formulas never calculated (a template filled down with formulas).
    A loop that stops at the first value: most rows are decided by their first cell."""
    for c in row:
        if c is None:
            continue
        if isinstance(c, str):
            if c.strip():
                return False
        elif not (isinstance(c, V.CellError) and c.reason == "formula_no_value"):
            return False
    return True


def find_header(rows: Sequence[Sequence[object]], rules: Rules) -> int | None:
    """Index of the header row: the best-matching of the first N non-empty rows (≥ min matches)."""
    reader = rules["reader"]
    cap = column_cap(rules)
    best, best_count, seen = None, 0, 0
    for index, row in enumerate(rows):
        if row_empty(row):
            continue
        seen += 1
        fields = {header_field(c, rules)[0] for c in row[:cap]} - {None}
        if len(fields) > best_count:
            best, best_count = index, len(fields)
        if seen >= reader["header_scan_rows"]:
            break
    return best if best_count >= reader["header_min_matches"] else None


def _filled(cell: object) -> bool:
    return cell is not None and not (isinstance(cell, str) and not cell.strip())


def _fields(row: Sequence[object], rules: Rules) -> dict[int, str]:
    return {j: f for j, c in enumerate(row) if (f := header_field(c, rules)[0]) is not None}


def two_row_header(
    rows: Sequence[Sequence[object]], header: int, rules: Rules
) -> tuple[Sequence[Sequence[object]], int]:
    """A header over two rows (客户名称 merged down over both, 跟进情况 merged across above
    最近联系日期 / 购买意向 …, or the same with the texts repeated instead of merged) read as one:
    each column's lower cell, or its upper one where the lower is empty. Taken only when the
    rows together name more fields than either alone, both hold text only, and together they
    still name the customer-name column (a customer row under a plain header puts a name there,
    not a header). Returns the rows
    (the lower header row replaced by the combined one) and the index of the row the customers
    start under."""
    cap = column_cap(rules)
    for up, low in ((header, header + 1), (header - 1, header)):
        if up < 0 or low >= len(rows):
            continue
        upper, lower = list(rows[up][:cap]), list(rows[low][:cap])
        if not all(isinstance(c, str) for c in upper + lower if _filled(c)):
            continue
        width = max(len(upper), len(lower))
        upper += [None] * (width - len(upper))
        lower += [None] * (width - len(lower))
        both = [lo if _filled(lo) else hi for hi, lo in zip(upper, lower, strict=True)]
        found = _fields(both, rules)
        if KIND_REQUIRED[rules.kind][0] not in found.values():  # a record under a plain header
            continue
        alone = max(
            len(set(_fields(upper, rules).values())), len(set(_fields(lower, rules).values()))
        )
        if len(set(found.values())) > alone and _filled_count(lower) and _filled_count(upper):
            combined = list(rows)
            combined[low] = both
            return combined, low
    return rows, header


def _filled_count(row: Sequence[object]) -> int:
    return sum(1 for c in row if _filled(c))


def header_candidate(rows: Sequence[Sequence[object]], rules: Rules) -> tuple[int, str] | None:
    """The row that looks most like a header when none is recognisable (the most known fields,
    then the most texts, among the rows the header is searched in): its Excel row number and its
    cells as a person reads them ("店名, 负责销售, 营收 …"); None for a sheet without text."""
    best: tuple[int, int, int] | None = None  # fields, texts, index
    seen, cap = 0, column_cap(rules)
    for index, row in enumerate(rows):
        if row_empty(row):
            continue
        seen += 1
        cells = row[:cap]
        texts = sum(1 for c in cells if isinstance(c, str) and c.strip())
        fields = len({header_field(c, rules)[0] for c in cells} - {None})
        if texts and (best is None or (fields, texts) > best[:2]):
            best = (fields, texts, index)
        if seen >= rules["reader"]["header_scan_rows"]:
            break
    if best is None:
        return None
    shown = [str(c).strip()[:20] for c in rows[best[2]][:cap] if _filled(c)]
    return best[2] + 1, ", ".join(shown[:12]) + (" …" if len(shown) > 12 else "")


def _parsers(
    rules: Rules, vocab: V.Vocabulary, column: Column, dates: tuple[Any, bool] = (None, False)
) -> Any:
    """The parser of a column's field; ``dates``: as_of (the year of a date written without one)
    and whether plain numbers are Excel serials (a formula's arguments)."""
    kind = rules["fields"][column.field]["type"]
    if kind == "text":
        return partial(V.parse_text, vocab=vocab)
    if kind == "code":
        lookup = rules.code_lookup[str(column.field)]
        return partial(V.parse_code, vocab=vocab, lookup=lookup)
    if kind == "money":
        return partial(V.parse_money, vocab=vocab, scale=column.scale)
    if kind == "ratio":
        return partial(V.parse_ratio, vocab=vocab, percent_points=column.percent)
    if kind == "number":
        return partial(V.parse_number, vocab=vocab, scale=column.scale)
    if kind == "integer":
        return partial(V.parse_integer, vocab=vocab)
    if kind == "date":
        return partial(V.parse_date, vocab=vocab, as_of=dates[0], serials=dates[1])
    if kind == "yesno":
        return partial(V.parse_yesno, vocab=vocab)
    if kind == "numbers":
        return partial(V.parse_numbers, vocab=vocab, scale=column.scale)
    raise ValueError(kind)  # pragma: no cover - the rules loader checks types


def vocabulary(rules: Rules) -> V.Vocabulary:
    reader = rules["reader"]
    return V.Vocabulary(
        reader["placeholders"], reader["yes"], reader["no"], reader["date_suffixes"]
    )


def normalise(
    rows: Sequence[Sequence[object]],
    header_index: int,
    rules: Rules,
    file: str,
    sheet: str,
    row_offset: int = 1,
    as_of: dt.date | None = None,
    serials: bool = False,
) -> Ledger:
    """Type the customer rows under ``rows[header_index]``. ``row_offset`` is the Excel row
    number of ``rows[0]``; ``as_of`` places a date written without its year; ``serials`` reads
    plain numbers in date columns as Excel serials (a formula's arguments, never a sheet's)."""
    cap = column_cap(rules)
    problems: list[Problem] = []
    dropped = _dropped_columns(rows[header_index], cap)
    if dropped:
        first, last = column_letter(cap), column_letter(cap + dropped - 1)
        at = (file, sheet, row_offset + header_index, f"{first}–{last}")
        problems.append(Problem(*at, None, "too_many_columns", detail=f"{dropped:,}"))
    columns = _map_columns(rows[header_index][:cap], rules)
    width = max((c.index for c in columns), default=-1) + 1
    mapped = {c.field: c for c in columns if c.field}
    key_cells = [c.index for c in (mapped.get("name"), mapped.get("customer_id")) if c]
    by_column, kept = _body(rows[header_index + 1 :], width, key_cells, rules)
    row_numbers = (kept + header_index + 1 + row_offset).tolist()
    body = row_numbers  # one per customer row (its length is what counts below)

    data: dict[str, Any] = {
        "_row": np.array(row_numbers, dtype=np.int64),
        "_file": pd.Series([file] * len(body), dtype=object),
        "_sheet": pd.Series([sheet] * len(body), dtype=object),
    }
    vocab = vocabulary(rules)
    for fld, spec in rules["fields"].items():
        column = mapped.get(fld)
        dtype = FIELD_DTYPES[spec["type"]]
        if column is None or not body:
            data[fld] = pd.Series([None] * len(body), dtype=dtype)
            continue
        parsers = _parsers(rules, vocab, column, (as_of, serials))
        where = (file, sheet, row_numbers)
        data[fld] = _typed(list(by_column[column.index]), column, parsers, dtype, where, problems)
    carried = _carry(columns, by_column, data)
    table = pd.DataFrame(data)
    if rules.kind == "customers":
        keep = _keep(table, mapped, (file, sheet, row_numbers), problems)
    else:
        keep = _keep_records(table, mapped, (file, sheet, row_numbers), problems, rules.kind)
        table["_link"] = pd.Series([file] * len(table), dtype=object)
    table = table[keep].reset_index(drop=True)
    problems.sort(key=lambda p: (p.row or 0, p.column or ""))
    return Ledger(file, sheet, row_offset + header_index, columns, table, carried, problems)


def _map_columns(header: Sequence[object], rules: Rules) -> list[Column]:
    """The header's columns, each with the field it names (the first column for a field wins;
    a second one is carried through untouched)."""
    columns: list[Column] = []
    used: set[str] = set()
    for index, cell in enumerate(header):
        name = str(cell).strip() if cell is not None else ""
        match = header_match(cell, rules)
        fld, how, claims = match.field, match.how, match.claims
        if fld is not None and fld in used:
            how, claims, fld = "repeat", (fld,), None
        if fld:
            used.add(fld)
        if fld or name:
            letter = name or column_letter(index)
            columns.append(Column(index, letter, fld, match.scale, match.percent, how, claims))
    return columns


def _body(
    rows: Sequence[Sequence[object]], width: int, key_cells: list[int], rules: Rules
) -> tuple[list[list[object]], np.ndarray]:
    """The columns of the rows kept under the header (each row cut or padded to ``width``) and
    their positions among ``rows``: empty rows (``row_empty``) and total rows (``_total_rows``)
    left out. Decided column by column, each distinct value of a column once (a log of a
    million rows holds a few thousand distinct values a column), not row by row."""
    n = len(rows)
    if not n or not width:
        return [[] for _ in range(width)], np.zeros(0, dtype=np.int64)
    columns = _as_columns(rows, width)
    empty = np.ones(n, dtype=bool)
    filled = np.zeros((width, n), dtype=bool)
    codes: list[np.ndarray] = []
    uniques: list[np.ndarray] = []
    for j, column in enumerate(columns):
        found, distinct = pd.factorize(column)  # None (and NaN) → -1: a blank cell
        distinct = np.asarray(distinct, dtype=object)
        blank = np.array([row_empty((u,)) for u in distinct] + [True], dtype=bool)
        full = np.array([_filled(u) for u in distinct] + [False], dtype=bool)
        empty &= blank[found]
        filled[j] = full[found]
        codes.append(found)
        uniques.append(distinct)
    total_word = _total_rows(rules, key_cells, words_only=True)
    total = np.zeros(n, dtype=bool)

    def words(j: int, at: np.ndarray | None = None) -> np.ndarray:
        """Whether column ``j``'s cell is a total word, for every row (or the rows ``at``)."""
        found = codes[j] if at is None else codes[j][at]
        wanted = np.unique(found[found >= 0])
        table = np.zeros(len(uniques[j]) + 1, dtype=bool)
        table[wanted] = [total_word(u) for u in uniques[j][wanted]]
        return table[found]

    for j in key_cells:
        total |= words(j)
    first = filled.argmax(axis=0)  # the row's first filled cell: a total word there too
    for j in np.unique(first[filled.any(axis=0) & ~empty]).tolist():
        if j in key_cells:
            continue
        at = np.flatnonzero((first == j) & filled[j])
        total[at] |= words(j, at)
    kept = np.flatnonzero(~empty & ~total)
    return [column[kept].tolist() for column in columns], kept


def _as_columns(rows: Sequence[Sequence[object]], width: int) -> list[np.ndarray]:
    """``rows`` cut or padded to ``width`` cells, as one object array per column. Rows of one
    length (calamine's) become one 2-D array at once, five times faster than transposing."""
    lengths = set(map(len, rows))
    if len(lengths) == 1 and (length := lengths.pop()) > 0:
        grid = np.empty((len(rows), length), dtype=object)
        grid[:] = rows  # cell by cell, never splitting a cell that is itself a sequence
        if length < width:
            grid = np.hstack([grid, np.full((len(rows), width - length), None, dtype=object)])
        return [grid[:, j] for j in range(width)]
    fixed = [r if len(r) == width else list(r[:width]) + [None] * (width - len(r)) for r in rows]
    return [np.array(c, dtype=object) for c in zip(*fixed, strict=True)]


def _total_rows(
    rules: Rules, key_cells: list[int], words_only: bool = False
) -> Callable[[Any], bool]:
    """A test for 合计 / 总计 / 小计 / Total rows: the word in the name or id cell, or as the
    row's first value (``words_only``: the test of one cell for the word)."""
    totals = {header_norm(w) for w in rules["reader"]["total_row_words"]}
    longest = max((len(w) for w in totals), default=0) + 6
    firsts = {w[0] for w in totals if w}
    starts: dict[str, bool] = {}  # a cell's first character → whether a total word may follow

    def total_word(cell: object) -> bool:
        if not isinstance(cell, str) or not 0 < len(cell) <= longest:
            return False
        ok = starts.get(cell[0])
        if ok is None:
            c = cell[0]
            ok = starts[c] = c.isspace() or unicodedata.normalize("NFKC", c).casefold() in firsts
        if not ok:  # the usual case, decided by one lookup: K000123, 客户1号 …
            return False
        first = cell.lstrip()[:1]
        if unicodedata.normalize("NFKC", first).casefold() not in firsts:
            return False
        return header_norm(cell).rstrip(V.COLONS) in totals

    def is_total(row: Sequence[object]) -> bool:
        for index in key_cells:
            if total_word(row[index]):
                return True
        for cell in row:
            if _filled(cell):
                return total_word(cell)
        return False

    return total_word if words_only else is_total


Where = tuple[str, str, list[int]]  # file, sheet and the Excel row number of each body row

# [§1, §10] each kind of sheet: the field every row needs (a row without it is left out) and the
# fields of which its header must name one (besides a customer key) to be read as that kind
KIND_REQUIRED: dict[str, tuple[str, tuple[str, ...]]] = {
    "customers": ("name", ()),
    "log": ("date", ("channel", "content", "result", "next_date")),
    "contacts": ("person", ("title", "level", "role", "insider")),
    "orders": ("date", ("amount",)),
}
# the fields a record cannot go without, each with the reason its empty cell is reported under
KIND_MISSING = {
    "log": {"date": "missing_date"},
    "contacts": {"person": "missing_person"},
    "orders": {"date": "missing_order_date", "amount": "missing_amount"},
}


def _typed(
    raw: list[Any],
    column: Column,
    parsers: Any,
    dtype: Any,
    where: Where,
    problems: list[Problem],
) -> pd.Series:
    """One field's column parsed; every unreadable cell (and error value) becomes a problem."""
    file, sheet, row_numbers = where
    place = column.place
    kinds = set(map(type, raw))
    if V.CellError in kinds:
        for i, value in enumerate(raw):
            if isinstance(value, V.CellError):  # an error value or a formula without a result
                problems.append(
                    Problem(file, sheet, row_numbers[i], place, repr(value), value.reason)
                )
                raw[i] = None
    codes, parsed, reasons = V.parse_distinct(raw, parsers, bool in kinds)
    bad = np.array([bool(r) for r in reasons], dtype=bool)
    for i in np.flatnonzero(bad[codes]).tolist():  # only the rows with a problem
        problems.append(Problem(file, sheet, row_numbers[i], place, raw[i], reasons[codes[i]]))
    if dtype == "datetime64[ns]":  # each distinct date converted once
        dates = pd.to_datetime(pd.Series(parsed, dtype=object)).astype("datetime64[ns]")
        return pd.Series(dates.to_numpy()[codes])
    if dtype is object:
        return pd.Series(parsed[codes], dtype=object)
    return pd.Series(pd.Series(parsed, dtype=dtype).to_numpy()[codes])


def _carry(columns: list[Column], by_column: list[Any], data: dict[str, Any]) -> list[str]:
    """The columns that name no field, carried through as they are (into ``data``); repeated
    headers get repeat marks. Returns their names."""
    carried: list[str] = []
    taken: set[str] = set()
    primes: dict[str, int] = {}  # header → primes its next repeat starts from
    for column in columns:
        if column.field is None:
            name = column.header
            if name in taken:
                count = primes.get(name, 1)
                while (name := repeat_name(column.header, count, "′")) in taken:
                    count += 1
                primes[column.header] = count + 1
            taken.add(name)
            carried.append(name)
            values = by_column[column.index] if by_column else ()
            texts: dict[str, str] = {}  # equal texts one object (a column of few values) [8/8]
            data[carried_key(name)] = pd.Series([_carried(v, texts) for v in values], dtype=object)
    return carried


def _carried(value: Any, texts: dict[str, str]) -> Any:
    """A carried cell as the plan shows it: an unreadable cell's text, nothing for an empty
    one, a text as the first equal text of its column (``texts``), any other value as it is."""
    if isinstance(value, V.CellError):
        return value.text or None
    if value == "":
        return None
    return texts.setdefault(value, value) if type(value) is str else value


def _keep(
    table: pd.DataFrame, mapped: dict[str, Column], where: Where, problems: list[Problem]
) -> np.ndarray:
    """The rows kept: a row without a name, or repeating an earlier row's customer id, is left
    out with a problem."""
    file, sheet, row_numbers = where
    keep = np.ones(len(table), dtype=bool)
    name_col, id_col = mapped.get("name"), mapped.get("customer_id")
    if name_col is not None:  # the reader refuses sheets without a name column anyway
        missing = table["name"].isna().to_numpy()
        place = name_col.place
        for i in map(int, np.flatnonzero(missing)):
            problems.append(Problem(file, sheet, int(row_numbers[i]), place, None, "missing_name"))
        keep &= ~missing
    if id_col is not None:
        ids = table["customer_id"].where(keep)  # a row left out for its missing name claims no id
        first = ids.notna() & ~ids.duplicated(keep="first")
        dup = ids.notna() & ~first
        first_row = dict(zip(ids[first], table["_row"][first], strict=True))
        place = id_col.place
        for i in map(int, np.flatnonzero(dup.to_numpy())):
            value = ids.iloc[i]
            problems.append(
                Problem(
                    file,
                    sheet,
                    int(row_numbers[i]),
                    place,
                    value,
                    "duplicate_id",
                    detail=str(first_row[value]),
                )
            )
        keep &= ~dup.to_numpy()
    return keep


def _keep_records(
    table: pd.DataFrame, mapped: dict[str, Column], where: Where, problems: list[Problem], kind: str
) -> np.ndarray:
    """The rows of a log, contacts or orders sheet kept: a row without a required field (the
    date, the person, the amount) or without a customer (neither id nor name) is left out with a
    problem (one per row: an unreadable cell said already is not said again)."""
    file, sheet, row_numbers = where
    missing = np.zeros(len(table), dtype=bool)
    for required, reason in KIND_MISSING[kind].items():
        empty = table[required].isna().to_numpy() & ~missing
        column = mapped.get(required)
        place = column.place if column else None
        said = {p.row for p in problems if p.column == place}  # unreadable: said already, once
        for i in map(int, np.flatnonzero(empty)):
            if int(row_numbers[i]) not in said:
                problems.append(Problem(file, sheet, int(row_numbers[i]), place, None, reason))
        missing |= empty
    nobody = (table["customer_id"].isna() & table["name"].isna()).to_numpy() & ~missing
    key = mapped.get("customer_id") or mapped.get("name")
    place = key.place if key else None
    for i in map(int, np.flatnonzero(nobody)):
        problems.append(Problem(file, sheet, int(row_numbers[i]), place, None, "no_customer"))
    return ~(missing | nobody)


class NoHeaderRow(LedgerError):
    """No row of the sheet names at least ``reader.header_min_matches`` known columns."""


class NoNameColumn(LedgerError):
    """The sheet has a header, but no column of customer names (a summary sheet?)."""


class TooManyRows(LedgerError):
    """More customer rows than ``safety.max_rows`` allows."""


def ledger_from_rows(
    rows: Sequence[Sequence[object]],
    rules: Rules,
    file: str,
    sheet: str,
    shown: str | None = None,
    as_of: dt.date | None = None,
) -> Ledger:
    """The ledger of one sheet's raw ``rows`` (``rows[0]`` is Excel row 1): header found, rows
    typed, a name column required. Every door (file reader, formulas, button) goes through here.
    ``shown`` is the file as the errors name it (default: ``file``); ``as_of`` gives a date
    written without its year the year nearest to it (DOMAIN.md §1)."""
    where = {"path": shown or file, "sheet": sheet}
    rows, header, header_rows = _header_of(rows, rules)
    if header is None:
        need = rules["reader"]["header_min_matches"]
        candidate = header_candidate(rows, rules)
        if candidate is None:
            raise NoHeaderRow("sheet_no_header", **where, need=need)
        row, seen = candidate
        raise NoHeaderRow("sheet_no_header_seen", **where, need=need, row=row, seen=seen)
    _refuse_too_many(rows, header, rules, where)
    ledger = normalise(rows, header, rules, file, sheet, as_of=as_of)
    if "name" not in ledger.mapped:
        raise NoNameColumn("sheet_no_name_column", **where)
    return _said(ledger, header_rows, rules)


def _header_of(
    rows: Sequence[Sequence[object]], rules: Rules
) -> tuple[Sequence[Sequence[object]], int | None, tuple[int, ...]]:
    """The rows (a two-row header made one), the index of the header row (None: none found)
    and the Excel rows the header was read from."""
    header = find_header(rows, rules)
    if header is None:
        return rows, None, ()
    found, header = two_row_header(rows, header, rules)
    return found, header, (header, header + 1) if found is not rows else (header + 1,)


def _refuse_too_many(
    rows: Sequence[Sequence[object]],
    header: int,
    rules: Rules,
    where: dict[str, str],
    records: bool = False,
) -> None:
    """More filled rows under the header than ``safety.max_rows`` (a log, contacts or orders
    sheet: ``safety.max_record_rows``): refused."""
    key = "max_record_rows" if records else "max_rows"
    limit = rules["safety"][key]
    if len(rows) - header - 1 > limit:
        filled = sum(1 for row in rows[header + 1 :] if any(c is not None and c != "" for c in row))
        if filled > limit:
            reason = "sheet_too_many_records" if records else "sheet_too_many_rows"
            raise TooManyRows(reason, **where, rows=filled, limit=limit)


def _said(sheet_read: Ledger, header_rows: tuple[int, ...], rules: Rules) -> Ledger:
    """``sheet_read`` with its line saying what was understood of it, first among its problems."""
    said = reading(sheet_read.columns, header_rows, rules)
    at = (sheet_read.file, sheet_read.sheet, sheet_read.header_row, None, None, "columns_read")
    sheet_read.problems.insert(0, Problem(*at, kind="info", reading=said))
    return sheet_read


def sheet_kind(rows: Sequence[Sequence[object]], rules: Rules) -> str | None:
    """The kind of sheet (DOMAIN §10) the header of ``rows`` says: "log" or "contacts" when,
    found as in §1 over that kind's fields, it names the kind's required field, one of its
    telling fields and a customer key — unless it names at least as many of the customer
    sheet's own fields (a ledger with 联系人 and 职务 columns beside its 年销售额, 最近联系日期 …
    is still the customer sheet); None (the customer sheet, perhaps) otherwise."""
    keys = {"customer_id", "name"}
    for kind in RECORD_KINDS:
        view = rules.for_kind(kind)
        header = find_header(rows, view)
        if header is None:
            continue
        fields = {header_field(c, view)[0] for c in rows[header][: column_cap(view)]}
        required, telling = KIND_REQUIRED[kind]
        if required in fields and fields & set(telling) and fields & keys:
            own = find_header(rows, rules)
            if own is None:
                return kind
            ours = {header_field(c, rules)[0] for c in rows[own][: column_cap(rules)]}
            theirs, ours = fields - {None} - keys, ours - {None} - keys
            return None if len(ours - theirs) >= len(theirs - ours) else kind
    return None


class NotKindSheet(LedgerError):
    """A sheet named as a log or contacts sheet whose header does not say so."""


def records_from_rows(
    rows: Sequence[Sequence[object]],
    rules: Rules,
    kind: str,
    file: str,
    sheet: str,
    as_of: dt.date | None = None,
) -> Ledger:
    """The typed rows of a log or contacts sheet (DOMAIN §10), read as the customer sheet is (the
    header found over the kind's fields, the same parsers and problems); raises NotKindSheet when
    the header names no customer key or not the kind's required field."""
    view = rules.for_kind(kind)
    where = {"path": file, "sheet": sheet}
    need = rules["reader"]["header_min_matches"]
    rows, header, header_rows = _header_of(rows, view)
    if header is None:
        raise NotKindSheet("sheet_no_header", **where, need=need)
    _refuse_too_many(rows, header, rules, where, records=True)
    sheet_read = normalise(rows, header, view, file, sheet, as_of=as_of)
    mapped = sheet_read.mapped
    if not set(KIND_MISSING[kind]) <= set(mapped) or not {"customer_id", "name"} & set(mapped):
        raise NotKindSheet("sheet_no_header", **where, need=need)
    return _said(sheet_read, header_rows, view)


def reading(columns: Sequence[Column], header_rows: tuple[int, ...], rules: Rules) -> Reading:
    """What was understood of a sheet's ``columns``: for each one that names no field (and was
    not set aside by a company's mapping, or left unclear between fields), the field its header
    comes nearest to, by the fuzzy score against every spelling of the rules
    (``reader.header_suggest_score`` at least; filler words left out on both sides), as a
    suggestion for ``--map`` — unless that field is read already (年销售 beside 年销售额 is
    another year's figure, not the owner)."""
    taken = {c.field for c in columns if c.field}
    choices = rules.header_cores
    least = rules.numbers.reader.header_suggest_score
    spellings = list(choices) if least <= 100 else []  # 101: no suggestions
    suggestions: list[str | None] = []
    for column in columns:
        found = header_key(column.header)
        best = None
        if column.field is None and not column.how and not column.claims and found and spellings:
            key = without_fillers(found[0], rules.header_fillers)
            best = process.extractOne(key, spellings, scorer=fuzz.ratio, score_cutoff=least)
        nearest = choices[best[0]] if best else None
        suggestions.append(None if nearest in taken else nearest)
    return Reading(header_rows, tuple(columns), tuple(suggestions), rules.kind)


def _dropped_columns(header: Sequence[object], cap: int) -> int:
    """How many columns from ``cap`` on, up to the last filled header cell, are left out."""
    if header and isinstance(header[-1], LeftOut):  # filled cells beyond the last one kept
        return len(header) - 1 + header[-1].count - cap
    for index in range(len(header) - 1, cap - 1, -1):
        cell = header[index]
        if _filled(cell):
            return index - cap + 1
    return 0


def repeat_name(base: str, count: int, mark: str) -> str:
    """``base`` marked as its ``count``-th repeat: c′ c′′ c′′′ c′4 c′5 … (a sheet of 16,000 equal
    headers does not make names of 16,000 marks)."""
    return base + (mark * count if count <= 3 else f"{mark}{count}")


def carried_header(name: str) -> str:
    """The header a carried-through column was read under (its repeat mark taken off)."""
    return _REPEAT.sub("", name)


def carried_key(name: str) -> str:
    """The table column holding the carried-through column ``name``: kept apart from every field
    and plan key, so a ledger column headed "tier" or "warnings" cannot overwrite the plan's."""
    return CARRIED + name


def combine(ledgers: Sequence[Ledger], name: str = "") -> Ledger:
    """Several ledgers as one (a company-wide plan): rows and problems together, carried-through
    columns united; a customer_id already seen in an earlier ledger is a problem and left out."""
    if len(ledgers) == 1:
        return ledgers[0]
    tables = [ledger.table for ledger in ledgers]
    problems = [p for ledger in ledgers for p in ledger.problems]
    table = pd.concat(tables, ignore_index=True) if tables else pd.DataFrame()
    carried: list[str] = []
    for ledger in ledgers:
        carried += [c for c in ledger.carried if c not in carried]
    if len(table):
        ids = table["customer_id"]
        dup = (ids.notna() & ids.duplicated(keep="first")).to_numpy()
        seen: dict[Any, tuple[str, int]] = {}
        for k, (i, f, r) in enumerate(zip(ids, table["_file"], table["_row"], strict=True)):
            if i is None or isinstance(i, float):
                continue
            if i not in seen:
                seen[i] = (f, r)
            elif dup[k]:
                where = seen[i]
                problems.append(
                    Problem(
                        f,
                        str(table["_sheet"].iat[k]),
                        int(r),
                        None,
                        i,
                        "duplicate_id_across",
                        detail=f"{where[0]}:{where[1]}",
                    )
                )
        table = table[~dup].reset_index(drop=True)
    sources = {f: cols for ledger in ledgers for f, cols in ledger.columns_by_file.items()}
    log = combine_records([ledger.log for ledger in ledgers])
    contacts = combine_records([ledger.contacts for ledger in ledgers])
    orders = combine_records([ledger.orders for ledger in ledgers])
    return Ledger(name, "", 0, [], table, carried, problems, sources, log, contacts, orders)


def combine_records(sheets: Sequence[Ledger | None]) -> Ledger | None:
    """Several logs (or contacts sheets) as one: their rows together, each keeping its file,
    sheet, row and the customer file it belongs to (None when there are none). Their problems
    stay with the ledger that read them."""
    found = [s for s in sheets if s is not None]
    if not found:
        return None
    if len(found) == 1:
        return found[0]
    table = pd.concat([s.table for s in found], ignore_index=True)
    sources = {f: cols for s in found for f, cols in s.columns_by_file.items()}
    return Ledger(found[0].file, found[0].sheet, 0, [], table, [], [], sources)
