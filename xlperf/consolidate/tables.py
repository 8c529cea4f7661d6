"""Step 3 of a consolidation (pure, no I/O): flag duplicates (the same file twice by SHA-256; the same
unit + project in two places) and build the five tables of the summary — 项目明细, 单位汇总, 等级分布,
问题清单, 文件清单 — as :class:`Table` objects (plain rows; ``to_frame()`` for pandas).

Scores: the totals are those of :data:`xlperf.core.evaluate.TOTALS` (填报总分, 复核总分 = Σ 自评得分,
核定总分 = 复核总分 capped by the execution rate where the preset has caps), under the same names.
Averages, highest, lowest and the grade distribution use the 核定总分, so a unit's own arithmetic error
cannot move the summary and a capped project is counted at its cap.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, NamedTuple

from xlperf.consolidate import desk as D
from xlperf.consolidate.desk import Desk, History
from xlperf.consolidate.records import (
    DEFAULT_GRADES,
    NO_GRADE,
    NO_UNIT,
    STATUS_OK,
    STATUS_SKIPPED,
    STATUS_UNREADABLE,
    WORD_SUFFIXES,
    XC_BLANK,
    XC_DUP_FILE,
    XC_DUP_PROJECT,
    XC_MIXED_PRESETS,
    XC_MIXED_YEARS,
    XC_NO_UNIT,
    XC_UNREADABLE,
    FileResult,
    ProjectRecord,
    is_word,
    project_records,
)
from xlperf.consolidate.roster import Roster
from xlperf.core import labels as L
from xlperf.core.engine import Validation
from xlperf.core.evaluate import TOTAL_CAPPED, TOTAL_RECOMPUTED, TOTAL_REPORTED
from xlperf.core.findings import SEVERITY_ZH, Finding, fmt_num, fmt_pct
from xlperf.core.names import name_key, shown_name
from xlperf.core.results_table import explanation


@dataclass(frozen=True)
class Column:
    """A column of a summary table. ``kind`` tells writers the format: text, int, amount (万元),
    rate (%), score, hash. ``width`` is in Excel's character units; ``wrap``: long text wraps inside
    the width (the row grows) rather than running over or being cut; ``printed``: False for technical
    columns (full paths, SHA-256, the less-read amounts), which stay in the sheet, the csv and the JSON
    but sit right of the print area so they never force the printed page smaller."""

    header: str
    kind: str = "text"
    width: float = 10
    wrap: bool = False
    printed: bool = True
    choices: tuple[str, ...] = ()  # a column the reviewer fills in from a list (问题清单's 处理)


@dataclass
class Table:
    """One sheet of the summary: a name (the sheet name), a title, columns and plain rows.

    Printed columns come first (the print area is the first :attr:`printed_columns` columns); a
    column in ``hidden`` holds nothing worth showing in this consolidation (备注 with no duplicate,
    评分方案 when every workbook used the same) and is hidden in the sheet, kept in csv and JSON so
    their columns never change from one run to the next."""

    name: str
    title: str
    columns: tuple[Column, ...]
    rows: list[list[Any]]
    total: list[Any] | None = None  # the 合计 row: after the body, in bold, on every sheet
    average: list[Any] | None = None  # the 平均 row (项目明细's scores): last, under the 合计 row
    note: str = ""  # one line under the title
    hidden: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        flags = [c.printed for c in self.columns]
        if flags != sorted(flags, reverse=True):
            raise ValueError(f"{self.name}: printed columns must come before the others")

    @property
    def headers(self) -> list[str]:
        return [c.header for c in self.columns]

    @property
    def printed_columns(self) -> int:
        """How many leading columns are printed."""
        return sum(1 for c in self.columns if c.printed)

    @property
    def footer(self) -> list[list[Any]]:
        """The rows under the body: 合计, then 平均 where the table has one."""
        return [r for r in (self.total, self.average) if r is not None]

    def all_rows(self, with_total: bool = True) -> list[list[Any]]:
        """The rows as shown: the 合计 (and 平均) rows last."""
        if not with_total:
            return list(self.rows)
        return [*self.rows, *self.footer]

    def records(self, with_total: bool = True) -> list[dict[str, Any]]:
        return [dict(zip(self.headers, r, strict=True)) for r in self.all_rows(with_total)]

    def to_frame(self, with_total: bool = True):
        """The table as a pandas DataFrame (imported on demand)."""
        import pandas as pd

        return pd.DataFrame(self.all_rows(with_total), columns=self.headers)


SECTION_COLUMNS = tuple((key, f"{L.SECTION_NAMES[key]}得分") for key in L.SECTIONS)

DETAIL_NAME = "项目明细"
UNITS_NAME = "单位汇总"
GRADES_NAME = "等级分布"
FINDINGS_NAME = "问题清单"
FILES_NAME = "文件清单"
TOTAL = "合计"
AVERAGE = "平均"
NOTE_HEADER = "备注"
ALERT_HEADER = "自评预警"
DECISION_HEADER = "处理"  # 问题清单: the reviewer's decision on a finding (采纳 / 不采纳)
OPINION_HEADER = "审核意见"  # 问题清单: the reviewer's words to the unit about it
DECISIONS = ("采纳", "不采纳")
PRESET_HEADER = "评分方案"
DUPLICATE_NOTE = "重复，未计入"

# decimals stored for each numeric kind: the value in a cell is the value it shows (no
# 6.199999999999999 behind a 6.2), in the xlsx, the csv and the JSON alike
DECIMALS = {"amount": 4, "rate": 4, "score": 2}

# Widths are in Excel's column unit: the width of a digit of the workbook's default font (宋体 10 pt:
# 7 px on Windows; where 宋体 is missing, its stand-in's: DejaVu Sans in LibreOffice here, 8.5 px; Noto
# Serif CJK about 7 px). A Chinese character is 13.3 px at 10 pt in every one of these fonts. So widths
# are chosen for both ends: the Chinese a column holds (names on two lines, headers broken between
# words, four lines at most) at 7 px a unit, and the printed columns of 项目明细 at 8.5 px a unit still
# printing at 8 pt or more on A4 landscape, with its 13 sample projects on one page (tests/test_reading.py
# renders it with a serif CJK stand-in for 宋体).
DETAIL_COLUMNS = (
    Column("序号", "int", 4.5),
    Column(L.UNIT_DEPARTMENT, "text", 13, wrap=True),
    Column("单位", "text", 13, wrap=True),
    Column(L.PROJECT_NAME, "text", 14.5, wrap=True),
    Column("预算数（万元）", "amount", 8.5),
    Column("执行数（万元）", "amount", 8.5),
    Column("执行率", "rate", 7.5),
    Column(PRESET_HEADER, "text", 8, wrap=True),  # shown when the workbooks' presets differ
    *(Column(h, "score", 6.5 if len(h) > 6 else 6) for _, h in SECTION_COLUMNS),
    Column(TOTAL_REPORTED.name, "score", 5.5),
    Column(TOTAL_RECOMPUTED.name, "score", 5.5),
    Column("差异", "score", 5),  # 填报总分 − 复核总分; blank when they agree
    Column(TOTAL_CAPPED.name, "score", 5.5),
    Column(L.GRADE, "text", 4.5),
    Column(ALERT_HEADER, "text", 5, wrap=True),  # 自评预警 (XP023): 红色 / 黄色
    Column("错误", "int", 4.5),
    Column("警告", "int", 4.5),
    Column(NOTE_HEADER, "text", 7, wrap=True),  # shown when a row is a duplicate
    Column("提示", "int", 6, printed=False),
    Column("到位数（万元）", "amount", 12, printed=False),
    Column("其中：财政资金（万元）", "amount", 14, printed=False),
    Column("来源文件", "text", 40, printed=False),
    Column("工作表", "text", 10, printed=False),
)


def preset_short(title: str) -> str:
    """A preset's title without its parenthesised weights: "陕西（产出40、…）" -> "陕西"."""
    return title.split("（", 1)[0].split("(", 1)[0].strip() or title


def _detail_row(i: int, dept: str, unit: str, p: ProjectRecord, file: str, preset: str = "") -> list[Any]:
    note = DUPLICATE_NOTE if p.duplicate_of else ""  # which row it repeats: XC002 in 问题清单
    diff = p.difference
    return [
        i,
        dept,
        unit,
        p.name,
        p.budget,
        p.executed,
        p.rate,
        preset,
        *(p.subtotals.get(key) for key, _ in SECTION_COLUMNS),
        p.reported,
        p.recomputed,
        None if diff is None or round(diff, DECIMALS["score"]) == 0 else diff,
        p.capped,
        p.grade or "",
        "红色" if "红色" in p.alert else p.alert,  # the graver level (both are XP023 rows in 问题清单)
        p.errors,
        p.warnings,
        note,
        p.infos,
        p.arrived,
        p.fiscal,
        file,
        p.sheet,
    ]


def rounded(columns: Sequence[Column], rows: list[list[Any]]) -> list[list[Any]]:
    """Round in place every float of a numeric column to the decimals it is shown with
    (:data:`DECIMALS`); -0.0 becomes 0.0. Returns ``rows``."""
    todo = [(i, DECIMALS[c.kind]) for i, c in enumerate(columns) if c.kind in DECIMALS]
    for row in rows:
        for i, d in todo:
            v = row[i]
            if v.__class__ is float:
                row[i] = round(v, d) + 0.0 if math.isfinite(v) else None
    return rows


def project_rows(v: Validation) -> list[list[Any]]:
    """The 项目汇总 table of one unit's own workbook: header plus one row per project, the same columns
    as the summary's 项目明细 (pure; the Excel macro writes it in one call)."""
    unit, dept = v.workbook.unit.name, v.workbook.unit.department
    rows: list[list[Any]] = [[c.header for c in DETAIL_COLUMNS]]
    file = Path(v.workbook.path).name
    preset = preset_short(v.preset.title)
    for i, p in enumerate(project_records(v), 1):
        rows.append(_detail_row(i, dept, unit, p, file, preset))
    rounded(DETAIL_COLUMNS, rows)
    return rows


@dataclass
class Stats:
    """The headline numbers of a consolidation (also the one-screen summary)."""

    files: int = 0
    files_ok: int = 0
    files_skipped: int = 0
    files_unreadable: int = 0
    duplicate_files: int = 0
    duplicate_projects: int = 0
    blank_files: int = 0  # workbooks whose 自评表 are all blank (skipped)
    units: int = 0
    projects: int = 0  # counted (duplicates excluded)
    budget: float = 0.0
    executed: float = 0.0
    mean_score: float | None = None
    weighted_score: float | None = None
    grades: dict[str, int] = field(default_factory=dict)
    errors: int = 0
    warnings: int = 0
    infos: int = 0
    presets: dict[str, int] = field(default_factory=dict)  # preset title -> workbooks (most first)
    years: dict[str, int] = field(default_factory=dict)  # 年度 -> workbooks (most first; "" not counted)

    @property
    def rate(self) -> float | None:
        return self.executed / self.budget if self.budget else None

    @property
    def mixed_presets(self) -> bool:
        """The workbooks were scored with presets of different section weights."""
        return len(self.presets) > 1


@dataclass
class Consolidation:
    """The result of a consolidation: every file's record, the five tables and the headline numbers."""

    files: list[FileResult]
    tables: dict[str, Table]
    stats: Stats
    grades: tuple[str, ...]
    preset: str = ""  # the preset asked for ("" = each workbook's own)
    seconds: float = 0.0
    year: str = ""  # the year of most workbooks (单位信息's 年度); others are XC007
    issuer: str = ""  # the body that consolidates (e.g. 长安区财政局), in the titles when given
    desk: Desk | None = None  # 报送情况's facts, with a roster or a ledger
    notes: list[str] = field(default_factory=list)  # more lines for the terminal and JSON (the targets read)
    folder_files: Any = None  # the reviewer's files of the folder used (consolidate.folder.FolderFiles)
    carried: int = 0  # findings whose 处理/审核意见 came from an earlier summary (``decisions``)

    @property
    def ok(self) -> bool:
        """At least one workbook was read: there is a summary to write."""
        return self.stats.files_ok > 0

    @property
    def inputs(self) -> list[str]:
        """Every input path (an output must never replace one)."""
        return [f.path for f in self.files if not f.is_summary]

    def frames(self) -> dict[str, Any]:
        """Every table as a pandas DataFrame, by sheet name."""
        return {name: t.to_frame() for name, t in self.tables.items()}

    def summary_lines(self, limit: int = 10) -> list[str]:
        """A one-screen summary in Chinese."""
        s = self.stats
        lines = [
            f"共 {s.files} 个文件：已汇总 {s.files_ok} 个，已跳过 {s.files_skipped} 个，无法读取 {s.files_unreadable} 个"
            + (f"（其中重复文件 {s.duplicate_files} 个）" if s.duplicate_files else "")
            + (f"（其中空白工作簿 {s.blank_files} 个）" if s.blank_files else ""),
            f"单位 {s.units} 个，项目 {s.projects} 个"
            + (f"（另有重复项目 {s.duplicate_projects} 个，未计入）" if s.duplicate_projects else ""),
            *(self.desk.lines() if self.desk is not None else ()),
            f"预算数合计 {fmt_num(s.budget, 4)} 万元，执行数合计 {fmt_num(s.executed, 4)} 万元，执行率 {fmt_pct(s.rate)}",
            f"核定总分的平均分 {fmt_num(s.mean_score, 2)}（按预算加权 {fmt_num(s.weighted_score, 2)}）；等级："
            + "，".join(f"{g} {n}" for g, n in s.grades.items()),
            f"问题：错误 {s.errors} 条，警告 {s.warnings} 条，提示 {s.infos} 条（详见“问题清单”）",
        ]
        if len(s.years) > 1:
            lines.append(
                "年度不一致："
                + "；".join(f"{y} 年度 {n} 个文件" for y, n in s.years.items())
                + "（详见问题清单 XC007）"
            )
        lines.extend(self.notes)
        if s.mixed_presets:
            lines.append(
                "评分方案不一致："
                + "；".join(f"{t} {n} 个文件" for t, n in s.presets.items())
                + "。分项得分按各自方案的分值，未合计"
            )
        bad = [f for f in self.files if f.status == STATUS_UNREADABLE]
        if bad:
            lines.append("无法读取的文件：")
            lines.extend(f"  {f.display}：{f.reason}" for f in bad[:limit])
            if len(bad) > limit:
                lines.append(f"  ……另有 {len(bad) - limit} 个，详见“文件清单”")
        return lines


def _unit_name(f: FileResult) -> str:
    return f.unit or NO_UNIT


def _key(text: str) -> str:
    """Units and projects are grouped as the reviewer's desk matches them (roster, ledger, targets):
    "财政局【本级】" and "财政局（本级）", or a name with its 一体化 code in front, are one unit."""
    return name_key(text)


class _Counted(NamedTuple):
    """A project that counts, as a later copy of it is compared with it."""

    where: str  # "file!sheet"
    record: ProjectRecord
    file: str  # its file's display name
    in_word: bool  # that file is a Word report


def mark_duplicates(
    files: Sequence[FileResult],
) -> tuple[list[FileResult], list[tuple[FileResult, Finding]]]:
    """Flag the same file twice (SHA-256) and the same unit + project twice; the first one counts.

    A unit that sent its workbook and its Word report (the report written from the workbook, by hand
    or by xlperf's 生成自评报告): the workbook's projects count. When every project of the report
    repeats one of the unit's workbooks with the same amounts and totals, the report is listed in
    文件清单 as 已跳过 (it accompanies the workbook) and nothing is reported; when any differs, each
    repeated project is an XC002 that says what differs.

    Returns the files (duplicates: status 已跳过 or projects with ``duplicate_of``) and the findings
    about them, each with the file it belongs to."""
    by_hash: dict[str, FileResult] = {}
    by_project: dict[tuple[str, str], _Counted] = {}  # (unit, project) -> the one that counts
    out: dict[int, FileResult] = {}
    notes: list[tuple[FileResult, Finding]] = []
    # workbooks first: the workbook's projects count, the report's are the duplicates (whatever the
    # file names' order)
    for i in sorted(range(len(files)), key=lambda i: is_word(files[i].path)):
        f = files[i]
        if f.status != STATUS_OK:
            out[i] = f
            continue
        first = by_hash.get(f.sha256) if f.sha256 else None
        if first is not None:
            f = replace(
                f, status=STATUS_SKIPPED, reason=f"与“{first.display}”内容完全相同（重复报送），未重复汇总"
            )
            notes.append((f, _xc(XC_DUP_FILE, f, f.reason, first.display, f.display)))
            out[i] = f
            continue
        by_hash[f.sha256] = f
        unit_key = _key(f.unit) if f.unit else f"\0{f.path}"
        word = is_word(f.path)
        firsts = [by_project.get((unit_key, _key(p.name))) if p.name else None for p in f.projects]
        if (
            word
            and f.projects
            and all(
                x is not None and not x.in_word and not _differences(p, x.record)
                for p, x in zip(f.projects, firsts, strict=True)
            )
        ):
            books = "、".join(dict.fromkeys(f"“{x.file}”" for x in firsts if x is not None))
            out[i] = replace(
                f,
                status=STATUS_SKIPPED,
                reason=f"单位的 Word 报告，{len(f.projects)} 个项目与{books}中的相同，以工作簿为准，未重复汇总",
            )
            continue
        projects = []
        for p in f.projects:
            held = by_project.get((unit_key, _key(p.name))) if p.name else None  # (this file's too)
            if held is not None:
                p = replace(p, duplicate_of=held.where)
                differs = _differences(p, held.record)
                detail = (
                    f"单位“{_unit_name(f)}”的项目“{p.name}”已在“{p.duplicate_of}”中出现，未重复计入汇总"
                    + (f"；两处不一致：{differs}" if differs else "")
                )
                x = _xc(XC_DUP_PROJECT, f, detail, "每个项目只报送一次", p.duplicate_of, p.sheet, p.name)
                notes.append((f, x))
            elif p.name:
                by_project[(unit_key, _key(p.name))] = _Counted(f"{f.display}!{p.sheet}", p, f.display, word)
            projects.append(p)
        out[i] = replace(f, projects=tuple(projects))
    return [out[i] for i in range(len(files))], notes


_COMPARED = (("预算数", "budget"), ("执行数", "executed"), (TOTAL_REPORTED.name, "reported"),
             (TOTAL_RECOMPUTED.name, "recomputed"))  # fmt: skip


def _differences(p: ProjectRecord, first: ProjectRecord) -> str:
    """What differs between a repeated project and the one that counts ("预算数 2 / 2.5"), or ""."""
    out = []
    for label, attr in _COMPARED:
        a, b = getattr(p, attr), getattr(first, attr)
        if (a is None) != (b is None) or (a is not None and abs(a - b) > 1e-6):
            out.append(
                f"{label} {fmt_num(a) if a is not None else '（空）'} / {fmt_num(b) if b is not None else '（空）'}"
            )
    return "、".join(out)


def _mean(xs: list[float]) -> float | None:
    return sum(xs) / len(xs) if xs else None


def _weighted(pairs: list[tuple[float, float]]) -> float | None:
    w = sum(b for _, b in pairs)
    return sum(s * b for s, b in pairs) / w if w else None


def _grade_names(files: Sequence[FileResult]) -> tuple[str, ...]:
    names: list[str] = []
    for f in files:
        if f.status == STATUS_OK:
            names.extend(g for g in f.grades if g not in names)
    return tuple(names) or DEFAULT_GRADES


def _presets(ok: Sequence[FileResult]) -> tuple[dict[tuple, str], dict[str, int]]:
    """The distinct presets of the workbooks read, by their section weights (two presets with the same
    weights score alike): weights -> title, and title -> workbooks, most used first."""
    titles: dict[tuple, str] = {}
    count: Counter = Counter()
    for f in ok:
        titles.setdefault(f.weights, f.preset)
        count[titles[f.weights]] += 1
    return titles, dict(count.most_common())


def summary_title(year: str, issuer: str = "") -> str:
    """The summary's title: "长安区财政局2020年度项目支出绩效自评汇总表" (issuer and year when known)."""
    return f"{issuer.strip()}{f'{year}年度' if year else ''}项目支出绩效自评汇总表"


def consolidate(
    files: Sequence[FileResult],
    preset: str = "",
    seconds: float = 0.0,
    issuer: str = "",
    *,
    roster: Roster | None = None,
    history: History | None = None,
    decisions: Mapping[tuple, tuple[str, str]] | None = None,
) -> Consolidation:
    """Build the summary from file records (pure: no I/O). ``issuer``: the body consolidating, named
    in the titles. With a roster or what a ledger remembers, the summary starts with 报送情况
    (:mod:`xlperf.consolidate.desk`). ``decisions``: the reviewer's 处理 and 审核意见 of an earlier
    summary (:func:`xlperf.consolidate.review.decisions_of`), carried to the same findings."""
    desk_wanted, replaced = roster is not None or history is not None, {}
    if desk_wanted:
        files, replaced = D.supersede(D.adopt_units(files, roster), history)
    files, dup_notes = mark_duplicates(files)
    grades = _grade_names(files)
    ok = [f for f in files if f.status == STATUS_OK]
    titles, preset_count = _presets(ok)
    mixed = len(preset_count) > 1
    years = Counter(f.year.strip() for f in ok if f.year.strip())
    year = years.most_common(1)[0][0] if years else ""
    title = summary_title(year, issuer)

    # group counted projects by unit; order: 主管部门, 单位, then input order
    units: dict[str, dict[str, Any]] = {}
    for f in ok:
        u = units.setdefault(_key(_unit_name(f)), {"name": _unit_name(f), "dept": f.department, "items": []})
        u["dept"] = u["dept"] or f.department
        u["items"].extend((f, p) for p in f.projects)
    order = sorted(units.values(), key=lambda u: (u["dept"] == "", u["dept"], u["name"]))

    detail: list[list[Any]] = []
    for u in order:
        for f, p in u["items"]:
            short = preset_short(titles.get(f.weights, f.preset))
            detail.append(_detail_row(len(detail) + 1, u["dept"], u["name"], p, f.display, short))

    # 单位汇总 and 等级分布
    show_none = any(p.grade is None for u in order for _, p in u["items"] if not p.duplicate_of)
    grade_cols = (*grades, NO_GRADE) if show_none else grades
    unit_rows: list[list[Any]] = []
    grade_rows: list[list[Any]] = []
    all_counted: list[ProjectRecord] = []
    for u in order:
        counted = [p for _, p in u["items"] if not p.duplicate_of]
        all_counted.extend(counted)
        unit_rows.append([len(unit_rows) + 1, u["dept"], u["name"], *_unit_stats(counted, grades)])
        g = Counter(p.grade or NO_GRADE for p in counted)
        grade_rows.append(
            [
                len(grade_rows) + 1,
                u["dept"],
                u["name"],
                *(g[x] for x in grade_cols),
                len(counted),
                _good_rate(g, grades, len(counted)),
            ]
        )
    overall = Counter(p.grade or NO_GRADE for p in all_counted)
    units_label = f"{len(order)} 个单位"
    total_units = [TOTAL, "", units_label, *_unit_stats(all_counted, grades)]
    grade_total = [
        TOTAL,
        "",
        "全部单位",
        *(overall[x] for x in grade_cols),
        len(all_counted),
        _good_rate(overall, grades, len(all_counted)),
    ]
    mixed_notes = _mixed_notes(ok, titles, preset_count) if mixed else []
    blank_notes = [(f, _blank_note(f)) for f in files if f.blank]
    year_notes = _year_notes(ok, year, years[year]) if len(years) > 1 else []
    matched = D.match(roster, order) if roster is not None else None
    roster_notes = D.roster_notes(roster, matched) if roster is not None and matched is not None else []
    listed = _finding_notes(files, order, dup_notes, mixed_notes + year_notes + blank_notes + roster_notes)
    finding_rows = _finding_rows(listed)
    carried = _carry_decisions(finding_rows, decisions) if decisions else 0
    # one count everywhere: every total of findings (项目明细's and 文件清单's 合计 rows, 问题清单, the
    # terminal, the JSON) is the number of 问题清单 rows; each file's count is its rows there
    by_file = Counter((f.path, x.severity) for f, x in listed)
    n_errors, n_warnings, n_infos = (
        sum(1 for _, x in listed if x.severity == s) for s in ("error", "warning", "info")
    )
    on_rows = sum(p.errors + p.warnings + p.infos for u in order for _, p in u["items"])
    off_rows = len(listed) - on_rows  # findings about a file, not a project of 项目明细 (XC005, XC001 …)
    detail_total, detail_average = _detail_total(
        all_counted, units_label, mixed, (n_errors, n_warnings, n_infos)
    )
    findings_total = [
        TOTAL,
        None,
        None,
        None,
        None,
        None,
        f"错误 {n_errors} 条，警告 {n_warnings} 条，提示 {n_infos} 条",
        None,
        None,
        None,
        None,
        None,
    ]

    file_rows = []
    for f in files:
        n = len(f.projects) if f.status == STATUS_OK else (len(f.projects) or None)
        file_rows.append(
            [
                len(file_rows) + 1,
                f.display,
                f.status,
                f.reason,
                f.unit,
                n,
                f.counted_projects,
                by_file[(f.path, "error")],
                by_file[(f.path, "warning")],
                f.preset,
                f.size / 1024,
                f.sha256,
                shown_name(f.path),
            ]
        )
    status = Counter(f.status for f in files)
    files_total = [
        TOTAL,
        f"{len(files)} 个文件",
        None,
        "，".join(f"{s} {status[s]} 个" for s in (STATUS_OK, STATUS_SKIPPED, STATUS_UNREADABLE)),
        units_label,
        sum(r[5] or 0 for r in file_rows),
        sum(r[6] for r in file_rows),
        sum(r[7] for r in file_rows),
        sum(r[8] for r in file_rows),
        None,
        sum(f.size for f in files) / 1024,
        None,
        None,
    ]

    stats = Stats(
        files=len(files),
        files_ok=len(ok),
        files_skipped=status[STATUS_SKIPPED],
        files_unreadable=status[STATUS_UNREADABLE],
        duplicate_files=sum(1 for f, x in dup_notes if x.rule == XC_DUP_FILE[0]),
        duplicate_projects=sum(1 for f, x in dup_notes if x.rule == XC_DUP_PROJECT[0]),
        blank_files=len(blank_notes),
        units=len(order),
        projects=len(all_counted),
        budget=sum(p.budget or 0.0 for p in all_counted),
        executed=sum(p.executed or 0.0 for p in all_counted),
        mean_score=_mean([p.capped for p in all_counted if p.capped is not None]),
        weighted_score=_weighted(
            [(p.capped, p.budget) for p in all_counted if p.capped is not None and p.budget]
        ),
        grades={g: overall[g] for g in grade_cols},
        errors=n_errors,
        warnings=n_warnings,
        infos=n_infos,
        presets=preset_count,
        years=dict(years.most_common()),
    )
    presets_note = (
        "评分方案不一致（"
        + "、".join(f"{preset_short(t)} {n} 个文件" for t, n in preset_count.items())
        + "），分项得分按各自方案评定，不平均。"
        if mixed
        else (f"评分方案：{preset_short(next(iter(preset_count)))}。" if preset_count else "")
    )
    off_note = f"（含不属于单个项目的 {off_rows} 条）" if off_rows else ""
    counted_note = (
        f"金额单位：万元。{presets_note}差异 = {TOTAL_REPORTED.name} − {TOTAL_RECOMPUTED.name}；"
        f"{TOTAL_CAPPED.name}的每项得分不超过其分值，合计不超过 100，执行率偏低时不超过上限，等级按它评定。"
        f"合计行为金额合计和问题清单的全部条数{off_note}，平均行为平均分；“重复，未计入”的行不计入。"
    )
    hidden_detail = set()
    if not mixed:
        hidden_detail.add(PRESET_HEADER)
    if not any(p.duplicate_of for u in order for _, p in u["items"]):
        hidden_detail.add(NOTE_HEADER)
    unit_columns, grade_columns = _unit_columns(grades), _grade_columns(grade_cols)
    tables = {
        DETAIL_NAME: Table(
            DETAIL_NAME,
            f"{title}——{DETAIL_NAME}",
            DETAIL_COLUMNS,
            rounded(DETAIL_COLUMNS, detail),
            total=rounded(DETAIL_COLUMNS, [detail_total])[0],
            average=rounded(DETAIL_COLUMNS, [detail_average])[0],
            note=counted_note,
            hidden=frozenset(hidden_detail),
        ),
        UNITS_NAME: Table(
            UNITS_NAME,
            f"{title}——{UNITS_NAME}",
            unit_columns,
            rounded(unit_columns, unit_rows),
            total=rounded(unit_columns, [total_units])[0],
            note=f"金额单位：万元；平均分、最高分、最低分及等级按{TOTAL_CAPPED.name}计算",
        ),
        GRADES_NAME: Table(
            GRADES_NAME,
            f"{title}——{GRADES_NAME}",
            grade_columns,
            rounded(grade_columns, grade_rows),
            total=rounded(grade_columns, [grade_total])[0],
            note=f"等级按{TOTAL_CAPPED.name}评定；优良率 = (优 + 良) / 合计；图为全部单位",
        ),
        FINDINGS_NAME: Table(
            FINDINGS_NAME,
            f"{title}——{FINDINGS_NAME}",
            FINDING_COLUMNS,
            finding_rows,
            total=findings_total,
            note="XP 开头为自评表校验规则，XC 开头为汇总时发现的问题（重复、无法读取、评分方案不一致等）",
        ),
        FILES_NAME: Table(
            FILES_NAME,
            f"{title}——{FILES_NAME}",
            FILE_COLUMNS,
            rounded(FILE_COLUMNS, file_rows),
            total=rounded(FILE_COLUMNS, [files_total])[0],
            note="每个输入文件一行：已汇总 / 已跳过 / 无法读取，附原因；大小、SHA-256 校验值和完整路径在打印区域右侧",
        ),
    }
    desk = None
    if desk_wanted:
        headers = [c.header for c in FINDING_COLUMNS]
        desk = D.build_desk(files, order, finding_rows, headers, roster, matched, history, replaced)
        tables = {D.SUBMISSIONS_NAME: D.submission_table(desk, f"{title}——{D.SUBMISSIONS_NAME}"), **tables}
    return Consolidation(
        files, tables, stats, grades, preset, seconds, year, issuer.strip(), desk, carried=carried
    )


def _carry_decisions(rows: list[list[Any]], decisions: Mapping[tuple, tuple[str, str]]) -> int:
    """Fill 处理 and 审核意见 of the findings an earlier summary's reviewer decided; how many."""
    from xlperf.consolidate.review import decision_key

    h = {c.header: i for i, c in enumerate(FINDING_COLUMNS)}
    n = 0
    for row in rows:
        key = decision_key(*(row[h[k]] for k in ("单位", "项目", "位置", "规则", "应为", "实为")))
        got = decisions.get(key)
        if got is not None:
            row[h[DECISION_HEADER]], row[h[OPINION_HEADER]] = got
            n += 1
    return n


def _detail_total(
    ps: list[ProjectRecord], units_label: str, mixed: bool, findings: tuple[int, int, int]
) -> tuple[list[Any], list[Any]]:
    """项目明细's last two rows over the counted projects. 合计: amounts summed, the rate of the sums,
    the findings of the whole consolidation (``findings``: errors, warnings, infos, as 问题清单 counts
    them). 平均: the scores averaged (section scores only when every workbook used the same weights),
    in a row of their own so no average stands in a row called 合计."""
    budget = sum(p.budget or 0.0 for p in ps)
    executed = sum(p.executed or 0.0 for p in ps)

    def avg(xs) -> float | None:
        return _mean([x for x in xs if x is not None])

    sections = [None if mixed else avg(p.subtotals.get(k) for p in ps) for k, _ in SECTION_COLUMNS]
    n_sections = len(SECTION_COLUMNS)
    total = [
        TOTAL,
        "",
        units_label,
        f"{len(ps)} 个项目",
        budget,
        executed,
        executed / budget if budget else None,
        "",
        *([None] * n_sections),
        None,
        None,
        None,
        None,
        "",
        _alert_count(ps),
        findings[0],
        findings[1],
        "",
        findings[2],
        sum(p.arrived or 0.0 for p in ps),
        sum(p.fiscal or 0.0 for p in ps),
        "",
        "",
    ]
    average = [
        AVERAGE,
        "",
        "",
        "各项目平均分",
        None,
        None,
        None,
        "",
        *sections,
        avg(p.reported for p in ps),
        avg(p.recomputed for p in ps),
        None,
        avg(p.capped for p in ps),
        "",
        "",
        None,
        None,
        "",
        None,
        None,
        None,
        "",
        "",
    ]
    return total, average


def _alert_count(ps: list[ProjectRecord]) -> str:
    """项目明细's 合计 of 自评预警: how many projects have a warning ("3 项"), '' for none (报送情况 counts
    red and yellow per unit)."""
    n = sum(1 for p in ps if p.alert)
    return f"{n} 项" if n else ""


def _mixed_notes(
    ok: Sequence[FileResult], titles: dict[tuple, str], count: dict[str, int]
) -> list[tuple[FileResult, Finding]]:
    """XC005 on every workbook scored with other section weights than most workbooks."""
    main = next(iter(count))
    notes = []
    for f in ok:
        title = titles[f.weights]
        if title != main:
            detail = (
                f"本工作簿按“{title}”评分，多数工作簿（{count[main]} 个）按“{main}”评分，"
                "各一级指标的分值不同，分项得分不能直接比较"
            )
            notes.append((f, _xc(XC_MIXED_PRESETS, f, detail, main, title)))
    return notes


def _year_notes(ok: Sequence[FileResult], year: str, n: int) -> list[tuple[FileResult, Finding]]:
    """XC007 on every workbook whose 年度 is not that of most workbooks."""
    notes = []
    for f in ok:
        if f.year.strip() and f.year.strip() != year:
            detail = (
                f"本工作簿“单位信息”的年度为 {f.year.strip()}，多数工作簿（{n} 个）为 {year}，"
                f"已计入汇总；请核实是否报送了其他年度的自评表"
            )
            notes.append((f, _xc(XC_MIXED_YEARS, f, detail, year, f.year.strip(), L.UNIT_SHEET)))
    return notes


def _blank_note(f: FileResult) -> Finding:
    who = f"单位“{f.unit}”报送的" if f.unit else ""
    detail = f"{who}工作簿中的自评表均未填写（空白模板），未计入单位数和项目数"
    return _xc(XC_BLANK, f, detail, "填写完整的自评表", "空白自评表")


def _xc(
    rule: tuple[str, str, str],
    f: FileResult,
    detail: str,
    expected: str,
    found: str,
    sheet: str = "",
    project: str = "",
) -> Finding:
    """A consolidation finding (XC…), in the message pattern of the rule catalogue."""
    rid, name, sev = rule
    where = f"{f.display}!{sheet}" if sheet else f.display
    return Finding(rid, sev, sheet, None, project, expected, found, f"{where} {name}：{detail}")


def _explained(f: FileResult, x: Finding) -> str:
    """说明: the message without the location it starts with (位置 is its own column)."""
    text = explanation(x)
    for head in (f"{f.display}!{x.sheet} ", f"{f.display} "):
        if text.startswith(head):
            return text[len(head) :]
    return text


def _finding_notes(
    files: Sequence[FileResult],
    order: list[dict[str, Any]],
    dup_notes: list[tuple[FileResult, Finding]],
    more_notes: list[tuple[FileResult, Finding]],
) -> list[tuple[FileResult, Finding]]:
    """问题清单's findings, each with its file: consolidation findings first (unreadable, duplicates, no
    unit, presets, blank), then every file's findings in 项目明细 order."""
    notes: list[tuple[FileResult, Finding]] = []
    for f in files:
        if f.status == STATUS_UNREADABLE:
            notes.append((f, _xc(XC_UNREADABLE, f, f.reason, "可读取的 .xlsx 工作簿或 .docx 报告", f.reason)))
    notes.extend(dup_notes)
    for f in files:
        if f.status == STATUS_OK and not f.unit and f.path.lower().endswith(WORD_SUFFIXES):
            # a Word report: the unit comes from its title or the tables' 实施(主管)单位, not a sheet
            detail = f"报告的标题和自评表中都没有单位名称，已归入“{NO_UNIT}”"
            notes.append(
                (f, _xc(XC_NO_UNIT, f, detail, "在标题或“实施（主管）单位”中写明单位名称", "（空）"))
            )
        elif f.status == STATUS_OK and not f.unit:
            detail = f"“单位信息”表中没有单位名称，已归入“{NO_UNIT}”"
            notes.append((f, _xc(XC_NO_UNIT, f, detail, "填写单位名称", "（空）", L.UNIT_SHEET)))
    notes.extend(more_notes)
    for u in order:
        seen: set[int] = set()
        for f, _ in u["items"]:
            if id(f) not in seen:
                seen.add(id(f))
                notes.extend((f, x) for x in f.findings)
    return notes


def _finding_rows(notes: list[tuple[FileResult, Finding]]) -> list[list[Any]]:
    """问题清单's rows."""
    return [
        [
            i,
            _unit_name(f) if f.status == STATUS_OK or f.unit else "",
            x.project,
            x.where if x.rule.startswith("XP") else (f"{f.display}!{x.sheet}" if x.sheet else f.display),
            x.rule,
            SEVERITY_ZH.get(x.severity, x.severity),
            _explained(f, x),
            x.expected,
            x.found,
            "",
            "",
            f.display,
        ]
        for i, (f, x) in enumerate(notes, 1)
    ]


def _unit_stats(ps: list[ProjectRecord], grades: tuple[str, ...]) -> list[Any]:
    scores = [p.capped for p in ps if p.capped is not None]  # 核定总分
    budget = sum(p.budget or 0.0 for p in ps)
    executed = sum(p.executed or 0.0 for p in ps)
    g = Counter(p.grade for p in ps)
    return [
        len(ps),
        budget,
        executed,
        executed / budget if budget else None,
        _mean(scores),
        _weighted([(p.capped, p.budget) for p in ps if p.capped is not None and p.budget]),
        max(scores) if scores else None,
        min(scores) if scores else None,
        *(g[x] for x in grades),
        sum(1 for p in ps if p.errors),
    ]


def _good_rate(g: Counter, grades: tuple[str, ...], n: int) -> float | None:
    return (sum(g[x] for x in grades[:2]) / n) if n else None


def _unit_columns(grades: tuple[str, ...]) -> tuple[Column, ...]:
    return (
        Column("序号", "int", 5),
        Column(L.UNIT_DEPARTMENT, "text", 12, wrap=True),
        Column("单位", "text", 14, wrap=True),
        Column("项目数", "int", 6.5),
        Column("预算数合计（万元）", "amount", 11),
        Column("执行数合计（万元）", "amount", 11),
        Column("执行率", "rate", 8.5),
        Column("平均分", "score", 7),
        Column("预算加权平均分", "score", 8.5),
        Column("最高分", "score", 7),
        Column("最低分", "score", 7),
        *(Column(g, "int", 5) for g in grades),
        Column("有错误的项目数", "int", 8.5),
    )


def _grade_columns(grade_cols: tuple[str, ...]) -> tuple[Column, ...]:
    return (
        Column("序号", "int", 5),
        Column(L.UNIT_DEPARTMENT, "text", 13, wrap=True),
        Column("单位", "text", 13, wrap=True),
        *(Column(g, "int", 5) for g in grade_cols),
        Column(TOTAL, "int", 5.5),
        Column("优良率", "rate", 8.5),
    )


FINDING_COLUMNS = (
    Column("序号", "int", 6),
    Column("单位", "text", 13, wrap=True),
    Column("项目", "text", 15, wrap=True),
    Column("位置", "text", 12, wrap=True),
    Column("规则", "text", 6.5),
    Column("严重程度", "text", 5, wrap=True),
    Column("说明", "text", 42, wrap=True),
    Column("应为", "text", 12, wrap=True),
    Column("实为", "text", 12, wrap=True),
    Column(DECISION_HEADER, "text", 6, choices=DECISIONS),
    Column(OPINION_HEADER, "text", 12, wrap=True),
    Column("文件", "text", 36, printed=False),
)
FILE_COLUMNS = (
    Column("序号", "int", 5),
    Column("文件", "text", 26, wrap=True),
    Column("状态", "text", 8.5),
    Column("原因", "text", 30, wrap=True),
    Column("单位", "text", 13, wrap=True),
    Column("项目数", "int", 6.5),
    Column("计入汇总项目数", "int", 8.5),
    Column("错误", "int", 5),
    Column("警告", "int", 5),
    Column(PRESET_HEADER, "text", 14, wrap=True),
    Column("大小（KB）", "score", 9, printed=False),
    Column("SHA-256", "hash", 66, printed=False),
    Column("完整路径", "text", 50, printed=False),
)
