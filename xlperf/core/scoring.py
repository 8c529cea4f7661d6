"""The scoring rules of the domain brief as pure functions (no model, no I/O).

These are what the UDFs call in cells and what the rules compare against, so the numbers in Excel and
in ``xlperf validate`` are the same numbers. Weights, tolerances and bands come from a
:class:`~xlperf.presets.Preset`; nothing regional is a constant here.
"""

from __future__ import annotations

from dataclasses import dataclass

from xlperf.core import labels as L
from xlperf.core.preset import Preset
from xlperf.core.values import Value, as_fraction, parse

_KIND_WORDS = {
    L.KIND_POSITIVE: L.KIND_POSITIVE,
    "正向指标": L.KIND_POSITIVE,
    "越大越好": L.KIND_POSITIVE,
    "≥": L.KIND_POSITIVE,
    L.KIND_REVERSE: L.KIND_REVERSE,
    "反向指标": L.KIND_REVERSE,
    "越小越好": L.KIND_REVERSE,
    "≤": L.KIND_REVERSE,
    L.KIND_EQUAL: L.KIND_EQUAL,
    "等于": L.KIND_EQUAL,
    "=": L.KIND_EQUAL,
    "持平": L.KIND_EQUAL,
    L.KIND_QUALITATIVE: L.KIND_QUALITATIVE,
    "定性指标": L.KIND_QUALITATIVE,
}
# completion words that mean a qualitative level
_LEVEL_WORDS = {
    "达成": "达成",
    "完成": "达成",
    "已完成": "达成",
    "全部完成": "达成",
    "好": "达成",
    "是": "达成",
    "部分达成": "部分达成",
    "基本完成": "部分达成",
    "基本达成": "部分达成",
    "较好": "部分达成",
    "一般": "部分达成",
    "未达成": "未达成",
    "未完成": "未达成",
    "差": "未达成",
    "否": "未达成",
}


def execution_rate(budget: float | None, executed: float | None) -> float | None:
    """r = E / B (scoring rule 1). None when B is missing or zero."""
    if budget is None or executed is None or budget == 0:
        return None
    return executed / budget


def qualitative_level(v: Value) -> str | None:
    """达成/部分达成/未达成 for a qualitative completion value, or None."""
    if v.kind != "text":
        return None
    from xlperf.core.labels import norm

    return _LEVEL_WORDS.get(norm(v.raw))


_BY_COMPARATOR = {"<=": L.KIND_REVERSE, "<": L.KIND_REVERSE, "=": L.KIND_EQUAL, ">=": L.KIND_POSITIVE,
                  ">": L.KIND_POSITIVE}  # fmt: skip


def kind_of(kind_cell: Value, target: Value, actual: Value) -> tuple[str, bool]:
    """The indicator kind and whether it was written (True) or inferred (False).

    A comparator written in the target ("≤500元", "＝0", "≥95%") decides a quantitative row: it is
    written per indicator, while the 指标类型 column is often left at the template's default 正向, and
    scoring "≤2万元" as 正向 would give full marks to a cost overrun. A written 定性 stays 定性.
    Without a comparator the written kind counts; without either, a qualitative level word or text on
    both sides is 定性, anything else 正向 (the form's default).
    """
    from xlperf.core.labels import norm

    written = _KIND_WORDS.get(norm(kind_cell.raw)) if not kind_cell.is_blank else None
    if written != L.KIND_QUALITATIVE and target.comparator in _BY_COMPARATOR:
        by_target = _BY_COMPARATOR[target.comparator]
        return by_target, written == by_target
    if written:
        return written, True
    if qualitative_level(actual) or (target.kind == "text" and actual.kind == "text"):
        return L.KIND_QUALITATIVE, False
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
    """Rule 2: W if A ≥ T, else W × A / T."""
    if target <= 0:
        return weight if actual >= target else 0.0
    return weight if actual >= target else max(0.0, weight * actual / target)


def score_reverse(target: float, actual: float, weight: float) -> float:
    """Rule 3: A ≤ T → W; T < A < 2T → W × (1 − (A−T)/T); A ≥ 2T → 0."""
    if target <= 0:
        return weight if actual <= target else 0.0
    if actual <= target:
        return weight
    if actual >= 2 * target:
        return 0.0
    return weight * (1 - (actual - target) / target)


def score_equal(target: float, actual: float, weight: float) -> float:
    """Rule 4: T = 0 → W when A ≤ 0 else 0; otherwise as rule 2."""
    if target == 0:
        return weight if actual <= 0 else 0.0
    return score_positive(target, actual, weight)


def suggest(
    kind: str, target: Value, actual: Value, weight: float | None, preset: Preset
) -> Suggestion | None:
    """The score an indicator row should have (rules 2–6), or None when the values do not allow one."""
    if weight is None:
        return None
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
    if kind == L.KIND_EQUAL:
        return _point(score_equal(t, a, weight))
    return _point(score_positive(t, a, weight))


def score_budget_rate(rate: float | None, weight: float | None) -> float | None:
    """Rule 1: the 预算执行率 indicator's score = min(r, 1) × W."""
    if rate is None or weight is None:
        return None
    return max(0.0, min(rate, 1.0)) * weight


def suggest_raw(kind: object, target: object, actual: object, weight: object, preset: Preset) -> float | None:
    """:func:`suggest` from raw cell values (what a UDF receives); the point of the band."""
    t, a, k = parse(target, expect_text=True), parse(actual, expect_text=True), parse(kind, expect_text=True)
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
    if kind == L.KIND_REVERSE:
        return a > t + 1e-9
    if kind == L.KIND_EQUAL:
        return abs(a - t) > 1e-9
    return a < t - 1e-9
