"""The rationale helpers of ``kqexcel.core.rationale``: one sentence per distinct row.

The sentences themselves are checked word for word by tests/test_plan_golden.py and
tests/core/test_rules_domain.py; here only what the helpers promise.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from kqexcel.core import rationale as R


def counting(sentence: Any) -> tuple[Any, list[tuple[Any, ...]]]:
    """``sentence`` that also records every call."""
    calls: list[tuple[Any, ...]] = []

    def wrapped(*row: Any) -> Any:
        calls.append(row)
        return sentence(*row)

    return wrapped, calls


def test_per_distinct_calls_once_per_distinct_row_in_row_order() -> None:
    sentence, calls = counting(lambda code, n: f"{code}:{n}")
    got = R.per_distinct(sentence, ["a", "b", "a", "a", "b"], [1, 1, 1, 2, 1])
    assert got == ["a:1", "b:1", "a:1", "a:2", "b:1"]
    assert calls == [("a", 1), ("b", 1), ("a", 2)]  # first seen first
    assert got[0] is got[2]  # rows with the same key share one sentence


def test_per_distinct_caches_a_none_sentence() -> None:
    sentence, calls = counting(lambda code: None if code is None else code.upper())
    assert R.per_distinct(sentence, [None, "x", None, None]) == [None, "X", None, None]
    assert calls == [(None,), ("x",)]


def test_per_distinct_and_per_row_refuse_columns_of_different_lengths() -> None:
    with pytest.raises(ValueError):
        R.per_distinct(lambda a, b: a, [1, 2], [1])
    with pytest.raises(ValueError):
        R.per_row(lambda a, b: a, [1, 2], [1])


def test_per_row_calls_every_row() -> None:
    sentence, calls = counting(lambda a, b: a + b)
    assert R.per_row(sentence, [1, 1, 2], [10, 10, 20]) == [11, 11, 22]
    assert len(calls) == 3
    assert R.per_distinct(sentence, [], []) == R.per_row(sentence, [], []) == []


def test_missing_numbers_share_a_sentence() -> None:
    # NaN is unequal to itself: as None, rows without the number share one sentence
    column = pd.Series([np.nan, 3.0, np.nan])
    values = R._objects(column)
    assert values == [None, 3.0, None]
    sentence, calls = counting(lambda v: "—" if v is None else f"{v:g}")
    assert R.per_distinct(sentence, values) == ["—", "3", "—"]
    assert len(calls) == 2
    assert np.isnan(column.iat[0])  # the column itself is left as it was


@pytest.mark.parametrize(
    ("value", "text"),
    [(None, "—"), (float("nan"), "—"), (1234567.0, "1,234,567"), (0.125, "0.12"), (2.5, "2.5")],
)
def test_numbers_as_a_rep_reads_them(value: Any, text: str) -> None:
    assert R._fmt(value) == text
