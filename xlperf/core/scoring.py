"""The scoring rules of the domain brief as pure functions (no model, no I/O).

These are what the UDFs call in cells and what the rules compare against, so the numbers in Excel and
in ``xlperf validate`` are the same numbers. Weights, tolerances and bands come from a
:class:`~xlperf.presets.Preset`; nothing regional is a constant here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from xlperf.core import labels as L
from xlperf.core.preset import Preset
from xlperf.core.values import Value, as_fraction, parse, with_unit

KIND_WORDS = {
    L.KIND_POSITIVE: L.KIND_POSITIVE,
    "正向指标": L.KIND_POSITIVE,
    "越大越好": L.KIND_POSITIVE,
    "≥": L.KIND_POSITIVE,
    ">": L.KIND_POSITIVE,
    "大于等于": L.KIND_POSITIVE,
    "大于": L.KIND_POSITIVE,
    "定量": L.KIND_POSITIVE,  # 一体化's 定量 without a sign: higher is better, as the form's default
    L.KIND_REVERSE: L.KIND_REVERSE,
    "反向指标": L.KIND_REVERSE,
    "越小越好": L.KIND_REVERSE,
    "≤": L.KIND_REVERSE,
    "<": L.KIND_REVERSE,
    "小于等于": L.KIND_REVERSE,
    "小于": L.KIND_REVERSE,
    L.KIND_EQUAL: L.KIND_EQUAL,
    "等于": L.KIND_EQUAL,
    "=": L.KIND_EQUAL,
    "持平": L.KIND_EQUAL,
    L.KIND_QUALITATIVE: L.KIND_QUALITATIVE,
    "定性指标": L.KIND_QUALITATIVE,
}
# completion words that mean a qualitative level
LEVEL_WORDS = {
    "达成": "达成",
    "完成": "达成",
    "已完成": "达成",
    "全部完成": "达成",
    "按期完成": "达成",
    "按时完成": "达成",
    "如期完成": "达成",
    "好": "达成",
    "是": "达成",
    "部分达成": "部分达成",
    "基本完成": "部分达成",
    "基本达成": "部分达成",
    "较好": "部分达成",
    "一般": "部分达成",
    "未达成": "未达成",
    "未完成": "未达成",
    "未按期完成": "未达成",
    "未按时完成": "未达成",
    "差": "未达成",
    "否": "未达成",
}


def execution_rate(budget: float | None, executed: float | None) -> float | None:
    """r = E / B (scoring rule 1). None when B or E is missing, B is not positive or E is negative:
    −3 / −5 is not a 60 % execution (XP010 reports the negative amount)."""
    if budget is None or executed is None or budget <= 0 or executed < 0:
        return None
    return executed / budget


# the official forms' wordings: 达成年度指标 / 达成预期指标 (80–100 % of 分值), 部分达成年度指标并具有一定
# 效果 (60–80 %), 未达成年度指标且效果较差 (0–60 %), and their shorter forms
_OFFICIAL_LEVEL = re.compile(r"^(未达成|部分达成|基本达成|达成)(?:年度|预期|年初)?(?:绩效)?(?:指标|目标)?"
                             r"(?:值)?(?:并具有一定效果|且效果较差|,?效果较好)?$")  # fmt: skip


def qualitative_level(v: Value) -> str | None:
    """达成/部分达成/未达成 for a qualitative completion value, or None."""
    if v.kind != "text":
        return None
    s = L.norm(v.raw)
    level = LEVEL_WORDS.get(s)
    if level is None:
        m = _OFFICIAL_LEVEL.match(s)
        if m is not None:
            level = LEVEL_WORDS[m.group(1)]
    return level


BY_COMPARATOR = {"<=": L.KIND_REVERSE, "<": L.KIND_REVERSE, "=": L.KIND_EQUAL, ">=": L.KIND_POSITIVE,
                  ">": L.KIND_POSITIVE}  # fmt: skip


def kind_of(kind_cell: Value, target: Value, actual: Value) -> tuple[str, bool]:
    """The indicator kind and whether it was written (True) or inferred (False), first match wins:

    (a) a written 定性; (b) a qualitative level word in the completion value (达成/部分达成/未达成 and
    their synonyms), whatever the written kind; (c) a comparator in the target: ≤ < 不超过 → 反向,
    = → 等于, ≥ > 不低于 → 正向; (d) the written kind; (e) 正向, the form's default.

    Why the values before the 指标类型 cell: the template pre-fills 正向 in every row and users leave it,
    while a "≤2万元" target or a "达成" completion is written per indicator; scoring "≤2万元" as 正向
    would give full marks to a cost overrun, and "达成" under 正向 cannot be scored at all.
    """
    written = KIND_WORDS.get(L.norm(kind_cell.raw))  # norm of a blank is '': not a kind
    if written == L.KIND_QUALITATIVE:
        return L.KIND_QUALITATIVE, True
    if actual.kind == "text" and qualitative_level(actual):  # (only text is a level)
        return L.KIND_QUALITATIVE, False
    if target.comparator in BY_COMPARATOR:
        by_target = BY_COMPARATOR[target.comparator]
        return by_target, written == by_target
    if written:
        return written, True
    return L.KIND_POSITIVE, False


@dataclass(frozen=True)
class Suggestion:
    """A suggested score: a point for quantitative rules, a band for qualitative ones."""

    low: float
    high: float

    @property
    def point(self) -> float:
        return self.high

    def contains(self, score: float, tolerance: float) -> bool:
        return self.low - tolerance - 1e-9 <= score <= self.high + tolerance + 1e-9


def _point(x: float) -> Suggestion:
    return Suggestion(x, x)


def same_unit(a: Value, b: Value) -> bool:
    """Whether two numbers can be compared: same unit, or one side has none (100 vs "100人次", 1.0 vs
    "100%"). "100人次" against "2万元" cannot."""
    return not (a.unit and b.unit and a.unit != b.unit)


def score_positive(target: float, actual: float, weight: float) -> float:
    """Rule 2: W if A ≥ T, else W × A / T. A zero target follows rule 4 (W when A ≤ 0, else 0): "0起"
    against "0起" (食品安全事故) scores W, "2起" against "0起" scores 0."""
    if target == 0:
        return weight if actual <= 0 else 0.0
    if target < 0:
        return weight if actual >= target else 0.0
    return weight if actual >= target else max(0.0, weight * actual / target)


def score_reverse(target: float, actual: float, weight: float) -> float:
    """Rule 3: A ≤ T → W; T < A < 2T → W × (1 − (A−T)/T); A ≥ 2T → 0. T ≤ 0: W when A ≤ T, else 0."""
    if target <= 0:
        return weight if actual <= target else 0.0
    if actual <= target:
        return weight
    if actual >= 2 * target:
        return 0.0
    return weight * (1 - (actual - target) / target)


def score_equal(target: float, actual: float, weight: float) -> float:
    """Rule 4: T = 0 → W when A ≤ 0 else 0; otherwise as rule 2 — which is what :func:`score_positive`
    does (issue 8 gave every zero target rule 4's treatment), so the two are one function."""
    return score_positive(target, actual, weight)


def suggest(
    kind: str, target: Value, actual: Value, weight: float | None, preset: Preset
) -> Suggestion | None:
    """The score an indicator row should have (rules 2–6), or None when the values do not allow one."""
    if weight is None:
        return None
    if not weight:  # (0.0 and -0.0 are one key of a dict: not kept)
        return _suggest(kind, target, actual, weight, preset)
    # the values of a form's cells are the cached Values of values.parse: the same objects for the same
    # text or number in every row of every file, so a consolidation scores each combination once. Kept
    # by their identity (each entry holds its objects: an id is not reused while its entry lives).
    key = (kind, id(target), id(actual), weight, weight.__class__, id(preset))
    hit = _SUGGESTED.get(key)
    if hit is not None and hit[0] is target and hit[1] is actual and hit[2] is preset:
        return hit[3]
    found = _suggest(kind, target, actual, weight, preset)
    if len(_SUGGESTED) >= 20_000:
        _SUGGESTED.clear()
    _SUGGESTED[key] = (target, actual, preset, found)
    return found


_SUGGESTED: dict[tuple, tuple[Value, Value, Preset, Suggestion | None]] = {}


def _suggest(kind: str, target: Value, actual: Value, weight: float, preset: Preset) -> Suggestion | None:
    if kind == L.KIND_QUALITATIVE:
        level = qualitative_level(actual)
        if level is None and actual.number is not None and target.number is not None:
            kind = L.KIND_POSITIVE  # a 定性 row filled with numbers: score it as numbers
        elif level is None:
            return None
        else:
            lo, hi = preset.qualitative.get(level, (0.0, 1.0))
            return Suggestion(lo * weight, hi * weight)
    t = as_fraction(target, actual)
    a = as_fraction(actual, target)
    if t is None or a is None or not same_unit(target, actual):
        return None
    if kind == L.KIND_REVERSE:
        return _point(score_reverse(t, a, weight))
    return _point(score_positive(t, a, weight))  # 正向, and 等于 (rule 4 = rule 2 with rule 4's zero target)


def score_budget_rate(rate: float | None, weight: float | None) -> float | None:
    """Rule 1: the 预算执行率 indicator's score = min(r, 1) × W."""
    if rate is None or weight is None:
        return None
    return max(0.0, min(rate, 1.0)) * weight


def suggest_raw(
    kind: object, target: object, actual: object, weight: object, preset: Preset, unit: object = None
) -> float | None:
    """:func:`suggest` from raw cell values (what a UDF receives); the point of the band. ``unit``: the
    row's 度量单位 where it stands in a cell of its own (values.with_unit)."""
    t, a, k = parse(target, expect_text=True), parse(actual, expect_text=True), parse(kind, expect_text=True)
    if unit is not None:
        t, a = with_unit(t, a, unit)
    w = parse(weight).number
    s = suggest(kind_of(k, t, a)[0], t, a, w, preset)
    return None if s is None else round(s.point, 4)


def grade(total: float | None, preset: Preset) -> str | None:
    """Rule 8: 优/良/中/差 by the preset's bands."""
    return preset.grade(total)


def below_target(kind: str, target: Value, actual: Value) -> bool:
    """True when the completion value misses the target (the row then needs a 偏差原因)."""
    if kind == L.KIND_QUALITATIVE:
        level = qualitative_level(actual)
        return level is not None and level != "达成"
    t, a = as_fraction(target, actual), as_fraction(actual, target)
    if t is None or a is None:
        return False
    if t == 0:  # rule 4: anything above a zero target (事故 0起) misses it, whatever the kind
        return a > 1e-9
    if kind == L.KIND_REVERSE:
        return a > t + 1e-9
    if kind == L.KIND_EQUAL:
        return abs(a - t) > 1e-9
    return a < t - 1e-9
