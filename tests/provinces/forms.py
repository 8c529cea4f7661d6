"""The provinces' own 项目支出绩效自评表, blank as a finance bureau issues them to its units, built by code
with openpyxl: the wording, merged cells, column widths and number formats of the published forms (domain
brief, "Layouts in the wild"), not xlperf's template.

- :func:`sichuan` — 四川 部门预算项目支出绩效自评表, 报表编号 510000_0013zp (11 columns A–K);
- :func:`national` — the national form of 财预〔2020〕10号 附件 as 安徽池州's towns fill it (9 columns A–I),
  optionally with the (A)/(B) markers and a 中央补助 row some cities add;
- :func:`yitihua` — an export of the 预算管理一体化 system: with 一级/二级 columns (10 columns A–J) or
  without (8 columns A–H). The system writes the approved targets into the export (they are locked in
  the system); the unit types only the completion values, scores and reasons;
- :func:`hubei` — an older 湖北 form (预算执行情况(万元)(10分)｜预算数｜执行数｜执行率｜得分(分*执行率), a
  过程指标 一级; 8 columns A–H).

Each builder writes one sheet per project (``sheets``: the sheet's name and its 一级 blocks, each a label
and a number of blank indicator rows, the 一级 label merged down its rows, as the forms print it). The
row numbers of every part are fixed by the blocks; :data:`ROWS` documents them (the generator and the
hand-written expectations use them).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

BODY = "宋体"
TITLE = "方正小标宋简体"  # what the published forms use; LibreOffice falls back to Noto CJK
_thin = Side(style="thin", color="000000")
BOX = Border(left=_thin, right=_thin, top=_thin, bottom=_thin)
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
LEFT = Alignment(horizontal="left", vertical="center", wrap_text=True)
RIGHT = Alignment(horizontal="right", vertical="center")

Blocks = Sequence[tuple[str, int]]  # (一级 label as printed, blank rows under it)


@dataclass(frozen=True)
class Sheet:
    """One project's sheet of a form: its name and its 一级 blocks."""

    name: str
    blocks: Blocks


class _Writer:
    """Writes one sheet of a form: labels, merged ranges, borders."""

    def __init__(self, ws) -> None:
        self.ws = ws

    def put(self, cell: str, value=None, *, to: str | None = None, align=CENTER, bold=False, size=10.5,
            font=BODY, box=True, fmt: str | None = None) -> None:  # fmt: skip
        ws = self.ws
        if to is not None and to != cell:
            ws.merge_cells(f"{cell}:{to}")
        c = ws[cell]
        if value is not None:
            if isinstance(value, str) and value.startswith("="):
                c.value = value
                c.data_type = "s"  # text the system writes ("="), never a formula
            else:
                c.value = value
        c.font = Font(name=font, size=size, bold=bold)
        c.alignment = align
        rng = ws[f"{cell}:{to}"] if to else ((c,),)
        for row in rng:
            for x in row:
                if box:
                    x.border = BOX
                if fmt:
                    x.number_format = fmt
                if x is not c:
                    x.alignment = align

    def widths(self, widths: Sequence[float]) -> None:
        for i, w in enumerate(widths, 1):
            self.ws.column_dimensions[get_column_letter(i)].width = w

    def height(self, row: int, h: float) -> None:
        self.ws.row_dimensions[row].height = h

    def page(self, last_col: str, last_row: int) -> None:
        ws = self.ws
        ws.print_area = f"A1:{last_col}{last_row}"
        ws.page_setup.orientation = "landscape"
        ws.page_setup.paperSize = ws.PAPERSIZE_A4
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.print_options.horizontalCentered = True


def _blocks(w: _Writer, col: str, first: int, blocks: Blocks) -> int:
    """The 一级 labels merged down their blank rows from ``first``; returns the row after the last."""
    r = first
    for label, n in blocks:
        w.put(f"{col}{r}", label, to=f"{col}{r + n - 1}" if n > 1 else None)
        r += n
    return r


def _new(sheets: Sequence[Sheet]) -> tuple[Workbook, list]:
    wb = Workbook()
    out = [wb.active]
    out[0].title = sheets[0].name
    out += [wb.create_sheet(s.name) for s in sheets[1:]]
    return wb, out


# --- 四川 510000_0013zp -----------------------------------------------------------------------------
SICHUAN_COLUMNS = "ABCDEFGHIJK"
SICHUAN_FUND_ROWS = ("总额", "其中:财政资金", "财政专户管理资金", "单位资金", "其他资金")


def sichuan_rows(blocks: Blocks) -> dict[str, int]:
    """Rows of the 四川 form: 1 title, 2 报表编号, 3 项目名称, 4 主管部门｜实施单位（盖章）, 5–7 项目基本情况
    (6: 项目年度目标｜年度目标完成情况, 7: 实施内容), 8 the funds header, 9 总额, 10–13 其中 rows, 14 the printed
    note, 15 the indicator header, 16… indicator rows, then 合计, 评价结论, 存在问题, 改进措施, the signing
    line."""
    n = sum(k for _, k in blocks)
    last = 15 + n
    return {"first": 16, "last": last, "total": last + 1, "conclusion": last + 2, "problems": last + 3,
            "measures": last + 4, "sign": last + 5}  # fmt: skip


def sichuan(path: Path, sheets: Sequence[Sheet], year: str = "2023") -> Path:
    wb, wss = _new(sheets)
    for ws, spec in zip(wss, sheets, strict=True):
        w = _Writer(ws)
        rows = sichuan_rows(spec.blocks)
        w.widths((7, 10, 12, 24, 9, 10, 10, 10, 8, 8, 24))
        w.put("A1", f"部门预算项目支出绩效自评表({year}年度)", to="K1", size=16, font=TITLE, box=False)
        w.height(1, 30)
        w.put("A2", "报表编号:510000_0013zp", to="K2", align=RIGHT, size=9, box=False)
        w.put("A3", "项目名称", to="B3")
        w.put("C3", to="K3", align=LEFT)
        w.put("A4", "主管部门", to="B4")
        w.put("C4", to="E4", align=LEFT)
        w.put("F4", "实施单位（盖章）", to="G4")
        w.put("H4", to="K4", align=LEFT)
        w.put("A5", "项目基本情况", to="A7")
        w.put("B5", "1.项目年度目标完成情况", to="C6")
        w.put("D5", "项目年度目标", to="G5")
        w.put("H5", "年度目标完成情况", to="K5")
        w.put("D6", to="G6", align=LEFT)
        w.put("H6", to="K6", align=LEFT)
        w.height(6, 45)
        w.put("B7", "2.项目实施内容及过程概述", to="C7")
        w.put("D7", to="K7", align=LEFT)
        w.height(7, 45)
        w.put("A8", "预算执行情况(10分)", to="A13")
        w.put("B8", "年度预算数(万元)", to="C8")
        for col, text in zip("DEFGHI", ("年初预算", "调整后预算数", "预算执行数", "预算执行率", "权重", "得分"),
                             strict=True):  # fmt: skip
            w.put(f"{col}8", text)
        w.put("J8", "原因", to="K8")
        w.height(8, 28)
        for i, label in enumerate(SICHUAN_FUND_ROWS):
            r = 9 + i
            w.put(f"B{r}", label, to=f"C{r}")
            for col in "DEF":
                w.put(f"{col}{r}", fmt="0.00")
            w.put(f"G{r}", fmt="0.00%")
            w.put(f"H{r}", 10 if i == 0 else "/")
            w.put(f"I{r}", None if i == 0 else "/")
            w.put(f"J{r}", to=f"K{r}", align=LEFT)
        w.put("A14", "注：预算执行率=预算执行数/调整后预算数×100%，预算执行率未达到90%的需说明原因。", to="K14",
              align=LEFT, size=9)  # fmt: skip
        last = rows["last"]
        w.put("A15", "绩效指标(90分)", to=f"A{last}")
        heads = ("一级指标", "二级指标", "三级指标", "指标性质", "指标值", "度量单位", "完成值", "权重", "得分",
                 "未完成原因分析")  # fmt: skip
        for col, text in zip("BCDEFGHIJK", heads, strict=True):
            w.put(f"{col}15", text, bold=True)
        _blocks(w, "B", 16, spec.blocks)
        for r in range(16, last + 1):
            for col in "CDEFGHIJK":
                w.put(f"{col}{r}", align=LEFT if col in "DK" else CENTER)
        t = rows["total"]
        w.put(f"A{t}", "合计", to=f"H{t}", bold=True)
        w.put(f"I{t}", 100)
        w.put(f"J{t}")
        w.put(f"K{t}")
        for key, label in (("conclusion", "评价结论"), ("problems", "存在问题"), ("measures", "改进措施")):
            r = rows[key]
            w.put(f"A{r}", label, to=f"B{r}")
            w.put(f"C{r}", to=f"K{r}", align=LEFT)
            w.height(r, 36)
        s = rows["sign"]
        w.put(f"A{s}", "项目负责人：", to=f"B{s}", align=RIGHT, box=False)
        w.put(f"C{s}", to=f"D{s}", align=LEFT, box=False)
        w.put(f"E{s}", "财务负责人：", to=f"F{s}", align=RIGHT, box=False)
        w.put(f"G{s}", to=f"H{s}", align=LEFT, box=False)
        w.put(f"I{s}", "填报日期：", to=f"J{s}", align=RIGHT, box=False)
        w.put(f"K{s}", align=LEFT, box=False)
        w.page("K", s)
    wb.save(path)
    return path


# --- national, 财预〔2020〕10号 附件 (池州 2022) ----------------------------------------------------------
CHIZHOU_FUNDS = ("年度资金总额", "其中：本年财政拨款", "上年结转资金", "其他资金")
AB_FUNDS = ("年度资金总额", "其中：中央补助", "本年财政拨款", "上年结转资金", "其他资金")


def national_rows(blocks: Blocks, funds: Sequence[str] = CHIZHOU_FUNDS) -> dict[str, int]:
    """Rows of the national form: 1 title, 2 "（2022年度）", 3 项目名称, 4 主管部门｜实施单位, 5 the funds
    header, 6 年度资金总额, then its 其中 rows, the goals (header, one row), the indicator header, the
    indicator rows, 总分."""
    funds_last = 5 + len(funds)
    goals = funds_last + 1
    head = goals + 2
    n = sum(k for _, k in blocks)
    return {"funds_head": 5, "total_funds": 6, "goals": goals, "head": head, "first": head + 1,
            "last": head + n, "total": head + n + 1}  # fmt: skip


def national(path: Path, sheets: Sequence[Sheet], year: str = "2022", ab_markers: bool = False) -> Path:
    """``ab_markers``: the variant with 全年预算数（A）/全年执行数（B）/执行率（B/A） and a 中央补助 row."""
    funds = AB_FUNDS if ab_markers else CHIZHOU_FUNDS
    wb, wss = _new(sheets)
    for ws, spec in zip(wss, sheets, strict=True):
        w = _Writer(ws)
        rows = national_rows(spec.blocks, funds)
        w.widths((10, 16, 12, 22, 14, 14, 9, 9, 22))
        w.put("A1", "项目支出绩效自评表", to="I1", size=18, font=TITLE, box=False)
        w.height(1, 32)
        w.put("A2", f"（{year}年度）", to="I2", box=False)
        w.put("A3", "项目名称")
        w.put("B3", to="I3", align=LEFT)
        w.put("A4", "主管部门")
        w.put("B4", to="D4", align=LEFT)
        w.put("E4", "实施单位")
        w.put("F4", to="I4", align=LEFT)
        h = rows["funds_head"]
        last_fund = h + len(funds)
        w.put(f"A{h}", "项目资金（万元）", to=f"A{last_fund}")
        w.put(f"B{h}")
        heads = ("年初预算数", "全年预算数（A）", "全年执行数（B）", "分值", "执行率（B/A）") if ab_markers else (
            "年初预算数", "全年预算数", "全年执行数", "分值", "执行率")  # fmt: skip
        for col, text in zip("CDEFG", heads, strict=True):
            w.put(f"{col}{h}", text)
        w.put(f"H{h}", "得分", to=f"I{h}")
        for i, label in enumerate(funds):
            r = h + 1 + i
            w.put(f"B{r}", label, align=LEFT)
            for col in "CDE":
                w.put(f"{col}{r}", fmt="0.00")
            if i == 0:
                w.put(f"F{r}", 10)
                w.put(f"G{r}", fmt="0.00%")
                w.put(f"H{r}", to=f"I{r}")
            else:
                w.put(f"F{r}", "—")
                w.put(f"G{r}", "—")
                w.put(f"H{r}", "—", to=f"I{r}")
        g = rows["goals"]
        w.put(f"A{g}", "年度总体目标", to=f"A{g + 1}")
        w.put(f"B{g}", "预期目标", to=f"E{g}")
        w.put(f"F{g}", "实际完成情况", to=f"I{g}")
        w.put(f"B{g + 1}", to=f"E{g + 1}", align=LEFT)
        w.put(f"F{g + 1}", to=f"I{g + 1}", align=LEFT)
        w.height(g + 1, 60)
        hd = rows["head"]
        w.put(f"A{hd}", "绩效指标", to=f"A{rows['last']}")
        heads = (
            "一级指标",
            "二级指标",
            "三级指标",
            "年度指标值",
            "实际完成值",
            "分值",
            "得分",
            "偏差原因分析及改进措施",
        )
        for col, text in zip("BCDEFGHI", heads, strict=True):
            w.put(f"{col}{hd}", text, bold=True)
        _blocks(w, "B", rows["first"], spec.blocks)
        for r in range(rows["first"], rows["last"] + 1):
            for col in "CDEFGHI":
                w.put(f"{col}{r}", align=LEFT if col in "DI" else CENTER)
        t = rows["total"]
        w.put(f"A{t}", "总分", to=f"F{t}", bold=True)
        w.put(f"G{t}", 100)
        w.put(f"H{t}")
        w.put(f"I{t}")
        w.page("I", t)
    wb.save(path)
    return path


# --- 一体化 exports ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Approved:
    """One approved target as the system writes it into the export (locked there)."""

    level1: str
    level2: str
    name: str
    sign: str  # 计算符号: ≥ ≤ = > < 定性
    target: object  # 年度指标值 / 指标值
    unit: str  # 计量单位
    weight: float  # 分值


@dataclass(frozen=True)
class Export:
    """What the system writes for one project: its header fields, the funds' approved columns, the goal
    and the approved targets."""

    sheet: str
    name: str
    department: str
    unit: str
    leader: str
    funds: Sequence[tuple[str, float, float, float]]  # 资金来源, 年初预算, 年度预算调整, 调整后的预算
    goal: str
    targets: Sequence[Approved]


YITIHUA_FUNDS = ("合计", "当年财政资金", "上年结转资金", "其他资金")


def yitihua_rows(export: Export) -> dict[str, int]:
    """Rows of an export: 1 title, 2 "（2022年度）", 3 项目名称｜主管部门, 4 实施单位｜项目负责人, 5 资金情况（万元）,
    6 the funds header (资金来源…), 7 合计, 8–10 当年财政资金/上年结转资金/其他资金, 11 绩效目标完成情况, 12 the
    goals header, 13 the goal, 14 绩效指标完成情况, 15 the indicator header, 16… the targets, 总分."""
    n = len(export.targets)
    return {"funds_head": 6, "total_funds": 7, "goals": 12, "head": 15, "first": 16, "last": 15 + n,
            "total": 16 + n}  # fmt: skip


def yitihua(path: Path, exports: Sequence[Export], levels: bool = True, year: str = "2022") -> Path:
    """``levels``: the import template's columns (一级指标｜二级指标｜三级指标名称｜计算符号｜年度指标值｜计量单位｜
    当前完成值｜分值｜得分｜偏差原因分析及改进措施); else the self-evaluation grid's (指标名称｜计算符号｜指标值｜
    实际完成值｜计量单位｜分值｜得分｜偏差原因分析及改进措施)."""
    wb = Workbook()
    wb.remove(wb.active)
    for ex in exports:
        ws = wb.create_sheet(ex.sheet)
        w = _Writer(ws)
        rows = yitihua_rows(ex)
        last = "J" if levels else "H"
        mid, mid2 = ("E", "F") if levels else ("D", "E")
        if levels:
            w.widths((12, 14, 24, 9, 11, 9, 11, 8, 8, 24))
        else:
            w.widths((26, 11, 11, 12, 11, 10, 9, 26))
        w.put("A1", "项目支出绩效自评表", to=f"{last}1", size=16, bold=True, box=False)
        w.put("A2", f"（{year}年度）", to=f"{last}2", box=False)
        w.put("A3", "项目名称")
        w.put("B3", ex.name, to=f"{mid}3", align=LEFT)
        w.put(f"{mid2}3", "主管部门")
        nxt = chr(ord(mid2) + 1)
        w.put(f"{nxt}3", ex.department, to=f"{last}3", align=LEFT)
        w.put("A4", "实施单位")
        w.put("B4", ex.unit, to=f"{mid}4", align=LEFT)
        w.put(f"{mid2}4", "项目负责人")
        w.put(f"{nxt}4", ex.leader, to=f"{last}4", align=LEFT)
        w.put("A5", "资金情况（万元）", to=f"{last}5", align=LEFT, bold=True)
        for col, text in zip("ABCDEFG", ("资金来源", "年初预算", "年度预算调整", "调整后的预算", "全年执行数",
                                         "预算执行率%", "自评得分"), strict=True):  # fmt: skip
            w.put(f"{col}6", text, bold=True)
        for i, (label, start, change, adjusted) in enumerate(ex.funds):
            r = 7 + i
            w.put(f"A{r}", label)
            for col, v in zip("BCD", (start, change, adjusted), strict=True):
                w.put(f"{col}{r}", v, fmt="0.00")
            w.put(f"E{r}", fmt="0.00")
            w.put(f"F{r}", fmt="0.00")
            w.put(f"G{r}")
        w.put("A11", "绩效目标完成情况", to=f"{last}11", align=LEFT, bold=True)
        spans = (("A", "D"), ("E", "G"), ("H", "J")) if levels else (("A", "C"), ("D", "E"), ("F", "H"))
        for (a, b), text in zip(
            spans, ("年度绩效目标", "实际完成情况", "偏差原因分析及改进措施"), strict=True
        ):
            w.put(f"{a}12", text, to=f"{b}12", bold=True)
        (a, b) = spans[0]
        w.put(f"{a}13", ex.goal, to=f"{b}13", align=LEFT)
        for a, b in spans[1:]:
            w.put(f"{a}13", to=f"{b}13", align=LEFT)
        w.height(13, 60)
        w.put("A14", "绩效指标完成情况", to=f"{last}14", align=LEFT, bold=True)
        if levels:
            heads = ("一级指标", "二级指标", "三级指标名称", "计算符号", "年度指标值", "计量单位", "当前完成值", "分值",
                     "得分", "偏差原因分析及改进措施")  # fmt: skip
        else:
            heads = (
                "指标名称",
                "计算符号",
                "指标值",
                "实际完成值",
                "计量单位",
                "分值",
                "得分",
                "偏差原因分析及改进措施",
            )
        for i, text in enumerate(heads):
            w.put(f"{get_column_letter(i + 1)}15", text, bold=True)
        for i, t in enumerate(ex.targets):
            r = 16 + i
            if levels:
                cells = (t.level1, t.level2, t.name, t.sign, t.target, t.unit, None, t.weight, None, None)
            else:
                cells = (t.name, t.sign, t.target, None, t.unit, t.weight, None, None)
            for j, v in enumerate(cells):
                w.put(f"{get_column_letter(j + 1)}{r}", None if v == "" else v,
                      align=LEFT if heads[j] in ("三级指标名称", "指标名称", "偏差原因分析及改进措施") else CENTER)  # fmt: skip
        t = rows["total"]
        score_col = "I" if levels else "G"
        w.put(f"A{t}", "总分", to=f"{chr(ord(score_col) - 1)}{t}", bold=True)
        w.put(f"{score_col}{t}")
        w.put(f"{last}{t}")
        w.page(last, t)
    wb.save(path)
    return path


# --- 湖北 (older) --------------------------------------------------------------------------------------
def hubei_rows(blocks: Blocks) -> dict[str, int]:
    """Rows of the older 湖北 form: 1 title, 2 "（2019年度）", 3 项目名称, 4 主管部门｜实施单位, 5 the budget
    header (预算执行情况(万元)(10分) merged over rows 5–6｜预算数｜执行数｜执行率｜得分(分*执行率)), 6 its
    values, 7 年初预期目标｜年度实际完成情况, 8 the goal, 9 the indicator header, 10… rows, 总分."""
    n = sum(k for _, k in blocks)
    return {"budget": 6, "goals": 7, "head": 9, "first": 10, "last": 9 + n, "total": 10 + n}


def hubei(path: Path, sheets: Sequence[Sheet], year: str = "2019") -> Path:
    wb, wss = _new(sheets)
    for ws, spec in zip(wss, sheets, strict=True):
        w = _Writer(ws)
        rows = hubei_rows(spec.blocks)
        w.widths((12, 14, 24, 13, 13, 9, 10, 26))
        w.put("A1", "项目支出绩效自评表", to="H1", size=18, font=TITLE, box=False)
        w.height(1, 32)
        w.put("A2", f"（{year}年度）", to="H2", box=False)
        w.put("A3", "项目名称")
        w.put("B3", to="H3", align=LEFT)
        w.put("A4", "主管部门")
        w.put("B4", to="D4", align=LEFT)
        w.put("E4", "实施单位")
        w.put("F4", to="H4", align=LEFT)
        w.put("A5", "预算执行情况(万元)(10分)", to="B6")
        for col, text in zip("CDE", ("预算数", "执行数", "执行率"), strict=True):
            w.put(f"{col}5", text)
        w.put("F5", "得分(分*执行率)", to="H5")
        w.put("C6", fmt="0.00")
        w.put("D6", fmt="0.00")
        w.put("E6", fmt="0.00%")
        w.put("F6", to="H6")
        w.put("A7", "年度总体目标", to="A8")
        w.put("B7", "年初预期目标", to="D7")
        w.put("E7", "年度实际完成情况", to="H7")
        w.put("B8", to="D8", align=LEFT)
        w.put("E8", to="H8", align=LEFT)
        w.height(8, 48)
        heads = (
            "一级指标",
            "二级指标",
            "三级指标",
            "年初目标值",
            "实际完成值",
            "分值",
            "得分",
            "偏差原因分析及改进措施",
        )
        for col, text in zip("ABCDEFGH", heads, strict=True):
            w.put(f"{col}9", text, bold=True)
        _blocks(w, "A", rows["first"], spec.blocks)
        for r in range(rows["first"], rows["last"] + 1):
            for col in "BCDEFGH":
                w.put(f"{col}{r}", align=LEFT if col in "CH" else CENTER)
        t = rows["total"]
        w.put(f"A{t}", "总分", to=f"E{t}", bold=True)
        w.put(f"F{t}", 100)
        w.put(f"G{t}")
        w.put(f"H{t}")
        w.page("H", t)
    wb.save(path)
    return path
