"""The report's files: find the ledgers, read them (in parallel), read last month's report,
write the report workbook."""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import math
import re
import signal
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl.utils import get_column_letter

from kqexcel.core.ledger import Ledger
from kqexcel.errors import KqError, LedgerError, one_line
from kqexcel.io.cells import put, set_value
from kqexcel.io.display import display_columns, is_missing, warning_texts
from kqexcel.io.files import write_text
from kqexcel.io.fill import (
    issues_table,
    name_target,
    open_template,
    prepare_table,
    relabel_formats,
    retitle,
    rows_table,
    split_reference,
    top_left,
)
from kqexcel.io.ledger import FORMATS, read_ledger
from kqexcel.io.legend import fill_legend
from kqexcel.io.package import defined_name
from kqexcel.io.report_template import BLOCKS, MOVE_LABELS, REPORT_SHEETS
from kqexcel.io.safety import check_file
from kqexcel.io.templates import LEGEND_NAME, SHORT_FIELDS, font
from kqexcel.io.wording import labels, pair, word
from kqexcel.io.xlsx_stream import StreamedTable, save_streamed
from kqexcel.report import (
    OVERVIEW_LABELS,
    OWNER_COMPARED,
    OWNER_KEYS,
    SHARES,
    LastMonth,
    Report,
    distribution,
    escalations,
    money_unit,
    month_figures,
    overview,
    overview_over_month,
    owner_changes,
    owners_of,
    owners_over_month,
    reclaim,
    same_customer,
    tiers_table,
    warning_rows,
)
from kqexcel.rules import LANGS, MONEY_SCALES, Rules, default_rules, norm_key

STATUS = {status: pair(f"report_status_{status}") for status in ("ok", "problems", "failed")}


def find_ledgers(
    paths: list[Path], skip: set[Path] | None = None, reports: set[Path] | None = None
) -> list[Path]:
    """Files and folders (searched recursively) → ledger files, sorted; Excel lock files, hidden
    temporaries and kq's own outputs are skipped. ``reports`` are this run's outputs: found in
    a folder, one is skipped when it is a report kq wrote (it is replaced), and kept otherwise,
    so that the caller sees it is a ledger the output would replace."""
    skip = {p.resolve() for p in (skip or set())}
    replaced = {p.resolve() for p in (reports or set())}
    found: list[Path] = []
    for path in paths:
        if not path.is_dir():  # a file named on the command line is read whatever its name
            if path.resolve() not in skip and path not in found:
                found.append(path)
            continue
        for p in sorted(p for p in path.rglob("*") if p.is_file()):
            name = p.name
            if p.suffix.lower() not in FORMATS or name.startswith(("~$", ".~", ".")):
                continue
            if name.startswith("kq_report") or p.resolve() in skip or _kq_plan(p):
                continue
            if p.resolve() in replaced and _kq_report(p):
                continue
            if p not in found:
                found.append(p)
    return found


def _kq_report(path: Path) -> bool:
    """A report workbook kq wrote (it has the defined name of the customers block)."""
    try:
        return defined_name(path, "kq_report_customers") is not None
    except Exception:
        return False


def _kq_plan(path: Path) -> bool:
    """A plan kq wrote (`<ledger>_plan.xlsx`, or a `_plan.csv` whose header is kq's own: the
    JSON keys of ``--codes``, or the plan sheet's headers in Chinese or English)."""
    if not path.stem.endswith("_plan"):
        return False
    if path.suffix.lower() != ".csv":
        return path.suffix.lower() == ".xlsx"
    try:
        with path.open("rb") as handle:
            head = handle.read(4096).lstrip(b"\xef\xbb\xbf").decode("utf-8", "replace")
    except OSError:
        return False
    if head.startswith("customer_id,name,owner,region,"):
        return True
    cells = set(next(csv.reader(io.StringIO(head.split("\n", 1)[0])), []))
    rules = default_rules()
    return any(
        {rules.field_label(k, lang) for k in ("priority_score", "next_contact", "rationale")}
        <= cells
        for lang in LANGS
    )


Work = tuple[Path, Rules, str, dt.date | None]  # a ledger, the rules, the language, as_of


def _read_one(args: Work) -> tuple[str, Ledger | str]:
    path, rules, lang, as_of = args
    try:
        return str(path), read_ledger(path, rules, as_of=as_of).relabel(str(path))
    except KqError as exc:
        return str(path), exc.text(lang, rules["errors"])
    except Exception as exc:  # one bad file never ends the batch
        failed = KqError("read_failed", path=path, why=f"{type(exc).__name__}: {exc}")
        return str(path), failed.text(lang, rules["errors"])


def read_all(
    paths: list[Path],
    rules: Rules,
    jobs: int = 1,
    progress: Callable[[int], None] | None = None,
    lang: str = "zh",
    as_of: dt.date | None = None,
    scheduler: str | None = None,
) -> list[tuple[str, Ledger | str]]:
    """Read every ledger (in ``jobs`` processes, or [8/8] on the Dask cluster at ``scheduler``);
    a ledger that fails carries its error text (in ``lang``); ``as_of`` places the dates written
    without a year.

    A worker process that dies (out of memory, a crash inside a reader) costs only the ledger
    it was reading: with ``jobs``, the ledgers its pool had not finished are read again, each in
    a process of its own; on a cluster, dask gives them to another worker. The one that kills
    its process again is listed as failed."""
    work: list[Work] = [(p, rules, lang, as_of) for p in paths]
    tick = progress or (lambda n: None)
    if scheduler:
        return _read_on_cluster(work, scheduler, tick)
    if jobs <= 1 or len(work) <= 1:
        results = []
        for item in work:
            results.append(_read_one(item))
            tick(1)
        return results
    pool = ProcessPoolExecutor(max_workers=jobs, initializer=_worker_signals)
    try:
        done, lost = _read_with(pool, work, tick, lambda e: isinstance(e, BrokenProcessPool))
        broken = list(lost)
        pool.shutdown()
        if broken:
            with ThreadPoolExecutor(max_workers=jobs) as threads:
                for i, result in zip(
                    broken, threads.map(_read_alone, [work[i] for i in broken]), strict=True
                ):
                    done[i] = result
                    tick(1)
    except BaseException:  # Ctrl-C, SIGTERM: stop the workers now, not after the queue
        _stop(pool)
        raise
    return [done[i] for i in range(len(work))]


def _read_with(
    executor: Any,
    work: list[Work],
    tick: Callable[[int], None],
    lost: Callable[[BaseException], bool],
    read: Callable[[Any], tuple[str, Ledger | str]] | None = None,
) -> tuple[dict[int, tuple[str, Ledger | str]], dict[int, BaseException]]:
    """Every ledger through ``executor`` (a process pool, or a Dask cluster's executor): the
    results by position, and the positions that came back as an exception ``lost`` takes (a
    process that died) with it. ``read``: ``_read_one`` (on a cluster, the same behind the
    fetching of the shared rules)."""
    futures = {executor.submit(read or _read_one, item): i for i, item in enumerate(work)}
    done: dict[int, tuple[str, Ledger | str]] = {}
    failed: dict[int, BaseException] = {}
    for future in as_completed(futures):
        i = futures[future]
        try:
            done[i] = future.result()
        except Exception as exc:
            if not lost(exc):
                raise
            failed[i] = exc
            continue
        tick(1)
    return done, dict(sorted(failed.items()))


def _read_on_worker(item: tuple[Path, str, str, dt.date | None]) -> tuple[str, Ledger | str]:
    """On a cluster's worker: ``_read_one`` with the rules ``cluster.shared_rules`` shares."""
    from kqexcel.io import cluster

    path, name, lang, day = item
    return _read_one((path, cluster.shared(name), lang, day))


def _read_on_cluster(
    work: list[Work], scheduler: str, tick: Callable[[int], None]
) -> list[tuple[str, Ledger | str]]:
    """[8/8] The ledgers read on the cluster's workers, by path; only plain data comes back. A
    ledger whose reading killed every worker that tried it is listed as failed."""
    from kqexcel.io import cluster

    with (
        cluster.connect(scheduler) as client,
        cluster.quiet_dask(),
        cluster.shared_rules(client, work) as remote,
    ):
        executor = client.get_executor(pure=False)
        try:  # anything the cluster says of one ledger is that ledger's one line
            done, lost = _read_with(executor, remote, tick, lambda e: True, _read_on_worker)
        except BaseException:  # Ctrl-C: nothing left running on the cluster for this batch
            executor.shutdown(wait=False)
            raise
        for i, exc in lost.items():
            path, rules, lang, _ = work[i]
            error = (
                KqError("read_process_died", path=path)
                if cluster.died(exc)
                else KqError("read_failed", path=path, why=one_line(exc))
            )
            done[i] = str(path), error.text(lang, rules["errors"])
            tick(1)
    return [done[i] for i in range(len(work))]


def _worker_signals() -> None:
    """In a worker: Ctrl-C is the parent's to handle (no traceback from each worker), and a
    terminate signal simply ends the process."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _stop(pool: ProcessPoolExecutor) -> None:
    pool.shutdown(wait=False, cancel_futures=True)
    for process in list((getattr(pool, "_processes", None) or {}).values()):
        with contextlib.suppress(Exception):
            process.terminate()


def _read_alone(item: Work) -> tuple[str, Ledger | str]:
    """One ledger in a process of its own (after a worker died)."""
    path, rules, lang, _ = item
    with ProcessPoolExecutor(max_workers=1, initializer=_worker_signals) as solo:
        try:
            return solo.submit(_read_one, item).result()
        except BrokenProcessPool:
            died = KqError("read_process_died", path=path)
            return str(path), died.text(lang, rules["errors"])


def open_previous(path: Path, rules: Rules) -> Any:
    """Last month's report, checked and opened once (python-calamine) for all that is read of
    it: its customers, its month, its figures."""
    import python_calamine as pc

    # a report of many customers unpacks large by nature: no total limit, but bombs are refused
    check_file(path, max_unpacked_mb=math.inf, max_ratio=rules["safety"]["max_compression_ratio"])
    try:
        return pc.CalamineWorkbook.from_path(str(path))
    except Exception as exc:
        raise LedgerError("previous_unreadable", path=path, why=exc) from None


def read_previous(path: Path, rules: Rules, book: Any = None) -> pd.DataFrame:
    """customer_id, name, owner and tier (as codes) from last month's report (its Customers
    sheet), in either language, with this company's headers and tier labels; ``book``: the
    report as :func:`open_previous` opened it."""
    try:
        return _read_previous(path, rules, open_previous(path, rules) if book is None else book)
    except KqError:
        raise
    except Exception as exc:  # a damaged package: one line that names the file
        raise _unreadable(path, exc) from None


def _unreadable(path: Path, exc: Exception) -> LedgerError:
    """Last month's report cannot be read: the file and the reason, on one line."""
    return LedgerError("previous_unreadable", path=path, why=one_line(exc))


def _read_previous(path: Path, rules: Rules, book: Any) -> pd.DataFrame:
    sheet, first_row, first_col = _customers_block(path)
    names = {v for titles in (REPORT_SHEETS["customers"],) for v in titles.values()}
    sheet = (
        sheet
        if sheet in book.sheet_names
        else next((n for n in book.sheet_names if n in names), None)
    )
    if sheet is None:
        raise LedgerError("previous_not_report", path=path, sheets=" / ".join(sorted(names)))
    rows = [
        list(r[first_col:])
        for r in book.get_sheet_by_name(sheet).to_python(skip_empty_area=False)[first_row:]
    ]
    keys = ("customer_id", "name", "owner", "tier")
    default = default_rules()  # a report written before the company renamed a header still reads
    labels = {
        key: list(
            dict.fromkeys(
                r.field_label(key, lang) for r in (rules, default) for lang in ("zh", "en")
            )
        )
        for key in keys
    }
    ids = {norm_key(label) for label in labels["customer_id"]}
    # the header row: the named cell's row, or (an older report, a moved table) the first with an
    # id header
    start = next((i for i, row in enumerate(rows[:30]) if ids & {norm_key(str(c)) for c in row}), 0)
    rows = rows[start:]
    header = [norm_key(str(h)) for h in rows[0]] if rows else []
    index = {}
    for key in keys:
        options = labels[key]
        found = [header.index(norm_key(o)) for o in options if norm_key(o) in header]
        if not found:
            raise LedgerError(
                "previous_no_column", path=path, sheet=sheet, columns=" / ".join(options)
            )
        index[key] = found[0]
    tiers = rules.code_lookup["tier"]

    def cell(row: list[Any], key: str) -> Any:
        value = row[index[key]] if index[key] < len(row) else None
        if value in ("", None):
            return None
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return tiers.get(norm_key(str(value)), str(value)) if key == "tier" else str(value)

    return pd.DataFrame([{k: cell(r, k) for k in keys} for r in rows[1:]], columns=list(keys))


def previous_month(path: Path, book: Any = None) -> str | None:
    """[§13] the month of last month's report: its overview's 月份 / Month figure, else the
    YYYY-MM of its title or its file name (None: none says)."""
    import python_calamine as pc

    pattern = re.compile(r"(?<!\d)(\d{4})-(\d{2})(?!\d)")
    try:
        book = pc.CalamineWorkbook.from_path(str(path)) if book is None else book
        labels = {norm_key(x) for x in OVERVIEW_LABELS["month"]}
        titles = set(REPORT_SHEETS["overview"].values())
        for name in [n for n in book.sheet_names if n in titles] or book.sheet_names[:1]:
            for row in book.get_sheet_by_name(name).to_python()[:40]:
                cells = [str(c) for c in row]
                for j, cell in enumerate(cells):
                    if norm_key(cell) in labels and j + 1 < len(cells):
                        found = pattern.search(cells[j + 1])
                        if found:
                            return found.group(0)
            for row in book.get_sheet_by_name(name).to_python()[:2]:
                found = next((pattern.search(str(c)) for c in row if pattern.search(str(c))), None)
                if found:
                    return found.group(0)
    except Exception:  # an unreadable file is said by read_previous
        pass
    found = pattern.search(path.stem)
    return found.group(0) if found else None


def read_last_month(path: Path, book: Any = None) -> LastMonth | None:
    """[§13] last month's overview figures and owners' rows from its report (found by the
    blocks' defined names, else by the sheets' names), in either language, money in yuan
    whatever unit its headers name; a block not found reads as empty, None when neither is.
    A damaged sheet is one line that names the file, as :func:`read_previous` says it."""
    import python_calamine as pc

    try:
        return _read_last_month(
            path, pc.CalamineWorkbook.from_path(str(path)) if book is None else book
        )
    except Exception as exc:
        raise _unreadable(path, exc) from None


def _read_last_month(path: Path, book: Any) -> LastMonth | None:
    overview_labels = _labels_to_keys({k: list(v) for k, v in OVERVIEW_LABELS.items()})
    figures: dict[str, Any] = {}
    for row in _block_rows(path, book, "kq_report_overview")[1:]:
        if not row or row[0] in ("", None):
            break
        found = overview_labels.get(norm_key(str(row[0])))
        if found and len(row) > 1:
            key, scale = found
            figures[key] = _figure(row[1], scale)
    owners: dict[str, dict[str, Any]] = {}
    rows = _block_rows(path, book, "kq_report_owners")
    if rows:
        heads = {
            key: [BLOCKS["kq_report_owners"][1 + li][j] for li in (0, 1)]
            for j, key in enumerate(OWNER_KEYS)
        }
        keys = _labels_to_keys(heads)
        columns = {
            j: keys[norm_key(str(h))] for j, h in enumerate(rows[0]) if norm_key(str(h)) in keys
        }
        for row in rows[1:]:
            if not row or row[0] in ("", None):
                break
            owners[str(row[0])] = {
                key: _figure(row[j], scale) for j, (key, scale) in columns.items() if j < len(row)
            }
    return LastMonth(figures, owners) if figures or owners else None


def _labels_to_keys(labels: dict[str, list[str]]) -> dict[str, tuple[str, float]]:
    """Every header a report may have written for each key → (key, money multiplier): the
    revenue headers with every unit (a header without a unit is in yuan)."""
    out = {}
    for key, names in labels.items():
        for lang, name in zip(LANGS, names, strict=False):
            out[norm_key(name)] = (key, 1.0)
            if key == "revenue":
                for unit, scale in MONEY_SCALES.items():
                    out[norm_key(_money(name, unit, lang))] = (key, scale)
    return out


def _figure(value: Any, scale: float) -> Any:
    """A figure as read back: money times its unit, a whole number as int, "" as None."""
    if value is None or value == "":
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        if scale != 1.0:
            return round(value * scale, 2)
        return int(value) if float(value).is_integer() else value
    return value


def _block_rows(path: Path, book: Any, name: str) -> list[list[Any]]:
    """The rows of a report block from its header row down, from its first column on: where
    its defined name says, else (an older or hand-made report) on the sheet of its name, from
    the first cell holding its first header."""
    try:
        sheet, ref = split_reference(str(defined_name(path, name)))
        row, column = top_left(ref)
    except Exception:
        sheet, row, column = "", 0, 0
    found = sheet in book.sheet_names
    if not found:
        titles = set(REPORT_SHEETS[BLOCKS[name][0]].values())
        sheet = next((n for n in book.sheet_names if n in titles), "")
        if not sheet:
            return []
    grid = book.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
    if found:
        return [list(r[column - 1 :]) for r in grid[row - 1 :]]
    first = {norm_key(BLOCKS[name][1 + li][0]) for li in (0, 1)}
    for i, cells in enumerate(grid[:60]):
        j = next((j for j, c in enumerate(cells) if norm_key(str(c)) in first), None)
        if j is not None:
            return [list(r[j:]) for r in grid[i:]]
    return []


def _customers_block(path: Path) -> tuple[str | None, int, int]:
    """Where the customers table of a kq report starts (sheet, 0-based header row and column), by
    its defined name kq_report_customers, so a renamed sheet or a moved table is still found."""
    try:
        sheet, ref = split_reference(str(defined_name(path, "kq_report_customers")))
        row, column = top_left(ref)
        return sheet, row - 1, column - 1
    except Exception:  # not a kq report, or an older one: found by its sheet name
        return None, 0, 0


def _write_block(
    wb: Any,
    name: str,
    rows: list[list[Any]],
    lang: str,
    headers: list[str] | None = None,
    shared: bool = False,
) -> StreamedTable:
    """A small block written cell by cell with the template's prototype styles; ``shared``: a
    column's cells share one style object (a long block none of whose cells is restyled after:
    a company's escalations)."""
    from copy import copy

    sheet_key, zh, en, _ = BLOCKS[name]
    labels = headers or list(zh if lang == "zh" else en)
    columns = [
        (label, [r[j] if j < len(r) else None for r in rows]) for j, label in enumerate(labels)
    ]
    table = prepare_table(wb, name, columns)
    ws = wb[table.title]
    styles = [copy(wb._cell_styles[k]) for k in table.styles]
    for i, row in enumerate(rows):
        for j, value in enumerate(row):
            cell = ws.cell(table.head_row + 1 + i, table.head_col + j)
            cell._style = styles[j] if shared else copy(styles[j])
            if is_missing(value):
                continue
            set_value(cell, value)
    for i, height in enumerate(table.heights or []):  # rows tall enough for wrapped cells
        if height:
            ws.row_dimensions[table.head_row + 1 + i].height = height
    return table


def _chart(
    wb: Any,
    anchor_name: str,
    kind: str,
    title: str,
    table: StreamedTable,
    value_cols: list[int],
    n: int,
) -> Any:
    """A chart of ``table``'s first ``n`` rows at ``anchor_name``: "pie", "bar", or "stacked"
    (one bar per row, a segment per value column)."""
    from openpyxl.chart import BarChart, PieChart, Reference

    if n == 0 or anchor_name not in wb.defined_names:  # a template made before the chart
        return None
    ws, row, col = name_target(wb, anchor_name)
    data_ws = wb[table.title]
    chart = PieChart() if kind == "pie" else BarChart()
    if kind == "stacked":
        chart.grouping, chart.overlap = "stacked", 100
    chart.title = title
    for value_col in value_cols:
        data = Reference(
            data_ws,
            min_col=table.head_col + value_col,
            min_row=table.head_row,
            max_row=table.head_row + n,
        )
        chart.add_data(data, titles_from_data=True)
    cats = Reference(
        data_ws, min_col=table.head_col, min_row=table.head_row + 1, max_row=table.head_row + n
    )
    chart.set_categories(cats)
    chart.width, chart.height = 16, 8
    ws.add_chart(chart, ws.cell(row, col).coordinate)
    return chart


def write_report(
    report: Report,
    rules: Rules,
    out: Path,
    template: Path | None = None,
    lang: str = "zh",
    force: bool = False,
    progress: Callable[[int], None] | None = None,
) -> Path:
    """The report workbook from the report template (atomically)."""
    wb, _ = open_template(template, "report.xlsx")
    retitle(wb, lang, REPORT_SHEETS)
    title_ws, r, c = name_target(wb, "kq_report_title")
    put(title_ws, r, c, word("report_month_title", lang, month=report.month))
    _write_overview(wb, report, lang)
    _write_escalations(wb, report, rules, lang)
    _write_ledgers(wb, report, lang)
    _write_owners_and_tiers(wb, report, lang)
    _write_mix(wb, report, rules, lang)
    tables = [
        issues_table(wb, report.problems, lang, "kq_report_issues", rules),
        _warnings_table(wb, report, rules, lang),
        _changes_table(wb, report, rules, lang),
        *_month_tables(wb, report, rules, lang),
    ]
    short = [rules.field_label(f, lang) for f in SHORT_FIELDS]
    tables.append(_customers_table(wb, report, rules, lang, short))
    relabel_formats(wb.worksheets, rules, lang)
    if LEGEND_NAME in wb.defined_names:  # report templates made before the legend have none
        fill_legend(
            wb,
            rules,
            lang,
            report.plan,
            word("report_legend_title", lang, month=report.month),
        )
    return save_streamed(wb, out, tables, force, progress)


def _customers_table(
    wb: Any, report: Report, rules: Rules, lang: str, short: list[str]
) -> StreamedTable:
    """[8/8] every customer's plan row and source ledger, shown a page of rows at a time (their
    texts made as they are written)."""
    plan, source = report.plan, word("report_source_ledger", lang)
    files = plan.table["_file"]
    names = {f: Path(f).name for f in files.unique()}  # each ledger's name once, not per row

    def columns(start: int, stop: int) -> list[tuple[str, list[Any]]]:
        shown = display_columns(plan, rules, start, stop)
        return [*shown, (source, [names[f] for f in files.iloc[start:stop]])]

    headers: list[tuple[str, list[Any]]] = [(h, []) for h, _ in columns(0, 0)]
    n = len(plan.table)
    return prepare_table(
        wb, "kq_report_customers", headers, short, (n, lambda a, b: [v for _, v in columns(a, b)])
    )


def _li(lang: str) -> int:
    """The index of ``lang`` in the (zh, en) pairs of labels."""
    return 0 if lang == "zh" else 1


def _write_overview(wb: Any, report: Report, lang: str) -> None:
    """The overview block: one row per figure, the A share as a percentage; [§13] with last
    month's report, last month's figure and the change beside each."""
    unit, scale = money_unit(report)
    items = overview_over_month(report)
    rows = []
    for key, *values in items:
        if key == "revenue":
            values = [None if v is None else round(v / scale, 2) for v in values]
        label = OVERVIEW_LABELS[key][_li(lang)]
        rows.append([_money(label, unit, lang) if key == "revenue" else label, *values])
    monthly = report.last_month is not None
    headers = list(labels("report_block_overview_month", lang)) if monthly else None
    block = _write_block(
        wb, "kq_report_overview", [r if monthly else r[:2] for r in rows], lang, headers
    )
    ws = wb[block.title]
    for i, (key, *_) in enumerate(items):
        row = block.head_row + 1 + i
        kind = _kind(key)
        ws.cell(row, block.head_col + 1).number_format = NUMBER_FORMATS[kind]
        if monthly:
            ws.cell(row, block.head_col + 2).number_format = NUMBER_FORMATS[kind]
            ws.cell(row, block.head_col + 3).number_format = CHANGE_FORMATS[kind]


# a figure's number format, and its change's (signed; a share's in percentage points); no "0.##",
# which Excel shows as "5."
NUMBER_FORMATS = {"count": "#,##0", "money": "#,##0.00", "share": "0.0%"}
CHANGE_FORMATS = {
    "count": "+#,##0;-#,##0;0",
    "money": "+#,##0.00;-#,##0.00;0.00",
    "share": "+0.0%;-0.0%;0.0%",
}


def _kind(key: str) -> str:
    return "share" if key in SHARES else "money" if key == "revenue" else "count"


def _money(label: str, unit: str, lang: str) -> str:
    """A money header with the report's unit: 年销售额（万元）."""
    return word("money_header", lang, label=label, unit=word(f"money_unit_{unit}", lang))


def _block_headers(name: str, lang: str) -> list[str]:
    return list(BLOCKS[name][1 + _li(lang)])


def _note_above(wb: Any, name: str, text: str) -> None:
    """A line of text in the row above the block ``name`` (or beside a block on row 1)."""
    ws, r, c = name_target(wb, name)
    if r > 1:
        put(ws, r - 1, c, text)
    else:
        put(ws, r, c + len(BLOCKS[name][1]) + 1, text)


def _write_escalations(wb: Any, report: Report, rules: Rules, lang: str) -> None:
    """[§13] the P1 customers overdue by more than report.escalate_days, on the overview."""
    if "kq_report_escalations" not in wb.defined_names:  # a template made before §13
        return
    late = escalations(report)
    days = rules.numbers.report.escalate_days
    title = word("report_escalations_title", lang, days=days, count=len(late))
    ws, r, c = name_target(wb, "kq_report_escalations")
    put(ws, r - 1, c, title).font = font(bold=True, color="C00000" if late else None)
    rows = [[x["customer_id"], x["name"], x["owner"], x["days_overdue"]] for x in late]
    _write_block(wb, "kq_report_escalations", rows, lang, shared=True)


def _month_tables(wb: Any, report: Report, rules: Rules, lang: str) -> list[StreamedTable]:
    """[§13] the owner changes, the public pool and the same customer of two owners, each a
    table on its own sheet (nothing in a template made before them)."""
    out: list[StreamedTable] = []
    names = ("kq_report_owner_changes", "kq_report_reclaim", "kq_report_same_customer")
    if not all(n in wb.defined_names for n in names):
        return out

    def tier(code: Any) -> Any:
        return None if is_missing(code) else rules.label("tier", code, lang)

    changed = owner_changes(report)
    if report.previous is None:
        _note_above(wb, names[0], word("report_owner_changes_need_previous", lang))
    elif not changed:
        _note_above(wb, names[0], word("report_none_month", lang))
    rows = [
        [x["customer_id"], x["name"], tier(x["tier"]), x["previous_owner"], x["owner"]]
        for x in changed
    ]
    out.append(_table_of(wb, names[0], rows, lang))
    states = {k: word(f"report_reclaim_{k}", lang) for k in ("notice", "due", "never")}
    pool = reclaim(report)
    rows = [
        [
            x["customer_id"],
            x["name"],
            x["owner"],
            tier(x["tier"]),
            x["days_since_contact"],
            x["days_left"],
            states["notice"]
            if x["notice"]
            else states["never"]
            if x["days_since_contact"] is None
            else states["due"],
        ]
        for x in pool
    ]
    if not pool:
        _note_above(wb, names[1], word("report_none_month", lang))
    out.append(_table_of(wb, names[1], rows, lang))
    groups = same_customer(report)
    rows = [
        [g["key"], c["customer_id"], c["name"], c["owner"], Path(str(c["file"])).name]
        for g in groups
        for c in g["customers"]
    ]
    if not groups:
        _note_above(wb, names[2], word("report_none_month", lang))
    out.append(_table_of(wb, names[2], rows, lang))
    return out


def _table_of(wb: Any, name: str, rows: list[list[Any]], lang: str) -> StreamedTable:
    """A streamed table of ``rows`` under the block ``name``'s headers."""
    return rows_table(wb, name, _block_headers(name, lang), len(rows), lambda a, b: rows[a:b])


def _write_ledgers(wb: Any, report: Report, lang: str) -> None:
    """The ledgers block: file, owners, customers, problems and status of every ledger."""
    rows = [
        [
            Path(s.file).name,
            word("report_owners_separator", lang).join(s.owners),
            s.customers,
            s.problems,
            STATUS[s.status][_li(lang)]
            + (word("report_status_error", lang, error=s.error) if s.error else ""),
        ]
        for s in report.ledgers
    ]
    _write_block(wb, "kq_report_ledgers", rows, lang)


def _write_owners_and_tiers(wb: Any, report: Report, lang: str) -> None:
    """The owners block, and the tiers block with its chart."""
    unit, scale = money_unit(report)
    owners = owners_over_month(report)
    money = [c for c in owners.columns if c == "revenue" or c.startswith("revenue_")]
    owners[money] = owners[money].astype(float) / scale
    headers = _block_headers("kq_report_owners", lang)
    headers[5] = _money(headers[5], unit, lang)
    base = len(headers)
    for key in OWNER_COMPARED if report.last_month else ():  # [§13] month over month
        label = headers[OWNER_KEYS.index(key)]
        headers += [
            word("report_owner_before", lang, label=label),
            word("report_owner_change", lang, label=label),
        ]
    rows = [[None if is_missing(v) else v for v in r] for r in owners.values.tolist()]
    block = _write_block(wb, "kq_report_owners", rows, lang, headers)
    _overview_charts(wb, block, len(rows), lang)
    ws = wb[block.title]
    if len(headers) > base:  # [§13] pages wide enough to read on paper, the owner on each
        letters = [get_column_letter(block.head_col + j) for j in range(len(headers))]
        width = sum(ws.column_dimensions[x].width or 8.43 for x in letters)
        ws.page_setup.fitToWidth = max(1, math.ceil(width / PAGE_WIDTH))
        ws.print_title_cols = (
            f"{get_column_letter(block.head_col)}:{get_column_letter(block.head_col)}"
        )
    for j in range(base, len(headers)):
        kind = _kind(OWNER_COMPARED[(j - base) // 2])
        form = (NUMBER_FORMATS if (j - base) % 2 == 0 else CHANGE_FORMATS)[kind]
        for i in range(len(rows)):
            ws.cell(block.head_row + 1 + i, block.head_col + j).number_format = form
    tiers = tiers_table(report)
    money = [f"revenue_{t}" for t in ("A", "B", "C")]
    tiers[money] = tiers[money] / scale
    headers = _block_headers("kq_report_tiers", lang)
    headers[5:8] = [_money(h, unit, lang) for h in headers[5:8]]
    tiers_block = _write_block(wb, "kq_report_tiers", tiers.values.tolist(), lang, headers)
    chart_title = word("report_chart_tiers", lang)
    _chart(wb, "kq_report_tiers_chart", "bar", chart_title, tiers_block, [1, 2, 3], len(tiers))


# the characters of column width a landscape A4 page shows legibly (about 8 points)
PAGE_WIDTH = 170
# the overview's charts show at most this many owners (the 客户经理 sheet has them all)
CHART_OWNERS = 30


def _overview_charts(wb: Any, owners: StreamedTable, n: int, lang: str) -> None:
    """[§13] the overview's charts from the owners block: each owner's tier mix (stacked A, B,
    C), P1s, and coverage (the share of A customers touched this month)."""
    shown = min(n, CHART_OWNERS)
    more = word("report_chart_first", lang, n=shown, total=n) if n > shown else ""
    col = {key: OWNER_KEYS.index(key) for key in ("A", "p1", "a_share")}
    for name, kind, columns in (
        ("tier_mix", "stacked", [col["A"], col["A"] + 1, col["A"] + 2]),
        ("p1", "bar", [col["p1"]]),
        ("coverage", "bar", [col["a_share"]]),
    ):
        title = word(f"report_chart_{name}", lang) + more
        chart = _chart(wb, f"kq_report_{name}_chart", kind, title, owners, columns, shown)
        if chart is not None and kind == "bar":
            chart.legend = None  # one series: its title says it
        if chart is not None and name == "coverage":
            chart.y_axis.number_format = "0%"
            chart.y_axis.scaling.min, chart.y_axis.scaling.max = 0, 1


def _write_mix(wb: Any, report: Report, rules: Rules, lang: str) -> None:
    """The motivation and style blocks with their charts, and the owners' mix of both."""
    motivation_codes = list(rules["codes"]["motivation"])
    style_codes = list(rules["codes"]["style"])
    for domain, codes, kind in (
        ("motivation", motivation_codes, "pie"),
        ("style", style_codes, "bar"),
    ):
        shares = distribution(report, domain, codes)
        block = _write_block(
            wb,
            f"kq_report_{domain}",
            [[rules.label(domain, c, lang), n, s] for c, n, s in shares.itertuples(index=False)],
            lang,
        )
        chart_title = word(f"report_chart_{domain}", lang)
        _chart(wb, f"kq_report_{domain}_chart", kind, chart_title, block, [1], len(shares))
    t = report.plan.table
    owner = owners_of(t)
    mix_headers = (
        [BLOCKS["kq_report_owner_mix"][1 + _li(lang)][0]]
        + [
            f"{rules.field_label('motivation', lang)}:{rules.label('motivation', c, lang)}"
            for c in motivation_codes
        ]
        + [
            f"{rules.field_label('style', lang)}:{rules.label('style', c, lang)}"
            for c in style_codes
        ]
    )
    mix_rows = []
    for name in sorted(owner.unique()):
        mask = owner == name
        mix_rows.append(
            [name]
            + [int((t["motivation"][mask] == c).sum()) for c in motivation_codes]
            + [int((t["style"][mask] == c).sum()) for c in style_codes]
        )
    _write_block(wb, "kq_report_owner_mix", mix_rows, lang, mix_headers)
    _write_owner_rfm(wb, report, rules, lang, owner)


def _write_owner_rfm(wb: Any, report: Report, rules: Rules, lang: str, owner: pd.Series) -> None:
    """[§11] each owner's customers per RFM segment, and its stacked chart (nothing without
    orders, or in a template made before the block)."""
    segment = report.plan.table["rfm_segment"]
    if "kq_report_owner_rfm" not in wb.defined_names:
        return
    if not segment.notna().any():  # no orders: not even the block's header
        ws, r, c = name_target(wb, "kq_report_owner_rfm")
        for row in (r, r + 1):
            ws.cell(row, c).value = None
            ws.cell(row, c).style = "Normal"
        return
    codes = [c for c in rules["codes"]["rfm_segment"] if (segment == c).any()]
    head = BLOCKS["kq_report_owner_rfm"][1 + _li(lang)][0]
    headers = [head, *(str(rules.label("rfm_segment", c, lang)) for c in codes)]
    rows = [
        [name, *(int(((owner == name) & (segment == c)).sum()) for c in codes)]
        for name in sorted(owner[segment.notna()].unique())
    ]
    block = _write_block(wb, "kq_report_owner_rfm", rows, lang, headers)
    title = word("report_chart_rfm", lang)
    _chart(
        wb,
        "kq_report_rfm_chart",
        "stacked",
        title,
        block,
        list(range(1, len(codes) + 1)),
        len(rows),
    )


def _warnings_table(wb: Any, report: Report, rules: Rules, lang: str) -> StreamedTable:
    """The warnings table: one row per customer with warnings, all of them with their details
    (as the plan's 预警 cell)."""
    warn = warning_rows(report)
    sep = str(rules["rationale"]["words"]["list_separator"][lang])

    def page(start: int, stop: int) -> list[list[Any]]:
        rows = warn.iloc[start:stop]
        shown = warning_texts(
            rows["warnings"].tolist(), rows["warning_details"].tolist(), rules, lang, sep
        )
        return [
            rows["priority"].tolist(),
            rows["priority_score"].tolist(),
            rows["customer_id"].tolist(),
            rows["name"].tolist(),
            rows["owner"].tolist(),
            rows["region"].tolist(),
            shown,
            rows["next_contact"].tolist(),
            rows["days_overdue"].tolist(),
            rows["objective_text"].tolist(),
        ]

    headers: list[tuple[str, list[Any]]] = [
        (h, []) for h in BLOCKS["kq_report_warnings"][1 + _li(lang)]
    ]
    return prepare_table(wb, "kq_report_warnings", headers, pages=(len(warn), page))


def _changes_table(wb: Any, report: Report, rules: Rules, lang: str) -> StreamedTable:
    """The tier changes table against last month; without last month, a note and no rows."""
    changes = report.changes
    if changes is None:
        change_rows: list[list[Any]] = []
        ws, r, c = name_target(wb, "kq_report_changes")
        note = word("report_no_previous", lang)
        put(ws, max(r - 1, 1), c + 7 if r == 1 else c, note)
    else:

        def tier(code: Any) -> Any:
            return None if is_missing(code) else rules.label("tier", code, lang)

        change_rows = [
            [
                row.customer_id,
                row.name,
                row.owner,
                tier(row.tier_prev),
                tier(row.tier),
                MOVE_LABELS[row.move][_li(lang)],
            ]
            for row in changes.itertuples(index=False)
        ]
    return prepare_table(
        wb,
        "kq_report_changes",
        [
            (h, [row[j] for row in change_rows])
            for j, h in enumerate(BLOCKS["kq_report_changes"][1 + _li(lang)])
        ],
    )


def write_summary(report: Report, path: Path, force: bool) -> None:
    """The overview figures as JSON, for other systems."""
    import json

    figures = overview(report)
    figures["ledgers"] = [
        {
            "file": s.file,
            "status": s.status,
            "customers": s.customers,
            "owners": s.owners,
            "data_problems": s.problems,
            "error": s.error,
        }
        for s in report.ledgers
    ]
    figures.update(month_figures(report))  # [§13]
    text = json.dumps(figures, ensure_ascii=False, indent=2, default=str) + "\n"
    write_text(path, text, force)


def default_output(month: str) -> Path:
    return Path(f"kq_report_{month}.xlsx")
