"""Word reports built with python-docx the way units make them, independently of ``xlperf report``.

:func:`seed_report` writes the seed's 绩效自评工作报告 (长安区委编办 2020): its title, headings and
conclusion sentences, and each project's 自评表 as a Word table in the seed's layout, either with
merged cells (``merged=True``: the section labels merged down the first column with vMerge, the 一级
labels merged down theirs, wide cells spanning grid columns with gridSpan) or flat (no merges: every
row has every cell, the 一级 label typed in every row). :func:`national_report` writes a report in the
national form (财预〔2020〕10号 附件): its funds block (年初预算数｜全年预算数｜全年执行数｜分值｜执行率｜得分,
rows 年度资金总额 and the three 其中 rows), 年度总体目标 and the 9-column indicator table (分值, 得分,
偏差原因分析及改进措施). The seed's data come from :data:`xlperf.samples.SEED` (what the seed report
states); the national report's are written out in :func:`national_report`.
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


def add_table(doc, rows: Sequence[Sequence[tuple[str, int, str | None]]], width: int | None = None):
    """A table from rows of (text, grid span, vMerge: None / "restart" / "continue") cells, written as
    Word writes them: one w:tc per visible cell, w:gridSpan and w:vMerge on it. ``width``: the grid
    columns (:data:`WIDTH` unless given)."""
    table = doc.add_table(rows=0, cols=width or WIDTH)
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


NATIONAL_WIDTH = 9  # grid columns of the national form's table


def national_table_rows(
    merged: bool = True, rate: str = "90%", budget_score: str = "9", total: str = "99"
) -> list[list[tuple[str, int, str | None]]]:
    """One project in the national form (a road-maintenance project of 区公路段, 2021): 全年预算数 120,
    全年执行数 108 (90 %), the 预算执行率's 10 points scored in the funds block, five indicators at
    full marks (20 + 15 + 15 + 30 + 10)."""

    def down(label: str, first: bool):  # a label merged down its rows, or typed in every row
        if merged:
            return _c(label if first else "", 1, "restart" if first else "continue")
        return _c(label)

    def wide(text: object, span: int) -> list:
        return [_c(text, span)] if merged else [_c(text)] + [_c() for _ in range(span - 1)]

    funds = [
        ("年度资金总额", "100", "120", "108", "10", rate, budget_score),
        ("其中：当年财政拨款", "100", "110", "100", "—", "—", "—"),
        ("上年结转资金", "0", "10", "8", "—", "—", "—"),
        ("其他资金", "0", "0", "0", "—", "—", "—"),
    ]
    rows = [
        [_c("项目名称"), *wide("乡村道路养护", 8)],
        [_c("主管部门"), *wide("区交通局", 3), _c("实施单位"), *wide("区公路段", 4)],
        [down("项目资金（万元）", True), _c(), _c("年初预算数"), _c("全年预算数"), _c("全年执行数"), _c("分值"),
         _c("执行率"), *wide("得分", 2)],
    ]  # fmt: skip
    for label, *vals in funds:
        rows.append(
            [down("项目资金（万元）", False), _c(label), *(_c(v) for v in vals[:-1]), *wide(vals[-1], 2)]
        )
    rows += [
        [down("年度总体目标", True), *wide("预期目标", 4), *wide("实际完成情况", 4)],
        [down("年度总体目标", False), *wide("完成全区30公里农村道路日常养护", 4), *wide("完成32公里，路况良好", 4)],
        [down("绩效指标", True), _c("一级指标"), _c("二级指标"), _c("三级指标"), _c("年度指标值"), _c("实际完成值"),
         _c("分值"), _c("得分"), _c("偏差原因分析及改进措施")],
    ]  # fmt: skip
    indicators = [
        ("产出指标", "数量指标", "养护里程", "≥30公里", "32公里", "20", "20"),
        ("产出指标", "质量指标", "验收合格率", "≥95%", "98%", "15", "15"),
        ("产出指标", "时效指标", "按期完成率", "100%", "100%", "15", "15"),
        ("效益指标", "社会效益指标", "群众出行条件", "达成", "达成", "30", "30"),
        ("满意度指标", "服务对象满意度指标", "群众满意度", "≥90%", "95%", "10", "10"),
    ]
    previous = None
    for level1, *rest in indicators:
        first, previous = level1 != previous, level1
        rows.append([down("绩效指标", False), down(level1, first), *(_c(x) for x in rest), _c()])
    rows.append([*wide("总分", 6), _c("100"), _c(total), _c()])
    return rows


def national_report(path: str | Path, merged: bool = True, conclusion: str = "99", **values: str) -> Path:
    """A 2021 report with one project in the national form (see :func:`national_table_rows`) and its
    conclusion sentence."""
    global WIDTH
    doc = Document()
    doc.add_paragraph("区公路段2021年度项目支出绩效自评报告")
    doc.add_paragraph("项目支出绩效自评表")
    doc.add_paragraph("（2021年度）")
    old, WIDTH = WIDTH, NATIONAL_WIDTH
    try:
        add_table(doc, national_table_rows(merged, **values))
    finally:
        WIDTH = old
    doc.add_paragraph(f"通过自评，该项目得分为{conclusion}分，评价等级为优。")
    doc.save(path)
    return Path(path)
