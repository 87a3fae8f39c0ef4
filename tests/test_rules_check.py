"""`kq rules check` finds what would silently change results (issue 3/8): every error of a file in
one run, each with a "did you mean" for a misspelt key; one spelling under two codes or fields;
a relabelled code or field keeps reading its old label. In the user's language."""

from __future__ import annotations

from pathlib import Path

import pytest

from kqexcel.cli import cli
from kqexcel.errors import RulesError
from kqexcel.rules import check_rules, load_rules

MANY = """[reader]
header_scan_row = 5
[teir]
a_share = 0.8
[tier]
a_share = 2.0
[codes.intent.interested]
synonyms = ["犹豫"]
[priority]
p1 = "x"
"""


def _file(tmp_path: Path, text: str, name: str = "公司规则.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("lang", "lines"),
    [
        (
            "zh",
            [
                "规则文件中有未知的规则项“reader.header_scan_row”，是不是“reader.header_scan_rows”？",
                "规则文件中有未知的规则项“teir”，是不是“tier”？",
                "“priority.p1”必须是数字，不能是 'x'",
                "“tier.a_share”必须在 0 到 1 之间（大于 0），不能是 2.0",
                "“犹豫”同时写在 codes.intent.hesitating.zh 和 "
                "codes.intent.interested.synonyms：同一个写法只能表示一项，否则表格里的“犹豫”会被悄悄读成其中一项；请删掉其中一处",
            ],
        ),
        (
            "en",
            [
                "unknown key 'reader.header_scan_row' in the rules file: "
                "did you mean 'reader.header_scan_rows'?",
                "unknown key 'teir' in the rules file: did you mean 'tier'?",
                "'priority.p1' must be a number, not 'x'",
                "'tier.a_share' must be between 0 and 1 (more than 0), not 2.0",
                "'犹豫' is under both codes.intent.hesitating.zh and "
                "codes.intent.interested.synonyms: one spelling can mean only one thing "
                "(a cell reading '犹豫' would silently be read as one of them); remove one",
            ],
        ),
    ],
)
def test_every_error_of_a_rules_file_is_said_in_one_run(runner, tmp_path, lang, lines):
    path = _file(tmp_path, MANY)
    result = runner.invoke(cli, ["rules", "check", str(path), "--lang", lang])
    assert result.exit_code == 1
    sep = "：" if lang == "zh" else ": "
    assert result.stderr.splitlines() == [f"Error: {path}{sep}{line}" for line in lines]


def test_a_command_given_such_a_file_says_the_first_error_and_how_many_more(
    runner, tmp_path, monkeypatch
):
    path = _file(tmp_path, MANY)
    args = ["plan", "x.xlsx", "--rules", str(path)]
    monkeypatch.chdir(tmp_path)  # Click 8.5 deprecates isolated_filesystem
    Path("x.xlsx").write_bytes(b"")
    result = runner.invoke(cli, args)
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: {path}：规则文件中有未知的规则项“reader.header_scan_row”，"
        f"是不是“reader.header_scan_rows”？（另有 4 处问题，运行 kq rules check {path} "
        "可以一次看到全部）\n"
    )


def test_a_key_like_no_known_one_gets_no_suggestion(tmp_path):
    found = check_rules(_file(tmp_path, "[tier]\nzzzzzzzz = 1\n"))
    assert [e.values["why"].key for e in found.errors] == ["rules_unknown_key"]


@pytest.mark.parametrize(
    ("text", "spelling", "keys"),
    [
        (
            '[codes.intent.interested]\nsynonyms = ["犹豫"]\n',
            "犹豫",
            ("codes.intent.hesitating.zh", "codes.intent.interested.synonyms"),
        ),
        (  # a code's label given to another code
            '[codes.intent.declined]\nzh = "暂不购买"\n',
            "暂不购买",
            ("codes.intent.declined.zh", "codes.intent.not_now.zh"),
        ),
        (  # a header spelling of two fields
            '[fields.owner]\nsynonyms = ["年销售额"]\n',
            "年销售额",
            ("fields.revenue.zh", "fields.owner.synonyms"),
        ),
        (  # spelled otherwise, the same after normalising (width, case, spaces)
            '[fields.owner]\nsynonyms = ["Annual Revenue"]\n',
            "Annual Revenue",
            ("fields.revenue.synonyms", "fields.owner.synonyms"),
        ),
    ],
)
def test_one_spelling_under_two_codes_or_fields_is_an_error(tmp_path, text, spelling, keys):
    found = check_rules(_file(tmp_path, text))
    assert found.rules is None
    [error] = found.errors
    why = error.values["why"]
    assert why.key == "rules_spelling_twice" and why.values["spelling"] == spelling
    assert {why.values["key"], why.values["first"]} == set(keys)
    with pytest.raises(RulesError):
        load_rules(error.values["path"])


def test_a_relabelled_code_still_reads_its_old_label(runner, tmp_path):
    path = _file(tmp_path, '[codes.intent.interested]\nzh = "意向强"\n')
    rules = load_rules(path)
    lookup = rules.code_lookup["intent"]
    assert lookup["意向强"] == "interested" and lookup["有兴趣"] == "interested"
    result = runner.invoke(cli, ["rules", "check", str(path)])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "codes.intent.interested.zh 改了名称：原来的“有兴趣”仍会读作这一项（已作为同义词保留）",
        f"规则文件可用：{path}（版本 {rules.version}）",
    ]
    english = runner.invoke(cli, ["rules", "check", str(path), "--lang", "en"])
    assert english.stdout.startswith(
        "codes.intent.interested.zh is relabelled: the old label '有兴趣' is still read as it"
    )


def test_a_relabelled_field_still_reads_its_old_header(tmp_path):
    from kqexcel.core.ledger import header_field

    rules = load_rules(_file(tmp_path, '[fields.revenue]\nzh = "年营收"\nen = "Sales"\n'))
    assert header_field("年营收", rules)[0] == "revenue"
    assert header_field("年销售额", rules)[0] == "revenue"  # the shipped label
    assert header_field("Revenue", rules)[0] == "revenue"
    # "Revenue" is the field's key too: still read without keeping it
    assert check_rules(tmp_path / "公司规则.toml").kept == [("fields.revenue.zh", "年销售额")]


def test_an_old_label_given_to_another_code_reads_as_that_code(tmp_path):
    text = (
        '[codes.intent.interested]\nzh = "意向强"\n'
        '[codes.intent.hesitating]\nsynonyms = ["有兴趣"]\n'
    )
    found = check_rules(_file(tmp_path, text))
    assert found.errors == [] and found.kept == []  # the company moved it on purpose
    assert found.rules is not None
    assert found.rules.code_lookup["intent"]["有兴趣"] == "hesitating"


def test_the_shipped_rules_spell_nothing_twice():
    from kqexcel.rules import _check_spellings, _default_tree

    errors: list[RulesError] = []
    _check_spellings(_default_tree(), errors)
    assert errors == []
