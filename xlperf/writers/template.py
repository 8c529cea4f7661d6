"""The workbook template (绩效自评表.xlsx), built by code with openpyxl.

One workbook per unit: 单位信息 (the unit and the instructions), 项目汇总 (one live row per project), one
自评表N sheet per project and a very hidden ``_xlperf`` sheet (template version, preset, layout). A
project sheet is the official form (the national form's funds block, the 四川 and 一体化 indicator columns):

====  ===========================================================================================
rows  block (one function each below)
====  ===========================================================================================
1–2   title and year                                      :func:`_title_block`
3–5   一、基本情况: 项目名称, 主管部门, 实施单位            :func:`_basic_block`
6–    二、预算执行情况: 年初预算数｜全年预算数｜到位数｜全年执行数｜执行率, 年度资金总额 and its 其中 rows
      (:func:`_funds_block`)
      三、目标完成情况: 预期目标｜实际完成情况｜总体完成率    :func:`_goals_block`
      四、年度绩效指标完成情况: 一级｜二级｜三级｜计算符号｜年度指标值｜度量单位｜实际完成值｜分值｜自评得分｜
      偏差原因分析及改进措施 (:func:`_indicator_block`), then 总分, 核定总分, 等级 (:func:`_totals_block`)
      the signing lines                                      :func:`_signing_block`
====  ===========================================================================================

Columns A–J are the printed form (A4 landscape, 10 pt, the title 18 pt); K 建议得分 and L 校验提示 are the
tool's columns and M its one hidden helper column, on screen only with the legend and the instructions
(:func:`_tool_area`). Labels are the ``template`` layout's (xlperf/layouts/template.toml): what this writes
is what the parser reads. Formulas come from :mod:`xlperf.writers.formulas` only.

The same builder writes the sample workbooks and ``xlperf import``'s: given :class:`ProjectData`, it
writes users' values exactly as given (strings stay strings, None stays blank). Output is deterministic:
fixed document properties and a normalised zip, so the committed template can be checked against a rebuild.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Sequence
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
from xlperf.core.a1 import quote_sheet
from xlperf.core.evaluate import TOTAL_CAPPED, TOTAL_REPORTED
from xlperf.presets import Preset
from xlperf.safe_io import atomic_write_bytes, set_text
from xlperf.writers import formulas as F
from xlperf.writers import styles as S

FIXED_TIME = dt.datetime(2020, 1, 1, 0, 0, 0)
MAX_PROJECTS = 200
GOAL_ROWS = 3  # default number of 目标 rows
LAYOUT = "template"  # xlperf/layouts/template.toml: the labels below

# --- the form's words as the sheet shows them (tests check each against the layout) ----------------
D_UNIT = "实施单位"
D_DEPARTMENT = "主管部门"
D_FUNDS_HEAD = "项目资金（万元）"
D_INITIAL = "年初预算数"
D_BUDGET = "全年预算数"
D_ARRIVED = "到位数"
D_EXECUTED = "全年执行数"
D_RATE = "执行率"
D_FUNDS_TOTAL = "年度资金总额"
D_PARTS = ("其中：当年财政拨款", "上年结转资金", "其他资金")
D_GOAL_EXPECTED = "预期目标"
D_GOAL_ACTUAL = "实际完成情况"
D_GOAL_RATE = "总体完成率"
D_HELPER = "计算用（一级指标）"
HEADERS = {  # the indicator table's columns (formulas.Cols field -> header)
    "level1": L.COL_LEVEL1,
    "level2": L.COL_LEVEL2,
    "name": L.COL_LEVEL3,
    "kind": "计算符号",
    "target": "年度指标值",
    "unit": "度量单位",
    "actual": L.COL_ACTUAL,
    "weight": L.COL_WEIGHT,
    "score": L.COL_SCORE,
    "reason": L.COL_REASON,
    "suggested": L.COL_SUGGESTED,
    "check": L.COL_CHECK,
    "helper": D_HELPER,
}
CAPPED_TOTAL = TOTAL_CAPPED.name  # 核定总分
GRADE_NOTE = (
    f"以“{L.COL_SCORE}”一栏的{TOTAL_CAPPED.name}和等级为准；“{L.COL_SUGGESTED}”一栏按评分规则计算，仅供参考"
)
BUDGET_NAME = "预算支出进度执行率"  # the 预算执行率 row's 三级指标, pre-filled

COL = F.Cols()
PRINTED = "ABCDEFGHIJ"  # the official form; K, L and M are the tool's
WIDTHS = {"A": 9, "B": 9, "C": 16, "D": 5.5, "E": 8, "F": 6.5, "G": 8, "H": 5.5, "I": 6, "J": 19.5, "K": 8,
          "L": 28, "M": 16}  # fmt: skip
# the funds block's columns: its label over A:B, then each amount over these (merged) columns
FUNDS_COLS = {"initial": ("C", "C"), "budget": ("D", "E"), "arrived": ("F", "G"), "executed": ("H", "I"),
              "rate": ("J", "J")}  # fmt: skip
FUNDS_HEADS = {"initial": D_INITIAL, "budget": D_BUDGET, "arrived": D_ARRIVED, "executed": D_EXECUTED,
               "rate": D_RATE}  # fmt: skip

HOWTO = (
    "填写说明",
    "1. 颜色：黄色单元格由单位填写（模板预填的二级指标、分值、资金来源名称也可修改）；灰色单元格自动计算（执行率、"
    "建议得分、校验提示、总分、核定总分、等级、项目汇总）；白色为表样文字。灰色的建议得分、校验提示两列和说明文字不打印。",
    "2. 每个项目填写一张“自评表”工作表（自评表1、自评表2……），“项目汇总”表自动汇总各项目。",
    "3. 金额单位为万元，填数字。“其中”各行的资金来源名称可改写（如“财政专户管理资金”“单位资金”）；行数不够时按第 5 条插入。",
    "4. 每行指标：计算符号从下拉列表选择（≥ 越高越好、≤ 越低越好如成本、= 等于、定性）；年度指标值、实际完成值填数字，"
    "单位写在“度量单位”列（如 95 和“%”，不要写成“95%”或“≥95”）；定性指标的年度指标值可写文字（如“效果明显”），"
    "实际完成值选“达成”“部分达成”或“未达成”。",
    "5. 增加指标行：在“审阅”选项卡点“撤销工作表保护”（无密码）；单击要仿照的指标行的行号选中整行，复制；"
    "再选中它下面一行的行号，右键选“插入复制的单元格”；改写新行的内容后，点“保护工作表”。新行自动计算建议得分和"
    "校验提示，并计入分值合计、总分和项目汇总。装有 xlperf 加载项的，也可选中一行指标后点“绩效自评”选项卡的“插入指标行”。",
    "6. 不用的指标行：清空该行的三级指标、年度指标值、实际完成值、自评得分和偏差原因即可，该行不计入分值合计和总分。"
    "如要删除：撤销工作表保护后选中整行删除（写有一级指标名称的首行不要删除），再保护工作表。",
    "7. 实际完成值未达到年度指标值、或自评得分低于分值时，请填写“偏差原因分析及改进措施”。",
    "8. 建议得分、校验提示显示“见校验”时，表示该行有单元格的内容不是所要求的（如数字单元格中写了文字），"
    "公式不作判断：请改正，或用“绩效自评”选项卡的“校验本工作簿”（或 xlperf validate）检查。",
    "9. 工作表保护没有密码；保护只防止误改公式，撤销后照常使用，改完请重新保护。",
)
LEGEND = (
    (S.input_cell, "填写项", "黄色：由单位填写"),
    (S.computed, "自动计算", "灰色：公式计算，不能修改"),
    (S.label, "表样", "白色：表样文字"),
)
TOOL_NOTE = (
    "K、L 两列和本说明不打印。建议得分为按评分规则可得的分数，仅供参考；“见校验”表示该行有内容不是单元格所要求的，"
    "请改正或点“绩效自评→校验本工作簿”。增加、删除指标行的方法见“单位信息”表的填写说明。"
)
SIGN_LINES = (
    (("填报人：", "filler"), ("审核人：", None), ("单位负责人：", None)),
    (("联系电话：", "phone"), ("填报日期：", None), ("（单位盖章）", "stamp")),
)
SIGN_COLS = (
    ("A", "A", "B", "C"),
    ("D", "E", "F", "G"),
    ("H", "I", "J", "J"),
)  # label from, to; value from, to


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
    """One indicator row as a user fills it in. ``level1`` is a section key (labels.SECTIONS); any other
    string is written as the 一级 text itself. ``kind`` is the 计算符号 (≥ ≤ = 定性)."""

    level1: str
    level2: object = None
    name: object = None  # 三级指标
    kind: object = None  # 计算符号
    target: object = None  # 年度指标值
    unit: object = None  # 度量单位
    actual: object = None  # 实际完成值 (None on the 预算执行率 row keeps the formula = 执行率)
    weight: object = None  # 分值
    score: object = None  # 自评得分
    reason: object = None  # 偏差原因分析及改进措施


@dataclass
class FundsRow:
    """One row of the funds block: its label (年度资金总额, or a 其中 source of funds) and amounts."""

    label: object
    initial: object = None  # 年初预算数
    budget: object = None  # 全年预算数
    arrived: object = None  # 到位数
    executed: object = None  # 全年执行数


def default_funds() -> list[FundsRow]:
    return [FundsRow(D_FUNDS_TOTAL), *(FundsRow(p) for p in D_PARTS)]


@dataclass
class ProjectData:
    """One project's form as filled in. Values are written exactly as given; None is a blank cell, except
    where the template has a formula (``total``, the 预算执行率 row's ``actual``): None keeps the formula.
    ``funds``: the 年度资金总额 row first, then its 其中 rows (default: the template's three)."""

    name: object = None
    unit: object = None  # 实施单位
    department: object = None  # 主管部门
    funds: list[FundsRow] = field(default_factory=default_funds)
    goals: list[tuple] = field(default_factory=list)  # (预期目标, 实际完成情况, 总体完成率)
    indicators: list[IndicatorData] = field(default_factory=list)
    total: object = None
    level1_labels: dict[str, str] = field(default_factory=dict)  # section key -> 一级 text as typed
    merge_level1: bool = True  # False: the 一级 label written in every row (filled down), no merges


def funds_from(
    budget: Sequence = (), arrived: Sequence = (), executed: Sequence = (), initial: Sequence = (),
    parts: Sequence[str] = ("其中：财政资金", "其他资金"),
) -> list[FundsRow]:  # fmt: skip
    """Funds rows from amounts given per column as (合计, 其中 row 1, 其中 row 2 …), the way the previous
    template and the seed's form hold them (预算数 with 其中：财政资金 and 其他)."""

    def at(seq: Sequence, i: int) -> object:
        return seq[i] if i < len(seq) else None

    labels = (D_FUNDS_TOTAL, *parts)
    return [FundsRow(lab, at(initial, i), at(budget, i), at(arrived, i), at(executed, i))
            for i, lab in enumerate(labels)]  # fmt: skip


@dataclass(frozen=True)
class SheetLayout:
    """Where the fields of one project sheet are (A1 refs on that sheet; rows 1-based)."""

    sheet: str
    name: str
    funds_row: int  # 年度资金总额
    part_rows: tuple[int, ...]
    goal_rows: tuple[int, ...]
    header_row: int
    first_row: int
    last_row: int
    budget_rows: tuple[int, ...]
    total_row: int
    capped_row: int
    grade_row: int
    last_printed: int

    def funds(self, key: str, row: int | None = None) -> str:
        return f"{FUNDS_COLS[key][0]}{row or self.funds_row}"

    @property
    def rate(self) -> str:
        return self.funds("rate")

    @property
    def total(self) -> str:
        return f"{COL.score}{self.total_row}"

    @property
    def capped(self) -> str:
        return f"{COL.score}{self.capped_row}"

    @property
    def grade(self) -> str:
        return f"{COL.score}{self.grade_row}"


# --- cell helpers -----------------------------------------------------------------------------------


def write_raw(cell: Cell, raw: object) -> None:
    """Write a user's value exactly: text starting with "=" (or + - @) stays text, never a formula."""
    set_text(cell, raw)


def _put(ws: Worksheet, ref: str, value: object, style=None, *, merge: str | None = None, border=S.BORDER,
         **kw) -> Cell:  # fmt: skip
    """Set a cell (a label or a formula the template writes), style it and every cell of its merge range."""
    cell = ws[ref]
    cell.value = value
    targets = [cell]
    if merge and merge != ref:
        ws.merge_cells(f"{ref}:{merge}")
        targets = [c for row in ws[f"{ref}:{merge}"] for c in row]
    for c in targets:
        if style is not None:
            style(c, **kw)
        c.border = border
    return cell


def _input(ws: Worksheet, ref: str, raw: object, *, merge: str | None = None, **kw) -> Cell:
    cell = _put(ws, ref, None, S.input_cell, merge=merge, **kw)
    write_raw(cell, raw)
    return cell


def _text_units(text: object) -> float:
    """Approximate width of a text in Excel column units at 10 pt (a CJK character is about 2)."""
    if text is None:
        return 0.0
    s = f"{text:g}" if isinstance(text, float) else str(text)
    return sum(2.0 if unicodedata.east_asian_width(ch) in "WF" else 1.1 for ch in s)


def _lines(text: object, width: float, size: float = 10) -> int:
    """How many lines a wrapped text needs in a cell ``width`` column units wide."""
    if text is None or str(text) == "":
        return 1
    cap = max(1.0, (width - 1) * 10 / size)
    return sum(max(1, math.ceil(_text_units(part) / cap)) for part in str(text).split("\n"))


def _height(lines: int, size: float = 10) -> float:
    return round(lines * size * 1.35 + 4, 1)


def _width(cols: str) -> float:
    return sum(WIDTHS[c] for c in cols)


def _fit(ws: Worksheet, row: int, texts: Iterable[tuple[object, str]], minimum: float = 18) -> None:
    """A row's height to fit its wrapped texts ((text, columns) pairs): Excel does not autofit rows that
    hold merged cells, so the template sets every height itself."""
    need = max((_height(_lines(t, _width(cols))) for t, cols in texts), default=0.0)
    ws.row_dimensions[row].height = max(minimum, need)


def _wrap_level1(label: str) -> str:
    """Break a 一级 label before its weight when it does not fit on one line (as the seed prints it:
    "预算执行率指标\n（10分）"); norm() drops the line break, so the parser reads the same label."""
    if _lines(label, WIDTHS["A"]) > 1 and "（" in label:
        name, _, weight = label.partition("（")
        return f"{name}\n（{weight}"
    return label


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


def template_rows(preset: Preset) -> list[IndicatorData]:
    """The indicator rows of a blank template: one per 二级 name of the preset's layout; the 预算执行率 row
    with its 三级指标, target and unit (its completion value is the funds block's 执行率)."""
    rows = []
    for section in L.SECTIONS:
        for level2 in preset.layout.get(section, ()):
            row = IndicatorData(section, level2, weight=_round_weight(preset.row_weight(section)))
            if section == L.SECTION_BUDGET:
                row.name, row.kind, row.target, row.unit = BUDGET_NAME, "≥", 100, "%"
            rows.append(row)
    return rows


# --- the project sheet's blocks ---------------------------------------------------------------------


def _title_block(ws: Worksheet, year_ref: str) -> int:
    _put(ws, "A1", L.FORM_TITLE, S.title, merge="J1", border=S.NO_BORDER)
    ws.row_dimensions[1].height = 32
    _put(ws, "A2", F.year_title(year_ref), S.label, merge="J2", border=S.NO_BORDER, size=12)
    ws.row_dimensions[2].height = 20
    return 3


def _section_row(ws: Worksheet, row: int, text: str) -> int:
    _put(ws, f"A{row}", text, S.section, merge=f"J{row}", border=S.NO_BORDER)
    ws.row_dimensions[row].height = 20
    return row + 1


def _basic_block(ws: Worksheet, row: int, data: ProjectData, unit: object, department: object) -> int:
    row = _section_row(ws, row, L.SEC_BASIC)
    _put(ws, f"A{row}", L.PROJECT_NAME, S.label, head=True)
    _input(ws, f"B{row}", data.name, merge=f"J{row}", align=S.LEFT)
    _fit(ws, row, [(data.name, "BCDEFGHIJ")], 20)
    row += 1
    _put(ws, f"A{row}", D_DEPARTMENT, S.label, head=True)
    _input(ws, f"B{row}", department, merge=f"E{row}", align=S.LEFT)
    _put(ws, f"F{row}", D_UNIT, S.label, merge=f"G{row}", head=True)
    _input(ws, f"H{row}", unit, merge=f"J{row}", align=S.LEFT)
    _fit(ws, row, [(department, "BCDE"), (unit, "HIJ")], 20)
    return row + 1


def _funds_block(
    ws: Worksheet, row: int, rows: Sequence[FundsRow], style: str
) -> tuple[int, int, tuple[int, ...]]:
    """二、预算执行情况: the header, 年度资金总额 (with its 执行率) and the 其中 rows. Returns the next row,
    the total row and the 其中 rows."""
    row = _section_row(ws, row, L.SEC_BUDGET)
    head = row
    _put(ws, f"A{head}", D_FUNDS_HEAD, S.label, merge=f"B{head}", head=True)
    for key, (c0, c1) in FUNDS_COLS.items():
        _put(ws, f"{c0}{head}", FUNDS_HEADS[key], S.label, merge=f"{c1}{head}", head=True)
    _fit(ws, head, [(D_FUNDS_HEAD, "AB")], 20)
    total = head + 1
    parts = []
    for i, fr in enumerate(rows):
        r = total + i
        if i == 0:
            _put(ws, f"A{r}", fr.label, S.label, merge=f"B{r}", head=True)
        else:
            _input(ws, f"A{r}", fr.label, merge=f"B{r}", align=S.LEFT)
            parts.append(r)
        for key in ("initial", "budget", "arrived", "executed"):
            c0, c1 = FUNDS_COLS[key]
            _input(ws, f"{c0}{r}", getattr(fr, key), merge=f"{c1}{r}", fmt=S.FMT_AMOUNT)
        c0, _ = FUNDS_COLS["rate"]
        if i == 0:
            budget, executed = (f"{FUNDS_COLS[k][0]}{r}" for k in ("budget", "executed"))
            rate = F.execution_rate(style, budget, executed)
            _put(ws, f"{c0}{r}", rate, S.computed, fmt=S.FMT_RATE)
            ws[f"{c0}{r}"].font = S.font(11, bold=True)
        else:
            _put(ws, f"{c0}{r}", None, S.computed)
        _fit(ws, r, [(fr.label, "AB")])
    return total + len(rows), total, tuple(parts)


def _goals_block(ws: Worksheet, row: int, goals: Sequence[tuple]) -> tuple[int, tuple[int, ...]]:
    row = _section_row(ws, row, L.SEC_GOALS)
    _put(ws, f"A{row}", "序号", S.label, head=True)
    _put(ws, f"B{row}", D_GOAL_EXPECTED, S.label, merge=f"E{row}", head=True)
    _put(ws, f"F{row}", D_GOAL_ACTUAL, S.label, merge=f"I{row}", head=True)
    _put(ws, f"J{row}", D_GOAL_RATE, S.label, head=True)
    ws.row_dimensions[row].height = 20
    rows = []
    for i in range(max(GOAL_ROWS, len(goals))):
        r = row + 1 + i
        g = (tuple(goals[i]) + (None,) * 3)[:3] if i < len(goals) else (None, None, None)
        _put(ws, f"A{r}", i + 1, S.label)
        _input(ws, f"B{r}", g[0], merge=f"E{r}", align=S.LEFT)
        _input(ws, f"F{r}", g[1], merge=f"I{r}", align=S.LEFT)
        _input(ws, f"J{r}", g[2], fmt=S.FMT_RATE)
        _fit(ws, r, [(g[0], "BCDE"), (g[1], "FGHI")])
        rows.append(r)
    return rows[-1] + 1, tuple(rows)


def _indicator_header(ws: Worksheet, row: int) -> None:
    for key, text in HEADERS.items():
        col = getattr(COL, key)
        if key == "helper":
            ws[f"{col}{row}"].value = text
            continue
        _put(ws, f"{col}{row}", text, S.label, head=True)
    ws.row_dimensions[row].height = 30


def _level1_text(ind: IndicatorData, data: ProjectData, preset: Preset) -> str:
    key = ind.level1
    if key in L.SECTIONS:
        return data.level1_labels.get(key) or _wrap_level1(L.level1_label(key, preset.weights.get(key, 0.0)))
    return key


def _indicator_block(
    ws: Worksheet, first: int, rows: Sequence[IndicatorData], data: ProjectData, form: F.Form
) -> tuple[int, ...]:
    """The indicator rows from ``first``: 一级 labels (merged over their rows), the typed cells, the
    formulas. Returns the 预算执行率 rows."""
    c = COL
    runs = _runs(rows) if data.merge_level1 else [(i, i) for i in range(len(rows))]
    for start, end in runs:
        r0, r1 = first + start, first + end
        _input(ws, f"{c.level1}{r0}", _level1_text(rows[start], data, form.preset),
               merge=f"{c.level1}{r1}" if r1 > r0 else None)  # fmt: skip
    budget_rows = []
    for i, ind in enumerate(rows):
        r = first + i
        is_budget = ind.level1 == L.SECTION_BUDGET
        for key, align, fmt in (("level2", S.CENTER, None), ("name", S.LEFT, None), ("kind", S.CENTER, None),
                                ("target", S.CENTER, None), ("unit", S.CENTER, None),
                                ("actual", S.CENTER, None), ("weight", S.CENTER, S.FMT_SCORE),
                                ("score", S.CENTER, S.FMT_SCORE), ("reason", S.LEFT, None)):  # fmt: skip
            _input(ws, f"{getattr(c, key)}{r}", getattr(ind, key), align=align, fmt=fmt)
        if is_budget:
            budget_rows.append(r)
            if ind.actual is None:
                _put(ws, f"{c.actual}{r}", F.budget_actual(form), S.computed, fmt=S.FMT_POINTS)
            ws[f"{c.suggested}{r}"].value = F.budget_suggested(form, r)
            ws[f"{c.check}{r}"].value = F.budget_check(form, r)
        else:
            ws[f"{c.suggested}{r}"].value = F.suggested(form, r)
            ws[f"{c.check}{r}"].value = F.check(form, r)
        ws[f"{c.helper}{r}"].value = F.helper(form, r)
        _put(ws, f"{c.suggested}{r}", ws[f"{c.suggested}{r}"].value, S.computed, fmt=S.FMT_SUGGESTED)
        _put(ws, f"{c.check}{r}", ws[f"{c.check}{r}"].value, S.computed, align=S.LEFT, size=9, color="C00000")
        _fit(ws, r, [(ind.level2, c.level2), (ind.name, c.name), (ind.target, c.target), (ind.unit, c.unit),
                     (ind.actual, c.actual), (ind.reason, c.reason)])  # fmt: skip
    for start, end in runs:  # a merged 一级 label must fit in its rows
        text = ws[f"{c.level1}{first + start}"].value
        need = _height(_lines(text, WIDTHS[c.level1]))
        have = sum(ws.row_dimensions[first + i].height for i in range(start, end + 1))
        if have < need:
            for i in range(start, end + 1):
                ws.row_dimensions[first + i].height = round(
                    ws.row_dimensions[first + i].height * need / have, 1
                )
    return tuple(budget_rows)


def _totals_block(ws: Worksheet, row: int, form: F.Form, typed_total: object) -> tuple[int, int, int]:
    """总分 (Σ分值, 总分, 建议总分, 校验提示), 核定总分 and 等级. Returns their rows."""
    c = COL
    total, capped, grade = row, row + 1, row + 2
    for r, label in ((total, L.TOTAL), (capped, CAPPED_TOTAL), (grade, L.GRADE)):
        _put(ws, f"A{r}", label, S.label, merge=f"G{r}", head=True)
        ws.row_dimensions[r].height = 20
    score_ref = f"{c.score}{total}"
    _put(ws, f"{c.weight}{total}", F.weight_total(form), S.computed, fmt=S.FMT_SCORE)
    if typed_total is None:
        _put(ws, score_ref, F.score_total(form), S.input_cell, fmt=S.FMT_SCORE)
    else:
        _input(ws, score_ref, typed_total, fmt=S.FMT_SCORE)
    ws[score_ref].font = S.font(11, bold=True)
    _put(ws, f"{c.reason}{total}", None, S.computed)
    _put(ws, f"{c.suggested}{total}", F.suggested_total(form), S.computed, fmt=S.FMT_SUGGESTED)
    recomputed = f"{c.helper}{total}"  # 复核总分, hidden: 总分 may be typed over
    ws[recomputed].value = F.score_total(form)
    _put(ws, f"{c.check}{total}", F.total_check(form, score_ref, recomputed), S.computed, align=S.LEFT, size=9,
         color="C00000")  # fmt: skip
    # 核定总分 and 等级: from the cells above
    gate = f"{c.helper}{capped}"
    ws[gate].value = F.out_of_range_rows(form, total)
    _put(ws, f"{c.weight}{capped}", None, S.computed)
    _put(ws, f"{c.score}{capped}", F.capped_total(form, recomputed, gate), S.computed, fmt=S.FMT_SCORE)
    ws[f"{c.score}{capped}"].font = S.font(11, bold=True)
    _put(ws, f"{c.reason}{capped}", F.cap_note(form), S.computed, align=S.LEFT)
    _put(ws, f"{c.suggested}{capped}", F.capped_suggested(form, f"{c.suggested}{total}"), S.computed,
         fmt=S.FMT_SUGGESTED)  # fmt: skip
    _put(ws, f"{c.weight}{grade}", None, S.computed)
    _put(ws, f"{c.score}{grade}", F.grade(form, f"{c.score}{capped}"), S.computed)
    ws[f"{c.score}{grade}"].font = S.font(11, bold=True)
    _put(ws, f"{c.reason}{grade}", None, S.computed)
    _put(ws, f"{c.suggested}{grade}", F.grade(form, f"{c.suggested}{capped}"), S.computed)
    # which figure counts (on screen, beside the 建议得分 column it speaks of)
    _put(ws, f"{c.check}{grade}", GRADE_NOTE, S.computed, align=S.LEFT, size=9)
    return total, capped, grade


def _signing_block(ws: Worksheet, row: int) -> int:
    """The signing lines under the form (填报人 and 联系电话 from 单位信息). Returns the last row."""
    unit_sheet = quote_sheet(L.UNIT_SHEET)
    sources = {"filler": f"{unit_sheet}!$B$5", "phone": f"{unit_sheet}!$B$6"}
    ws.row_dimensions[row].height = 10  # a gap above the signatures
    for i, line in enumerate(SIGN_LINES):
        r = row + 1 + i
        for (label, source), (lab_col, lab_end, val_col, val_end) in zip(line, SIGN_COLS, strict=True):
            if source == "stamp":
                _put(ws, f"{lab_col}{r}", label, S.label, merge=f"{val_end}{r}", border=S.NO_BORDER,
                     align=S.RIGHT)  # fmt: skip
                continue
            _put(
                ws, f"{lab_col}{r}", label, S.label, merge=f"{lab_end}{r}", border=S.NO_BORDER, align=S.RIGHT
            )
            value = F.ref_value(sources[source]) if source else None
            _put(
                ws,
                f"{val_col}{r}",
                value,
                S.input_cell,
                merge=f"{val_end}{r}",
                border=S.SIGN_LINE,
                align=S.LEFT,
            )
        ws.row_dimensions[r].height = 24
    return row + len(SIGN_LINES)


def _tool_area(ws: Worksheet) -> None:
    """The legend and a note in the tool's columns (K:L) beside the title: on screen, not printed."""
    _put(ws, "K1", "说明（不打印）", S.label, merge="L1", border=S.NO_BORDER, head=True)
    for i, (swatch, text, explain) in enumerate(LEGEND):
        r = 2 + i
        _put(ws, f"K{r}", text, swatch)
        _put(ws, f"L{r}", explain, S.label, border=S.NO_BORDER, align=S.LEFT, size=9)
    ws["K2"].protection = S.LOCKED  # a swatch, not an input
    _put(ws, "K5", TOOL_NOTE, S.note, merge="L8", border=S.NO_BORDER)


def _validations(ws: Worksheet, lay: SheetLayout, preset: Preset) -> None:
    c, first, last = COL, lay.first_row, lay.last_row

    def col(key: str) -> str:
        letter = getattr(c, key)
        return f"{letter}{first}:{letter}{last}"

    def stop(dv: DataValidation, title: str, error: str, prompt: str) -> DataValidation:
        dv.errorStyle, dv.errorTitle, dv.error = "stop", "输入有误", error
        dv.promptTitle, dv.prompt = title, prompt
        dv.showErrorMessage = dv.showInputMessage = True
        ws.add_data_validation(dv)
        return dv

    def warn_list(values: Sequence[str], title: str, prompt: str) -> DataValidation:
        dv = DataValidation(type="list", formula1='"' + ",".join(values) + '"', allow_blank=True)
        dv.errorStyle, dv.errorTitle, dv.error = "warning", "输入提示", f"建议从下拉列表中选择{title}。"
        dv.promptTitle, dv.prompt = title, prompt
        dv.showErrorMessage = dv.showInputMessage = True
        ws.add_data_validation(dv)
        return dv

    g = f"{c.actual}{first}"
    r = str(first)
    warn_list([L.level1_label(k, preset.weights[k]) for k in L.SECTIONS if k in preset.weights], "一级指标",
              "产出、预算执行率、效益、满意度指标").add(col("level1"))  # fmt: skip
    warn_list([n for k in L.SECTIONS for n in L.LEVEL2_NAMES[k]], "二级指标", "从下拉列表选择二级指标").add(
        col("level2")
    )
    stop(DataValidation(type="list", formula1='"' + ",".join(F.SIGNS) + '"', allow_blank=True), "计算符号",
         "请从下拉列表中选择计算符号：≥、≤、=、定性。", "≥ 越高越好；≤ 越低越好（如成本）；= 等于；定性：达成/部分达成/未达成").add(col("kind"))  # fmt: skip
    stop(DataValidation(type="custom", formula1=f'OR(ISNUMBER({c.target}{r}),${c.kind}{r}="定性")', allow_blank=True),
         "年度指标值", "年度指标值应为数字，单位填在“度量单位”列（如 95 和 %）；计算符号为“定性”时可填文字。",
         "填数字，如 95；单位写在“度量单位”列").add(col("target"))  # fmt: skip
    levels = ",".join(f'{g}="{lv}"' for lv in L.QUALITATIVE_LEVELS)
    stop(DataValidation(type="custom", formula1=f'OR(ISNUMBER({g}),AND(${c.kind}{r}="定性",OR({levels})))',
                        allow_blank=True),
         "实际完成值", "实际完成值应为数字（单位同年度指标值）；定性指标填“达成”“部分达成”或“未达成”。",
         "定量指标填数字；定性指标填：达成、部分达成、未达成").add(col("actual"))  # fmt: skip
    stop(DataValidation(type="decimal", operator="between", formula1="0.01", formula2="100", allow_blank=True),
         "分值", "分值应为大于 0、不超过 100 的数字。", "该指标的分值（数字）").add(col("weight"))  # fmt: skip
    s, w = f"{c.score}{r}", f"${c.weight}{r}"
    stop(DataValidation(type="custom", formula1=f"AND(ISNUMBER({s}),{s}>=0,OR(NOT(ISNUMBER({w})),{s}<={w}))",
                        allow_blank=True),
         "自评得分", "自评得分应为 0 至该行分值之间的数字。", "填数字，不超过该行分值").add(col("score"))  # fmt: skip
    amounts = stop(DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0", allow_blank=True),
                   "金额", "金额应为以万元为单位的数字，不小于 0。", "单位：万元，填数字")  # fmt: skip
    for key, (c0, _) in FUNDS_COLS.items():
        if key != "rate":
            amounts.add(f"{c0}{lay.funds_row}:{c0}{lay.funds_row + len(lay.part_rows)}")
    rate = stop(DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0", allow_blank=True),
                "总体完成率", "总体完成率应为数字或百分数（如 95%）。", "如 100%")  # fmt: skip
    rate.add(f"J{lay.goal_rows[0]}:J{lay.goal_rows[-1]}")


def _page_setup(ws: Worksheet, *, landscape: bool, last_col: str, last_row: int, fit_height: int = 0) -> None:
    """A4, one page wide (a long form runs on, its header repeated), centred, page numbers; the fills are
    for the screen (black and white)."""
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = fit_height
    ws.page_setup.blackAndWhite = True
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.45
    ws.page_margins.top = ws.page_margins.bottom = 0.5
    ws.page_margins.header = ws.page_margins.footer = 0.25
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


def _project_sheet(
    ws: Worksheet, preset: Preset, data: ProjectData, style: str, defaults: UnitData
) -> SheetLayout:
    """One 项目支出绩效自评表, block by block."""
    ws.sheet_view.showGridLines = False
    for col, w in WIDTHS.items():
        ws.column_dimensions[col].width = w
    row = _title_block(ws, f"{quote_sheet(L.UNIT_SHEET)}!$B$4")
    unit = data.unit if data.unit is not None else defaults.name
    department = data.department if data.department is not None else defaults.department
    row = _basic_block(ws, row, data, unit, department)
    funds_rows = list(data.funds) if data.funds else default_funds()
    funds_total = row + 2  # the section row, the header row
    rate_ref = f"${FUNDS_COLS['rate'][0]}${funds_total}"
    row, funds_total, parts = _funds_block(ws, row, funds_rows, style)
    row, goal_rows = _goals_block(ws, row, data.goals)
    row = _section_row(ws, row, L.SEC_INDICATORS)
    head = row
    form = F.Form(header_row=head, rate=rate_ref, preset=preset, style=style)
    _indicator_header(ws, head)
    rows = list(data.indicators) if data.indicators else template_rows(preset)
    first, last = head + 1, head + len(rows)
    budget_rows = _indicator_block(ws, first, rows, data, form)
    total, capped, grade = _totals_block(ws, last + 1, form, data.total)
    last_printed = _signing_block(ws, grade + 1)
    _tool_area(ws)
    ws.column_dimensions[COL.helper].hidden = True
    lay = SheetLayout(ws.title, "B4", funds_total, parts, goal_rows, head, first, last, budget_rows, total,
                      capped, grade, last_printed)  # fmt: skip
    _validations(ws, lay, preset)
    _page_setup(ws, landscape=False, last_col=PRINTED[-1], last_row=last_printed)
    ws.print_title_rows = f"{head}:{head}"
    _protect(ws)
    ws.sheet_view.selection[0].activeCell = "B4"
    ws.sheet_view.selection[0].sqref = "B4"
    return lay


# --- the other sheets -------------------------------------------------------------------------------


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
        _input(ws, f"B{r}", val, fmt=S.FMT_TEXT, align=S.LEFT)
        ws.row_dimensions[r].height = 24
    _put(ws, "A7", L.UNIT_PRESET, S.label, head=True)
    _put(ws, "B7", preset.title, S.computed, align=S.LEFT)
    ws.row_dimensions[7].height = 24
    year = DataValidation(
        type="decimal", operator="between", formula1="1990", formula2="2100", allow_blank=True
    )
    year.errorStyle, year.errorTitle, year.error = "warning", "输入提示", "年度应为四位年份，例如 2020。"
    year.promptTitle, year.prompt = "年度", "填写四位年份，例如 2020"
    year.showErrorMessage = year.showInputMessage = True
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
    _page_setup(ws, landscape=False, last_col="B", last_row=8 + len(HOWTO))
    _protect(ws)


SECTION_HEADS = {k: L.SECTION_NAMES[k].removesuffix("指标") + "得分" for k in L.SECTIONS}


def summary_columns() -> list[tuple[str, float]]:
    """The 项目汇总 sheet's columns (header, width)."""
    cols = [("序号", 5), ("工作表", 9), (L.PROJECT_NAME, 30), (L.BUDGET, 11), (L.ARRIVED, 11),
            (L.EXECUTED, 11), ("执行率", 8)]  # fmt: skip
    cols += [(SECTION_HEADS[k], 8) for k in L.SECTIONS]
    cols += [(TOTAL_REPORTED.name, 8), (CAPPED_TOTAL, 8), (L.GRADE, 6)]
    return cols


def _summary_sheet(ws: Worksheet, layouts: Sequence[SheetLayout], names: Sequence[object] = ()) -> None:
    ws.sheet_view.showGridLines = False
    columns = summary_columns()
    letters = [get_column_letter(i + 1) for i in range(len(columns))]
    last_col = letters[-1]
    for col, (_, w) in zip(letters, columns, strict=True):
        ws.column_dimensions[col].width = w
    _put(ws, "A1", L.SUMMARY_SHEET, S.title, merge=f"{last_col}1", border=S.NO_BORDER, size=16)
    ws.row_dimensions[1].height = 34
    unit = quote_sheet(L.UNIT_SHEET)
    _put(ws, "A2", F.unit_line(f"{unit}!$B$2", f"{unit}!$B$4"), S.label, merge="F2", border=S.NO_BORDER,
         align=S.LEFT)  # fmt: skip
    _put(ws, "G2", "金额单位：万元", S.label, merge=f"{last_col}2", border=S.NO_BORDER, align=S.RIGHT, size=9)
    for col, (lab, _) in zip(letters, columns, strict=True):
        _put(ws, f"{col}3", lab, S.label, head=True)
    ws.row_dimensions[3].height = 30
    for i, lay in enumerate(layouts):
        r = 4 + i
        sheet = quote_sheet(lay.sheet)
        q = sheet + "!"
        _put(ws, f"A{r}", i + 1, S.label)
        _put(ws, f"B{r}", lay.sheet, S.label)
        cells = [
            (F.ref_value(q + lay.name), None, S.LEFT),
            *(
                (F.number_or_see(q + lay.funds(k)), S.FMT_AMOUNT, S.CENTER)
                for k in ("budget", "arrived", "executed")
            ),
            (F.ref_value(q + lay.rate), S.FMT_RATE, S.CENTER),
            *((F.section_subtotal(sheet, k), S.FMT_SCORE, S.CENTER) for k in L.SECTIONS),
            (F.number_or_see(q + lay.total), S.FMT_SCORE, S.CENTER),
            (F.ref_value(q + lay.capped), S.FMT_SCORE, S.CENTER),
            (F.ref_value(q + lay.grade), None, S.CENTER),
        ]
        for col, (text, fmt, align) in zip(letters[2:], cells, strict=True):
            _put(ws, f"{col}{r}", text, S.computed, fmt=fmt, align=align)
        name = names[i] if i < len(names) else None
        ws.row_dimensions[r].height = max(22, _height(_lines(name, 30)))
    last = 3 + len(layouts)
    tr = last + 1
    _put(ws, f"A{tr}", "合计", S.label, merge=f"C{tr}", head=True)
    for col in "DEF":
        _put(ws, f"{col}{tr}", F.sum_column(f"{col}4:{col}{last}"), S.computed, fmt=S.FMT_AMOUNT)
    _put(ws, f"G{tr}", F.rate_total(f"F4:F{last}", f"D4:D{last}"), S.computed, fmt=S.FMT_RATE)
    _put(ws, f"H{tr}", None, S.computed, merge=f"{last_col}{tr}")
    ws.row_dimensions[tr].height = 22
    ws.freeze_panes = "A4"
    ws.print_title_rows = "3:3"
    _page_setup(ws, landscape=True, last_col=last_col, last_row=tr)
    _protect(ws)


def _meta_sheet(wb: Workbook, preset: Preset) -> None:
    ws = wb.create_sheet(L.META_SHEET)
    rows = (
        ("template_version", TEMPLATE_VERSION),
        ("preset", preset.name),
        ("preset_title", preset.title),
        ("generator", f"xlperf {__version__}"),
        ("layout", LAYOUT),
    )
    for r, (k, v) in enumerate(rows, start=1):
        ws.cell(r, 1, k)
        ws.cell(r, 2, v).data_type = "s"
    ws.sheet_state = "veryHidden"
    _protect(ws)
    wb.defined_names["xlperf_template_version"] = DefinedName(
        "xlperf_template_version", attr_text=f"{quote_sheet(L.META_SHEET)}!$B$1"
    )


def _names(wb: Workbook, preset: Preset) -> None:
    """The lists and the preset's numbers the formulas name (名称管理器)."""
    for name, value in F.names(preset).items():
        wb.defined_names[name] = DefinedName(name, attr_text=value)


# --- public -----------------------------------------------------------------------------------------


def build_template(
    preset: Preset,
    projects: int = 3,
    unit: UnitData | None = None,
    data: Sequence[ProjectData] | None = None,
    formulas: str = "native",
) -> Workbook:
    """The template workbook for ``preset`` with ``projects`` project sheets (or one per ``data`` item,
    filled with its values). ``formulas`` is the formula style ("native" or "xlwings")."""
    if formulas not in F.STYLES:
        raise ValueError(f"unknown formula style {formulas!r}; one of {F.STYLES}")
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
    # no fullCalcOnLoad: the file's calcId is older than any Excel's, so Excel computes it once on open
    wb.calculation.fullCalcOnLoad = None
    unit_ws = wb.active
    unit_ws.title = L.UNIT_SHEET
    _unit_sheet(unit_ws, preset, unit)
    summary_ws = wb.create_sheet(L.SUMMARY_SHEET)
    defaults = UnitData(name=unit.name if unit.name not in (None, "") else None,
                        department=unit.department if unit.department not in (None, "") else None)  # fmt: skip
    layouts = []
    for i, pdata in enumerate(data, start=1):
        ws = wb.create_sheet(f"{L.PROJECT_SHEET_PREFIX}{i}")
        layouts.append(_project_sheet(ws, preset, pdata, formulas, defaults))
    _summary_sheet(summary_ws, layouts, [p.name for p in data])
    _meta_sheet(wb, preset)
    _names(wb, preset)
    wb.active = 0
    return wb


@dataclass(frozen=True)
class EmptyForm:
    """An empty form as the template writes it: values and formulas from A1, merged ranges, column widths
    (fills and borders are the template's job). For 新增项目表 without a 自评表 to copy (Excel and WPS)."""

    rows: list[list[object]]
    merges: list[str]
    widths: dict[str, float]  # column letter -> width


def empty_form(name: str, preset: Preset) -> EmptyForm:
    scratch = Workbook().active
    scratch.title = name
    _project_sheet(scratch, preset, ProjectData(), "native", UnitData())
    rows = [[c.value for c in row] for row in scratch.iter_rows()]
    widths = {col: dim.width for col, dim in scratch.column_dimensions.items() if dim.width}
    return EmptyForm(rows, [str(r) for r in scratch.merged_cells.ranges], widths)


_ROW_LABELS = {L.TOTAL: "total", CAPPED_TOTAL: "capped", L.GRADE: "grade"}


def _is_budget_formula(text: object) -> bool:
    """Whether a 建议得分 cell holds the 预算执行率 row's formula (either style)."""
    return isinstance(text, str) and ("XP_BUDGET_SCORE" in text or '{"预算执行","执行率"}' in text)


def project_layouts(wb: Workbook) -> list[SheetLayout]:
    """Not stored: where things are on a built workbook's project sheets, found by the labels (for tests
    and tools)."""
    out = []
    for ws in wb.worksheets:
        if not ws.title.startswith(L.PROJECT_SHEET_PREFIX):
            continue
        col_a = {r: ws.cell(r, 1).value for r in range(1, ws.max_row + 1)}
        funds = next(r for r, v in col_a.items() if v == D_FUNDS_TOTAL)
        goals_head = next(r for r in col_a if ws.cell(r, 2).value == D_GOAL_EXPECTED)
        head = next(r for r, v in col_a.items() if v == L.COL_LEVEL1)
        rows = {
            key: next(r for r, v in col_a.items() if r > head and v == label)
            for label, key in _ROW_LABELS.items()
        }
        parts = tuple(range(funds + 1, goals_head - 1))
        goals = tuple(range(goals_head + 1, head - 1))
        budget = tuple(
            r for r in range(head + 1, rows["total"]) if _is_budget_formula(ws[f"{COL.suggested}{r}"].value)
        )
        last_printed = int(str(ws.print_area).rsplit("$", 1)[-1]) if ws.print_area else rows["grade"]
        out.append(SheetLayout(ws.title, "B4", funds, parts, goals, head, head + 1, rows["total"] - 1, budget,
                               rows["total"], rows["capped"], rows["grade"], last_printed))  # fmt: skip
    return out


_MODIFIED = re.compile(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)")
_ZIP_TIME = (2020, 1, 1, 0, 0, 0)
_CHAR_REF = re.compile(rb"&#(\d{3,7});")


def _utf8(match: re.Match) -> bytes:
    """A numeric character reference of a character above ASCII, as the UTF-8 bytes it stands for: the
    same XML, a Chinese character in 3 bytes instead of 8 (openpyxl writes every one as "&#39033;")."""
    code = int(match.group(1))
    if code < 0x80 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF or code in (0xFFFE, 0xFFFF):
        return match.group(0)
    return chr(code).encode("utf-8")


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
            if info.filename.endswith(".xml"):
                content = _CHAR_REF.sub(_utf8, content)
            zi = zipfile.ZipInfo(info.filename, date_time=_ZIP_TIME)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.create_system = 0
            zi.external_attr = 0
            dst.writestr(zi, content)
    return out.getvalue()


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
