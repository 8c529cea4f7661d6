"""The parser on the provinces' layouts, field by field: where each value is read from (its cell), what
the 其中 rows are called, what ends the indicator table, what a form without a field is told. Written
from surviving mutants of xlperf/core/parser.py and layout.py: each test names what a wrong parser would
get wrong. The whole forms as units fill them are the corpus of tests/provinces/."""

from __future__ import annotations

import pytest
from test_layouts import synthetic_form

from xlperf import layouts, presets
from xlperf.core.engine import validate
from xlperf.core.grid import Grid
from xlperf.core.layout import from_dict
from xlperf.core.parser import parse_project, parse_workbook
from xlperf.errors import LayoutError

from factory import clean_rows

LAYOUTS = layouts.shipped()
N = None

# 四川 510000_0013zp as a unit fills it: a two-row funds header (年度预算数 over 年初预算｜调整后预算数),
# 85 % executed with 原因 blank, a reverse "≤ | 30 | 万元" row at 35 scored 10, a 定性 row; the signing
# line and the 评价结论 block after 合计. Expected by hand: XP009 at H9 (85 % < 90 %, 原因 blank), XP004 at
# J18 (reverse: 10 × (1 − 5/30) = 8.33), XP009 at K18 (35 万元 misses ≤ 30), XP009 at K19 (28 of 30);
# XP023 (issue 20's 自评预警) since.
SICHUAN = [
    ["部门预算项目支出绩效自评表(2023年度)"],
    ["报表编号:510000_0013zp"],
    ["项目名称", "51000021R000000019951-工资性支出", N, N, N, N, N, N, N, N],
    ["主管部门", "510000-四川省某厅", N, N, "实施单位（盖章）", "510001-四川省某中心"],
    ["项目基本情况", "1.项目年度目标完成情况", "项目年度目标", N, N, "年度目标完成情况"],
    [N, N, "保障人员工资发放", N, N, "按时足额发放"],
    ["预算执行情况(10分)", "年度预算数(万元)", N, "预算执行数", "预算执行率", "权重", "得分", "原因"],
    [N, "年初预算", "调整后预算数"],
    ["总额", 100, 120, 102, "85%", 10, 8.5, N],
    ["其中:财政资金", 100, 110, 97, "/", "/", "/", N],
    ["财政专户管理资金", 0, 10, 5, "/", "/", "/"],
    ["单位资金", 0, 0, 0],
    ["其他资金", 0, 0, 0],
    ["预算执行率=预算执行数/调整后预算数,未达到90%的需说明原因"],
    ["绩效指标(90分)", "一级指标", "二级指标", "三级指标", "指标性质", "指标值", "度量单位", "完成值", "权重", "得分",
     "未完成原因分析"],
    [N, "产出指标", "数量指标", "发放人数", "≥", 120, "人", 120, 30, 30],
    [N, N, "质量指标", "发放准确率", "=", 100, "%", 100, 20, 20],
    [N, N, "经济成本指标", "人均成本", "≤", 30, "万元", 35, 10, 10],
    [N, "效益指标", "社会效益指标", "队伍稳定", "定性", "效果明显", N, "达成预期指标", 30, 28],
    ["合计", N, N, N, N, N, N, N, 100, 96.5],
    ["评价结论", "良好"],
    ["存在问题：部分资金未支出"],
    ["改进措施", "加强管理"],
    ["项目负责人:张三", N, N, N, "财务负责人:李四"],
]  # fmt: skip


def _read(rows, name="工资性支出"):
    return parse_workbook("x.xlsx", [Grid.from_rows(name, [list(r) for r in rows])], layouts=LAYOUTS)


def _findings(rows, preset="sichuan"):
    return {(f.rule, f.cell) for f in validate(_read(rows), presets.load(preset)).findings}


def test_sichuan_funds_block_every_cell():
    p = _read(SICHUAN).projects[0]
    assert p.layout == "sichuan" and p.missing == ()
    assert (p.budget.total.ref, p.budget.total.number) == ("C9", 120)
    assert (p.initial.total.ref, p.initial.total.number) == ("B9", 100)
    assert (p.executed.total.ref, p.executed.total.number) == ("D9", 102)
    assert p.arrived.total.ref is None and p.adjustment.total.ref is None
    assert [(x.label, x.cell.ref, x.cell.number) for x in p.budget.parts] == [
        ("财政资金", "C10", 110), ("财政专户管理资金", "C11", 10), ("单位资金", "C12", 0), ("其他资金", "C13", 0)
    ]  # fmt: skip
    assert (p.budget.fiscal.ref, p.budget.other.ref) == ("C10", "C13")
    assert [x.cell.ref for x in p.executed.parts] == ["D10", "D11", "D12", "D13"]
    assert (p.progress.ref, p.progress.number) == ("E9", 0.85)
    budget = p.indicators[0]
    assert budget.is_budget_rate and (budget.row, budget.level1, budget.level2) == (
        9,
        "预算执行率",
        "预算执行率",
    )
    assert (budget.name.ref, budget.name.text) == ("A9", "预算执行率")
    assert (budget.target.ref, budget.target.text) == ("E7", "100%")  # under the 执行率 header
    assert budget.actual.ref is None
    assert (budget.weight.ref, budget.weight.number, budget.score.ref, budget.score.number) == (
        "F9",
        10,
        "G9",
        8.5,
    )
    assert budget.reason.ref == "H9"
    assert (p.sections[0].key, p.sections[0].label, p.sections[0].ref, p.sections[0].weight) == (
        "budget", "预算执行率", "A9", 10
    )  # fmt: skip


def test_sichuan_indicator_rows_every_cell():
    wb = _read(SICHUAN)
    p = wb.projects[0]
    rows = p.indicators[1:]
    assert [(i.row, i.section, i.level2, i.level2_ref, i.name.ref) for i in rows] == [
        (16, "output", "数量指标", "C16", "D16"),
        (17, "output", "质量指标", "C17", "D17"),
        (18, "output", "经济成本指标", "C18", "D18"),
        (19, "benefit", "社会效益指标", "C19", "D19"),
    ]
    assert [(i.kind.text, i.kind.ref, i.unit.text, i.unit.ref) for i in rows] == [
        ("≥", "E16", "人", "G16"), ("=", "E17", "%", "G17"), ("≤", "E18", "万元", "G18"), ("定性", "E19", "", "G19")
    ]  # fmt: skip
    assert [(i.target.ref, i.target.value.number, i.actual.ref, i.actual.value.number) for i in rows] == [
        ("F16", 120, "H16", 120), ("F17", 1.0, "H17", 1.0), ("F18", 30, "H18", 35), ("F19", None, "H19", None)
    ]  # fmt: skip
    assert [(i.weight.ref, i.score.ref, i.reason.ref) for i in rows][0] == ("I16", "J16", "K16")
    assert rows[3].target.text == "效果明显" and rows[3].actual.text == "达成预期指标"
    assert [(s.key, s.label, s.ref, s.weight) for s in p.sections[1:]] == [
        ("output", "产出指标", "B16", None), ("benefit", "效益指标", "B19", None)
    ]  # fmt: skip
    assert (p.total.ref, p.total.number) == ("J20", 96.5)
    assert p.columns == {"level1", "level2", "name", "kind", "target", "unit", "actual", "weight", "score",
                         "reason"}  # fmt: skip
    assert [(r.label, r.cell.ref, r.cell.text) for r in p.remarks] == [
        ("评价结论", "B21", "良好"), ("存在问题", "A22", "部分资金未支出"), ("改进措施", "B23", "加强管理")
    ]  # fmt: skip
    assert [(g.expected.ref, g.expected.text, g.actual.ref, g.actual.text) for g in p.goals] == [
        ("C6", "保障人员工资发放", "F6", "按时足额发放")
    ]
    assert (p.name.ref, p.title, p.year) == ("B3", "工资性支出（51000021R000000019951）", "2023")
    assert (p.department.ref, p.department.text) == ("B4", "510000-四川省某厅")
    assert (wb.unit.name, wb.unit.code, wb.unit.department, wb.unit.year) == (
        "四川省某中心", "510001", "四川省某厅", "2023"
    )  # fmt: skip


def test_sichuan_findings_written_by_hand():
    # and the 一体化 systems' red 自评预警 at the total (XP023): the indicators' 88 of 90 run more than 5 %
    # ahead of the budget's 8.5 of 10, (0.978 − 0.85) / 0.978 = 13 %
    assert _findings(SICHUAN) == {("XP009", "H9"), ("XP004", "J18"), ("XP009", "K18"), ("XP009", "K19"),
                                  ("XP023", "J20")}  # fmt: skip


def test_a_table_whose_total_row_was_deleted_ends_at_the_evaluation_block():
    rows = [r for r in SICHUAN if r[:1] != ["合计"]]
    p = _read(rows).projects[0]
    assert [i.name.text for i in p.indicators][-1] == "队伍稳定"  # 评价结论 and the signing line are no rows
    assert p.missing == ("合计",) and p.total.ref is None
    assert ("XP017", None) in {
        (f.rule, f.cell) for f in validate(_read(rows), presets.load("sichuan")).findings
    }


def test_the_evaluation_block_is_not_read_as_indicators_even_far_right():
    rows = [list(r) for r in SICHUAN]
    rows[19] = ["合计", N, N, N, N, N, N, N, 100, 96.5]
    rows.insert(20, [N, N, N, N, N, N, N, N, N, N, "评价结论"])  # far right: not an end of the table
    p = _read(rows).projects[0]
    assert len(p.indicators) == 5 and p.total.ref == "J20"


def test_parts_end_at_a_row_that_is_no_source_of_funds():
    rows = [list(r) for r in SICHUAN]
    rows[12] = ["合计说明", 0, 0, 0]  # not a 其中 row: the parts end before it
    p = _read(rows).projects[0]
    assert [x.label for x in p.budget.parts] == ["财政资金", "财政专户管理资金", "单位资金"]
    rows[11] = [N, 0, 0, 0]  # an unlabelled row ends them too
    assert [x.label for x in _read(rows).projects[0].budget.parts] == ["财政资金", "财政专户管理资金"]


def test_parts_that_do_not_add_up_are_named_in_xp010():
    rows = [list(r) for r in SICHUAN]
    rows[9][2] = 100  # 100 + 10 + 0 + 0 ≠ 120
    v = validate(_read(rows), presets.load("sichuan"))
    (f,) = [f for f in v.findings if f.rule == "XP010"]
    assert f.cell == "C9" and "财政资金、财政专户管理资金、单位资金、其他资金之和" in f.message
    assert (f.expected, f.found) == ("110", "120")


def test_a_form_without_a_funds_block_is_told_what_is_missing():
    rows = SICHUAN[:6] + SICHUAN[14:]
    p = _read(rows).projects[0]
    assert p.missing == ("调整后预算数", "预算执行数")
    assert (p.budget.total.number, p.executed.total.number, p.progress.ref) == (None, None, None)
    assert not any(i.is_budget_rate for i in p.indicators)
    rules = {f.rule for f in validate(_read(rows), presets.load("sichuan")).findings}
    assert "XP017" in rules


def test_the_block_weight_comes_from_its_heading_when_the_weight_cell_is_blank():
    rows = [list(r) for r in SICHUAN]
    rows[8][5] = N  # 权重 blank: 预算执行情况(10分) says 10
    p = _read(rows).projects[0]
    assert p.sections[0].weight == 10 and p.indicators[0].weight.number is None


@pytest.mark.parametrize(
    ("lay", "key"),
    [(lay, key) for lay in LAYOUTS if lay.funds.style == "columns" for key in lay.required
     if key.startswith("indicators.") and key != "indicators.total"],
)  # fmt: skip
def test_a_required_column_missing_is_named_by_the_layouts_label(lay, key):
    field = key.split(".")[1]
    rows = synthetic_form(lay)
    label = getattr(lay.indicators, field)[0].rstrip("*")
    name = lay.indicators.name[0]
    header = next(r for r in rows if name in r)  # the indicator table's header (not the funds block's)
    header[header.index(label)] = "（删去）"
    wb = _read(rows)
    if field == "level1" or (field == "name" and not lay.indicators.level1) or not wb.projects:
        return  # the table's own anchor: no table at all (XP017 names it; the sheet may not be a form)
    p = wb.projects[0]
    if p.layout != lay.name:
        return  # the column's label was the form's mark: another form now (its own labels then apply)
    assert lay.label(key) in p.missing


# --- the layout file ------------------------------------------------------------------------------


def test_a_layout_file_is_read_field_by_field():
    lay = from_dict(
        {
            "name": "demo",
            "detect": {"texts": ["报表编号：DEMO", "偏差原因 *"]},
            "funds": {"style": "columns", "budget": "全年预算数", "executed": ["全年执行数"]},
            "indicators": {"name": ["三级指标"], "reason": ["偏差原因*"]},
            "required": ["funds.budget"],
        },
        source="demo.toml",
    )
    assert (lay.name, lay.title, lay.preset, lay.detect_min, lay.source) == (
        "demo",
        "demo",
        "",
        1,
        "demo.toml",
    )
    assert lay.detect == ("报表编号:DEMO", "偏差原因*")  # normalised as cells are; a * kept
    assert (lay.funds.style, lay.funds.budget, lay.funds.executed) == (
        "columns",
        ("全年预算数",),
        ("全年执行数",),
    )
    assert lay.indicators.reason == ("偏差原因*",) and lay.required == ("funds.budget",)
    assert lay.label("funds.budget") == "全年预算数" and lay.label("indicators.reason") == "偏差原因"
    assert lay.label("indicators.unit") == "indicators.unit"  # no label: the key itself
    assert from_dict({"name": "x"}).funds.style == "labels"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "x", "indicator": {}}, "表样定义中有无法识别的设置：indicator（请检查拼写和位置）"),
        ({"name": "x", "funds": {"style": "rows"}}, "表样定义中 funds.style 只能是 labels、columns"),
        ({"name": "x", "required": ["funds.nothing"]}, "表样定义 required 中的“funds.nothing”不是已知的栏目"),
        ({"name": "x", "indicators": {"target": [1]}}, "表样定义中“indicators.target”应为文字列表"),
        ({"name": "x", "indicators": {"target": [" "]}}, "表样定义中“indicators.target”应为文字列表"),
        ({"name": "x", "funds": []}, "表样定义中“funds”应为表（[funds]）"),
        ({"name": "x", "detect": []}, "表样定义中“detect”应为表（[detect]）"),
        ({"name": "x", "detect": {"mins": 2}}, "表样定义中有无法识别的设置：detect.mins（请检查拼写和位置）"),
        ({"title": "no name"}, "表样定义缺少 name"),
        ({"name": "x", "detect": {"min": "two"}}, "表样定义中 detect.min 应为整数"),
    ],
)
def test_a_malformed_layout_is_refused_with_its_reason(data, message):
    with pytest.raises(LayoutError) as e:
        from_dict(data)
    assert str(e.value) == message


def test_goals_end_where_the_form_labels_another_block():
    """四川's 项目基本情况: the goals row, then 2.项目实施内容及过程概述 (not a goal); the national form's goals
    label typed again in every row (not merged) goes on."""
    rows = [list(r) for r in SICHUAN]
    rows.insert(6, [N, "2.项目实施内容及过程概述", "按月发放工资", N, N, N])
    p = _read(rows).projects[0]
    assert [g.expected.text for g in p.goals] == ["保障人员工资发放"]
    rows = [
        ["项目名称", "道路养护"],
        ["年度总体目标", "预期目标", N, "实际完成情况"],
        ["年度总体目标", "养护30公里", N, "养护32公里"],
        ["年度总体目标", "路况良好", N, "路况良好"],
        ["项目资金（万元）", "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"],
        ["年度资金总额", 10, 10, 10, 10, "100%", 10],
    ]
    p = _read(rows).projects[0]
    assert [(g.expected.ref, g.actual.text) for g in p.goals] == [("B3", "养护32公里"), ("B4", "路况良好")]


def test_a_goals_header_found_by_its_labels_start_alone_is_read_not_a_crash():
    """年度预期目标 typed with words after it (年度预期目标完成情况说明) and the other goal headers cleared: the
    goals are read under it (it was a ValueError: the file listed as 文件内容异常, the whole form lost)."""
    rows = clean_rows()
    assert rows[10][1] == "年度预期目标" and rows[11][1] == "培训100人次"
    rows[10][1], rows[10][5], rows[10][9] = "年度预期目标完成情况说明", None, None
    p = parse_project(Grid("自评表1", rows), LAYOUTS)
    assert [(g.expected.ref, g.expected.text) for g in p.goals] == [("B12", "培训100人次")]
    assert len(p.indicators) == len(parse_project(Grid("自评表1", clean_rows()), LAYOUTS).indicators)


def test_remarks_written_in_one_cell_with_their_label():
    rows = [list(r) for r in SICHUAN]
    rows[20] = ["评价结论：项目完成较好"]
    rows[22] = ["改进措施:", "加强管理"]
    p = _read(rows).projects[0]
    assert [(r.label, r.cell.ref, r.cell.text) for r in p.remarks] == [
        ("评价结论", "A21", "项目完成较好"), ("存在问题", "A22", "部分资金未支出"), ("改进措施", "B23", "加强管理")
    ]  # fmt: skip


def test_a_header_cell_merged_down_from_the_row_above():
    """A two-row indicator header: 分值 and 得分 merged down (their text in the upper row), 一级/二级/三级 in
    the lower one: every column found."""
    rows = [
        ["项目名称", "道路养护"],
        ["项目资金（万元）", "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"],
        ["年度资金总额", 10, 10, 10, 10, "100%", 10],
        [N, "绩效指标", N, N, N, N, "分值", "得分"],
        [N, "一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", N, N],
        [N, "产出指标(90分)", "数量指标", "养护里程", "≥30公里", "32公里", 90, 90],
        [N, "总分", N, N, N, N, 100, 100],
    ]
    p = _read(rows).projects[0]
    row = p.indicators[-1]
    assert (row.weight.ref, row.score.ref, row.target.ref, row.actual.ref) == ("G6", "H6", "E6", "F6")
    assert p.total.ref == "H7" and p.missing == ()


def test_a_funds_grid_without_a_score_of_its_own_is_no_budget_row():
    """An 一体化 funds grid without 自评得分 or 分值: the amounts are read, no 预算执行率 row is made of it."""
    lay = layouts.load("yitihua")
    rows = synthetic_form(lay)
    head = next(r for r in rows if "资金（万元）" in r)
    for label in ("分值", "自评得分"):
        i = head.index(label)
        for r in rows[rows.index(head) : rows.index(head) + 3]:
            r[i] = None
    p = _read(rows).projects[0]
    assert p.budget.total.number == 100 and not any(i.is_budget_rate for i in p.indicators)
    assert [s.key for s in p.sections] == ["output", "benefit"]
