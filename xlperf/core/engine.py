"""Run the catalogue over a workbook and collect every finding into one table.

Lazy validation (as in pandera): every rule runs on every project, failures are gathered, nothing is
raised for content. The result also carries the computed values, so writers need no second pass.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from xlperf.core.evaluate import ProjectResult, evaluate
from xlperf.core.findings import Finding, message, sort_key
from xlperf.core.model import Workbook
from xlperf.core.preset import Preset
from xlperf.core.rules import CATALOGUE, TARGETS, WORKBOOK, Rule, TargetsContext
from xlperf.core.targets import ApprovedTargets


@dataclass(frozen=True)
class Validation:
    """A workbook's computed values and findings under one preset."""

    workbook: Workbook
    preset: Preset
    projects: tuple[ProjectResult, ...]
    findings: tuple[Finding, ...] = field(default_factory=tuple)

    def count(self, severity: str) -> int:
        return sum(1 for f in self.findings if f.severity == severity)

    @property
    def errors(self) -> int:
        return self.count("error")

    @property
    def warnings(self) -> int:
        return self.count("warning")

    def for_project(self, sheet: str) -> list[Finding]:
        return [f for f in self.findings if f.sheet == sheet]


def check_project(
    result: ProjectResult,
    preset: Preset,
    rules: tuple[Rule, ...] = CATALOGUE,
    file: str = "",
    targets: TargetsContext | None = None,
) -> list[Finding]:
    """Every finding of every rule on one evaluated project (the rules of scope TARGETS only when
    ``targets`` is given)."""
    p = result.project
    out = []
    for rule in rules:
        if rule.scope == WORKBOOK:
            continue
        if rule.scope == TARGETS:
            if targets is None:
                continue
            hits = rule.check(result, preset, targets)
        else:
            hits = rule.check(result, preset)
        for hit in hits:
            out.append(_finding(rule, hit, preset, p.sheet, p.title, file, p.locate(hit.cell)))
    return out


def check_workbook(workbook: Workbook, preset: Preset, rules: tuple[Rule, ...] = CATALOGUE) -> list[Finding]:
    """The findings of the rules that look at the workbook's sheets rather than one project (XP019)."""
    out = []
    for rule in rules:
        if rule.scope != WORKBOOK:
            continue
        for hit in rule.check(workbook, preset):
            out.append(_finding(rule, hit, preset, hit.sheet or "", "", workbook.path))
    return out


def _finding(
    rule: Rule, hit, preset: Preset, sheet: str, project: str, file: str, cell: str | None = None
) -> Finding:
    """One finding; ``cell`` is where the user finds it (an A1 ref, or a Word table's location)."""
    cell = hit.cell if cell is None else cell
    return Finding(
        rule=rule.id,
        severity=preset.severity.get(rule.id) or hit.severity or rule.severity,
        sheet=sheet,
        cell=cell,
        project=project,
        expected=hit.expected,
        found=hit.found,
        message=message(sheet, cell, rule.name, hit.detail, hit.expected, hit.found),
        file=file,
    )


def validate(
    workbook: Workbook,
    preset: Preset,
    rules: tuple[Rule, ...] = CATALOGUE,
    targets: ApprovedTargets | None = None,
) -> Validation:
    """Evaluate and check every project of a workbook, then the workbook's other sheets; with
    ``targets``, each project's indicators against the approved ones too (XP022)."""
    results = tuple(evaluate(p, preset) for p in workbook.projects)
    ctx = None if targets is None else TargetsContext(targets, workbook.unit)
    findings: list[Finding] = []
    for r in results:
        findings.extend(check_project(r, preset, rules, workbook.path, ctx))
    findings.extend(check_workbook(workbook, preset, rules))
    findings.sort(key=sort_key)
    return Validation(workbook, preset, results, tuple(findings))
