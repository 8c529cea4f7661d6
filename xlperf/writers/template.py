"""The workbook template (绩效自评表.xlsx), built by code with openpyxl.

One workbook per unit: 单位信息 (the unit), 项目汇总 (one live row per project), one 自评表N sheet per
project (the 项目支出绩效自评表, every field of the official form in its order, with the labels of
:mod:`xlperf.core.labels`), and a very hidden ``_xlperf`` sheet with the template version and preset.

The same builder writes the sample workbooks: given :class:`ProjectData`, it writes users' values
exactly as typed (strings stay strings, None stays blank, errors included). Formulas come from
:mod:`xlperf.writers.formulas` only; the hidden helper columns right of the form (P onwards) are
theirs (see that module for why they make inserted rows work).

Output is deterministic: fixed document properties and a normalised zip (fixed member timestamps), so
building twice gives the same bytes and the committed template can be checked against a rebuild.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import re
import unicodedata
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.utils.cell import get_column_letter
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from xlperf import TEMPLATE_VERSION, __version__
from xlperf.core import labels as L
from xlperf.core.evaluate import TOTAL_CAPPED, TOTAL_REPORTED
from xlperf.presets import Preset
from xlperf.safe_io import atomic_write_bytes, set_text
from xlperf.writers import formulas as F
from xlperf.writers import styles as S
from xlperf.writers.formulas import STYLES, formula

FIXED_TIME = dt.datetime(2020, 1, 1, 0, 0, 0)
MAX_PROJECTS = 200
GOAL_ROWS = 3  # default number of 目标 rows

# --- display labels: what the sheet shows; norm(display) == the labels.py constant -------------------
D_PROJECT_UNIT = "实施（主管）单位"
D_BUDGET_HEAD = "预算安排情况（调整后）"
D_PROGRESS_HINT = "（=执行数/预算数*100%）"
D_BUDGET = "预算数："
D_ARRIVED = "到位数："
D_EXECUTED = "执行数："
D_FISCAL = "其中：财政资金"
D_OTHER = "其他"
D_AMOUNT_UNIT = "金额单位：万元"
DISPLAY_LABELS = {
    L.PROJECT_UNIT: D_PROJECT_UNIT,
    L.BUDGET_HEAD: D_BUDGET_HEAD,
    L.PROGRESS_HINT: D_PROGRESS_HINT,
    L.BUDGET: D_BUDGET,
    L.ARRIVED: D_ARRIVED,
    L.EXECUTED: D_EXECUTED,
    L.FISCAL: D_FISCAL,
    L.OTHER: D_OTHER,
}

# project sheet columns A..K (the indicator table's 11 columns)
COLS = "ABCDEFGHIJK"
IND_COL = dict(zip(L.INDICATOR_COLUMNS, COLS, strict=True))
WIDTHS = {"A": 15, "B": 14, "C": 26, "D": 14, "E": 12, "F": 14, "G": 9, "H": 9, "I": 9, "J": 22, "K": 24}

HOWTO = (
    "填写说明",
    "1. 颜色：黄色单元格为填写项（模板预填的二级指标、指标类型、分值也是填写项，可按本单位情况修改）；"
    "灰色单元格为自动计算项（预算执行进度、建议得分、校验提示、总分行、等级、项目汇总），不能修改；白色为表样文字。",
    "2. 每个项目填写一张“自评表”工作表（自评表1、自评表2……），“项目汇总”表自动汇总各项目。",
    "3. 金额单位为万元，可填数字，也可填“320.5万元”“3,205,000元”。预期指标值、实际完成值可写“100%”“≥95%”"
    "“≤50万元”“1200人”“≤1200元/平方米”或“达成/部分达成/未达成”；日期请写成文字，如“12月31日前”。",
    "4. 指标类型：正向（越高越好）、反向（越低越好，如成本）、等于、定性。预期指标值写有“≤”“不超过”“以下”的按反向计分，"
    "写有“≥”的按正向计分；实际完成值为达成/部分达成/未达成的按定性计分。",
    "5. 增加指标行：在“审阅”选项卡点“撤销工作表保护”（无密码）；单击要仿照的指标行的行号选中整行，复制；"
    "再选中它下面一行的行号，右键选“插入复制的单元格”；改写新行的内容后，点“保护工作表”。"
    "新行自动计算建议得分和校验提示，并计入分值合计、总分和项目汇总。"
    "装有 xlperf 加载项的，也可选中一行指标后点“绩效自评”选项卡的“插入指标行”。",
    "6. 不用的指标行：清空该行的三级指标、预期指标值、实际完成值、自评得分和偏差原因即可，该行不计入分值合计和总分。"
    "如要删除：撤销工作表保护后选中整行删除（写有一级指标名称的首行不要删除），再保护工作表。",
    "7. 实际完成值低于预期指标值、或自评得分低于分值时，请填写“偏差原因分析及改进措施”。",
    "8. 工作表保护没有密码；保护只防止误改公式，撤销后照常使用，改完请重新保护。",
)
SHEET_NOTE = (
    "说明：金额单位为万元；建议得分为按评分规则可得的最高分，仅供参考；实际完成值低于预期或得分低于分值时须说明偏差原因；"
    "增加、删除指标行的方法见“单位信息”表的填写说明（先撤销工作表保护，复制整行后“插入复制的单元格”）。"
)
LEGEND = (
    (S.input_cell, "填写项", "黄色：由单位填写；预填的二级指标、指标类型、分值可修改"),
    (S.computed, "自动计算", "灰色：公式自动计算，不能修改"),
    (S.label, "表样", "白色：表样文字"),
)
SIGN_LINES = (
    (("填报人：", "filler"), ("审核人：", None), ("单位负责人：", None)),
    (("联系电话：", "phone"), ("填报日期：", None), ("（单位盖章）", "stamp")),
)
ONE_PAGE_HEIGHT = 850  # points of rows an A4 landscape page holds at the form's width (rendered)
CAPPED_TOTAL = TOTAL_CAPPED.name  # 核定总分: 复核总分 capped by the execution rate, what is graded
GRADE_NOTE = (
    f"以“{L.COL_SCORE}”一栏的{TOTAL_CAPPED.name}和等级为准；“{L.COL_SUGGESTED}”一栏按评分规则计算，仅供参考"
)


# --- data -------------------------------------------------------------------------------------------


@dataclass
class UnitData:
    """The 单位信息 sheet's values (written as given)."""

    name: object = None
    department: object = None
    year: object = None
    filler: object = None
    phone: object = None


@dataclass
class IndicatorData:
    """One indicator row as a user typed it. ``level1`` is a section key (labels.SECTIONS); any other
    string is written as the 一级 text itself."""

    level1: str
    level2: object = None
    name: object = None  # 三级指标
    kind: object = None  # 指标类型
    target: object = None  # 预期指标值
    actual: object = None  # 实际完成值 (None on the 预算执行率 row keeps the formula = 预算执行进度)
    weight: object = None  # 分值
    score: object = None  # 自评得分
    reason: object = None  # 偏差原因分析及改进措施


@dataclass
class ProjectData:
    """One project's form as typed. Values are written exactly as given; None is a blank cell, except
    where the template has a formula (``progress``, ``total``, the 预算执行率 row's ``actual``): None
    keeps the formula."""

    name: object = None
    unit: object = None
    budget: tuple = (None, None, None)  # (合计, 其中：财政资金, 其他)
    arrived: tuple = (None, None, None)
    executed: tuple = (None, None, None)
    progress: object = None
    goals: list[tuple] = field(default_factory=list)  # (年度预期目标, 具体完成情况, 总体完成率)
    indicators: list[IndicatorData] = field(default_factory=list)
    total: object = None
    level1_labels: dict[str, str] = field(default_factory=dict)  # section key -> 一级 text as typed
    merge_level1: bool = True  # False: the 一级 label written in every row (filled down), no merges


@dataclass(frozen=True)
class SheetLayout:
    """Where the fields of one project sheet are (A1 refs on that sheet; rows 1-based)."""

    sheet: str
    name: str
    unit: str
    budget: tuple[str, str, str]
    arrived: tuple[str, str, str]
    executed: tuple[str, str, str]
    progress: str
    goal_rows: tuple[int, ...]
    header_row: int
    first_row: int
    last_row: int
    total_row: int
    grade_row: int
    capped_row: int = 0  # 核定总分 (0: the preset has no caps)

    @property
    def total(self) -> str:
        return f"{IND_COL[L.COL_SCORE]}{self.total_row}"

    @property
    def grade(self) -> str:
        return f"{IND_COL[L.COL_SCORE]}{self.grade_row}"

    @property
    def capped(self) -> str:
        """核定总分, what is graded: 复核总分 capped where the preset caps it (a hidden cell)."""
        return f"{F.HELPER_COL['KD']}{self.total_row}"

    def helper(self, key: str, row: int) -> str:
        return f"{F.HELPER_COL[key]}{row}"

    @property
    def amounts(self) -> tuple[str, str, str]:
        """The hidden cells holding 预算数, 到位数, 执行数 as read (a number in 万元, "" or 见校验)."""
        return tuple(f"{F.HELPER_COL['AMT']}{7 + i}" for i in range(3))  # type: ignore[return-value]

    @property
    def rate(self) -> str:
        return f"{F.HELPER_COL['RATE']}7"


# --- helpers ----------------------------------------------------------------------------------------


def quote_sheet(name: str) -> str:
    return "'" + name.replace("'", "''") + "'"


def write_raw(cell: Cell, raw: object) -> None:
    """Write a user's value exactly: text starting with "=" (or + - @) stays text, never a formula."""
    set_text(cell, raw)


def _put(ws: Worksheet, ref: str, value: object, style=None, *, merge: str | None = None, **kw) -> Cell:
    """Set a cell (value as a label or formula written by the template), style it and every cell of its
    merge range (so borders and fills cover the whole merged area)."""
    cell = ws[ref]
    cell.value = value
    targets = [cell]
    if merge:
        ws.merge_cells(f"{ref}:{merge}")
        targets = [c for row in ws[f"{ref}:{merge}"] for c in row]
    for c in targets:
        if style is not None:
            style(c, **kw)
        c.border = S.BORDER
    return cell


def _text_units(text: object) -> float:
    """Approximate width of a text in Excel column units at 11 pt (a CJK character is about 2)."""
    if text is None:
        return 0.0
    s = f"{text:g}" if isinstance(text, float) else str(text)
    return sum(2.0 if unicodedata.east_asian_width(ch) in "WF" else 1.1 for ch in s)


def _lines(text: object, width: float, size: float = 10) -> int:
    """How many lines a wrapped text needs in a cell ``width`` column units wide."""
    if text is None or str(text) == "":
        return 1
    cap = max(1.0, (width - 1) * 11 / size)
    return sum(max(1, math.ceil(_text_units(part) / cap)) for part in str(text).split("\n"))


def _height(lines: int, size: float = 10) -> float:
    return round(lines * size * 1.4 + 6, 1)


def _width(*cols: str) -> float:
    return sum(WIDTHS[c] for c in cols)


def _fit(ws: Worksheet, row: int, texts: Sequence[tuple[object, float]], minimum: float) -> None:
    """Set a row's height to fit its wrapped texts ((text, width) pairs); Excel does not autofit
    rows holding merged cells, so the template sets every height itself."""
    need = max((_height(_lines(t, w)) for t, w in texts), default=0.0)
    ws.row_dimensions[row].height = max(minimum, need)


def _wrap_level1(label: str) -> str:
    """Break a 一级 label before its weight when it does not fit on one line (as the seed prints it:
    "预算执行率指标\n（10分）"); norm() drops the line break, so the parser reads the same label."""
    if _lines(label, WIDTHS["A"]) > 1 and "（" in label:
        name, _, weight = label.partition("（")
        return f"{name}\n（{weight}"
    return label


def _template_rows(preset: Preset) -> list[IndicatorData]:
    """The indicator rows of a blank template: one per 二级 name of the preset's layout."""
    rows = []
    for section in L.SECTIONS:
        for level2 in preset.layout.get(section, ()):
            # a cost is kept under its target (scoring rule 3): its row starts as 反向, the rest 正向
            kind = L.KIND_REVERSE if "成本" in level2 else L.KIND_POSITIVE
            row = IndicatorData(section, level2, kind=kind, weight=_round_weight(preset.row_weight(section)))
            if section == L.SECTION_BUDGET:
                row.name, row.target = "预算支出进度执行率", "100%"
            rows.append(row)
    return rows


def _round_weight(w: float) -> float | int:
    return int(w) if float(w).is_integer() else round(w, 4)


def _runs(rows: Sequence[IndicatorData]) -> list[tuple[int, int]]:
    """(start, end) index pairs of consecutive rows with the same 一级."""
    runs: list[tuple[int, int]] = []
    for i, r in enumerate(rows):
        if runs and rows[runs[-1][0]].level1 == r.level1:
            runs[-1] = (runs[-1][0], i)
        else:
            runs.append((i, i))
    return runs


def _setup_page(
    ws: Worksheet, *, landscape: bool, last_col: str, last_row: int, one_page: bool = False
) -> None:
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 1 if one_page else 0
    ws.page_setup.blackAndWhite = True  # the fills are for the screen only
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.5
    ws.page_margins.top = ws.page_margins.bottom = 0.45
    ws.page_margins.header = ws.page_margins.footer = 0.2
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"
    ws.oddFooter.center.size = 9
    ws.print_area = f"A1:{last_col}{last_row}"


def _protect(ws: Worksheet) -> None:
    """Protect without a password: computed cells stay locked; cells may be formatted, rows and columns
    resized. Rows are inserted and deleted with the protection off (填写说明 5 and 6 say how): a row
    inserted under protection would get no formulas (Excel) or no copied cells at all (Calc)."""
    p = ws.protection
    p.sheet = True
    p.insertRows = True
    p.deleteRows = True
    p.formatCells = False
    p.formatRows = False
    p.formatColumns = False
    p.objects = True
    p.scenarios = True


def _list_validation(values: Sequence[str], *, strict: bool, title: str, prompt: str) -> DataValidation:
    dv = DataValidation(
        type="list",
        formula1='"' + ",".join(values) + '"',
        allow_blank=True,
        errorStyle="stop" if strict else "warning",
        errorTitle="输入提示",
        error=f"请从下拉列表中选择{title}。" if strict else f"建议从下拉列表中选择{title}。",
        promptTitle=title,
        prompt=prompt,
    )
    dv.showErrorMessage = True
    dv.showInputMessage = True
    return dv


def _prompt_only(*, title: str, prompt: str) -> DataValidation:
    """An input message and no constraint (amounts may be typed as "320.5万元")."""
    dv = DataValidation(allow_blank=True)
    dv.promptTitle = title
    dv.prompt = prompt
    dv.showInputMessage = True
    dv.showErrorMessage = False
    return dv


def _number_validation(
    lo: float | None, *, title: str, prompt: str, hi: float | None = None
) -> DataValidation:
    if hi is None:
        dv = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1=str(lo), allow_blank=True)
    else:
        dv = DataValidation(
            type="decimal", operator="between", formula1=str(lo), formula2=str(hi), allow_blank=True
        )
    dv.errorStyle = "warning"
    dv.errorTitle = "输入提示"
    dv.error = f"{title}应为数字。"
    dv.promptTitle = title
    dv.prompt = prompt
    dv.showErrorMessage = True
    dv.showInputMessage = True
    return dv


# --- sheets -----------------------------------------------------------------------------------------


def _unit_sheet(ws: Worksheet, preset: Preset, unit: UnitData) -> None:
    ws.sheet_view.showGridLines = False
    ws.column_dimensions["A"].width = 16
    ws.column_dimensions["B"].width = 70
    _put(ws, "A1", L.UNIT_SHEET, S.title, merge="B1", size=16)
    ws.row_dimensions[1].height = 36
    values = (unit.name, unit.department, unit.year, unit.filler, unit.phone)
    for i, (lab, val) in enumerate(zip(L.UNIT_FIELDS[:5], values, strict=True)):
        r = i + 2
        _put(ws, f"A{r}", lab, S.label, head=True)
        write_raw(_put(ws, f"B{r}", None, S.input_cell, fmt=S.FMT_TEXT, align=S.LEFT), val)
        ws.row_dimensions[r].height = 24
    _put(ws, "A7", L.UNIT_PRESET, S.label, head=True)
    _put(ws, "B7", preset.title, S.computed, align=S.LEFT)
    ws.row_dimensions[7].height = 24
    year = _number_validation(1990, hi=2100, title="年度", prompt="填写四位年份，例如 2020")
    ws.add_data_validation(year)
    year.add("B4")
    for i, line in enumerate(HOWTO):
        r = 9 + i
        c = ws.cell(r, 1, line)
        ws.merge_cells(f"A{r}:B{r}")
        if i == 0:
            S.section(c)
        else:
            S.note(c, size=10)
            ws.row_dimensions[r].height = max(20, _height(_lines(line, 16 + 70)))
    _setup_page(ws, landscape=False, last_col="B", last_row=8 + len(HOWTO))
    _protect(ws)


def _project_sheet(
    ws: Worksheet, preset: Preset, data: ProjectData, style: str, default_unit: object
) -> SheetLayout:
    ws.sheet_view.showGridLines = False
    for col, w in WIDTHS.items():
        ws.column_dimensions[col].width = w
    f = formula
    unit_ref = f"{quote_sheet(L.UNIT_SHEET)}!$B$4"

    # title
    _put(ws, "A1", L.FORM_TITLE, S.title, merge="K1")
    for c in ws["A1:K1"][0]:
        c.border = S.NO_BORDER
    ws.row_dimensions[1].height = 34
    _put(ws, "A2", f("year_title", style, year=unit_ref), S.label, merge="K2", size=11)
    for c in ws["A2:K2"][0]:
        c.border = S.NO_BORDER
    ws.row_dimensions[2].height = 20

    # 一、基本情况
    _put(ws, "A3", L.SEC_BASIC, S.section, merge="K3")
    _put(ws, "A4", L.PROJECT_NAME, S.label, head=True)
    write_raw(_put(ws, "B4", None, S.input_cell, merge="F4", align=S.LEFT), data.name)
    _put(ws, "G4", D_PROJECT_UNIT, S.label, merge="H4", head=True)
    unit_value = data.unit if data.unit is not None else default_unit
    write_raw(_put(ws, "I4", None, S.input_cell, merge="K4", align=S.LEFT), unit_value)
    _fit(
        ws,
        4,
        [(data.name, _width(*"BCDEF")), (unit_value, _width(*"IJK")), (D_PROJECT_UNIT, _width("G", "H"))],
        30,
    )

    # 二、预算执行情况
    _put(ws, "A5", L.SEC_BUDGET, S.section, merge="K5")
    _put(ws, "A6", D_AMOUNT_UNIT, S.label, merge="A9", size=9)
    _put(ws, "B6", D_BUDGET_HEAD, S.label, merge="C6", head=True)
    _put(ws, "D6", L.ARRIVED_HEAD, S.label, merge="E6", head=True)
    _put(ws, "F6", L.EXECUTED_HEAD, S.label, merge="G6", head=True)
    _put(ws, "H6", L.PROGRESS_HEAD, S.label, merge="I6", head=True)
    _put(ws, "J6", D_PROGRESS_HINT, S.label, merge="K6", size=9)
    ws.row_dimensions[6].height = 30
    blocks = (
        ("B", "C", D_BUDGET, data.budget),
        ("D", "E", D_ARRIVED, data.arrived),
        ("F", "G", D_EXECUTED, data.executed),
    )
    refs: dict[str, tuple[str, str, str]] = {}
    for lab_col, val_col, head, values in blocks:
        vals = tuple(values) + (None,) * (3 - len(values))
        for i, lab in enumerate((head, D_FISCAL, D_OTHER)):
            r = 7 + i
            _put(ws, f"{lab_col}{r}", lab, S.label)
            write_raw(_put(ws, f"{val_col}{r}", None, S.input_cell, fmt=S.FMT_AMOUNT), vals[i])
        refs[head] = (f"{val_col}7", f"{val_col}8", f"{val_col}9")
    for r in (7, 8, 9):
        ws.row_dimensions[r].height = 24

    # 三、目标完成情况
    goals = list(data.goals)
    n_goals = max(GOAL_ROWS, len(goals))
    _put(ws, "A10", L.SEC_GOALS, S.section, merge="K10")
    _put(ws, "A11", "序号", S.label, head=True)
    _put(ws, "B11", L.GOAL_EXPECTED, S.label, merge="E11", head=True)
    _put(ws, "F11", L.GOAL_ACTUAL, S.label, merge="I11", head=True)
    _put(ws, "J11", L.GOAL_RATE, S.label, merge="K11", head=True)
    ws.row_dimensions[11].height = 22
    goal_rows = []
    for i in range(n_goals):
        r = 12 + i
        g = tuple(goals[i]) + (None,) * 3 if i < len(goals) else (None, None, None)
        _put(ws, f"A{r}", i + 1, S.label)
        write_raw(_put(ws, f"B{r}", None, S.input_cell, merge=f"E{r}", align=S.LEFT), g[0])
        write_raw(_put(ws, f"F{r}", None, S.input_cell, merge=f"I{r}", align=S.LEFT), g[1])
        write_raw(_put(ws, f"J{r}", None, S.input_cell, merge=f"K{r}", fmt=S.FMT_RATE), g[2])
        _fit(ws, r, [(g[0], _width(*"BCDE")), (g[1], _width(*"FGHI"))], 24)
        goal_rows.append(r)

    # 四、年度绩效指标完成情况
    sec_row = 12 + n_goals
    head_row = sec_row + 1
    form = F.Form(header_row=head_row, preset=preset, style=style, goals=(12, 12 + n_goals - 1))
    _put(ws, f"A{sec_row}", L.SEC_INDICATORS, S.section, merge=f"K{sec_row}")
    for col, lab in zip(COLS, L.INDICATOR_COLUMNS, strict=True):
        _put(ws, f"{col}{head_row}", lab, S.label, head=True)
    ws.row_dimensions[head_row].height = 30
    rows = list(data.indicators) if data.indicators else _template_rows(preset)
    first = head_row + 1
    last = first + len(rows) - 1
    c = IND_COL
    label_runs = _runs(rows) if data.merge_level1 else [(i, i) for i in range(len(rows))]
    for start, end in label_runs:
        key = rows[start].level1
        r0, r1 = first + start, first + end
        if key in L.SECTIONS:
            text = data.level1_labels.get(key) or _wrap_level1(
                L.level1_label(key, preset.weights.get(key, 0.0))
            )
        else:
            text = key
        _put(ws, f"A{r0}", None, S.input_cell, merge=f"A{r1}" if r1 > r0 else None)
        write_raw(ws[f"A{r0}"], text)
    for i, ind in enumerate(rows):
        r = first + i
        is_budget = ind.level1 == L.SECTION_BUDGET
        cells = {
            L.COL_LEVEL2: (ind.level2, S.CENTER, None),
            L.COL_LEVEL3: (ind.name, S.LEFT, None),
            L.COL_KIND: (ind.kind, S.CENTER, None),
            L.COL_TARGET: (ind.target, S.CENTER, None),
            L.COL_ACTUAL: (ind.actual, S.CENTER, None),
            L.COL_WEIGHT: (ind.weight, S.CENTER, S.FMT_SCORE),
            L.COL_SCORE: (ind.score, S.CENTER, S.FMT_SCORE),
            L.COL_REASON: (ind.reason, S.LEFT, None),
        }
        for key, (raw, align, fmt) in cells.items():
            write_raw(_put(ws, f"{c[key]}{r}", None, S.input_cell, align=align, fmt=fmt), raw)
        actual = f"{c[L.COL_ACTUAL]}{r}"
        if is_budget and ind.actual is None:
            ws[actual].value = F.budget_actual(form)
            ws[actual].number_format = S.FMT_RATE
        for ref, text in F.indicator_cells(form, r, c).items():
            ws[ref].value = text
        _put(
            ws, f"{c[L.COL_SUGGESTED]}{r}", ws[f"{c[L.COL_SUGGESTED]}{r}"].value, S.computed, fmt=S.FMT_SCORE
        )
        _put(
            ws,
            f"{c[L.COL_CHECK]}{r}",
            ws[f"{c[L.COL_CHECK]}{r}"].value,
            S.computed,
            align=S.LEFT,
            size=8,
            color="C00000",
        )
        _fit(
            ws,
            r,
            [
                (ind.level2, WIDTHS[c[L.COL_LEVEL2]]),
                (ind.name, WIDTHS[c[L.COL_LEVEL3]]),
                (ind.target, WIDTHS[c[L.COL_TARGET]]),
                (ind.actual, WIDTHS[c[L.COL_ACTUAL]]),
                (ind.reason, WIDTHS[c[L.COL_REASON]]),
            ],
            26,  # two lines of 校验提示 (8 pt)
        )
    for start, end in label_runs:  # a merged 一级 label must fit in its rows
        text = ws[f"A{first + start}"].value
        need = _height(_lines(text, WIDTHS["A"]))
        have = sum(ws.row_dimensions[first + i].height for i in range(start, end + 1))
        if have < need:
            for i in range(start, end + 1):
                ws.row_dimensions[first + i].height = round(
                    ws.row_dimensions[first + i].height * need / have, 1
                )

    # the funds block's hidden helpers: amounts as read, execution rate, cap
    funds = [refs[D_BUDGET][0], refs[D_ARRIVED][0], refs[D_EXECUTED][0]]
    for ref, text in F.funds_cells(form, funds, progress="H7").items():
        ws[ref].value = text
    progress = "H7"
    if data.progress is None:
        _put(
            ws,
            progress,
            F.progress(form, executed=refs[D_EXECUTED][0], budget=refs[D_BUDGET][0]),
            S.computed,
            merge="K9",
            fmt=S.FMT_RATE,
        )
        ws[progress].font = S.font(12, bold=True)
    else:  # a value the user typed over the formula
        write_raw(_put(ws, progress, None, S.input_cell, merge="K9", fmt=S.FMT_RATE), data.progress)

    # 总分, 执行率上限后总分, 等级
    total_row = last + 1
    capped_row = total_row + 1 if preset.caps else 0
    grade_row = (capped_row or total_row) + 1
    _put(ws, f"A{total_row}", L.TOTAL, S.label, merge=f"F{total_row}", head=True)
    total_ref = f"{c[L.COL_SCORE]}{total_row}"
    cells_t = F.total_cells(form, total_row, c, typed_total=data.total is not None)
    for ref, text in cells_t.items():
        ws[ref].value = text
    _put(
        ws,
        f"{c[L.COL_WEIGHT]}{total_row}",
        cells_t[f"{c[L.COL_WEIGHT]}{total_row}"],
        S.computed,
        fmt=S.FMT_SCORE,
    )
    if data.total is None:
        _put(ws, total_ref, cells_t[total_ref], S.input_cell, fmt=S.FMT_SCORE)
    else:
        write_raw(_put(ws, total_ref, None, S.input_cell, fmt=S.FMT_SCORE), data.total)
    ws[total_ref].font = S.font(11, bold=True)
    sugg_total = f"{c[L.COL_SUGGESTED]}{total_row}"
    _put(ws, sugg_total, cells_t[sugg_total], S.computed, fmt=S.FMT_SCORE)
    _put(ws, f"{c[L.COL_REASON]}{total_row}", None, S.computed)
    check = f"{c[L.COL_CHECK]}{total_row}"
    _put(ws, check, cells_t[check], S.computed, align=S.LEFT, size=8, color="C00000")
    graded, graded_sugg = total_ref, sugg_total
    if capped_row:
        _put(ws, f"A{capped_row}", CAPPED_TOTAL, S.label, merge=f"F{capped_row}", head=True)
        cells_c = F.capped_cells(form, capped_row, total_row, c)
        _put(ws, f"{c[L.COL_WEIGHT]}{capped_row}", None, S.computed)
        for key in (L.COL_SCORE, L.COL_SUGGESTED):
            ref = f"{c[key]}{capped_row}"
            _put(ws, ref, cells_c[ref], S.computed, fmt=S.FMT_SCORE)
        note = f"{c[L.COL_REASON]}{capped_row}"
        _put(ws, note, cells_c[note], S.computed, merge=f"{c[L.COL_CHECK]}{capped_row}", align=S.LEFT, size=9)
        ws[f"{c[L.COL_SCORE]}{capped_row}"].font = S.font(11, bold=True)
        graded, graded_sugg = f"{c[L.COL_SCORE]}{capped_row}", f"{c[L.COL_SUGGESTED]}{capped_row}"
    else:
        graded = F.HELPER_COL["KD"] + str(total_row)  # 核定总分 (no cap: 复核总分)
    _put(ws, f"A{grade_row}", L.GRADE, S.label, merge=f"F{grade_row}", head=True)
    _put(ws, f"{c[L.COL_WEIGHT]}{grade_row}", None, S.computed)
    cells_g = F.grade_cells(form, grade_row, graded, graded_sugg, c)
    for key in (L.COL_SCORE, L.COL_SUGGESTED):
        ref = f"{c[key]}{grade_row}"
        _put(ws, ref, cells_g[ref], S.computed)
    ws[f"{c[L.COL_SCORE]}{grade_row}"].font = S.font(11, bold=True)
    # which figure counts: the 自评得分 column (核定总分, 等级); 建议得分 beside it is for reference
    _put(ws, f"{c[L.COL_REASON]}{grade_row}", GRADE_NOTE, S.computed, merge=f"{c[L.COL_CHECK]}{grade_row}",
         align=S.LEFT, size=9)  # fmt: skip
    for r in (total_row, capped_row, grade_row):
        if r:
            ws.row_dimensions[r].height = 22
    ws.row_dimensions[total_row].height = 32  # up to three lines of the 总分 row's 校验提示

    # legend, note, signing block
    legend_row = grade_row + 1
    spans = (("A", "A", "B", "D"), ("E", "E", "F", "H"), ("I", "I", "J", "K"))
    for (swatch, text, explain), (s0, _s1, e0, e1) in zip(LEGEND, spans, strict=True):
        _put(ws, f"{s0}{legend_row}", text, swatch)
        _put(ws, f"{e0}{legend_row}", explain, S.label, merge=f"{e1}{legend_row}", align=S.LEFT, size=9)
        for cell in ws[f"{e0}{legend_row}:{e1}{legend_row}"][0]:
            cell.border = S.NO_BORDER
    ws.row_dimensions[legend_row].height = 22
    note_row = legend_row + 1
    ws.cell(note_row, 1, SHEET_NOTE)
    ws.merge_cells(f"A{note_row}:K{note_row}")
    S.note(ws.cell(note_row, 1))
    ws.row_dimensions[note_row].height = _height(_lines(SHEET_NOTE, _width(*COLS), 9), 9)
    sign_row = note_row + 1
    unit_sheet = quote_sheet(L.UNIT_SHEET)
    sources = {"filler": f"{unit_sheet}!$B$5", "phone": f"{unit_sheet}!$B$6"}
    for i, line in enumerate(SIGN_LINES):
        r = sign_row + i
        for (label, source), (lab_col, val_col, val_end) in zip(
            line, (("A", "B", "C"), ("D", "E", "F"), ("G", "I", "K")), strict=True
        ):
            if source == "stamp":
                _put(ws, f"{lab_col}{r}", label, S.label, merge=f"{val_end}{r}", align=S.RIGHT)
                for cell in ws[f"{lab_col}{r}:{val_end}{r}"][0]:
                    cell.border = S.NO_BORDER
                continue
            end = "H" if lab_col == "G" else lab_col
            _put(
                ws,
                f"{lab_col}{r}",
                label,
                S.label,
                merge=f"{end}{r}" if end != lab_col else None,
                align=S.RIGHT,
            )
            value = f("ref_value", style, cell=sources[source]) if source else None
            _put(ws, f"{val_col}{r}", value, S.input_cell, merge=f"{val_end}{r}", align=S.LEFT)
            for cell in ws[f"{lab_col}{r}:{val_end}{r}"][0]:
                cell.border = S.NO_BORDER
            for cell in ws[f"{val_col}{r}:{val_end}{r}"][0]:
                cell.border = S.SIGN_LINE
        ws.row_dimensions[r].height = 26
    last_printed = sign_row + len(SIGN_LINES) - 1

    # the helpers: titles in the header row, hidden, outside the print area
    for key, title in F.HELPERS:
        ws[f"{F.HELPER_COL[key]}{head_row}"].value = title
    ws.column_dimensions.group(F.HELPER_COL[F.HELPERS[0][0]], F.HELPER_LAST, hidden=True)

    # validations
    dv1 = _list_validation(
        [L.level1_label(k, preset.weights[k]) for k in L.SECTIONS if k in preset.weights],
        strict=False,
        title="一级指标",
        prompt="产出、预算执行率、效益、满意度指标",
    )
    dv2 = _list_validation(
        [n for k in L.SECTIONS for n in L.LEVEL2_NAMES[k]],
        strict=False,
        title="二级指标",
        prompt="从下拉列表选择二级指标",
    )
    dv3 = _list_validation(
        L.KINDS,
        strict=True,
        title="指标类型",
        prompt="正向：越高越好；反向：越低越好（如成本）；等于；定性：达成/部分达成/未达成",
    )
    dv4 = _number_validation(0, hi=100, title="分值或得分", prompt="填写数字，单位：分")
    dv5 = _prompt_only(title="金额", prompt="金额单位：万元；可填数字或“320.5万元”“3,205,000元”")
    for dv in (dv1, dv2, dv3, dv4, dv5):
        ws.add_data_validation(dv)

    def rng(key: str) -> str:
        return f"{c[key]}{first}:{c[key]}{last}"

    dv1.add(rng(L.COL_LEVEL1))
    dv2.add(rng(L.COL_LEVEL2))
    dv3.add(rng(L.COL_KIND))
    dv4.add(rng(L.COL_WEIGHT))
    dv4.add(rng(L.COL_SCORE))
    for r in ("C7:C9", "E7:E9", "G7:G9"):
        dv5.add(r)

    # one form, one page, down to its signing block (as official forms print) while that shrinks the
    # text by a quarter at most; a longer form runs on with its table header repeated
    height = sum(ws.row_dimensions[r].height or 15 for r in range(1, last_printed + 1))
    one_page = height <= ONE_PAGE_HEIGHT * 1.25
    _setup_page(ws, landscape=True, last_col="K", last_row=last_printed, one_page=one_page)
    if not one_page:
        ws.print_title_rows = f"{head_row}:{head_row}"
    _protect(ws)
    ws.sheet_view.selection[0].activeCell = "B4"
    ws.sheet_view.selection[0].sqref = "B4"
    return SheetLayout(
        sheet=ws.title,
        name="B4",
        unit="I4",
        budget=refs[D_BUDGET],
        arrived=refs[D_ARRIVED],
        executed=refs[D_EXECUTED],
        progress=progress,
        goal_rows=tuple(goal_rows),
        header_row=head_row,
        first_row=first,
        last_row=last,
        total_row=total_row,
        grade_row=grade_row,
        capped_row=capped_row,
    )


SECTION_HEADS = {k: L.SECTION_NAMES[k].removesuffix("指标") + "得分" for k in L.SECTIONS}


def _summary_columns() -> list[tuple[str, float]]:
    cols = [("序号", 5), ("工作表", 9), (L.PROJECT_NAME, 30), (L.BUDGET, 11), (L.ARRIVED, 11),
            (L.EXECUTED, 11), ("执行率", 8)]  # fmt: skip
    cols += [(SECTION_HEADS[k], 8) for k in L.SECTIONS]
    cols += [(TOTAL_REPORTED.name, 8), (CAPPED_TOTAL, 8), (L.GRADE, 6)]
    return cols


def _summary_sheet(
    ws: Worksheet, layouts: Sequence[SheetLayout], style: str, preset: Preset, names: Sequence[object] = ()
) -> None:
    ws.sheet_view.showGridLines = False
    columns = _summary_columns()
    letters = [get_column_letter(i + 1) for i in range(len(columns))]
    last_col = letters[-1]
    for col, (_, w) in zip(letters, columns, strict=True):
        ws.column_dimensions[col].width = w
    _put(ws, "A1", L.SUMMARY_SHEET, S.title, merge=f"{last_col}1", size=16)
    for cell in ws[f"A1:{last_col}1"][0]:
        cell.border = S.NO_BORDER
    ws.row_dimensions[1].height = 34
    unit = quote_sheet(L.UNIT_SHEET)
    _put(
        ws,
        "A2",
        formula("unit_line", style, name=f"{unit}!$B$2", year=f"{unit}!$B$4"),
        S.label,
        merge="F2",
        align=S.LEFT,
    )
    _put(ws, "G2", D_AMOUNT_UNIT, S.label, merge=f"{last_col}2", align=S.RIGHT, size=9)
    for cell in ws[f"A2:{last_col}2"][0]:
        cell.border = S.NO_BORDER
    for col, (lab, _) in zip(letters, columns, strict=True):
        _put(ws, f"{col}3", lab, S.label, head=True)
    ws.row_dimensions[3].height = 30
    for i, lay in enumerate(layouts):
        r = 4 + i
        q = quote_sheet(lay.sheet) + "!"
        _put(ws, f"A{r}", i + 1, S.label)
        _put(ws, f"B{r}", lay.sheet, S.label)
        cells = [
            (formula("ref_value", style, cell=q + lay.name), None, S.LEFT),
            *((formula("ref_value", style, cell=q + a), S.FMT_AMOUNT, S.CENTER) for a in lay.amounts),
            (formula("ref_value", style, cell=q + lay.rate), S.FMT_RATE, S.CENTER),
            *((F.subtotal(quote_sheet(lay.sheet), k), S.FMT_SCORE, S.CENTER) for k in L.SECTIONS),
            (formula("ref_value", style, cell=q + lay.helper("TR", lay.total_row)), S.FMT_SCORE, S.CENTER),
            (formula("ref_value", style, cell=q + lay.helper("KD", lay.total_row)), S.FMT_SCORE, S.CENTER),
        ]
        cells.append((formula("ref_value", style, cell=q + lay.grade), None, S.CENTER))
        for col, (text, fmt, align) in zip(letters[2:], cells, strict=True):
            _put(ws, f"{col}{r}", text, S.computed, fmt=fmt, align=align)
        name = names[i] if i < len(names) else None
        ws.row_dimensions[r].height = max(22, _height(_lines(name, 30)))
    last = 3 + len(layouts)
    tr = last + 1
    _put(ws, f"A{tr}", "合计", S.label, merge=f"C{tr}", head=True)
    for col in "DEF":
        _put(
            ws, f"{col}{tr}", formula("sum", style, range=f"{col}4:{col}{last}"), S.computed, fmt=S.FMT_AMOUNT
        )
    _put(
        ws,
        f"G{tr}",
        formula("rate_total", style, executed=f"F4:F{last}", budget=f"D4:D{last}"),
        S.computed,
        fmt=S.FMT_RATE,
    )
    _put(ws, f"H{tr}", None, S.computed, merge=f"{last_col}{tr}")
    ws.row_dimensions[tr].height = 22
    ws.freeze_panes = "A4"
    ws.print_title_rows = "3:3"
    _setup_page(ws, landscape=True, last_col=last_col, last_row=tr)
    _protect(ws)


def _meta_sheet(wb: Workbook, preset: Preset) -> None:
    ws = wb.create_sheet(L.META_SHEET)
    rows = (
        ("template_version", TEMPLATE_VERSION),
        ("preset", preset.name),
        ("preset_title", preset.title),
        ("generator", f"xlperf {__version__}"),
    )
    for r, (k, v) in enumerate(rows, start=1):
        ws.cell(r, 1, k)
        ws.cell(r, 2, v).data_type = "s"
    ws.sheet_state = "veryHidden"
    _protect(ws)
    wb.defined_names["xlperf_template_version"] = DefinedName(
        "xlperf_template_version", attr_text=f"{quote_sheet(L.META_SHEET)}!$B$1"
    )


# --- public -----------------------------------------------------------------------------------------


def build_template(
    preset: Preset,
    projects: int = 3,
    unit: UnitData | None = None,
    data: Sequence[ProjectData] | None = None,
    formulas: str = "native",
) -> Workbook:
    """The template workbook for ``preset`` with ``projects`` project sheets (or one per ``data`` item,
    filled with its values). ``formulas`` is the formula style ("native")."""
    if formulas not in STYLES:
        raise ValueError(f"unknown formula style {formulas!r}; one of {STYLES}")
    data = list(data) if data is not None else [ProjectData() for _ in range(projects)]
    if not 1 <= len(data) <= MAX_PROJECTS:
        raise ValueError(f"projects must be 1..{MAX_PROJECTS}, got {len(data)}")
    unit = unit or UnitData()
    wb = Workbook()
    wb.properties.creator = "xlperf"
    wb.properties.lastModifiedBy = "xlperf"
    wb.properties.title = L.FORM_TITLE
    wb.properties.created = FIXED_TIME
    wb.properties.modified = FIXED_TIME
    wb.calculation.fullCalcOnLoad = True  # openpyxl stores no cached values: let Excel compute on open
    unit_ws = wb.active
    unit_ws.title = L.UNIT_SHEET
    _unit_sheet(unit_ws, preset, unit)
    summary_ws = wb.create_sheet(L.SUMMARY_SHEET)
    layouts = []
    default_unit = unit.name if unit.name not in (None, "") else None
    for i, pdata in enumerate(data, start=1):
        ws = wb.create_sheet(f"{L.PROJECT_SHEET_PREFIX}{i}")
        layouts.append(_project_sheet(ws, preset, pdata, formulas, default_unit))
    _summary_sheet(summary_ws, layouts, formulas, preset, [p.name for p in data])
    _meta_sheet(wb, preset)
    wb.active = 0
    return wb


def project_layouts(wb: Workbook) -> list[SheetLayout]:
    """Not stored: recompute where things are from a built workbook's project sheets (for tests/tools)."""
    out = []
    for ws in wb.worksheets:
        if not ws.title.startswith(L.PROJECT_SHEET_PREFIX):
            continue
        head = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == L.COL_LEVEL1)
        total = next(r for r in range(head, ws.max_row + 1) if ws.cell(r, 1).value == L.TOTAL)
        capped = total + 1 if ws.cell(total + 1, 1).value == CAPPED_TOTAL else 0
        goals = tuple(r for r in range(12, head - 1))
        out.append(
            SheetLayout(
                sheet=ws.title,
                name="B4",
                unit="I4",
                budget=("C7", "C8", "C9"),
                arrived=("E7", "E8", "E9"),
                executed=("G7", "G8", "G9"),
                progress="H7",
                goal_rows=goals,
                header_row=head,
                first_row=head + 1,
                last_row=total - 1,
                total_row=total,
                grade_row=(capped or total) + 1,
                capped_row=capped,
            )
        )
    return out


_MODIFIED = re.compile(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)")
_ZIP_TIME = (2020, 1, 1, 0, 0, 0)


def workbook_bytes(wb: Workbook) -> bytes:
    """The workbook as xlsx bytes, reproducibly: fixed modified time and zip member timestamps."""
    raw = io.BytesIO()
    wb.save(raw)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(raw.getvalue())) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            content = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                stamp = FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
                content = _MODIFIED.sub(rb"\g<1>" + stamp + rb"\g<2>", content)
            zi = zipfile.ZipInfo(info.filename, date_time=_ZIP_TIME)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.create_system = 0
            zi.external_attr = 0
            dst.writestr(zi, content)
    return out.getvalue()


def write_atomic(path: str | Path, content: bytes) -> Path:
    """Write bytes to ``path`` atomically (see :func:`xlperf.safe_io.atomic_write`)."""
    return atomic_write_bytes(path, content)


def save_template(
    path: str | Path,
    preset: Preset,
    projects: int = 3,
    unit: UnitData | None = None,
    data: Sequence[ProjectData] | None = None,
    formulas: str = "native",
    *,
    inputs: Sequence[str | Path] = (),
    overwrite: bool = True,
) -> Path:
    """Build the template and write it atomically to ``path`` (never over one of ``inputs``; over an
    existing file only when ``overwrite``). Returns the path."""
    wb = build_template(preset, projects=projects, unit=unit, data=data, formulas=formulas)
    return atomic_write_bytes(path, workbook_bytes(wb), inputs=inputs, overwrite=overwrite)
