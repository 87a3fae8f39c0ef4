"""kqexcel — customer-relationship (客情) follow-up plans from Excel ledgers.

The public API; heavy libraries load only when a function that needs them is called.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = ["__version__", "load_rules", "read_ledger", "make_plan", "write_plan"]

if TYPE_CHECKING:  # pragma: no cover
    from kqexcel.core.plan import make_plan
    from kqexcel.io.ledger import read_ledger
    from kqexcel.io.plan_writer import write_plan
    from kqexcel.rules import load_rules


def __getattr__(name: str) -> Any:
    if name == "load_rules":
        from kqexcel.rules import load_rules

        return load_rules
    if name == "read_ledger":
        from kqexcel.io.ledger import read_ledger

        return read_ledger
    if name == "make_plan":
        from kqexcel.core.plan import make_plan

        return make_plan
    if name == "write_plan":
        from kqexcel.io.plan_writer import write_plan

        return write_plan
    raise AttributeError(name)
