"""Consolidation (汇总): many units' workbooks into one summary, fast, complete, never losing a row.

Three steps, the middle one pure:

1. :func:`collect` walks the paths given (files and folders, recursively) and sorts every file found
   into a workbook to read or a file skipped with a reason (Excel lock files ``~$…``, temp files,
   other formats). Nothing is dropped without a line in 文件清单.
2. :func:`read_unit_file` reads and validates one workbook into plain, picklable records
   (:class:`FileResult`); :func:`consolidate_paths` runs it over every file, in a process pool when
   there are many. A file that cannot be read becomes a 无法读取 record with a Chinese reason.
3. :func:`consolidate` (pure, no I/O) flags duplicates (the same file twice by SHA-256; the same
   unit + project in two places) and builds the five tables of the summary: 项目明细, 单位汇总,
   等级分布, 问题清单, 文件清单, as :class:`Table` objects (plain rows; ``to_frame()`` for pandas).

Writing is :func:`xlperf.writers.summary.write_summary` (xlsx, csv folder or json), re-exported here.

For the Excel ribbon (choose a folder, consolidate, open the result)::

    from xlperf.consolidate import consolidate_paths, write_summary
    c = consolidate_paths([folder], progress=lambda done, total, name: ...)
    if c.ok:
        write_summary(c, folder_out / "绩效自评汇总.xlsx")

Scores: a project's 总分（复核） is Σ 自评得分 as written (what a reviewer re-adds); averages, highest,
lowest and the grade distribution use it, so a unit's own arithmetic error cannot move the summary.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import os
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from xlperf import labels as L
from xlperf.engine import Validation, validate
from xlperf.errors import ReadError
from xlperf.findings import SEVERITY_ZH, Finding, fmt_num, fmt_pct
from xlperf.presets import Preset

STATUS_OK = "已汇总"
STATUS_SKIPPED = "已跳过"
STATUS_UNREADABLE = "无法读取"

EXCEL_SUFFIXES = (".xlsx", ".xlsm")
OTHER_EXCEL_SUFFIXES = (".xls", ".xlsb", ".et", ".ods", ".csv", ".wps")
SUMMARY_KIND = "summary"  # value of "kind" in the _xlperf sheet of a summary this module wrote
NO_FORM = "工作簿中没有找到项目支出绩效自评表（不是本表样，或表头“一级指标”“预算数”等缺失）"
NO_UNIT = "（未填写单位名称）"
DEFAULT_GRADES = ("优", "良", "中", "差")
NO_GRADE = "未评级"
POOL_MIN_FILES = 8  # fewer files than this: read in-process (a pool costs more than it saves)

# consolidation findings (the rule catalogue XP001… checks one form; these check the set of files)
XC_DUP_FILE = ("XC001", "文件重复", "warning")
XC_DUP_PROJECT = ("XC002", "项目重复", "warning")
XC_UNREADABLE = ("XC003", "文件无法读取", "error")
XC_NO_UNIT = ("XC004", "单位名称未填", "warning")
CONSOLIDATION_RULES = (XC_DUP_FILE, XC_DUP_PROJECT, XC_UNREADABLE, XC_NO_UNIT)

ProgressFn = Callable[[int, int, str], None]


# --- records (plain data: cheap to send back from a worker process) ---------------------------------


@dataclass(frozen=True)
class ProjectRecord:
    """One project as the summary needs it."""

    sheet: str
    name: str
    budget: float | None  # B 预算数
    arrived: float | None  # D 到位数
    executed: float | None  # E 执行数
    fiscal: float | None  # 预算数其中：财政资金
    rate: float | None  # E / B
    subtotals: dict[str, float]  # section key -> Σ 自评得分
    reported: float | None  # 总分 as written
    recomputed: float | None  # Σ 自评得分
    grade: str | None  # of the recomputed total
    errors: int = 0
    warnings: int = 0
    infos: int = 0
    duplicate_of: str = ""  # "file!sheet" of the row this one repeats; such rows are not counted

    @property
    def difference(self) -> float | None:
        if self.reported is None or self.recomputed is None:
            return None
        return round(self.reported - self.recomputed, 6)


@dataclass(frozen=True)
class FileResult:
    """One input file: what was read from it, or why it was not."""

    path: str  # absolute
    display: str  # as shown in the summary (relative to the folder given)
    status: str  # STATUS_OK / STATUS_SKIPPED / STATUS_UNREADABLE
    reason: str = ""
    size: int = 0
    sha256: str = ""
    unit: str = ""
    department: str = ""
    year: str = ""
    preset: str = ""  # preset title used
    grades: tuple[str, ...] = DEFAULT_GRADES
    projects: tuple[ProjectRecord, ...] = ()
    findings: tuple[Finding, ...] = ()
    is_summary: bool = False  # a summary workbook xlperf wrote earlier (never a unit's input)

    @property
    def counted_projects(self) -> int:
        return sum(1 for p in self.projects if not p.duplicate_of) if self.status == STATUS_OK else 0


# --- step 1: collect ------------------------------------------------------------------------------


def skip_reason(name: str) -> str | None:
    """Why a file found in a folder is not a unit's workbook, or None when it should be read."""
    low = name.lower()
    if name.startswith("~$"):
        return "Excel 打开文件时生成的临时锁定文件（~$ 开头），不是报送文件"
    if name.startswith(".~lock.") or name.endswith("#"):
        return "WPS/LibreOffice 的临时锁定文件，不是报送文件"
    if name.startswith(".~xlperf-"):
        return "xlperf 写出文件时的临时文件"
    if name.startswith("._") or name in (".DS_Store", "Thumbs.db", "desktop.ini"):
        return "操作系统生成的附属文件"
    if low.endswith((".tmp", ".bak", ".wbk")) or name.startswith("~"):
        return "临时文件或备份文件"
    if low.endswith(EXCEL_SUFFIXES):
        return None
    if low.endswith(OTHER_EXCEL_SUFFIXES):
        return "不是 .xlsx/.xlsm 格式，请用 Excel 另存为 .xlsx 后重新报送"
    return "不是 Excel 工作簿（.xlsx/.xlsm）"


def collect(paths: Iterable[str | Path]) -> list[tuple[Path, str, FileResult | None]]:
    """Every file under ``paths``, in a stable order, as (path, display name, None) when it is to be read
    or (path, display name, a 已跳过/无法读取 record) when it is not.

    Folders are walked recursively (hidden folders such as ``.git`` excepted), sorted by path. The same
    file reached twice by its path is listed once.
    """
    out: list[tuple[Path, str, FileResult | None]] = []
    seen: set[Path] = set()

    def add(p: Path, display: str) -> None:
        key = p.resolve()
        if key in seen:
            return
        seen.add(key)
        reason = skip_reason(p.name)
        out.append(
            (
                p,
                display,
                None if reason is None else FileResult(str(key), display, STATUS_SKIPPED, reason, _size(p)),
            )
        )

    for raw in paths:
        root = Path(raw)
        if root.is_dir():
            found = []
            for folder, dirs, files in os.walk(root):
                dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d != "__MACOSX")
                found.extend(Path(folder) / f for f in files)
            for p in sorted(found, key=lambda x: str(x.relative_to(root))):
                add(p, str(Path(root.resolve().name) / p.relative_to(root)))
        elif root.exists():
            add(root, str(raw))
        else:
            key = root.resolve()
            if key not in seen:
                seen.add(key)
                out.append(
                    (root, str(raw), FileResult(str(key), str(raw), STATUS_UNREADABLE, f"文件不存在：{raw}"))
                )
    return out


def _size(p: Path) -> int:
    try:
        return p.stat().st_size
    except OSError:
        return 0


def sha256_of(path: str | Path) -> str:
    try:
        with open(path, "rb") as f:
            return hashlib.file_digest(f, "sha256").hexdigest()
    except OSError:
        return ""


# --- step 2: read one file (runs in a worker process) ---------------------------------------------


def project_records(v: Validation) -> tuple[ProjectRecord, ...]:
    """The summary's view of every project of a validated workbook (pure)."""
    per_sheet: dict[str, Counter] = defaultdict(Counter)
    for f in v.findings:
        per_sheet[f.sheet][f.severity] += 1
    out = []
    for pr in v.projects:
        p = pr.project
        c = per_sheet.get(p.sheet, Counter())
        out.append(
            ProjectRecord(
                sheet=p.sheet,
                name=p.name.text,
                budget=p.budget.total.number,
                arrived=p.arrived.total.number,
                executed=p.executed.total.number,
                fiscal=p.budget.fiscal.number,
                rate=pr.rate,
                subtotals=dict(pr.subtotals),
                reported=p.total.number,
                recomputed=pr.total_recomputed,
                grade=pr.grade,
                errors=c["error"],
                warnings=c["warning"],
                infos=c["info"],
            )
        )
    return tuple(out)


def _finding_records(v: Validation) -> tuple[Finding, ...]:
    return tuple(v.findings)


def read_unit_file(
    path: str | Path, display: str = "", preset: str | Path | Preset | None = None, engine: str = "calamine"
) -> FileResult:
    """Read, parse and validate one unit's workbook into a :class:`FileResult`. Never raises for a bad
    file: the reason goes into the record (status 无法读取)."""
    from xlperf.api import resolve_preset
    from xlperf.parser import parse_meta, parse_workbook
    from xlperf.sources import read_grids

    p = Path(path)
    base = FileResult(
        str(p.resolve()), display or str(path), STATUS_UNREADABLE, size=_size(p), sha256=sha256_of(p)
    )
    try:
        grids = read_grids(p, engine, skip=(L.SUMMARY_SHEET, L.RESULT_SHEET))  # derived sheets
        meta = parse_meta(next((g for g in grids if g.name == L.META_SHEET), None))
        if meta.get("kind") == SUMMARY_KIND:
            return replace(
                base,
                status=STATUS_SKIPPED,
                reason="xlperf 生成的汇总表，不是单位报送的工作簿",
                is_summary=True,
            )
        wb = parse_workbook(str(p), grids)
        if not wb.projects:
            raise ReadError(NO_FORM)
        pre = resolve_preset(wb, preset)
        v = validate(wb, pre)
    except ReadError as exc:
        return replace(base, reason=str(exc))
    except MemoryError:
        return replace(base, reason="文件过大，内存不足，无法读取")
    except Exception as exc:  # noqa: BLE001 - one bad file must never stop a consolidation
        return replace(base, reason=f"文件内容异常，无法读取（{type(exc).__name__}）")
    grades = tuple(g.name for g in sorted(pre.grades, key=lambda g: -g.min)) or DEFAULT_GRADES
    return replace(
        base,
        status=STATUS_OK,
        unit=wb.unit.name.strip(),
        department=wb.unit.department.strip(),
        year=wb.unit.year,
        preset=pre.title,
        grades=grades,
        projects=project_records(v),
        findings=_finding_records(v),
    )


def _read_star(args: tuple) -> FileResult:
    return read_unit_file(*args)


def default_jobs() -> int:
    return max(1, min(os.cpu_count() or 1, 4))


# Reading a workbook allocates tens of thousands of small objects (cells, values, findings), none in
# reference cycles; at Python's default thresholds the cyclic collector then runs hundreds of times
# per file for nothing (measured: 8 % of the time). Collect far less often while reading.
_GC_THRESHOLD = (50_000, 20, 20)


def _worker_init() -> None:
    gc.set_threshold(*_GC_THRESHOLD)


@contextlib.contextmanager
def _few_collections():
    old = gc.get_threshold()
    gc.set_threshold(*_GC_THRESHOLD)
    try:
        yield
    finally:
        gc.set_threshold(*old)


def read_files(
    items: Sequence[tuple[Path, str]],
    preset: str | Path | Preset | None = None,
    jobs: int | None = None,
    progress: ProgressFn | None = None,
    engine: str = "calamine",
) -> list[FileResult]:
    """:func:`read_unit_file` over every item, in input order; a process pool when ``jobs`` > 1 and
    there are enough files. A worker that dies takes only its own file with it."""
    jobs = default_jobs() if jobs is None else max(1, jobs)
    tasks = [(str(p), d, preset, engine) for p, d in items]
    total = len(tasks)
    out: list[FileResult] = []

    def done(r: FileResult) -> None:
        out.append(r)
        if progress is not None:
            progress(len(out), total, r.display)

    if jobs == 1 or total < POOL_MIN_FILES:
        with _few_collections():
            for t in tasks:
                done(_read_star(t))
        return out

    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    chunk = max(1, min(16, total // (jobs * 8)))
    try:
        with ProcessPoolExecutor(max_workers=jobs, initializer=_worker_init) as pool:
            for r in pool.map(_read_star, tasks, chunksize=chunk):
                done(r)
    except BrokenProcessPool:
        # a file crashed its worker (or the machine ran out of memory): retry the rest one by one, each
        # in its own process, so only the culprit is lost
        for t in tasks[len(out) :]:
            try:
                with ProcessPoolExecutor(max_workers=1) as solo:
                    done(solo.submit(_read_star, t).result())
            except BrokenProcessPool:
                done(
                    FileResult(
                        str(Path(t[0]).resolve()),
                        t[1],
                        STATUS_UNREADABLE,
                        "读取该文件时程序异常退出",
                        _size(Path(t[0])),
                        sha256_of(t[0]),
                    )
                )
    return out


# --- step 3: tables (pure) ------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """A column of a summary table. ``kind`` tells writers the format: text, int, amount (万元),
    rate (%), score, hash."""

    header: str
    kind: str = "text"
    width: float = 10


@dataclass
class Table:
    """One sheet of the summary: a name (the sheet name), a title, columns and plain rows."""

    name: str
    title: str
    columns: tuple[Column, ...]
    rows: list[list[Any]]
    total: list[Any] | None = None  # a 合计 row, in bold
    note: str = ""  # one line under the title
    total_first: bool = False  # the total row comes before the rows (等级分布: 全部单位 first)

    @property
    def headers(self) -> list[str]:
        return [c.header for c in self.columns]

    def all_rows(self, with_total: bool = True) -> list[list[Any]]:
        """The rows as shown: with the total row first or last."""
        if not with_total or self.total is None:
            return list(self.rows)
        return [self.total, *self.rows] if self.total_first else [*self.rows, self.total]

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

DETAIL_COLUMNS = (
    Column("序号", "int", 6),
    Column(L.UNIT_DEPARTMENT, "text", 14),
    Column("单位", "text", 18),
    Column(L.PROJECT_NAME, "text", 28),
    Column("预算数（万元）", "amount", 12),
    Column("到位数（万元）", "amount", 12),
    Column("执行数（万元）", "amount", 12),
    Column("其中：财政资金（万元）", "amount", 12),
    Column("执行率", "rate", 9),
    *(Column(h, "score", 10) for _, h in SECTION_COLUMNS),
    Column("总分（填报）", "score", 9),
    Column("总分（复核）", "score", 9),
    Column("差异", "score", 8),
    Column(L.GRADE, "text", 6),
    Column("错误", "int", 6),
    Column("警告", "int", 6),
    Column("提示", "int", 6),
    Column("备注", "text", 30),
    Column("来源文件", "text", 36),
    Column("工作表", "text", 10),
)


def _detail_row(i: int, dept: str, unit: str, p: ProjectRecord, file: str) -> list[Any]:
    note = f"重复：与“{p.duplicate_of}”相同，未计入汇总" if p.duplicate_of else ""
    return [
        i,
        dept,
        unit,
        p.name,
        p.budget,
        p.arrived,
        p.executed,
        p.fiscal,
        p.rate,
        *(p.subtotals.get(key) for key, _ in SECTION_COLUMNS),
        p.reported,
        p.recomputed,
        p.difference,
        p.grade or "",
        p.errors,
        p.warnings,
        p.infos,
        note,
        file,
        p.sheet,
    ]


def project_rows(v: Validation) -> list[list[Any]]:
    """The 项目汇总 table of one unit's own workbook: header plus one row per project, the same columns
    as the summary's 项目明细 (pure; the Excel macro writes it in one call)."""
    unit, dept = v.workbook.unit.name, v.workbook.unit.department
    rows: list[list[Any]] = [[c.header for c in DETAIL_COLUMNS]]
    file = Path(v.workbook.path).name
    for i, p in enumerate(project_records(v), 1):
        rows.append(_detail_row(i, dept, unit, p, file))
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

    @property
    def rate(self) -> float | None:
        return self.executed / self.budget if self.budget else None


@dataclass
class Consolidation:
    """The result of a consolidation: every file's record, the five tables and the headline numbers."""

    files: list[FileResult]
    tables: dict[str, Table]
    stats: Stats
    grades: tuple[str, ...]
    preset: str = ""  # the preset asked for ("" = each workbook's own)
    seconds: float = 0.0

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
            + (f"（其中重复文件 {s.duplicate_files} 个）" if s.duplicate_files else ""),
            f"单位 {s.units} 个，项目 {s.projects} 个"
            + (f"（另有重复项目 {s.duplicate_projects} 个，未计入）" if s.duplicate_projects else ""),
            f"预算数合计 {fmt_num(s.budget)} 万元，执行数合计 {fmt_num(s.executed)} 万元，执行率 {fmt_pct(s.rate)}",
            f"平均分 {fmt_num(s.mean_score, 1)}（按预算加权 {fmt_num(s.weighted_score, 1)}）；等级："
            + "，".join(f"{g} {n}" for g, n in s.grades.items()),
            f"问题：错误 {s.errors} 条，警告 {s.warnings} 条，提示 {s.infos} 条（详见“问题清单”）",
        ]
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
    return L.norm(text).casefold()


def mark_duplicates(
    files: Sequence[FileResult],
) -> tuple[list[FileResult], list[tuple[FileResult, Finding]]]:
    """Flag the same file twice (SHA-256) and the same unit + project twice; the first one counts.

    Returns the files (duplicates: status 已跳过 or projects with ``duplicate_of``) and the findings
    about them, each with the file it belongs to."""
    by_hash: dict[str, FileResult] = {}
    by_project: dict[tuple[str, str], str] = {}
    out: list[FileResult] = []
    notes: list[tuple[FileResult, Finding]] = []
    for f in files:
        if f.status != STATUS_OK:
            out.append(f)
            continue
        first = by_hash.get(f.sha256) if f.sha256 else None
        if first is not None:
            f = replace(
                f, status=STATUS_SKIPPED, reason=f"与“{first.display}”内容完全相同（重复报送），未重复汇总"
            )
            notes.append((f, _xc(XC_DUP_FILE, f, f.reason, first.display, f.display)))
            out.append(f)
            continue
        by_hash[f.sha256] = f
        unit_key = _key(f.unit) if f.unit else f"\0{f.path}"
        projects = []
        for p in f.projects:
            if p.name:
                k = (unit_key, _key(p.name))
                where = f"{f.display}!{p.sheet}"
                if k in by_project:
                    p = replace(p, duplicate_of=by_project[k])
                    detail = (
                        f"单位“{_unit_name(f)}”的项目“{p.name}”已在“{p.duplicate_of}”中出现，未重复计入汇总"
                    )
                    x = _xc(XC_DUP_PROJECT, f, detail, "每个项目只报送一次", p.duplicate_of, p.sheet, p.name)
                    notes.append((f, x))
                else:
                    by_project[k] = where
            projects.append(p)
        out.append(replace(f, projects=tuple(projects)))
    return out, notes


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


def consolidate(files: Sequence[FileResult], preset: str = "", seconds: float = 0.0) -> Consolidation:
    """Build the summary from file records (pure: no I/O)."""
    files, dup_notes = mark_duplicates(files)
    grades = _grade_names(files)
    ok = [f for f in files if f.status == STATUS_OK]

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
            detail.append(_detail_row(len(detail) + 1, u["dept"], u["name"], p, f.display))

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
                u["dept"],
                u["name"],
                *(g[x] for x in grade_cols),
                len(counted),
                _good_rate(g, grades, len(counted)),
            ]
        )
    overall = Counter(p.grade or NO_GRADE for p in all_counted)
    total_units = ["合计", "", f"{len(order)} 个单位", *_unit_stats(all_counted, grades)]
    grade_total = [
        "",
        "全部单位",
        *(overall[x] for x in grade_cols),
        len(all_counted),
        _good_rate(overall, grades, len(all_counted)),
    ]

    finding_rows = _finding_rows(files, order, dup_notes)
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
                sum(p.errors for p in f.projects),
                sum(p.warnings for p in f.projects),
                f.preset,
                round(f.size / 1024, 1),
                f.sha256,
            ]
        )

    stats = Stats(
        files=len(files),
        files_ok=len(ok),
        files_skipped=sum(1 for f in files if f.status == STATUS_SKIPPED),
        files_unreadable=sum(1 for f in files if f.status == STATUS_UNREADABLE),
        duplicate_files=sum(1 for f, x in dup_notes if x.rule == XC_DUP_FILE[0]),
        duplicate_projects=sum(1 for f, x in dup_notes if x.rule == XC_DUP_PROJECT[0]),
        units=len(order),
        projects=len(all_counted),
        budget=sum(p.budget or 0.0 for p in all_counted),
        executed=sum(p.executed or 0.0 for p in all_counted),
        mean_score=_mean([p.recomputed for p in all_counted if p.recomputed is not None]),
        weighted_score=_weighted(
            [(p.recomputed, p.budget) for p in all_counted if p.recomputed is not None and p.budget]
        ),
        grades={g: overall[g] for g in grade_cols},
        errors=sum(1 for r in finding_rows if r[6] == SEVERITY_ZH["error"]),
        warnings=sum(1 for r in finding_rows if r[6] == SEVERITY_ZH["warning"]),
        infos=sum(1 for r in finding_rows if r[6] == SEVERITY_ZH["info"]),
    )
    counted_note = "金额单位：万元；总分（复核）为各指标自评得分之和；标注“重复”的行未计入汇总"
    tables = {
        DETAIL_NAME: Table(
            DETAIL_NAME, "项目支出绩效自评汇总表——项目明细", DETAIL_COLUMNS, detail, note=counted_note
        ),
        UNITS_NAME: Table(
            UNITS_NAME,
            "项目支出绩效自评汇总表——单位汇总",
            _unit_columns(grades),
            unit_rows,
            total=total_units,
            note="金额单位：万元；平均分、最高分、最低分及等级按总分（复核）计算",
        ),
        GRADES_NAME: Table(
            GRADES_NAME,
            "项目支出绩效自评等级分布",
            _grade_columns(grade_cols),
            grade_rows,
            total=grade_total,
            note="第一行为全部单位合计；等级按总分（复核）评定；优良率 = (优 + 良) / 合计",
            total_first=True,
        ),
        FINDINGS_NAME: Table(
            FINDINGS_NAME,
            "问题清单",
            FINDING_COLUMNS,
            finding_rows,
            note="XP 开头为自评表校验规则，XC 开头为汇总时发现的问题（重复、无法读取等）",
        ),
        FILES_NAME: Table(
            FILES_NAME,
            "文件清单",
            FILE_COLUMNS,
            file_rows,
            note="每个输入文件一行：已汇总 / 已跳过 / 无法读取，附原因与 SHA-256 校验值",
        ),
    }
    return Consolidation(files, tables, stats, grades, preset, seconds)


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


def _finding_rows(
    files: Sequence[FileResult],
    order: list[dict[str, Any]],
    dup_notes: list[tuple[FileResult, Finding]],
) -> list[list[Any]]:
    """问题清单: consolidation findings first (unreadable, duplicates, no unit), then every file's
    findings in 项目明细 order."""
    notes: list[tuple[FileResult, Finding]] = []
    for f in files:
        if f.status == STATUS_UNREADABLE:
            notes.append((f, _xc(XC_UNREADABLE, f, f.reason, "可读取的 .xlsx 工作簿", f.reason)))
    notes.extend(dup_notes)
    for f in files:
        if f.status == STATUS_OK and not f.unit:
            detail = f"“单位信息”表中没有单位名称，已归入“{NO_UNIT}”"
            notes.append((f, _xc(XC_NO_UNIT, f, detail, "填写单位名称", "（空）", L.UNIT_SHEET)))
    for u in order:
        seen: set[int] = set()
        for f, _ in u["items"]:
            if id(f) not in seen:
                seen.add(id(f))
                notes.extend((f, x) for x in f.findings)
    return [
        [
            i,
            _unit_name(f) if f.status == STATUS_OK or f.unit else "",
            x.project,
            f.display,
            x.where,
            x.rule,
            SEVERITY_ZH.get(x.severity, x.severity),
            x.message,
            x.expected,
            x.found,
        ]
        for i, (f, x) in enumerate(notes, 1)
    ]


def _unit_stats(ps: list[ProjectRecord], grades: tuple[str, ...]) -> list[Any]:
    scores = [p.recomputed for p in ps if p.recomputed is not None]
    budget = sum(p.budget or 0.0 for p in ps)
    executed = sum(p.executed or 0.0 for p in ps)
    g = Counter(p.grade for p in ps)
    return [
        len(ps),
        budget,
        executed,
        executed / budget if budget else None,
        _mean(scores),
        _weighted([(p.recomputed, p.budget) for p in ps if p.recomputed is not None and p.budget]),
        max(scores) if scores else None,
        min(scores) if scores else None,
        *(g[x] for x in grades),
        sum(1 for p in ps if p.errors),
    ]


def _good_rate(g: Counter, grades: tuple[str, ...], n: int) -> float | None:
    return (sum(g[x] for x in grades[:2]) / n) if n else None


def _unit_columns(grades: tuple[str, ...]) -> tuple[Column, ...]:
    return (
        Column("序号", "int", 6),
        Column(L.UNIT_DEPARTMENT, "text", 14),
        Column("单位", "text", 20),
        Column("项目数", "int", 7),
        Column("预算数合计（万元）", "amount", 14),
        Column("执行数合计（万元）", "amount", 14),
        Column("执行率", "rate", 9),
        Column("平均分", "score", 8),
        Column("预算加权平均分", "score", 10),
        Column("最高分", "score", 8),
        Column("最低分", "score", 8),
        *(Column(g, "int", 6) for g in grades),
        Column("有错误的项目数", "int", 10),
    )


def _grade_columns(grade_cols: tuple[str, ...]) -> tuple[Column, ...]:
    return (
        Column(L.UNIT_DEPARTMENT, "text", 14),
        Column("单位", "text", 20),
        *(Column(g, "int", 7) for g in grade_cols),
        Column("合计", "int", 7),
        Column("优良率", "rate", 9),
    )


FINDING_COLUMNS = (
    Column("序号", "int", 7),
    Column("单位", "text", 18),
    Column("项目", "text", 24),
    Column("文件", "text", 30),
    Column("位置", "text", 12),
    Column("规则", "text", 7),
    Column("严重程度", "text", 8),
    Column("说明", "text", 60),
    Column("应为", "text", 16),
    Column("实为", "text", 16),
)
FILE_COLUMNS = (
    Column("序号", "int", 6),
    Column("文件", "text", 40),
    Column("状态", "text", 8),
    Column("原因", "text", 40),
    Column("单位", "text", 18),
    Column("项目数", "int", 7),
    Column("计入汇总项目数", "int", 9),
    Column("错误", "int", 6),
    Column("警告", "int", 6),
    Column("评分方案", "text", 20),
    Column("大小（KB）", "score", 9),
    Column("SHA-256", "hash", 66),
)


# --- the front door ---------------------------------------------------------------------------------


def consolidate_paths(
    paths: Iterable[str | Path],
    preset: str | Path | Preset | None = None,
    jobs: int | None = None,
    progress: ProgressFn | None = None,
    engine: str = "calamine",
) -> Consolidation:
    """Consolidate every unit workbook under ``paths`` (files or folders, searched recursively).

    Args:
        paths: files and folders; ``.xlsx``/``.xlsm`` are read, everything else is listed as skipped.
        preset: a preset name, TOML path or :class:`Preset` for every workbook; None: each workbook's
            own (its template marker or 单位信息), else ``national``.
        jobs: worker processes; None = min(cpu, 4); 1 = in this process.
        progress: called as ``progress(done, total, file_display)`` after each file.
        engine: "calamine" (fast, default) or "openpyxl".

    Returns:
        A :class:`Consolidation`; ``.ok`` is False when no workbook could be read. Never raises for a
        bad input file (an unknown preset raises :class:`xlperf.errors.PresetError`).
    """
    start = time.perf_counter()
    pre: Preset | None = None
    if preset is not None:
        from xlperf import presets

        pre = preset if isinstance(preset, Preset) else presets.load(preset)
    entries = collect(paths)
    results = iter(
        read_files([(p, d) for p, d, skip in entries if skip is None], pre, jobs, progress, engine)
    )
    files = [skip if skip is not None else next(results) for _, _, skip in entries]
    return consolidate(files, pre.title if pre else "", time.perf_counter() - start)


def write_summary(
    consolidation: Consolidation, out: str | Path, fmt: str | None = None, overwrite: bool = True
) -> Path:
    """Write the summary: xlsx (default for .xlsx), csv (a folder, one file per table) or json.
    See :func:`xlperf.writers.summary.write_summary`."""
    from xlperf.writers.summary import write_summary as _write

    return _write(consolidation, out, fmt, overwrite=overwrite)
