"""``xlperf consolidate``: many units' workbooks into one summary (汇总表)."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click

from xlperf.cli.options import CONTEXT, engine_option, preset_option
from xlperf.consolidate import consolidate_paths
from xlperf.writers.summary import FORMATS, check_output, write_summary

PROGRESS_MIN_FILES = 20  # show a progress bar from this many files on (and only on a terminal)


@click.command("consolidate", context_settings=CONTEXT)
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(path_type=Path),
    help="汇总结果：.xlsx 文件、.json 文件，或 csv 格式时的文件夹（每张表一个 .csv）。",
)
@preset_option
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(min=1),
    default=None,
    help="并行读取的进程数；默认 min(CPU 数, 4)，1 = 不并行（文件少于 8 个时总是不并行）。",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default=None,
    help="输出格式；默认按 -o 的扩展名（.xlsx / .json，否则 csv）。",
)
@engine_option
@click.option("-q", "--quiet", is_flag=True, help="不显示进度条和汇总摘要。")
def command(
    paths: tuple[Path, ...],
    output: Path,
    preset: str | None,
    jobs: int | None,
    fmt: str | None,
    engine: str,
    quiet: bool,
) -> None:
    """汇总各单位的绩效自评工作簿，生成汇总表。

    PATH 可以是文件或文件夹（含子文件夹）；读取 .xlsx/.xlsm 工作簿和 Word 报告（.docx；装有 LibreOffice 时也读 .doc/.wps），Excel 临时文件（~$ 开头）等跳过并列入
    “文件清单”。汇总表含：项目明细、单位汇总、等级分布（附图表）、问题清单、文件清单。同一文件报送两次、
    同一单位的同一项目出现两次时只计一次，并在问题清单中标出。输入文件不会被修改。

    退出码：0 已生成汇总表（即使部分文件无法读取）；2 没有可以汇总的工作簿。

    示例：

        xlperf consolidate 报送材料/ -o 2024年绩效自评汇总.xlsx

        xlperf consolidate 报送材料/ -o 汇总csv --format csv --jobs 2
    \f
    Consolidate units' workbooks into one summary (library: xlperf.consolidate.consolidate_paths).
    """
    fmt, output = check_output(output, fmt)  # refuse a bad output before minutes of reading
    start = time.perf_counter()
    show = not quiet and sys.stderr.isatty()
    progress_fn = None
    bar = None
    if show:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        bar = Progress(
            TextColumn("读取工作簿"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=Console(stderr=True),
            transient=True,
        )
        task = bar.add_task("读取", total=None)

        def progress_fn(done: int, total: int, name: str) -> None:
            if total >= PROGRESS_MIN_FILES:
                bar.update(task, completed=done, total=total)

        bar.start()
    try:
        c = consolidate_paths(paths, preset=preset, jobs=jobs, progress=progress_fn, engine=engine)
    finally:
        if bar is not None:
            bar.stop()
    lines = c.summary_lines()
    if not c.ok:
        for line in lines:
            click.echo(line, err=True)
        click.echo("错误：没有可以汇总的工作簿，未生成汇总表。", err=True)
        sys.exit(2)
    out = write_summary(c, output, fmt)
    if not quiet:
        click.echo("\n".join(lines))
        took = time.perf_counter() - start
        click.echo(f"已写出汇总表：{out}（读取 {c.seconds:.2f} 秒，共用时 {took:.2f} 秒）")
