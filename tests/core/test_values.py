"""Cell value parsers against DOMAIN.md §1 "Values as Chinese ledgers really hold them"."""

from __future__ import annotations

import datetime as dt
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kqexcel.core import values as V
from kqexcel.core.ledger import vocabulary
from kqexcel.rules import load_rules

RULES = load_rules()
VOCAB = vocabulary(RULES)
LOOKUP = RULES.code_lookup

PLACEHOLDERS = ["-", "—", "/", "无", "暂无", "N/A", "NA", "null", "n/a", "NULL", "  -  ", "", None]


# --------------------------------------------------------------------------- money


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (1234, 1234.0),
        (1234.5, 1234.5),
        (0, 0.0),
        ("1234", 1234.0),
        ("1,234", 1234.0),
        ("1,234,567.89", 1234567.89),
        ("¥1,234.50", 1234.5),
        ("￥1,234.50", 1234.5),  # full-width yen sign
        ("１，２３４", 1234.0),  # full-width digits and comma
        (" 1234 ", 1234.0),
        ("1.2万", 12000.0),
        ("12万", 120000.0),
        ("3亿", 300_000_000.0),
        ("1.5亿", 150_000_000.0),
        ("1,234元", 1234.0),
        ("5千元", 5000.0),
        ("5万元", 50000.0),
        ("-1,234", -1234.0),
    ],
)
def test_money_spellings(raw: object, expected: float) -> None:
    value, reason = V.parse_money(raw, VOCAB)
    assert reason is None
    assert value == pytest.approx(expected, rel=1e-12, abs=1e-9)
    assert isinstance(value, float)


@pytest.mark.parametrize(
    ("raw", "scale", "expected"),
    [
        (120, 1e4, 1_200_000.0),  # 年销售额（万元）: 120 → 1,200,000
        ("1.5", 1e4, 15_000.0),
        ("1,234", 1e3, 1_234_000.0),  # Revenue (k)
        (2, 1e8, 200_000_000.0),  # 亿元
        (3, 1e6, 3_000_000.0),  # m
        (500, 1.0, 500.0),
    ],
)
def test_money_header_scale(raw: object, scale: float, expected: float) -> None:
    assert V.parse_money(raw, VOCAB, scale=scale) == (pytest.approx(expected), None)


@pytest.mark.parametrize(
    "raw", ["abc", "12abc", "1,23", "12,34", "1.2.3", "¥", "万", "12 万 3", True]
)
def test_money_unreadable_is_a_problem(raw: object) -> None:
    value, reason = V.parse_money(raw, VOCAB)
    assert value is None
    assert isinstance(reason, str) and reason


# --------------------------------------------------------------------------- ratio


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (0.35, 0.35),
        ("0.35", 0.35),
        ("35%", 0.35),
        ("35 %", 0.35),
        ("35％", 0.35),  # full-width percent sign
        ("12.5%", 0.125),
        (35, 0.35),
        ("35", 0.35),
        (100, 1.0),
        ("100", 1.0),
        (1, 1.0),
        (0, 0.0),
        (50.5, 0.505),
    ],
)
def test_ratio_spellings(raw: object, expected: float) -> None:
    value, reason = V.parse_ratio(raw, VOCAB)
    assert reason is None
    assert value == pytest.approx(expected)


@pytest.mark.parametrize("raw", [101, "101", 100.5, 250, "abc", "35%%"])
def test_ratio_out_of_range_or_unreadable_is_a_problem(raw: object) -> None:
    value, reason = V.parse_ratio(raw, VOCAB)
    assert value is None
    assert isinstance(reason, str) and reason


def test_ratio_above_100_reason() -> None:
    assert V.parse_ratio(101, VOCAB) == (None, "ratio_out_of_range")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [(35, 0.35), ("35", 0.35), (100, 1.0), (0.5, 0.005), ("35%", 0.35), (0, 0.0)],
)
def test_ratio_percent_points_header(raw: object, expected: float) -> None:
    """A `(%)` header: every bare value is percent points."""
    value, reason = V.parse_ratio(raw, VOCAB, percent_points=True)
    assert reason is None
    assert value == pytest.approx(expected)


@pytest.mark.parametrize("raw", [150, "101", -150])
def test_ratio_percent_points_header_above_100_is_a_problem(raw: object) -> None:
    value, reason = V.parse_ratio(raw, VOCAB, percent_points=True)
    assert (value, reason) == (None, "ratio_out_of_range")


@pytest.mark.parametrize("raw", ["150%", "100.5%", "-150%"])
def test_ratio_percent_text_above_100_is_a_problem(raw: str) -> None:
    assert V.parse_ratio(raw, VOCAB) == (None, "ratio_out_of_range")


# --------------------------------------------------------------------------- dates

NOV3 = dt.date(2026, 11, 3)


@pytest.mark.parametrize(
    "raw",
    [
        dt.date(2026, 11, 3),
        dt.datetime(2026, 11, 3),
        dt.datetime(2026, 11, 3, 14, 30, 5),
        "2026-11-03",
        "2026-11-3",
        "2026/11/3",
        "2026/11/03",
        "2026.11.3",
        "2026年11月3日",
        "2026年11月03日",
        "２０２６－１１－０３",  # full-width
        " 2026-11-03 ",
        "2026-11-03 00:00:00",
        "20261103",
        20261103,
        20261103.0,
        "2026-11-03到期",
        "2026/11/3 截止",
    ],
)
def test_date_spellings(raw: object) -> None:
    value, reason = V.parse_date(raw, VOCAB)
    assert reason is None
    assert value == NOV3
    assert type(value) is dt.date


@pytest.mark.parametrize(
    "raw",
    ["2026-02-30", "2026/13/01", "20260230", 20260230, "2026年2月30日", "next week", True, "到期"],
)
def test_invalid_date_is_a_problem(raw: object) -> None:
    value, reason = V.parse_date(raw, VOCAB)
    assert value is None
    assert reason == "not_a_date"


AS_OF = dt.date(2026, 11, 30)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [  # DOMAIN.md §1: without a year, the year that puts the date nearest to as_of (2026-11-30)
        ("11月24日", dt.date(2026, 11, 24)),
        ("10月25日", dt.date(2026, 10, 25)),
        ("11-24", dt.date(2026, 11, 24)),
        ("11/24", dt.date(2026, 11, 24)),
        ("11.24", dt.date(2026, 11, 24)),  # as text
        ("1月5日", dt.date(2027, 1, 5)),  # 36 days ahead is nearer than 330 days back
        ("5月31日", dt.date(2027, 5, 31)),  # 182 days ahead is nearer than 183 days back
        ("12月31号", dt.date(2026, 12, 31)),
        (9.17, dt.date(2026, 9, 17)),  # a number as a rep types month.day
        (11.5, dt.date(2026, 11, 5)),
        (2.3, dt.date(2027, 2, 3)),  # 2.30 is no date: 2.3 is the 3rd (65 days ahead)
        ("3.26到期", dt.date(2027, 3, 26)),  # a contract ending next March
        ("12.31截止", dt.date(2026, 12, 31)),
        ("6月1日", dt.date(2026, 6, 1)),  # 182 days back, 183 ahead
        ("10.10", dt.date(2026, 10, 10)),  # as text: the 0 is there
        ("2.29", None),  # no 29 February in 2025–2027
    ],
)
def test_dates_without_a_year_take_the_year_nearest_to_as_of(raw, expected):
    value, reason = V.parse_date(raw, VOCAB, AS_OF)
    assert value == expected
    assert reason == (None if expected else "not_a_date")


def test_a_tie_takes_the_earlier_year():
    # 2 June 2026 is 182 days before 2026-12-01 and 1 June 2027 … 182 days after: the earlier
    as_of = dt.date(2026, 12, 1)
    day = dt.date(2026, 6, 2)
    after = dt.date(2027, 6, 1)
    assert (as_of - day).days == (after - as_of).days
    assert V.parse_date("6月2日", VOCAB, as_of) == (day, None)


@pytest.mark.parametrize("raw", [10.1, 10.2, 10.3, 1.1, 12.3, 3.1])
def test_a_month_day_number_whose_zero_excel_may_have_cut_is_a_problem(raw):
    assert V.parse_date(raw, VOCAB, AS_OF) == (None, "date_cut_decimals")


@pytest.mark.parametrize("raw", [46329, 46329.0, 45000.5, 13.5, 0.5, 9.171, "46340", 7])
def test_any_other_plain_number_in_a_date_column_is_a_problem_never_a_1900_date(raw):
    assert V.parse_date(raw, VOCAB, AS_OF) == (None, "number_not_date")


def test_a_formula_argument_is_read_as_excel_hands_dates_over_as_serial_numbers():
    assert V.parse_date(46329, VOCAB, AS_OF, serials=True) == (NOV3, None)
    assert V.parse_date(46329.0, VOCAB, AS_OF, serials=True) == (NOV3, None)


def test_a_date_without_a_year_and_no_as_of_is_a_problem_not_a_guess():
    assert V.parse_date("11月24日", VOCAB) == (None, "date_without_year")
    assert V.parse_date(9.17, VOCAB) == (None, "date_without_year")


# --------------------------------------------------------------------------- yes / no


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("是", True),
        ("否", False),
        ("有", True),
        ("无", False),  # 无 means no in a yes/no field, not empty
        ("Y", True),
        ("N", False),
        ("y", True),
        ("n", False),
        ("yes", True),
        ("no", False),
        ("YES", True),
        ("No", False),
        ("true", True),
        ("false", False),
        ("TRUE", True),
        ("False", False),
        ("1", True),
        ("0", False),
        (1, True),
        (0, False),
        (1.0, True),
        (0.0, False),
        ("√", True),
        ("×", False),
        (True, True),
        (False, False),
        ("Ｙ", True),  # full-width
        (" 是 ", True),
    ],
)
def test_yesno_spellings(raw: object, expected: bool) -> None:
    assert V.parse_yesno(raw, VOCAB) == (expected, None)


@pytest.mark.parametrize("raw", ["maybe", "2", "是的吧", 2, 0.5])
def test_yesno_unreadable_is_a_problem(raw: object) -> None:
    assert V.parse_yesno(raw, VOCAB) == (None, "not_yes_no")


@pytest.mark.parametrize("raw", ["-", "—", "/", "暂无", "N/A", "NA", "null", "", None])
def test_yesno_placeholders_are_empty(raw: object) -> None:
    assert V.parse_yesno(raw, VOCAB) == (None, None)


# --------------------------------------------------------------------------- lists of numbers


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("12;8;15", [12, 8, 15]),
        ("12；8；15", [12, 8, 15]),
        ("12、8、15", [12, 8, 15]),
        ("12/8/15", [12, 8, 15]),
        ("12 8 15", [12, 8, 15]),
        ("12  8\t15", [12, 8, 15]),
        ("12 ; 8 ; 15", [12, 8, 15]),
        ("12,8", [12, 8]),
        ("12，8", [12, 8]),
        ("12,8,15", [12, 8, 15]),
        ("1,234;2", [1234, 2]),
        ("1,234；2", [1234, 2]),
        ("1,234 2", [1234, 2]),
        ("1.5;2.25", [1.5, 2.25]),
        ("12", [12]),
        (12, [12]),
        (12.5, [12.5]),
        ("12;8;", [12, 8]),
    ],
)
def test_number_lists(raw: object, expected: list[float]) -> None:
    value, reason = V.parse_numbers(raw, VOCAB)
    assert reason is None
    assert value == expected
    assert all(isinstance(v, float) for v in value)


@pytest.mark.parametrize("raw", ["12;x;15", "a、b", "12,8;x", "twelve"])
def test_number_list_unreadable_is_a_problem(raw: object) -> None:
    assert V.parse_numbers(raw, VOCAB) == (None, "not_a_number_list")


# ------------------------------------------------------------------ numbers, integers, text


@pytest.mark.parametrize(
    ("raw", "expected"),
    [(3, 3.0), ("3", 3.0), ("3年", 3.0), ("1,234", 1234.0), (2.5, 2.5), ("２.５", 2.5)],
)
def test_number_spellings(raw: object, expected: float) -> None:
    assert V.parse_number(raw, VOCAB) == (expected, None)


@pytest.mark.parametrize(("raw", "expected"), [(3, 3), ("3", 3), ("3人", 3), (4.0, 4), ("0", 0)])
def test_integer_spellings(raw: object, expected: int) -> None:
    value, reason = V.parse_integer(raw, VOCAB)
    assert (value, reason) == (expected, None)
    assert type(value) is int


@pytest.mark.parametrize(
    ("raw", "reason"),
    [(2.5, "not_a_whole_number"), (-1, "not_a_whole_number"), ("abc", "not_a_number")],
)
def test_integer_problems(raw: object, reason: str) -> None:
    assert V.parse_integer(raw, VOCAB) == (None, reason)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  ACME 公司 ", "ACME 公司"),
        (1001.0, "1001"),
        (1001, "1001"),
        ("=SUM(A1:A3)", "=SUM(A1:A3)"),
        (dt.date(2026, 11, 3), "2026-11-03"),
    ],
)
def test_text(raw: object, expected: str) -> None:
    assert V.parse_text(raw, VOCAB) == (expected, None)


# --------------------------------------------------------------------------- placeholders

PARSERS_EMPTY = [
    ("money", lambda v: V.parse_money(v, VOCAB)),
    ("money_scaled", lambda v: V.parse_money(v, VOCAB, scale=1e4)),
    ("ratio", lambda v: V.parse_ratio(v, VOCAB)),
    ("ratio_points", lambda v: V.parse_ratio(v, VOCAB, percent_points=True)),
    ("number", lambda v: V.parse_number(v, VOCAB)),
    ("integer", lambda v: V.parse_integer(v, VOCAB)),
    ("date", lambda v: V.parse_date(v, VOCAB)),
    ("numbers", lambda v: V.parse_numbers(v, VOCAB)),
    ("code", lambda v: V.parse_code(v, VOCAB, LOOKUP["intent"])),
    ("text", lambda v: V.parse_text(v, VOCAB)),
]


@pytest.mark.parametrize("raw", PLACEHOLDERS)
@pytest.mark.parametrize(("kind", "parse"), PARSERS_EMPTY, ids=[k for k, _ in PARSERS_EMPTY])
def test_placeholders_are_empty_not_a_problem(kind: str, parse, raw: object) -> None:  # type: ignore[no-untyped-def]
    assert parse(raw) == (None, None)


def test_placeholder_wu_in_yesno_means_no() -> None:
    assert V.parse_yesno("无", VOCAB) == (False, None)
    assert V.parse_money("无", VOCAB) == (None, None)


def test_vocabulary_is_blank() -> None:
    for raw in ["-", "—", "/", "无", "暂无", "N/A", "NA", "null", "", "   ", None, float("nan")]:
        assert VOCAB.is_blank(raw), raw
    for raw in ["0", 0, "x", "有", "ACME"]:
        assert not VOCAB.is_blank(raw), raw


# --------------------------------------------------------------------------- codes


@pytest.mark.parametrize(
    ("domain", "raw", "expected"),
    [
        ("intent", "not_now", "not_now"),
        ("intent", "Not now", "not_now"),
        ("intent", "NOT-NOW", "not_now"),
        ("intent", "not   now", "not_now"),
        ("intent", "  Not_Now  ", "not_now"),
        ("intent", "ＮＯＴ－ＮＯＷ", "not_now"),  # full-width
        ("intent", "暂不购买", "not_now"),
        ("intent", "暂时不买", "not_now"),
        ("intent", "有兴趣", "interested"),
        ("intent", "有意向", "interested"),
        ("intent", "INTERESTED", "interested"),
        ("intent", "已报价", "quoted"),
        ("intent", "拒绝", "declined"),
        ("outlook", "长期", "long_term"),
        ("outlook", "long-term", "long_term"),
        ("outlook", "Long Term", "long_term"),
        ("outlook", "LONG_TERM", "long_term"),
        ("outlook", "盲目", "unclear"),
        ("expectation", "follow peers", "follow_peers"),
        ("expectation", "Follow-Peers", "follow_peers"),
        ("expectation", "跟随同行", "follow_peers"),
        ("expectation", "品牌形象", "image"),
        ("style", "D", "eagle"),
        ("style", "d", "eagle"),
        ("style", "老鹰", "eagle"),
        ("style", "猫头鹰", "owl"),
        ("style", "Ｏｗｌ", "owl"),
        ("party_type", "经销商", "direct"),
        ("party_type", "药店", "terminal"),
        ("business_type", "生产型", "manufacturer"),
        ("business_type", "Wholesaler", "wholesaler"),
        ("contract_status", "老客户", "renewal"),
        ("contract_status", "断约", "lapsed"),
        ("stage", "关系倒退", "regressing"),
        ("stage", "strategic", "strategic"),
        ("need_type", "隐藏性", "implicit"),
        ("open_complaint", "习惯性", "habitual"),
        ("decisiveness", "优柔", "indecisive"),
        ("ecommerce_skill", "Beginner", "beginner"),
    ],
)
def test_code_spellings(domain: str, raw: str, expected: str) -> None:
    assert V.parse_code(raw, VOCAB, LOOKUP[domain]) == (expected, None)


@pytest.mark.parametrize(
    ("domain", "raw"),
    [
        ("intent", "maybe"),
        ("intent", "notnow2"),
        ("outlook", "中期"),
        ("style", "eagle owl"),
        ("stage", 42),
    ],
)
def test_unknown_code_is_a_problem(domain: str, raw: object) -> None:
    assert V.parse_code(raw, VOCAB, LOOKUP[domain]) == (None, "unknown_value")


# --------------------------------------------------------------------------- column parsing


def test_parse_column_parses_each_distinct_value_once() -> None:
    calls: list[object] = []

    def parse(value: object) -> V.Parsed:
        calls.append(value)
        return V.parse_money(value, VOCAB)

    out, reasons = V.parse_column(["1万", "1万", "x", 5, "1万", None], parse)
    assert out == [10000.0, 10000.0, None, 5.0, 10000.0, None]
    assert reasons == [None, None, "not_money", None, None, None]
    assert calls == ["1万", "x", 5, None]


# --------------------------------------------------------------------------- properties

ALL_PARSERS = [
    ("money", lambda v: V.parse_money(v, VOCAB)),
    ("money_scaled", lambda v: V.parse_money(v, VOCAB, scale=1e4)),
    ("ratio", lambda v: V.parse_ratio(v, VOCAB)),
    ("ratio_points", lambda v: V.parse_ratio(v, VOCAB, percent_points=True)),
    ("number", lambda v: V.parse_number(v, VOCAB)),
    ("integer", lambda v: V.parse_integer(v, VOCAB)),
    ("date", lambda v: V.parse_date(v, VOCAB)),
    ("yesno", lambda v: V.parse_yesno(v, VOCAB)),
    ("numbers", lambda v: V.parse_numbers(v, VOCAB)),
    ("code", lambda v: V.parse_code(v, VOCAB, LOOKUP["intent"])),
    ("text", lambda v: V.parse_text(v, VOCAB)),
]

# what a reader hands over: text, numbers (incl. nan/inf), bools, dates, None
CELLS = st.one_of(
    st.text(),
    st.text(alphabet="0123456789,.;；、/ %万亿元¥￥-年月日"),
    st.floats(),
    st.integers(min_value=-(10**15), max_value=10**15),
    st.booleans(),
    st.none(),
    st.dates(),
    st.datetimes(),
)


@pytest.mark.parametrize(("kind", "parse"), ALL_PARSERS, ids=[k for k, _ in ALL_PARSERS])
@settings(max_examples=300, deadline=None)
@given(raw=CELLS)
def test_parsers_never_raise_and_return_value_reason(kind: str, parse, raw: object) -> None:  # type: ignore[no-untyped-def]
    result = parse(raw)
    assert isinstance(result, tuple) and len(result) == 2
    value, reason = result
    assert reason is None or (isinstance(reason, str) and reason)
    if reason is not None:
        assert value is None


@settings(max_examples=500, deadline=None)
@given(
    raw=st.one_of(
        st.text(),
        st.text(alphabet="0123456789,.¥万亿元 -"),
        st.floats(),
        st.integers(min_value=-(10**15), max_value=10**15),
    )
)
def test_money_read_is_finite_float_or_none(raw: object) -> None:
    value, reason = V.parse_money(raw, VOCAB)
    if reason is None:
        assert value is None or (isinstance(value, float) and math.isfinite(value))


@settings(max_examples=300, deadline=None)
@given(
    raw=st.floats(allow_nan=False, allow_infinity=False) | st.integers(-(10**15), 10**15),
    scale=st.sampled_from([1.0, 1e3, 1e4, 1e6, 1e8]),
)
def test_money_scaled_read_is_finite_float(raw: float, scale: float) -> None:
    value, reason = V.parse_money(raw, VOCAB, scale=scale)
    if math.isinf(float(raw) * scale):
        assert (value, reason) == (None, "not_money")
    else:
        assert reason is None
        assert isinstance(value, float) and math.isfinite(value)
        assert value == pytest.approx(float(raw) * scale)


@pytest.mark.parametrize(("raw", "scale"), [(1.797693134862316e305, 1e3), (1e301, 1e8)])
def test_money_scaled_overflow_is_a_problem(raw: float, scale: float) -> None:
    assert V.parse_money(raw, VOCAB, scale=scale) == (None, "not_money")


@pytest.mark.parametrize(
    "raw",
    ["9" * 400, "1" + "0" * 305 + "亿", "1" + "0" * 310 + "万"],
    ids=["9x400", "1e305yi", "1e310wan"],
)
def test_money_huge_digit_strings_are_a_problem_not_infinity(raw: str) -> None:
    assert V.parse_money(raw, VOCAB) == (None, "not_money")


def test_number_and_list_huge_digit_strings_are_problems() -> None:
    assert V.parse_number("9" * 400, VOCAB) == (None, "not_a_number")
    assert V.parse_numbers("1;" + "9" * 400, VOCAB) == (None, "not_a_number_list")


NUMERIC_PARSERS = [p for p in ALL_PARSERS if p[0] not in ("yesno", "code", "text")]
OTHER_PARSERS = [p for p in ALL_PARSERS if p[0] in ("yesno", "code", "text")]


@pytest.mark.parametrize(("kind", "parse"), NUMERIC_PARSERS, ids=[k for k, _ in NUMERIC_PARSERS])
def test_numeric_parsers_never_raise_on_huge_int(kind: str, parse) -> None:  # type: ignore[no-untyped-def]
    value, reason = parse(10**400)
    assert value is None and isinstance(reason, str)


@pytest.mark.parametrize(("kind", "parse"), OTHER_PARSERS, ids=[k for k, _ in OTHER_PARSERS])
def test_other_parsers_never_raise_on_huge_int(kind: str, parse) -> None:  # type: ignore[no-untyped-def]
    result = parse(10**400)
    assert isinstance(result, tuple) and len(result) == 2


MONEY_TEXTS = st.one_of(
    st.decimals(-1e9, 1e9, allow_nan=False, allow_infinity=False, places=4).map(str),
    st.integers(-(10**16), 10**16).map(str),
    st.sampled_from(["1.2万", "¥3,000", "(12)", " 7 ", "-", "无", "1e5", "+5", "0012", "inf", ""]),
    st.floats(-1e12, 1e12, allow_nan=False),
)


@settings(max_examples=50, deadline=None)
@given(st.lists(MONEY_TEXTS, min_size=1, max_size=60), st.sampled_from([1.0, 10_000.0, 1e-3]))
def test_money_read_at_once_is_money_read_one_by_one(values, scale) -> None:
    """A money column of many distinct plain numbers (an ERP's amounts) is read at once; every
    value comes out exactly as parse_money gives it alone."""
    from functools import partial

    padding = [f"{i}.25" for i in range(1000)]  # enough distinct values for the fast path
    parse = partial(V.parse_money, vocab=VOCAB, scale=scale)
    column = values + padding
    codes, parsed, reasons = V.parse_distinct(column, parse)
    assert list(zip(parsed[codes], reasons[codes], strict=True)) == [parse(v) for v in column]
