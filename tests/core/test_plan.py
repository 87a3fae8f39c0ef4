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

import pandas as pd
import pytest

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
