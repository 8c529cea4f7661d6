"""Properties of the scoring rules and of reading and writing numbers, over generated inputs (hypothesis).

CI runs a bounded number of examples per property (``XLPERF_PROPERTY_EXAMPLES``, default 300); a long run
sets it to 10000. Failures hypothesis found and shrank are kept below as ``@example`` cases, so they stay
checked whatever the random draw."""

from __future__ import annotations

import math
import re

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from xlperf.core import labels as L
from xlperf.core.findings import fmt_num, fmt_pct
from xlperf.core.scoring import (
    below_target,
    score_budget_rate,
    score_equal,
    score_positive,
    score_reverse,
    suggest,
)
from xlperf.core.values import BLANK, NUMBER, PLACEHOLDER, TEXT, UNREADABLE, Value, parse, parse_amount

from factory import NATIONAL_LIKE, PROPS

weights = st.floats(min_value=0.5, max_value=100, allow_nan=False)
targets = st.floats(min_value=1e-3, max_value=1e7, allow_nan=False)
actuals = st.floats(min_value=0, max_value=1e8, allow_nan=False)
SCORERS = {L.KIND_POSITIVE: score_positive, L.KIND_REVERSE: score_reverse, L.KIND_EQUAL: score_equal}


# --- scoring --------------------------------------------------------------------------------------------


@PROPS
@given(st.sampled_from(sorted(SCORERS)), st.floats(-1e7, 1e7), st.floats(-1e8, 1e8), weights)
@example(L.KIND_POSITIVE, 0.0, 2.0, 10.0)  # "2起" against "0起": 0, not full marks
@example(L.KIND_REVERSE, 1.0, 1.5, 10.0)
def test_scores_are_within_zero_and_the_weight(kind, t, a, w):
    s = SCORERS[kind](t, a, w)
    assert 0 <= s <= w + 1e-9


@PROPS
@given(st.sampled_from(sorted(SCORERS)), st.floats(-1e8, 1e8), weights)
def test_zero_targets_follow_rule_4(kind, a, w):
    assert SCORERS[kind](0.0, a, w) == (w if a <= 0 else 0.0)


@PROPS
@given(targets, actuals, actuals, weights)
def test_positive_is_monotonic_in_the_completion(t, a1, a2, w):
    lo, hi = sorted((a1, a2))
    assert score_positive(t, lo, w) <= score_positive(t, hi, w) + 1e-9
    assert (score_positive(t, hi, w) == w) == (hi >= t)


@PROPS
@given(targets, actuals, actuals, weights)
def test_reverse_is_antitonic_in_the_completion(t, a1, a2, w):
    lo, hi = sorted((a1, a2))
    assert score_reverse(t, lo, w) + 1e-9 >= score_reverse(t, hi, w)
    assert (score_reverse(t, lo, w) == w) == (lo <= t)
    assert score_reverse(t, max(hi, 2 * t), w) == 0


@PROPS
@given(targets, st.floats(0, 1), weights)
@example(10.0, 0.5, 10.0)  # 15 against ≤10: 5, never −5 (2 × T mutated to 3 × T)
def test_reverse_mirrors_positive(t, f, w):
    """Overrunning a ≤ target by d costs what falling short of a ≥ target by d costs."""
    d = f * t
    assert score_reverse(t, t + d, w) == pytest.approx(score_positive(t, t - d, w), abs=1e-9 * w)


@PROPS
@given(targets, actuals, weights, st.floats(min_value=1e-3, max_value=1e3))
def test_scores_do_not_depend_on_the_unit(t, a, w, k):
    """100 人次 of 120 scores as 1 of 1.2: the unit scales both sides."""
    for f in (score_positive, score_reverse):
        assert f(t * k, a * k, w) == pytest.approx(f(t, a, w), rel=1e-9, abs=1e-9)


@PROPS
@given(st.floats(-10, 10), weights)
def test_budget_rate_score(r, w):
    s = score_budget_rate(r, w)
    assert 0 <= s <= w and s == pytest.approx(max(0.0, min(r, 1.0)) * w)


@PROPS
@given(st.sampled_from(["达成", "部分达成", "未达成", "基本完成", "按期完成", "未完成"]), weights)
def test_qualitative_bands(level, w):
    s = suggest(
        L.KIND_QUALITATIVE, parse("达成", expect_text=True), parse(level, expect_text=True), w, NATIONAL_LIKE
    )
    assert 0 <= s.low <= s.high <= w + 1e-9


@PROPS
@given(st.sampled_from([L.KIND_POSITIVE, L.KIND_REVERSE]), targets, actuals, weights)
@example(L.KIND_REVERSE, 0.5, 0.5000000000000001, 1.0)  # found in a 10,000-example run: one ulp over
def test_below_target_means_less_than_full_marks(kind, t, a, w):
    """A row missing its target scores below its weight, and one scoring clearly below its weight misses
    its target (below_target allows 1e-9 of rounding, the scores none: one ulp over a ≤ target costs
    1e-16 of a point but needs no 偏差原因)."""
    tv, av = parse(t), parse(a)
    s = suggest(kind, tv, av, w, NATIONAL_LIKE).point
    if below_target(kind, tv, av):
        assert s < w
    if s < w * (1 - 1e-6):
        assert below_target(kind, tv, av)


# --- reading and writing numbers -------------------------------------------------------------------------

money = st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False, allow_infinity=False)


@PROPS
@given(st.floats(min_value=-1e14, max_value=1e14, allow_nan=False), st.integers(0, 4))
@example(160.0, 0)  # "16%" for 160 %: whole numbers kept their zeros only by luck
@example(100.0, 0)
@example(-0.001, 2)
def test_fmt_num_round_trips(x, digits):
    text = fmt_num(x, digits)
    assert not re.search(r"\.\d*0$", text) and not text.endswith(".")  # no trailing zeros after the point
    assert parse(text).number == pytest.approx(round(x, digits), abs=10**-digits)


@PROPS
@given(st.integers(-(10**12), 10**12))
def test_whole_numbers_print_every_digit(n):
    assert fmt_num(float(n), 0) == str(n) == fmt_num(n)


@PROPS
@given(st.floats(min_value=-100, max_value=100, allow_nan=False))
def test_fmt_pct_round_trips(x):
    text = fmt_pct(x)
    assert text.endswith("%") and parse(text).number == pytest.approx(round(x * 100, 2) / 100, abs=1e-9)


@PROPS
@given(st.floats(allow_nan=False))
@example(1e308)
def test_huge_numbers_stay_short(x):
    assert len(fmt_num(x)) <= 20


@PROPS
@given(
    money,
    st.sampled_from(["", "≥", "≤", "不低于", "不超过", "＞", "<", "＝"]),
    st.sampled_from(["", "人次", "元/平方米", "次/年", "万元/个", "元/人·天", "人/次", "km/h", "平方米"]),
    st.sampled_from(["", "以上", "以下"]),
)
@example(0, "", "", "以上")  # found by hypothesis: "0以上" read 以上 as the unit, with no comparator
def test_numbers_with_comparators_units_and_suffixes(n, cmp_, unit, suffix):
    if cmp_ and suffix:
        return  # "≥5人次以上": one comparator is enough
    v = parse(f"{cmp_}{n}{unit}{suffix}")
    assert v.kind == NUMBER and v.number == pytest.approx(float(n))
    assert v.unit == unit
    want = {"≥": ">=", "不低于": ">=", "＞": ">", "≤": "<=", "不超过": "<=", "<": "<", "＝": "="}.get(cmp_)
    want = want or {"以上": ">=", "以下": "<="}.get(suffix)
    assert v.comparator == want


@PROPS
@given(money)
def test_full_width_reads_as_half_width(n):
    half = f"≥{n}%"
    full = half.translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789.%"})
    assert parse(full).number == parse(half).number and parse(full).percent


@PROPS
@given(money)
def test_amounts_in_any_money_unit(n):
    wan = float(n)
    assert parse_amount(f"{n}万元").number == pytest.approx(wan)
    assert parse_amount(f"{n}万").number == pytest.approx(wan)
    assert parse_amount(f"{n * 10000:,}元").number == pytest.approx(wan)
    assert parse_amount(f"{n}人").kind == UNREADABLE


@PROPS
@given(st.one_of(st.text(max_size=30), st.floats(), st.integers(), st.none(), st.booleans()))
def test_parse_never_raises_and_keeps_what_was_typed(raw):
    for v in (parse(raw), parse(raw, expect_text=True), parse_amount(raw)):
        assert isinstance(v, Value) and (v.raw is raw or v.raw == raw)  # cached: 0 and 0.0 are one value
        assert v.kind in (BLANK, NUMBER, TEXT, PLACEHOLDER, UNREADABLE)
        assert (v.number is not None) == (v.kind == NUMBER)
        assert v.number is None or math.isfinite(v.number)


# --- numbers in messages ------------------------------------------------------------------------------------


def _xp004(t, a, score):
    from xlperf.core.engine import validate

    from factory import clean_rows, set_ind, workbook

    rows = clean_rows()
    set_ind(rows, 0, "预期指标值", t)
    set_ind(rows, 0, "实际完成值", a)
    set_ind(rows, 0, "自评得分", score)
    set_ind(rows, 0, "偏差原因分析及改进措施", "原因")
    rows[-1][7] = 90 + score
    return validate(workbook(rows), NATIONAL_LIKE)


@PROPS
@given(st.integers(1, 10**6), st.integers(0, 10**6), st.integers(0, 10))
def test_numbers_in_messages_are_the_numbers(t, a, score):
    v = _xp004(t, a, score)
    want = score_positive(t, a, 10)
    hits = [f for f in v.findings if f.rule == "XP004"]
    assert bool(hits) == (abs(want - score) > NATIONAL_LIKE.score_tolerance)
    for f in hits:
        assert parse(f.expected).number == pytest.approx(round(want, 2), abs=1e-9)
        assert parse(f.found).number == score
        assert f.message.endswith(f"（应为：{f.expected}；实为：{f.found}）")
    over = [f for f in v.findings if f.rule == "XP013"]
    assert bool(over) == (a >= 1.3 * t - 1e-9)
    for f in over:
        pct = re.search(r"预期值的 (\d+)%", f.message).group(1)
        assert int(pct) == round(a / t * 100)


# --- 核定总分: each score counted within 0 and its weight, never above 100 ---------------------------------

scores_typed = st.one_of(st.none(), st.floats(-50, 200, allow_nan=False), st.integers(-20, 150))
weights_typed = st.one_of(st.none(), st.floats(0, 60, allow_nan=False), st.integers(0, 40))


def _scored_project(scores, weights, executed):
    from xlperf.core.evaluate import evaluate

    from factory import clean_rows, set_ind, workbook

    rows = clean_rows()
    for i, (s, w) in enumerate(zip(scores, weights, strict=True)):
        set_ind(rows, i, "自评得分", s)
        set_ind(rows, i, "分值", w)
    rows[6][6] = executed  # 执行数 of a 预算数 of 10: the execution rate, and the cap it brings
    return evaluate(workbook(rows).projects[0], NATIONAL_LIKE)


@PROPS
@given(
    st.lists(scores_typed, min_size=10, max_size=10),
    st.lists(weights_typed, min_size=10, max_size=10),
    st.floats(0, 12, allow_nan=False),
)
@example([20] + [10] * 9, [10] * 10, 10.0)  # the seed's 20 on a 10-point row: 100 counted, not 110
@example([-5] + [10] * 9, [10] * 10, 10.0)  # a negative score counts 0: 90
@example([30] * 10, [None] * 10, 10.0)  # no 分值 anywhere: each section's weight split over its rows
@example([60] * 10, [60] * 10, 10.0)  # weights adding up to 600: 核定总分 is still at most 100
@example([10] * 10, [10] * 10, 5.0)  # 50 %: the cap of 69 applies to 100
@example([2.0] + [None] * 9, [1.9296875] + [None] * 9, 0.0)  # shrunk: the total is stored to 1e-6
@example([None] * 8 + [1.0, None], [None] * 8 + [0.0078125, None], 0.0)
def test_no_approved_score_exceeds_its_weight_or_100(scores, weights, executed):
    pr = _scored_project(scores, weights, executed)
    for r in pr.indicators:
        s = r.indicator.score.number
        if s is None:
            assert r.counted is None
            continue
        assert r.counted >= 0
        if r.weight is not None:
            assert r.counted <= r.weight + 1e-9
            assert r.counted == pytest.approx(min(max(s, 0), r.weight))
    counted = [r.counted for r in pr.indicators if r.counted is not None]
    if not counted:
        assert pr.total_capped is None and pr.grade is None
        return
    assert 0 <= pr.total_capped <= 100 + 1e-9
    want = min(sum(counted), 100, pr.cap.max if pr.cap else 100)
    assert pr.total_capped == pytest.approx(want, abs=1e-6)
    if all(r.indicator.score.number >= 0 for r in pr.indicators if r.indicator.score.number is not None):
        assert pr.total_capped <= pr.total_recomputed + 1e-6  # counting within the weights only lowers
    if all(r.weight is not None for r in pr.indicators if r.counted is not None):
        # (totals are stored to the millionth: 1.9296875 of weight is 1.929688)
        assert pr.total_capped <= sum(r.weight for r in pr.indicators if r.counted is not None) + 1e-6
    if pr.cap is not None:
        assert pr.total_capped <= pr.cap.max + 1e-9
    assert pr.grade == NATIONAL_LIKE.grade(pr.total_capped)
    assert pr.capped == (pr.total_capped < pr.total_counted - 1e-9)
    # the 填报 and 复核 totals stay as written
    written = [r.indicator.score.number for r in pr.indicators if r.indicator.score.number is not None]
    assert pr.total_recomputed == pytest.approx(sum(written), abs=1e-6)
