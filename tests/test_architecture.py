"""The layers of STYLE.md: the core stays pure, `kq --help` stays light."""

from __future__ import annotations

import subprocess
import sys


def _modules_after(code: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", f"{code}\nimport sys\nprint('\\n'.join(sys.modules))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return set(out.split())


def test_core_imports_no_io_cli_or_excel_library():
    loaded = _modules_after("import kqexcel.core.plan, kqexcel.core.ledger, kqexcel.core.values")
    for forbidden in ("openpyxl", "click", "xlwings", "python_calamine", "xlsxwriter"):
        assert forbidden not in loaded


def test_cli_start_up_does_not_load_heavy_libraries():
    loaded = _modules_after("import kqexcel.cli")
    for heavy in ("pandas", "numpy", "openpyxl", "python_calamine"):
        assert heavy not in loaded
