"""``make_plan`` as a pipeline: the door gives the date, the ledger is read and never written,
the core stays free of io/ and of the clock."""

from __future__ import annotations

import copy
import datetime as dt
import inspect
import random
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kqexcel.core import classify as C
from kqexcel.core import plan as P
from kqexcel.core.ledger import normalise
from kqexcel.rules import load_rules

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))
from bench_plan import HEADER, messy_row  # noqa: E402 - the benchmark's messy rows

RULES = load_rules()
AS_OF = dt.date(2026, 11, 22)


@pytest.fixture(scope="module")
def ledger() -> P.Ledger:
    """300 customers in every spelling the benchmark uses (every rule, problem and gap)."""
    rnd = random.Random(12)
    rows = [[*HEADER, "自定义列"], *([*messy_row(i, rnd), f"x{i}"] for i in range(300))]
    rows[5][6] = "不是数字"  # an unreadable revenue: a problem of the ledger's own
    return normalise(rows, 0, RULES, "ledger.xlsx", "台账")


@pytest.mark.parametrize("texts", [True, False])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_make_plan_leaves_the_ledger_as_it_was(ledger: P.Ledger, lang: str, texts: bool) -> None:
    table, problems = ledger.table.copy(deep=True), copy.deepcopy(ledger.problems)
    carried = list(ledger.carried)
    plan = P.make_plan(ledger, RULES, AS_OF, lang, texts)
    pd.testing.assert_frame_equal(ledger.table, table)
    assert ledger.problems == problems and ledger.carried == carried
    assert len(plan.problems) > len(problems)  # the rules' own problems went to the plan only
    assert {"renewal_without_results", "no_value_no_tier"} <= {p.reason for p in plan.problems}


def test_make_plan_twice_gives_the_same_plan(ledger: P.Ledger) -> None:
    first, second = (P.make_plan(ledger, RULES, AS_OF) for _ in range(2))
    pd.testing.assert_frame_equal(first.table, second.table)
    pd.testing.assert_frame_equal(first.notes, second.notes)
    assert first.problems == second.problems


def test_as_of_is_given_by_the_door() -> None:
    parameter = inspect.signature(P.make_plan).parameters["as_of"]
    assert parameter.default is inspect.Parameter.empty
    core = ROOT / "kqexcel" / "core"
    for path in core.glob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert "today()" not in text and ".now(" not in text, path.name


def test_plan_dates_follow_as_of(ledger: P.Ledger) -> None:
    later = P.make_plan(ledger, RULES, AS_OF + dt.timedelta(days=400), texts=False)
    assert (later.table["next_contact"] >= pd.Timestamp(AS_OF + dt.timedelta(days=400))).all()
    assert later.as_of == AS_OF + dt.timedelta(days=400)


def test_decisions_are_frozen(ledger: P.Ledger) -> None:
    assert P.Decisions.__dataclass_params__.frozen  # type: ignore[attr-defined]


def test_core_imports_nothing_of_io() -> None:
    code = (
        "import kqexcel.core.plan, kqexcel.core.rationale, kqexcel.core.classify, sys;"
        "print('\\n'.join(sys.modules))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    assert not [m for m in loaded if m.startswith(("kqexcel.io", "kqexcel.cli", "openpyxl"))]


# --------------------------------------------------------------------------- [8/8] memory

CODE_COLUMNS = (
    "tier",
    "profit_quadrant",
    "motivation",
    "style",
    "renewal_risk",
    "priority",
    "channel",
    "objective",
    "objective_text",
    "questions",
)


def _objects(values: list[object]) -> int:
    """How many distinct objects (not values) ``values`` holds, None left out."""
    return len({id(v) for v in values if v is not None})


@pytest.mark.parametrize("texts", [True, "packed"])
def test_equal_codes_and_texts_are_one_object_whatever_the_rows(ledger: P.Ledger, texts) -> None:
    """A million customers hold their codes once per distinct code, not once per row (numpy
    makes a new string per row, some 55 bytes each): every code column, the objective texts,
    the warning details and the ledger's own repeated texts are shared objects."""
    plan = P.make_plan(ledger, RULES, AS_OF, "zh", texts)
    t = plan.table
    for column in CODE_COLUMNS:
        values = t[column].tolist()
        assert _objects(values) == len({v for v in values if v is not None}), column
    details = t["warning_details"].tolist()
    assert _objects(details) == len({tuple(d) for d in details})
    carried = t["carried:自定义列"].tolist()  # 300 distinct: one each
    assert _objects(carried) == len(set(carried)) == 300
    assert set(t["priority"]) == {"P1", "P2", "P3"} and t["profit_quadrant"].isna().any()


def test_a_carried_column_of_few_values_holds_them_once() -> None:
    """The ledger's own columns (对接人, 城市…) are carried with one object per distinct text;
    numbers, dates and empty cells stay as they were."""
    rows = [["客户编号", "客户名称", "年销售额", "城市"]]
    cities = [["杭", "州"], ["宁", "波"], [], 3]  # each row's text a new object, as read
    rows += [
        [f"K{i}", f"客户{i}", 100.0 + i, c if c == 3 else "".join(c)]
        for i, c in ((i, cities[i % 4]) for i in range(40))
    ]
    assert _objects([r[3] for r in rows[1:] if isinstance(r[3], str) and r[3]]) == 20
    table = normalise(rows, 0, RULES, "ledger.xlsx", "台账").table
    city = table["carried:城市"].tolist()
    assert city[:4] == ["杭州", "宁波", None, 3]
    assert _objects([c for c in city if isinstance(c, str)]) == 2


NAS = (None, np.nan, pd.NA)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.one_of(st.sampled_from(NAS), st.sampled_from(["A", "B", "visit", "P1", "未知"])))
)
def test_codes_keeps_every_value_with_one_object_per_code(values: list[object]) -> None:
    """``codes``: the same values in the same order (NA → None), one object per distinct code,
    whether the rows' strings are new objects (as read) or numpy's own."""
    fresh = [v if any(v is na for na in NAS) else "".join(list(str(v))) for v in values]
    column = C.codes(np.array(fresh, dtype=object), pd.RangeIndex(len(values)))
    expected = [None if any(v is na for na in NAS) else v for v in values]
    assert column.dtype == object and column.tolist() == expected
    assert _objects(column.tolist()) == len({v for v in expected if v is not None})
    widened = C.codes(np.array([v or "x" for v in expected]), pd.RangeIndex(len(values)))
    assert widened.tolist() == [v or "x" for v in expected]  # numpy's own strings: python str
    assert all(type(v) is str for v in widened)
    assert _objects(widened.tolist()) == len(set(widened))
