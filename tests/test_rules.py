"""Each rule: one spoilt cell makes it fire (at that cell), and the clean form keeps it quiet."""

from __future__ import annotations

import pytest

from xlperf import presets
from xlperf.core.engine import validate
from xlperf.core.grid import Grid
from xlperf.core.parser import parse_workbook
from xlperf.core.rules import BY_ID, CATALOGUE
from xlperf.layouts import shipped

from factory import FIRST_IND, NATIONAL_LIKE, blank_form_rows, clean_rows, set_ind, workbook

LAYOUTS = shipped()

BUDGET_ROW = 6  # 0-based grid rows of the funds block
PROGRESS = (6, 7)


def run(rows):
    return validate(workbook(rows), NATIONAL_LIKE)


def fired(rows, rule):
    return [f for f in run(rows).findings if f.rule == rule]


def test_clean_form_has_no_findings():
    v = run(clean_rows())
    assert v.findings == (), [f.message for f in v.findings]


def _progress_blank(r):
    r[6][7] = None


def _progress_wrong(r):
    r[6][7] = "90%"


def _budget_actual(r):
    set_ind(r, 4, "实际完成值", "80%")
    set_ind(r, 4, "偏差原因分析及改进措施", "说明")


def _budget_score(r):
    r[6][6] = 8  # E = 8 of B = 10: rate 80%, score should be 8
    r[7][6] = 6
    r[6][7] = 0.8
    set_ind(r, 4, "实际完成值", "80%")
    r[FIRST_IND + 4][9] = "部分项目延期"
    r[-1][7] = 100


def _score_vs_value(r):
    set_ind(r, 1, "实际完成值", "80%")  # target ≥95%: 8.42 expected, 10 found
    set_ind(r, 1, "偏差原因分析及改进措施", "原因")


def _over_weight(r):
    set_ind(r, 0, "自评得分", 12)
    r[-1][7] = 102


def _section_over(r):
    set_ind(r, 0, "分值", 15)
    r[-1][6] = 105


def _total_wrong(r):
    r[-1][7] = 98


def _value_missing(r):
    set_ind(r, 2, "预期指标值", "/")


def _no_reason(r):
    set_ind(r, 6, "实际完成值", "85%")
    set_ind(r, 6, "自评得分", 9.44)
    r[-1][7] = 99.44


def _funds(r):
    r[6][6] = 12  # executed > arrived
    r[6][7] = 1.2


def _funds_split(r):
    r[7][2] = 7  # 财政资金 7 + 其他 2 != 10


def _missing_section(r):
    for i in range(5, 9):
        set_ind(r, i, "一级指标", "产出指标（40分）" if i == 5 else None)


def _cap(r):
    r[6][6] = 7.5
    r[7][6] = 5.5
    r[6][7] = 0.75
    set_ind(r, 4, "实际完成值", "75%")
    set_ind(r, 4, "自评得分", 7.5)
    set_ind(r, 4, "偏差原因分析及改进措施", "原因")
    r[-1][7] = 97.5


def _overachieve(r):
    set_ind(r, 0, "实际完成值", 150)


def _pct_target_over_100(r):
    set_ind(r, 1, "预期指标值", "105%")


def _inflated(r):
    r[6][6] = 7.5
    r[7][6] = 5.5
    r[6][7] = 0.75
    set_ind(r, 4, "实际完成值", "75%")
    set_ind(r, 4, "偏差原因分析及改进措施", "原因")


def _budget_scored_low(r):
    """Spent in full, but the 预算执行率 row scored 8 of 10 while every other row has full marks: the
    indicators (90/90) run 20 % ahead of the budget (8/10): a red 自评预警."""
    set_ind(r, 4, "自评得分", 8)
    r[-1][7] = 98


def _zero_budget(r):
    r[6][2] = 0  # 预算数 0: a yellow 自评预警


def _unreadable(r):
    r[6][6] = "约两万"


def _completion_rate(r):
    r[11][1] = 100
    r[11][5] = 80
    r[11][9] = "100%"


def _missing_label(r):
    del r[-1]


CASES = [
    ("XP001", _progress_blank, "H7", "info"),
    ("XP001", _progress_wrong, "H7", "error"),
    ("XP002", _budget_actual, "F19", "error"),
    ("XP003", _budget_score, "H19", "error"),
    ("XP004", _score_vs_value, "H16", "warning"),
    ("XP005", _over_weight, "H15", "error"),
    ("XP006", _section_over, "A15", "error"),
    ("XP007", _total_wrong, "H25", "error"),
    ("XP008", _value_missing, "E17", "warning"),
    ("XP009", _no_reason, "J21", "warning"),
    ("XP010", _funds, "G7", "error"),
    ("XP010", _funds_split, "C7", "error"),
    ("XP011", _missing_section, "A15", "warning"),
    ("XP012", _cap, "H25", "warning"),
    ("XP013", _overachieve, "F15", "warning"),
    ("XP013", _pct_target_over_100, "E16", "warning"),
    ("XP014", _inflated, "H25", "info"),
    ("XP015", _unreadable, "G7", "error"),
    ("XP016", _completion_rate, "J12", "warning"),
    ("XP017", _missing_label, None, "error"),
    ("XP023", _cap, "H25", "warning"),  # 75 % spent, 7.5/10 against 90/90: red at 总分 ...
    ("XP023", _cap, "H7", "warning"),  # ... and yellow (25 % unspent) at 预算执行进度
    ("XP023", _budget_scored_low, "H25", "warning"),
    ("XP023", _zero_budget, "C7", "warning"),
]


@pytest.mark.parametrize(
    ("rule", "spoil", "cell", "severity"), CASES, ids=[f"{c[0]}-{c[1].__name__}" for c in CASES]
)
def test_rule_fires_at_its_cell(rule, spoil, cell, severity):
    rows = clean_rows()
    spoil(rows)
    hits = fired(rows, rule)
    assert hits, f"{rule} did not fire"
    assert any(h.cell == cell and h.severity == severity for h in hits), [
        (h.cell, h.severity, h.message) for h in hits
    ]
    h = next(h for h in hits if h.cell == cell)
    assert h.message.startswith(f"自评表1!{cell} " if cell else "自评表1 ")
    assert BY_ID[rule].name in h.message


@pytest.mark.parametrize("rule", [r.id for r in CATALOGUE])
def test_rule_quiet_on_clean_form(rule):
    assert fired(clean_rows(), rule) == []


# rules about sheets: (rule, grids, sheet, severity)
SHEET_CASES = [
    ("XP018", lambda: [Grid("自评表1", clean_rows(), "hidden")], "自评表1", "warning"),
    ("XP018", lambda: [Grid("自评表1", clean_rows(), "veryhidden")], "自评表1", "warning"),
    (
        "XP019",
        lambda: [Grid("自评表1", clean_rows()), Grid("填报说明", [["一级指标", "产出、效益、满意度"]])],
        "填报说明",
        "info",
    ),  # fmt: skip
    ("XP019", lambda: [Grid("自评表1", clean_rows()), Grid("自评表2", blank_form_rows())], "自评表2", "info"),
    ("XP020", lambda: [Grid("校验结果", clean_rows())], "校验结果", "warning"),
]


@pytest.mark.parametrize(("rule", "grids", "sheet", "severity"), SHEET_CASES)
def test_sheet_rules_fire_on_their_sheet(rule, grids, sheet, severity):
    v = validate(parse_workbook("t.xlsx", grids(), layouts=LAYOUTS), NATIONAL_LIKE)
    hits = [f for f in v.findings if f.rule == rule]
    assert [(h.sheet, h.cell, h.severity) for h in hits] == [(sheet, None, severity)]
    assert hits[0].message.startswith(f"{sheet} {BY_ID[rule].name}：")


def _table(conclusion: str | None, total: object = "keep") -> list[Grid]:
    """The clean form as a Word table (表1) followed by a conclusion sentence."""
    rows = clean_rows()
    if total != "keep":
        rows[-1][7] = total
    where = "表1 之后第1段"
    return [Grid("表1", rows, kind="table", conclusion=None if conclusion is None else (conclusion, where))]


# a Word report's rules: (rule, grids, cell, severity)
DOCUMENT_CASES = [
    ("XP021", lambda: _table("通过自评，得分为98分，基本符合年初的绩效目标。"), "表1 之后第1段", "error"),
]


@pytest.mark.parametrize(("rule", "grids", "cell", "severity"), DOCUMENT_CASES)
def test_document_rules_fire_at_their_place(rule, grids, cell, severity):
    v = validate(parse_workbook("t.docx", grids(), layouts=LAYOUTS), NATIONAL_LIKE)
    hits = [f for f in v.findings if f.rule == rule]
    assert [(h.sheet, h.cell, h.severity) for h in hits] == [("表1", cell, severity)]
    assert hits[0].message.startswith(f"{cell} {BY_ID[rule].name}：")
    assert (hits[0].expected, hits[0].found) == ("100", "98分")


@pytest.mark.parametrize(
    ("sentence", "total", "fires"),
    [
        ("通过自评，得分为100分，基本符合年初的绩效目标。", "keep", False),  # agrees with 总分
        ("通过自评，得分为１００分。", "keep", False),  # full-width digits
        ("经自评，该项目自评得分 99.5 分。", "keep", True),
        ("通过自评，得分为98分。", 98, False),  # agrees with the 总分 as written (XP007 reports the sum)
        ("通过自评，得分为98分。", None, True),  # no 总分: compared with the sum of the scores (100)
        ("通过自评，得分为100分。", None, False),
        ("通过自评，基本符合年初的绩效目标。", "keep", False),  # states no score
        (None, "keep", False),
    ],
)
def test_conclusion_against_total(sentence, total, fires):
    v = validate(parse_workbook("t.docx", _table(sentence, total), layouts=LAYOUTS), NATIONAL_LIKE)
    assert bool([f for f in v.findings if f.rule == "XP021"]) is fires


# a rule checking projects against approved targets (given with --targets): (rule, spoil, cell, severity)
TARGET_CASES = [("XP022", lambda r: set_ind(r, 0, "预期指标值", 80), "E15", "error")]


@pytest.mark.parametrize(("rule", "spoil", "cell", "severity"), TARGET_CASES)
def test_target_rules_fire_at_their_cell(rule, spoil, cell, severity):
    from xlperf.core.targets import targets_from_grids

    head = ["单位名称", "项目名称", "一级指标", "二级指标", "三级指标", "计算符号", "指标值", "度量单位"]
    approved = [["", "干部教育培训", "产出指标", "数量指标", "培训人次", "≥", 100, "人次"]]
    t = targets_from_grids([Grid("目标", [head, *approved])], "目标.xlsx")
    rows = clean_rows()
    assert [
        f for f in validate(workbook(rows), NATIONAL_LIKE, targets=t).findings if f.rule == rule
    ] == [] or (
        rule == "XP022"  # the clean form's other indicators are not in this one-row target set
    )
    spoil(rows)
    hits = [f for f in validate(workbook(rows), NATIONAL_LIKE, targets=t).findings if f.rule == rule]
    assert any(h.cell == cell and h.severity == severity for h in hits), [h.message for h in hits]
    h = next(h for h in hits if h.cell == cell)
    assert h.message.startswith(f"自评表1!{cell} {BY_ID[rule].name}：")


def test_every_rule_has_a_firing_case():
    got = {c[0] for c in CASES} | {c[0] for c in SHEET_CASES} | {c[0] for c in DOCUMENT_CASES}
    got |= {c[0] for c in TARGET_CASES}
    assert got == set(BY_ID)


def test_message_pattern_exact():
    rows = clean_rows()
    _total_wrong(rows)
    (h,) = fired(rows, "XP007")
    assert h.message == "自评表1!H25 总分计算错误：总分不等于各指标自评得分之和（应为：100；实为：98）"
    assert (h.expected, h.found, h.project) == ("100", "98", "干部教育培训")


def test_preset_overrides_severity():
    p = presets.from_dict({**_raw(), "severity": {"XP007": "warning"}})
    rows = clean_rows()
    _total_wrong(rows)
    (h,) = [f for f in validate(workbook(rows), p).findings if f.rule == "XP007"]
    assert h.severity == "warning"


def _raw():
    return {
        "name": "t",
        "weights": {"output": 40, "budget": 10, "benefit": 40, "satisfaction": 10},
        "grades": [{"name": "优", "min": 90}],
    }


def test_qualitative_band_accepts_scores_in_range():
    rows = clean_rows()
    set_ind(rows, 7, "实际完成值", "部分达成")
    set_ind(rows, 7, "自评得分", 7)
    set_ind(rows, 7, "偏差原因分析及改进措施", "部分完成")
    rows[-1][7] = 97
    assert fired(rows, "XP004") == []
    set_ind(rows, 7, "自评得分", 9)
    rows[-1][7] = 99
    (h,) = fired(rows, "XP004")
    assert h.expected == "6～8"


def test_units_with_words_are_scored():
    """ "100人次" against "60人次" is a number with a unit, not qualitative text: a full score is wrong."""
    rows = clean_rows()
    set_ind(rows, 0, "预期指标值", "100人次")
    set_ind(rows, 0, "实际完成值", "60人次")
    set_ind(rows, 0, "偏差原因分析及改进措施", "疫情停课")
    (h,) = fired(rows, "XP004")
    assert h.cell == "H15" and h.expected == "6"


def test_comparator_in_target_beats_a_default_kind():
    """The template pre-fills 正向; a "≤" target is still a cost to keep under (rule 3)."""
    rows = clean_rows()
    set_ind(rows, 3, "指标类型", "正向")
    set_ind(rows, 3, "实际完成值", "750元")  # 50 % over ≤500元: 10 × 0.5 = 5
    set_ind(rows, 3, "偏差原因分析及改进措施", "涨价")
    (h,) = fired(rows, "XP004")
    assert h.expected == "5"


def test_partly_filled_weights_split_what_is_left():
    from xlperf.core.evaluate import evaluate

    rows = clean_rows()
    for i in (1, 2, 3):
        set_ind(rows, i, "分值", None)
    set_ind(rows, 0, "分值", 16)
    pr = evaluate(workbook(rows).projects[0], NATIONAL_LIKE)
    assert [r.weight for r in pr.indicators[:4]] == [16, 8, 8, 8]  # (40 - 16) / 3


def test_budget_row_without_funds_reads_its_value_as_percent():
    from xlperf.core.evaluate import evaluate

    rows = clean_rows()
    rows[6][2] = rows[6][6] = None  # no 预算数 / 执行数
    set_ind(rows, 4, "实际完成值", 80)
    set_ind(rows, 4, "自评得分", 8)
    pr = evaluate(workbook(rows).projects[0], NATIONAL_LIKE)
    assert pr.indicators[4].suggested == 8


def test_reverse_indicator_scoring():
    rows = clean_rows()
    set_ind(rows, 3, "实际完成值", "600元")  # 20% over 500: 10 × 0.8 = 8
    set_ind(rows, 3, "偏差原因分析及改进措施", "物价上涨")
    assert fired(rows, "XP004")[0].expected == "8"
    set_ind(rows, 3, "自评得分", 8)
    rows[-1][7] = 98
    assert fired(rows, "XP004") == []


def test_misplaced_preset_keys_are_refused():
    from xlperf.errors import PresetError

    base = {"name": "t", "weights": {"output": 50}, "grades": [{"name": "优", "min": 90}]}
    for bad in (
        {**base, "grades": [{"name": "差", "min": 0, "caps": []}]},  # caps = [] written after [[grades]]
        {**base, "scoring": {"overachieve": 1.3}},
        {**base, "weight": {"output": 50}},
    ):
        with pytest.raises(PresetError, match="无法识别的设置"):
            presets.from_dict(bad)
