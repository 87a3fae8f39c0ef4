"""Errors carry the key of their text and its values, and reach a person in their language."""

import pickle
import string

import pytest

from kqexcel.errors import KqError, LedgerError, OutputError, default_texts

TEXTS = {
    "no_sheet": {
        "zh": "{path}：没有名为“{sheet}”的工作表",
        "en": "{path}: no sheet named '{sheet}'",
    },
    "wrapped": {"zh": "无法读取：{why}", "en": "cannot read: {why}"},
}


@pytest.mark.parametrize(
    ("lang", "expected"),
    [("zh", "a.xlsx：没有名为“2026”的工作表"), ("en", "a.xlsx: no sheet named '2026'")],
)
def test_a_keyed_error_speaks_the_language_asked_for(lang: str, expected: str) -> None:
    assert LedgerError("no_sheet", path="a.xlsx", sheet="2026").text(lang, TEXTS) == expected


def test_words_that_are_not_a_key_are_shown_as_they_are() -> None:
    error = OutputError("disk full {not a placeholder}")
    assert error.text("en") == str(error) == "disk full {not a placeholder}"


def test_an_error_inside_an_error_is_shown_in_the_same_language() -> None:
    inner = LedgerError("no_sheet", path="a.xlsx", sheet="S")
    assert (
        KqError("wrapped", why=inner).text("en", TEXTS) == "cannot read: a.xlsx: no sheet named 'S'"
    )


def test_a_reworded_text_naming_an_unknown_value_falls_back_to_the_default() -> None:
    texts = {"no_sheet": {"zh": "{path}：没有名为“{sheet}”的工作表", "en": "{file} has no {sheet}"}}
    error = LedgerError("no_sheet", path="a.xlsx", sheet="S")
    assert error.text("en", texts) == "a.xlsx：没有名为“S”的工作表"


def test_an_error_crosses_processes_whole() -> None:
    error = pickle.loads(pickle.dumps(LedgerError("no_sheet", path="a.xlsx", sheet="S")))
    assert type(error) is LedgerError and error.text("en", TEXTS) == "a.xlsx: no sheet named 'S'"


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_shipped_error_text_has_both_languages_and_the_same_placeholders() -> None:
    for key, entry in default_texts().items():
        assert set(entry) == {"zh", "en"}, key
        assert _placeholders(entry["zh"]) == _placeholders(entry["en"]), key
