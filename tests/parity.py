"""Native formulas = Python: generate forms, let LibreOffice compute the template, compare every computed
cell with what xlperf computes in Python for the same file.

The rule (xlperf/writers/formulas.py): wherever a native formula computes, it equals Python; elsewhere it
says "见校验" — and only where a cell holds what it does not ask for (:func:`unclean`, the oracle written
here from the template's instructions, not from the formulas). Used by tests/test_native_parity.py
(hypothesis, in CI) and by ``python tests/parity.py N`` (a long run). One workbook holds a batch of forms,
one per 自评表 sheet, so one LibreOffice load and recalculation checks many forms. Python reads the file
as the script wrote it (no cached values: the core computes the template's own computed cells);
LibreOffice's values are read through UNO, so neither side sees the other's numbers.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path

from hypothesis import strategies as st

from xlperf import presets
from xlperf.api import validate_file
from xlperf.core import labels as L
from xlperf.core.scoring import LEVEL_WORDS
from xlperf.writers import formulas as F
from xlperf.writers.template import (
    COL,
    SECTION_HEADS,
    FundsRow,
    IndicatorData,
    ProjectData,
    UnitData,
    build_template,
    project_layouts,
    summary_columns,
    workbook_bytes,
)

PRESETS = ("national", "shaanxi")
SEE = F.SEE_CHECK

# --- values people type into the structured cells ---------------------------------------------------

SIGNS = ["≥", "≥", "≥", "≤", "≤", "=", "定性", "定性", None, None]
ODD_SIGNS = ["正向", "反向", "<", ">", " ≥", "≥ ", "定性指标", "xx", "＜"]  # pasted past the list
UNITS = [None, None, "%", "%", "个", "人次", "万元", "元", "亿元", "天", "元/平方米", "次/年", "分", "百分比",
         "％", "‰", " % ", "/", "起"]  # fmt: skip
LEVELS = list(L.QUALITATIVE_LEVELS)
ODD_LEVELS = sorted(LEVEL_WORDS) + ["达成预期指标", "部分达成年度指标并具有一定效果", " 达成", "达成 "]
QUAL_TARGETS = ["效果明显", "符合相关规定", "按时完成", "达成", "有所提高", "/", "无", " ", "　", "—", "／", " / ",
                "N/A", "100%", 95]  # fmt: skip
PASTED = ["≥95%", "95%", "98％", "约两万", "1.6万", "12000人", "10分", "满分", "/", "—", " ", "　", "１００"]
REASONS = [None, None, None, "受疫情影响，部分工作延期", "无", "/", " ", "　", "N/A", "—", "无 ", "\n"]
NAMES = [
    "培训人次",
    "覆盖率",
    "完成及时率",
    "单位成本",
    "群众满意度",
    "事故起数",
    "建设面积",
    " 覆盖率",
    "覆盖率",
]


def number():
    return st.one_of(
        st.integers(-5, 150),
        st.integers(0, 2000),
        st.floats(0, 150, allow_nan=False, allow_infinity=False).map(lambda x: round(x, 2)),
        st.sampled_from([0, 0.0, 1, 0.5, 0.95, 0.98, 1.2, 1.5, 1.6, 100, 95, 90, 2, 1000.5]),
    )


@st.composite
def indicator(draw, section: str) -> IndicatorData:
    sign = draw(st.sampled_from(SIGNS)) if draw(st.integers(0, 12)) else draw(st.sampled_from(ODD_SIGNS))
    odd = draw(st.integers(0, 9)) == 0  # a value pasted past the validation
    if sign == "定性":
        target = draw(st.one_of(st.sampled_from(QUAL_TARGETS), st.none()))
        actual = draw(st.one_of(st.sampled_from(LEVELS), st.none(), st.sampled_from(ODD_LEVELS), number()))
        if not odd and draw(st.booleans()):
            actual = draw(st.sampled_from(LEVELS))
    else:
        target = draw(st.one_of(number(), number(), st.none(), st.sampled_from(PASTED) if odd else number()))
        actual = draw(
            st.one_of(number(), number(), st.none(), st.sampled_from(PASTED + LEVELS) if odd else number())
        )
    w = draw(
        st.one_of(
            st.sampled_from([10, 10, 15, 20, 5, 2.5, 12.5, 7.5]),
            st.sampled_from([None, 0, "10分", "/"]) if odd else st.just(10),
        )
    )
    cap = w if isinstance(w, (int, float)) and w else 20
    score = draw(
        st.one_of(
            st.none(),
            st.just(cap),
            st.integers(0, int(cap) + 1),
            st.floats(-1, cap + 2, allow_nan=False).map(lambda x: round(x, 1)),
            st.sampled_from(["10分", "满分", "/", "８"]) if odd else st.just(cap),
        )
    )
    level2 = draw(st.one_of(st.sampled_from(L.LEVEL2_NAMES[section]), st.sampled_from([None, "其他"])))
    return IndicatorData(
        section,
        level2,
        name=draw(st.one_of(st.sampled_from(NAMES), st.none())),
        kind=sign,
        target=target,
        unit=draw(st.sampled_from(UNITS)),
        actual=actual,
        weight=w,
        score=score,
        reason=draw(st.sampled_from(REASONS)),
    )


@st.composite
def budget_row(draw) -> IndicatorData:
    w = draw(st.sampled_from([10, 10, 5, 12.5, None, "/"]))
    cap = w if isinstance(w, (int, float)) else 10
    return IndicatorData(
        L.SECTION_BUDGET,
        draw(st.sampled_from(["预算执行率", None])),
        name=draw(st.sampled_from(["预算支出进度执行率", None])),
        kind=draw(st.sampled_from(["≥", "≥", None])),
        target=draw(st.sampled_from([100, 100, 90, None, "/"])),
        unit=draw(st.sampled_from(["%", "%", "%", None, "百分比"])),
        actual=draw(
            st.one_of(st.none(), st.none(), st.none(), st.sampled_from([50, 68, 100, 0.8, 97.3, "95%"]))
        ),
        weight=w,
        score=draw(
            st.one_of(
                st.none(),
                st.integers(0, int(cap) + 1),
                st.floats(0, cap, allow_nan=False).map(lambda x: round(x, 1)),
            )
        ),
        reason=draw(st.sampled_from(REASONS)),
    )


def amount():
    return st.one_of(
        st.none(),
        st.integers(0, 500),
        st.floats(0, 500, allow_nan=False).map(lambda x: round(x, 2)),
        st.sampled_from([0, -3, 320.5, "320.5万元", "3,205,000元", "/", "约两万"]),
    )


@st.composite
def funds(draw) -> list[FundsRow]:
    parts = draw(st.lists(st.sampled_from(["其中：当年财政拨款", "上年结转资金", "其他资金", "财政专户管理资金"]),
                          min_size=0, max_size=3, unique=True))  # fmt: skip
    return [
        FundsRow(label, *draw(st.lists(amount(), min_size=4, max_size=4)))
        for label in ["年度资金总额", *parts]
    ]


@st.composite
def form(draw, preset) -> ProjectData:
    rows: list[IndicatorData] = []
    for section in L.SECTIONS:
        if section == L.SECTION_BUDGET:
            rows += draw(st.lists(budget_row(), min_size=0, max_size=1))
        else:
            rows += draw(
                st.lists(indicator(section), min_size=0, max_size=3 if section != "satisfaction" else 2)
            )
    if draw(st.integers(0, 15)) == 0:
        rows.insert(draw(st.integers(0, len(rows))), IndicatorData("其他指标（5分）", "其他", name="其他", kind="≥",
                                                                      target=1, actual=1, weight=5, score=5))  # fmt: skip
    if not rows:
        rows = [draw(indicator(L.SECTION_OUTPUT))]
    labels = {}
    for key in L.SECTIONS:
        choice = draw(st.integers(0, 5))
        if choice == 1:
            labels[key] = L.SECTION_NAMES[key]  # no weight in the label
        elif choice == 2:
            labels[key] = f"{L.SECTION_NAMES[key]}（{draw(st.sampled_from([10, 20, 30, 40, 50]))}）"
    total = draw(
        st.one_of(st.none(), st.none(), st.none(), st.integers(0, 100), st.sampled_from(["96分", "九十"]))
    )
    return ProjectData(
        name=draw(st.sampled_from(["项目甲", "机构编制管理经费", "=1+1"])),
        funds=draw(funds()),
        indicators=rows,
        total=total,
        level1_labels=labels,
        merge_level1=draw(st.booleans()),
    )


@st.composite
def batch(draw, max_forms: int, min_forms: int = 1):
    name = draw(st.sampled_from(PRESETS))
    preset = presets.load(name)
    return name, draw(st.lists(form(preset), min_size=min_forms, max_size=max_forms))


# --- the oracle: where a cell holds what it does not ask for ----------------------------------------


def _num(x: object) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def _blank(x: object) -> bool:
    return x is None or x == ""


def _text(x: object) -> bool:
    return isinstance(x, str) and x != ""


def unclean(ind: IndicatorData, rate: object = None) -> str:
    """Why a row's cells are not what they ask for (the template's 填写说明 and data validation), or ''.
    ``rate``: the 执行率 cell's value, which the 预算执行率 row's formula puts into its 实际完成值."""
    if ind.level1 == L.SECTION_BUDGET and ind.actual is None:
        actual = rate * 100 if _num(rate) else rate
        ind = IndicatorData(**{**ind.__dict__, "actual": None if actual == "" else actual})
    if not (_num(ind.weight) and ind.weight > 0):
        return "分值不是大于 0 的数字"
    if _text(ind.score):
        return "自评得分是文字"
    if not (_blank(ind.kind) or ind.kind in F.SIGNS):
        return "计算符号不在列表中"
    if ind.kind == "定性":
        if not (_blank(ind.actual) or ind.actual in LEVELS):
            return "定性指标的实际完成值不是达成/部分达成/未达成"
    elif _text(ind.target) or _text(ind.actual):
        return "数字单元格中是文字"
    unit = ind.unit.strip() if isinstance(ind.unit, str) else ind.unit
    if unit in F.PERCENT_UNITS and _num(ind.target) and _num(ind.actual):
        lo, hi = sorted((ind.target, ind.actual))
        if lo <= 1.5 < hi:
            return "度量单位为 % 的行中一个值写成了小数"
    return ""


# --- comparing -------------------------------------------------------------------------------------


@dataclass
class Report:
    forms: int = 0
    rows: int = 0
    cells: int = 0
    see_check: int = 0
    problems: list[str] = field(default_factory=list)

    def check(self, where: str, got: object, want: object, tol: float = 1e-6) -> None:
        self.cells += 1
        if not _same(got, want, tol):
            self.problems.append(f"{where}: template {got!r}, Python {want!r}")


def _same(got: object, want: object, tol: float) -> bool:
    if want is None or want == "":
        return got in (None, "")
    if _num(want):
        return _num(got) and math.isclose(got, want, rel_tol=0, abs_tol=tol)
    return got == want


_CELL = re.compile(r"^\$?([A-Z]+)\$?(\d+)$")


def _row_of(ref: str | None) -> int | None:
    m = _CELL.match(ref or "")
    return int(m.group(2)) if m else None


ROW_RULES = {rule: msg for msg, rule in F.ROW_MESSAGES}
ROW_ORDER = [rule for _, rule in F.ROW_MESSAGES]
TOTAL_ORDER = [rule for _, rule in F.TOTAL_MESSAGES]


def first_message(rules: set[str], order: list[str]) -> str:
    for rule in order:
        if rule in rules:
            return next(msg for msg, r in (*F.ROW_MESSAGES, *F.TOTAL_MESSAGES) if r == rule)
    return ""


def check_workbook(lo, path: Path, preset_name: str, forms: list[ProjectData], report: Report) -> None:
    """Build the batch's workbook at ``path`` (as a script saves it: no cached values), compute it with
    LibreOffice and with Python, compare."""
    preset = presets.load(preset_name)
    book = build_template(preset, unit=UnitData(name="测试单位", year="2020"), data=forms)
    path.write_bytes(workbook_bytes(book))
    doc = lo.open(path)
    try:
        lo.recalc(doc)
        check_document(lo, doc, path, report)
    finally:
        lo.close(doc)


def form_of(ws, lay) -> ProjectData:
    """A project sheet's cells as a :class:`ProjectData` (values as the file holds them; a formula where
    the template has one is None, as the builder's data leaves it): what the oracle reads."""

    def value(ref: str) -> object:
        v = ws[ref].value
        return None if isinstance(v, str) and v.startswith("=") and ws[ref].data_type == "f" else v

    rows = []
    level1 = ""
    for r in range(lay.first_row, lay.last_row + 1):
        a = ws[f"{COL.level1}{r}"].value
        if isinstance(a, str) and a.strip():
            level1 = a
        cells = {k: value(f"{getattr(COL, k)}{r}") for k in ("level2", "name", "kind", "target", "unit", "actual",
                                                            "weight", "score", "reason")}  # fmt: skip
        section = L.SECTION_BUDGET if r in lay.budget_rows else level1
        rows.append(IndicatorData(section, **cells))
    funds = [FundsRow(ws[f"A{lay.funds_row}"].value, *(value(lay.funds(k)) for k in ("initial", "budget",
                                                                                          "arrived", "executed")))]  # fmt: skip
    return ProjectData(funds=funds, indicators=rows, total=value(lay.total))


def check_document(lo, doc: int, path: Path, report: Report) -> None:
    """Compare an open (recalculated) document's computed cells with Python's results for ``path``, a
    saved copy of the same sheets (script- or office-saved)."""
    import openpyxl

    book = openpyxl.load_workbook(path)
    layouts = project_layouts(book)
    v = validate_file(path)
    by_sheet = {pr.project.sheet: pr for pr in v.projects}
    width = len(summary_columns())
    summary = lo.data(doc, L.SUMMARY_SHEET, f"A1:{chr(64 + width)}{4 + len(layouts)}")
    for i, lay in enumerate(layouts):
        grid = lo.data(doc, lay.sheet, f"A1:M{lay.grade_row}")
        pr = by_sheet.get(lay.sheet)
        if pr is None:  # a blank form for the core (XP019): no row in use but the pre-filled 预算执行率
            if any(grid[r - 1][12] not in ("", None) for r in range(lay.first_row, lay.last_row + 1)
                   if r not in lay.budget_rows):  # fmt: skip
                report.problems.append(
                    f"{lay.sheet}: Python reads a blank form, the template has rows in use"
                )
            continue
        report.forms += 1
        data = form_of(book[lay.sheet], lay)
        _check_form(grid, lay, data, pr, v, report)
        _check_summary(summary[3 + i], lay, data, pr, grid[lay.funds_row - 1][9], report)


def _check_form(grid, lay, data: ProjectData, pr, v, report: Report) -> None:
    sheet = lay.sheet
    col = {k: ord(getattr(COL, k)) - 65 for k in COL.__dataclass_fields__}

    def at(row: int, key: str) -> object:
        return grid[row - 1][col[key]]

    findings = [f for f in v.findings if f.sheet == sheet]
    by_row: dict[int, set[str]] = {}
    for f in findings:
        r = _row_of(f.cell)
        if r is not None:
            by_row.setdefault(r, set()).add(f.rule)
    amounts_text = any(_text(getattr(data.funds[0], k)) for k in ("budget", "executed"))
    rate = grid[lay.funds_row - 1][9]
    _check_or_see(report, f"{sheet}!执行率", rate, pr.rate, amounts_text)
    rows_py = {ir.indicator.row: ir for ir in pr.indicators}
    marked = {"×": False, "!": False}
    for idx, ind in enumerate(data.indicators):
        r = lay.first_row + idx
        where = f"{sheet}!{r}"
        report.rows += 1
        m = at(r, "helper")
        used = m not in ("", None)
        if used and r not in rows_py and m.startswith("×") and unclean(ind, rate):
            # the 预算执行率 row with nothing but its formula, the 执行率 见校验: Python drops it (no value),
            # the formula marks it; every total then says 见校验
            report.see_check += 1
            marked["×"] = True
            continue
        if used != (r in rows_py):
            report.problems.append(f"{where}: row in use: template {m!r}, Python {r in rows_py} ({ind})")
            continue
        if not used:
            report.check(f"{where} 建议得分", at(r, "suggested"), None)
            report.check(f"{where} 校验提示", at(r, "check"), None)
            continue
        ir = rows_py[r]
        budget = r in lay.budget_rows
        why = unclean(ind, rate)
        mark = m.split("|", 1)[0]
        if mark in marked:
            marked[mark] = True
        if (mark == "×") != bool(why):
            report.problems.append(f"{where}: marked {mark!r}, the oracle says {why or '可计算'!r} ({ind})")
        label = m.split("|", 1)[1] if "|" in m else m
        if L.norm(label) != L.norm(ir.indicator.level1) and not (
            not ir.indicator.level1 and label == L.COL_LEVEL1
        ):
            report.problems.append(f"{where}: 一级 {label!r}, Python {ir.indicator.level1!r}")
        k, msg = at(r, "suggested"), at(r, "check")
        section_budget = ir.indicator.is_budget_rate
        allowed = bool(why) or (section_budget != budget) or ("执行" in L.norm(label) and not budget)
        if budget and not why and section_budget and not _num(rate) and not _blank(ind.actual):
            allowed = (
                True  # no execution rate: Python scores the typed completion value, the formula does not
            )
        if k == SEE or msg == SEE:
            report.see_check += 1
            if not allowed:
                report.problems.append(f"{where}: 见校验 where the formulas should compute ({ind})")
            if (k == SEE) != (msg == SEE):
                report.problems.append(f"{where}: 建议得分 {k!r} and 校验提示 {msg!r} disagree on 见校验")
            continue
        point = None if ir.suggestion is None else ir.suggestion.point
        report.check(f"{where} 建议得分", k, point)
        want = first_message(by_row.get(r, set()) & set(ROW_ORDER), ROW_ORDER)
        report.cells += 1
        if msg != want:
            report.problems.append(
                f"{where} 校验提示 {msg!r}, Python {sorted(by_row.get(r, set()))} → {want!r} ({ind})"
            )
    # the 总分, 核定总分 and 等级 rows
    t, c, g = lay.total_row, lay.capped_row, lay.grade_row
    any_text_score = any(_text(ind.score) for idx, ind in enumerate(data.indicators)
                         if (lay.first_row + idx) in rows_py)  # fmt: skip
    weights = round(sum(pr.section_weights.values()), 9) if pr.section_weights else None
    _check_or_see(report, f"{sheet}!分值合计", at(t, "weight"), weights, marked["×"])
    if data.total is None:
        _check_or_see(report, f"{sheet}!总分", at(t, "score"), pr.total_recomputed, any_text_score)
    _check_or_see(report, f"{sheet}!复核总分", at(t, "helper"), pr.total_recomputed, any_text_score)
    any_see = any(at(lay.first_row + i, "suggested") == SEE for i in range(len(data.indicators)))
    # Python keeps 4 places of the suggested total
    _check_or_see(report, f"{sheet}!建议总分", at(t, "suggested"), pr.total_suggested, any_see, tol=6e-5)
    _check_or_see(report, f"{sheet}!核定总分", at(c, "score"), pr.total_capped, marked["×"] or marked["!"])
    _check_or_see(report, f"{sheet}!等级", at(g, "score"), pr.grade, marked["×"] or marked["!"])
    msg = at(t, "check")
    total_rules = set()
    for f in (f for f in v.findings if f.sheet == sheet):
        if f.cell == lay.total:
            total_rules.add(f.rule)
    if msg == SEE:
        if not (any_text_score or isinstance(data.total, str)):
            report.problems.append(f"{sheet}!总分行校验提示 见校验 without a text total or score")
    else:
        want = first_message(total_rules & set(TOTAL_ORDER), TOTAL_ORDER)
        report.cells += 1
        if msg != want:
            report.problems.append(f"{sheet}!总分行校验提示 {msg!r}, Python {sorted(total_rules)} → {want!r}")


def _check_or_see(
    report: Report, where: str, got: object, want: object, see_allowed: bool, tol: float = 1e-6
):
    if got == SEE:
        report.see_check += 1
        if not see_allowed:
            report.problems.append(f"{where}: 见校验 where the formulas should compute (Python {want!r})")
        return
    report.check(where, got, want, tol)


def _check_summary(row, lay, data: ProjectData, pr, rate: object, report: Report) -> None:
    where = f"项目汇总!{lay.sheet}"
    cols = [name for name, _ in summary_columns()]
    got = dict(zip(cols, row, strict=False))
    p = pr.project
    for head, funds in ((L.BUDGET, p.budget), (L.ARRIVED, p.arrived), (L.EXECUTED, p.executed)):
        raw = funds.total.value.raw
        if isinstance(raw, str) and raw:
            report.check(f"{where} {head}", got[head], SEE)
        else:
            report.check(f"{where} {head}", got[head], funds.total.number)
    marked = {}
    for idx, ind in enumerate(data.indicators):
        if (lay.first_row + idx) in {ir.indicator.row for ir in pr.indicators} and unclean(ind, rate):
            marked[L.section_of(_level1(ind, data)) or "other"] = True
    for key, head in SECTION_HEADS.items():
        _check_or_see(report, f"{where} {head}", got[head], pr.subtotals.get(key), marked.get(key, False))
    total = got["填报总分"]
    if (data.total is None or not isinstance(data.total, str)) and total != SEE:
        report.check(f"{where} 填报总分", total, pr.total_reported)
    amounts_text = any(_text(getattr(data.funds[0], k)) for k in ("budget", "executed"))
    _check_or_see(report, f"{where} 执行率", got["执行率"], pr.rate, amounts_text)


def _level1(ind: IndicatorData, data: ProjectData) -> str:
    return L.SECTION_NAMES.get(ind.level1, ind.level1)


# --- a long campaign: python tests/parity.py FORMS [BATCH] -----------------------------------------------


def main(argv: list[str] | None = None) -> int:
    """Check FORMS generated forms in batches of BATCH (default 20) with one LibreOffice; print counts
    and, when hypothesis finds a mismatch, the shrunk batch (then exit 1)."""
    import sys
    import tempfile
    import time

    from hypothesis import HealthCheck, given, settings

    from office import Office

    args = sys.argv[1:] if argv is None else argv
    total, size = int(args[0]), int(args[1]) if len(args) > 1 else 20
    totals = Report()
    start = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="xlperf-parity-") as tmp, Office() as lo:
        n = [0]

        @settings(max_examples=-(-total // size), deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))  # fmt: skip
        @given(batch(size, min_forms=size))
        def run(b):
            name, forms = b
            report = Report()
            n[0] += 1
            check_workbook(lo, Path(tmp) / f"b{n[0]}.xlsx", name, forms, report)
            for k in ("forms", "rows", "cells", "see_check"):
                setattr(totals, k, getattr(totals, k) + getattr(report, k))
            if n[0] % 10 == 0:
                print(f"{n[0]} batches, {totals.forms} forms, {totals.rows} rows, {totals.cells} cells, "
                      f"{time.monotonic() - start:.0f} s", flush=True)  # fmt: skip
            assert not report.problems, "\n".join(report.problems[:30])

        try:
            run()
        except AssertionError as exc:
            print("MISMATCH (shrunk batch above):", exc, flush=True)
            return 1
    print(f"done: {n[0]} batches, {totals.forms} forms, {totals.rows} indicator rows, {totals.cells} cells "
          f"compared, {totals.see_check} cells 见校验, no mismatch, {time.monotonic() - start:.0f} s")  # fmt: skip
    return 0


if __name__ == "__main__":
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    raise SystemExit(main())
