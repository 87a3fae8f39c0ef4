"""Errors carry the key of their text and its values, and reach a person in their language."""

import pickle
import string
import tomllib
from pathlib import Path

import pytest

from kqexcel.cli import cli
from kqexcel.errors import KqError, LedgerError, OutputError, RulesError, default_texts
from kqexcel.rules import load_rules

TEXTS = {
    "no_sheet": {
        "zh": "{path}：没有名为“{sheet}”的工作表",
        "en": "{path}: no sheet named '{sheet}'",
    },
    "wrapped": {"zh": "无法读取：{why}", "en": "cannot read: {why}"},
}


@pytest.mark.parametrize(
    ("lang", "expected"),
    [("zh", "a.xlsx：没有名为“2026”的工作表"), ("en", "a.xlsx: no sheet named '2026'")],
)
def test_a_keyed_error_speaks_the_language_asked_for(lang: str, expected: str) -> None:
    assert LedgerError("no_sheet", path="a.xlsx", sheet="2026").text(lang, TEXTS) == expected


def test_words_that_are_not_a_key_are_shown_as_they_are() -> None:
    error = OutputError("disk full {not a placeholder}")
    assert error.text("en") == str(error) == "disk full {not a placeholder}"


def test_an_error_inside_an_error_is_shown_in_the_same_language() -> None:
    inner = LedgerError("no_sheet", path="a.xlsx", sheet="S")
    assert (
        KqError("wrapped", why=inner).text("en", TEXTS) == "cannot read: a.xlsx: no sheet named 'S'"
    )


def test_a_reworded_text_naming_an_unknown_value_falls_back_to_the_default() -> None:
    texts = {"no_sheet": {"zh": "{path}：没有名为“{sheet}”的工作表", "en": "{file} has no {sheet}"}}
    error = LedgerError("no_sheet", path="a.xlsx", sheet="S")
    assert error.text("en", texts) == "a.xlsx：没有名为“S”的工作表"


def test_an_error_crosses_processes_whole() -> None:
    error = pickle.loads(pickle.dumps(LedgerError("no_sheet", path="a.xlsx", sheet="S")))
    assert type(error) is LedgerError and error.text("en", TEXTS) == "a.xlsx: no sheet named 'S'"


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_shipped_error_text_has_both_languages_and_the_same_placeholders() -> None:
    for key, entry in default_texts().items():
        assert set(entry) == {"zh", "en"}, key
        assert _placeholders(entry["zh"]) == _placeholders(entry["en"]), key


# ----------------------------------------------------------------------------- through the doors


def _bad_rules(tmp_path: Path) -> Path:
    path = tmp_path / "bad.toml"
    path.write_text("[tier]\na_shar = 0.5\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ([], "规则文件中有未知的规则项“tier.a_shar”，是不是“tier.a_share”？"),
        (
            ["--lang", "en"],
            "unknown key 'tier.a_shar' in the rules file: did you mean 'tier.a_share'?",
        ),
    ],
)
def test_plan_with_a_bad_rules_file_speaks_its_language(runner, sample, tmp_path, lang, expected):
    path = _bad_rules(tmp_path)
    result = runner.invoke(cli, ["plan", str(sample), "--rules", str(path), *lang])
    assert result.exit_code == 1
    separator = ": " if lang else "："
    assert result.stderr == f"Error: {path}{separator}{expected}\n"


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ([], "“tier.a_share”必须在 0 到 1 之间（大于 0），不能是 1.5"),
        (["--lang", "en"], "'tier.a_share' must be between 0 and 1 (more than 0), not 1.5"),
    ],
)
def test_rules_check_speaks_its_language(runner, tmp_path, lang, expected):
    path = tmp_path / "bad.toml"
    path.write_text("[tier]\na_share = 1.5\n", encoding="utf-8")
    result = runner.invoke(cli, ["rules", "check", str(path), *lang])
    assert result.exit_code == 1
    assert result.stderr.endswith(f"{expected}\n") and str(path) in result.stderr


def test_a_usage_error_of_an_option_speaks_its_language(runner, sample):
    zh = runner.invoke(cli, ["plan", str(sample), "--as-of", "2026-13-01"])
    en = runner.invoke(cli, ["plan", str(sample), "--as-of", "2026-13-01", "--lang", "en"])
    assert zh.exit_code == en.exit_code == 2
    assert "“2026-13-01”不是带年份的日期" in zh.stderr
    assert "'2026-13-01' is not a date with its year" in en.stderr


def _summary_and_ledger(path: Path) -> Path:
    """A workbook whose first sheet (汇总) has a header but no name column."""
    import openpyxl

    wb = openpyxl.Workbook()
    summary = wb.active
    summary.title = "汇总"
    summary.append(["区域", "年销售额", "客户经理"])
    summary.append(["华东", 1000, "张伟"])
    wb.create_sheet("台账").append(["客户名称", "年销售额"])
    wb.save(path)
    return path


def test_a_company_rewords_an_error(runner, tmp_path):
    rules = tmp_path / "company.toml"
    rules.write_text(
        '[errors.sheet_no_name_column]\nzh = "{sheet} 里找不到客户名称（{path}）"\n'
        'en = "{path}: no names on {sheet}"\n',
        encoding="utf-8",
    )
    loaded = load_rules(rules)
    error = LedgerError("sheet_no_name_column", path="a.xlsx", sheet="汇总")
    assert error.text("zh", loaded["errors"]) == "汇总 里找不到客户名称（a.xlsx）"
    assert error.text("en", loaded["errors"]) == "a.xlsx: no names on 汇总"
    assert (
        error.text("en") == "a.xlsx: sheet '汇总' has no customer name column (客户名称 / Customer)"
    )
    ledger = _summary_and_ledger(tmp_path / "two.xlsx")
    args = ["plan", str(ledger), "--sheet", "汇总", "--rules", str(rules)]
    for lang, expected in [
        ("zh", f"汇总 里找不到客户名称（{ledger}）"),
        ("en", f"{ledger}: no names on 汇总"),
    ]:
        result = runner.invoke(cli, [*args, "--lang", lang])
        assert result.exit_code == 1 and result.stderr == f"Error: {expected}\n"
    result = runner.invoke(cli, args[:4])  # without the company's rules: the shipped words
    assert result.stderr == f"Error: {ledger}：工作表“汇总”没有客户名称列（客户名称 / Customer）\n"


def test_a_reworded_error_keeps_the_placeholders_of_the_default(tmp_path):
    rules = tmp_path / "company.toml"
    rules.write_text('[errors.output_exists]\nen = "{file} is there already"\n', encoding="utf-8")
    with pytest.raises(RulesError) as error:
        load_rules(rules)
    assert error.value.text("en") == (
        f"{rules}: 'errors.output_exists.en' uses an unknown placeholder {{file}}"
        " (allowed: {path})"
    )
    rules.write_text('[errors.csv_row_too_long]\nen = "{path}: row {row:,} > {limit:,}"\n')
    assert load_rules(rules)["errors"]["csv_row_too_long"]["en"].endswith("{limit:,}")


def test_an_unknown_error_key_in_a_company_file_is_refused(tmp_path):
    rules = tmp_path / "company.toml"
    rules.write_text('[errors.no_such_error]\nen = "x"\n', encoding="utf-8")
    with pytest.raises(RulesError) as error:
        load_rules(rules)
    assert "unknown key 'errors.no_such_error'" in error.value.text("en")


def test_rules_show_prints_the_errors(runner):
    result = runner.invoke(cli, ["rules", "show"])
    assert result.exit_code == 0
    shown = tomllib.loads(result.stdout)["errors"]
    assert shown == dict(default_texts())


def test_the_error_texts_are_those_of_the_rules_tree():
    assert load_rules()["errors"] == dict(default_texts())
