"""Grids to the model: the one parser, which finds every field by its label.

It never trusts coordinates: a label is looked up after :func:`xlperf.core.labels.norm`, and its value is
the first cell to its right that is not itself a label (or the cell right next to it when blank). So
inserted rows and columns, merged cells, blank rows, 全角/半角 punctuation and 一级 labels with or
without their weight all read the same. It never raises on content: what is missing is recorded on the
model (``Project.missing``) and what cannot be read stays a :class:`~xlperf.core.values.Value` that the
rules report.
"""

from __future__ import annotations

from collections.abc import Sequence

from xlperf.core import labels as L
from xlperf.core.grid import Grid, ref
from xlperf.core.model import (
    BLANK_FORM,
    DOCUMENT_SOURCE,
    EMPTY,
    NOT_A_FORM,
    OTHER_TABLE,
    WORKBOOK_SOURCE,
    Cell,
    Funds,
    Goal,
    Indicator,
    Project,
    Section,
    SheetNote,
    UnitInfo,
    Workbook,
)
from xlperf.core.values import parse, parse_amount

_BLANK = parse(None)

# Every label that may stand in a value's row: scanning right for a value stops at any of these.
_LABELS = frozenset(
    L.norm(x)
    for x in (
        L.PROJECT_NAME,
        L.PROJECT_UNIT,
        L.BUDGET,
        L.ARRIVED,
        L.EXECUTED,
        L.FISCAL,
        L.OTHER,
        L.TOTAL,
        L.GRADE,
        "其中",
        "合计",
        *L.UNIT_FIELDS,
    )
)
_MAX_SCAN = 8  # how far right of a label a value may be (merged cells, an inserted column or two)


def _is_label(text: str) -> bool:
    return text in _LABELS or text.startswith(("预算数", "到位数", "执行数", "其中:"))


def _is_hint(text: str) -> bool:
    """The form's own hint text in a value cell, e.g. （=执行数/预算数*100%）: not a value."""
    return text.startswith(("(=", "=执行数"))


def value_right_of(
    grid: Grid,
    row: int,
    col: int,
    *,
    expect_text: bool = False,
    amount: bool = False,
    stop_col: int | None = None,
) -> Cell:
    """The value of the label at (row, col): the first non-empty, non-label cell to its right (a formula
    cell counts as non-empty even when the file has no cached result for it), never at or beyond
    ``stop_col`` (the column where the next field's block starts)."""
    read = parse_amount if amount else parse
    formulas = grid.formulas
    end = min(col + 1 + _MAX_SCAN, grid.width)
    if stop_col is not None and stop_col > col:
        end = min(end, stop_col)
    for c in range(col + 1, end):
        t = grid.text(row, c)
        if t and _is_label(t):
            break
        is_formula = bool(formulas) and (row, c) in formulas
        if not grid.is_empty(row, c) or is_formula:
            if t and _is_hint(t):
                return Cell(ref(row, c), _BLANK)
            raw = grid.value(row, c)
            v = read(raw) if not expect_text else parse(raw, expect_text=True)
            return Cell(ref(row, c), v, is_formula)
    return Cell(ref(row, col + 1), _BLANK)


def _cell(grid: Grid, row: int, col: int | None, *, expect_text: bool = False) -> Cell:
    # the hottest function of a consolidation (one call per field of every indicator row)
    if col is None:
        return EMPTY
    try:
        raw = grid.rows[row][col]
    except IndexError:  # a label in the last row or column: its value cell is off the grid
        raw = None
    formula = bool(grid.formulas) and (row, col) in grid.formulas
    if raw is None:
        return Cell(ref(row, col), _BLANK, formula)
    if raw.__class__ is str and _is_hint(grid.text(row, col)):
        return Cell(ref(row, col), _BLANK)
    return Cell(ref(row, col), parse(raw, expect_text=expect_text), formula)


# --- sheet kinds -----------------------------------------------------------------------------------


def indicator_head(grid: Grid) -> tuple[int, int] | None:
    """The 一级指标 cell of the indicator table's header row: a 一级指标 label with 二级指标 or 三级指标
    in the same row. A 一级指标 cell alone (a 填报说明 sheet explaining the columns) is not a header."""
    hits = grid.find(L.COL_LEVEL1) or grid.find(L.COL_LEVEL1, prefix=True)
    for r, c in hits:
        texts = grid.row_texts(r)
        if L.COL_LEVEL2 in texts or L.COL_LEVEL3 in texts:
            return r, c
    return None


def is_project_sheet(grid: Grid) -> bool:
    """A sheet holding a 自评表: it has the indicator table's header row or the form's funds block.

    Decided by content, not by name: a project sheet the user named 校验结果 or 项目汇总 is a project;
    the template's own 项目汇总 and the tool's 校验结果 hold neither table. Only the template's marker
    sheet is excluded by name."""
    if grid.name == L.META_SHEET:
        return False
    return indicator_head(grid) is not None or grid.contains(L.norm(L.BUDGET_HEAD))


# the form's own words: a sheet holding one of these but neither table is reported (XP019), so a user
# who pasted a form without its tables, or wrote a 填报说明, knows it was not read as a project
_FORM_WORDS = tuple(
    L.norm(x)
    for x in (L.FORM_TITLE, L.COL_LEVEL1, L.COL_LEVEL2, L.COL_LEVEL3, L.COL_TARGET, L.COL_ACTUAL,
              L.COL_SCORE, L.BUDGET_HEAD)
)  # fmt: skip
# the template's own sheets, which hold some of those words by design
_TEMPLATE_SHEETS = (L.UNIT_SHEET, L.SUMMARY_SHEET, L.RESULT_SHEET, L.META_SHEET)


def _form_word(grid: Grid) -> str:
    """The first of the form's words that is a whole cell of the grid, as written ('' when none)."""
    for word in _FORM_WORDS:
        hits = grid.find(word)
        if hits:
            r, c = hits[0]
            return str(grid.value(r, c)).strip()
    return ""


def is_unit_sheet(grid: Grid) -> bool:
    return grid.name == L.UNIT_SHEET or (grid.contains(L.UNIT_NAME) and not is_project_sheet(grid))


# --- project sheet ---------------------------------------------------------------------------------


def _funds(grid: Grid, label: str, missing: list[str]) -> tuple[Funds, tuple[int, int] | None]:
    pos = grid.find_first(label)  # exact first (an index hit), then by prefix ("预算数（万元）")
    if pos is None:
        missing.append(label)
        return Funds(), None
    r, c = pos
    # a blank 执行数 must not be read from the 预算执行进度 cell to its right: the amount's value lies
    # before the column where the 预算执行进度 block starts
    progress = grid.find_first(L.PROGRESS_HEAD, end_row=r + 1)
    stop = progress[1] if progress is not None and progress[1] > c else None
    total = value_right_of(grid, r, c, amount=True, stop_col=stop)
    fiscal = other = EMPTY
    # 其中：财政资金 and 其他 sit in the rows below, in the same column as their 合计 label
    for rr in range(r + 1, min(r + 5, grid.height)):
        t = grid.text(rr, c)
        if fiscal is EMPTY and t.startswith(L.FISCAL):
            fiscal = value_right_of(grid, rr, c, amount=True, stop_col=stop)
        elif other is EMPTY and t == L.OTHER:
            other = value_right_of(grid, rr, c, amount=True, stop_col=stop)
    return Funds(total, fiscal, other), pos


# --- the national form's funds block (财预〔2020〕10号): 年初预算数｜全年预算数｜全年执行数｜分值｜执行率｜得分
NATIONAL_BUDGET, NATIONAL_EXECUTED = "全年预算数", "全年执行数"
_NATIONAL_TOTAL_ROWS = ("年度资金总额", "资金总额", "合计", "总计")
_NATIONAL_RATE_LABEL = "预算执行率"


def _amount_cell(grid: Grid, row: int, col: int | None) -> Cell:
    c = _cell(grid, row, col)
    if col is None or c.value.is_blank:
        return c
    return c._replace(value=parse_amount(grid.value(row, col)))


def _national_funds(grid: Grid) -> tuple[Funds, Funds, Cell, Section, Indicator] | None:
    """The national form's funds block, when the sheet has one: (预算数 = 全年预算数, 执行数 = 全年执行数,
    执行率, and the 预算执行率 section and row it stands for: its 分值 and 得分 sit in the 年度资金总额 row).

    That form has no 到位数 and no 预算执行率 row among the indicators: the 10 points of budget
    execution are scored in the funds block, so they become the 预算执行率 row here (its completion value
    is the 执行率, which is the project's 预算执行进度; its target 100 %). The 其中 rows (当年财政拨款, 上年结转,
    其他资金) are not read: with three parts they do not fit the template's 财政资金 + 其他."""
    hit = grid.find_first(NATIONAL_BUDGET)
    if hit is None:
        return None
    hr = hit[0]
    texts = grid.row_texts(hr)
    cols: dict[str, int] = {}
    for c, t in enumerate(texts):
        for key in (NATIONAL_BUDGET, NATIONAL_EXECUTED, "分值", "执行率", "得分"):
            if t == key and key not in cols and (key == NATIONAL_BUDGET or c > hit[1]):
                cols[key] = c
    if NATIONAL_EXECUTED not in cols:
        return None
    total_row = label_col = None
    for r in range(hr + 1, min(hr + 8, grid.height)):
        for c, t in enumerate(grid.row_texts(r)[: hit[1]]):
            if t.startswith(_NATIONAL_TOTAL_ROWS):
                total_row, label_col = r, c
                break
        if total_row is not None:
            break
    if total_row is None:
        # a label of its own: the row under the header, its label the text nearest the amounts
        total_row = hr + 1
        label_col = max((c for c in range(hit[1]) if grid.text(total_row, c)), default=max(0, hit[1] - 1))
    cb, ce = cols[NATIONAL_BUDGET], cols[NATIONAL_EXECUTED]
    budget = Funds(_amount_cell(grid, total_row, cb))
    executed = Funds(_amount_cell(grid, total_row, ce))
    progress = _cell(grid, total_row, cols.get("执行率"))
    weight = _cell(grid, total_row, cols.get("分值"))
    score = _cell(grid, total_row, cols.get("得分"))
    label_ref = ref(total_row, label_col)
    head_ref = ref(hr, cols.get("执行率", cols.get("分值", ce)))
    section = Section(L.SECTION_BUDGET, _NATIONAL_RATE_LABEL, label_ref, weight.number)
    indicator = Indicator(
        row=total_row + 1,
        level1=_NATIONAL_RATE_LABEL,
        section=L.SECTION_BUDGET,
        level2=_NATIONAL_RATE_LABEL,
        name=Cell(label_ref, parse(_NATIONAL_RATE_LABEL, expect_text=True)),
        target=Cell(head_ref, parse("100%")),
        # no cell of its own: the row's completion value is the funds block's 执行率, the project's
        # 预算执行进度 (XP001 checks it; evaluate and the report use the rate)
        actual=EMPTY,
        score=score,
        weight=weight,
    )
    return budget, executed, progress, section, indicator


def _goals(grid: Grid, stop_row: int) -> tuple[Goal, ...]:
    pos = grid.find_first(L.GOAL_EXPECTED)
    if pos is None:
        return ()
    hr = pos[0]
    cols = {}
    for key in (L.GOAL_EXPECTED, L.GOAL_ACTUAL, L.GOAL_RATE):
        hit = [c for c, t in enumerate(grid.row_texts(hr)) if t == key]
        cols[key] = hit[0] if hit else None
    goals = []
    for r in range(hr + 1, min(stop_row, hr + 12)):
        if any(t.startswith(("四、", L.COL_LEVEL1)) for t in grid.row_texts(r)):
            break
        cells = [_cell(grid, r, cols[k], expect_text=True) for k in (L.GOAL_EXPECTED, L.GOAL_ACTUAL)]
        rate = _cell(grid, r, cols[L.GOAL_RATE])
        if all(c.value.is_blank for c in (*cells, rate)):
            continue
        goals.append(Goal(cells[0], cells[1], rate))
    return tuple(goals)


# the national form's (财预〔2020〕10号) names of the indicator table's columns
_HEADER_SYNONYMS = {L.COL_TARGET: ("年度指标值",), L.COL_SCORE: ("得分",)}


def _header_columns(grid: Grid, row: int) -> dict[str, int]:
    """Map each indicator-table header label to its column in the header row."""
    cols: dict[str, int] = {}
    texts = grid.row_texts(row)
    for key in L.INDICATOR_COLUMNS:
        for c, t in enumerate(texts):
            if (
                t == key
                or (key == L.COL_REASON and t.startswith("偏差原因"))
                or (key == L.COL_WEIGHT and t in ("分值", "权重", "指标分值"))
                or t in _HEADER_SYNONYMS.get(key, ())
            ):
                cols.setdefault(key, c)
                break
    return cols


def _indicators(
    grid: Grid, hr: int, missing: list[str]
) -> tuple[tuple[Indicator, ...], tuple[Section, ...], Cell]:
    cols = _header_columns(grid, hr)
    for key in (L.COL_LEVEL1, L.COL_LEVEL2, L.COL_LEVEL3, L.COL_TARGET, L.COL_ACTUAL, L.COL_SCORE):
        if key not in cols:
            missing.append(key)
    c1 = cols.get(L.COL_LEVEL1)
    c2 = cols.get(L.COL_LEVEL2)
    # the 总分 row ends the table: "总分" anywhere in a row, or a label starting with it near the left
    near = (c1 or 0) + 3
    ends = [
        (r, c)
        for r, c in grid.find(L.TOTAL, prefix=True, start_row=hr + 1)
        if grid.text(r, c) == L.TOTAL or c < near
    ]
    end_row = ends[0][0] if ends else grid.height
    columns = [cols.get(k) for k in (L.COL_LEVEL3, L.COL_TARGET, L.COL_ACTUAL, L.COL_SCORE, L.COL_WEIGHT,
                                     L.COL_KIND, L.COL_REASON)]  # fmt: skip
    c3, ct, ca, cs, cw, ck, cr = columns
    # a row is in use when 三级指标, T, A, S or 偏差原因 holds anything (a typed "/" too); what the
    # template pre-fills (一级, 二级, 指标类型, 分值) never makes a row an indicator
    use_cols = [c for c in (c3, ct, ca, cs, cr) if c is not None]
    formulas = grid.formulas
    indicators: list[Indicator] = []
    sections: list[Section] = []
    level1 = level2 = ""
    section = None
    rows = grid.rows
    for r in range(hr + 1, end_row):
        row = rows[r]
        if c1 is not None and row[c1] is not None:
            raw1 = row[c1]
            # the same 一级 label again in the next row (a copied first row of a section, or a label
            # filled down instead of merged) continues that section: sections are runs of labels
            # (its 二级 starts again at the label, as a new section's does)
            if isinstance(raw1, str) and grid.text(r, c1):
                level2 = ""
                if grid.text(r, c1) != L.norm(level1):
                    level1 = raw1.strip()
                    section = L.section_of(level1)
                    sections.append(Section(section, level1, ref(r, c1), L.weight_in_label(level1)))
        if c2 is not None and row[c2] is not None:
            level2 = str(row[c2]).strip()
        if all(row[c] is None for c in use_cols) and not (
            formulas and any((r, c) in formulas for c in use_cols)
        ):
            continue  # a row not in use (blank, or only what the template pre-filled)
        indicators.append(
            Indicator(
                row=r + 1,
                level1=level1,
                section=section,
                level2=level2,
                level2_ref=None if c2 is None else ref(r, c2),
                name=_cell(grid, r, c3, expect_text=True),
                target=_cell(grid, r, ct, expect_text=True),
                actual=_cell(grid, r, ca, expect_text=True),
                score=_cell(grid, r, cs),
                weight=_cell(grid, r, cw),
                kind=_cell(grid, r, ck, expect_text=True),
                reason=_cell(grid, r, cr, expect_text=True),
            )
        )
    total = EMPTY
    total_found = bool(ends)
    if ends:
        r, tc = ends[0]
        if cs is not None and cs > tc and (not grid.is_empty(r, cs) or grid.is_formula(r, cs)):
            total = _cell(grid, r, cs)
        else:
            # the seed's layout: the total right of its label. Never take a computed column
            # (Σ分值, Σ建议得分) for the total when the unit's own total cell is blank.
            skip = {cols.get(k) for k in (L.COL_WEIGHT, L.COL_SUGGESTED, L.COL_CHECK)} - {None}
            total = next(
                (
                    _cell(grid, r, c)
                    for c in range(tc + 1, min(grid.width, (cs or tc) + 1))
                    if c not in skip and (not grid.is_empty(r, c) or grid.is_formula(r, c))
                ),
                Cell(ref(r, cs if cs is not None and cs > tc else tc + 1), _BLANK),
            )
    if not total_found:
        missing.append(L.TOTAL)
    return tuple(indicators), tuple(sections), total


def parse_project(grid: Grid) -> Project:
    """One project sheet to a :class:`Project`. Never raises on content."""
    missing: list[str] = []
    name_pos = grid.find_first(L.PROJECT_NAME)
    name = value_right_of(grid, *name_pos, expect_text=True) if name_pos else EMPTY
    if name_pos is None:
        missing.append(L.PROJECT_NAME)
    unit_pos = grid.find_first(L.PROJECT_UNIT) or grid.find_first("实施单位") or grid.find_first("主管单位")
    unit = value_right_of(grid, *unit_pos, expect_text=True) if unit_pos else EMPTY

    national = _national_funds(grid)
    if national is not None:  # the national form: no 到位数, the 预算执行率 scored in the funds block
        budget, executed, progress, n_section, n_indicator = national
        arrived = Funds()
    else:
        budget, bpos = _funds(grid, L.BUDGET, missing)
        arrived, _ = _funds(grid, L.ARRIVED, missing)
        executed, _ = _funds(grid, L.EXECUTED, missing)
        progress = EMPTY
        ppos = grid.find_first(L.PROGRESS_HEAD)
        if ppos is not None and bpos is not None:
            progress = _cell(grid, bpos[0], ppos[1])
        elif ppos is not None:
            progress = _cell(grid, ppos[0] + 1, ppos[1])

    head = indicator_head(grid) or grid.find_first(L.COL_LEVEL1)
    stop = head[0] if head else grid.height
    goals = _goals(grid, stop)
    if head is None:
        missing.append(L.COL_LEVEL1)
        indicators, sections, total = (), (), EMPTY
    else:
        indicators, sections, total = _indicators(grid, head[0], missing)
    if national is not None and not any(i.is_budget_rate for i in indicators):
        sections, indicators = (n_section, *sections), (n_indicator, *indicators)
    return Project(
        sheet=grid.name,
        name=name,
        unit=unit,
        budget=budget,
        arrived=arrived,
        executed=executed,
        progress=progress,
        goals=goals,
        sections=sections,
        indicators=indicators,
        total=total,
        missing=tuple(missing),
        hidden=grid.hidden,
        conclusion=_conclusion(grid),
        locations=grid.locations,
    )


def _conclusion(grid: Grid) -> Cell:
    """The sentence after a Word table that states its score, as written (its ref is its location)."""
    if grid.conclusion is None:
        return EMPTY
    text, where = grid.conclusion
    return Cell(where, parse(text, expect_text=True))


def is_blank_form(p: Project) -> bool:
    """Nothing typed into the form: a spare 自评表 of the template (自评表3 of a unit with two projects).

    Only what the template pre-fills may be there: 一级/二级/指标类型/分值 of every row, the 预算执行率
    row's 三级指标 and 预期指标值, the 实施（主管）单位 (``xlperf template --unit``), and formulas."""
    typed = [p.name, p.total, p.progress]
    for f in (p.budget, p.arrived, p.executed):
        typed += [f.total, f.fiscal, f.other]
    if p.goals or any(not c.value.is_blank and not c.formula for c in typed):
        return False
    for ind in p.indicators:
        if not ind.is_budget_rate:
            return False  # a row in use
        if not (ind.actual.value.is_blank or ind.actual.formula) or not ind.score.value.is_blank:
            return False
        if not ind.reason.value.is_blank:
            return False
    return True


# --- unit sheet and workbook ---------------------------------------------------------------------


def parse_unit(grid: Grid | None) -> UnitInfo:
    if grid is None:
        return UnitInfo()
    vals = {}
    for key in L.UNIT_FIELDS:
        pos = grid.find_first(key)
        vals[key] = value_right_of(grid, *pos, expect_text=True).text if pos else ""
    year = vals[L.UNIT_YEAR]
    if year.endswith("年"):
        year = year[:-1]
    return UnitInfo(
        name=vals[L.UNIT_NAME],
        department=vals[L.UNIT_DEPARTMENT],
        year=year,
        filler=vals[L.UNIT_FILLER],
        phone=vals[L.UNIT_PHONE],
        preset=vals[L.UNIT_PRESET],
    )


def parse_meta(grid: Grid | None) -> dict[str, str]:
    """The hidden marker sheet: key/value rows written by the template."""
    if grid is None:
        return {}
    out = {}
    for row in grid.rows:
        if len(row) >= 2 and isinstance(row[0], str) and row[1] is not None:
            out[row[0].strip()] = str(row[1]).strip()
    return out


def parse_workbook(path: str, grids: Sequence[Grid], source: str | None = None) -> Workbook:
    """All grids of one file to a :class:`Workbook`; projects in sheet order. ``source`` says what the
    file is (a workbook or a document) where its grids cannot: a Word file without a table.

    Every sheet holding a 自评表 is a project, hidden or not (a hidden project is not dropped: XP018 says
    it is hidden). A 自评表 with nothing typed into it and a sheet with the form's words but not its
    tables are not projects; they are listed in ``Workbook.notes`` (XP019)."""
    by_name = {g.name: g for g in grids}
    unit_grid = by_name.get(L.UNIT_SHEET) or next((g for g in grids if is_unit_sheet(g)), None)
    projects: list[Project] = []
    notes: list[SheetNote] = []
    for g in grids:
        if is_project_sheet(g):
            p = parse_project(g)
            if is_blank_form(p):
                notes.append(SheetNote(g.name, BLANK_FORM, g.hidden))
            else:
                projects.append(p)
        elif g.name not in _TEMPLATE_SHEETS and g is not unit_grid:
            word = _form_word(g)
            if word:
                notes.append(SheetNote(g.name, NOT_A_FORM, g.hidden, word))
            elif g.kind == "table":  # every table of a report is accounted for
                notes.append(SheetNote(g.name, OTHER_TABLE, g.hidden, _first_text(g)))
    unit = parse_unit(unit_grid)
    if not unit.name and projects:
        # no unit sheet (a hand-made workbook): the unit is the projects' 实施（主管）单位
        unit = UnitInfo(name=projects[0].unit.text, year=unit.year, department=unit.department)
    return Workbook(
        path=str(path),
        unit=unit,
        projects=tuple(projects),
        meta=parse_meta(by_name.get(L.META_SHEET)),
        sheets=tuple(g.name for g in grids),
        notes=tuple(notes),
        source=source or (DOCUMENT_SOURCE if any(g.kind == "table" for g in grids) else WORKBOOK_SOURCE),
    )


def _first_text(grid: Grid) -> str:
    """The first text of a grid, as written ('' when it holds none): what names a table to its user."""
    for row in grid.rows:
        for v in row:
            if isinstance(v, str) and v.strip():
                return " ".join(v.split())
    return ""


NO_FORM = "工作簿中没有找到项目支出绩效自评表（不是本表样，或表头“一级指标”“预算数”等缺失）"
NO_FORM_DOCUMENT = "文档中没有找到项目支出绩效自评表（没有表格，或表格中缺少“一级指标”“预算数”等表头）"


def no_projects_reason(wb: Workbook) -> str:
    """Why a workbook has no project, in words for its user: no 自评表 at all, or only blank ones."""
    blank = [n.sheet for n in wb.notes if n.reason == BLANK_FORM]
    if blank:
        names = "、".join(f"“{s}”" for s in blank[:3]) + ("等" if len(blank) > 3 else "")
        where = "文档" if wb.is_document else "工作簿"
        return f"{where}中的自评表（{names}）均未填写任何内容，没有可校验的项目"
    return NO_FORM_DOCUMENT if wb.is_document else NO_FORM
