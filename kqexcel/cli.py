"""The `kq` command: options in, one library call (``kqexcel.batch``), errors out."""

from __future__ import annotations

import signal
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import click

from kqexcel import __version__
from kqexcel.cli_admin import addin, template
from kqexcel.cli_options import (
    AS_OF,
    CONTACTS,
    IN_FILE,
    LANG,
    LOG,
    MAP,
    ORDERS,
    REPORT_AS_OF,
    RULES,
    echo,
    month,
    progress,
)
from kqexcel.errors import KqError, RulesError, UsageError
from kqexcel.rules import load_rules
from kqexcel.words import say


def _text(exc: BaseException, lang: str, texts: Mapping[str, Any] | None = None) -> str:
    """An error as one line in ``lang`` (``text(lang)`` where the error has it, worded as
    ``texts`` say), whatever a library put in its message (openpyxl's span lines)."""
    shown = exc.text(lang, texts) if isinstance(exc, KqError) else str(exc)
    return " ".join(shown.split())


def _company_texts(ctx: click.Context, exc: BaseException) -> Mapping[str, Any] | None:
    """The ``[errors]`` texts of the company's rules (--rules) when they load, else None (the
    shipped texts): an error of the rules file itself can only be worded by the shipped ones."""
    path = ctx.meta.get("kq.rules")
    if path is None or isinstance(exc, RulesError):
        return None
    try:
        return load_rules(path)["errors"]  # type: ignore[no-any-return]
    except Exception:  # whatever is wrong with the file, the error at hand is what to show
        return None


class KqGroup(click.Group):
    """Turns library errors into one line (`Error: …`, exit 1); tracebacks only with --debug."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort, KeyboardInterrupt):
            raise
        except BrokenPipeError:
            raise  # click ends quietly when the reader of our output goes away (kq … | head)
        except Exception as exc:
            if ctx.params.get("debug"):
                raise
            lang = ctx.meta.get("kq.lang", "zh")
            texts = _company_texts(ctx, exc)
            if isinstance(exc, UsageError):
                raise click.UsageError(_text(exc, lang, texts)) from None
            if not isinstance(exc, KqError):  # an unexpected failure: details with --debug
                exc = KqError("unexpected_failure", kind=type(exc).__name__, why=_text(exc, lang))
            raise click.ClickException(_text(exc, lang, texts)) from None


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
@click.argument("ledgers", nargs=-1, required=True, type=IN_FILE)
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    help="输出文件（默认：台账旁边的 <台账名>_plan.xlsx）；多个台账时为文件夹。 Output file"
    " (default: <ledger>_plan.xlsx beside the ledger); a folder for several ledgers.",
)
@AS_OF
@LANG
@RULES
@MAP
@LOG
@CONTACTS
@ORDERS
@click.option(
    "--sheet",
    help="台账所在的工作表（默认：能识别表头、客户最多的工作表） Sheet to read "
    "(default: the one with a header and the most customers).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["xlsx", "json", "csv", "ics"]),
    default="xlsx",
    show_default=True,
    help="xlsx 工作簿 / json 每行一位客户（输出到屏幕）/ csv / ics 日历文件（今后 30 天的下次联系，"
    "可导入 Outlook、手机日历）. ics: the next 30 days' contacts as a calendar file.",
)
@click.option(
    "--codes",
    is_flag=True,
    help="csv 写机器代码和英文键（与 JSON 相同），而不是表头和名称 CSV with the machine codes "
    "and keys of JSON instead of the plan sheet's headers and labels.",
)
@click.option("--template", type=IN_FILE, help="自定义的计划模板 Customised plan template (.xlsx).")
@click.option("--force", is_flag=True, help="覆盖已存在的输出文件 Overwrite an existing output.")
@click.option("-q", "--quiet", is_flag=True, help="不显示进度和汇总 No progress bar or summary.")
@click.pass_context
def plan(ctx: click.Context, ledgers: tuple[Path, ...], quiet: bool, **options: Any) -> None:
    """为台账里的每位客户做跟进计划 Plan the next contact for every customer of a ledger.

    输入的台账不会被修改。表头可以是中文或英文，放在标题行下面也能识别；
    读不懂的单元格会列在“问题”表里（文件、工作表、行号、列、原因），其余照常处理。
    工作簿里名为 跟进记录 / 联系人 / 订单（或表头看得出是）的工作表一并读入：最近联系、约定的
    下次跟进、关键人、接触层级、RFM 分群和订单断档都从中得出。The ledger's 跟进记录
    (follow-up log), 联系人 (contacts) and 订单 (orders) sheets are read too.

    退出码 Exit codes: 0 全部读取正常 all rows clean; 1 有数据问题（计划仍已写出）data
    problems (the plan is still written) or an error; 2 命令用法错误 usage error.

    \b
    Example:
        kq plan 客户台账.xlsx
        kq plan 客户台账.xlsx --as-of 2026-11-30 -o 十一月计划.xlsx --force
        kq plan 客户台账.xlsx --format json > plan.jsonl
        kq plan 华东.xlsx 华北.xlsx -o 计划/
        kq plan 门店清单.xlsx --map "业务归属=owner" --map "店名=name"
        kq plan 客户台账.xlsx --log 拜访记录.csv --contacts 客户档案.xlsx:关键人
        kq plan 客户台账.xlsx --orders ERP销售明细.csv
        kq plan 客户台账.xlsx --format ics -o 本月跟进.ics
        kq plan 客户台账.xlsx --format csv -o 计划.csv
        kq plan 客户台账.xlsx --format csv --codes > plan_codes.csv
    """
    from kqexcel.batch import plan_ledgers, problem_lines, reading_lines, written_line

    lang, fmt = options["lang"], options["fmt"]
    dirty = False
    for planned in plan_ledgers(ledgers, progress=progress(quiet), **options):
        dirty |= planned.dirty
        problems = planned.plan.problems
        if not quiet:
            echo(reading_lines(problems, planned.rules, lang))
        if fmt == "xlsx" and not quiet:
            click.echo(written_line(planned, lang), err=True)
        if not quiet and any(p.kind != "info" for p in problems):
            echo(problem_lines(problems, planned.rules, lang, fmt == "xlsx"))
    if dirty:
        ctx.exit(1)


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option(
    "--month",
    required=True,
    callback=month,
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
    type=IN_FILE,
    help="上个月（或更早）的报告：层级变动、客户经理变更、环比 Last month's (or an earlier) "
    "report: tier moves, owner changes, month over month.",
)
@REPORT_AS_OF
@LANG
@RULES
@MAP
@LOG
@CONTACTS
@ORDERS
@click.option("--template", type=IN_FILE, help="自定义的报告模板 Customised report template.")
@click.option(
    "--jobs",
    type=click.IntRange(1, 64),
    default=1,
    show_default=True,
    help="并行读取台账的进程数 Processes reading ledgers in parallel.",
)
@click.option(
    "--scheduler",
    envvar="KQ_SCHEDULER",
    metavar="ADDRESS",
    help="在 Dask 集群上读取台账：调度器地址 tcp://主机:端口，或 local:N（本机 N 个工作进程）；"
    "也可用环境变量 KQ_SCHEDULER；需要 pip install 'kqexcel[dask]' Read the ledgers on a Dask "
    "cluster: the scheduler's tcp://HOST:PORT, or local:N (N worker processes here); also "
    "KQ_SCHEDULER; needs kqexcel[dask].",
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
    help="把总览数字和本月要看的清单（客户经理变更、公海候选、撞单、覆盖率、需要上报）另存为 JSON "
    "Write the overview figures and the month's lists (owner changes, reclaim, same customer, "
    "coverage, escalations) as JSON.",
)
@click.option(
    "--pdf",
    is_flag=True,
    help="同时生成 PDF（报告文件旁、同名 .pdf；用 LibreOffice 转换，便于邮件转发） Also write the "
    "report as PDF (beside it, same name .pdf; through LibreOffice), to forward by e-mail.",
)
@click.option("--force", is_flag=True, help="覆盖已存在的输出文件 Overwrite existing outputs.")
@click.option(
    "-q", "--quiet", is_flag=True, help="不显示进度（定时任务用） No progress bar (scheduled runs)."
)
@click.pass_context
def report(ctx: click.Context, paths: tuple[Path, ...], quiet: bool, **options: Any) -> None:
    """月度管理报告：汇总所有客户经理的台账 The monthly report over every rep's ledger.

    PATHS 可以是文件或文件夹（递归查找 .xlsx .xlsm .xls .ods .csv；跳过 Excel 锁文件 ~$*
    和 kq 自己写出的文件）。某个台账读不了不会中断整批：它会列在“问题”表和屏幕上，
    其余照常汇总，最后退出码为 1（全部正常为 0）。基准日默认是该月最后一天；
    该月还没过完时是今天（不会按未来的日子算逾期）。

    \b
    Example:
        kq report 台账/ --month 2026-11
        kq report 台账/ --month 2026-11 --previous kq_report_2026-10.xlsx
        kq report 华东/ 华北/ --month 2026-11 --jobs 2 --summary-json 11月.json -q
        kq report 台账/ --month 2026-11 --map "业务归属=owner"
        kq report /共享盘/台账/ --month 2026-11 --scheduler tcp://10.0.0.5:8786
        kq report 台账/ --month 2026-11 --pdf      同时写出 kq_report_2026-11.pdf
    """
    from kqexcel.batch import report_ledgers

    reported = report_ledgers(paths, progress=progress(quiet), **options)
    echo(reported.lines(options["lang"], quiet))
    if not reported.report.clean:
        ctx.exit(1)


@cli.group()
def rules() -> None:
    """查看、检查规则文件或写出骨架 Show, check or start a rules file (numbers, synonyms, texts).

    \b
    Example:
        kq rules show
        kq rules show --rules 公司规则.toml
        kq rules check 公司规则.toml
        kq rules init 公司规则.toml
    """


@rules.command("show")
@RULES
@LANG
def rules_show(rules_path: Path | None, lang: str) -> None:
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
@click.pass_context
def rules_check(ctx: click.Context, file: Path, lang: str) -> None:
    """检查一个规则文件能否使用 Validate a rules file: every error in one run.

    一次列出全部问题（每处一行，写错的规则项会提示“是不是 …”）；同一个写法挂在两个选项
    或两个字段下也算错误（表格里的值会被悄悄读成其中一个）。改了名称的选项或字段，
    原来的名称仍会照常读取，这里会逐条说明。退出码：0 可以使用，1 有问题。

    Lists every error, one per line (a misspelt key with "did you mean"); a spelling under two
    codes or fields is an error too. A relabelled code or field still reads its old label, and
    each such case is said. Exit 0: usable; 1: errors.

    \b
    Example:
        kq rules check 公司规则.toml
        kq rules check 公司规则.toml --lang en
    """
    from kqexcel.rules import check_rules, default_rules

    found = check_rules(file)
    shown = found.rules or default_rules()
    for key, old in found.kept:
        click.echo(say(shown, "rules_kept_label", lang, where=key, old=old))
    if found.rules is None:  # one line per error, each as every error is said
        for error in found.errors:
            click.echo(f"Error: {error.text(lang)}", err=True)
        ctx.exit(1)
    click.echo(say(found.rules, "rules_ok", lang, path=file, version=found.rules.version))


@rules.command("init")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="覆盖已存在的文件 Overwrite an existing file.")
@LANG
def rules_init(file: Path, force: bool, lang: str) -> None:
    """写出可改数值的规则骨架（均已注释） Write a commented skeleton of the numbers to change.

    每个数值一行，带默认值、含义和允许范围；去掉行首的 # 再改数值即生效。
    Each number with its default, meaning and allowed range; uncomment a line to change it.

    \b
    Example:
        kq rules init 公司规则.toml
        kq rules check 公司规则.toml
        kq plan 客户台账.xlsx --rules 公司规则.toml
    """
    from kqexcel.io.files import refuse_inputs, write_text
    from kqexcel.rules import default_files
    from kqexcel.rules.skeleton import skeleton

    refuse_inputs([file], default_files())
    click.echo(str(write_text(file, skeleton(str(file)), force)))


cli.add_command(template)
cli.add_command(addin)


def main() -> None:
    """The `kq` console script."""
    signal.signal(signal.SIGTERM, _terminated)
    sys.unraisablehook = _unraisable
    cli(prog_name="kq")


def _unraisable(unraisable: Any) -> None:
    """Ctrl-C that lands in a finaliser or weakref callback (Python would print "Exception
    ignored in …" with a traceback and go on): said again, so that it stops kq at the next
    step as any Ctrl-C does, in one line. Anything else as Python shows it."""
    if isinstance(unraisable.exc_value, KeyboardInterrupt):
        signal.raise_signal(signal.SIGINT)
        return
    sys.__unraisablehook__(unraisable)


def _terminated(signum: int, frame: Any) -> None:
    """SIGTERM (timeout, cron, systemd) ends kq as Ctrl-C does: temporary files are removed,
    no half-written output is left, and the exit is 1 with one line."""
    raise KeyboardInterrupt


if __name__ == "__main__":  # pragma: no cover
    main()
