"""[§12] Working days and the daily limit.

China's working days come from the ``holidays`` package (statutory holidays and the make-up
working days 调休 of the years with an official schedule; for later years its estimated holidays
and no make-up days), then the rules' ``calendar.extra_holidays`` / ``extra_workdays``. A next
contact on a day off moves to the next working day; then no owner gets more than
``calendar.daily_limit`` next contacts on one working day (the highest priority first, the rest
wait for the next working day).
"""

from __future__ import annotations

import datetime as dt
import heapq
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import pandas as pd

from kqexcel.rules import Rules

HOLIDAY_LANGS = {
    "zh": "zh_CN",
    "en": "en_US",
}  # the holidays package's names in the plan's language


@lru_cache(maxsize=16)
def _china(years: tuple[int, ...], lang: str) -> tuple[frozenset[dt.date], frozenset[dt.date]]:
    """China's statutory days off and make-up working days over ``years`` (cached: the report
    plans hundreds of ledgers with one calendar)."""
    import holidays

    cn = holidays.China(years=years, language=HOLIDAY_LANGS.get(lang, "en_US"))
    off = frozenset(cn)
    workdays = frozenset(d for d in cn.weekend_workdays if d.year in years)
    return off, workdays


@lru_cache(maxsize=64)
def holiday_name(day: dt.date, lang: str) -> str | None:
    """The holidays package's name of a statutory day off (国庆节, 休息日（由 2026-09-20 调休）)."""
    import holidays

    cn = holidays.China(years=day.year, language=HOLIDAY_LANGS.get(lang, "en_US"))
    return cn.get(day)


def official_years() -> frozenset[int]:
    """The years whose holidays and make-up days the State Council has published, as the
    holidays package knows them (other years are its estimates)."""
    try:
        from holidays.countries.china import ChinaStaticHolidays
    except ImportError:  # pragma: no cover - a holidays release that moved it
        return frozenset()
    return frozenset(getattr(ChinaStaticHolidays, "special_public_holidays", {}))


@dataclass(frozen=True)
class WorkCalendar:
    """The working days from ``start`` to ``end`` (both included) as sorted ``datetime64[D]``;
    ``on`` False: every day is a working day (``calendar.working_days = false``)."""

    on: bool
    start: dt.date
    end: dt.date
    days: np.ndarray
    extra_holidays: frozenset[dt.date] = field(default_factory=frozenset)

    def is_working(self, day: dt.date) -> bool:
        """Whether ``day`` (within the calendar) is a working day."""
        d = np.datetime64(day, "D")
        i = int(np.searchsorted(self.days, d))
        return bool(i < len(self.days) and self.days[i] == d)

    def why_off(self, day: dt.date) -> str:
        """Why ``day`` is not a working day: ``company`` (an extra holiday of the rules),
        ``holiday`` (a statutory day off), ``saturday`` or ``sunday``."""
        if day in self.extra_holidays:
            return "company"
        if day.weekday() < 5:
            return "holiday"
        return "saturday" if day.weekday() == 5 else "sunday"


def work_calendar(rules: Rules, start: dt.date, end: dt.date, lang: str = "zh") -> WorkCalendar:
    """The working days from ``start`` through ``end`` by the rules' ``[calendar]``."""
    cal = rules.numbers.calendar
    every = np.arange(np.datetime64(start, "D"), np.datetime64(end, "D") + 1)
    if not cal.working_days:
        return WorkCalendar(False, start, end, every)
    years = tuple(range(start.year, end.year + 1))
    off, make_up = _china(years, lang)
    weekday = (every.astype("int64") + 3) % 7  # 1970-01-01 was a Thursday (3)
    working = weekday < 5
    for days, value in ((off, False), (make_up, True)):
        hits = np.isin(every, np.array(sorted(days), dtype="datetime64[D]"))
        working[hits] = value
    extra_off = frozenset(cal.extra_holidays)
    for days, value in ((extra_off, False), (frozenset(cal.extra_workdays), True)):
        if days:
            working[np.isin(every, np.array(sorted(days), dtype="datetime64[D]"))] = value
    return WorkCalendar(True, start, end, every[working], extra_off)


def calendar_for(
    rules: Rules, as_of: dt.date, latest: dt.date, waiting: int = 0, lang: str = "zh"
) -> WorkCalendar:
    """A calendar from ``as_of`` long enough for every date up to ``latest`` plus ``waiting``
    more working days (what the daily limit may push a date on by)."""
    end = max(latest, as_of) + dt.timedelta(days=31 + 2 * waiting)
    return work_calendar(rules, as_of, end, lang)


def to_working_day(dates: pd.Series, cal: WorkCalendar) -> pd.Series:
    """[§12] each date, or the next working day when it is a day off (NaT stays NaT)."""
    if not cal.on:
        return dates
    values = dates.to_numpy(dtype="datetime64[D]")
    known = ~np.isnat(values)
    out = values.copy()
    i = np.searchsorted(cal.days, values[known])
    out[known] = cal.days[np.minimum(i, len(cal.days) - 1)]
    return pd.Series(out.astype("datetime64[ns]"), index=dates.index)


def spread(
    dates: pd.Series,
    owners: pd.Series,
    score: pd.Series,
    overdue: pd.Series,
    ids: pd.Series,
    limit: int,
    cal: WorkCalendar,
) -> pd.Series:
    """[§12] the daily limit: walking the working days from the first on or after as_of, each
    owner's day takes, of that owner's customers not yet placed whose date is that day or
    earlier, the highest ``score`` first (ties: more days ``overdue``, then the customer id
    ascending), at most ``limit``; the rest wait for the next working day. Rows with no owner
    count as one owner. ``dates`` are working days of ``cal``."""
    if limit <= 0 or dates.isna().all():
        return dates
    owner_codes = pd.factorize(owners.astype(object).where(owners.notna(), "\x00"))[0]
    day_index = np.searchsorted(cal.days, dates.to_numpy(dtype="datetime64[D]"))
    keys, counts = np.unique(
        owner_codes.astype(np.int64) * (len(cal.days) + 1) + day_index, return_counts=True
    )
    if not (counts > limit).any():
        return dates
    # one rank for "comes first": score high, overdue high, id low (ids compared as text)
    rank = np.empty(len(dates), dtype=np.int64)
    order = np.lexsort(
        (
            ids.astype(object).map(lambda v: "" if v is None else str(v)).to_numpy(dtype=str),
            -overdue.to_numpy(dtype=np.int64),
            -score.to_numpy(dtype=np.int64),
        )
    )
    rank[order] = np.arange(len(dates))
    placed = day_index.copy()
    for owner in np.unique(keys[counts > limit] // (len(cal.days) + 1)):
        rows = np.flatnonzero(owner_codes == owner)
        rows = rows[np.argsort(day_index[rows], kind="stable")]
        placed[rows] = _walk(day_index[rows], rank[rows], limit)
    if placed.max() >= len(cal.days):
        raise ValueError("the calendar is too short for the daily limit")  # calendar_for sizes it
    return pd.Series(cal.days[placed].astype("datetime64[ns]"), index=dates.index)


def _walk(days: np.ndarray, ranks: np.ndarray, limit: int) -> np.ndarray:
    """One owner's days (sorted) and ranks → the day index each is placed on."""
    out = np.empty(len(days), dtype=np.int64)
    waiting: list[tuple[int, int]] = []
    day_list, rank_list = days.tolist(), ranks.tolist()
    i, n, day = 0, len(day_list), day_list[0] if len(day_list) else 0
    while i < n or waiting:
        if not waiting and day < day_list[i]:
            day = day_list[i]
        while i < n and day_list[i] <= day:
            heapq.heappush(waiting, (rank_list[i], i))
            i += 1
        for _ in range(min(limit, len(waiting))):
            out[heapq.heappop(waiting)[1]] = day
        day += 1
    return out
