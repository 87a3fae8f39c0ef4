"""kq template check: whether a (customised) template still has what kq needs."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from kqexcel.core.ledger import header_field, vocabulary
from kqexcel.core.values import parse_code, parse_yesno
from kqexcel.errors import KqError, LedgerError
from kqexcel.io.fill import resolve
from kqexcel.io.report_template import REPORT_NAMES
from kqexcel.io.safety import active_content, check_file
from kqexcel.io.templates import (
    ISSUES_NAME,
    LEDGER_NAME,
    LEDGER_TITLES,
    LEGEND_NAME,
    PLAN_NAME,
    RECORD_NAMES,
    TEMPLATE_MAX_MB,
)
from kqexcel.rules import Rules, load_rules


def _range_values(wb: Workbook, sheet: str, cells: str) -> list[object] | None:
    if sheet not in wb.sheetnames:
        return None
    block = wb[sheet][cells.replace("$", "")]
    if not isinstance(block, tuple):
        block = ((block,),)
    elif block and not isinstance(block[0], tuple):
        block = (block,)
    return [c.value for row in block for c in row if c.value is not None]


def check_template(
    path: str | Path, rules: Rules | None = None, lang: str = "zh"
) -> tuple[str, list[str]]:
    """The kind of a (customised) template and every problem (in ``lang``) that would stop the
    writers or mislead a rep; no problems means the template is usable."""
    rules = rules or load_rules()
    kind, problems = _template_problems(Path(path), rules)
    return kind, [_text(problem, Path(path), lang, rules) for problem in problems]


def _text(problem: KqError, path: Path, lang: str, rules: Rules) -> str:
    """A problem in ``lang``, without the file's name in front (the line names the file)."""
    text = problem.text(lang, rules["errors"])
    if text.startswith(str(path)):  # and the separator after it, a colon in either language
        return re.sub(r"^\W+", "", text[len(str(path)) :])
    return text


def _template_problems(path: Path, rules: Rules) -> tuple[str, list[KqError]]:
    from openpyxl import load_workbook

    try:
        check_file(path, max_unpacked_mb=TEMPLATE_MAX_MB)
    except LedgerError as exc:
        return "unknown", [exc]
    active = [KqError("check_active", what=what) for what in active_content(path)]
    try:
        wb = load_workbook(io.BytesIO(path.read_bytes()))  # a damaged file is not left open
    except Exception as exc:
        return "unknown", [KqError("check_unopenable", why=f"{type(exc).__name__}: {exc}")]
    names = set(wb.defined_names)
    problems: list[KqError] = active
    if PLAN_NAME in names:
        _check_plan(wb, problems)
        return "plan", problems
    if LEDGER_NAME in names:
        _check_ledger(wb, rules, problems)
        return "ledger", problems
    if any(n.startswith("kq_report") for n in names):
        for name in REPORT_NAMES:
            _target(wb, name, problems)
        return "report", problems
    return "unknown", [KqError("check_not_template")]


def _target(wb: Workbook, name: str, problems: list[KqError]) -> tuple[str, str] | None:
    """The sheet and cells of a defined name, or None with the problem noted."""
    found = resolve(wb, name)
    if found is None:
        problems.append(KqError("check_name_missing", name=name))
        return None
    if found[0] not in wb.sheetnames:
        problems.append(KqError("check_name_bad_sheet", name=name, sheet=found[0]))
        return None
    return found


def _check_plan(wb: Workbook, problems: list[KqError]) -> None:
    """A plan template: its three names, the issues and legend on other sheets than the plan."""
    sheets = {
        n: (t[0] if (t := _target(wb, n, problems)) else None)
        for n in (PLAN_NAME, ISSUES_NAME, LEGEND_NAME)
    }
    plan_sheet = sheets[PLAN_NAME]
    for other in (ISSUES_NAME, LEGEND_NAME):
        if plan_sheet and sheets[other] == plan_sheet:
            problems.append(KqError("check_same_sheet", name=other, sheet=plan_sheet))


def _check_ledger(wb: Workbook, rules: Rules, problems: list[KqError]) -> None:
    """A ledger template: known headers, a name column, and a dropdown of known values on every
    code and yes/no column."""
    found = _target(wb, LEDGER_NAME, problems)
    if found:
        _check_sheet(wb, wb[found[0]], found[1], rules, problems, "")
    for kind, name in RECORD_NAMES.items():  # [§10, §11] the log, the contacts, the orders
        if wb.defined_names.get(name) is None:
            sheet = LEDGER_TITLES[kind]["zh"]
            problems.append(KqError("check_kind_missing", sheet=sheet, name=name))
            continue
        at = _target(wb, name, problems)
        if at:
            _check_sheet(wb, wb[at[0]], at[1], rules.for_kind(kind), problems, f"{at[0]}!")


def _check_sheet(
    wb: Workbook, ws: Any, cells: str, rules: Rules, problems: list[KqError], prefix: str
) -> None:
    """One sheet of a ledger template: known headers, its key columns, and a dropdown on every
    code and yes/no column (and on a log's or contacts' customer id). ``prefix`` names the
    sheet in the problems (empty for the customer sheet)."""
    anchor = ws[cells.replace("$", "").split(":")[0]]
    columns = _ledger_columns(ws, anchor, rules, problems, prefix)
    with_list = _check_dropdowns(wb, ws, columns, rules, problems, prefix)
    for letter, fld in columns.items():
        listed = rules["fields"][fld]["type"] in ("code", "yesno")
        if (listed or (prefix and fld == "customer_id")) and fld not in with_list:
            where = {"column": prefix + letter, "label": _zh(rules, fld)}
            problems.append(KqError("check_no_dropdown", **where))


def _zh(rules: Rules, fld: str) -> str:
    """The zh label of a field, as the check's texts name a column."""
    return str(rules["fields"][fld]["zh"])


def _ledger_columns(
    ws: Any, anchor: Any, rules: Rules, problems: list[KqError], prefix: str = ""
) -> dict[str, str]:
    """Column letter → field of the header row right of ``anchor``; unknown headers noted, and
    a missing name column (on a log, contacts or orders sheet: its required fields or a
    customer key)."""
    from kqexcel.core.ledger import KIND_MISSING

    columns: dict[str, str] = {}
    for cell in ws[anchor.row]:
        if cell.column < anchor.column or cell.value is None:
            continue
        fld = header_field(cell.value, rules)[0]
        if fld is None:
            where = prefix + cell.coordinate
            problems.append(KqError("check_unknown_header", cell=where, value=cell.value))
        else:
            columns[cell.column_letter] = fld
    found = set(columns.values())
    if rules.kind == "customers":
        if "name" not in found:
            problems.append(KqError("check_no_name_column"))
        return columns
    for fld in (*KIND_MISSING[rules.kind], "customer_id"):
        if fld not in found:
            problems.append(KqError("check_kind_field", sheet=ws.title, label=_zh(rules, fld)))
    return columns


def _check_dropdowns(
    wb: Workbook,
    ws: Any,
    columns: dict[str, str],
    rules: Rules,
    problems: list[KqError],
    prefix: str = "",
) -> set[str]:
    """Every list dropdown over a known column: its source found and every item known to the
    rules. Returns the fields that have a dropdown."""
    vocab = vocabulary(rules)
    with_list = set()
    for dv in ws.data_validations.dataValidation:
        if dv.type != "list":
            continue
        letters = {
            get_column_letter(c)
            for rng in dv.sqref.ranges
            for c in range(rng.min_col, rng.max_col + 1)
        }
        formula = str(dv.formula1 or "")
        if formula.startswith('"'):
            items: list[object] | None = [x for x in formula.strip('"').split(",") if x]
        else:
            resolved = resolve(wb, formula)
            items = _range_values(wb, *resolved) if resolved else None
        for letter in sorted(letters):
            fld = columns.get(letter)
            if fld is None:
                continue
            with_list.add(fld)
            where = {"column": prefix + letter, "label": _zh(rules, fld)}
            if items is None:
                problems.append(KqError("check_dropdown_source", **where, source=formula))
                continue
            if rules["fields"][fld]["type"] not in ("code", "yesno"):
                continue  # a list of the ledger's own values (the customer ids)
            for item in items:
                if not _known(item, fld, rules, vocab):
                    problems.append(KqError("check_dropdown_value", **where, value=item))
    return with_list


def _known(item: object, fld: str, rules: Rules, vocab: Any) -> bool:
    """Whether a dropdown item reads as a value of the field's codes (or yes/no)."""
    if rules["fields"][fld]["type"] == "yesno":
        return parse_yesno(item, vocab)[0] is not None
    return parse_code(item, vocab, rules.code_lookup.get(fld, {}))[0] is not None
