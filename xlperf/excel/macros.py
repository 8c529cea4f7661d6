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
from collections.abc import Callable, Iterable
from pathlib import Path

from xlperf.actions import (
    RowPlan,
    RowPlanError,
    consolidate_files,
    folder_workbooks,
    indicator_row_plan,
    input_cells,
    new_sheet_name,
    no_unit_files,
    summary_format_addresses,
    summary_rows,
    template_form,
    write_report_beside,
    write_submission_copy,
)
from xlperf.api import resolve_preset
from xlperf.core import labels as L
from xlperf.core.a1 import column_letter
from xlperf.core.engine import Validation, validate
from xlperf.core.grid import Grid
from xlperf.core.parser import parse_workbook
from xlperf.core.plan import PALETTE, RECORD_SHEET, build_plan, clear_plan, footer_key_message, live_plan
from xlperf.errors import XlperfError
from xlperf.excel import apply, live
from xlperf.layouts import shipped

TITLE = "绩效自评"
MARKS_SHEET = RECORD_SHEET  # "_xlperf_marks", very hidden: what 清除校验标记 restores
SEVERITY_RGB = {sev: live.hex_rgb(rgb) for sev, rgb in PALETTE.items()}

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


@macro(calculation=False)
def validate_workbook(book) -> Validation:
    """校验本工作簿：写 校验结果 表，标出有问题的单元格（填充色 + 批注）。

    The same steps as the WPS add-in: the grids in, the findings, the plan (:func:`build_plan`), its
    live form applied (:func:`xlperf.excel.apply.apply_live`), after the marks of an earlier run are
    taken away (:func:`clear_plan` over the record sheet)."""
    app = book.app
    sheets = sheet_map(book)
    said = _clear(book, sheets)
    v = _validation(book, sheets)
    _status(app, "正在写入校验结果……")
    lp = live_plan(build_plan(v))
    apply.apply_live(book, lp, sheets, status=lambda text: _status(app, text))
    _alert(
        app,
        f"{lp.status}\n详见“{L.RESULT_SHEET}”工作表（点击“位置”可跳转到单元格）。"
        + (f"\n{said}" if said else ""),
    )
    return v


# --- 清除校验标记 -------------------------------------------------------------------------------------


def _clear(book, sheets: dict | None = None) -> str | None:
    """Undo what validation added: None when there was nothing to undo, else what the user must still
    be told ("" when nothing: a footer whose page setup Excel could not change is named). ``sheets`` (by
    name) loses the sheets deleted."""
    sheets = sheet_map(book) if sheets is None else sheets
    marks = sheets.get(MARKS_SHEET)
    if marks is None and L.RESULT_SHEET not in sheets:
        return None
    rows = live.read_grid(marks, MARKS_SHEET).rows if marks is not None else []
    kept = apply.apply_clear(book, clear_plan(rows), sheets, status=lambda text: _status(book.app, text))
    return footer_key_message(kept) if kept else ""


@macro(calculation=False)
def clear_marks(book) -> None:
    """清除校验标记：删除 校验结果 表，恢复被标记单元格原来的填充色，删除校验添加的批注，去掉校验副本页脚左侧的图例。"""
    said = _clear(book)
    if said is None:
        _alert(book.app, "没有需要清除的校验标记。")
    elif said:
        _alert(book.app, f"已清除校验标记。\n{said}")
    else:
        _status(book.app, "已清除校验标记")


# --- 新增项目表 -------------------------------------------------------------------------------------


def _project_sheets(book) -> list:
    return [s for s in book.sheets if s.name.startswith(L.PROJECT_SHEET_PREFIX)]


def _new_sheet_name(book) -> str:
    return new_sheet_name(s.name for s in book.sheets)


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
        for fmt, address in summary_format_addresses(len(v.projects)).items():
            ws.range(address).number_format = fmt
    ws.activate()
    _status(book.app, f"已刷新项目汇总（{len(v.projects)} 个项目）")
    return ws


# --- 生成报送版 -------------------------------------------------------------------------------------


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
    app = book.app
    path = Path(_fullname(book))
    if not path.is_absolute():
        _alert(app, "请先保存工作簿，再生成自评报告。")
        return None
    v = _validation(book)
    _status(app, "正在生成自评报告……")
    written, _ = write_report_beside(v, path)  # beside the workbook, never over a file of the user's
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
    """汇总文件夹：选择一个文件夹，汇总其中各单位的自评表（文件夹中的报送名单、批复目标、汇总台账一并使用），
    生成汇总工作簿并打开，再说明汇总了什么、用了哪些。"""
    app = book.app
    folder = _ask_folder(app)
    if not folder:
        raise _Cancelled
    folder = Path(folder)
    files = folder_workbooks(folder)
    if not files:
        _alert(app, no_unit_files(folder))
        return None

    def progress(i: int, n: int, name: str = "") -> None:
        _status(app, f"正在汇总 {i}/{n}：{name}")

    _status(app, f"正在汇总 {len(files)} 个文件……")
    done = consolidate_files(folder, files, progress)
    opener = _open_book
    if opener is None:
        import xlwings as xw

        opener = xw.Book
    opener(str(done.path))
    # what was read, what of the folder's 报送名单/批复目标/汇总台账 was used, and how to use the others
    _alert(app, done.message)
    return done.path


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
        ws.range(f"{column_letter(i + 1)}1").column_width = width
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
· 清除校验标记：删除“校验结果”表，恢复单元格原来的颜色，删除校验添加的批注；在校验副本上还去掉页脚左侧的标色说明。
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
