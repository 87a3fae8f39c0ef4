"""Hardening (issue 1/8), sizes: a CSV is read as a stream with a size cap and any line endings,
a sheet gives at most ``safety.max_columns`` columns (the rest is one data problem), and wide or
long-celled ledgers are planned in bounded time and memory (≤ 30 s, ≤ 1 GB per `kq plan`)."""

from __future__ import annotations

import datetime as dt
import json
import random
import re
import string
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest

from kqexcel.cli import cli
from kqexcel.core.ledger import EXCEL_COLUMNS, column_letter, find_header, normalise
from kqexcel.core.plan import IDENTITY, PLAN_FIELDS, make_plan
from kqexcel.errors import LedgerError
from kqexcel.io import ledger as ledger_io
from kqexcel.io.display import display_columns
from kqexcel.io.ledger import read_ledger
from kqexcel.rules import load_rules
from tests.conftest import AS_OF

SECONDS, MEMORY = 30, 1024**3
HEADER = "客户编号,客户名称,年销售额,备注"


# The child is started by a small launcher that measures it: a child forked straight from pytest
# would count pytest's own peak memory as its own (Linux carries it across exec).
LAUNCHER = """
import json, os, subprocess, sys, threading, time
start = time.perf_counter()
with open(sys.argv[1], "wb") as err:
    proc = subprocess.Popen(sys.argv[3:], stdout=subprocess.DEVNULL, stderr=err)
    timer = threading.Timer(float(sys.argv[2]), proc.kill)  # a hang is killed, and fails the test
    timer.start()
    _, status, usage = os.wait4(proc.pid, 0)
    timer.cancel()
elapsed = time.perf_counter() - start
print(json.dumps([os.waitstatus_to_exitcode(status), elapsed, usage.ru_maxrss * 1024]))
"""


def kq_plan(ledger: Path, *args: str) -> tuple[int, str, float, int]:
    """`kq plan` in a child process: exit code, stderr, wall seconds and peak memory (bytes)."""
    err = ledger.parent / f"{ledger.name}.stderr"
    launcher = subprocess.run(
        [
            sys.executable,
            "-c",
            LAUNCHER,
            str(err),
            str(2 * SECONDS),
            sys.executable,
            "-m",
            "kqexcel",
            "plan",
            str(ledger),
            "--as-of",
            AS_OF,
            "--force",
            *args,
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    code, seconds, peak = json.loads(launcher.stdout)
    return code, err.read_text(encoding="utf-8"), seconds, peak


def within_budget(seconds: float, peak: int, stderr: str) -> None:
    assert seconds <= SECONDS, f"took {seconds:.1f} s"
    assert peak <= MEMORY, f"used {peak // 2**20} MB"
    assert "Traceback" not in stderr and "Warning" not in stderr, stderr[:2000]


def refused(stderr: str, path: Path) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr[:2000]
    assert lines[0].startswith((f"Error: {path}: ", f"Error: {path}：")), stderr[:2000]
    return lines[0]


def rules_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "rules.toml"
    path.write_text(text, encoding="utf-8")
    return path


# --------------------------------------------------------------------------- line endings

ENDINGS = {"LF": "\n", "CRLF": "\r\n", "CR": "\r"}


@pytest.mark.parametrize("ending", list(ENDINGS))
@pytest.mark.parametrize("delimiter", [",", "\t", ";"])
@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_every_line_ending_delimiter_and_encoding_is_read(tmp_path, ending, delimiter, encoding):
    end = ENDINGS[ending]
    rows = [
        ["客户编号", "客户名称", "年销售额", "备注"],
        ["K1", "甲公司", "1.2万", f'"第一行{end}第二行"'],
        ["K2", "乙公司", "500", "正常"],
        ["K3", "丙公司", "7", ""],
    ]
    path = tmp_path / "l.csv"
    path.write_bytes("".join(delimiter.join(r) + end for r in rows).encode(encoding))
    ledger = read_ledger(path)
    assert ledger.table["name"].tolist() == ["甲公司", "乙公司", "丙公司"]
    assert ledger.table["_row"].tolist() == [2, 3, 4]
    assert ledger.table["revenue"].tolist() == [12000.0, 500.0, 7.0]
    assert ledger.table["notes"].tolist() == [f"第一行{end}第二行", "正常", None]


def test_mixed_line_endings_and_quoted_line_breaks_are_read_row_by_row(tmp_path):
    path = tmp_path / "mixed.csv"
    path.write_bytes(
        f'{HEADER}\r\nK1,甲,1,"a\r\nb\rc\nd"\nK2,乙,2,x\rK3,丙,3,y\r\n\rK4,丁,4,z'.encode()
    )
    ledger = read_ledger(path)
    assert ledger.table["customer_id"].tolist() == ["K1", "K2", "K3", "K4"]
    assert ledger.table["_row"].tolist() == [2, 3, 4, 6]  # the blank line is row 5
    assert ledger.table["notes"].iloc[0] == "a\r\nb\rc\nd"


def test_a_cr_only_csv_counts_its_rows(tmp_path):
    """The row guard counts rows as the CSV reader makes them: a CR-only file is not one line."""
    path = tmp_path / "mac.csv"
    path.write_bytes(
        ("客户名称,年销售额\r" + "".join(f"客户{i},{i}\r" for i in range(200))).encode()
    )
    rules = load_rules(rules_file(tmp_path, "[safety]\nmax_rows = 40\n"))  # 4 × 40 + 100 = 260 rows
    with pytest.raises(LedgerError) as error:
        read_ledger(path, rules)
    assert "'mac' has 200 rows under its header, more than the 40" in error.value.text("en")
    path.write_bytes(
        ("客户名称,年销售额\r" + "".join(f"客户{i},{i}\r" for i in range(300))).encode()
    )
    with pytest.raises(LedgerError) as error:
        read_ledger(path, rules)
    assert re.search(
        r"has more than 260 rows, far more than the 40 customers .*safety\.max_rows",
        error.value.text("en"),
    )


def test_rows_past_the_limit_are_not_read(tmp_path, monkeypatch):
    """Refused as soon as the limit is passed: the rest of the file is never read."""
    read: list[int] = []

    class Counting(ledger_io._CsvLines):
        def __iter__(self):
            for line in super().__iter__():
                read.append(1)
                yield line

    monkeypatch.setattr(ledger_io, "_CsvLines", Counting)
    path = tmp_path / "long.csv"
    path.write_bytes(b"a,b\r" + b"x,1\r" * 1_000_000)
    rules = load_rules(rules_file(tmp_path, "[safety]\nmax_rows = 10\n"))
    with pytest.raises(LedgerError) as error:
        read_ledger(path, rules)
    assert "more than 140 rows" in error.value.text("en")
    assert len(read) == 141


def test_blank_rows_between_customers_are_read_past_the_customer_count(tmp_path):
    path = tmp_path / "gaps.csv"  # 50 customers, 200 blank rows: more rows than customers, all read
    path.write_text(
        "客户名称,年销售额\n" + "".join(f"客户{i},{i}\n\n\n\n\n" for i in range(50)),
        encoding="utf-8",
    )
    ledger = read_ledger(path, load_rules(rules_file(tmp_path, "[safety]\nmax_rows = 50\n")))
    assert len(ledger.table) == 50 and ledger.table["_row"].iloc[-1] == 2 + 49 * 5


# --------------------------------------------------------------------------- refused in one line


def test_a_giant_field_or_row_and_late_binary_content_are_refused_in_one_line(runner, tmp_path):
    cases = {
        "field.csv": (
            b"a,b\n\xe7\x94\xb2," + b"9" * 1_500_000 + b"\n",
            "row 2 has a field longer than 1,000,000 characters (an Excel cell holds 32,767)",
        ),
        "row.csv": (b"a,b\n" + b"1," * 9_000_000, "row 2 is longer than 16,000,000 characters"),
        "nul.csv": (
            b"a,b\n" + b"x,1\n" * 50_000 + b"x\x00,1\n",
            "not a text CSV file (binary content)",
        ),
    }
    for name, (data, message) in cases.items():
        path = tmp_path / name
        path.write_bytes(data)
        result = runner.invoke(cli, ["plan", str(path), "--as-of", AS_OF, "--lang", "en"])
        assert result.exit_code == 1
        assert refused(result.stderr, path).startswith(f"Error: {path}: {message}")


def test_a_gbk_file_whose_first_bytes_are_ascii_is_read_as_gbk(tmp_path):
    path = tmp_path / "late.csv"  # the sample says UTF-8; the first GBK byte starts it again
    path.write_bytes(
        "客户名称,年销售额\n".encode("gbk") + b"a,1\n" * 30_000 + "丙公司,3\n".encode("gbk")
    )
    ledger = read_ledger(path)
    assert ledger.table["name"].iloc[-1] == "丙公司" and len(ledger.table) == 30_001


def test_a_sparse_1_gb_one_line_csv_is_refused_by_its_size(tmp_path):
    path = tmp_path / "one_line.csv"
    with path.open("wb") as handle:
        handle.write(f"{HEADER},".encode())
        handle.truncate(1 << 30)  # sparse: a gigabyte on paper, nothing on disk
    code, stderr, seconds, peak = kq_plan(path, "-o", str(tmp_path / "p.xlsx"), "--lang", "en")
    assert code == 1
    line = refused(stderr, path)
    assert line == (
        f"Error: {path}: refused: the CSV file is 1,073.7 MB "
        "(limit 500 MB, rules key safety.max_csv_mb)"
    )
    assert seconds < 10 and peak < 300 * 2**20
    assert not (tmp_path / "p.xlsx").exists()


def test_a_60_mb_one_line_csv_is_refused_by_the_cap_or_as_a_giant_row(tmp_path):
    path = tmp_path / "one_line.csv"
    path.write_bytes(f"{HEADER},".encode() + b"x" * 60_000_000)
    code, stderr, seconds, peak = kq_plan(
        path, "--rules", str(rules_file(tmp_path, "[safety]\nmax_csv_mb = 50\n")), "--lang", "en"
    )
    assert (
        code == 1
        and "refused: the CSV file is 60.0 MB (limit 50 MB, rules key safety.max_csv_mb)"
        in refused(stderr, path)
    )
    assert seconds < 10 and peak < 300 * 2**20
    code, stderr, seconds, peak = kq_plan(path)  # under the default cap: read as a stream, refused
    assert code == 1 and "第 1 行超过 16,000,000 个字符" in refused(stderr, path)
    within_budget(seconds, peak, stderr)
    assert peak < 400 * 2**20  # the file was never held whole (60 MB text, 16 MB of it at most)


def test_millions_of_short_lines_are_refused_early(tmp_path):
    path = tmp_path / "short.csv"  # 5,000,000 CR-only rows in 20 MB: no \n for a line count to see
    path.write_bytes("客户名称,年销售额\r".encode() + b"a,1\r" * 5_000_000)
    code, stderr, seconds, peak = kq_plan(path, "--lang", "en")
    assert code == 1
    assert "has more than 4,194,400 rows, far more than the 1,048,575 customers" in refused(
        stderr, path
    )
    within_budget(seconds, peak, stderr)
    assert peak < 500 * 2**20  # rows past the customer limit are counted, not kept


def test_a_big_legit_csv_with_mixed_endings_streams(tmp_path):
    rnd = random.Random(3)
    pool = "".join(rnd.choices([chr(c) for c in range(0x4E00, 0x4E00 + 3000)], k=20_000))
    path = tmp_path / "big.csv"  # 10,000 customers, two-line notes of 2,000 characters: 60 MB
    ends = ["\r\n", "\n", "\r"]
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write(f"{HEADER},最近联系日期\r\n")
        for i in range(10_000):
            s = rnd.randrange(0, 18_000)
            note = pool[s : s + 1000] + ends[i % 3] + pool[s + 1000 : s + 2000]
            handle.write(
                f'K{i},客户{i},{i + 1},"{note}",2026-10-{1 + i % 28:02d}' + ends[(i + 1) % 3]
            )
    code, stderr, seconds, peak = kq_plan(path, "-o", str(tmp_path / "p.xlsx"))
    assert code == 0, stderr[:2000]
    assert "10000 位客户" in stderr
    within_budget(seconds, peak, stderr)


# --------------------------------------------------------------------------- wide sheets


def test_columns_past_the_cap_are_one_problem_and_fields_within_it_are_read():
    rules = load_rules()
    header = ["客户名称", *[f"列{i}" for i in range(1, 999)], "年销售额", "客户经理", "区域"]
    rows = [header, ["甲", *["v"] * 998, "100", "张三", "华东"]]
    ledger = normalise(rows, find_header(rows, rules), rules, "w.csv", "w")
    assert ledger.table["revenue"].tolist() == [100.0]  # column 1,000: within the first 1,000
    assert ledger.table["owner"].tolist() == [None]  # columns 1,001 and 1,002: left out
    assert "owner" not in ledger.mapped and len(ledger.carried) == 998
    [problem] = ledger.problems
    assert (problem.row, problem.column, problem.reason, problem.detail) == (
        1,
        "ALM–ALN",
        "too_many_columns",
        "2",
    )


def test_a_mapped_field_past_the_cap_is_not_found(tmp_path):
    path = tmp_path / "w.csv"
    path.write_text("备注,客户名称,年销售额\n甲,乙,1\n", encoding="utf-8")
    rules = load_rules(rules_file(tmp_path, "[safety]\nmax_columns = 2\n"))
    ledger = read_ledger(path, rules)
    assert ledger.table["name"].tolist() == ["乙"] and ledger.table["revenue"].isna().all()
    assert [(p.column, p.detail) for p in ledger.problems if p.kind != "info"] == [("C–C", "1")]


def test_repeated_headers_are_named_in_linear_time():
    rules = load_rules()
    rows = [["客户名称", "年销售额", *["备注2"] * 998], ["甲", "1", *map(str, range(998))]]
    ledger = normalise(rows, 0, rules, "r.csv", "r")
    plan = make_plan(ledger, rules, dt.date.fromisoformat(AS_OF))
    headers = [h for h, _ in display_columns(plan, rules)][-998:]
    assert headers[:6] == ["备注2", "备注2*", "备注2**", "备注2***", "备注2*4", "备注2*5"]
    assert headers[-1] == "备注2*997" and len(set(headers)) == 998


def test_thousands_of_carried_columns_raise_no_performance_warning():
    rules = load_rules()  # pytest turns every warning into an error
    rows = [["客户名称", "年销售额", *[f"c{i}" for i in range(998)]], ["甲", "1", *["x"] * 998]]
    plan = make_plan(normalise(rows, 0, rules, "w.csv", "w"), rules, dt.date.fromisoformat(AS_OF))
    assert len(plan.carried) == 998 and len(display_columns(plan, rules)) <= EXCEL_COLUMNS


def _plan_columns(path: Path) -> list[object]:
    wb = openpyxl.load_workbook(path, read_only=True)
    try:
        return list(next(wb["跟进计划"].iter_rows(max_row=1, values_only=True)))
    finally:
        wb.close()


def test_a_200000_column_csv_is_planned_fast_with_the_drop_reported(tmp_path):
    path = tmp_path / "wide.csv"  # 1.2 MB; every extra header the same (worst case for naming)
    width = 200_000
    lines = [
        ["客户名称", "年销售额", *["c"] * (width - 2)],
        ["甲", "1", *["1"] * (width - 2)],
        ["乙", "2", *["2"] * (width - 2)],
    ]
    path.write_text("".join(",".join(r) + "\n" for r in lines), encoding="utf-8")
    code, stderr, seconds, peak = kq_plan(path, "-o", str(tmp_path / "p.xlsx"))
    assert code == 1  # the columns left out are a data problem
    assert f"第 1 行，ALM–{column_letter(width - 1)}：（列太多，这 199,000 列没有读入" in stderr
    within_budget(seconds, peak, stderr)
    assert len(_plan_columns(tmp_path / "p.xlsx")) == len(IDENTITY) + len(PLAN_FIELDS) + 998

    rules = rules_file(tmp_path, "[safety]\nmax_columns = 16384\n")  # as many as Excel holds
    code, stderr, seconds, peak = kq_plan(
        path, "--rules", str(rules), "-o", str(tmp_path / "x.xlsx")
    )
    assert code == 1 and "XCS–" in stderr
    within_budget(seconds, peak, stderr)
    headers = _plan_columns(tmp_path / "x.xlsx")
    assert len(headers) <= EXCEL_COLUMNS and len({str(h).casefold() for h in headers}) == len(
        headers
    )


def test_a_16384_column_workbook_is_planned_fast(tmp_path):
    path = tmp_path / "wide.xlsx"
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("台账")
    ws.append(["客户名称", "年销售额", *[f"列{i}" for i in range(3, EXCEL_COLUMNS + 1)]])
    for r in range(3):
        ws.append([f"客户{r}", r + 1, *[r] * (EXCEL_COLUMNS - 2)])
    wb.save(path)
    code, stderr, seconds, peak = kq_plan(path, "-o", str(tmp_path / "p.xlsx"))
    assert code == 1 and "第 1 行，ALM–XFD：（列太多，这 15,384 列没有读入" in stderr
    within_budget(seconds, peak, stderr)
    assert len(_plan_columns(tmp_path / "p.xlsx")) == len(IDENTITY) + len(PLAN_FIELDS) + 998


# --------------------------------------------------------------------------- long cells


def _long_cell_workbook(path: Path, rows: int = 300, columns: int = 20) -> None:
    """rows × columns cells of 32,767 characters (196 MB of sheet XML), stored uncompressed so
    that it is quick to make and no zip-bomb ratio applies."""
    rnd = random.Random(5)
    pool = "".join(rnd.choices(string.ascii_letters + string.digits + "    ", k=200_000))
    header = [
        "客户编号",
        "客户名称",
        "年销售额",
        "最近联系日期",
        "备注",
        *[f"列{i}" for i in range(columns - 5)],
    ]

    def row(r: int, cells: list[str]) -> str:
        return (
            f'<row r="{r}">'
            + "".join(
                f'<c r="{column_letter(j)}{r}" t="inlineStr"><is><t>{v}</t></is></c>'
                for j, v in enumerate(cells)
            )
            + "</row>"
        )

    parts = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels"'
            ' ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml"'
            ' ContentType="application/vnd.openxmlformats-officedocument'
            '.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml"'
            ' ContentType="application/vnd.openxmlformats-officedocument'
            '.spreadsheetml.worksheet+xml"/>'
            "</Types>"
        ),
        "_rels/.rels": (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1"'
            ' Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"'
            ' Target="xl/workbook.xml"/>'
            "</Relationships>"
        ),
        "xl/workbook.xml": (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
            ' xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            '<sheets><sheet name="台账" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1"'
            ' Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"'
            ' Target="worksheets/sheet1.xml"/>'
            "</Relationships>"
        ),
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as package:
        for name, text in parts.items():
            package.writestr(name, text)
        with package.open("xl/worksheets/sheet1.xml", "w", force_zip64=False) as sheet:
            sheet.write(
                b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
            )
            sheet.write(row(1, header).encode())
            for r in range(2, rows + 2):
                starts = [rnd.randrange(0, len(pool) - 32_767) for _ in range(columns)]
                sheet.write(row(r, [f"K{r}", *(pool[s : s + 32_767] for s in starts[1:])]).encode())
            sheet.write(b"</sheetData></worksheet>")


def test_a_workbook_of_32767_character_cells_is_planned_in_budget(tmp_path):
    path = tmp_path / "long.xlsx"
    _long_cell_workbook(path)
    code, stderr, seconds, peak = kq_plan(path, "-o", str(tmp_path / "p.xlsx"))
    assert code == 1  # 300 amounts and dates that are not amounts and dates
    assert "不是金额" in stderr
    assert max(map(len, stderr.splitlines())) < 400  # the screen shows the start of a long value
    assert seconds <= SECONDS, f"took {seconds:.1f} s"
    assert "Traceback" not in stderr and "Warning" not in stderr
    assert peak <= MEMORY, f"used {peak // 2**20} MB"
