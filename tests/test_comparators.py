"""Every entry of the core's word tables, pinned by a test that states what it must mean.

The template's hidden formulas once re-implemented these tables, and only the native-formula parity
test compared the two: a hand mutation of the comparator table (a "<5%" target read as 正向) passed every
core test. The formulas no longer parse text, so the tables are pinned here, each expectation written
out again (not read from the module under test): changing any entry of ``values._CMP``,
``values._SUFFIX_CMP``, ``scoring.BY_COMPARATOR``, ``scoring.KIND_WORDS`` or ``scoring.LEVEL_WORDS``
fails one of these tests.
"""

from __future__ import annotations

import pytest

from xlperf import presets
from xlperf.core.scoring import below_target, kind_of, qualitative_level, suggest, suggest_raw
from xlperf.core.values import NUMBER, parse, with_unit

NATIONAL = presets.load("national")

# comparator as written -> the comparator the core reads
COMPARATORS = {
    ">=": ">=", "≥": ">=", "不低于": ">=", "不少于": ">=", "大于等于": ">=", "达到": ">=",
    ">": ">", "大于": ">",
    "<=": "<=", "≤": "<=", "不高于": "<=", "不超过": "<=", "小于等于": "<=",
    "<": "<", "小于": "<",
    "=": "=",
    "＞": ">", "＜": "<", "＝": "=", "≧": "≧",  # full width: NFKC; ≧ is no comparator of the core
}  # fmt: skip
# the kind a target's comparator gives the row
KIND_OF_COMPARATOR = {">=": "正向", ">": "正向", "<=": "反向", "<": "反向", "=": "等于"}
SUFFIXES = {"以上": ">=", "及以上": ">=", "以下": "<=", "及以下": "<=", "以内": "<="}


@pytest.mark.parametrize(("written", "read"), sorted(COMPARATORS.items()))
def test_every_comparator_reads_as_written(written, read):
    v = parse(f"{written}5%")
    if read == "≧":  # not a comparator: the whole text is not a number
        assert v.number is None
        return
    assert (v.kind, v.number, v.percent, v.comparator) == (NUMBER, 0.05, True, read)


@pytest.mark.parametrize(("written", "read"), sorted(COMPARATORS.items()))
def test_every_comparator_gives_its_kind_and_score(written, read):
    """The kind a target's comparator implies, and the score it leads to: a "<5%" target met by 8% is a
    reverse indicator missed (0.4 of 10 at 8 % against 5 %), not a positive one exceeded (10)."""
    if read == "≧":
        return
    target, actual = parse(f"{written}5%"), parse("8%")
    kind, written_kind = kind_of(parse(None), target, actual)
    assert (kind, written_kind) == (KIND_OF_COMPARATOR[read], False)
    s = suggest(kind, target, actual, 10, NATIONAL)
    want = {"正向": 10.0, "等于": 10.0, "反向": 10 * (1 - (0.08 - 0.05) / 0.05)}[kind]
    assert s.point == pytest.approx(want)
    assert below_target(kind, target, actual) is (kind != "正向")
    # the same through what a UDF receives
    assert suggest_raw(None, f"{written}5%", "8%", 10, NATIONAL) == pytest.approx(round(want, 4))


@pytest.mark.parametrize(("suffix", "read"), sorted(SUFFIXES.items()))
def test_every_suffix_reads_as_a_comparator(suffix, read):
    v = parse(f"5%{suffix}")
    assert (v.number, v.percent, v.comparator) == (0.05, True, read)
    v = parse(f"100人{suffix}")
    assert (v.number, v.unit, v.comparator) == (100.0, "人", read)
    v = parse(f"100{suffix}")  # no unit: the suffix is not the unit 以上
    assert (v.number, v.unit, v.comparator) == (100.0, "", read)
    assert kind_of(parse(None), v, parse(80))[0] == KIND_OF_COMPARATOR[read]


# 指标类型 / 指标性质 / 计算符号 as written -> the kind read (a written kind, no comparator in the target)
KIND_WORDS = {
    "正向": "正向", "正向指标": "正向", "越大越好": "正向", "≥": "正向", ">": "正向", "大于等于": "正向",
    "大于": "正向", "定量": "正向", "＞": "正向", " ≥ ": "正向",
    "反向": "反向", "反向指标": "反向", "越小越好": "反向", "≤": "反向", "<": "反向", "小于等于": "反向",
    "小于": "反向", "＜": "反向",
    "等于": "等于", "=": "等于", "持平": "等于", "＝": "等于",
    "定性": "定性", "定性指标": "定性",
}  # fmt: skip


@pytest.mark.parametrize(("word", "kind"), sorted(KIND_WORDS.items()))
def test_every_kind_word(word, kind):
    assert kind_of(parse(word, expect_text=True), parse(100), parse(80)) == (kind, True)


@pytest.mark.parametrize("word", ["", "xx", "正", "越高越好", "≧", "定性分析"])
def test_other_kind_words_are_no_kind(word):
    # no written kind: the form's default, 正向, not written
    assert kind_of(parse(word or None, expect_text=True), parse(100), parse(80)) == ("正向", False)


def test_the_scores_of_the_written_kinds_differ():
    """A kind word mapped to another kind changes the score: 120 against a target of 100, weight 10."""
    t, a = parse(100), parse(120)
    got = {k: suggest(k, t, a, 10, NATIONAL).point for k in ("正向", "反向", "等于")}
    assert got == {"正向": 10.0, "反向": pytest.approx(8.0), "等于": 10.0}
    assert (below_target("正向", t, a), below_target("反向", t, a), below_target("等于", t, a)) == (
        False,
        True,
        True,
    )


# completion words -> the qualitative level
LEVEL_WORDS = {
    "达成": "达成", "完成": "达成", "已完成": "达成", "全部完成": "达成", "按期完成": "达成", "按时完成": "达成",
    "如期完成": "达成", "好": "达成", "是": "达成",
    "部分达成": "部分达成", "基本完成": "部分达成", "基本达成": "部分达成", "较好": "部分达成", "一般": "部分达成",
    "未达成": "未达成", "未完成": "未达成", "未按期完成": "未达成", "未按时完成": "未达成", "差": "未达成",
    "否": "未达成",
    # the official wordings
    "达成预期指标": "达成", "达成年度指标": "达成", "部分达成预期指标并具有一定效果": "部分达成",
    "部分达成年度指标并具有一定效果": "部分达成", "未达成预期指标且效果较差": "未达成",
    "未达成年度指标且效果较差": "未达成", "基本达成预期目标": "部分达成", " 达成 ": "达成",
}  # fmt: skip
# the national preset's bands (80–100 %, 60–80 %, 0–60 %) of a weight of 10
BANDS = {"达成": (8.0, 10.0), "部分达成": (6.0, 8.0), "未达成": (0.0, 6.0)}


@pytest.mark.parametrize(("word", "level"), sorted(LEVEL_WORDS.items()))
def test_every_level_word(word, level):
    actual = parse(word, expect_text=True)
    assert qualitative_level(actual) == level
    assert kind_of(parse("正向", expect_text=True), parse("效果明显", expect_text=True), actual) == (
        "定性",
        False,
    )
    s = suggest("定性", parse("效果明显", expect_text=True), actual, 10, NATIONAL)
    assert (s.low, s.high) == pytest.approx(BANDS[level])
    assert below_target("定性", parse(None), actual) is (level != "达成")


@pytest.mark.parametrize("word", ["达成率", "完成情况", "部分", "达", "良好", "优"])
def test_other_words_are_no_level(word):
    assert qualitative_level(parse(word, expect_text=True)) is None


@pytest.mark.parametrize(
    ("target", "actual", "unit", "read"),
    [
        (95, 98, "%", (0.95, 0.98)),
        (95, 0.98, "%", (0.95, 0.98)),  # 98 % typed into a %-formatted cell arrives as 0.98
        (0.95, 98, "%", (0.95, 0.98)),
        (0.5, 0.3, "%", (0.005, 0.003)),  # two small numbers stay in points
        (95, 98, "百分比", (0.95, 0.98)),
        (5, 3, "‰", (0.005, 0.003)),
        (5000, 4000, "元", (0.5, 0.4)),
        (2, 3, "亿元", (20000.0, 30000.0)),
        (30, 25, "万元", (30.0, 25.0)),
        (100, 120, "人次", (100.0, 120.0)),
        (100, 120, " ％ ", (1.0, 1.2)),
        (100, 120, "/", (100.0, 120.0)),  # a placeholder unit is no unit
    ],
)
def test_values_read_with_the_unit_cell(target, actual, unit, read):
    t, a = with_unit(parse(target), parse(actual), unit)
    assert (t.number, a.number) == pytest.approx(read)
