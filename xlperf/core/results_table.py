"""The 校验结果 table (one row per finding) and the validate JSON, as plain data.

Shared by the patch plan (:mod:`xlperf.core.plan`, which the ``-o`` copy applies), the Excel macro that
writes the sheet in one call, and the CLI's JSON output, so they always agree.
"""

from __future__ import annotations

from xlperf.core import labels as L
from xlperf.core.engine import Validation
from xlperf.core.evaluate import TOTAL_CAPPED, TOTALS
from xlperf.core.findings import SEVERITY_ZH, Finding, is_document_location
from xlperf.core.rules import BY_ID

RESULT_HEADER = ("序号", "严重程度", "规则", "项目", "位置", "说明", "应为", "实为")


def explanation(f: Finding, *, values: bool = False) -> str:
    """A finding's message without the location it starts with (位置 is its own column, and a note sits
    on the cell itself); without the "（应为：…；实为：…）" tail unless ``values`` (the table has 应为 and
    实为 columns, a note does not)."""
    text = f.message
    head = f.where + " "
    if text.startswith(head):
        text = text[len(head) :]
    tail = f"（应为：{f.expected}；实为：{f.found}）"
    if not values and (f.expected or f.found) and text.endswith(tail):
        text = text[: -len(tail)]
    return text


def rule_name(f: Finding) -> str:
    """The rule's Chinese name ("执行率指标与资金不符"): what a reader of the printed sheet understands,
    where the ID (XP002) means nothing to them."""
    rule = BY_ID.get(f.rule)
    return rule.name if rule else f.rule


def detail(f: Finding) -> str:
    """The explanation without the rule's name in front ("执行率指标与资金不符：…" -> "…"), for a table
    that has the name in a column of its own."""
    text = explanation(f)
    head = rule_name(f) + "："
    return text[len(head) :] if text.startswith(head) else text


class SaidOnce:
    """Drops a long clause a list of findings repeats (how each kind of indicator is scored, why a
    weight was split) from every finding but the first that says it: ``text = said(text)``."""

    def __init__(self, fragments: tuple[str, ...]) -> None:
        self.fragments = fragments
        self.said: set[str] = set()

    def __call__(self, text: str) -> str:
        for frag in self.fragments:
            if frag in text:
                if frag in self.said:
                    text = text.replace(f"{frag}，", "").replace(frag, "")
                self.said.add(frag)
        return text.replace("（）", "")


def repeated_clauses(v: Validation) -> tuple[str, ...]:
    """The clauses a list of this validation's findings says once (:class:`SaidOnce`)."""
    from xlperf.core.rules import WEIGHT_NOTE, scoring_methods

    return (*scoring_methods(v.preset).values(), WEIGHT_NOTE)


def _short(text: str, limit: int = 10) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def cell_labels(v: Validation) -> dict[tuple[str, str], str]:
    """What each cell of the projects' forms is, as a printed location names it: (sheet, cell as a
    finding gives it) -> "预算执行率 实际完成值", "执行数", "总分". An indicator row is named by its
    二级指标 where no other row of the form has the same, else by its 三级指标 (shortened)."""
    out: dict[tuple[str, str], str] = {}
    for pr in v.projects:
        p = pr.project

        def put(cell, label: str, p=p) -> None:
            ref = cell if isinstance(cell, str) or cell is None else cell.ref
            if ref:
                out.setdefault((p.sheet, p.locate(ref) or ref), label)

        put(p.name, L.PROJECT_NAME)
        put(p.unit, "实施（主管）单位")
        for funds, head in ((p.budget, "预算数"), (p.arrived, "到位数"), (p.executed, "执行数")):
            put(funds.total, head)
            put(funds.fiscal, f"{head} 其中：财政资金")
            put(funds.other, f"{head} 其他")
        put(p.progress, L.PROGRESS_HEAD)
        for g in p.goals:
            put(g.expected, L.GOAL_EXPECTED)
            put(g.actual, L.GOAL_ACTUAL)
            put(g.rate, L.GOAL_RATE)
        for sec in p.sections:  # the 一级 label's cell: its name without the weight ("产出指标")
            name = L.SECTION_NAMES.get(sec.key or "") or sec.label.split("（")[0].split("(")[0]
            put(sec.ref, _short(name.replace("\n", ""), 12))
        twice = {k for k in (i.level2 for i in p.indicators) if [i.level2 for i in p.indicators].count(k) > 1}
        for ind in p.indicators:
            name = ind.level2 if ind.level2 and ind.level2 not in twice else (ind.name.text or ind.level2)
            row = _short(name or f"第{ind.row}行")
            for cell, col in (
                (ind.name, L.COL_LEVEL3), (ind.kind, L.COL_KIND), (ind.target, L.COL_TARGET),
                (ind.actual, L.COL_ACTUAL), (ind.weight, L.COL_WEIGHT), (ind.score, L.COL_SCORE),
                (ind.reason, L.COL_REASON),
            ):  # fmt: skip
                put(cell, f"{row} {col}")
            put(ind.level2_ref, f"{row} {L.COL_LEVEL2}")
        put(p.total, L.TOTAL)
    return out


def printed_place(f: Finding, labels: dict[tuple[str, str], str]) -> str:
    """A finding's location as a reader of paper finds it: "自评表1 F21（预算执行率 实际完成值）", a Word
    report's "表2 第12行 第6列（…）", the sheet alone for a finding about a whole sheet."""
    if not f.cell:
        return f.sheet
    where = f.cell if is_document_location(f.cell) else f"{f.sheet} {f.cell}"
    label = labels.get((f.sheet, f.cell))
    return f"{where}（{label}）" if label else where


def result_rows(v: Validation) -> list[list[object]]:
    """Header plus one row per finding, errors first: the rule's name, the printed location, the
    explanation (a clause already said by an earlier row left out), 应为, 实为."""
    rows: list[list[object]] = [list(RESULT_HEADER)]
    labels = cell_labels(v)
    said = SaidOnce(repeated_clauses(v))
    for i, f in enumerate(v.findings, 1):
        rows.append(
            [
                i,
                SEVERITY_ZH[f.severity],
                rule_name(f),
                f.project,
                printed_place(f, labels),
                said(detail(f)),
                f.expected,
                f.found,
            ]
        )
    return rows


def summary_line(v: Validation) -> str:
    return (
        f"共 {len(v.workbook.projects)} 个项目：错误 {v.errors} 条，警告 {v.warnings} 条，"
        f"提示 {v.count('info')} 条"
    )


def result_title(v: Validation) -> str:
    """The 校验结果 sheet's title: the unit and year it is about (several units' printouts on one table
    are told apart), the counts, the preset: "长安区委编办2020年度绩效自评表校验结果：共 4 个项目：…"."""
    u = v.workbook.unit
    unit = u.name or next((p.unit.text for p in v.workbook.projects if p.unit.text), "")
    year = f"{u.year}年度" if u.year else ""
    preset = v.preset.title.split("（", 1)[0].split("(", 1)[0].strip() or v.preset.title
    return f"{unit}{year}绩效自评表{L.RESULT_SHEET}：{summary_line(v)}（评分方案：{preset}）"


def project_dict(pr) -> dict:
    p = pr.project
    return {
        "sheet": p.sheet,
        "name": p.name.text,
        "layout": p.layout,  # the form it was read as (xlperf/layouts: national, sichuan, yitihua …)
        "budget": p.budget.total.number,
        "arrived": p.arrived.total.number,
        "executed": p.executed.total.number,
        "execution_rate": None if pr.rate is None else round(pr.rate, 6),
        "total_reported": pr.total_reported,
        "total_recomputed": pr.total_recomputed,
        "total_suggested": pr.total_suggested,
        "total_capped": pr.total_capped,
        # the execution-rate cap that applies (scoring rule 9), or null
        "cap": None if pr.cap is None else {"rate_below": pr.cap.below, "max": pr.cap.max},
        "grade": pr.grade,  # of total_capped
    }


def totals_dict() -> dict:
    """What each total in the JSON is: key -> {"name": 中文名, "definition": 定义}, and which is graded."""
    return {
        **{d.key: {"name": d.name, "definition": d.definition} for d in TOTALS},
        "grade": {"name": "等级", "definition": f"按{TOTAL_CAPPED.name}评定"},
    }


def file_dict(v: Validation) -> dict:
    wb = v.workbook
    return {
        "path": wb.path,
        "unit": wb.unit.name,
        "year": wb.unit.year,
        "preset": v.preset.name,
        "totals": totals_dict(),
        "projects": [project_dict(pr) for pr in v.projects],
        "findings": [f.to_dict() for f in v.findings],
    }
