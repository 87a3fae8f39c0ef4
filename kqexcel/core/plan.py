"""The plan pipeline (DOMAIN.md §8): a typed ledger in, one plan row per customer out.

Codes are computed over whole columns; the texts a rep reads (talking points, questions, the
rationale) are assembled from the rules file in the requested language.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from kqexcel.core import classify as C
from kqexcel.core.ledger import (
    EXCEL_COLUMNS,
    Ledger,
    Problem,
    carried_header,
    carried_key,
    repeat_name,
)
from kqexcel.rules import Rules

IDENTITY = ("customer_id", "name", "owner", "region")
PLAN_FIELDS = (
    "tier",
    "cumulative_share",
    "profit",
    "profit_quadrant",
    "expected_value",
    "motivation",
    "motivation_confidence",
    "style",
    "contacts_to_decide",
    "contacts_remaining",
    "lifecycle",
    "renewal_floor",
    "satisfaction_line",
    "renewal_risk",
    "intent",
    "stage",
    "priority",
    "priority_score",
    "next_contact",
    "days_overdue",
    "channel",
    "objective",
    "talking_points",
    "questions",
    "warnings",
    "rationale",
)
WARNINGS = (
    "overdue_contact",
    "no_contact",
    "promise_overdue",
    "open_complaint",
    "renewal_risk_high",
    "contract_ending",
    "contract_expired",
    "no_decision_maker",
    "loss_customer",
    "relationship_regressing",
    "data_missing",
)
# classification cells that carry the rationale as a cell note
NOTE_FIELDS = (
    "tier",
    "profit_quadrant",
    "expected_value",
    "motivation",
    "style",
    "renewal_risk",
    "next_contact",
    "channel",
    "priority",
    "objective",
)


# plan fields shown as zh/en labels of their codes
LABELLED = (
    "tier",
    "profit_quadrant",
    "motivation",
    "style",
    "lifecycle",
    "renewal_risk",
    "intent",
    "stage",
    "priority",
    "channel",
)


def is_missing(value: Any) -> bool:
    """None, NaN or NaT: a cell with nothing in it."""
    return value is None or value is pd.NaT or (isinstance(value, float) and np.isnan(value))


@dataclass
class Plan:
    """One plan row per customer (codes, ISO-able dates), the notes per classification cell,
    the carried-through columns and every data problem and gap."""

    table: pd.DataFrame
    notes: pd.DataFrame
    carried: list[str]
    problems: list[Problem]
    as_of: dt.date
    lang: str
    sources: list[tuple[str, str]] = field(default_factory=list)

    @property
    def has_problems(self) -> bool:
        return any(p.kind == "problem" for p in self.problems)


def _fmt(value: Any, digits: int = 2) -> str:
    """A number as a rep reads it: thousands separators, at most ``digits`` decimals."""
    if value is None or value != value:  # None or NaN
        return "—"
    number = float(value)
    if number.is_integer():
        return f"{number:,.0f}"
    return f"{number:,.{digits}f}".rstrip("0").rstrip(".")


def _pct(value: float) -> str:
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


class _Words:
    """Rationale templates of the rules file in one language."""

    def __init__(self, rules: Rules, lang: str) -> None:
        self.rules, self.lang = rules, lang
        self.r = rules["rationale"]
        self.w = rules["rationale"]["words"]

    def __call__(self, key: str, **values: Any) -> str:
        node = self.w[key] if key in self.w else self.r[key]
        return str(node[self.lang]).format(**values)

    def label(self, domain: str, code: Any) -> str:
        if code is None or (isinstance(code, float) and np.isnan(code)):
            return "—"
        return self.rules.label(domain, str(code), self.lang) or "—"

    def text(self, domain: str, code: Any, key: str | None = None) -> str | None:
        if code is None or (isinstance(code, float) and np.isnan(code)):
            return None
        return self.rules.text(domain, str(code), self.lang, key)

    @property
    def sep(self) -> str:
        return str(self.w["separator"][self.lang])

    @property
    def list_sep(self) -> str:
        return str(self.w["list_separator"][self.lang])


def _days_between(later: pd.Series, earlier: pd.Series | pd.Timestamp) -> pd.Series:
    return (later - earlier).dt.days


def make_plan(
    ledger: Ledger, rules: Rules, as_of: dt.date | None = None, lang: str = "zh", texts: bool = True
) -> Plan:
    """Classify every customer of ``ledger`` and plan the next contact (DOMAIN.md §2–§8).
    ``texts=False`` computes the codes only (no talking points, questions or rationale)."""
    as_of = as_of or dt.date.today()
    t = ledger.table
    n = len(t)
    today = pd.Timestamp(as_of)
    W = _Words(rules, lang)
    problems = list(ledger.problems)

    lifecycle = t["contract_status"].fillna("unknown")
    prof, computed = C.profit(t)
    ev = C.expected_value(t, prof)
    value_kind = rules["tier"]["value"]
    value = {"revenue": t["revenue"], "profit": prof, "expected_value": ev}[value_kind]
    tier = C.tiers(value, t["customer_id"], lifecycle, rules)
    quad = C.quadrants(prof, t["revenue"], t["customer_id"], rules)
    mot = C.motivation(t, rules)
    sty = C.style(t, rules)
    ren = C.renewal(t, lifecycle, mot["motivation"], rules)
    risk = ren["renewal_risk"]
    intent, stage = t["intent"], t["stage"]
    complaint = t["open_complaint"].notna()
    lapsed = C.eq(lifecycle, "lapsed")
    regressing = C.eq(stage, "regressing")
    prospect = C.eq(lifecycle, "prospect")
    renewal = C.eq(lifecycle, "renewal")
    high_risk = C.eq(risk, "high")

    # --- data problems and gaps found by the rules -------------------------------------
    value_label = W(f"value_{value_kind}")
    value_field = "revenue" if value_kind == "revenue" else "profit"

    @functools.cache
    def column_name(fld: str, file: str) -> str:
        """The ledger's own header and letter when the column is there, else the field's name."""
        mapped = ledger.mapped_in(file).get(fld)
        return f"{mapped.header} ({mapped.letter})" if mapped else rules.field_label(fld, lang)

    files, sheets_, rows_ = t["_file"].tolist(), t["_sheet"].tolist(), t["_row"].tolist()
    unreadable = {(p.file, p.row) for p in problems if p.column == column_name(value_field, p.file)}
    for k in np.flatnonzero(tier["tier"].isna().to_numpy()).tolist():
        if (files[k], rows_[k]) in unreadable:
            continue  # the unreadable value is reported already; its rationale says "no tier"
        problems.append(
            Problem(
                files[k],
                sheets_[k],
                rows_[k],
                column_name(value_field, files[k]),
                None,
                "no_value_no_tier",
            )
        )
    renewal_rows = renewal.to_numpy()
    past_missing = t["past_results"].isna().to_numpy()
    current_missing = t["current_result"].isna().to_numpy()
    gap_missing: dict[int, str] = {}

    @functools.cache
    def gap_texts(past: bool, current: bool, file: str) -> tuple[str, str]:
        """(the missing fields' names, the ledger's own columns) for a renewal row's data gap."""
        missing = [f for f, miss in (("past_results", past), ("current_result", current)) if miss]
        return (
            W.list_sep.join(rules.field_label(f, lang) for f in missing),
            W.list_sep.join(column_name(f, file) for f in missing),
        )

    gap_rows = np.flatnonzero(renewal_rows & (past_missing | current_missing)).tolist()
    for i, past, current in zip(
        gap_rows, past_missing[gap_rows].tolist(), current_missing[gap_rows].tolist(), strict=True
    ):
        gap_missing[i], columns = gap_texts(past, current, files[i])
        problems.append(
            Problem(
                files[i], sheets_[i], rows_[i], columns, None, "renewal_without_results", kind="gap"
            )
        )
    problem_rows = {(p.file, p.row) for p in problems}

    # --- cadence (§8) ----------------------------------------------------------------------
    candidates = C.interval_candidates(
        tier["tier"], intent, risk, lifecycle, stage, complaint, rules
    )
    interval = candidates.min(axis=1).astype(int)
    declined_prospect = prospect & C.eq(intent, "declined")
    last = t["last_contact"]
    due, overdue, next_contact = C.next_contact(last, interval, today)

    # --- channel ---------------------------------------------------------------------------
    is_a = C.eq(tier["tier"], "A")
    visit = is_a | high_risk | C.eq(stage, "strategic")
    email = ~visit & intent.isin(["not_now", "declined"])
    phone = (
        ~visit
        & ~email
        & (C.eq(tier["tier"], "B") | lapsed | intent.isin(["interested", "quoted", "hesitating"]))
    )
    channel = pd.Series(
        np.select([visit, email, phone], ["visit", "email", "phone"], "message"),
        index=t.index,
        dtype=object,
    )

    # --- priority --------------------------------------------------------------------------
    pr = rules["priority"]
    promise_overdue = (t["promise_due"] < today).fillna(False).astype(bool)
    p_tier = C.lookup(tier["tier"], pr["tier"], 0)
    p_risk = C.lookup(risk, pr["risk"], 0)
    p_intent = C.lookup(intent, pr["intent"], 0)
    p_overdue = np.minimum(overdue, pr["overdue_cap_days"]) // pr["overdue_days_per_point"]
    parts = pd.DataFrame(
        {
            "tier": p_tier,
            "risk": p_risk,
            "intent": p_intent,
            "overdue": p_overdue,
            "complaint": complaint * pr["open_complaint"],
            "promise": promise_overdue * pr["promise_overdue"],
            "regressing": regressing * pr["regressing"],
            "lapsed": lapsed * pr["lapsed"],
        },
        index=t.index,
    ).astype(int)
    raw_score = parts.sum(axis=1)
    score = raw_score.clip(upper=pr["max_score"]).astype(int)
    priority = pd.Series(
        np.where(score >= pr["p1"], "P1", np.where(score >= pr["p2"], "P2", "P3")),
        index=t.index,
        dtype=object,
    )

    # --- warnings (in this order) ------------------------------------------------------------
    days_to_end = _days_between(t["contract_end"], today)
    since_contact = _days_between(pd.Series(today, index=t.index), last)
    wc = rules["warnings"]
    flags = {
        "overdue_contact": overdue > 0,
        "no_contact": last.isna(),
        "promise_overdue": promise_overdue,
        "open_complaint": complaint,
        "renewal_risk_high": high_risk,
        "contract_ending": lifecycle.isin(["new", "renewal"])
        & days_to_end.between(0, wc["contract_ending_days"])
        & (last.isna() | (since_contact > wc["contract_ending_contact_days"])),
        "contract_expired": renewal & (days_to_end < 0),
        "no_decision_maker": is_a & (t["decision_maker_reached"] == False),  # noqa: E712 - None stays unknown
        "loss_customer": C.eq(quad["profit_quadrant"], "loss"),
        "relationship_regressing": regressing,
        "data_missing": _rows_in(t, problem_rows),
    }
    flag_matrix = (
        np.column_stack([flags[w].fillna(False).to_numpy(dtype=bool) for w in WARNINGS])
        if n
        else np.zeros((0, len(WARNINGS)), bool)
    )
    # each row's warnings as one bit pattern; the few patterns that occur become lists once
    masks = flag_matrix.astype(np.int64) @ (1 << np.arange(len(WARNINGS), dtype=np.int64))
    patterns = {
        int(m): [w for k, w in enumerate(WARNINGS) if int(m) >> k & 1] for m in np.unique(masks)
    }
    warnings = [patterns[m] for m in masks.tolist()]  # rows with the same warnings share one list

    # --- objective (first that applies) -----------------------------------------------------
    objective = pd.Series(
        np.select(
            [
                promise_overdue,
                complaint,
                high_risk,
                lapsed,
                intent.isin(["interested", "quoted"]),
                C.eq(intent, "hesitating"),
                stage.notna(),
            ],
            [
                "keep_promise",
                "resolve_complaint",
                "retain",
                "win_back",
                "close",
                "learn_needs",
                stage.fillna("").astype(str),
            ],
            "follow_up",
        ),
        index=t.index,
        dtype=object,
    )

    table = pd.DataFrame(
        {
            "_row": t["_row"],
            "_file": t["_file"],
            "_notes": t["notes"],  # the rep's own 备注, shown after the plan fields
            "_contract_end": t["contract_end"],  # named in the contract warnings
            **{f: t[f] for f in IDENTITY},
            "tier": tier["tier"],
            "cumulative_share": tier["cumulative_share"],
            "profit": prof.round(2),
            "profit_quadrant": quad["profit_quadrant"],
            "expected_value": ev,
            "motivation": mot["motivation"],
            "motivation_confidence": mot["motivation_confidence"],
            "style": sty["style"],
            "contacts_to_decide": sty["contacts_to_decide"],
            "contacts_remaining": sty["contacts_remaining"],
            "lifecycle": lifecycle,
            "renewal_floor": ren["renewal_floor"],
            "satisfaction_line": ren["satisfaction_line"],
            "renewal_risk": risk,
            "intent": intent,
            "stage": stage,
            "priority": priority,
            "priority_score": score,
            "next_contact": next_contact,
            "days_overdue": overdue,
            "channel": channel,
            "objective": objective,
        },
        index=t.index,
    )
    table["warnings"] = pd.Series(warnings, index=t.index, dtype=object)

    ctx = dict(
        t=t,
        tier=tier,
        quad=quad,
        prof=prof,
        computed=computed,
        ev=ev,
        mot=mot,
        sty=sty,
        ren=ren,
        gap_missing=gap_missing,
        candidates=candidates,
        interval=interval,
        last=last,
        due=due,
        overdue=overdue,
        next_contact=next_contact,
        parts=parts,
        raw_score=raw_score,
        score=score,
        priority=priority,
        channel=channel,
        objective=objective,
        value_label=value_label,
        declined_prospect=declined_prospect,
        lifecycle=lifecycle,
    )
    if texts:
        notes = _notes(ctx, rules, W)
        table["talking_points"] = _talking_points(table, t, W)
        questions = {c: W.text("need_type", c) for c in set(t["need_type"]) - {None}}
        table["questions"] = [questions.get(c) for c in t["need_type"].tolist()]
        table["objective_text"] = _objective_texts(objective, t, W)
        table["rationale"] = (
            [
                "\n".join(x for x in row if x)
                for row in zip(*(notes[f].tolist() for f in NOTE_FIELDS), strict=True)
            ]
            if n
            else []
        )
    else:
        notes = pd.DataFrame(index=t.index, columns=list(NOTE_FIELDS), dtype=object)
        for key in ("talking_points", "questions", "objective_text", "rationale"):
            table[key] = None
    if ledger.carried:  # added at once: one insert per column is quadratic in a wide ledger
        table = pd.concat([table, t[[carried_key(name) for name in ledger.carried]]], axis=1)
    order = {f: i for i, f in enumerate(dict.fromkeys(t["_file"]))}
    problems.sort(key=lambda p: (order.get(p.file, -1), p.row or 0, p.kind, p.column or ""))
    return Plan(
        table.reset_index(drop=True),
        notes.reset_index(drop=True),
        list(ledger.carried),
        problems,
        as_of,
        lang,
        [(ledger.file, ledger.sheet)],
    )


def _rows_in(t: pd.DataFrame, places: set[tuple[str, int | None]]) -> pd.Series:
    """Which rows of ``t`` are among the (file, Excel row) ``places``."""
    mask = pd.Series(False, index=t.index)
    by_file: dict[str, list[int]] = {}
    for file, row in places:
        if row is not None:
            by_file.setdefault(file, []).append(row)
    for file, rows in by_file.items():
        mask |= (t["_file"] == file) & t["_row"].isin(rows)
    return mask


def _objective_texts(objective: pd.Series, t: pd.DataFrame, W: _Words) -> list[str]:
    out = []
    for code, promise in zip(objective, t["open_promise"], strict=True):
        text = W.text("objective", code) or W.label("objective", code)
        if code == "keep_promise":
            text = text.replace("{promise}", str(promise or W.label("objective", code)))
        out.append(text)
    return out


def _talking_points(table: pd.DataFrame, t: pd.DataFrame, W: _Words) -> list[str | None]:
    """The talking points: one line per thing known about the customer (§8), each line looked
    up once per code."""
    general = W.text("complaint", "general") or ""

    def lines(
        domain: str,
        template: str,
        slot: str,
        codes: Any,
        text_domain: str | None = None,
        **extra: Any,
    ) -> dict[Any, str]:
        out = {}
        for code in set(codes) - {None}:
            text = W.text(text_domain or domain, code)
            if text is not None:
                out[code] = W(template, **{slot: W.label(domain, code)}, text=text, **extra).strip()
        return out

    styles = {
        s: W(
            "tp_style",
            style=W.label("style", s),
            approach=W.text("style", s, "approach") or "",
            words=W.text("style", s, "words") or "",
        ).strip()
        for s in set(table["style"])
        if s != "unknown"
    }
    motivation = lines(
        "motivation", "tp_motivation", "motivation", set(table["motivation"]) - {"unknown"}
    )
    stage = lines("stage", "tp_stage", "stage", table["stage"])
    intent = lines("intent", "tp_intent", "intent", table["intent"])
    business = lines("business_type", "tp_business", "business", t["business_type"])
    complaint = {
        c: W(
            "tp_complaint",
            complaint=W.label("open_complaint", c),
            general=general,
            text=W.text("complaint", c) or "",
        ).strip()
        for c in set(t["open_complaint"]) - {None}
    }
    party = lines("party_type", "tp_party", "party", t["party_type"])
    lifecycle = lines(
        "lifecycle", "tp_lifecycle", "lifecycle", {"new", "lapsed"} & set(table["lifecycle"])
    )
    parts = (styles, motivation, stage, intent, business, complaint, party, lifecycle)
    columns = (
        table["style"],
        table["motivation"],
        table["stage"],
        table["intent"],
        t["business_type"],
        t["open_complaint"],
        t["party_type"],
        table["lifecycle"],
    )
    cache: dict[tuple[Any, ...], str | None] = {}
    out: list[str | None] = []
    for key in zip(*(c.tolist() for c in columns), strict=True):
        text = cache.get(key, "")
        if text == "":
            found = [part[code] for part, code in zip(parts, key, strict=True) if code in part]
            text = cache[key] = "\n".join(found) or None
        out.append(text)
    return out


def _notes(c: dict[str, Any], rules: Rules, W: _Words) -> pd.DataFrame:
    """One rationale sentence per classification cell: the rule and the values that decided it.

    Column by column: templates and labels are looked up once, and rows that share the inputs
    of a sentence share the sentence (most rationale is about a handful of codes)."""
    t, n = c["t"], len(c["t"])
    if not n:
        return pd.DataFrame({f: [] for f in NOTE_FIELDS}, dtype=object)
    lang = W.lang
    r, w = rules["rationale"], rules["rationale"]["words"]

    def tpl(key: str) -> str:
        return str((w[key] if key in w else r[key])[lang])

    def labels(domain: str) -> dict[Any, str]:
        table = {code: str(entry[lang]) for code, entry in rules["codes"].get(domain, {}).items()}
        table[None] = "—"
        return table

    def col(frame: pd.DataFrame, name: str) -> list[Any]:
        return frame[name].tolist()

    def num(value: Any) -> bool:
        return value is not None and value == value  # not None, not NaN

    sep, list_sep = W.sep, W.list_sep
    tiers, quad, mot, sty, ren = c["tier"], c["quad"], c["mot"], c["sty"], c["ren"]
    out: dict[str, list[str]] = {}
    note: str | None
    head: str | None

    # tier -------------------------------------------------------------------------------
    a, b = _pct(rules["tier"]["a_share"]), _pct(rules["tier"]["b_share"])
    total = float(tiers["tier_total"].iat[0])
    vl = c["value_label"]
    t_tier, t_missing, t_zero, t_nonpos = (
        tpl("tier"),
        tpl("tier_missing"),
        tpl("tier_zero_total"),
        tpl("tier_nonpositive"),
    )
    prospect_note = (
        sep + tpl("tier_prospect").format(value_label=vl)
        if rules["tier"]["value"] == "revenue"
        else ""
    )
    notes = []
    for tr, v, sb, rev, life in zip(
        col(tiers, "tier"),
        col(tiers, "tier_value"),
        col(tiers, "tier_share_before"),
        col(t, "revenue"),
        c["lifecycle"].tolist(),
        strict=True,
    ):
        if tr is None:
            note = t_missing.format(value_label=vl)
        elif total <= 0:
            note = t_zero
        elif v <= 0:
            note = t_nonpos.format(value_label=vl, value=_fmt(v))
        else:
            note = t_tier.format(tier=tr, value_label=vl, value=_fmt(v), before=_pct(sb), a=a, b=b)
        if tr is not None and life == "prospect" and not num(rev):
            note += prospect_note
        notes.append(note)
    out["tier"] = notes

    # profit and quadrant ------------------------------------------------------------------
    q_labels = labels("profit_quadrant")
    q_texts = {q: W.text("quadrant", q) for q in q_labels if q}
    marginal_limit, top_limit = (
        _pct(rules["profit"]["marginal_ratio"]),
        _pct(rules["profit"]["top_share"]),
    )
    t_computed, t_given, t_none = tpl("profit_computed"), tpl("profit_given"), tpl("profit_missing")
    t_loss, t_marginal, t_marginal_rev, t_rank = (
        tpl("quadrant_loss"),
        tpl("quadrant_marginal"),
        tpl("quadrant_marginal_revenue"),
        tpl("quadrant_rank"),
    )
    notes = []
    for p, computed, rev, margin, cost, q, ratio, qsb in zip(
        c["prof"].tolist(),
        c["computed"].tolist(),
        col(t, "revenue"),
        col(t, "gross_margin"),
        col(t, "service_cost"),
        col(quad, "profit_quadrant"),
        col(quad, "profit_ratio"),
        col(quad, "quadrant_share_before"),
        strict=True,
    ):
        if not num(p):
            notes.append(t_none)
            continue
        note = (
            t_computed.format(
                profit=_fmt(p),
                revenue=_fmt(rev),
                margin=_pct(margin),
                cost=_fmt(cost if num(cost) else 0),
            )
            if computed
            else t_given.format(profit=_fmt(p))
        )
        if q == "loss":
            why = t_loss
        elif q == "marginal":
            why = (
                t_marginal_rev
                if not num(ratio)
                else t_marginal.format(ratio=_pct(ratio), limit=marginal_limit)
            )
        else:
            why = t_rank.format(quadrant=q_labels.get(q, "—"), before=_pct(qsb), limit=top_limit)
        text = q_texts.get(q)
        notes.append(note + sep + why + (sep + text if text else ""))
    out["profit_quadrant"] = notes

    # expected value -----------------------------------------------------------------------
    t_ev = tpl("expected_value")
    out["expected_value"] = [
        t_ev.format(
            ev=_fmt(ev),
            cb=_fmt(p if num(p) else (rev if num(rev) else 0.0)),
            av=_fmt(av if num(av) else 0),
            p=_pct(prob if num(prob) else 0),
        )
        for ev, p, rev, av, prob in zip(
            c["ev"].tolist(),
            c["prof"].tolist(),
            col(t, "revenue"),
            col(t, "potential"),
            col(t, "win_probability"),
            strict=True,
        )
    ]

    # motivation ---------------------------------------------------------------------------
    m_labels = labels("motivation")
    field_labels = {f: rules.field_label(f, lang) for f in (*C.INDICATORS, "ecommerce_staff")}
    indicator_labels = {f: labels(f) for f in C.INDICATORS}
    staff_min = rules["motivation"]["ecommerce_staff_profit_min"]
    t_mot, t_mot_none = tpl("motivation"), tpl("motivation_none")
    cache: dict[tuple[Any, ...], str] = {}
    notes = []
    indicator_cols = [col(t, f) for f in C.INDICATORS]
    for m, si, sp, sh, staff, *codes in zip(
        col(mot, "motivation"),
        col(mot, "score_image"),
        col(mot, "score_profit"),
        col(mot, "score_herd"),
        col(t, "ecommerce_staff"),
        *indicator_cols,
        strict=True,
    ):
        key = (m, staff, *codes)
        note = cache.get(key)
        if note is None:
            if m == "unknown":
                note = t_mot_none
            else:
                evidence = [
                    f"{field_labels[f]}={indicator_labels[f].get(code, code)}→{m_labels[C.INDICATORS[f][code]]}"
                    for f, code in zip(C.INDICATORS, codes, strict=True)
                    if code in C.INDICATORS[f]
                ]
                if num(staff) and staff >= staff_min:
                    evidence.append(
                        f"{field_labels['ecommerce_staff']}={_fmt(staff)}→{m_labels['profit']}"
                    )
                note = t_mot.format(
                    motivation=m_labels.get(m, m),
                    image=_fmt(si),
                    profit=_fmt(sp),
                    herd=_fmt(sh),
                    evidence=list_sep.join(evidence),
                )
            cache[key] = note
        notes.append(note)
    out["motivation"] = notes

    # style --------------------------------------------------------------------------------
    s_labels, d_labels, o_labels = labels("style"), labels("decisiveness"), labels("orientation")
    t_unknown, t_explicit, t_axes, t_contacts = (
        tpl("style_unknown"),
        tpl("style_explicit"),
        tpl("style_axes"),
        tpl("contacts"),
    )
    cache = {}
    notes = []
    for st, explicit, raw, d, o, decide, contacts in zip(
        col(sty, "style"),
        col(sty, "style_explicit"),
        col(t, "style"),
        col(t, "decisiveness"),
        col(t, "orientation"),
        col(sty, "contacts_to_decide"),
        col(t, "contacts"),
        strict=True,
    ):
        key = (st, explicit, raw, d, o, contacts)
        note = cache.get(key)
        if note is None:
            if st == "unknown":
                note = t_unknown
            else:
                note = (
                    t_explicit.format(style=s_labels[st], raw=s_labels.get(raw, raw))
                    if explicit
                    else t_axes.format(
                        style=s_labels[st],
                        decisiveness=d_labels.get(d, d),
                        orientation=o_labels.get(o, o),
                    )
                )
                note += sep + t_contacts.format(decide=_fmt(decide), contacts=_fmt(contacts))
            cache[key] = note
        notes.append(note)
    out["style"] = notes

    # renewal ------------------------------------------------------------------------------
    r_labels = labels("renewal_risk")
    t_ren, t_herd, t_gap = tpl("renewal"), tpl("renewal_herd"), tpl("renewal_gap")
    ff, lf = _fmt(rules["renewal"]["floor_factor"]), _fmt(rules["renewal"]["satisfaction_factor"])
    gaps = c["gap_missing"]
    notes = []
    for i, (rk, cur, floor, low, line, mean, lowered) in enumerate(
        zip(
            col(ren, "renewal_risk"),
            col(t, "current_result"),
            col(ren, "renewal_floor"),
            col(ren, "past_min"),
            col(ren, "satisfaction_line"),
            col(ren, "past_mean"),
            col(ren, "risk_lowered"),
            strict=True,
        )
    ):
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
            if lowered:
                note += sep + t_herd
        elif i in gaps:
            note = t_gap.format(missing=gaps[i])
        else:
            note = ""
        notes.append(note)
    out["renewal_risk"] = notes

    # interval and next contact ---------------------------------------------------------------
    cad = rules["cadence"]
    i_labels = labels("intent")
    t_interval = tpl("interval")
    t_next, t_over, t_none_next = (
        tpl("next_contact"),
        tpl("next_contact_overdue"),
        tpl("next_contact_none"),
    )
    rule_tpl = {
        "risk": tpl("high_risk"),
        "lapsed": tpl("lapsed"),
        "regressing": tpl("regressing"),
        "complaint": tpl("complaint"),
    }
    cand = c["candidates"]
    cache = {}
    notes = []
    for tr, declined, intent, ci, cr, cl, cg, cc, days, last, nxt, due, overdue in zip(
        col(tiers, "tier"),
        c["declined_prospect"].tolist(),
        col(t, "intent"),
        col(cand, "intent"),
        col(cand, "risk"),
        col(cand, "lapsed"),
        col(cand, "regressing"),
        col(cand, "complaint"),
        c["interval"].tolist(),
        c["last"].tolist(),
        c["next_contact"].tolist(),
        c["due"].tolist(),
        c["overdue"].tolist(),
        strict=True,
    ):
        key = (tr, declined, intent, ci, cr, cl, cg, cc, days)
        head = cache.get(key)
        if head is None:
            reasons = [
                tpl("declined_prospect").format(days=cad["declined_prospect_days"])
                if declined
                else (
                    tpl("tier_days").format(tier=tr, days=cad["tier_days"][tr])
                    if tr
                    else tpl("tier_none_days").format(days=cad["tier_days"]["none"])
                )
            ]
            if num(ci):
                reasons.append(
                    tpl("intent_days").format(intent=i_labels.get(intent, intent), days=int(ci))
                )
            for rule, value in (
                ("risk", cr),
                ("lapsed", cl),
                ("regressing", cg),
                ("complaint", cc),
            ):
                if num(value):
                    reasons.append(rule_tpl[rule].format(days=int(value)))
            head = cache[key] = t_interval.format(days=days, reasons=list_sep.join(reasons))
        if last is None or last is pd.NaT:
            tail = t_none_next.format(next=_date(nxt))
        elif overdue > 0:
            tail = t_over.format(
                next=_date(nxt), due=_date(due), last=_date(last), days=days, overdue=int(overdue)
            )
        else:
            tail = t_next.format(next=_date(nxt), last=_date(last), days=days)
        notes.append(head + sep + tail)
    out["next_contact"] = notes

    # channel ------------------------------------------------------------------------------
    ch_labels = labels("channel")
    ch_texts = {ch: W.text("channel", ch) for ch in ch_labels if ch}
    t_channel = tpl("channel")
    cache = {}
    notes = []
    for ch, tr, rk, life, intent in zip(
        c["channel"].tolist(),
        col(tiers, "tier"),
        col(ren, "renewal_risk"),
        c["lifecycle"].tolist(),
        col(t, "intent"),
        strict=True,
    ):
        key = (ch, tr, rk, life, intent)
        note = cache.get(key)
        if note is None:
            intent_label = i_labels.get(intent, intent)
            if ch == "visit":
                reason = (
                    tpl("visit_tier")
                    if tr == "A"
                    else tpl("visit_risk")
                    if rk == "high"
                    else tpl("visit_strategic")
                )
            elif ch == "email":
                reason = tpl("email_intent").format(intent=intent_label)
            elif ch == "phone":
                reason = (
                    tpl("phone_tier")
                    if tr == "B"
                    else tpl("phone_lapsed")
                    if life == "lapsed"
                    else tpl("phone_intent").format(intent=intent_label)
                )
            else:
                reason = tpl("message_default")
            extra = ch_texts.get(ch)
            note = cache[key] = t_channel.format(channel=ch_labels[ch], reason=reason) + (
                sep + extra if extra else ""
            )
        notes.append(note)
    out["channel"] = notes

    # priority -----------------------------------------------------------------------------
    pr = rules["priority"]
    t_priority = tpl("priority")
    parts = c["parts"]
    part_names = ("intent", "overdue", "complaint", "promise", "regressing", "lapsed")
    cache = {}
    notes = []
    for tr, rk, raw, score, prio, *values in zip(
        col(tiers, "tier"),
        col(ren, "renewal_risk"),
        c["raw_score"].tolist(),
        c["score"].tolist(),
        c["priority"].tolist(),
        *(col(parts, k) for k in ("tier", "risk", *part_names)),
        strict=True,
    ):
        key = (tr, rk, raw, *values)
        note = cache.get(key)
        if note is None:
            bits = []
            if values[0]:
                bits.append(tpl("points_tier").format(tier=tr, points=values[0]))
            if values[1]:
                bits.append(tpl("points_risk").format(risk=r_labels[rk], points=values[1]))
            for name, value in zip(part_names, values[2:], strict=True):
                if value:
                    bits.append(tpl(f"points_{name}").format(points=value))
            if raw > pr["max_score"]:
                bits.append(tpl("points_capped").format(cap=pr["max_score"]))
            note = cache[key] = t_priority.format(
                score=int(score),
                parts=" + ".join(bits) or "0",
                priority=prio,
                p1=pr["p1"],
                p2=pr["p2"],
            )
        notes.append(note)
    out["priority"] = notes

    # objective ----------------------------------------------------------------------------
    t_objective = tpl("objective")
    complaint_labels, stage_labels = labels("open_complaint"), labels("stage")
    cache = {}
    notes = []
    for ob, due, complaint, intent in zip(
        c["objective"].tolist(),
        col(t, "promise_due"),
        col(t, "open_complaint"),
        col(t, "intent"),
        strict=True,
    ):
        key = (ob, due if ob == "keep_promise" else None, complaint, intent)
        note = cache.get(key)
        if note is None:
            if ob == "keep_promise":
                reason = tpl("objective_promise").format(due=_date(due))
            elif ob == "resolve_complaint":
                reason = tpl("objective_complaint").format(
                    type=complaint_labels.get(complaint, complaint)
                )
            elif ob == "retain":
                reason = tpl("objective_retain")
            elif ob == "win_back":
                reason = tpl("objective_win_back")
            elif ob == "close":
                reason = tpl("objective_close").format(intent=i_labels.get(intent, intent))
            elif ob == "learn_needs":
                reason = tpl("objective_learn")
            elif ob == "follow_up":
                reason = tpl("objective_default")
            else:
                reason = tpl("objective_stage").format(stage=stage_labels.get(ob, ob))
            note = cache[key] = t_objective.format(reason=reason)
        notes.append(note)
    out["objective"] = notes
    return pd.DataFrame({f: out[f] for f in NOTE_FIELDS}, index=t.index, dtype=object)


def _warning_texts(
    warnings: list[list[str]], t: pd.DataFrame, rules: Rules, lang: str, sep: str
) -> list[Any]:
    """Each row's warnings as labels, overdue contact with its days and the contract warnings with
    the end date (DOMAIN §8)."""
    names = {w: str(rules.label("warning", w, lang)) for w in {w for ws in warnings for w in ws}}
    words = rules["rationale"]["words"]
    overdue, contract = str(words["overdue_warning"][lang]), str(words["contract_warning"][lang])

    def shown(w: str, days: Any, end: Any) -> str:
        if w == "overdue_contact":
            return overdue.format(label=names[w], days=int(days))
        if w in ("contract_ending", "contract_expired"):
            return contract.format(label=names[w], date=pd.Timestamp(end).date().isoformat())
        return names[w]

    return [
        sep.join(shown(w, d, e) for w in ws) or None
        for ws, d, e in zip(
            warnings, t["days_overdue"].tolist(), t["_contract_end"].tolist(), strict=True
        )
    ]


def display_columns(plan: Plan, rules: Rules) -> list[tuple[str, list[Any]]]:
    """(header, values) for every plan column as the workbook shows it (labels in ``lang``)."""
    lang, t = plan.lang, plan.table
    sep = str(rules["rationale"]["words"]["list_separator"][lang])
    out: list[tuple[str, list[Any]]] = []
    for key in [*IDENTITY, *PLAN_FIELDS]:
        values = t[key].tolist()
        if key in LABELLED:
            domain = key
            labels = {
                c: rules.label(domain, c, lang) for c in set(v for v in values if not is_missing(v))
            }
            values = [None if is_missing(v) else labels[v] for v in values]
        elif key == "objective":
            values = t["objective_text"].tolist()
        elif key == "warnings":
            values = _warning_texts(values, t, rules, lang, sep)
        out.append((rules.field_label(key, lang), values))
    if t["_notes"].notna().any():  # the ledger's notes column: a rep reads it beside the plan
        out.append((rules.field_label("notes", lang), t["_notes"].tolist()))
    headers = {h.casefold() for h, _ in out}  # Excel table headers are unique regardless of case
    stars: dict[str, int] = {}  # header → stars its next repeat starts from (no rescans)
    for name in plan.carried[: EXCEL_COLUMNS - len(out)]:  # never beyond XFD
        base = carried_header(name)
        count = stars.get(base.casefold(), 0)
        while (header := repeat_name(base, count, "*")).casefold() in headers:
            count += 1
        stars[base.casefold()] = count + 1
        headers.add(header.casefold())
        out.append((header, t[carried_key(name)].tolist()))
    return out
