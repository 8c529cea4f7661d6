"""``xlperf doctor``: check what the Excel add-in and the WPS add-in need on this PC, one line per check.

On a terminal the lines are wrapped to its width by display width (a Chinese character takes two
columns), never inside a path, version or English word, continuation lines indented under the text.
"""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

import click

from xlperf.addin import doctor
from xlperf.cli.options import CONTEXT
from xlperf.core.a1 import display_width

_COLOURS = {doctor.OK: "green", doctor.WARN: "yellow", doctor.ERROR: "red"}
INDENT = 7  # under the text after "[正常] "
# an ASCII run (a path, a version) with an opening bracket before it, spaces, or one character
_TOKEN = re.compile(r"[（“‘《]?[\x21-\x7e]+|\s+|.", re.S)


def _cells(text: str) -> int:
    return display_width(text)


def wrap(text: str, width: int | None, indent: int = INDENT) -> list[str]:
    """``text`` in lines of at most ``width`` display columns (None: one line); an ASCII run longer
    than a line is cut only where it must be."""
    if width is None or _cells(text) <= width:
        return [text]
    lines, line, used = [], "", 0
    for token in _TOKEN.findall(text):
        size = _cells(token)
        if used + size > width and line.strip():
            lines.append(line.rstrip())
            line, used = " " * indent, indent
            if token.isspace():
                continue
        while used + size > width and size > width - indent:  # a run longer than a whole line
            room = width - used
            line += token[:room]
            lines.append(line)
            token = token[room:]
            size = _cells(token)
            line, used = " " * indent, indent
        line += token
        used += size
    lines.append(line.rstrip())
    return lines


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
    """检查本机运行 Excel 加载项和 WPS 加载项所需的一切，每项显示 正常/警告/错误 和处理办法。

    检查 Python 版本和位数、xlperf 与 xlwings 的位置和版本、加载项及其版本、xlwings 的 DLL、Excel 启动
    文件夹、受信任位置、PYTHONHOME/PYTHONPATH、路径中的中文或 OneDrive、Excel.Application 的注册（WPS）；
    以及 WPS 加载项：安装与 publish.xml 登记、本机服务与密钥、登录时启动、WPS 的信任记录与加载项限制（oem.ini、
    jsaddinblockhost.ini）。
    有错误时退出代码为 1，否则为 0（警告不影响）。

    \b
    示例：xlperf doctor
    """
    from xlperf.wps import facts

    checks = doctor.diagnose(doctor.gather(addin)) + doctor.diagnose_wps(facts.gather())
    width = shutil.get_terminal_size().columns - 1 if sys.stdout.isatty() else None
    for line in wrap(f"xlperf {doctor.XLPERF_VERSION} 诊断（{sys.executable}）", width):
        click.echo(line)
    for c in checks:
        tag = f"[{c.status_zh}]"
        lines = wrap(f"{tag} {c.name}：{c.detail}", width)
        styled = click.style(tag, fg=_COLOURS[c.status], bold=c.status != doctor.OK)
        click.echo(styled + lines[0][len(tag) :])
        for line in lines[1:]:
            click.echo(line)
        if c.advice and c.status != doctor.OK:
            for line in wrap(f"{' ' * INDENT}处理：{c.advice}", width, INDENT + 3):
                click.echo(line)
    click.echo(doctor.summary(checks))
    sys.exit(doctor.exit_code(checks))
