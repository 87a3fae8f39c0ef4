"""`kq template` and `kq addin`: the admin's commands (templates to hand out, the Excel add-in)."""

from __future__ import annotations

from pathlib import Path

import click

from kqexcel.cli_options import DIRECTORY, FORCE, IN_FILE, LANG, RULES, echo
from kqexcel.rules import load_rules
from kqexcel.words import say


@click.group()
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
@DIRECTORY
@FORCE
@LANG
def template_init(directory: Path, force: bool, lang: str) -> None:
    """把内置模板和默认规则文件复制到 DIRECTORY，供管理员修改 Copy the bundled templates and
    the default rules file for customising.

    已存在的文件不会被覆盖（除非加 --force）。 Existing files are kept unless --force.

    \b
    Example:
        kq template init 公司模板/
    """
    from kqexcel.batch import copy_templates

    for path in copy_templates(directory, force):
        click.echo(str(path))


@template.command("ledger")
@click.argument("output", type=click.Path(dir_okay=False, path_type=Path))
@RULES
@LANG
@click.option("--force", is_flag=True, help="覆盖已存在的文件 Overwrite an existing file.")
def template_ledger(output: Path, rules_path: Path | None, lang: str, force: bool) -> None:
    """生成空白客户台账，下拉选项来自规则文件 A blank ledger whose dropdowns follow the rules.

    三张表：客户台账、跟进记录（每次联系一行）、联系人（客户那边每个人一行）；跟进记录和
    联系人的客户编号从客户台账里选。Three sheets: the customers, the follow-up log and the
    contacts, whose customer-id dropdowns list the customer sheet's ids.

    \b
    Example:
        kq template ledger 空白台账.xlsx
        kq template ledger 空白台账.xlsx --rules 公司规则.toml
        kq template ledger blank_ledger.xlsx --lang en
    """
    from kqexcel.io.files import atomic_write
    from kqexcel.io.templates import build_ledger_template

    wb = build_ledger_template(load_rules(rules_path), lang)
    atomic_write(output, force, wb.save)
    click.echo(str(output))


@template.command("check")
@click.argument("file", type=IN_FILE)
@RULES
@LANG
@click.pass_context
def template_check(ctx: click.Context, file: Path, rules_path: Path | None, lang: str) -> None:
    """检查自定义模板能否使用 Validate a customised template (exit 0 usable, 1 with one line
    per problem).

    检查写入程序需要的定义名称和工作表、台账表头、下拉选项是否与规则一致。

    \b
    Example:
        kq template check 公司模板/plan.xlsx
        kq template check 公司模板/ledger.xlsx --rules 公司模板/rules.toml
    """
    from kqexcel.io.template_check import check_template

    rules = load_rules(rules_path)
    kind, problems = check_template(file, rules, lang)
    echo([say(rules, "template_problem", lang, file=file, problem=p) for p in problems])
    if problems:
        ctx.exit(1)
    click.echo(say(rules, "template_ok", lang, file=file, kind=kind))


@template.command("build")
@DIRECTORY
@RULES
@FORCE
@LANG
def template_build(directory: Path, rules_path: Path | None, force: bool, lang: str) -> None:
    """重新生成内置模板 Rebuild the bundled templates into DIRECTORY.

    \b
    Example:
        kq template build templates/ --force
    """
    from kqexcel.io.build import build_all

    for path in build_all(directory, load_rules(rules_path), force):
        click.echo(str(path))


@click.group()
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
@LANG
def addin_install(lang: str) -> None:
    """安装 xlwings 加载项，并把 “UDF Modules” 设为 kqexcel.udfs（Windows、Mac）Install the add-in.

    装好后在 Excel 的 xlwings 选项卡点一次 “Import Functions”，即可使用 =KQ_PLAN(...) 等公式。

    \b
    Example:
        kq addin install
    """
    from kqexcel.addin import install

    for line in install():
        click.echo(line)
    click.echo(say(load_rules(), "addin_last_step", lang))


@addin.command("status")
@LANG
@click.pass_context
def addin_status(ctx: click.Context, lang: str) -> None:
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
        why = "addin_no_excel" if not info["desktop_excel"] else "addin_not_set_up"
        click.echo(say(load_rules(), why, lang), err=True)
        ctx.exit(1)


@addin.command("vba")
@DIRECTORY
@FORCE
@LANG
def addin_vba(directory: Path, force: bool, lang: str) -> None:
    """用 xlwings 自己的生成器重新生成 VBA 模块 Regenerate the .bas files (formulas and buttons).

    \b
    Example:
        kq addin vba macros/ --force
    """
    from kqexcel.addin import write_vba

    for path in write_vba(directory, force):
        click.echo(str(path))


@addin.command("lite")
@DIRECTORY
@FORCE
@LANG
def addin_lite(directory: Path, force: bool, lang: str) -> None:
    """写出 xlwings Lite 用的 main.py 和 requirements.txt Write main.py and requirements.txt for
    xlwings Lite.

    \b
    Example:
        kq addin lite lite/
    """
    from kqexcel.addin import write_lite

    for path in write_lite(directory, force):
        click.echo(str(path))
