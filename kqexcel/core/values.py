"""Cell value parsers: what Chinese ledgers really hold → a value, or the reason it can't be read.

Every parser takes one raw cell value (as a reader gives it: str, float, int, bool, date,
datetime or None) and returns ``(value, reason)``: ``reason`` is None when the cell was read (the
value may be None for an empty cell or a placeholder) and a short English reason code otherwise.
They never raise. Columns are parsed with :func:`parse_column`, which calls the parser once per
distinct value, so a column of 100,000 repeated codes costs a handful of calls.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from typing import Any

Parsed = tuple[Any, str | None]

EXCEL_EPOCH = dt.date(1899, 12, 30)
UNITS = {
    "元": 1.0,
    "千元": 1e3,
    "千": 1e3,
    "万元": 1e4,
    "万": 1e4,
    "亿元": 1e8,
    "亿": 1e8,
    "k": 1e3,
    "m": 1e6,
    "w": 1e4,
}
# [§13] what may stand before a company suffix in a name: spaces, commas (ABC Co., Ltd.)
NAME_SEPARATORS = " ,\t，、"
_MONEY = re.compile(
    r"^(?P<neg>[-−]|\()?\s*(?:[¥$]|rmb|cny)?\s*(?P<neg2>[-−])?\s*"
    r"(?P<num>(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|\.\d+)\s*"
    r"(?P<unit>千元|万元|亿元|元|千|万|亿|k|m|w)?\s*(?:元|rmb|cny)?\s*\)?$"
)
_NUMBER = re.compile(
    r"^(?P<num>[-+−]?(?:(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|\.\d+))\s*(?P<unit>[年次人个名家]?)$"
)
_PERCENT = re.compile(r"^(?P<num>[-+−]?(?:\d+(?:\.\d+)?|\.\d+))\s*%$")
_DATE_SEP = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?$"
)
# a header's unit, 年销售额（万元） or Revenue (k): multiplier for money and numbers; "%" marks
# ratios given in percent points
HEADER_UNIT = re.compile(
    r"^(?P<name>.*?)\s*(?:[(（\[【]\s*(?:单位\s*[:：]\s*)?"
    r"(?P<unit>元|千元|万元|亿元|千|万|亿|k|m|%|rmb|cny)\s*[)）\]】]"
    r"|/\s*(?P<unit2>元|千元|万元|亿元|万|%))\s*$"
)
HEADER_ANNOTATION = re.compile(r"[(\[【<《][^)\]】>》]*[)\]】>》]")  # 客户名称(必填), 电话【选填】
COLONS = ":："  # a label's colon, half- or full-width (合计： is a total row)
LABEL_END = "*" + COLONS  # what may follow a header's words (客户名称*：)
_DATE_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
# a date without its year: 11月24日, 11-24, 11/24, 11.24 (month first, as Chinese ledgers write it)
_DATE_NO_YEAR = re.compile(r"^(\d{1,2})\s*(?:月\s*(\d{1,2})\s*[日号]?|[-/.]\s*(\d{1,2}))$")
_MONTH_DAY = re.compile(r"^(\d{1,2})\.(\d{1,2})$")  # a number as a rep types 9.17 (month.day)
_LIST_SEPS = re.compile(r"[;；、/\s]+")
_LIST_COMMAS = re.compile(r"[,，]+")


class CellError:
    """A cell that looks empty to a fast reader but is not: an error value (#N/A, #DIV/0!) or a
    formula whose result was never saved. The ledger reports it; its field counts as empty."""

    __slots__ = ("text", "reason")

    def __init__(self, text: str, reason: str) -> None:
        self.text, self.reason = text, reason

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return self.text or "=…"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, CellError) and (self.text, self.reason) == (
            other.text,
            other.reason,
        )

    def __hash__(self) -> int:
        return hash((self.text, self.reason))


# characters that show nothing (zero-width spaces and joiners, the BOM, direction marks, a soft
# hyphen): a cell of only these and spaces is empty, and they are trimmed from the ends of text
INVISIBLE = frozenset(
    "\u200b\u200c\u200d\u2060\u2061\u2062\u2063\u2064\ufeff\u00ad\u180e\u200e\u200f"
    "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)
# what str.strip() takes away, and the invisible characters: strip(_EDGE_CHARS) trims both, mixed
_EDGE_CHARS = "".join(c for c in map(chr, range(0x3001)) if c.isspace()) + "".join(
    sorted(INVISIBLE)
)


def trim(text: str) -> str:
    """Text without spaces or invisible characters at its ends."""
    return text.strip(_EDGE_CHARS)


def clean_text(value: object) -> str:
    """A raw cell as trimmed, NFKC-normalised text ('' for None)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return trim(unicodedata.normalize("NFKC", str(value)))


class Vocabulary:
    """The spellings that mean 'empty', 'yes' and 'no' (from the rules file)."""

    def __init__(
        self,
        placeholders: Iterable[str],
        yes: Iterable[str],
        no: Iterable[str],
        date_suffixes: Iterable[str] = (),
    ) -> None:
        self.placeholders = {clean_text(p).casefold() for p in placeholders}
        self.yes = {clean_text(p).casefold() for p in yes}
        self.no = {clean_text(p).casefold() for p in no}
        # words a date may carry after it (3.26到期, 12.31截止), longest first
        self.date_suffixes = sorted(
            {clean_text(p) for p in date_suffixes if p}, key=len, reverse=True
        )
        # a text longer than every placeholder (with room for spaces around it) is never one
        self.longest = max((len(p) for p in self.placeholders), default=0) + 8

    def is_blank(self, value: object) -> bool:
        """True for None, '' and the placeholders (-, 无, N/A, …)."""
        if value is None:
            return True
        if isinstance(value, str) and len(value) > self.longest:
            return not value.strip(_EDGE_CHARS)
        if isinstance(value, float) and math.isnan(value):
            return True
        text = clean_text(value).casefold()
        return text == "" or text in self.placeholders


def _finite(number: object) -> Parsed:
    """A finite float, or the reason it is none (NaN, infinite, too large for a float)."""
    try:
        result = float(number)  # type: ignore[arg-type]
    except (OverflowError, ValueError, TypeError):
        return None, "not_a_number"
    if math.isnan(result) or math.isinf(result):
        return None, "not_a_number"
    return result, None


def _scaled(number: float, scale: float, reason: str) -> Parsed:
    result = number * scale
    return (None, reason) if math.isinf(result) else (result, None)


def parse_number(value: object, vocab: Vocabulary, scale: float = 1.0) -> Parsed:
    """A plain number: 3, '3', '1,234', '3年'."""
    if isinstance(value, bool):
        return None, "not_a_number"
    if isinstance(value, (int, float)):
        number, reason = _finite(value)
        return (None, reason) if reason else _scaled(number, scale, "not_a_number")
    if vocab.is_blank(value):
        return None, None
    text = clean_text(value).casefold().replace("−", "-")
    match = _NUMBER.match(text)
    if not match:
        money, reason = parse_money(value, vocab, scale)
        return (money, None) if reason is None else (None, "not_a_number")
    number, reason = _finite(match["num"].replace(",", ""))
    return (None, reason) if reason else _scaled(number, scale, "not_a_number")


def parse_integer(value: object, vocab: Vocabulary) -> Parsed:
    """A whole number ≥ 0: 3, '3', '3人'."""
    number, reason = parse_number(value, vocab)
    if reason or number is None:
        return number, reason
    if number < 0 or not float(number).is_integer():
        return None, "not_a_whole_number"
    return int(number), None


def parse_money(value: object, vocab: Vocabulary, scale: float = 1.0) -> Parsed:
    """Money: 1234, '1,234', '¥1,234.50', '1.2万', '3亿', '(1,200)'.

    ``scale`` is the header's unit."""
    if isinstance(value, bool):
        return None, "not_money"
    if isinstance(value, (int, float)):
        number, reason = _finite(value)
        return (None, "not_money") if reason else _scaled(number, scale, "not_money")
    if vocab.is_blank(value):
        return None, None
    text = clean_text(value).casefold().replace(" ", "").replace("，", ",")
    match = _MONEY.match(text)
    if not match:
        return None, "not_money"
    if match["neg"] == "(" and not text.endswith(")"):
        return None, "not_money"
    number, reason = _finite(match["num"].replace(",", ""))
    if reason:
        return None, "not_money"
    unit = match["unit"]
    number, reason = _scaled(number, UNITS[unit] if unit else scale, "not_money")
    if reason:
        return None, reason
    if match["neg"] in ("-", "−", "(") or match["neg2"]:
        number = -number
    return number, None


def parse_ratio(value: object, vocab: Vocabulary, percent_points: bool = False) -> Parsed:
    """A ratio: 0.35, '35%', 35 (a bare number in (1, 100] is percent points).

    More than 100 is a problem."""
    if isinstance(value, bool):
        return None, "not_a_ratio"
    if not isinstance(value, (int, float)):
        if vocab.is_blank(value):
            return None, None
        text = clean_text(value).replace("−", "-")
        match = _PERCENT.match(text)
        if match:
            points, reason = _finite(match["num"])
            if reason:
                return None, "not_a_ratio"
            return (points / 100, None) if abs(points) <= 100 else (None, "ratio_out_of_range")
        number, reason = parse_number(text, vocab)
        if reason or number is None:
            return None, "not_a_ratio"
        value = number
    number, reason = _finite(value)
    if reason:
        return None, "not_a_ratio"
    if percent_points:  # a (%) header: every value is percent points
        return (number / 100, None) if abs(number) <= 100 else (None, "ratio_out_of_range")
    if abs(number) <= 1:
        return number, None
    if 1 < number <= 100:
        return number / 100, None
    return None, "ratio_out_of_range"


def _date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


DATE_MIN, DATE_MAX = dt.date(1900, 1, 1), dt.date(2199, 12, 31)  # what date arithmetic can hold


def parse_date(
    value: object, vocab: Vocabulary, as_of: dt.date | None = None, serials: bool = False
) -> Parsed:
    """A date (DOMAIN.md §1): Excel dates, '2026-11-03', '2026/11/3', '2026.11.3', '2026年11月3日',
    20261103; without a year ('11月24日', '11-24', '11/24', '11.24', or the number 9.17 as a rep
    types month.day) the year that puts it nearest to ``as_of`` (ties: the earlier). A suffix such
    as 到期 or 截止 (``vocab.date_suffixes``) is tolerated. A number whose decimals Excel may have
    cut (10.1: the 1st or the 10th?) is ``date_cut_decimals``; any other plain number is
    ``number_not_date`` — an Excel serial only where Excel hands dates over as numbers
    (``serials``: a formula's argument). A real date outside 1900–2199 (a placeholder like
    9999-12-31) is ``date_out_of_range``."""
    parsed, reason = _parse_date(value, vocab, as_of, serials)
    if parsed is not None and not DATE_MIN <= parsed <= DATE_MAX:
        return None, "date_out_of_range"
    return parsed, reason


def _parse_date(value: object, vocab: Vocabulary, as_of: dt.date | None, serials: bool) -> Parsed:
    if isinstance(value, dt.datetime):
        return value.date(), None
    if isinstance(value, dt.date):
        return value, None
    if isinstance(value, bool):
        return None, "not_a_date"
    if isinstance(value, (int, float)):
        if isinstance(value, float) and math.isnan(value):
            return None, None
        return _date_number(value, as_of, serials)
    if vocab.is_blank(value):
        return None, None
    text = clean_text(value)
    for suffix in vocab.date_suffixes:
        if text.endswith(suffix) and len(text) > len(suffix):
            text = text[: -len(suffix)].rstrip()
            break
    match = _DATE_SEP.match(text) or _DATE_COMPACT.match(text)
    if match:
        parsed = _date(int(match[1]), int(match[2]), int(match[3]))
        return (parsed, None) if parsed else (None, "not_a_date")
    if _MONTH_DAY.match(text):
        return _date_number(float(text), as_of, serials, text)
    match = _DATE_NO_YEAR.match(text)
    if match:
        return _nearest(int(match[1]), int(match[2] or match[3]), as_of)
    if re.fullmatch(r"\d+(\.\d+)?", text):
        return _date_number(float(text), as_of, serials)
    return None, "not_a_date"


def _date_number(
    value: float, as_of: dt.date | None, serials: bool, typed: str | None = None
) -> Parsed:
    """A number in a date column: yyyymmdd, month.day (9.17), or an Excel serial where a
    formula hands dates over as numbers; any other number is a problem, never a 1900 date."""
    if not -1e18 < value < 1e18:
        return None, "not_a_date"
    if float(value).is_integer() and 19000101 <= value <= 29991231:
        parsed = _date(int(value) // 10000, int(value) // 100 % 100, int(value) % 100)
        return (parsed, None) if parsed else (None, "not_a_date")
    if serials:
        if 1 <= value < 2958466:  # Excel serial day number (1900-01-01 … 9999-12-31)
            return EXCEL_EPOCH + dt.timedelta(days=int(value)), None
        return None, "not_a_date"
    match = _MONTH_DAY.match(typed or repr(float(value)))
    if match and not float(value).is_integer() and 1 <= int(match[1]) <= 12:
        month, digits = int(match[1]), match[2]
        if len(digits) == 1 and _date(2000, month, int(digits) * 10):
            return None, "date_cut_decimals"  # 10.1: as typed 10.1, or 10.10 with its 0 cut?
        return _nearest(month, int(digits), as_of)
    return None, "number_not_date"


def _nearest(month: int, day: int, as_of: dt.date | None) -> Parsed:
    """Month and day in the year that puts them nearest to ``as_of`` (ties: the earlier)."""
    if as_of is None:
        return (None, "date_without_year") if _date(2000, month, day) else (None, "not_a_date")
    candidates = [
        d for year in (as_of.year - 1, as_of.year, as_of.year + 1) if (d := _date(year, month, day))
    ]
    if not candidates:
        return None, "not_a_date"
    return min(candidates, key=lambda d: (abs((d - as_of).days), d)), None


def parse_yesno(value: object, vocab: Vocabulary) -> Parsed:
    """Yes/no: 是/否, 有/无, Y/N, yes/no, true/false, 1/0, √/× (无 means no here)."""
    if isinstance(value, bool):
        return value, None
    if value is None:
        return None, None
    text = clean_text(value).casefold()
    if text in vocab.yes:
        return True, None
    if text in vocab.no:
        return False, None
    if vocab.is_blank(value):
        return None, None
    return None, "not_yes_no"


def parse_numbers(value: object, vocab: Vocabulary, scale: float = 1.0) -> Parsed:
    """A list of numbers: '12;8;15', '12、8', '12 8', '12,8' (commas separate only when no other
    separator appears, else they group thousands). A single number is a list of one."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        number, reason = parse_number(value, vocab, scale)
        return (None, "not_a_number_list") if reason else ([number], None)
    if vocab.is_blank(value):
        return None, None
    text = clean_text(value).replace("，", ",")
    splitter = _LIST_SEPS if _LIST_SEPS.search(text) else _LIST_COMMAS
    items = [item for item in splitter.split(text) if item.strip(" ,")]
    numbers = []
    for item in items:
        number, reason = parse_number(item.strip(" ,"), vocab, scale)
        if reason or number is None:
            return None, "not_a_number_list"
        numbers.append(number)
    return (numbers or None), None


def parse_code(value: object, vocab: Vocabulary, lookup: dict[str, str]) -> Parsed:
    """A coded value matched against its synonyms.

    Matching is on NFKC, trimmed, case-folded text, with `_ - space` as one."""
    from kqexcel.rules import norm_key

    if vocab.is_blank(value):
        return None, None
    code = lookup.get(norm_key(clean_text(value)))
    if code is None:
        return None, "unknown_value"
    return code, None


def parse_text(value: object, vocab: Vocabulary) -> Parsed:
    """Text: trimmed; a whole-number float (an id typed as 1001) is written without '.0'."""
    if vocab.is_blank(value):
        return None, None
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()[:10], None
    return clean_text(value) if not isinstance(value, str) else trim(value), None


def parse_column(
    values: Sequence[object], parse: Callable[[object], Parsed], has_bool: bool | None = None
) -> tuple[list[Any], list[str | None]]:
    """Parse a column, calling ``parse`` once per distinct value (hashing in pandas, not Python)."""
    codes, parsed, reasons = parse_distinct(values, parse, has_bool)
    return parsed[codes].tolist(), reasons[codes].tolist()


_PLAIN_NUMBER = r"-?\d{1,15}(?:\.\d{1,15})?"  # what float() reads exactly as parse_money would


def _plain_money(uniques: Any, parse: Callable[[object], Parsed]) -> list[float | None]:
    """For a money column, the distinct values written as a plain decimal number ('12800.50',
    what an ERP exports a million times over), read at once (scaled by the header's unit);
    None for every other value (parsed one by one). Any other column: all None."""
    import numpy as np
    import pandas as pd

    func = getattr(parse, "func", None)
    if func is not parse_money or len(uniques) < 1000:
        return [None] * len(uniques)
    scale = float(getattr(parse, "keywords", {}).get("scale", 1.0))
    texts = pd.Series(uniques, dtype=object)
    is_text = np.array([type(u) is str for u in uniques], dtype=bool)
    out: list[float | None] = [None] * len(uniques)
    if not is_text.any():
        return out
    words = texts[is_text].astype(str)
    plain = words.str.fullmatch(_PLAIN_NUMBER).to_numpy(dtype=bool)
    numbers = pd.to_numeric(words[plain]).to_numpy(dtype=float) * scale
    positions = np.flatnonzero(is_text)[plain]
    for k, number in zip(positions.tolist(), numbers.tolist(), strict=True):
        if math.isfinite(number):
            out[k] = number
    return out


def parse_distinct(
    values: Sequence[object], parse: Callable[[object], Parsed], has_bool: bool | None = None
) -> tuple[Any, Any, Any]:
    """A column parsed once per distinct value: (each row's code, each distinct value's parsed
    value, each distinct value's reason), the last two object arrays; ``parsed[codes]`` is the
    column. A column holding booleans is parsed value by value (True == 1 == 1.0 when hashed)."""
    import numpy as np
    import pandas as pd

    if has_bool is None:
        has_bool = bool in set(map(type, values))
    if has_bool:
        results = [parse(v) for v in values]
        codes = np.arange(len(results))
    else:
        codes, uniques = pd.factorize(pd.Series(values, dtype=object), use_na_sentinel=False)
        plain = _plain_money(uniques, parse)
        # pandas hands missing values back as NaN: an empty cell, as None
        results = [
            (p, None) if p is not None else parse(None if isinstance(u, float) and u != u else u)
            for u, p in zip(uniques, plain, strict=True)
        ]
    out = np.empty(len(results), dtype=object)
    out[:] = [p[0] for p in results]
    reasons = np.empty(len(results), dtype=object)
    reasons[:] = [p[1] for p in results]
    return codes, out, reasons
