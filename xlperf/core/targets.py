"""Approved performance targets (批复的绩效目标) and how a form's indicators compare with them (pure).

The self-evaluation must use the targets approved with the budget ("对照年初预算设定的绩效目标及指标值");
the 一体化 system copies them in and locks them, an offline form can quietly lower one. A targets file is
the system's export: one row per indicator with 单位, 项目名称, 一级/二级/三级指标, 计算符号, 指标值,
度量单位 (and, where a 目标调整 was approved, the adjusted value). :func:`targets_from_grids` reads it
from plain grids (the shell reads the file: :func:`xlperf.sources.tables.read_table`), with the core's
value parsing (:func:`xlperf.core.values.parse`, :func:`~xlperf.core.values.with_unit`); :func:`compare`
lists what differs in one project, for rule XP022.

Projects and indicators are matched by name through :func:`xlperf.core.names.name_key` (full/half
width, spaces, brackets, codes), a project by its 一体化 code first where both carry one; an indicator
the form renamed is paired with the approved one it stands for when it is the only one left under the
same 二级指标 and the names are alike, and the message names the approved indicator it was read as.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from xlperf.core import labels as L
from xlperf.core.findings import fmt_num
from xlperf.core.grid import Grid
from xlperf.core.model import UnitInfo
from xlperf.core.names import code_of, name_key, similarity
from xlperf.core.scoring import kind_of
from xlperf.core.values import NUMBER, Value, as_fraction, display, parse, with_unit

# header labels of an approved-targets export (after names.name_key); the first column found counts
HEADERS: dict[str, tuple[str, ...]] = {
    "unit": ("单位名称", "预算单位", "预算单位名称", "单位全称", "实施单位", "单位"),
    "unit_code": ("单位编码", "单位代码", "预算单位编码", "预算单位代码"),
    "project": ("项目名称", "项目"),
    "project_code": ("项目编码", "项目代码"),
    "level1": ("一级指标", "一级指标名称"),
    "level2": ("二级指标", "二级指标名称"),
    "level3": ("三级指标", "三级指标名称", "指标名称", "绩效指标名称"),
    "sign": ("计算符号", "指标性质", "指标方向", "运算符号"),
    "value": ("指标值", "年度指标值", "预期指标值", "目标值", "年度目标值", "指标值(调整前)", "年初指标值"),
    "measure": ("度量单位", "计量单位", "指标单位"),
    "adjusted": ("调整后指标值", "调整后的指标值", "调整后年度指标值", "调整后目标值", "指标值(调整后)"),
}
HEADER_ROWS = 30  # the header is looked for in the first rows of a sheet
_CARRIED = ("unit", "unit_code", "project", "project_code", "level1", "level2")  # merged cells: carried down

KIND_SIGNS = {L.KIND_POSITIVE: "≥", L.KIND_REVERSE: "≤", L.KIND_EQUAL: "=", L.KIND_QUALITATIVE: "定性"}
RENAME_SIMILARITY = 0.5  # names at least this alike may be one indicator renamed (see module docstring)


@dataclass(frozen=True)
class ApprovedIndicator:
    row: int  # 1-based row of the targets file
    level1: str
    level2: str
    name: str  # 三级指标 as written
    kind: str  # 正向/反向/等于/定性 (labels.KIND_*)
    value: Value  # the approved 指标值 (the adjusted one where a 目标调整 was approved), read with its unit
    measure: str = ""  # 度量单位 as written
    adjusted: bool = False  # ``value`` is a 目标调整's adjusted value
    original: Value | None = None  # the value before the 目标调整

    def shown(self) -> str:
        """The approved target as a reviewer writes it: "≥100人次", "≤30万元", "定性：效果明显"."""
        return target_text(self.kind, self.value, self.measure)


@dataclass(frozen=True)
class ApprovedProject:
    unit: str
    unit_code: str
    name: str  # as written, without its code
    code: str
    sheet: str
    row: int  # its first row
    indicators: tuple[ApprovedIndicator, ...]

    @property
    def key(self) -> str:
        return name_key(self.name)


@dataclass(frozen=True)
class ApprovedTargets:
    """Every approved project of a targets file, and the rows that could not be read (with why)."""

    source: str  # the file as the user named it
    projects: tuple[ApprovedProject, ...]
    problems: tuple[str, ...] = ()
    _by_code: dict[str, list[ApprovedProject]] = field(default_factory=dict, compare=False, repr=False)
    _by_name: dict[str, list[ApprovedProject]] = field(default_factory=dict, compare=False, repr=False)

    _units: set[str] = field(default_factory=set, compare=False, repr=False)  # unit keys and codes
    _anyone: bool = field(default=False, compare=False, repr=False)  # a project without a unit

    def __post_init__(self) -> None:
        for p in self.projects:
            if p.code:
                self._by_code.setdefault(p.code.casefold(), []).append(p)
            self._by_name.setdefault(p.key, []).append(p)
            if not p.unit and not p.unit_code:
                object.__setattr__(self, "_anyone", True)
            self._units.update(k for k in (name_key(p.unit), p.unit_code and f"#{p.unit_code}") if k)

    def covers(self, unit: UnitInfo) -> bool:
        """Whether the file holds targets for this unit: a project of it (by name or 一体化 code), or a
        project of no named unit (a file of one unit's targets may name none). A bureau's file of the
        units it approved so far does not cover the others: their projects are not checked, and said
        once per unit, not once per project."""
        if self._anyone:
            return True
        return name_key(unit.name) in self._units or bool(unit.code and f"#{unit.code}" in self._units)

    def checks_any(self, unit: UnitInfo, projects: Iterable[str]) -> bool:
        """Whether any of a unit's projects is checked against this file (XP022): the unit is in it, or a
        project is found by its code or its name (another unit's project of the same name)."""
        return self.covers(unit) or any(self.find(unit, name)[0] is not None for name in projects)

    @property
    def indicators(self) -> int:
        return sum(len(p.indicators) for p in self.projects)

    def find(self, unit: UnitInfo, project_name: str) -> tuple[ApprovedProject | None, str]:
        """The approved project a form's project stands for, and how it was matched (for messages);
        (None, why) when there is none or more than one could be meant."""
        code = code_of(project_name)
        key = name_key(project_name)
        if code and code.casefold() in self._by_code:
            hits = self._by_code[code.casefold()]
            if len(hits) == 1:
                return hits[0], f"按项目编码{code}"
        named = self._by_name.get(key, [])
        if not named:
            return None, "批复的绩效目标中没有该项目"
        unit_key, unit_code = name_key(unit.name), unit.code
        same_unit = [
            p for p in named
            if (unit_code and p.unit_code and p.unit_code == unit_code) or (unit_key and name_key(p.unit) == unit_key)
        ]  # fmt: skip
        if len(same_unit) == 1:
            return same_unit[0], "按单位和项目名称"
        if len(same_unit) > 1:
            return None, f"批复的绩效目标中本单位有 {len(same_unit)} 个同名项目，无法确定按哪一个核对"
        without_unit = [p for p in named if not p.unit and not p.unit_code]
        if len(without_unit) == 1:
            return without_unit[0], "按项目名称"
        if len(named) == 1:
            other = named[0].unit or named[0].unit_code
            return named[0], f"按项目名称（批复目标中的单位为“{other}”）"
        return None, f"批复的绩效目标中有 {len(named)} 个单位有同名项目，都不是本单位"


def target_text(kind: str, value: Value, measure: str = "") -> str:
    """A target as written on a form: the sign of its kind, the value, its unit ("≥100人次", "≤30万元",
    "=100%"); a qualitative target as written."""
    if value.is_blank:
        return "（空）"
    raw = value.raw
    if kind == L.KIND_QUALITATIVE or value.kind != NUMBER:
        return display(raw)
    if raw.__class__ in (int, float):  # a bare number, read with the unit of its own cell
        text = fmt_num(value.number * 100, 4) + "%" if value.percent else display(raw) + (measure or "")
    else:
        text = display(raw)
        typed = parse(raw)  # the text as typed: "500" takes its unit cell, "≤500元" has its own
        if measure and not typed.unit and not typed.percent:
            text += measure
    if value.comparator is None:
        text = KIND_SIGNS.get(kind, "") + text
    return text


# --- reading an approved-targets export ----------------------------------------------------------


def _columns(row: Sequence[object]) -> dict[str, int] | None:
    """The fields of a header row (field -> 0-based column), or None when it is not the header: it
    must name the 三级指标 and the 指标值."""
    found: dict[str, int] = {}
    keys = [name_key(c) if isinstance(c, str) else "" for c in row]
    for fieldname, labels in HEADERS.items():
        for label in labels:
            k = name_key(label)
            col = next((i for i, key in enumerate(keys) if key == k and i not in found.values()), None)
            if col is not None:
                found[fieldname] = col
                break
    if "adjusted" not in found:
        col = next((i for i, key in enumerate(keys) if "调整后" in key and "值" in key), None)
        if col is not None and col not in found.values():
            found["adjusted"] = col
    if "level3" in found and ("value" in found or "adjusted" in found):
        return found
    return None


def targets_from_grids(grids: Sequence[Grid], source: str) -> ApprovedTargets:
    """Every approved indicator of a targets export's sheets (a sheet without the header is skipped;
    rows that cannot be read are listed in ``problems``, never guessed)."""
    projects: list[ApprovedProject] = []
    problems: list[str] = []
    for g in grids:
        found = next(((r, h) for r, row in enumerate(g.rows[:HEADER_ROWS]) if (h := _columns(row))), None)
        if found is not None:
            projects.extend(_sheet_projects(g, found[0], found[1], problems))
    if not projects and not problems:
        problems.append("文件中找不到批复目标表的表头（应有“三级指标”和“指标值”两列）")
    return ApprovedTargets(source, tuple(projects), tuple(problems))


def _cell(row: Sequence[object], col: int | None) -> object:
    if col is None or col >= len(row):
        return None
    v = row[col]
    return None if isinstance(v, str) and not v.strip() else v


def _text(v: object) -> str:
    return "" if v is None else display(v).strip()


def _sheet_projects(
    g: Grid, head_row: int, cols: dict[str, int], problems: list[str]
) -> list[ApprovedProject]:
    carried: dict[str, object] = {}
    groups: dict[tuple, dict] = {}
    where = f"“{g.name}”" if g.name else ""
    for r in range(head_row + 1, len(g.rows)):
        row = g.rows[r]
        vals = {k: _cell(row, c) for k, c in cols.items()}
        if vals.get("unit") is not None and vals.get("unit") != carried.get("unit"):
            carried.pop("project", None)  # a new unit starts: its projects are its own
            carried.pop("project_code", None)
        for k in _CARRIED:
            if vals.get(k) is None:
                vals[k] = carried.get(k)
            else:
                carried[k] = vals[k]
        name = _text(vals.get("level3"))
        if not name or name_key(name) in ("合计", "小计", "总计"):
            continue
        project_text = _text(vals.get("project"))
        if not project_text:
            problems.append(f"工作表{where}第 {r + 1} 行：指标“{name}”没有项目名称，未读取")
            continue
        code, pname = L.split_code(project_text)
        code = _text(vals.get("project_code")) or code
        unit_code, unit_name = L.split_code(_text(vals.get("unit")))
        unit_code = _text(vals.get("unit_code")) or unit_code
        measure = _text(vals.get("measure"))
        raw, adjusted, original = vals.get("value"), False, None
        if vals.get("adjusted") is not None:
            original = with_unit(parse(raw), parse(None), measure or None)[0] if raw is not None else None
            raw, adjusted = vals["adjusted"], True
        value = with_unit(parse(raw), parse(None), measure or None)[0]
        sign = parse(vals.get("sign"), expect_text=True)
        if value.kind == NUMBER or sign.kind != "blank":
            kind, _written = kind_of(sign, value, parse(None))
        else:
            kind = L.KIND_QUALITATIVE if not value.is_missing else L.KIND_POSITIVE
        if value.kind not in (NUMBER, "blank", "placeholder") and kind != L.KIND_QUALITATIVE:
            kind = L.KIND_QUALITATIVE  # "效果明显", "符合相关规定": a qualitative target, whatever the sign
        key = (name_key(unit_name), unit_code, name_key(pname), code)
        grp = groups.get(key)
        if grp is None:
            grp = groups[key] = {"unit": unit_name, "unit_code": unit_code, "name": pname, "code": code,
                                 "row": r + 1, "indicators": []}  # fmt: skip
        grp["indicators"].append(
            ApprovedIndicator(
                row=r + 1,
                level1=_text(vals.get("level1")),
                level2=_text(vals.get("level2")),
                name=name,
                kind=kind,
                value=value,
                measure=measure,
                adjusted=adjusted,
                original=original,
            )
        )
    return [
        ApprovedProject(
            x["unit"], x["unit_code"], x["name"], x["code"], g.name, x["row"], tuple(x["indicators"])
        )
        for x in groups.values()
    ]


# --- comparing a project with its approved targets ------------------------------------------------


@dataclass(frozen=True)
class Mismatch:
    """One difference between a form's indicators and the approved ones (XP022 makes it a finding)."""

    cell: str | None
    detail: str
    expected: str
    found: str
    severity: str  # error: a target made easier (lowered for 正向, raised for 反向); else warning / info


def compare(result, unit: UnitInfo, targets: ApprovedTargets) -> Iterator[Mismatch]:
    """What differs between one evaluated project (:class:`~xlperf.core.evaluate.ProjectResult`) and its
    approved targets: each changed target, each approved indicator missing, each indicator not in the
    approved set; one note when the project is not in the targets file."""
    p = result.project
    approved, how = targets.find(unit, p.name.text)
    if approved is None and not targets.covers(unit):
        return  # the unit is not in the file at all (consolidation says so once: uncovered_units)
    if approved is None:
        yield Mismatch(
            p.name.ref,
            f"{how}（单位“{unit.name or '（未填）'}”，项目“{p.title}”），未核对指标值",
            "批复目标中的项目",
            "无",
            "info",
        )
        return
    rows = [r for r in result.indicators if L.norm(r.indicator.name.text)]
    pairs, renamed, missing, extra = match_indicators(approved.indicators, rows)
    # the match is shown where it is not plain: a name written otherwise, a code, another unit's project
    written = L.split_code(p.name.text)[1]
    plain = approved.name == written and how in ("按单位和项目名称", "按项目名称")
    project_note = "" if plain else f"（{how}与批复目标中的项目“{approved.name}”对应）"
    for a, r in pairs:
        yield from _compare_values(a, r, project_note, renamed=(a, r) in renamed)
    for a in missing:
        where = f"{a.level1}/{a.level2}/" if a.level1 or a.level2 else ""
        yield Mismatch(
            None,
            f"批复的指标“{where}{a.name}”（{targets.source} 第 {a.row} 行）在自评表中没有{project_note}",
            a.shown(),
            "缺少该指标",
            "warning",
        )
    for r in extra:
        ind = r.indicator
        if ind.is_budget_rate:
            continue  # the 预算执行率 indicator belongs to the self-evaluation, not to the approved targets
        yield Mismatch(
            ind.name.ref,
            f"指标“{ind.name.text}”不在批复的绩效目标中{project_note}",
            "批复的指标",
            ind.name.text,
            "warning",
        )


def match_indicators(approved: Sequence[ApprovedIndicator], rows: Sequence) -> tuple[list, set, list, list]:
    """Pair approved indicators with a form's rows (IndicatorResult): by name (and 二级 where a name
    repeats), then a renamed one by likeness within its 二级. Returns (pairs, the renamed pairs,
    approved without a row, rows without an approved indicator)."""
    free = list(rows)
    pairs: list[tuple[ApprovedIndicator, object]] = []
    left: list[ApprovedIndicator] = []
    for a in approved:
        k = name_key(a.name)
        same = [r for r in free if name_key(r.indicator.name.text) == k]
        if len(same) > 1:
            same = [r for r in same if name_key(r.indicator.level2) == name_key(a.level2)] or same[:1]
        if same:
            pairs.append((a, same[0]))
            free.remove(same[0])
        else:
            left.append(a)
    renamed: set = set()
    missing: list[ApprovedIndicator] = []
    for a in left:
        group = [r for r in free if name_key(r.indicator.level2) == name_key(a.level2)] if a.level2 else []
        scored = sorted(
            ((similarity(a.name, r.indicator.name.text), i) for i, r in enumerate(group)), reverse=True
        )
        best = scored[0] if scored else None
        rivals = [a2 for a2 in left if a2 is not a and name_key(a2.level2) == name_key(a.level2)]
        if (
            best is not None
            and best[0] >= RENAME_SIMILARITY
            and (len(scored) == 1 or scored[1][0] < best[0])
            and all(similarity(a2.name, group[best[1]].indicator.name.text) < best[0] for a2 in rivals)
        ):
            r = group[best[1]]
            pairs.append((a, r))
            renamed.add((a, r))
            free.remove(r)
        else:
            missing.append(a)
    return pairs, renamed, missing, free


def _compare_values(a: ApprovedIndicator, r, project_note: str, *, renamed: bool) -> Iterator[Mismatch]:
    ind = r.indicator
    name = f"“{ind.name.text}”"
    as_read = f"（按批复的“{a.name}”核对）" if renamed else ""
    if renamed:
        yield Mismatch(
            ind.name.ref,
            f"指标名称{name}与批复的“{a.name}”不同，按同一指标核对{project_note}",
            a.name,
            ind.name.text,
            "warning",
        )
    t = ind.target.value
    if a.value.is_missing:
        return
    found = _as_written(ind)
    if t.is_missing:
        yield Mismatch(ind.target.ref, f"{name}的预期指标值未填写，批复的指标值为 {a.shown()}{as_read}{project_note}",
                       a.shown(), found, "warning")  # fmt: skip
        return
    if r.kind_written and r.kind != a.kind:
        yield Mismatch(
            ind.kind.ref or ind.target.ref,
            f"{name}的计算符号（指标性质）与批复的不同{as_read}{project_note}",
            f"{KIND_SIGNS[a.kind]}（{a.kind}）",
            f"{KIND_SIGNS[r.kind]}（{r.kind}）",
            "warning",
        )
    if a.kind == L.KIND_QUALITATIVE or a.value.kind != NUMBER or t.kind != NUMBER:
        if a.value.kind == NUMBER and t.kind != NUMBER:
            yield Mismatch(ind.target.ref, f"{name}的预期指标值不是批复的数值{as_read}{project_note}", a.shown(),
                           found, "warning")  # fmt: skip
        elif a.value.kind != NUMBER and name_key(display(a.value.raw)) != name_key(display(t.raw)):
            yield Mismatch(ind.target.ref, f"{name}的预期指标值与批复的不同{as_read}{project_note}", a.shown(),
                           found, "warning")  # fmt: skip
        return
    if a.value.unit and t.unit and a.value.unit != t.unit and not (a.value.percent or t.percent):
        yield Mismatch(ind.target.ref, f"{name}的度量单位与批复的不同，无法比较指标值{as_read}{project_note}",
                       a.shown(), found, "warning")  # fmt: skip
        return
    want = as_fraction(a.value, t)
    got = as_fraction(t, a.value)
    if want is None or got is None or abs(got - want) <= 1e-9 * max(1.0, abs(want)):
        return
    lower = got < want
    if (a.kind == L.KIND_POSITIVE and lower) or (a.kind == L.KIND_REVERSE and not lower):
        how = "低于" if lower else "高于"
        why = "正向指标的目标调低" if lower else "反向指标的目标调高"
        yield Mismatch(
            ind.target.ref,
            f"{name}的预期指标值{how}批复的指标值（{why}，完成目标变容易了）{as_read}{project_note}",
            a.shown(),
            found,
            "error",
        )
    else:
        how = "低于" if lower else "高于"
        yield Mismatch(
            ind.target.ref,
            f"{name}的预期指标值{how}批复的指标值 {fmt_num(_shown_number(a.value), 4)}{as_read}{project_note}",
            a.shown(),
            found,
            "warning",
        )


_SIGNS = ("≥", "≤", "=", ">", "<")  # a 计算符号 cell's sign


def _as_written(ind) -> str:
    """A form's 预期指标值 as its user wrote it (with the 计算符号 and 度量单位 of their own cells, where the
    form has them: ≥ ｜ 120 ｜ 家 is "≥120家")."""
    t = ind.target.value
    text = display(t.raw)
    if ind.unit.text and t.raw.__class__ in (int, float):
        text += ind.unit.text
    sign = ind.kind.text.strip()
    if sign in _SIGNS and t.kind == NUMBER and t.comparator is None:
        text = sign + text
    return text


def _shown_number(v: Value) -> float | None:
    if v.number is None:
        return None
    return v.number * 100 if v.percent else v.number
