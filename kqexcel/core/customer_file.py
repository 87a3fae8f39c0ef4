"""The customer file's other sheets (DOMAIN.md §10): each follow-up log entry and each contact
linked to its customer, and what they tell about every customer, over whole columns.

``facts`` answers, for every row of the customer table, the values §10 derives (the latest entry,
the entries in the window, the last visit, the promised date, the key person, the levels…) with
the sheet and Excel row each came from, so the rationale can name them. The rules that need the
tier (no_visit, single_threaded, no_insider) are applied by the plan; nothing here formats text.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from kqexcel.core.classify import AXES
from kqexcel.core.ledger import Ledger, Problem
from kqexcel.rules import Rules

LEVELS = ("decision", "management", "operation")  # [§10] in the order levels_covered lists them
NO_ROW = -1  # a customer the sheet says nothing about
UNLINKED_REASON = "no_such_customer"


def attach(ledger: Ledger, sheets: dict[str, Ledger | None]) -> Ledger:
    """``ledger`` with the customer file's other sheets (log, contacts, orders; by kind); their
    reading problems (and what was understood of them) join the ledger's, after its own."""
    problems = list(ledger.problems)
    for sheet in sheets.values():
        if sheet is not None:
            problems.extend(sheet.problems)
    found = ledger.with_sheets(
        {k: None if s is None else replace(s, problems=[]) for k, s in sheets.items()}
    )
    found.problems = problems
    return found


def _text_key(values: pd.Series) -> pd.Series:
    """An id as Excel shows it, for linking: NFKC, trimmed (1001 and 1001.0 are both 1001 once
    read; 001001 stays 001001). Each distinct value is normalised once."""
    return _distinct(values, _nfkc)


def _nfkc(value: Any) -> str:
    if type(value) is str and value.isascii():  # NFKC leaves ASCII as it is: K000123, 1001
        return value.strip()
    return unicodedata.normalize("NFKC", str(value)).strip()


def _folded(value: Any) -> str:
    return _nfkc(value).casefold()


def _name_key(values: pd.Series) -> pd.Series:
    """A name for linking and for comparing persons: NFKC, trimmed, case-folded."""
    return _distinct(values, _folded)


def _distinct(values: pd.Series, key: Any) -> pd.Series:
    """``key`` of every value (None stays None), computed once per distinct value: a log of a
    million rows names a few thousand customers and persons."""
    codes, uniques = pd.factorize(values.to_numpy(dtype=object), use_na_sentinel=True)
    keyed = np.array([key(u) for u in uniques] + [None], dtype=object)
    return pd.Series(keyed[codes], index=values.index, dtype=object)


def _coded(values: pd.Series, key: Any) -> tuple[np.ndarray, np.ndarray]:
    """Each value's code (-1: None) and ``key`` of each distinct value: the records of a sheet
    are linked through their few distinct keys, not their millions of rows."""
    codes, uniques = pd.factorize(values.to_numpy(dtype=object), use_na_sentinel=True)
    keys = np.empty(len(uniques), dtype=object)
    keys[:] = [key(u) for u in uniques]
    return codes, keys


def link(
    customers: pd.DataFrame, records: pd.DataFrame, mapped: dict[str, Any], problems: list[Problem]
) -> np.ndarray:
    """The position in ``customers`` of each record's customer (-1: none). A record with an id
    cell links by id only; one without, by name. Each record links within the customer file it
    belongs to (its ``_link``; None: any). A record matching no customer, or two by name, is a
    problem ("no such customer", "ambiguous customer") naming its sheet, row and key column."""
    out = np.full(len(records), NO_ROW, dtype=np.int64)
    if not len(records) or not len(customers):
        if len(records):
            problems += _record_problems(records, np.arange(len(records)), mapped, UNLINKED_REASON)
        return out
    ids, names = _text_key(customers["customer_id"]), _name_key(customers["name"])
    id_codes, id_keys = _coded(records["customer_id"], _nfkc)
    name_codes, name_keys = _coded(records["name"], _folded)
    has_id, has_name = id_codes >= 0, name_codes >= 0
    scope_codes, scopes = pd.factorize(records["_link"].to_numpy(dtype=object))
    files = customers["_file"].to_numpy(dtype=object)
    ambiguous = np.zeros(len(records), dtype=bool)
    elsewhere = np.zeros(len(records), dtype=bool)  # rows of another file's customers
    for code in np.unique(scope_codes).tolist():
        mine = scope_codes == code
        scope = "" if code < 0 else scopes[code]  # -1: no _link, any customer
        among = np.flatnonzero(files == scope) if scope else np.arange(len(customers))
        if scope and not len(among):
            elsewhere |= mine
            continue
        with_id = mine & has_id
        if with_id.any():
            found = _first_of(pd.Index(ids.iloc[among]), id_keys)[id_codes[with_id]]
            out[with_id] = np.where(found >= 0, among[np.maximum(found, 0)], NO_ROW)
        with_name = mine & ~has_id & has_name
        if with_name.any():
            by_name = names.iloc[among]
            counts = by_name.value_counts()
            single = pd.Index(counts.index[counts.to_numpy() == 1])
            unique_names = pd.Series(among, index=by_name.to_numpy())
            unique_names = unique_names[unique_names.index.isin(single)]
            wanted = name_codes[with_name]
            found = pd.Index(unique_names.index).get_indexer(name_keys)[wanted]
            targets = np.append(unique_names.to_numpy(dtype=np.int64), NO_ROW)
            out[with_name] = targets[np.where(found >= 0, found, len(targets) - 1)]
            twice = pd.Index(name_keys).isin(counts.index[counts.to_numpy() > 1])[wanted]
            positions = np.flatnonzero(with_name)[twice]
            ambiguous[positions] = True
            if twice.any():
                rows = customers["_row"].to_numpy()
                shown = [
                    f"{Path(f).name}:{int(r)}" if not scope else str(int(r))
                    for f, r in zip(files[among], rows[among], strict=True)
                ]
                where = {
                    n: ", ".join(shown[k] for k in np.flatnonzero(by_name.to_numpy() == n)[:5])
                    for n in set(name_keys[name_codes[positions]])
                }
                problems += _record_problems(
                    records,
                    positions,
                    mapped,
                    "ambiguous_customer",
                    lambda i, where=where: where[name_keys[name_codes[i]]],
                )
    unlinked = np.flatnonzero((out < 0) & ~ambiguous & ~elsewhere)
    problems += _record_problems(records, unlinked, mapped, UNLINKED_REASON)
    return out


UNLINKED = "\0unlinked"  # the _link of a row that belongs to no customer file (said once)


def assign_links(customers: pd.DataFrame, sheet: Ledger) -> tuple[Ledger, list[Problem]]:
    """A sheet given apart (``--log`` for a report of several ledgers, each planned alone) with
    each row's ``_link`` set to the file of the customer it links to among every ledger's; the
    rows linking to none (or by name to two) are left out, and their problems returned."""
    problems: list[Problem] = []
    found = link(customers, sheet.table, mapped_columns(sheet), problems)
    files = customers["_file"].to_numpy(dtype=object)
    table = sheet.table.copy()
    table["_link"] = np.where(found >= 0, files[np.maximum(found, 0)], UNLINKED)
    return replace(sheet, table=table), problems


def _first_of(index: pd.Index, wanted: np.ndarray) -> np.ndarray:
    """Positions of the distinct keys ``wanted`` in ``index`` (-1: absent); an index with
    repeats (ids of two customer files read as one) answers the first."""
    if not index.is_unique:
        first = pd.Series(np.arange(len(index)), index=index)
        index = pd.Index(first[~first.index.duplicated()].index)
    return np.asarray(index.get_indexer(wanted))


def _record_problems(
    records: pd.DataFrame,
    rows: Any,
    mapped: dict[str, Any],
    reason: str,
    detail: Any = None,
) -> list[Problem]:
    """One problem per record at ``rows`` (positions), placed at its id column, or its name
    column when it has no id; ``detail(i)`` gives a record's detail."""
    has_id = records["customer_id"].notna().to_numpy()
    out = []
    for i in np.asarray(rows).tolist():
        file = str(records["_file"].iat[i])
        key = "customer_id" if has_id[i] else "name"
        column = mapped.get(file, {}).get(key)
        out.append(
            Problem(
                file,
                str(records["_sheet"].iat[i]),
                int(records["_row"].iat[i]),
                column.place if column is not None else None,
                records[key].iat[i],
                reason,
                detail=detail(i) if detail else "",
            )
        )
    return out


def mapped_columns(sheet: Ledger) -> dict[str, Any]:
    """Each file's field → column map of a (combined) sheet, for the problems' places."""
    return {
        file: {c.field: c for c in cols if c.field} for file, cols in sheet.columns_by_file.items()
    }


def _last_per(groups: np.ndarray, order_keys: tuple[np.ndarray, ...], n: int) -> np.ndarray:
    """For each of ``n`` groups, the position of its last row by ``order_keys`` (the last key
    sorts first, as np.lexsort has it); NO_ROW for a group without rows."""
    return _end_per(groups, order_keys, n, last=True)


def _first_per(groups: np.ndarray, order_keys: tuple[np.ndarray, ...], n: int) -> np.ndarray:
    """For each group, the position of its first row by ``order_keys`` (see ``_last_per``)."""
    return _end_per(groups, order_keys, n, last=False)


def _end_per(
    groups: np.ndarray, order_keys: tuple[np.ndarray, ...], n: int, last: bool
) -> np.ndarray:
    out = np.full(n, NO_ROW, dtype=np.int64)
    if not len(groups):
        return out
    order = np.lexsort((*order_keys, groups))
    sorted_groups = groups[order]
    change = sorted_groups[1:] != sorted_groups[:-1]
    end = np.r_[change, True] if last else np.r_[True, change]
    out[sorted_groups[end]] = order[end]
    return out


def _pick(values: pd.Series, at: np.ndarray, dtype: Any = object) -> pd.Series:
    """``values`` at positions ``at`` (NO_ROW: missing), as a column of the customer table."""
    source = values.to_numpy()
    if dtype == "datetime64[ns]":
        picked = np.where(
            at >= 0,
            source[np.maximum(at, 0)] if len(source) else np.datetime64("NaT"),
            np.datetime64("NaT"),
        )
        return pd.Series(picked.astype("datetime64[ns]"))
    if not len(source):
        return pd.Series([None] * len(at), dtype=dtype)
    picked_obj = source.astype(object)[np.maximum(at, 0)]
    picked_obj[at < 0] = None
    return pd.Series(picked_obj, dtype=dtype)


def person_styles(contacts: pd.DataFrame) -> pd.Series:
    """[§10] each person's style: their style cell, else their two axes (None: neither)."""
    explicit = contacts["style"].where(contacts["style"] != "unknown")
    d = contacts["decisiveness"].to_numpy(dtype=object)
    o = contacts["orientation"].to_numpy(dtype=object)
    axes = np.select([(d == a) & (o == b) for a, b in AXES], list(AXES.values()), None)  # type: ignore[call-overload]
    return explicit.astype(object).where(explicit.notna(), pd.Series(axes, index=contacts.index))


MONTH_CHANNELS = ("visit", "phone", "message", "email")  # [§13] coverage's entries by channel


def facts(
    ledger: Ledger, rules: Rules, as_of: dt.date, month_start: dt.date | None = None
) -> tuple[pd.DataFrame, list[Problem]]:
    """What the log and the contacts say of every customer of ``ledger`` (one row per customer,
    aligned with its table), and the problems of linking them. Columns:

    - ``has_log`` / ``has_contacts``: the customer's file has the sheet;
    - from the log (entries on or before as_of): ``log_last`` (date), ``log_row`` / ``log_sheet``
      of the latest entry (ties: the lower row), its parts ``note_channel``, ``note_person``,
      ``note_content``, ``note_result``, ``promised`` (its next date); ``log_entries`` in the
      window; ``last_visit`` with ``visit_row`` / ``visit_sheet``; ``persons`` (distinct persons
      named in the window); ``dm_log`` (True / False / None) with ``dm_date``, ``dm_person``,
      ``dm_row``, ``dm_sheet`` of the latest entry naming a decision-level person;
    - from the contacts: ``contacts_known``, ``levels`` (codes), ``key_name``, ``key_title``,
      ``key_style``, ``key_level``, ``key_row``, ``key_sheet``, ``insider_known``;
    - [§13] ``month_entries`` and ``month_<channel>`` (``MONTH_CHANNELS``): the entries from
      ``month_start`` (default: the first of as_of's month) to as_of, within that month."""
    t = ledger.table
    n = len(t)
    today = pd.Timestamp(as_of)
    problems: list[Problem] = []
    files = t["_file"].to_numpy(dtype=object)
    out: dict[str, Any] = {}
    log, contacts = ledger.log, ledger.contacts
    out["has_log"] = has_sheet(files, log)
    out["has_contacts"] = has_sheet(files, contacts)

    decision_people: pd.DataFrame | None = None
    if contacts is not None:
        c = contacts.table
        owner = link(t, c, mapped_columns(contacts), problems)
        c_ok = owner >= 0
        c, owner = c[c_ok].reset_index(drop=True), owner[c_ok]
        keys = _name_key(c["person"])
        styles = person_styles(c)
        distinct = pd.DataFrame({"o": owner, "p": keys}).drop_duplicates()
        known = np.bincount(distinct["o"].to_numpy(dtype=np.int64), minlength=n).astype(float)
        out["contacts_known"] = np.where(out["has_contacts"], known, np.nan)
        level = c["level"].to_numpy(dtype=object)
        bits = np.zeros(n, dtype=np.int64)
        for k, code in enumerate(LEVELS):
            has = np.zeros(n, dtype=bool)
            has[owner[level == code]] = True
            bits |= has.astype(np.int64) << k
        patterns = {
            int(m): [code for k, code in enumerate(LEVELS) if int(m) >> k & 1]
            for m in np.unique(bits)
        }
        out["levels"] = [
            patterns[int(m)] if h else None
            for m, h in zip(bits.tolist(), out["has_contacts"].tolist(), strict=True)
        ]
        rank = np.select([level == "decision", level == "management"], [0, 1], 2)
        rows = c["_row"].to_numpy(dtype=np.int64)
        sheet_order = pd.factorize(c["_sheet"].astype(object))[0]
        key_at = _first_per(owner, (rows, sheet_order, rank), n)
        out["key_name"] = _pick(c["person"], key_at)
        out["key_title"] = _pick(c["title"], key_at)
        out["key_style"] = _pick(styles, key_at)
        out["key_level"] = _pick(c["level"], key_at)
        out["key_row"] = _pick(c["_row"], key_at)
        out["key_sheet"] = _pick(c["_sheet"], key_at)
        insider = np.zeros(n, dtype=bool)
        insider[owner[(c["insider"] == True).to_numpy(dtype=bool)]] = True  # noqa: E712
        out["insider_known"] = insider
        decision_people = pd.DataFrame({"o": owner, "p": keys})[level == "decision"].dropna()
    else:
        out["contacts_known"] = np.full(n, np.nan)
        out["levels"] = [None] * n
        for key in ("key_name", "key_title", "key_style", "key_level", "key_row", "key_sheet"):
            out[key] = pd.Series([None] * n, dtype=object)
        out["insider_known"] = np.zeros(n, dtype=bool)

    if log is not None:
        g = log.table
        g = g[(g["date"] <= today).to_numpy()]  # a later date is a plan, not a contact
        g = g.reset_index(drop=True)
        owner = link(t, g, mapped_columns(log), problems)
        ok = owner >= 0
        g, owner = g[ok].reset_index(drop=True), owner[ok]
        dates = g["date"].to_numpy(dtype="datetime64[ns]")
        rows = g["_row"].to_numpy(dtype=np.int64)
        sheet_order = pd.factorize(g["_sheet"].astype(object))[0]
        last_at = _last_per(owner, (rows, sheet_order, dates.astype(np.int64)), n)
        out["log_last"] = _pick(g["date"], last_at, "datetime64[ns]")
        out["log_row"] = _pick(g["_row"], last_at)
        out["log_sheet"] = _pick(g["_sheet"], last_at)
        for part in ("channel", "person", "content", "result"):
            out[f"note_{part}"] = _pick(g[part], last_at)
        out["promised"] = _pick(g["next_date"], last_at, "datetime64[ns]")
        age = (today - g["date"]).dt.days.to_numpy()
        window = age < rules.numbers.log.window_days
        entries = np.bincount(owner[window], minlength=n).astype(float)
        out["log_entries"] = np.where(out["has_log"], entries, np.nan)
        visits = (g["channel"] == "visit").to_numpy(dtype=bool)
        visit_at = _last_per(owner[visits], (rows[visits], dates[visits].astype(np.int64)), n)
        visit_index = np.flatnonzero(visits)
        visit_at = np.where(
            visit_at >= 0,
            visit_index[np.maximum(visit_at, 0)] if len(visit_index) else NO_ROW,
            NO_ROW,
        )
        out["last_visit"] = _pick(g["date"], visit_at, "datetime64[ns]")
        out["visit_row"] = _pick(g["_row"], visit_at)
        out["visit_sheet"] = _pick(g["_sheet"], visit_at)
        names = _name_key(g["person"])
        in_window = pd.DataFrame({"o": owner[window], "p": names[window].to_numpy(dtype=object)})
        persons = in_window.dropna().drop_duplicates()
        out["persons"] = np.bincount(persons["o"].to_numpy(dtype=np.int64), minlength=n).astype(
            float
        )
        out.update(_decision_maker(g, owner, window, names, decision_people, n))
        start = pd.Timestamp(month_start or as_of.replace(day=1))
        end = start + pd.offsets.MonthBegin(1)  # an as_of after the month counts no later entry
        month = ((g["date"] >= start) & (g["date"] < end)).to_numpy(dtype=bool)
        out["month_entries"] = np.bincount(owner[month], minlength=n).astype(float)
        channels = g["channel"].to_numpy(dtype=object)
        for ch in MONTH_CHANNELS:
            at = owner[month & (channels == ch)]
            out[f"month_{ch}"] = np.bincount(at, minlength=n).astype(float)
    else:
        out["log_last"] = pd.Series([pd.NaT] * n, dtype="datetime64[ns]")
        out["promised"] = pd.Series([pd.NaT] * n, dtype="datetime64[ns]")
        out["last_visit"] = pd.Series([pd.NaT] * n, dtype="datetime64[ns]")
        out["log_entries"] = np.full(n, np.nan)
        out["persons"] = np.zeros(n)
        for key in ("month_entries", *(f"month_{ch}" for ch in MONTH_CHANNELS)):
            out[key] = np.zeros(n)
        for key in (
            "log_row",
            "log_sheet",
            "visit_row",
            "visit_sheet",
            "note_channel",
            "note_person",
            "note_content",
            "note_result",
            "dm_person",
            "dm_row",
            "dm_sheet",
        ):
            out[key] = pd.Series([None] * n, dtype=object)
        out["dm_log"] = pd.Series([None] * n, dtype=object)
        out["dm_date"] = pd.Series([pd.NaT] * n, dtype="datetime64[ns]")
    frame = pd.DataFrame(
        {k: (v.to_numpy() if isinstance(v, pd.Series) else v) for k, v in out.items()},
        index=t.index,
    )
    return frame, problems


def has_sheet(files: np.ndarray, sheet: Ledger | None) -> np.ndarray:
    """Which customers' files have the sheet (a sheet given apart belongs to every file)."""
    if sheet is None:
        return np.zeros(len(files), dtype=bool)
    table = sheet.table
    if "_apart" in table.columns:  # given apart (--log) and read: every file has it
        return np.ones(len(files), dtype=bool)
    links = (
        set(pd.unique(table["_link"].to_numpy(dtype=object)))
        if len(table)
        else set(sheet.columns_by_file)
    )
    if None in links or any(link != link for link in links):
        return np.ones(len(files), dtype=bool)
    return np.isin(files, list(links))


def _decision_maker(
    g: pd.DataFrame,
    owner: np.ndarray,
    window: np.ndarray,
    names: pd.Series,
    decision_people: pd.DataFrame | None,
    n: int,
) -> dict[str, Any]:
    """[§10] whether an entry in the window names a decision-level person of its customer, with
    the latest such entry (None where the file lacks the log or the contacts)."""
    out: dict[str, Any] = {}
    if decision_people is None:
        out["dm_log"] = pd.Series([None] * n, dtype=object)
        for key in ("dm_person", "dm_row", "dm_sheet"):
            out[key] = pd.Series([None] * n, dtype=object)
        out["dm_date"] = pd.Series([pd.NaT] * n, dtype="datetime64[ns]")
        return out
    pairs = pd.MultiIndex.from_arrays(
        [decision_people["o"].to_numpy(), decision_people["p"].to_numpy(dtype=object)]
    )
    entry_pairs = pd.MultiIndex.from_arrays([owner, names.to_numpy(dtype=object)])
    hits = window & entry_pairs.isin(pairs) & names.notna().to_numpy()
    at = np.flatnonzero(hits)
    dates = g["date"].to_numpy(dtype="datetime64[ns]")
    last = _last_per(
        owner[at], (g["_row"].to_numpy(dtype=np.int64)[at], dates[at].astype(np.int64)), n
    )
    last = np.where(last >= 0, at[np.maximum(last, 0)] if len(at) else NO_ROW, NO_ROW)
    reached = last >= 0
    out["dm_log"] = pd.Series(reached, dtype=object)
    out["dm_date"] = _pick(g["date"], last, "datetime64[ns]")
    out["dm_person"] = _pick(g["person"], last)
    out["dm_row"] = _pick(g["_row"], last)
    out["dm_sheet"] = _pick(g["_sheet"], last)
    return out
