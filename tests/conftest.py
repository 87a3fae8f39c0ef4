from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

DATA = Path(__file__).parent / "data"
ROOT = Path(__file__).parent.parent
AS_OF = "2026-11-22"


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def messy(tmp_path: Path) -> Path:
    """A private copy of the committed messy ledger."""
    target = tmp_path / "messy_ledger.xlsx"
    shutil.copy(DATA / "messy_ledger.xlsx", target)
    return target


@pytest.fixture
def sample(tmp_path: Path) -> Path:
    target = tmp_path / "sample_ledger.xlsx"
    shutil.copy(ROOT / "templates" / "sample_ledger.xlsx", target)
    return target


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def data_problems(problems: list[Any]) -> list[Any]:
    """The data problems and gaps, without the lines saying what was understood of each file."""
    return [p for p in problems if p.kind != "info"]


def readings(problems: list[Any]) -> list[Any]:
    """The lines saying what was understood of each file (one per file read)."""
    return [p for p in problems if p.kind == "info"]


def required(found: str | None, what: str, package: str) -> str:
    """A tool the tests use for real: missing is a skip locally and a failure in CI."""
    if not found:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{what} is required in CI: tests/setup.sh installs {package}")
        pytest.skip(f"{what} is not installed")
    return found


def soffice() -> str:
    """The LibreOffice binary."""
    found = shutil.which("soffice") or shutil.which("libreoffice")
    return required(found, "LibreOffice (soffice)", "libreoffice-calc-nogui")


def pdftotext() -> str:
    """poppler's pdftotext (reads a PDF's text back)."""
    return required(shutil.which("pdftotext"), "pdftotext", "poppler-utils")


def libreoffice_csv(path: Path, outdir: Path) -> dict[str, Path]:
    """Open ``path`` in headless LibreOffice (recalculating) and export every sheet as UTF-8 CSV."""
    binary = soffice()
    profile = outdir / "lo-profile"
    result = subprocess.run(
        [
            binary,
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--convert-to",
            "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1",
            "--outdir",
            str(outdir),
            str(path),
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr
    sheets = {p.stem[len(path.stem) + 1 :]: p for p in outdir.glob(f"{path.stem}-*.csv")}
    assert sheets, f"LibreOffice wrote no CSV: {result.stdout} {result.stderr}"
    return sheets


def libreoffice_convert(path: Path, filter_name: str, suffix: str, outdir: Path) -> Path:
    """Save ``path`` in another format with headless LibreOffice (e.g. "MS Excel 97", ".xls")."""
    binary = soffice()
    outdir.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(
        [
            binary,
            f"-env:UserInstallation=file://{outdir / 'lo-profile'}",
            "--headless",
            "--convert-to",
            f"{suffix.lstrip('.')}:{filter_name}",
            "--outdir",
            str(outdir),
            str(path),
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )
    target = outdir / f"{path.stem}{suffix}"
    assert result.returncode == 0 and target.exists(), result.stderr or result.stdout
    return target


def workbook(path: Path, sheets: dict[str, list[list[Any]]]) -> Path:
    """A workbook of the named sheets' rows, written with openpyxl."""
    import openpyxl

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for r in rows:
            ws.append(r)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def plan_row(plan: Any, cid: str) -> dict[str, Any]:
    """The one plan row of customer ``cid``, with its cell notes under ``_notes``."""
    t = plan.table
    found = t[t["customer_id"] == cid]
    assert len(found) == 1, cid
    out = found.iloc[0].to_dict()
    out["_notes"] = plan.notes.loc[found.index[0]].to_dict()
    return out


PLAIN_CALENDAR = "[calendar]\nworking_days = false\ndaily_limit = 0\n"


def plain_rules(extra: str = "") -> Any:
    """The default rules without §12 (every day a working day, no daily limit): DOMAIN §14 says
    §1–§9 then hold exactly, so the §8 rule tables are checked with these."""
    import tempfile

    from kqexcel.rules import load_rules

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "plain.toml"
        path.write_text(PLAIN_CALENDAR + extra, encoding="utf-8")
        return load_rules(path)
