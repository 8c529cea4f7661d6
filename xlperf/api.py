"""The library's front door: one call per job, used by the CLI, the Excel macros and other programs.

>>> from xlperf import api
>>> v = api.validate_file("workbooks/samples/长安区委编办_2020.xlsx")
>>> v.errors, [f.rule for f in v.findings][:3]
"""

from __future__ import annotations

from pathlib import Path

from xlperf import layouts, presets
from xlperf.core.engine import Validation, validate
from xlperf.core.model import Workbook
from xlperf.core.targets import ApprovedTargets
from xlperf.presets import Preset
from xlperf.sources import read_workbook


def resolve_preset(workbook: Workbook | None, explicit: str | Path | Preset | None = None) -> Preset:
    """The preset to score a workbook with: the one asked for; else the one the workbook's template
    marker or 单位信息 names; else the one its form implies (a 四川 form: ``sichuan``; every project's
    layout must agree); else, for a Word report, the one its 一级 labels' weights match; else
    ``national``."""
    if isinstance(explicit, Preset):
        return explicit
    if explicit:
        return presets.load(explicit)
    if workbook is not None:
        named = workbook.meta.get("preset", "")
        if named in presets.available():
            return presets.load(named)
        title = workbook.unit.preset
        for name in presets.available():
            p = presets.load(name)
            if title and (title == p.name or title == p.title or title.startswith(p.title[:2])):
                return p
        implied = {layouts.load(p.layout).preset for p in workbook.projects if p.layout in layouts.names()}
        if len(implied) == 1 and "" not in implied:  # the province's form implies its rules (四川)
            return presets.load(implied.pop())
        if workbook.is_document:  # a Word report names no preset: its 一级 labels carry the weights
            found = _preset_by_weights(workbook)
            if found is not None:
                return found
    return presets.load("national")


def _preset_by_weights(workbook: Workbook) -> Preset | None:
    """The preset whose 一级 weights every project's labels state ("产出指标（40）"…), if exactly one."""
    stated = set()
    for p in workbook.projects:
        weights = {s.key: s.weight for s in p.sections if s.key is not None and s.weight is not None}
        if weights:
            stated.add(tuple(sorted(weights.items())))
    if len(stated) != 1:
        return None
    (weights,) = stated
    hits = []
    for name in presets.available():
        p = presets.load(name)
        if all(abs(p.weights.get(k, -1) - w) < 1e-9 for k, w in weights):
            hits.append(p)
    return hits[0] if len(hits) == 1 else None


def validate_file(
    path: str | Path,
    preset: str | Path | Preset | None = None,
    engine: str = "calamine",
    targets: ApprovedTargets | None = None,
) -> Validation:
    """Read one workbook and validate it (with ``targets``, against the approved targets too: XP022).
    Raises :class:`xlperf.errors.ReadError` for unreadable files."""
    wb = read_workbook(path, engine)
    return validate(wb, resolve_preset(wb, preset), targets=targets)


def read_targets(path: str | Path) -> ApprovedTargets:
    """Read an approved-targets export (批复的绩效目标: .xlsx or .csv, as the 一体化 system exports it).
    Raises :class:`xlperf.errors.ReadError` with a Chinese reason when it cannot be read or holds no
    approved indicator; rows it could not read are in ``.problems``."""
    from xlperf.core.names import shown_name
    from xlperf.core.targets import targets_from_grids
    from xlperf.errors import ReadError
    from xlperf.sources.tables import read_table

    p = Path(path)
    t = targets_from_grids(read_table(p, "批复目标"), shown_name(p.name))
    if not t.projects:
        raise ReadError(f"批复目标文件 {p.name} 中没有读到任何指标：{'；'.join(t.problems[:3])}")
    return t


def targets_line(t: ApprovedTargets) -> str:
    """What a targets file held, in one line for the terminal and JSON."""
    line = f"批复目标：{t.source}，{len(t.projects)} 个项目、{t.indicators} 项指标"
    if t.problems:
        line += f"；{len(t.problems)} 处未读取：{t.problems[0]}" + ("……" if len(t.problems) > 1 else "")
    return line
