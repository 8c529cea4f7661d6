"""What the ribbon's buttons compute, for either host: Excel's (:mod:`xlperf.excel.macros`, through
xlwings) and the WPS add-in's (:mod:`xlperf.wps.handlers`, through the local service).

The hosts read the workbook and write the result; the work between is here, on plain values (grids,
formulas as text, paths): the cells 新增项目表 blanks, where 插入指标行 puts a row, the rows of 项目汇总,
生成报送版's copy, the files 汇总多个单位 reads. Neither host imports the other.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from xlperf.core import labels as L
from xlperf.core.a1 import column_letter, parse_ref
from xlperf.core.engine import Validation
from xlperf.core.grid import Grid
from xlperf.core.parser import parse_project
from xlperf.errors import XlperfError
from xlperf.layouts import shipped
from xlperf.safe_io import FORMULA_PREFIXES, atomic_write, claim_new_path, release_claim

SUBMISSION_SUFFIX = "_报送版"
REPORT_SUFFIX = "_自评报告"
SUMMARY_PREFIX = "汇总_"  # the consolidation written into the folder (left out of the next run)


def text_cell(value: object) -> object:
    """A value written into a cell stays text: Excel would run "=..." as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def is_formula(text: object) -> bool:
    """A cell's formula as a host reads it ("=SUM(…)"); a lone "=" is the 计算符号 typed, not a formula."""
    return isinstance(text, str) and text.startswith("=") and len(text) > 1


# --- 新增项目表 -------------------------------------------------------------------------------------


def new_sheet_name(existing: Iterable[str]) -> str:
    """The first 自评表N not taken (sheet names compare without case, as Excel's do)."""
    names = {n.lower() for n in existing}
    i = 1
    while f"{L.PROJECT_SHEET_PREFIX}{i}" in names:
        i += 1
    return f"{L.PROJECT_SHEET_PREFIX}{i}"


def input_cells(grid: Grid, formulas: Sequence[Sequence[object]]) -> list[str]:
    """The cells a user fills in on a project sheet (found by the parser), minus cells holding formulas:
    what a copied sheet must have blanked to become an empty form. What the template writes stays: the
    预算执行率 row's 三级指标, sign, target and unit, the 二级 names and 分值 (and 指标类型 where a form has
    no 计算符号 of its own to type)."""
    p = parse_project(grid, shipped())
    cells = [p.name, p.unit, p.department, p.progress, p.total]
    for f in (p.initial, p.budget, p.adjustment, p.arrived, p.executed):
        cells += [f.total, *(part.cell for part in f.breakdown)]
    for g in p.goals:
        cells += [g.expected, g.actual, g.rate]
    structured = "unit" in p.columns  # 计算符号 and 度量单位 typed per row (the template)
    for ind in p.indicators:
        cells += [ind.actual, ind.score, ind.reason]
        if not ind.is_budget_rate:
            cells += [ind.name, ind.target]
            cells += [ind.kind, ind.unit] if structured else []
    out = []
    for c in cells:
        if c.ref is None or c.value.is_blank:
            continue
        row, col = parse_ref(c.ref)
        f = formulas[row - 1][col - 1] if row - 1 < len(formulas) and col - 1 < len(formulas[row - 1]) else ""
        if is_formula(f):
            continue
        out.append(c.ref)
    return sorted(set(out), key=lambda a: parse_ref(a))


def template_form(name: str):
    """An empty form as the template writes it (:func:`xlperf.writers.template.empty_form`): values and
    formulas from A1, merged ranges, column widths. For 新增项目表 without a 自评表 to copy."""
    from xlperf.api import resolve_preset
    from xlperf.writers.template import empty_form

    return empty_form(name, resolve_preset(None))


# --- 插入指标行 -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RowPlan:
    """How 插入指标行 adds a row to the indicator table (1-based rows, A1 addresses, every address as it
    is once the row is inserted). Pure data, computed from the sheet's values and formulas by
    :func:`indicator_row_plan`; :func:`_apply_row_plan` performs it in Excel, and the tests perform it in
    LibreOffice to see the same sheet come out.

    The neighbour row is copied whole (formulas with their references moved, formats, validations,
    locked/unlocked cells), then what the user had typed in it (constants) is cleared in the copy: the
    template's formulas are never written by this code, so they stay whatever the template has.
    The new row goes below the selected one, except below the table's last row, where it goes above
    it so that the totals' ranges (``SUM(G17:G26)``) take it in; it always joins the 一级 block of the
    selected row, whose label cell is merged over the block again.
    """

    sheet: str
    insert_at: int  # the new row
    source: int  # the neighbour row it copies
    copy_from: str  # the neighbour's cells, from the 一级 column to the table's last column
    copy_to: str  # the new row's first cell
    clear: tuple[str, ...]  # the new row's cells that would hold the neighbour's typed values
    label_range: str  # the 一级 column over the block, with the new row
    label_values: tuple[object, ...]  # what that column holds, top to bottom
    merge: bool  # the label column is one merged cell over the block
    select: str  # the cell selected afterwards (the new row's first input)


class RowPlanError(XlperfError):
    """插入指标行 cannot insert here; the message says where to click instead."""


def _letter(col0: int) -> str:
    return column_letter(col0 + 1)


def indicator_row_plan(
    grid: Grid,
    formulas: Sequence[Sequence[object]],
    row: int,
    merged: tuple[int, int] | None = None,
) -> RowPlan:
    """The plan for inserting a row next to sheet row ``row`` (1-based) of a project sheet.

    Args:
        grid: the sheet's values (one read).
        formulas: the sheet's formulas, the same shape as ``grid`` (one read).
        row: the selected row.
        merged: the first and last row of the merged 一级 cell at ``row``, if it is merged.

    Raises:
        RowPlanError: not a project sheet, a row outside the indicator table, the 预算执行率 row.
    """
    head = grid.find_first(L.COL_LEVEL1)
    project = parse_project(grid, shipped())
    if head is None or project.total.ref is None:
        raise RowPlanError(
            f"工作表“{grid.name}”不是项目支出绩效自评表（找不到“{L.COL_LEVEL1}”表头或“{L.TOTAL}”行），"
            "请在自评表的“四、年度绩效指标完成情况”中选中一行指标再插入。"
        )
    hr, c1 = head
    first = hr + 2
    last = int(re.sub(r"\D", "", project.total.ref)) - 1
    if not first <= row <= last:
        raise RowPlanError(
            f"请先在“四、年度绩效指标完成情况”中选中一行指标（第 {first}–{last} 行），再点击“插入指标行”："
            "新行插在选中行的下方（选中表中最后一行时插在它的上方，合计才会包含新行），公式、格式、下拉列表和保护与它相同。"
        )
    if first == last:
        raise RowPlanError("指标表只有一行，合计公式无法随插入的行扩展；请按模板重新生成自评表。")

    def label(r: int) -> object:
        return grid.value(r - 1, c1) if r - 1 < grid.height else None

    was_merged = merged is not None and first <= merged[0] <= row <= merged[1] <= last
    if merged is not None and was_merged:
        r0, r1 = merged
    else:
        # the block: the rows around ``row`` under the same 一级 label (written once, or in every row)
        carried: dict[int, object] = {}
        current: object = None
        for r in range(first, last + 1):
            if label(r) not in (None, ""):
                current = label(r)
            carried[r] = current
        r0 = r1 = row
        while r0 > first and carried[r0 - 1] == carried[row] and label(r0) in (None, "", carried[row]):
            r0 -= 1
        while r1 < last and carried[r1 + 1] == carried[row] and label(r1 + 1) in (None, "", carried[row]):
            r1 += 1
        r0 = next((r for r in range(r0, row + 1) if label(r) not in (None, "")), r0)
    text = label(r0)
    if text not in (None, "") and L.section_of(str(text)) == L.SECTION_BUDGET:
        raise RowPlanError(
            "预算执行率指标只有一行，由预算执行情况计算，不能再插入指标；请选中产出、效益或满意度指标中的一行。"
        )
    formula = formulas[r0 - 1][c1] if r0 - 1 < len(formulas) and c1 < len(formulas[r0 - 1]) else None
    if is_formula(formula):
        text = formula
    insert_at = row + 1 if row < last else row
    source = row if insert_at == row + 1 else row + 1
    width = max((c for c, t in enumerate(grid.row_texts(hr)) if t), default=c1) + 1
    own = formulas[row - 1] if row - 1 < len(formulas) else ()
    clear = []
    for c in range(c1 + 1, width):
        f = own[c] if c < len(own) else None
        if f not in (None, "") and not is_formula(f):
            clear.append(f"{_letter(c)}{insert_at}")
    n = r1 - r0 + 2  # the block's rows with the new one
    every_row = not was_merged and r1 > r0 and all(label(r) not in (None, "") for r in range(r0, r1 + 1))
    values = (text,) * n if every_row else (text,) + (None,) * (n - 1)
    col = _letter(c1)
    header = grid.row_texts(hr)
    level2 = header.index(L.COL_LEVEL2) if L.COL_LEVEL2 in header else c1 + 1
    return RowPlan(
        sheet=grid.name,
        insert_at=insert_at,
        source=source,
        copy_from=f"{col}{source}:{_letter(width - 1)}{source}",
        copy_to=f"{col}{insert_at}",
        clear=tuple(clear),
        label_range=f"{col}{r0}:{col}{r1 + 1}",
        label_values=values,
        merge=was_merged or r0 == r1,  # a one-row block becomes two merged rows, as the template writes them
        select=f"{_letter(level2)}{insert_at}",
    )


# --- 刷新项目汇总 -----------------------------------------------------------------------------------


SUMMARY_FORMATS = {"amount": "0.00", "rate": "0.0%", "score": "0.0"}


def summary_rows(v: Validation, refreshed: str = "") -> list[list[object]]:
    """The 项目汇总 sheet from row 2: a note, then the same table as the consolidation's 项目明细 for
    this unit's projects (:func:`xlperf.consolidate.project_rows`), then a 合计 row of formulas."""
    from xlperf.consolidate import DETAIL_COLUMNS, project_rows

    table = [[text_cell(x) for x in row] for row in project_rows(v)]
    width = len(table[0])
    note = f"以下为{refreshed}按各自评表计算的结果；修改自评表后请再次点击“刷新项目汇总”。"
    first, last = 4, 3 + len(table) - 1
    total: list[object] = ["合计"] + [None] * (width - 1)
    letters = {c.header: column_letter(i) for i, c in enumerate(DETAIL_COLUMNS, 1)}
    for i, col in enumerate(DETAIL_COLUMNS):
        if col.kind == "amount" and last >= first:
            x = letters[col.header]
            total[i] = f"=SUM({x}{first}:{x}{last})"
    rate = next(i for i, c in enumerate(DETAIL_COLUMNS) if c.kind == "rate")
    b, e = (letters[h] for h in ("预算数（万元）", "执行数（万元）"))
    if last >= first:
        total[rate] = (
            f'=IF(SUM({b}{first}:{b}{last})=0,"",SUM({e}{first}:{e}{last})/SUM({b}{first}:{b}{last}))'
        )
    return [[note] + [None] * (width - 1), *table, total]


def summary_format_addresses(n_rows: int) -> dict[str, str]:
    """number format -> one multi-area address over the data and 合计 rows (a call per format)."""
    from xlperf.consolidate import DETAIL_COLUMNS

    last = 3 + n_rows + 1
    out: dict[str, list[str]] = defaultdict(list)
    for i, col in enumerate(DETAIL_COLUMNS, 1):
        fmt = SUMMARY_FORMATS.get(col.kind)
        if fmt:
            x = column_letter(i)
            out[fmt].append(f"{x}4:{x}{last}")
    return {fmt: ",".join(areas) for fmt, areas in out.items()}


# --- 生成报送版 -------------------------------------------------------------------------------------


def write_report_beside(v: Validation, workbook: str | Path) -> tuple[Path, Path]:
    """生成自评报告 (Excel ribbon and WPS): the report of a validated workbook beside it, named after it
    (``…_自评报告.docx``), its review notes beside it under a name of their own; neither over a file of
    the user's (both names claimed first, an unused claim given back). Returns (the document written,
    the name claimed for it): a shell opens the document only when they are the same."""
    from xlperf.writers import report

    out, notes = report.claim_report_paths(Path(workbook), REPORT_SUFFIX)
    try:
        written = Path(report.write_report(v, out, pdf=False, review_out=notes) or out)
    except BaseException:
        release_claim(out)
        raise
    finally:
        release_claim(notes)  # left empty: nothing to check
    return written, out


def submission_path(path: str | Path, suffix: str = ".xlsx") -> Path:
    """Where the 报送版 of a workbook goes: beside it, ``…_报送版.xlsx`` (``.xlsm`` when it keeps macros)."""
    p = Path(path)
    return p.with_name(f"{p.stem}{SUBMISSION_SUFFIX}{suffix}")


def write_submission_copy(src: str | Path, out: str | Path | None = None) -> tuple[Path, int]:
    """Copy a saved workbook with every formula that calls an XP_ function replaced by the value Excel
    cached for it (:mod:`xlperf.writers.submission`: lossless, everything else of the user's kept byte
    for byte). The original is never written, nor is an earlier copy (``out`` None: ``…_报送版.xlsx``, or
    ``…_报送版（2）.xlsx`` and so on when it exists). Returns (path written, number of cells replaced).
    """
    from xlperf.writers.submission import submission_package

    src = Path(src)
    pkg, replaced, suffix = submission_package(src)
    if out is not None:
        return atomic_write(out, pkg.save, inputs=[src]), replaced
    # a 报送版 already there may be hand-edited: never replaced
    out = claim_new_path(submission_path(src, suffix), keep=f"{SUBMISSION_SUFFIX}{suffix}")
    try:
        return atomic_write(out, pkg.save, inputs=[src]), replaced
    except BaseException:
        release_claim(out)
        raise


# --- 汇总多个单位 -----------------------------------------------------------------------------------


# what a unit sends: workbooks, and Word reports (绩效自评工作报告: .docx; .doc/.wps through LibreOffice)
UNIT_FILE_SUFFIXES = (".xlsx", ".xlsm", ".docx", ".docm", ".doc", ".wps")


class FolderTooLarge(XlperfError):
    """The folder to consolidate holds far more than a folder of units' files."""


def folder_workbooks(folder: Path, limit: int | None = None) -> list[Path]:
    """The units' workbooks and Word reports in a folder (recursively), without lock files, our own
    summaries and the reviewer's files on its first level (报送名单, 批复目标: :mod:`xlperf.consolidate.folder`);
    ``limit``: at most so many files and folders looked at (a whole disk is not a folder of reports),
    else :class:`FolderTooLarge`."""
    from xlperf.consolidate.folder import desk_kind

    out = []
    for n, p in enumerate(Path(folder).rglob("*"), 1):
        if limit is not None and n > limit:
            raise FolderTooLarge(
                f"文件夹 {folder} 中的文件和子文件夹超过 {limit} 个，不像是存放各单位报送材料的文件夹："
                "请选择只存放报送材料的文件夹后再汇总。"
            )
        if p.parent == Path(folder) and desk_kind(p.name) is not None:
            continue
        if p.suffix.lower() in UNIT_FILE_SUFFIXES and not p.name.startswith(("~$", ".~", SUMMARY_PREFIX)):
            out.append(p)
    return sorted(out)


def no_unit_files(folder: Path) -> str:
    """Why a folder chosen for 汇总多个单位 gives nothing to consolidate (both ribbons)."""
    return f"文件夹中没有各单位的 Excel 工作簿（.xlsx）或 Word 报告（.docx/.doc）（报送名单、批复目标不计在内）：\n{folder}"


@dataclass(frozen=True)
class Consolidated:
    """What 汇总多个单位 did: the summary written and the message the ribbon shows when it is done."""

    path: Path
    files: int  # the units' files given
    message: str


ROSTER_TIP = (
    "提示：在此文件夹中放一份“报送名单.xlsx”（一列“单位名称”，可另有“主管部门”“单位编码”；表头上方可写"
    "“发文单位”），汇总表将列出未报送的单位，并在文件夹中建立“汇总台账.sqlite”记住每次报送、区分重报。"
)
TARGETS_TIP = (
    "提示：放一份“批复目标.xlsx”（一体化系统导出的批复绩效目标），将核对各项目的指标值是否与批复一致。"
)


def consolidation_message(c, written: Path) -> str:
    """The message the ribbon shows when 汇总多个单位 is done (Excel and WPS): the summary written, what
    the run found (as the CLI prints it: :meth:`~xlperf.consolidate.Consolidation.summary_lines`, with
    which of the folder's 报送名单, 批复目标 and 汇总台账 it used), and how to use those it did not."""
    lines = [f"已生成汇总表：{written}", "", *c.summary_lines(limit=5)]
    used = c.folder_files
    tips = [
        tip
        for tip, there in (
            (ROSTER_TIP, used is not None and used.roster),
            (TARGETS_TIP, used is not None and used.targets),
        )
        if not there
    ]
    return "\n".join(lines + ([""] + tips if tips else []))


def consolidate_files(folder: Path, files: list[Path], progress: Callable | None = None) -> Consolidated:
    """Consolidate ``files`` into ``folder/汇总_YYYYMMDD.xlsx`` (or ``…（2）.xlsx`` and so on when it exists; the
    汇总多个单位 button, Excel and WPS), with the reviewer's files the folder holds (报送名单, 批复目标,
    汇总台账: :func:`xlperf.consolidate.folder.find_folder_files`, as ``xlperf consolidate`` uses them);
    one of them that cannot be used is refused (:class:`~xlperf.errors.XlperfError`, in Chinese) before
    any unit's file is read."""
    from xlperf import consolidate
    from xlperf.consolidate.folder import find_folder_files
    from xlperf.writers import summary

    found = find_folder_files([folder])
    # jobs=1: inside Excel's Python, worker processes are not worth the start-up (calamine reads fast)
    kwargs = {"progress": progress} if progress is not None else {}
    # a folder that cannot be written: said before any file is read
    summary.check_output(Path(folder) / f"{SUMMARY_PREFIX}{dt.date.today():%Y%m%d}.xlsx")
    # the reviewer's decisions in the folder's last summary follow the findings still the same
    earlier = decided_summary(folder)
    if earlier is not None:
        kwargs["decisions"] = earlier
    # the folder's own files go in too: 文件清单 says what each was used for, as the CLI's does
    paths = [*files, *found.present()]
    result = _call_flexibly(
        consolidate.consolidate_paths, paths, jobs=1, folder_files=found, shown_under=folder, **kwargs
    )
    # a summary of that name already there (today's earlier run, annotated since) is never replaced
    out = claim_new_path(Path(folder) / f"{SUMMARY_PREFIX}{dt.date.today():%Y%m%d}.xlsx")
    try:
        written = Path(_call_flexibly(summary.write_summary, result, out) or out)
    except BaseException:
        release_claim(out)
        raise
    return Consolidated(written, len(files), consolidation_message(result, written))


def decided_summary(folder: Path) -> Path | None:
    """The summary 汇总多个单位 wrote into the folder last (汇总_日期.xlsx, the newest saved) when the
    reviewer typed 处理 or 审核意见 in it: the next click carries them (``consolidate_paths(decisions=)``).
    One that cannot be read, or holds no decision, is passed over: it was never asked for."""
    from xlperf.consolidate import read_decisions

    candidates = []
    for p in Path(folder).glob(f"{SUMMARY_PREFIX}*.xlsx"):
        try:
            candidates.append((p.stat().st_mtime, p))
        except OSError:
            continue
    for _, p in sorted(candidates, reverse=True):
        try:
            if read_decisions(p):
                return p
        except XlperfError:
            continue
        return None  # the newest summary holds no decision: nothing to carry (an older one is stale)
    return None


def _call_flexibly(fn: Callable, *args, **kwargs):
    """Call ``fn`` with the keyword arguments it accepts (the progress callback is optional)."""
    import inspect

    params = inspect.signature(fn).parameters
    if not any(p.kind is p.VAR_KEYWORD for p in params.values()):
        kwargs = {k: v for k, v in kwargs.items() if k in params}
    return fn(*args, **kwargs)
