"""Golden pairs (as csvkit keeps them): each ledger under tests/data/golden/ beside the plan
records `kq plan --format json` gives for it and the problem lines it prints, compared record by
record and field by field.

The inputs are built by tests/data/golden/make_cases.py. After a deliberate change of behaviour,
`KQ_UPDATE_GOLDEN=1 python -m pytest tests/test_golden_pairs.py` rewrites the expected files;
read their diff before committing them.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from kqexcel.cli import cli
from tests.conftest import AS_OF

GOLDEN = Path(__file__).parent / "data" / "golden"
CASES = {
    "sample_ledger": ("sample_ledger.xlsx", []),
    "messy_ledger": ("messy_ledger.xlsx", []),
    "messy_ledger_ods": ("messy_ledger.ods", []),
    "gbk_csv": ("gbk.csv", []),
    "english": ("english.xlsx", ["--lang", "en"]),
    "two_sheets": ("two_sheets.xlsx", []),  # the ledger is the second sheet: found by its header
}
UPDATE = os.environ.get("KQ_UPDATE_GOLDEN") == "1"


def _records(text: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


@pytest.mark.parametrize("case", sorted(CASES))
def test_plan_records_match_the_golden_file(runner, tmp_path: Path, case: str) -> None:
    name, options = CASES[case]
    ledger = tmp_path / name  # a copy: the problem lines name the file, never its folder
    shutil.copy(GOLDEN / name, ledger)
    result = runner.invoke(
        cli, ["plan", str(ledger), "--format", "json", "--as-of", AS_OF, *options]
    )
    assert result.exit_code in (0, 1), result.output
    expected_records = GOLDEN / f"{case}.expected.jsonl"
    expected_problems = GOLDEN / f"{case}.expected.txt"
    if UPDATE:
        expected_records.write_text(result.stdout, encoding="utf-8")
        expected_problems.write_text(f"exit {result.exit_code}\n{result.stderr}", encoding="utf-8")
    records = _records(result.stdout)
    expected = _records(expected_records.read_text(encoding="utf-8"))
    assert [r["customer_id"] for r in records] == [r["customer_id"] for r in expected]
    for got, want in zip(records, expected, strict=True):
        differ = {k: (got.get(k), want.get(k)) for k in {*got, *want} if got.get(k) != want.get(k)}
        assert differ == {}, f"{case}: customer {want['customer_id']}: (got, expected) {differ}"
    assert f"exit {result.exit_code}\n{result.stderr}" == expected_problems.read_text(
        encoding="utf-8"
    )


def test_every_golden_input_has_its_pair() -> None:
    inputs = {p.name for p in GOLDEN.iterdir() if p.suffix in {".xlsx", ".ods", ".csv"}}
    assert inputs == {name for name, _ in CASES.values()}
