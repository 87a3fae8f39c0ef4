"""The shipped rules in two files (numbers and labels, long texts) read as one tree, and the
number sections as typed, frozen objects."""

from __future__ import annotations

import dataclasses
import json
import os
import pickle
import re
import tomllib
from importlib import resources
from pathlib import Path

import pytest

from kqexcel.errors import RulesError
from kqexcel.rules import (
    DEFAULT_FILES,
    _default_tree,
    _join,
    _leaves,
    default_files,
    load_rules,
    shipped_text,
)
from kqexcel.rules.numbers import SECTIONS, Numbers
from tests.conftest import DATA

SNAPSHOT = DATA / "default_rules_tree.json"  # the tree of the one default.toml before the split
# sections added to the texts since the split (the words that were in the code)
ADDED_SINCE = ("messages", "errors")


def _before_additions(tree: dict) -> dict:
    return {k: v for k, v in tree.items() if k not in ADDED_SINCE}


def _shipped(name: str) -> dict:
    return tomllib.loads(resources.files("kqexcel.rules").joinpath(name).read_text("utf-8"))


def test_the_two_files_share_no_key():
    numbers, texts = (_shipped(name) for name in DEFAULT_FILES)
    assert not set(numbers) & set(texts)
    assert not {k for k, _ in _leaves(numbers, "")} & {k for k, _ in _leaves(texts, "")}


def test_the_numbers_file_holds_the_numbers_and_labels_the_texts_file_the_prose():
    numbers, texts = (_shipped(name) for name in DEFAULT_FILES)
    assert list(numbers) == [
        "meta",
        *SECTIONS,
        "fields",
        "log_fields",
        "contact_fields",
        "order_fields",
        "codes",
        "output_fields",
        "columns",
    ]
    assert list(texts) == ["rationale", "texts", *ADDED_SINCE]


def test_the_merged_tree_is_the_tree_of_before_the_split():
    """The default numbers, synonyms and labels change only on purpose: after such a change,
    `KQ_UPDATE_GOLDEN=1` rewrites the snapshot, to be read in the diff before committing."""
    tree = _before_additions(_default_tree())
    if os.environ.get("KQ_UPDATE_GOLDEN") == "1":
        SNAPSHOT.write_text(json.dumps(tree, ensure_ascii=False, indent=1) + "\n", "utf-8")
    snapshot = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    assert tree == snapshot
    # the same order too: `kq rules show` writes the sections as the defaults list them
    assert json.dumps(tree, ensure_ascii=False) == json.dumps(snapshot, ensure_ascii=False)
    assert _before_additions(load_rules().tree) == snapshot


def test_the_shipped_text_is_one_rules_file_of_both(tmp_path: Path):
    assert tomllib.loads(shipped_text()) == _default_tree()
    path = tmp_path / "rules.toml"
    path.write_text(shipped_text(), encoding="utf-8")
    assert load_rules(path).tree == _default_tree()


def test_a_key_set_in_both_shipped_files_is_refused():
    tree = {"priority": {"p1": 60}}
    _join(tree, {"priority": {"p2": 35}}, "texts.toml")
    assert tree == {"priority": {"p1": 60, "p2": 35}}
    with pytest.raises(RulesError) as error:
        _join(tree, {"priority": {"p1": 61}}, "texts.toml")
    assert re.search(r"'priority.p1' is set twice .*texts\.toml", error.value.text("en"))


def test_the_shipped_files_are_package_data():
    assert all(path.is_file() for path in default_files())
    assert "kqexcel.rules = *.toml" in (DATA.parent.parent / "setup.cfg").read_text("utf-8")


def test_an_overlay_changes_a_key_of_either_file(tmp_path: Path):
    path = tmp_path / "公司规则.toml"
    path.write_text(
        '[priority]\np1 = 90\n\n[rationale.objective]\nzh = "目标：{reason}。"\n', encoding="utf-8"
    )
    rules = load_rules(path)
    assert rules["priority"]["p1"] == rules.numbers.priority.p1 == 90
    assert rules["rationale"]["objective"]["zh"] == "目标：{reason}。"
    assert rules["rationale"]["objective"]["en"] == "Objective: {reason}"


# ----------------------------------------------------------------------------- typed numbers


def test_every_number_section_is_typed_with_the_values_and_types_of_the_tree():
    rules = load_rules()
    assert [f.name for f in dataclasses.fields(Numbers)] == list(SECTIONS)
    for section in SECTIONS:
        typed = getattr(rules.numbers, section)
        assert [f.name for f in dataclasses.fields(typed)] == list(rules[section])
        for key, value in _leaves(rules[section], section):
            node = typed
            for part in key.split(".")[1:]:
                node = node[part] if hasattr(node, "keys") else getattr(node, part)
            expected = tuple(value) if isinstance(value, list) else value
            assert node == expected and type(node) is type(expected), key


def test_the_documented_lookups():
    numbers = load_rules().numbers
    assert numbers.priority.p1 == 60 and numbers.priority.p2 == 35
    assert numbers.cadence.tier_days["A"] == 7 and numbers.cadence.tier_days["none"] == 30
    assert numbers.style.decides_after["owl"] == 7
    assert numbers.tier.value == "revenue" and numbers.tier.a_share == 0.8
    assert numbers.safety.max_unpacked_mb == 4000.0
    assert "合计" in numbers.reader.total_row_words


def test_the_numbers_cannot_be_changed():
    numbers = load_rules().numbers
    with pytest.raises(dataclasses.FrozenInstanceError):
        numbers.priority.p1 = 1  # type: ignore[misc]
    with pytest.raises(TypeError):
        numbers.cadence.tier_days["A"] = 1  # type: ignore[index]
    with pytest.raises(AttributeError):
        numbers.reader.yes.append("ok")  # type: ignore[attr-defined]


def test_the_rules_and_their_numbers_can_be_pickled():
    """The report sends the rules to its reading processes."""
    rules = load_rules()
    again = pickle.loads(pickle.dumps(rules))
    assert again.numbers == rules.numbers
    assert again.numbers.cadence.tier_days == {"A": 7, "B": 14, "C": 30, "none": 30}


def test_the_numbers_are_built_once_per_rules(tmp_path: Path):
    rules = load_rules()
    assert rules.numbers is rules.numbers
    path = tmp_path / "公司规则.toml"
    path.write_text("[cadence]\ntier_days = { A = 3 }\n", encoding="utf-8")
    own = load_rules(path).numbers.cadence.tier_days
    assert dict(own) == {"A": 3, "B": 14, "C": 30, "none": 30}
    assert load_rules().numbers.cadence.tier_days["A"] == 7
