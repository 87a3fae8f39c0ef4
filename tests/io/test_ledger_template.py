"""The ledger template: dropdowns follow the rules, and what a rep picks is read cleanly."""

from __future__ import annotations

import datetime as dt
import json
import random

import openpyxl
import pytest

from kqexcel.cli import cli
from kqexcel.io.templates import build_ledger_template, ledger_options
from kqexcel.rules import load_rules
from tests.conftest import AS_OF


def dropdowns(wb) -> dict[str, list[str]]:
    """Header text → the items of its list validation (resolved through the defined name)."""
    ws = wb.worksheets[0]
    headers = {c.column_letter: c.value for c in ws[1]}
    out = {}
    for dv in ws.data_validations.dataValidation:
        if dv.type != "list":
            continue
        sheet, cells = next(iter(wb.defined_names[dv.formula1].destinations))
        items = [c.value for row in wb[sheet][cells.replace("$", "")] for c in row]
        for rng in dv.sqref.ranges:
            out[headers[openpyxl.utils.get_column_letter(rng.min_col)]] = items
    return out


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_coded_field_has_exactly_the_rules_values(lang):
    rules = load_rules()
    wb = build_ledger_template(rules, lang)
    lists = dropdowns(wb)
    coded = {f: s for f, s in rules["fields"].items() if s["type"] in ("code", "yesno")}
    assert set(lists) == {s[lang] for s in coded.values()}
    for fld, spec in coded.items():
        expected = (
            [e[lang] for c, e in rules["codes"][fld].items() if c != "unknown"]
            if spec["type"] == "code"
            else (["是", "否"] if lang == "zh" else ["Yes", "No"])
        )
        assert lists[spec[lang]] == expected, fld
    assert lists["购买意向" if lang == "zh" else "Intent"] == (
        ["有兴趣", "犹豫", "已报价未回复", "暂不购买", "肯定不买"]
        if lang == "zh"
        else ["Interested", "Hesitating", "Quoted", "Not now", "Declined"]
    )


def test_an_admins_rules_give_their_own_dropdowns(tmp_path, runner):
    rules_file = tmp_path / "company.toml"
    rules_file.write_text('[codes.intent.interested]\nzh = "很有兴趣"\n', encoding="utf-8")
    out = tmp_path / "blank.xlsx"
    result = runner.invoke(cli, ["template", "ledger", str(out), "--rules", str(rules_file)])
    assert result.exit_code == 0, result.output
    assert dropdowns(openpyxl.load_workbook(out))["购买意向"][0] == "很有兴趣"
    check = runner.invoke(cli, ["template", "check", str(out), "--rules", str(rules_file)])
    assert check.exit_code == 0
    # with the default rules, the admin's word is not a known value: the check says so
    default_check = runner.invoke(cli, ["template", "check", str(out), "--lang", "en"])
    assert default_check.exit_code == 1
    assert "'很有兴趣' is not a value the rules know" in default_check.stderr


def test_ledger_template_has_formats_messages_table_and_guide():
    rules = load_rules()
    wb = build_ledger_template(rules, "zh")
    ws = wb["客户台账"]
    assert ws.freeze_panes == "C2"
    assert "kq_ledger_table" in ws.tables
    headers = [c.value for c in ws[1]]
    assert headers == [s["zh"] for s in rules["fields"].values()]
    col = {h: openpyxl.utils.get_column_letter(i) for i, h in enumerate(headers, start=1)}
    assert ws.column_dimensions[col["年销售额"]].number_format == "#,##0.00"
    assert ws.column_dimensions[col["最近联系日期"]].number_format == "yyyy-mm-dd"
    assert ws.column_dimensions[col["毛利率"]].number_format == "0%"
    prompts = {str(dv.sqref): dv.prompt for dv in ws.data_validations.dataValidation}
    assert all(prompts.get(f"{letter}1") for letter in col.values()), (
        "every header cell has an input message"
    )
    guide = wb["填写说明"]
    listed = [guide.cell(r, 1).value for r in range(5, 5 + len(headers))]
    assert listed == headers
    assert wb["选项"].sheet_state == "hidden"


def fill_with_dropdown_values(path, rows: int, lang: str, seed: int = 3) -> None:
    """What a careful rep does: every coded cell from its dropdown, numbers and dates typed."""
    rnd = random.Random(seed)
    rules = load_rules()
    wb = openpyxl.load_workbook(path)
    ws = wb.worksheets[0]
    fields = list(rules["fields"])
    for i in range(rows):
        r = 2 + i
        for j, fld in enumerate(fields, start=1):
            kind = rules["fields"][fld]["type"]
            options = ledger_options(rules, fld, lang)
            if options:
                value = rnd.choice(options)
            elif kind == "money":
                value = round(rnd.uniform(-1000, 5_000_000), 2)
            elif kind == "ratio":
                value = round(rnd.uniform(0, 0.6), 3)
            elif kind in ("number", "integer"):
                value = rnd.randint(0, 9)
            elif kind == "date":
                value = dt.date(2026, 11, 22) - dt.timedelta(days=rnd.randint(-200, 200))
            elif kind == "numbers":
                value = ";".join(str(rnd.randint(1, 30)) for _ in range(3))
            elif fld == "customer_id":
                value = f"C{i:04d}"
            else:
                value = f"{fld} {i}"
            ws.cell(r, j, value)
    wb.save(path)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_round_trip_a_filled_template_has_no_data_problems(runner, tmp_path, lang):
    ledger = tmp_path / f"ledger_{lang}.xlsx"
    assert runner.invoke(cli, ["template", "ledger", str(ledger), "--lang", lang]).exit_code == 0
    fill_with_dropdown_values(ledger, 60, lang)
    result = runner.invoke(
        cli, ["plan", str(ledger), "--as-of", AS_OF, "--format", "json", "--lang", lang]
    )
    assert result.exit_code == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(records) == 60
    assert "数据问题" not in result.stderr and "data problems" not in result.stderr
    assert {r["intent"] for r in records} <= {
        "interested",
        "hesitating",
        "quoted",
        "not_now",
        "declined",
    }
