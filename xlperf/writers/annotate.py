"""``xlperf validate -o``: a copy of the workbook with a 校验结果 sheet and the offending cells marked.

The input is opened read-only and never saved; the copy is written atomically. Cell values are never
changed: marking adds a fill and a comment only.
"""

from __future__ import annotations

from pathlib import Path

import openpyxl
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils.cell import get_column_letter
from openpyxl.worksheet.hyperlink import Hyperlink

from xlperf.core.engine import Validation
from xlperf.core.findings import SEVERITY_ORDER, SEVERITY_ZH
from xlperf.core.labels import RESULT_SHEET
from xlperf.core.results_table import result_rows, summary_line
from xlperf.safe_io import atomic_write, set_text

FILLS = {
    "error": PatternFill("solid", fgColor="FFC7CE"),
    "warning": PatternFill("solid", fgColor="FFEB9C"),
    "info": PatternFill("solid", fgColor="DDEBF7"),
}
_WIDTHS = (6, 9, 8, 24, 14, 80, 18, 18)


def mark_plan(v: Validation) -> dict[tuple[str, str], tuple[str, str]]:
    """(sheet, cell) -> (severity, comment text): the worst severity wins, messages are joined.

    Pure, so the Excel macro can apply the same marks in batches."""
    plan: dict[tuple[str, str], tuple[str, list[str]]] = {}
    for f in v.findings:
        if not f.cell:
            continue
        key = (f.sheet, f.cell)
        sev, msgs = plan.get(key, (f.severity, []))
        if SEVERITY_ORDER[f.severity] < SEVERITY_ORDER[sev]:
            sev = f.severity
        msgs.append(f"[{f.rule} {SEVERITY_ZH[f.severity]}] {f.message}")
        plan[key] = (sev, msgs)
    return {k: (s, "\n".join(m)) for k, (s, m) in plan.items()}


def write_result_sheet(ws, v: Validation) -> None:
    thin = Side(style="thin", color="999999")
    ws.append([f"校验结果：{summary_line(v)}（评分方案：{v.preset.title}）"])
    ws["A1"].font = Font(bold=True, size=12)
    for row in result_rows(v):
        ws.append([None] * len(row))
        r = ws.max_row
        for c, val in enumerate(row, 1):
            set_text(ws.cell(r, c), val)
    for c, w in enumerate(_WIDTHS, 1):
        ws.column_dimensions[get_column_letter(c)].width = w
    for cell in ws[2]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="D9D9D9")
    for r, f in enumerate(v.findings, 3):
        ws.cell(r, 2).fill = FILLS[f.severity]
        if f.cell:
            link = ws.cell(r, 5)
            link.hyperlink = Hyperlink(
                ref=link.coordinate, location=f"'{f.sheet}'!{f.cell}", tooltip="转到该单元格"
            )
            link.font = Font(color="0563C1", underline="single")
        for c in range(1, len(_WIDTHS) + 1):
            ws.cell(r, c).border = Border(top=thin, bottom=thin, left=thin, right=thin)
            ws.cell(r, c).alignment = Alignment(wrap_text=(c == 6), vertical="top")
    ws.freeze_panes = "A3"
    if v.findings:
        ws.auto_filter.ref = f"A2:{get_column_letter(len(_WIDTHS))}{len(v.findings) + 2}"


def write_annotated_copy(v: Validation, src: str | Path, out: str | Path) -> Path:
    """Write a marked copy of ``src`` to ``out``; ``src`` is never modified."""
    src = Path(src)

    def write(tmp: Path) -> None:
        wb = openpyxl.load_workbook(src, keep_vba=src.suffix.lower() == ".xlsm")
        if RESULT_SHEET in wb.sheetnames:
            del wb[RESULT_SHEET]
        ws = wb.create_sheet(RESULT_SHEET, 0)
        write_result_sheet(ws, v)
        for (sheet, cell), (sev, text) in mark_plan(v).items():
            if sheet not in wb.sheetnames:
                continue
            target = wb[sheet][cell]
            if type(target).__name__ == "MergedCell":
                continue
            target.fill = FILLS[sev]
            target.comment = Comment(text, "xlperf", width=360, height=160)
        wb.active = 0
        wb.save(tmp)

    return atomic_write(out, write, inputs=[src])
