"""Worksheet functions (UDFs) of the xlperf add-in, one thin call into the core each.

Names are ASCII with the prefix ``XP_`` (the add-in builder generates VBA wrappers from them, and VBA
names must be ASCII); the docstring of each function is the Chinese description Excel shows in the
Insert Function dialog (category 绩效自评), and every argument has a Chinese ``doc``. English notes for
developers are comments above each function, so the docstrings stay what users read.

What Excel passes, and what these functions accept (tested as plain functions on any OS):
- a blank cell: ``None``; a number: ``float``; text: ``str`` ("100%", "≥95%", "2万元", "达成");
- an error cell: its text ("#DIV/0!", with ``err_to_str``) or xlwings' integer error code;
- a range: a 1-D list (one row or column) or a 2-D list; scalars where one cell was given.

Every function returns ``""`` for what cannot be computed and never raises into Excel (an exception
would show as a #VALUE! with an English traceback in the cell).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import xlwings as xw
from openpyxl.utils.cell import column_index_from_string, coordinate_from_string

from xlperf import presets
from xlperf.core import labels as L
from xlperf.core.engine import check_project
from xlperf.core.evaluate import evaluate
from xlperf.core.findings import sort_key
from xlperf.core.grid import Grid, ref
from xlperf.core.model import Cell, Funds, Indicator, Project
from xlperf.core.parser import is_project_sheet, parse_project
from xlperf.core.scoring import execution_rate, score_budget_rate, suggest_raw
from xlperf.core.values import as_fraction, parse, with_unit
from xlperf.layouts import shipped
from xlperf.presets import Preset

CATEGORY = "绩效自评"
TABLE_HEADER = ["位置", "规则", "说明"]
NO_FINDINGS = "未发现问题"

# Excel's error values as the integers pywin32 hands over when err_to_str is off (xlwings' table)
XL_ERROR_CODES = {
    -2146826281: "#DIV/0!",
    -2146826246: "#N/A",
    -2146826259: "#NAME?",
    -2146826288: "#NULL!",
    -2146826252: "#NUM!",
    -2146826265: "#REF!",
    -2146826273: "#VALUE!",
}

# the cells of the one-row project XP_ROWCHECK builds: the template's columns, row 1
_ROW_REFS = dict(zip(L.INDICATOR_COLUMNS, (f"{c}1" for c in "ABCDEFGHIJK"), strict=True))
_ROW_NAME = "本行指标"
_UNIT_REF = "Y1"  # the one-row project's 度量单位 (never reported)
_RATE_BUDGET_REF = "Z1"  # the 1.0 budget of the synthetic funds block (never reported: not a row cell)
_RATE_EXECUTED_REF = "Z2"


# --- argument cleaning ---------------------------------------------------------------------------


def _clean(x: object) -> object:
    """One value as the core reads it: error codes and error texts become unreadable text."""
    if isinstance(x, bool):
        return x
    if isinstance(x, int) and x in XL_ERROR_CODES:
        return XL_ERROR_CODES[x]
    if isinstance(x, float) and not math.isfinite(x):
        return "#NUM!"
    return x


def _scalar(x: object) -> object:
    """The first cell of whatever was passed (a scalar, a 1-D or a 2-D list)."""
    while isinstance(x, (list, tuple)):
        if not x:
            return None
        x = x[0]
    return _clean(x)


def _column(x: object) -> list[object]:
    """A range as one flat list, row by row (a column, a row or a 2-D block read row-major)."""
    if not isinstance(x, (list, tuple)):
        return [_clean(x)]
    out: list[object] = []
    for item in x:
        if isinstance(item, (list, tuple)):
            out.extend(_clean(v) for v in item)
        else:
            out.append(_clean(item))
    return out


def _rows(x: object) -> list[list[object]]:
    """A range as a 2-D list (a scalar is one cell, a 1-D list one row)."""
    if not isinstance(x, (list, tuple)):
        return [[_clean(x)]]
    if x and all(isinstance(r, (list, tuple)) for r in x):
        return [[_clean(v) for v in r] for r in x]
    return [[_clean(v) for v in x]]


def _number(x: object) -> float | None:
    return parse(_scalar(x)).number


def _out(x: float | None, digits: int = 4) -> float | str:
    return "" if x is None or not math.isfinite(x) else round(x, digits)


@functools.lru_cache(maxsize=16)
def _preset_named(name: str) -> Preset:
    if name in presets.available():
        return presets.load(name)
    for known in presets.available():
        p = presets.load(known)
        if name in (p.title, p.name) or (p.title and name.startswith(p.title[:2])):
            return p
    return presets.load(name)  # a path to a user's .toml (raises PresetError when unknown)


def _preset(name: object) -> Preset:
    """The preset named in a cell (its name, its title or a .toml path); blank means ``national``."""
    text = _scalar(name)
    text = "" if text is None else str(text).strip()
    return _preset_named(text or "national")


def _section_key(section: object) -> str | None:
    text = _scalar(section)
    if text is None:
        return None
    s = str(text).strip()
    return s if s in L.SECTIONS else L.section_of(s)


def _never_raise(fallback: Callable[[], Any] = lambda: "") -> Callable:
    """Turn any exception into ``fallback()``: Excel must get a value, never a Python traceback."""

    def deco(fn: Callable) -> Callable:
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            try:
                return fn(*args, **kwargs)
            except Exception:  # noqa: BLE001 - a cell function must not raise
                return fallback()

        return wrapper

    return deco


def _err_arg(name: str, doc: str) -> Callable:
    # err_to_str: an error cell arrives as "#DIV/0!" (readable in messages) rather than as None
    return xw.arg(name, doc=doc, err_to_str=True)


def _range_arg(name: str, doc: str) -> Callable:
    # ndim=2: a one-cell or one-row range still arrives as a 2-D list
    return xw.arg(name, doc=doc, ndim=2, err_to_str=True)


_PRESET_DOC = "评分方案：national（全国通用）、shaanxi（陕西）或方案文件路径；省略时用全国通用方案"


# --- single-cell functions -----------------------------------------------------------------------


# Scoring rule 1: r = E / B.
@xw.func(category=CATEGORY)
@_err_arg("executed", "执行数（万元）")
@_err_arg("budget", "预算数（万元）")
@_never_raise()
def XP_RATE(executed, budget):  # noqa: N802 - Excel function names are upper case
    """预算执行率：执行数 ÷ 预算数（预算数为空或为 0 时返回空）。"""
    return _out(execution_rate(_number(budget), _number(executed)), 6)


# Scoring rules 2-5 through scoring.suggest_raw: the same number as the 建议得分 of `xlperf validate`.
@xw.func(category=CATEGORY)
@_err_arg("kind", "指标类型：正向、反向、等于或定性；为空时按预期指标值推断")
@_err_arg("target", "预期指标值，如 100%、≥95%、≤50万元、达成")
@_err_arg("actual", "实际完成值，如 98%、1200人、部分达成")
@_err_arg("weight", "该指标的分值")
@xw.arg("preset", doc=_PRESET_DOC)
@_err_arg("unit", "度量单位（可省略），如 %、个、万元；指标值与单位分列时填写")
@_never_raise()
def XP_SCORE(kind, target, actual, weight, preset=None, unit=None):  # noqa: N802
    """按指标类型计算一项绩效指标的建议得分（正向、反向、等于、定性）；无法计算时返回空。"""
    return _out(
        suggest_raw(
            _scalar(kind), _scalar(target), _scalar(actual), _scalar(weight), _preset(preset), _scalar(unit)
        )
    )


# Scoring rule 1: min(r, 1) x W; a rate written as 95 means 95%.
@xw.func(category=CATEGORY)
@_err_arg("rate", "预算执行率，如 0.95 或 95%")
@_err_arg("weight", "预算执行率指标的分值")
@_never_raise()
def XP_BUDGET_SCORE(rate, weight):  # noqa: N802
    """预算执行率指标得分：min(执行率, 1) × 分值。"""
    r = as_fraction(parse(_scalar(rate)), parse("100%"))
    return _out(score_budget_rate(r, _number(weight)))


# The sum of the 自评得分 of one 一级 section; the 一级 column may be merged (only its first cell set).
@xw.func(category=CATEGORY)
@_range_arg("level1_range", "一级指标列（可含合并单元格）")
@_range_arg("score_range", "自评得分列，与一级指标列等高")
@xw.arg("section", doc="一级指标：产出、预算执行率、效益、满意度，或一级指标名称")
@_never_raise()
def XP_SUBTOTAL(level1_range, score_range, section):  # noqa: N802
    """一级指标小计：某一级指标下各项自评得分之和。"""
    key = _section_key(section)
    if key is None:
        return ""
    current: str | None = None
    total = 0.0
    for label, score in zip(_column(level1_range), _column(score_range), strict=False):
        if isinstance(label, str) and L.norm(label):
            current = L.section_of(label)
        s = parse(score).number
        if current == key and s is not None:
            total += s
    return round(total, 6)


# evaluate.total_recomputed: the sum of every score written as a number.
@xw.func(category=CATEGORY)
@_range_arg("score_range", "自评得分列")
@_never_raise()
def XP_TOTAL(score_range):  # noqa: N802
    """总分：各项指标自评得分之和（没有任何得分时返回空）。"""
    scores = [parse(v).number for v in _column(score_range)]
    scores = [s for s in scores if s is not None]
    return round(sum(scores), 6) if scores else ""


# Scoring rule 8 with the preset's bands.
@xw.func(category=CATEGORY)
@_err_arg("total", "总分")
@xw.arg("preset", doc=_PRESET_DOC)
@_never_raise()
def XP_GRADE(total, preset=None):  # noqa: N802
    """等级：按评分方案的分档给出优、良、中、差。"""
    return _preset(preset).grade(_number(total)) or ""


def _row_project(
    kind, target, actual, weight, score, reason, section, rate, preset: Preset, unit: object = None
) -> tuple[Project, Preset]:
    """A one-row project holding this indicator, so the rule catalogue itself checks the row."""

    def cell(col: str, raw: object, expect_text: bool = False) -> Cell:
        return Cell(_ROW_REFS[col], parse(_clean(raw), expect_text=expect_text))

    w = cell(L.COL_WEIGHT, weight)
    key = _section_key(section) or L.SECTION_OUTPUT
    # without a 分值 the row has no weight: no section keeps evaluate() from splitting the preset's
    # section weight over this single row
    sect = key if w.number is not None else None
    level1 = L.SECTION_NAMES[key] if sect else ""
    target_c, actual_c = cell(L.COL_TARGET, target, True), cell(L.COL_ACTUAL, actual, True)
    unit_c = Cell(_UNIT_REF, parse(_clean(unit), expect_text=True))
    if not unit_c.value.is_missing:  # the 度量单位 in a cell of its own: the values are read with it
        tv, av = with_unit(target_c.value, actual_c.value, unit_c.value.raw)
        target_c, actual_c = target_c._replace(value=tv), actual_c._replace(value=av)
    ind = Indicator(
        row=1,
        level1=level1,
        section=sect,
        level2=_ROW_NAME,
        name=Cell(_ROW_REFS[L.COL_LEVEL3], parse(_ROW_NAME, expect_text=True)),
        target=target_c,
        actual=actual_c,
        score=cell(L.COL_SCORE, score),
        weight=w,
        kind=cell(L.COL_KIND, kind, True),
        reason=cell(L.COL_REASON, reason, True),
        unit=unit_c,
    )
    budget = executed = Funds()
    r = parse(_clean(rate))
    r_num = as_fraction(r, parse("100%"))
    if r_num is not None:
        budget = Funds(Cell(_RATE_BUDGET_REF, parse(1.0)))
        executed = Funds(Cell(_RATE_EXECUTED_REF, parse(r_num)))
    return Project(sheet="", indicators=(ind,), budget=budget, executed=executed), preset


def _row_messages(
    kind, target, actual, weight, score, reason, section, rate, preset: Preset, unit: object = None
) -> str:
    if all(parse(_clean(x)).is_missing for x in (target, actual, score)):
        return ""  # a row not filled in yet
    project, preset = _row_project(kind, target, actual, weight, score, reason, section, rate, preset, unit)
    row_cells = set(_ROW_REFS.values())
    out = []
    for f in check_project(evaluate(project, preset), preset):
        if f.cell in row_cells:
            out.append(f"[{f.rule}] {_without_where(f.message, f.where)}")
    return "\n".join(dict.fromkeys(out))


def _without_where(text: str, where: str) -> str:
    """A finding's message without its location (the cell or the table shows where it is)."""
    if text.startswith(where + " "):
        return text[len(where) + 1 :]
    return text.lstrip()


# The row-level rules of the catalogue (XP002-XP005, XP008, XP009, XP011, XP013-XP015) on one row.
@xw.func(category=CATEGORY)
@_err_arg("kind", "指标类型：正向、反向、等于或定性")
@_err_arg("target", "预期指标值")
@_err_arg("actual", "实际完成值")
@_err_arg("weight", "分值")
@_err_arg("score", "自评得分")
@_err_arg("reason", "偏差原因分析及改进措施")
@xw.arg("section", doc="一级指标（可省略）：产出、预算执行率、效益、满意度")
@_err_arg("rate", "预算执行率（可省略，仅用于预算执行率指标行）")
@xw.arg("preset", doc=_PRESET_DOC)
@_err_arg("unit", "度量单位（可省略）：指标值与单位分列时填写")
@_never_raise()
def XP_ROWCHECK(kind, target, actual, weight, score, reason, section=None, rate=None, preset=None, unit=None):  # noqa: N802
    """一行绩效指标的校验提示（得分、分值、指标值、偏差原因等）；没有问题时返回空。"""
    return _row_messages(
        *(_scalar(x) for x in (kind, target, actual, weight, score, reason, section, rate)),
        _preset(preset),
        _scalar(unit),
    )


# --- array functions: one Python call for a whole column or table --------------------------------


def _table_rows(values: list[list[object]], row0: int, col0: int, preset: Preset) -> list[list[object]]:
    grid = Grid("表", values)
    if not is_project_sheet(grid, shipped()):
        return [TABLE_HEADER, ["", "", "所选区域不是项目支出绩效自评表（缺少“一级指标”“预算数”等表头）"]]
    project = parse_project(grid, shipped())
    findings = sorted(check_project(evaluate(project, preset), preset), key=sort_key)
    out: list[list[object]] = [TABLE_HEADER]
    for f in findings:
        cell = _shift(f.cell, row0, col0) if f.cell else ""
        out.append([cell, f.rule, _without_where(f.message, f.where)])
    if len(out) == 1:
        out.append(["", "", NO_FINDINGS])
    return out


def _shift(a1: str, row0: int, col0: int) -> str:
    """A grid-relative A1 reference moved to the sheet (the range started at row0, col0; 0-based)."""
    letters, row = coordinate_from_string(a1)
    return ref(row - 1 + row0, column_index_from_string(letters) - 1 + col0)


def _read_table(table: object) -> tuple[list[list[object]], int, int]:
    """Values and top-left offset of the table argument: an xlwings Range (one read) or plain values."""
    if hasattr(table, "options") and hasattr(table, "row"):
        values = table.options(ndim=2, err_to_str=True).value
        return _rows(values), table.row - 1, table.column - 1
    return _rows(table), 0, 0


# Parses the range with the core parser and runs the whole catalogue: the findings of `xlperf validate`
# for this sheet. Given as a Range (not values) so cell addresses are the sheet's, not the range's.
@xw.func(category=CATEGORY)
@xw.arg("table_range", xw.Range, doc="整张自评表的区域，例如 A1:K40")
@xw.arg("preset", doc=_PRESET_DOC)
@xw.ret(expand="table")
@_never_raise(lambda: [TABLE_HEADER, ["", "", "无法校验所选区域"]])
def XP_TABLECHECK(table_range, preset=None):  # noqa: N802
    """整张自评表的校验结果（位置、规则、说明），以区域数组返回。"""
    values, row0, col0 = _read_table(table_range)
    return _table_rows(values, row0, col0, _preset(preset))


def _columns(*ranges: object) -> list[list[object]]:
    cols = [_column(r) for r in ranges]
    n = max(len(c) for c in cols)
    return [c + [None] * (n - len(c)) for c in cols]


def _as_column(values: Iterable[object]) -> list[list[object]]:
    return [[v] for v in values]


def _column_fallback() -> list[list[object]]:
    return [[""]]


# XP_SCORE over whole columns: one call instead of one per row.
@xw.func(category=CATEGORY)
@_range_arg("kinds", "指标类型列")
@_range_arg("targets", "预期指标值列")
@_range_arg("actuals", "实际完成值列")
@_range_arg("weights", "分值列")
@xw.arg("preset", doc=_PRESET_DOC)
@xw.ret(expand="table")
@_never_raise(_column_fallback)
def XP_SCORES(kinds, targets, actuals, weights, preset=None):  # noqa: N802
    """一列指标的建议得分（与 XP_SCORE 相同的规则），以一列数组返回。"""
    p = _preset(preset)
    out = []
    for k, t, a, w in zip(*_columns(kinds, targets, actuals, weights), strict=True):
        try:
            out.append(_out(suggest_raw(k, t, a, w, p)))
        except Exception:  # noqa: BLE001 - one bad row must not blank the column
            out.append("")
    return _as_column(out)


# XP_ROWCHECK over whole columns.
@xw.func(category=CATEGORY)
@_range_arg("kinds", "指标类型列")
@_range_arg("targets", "预期指标值列")
@_range_arg("actuals", "实际完成值列")
@_range_arg("weights", "分值列")
@_range_arg("scores", "自评得分列")
@_range_arg("reasons", "偏差原因分析及改进措施列")
@_range_arg("level1_range", "一级指标列（可省略，可含合并单元格）")
@xw.arg("preset", doc=_PRESET_DOC)
@xw.ret(expand="table")
@_never_raise(_column_fallback)
def XP_ROWCHECKS(kinds, targets, actuals, weights, scores, reasons, level1_range=None, preset=None):  # noqa: N802
    """一列指标的校验提示（与 XP_ROWCHECK 相同的规则），以一列数组返回。"""
    p = _preset(preset)
    cols = _columns(kinds, targets, actuals, weights, scores, reasons)
    level1 = _carry_down(_column(level1_range), len(cols[0])) if level1_range is not None else None
    out = []
    for i, (k, t, a, w, s, r) in enumerate(zip(*cols, strict=True)):
        sec = level1[i] if level1 else None
        try:
            out.append(_row_messages(k, t, a, w, s, r, sec, None, p))
        except Exception:  # noqa: BLE001
            out.append("")
    return _as_column(out)


def _carry_down(labels: Sequence[object], n: int) -> list[str | None]:
    """The 一级 label of each row, carried down merged cells."""
    out: list[str | None] = []
    current: str | None = None
    for i in range(n):
        v = labels[i] if i < len(labels) else None
        if isinstance(v, str) and L.norm(v):
            current = v
        out.append(current)
    return out


__all__ = [
    "XP_BUDGET_SCORE",
    "XP_GRADE",
    "XP_RATE",
    "XP_ROWCHECK",
    "XP_ROWCHECKS",
    "XP_SCORE",
    "XP_SCORES",
    "XP_SUBTOTAL",
    "XP_TABLECHECK",
    "XP_TOTAL",
]
