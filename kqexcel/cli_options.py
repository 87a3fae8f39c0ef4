"""The options and callbacks the `kq` commands share, and how they show progress and lines."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Any

import click

from kqexcel.core.values import DATE_MAX, DATE_MIN, parse_date
from kqexcel.errors import KqError


def keep_lang(ctx: click.Context, param: click.Parameter, value: str) -> str:
    """--lang: kept in ``ctx.meta`` for the error handler."""
    ctx.meta["kq.lang"] = value  # so that an error speaks the command's language
    return value


def keep_rules(ctx: click.Context, param: click.Parameter, value: Path | None) -> Path | None:
    """--rules: kept in ``ctx.meta``, so that an error is worded as the company's rules say."""
    ctx.meta["kq.rules"] = value
    return value


def bad_value(ctx: click.Context, key: str, **values: Any) -> click.BadParameter:
    """A usage error of an option's value, in the command's language."""
    return click.BadParameter(KqError(key, **values).text(ctx.meta.get("kq.lang", "zh")))


def as_of(ctx: click.Context, param: click.Parameter, value: str | None) -> dt.date | None:
    """--as-of: a date with its year in any spelling a ledger may use (2026-11-30, 2026/11/30,
    2026.11.30, 2026年11月30日, 20261130), within the years kq reads."""
    if value is None:
        return None
    from kqexcel.core.ledger import vocabulary
    from kqexcel.rules import default_rules

    day, reason = parse_date(value, vocabulary(default_rules()))  # no as_of: a year is a must
    if reason == "date_out_of_range":
        first, last = DATE_MIN.year, DATE_MAX.year
        raise bad_value(ctx, "date_out_of_range", value=value, first=first, last=last)
    if day is None:
        raise bad_value(ctx, "bad_date", value=value)
    return day


def in_range(ctx: click.Context, day: dt.date, value: str) -> dt.date:
    """``day`` when kq reads dates of its year, else a usage error naming ``value``."""
    if not DATE_MIN <= day <= DATE_MAX:
        raise bad_value(
            ctx, "date_out_of_range", value=value, first=DATE_MIN.year, last=DATE_MAX.year
        )
    return day


def month(ctx: click.Context, param: click.Parameter, value: str) -> str:
    """--month: YYYY-MM within the years kq reads."""
    try:
        day = dt.date.fromisoformat(f"{value}-01")
    except ValueError:
        raise bad_value(ctx, "bad_month", value=value) from None
    in_range(ctx, day, value)
    return value


def progress(quiet: bool) -> Any:
    """Progress bars on a terminal's standard error; none when quiet or not a terminal."""
    from kqexcel.batch import no_progress

    if quiet or not sys.stderr.isatty():
        return no_progress
    return lambda length, label: click.progressbar(length=length, label=label, file=sys.stderr)


def echo(lines: list[str]) -> None:
    """Each line on standard error."""
    for line in lines:
        click.echo(line, err=True)


LANG = click.option(
    "--lang",
    type=click.Choice(["zh", "en"]),
    default="zh",
    show_default=True,
    is_eager=True,
    callback=keep_lang,
    help="输出语言 Language of the output: zh 中文 / en English.",
)
RULES = click.option(
    "--rules",
    "rules_path",
    type=click.Path(dir_okay=False, path_type=Path),
    callback=keep_rules,
    help="公司规则文件（TOML），覆盖默认阈值和话术 Company rules file overlaying the defaults.",
)


def column_map(
    ctx: click.Context, param: click.Parameter, values: tuple[str, ...]
) -> dict[str, str]:
    """--map "业务归属=owner": header → field key (a field's label is taken too; "-": none)."""
    if not values:  # the option not given: nothing to load
        return {}
    from kqexcel.core.ledger import RECORD_KINDS
    from kqexcel.rules import default_rules, field_keys, header_norm

    rules = default_rules()
    mapping: dict[str, str] = {}
    for value in values:
        column, sep, name = value.rpartition("=")
        if not sep or not column.strip() or not name.strip():
            raise bad_value(ctx, "map_bad", value=value)
        name = name.strip()
        field = name if name == "-" or _field_key(name, rules.tree) else None
        for view in (rules, *(rules.for_kind(kind) for kind in RECORD_KINDS)):
            field = field or view.header_lookup.get(header_norm(name))
        if field is None:
            raise bad_value(
                ctx, "map_field_unknown", value=value, field=name, fields=field_keys(rules.tree)
            )
        mapping[column.strip()] = field
    return mapping


def _field_key(name: str, tree: dict[str, Any]) -> bool:
    from kqexcel.rules import FIELD_SECTIONS

    return any(name in tree[section] for section in FIELD_SECTIONS)


def file_sheet(
    ctx: click.Context, param: click.Parameter, value: str | None
) -> tuple[Path, str | None] | None:
    """--log / --contacts / --orders FILE[:SHEET]: the file, and the sheet after its last colon
    when the whole text names no file (C:\\台账\\跟进.xlsx:十一月 on Windows too)."""
    if value is None:
        return None
    whole = Path(value)
    if whole.is_file():
        return whole, None
    head, sep, sheet = value.rpartition(":")
    if sep and head and Path(head).is_file() and sheet:
        return Path(head), sheet
    if whole.is_dir() or (sep and head and Path(head).is_dir()):
        raise bad_value(ctx, "file_is_folder", path=head if sep and head else value)
    raise bad_value(ctx, "file_not_found", path=head if sep and head and sheet else value)


LOG = click.option(
    "--log",
    "log_file",
    callback=file_sheet,
    metavar="FILE[:SHEET]",
    help="跟进记录在另一个文件（或工作表）里：文件[:工作表]（默认：台账里名为 跟进记录 等的工作表）"
    " The follow-up log in a file of its own, FILE[:SHEET] (default: the ledger's 跟进记录 sheet).",
)
CONTACTS = click.option(
    "--contacts",
    "contacts_file",
    callback=file_sheet,
    metavar="FILE[:SHEET]",
    help="联系人在另一个文件（或工作表）里：文件[:工作表]（默认：台账里名为 联系人 等的工作表）"
    " The contacts in a file of their own, FILE[:SHEET] (default: the ledger's 联系人 sheet).",
)
ORDERS = click.option(
    "--orders",
    "orders_file",
    callback=file_sheet,
    metavar="FILE[:SHEET]",
    help="订单在另一个文件（或工作表）里，如 ERP 导出的 CSV（GBK 或 UTF-8）：文件[:工作表]"
    "（默认：台账里名为 订单、销售明细 等的工作表）"
    " The orders in a file of their own, such as an ERP's CSV export, FILE[:SHEET]"
    " (default: the ledger's 订单 sheet).",
)
MAP = click.option(
    "--map",
    "columns",
    multiple=True,
    callback=column_map,
    metavar="表头=字段",
    help='指定某列是哪个字段，可写多次，如 --map "业务归属=owner" --map "店名=name"'
    "（字段写英文键或中文名；"
    "- 表示不作为字段） Which field a column is (repeatable; a field key or label, - for none).",
)
AS_OF = click.option(
    "--as-of",
    callback=as_of,
    metavar="YYYY-MM-DD",
    help="基准日（默认今天；2026-11-30、2026/11/30、2026年11月30日 均可）"
    "The date the plan is made for (default: today; any spelling with the year).",
)
REPORT_AS_OF = click.option(
    "--as-of",
    callback=as_of,
    metavar="YYYY-MM-DD",
    help="基准日（默认该月最后一天；该月还没过完时默认今天；2026-11-30、2026/11/30、"
    "2026年11月30日 均可） The date the report is made for (default: the month's last day, or "
    "today when that is earlier; any spelling with the year).",
)
FORCE = click.option("--force", is_flag=True, help="覆盖已存在的文件 Overwrite existing files.")
IN_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)
DIRECTORY = click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
