"""`kq report --pdf`: the report as PDF through headless LibreOffice, read back with pdftotext;
a clear one-line error when LibreOffice is missing; the PDF is an output like the others."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kqexcel.cli import cli
from kqexcel.errors import KqError, OutputError, default_texts
from kqexcel.io import pdf as pdf_module
from kqexcel.io.pdf import find_soffice, to_pdf
from kqexcel.rules import default_rules
from kqexcel.words import say
from tests.conftest import AS_OF, pdftotext, soffice

REPORT = ["report", "--month", "2026-11", "--as-of", AS_OF]
POSIX = pytest.mark.skipif(os.name != "posix", reason="the stand-in soffice is a POSIX script")


def _text(key: str, lang: str, **values: object) -> str:
    return default_texts()[key][lang].format(**values)


def _run(runner, sample, out, *extra, lang="zh"):
    args = [*REPORT, str(sample), "-o", str(out), *extra]
    return runner.invoke(cli, [*args, *(["--lang", "en"] if lang == "en" else [])])


def _left(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir()}


def _fake_soffice(folder: Path, body: str) -> Path:
    """A stand-in for soffice: a Python script whose ``body`` sees ``args`` (its argv) and
    ``outdir``, ``source`` (the --outdir and the workbook it was given)."""
    script = folder / "fake soffice"  # a space: the command is run without a shell
    script.write_text(
        f"#!{sys.executable}\n"
        "import json, os, sys, time\n"
        "from pathlib import Path\n"
        "args = sys.argv[1:]\n"
        "outdir = Path(args[args.index('--outdir') + 1])\n"
        "source = Path(args[-1])\n"
        f"{body}\n",
        encoding="utf-8",
    )
    script.chmod(0o755)
    return script


WRITES_PDF = (
    "Path(os.environ['KQ_FAKE_ARGS']).write_text(json.dumps(args), encoding='utf-8')\n"
    "(outdir / (source.stem + '.pdf')).write_bytes(b'%PDF-1.4 new')\n"
)


# --------------------------------------------------------------------------- real LibreOffice


def _pages(pdf: Path) -> list[str]:
    """The text of each page, laid out as printed."""
    text = subprocess.run(
        [pdftotext(), "-layout", str(pdf), "-"], capture_output=True, check=True, timeout=60
    ).stdout.decode("utf-8")
    return text.split("\f")[:-1]


def _page_sizes(pdf: Path) -> list[tuple[float, float]]:
    """(width, height) in points of every page, from pdftotext's bounding-box output."""
    html = subprocess.run(
        [pdftotext(), "-bbox", str(pdf), "-"], capture_output=True, check=True, timeout=60
    ).stdout.decode("utf-8")
    found = re.findall(r'<page width="([\d.]+)" height="([\d.]+)"', html)
    return [(float(w), float(h)) for w, h in found]


@pytest.mark.libreoffice
def test_the_report_as_pdf_is_chinese_landscape_with_repeated_headers(runner, sample, tmp_path):
    soffice()
    pdftotext()
    out = tmp_path / "report.xlsx"
    result = _run(runner, sample, out, "--pdf")
    assert result.exit_code == 0, result.output
    pdf = tmp_path / "report.pdf"
    assert pdf.read_bytes().startswith(b"%PDF-")
    assert say(default_rules(), "report_pdf_written", "zh", pdf=pdf) in result.stderr.splitlines()
    pages = _pages(pdf)
    text = "\f".join(pages)
    for words in (
        "客情月报 2026-11",  # the overview's title
        "年销售额合计",  # an overview figure
        "客户编号",  # a table header
        "华鼎机械制造有限公司",  # a customer of the sample
        "逾期未联系",  # a warning
        "客情月报说明 2026-11",  # the Legend's title
    ):
        assert words in text, words
    sizes = _page_sizes(pdf)
    assert len(sizes) == len(pages) > 1
    assert all(width > height for width, height in sizes)  # landscape, every page
    # 全部客户 / Customers runs over several pages, each starting with its header row
    customers = [
        p
        for p in pages
        if re.match(r"\s*客户编号\s+客户名称\s+客户经理\s+区域\s+价值层级\s+累计占比", p)
    ]
    assert len(customers) >= 2
    assert sum("华鼎机械制造有限公司" in p for p in customers) == 1
    assert _left(tmp_path) == {sample.name, "report.xlsx", "report.pdf"}


# --------------------------------------------------------------------------- no LibreOffice


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("missing", ["KQ_SOFFICE", "PATH"])
def test_no_libreoffice_is_one_line_before_anything_is_read(
    runner, sample, tmp_path, monkeypatch, lang, missing
):
    if missing == "KQ_SOFFICE":
        named = str(tmp_path / "LibreOffice" / "soffice")
        monkeypatch.setenv("KQ_SOFFICE", named)
        expected = _text("pdf_soffice_missing", lang, path=named)
    else:
        monkeypatch.delenv("KQ_SOFFICE", raising=False)
        monkeypatch.setenv("PATH", str(tmp_path / "no-programs-here"))
        monkeypatch.setattr(pdf_module, "KNOWN_PLACES", ())
        expected = _text("pdf_no_libreoffice", lang)

    def no_reading(*args, **kwargs):
        pytest.fail("a ledger was read before LibreOffice was looked for")

    monkeypatch.setattr("kqexcel.batch.read_all", no_reading)
    result = _run(runner, sample, tmp_path / "report.xlsx", "--pdf", lang=lang)
    assert result.exit_code == 1
    assert result.stderr.splitlines() == ["Error: " + expected]
    assert _left(tmp_path) == {sample.name}  # no workbook, no PDF, no temporary file


def test_the_no_libreoffice_texts_say_what_to_do():
    texts = default_texts()["pdf_no_libreoffice"]
    assert (
        texts["zh"]
        == "没有找到 LibreOffice（soffice），无法生成 PDF：请安装 LibreOffice，或去掉 --pdf"
    )
    assert "--pdf" in texts["en"] and "LibreOffice" in texts["en"]


def test_without_pdf_libreoffice_is_not_needed(runner, sample, tmp_path, monkeypatch):
    monkeypatch.setenv("KQ_SOFFICE", str(tmp_path / "nowhere"))
    result = _run(runner, sample, tmp_path / "report.xlsx", "-q")
    assert result.exit_code == 0, result.output
    assert _left(tmp_path) == {sample.name, "report.xlsx"}


@POSIX
def test_kq_soffice_names_the_binary(tmp_path, monkeypatch):
    fake = _fake_soffice(tmp_path, "")
    monkeypatch.setenv("KQ_SOFFICE", str(fake))
    assert find_soffice() == str(fake)
    fake.chmod(0o644)  # not a program
    with pytest.raises(OutputError) as caught:
        find_soffice()
    assert caught.value.key == "pdf_soffice_missing"


# --------------------------------------------------------------------------- the PDF is an output


def test_an_existing_pdf_is_refused_without_force_before_anything_is_read(
    runner, sample, tmp_path, monkeypatch
):
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(b"last month's")
    monkeypatch.setenv("KQ_SOFFICE", str(tmp_path / "nowhere"))  # refused before it is looked for
    result = _run(runner, sample, tmp_path / "report.xlsx", "--pdf")
    assert result.exit_code == 1  # as for every output that exists
    assert result.stderr.splitlines() == ["Error: " + _text("output_exists", "zh", path=pdf)]
    assert pdf.read_bytes() == b"last month's"
    assert _left(tmp_path) == {sample.name, "report.pdf"}


@pytest.mark.parametrize("force", [[], ["--force"]])
def test_a_pdf_that_would_replace_an_input_is_a_usage_error(runner, sample, tmp_path, force):
    ledger = tmp_path / "ledger.pdf"  # a ledger whose name ends in .pdf (read as it is)
    ledger.write_bytes(sample.read_bytes())
    result = _run(runner, ledger, tmp_path / "ledger.xlsx", "--pdf", *force)
    assert result.exit_code == 2
    expected = _text("output_is_input", "zh", path=ledger, input=ledger)
    assert "Error: " + expected in result.stderr.splitlines()
    assert ledger.read_bytes() == sample.read_bytes()
    assert not (tmp_path / "ledger.xlsx").exists()


def test_a_pdf_that_is_the_report_itself_is_a_usage_error(runner, sample, tmp_path):
    out = tmp_path / "report.pdf"
    result = _run(runner, sample, out, "--pdf")
    assert result.exit_code == 2
    assert "Error: " + _text("outputs_same", "zh", first=out, second=out) in result.stderr
    assert _left(tmp_path) == {sample.name}


# --------------------------------------------------------------------------- the converter


@POSIX
def test_force_replaces_the_pdf_and_soffice_gets_a_fresh_profile(
    runner, sample, tmp_path, monkeypatch
):
    monkeypatch.setenv("KQ_SOFFICE", str(_fake_soffice(tmp_path, WRITES_PDF)))
    monkeypatch.setenv("KQ_FAKE_ARGS", str(tmp_path / "args.json"))
    out, pdf = tmp_path / "十一月 报告.xlsx", tmp_path / "十一月 报告.pdf"
    pdf.write_bytes(b"%PDF-1.4 old")
    result = _run(runner, sample, out, "--pdf", "--force", lang="en")
    assert result.exit_code == 0, result.output
    assert pdf.read_bytes() == b"%PDF-1.4 new"
    assert result.stderr.splitlines()[-1] == f"Wrote {pdf} (PDF, to forward by e-mail)"
    args = json.loads((tmp_path / "args.json").read_text(encoding="utf-8"))
    assert args[:3] == ["--headless", "--norestore", args[2]]
    assert args[2].startswith("-env:UserInstallation=file:///")
    assert args[3:6] == ["--convert-to", "pdf", "--outdir"]
    assert args[7] == str(out.resolve())  # one argument, spaces and all: no shell
    assert not Path(args[6]).exists()  # the temporary folder is gone
    assert _left(tmp_path) == {sample.name, out.name, pdf.name, "fake soffice", "args.json"}


@POSIX
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_failed_conversion_names_the_workbook_written_anyway(
    runner, sample, tmp_path, monkeypatch, lang
):
    fake = _fake_soffice(
        tmp_path, "sys.stderr.write('Error: source file could not be loaded\\n')\nsys.exit(3)"
    )
    monkeypatch.setenv("KQ_SOFFICE", str(fake))
    out, pdf = tmp_path / "report.xlsx", tmp_path / "report.pdf"
    result = _run(runner, sample, out, "--pdf", lang=lang)
    assert result.exit_code == 1
    why = KqError("pdf_exit_code", code=3, said="Error: source file could not be loaded")
    expected = _text("pdf_failed", lang, xlsx=out, pdf=pdf, why=why.text(lang))
    assert result.stderr.splitlines() == ["Error: " + expected]
    assert out.exists() and not pdf.exists()
    assert _left(tmp_path) == {sample.name, out.name, fake.name}  # no temporary file


@POSIX
def test_exit_0_without_a_pdf_is_a_failure(tmp_path):
    fake = _fake_soffice(tmp_path, "print('nothing to say')")
    xlsx = tmp_path / "report.xlsx"
    xlsx.write_bytes(b"workbook")
    with pytest.raises(OutputError) as caught:
        to_pdf(xlsx, tmp_path / "report.pdf", False, soffice=str(fake))
    assert caught.value.key == "pdf_failed"
    assert caught.value.text("en") == _text(
        "pdf_failed",
        "en",
        xlsx=xlsx,
        pdf=tmp_path / "report.pdf",
        why=_text("pdf_no_output", "en", said="nothing to say"),
    )
    assert _left(tmp_path) == {fake.name, "report.xlsx"}


def _alive(pid: int) -> bool:
    """Whether process ``pid`` still runs (a zombie waiting for its parent does not)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] not in ("Z", "X")


@POSIX
@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
def test_a_converter_that_hangs_is_stopped_with_what_it_started(tmp_path, monkeypatch):
    # like soffice, a script that starts the real program (here: a sleeping child) and waits
    fake = _fake_soffice(
        tmp_path,
        "import subprocess\n"
        "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(30)'])\n"
        "Path(os.environ['KQ_FAKE_PID']).write_text(str(child.pid))\n"
        "child.wait()",
    )
    monkeypatch.setenv("KQ_FAKE_PID", str(tmp_path / "child.pid"))
    xlsx = tmp_path / "report.xlsx"
    xlsx.write_bytes(b"workbook")
    started = time.monotonic()
    with pytest.raises(OutputError) as caught:
        to_pdf(xlsx, tmp_path / "report.pdf", False, soffice=str(fake), timeout=2)
    assert time.monotonic() - started < 20
    assert caught.value.key == "pdf_failed"
    assert caught.value.values["why"].key == "pdf_timeout"
    assert "2 秒内没有完成" in caught.value.text("zh")
    child = int((tmp_path / "child.pid").read_text())
    deadline = time.monotonic() + 5
    while _alive(child) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _alive(child)
    assert _left(tmp_path) == {fake.name, "report.xlsx", "child.pid"}
