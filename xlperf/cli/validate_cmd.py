"""``xlperf validate``: check units' workbooks against the rule catalogue."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from xlperf import api
from xlperf.cli.options import CONTEXT, engine_option, format_option, preset_option, targets_option
from xlperf.cli.zh import display_width, fill, screen_width
from xlperf.core.engine import Validation
from xlperf.core.evaluate import TOTAL_CAPPED, TOTAL_RECOMPUTED, TOTAL_REPORTED, approval_note
from xlperf.core.findings import SEVERITY_ZH, fmt_num, fmt_pct
from xlperf.core.names import shown_name, shown_text
from xlperf.core.results_table import SaidOnce, explanation, file_dict, repeated_clauses, summary_line
from xlperf.errors import OutputError, ReadError, XlperfError
from xlperf.sources.gate import WORD_SUFFIXES

# colour says only how serious a finding is (and headings are bold): errors red, warnings yellow
_COLOUR = {"error": "red", "warning": "yellow", "info": None}


class _Screen:
    """The text report of ``validate``: per file its unit and totals, per project its figures and its
    findings grouped by cell (a cell's address once), wrapped where Chinese can wrap; a scoring rule's
    long explanation ("正向指标：完成值≥预期值得满分…") is written the first time only."""

    def __init__(self, width: int) -> None:
        self.width = width
        self.explained: set[str] = set()

    def echo(self, text: str = "", **style) -> None:
        click.echo(click.style(text, **style) if style and text else text)

    def para(self, text: str, indent: str = "", hang: str | None = None) -> None:
        click.echo(fill(text, self.width - 1, indent, indent if hang is None else hang))

    def short(self, text: str, fragments: tuple[str, ...]) -> str:
        said = SaidOnce(fragments)
        said.said = self.explained  # said once on the whole screen, whichever file said it
        return said(text)

    def file(self, v: Validation) -> None:
        fragments = repeated_clauses(v)
        wb = v.workbook
        self.echo(f"■ {shown_name(wb.path)}", bold=True)
        self.para(
            f"单位：{wb.unit.name or '（未填）'}　年度：{wb.unit.year or '（未填）'}　评分方案：{v.preset.title}"
            f"　表样：{layout_titles(wb)}"
        )
        self.para(summary_line(v) + "。")
        projects = {pr.project.sheet for pr in v.projects}
        loose = [f for f in v.findings if f.sheet not in projects]  # not read as a project (XP019)
        if loose:
            self.findings(loose, fragments, with_sheet=True)
        for pr in v.projects:
            p = pr.project
            self.echo()
            self.echo(f"{p.sheet}　{p.title}", bold=True)
            self.para(
                f"预算数 {fmt_num(p.budget.total.number, 4)} 万元，执行数 {fmt_num(p.executed.total.number, 4)} 万元，"
                f"执行率 {fmt_pct(pr.rate)}；{TOTAL_REPORTED.name} {fmt_num(pr.total_reported)}，"
                f"{TOTAL_RECOMPUTED.name} {fmt_num(pr.total_recomputed)}"
                + (
                    f"，{TOTAL_CAPPED.name} {fmt_num(pr.total_capped)}（{approval_note(pr)}）"
                    if pr.capped or pr.adjusted
                    else ""
                )
                + f"；等级 {pr.grade or '—'}。",
                "  ",
            )
            found = v.for_project(p.sheet)
            if not found:
                self.para("未发现问题。", "  ")
                continue
            self.findings(found, fragments, with_sheet=False)

    def findings(self, found, fragments: tuple[str, ...], *, with_sheet: bool) -> None:
        """One line (wrapped) per finding, the cell's address before the first finding of that cell."""
        by_cell: dict[str, list] = {}
        for f in found:
            by_cell.setdefault(f.where if with_sheet else (f.cell or "整表"), []).append(f)
        col = max(display_width(c) for c in by_cell) + 2
        for cell, fs in by_cell.items():
            for i, f in enumerate(fs):
                label = cell if i == 0 else ""
                head = "  " + label + " " * (col - display_width(label))
                tag = SEVERITY_ZH[f.severity]
                text = self.short(explanation(f, values=True), fragments)
                hang = " " * (display_width(head) + display_width(tag) + 1)
                line = fill(f"{tag} {f.rule} {text}", self.width - 1, head, hang)
                colour = _COLOUR.get(f.severity)
                if colour:
                    at = len(head)
                    styled = click.style(tag, fg=colour, bold=f.severity == "error")
                    line = line[:at] + styled + line[at + len(tag) :]
                click.echo(line)


def _copy_line(copied) -> str:
    """What the copy holds: marked cells, unless a sheet could not be marked (then said, by name)."""
    if not copied.unmarked:
        return f"已写出校验副本：{shown_name(copied.path)}（问题单元格已标色并加批注，另有“校验结果”工作表）"
    sheets = "；".join(f"“{u.sheet}”：{u.reason}" for u in copied.unmarked)
    return (
        f"已写出校验副本：{shown_name(copied.path)}（含“校验结果”工作表）。注意：以下工作表的问题单元格未能标记，"
        f"请按“校验结果”中的位置查看——{sheets}"
    )


def layout_titles(wb) -> str:
    """The forms a file's projects were read as ("四川表样（510000_0013zp）"), each once."""
    from xlperf import layouts

    names = dict.fromkeys(p.layout for p in wb.projects if p.layout)
    return "、".join(layouts.load(n).title if n in layouts.names() else n for n in names) or "—"


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


@click.command("validate", context_settings=CONTEXT)
@click.argument(
    "files", nargs=-1, required=True, type=click.Path(path_type=Path), metavar="工作簿或文件夹..."
)
@preset_option
@format_option
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="另存一份带“校验结果”工作表并标出问题单元格的副本（仅限一个输入文件）；原文件不会被修改。",
)
@click.option("--force", is_flag=True, help="覆盖已存在的 -o 副本（默认不覆盖）。")
@targets_option
@engine_option
def command(
    files: tuple[Path, ...],
    preset: str | None,
    fmt: str,
    output: Path | None,
    force: bool,
    targets: Path | None,
    engine: str,
) -> None:
    """校验单位的绩效自评工作簿或 Word 报告，列出每个问题及其单元格。

    可以给出工作簿（.xlsx/.xlsm）、Word 报告（.docx；装有 LibreOffice 时也可 .doc/.wps）或文件夹
    （含子文件夹中的这些文件）。

    每个问题都指明位置（工作簿：工作表和单元格；Word 报告：“表2 第12行 第6列”）、应为多少、实为多少。退出码：0 无错误；1 发现错误；2 有文件无法读取或未能生成校验副本。

    示例：

        xlperf validate workbooks/samples/长安区委编办_2020.xlsx -o 校验后.xlsx
    \f
    Validate units' workbooks (library: xlperf.api.validate_file).
    """
    given = files
    files = _expand(files)
    if not files:
        click.echo(
            f"错误：{'、'.join(map(shown_name, given))} 中没有找到 .xlsx/.xlsm 工作簿或 .docx/.doc 报告",
            err=True,
        )
        sys.exit(2)
    if output is not None and len(files) != 1:
        raise click.UsageError("-o 只能用于一个输入文件")
    if output is not None and files[0].suffix.lower() in WORD_SUFFIXES:
        raise click.UsageError(
            f"-o 只能用于工作簿；Word 报告可用 xlperf import {shown_name(files[0].name)} -o 自评表.xlsx 导入模板后再校验"
        )
    if output is not None and output.suffix.lower() not in (".xlsx", ".xlsm"):
        raise click.UsageError(f"-o 的文件须以 .xlsx 或 .xlsm 结尾：{shown_name(output)}")
    same = output is not None and output.exists() and output.resolve() == files[0].resolve()
    if output is not None and output.exists() and not force and not same:  # the input: refused below
        raise OutputError(f"输出文件已存在：{shown_name(output)}（如需覆盖请加 --force）")
    screen = _Screen(screen_width())
    approved = None
    if targets is not None:  # before any work: a targets file that cannot be read stops here
        approved = api.read_targets(targets)
        if fmt == "text":
            screen.para(api.targets_line(approved) + "。")
            screen.echo()
        else:
            click.echo(api.targets_line(approved), err=True)
    if output is not None:
        from xlperf.writers import annotate

        try:  # before any work: a copy that cannot be made (an .xls, .xlsm content to .xlsx) is refused
            annotate.check_output(files[0], output)
        except annotate.NotCopyable as exc:
            click.echo(f"无法为 {shown_name(files[0])} 生成校验副本：{shown_text(str(exc))}", err=True)
            sys.exit(2)
        except ReadError as exc:
            click.echo(f"无法读取 {shown_name(files[0])}：{shown_text(str(exc))}", err=True)
            sys.exit(2)
    results: list[dict] = []
    unreadable = not_copied = errors = warnings = infos = projects = 0
    for path in files:
        name = shown_name(path)  # a name that is not UTF-8, or holds control characters, escaped
        try:
            v = api.validate_file(path, preset, engine, approved)
        except ReadError as exc:
            unreadable += 1
            why = shown_text(str(exc))
            results.append({"path": name, "error": why})
            if fmt == "text":
                screen.echo(f"■ {name}", bold=True)
                screen.para(f"{click.style('无法读取', fg='red', bold=True)}：{why}")
                screen.echo()
            else:
                click.echo(f"无法读取 {name}：{why}", err=True)
            continue
        errors += v.errors
        warnings += v.warnings
        infos += v.count("info")
        projects += len(v.workbook.projects)
        results.append({**file_dict(v), "path": name})
        uncovered = ""
        names = [p.name.text for p in v.workbook.projects]
        if approved is not None and names and not approved.checks_any(v.workbook.unit, names):
            unit = shown_text(v.workbook.unit.name) or "（未填写单位）"
            uncovered = f"批复目标中没有本单位（{unit}）的项目，未核对指标值"
            results[-1]["targets"] = uncovered
        if fmt == "text":
            screen.file(v)
            if uncovered:
                screen.para(uncovered + "。")
        elif uncovered:
            click.echo(f"{name}：{uncovered}", err=True)
        if output is not None:
            try:
                copied = annotate.write_annotated_copy(v, path, output)
            except ReadError as exc:  # the file changed or broke between the two reads
                not_copied += 1  # (its findings were read and shown: it is the copy that failed)
                why = f"无法为 {name} 生成校验副本：{shown_text(str(exc))}"
                click.echo(why, err=True)
                results[-1]["copy"] = {"path": None, "error": why}
                continue
            except XlperfError:
                raise
            except Exception as exc:  # noqa: BLE001 - an odd part we could not edit: one line, never a traceback
                not_copied += 1
                why = shown_text(f"无法为 {name} 生成校验副本（{type(exc).__name__}：{exc}）；原文件未被修改")
                click.echo(why, err=True)
                results[-1]["copy"] = {"path": None, "error": why}
                continue
            unmarked = [{"sheet": u.sheet, "reason": u.reason} for u in copied.unmarked]
            results[-1]["copy"] = {"path": shown_name(copied.path), "unmarked": unmarked}
            if fmt == "text":
                screen.echo()
                screen.para(_copy_line(copied))
    if fmt == "json":
        click.echo(json.dumps({"files": results}, ensure_ascii=False, indent=2))
    else:
        screen.echo()
        screen.echo("─" * min(screen.width - 1, 60))
        read = len(files) - unreadable
        screen.para(
            f"合计：{len(files)} 个文件"
            + (f"（无法读取 {unreadable} 个）" if unreadable else "")
            + (f"（未能生成校验副本 {not_copied} 个）" if not_copied else "")
            + f"，{projects} 个项目；错误 {errors} 条，警告 {warnings} 条，提示 {infos} 条。",
        )
        if output is None and read == 1 and (errors or warnings or infos):
            screen.para(
                "提示：加 -o 校验后.xlsx 另存一份副本，问题单元格标色并加批注，附“校验结果”工作表；原文件不会被修改。"
            )
        elif output is None and read > 1 and (errors or warnings or infos):
            screen.para(
                "提示：对其中一个文件加 -o 校验后.xlsx，可另存一份标出问题单元格的副本；原文件不会被修改。"
            )
    sys.exit(2 if unreadable or not_copied else 1 if errors else 0)
