"""Every error of the reader, the writers and the templates reaches a person in their language:
Chinese by default, English with --lang en, in the words of the rules' ``[errors.*]`` texts."""

from __future__ import annotations

import ast
from pathlib import Path

import openpyxl
import pytest

from kqexcel.cli import cli
from kqexcel.errors import default_texts
from kqexcel.io.report_io import read_all
from kqexcel.rules import default_rules

PACKAGE = Path(__file__).parent.parent / "kqexcel"
ERROR_CLASSES = {
    "KqError",
    "LedgerError",
    "OutputError",
    "RulesError",
    "TemplateError",
    "UsageError",
    "NoHeaderRow",
    "NoNameColumn",
    "TooManyRows",
    "RulesFileError",
}


def _text(key: str, lang: str, **values: object) -> str:
    return default_texts()[key][lang].format(**values)


def _run(runner, args, lang):
    extra = ["--lang", "en"] if lang == "en" else []
    return runner.invoke(cli, [*args, *extra])


# --------------------------------------------------------------------------- through the CLI


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_an_output_that_exists_is_refused_in_the_users_language(runner, sample, tmp_path, lang):
    out = tmp_path / "plan.xlsx"
    out.write_bytes(b"keep me")
    result = _run(runner, ["plan", str(sample), "-o", str(out)], lang)
    assert result.exit_code == 1
    assert result.stderr.strip() == "Error: " + _text("output_exists", lang, path=out)
    assert out.read_bytes() == b"keep me"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_sheet_that_is_not_there_is_named_with_the_sheets_there_are(
    runner, sample, tmp_path, lang
):
    sheets = ", ".join(openpyxl.load_workbook(sample, read_only=True).sheetnames)
    result = _run(
        runner, ["plan", str(sample), "--sheet", "2027", "-o", str(tmp_path / "p.xlsx")], lang
    )
    assert result.exit_code == 1
    expected = _text("no_sheet", lang, path=sample, sheet="2027", sheets=sheets)
    assert result.stderr.strip() == "Error: " + expected


@pytest.mark.parametrize(
    ("name", "data", "key", "values"),
    [
        ("empty.xlsx", b"", "file_empty", {}),
        ("text.xlsx", b"this is not a workbook", "file_not_zip", {"suffix": ".xlsx"}),
        ("binary.csv", b"a,b\x00\x01", "csv_binary", {}),
        ("notes.txt", b"hello", "unsupported_type", {"suffix": ".txt"}),
    ],
)
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_file_kq_cannot_read_is_one_line_in_the_users_language(
    runner, tmp_path, name, data, key, values, lang
):
    path = tmp_path / name
    path.write_bytes(data)
    result = _run(runner, ["plan", str(path), "-o", str(tmp_path / "p.xlsx")], lang)
    assert result.exit_code == 1
    assert result.stderr.strip() == "Error: " + _text(key, lang, path=path, **values)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_template_without_its_defined_name_is_named_in_the_users_language(
    runner, sample, tmp_path, lang
):
    folder = tmp_path / "company"
    assert runner.invoke(cli, ["template", "init", str(folder)]).exit_code == 0
    template = folder / "plan.xlsx"
    wb = openpyxl.load_workbook(template)
    del wb.defined_names["kq_plan"]
    wb.save(template)
    result = _run(
        runner,
        ["plan", str(sample), "--template", str(template), "-o", str(tmp_path / "x.xlsx")],
        lang,
    )
    assert result.exit_code == 1
    expected = _text("template_no_name", lang, path=template, name="kq_plan")
    assert result.stderr.strip() == "Error: " + expected


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_template_check_lists_its_problems_in_the_users_language(runner, tmp_path, lang):
    folder = tmp_path / "company"
    assert runner.invoke(cli, ["template", "init", str(folder)]).exit_code == 0
    template = folder / "plan.xlsx"
    wb = openpyxl.load_workbook(template)
    del wb.defined_names["kq_legend"]
    wb.save(template)
    result = _run(runner, ["template", "check", str(template)], lang)
    assert result.exit_code == 1
    problem = _text("check_name_missing", lang, name="kq_legend")
    assert problem in result.output
    assert _text("check_name_missing", "en" if lang == "zh" else "zh", name="x")[:8] not in (
        result.output
    )


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_template_check_of_a_damaged_file_drops_the_file_name_once(runner, tmp_path, lang):
    path = tmp_path / "plan.xlsx"
    path.write_bytes(b"")
    result = _run(runner, ["template", "check", str(path)], lang)
    assert result.exit_code == 1
    rest = _text("file_empty", lang, path="")
    assert rest.lstrip(":： ") in result.output
    assert result.output.count(str(path)) == 1


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_report_names_a_ledger_it_could_not_read_in_the_reports_language(tmp_path, lang):
    bad = tmp_path / "坏文件.xlsx"
    bad.write_bytes(b"this is not a workbook")
    [(name, error)] = read_all([bad], default_rules(), lang=lang)
    assert name == str(bad)
    assert error == _text("file_not_zip", lang, path=bad, suffix=".xlsx")


# --------------------------------------------------------------------------- the keys


def _raised_keys() -> dict[str, list[str]]:
    """The literal first argument of every error raised in the package: key → where."""
    found: dict[str, list[str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in ERROR_CLASSES
                and node.args
                and not isinstance(node.args[0], ast.Name)  # a key chosen from a table
            ):
                first = node.args[0]
                key = first.value if isinstance(first, ast.Constant) else "<words>"
                where = f"{path.relative_to(PACKAGE)}:{node.lineno}"
                found.setdefault(str(key), []).append(where)
    return found


def test_every_error_raised_with_words_of_its_own_has_a_text_instead():
    unknown = {key: where for key, where in _raised_keys().items() if key not in default_texts()}
    assert unknown == {}, "errors raised with words instead of a key of [errors.*]"


def test_every_error_text_is_used_by_the_code():
    strings = {
        node.value
        for path in PACKAGE.rglob("*.py")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    }
    unused = sorted(set(default_texts()) - strings)
    assert unused == [], "[errors.*] texts nothing raises"


def test_the_key_check_finds_words_in_place_of_a_key(tmp_path, monkeypatch):
    module = tmp_path / "m.py"
    module.write_text(
        'raise LedgerError(f"{path}: file not found")\n'
        'raise OutputError("x y")\n'
        "raise LedgerError(why(path))\n"
        'raise LedgerError("file_empty", path=path)\n'
    )
    monkeypatch.setattr(f"{__name__}.PACKAGE", tmp_path)
    assert set(_raised_keys()) == {"<words>", "x y", "file_empty"}
