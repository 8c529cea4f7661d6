"""From a reviewed summary to each unit's 退回意见 (pure: grids in, letters' contents out).

After a consolidation the reviewer goes through 问题清单 and decides: 处理 = 不采纳 leaves a finding out,
审核意见 carries the reviewer's own words to the unit. :func:`review_from_grids` reads a summary workbook
written by ``xlperf consolidate`` (as the reviewer saved it, in Excel, WPS or LibreOffice) and
:func:`letters` gives, per unit, what its letter says: its problems by project, where each is in the
unit's own file, 应为/实为, what to do (:data:`xlperf.core.advice.ADVICE`) and the reviewer's opinion.
A unit with nothing left gets no letter and is listed as 审核通过.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from xlperf.consolidate.records import NO_UNIT, SUMMARY_KIND
from xlperf.consolidate.tables import (
    DECISION_HEADER,
    FINDINGS_NAME,
    OPINION_HEADER,
    TOTAL,
    UNITS_NAME,
)
from xlperf.core import labels as L
from xlperf.core.grid import Grid
from xlperf.core.names import name_key
from xlperf.core.parser import parse_meta
from xlperf.core.values import display

REJECTED = "不采纳"
ACCEPTED = "采纳"
PASSED = "审核通过"
SEVERITIES = {"错误": "error", "警告": "warning", "提示": "info"}


class NotASummary(ValueError):
    """The workbook is not a summary written by ``xlperf consolidate`` (a Chinese reason)."""


@dataclass(frozen=True)
class Item:
    """One finding of 问题清单 as the reviewer left it."""

    row: int  # its row in 问题清单 (1-based)
    unit: str
    project: str
    where: str  # 位置: "自评表1!F21", "表2 第12行 第6列", or the file for a file's problem
    rule: str
    severity: str  # error / warning / info
    text: str  # 说明: "规则名称：具体说明"
    expected: str
    found: str
    file: str
    decision: str = ""  # 处理 as typed
    opinion: str = ""  # 审核意见

    @property
    def rejected(self) -> bool:
        """处理 says the finding is not to be sent: 不采纳 (or 否, 不予采纳, …)."""
        d = L.norm(self.decision)
        return d.startswith(("不", "否", "×")) or d in ("x", "X", "n", "N", "no")

    @property
    def accepted(self) -> bool:
        return bool(L.norm(self.decision)) and not self.rejected

    @property
    def sent(self) -> bool:
        """In the unit's letter: an error or warning not rejected; a 提示 only when the reviewer took it
        up (处理 采纳, or an 审核意见 written)."""
        if self.rejected:
            return False
        if self.severity in ("error", "warning"):
            return True
        return self.accepted or bool(self.opinion.strip())

    @property
    def name(self) -> str:
        """The rule's name (the part of 说明 before its first "："), without its code."""
        head, sep, _ = self.text.partition("：")
        return head if sep else ""

    @property
    def detail(self) -> str:
        head, sep, rest = self.text.partition("：")
        return rest if sep else self.text


@dataclass
class Letter:
    """What one unit's 退回意见 says."""

    unit: str
    department: str
    year: str
    items: list[Item]  # in 问题清单's order

    @property
    def projects(self) -> list[tuple[str, str, list[Item]]]:
        """The items by (file, project) in their first appearance's order; a file's own problems (a
        duplicate, an unreadable file) under project ''."""
        groups: dict[tuple[str, str], list[Item]] = {}
        for it in self.items:
            groups.setdefault((it.file, it.project), []).append(it)
        return [(f, p, items) for (f, p), items in groups.items()]

    def count(self, severity: str) -> int:
        return sum(1 for it in self.items if it.severity == severity)


@dataclass
class Review:
    """A reviewed summary: its findings, its units (with their 主管部门) and its year."""

    items: list[Item]
    units: dict[str, str] = field(default_factory=dict)  # unit -> 主管部门, in the summary's order
    year: str = ""
    decided: bool = True  # the summary has the 处理/审核意见 columns (older ones do not)
    years: dict[str, str] = field(default_factory=dict)  # unit -> the year its workbooks state
    issuer: str = ""  # the body that consolidated (--issuer, or the roster's 发文单位)


def _header_index(rows: Sequence[Sequence[object]], must: Sequence[str]) -> tuple[int, dict[str, int]]:
    for r, row in enumerate(rows[:10]):
        heads = {L.norm(display(v)).replace("\n", ""): i for i, v in enumerate(row) if v is not None}
        if all(m in heads for m in must):
            return r, heads
    raise NotASummary(f"找不到表头（{'、'.join(must)}）")


def _text(row: Sequence[object], col: int | None) -> str:
    if col is None or col >= len(row) or row[col] is None:
        return ""
    return display(row[col]).strip() if not (isinstance(row[col], str) and not row[col].strip()) else ""


def review_from_grids(grids: Sequence[Grid], source: str = "") -> Review:
    """The reviewed findings of a summary workbook's sheets. Raises :class:`NotASummary` with a Chinese
    reason when the workbook is not a summary xlperf wrote or has no 问题清单."""
    by_name = {g.name: g for g in grids}
    meta = parse_meta(by_name.get(L.META_SHEET))
    if meta.get("kind") != SUMMARY_KIND:
        raise NotASummary(f"{source} 不是 xlperf consolidate 生成的汇总表（请给出汇总表，如“汇总.xlsx”）")
    g = by_name.get(FINDINGS_NAME)
    if g is None:
        raise NotASummary(f"{source} 中没有“{FINDINGS_NAME}”工作表（工作表被改名或删除了？）")
    try:
        head, cols = _header_index(g.rows, ("单位", "项目", "位置", "规则", "严重程度", "说明"))
    except NotASummary as exc:
        raise NotASummary(f"{source} 的“{FINDINGS_NAME}”中{exc}") from exc
    items: list[Item] = []
    for r in range(head + 1, len(g.rows)):
        row = g.rows[r]
        if _text(row, 0) == TOTAL:
            continue  # wherever a sort put it (合计 first when the reviewer sorted it in, descending)
        rule = _text(row, cols["规则"])
        if not rule:
            continue
        items.append(
            Item(
                row=r + 1,
                unit=_text(row, cols["单位"]),
                project=_text(row, cols["项目"]),
                where=_text(row, cols["位置"]),
                rule=rule,
                severity=SEVERITIES.get(_text(row, cols["严重程度"]), "warning"),
                text=_text(row, cols["说明"]),
                expected=_text(row, cols.get("应为")),
                found=_text(row, cols.get("实为")),
                file=_text(row, cols.get("文件")),
                decision=_text(row, cols.get(DECISION_HEADER)),
                opinion=_text(row, cols.get(OPINION_HEADER)),
            )
        )
    units: dict[str, str] = {}
    ug = by_name.get(UNITS_NAME)
    if ug is not None:
        try:
            uh, ucols = _header_index(ug.rows, ("单位",))
            for row in ug.rows[uh + 1 :]:
                name = _text(row, ucols["单位"])
                if _text(row, 0) == TOTAL:
                    continue  # (sorted in, it may stand anywhere)
                if name:
                    units[name] = _text(row, ucols.get(L.UNIT_DEPARTMENT))
        except NotASummary:
            pass
    for it in items:
        if it.unit and it.unit not in units:
            units[it.unit] = ""
    years = {k.split(":", 1)[1]: v for k, v in meta.items() if k.startswith("year:")}
    return Review(items, units, meta.get("year", ""), DECISION_HEADER in cols, years, meta.get("issuer", ""))


@dataclass
class Outcome:
    """Every unit's outcome: a letter, 审核通过, or no letter possible (with why)."""

    letters: list[Letter]
    passed: list[str]
    unaddressed: list[tuple[str, int]]  # (why, findings) for findings that name no unit


def letters(review: Review, year: str | None = None) -> Outcome:
    """A letter per unit with findings left to send; the other units are 审核通过. The year of a letter
    is ``year`` when given, else the unit's own (its workbooks')."""
    by_unit: dict[str, list[Item]] = {}
    unaddressed: dict[str, int] = {}
    for it in review.items:
        if not it.sent:
            continue
        if not it.unit or it.unit == NO_UNIT:
            if it.rule != "XC008":  # the roster's own problems are the reviewer's, not a unit's
                why = "单位名称未填的工作簿" if it.unit == NO_UNIT else "无法确定单位的文件"
                unaddressed[why] = unaddressed.get(why, 0) + 1
            continue
        by_unit.setdefault(it.unit, []).append(it)
    out, passed = [], []
    for unit in list(review.units) + [u for u in by_unit if u not in review.units]:
        if unit == NO_UNIT:
            continue
        items = by_unit.get(unit)
        if items:
            # a unit whose workbooks state no year (its only file unreadable): no year rather than a guess;
            # a summary from before per-unit years: the summary's
            y = year if year is not None else review.years.get(unit, "" if review.years else review.year)
            out.append(Letter(unit, review.units.get(unit, ""), y, items))
        else:
            passed.append(unit)
    return Outcome(out, passed, sorted(unaddressed.items()))


# --- decisions carried to the next summary ------------------------------------------------------------

DecisionKey = tuple[str, str, str, str, str, str]


def decision_key(
    unit: object, project: object, where: object, rule: object, expected: object, found: object
) -> DecisionKey:
    """A finding as two summaries share it: the same unit and project (names as the desk matches them),
    the same place, rule, 应为 and 实为. A finding whose value changed (the unit corrected it, or got
    it wrong otherwise) is another finding: the reviewer decides again."""
    return (
        name_key(unit),
        name_key(project),
        L.norm(display(where)),
        display(rule).strip().upper(),
        L.norm(display(expected)),
        L.norm(display(found)),
    )


def decisions_of(review: Review) -> dict[DecisionKey, tuple[str, str]]:
    """What the reviewer typed in a summary's 问题清单 (处理, 审核意见), by finding."""
    return {
        decision_key(it.unit, it.project, it.where, it.rule, it.expected, it.found): (it.decision, it.opinion)
        for it in review.items
        if it.decision or it.opinion
    }
