"""The plan pipeline (DOMAIN.md §8): a typed ledger in, one plan row per customer out.

Codes are computed over whole columns; the texts a rep reads (talking points, questions, the
rationale) are assembled from the rules file in the requested language.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from kqexcel.core import classify as C
from kqexcel.core.ledger import Ledger, Problem
from kqexcel.rules import Rules

IDENTITY = ("customer_id", "name", "owner", "region")
PLAN_FIELDS = (
    "tier", "cumulative_share", "profit", "profit_quadrant", "expected_value", "motivation",
    "motivation_confidence", "style", "contacts_to_decide", "contacts_remaining", "lifecycle",
    "renewal_floor", "satisfaction_line", "renewal_risk", "intent", "stage", "priority",
    "priority_score", "next_contact", "days_overdue", "channel", "objective", "talking_points",
    "questions", "warnings", "rationale",
)
WARNINGS = ("overdue_contact", "no_contact", "promise_overdue", "open_complaint",
            "renewal_risk_high", "contract_ending", "contract_expired", "no_decision_maker",
            "loss_customer", "relationship_regressing", "data_missing")
# classification cells that carry the rationale as a cell note
NOTE_FIELDS = ("tier", "profit_quadrant", "expected_value", "motivation", "style",
               "renewal_risk", "next_contact", "channel", "priority", "objective")


# plan fields shown as zh/en labels of their codes
LABELLED = ("tier", "profit_quadrant", "motivation", "style", "lifecycle", "renewal_risk", "intent",
            "stage", "priority", "channel")


def _missing(value: Any) -> bool:
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
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "—"
    number = float(value)
    if number.is_integer():
        return f"{number:,.0f}"
    return f"{number:,.{digits}f}".rstrip("0").rstrip(".")


def _pct(value: float) -> str:
    return "—" if value is None or np.isnan(value) else f"{value * 100:.1f}%"


def _date(value: Any) -> str:
    return "—" if value is None or pd.isna(value) else pd.Timestamp(value).date().isoformat()


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


def make_plan(ledger: Ledger, rules: Rules, as_of: dt.date | None = None, lang: str = "zh") -> Plan:
    """Classify every customer of ``ledger`` and plan the next contact (DOMAIN.md §2–§8)."""
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
    lapsed = lifecycle == "lapsed"
    regressing = stage == "regressing"
    prospect = lifecycle == "prospect"

    # --- data problems and gaps found by the rules -------------------------------------
    value_label = W(f"value_{value_kind}")
    value_field = "revenue" if value_kind == "revenue" else "profit"
    mapped = ledger.mapped.get(value_field)
    value_column = f"{mapped.header} ({mapped.letter})" if mapped else rules.field_label(value_field, lang)
    for k in np.flatnonzero(tier["tier"].isna().to_numpy()):
        problems.append(Problem(t["_file"].iat[k], t["_sheet"].iat[k], int(t["_row"].iat[k]), value_column, None,
                                "no_value_no_tier"))
    renewal_rows = (lifecycle == "renewal").to_numpy()
    past_missing = t["past_results"].isna().to_numpy()
    current_missing = t["current_result"].isna().to_numpy()
    gap_missing: dict[int, str] = {}
    for i in map(int, np.flatnonzero(renewal_rows & (past_missing | current_missing))):
        names = [rules.field_label(f, lang) for f, miss in
                 (("past_results", past_missing[i]), ("current_result", current_missing[i])) if miss]
        gap_missing[i] = W.list_sep.join(names)
        problems.append(Problem(t["_file"].iat[i], t["_sheet"].iat[i], int(t["_row"].iat[i]), gap_missing[i], None,
                                "renewal_without_results", kind="gap"))
    problem_rows = {(p.file, p.row) for p in problems}

    # --- cadence (§8) ----------------------------------------------------------------------
    candidates = C.interval_candidates(tier["tier"], intent, risk, lifecycle, stage, complaint, rules)
    interval = candidates.min(axis=1).astype(int)
    declined_prospect = prospect & (intent == "declined")
    last = t["last_contact"]
    due, overdue, next_contact = C.next_contact(last, interval, today)

    # --- channel ---------------------------------------------------------------------------
    is_a = tier["tier"] == "A"
    visit = is_a | (risk == "high") | (stage == "strategic")
    email = ~visit & intent.isin(["not_now", "declined"])
    phone = ~visit & ~email & ((tier["tier"] == "B") | lapsed | intent.isin(["interested", "quoted", "hesitating"]))
    channel = pd.Series(np.select([visit, email, phone], ["visit", "email", "phone"], "message"), index=t.index)

    # --- priority --------------------------------------------------------------------------
    pr = rules["priority"]
    promise_overdue = (t["promise_due"] < today).fillna(False).astype(bool)
    p_tier = tier["tier"].map(pr["tier"]).fillna(0)
    p_risk = risk.map(pr["risk"]).fillna(0)
    p_intent = intent.map(pr["intent"]).fillna(0)
    p_overdue = np.minimum(overdue, pr["overdue_cap_days"]) // pr["overdue_days_per_point"]
    parts = pd.DataFrame({
        "tier": p_tier, "risk": p_risk, "intent": p_intent, "overdue": p_overdue,
        "complaint": complaint * pr["open_complaint"], "promise": promise_overdue * pr["promise_overdue"],
        "regressing": regressing * pr["regressing"], "lapsed": lapsed * pr["lapsed"],
    }, index=t.index).astype(int)
    raw_score = parts.sum(axis=1)
    score = raw_score.clip(upper=pr["max_score"]).astype(int)
    priority = pd.Series(np.where(score >= pr["p1"], "P1", np.where(score >= pr["p2"], "P2", "P3")), index=t.index)

    # --- warnings (in this order) ------------------------------------------------------------
    days_to_end = _days_between(t["contract_end"], today)
    since_contact = _days_between(pd.Series(today, index=t.index), last)
    wc = rules["warnings"]
    flags = {
        "overdue_contact": overdue > 0,
        "no_contact": last.isna(),
        "promise_overdue": promise_overdue,
        "open_complaint": complaint,
        "renewal_risk_high": risk == "high",
        "contract_ending": lifecycle.isin(["new", "renewal"]) & days_to_end.between(0, wc["contract_ending_days"])
        & (last.isna() | (since_contact > wc["contract_ending_contact_days"])),
        "contract_expired": (lifecycle == "renewal") & (days_to_end < 0),
        "no_decision_maker": is_a & (t["decision_maker_reached"] == False),  # noqa: E712 - None stays unknown
        "loss_customer": quad["profit_quadrant"] == "loss",
        "relationship_regressing": regressing,
        "data_missing": pd.Series([(f, r) in problem_rows for f, r in zip(t["_file"], t["_row"], strict=True)],
                                  index=t.index, dtype=bool),
    }
    flag_matrix = np.column_stack([flags[w].fillna(False).to_numpy(dtype=bool) for w in WARNINGS]) if n else np.zeros((0, len(WARNINGS)), bool)
    warnings = [[w for w, on in zip(WARNINGS, row, strict=True) if on] for row in flag_matrix]

    # --- objective (first that applies) -----------------------------------------------------
    objective = pd.Series(np.select(
        [promise_overdue, complaint, risk == "high", lapsed, intent.isin(["interested", "quoted"]),
         intent == "hesitating", stage.notna()],
        ["keep_promise", "resolve_complaint", "retain", "win_back", "close", "learn_needs",
         stage.fillna("").astype(str)],
        "follow_up"), index=t.index)

    table = pd.DataFrame({
        "_row": t["_row"],
        "_file": t["_file"],
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
    }, index=t.index)
    table["warnings"] = pd.Series(warnings, index=t.index, dtype=object)

    ctx = dict(t=t, tier=tier, quad=quad, prof=prof, computed=computed, ev=ev, mot=mot, sty=sty,
               ren=ren, gap_missing=gap_missing, candidates=candidates, interval=interval,
               last=last, due=due, overdue=overdue, next_contact=next_contact, parts=parts,
               raw_score=raw_score, score=score, priority=priority, channel=channel,
               objective=objective, table=table, value_label=value_label,
               declined_prospect=declined_prospect, lifecycle=lifecycle)
    notes = _notes(ctx, rules, W)
    table["talking_points"] = _talking_points(table, t, W)
    table["questions"] = [W.text("need_type", c) for c in t["need_type"]]
    table["objective_text"] = _objective_texts(objective, t, W)
    table["rationale"] = ["\n".join(x for x in row if x) for row in notes[list(NOTE_FIELDS)].itertuples(index=False)] if n else []
    for name in ledger.carried:
        table[name] = t[name]
    order = {f: i for i, f in enumerate(dict.fromkeys(t["_file"]))}
    problems.sort(key=lambda p: (order.get(p.file, -1), p.row or 0, p.kind, p.column or ""))
    return Plan(table.reset_index(drop=True), notes.reset_index(drop=True), list(ledger.carried),
                problems, as_of, lang, [(ledger.file, ledger.sheet)])


def _objective_texts(objective: pd.Series, t: pd.DataFrame, W: _Words) -> list[str]:
    out = []
    for code, promise in zip(objective, t["open_promise"], strict=True):
        text = W.text("objective", code) or W.label("objective", code)
        if code == "keep_promise":
            text = text.replace("{promise}", str(promise or W.label("objective", code)))
        out.append(text)
    return out


def _talking_points(table: pd.DataFrame, t: pd.DataFrame, W: _Words) -> list[str | None]:
    general = W.text("complaint", "general") or ""
    rows = zip(table["style"], table["motivation"], table["stage"], table["intent"],
               t["business_type"], t["open_complaint"], t["party_type"], table["lifecycle"], strict=True)
    out: list[str | None] = []
    cache: dict[tuple[Any, ...], str | None] = {}
    for key in rows:
        if key in cache:
            out.append(cache[key])
            continue
        style, motivation, stage, intent, business, complaint, party, lifecycle = key
        lines = []
        if style != "unknown":
            lines.append(W("tp_style", style=W.label("style", style),
                           approach=W.text("style", style, "approach") or "", words=W.text("style", style, "words") or ""))
        if motivation not in ("unknown",) and W.text("motivation", motivation):
            lines.append(W("tp_motivation", motivation=W.label("motivation", motivation), text=W.text("motivation", motivation)))
        if stage is not None and W.text("stage", stage):
            lines.append(W("tp_stage", stage=W.label("stage", stage), text=W.text("stage", stage)))
        if intent is not None and W.text("intent", intent):
            lines.append(W("tp_intent", intent=W.label("intent", intent), text=W.text("intent", intent)))
        if business is not None and W.text("business_type", business):
            lines.append(W("tp_business", business=W.label("business_type", business), text=W.text("business_type", business)))
        if complaint is not None:
            lines.append(W("tp_complaint", complaint=W.label("open_complaint", complaint), general=general,
                           text=W.text("complaint", complaint) or ""))
        if party is not None and W.text("party_type", party):
            lines.append(W("tp_party", party=W.label("party_type", party), text=W.text("party_type", party)))
        if lifecycle in ("new", "lapsed") and W.text("lifecycle", lifecycle):
            lines.append(W("tp_lifecycle", lifecycle=W.label("lifecycle", lifecycle), text=W.text("lifecycle", lifecycle)))
        cache[key] = "\n".join(line.strip() for line in lines) or None
        out.append(cache[key])
    return out


def _notes(c: dict[str, Any], rules: Rules, W: _Words) -> pd.DataFrame:
    """One rationale sentence per classification cell: the rule and the values that decided it."""
    t, n = c["t"], len(c["t"])
    tiers, quad, mot, sty, ren = c["tier"], c["quad"], c["mot"], c["sty"], c["ren"]
    a, b = rules["tier"]["a_share"], rules["tier"]["b_share"]
    total = float(tiers["tier_total"].iat[0]) if n else 0.0
    vl = c["value_label"]
    cad, pr = rules["cadence"], rules["priority"]
    def cols(frame: pd.DataFrame) -> dict[str, list[Any]]:
        return {name: frame[name].tolist() for name in frame.columns}

    T, TI, Q, M, S, R = cols(t), cols(tiers), cols(quad), cols(mot), cols(sty), cols(ren)
    CC = {k: v.tolist() for k, v in c.items() if isinstance(v, pd.Series)}
    CAND, PARTS = cols(c["candidates"]), cols(c["parts"])
    out: dict[str, list[str]] = {f: [] for f in NOTE_FIELDS}
    cache: dict[str, dict[tuple[Any, ...], str]] = {f: {} for f in NOTE_FIELDS}
    for i in range(n):
        # tier
        tr = TI["tier"][i]
        v = TI["tier_value"][i]
        if tr is None:
            note = W("tier_missing", value_label=vl)
        elif total <= 0:
            note = W("tier_zero_total")
        elif v <= 0:
            note = W("tier_nonpositive", value_label=vl, value=_fmt(v))
        else:
            note = W("tier", tier=tr, value_label=vl, value=_fmt(v), before=_pct(TI["tier_share_before"][i]),
                     a=_pct(a), b=_pct(b))
        if tr is not None and pd.isna(T["revenue"][i]) and CC["lifecycle"][i] == "prospect" and rules["tier"]["value"] == "revenue":
            note += W.sep + W("tier_prospect", value_label=vl)
        out["tier"].append(note)
        # profit and quadrant
        p = CC["prof"][i]
        q = Q["profit_quadrant"][i]
        if pd.isna(p):
            note = W("profit_missing")
        else:
            if CC["computed"][i]:
                note = W("profit_computed", profit=_fmt(p), revenue=_fmt(T["revenue"][i]),
                         margin=_pct(T["gross_margin"][i]), cost=_fmt(T["service_cost"][i] if not pd.isna(T["service_cost"][i]) else 0))
            else:
                note = W("profit_given", profit=_fmt(p))
            if q == "loss":
                why = W("quadrant_loss")
            elif q == "marginal":
                ratio = Q["profit_ratio"][i]
                why = W("quadrant_marginal_revenue") if pd.isna(ratio) else W(
                    "quadrant_marginal", ratio=_pct(ratio), limit=_pct(rules["profit"]["marginal_ratio"]))
            else:
                why = W("quadrant_rank", quadrant=W.label("profit_quadrant", q),
                        before=_pct(Q["quadrant_share_before"][i]), limit=_pct(rules["profit"]["top_share"]))
            text = W.text("quadrant", q)
            note = note + W.sep + why + (W.sep + text if text else "")
        out["profit_quadrant"].append(note)
        # expected value
        cb = p if not pd.isna(p) else (T["revenue"][i] if not pd.isna(T["revenue"][i]) else 0.0)
        out["expected_value"].append(W("expected_value", ev=_fmt(CC["ev"][i]), cb=_fmt(cb),
                                       av=_fmt(0 if pd.isna(T["potential"][i]) else T["potential"][i]),
                                       p=_pct(0 if pd.isna(T["win_probability"][i]) else T["win_probability"][i])))
        # motivation (rows with the same answers share one sentence)
        m = M["motivation"][i]
        key = (m, *(T[f][i] for f in C.INDICATORS), T["ecommerce_staff"][i])
        if key in cache["motivation"]:
            out["motivation"].append(cache["motivation"][key])
        elif m == "unknown":
            out["motivation"].append(cache["motivation"].setdefault(key, W("motivation_none")))
        else:
            evidence = []
            for fld, mapping in C.INDICATORS.items():
                code = T[fld][i]
                if code in mapping:
                    evidence.append(f"{rules.field_label(fld, W.lang)}={W.label(fld, code)}→{W.label('motivation', mapping[code])}")
            staff = T["ecommerce_staff"][i]
            if not pd.isna(staff) and staff >= rules["motivation"]["ecommerce_staff_profit_min"]:
                evidence.append(f"{rules.field_label('ecommerce_staff', W.lang)}={_fmt(staff)}→{W.label('motivation', 'profit')}")
            out["motivation"].append(cache["motivation"].setdefault(key, W(
                "motivation", motivation=W.label("motivation", m), image=_fmt(M["score_image"][i]),
                profit=_fmt(M["score_profit"][i]), herd=_fmt(M["score_herd"][i]),
                evidence=W.list_sep.join(evidence))))
        # style
        s = S["style"][i]
        key = (s, S["style_explicit"][i], T["style"][i], T["decisiveness"][i], T["orientation"][i], T["contacts"][i])
        if key in cache["style"]:
            out["style"].append(cache["style"][key])
        elif s == "unknown":
            note = W("style_unknown")
        elif S["style_explicit"][i]:
            note = W("style_explicit", style=W.label("style", s), raw=W.label("style", T["style"][i]))
        else:
            note = W("style_axes", style=W.label("style", s), decisiveness=W.label("decisiveness", T["decisiveness"][i]),
                     orientation=W.label("orientation", T["orientation"][i]))
        if key not in cache["style"]:
            if s != "unknown":
                note += W.sep + W("contacts", decide=_fmt(S["contacts_to_decide"][i]), contacts=_fmt(T["contacts"][i]))
            out["style"].append(cache["style"].setdefault(key, note))
        # renewal
        rk = R["renewal_risk"][i]
        if rk is not None:
            note = W("renewal", risk=W.label("renewal_risk", rk), current=_fmt(T["current_result"][i]),
                     floor=_fmt(R["renewal_floor"][i]), floor_factor=_fmt(rules["renewal"]["floor_factor"]),
                     min=_fmt(R["past_min"][i]), line=_fmt(R["satisfaction_line"][i]),
                     line_factor=_fmt(rules["renewal"]["satisfaction_factor"]), mean=_fmt(R["past_mean"][i]))
            if R["risk_lowered"][i]:
                note += W.sep + W("renewal_herd")
        elif i in c["gap_missing"]:
            note = W("renewal_gap", missing=c["gap_missing"][i])
        else:
            note = ""
        out["renewal_risk"].append(note)
        # interval and next contact
        cand = {k: v[i] for k, v in CAND.items()}
        days = int(CC["interval"][i])
        tr_key = tr or "none"
        reasons = [W("declined_prospect", days=cad["declined_prospect_days"]) if CC["declined_prospect"][i]
                   else (W("tier_days", tier=tr, days=cad["tier_days"][tr_key]) if tr else W("tier_none_days", days=cad["tier_days"]["none"]))]
        if not pd.isna(cand["intent"]):
            reasons.append(W("intent_days", intent=W.label("intent", T["intent"][i]), days=int(cand["intent"])))
        for rule in ("risk", "lapsed", "regressing", "complaint"):
            if not pd.isna(cand[rule]):
                reasons.append(W({"risk": "high_risk"}.get(rule, rule), days=int(cand[rule])))
        note = W("interval", days=days, reasons=W.list_sep.join(reasons))
        last = CC["last"][i]
        nxt = _date(CC["next_contact"][i])
        if pd.isna(last):
            note += W.sep + W("next_contact_none", next=nxt)
        elif CC["overdue"][i] > 0:
            note += W.sep + W("next_contact_overdue", next=nxt, due=_date(CC["due"][i]), last=_date(last),
                              days=days, overdue=int(CC["overdue"][i]))
        else:
            note += W.sep + W("next_contact", next=nxt, last=_date(last), days=days)
        out["next_contact"].append(note)
        # channel
        ch = CC["channel"][i]
        intent_label = W.label("intent", T["intent"][i])
        key = (ch, tr, rk, CC["lifecycle"][i], T["intent"][i])
        if key in cache["channel"]:
            out["channel"].append(cache["channel"][key])
        elif ch == "visit":
            reason = W("visit_tier") if tr == "A" else W("visit_risk") if rk == "high" else W("visit_strategic")
        elif ch == "email":
            reason = W("email_intent", intent=intent_label)
        elif ch == "phone":
            reason = W("phone_tier") if tr == "B" else W("phone_lapsed") if CC["lifecycle"][i] == "lapsed" else W("phone_intent", intent=intent_label)
        else:
            reason = W("message_default")
        if key not in cache["channel"]:
            extra = W.text("channel", ch)
            out["channel"].append(cache["channel"].setdefault(
                key, W("channel", channel=W.label("channel", ch), reason=reason) + (W.sep + extra if extra else "")))
        # priority
        pp = {k: v[i] for k, v in PARTS.items()}
        key = (*pp.values(), CC["raw_score"][i], tr, rk)
        if key in cache["priority"]:
            out["priority"].append(cache["priority"][key])
            pp = {}
        bits = []
        if pp and pp["tier"]:
            bits.append(W("points_tier", tier=tr, points=pp["tier"]))
        if pp and pp["risk"]:
            bits.append(W("points_risk", risk=W.label("renewal_risk", rk), points=pp["risk"]))
        for part in ("intent", "overdue", "complaint", "promise", "regressing", "lapsed"):
            if pp and pp[part]:
                bits.append(W(f"points_{part}", points=pp[part]))
        if pp and CC["raw_score"][i] > pr["max_score"]:
            bits.append(W("points_capped", cap=pr["max_score"]))
        if pp:
            out["priority"].append(cache["priority"].setdefault(key, W(
                "priority", score=int(CC["score"][i]), parts=" + ".join(bits) or "0",
                priority=CC["priority"][i], p1=pr["p1"], p2=pr["p2"])))
        # objective
        ob = CC["objective"][i]
        if ob == "keep_promise":
            reason = W("objective_promise", due=_date(T["promise_due"][i]))
        elif ob == "resolve_complaint":
            reason = W("objective_complaint", type=W.label("open_complaint", T["open_complaint"][i]))
        elif ob == "retain":
            reason = W("objective_retain")
        elif ob == "win_back":
            reason = W("objective_win_back")
        elif ob == "close":
            reason = W("objective_close", intent=intent_label)
        elif ob == "learn_needs":
            reason = W("objective_learn")
        elif ob == "follow_up":
            reason = W("objective_default")
        else:
            reason = W("objective_stage", stage=W.label("stage", ob))
        out["objective"].append(W("objective", reason=reason))
    return pd.DataFrame(out, index=t.index, dtype=object) if n else pd.DataFrame({f: [] for f in NOTE_FIELDS}, dtype=object)


def display_columns(plan: Plan, rules: Rules) -> list[tuple[str, list[Any]]]:
    """(header, values) for every plan column as the workbook shows it (labels in ``lang``)."""
    lang, t = plan.lang, plan.table
    sep = str(rules["rationale"]["words"]["list_separator"][lang])
    out: list[tuple[str, list[Any]]] = []
    for key in [*IDENTITY, *PLAN_FIELDS]:
        values = t[key].tolist()
        if key in LABELLED:
            domain = key
            labels = {c: rules.label(domain, c, lang) for c in set(v for v in values if not _missing(v))}
            values = [None if _missing(v) else labels[v] for v in values]
        elif key == "objective":
            values = t["objective_text"].tolist()
        elif key == "warnings":
            names = {w: str(rules.label("warning", w, lang)) for w in
                     {w for ws in values for w in ws}}
            values = [sep.join(names[w] for w in ws) or None for ws in values]
        out.append((rules.field_label(key, lang), values))
    headers = {h for h, _ in out}
    for name in plan.carried:
        header = name.rstrip("′")
        while header in headers:
            header += "*"
        headers.add(header)
        out.append((header, t[name].tolist()))
    return out
