"""The provinces' forms as Word tables, the way units paste them into a 绩效自评工作报告: one table per
project, merged cells as Word writes them (``w:gridSpan`` across, ``w:vMerge`` down: the section labels
and the 一级 labels), followed by the conclusion sentence "通过自评，该项目得分为N分…".

Built with python-docx through :func:`word_reports.add_table` (tests/word_reports.py); independent of
``xlperf report``. Each builder returns the table's rows; :func:`report` writes the document. A row's
cells are listed in order, so "第K列" of a finding is the K-th item of its row (a merged cell counts
once, a cell continuing a vertical merge counts as one).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.shared import Cm, Pt
from word_reports import _c, add_table

Row = list[tuple[str, int, str | None]]


def _down(label: str, first: bool):
    """A label merged down its rows: the text in the first, the others continue it."""
    return _c(label if first else "", 1, "restart" if first else "continue")


def _level1(rows: Sequence[Sequence[object]]) -> list[bool]:
    """Whether each indicator row starts its 一级 (its label differs from the row above)."""
    out, previous = [], None
    for r in rows:
        out.append(r[0] != previous)
        previous = r[0]
    return out


# --- 四川 510000_0013zp: 11 grid columns --------------------------------------------------------------
SICHUAN_WIDTH = 11


@dataclass
class Sichuan:
    name: str
    department: str
    unit: str
    goal: str
    done: str
    content: str
    # 总额, 其中:财政资金, 财政专户管理资金, 单位资金, 其他资金: (年初预算, 调整后预算数, 预算执行数, 预算执行率,
    # 得分, 原因); the sub-rows' 权重 and 得分 are the form's "/"
    funds: Sequence[tuple[str, str, str, str, str, str]]
    # (一级, 二级, 三级, 指标性质, 指标值, 度量单位, 完成值, 权重, 得分, 未完成原因分析)
    indicators: Sequence[tuple[str, ...]]
    total: str
    conclusion: str
    problems: str
    measures: str
    sign: tuple[str, str, str]  # 项目负责人, 财务负责人, 填报日期


def sichuan_rows(p: Sichuan) -> list[Row]:
    labels = ("总额", "其中:财政资金", "财政专户管理资金", "单位资金", "其他资金")
    rows: list[Row] = [
        [_c("项目名称", 2), _c(p.name, 9)],
        [_c("主管部门", 2), _c(p.department, 3), _c("实施单位（盖章）", 2), _c(p.unit, 4)],
        [_down("项目基本情况", True), _c("1.项目年度目标完成情况", 2, "restart"), _c("项目年度目标", 4),
         _c("年度目标完成情况", 4)],
        [_down("", False), _c("", 2, "continue"), _c(p.goal, 4), _c(p.done, 4)],
        [_down("", False), _c("2.项目实施内容及过程概述", 2), _c(p.content, 8)],
        [_down("预算执行情况(10分)", True), _c("年度预算数(万元)", 2), _c("年初预算"), _c("调整后预算数"),
         _c("预算执行数"), _c("预算执行率"), _c("权重"), _c("得分"), _c("原因", 2)],
    ]  # fmt: skip
    for i, (label, (start, adjusted, executed, rate, score, reason)) in enumerate(
        zip(labels, p.funds, strict=True)
    ):
        weight, score = ("10", score) if i == 0 else ("/", "/")
        rows.append([_down("", False), _c(label, 2), _c(start), _c(adjusted), _c(executed), _c(rate), _c(weight),
                     _c(score), _c(reason, 2)])  # fmt: skip
    rows.append([_c("注：预算执行率=预算执行数/调整后预算数×100%，预算执行率未达到90%的需说明原因。", 11)])
    rows.append([_down("绩效指标(90分)", True), *(_c(t) for t in ("一级指标", "二级指标", "三级指标", "指标性质", "指标值",
                 "度量单位", "完成值", "权重", "得分", "未完成原因分析"))])  # fmt: skip
    for first, ind in zip(_level1(p.indicators), p.indicators, strict=True):
        rows.append([_down("", False), _down(ind[0], first), *(_c(x) for x in ind[1:])])
    rows.append([_c("合计", 8), _c("100"), _c(p.total), _c()])
    for label, text in (("评价结论", p.conclusion), ("存在问题", p.problems), ("改进措施", p.measures)):
        rows.append([_c(label, 2), _c(text, 9)])
    leader, finance, date = p.sign
    rows.append([_c(f"项目负责人：{leader}", 4), _c(f"财务负责人：{finance}", 4), _c(f"填报日期：{date}", 3)])
    return rows


# --- national, 财预〔2020〕10号 附件: 9 grid columns ---------------------------------------------------------
NATIONAL_WIDTH = 9


@dataclass
class National:
    name: str
    department: str
    unit: str
    # (label, 年初预算数, 全年预算数, 全年执行数, 分值, 执行率, 得分), 年度资金总额 first
    funds: Sequence[tuple[str, str, str, str, str, str, str]]
    goal: str
    done: str
    # (一级, 二级, 三级, 年度指标值, 实际完成值, 分值, 得分, 偏差原因分析及改进措施)
    indicators: Sequence[tuple[str, ...]]
    total: str


def national_rows(p: National) -> list[Row]:
    rows: list[Row] = [
        [_c("项目名称"), _c(p.name, 8)],
        [_c("主管部门"), _c(p.department, 3), _c("实施单位"), _c(p.unit, 4)],
        [_down("项目资金（万元）", True), _c(), _c("年初预算数"), _c("全年预算数"), _c("全年执行数"), _c("分值"),
         _c("执行率"), _c("得分", 2)],
    ]  # fmt: skip
    for label, *vals in p.funds:
        rows.append([_down("", False), _c(label), *(_c(v) for v in vals[:-1]), _c(vals[-1], 2)])
    rows += [
        [_down("年度总体目标", True), _c("预期目标", 4), _c("实际完成情况", 4)],
        [_down("", False), _c(p.goal, 4), _c(p.done, 4)],
        [_down("绩效指标", True), *(_c(t) for t in ("一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值",
                                               "分值", "得分", "偏差原因分析及改进措施"))],
    ]  # fmt: skip
    for first, ind in zip(_level1(p.indicators), p.indicators, strict=True):
        rows.append([_down("", False), _down(ind[0], first), *(_c(x) for x in ind[1:])])
    rows.append([_c("总分", 6), _c("100"), _c(p.total), _c()])
    return rows


# --- 一体化 export with 一级/二级 columns (实际完成值): 10 grid columns -------------------------------------
YITIHUA_WIDTH = 10


@dataclass
class Yitihua:
    name: str
    department: str
    unit: str
    leader: str
    # (资金来源, 年初预算, 年度预算调整, 调整后的预算, 全年执行数, 预算执行率%, 自评得分), 合计 first
    funds: Sequence[tuple[str, str, str, str, str, str, str]]
    goal: str
    done: str
    deviation: str
    # (一级, 二级, 三级指标名称, 计算符号, 年度指标值, 计量单位, 实际完成值, 分值, 得分, 偏差原因分析及改进措施)
    indicators: Sequence[tuple[str, ...]]
    total: str


def yitihua_rows(p: Yitihua) -> list[Row]:
    rows: list[Row] = [
        [_c("项目名称"), _c(p.name, 4), _c("主管部门"), _c(p.department, 4)],
        [_c("实施单位"), _c(p.unit, 4), _c("项目负责人"), _c(p.leader, 4)],
        [_c("资金情况（万元）", 10)],
        [*(_c(t) for t in ("资金来源", "年初预算", "年度预算调整", "调整后的预算", "全年执行数", "预算执行率%")),
         _c("自评得分", 4)],
    ]  # fmt: skip
    for *vals, score in p.funds:
        rows.append([*(_c(v) for v in vals), _c(score, 4)])
    rows += [
        [_c("绩效目标完成情况", 10)],
        [_c("年度绩效目标", 4), _c("实际完成情况", 3), _c("偏差原因分析及改进措施", 3)],
        [_c(p.goal, 4), _c(p.done, 3), _c(p.deviation, 3)],
        [_c("绩效指标完成情况", 10)],
        [*(_c(t) for t in ("一级指标", "二级指标", "三级指标名称", "计算符号", "年度指标值", "计量单位", "实际完成值",
                           "分值", "得分", "偏差原因分析及改进措施"))],
    ]  # fmt: skip
    for first, ind in zip(_level1(p.indicators), p.indicators, strict=True):
        rows.append([_down(ind[0], first), *(_c(x) for x in ind[1:])])
    rows.append([_c("总分", 8), _c(p.total), _c()])
    return rows


# --- 湖北 (older): 8 grid columns ---------------------------------------------------------------------
HUBEI_WIDTH = 8


@dataclass
class Hubei:
    name: str
    department: str
    unit: str
    budget: tuple[str, str, str, str]  # 预算数, 执行数, 执行率, 得分(分*执行率)
    goal: str
    done: str
    # (一级, 二级, 三级, 年初目标值, 实际完成值, 分值, 得分, 偏差原因分析及改进措施)
    indicators: Sequence[tuple[str, ...]]
    total: str


def hubei_rows(p: Hubei) -> list[Row]:
    b, e, r, s = p.budget
    rows: list[Row] = [
        [_c("项目名称"), _c(p.name, 7)],
        [_c("主管部门"), _c(p.department, 3), _c("实施单位"), _c(p.unit, 3)],
        [_c("预算执行情况(万元)(10分)", 2, "restart"), _c("预算数"), _c("执行数"), _c("执行率"), _c("得分(分*执行率)", 3)],
        [_c("", 2, "continue"), _c(b), _c(e), _c(r), _c(s, 3)],
        [_down("年度总体目标", True), _c("年初预期目标", 3), _c("年度实际完成情况", 4)],
        [_down("", False), _c(p.goal, 3), _c(p.done, 4)],
        [*(_c(t) for t in ("一级指标", "二级指标", "三级指标", "年初目标值", "实际完成值", "分值", "得分",
                           "偏差原因分析及改进措施"))],
    ]  # fmt: skip
    for first, ind in zip(_level1(p.indicators), p.indicators, strict=True):
        rows.append([_down(ind[0], first), *(_c(x) for x in ind[1:])])
    rows.append([_c("总分", 5), _c("100"), _c(p.total), _c()])
    return rows


# --- the report ---------------------------------------------------------------------------------------
@dataclass
class Table:
    heading: str  # the paragraph(s) before the table ("1、…", the form's title)
    rows: list[Row]
    width: int
    conclusion: str
    before: Sequence[str] = field(default_factory=tuple)  # e.g. the form's title and "（2022年度）"
    widths: Sequence[float] = ()  # column widths (cm) of the grid


WIDTHS = {
    SICHUAN_WIDTH: (1.4, 2.0, 2.2, 4.4, 1.6, 1.8, 1.8, 2.0, 1.4, 1.4, 4.0),
    NATIONAL_WIDTH: (1.6, 2.8, 2.4, 4.6, 2.6, 2.6, 1.4, 1.4, 4.2),
    YITIHUA_WIDTH: (2.4, 2.6, 4.2, 1.6, 2.0, 1.6, 2.2, 1.4, 1.4, 4.0),
    HUBEI_WIDTH: (2.6, 2.8, 4.6, 2.6, 2.6, 1.6, 1.6, 5.0),
}


def report(
    path: Path, title: str, intro: Sequence[str], tables: Sequence[Table], closing: Sequence[str]
) -> Path:
    """A 绩效自评工作报告: its title, some paragraphs, each project's heading, form title, table and
    conclusion sentence, closing paragraphs."""
    doc = Document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Cm(29.7), Cm(21.0)
    section.left_margin = section.right_margin = Cm(1.8)
    style = doc.styles["Normal"]
    style.font.name = "仿宋_GB2312"
    style.font.size = Pt(12)
    doc.add_paragraph(title)
    for text in intro:
        doc.add_paragraph(text)
    for t in tables:
        doc.add_paragraph(t.heading)
        for text in t.before:
            doc.add_paragraph(text)
        table = add_table(doc, t.rows, t.width)
        widths = [Cm(cm) for cm in (t.widths or WIDTHS[t.width])]
        for col, w in zip(table.columns, widths, strict=True):
            col.width = w
        for tr in table._tbl.tr_lst:  # each cell as wide as the grid columns it spans
            col = 0
            for tc in tr.tc_lst:
                tc.width = sum(widths[col : col + tc.grid_span], Cm(0))
                col += tc.grid_span
        for row in table.rows:
            for cell in row.cells:
                for par in cell.paragraphs:
                    par.paragraph_format.space_after = Pt(0)
                    for run in par.runs:
                        run.font.size = Pt(9)
        doc.add_paragraph(t.conclusion)
    for text in closing:
        doc.add_paragraph(text)
    doc.save(path)
    return path
