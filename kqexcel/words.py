"""The words of the doors: what the command line, the buttons and the formulas say, taken from
the rules' ``messages`` texts (zh and en), so that a company can reword them and ``--lang`` or a
formula's ``lang`` reaches every one."""

from __future__ import annotations

from typing import Any

from kqexcel.errors import RulesError
from kqexcel.rules import Rules

NO_VALUE = object()  # a formula message that shows no value


def say(rules: Rules, key: str, lang: str, **fields: Any) -> str:
    """The message ``key`` in ``lang``, its placeholders filled in with ``fields``."""
    return _filled(f"messages.{key}.{lang}", str(rules["messages"][key][lang]), fields)


def _filled(where: str, text: str, fields: dict[str, Any]) -> str:
    """``text`` with its placeholders filled in; a company's text with a placeholder kq does
    not fill is a rules error naming the key, not a crash."""
    try:
        return text.format(**fields)
    except (KeyError, IndexError, ValueError, AttributeError):
        if not fields:
            raise RulesError("rules_unfilled_placeholder_none", key=where) from None
        known = ", ".join(f"{{{name}}}" for name in fields)
        raise RulesError("rules_unfilled_placeholder", key=where, known=known) from None


def formula_text(
    rules: Rules, key: str, lang: str | None, value: Any = NO_VALUE, **fields: Any
) -> str:
    """A formula's error text: in ``lang``, or "zh / en" when the formula has no language (or
    its lang is the bad input). The bad value is shown quoted; a text alone that does not place
    it gets it after a colon."""
    texts = rules["messages"][key]
    shown = {**fields, "value": "" if value is NO_VALUE else repr(value)}
    where = f"messages.{key}"
    if lang is None:
        return _filled(where, f"{texts['zh']} / {texts['en']}", shown)
    text = str(texts[lang])
    if value is not NO_VALUE and "{value}" not in text:
        text += ": {value}"
    return _filled(f"{where}.{lang}", text, shown)
