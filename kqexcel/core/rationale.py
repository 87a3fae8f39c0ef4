"""The words of a plan row (DOMAIN.md §8): one rationale sentence per classification, the talking
points, the questions and the objective, all from the rules file in one language.

Column by column: templates and labels are looked up once per column, and rows that share the
inputs of a sentence share the sentence (``per_distinct``; most rationale is about a handful of
codes). Sentences built on a row's own numbers (tier, profit, expected value, renewal) gain
nothing from sharing and are made row by row (``per_row``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from kqexcel.core import classify as C
from kqexcel.rules import Rules

_UNSEEN = object()  # a cache miss (a sentence may itself be None)
# [§8, §14] the interval candidates that shorten it, in the order the rationale names them
SHORTENINGS = ("risk", "lapsed", "regressing", "complaint", "rfm")


def per_distinct(sentence: Callable[..., Any], *columns: Iterable[Any]) -> list[Any]:
    """``sentence(*row)`` for every row of ``columns``, called once per distinct row: rows with
    the same key tuple share one sentence."""
    cache: dict[tuple[Any, ...], Any] = {}
    out: list[Any] = []
    for key in zip(*columns, strict=True):
        text = cache.get(key, _UNSEEN)
        if text is _UNSEEN:
            text = cache[key] = sentence(*key)
        out.append(text)
    return out


def per_row(sentence: Callable[..., Any], *columns: Sequence[Any]) -> list[Any]:
    """``sentence(*row)`` for every row of ``columns`` (rows whose inputs rarely repeat)."""
    if len({len(c) for c in columns}) > 1:
        raise ValueError("columns of different lengths")
    return list(map(sentence, *columns))  # map passes each row's values without a tuple


def _fmt(value: Any, digits: int = 2) -> str:
    """A number as a rep reads it: thousands separators, at most ``digits`` decimals."""
    if value is None or value != value:  # None or NaN
        return "—"
    number = float(value)
    if number.is_integer():
        return f"{number:,.0f}"
    return f"{number:,.{digits}f}".rstrip("0").rstrip(".")


def _pct(value: float) -> str:
    """A share as a percentage with one decimal."""
    return "—" if value is None or value != value else f"{value * 100:.1f}%"


_DATES: dict[Any, str] = {}


def _date(value: Any) -> str:
    """An ISO date (dates repeat: each is formatted once)."""
    try:
        return _DATES[value]
    except KeyError:
        text = "—" if value is None or pd.isna(value) else pd.Timestamp(value).date().isoformat()
        if len(_DATES) < 100_000:
            _DATES[value] = text
        return text


def _num(value: Any) -> bool:
    """Not None and not NaN: a number was given."""
    return value is not None and value == value


def _objects(column: pd.Series) -> list[Any]:
    """A float column as a list with None for NaN: NaN is unequal to itself (and hashes by
    identity), so rows holding one would never share a sentence."""
    values = column.to_numpy(dtype=object, copy=True)  # never a view of the ledger
    values[pd.isna(values)] = None
    return list(values)


class Words:
    """Rationale templates and code labels of the rules file in one language."""

    def __init__(self, rules: Rules, lang: str) -> None:
        self.rules, self.lang = rules, lang
        self.r = rules["rationale"]
        self.w = rules["rationale"]["words"]

    def __call__(self, key: str, **values: Any) -> str:
        """The template ``key`` filled with ``values``."""
        return self.raw(key).format(**values)

    def raw(self, key: str) -> str:
        """The template ``key`` unfilled (filled later, once per distinct row)."""
        node = self.w[key] if key in self.w else self.r[key]
        return str(node[self.lang])

    def labels(self, domain: str) -> dict[Any, str]:
        """Every code of ``domain`` → its label (None → a dash)."""
        codes = self.rules["codes"].get(domain, {})
        table: dict[Any, str] = {code: str(entry[self.lang]) for code, entry in codes.items()}
        table[None] = "—"
        return table

    def label(self, domain: str, code: Any) -> str:
        """The label of one code (a dash when there is none)."""
        if code is None or (isinstance(code, float) and np.isnan(code)):
            return "—"
        return self.rules.label(domain, str(code), self.lang) or "—"

    def text(self, domain: str, code: Any, key: str | None = None) -> str | None:
        """The long text of one code (None when there is none)."""
        if code is None or (isinstance(code, float) and np.isnan(code)):
            return None
        return self.rules.text(domain, str(code), self.lang, key)

    @property
    def sep(self) -> str:
        """Between the sentences of one note."""
        return str(self.w["separator"][self.lang])

    @property
    def list_sep(self) -> str:
        """Between the items of a list in a sentence."""
        return str(self.w["list_separator"][self.lang])


def value_label(words: Words) -> str:
    """The name of the value the tiers rank (revenue, profit or expected value)."""
    return words(f"value_{words.rules['tier']['value']}")


def tier(tiers: pd.DataFrame, revenue: pd.Series, lifecycle: pd.Series, W: Words) -> list[str]:
    """[§2] the tier, the value and the share ranked before it against the A/B limits."""
    rules, sep = W.rules, W.sep
    a, b = _pct(rules["tier"]["a_share"]), _pct(rules["tier"]["b_share"])
    total = float(tiers["tier_total"].iat[0])
    vl = value_label(W)
    t_tier, t_missing, t_zero, t_nonpos = (
        W.raw("tier"),
        W.raw("tier_missing"),
        W.raw("tier_zero_total"),
        W.raw("tier_nonpositive"),
    )
    prospect_note = (
        sep + W.raw("tier_prospect").format(value_label=vl)
        if rules["tier"]["value"] == "revenue"
        else ""
    )

    def sentence(tr: Any, v: float, sb: float, rev: Any, life: Any) -> str:
        if tr is None:
            note = t_missing.format(value_label=vl)
        elif total <= 0:
            note = t_zero
        elif v <= 0:
            note = t_nonpos.format(value_label=vl, value=_fmt(v))
        else:
            note = t_tier.format(tier=tr, value_label=vl, value=_fmt(v), before=_pct(sb), a=a, b=b)
        if tr is not None and life == "prospect" and not _num(rev):
            note += prospect_note
        return note

    return per_row(
        sentence,
        tiers["tier"].tolist(),
        tiers["tier_value"].tolist(),
        tiers["tier_share_before"].tolist(),
        revenue.tolist(),
        lifecycle.tolist(),
    )


def profit_quadrant(
    profit: pd.Series, computed: pd.Series, t: pd.DataFrame, quadrants: pd.DataFrame, W: Words
) -> list[str]:
    """[§3] how the profit was found and why it falls in its quadrant."""
    rules, sep = W.rules, W.sep
    q_labels = W.labels("profit_quadrant")
    q_texts = {q: W.text("quadrant", q) for q in q_labels if q}
    marginal_limit = _pct(rules["profit"]["marginal_ratio"])
    top_limit = _pct(rules["profit"]["top_share"])
    t_computed, t_given, t_none = (
        W.raw("profit_computed"),
        W.raw("profit_given"),
        W.raw("profit_missing"),
    )
    t_loss, t_marginal, t_marginal_rev, t_rank = (
        W.raw("quadrant_loss"),
        W.raw("quadrant_marginal"),
        W.raw("quadrant_marginal_revenue"),
        W.raw("quadrant_rank"),
    )

    def sentence(
        p: Any, given: bool, rev: Any, margin: Any, cost: Any, q: Any, ratio: Any, qsb: Any
    ) -> str:
        if not _num(p):
            return t_none
        note = (
            t_computed.format(
                profit=_fmt(p),
                revenue=_fmt(rev),
                margin=_pct(margin),
                cost=_fmt(cost if _num(cost) else 0),
            )
            if given
            else t_given.format(profit=_fmt(p))
        )
        if q == "loss":
            why = t_loss
        elif q == "marginal":
            why = (
                t_marginal_rev
                if not _num(ratio)
                else t_marginal.format(ratio=_pct(ratio), limit=marginal_limit)
            )
        else:
            why = t_rank.format(quadrant=q_labels.get(q, "—"), before=_pct(qsb), limit=top_limit)
        text = q_texts.get(q)
        return note + sep + why + (sep + text if text else "")

    return per_row(
        sentence,
        profit.tolist(),
        computed.tolist(),
        t["revenue"].tolist(),
        t["gross_margin"].tolist(),
        t["service_cost"].tolist(),
        quadrants["profit_quadrant"].tolist(),
        quadrants["profit_ratio"].tolist(),
        quadrants["quadrant_share_before"].tolist(),
    )


def expected_value(ev: pd.Series, profit: pd.Series, t: pd.DataFrame, W: Words) -> list[str]:
    """[§3] EV = CB + AV × P with the numbers used."""
    t_ev = W.raw("expected_value")

    def sentence(value: Any, p: Any, rev: Any, av: Any, prob: Any) -> str:
        return t_ev.format(
            ev=_fmt(value),
            cb=_fmt(p if _num(p) else (rev if _num(rev) else 0.0)),
            av=_fmt(av if _num(av) else 0),
            p=_pct(prob if _num(prob) else 0),
        )

    return per_row(
        sentence,
        ev.tolist(),
        profit.tolist(),
        t["revenue"].tolist(),
        t["potential"].tolist(),
        t["win_probability"].tolist(),
    )


def motivation(mot: pd.DataFrame, t: pd.DataFrame, W: Words) -> list[str]:
    """[§5] the motivation, its points and the indicator values that voted."""
    rules, lang, list_sep = W.rules, W.lang, W.list_sep
    m_labels = W.labels("motivation")
    field_labels = {f: rules.field_label(f, lang) for f in (*C.INDICATORS, "ecommerce_staff")}
    indicator_labels = {f: W.labels(f) for f in C.INDICATORS}
    staff_min = rules["motivation"]["ecommerce_staff_profit_min"]
    t_mot, t_mot_none = W.raw("motivation"), W.raw("motivation_none")

    def sentence(m: str, si: float, sp: float, sh: float, staff: Any, *codes: Any) -> str:
        if m == "unknown":
            return t_mot_none
        evidence = [
            f"{field_labels[f]}={indicator_labels[f].get(code, code)}"
            f"→{m_labels[C.INDICATORS[f][code]]}"
            for f, code in zip(C.INDICATORS, codes, strict=True)
            if code in C.INDICATORS[f]
        ]
        if _num(staff) and staff >= staff_min:
            evidence.append(f"{field_labels['ecommerce_staff']}={_fmt(staff)}→{m_labels['profit']}")
        return t_mot.format(
            motivation=m_labels.get(m, m),
            image=_fmt(si),
            profit=_fmt(sp),
            herd=_fmt(sh),
            evidence=list_sep.join(evidence),
        )

    return per_distinct(
        sentence,
        mot["motivation"].tolist(),
        mot["score_image"].tolist(),
        mot["score_profit"].tolist(),
        mot["score_herd"].tolist(),
        _objects(t["ecommerce_staff"]),
        *(t[f].tolist() for f in C.INDICATORS),
    )


def style(
    sty: pd.DataFrame,
    t: pd.DataFrame,
    W: Words,
    facts: pd.DataFrame | None = None,
    derived: pd.DataFrame | None = None,
) -> list[str]:
    """[§4, §10] the style, written, from the two axes or from the key person, and the contacts
    it takes to decide (counted in the log when the ledger has none)."""
    sep = W.sep
    decides_after = W.rules["style"]["decides_after"]
    s_labels, d_labels, o_labels = (
        W.labels("style"),
        W.labels("decisiveness"),
        W.labels("orientation"),
    )
    t_unknown, t_explicit, t_axes, t_contacts = (
        W.raw("style_unknown"),
        W.raw("style_explicit"),
        W.raw("style_axes"),
        W.raw("contacts"),
    )

    t_key, t_log = W.raw("style_key_person"), W.raw("contacts_log")
    window = W.rules["log"]["window_days"]
    empty: list[Any] = [None] * len(t)
    if facts is None or derived is None:
        from_key, from_log = [False] * len(t), [False] * len(t)
        person, key_sheet, key_row, log_sheet = empty, empty, empty, empty
    else:
        keyed = derived["style_from_key"]
        from_key, from_log = keyed.tolist(), derived["contacts_from_log"].tolist()
        person = _objects(facts["key_name"].where(keyed))
        key_sheet = _objects(facts["key_sheet"].where(keyed))
        key_row = _objects(facts["key_row"].where(keyed))
        log_sheet = [
            s if c else None for s, c in zip(_log_sheet_names(facts), from_log, strict=True)
        ]

    def sentence(
        st: str,
        explicit: bool,
        raw: Any,
        d: Any,
        o: Any,
        contacts: Any,
        key: bool,
        counted: bool,
        who: Any,
        sheet: Any,
        row: Any,
        log_sheet: Any,
    ) -> str:
        if st == "unknown":
            note = t_unknown
        elif key:
            note = t_key.format(style=s_labels[st], person=who, sheet=sheet, row=_fmt(row))
        elif explicit:
            note = t_explicit.format(style=s_labels[st], raw=s_labels.get(raw, raw))
        else:
            note = t_axes.format(
                style=s_labels[st],
                decisiveness=d_labels.get(d, d),
                orientation=o_labels.get(o, o),
            )
        if counted:
            note += sep + t_log.format(contacts=_fmt(contacts), sheet=log_sheet, days=window)
        if st == "unknown":
            return note
        # contacts_to_decide is the style's number (classify.style looks up the same table)
        decide = float(decides_after.get(st, np.nan))
        return note + sep + t_contacts.format(decide=_fmt(decide), contacts=_fmt(contacts))

    return per_distinct(
        sentence,
        sty["style"].tolist(),
        sty["style_explicit"].tolist(),
        t["style"].tolist(),
        t["decisiveness"].tolist(),
        t["orientation"].tolist(),
        _objects(t["contacts"]),
        from_key,
        from_log,
        person,
        key_sheet,
        key_row,
        log_sheet,
    )


def _log_sheet_names(facts: pd.DataFrame) -> list[Any]:
    """The log sheet each customer's entries are on (the latest entry's; a customer without
    entries: the first log sheet of the file)."""
    sheets = facts["log_sheet"]
    first = sheets.dropna()
    default = first.iat[0] if len(first) else None
    return [default if v is None or v != v else v for v in sheets.tolist()]


def renewal_risk(
    ren: pd.DataFrame, current: pd.Series, gaps: dict[int, str], W: Words
) -> list[str]:
    """[§5] the current result against the floor and the satisfaction line, or the data gap."""
    sep, rules = W.sep, W.rules
    r_labels = W.labels("renewal_risk")
    t_ren, t_herd, t_gap = W.raw("renewal"), W.raw("renewal_herd"), W.raw("renewal_gap")
    ff, lf = _fmt(rules["renewal"]["floor_factor"]), _fmt(rules["renewal"]["satisfaction_factor"])
    missing: list[str | None] = [None] * len(current)
    for i, text in gaps.items():
        missing[i] = text

    def sentence(
        rk: Any, cur: Any, floor: Any, low: Any, line: Any, mean: Any, lowered: Any, gap: Any
    ) -> str:
        if rk is not None:
            note = t_ren.format(
                risk=r_labels[rk],
                current=_fmt(cur),
                floor=_fmt(floor),
                floor_factor=ff,
                min=_fmt(low),
                line=_fmt(line),
                line_factor=lf,
                mean=_fmt(mean),
            )
            return note + sep + t_herd if lowered else note
        return t_gap.format(missing=gap) if gap is not None else ""

    return per_row(
        sentence,
        ren["renewal_risk"].tolist(),
        current.tolist(),
        ren["renewal_floor"].tolist(),
        ren["past_min"].tolist(),
        ren["satisfaction_line"].tolist(),
        ren["past_mean"].tolist(),
        ren["risk_lowered"].tolist(),
        missing,
    )


def next_contact(
    tiers: pd.Series,
    lifecycle: pd.Series,
    intent: pd.Series,
    candidates: pd.DataFrame,
    interval: pd.Series,
    dates: tuple[pd.Series, pd.Series, pd.Series, pd.Series],
    W: Words,
) -> list[str]:
    """[§8] the interval with every rule that shortened it, then the date: ``dates`` are the
    last contact, the next contact, the due date and the days overdue."""
    sep, list_sep = W.sep, W.list_sep
    cad = W.rules["cadence"]
    i_labels = W.labels("intent")
    t_interval = W.raw("interval")
    t_next, t_over, t_none_next = (
        W.raw("next_contact"),
        W.raw("next_contact_overdue"),
        W.raw("next_contact_none"),
    )
    declined_text = W.raw("declined_prospect").format(days=cad["declined_prospect_days"])
    t_tier, tier_none = W.raw("tier_days"), W.raw("tier_none_days")
    t_intent = W.raw("intent_days")
    shorter = [
        W.raw("high_risk"),
        W.raw("lapsed"),
        W.raw("regressing"),
        W.raw("complaint"),
        W.raw("rfm_days"),
    ]

    def head(tr: Any, declined: bool, code: Any, ci: Any, *rest: Any) -> str:
        *shortened, days = rest
        reasons = [
            declined_text
            if declined
            else (
                t_tier.format(tier=tr, days=cad["tier_days"][tr])
                if tr
                else tier_none.format(days=cad["tier_days"]["none"])
            )
        ]
        if _num(ci):
            reasons.append(t_intent.format(intent=i_labels.get(code, code), days=int(ci)))
        for template, value in zip(shorter, shortened, strict=True):
            if _num(value):
                reasons.append(template.format(days=int(value)))
        return t_interval.format(days=days, reasons=list_sep.join(reasons))

    t_promised = W.raw("next_contact_promised")

    def tail(last: Any, nxt: Any, due: Any, overdue: int, days: int) -> str:
        if last is None or last is pd.NaT:
            return t_none_next.format(next=_date(nxt))
        if overdue == 0 and due is not pd.NaT and nxt < due:  # §14: a promised day, earlier
            return t_promised.format(next=_date(nxt), due=_date(due), last=_date(last), days=days)
        if overdue > 0:
            return t_over.format(
                next=_date(nxt), due=_date(due), last=_date(last), days=days, overdue=int(overdue)
            )
        return t_next.format(next=_date(nxt), last=_date(last), days=days)

    declined = C.eq(lifecycle, "prospect") & C.eq(intent, "declined")
    days = interval.tolist()
    heads = per_distinct(
        head,
        tiers.tolist(),
        declined.tolist(),
        intent.tolist(),
        *(_objects(candidates[k]) for k in ("intent", *SHORTENINGS)),
        days,
    )
    last, nxt, due, overdue = dates
    tails = per_row(tail, last.tolist(), nxt.tolist(), due.tolist(), overdue.tolist(), days)
    return [h + sep + t for h, t in zip(heads, tails, strict=True)]


def calendar_moves(
    clipped: pd.Series, moved: pd.Series, final: pd.Series, W: Words
) -> list[str | None]:
    """[§12] why a next contact is later than the §8 date: a day off (国庆节, 周日, a company
    holiday), then a day already full by the daily limit."""
    from kqexcel.core.workdays import holiday_name

    cal = W.rules.numbers.calendar
    t_off, t_full = W.raw("move_day_off"), W.raw("move_full")
    reasons = {"saturday": W.raw("saturday"), "sunday": W.raw("sunday")}
    reasons["company"] = W.raw("company_holiday")
    extra = set(cal.extra_holidays)

    def why(day: dt.date) -> str:
        if day in extra:
            return reasons["company"]
        name = holiday_name(day, W.lang)
        if name:
            return name
        return reasons["saturday" if day.weekday() == 5 else "sunday"]

    def sentence(a: Any, b: Any, c: Any) -> str | None:
        if a is pd.NaT or a is None:
            return None
        parts = []
        if b != a:
            parts.append(t_off.format(day=_date(a), reason=why(a.date()), moved=_date(b)))
        if c != b:
            parts.append(t_full.format(day=_date(b), limit=cal.daily_limit, next=_date(c)))
        return W.sep.join(parts) or None

    if clipped.equals(final) and clipped.equals(moved):
        return [None] * len(clipped)
    return per_distinct(sentence, clipped.tolist(), moved.tolist(), final.tolist())


def warning_details(
    warnings: list[list[str]],
    t: pd.DataFrame,
    overdue: pd.Series,
    promised: pd.Series,
    orders: pd.DataFrame,
    problem_columns: Sequence[Sequence[str]],
    W: Words,
    as_of: dt.date,
    previous_owner: pd.Series | None = None,
) -> list[list[str | None]]:
    """[§8, 6/8] what each warning of a row is about, a list as long as its warnings (None:
    the label says it all): the days overdue, the promise and its day, the complaint's type, the
    contract's end, the promised follow-up day, the days without an order, the columns with a
    data problem."""
    t_days, t_promise, t_due = W.raw("detail_days"), W.raw("detail_promise"), W.raw("detail_due")
    t_followup, t_order = W.raw("detail_followup"), W.raw("detail_order_gap")
    t_owner = W.raw("detail_owner")
    complaint = W.labels("open_complaint")

    def day(value: Any) -> str:
        value = pd.Timestamp(value)
        return value.strftime("%m-%d") if value.year == as_of.year else _date(value)

    columns = {
        "days": overdue.tolist(),
        "promise": t["open_promise"].tolist(),
        "due": t["promise_due"].tolist(),
        "complaint": t["open_complaint"].tolist(),
        "end": t["contract_end"].tolist(),
        "promised": promised.tolist(),
        "recency": orders["recency"].tolist(),
        "owner": t["owner"].tolist(),
        "previous": [None] * len(t) if previous_owner is None else previous_owner.tolist(),
    }

    made: dict[tuple[Any, ...], str] = {}  # one string per distinct detail, shared by rows

    def once(template: str, **values: Any) -> str:
        key = (template, *values.items())
        text = made.get(key)
        if text is None:
            text = made[key] = template.format(**values)
        return text

    joined: dict[tuple[str, ...], str] = {}

    def detail(w: str, i: int) -> str | None:
        if w == "overdue_contact":
            return once(t_days, days=int(columns["days"][i]))
        if w == "promise_overdue":
            what, due = columns["promise"][i], columns["due"][i]
            if due is None or due is pd.NaT:
                return None if what is None else str(what)
            if what is None:
                return once(t_due, date=day(due))
            return once(t_promise, promise=what, date=day(due))
        if w == "open_complaint":
            code = columns["complaint"][i]
            return None if code is None else complaint.get(code, str(code))
        if w in ("contract_ending", "contract_expired"):
            end = columns["end"][i]
            return None if end is None or end is pd.NaT else _date(end)
        if w == "followup_missed":
            return once(t_followup, date=_date(columns["promised"][i]))
        if w == "order_gap" and _num(columns["recency"][i]):
            return once(t_order, days=int(columns["recency"][i]))
        if w == "owner_changed":
            return once(t_owner, previous=columns["previous"][i], owner=columns["owner"][i])
        if w == "data_missing" and problem_columns[i]:
            named = tuple(problem_columns[i])
            return joined.setdefault(named, W.list_sep.join(named))  # one text per list
        return None

    lists: dict[tuple[str | None, ...], list[str | None]] = {}  # equal details: one list [8/8]
    out = []
    for i, ws in enumerate(warnings):
        details = tuple(detail(w, i) for w in ws)
        out.append(lists.setdefault(details, list(details)))
    return out


def revenue_from_orders(taken: pd.Series, orders: pd.DataFrame, W: Words) -> list[str | None]:
    """[§11] where the revenue came from the orders: their sum over the window."""
    if not taken.any():
        return [None] * len(taken)
    t_rev, days = W.raw("revenue_orders"), W.rules["orders"]["window_days"]
    return per_row(
        lambda took, value: t_rev.format(days=days, value=_fmt(value)) if took else None,
        taken.tolist(),
        orders["orders_window"].tolist(),
    )


def rfm_notes(
    orders: pd.DataFrame, flags: dict[str, pd.Series], as_of: str, W: Words
) -> list[str | None]:
    """[§11] the RFM scores with the numbers behind them ("R3 F4 M3：最近下单 205 天前，6 单，
    合计 472"), or why there are none; then order_gap and revenue_drop with their numbers."""
    if not orders["has_orders"].any():
        return [None] * len(orders)
    seg_labels = W.labels("rfm_segment")
    t_rfm, t_unscored, t_none = W.raw("rfm"), W.raw("rfm_unscored"), W.raw("rfm_none")
    t_urgent, t_gap, t_drop = W.raw("rfm_urgent"), W.raw("order_gap"), W.raw("revenue_drop")
    factor = _fmt(W.rules["orders"]["gap_factor"])
    ratio = _fmt(W.rules["orders"]["drop_ratio"])

    def sentence(
        has: bool,
        recency: Any,
        frequency: Any,
        monetary: Any,
        r: Any,
        f: Any,
        m: Any,
        last: Any,
        score: Any,
        segment: Any,
        customers: int,
        urgent: bool,
        gap: bool,
        median: Any,
        drop: bool,
        year_last: Any,
        year_before: Any,
    ) -> str | None:
        if not has:
            return None
        if not _num(recency):
            return t_none.format(as_of=as_of)
        numbers = {
            "recency": _fmt(recency),
            "frequency": _fmt(frequency),
            "monetary": _fmt(monetary),
            "last": _date(last),
        }
        if _num(r):
            label = seg_labels.get(segment, segment)
            note = t_rfm.format(
                segment=label, score=_fmt(score), r=_fmt(r), f=_fmt(f), m=_fmt(m), **numbers
            )
            if urgent:
                note += W.sep + t_urgent.format(segment=label)
        else:
            note = t_unscored.format(customers=customers, **numbers)
        if gap:
            note += W.sep + t_gap.format(recency=_fmt(recency), median=_fmt(median), factor=factor)
        if drop:
            note += W.sep + t_drop.format(
                last=_fmt(year_last), before=_fmt(year_before), ratio=ratio
            )
        return note

    o = orders
    return per_row(
        sentence,
        o["has_orders"].tolist(),
        *(
            _objects(o[k])
            for k in ("recency", "frequency", "monetary", "r_score", "f_score", "m_score")
        ),
        o["last_order"].tolist(),
        _objects(o["rfm_score"]),
        o["rfm_segment"].tolist(),
        o["rfm_customers"].tolist(),
        o["urgent"].tolist(),
        o["order_gap"].tolist(),
        _objects(o["gap_median"]),
        flags["revenue_drop"].tolist(),
        _objects(o["year_last"]),
        _objects(o["year_before"]),
    )


def channel(
    channels: pd.Series,
    tiers: pd.Series,
    risk: pd.Series,
    lifecycle: pd.Series,
    intent: pd.Series,
    W: Words,
    objectives: pd.Series | None = None,
) -> list[str]:
    """[§8] the channel and the rule that chose it, with the channel's advice ([§13] a handover
    is a visit)."""
    sep = W.sep
    ch_labels, i_labels = W.labels("channel"), W.labels("intent")
    ch_texts = {ch: W.text("channel", ch) for ch in ch_labels if ch}
    t_channel = W.raw("channel")

    def sentence(ch: str, tr: Any, rk: Any, life: Any, code: Any, handover: bool) -> str:
        intent_label = i_labels.get(code, code)
        if handover:
            reason = W.raw("visit_handover")
        elif ch == "visit":
            reason = (
                W.raw("visit_tier")
                if tr == "A"
                else W.raw("visit_risk")
                if rk == "high"
                else W.raw("visit_strategic")
            )
        elif ch == "email":
            reason = W.raw("email_intent").format(intent=intent_label)
        elif ch == "phone":
            reason = (
                W.raw("phone_tier")
                if tr == "B"
                else W.raw("phone_lapsed")
                if life == "lapsed"
                else W.raw("phone_intent").format(intent=intent_label)
            )
        else:
            reason = W.raw("message_default")
        extra = ch_texts.get(ch)
        return t_channel.format(channel=ch_labels[ch], reason=reason) + (
            sep + extra if extra else ""
        )

    return per_distinct(
        sentence,
        channels.tolist(),
        tiers.tolist(),
        risk.tolist(),
        lifecycle.tolist(),
        intent.tolist(),
        ([False] * len(channels) if objectives is None else (objectives == "handover").tolist()),
    )


def priority(parts: pd.DataFrame, tiers: pd.Series, risk: pd.Series, W: Words) -> list[str]:
    """[§8] the score as the sum of its parts, the cap and the P1/P2 limits."""
    pr = W.rules["priority"]
    r_labels = W.labels("renewal_risk")
    t_priority, t_tier, t_risk = W.raw("priority"), W.raw("points_tier"), W.raw("points_risk")
    named = C.PRIORITY_PARTS[2:]  # the parts whose sentence names only the points
    t_named = [W.raw(f"points_{name}") for name in named]

    def sentence(tr: Any, rk: Any, raw: int, score: int, prio: str, *values: int) -> str:
        bits = []
        if values[0]:
            bits.append(t_tier.format(tier=tr, points=values[0]))
        if values[1]:
            bits.append(t_risk.format(risk=r_labels[rk], points=values[1]))
        for template, value in zip(t_named, values[2:], strict=True):
            if value:
                bits.append(template.format(points=value))
        if raw > pr["max_score"]:
            bits.append(W.raw("points_capped").format(cap=pr["max_score"]))
        return t_priority.format(
            score=int(score), parts=" + ".join(bits) or "0", priority=prio, p1=pr["p1"], p2=pr["p2"]
        )

    return per_distinct(
        sentence,
        tiers.tolist(),
        risk.tolist(),
        parts["raw_score"].tolist(),
        parts["priority_score"].tolist(),
        parts["priority"].tolist(),
        *(parts[k].tolist() for k in C.PRIORITY_PARTS),
    )


def objective(
    objectives: pd.Series, t: pd.DataFrame, W: Words, previous_owner: pd.Series | None = None
) -> list[str]:
    """[§8] the objective and the rule that chose it (the promise with its date; [§13] the
    handover with last month's owner and this month's)."""
    t_objective = W.raw("objective")
    complaint_labels, stage_labels = W.labels("open_complaint"), W.labels("stage")
    i_labels = W.labels("intent")
    fixed = {
        "retain": "objective_retain",
        "win_back": "objective_win_back",
        "learn_needs": "objective_learn",
        "follow_up": "objective_default",
    }

    def sentence(ob: str, due: Any, complaint: Any, code: Any, before: Any, owner: Any) -> str:
        if ob == "keep_promise":
            reason = W.raw("objective_promise").format(due=_date(due))
        elif ob == "resolve_complaint":
            reason = W.raw("objective_complaint").format(
                type=complaint_labels.get(complaint, complaint)
            )
        elif ob == "handover":
            reason = W.raw("objective_handover").format(previous=before, owner=owner)
        elif ob in fixed:
            reason = W.raw(fixed[ob])
        elif ob == "close":
            reason = W.raw("objective_close").format(intent=i_labels.get(code, code))
        else:
            reason = W.raw("objective_stage").format(stage=stage_labels.get(ob, ob))
        return t_objective.format(reason=reason)

    # the promise's date matters only to keep_promise: elsewhere rows share without it
    due = t["promise_due"].where(C.eq(objectives, "keep_promise").to_numpy())
    handover = C.eq(objectives, "handover").to_numpy()
    before = [None] * len(t) if previous_owner is None else previous_owner.where(handover).tolist()
    return per_distinct(
        sentence,
        objectives.tolist(),
        due.tolist(),
        t["open_complaint"].tolist(),
        t["intent"].tolist(),
        before,
        t["owner"].where(handover).tolist(),
    )


def objective_texts(objectives: pd.Series, promise: pd.Series, W: Words) -> list[str]:
    """The objective as the rep reads it (keep_promise names the promise)."""
    made: dict[tuple[Any, Any], str] = {}  # one string per distinct text, shared by rows [8/8]
    out = []
    for code, open_promise in zip(objectives, promise, strict=True):
        key = (code, open_promise if code == "keep_promise" else None)
        text = made.get(key)
        if text is None:
            text = W.text("objective", code) or W.label("objective", code)
            if code == "keep_promise":
                text = text.replace("{promise}", str(open_promise or W.label("objective", code)))
            made[key] = text
        out.append(text)
    return out


def questions(need_type: pd.Series, W: Words) -> list[str | None]:
    """[§8] the SPIN questions of each row's need type."""
    texts = {c: W.text("need_type", c) for c in set(need_type) - {None}}
    return [texts.get(c) for c in need_type.tolist()]


def talking_points(
    table: pd.DataFrame, t: pd.DataFrame, facts: pd.DataFrame, W: Words, as_of: dt.date
) -> list[str | None]:
    """[§8, 6/8] the talking points, one line each: first what is specific to this customer (the
    open promise and its date, the complaint and how to handle it, the contract's end, where the
    last contact left off, the ledger's notes, whom to talk to), then at most three short lines
    of approach (style, motivation, intent or else stage). The full texts per code are in the
    Legend."""
    specific = _specific_points(table, t, facts, W, as_of)
    approach = _approach_points(table, W)
    return [
        "\n".join(x for x in (own, how) if x) or None
        for own, how in zip(specific, approach, strict=True)
    ]


def _approach_points(table: pd.DataFrame, W: Words) -> list[str | None]:
    """At most three short lines per row: the style's approach, the motivation's value, the
    intent's action (the stage's strategy when the intent is unknown)."""

    def shorts(domain: str, template: str, slot: str, codes: Any) -> dict[Any, str]:
        out = {}
        for code in set(codes) - {None, "unknown"}:
            text = W.text(domain, code, "short")
            if text is not None:
                out[code] = W(template, **{slot: W.label(domain, code)}, text=text)
        return out

    style = {}
    for code in set(table["style"]) - {None, "unknown"}:
        words = W.text("style", code, "words")
        template = "tp_style" if words else "tp_style_plain"
        short = W.text("style", code, "short") or ""
        style[code] = W(template, style=W.label("style", code), text=short, words=words)
    motivation = shorts("motivation", "tp_motivation", "motivation", table["motivation"])
    intent = shorts("intent", "tp_intent", "intent", table["intent"])
    stage = shorts("stage", "tp_stage", "stage", table["stage"])

    def sentence(s: Any, m: Any, i: Any, g: Any) -> str | None:
        last = intent.get(i) or stage.get(g)
        return "\n".join(x for x in (style.get(s), motivation.get(m), last) if x) or None

    return per_distinct(
        sentence,
        table["style"].tolist(),
        table["motivation"].tolist(),
        table["intent"].tolist(),
        table["stage"].tolist(),
    )


def _specific_points(
    table: pd.DataFrame, t: pd.DataFrame, facts: pd.DataFrame, W: Words, as_of: dt.date
) -> list[str | None]:
    """The lines only this customer has (None for a row with none of them)."""
    today = pd.Timestamp(as_of)
    ending_days = W.rules["warnings"]["contract_ending_days"]
    channels = W.labels("channel")
    complaint = {
        c: W(
            "tp_complaint",
            complaint=W.label("open_complaint", c),
            text=W.text("complaint", c, "short") or W.text("complaint", "general", "short") or "",
        )
        for c in set(t["open_complaint"]) - {None}
    }
    raw = {
        k: W.raw(k)
        for k in (
            "tp_promise",
            "tp_promise_open",
            "tp_promise_undated",
            "tp_contract",
            "tp_contract_expired",
            "tp_last",
            "tp_promised",
            "tp_notes",
            "tp_key",
        )
    }
    sep = W.raw("detail_separator")

    def day(value: Any) -> str:
        value = pd.Timestamp(value)
        return value.strftime("%m-%d") if value.year == as_of.year else _date(value)

    def missing(value: Any) -> bool:
        return value is None or value is pd.NaT or value != value or value == ""

    def sentence(
        promise: Any,
        due: Any,
        code: Any,
        end: Any,
        life: Any,
        last: Any,
        channel: Any,
        person: Any,
        content: Any,
        result: Any,
        promised: Any,
        notes: Any,
        key: Any,
    ) -> str | None:
        lines = []
        if not missing(promise):
            if missing(due):
                lines.append(raw["tp_promise_undated"].format(promise=promise))
            else:
                late = pd.Timestamp(due) < today
                lines.append(
                    raw["tp_promise" if late else "tp_promise_open"].format(
                        promise=promise, date=day(due)
                    )
                )
        if code is not None:
            lines.append(complaint[code])
        if not missing(end):
            days = (pd.Timestamp(end) - today).days
            if days < 0 and life == "renewal":
                lines.append(raw["tp_contract_expired"].format(date=_date(end)))
            elif 0 <= days <= ending_days and life in ("new", "renewal"):
                lines.append(raw["tp_contract"].format(date=_date(end)))
        if not missing(last):
            said = (day(last), None if missing(channel) else channels.get(channel), person)
            when = " ".join(str(x) for x in said if not missing(x))
            text = str(result) if not missing(result) else "" if missing(content) else str(content)
            if not missing(promised):
                step = raw["tp_promised"].format(date=day(promised))
                text = text + sep + step if text else step
            if text:
                lines.append(raw["tp_last"].format(when=when, text=text))
        if not missing(notes):
            lines.append(raw["tp_notes"].format(notes=str(notes).strip()))
        if not missing(key):
            lines.append(raw["tp_key"].format(person=key))
        return "\n".join(lines) or None

    return per_row(
        sentence,
        t["open_promise"].tolist(),
        t["promise_due"].tolist(),
        t["open_complaint"].tolist(),
        t["contract_end"].tolist(),
        t["contract_status"].tolist(),
        _objects(facts["log_last"]),
        facts["note_channel"].tolist(),
        _texts(facts["note_person"]),
        _texts(facts["note_content"]),
        _texts(facts["note_result"]),
        facts["promised"].tolist(),
        t["notes"].tolist(),
        table["key_person"].tolist(),
    )


# --------------------------------------------------------------------------- §10 the customer file


def last_notes(facts: pd.DataFrame, W: Words) -> list[str | None]:
    """[§10] the latest log entry as ``YYYY-MM-DD 方式 联系人：内容（结果）``, the parts that are
    empty left out with their separators (the channel's label in the plan's language)."""
    if not facts["has_log"].any():  # no log in any file: nothing to say (the usual ledger)
        return [None] * len(facts)
    channels = W.labels("channel")
    colon, t_result = W.raw("note_colon"), W.raw("note_result")

    def sentence(date: Any, channel: Any, person: Any, content: Any, result: Any) -> str | None:
        if date is None or date is pd.NaT:
            return None
        head = " ".join(
            x for x in (_date(date), channels.get(channel) if channel else None, person) if x
        )
        text = head + (colon + str(content) if content else "")
        return text + (t_result.format(result=result) if result else "")

    return per_row(
        sentence,
        _objects(facts["log_last"]),
        facts["note_channel"].tolist(),
        _texts(facts["note_person"]),
        _texts(facts["note_content"]),
        _texts(facts["note_result"]),
    )


def _texts(column: pd.Series) -> list[Any]:
    """A text column with None for blanks (text cells may also hold numbers)."""
    return [None if v is None or v != v or v == "" else str(v) for v in column.tolist()]


def key_persons(facts: pd.DataFrame, W: Words) -> list[str | None]:
    """[§10] the key person as ``姓名（职务，性格类型）``, the parts that are empty left out."""
    if not facts["has_contacts"].any():
        return [None] * len(facts)
    styles = W.labels("style")
    t_details, sep = W.raw("key_details"), W.raw("detail_separator")

    def sentence(person: Any, title: Any, style_code: Any) -> str | None:
        if person is None:
            return None
        details = [x for x in (title, styles.get(style_code) if style_code else None) if x]
        return t_details.format(person=person, details=sep.join(details)) if details else person

    return per_distinct(
        sentence,
        _texts(facts["key_name"]),
        _texts(facts["key_title"]),
        _objects(facts["key_style"]),
    )


def log_dates(
    from_log: pd.Series, facts: pd.DataFrame, due: pd.Series, missed: pd.Series, W: Words
) -> list[str | None]:
    """[§10, §14] what the log said of the next contact: where the last contact comes from (its
    sheet and row), and the promised date, kept (earlier than the interval's) or missed."""
    if not facts["has_log"].any():
        return [None] * len(facts)
    t_last, t_earlier, t_missed = (
        W.raw("last_contact_log"),
        W.raw("promised_earlier"),
        W.raw("promised_missed"),
    )

    def sentence(
        log: bool, last: Any, sheet: Any, row: Any, promised: Any, late: bool, due_on: Any
    ) -> str | None:
        parts = []
        if log:
            parts.append(t_last.format(date=_date(last), sheet=sheet, row=_fmt(row)))
        if promised is not None and promised is not pd.NaT:
            where = {"date": _date(promised), "sheet": sheet, "row": _fmt(row)}
            if late:
                parts.append(t_missed.format(**where))
            elif due_on is None or due_on is pd.NaT or promised < due_on:
                parts.append(t_earlier.format(**where, due=_date(due_on)))
        return W.sep.join(parts) or None

    promised = facts["promised"]
    return per_row(
        sentence,
        from_log.tolist(),
        facts["log_last"].tolist(),
        facts["log_sheet"].tolist(),
        facts["log_row"].tolist(),
        _objects(promised),
        missed.tolist(),
        _objects(due),
    )


def visits(facts: pd.DataFrame, no_visit: pd.Series, W: Words) -> list[str | None]:
    """[§10] the last visit and where it is logged, and why no_visit warns (files with a log)."""
    if not facts["has_log"].any():
        return [None] * len(facts)
    t_visit, t_none, t_warn = W.raw("last_visit"), W.raw("last_visit_none"), W.raw("no_visit")
    days = W.rules["log"]["visit_days_a"]

    def sentence(has: bool, date: Any, sheet: Any, row: Any, warn: bool) -> str | None:
        if not has:
            return None
        note = (
            t_none
            if date is None or date is pd.NaT
            else t_visit.format(date=_date(date), sheet=sheet, row=_fmt(row))
        )
        return note + W.sep + t_warn.format(days=days) if warn else note

    visit = facts["last_visit"]
    return per_row(
        sentence,
        facts["has_log"].tolist(),
        _objects(visit),
        facts["visit_sheet"].tolist(),
        facts["visit_row"].tolist(),
        no_visit.tolist(),
    )


def key_person_notes(
    facts: pd.DataFrame,
    flags: dict[str, pd.Series],
    derived: pd.DataFrame,
    W: Words,
    contact_sheet: str,
) -> list[str | None]:
    """[§10] the key person and why (level, sheet, row), the persons and levels known, whether
    the log shows the decision level reached, and why single_threaded or no_insider warn."""
    if not (facts["has_contacts"].any() or facts["has_log"].any()):
        return [None] * len(facts)
    levels = W.labels("level")
    list_sep = W.list_sep
    why = {
        "decision": W.raw("key_decision"),
        "management": W.raw("key_management"),
        None: W.raw("key_first"),
    }
    t_key, t_none = W.raw("key_person"), W.raw("key_person_none")
    t_dm, t_dm_none = W.raw("decision_maker_log"), W.raw("decision_maker_log_none")
    t_single, t_single_log, t_insider = (
        W.raw("single_contact"),
        W.raw("single_log"),
        W.raw("no_insider"),
    )
    t_single_nobody = W.raw("single_log_nobody")
    window = W.rules["log"]["window_days"]
    shown = key_persons(facts, W)

    def sentence(
        has: bool,
        person: Any,
        level: Any,
        sheet: Any,
        row: Any,
        known: Any,
        covered: Any,
        dm: bool,
        reached: Any,
        dm_date: Any,
        dm_person: Any,
        dm_sheet: Any,
        dm_row: Any,
        single: bool,
        entries: Any,
        persons: Any,
        insider: bool,
    ) -> str | None:
        parts = []
        if has:
            if person is None:
                parts.append(t_none.format(sheet=contact_sheet))
            else:
                names = list_sep.join(levels.get(c, c) for c in covered or []) or W("levels_none")
                parts.append(
                    t_key.format(
                        person=person,
                        why=why.get(level, why[None]),
                        sheet=sheet,
                        row=_fmt(row),
                        known=_fmt(known),
                        levels=names,
                    )
                )
        if dm:
            parts.append(
                t_dm.format(date=_date(dm_date), person=dm_person, sheet=dm_sheet, row=_fmt(dm_row))
                if reached
                else t_dm_none.format(days=window)
            )
        if single:
            if known == 1:
                parts.append(t_single)
            elif persons == 0:  # entries that name nobody: the log cannot tell who was met
                parts.append(t_single_nobody.format(days=window, entries=_fmt(entries)))
            else:
                parts.append(
                    t_single_log.format(days=window, entries=_fmt(entries), persons=_fmt(persons))
                )
        if insider:
            parts.append(t_insider.format(known=_fmt(known)))
        return W.sep.join(parts) or None

    dm_date = facts["dm_date"]
    return per_row(
        sentence,
        facts["has_contacts"].tolist(),
        shown,
        facts["key_level"].tolist(),
        facts["key_sheet"].tolist(),
        facts["key_row"].tolist(),
        _objects(facts["contacts_known"]),
        list(facts["levels"]),
        derived["dm_from_log"].tolist(),
        facts["dm_log"].tolist(),
        _objects(dm_date),
        facts["dm_person"].tolist(),
        facts["dm_sheet"].tolist(),
        facts["dm_row"].tolist(),
        flags["single_threaded"].tolist(),
        _objects(facts["log_entries"]),
        _objects(facts["persons"]),
        flags["no_insider"].tolist(),
    )
