"""The plain records a consolidation is made of: one :class:`FileResult` per input file, one
:class:`ProjectRecord` per project (picklable: they come back from worker processes), and the
consolidation's own finding rules XC001–XC004."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from xlperf.core.engine import Validation
from xlperf.core.findings import Finding
from xlperf.core.labels import readable_name
from xlperf.core.parser import NO_FORM  # noqa: F401 - re-exported: the reason for a file with no form
from xlperf.core.rules import alerts

STATUS_OK = "已汇总"
STATUS_SKIPPED = "已跳过"
STATUS_UNREADABLE = "无法读取"

EXCEL_SUFFIXES = (".xlsx", ".xlsm")
OTHER_EXCEL_SUFFIXES = (".xls", ".xlsb", ".et", ".ods", ".csv")
# Word reports (as xlperf.sources.gate.WORD_SUFFIXES: this module stays free of the sources)
WORD_SUFFIXES = (".docx", ".docm", ".doc", ".wps", ".odt")
SUMMARY_KIND = "summary"  # value of "kind" in the _xlperf sheet of a summary this module wrote
NO_UNIT = "（未填写单位名称）"
DEFAULT_GRADES = ("优", "良", "中", "差")
NO_GRADE = "未评级"
POOL_MIN_FILES = 8  # fewer files than this: read in-process (a pool costs more than it saves)

# consolidation findings (the rule catalogue XP001… checks one form; these check the set of files)
XC_DUP_FILE = ("XC001", "文件重复", "warning")
XC_DUP_PROJECT = ("XC002", "项目重复", "warning")
XC_UNREADABLE = ("XC003", "文件无法读取", "error")
XC_NO_UNIT = ("XC004", "单位名称未填", "warning")
XC_MIXED_PRESETS = ("XC005", "评分方案不一致", "warning")
XC_BLANK = ("XC006", "空白工作簿", "warning")
XC_MIXED_YEARS = ("XC007", "年度不一致", "warning")
XC_ROSTER = ("XC008", "名单有误", "info")  # the roster's own problems (consolidate --roster)
CONSOLIDATION_RULES = (
    XC_DUP_FILE, XC_DUP_PROJECT, XC_UNREADABLE, XC_NO_UNIT, XC_MIXED_PRESETS, XC_BLANK, XC_MIXED_YEARS, XC_ROSTER,
)  # fmt: skip

ProgressFn = Callable[[int, int, str], None]


def is_word(path: str) -> bool:
    """A Word report (by its name), not a workbook."""
    return path.lower().endswith(WORD_SUFFIXES)


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
    reported: float | None  # 填报总分: 总分 as written
    recomputed: float | None  # 复核总分: Σ 自评得分
    grade: str | None  # of the capped total (核定总分)
    errors: int = 0
    warnings: int = 0
    infos: int = 0
    duplicate_of: str = ""  # "file!sheet" of the row this one repeats; such rows are not counted
    capped: float | None = None  # 核定总分: 复核总分, capped by the execution rate where a cap applies
    alert: str = ""  # 自评预警 (XP023): "红色", "黄色", "红色、黄色" or ""

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
    weights: tuple[tuple[str, float], ...] = ()  # the preset's section weights (section key, points)
    grades: tuple[str, ...] = DEFAULT_GRADES
    projects: tuple[ProjectRecord, ...] = ()
    findings: tuple[Finding, ...] = ()
    is_summary: bool = False  # a summary workbook xlperf wrote earlier (never a unit's input)
    blank: bool = False  # a workbook whose 自评表 are all blank (a template sent back unfilled)
    unit_code: str = ""  # the unit's 一体化 code where its name was written with one ("219001-…")
    mtime: float = 0.0  # the file's modification time (seconds since the epoch)

    @property
    def counted_projects(self) -> int:
        return sum(1 for p in self.projects if not p.duplicate_of) if self.status == STATUS_OK else 0


# --- step 1: collect ------------------------------------------------------------------------------

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
        levels = [a.level.removesuffix("预警") for a in alerts(pr, v.preset)]
        out.append(
            ProjectRecord(
                sheet=p.sheet,
                name=readable_name(p.name.text) if p.name.text else "",  # an 一体化 code after the name
                budget=p.budget.total.number,
                arrived=p.arrived.total.number,
                executed=p.executed.total.number,
                fiscal=p.budget.fiscal.number,
                rate=pr.rate,
                subtotals=dict(pr.subtotals),
                reported=p.total.number,
                recomputed=pr.total_recomputed,
                capped=pr.total_capped,
                grade=pr.grade,
                errors=c["error"],
                warnings=c["warning"],
                infos=c["info"],
                alert="、".join(levels),
            )
        )
    return tuple(out)
