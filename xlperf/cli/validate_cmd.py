"""``xlperf validate``: check units' workbooks against the rule catalogue."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from xlperf import api
from xlperf.cli.options import CONTEXT, engine_option, preset_option
from xlperf.core.engine import Validation
from xlperf.core.evaluate import TOTAL_CAPPED, TOTAL_RECOMPUTED, TOTAL_REPORTED
from xlperf.core.findings import SEVERITY_ZH, fmt_num, fmt_pct
from xlperf.core.results_table import explanation, file_dict, summary_line
from xlperf.errors import ReadError, XlperfError
from xlperf.sources.gate import WORD_SUFFIXES

_STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}


def _print_text(console, v: Validation) -> None:
    from rich.table import Table  # rich costs the start-up tens of ms: only when text is printed

    wb = v.workbook
    console.rule(f"[bold]{wb.path}[/]")
    console.print(
        f"单位：{wb.unit.name or '（未填）'}　年度：{wb.unit.year or '（未填）'}　评分方案：{v.preset.title}"
    )
    console.print(summary_line(v))
    projects = {pr.project.sheet for pr in v.projects}
    for f in v.findings:
        if f.sheet not in projects:  # a sheet not read as a project (XP019): said before the projects
            console.print(f"[{_STYLE[f.severity]}]{SEVERITY_ZH[f.severity]}[/] {f.rule} {f.message}")
    for pr in v.projects:
        p = pr.project
        console.print(
            f"\n[bold]{p.sheet}　{p.title}[/]　预算数 {fmt_num(p.budget.total.number, 4)} 万元，"
            f"执行数 {fmt_num(p.executed.total.number, 4)} 万元，执行率 {fmt_pct(pr.rate)}；"
            f"{TOTAL_REPORTED.name} {fmt_num(pr.total_reported)} / {TOTAL_RECOMPUTED.name} "
            f"{fmt_num(pr.total_recomputed)}"
            + (f" / {TOTAL_CAPPED.name} {fmt_num(pr.total_capped)}（执行率上限）" if pr.capped else "")
            + f"，等级 {pr.grade or '—'}"
        )
        found = v.for_project(p.sheet)
        if not found:
            console.print("  [green]未发现问题[/]")
            continue
        t = Table(show_lines=False, box=None, pad_edge=False)
        for col in ("严重程度", "规则", "位置", "说明"):
            t.add_column(col, overflow="fold")
        for f in found:
            t.add_row(
                f"[{_STYLE[f.severity]}]{SEVERITY_ZH[f.severity]}[/]",
                f.rule,
                f.where,
                explanation(f, values=True),
            )
        console.print(t)


def _expand(paths: tuple[Path, ...]) -> tuple[Path, ...]:
    """Folders become the workbooks in them (recursively; lock and temp files left out), as in
    ``xlperf consolidate``; files stay as given."""
    if not any(p.is_dir() for p in paths):
        return paths  # files only: the consolidation package is not needed (start-up time)
    from xlperf.consolidate import collect

    out: list[Path] = []
    for p in paths:
        if p.is_dir():
            out.extend(path for path, _, skipped in collect([p]) if skipped is None)
        else:
            out.append(p)
    return tuple(out)


class _LazyConsole:
    """rich's Console, made on the first print: importing rich costs ~40 ms, which should not come
    before the first file is read (and JSON output never needs it)."""

    _console = None

    def __getattr__(self, name: str):
        if self._console is None:
            from rich.console import Console

            self._console = Console(soft_wrap=False, width=None if sys.stdout.isatty() else 160)
        return getattr(self._console, name)


@click.command("validate", context_settings=CONTEXT)
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path), metavar="FILE|FOLDER...")
@preset_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="输出格式。",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    default=None,
    help="另存一份带“校验结果”工作表并标出问题单元格的副本（仅限一个输入文件）；原文件不会被修改。",
)
@engine_option
def command(files: tuple[Path, ...], preset: str | None, fmt: str, output: Path | None, engine: str) -> None:
    """校验单位的绩效自评工作簿或 Word 报告，列出每个问题及其单元格。

    FILE 可以是工作簿（.xlsx/.xlsm）、Word 报告（.docx；装有 LibreOffice 时也可 .doc/.wps）或文件夹
    （含子文件夹中的这些文件）。

    每个问题都指明位置（工作簿：工作表和单元格；Word 报告：“表2 第12行 第6列”）、应为多少、实为多少。退出码：0 无错误；1 发现错误；2 有文件无法读取。

    示例：

        xlperf validate workbooks/samples/长安区委编办_2020.xlsx -o 校验后.xlsx
    \f
    Validate units' workbooks (library: xlperf.api.validate_file).
    """
    given = files
    files = _expand(files)
    if not files:
        click.echo(
            f"错误：{'、'.join(map(str, given))} 中没有找到 .xlsx/.xlsm 工作簿或 .docx/.doc 报告", err=True
        )
        sys.exit(2)
    if output is not None and len(files) != 1:
        raise click.UsageError("-o 只能用于一个输入文件")
    if output is not None and files[0].suffix.lower() in WORD_SUFFIXES:
        raise click.UsageError(
            f"-o 只能用于工作簿；Word 报告可用 xlperf import {files[0].name} -o 自评表.xlsx 导入模板后再校验"
        )
    if output is not None and output.suffix.lower() not in (".xlsx", ".xlsm"):
        raise click.UsageError(f"-o 的文件须以 .xlsx 或 .xlsm 结尾：{output}")
    console = _LazyConsole()
    if output is not None:
        from xlperf.writers import annotate

        try:  # before any work: a copy that cannot be made (an .xls, .xlsm content to .xlsx) is refused
            annotate.check_output(files[0], output)
        except annotate.NotCopyable as exc:
            click.echo(f"无法为 {files[0]} 生成校验副本：{exc}", err=True)
            sys.exit(2)
        except ReadError as exc:
            click.echo(f"无法读取 {files[0]}：{exc}", err=True)
            sys.exit(2)
    results: list[dict] = []
    unreadable = errors = 0
    for path in files:
        try:
            v = api.validate_file(path, preset, engine)
        except ReadError as exc:
            unreadable += 1
            results.append({"path": str(path), "error": str(exc)})
            if fmt == "text":
                console.print(f"[bold red]无法读取[/] {path}：{exc}")
            else:
                click.echo(f"无法读取 {path}：{exc}", err=True)
            continue
        errors += v.errors
        results.append(file_dict(v))
        if fmt == "text":
            _print_text(console, v)
        if output is not None:
            try:
                out = annotate.write_annotated_copy(v, path, output)
            except ReadError as exc:  # the file changed or broke between the two reads
                unreadable += 1
                click.echo(f"无法读取 {path}：{exc}", err=True)
                continue
            except XlperfError:
                raise
            except Exception as exc:  # noqa: BLE001 - an odd part we could not edit: one line, never a traceback
                unreadable += 1
                click.echo(
                    f"无法为 {path} 生成校验副本（{type(exc).__name__}：{exc}）；原文件未被修改", err=True
                )
                continue
            if fmt == "text":
                console.print(f"\n已写出校验副本：{out}")
    if fmt == "json":
        click.echo(json.dumps({"files": results}, ensure_ascii=False, indent=2))
    sys.exit(2 if unreadable else 1 if errors else 0)
