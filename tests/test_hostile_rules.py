"""Hostile and careless rules files: every number in its range, and any file that cannot be used
is one line `Error: <file>: …` with exit 1 — never a traceback, a hang or a plan that fails
later."""

from __future__ import annotations

import functools
import json
import math
import os
import re
import time
import tomllib
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kqexcel.cli import cli
from kqexcel.errors import RulesError
from kqexcel.rules import (
    RANGES,
    _default_tree,
    _leaves,
    bounds,
    default_files,
    dump_toml,
    load_rules,
)
from kqexcel.rules.numbers import SECTIONS
from kqexcel.rules.skeleton import skeleton
from tests.conftest import AS_OF


@functools.cache
def numeric_leaves() -> dict[str, int | float]:
    """Every number of default.toml, by its dotted key."""
    return {
        key: value
        for key, value in _leaves(_default_tree(), "")
        if isinstance(value, (int, float)) and not isinstance(value, bool)
    }


def toml_number(key: str, value: float) -> str:
    """``value`` written as TOML of the type the default of ``key`` has."""
    if math.isnan(value):
        return "nan"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return str(int(value)) if isinstance(numeric_leaves()[key], int) else repr(float(value))


def overlay(values: dict[str, float]) -> str:
    """A rules file setting each dotted key (TOML dotted keys, no table headers)."""
    return "".join(f"{key} = {toml_number(key, value)}\n" for key, value in values.items())


def check(runner, path: Path):
    """`kq rules check` on ``path``: exit code and the lines on stderr."""
    result = runner.invoke(cli, ["rules", "check", str(path), "--lang", "en"])
    return result.exit_code, result.stderr.splitlines()


def assert_one_line(runner, path: Path, fragment: str) -> str:
    code, lines = check(runner, path)
    assert code == 1, lines
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"Error: {path}: "), lines
    assert fragment in lines[0], lines
    return lines[0]


# ----------------------------------------------------------------------------- the range table


def matches(pattern: str, key: str) -> bool:
    wanted, parts = pattern.split("."), key.split(".")
    return len(wanted) == len(parts) and all(
        w in ("*", k) for w, k in zip(wanted, parts, strict=True)
    )


def test_every_number_of_the_defaults_has_exactly_one_range():
    for key in numeric_leaves():
        matching = [pattern for pattern in RANGES if matches(pattern, key)]
        assert len(matching) == 1, (
            f"'{key}' needs exactly one entry in kqexcel.rules.RANGES, has {matching}"
        )


def test_every_range_is_used_and_holds_its_default():
    leaves = numeric_leaves()
    for pattern in RANGES:
        assert any(matches(pattern, key) for key in leaves), f"RANGES['{pattern}'] matches no key"
    for key, value in leaves.items():
        allowed = bounds(key)
        assert allowed is not None and allowed.low <= value <= allowed.high, (key, value, allowed)
        assert allowed.low < allowed.high and math.isfinite(allowed.high)


def test_the_defaults_load():
    assert load_rules().tree == _default_tree()


def below(key: str) -> float:
    allowed = bounds(key)
    assert allowed is not None
    if not allowed.low_allowed:
        return allowed.low
    return allowed.low - 1 if isinstance(numeric_leaves()[key], int) else allowed.low - 0.5


def above(key: str) -> float:
    allowed = bounds(key)
    assert allowed is not None
    return allowed.high + 1


def lowest(key: str) -> float:
    allowed = bounds(key)
    assert allowed is not None
    if allowed.low_allowed:
        return allowed.low
    return allowed.low + 1 if isinstance(numeric_leaves()[key], int) else allowed.low + 0.01


def edge_file(tmp_path: Path, edge, name: str) -> Path:
    path = tmp_path / name
    text = overlay({key: edge(key) for key in numeric_leaves()})
    if edge("rfm.bins") < 5:  # the default segments need scores up to 5: a table that fits
        text += 'rfm.segments = [{ code = "champions", r = [1, 2], f = [1, 2], m = [1, 2] }]\n'
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("key", list(numeric_leaves()))
@pytest.mark.parametrize("side", [below, above], ids=["below", "above"])
def test_every_number_out_of_its_range_is_refused(tmp_path, key, side):
    value = side(key)
    path = tmp_path / "company.toml"
    path.write_text(overlay({key: value}), encoding="utf-8")
    with pytest.raises(RulesError) as error:
        load_rules(path)
    message = error.value.text("en")
    assert message.startswith(f"{path}: '{key}' must ") and message.endswith(
        f", not {toml_number(key, value)}"
    )
    allowed = bounds(key)
    assert allowed is not None and f"between {allowed.low:g} and {int(allowed.high)}" in message


@pytest.mark.parametrize("edge", [lowest, lambda key: highest(key)], ids=["lowest", "highest"])
def test_a_file_of_edge_values_loads(tmp_path, edge):
    path = edge_file(tmp_path, edge, "edges.toml")
    rules = load_rules(path)
    for key, value in numeric_leaves().items():
        node = rules.tree
        for part in key.split("."):
            node = node[part]
        assert node == edge(key) and type(node) is type(value), key


# ----------------------------------------------------------------------------- `kq rules check`


@pytest.mark.parametrize(
    ("text", "message"),
    [
        # the case: the plan failed later with OutOfBoundsTimedelta
        (
            "[cadence]\ntier_days = { A = 1e8 }\n",
            "'cadence.tier_days.A' must be between 1 and 3650, not 100000000",
        ),
        (
            "[cadence]\ntier_days = { B = 0 }\n",
            "'cadence.tier_days.B' must be between 1 and 3650, not 0",
        ),
        (
            "[cadence]\nintent_days = { quoted = -5 }\n",
            "'cadence.intent_days.quoted' must not be negative (between 0 and 3650), not -5",
        ),
        (
            "[cadence]\nlapsed_days = 3651\n",
            "'cadence.lapsed_days' must be between 0 and 3650, not 3651",
        ),
        (
            "[cadence]\nhigh_risk_days = nan\n",
            "'cadence.high_risk_days' must be between 0 and 3650, not nan",
        ),
        (
            "[cadence]\nhigh_risk_days = inf\n",
            "'cadence.high_risk_days' must be between 0 and 3650, not inf",
        ),
        (
            "[cadence]\nhigh_risk_days = -inf\n",
            "'cadence.high_risk_days' must not be negative (between 0 and 3650), not -inf",
        ),
        (
            "[cadence]\nhigh_risk_days = 1e300\n",
            "'cadence.high_risk_days' must be between 0 and 3650, not 1e+300",
        ),
        ("[tier]\na_share = 0\n", "'tier.a_share' must be between 0 and 1 (more than 0), not 0.0"),
        (
            "[tier]\nb_share = nan\n",
            "'tier.b_share' must be between 0 and 1 (more than 0), not nan",
        ),
        (
            "[profit]\ntop_share = inf\n",
            "'profit.top_share' must be between 0 and 1 (more than 0), not inf",
        ),
        (
            "[renewal]\nfloor_factor = 1e400\n",
            "'renewal.floor_factor' must be between 0 and 10, not inf",
        ),  # 1e400 is inf
        (
            "[renewal]\nsatisfaction_factor = nan\n",
            "'renewal.satisfaction_factor' must be between 0 and 10, not nan",
        ),
        ("[priority]\np1 = 1001\n", "'priority.p1' must be between 0 and 1000, not 1001"),
        (
            "[priority]\ntier = { A = 100000 }\n",
            "'priority.tier.A' must be between 0 and 1000, not 100000",
        ),
        (
            "[priority]\noverdue_days_per_point = 0\n",
            "'priority.overdue_days_per_point' must be between 1 and 3650, not 0",
        ),
        (
            "[motivation.points]\nexpectation = 5000\n",
            "'motivation.points.expectation' must be between 0 and 1000, not 5000",
        ),
        (
            "[style.decides_after]\nowl = 1000\n",
            "'style.decides_after.owl' must be between 0 and 100, not 1000",
        ),
        (
            "[reader]\nheader_scan_rows = 0\n",
            "'reader.header_scan_rows' must be between 1 and 1000, not 0",
        ),
        (
            "[reader]\nheader_scan_rows = 1001\n",
            "'reader.header_scan_rows' must be between 1 and 1000, not 1001",
        ),
        (
            "[output]\nnotes_max_rows = 1048576\n",
            "'output.notes_max_rows' must be between 0 and 1048575, not 1048576",
        ),
        ("[safety]\nmax_rows = 0\n", "'safety.max_rows' must be between 1 and 1048575, not 0"),
        (
            "[safety]\nmax_rows = 99999999\n",
            "'safety.max_rows' must be between 1 and 1048575, not 99999999",
        ),
        (
            "[safety]\nmax_columns = 16385\n",
            "'safety.max_columns' must be between 1 and 16384, not 16385",
        ),
        (
            "[safety]\nmax_sheet_cells = 17179869185\n",
            "'safety.max_sheet_cells' must be between 1000 and 17179869184, not 17179869185",
        ),
        (
            "[safety]\nmax_unpacked_mb = 0\n",
            "'safety.max_unpacked_mb' must be between 0 and 1000000 (more than 0), not 0.0",
        ),
        (
            "[safety]\nmax_unpacked_mb = inf\n",
            "'safety.max_unpacked_mb' must be between 0 and 1000000 (more than 0), not inf",
        ),
        (
            "[safety]\nmax_unpacked_mb = 1" + "0" * 400 + "\n",  # an integer no float can hold
            "'safety.max_unpacked_mb' must be between 0 and 1000000 (more than 0), "
            "not a number of 401 digits",
        ),
        (
            "[safety]\nmax_csv_mb = -1\n",
            "'safety.max_csv_mb' must be between 0 and 1000000 (more than 0), not -1.0",
        ),
        (
            "[safety]\nmax_compression_ratio = 0\n",
            "'safety.max_compression_ratio' must be between 1 and 100000, not 0",
        ),
        (
            "[safety]\nmax_compression_ratio = 0.5\n",
            "'safety.max_compression_ratio' must be a whole number, not 0.5",
        ),
    ],
)
def test_a_number_out_of_range_is_one_line(runner, tmp_path, text, message):
    path = tmp_path / "公司规则.toml"
    path.write_text(text, encoding="utf-8")
    assert assert_one_line(runner, path, message) == f"Error: {path}: {message}"


@pytest.mark.parametrize(
    "text",
    [
        "x = " + "[" * 50_000 + "]" * 50_000 + "\n",
        "x = " + "{a = " * 50_000 + "1" + "}" * 50_000 + "\n",
        "[texts.objective]\nx = " + "{a = " * 5_000 + '"t"' + "}" * 5_000 + "\n",
    ],
    ids=["arrays", "inline-tables", "inline-tables-in-an-open-table"],
)
def test_a_deeply_nested_file_is_one_line(runner, tmp_path, text):
    path = tmp_path / "deep.toml"
    path.write_text(text, encoding="utf-8")
    start = time.perf_counter()
    line = assert_one_line(runner, path, "not a usable rules file (nested too deeply)")
    assert time.perf_counter() - start < 30
    assert line == f"Error: {path}: not a usable rules file (nested too deeply)"


def test_deep_table_headers_in_an_open_table_are_refused(runner, tmp_path):
    # tomllib reads [a.a.a…] without recursing; the loader must not keep such a tree
    path = tmp_path / "deep.toml"
    path.write_text("[texts.objective." + ".".join(["a"] * 50_000) + "]\nb = 1\n", encoding="utf-8")
    start = time.perf_counter()
    assert_one_line(
        runner,
        path,
        "'texts.objective.a' must be a table of texts like 'texts.objective.keep_promise'",
    )
    assert time.perf_counter() - start < 30


def test_a_huge_file_is_refused_by_its_size(runner, tmp_path):
    path = tmp_path / "huge.toml"
    with path.open("wb") as file:
        file.truncate(11_000_000)  # sparse: the size is what counts, it is never read
    line = assert_one_line(runner, path, "is 11.0 MB, too large for a rules file (at most 10 MB)")
    assert line == f"Error: {path}: is 11.0 MB, too large for a rules file (at most 10 MB)"


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero")
def test_an_endless_file_is_read_only_up_to_the_limit(tmp_path):
    link = tmp_path / "zero.toml"
    link.symlink_to("/dev/zero")
    start = time.perf_counter()
    with pytest.raises(RulesError) as error:
        load_rules(link)
    assert re.search(
        r"zero\.toml: is larger than 10 MB, too large for a rules file", error.value.text("en")
    )
    assert time.perf_counter() - start < 30


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (bytes(range(256)) * 8, "is not a text file (it holds NUL bytes)"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "is not a text file (it holds NUL bytes)"),
        (b"[tier]\x00\n", "is not a text file (it holds NUL bytes)"),
        (
            "[tier]\na_share = 0.7\n".encode("utf-16"),
            "is saved as UTF-16; save it as UTF-8",
        ),  # with a BOM
        ("[tier]\na_share = 0.7\n".encode("utf-16-le"), "is saved as UTF-16; save it as UTF-8"),
        ("[tier]\na_share = 0.7\n".encode("utf-16-be"), "is saved as UTF-16; save it as UTF-8"),
        (
            '[meta]\nname = "公司规则"\n'.encode("gbk"),
            "is not UTF-8 text (byte 0xb9 at position 15); save it as UTF-8",
        ),
        (b"\xff\xd8\xff\xe0 JFIF", "is not UTF-8 text (byte 0xff at position 0); save it as UTF-8"),
        (b"[tier\n", "not valid TOML (Expected ']' at the end of a table declaration"),
        (
            b"[priority]\np1 = " + b"9" * 5000 + b"\n",
            "not valid TOML (Exceeds the limit (4300 digits)",
        ),
    ],
    ids=[
        "random-bytes",
        "png",
        "nul",
        "utf16-bom",
        "utf16le",
        "utf16be",
        "gbk",
        "jpeg",
        "toml-syntax",
        "4300-digits",
    ],
)
def test_a_file_that_is_not_toml_text_is_one_line(runner, tmp_path, content, message):
    path = tmp_path / "rules.toml"
    path.write_bytes(content)
    assert_one_line(runner, path, message)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[cadence.tier_days.A]\nx = 1\n", "'cadence.tier_days.A' must be a number, not a table"),
        ("[cadence]\ntier_days = 5\n", "'cadence.tier_days' must be a table, not int"),
        ("[[tier]]\na_share = 0.5\n", "'tier' must be a table, not list"),
        (
            "[tier]\na_share = 1979-05-27\n",
            "'tier.a_share' must be a number, not a date or time (1979-05-27)",
        ),
        ("[tier]\na_share = true\n", "'tier.a_share' has a bad value True"),
        ("[tier]\na_share = [0.5]\n", "'tier.a_share' must be a number, not a list"),
        (
            '[tier]\na_share = "' + "v" * 100_000 + '"\n',
            "'tier.a_share' must be a number, not 'vvvv",
        ),
        ("[meta]\nversion = 5\n", "'meta.version' must be a text, not 5"),
        ("[reader]\nyes = [[[1]]]\n", "'reader.yes' must be a list of texts"),
        (
            "[texts.objective]\nextra = 5\n",
            "'texts.objective.extra' must be a table of texts like "
            "'texts.objective.keep_promise', not 5",
        ),
        (
            "[texts.objective]\nextra = { zh = 5 }\n",
            "'texts.objective.extra' must be a table of texts",
        ),
        (
            "[texts.objective.keep_promise]\nfr = { a = 'b' }\n",
            "'texts.objective.keep_promise.fr' must be a text, not a table",
        ),
        ("[texts]\nobjective = 5\n", "'texts.objective' must be a table, not int"),
        (
            '[fields.revenue]\ntype = "text"\n',
            "'fields.revenue.type' cannot be changed (kq reads this column as money)",
        ),
        (
            '[fields.name]\ntype = "foo"\n',
            "'fields.name.type' cannot be changed (kq reads this column as text)",
        ),
        ('[fields.name]\nzh = " "\n', "'fields.name.zh' must not be empty"),
        ('[output_fields.tier]\nen = ""\n', "'output_fields.tier.en' must not be empty"),
        (
            '[codes.tier.A]\nzh = "' + "长" * 101 + '"\n',
            "'codes.tier.A.zh' must be at most 100 characters long, not 101",
        ),
        (
            '[codes.intent.interested]\nsynonyms = ["' + "x" * 101 + '"]\n',
            "'codes.intent.interested.synonyms' item 2 must be at most 100 characters long, "
            "not 101",
        ),
        (
            '[texts.legend.intro]\nzh = "' + "x" * 10_001 + '"\n',
            "'texts.legend.intro.zh' must be at most 10,000 characters long, not 10,001",
        ),
        (
            '[rationale.tier]\nzh = "' + "{tier}" * 21 + '"\n',
            "'rationale.tier.zh' uses more than 20 placeholders",
        ),
        (
            '[rationale.tier]\nzh = "' + "x" * 1001 + '"\n',
            "'rationale.tier.zh' must be at most 1,000 characters long, not 1,001",
        ),
        # hostile keys and texts: on one short line
        ('[tier]\n"a\\nb" = 1\n', "unknown key 'tier.a\\nb'"),
        ('[tier]\n"a\\u2028b" = 1\n', "unknown key 'tier.a\\u2028b'"),
        ('[tier]\n"' + "k" * 100_000 + '" = 1\n', "unknown key 'tier.kkkk"),
        (
            '[rationale.tier]\nzh = "{' + "x" * 100_000 + '}"\n',
            "'rationale.tier.zh' uses an unknown placeholder {xxxx",
        ),
    ],
)
def test_a_value_of_the_wrong_kind_is_one_line(runner, tmp_path, text, message):
    path = tmp_path / "公司规则.toml"
    path.write_text(text, encoding="utf-8")
    line = assert_one_line(runner, path, message)
    assert len(line) < len(str(path)) + 420


def test_a_folder_or_a_missing_file(runner, tmp_path):
    folder = tmp_path / "rules.toml"
    folder.mkdir()
    with pytest.raises(RulesError) as error:
        load_rules(folder)  # what $KQEXCEL_RULES (the formulas) and the library get
    assert re.search(r"rules\.toml: is a folder, not a rules file$", error.value.text("en"))
    result = runner.invoke(cli, ["rules", "check", str(folder)])
    assert result.exit_code == 2 and "is a directory" in result.stderr  # click's usage error
    with pytest.raises(RulesError) as error:
        load_rules(tmp_path / "missing.toml")
    assert re.search(r"missing\.toml: rules file not found$", error.value.text("en"))


def test_an_empty_file_is_the_defaults(tmp_path):
    path = tmp_path / "empty.toml"
    path.write_bytes(b"\xef\xbb\xbf")  # a BOM only, as Notepad saves an empty UTF-8 file
    assert load_rules(path).tree == _default_tree()


# ----------------------------------------------------------------------------- plans at the edges


def test_a_plan_at_the_longest_intervals_works_end_to_end(runner, sample, tmp_path):
    path = tmp_path / "公司规则.toml"
    days = {key: 3650 for key in numeric_leaves() if key.startswith("cadence.")}
    path.write_text(overlay(days), encoding="utf-8")
    result = runner.invoke(
        cli, ["plan", str(sample), "--as-of", AS_OF, "--rules", str(path), "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(records) == 40
    assert any(r["next_contact"] >= "2036-01-01" for r in records)
    assert all(r["days_overdue"] == 0 for r in records)


def highest(key: str) -> float:
    allowed = bounds(key)
    assert allowed is not None
    return allowed.high


def test_a_plan_with_every_number_at_its_highest_works(runner, sample, tmp_path):
    path = tmp_path / "highest.toml"
    # all but the header matches: no ledger has 100 known columns
    path.write_text(
        overlay(
            {key: highest(key) for key in numeric_leaves() if key != "reader.header_min_matches"}
        ),
        encoding="utf-8",
    )
    out = tmp_path / "plan.xlsx"
    result = runner.invoke(
        cli, ["plan", str(sample), "--as-of", AS_OF, "--rules", str(path), "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert out.exists()


def test_a_plan_with_a_boundary_tier_interval_writes_a_workbook(runner, sample, tmp_path):
    path = tmp_path / "公司规则.toml"
    path.write_text("[cadence]\ntier_days = { A = 3650, B = 1 }\n", encoding="utf-8")
    out = tmp_path / "plan.xlsx"
    result = runner.invoke(
        cli, ["plan", str(sample), "--as-of", AS_OF, "--rules", str(path), "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "40 位客户" in result.stderr


# texts that break hand-written TOML: every control character, quotes, backslashes, line and
# paragraph separators, CJK, braces, and whatever else hypothesis draws
_hostile_chars = st.sampled_from(
    [chr(c) for c in [*range(0x20), 0x7F, 0x85, 0x2028, 0x2029, 0xFEFF]]
    + list("\"'\\{}[]=#.\u5ba2\u6237\u3002\uff1a\u201c\u201d")
)
_texts = st.text() | st.text(_hostile_chars) | st.text(_hostile_chars | st.characters())
_toml_scalars = (
    _texts | st.integers(-(2**63), 2**63 - 1) | st.booleans() | st.floats(allow_nan=False)
)
_toml_trees = st.recursive(
    st.dictionaries(_texts, _toml_scalars | st.lists(_toml_scalars), max_size=4),
    lambda inner: st.dictionaries(_texts, inner, max_size=4),
    max_leaves=20,
)


@given(_toml_trees)
def test_dump_toml_round_trips_any_tree(tree):
    """What `kq rules show` writes (through tomli-w) loads back as the same tree, whatever the
    texts hold (control characters, quotes, backslashes, line and paragraph separators, any key)."""
    assert tomllib.loads(dump_toml(tree)) == tree


HOSTILE = "".join(chr(c) for c in [*range(1, 0x20), 0x7F]) + "\"'\\ 客户\u2028\r\n{{}} \"\"\" ''' #"


def test_rules_show_of_hostile_texts_loads_with_rules_check(runner, tmp_path):
    """`kq rules show > f.toml; kq rules check f.toml` with texts holding every control character,
    quotes, backslashes, CJK and braces, in a rationale template and in a talking point."""
    own = tmp_path / "own.toml"
    own.write_text(
        "[rationale.objective]\n"
        f"zh = {json.dumps(HOSTILE + '{reason}')}\n"
        "[texts.style.eagle]\n"
        f"approach_zh = {json.dumps(HOSTILE)}\n",
        encoding="utf-8",
    )
    assert runner.invoke(cli, ["rules", "check", str(own)]).exit_code == 0
    shown = runner.invoke(cli, ["rules", "show", "--rules", str(own)])
    assert shown.exit_code == 0, shown.output
    again = tmp_path / "公司规则.toml"
    again.write_text(shown.stdout, encoding="utf-8", newline="")
    checked = runner.invoke(cli, ["rules", "check", str(again)])
    assert checked.exit_code == 0, checked.output
    loaded = load_rules(again)
    assert loaded.tree == load_rules(own).tree
    assert loaded["texts"]["style"]["eagle"]["approach_zh"] == HOSTILE


def test_rules_show_keeps_the_order_of_the_defaults(runner):
    shown = runner.invoke(cli, ["rules", "show"]).stdout
    assert list(tomllib.loads(shown)) == list(_default_tree())
    headers = [line for line in shown.splitlines() if line.startswith("[")]
    assert headers[:3] == ["[meta]", "[reader]", "[safety]"]


# ----------------------------------------------------------------------------- kq rules init


def _init(runner, path: Path, *extra: str):
    return runner.invoke(cli, ["rules", "init", str(path), *extra])


def _uncommented(text: str, keep=lambda line: True) -> str:
    """The skeleton with its setting lines uncommented (those ``keep`` chooses)."""
    lines = []
    for line in text.splitlines():
        setting = line.startswith("# ") and " = " in line and line[2:3].isascii()
        setting = setting and line[2:].split(" = ")[0].replace(".", "_").isidentifier()
        lines.append(line[2:] if setting and keep(line) else line)
    return "\n".join(lines) + "\n"


def test_rules_init_writes_a_skeleton_that_loads_as_the_defaults(runner, tmp_path):
    path = tmp_path / "公司规则.toml"
    result = _init(runner, path)
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == str(path)
    text = path.read_text(encoding="utf-8")
    assert "# p1 = 60" in text and "[priority]" in text and "# tier_days.A = 7" in text
    assert runner.invoke(cli, ["rules", "check", str(path)]).exit_code == 0
    assert load_rules(path).tree == _default_tree()
    assert tomllib.loads(text) == {section: {} for section in SECTIONS}


def test_rules_init_lists_every_number_with_its_meaning_and_range(tmp_path):
    text = skeleton("公司规则.toml")
    uncommented = tomllib.loads(_uncommented(text))
    settings = {k for k, _ in _leaves(uncommented, "")}
    expected = {
        key
        for key, value in _leaves({s: _default_tree()[s] for s in SECTIONS}, "")
        if not isinstance(value, list)
    }
    assert settings == expected
    assert set(numeric_leaves()) <= settings  # every number of the rules is listed
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if line in _uncommented(line).splitlines() or not line.startswith("# "):
            continue
        meaning = lines[i - 1]
        assert meaning.startswith("# ") and " / " in meaning, meaning
        zh, en = meaning[2:].split(" / ", 1)
        cjk = [any("\u4e00" <= c <= "\u9fff" for c in part) for part in (zh, en)]
        assert cjk == [True, False], meaning
        assert "范围" in zh or "可选" in zh, meaning
    assert "（范围 大于 0，至多 1） / " in text and "(range more than 0, at most 1)" in text
    assert "（范围 1–1,000） / " in text  # reader.header_scan_rows
    assert "（可选 revenue, profit, expected_value）" in text


def test_rules_init_uncommented_is_the_defaults_and_a_changed_number_is_used(runner, tmp_path):
    path = tmp_path / "公司规则.toml"
    assert _init(runner, path).exit_code == 0
    text = path.read_text(encoding="utf-8")
    every = tmp_path / "every.toml"
    every.write_text(_uncommented(text), encoding="utf-8")
    assert runner.invoke(cli, ["rules", "check", str(every)]).exit_code == 0
    assert load_rules(every).tree == _default_tree()
    for line in text.splitlines():  # each line uncommented on its own loads too
        if line.startswith("# ") and line not in _uncommented(line).splitlines():
            one = tmp_path / "one.toml"
            one.write_text(_uncommented(text, lambda x, line=line: x == line), encoding="utf-8")
            assert load_rules(one).tree == _default_tree(), line
    changed = tmp_path / "changed.toml"
    changed.write_text(_uncommented(text).replace("p1 = 60", "p1 = 90"), encoding="utf-8")
    assert load_rules(changed).numbers.priority.p1 == 90
    assert load_rules(changed).numbers.priority.p2 == 35


def test_rules_init_refuses_an_existing_file_without_force(runner, tmp_path):
    path = tmp_path / "公司规则.toml"
    path.write_text("[priority]\np1 = 90\n", encoding="utf-8")
    result = _init(runner, path)
    assert result.exit_code == 1
    assert "已存在（用 --force 覆盖）" in result.stderr and "--force" in result.stderr
    assert path.read_text(encoding="utf-8") == "[priority]\np1 = 90\n"
    assert _init(runner, path, "--force").exit_code == 0
    assert load_rules(path).numbers.priority.p1 == 60


def test_rules_init_never_overwrites_the_shipped_rules(runner):
    for shipped in default_files():
        before = shipped.read_bytes()
        result = _init(runner, shipped, "--force")
        assert result.exit_code == 2 and "会覆盖本命令要读取的输入文件" in result.stderr
        assert shipped.read_bytes() == before


def test_rules_init_help_has_an_example(runner):
    result = runner.invoke(cli, ["rules", "init", "--help"])
    assert result.exit_code == 0
    assert "Example:" in result.output and "kq rules init 公司规则.toml" in result.output
    assert "kq rules init" in runner.invoke(cli, ["rules", "--help"]).output
