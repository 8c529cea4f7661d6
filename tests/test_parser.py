"""The parser finds fields by label: layouts that differ from the template read the same."""

from __future__ import annotations

from xlperf.core.grid import Grid
from xlperf.core.labels import norm
from xlperf.core.model import BLANK_FORM, SheetNote
from xlperf.core.parser import parse_project, parse_workbook, value_right_of
from xlperf.layouts import shipped

from factory import FIRST_IND, clean_rows, workbook

LAYOUTS = shipped()


def _sig(wb):
    """What must not change when the layout changes: values, not addresses."""
    p = wb.projects[0]
    return (
        p.name.text,
        p.unit.text,
        [(f.total.number, f.fiscal.number, f.other.number) for f in (p.budget, p.arrived, p.executed)],
        p.progress.number,
        [
            (
                norm(i.level1),
                i.section,
                i.level2,
                i.name.text,
                i.target.value.raw,
                i.actual.value.raw,
                i.weight.number,
                i.score.number,
                i.kind.text,
            )
            for i in p.indicators
        ],
        p.total.number,
        [(s.key, s.weight) for s in p.sections],
        p.missing,
    )


def test_clean_grid_reads_every_field():
    p = workbook().projects[0]
    assert p.name.text == "干部教育培训" and p.name.ref == "B4"
    assert p.unit.text == "某某局"
    assert (p.budget.total.number, p.budget.fiscal.number, p.budget.other.number) == (10, 8, 2)
    assert p.executed.total.ref == "G7"
    assert p.progress.ref == "H7" and p.progress.number == 1.0
    assert len(p.indicators) == 10
    assert [s.key for s in p.sections] == ["output", "budget", "benefit", "satisfaction"]
    assert [s.weight for s in p.sections] == [40, 10, 40, 10]
    assert p.indicators[0].score.ref == "H15"
    assert p.total.number == 100 and p.total.ref == "H25"
    assert p.goals[0].rate.value.raw == "110%"
    assert p.missing == ()


def test_inserted_rows_and_columns_and_blank_rows():
    base = _sig(workbook())
    rows = clean_rows()
    rows = [[None, *r] for r in rows]  # a column inserted before A
    rows.insert(0, [None])  # a row inserted on top
    rows.insert(FIRST_IND + 3, [None] * 5)  # a blank row inside the indicator table
    rows.insert(8, [])  # a blank row inside the funds block
    wb = workbook(rows)
    assert _sig(wb) == base
    assert wb.projects[0].name.ref == "C5"


def test_inserted_indicator_row_is_read():
    rows = clean_rows()
    rows.insert(FIRST_IND + 1, [None, None, "新增指标", "正向", "100%", "100%", 0, 0])
    p = workbook(rows).projects[0]
    assert len(p.indicators) == 11
    assert p.indicators[1].name.text == "新增指标" and p.indicators[1].level2 == "数量指标"


def test_fullwidth_halfwidth_and_spaces_in_labels():
    rows = clean_rows()
    rows[3][0] = " 项 目 名 称 "
    rows[6][1] = "预算数:"
    rows[7][1] = "其中:财政资金"
    rows[13][0] = "一级指标 "
    rows[FIRST_IND][0] = "产出指标(40分)"
    assert _sig(workbook(rows)) == _sig(workbook())


def test_level1_without_weight():
    rows = clean_rows()
    rows[FIRST_IND][0] = "产出指标"
    p = workbook(rows).projects[0]
    assert p.sections[0].key == "output" and p.sections[0].weight is None


def test_seed_word_layout_reads():
    """The seed's table as extracted from Word: a blank first column, no 分值/类型/偏差 columns, the hint
    text in the progress cell, the total right of its label."""
    rows = [
        ["一、 基本情况"],
        ["项目名称", "政务和中文域名注册费", "实施(主管）单位", "长安区委编办"],
        [None, "预算安排情况（调整后）", None, "资金到位情况", None, "资金执行情况", None, "预算执行进度"],
        [None, "预算数：", 1.6, "到位数：", 1.6, "执行数：", 1.6, "（=执行数/预算数*100%）"],
        [None, "其中：财政资金", 1.6, "其中：财政资金", 1.6, "其中：财政资金", 1.6],
        [None, "其他", None, "其他", None, "其他", None],
        [None, "一级指标", "二级指标", "三级指标", "预期指标值", "实际完成值", "自评得分"],
        [None, "产出指标（40）", "数量指标", "全区域名数量", "100%", "100%", 10],
        [None, "预算执行率指标\n（10分）", "预算执行率", "预算支出进度执行率", "100%", "100%", 10],
        [None, "总分", 99],
    ]
    p = parse_workbook("w.xlsx", [Grid("Sheet1", rows)], layouts=LAYOUTS).projects[0]
    assert p.unit.text == "长安区委编办"
    assert p.progress.value.is_blank and p.progress.ref == "H4"
    assert p.total.number == 99 and p.total.ref == "C10"
    assert [s.weight for s in p.sections] == [40, 10]
    assert p.indicators[1].section == "budget"
    assert p.indicators[0].weight.ref is None


def test_value_right_of_stops_at_next_label():
    g = Grid("s", [["预算数：", None, "到位数：", 5]])
    c = value_right_of(g, 0, 0)
    assert c.value.is_blank and c.ref == "B1"


def test_non_form_sheets_are_ignored():
    wb = parse_workbook(
        "x.xlsx", [Grid("说明", [["随便写点什么"]]), Grid("自评表1", clean_rows())], layouts=LAYOUTS
    )
    assert [p.sheet for p in wb.projects] == ["自评表1"]


def test_partial_sheet_records_missing_labels():
    rows = clean_rows()[:12]  # no indicator table
    p = workbook(rows).projects[0]
    assert "一级指标" in p.missing


def test_labels_at_the_edge_of_the_sheet_do_not_crash():
    rows = [["一级指标", "二级指标", "三级指标", "预期指标值", "实际完成值", "自评得分", "预算执行进度"]]
    p = parse_project(Grid("自评表1", rows), LAYOUTS)
    assert p.progress.value.is_blank and p.indicators == ()
    assert {"预算数", "总分"} <= set(p.missing)
    # nothing typed into it: a blank form, not a project
    wb = parse_workbook("e.xlsx", [Grid("自评表1", rows)], layouts=LAYOUTS)
    assert wb.projects == () and wb.notes == (SheetNote("自评表1", BLANK_FORM),)


def test_what_the_templates_formulas_show_as_see_check_is_read_as_their_result():
    """Read live (the ribbon, the WPS add-in: values, no formula flags), a template's computed cell that
    says 见校验 (an amount typed "320.5万元") is the formula's: the checks compute it, as they do for a
    saved file, and report nothing on it."""
    import tempfile
    from pathlib import Path

    import openpyxl

    from xlperf.core.engine import validate
    from xlperf.presets import load
    from xlperf.sources import read_grids
    from xlperf.writers.template import FundsRow, IndicatorData, ProjectData, project_layouts, save_template

    rows = [IndicatorData("output", "数量指标", name="培训人次", kind="≥", target=100, unit="人次", actual=100,
                          weight=50, score=50),
            IndicatorData("budget", "预算执行率", name="预算支出进度执行率", kind="≥", target=100, unit="%",
                          weight=50, score=50)]  # fmt: skip
    data = ProjectData(name="项目", funds=[FundsRow("年度资金总额", None, "10万元", 10, 10)], indicators=rows)
    with tempfile.TemporaryDirectory() as tmp:
        path = save_template(Path(tmp) / "t.xlsx", load("national"), data=[data])
        grids = read_grids(path)
        (lay,) = project_layouts(openpyxl.load_workbook(path))
    live = []
    for g in grids:  # what Excel shows: the formulas' results, no formula flags
        rows_ = [list(r) for r in g.rows]
        if g.name == "自评表1":
            rows_[lay.funds_row - 1][9] = "见校验"  # 执行率
            rows_[lay.budget_rows[0] - 1][6] = "见校验"  # the 预算执行率 row's 实际完成值
            rows_[lay.total_row - 1][8] = 100  # 总分
        live.append(Grid(g.name, rows_, g.hidden))
    wb = parse_workbook("t.xlsx", live, layouts=LAYOUTS)
    (p,) = wb.projects
    assert p.progress.formula and p.indicators[1].actual.formula
    v = validate(wb, load("national"))
    assert [
        (f.rule, f.cell) for f in v.findings if f.rule in ("XP001", "XP002", "XP003", "XP007", "XP015")
    ] == []
    assert v.projects[0].rate == 1.0
