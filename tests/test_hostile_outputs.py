"""Hardening (issue 1/8): no output replaces an input, no rules text becomes a formula, a dying
worker or a stray far cell does not end a batch, signals leave nothing behind, and odd paths and
damaged parts give one line."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from kqexcel.cli import cli
from kqexcel.core.ledger import column_letter
from kqexcel.io import ledger as ledger_io
from kqexcel.io import report_io
from kqexcel.rules import default_rules, dump_toml
from tests.conftest import AS_OF, ROOT, sha256

SAMPLE = ROOT / "templates" / "sample_ledger.xlsx"
PLAN_TEMPLATE = ROOT / "templates" / "plan.xlsx"
FORMULA = "=cmd|' /C calc'!A0"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A folder of two ledgers (.xlsx and a kq-foreign .csv) and a rules file."""
    (tmp_path / "L").mkdir()
    shutil.copy(SAMPLE, tmp_path / "L" / "a.xlsx")
    (tmp_path / "L" / "b.csv").write_text("客户名称,年销售额\n甲公司,100\n", encoding="utf-8")
    (tmp_path / "co.toml").write_text("[tier]\na_share = 0.7\n", encoding="utf-8")
    shutil.copy(PLAN_TEMPLATE, tmp_path / "t.xlsx")
    os.symlink(tmp_path / "L" / "a.xlsx", tmp_path / "link.xlsx")
    os.link(tmp_path / "L" / "a.xlsx", tmp_path / "hard.xlsx")
    return tmp_path


OVERWRITES = [  # every file a command reads is an input: as an output it is a usage error
    ["report", "L", "--month", "2026-11", "-o", "L/a.xlsx"],  # a ledger found inside the folder
    ["report", "L", "--month", "2026-11", "--summary-json", "L/b.csv"],
    ["report", "L", "--month", "2026-11", "--rules", "co.toml", "--summary-json", "co.toml"],
    ["report", "L", "--month", "2026-11", "--template", "t.xlsx", "-o", "t.xlsx"],
    ["report", "L/a.xlsx", "--month", "2026-11", "--previous", "t.xlsx", "-o", "t.xlsx"],
    ["report", "L", "--month", "2026-11", "-o", "r.xlsx", "--summary-json", "r.xlsx"],
    ["plan", "L/a.xlsx", "--rules", "co.toml", "--format", "csv", "-o", "co.toml"],
    ["plan", "L/a.xlsx", "--template", "t.xlsx", "-o", "t.xlsx"],
    ["plan", "L/a.xlsx", "-o", "link.xlsx"],  # a symbolic link to the ledger
    ["plan", "L/a.xlsx", "-o", "hard.xlsx"],  # a hard link to the ledger
    ["plan", "link.xlsx", "-o", "L/a.xlsx"],
    ["plan", "L/a.xlsx", "--format", "json", "-o", "L/b.csv", "L/b.csv"],
    ["plan", "L/a.xlsx", "-o", str(PLAN_TEMPLATE)],  # the bundled template is read too
    ["plan", "L/a.xlsx", "--format", "csv", "-o", str(ROOT / "kqexcel" / "rules" / "default.toml")],
]


@pytest.mark.parametrize("args", OVERWRITES, ids=lambda a: " ".join(a[:1] + a[-2:]))
def test_no_output_replaces_an_input_whatever_force_says(runner, folder, monkeypatch, args):
    monkeypatch.chdir(folder)
    files = [p for p in folder.rglob("*") if p.is_file()] + [PLAN_TEMPLATE]
    before = {p: sha256(p) for p in files}
    result = runner.invoke(cli, [*args, "--force", "-q", "--lang", "en"])
    assert result.exit_code == 2, result.output
    assert result.stderr.strip().startswith("Error: ")
    assert "would replace the input" in result.stderr or "two outputs" in result.stderr
    assert {p: sha256(p) for p in files} == before
    assert sorted(p.name for p in folder.rglob("*")) == sorted(
        [p.name for p in files if p != PLAN_TEMPLATE] + ["L"]
    )


def test_a_report_kq_wrote_in_the_folder_is_replaced_not_read(runner, folder, monkeypatch):
    monkeypatch.chdir(folder)
    args = ["report", "L", "--month", "2026-11", "-o", "L/report.xlsx", "-q", "--force"]
    first = runner.invoke(cli, args)
    again = runner.invoke(cli, args)
    assert first.exit_code == again.exit_code == 0
    customers = list(
        openpyxl.load_workbook(folder / "L" / "report.xlsx")["全部客户"].iter_rows(values_only=True)
    )
    assert len(customers) == 1 + 40 + 1  # a.xlsx and b.csv, not the report itself


def _hostile_rules(tmp_path: Path) -> Path:
    """Every label, legend text and rationale of the rules starts like a DDE formula."""
    tree = default_rules().tree
    over: dict = {"texts": {}, "codes": {}, "output_fields": {}}
    for domain, codes in tree["codes"].items():
        over["codes"][domain] = {
            c: {lang: f"{FORMULA}{e[lang]}" for lang in ("zh", "en")} for c, e in codes.items()
        }
    for key, entry in tree["output_fields"].items():
        over["output_fields"][key] = {lang: f"{FORMULA}{entry[lang]}" for lang in ("zh", "en")}

    def prefixed(node):
        if isinstance(node, dict):
            return {k: prefixed(v) for k, v in node.items()}
        return f"{FORMULA}{node}" if isinstance(node, str) else node

    over["texts"] = prefixed(tree["texts"])
    path = tmp_path / "hostile_rules.toml"
    path.write_text(dump_toml(over), encoding="utf-8")
    return path


def _formulas(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as archive:
        return [
            f"{name}: {m.group(0)[:60]}"
            for name in archive.namelist()
            if name.startswith("xl/worksheets/")
            for m in re.finditer(rb"<f[ >].*?</f>", archive.read(name))
        ]


def test_rules_text_never_becomes_a_formula(runner, tmp_path):
    rules = _hostile_rules(tmp_path)
    outputs = {
        "plan": (
            ["plan", str(SAMPLE), "--as-of", AS_OF, "-o", str(tmp_path / "p.xlsx")],
            tmp_path / "p.xlsx",
        ),
        "plan_en": (
            ["plan", str(SAMPLE), "--lang", "en", "-o", str(tmp_path / "e.xlsx")],
            tmp_path / "e.xlsx",
        ),
        "report": (
            ["report", str(SAMPLE), "--month", "2026-11", "-o", str(tmp_path / "r.xlsx")],
            tmp_path / "r.xlsx",
        ),
        "ledger": (["template", "ledger", str(tmp_path / "l.xlsx")], tmp_path / "l.xlsx"),
    }
    for name, (args, out) in outputs.items():
        result = runner.invoke(cli, [*args, "--rules", str(rules)])
        assert result.exit_code in (0, 1) and out.exists(), (name, result.output)
        assert _formulas(out) == [], name
    legend = openpyxl.load_workbook(tmp_path / "p.xlsx")["说明"]
    texts = [
        c
        for row in legend.iter_rows()
        for c in row
        if isinstance(c.value, str) and c.value.startswith("=")
    ]
    assert len(texts) > 50 and all(c.data_type == "s" and c.quotePrefix for c in texts)


def _with_member(tmp_path: Path, member: str, data: bytes = b"<x/>") -> Path:
    path = tmp_path / f"template_{member.replace('/', '_')}.xlsx"
    shutil.copy(PLAN_TEMPLATE, path)
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr(member, data)
    return path


@pytest.mark.parametrize(
    "member, words",
    [
        ("xl/externalLinks/externalLink1.xml", "links to other workbooks"),
        ("xl/connections.xml", "data connections"),
        ("xl/vbaProject.bin", "macros"),
    ],
)
def test_templates_with_active_content_are_refused(runner, tmp_path, member, words):
    template = _with_member(
        tmp_path, member, b'<externalLink><externalBook r:id="file:///C:/x.xlsx"/></externalLink>'
    )
    out = tmp_path / "plan.xlsx"
    result = runner.invoke(
        cli, ["plan", str(SAMPLE), "--template", str(template), "-o", str(out), "--lang", "en"]
    )
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: {template}: refused: the template holds {words}")
    assert len(result.stderr.strip().splitlines()) == 1 and not out.exists()
    check = runner.invoke(cli, ["template", "check", str(template), "--lang", "en"])
    assert check.exit_code == 1 and words in check.stderr


def test_a_plan_never_carries_external_links(runner, tmp_path):
    out = tmp_path / "plan.xlsx"
    assert runner.invoke(cli, ["plan", str(SAMPLE), "-o", str(out)]).exit_code == 0
    with zipfile.ZipFile(out) as archive:
        assert not [n for n in archive.namelist() if "external" in n.lower() or n.endswith(".bin")]


# --------------------------------------------------------------------------- the dense-grid bomb


@given(st.integers(1, 10**9), st.integers(0, 10**10))
def test_at_most_matches_exactly_the_numbers_up_to_the_limit(limit, number):
    assert bool(re.fullmatch(ledger_io._at_most(limit), str(number))) == (1 <= number <= limit)
    assert not re.fullmatch(ledger_io._at_most(limit), f"0{number}")


@given(st.integers(1, 20_000), st.integers(0, 20_000))
def test_columns_at_most_matches_exactly_the_columns_up_to_the_limit(limit, column):
    pattern = ledger_io._columns_at_most(limit)
    assert bool(re.fullmatch(pattern, column_letter(column))) == (column < limit)
    assert re.fullmatch(pattern, "")  # a row's reference has no letters


# how a cell's reference may be spelled: calamine reads each the same way (tolerant XML)
SPELLINGS = {
    "plain": '<c r="{ref}"><v>1</v></c>',
    "style first": '<c s="1" r="{ref}"><v>1</v></c>',
    "spaces": '<c r = "{ref}"><v>1</v></c>',
    "tab": '<c\tr="{ref}"><v>1</v></c>',
    "newline": '<c\nr=\n"{ref}"><v>1</v></c>',
    "single quotes": "<c r='{ref}'><v>1</v></c>",
    "lower case": '<c r="{lower}"><v>1</v></c>',
    "leading zero": '<c r="{letters}0{row}"><v>1</v></c>',
    "dollars": '<c r="${letters}${row}"><v>1</v></c>',
    "two r": '<c r="A1" r="{ref}"><v>1</v></c>',
    "prefix": '<x:c r="{ref}"><x:v>1</x:v></x:c>',
    "quote in a value": '<c t="s>" r="{ref}"><v>1</v></c>',
}
cells = st.lists(
    st.tuples(
        st.integers(1, 1_048_576),
        st.integers(0, 16_383),
        st.sampled_from(sorted(SPELLINGS)),
        st.integers(0, 3),
        st.booleans(),
    ),
    min_size=1,
    max_size=30,
)


@given(cells, st.integers(1, 10**8))
def test_grid_size_finds_every_sheet_that_spans_too_much(refs, budget):
    """Cells in every spelling, some followed by cells without a reference (placed to the right
    of the one before), some in rows numbered otherwise or not at all."""
    refs = sorted(refs)
    xml, rows, columns, counter = [], 1, 1, 0
    for r, c, spelling, bare, own in refs:
        letters = column_letter(c)
        cell = SPELLINGS[spelling].format(
            ref=f"{letters}{r}", lower=f"{letters.lower()}{r}", letters=letters, row=r
        )
        counter = (
            r if own else (counter + 1 if r > 3 else min(r, 3))
        )  # a row without r follows the one before
        row = f'<row r="{counter}">' if own or r <= 3 else "<row>"
        xml.append(f"{row}{cell}{'<c><v>2</v></c>' * bare}</row>")
        rows, columns = max(rows, r, counter if bare else 1), max(columns, c + 1 + bare)
    found = ledger_io.grid_size(f"<sheetData>{''.join(xml)}</sheetData>".encode(), budget)
    big = rows * columns > budget or columns > 16_384
    assert found == ((rows, columns) if big else None)


def test_an_ordinary_sheet_passes_the_quick_check(monkeypatch):
    """An ordinary sheet costs three searches: the exact reading of every reference is not run."""
    rows = "".join(
        f'<row r="{r}">'
        + "".join(f'<c r="{column_letter(c)}{r}"><v>{r}</v></c>' for c in range(37))
        + "</row>"
        for r in range(1, 20_001)
    )
    monkeypatch.setattr(ledger_io, "_exact_grid", lambda *a: pytest.fail("the exact scan ran"))
    assert (
        ledger_io.grid_size(
            f"<sheetData>{rows}</sheetData>".encode(), default_rules()["safety"]["max_sheet_cells"]
        )
        is None
    )


def _killer(item):  # a reader that dies as a Rust abort would: no exception, no clean-up
    if "dies" in Path(item[0]).name:
        os._exit(134)
    return _REAL_READ(item)


_REAL_READ = report_io._read_one


def test_a_worker_that_dies_costs_only_its_ledger(tmp_path, monkeypatch):
    for name in ("a.xlsx", "b_dies.xlsx", "c.xlsx", "d.xlsx", "e_dies.xlsx"):
        shutil.copy(SAMPLE, tmp_path / name)
    monkeypatch.setattr(report_io, "_read_one", _killer)
    monkeypatch.setattr(sys.modules[__name__], "_killer", _killer)
    files = sorted(tmp_path.glob("*.xlsx"))
    results = report_io.read_all(files, default_rules(), jobs=2, lang="en")
    assert [Path(f).name for f, _ in results] == [p.name for p in files]
    failed = {Path(f).name: r for f, r in results if isinstance(r, str)}
    assert set(failed) == {"b_dies.xlsx", "e_dies.xlsx"}
    assert all("ended the reading process" in r for r in failed.values())


# --------------------------------------------------------------------------- writing


def test_a_sheet_part_past_the_zip_limit_is_written_with_zip64(tmp_path, monkeypatch):
    """Over 2 GiB of sheet XML (about 440,000 realistic rows) needs ZIP64; here the limit is
    lowered so the same path runs on a small plan: first judged too small, then written again."""
    from kqexcel.io import xlsx_stream as workbook

    monkeypatch.setattr(zipfile, "ZIP64_LIMIT", 50_000)
    monkeypatch.setattr(workbook, "ZIP64_FROM", 1 << 40)
    out = tmp_path / "plan.xlsx"
    from click.testing import CliRunner

    result = CliRunner().invoke(cli, ["plan", str(SAMPLE), "--as-of", AS_OF, "-o", str(out)])
    assert result.exit_code == 0, result.output
    monkeypatch.undo()
    book = openpyxl.load_workbook(out, read_only=True)
    try:
        assert len(list(book["跟进计划"].iter_rows())) == 41
    finally:
        book.close()  # read-only workbooks keep the file open until closed
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan.xlsx"]


def test_a_small_plan_has_no_zip64_records(tmp_path, runner):
    out = tmp_path / "plan.xlsx"
    runner.invoke(cli, ["plan", str(SAMPLE), "-o", str(out)])
    data = out.read_bytes()
    assert (
        b"PK\x06\x06" not in data and b"PK\x06\x07" not in data
    )  # Excel refuses them in a small file


def _big_csv(path: Path, rows: int = 20_000) -> Path:
    lines = ["客户编号,客户名称,客户经理,年销售额,最近联系日期,备注"]
    lines += [
        f"K{i},公司{i},张三,{i % 500 + 1}万,2026-10-{i % 28 + 1:02d},备注{i}" for i in range(rows)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_sigterm_mid_write_leaves_no_temporary_file(tmp_path):
    ledger = _big_csv(tmp_path / "big.csv")
    out = tmp_path / "out" / "plan.xlsx"
    out.parent.mkdir()
    proc = subprocess.Popen(
        [sys.executable, "-m", "kqexcel", "plan", str(ledger), "-o", str(out), "-q"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 60
    while (
        not list(out.parent.glob(".~kq-*")) and proc.poll() is None and time.monotonic() < deadline
    ):
        time.sleep(0.005)
    assert proc.poll() is None, "the plan was written before the signal could be sent"
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 1
    assert b"Traceback" not in err
    assert list(out.parent.iterdir()) == []


def test_ctrl_c_during_a_parallel_report_prints_no_traceback(tmp_path):
    for i in range(200):  # some 20 s of reading: the signal always comes while workers read
        shutil.copy(SAMPLE, tmp_path / f"ledger{i:03d}.xlsx")
    (tmp_path / "out").mkdir()
    for attempt in range(3):
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "kqexcel",
                "report",
                str(tmp_path),
                "--month",
                "2026-11",
                "-o",
                str(tmp_path / "out" / "r.xlsx"),
                "--jobs",
                "2",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        time.sleep(1.0 + attempt * 0.5)
        os.killpg(proc.pid, signal.SIGINT)  # as a terminal does: the whole process group
        _, err = proc.communicate(timeout=60)
        assert b"Traceback" not in err, err.decode()
        assert proc.returncode == 1, err.decode()
        assert not (tmp_path / "out" / "r.xlsx").exists() and not list((tmp_path / "out").iterdir())


def test_long_names_and_files_used_as_folders_give_one_line(runner, tmp_path):
    long_ledger = tmp_path / f"{'客' * 82}.xlsx"  # 246 bytes: its plan's name would be 256
    shutil.copy(SAMPLE, long_ledger)
    result = runner.invoke(cli, ["plan", str(long_ledger), "-q"])
    assert result.exit_code == 0 and "Error" not in result.output
    assert [p.name for p in tmp_path.glob("*_plan.xlsx")] == [f"{'客' * 81}_plan.xlsx"]
    too_long = tmp_path / f"{'长' * 90}.xlsx"
    result = runner.invoke(cli, ["plan", str(SAMPLE), "-o", str(too_long), "--lang", "en"])
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [
        f"Error: cannot write {too_long}: the file name is too long (275 bytes, at most 255);"
        " choose a shorter -o"
    ]
    result = runner.invoke(
        cli, ["plan", str(SAMPLE), "-o", str(long_ledger / "x.xlsx"), "--lang", "en"]
    )
    assert result.exit_code == 1
    assert (
        result.stderr.strip()
        == f"Error: cannot write {long_ledger / 'x.xlsx'}: {long_ledger} is a file, not a folder"
    )


def _broken_part(source: Path, out: Path, part: str) -> Path:
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            dst.writestr(info, data[: len(data) // 2] if info.filename == part else data)
    return out


def test_damaged_previous_report_and_template_give_one_line(runner, tmp_path):
    report = tmp_path / "prev.xlsx"
    runner.invoke(cli, ["report", str(SAMPLE), "--month", "2026-10", "-o", str(report), "-q"])
    with zipfile.ZipFile(report) as archive:
        parts = [n for n in archive.namelist() if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", n)]
    for part in parts:
        broken = _broken_part(report, tmp_path / f"prev_{part.rsplit('/', 1)[-1]}.xlsx", part)
        result = runner.invoke(
            cli,
            [
                "report",
                str(SAMPLE),
                "--month",
                "2026-11",
                "--previous",
                str(broken),
                "-o",
                str(tmp_path / "r.xlsx"),
                "--force",
                "-q",
                "--lang",
                "en",
            ],
        )
        assert "Traceback" not in result.output and "unexpected failure" not in result.output
        assert len(result.stderr.strip().splitlines()) <= 1
    template = _broken_part(PLAN_TEMPLATE, tmp_path / "t.xlsx", "xl/worksheets/sheet1.xml")
    out = tmp_path / "p.xlsx"
    result = runner.invoke(
        cli, ["plan", str(SAMPLE), "--template", str(template), "-o", str(out), "--lang", "en"]
    )
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"Error: {template}: cannot open the template")


def test_zero_width_names_are_empty(runner, tmp_path):
    ledger = tmp_path / "zw.csv"
    ledger.write_text(
        "客户名称,年销售额\n\u200b,100\n\ufeff\u200d,200\n\u200b丙公司\u200b,300\n",
        encoding="utf-8",
    )
    result = runner.invoke(cli, ["plan", str(ledger), "--format", "json"])
    assert result.exit_code == 1
    assert [line for line in result.stdout.splitlines()] and '"name": "丙公司"' in result.stdout
    assert result.stdout.count("\n") == 1
    assert result.stderr.count("客户名称为空") == 2
