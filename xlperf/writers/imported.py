"""``xlperf import``: a unit's forms moved onto the standard template, so the unit continues in Excel.

The source is any file the parser reads: a Word report (each 自评表 a table), or a workbook in any layout
(xlperf/layouts: a 四川 or national form, an 一体化 export, a workbook made with the previous template —
the upgrade). Every project becomes a 自评表 of the template with its values as written (faults kept: the
import copies, the checks report):

- the indicator rows in the template's structured cells: where the form keeps 计算符号/指标性质, 指标值 and
  度量单位 in cells of their own (四川, 一体化) they are copied as they are; where one cell holds "≥95%",
  it is split into ≥ ｜ 95 ｜ % (:func:`xlperf.core.restructure.structure`) when the cells read back to the
  same values, else kept as the text it was;
- the funds block's amounts and every 其中 row by its name (年初预算数, 全年预算数, 到位数, 全年执行数); the
  执行率 is the template's formula; a 执行率 typed differently goes into the 预算执行率 row's 实际完成值
  (what it states), where the checks compare it with the funds as before;
- a form without 分值 (the seed's): the weights its 一级 labels imply, split over the rows in use.

What has no place in the template is listed in the summary, with its text: the conclusion sentences,
columns the template lacks, 评价结论/存在问题/改进措施, a 年度预算调整 that is not 调整后 − 年初, a goal's
偏差原因, tables that are not 自评表.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from xlperf.core import labels as L
from xlperf.core.evaluate import evaluate
from xlperf.core.findings import fmt_pct
from xlperf.core.grid import Grid
from xlperf.core.layout import first_match
from xlperf.core.model import Cell, Funds, Indicator, Project, Workbook
from xlperf.core.names import shown_name
from xlperf.core.parser import indicator_head, layout_of, no_projects_reason, parse_workbook
from xlperf.core.restructure import structure
from xlperf.core.values import as_fraction, parse
from xlperf.errors import ReadError
from xlperf.layouts import load, shipped
from xlperf.presets import Preset
from xlperf.writers.template import (
    BUDGET_NAME,
    MAX_PROJECTS,
    FundsRow,
    IndicatorData,
    ProjectData,
    UnitData,
    save_template,
)

# the 一级 cell of rows a form gives no 一级 for (一体化's flat grid): the unit sorts them into 产出/效益/满意度
UNSORTED = "未分类指标"
_DIGITS = re.compile(r"-?\d+(?:\.\d+)?")
_TEMPLATE = load("template")
_PERCENT = parse("100%")
_PART_ENDINGS = ("资金", "拨款", "补助", "结转", "专户", "预算内", "收入")


@dataclass
class ImportedProject:
    table: str  # where it was (表2 in a report, a sheet's name in a workbook)
    sheet: str  # where it is in the new workbook (自评表2)
    name: str
    indicators: int
    total: str  # 总分 as written
    layout: str  # the form it was read as


@dataclass
class ImportResult:
    output: Path
    source: str
    unit: str
    year: str
    preset: str
    projects: list[ImportedProject] = field(default_factory=list)
    not_placed: list[str] = field(default_factory=list)  # what the template has no place for
    to_do: list[str] = field(default_factory=list)  # what the unit finishes on the template

    def lines(self) -> list[str]:
        """The summary a user reads after the import."""
        out = [
            f"已导入 {len(self.projects)} 个项目：{shown_name(self.source)} → {shown_name(self.output)}",
            f"单位：{self.unit or '（未识别）'}　年度：{self.year or '（未识别）'}　评分方案：{self.preset}",
        ]
        for p in self.projects:
            out.append(
                f"  {p.table} → {p.sheet}：{p.name or '（未填项目名称）'}，{p.indicators} 个指标，"
                f"总分 {p.total or '（空）'}（表样：{p.layout}）"
            )
        if self.to_do:
            out.append("请在模板中补充：")
            out += [f"  {x}" for x in self.to_do]
        if self.not_placed:
            out.append(f"未能放入模板的内容（{len(self.not_placed)} 项，请在原文件中查看）：")
            out += [f"  {x}" for x in self.not_placed]
        else:
            out.append("原文件中自评表的内容均已放入模板。")
        return out


def typed(cell: Cell) -> object:
    """A value as a user typing it into Excel gets it: digits become a number, the rest stays text."""
    raw = cell.value.raw
    if isinstance(raw, str):
        s = raw.strip()
        if _DIGITS.fullmatch(s):
            n = float(s)
            return int(n) if n.is_integer() and "." not in s else n
        return s
    return raw


def _written(cell: Cell) -> object:
    """A value the form holds, not a formula's (the template computes its own)."""
    return None if cell.formula else typed(cell)


# --- the funds block -------------------------------------------------------------------------------


def _part_label(name: str, first: bool) -> str:
    """A 其中 row's label the template's layout reads as one: "其中：" before the first, and before a name
    that does not say it is a source of funds."""
    known = first_match(L.norm(name), (*_TEMPLATE.funds.fiscal_rows, *_TEMPLATE.funds.other_rows))
    if first or not (known or name.endswith(_PART_ENDINGS)):
        return f"其中：{name}"
    return name


def _funds_rows(p: Project) -> list[FundsRow]:
    columns = {"initial": p.initial, "budget": p.budget, "arrived": p.arrived, "executed": p.executed}
    names: list[str] = []
    for f in columns.values():
        parts = f.parts or (f.breakdown if any(not c.value.is_blank for _, c in f.breakdown) else ())
        for part in parts:
            if part.label not in names:
                names.append(part.label)
    rows = [FundsRow("年度资金总额", *(_written(f.total) for f in columns.values()))]
    for i, name in enumerate(names or ["当年财政拨款", "上年结转资金", "其他资金"]):
        amounts = (_part(f, name) for f in columns.values())
        rows.append(FundsRow(_part_label(name, i == 0), *amounts))
    return rows


def _part(f: Funds, name: str) -> object:
    return next((typed(part.cell) for part in f.breakdown if part.label == name), None)


# --- the indicator rows ----------------------------------------------------------------------------


def _spare_rows(p: Project, grid: Grid | None) -> dict[int, tuple[str, str]]:
    """Rows of the indicator table the unit left unused but labelled (a 二级 with nothing else, as the
    seed's 生态效益指标 of its 4th table): 1-based row -> (一级 as carried down, 二级), so the workbook
    keeps the form's rows."""
    layout = layout_of(grid, shipped()) if grid is not None else None
    head = indicator_head(grid, layout) if grid is not None else None
    if head is None or not p.indicators:
        return {}
    texts = grid.row_texts(head[0])
    c1 = head[1]
    c2 = next((c for c, t in enumerate(texts) if first_match(t, layout.indicators.level2)), None)
    used = {ind.row for ind in p.indicators}
    out: dict[int, tuple[str, str]] = {}
    level1 = ""
    for r in range(head[0] + 1, max(used)):
        v1 = grid.value(r, c1)
        if isinstance(v1, str) and v1.strip():
            level1 = v1.strip()
        v2 = grid.value(r, c2) if c2 is not None else None
        if r + 1 not in used and isinstance(v2, str) and v2.strip():
            out[r + 1] = (level1, v2.strip())
    return out


def _row(ind: Indicator, p: Project, weight: float | None, progress: object) -> IndicatorData:
    level1 = ind.section if ind.section in L.SECTIONS else (ind.level1 or UNSORTED)
    structured = "kind" in p.columns and "unit" in p.columns
    if ind.is_budget_rate and ind.actual.ref is None:  # a funds block's own 分值/得分 (national, 四川)
        return IndicatorData(L.SECTION_BUDGET, "预算执行率", name=BUDGET_NAME, kind="≥", target=100, unit="%",
                             actual=progress, weight=weight, score=typed(ind.score), reason=typed(ind.reason))  # fmt: skip
    if structured:
        kind, target, unit, actual = (typed(c) for c in (ind.kind, ind.target, ind.unit, ind.actual))
    else:
        cells = structure(typed(ind.kind), typed(ind.target), typed(ind.actual))
        kind, target, unit, actual = cells.sign, cells.target, cells.unit, cells.actual
    if ind.is_budget_rate and ind.actual.formula:
        actual = None  # the previous template's formula: the template's own
    return IndicatorData(level1, ind.level2 or None, name=typed(ind.name), kind=kind, target=target, unit=unit,
                         actual=actual, weight=weight, score=typed(ind.score), reason=typed(ind.reason))  # fmt: skip


def project_data(p: Project, preset: Preset, grid: Grid | None = None) -> tuple[ProjectData, list[str]]:
    """A parsed project as the template's :class:`ProjectData`, and what of it has no place there."""
    result = evaluate(p, preset)
    weights = {r.indicator.row: r.weight for r in result.indicators}
    has_weights = "weight" in p.columns or any(i.weight.ref for i in p.indicators if not i.is_budget_rate)
    not_placed: list[str] = []
    progress = _typed_rate(p, result.rate, not_placed)
    labels: dict[str, str] = {}
    rows: list[IndicatorData] = []
    spare = _spare_rows(p, grid)
    items: list = sorted([(ind.row, ind) for ind in p.indicators] + list(spare.items()), key=lambda x: x[0])
    for _, ind in items:
        if isinstance(ind, tuple):
            key = L.section_of(ind[0])
            rows.append(IndicatorData(key or ind[0], ind[1]))
            continue
        if (
            ind.section is not None
            and ind.section in L.SECTIONS
            and not (ind.is_budget_rate and ind.actual.ref is None)
        ):
            labels.setdefault(ind.section, ind.level1)
        weight = typed(ind.weight) if has_weights or ind.weight.ref else None
        if weight is None and (not has_weights or (ind.is_budget_rate and ind.weight.ref is None)):
            # the weights the labels imply; a funds block's 预算执行率 without a 分值 cell: the preset's
            w = weights.get(ind.row)
            weight = None if w is None else (int(w) if float(w).is_integer() else w)
        rows.append(_row(ind, p, weight, progress))
    a, i, b = p.adjustment.total, p.initial.total.number, p.budget.total.number
    if (
        a.number is not None
        and i is not None
        and b is not None
        and abs(i + a.number - b) > preset.amount_tolerance
    ):
        not_placed.append(f"{p.sheet} 的年度预算调整 {a.text}（模板按全年预算数 − 年初预算数计，不单列）")
    for g in p.goals:
        if not g.reason.value.is_blank:
            not_placed.append(f"{p.sheet} 的目标偏差原因：“{g.reason.text[:60]}”（模板的目标表无此栏）")
    for part in p.remarks:
        if not part.cell.value.is_blank:
            not_placed.append(f"{p.sheet} 的{part.label}：“{part.cell.text[:60]}”（模板无此栏）")
    data = ProjectData(
        name=typed(p.name),
        unit=typed(p.unit),
        department=typed(p.department) if not p.department.value.is_blank else None,
        funds=_funds_rows(p),
        goals=[(typed(g.expected), typed(g.actual), typed(g.rate)) for g in p.goals],
        indicators=rows,
        total=_written(p.total) if not p.total.value.is_blank else None,
        level1_labels=labels,
    )
    return data, not_placed


def _typed_rate(p: Project, rate: float | None, not_placed: list[str]) -> object:
    """A 执行率 the form states in its funds block (the national form's, 四川's) in percentage points for
    the 预算执行率 row's 实际完成值: None where it is the template's formula (blank, a formula, or what the
    funds give)."""
    c = p.progress
    if c.formula or c.value.is_blank or c.ref is None:
        return None
    budget_rows = [i for i in p.indicators if i.is_budget_rate]
    if (
        budget_rows and budget_rows[0].actual.ref is not None
    ):  # the row states its own: the rate is a duplicate
        typed_rate = as_fraction(c.value, _PERCENT)
        if typed_rate is not None and rate is not None and abs(typed_rate - rate) > 0.005:
            not_placed.append(
                f"{p.sheet} 的预算执行进度 {c.text}（模板按执行数/预算数计算为 {fmt_pct(rate)}）"
            )
        return None
    typed_rate = as_fraction(c.value, _PERCENT)  # 97.48 under 预算执行率% is 97.48 %
    if typed_rate is None:
        not_placed.append(f"{p.sheet} 的执行率 {c.text}（模板按执行数/预算数计算）")
        return None
    if rate is not None and abs(typed_rate - rate) <= 0.005:
        return None
    return round(typed_rate * 100, 6)


def _unplaced_columns(grid: Grid) -> list[str]:
    layout = layout_of(grid, shipped())
    head = indicator_head(grid, layout)
    if head is None:
        return []
    placed = tuple(x for key in ("level1", "level2", "name", "kind", "target", "unit", "actual", "weight", "score",
                                 "suggested", "reason", "check") for x in getattr(layout.indicators, key))  # fmt: skip
    out = []
    for c, t in enumerate(grid.row_texts(head[0])):
        if t and c > head[1] and not first_match(t, placed) and not t.startswith("计算"):  # xlperf's helpers
            out.append(str(grid.value(head[0], c)).strip())
    return out


def import_grids(
    source: str, grids: list[Grid], output: str | Path, preset: Preset, *, overwrite: bool = False
) -> ImportResult:
    """Write the template filled with the projects of a file's grids; return what was done."""
    wb: Workbook = parse_workbook(source, grids, layouts=shipped())
    if not wb.projects:
        raise ReadError(no_projects_reason(wb))
    if len(wb.projects) > MAX_PROJECTS:
        raise ReadError(f"文件中有 {len(wb.projects)} 个自评表，超过模板上限 {MAX_PROJECTS} 个")
    by_name = {g.name: g for g in grids}
    result = ImportResult(Path(output), source, wb.unit.name, wb.unit.year, preset.title)
    data = []
    for i, p in enumerate(wb.projects, 1):
        grid = by_name.get(p.sheet)
        project, not_placed = project_data(p, preset, grid)
        data.append(project)
        unsorted = [row for row in project.indicators if row.level1 == UNSORTED]
        if unsorted:
            what = "一级指标" if any(row.level2 for row in unsorted) else "一级、二级指标"
            result.to_do.append(
                f"{L.PROJECT_SHEET_PREFIX}{i}：原表没有{what}栏，{len(unsorted)} 个指标放在“{UNSORTED}”下，"
                f"请按产出、效益、满意度指标归类，填写{what}"
            )
        title = load(p.layout).title if p.layout else ""
        result.projects.append(ImportedProject(p.sheet, f"{L.PROJECT_SHEET_PREFIX}{i}", p.name.text,
                                               len(p.indicators), p.total.text, title))  # fmt: skip
        if grid is not None:
            result.not_placed += [f"{p.sheet} 的“{col}”列（模板无此列）" for col in _unplaced_columns(grid)]
        result.not_placed += not_placed
        if not p.conclusion.value.is_blank:
            result.not_placed.append(
                f"{p.conclusion.ref}：“{p.conclusion.text[:40]}…”（结论文字，模板无此栏）"
            )
    for n in wb.notes:
        result.not_placed.append(
            f"{n.sheet}（首格“{n.label[:20]}”）不是自评表，未导入" if n.label else f"{n.sheet} 未导入"
        )
    u = wb.unit
    unit = UnitData(name=u.name or None, department=u.department or None, year=u.year or None,
                    filler=u.filler or None, phone=u.phone or None)  # fmt: skip
    result.output = save_template(output, preset, unit=unit, data=data, inputs=(source,), overwrite=overwrite)
    return result
