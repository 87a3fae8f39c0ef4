"""kq template build: the bundled templates and the sample ledger written into a folder."""

from __future__ import annotations

from pathlib import Path

from kqexcel.io.files import atomic_write, refuse_existing
from kqexcel.io.report_template import build_report_template
from kqexcel.io.sample import build_sample_ledger
from kqexcel.io.templates import build_ledger_template, build_plan_template
from kqexcel.rules import Rules


def build_all(directory: str | Path, rules: Rules | None = None, force: bool = False) -> list[Path]:
    """Write the bundled templates into ``directory`` (``kq template build``)."""
    directory = Path(directory)
    builders = {
        "plan.xlsx": build_plan_template,
        "ledger.xlsx": build_ledger_template,
        "report.xlsx": build_report_template,
    }
    refuse_existing([directory / name for name in [*builders, "sample_ledger.xlsx"]], force)
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, build in builders.items():
        atomic_write(directory / name, True, build(rules).save)
        written.append(directory / name)
    written.append(build_sample_ledger(directory / "sample_ledger.xlsx"))
    return written
