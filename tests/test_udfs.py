"""The worksheet formulas: the same answers as `kq plan`, help for the function wizard,
current VBA."""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import sys
import types

import openpyxl
import pytest

from kqexcel import formulas as F
from kqexcel import udfs
from kqexcel.addin import MACROS, MACROS_FILE, UDF_FILE, real_udf_decorators, udfs_vba
from kqexcel.cli import cli
from kqexcel.io.display import LABELLED
from tests.conftest import AS_OF, DATA, ROOT

FUNCTIONS = [
    "KQ_PLAN",
    "KQ_TIERS",
    "KQ_TIER",
    "KQ_QUADRANTS",
    "KQ_EV",
    "KQ_MOTIVATION",
    "KQ_MOTIVATION_WHY",
    "KQ_STYLE",
    "KQ_STYLE_TIPS",
    "KQ_RENEWAL",
    "KQ_NEXT_CONTACT",
    "KQ_KEY_PERSON",
    "KQ_RFM",
    "KQ_RULES_VERSION",
]


@pytest.fixture(scope="module")
def sample_rows():
    wb = openpyxl.load_workbook(ROOT / "templates" / "sample_ledger.xlsx")
    return [list(r) for r in wb.worksheets[0].iter_rows(values_only=True)]


@pytest.fixture(scope="module")
def ledger_only(tmp_path_factory):
    """The sample's customer sheet alone: what the one-sheet formulas see (KQ_PLAN with the log
    and contacts ranges is compared with the whole sample in test_customer_file_doors)."""
    wb = openpyxl.load_workbook(ROOT / "templates" / "sample_ledger.xlsx")
    for name in wb.sheetnames[1:]:
        del wb[name]
    path = tmp_path_factory.mktemp("ledger") / "sample_ledger.xlsx"
    wb.save(path)
    return path


@pytest.fixture(scope="module")
def plan_records(ledger_only):
    from click.testing import CliRunner

    result = CliRunner().invoke(
        cli,
        [
            "plan",
            str(ledger_only),
            "--as-of",
            AS_OF,
            "--format",
            "json",
        ],
    )
    assert result.exit_code == 0
    return [json.loads(line) for line in result.stdout.splitlines()]


@pytest.fixture(scope="module")
def plan_sheet(tmp_path_factory, ledger_only):
    from click.testing import CliRunner

    out = tmp_path_factory.mktemp("plan") / "plan.xlsx"
    result = CliRunner().invoke(
        cli,
        ["plan", str(ledger_only), "--as-of", AS_OF, "-o", str(out)],
    )
    assert result.exit_code == 0
    rows = [list(r) for r in openpyxl.load_workbook(out)["跟进计划"].iter_rows(values_only=True)]
    width = (
        max(i for i, h in enumerate(rows[0]) if h is not None) + 1
    )  # the template's spare styled column
    return [r[:width] for r in rows]


def by_header(rows):
    header = rows[0]
    return [dict(zip(header, r, strict=True)) for r in rows[1:]]


def test_kq_plan_spills_exactly_the_plan_sheet(sample_rows, plan_sheet):
    spilled = udfs.KQ_PLAN(sample_rows, dt.date(2026, 11, 22))
    assert spilled[0] == plan_sheet[0]
    assert len(spilled) == len(plan_sheet) == 41
    for got, want in zip(spilled[1:], plan_sheet[1:], strict=True):
        for a, b in zip(got, want, strict=True):
            if isinstance(a, float) and isinstance(b, (int, float)):
                assert a == pytest.approx(b)
            else:
                assert a == b


def test_every_formula_answers_each_sample_row_like_kq_plan(sample_rows, plan_records):
    header = sample_rows[1]
    rows = [dict(zip(header, r, strict=True)) for r in sample_rows[2:]]
    revenue = [r["年销售额"] for r in rows]
    tiers = udfs.KQ_TIERS(revenue, [r["签约状态"] for r in rows])
    quadrants = udfs.KQ_QUADRANTS(
        revenue, [r["毛利率"] for r in rows], [r["服务成本"] for r in rows]
    )
    zh = {"top": "最赚钱", "profitable": "次赚钱", "marginal": "不赚钱", "loss": "赔钱", None: None}
    for i, (row, rec) in enumerate(zip(rows, plan_records, strict=True)):
        assert tiers[i][0] == rec["tier"], row["客户编号"]
        if row["年销售额"] is not None:
            assert udfs.KQ_TIER(row["年销售额"], revenue) == rec["tier"]
        assert quadrants[i][0] == zh[rec["profit_quadrant"]]
        cb = rec["profit"] if rec["profit"] is not None else row["年销售额"]
        assert udfs.KQ_EV(cb, row["潜在增量"], row["成交概率"]) == rec["expected_value"]
        args = [
            row[h]
            for h in (
                "发展阶段",
                "同业竞争",
                "电商经验",
                "操作人数",
                "经营视野",
                "主要期望",
                "国内客户",
            )
        ]
        assert udfs.KQ_MOTIVATION(*args, "en").lower() == rec["motivation"]
        assert "得分" in udfs.KQ_MOTIVATION_WHY(*args) or rec["motivation"] == "unknown"
        if row["性格类型"] is None:
            style = udfs.KQ_STYLE(row["决策风格"], row["沟通倾向"], "en").lower()
            assert style == rec["style"]
        if rec["lifecycle"] == "renewal" and row["历史效果"] and row["本期效果"] is not None:
            floor, line, risk = udfs.KQ_RENEWAL(
                row["本期效果"], row["历史效果"], rec["motivation"], "en"
            )[0]
            assert (floor, line, risk.lower()) == (
                rec["renewal_floor"],
                rec["satisfaction_line"],
                rec["renewal_risk"],
            )
        nxt = udfs.KQ_NEXT_CONTACT(
            row["最近联系日期"],
            rec["tier"],
            row["购买意向"],
            rec["renewal_risk"],
            AS_OF,
            row["签约状态"],
            row["合作阶段"],
            row["未结投诉"],
        )
        assert nxt.date().isoformat() == rec["next_contact"], row["客户编号"]


def test_formulas_take_what_excel_gives():
    serial = (dt.date(2026, 11, 1) - dt.date(1899, 12, 30)).days  # a date as an Excel serial number
    assert udfs.KQ_NEXT_CONTACT(
        float(serial), "A", None, None, dt.datetime(2026, 11, 2)
    ) == dt.datetime(2026, 11, 9)  # 11-01 + 7 = 11-08, a Sunday: the Monday (§12)
    assert udfs.KQ_EV("¥1,000", "1万", "50%") == 6000.0
    # 12,000 holds 99.2% of the total before 100 is reached: 100 is C
    assert udfs.KQ_TIERS([[100], [None], ["1.2万"]]) == [["C"], [None], ["A"]]
    assert udfs.KQ_TIERS([[100], [None]], [["续签"], ["潜在"]]) == [["A"], ["C"]]
    assert udfs.KQ_STYLE("率直", "理性") == "力量型"
    assert "高效" in udfs.KQ_STYLE_TIPS("老鹰") and "2" in udfs.KQ_STYLE_TIPS("D")
    assert udfs.KQ_RENEWAL(7, [[12], [8], [15]]) == [[7.2, 12.83, "高"]]
    assert udfs.KQ_RENEWAL(7, "12;8;15", "从众跟风型") == [[7.2, 12.83, "中"]]
    assert udfs.KQ_RULES_VERSION().startswith("2026.")
    # a one-cell range is its value; 合计 as an argument is a value, not a total row
    assert udfs.KQ_TIER([[100]], [[100], [200], [300]]) == "B"
    assert udfs.KQ_STYLE(["率直"], [["理性"]]) == "力量型"
    assert udfs.KQ_STYLE("合计", "理性").startswith("#KQ! 决策风格 无法读取")
    # big numbers from a range survive the trip through the past-results parser
    assert udfs.KQ_RENEWAL(1e20, [[1e20], [2e20]]) == [[9e19, 1.65e20, "中"]]


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: udfs.KQ_EV("abc"), "#KQ! 无法读取 / cannot read: 'abc'"),
        (lambda: udfs.KQ_TIERS(["x"]), "#KQ! 不是金额 / not money: 'x'"),
        (lambda: udfs.KQ_PLAN([["a", "b"], [1, 2]]), "#KQ! 没有找到表头"),
        (lambda: udfs.KQ_PLAN([["客户名称", "年销售额"]], "someday"), "#KQ! as_of 不是日期"),
        (lambda: udfs.KQ_NEXT_CONTACT("2026-11-01", "Z"), "#KQ! 层级只能是 A/B/C"),
        (lambda: udfs.KQ_STYLE_TIPS("大象"), "#KQ! 性格类型 无法读取"),
        (lambda: udfs.KQ_STYLE("率直", "理性", "fr"), "#KQ! lang 只能是 zh 或 en"),
        (lambda: udfs.KQ_QUADRANTS([1, 2], [0.1]), "#KQ! 各列行数必须相同"),
        (lambda: udfs.KQ_TIER([[100], [200]], [100, 200]), "#KQ! value 只能是一个单元格"),
        (lambda: udfs.KQ_EV([[1, 2]], 3, 0.5), "#KQ! cb 只能是一个单元格"),
        (
            lambda: udfs.KQ_NEXT_CONTACT([["2026-11-01", "2026-11-02"]], "A"),
            "#KQ! last_contact 只能是一个单元格",
        ),
    ],
)
def test_bad_input_is_a_short_text_in_the_cell(call, message):
    answer = call()
    assert isinstance(answer, str) and answer.startswith(message)
    assert "Traceback" not in answer and "\n" not in answer


def test_kq_plan_on_a_large_range(sample_rows):
    body = sample_rows[2:]
    rows = [sample_rows[1]] + [[f"X{k:05d}", *r[1:]] for k, r in enumerate(body * 50)]
    spilled = udfs.KQ_PLAN(rows, AS_OF)
    assert len(spilled) == 2001 and spilled[2000][0] == "X01999"


@pytest.fixture(scope="module")
def registered():
    with real_udf_decorators() as module:
        meta = {name: getattr(module, name).__xlfunc__ for name in FUNCTIONS}
    return meta


def test_every_function_has_wizard_help(registered):
    for name, meta in registered.items():
        assert meta["category"] == "kqexcel", name
        assert meta["ret"]["doc"] and len(meta["ret"]["doc"]) <= 255, name
        # arrays spill as Excel's own dynamic arrays (older Excel: Ctrl+Shift+Enter); no legacy
        # expand="table", which resizes after the calculation and loses formulas (xlwings #1164)
        assert meta["ret"]["options"] == {}, name
        assert meta["async_mode"] is None and meta["volatile"] is False, name
        for arg in meta["args"]:
            assert arg["doc"] and not arg["doc"].startswith("Positional argument"), (
                name,
                arg["name"],
            )
            assert len(arg["doc"]) <= 255
            assert len(arg["name"]) <= 15, "short argument names for the wizard"
    assert registered["KQ_PLAN"]["args"][0]["options"] == {"ndim": 2}
    assert registered["KQ_TIERS"]["args"][0]["options"] == {"ndim": 1}
    assert [a["name"] for a in registered["KQ_PLAN"]["args"]] == [
        "ledger",
        "as_of",
        "lang",
        "log",
        "contacts",
        "orders",
    ]
    assert registered["KQ_PLAN"]["args"][2]["optional"] == "zh"
    assert registered["KQ_RULES_VERSION"]["args"] == []


def test_registration_leaves_no_stubs_behind():
    with real_udf_decorators():
        assert "pythoncom" in sys.modules
    assert "pythoncom" not in sys.modules
    assert not hasattr(udfs.KQ_PLAN, "__xlfunc__")


def test_committed_vba_is_current():
    assert (ROOT / "macros" / UDF_FILE).read_text(encoding="utf-8") == udfs_vba(), (
        "run `kq addin vba macros --force`"
    )
    assert (ROOT / "macros" / MACROS_FILE).read_text(encoding="utf-8") == MACROS


def test_vba_declares_every_function_for_an_addin():
    vba = udfs_vba()
    for name in FUNCTIONS:
        assert f'XLPy.CallUDF("kqexcel.udfs", "{name}"' in vba
    assert "ActiveWorkbook" in vba and "ThisWorkbook" not in vba
    assert (
        "Function KQ_PLAN(ledger, Optional as_of, Optional lang, Optional log, Optional contacts,"
        " Optional orders)" in vba
    )


def test_addin_install_is_a_clear_message_off_windows_and_mac(runner, monkeypatch):
    monkeypatch.setattr(sys, "platform", "linux")
    result = runner.invoke(cli, ["addin", "install", "--lang", "en"])
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: the Excel add-in needs Excel on Windows or macOS")
    status = runner.invoke(cli, ["addin", "status"])
    assert status.exit_code == 1 and "ready: False" in status.stdout
    assert "no desktop Excel here" in status.stderr


@pytest.mark.parametrize("platform", ["win32", "darwin"])
def test_addin_install_writes_the_conf_xlwings_reads(monkeypatch, tmp_path, platform):
    import subprocess

    import xlwings

    from kqexcel import addin

    conf = tmp_path / "Library" / "Containers" / "com.microsoft.Excel" / "Data" / "xlwings.conf"
    monkeypatch.setattr(sys, "platform", platform)
    monkeypatch.setattr(
        xlwings, "USER_CONFIG_FILE", str(conf)
    )  # where xlwings looks on this platform
    calls = []

    def fake_run(args, **kwargs):  # xlwings' own `addin install` needs Excel; its call is checked
        calls.append(args)
        return subprocess.CompletedProcess(
            args, 0, "Successfully installed the xlwings add-in!", ""
        )

    monkeypatch.setattr(subprocess, "run", fake_run)
    lines = addin.install()
    assert calls and calls[0][-2:] == ["addin", "install"]
    key = "INTERPRETER_WIN" if platform == "win32" else "INTERPRETER_MAC"
    assert addin.read_conf(conf) == {
        "UDF MODULES": "kqexcel.udfs",
        key: sys.executable,
        **{k: v for k, v in addin.CONF_KEYS.items() if k != "UDF MODULES"},
    }
    assert lines[0] == "Successfully installed the xlwings add-in!"
    assert addin.status()["ready"] and addin.status()["conf"] == str(conf)


def test_conf_keeps_other_settings(tmp_path):
    from kqexcel.addin import read_conf, write_conf

    conf = tmp_path / ".xlwings" / "xlwings.conf"
    conf.parent.mkdir()
    conf.write_text(
        '"INTERPRETER_WIN","C:\\\\py\\\\python.exe"\n"SHOW CONSOLE","False"\n', encoding="utf-8"
    )
    write_conf(conf, {"UDF MODULES": "kqexcel.udfs"})
    assert read_conf(conf) == {
        "INTERPRETER_WIN": "C:\\\\py\\\\python.exe",
        "SHOW CONSOLE": "False",
        "UDF MODULES": "kqexcel.udfs",
    }


def test_xlwings_lite_main_answers_like_the_udfs(runner, tmp_path, monkeypatch, sample_rows):
    result = runner.invoke(cli, ["addin", "lite", str(tmp_path)])
    assert result.exit_code == 0
    assert (tmp_path / "requirements.txt").read_text().splitlines()[-3:] == [
        "kqexcel",
        "pandas",
        "numpy",
    ]
    lite = types.ModuleType("xlwings")  # Lite's decorators, as no-ops
    lite.func = lambda f=None, **k: f if f else (lambda g: g)
    lite.arg = lambda *a, **k: lambda g: g
    monkeypatch.setitem(sys.modules, "xlwings", lite)
    spec = importlib.util.spec_from_file_location("lite_main", tmp_path / "main.py")
    main = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(main)
    for name in FUNCTIONS:
        assert callable(getattr(main, name))
    assert main.KQ_STYLE("率直", "感性") == "活泼型"
    assert main.KQ_EV("abc").startswith("#KQ! ")
    assert main.KQ_PLAN(sample_rows, AS_OF) == udfs.KQ_PLAN(sample_rows, AS_OF)


CODED = tuple(f for f in LABELLED if f not in ("tier", "priority"))  # shown as their labels
# codes in JSON, sentences on the sheet (tested above and in test_customer_file_doors)
RENDERED = ("objective", "warnings", "levels_covered")


def test_kq_plan_gives_the_records_of_kq_plan_json():
    """One pipeline: the formula and `kq plan --format json` agree on every record of the golden
    sample (codes shown as the rules' labels, dates as dates)."""
    from click.testing import CliRunner

    ledger = DATA / "golden" / "sample_ledger.xlsx"
    result = CliRunner().invoke(cli, ["plan", str(ledger), "--as-of", AS_OF, "--format", "json"])
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in result.stdout.splitlines()]
    book = openpyxl.load_workbook(ledger)
    sheets = [[list(r) for r in ws.iter_rows(values_only=True)] for ws in book.worksheets]
    spilled = udfs.KQ_PLAN(sheets[0], AS_OF, "zh", *sheets[1:4])  # log, contacts, orders
    rules = F.rules()
    header = spilled[0]
    assert len(spilled) - 1 == len(records) == 40
    for row, record in zip(spilled[1:], records, strict=True):
        for key, want in record.items():
            if key == "warning_details":  # shown inside the warnings cell: 逾期未联系（12 天）
                continue
            got = row[header.index(rules.field_label(key, "zh"))]
            if key in RENDERED:
                continue
            if key in CODED:
                want = rules.label(key, want, "zh")
            elif key in ("next_contact", "last_visit", "last_order") and got is not None:
                got = got.date().isoformat()
            assert got == want, (record["customer_id"], key)


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        (lambda: udfs.KQ_STYLE("合计", "理性", "en"), "#KQ! cannot read: '合计'"),
        (lambda: udfs.KQ_STYLE("合计", "理性", "zh"), "#KQ! 决策风格 无法读取: '合计'"),
        (lambda: udfs.KQ_QUADRANTS(["x"], [0.1], None, "en"), "#KQ! not money: 'x'"),
        (lambda: udfs.KQ_PLAN([["a", "b"], [1, 2]], None, "en"), "#KQ! no header row with 2 known"),
        (lambda: udfs.KQ_PLAN([["年销售额", "毛利率"], [1, 2]]), "#KQ! 没有客户名称列"),
        (lambda: udfs.KQ_STYLE_TIPS("大象", "en"), "#KQ! cannot read: '大象'"),
    ],
)
def test_a_formula_error_follows_its_lang(call, expected):
    assert call().startswith(expected)


def test_style_tips_take_the_contacts_sentence_from_the_rules():
    assert udfs.KQ_STYLE_TIPS("力量型").endswith("通常接触 2 次后决策")
    assert udfs.KQ_STYLE_TIPS("eagle", "en").endswith("usually decides after 2 contacts")
