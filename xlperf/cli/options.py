"""Options shared by several commands, as decorators (one definition, one help text)."""

from __future__ import annotations

from pathlib import Path

import click

from xlperf.sources import ENGINES

# -h as well as --help on every command, however it is reached (click caches a command's help option
# the first time it is built, so a setting inherited only from the group would depend on call order)
CONTEXT = {"help_option_names": ["-h", "--help"]}

preset_option = click.option(
    "--preset",
    "preset",
    default=None,
    metavar="方案名或文件",
    help="评分方案：national、shaanxi 或 .toml 文件；默认取工作簿中记录的方案，否则 national。",
)

engine_option = click.option(
    "--engine",
    type=click.Choice(ENGINES),
    default="calamine",
    show_default=True,
    help="读取引擎。",
)

targets_option = click.option(
    "--targets",
    "targets",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    metavar="批复目标.xlsx",
    help="批复的绩效目标（一体化系统导出的 .xlsx 或 .csv：单位、项目名称、一级/二级/三级指标、计算符号、"
    "指标值、度量单位）：逐项核对自评表的预期指标值（XP022）。",
)

# text on the terminal or JSON on stdout (validate, feedback; consolidate's --format chooses a file format)
format_option = click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="输出格式。",
)
