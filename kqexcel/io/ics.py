"""[§12] The next contacts as an iCalendar file (RFC 5545), written with the icalendar package:
one all-day VEVENT per customer whose next contact is 0–``calendar.horizon_days`` days after
as_of, a UID made from the ledger, the customer and the day (importing the same plan twice adds
nothing), lines folded at 75 octets without splitting a character (icalendar folds so)."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path
from typing import Any

import pandas as pd

from kqexcel.core.plan import Plan
from kqexcel.io.display import is_missing, warning_texts
from kqexcel.io.wording import word
from kqexcel.rules import Rules

PRODID = "-//kqexcel//kq plan//ZH"


def uid(ledger: str, customer_id: Any, day: dt.date) -> str:
    """A UID stable across runs: the ledger's file name, the customer id and the day."""
    key = f"{Path(ledger).name}\x1f{customer_id}\x1f{day.isoformat()}"
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32] + "@kqexcel"


def events(plan: Plan, rules: Rules) -> list[Any]:
    """The plan's VEVENTs within the horizon, earliest first (then priority score)."""
    from icalendar import Event

    lang, t = plan.lang, plan.table
    if not len(t):
        return []
    start = pd.Timestamp(plan.as_of)
    end = start + pd.Timedelta(days=rules.numbers.calendar.horizon_days)
    inside = t[(t["next_contact"] >= start) & (t["next_contact"] <= end)]
    inside = inside.sort_values(["next_contact", "priority_score"], ascending=[True, False])
    sep = str(rules["rationale"]["words"]["list_separator"][lang])
    warned = warning_texts(
        inside["warnings"].tolist(), inside["warning_details"].tolist(), rules, lang, sep
    )
    heads = {
        key: rules.field_label(key, lang)
        for key in ("objective", "talking_points", "questions", "warnings")
    }
    stamp = dt.datetime.now(dt.UTC).replace(microsecond=0)
    out = []
    for (_, row), warnings in zip(inside.iterrows(), warned, strict=True):
        day = row["next_contact"].date()
        channel = rules.label("channel", row["channel"], lang)
        name = "" if is_missing(row["name"]) else str(row["name"])
        event = Event()
        event.add("uid", uid(row["_file"], row["customer_id"], day))
        event.add("dtstamp", stamp)
        event.add("dtstart", day)
        event.add("dtend", day + dt.timedelta(days=1))
        event.add("summary", f"[{row['priority']}] {channel} {name}".strip())
        parts = [
            (heads["objective"], row["objective_text"]),
            (heads["talking_points"], row["talking_points"]),
            (heads["questions"], row["questions"]),
            (heads["warnings"], warnings),
        ]
        text = "\n\n".join(f"{h}\n{v}" for h, v in parts if not is_missing(v) and v)
        if text:
            event.add("description", text)
        event.add("categories", [c for c in (row["priority"], row["tier"]) if not is_missing(c)])
        event.add("transp", "TRANSPARENT")  # a reminder, not a busy block
        out.append(event)
    return out


def calendar_text(all_events: list[Any], lang: str) -> str:
    """One VCALENDAR holding ``all_events`` (several ledgers' plans go in one file)."""
    from icalendar import Calendar

    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", word("ics_calendar_name", lang))
    for event in all_events:
        cal.add_component(event)
    return cal.to_ical().decode("utf-8")
