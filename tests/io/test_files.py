"""Atomic writes and output files (io/files.py): modes kept, a full disk one clear line."""

from __future__ import annotations

import os
import stat

from kqexcel.cli import cli
from tests.conftest import AS_OF

# moved from tests/test_edge_cases.py


def test_outputs_have_ordinary_permissions(runner, sample):
    from kqexcel.io.files import _UMASK

    result = runner.invoke(cli, ["plan", str(sample), "--as-of", AS_OF, "-q"])
    assert result.exit_code == 0
    out = sample.with_name("sample_ledger_plan.xlsx")
    assert stat.S_IMODE(out.stat().st_mode) == 0o666 & ~_UMASK  # not mkstemp's owner-only 0o600
    os.chmod(out, 0o640)
    runner.invoke(cli, ["plan", str(sample), "--as-of", AS_OF, "-q", "--force"])
    assert stat.S_IMODE(out.stat().st_mode) == 0o640  # a replaced output keeps its mode


def test_a_full_disk_is_one_clear_line(runner, sample, monkeypatch):
    import errno

    from kqexcel.io import files as workbook

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(workbook.os, "replace", full)
    result = runner.invoke(cli, ["plan", str(sample), "--as-of", AS_OF, "--lang", "en"])
    assert result.exit_code == 1
    assert result.output.strip().splitlines()[-1].startswith("Error: cannot write")
    assert "No space left on device" in result.output
    assert [p.name for p in sample.parent.iterdir()] == [sample.name]  # no temporary file left
