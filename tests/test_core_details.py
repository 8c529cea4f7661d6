"""Details of the core that a wrong result would slip through otherwise (each was a surviving mutant of
``mutmut run``): boundaries of the tolerances, how a row is named in a message, long texts, the scale of
a plain number next to a percentage, every row checked (not only the first), where a weight comes from,
and the cells evaluate() computes."""

from __future__ import annotations

import math

import pytest

from xlperf import presets
from xlperf.core.engine import validate
from xlperf.core.evaluate import (
    WEIGHT_FROM_COLUMN,
    WEIGHT_FROM_LABEL,
    WEIGHT_FROM_PRESET,
    evaluate,
    section_label,
)
from xlperf.core.grid import Grid
from xlperf.core.parser import parse_workbook
from xlperf.core.scoring import grade, score_equal, suggest_raw
from xlperf.core.values import BLANK, NUMBER, UNREADABLE, parse
from xlperf.layouts import shipped

from factory import FIRST_IND, NATIONAL_LIKE, clean_rows, set_ind, workbook

LAYOUTS = shipped()

WIDE = presets.from_dict(
    {
        "name": "wide",
        "title": "宽容差",
        "weights": {"output": 40, "budget": 10, "benefit": 40, "satisfaction": 10},
        "tolerance": {"score": 0.5, "rate": 0.25},
        "scoring": {"qualitative": {"达成": [0.855, 1.0], "部分达成": [0.6, 0.855], "未达成": [0.0, 0.6]},
                    "overachieve_ratio": 1.255},
        "grades": [{"name": "优", "min": 90}, {"name": "差", "min": 0}],
    }
)  # fmt: skip


def _findings(rows, preset=NATIONAL_LIKE, rule=None, grids=None):
    wb = parse_workbook("t.xlsx", grids or [Grid("自评表1", rows)], layouts=LAYOUTS)
    fs = validate(wb, preset).findings
    return [(f.rule, f.cell, f.severity) for f in fs if rule is None or f.rule == rule]


# --- tolerances: a difference equal to the tolerance is not a finding, one above it is ------------------


def test_progress_and_budget_value_within_the_rate_tolerance():
    rows = clean_rows()
    rows[6][6], rows[7][6] = 5, 3  # 执行数 5 of 10: 50 %
    rows[6][7] = 0.75  # off by exactly the tolerance 0.25
    set_ind(rows, 4, "实际完成值", 0.25)
    set_ind(rows, 4, "自评得分", 5)
    set_ind(rows, 4, "偏差原因分析及改进措施", "原因")
    rows[-1][7] = 95
    assert _findings(rows, WIDE, "XP001") == [] and _findings(rows, WIDE, "XP002") == []
    rows[6][7] = 0.76
    set_ind(rows, 4, "实际完成值", 0.24)
    assert _findings(rows, WIDE, "XP001") == [("XP001", "H7", "error")]
    assert _findings(rows, WIDE, "XP002") == [("XP002", "F19", "error")]


def test_budget_score_within_the_score_tolerance():
    rows = clean_rows()
    rows[6][6], rows[7][6], rows[6][7] = 9, 7, 0.9
    set_ind(rows, 4, "实际完成值", "90%")
    set_ind(rows, 4, "偏差原因分析及改进措施", "原因")
    set_ind(rows, 4, "自评得分", 9.5)  # 0.5 from 9
    rows[-1][7] = 99.5
    assert _findings(rows, rule="XP003") == []
    set_ind(rows, 4, "自评得分", 9.6)
    rows[-1][7] = 99.6
    assert _findings(rows, rule="XP003") == [("XP003", "H19", "error")]


def test_score_a_little_over_its_weight():
    rows = clean_rows()
    set_ind(rows, 0, "自评得分", 10.5)
    rows[-1][7] = 100.5
    assert ("XP005", "H15", "error") in _findings(rows, rule="XP005")


def test_zero_score_is_not_negative():
    rows = clean_rows()
    set_ind(rows, 0, "实际完成值", 0)
    set_ind(rows, 0, "自评得分", 0)
    set_ind(rows, 0, "偏差原因分析及改进措施", "未开展")
    rows[-1][7] = 90
    assert _findings(rows, rule="XP005") == []
    set_ind(rows, 0, "自评得分", 0.5)
    set_ind(rows, 0, "实际完成值", 5)
    rows[-1][7] = 90.5
    assert _findings(rows, rule="XP005") == []


# --- every row, not only the first -------------------------------------------------------------------------


def test_a_row_without_a_score_does_not_stop_the_checks_of_the_next():
    rows = clean_rows()
    set_ind(rows, 0, "自评得分", None)
    set_ind(rows, 0, "偏差原因分析及改进措施", "未评")
    set_ind(rows, 1, "自评得分", 12)
    rows[-1][7] = 92
    assert _findings(rows, rule="XP005") == [("XP005", "H16", "error")]


def _two_budget_rows(rows, first_actual, first_score):
    """The 预算执行率 section with a second row inserted under the first."""
    budget = list(rows[FIRST_IND + 4])
    first = [None, None, "资金到位率", "正向", "100%", first_actual, 5, first_score, None, "说明", None]
    rows[FIRST_IND + 4][6] = 5
    rows.insert(FIRST_IND + 5, first)
    rows[FIRST_IND + 4], rows[FIRST_IND + 5] = [*budget[:2], *first[2:]], [None, None, *budget[2:]]
    rows[FIRST_IND + 5][6] = 5
    return rows


def test_every_budget_rate_row_is_checked():
    rows = _two_budget_rows(clean_rows(), None, None)  # the first: no value, no score
    set_ind(rows, 5, "实际完成值", "80%")
    set_ind(rows, 5, "自评得分", 5)
    rows[-1][7] = 95
    got = _findings(rows)
    assert ("XP002", "F20", "error") in got and ("XP002", "F19", "error") not in got
    set_ind(rows, 5, "实际完成值", "100%")
    set_ind(rows, 5, "自评得分", 3)
    rows[-1][7] = 93
    assert _findings(rows, rule="XP003") == [("XP003", "H20", "error")]


# --- a plain number next to a percentage ----------------------------------------------------------------


def test_progress_and_budget_value_typed_as_percentage_points():
    """ "90" in 预算执行进度 and in the 预算执行率 row means 90 %, as reviewers read it."""
    rows = clean_rows()
    rows[6][6], rows[7][6] = 9, 7
    rows[6][7] = 90
    set_ind(rows, 4, "实际完成值", 90)
    set_ind(rows, 4, "自评得分", 9)
    set_ind(rows, 4, "偏差原因分析及改进措施", "原因")
    rows[-1][7] = 99
    # read as 90 %: nothing wrong with the values; the scores (90/90 against the budget's 9/10, 10 % ahead)
    # make the 一体化 systems' red 自评预警 at 总分
    assert _findings(rows) == [("XP023", "H25", "warning")]


# --- how rows and labels appear in messages --------------------------------------------------------------


def _message(rows, rule):
    wb = parse_workbook("t.xlsx", [Grid("自评表1", rows)], layouts=LAYOUTS)
    return [f.message for f in validate(wb, NATIONAL_LIKE).findings if f.rule == rule]


def test_row_named_by_its_level2_then_unnamed():
    rows = clean_rows()
    set_ind(rows, 1, "三级指标", None)
    set_ind(rows, 1, "自评得分", 12)
    rows[-1][7] = 102
    assert _message(rows, "XP005") == [
        "自评表1!H16 得分超出分值：“质量指标”的得分超过该指标分值（10）（应为：≤10；实为：12）"
    ]
    set_ind(rows, 1, "二级指标", None)
    set_ind(rows, 0, "二级指标", None)
    assert _message(rows, "XP005") == [
        "自评表1!H16 得分超出分值：“（未命名）”的得分超过该指标分值（10）（应为：≤10；实为：12）"
    ]


def test_long_names_are_shortened_in_messages():
    rows = clean_rows()
    name = "很长的指标名称" * 10  # 70 characters
    set_ind(rows, 0, "三级指标", name)
    set_ind(rows, 0, "自评得分", 12)
    rows[-1][7] = 102
    (msg,) = _message(rows, "XP005")
    assert f"“{name[:59]}…”的得分" in msg
    short = "很长的指标名称" * 8 + "四个字符"  # 60 characters: kept whole
    set_ind(rows, 0, "三级指标", short)
    assert f"“{short}”的得分" in _message(rows, "XP005")[0]


def test_level1_labels_are_quoted_without_their_line_break():
    rows = clean_rows()
    rows[FIRST_IND][0] = "产出指标\n（40分）"
    set_ind(rows, 0, "分值", 15)
    rows[-1][6] = 105
    assert _message(rows, "XP006") == [
        "自评表1!A15 分值结构不符：一级指标“产出指标（40分）”下各指标分值之和与其标注分值不符（应为：40；实为：45）"
    ]


def test_bands_and_ratios_with_decimals_are_printed_exactly():
    rows = clean_rows()
    set_ind(rows, 7, "实际完成值", "部分达成")
    set_ind(rows, 7, "自评得分", 9.5)
    set_ind(rows, 7, "偏差原因分析及改进措施", "原因")
    set_ind(rows, 0, "实际完成值", 130)
    rows[-1][7] = 99.5
    wb = parse_workbook("t.xlsx", [Grid("自评表1", rows)], layouts=LAYOUTS)
    msgs = {f.rule: f.message for f in validate(wb, WIDE).findings}
    assert "定性指标：达成85.5%～100%，部分达成60%～85.5%，未达成0%～60%" in msgs["XP004"]
    assert "（应为：6～8.55；实为：9.5）" in msgs["XP004"]
    assert msgs["XP013"].endswith(
        "完成值达到预期值的 130%，预期目标可能设置偏低（应为：<125.5% × 预期值；实为：130）"
    )


# --- where a weight comes from ----------------------------------------------------------------------------


def test_weight_sources():
    rows = clean_rows()
    for i in range(4):
        set_ind(rows, i, "分值", None)
    rows[-1][6] = None
    rows[FIRST_IND][0] = "产出指标"  # no weight in the label: the preset's
    rows[FIRST_IND + 5][0] = "其他指标"  # an unknown section, no weight in its label: none
    for i in range(5, 9):
        set_ind(rows, i, "分值", None)
    pr = evaluate(workbook(rows).projects[0], NATIONAL_LIKE)
    got = [(r.weight, r.weight_source) for r in pr.indicators]
    assert got[:5] == [(10, WEIGHT_FROM_PRESET)] * 4 + [(10, WEIGHT_FROM_COLUMN)]
    assert got[5:9] == [(None, "")] * 4
    rows[FIRST_IND][0] = "产出指标（40分）"
    pr = evaluate(workbook(rows).projects[0], NATIONAL_LIKE)
    assert pr.indicators[0].weight_source == WEIGHT_FROM_LABEL


def test_section_label():
    assert section_label("benefit") == "效益指标"
    assert section_label("other") == "未识别的一级指标"


# --- the cells evaluate() computes -----------------------------------------------------------------------


def test_computed_cells_are_numbers_marked_as_formulas():
    rows = clean_rows()
    rows[6][7] = rows[FIRST_IND + 4][5] = rows[-1][7] = None
    formulas = frozenset({(6, 7), (FIRST_IND + 4, 5), (24, 7)})
    pr = evaluate(
        parse_workbook("t.xlsx", [Grid("自评表1", rows, formulas=formulas)], layouts=LAYOUTS).projects[0],
        NATIONAL_LIKE,
    )
    p = pr.project
    for c, ref, unit in ((p.progress, "H7", "%"), (p.indicators[4].actual, "F19", "%"), (p.total, "H25", "")):
        assert (c.ref, c.formula, c.value.kind, c.value.unit) == (ref, True, NUMBER, unit)
    assert p.progress.value.raw == "100%" and p.total.value.raw == 100 and p.total.value.text == "100"
    rows[6][2] = None  # no 预算数: nothing to compute, and the cells stay formulas
    pr = evaluate(
        parse_workbook("t.xlsx", [Grid("自评表1", rows, formulas=formulas)], layouts=LAYOUTS).projects[0],
        NATIONAL_LIKE,
    )
    assert (pr.project.progress.formula, pr.project.progress.value.kind) == (True, BLANK)
    assert _findings(rows, grids=[Grid("自评表1", rows, formulas=formulas)], rule="XP015") == []


# --- small functions -----------------------------------------------------------------------------------------


def test_equal_kind_with_a_nonzero_target():
    assert score_equal(1, 2, 10) == 10 and score_equal(1, 0.5, 10) == 5 and score_equal(4, 1, 10) == 2.5


def test_infinite_and_nan_numbers_are_unreadable():
    for x in (math.inf, -math.inf, math.nan):
        assert parse(x).kind == UNREADABLE


def test_suggest_raw_as_a_cell_function_receives_values():
    assert suggest_raw("正向", "100%", 0.98, 10.0, NATIONAL_LIKE) == 9.8
    assert suggest_raw("", "≤500元", "600元", 10.0, NATIONAL_LIKE) == 8
    assert suggest_raw(None, "达成", "部分达成", 10, NATIONAL_LIKE) == 8
    assert suggest_raw("正向", "100%", "约九成", 10, NATIONAL_LIKE) is None
    assert suggest_raw("正向", "100%", 0.98, None, NATIONAL_LIKE) is None
    assert suggest_raw("正向", 3, 1, 10, NATIONAL_LIKE) == pytest.approx(3.3333)


def test_grade():
    assert [grade(x, NATIONAL_LIKE) for x in (95, 90, 89.99, 80, 60, 59, None)] == [
        "优",
        "优",
        "良",
        "良",
        "中",
        "差",
        None,
    ]


def test_suggest_raw_reads_words_as_words():
    assert suggest_raw(None, "达成", "基本完成", 10, NATIONAL_LIKE) == 8  # 部分达成: at most 80 %
    assert suggest_raw("反向", 500, 600, 10, NATIONAL_LIKE) == 8  # the written kind counts


def test_a_section_the_preset_has_no_weight_for():
    p = presets.from_dict({"name": "sc", "weights": {"output": 60, "budget": 10, "benefit": 30}})
    rows = clean_rows()
    rows[FIRST_IND + 9][0] = "满意度指标"  # no weight in the label, none in the preset
    set_ind(rows, 9, "分值", None)
    pr = evaluate(workbook(rows).projects[0], p)
    assert (pr.indicators[9].weight, pr.indicators[9].weight_source) == (None, "")


# --- XP006 on the edges: sections without a weight, unknown sections, row weights -------------------


def test_unknown_section_is_checked_like_the_others():
    rows = clean_rows()
    rows[FIRST_IND + 5][0] = "其他指标（30分）"  # the 效益 rows under a label the tool does not know
    got = _findings(rows, rule="XP006")
    # its four rows carry 40 (分值) and scored 40: over its 30, and the weights do not add up
    assert ("XP006", "A20", "error") in got
    msgs = _message(rows, "XP006")
    assert (
        "自评表1!A20 分值结构不符：一级指标“其他指标（30分）”各项得分合计超过其分值（应为：≤30；实为：40）"
        in msgs
    )
    assert (
        "自评表1!A20 分值结构不符：一级指标“其他指标（30分）”下各指标分值之和与其标注分值不符（应为：30；实为：40）"
        in msgs
    )


def test_a_section_without_a_label_weight_does_not_stop_the_next():
    rows = clean_rows()
    rows[FIRST_IND][0] = "产出指标"  # no weight in its label
    set_ind(rows, 5, "分值", 15)  # 效益 rows now carry 45
    rows[-1][6] = 105
    msgs = _message(rows, "XP006")
    assert (
        "自评表1!A20 分值结构不符：一级指标“效益指标（40分）”下各指标分值之和与其标注分值不符（应为：40；实为：45）"
        in msgs
    )
    # not every section has a label weight: the total is Σ 分值 of the rows (105)
    assert "自评表1!A15 分值结构不符：各一级指标分值合计不等于满分（应为：100；实为：105）" in msgs


def test_total_weight_from_rows_when_a_label_has_no_weight():
    rows = clean_rows()
    rows[FIRST_IND][0] = "产出指标"
    assert _message(rows, "XP006") == []  # rows: 40 + 10 + 40 + 10 = 100
    set_ind(rows, 9, "分值", 5)  # 满意度 carries 5 of its 10
    set_ind(rows, 9, "自评得分", 5)
    rows[-1][6] = rows[-1][7] = 95
    assert "自评表1!A15 分值结构不符：各一级指标分值合计不等于满分（应为：100；实为：95）" in _message(
        rows, "XP006"
    )


def test_section_weights_from_labels_are_not_compared_with_row_weights():
    """产出's 分值 blank (its rows share its label's 40), the other sections' typed: nothing is wrong."""
    rows = clean_rows()
    for i in range(4):
        set_ind(rows, i, "分值", None)
    rows[-1][6] = 60
    assert _findings(rows, rule="XP006") == []


def test_weights_and_scores_off_by_half_a_point():
    rows = clean_rows()
    set_ind(rows, 0, "分值", 10.5)
    set_ind(rows, 0, "自评得分", 10.5)
    rows[-1][6] = rows[-1][7] = 100.5
    msgs = _message(rows, "XP006")
    assert (
        "自评表1!A15 分值结构不符：一级指标“产出指标（40分）”各项得分合计超过其分值（应为：≤40；实为：40.5）"
        in msgs
    )
    assert (
        "自评表1!A15 分值结构不符：一级指标“产出指标（40分）”下各指标分值之和与其标注分值不符（应为：40；实为：40.5）"
        in msgs
    )
    rows = clean_rows()
    rows[FIRST_IND][0] = "产出指标（40.5分）"
    got = [f for f in validate(workbook(rows), NATIONAL_LIKE).findings if f.rule == "XP006"]
    assert ("warning", "（应为：40；实为：40.5）") in [(f.severity, f.message[-15:]) for f in got]
    assert "各一级指标分值合计不等于满分（应为：100；实为：100.5）" in " ".join(f.message for f in got)


def test_a_section_with_no_scores_is_not_over_its_weight():
    rows = clean_rows()
    rows[FIRST_IND + 9][0] = "满意度指标（0分）"
    set_ind(rows, 9, "自评得分", None)
    set_ind(rows, 9, "偏差原因分析及改进措施", "未调查")
    rows[-1][7] = 90
    assert not any("各项得分合计超过其分值" in m for m in _message(rows, "XP006"))


def test_total_off_by_half_a_point_and_no_scores_at_all():
    rows = clean_rows()
    rows[-1][7] = 100.5
    assert _findings(rows, rule="XP007") == [("XP007", "H25", "error")]
    rows = clean_rows()
    for i in range(10):
        set_ind(rows, i, "自评得分", None)
        set_ind(rows, i, "偏差原因分析及改进措施", "未评")
    rows[-1][7] = None
    assert _findings(rows, rule="XP007") == []  # nothing to add up: no total to ask for


def test_missing_values_say_whether_the_row_was_scored():
    rows = clean_rows()
    set_ind(rows, 2, "预期指标值", None)
    set_ind(rows, 2, "实际完成值", 0)
    set_ind(rows, 2, "自评得分", 0)
    set_ind(rows, 2, "偏差原因分析及改进措施", "未开展")
    rows[-1][7] = 90
    assert _message(rows, "XP008") == [
        "自评表1!E17 指标值缺失：“按期完成率”的预期指标值为空白（应为：应填写具体数值；实为：（空））"
    ]
    set_ind(rows, 2, "自评得分", 0.5)
    rows[-1][7] = 90.5
    assert "但该行已评 0.5 分" in _message(rows, "XP008")[0]


def test_a_formula_without_result_in_the_completion_is_not_called_missing():
    rows = clean_rows()
    rows[FIRST_IND][5] = None  # 实际完成值: the unit's formula, no result in the file
    grid = Grid("自评表1", rows, formulas=frozenset({(FIRST_IND, 5)}))
    assert [m for m in _message_of(grid, "XP008")] == []
    rows[FIRST_IND][4] = None  # and 预期指标值 blank: only it is missing
    grid = Grid("自评表1", rows, formulas=frozenset({(FIRST_IND, 5)}))
    assert _message_of(grid, "XP008") == [
        "自评表1!E15 指标值缺失：“培训人次”的预期指标值为空白，但该行已评 10 分（应为：应填写具体数值；实为：（空））"
    ]


def _message_of(grid, rule):
    return [
        f.message
        for f in validate(parse_workbook("t.xlsx", [grid], layouts=LAYOUTS), NATIONAL_LIKE).findings
        if f.rule == rule
    ]


def test_scores_at_the_edge_of_the_tolerance_are_accepted():
    """部分达成 allows 6–8 of 10, and the preset's tolerance 0.5 either side: 5.5 and 8.5 pass, 5.4 and
    8.6 do not."""
    for score, fires in ((5.5, False), (8.5, False), (5.4, True), (8.6, True)):
        rows = clean_rows()
        set_ind(rows, 7, "实际完成值", "部分达成")
        set_ind(rows, 7, "自评得分", score)
        set_ind(rows, 7, "偏差原因分析及改进措施", "原因")
        rows[-1][7] = 90 + score
        assert bool(_findings(rows, rule="XP004")) == fires, score


# --- XP009 ------------------------------------------------------------------------------------------------


def test_the_budget_row_owes_a_reason_only_below_the_explain_rate():
    """The 预算执行率 row's score follows from the rate: a reason is owed below the preset's 90 % ("预算执行率未
    达到90%的需说明原因", printed on 四川's form), not for the point a 90 % execution costs."""
    rows = clean_rows()
    rows[6][6], rows[7][6], rows[6][7] = 9, 7, 0.9
    set_ind(rows, 4, "实际完成值", "90%")
    set_ind(rows, 4, "自评得分", 9)
    rows[-1][7] = 99
    assert _message(rows, "XP009") == []
    rows[6][6], rows[7][6], rows[6][7] = 8.9, 6.9, 0.89
    set_ind(rows, 4, "实际完成值", "89%")
    set_ind(rows, 4, "自评得分", 8.9)
    rows[-1][7] = 98.9
    assert _message(rows, "XP009") == [
        "自评表1!J19 偏差原因缺失：“预算支出进度执行率”预算执行率 89% 低于 90%，但未填写偏差原因分析及改进措施"
        "（应为：应说明原因及改进措施；实为：（空））"
    ]


def test_without_a_reason_column_the_score_is_named():
    rows = [r[:9] + r[10:] if len(r) > 10 else r for r in clean_rows()]  # the 偏差原因 column removed
    rows[FIRST_IND][7] = 9
    rows[-1][7] = 99
    assert _findings(rows, rule="XP009") == [("XP009", "H15", "warning")]


# --- XP010 ------------------------------------------------------------------------------------------------


def _amounts(b, d, e, parts=None):
    rows = clean_rows()
    rows[6][2], rows[6][4], rows[6][6] = b, d, e
    for r in (7, 8):
        for c in (2, 4, 6):
            rows[r][c] = None if parts is None else parts.get((r, c))
    rows[6][7] = None
    return rows


def test_amount_order_messages_with_their_decimals():
    msgs = _message(_amounts(10.123456, 10.2234567, 10.3234567), "XP010")
    assert msgs == [
        "自评表1!E7 资金不一致：到位数大于预算数（应为：≤10.1235；实为：10.2235）",
        "自评表1!G7 资金不一致：执行数大于到位数（应为：≤10.2235；实为：10.3235）",
    ]
    assert _message(_amounts(10.123456, None, 10.2234567), "XP010") == [
        "自评表1!G7 资金不一致：执行数大于预算数（应为：≤10.1235；实为：10.2235）"
    ]
    assert _message(_amounts(10, 10, -0.123456), "XP010") == [
        "自评表1!G7 资金不一致：执行数为负数（应为：≥0；实为：-0.1235）"
    ]
    parts = {(7, 2): 8.123456, (8, 2): 2}
    assert _message(_amounts(10, 10, 10, parts), "XP010") == [
        "自评表1!C7 资金不一致：预算数不等于其中财政资金与其他资金之和（应为：10.1235；实为：10）"
    ]


def test_zero_and_small_amounts_are_not_negative():
    assert _findings(_amounts(10, 10, 0), rule="XP010") == []
    assert _findings(_amounts(10, 10, 0.5), rule="XP010") == []
    parts = {(7, 2): 10, (8, 2): 0}
    assert _findings(_amounts(10, 10, 10, parts), rule="XP010") == []


def test_a_zero_budget_still_bounds_the_other_amounts():
    assert _findings(_amounts(0, 5, 5), rule="XP010") == [("XP010", "E7", "error")]
    assert _findings(_amounts(0.5, 5, 5), rule="XP010") == [("XP010", "E7", "error")]


def test_executed_equal_to_budget_is_fine_without_arrived():
    assert _findings(_amounts(10, None, 10), rule="XP010") == []


def test_parts_checked_with_one_part_blank_and_every_column():
    parts = {(7, 2): 7}  # 预算数 10 = 财政资金 7 + 其他 (blank)
    assert _findings(_amounts(10, 10, 10, parts), rule="XP010") == [("XP010", "C7", "error")]
    parts = {(8, 2): 10}  # 财政资金 blank, 其他 10: adds up
    assert _findings(_amounts(10, 10, 10, parts), rule="XP010") == []
    # 预算数 has no parts, 到位数 one that cannot be read, 执行数 parts that do not add up: only 执行数
    parts = {(7, 4): "约八万", (7, 6): 7, (8, 6): 2}
    assert _findings(_amounts(10, 10, 10, parts), rule="XP010") == [("XP010", "G7", "error")]


# --- XP011 ------------------------------------------------------------------------------------------------


def _preset(**weights):
    return presets.from_dict({"name": "p", "weights": weights, "grades": [{"name": "优", "min": 0}]})


def test_missing_sections_follow_the_preset():
    rows = clean_rows()
    rows = rows[: FIRST_IND + 9] + [rows[-1]]  # no 满意度 rows
    rows[-1][6] = rows[-1][7] = 90
    for preset, fires in (
        (_preset(output=60, budget=10, benefit=30), False),  # no 满意度 in the preset
        (_preset(output=60, budget=10, benefit=30, satisfaction=0), False),
        (_preset(output=60, budget=9, benefit=30, satisfaction=1), True),
    ):
        got = _findings(rows, preset, "XP011")
        assert (("XP011", "A15", "warning") in got) == fires, preset.weights


def test_a_row_without_a_name_but_with_values_or_a_score():
    rows = clean_rows()
    set_ind(rows, 1, "三级指标", None)
    set_ind(rows, 1, "预期指标值", None)
    set_ind(rows, 1, "实际完成值", None)  # only the score: still filled
    assert ("XP011", "C16", "warning") in _findings(rows, rule="XP011")
    rows = clean_rows()
    set_ind(rows, 1, "三级指标", None)
    set_ind(rows, 1, "预期指标值", None)  # the completion and the score
    assert ("XP011", "C16", "warning") in _findings(rows, rule="XP011")


def test_zero_weight_rows():
    rows = clean_rows()
    set_ind(rows, 0, "分值", 0)
    set_ind(rows, 0, "自评得分", None)  # not scored, but a target: still an indicator worth 0
    rows[-1][6], rows[-1][7] = 90, 90
    assert ("XP011", "G15", "warning") in _findings(rows, rule="XP011")
    set_ind(rows, 0, "预期指标值", None)  # neither a score nor a target: nothing to say about its weight
    assert ("XP011", "G15", "warning") not in _findings(rows, rule="XP011")


# --- XP012 ------------------------------------------------------------------------------------------------


def _capped(total, scores_sum=None):
    rows = clean_rows()
    rows[6][6], rows[7][6], rows[6][7] = 7.5, 5.5, 0.75  # 75 %: at most 89
    set_ind(rows, 4, "实际完成值", "75%")
    set_ind(rows, 4, "自评得分", 7.5)
    set_ind(rows, 4, "偏差原因分析及改进措施", "原因")
    rows[-1][7] = total
    return rows


def test_cap_boundaries_and_which_total_is_capped():
    assert _findings(_capped(89), rule="XP012") == []  # at the cap
    assert _findings(_capped(80), rule="XP012") == []
    assert _message(_capped(89.5), "XP012") == [
        "自评表1!H25 总分超过执行率上限：预算执行率 75% 低于 80%，按评分方案总分不应超过 89（应为：≤89；实为：89.5）"
    ]
    # the total as reported is what is capped; when it is blank, the sum of the scores (97.5)
    assert _findings(_capped(60), rule="XP012") == []
    assert _message(_capped(None), "XP012") == [
        "自评表1!H25 总分超过执行率上限：预算执行率 75% 低于 80%，按评分方案总分不应超过 89（应为：≤89；实为：97.5）"
    ]


# --- XP013 ------------------------------------------------------------------------------------------------


def test_overachievement_on_the_right_scale_and_kind():
    rows = clean_rows()
    set_ind(rows, 0, "预期指标值", "100%")
    set_ind(rows, 0, "实际完成值", 120)  # 120 next to 100 %: 120 %, below 130 %
    assert _findings(rows, rule="XP013") == []
    set_ind(rows, 0, "预期指标值", 100)
    set_ind(rows, 0, "实际完成值", "140%")  # 100 next to 140 %: 100 %, so 140 %
    assert _findings(rows, rule="XP013") == [("XP013", "F15", "warning")]
    rows = clean_rows()
    set_ind(rows, 3, "实际完成值", "700元")  # a cost 40 % over its ≤500元: not over-achieved
    set_ind(rows, 3, "自评得分", 6)
    set_ind(rows, 3, "偏差原因分析及改进措施", "涨价")
    set_ind(rows, 2, "预期指标值", "按期")  # a target that is not a number
    set_ind(rows, 2, "实际完成值", "按期")
    set_ind(rows, 6, "实际完成值", "120%")  # 120 % of 90 %: 133 %, after both
    rows[-1][7] = 96
    assert _findings(rows, rule="XP013") == [("XP013", "F21", "warning")]


def test_a_capped_percentage_target_above_100_is_not_questioned():
    rows = clean_rows()
    set_ind(rows, 1, "预期指标值", "≤105%")
    assert _findings(rows, rule="XP013") == []


# --- scoring functions directly ---------------------------------------------------------------------------


def test_execution_rate():
    from xlperf.core.scoring import execution_rate

    assert execution_rate(10, 0) == 0 and execution_rate(10, 5) == 0.5 and execution_rate(10, 12) == 1.2
    assert [execution_rate(b, e) for b, e in ((0, 5), (-5, -3), (10, -1), (None, 1), (1, None))] == [None] * 5


def test_below_target_directly():
    from xlperf.core.scoring import below_target

    def bt(kind, t, a):
        return below_target(kind, parse(t, expect_text=True), parse(a, expect_text=True))

    assert (
        bt("定性", "达成", "部分达成") and not bt("定性", "达成", "达成") and not bt("定性", "达成", "很好")
    )
    assert bt("正向", "100%", 95) and not bt("正向", "100%", 100)  # 95 next to 100 %: 95 %
    assert not bt("正向", 90, "95%") and bt("正向", 96, "95%")  # 90 next to 95 %: 90 %
    assert not bt("正向", "按时", "按时") and not bt("正向", None, 5)
    assert bt("正向", "0起", "0.5起") and not bt("正向", "0起", "0起") and bt("反向", "0", 2)
    assert bt("反向", 5, 5.5) and not bt("反向", 5, 5) and not bt("反向", 5, 4)
    assert bt("等于", 5, 5.5) and bt("等于", 5, 4.5) and not bt("等于", 5, 5)


def test_positive_with_a_negative_target():
    from xlperf.core.scoring import score_positive

    assert score_positive(-2, -2, 10) == 10 and score_positive(-2, -2.5, 10) == 0


def test_suggest_directly():
    from xlperf.core.scoring import suggest

    def sg(kind, t, a, w=10, preset=NATIONAL_LIKE):
        s = suggest(kind, parse(t, expect_text=True), parse(a, expect_text=True), w, preset)
        return None if s is None else (round(s.low, 6), round(s.high, 6))

    assert sg("定性", 100, 80) == (8, 8)  # a 定性 row filled with numbers is scored as numbers
    assert (
        sg("定性", "达成", 80) is None
        and sg("定性", 100, "很好") is None
        and sg("定性", "好", "很好") is None
    )
    assert sg("定性", "达成", "部分达成") == (6, 8)
    bare = presets.from_dict({"name": "b", "weights": {"output": 100}, "grades": [{"name": "优", "min": 0}]})
    assert sg("定性", "达成", "达成", preset=bare) == (0, 10)  # no bands in the preset: anything up to W
    assert sg("正向", 100, "80%") == (8, 8) and sg("正向", "100%", 80) == (8, 8)  # the partner's scale
    assert sg("等于", 4, 5) == (10, 10) and sg("等于", 4, 2) == (5, 5) and sg("等于", "＝0", 1) == (0, 0)
    assert sg("正向", 100, 80, w=None) is None and sg("正向", "100人", "2万元") is None


# --- evaluate: what it computes ---------------------------------------------------------------------------


def test_suggested_totals_and_subtotals():
    rows = clean_rows()
    set_ind(rows, 1, "实际完成值", "80%")  # 8.42 suggested
    set_ind(rows, 1, "偏差原因分析及改进措施", "原因")
    set_ind(rows, 5, "实际完成值", "4万元")  # 8 suggested
    set_ind(rows, 5, "偏差原因分析及改进措施", "原因")
    pr = evaluate(workbook(rows).projects[0], NATIONAL_LIKE)
    assert pr.suggested_subtotals == {"output": 38.4211, "budget": 10, "benefit": 38, "satisfaction": 10}
    assert pr.total_suggested == 96.4211 and pr.subtotals == {
        "output": 40,
        "budget": 10,
        "benefit": 40,
        "satisfaction": 10,
    }
    assert pr.indicators[1].suggestion.low == pr.indicators[1].suggestion.high
    assert pr.indicators[4].suggestion.low == pr.indicators[4].suggestion.high == 10
    assert [r.basis for r in pr.indicators] == [None] * 4 + [1.0] + [None] * 5
    assert [r.kind_written for r in pr.indicators[:4]] == [True, True, True, True]
    set_ind(rows, 1, "指标类型", "反向")  # written 反向, but its ≥95% decides: 正向, not as written
    pr = evaluate(workbook(rows).projects[0], NATIONAL_LIKE)
    assert (pr.indicators[1].kind, pr.indicators[1].kind_written) == ("正向", False)
    rows[-1][7] = 99.999999
    assert evaluate(workbook(rows).projects[0], NATIONAL_LIKE).total_recomputed == 100


def test_explicit_weights_add_up_before_the_rest_is_split():
    rows = clean_rows()
    set_ind(rows, 0, "分值", 12)
    set_ind(rows, 1, "分值", 16)
    set_ind(rows, 2, "分值", None)
    set_ind(rows, 3, "分值", None)
    pr = evaluate(workbook(rows).projects[0], NATIONAL_LIKE)
    assert [r.weight for r in pr.indicators[:4]] == [12, 16, 6, 6]  # (40 − 28) / 2
    set_ind(rows, 0, "分值", 30)  # typed weights over the section's 40: nothing left to split
    pr = evaluate(workbook(rows).projects[0], NATIONAL_LIKE)
    assert [r.weight for r in pr.indicators[:4]] == [30, 16, 0, 0]


def test_no_scores_under_a_cap():
    rows = clean_rows()
    rows[6][6], rows[7][6], rows[6][7] = 5, 3, 0.5
    for i in range(10):
        set_ind(rows, i, "自评得分", None)
    rows[-1][7] = None
    pr = evaluate(workbook(rows).projects[0], NATIONAL_LIKE)
    assert (pr.total_recomputed, pr.total_capped, pr.grade, pr.cap.max) == (None, None, None, 69)


def test_formula_totals_of_parts_and_computed_blank_cells_keep_their_place():
    rows = clean_rows()
    rows[6][4] = None  # 到位数 is a formula (财政资金 + 其他) without a result
    rows[7][4] = rows[8][4] = None  # ... and no parts to add
    grid = Grid("自评表1", rows, formulas=frozenset({(6, 4)}))
    p = evaluate(parse_workbook("t.xlsx", [grid], layouts=LAYOUTS).projects[0], NATIONAL_LIKE).project
    assert (p.arrived.total.ref, p.arrived.total.number, p.arrived.total.formula) == ("E7", None, True)
    rows[7][4], rows[8][4] = 0.1, 0.2
    p = evaluate(parse_workbook("t.xlsx", [grid], layouts=LAYOUTS).projects[0], NATIONAL_LIKE).project
    assert p.arrived.total.number == 0.3
    rows[7][6], rows[8][6], rows[6][6] = 7.0000001, 3, None  # 执行数 too
    grid = Grid("自评表1", rows, formulas=frozenset({(6, 4), (6, 6)}))
    p = evaluate(parse_workbook("t.xlsx", [grid], layouts=LAYOUTS).projects[0], NATIONAL_LIKE).project
    assert p.executed.total.number == 10.0  # float noise below a millionth of 万元 rounded away


def test_negative_amounts_leave_the_computed_budget_value_at_its_cell():
    rows = clean_rows()
    rows[6][2], rows[6][4], rows[6][6] = -5, -5, -3
    for r in (7, 8):
        for c in (2, 4, 6):
            rows[r][c] = None
    rows[6][7] = rows[FIRST_IND + 4][5] = None
    grid = Grid("自评表1", rows, formulas=frozenset({(6, 7), (FIRST_IND + 4, 5)}))
    got = [
        (f.rule, f.cell)
        for f in validate(parse_workbook("t.xlsx", [grid], layouts=LAYOUTS), NATIONAL_LIKE).findings
    ]
    assert ("XP008", "F19") in got and ("XP015", "H7") not in got


# --- XP014, XP015, XP016 -------------------------------------------------------------------------------------


def test_full_marks_exactly_at_the_explain_rate_and_nearly_full_marks():
    rows = clean_rows()
    rows[6][6], rows[7][6], rows[6][7] = 9, 7, 0.9
    set_ind(rows, 4, "实际完成值", "90%")
    set_ind(rows, 4, "偏差原因分析及改进措施", "原因")
    assert _findings(rows, rule="XP014") == []  # 90 % is not below 90 %
    rows[6][6], rows[7][6], rows[6][7] = 8, 6, 0.8
    set_ind(rows, 4, "实际完成值", "80%")
    set_ind(rows, 4, "自评得分", 8)
    set_ind(rows, 0, "自评得分", 9.5)
    set_ind(rows, 0, "偏差原因分析及改进措施", "原因")
    rows[-1][7] = 97.5
    assert ("XP014", "H25", "info") not in _findings(rows, rule="XP014")  # not all full marks
    rows = clean_rows()
    set_ind(rows, 9, "实际完成值", None)
    set_ind(rows, 9, "自评得分", 9.5)
    set_ind(rows, 9, "偏差原因分析及改进措施", "原因")
    rows[-1][7] = 99.5
    assert _findings(rows, rule="XP014") == []  # 满意度 not at full marks


@pytest.mark.parametrize(
    ("where", "value"),
    [((FIRST_IND, 7), "达成"), ((FIRST_IND, 6), "是"), ((6, 7), "完成"), ((24, 7), "好"), ((11, 9), "一般"),
     ((6, 2), "差"), ((7, 2), "否")],
)  # fmt: skip
def test_words_where_numbers_belong(where, value):
    rows = clean_rows()
    rows[where[0]][where[1]] = value
    from xlperf.core.grid import ref

    assert ("XP015", ref(*where), "error") in _findings(rows, rule="XP015")


def test_every_unreadable_cell_is_reported():
    rows = clean_rows()
    rows[6][2], rows[6][6] = "约十万", "约九万"
    rows[11][9] = None
    grid = Grid("自评表1", rows, formulas=frozenset({(11, 9), (FIRST_IND, 6)}))
    rows[FIRST_IND][6] = None
    msgs = _message_of(grid, "XP015")
    assert [m.split(" ")[0] for m in msgs] == ["自评表1!C7", "自评表1!G7", "自评表1!J12", "自评表1!G15"]
    assert msgs[2].startswith("自评表1!J12 无法识别的值：总体完成率是公式，但文件中没有保存计算结果")
    assert msgs[3].startswith("自评表1!G15 无法识别的值：“培训人次”的分值是公式")


def _goal(rows, row, e, a, rate):
    rows[row][1], rows[row][5], rows[row][9] = e, a, rate
    return rows


def test_completion_rate_checks():
    def xp016(*goals):
        rows = clean_rows()
        rows.insert(12, [None] * 11)
        for i, g in enumerate(goals):
            _goal(rows, 11 + i, *g)
        return _findings(rows, rule="XP016")

    assert xp016((100, 80, "80%")) == []
    assert xp016((100, 80, 80)) == []  # 80 next to a rate: 80 %
    assert xp016((1, 0.5, "100%")) == [("XP016", "J12", "warning")]
    assert xp016((0, 5, "100%")) == [] and xp016((None, 5, "100%")) == [] and xp016((5, None, "100%")) == []
    assert xp016((5, 5, None)) == []
    assert xp016((0, 5, "100%"), (100, 80, "100%")) == [("XP016", "J13", "warning")]


def test_equal_amounts_are_in_order_without_a_tolerance():
    """E = D = B is the order, not a fault, even where the preset allows no tolerance (a mutant read
    "到位数 ≥ 预算数" as the fault)."""
    import dataclasses

    strict = dataclasses.replace(NATIONAL_LIKE, amount_tolerance=0.0)
    wb = parse_workbook("t.xlsx", [Grid("自评表1", _amounts(12.5, 12.5, 12.5))], layouts=LAYOUTS)
    assert [f for f in validate(wb, strict).findings if f.rule == "XP010"] == []
    wb = parse_workbook("t.xlsx", [Grid("自评表1", _amounts(12.5, 12.5000001, 12.5))], layouts=LAYOUTS)
    assert [f.message for f in validate(wb, strict).findings if f.rule == "XP010"] == [
        "自评表1!E7 资金不一致：到位数大于预算数（应为：≤12.5；实为：12.5）"
    ]


def test_a_date_is_kept_as_typed():
    import datetime as dt

    d = dt.date(2020, 12, 31)
    assert parse(d, expect_text=True).raw == d and parse(d, expect_text=True).kind != UNREADABLE
    assert parse(d).raw == d and parse(d).kind == UNREADABLE
