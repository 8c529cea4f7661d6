"""What the tool computes for a project: execution rate, each row's weight and suggested score,
section subtotals, recomputed total, grade, cap. Pure; the rules and every writer read these.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from xlperf.core import labels as L
from xlperf.core.model import Indicator, Project
from xlperf.core.preset import Cap, Preset
from xlperf.core.scoring import Suggestion, execution_rate, kind_of, score_budget_rate, suggest
from xlperf.core.values import as_fraction, parse

WEIGHT_FROM_COLUMN = "分值列"
WEIGHT_FROM_LABEL = "一级指标标注的分值平均分配"
WEIGHT_FROM_PRESET = "评分方案的一级权重平均分配"


@dataclass(frozen=True)
class IndicatorResult:
    indicator: Indicator
    kind: str
    kind_written: bool
    weight: float | None  # W in effect
    weight_source: str
    suggestion: Suggestion | None

    @property
    def suggested(self) -> float | None:
        return None if self.suggestion is None else round(self.suggestion.point, 4)


@dataclass(frozen=True)
class ProjectResult:
    project: Project
    rate: float | None  # E / B
    indicators: tuple[IndicatorResult, ...]
    section_weights: dict[str, float]  # section key -> weight in effect
    subtotals: dict[str, float]  # section key -> Σ S as written
    suggested_subtotals: dict[str, float]  # section key -> Σ suggested
    total_recomputed: float | None  # Σ S as written
    total_suggested: float | None  # Σ suggested (rows that have one)
    grade: str | None  # of the recomputed total
    cap: Cap | None  # the execution-rate cap that applies, if any

    @property
    def total_reported(self) -> float | None:
        return self.project.total.number


_PERCENT = parse("100%")


def _section_weight(project: Project, key: str | None, preset: Preset) -> tuple[float | None, str]:
    for s in project.sections:
        if s.key == key and s.weight is not None:
            return s.weight, WEIGHT_FROM_LABEL
    if key is not None and key in preset.weights:
        return preset.weights[key], WEIGHT_FROM_PRESET
    return None, ""


def evaluate(project: Project, preset: Preset) -> ProjectResult:
    """Compute everything the rules and writers need for one project."""
    rate = execution_rate(project.budget.total.number, project.executed.total.number)
    # where 分值 is blank, the section's weight left after the rows that have one is split evenly over
    # the rows without one (the whole weight when the column is empty, as in the seed's form)
    blank_rows: dict[str | None, int] = defaultdict(int)
    explicit: dict[str | None, float] = defaultdict(float)
    for ind in project.indicators:
        if ind.weight.value.number is None:
            blank_rows[ind.section] += 1
        else:
            explicit[ind.section] += ind.weight.value.number

    results = []
    section_weights: dict[str, float] = {}
    for ind in project.indicators:
        kind, written = kind_of(ind.kind.value, ind.target.value, ind.actual.value)
        if ind.weight.value.number is not None:
            w, src = ind.weight.value.number, WEIGHT_FROM_COLUMN
        else:
            sw, src = _section_weight(project, ind.section, preset)
            w = None if sw is None else max(0.0, sw - explicit[ind.section]) / blank_rows[ind.section]
        if ind.is_budget_rate:
            # no funds block: the row's own completion value, on the percent scale ("80" is 80 %)
            r = rate if rate is not None else as_fraction(ind.actual.value, _PERCENT)
            pt = score_budget_rate(r, w)
            sug = None if pt is None else Suggestion(pt, pt)
        else:
            sug = suggest(kind, ind.target.value, ind.actual.value, w, preset)
        results.append(IndicatorResult(ind, kind, written, w, src, sug))

    subtotals: dict[str, float] = defaultdict(float)
    sugg_sub: dict[str, float] = defaultdict(float)
    for r in results:
        key = r.indicator.section or "unknown"
        if r.weight is not None:
            section_weights[key] = section_weights.get(key, 0.0) + r.weight
        if r.indicator.score.number is not None:
            subtotals[key] += r.indicator.score.number
        if r.suggestion is not None:
            sugg_sub[key] += r.suggestion.point

    scored = [r.indicator.score.number for r in results if r.indicator.score.number is not None]
    total = round(sum(scored), 6) if scored else None
    suggested = [r.suggestion.point for r in results if r.suggestion is not None]
    total_s = round(sum(suggested), 4) if suggested else None
    return ProjectResult(
        project=project,
        rate=rate,
        indicators=tuple(results),
        section_weights=dict(section_weights),
        subtotals={k: round(v, 6) for k, v in subtotals.items()},
        suggested_subtotals={k: round(v, 4) for k, v in sugg_sub.items()},
        total_recomputed=total,
        total_suggested=total_s,
        grade=preset.grade(total),
        cap=preset.cap_for(rate),
    )


def section_label(key: str) -> str:
    return L.SECTION_NAMES.get(key, "未识别的一级指标")
