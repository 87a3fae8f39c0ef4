"""The legend sheet (说明 / Legend): what every column and every code of a plan means."""

from __future__ import annotations

from typing import Any

from kqexcel.core.plan import PLAN_FIELDS, Plan
from kqexcel.io.cells import put
from kqexcel.io.fill import name_target, row_height
from kqexcel.io.templates import LEGEND_NAME, font
from kqexcel.io.wording import labels, word
from kqexcel.rules import Rules

CODE_DOMAINS = (  # a code domain and the texts domain that explains its codes
    ("tier", None),
    ("profit_quadrant", "quadrant"),
    ("motivation", "motivation"),
    ("style", "style"),
    ("lifecycle", "lifecycle"),
    ("renewal_risk", None),
    ("intent", "intent"),
    ("stage", "stage"),
    ("priority", None),
    ("channel", "channel"),
    ("objective", "objective"),
    ("warning", "warning"),
    ("level", None),
    ("role", None),
    ("rfm_segment", "rfm_segment"),
    ("business_type", "business_type"),
    ("party_type", "party_type"),
    ("open_complaint", "complaint"),
    ("need_type", "need_type"),
)
OTHER = {"zh": "en", "en": "zh"}  # the Legend's second column: the label in the other language


LEGEND_FILES = 3  # the legend names at most this many source files


def fill_legend(wb: Any, rules: Rules, lang: str, plan: Plan, title: str | None = None) -> None:
    """The 说明 / Legend sheet: what every column and every code means, in the reps' words."""
    ws, row, col = name_target(wb, LEGEND_NAME)
    r = _legend_head(ws, row, col, rules, lang, plan, title)
    r = _legend_fields(ws, r, col, rules, lang)
    _legend_codes(ws, r, col, rules, lang)


def _legend_head(
    ws: Any, row: int, col: int, rules: Rules, lang: str, plan: Plan, title: str | None
) -> int:
    """The title, the facts line and the intro; returns the row after them and a blank one."""
    from openpyxl.styles import Alignment

    texts = rules.tree.get("texts", {}).get("legend", {})
    title = title or word("legend_title", lang)
    put(ws, row, col, title).font = font(bold=True, size=14)
    day, files = plan.as_of.isoformat(), list(dict.fromkeys(f for f, _ in plan.sources))
    # a report of many ledgers: their number, not a line as long as the list
    many = len(files) > LEGEND_FILES
    sources = word("legend_sources_many", lang, n=len(files)) if many else ", ".join(files)
    facts = word("legend_facts", lang, day=day, version=rules.version, sources=sources)
    put(ws, row + 1, col, facts)
    intro = texts.get("intro", {}).get(lang)
    r = row + 2
    if intro:
        put(ws, r, col, intro).alignment = Alignment(wrap_text=False)
        r += 1
    put(ws, r, col, calendar_line(rules, lang, plan)).alignment = Alignment(wrap_text=False)
    return r + 2


def _years(years: list[int]) -> str:
    """2026, 2027–2029: runs of years as a short text."""
    runs: list[list[int]] = []
    for y in years:
        if runs and y == runs[-1][-1] + 1:
            runs[-1].append(y)
        else:
            runs.append([y])
    return ", ".join(str(r[0]) if len(r) == 1 else f"{r[0]}–{r[-1]}" for r in runs)


def calendar_line(rules: Rules, lang: str, plan: Plan) -> str:
    """[§12] how the plan's dates were put on working days, and which years of the plan are the
    official schedule and which the holidays package's estimates."""
    from kqexcel.core.workdays import official_years

    cal = rules.numbers.calendar
    if not cal.working_days:
        return word("legend_calendar_off", lang, limit=cal.daily_limit)
    dates = plan.table["next_contact"].dropna() if len(plan.table) else None
    last = (
        plan.as_of.year
        if dates is None or not len(dates)
        else max(plan.as_of.year, dates.max().year)
    )
    years = list(range(plan.as_of.year, last + 1))
    known = official_years()
    official = [y for y in years if y in known]
    estimated = [y for y in years if y not in known]
    return word(
        "legend_calendar",
        lang,
        limit=cal.daily_limit,
        official=word("legend_calendar_official", lang, years=_years(official)) if official else "",
        estimated=word("legend_calendar_estimated", lang, years=_years(estimated))
        if estimated
        else "",
    )


def _legend_fields(ws: Any, r: int, col: int, rules: Rules, lang: str) -> int:
    """The header row and one row per plan column; returns the row after them and a blank one."""

    texts = rules.tree.get("texts", {}).get("legend", {})
    for j, head in enumerate(labels("legend_headers", lang)):
        put(ws, r, col + j, head).font = font(bold=True)
    r += 1
    for key in PLAN_FIELDS:
        put(ws, r, col, rules.field_label(key, lang))
        put(ws, r, col + 1, rules.field_label(key, OTHER[lang]))
        _explain(ws, r, col + 2, texts.get(key, {}).get(lang, ""))
        r += 1
    return r + 1


def _explain(ws: Any, r: int, c: int, text: str | None) -> None:
    """A meaning, wrapped in its column, the row tall enough for it (no client grows a row)."""
    from openpyxl.styles import Alignment
    from openpyxl.utils import get_column_letter

    put(ws, r, c, text).alignment = Alignment(wrap_text=True, vertical="top")
    for name in (c - 2, c - 1):  # the names beside it, at the top too
        ws.cell(r, name).alignment = Alignment(vertical="top")
    width = ws.column_dimensions[get_column_letter(c)].width or 8.43
    height = row_height([(text, width)])
    if height > (ws.row_dimensions[r].height or 15):
        ws.row_dimensions[r].height = height


def _pct(x: float) -> str:
    """A share as a short percentage: 80%, 72.5%."""
    return f"{x * 100:.1f}".rstrip("0").rstrip(".") + "%"


def _legend_codes(ws: Any, r: int, col: int, rules: Rules, lang: str) -> None:
    """Per code domain: its label, then one row per code with its meaning."""

    numbers = {
        "{a}": _pct(rules["tier"]["a_share"]),
        "{b}": _pct(rules["tier"]["b_share"]),
        "{p1}": str(rules["priority"]["p1"]),
        "{p2}": str(rules["priority"]["p2"]),
    }
    for domain, text_domain in CODE_DOMAINS:
        labels = rules.for_kind("contacts") if domain in ("level", "role") else rules
        header = labels.field_label("warnings" if domain == "warning" else domain, lang)
        put(ws, r, col, header).font = font(bold=True)
        if domain == "open_complaint":  # how to handle any complaint, before each type's way
            _explain(ws, r, col + 2, rules.text("complaint", "general", lang))
        r += 1
        for code in rules["codes"][domain]:
            put(ws, r, col, rules.label(domain, code, lang))
            put(ws, r, col + 1, rules.label(domain, code, OTHER[lang]))
            text = _code_text(rules, domain, text_domain, code, lang)
            for key, number in numbers.items():
                text = text.replace(key, number) if text else text
            if text:
                _explain(ws, r, col + 2, text.replace("{promise}", "…"))
            r += 1
        r += 1


def _code_text(
    rules: Rules, domain: str, text_domain: str | None, code: str, lang: str
) -> str | None:
    """What a code means: its rules text (a style's approach and words), else the legend's own."""
    text: str | None = rules.text(text_domain, code, lang) if text_domain else None
    if domain == "style" and code != "unknown":
        parts = (
            rules.text("style", code, lang, "approach"),
            rules.text("style", code, lang, "words"),
        )
        text = " ".join(x for x in parts if x)
    own = rules.tree.get("texts", {}).get("legend_codes", {})
    return text or own.get(domain, {}).get(code, {}).get(lang)
