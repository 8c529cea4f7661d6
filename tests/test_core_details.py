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

from factory import FIRST_IND, NATIONAL_LIKE, clean_rows, set_ind, workbook

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
    wb = parse_workbook("t.xlsx", grids or [Grid("自评表1", rows)])
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
    assert _findings(rows) == []


# --- how rows and labels appear in messages --------------------------------------------------------------


def _message(rows, rule):
    wb = parse_workbook("t.xlsx", [Grid("自评表1", rows)])
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
    wb = parse_workbook("t.xlsx", [Grid("自评表1", rows)])
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
        parse_workbook("t.xlsx", [Grid("自评表1", rows, formulas=formulas)]).projects[0], NATIONAL_LIKE
    )
    p = pr.project
    for c, ref, unit in ((p.progress, "H7", "%"), (p.indicators[4].actual, "F19", "%"), (p.total, "H25", "")):
        assert (c.ref, c.formula, c.value.kind, c.value.unit) == (ref, True, NUMBER, unit)
    assert p.progress.value.raw == "100%" and p.total.value.raw == 100 and p.total.value.text == "100"
    rows[6][2] = None  # no 预算数: nothing to compute, and the cells stay formulas
    pr = evaluate(
        parse_workbook("t.xlsx", [Grid("自评表1", rows, formulas=formulas)]).projects[0], NATIONAL_LIKE
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
