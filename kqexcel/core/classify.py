"""The classifications of DOMAIN.md §2–§8, each over whole columns.

Every function takes the typed customer table (see ``kqexcel.core.ledger``) or its columns and
the rules, and returns columns (pandas Series aligned with the table). Nothing here formats text.
"""

from __future__ import annotations

import math
import unicodedata
from typing import Any

import numpy as np
import pandas as pd

from kqexcel.rules import Rules

MOTIVATIONS = ("image", "profit", "herd")
# [§8, §14] the warnings, in the order a plan row lists them
WARNINGS = (
    "overdue_contact",
    "no_contact",
    "promise_overdue",
    "followup_missed",
    "open_complaint",
    "renewal_risk_high",
    "contract_ending",
    "contract_expired",
    "no_decision_maker",
    "no_visit",
    "single_threaded",
    "no_insider",
    "loss_customer",
    "order_gap",
    "revenue_drop",
    "relationship_regressing",
    "owner_changed",
    "data_missing",
)
# [§10, §11] the warnings the customer file's other sheets give (see ``file_warnings``)
FILE_WARNINGS = (
    "followup_missed",
    "no_visit",
    "single_threaded",
    "no_insider",
    "order_gap",
    "revenue_drop",
    "owner_changed",  # [§13] given by the report (last month's owner)
)
# [§8] the parts of the priority score, in the order the rationale names them
PRIORITY_PARTS = (
    "tier",
    "risk",
    "intent",
    "overdue",
    "complaint",
    "promise",
    "followup",
    "order_gap",
    "revenue_drop",
    "rfm",
    "owner_changed",
    "regressing",
    "lapsed",
)
# [§14] the parts the customer file's other sheets give: the flag's key in ``extra``
EXTRA_PARTS = {
    "followup": "followup_missed",
    "order_gap": "order_gap",
    "revenue_drop": "revenue_drop",
    "rfm": "rfm_urgent",
    "owner_changed": "owner_changed",
}
# [§5] which motivation each indicator value votes for (the fixed meaning of the domain)
INDICATORS: dict[str, dict[str, str]] = {
    "company_stage": {"rising": "image", "early": "profit", "struggling": "herd"},
    "competition": {"few": "image", "many": "profit"},
    "ecommerce_skill": {"experienced": "image", "moderate": "profit", "beginner": "herd"},
    "outlook": {"long_term": "image", "short_term": "profit", "unclear": "herd"},
    "buyer_base": {"stable": "image", "developing": "profit", "searching": "herd"},
    "expectation": {"image": "image", "deals": "profit", "follow_peers": "herd"},
}
# [§4] the two axes → style
AXES = {
    ("direct", "rational"): "eagle",
    ("direct", "emotional"): "peacock",
    ("indecisive", "emotional"): "dove",
    ("indecisive", "rational"): "owl",
}


def eq(codes: pd.Series, code: str) -> pd.Series:
    """``codes == code`` for a column of codes (object dtype), through numpy: a plan makes some
    twenty such comparisons, and pandas' own path costs twice as much."""
    return pd.Series(codes.to_numpy(dtype=object) == code, index=codes.index)


def codes(values: Any, index: pd.Index) -> pd.Series:
    """A column of codes (object dtype; None, NaN, NA → None) in which equal codes are one
    object: numpy's ``where``/``select`` make a new string per row (some 55 bytes each, over a
    million customers half a gigabyte across the plan's code columns), a code column needs a
    few."""
    found, distinct = pd.factorize(np.asarray(values, dtype=object))
    table = np.empty(len(distinct) + 1, dtype=object)  # the last: code -1, no value
    table[: len(distinct)] = [str(c) for c in distinct]
    return pd.Series(table[found], index=index, dtype=object)


def lookup(codes: pd.Series, numbers: dict[str, Any], default: float = np.nan) -> pd.Series:
    """``codes.map(numbers)`` as floats (``default`` where a code has no number): the few distinct
    codes are looked up once, which is twice as fast as pandas' map on a column of text."""
    found, distinct = pd.factorize(codes.to_numpy(dtype=object))
    table = np.array([numbers.get(c, default) for c in distinct] + [default], dtype=float)
    return pd.Series(table[found], index=codes.index)


def id_ranks(ids: pd.Series) -> np.ndarray:
    """Each row's customer_id as its rank among the ids (ascending; no id ranks last): the
    tie-break of DOMAIN §2 and §3."""
    values = ids.to_numpy(dtype=object)
    codes, uniques = pd.factorize(values)
    if not all(
        isinstance(u, str) for u in uniques
    ):  # numbers from a formula range: compared as text
        values = np.array([None if pd.isna(v) else str(v) for v in values], dtype=object)
        codes, uniques = pd.factorize(values)
    order = np.argsort(np.asarray(uniques, dtype=object))  # the distinct ids sorted, once
    ranks = np.empty(len(order) + 1, dtype=np.int64)
    ranks[order] = np.arange(len(order))
    ranks[-1] = len(order)  # code -1 (no id) ranks last
    return ranks[codes]


def rank_order(values: pd.Series, ids: pd.Series) -> np.ndarray:
    """Positions sorted by value descending, ties by customer_id ascending (no id last). The ids
    are only ranked among the rows that tie (sorting every id would cost more than the values)."""
    v = -values.to_numpy(dtype=float)
    order = np.argsort(v, kind="stable")
    ranked = v[order]
    same = ranked[1:] == ranked[:-1]
    if same.any():
        tied = np.zeros(len(v), dtype=bool)
        tied[1:] |= same
        tied[:-1] |= same
        spots = np.flatnonzero(tied)
        rows = order[spots]
        # np.lexsort sorts by the last key first: value (keeps each tied run in place), id, position
        order[spots] = rows[np.lexsort((rows, id_ranks(ids.iloc[rows]), ranked[spots]))]
    return order


def share_before(values: pd.Series, ids: pd.Series) -> tuple[pd.Series, float]:
    """For rows with a value: the sum of values ranked before it and the positive total."""
    has = values.notna().to_numpy()
    idx = np.flatnonzero(has)
    before = np.full(len(values), np.nan)
    if len(idx):
        sub = values.iloc[idx].reset_index(drop=True)
        order = rank_order(sub, ids.iloc[idx].reset_index(drop=True))
        ranked = sub.to_numpy(dtype=float)[order]
        sums = np.cumsum(ranked) - ranked
        before[idx[order]] = sums
        total = float(ranked[ranked > 0].sum())
    else:
        total = 0.0
    return pd.Series(before, index=values.index), total


def profit(t: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """[§3] profit = revenue × gross_margin − service_cost; the profit column only without a
    margin. Returns (profit, computed?)."""
    computed = t["revenue"] * t["gross_margin"] - t["service_cost"].fillna(0.0)
    use_computed = t["gross_margin"].notna() & t["revenue"].notna()
    return computed.where(use_computed, t["profit"].where(t["gross_margin"].isna())), use_computed


def expected_value(t: pd.DataFrame, prof: pd.Series) -> pd.Series:
    """[§3, seed 004] EV = CB + AV × P; CB is profit, else revenue, else 0."""
    cb = prof.fillna(t["revenue"]).fillna(0.0)
    return (cb + t["potential"].fillna(0.0) * t["win_probability"].fillna(0.0)).round(2)


def tiers(value: pd.Series, ids: pd.Series, lifecycle: pd.Series, rules: Rules) -> pd.DataFrame:
    """[§2] ABC by the 20/80 rule. Returns tier, cumulative_share, value used, share before."""
    value = value.where(~(value.isna() & eq(lifecycle, "prospect")), 0.0)
    before, total = share_before(value, ids)
    a, b = rules["tier"]["a_share"], rules["tier"]["b_share"]
    v = value.to_numpy(dtype=float)
    has = ~np.isnan(v)
    if total > 0:
        sb = before.to_numpy() / total
        tier = np.where(v <= 0, "C", np.where(sb < a, "A", np.where(sb < b, "B", "C")))
        cumulative = np.round((before.to_numpy() + v) / total, 4)
    else:
        sb = np.full(len(v), np.nan)
        tier = np.full(len(v), "C")
        cumulative = np.full(len(v), np.nan)
    tier_col = codes(np.where(has, tier, None), value.index)  # type: ignore[call-overload]
    return pd.DataFrame(
        {
            "tier": tier_col,
            "cumulative_share": np.where(has, cumulative, np.nan),
            "tier_value": v,
            "tier_share_before": sb,
            "tier_total": total,
        },
        index=value.index,
    )


def quadrants(prof: pd.Series, revenue: pd.Series, ids: pd.Series, rules: Rules) -> pd.DataFrame:
    """[§3] loss / marginal / top / profitable."""
    limit = rules["profit"]["marginal_ratio"]
    loss = prof < 0
    ratio = prof / revenue.where(revenue > 0)
    # zero profit earns nothing whatever the revenue (also when the revenue is unknown)
    marginal = (prof >= 0) & ((revenue <= 0) | (ratio < limit) | (prof == 0))
    rest = prof.notna() & ~loss & ~marginal
    rest_values = prof.where(rest)
    before, total = share_before(rest_values, ids)
    sb = before / total if total > 0 else before * 0.0
    top = rest & (sb < rules["profit"]["top_share"])
    quadrant = np.select(
        [loss.to_numpy(), marginal.to_numpy(), top.to_numpy(), rest.to_numpy()],
        ["loss", "marginal", "top", "profitable"],
        default="",
    )
    return pd.DataFrame(
        {
            "profit_quadrant": codes(np.where(quadrant == "", None, quadrant), prof.index),  # type: ignore[call-overload]
            "profit_ratio": ratio,
            "quadrant_share_before": sb,
        },
        index=prof.index,
    )


def motivation(t: pd.DataFrame, rules: Rules) -> pd.DataFrame:
    """[§5] each indicator votes; most points wins; a tie at the top is mixed; no votes unknown."""
    points = rules["motivation"]["points"]
    matrix = np.zeros((len(MOTIVATIONS), len(t)))
    rows = np.arange(len(t))
    for fld, mapping in INDICATORS.items():
        # each code → the row of the motivation it votes for (-1: no vote)
        votes = lookup(
            t[fld], {code: MOTIVATIONS.index(m) for code, m in mapping.items()}, -1
        ).to_numpy(dtype=int)
        voted = votes >= 0
        matrix[votes[voted], rows[voted]] += points[fld]
    staff = (t["ecommerce_staff"] >= rules["motivation"]["ecommerce_staff_profit_min"]).to_numpy()
    matrix[MOTIVATIONS.index("profit")] += staff * points["ecommerce_staff"]
    scores = {m: matrix[k] for k, m in enumerate(MOTIVATIONS)}
    best = matrix.max(axis=0)
    total = matrix.sum(axis=0)
    at_top = (matrix == best).sum(axis=0)
    winner = np.array(MOTIVATIONS, dtype=object)[matrix.argmax(axis=0)]
    code = np.where(total == 0, "unknown", np.where(at_top > 1, "mixed", winner))
    confidence = np.where(total == 0, 0.0, np.round(best / np.where(total == 0, 1, total), 2))
    return pd.DataFrame(
        {
            "motivation": codes(code, t.index),
            "motivation_confidence": confidence,
            **{f"score_{m}": scores[m] for m in MOTIVATIONS},
        },
        index=t.index,
    )


def style(t: pd.DataFrame, rules: Rules) -> pd.DataFrame:
    """[§4] explicit style wins over the two axes; contacts to decide and remaining."""
    explicit = t["style"].where(t["style"] != "unknown")
    d, o = t["decisiveness"].to_numpy(dtype=object), t["orientation"].to_numpy(dtype=object)
    axes = codes(
        np.select([(d == a) & (o == b) for a, b in AXES], list(AXES.values()), None),  # type: ignore[call-overload]
        t.index,
    )
    code = codes(explicit.fillna(axes).fillna("unknown"), t.index)
    decide = lookup(code, rules["style"]["decides_after"])
    remaining = (decide - t["contacts"]).clip(lower=0)
    return pd.DataFrame(
        {
            "style": code,
            "style_explicit": explicit.notna(),
            "contacts_to_decide": decide,
            "contacts_remaining": remaining,
        },
        index=t.index,
    )


def _past_stats(past: pd.Series, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Minimum and mean of the past results of ``rows`` (NaN elsewhere)."""
    mins = np.full(len(past), math.nan)
    means = np.full(len(past), math.nan)
    index = np.flatnonzero(rows)
    values = past.to_numpy(dtype=object)[index]
    mins[index] = [min(p) if isinstance(p, list) and p else math.nan for p in values]
    means[index] = [sum(p) / len(p) if isinstance(p, list) and p else math.nan for p in values]
    return mins, means


def renewal(
    t: pd.DataFrame, lifecycle: pd.Series, motivation_code: pd.Series, rules: Rules
) -> pd.DataFrame:
    """[§5] renewal floor, satisfaction line and risk (herd: high → medium)."""
    is_renewal = eq(lifecycle, "renewal").to_numpy()
    mins, means = _past_stats(t["past_results"], is_renewal)
    floor = np.round(rules["renewal"]["floor_factor"] * mins, 2)
    line = np.round(rules["renewal"]["satisfaction_factor"] * means, 2)
    current = t["current_result"].to_numpy(dtype=float)
    known = ~np.isnan(floor) & ~np.isnan(current)
    risk = np.where(current < floor, "high", np.where(current < line, "medium", "low"))
    lowered = (risk == "high") & (motivation_code.to_numpy() == "herd")
    risk = np.where(lowered, "medium", risk)
    return pd.DataFrame(
        {
            "renewal_floor": floor,
            "satisfaction_line": line,
            "renewal_risk": codes(np.where(known, risk, None), t.index),  # type: ignore[call-overload]
            "risk_lowered": known & lowered,
            "past_min": mins,
            "past_mean": means,
        },
        index=t.index,
    )


def interval_candidates(
    tier: pd.Series,
    intent: pd.Series,
    risk: pd.Series,
    lifecycle: pd.Series,
    stage: pd.Series,
    complaint: pd.Series,
    rules: Rules,
    urgent: pd.Series | None = None,
) -> pd.DataFrame:
    """[§8, §14] the days each rule allows until the next contact; the interval is the row
    minimum. ``complaint`` is True where a complaint is open, ``urgent`` where the RFM segment
    is urgent (§11)."""
    cad = rules["cadence"]
    base = lookup(tier.fillna("none"), cad["tier_days"])
    declined_prospect = eq(lifecycle, "prospect") & eq(intent, "declined")
    return pd.DataFrame(
        {
            "base": base.where(~declined_prospect, float(cad["declined_prospect_days"])),
            "intent": lookup(intent, cad["intent_days"]),
            "risk": np.where(eq(risk, "high"), cad["high_risk_days"], np.nan),
            "lapsed": np.where(eq(lifecycle, "lapsed"), cad["lapsed_days"], np.nan),
            "regressing": np.where(eq(stage, "regressing"), cad["regressing_days"], np.nan),
            "complaint": np.where(
                complaint.fillna(False).astype(bool), cad["complaint_days"], np.nan
            ),
            "rfm": np.where(
                False if urgent is None else urgent.to_numpy(dtype=bool),
                cad["rfm_urgent_days"],
                np.nan,
            ),
        },
        index=tier.index,
    )


def cadence(
    tier: pd.Series,
    intent: pd.Series,
    risk: pd.Series,
    lifecycle: pd.Series,
    stage: pd.Series,
    complaint: pd.Series,
    rules: Rules,
    urgent: pd.Series | None = None,
) -> tuple[pd.DataFrame, pd.Series]:
    """[§8] the days each rule allows (``interval_candidates``) and the interval, their minimum."""
    candidates = interval_candidates(tier, intent, risk, lifecycle, stage, complaint, rules, urgent)
    return candidates, candidates.min(axis=1).astype(int)


def interval(
    tier: pd.Series,
    intent: pd.Series,
    risk: pd.Series,
    lifecycle: pd.Series,
    stage: pd.Series,
    complaint: pd.Series,
    rules: Rules,
) -> pd.Series:
    """[§8] the days until the next contact: the tier's days (90 for a declined prospect)
    shortened to the smallest any rule allows. Codes as in the plan table (tier A/B/C or None,
    renewal_risk, lifecycle, stage, intent); ``complaint`` is True where a complaint is open. The
    one function every door (the plan, the formulas) calls for the interval."""
    return cadence(tier, intent, risk, lifecycle, stage, complaint, rules)[1]


def next_contact(
    last: pd.Series, interval: pd.Series, today: pd.Timestamp, promised: pd.Series | None = None
) -> tuple[pd.Series, pd.Series, pd.Series]:
    """[§8, §14] due date, days overdue and the plan's date: the earlier of the due date and the
    ``promised`` date (§10; it never changes the days overdue), never before ``today``; no last
    contact: today."""
    due = last + pd.to_timedelta(interval, unit="D")
    overdue = (today - due).dt.days.clip(lower=0).fillna(0).astype(int)
    planned = due
    if promised is not None:
        planned = due.where(promised.isna() | (due <= promised), promised)
    return due, overdue, planned.where(planned >= today, today).fillna(today)


def days_between(later: pd.Series, earlier: pd.Series | pd.Timestamp) -> pd.Series:
    """Whole days from ``earlier`` to ``later`` (NaN where either date is missing)."""
    return (later - earlier).dt.days


def channel(
    tier: pd.Series, risk: pd.Series, stage: pd.Series, intent: pd.Series, lifecycle: pd.Series
) -> pd.Series:
    """[§8] visit if tier A, risk high or stage strategic; else email if intent not_now or
    declined; else phone if tier B, lapsed or intent interested / quoted / hesitating; else
    message."""
    visit = eq(tier, "A") | eq(risk, "high") | eq(stage, "strategic")
    email = ~visit & intent.isin(["not_now", "declined"])
    phone = (
        ~visit
        & ~email
        & (
            eq(tier, "B")
            | eq(lifecycle, "lapsed")
            | intent.isin(["interested", "quoted", "hesitating"])
        )
    )
    return codes(
        np.select([visit, email, phone], ["visit", "email", "phone"], "message"), tier.index
    )


def promise_overdue(promise_due: pd.Series, today: pd.Timestamp) -> pd.Series:
    """[§8] an open promise whose date is before as_of (no date: not overdue)."""
    return (promise_due < today).fillna(False).astype(bool)


def priority(
    tier: pd.Series,
    risk: pd.Series,
    intent: pd.Series,
    overdue: pd.Series,
    complaint: pd.Series,
    promise_late: pd.Series,
    stage: pd.Series,
    lifecycle: pd.Series,
    rules: Rules,
    extra: dict[str, pd.Series] | None = None,
) -> pd.DataFrame:
    """[§8, §14] the points of each part (``PRIORITY_PARTS``), their sum ``raw_score``, the
    ``priority_score`` capped at the maximum and the ``priority`` P1 / P2 / P3. ``extra``: the
    flags of the customer file's other sheets (``EXTRA_PARTS``; a flag not given is False)."""
    none = promise_late & False
    flag = {part: (extra or {}).get(key, none) for part, key in EXTRA_PARTS.items()}
    pr = rules["priority"]
    parts = pd.DataFrame(
        {
            "tier": lookup(tier, pr["tier"], 0),
            "risk": lookup(risk, pr["risk"], 0),
            "intent": lookup(intent, pr["intent"], 0),
            "overdue": np.minimum(overdue, pr["overdue_cap_days"]) // pr["overdue_days_per_point"],
            "complaint": complaint * pr["open_complaint"],
            "promise": promise_late * pr["promise_overdue"],
            **{part: flag[part] * pr[key] for part, key in EXTRA_PARTS.items()},
            "regressing": eq(stage, "regressing") * pr["regressing"],
            "lapsed": eq(lifecycle, "lapsed") * pr["lapsed"],
        },
        index=tier.index,
    ).astype(int)
    raw = parts.sum(axis=1)
    score = raw.clip(upper=pr["max_score"]).astype(int)
    parts["raw_score"] = raw
    parts["priority_score"] = score
    parts["priority"] = codes(
        np.where(score >= pr["p1"], "P1", np.where(score >= pr["p2"], "P2", "P3")), tier.index
    )
    return parts


def warning_flags(
    t: pd.DataFrame,
    today: pd.Timestamp,
    lifecycle: pd.Series,
    overdue: pd.Series,
    promise_late: pd.Series,
    risk: pd.Series,
    tier: pd.Series,
    quadrant: pd.Series,
    data_missing: pd.Series,
    rules: Rules,
    file_flags: dict[str, pd.Series] | None = None,
) -> dict[str, pd.Series]:
    """[§8, §14] each warning of ``WARNINGS`` as a column of True/False (or NA: not known);
    ``file_flags`` are those of the customer file's other sheets (``file_warnings``)."""
    none = pd.Series(False, index=t.index)
    extra = {w: (file_flags or {}).get(w, none) for w in FILE_WARNINGS}
    wc = rules["warnings"]
    last = t["last_contact"]
    days_to_end = days_between(t["contract_end"], today)
    since_contact = days_between(pd.Series(today, index=t.index), last)
    regressing = eq(t["stage"], "regressing")
    return {
        "overdue_contact": overdue > 0,
        "no_contact": last.isna(),
        "promise_overdue": promise_late,
        "followup_missed": extra["followup_missed"],
        "open_complaint": t["open_complaint"].notna(),
        "renewal_risk_high": eq(risk, "high"),
        "contract_ending": lifecycle.isin(["new", "renewal"])
        & days_to_end.between(0, wc["contract_ending_days"])
        & (last.isna() | (since_contact > wc["contract_ending_contact_days"])),
        "contract_expired": eq(lifecycle, "renewal") & (days_to_end < 0),
        # decision_maker_reached None stays unknown: only a written "no" warns
        "no_decision_maker": eq(tier, "A") & (t["decision_maker_reached"] == False),  # noqa: E712
        "no_visit": extra["no_visit"],
        "single_threaded": extra["single_threaded"],
        "no_insider": extra["no_insider"],
        "loss_customer": eq(quadrant, "loss"),
        "order_gap": extra["order_gap"],
        "revenue_drop": extra["revenue_drop"],
        "relationship_regressing": regressing,
        "owner_changed": extra["owner_changed"],
        "data_missing": data_missing,
    }


def warning_lists(flags: dict[str, pd.Series], n: int) -> list[list[str]]:
    """Each row's warnings in ``WARNINGS`` order; rows with the same warnings share one list."""
    matrix = (
        np.column_stack([flags[w].fillna(False).to_numpy(dtype=bool) for w in WARNINGS])
        if n
        else np.zeros((0, len(WARNINGS)), bool)
    )
    # each row's warnings as one bit pattern: the few patterns that occur become lists once
    masks = matrix.astype(np.int64) @ (1 << np.arange(len(WARNINGS), dtype=np.int64))
    patterns = {
        int(m): [w for k, w in enumerate(WARNINGS) if int(m) >> k & 1] for m in np.unique(masks)
    }
    return [patterns[m] for m in masks.tolist()]


def warnings(
    t: pd.DataFrame,
    today: pd.Timestamp,
    lifecycle: pd.Series,
    overdue: pd.Series,
    promise_late: pd.Series,
    risk: pd.Series,
    tier: pd.Series,
    quadrant: pd.Series,
    data_missing: pd.Series,
    rules: Rules,
    file_flags: dict[str, pd.Series] | None = None,
) -> list[list[str]]:
    """[§8] each row's warnings in ``WARNINGS`` order (``warning_flags``, ``warning_lists``)."""
    flags = warning_flags(
        t,
        today,
        lifecycle,
        overdue,
        promise_late,
        risk,
        tier,
        quadrant,
        data_missing,
        rules,
        file_flags,
    )
    return warning_lists(flags, len(t))


def file_warnings(
    tier: pd.Series,
    facts: pd.DataFrame,
    promised: pd.Series,
    today: pd.Timestamp,
    rules: Rules,
    orders: pd.DataFrame | None = None,
) -> dict[str, pd.Series]:
    """[§10, §11] the warnings of the customer file's other sheets: followup_missed (a promised
    date before as_of), no_visit (tier A, a log, no visit in ``log.visit_days_a`` days),
    single_threaded (tier A or B: one person known, or at most one named in the window's
    entries while there are some), no_insider (tier A, contacts known, none an insider),
    order_gap (``orders.facts``) and revenue_drop (tier A, the last 365 days below
    ``orders.drop_ratio`` × the 365 before, when those have orders); also ``rfm_urgent``, the
    urgent segments (a priority part, not a warning)."""
    a = eq(tier, "A")
    a_or_b = a | eq(tier, "B")
    has_log = facts["has_log"].astype(bool)
    visit_age = (today - facts["last_visit"]).dt.days
    recent = (visit_age < rules.numbers.log.visit_days_a).fillna(False).astype(bool)
    known = facts["contacts_known"]
    one_known = (known == 1).fillna(False).astype(bool)
    entries = facts["log_entries"].fillna(0)
    one_named = has_log & (entries >= 1) & (facts["persons"] <= 1)
    return {
        "followup_missed": (promised < today).fillna(False).astype(bool),
        "no_visit": a & has_log & ~recent,
        "single_threaded": a_or_b & (one_known | one_named),
        "no_insider": a
        & (known >= 1).fillna(False).astype(bool)
        & ~facts["insider_known"].astype(bool),
        **order_warnings(a, orders, rules),
    }


def order_warnings(a: pd.Series, orders: pd.DataFrame | None, rules: Rules) -> dict[str, pd.Series]:
    """[§11] order_gap, revenue_drop (tier A only) and rfm_urgent from ``orders.facts``."""
    if orders is None:
        none = pd.Series(False, index=a.index)
        return {"order_gap": none, "revenue_drop": none, "rfm_urgent": none}
    ratio = rules.numbers.orders.drop_ratio
    drop = (orders["orders_before"] > 0) & (orders["year_last"] < ratio * orders["year_before"])
    return {
        "order_gap": orders["order_gap"].astype(bool),
        "revenue_drop": a & drop.fillna(False).astype(bool),
        "rfm_urgent": orders["urgent"].astype(bool),
    }


def objective(
    promise_late: pd.Series,
    complaint: pd.Series,
    risk: pd.Series,
    lifecycle: pd.Series,
    intent: pd.Series,
    stage: pd.Series,
    owner_changed: pd.Series | None = None,
) -> pd.Series:
    """[§8, §14] the first that applies: keep_promise, resolve_complaint, handover (the owner
    changed), retain (risk high), win_back (lapsed), close (interested / quoted), learn_needs
    (hesitating), else the stage's code, else follow_up."""
    no_change = pd.Series(False, index=promise_late.index)
    handover = no_change if owner_changed is None else owner_changed.astype(bool)
    return codes(
        np.select(
            [
                promise_late,
                complaint,
                handover,
                eq(risk, "high"),
                eq(lifecycle, "lapsed"),
                intent.isin(["interested", "quoted"]),
                eq(intent, "hesitating"),
                stage.notna(),
            ],
            [
                "keep_promise",
                "resolve_complaint",
                "handover",
                "retain",
                "win_back",
                "close",
                "learn_needs",
                stage.fillna("").astype(str),
            ],
            "follow_up",
        ),
        promise_late.index,
    )


def owner_key(owner: Any) -> str:
    """[§13] an owner as compared across months: NFKC, trimmed ("" when empty)."""
    if owner is None or owner != owner:
        return ""
    return unicodedata.normalize("NFKC", str(owner)).strip()


def owner_changed(owner: pd.Series, previous_owner: pd.Series) -> pd.Series:
    """[§13] the owner differs from last month's (``previous_owner``: each customer's owner in
    last month's report, None when not there); an owner empty in either month is no change."""
    pairs = zip(owner.tolist(), previous_owner.tolist(), strict=True)
    changed = [
        bool(a and b and a != b) for a, b in ((owner_key(x), owner_key(y)) for x, y in pairs)
    ]
    return pd.Series(changed, index=owner.index, dtype=bool)
