"""The reviewer's desk (pure, no I/O): who has submitted, and what a resubmission fixed.

Given the roster (:mod:`.roster`) and what the ledger remembers (:class:`History`, written and read by
:mod:`.ledger`), a consolidation gets a 报送情况 table, first in the summary: one row per roster unit with
its status (已报送 / 未报送 / 无法读取 / 已重报), its files, when it first and last submitted, how often,
its projects, errors, warnings and 自评预警, and against its previous submission how many problems it
fixed (问题已改正) and how many are new (新出现); units that sent files but are not on the roster follow
as 名单外. The same facts, as :class:`Desk`, give the terminal's and the JSON's lines.

With a ledger, a unit's later workbook takes the place of an earlier one still in the folder
(:func:`supersede`): the earlier file is listed in 文件清单 as replaced, and only the later is counted.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from xlperf.consolidate.records import (
    NO_UNIT,
    STATUS_OK,
    STATUS_SKIPPED,
    STATUS_UNREADABLE,
    XC_ROSTER,
    FileResult,
    is_word,
)
from xlperf.consolidate.roster import Roster, RosterMatch, UnitName, match_file_name, match_roster
from xlperf.core.findings import Finding
from xlperf.core.names import name_key
from xlperf.core.rules import BY_ID

SUBMISSIONS_NAME = "报送情况"
STATUS_SUBMITTED = "已报送"
STATUS_MISSING = "未报送"
STATUS_UNREADABLE_UNIT = "无法读取"
STATUS_RESUBMITTED = "已重报"
STATUS_OUTSIDE = "名单外"
SHOWN_NAMES = 10  # names listed in a headline before "等"


# --- what the ledger remembers ---------------------------------------------------------------------

Problem = tuple[str, str, str]  # (rule, project key, cell): a finding as two submissions share it


def problem_key(rule: str, project: str, cell: str | None) -> Problem:
    return (rule, name_key(project), cell or "")


def problem_keys(findings: Iterable[Finding]) -> frozenset[Problem]:
    """The errors and warnings of a file as comparable keys (a corrected cell is the same cell)."""
    return frozenset(
        problem_key(f.rule, f.project, f.cell) for f in findings if f.severity in ("error", "warning")
    )


@dataclass(frozen=True)
class Submission:
    """One readable file of a unit, as the ledger first saw it."""

    sha256: str
    unit: str
    display: str
    first_seen: str  # "2021-03-08 09:00:00", local time
    run: int
    problems: frozenset[Problem] = frozenset()
    checked_with: str = ""  # xlperf version and preset the findings were made with

    @property
    def order(self) -> tuple[str, int]:
        return (self.first_seen, self.run)


@dataclass(frozen=True)
class History:
    """What the ledger knows for this run: its number and time, when each file of the run was first
    seen, and every readable submission of the units concerned (oldest first)."""

    ledger: str  # the ledger file as named
    run: int
    now: str
    runs: int  # runs recorded, this one included
    seen: dict[str, tuple[str, int]] = field(default_factory=dict)  # sha256 -> (first seen, first run)
    units: dict[str, tuple[Submission, ...]] = field(default_factory=dict)  # unit key -> submissions
    checked_with: str = ""

    def submissions(self, keys: Iterable[str]) -> list[Submission]:
        out: dict[str, Submission] = {}
        for k in keys:
            for s in self.units.get(k, ()):
                out.setdefault(s.sha256, s)
        return sorted(out.values(), key=lambda s: s.order)


def _shown_time(text: str) -> str:
    return text[:16]


def _mtime_text(mtime: float) -> str:
    return dt.datetime.fromtimestamp(mtime).strftime("%Y-%m-%d %H:%M") if mtime > 0 else ""


# --- before the tables: later workbooks replace earlier ones; units of unreadable files -------------


def supersede(
    files: Sequence[FileResult], history: History | None
) -> tuple[list[FileResult], dict[str, str]]:
    """With a ledger: of a unit's workbooks read in this run, the one first seen last counts; an earlier
    one whose projects it all repeats becomes 已跳过 ("replaced by"). Ties (both first seen in this run)
    go by the files' modification times. Returns the files and {replaced display: replacing display}."""
    if history is None:
        return list(files), {}
    groups: dict[str, list[int]] = {}
    for i, f in enumerate(files):
        if f.status == STATUS_OK and f.unit and not is_word(f.path):
            groups.setdefault(name_key(f.unit), []).append(i)
    out = list(files)
    replaced: dict[str, str] = {}
    for idx in groups.values():
        if len(idx) < 2:
            continue

        def order(i: int) -> tuple:
            seen = history.seen.get(files[i].sha256, (history.now, history.run))
            return (seen, files[i].mtime, files[i].display)

        idx.sort(key=order)
        newest = files[idx[-1]]
        names = {name_key(p.name) for p in newest.projects}
        for i in idx[:-1]:
            f = files[i]
            if f.sha256 == newest.sha256 or not {name_key(p.name) for p in f.projects} <= names:
                continue  # the same file (XC001 says so), or projects the later file does not repeat
            first = _shown_time(order(i)[0][0])
            later = _shown_time(order(idx[-1])[0][0])
            out[i] = replace(
                f,
                status=STATUS_SKIPPED,
                reason=f"已被本单位后来报送的“{newest.display}”替代（台账：本文件首次报送于 {first}，后者于 {later}），未汇总",
            )
            replaced[f.display] = newest.display
    return out, replaced


def adopt_units(files: Sequence[FileResult], roster: Roster | None) -> list[FileResult]:
    """An unreadable file's unit, from its file name where it names one roster unit (its XC003 is then
    that unit's, in 问题清单 and its 退回意见)."""
    if roster is None:
        return list(files)
    out = []
    for f in files:
        if f.status == STATUS_UNREADABLE and not f.unit:
            e = match_file_name(roster, f.display)
            if e is not None:
                f = replace(f, unit=e.name)
        out.append(f)
    return out


def roster_notes(roster: Roster, match: RosterMatch) -> list[tuple[FileResult, Finding]]:
    """The roster's own problems as XC008 findings of the roster file (问题清单; no unit's letter)."""
    file = FileResult(roster.source, roster.source, "")
    rid, name, sev = XC_ROSTER
    out = []
    for p in (*roster.problems, *match.problems):
        msg = f"{roster.source}!{p.where} {name}：{p.detail}"
        out.append((file, Finding(rid, sev, p.where, None, "", "名单中每个单位一行、名称唯一", p.found, msg)))
    return out


# --- the 报送情况 table ----------------------------------------------------------------------------


@dataclass
class UnitStatus:
    """One row of 报送情况."""

    name: str
    department: str = ""
    code: str = ""
    status: str = STATUS_MISSING
    files: list[str] = field(default_factory=list)
    first: str = ""
    last: str = ""
    times: int | None = None
    projects: int | None = None
    errors: int | None = None
    warnings: int | None = None
    red: int | None = None
    yellow: int | None = None
    fixed: int | None = None
    new: int | None = None
    notes: list[str] = field(default_factory=list)


@dataclass
class Desk:
    """The 报送情况 facts a run's headline says (terminal and JSON alike)."""

    roster: str = ""  # the roster file ('' without one)
    expected: int = 0
    rows: list[UnitStatus] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # the roster's own problems
    ledger: str = ""
    run: int = 0
    runs: int = 0

    def named(self, *statuses: str) -> list[str]:
        return [r.name for r in self.rows if r.status in statuses]

    @property
    def submitted(self) -> list[str]:
        return self.named(STATUS_SUBMITTED, STATUS_RESUBMITTED)

    def lines(self) -> list[str]:
        out = []
        if self.roster:
            line = f"应报 {self.expected} 个单位：已报送 {len(self.submitted)}"
            re_ = self.named(STATUS_RESUBMITTED)
            if re_:
                line += f"（其中重报 {len(re_)}）"
            line += f"，未报送 {len(self.named(STATUS_MISSING))}{_names(self.named(STATUS_MISSING))}"
            bad = self.named(STATUS_UNREADABLE_UNIT)
            if bad:
                line += f"，无法读取 {len(bad)}{_names(bad)}"
            outside = self.named(STATUS_OUTSIDE)
            if outside:
                line += f"；名单外 {len(outside)} 个单位{_names(outside)}"
            out.append(line)
        else:
            re_ = self.named(STATUS_RESUBMITTED)
            out.append(
                f"报送单位 {len(self.submitted)} 个：首次报送 {len(self.named(STATUS_SUBMITTED))}，重报 {len(re_)}{_names(re_)}"
            )
        fixed = sum(r.fixed or 0 for r in self.rows)
        new = sum(r.new or 0 for r in self.rows)
        if self.named(STATUS_RESUBMITTED):
            out.append(f"重报单位较上次报送：问题已改正 {fixed} 条，新出现 {new} 条（详见“报送情况”）")
        if self.problems:
            out.append(f"名单有 {len(self.problems)} 处问题（详见“问题清单” XC008）：{self.problems[0]}"
                       + ("……" if len(self.problems) > 1 else ""))  # fmt: skip
        if self.ledger:
            out.append(f"台账：{self.ledger}，第 {self.run} 次汇总（共 {self.runs} 次）")
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "roster": self.roster or None,
            "expected": self.expected if self.roster else None,
            "submitted": self.submitted,
            "resubmitted": self.named(STATUS_RESUBMITTED),
            "missing": self.named(STATUS_MISSING),
            "unreadable": self.named(STATUS_UNREADABLE_UNIT),
            "outside": self.named(STATUS_OUTSIDE),
            "fixed": sum(r.fixed or 0 for r in self.rows),
            "new": sum(r.new or 0 for r in self.rows),
            "roster_problems": list(self.problems),
            "ledger": self.ledger or None,
            "run": self.run or None,
            "lines": self.lines(),
        }


def _names(names: list[str]) -> str:
    if not names:
        return ""
    shown = "、".join(names[:SHOWN_NAMES])
    return f"（{shown}{'等' if len(names) > SHOWN_NAMES else ''}）"


def build_desk(
    files: Sequence[FileResult],
    units: Sequence[dict[str, Any]],
    finding_rows: Sequence[Sequence[Any]],
    finding_headers: Sequence[str],
    roster: Roster | None,
    match: RosterMatch | None,
    history: History | None,
    replaced: dict[str, str],
) -> Desk:
    """The 报送情况 facts of a consolidation. ``units`` are the consolidation's units ({"name", "dept",
    "items": [(file, project)]}, as 单位汇总 groups them); ``finding_rows`` are 问题清单's rows (a unit's
    errors and warnings are its files' rows there)."""
    sev_col, file_col = finding_headers.index("严重程度"), finding_headers.index("文件")
    per_file: dict[str, Counter] = {}
    for r in finding_rows:
        per_file.setdefault(r[file_col], Counter())[r[sev_col]] += 1

    by_name = {u["name"]: u for u in units}
    desk = Desk(roster=roster.source if roster else "", expected=len(roster.entries) if roster else 0)
    if history is not None:
        desk.ledger, desk.run, desk.runs = history.ledger, history.run, history.runs
    if roster is not None and match is not None:
        desk.problems = [p.detail for p in (*roster.problems, *match.problems)]
    rows: list[tuple[UnitStatus, list[str], list[FileResult]]] = []  # status, unit names, other files
    if roster is not None and match is not None:
        loose = _loose_files(files, roster)
        for e in roster.entries:
            names = match.units.get(e.row, [])
            rows.append((UnitStatus(e.name, e.department, e.code), names, loose.get(e.row, [])))
        for n in match.outside:
            u = by_name[n]
            rows.append((UnitStatus(n, u["dept"], status=STATUS_OUTSIDE), [n], []))
    else:
        for u in units:
            if u["name"] != NO_UNIT:
                rows.append((UnitStatus(u["name"], u["dept"]), [u["name"]], []))
    for st, names, others in rows:
        _fill(st, [by_name[n] for n in names if n in by_name], others, per_file, history, replaced)
        if len(names) > 1:
            st.notes.insert(0, "汇总中写作" + "、".join(f"“{n}”" for n in names))
        desk.rows.append(st)
    return desk


def _loose_files(files: Sequence[FileResult], roster: Roster) -> dict[int, list[FileResult]]:
    """Files that belong to a roster unit without being among its counted workbooks: unreadable ones
    (by their adopted unit or file name), workbooks with no 单位名称 (by file name), blank templates."""
    out: dict[int, list[FileResult]] = {}
    by_key = {e.key: e for e in roster.entries}
    for f in files:
        e = None
        if f.status == STATUS_UNREADABLE:
            e = by_key.get(name_key(f.unit)) if f.unit else match_file_name(roster, f.display)
        elif f.status == STATUS_OK and not f.unit:
            e = match_file_name(roster, f.display)
        elif f.blank:
            e = by_key.get(name_key(f.unit)) if f.unit else match_file_name(roster, f.display)
        if e is not None:
            out.setdefault(e.row, []).append(f)
    return out


def _fill(
    st: UnitStatus,
    units: list[dict[str, Any]],
    others: list[FileResult],
    per_file: dict[str, Counter],
    history: History | None,
    replaced: dict[str, str],
) -> None:
    current: list[FileResult] = []
    for u in units:
        for f, _p in u["items"]:
            if f not in current:
                current.append(f)
        st.department = st.department or u["dept"]
    nameless = [f for f in others if f.status == STATUS_OK]
    current += nameless
    if nameless:
        st.notes.append("工作簿未填单位名称，按文件名对应：" + "、".join(f"“{f.display}”" for f in nameless))
    unreadable = [f for f in others if f.status == STATUS_UNREADABLE]
    blank = [f for f in others if f.blank]
    counted = [(f, p) for f in current for p in f.projects if not p.duplicate_of]
    st.files = [f.display for f in current] + [f.display for f in unreadable]
    for old, new in replaced.items():
        if new in st.files:
            st.notes.append(f"“{old}”已被“{new}”替代")
    outside = st.status == STATUS_OUTSIDE
    if current:
        st.status = STATUS_OUTSIDE if outside else STATUS_SUBMITTED
        st.projects = len(counted)
        st.errors = sum(per_file.get(f.display, Counter())["错误"] for f in current)
        st.warnings = sum(per_file.get(f.display, Counter())["警告"] for f in current)
        st.red = sum(1 for _, p in counted if "红色" in p.alert)
        st.yellow = sum(1 for _, p in counted if "黄色" in p.alert)
    elif unreadable:
        st.status = STATUS_UNREADABLE_UNIT
    if unreadable:
        st.notes.append("无法读取：" + "；".join(f"“{f.display}”{f.reason}" for f in unreadable))
    if blank:
        st.notes.append("报送的工作簿为空白模板：" + "、".join(f"“{f.display}”" for f in blank))
    if history is None:
        times = sorted(_mtime_text(f.mtime) for f in current if f.mtime)
        if times:
            st.first, st.last = times[0], times[-1]
        st.times = len({f.sha256 for f in current}) if current else None
        return
    keys = {name_key(f.unit) for f in current if f.unit} | {name_key(st.name)}
    subs = history.submissions(keys)
    if not subs:
        return
    shas = {f.sha256 for f in current}
    cur = [s for s in subs if s.sha256 in shas]
    st.first = _shown_time(subs[0].first_seen)
    st.last = _shown_time(max(s.first_seen for s in (cur or subs)))
    st.times = len(subs)
    if not current:
        last = subs[-1]
        st.notes.append(
            f"本次汇总的文件中没有该单位的工作簿；台账记录其最近一次报送为 {_shown_time(last.first_seen)}“{last.display}”"
        )
        return
    if not cur:
        return
    start = min(s.order for s in cur)
    before = [s for s in subs if s.sha256 not in shas and s.order < start]
    if not before:
        return
    prev = before[-1]
    if not outside:
        st.status = STATUS_RESUBMITTED
    now = frozenset().union(*(s.problems for s in cur))
    fixed, new = prev.problems - now, now - prev.problems
    st.fixed, st.new = len(fixed), len(new)
    text = f"较上次报送（{_shown_time(prev.first_seen)}“{prev.display}”）：已改正 {len(fixed)} 条{_by_rule(fixed)}，新出现 {len(new)} 条{_by_rule(new)}"
    if any(s.checked_with != prev.checked_with for s in cur):
        text += "（两次的校验条件不同，比较仅供参考）"
    st.notes.insert(0, text)


def _by_rule(problems: Iterable[Problem]) -> str:
    c = Counter(p[0] for p in problems)
    if not c:
        return ""
    parts = [f"{BY_ID[r].name if r in BY_ID else r} {n} 条" for r, n in sorted(c.items())]
    return "（" + "、".join(parts) + "）"


def unit_names(units: Sequence[dict[str, Any]]) -> list[UnitName]:
    """The consolidation's units as the roster matches them (codes from their workbooks)."""
    codes: dict[str, set[str]] = {}
    for u in units:
        for f, _ in u["items"]:
            if f.unit_code:
                codes.setdefault(u["name"], set()).add(f.unit_code)
    return [UnitName(u["name"], frozenset(codes.get(u["name"], ()))) for u in units if u["name"] != NO_UNIT]


def match(roster: Roster, units: Sequence[dict[str, Any]]) -> RosterMatch:
    """Which of the consolidation's units each roster entry is (:func:`~.roster.match_roster`)."""
    return match_roster(roster, unit_names(units))


def submission_columns() -> tuple:
    from xlperf.consolidate.tables import Column

    return (
        Column("序号", "int", 4.5),
        Column("主管部门", "text", 9, wrap=True),
        Column("单位", "text", 13, wrap=True),
        Column("状态", "text", 6),
        Column("文件", "text", 16, wrap=True),
        Column("首次报送", "text", 10.5, wrap=True),
        Column("最近报送", "text", 10.5, wrap=True),
        Column("报送次数", "int", 4.5),  # narrow headers break between their words: 报送/次数
        Column("项目数", "int", 5),
        Column("错误", "int", 4.5),
        Column("警告", "int", 4.5),
        Column("红色预警", "int", 4.5),
        Column("黄色预警", "int", 4.5),
        Column("问题已改正", "int", 6),
        Column("新出现", "int", 6),
        Column("说明", "text", 28, wrap=True),
        Column("单位编码", "text", 14, printed=False),
    )


def submission_table(desk: Desk, title: str = "项目支出绩效自评报送情况"):
    """报送情况 as a summary table (a :class:`~xlperf.consolidate.tables.Table`) under ``title`` (the
    summary's, with the year and the issuer, as its other sheets)."""
    from xlperf.consolidate.tables import TOTAL, Table

    cols = submission_columns()
    rows = []
    for i, r in enumerate(desk.rows, 1):
        rows.append([
            i, r.department, r.name, r.status, "\n".join(r.files), r.first, r.last, r.times, r.projects,
            r.errors, r.warnings, r.red, r.yellow, r.fixed, r.new, "；".join(r.notes), r.code,
        ])  # fmt: skip
    status = Counter(r.status for r in desk.rows)
    order = (STATUS_SUBMITTED, STATUS_RESUBMITTED, STATUS_MISSING, STATUS_UNREADABLE_UNIT, STATUS_OUTSIDE)

    def total(attr: str) -> int:
        return sum(getattr(r, attr) or 0 for r in desk.rows)

    on_roster = sum(1 for r in desk.rows if r.status != STATUS_OUTSIDE)
    totals = [
        TOTAL, "", f"{on_roster} 个单位" if desk.roster else f"{len(desk.rows)} 个单位",
        "", "", "", "", total("times"), total("projects"), total("errors"), total("warnings"), total("red"),
        total("yellow"), total("fixed"), total("new"), "，".join(f"{s} {status[s]}" for s in order if status[s]), "",
    ]  # fmt: skip
    head = "".join(line + "。" for line in desk.lines()[:1])
    note = (
        f"{head}状态：已报送（本次汇总中有可读取的工作簿）、已重报（台账中有本单位较早报送的其他文件）、未报送、"
        "无法读取、名单外（报送了文件但不在名单中）。问题已改正、新出现：错误和警告与本单位上次报送相比。"
        + (
            "报送时间为台账首次见到该文件的时间。"
            if desk.ledger
            else "未使用台账：报送时间为文件的修改时间，不区分重报。"
        )
    )
    return Table(
        SUBMISSIONS_NAME,
        title,
        cols,
        rows,
        total=totals,
        note=note,
        hidden=frozenset() if any(r.code for r in desk.rows) else frozenset({"单位编码"}),
    )
