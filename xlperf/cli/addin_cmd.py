"""``xlperf addin``: build the Excel add-in from text, or install it into Excel's start-up folder."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from xlperf.addin import build_addin, install_addin
from xlperf.addin.build import DEFAULT_UDF_MODULE
from xlperf.cli.options import CONTEXT
from xlperf.core.names import shown_name
from xlperf.safe_io import check_output

udf_module_option = click.option(
    "--udf-module",
    default=DEFAULT_UDF_MODULE,
    show_default=True,
    metavar="MODULE",
    help="定义自定义函数（XP_…）的 Python 模块。",
)


@click.group("addin", context_settings=CONTEXT)
def command() -> None:
    """Excel 加载项 xlperf.xlam：生成与安装。"""


@command.command("build", context_settings=CONTEXT)
@click.option(
    "-o",
    "--output",
    "output",
    default="xlperf.xlam",
    show_default=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="生成的加载项文件。",
)
@udf_module_option
def build_cmd(output: Path, udf_module: str) -> None:
    """由 vba/ 中的文本生成加载项（无需 Excel，两次生成的文件完全相同）。

    \b
    示例：xlperf addin build -o xlperf.xlam
    """
    output = check_output(output)  # before the build: a folder that cannot be written is said at once
    path = build_addin(output, udf_module)
    click.echo(f"已生成加载项：{shown_name(path)}")


@command.command("install", context_settings=CONTEXT)
@click.option(
    "--dest",
    default=None,
    type=click.Path(file_okay=False, path_type=Path),
    help="安装到的文件夹；Windows 上默认为 Excel 的启动文件夹 XLSTART，其他系统必须指定。",
)
@udf_module_option
def install_cmd(dest: Path | None, udf_module: str) -> None:
    """生成加载项并安装，Excel 下次启动时自动加载“绩效自评”选项卡。

    \b
    示例：xlperf addin install
    """
    from xlperf.addin import doctor

    path = install_addin(dest, udf_module=udf_module)
    record = doctor.read_addin(path).record
    click.echo(f"已安装加载项：{shown_name(path)}")
    click.echo(f"加载项将使用的 Python：{sys.executable}")
    click.echo(
        f"加载项按 xlperf {record.get('xlperf')}、xlwings {record.get('xlwings')} 生成；"
        "升级 xlperf 或 xlwings 后请重新运行 xlperf addin install。"
    )
    # what would still stop the add-in on this PC (the DLL not where it looks, WPS owning Excel, ...)
    errors = [c for c in doctor.diagnose(doctor.gather(path)) if c.status == doctor.ERROR]
    for c in errors:
        click.echo(f"[错误] {c.name}：{c.detail}", err=True)
        click.echo(f"       处理：{c.advice}", err=True)
    if errors:
        click.echo(
            "加载项已安装，但上面的问题会让它无法正常工作：处理后运行 xlperf doctor 再检查。", err=True
        )
    click.echo("请重新启动 Excel，在功能区中找到“绩效自评”选项卡。")
