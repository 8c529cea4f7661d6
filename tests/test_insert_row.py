"""插入指标行: the plan computed from a sheet (pure), the plan performed by an office suite (LibreOffice
through UNO, as Excel performs it through COM: insert a row, copy the neighbour, clear what was typed,
merge the 一级 cell), and the macro's calls and messages (a recording fake of the xlwings objects).

The template's formulas are another module's business and change: every expectation here is stated
against the neighbour row of the same sheet, never against a formula text."""

from __future__ import annotations

import re

import openpyxl
import pytest
from openpyxl.utils import get_column_letter

from xlperf import presets
from xlperf.actions import RowPlanError, indicator_row_plan
from xlperf.core.grid import Grid
from xlperf.excel import macros
from xlperf.sources import read_workbook
from xlperf.writers.template import save_template

from office import Office, available

SHEET = "自评表1"


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    path = tmp_path_factory.mktemp("tpl") / "模板.xlsx"
    return save_template(path, presets.load("national"), projects=1)


def _sheet(path):
    """What Excel hands the macro: values, formulas (same shape) and the merged cells of column A."""
    ws = openpyxl.load_workbook(path)[SHEET]
    formulas = [[c.value for c in row] for row in ws.iter_rows()]
    values = [[None if isinstance(v, str) and v.startswith("=") else v for v in row] for row in formulas]
    merges = {r: (m.min_row, m.max_row) for m in ws.merged_cells.ranges if m.min_col == 1 == m.max_col
              for r in range(m.min_row, m.max_row + 1)}  # fmt: skip
    return Grid.from_rows(SHEET, values), formulas, merges


def _block(grid):
    """The indicator table's rows (first, last) and its 一级 blocks (first row -> last row)."""
    head = grid.find_first("一级指标")
    total = grid.find_first("总分", start_row=head[0] + 1)
    first, last = head[0] + 2, total[0]
    starts = [r for r in range(first, last + 1) if grid.value(r - 1, 0) not in (None, "")]
    return (
        first,
        last,
        {s: (starts[i + 1] - 1 if i + 1 < len(starts) else last) for i, s in enumerate(starts)},
    )


# --------------------------------------------------------------------------------------------------
# The plan
# --------------------------------------------------------------------------------------------------


def test_plan_inside_a_merged_block_goes_below_and_extends_the_merge(template):
    grid, formulas, merges = _sheet(template)
    first, last, blocks = _block(grid)
    top, bottom = next((a, b) for a, b in blocks.items() if b > a)  # 产出: a merged block
    row = top + 1
    plan = indicator_row_plan(grid, formulas, row, merges.get(row))
    assert plan.insert_at == row + 1 and plan.source == row
    end = get_column_letter(grid.width)  # the whole row the template writes (its hidden helpers too)
    assert plan.copy_from == f"A{row}:{end}{row}" and plan.copy_to == f"A{row + 1}"
    assert plan.label_range == f"A{top}:A{bottom + 1}" and plan.merge
    assert plan.label_values[0] == grid.value(top - 1, 0) and set(plan.label_values[1:]) == {None}
    # what is cleared: exactly the neighbour's typed values, never a formula
    typed = {f"{chr(65 + c)}{row + 1}" for c in range(1, 12)
             if formulas[row - 1][c] not in (None, "") and not str(formulas[row - 1][c]).startswith("=")}  # fmt: skip
    assert set(plan.clear) == typed and typed
    assert plan.select == f"B{row + 1}"


def test_plan_on_the_last_row_of_a_merged_block_joins_that_block(template):
    grid, formulas, merges = _sheet(template)
    first, last, blocks = _block(grid)
    top, bottom = next((a, b) for a, b in blocks.items() if b > a and b < last)
    plan = indicator_row_plan(grid, formulas, bottom, merges.get(bottom))
    assert plan.insert_at == bottom + 1  # below it: the next block moves down
    assert plan.label_range == f"A{top}:A{bottom + 1}" and plan.merge


def test_plan_on_the_last_row_of_the_table_goes_above_it_so_the_totals_take_it_in(template):
    grid, formulas, merges = _sheet(template)
    first, last, blocks = _block(grid)
    assert blocks[last] == last  # the template's last block (满意度) is one row
    plan = indicator_row_plan(grid, formulas, last, merges.get(last))
    assert plan.insert_at == last and plan.source == last + 1
    assert plan.copy_from == f"A{last + 1}:{get_column_letter(grid.width)}{last + 1}"
    assert plan.label_range == f"A{last}:A{last + 1}" and plan.merge  # one row became a merged pair
    assert plan.label_values == (grid.value(last - 1, 0), None)


@pytest.mark.parametrize("where", ["header", "total", "above"])
def test_plan_outside_the_table_says_where_to_click(template, where):
    grid, formulas, _ = _sheet(template)
    first, last, _ = _block(grid)
    row = {"header": first - 1, "total": last + 1, "above": 3}[where]
    with pytest.raises(RowPlanError, match=f"第 {first}–{last} 行"):
        indicator_row_plan(grid, formulas, row)


def test_plan_refuses_the_budget_row(template):
    grid, formulas, _ = _sheet(template)
    first, last, blocks = _block(grid)
    budget = next(r for r in blocks if "预算执行率" in str(grid.value(r - 1, 0)))
    with pytest.raises(RowPlanError, match="预算执行率"):
        indicator_row_plan(grid, formulas, budget)


def test_plan_on_another_sheet_is_refused():
    grid = Grid.from_rows("单位信息", [["单位名称", "测试单位"], ["年度", "2020"]])
    with pytest.raises(RowPlanError, match="不是项目支出绩效自评表"):
        indicator_row_plan(grid, [["单位名称", "测试单位"], ["年度", "2020"]], 1)


def test_plan_keeps_a_label_typed_in_every_row():
    rows = [["一级指标", "二级指标", "三级指标", "预期指标值", "实际完成值", "自评得分"],
            ["产出指标", "数量指标", "a", 1, 1, 5],
            ["产出指标", "质量指标", "b", 1, 1, 5],
            ["总分", None, None, None, None, 10]]  # fmt: skip
    plan = indicator_row_plan(Grid.from_rows("表", rows), rows, 2)
    assert plan.label_values == ("产出指标",) * 3 and not plan.merge
    assert set(plan.clear) == {"B3", "C3", "D3", "E3", "F3"}


# --------------------------------------------------------------------------------------------------
# The plan performed by LibreOffice, as Excel performs it
# --------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def lo():
    if not available():
        pytest.skip("LibreOffice with python3-uno is not installed")
    with Office() as office:
        yield office


def _perform(lo, doc, plan):
    """The steps of xlperf.excel.macros._apply_row_plan, through UNO."""
    lo.unprotect(doc, SHEET)
    lo.insert_rows(doc, SHEET, plan.insert_at, 1)
    lo.merge(doc, SHEET, plan.label_range, False)
    lo.copy_range(doc, SHEET, plan.copy_from, plan.copy_to)
    for cell in plan.clear:
        lo.clear(doc, SHEET, cell)
    lo.set_formulas(doc, SHEET, plan.label_range, [["" if v is None else str(v)] for v in plan.label_values])
    if plan.merge:
        lo.merge(doc, SHEET, plan.label_range, True)
    lo.protect(doc, SHEET)


def _shift(formula: str, old: int, new: int) -> str:
    """A formula of row ``old`` as Excel writes it into row ``new``: its relative row references move."""
    return re.sub(rf"(?<![$\dA-Z])([A-Z]{{1,3}}){old}(?!\d)", rf"\g<1>{new}", formula)


@pytest.mark.libreoffice
@pytest.mark.parametrize("which", ["middle", "block_end", "table_end"])
def test_inserted_row_behaves_like_its_neighbour(lo, template, tmp_path, which):
    grid, formulas, merges = _sheet(template)
    first, last, blocks = _block(grid)
    top, bottom = next((a, b) for a, b in blocks.items() if b > a and b < last)
    row = {"middle": top + 1, "block_end": bottom, "table_end": last}[which]
    plan = indicator_row_plan(grid, formulas, row, merges.get(row))
    doc = lo.open(template)
    weights_before = lo.data(doc, SHEET, f"H{last + 1}")[0][0]
    _perform(lo, doc, plan)
    p, s = plan.insert_at, plan.source

    # every formula of the neighbour, its references moved to the new row
    new, neighbour = lo.formulas(doc, SHEET, f"A{p}:M{p}")[0], lo.formulas(doc, SHEET, f"A{s}:M{s}")[0]
    kept = [c for c in range(1, 13) if neighbour[c].startswith("=")]
    assert kept == [10, 11, 12], "the neighbour row has its formulas in K, L and M"
    for c in range(1, 13):
        if c in kept:
            assert new[c] == _shift(neighbour[c], s, p), chr(65 + c)
        else:
            assert new[c] == "", chr(65 + c)  # nothing the user typed in the neighbour comes along
    # validations and protection of the neighbour
    for c in "BDEGHI":
        assert lo.validation(doc, SHEET, f"{c}{p}") == lo.validation(doc, SHEET, f"{c}{s}"), c
    assert lo.validation(doc, SHEET, f"D{p}")["type"] == "LIST"
    for c in "ABCDEFGHIJKLM":
        assert lo.is_locked(doc, SHEET, f"{c}{p}") == lo.is_locked(doc, SHEET, f"{c}{s}"), c
    assert not lo.is_locked(doc, SHEET, f"C{p}") and lo.is_locked(doc, SHEET, f"K{p}")
    # the 一级 cell is one merged cell over the grown block, its label on top
    assert lo.is_merged(doc, SHEET, plan.label_range)
    top_cell = plan.label_range.split(":")[0]
    assert lo.data(doc, SHEET, top_cell)[0][0] == plan.label_values[0]

    # a user fills the new row: the totals take it in, and xlperf reads it in its block
    lo.type_many(doc, SHEET, {f"C{p}": "新增指标", f"D{p}": "≥", f"E{p}": "100", f"F{p}": "%",
                              f"G{p}": "100", f"H{p}": "5", f"I{p}": "5"})  # fmt: skip
    lo.recalc(doc)
    # Σ分值 counts the rows in use (issue 8 §1): on the blank form only the pre-filled 预算执行率 row, then
    # the new row (5) too
    assert weights_before == pytest.approx(10)
    assert lo.data(doc, SHEET, f"H{last + 2}")[0][0] == pytest.approx(5 + 10)
    assert lo.data(doc, SHEET, f"K{p}")[0][0] == pytest.approx(5)  # 建议得分 computes in the new row
    out = lo.save_xlsx(doc, tmp_path / f"{which}.xlsx")
    lo.close(doc)
    project = read_workbook(out).projects[0]
    added = next(i for i in project.indicators if i.name.value.text == "新增指标")
    assert added.row == p and added.level1 == str(plan.label_values[0]).strip()
    assert added.score.value.number == 5
    # the rows in use: the new one and the template's 预算执行率 row (the others are left as the template
    # made them, which makes them no indicators: issue 8 §1)
    budget_row = next(r for r in range(first, last + 1) if "预算执行率" in str(grid.value(r - 1, 0) or ""))
    assert [i.row for i in project.indicators] == sorted({p, budget_row + (p <= budget_row)})


# --------------------------------------------------------------------------------------------------
# The macro: its calls into Excel, and its messages
# --------------------------------------------------------------------------------------------------


class _Recorder:
    """Records every call and property write made through it (the COM objects of Excel)."""

    def __init__(self, log, name):
        object.__setattr__(self, "_log", log)
        object.__setattr__(self, "_name", name)

    def __getattr__(self, attr):
        return _Recorder(self._log, f"{self._name}.{attr}")

    def __setattr__(self, attr, value):
        self._log.append((f"{self._name}.{attr}=", value))

    def __call__(self, *args, **kwargs):
        self._log.append((self._name, args, kwargs))
        return _Recorder(self._log, f"{self._name}()")


class _Sheet:
    def __init__(self, log, grid, formulas, merged, protected=False, password=False):
        self.log, self.grid, self.formulas, self.merged = log, grid, formulas, merged
        self.name = grid.name
        self.visible = True
        self.api = _SheetApi(log, protected, password)

    @property
    def used_range(self):
        return _Used(self.grid)

    def range(self, a, b=None):
        return _Range(self, a, b)


class _SheetApi:
    def __init__(self, log, protected, password):
        self.log, self.ProtectContents, self.password = log, protected, password
        self.Protection = type("P", (), {n: True for n in macros.live._PROTECT_FLAGS})()
        self.ProtectDrawingObjects = self.ProtectScenarios = True

    def Rows(self, n):  # noqa: N802 - COM names
        return _Recorder(self.log, f"Rows({n})")

    def Unprotect(self):  # noqa: N802
        if self.password:
            raise RuntimeError("The password you supplied is not correct.")
        self.log.append(("Unprotect",))

    def Protect(self, **kw):  # noqa: N802
        self.log.append(("Protect", kw))


class _Used:
    def __init__(self, grid):
        from xlperf.core.a1 import column_letter

        self.address = f"$A$1:${column_letter(max(grid.width, 1))}${max(grid.height, 1)}"


class _Range:
    def __init__(self, sheet, a, b=None):
        self.sheet, self.a, self.b = sheet, a, b

    def options(self, **kw):
        return self

    @property
    def value(self):
        return [list(r) for r in self.sheet.grid.rows]

    @value.setter
    def value(self, v):
        self.sheet.log.append(("value", self.a, v))

    @property
    def formula(self):
        return self.sheet.formulas

    @property
    def merge_cells(self):
        return self.sheet.merged is not None

    @property
    def merge_area(self):
        top, bottom = self.sheet.merged
        return type("A", (), {"row": top, "last_cell": type("C", (), {"row": bottom})()})()

    @property
    def row_height(self):
        return 24.0

    @row_height.setter
    def row_height(self, v):
        self.sheet.log.append(("row_height", self.a, v))

    def __getattr__(self, name):  # unmerge, merge, copy, clear_contents, select
        def call(*args):
            self.sheet.log.append((name, self.a, *[x.a if isinstance(x, _Range) else x for x in args]))

        return call


class _App:
    def __init__(self, sheet):
        self.selection_sheet, self.alerts, self.status = sheet, [], []
        self.screen_updating, self.calculation = True, "automatic"
        self.row = None

    @property
    def selection(self):
        if self.row is None:
            return None
        return type("S", (), {"sheet": self.selection_sheet, "row": self.row})()

    def alert(self, text, **kw):
        self.alerts.append((text, kw.get("mode")))

    @property
    def status_bar(self):
        return False

    @status_bar.setter
    def status_bar(self, v):
        self.status.append(v)


def _run(monkeypatch, template, row, *, protected=True, password=False):
    grid, formulas, merges = _sheet(template)
    log: list = []
    sheet = _Sheet(log, grid, formulas, merges.get(row), protected, password)
    app = _App(sheet)
    app.row = row
    book = type("B", (), {"app": app})()
    monkeypatch.setattr(macros, "_caller", lambda: book)
    result = macros.insert_indicator_row()
    return result, log, app


def test_macro_makes_few_calls_and_restores_the_protection(monkeypatch, template):
    grid, *_ = _sheet(template)
    first, last, blocks = _block(grid)
    top = next(a for a, b in blocks.items() if b > a)
    plan, log, app = _run(monkeypatch, template, top + 1)
    assert app.alerts == []
    kinds = [entry[0] for entry in log]
    assert kinds[0] == "Unprotect" and kinds[-1] == "Protect"
    assert (f"Rows({plan.insert_at}).Insert", (), {"Shift": -4121, "CopyOrigin": 0}) in log
    assert ("copy", plan.copy_from, plan.copy_to) in log
    assert ("merge", plan.label_range) in log and ("select", plan.select) in log
    assert len(log) <= 12  # one call per step, whatever the table's size
    assert "插入一行指标" in app.status[0]


def test_macro_on_the_budget_row_explains_and_changes_nothing(monkeypatch, template):
    grid, *_ = _sheet(template)
    _, _, blocks = _block(grid)
    budget = next(r for r in blocks if "预算执行率" in str(grid.value(r - 1, 0)))
    result, log, app = _run(monkeypatch, template, budget)
    assert result is None and log == []
    assert "预算执行率" in app.alerts[0][0] and app.alerts[0][1] == "critical"


def test_macro_on_a_password_protected_sheet_says_so(monkeypatch, template):
    grid, *_ = _sheet(template)
    _, _, blocks = _block(grid)
    row = next(a for a, b in blocks.items() if b > a)
    result, log, app = _run(monkeypatch, template, row, password=True)
    assert result is None and not any(e[0].startswith("Rows") for e in log)
    assert "密码保护" in app.alerts[0][0]


def test_macro_with_no_cell_selected_says_what_to_select(monkeypatch, template):
    result, log, app = _run(monkeypatch, template, None)
    assert result is None and log == []
    assert "选中一行指标" in app.alerts[0][0]
