"""Write a plan: the workbook (from the plan template), JSON Lines or CSV — always atomically.

The workbook is made in two steps. openpyxl fills the template's small parts (header, issues,
legend, notes, table and conditional-format ranges); then the plan sheet's rows are streamed
straight into the package as inline strings — fast at 100,000 rows, and text from a ledger can
never become a formula.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import json
import math
import os
import re
import stat
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import numpy as np
import pandas as pd

from kqexcel.core.ledger import Problem
from kqexcel.core.plan import IDENTITY, NOTE_FIELDS, PLAN_FIELDS, Plan
from kqexcel.errors import LedgerError, OutputError, TemplateError
from kqexcel.io.cells import cell_text, put
from kqexcel.io.display import display_columns, is_missing
from kqexcel.io.files import NAME_MAX, exists
from kqexcel.io.package import sheet_part
from kqexcel.io.safety import active_content, check_file
from kqexcel.io.templates import (
    ISSUE_HEADERS,
    ISSUES_NAME,
    LEGEND_NAME,
    PLAN_NAME,
    SHEET_TITLES,
    TEMPLATE_MAX_MB,
    bundled,
)
from kqexcel.rules import Rules

EXCEL_EPOCH = dt.datetime(1899, 12, 30)
REASONS = {
    "zh": {
        "not_money": "不是金额",
        "not_a_number": "不是数字",
        "not_a_whole_number": "不是非负整数",
        "not_a_ratio": "不是比例（如 0.35、35%）",
        "ratio_out_of_range": "比例超过 100%",
        "not_a_date": "不是日期",
        "date_out_of_range": "日期不在 1900–2199 年之间（占位日期如 9999-12-31？），按空值处理",
        "not_yes_no": "不是 是/否",
        "not_a_number_list": "不是数字列表（如 12;8;15）",
        "unknown_value": "不是可识别的选项",
        "missing_name": "客户名称为空，该行未计入",
        "duplicate_id": "客户编号重复（首次出现在第 {detail} 行），该行未计入",
        "no_value_no_tier": "缺少价值数据，无法分层",
        "renewal_without_results": "续签客户缺少历史/本期效果，无法评估续约风险",
        "duplicate_id_across": "客户编号与 {detail} 重复，该行未计入",
        "error_value": "单元格是错误值（如 #N/A、#DIV/0!），按空值处理",
        "formula_no_value": "公式没有保存计算结果（请在 Excel 中打开并保存后再试），按空值处理",
        "ledger_failed": "整个台账无法读取：{detail}",
        "too_many_columns": "列太多，这 {detail} 列没有读入；上限见规则 safety.max_columns",
    },
    "en": {
        "not_money": "not an amount of money",
        "not_a_number": "not a number",
        "not_a_whole_number": "not a whole number ≥ 0",
        "not_a_ratio": "not a ratio (e.g. 0.35, 35%)",
        "ratio_out_of_range": "ratio above 100%",
        "not_a_date": "not a date",
        "date_out_of_range": "date outside 1900–2199 (a placeholder like 9999-12-31?); counted as empty",
        "not_yes_no": "not yes/no",
        "not_a_number_list": "not a list of numbers (e.g. 12;8;15)",
        "unknown_value": "not a known option",
        "missing_name": "customer name is empty; row left out",
        "duplicate_id": "duplicate customer ID (first at row {detail}); row left out",
        "no_value_no_tier": "no value: no tier",
        "renewal_without_results": "renewal customer without past/current results: renewal risk not assessed",
        "duplicate_id_across": "customer ID already in {detail}; row left out",
        "error_value": "the cell holds an error value (e.g. #N/A, #DIV/0!); counted as empty",
        "formula_no_value": "a formula without a saved result (open and save the file in Excel); counted as empty",
        "ledger_failed": "the whole ledger could not be read: {detail}",
        "too_many_columns": "too many columns: these {detail} columns were not read; limit: rules key safety.max_columns",
    },
}
KINDS = {
    "zh": {"problem": "数据问题", "gap": "数据缺口"},
    "en": {"problem": "problem", "gap": "gap"},
}


def reason_text(problem: Problem, lang: str) -> str:
    """The reason of a data problem in a rep's words."""
    text = REASONS[lang].get(problem.reason, problem.reason)
    return text.format(detail=problem.detail)


# --------------------------------------------------------------------------- shared helpers


def refuse_existing(paths: Iterable[Path], force: bool) -> None:
    """Before writing several files: none of them may exist already unless ``force``."""
    for path in paths:
        if len(path.name.encode("utf-8")) > NAME_MAX:
            raise OutputError(
                f"cannot write {path}: the file name is too long "
                f"({len(path.name.encode('utf-8'))} bytes, at most {NAME_MAX}); choose a shorter -o"
            )
        if not force and exists(path):
            raise OutputError(f"{path} already exists (use --force to overwrite it)")


def write_text(out: Path, text: str, force: bool = True, encoding: str = "utf-8") -> Path:
    """A text file (newlines as given) written atomically."""
    atomic_write(out, force, lambda stream: stream.write(text.encode(encoding)))
    return out


def atomic_write(out: Path, force: bool, write: Callable[[IO[bytes]], object]) -> None:
    """Write ``out`` through a temporary file in the same folder, then replace it."""
    refuse_existing([out], force)
    if exists(out) and out.is_dir():
        raise OutputError(f"{out} is a folder")
    folder = out.parent if str(out.parent) else Path(".")
    try:  # a short temporary name: an output whose own name is near the limit still works
        handle, tmp = tempfile.mkstemp(prefix=".~kq-", suffix=out.suffix[:16], dir=folder)
    except FileNotFoundError:
        raise OutputError(f"cannot write {out}: folder {folder} does not exist") from None
    except NotADirectoryError:
        raise OutputError(
            f"cannot write {out}: {_not_folder(folder)} is a file, not a folder"
        ) from None
    except PermissionError:
        raise OutputError(f"cannot write {out}: no permission to write in {folder}") from None
    except OSError as exc:
        raise OutputError(f"cannot write {out}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(handle, "wb") as stream:
            write(stream)
        os.chmod(tmp, _file_mode(out))  # mkstemp makes it private; a plan is an ordinary file
        os.replace(tmp, out)
    except PermissionError:
        _remove(tmp)
        raise OutputError(f"cannot write {out}: permission denied (is it open in Excel?)") from None
    except OSError as exc:  # a full disk, a vanished network drive …
        _remove(tmp)
        raise OutputError(f"cannot write {out}: {exc.strerror or exc}") from None
    except BaseException:
        _remove(tmp)
        raise


def _not_folder(folder: Path) -> Path:
    """The part of ``folder`` that is a file (``-o ledger.xlsx/plan.xlsx``)."""
    for part in [folder, *folder.parents]:
        if part.is_file():
            return part
    return folder


def _read_umask() -> int:
    mask = os.umask(0o022)  # the only way to read it; done once, at import, before any thread
    os.umask(mask)
    return mask


_UMASK = _read_umask()


def _file_mode(out: Path) -> int:
    """The mode the output keeps (when replacing one) or a new file gets under the umask."""
    try:
        return stat.S_IMODE(out.stat().st_mode)
    except OSError:
        return 0o666 & ~_UMASK


def _remove(path: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)


# --------------------------------------------------------------------------- JSON and CSV


def plan_records(plan: Plan) -> Iterator[dict[str, Any]]:
    """The plan as DOMAIN.md §9 records: codes, ISO dates, None for missing."""
    t = plan.table
    keys = [*IDENTITY, *PLAN_FIELDS]
    ints = {"contacts_to_decide", "contacts_remaining", "priority_score", "days_overdue"}
    columns = {k: t[k].tolist() for k in keys}
    for i in range(len(t)):
        record: dict[str, Any] = {}
        for key in keys:
            value = columns[key][i]
            if key == "warnings":
                value = list(value)
            elif is_missing(value):
                value = None
            elif key == "next_contact":
                value = pd.Timestamp(value).date().isoformat()
            elif key in ints:
                value = int(value)
            elif isinstance(value, (np.floating, float)):
                value = float(value)
            elif isinstance(value, np.integer):
                value = int(value)
            record[key] = value
        yield record


def write_json(plan: Plan, stream: IO[str]) -> None:
    """JSON Lines, one object per customer."""
    for record in plan_records(plan):
        stream.write(json.dumps(record, ensure_ascii=False) + "\n")


def write_csv(plan: Plan, stream: IO[str], header: bool = True) -> None:
    """CSV with the same keys as JSON; warnings joined by ';'."""
    writer = csv.writer(stream)
    keys = [*IDENTITY, *PLAN_FIELDS]
    if header:
        writer.writerow(keys)
    for record in plan_records(plan):
        row = []
        for key in keys:
            value = record[key]
            if key == "warnings":
                value = ";".join(value)
            row.append(cell_text(value, quote=True) if isinstance(value, str) else value)
        writer.writerow(row)


# --------------------------------------------------------------------------- the workbook


def _esc(text: str) -> str:
    """Text as XML character data: &, <, > escaped; characters XML cannot hold dropped."""
    text = cell_text(text)
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    return text


def _tail(value: Any, style: int, date_style: int) -> str | None:
    """Everything of a cell's XML after its reference; None for an empty cell."""
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, str):
        return f' s="{style}" t="inlineStr"><is><t xml:space="preserve">{_esc(value)}</t></is></c>'
    if isinstance(value, (bool, np.bool_)):
        return f' s="{style}" t="b"><v>{int(value)}</v></c>'
    if isinstance(value, (int, float, np.integer, np.floating)):
        number = float(value)
        if math.isnan(number) or math.isinf(number):
            return None
        text = str(int(number)) if number.is_integer() and abs(number) < 1e15 else repr(number)
        return f' s="{style}"><v>{text}</v></c>'
    if isinstance(value, (dt.datetime, dt.date)):
        moment = value if isinstance(value, dt.datetime) else dt.datetime.combine(value, dt.time())
        serial = (moment.replace(tzinfo=None) - EXCEL_EPOCH).total_seconds() / 86400
        return f' s="{date_style}"><v>{int(serial) if serial.is_integer() else serial}</v></c>'
    return _tail(str(value), style, date_style)


def _cells(
    letter: str, values: list[Any], style: int, date_style: int, first_row: int
) -> list[str]:
    """The XML of one column's cells ('' for an empty cell). Repeated values (labels, codes,
    dates) are turned into XML once."""
    cache: dict[Any, str | None] = {}
    out = []
    prefix = f'<c r="{letter}'
    for r, value in enumerate(values, start=first_row):
        if value.__class__ is bool:  # True == 1.0 as a dict key: never cached
            out.append(f'{prefix}{r}"{_tail(value, style, date_style)}')
            continue
        try:
            tail = cache[value]
        except KeyError:
            tail = _tail(value, style, date_style)
            if not (isinstance(value, str) and len(value) > 64):
                cache[value] = tail
        except TypeError:  # unhashable
            tail = _tail(value, style, date_style)
        out.append("" if tail is None else f'{prefix}{r}"{tail}')
    return out


def _name_target(wb: Any, name: str) -> tuple[Any, int, int]:
    from openpyxl.utils.cell import column_index_from_string, coordinate_from_string

    where = getattr(wb, "kq_path", "the template")
    defined = wb.defined_names.get(name)
    if defined is None:
        raise TemplateError(
            f"{where}: the template has no defined name '{name}' (kq template check explains)"
        )
    destinations = list(defined.destinations)
    if not destinations or destinations[0][0] not in wb.sheetnames:
        raise TemplateError(
            f"{where}: the defined name '{name}' does not point at a sheet of the template"
        )
    sheet, ref = destinations[0]
    letter, row = coordinate_from_string(ref.replace("$", "").split(":")[0])
    return wb[sheet], row, column_index_from_string(letter)


def _extend_ranges(
    ws: Any, proto_row: int, last_row: int, proto_last_col: int = 0, last_col: int = 0
) -> None:
    """Stretch conditional-format ranges on the prototype row over every data row, and a range that
    spans the whole prototype row (a row format) over every column of the table."""
    from openpyxl.formatting.formatting import ConditionalFormattingList
    from openpyxl.worksheet.cell_range import CellRange

    old = ws.conditional_formatting
    new = ConditionalFormattingList()
    for cf in old:
        ranges = []
        for rng in cf.sqref.ranges:
            cr = CellRange(rng.coord)
            if cr.min_row <= proto_row <= cr.max_row:
                cr.max_row = max(cr.max_row, last_row)
                if proto_last_col and cr.max_col >= proto_last_col:
                    cr.max_col = max(cr.max_col, last_col)
            ranges.append(cr.coord)
        for rule in cf.rules:
            new.add(" ".join(ranges), rule)
    ws.conditional_formatting = new


def _relabel_formats(sheets: Iterable[Any], rules: Rules, lang: str) -> None:
    """Conditional formats compare with labels ("P1", "高"): the template holds the default
    labels (either language), so the labels the plan shows in ``lang`` are put in their place."""
    from kqexcel.rules import default_rules

    default = default_rules()

    def quoted(label: object) -> str:  # an Excel text literal
        return '"' + str(label).replace('"', '""') + '"'

    swaps = {
        quoted(default.label(d, c, either)): quoted(rules.label(d, c, lang))
        for d in ("priority", "renewal_risk")
        for c in rules["codes"][d]
        for either in ("zh", "en")
    }
    swaps = {a: b for a, b in swaps.items() if a != b}
    if not swaps:
        return
    pattern = re.compile("|".join(re.escape(a) for a in sorted(swaps, key=len, reverse=True)))
    for ws in sheets:
        for cf in ws.conditional_formatting:
            for rule in cf.rules:
                rule.formula = [
                    pattern.sub(lambda m: swaps[m.group(0)], f) for f in rule.formula or []
                ]


def fill_issues(wb: Any, problems: list[Problem], lang: str, name: str = ISSUES_NAME) -> None:
    """The problems list at the defined name ``name``."""
    ws, row, col = _name_target(wb, name)
    for j, text in enumerate(ISSUE_HEADERS[lang]):
        put(ws, row, col + j, text)
    for i, p in enumerate(problems, start=row + 1):
        values = [
            p.file,
            p.sheet,
            p.row,
            p.column,
            p.value,
            reason_text(p, lang),
            KINDS[lang][p.kind],
        ]
        for j, value in enumerate(values):
            if isinstance(value, (dt.date, dt.datetime)):
                value = value.isoformat()
            put(
                ws,
                i,
                col + j,
                value if value is None or isinstance(value, (int, float)) else str(value),
            )


def _fill_legend(wb: Any, rules: Rules, lang: str, plan: Plan, title: str | None = None) -> None:
    """The 说明 / Legend sheet: what every column and every code means, in the reps' words."""
    from openpyxl.styles import Alignment, Font

    ws, row, col = _name_target(wb, LEGEND_NAME)
    texts = rules.tree.get("texts", {}).get("legend", {})
    title = title or {"zh": "跟进计划说明", "en": "About this plan"}[lang]
    put(ws, row, col, title).font = Font(bold=True, size=14)
    facts = {
        "zh": f"基准日 {plan.as_of.isoformat()}；规则版本 {rules.version}；来源 {', '.join(f for f, _ in plan.sources)}",
        "en": f"As of {plan.as_of.isoformat()}; rules version {rules.version}; source {', '.join(f for f, _ in plan.sources)}",
    }
    put(ws, row + 1, col, facts[lang])
    intro = texts.get("intro", {}).get(lang)
    r = row + 2
    if intro:
        put(ws, r, col, intro).alignment = Alignment(wrap_text=False)
        r += 1
    r += 1
    heads = {"zh": ("字段", "代码", "说明"), "en": ("Field", "Code", "Meaning")}[lang]
    for j, head in enumerate(heads):
        put(ws, r, col + j, head).font = Font(bold=True)
    r += 1
    for key in PLAN_FIELDS:
        put(ws, r, col, rules.field_label(key, lang))
        put(ws, r, col + 1, key)
        put(ws, r, col + 2, texts.get(key, {}).get(lang, "")).alignment = Alignment(
            wrap_text=True, vertical="top"
        )
        r += 1
    r += 1
    code_domains = [
        ("tier", None),
        ("profit_quadrant", "quadrant"),
        ("motivation", "motivation"),
        ("style", "style"),
        ("lifecycle", "lifecycle"),
        ("renewal_risk", None),
        ("intent", "intent"),
        ("stage", "stage"),
        ("priority", None),
        ("channel", "channel"),
        ("objective", "objective"),
        ("warning", "warning"),
    ]
    own = rules.tree.get("texts", {}).get("legend_codes", {})

    def pct(x: float) -> str:  # 80%, 72.5%
        return f"{x * 100:.1f}".rstrip("0").rstrip(".") + "%"

    numbers = {
        "{a}": pct(rules["tier"]["a_share"]),
        "{b}": pct(rules["tier"]["b_share"]),
        "{p1}": str(rules["priority"]["p1"]),
        "{p2}": str(rules["priority"]["p2"]),
    }
    for domain, text_domain in code_domains:
        header = rules.field_label("warnings" if domain == "warning" else domain, lang)
        put(ws, r, col, header).font = Font(bold=True)
        r += 1
        for code in rules["codes"][domain]:
            put(ws, r, col, rules.label(domain, code, lang))
            put(ws, r, col + 1, code)
            text: str | None = rules.text(text_domain, code, lang) if text_domain else None
            if domain == "style" and code != "unknown":
                text = " ".join(
                    x
                    for x in (
                        rules.text("style", code, lang, "approach"),
                        rules.text("style", code, lang, "words"),
                    )
                    if x
                )
            text = text or own.get(domain, {}).get(code, {}).get(lang)
            for key, number in numbers.items():
                text = text.replace(key, number) if text else text
            if text:
                put(ws, r, col + 2, text.replace("{promise}", "…")).alignment = Alignment(
                    wrap_text=True, vertical="top"
                )
            r += 1
        r += 1


def retitle(wb: Any, lang: str, titles: dict[str, dict[str, str]] = SHEET_TITLES) -> None:
    """Give the template's sheets their names in ``lang`` (only sheets still named as the
    bundled template names them; an admin's own names stay), keeping defined names pointing."""
    for names in titles.values():
        for ws in wb.worksheets:
            if (
                ws.title in names.values()
                and ws.title != names[lang]
                and names[lang] not in wb.sheetnames
            ):
                old, ws.title = ws.title, names[lang]
                for defined in list(wb.defined_names.values()):
                    defined.attr_text = defined.attr_text.replace(
                        f"'{old}'!", f"'{ws.title}'!"
                    ).replace(f"{old}!", f"'{ws.title}'!")


def open_template(template: str | Path | None, default: str) -> tuple[Any, Path]:
    """Load a (bundled or customised) template with openpyxl."""
    from openpyxl import load_workbook

    path = Path(template) if template else bundled(default)
    if template:  # a customised template passes the checks every ledger passes (bombs, encryption)
        try:
            check_file(path, max_unpacked_mb=TEMPLATE_MAX_MB)
        except LedgerError as exc:
            raise TemplateError(str(exc).replace("the workbook", "the template")) from None
        active = active_content(path)
        if active:
            raise TemplateError(
                f"{path}: refused: the template holds {'; '.join(active)}; "
                "remove them and save it again (kq template check lists them)"
            )
    try:  # read into memory first: openpyxl leaves the file open when the package is damaged
        wb = load_workbook(io.BytesIO(path.read_bytes()))
    except FileNotFoundError:
        raise TemplateError(f"template not found: {path}") from None
    except Exception as exc:
        raise TemplateError(f"{path}: cannot open the template ({exc})") from None
    wb.kq_path = path  # named in the errors about the template
    return wb, path


FIRST_BLOCK, MAX_BLOCK, CHUNK = 16, 2000, 4_000_000  # rows, rows, characters


@dataclass
class StreamedTable:
    """A table whose header is in the template and whose rows are streamed into the package."""

    title: str
    head_row: int
    head_col: int
    columns: list[tuple[str, list[Any]]]
    styles: list[int]
    date_styles: list[int]

    @property
    def n(self) -> int:
        return len(self.columns[0][1]) if self.columns else 0

    @property
    def dimension(self) -> str:
        from openpyxl.utils import get_column_letter

        last = get_column_letter(self.head_col + max(len(self.columns), 1) - 1)
        return f"A1:{last}{self.head_row + max(self.n, 1)}"

    def rows_xml(self, progress: Callable[[int], None] | None = None) -> Iterator[str]:
        """The rows' XML in chunks of about ``CHUNK`` characters: the first block holds
        ``FIRST_BLOCK`` rows, the next ones as many rows (up to ``MAX_BLOCK``) as the last
        block's size per row allows, so that long texts do not pile up in memory."""
        from openpyxl.utils import get_column_letter

        letters = [get_column_letter(self.head_col + j) for j in range(len(self.columns))]
        start, block = 0, FIRST_BLOCK
        while start < self.n:
            stop = min(start + block, self.n)
            first = self.head_row + 1 + start
            cols = [
                _cells(letters[j], values[start:stop], self.styles[j], self.date_styles[j], first)
                for j, (_, values) in enumerate(self.columns)
            ]
            chunk = "".join(
                f'<row r="{first + i}">{"".join(cells)}</row>'
                for i, cells in enumerate(zip(*cols, strict=True))
            )
            del cols
            yield chunk
            if progress:
                progress(stop - start)
            block = max(1, min(MAX_BLOCK, CHUNK * (stop - start) // max(len(chunk), 1)))
            start = stop


def prepare_table(wb: Any, name: str, columns: list[tuple[str, list[Any]]]) -> StreamedTable:
    """Write the header at the defined name ``name``, take each column's style from the template's
    prototype row below it (extra columns take the last prototype's), and stretch the table and
    the conditional formats over the rows to come."""
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.table import TableColumn

    ws, head_row, head_col = _name_target(wb, name)
    proto_row = head_row + 1
    n_proto = 0
    while ws.cell(head_row, head_col + n_proto).value is not None:
        n_proto += 1
    n_proto = max(n_proto, 1)
    header_style = ws.cell(head_row, head_col)._style
    protos = [ws.cell(proto_row, head_col + j) for j in range(n_proto)]
    styles = [protos[min(j, n_proto - 1)].style_id for j in range(len(columns))]
    date_style = next((c.style_id for c in protos if c.is_date), protos[-1].style_id)
    date_styles = [
        styles[j] if protos[min(j, n_proto - 1)].is_date else date_style
        for j in range(len(columns))
    ]
    for j, (header, _) in enumerate(columns):
        cell = put(ws, head_row, head_col + j, str(header))
        if j >= n_proto:
            cell._style = header_style
    for j in range(len(columns), n_proto):
        ws.cell(head_row, head_col + j).value = None
    for cell in protos:
        cell.value = None
    n = len(columns[0][1]) if columns else 0
    last_row = head_row + max(n, 1)
    first_col = get_column_letter(head_col)
    ref = f"{first_col}{head_row}:{get_column_letter(head_col + len(columns) - 1)}{last_row}"
    for table in list(ws.tables.values()):
        if table.ref.split(":")[0].replace("$", "") == f"{first_col}{head_row}":
            table.ref = ref
            # named here, so openpyxl does not create every cell of the range to read the header
            table.tableColumns = [
                TableColumn(id=j + 1, name=str(h)) for j, (h, _) in enumerate(columns)
            ]
            if table.autoFilter is not None:
                table.autoFilter.ref = ref
    _extend_ranges(ws, proto_row, last_row, head_col + n_proto - 1, head_col + len(columns) - 1)
    return StreamedTable(ws.title, head_row, head_col, columns, styles, date_styles)


def save_streamed(
    wb: Any,
    out: Path,
    tables: list[StreamedTable],
    force: bool,
    progress: Callable[[int], None] | None = None,
) -> Path:
    """Save ``wb`` with the rows of ``tables`` streamed in, atomically."""
    staged = io.BytesIO()
    wb.save(staged)
    parts = {sheet_part(staged, t.title): t for t in tables}

    def write(stream: IO[bytes]) -> None:
        def splice(zip64: bool | None) -> None:
            _splice(
                staged,
                stream,
                {
                    part: (t.head_row, t.dimension, t.rows_xml(progress), t.n)
                    for part, t in parts.items()
                },
                zip64,
            )

        try:
            splice(None)
        except RuntimeError as exc:  # past 2 GiB after all (rows far longer than the first ones)
            if "zip64" not in str(exc).lower():
                raise
            stream.seek(0)
            stream.truncate()
            splice(True)

    atomic_write(out, force, write)
    return out


def write_plan(
    plan: Plan,
    rules: Rules,
    out: str | Path,
    template: str | Path | None = None,
    force: bool = False,
    progress: Callable[[int], None] | None = None,
) -> Path:
    """Write the plan workbook ``out`` from the plan template (atomically)."""
    from openpyxl.comments import Comment

    wb, template_path = open_template(template, "plan.xlsx")
    retitle(wb, plan.lang)
    ws = _name_target(wb, PLAN_NAME)[0]
    for other in (ISSUES_NAME, LEGEND_NAME):
        if _name_target(wb, other)[0] is ws:
            raise TemplateError(
                f"{template_path}: '{other}' must be on another sheet than the plan"
            )
    table = prepare_table(wb, PLAN_NAME, display_columns(plan, rules))
    _relabel_formats([ws], rules, plan.lang)
    n = len(plan.table)
    if 0 < n <= rules["output"]["notes_max_rows"]:
        for fld in NOTE_FIELDS:
            col = table.head_col + len(IDENTITY) + PLAN_FIELDS.index(fld)
            for i, text in enumerate(plan.notes[fld].tolist()):
                if text:
                    ws.cell(table.head_row + 1 + i, col).comment = Comment(
                        cell_text(text), "kqexcel", width=420, height=160
                    )
    fill_issues(wb, plan.problems, plan.lang)
    _fill_legend(wb, rules, plan.lang, plan)
    return save_streamed(wb, Path(out), [table], force, progress)


_ROW = re.compile(r'<row [^>]*?r="(\d+)"[^>]*?(?:/>|>.*?</row>)', re.S)


def _ahead(chunks: Iterable[str], depth: int = 4) -> Iterator[bytes]:
    """Encode the XML chunks in a thread while the caller compresses the previous ones (zlib
    releases the GIL, so the two run side by side on two cores). When the caller stops early
    (an error, Ctrl-C), the producer is told to stop and is not left blocked on a full queue."""
    import queue
    import threading

    pipe: queue.Queue[tuple[str, Any]] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def hand(item: tuple[str, Any]) -> bool:
        while not stop.is_set():
            try:
                pipe.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for chunk in chunks:
                if not hand(("data", chunk.encode("utf-8", "replace"))):
                    return
            hand(("end", None))
        except BaseException as exc:  # handed to the consumer, raised there
            hand(("error", exc))

    worker = threading.Thread(target=produce, daemon=True)
    worker.start()
    try:
        while True:
            kind, item = pipe.get()
            if kind == "data":
                yield item
            elif kind == "error":
                raise item
            else:
                break
    finally:
        stop.set()
        worker.join(timeout=5)


ZIP64_FROM = 1 << 30  # a sheet part expected past 1 GiB is written with ZIP64 (needed past 2 GiB)


def _splice(
    package: io.BytesIO,
    stream: IO[bytes],
    parts: dict[str, tuple[int, str, Iterable[str], int]],
    zip64: bool | None = None,
) -> None:
    """Copy the package, replacing the data rows (below each head row) of the sheet parts.
    ZIP64 only where a part needs it (``zip64`` None: judged from the first block of rows),
    since Excel refuses ZIP64 records in a small package."""
    with (
        zipfile.ZipFile(package) as src,
        zipfile.ZipFile(stream, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as dst,
    ):
        for info in src.infolist():
            if info.filename not in parts:
                dst.writestr(
                    info,
                    src.read(info.filename),
                    compress_type=zipfile.ZIP_DEFLATED,
                    compresslevel=1,
                )
                continue
            head_row, dimension, rows, n_rows = parts[info.filename]
            xml = src.read(info.filename).decode("utf-8")
            start = xml.find("<sheetData")
            if xml.startswith("<sheetData/>", start):
                head, inner, tail = xml[:start], "", xml[start + len("<sheetData/>") :]
            else:
                open_end = xml.index(">", start) + 1
                close = xml.index("</sheetData>", open_end)
                head, inner, tail = (
                    xml[:start],
                    xml[open_end:close],
                    xml[close + len("</sheetData>") :],
                )
            kept = "".join(m.group(0) for m in _ROW.finditer(inner) if int(m.group(1)) <= head_row)
            head = re.sub(r'<dimension ref="[^"]*"\s*/>', f'<dimension ref="{dimension}"/>', head)
            target = zipfile.ZipInfo(info.filename, date_time=info.date_time)
            target.compress_type = zipfile.ZIP_DEFLATED
            target._compresslevel = 1  # type: ignore[attr-defined]  # a ZipInfo of our own ignores the archive's level
            chunks = _ahead(rows)
            first = next(chunks, b"")
            big = zip64  # None: judged by the first block, which holds FIRST_BLOCK rows
            if big is None:
                big = len(first) * max(n_rows, 1) / max(min(n_rows, FIRST_BLOCK), 1) > ZIP64_FROM
            with dst.open(target, "w", force_zip64=big) as out:
                out.write(head.encode("utf-8"))
                out.write(b"<sheetData>")
                out.write(kept.encode("utf-8"))
                out.write(first)
                for chunk in chunks:
                    out.write(chunk)
                out.write(b"</sheetData>")
                out.write(tail.encode("utf-8"))
