"""``xlperf import``: a unit's Word report moved onto the standard template, so the unit continues in
Excel next year.

Every project the report's tables hold becomes a 自评表 of the template, its values exactly as written
(faults kept: the import copies, the checks report): a number typed as digits becomes a number, as
Excel makes it when one types it; everything else ("100%", "≥95%", "1.6万", "约两万") stays the text
it was. The 预算执行进度 the Word form leaves as its hint gets the template's formula. What has no place
in the template is listed in the summary: the conclusion sentences, columns the template lacks, tables
that are not 自评表.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from xlperf.core import labels as L
from xlperf.core.grid import Grid
from xlperf.core.model import Cell, Project, Workbook
from xlperf.core.parser import indicator_head, layout_of, no_projects_reason, parse_workbook
from xlperf.errors import ReadError
from xlperf.layouts import shipped
from xlperf.presets import Preset
from xlperf.writers.template import MAX_PROJECTS, IndicatorData, ProjectData, UnitData, save_template

_DIGITS = re.compile(r"-?\d+(?:\.\d+)?")
# the indicator table's columns the template has a place for (normalised header texts)
_PLACED = {L.norm(x) for x in (*L.INDICATOR_COLUMNS, "年度指标值", "得分", "权重", "指标分值")}


@dataclass
class ImportedProject:
    table: str  # where it was in the report (表2)
    sheet: str  # where it is in the workbook (自评表2)
    name: str
    indicators: int
    total: str  # 总分 as written


@dataclass
class ImportResult:
    output: Path
    source: str
    unit: str
    year: str
    preset: str
    projects: list[ImportedProject] = field(default_factory=list)
    not_placed: list[str] = field(default_factory=list)  # what the template has no place for

    def lines(self) -> list[str]:
        """The summary a user reads after the import."""
        out = [
            f"已导入 {len(self.projects)} 个项目：{self.source} → {self.output}",
            f"单位：{self.unit or '（未识别）'}　年度：{self.year or '（未识别）'}　评分方案：{self.preset}",
        ]
        for p in self.projects:
            out.append(
                f"  {p.table} → {p.sheet}：{p.name or '（未填项目名称）'}，{p.indicators} 个指标，总分 {p.total or '（空）'}"
            )
        if self.not_placed:
            out.append(f"未能放入模板的内容（{len(self.not_placed)} 项，请在 Word 报告中查看）：")
            out += [f"  {x}" for x in self.not_placed]
        else:
            out.append("报告中的自评表内容均已放入模板。")
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


def _spare_rows(p: Project, grid: Grid | None) -> dict[int, tuple[str, str]]:
    """Rows of the indicator table the unit left unused but labelled (a 二级 with nothing else, as the
    seed's 生态效益指标 of its 4th table): 1-based row -> (一级 as carried down, 二级), so the workbook
    keeps the report's rows."""
    head = indicator_head(grid, layout_of(grid, shipped())) if grid is not None else None
    if head is None or not p.indicators:
        return {}
    texts = grid.row_texts(head[0])
    c1, c2 = head[1], next((c for c, t in enumerate(texts) if t == L.COL_LEVEL2), None)
    used = {ind.row for ind in p.indicators}
    last = max(used)
    out: dict[int, tuple[str, str]] = {}
    level1 = ""
    for r in range(head[0] + 1, last):
        v1 = grid.value(r, c1)
        if isinstance(v1, str) and v1.strip():
            level1 = v1.strip()
        v2 = grid.value(r, c2) if c2 is not None else None
        if r + 1 not in used and isinstance(v2, str) and v2.strip():
            out[r + 1] = (level1, v2.strip())
    return out


def project_data(p: Project, grid: Grid | None = None) -> ProjectData:
    """A parsed project as the template's :class:`ProjectData`, values as written (with the labelled
    rows the unit left unused, when its grid is given)."""
    labels: dict[str, str] = {}
    rows = []
    spare = _spare_rows(p, grid)
    items: list = sorted([(ind.row, ind) for ind in p.indicators] + list(spare.items()), key=lambda x: x[0])
    for _, ind in items:
        if isinstance(ind, tuple):
            key = L.section_of(ind[0])
            rows.append(IndicatorData(key or ind[0], ind[1]))
            continue
        level1: str = ind.level1
        if ind.section is not None:
            labels.setdefault(ind.section, ind.level1)
            level1 = ind.section
        rows.append(
            IndicatorData(
                level1,
                ind.level2 or None,
                name=typed(ind.name),
                kind=typed(ind.kind),
                target=typed(ind.target),
                actual=typed(ind.actual),
                weight=typed(ind.weight),
                score=typed(ind.score),
                reason=typed(ind.reason),
            )
        )

    def funds(f):
        return (typed(f.total), typed(f.fiscal), typed(f.other))

    return ProjectData(
        name=typed(p.name),
        unit=typed(p.unit),
        budget=funds(p.budget),
        arrived=funds(p.arrived),
        executed=funds(p.executed),
        progress=typed(p.progress) if not p.progress.value.is_blank else None,  # blank: the formula
        goals=[(typed(g.expected), typed(g.actual), typed(g.rate)) for g in p.goals],
        indicators=rows,
        total=typed(p.total) if not p.total.value.is_blank else None,
        level1_labels=labels,
    )


def _unplaced_columns(grid: Grid) -> list[str]:
    head = indicator_head(grid, layout_of(grid, shipped()))
    if head is None:
        return []
    out = []
    for c, t in enumerate(grid.row_texts(head[0])):
        if t and c > head[1] and t not in _PLACED and not t.startswith("偏差原因"):
            out.append(str(grid.value(head[0], c)).strip())
    return out


def import_grids(
    source: str, grids: list[Grid], output: str | Path, preset: Preset, *, overwrite: bool = False
) -> ImportResult:
    """Write the template filled with the projects of a report's grids; return what was done."""
    wb: Workbook = parse_workbook(source, grids, layouts=shipped())
    if not wb.projects:
        raise ReadError(no_projects_reason(wb))
    if len(wb.projects) > MAX_PROJECTS:
        raise ReadError(f"报告中有 {len(wb.projects)} 个自评表，超过模板上限 {MAX_PROJECTS} 个")
    by_name = {g.name: g for g in grids}
    result = ImportResult(Path(output), source, wb.unit.name, wb.unit.year, preset.title)
    for i, p in enumerate(wb.projects, 1):
        result.projects.append(
            ImportedProject(
                p.sheet, f"{L.PROJECT_SHEET_PREFIX}{i}", p.name.text, len(p.indicators), p.total.text
            )
        )
        for col in _unplaced_columns(by_name[p.sheet]):
            result.not_placed.append(f"{p.sheet} 的“{col}”列（模板无此列）")
        if not p.conclusion.value.is_blank:
            result.not_placed.append(
                f"{p.conclusion.ref}：“{p.conclusion.text[:40]}…”（结论文字，模板无此栏）"
            )
    for n in wb.notes:
        result.not_placed.append(
            f"{n.sheet}（首格“{n.label[:20]}”）不是自评表，未导入" if n.label else f"{n.sheet} 未导入"
        )
    unit = UnitData(name=wb.unit.name or None, year=wb.unit.year or None)
    data = [project_data(p, by_name.get(p.sheet)) for p in wb.projects]
    result.output = save_template(output, preset, unit=unit, data=data, inputs=(source,), overwrite=overwrite)
    return result
