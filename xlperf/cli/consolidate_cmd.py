"""``xlperf consolidate``: many units' workbooks into one summary (汇总表)."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click

from xlperf.cli.options import CONTEXT, engine_option, preset_option, targets_option
from xlperf.cli.zh import fill, screen_width
from xlperf.consolidate import consolidate_paths
from xlperf.core.names import shown_name
from xlperf.errors import OutputError
from xlperf.writers.summary import FORMATS, check_output, write_summary

PROGRESS_MIN_FILES = 20  # show a progress bar from this many files on (and only on a terminal)


def path_notes(paths: tuple[Path, ...], c) -> list[str]:
    """A line for each given path that does not exist, and for each folder holding no workbook."""
    notes = []
    read = [Path(f.path).absolute() for f in c.files]
    for p in paths:
        a = p.absolute()
        if not p.exists() and not p.is_symlink():
            notes.append(f"找不到：{shown_name(p)}（路径不存在）")
        elif p.is_dir() and not any(a == r or a in r.parents for r in read):
            notes.append(f"文件夹中没有工作簿：{shown_name(p)}（未找到 .xlsx/.xlsm 文件）")
    return notes


@click.command("consolidate", context_settings=CONTEXT)
@click.argument(
    "paths", nargs=-1, required=True, type=click.Path(path_type=Path), metavar="工作簿或文件夹..."
)
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(path_type=Path),
    metavar="文件或文件夹",
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
@click.option(
    "--issuer",
    default="",
    metavar="单位名称",
    help="汇总单位（如 长安区财政局），写在各表标题的年度之前；默认不写。",
)
@click.option(
    "--roster",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    metavar="名单.xlsx",
    help="应报送单位名单（.xlsx 或 .csv，一列“单位名称”，可另有“主管部门”“单位编码”）：汇总表第一张为“报送情况”，"
    "列出已报送、未报送、无法读取、已重报的单位和名单外的单位。默认用所给文件夹中的“报送名单.xlsx/.csv”。",
)
@click.option(
    "--ledger",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    metavar="台账.sqlite",
    help="报送台账（SQLite 文件，不存在时新建）：记住每次汇总见到的每个文件（校验值、单位、首次报送时间、问题），"
    "据此区分首次报送和重报，并列出重报改正了哪些问题。默认用所给文件夹中的“汇总台账.sqlite”，"
    "文件夹中有报送名单时在其旁新建。",
)
@targets_option
@click.option(
    "--decisions",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    metavar="上次汇总.xlsx",
    help="上次审核过的汇总表：其“问题清单”中填写的“处理”“审核意见”带入本次汇总中未变的同一问题"
    "（同一单位、项目、位置、规则、应为和实为）；已改正或数值变了的问题须重新审核。",
)
@engine_option
@click.option("--force", is_flag=True, help="覆盖已存在的汇总结果（默认不覆盖，以免丢失已修改的汇总表）。")
@click.option("-q", "--quiet", is_flag=True, help="不显示进度条和汇总摘要。")
def command(
    paths: tuple[Path, ...],
    output: Path,
    preset: str | None,
    jobs: int | None,
    fmt: str | None,
    issuer: str,
    roster: Path | None,
    ledger: Path | None,
    targets: Path | None,
    decisions: Path | None,
    engine: str,
    force: bool,
    quiet: bool,
) -> None:
    """汇总各单位的绩效自评工作簿，生成汇总表。

    可以给出工作簿、Word 报告或文件夹（含子文件夹）；读取 .xlsx/.xlsm 工作簿和 Word 报告（.docx；装有
    LibreOffice 时也读 .doc/.wps），Excel 临时文件（~$ 开头）等跳过并列入
    “文件清单”。汇总表含：项目明细、单位汇总、等级分布（附图表）、问题清单、文件清单；给出 --roster 或
    --ledger 时第一张为报送情况。同一文件报送两次、同一单位的同一项目出现两次时只计一次，并在问题清单中标出。
    各表标题含年度（取自工作簿，年度不一致时在问题清单中标出）和 --issuer 给出的汇总单位。输入文件不会被修改。
    问题清单的“处理”“审核意见”两列供审核人填写，xlperf feedback 据此生成退回意见。

    所给文件夹中名为“报送名单”“批复目标”（.xlsx 或 .csv）和“汇总台账.sqlite”的文件不作为单位的材料，
    而是分别用作 --roster、--targets 和 --ledger（未给出这些选项时），与选项卡上的“汇总多个单位”相同；
    名单表头上方的“发文单位”用作 --issuer。

    退出码：0 已生成汇总表（即使部分文件无法读取）；2 没有可以汇总的工作簿，或名单、批复目标、台账无法使用。

    示例：

        xlperf consolidate 报送材料/ -o 2024年绩效自评汇总.xlsx --issuer 长安区财政局

        xlperf consolidate 报送材料/ -o 汇总.xlsx --roster 名单.xlsx --ledger 台账.sqlite

        xlperf consolidate 报送材料/ -o 第2周汇总.xlsx --decisions 第1周汇总.xlsx

        xlperf consolidate 报送材料/ -o 汇总csv --format csv --jobs 2
    \f
    Consolidate units' workbooks into one summary (library: xlperf.consolidate.consolidate_paths).
    """
    fmt, output = check_output(output, fmt)  # refuse a bad output before minutes of reading
    if output.exists() and not force and not (fmt == "csv" and output.is_dir() and not any(output.iterdir())):
        raise OutputError(
            f"输出{'文件夹' if output.is_dir() else '文件'}已存在：{shown_name(output)}（如需覆盖请加 --force）"
        )
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
        c = consolidate_paths(
            paths,
            preset=preset,
            jobs=jobs,
            progress=progress_fn,
            engine=engine,
            issuer=issuer,
            roster=roster,
            ledger=ledger,
            targets=targets,
            decisions=decisions,
        )
    finally:
        if bar is not None:
            bar.stop()
    lines = c.summary_lines()
    notes = path_notes(paths, c)
    for note in notes:  # before any total: what was not there at all
        click.echo(note, err=True)
    if not c.ok:
        bad = lines.index("无法读取的文件：") if "无法读取的文件：" in lines else len(lines)
        missing = tuple(f"  {shown_name(p)}：" for p in paths if not p.exists())
        why = [x for x in lines[bad + 1 :] if not x.startswith(missing)]  # missing paths: said above
        for line in (lines[bad : bad + 1] + why) if why else []:  # why a file could not be read
            click.echo(line, err=True)
        click.echo("错误：没有可以汇总的工作簿，未生成汇总表。", err=True)
        sys.exit(2)
    out = write_summary(c, output, fmt)
    if not quiet:
        width = screen_width() - 1
        click.echo("\n".join(fill(line, width, "", "  ") for line in lines))
        took = time.perf_counter() - start
        click.echo(f"已写出汇总表：{shown_name(out)}（读取 {c.seconds:.2f} 秒，共用时 {took:.2f} 秒）")
