"""The `kq` command: output, exit codes and one-line errors."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import click
import pandas as pd
import pytest

from kqexcel.cli import cli
from tests.conftest import AS_OF, sha256


def all_commands(group: click.Group, prefix: tuple[str, ...] = ()):
    for name, command in group.commands.items():
        yield (*prefix, name), command
        if isinstance(command, click.Group):
            yield from all_commands(command, (*prefix, name))


@pytest.mark.parametrize("path", [p for p, _ in all_commands(cli)], ids=" ".join)
def test_every_command_has_help_with_an_example(runner, path):
    result = runner.invoke(cli, [*path, "--help"])
    assert result.exit_code == 0
    assert "Example:" in result.output
    assert f"kq {' '.join(path)}" in result.output


def test_plan_sample_is_clean_and_writes_beside_the_ledger(runner, sample):
    before = sha256(sample)
    result = runner.invoke(cli, ["plan", str(sample), "--as-of", AS_OF])
    assert result.exit_code == 0, result.output
    out = sample.with_name("sample_ledger_plan.xlsx")
    assert out.exists()
    assert sha256(sample) == before
    assert "40 位客户" in result.stderr and "P1 8 位" in result.stderr
    assert "0 个数据问题、1 个数据缺口" in result.stderr


def test_existing_output_needs_force(runner, sample):
    assert runner.invoke(cli, ["plan", str(sample), "--as-of", AS_OF]).exit_code == 0
    out = sample.with_name("sample_ledger_plan.xlsx")
    stamp = out.stat().st_mtime_ns
    again = runner.invoke(cli, ["plan", str(sample), "--as-of", AS_OF])
    assert again.exit_code == 1
    assert again.stderr.strip() == f"Error: {out} 已存在（用 --force 覆盖）"
    again = runner.invoke(cli, ["plan", str(sample), "--as-of", AS_OF, "--lang", "en"])
    assert again.stderr.strip() == f"Error: {out} already exists (use --force to overwrite it)"
    assert out.stat().st_mtime_ns == stamp
    forced = runner.invoke(cli, ["plan", str(sample), "--as-of", AS_OF, "--force"])
    assert forced.exit_code == 0


def test_no_temporary_files_are_left(runner, sample):
    runner.invoke(cli, ["plan", str(sample), "--as-of", AS_OF])
    assert sorted(p.name for p in sample.parent.iterdir()) == [
        "sample_ledger.xlsx",
        "sample_ledger_plan.xlsx",
    ]


def test_json_goes_to_stdout(runner, sample):
    result = runner.invoke(cli, ["plan", str(sample), "--as-of", AS_OF, "--format", "json"])
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert len(lines) == 40
    assert json.loads(lines[0])["customer_id"] == "KH001"


def test_several_ledgers_into_a_folder(runner, sample, messy, tmp_path):
    out = tmp_path / "plans"
    out.mkdir()
    result = runner.invoke(cli, ["plan", str(sample), str(messy), "--as-of", AS_OF, "-o", str(out)])
    assert result.exit_code == 1  # the messy one has problems
    assert sorted(p.name for p in out.iterdir()) == [
        "messy_ledger_plan.xlsx",
        "sample_ledger_plan.xlsx",
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["plan", "--as-of", "2026-13-01", "{sample}"],
            "'2026-13-01' is not a date with its year",
        ),
        (["plan", "--format", "pdf", "{sample}"], "'pdf' is not one of"),
        (["plan", "{missing}"], "does not exist"),
        (["plan"], "Missing argument 'LEDGERS...'"),
        (["plan", "{sample}", "{sample}", "-o", "{file}"], "-o must be an existing folder"),
    ],
)
def test_usage_errors_exit_2(runner, sample, tmp_path, args, message):
    values = {
        "sample": str(sample),
        "missing": str(tmp_path / "nope.xlsx"),
        "file": str(tmp_path / "x.xlsx"),
    }
    result = runner.invoke(cli, [*(a.format(**values) for a in args), "--lang", "en"])
    assert result.exit_code == 2
    assert message in result.stderr


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (
            b"hello, this is not a workbook",
            "fake.xlsx",
            "not a valid .xlsx workbook (the file is not a zip package)",
        ),
        (b"", "empty.xlsx", "the file is empty"),
        (b"a,b\n1,2\n", "nohead.csv", "no sheet has a recognisable header row"),
        (b"x", "ledger.txt", "unsupported file type '.txt'"),
    ],
)
def test_bad_files_are_one_line_errors(runner, tmp_path, content, name, message):
    path = tmp_path / name
    path.write_bytes(content)
    result = runner.invoke(cli, ["plan", str(path), "--lang", "en"])
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and message in lines[0]
    assert "Traceback" not in result.output


def test_debug_shows_the_exception(runner, tmp_path):
    path = tmp_path / "fake.xlsx"
    path.write_bytes(b"not a zip")
    result = runner.invoke(cli, ["--debug", "plan", str(path)])
    assert result.exit_code == 1
    assert type(result.exception).__name__ == "LedgerError"


def test_sheet_option(runner, sample):
    result = runner.invoke(cli, ["plan", str(sample), "--sheet", "Nope", "--format", "json"])
    assert result.exit_code == 1
    assert "没有名为“Nope”的工作表（现有工作表：客户台账, 跟进记录, 联系人, 订单）" in result.stderr
    result = runner.invoke(cli, ["plan", str(sample), "--sheet", "Nope", "--lang", "en"])
    assert "no sheet named 'Nope' (sheets: 客户台账, 跟进记录, 联系人, 订单)" in result.stderr
    ok = runner.invoke(
        cli, ["plan", str(sample), "--sheet", "客户台账", "--format", "json", "--as-of", AS_OF]
    )
    assert ok.exit_code == 0 and len(ok.stdout.splitlines()) == 40


def test_rules_overlay_changes_the_plan(runner, sample, tmp_path):
    rules = tmp_path / "company.toml"
    rules.write_text("[tier]\na_share = 0.5\n\n[priority]\np1 = 90\n", encoding="utf-8")
    result = runner.invoke(
        cli, ["plan", str(sample), "--as-of", AS_OF, "--format", "json", "--rules", str(rules)]
    )
    assert result.exit_code == 0
    records = [json.loads(line) for line in result.stdout.splitlines()]
    # shares before: 0, .2197, .3638, .4668 (< 0.5 → A), .5492 → B
    assert sum(r["tier"] == "A" for r in records) == 4
    assert not any(r["priority"] == "P1" and r["priority_score"] < 90 for r in records)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[tier]\na_shar = 0.5\n", "unknown key 'tier.a_shar'"),
        ("[tier]\na_share = 'high'\n", "'tier.a_share' must be a number"),
        ("[tier]\na_share = 1.5\n", "'tier.a_share' must be between 0 and 1"),
        ("[priority]\np1 = 10\n", "'priority.p1' must not be smaller than 'priority.p2'"),
        ("[cadence]\ntier_days = { A = 7.5 }\n", "'cadence.tier_days.A' must be a whole number"),
        ("[tier\n", "not valid TOML"),
        (
            "[motivation.points]\ncompetition = -1\n",
            "'motivation.points.competition' must not be negative",
        ),
        (
            '[rationale]\ntier = { zh = "层级 {tier} {lever}" }\n',
            "'rationale.tier.zh' uses an unknown placeholder {lever}",
        ),
        ('[rationale]\ntier = { zh = "层级 {tier" }\n', "'rationale.tier.zh' has an unmatched"),
        (
            '[rationale]\ntier = { en = "Tier {tier:>5}" }\n',
            "'rationale.tier.en' has a bad placeholder {tier:>5}",
        ),
    ],
)
def test_rules_check_names_the_bad_key(runner, tmp_path, text, message):
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    result = runner.invoke(cli, ["rules", "check", str(path), "--lang", "en"])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: {path}: ") and message in result.stderr


@pytest.mark.parametrize(
    "text",
    [
        '[rationale]\ntier = { zh = "{tier} 类（前面的客户占 {before}）{{注}}" }\n',
        # a placeholder of earlier versions
        '[rationale]\nstyle_explicit = { zh = "性格 {style}（台账写“{raw}”）" }\n',
        # texts are shown as written, never formatted
        '[texts.objective.follow_up]\nzh = "常规跟进 {重要}"\n',
    ],
)
def test_rules_with_allowed_placeholders_pass(runner, tmp_path, text):
    path = tmp_path / "ok.toml"
    path.write_text(text, encoding="utf-8")
    result = runner.invoke(cli, ["rules", "check", str(path)])
    assert result.exit_code == 0, result.output


def test_rules_show_round_trips(runner, tmp_path):
    import tomllib

    from kqexcel.rules import load_rules

    result = runner.invoke(cli, ["rules", "show"])
    assert result.exit_code == 0
    assert tomllib.loads(result.stdout) == load_rules().tree
    path = tmp_path / "all.toml"
    path.write_text(result.stdout, encoding="utf-8")
    check = runner.invoke(cli, ["rules", "check", str(path)])
    assert check.exit_code == 0 and "规则文件可用" in check.stdout


def test_rules_show_round_trips_a_text_with_a_carriage_return(runner, tmp_path):
    """A rules text holding \r (pasted from Windows) passes the check; what `kq rules show`
    writes from it must load again (it was written unescaped, and TOML refuses a bare CR)."""
    import tomllib

    own = tmp_path / "公司规则.toml"
    own.write_text('[texts.legend.intro]\nzh = "第一行\\r\\n第二行\\u0007"\n', encoding="utf-8")
    assert runner.invoke(cli, ["rules", "check", str(own)]).exit_code == 0
    shown = runner.invoke(cli, ["rules", "show", "--rules", str(own)])
    assert shown.exit_code == 0
    assert tomllib.loads(shown.stdout)["texts"]["legend"]["intro"]["zh"] == "第一行\r\n第二行\x07"
    again = tmp_path / "again.toml"
    again.write_text(shown.stdout, encoding="utf-8")
    assert runner.invoke(cli, ["rules", "check", str(again)]).exit_code == 0


def test_synonyms_in_an_overlay_are_added(runner, tmp_path, sample):
    from kqexcel.rules import load_rules

    path = tmp_path / "syn.toml"
    path.write_text('[codes.intent.interested]\nsynonyms = ["很感兴趣"]\n', encoding="utf-8")
    rules = load_rules(path)
    assert rules.tree["codes"]["intent"]["interested"]["synonyms"] == ["有意向", "很感兴趣"]
    assert rules.code_lookup["intent"]["很感兴趣"] == "interested"


def test_output_folder_missing_is_one_line(runner, sample, tmp_path):
    result = runner.invoke(cli, ["plan", str(sample), "-o", str(tmp_path / "no" / "where.xlsx")])
    assert result.exit_code == 1
    assert "无法写入" in result.stderr and "不存在" in result.stderr


def test_version(runner):
    from kqexcel import __version__

    result = runner.invoke(cli, ["--version"])
    assert result.exit_code == 0 and __version__ in result.stdout


def test_module_entry_point_runs():
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-m", "kqexcel", "--help"], capture_output=True, text=True
    )
    assert result.returncode == 0 and "kq plan" in result.stdout
    assert shutil.which("kq") is None or Path(shutil.which("kq")).exists()


def test_a_closed_pipe_ends_quietly(tmp_path):
    import subprocess
    import sys

    from openpyxl import Workbook

    from kqexcel.io.sample import HEADERS, ROWS

    wb = Workbook()
    wb.active.append(HEADERS)
    for k in range(50):  # 2,000 customers: far more JSON than a pipe buffers
        for row in ROWS:
            wb.active.append([f"{row[0]}-{k}", *row[1:]])
    big = tmp_path / "big.xlsx"
    wb.save(big)
    result = subprocess.run(
        f'"{sys.executable}" -m kqexcel plan "{big}" --format json --as-of {AS_OF}'
        " | head -c 10 > /dev/null",
        shell=True,
        capture_output=True,
        text=True,
    )
    assert "unexpected failure" not in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("args", "existing"),
    [
        (["template", "build"], "plan.xlsx"),
        (["template", "init"], "rules.toml"),
        (["addin", "vba"], "kqexcel_macros.bas"),
        (["addin", "lite"], "main.py"),
    ],
)
def test_file_writers_keep_existing_files_without_force(runner, tmp_path, args, existing):
    (tmp_path / existing).write_text("mine", encoding="utf-8")
    result = runner.invoke(cli, [*args, str(tmp_path)])
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: ") and "已存在（用 --force 覆盖）" in result.stderr
    assert (tmp_path / existing).read_text(encoding="utf-8") == "mine"
    assert sorted(p.name for p in tmp_path.iterdir()) == [existing]  # nothing else written either
    result = runner.invoke(cli, [*args, str(tmp_path), "--force"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / existing).read_text(encoding="utf-8", errors="replace") != "mine"
    assert str(tmp_path / existing) in result.stdout


def test_a_large_plan_shows_a_progress_bar_on_a_terminal(tmp_path):
    import os
    import pty
    import subprocess
    import sys

    ledger = tmp_path / "big.csv"
    ledger.write_text(
        "客户名称,年销售额\n" + "".join(f"客户{i},{i + 1}\n" for i in range(6000)), encoding="utf-8"
    )
    primary, secondary = pty.openpty()
    result = subprocess.run(
        [sys.executable, "-m", "kqexcel", "plan", str(ledger), "--as-of", "2026-11-22"],
        stdout=subprocess.DEVNULL,
        stderr=secondary,
        timeout=120,
    )
    os.close(secondary)
    shown = b""
    while True:
        try:
            chunk = os.read(primary, 65536)
        except OSError:
            break
        if not chunk:
            break
        shown += chunk
    os.close(primary)
    assert result.returncode == 0
    text = shown.decode("utf-8", "replace")
    assert "写入跟进计划" in text and "100%" in text
    assert "已写入" in text


def test_the_sample_ledger_shows_every_code(runner, sample):
    from kqexcel.rules import load_rules

    result = runner.invoke(cli, ["plan", str(sample), "--as-of", AS_OF, "--format", "json"])
    assert result.exit_code == 0
    records = [json.loads(line) for line in result.stdout.splitlines()]
    codes = load_rules()["codes"]
    for domain, key in [
        ("tier", "tier"),
        ("profit_quadrant", "profit_quadrant"),
        ("motivation", "motivation"),
        ("style", "style"),
        ("lifecycle", "lifecycle"),
        ("renewal_risk", "renewal_risk"),
        ("intent", "intent"),
        ("stage", "stage"),
        ("priority", "priority"),
        ("channel", "channel"),
        ("objective", "objective"),
        ("warning", "warnings"),
        ("level", "levels_covered"),
    ]:
        seen = {c for r in records for c in (r[key] if isinstance(r[key], list) else [r[key]])}
        # [§13] the handover and owner_changed need last month's report: tests/test_month.py
        seen |= {"handover", "owner_changed"}
        assert set(codes[domain]) <= seen, (domain, set(codes[domain]) - seen)


class _Worded(Exception):
    """An error that can say itself in either language (as KqError will)."""

    def text(self, lang: str, texts: object = None) -> str:
        return {"zh": "中文的错误", "en": "the error in English"}[lang]


@pytest.mark.parametrize(("lang", "line"), [("zh", "中文的错误"), ("en", "the error in English")])
def test_an_error_follows_lang_when_it_can_say_itself(runner, sample, monkeypatch, lang, line):
    from kqexcel import batch, errors

    class Worded(_Worded, errors.KqError):
        pass

    def fail(*args, **kwargs):
        raise Worded("not shown")

    monkeypatch.setattr(batch, "plan_ledgers", fail)
    result = runner.invoke(cli, ["plan", str(sample), "--lang", lang])
    assert result.exit_code == 1
    assert result.stderr == f"Error: {line}\n"


def test_messages_come_from_the_rules_file(runner, sample, tmp_path):
    rules = tmp_path / "co.toml"
    rules.write_text('[messages.written]\nen = "Plan for {n}: {out}"\n', encoding="utf-8")
    args = ["plan", str(sample), "--as-of", AS_OF, "--lang", "en", "--rules", str(rules)]
    result = runner.invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert f"Plan for 40: {sample.with_name('sample_ledger_plan.xlsx')}" in result.stderr


def test_a_message_with_a_placeholder_kq_does_not_fill_is_a_rules_error(runner, sample, tmp_path):
    rules = tmp_path / "co.toml"
    rules.write_text('[messages.written]\nen = "Wrote {nothing}"\n', encoding="utf-8")
    args = ["plan", str(sample), "--as-of", AS_OF, "--lang", "en", "--rules", str(rules)]
    result = runner.invoke(cli, args)
    assert result.exit_code == 1
    assert result.stderr.startswith("Read sample_ledger.xlsx / 客户台账: header in row 2; ")
    error = result.stderr.splitlines()[-1]
    assert error.startswith("Error: 'messages.written.en' has a placeholder kq does not")


@pytest.mark.parametrize(
    "spelling", ["2026-11-30", "2026/11/30", "2026.11.30", "2026年11月30日", "20261130"]
)
def test_as_of_takes_every_spelling_a_ledger_may_use(runner, sample, spelling):
    result = runner.invoke(cli, ["plan", str(sample), "--as-of", spelling, "--format", "json"])
    assert result.exit_code == 0, result.output
    assert '"as_of": "2026-11-30"' in result.stdout.splitlines()[0] or result.stdout


@pytest.mark.parametrize("spelling", ["11/30", "11月30日", "46356", "soon"])
def test_as_of_needs_its_year(runner, sample, spelling):
    result = runner.invoke(cli, ["plan", str(sample), "--as-of", spelling])
    assert result.exit_code == 2
    assert f"“{spelling}”不是带年份的日期" in result.stderr


def test_a_ledger_date_typed_as_month_dot_day_is_read_in_the_nearest_year(runner, tmp_path):
    """DOMAIN §1: 9.17 as Excel stores what a rep types is 17 September, not a 1900 date; 10.1
    (the 1st or the 10th?) and 46340 (a number) are problems; 11月24日 is a date."""
    from kqexcel.io.ledger import read_ledger
    from tests.edge_files import write_rows

    ledger = write_rows(
        tmp_path / "l.xlsx",
        [
            ["客户名称", "年销售额", "最近联系日期", "到期日"],
            ["甲", 100, 9.17, "3.26到期"],
            ["乙", 200, "11月24日", None],
            ["丙", 300, 10.1, None],
            ["丁", 400, 46340, None],
        ],
    )
    read = read_ledger(ledger, as_of=dt.date(2026, 11, 30))
    dates = dict(zip(read.table["name"], read.table["last_contact"], strict=True))
    assert dates["甲"] == pd.Timestamp("2026-09-17") and dates["乙"] == pd.Timestamp("2026-11-24")
    assert pd.isna(dates["丙"]) and pd.isna(dates["丁"])
    assert read.table["contract_end"].iat[0] == pd.Timestamp("2027-03-26")
    assert [(p.row, p.reason) for p in read.problems] == [
        (1, "columns_read"),
        (4, "date_cut_decimals"),
        (5, "number_not_date"),
    ]
    result = runner.invoke(cli, ["plan", str(ledger), "--as-of", "2026/11/30", "--format", "json"])
    assert result.exit_code == 1  # two data problems, each named with its row
    assert "Excel 可能去掉了末尾的 0" in result.stderr and "是一个数字，不是日期" in result.stderr
    assert "46340" in result.stderr and "已逾期 46" not in result.stdout
