"""``xlperf wps``: the 绩效自评 ribbon in WPS 表格 (install, uninstall)."""

from __future__ import annotations

import click

from xlperf.cli.options import CONTEXT


@click.group("wps", context_settings=CONTEXT)
def command() -> None:
    """WPS 表格中的“绩效自评”加载项：安装与卸载。"""


@command.command("install", context_settings=CONTEXT)
@click.option("--uninstall", is_flag=True, help="卸载：删除加载项和登录时启动，publish.xml 恢复原样。")
@click.option("--port", type=click.IntRange(1024, 65535), default=None, metavar="端口",
              help="本机服务的端口（默认 18571；被占用时换一个）。")  # fmt: skip
@click.option("--no-start", is_flag=True, help="只安装，不立即启动本机服务。")
@click.option("--no-autostart", is_flag=True, help="不设置登录时自动启动（需要时手动运行 xlperf serve）。")
def install_cmd(uninstall: bool, port: int | None, no_start: bool, no_autostart: bool) -> None:
    """把“绩效自评”加载项安装到 WPS 表格，并设置本机服务在登录时自动启动。

    复制加载项到 WPS 的 jsaddons 文件夹，在 publish.xml 中登记（不改动其他加载项），设置登录时启动
    本机服务（Windows：“启动”文件夹；Linux：~/.config/autostart），并立即启动服务。显示每一步做了什么。

    \b
    示例：xlperf wps install
          xlperf wps install --uninstall
    """
    from xlperf.wps import install

    rep = install.uninstall() if uninstall else install.install(port=port, start=not no_start,
                                                                 autostart=not no_autostart)  # fmt: skip
    from xlperf.core.names import shown_text

    for line in rep.lines:  # (paths in them already shown as names are: this is the net)
        click.echo(shown_text(line))
    for line in rep.warnings:
        click.echo(f"注意：{shown_text(line)}", err=True)
