"""What the tool computes for a project: execution rate, each row's weight and suggested score,
section subtotals, the totals, grade, cap. Pure; the rules and every writer read these.

The four totals are defined here once (:data:`TOTALS`): every output (JSON, report, summary, README)
uses these names with these meanings and reads the numbers from :class:`ProjectResult`.

The template's computed cells (预算执行进度, the 预算执行率 row's 实际完成值, 总分, and a 合计 amount that is
a formula) hold formulas. A file saved by an office suite carries their results; a file written by a
script carries none. :func:`evaluate` gives such a cell the value Python computes for it, whether or not
the file has a cached result: both saves of the same data then give the same findings by construction,
and the formulas' agreement with Python is what the native-formula parity test proves, not something
each file is re-checked for. (A cached result is also not always the template's: an older template, or
an office suite that reads "320.5万元" differently, would make the two saves disagree.)
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, fields, replace
from functools import cached_property

from xlperf.core import labels as L
from xlperf.core.findings import fmt_num, fmt_pct
from xlperf.core.model import Cell, Funds, Indicator, Project
from xlperf.core.preset import Cap, Preset
from xlperf.core.scoring import Suggestion, execution_rate, kind_of, score_budget_rate, suggest
from xlperf.core.values import BLANK, NUMBER, Value, as_fraction, parse

WEIGHT_FROM_COLUMN = "分值列"
WEIGHT_FROM_LABEL = "一级指标标注的分值平均分配"
WEIGHT_FROM_PRESET = "评分方案的一级权重平均分配"


@dataclass(frozen=True)
class TotalDef:
    """One of a project's totals: its key (JSON), its Chinese name (every output) and what it is."""

    key: str
    name: str
    definition: str


TOTAL_REPORTED = TotalDef(
    "total_reported",
    "填报总分",
    "自评表“总分”单元格所填的值（该单元格仍是模板的公式时，为公式的结果，即各指标自评得分之和）",
)
TOTAL_RECOMPUTED = TotalDef("total_recomputed", "复核总分", "各指标自评得分之和（只计在用的指标行）")
TOTAL_SUGGESTED = TotalDef(
    "total_suggested", "建议总分", "各指标按评分规则计算的建议得分之和（只计能算出建议得分的指标）"
)
TOTAL_CAPPED = TotalDef(
    "total_capped",
    "核定总分",
    "各指标自评得分之和，每项按 0 至该指标分值计（高于分值的按分值、负分按 0 计入），合计不超过 100 分；"
    "评分方案按预算执行率规定了总分上限且超过上限时，取上限。"
    "等级按核定总分评定，平均分、最高分、最低分也按核定总分计算",
)
FULL_MARKS = 100.0  # no 核定总分 above this, whatever the form's weights add up to
TOTALS = (TOTAL_REPORTED, TOTAL_RECOMPUTED, TOTAL_SUGGESTED, TOTAL_CAPPED)


@dataclass(frozen=True, init=False)
class IndicatorResult:
    indicator: Indicator
    kind: str
    kind_written: bool
    weight: float | None  # W in effect
    weight_source: str
    suggestion: Suggestion | None
    basis: float | None = None  # 预算执行率 row: the execution rate its score was computed from

    def __init__(
        self,
        indicator: Indicator,
        kind: str,
        kind_written: bool,
        weight: float | None,
        weight_source: str,
        suggestion: Suggestion | None,
        basis: float | None = None,
    ) -> None:
        # (the frozen dataclass's own __init__ sets each field through object.__setattr__: three times
        # the cost, for a record made once per indicator row of every project)
        d = self.__dict__
        d["indicator"], d["kind"], d["kind_written"], d["weight"] = indicator, kind, kind_written, weight
        d["weight_source"], d["suggestion"], d["basis"] = weight_source, suggestion, basis

    @property
    def suggested(self) -> float | None:
        return None if self.suggestion is None else round(self.suggestion.point, 4)

    @property
    def counted(self) -> float | None:
        """The 自评得分 as the 核定总分 counts it: at least 0, at most the weight in effect (None: no
        score)."""
        return counted_score(self.indicator.score.number, self.weight)


def counted_score(score: float | None, weight: float | None) -> float | None:
    """A score as the 核定总分 counts it: within 0 and the weight (no weight known: at least 0)."""
    if score is None:
        return None
    s = max(score, 0.0)
    return min(s, weight) if weight is not None and weight >= 0 else s


@dataclass(frozen=True)
class ProjectResult:
    project: Project  # as read, with the template's computed cells given their formulas' values
    rate: float | None  # E / B
    indicators: tuple[IndicatorResult, ...]
    section_weights: dict[str, float]  # section key -> weight in effect
    subtotals: dict[str, float]  # section key -> Σ S as written
    suggested_subtotals: dict[str, float]  # section key -> Σ suggested
    total_recomputed: float | None  # 复核总分: Σ S as written
    total_suggested: float | None  # 建议总分: Σ suggested (rows that have one)
    grade: str | None  # of the capped total (核定总分)
    cap: Cap | None  # the execution-rate cap that applies, if any
    total_capped: float | None = None  # 核定总分: Σ min(max(S, 0), W), at most 100, then capped
    total_counted: float | None = None  # Σ min(max(S, 0), W), at most 100: 核定总分 before the cap

    @cached_property
    def budget_rows(self) -> tuple[IndicatorResult, ...]:
        """The 预算执行率 rows, scored from the funds block (several rules ask: found once)."""
        return tuple(r for r in self.indicators if r.indicator.is_budget_rate)

    @property
    def total_reported(self) -> float | None:
        """填报总分."""
        return self.project.total.number

    @property
    def capped(self) -> bool:
        """Whether the execution-rate cap lowered the total (核定总分 below what the scores count for)."""
        return (
            self.total_capped is not None
            and self.total_counted is not None
            and self.total_capped < self.total_counted - 1e-9
        )

    @property
    def adjusted(self) -> bool:
        """Whether some score counts for less than was written (above its weight, or negative): the
        核定总分 before any cap differs from the 复核总分."""
        return (
            self.total_counted is not None
            and self.total_recomputed is not None
            and abs(self.total_counted - self.total_recomputed) > 1e-9
        )


_PERCENT = parse("100%")
_BLANK = Value(None, BLANK)


def _section_weight(project: Project, key: str | None, preset: Preset) -> tuple[float | None, str]:
    for s in project.sections:
        if s.key == key and s.weight is not None:
            return s.weight, WEIGHT_FROM_LABEL
    if key is not None and key in preset.weights:
        return preset.weights[key], WEIGHT_FROM_PRESET
    return None, ""


# --- the template's computed cells -----------------------------------------------------------------


def _computed(c: Cell, x: float | None, *, percent: bool = False) -> Cell:
    """A formula cell given its formula's value."""
    if x is None:
        return Cell(c.ref, _BLANK, True)
    if percent:
        return Cell(c.ref, Value(fmt_pct(x), NUMBER, x, True, None, "%"), True)
    return Cell(c.ref, Value(x, NUMBER, x), True)


def _percent_formula(c: Cell, value: float | None) -> Cell:
    """A formula cell whose result is a fraction shown as a percentage (预算执行进度 = 执行数/预算数)."""
    return _computed(c, value, percent=True) if c.formula else c


def _funds(f: Funds) -> Funds:
    """A 合计 amount that is a formula: 财政资金 + 其他."""
    if not f.total.formula:
        return f
    parts = [c.number for c in (f.fiscal, f.other) if c.number is not None]
    return replace(f, total=_computed(f.total, round(sum(parts), 6) if parts else None))


def _only_a_blank_formula(ind) -> bool:
    return (
        ind.is_budget_rate
        and ind.actual.formula
        and ind.actual.value.is_blank
        and all(c.value.is_blank and not c.formula for c in (ind.name, ind.target, ind.score, ind.reason))
    )


def evaluate(project: Project, preset: Preset) -> ProjectResult:
    """Compute everything the rules and writers need for one project."""
    budget, arrived, executed = _funds(project.budget), _funds(project.arrived), _funds(project.executed)
    rate = execution_rate(budget.total.number, executed.total.number)
    progress = _percent_formula(project.progress, rate)
    # where 分值 is blank, the section's weight left after the rows that have one is split evenly over
    # the rows without one (the whole weight when the column is empty, as in the seed's form)
    blank_rows: dict[str | None, int] = defaultdict(int)
    explicit: dict[str | None, float] = defaultdict(float)
    indicators = []
    for ind in project.indicators:
        if ind.section == L.SECTION_BUDGET and ind.actual.formula:  # (ind.is_budget_rate)
            ind = _replace(ind, actual=_percent_formula(ind.actual, progress.number))
            # the template's 预算执行率 row with nothing in it but its formula (实际完成值 = 预算执行进度,
            # the pre-filled 三级指标 and 预期指标值 cleared): in use only while that formula has a value,
            # as the template's own 在用行 has it (found by the native-formula parity test)
            if _only_a_blank_formula(ind):
                continue
        indicators.append(ind)
        w = ind.weight.value.number
        if w is None:
            blank_rows[ind.section] += 1
        else:
            explicit[ind.section] += w

    results = []
    section_weights: dict[str, float] = {}
    subtotals: dict[str, float] = defaultdict(float)
    sugg_sub: dict[str, float] = defaultdict(float)
    scored: list[float] = []
    suggested: list[float] = []
    counted: list[float] = []
    for ind in indicators:
        kind, written = kind_of(ind.kind.value, ind.target.value, ind.actual.value)
        w = ind.weight.value.number
        if w is not None:
            src = WEIGHT_FROM_COLUMN
        else:
            sw, src = _section_weight(project, ind.section, preset)
            w = None if sw is None else max(0.0, sw - explicit[ind.section]) / blank_rows[ind.section]
        basis = None
        if ind.section == L.SECTION_BUDGET:
            # no funds block: the row's own completion value, on the percent scale ("80" is 80 %)
            basis = rate if rate is not None else as_fraction(ind.actual.value, _PERCENT)
            pt = score_budget_rate(basis, w)
            sug = None if pt is None else Suggestion(pt, pt)
        else:
            sug = suggest(kind, ind.target.value, ind.actual.value, w, preset)
        results.append(IndicatorResult(ind, kind, written, w, src, sug, basis))
        # the section's sums, in the rows' order (as the totals below)
        key = ind.section or "unknown"
        if w is not None:
            section_weights[key] = section_weights.get(key, 0.0) + w
        s = ind.score.value.number
        if s is not None:
            subtotals[key] += s
            scored.append(s)
            c = max(s, 0.0)  # (counted_score, inline: once per row of every project)
            counted.append(min(c, w) if w is not None and w >= 0 else c)
        if sug is not None:
            sugg_sub[key] += sug.point
            suggested.append(sug.point)

    total = round(sum(scored), 6) if scored else None
    total_s = round(sum(suggested), 4) if suggested else None
    within = round(min(sum(counted), FULL_MARKS), 6) if counted else None
    cap = preset.cap_for(rate)
    capped = None if within is None else (min(within, cap.max) if cap is not None else within)
    reported = project.total
    if reported.formula:
        reported = _computed(reported, total)  # the template's 总分 = Σ 自评得分
    resolved = _replace(
        project,
        budget=budget,
        arrived=arrived,
        executed=executed,
        progress=progress,
        indicators=tuple(indicators),
        total=reported,
    )
    return ProjectResult(
        project=resolved,
        rate=rate,
        indicators=tuple(results),
        section_weights=section_weights,
        subtotals={k: round(v, 6) for k, v in subtotals.items()},
        suggested_subtotals={k: round(v, 4) for k, v in sugg_sub.items()},
        total_recomputed=total,
        total_suggested=total_s,
        grade=preset.grade(capped),
        cap=cap,
        total_capped=capped,
        total_counted=within,
    )


def _replace(obj, **changes):
    """:func:`dataclasses.replace` of one of the model's frozen records (a new record with these fields
    changed), without running its ``__init__`` again: a project's 22 fields set one by one cost more
    than the rest of its evaluation's bookkeeping. Records with a ``__post_init__`` or no ``__dict__``
    go through :func:`dataclasses.replace`."""
    d = getattr(obj, "__dict__", None)
    if d is None or hasattr(obj, "__post_init__"):
        return replace(obj, **changes)
    cls = obj.__class__
    names = _FIELDS.get(cls)
    if names is None:
        names = _FIELDS[cls] = tuple(f.name for f in fields(cls))
    new = object.__new__(cls)
    if len(d) == len(names):
        new.__dict__.update(d, **changes)
    else:  # its fields only: not what is kept on it (a cached_property's value)
        new.__dict__.update({n: d[n] for n in names}, **changes)
    return new


_FIELDS: dict[type, tuple[str, ...]] = {}


def approval_note(pr: ProjectResult) -> str:
    """Why the 核定总分 differs from the 复核总分, in a few words ("" when it does not)."""
    scored = [(r.indicator.score.number, r.counted) for r in pr.indicators if r.counted is not None]
    parts = []
    if any(c < s - 1e-9 for s, c in scored if s >= 0):
        parts.append("高于分值的得分按分值计")
    if any(s < 0 for s, _ in scored):
        parts.append("负分按 0 计")
    if sum(c for _, c in scored) > FULL_MARKS + 1e-9:
        parts.append(f"总分不超过 {fmt_num(FULL_MARKS)}")
    if pr.capped and pr.cap is not None:
        parts.append(f"预算执行率 {fmt_pct(pr.rate)}，总分不超过 {fmt_num(pr.cap.max)}")
    return "；".join(parts)


def section_label(key: str) -> str:
    return L.SECTION_NAMES.get(key, "未识别的一级指标")
