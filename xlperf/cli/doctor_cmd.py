"""``xlperf doctor``: check what the Excel add-in needs on this PC, one line per check."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from xlperf.addin import doctor
from xlperf.cli.options import CONTEXT

_COLOURS = {doctor.OK: "green", doctor.WARN: "yellow", doctor.ERROR: "red"}


@click.command("doctor", context_settings=CONTEXT)
@click.option(
    "--addin",
    "addin",
    default=None,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    metavar="文件",
    help="检查这个加载项文件，而不是 Excel 启动文件夹中的 xlperf.xlam。",
)
def command(addin: Path | None) -> None:
    """检查本机运行 Excel 加载项所需的一切，每项显示 正常/警告/错误 和处理办法。

    检查 Python 版本和位数、xlperf 与 xlwings 的位置和版本、加载项及其版本、xlwings 的 DLL、Excel 启动
    文件夹、受信任位置、PYTHONHOME/PYTHONPATH、路径中的中文或 OneDrive、Excel.Application 的注册（WPS）。
    有错误时退出代码为 1，否则为 0（警告不影响）。

    \b
    示例：xlperf doctor
    """
    checks = doctor.diagnose(doctor.gather(addin))
    click.echo(f"xlperf {doctor.XLPERF_VERSION} 诊断（{sys.executable}）")
    for c in checks:
        tag = click.style(f"[{c.status_zh}]", fg=_COLOURS[c.status], bold=c.status != doctor.OK)
        click.echo(f"{tag} {c.name}：{c.detail}")
        if c.advice and c.status != doctor.OK:
            click.echo(f"       处理：{c.advice}")
    click.echo(doctor.summary(checks))
    sys.exit(doctor.exit_code(checks))
