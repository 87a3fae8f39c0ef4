"""Many ledgers through one command: where each output goes (checked before anything is read),
the plan of every ledger written to its target, the monthly report, and the lines that tell a
person what happened — in the rules' words, in zh or en. ``kqexcel.cli`` only parses options,
calls one function here and prints what it returns."""

from __future__ import annotations

import datetime as dt
import functools
import io
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from kqexcel.core.customer_file import attach
from kqexcel.core.ledger import Ledger, Problem, header_names
from kqexcel.core.plan import Plan, make_plan
from kqexcel.errors import UsageError
from kqexcel.io.cluster import check_scheduler
from kqexcel.io.files import atomic_write, fit_name, refuse_existing, refuse_inputs, write_text
from kqexcel.io.ics import calendar_text
from kqexcel.io.ics import events as ics_events
from kqexcel.io.ledger import read_ledger, read_records
from kqexcel.io.pdf import find_soffice, to_pdf
from kqexcel.io.plan_writer import (
    people_table,
    write_csv,
    write_json,
    write_people_csv,
    write_plan,
)
from kqexcel.io.problems import reason_text
from kqexcel.io.report_io import (
    default_output,
    find_ledgers,
    open_previous,
    previous_month,
    read_all,
    read_last_month,
    read_previous,
    write_report,
    write_summary,
)
from kqexcel.io.templates import bundled, bundled_names
from kqexcel.report import Report, build_report, default_as_of, month_start
from kqexcel.rules import Rules, default_files, header_norm, load_rules, shipped_text
from kqexcel.words import say

SUFFIXES = {"xlsx": ".xlsx", "json": ".jsonl", "csv": ".csv", "ics": ".ics"}
BAR_FROM = 5000  # a plan of fewer rows is written before a progress bar would be worth drawing
PROBLEM_LINES = 20  # problem lines shown on the terminal; the Issues sheet holds them all

# a progress display: (length, label) → a context manager whose value has update(n)
Progress = Callable[[int, str], Any]


class _NoProgress:
    """Stands in for a progress bar in quiet or non-interactive runs."""

    def __enter__(self) -> _NoProgress:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def update(self, n: int) -> None:
        return None


def no_progress(length: int, label: str) -> _NoProgress:
    """A progress display that shows nothing."""
    return _NoProgress()


# --------------------------------------------------------------------------- output targets


def output_is_folder(output: Path | None) -> bool:
    """-o names an existing folder: one output file per ledger goes in it."""
    try:
        return output is not None and output.is_dir()
    except OSError:  # a name too long to look up: not a folder (the writer says why)
        return False


def distinct_names(ledgers: tuple[Path, ...] | list[Path]) -> list[str]:
    """Each ledger's name for its plan: the file name without extension; where two ledgers share
    it, their folder's name goes in front (华东_台账), and their extension after (台账_csv) if need
    be."""
    names = [p.stem for p in ledgers]
    longer_names: tuple[Callable[[Path], str], ...] = (
        lambda p: f"{p.resolve().parent.name}_{p.stem}",
        lambda p: f"{p.resolve().parent.name}_{p.stem}_{p.suffix.lstrip('.').lower()}",
    )
    for longer in longer_names:
        shared = {n for n in names if names.count(n) > 1}
        names = [longer(p) if n in shared else n for p, n in zip(ledgers, names, strict=True)]
    return names


def bundled_template(name: str) -> Path | None:
    """The bundled template a command reads when no --template is given (an input too)."""
    try:
        return bundled(name)
    except FileNotFoundError:
        return None


def plan_targets(
    ledgers: tuple[Path, ...], output: Path | None, fmt: str, force: bool, others: list[Path | None]
) -> list[Path | None]:
    """Where each ledger's plan goes (None: standard output), checked before anything is read:
    no output may replace an input, two ledgers never share an output, and existing outputs need
    --force. xlsx: beside each ledger, or in the -o folder (one ledger: -o may name the file).
    ``others`` are the other files the command reads (rules, template).
    json/csv: standard output, one -o file for all ledgers, or one file each in an -o folder."""
    folder = output_is_folder(output)
    if folder:
        assert output is not None
        tail = f"_plan{SUFFIXES[fmt]}"
        targets: list[Path | None] = [output / fit_name(n, tail) for n in distinct_names(ledgers)]
    elif fmt == "xlsx":
        if len(ledgers) > 1 and output is not None:
            raise UsageError("several_ledgers_one_output")
        targets = [output or p.with_name(fit_name(p.stem, "_plan.xlsx")) for p in ledgers]
    else:
        targets = [output] * len(ledgers)
    refuse_inputs(list(dict.fromkeys(targets)), [*ledgers, *others, *default_files()])
    known = {".xlsx", ".xlsm", ".json", ".jsonl", ".csv", ".ics"}
    if output is not None and not folder and output.suffix.lower() in known:
        wanted = {"xlsx": {".xlsx", ".xlsm"}, "json": {".json", ".jsonl"}}.get(fmt, {SUFFIXES[fmt]})
        if output.suffix.lower() not in wanted:  # -o c.xlsx --format csv: one of them is a slip
            raise UsageError("output_suffix_format", path=output, fmt=fmt, suffix=SUFFIXES[fmt])
    seen: dict[Path, Path] = {}
    for ledger, out in zip(ledgers, targets, strict=True):
        if out is None:
            continue
        where = out.resolve()
        if where in seen and (fmt == "xlsx" or folder):
            raise UsageError("outputs_collide", first=seen[where], second=ledger, path=out)
        seen[where] = ledger
    refuse_existing([t for t in targets if t is not None], force)
    return targets


# --------------------------------------------------------------------------- kq plan


@dataclass(frozen=True)
class Planned:
    """One ledger's plan, where it went (None: standard output) and the rules it was made by."""

    ledger: Path
    out: Path | None
    plan: Plan
    rules: Rules

    @property
    def dirty(self) -> bool:
        """The ledger has data problems (gaps alone leave it clean)."""
        return any(p.kind == "problem" for p in self.plan.problems)


def plan_ledgers(
    ledgers: tuple[Path, ...],
    output: Path | None = None,
    *,
    fmt: str = "xlsx",
    rules_path: Path | None = None,
    sheet: str | None = None,
    as_of: dt.date | None = None,
    lang: str = "zh",
    template: Path | None = None,
    force: bool = False,
    stdout: IO[str] | None = None,
    progress: Progress = no_progress,
    columns: dict[str, str] | None = None,
    log_file: FileSheet | None = None,
    contacts_file: FileSheet | None = None,
    orders_file: FileSheet | None = None,
    codes: bool = False,
) -> Iterator[Planned]:
    """``kq plan``: plan every ledger into its target (see :func:`plan_targets`), yielding each as
    it is written. json/csv for one -o file gather every ledger's rows and are written once.
    ``log_file`` / ``contacts_file`` / ``orders_file``: the customer file's other sheets given
    apart (file, sheet), for one ledger."""
    template_read = template or (None if fmt != "xlsx" else bundled_template("plan.xlsx"))
    given = {"log": log_file, "contacts": contacts_file, "orders": orders_file}
    apart = [f[0] for f in given.values() if f is not None]
    if apart and len(ledgers) > 1:
        raise UsageError("apart_one_ledger")
    if codes and fmt != "csv":
        raise UsageError("codes_csv_only", fmt=fmt)
    targets = plan_targets(ledgers, output, fmt, force, [rules_path, template_read, *apart])
    rules = load_rules(rules_path).with_columns(columns or {})
    folder = output_is_folder(output)
    stdout = stdout or sys.stdout
    text = io.StringIO()
    vevents: list[Any] = []
    people: list[Any] = []  # csv for people: every plan's table, written once per target
    for k, (ledger_path, out) in enumerate(zip(ledgers, targets, strict=True)):
        day = as_of or dt.date.today()  # the door gives the day
        ledger = read_ledger(ledger_path, rules, sheet, as_of=day)
        ledger = attach(ledger, records_apart(given, rules, day))
        refuse_unknown_columns(columns or {}, [ledger])
        plan = make_plan(ledger, rules, day, lang)
        if fmt == "json":
            write_json(plan, stdout if out is None else text)
        elif fmt == "csv" and codes:
            write_csv(plan, stdout if out is None else text, header=k == 0 or folder)
        elif fmt == "csv":
            people.append(people_table(plan, rules))
            if folder or k == len(ledgers) - 1:
                write_people_csv(people, stdout if out is None else text)
                people = []
        elif fmt == "ics":  # one calendar for what goes to one place
            vevents.extend(ics_events(plan, rules))
            if folder or k == len(ledgers) - 1:
                (stdout if out is None else text).write(calendar_text(vevents, lang))
                vevents = []
        else:
            assert out is not None  # a workbook always has a target (stdout is for json/csv)
            n = len(plan.table)
            bar = progress(n, say(rules, "writing", lang)) if n >= BAR_FROM else _NoProgress()
            with bar as shown:
                write_plan(plan, rules, out, template, force, progress=shown.update)
        if fmt != "xlsx" and out is not None and (folder or k == len(ledgers) - 1):
            write_text(out, text.getvalue(), force, "utf-8-sig" if fmt == "csv" else "utf-8")
            text = io.StringIO()
        yield Planned(ledger_path, out, plan, rules)


FileSheet = tuple[Path, str | None]  # --log / --contacts / --orders: a file, perhaps its sheet


def records_apart(
    given: dict[str, FileSheet | None], rules: Rules, day: dt.date
) -> dict[str, Ledger | None]:
    """The customer file's other sheets given apart (``--log``, ``--contacts``, ``--orders``),
    by kind, each None when not given: read once, for every customer."""
    return {
        kind: None if spec is None else read_records(spec[0], kind, rules, day, sheet=spec[1])
        for kind, spec in given.items()
    }


def refuse_unknown_columns(
    columns: dict[str, str], ledgers: list[Ledger], apart: dict[str, Ledger | None] | None = None
) -> None:
    """A ``--map`` column found in none of the ledgers read (their other sheets too, and those
    given ``apart``) is a usage error naming the headers there are (a typo, or the wrong
    file)."""
    sheets = [s for ledger in ledgers for s in (ledger, *ledger.others.values())]
    extra = list((apart or {}).values())
    every = [c for sheet in [*sheets, *extra] if sheet is not None for c in sheet.every_column]
    seen = {name for c in every for name in header_names(c.header)}  # as the mapping matches
    for column in columns:
        if ledgers and header_norm(column) not in seen:
            headers = list(dict.fromkeys(c.header for c in every))
            shown = ", ".join(headers[:40]) + (" …" if len(headers) > 40 else "")
            raise UsageError(
                "map_column_unknown", column=column, path=ledgers[0].file, headers=shown
            )


def _s(n: int) -> str:
    """The English plural ending (the Chinese messages ignore it)."""
    return "" if n == 1 else "s"


def written_line(planned: Planned, lang: str) -> str:
    """ "Wrote <plan>: n customers, P1, overdue" for one plan workbook."""
    table = planned.plan.table
    return say(
        planned.rules,
        "written",
        lang,
        out=planned.out,
        n=len(table),
        ns=_s(len(table)),
        p1=int((table["priority"] == "P1").sum()),
        overdue=int((table["days_overdue"] > 0).sum()),
    )


def _shown(value: object, most: int = 200) -> str:
    """A raw value as a problem line shows it: quoted, at most ``most`` characters (a
    32,767-character cell would fill the screen; the Issues sheet keeps it whole)."""
    text = repr(value)
    return text if len(text) <= most else text[: most - 1] + "…"


def problem_lines(
    problems: list[Problem], rules: Rules, lang: str, in_workbook: bool, limit: int = PROBLEM_LINES
) -> list[str]:
    """The count of problems and gaps, then one line per problem (at most ``limit``); the lines
    saying what was understood are :func:`reading_lines`."""
    problems = [p for p in problems if p.kind != "info"]
    n_problems = sum(p.kind == "problem" for p in problems)
    n_gaps = len(problems) - n_problems
    counts = {"problems": n_problems, "gaps": n_gaps, "ps": _s(n_problems), "gs": _s(n_gaps)}
    lines = [say(rules, "problems" if in_workbook else "problems_plain", lang, **counts)]
    for p in problems[:limit]:
        value = "" if p.value is None else _shown(p.value)
        where = {"file": p.file, "sheet": p.sheet, "row": p.row, "column": p.column}
        reason = reason_text(p, lang)
        line = "problem_line" if p.row is not None else "problem_line_file"  # a whole file's
        if p.row is None and p.column is None:
            line = "problem_line_sheet"  # a whole sheet's (a log whose header says nothing)
        lines.append(say(rules, line, lang, **where, value=value, reason=reason))
    if len(problems) > limit:
        lines.append(say(rules, "more", lang, more=len(problems) - limit))
    return lines


def reading_lines(problems: list[Problem], rules: Rules, lang: str) -> list[str]:
    """One line per file read: its header row, which column became which field, and the
    columns not recognised (with the nearest field), unclear or repeated."""
    return [
        say(
            rules,
            "reading_line",
            lang,
            file=p.file,
            sheet=p.sheet,
            reading=reason_text(p, lang, rules),
        )
        for p in problems
        if p.kind == "info"
    ]


# --------------------------------------------------------------------------- kq report


@dataclass(frozen=True)
class Reported:
    """The monthly report and where it went (``pdf``: its PDF, when one was asked for)."""

    out: Path
    report: Report
    rules: Rules
    pdf: Path | None = None

    def lines(self, lang: str, quiet: bool) -> list[str]:
        """One line per ledger that could not be read, then the summary (unless quiet)."""
        failed = [s for s in self.report.ledgers if s.error]
        lines = [say(self.rules, "ledger_failed", lang, error=s.error) for s in failed]
        if not quiet:
            lines[:0] = reading_lines(self.report.problems, self.rules, lang)
            figures = {
                "out": self.out,
                "n": len(self.report.ledgers),
                "bad": len(failed),
                "c": len(self.report.plan.table),
                "p": sum(p.kind == "problem" for p in self.report.problems),
            }
            lines.append(say(self.rules, "report_written", lang, **figures))
            if self.pdf is not None:
                lines.append(say(self.rules, "report_pdf_written", lang, pdf=self.pdf))
        return lines


def report_ledgers(
    paths: tuple[Path, ...],
    month: str,
    *,
    output: Path | None = None,
    previous: Path | None = None,
    as_of: dt.date | None = None,
    lang: str = "zh",
    rules_path: Path | None = None,
    template: Path | None = None,
    jobs: int = 1,
    scheduler: str | None = None,
    tier_scope: str = "company",
    summary_json: Path | None = None,
    force: bool = False,
    progress: Progress = no_progress,
    columns: dict[str, str] | None = None,
    log_file: FileSheet | None = None,
    contacts_file: FileSheet | None = None,
    orders_file: FileSheet | None = None,
    pdf: bool = False,
) -> Reported:
    """``kq report``: every ledger under ``paths`` into the monthly report (and its JSON, and
    with ``pdf`` the report as PDF beside it, through LibreOffice); a log, contacts or orders
    given apart (``log_file``, ``contacts_file``, ``orders_file``) links to the customers of
    every ledger."""
    out = output or default_output(month)
    pdf_out = out.with_suffix(".pdf") if pdf else None
    outs = [out, *([summary_json] if summary_json else []), *([pdf_out] if pdf_out else [])]
    given = {"log": log_file, "contacts": contacts_file, "orders": orders_file}
    apart = [f[0] for f in given.values() if f is not None]
    reads = [previous, rules_path, template or bundled_template("report.xlsx"), *apart]
    files_given = [p for p in paths if not p.is_dir()]
    refuse_inputs(outs, [*files_given, *reads, *default_files()])  # before anything is read
    refuse_existing(outs, force)
    soffice = find_soffice() if pdf_out else None  # no LibreOffice: say so before reading
    if scheduler:  # [8/8] the extra installed, an address kq takes; not with --jobs
        if jobs > 1:
            raise UsageError("scheduler_and_jobs")
        check_scheduler(scheduler)
    rules = load_rules(rules_path).with_columns(columns or {})
    skip = {p for p in (previous, *apart) if p}
    files = find_ledgers(list(paths), skip=skip, reports=set(outs))
    refuse_inputs(outs, files)  # a ledger found inside a folder is an input too
    if not files:
        raise UsageError("no_ledgers_found")
    book = open_previous(previous, rules) if previous else None  # opened once, read thrice
    previous_table = read_previous(previous, rules, book) if previous else None
    if previous:  # [§13] last month's report must be of an earlier month
        before = previous_month(previous, book)
        if before is None:
            raise UsageError("previous_month_unknown", path=previous)
        if before >= month:
            raise UsageError("previous_not_earlier", path=previous, previous=before, month=month)
    day = as_of or default_as_of(month)  # [§13] the month's last day, or today if earlier
    if day < month_start(month):  # a month to come: nothing is overdue or covered yet
        raise UsageError("as_of_before_month", as_of=day.isoformat(), month=month)
    with progress(len(files), say(rules, "reading", lang)) as bar:
        ledgers = read_all(files, rules, jobs, bar.update, lang, day, scheduler)
    extra = records_apart(given, rules, day)
    read = [item for _, item in ledgers if isinstance(item, Ledger)]
    refuse_unknown_columns(columns or {}, read, extra)
    last_month = read_last_month(previous, book) if previous else None
    result = build_report(
        ledgers,
        rules,
        month,
        day,
        lang,
        tier_scope,
        previous_table,
        apart=extra,
        last_month=last_month,
        release=True,
    )
    del ledgers, read  # [8/8] their tables are the report's now: not held while it is written
    write_report(result, rules, out, template, lang, force)
    if summary_json:
        write_summary(result, summary_json, force)
    if pdf_out:
        to_pdf(out, pdf_out, force, soffice=soffice)
    return Reported(out, result, rules, pdf_out)


# --------------------------------------------------------------------------- kq template init


def copy_templates(directory: Path, force: bool = False) -> list[Path]:
    """The bundled templates and the default rules file, copied into ``directory``."""
    sources = [(bundled(name), directory / name) for name in bundled_names()]
    refuse_existing([t for _, t in sources] + [directory / "rules.toml"], force)
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for source, target in sources:
        atomic_write(target, True, functools.partial(_copy_to, source.read_bytes()))
        written.append(target)
    return [*written, write_text(directory / "rules.toml", shipped_text())]


def _copy_to(data: bytes, stream: IO[bytes]) -> None:
    stream.write(data)
