"""The `kq` command: options in, one library call, errors out. No rules live here."""

from __future__ import annotations

import datetime as dt
import io
import signal
import sys
from pathlib import Path
from typing import Any

import click

from kqexcel import __version__
from kqexcel.core.values import DATE_MAX, DATE_MIN
from kqexcel.errors import KqError, UsageError

MESSAGES = {
    "zh": {
        "written": "已写入 {out}：{n} 位客户，P1 {p1} 位，逾期 {overdue} 位",
        "problems": "发现 {problems} 个数据问题、{gaps} 个数据缺口（详见“问题”表）",
        "problems_plain": "发现 {problems} 个数据问题、{gaps} 个数据缺口：",
        "problem_line": "  {file} / {sheet} 第 {row} 行，{column}：{value}（{reason}）",
        "more": "  …… 另有 {more} 条",
        "rules_ok": "规则文件可用：{path}（版本 {version}）",
        "writing": "写入跟进计划",
    },
    "en": {
        "written": "Wrote {out}: {n} customer{ns}, {p1} P1, {overdue} overdue",
        "problems": "{problems} data problem{ps} and {gaps} data gap{gs} (see the Issues sheet)",
        "problems_plain": "{problems} data problem{ps} and {gaps} data gap{gs}:",
        "problem_line": "  {file} / {sheet} row {row}, {column}: {value} ({reason})",
        "more": "  … and {more} more",
        "rules_ok": "Rules file is valid: {path} (version {version})",
        "writing": "Writing the plan",
    },
}


class KqGroup(click.Group):
    """Turns library errors into one line (`Error: …`, exit 1); tracebacks only with --debug."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except UsageError as exc:
            if ctx.params.get("debug"):
                raise
            raise click.UsageError(_one_line(exc)) from None
        except KqError as exc:
            if ctx.params.get("debug"):
                raise
            raise click.ClickException(_one_line(exc)) from None
        except (
            click.ClickException,
            click.exceptions.Exit,
            click.Abort,
            KeyboardInterrupt,
            BrokenPipeError,
        ):
            raise  # click ends quietly when the reader of our output goes away (kq … | head)
        except Exception as exc:  # an unexpected failure: one line, details with --debug
            if ctx.params.get("debug"):
                raise
            raise click.ClickException(
                f"unexpected failure: {type(exc).__name__}: {_one_line(exc)} (run `kq --debug …` for details)"
            ) from None


def _one_line(exc: BaseException) -> str:
    """An error as one line, whatever a library put in its message (openpyxl's span lines)."""
    return " ".join(str(exc).split())


def _as_of(ctx: click.Context, param: click.Parameter, value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"'{value}' is not a date like 2026-11-30 (YYYY-MM-DD)") from None
    return _in_range(day, value)


def _in_range(day: dt.date, value: str) -> dt.date:
    if not DATE_MIN <= day <= DATE_MAX:
        raise click.BadParameter(f"'{value}' is outside {DATE_MIN.year}–{DATE_MAX.year}")
    return day


LANG = click.option(
    "--lang",
    type=click.Choice(["zh", "en"]),
    default="zh",
    show_default=True,
    help="输出语言 Language of the output: zh 中文 / en English.",
)
RULES = click.option(
    "--rules",
    "rules_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="公司规则文件（TOML），覆盖默认阈值和话术 Company rules file overlaying the defaults.",
)
AS_OF = click.option(
    "--as-of",
    callback=_as_of,
    metavar="YYYY-MM-DD",
    help="基准日（默认今天）The date the plan is made for (default: today).",
)


@click.group(cls=KqGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="kq")
@click.option("--debug", is_flag=True, help="出错时显示完整错误信息 Show tracebacks on errors.")
def cli(debug: bool) -> None:
    """kq — 客情关系跟进计划工具 (customer-relationship follow-up plans).

    读取 Excel 客户台账，给每位客户分层、判断签约动机和性格类型、评估风险，
    并写出带依据的跟进计划：何时联系、怎么联系、说什么、注意什么。

    \b
    Example:
        kq plan 客户台账.xlsx                  写出 客户台账_plan.xlsx
        kq plan 客户台账.xlsx --lang en        English plan
        kq rules show                          当前生效的规则
    """


@cli.command()
@click.argument(
    "ledgers", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    help="输出文件（默认：台账旁边的 <台账名>_plan.xlsx）；多个台账时为文件夹。 Output file (default: <ledger>_plan.xlsx beside the ledger); a folder for several ledgers.",
)
@AS_OF
@LANG
@RULES
@click.option("--sheet", help="台账所在的工作表（默认：第一个能识别表头的工作表） Sheet to read.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["xlsx", "json", "csv"]),
    default="xlsx",
    show_default=True,
    help="xlsx 工作簿 / json 每行一位客户（输出到屏幕）/ csv.",
)
@click.option(
    "--template",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="自定义的计划模板 Customised plan template (.xlsx).",
)
@click.option("--force", is_flag=True, help="覆盖已存在的输出文件 Overwrite an existing output.")
@click.option("-q", "--quiet", is_flag=True, help="不显示进度和汇总 No progress bar or summary.")
def plan(
    ledgers: tuple[Path, ...],
    output: Path | None,
    as_of: dt.date | None,
    lang: str,
    rules_path: Path | None,
    sheet: str | None,
    fmt: str,
    template: Path | None,
    force: bool,
    quiet: bool,
) -> None:
    """为台账里的每位客户做跟进计划 Plan the next contact for every customer of a ledger.

    输入的台账不会被修改。表头可以是中文或英文，放在标题行下面也能识别；
    读不懂的单元格会列在“问题”表里（文件、工作表、行号、列、原因），其余照常处理。

    退出码 Exit codes: 0 全部读取正常 all rows clean; 1 有数据问题（计划仍已写出）data
    problems (the plan is still written) or an error; 2 命令用法错误 usage error.

    \b
    Example:
        kq plan 客户台账.xlsx
        kq plan 客户台账.xlsx --as-of 2026-11-30 -o 十一月计划.xlsx --force
        kq plan 客户台账.xlsx --format json > plan.jsonl
        kq plan 华东.xlsx 华北.xlsx -o 计划/
    """
    from kqexcel.core.plan import make_plan
    from kqexcel.io.files import write_text
    from kqexcel.io.ledger import read_ledger
    from kqexcel.io.plan_writer import write_csv, write_json, write_plan
    from kqexcel.rules import load_rules

    msg = MESSAGES[lang]
    targets = _plan_targets(
        ledgers,
        output,
        fmt,
        force,
        [rules_path, template or (None if fmt != "xlsx" else _bundled("plan.xlsx"))],
    )
    rules = load_rules(rules_path)
    dirty = False
    text = io.StringIO()  # json/csv for one -o file: every ledger's rows, written once at the end
    for k, (ledger_path, out) in enumerate(zip(ledgers, targets, strict=True)):
        ledger = read_ledger(ledger_path, rules, sheet)
        result = make_plan(ledger, rules, as_of, lang)
        problems = [p for p in result.problems if p.kind == "problem"]
        gaps = [p for p in result.problems if p.kind == "gap"]
        dirty |= bool(problems)
        if fmt == "json":
            write_json(result, sys.stdout if out is None else text)
        elif fmt == "csv":
            write_csv(
                result,
                sys.stdout if out is None else text,
                header=k == 0 or _output_is_folder(output),
            )
        else:
            with _bar(len(result.table), msg["writing"], quiet or len(result.table) < 5000) as bar:
                write_plan(result, rules, out, template, force, progress=bar.update)
            if not quiet:
                table = result.table
                click.echo(
                    msg["written"].format(
                        out=out,
                        n=len(table),
                        ns=_s(len(table)),
                        p1=int((table["priority"] == "P1").sum()),
                        overdue=int((table["days_overdue"] > 0).sum()),
                    ),
                    err=True,
                )
        if (
            fmt != "xlsx"
            and out is not None
            and (_output_is_folder(output) or k == len(ledgers) - 1)
        ):
            write_text(out, text.getvalue(), force, "utf-8-sig" if fmt == "csv" else "utf-8")
            text = io.StringIO()
        if not quiet and (problems or gaps):
            _report_problems(result.problems, lang, fmt == "xlsx")
    if dirty:
        sys.exit(1)


def _output_is_folder(output: Path | None) -> bool:
    """-o names an existing folder: one output file per ledger goes in it."""
    try:
        return output is not None and output.is_dir()
    except OSError:  # a name too long to look up: not a folder (the writer says why)
        return False


def _plan_targets(
    ledgers: tuple[Path, ...], output: Path | None, fmt: str, force: bool, others: list[Path | None]
) -> list[Path | None]:
    """Where each ledger's plan goes (None: standard output), checked before anything is read:
    no output may replace an input, two ledgers never share an output, and existing outputs need
    --force. xlsx: beside each ledger, or in the -o folder (one ledger: -o may name the file).
    ``others`` are the other files the command reads (rules, template).
    json/csv: standard output, one -o file for all ledgers, or one file each in an -o folder."""
    from kqexcel.io.files import fit_name, refuse_existing, refuse_inputs

    suffix = {"xlsx": ".xlsx", "json": ".jsonl", "csv": ".csv"}[fmt]
    if _output_is_folder(output):
        assert output is not None
        targets: list[Path | None] = [
            output / fit_name(name, f"_plan{suffix}") for name in _distinct_names(ledgers)
        ]
    elif fmt == "xlsx":
        if len(ledgers) > 1 and output is not None:
            raise click.UsageError("with several ledgers, -o must be an existing folder")
        targets = [output or p.with_name(fit_name(p.stem, "_plan.xlsx")) for p in ledgers]
    else:
        targets = [output] * len(ledgers)
    refuse_inputs(list(dict.fromkeys(targets)), [*ledgers, *others, _default_rules_file()])
    seen: dict[Path, Path] = {}
    for ledger, out in zip(ledgers, targets, strict=True):
        if out is None:
            continue
        where = out.resolve()
        if where in seen and (fmt == "xlsx" or _output_is_folder(output)):
            raise click.UsageError(
                f"{seen[where]} and {ledger} would both be written to {out}; rename one"
            )
        seen[where] = ledger
    refuse_existing([t for t in targets if t is not None], force)
    return targets


def _s(n: int) -> str:
    """The English plural ending (the Chinese messages ignore it)."""
    return "" if n == 1 else "s"


def _report_problems(problems: list[Any], lang: str, in_workbook: bool, limit: int = 20) -> None:
    from kqexcel.io.problems import reason_text

    msg = MESSAGES[lang]
    n_problems = sum(p.kind == "problem" for p in problems)
    n_gaps = len(problems) - n_problems
    if in_workbook:
        click.echo(
            msg["problems"].format(
                problems=n_problems, gaps=n_gaps, ps=_s(n_problems), gs=_s(n_gaps)
            ),
            err=True,
        )
    else:
        click.echo(
            msg["problems_plain"].format(
                problems=n_problems, gaps=n_gaps, ps=_s(n_problems), gs=_s(n_gaps)
            ),
            err=True,
        )
    for p in problems[:limit]:
        click.echo(
            msg["problem_line"].format(
                file=p.file,
                sheet=p.sheet,
                row=p.row,
                column=p.column,
                value="" if p.value is None else _shown(p.value),
                reason=reason_text(p, lang),
            ),
            err=True,
        )
    if len(problems) > limit:
        click.echo(msg["more"].format(more=len(problems) - limit), err=True)


def _shown(value: object, most: int = 200) -> str:
    """A raw value as a problem line shows it: quoted, at most ``most`` characters (a
    32,767-character cell would fill the screen; the 问题 sheet keeps it whole)."""
    text = repr(value)
    return text if len(text) <= most else text[: most - 1] + "…"


def _month(ctx: click.Context, param: click.Parameter, value: str) -> str:
    try:
        day = dt.date.fromisoformat(f"{value}-01")
    except ValueError:
        raise click.BadParameter(f"'{value}' is not a month like 2026-11 (YYYY-MM)") from None
    _in_range(day, value)
    return value


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option(
    "--month",
    required=True,
    callback=_month,
    metavar="YYYY-MM",
    help="报告月份 The month of the report.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="报告文件（默认 kq_report_<月份>.xlsx） Report file (default: kq_report_<month>.xlsx).",
)
@click.option(
    "--previous",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="上个月的报告，用来比较层级变动 Last month's report, for the tier moves.",
)
@AS_OF
@LANG
@RULES
@click.option(
    "--template",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="自定义的报告模板 Customised report template.",
)
@click.option(
    "--jobs",
    type=click.IntRange(1, 64),
    default=1,
    show_default=True,
    help="并行读取台账的进程数 Processes reading ledgers in parallel.",
)
@click.option(
    "--tier-scope",
    type=click.Choice(["company", "ledger"]),
    default="company",
    show_default=True,
    help="按全公司还是按每个台账分层 Tiers across the company or per ledger.",
)
@click.option(
    "--summary-json",
    type=click.Path(dir_okay=False, path_type=Path),
    help="把总览数字另存为 JSON Write the overview figures as JSON.",
)
@click.option("--force", is_flag=True, help="覆盖已存在的输出文件 Overwrite existing outputs.")
@click.option(
    "-q", "--quiet", is_flag=True, help="不显示进度（定时任务用） No progress bar (scheduled runs)."
)
def report(
    paths: tuple[Path, ...],
    month: str,
    output: Path | None,
    previous: Path | None,
    as_of: dt.date | None,
    lang: str,
    rules_path: Path | None,
    template: Path | None,
    jobs: int,
    tier_scope: str,
    summary_json: Path | None,
    force: bool,
    quiet: bool,
) -> None:
    """月度管理报告：汇总所有客户经理的台账 The monthly report over every rep's ledger.

    PATHS 可以是文件或文件夹（递归查找 .xlsx .xlsm .xls .ods .csv；跳过 Excel 锁文件 ~$*
    和 kq 自己写出的文件）。某个台账读不了不会中断整批：它会列在“问题”表和屏幕上，
    其余照常汇总，最后退出码为 1（全部正常为 0）。基准日默认是该月最后一天。

    \b
    Example:
        kq report 台账/ --month 2026-11
        kq report 台账/ --month 2026-11 --previous kq_report_2026-10.xlsx
        kq report 华东/ 华北/ --month 2026-11 --jobs 2 --summary-json 11月.json -q
    """
    from kqexcel.io.files import refuse_existing
    from kqexcel.io.report_io import (
        default_output,
        find_ledgers,
        read_all,
        read_previous,
        write_report,
        write_summary,
    )
    from kqexcel.report import build_report
    from kqexcel.rules import load_rules

    out = output or default_output(month)
    outs = [out, *([summary_json] if summary_json else [])]
    reads = [previous, rules_path, template or _bundled("report.xlsx"), _default_rules_file()]
    from kqexcel.io.files import refuse_inputs

    refuse_inputs(outs, [*(p for p in paths if not p.is_dir()), *reads])  # before anything is read
    refuse_existing(outs, force)
    rules = load_rules(rules_path)
    files = find_ledgers(list(paths), skip={p for p in (previous,) if p}, reports=set(outs))
    refuse_inputs(outs, files)  # a ledger found inside a folder is an input too
    if not files:
        raise click.UsageError(
            "no ledger files (.xlsx .xlsm .xls .ods .csv) found in the given paths"
        )
    previous_table = read_previous(previous, rules) if previous else None
    label = {"zh": "读取台账", "en": "Reading ledgers"}[lang]
    with _bar(len(files), label, quiet) as bar:
        ledgers = read_all(files, rules, jobs, bar.update)
    result = build_report(ledgers, rules, month, as_of, lang, tier_scope, previous_table)
    write_report(result, rules, out, template, lang, force)
    if summary_json:
        write_summary(result, summary_json, force)
    failed = [s for s in result.ledgers if s.error]
    for status in failed:
        click.echo(f"{'无法读取' if lang == 'zh' else 'Failed'}: {status.error}", err=True)
    if not quiet:
        done = {
            "zh": "已写入 {out}：{n} 个台账（{bad} 个无法读取），{c} 位客户，{p} 个数据问题",
            "en": "Wrote {out}: {n} ledgers ({bad} failed), {c} customers, {p} data problems",
        }[lang]
        click.echo(
            done.format(
                out=out,
                n=len(result.ledgers),
                bad=len(failed),
                c=len(result.plan.table),
                p=sum(p.kind == "problem" for p in result.problems),
            ),
            err=True,
        )
    if not result.clean:
        sys.exit(1)


def _distinct_names(ledgers: tuple[Path, ...]) -> list[str]:
    """Each ledger's name for its plan: the file name without extension; where two ledgers share it,
    their folder's name goes in front (华东_台账), and their extension after (台账_csv) if need be."""
    names = [p.stem for p in ledgers]
    for longer in (
        lambda p: f"{p.resolve().parent.name}_{p.stem}",
        lambda p: f"{p.resolve().parent.name}_{p.stem}_{p.suffix.lstrip('.').lower()}",
    ):
        shared = {n for n in names if names.count(n) > 1}
        names = [longer(p) if n in shared else n for p, n in zip(ledgers, names, strict=True)]
    return names


def _bundled(name: str) -> Path | None:
    """The bundled template a command reads when no --template is given (an input too)."""
    from kqexcel.io.templates import bundled

    try:
        return bundled(name)
    except FileNotFoundError:
        return None


def _default_rules_file() -> Path:
    """The shipped rules file, which every command reads."""
    return Path(__file__).resolve().parent / "rules" / "default.toml"


def _bar(length: int, label: str, quiet: bool) -> Any:
    """A progress bar on a terminal's standard error; a stand-in when quiet or not a terminal."""
    if quiet or not sys.stderr.isatty():
        return _NoBar()
    return click.progressbar(length=length, label=label, file=sys.stderr)


class _NoBar:
    """Stands in for a progress bar in quiet or non-interactive runs."""

    def __enter__(self) -> _NoBar:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def update(self, n: int) -> None:
        return None


@cli.group()
def rules() -> None:
    """查看或检查规则文件 Show or check the rules (thresholds, synonyms, wording).

    \b
    Example:
        kq rules show
        kq rules show --rules 公司规则.toml
        kq rules check 公司规则.toml
    """


@rules.command("show")
@RULES
def rules_show(rules_path: Path | None) -> None:
    """显示当前生效的规则（TOML） Print the effective rules as TOML.

    \b
    Example:
        kq rules show > 公司规则.toml      先导出，再只保留要改的项
        kq rules show --rules 公司规则.toml
    """
    from kqexcel.rules import dump_toml, load_rules

    loaded = load_rules(rules_path)
    click.echo(dump_toml(loaded.tree), nl=False)


@rules.command("check")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@LANG
def rules_check(file: Path, lang: str) -> None:
    """检查一个规则文件能否使用 Validate a rules file (exit 0 valid, 1 with the bad key).

    \b
    Example:
        kq rules check 公司规则.toml
    """
    from kqexcel.rules import load_rules

    loaded = load_rules(file)
    click.echo(MESSAGES[lang]["rules_ok"].format(path=file, version=loaded.version))


@cli.group()
def template() -> None:
    """工作簿模板（管理员用） Workbook templates for admins.

    管理员把模板分发给客户经理：带下拉选项的台账、计划模板、报告模板和规则文件。
    模板可以在 Excel 里改样式、挪位置，只要定义名称（kq_plan、kq_ledger……）还在，kq 就能照样写入。

    \b
    Example:
        kq template list
        kq template init 公司模板/
        kq template ledger 空白台账.xlsx --rules 公司规则.toml
        kq template check 公司模板/plan.xlsx
        kq plan 客户台账.xlsx --template 公司模板/plan.xlsx
    """


@template.command("list")
@LANG
def template_list(lang: str) -> None:
    """列出内置模板及用途 List the bundled templates and what each is for.

    \b
    Example:
        kq template list
    """
    from kqexcel.io.templates import CATALOGUE, bundled, bundled_names

    for name in bundled_names():
        click.echo(f"{name:<20} {CATALOGUE[name][lang]}")
        click.echo(f"{'':<20} {bundled(name)}")


@template.command("init")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="覆盖已存在的文件 Overwrite existing files.")
def template_init(directory: Path, force: bool) -> None:
    """把内置模板和默认规则文件复制到 DIRECTORY，供管理员修改 Copy the bundled templates and the default rules file for customising.

    已存在的文件不会被覆盖（除非加 --force）。 Existing files are kept unless --force.

    \b
    Example:
        kq template init 公司模板/
    """
    from importlib import resources

    from kqexcel.io.files import atomic_write, refuse_existing, write_text
    from kqexcel.io.templates import bundled, bundled_names

    sources = [(bundled(name), directory / name) for name in bundled_names()]
    rules_file = resources.files("kqexcel.rules").joinpath("default.toml")
    refuse_existing([t for _, t in sources] + [directory / "rules.toml"], force)
    directory.mkdir(parents=True, exist_ok=True)
    for source, target in sources:
        data = source.read_bytes()
        atomic_write(target, True, lambda stream, data=data: stream.write(data))
        click.echo(str(target))
    click.echo(str(write_text(directory / "rules.toml", rules_file.read_text(encoding="utf-8"))))


@template.command("ledger")
@click.argument("output", type=click.Path(dir_okay=False, path_type=Path))
@RULES
@LANG
@click.option("--force", is_flag=True, help="覆盖已存在的文件 Overwrite an existing file.")
def template_ledger(output: Path, rules_path: Path | None, lang: str, force: bool) -> None:
    """生成空白客户台账，下拉选项来自规则文件 A blank ledger whose dropdowns follow the rules.

    \b
    Example:
        kq template ledger 空白台账.xlsx
        kq template ledger 空白台账.xlsx --rules 公司规则.toml
        kq template ledger blank_ledger.xlsx --lang en
    """
    from kqexcel.io.files import atomic_write
    from kqexcel.io.templates import build_ledger_template
    from kqexcel.rules import load_rules

    wb = build_ledger_template(load_rules(rules_path), lang)
    atomic_write(output, force, wb.save)
    click.echo(str(output))


@template.command("check")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@RULES
def template_check(file: Path, rules_path: Path | None) -> None:
    """检查自定义模板能否使用 Validate a customised template (exit 0 usable, 1 with one line per problem).

    检查写入程序需要的定义名称和工作表、台账表头、下拉选项是否与规则一致。

    \b
    Example:
        kq template check 公司模板/plan.xlsx
        kq template check 公司模板/ledger.xlsx --rules 公司模板/rules.toml
    """
    from kqexcel.io.template_check import check_template
    from kqexcel.rules import load_rules

    kind, problems = check_template(file, load_rules(rules_path))
    if problems:
        for problem in problems:
            click.echo(f"{file}: {problem}", err=True)
        sys.exit(1)
    click.echo(f"{file}: OK ({kind} template)")


@template.command("build")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@RULES
@click.option("--force", is_flag=True, help="覆盖已存在的文件 Overwrite existing files.")
def template_build(directory: Path, rules_path: Path | None, force: bool) -> None:
    """重新生成内置模板 Rebuild the bundled templates into DIRECTORY.

    \b
    Example:
        kq template build templates/ --force
    """
    from kqexcel.io.build import build_all
    from kqexcel.rules import load_rules

    for path in build_all(directory, load_rules(rules_path), force):
        click.echo(str(path))


@cli.group()
def addin() -> None:
    """Excel 加载项：在单元格里用公式、用按钮做计划 The Excel add-in: formulas and buttons.

    \b
    Example:
        kq addin install                在 Windows / Mac 上安装 xlwings 加载项并启用 kqexcel 公式
        kq addin status
        kq addin vba macros/ --force    重新生成 VBA 模块（覆盖已有文件）
        kq addin lite lite/             xlwings Lite 用的 main.py 和 requirements.txt
    """


@addin.command("install")
def addin_install() -> None:
    """安装 xlwings 加载项，并把 “UDF Modules” 设为 kqexcel.udfs（Windows、Mac）Install the add-in.

    装好后在 Excel 的 xlwings 选项卡点一次 “Import Functions”，即可使用 =KQ_PLAN(...) 等公式。

    \b
    Example:
        kq addin install
    """
    from kqexcel.addin import install

    for line in install():
        click.echo(line)
    click.echo("最后一步 Last step: Excel → xlwings 选项卡 → Import Functions")


@addin.command("status")
def addin_status() -> None:
    """显示加载项的设置情况 Show what is set up for the add-in.

    \b
    Example:
        kq addin status
    """
    from kqexcel.addin import status

    info = status()
    for key, value in info.items():
        click.echo(f"{key}: {value}")
    if not info["ready"]:
        why = (
            "这台电脑上没有桌面版 Excel（需要 Windows 或 macOS）；可以用 kq plan 或 xlwings Lite（kq addin lite）"
            " / no desktop Excel here (Windows or macOS needed): use kq plan, or xlwings Lite (kq addin lite)"
            if not info["desktop_excel"]
            else "还没有启用 kqexcel 公式：请运行 kq addin install / the kqexcel formulas are not set up: run kq addin install"
        )
        click.echo(why, err=True)
        sys.exit(1)


@addin.command("vba")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="覆盖已存在的文件 Overwrite existing files.")
def addin_vba(directory: Path, force: bool) -> None:
    """用 xlwings 自己的生成器重新生成 VBA 模块 Regenerate the .bas files (formulas and buttons).

    \b
    Example:
        kq addin vba macros/ --force
    """
    from kqexcel.addin import write_vba

    for path in write_vba(directory, force):
        click.echo(str(path))


@addin.command("lite")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="覆盖已存在的文件 Overwrite existing files.")
def addin_lite(directory: Path, force: bool) -> None:
    """写出 xlwings Lite 用的 main.py 和 requirements.txt Write main.py and requirements.txt for xlwings Lite.

    \b
    Example:
        kq addin lite lite/
    """
    from kqexcel.addin import write_lite

    for path in write_lite(directory, force):
        click.echo(str(path))


def main() -> None:
    signal.signal(signal.SIGTERM, _terminated)
    cli(prog_name="kq")


def _terminated(signum: int, frame: Any) -> None:
    """SIGTERM (timeout, cron, systemd) ends kq as Ctrl-C does: temporary files are removed,
    no half-written output is left, and the exit is 1 with one line."""
    raise KeyboardInterrupt


if __name__ == "__main__":  # pragma: no cover
    main()
