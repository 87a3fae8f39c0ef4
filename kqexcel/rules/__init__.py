"""Load, overlay and validate the rules file (thresholds, synonyms, labels, texts).

The package ships ``default.toml`` (the numbers, synonyms and labels) and ``texts.toml`` (the
long texts), read as one tree; a manager's file overlays it key by key. Validation takes
the shape of the defaults as the schema: an unknown key or a value of the wrong type is an error
that names the key. Every number has an allowed range (``RANGES``) and every text a length limit
(``TEXT_LIMITS``). Synonym lists in an overlay are added to the defaults. The number sections
are also offered typed and frozen as ``Rules.numbers`` (see ``kqexcel.rules.numbers``).
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
import math
import re
import string
import tomllib
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Any, NamedTuple

from kqexcel.errors import KqError, RulesError
from kqexcel.rules.numbers import Numbers, numbers_from

LANGS = ("zh", "en")
_SEP = re.compile(r"[\s_\-]+")


def norm_key(value: object) -> str:
    """The matching key of a header or value: NFKC, trimmed, case-folded, `_ - space` as one."""
    text = unicodedata.normalize("NFKC", str(value)).strip().casefold()
    return _SEP.sub(" ", text)


def without_fillers(key: str, fillers: tuple[str, ...]) -> str:
    """A header key without its filler words, longest first (客户手机号 → 手机号): the words most
    headers share (客户, 时间) make no two headers alike. A key of fillers only stays whole."""
    core = key
    for filler in sorted(fillers, key=len, reverse=True):
        core = core.replace(filler, "")
    return core or key


def header_norm(value: object) -> str:
    """The matching key of a header (or a word inside one): ``norm_key`` without spaces."""
    return norm_key(value).replace(" ", "")


class Range(NamedTuple):
    """The values a number in the rules may take: ``low`` to ``high``; ``low`` itself only
    when ``low_allowed``."""

    low: float
    high: float
    low_allowed: bool = True


DAYS = Range(0, 3650)  # up to ten years; 0 is "the same day"
INTERVAL = Range(1, 3650)  # a base interval or divisor, where 0 makes no sense
POINTS = Range(0, 1000)  # priority and motivation points
SHARE = Range(0, 1, low_allowed=False)  # a share of 0 would leave its group empty
SIZE_MB = Range(0, 1_000_000, low_allowed=False)  # up to a terabyte
EXCEL_ROWS = 1_048_575  # under a header row
EXCEL_COLUMNS = 16_384

# The allowed range of every number in the rules, by key; `*` stands for any one key. A number
# in default.toml without an entry here fails tests/test_hostile_rules.py.
RANGES: dict[str, Range] = {
    "reader.header_scan_rows": Range(1, 1000),
    "reader.header_min_matches": Range(1, 100),
    "reader.header_suggest_score": Range(0, 101),
    "safety.max_unpacked_mb": SIZE_MB,
    "safety.max_compression_ratio": Range(1, 100_000),
    "safety.max_rows": Range(1, EXCEL_ROWS),
    "safety.max_record_rows": Range(1, 100_000_000),
    "safety.max_csv_mb": SIZE_MB,
    "safety.max_columns": Range(1, EXCEL_COLUMNS),
    # below it a sheet is only read cell by cell (slower); above, a dense read may not fit in memory
    "safety.max_sheet_cells": Range(1000, (EXCEL_ROWS + 1) * EXCEL_COLUMNS),
    "tier.a_share": SHARE,
    "tier.b_share": SHARE,
    "profit.marginal_ratio": SHARE,
    "profit.top_share": SHARE,
    "style.decides_after.*": Range(0, 100),  # contacts
    "motivation.ecommerce_staff_profit_min": Range(0, 10_000),  # people
    "motivation.points.*": POINTS,
    "renewal.floor_factor": Range(0, 10),
    "renewal.satisfaction_factor": Range(0, 10),
    "cadence.tier_days.*": INTERVAL,
    "cadence.intent_days.*": DAYS,
    "cadence.declined_prospect_days": INTERVAL,
    "cadence.high_risk_days": DAYS,
    "cadence.lapsed_days": DAYS,
    "cadence.regressing_days": DAYS,
    "cadence.complaint_days": DAYS,
    "cadence.rfm_urgent_days": DAYS,
    "log.window_days": INTERVAL,
    "log.visit_days_a": INTERVAL,
    "orders.window_days": INTERVAL,
    "orders.gap_factor": Range(0, 100),
    "orders.drop_ratio": Range(0, 10),
    "rfm.bins": Range(2, 9),  # 100 R + 10 F + M holds one digit a score
    "rfm.break_offset": Range(0, 1_000_000),
    "calendar.daily_limit": Range(0, 100_000),
    "calendar.horizon_days": DAYS,
    "calendar.week_days": Range(1, 60),  # the working days the 本周 sheet shows
    "warnings.contract_ending_days": DAYS,
    "warnings.contract_ending_contact_days": DAYS,
    "priority.tier.*": POINTS,
    "priority.risk.*": POINTS,
    "priority.intent.*": POINTS,
    "priority.overdue_cap_days": DAYS,
    "priority.overdue_days_per_point": INTERVAL,
    "priority.open_complaint": POINTS,
    "priority.promise_overdue": POINTS,
    "priority.followup_missed": POINTS,
    "priority.order_gap": POINTS,
    "priority.revenue_drop": POINTS,
    "priority.rfm_urgent": POINTS,
    "priority.regressing": POINTS,
    "priority.owner_changed": POINTS,
    "priority.lapsed": POINTS,
    "pool.days.*": INTERVAL,
    "pool.notice_days": DAYS,
    "report.escalate_days": DAYS,
    "priority.max_score": POINTS,
    "priority.p1": POINTS,
    "priority.p2": POINTS,
    "output.notes_max_rows": Range(0, EXCEL_ROWS),
}

# The longest text a key may hold, by its first part (labels and list items are short; every
# rationale row repeats its templates, so a long template multiplies into every plan row).
TEXT_LIMITS: dict[str, int] = {
    "codes": 100,
    "fields": 100,
    "log_fields": 100,
    "contact_fields": 100,
    "order_fields": 100,
    "output_fields": 100,
    "rationale": 1000,
    "errors": 1000,  # one line each; the longest default is about 200 characters
}
MAX_TEXT = 10_000  # any other text (the longest default is about 400 characters)
MAX_LIST_ITEM = 100  # a synonym or reader word
MAX_PLACEHOLDERS = 20  # in one rationale template (the defaults use at most 8)
TIER_VALUES = ("revenue", "profit", "expected_value")  # what tier.value may name
RFM_METHODS = ("quantile", "fixed")  # what rfm.method may name
# [§13] the money units of a report (report.money_unit) by their multiplier of yuan
MONEY_SCALES = {"yuan": 1.0, "thousand": 1e3, "wan": 1e4, "yi": 1e8}
MONEY_UNITS = ("auto", *MONEY_SCALES)
CHOICES = {  # the texts that are a choice
    "tier.value": TIER_VALUES,
    "rfm.method": RFM_METHODS,
    "report.money_unit": MONEY_UNITS,
}  # the texts that are a choice
RFM_MEASURES = ("recency", "frequency", "monetary")
SEGMENT_KEYS = {"code": str, "r": list, "f": list, "m": list, "urgent": bool}
MAX_SEGMENTS = 100
CALENDAR_DATES = ("calendar.extra_holidays", "calendar.extra_workdays")
MAX_RULES_MB = 10  # a company's rules file is a few kB; the defaults are about 200 kB

# [§10] the other sheets of a customer file: each kind's fields section and the §1 fields its
# rows share with the customer sheet (read with the same spellings)
KIND_FIELDS = {"log": "log_fields", "contacts": "contact_fields", "orders": "order_fields"}
KIND_SHARED = {
    "log": ("customer_id", "name"),
    "contacts": ("customer_id", "name", "style", "decisiveness", "orientation"),
    "orders": ("customer_id", "name"),
}
FIELD_SECTIONS = ("fields", *KIND_FIELDS.values())  # every section of header spellings
ADDED_LISTS = ("synonyms", "sheet_names")  # lists a company's file adds to, not replaces


def bounds(key: str) -> Range | None:
    """The allowed range of the number at ``key`` (None: not a number of the rules)."""
    parts = key.split(".")
    for pattern, allowed in RANGES.items():
        wanted = pattern.split(".")
        if len(wanted) == len(parts) and all(
            w in ("*", p) for w, p in zip(wanted, parts, strict=True)
        ):
            return allowed
    return None


def _number(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else repr(x)


def _shown(value: object) -> str | KqError:
    """A value as a message quotes it: short, on one line (words, in the message's language)."""
    if isinstance(value, dict):
        return KqError("value_table")
    if isinstance(value, list):
        return KqError("value_list")
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**15:
        try:
            return f"{float(value):.4g}"
        except OverflowError:  # TOML integers have at most 4300 digits in Python
            return KqError("value_digits", digits=len(str(abs(value))))
    if isinstance(value, (dt.date, dt.time)):  # TOML dates and times
        return KqError("value_datetime", iso=value.isoformat())
    text = repr(value)
    return text if len(text) <= 60 else text[:50] + "…" + text[-1]


def _out_of_range(key: str, value: object, allowed: Range | None) -> RulesError:
    """The error of a number outside its range, one whole sentence per kind of range."""
    if allowed is None:  # a number RANGES does not list (a test keeps that from happening)
        return RulesError("rules_not_finite", key=key, value=_shown(value))
    span = {"key": key, "low": _number(allowed.low), "high": _number(allowed.high)}
    if not allowed.low_allowed:
        return RulesError("rules_range_above", **span, value=_shown(value))
    if allowed.low == 0 and isinstance(value, (int, float)) and value < 0:
        return RulesError("rules_negative", **span, value=_shown(value))
    return RulesError("rules_range", **span, value=_shown(value))


def _in_range(value: float, allowed: Range) -> bool:
    above = value >= allowed.low if allowed.low_allowed else value > allowed.low
    return above and value <= allowed.high  # NaN is neither


def _key_shown(key: str) -> str:
    return key if len(key) <= 80 else key[:70] + "…"


_BREAKS = {"Cc", "Zl", "Zp"}  # control characters, line and paragraph separators


def _one_line(text: str, limit: int = 400) -> str:
    """A message on one line: control characters escaped, cut at ``limit`` characters."""
    if any(unicodedata.category(c) in _BREAKS for c in text):
        text = "".join(repr(c)[1:-1] if unicodedata.category(c) in _BREAKS else c for c in text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


class RulesFileError(RulesError):
    """An error in a rules file, named with its path: one line, cut as a terminal can show it
    (a key or placeholder name may be 100,000 characters long)."""

    def text(self, lang: str = "zh", texts: Any = None) -> str:
        """The message in ``lang`` on one line, at most the path and 400 characters long."""
        return _one_line(super().text(lang, texts), len(str(self.values["path"])) + 400)


# the files of the shipped rules, merged in this order (no key in two of them)
DEFAULT_FILES = ("default.toml", "texts.toml")


def default_files() -> list[Path]:
    """The shipped rules files (every command reads them, so no output may replace them)."""
    folder = Path(__file__).resolve().parent
    return [folder / name for name in DEFAULT_FILES]


def shipped_text() -> str:
    """The shipped rules as one TOML text with their comments (what `kq template init` copies)."""
    parts = [
        resources.files("kqexcel.rules").joinpath(name).read_text(encoding="utf-8")
        for name in DEFAULT_FILES
    ]
    return "\n".join(part.rstrip("\n") + "\n" for part in parts)


def _default_tree() -> dict[str, Any]:
    """The shipped rules: the numbers and labels of default.toml with the texts of texts.toml."""
    tree: dict[str, Any] = {}
    for name in DEFAULT_FILES:
        text = resources.files("kqexcel.rules").joinpath(name).read_text(encoding="utf-8")
        _join(tree, tomllib.loads(text), name)
    return tree


def _join(tree: dict[str, Any], part: dict[str, Any], name: str, path: str = "") -> None:
    """Add the tables of one shipped file to ``tree``; a key both files set is a packaging bug."""
    for key, value in part.items():
        where = f"{path}.{key}" if path else key
        if key not in tree:
            tree[key] = value
        elif isinstance(tree[key], dict) and isinstance(value, dict):
            _join(tree[key], value, name, where)
        else:
            raise RulesError("rules_set_twice", key=where, file=name)


NEAR_KEY_SCORE = 70  # how alike (0–100) a misspelt key and a known one are to be suggested


def _merge(base: dict[str, Any], over: dict[str, Any], path: str, errors: list[RulesError]) -> None:
    """Overlay ``over`` onto ``base`` in place, checking every key against the defaults; a bad
    key or value is added to ``errors`` and left out (the default stays), so that one run finds
    every error of the file."""
    for key, value in over.items():
        where = f"{path}.{key}" if path else key
        try:
            _merge_one(base, key, value, path, where, errors)
        except RulesError as exc:
            errors.append(exc)


def _merge_one(
    base: dict[str, Any], key: str, value: Any, path: str, where: str, errors: list[RulesError]
) -> None:
    if key not in base:
        if path == "codes.rfm_segment":  # [§11] a company's own segment: labels, as the others
            base[key] = _new_code(where, value)
            return
        if _open_table(path):
            _check_new_entry(where, value, base)
            base[key] = value
            return
        near = _near_key(key, base)
        if near is not None:
            near_key = f"{path}.{near}" if path else near
            raise RulesError("rules_unknown_key_near", key=_key_shown(where), near=near_key)
        raise RulesError("rules_unknown_key", key=_key_shown(where))
    current = base[key]
    if isinstance(current, dict):
        if not isinstance(value, dict):
            raise RulesError("rules_not_table", key=where, type=type(value).__name__)
        _merge(current, value, where, errors)
    elif where == "rfm.segments":  # [§11] a table of rows: a company's replaces the default
        base[key] = _segments(value)
    elif where in CALENDAR_DATES:  # [§12] dates a company adds
        base[key] = _dates(where, value)
    elif isinstance(current, list) and current and not isinstance(current[0], str):
        base[key] = _numbers(where, value)  # rfm.fixed_breaks.*
    elif isinstance(current, list):
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise RulesError("rules_not_list", key=where)
        if key in ADDED_LISTS or path == "reader":
            base[key] = current + [v for v in value if v not in current]
        else:
            base[key] = value
    elif isinstance(current, bool) and isinstance(value, bool):
        base[key] = value
    elif isinstance(current, bool) or isinstance(value, bool):
        raise RulesError("rules_bad_value", key=where, value=_shown(value))
    elif isinstance(current, (int, float)):
        base[key] = _merged_number(where, current, value)
    elif isinstance(current, str):
        if not isinstance(value, str):
            raise RulesError("rules_not_text", key=where, value=_shown(value))
        if where.startswith(("rationale.", "errors.")):  # texts filled in with str.format
            _check_placeholders(where, current, value)
        if key == "type" and path.startswith(FIELD_SECTIONS) and value != current:
            raise RulesError("rules_type_fixed", key=where, kind=current)
        base[key] = value
    else:  # pragma: no cover - the defaults hold no other types
        base[key] = value


def _dates(where: str, value: Any) -> list[dt.date]:
    """[§12] a list of dates: TOML dates, or texts YYYY-MM-DD; an error names the item."""
    if not isinstance(value, list):
        raise RulesError("rules_not_list", key=where)
    out = []
    for i, item in enumerate(value, 1):
        if isinstance(item, dt.datetime):
            item = item.date()
        elif isinstance(item, str):
            try:
                item = dt.date.fromisoformat(item.strip())
            except ValueError:
                raise RulesError(
                    "rules_calendar_date", key=f"{where}[{i}]", value=_shown(item)
                ) from None
        elif not isinstance(item, dt.date):
            raise RulesError("rules_calendar_date", key=f"{where}[{i}]", value=_shown(item))
        out.append(item)
    return out


def _segments(value: Any) -> list[dict[str, Any]]:
    """[§11] a company's segment table: rows of a code, three score ranges and the urgent flag
    (ranges are checked against rfm.bins with the rest of the tree)."""
    if not isinstance(value, list) or not value or len(value) > MAX_SEGMENTS:
        raise RulesError("rules_segments_table", key="rfm.segments", most=MAX_SEGMENTS)
    rows = []
    for i, row in enumerate(value, 1):
        where = f"rfm.segments[{i}]"
        if not isinstance(row, dict):
            raise RulesError("rules_segments_table", key=where, most=MAX_SEGMENTS)
        unknown = sorted(set(row) - set(SEGMENT_KEYS))
        if unknown:
            raise RulesError("rules_unknown_key", key=f"{where}.{_key_shown(unknown[0])}")
        row = {"urgent": False, **row}
        for name, kind in SEGMENT_KEYS.items():
            if name not in row:
                raise RulesError("rules_segment_missing", key=where, name=name)
            if not isinstance(row[name], kind):
                raise RulesError("rules_bad_value", key=f"{where}.{name}", value=_shown(row[name]))
        for name in ("r", "f", "m"):
            pair = row[name]
            if (
                len(pair) != 2
                or not all(isinstance(x, int) and not isinstance(x, bool) for x in pair)
                or pair[0] > pair[1]
            ):
                shown = str(list(pair)) if isinstance(pair, list) else _shown(pair)
                raise RulesError("rules_segment_range", key=f"{where}.{name}", value=shown)
        rows.append(row)
    return rows


def _new_code(where: str, value: Any) -> dict[str, Any]:
    """A code a company adds (a segment of its own): zh and en labels, synonyms optional."""
    if not isinstance(value, dict) or set(value) - {*LANGS, "synonyms"}:
        raise RulesError("rules_new_code", key=where)
    entry = {"synonyms": [], **value}
    for lang in LANGS:
        if not isinstance(entry.get(lang), str):
            raise RulesError("rules_new_code", key=where)
    if not isinstance(entry["synonyms"], list) or not all(
        isinstance(v, str) for v in entry["synonyms"]
    ):
        raise RulesError("rules_not_list", key=f"{where}.synonyms")
    return entry


def _numbers(where: str, value: Any) -> list[float]:
    """A list of finite numbers (rfm.fixed_breaks.*)."""
    if not isinstance(value, list) or not all(
        isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x) for x in value
    ):
        raise RulesError("rules_not_numbers", key=where)
    return [float(x) for x in value]


def _check_rfm(tree: dict[str, Any], fail: Any, outside: set[str]) -> None:
    """[§11] the RFM settings across keys: a known method; bins − 1 rising fixed breaks per
    measure; every segment's ranges within 1–bins, and its code labelled in
    [codes.rfm_segment]."""
    rfm = tree["rfm"]
    if "rfm.bins" in outside:  # said already; the ranges cannot be compared with it
        return
    bins = rfm["bins"]
    if rfm["method"] not in RFM_METHODS:
        fail(
            RulesError(
                "rules_choice",
                key="rfm.method",
                value=_shown(rfm["method"]),
                choices=", ".join(RFM_METHODS),
            )
        )
    for measure in RFM_MEASURES if rfm["method"] == "fixed" else ():
        breaks = rfm["fixed_breaks"].get(measure, [])
        if len(breaks) != bins - 1 or any(b >= a for a, b in zip(breaks[1:], breaks, strict=False)):
            fail(RulesError("rules_fixed_breaks", key=f"rfm.fixed_breaks.{measure}", need=bins - 1))
    labels = tree["codes"].get("rfm_segment", {})
    for i, row in enumerate(rfm["segments"], 1):
        for name in ("r", "f", "m"):
            low, high = row[name]
            if low < 1 or high > bins:
                fail(
                    RulesError(
                        "rules_segment_bins",
                        key=f"rfm.segments[{i}].{name}",
                        value=str(list(row[name])),
                        bins=bins,
                    )
                )
        if row["code"] not in labels:
            fail(
                RulesError("rules_segment_label", key=f"rfm.segments[{i}].code", value=row["code"])
            )


def _near_key(key: str, known: dict[str, Any]) -> str | None:
    """The known key a misspelt ``key`` comes nearest to (None: none is alike enough)."""
    if len(key) > 200 or not known:
        return None
    from rapidfuzz import fuzz, process

    best = process.extractOne(key, list(known), scorer=fuzz.ratio, score_cutoff=NEAR_KEY_SCORE)
    return None if best is None else str(best[0])


def _merged_number(where: str, current: float, value: object) -> float:
    """A manager's number for a number of the defaults, of the defaults' type."""
    if not isinstance(value, (int, float)):
        raise RulesError("rules_not_number", key=where, value=_shown(value))
    if isinstance(value, float) and not math.isfinite(value):  # TOML has nan and inf
        raise _out_of_range(where, value, bounds(where))
    if isinstance(current, int) and isinstance(value, float) and not value.is_integer():
        raise RulesError("rules_not_whole", key=where, value=value)
    try:
        return type(current)(value)
    except OverflowError:  # an integer of hundreds of digits where a float is wanted
        raise _out_of_range(where, value, bounds(where)) from None


def _text_depth(node: Any, limit: int = 3) -> int | None:
    """How many tables deep the texts of ``node`` sit (0: a text; None: not only texts)."""
    if isinstance(node, str):
        return 0
    if not isinstance(node, dict) or limit == 0:
        return None
    depths = {_text_depth(v, limit - 1) for v in node.values()}
    if not depths:
        return 1
    if len(depths) > 1:
        return None
    (only,) = depths
    return None if only is None else only + 1


def _check_new_entry(where: str, value: Any, siblings: dict[str, Any]) -> None:
    """An entry a manager adds to an open table has the shape of the entries already there."""
    first = next(iter(siblings), None)
    expected = _text_depth(siblings[first]) if first is not None else None
    depth = _text_depth(value)
    if depth is not None and (expected is None or depth == expected):
        return
    shown = {"key": _key_shown(where), "value": _shown(value)}
    if expected == 0 or first is None:
        raise RulesError("rules_not_text", **shown)
    like = f"{where.rsplit('.', 1)[0]}.{_key_shown(first)}"
    raise RulesError("rules_new_entry_table", **shown, like=like)


def _placeholders(where: str, text: str) -> set[str]:
    """The names ``text`` fills in; an error text may format them (``{row:,}``), a rationale
    template may not."""
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError:
        raise RulesError("rules_unmatched_brace", key=where) from None
    names = set()
    if sum(name is not None for _, name, _, _ in parsed) > MAX_PLACEHOLDERS:
        raise RulesError("rules_too_many_placeholders", key=where, most=MAX_PLACEHOLDERS)
    specs = where.startswith("errors.")
    for _, name, spec, conversion in parsed:
        if name is None:
            continue
        if not name.isidentifier() or (spec and not specs) or conversion:
            shown = name + ("!" + conversion if conversion else "") + (":" + spec if spec else "")
            raise RulesError("rules_bad_placeholder", key=where, placeholder="{" + shown + "}")
        names.add(name)
    return names


# placeholders a template may still use although the default text no longer does
LEGACY_PLACEHOLDERS = {"rationale.style_explicit": {"raw"}}


def _check_placeholders(where: str, default: str, value: str) -> None:
    """A rationale template or an error text may use the placeholders of the default it
    replaces, and no others."""
    allowed = _placeholders(where, default) | LEGACY_PLACEHOLDERS.get(
        where.rsplit(".", 1)[0], set()
    )
    unknown = sorted(_placeholders(where, value) - allowed)
    if unknown and not allowed:
        raise RulesError("rules_unknown_placeholder_none", key=where, name=unknown[0])
    if unknown:
        hint = ", ".join("{" + a + "}" for a in sorted(allowed))
        raise RulesError("rules_unknown_placeholder", key=where, name=unknown[0], allowed=hint)


def _open_table(path: str) -> bool:
    """Tables where a manager may add entries of their own (extra texts, a company's headers)."""
    return path.startswith("texts.") or path == "columns"


def _check(tree: dict[str, Any], errors: list[RulesError]) -> None:
    """Every number in its range, every text within its length, and the checks across keys that
    the shape alone cannot express; each error found is added to ``errors``."""
    fail = errors.append
    outside: set[str] = set()  # numbers out of range: not compared with others as well
    for key, value in _leaves(tree, ""):
        if isinstance(value, bool):
            continue
        if isinstance(value, (int, float)):
            allowed = bounds(key)
            if not _in_range(
                value, allowed or Range(0, math.inf)
            ):  # an unlisted number: finite, ≥ 0
                fail(_out_of_range(key, value, allowed))
                outside.add(key)
        elif isinstance(value, str):
            limit = TEXT_LIMITS.get(key.split(".", 1)[0], MAX_TEXT)
            if len(value) > limit:
                fail(RulesError("rules_text_too_long", key=key, limit=limit, length=len(value)))
        elif isinstance(value, list):
            for i, item in enumerate(value):
                if isinstance(item, str) and len(item) > MAX_LIST_ITEM:
                    fail(
                        RulesError(
                            "rules_item_too_long",
                            key=key,
                            item=i + 1,
                            limit=MAX_LIST_ITEM,
                            length=len(item),
                        )
                    )

    for header, field in tree.get("columns", {}).items():
        if field != "-" and not any(field in tree[section] for section in FIELD_SECTIONS):
            fail(
                RulesError(
                    "rules_column_field",
                    key=f"columns.{header}",
                    value=field,
                    fields=field_keys(tree),
                )
            )

    def number(path: str) -> float:
        node: Any = tree
        for part in path.split("."):
            node = node[part]
        return float(node)

    def both_in_range(*keys: str) -> bool:
        return not outside.intersection(keys)

    if both_in_range("tier.a_share", "tier.b_share") and (
        number("tier.a_share") > number("tier.b_share")
    ):
        fail(RulesError("rules_tier_shares"))
    if tree["tier"]["value"] not in TIER_VALUES:
        fail(RulesError("rules_tier_value", value=_shown(tree["tier"]["value"])))
    _check_rfm(tree, fail, outside)
    if both_in_range("priority.p1", "priority.p2") and number("priority.p1") < number(
        "priority.p2"
    ):
        fail(RulesError("rules_priority_order"))
    for domain, codes in tree["codes"].items():
        for code, entry in codes.items():
            for lang in LANGS:
                if not str(entry.get(lang, "")).strip():
                    fail(RulesError("rules_empty", key=f"codes.{domain}.{code}.{lang}"))
    for section in (*FIELD_SECTIONS, "output_fields"):  # an empty header matches an empty cell
        for name, entry in tree[section].items():
            for lang in LANGS:
                if not str(entry.get(lang, "")).strip():
                    fail(RulesError("rules_empty", key=f"{section}.{name}.{lang}"))
    texts = tree.get("texts", {})
    for lang in LANGS:
        promise = texts.get("objective", {}).get("keep_promise", {}).get(lang)
        if promise is not None and "{promise}" not in promise:
            fail(RulesError("rules_keep_promise", key=f"texts.objective.keep_promise.{lang}"))
    _check_spellings(tree, errors)


def _check_spellings(tree: dict[str, Any], errors: list[RulesError]) -> None:
    """No spelling read as two things: a synonym or label of one code that is also one of another
    code of the same list (犹豫 added to interested, while it is hesitating's label), or a header
    spelling of two fields. Either would silently read the cells as whichever comes first."""
    for prefix, entries, norm in _spelling_lists(tree):
        seen: dict[str, tuple[str, str]] = {}
        for code, entry in entries.items():
            for place, spelling in _spellings(code, entry):
                key = norm(spelling)
                if key and key in seen and seen[key][0] != code:
                    first, where = seen[key]
                    at = {
                        "key": _at(f"{prefix}.{code}", place),
                        "first": _at(f"{prefix}.{first}", where),
                    }
                    errors.append(RulesError("rules_spelling_twice", spelling=spelling, **at))
                seen.setdefault(key, (code, place))


def _spelling_lists(
    tree: dict[str, Any],
) -> list[tuple[str, dict[str, Any], Callable[[object], str]]]:
    """Each list whose entries are read by their spellings (every code list, and the fields as
    headers), with its key prefix and how its spellings are compared."""
    lists: list[tuple[str, dict[str, Any], Callable[[object], str]]] = [
        (f"codes.{domain}", codes, norm_key) for domain, codes in tree["codes"].items()
    ]
    return [*lists, *((section, tree[section], header_norm) for section in FIELD_SECTIONS)]


def _at(key: str, place: str) -> str:
    return f"{key}.{place}" if place else key


def _spellings(code: str, entry: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """Where each spelling of a code or field is written: its key, its labels, its synonyms."""
    yield "", code
    for lang in LANGS:
        yield lang, str(entry.get(lang, ""))
    for spelling in entry.get("synonyms", []):
        yield "synonyms", spelling


def _leaves(node: Any, path: str) -> Iterator[tuple[str, Any]]:
    """Every value that is not a table, with its dotted key."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _leaves(value, f"{path}.{key}" if path else key)
    else:
        yield path, node


def field_keys(tree: dict[str, Any]) -> str:
    """The field keys a column may be given (``[columns]``, ``--map``), for an error to list."""
    return ", ".join(dict.fromkeys(f for section in FIELD_SECTIONS for f in tree[section]))


class Rules:
    """The effective rules: the defaults with a manager's overlay, validated."""

    def __init__(
        self, tree: dict[str, Any], source: str = "default", kind: str = "customers"
    ) -> None:
        self.tree = tree
        self.source = source
        self.kind = kind  # the sheet these rules read: "customers", or a kind of KIND_FIELDS

    def for_kind(self, kind: str) -> Rules:
        """The rules reading a sheet of ``kind`` (DOMAIN §10): its own fields first, then the §1
        fields it shares (a spelling both have means the kind's own field on its sheet, so 姓名
        on a contacts sheet is the person, 跟进人 on a log the one who logged it); every other
        header the customer sheet knows exactly is no field here (not a stem of one: 最近联系日期
        on a log is the ledger's last contact, not the log's date)."""
        if kind == self.kind or kind == "customers":
            return self
        views = self.__dict__.setdefault("_kinds", {})
        if kind not in views:
            own = self.tree[KIND_FIELDS[kind]]
            shared = {f: self.tree["fields"][f] for f in KIND_SHARED[kind]}
            view = Rules({**self.tree, "fields": {**own, **shared}}, self.source, kind)
            view.__dict__["foreign_headers"] = frozenset(
                set(self.header_lookup) - set(view.header_lookup)
            )
            views[kind] = view
        return views[kind]  # type: ignore[no-any-return]

    @cached_property
    def foreign_headers(self) -> frozenset[str]:
        """Header spellings of another sheet's fields that name none here (see ``for_kind``)."""
        return frozenset()

    def __getitem__(self, key: str) -> Any:
        return self.tree[key]

    @cached_property
    def numbers(self) -> Numbers:
        """The number sections, typed and frozen (``rules.numbers.priority.p1``)."""
        return numbers_from(self.tree)

    @property
    def version(self) -> str:
        return str(self.tree["meta"]["version"])

    def label(self, domain: str, code: str | None, lang: str) -> str | None:
        """The zh/en label of an output or input code (None stays None)."""
        if code is None:
            return None
        entry = self.tree["codes"].get(domain, {}).get(code)
        return str(entry[lang]) if entry else code

    def field_label(self, field: str, lang: str) -> str:
        """The zh/en header of a ledger field or an output field (on a log or contacts sheet,
        its own field's: the log's channel is 跟进方式 there, not the plan's 联系方式)."""
        if self.kind != "customers" and field in self.tree["fields"]:
            return str(self.tree["fields"][field][lang])
        if field in self.tree["output_fields"]:
            return str(self.tree["output_fields"][field][lang])
        return str(self.tree["fields"][field][lang])

    def text(self, domain: str, code: str | None, lang: str, key: str | None = None) -> str | None:
        """A sentence from the texts section (None when the code has none)."""
        if code is None:
            return None
        entry = self.tree.get("texts", {}).get(domain, {}).get(code)
        if not entry:
            return None
        return entry.get(f"{key}_{lang}" if key else lang)

    @cached_property
    def code_lookup(self) -> dict[str, dict[str, str]]:
        """For each code domain: normalised spelling → code (code, zh, en and synonyms)."""
        lookup: dict[str, dict[str, str]] = {}
        for domain, codes in self.tree["codes"].items():
            table: dict[str, str] = {}
            for code, entry in codes.items():
                for spelling in [code, entry["en"], entry["zh"], *entry.get("synonyms", [])]:
                    table.setdefault(norm_key(spelling), code)
            lookup[domain] = table
        return lookup

    def with_columns(self, columns: dict[str, str]) -> Rules:
        """These rules with more of a company's headers (``--map``: this run only)."""
        if not columns:
            return self
        tree = dict(self.tree)
        tree["columns"] = {**self.tree.get("columns", {}), **columns}
        return _built(Rules(tree, self.source))

    @cached_property
    def column_map(self) -> dict[str, str]:
        """A company's own headers (``[columns]``, ``--map``): matching key → field ("-": none)."""
        fields = self.tree["fields"]  # a header mapped to another sheet's field: not one here
        return {
            header_norm(header): field
            for header, field in self.tree.get("columns", {}).items()
            if field == "-" or field in fields
        }

    @cached_property
    def header_fillers(self) -> tuple[str, ...]:
        """The filler words a header may hold around a field's spelling, as matching keys."""
        words = {header_norm(w) for w in self.tree["reader"]["header_fillers"]}
        return tuple(sorted(w for w in words if w))

    @cached_property
    def header_cores(self) -> dict[str, str]:
        """Each header spelling of two characters or more without its filler words (what an
        unrecognised header is compared with for a suggestion) → its field; the first wins."""
        cores: dict[str, str] = {}
        for spelling, field in self.header_lookup.items():
            if len(spelling) >= 2:
                cores.setdefault(without_fillers(spelling, self.header_fillers), field)
        return cores

    @cached_property
    def match_cache(self) -> dict[str, Any]:
        """Header cells already matched (``core.ledger.header_match``), by their text."""
        return {}

    @cached_property
    def header_cache(self) -> dict[str, tuple[str, ...]]:
        """Header keys already matched by their stems (a sheet repeats its headers)."""
        return {}

    @cached_property
    def header_lookup(self) -> dict[str, str]:
        """Normalised header spelling (zh, en, synonyms, code) → field."""
        table: dict[str, str] = {}
        for field, entry in self.tree["fields"].items():
            for spelling in [entry["zh"], entry["en"], *entry["synonyms"], field]:
                table.setdefault(header_norm(spelling), field)
        return table


@functools.cache
def default_rules() -> Rules:
    """The shipped rules, read once: what a company's own labels and headers are compared with."""
    return load_rules()


def load_rules(path: str | Path | None = None) -> Rules:
    """The default rules, overlaid with the manager's file at ``path`` when given; a file with
    errors is refused with the first of them (and how many more `kq rules check` lists)."""
    if path is None:
        tree = _default_tree()
        errors: list[RulesError] = []
        _check(tree, errors)
        if errors:  # pragma: no cover - the shipped rules are checked by the tests
            raise errors[0]
        return _built(Rules(tree, "default"))
    found = check_rules(path)
    if found.rules is None:
        first = found.errors[0]
        if len(found.errors) > 1:
            more = len(found.errors) - 1
            raise RulesFileError("rules_file_more", **first.values, more=more) from None
        raise first
    return found.rules


@dataclass(frozen=True)
class RulesCheck:
    """What checking a rules file found: the rules (None when it has errors), every error
    (each naming the file), and each relabelled code or field whose old label is still read
    (key, old label)."""

    rules: Rules | None
    errors: list[RulesFileError]
    kept: list[tuple[str, str]]


def check_rules(path: str | Path) -> RulesCheck:
    """Every error of the rules file at ``path`` in one run (a bad key or value is left out and
    the checking goes on), and the old labels kept readable."""
    path = Path(path)
    shipped = _default_tree()
    tree = copy.deepcopy(shipped)
    errors: list[RulesError] = []
    kept: list[tuple[str, str]] = []
    try:
        over = _parse(_read_text(path))
        _merge(tree, over, "", errors)
        kept = _keep_old_labels(tree, shipped)
        _check(tree, errors)
    except RulesError as exc:  # rendered late, in the language of whoever shows it
        errors.append(exc)
    except RecursionError:  # tomllib recurses into nested arrays and inline tables
        return RulesCheck(None, [RulesFileError("rules_too_deep", path=path)], [])
    except Exception as exc:  # a manager's file must never end in a traceback without its name
        detail = _one_line(f"{type(exc).__name__}: {exc}")
        return RulesCheck(None, [RulesFileError("rules_unusable", path=path, why=detail)], [])
    if errors:
        return RulesCheck(
            None, [RulesFileError("rules_file", path=path, why=e) for e in errors], kept
        )
    return RulesCheck(_built(Rules(tree, str(path))), [], kept)


def _keep_old_labels(tree: dict[str, Any], defaults: dict[str, Any]) -> list[tuple[str, str]]:
    """A code or field a company relabels still reads its shipped label (kept as a synonym), so
    ledgers written with the old words read as before — unless the company gave that spelling
    to another code or field, which then has it. Returns (key, old label) for each one kept."""
    kept = []
    for prefix, entries, norm in _spelling_lists(tree):
        domain = prefix.removeprefix("codes.")
        shipped = (
            defaults[prefix] if prefix in FIELD_SECTIONS else defaults["codes"].get(domain, {})
        )
        claimed = {
            norm(spelling)
            for code, entry in entries.items()
            for place, spelling in _spellings(code, entry)
        }
        for code, entry in entries.items():
            for lang in LANGS:
                old = shipped.get(code, {}).get(lang)
                if old is None or norm(old) in claimed or "synonyms" not in entry:
                    continue
                entry["synonyms"] = [*entry["synonyms"], old]
                claimed.add(norm(old))
                kept.append((f"{prefix}.{code}.{lang}", old))
    return kept


def _built(rules: Rules) -> Rules:
    """The rules with their typed numbers built now, once the tree is validated."""
    _ = rules.numbers
    return rules


def _read_text(path: Path) -> str:
    """The text of a rules file: a file (not a folder) of at most MAX_RULES_MB, in UTF-8."""
    limit = MAX_RULES_MB * 1_000_000
    try:
        if path.is_dir():
            raise RulesError("rules_is_folder")
        size = path.stat().st_size
        if size > limit:
            raise RulesError("rules_too_large", size=size / 1_000_000, most=MAX_RULES_MB)
        with path.open("rb") as file:
            data = file.read(limit + 1)  # a device or a pipe reports no size (/dev/zero)
    except FileNotFoundError:
        raise RulesError("rules_not_found") from None
    except OSError as exc:
        raise RulesError("rules_unreadable", why=exc.strerror or str(exc)) from None
    if len(data) > limit:
        raise RulesError("rules_larger_than", most=MAX_RULES_MB)
    if data[:2] in (b"\xff\xfe", b"\xfe\xff") or _utf16_without_bom(data):
        raise RulesError("rules_utf16")
    if b"\x00" in data:
        raise RulesError("rules_nul")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise RulesError("rules_not_utf8", byte=data[exc.start], at=exc.start) from None


def _utf16_without_bom(data: bytes) -> bool:
    """Every other byte NUL at the start: ASCII saved as UTF-16 (some editors' "Unicode")."""
    head = data[:64]
    return len(head) >= 4 and (not any(head[0::2]) or not any(head[1::2]))


def _parse(text: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RulesError("rules_not_toml", why=str(exc)) from None
    except ValueError as exc:  # e.g. an integer of more than 4300 digits
        raise RulesError("rules_not_toml", why=str(exc).split(";")[0]) from None


def dump_toml(tree: dict[str, Any]) -> str:
    """The rules tree as TOML that loads back as the same tree, whatever its texts hold."""
    import tomli_w  # only `kq rules show` writes TOML

    # one-line strings: tomli-w's multi-line strings would turn a "\r\n" in a text into "\n"
    return tomli_w.dumps(tree, multiline_strings=False)
