"""The ribbon's macros: each button of the xlperf tab runs one function here through xlwings' RunPython.

Every macro is a thin shell: read the live workbook in batches (:mod:`xlperf.excel.live`: one value read
per sheet), make one library call (parser + engine, the consolidation, the report writer), write the
result in batches. Progress goes to Excel's status bar; any error becomes one Chinese message box, never
a traceback dialog. Users' cells are never written: validation adds a 校验结果 sheet, fills and notes
(on a cell with the user's own note, ours after theirs), and records what it added (the hidden sheet
``_xlperf_marks``: sheet, address, the fill it replaced, whether it added or appended a note), so
清除校验标记 restores the original fills exactly and removes only what is ours. Validation and 清除校验标记
apply the patch plan (:mod:`xlperf.core.plan`) through :mod:`xlperf.excel.apply`, as the WPS add-in
applies the same plan through the ET object model.

Add-in formulas in a workbook (the ``--formulas xlwings`` template, or XP_ functions typed by users)
---------------------------------------------------------------------------------------------------
- The template writes the calls plain, e.g. ``=XP_RATE(G7,C7)``, with no path and no external link (the
  file is written by openpyxl, not by Excel). When Excel opens it with the xlperf add-in loaded, it
  reads the formula text as if typed and binds ``XP_RATE`` to the add-in's VBA wrapper function of that
  name (module ``xlwings_udfs`` in xlperf.xlam), which calls Python through xlwings. Without the add-in
  the cells show #NAME? (the native-formula template, the default, needs no add-in at all).
- Once Excel saves such a workbook it stores each call as ``[1]!XP_RATE(G7,C7)`` with an externalLink
  part holding the add-in's absolute path (e.g. C:\\Users\\zhang\\AppData\\Roaming\\Microsoft\\AddIns\\
  xlperf.xlam). On another PC (another user name, another folder) that path does not exist, and Excel
  shows the formulas as ``='C:\\...\\xlperf.xlam'!XP_RATE(...)`` with a links warning.
- Chosen fix (Excel's own mechanism, no xlwings.pro): the add-in relinks on open. Its application-event
  handler for ``WorkbookOpen`` walks ``Wb.LinkSources(xlExcelLinks)`` and, for every link whose file name
  is the add-in's own name (``ThisWorkbook.Name``) but whose path differs from ``ThisWorkbook.FullName``,
  calls ``Wb.ChangeLink Name:=link, NewName:=ThisWorkbook.FullName, Type:=xlLinkTypeExcelLinks``. The
  formulas then resolve to the add-in loaded on this PC, and the link warning goes away. The VBA this
  needs in the add-in (an application-events class plus a hook in ``Workbook_Open``) is spelt out in
  the issue-3 report to the add-in engineer.
- What is sent to the finance bureau never depends on the add-in: 生成报送版 (:func:`make_submission_copy`)
  writes a copy in which every XP_ formula is replaced by its value and the add-in's external links are
  dropped.

Tests drive these functions with a fake of the xlwings objects used (``tests/fake_xlwings.py``) injected
through the module-level hooks ``_caller``, ``_pick_folder`` and ``_open_book``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import re
import sys
import tempfile
import traceback
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from openpyxl.utils.cell import column_index_from_string, coordinate_from_string

from xlperf.api import resolve_preset
from xlperf.core import labels as L
from xlperf.core.engine import Validation, validate
from xlperf.core.grid import Grid
from xlperf.core.parser import parse_project, parse_workbook
from xlperf.core.plan import PALETTE, RECORD_SHEET, build_plan, clear_plan, live_plan
from xlperf.errors import XlperfError
from xlperf.excel import apply, live
from xlperf.layouts import shipped
from xlperf.safe_io import FORMULA_PREFIXES, atomic_write, claim_new_path, release_claim

TITLE = "绩效自评"
MARKS_SHEET = RECORD_SHEET  # "_xlperf_marks", very hidden: what 清除校验标记 restores
SEVERITY_RGB = {sev: live.hex_rgb(rgb) for sev, rgb in PALETTE.items()}
SUBMISSION_SUFFIX = "_报送版"
REPORT_SUFFIX = "_自评报告"
SUMMARY_PREFIX = "汇总_"  # the consolidation written into the folder (left out of the next run)
_XP_CALL = re.compile(r"(?<![A-Za-z0-9_.])XP_[A-Z0-9_]+\s*\(", re.IGNORECASE)

# --- hooks (tests replace them; in Excel they are xlwings) ------------------------------------------
_caller: Callable[[], object] | None = None  # the calling workbook (xw.Book.caller)
_pick_folder: Callable[[object], str | None] | None = None  # the folder picker (app -> path or None)
_open_book: Callable[[str], object] | None = None  # open a workbook in Excel (xw.Book)
_open_file: Callable[[Path], object] | None = None  # open a document with its program (Word for .docx)


def _open_document(path: Path) -> None:
    """Open a written document the way a double-click would (Windows); tests inject ``_open_file``."""
    if _open_file is not None:
        _open_file(path)
    elif sys.platform.startswith("win"):
        import os

        os.startfile(str(path))  # noqa: S606 - the user's own new file, opened in Word


def _book():
    if _caller is not None:
        return _caller()
    import xlwings as xw

    return xw.Book.caller()


class _Cancelled(Exception):
    """The user cancelled (a dialog): end the macro quietly."""


def _alert(app, text: str, *, critical: bool = False, buttons: str = "ok") -> str | None:
    try:
        return app.alert(text, title=TITLE, buttons=buttons, mode="critical" if critical else "info")
    except Exception:  # noqa: BLE001 - an alert must never be what fails
        return None


def _log_error() -> Path | None:
    """Write the traceback to a log file for support; users see only a sentence and this path."""
    try:
        path = Path(tempfile.gettempdir()) / "xlperf-error.log"
        with path.open("a", encoding="utf-8") as fh:
            fh.write(f"\n--- {dt.datetime.now():%Y-%m-%d %H:%M:%S}\n")
            traceback.print_exc(file=fh)
        return path
    except OSError:
        return None


def macro(fn: Callable[..., object] | None = None, *, calculation: bool = True):
    """Run a ribbon macro: screen updating off, status bar, errors as one Chinese message box.

    ``calculation``: set Excel's calculation to manual while the macro runs (macros that insert rows or
    copy sheets); one that only writes formats and a new sheet saves the three calls.
    """
    if fn is None:
        return functools.partial(macro, calculation=calculation)

    @functools.wraps(fn)
    def run(*args, **kwargs):
        book = _book()
        app = book.app
        calc = None
        try:
            app.screen_updating = False
            if calculation:
                calc = app.calculation
                app.calculation = "manual"
        except Exception:  # noqa: BLE001 - an Excel in a modal state: carry on without these
            pass
        try:
            return fn(book, *args, **kwargs)
        except _Cancelled:
            return None
        except live.ProtectedSheetError as exc:
            _alert(
                app,
                f"工作表“{exc.sheet}”设有密码保护，无法写入校验标记。请撤销该工作表的保护后再试。",
                critical=True,
            )
        except XlperfError as exc:
            _alert(app, str(exc), critical=True)
        except Exception as exc:  # noqa: BLE001 - the edge: no traceback dialogs in Excel
            log = _log_error()
            where = f"\n详细信息已记录在：{log}" if log else ""
            _alert(app, f"操作未完成：出现意外错误（{type(exc).__name__}）。{where}", critical=True)
        finally:
            try:
                if calc is not None:
                    app.calculation = calc
                app.screen_updating = True
                app.status_bar = False  # give the status bar back to Excel
            except Exception:  # noqa: BLE001
                pass
        return None

    return run


# --- reading ----------------------------------------------------------------------------------------


def _status(app, text: str) -> None:
    with contextlib.suppress(Exception):
        app.status_bar = f"{TITLE}：{text}"


STATUS_EVERY = 5  # progress lines: one per this many sheets (each is a call to Excel)


def read_grids(
    book, skip: Iterable[str] = (L.RESULT_SHEET, MARKS_SHEET), sheets: dict | None = None
) -> list[Grid]:
    """Every worksheet as a grid, one value read each (the result and marks sheets are left out)."""
    skip = set(skip)
    named = list((sheets if sheets is not None else sheet_map(book)).items())
    grids = []
    for i, (name, sheet) in enumerate(named, 1):
        if name in skip:
            continue
        if i == 1 or i % STATUS_EVERY == 0:
            _status(book.app, f"正在读取工作表 {i}/{len(named)}：{name}")
        grids.append(live.read_grid(sheet, name))
    return grids


def _validation(book, sheets: dict | None = None) -> Validation:
    grids = read_grids(book, sheets=sheets)
    wb = parse_workbook(_fullname(book), grids, layouts=shipped())
    if not wb.projects:
        raise XlperfError(
            "工作簿中没有找到项目支出绩效自评表（表头“一级指标”“预算数”等缺失），请在自评表模板中填写后再操作。"
        )
    _status(book.app, f"正在校验 {len(wb.projects)} 个项目……")
    return validate(wb, resolve_preset(wb))


def _fullname(book) -> str:
    try:
        return book.fullname
    except Exception:  # noqa: BLE001
        return book.name


def sheet_map(book) -> dict:
    """Every worksheet by name, in tab order, in one pass (each name is one call in Excel)."""
    return {s.name: s for s in book.sheets}


def _sheet(book, name: str):
    return sheet_map(book).get(name)


# --- 校验 -------------------------------------------------------------------------------------------


def _text_cell(value: object) -> object:
    """A value written through Range.value stays text: Excel would run "=..." as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


@macro(calculation=False)
def validate_workbook(book) -> Validation:
    """校验本工作簿：写 校验结果 表，标出有问题的单元格（填充色 + 批注）。

    The same steps as the WPS add-in: the grids in, the findings, the plan (:func:`build_plan`), its
    live form applied (:func:`xlperf.excel.apply.apply_live`), after the marks of an earlier run are
    taken away (:func:`clear_plan` over the record sheet)."""
    app = book.app
    sheets = sheet_map(book)
    _clear(book, sheets)
    v = _validation(book, sheets)
    _status(app, "正在写入校验结果……")
    lp = live_plan(build_plan(v))
    apply.apply_live(book, lp, sheets, status=lambda text: _status(app, text))
    _alert(app, f"{lp.status}\n详见“{L.RESULT_SHEET}”工作表（点击“位置”可跳转到单元格）。")
    return v


# --- 清除校验标记 -------------------------------------------------------------------------------------


def _clear(book, sheets: dict | None = None) -> bool:
    """Undo what validation added; True when there was something to undo. ``sheets`` (by name) loses
    the sheets deleted."""
    sheets = sheet_map(book) if sheets is None else sheets
    marks = sheets.get(MARKS_SHEET)
    if marks is None and L.RESULT_SHEET not in sheets:
        return False
    rows = live.read_grid(marks, MARKS_SHEET).rows if marks is not None else []
    apply.apply_clear(book, clear_plan(rows), sheets, status=lambda text: _status(book.app, text))
    return True


@macro(calculation=False)
def clear_marks(book) -> None:
    """清除校验标记：删除 校验结果 表，恢复被标记单元格原来的填充色，删除校验添加的批注。"""
    if _clear(book):
        _status(book.app, "已清除校验标记")
    else:
        _alert(book.app, "没有需要清除的校验标记。")


# --- 新增项目表 -------------------------------------------------------------------------------------


def _project_sheets(book) -> list:
    return [s for s in book.sheets if s.name.startswith(L.PROJECT_SHEET_PREFIX)]


def _new_sheet_name(book) -> str:
    return new_sheet_name(s.name for s in book.sheets)


def new_sheet_name(existing: Iterable[str]) -> str:
    """The first 自评表N not taken (sheet names compare without case, as Excel's do)."""
    names = {n.lower() for n in existing}
    i = 1
    while f"{L.PROJECT_SHEET_PREFIX}{i}" in names:
        i += 1
    return f"{L.PROJECT_SHEET_PREFIX}{i}"


def input_cells(grid: Grid, formulas: Sequence[Sequence[object]]) -> list[str]:
    """The cells a user fills in on a project sheet (found by the parser), minus cells holding formulas:
    what a copied sheet must have blanked to become an empty form."""
    p = parse_project(grid, shipped())
    cells = [p.name, p.unit, p.progress, p.total]
    for f in (p.budget, p.arrived, p.executed):
        cells += [f.total, f.fiscal, f.other]
    for g in p.goals:
        cells += [g.expected, g.actual, g.rate]
    for ind in p.indicators:
        cells += [ind.name, ind.target, ind.actual, ind.score, ind.reason]
    out = []
    for c in cells:
        if c.ref is None or c.value.is_blank:
            continue
        col, row = coordinate_from_string(c.ref)
        ci = column_index_from_string(col)
        f = formulas[row - 1][ci - 1] if row - 1 < len(formulas) and ci - 1 < len(formulas[row - 1]) else ""
        if isinstance(f, str) and f.startswith("="):
            continue
        out.append(c.ref)
    return sorted(set(out), key=lambda a: (int(re.sub(r"\D", "", a)), a))


@dataclass(frozen=True)
class TemplateForm:
    """An empty form as the template writer writes it: values and formulas from A1, merged ranges,
    column widths (fills and borders are the template's job). For 新增项目表 without a 自评表 to copy,
    in Excel and in WPS."""

    rows: list[list[object]]
    merges: list[str]
    widths: dict[str, float]  # column letter -> width


def template_form(name: str) -> TemplateForm:
    from openpyxl import Workbook

    from xlperf.writers.template import ProjectData, _project_sheet  # noqa: PLC2701 - the one form writer

    preset = resolve_preset(None)
    scratch = Workbook().active
    scratch.title = name
    _project_sheet(scratch, preset, ProjectData(), "native", None)
    rows = [[c.value for c in row] for row in scratch.iter_rows()]
    widths = {col: dim.width for col, dim in scratch.column_dimensions.items() if dim.width}
    return TemplateForm(rows, [str(r) for r in scratch.merged_cells.ranges], widths)


def _form_from_template(book, name: str):
    """A new sheet holding the template's empty form, after the last sheet."""
    form = template_form(name)
    ws = book.sheets.add(name, after=book.sheets[len(book.sheets) - 1])
    ws.range("A1").value = form.rows
    for address in form.merges:
        ws.range(address).merge()
    for col, width in form.widths.items():
        ws.range(f"{col}1").column_width = width
    return ws


@macro
def add_project_sheet(book):
    """新增项目表：复制一张自评表（保留表样、公式和格式，清空填写内容），或按模板写一张空表。"""
    name = _new_sheet_name(book)
    sources = _project_sheets(book)
    if not sources:
        ws = _form_from_template(book, name)
    else:
        src = sources[-1]
        _status(book.app, f"正在复制“{src.name}”……")
        ws = src.copy(after=src, name=name)
        grid = live.read_grid(ws, name)
        formulas = ws.range((1, 1), (max(grid.height, 1), max(grid.width, 1))).formula
        cells = input_cells(grid, formulas)
        with live.unprotected(ws):
            for address in live.address_chunks(live.compress_cells(cells)):
                ws.range(address).clear_contents()
    ws.activate()
    _status(book.app, f"已新增“{name}”")
    return ws


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
    from openpyxl.utils.cell import get_column_letter

    return get_column_letter(col0 + 1)


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
    if isinstance(formula, str) and formula.startswith("="):
        text = formula
    insert_at = row + 1 if row < last else row
    source = row if insert_at == row + 1 else row + 1
    width = max((c for c, t in enumerate(grid.row_texts(hr)) if t), default=c1) + 1
    own = formulas[row - 1] if row - 1 < len(formulas) else ()
    clear = []
    for c in range(c1 + 1, width):
        f = own[c] if c < len(own) else None
        if f not in (None, "") and not (isinstance(f, str) and f.startswith("=")):
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


def _merge_rows(rng) -> tuple[int, int] | None:
    """First and last row of the merged cell ``rng`` belongs to (None: not merged)."""
    try:
        if not rng.merge_cells:
            return None
        area = rng.merge_area
        return area.row, area.last_cell.row
    except Exception:  # noqa: BLE001 - a host that cannot tell: treat as not merged
        return None


def _apply_row_plan(sheet, plan: RowPlan) -> None:
    """Perform ``plan`` on a live sheet (Excel through xlwings): a few calls, whatever the table's size."""
    xl_shift_down, xl_format_from_left_or_above = -4121, 0
    height = sheet.range(f"A{plan.source - (1 if plan.source > plan.insert_at else 0)}").row_height
    sheet.api.Rows(plan.insert_at).Insert(Shift=xl_shift_down, CopyOrigin=xl_format_from_left_or_above)
    sheet.range(plan.label_range).unmerge()
    sheet.range(plan.copy_from).copy(sheet.range(plan.copy_to))
    for address in live.address_chunks(plan.clear):
        sheet.range(address).clear_contents()
    sheet.range(plan.label_range).value = [[v] for v in plan.label_values]
    if plan.merge:
        sheet.range(plan.label_range).merge()
    if height:
        sheet.range(f"A{plan.insert_at}").row_height = height
    sheet.range(plan.select).select()


@macro
def insert_indicator_row(book) -> RowPlan | None:
    """插入指标行：在选中行所在的指标表中插入一行，公式、格式、下拉列表和保护与相邻行相同。"""
    app = book.app
    try:  # a chart or a picture may be what is selected: no cell, no row
        selection = app.selection
        sheet, row = selection.sheet, selection.row
    except Exception as exc:  # noqa: BLE001
        raise RowPlanError(
            "请先在自评表的“四、年度绩效指标完成情况”中选中一行指标，再点击“插入指标行”。"
        ) from exc
    grid = live.read_grid(sheet)
    formulas = sheet.range((1, 1), (max(grid.height, 1), max(grid.width, 1))).formula
    head = grid.find_first(L.COL_LEVEL1)
    merged = _merge_rows(sheet.range((row, head[1] + 1))) if head is not None else None
    plan = indicator_row_plan(grid, formulas, row, merged)
    with live.unprotected(sheet):
        _apply_row_plan(sheet, plan)
    _status(app, f"已在“{plan.sheet}”第 {plan.insert_at} 行插入一行指标")
    return plan


# --- 刷新汇总 ---------------------------------------------------------------------------------------


SUMMARY_FORMATS = {"amount": "0.00", "rate": "0.0%", "score": "0.0"}


def summary_rows(v: Validation, refreshed: str = "") -> list[list[object]]:
    """The 项目汇总 sheet from row 2: a note, then the same table as the consolidation's 项目明细 for
    this unit's projects (:func:`xlperf.consolidate.project_rows`), then a 合计 row of formulas."""
    from openpyxl.utils.cell import get_column_letter

    from xlperf.consolidate import DETAIL_COLUMNS, project_rows

    table = [[_text_cell(x) for x in row] for row in project_rows(v)]
    width = len(table[0])
    note = f"以下为{refreshed}按各自评表计算的结果；修改自评表后请再次点击“刷新项目汇总”。"
    first, last = 4, 3 + len(table) - 1
    total: list[object] = ["合计"] + [None] * (width - 1)
    letters = {c.header: get_column_letter(i) for i, c in enumerate(DETAIL_COLUMNS, 1)}
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


def _summary_format_addresses(n_rows: int) -> dict[str, str]:
    """number format -> one multi-area address over the data and 合计 rows (a call per format)."""
    from openpyxl.utils.cell import get_column_letter

    from xlperf.consolidate import DETAIL_COLUMNS

    last = 3 + n_rows + 1
    out: dict[str, list[str]] = defaultdict(list)
    for i, col in enumerate(DETAIL_COLUMNS, 1):
        fmt = SUMMARY_FORMATS.get(col.kind)
        if fmt:
            x = get_column_letter(i)
            out[fmt].append(f"{x}4:{x}{last}")
    return {fmt: ",".join(areas) for fmt, areas in out.items()}


@macro
def refresh_summary(book):
    """刷新汇总：按各自评表重写 项目汇总 表（与汇总表“项目明细”相同的列，一次写入）。"""
    v = _validation(book)
    sheets = sheet_map(book)
    ws = sheets.get(L.SUMMARY_SHEET)
    if ws is None:
        unit = sheets.get(L.UNIT_SHEET)
        ws = (
            book.sheets.add(L.SUMMARY_SHEET, after=unit)
            if unit is not None
            else book.sheets.add(L.SUMMARY_SHEET, before=book.sheets[0])
        )
        ws.range("A1").value = L.SUMMARY_SHEET
    rows = summary_rows(v, dt.datetime.now().strftime("%Y-%m-%d %H:%M "))
    with live.unprotected(ws):
        last_cell = ws.used_range.last_cell
        old = ws.range((2, 1), (max(last_cell.row, 2 + len(rows)), max(last_cell.column, len(rows[0]))))
        old.unmerge()  # the template's 合计 row is merged A:C; the new rows may land there
        old.clear_contents()
        ws.range("A2").value = rows
        for fmt, address in _summary_format_addresses(len(v.projects)).items():
            ws.range(address).number_format = fmt
    ws.activate()
    _status(book.app, f"已刷新项目汇总（{len(v.projects)} 个项目）")
    return ws


# --- 生成报送版 -------------------------------------------------------------------------------------


def submission_path(path: str | Path) -> Path:
    p = Path(path)
    return p.with_name(f"{p.stem}{SUBMISSION_SUFFIX}.xlsx")


def has_xp_call(text: object) -> bool:
    return isinstance(text, str) and text.startswith("=") and bool(_XP_CALL.search(text))


def write_submission_copy(src: str | Path, out: str | Path | None = None) -> tuple[Path, int]:
    """Copy a saved workbook with every formula that calls an XP_ function replaced by its value.

    Reads the file twice with openpyxl (formulas, and the values Excel cached when it saved); the
    original is never written, nor is an earlier copy (``out`` None: ``…_报送版.xlsx``, or ``…_报送版（2）.xlsx``
    and so on when it exists). Returns (path written, number of cells replaced).
    """
    import openpyxl
    from openpyxl.worksheet.formula import ArrayFormula

    src = Path(src)
    wb = openpyxl.load_workbook(src)
    cached = openpyxl.load_workbook(src, data_only=True)
    replaced = 0
    for ws in wb.worksheets:
        cws = cached[ws.title]
        for row in ws.iter_rows():
            for cell in row:
                v = cell.value
                text = v.text if isinstance(v, ArrayFormula) else v
                if isinstance(v, ArrayFormula) and has_xp_call(text):
                    for arow in ws[v.ref] if ":" in v.ref else [[ws[v.ref]]]:
                        for c in arow:
                            c.value = cws[c.coordinate].value
                            replaced += 1
                elif has_xp_call(text):
                    cell.value = cws[cell.coordinate].value
                    replaced += 1
    _drop_addin_links(wb)

    def write(tmp: Path) -> None:
        wb.save(tmp)

    if out is not None:
        return atomic_write(out, write, inputs=[src]), replaced
    # a 报送版 already there may be hand-edited: never replaced
    out = claim_new_path(submission_path(src), keep=f"{SUBMISSION_SUFFIX}.xlsx")
    try:
        return atomic_write(out, write, inputs=[src]), replaced
    except BaseException:
        release_claim(out)
        raise


def _drop_addin_links(wb) -> None:
    """Remove external links to the add-in (.xlam) once no formula refers to an external book."""
    links = getattr(wb, "_external_links", [])
    if not links:
        return
    targets = [getattr(getattr(link, "file_link", None), "Target", "") or "" for link in links]
    if not all(t.lower().endswith(".xlam") for t in targets):
        return
    pattern = re.compile(r"\[\d+\]")
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value.startswith("=") and pattern.search(cell.value):
                    return
    wb._external_links = []


@macro
def make_submission_copy(book):
    """生成报送版：另存一份把所有 XP_ 函数换成数值的副本（…_报送版.xlsx），原文件不变。"""
    app = book.app
    path = Path(_fullname(book))
    if not path.is_absolute() or not path.exists():
        _alert(app, "请先保存工作簿，再生成报送版。")
        return None
    if not _saved(book):
        answer = _alert(
            app, "工作簿有未保存的修改，报送版需要按保存后的内容生成。现在保存吗？", buttons="yes_no"
        )
        if answer != "yes":
            raise _Cancelled
        book.save()
    _status(app, "正在生成报送版……")
    out, n = write_submission_copy(path)
    _alert(app, f"已生成报送版（{n} 个公式已换成数值）：\n{out}")
    return out


def _saved(book) -> bool:
    try:
        return bool(book.api.Saved)
    except Exception:  # noqa: BLE001
        return True


# --- 自评报告 ---------------------------------------------------------------------------------------


@macro
def write_report(book):
    """生成自评报告：按各自评表写出绩效自评工作报告（Word），保存在工作簿旁。"""
    from xlperf.writers import report

    app = book.app
    path = Path(_fullname(book))
    if not path.is_absolute():
        _alert(app, "请先保存工作簿，再生成自评报告。")
        return None
    v = _validation(book)
    out, notes = report.claim_report_paths(path, REPORT_SUFFIX)  # neither over a file of the user's
    _status(app, "正在生成自评报告……")
    try:
        written = Path(report.write_report(v, out, pdf=False, review_out=notes) or out)
    except BaseException:
        release_claim(out)
        raise
    finally:
        release_claim(notes)  # left empty: nothing to check
    _status(app, f"已生成自评报告：{written}")
    _open_document(written)
    return written


# --- 汇总文件夹 -------------------------------------------------------------------------------------


def _ask_folder(app) -> str | None:
    if _pick_folder is not None:
        return _pick_folder(app)
    if sys.platform.startswith("win"):
        try:
            dialog = app.api.FileDialog(4)  # msoFileDialogFolderPicker
            dialog.Title = "选择存放各单位自评表的文件夹"
            if dialog.Show() == -1:
                return str(dialog.SelectedItems(1))
            return None
        except Exception:  # noqa: BLE001 - fall back to tkinter
            pass
    try:
        import tkinter
        from tkinter import filedialog

        root = tkinter.Tk()
        root.withdraw()
        root.attributes("-topmost", True)
        folder = filedialog.askdirectory(title="选择存放各单位自评表的文件夹")
        root.destroy()
        return folder or None
    except Exception:  # noqa: BLE001
        return None


@macro
def consolidate_folder(book):
    """汇总文件夹：选择一个文件夹，汇总其中各单位的自评表，生成汇总工作簿并打开。"""
    app = book.app
    folder = _ask_folder(app)
    if not folder:
        raise _Cancelled
    folder = Path(folder)
    files = folder_workbooks(folder)
    if not files:
        _alert(app, f"文件夹中没有 Excel 工作簿（.xlsx）或 Word 报告（.docx/.doc）：\n{folder}")
        return None

    def progress(i: int, n: int, name: str = "") -> None:
        _status(app, f"正在汇总 {i}/{n}：{name}")

    _status(app, f"正在汇总 {len(files)} 个文件……")
    written = consolidate_files(folder, files, progress)
    opener = _open_book
    if opener is None:
        import xlwings as xw

        opener = xw.Book
    opener(str(written))
    return written


# what a unit sends: workbooks, and Word reports (绩效自评工作报告: .docx; .doc/.wps through LibreOffice)
UNIT_FILE_SUFFIXES = (".xlsx", ".xlsm", ".docx", ".docm", ".doc", ".wps")


class FolderTooLarge(XlperfError):
    """The folder to consolidate holds far more than a folder of units' files."""


def folder_workbooks(folder: Path, limit: int | None = None) -> list[Path]:
    """The units' workbooks and Word reports in a folder (recursively), without lock files and our own
    summaries; ``limit``: at most so many files and folders looked at (a whole disk is not a folder of
    reports), else :class:`FolderTooLarge`."""
    out = []
    for n, p in enumerate(Path(folder).rglob("*"), 1):
        if limit is not None and n > limit:
            raise FolderTooLarge(
                f"文件夹 {folder} 中的文件和子文件夹超过 {limit} 个，不像是存放各单位报送材料的文件夹："
                "请选择只存放报送材料的文件夹后再汇总。"
            )
        if p.suffix.lower() in UNIT_FILE_SUFFIXES and not p.name.startswith(("~$", ".~", SUMMARY_PREFIX)):
            out.append(p)
    return sorted(out)


def consolidate_files(folder: Path, files: list[Path], progress: Callable | None = None) -> Path:
    """Consolidate ``files`` into ``folder/汇总_YYYYMMDD.xlsx`` (or ``…（2）.xlsx`` and so on when it exists; the
    汇总多个单位 button, Excel and WPS)."""
    from xlperf import consolidate
    from xlperf.writers import summary

    # jobs=1: inside Excel's Python, worker processes are not worth the start-up (calamine reads fast)
    kwargs = {"progress": progress} if progress is not None else {}
    # a folder that cannot be written: said before any file is read
    summary.check_output(Path(folder) / f"{SUMMARY_PREFIX}{dt.date.today():%Y%m%d}.xlsx")
    result = _call_flexibly(consolidate.consolidate_paths, files, jobs=1, **kwargs)
    # a summary of that name already there (today's earlier run, annotated since) is never replaced
    out = claim_new_path(Path(folder) / f"{SUMMARY_PREFIX}{dt.date.today():%Y%m%d}.xlsx")
    try:
        return Path(_call_flexibly(summary.write_summary, result, out) or out)
    except BaseException:
        release_claim(out)
        raise


def _call_flexibly(fn: Callable, *args, **kwargs):
    """Call ``fn`` with the keyword arguments it accepts (the progress callback is optional)."""
    import inspect

    params = inspect.signature(fn).parameters
    if not any(p.kind is p.VAR_KEYWORD for p in params.values()):
        kwargs = {k: v for k, v in kwargs.items() if k in params}
    return fn(*args, **kwargs)


# --- 诊断 -------------------------------------------------------------------------------------------

DIAGNOSIS_SHEET = "诊断结果"
DIAGNOSIS_HEADER = ["状态", "检查项", "结果", "处理办法"]
DIAGNOSIS_WIDTHS = (8, 18, 70, 70)
DIAGNOSIS_RGB = {"ok": (198, 239, 206), "warn": (255, 235, 156), "error": (255, 199, 206)}


def _excel_facts(book):
    """What the running Excel says about itself, for the diagnosis (None where it cannot say)."""
    from xlperf.addin.doctor import ADDIN_FILE_NAME, ExcelFacts

    app = book.app
    startup = addin = None
    with contextlib.suppress(Exception):
        startup = str(app.api.StartupPath)
    with contextlib.suppress(Exception):
        addin = str(app.api.Workbooks(ADDIN_FILE_NAME).FullName)
    return ExcelFacts(
        startup_path=startup, addin_path=addin, workbook=_fullname(book), bits=_process_bits(app)
    )


def _process_bits(app) -> int | None:
    """Whether the Excel process is 32- or 64-bit (Windows: IsWow64Process on its pid)."""
    if not sys.platform.startswith("win"):
        return None
    try:  # pragma: no cover - Windows only
        import ctypes
        import platform

        handle = ctypes.windll.kernel32.OpenProcess(0x1000, False, int(app.pid))  # QUERY_LIMITED_INFORMATION
        wow64 = ctypes.c_int(0)
        ok = ctypes.windll.kernel32.IsWow64Process(handle, ctypes.byref(wow64))
        ctypes.windll.kernel32.CloseHandle(handle)
        if not ok:
            return None
        return 32 if wow64.value or platform.machine().lower() in ("x86", "i386") else 64
    except Exception:  # noqa: BLE001 - no answer: the diagnosis checks both DLLs
        return None


def _is_blank(book) -> bool:
    """A new, unsaved workbook with nothing in it (what 诊断 opens when no workbook is open)."""
    try:
        sheets = list(book.sheets)
        return (
            len(sheets) == 1
            and not re.search(r"[\\/]", _fullname(book))
            and sheets[0].used_range.value in (None, "", [])
        )
    except Exception:  # noqa: BLE001
        return False


def diagnosis_rows(checks) -> list[list[object]]:
    """The 诊断结果 sheet: a header, one row per check."""
    rows: list[list[object]] = [list(DIAGNOSIS_HEADER)]
    rows += [[c.status_zh, c.name, c.detail, c.advice if c.status != "ok" else ""] for c in checks]
    return rows


@macro
def diagnose(book):
    """诊断：检查本机运行加载项所需的一切，结果写在一个新工作簿的“诊断结果”表中，不改动用户的工作簿。"""
    from xlperf.addin import doctor

    app = book.app
    _status(app, "正在检查……")
    checks = doctor.diagnose(doctor.gather(excel=_excel_facts(book)))
    target = book if _is_blank(book) else app.books.add()
    ws = target.sheets[0]
    with contextlib.suppress(Exception):
        ws.name = DIAGNOSIS_SHEET
    rows = diagnosis_rows(checks)
    ws.range("A1").value = rows
    for i, width in enumerate(DIAGNOSIS_WIDTHS):
        ws.range(f"{_letter(i)}1").column_width = width
    for status, rgb in DIAGNOSIS_RGB.items():
        cells = [f"A{i}" for i, c in enumerate(checks, start=2) if c.status == status]
        for address in live.address_chunks(live.compress_cells(cells)):
            ws.range(address).color = rgb
    with contextlib.suppress(Exception):  # cosmetics: a host without them still shows every text
        ws.api.Range(f"C1:D{len(rows)}").WrapText = True
        ws.api.Range("A1:D1").Font.Bold = True
    errors = sum(c.status == "error" for c in checks)
    text = f"诊断完成。{doctor.summary(checks)}\n详见“{DIAGNOSIS_SHEET}”表中每一项的结果和处理办法。"
    _alert(app, text, critical=errors > 0)
    return checks


# --- 帮助 -------------------------------------------------------------------------------------------

HELP = """xlperf 项目支出绩效自评

功能区按钮：
· 校验：检查各自评表，生成“校验结果”表，并用颜色标出有问题的单元格（红：错误，橙：警告，蓝：提示）。
· 清除校验标记：删除“校验结果”表，恢复单元格原来的颜色，删除校验添加的批注。
· 新增项目表：增加一张空白自评表。
· 刷新汇总：按各自评表重写“项目汇总”表。
· 生成报送版：另存一份把 XP_ 函数换成数值的副本，报送时请发送这份文件。
· 生成自评报告：写出绩效自评工作报告（Word）。
· 汇总文件夹：汇总一个文件夹中各单位的自评表。

单元格函数（插入函数 → 类别“绩效自评”）：
XP_RATE 执行率；XP_SCORE 建议得分；XP_BUDGET_SCORE 预算执行率得分；XP_SUBTOTAL 一级指标小计；
XP_TOTAL 总分；XP_GRADE 等级；XP_ROWCHECK 一行的校验提示；XP_TABLECHECK 整表校验结果；
XP_SCORES、XP_ROWCHECKS 整列计算。

说明：本工具只添加颜色、批注和“校验结果”表，不会修改您填写的内容。"""


@macro
def show_help(book) -> None:
    """帮助：显示各按钮和函数的说明。"""
    _alert(book.app, HELP)


__all__ = [
    "add_project_sheet",
    "clear_marks",
    "consolidate_folder",
    "diagnose",
    "insert_indicator_row",
    "make_submission_copy",
    "refresh_summary",
    "show_help",
    "validate_workbook",
    "write_report",
]
