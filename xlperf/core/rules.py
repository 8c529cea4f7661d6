"""The rule catalogue XP001–XP023: each rule a declarative object (ID, name, default severity, what it
checks, an example) with one small check function. The engine (:mod:`xlperf.core.engine`) runs them all.

A check receives the computed :class:`~xlperf.core.evaluate.ProjectResult` and the preset and yields
:class:`Hit` values; it never formats the final message (one pattern, in :mod:`xlperf.core.findings`).
Find a rule by its ID in ``CATALOGUE``.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from xlperf.core import labels as L
from xlperf.core.evaluate import WEIGHT_FROM_LABEL, IndicatorResult, ProjectResult, section_label
from xlperf.core.findings import fmt_num, fmt_pct
from xlperf.core.model import BLANK_FORM, OTHER_TABLE, Cell, Funds, UnitInfo, Workbook
from xlperf.core.preset import Preset
from xlperf.core.scoring import below_target
from xlperf.core.targets import ApprovedTargets, compare
from xlperf.core.values import BLANK, NUMBER, PLACEHOLDER, TEXT, UNREADABLE, as_fraction, parse


@dataclass(frozen=True)
class Hit:
    cell: str | None
    detail: str
    expected: str = ""
    found: str = ""
    severity: str | None = None  # overrides the rule's default for this hit (XP001: blank vs wrong)
    sheet: str | None = None  # workbook rules: the sheet the hit is on


@dataclass(frozen=True)
class TargetsContext:
    """What a rule of scope TARGETS checks a project against: the approved targets, and the unit whose
    form it is (its projects are looked up under that unit)."""

    targets: ApprovedTargets
    unit: UnitInfo


Check = Callable[[ProjectResult, Preset], Iterable[Hit]]
WorkbookCheck = Callable[[Workbook, Preset], Iterable[Hit]]
TargetsCheck = Callable[[ProjectResult, Preset, TargetsContext], Iterable[Hit]]
PROJECT = "project"  # a rule checks one evaluated project at a time
WORKBOOK = "workbook"  # a rule checks the workbook's sheets once (XP019)
TARGETS = "targets"  # a rule checks one project against approved targets, when they are given (XP022)


@dataclass(frozen=True)
class Rule:
    id: str
    name: str
    severity: str
    description: str  # 中文：检查什么
    example: str  # 中文：一个会触发的例子
    check: Check | WorkbookCheck | TargetsCheck
    scope: str = PROJECT


# the partner of a rate: a plain number next to it is on the percent scale ("90" is 90 %)
_PERCENT = parse("100%")
_MAX_SHOWN = 60  # characters of a user's text quoted in a message (a cell can hold 32,767)


def _label(text: str) -> str:
    """A 一级 label as the user wrote it, without the line break the form puts before （10分）."""
    return "".join(text.split())


def _short(text: str) -> str:
    return text if len(text) <= _MAX_SHOWN else text[: _MAX_SHOWN - 1] + "…"


def _row_name(r: IndicatorResult) -> str:
    ind = r.indicator
    return f"“{_short(ind.name.text or ind.level2 or '（未命名）')}”"


def _found(c: Cell) -> str:
    return _short(c.value.text)


def _found_value(ind, c: Cell) -> str:
    """A target or completion value as found, with the 度量单位 of its own cell where the form has one (50
    under % is "50%")."""
    text = _found(c)
    unit = ind.unit.text.strip()
    if unit and not ind.unit.value.is_missing and c.value.number is not None and text[-1:].isdigit():
        return text + unit
    return text


WEIGHT_NOTE = "，分值列为空，按一级指标标注的分值平均分配"
SHOWN_HALF = 0.005  # half the last decimal a score is shown with (13.33): closer than this is the same


def _weight_note(r: IndicatorResult) -> str:
    """Say where W came from when the form has no 分值: the seed's forms leave it blank."""
    return WEIGHT_NOTE if r.weight_source == WEIGHT_FROM_LABEL else ""


def scoring_methods(preset: Preset) -> dict[str, str]:
    """How each kind of indicator is scored, as XP004 explains it (kind -> text). A screen listing many
    findings may show each once (the CLI does)."""
    return {
        L.KIND_POSITIVE: "正向指标：完成值≥预期值得满分，否则按完成值/预期值×分值",
        L.KIND_REVERSE: "反向指标：完成值≤预期值得满分，超出部分按比例扣分，达到2倍得0分",
        L.KIND_EQUAL: "等于型指标：按完成值与预期值的比例计分",
        L.KIND_QUALITATIVE: "定性指标："
        + "，".join(
            f"{k}{fmt_num(lo * 100)}%～{fmt_num(hi * 100)}%" for k, (lo, hi) in preset.qualitative.items()
        ),
    }


def _scored(r: IndicatorResult) -> bool:
    return r.indicator.score.number is not None


def _tol(preset: Preset) -> float:
    return preset.score_tolerance


# --- XP001 ---------------------------------------------------------------------------------------
def _xp001(pr: ProjectResult, preset: Preset) -> Iterator[Hit]:
    if pr.rate is None:
        return
    p = pr.project.progress
    if p.ref is None:
        return
    v = p.value
    if v.is_missing:
        yield Hit(p.ref, "预算执行进度未填写，应为执行数/预算数", fmt_pct(pr.rate), _found(p), "info")
        return
    got = as_fraction(v, _PERCENT)
    if got is not None and abs(got - pr.rate) > preset.rate_tolerance:
        yield Hit(p.ref, "预算执行进度与执行数/预算数不符", fmt_pct(pr.rate), _found(p))  # the rule's 错误


# --- XP002 / XP003: the 预算执行率 indicator -------------------------------------------------------
def _xp002(pr: ProjectResult, preset: Preset) -> Iterator[Hit]:
    if pr.rate is None:
        return
    for r in pr.budget_rows:
        a = r.indicator.actual
        got = as_fraction(a.value, _PERCENT)
        if got is None:
            continue
        if abs(got - pr.rate) > preset.rate_tolerance:
            yield Hit(
                a.ref,
                f"预算执行率指标的实际完成值应等于执行数/预算数（{fmt_num(pr.project.executed.total.number)}"
                f"/{fmt_num(pr.project.budget.total.number)}）",
                fmt_pct(pr.rate),
                _found_value(r.indicator, a),
            )


def _xp003(pr: ProjectResult, preset: Preset) -> Iterator[Hit]:
    for r in pr.budget_rows:
        s = r.indicator.score
        if s.number is None or r.suggested is None:
            continue
        if abs(s.number - r.suggested) > _tol(preset):
            # no usable funds (预算数 blank, 0 or negative): the row's own completion value was used
            basis = "" if pr.rate is not None else "，资金表无法计算执行率，按该行实际完成值"
            yield Hit(
                s.ref,
                f"预算执行率得分应为 min(执行率,1)×分值 = min({fmt_pct(r.basis)},1)×{fmt_num(r.weight)}"
                f"{basis}{_weight_note(r)}",
                fmt_num(r.suggested),
                _found(s),
            )


# --- XP004 / XP005 -------------------------------------------------------------------------------
def _xp004(pr: ProjectResult, preset: Preset) -> Iterator[Hit]:
    for r in pr.indicators:
        if r.indicator.is_budget_rate or r.suggestion is None or not _scored(r):
            continue
        s = r.indicator.score.number
        if not r.suggestion.contains(s, _tol(preset)):
            sug = r.suggestion
            exp = fmt_num(sug.point) if sug.low == sug.high else f"{fmt_num(sug.low)}～{fmt_num(sug.high)}"
            how = scoring_methods(preset)[r.kind]
            yield Hit(
                r.indicator.score.ref,
                f"{_row_name(r)}的自评得分与完成值不符（{how}，分值 {fmt_num(r.weight)}{_weight_note(r)}）",
                exp,
                _found(r.indicator.score),
            )


def _xp005(pr: ProjectResult, preset: Preset) -> Iterator[Hit]:
    for r in pr.indicators:
        s = r.indicator.score.number
        if s is None:
            continue
        if s < 0:
            yield Hit(
                r.indicator.score.ref, f"{_row_name(r)}的得分为负数", "0～" + fmt_num(r.weight), fmt_num(s)
            )
        elif r.weight is not None and s > r.weight + 1e-6:
            yield Hit(
                r.indicator.score.ref,
                f"{_row_name(r)}的得分超过该指标分值（{fmt_num(r.weight)}{_weight_note(r)}）",
                f"≤{fmt_num(r.weight)}",
                fmt_num(s),
            )


# --- XP006 / XP007 -------------------------------------------------------------------------------
def _xp006(pr: ProjectResult, preset: Preset) -> Iterator[Hit]:
    p = pr.project
    label_weights = [s.weight for s in p.sections if s.weight is not None]
    # by section: the weights in effect from the 分值 column (in the rows' order), and whether any row
    # has one written
    column_weights: dict[str, list[float]] = {}
    has_column: set[str] = set()
    for r in pr.indicators:
        key = r.indicator.section or "unknown"
        if r.weight_source != WEIGHT_FROM_LABEL and r.weight is not None:
            column_weights.setdefault(key, []).append(r.weight)
        if r.indicator.weight.value.number is not None:
            has_column.add(key)
    for s in p.sections:
        key = s.key or "unknown"
        if s.weight is None:
            continue
        got = pr.subtotals.get(key, 0.0)
        if got > s.weight + 1e-6:
            yield Hit(
                s.ref,
                f"一级指标“{_label(s.label)}”各项得分合计超过其分值",
                f"≤{fmt_num(s.weight)}",
                fmt_num(got),
            )
        col = sum(column_weights.get(key, ()))
        if key in has_column and abs(col - s.weight) > 1e-6:
            yield Hit(
                s.ref,
                f"一级指标“{_label(s.label)}”下各指标分值之和与其标注分值不符",
                fmt_num(s.weight),
                fmt_num(col),
            )
        want = None if key in preset.free_sections else preset.weights.get(key)
        got_w = s.weight
        if key == L.SECTION_OUTPUT and preset.shares_cost:  # 成本指标 as an 一级 of its own shares 产出's
            got_w += sum(x.weight for x in p.sections if x.key == L.SECTION_COST and x.weight is not None)
        if want is not None and abs(want - got_w) > 1e-6:
            yield Hit(
                s.ref,
                f"一级指标“{_label(s.label)}”的分值与评分方案“{preset.title}”不一致"
                + ("（含成本指标）" if got_w != s.weight else ""),
                fmt_num(want),
                fmt_num(got_w),
                "warning",
            )
    if p.sections and len(label_weights) == len(p.sections):
        total_w = sum(label_weights)
    else:
        total_w = sum(r.weight for r in pr.indicators if r.weight is not None) if pr.indicators else None
    if total_w is not None and abs(total_w - preset.total_weight) > 1e-6:
        ref = p.sections[0].ref if p.sections else None
        yield Hit(ref, "各一级指标分值合计不等于满分", fmt_num(preset.total_weight), fmt_num(total_w))


def _xp007(pr: ProjectResult, preset: Preset) -> Iterator[Hit]:
    t = pr.project.total
    if t.ref is None or pr.total_recomputed is None:
        return
    if t.value.is_missing:
        yield Hit(t.ref, "总分未填写", fmt_num(pr.total_recomputed), _found(t))
    elif t.number is not None and abs(t.number - pr.total_recomputed) > 0.01:
        yield Hit(t.ref, "总分不等于各指标自评得分之和", fmt_num(pr.total_recomputed), _found(t))


# --- XP008 / XP009 -------------------------------------------------------------------------------
def _no_result(c: Cell) -> bool:
    """A user's formula whose result the file does not hold (saved by a script): its value is unknown,
    not blank (XP015 says so; XP008 does not call it empty)."""
    return c.formula and c.value.is_blank


def _xp008(pr: ProjectResult, preset: Preset) -> Iterator[Hit]:
    for r in pr.indicators:
        ind = r.indicator
        if ind.target.value.kind not in _MISSING and ind.actual.value.kind not in _MISSING:
            continue  # (most rows: both values there)
        missing = [
            (lab, c)
            for lab, c in ((L.COL_TARGET, ind.target), (L.COL_ACTUAL, ind.actual))
            # a field with no cell (its column missing: XP017 says so; the national form's 预算执行率
            # row, whose completion value is the 执行率 XP001 checks) is nothing to fill in
            if c.value.is_missing
            and c.ref is not None
            and not (_no_result(c) and not (ind.is_budget_rate and lab == L.COL_ACTUAL))
        ]
        if not missing:
            continue
        scored = _scored(r) and (ind.score.number or 0) > 0
        what = "、".join(lab for lab, _ in missing)
        extra = f"，但该行已评 {fmt_num(ind.score.number)} 分" if scored else ""
        cell = missing[0][1].ref
        kind = "占位符" if any(c.value.kind == PLACEHOLDER for _, c in missing) else "空白"
        yield Hit(
            cell,
            f"{_row_name(r)}的{what}为{kind}{extra}",
            "应填写具体数值",
            " / ".join(_found(c) for _, c in missing),
        )


def _xp009(pr: ProjectResult, preset: Preset) -> Iterator[Hit]:
    for r in pr.indicators:
        ind = r.indicator
        if not ind.reason.value.is_missing:
            continue
        # the first reason found is the one given: a low execution rate, a missed target, a deduction
        why = ""
        s = ind.score.number
        if ind.is_budget_rate:
            # the rate is what the row's score follows from: a reason is owed below the preset's
            # threshold ("预算执行率未达到90%的需说明原因", printed on 四川's form), not for the points a rate
            # of 97 % costs; a score that does not follow from the rate is XP003's
            if r.basis is not None and r.basis < preset.explain_rate_below - 1e-9:
                why = f"预算执行率 {fmt_pct(r.basis)} 低于 {fmt_pct(preset.explain_rate_below)}"
        elif below_target(r.kind, ind.target.value, ind.actual.value):
            why = "完成值未达到预期值"
        # a score typed as shown (13.33 for the 13.333… of 40 split three ways) is no deduction
        if (
            not why
            and not ind.is_budget_rate
            and s is not None
            and r.weight is not None
            and s < r.weight - SHOWN_HALF
        ):
            why = f"得分 {fmt_num(s)} 低于分值 {fmt_num(r.weight)}"
        if why:
            cell = ind.reason.ref or ind.score.ref  # a form without the column: the score is what to explain
            yield Hit(
                cell,
                f"{_row_name(r)}{why}，但未填写偏差原因分析及改进措施",
                "应说明原因及改进措施",
                _found(ind.reason),
            )


# --- XP010 ---------------------------------------------------------------------------------------
def _xp010(pr: ProjectResult, preset: Preset) -> Iterator[Hit]:
    p = pr.project
    tol = preset.amount_tolerance
    amounts = _amounts(p)
    breakdowns = [f.breakdown for _, f in amounts]
    for (label, f), breakdown in zip(amounts, breakdowns, strict=True):
        n = f.total.value.number
        if n is not None and n < 0:
            yield Hit(f.total.ref, f"{label}为负数", "≥0", fmt_num(n, 4))
        for part in breakdown:
            n = part.cell.value.number
            if n is not None and n < 0:
                yield Hit(part.cell.ref, f"{label}中的{part.label}为负数", "≥0", fmt_num(n, 4))
    # the order E ≤ D ≤ B only means something for amounts that are not negative
    b, d, e = (None if x is None or x < 0 else x
               for x in (p.budget.total.number, p.arrived.total.number, p.executed.total.number))  # fmt: skip
    if d is not None and e is not None and e > d + tol:
        yield Hit(p.executed.total.ref, "执行数大于到位数", f"≤{fmt_num(d, 4)}", fmt_num(e, 4))
    if b is not None and d is not None and d > b + tol:
        yield Hit(p.arrived.total.ref, "到位数大于预算数", f"≤{fmt_num(b, 4)}", fmt_num(d, 4))
    if b is not None and e is not None and d is None and e > b + tol:
        yield Hit(p.executed.total.ref, "执行数大于预算数", f"≤{fmt_num(b, 4)}", fmt_num(e, 4))
    for (label, f), breakdown in zip(amounts, breakdowns, strict=True):
        if f.total.value.number is None:
            continue
        cells = [part.cell for part in breakdown]
        if all(c.value.kind in _MISSING for c in cells):
            continue
        if any(c.value.number is None and c.value.kind not in _MISSING for c in cells):
            continue  # unreadable: XP015
        parts = sum(c.number or 0.0 for c in cells)
        if abs(parts - f.total.number) > tol:
            names = "、".join(part.label for part in breakdown) if f.parts else "财政资金与其他资金"
            yield Hit(
                f.total.ref, f"{label}不等于其中{names}之和", fmt_num(parts, 4), fmt_num(f.total.number, 4)
            )
    # 一体化: 年初预算 + 年度预算调整 = 调整后的预算
    i, a, b = p.initial.total.number, p.adjustment.total.number, p.budget.total.number
    if i is not None and a is not None and b is not None and abs(i + a - b) > tol:
        yield Hit(p.budget.total.ref, "调整后的预算不等于年初预算与年度预算调整之和", fmt_num(i + a, 4),
                  fmt_num(b, 4))  # fmt: skip


def _amounts(p) -> tuple[tuple[str, Funds], ...]:
    """The amounts of a project's funds block by name: 预算数/到位数/执行数 (and 年初预算数, 年度预算调整
    where the form has them)."""
    out = [(L.BUDGET, p.budget), (L.ARRIVED, p.arrived), (L.EXECUTED, p.executed)]
    if p.initial.total.ref is not None:
        out.append(("年初预算数", p.initial))
    return tuple(out)


_MISSING = (BLANK, PLACEHOLDER)  # the kinds of a value that is missing (Value.is_missing)


# --- XP011 ---------------------------------------------------------------------------------------
def _xp011(pr: ProjectResult, preset: Preset) -> Iterator[Hit]:
    p = pr.project
    keys = {r.indicator.section for r in pr.indicators}
    head = p.sections[0].ref if p.sections else None
    labelled = {s.key: s for s in p.sections}
    # a form without a 一级 (or 二级) column (an 一体化 grid of 指标名称 only) cannot be told what it lacks
    has_level1 = "level1" in p.columns or not p.columns
    has_level2 = "level2" in p.columns or not p.columns
    if p.indicators and has_level1:
        for key in preset.required_sections:
            if key in keys or (key == L.SECTION_OUTPUT and L.SECTION_COST in keys and preset.shares_cost):
                continue
            if key in labelled:
                s = labelled[key]
                yield Hit(
                    s.ref, f"一级指标“{_label(s.label)}”下没有填写任何指标", "至少一项二级、三级指标", "无"
                )
            else:
                yield Hit(head, f"缺少“{section_label(key)}”一级指标", f"至少一项{section_label(key)}", "无")
    for s in p.sections:
        if s.key is None:
            yield Hit(
                s.ref,
                f"无法识别的一级指标“{_label(s.label)}”",
                "产出/预算执行率/效益/满意度指标",
                _label(s.label),
            )
    norms = [L.norm(r.indicator.name.value.raw) for r in pr.indicators]  # '' for a blank name
    names = Counter(n for n in norms if n)
    seen: set[str] = set()
    for r, n in zip(pr.indicators, norms, strict=True):
        ind = r.indicator
        if not ind.level2 and has_level2:
            yield Hit(
                ind.level2_ref or ind.name.ref, f"第 {ind.row} 行指标缺少二级指标", "填写二级指标", "（空）"
            )
        if not n and not (
            ind.target.value.is_missing and ind.actual.value.is_missing and ind.score.value.is_missing
        ):
            yield Hit(
                ind.name.ref,
                f"“{ind.level2}”下的三级指标名称为空，但该行已填写指标值或得分",
                "填写三级指标名称",
                "（空）",
            )
        if n and names[n] > 1 and n not in seen:
            seen.add(n)
            yield Hit(
                ind.name.ref,
                f"三级指标“{_short(ind.name.text)}”重复出现 {names[n]} 次",
                "指标名称不重复",
                _short(ind.name.text),
            )
        if ind.weight.number == 0 and (_scored(r) or not ind.target.value.is_missing):
            yield Hit(ind.weight.ref, f"{_row_name(r)}分值为 0 但仍在评分", "大于 0 的分值", "0")


# --- XP012 / XP013 / XP014 -----------------------------------------------------------------------
def _xp012(pr: ProjectResult, preset: Preset) -> Iterator[Hit]:
    cap = pr.cap
    total = pr.total_reported if pr.total_reported is not None else pr.total_recomputed
    if cap is None or total is None or total <= cap.max + 1e-9:
        return
    yield Hit(
        pr.project.total.ref,
        f"预算执行率 {fmt_pct(pr.rate)} 低于 {fmt_pct(cap.below)}，按评分方案总分不应超过 {fmt_num(cap.max)}",
        f"≤{fmt_num(cap.max)}",
        fmt_num(total),
    )


def _xp013(pr: ProjectResult, preset: Preset) -> Iterator[Hit]:
    for r in pr.indicators:
        ind = r.indicator
        tv = ind.target.value
        if tv.percent and tv.number is not None and tv.number > 1 + 1e-9 and r.kind != L.KIND_REVERSE:
            # a rate that cannot exceed 100% (完成率, 合格率, 满意度) set above it: a typo or a target
            # no one can reach. Not a ceiling ("≤120%", or ≤ in a 计算符号 cell of its own: the kind)
            yield Hit(ind.target.ref, f"{_row_name(r)}的预期指标值 {_short(tv.text)} 超过 100%，请核实",
                      "≤100%", _short(tv.text))  # fmt: skip
        if r.kind not in (L.KIND_POSITIVE,) or ind.is_budget_rate:
            continue
        t, a = (
            as_fraction(ind.target.value, ind.actual.value),
            as_fraction(ind.actual.value, ind.target.value),
        )
        if t is None or a is None or t <= 0:
            continue
        if a >= preset.overachieve_ratio * t - 1e-9:
            yield Hit(
                ind.actual.ref,
                f"{_row_name(r)}完成值达到预期值的 {fmt_num(a / t * 100, 0)}%，预期目标可能设置偏低",
                f"<{fmt_num(preset.overachieve_ratio * 100)}% × 预期值",
                _found_value(ind, ind.actual),
            )


def _xp014(pr: ProjectResult, preset: Preset) -> Iterator[Hit]:
    rows = [r for r in pr.indicators if r.indicator.score.value.number is not None and r.weight is not None]
    if (
        rows
        and pr.rate is not None
        and pr.rate < preset.explain_rate_below - 1e-9
        and all(abs(r.indicator.score.number - r.weight) < 1e-6 for r in rows)
    ):
        yield Hit(
            pr.project.total.ref,
            f"预算执行率仅 {fmt_pct(pr.rate)}，但所有指标均为满分",
            "得分应反映执行情况",
            "全部满分",
        )
    for r in rows:
        ind = r.indicator
        if (
            ind.section == L.SECTION_SATISFACTION
            and abs(ind.score.number - r.weight) < 1e-6
            and (ind.actual.value.is_missing or ind.actual.value.number is None)
        ):
            yield Hit(
                ind.score.ref,
                f"{_row_name(r)}满意度得满分，但没有调查结果（实际完成值）作为依据",
                "填写满意度调查结果",
                _found(ind.actual),
            )


# --- XP015 / XP016 / XP017 -----------------------------------------------------------------------
def _is_amount(label: str) -> bool:
    return label.startswith((L.BUDGET, L.ARRIVED, L.EXECUTED, "年初预算数"))


def _suspect_cells(pr: ProjectResult) -> Iterator[tuple[IndicatorResult | None, str, Cell, bool]]:
    """(row or None, label, cell, text allowed) for every field that should hold a number and may not:
    text (where text is not allowed), what cannot be read, or a formula without a result. The cells
    that pass (most of a project's: numbers, blanks, placeholders) are looked at without building their
    labels, and the row's name is only put into the label when a cell fails."""
    p = pr.project
    for lab, f in _amounts(p):
        c = f.total
        k = c.value.kind
        if k in (UNREADABLE, TEXT) or (k == BLANK and c.formula):
            yield None, lab, c, False
        for part in f.breakdown:
            c = part.cell
            k = c.value.kind
            if k in (UNREADABLE, TEXT) or (k == BLANK and c.formula):
                yield None, f"{lab}中的{part.label}", c, False
    singles = ((L.PROGRESS_HEAD, p.progress), (L.TOTAL, p.total), *((L.GOAL_RATE, g.rate) for g in p.goals))
    for lab, c in singles:
        k = c.value.kind
        if k in (UNREADABLE, TEXT) or (k == BLANK and c.formula):
            yield None, lab, c, False
    for r in pr.indicators:
        ind = r.indicator
        if (
            ind.score.value.kind
            == ind.weight.value.kind
            == ind.target.value.kind
            == ind.actual.value.kind
            == NUMBER
        ):
            continue  # (most rows: four numbers)
        qual = r.kind == L.KIND_QUALITATIVE
        for lab, c, text_ok in ((L.COL_SCORE, ind.score, False), (L.COL_WEIGHT, ind.weight, False),
                                (L.COL_TARGET, ind.target, qual), (L.COL_ACTUAL, ind.actual, qual)):  # fmt: skip
            k = c.value.kind
            if k == UNREADABLE or (k == TEXT and not text_ok) or (k == BLANK and c.formula):
                yield r, lab, c, text_ok


def _xp015(pr: ProjectResult, preset: Preset) -> Iterator[Hit]:
    suspects = list(_suspect_cells(pr))
    if not suspects:
        return
    p = pr.project
    # the template's computed cells: evaluate() gave them Python's value, whatever the file holds
    computed = {
        c.ref for c in (p.progress, p.total, p.budget.total, p.arrived.total, p.executed.total) if c.formula
    }
    computed |= {r.indicator.actual.ref for r in pr.budget_rows if r.indicator.actual.formula}
    for r, label, c, text_ok in suspects:
        v = c.value
        if _no_result(c) and c.ref not in computed:
            what = label if r is None else f"{_row_name(r)}的{label}"
            yield Hit(c.ref, f"{what}是公式，但文件中没有保存计算结果，无法读取其值（请用 Excel 或 WPS 打开并保存"
                      "后再报送，或直接填写数值）", "数值", "公式（无计算结果）")  # fmt: skip
            continue
        if v.kind == UNREADABLE or (v.kind == TEXT and not text_ok):
            if r is None and _is_amount(label):
                yield Hit(c.ref, f"{label}无法识别为金额", "以万元为单位的金额（如 320.5 或“320.5万元”）",
                          _found(c))  # fmt: skip
                continue
            what = label if r is None else f"{_row_name(r)}的{label}"
            yield Hit(c.ref, f"{what}无法识别为数值或百分比", "数值、百分比（如 95%）或“≥95%”", _found(c))


def _xp016(pr: ProjectResult, preset: Preset) -> Iterator[Hit]:
    for g in pr.project.goals:
        e, a, rate = g.expected.number, g.actual.number, g.rate.value
        if e is None or a is None or e == 0 or rate.number is None:
            continue
        want = a / e
        got = as_fraction(rate, _PERCENT)
        if abs(got - want) > preset.rate_tolerance:
            yield Hit(g.rate.ref, "总体完成率不等于具体完成情况/年度预期目标", fmt_pct(want), _found(g.rate))


def _xp017(pr: ProjectResult, preset: Preset) -> Iterator[Hit]:
    for lab in pr.project.missing:
        yield Hit(None, f"表中找不到“{lab}”，无法读取相应内容", f"包含“{lab}”", "缺失")


# --- XP018 / XP019 / XP020: which sheets are projects --------------------------------------------
_HIDDEN_ZH = {"hidden": "隐藏", "veryhidden": "深度隐藏（只能在 VBA 中取消隐藏）"}


def _xp018(pr: ProjectResult, preset: Preset) -> Iterator[Hit]:
    state = pr.project.hidden
    if state in _HIDDEN_ZH:
        yield Hit(
            None,
            f"工作表“{pr.project.sheet}”已{_HIDDEN_ZH[state]}，其中的自评表仍作为项目校验并计入汇总；"
            "如该表已作废，请删除该工作表",
            "显示该工作表，或删除作废的表",
            _HIDDEN_ZH[state].split("（")[0],
        )


def _xp019(wb: Workbook, preset: Preset) -> Iterator[Hit]:
    if wb.is_document:
        yield from _xp019_document(wb)
        return
    for n in wb.notes:
        hidden = "（已隐藏）" if n.hidden != "visible" else ""
        if n.reason == BLANK_FORM:
            yield Hit(None, f"工作表“{n.sheet}”{hidden}是未填写任何内容的空白自评表，未计入项目",
                      "填写后计入，或删除该表", "空白", sheet=n.sheet)  # fmt: skip
        else:
            yield Hit(
                None,
                f"工作表“{n.sheet}”{hidden}含有自评表的文字“{_short(n.label)}”，但没有自评表的指标表表头"
                "（一级指标、二级指标、三级指标在同一行）或资金表（预算安排情况（调整后）），不作为项目读取",
                "自评表的表头",
                "无表头",
                sheet=n.sheet,
            )


def _xp019_document(wb: Workbook) -> Iterator[Hit]:
    """A Word report's tables that are not read as projects (each table of the report is accounted for)."""
    for n in wb.notes:
        if n.reason == BLANK_FORM:
            yield Hit(None, f"{n.sheet}是未填写任何内容的空白自评表，未计入项目", "填写后计入，或删除该表",
                      "空白", sheet=n.sheet)  # fmt: skip
        elif n.reason == OTHER_TABLE:
            first = f"（首格“{_short(n.label)}”）" if n.label else "（空表）"
            yield Hit(None, f"{n.sheet}{first}不是项目支出绩效自评表，未作为项目读取", "自评表", "其他表格",
                      sheet=n.sheet)  # fmt: skip
        else:
            yield Hit(
                None,
                f"{n.sheet}含有自评表的文字“{_short(n.label)}”，但没有自评表的指标表表头"
                "（一级指标、二级指标、三级指标在同一行）或资金表（预算安排情况（调整后）），不作为项目读取",
                "自评表的表头",
                "无表头",
                sheet=n.sheet,
            )


RESERVED_SHEETS = (L.RESULT_SHEET, L.SUMMARY_SHEET, L.UNIT_SHEET)


def _xp020(pr: ProjectResult, preset: Preset) -> Iterator[Hit]:
    name = pr.project.sheet
    if name in RESERVED_SHEETS and pr.project.locations is None:  # a Word table's name is 表N
        yield Hit(
            None,
            f"自评表所在的工作表名为“{name}”，与本工具自动生成或读取的工作表同名，容易被当作该表覆盖或删除；"
            "此表已作为项目读取，请改名（如“自评表4”）",
            "自评表1、自评表2……等工作表名",
            name,
        )


# --- XP021: a Word report's conclusion sentence ------------------------------------------------
_STATED = re.compile(r"得分(?:为|是|:)?约?(\d+(?:\.\d+)?)分")


def stated_score(sentence: str) -> float | None:
    """The score a report's conclusion states ("通过自评，得分为96分，…" -> 96), or None."""
    m = _STATED.search(L.norm(sentence))
    return float(m.group(1)) if m else None


def _xp021(pr: ProjectResult, preset: Preset) -> Iterator[Hit]:
    c = pr.project.conclusion
    if c.ref is None or c.value.is_blank:
        return
    stated = stated_score(c.text)
    if stated is None:
        return
    t = pr.project.total
    if t.number is not None:
        table, what = t.number, "表中总分"
    elif pr.total_recomputed is not None:
        table, what = pr.total_recomputed, "各指标自评得分之和（表中总分未填）"
    else:
        return
    if abs(stated - table) > 0.01:
        yield Hit(
            c.ref, f"报告文字“{_short(c.text)}”中的得分与{what}不一致", fmt_num(table), fmt_num(stated) + "分"
        )


# --- XP022: the approved targets -----------------------------------------------------------------
def _xp022(pr: ProjectResult, preset: Preset, ctx: TargetsContext) -> Iterator[Hit]:
    for m in compare(pr, ctx.unit, ctx.targets):
        yield Hit(m.cell, m.detail, m.expected, m.found, m.severity)


# --- XP023: the 一体化 systems' 自评预警 --------------------------------------------------------------
ALERT_RED = "红色预警"
ALERT_YELLOW = "黄色预警"


@dataclass(frozen=True)
class Alert:
    """One 自评预警 of a project: its level (ALERT_RED / ALERT_YELLOW) and the hit that says why."""

    level: str
    hit: Hit


def alerts(pr: ProjectResult, preset: Preset) -> list[Alert]:
    """The 自评预警 the provincial 一体化 systems compute on every form, with the preset's thresholds:

    - red: the indicators' score ratio runs ahead of the budget's by more than ``alert_red_lead``,
      (指标得分/指标分值 − 预算执行得分/预算执行分值)/(指标得分/指标分值) > 5 % — the scores claim more
      than the spending shows;
    - yellow: the budget is 0, or more than ``alert_yellow_unspent`` of it is unspent (执行率 < 80 %).

    A consolidation asks twice of each project (XP023, then the summary's 预警 column): the answer is
    kept on the result (not a field of it) for the preset it was found with."""
    seen = pr.__dict__.get("_alerts")
    if seen is not None and seen[0] is preset:
        return list(seen[1])
    out = _alerts(pr, preset)
    pr.__dict__["_alerts"] = (preset, out)
    return list(out)


def _alerts(pr: ProjectResult, preset: Preset) -> list[Alert]:
    p = pr.project
    out: list[Alert] = []
    budget_rows = [r for r in pr.budget_rows if r.weight]
    others = [r for r in pr.indicators if not r.indicator.is_budget_rate and r.weight]
    b_score = [r.indicator.score.number for r in budget_rows]
    i_score = [r.indicator.score.number for r in others if r.indicator.score.number is not None]
    if budget_rows and others and i_score and None not in b_score:
        i_weight = sum(r.weight for r in others)
        b_weight = sum(r.weight for r in budget_rows)
        ir, br = sum(i_score) / i_weight, sum(b_score) / b_weight
        if ir > 0 and (ir - br) / ir > preset.alert_red_lead + 1e-9:
            lead = (ir - br) / ir
            cell = p.total.ref or budget_rows[0].indicator.score.ref
            detail = (
                f"红色，绩效指标得分率 {fmt_pct(ir)}（{fmt_num(sum(i_score))}/{fmt_num(i_weight)}）高于预算执行"
                f"得分率 {fmt_pct(br)}（{fmt_num(sum(b_score))}/{fmt_num(b_weight)}），两者之差占指标得分率的"
                f" {fmt_pct(lead)}，超过 {fmt_pct(preset.alert_red_lead)}：指标得分与预算执行情况不匹配"
            )
            out.append(
                Alert(ALERT_RED, Hit(cell, detail, f"≤{fmt_pct(preset.alert_red_lead)}", fmt_pct(lead)))
            )
    b = p.budget.total.number
    if b is not None and b == 0:
        detail = "黄色，预算数为 0"
        out.append(Alert(ALERT_YELLOW, Hit(p.budget.total.ref, detail, "大于 0 的预算数", "0")))
    elif pr.rate is not None and 1 - pr.rate > preset.alert_yellow_unspent + 1e-9:
        cell = p.progress.ref or p.executed.total.ref
        detail = (
            f"黄色，预算执行率 {fmt_pct(pr.rate)}，未执行的资金占预算数的 {fmt_pct(1 - pr.rate)}，超过"
            f" {fmt_pct(preset.alert_yellow_unspent)}"
        )
        want = f"执行率≥{fmt_pct(1 - preset.alert_yellow_unspent)}"
        out.append(Alert(ALERT_YELLOW, Hit(cell, detail, want, fmt_pct(pr.rate))))
    return out


def _xp023(pr: ProjectResult, preset: Preset) -> Iterator[Hit]:
    for a in alerts(pr, preset):
        yield a.hit


CATALOGUE: tuple[Rule, ...] = (
    Rule(
        "XP001",
        "执行进度有误",
        "error",
        "预算执行进度为空（提示）或不等于执行数/预算数（错误），给出计算值。",
        "预算数 2、执行数 2，预算执行进度为空 → 应为 100%",
        _xp001,
    ),
    Rule(
        "XP002",
        "执行率指标与资金不符",
        "error",
        "“预算执行率”指标的实际完成值不等于执行数/预算数。",
        "执行数/预算数=2/2=100%，但预算执行率指标实际完成值填 50%",
        _xp002,
    ),
    Rule(
        "XP003",
        "执行率得分不符",
        "error",
        "预算执行率得分不等于 min(执行率,1)×分值（允许评分方案规定的误差）。",
        "执行率 68%、分值 10，得分应为 6.8，却填 10",
        _xp003,
    ),
    Rule(
        "XP004",
        "得分与完成值不符",
        "warning",
        "自评得分与按正向/反向/等于/定性规则计算的建议得分相差超过容差（高低均报）。",
        "预期 100%、完成 98%、分值 10，建议得分 9.8，却填 8",
        _xp004,
    ),
    Rule("XP005", "得分超出分值", "error", "得分大于该指标分值或小于 0。", "分值 10 的指标得 20 分", _xp005),
    Rule(
        "XP006",
        "分值结构不符",
        "error",
        "一级指标得分合计超过其分值；各指标分值之和与一级分值不符；一级分值合计不等于 100。",
        "效益指标（40）下得分合计 45",
        _xp006,
    ),
    Rule(
        "XP007",
        "总分计算错误",
        "error",
        "总分为空或不等于各指标自评得分之和。",
        "各项得分之和 96，总分填 98",
        _xp007,
    ),
    Rule(
        "XP008",
        "指标值缺失",
        "warning",
        "预期指标值或实际完成值为空或为占位符（*、/、—），已评分的行尤其要补。",
        "“及时维护机构编制信息平台数据库”预期值、完成值为空却得 10 分",
        _xp008,
    ),
    Rule(
        "XP009",
        "偏差原因缺失",
        "warning",
        "完成值未达预期、得分低于分值或执行率低于 90%，却未填写偏差原因分析及改进措施。",
        "满意度完成 98%、得分 8，偏差原因为空",
        _xp009,
    ),
    Rule(
        "XP010",
        "资金不一致",
        "error",
        "执行数 ≤ 到位数 ≤ 预算数不成立，或财政资金 + 其他 ≠ 合计。",
        "到位数 2、执行数 2.5",
        _xp010,
    ),
    Rule(
        "XP011",
        "指标设置不全",
        "warning",
        "缺少产出/效益/满意度指标；一级下无二级；三级指标名称为空或重复；分值为 0 的行仍在评分。",
        "生态效益指标行三级指标为空却评分",
        _xp011,
    ),
    Rule(
        "XP012",
        "总分超过执行率上限",
        "warning",
        "按评分方案，执行率偏低时总分有上限（如执行率 70%～80% 最高 89 分）。",
        "执行率 72%，总分 95（上限 89）",
        _xp012,
    ),
    Rule(
        "XP013",
        "指标值偏离",
        "warning",
        "实际完成值 ≥ 1.3 × 预期指标值：预期目标可能设置偏低（只提醒，不扣分）；百分比形式的预期指标值超过 100%。",
        "预期培训 100 人次，实际 150 人次",
        _xp013,
    ),
    Rule(
        "XP014",
        "自评得分虚高",
        "info",
        "执行率低于 90% 却全部满分；满意度满分却无调查结果。",
        "执行率 72%，各项指标均为满分",
        _xp014,
    ),
    Rule(
        "XP015",
        "无法识别的值",
        "error",
        "应为数值或百分比的单元格填了无法识别的内容（如“约两万”）。",
        "执行数填“约两万”",
        _xp015,
    ),
    Rule(
        "XP016",
        "完成率不符",
        "warning",
        "总体完成率不等于具体完成情况/年度预期目标（两者均为数值时）。",
        "预期 2、完成 1.6，总体完成率填 100%（应为 80%）",
        _xp016,
    ),
    Rule(
        "XP017",
        "表样不完整",
        "error",
        "自评表中缺少必需的栏目（如“预算数”“一级指标”“总分”），相应内容无法校验。",
        "表中删除了“总分”行",
        _xp017,
    ),
    Rule(
        "XP018",
        "自评表被隐藏",
        "warning",
        "自评表所在的工作表被隐藏或深度隐藏：仍作为项目校验并计入汇总，提示确认是否作废。",
        "自评表2 被隐藏，但其中填写了项目",
        _xp018,
    ),
    Rule(
        "XP019",
        "未计入的工作表",
        "info",
        "未填写任何内容的空白自评表，或含有自评表文字（如“一级指标”）却没有其表头的工作表（如填报说明）："
        "不作为项目读取，并说明原因。",
        "只有两个项目的单位留下空白的“自评表3”",
        _xp019,
        WORKBOOK,
    ),
    Rule(
        "XP020",
        "工作表名与保留名称相同",
        "warning",
        "自评表所在的工作表名为“校验结果”“项目汇总”或“单位信息”：仍作为项目读取，提示改名，以免被当作"
        "自动生成的表覆盖。",
        "把第四个项目的工作表命名为“校验结果”",
        _xp020,
    ),
    Rule(
        "XP021",
        "结论得分与总分不符",
        "error",
        "Word 报告中自评表之后的结论（如“通过自评，得分为96分”）所写的得分不等于表中总分"
        "（总分未填时，不等于各指标自评得分之和）。",
        "表中总分 97，报告写“通过自评，得分为96分”",
        _xp021,
    ),
    Rule(
        "XP022",
        "指标值与批复目标不一致",
        "error",
        "给出批复的绩效目标（--targets）时：预期指标值与批复的不同（正向指标调低、反向指标调高为错误，"
        "其他改动为警告）；批复的指标在自评表中没有、自评表的指标不在批复的目标中（警告）；本单位有"
        "批复目标而项目不在其中（提示；批复目标中没有的单位不逐项提示，汇总时列出一次）。项目和指标按名称对应（不计全角半角、空格、括号和编码），改过名称的指标写明按哪一项"
        "批复指标核对。",
        "批复“培训人次 ≥100人次”，自评表填“≥80人次”",
        _xp022,
        TARGETS,
    ),
    Rule(
        "XP023",
        "自评预警",
        "warning",
        "与预算管理一体化系统的自评预警同口径（阈值在评分方案 [alerts] 中）：红色——绩效指标得分率高于"
        "预算执行得分率超过 5%（(指标得分/指标分值 − 预算执行得分/预算执行分值)/(指标得分/指标分值)）；"
        "黄色——预算数为 0，或未执行的资金超过预算数的 20%。",
        "执行率 56%、预算执行率得分 5.6/10，其余指标 90/90 → 红色、黄色预警",
        _xp023,
    ),
)

BY_ID = {r.id: r for r in CATALOGUE}
