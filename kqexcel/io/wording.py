"""The words kq writes into workbooks and reports, read from the rules' ``messages`` texts (zh
and en): sheet titles, headers, hints, labels and status texts."""

from __future__ import annotations

from typing import Any

from kqexcel.rules import LANGS, Rules, default_rules


def word(key: str, lang: str, rules: Rules | None = None, **fields: Any) -> str:
    """The text ``key`` in ``lang`` (the shipped rules unless ``rules``), placeholders filled."""
    text = str((rules or default_rules())["messages"][key][lang])
    return text.format(**fields) if fields else text


def both(key: str) -> dict[str, str]:
    """The shipped text ``key`` in every language: ``{"zh": …, "en": …}``."""
    return {lang: word(key, lang) for lang in LANGS}


def pair(key: str) -> tuple[str, str]:
    """The shipped text ``key`` as ``(zh, en)``."""
    return word(key, "zh"), word(key, "en")


def labels(key: str, lang: str) -> tuple[str, ...]:
    """The shipped list of texts ``key`` (headers of a block) in ``lang``."""
    return tuple(str(v) for v in default_rules()["messages"][key][lang])
