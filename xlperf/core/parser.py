"""Grids to the model: the one parser, which finds every field by its label, in every layout.

Provinces issue their own forms (:mod:`xlperf.core.layout`): the parser first finds which one a sheet
holds (the layout with most of its marks in the grid), then reads each block of that form by the
layout's labels. It never trusts coordinates: a label is looked up after
:func:`xlperf.core.labels.norm`, and a value is found from its label (to its right, or under its
column's header). So inserted rows and columns, merged cells, blank rows, 全角/半角 punctuation and 一级
labels with or without their weight all read the same. It never raises on content: what is missing is
recorded on the model (``Project.missing``) and what cannot be read stays a
:class:`~xlperf.core.values.Value` that the rules report.

Every function that decides what a sheet is takes the layouts to choose from (``layouts``: the shipped
ones are :func:`xlperf.layouts.shipped`, the first of them the default): the core reads no file.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import MISSING, fields
from typing import NamedTuple, TypeVar

from xlperf.core import labels as L
from xlperf.core.grid import Grid, ref
from xlperf.core.layout import COLUMNS, FundsLabels, Labels, Layout, detect, first_match, grid_has
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
    Part,
    Project,
    Section,
    SheetNote,
    UnitInfo,
    Workbook,
)
from xlperf.core.values import _NUM_CACHE as _NUMBERS
from xlperf.core.values import BLANK, PLACEHOLDER, Value, parse, parse_amount, with_unit

Layouts = Sequence[Layout]
T = TypeVar("T")
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
        "主管部门",
        "实施单位",
        *L.UNIT_FIELDS,
    )
)
_MAX_SCAN = 8  # how far right of a label a value may be (merged cells, an inserted column or two)


def _is_label(text: str) -> bool:
    return text in _LABELS or text.startswith(("预算数", "到位数", "执行数", "其中:", "实施单位"))


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
    """The cell at (row, col) as the model holds it (:func:`_row_cells` of one field)."""
    if col is None:
        return EMPTY
    try:
        cells = grid.rows[row]
    except IndexError:  # a label in the last row: its value cell is off the grid
        cells = []
    return _row_cells(grid, row, cells, ((col, expect_text),))[0]


_new = tuple.__new__


def _maker(cls: type[T]) -> Callable[..., T]:
    """``cls(**fields)`` for one of the model's frozen dataclasses, without its ``__init__``: a frozen
    dataclass sets each field through ``object.__setattr__``, three times the cost of filling the
    record's ``__dict__`` (an indicator row's 13 fields, on every row of every sheet). The record is the
    one ``__init__`` makes (defaults filled in, no unknown field); a class with a ``__post_init__``, a
    default factory or no ``__dict__`` is built by its ``__init__``."""
    fs = fields(cls)  # type: ignore[arg-type]
    if (
        hasattr(cls, "__post_init__")
        or "__slots__" in cls.__dict__
        or any(f.default_factory is not MISSING or not f.init for f in fs)
    ):
        return cls
    order = tuple(f.name for f in fs)
    names = frozenset(order)
    defaults = {f.name: f.default for f in fs if f.default is not MISSING}
    required = names - defaults.keys()
    new = object.__new__

    def make(**values: object) -> T:
        given = values.keys()
        if not (given <= names and required <= given):
            return cls(**values)  # (an unknown field, or one missing: its __init__ says which)
        record = new(cls)
        if len(values) == len(order):
            record.__dict__.update(values)
        else:
            record.__dict__.update({n: values[n] if n in values else defaults[n] for n in order})
        return record

    return make


_make_indicator, _make_funds, _make_project = _maker(Indicator), _maker(Funds), _maker(Project)
_NO_FUNDS = Funds()
_MISSING = (BLANK, PLACEHOLDER)  # Value.is_missing


def _row_cells(
    grid: Grid, r: int, row: list[object], spec: tuple[tuple[int | None, bool], ...]
) -> list[Cell]:
    """The cells of one row (``row`` is ``grid.rows[r]``) as the model holds them, one per (column,
    expect_text) of ``spec`` (None: the field's column is not there), in one call: an indicator row's eight
    fields (a consolidation reads some hundred thousand of them). A formula cell is marked so even
    without a cached result; a hint the template prints in an empty cell reads as blank."""
    formulas = grid.formulas
    width = len(row)
    out = []
    for c, expect_text in spec:
        if c is None:
            out.append(EMPTY)
            continue
        raw = row[c] if c < width else None
        formula = (r, c) in formulas if formulas else False
        if raw is None:
            out.append(_new(Cell, (ref(r, c), _BLANK, formula)))
        elif raw.__class__ is str:
            v = _TEXT_CELLS[expect_text].get(raw) or _text_value(raw, expect_text)
            if v is _IS_SEE_CHECK:  # the template's formula, read live (no formula flags): what it says
                out.append(_new(Cell, (ref(r, c), _BLANK, True)))  # is "Python reads this": no result
            elif v is _IS_HINT:
                out.append(_new(Cell, (ref(r, c), _BLANK, False)))
            else:
                out.append(_new(Cell, (ref(r, c), v, formula)))
        else:  # (a number: values.parse's own cache of numbers, looked up here first)
            v = _NUMBERS.get(raw) if raw.__class__ is float else None
            out.append(_new(Cell, (ref(r, c), v or parse(raw, expect_text=expect_text), formula)))
    return out


# what _row_cells makes of a text cell, by the text and expect_text: its value, or one of these (a text cell's
# normalised text is L.norm of it, as the grid has it)
_IS_SEE_CHECK, _IS_HINT = "see check", "hint"
_TEXT_CELLS: tuple[dict[str, Value | str], dict[str, Value | str]] = ({}, {})


def _text_value(raw: str, expect_text: bool) -> Value | str:
    if raw == L.SEE_CHECK:
        v: Value | str = _IS_SEE_CHECK
    elif _is_hint(L.norm(raw)):
        v = _IS_HINT
    else:
        v = parse(raw, expect_text=expect_text)
    if len(raw) <= 64:  # as values.parse caches: short texts recur, long free text rarely
        read = _TEXT_CELLS[expect_text]
        if len(read) >= 100_000:
            read.clear()
        read[raw] = v
    return v


def _amount_cell(grid: Grid, row: int, col: int | None) -> Cell:
    c = _cell(grid, row, col)
    if col is None or c.value.kind == BLANK:
        return c
    raw = grid.value(row, col)
    if raw.__class__ is float:  # a number is read as an amount as it is read (values.parse_amount)
        return c
    v = parse_amount(raw)
    return c if v is c.value else _new(Cell, (c.ref, v, c.formula))


def _amount_cells(grid: Grid, col: int, rows: Sequence[int]) -> list[Cell]:
    """:func:`_amount_cell` of each of these rows of one column, in one call (a funds block's column:
    its total and each 其中 row)."""
    formulas = grid.formulas
    out = []
    for r in rows:
        try:
            raw = grid.rows[r][col]
        except IndexError:
            raw = None
        if raw.__class__ is float:  # a number: read as an amount as it is read (values.parse_amount)
            formula = (r, col) in formulas if formulas else False
            out.append(_new(Cell, (ref(r, col), _NUMBERS.get(raw) or parse(raw), formula)))
        else:
            out.append(_amount_cell(grid, r, col))
    return out


def _find(grid: Grid, labels: Labels, **kw) -> list[tuple[int, int]]:
    """Every cell matching any of the labels, row-major."""
    hits: list[tuple[int, int]] = []
    for lab in labels:
        hits += grid.find_label(lab)
    if kw and hits:
        start, end = kw.get("start_row", 0), kw.get("end_row", grid.height)
        hits = [h for h in hits if start <= h[0] < end]
    return sorted(set(hits))


def _find_first(grid: Grid, labels: Labels) -> tuple[int, int] | None:
    """The first cell matching one of the labels, the labels tried in order (exact words first, then
    the prefix a user's extra words make: "预算数（万元）"), as :meth:`Grid.find_first` does for one."""
    for lab in labels:
        hits = grid.find_label(lab)
        if hits:
            return hits[0]
    for lab in labels:
        hit = grid.find_first(lab.rstrip("*"), prefix=True)
        if hit is not None:
            return hit
    return None


# --- which layout, which sheets ---------------------------------------------------------------------


def layout_of(grid: Grid, layouts: Layouts) -> Layout:
    """The layout a sheet is read with: the one with most of its marks there; the first (the default)
    when none has enough. Kept on the grid for the same layouts (is_project_sheet, then parse_project)."""
    seen = grid.__dict__.get("_layout_of")
    if seen is not None and seen[0] is layouts:
        return seen[1]
    found = _asked(grid, layouts, "layout", lambda: detect(grid, tuple(layouts[1:]), layouts[0]))
    grid.__dict__["_layout_of"] = (layouts, found)
    return found


# --- the shape of a sheet: where its labels are -----------------------------------------------------
#
# Which layout a sheet holds, where its header rows and columns are, where its table ends: each is
# decided by the cells whose text a layout's label could match, and by nothing else (a label matches a
# text that starts with it; a prefix look-up, too). Every sheet made from one template has the same such
# cells at the same places, whatever its values: the answers are kept, by those cells (text and every
# position) and the grid's size, for the layouts they were found with. A sheet with any label-like text
# elsewhere, a row inserted or a header renamed, has another key and is worked out afresh: an answer is
# never taken from another sheet than one the same in everything the answer looked at.


class _Shapes:
    """The answers found with one list of layouts, by the shape of the sheets asked about."""

    MAX_SHAPES = 512
    MAX_TEXTS = 100_000

    def __init__(self, layouts: Layouts) -> None:
        self.layouts = tuple(layouts)
        stems: set[str] = set()
        odd = False  # labels not given as a tuple of texts (a layout built in code with a list or a
        # text): the parser reads them anyway, so nothing could be left out of a key; every text counts
        for lay in self.layouts:
            groups = [lay.detect]
            for block in (lay.project, lay.funds, lay.goals, lay.indicators):
                groups += [getattr(block, f.name) for f in fields(block) if f.name != "style"]
            for labels in groups:
                if not isinstance(labels, tuple) or not all(isinstance(lab, str) for lab in labels):
                    odd = True
                    continue
                stems.update(lab.rstrip("*") for lab in labels)
        self.every_text = odd or "" in stems  # a label that is only "*": any text could match it
        self.stems = frozenset(stems)
        self.longest = max(map(len, stems), default=0)
        self.relevant: dict[str, bool] = {}  # text -> whether some label's stem starts it
        self.answers: dict[tuple, dict[str, object]] = {}

    def is_relevant(self, text: str) -> bool:
        stems = self.stems
        found = self.every_text or any(text[:i] in stems for i in range(1, min(len(text), self.longest) + 1))
        if len(self.relevant) >= self.MAX_TEXTS:
            self.relevant.clear()
        self.relevant[text] = found
        return found

    def of(self, grid: Grid) -> dict[str, object]:
        relevant = self.relevant
        key: list[object] = [grid.height, grid.width]
        for text, where in grid.labels().items():
            r = relevant.get(text)
            if r is None:
                r = self.is_relevant(text)
            if r:
                key.append((text, *where))
        k = tuple(key)
        found = self.answers.get(k)
        if found is None:
            if len(self.answers) >= self.MAX_SHAPES:
                self.answers.clear()
            found = self.answers[k] = {}
        return found


_SHAPES: dict[int, _Shapes] = {}  # by id of the layouts (each holds its layouts: the id stays theirs)


def _shape(grid: Grid, layouts: Layouts) -> dict[str, object]:
    """The answers kept for sheets shaped as this one (kept on the grid too, for the same layouts)."""
    seen = grid.__dict__.get("_shape")
    if seen is not None and seen[0] is layouts:
        return seen[1]
    shapes = _SHAPES.get(id(layouts))
    if (
        shapes is None
        or len(shapes.layouts) != len(layouts)
        or any(a is not b for a, b in zip(shapes.layouts, layouts, strict=True))
    ):
        if len(_SHAPES) >= 8:
            _SHAPES.clear()
        shapes = _SHAPES[id(layouts)] = _Shapes(layouts)
    found = shapes.of(grid)
    grid.__dict__["_shape"] = (layouts, found)
    return found


def _asked(grid: Grid, layouts: Layouts, question: str, answer: Callable[[], T]) -> T:
    """The answer to a question about where the labels of a sheet are: kept for its shape."""
    shape = _shape(grid, layouts)
    try:
        return shape[question]  # type: ignore[return-value]
    except KeyError:
        found = shape[question] = answer()
        return found


class Head(NamedTuple):
    """The indicator table's header row and the column of its first field (一级指标, or the indicator's
    name where the form has no 一级 column)."""

    row: int
    col: int


def indicator_head(grid: Grid, layout: Layout) -> Head | None:
    """The indicator table's header row: a 一级指标 label with 二级指标 or 三级指标 in the same row; in a form
    without a 一级 column, the indicator's name with two more of the table's columns (计算符号, 指标值 …).
    A 一级指标 cell alone (a 填报说明 sheet explaining the columns) is not a header."""
    ind = layout.indicators
    for r, c in _find(grid, ind.level1):
        if any(first_match(t, (*ind.level2, *ind.name)) for _, t in grid.row_items(r)):
            return Head(r, c)
    others = (*ind.kind, *ind.target, *ind.actual, *ind.score, *ind.unit)
    for r, c in _find(grid, ind.name):
        if sum(1 for _, t in grid.row_items(r) if first_match(t, others)) >= 2:
            return Head(r, c)
    return None


def _funds_head(grid: Grid, lay: FundsLabels) -> tuple[int, dict[str, int], dict[str, int]] | None:
    """A columns-style funds block's header: (the first row of data under it, the column of each field,
    the row of each field's label). The header may take two rows (年度预算数 over 年初预算｜调整后预算数)."""
    hits = _find(grid, lay.budget)
    for hr, cb in hits:
        cols: dict[str, int] = {"budget": cb}
        at: dict[str, int] = {"budget": hr}
        for key in ("executed", "initial", "adjustment", "arrived", "rate", "weight", "score", "reason"):
            labels = getattr(lay, key)
            if not labels:
                continue
            for r in (hr, hr - 1, hr + 1):
                if r < 0:
                    continue
                found = next(
                    (c for c, t in grid.row_items(r) if c not in cols.values() and first_match(t, labels)),
                    None,
                )
                if found is not None:
                    cols[key], at[key] = found, r
                    break
        if "executed" in cols:
            return max(at.values()) + 1, cols, at
    return None


def is_project_sheet(grid: Grid, layouts: Layouts) -> bool:
    """A sheet holding a 自评表: it has its layout's indicator table header or its funds block.

    Decided by content, not by name: a project sheet the user named 校验结果 or 项目汇总 is a project;
    the template's own 项目汇总 and the tool's 校验结果 hold neither table. Only the template's marker
    sheet is excluded by name."""
    if grid.name == L.META_SHEET:
        return False
    lay = layout_of(grid, layouts)
    return _asked(grid, layouts, "is_project", lambda: _holds_a_form(grid, lay))


def _holds_a_form(grid: Grid, lay: Layout) -> bool:
    if indicator_head(grid, lay) is not None:
        return True
    if lay.funds.style == "labels":
        return any(grid_has(grid, h) for h in lay.funds.head)
    return _funds_head(grid, lay.funds) is not None


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


def is_unit_sheet(grid: Grid, layouts: Layouts) -> bool:
    return grid.name == L.UNIT_SHEET or (grid.contains(L.UNIT_NAME) and not is_project_sheet(grid, layouts))


# --- the funds block: labels style (the seed's 陕西 form, the template) ------------------------------


_Pos = tuple[int, int]


def _label_places(grid: Grid, labels: Labels, lay: FundsLabels) -> tuple[_Pos | None, _Pos | None]:
    """Where an amount's label is, and the 预算执行进度 label before its row (None: not found)."""
    pos = _find_first(grid, labels)
    if pos is None:
        return None, None
    return pos, _find_first_before(grid, lay.progress, pos[0] + 1)


def _label_funds(
    grid: Grid, places: tuple[_Pos | None, _Pos | None], lay: FundsLabels, missing: list[str], what: str
) -> tuple[Funds, tuple[int, int] | None]:
    pos, progress = places
    if pos is None:
        missing.append(what)
        return _NO_FUNDS, None
    r, c = pos
    # a blank 执行数 must not be read from the 预算执行进度 cell to its right: the amount's value lies
    # before the column where the 预算执行进度 block starts
    stop = progress[1] if progress is not None and progress[1] > c else None
    total = value_right_of(grid, r, c, amount=True, stop_col=stop)
    fiscal = other = EMPTY
    # 其中：财政资金 and 其他 sit in the rows below, in the same column as their 合计 label
    for rr in range(r + 1, min(r + 5, grid.height)):
        t = grid.text(rr, c)
        if fiscal is EMPTY and any(t.startswith(x.rstrip("*")) for x in lay.fiscal_rows):
            fiscal = value_right_of(grid, rr, c, amount=True, stop_col=stop)
        elif other is EMPTY and t in lay.other_rows:
            other = value_right_of(grid, rr, c, amount=True, stop_col=stop)
    return _make_funds(total=total, fiscal=fiscal, other=other, parts=()), pos


def _find_first_before(grid: Grid, labels: Labels, end_row: int) -> tuple[int, int] | None:
    for lab in labels:
        hit = grid.find_first(lab, end_row=end_row)
        if hit is not None:
            return hit
    return None


class _FundsBlock(NamedTuple):
    budget: Funds
    arrived: Funds
    executed: Funds
    initial: Funds
    adjustment: Funds
    progress: Cell
    section: Section | None  # columns style: the 预算执行率 section and row the block's score stands for
    indicator: Indicator | None


class _LabelsPlaces(NamedTuple):
    """Where a labels-style funds block's labels are (:func:`_label_places` of each amount)."""

    budget: tuple[_Pos | None, _Pos | None]
    arrived: tuple[_Pos | None, _Pos | None]
    executed: tuple[_Pos | None, _Pos | None]
    progress: _Pos | None


def _labels_places(grid: Grid, lay: FundsLabels) -> _LabelsPlaces:
    return _LabelsPlaces(
        _label_places(grid, lay.budget, lay),
        _label_places(grid, lay.arrived, lay) if lay.arrived else (None, None),
        _label_places(grid, lay.executed, lay),
        _find_first(grid, lay.progress) if lay.progress else None,
    )


def _labels_block(grid: Grid, layout: Layout, missing: list[str], places: _LabelsPlaces) -> _FundsBlock:
    lay = layout.funds
    budget, bpos = _label_funds(grid, places.budget, lay, missing, layout.label("funds.budget"))
    arrived = _NO_FUNDS
    if lay.arrived:  # a form without 到位数 asks for none
        arrived, _ = _label_funds(grid, places.arrived, lay, missing, layout.label("funds.arrived"))
    executed, _ = _label_funds(grid, places.executed, lay, missing, layout.label("funds.executed"))
    progress = EMPTY
    ppos = places.progress
    if ppos is not None and bpos is not None:
        progress = _cell(grid, bpos[0], ppos[1])
    elif ppos is not None:
        progress = _cell(grid, ppos[0] + 1, ppos[1])
    return _FundsBlock(budget, arrived, executed, _NO_FUNDS, _NO_FUNDS, progress, None, None)


# --- the funds block: columns style (the national, 四川, 一体化 and older forms) --------------------
_RATE_LABEL = "预算执行率"
# a 其中 row's label: "其中：财政资金", or the name of a source of funds
_PART_ENDINGS = ("资金", "拨款", "补助", "结转", "专户", "预算内", "收入", "资金(万元)")


def _row_label(grid: Grid, row: int, before: int) -> tuple[str, int | None]:
    """A row's label left of its amounts: the text nearest them (a section label merged down or typed
    in every row stands further left), and its column."""
    for c in range(before - 1, -1, -1):
        t = grid.text(row, c)
        if t:
            return t, c
    return "", None


def _is_part(label: str, lay: FundsLabels) -> bool:
    if label.startswith("其中"):
        return True
    return first_match(label, (*lay.fiscal_rows, *lay.other_rows)) or label.endswith(_PART_ENDINGS)


def _part_name(label: str) -> str:
    return label.removeprefix("其中").lstrip(":").strip()


def _columns_block(
    grid: Grid, layout: Layout, missing: list[str], head: tuple[int, dict[str, int], dict[str, int]] | None
) -> _FundsBlock:
    """The block under its header (:func:`_funds_head`)."""
    lay = layout.funds
    if head is None:
        for key in ("funds.budget", "funds.executed"):
            if key in layout.required:
                missing.append(layout.label(key))
        return _FundsBlock(_NO_FUNDS, _NO_FUNDS, _NO_FUNDS, _NO_FUNDS, _NO_FUNDS, EMPTY, None, None)
    first, cols, at = head
    hr = at["budget"]
    amounts = [cols[k] for k in ("initial", "budget", "adjustment", "arrived", "executed") if k in cols]
    left = min(amounts)
    total_row, label_col = None, None
    for r in range(first, min(first + 8, grid.height)):
        label, col = _row_label(grid, r, left)
        if label and first_match(label, lay.total_rows):
            total_row, label_col = r, col
            break
    if total_row is None:
        # a label of its own: the row under the header, its label the text nearest the amounts
        total_row = first
        label_col = max((c for c in range(left) if grid.text(total_row, c)), default=max(0, left - 1))
    parts: list[tuple[str, int]] = []
    for r in range(total_row + 1, min(total_row + 9, grid.height)):
        label, _ = _row_label(grid, r, left)
        if not label or not _is_part(label, lay):
            break
        parts.append((_part_name(label), r))

    # which of the 其中 rows is 财政资金, which 其他资金 (the first of each)
    fiscal_at = next((i for i, (name, _) in enumerate(parts) if first_match(name, lay.fiscal_rows)), None)
    other_at = next((i for i, (name, _) in enumerate(parts) if first_match(name, lay.other_rows)), None)

    part_names = [name for name, _ in parts]
    part_rows = [r for _, r in parts]

    def column(key: str) -> Funds:
        c = cols.get(key)
        if c is None:
            return _NO_FUNDS
        total, *cells = _amount_cells(grid, c, (total_row, *part_rows))
        named = tuple(_new(Part, (name, cell)) for name, cell in zip(part_names, cells, strict=True))
        fiscal = EMPTY if fiscal_at is None else cells[fiscal_at]
        other = EMPTY if other_at is None else cells[other_at]
        return _make_funds(total=total, fiscal=fiscal, other=other, parts=named)

    progress = _cell(grid, total_row, cols.get("rate"))
    weight = _cell(grid, total_row, cols.get("weight"))
    score = _cell(grid, total_row, cols.get("score"))
    reason = _cell(grid, total_row, cols.get("reason"), expect_text=True)
    label_ref = ref(total_row, label_col if label_col is not None else max(0, left - 1))
    target_key = next(k for k in ("rate", "weight", "executed") if k in cols)  # the 100 % the rate aims at
    head_ref = ref(at[target_key], cols[target_key])
    # the block's own weight: its 分值/权重 cell, else its heading's ("预算执行情况(10分)")
    headings = (str(grid.value(r, c)) for r in (hr, hr - 1) for c in range(left) if grid.text(r, c))
    w = weight.number
    if w is None:
        w = next((x for x in map(L.weight_in_label, headings) if x is not None), None)
    section = Section(L.SECTION_BUDGET, _RATE_LABEL, label_ref, w)
    indicator = Indicator(
        row=total_row + 1,
        level1=_RATE_LABEL,
        section=L.SECTION_BUDGET,
        level2=_RATE_LABEL,
        name=Cell(label_ref, parse(_RATE_LABEL, expect_text=True)),
        target=Cell(head_ref, parse("100%")),
        # no cell of its own: the row's completion value is the funds block's 执行率, the project's
        # 预算执行进度 (XP001 checks it; evaluate and the report use the rate)
        actual=EMPTY,
        score=score,
        weight=weight,
        reason=reason,
    )
    if "score" not in cols and "weight" not in cols:
        section = indicator = None  # a block with no score of its own (the 一体化 grid without 自评得分)
    return _FundsBlock(
        budget=column("budget"),
        arrived=column("arrived"),
        executed=column("executed"),
        initial=column("initial"),
        adjustment=column("adjustment"),
        progress=progress,
        section=section,
        indicator=indicator,
    )


# --- 目标完成情况 -------------------------------------------------------------------------------------


def _goals_head(grid: Grid, layout: Layout) -> tuple[int, dict[str, int | None]] | None:
    """The goals table's header row and the column of each of its fields (None: not there)."""
    g = layout.goals
    pos = _find_first(grid, g.expected) if g.expected else None
    if pos is None:
        return None
    hr = pos[0]
    cols: dict[str, int | None] = {}
    for key in ("expected", "actual", "rate", "reason"):
        labels = getattr(g, key)
        cols[key] = next((c for c, t in grid.row_items(hr) if labels and first_match(t, labels)), None)
    if cols["expected"] is None:  # found by its label's start only ("年度预期目标完成情况说明"): its column
        cols["expected"] = pos[1]
    return hr, cols


def _goals(
    grid: Grid, layout: Layout, stop_row: int, head: tuple[int, dict[str, int | None]] | None
) -> tuple[Goal, ...]:
    if head is None:
        return ()
    hr, cols = head
    f = layout.funds
    stops = (*layout.indicators.level1, *layout.indicators.name, *f.head, *f.budget, *f.executed, *f.initial,
             *f.total_rows)  # fmt: skip
    first = min(c for c in cols.values() if c is not None)
    # the goal rows go on under the header's own label (a label merged down, or typed again in each row);
    # a row labelled otherwise left of the goals (2.项目实施内容及过程概述, 预算执行情况) starts something else
    own = {t for c, t in grid.row_items(hr) if c < first}
    spec = ((cols["expected"], True), (cols["actual"], True), (cols["reason"], True), (cols["rate"], False))
    goals = []
    for r in range(hr + 1, min(stop_row, hr + 12)):
        items = grid.row_items(r)
        if any(t.startswith("四、") or first_match(t, stops) for _, t in items):
            break
        if any(c < first and t not in own for c, t in items):
            break
        expected, actual, reason, rate = _row_cells(grid, r, grid.rows[r], spec)
        if expected.value.kind == rate.value.kind == actual.value.kind == reason.value.kind == BLANK:
            continue
        goals.append(Goal(expected, actual, rate, reason))
    return tuple(goals)


# --- 年度绩效指标完成情况 --------------------------------------------------------------------------------


def _header_columns(grid: Grid, row: int, layout: Layout) -> dict[str, int]:
    """Map each indicator-table field to its column in the header row (the row above where a header
    cell merged down holds its text there)."""
    ind = layout.indicators
    cols: dict[str, int] = {}
    for r in (row, row - 1):
        if r < 0:
            continue
        items = grid.row_items(r)
        for key in COLUMNS:
            labels = getattr(ind, key)
            if key in cols or not labels:
                continue
            for c, t in items:
                if c not in cols.values() and first_match(t, labels):
                    cols[key] = c
                    break
        if r == row and "name" not in cols and "level1" not in cols:
            break
    return cols


def _table_end(grid: Grid, layout: Layout, hr: int, near: int) -> tuple[int, tuple[int, int] | None]:
    """(the row that ends the indicator table, the total label's cell or None): the first row after
    the header with the total's label (anywhere as a whole cell, or starting a cell near the left), or
    with a label of what follows the table (评价结论, 项目负责人)."""
    ind = layout.indicators
    ends = [
        (r, c)
        for r, c in _find(grid, tuple(x if x.endswith("*") else x + "*" for x in ind.total), start_row=hr + 1)
        if first_match(grid.text(r, c), ind.total) or c < near
    ]
    total = ends[0] if ends else None
    stops = [(r, c) for r, c in _find(grid, ind.end, start_row=hr + 1) if c < near]
    stop = stops[0] if stops else None
    if stop is not None and (total is None or stop[0] < total[0]):
        return stop[0], None
    return (total[0], total) if total else (grid.height, None)


class _Table(NamedTuple):
    """Where the indicator table's parts are: its columns (:func:`_header_columns`), the row that ends it
    and its total's label (:func:`_table_end`), and the labels of the text blocks after it (评价结论 …)."""

    cols: dict[str, int]
    end_row: int
    total_pos: _Pos | None
    remarks: tuple[_Pos, ...]


def _table(grid: Grid, head: Head, layout: Layout) -> _Table:
    cols = _header_columns(grid, head.row, layout)
    c1, c3 = cols.get("level1"), cols.get("name")
    # the 总分 row ends the table: its label anywhere in a row, or starting a cell near the left
    near = (c1 if c1 is not None else (c3 or 0)) + 3
    end_row, total_pos = _table_end(grid, layout, head.row, near)
    remarks = ()
    if layout.indicators.remarks:
        remarks = tuple((r, c) for r, c in _find(grid, layout.indicators.remarks, start_row=end_row)
                        if c < head.col + 3)  # fmt: skip
    return _Table(cols, end_row, total_pos, remarks)


def _indicators(
    grid: Grid, head: Head, layout: Layout, missing: list[str], table: _Table
) -> tuple[tuple[Indicator, ...], tuple[Section, ...], Cell, int, frozenset[str]]:
    hr = head.row
    cols = table.cols
    for key in ("level1", "level2", "name", "kind", "target", "actual", "weight", "score"):
        if f"indicators.{key}" in layout.required and key not in cols:
            missing.append(layout.label(f"indicators.{key}"))
    c1 = cols.get("level1")
    c2 = cols.get("level2")
    c3, ct, ca, cs, cw, ck, cr, cu = (cols.get(k) for k in ("name", "target", "actual", "score", "weight",
                                                             "kind", "reason", "unit"))  # fmt: skip
    end_row, total_pos = table.end_row, table.total_pos
    # a row is in use when 三级指标, T, A, S or 偏差原因 holds anything (a typed "/" too); what the
    # template pre-fills (一级, 二级, 指标类型, 分值) never makes a row an indicator
    use_cols = [c for c in (c3, ct, ca, cs, cr) if c is not None]
    # each row's fields in the order _row_cells gives them (column, read as text)
    row_fields = ((c3, True), (ct, True), (ca, True), (cs, False), (cw, False), (ck, True), (cr, True),
                  (cu, True))  # fmt: skip
    used = frozenset(use_cols)
    formula_rows = {r for r, c in grid.formulas if c in used}  # rows with a formula in a use column
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
        if r not in formula_rows:
            for c in use_cols:
                if row[c] is not None:
                    break
            else:
                continue  # a row not in use (blank, or only what the template pre-filled)
        name, target, actual, score, weight, kind, reason, unit = _row_cells(grid, r, row, row_fields)
        if unit.value.kind not in _MISSING:
            tv, av = with_unit(target.value, actual.value, unit.value.raw)
            if tv is not target.value:
                target = _new(Cell, (target.ref, tv, target.formula))
            if av is not actual.value:
                actual = _new(Cell, (actual.ref, av, actual.formula))
        indicators.append(
            _make_indicator(
                row=r + 1,
                level1=level1,
                section=section,
                level2=level2,
                name=name,
                target=target,
                actual=actual,
                score=score,
                weight=weight,
                kind=kind,
                reason=reason,
                level2_ref=None if c2 is None else ref(r, c2),
                unit=unit,
            )
        )
    total = EMPTY
    if total_pos is not None:
        r, tc = total_pos
        if cs is not None and cs > tc and (not grid.is_empty(r, cs) or grid.is_formula(r, cs)):
            total = _cell(grid, r, cs)
        else:
            # the seed's layout: the total right of its label. Never take a computed column
            # (Σ分值, Σ建议得分) for the total when the unit's own total cell is blank.
            skip = {cols.get(k) for k in ("weight", "suggested", "check")} - {None}
            total = next(
                (
                    _cell(grid, r, c)
                    for c in range(tc + 1, min(grid.width, (cs or tc) + 1))
                    if c not in skip and (not grid.is_empty(r, c) or grid.is_formula(r, c))
                ),
                Cell(ref(r, cs if cs is not None and cs > tc else tc + 1), _BLANK),
            )
    elif "indicators.total" in layout.required:
        missing.append(layout.label("indicators.total"))
    return tuple(indicators), tuple(sections), total, end_row, frozenset(cols)


def _remarks(grid: Grid, places: tuple[_Pos, ...]) -> tuple[Part, ...]:
    """The text blocks after the table (评价结论, 存在问题, 改进措施) with what is written beside them."""
    out = []
    for r, c in places:
        label = str(grid.value(r, c)).strip()
        cell = value_right_of(grid, r, c, expect_text=True)
        if cell.value.is_blank and ":" in L.norm(label):  # "评价结论：……" in one cell
            head, _, rest = label.replace("：", ":").partition(":")
            label, cell = head, Cell(ref(r, c), parse(rest.strip() or None, expect_text=True))
        out.append(Part(label.rstrip(":："), cell))
    return tuple(out)


# --- a project sheet -------------------------------------------------------------------------------


def _any_head(grid: Grid, layout: Layout) -> Head | None:
    """A 一级指标 header whose other columns were deleted: read what is there (XP017 names the rest)."""
    hits = _find(grid, layout.indicators.level1)
    return Head(*hits[0]) if hits else None


def _year(grid: Grid) -> str:
    """The year the form states in its title or a year line ("（2022年度）"), in its first rows."""
    for r in range(min(6, grid.height)):  # (the texts in row-major order: the index's order)
        for _, t in grid.row_items(r):
            if "年度" in t:
                y = L.year_of(t)
                if y:
                    return y
    return ""


def parse_project(grid: Grid, layouts: Layouts) -> Project:
    """One project sheet to a :class:`Project`, read with the layout it holds. Never raises on content."""
    layout = layout_of(grid, layouts)
    missing: list[str] = []
    pl = layout.project
    name_pos, unit_pos, dept_pos = _asked(
        grid,
        layouts,
        "project",
        lambda: (
            _find_first(grid, pl.name),
            _find_first(grid, pl.unit),
            _find_first(grid, pl.department) if pl.department else None,
        ),
    )
    name = value_right_of(grid, *name_pos, expect_text=True) if name_pos else EMPTY
    if name_pos is None and "project.name" in layout.required:
        missing.append(layout.label("project.name"))
    unit = value_right_of(grid, *unit_pos, expect_text=True) if unit_pos else EMPTY
    department = value_right_of(grid, *dept_pos, expect_text=True) if dept_pos else EMPTY

    if layout.funds.style == "labels":
        places = _asked(grid, layouts, "funds", lambda: _labels_places(grid, layout.funds))
        funds = _labels_block(grid, layout, missing, places)
    else:
        funds_head = _asked(grid, layouts, "funds", lambda: _funds_head(grid, layout.funds))
        funds = _columns_block(grid, layout, missing, funds_head)

    head = _asked(grid, layouts, "head", lambda: indicator_head(grid, layout) or _any_head(grid, layout))
    stop = head.row if head else grid.height
    goals = _goals(grid, layout, stop, _asked(grid, layouts, "goals", lambda: _goals_head(grid, layout)))
    columns: frozenset[str] = frozenset()
    remarks: tuple[Part, ...] = ()
    if head is None:
        missing.append(layout.label("indicators.level1" if layout.indicators.level1 else "indicators.name"))
        indicators, sections, total = (), (), EMPTY
    else:
        table = _asked(grid, layouts, "table", lambda: _table(grid, head, layout))
        indicators, sections, total, end_row, columns = _indicators(grid, head, layout, missing, table)
        remarks = _remarks(grid, table.remarks)
    if funds.indicator is not None and not any(i.is_budget_rate for i in indicators):
        sections, indicators = (funds.section, *sections), (funds.indicator, *indicators)
    return _make_project(
        sheet=grid.name,
        name=name,
        unit=unit,
        budget=funds.budget,
        arrived=funds.arrived,
        executed=funds.executed,
        progress=funds.progress,
        goals=goals,
        sections=sections,
        indicators=indicators,
        total=total,
        missing=tuple(dict.fromkeys(missing)),
        hidden=grid.hidden,
        conclusion=_conclusion(grid),
        locations=grid.locations,
        layout=layout.name,
        initial=funds.initial,
        adjustment=funds.adjustment,
        department=department,
        year=_year(grid),
        columns=columns,
        remarks=remarks,
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
        typed += [f.total, f.fiscal, f.other, *(part.cell for part in f.parts)]
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
    code, name = L.split_code(vals[L.UNIT_NAME])
    return UnitInfo(
        name=name,
        department=vals[L.UNIT_DEPARTMENT],
        year=year,
        filler=vals[L.UNIT_FILLER],
        phone=vals[L.UNIT_PHONE],
        preset=vals[L.UNIT_PRESET],
        code=code,
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


def _unit_from_projects(unit: UnitInfo, projects: Sequence[Project]) -> UnitInfo:
    """What a workbook without a 单位信息 sheet (a province's form, a Word report) says of its unit: the
    first project's 实施单位 and 主管部门 (without their 一体化 codes), and the year its form states."""
    p = projects[0]
    code, name = L.split_code(p.unit.text)
    dept = unit.department or L.split_code(p.department.text)[1]
    year = unit.year or next((q.year for q in projects if q.year), "")
    if unit.name:
        return UnitInfo(unit.name, dept, year, unit.filler, unit.phone, unit.preset, unit.code)
    return UnitInfo(name=name, year=year, department=dept, code=code)


def parse_workbook(
    path: str, grids: Sequence[Grid], source: str | None = None, *, layouts: Layouts
) -> Workbook:
    """All grids of one file to a :class:`Workbook`; projects in sheet order. ``source`` says what the
    file is (a workbook or a document) where its grids cannot: a Word file without a table.

    Every sheet holding a 自评表 is a project, hidden or not (a hidden project is not dropped: XP018 says
    it is hidden). A 自评表 with nothing typed into it and a sheet with the form's words but not its
    tables are not projects; they are listed in ``Workbook.notes`` (XP019)."""
    by_name = {g.name: g for g in grids}
    unit_grid = by_name.get(L.UNIT_SHEET) or next((g for g in grids if is_unit_sheet(g, layouts)), None)
    projects: list[Project] = []
    notes: list[SheetNote] = []
    for g in grids:
        if is_project_sheet(g, layouts):
            p = parse_project(g, layouts)
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
    if projects and (not unit.name or not unit.year or not unit.department):
        unit = _unit_from_projects(unit, projects)
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
