"""Every check of every rule, with its whole message: the cell, the words, and every number in it (the
expected and the found value, weights, rates, percentages). A check that fires at the wrong cell, a
number that loses its zeros ("16%" for 160 %), a disabled check or a changed score all fail here.

Each case spoils the clean form of tests/factory.py (row 15–24 indicators, 总分 row 25) and lists the
messages of one rule, in the engine's order."""

from __future__ import annotations

import pytest

from xlperf.core.engine import validate
from xlperf.core.grid import Grid
from xlperf.core.parser import parse_workbook
from xlperf.layouts import shipped

from factory import FIRST_IND, NATIONAL_LIKE, blank_form_rows, clean_rows, set_ind

LAYOUTS = shipped()

W = "（应为：应填写具体数值；实为："
REASON = "，但未填写偏差原因分析及改进措施（应为：应说明原因及改进措施；实为：（空））"
POS = "正向指标：完成值≥预期值得满分，否则按完成值/预期值×分值"
QUAL = "定性指标：达成80%～100%，部分达成60%～80%，未达成0%～60%"
AMOUNT = "（应为：以万元为单位的金额（如 320.5 或“320.5万元”）；实为："
NUMBER = "（应为：数值、百分比（如 95%）或“≥95%”；实为："


def _rows(*edits):
    rows = clean_rows()
    for e in edits:
        e(rows)
    return rows


def ind(i, col, value):
    return lambda r: set_ind(r, i, col, value)


def cell(r_, c_, value):
    return lambda r: r[r_].__setitem__(c_, value)


def total(value):
    return lambda r: r[-1].__setitem__(7, value)


def execute(e, fiscal=None):
    """执行数 e (and its 财政资金), with 预算执行进度 and the 预算执行率 row following it."""

    def f(r):
        r[6][6] = e
        r[7][6] = e - 2 if fiscal is None else fiscal
        r[6][7] = e / 10
        set_ind(r, 4, "实际完成值", f"{e * 10:g}%")

    return f


def blank_weights(r):
    for i in range(10):
        set_ind(r, i, "分值", None)
    r[-1][6] = None


CASES = {
    # XP001: blank progress (提示), wrong progress (错误), a rate above 100 % keeps its zeros
    "XP001-blank": (
        [cell(6, 7, None)],
        "XP001",
        ["自评表1!H7 执行进度有误：预算执行进度未填写，应为执行数/预算数（应为：100%；实为：（空））"],
    ),
    "XP001-wrong": (
        [cell(6, 7, "90%")],
        "XP001",
        ["自评表1!H7 执行进度有误：预算执行进度与执行数/预算数不符（应为：100%；实为：90%）"],
    ),
    "XP001-160": (
        [cell(6, 4, 16), cell(6, 6, 16), cell(6, 7, "100%")],
        "XP001",
        ["自评表1!H7 执行进度有误：预算执行进度与执行数/预算数不符（应为：160%；实为：100%）"],
    ),
    "XP002": (
        [ind(4, "实际完成值", "80%"), ind(4, "偏差原因分析及改进措施", "说明")],
        "XP002",
        [
            "自评表1!F19 执行率指标与资金不符：预算执行率指标的实际完成值应等于执行数/预算数（10/10）"
            "（应为：100%；实为：80%）"
        ],
    ),
    "XP003": (
        [execute(8), ind(4, "偏差原因分析及改进措施", "说明")],
        "XP003",
        [
            "自评表1!H19 执行率得分不符：预算执行率得分应为 min(执行率,1)×分值 = min(80%,1)×10（应为：8；实为：10）"
        ],
    ),
    "XP003-zero-budget": (
        [cell(6, 2, 0), ind(4, "实际完成值", "50%"), ind(4, "偏差原因分析及改进措施", "说明")],
        "XP003",
        [
            "自评表1!H19 执行率得分不符：预算执行率得分应为 min(执行率,1)×分值 = min(50%,1)×10，资金表无法计算"
            "执行率，按该行实际完成值（应为：5；实为：10）"
        ],
    ),
    "XP003-blank-weights": (
        [blank_weights, execute(8), ind(4, "偏差原因分析及改进措施", "说明")],
        "XP003",
        [
            "自评表1!H19 执行率得分不符：预算执行率得分应为 min(执行率,1)×分值 = min(80%,1)×10，分值列为空，"
            "按一级指标标注的分值平均分配（应为：8；实为：10）"
        ],
    ),
    # XP004: each kind's rule, the band of 定性, the weight's source
    "XP004-positive": (
        [ind(1, "实际完成值", "80%"), ind(1, "偏差原因分析及改进措施", "原因")],
        "XP004",
        [
            f"自评表1!H16 得分与完成值不符：“培训合格率”的自评得分与完成值不符（{POS}，分值 10）（应为：8.42；实为：10）"
        ],
    ),
    "XP004-reverse": (
        [ind(3, "实际完成值", "600元"), ind(3, "偏差原因分析及改进措施", "涨价")],
        "XP004",
        [
            "自评表1!H18 得分与完成值不符：“人均培训成本”的自评得分与完成值不符（反向指标：完成值≤预期值得满分，"
            "超出部分按比例扣分，达到2倍得0分，分值 10）（应为：8；实为：10）"
        ],
    ),
    "XP004-reverse-overrun": (
        [ind(3, "实际完成值", "1200元"), ind(3, "偏差原因分析及改进措施", "涨价")],
        "XP004",
        [
            "自评表1!H18 得分与完成值不符：“人均培训成本”的自评得分与完成值不符（反向指标：完成值≤预期值得满分，"
            "超出部分按比例扣分，达到2倍得0分，分值 10）（应为：0；实为：10）"
        ],
    ),
    "XP004-equal": (
        [ind(0, "指标类型", "等于"), ind(0, "实际完成值", 50), ind(0, "偏差原因分析及改进措施", "原因")],
        "XP004",
        [
            "自评表1!H15 得分与完成值不符：“培训人次”的自评得分与完成值不符（等于型指标：按完成值与预期值的比例"
            "计分，分值 10）（应为：5；实为：10）"
        ],
    ),
    "XP004-qualitative": (
        [
            ind(7, "实际完成值", "部分达成"),
            ind(7, "自评得分", 9),
            ind(7, "偏差原因分析及改进措施", "原因"),
            total(99),
        ],
        "XP004",
        [
            f"自评表1!H22 得分与完成值不符：“无纸化办公”的自评得分与完成值不符（{QUAL}，分值 10）（应为：6～8；实为：9）"
        ],
    ),
    "XP004-low-too": (
        [ind(0, "自评得分", 5), ind(0, "偏差原因分析及改进措施", "原因"), total(95)],
        "XP004",
        [
            f"自评表1!H15 得分与完成值不符：“培训人次”的自评得分与完成值不符（{POS}，分值 10）（应为：10；实为：5）"
        ],
    ),
    "XP004-weight-from-label": (
        [blank_weights, ind(1, "实际完成值", "80%"), ind(1, "偏差原因分析及改进措施", "原因")],
        "XP004",
        [
            f"自评表1!H16 得分与完成值不符：“培训合格率”的自评得分与完成值不符（{POS}，分值 10，分值列为空，按一级指标"
            "标注的分值平均分配）（应为：8.42；实为：10）"
        ],
    ),
    "XP004-zero-target": (
        [ind(0, "预期指标值", "0起"), ind(0, "实际完成值", "2起"), ind(0, "偏差原因分析及改进措施", "原因")],
        "XP004",
        [
            f"自评表1!H15 得分与完成值不符：“培训人次”的自评得分与完成值不符（{POS}，分值 10）（应为：0；实为：10）"
        ],
    ),
    # XP005
    "XP005-over": (
        [ind(0, "自评得分", 12), total(102)],
        "XP005",
        ["自评表1!H15 得分超出分值：“培训人次”的得分超过该指标分值（10）（应为：≤10；实为：12）"],
    ),
    "XP005-negative": (
        [ind(0, "自评得分", -2), ind(0, "偏差原因分析及改进措施", "原因"), total(88)],
        "XP005",
        ["自评表1!H15 得分超出分值：“培训人次”的得分为负数（应为：0～10；实为：-2）"],
    ),
    # XP006: weights of a section's rows, scores over the section, preset and total weights
    "XP006-weights": (
        [ind(0, "分值", 15), cell(-1, 6, 105)],
        "XP006",
        [
            "自评表1!A15 分值结构不符：一级指标“产出指标（40分）”下各指标分值之和与其标注分值不符（应为：40；实为：45）"
        ],
    ),
    "XP006-scores-over": (
        [ind(0, "分值", 15), ind(0, "自评得分", 15), cell(-1, 6, 105), total(105)],
        "XP006",
        [
            "自评表1!A15 分值结构不符：一级指标“产出指标（40分）”各项得分合计超过其分值（应为：≤40；实为：45）",
            "自评表1!A15 分值结构不符：一级指标“产出指标（40分）”下各指标分值之和与其标注分值不符（应为：40；实为：45）",
        ],
    ),
    "XP006-preset": (
        [ind(0, "一级指标", "产出指标（50分）")],
        "XP006",
        [
            "自评表1!A15 分值结构不符：一级指标“产出指标（50分）”下各指标分值之和与其标注分值不符（应为：50；实为：40）",
            "自评表1!A15 分值结构不符：各一级指标分值合计不等于满分（应为：100；实为：110）",
            # a warning (errors come first)
            "自评表1!A15 分值结构不符：一级指标“产出指标（50分）”的分值与评分方案“t”不一致（应为：40；实为：50）",
        ],
    ),
    # XP007
    "XP007-wrong": (
        [total(98)],
        "XP007",
        ["自评表1!H25 总分计算错误：总分不等于各指标自评得分之和（应为：100；实为：98）"],
    ),
    "XP007-blank": (
        [total(None)],
        "XP007",
        ["自评表1!H25 总分计算错误：总分未填写（应为：100；实为：（空））"],
    ),
    # XP008
    "XP008-placeholder": (
        [ind(2, "预期指标值", "/")],
        "XP008",
        [f"自评表1!E17 指标值缺失：“按期完成率”的预期指标值为占位符，但该行已评 10 分{W}/）"],
    ),
    "XP008-both": (
        [ind(2, "预期指标值", None), ind(2, "实际完成值", None)],
        "XP008",
        [
            f"自评表1!E17 指标值缺失：“按期完成率”的预期指标值、实际完成值为空白，但该行已评 10 分{W}（空） / （空））"
        ],
    ),
    "XP008-unscored": (
        [
            ind(2, "实际完成值", None),
            ind(2, "自评得分", None),
            ind(2, "偏差原因分析及改进措施", "未评"),
            total(90),
        ],
        "XP008",
        [f"自评表1!F17 指标值缺失：“按期完成率”的实际完成值为空白{W}（空））"],
    ),
    # XP009: below target, below weight, low execution
    "XP009-below-target": (
        [ind(6, "实际完成值", "85%"), ind(6, "自评得分", 9.44), total(99.44)],
        "XP009",
        [f"自评表1!J21 偏差原因缺失：“政策知晓率”完成值未达到预期值{REASON}"],
    ),
    "XP009-below-weight": (
        [ind(0, "自评得分", 9), total(99)],
        "XP009",
        [f"自评表1!J15 偏差原因缺失：“培训人次”得分 9 低于分值 10{REASON}"],
    ),
    "XP009-low-execution": (
        [execute(8), ind(4, "自评得分", 8), total(98)],
        "XP009",
        [f"自评表1!J19 偏差原因缺失：“预算支出进度执行率”预算执行率 80% 低于 90%{REASON}"],
    ),
    # XP010: order of the amounts, the parts, negative amounts
    "XP010-executed-over-arrived": (
        [execute(12, fiscal=10)],
        "XP010",
        ["自评表1!G7 资金不一致：执行数大于到位数（应为：≤10；实为：12）"],
    ),
    "XP010-arrived-over-budget": (
        [cell(6, 4, 12), cell(7, 4, 10)],
        "XP010",
        ["自评表1!E7 资金不一致：到位数大于预算数（应为：≤10；实为：12）"],
    ),
    "XP010-executed-over-budget": (
        [cell(6, 4, None), cell(7, 4, None), cell(8, 4, None), execute(12, fiscal=10)],
        "XP010",
        ["自评表1!G7 资金不一致：执行数大于预算数（应为：≤10；实为：12）"],
    ),
    "XP010-parts": (
        [cell(7, 2, 7)],
        "XP010",
        ["自评表1!C7 资金不一致：预算数不等于其中财政资金与其他资金之和（应为：9；实为：10）"],
    ),
    "XP010-parts-decimals": (
        [cell(6, 2, 10.12345), cell(6, 4, 10.12345), cell(6, 6, 10.12345)],
        "XP010",
        [
            "自评表1!C7 资金不一致：预算数不等于其中财政资金与其他资金之和（应为：10；实为：10.1235）",
            "自评表1!E7 资金不一致：到位数不等于其中财政资金与其他资金之和（应为：10；实为：10.1235）",
            "自评表1!G7 资金不一致：执行数不等于其中财政资金与其他资金之和（应为：10；实为：10.1235）",
        ],
    ),
    "XP010-negative": (
        [cell(6, 2, -5), cell(6, 4, -5), cell(6, 6, -3), cell(6, 7, None)]
        + [cell(r, c, None) for r in (7, 8) for c in (2, 4, 6)],
        "XP010",
        [
            "自评表1!C7 资金不一致：预算数为负数（应为：≥0；实为：-5）",
            "自评表1!E7 资金不一致：到位数为负数（应为：≥0；实为：-5）",
            "自评表1!G7 资金不一致：执行数为负数（应为：≥0；实为：-3）",
        ],
    ),
    "XP010-negative-part": (
        [cell(7, 2, -1)],
        "XP010",
        [
            "自评表1!C7 资金不一致：预算数不等于其中财政资金与其他资金之和（应为：1；实为：10）",
            "自评表1!C8 资金不一致：预算数中的财政资金为负数（应为：≥0；实为：-1）",
        ],
    ),
    "XP010-huge": (
        [cell(6, 2, 1e308)],
        "XP010",
        ["自评表1!C7 资金不一致：预算数不等于其中财政资金与其他资金之和（应为：10；实为：1e+308）"],
    ),
    # XP011
    "XP011-missing-section": (
        [ind(i, "一级指标", "产出指标（40分）" if i == 5 else None) for i in range(5, 9)],
        "XP011",
        ["自评表1!A15 指标设置不全：缺少“效益指标”一级指标（应为：至少一项效益指标；实为：无）"],
    ),
    "XP011-empty-section": (
        [
            ind(i, col, None)
            for i in range(5, 9)
            for col in ("三级指标", "预期指标值", "实际完成值", "自评得分")
        ]
        + [total(60)],
        "XP011",
        [
            "自评表1!A20 指标设置不全：一级指标“效益指标（40分）”下没有填写任何指标（应为：至少一项二级、三级指标；实为：无）"
        ],
    ),
    "XP011-unknown-level1": (
        [ind(0, "一级指标", "其他指标（40分）")],
        "XP011",
        [
            "自评表1!A15 指标设置不全：缺少“产出指标”一级指标（应为：至少一项产出指标；实为：无）",
            "自评表1!A15 指标设置不全：无法识别的一级指标“其他指标（40分）”（应为：产出/预算执行率/效益/满意度指标；"
            "实为：其他指标（40分））",
        ],
    ),
    "XP011-no-level2": (
        [ind(0, "二级指标", None)],
        "XP011",
        ["自评表1!B15 指标设置不全：第 15 行指标缺少二级指标（应为：填写二级指标；实为：（空））"],
    ),
    "XP011-no-name": (
        [ind(1, "三级指标", None)],
        "XP011",
        [
            "自评表1!C16 指标设置不全：“质量指标”下的三级指标名称为空，但该行已填写指标值或得分（应为：填写三级指标名称；实为：（空））"
        ],
    ),
    "XP011-duplicate": (
        [ind(1, "三级指标", "培训人次")],
        "XP011",
        ["自评表1!C15 指标设置不全：三级指标“培训人次”重复出现 2 次（应为：指标名称不重复；实为：培训人次）"],
    ),
    "XP011-zero-weight": (
        [ind(0, "分值", 0), cell(-1, 6, 90)],
        "XP011",
        ["自评表1!G15 指标设置不全：“培训人次”分值为 0 但仍在评分（应为：大于 0 的分值；实为：0）"],
    ),
    # XP012
    "XP012": (
        [execute(7.5), ind(4, "自评得分", 7.5), ind(4, "偏差原因分析及改进措施", "原因"), total(97.5)],
        "XP012",
        [
            "自评表1!H25 总分超过执行率上限：预算执行率 75% 低于 80%，按评分方案总分不应超过 89（应为：≤89；实为：97.5）"
        ],
    ),
    "XP012-strictest": (
        [execute(5), ind(4, "自评得分", 5), ind(4, "偏差原因分析及改进措施", "原因"), total(95)],
        "XP012",
        [
            "自评表1!H25 总分超过执行率上限：预算执行率 50% 低于 60%，按评分方案总分不应超过 69（应为：≤69；实为：95）"
        ],
    ),
    # XP013: 150 % and 160 % (whole numbers keep their zeros), a percentage target above 100 %
    "XP013-150": (
        [ind(0, "实际完成值", 150)],
        "XP013",
        [
            "自评表1!F15 指标值偏离：“培训人次”完成值达到预期值的 150%，预期目标可能设置偏低（应为：<130% × 预期值；实为：150）"
        ],
    ),
    "XP013-160": (
        [ind(0, "实际完成值", 160)],
        "XP013",
        [
            "自评表1!F15 指标值偏离：“培训人次”完成值达到预期值的 160%，预期目标可能设置偏低（应为：<130% × 预期值；实为：160）"
        ],
    ),
    "XP013-target-over-100": (
        [ind(1, "预期指标值", "105%"), ind(1, "偏差原因分析及改进措施", "原因")],
        "XP013",
        [
            "自评表1!E16 指标值偏离：“培训合格率”的预期指标值 105% 超过 100%，请核实（应为：≤100%；实为：105%）"
        ],
    ),
    # XP014: both checks
    "XP014-all-full": (
        [execute(7.5), ind(4, "偏差原因分析及改进措施", "原因")],
        "XP014",
        [
            "自评表1!H25 自评得分虚高：预算执行率仅 75%，但所有指标均为满分（应为：得分应反映执行情况；实为：全部满分）"
        ],
    ),
    "XP014-satisfaction": (
        [ind(9, "实际完成值", None)],
        "XP014",
        [
            "自评表1!H24 自评得分虚高：“参训人员满意度”满意度得满分，但没有调查结果（实际完成值）作为依据"
            "（应为：填写满意度调查结果；实为：（空））"
        ],
    ),
    "XP014-satisfaction-text": (
        [ind(9, "实际完成值", "很满意")],
        "XP014",
        [
            "自评表1!H24 自评得分虚高：“参训人员满意度”满意度得满分，但没有调查结果（实际完成值）作为依据"
            "（应为：填写满意度调查结果；实为：很满意）"
        ],
    ),
    # XP015: amounts, numbers, the progress cell
    "XP015-amount": (
        [cell(6, 6, "约两万")],
        "XP015",
        [f"自评表1!G7 无法识别的值：执行数无法识别为金额{AMOUNT}约两万）"],
    ),
    "XP015-amount-unit": (
        [cell(7, 2, "12000人")],
        "XP015",
        [f"自评表1!C8 无法识别的值：预算数中的财政资金无法识别为金额{AMOUNT}12000人）"],
    ),
    "XP015-value": (
        [ind(0, "实际完成值", "约两百")],
        "XP015",
        [f"自评表1!F15 无法识别的值：“培训人次”的实际完成值无法识别为数值或百分比{NUMBER}约两百）"],
    ),
    "XP015-progress": (
        [cell(6, 7, "约九成")],
        "XP015",
        [f"自评表1!H7 无法识别的值：预算执行进度无法识别为数值或百分比{NUMBER}约九成）"],
    ),
    "XP015-score": (
        [ind(0, "自评得分", "满分"), total(90)],
        "XP015",
        [f"自评表1!H15 无法识别的值：“培训人次”的自评得分无法识别为数值或百分比{NUMBER}满分）"],
    ),
    # XP016
    "XP016": (
        [cell(11, 1, 100), cell(11, 5, 80), cell(11, 9, "100%")],
        "XP016",
        ["自评表1!J12 完成率不符：总体完成率不等于具体完成情况/年度预期目标（应为：80%；实为：100%）"],
    ),
    # XP009 on a score typed as the weight is shown: 40 split over three rows is 13.333…, typed 13.33
    "XP009-score-as-shown": (
        [
            lambda r: r[FIRST_IND + 5].__setitem__(0, "效益指标（40分）"),
            ind(5, "自评得分", 13.33),
            ind(6, "自评得分", 13.32),
            ind(7, "分值", None),
            ind(7, "自评得分", 13.34),
            ind(8, "三级指标", None),
            ind(8, "预期指标值", None),
            ind(8, "实际完成值", None),
            ind(8, "自评得分", None),
            lambda r: [r[FIRST_IND + i].__setitem__(6, None) for i in (5, 6)],
            total(99.99),
        ],
        "XP009",
        [f"自评表1!J21 偏差原因缺失：“政策知晓率”得分 13.32 低于分值 13.33{REASON}"],
    ),  # fmt: skip
    # XP023: the 一体化 systems' red and yellow 自评预警 (75 % spent: 25 % unspent; 7.5/10 against 90/90)
    "XP023-red-and-yellow": (
        [execute(7.5), ind(4, "自评得分", 7.5), ind(4, "偏差原因分析及改进措施", "原因"), total(97.5)],
        "XP023",
        [
            "自评表1!H7 自评预警：黄色，预算执行率 75%，未执行的资金占预算数的 25%，超过 20%（应为：执行率≥80%；实为：75%）",
            "自评表1!H25 自评预警：红色，绩效指标得分率 100%（90/90）高于预算执行得分率 75%（7.5/10），两者之差占指标"
            "得分率的 25%，超过 5%：指标得分与预算执行情况不匹配（应为：≤5%；实为：25%）",
        ],
    ),
    "XP023-red-only": (  # spent in full, the budget row scored 8: (1 − 0.8) / 1 = 20 %
        [ind(4, "自评得分", 8), total(98)],
        "XP023",
        [
            "自评表1!H25 自评预警：红色，绩效指标得分率 100%（90/90）高于预算执行得分率 80%（8/10），两者之差占指标"
            "得分率的 20%，超过 5%：指标得分与预算执行情况不匹配（应为：≤5%；实为：20%）"
        ],
    ),
    "XP023-red-at-5-percent-is-quiet": ([ind(4, "自评得分", 9.5), total(99.5)], "XP023", []),
    "XP023-red-lower-scores-too": (  # 8/10 against 72/90 (80 %): in step, no red
        [ind(4, "自评得分", 8)]
        + [ind(i, "自评得分", 8) for i in (0, 1, 2, 3, 5, 6, 7, 8, 9)]
        + [ind(i, "偏差原因分析及改进措施", "原因") for i in range(10)]
        + [total(80)],
        "XP023",
        [],
    ),  # fmt: skip
    "XP023-yellow-at-80-percent-is-quiet": (
        [execute(8), ind(4, "自评得分", 8), ind(4, "偏差原因分析及改进措施", "原因"), total(98)],
        "XP023",
        [
            "自评表1!H25 自评预警：红色，绩效指标得分率 100%（90/90）高于预算执行得分率 80%（8/10），两者之差占指标"
            "得分率的 20%，超过 5%：指标得分与预算执行情况不匹配（应为：≤5%；实为：20%）"
        ],
    ),
    "XP023-yellow-zero-budget": (
        [cell(6, 2, 0)],
        "XP023",
        ["自评表1!C7 自评预警：黄色，预算数为 0（应为：大于 0 的预算数；实为：0）"],
    ),
    # XP017
    "XP017": (
        [lambda r: r.pop()],
        "XP017",
        ["自评表1 表样不完整：表中找不到“总分”，无法读取相应内容（应为：包含“总分”；实为：缺失）"],
    ),
}


def _messages(rows, rule, grids=None):
    wb = parse_workbook("t.xlsx", grids or [Grid("自评表1", rows)], layouts=LAYOUTS)
    return [f.message for f in validate(wb, NATIONAL_LIKE).findings if f.rule == rule]


@pytest.mark.parametrize("case", sorted(CASES))
def test_message(case):
    edits, rule, want = CASES[case]
    assert _messages(_rows(*edits), rule) == want


def test_every_rule_has_message_cases():
    from xlperf.core.rules import BY_ID

    covered = {rule for _, rule, _ in CASES.values()} | {"XP018", "XP019", "XP020", "XP021", "XP022"}
    assert covered == set(BY_ID)


def test_target_message():
    """XP022 (given approved targets): the whole message of a lowered target (more in test_targets)."""
    from xlperf.core.targets import targets_from_grids

    head = ["单位名称", "项目名称", "一级指标", "二级指标", "三级指标", "计算符号", "指标值", "度量单位"]
    approved = [["", "干部教育培训", "产出指标", "数量指标", "培训人次", "≥", 100, "人次"]]
    t = targets_from_grids([Grid("目标", [head, *approved])], "目标.xlsx")
    wb = parse_workbook("t.xlsx", [Grid("自评表1", _rows(ind(0, "预期指标值", 80)))], layouts=LAYOUTS)
    got = [f.message for f in validate(wb, NATIONAL_LIKE, targets=t).findings if f.rule == "XP022"]
    assert got[0] == (
        "自评表1!E15 指标值与批复目标不一致：“培训人次”的预期指标值低于批复的指标值（正向指标的目标调低，完成目标变容易了）"
        "（应为：≥100人次；实为：80）"
    )


def test_document_messages():
    """A Word report's findings: the location names the table, row and column (表1 第15行 第8列), the
    conclusion's names the paragraph after the table; tables that are not forms are listed (XP019)."""
    rows = clean_rows()
    rows[-1][7] = 98  # 总分 98 though the scores add up to 100
    locations = {
        f"{col}{r}": f"表1 第{r}行 第{n}列" for r in range(1, 30) for n, col in enumerate("ABCDEFGHIJK", 1)
    }
    grids = [
        Grid(
            "表1",
            rows,
            kind="table",
            locations=locations,
            conclusion=("通过自评，得分为96分。", "表1 之后第2段"),
        ),
        Grid("表2", [["姓名", "职务"], ["张三", "科员"]], kind="table"),
    ]
    v = validate(parse_workbook("t.docx", grids, layouts=LAYOUTS), NATIONAL_LIKE)
    got = {f.rule: f.message for f in v.findings}
    assert got == {
        "XP007": "表1 第25行 第8列 总分计算错误：总分不等于各指标自评得分之和（应为：100；实为：98）",
        "XP021": "表1 之后第2段 结论得分与总分不符：报告文字“通过自评，得分为96分。”中的得分与表中总分不一致"
        "（应为：98；实为：96分）",
        "XP019": "表2 未计入的工作表：表2（首格“姓名”）不是项目支出绩效自评表，未作为项目读取（应为：自评表；实为：其他表格）",
    }
    assert {f.cell for f in v.findings} == {"表1 第25行 第8列", "表1 之后第2段", None}
    assert v.workbook.is_document


def test_user_formula_without_result():
    """A score the unit wrote as a formula, in a file saved by a script: its value is unknown, and said so
    (the row stays an indicator; it is not called blank)."""
    rows = clean_rows()
    rows[FIRST_IND][7] = None
    grid = Grid("自评表1", rows, formulas=frozenset({(FIRST_IND, 7)}))
    assert _messages(rows, "XP015", [grid]) == [
        "自评表1!H15 无法识别的值：“培训人次”的自评得分是公式，但文件中没有保存计算结果，无法读取其值（请用 Excel "
        "或 WPS 打开并保存后再报送，或直接填写数值）（应为：数值；实为：公式（无计算结果））"
    ]
    rows = clean_rows()
    for c in range(2, 10):
        rows[FIRST_IND][c] = None if c in (2, 4, 5, 7, 9) else rows[FIRST_IND][c]
    grid = Grid("自评表1", rows, formulas=frozenset({(FIRST_IND, 5)}))  # only 实际完成值, a formula
    v = validate(parse_workbook("t.xlsx", [grid], layouts=LAYOUTS), NATIONAL_LIKE)
    assert v.projects[0].indicators[0].indicator.row == FIRST_IND + 1  # in use
    assert [(f.rule, f.cell) for f in v.findings if f.cell in ("E15", "F15")] == [
        ("XP015", "F15"),
        ("XP008", "E15"),
    ]


def test_sheet_rule_messages():
    hidden = _messages(None, "XP018", [Grid("自评表1", clean_rows(), "hidden")])
    very = _messages(None, "XP018", [Grid("自评表1", clean_rows(), "veryhidden")])
    assert hidden == [
        "自评表1 自评表被隐藏：工作表“自评表1”已隐藏，其中的自评表仍作为项目校验并计入汇总；如该表已作废，请删除该"
        "工作表（应为：显示该工作表，或删除作废的表；实为：隐藏）"
    ]
    assert very == [
        "自评表1 自评表被隐藏：工作表“自评表1”已深度隐藏（只能在 VBA 中取消隐藏），其中的自评表仍作为项目校验并计入"
        "汇总；如该表已作废，请删除该工作表（应为：显示该工作表，或删除作废的表；实为：深度隐藏）"
    ]
    notes = _messages(
        None,
        "XP019",
        [
            Grid("填报说明", [["填报说明"], ["一级指标", "产出、效益、满意度"]]),
            Grid("自评表1", clean_rows()),
            Grid("自评表2", blank_form_rows(), "hidden"),
        ],
    )
    assert notes == [
        "填报说明 未计入的工作表：工作表“填报说明”含有自评表的文字“一级指标”，但没有自评表的指标表表头（一级指标、"
        "二级指标、三级指标在同一行）或资金表（预算安排情况（调整后）），不作为项目读取（应为：自评表的表头；实为：无表头）",
        "自评表2 未计入的工作表：工作表“自评表2”（已隐藏）是未填写任何内容的空白自评表，未计入项目（应为：填写后计入，"
        "或删除该表；实为：空白）",
    ]
    assert _messages(None, "XP020", [Grid("校验结果", clean_rows())]) == [
        "校验结果 工作表名与保留名称相同：自评表所在的工作表名为“校验结果”，与本工具自动生成或读取的工作表同名，容易被"
        "当作该表覆盖或删除；此表已作为项目读取，请改名（如“自评表4”）（应为：自评表1、自评表2……等工作表名；实为：校验结果）"
    ]
