"""The words of the 绩效自评工作报告: facts drawn from a validation, rendered by editable Jinja2 templates.

Pure (no Word here): :func:`report_facts` turns a :class:`~xlperf.core.engine.Validation` into plain values
(per-project scores, deductions, findings grouped by rule; totals across projects), and
:class:`ReportTexts` renders the templates shipped in ``xlperf/templates/report/`` (or a unit's own
copies from a folder that overrides them file by file) into :class:`Block` values that the Word writer
(:mod:`xlperf.writers.report`) lays out.

Template text format (one rule for every template): a blank line separates paragraphs; lines within
a paragraph are joined; a paragraph starting with ``# `` is a first-level heading (一、…), with ``## ``
a second-level heading (1、…).
"""

from __future__ import annotations

import datetime as dt
import math
import shutil
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import jinja2

from xlperf.core.engine import Validation
from xlperf.core.evaluate import IndicatorResult, ProjectResult, approval_note
from xlperf.core.findings import SEVERITY_ZH, Finding, fmt_num, fmt_pct
from xlperf.core.names import shown_name
from xlperf.core.preset import Preset
from xlperf.core.rules import BY_ID
from xlperf.core.scoring import below_target, suggest
from xlperf.errors import XlperfError

TEMPLATE_PACKAGE = "xlperf"
TEMPLATE_FOLDER = "templates/report"
# every template the report uses, in the order they appear in the document
TEMPLATES = (
    "title.j2",
    "organisation.j2",
    "achievement.j2",
    "quality.j2",
    "project_heading.j2",
    "conclusion.j2",
    "measures.j2",
    "signature.j2",
    "review.j2",
)

BODY = "body"
HEADING1 = "heading1"
HEADING2 = "heading2"


class TemplateError(XlperfError):
    """A report template that cannot be read or rendered (a unit's edited copy, usually)."""


# --- facts ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Deduction:
    """An indicator row that counts for less than its weight in the 核定总分 (its score as approved:
    within 0 and the weight)."""

    name: str
    level2: str
    score: float
    weight: float
    reason: str = ""  # 偏差原因分析及改进措施 as written

    @property
    def lost(self) -> float:
        return self.weight - self.score


@dataclass(frozen=True)
class Excess:
    """An indicator scored above its 分值: the points counted beyond it."""

    name: str
    score: float
    weight: float

    @property
    def extra(self) -> float:
        return self.score - self.weight


_SIGNS = ("≥", "≤", "=", ">", "<")


def with_unit_text(ind, text: str) -> str:
    """A number of a row whose unit stands in its own cell (度量单位), printed with its unit ("95%")."""
    unit = ind.unit.text
    if not text or not unit or ind.unit.value.is_missing or not text[-1].isdigit():
        return text
    return text + unit


def signed_text(ind, text: str) -> str:
    """A target with the row's 计算符号 before it ("≥95%"), as the national form prints it."""
    sign = ind.kind.text.strip()
    return sign + text if text and sign in _SIGNS and text[0].isdigit() else text


@dataclass(frozen=True)
class Shortfall:
    """An indicator whose completion value, as the table shows it, falls clearly short of its target:
    a quantitative row scoring less than the preset's ``explain_rate_below`` of its weight by the
    scoring rules, a qualitative row below 达成."""

    name: str
    target: str
    actual: str


@dataclass(frozen=True)
class Hit:
    """One finding as the templates see it: the indicator's name when it points at an indicator row."""

    rule: str
    severity: str
    name: str  # 三级指标 (or 二级 when unnamed); '' when the finding is not on an indicator row
    cell: str | None
    expected: str
    found: str
    message: str


class Hits(dict):
    """Rule ID -> tuple of :class:`Hit`; a rule that did not fire gives an empty tuple, so templates can
    write ``{% if hits.XP009 %}`` without checking the key first."""

    def __missing__(self, key: str) -> tuple:
        return ()


@dataclass(frozen=True)
class ProjectFacts:
    """One project as the conclusion template sees it. Amounts in 万元, rates as fractions."""

    index: int
    sheet: str
    name: str
    unit: str
    budget: float | None
    arrived: float | None
    executed: float | None
    rate: float | None  # E / B
    score: float | None  # 核定总分: the score the report states (each score within its weight, capped)
    score_recomputed: float | None  # 复核总分: Σ 自评得分 as written
    grade: str | None  # of ``score`` (核定总分)
    low_rate: bool  # rate below the preset's explain_rate_below
    deductions: tuple[Deduction, ...]  # rows counted below their weight (核定)
    unscored: tuple[str, ...]  # indicator rows with no score
    hits: Hits
    findings: tuple[Finding, ...]
    score_reported: float | None = None  # 填报总分 (the 总分 cell)
    score_capped: float | None = None  # 核定总分 (the same as ``score``; the name older templates use)
    cap: float | None = None  # the cap that applies, if any
    excesses: tuple[Excess, ...] = ()  # indicators scored above their 分值 (for the review notes)
    score_counted: float | None = None  # the scores within their weights, before the execution-rate cap
    approval: str = ""  # why the 核定总分 differs from the 复核总分 ("高于分值的得分按分值计"), or ""
    shortfalls: tuple[Shortfall, ...] = ()  # completion values clearly short of their targets

    @property
    def exceeded(self) -> float:
        """Points scored above the 分值 (counted at the 分值 in the 核定总分)."""
        return round(sum(e.extra for e in self.excesses), 4)

    @property
    def capped(self) -> bool:
        """The execution-rate cap lowered the score."""
        return (
            self.score is not None
            and self.score_counted is not None
            and self.score < self.score_counted - 1e-9
        )

    @property
    def deducted(self) -> float:
        return round(sum(d.lost for d in self.deductions), 4)

    @property
    def errors(self) -> int:
        return sum(1 for f in self.findings if f.severity == "error")

    @property
    def warnings(self) -> int:
        return sum(1 for f in self.findings if f.severity == "warning")

    @property
    def has_problems(self) -> bool:
        """Something to correct or explain: a finding, a low execution rate, an unscored row."""
        return bool(self.errors or self.warnings or self.low_rate or self.unscored or self.notices)

    @property
    def notices(self) -> int:
        """提示-level findings other than a blank 预算执行进度 (XP001), which the report itself fills in
        (computed) and only mentions."""
        return sum(
            1
            for f in self.findings
            if f.severity == "info" and not (f.rule == "XP001" and f.found == "（空）")
        )

    @property
    def explained(self) -> bool:
        """Every deduction has its 偏差原因 written."""
        return all(d.reason for d in self.deductions)

    @property
    def clean(self) -> bool:
        """Nothing to say but praise: no finding, no deduction, no shortfall, no low execution, every
        row scored."""
        return not (self.findings or self.deductions or self.shortfalls or self.low_rate or self.unscored)


@dataclass(frozen=True)
class RuleStat:
    """One rule across the unit's projects, for 四、整改措施."""

    id: str
    name: str
    severity: str
    count: int  # findings
    projects: tuple[str, ...]  # names of the projects it fired on, in order

    @property
    def severity_zh(self) -> str:
        return SEVERITY_ZH.get(self.severity, self.severity)


@dataclass(frozen=True)
class ReportFacts:
    """Everything the templates may use as ``report`` (each template's opening comment lists the names)."""

    unit: str
    department: str
    year: str
    preset: str  # the preset's title
    explain_rate_below: float
    projects: tuple[ProjectFacts, ...]
    budget: float | None
    executed: float | None
    rate: float | None
    average: float | None
    grades: tuple[tuple[str, int], ...]  # (grade, projects) in the preset's order, only those present
    rules: tuple[RuleStat, ...]  # rules that fired, in catalogue order
    errors: int
    warnings: int
    infos: int
    attachment: str = ""
    date: str = ""  # the 落款's date, "2021年3月5日" (the day the report is written)
    weak_grades: tuple[str, ...] = ("中", "差")

    @property
    def count(self) -> int:
        return len(self.projects)

    @property
    def low_rate_projects(self) -> tuple[ProjectFacts, ...]:
        return tuple(p for p in self.projects if p.low_rate)

    @property
    def clean_projects(self) -> tuple[ProjectFacts, ...]:
        return tuple(p for p in self.projects if p.clean)

    @property
    def shortfall_projects(self) -> tuple[ProjectFacts, ...]:
        """Projects with an indicator whose completion value falls clearly short of its target."""
        return tuple(p for p in self.projects if p.shortfalls)

    @property
    def weak_projects(self) -> tuple[ProjectFacts, ...]:
        """Projects graded in the lower half of the preset's grades (中, 差)."""
        return tuple(p for p in self.projects if p.grade in self.weak_grades)

    @property
    def deduction_projects(self) -> tuple[ProjectFacts, ...]:
        return tuple(p for p in self.projects if p.deductions)

    @property
    def deduction_count(self) -> int:
        """Indicator rows counted below their weight, across projects."""
        return sum(len(p.deductions) for p in self.projects)

    def rule(self, rule_id: str) -> RuleStat | None:
        return next((r for r in self.rules if r.id == rule_id), None)


def _sum(values: Iterable[float | None]) -> float | None:
    vals = [v for v in values if v is not None]
    return round(sum(vals), 6) if vals else None


def _row_names(pr: ProjectResult) -> dict[int, str]:
    return {r.indicator.row: (r.indicator.name.text or r.indicator.level2) for r in pr.indicators}


def _row_of(cell: str | None) -> int | None:
    digits = "".join(ch for ch in cell or "" if ch.isdigit())
    return int(digits) if digits else None


def project_score(pr: ProjectResult) -> float | None:
    """The score the report states for a project: its 核定总分 (:data:`TOTAL_CAPPED`: each 自评得分
    within 0 and its weight, at most 100, capped by the execution rate where the preset caps it), so
    neither a unit's addition error (XP007) nor a score above its weight (XP005) travels into the
    text; the grade and the average follow the same figure."""
    return pr.total_capped


def shortfall(r: IndicatorResult, preset: Preset) -> bool:
    """Whether a row's completion value, as the table shows it, falls clearly short of its target:
    below it, and worth less than ``explain_rate_below`` of the weight by the scoring rules (a
    qualitative row: its band's top below that line, i.e. 部分达成 or 未达成)."""
    ind = r.indicator
    if not below_target(r.kind, ind.target.value, ind.actual.value):
        return False
    s = suggest(r.kind, ind.target.value, ind.actual.value, 1.0, preset)
    return s is not None and s.point < preset.explain_rate_below - 1e-9


def _project_facts(index: int, pr: ProjectResult, v: Validation) -> ProjectFacts:
    p = pr.project
    names = _row_names(pr)
    findings = tuple(f for f in v.findings if f.sheet == p.sheet)
    hits = Hits()
    for f in findings:
        row = _row_of(f.cell)
        hit = Hit(
            f.rule, f.severity, names.get(row, "") if row else "", f.cell, f.expected, f.found, f.message
        )
        hits[f.rule] = (*hits[f.rule], hit)
    deductions = []
    excesses = []
    unscored = []
    shortfalls = []
    for r in pr.indicators:
        ind = r.indicator
        label = ind.name.text or ind.level2
        if shortfall(r, v.preset):
            target, actual = ind.target.text, ind.actual.text
            if ind.unit.ref is not None:  # the structured cells: as the table prints them ("≥95%")
                target, actual = signed_text(ind, with_unit_text(ind, target)), with_unit_text(ind, actual)
            shortfalls.append(Shortfall(label, target, actual))
        s = ind.score.number
        if s is None:
            if not (ind.name.value.is_blank and ind.target.value.is_blank and ind.actual.value.is_blank):
                unscored.append(label)
            continue
        if r.weight is not None and s > r.weight + 1e-9:
            excesses.append(Excess(label, s, r.weight))
        counted = r.counted
        if r.weight is not None and counted is not None and counted < r.weight - 1e-9:
            deductions.append(
                Deduction(
                    label,
                    ind.level2,
                    counted,
                    r.weight,
                    ind.reason.value.text.strip() if not ind.reason.value.is_blank else "",
                )
            )
    score = project_score(pr)
    low = pr.rate is not None and pr.rate < v.preset.explain_rate_below - 1e-12
    return ProjectFacts(
        index=index,
        sheet=p.sheet,
        name=p.title,
        unit=p.unit.text,
        budget=p.budget.total.number,
        arrived=p.arrived.total.number,
        executed=p.executed.total.number,
        rate=pr.rate,
        score=score,
        score_recomputed=pr.total_recomputed,
        grade=pr.grade,
        low_rate=low,
        deductions=tuple(deductions),
        unscored=tuple(unscored),
        hits=hits,
        findings=findings,
        score_reported=pr.total_reported,
        score_capped=pr.total_capped,
        cap=None if pr.cap is None else pr.cap.max,
        excesses=tuple(excesses),
        score_counted=pr.total_counted,
        approval=approval_note(pr),
        shortfalls=tuple(shortfalls),
    )


def cn_date(day: dt.date) -> str:
    """A 公文 date: 2021年3月5日 (no leading zeros)."""
    return f"{day.year}年{day.month}月{day.day}日"


def report_facts(v: Validation, attachment: str = "", day: dt.date | None = None) -> ReportFacts:
    """The facts of a validation that the report's templates use; ``day`` dates the 落款 (today)."""
    projects = tuple(_project_facts(i, pr, v) for i, pr in enumerate(v.projects, 1))
    budget = _sum(p.budget for p in projects)
    executed = _sum(p.executed for p in projects)
    rate = executed / budget if budget and executed is not None else None
    scores = [p.score_capped for p in projects if p.score_capped is not None]  # 核定总分
    grade_count = Counter(p.grade for p in projects if p.grade)
    order = [g.name for g in v.preset.grades] or sorted(grade_count)
    by_rule: dict[str, list[Finding]] = {}
    project_sheets = {p.sheet for p in projects}
    # a sheet not read as a project (XP019) is not one of the report's problems
    own = [f for f in v.findings if f.sheet in project_sheets]
    for f in own:
        by_rule.setdefault(f.rule, []).append(f)
    title_of = {p.sheet: p.name for p in projects}
    rules = []
    for rid in sorted(by_rule):
        fs = by_rule[rid]
        sheets = list(dict.fromkeys(f.sheet for f in fs))
        rule = BY_ID.get(rid)
        rules.append(
            RuleStat(
                rid,
                rule.name if rule else rid,
                Counter(f.severity for f in fs).most_common(1)[0][0],
                len(fs),
                tuple(title_of.get(s, s) for s in sheets),
            )
        )
    wb = v.workbook
    unit = wb.unit.name or next((p.unit for p in projects if p.unit), "")
    names = [g.name for g in sorted(v.preset.grades, key=lambda g: -g.min)]
    return ReportFacts(
        unit=unit,
        department=wb.unit.department,
        year=wb.unit.year,
        preset=v.preset.title,
        explain_rate_below=v.preset.explain_rate_below,
        projects=projects,
        budget=budget,
        executed=executed,
        rate=rate,
        average=round(sum(scores) / len(scores), 2) if scores else None,
        grades=tuple((g, grade_count[g]) for g in order if grade_count.get(g)),
        rules=tuple(rules),
        errors=sum(1 for f in own if f.severity == "error"),
        warnings=sum(1 for f in own if f.severity == "warning"),
        infos=sum(1 for f in own if f.severity == "info"),
        attachment=attachment,
        date=cn_date(day or dt.date.today()),
        weak_grades=tuple(names[len(names) // 2 :]) if names else ("中", "差"),
    )


# --- filters ----------------------------------------------------------------------------------------

_CN_DIGITS = "零一二三四五六七八九"


def cn_number(n: int) -> str:
    """1 -> 一, 10 -> 十, 12 -> 十二, 21 -> 二十一 (up to 99), for （一）（二）… numbering."""
    if n < 0 or n > 99:
        return str(n)
    if n < 10:
        return _CN_DIGITS[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else _CN_DIGITS[tens]) + "十" + (_CN_DIGITS[ones] if ones else "")


def _num(x: float | None, digits: int = 2) -> str:
    return fmt_num(x, digits)


def _amount(x: float | None) -> str:
    """An amount in 万元, up to 4 decimals (1.6, 2, 0.0125)."""
    return fmt_num(x, 4)


def _pct(x: float | None) -> str:
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "（空）"
    return fmt_pct(x)


def quoted_names(items: Sequence[object], limit: int = 3, unit: str = "项") -> str:
    """“甲”、“乙”、“丙”等5项: the first ``limit`` names quoted, then how many in all."""
    names = list(dict.fromkeys(str(getattr(i, "name", i)) for i in items))
    names = [n for n in names if n] or ["（未命名）"]
    shown = "、".join(f"“{n}”" for n in names[:limit])
    return shown + (f"等{len(names)}{unit}" if len(names) > limit else "")


# --- rendering --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Block:
    """One paragraph of rendered text and its kind (body / heading1 / heading2)."""

    kind: str
    text: str


def default_template_dir() -> Path:
    """The folder of the shipped templates (inside the installed package)."""
    return Path(str(resources.files(TEMPLATE_PACKAGE).joinpath(*TEMPLATE_FOLDER.split("/"))))


def export_templates(folder: str | Path, overwrite: bool = False) -> list[Path]:
    """Copy the shipped templates into ``folder`` so a unit can edit them and pass ``--template-dir``.

    Existing files are kept unless ``overwrite``. Returns the files written.
    """
    dest = Path(folder)
    try:
        dest.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise TemplateError(f"无法创建模板文件夹：{shown_name(dest)}（{exc.strerror or exc}）") from exc
    written = []
    src = resources.files(TEMPLATE_PACKAGE).joinpath(*TEMPLATE_FOLDER.split("/"))
    for name in TEMPLATES:
        target = dest / name
        if target.exists() and not overwrite:
            continue
        with resources.as_file(src.joinpath(name)) as path:
            shutil.copyfile(path, target)
        written.append(target)
    return written


def blocks(text: str) -> list[Block]:
    """Rendered template text to paragraphs (blank line = new paragraph; ``# `` / ``## `` = headings)."""
    out: list[Block] = []
    para: list[str] = []

    def flush() -> None:
        if para:
            out.append(Block(BODY, "".join(para)))
            para.clear()

    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            flush()
        elif line.startswith("## "):
            flush()
            out.append(Block(HEADING2, line[3:].strip()))
        elif line.startswith("# "):
            flush()
            out.append(Block(HEADING1, line[2:].strip()))
        else:
            para.append(line)
    flush()
    return out


class ReportTexts:
    """The report's templates: the shipped ones, each overridable by a file of the same name in
    ``template_dir``. Undefined names in a template are errors (so a typo in an edited template is
    reported, not silently rendered as nothing)."""

    def __init__(self, template_dir: str | Path | None = None) -> None:
        loaders: list[jinja2.BaseLoader] = []
        if template_dir is not None:
            d = Path(template_dir)
            if not d.is_dir():
                raise TemplateError(f"报告模板文件夹不存在：{d}")
            loaders.append(jinja2.FileSystemLoader(str(d), encoding="utf-8-sig"))
        loaders.append(jinja2.PackageLoader(TEMPLATE_PACKAGE, TEMPLATE_FOLDER, encoding="utf-8"))
        self.env = jinja2.Environment(
            loader=jinja2.ChoiceLoader(loaders),
            autoescape=False,
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
        )
        self.env.filters.update(num=_num, amount=_amount, pct=_pct, cn=cn_number, names=quoted_names)

    def render(self, name: str, **context: object) -> list[Block]:
        """Render one template into paragraphs. Raises :class:`TemplateError` with the file and line."""
        try:
            text = self.env.get_template(name).render(**context)
        except jinja2.TemplateNotFound as exc:
            raise TemplateError(f"找不到报告模板：{name}") from exc
        except jinja2.TemplateSyntaxError as exc:
            raise TemplateError(
                f"报告模板 {exc.name or name} 第 {exc.lineno} 行语法错误：{exc.message}"
            ) from exc
        except UnicodeDecodeError as exc:
            raise TemplateError(f"报告模板 {name} 不是 UTF-8 编码，请另存为 UTF-8") from exc
        except jinja2.UndefinedError as exc:
            raise TemplateError(f"报告模板 {name} 使用了不存在的名称：{exc.message}") from exc
        except jinja2.TemplateError as exc:
            raise TemplateError(f"报告模板 {name} 无法生成：{exc}") from exc
        return blocks(text)
