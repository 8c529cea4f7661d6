"""The 校验结果 table (one row per finding) and the validate JSON, as plain data.

Shared by the patch plan (:mod:`xlperf.core.plan`, which the ``-o`` copy applies), the Excel macro that
writes the sheet in one call, and the CLI's JSON output, so they always agree.
"""

from __future__ import annotations

from xlperf.core.engine import Validation
from xlperf.core.evaluate import TOTAL_CAPPED, TOTALS
from xlperf.core.findings import SEVERITY_ZH, Finding

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


def result_rows(v: Validation) -> list[list[object]]:
    """Header plus one row per finding, errors first."""
    rows: list[list[object]] = [list(RESULT_HEADER)]
    for i, f in enumerate(v.findings, 1):
        rows.append(
            [i, SEVERITY_ZH[f.severity], f.rule, f.project, f.where, explanation(f), f.expected, f.found]
        )
    return rows


def summary_line(v: Validation) -> str:
    return (
        f"共 {len(v.workbook.projects)} 个项目：错误 {v.errors} 条，警告 {v.warnings} 条，"
        f"提示 {v.count('info')} 条"
    )


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
