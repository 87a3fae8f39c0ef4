"""The words of the doors: what the command line, the buttons and the formulas say, taken from
the rules' ``messages`` texts (zh and en), so that a company can reword them and ``--lang`` or a
formula's ``lang`` reaches every one."""

from __future__ import annotations

from typing import Any

from kqexcel.rules import Rules

NO_VALUE = object()  # a formula message that shows no value


def say(rules: Rules, key: str, lang: str, **fields: Any) -> str:
    """The message ``key`` in ``lang``, its placeholders filled in with ``fields``."""
    return str(rules["messages"][key][lang]).format(**fields)


def formula_text(
    rules: Rules, key: str, lang: str | None, value: Any = NO_VALUE, **fields: Any
) -> str:
    """A formula's error text: in ``lang``, or "zh / en" when the formula has no language (or
    its lang is the bad input). The bad value is shown quoted; a text alone that does not place
    it gets it after a colon."""
    texts = rules["messages"][key]
    shown = {**fields, "value": "" if value is NO_VALUE else repr(value)}
    if lang is None:
        return f"{texts['zh']} / {texts['en']}".format(**shown)
    text = str(texts[lang])
    if value is not NO_VALUE and "{value}" not in text:
        text += ": {value}"
    return text.format(**shown)
