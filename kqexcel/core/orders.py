"""Orders and RFM (DOMAIN.md §11): what customers actually bought, over whole columns.

``facts`` answers, for every row of the customer table, the values §11 derives from the orders
sheet (revenue of the window, recency, frequency, monetary, their scores and segment, the latest
order, the median gap between orders, the two years compared for revenue_drop). ``rfm`` is the
scoring alone, from parsed columns, as the rfm package of R computes it; the formula KQ_RFM and
the plan both call it. The rules that need the tier (revenue_drop) are applied by the plan;
nothing here formats text.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from kqexcel.core import customer_file as CF
from kqexcel.core.ledger import Ledger, Problem
from kqexcel.rules import Rules

YEAR = 365  # [§11] revenue_drop compares the last 365 days with the 365 before
GAP_MIN_ORDERS = 3  # [§11] order_gap needs at least this many orders
OTHERS = "others"  # [§11] the segment of scores no row of the table holds
# [§11] what KQ_RFM spills per customer, in order
RFM_COLUMNS = (
    "recency",
    "frequency",
    "monetary",
    "r_score",
    "f_score",
    "m_score",
    "rfm_score",
    "rfm_segment",
)


def rfm(
    recency: np.ndarray,
    frequency: np.ndarray,
    monetary: np.ndarray,
    rules: Rules,
) -> pd.DataFrame:
    """[§11] the scores of customers with orders (one row each: days since the latest order,
    number of orders, sum of amounts): r_score, f_score, m_score 1–bins, rfm_score
    100 R + 10 F + M, rfm_segment (the first row of the segment table holding the three
    scores; none: others) and ``urgent`` (the segment's flag).

    Method "quantile": the breaks are the k/bins quantiles (``r_quantiles``: R's type 7, linear
    interpolation) of the values + ``break_offset``; "fixed": the rules' breaks. c = the number
    of breaks ≤ a value; frequency and monetary score 1 + c, recency bins − c. Breaks that
    coincide leave their bins empty. With fewer than 2 customers, quantile scores mean nothing:
    all null."""
    r = rules.numbers.rfm
    values = {"recency": recency, "frequency": frequency, "monetary": monetary}
    n = len(recency)
    out: dict[str, Any] = {k: np.asarray(v, dtype=float) for k, v in values.items()}
    scored = r.method == "fixed" or n >= 2
    for measure, key in (("recency", "r_score"), ("frequency", "f_score"), ("monetary", "m_score")):
        x = out[measure]
        if not scored or not n:
            out[key] = np.full(n, np.nan)
            continue
        if r.method == "fixed":
            breaks = np.asarray(r.fixed_breaks[measure], dtype=float)
        else:
            breaks = r_quantiles(x, r.bins) + r.break_offset
        c = np.searchsorted(breaks, x, side="right")
        out[key] = (r.bins - c if measure == "recency" else 1 + c).astype(float)
    frame = pd.DataFrame(out)
    frame["rfm_score"] = 100 * frame["r_score"] + 10 * frame["f_score"] + frame["m_score"]
    segment, urgent = segments(frame["r_score"], frame["f_score"], frame["m_score"], rules)
    frame["rfm_segment"] = segment
    frame["urgent"] = urgent
    return frame


def r_quantiles(x: np.ndarray, bins: int) -> np.ndarray:
    """The k/bins quantiles of ``x``, k = 1 … bins − 1, exactly as R computes
    ``quantile(x, probs = seq(0, 1, length.out = bins + 1))`` (type 7, the rfm package's call):
    the probabilities as R's seq makes them (k × (1 / bins): 3 × 0.2 is 0.6000000000000001),
    the index 1 + (n − 1) p, and (1 − h) x[lo] + h x[hi] where x[hi] differs from x[lo]. The
    last bit matters: a value equal to a break lands in the bin above it."""
    v = np.sort(x)
    probs = np.arange(1, bins) * (1.0 / bins)
    index = 1 + (len(v) - 1) * probs
    lo, hi = np.floor(index).astype(np.int64), np.ceil(index).astype(np.int64)
    low, high = v[lo - 1], v[hi - 1]
    h = index - lo
    mixed = (index > lo) & (high != low)
    return np.where(mixed, (1 - h) * low + h * high, low)


def segments(
    r: pd.Series, f: pd.Series, m: pd.Series, rules: Rules
) -> tuple[np.ndarray, np.ndarray]:
    """[§11] each customer's segment code (None where the scores are null) and whether it is
    urgent, the first row of ``rfm.segments`` whose inclusive ranges hold the three scores."""
    rows: Sequence[Mapping[str, Any]] = rules.numbers.rfm.segments
    scores = {
        "r": r.to_numpy(dtype=float),
        "f": f.to_numpy(dtype=float),
        "m": m.to_numpy(dtype=float),
    }
    held = [
        np.logical_and.reduce(
            [(scores[k] >= row[k][0]) & (scores[k] <= row[k][1]) for k in ("r", "f", "m")]
        )
        for row in rows
    ]
    codes = [str(row["code"]) for row in rows]
    flags = [bool(row.get("urgent", False)) for row in rows]
    segment = np.select(held, codes, OTHERS).astype(object)  # type: ignore[call-overload]
    urgent = np.select(held, flags, False).astype(bool)  # type: ignore[call-overload]
    known = ~np.isnan(scores["r"])
    segment[~known] = None
    return segment, urgent & known


def facts(ledger: Ledger, rules: Rules, as_of: dt.date) -> tuple[pd.DataFrame, list[Problem]]:
    """What the orders say of every customer of ``ledger`` (one row per customer, aligned with
    its table), and the problems of linking them (an order of no customer). Orders dated after
    ``as_of`` are skipped. Columns: ``has_orders`` (the customer's file has the sheet),
    ``orders_window`` (sum of the amounts of the last ``orders.window_days`` days), ``recency``,
    ``frequency``, ``monetary``, ``last_order``, the scores and segment of ``rfm`` with
    ``urgent``, ``rfm_customers`` (how many customers were scored together), ``gap_median`` and
    ``order_gap``, and ``year_last`` / ``year_before`` / ``orders_before`` for revenue_drop."""
    t = ledger.table
    n = len(t)
    problems: list[Problem] = []
    files = t["_file"].to_numpy(dtype=object)
    sheet = ledger.orders
    out: dict[str, Any] = {"has_orders": CF.has_sheet(files, sheet)}
    if sheet is None:
        return _empty(t, out), problems
    today = np.datetime64(as_of, "D")
    o = sheet.table
    dates = o["date"].to_numpy(dtype="datetime64[D]")
    if (dates > today).any():  # orders after as_of: skipped
        o = o[dates <= today].reset_index(drop=True)
        dates = dates[dates <= today]
    owner = CF.link(t, o, CF.mapped_columns(sheet), problems)
    ok = owner >= 0
    owner = owner[ok]
    age = (today - dates[ok]).astype(np.int64)
    amount = o["amount"].to_numpy(dtype=float)[ok]
    o_num = rules.numbers.orders

    frequency = np.bincount(owner, minlength=n)
    monetary = np.bincount(owner, weights=amount, minlength=n)
    window = age < o_num.window_days
    out["orders_window"] = np.bincount(owner[window], weights=amount[window], minlength=n)
    last_year = age < YEAR
    before = (age >= YEAR) & (age < 2 * YEAR)
    out["year_last"] = np.bincount(owner[last_year], weights=amount[last_year], minlength=n)
    out["year_before"] = np.bincount(owner[before], weights=amount[before], minlength=n)
    out["orders_before"] = np.bincount(owner[before], minlength=n)

    # one sort by customer, then newest first: each group's first row is its latest order
    s_owner, s_age = _sorted_pairs(owner, age)
    start = np.r_[True, s_owner[1:] != s_owner[:-1]] if len(s_owner) else np.zeros(0, bool)
    recency = np.full(n, np.nan)
    recency[s_owner[start]] = s_age[start]
    has = frequency > 0
    out["recency"] = recency
    out["frequency"] = np.where(has, frequency, np.nan)
    out["monetary"] = np.where(has, monetary, np.nan)
    days = np.nan_to_num(recency).astype(np.int64).astype("timedelta64[D]")
    out["last_order"] = np.where(has, today - days, np.datetime64("NaT")).astype("datetime64[ns]")
    out["gap_median"] = _median_gaps(s_owner, s_age, start, n)
    factor = o_num.gap_factor
    out["order_gap"] = has & (frequency >= GAP_MIN_ORDERS) & (recency > factor * out["gap_median"])

    scored = rfm(recency[has], frequency[has], monetary[has], rules)
    for key in ("r_score", "f_score", "m_score", "rfm_score"):
        column = np.full(n, np.nan)
        column[has] = scored[key].to_numpy()
        out[key] = column
    segment = np.full(n, None, dtype=object)
    segment[has] = scored["rfm_segment"].to_numpy(dtype=object)
    out["rfm_segment"] = segment
    urgent = np.zeros(n, dtype=bool)
    urgent[has] = scored["urgent"].to_numpy(dtype=bool)
    out["urgent"] = urgent
    out["rfm_customers"] = np.full(n, int(has.sum()))
    frame = pd.DataFrame(
        {k: (v.to_numpy() if isinstance(v, pd.Series) else v) for k, v in out.items()},
        index=t.index,
    )
    return frame, problems


AGE_BITS = 24  # days fit in 24 bits (45,000 years): (customer, days) sorts as one int64


def _sorted_pairs(first: np.ndarray, second: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The pairs (customer position, days ≥ 0) sorted by customer, then days: one int64 key
    sorted, which is several times faster than np.lexsort on two keys."""
    key = np.sort((first.astype(np.int64) << AGE_BITS) | second.astype(np.int64))
    return key >> AGE_BITS, key & ((1 << AGE_BITS) - 1)


def _median_gaps(s_owner: np.ndarray, s_age: np.ndarray, start: np.ndarray, n: int) -> np.ndarray:
    """Each customer's median gap in days between consecutive order dates (two orders on one
    day: a gap of 0), from the orders sorted by customer and newest first; NaN with < 2 orders."""
    out = np.full(n, np.nan)
    if len(s_owner) < 2:
        return out
    same = ~start[1:]  # the row after another of its customer
    gaps = (s_age[1:] - s_age[:-1])[same]
    who = s_owner[1:][same]
    if not len(gaps):
        return out
    w_sorted, g_sorted = _sorted_pairs(who, gaps)
    first = np.r_[True, w_sorted[1:] != w_sorted[:-1]]
    starts = np.flatnonzero(first)
    counts = np.diff(np.r_[starts, len(w_sorted)])
    low = g_sorted[starts + (counts - 1) // 2]
    high = g_sorted[starts + counts // 2]
    out[w_sorted[starts]] = (low + high) / 2
    return out


def _empty(t: pd.DataFrame, out: dict[str, Any]) -> pd.DataFrame:
    """The facts of a ledger without an orders sheet: every value null."""
    n = len(t)
    for key in (
        "orders_window",
        "year_last",
        "year_before",
        "recency",
        "frequency",
        "monetary",
        "gap_median",
        "r_score",
        "f_score",
        "m_score",
        "rfm_score",
    ):
        out[key] = np.full(n, np.nan)
    out["orders_before"] = np.zeros(n, dtype=np.int64)
    out["last_order"] = pd.Series([pd.NaT] * n, dtype="datetime64[ns]").to_numpy()
    out["order_gap"] = np.zeros(n, dtype=bool)
    out["rfm_segment"] = np.full(n, None, dtype=object)
    out["urgent"] = np.zeros(n, dtype=bool)
    out["rfm_customers"] = np.zeros(n, dtype=np.int64)
    return pd.DataFrame(out, index=t.index)
