"""`kq rules init`: a commented skeleton of the numbers a manager may change.

Every key of the number sections, commented out with its default value under its [section]
header, after one line saying what it means and its allowed range (zh, then en). The file loads
as it is (every line commented: the defaults), and with any line uncommented.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterator, Mapping
from importlib import resources
from typing import Any

import tomli_w

from kqexcel.rules import CHOICES, Range, _default_tree, _number, bounds
from kqexcel.rules.numbers import SECTIONS


def _help() -> dict[str, Any]:
    text = resources.files("kqexcel.rules").joinpath("help.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


def _entries(node: Mapping[str, Any], path: str) -> Iterator[tuple[str, Any]]:
    """The settings of a number section by dotted key (tables of numbers opened; lists left
    out: the reader's word lists are synonyms, not numbers)."""
    for key, value in node.items():
        where = f"{path}.{key}"
        if isinstance(value, dict):
            yield from _entries(value, where)
        elif not isinstance(value, list):
            yield where, value


def _meaning(key: str, keys: Mapping[str, Any], tree: Mapping[str, Any]) -> dict[str, str]:
    """The zh and en meaning of ``key``: its own entry, else its table's `*` entry."""
    head, last = key.rsplit(".", 1)
    entry = keys.get(key) or keys[f"{head}.*"]
    label = {"zh": last, "en": last}
    if "labels" in entry:
        table: Any = tree
        for part in entry["labels"].split("."):
            table = table[part]
        label = {lang: str(table[last][lang]) for lang in label} if last in table else label
    return {lang: entry[lang].format(label=label[lang], key=last) for lang in ("zh", "en")}


def _allowed(key: str, value: Any, words: Mapping[str, Any]) -> dict[str, str]:
    """The allowed values of ``key`` in zh and en."""
    if isinstance(value, bool):
        return {lang: str(words["yes_no"][lang]) for lang in ("zh", "en")}
    if isinstance(value, str):
        shown = ", ".join(CHOICES[key])
        return {lang: f"{words['choices'][lang]} {shown}" for lang in ("zh", "en")}
    allowed = bounds(key) or Range(0, float("inf"))
    low, high = _shown(allowed.low), _shown(allowed.high)
    if allowed.low_allowed:
        return {lang: f"{words['range'][lang]} {low}–{high}" for lang in ("zh", "en")}
    more, most = words["more_than"], words["at_most"]
    return {
        lang: f"{words['range'][lang]} {more[lang]} {low}{most[lang]} {high}"
        for lang in ("zh", "en")
    }


def _shown(number: float) -> str:
    """A bound as a comment shows it: 1,048,575 (thousands marked), 0.5."""
    return f"{int(number):,}" if float(number).is_integer() else _number(number)


def skeleton(file: str) -> str:
    """The text of the skeleton `kq rules init` writes to ``file``."""
    tree, help_ = _default_tree(), _help()
    words, keys = help_["skeleton"], help_["keys"]
    comment = tree["messages"]["skeleton_comment"]
    lines = [f"# {line.format(file=file)}".rstrip() for line in words["header"]]
    for section in SECTIONS:
        lines += ["", f"[{section}]"]
        for key, value in _entries(tree[section], section):
            meaning, allowed = _meaning(key, keys, tree), _allowed(key, value, words)
            said = [
                comment[lang].format(meaning=meaning[lang], allowed=allowed[lang])
                for lang in ("zh", "en")
            ]
            lines.append(f"# {said[0]} / {said[1]}")
            lines.append(f"# {key.split('.', 1)[1]} = {_value(value)}")
    return "\n".join(lines) + "\n"


def _value(value: Any) -> str:
    """A value as TOML writes it (a float keeps its point: 4000.0 stays a float)."""
    return tomli_w.dumps({"v": value}).split(" = ", 1)[1].rstrip("\n")
