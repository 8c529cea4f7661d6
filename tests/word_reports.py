"""Word reports built with python-docx the way units make them, independently of ``xlperf report``.

:func:`seed_report` writes the seed's 绩效自评工作报告 (长安区委编办 2020): its title, headings and
conclusion sentences, and each project's 自评表 as a Word table in the seed's layout, either with
merged cells (``merged=True``: the section labels merged down the first column with vMerge, the 一级
labels merged down theirs, wide cells spanning grid columns with gridSpan) or flat (no merges: every
row has every cell, the 一级 label typed in every row). :func:`national_report` writes the national
form's 9-column indicator table (分值, 得分, 偏差原因分析及改进措施). The data come from
:data:`xlperf.samples.SEED` (what the seed report states).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from docx import Document
from docx.oxml import OxmlElement
from docx.oxml.ns import qn

from xlperf.samples import SEED, SEED_LEVEL1

WIDTH = 8  # grid columns of the seed's table


def _fmt(v: object) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def _set(cell, text: str) -> None:
    """A cell's text; a line break in it becomes a second paragraph, as typed with Enter."""
    lines = text.split("\n")
    cell.paragraphs[0].text = lines[0]
    for line in lines[1:]:
        cell.add_paragraph(line)


def _tc_prop(tc, tag: str, val: str | None) -> None:
    tcpr = tc.get_or_add_tcPr()
    el = OxmlElement(f"w:{tag}")
    if val is not None:
        el.set(qn("w:val"), val)
    tcpr.append(el)


def add_table(doc, rows: Sequence[Sequence[tuple[str, int, str | None]]]):
    """A table from rows of (text, grid span, vMerge: None / "restart" / "continue") cells, written as
    Word writes them: one w:tc per visible cell, w:gridSpan and w:vMerge on it."""
    table = doc.add_table(rows=0, cols=WIDTH)
    table.style = "Table Grid"
    for spec in rows:
        tr = table._tbl.add_tr()
        for text, span, vmerge in spec:
            tc = tr.add_tc()
            tc.add_p()
            if span > 1:
                _tc_prop(tc, "gridSpan", str(span))
            if vmerge == "restart":
                _tc_prop(tc, "vMerge", "restart")
            elif vmerge == "continue":
                _tc_prop(tc, "vMerge", None)
            if text and vmerge != "continue":
                from docx.table import _Cell

                _set(_Cell(tc, table), text)
    return table


def _c(text: object = "", span: int = 1, vmerge: str | None = None) -> tuple[str, int, str | None]:
    return (_fmt(text), span, vmerge)


def seed_table_rows(project, merged: bool = True) -> list[list[tuple[str, int, str | None]]]:
    """The seed's table of one project (8 grid columns)."""

    def sec(label: str, first: bool):
        if merged:
            return _c(label if first else "", 1, "restart" if first else "continue")
        return _c(label if first else "")

    def wide(text: object, span: int) -> list:
        return [_c(text, span)] if merged else [_c(text)] + [_c() for _ in range(span - 1)]

    b, d, e = project.budget, project.arrived, project.executed
    rows = [
        [
            _c("一、 基本情况"),
            _c("项目名称"),
            *wide(project.name, 2),
            *wide("实施(主管）单位", 2),
            *wide(project.unit, 2),
        ],
        [
            sec("二、预算执行情况", True),
            *wide("预算安排情况（调整后）", 2),
            *wide("资金到位情况", 2),
            *wide("资金执行情况", 2),
            _c("预算执行进度"),
        ],
        [
            sec("", False),
            _c("预算数："),
            _c(b[0]),
            _c("到位数："),
            _c(d[0]),
            _c("执行数："),
            _c(e[0]),
            _c("（=执行数/预算数*100%）"),
        ],
        [
            sec("", False),
            _c("其中：财政资金"),
            _c(b[0]),
            _c("其中：财政资金"),
            _c(d[0]),
            _c("其中：财政资金"),
            _c(e[0]),
            _c(),
        ],
        [sec("", False), _c("其他"), _c(), _c("其他"), _c(), _c("其他"), _c(), _c()],
        [sec("三、目标完成情况", True), *wide("年度预期目标", 3), *wide("具体完成情况", 3), _c("总体完成率")],
    ]
    goals = list(project.goals) + [(None, None, None)] * 2
    for g in goals[:3]:
        rows.append([sec("", False), *wide(g[0], 3), *wide(g[1], 3), _c(g[2])])
    rows.append([sec("四、 年度绩效指标完成情况", True), _c("一级指标"), _c("二级指标"), *wide("三级指标", 2),
                 _c("预期指标值"), _c("实际完成值"), _c("自评得分")])  # fmt: skip
    previous = None
    for ind in project.indicators:
        label = SEED_LEVEL1[ind.level1]
        first = ind.level1 != previous
        previous = ind.level1
        # merged down its rows, or typed in every row
        level1 = _c(label if first else "", 1, "restart" if first else "continue") if merged else _c(label)
        rows.append([sec("", False), level1, _c(ind.level2), *wide(ind.name, 2), _c(ind.target),
                     _c(ind.actual), _c(ind.score)])  # fmt: skip
    rows.append([sec("", False), *wide("总分", 6), _c(project.total)])
    return rows


CONCLUSION = (
    "通过自评，得分为{score}分，基本符合年初的绩效目标设定的质量情况，绩效目标设定清晰准确，绩效指标全面完整、"
    "科学合理，绩效标准恰当适宜、易于评价，完成率较高，完成时限较及时。"
)


def seed_report(
    path: Path, *, merged: bool = True, stated: Sequence[object] | None = None, extra_table: bool = False
) -> Path:
    """The seed report as a .docx. ``stated``: the score each conclusion sentence states (the tables'
    totals unless given); ``extra_table``: a staff table (not a 自评表) before the forms."""
    doc = Document()
    doc.add_paragraph("附件3：")
    doc.add_paragraph("长安区委编办2020年度绩效自评工作报告")
    doc.add_paragraph("一、绩效自评工作组织开展情况")
    doc.add_paragraph("为推进全过程预算绩效管理，强化支出责任意识，区委编办对所有项目支出开展了绩效自评。")
    if extra_table:
        t = doc.add_table(rows=2, cols=3)
        for c, text in zip(t.rows[0].cells, ("姓名", "职务", "联系电话"), strict=True):
            c.text = text
        for c, text in zip(t.rows[1].cells, ("张三", "科员", "029-12345678"), strict=True):
            c.text = text
    doc.add_paragraph("三、绩效目标设定质量情况")
    for i, project in enumerate(SEED.projects):
        heading = f"{i + 1}、{project.name}"
        if i > 0:  # the seed writes the first heading after its table, the others before
            doc.add_paragraph(heading)
        add_table(doc, seed_table_rows(project, merged))
        if i == 0:
            doc.add_paragraph(heading)
        score = project.total if stated is None else stated[i]
        doc.add_paragraph(CONCLUSION.format(score=_fmt(score)))
    doc.add_paragraph("四、整改措施及结果应用")
    doc.add_paragraph("管理制度需进一步完善，健全组织机构，严格档案资料管理。")
    doc.save(path)
    return path
