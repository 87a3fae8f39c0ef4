"""The legend sheet (说明 / Legend): what every column and every code of a plan means."""

from __future__ import annotations

from typing import Any

from kqexcel.core.plan import PLAN_FIELDS, Plan
from kqexcel.io.cells import put
from kqexcel.io.fill import name_target
from kqexcel.io.templates import LEGEND_NAME
from kqexcel.rules import Rules


def fill_legend(wb: Any, rules: Rules, lang: str, plan: Plan, title: str | None = None) -> None:
    """The 说明 / Legend sheet: what every column and every code means, in the reps' words."""
    from openpyxl.styles import Alignment, Font

    ws, row, col = name_target(wb, LEGEND_NAME)
    texts = rules.tree.get("texts", {}).get("legend", {})
    title = title or {"zh": "跟进计划说明", "en": "About this plan"}[lang]
    put(ws, row, col, title).font = Font(bold=True, size=14)
    day, sources = plan.as_of.isoformat(), ", ".join(f for f, _ in plan.sources)
    facts = {
        "zh": f"基准日 {day}；规则版本 {rules.version}；来源 {sources}",
        "en": f"As of {day}; rules version {rules.version}; source {sources}",
    }
    put(ws, row + 1, col, facts[lang])
    intro = texts.get("intro", {}).get(lang)
    r = row + 2
    if intro:
        put(ws, r, col, intro).alignment = Alignment(wrap_text=False)
        r += 1
    r += 1
    heads = {"zh": ("字段", "代码", "说明"), "en": ("Field", "Code", "Meaning")}[lang]
    for j, head in enumerate(heads):
        put(ws, r, col + j, head).font = Font(bold=True)
    r += 1
    for key in PLAN_FIELDS:
        put(ws, r, col, rules.field_label(key, lang))
        put(ws, r, col + 1, key)
        put(ws, r, col + 2, texts.get(key, {}).get(lang, "")).alignment = Alignment(
            wrap_text=True, vertical="top"
        )
        r += 1
    r += 1
    code_domains = [
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
    ]
    own = rules.tree.get("texts", {}).get("legend_codes", {})

    def pct(x: float) -> str:  # 80%, 72.5%
        return f"{x * 100:.1f}".rstrip("0").rstrip(".") + "%"

    numbers = {
        "{a}": pct(rules["tier"]["a_share"]),
        "{b}": pct(rules["tier"]["b_share"]),
        "{p1}": str(rules["priority"]["p1"]),
        "{p2}": str(rules["priority"]["p2"]),
    }
    for domain, text_domain in code_domains:
        header = rules.field_label("warnings" if domain == "warning" else domain, lang)
        put(ws, r, col, header).font = Font(bold=True)
        r += 1
        for code in rules["codes"][domain]:
            put(ws, r, col, rules.label(domain, code, lang))
            put(ws, r, col + 1, code)
            text: str | None = rules.text(text_domain, code, lang) if text_domain else None
            if domain == "style" and code != "unknown":
                text = " ".join(
                    x
                    for x in (
                        rules.text("style", code, lang, "approach"),
                        rules.text("style", code, lang, "words"),
                    )
                    if x
                )
            text = text or own.get(domain, {}).get(code, {}).get(lang)
            for key, number in numbers.items():
                text = text.replace(key, number) if text else text
            if text:
                put(ws, r, col + 2, text.replace("{promise}", "…")).alignment = Alignment(
                    wrap_text=True, vertical="top"
                )
            r += 1
        r += 1
