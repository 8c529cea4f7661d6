"""The roster (名单) of units that must report, and which consolidated unit each entry is (pure).

A roster is a table (xlsx or csv: :func:`xlperf.sources.tables.read_table`) with a 单位名称 column and,
optionally, 主管部门 and 单位编码. A roster name and a workbook's unit are the same unit when their
:func:`~xlperf.core.names.name_key` agree (full/half width, spaces, brackets, a code like "219001-" in
front), or when both carry the same 一体化 code. Problems in the roster — a blank name, the same unit
twice, one entry matching two differently written units — are listed (:attr:`Roster.problems`,
:class:`RosterMatch`), never fatal.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

from xlperf.core.grid import Grid, column_letter
from xlperf.core.labels import split_code
from xlperf.core.names import name_key
from xlperf.core.values import display

NAME_HEADERS = ("单位名称", "预算单位名称", "预算单位", "单位全称", "单位")
DEPARTMENT_HEADERS = ("主管部门", "主管部门名称", "部门")
CODE_HEADERS = ("单位编码", "单位代码", "预算单位编码", "预算单位代码", "编码")
HEADER_ROWS = 20
# above the header, the body that consolidates: "发文单位" with the name in the next cell to its right,
# or "发文单位：长安区财政局" in one cell (the summary's titles; the CLI's --issuer when not given)
ISSUER_LABELS = ("发文单位", "汇总单位")


@dataclass(frozen=True)
class RosterEntry:
    """One unit on the roster."""

    row: int  # 1-based row of the roster file
    name: str  # as written, without a code in front
    code: str  # 单位编码, or the code written before the name
    department: str = ""
    where: str = ""  # its name cell as a reviewer finds it: "名单!A5" (xlsx), "第5行" (csv)

    @property
    def key(self) -> str:
        return name_key(self.name)


@dataclass(frozen=True)
class RosterProblem:
    """A problem of the roster itself: where (sheet and row) and what."""

    where: str  # "名单!A5" (xlsx) or "第5行" (csv)
    detail: str
    found: str = ""  # what is wrong, in a few words (问题清单's 实为)


@dataclass(frozen=True)
class Roster:
    source: str  # the roster file as the user named it
    entries: tuple[RosterEntry, ...]
    problems: tuple[RosterProblem, ...] = ()
    issuer: str = ""  # the 发文单位 written above the header ("" when none)


def _header(row: Sequence[object]) -> dict[str, int] | None:
    keys = [name_key(c) if isinstance(c, str) else "" for c in row]
    out: dict[str, int] = {}
    for fieldname, labels in (
        ("name", NAME_HEADERS),
        ("department", DEPARTMENT_HEADERS),
        ("code", CODE_HEADERS),
    ):
        for label in labels:
            k = name_key(label)
            if k in keys:
                out[fieldname] = keys.index(k)
                break
    return out if "name" in out else None


def roster_from_grids(grids: Sequence[Grid], source: str, csv: bool = False) -> Roster:
    """The units of a roster file: the first sheet that has a 单位名称 column (in its first rows), one
    entry per row below it. Raises ValueError with a Chinese reason when no sheet has that column."""
    for g in grids:
        for r, row in enumerate(g.rows[:HEADER_ROWS]):
            cols = _header(row)
            if cols is not None:
                roster = _read(g, r, cols, source, csv)
                return replace(roster, issuer=_issuer(g.rows[:r]))
    raise ValueError(
        f"名单中找不到“单位名称”列（应有一行表头写明“单位名称”，可另有“主管部门”“单位编码”）：{source}"
    )


def _issuer(rows: Sequence[Sequence[object]]) -> str:
    """The 发文单位 labelled above the header: the text after the label in its cell ("发文单位：…"), else the
    next non-blank cell to its right."""
    for row in rows:
        for c, v in enumerate(row):
            text = v.strip() if isinstance(v, str) else ""
            label = next((x for x in ISSUER_LABELS if text.startswith(x)), None)
            if label is None:
                continue
            rest = text[len(label) :].removeprefix("名称").strip(" \u3000:：")
            if rest:
                return rest
            return next((_text(row, k) for k in range(c + 1, len(row)) if _text(row, k)), "")
    return ""


def _text(row: Sequence[object], col: int | None) -> str:
    if col is None or col >= len(row) or row[col] is None:
        return ""
    v = row[col]
    return "" if isinstance(v, str) and not v.strip() else display(v).strip()


def _read(g: Grid, head: int, cols: dict[str, int], source: str, csv: bool) -> Roster:
    entries: list[RosterEntry] = []
    problems: list[RosterProblem] = []
    by_key: dict[str, RosterEntry] = {}
    by_code: dict[str, RosterEntry] = {}

    def where(r: int) -> str:
        return f"第{r}行" if csv else f"{g.name}!{column_letter(cols['name'] + 1)}{r}"

    for i in range(head + 1, len(g.rows)):
        row = g.rows[i]
        if not any(v is not None and not (isinstance(v, str) and not v.strip()) for v in row):
            continue  # a blank line
        r = i + 1
        written = _text(row, cols["name"])
        code, name = split_code(written) if written else ("", "")
        code = _text(row, cols.get("code")) or code
        dept = _text(row, cols.get("department"))
        if not name_key(name):
            if any(_text(row, c) for c in cols.values()):
                problems.append(
                    RosterProblem(
                        where(r),
                        f"第 {r} 行单位名称为空（{dept or code or '其他栏目已填'}），未列入名单",
                        "单位名称为空",
                    )
                )
            continue
        e = RosterEntry(r, name, code, dept, where(r))
        same = by_key.get(e.key) or (by_code.get(code) if code else None)
        if same is not None:
            how = "名称相同" if same.key == e.key else f"单位编码 {code} 相同"
            problems.append(
                RosterProblem(
                    where(r),
                    f"第 {r} 行“{written}”与第 {same.row} 行“{same.name}”是同一单位（{how}），只计一次",
                    "重复",
                )
            )
            continue
        by_key[e.key] = e
        if code:
            by_code[code] = e
        entries.append(e)
    return Roster(source, tuple(entries), tuple(problems))


@dataclass(frozen=True)
class UnitName:
    """A unit as the consolidation knows it: the name its workbooks give (as grouped in 单位汇总) and
    the 一体化 codes they carry."""

    name: str
    codes: frozenset[str] = frozenset()


@dataclass
class RosterMatch:
    """Which consolidated units each roster entry is (usually one), the units on no entry (名单外), and
    the entries that match more than one differently written unit (a roster problem)."""

    units: dict[int, list[str]] = field(default_factory=dict)  # entry row -> unit names matched
    outside: list[str] = field(default_factory=list)  # units on no entry, in the order given
    problems: list[RosterProblem] = field(default_factory=list)

    def entry_of(self, unit: str) -> int | None:
        for row, names in self.units.items():
            if unit in names:
                return row
        return None


def match_roster(roster: Roster, units: Iterable[UnitName]) -> RosterMatch:
    """Match every consolidated unit to a roster entry: by 一体化 code where both have one, else by name
    key. An entry that two units match (written differently: "长安区财政局" and "长安区 财政局（）") keeps
    both and is listed as a problem, so the reviewer can make the units write one name."""
    by_key = {e.key: e for e in roster.entries}
    by_code = {e.code: e for e in roster.entries if e.code}
    m = RosterMatch({e.row: [] for e in roster.entries})
    for u in units:
        e = next((by_code[c] for c in sorted(u.codes) if c in by_code), None) or by_key.get(name_key(u.name))
        if e is None:
            m.outside.append(u.name)
        else:
            m.units[e.row].append(u.name)
    rows = {e.row: e for e in roster.entries}
    for row, names in m.units.items():
        if len(names) > 1:
            e = rows[row]
            shown = "、".join(f"“{n}”" for n in names)
            m.problems.append(
                RosterProblem(
                    e.where,
                    f"名单中的“{e.name}”对应汇总中写法不同的 {len(names)} 个单位：{shown}，已合并在这一行，"
                    "请让这些单位统一单位名称",
                    f"对应 {len(names)} 个单位",
                )
            )
    return m


def match_file_name(roster: Roster, file_name: str) -> RosterEntry | None:
    """The roster entry a file's name names, for a file whose unit cannot be read from it (an unreadable
    file, a workbook with no 单位名称): the longest roster name inside the file name; None when none or
    two of the same length."""
    stem = name_key(file_name.rsplit("/", 1)[-1].rsplit(".", 1)[0])
    hits = [e for e in roster.entries if len(e.key) >= 2 and e.key in stem]
    if not hits:
        return None
    hits.sort(key=lambda e: -len(e.key))
    if len(hits) > 1 and len(hits[1].key) == len(hits[0].key):
        return None
    return hits[0]
