"""Make the provinces corpus: the forms provinces actually issue, filled the way units fill them.

Workbook cases start from a blank official form built by code (forms.py: 四川 510000_0013zp, the national
form as 池州's towns fill it, 一体化 exports, an older 湖北 form). A headless LibreOffice opens it and the
values are typed into it as a user types them (tests/office.py: Calc decides what "97%", "0.97" in a
%-formatted cell, "９８％", "1.6万", "≤ 7.5万元" or "'=" is); rows are inserted, copied and deleted with
the office suite. Each workbook case is saved twice:

- ``<case>.office.xlsx``: saved by LibreOffice (a formula keeps its cached result);
- ``<case>.script.xlsx``: the same file opened and saved again by openpyxl (formulas without results).

Word cases are reports written with python-docx (word_forms.py: the form as one table with merged cells,
then the conclusion sentence), also saved twice:

- ``<case>.script.docx``: as python-docx wrote it;
- ``<case>.office.docx``: opened and saved again by LibreOffice Writer (as ``soffice --convert-to docx``).

Beside each pair, ``<case>.expected.toml`` holds the layout, the findings (rule, sheet or table, cell) a
reviewer raises and the values that must be read, written by hand from the data below before the tool was
run on the files (tests/test_provinces.py).

    python tests/provinces/make_provinces.py            # every case, into tests/provinces/
    python tests/provinces/make_provinces.py NAME ...   # some cases
    python tests/provinces/make_provinces.py --out DIR  # elsewhere (the regeneration test)

Rows of each form (forms.py): 四川 — 3 项目名称 (C3), 4 主管部门 (C4) and 实施单位（盖章） (H4), 6 goal/done
(D6/H6), 7 content (D7), funds 9 总额 … 13 其他资金 (D 年初预算, E 调整后预算数, F 预算执行数, G 预算执行率, H 权重,
I 得分, J 原因), indicators from 16 (B 一级, C 二级, D 三级, E 指标性质, F 指标值, G 度量单位, H 完成值, I 权重,
J 得分, K 未完成原因分析), then 合计 (J), 评价结论 / 存在问题 / 改进措施 (C) and the signing line (C, G, K).
National — 3 项目名称 (B3), 4 主管部门 (B4) / 实施单位 (F4), funds from 6 (C 年初预算数, D 全年预算数, E 全年执行数,
F 分值, G 执行率, H 得分), goals (B/F of the row under their header), indicators (B 一级, C 二级, D 三级,
E 年度指标值, F 实际完成值, G 分值, H 得分, I 偏差原因分析及改进措施), 总分 (H). 一体化 — funds 7 合计 … 10 其他资金
(E 全年执行数, F 预算执行率%, G 自评得分), 13 the goal row, indicators from 16, 总分 under them. 湖北 — 6 the
budget row (C 预算数, D 执行数, E 执行率, F 得分), 8 the goal, indicators from 10 (A 一级 … G 得分, H 偏差原因), 总分.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))  # forms.py, word_forms.py
sys.path.insert(0, str(HERE.parent))  # tests/: office.py, word_reports.py

import forms as F  # noqa: E402
import word_forms as W  # noqa: E402

WORKBOOK, DOCUMENT = "workbook", "document"


@dataclass
class Case:
    name: str
    layout: str
    kind: str
    blank: Callable[[Path], None] | None = None  # workbook: writes the blank form
    steps: list[tuple] = field(default_factory=list)  # workbook: what the unit does in the office suite
    document: Callable[[Path], None] | None = None  # document: writes the report
    what: str = ""


# --- 四川 -------------------------------------------------------------------------------------------
def sc_head(name: str, department: str, unit: str, goal: str, done: str, content: str) -> dict[str, str]:
    return {"C3": name, "C4": department, "H4": unit, "D6": goal, "H6": done, "D7": content}


def sc_funds(*rows: tuple[str, ...]) -> dict[str, str]:
    """总额 and the 其中 rows from row 9: (年初预算, 调整后预算数, 预算执行数, 预算执行率, 得分, 原因); the
    sub-rows' 权重 and 得分 are the form's printed "/" (their 得分 is not typed)."""
    cells: dict[str, str] = {}
    for i, row in enumerate(rows):
        r = 9 + i
        start, adjusted, executed, rate, score, reason = (*row, "", "", "", "", "", "")[:6]
        cells.update({f"D{r}": start, f"E{r}": adjusted, f"F{r}": executed, f"G{r}": rate, f"J{r}": reason})
        if i == 0:
            cells[f"I{r}"] = score
    return cells


def sc_row(r: int, level2: str, name: str, sign: str, value: str, unit: str, done: str, weight: str, score: str,
           reason: str = "") -> dict[str, str]:  # fmt: skip
    return {f"C{r}": level2, f"D{r}": name, f"E{r}": sign, f"F{r}": value, f"G{r}": unit, f"H{r}": done,
            f"I{r}": weight, f"J{r}": score, f"K{r}": reason}  # fmt: skip


def sc_close(total_row: int, total: str, conclusion: str, problems: str, measures: str, leader: str,
             finance: str, date: str) -> dict[str, str]:  # fmt: skip
    t = total_row
    return {f"J{t}": total, f"C{t + 1}": conclusion, f"C{t + 2}": problems, f"C{t + 3}": measures,
            f"C{t + 4}": leader, f"G{t + 4}": finance, f"K{t + 4}": date}  # fmt: skip


def _sichuan(sheets: list[F.Sheet]) -> Callable[[Path], None]:
    return lambda path: F.sichuan(path, sheets)


# The cases' data: laid out as the forms are, not as the formatter would.
# fmt: off
SC = "项目支出绩效自评表"

SICHUAN_CLEAN = Case(
    "sichuan_clean_typed_every_way",
    "sichuan",
    WORKBOOK,
    _sichuan([F.Sheet(SC, [("产出指标", 6), ("效益指标", 3)])]),
    [
        ("type", SC, sc_head(
            "51062323R000000412876-机关党建工作经费", "中共中江县委办公室", "中共中江县直属机关工作委员会",
            "全年开展党建主题活动不少于12次，培训党员200人次以上，党建工作经费支出合规。",
            "开展主题活动14次，培训党员215人次，经费支出全部合规。",
            "按年度计划组织主题党日、党员教育培训和党建阵地维护，经费按规定报账。")),
        # 年初预算 0.00 with 调整后 3.36; 0.97 typed into the %-formatted 预算执行率 cell (shows 97.00%)
        ("type", SC, sc_funds(("0.00", "3.36", "3.26", "0.97", "9.7"), ("0.00", "3.36", "3.26"), ("0", "0", "0"))),
        ("type", SC, {
            **sc_row(16, "数量指标", "开展党建主题活动次数", "≥", "12", "次", "14", "15", "15", "/"),
            **sc_row(17, "数量指标", "党员教育培训人次", "≥", "200", "人次", "215", "15", "15"),
            **sc_row(18, "质量指标", "活动经费支出合规率", "＝", "100", "%", "100%", "10", "10", "/"),
            **sc_row(19, "时效指标", "活动按计划完成率", "≥", "95", "%", "97%", "10", "10", "/"),
            **sc_row(20, "经济成本指标", "人均培训成本", "≤", "150", "元", "142", "10", "10", "/"),
            **sc_row(22, "社会效益指标", "党员先锋模范作用发挥", "定性", "效果明显", "", "达成预期指标", "15", "15", "/"),
            **sc_row(23, "可持续影响指标", "党建工作长效机制", "定性", "符合相关规定", "", "达成", "15", "15"),
        }),
        # the unit sums with a formula (the 绩效指标 scores and the funds block's 得分)
        ("type", SC, sc_close(25, "=SUM(J16:J24)+I9", "项目全面完成年度绩效目标，经费使用规范，自评得分99.7分，评价等级为优。",
                              "个别活动经费报账不够及时。", "进一步规范党建经费报账流程。", "王建", "刘芳", "2024年1月15日")),
    ],
    what="a clean 四川 form: every way of typing, 0.00 年初预算, 0.97 in a % cell, 合计 as a formula",
)

SICHUAN_FAULTS = Case(
    "sichuan_low_execution_reverse_overrun_total_off_inserted_row",
    "sichuan",
    WORKBOOK,
    _sichuan([F.Sheet(SC, [("产出指标", 5), ("效益指标", 3)])]),
    [
        ("type", SC, sc_head(
            "51062323T000005128830-农村公路日常养护", "中江县交通运输局", "中江县农村公路养护中心",
            "完成全县320公里农村公路日常养护，路面技术状况指数不低于80，应急抢修费用控制在30万元以内。",
            "完成养护326公里，PQI 82.5；汛期水毁抢修支出35万元，超出计划。",
            "按季度开展路面保洁、边沟清理、病害修补和汛期应急抢修。")),
        # 85 % executed, the 原因 left blank (fault 1)
        ("type", SC, sc_funds(("120", "150", "127.5", "85%", "8.5", ""), ("120", "150", "127.5", "85%"),
                              ("/", "/", "/"), ("0", "0", "0"))),
        # the five 产出 rows the form had room for, then the 效益 rows and the 合计 (96: fault 3, Σ is 94)
        ("type", SC, {
            **sc_row(16, "数量指标", "日常养护里程", "≥", "320", "公里", "326", "15", "15", "/"),
            **sc_row(17, "质量指标", "路面技术状况指数(PQI)", "≥", "80", "分", "82.5", "10", "10", "/"),
            **sc_row(18, "时效指标", "病害处置及时率", "≥", "95", "%", "９８％", "10", "10", "/"),
            # ≤ | 30 | 万元 with 完成值 35 scored full (fault 2), its reason given
            **sc_row(19, "经济成本指标", "应急抢修费用", "≤", "30", "万元", "35", "10", "10", "汛期水毁路段抢修增加支出"),
            **sc_row(20, "时效指标", "养护任务完成时限", "定性", "按时完成", "", "达成年度指标", "5", "5", "/"),
            **sc_row(21, "社会效益指标", "群众出行条件改善", "定性", "效果明显", "", "部分达成预期指标并具有一定效果",
                     "15", "10.5", "部分偏远路段养护频次不足，下年度增加巡查频次"),
            **sc_row(22, "可持续影响指标", "农村公路养护长效机制", "定性", "健全", "", "达成预期指标", "15", "15", "/"),
        }),
        ("type", SC, sc_close(24, "96", "项目基本完成年度目标，自评得分96分，评价等级为优。", "应急抢修费用超出计划。",
                              "加强汛前巡查，合理安排应急资金。", "李强", "陈敏", "2024年1月20日")),
        # one more 产出 row: Insert ▸ Rows Above row 19, inside the merged 产出指标 cell; the rows below move down
        ("insert_rows", SC, 19, 1),
        ("type", SC, sc_row(19, "质量指标", "桥梁安全隐患排查覆盖率", "'=", "100", "%", "100", "10", "10", "/")),
    ],
    what="四川: 85 % executed with no 原因, a ≤ 30 万元 cost at 35 scored full, 合计 96 for 94; a row inserted",
)

SICHUAN_TWO = Case(
    "sichuan_two_projects_score_over_weight_blank_completion_deleted_row",
    "sichuan",
    WORKBOOK,
    _sichuan([F.Sheet("工资性支出", [("产出指标", 3), ("效益指标", 2)]),
              F.Sheet("办公设备购置", [("产出指标", 6), ("效益指标", 3)])]),
    [
        # 1: one 产出 indicator at 90 (weights are free within 90), the 效益 rows left blank: clean
        ("type", "工资性支出", sc_head(
            "51000021R000000019951-工资性支出", "中江县教育和体育局", "中江县实验中学",
            "按时足额发放在职人员工资，保障学校正常运转。", "全年按月足额发放58名在职人员工资。",
            "按月发放基本工资、绩效工资及各项津补贴。")),
        ("type", "工资性支出", sc_funds(("856.20", "862.45", "862.45", "100%", "10"), ("856.20", "862.45", "862.45"))),
        ("type", "工资性支出", sc_row(16, "数量指标", "保障在职人员工资发放人数", "≥", "58", "人", "58", "90", "90", "/")),
        ("type", "工资性支出", sc_close(21, "100", "工资按时足额发放，自评得分100分，评价等级为优。", "无", "无",
                                       "赵敏", "刘洋", "2024年1月18日")),
        # 2: the unit deletes one of the six 产出 rows it does not need (row 20), then fills the form
        ("delete_rows", "办公设备购置", 20, 1),
        ("type", "办公设备购置", sc_head(
            "51062323R000003310045-办公设备购置", "中江县教育和体育局", "中江县实验中学",
            "购置计算机30台、打印机10台，设备验收合格率100%。", "购置计算机30台、打印机10台，已验收投入使用。",
            "按政府采购程序完成询价采购、验收和资产登记。")),
        ("type", "办公设备购置", sc_funds(("45", "45", "44.1", "98%", "9.8"), ("45", "45", "44.1"))),
        ("type", "办公设备购置", {
            **sc_row(16, "数量指标", "购置计算机台数", "≥", "30", "台", "30", "20", "20", "/"),
            **sc_row(17, "数量指标", "购置打印机台数", "≥", "10", "台", "", "10", "10"),  # 完成值 blank, scored
            **sc_row(18, "质量指标", "设备验收合格率", "'=", "100", "%", "100%", "10", "10", "/"),
            **sc_row(19, "时效指标", "采购完成时间", "定性", "按时完成", "", "按时完成", "10", "10", "/"),
            **sc_row(20, "经济成本指标", "计算机采购单价", "≤", "0.6", "万元", "0.55", "10", "10", "/"),
            **sc_row(21, "社会效益指标", "办公效率提升", "定性", "效果明显", "", "达成预期指标", "10", "20", "/"),
            **sc_row(22, "可持续影响指标", "设备使用年限", "≥", "6", "年", "6", "10", "10"),
            **sc_row(23, "服务对象满意度指标", "教职工满意度", "≥", "90", "%", "95%", "10", "10"),
        }),
        ("type", "办公设备购置", sc_close(24, "109.8", "设备按期购置到位，自评得分109.8分。", "无", "无", "赵敏", "刘洋",
                                         "2024年1月18日")),
    ],
    what="two 四川 projects in one workbook: one indicator at 90; 20 on a 10-point row, a blank 完成值, a row deleted",
)


# --- national (池州 2022) ---------------------------------------------------------------------------
def na_head(name: str, department: str, unit: str) -> dict[str, str]:
    return {"B3": name, "B4": department, "F4": unit}


def na_funds(*rows: tuple[str, ...]) -> dict[str, str]:
    """年度资金总额 and its 其中 rows from row 6: (年初预算数, 全年预算数, 全年执行数[, 执行率, 得分]); the sub-rows'
    分值/执行率/得分 are the form's printed "—"."""
    cells: dict[str, str] = {}
    for i, row in enumerate(rows):
        r = 6 + i
        cells.update(zip((f"C{r}", f"D{r}", f"E{r}", f"G{r}", f"H{r}"), row, strict=False))
    return cells


def na_goal(row: int, goal: str, done: str) -> dict[str, str]:
    return {f"B{row}": goal, f"F{row}": done}


def na_row(r: int, level2: str, name: str, target: str, actual: str, weight: str, score: str,
           reason: str = "") -> dict[str, str]:
    return {f"C{r}": level2, f"D{r}": name, f"E{r}": target, f"F{r}": actual, f"G{r}": weight, f"H{r}": score,
            f"I{r}": reason}


TANGXI = ("219-池州市贵池区棠溪镇人民政府", "219001-池州市贵池区棠溪镇人民政府（本级）")
CHIZHOU_BLOCKS = [("产出指标(50分)", 4), ("效益指标(30分)", 2), ("满意度指标(10分)", 1)]

NATIONAL_CLEAN = Case(
    "national_chizhou_two_projects_clean",
    "national",
    WORKBOOK,
    lambda path: F.national(path, [F.Sheet("农村人居环境整治", CHIZHOU_BLOCKS), F.Sheet("防汛物资储备", CHIZHOU_BLOCKS)]),
    [
        ("type", "农村人居环境整治", {
            **na_head("农村人居环境整治", *TANGXI),
            **na_funds(("50", "62", "60.5", "97.58%", "9.76"), ("50", "55", "53.5"), ("0", "7", "7"), ("0", "0", "0")),
            **na_goal(11, "完成全镇12个行政村人居环境整治，完成农村改厕200户以上，生活垃圾无害化处理率达到90%。",
                      "完成12个村整治，改厕206户，生活垃圾无害化处理率92%。"),
            **na_row(13, "数量指标", "农村改厕户数", "≥200户", "206户", "20", "20"),
            **na_row(14, "数量指标", "整治行政村个数", "≥12个", "12个", "10", "10"),
            **na_row(15, "质量指标", "改厕验收合格率", "≥95%", "98%", "10", "10"),
            **na_row(16, "时效指标", "整治任务完成时限", "按时完成", "达成预期指标", "10", "10"),
            **na_row(17, "社会效益指标", "村容村貌改善", "效果明显", "达成预期指标", "15", "15"),
            **na_row(18, "生态效益指标", "农村生活垃圾无害化处理率", "≥90%", "92%", "15", "15"),
            **na_row(19, "服务对象满意度指标", "群众满意度", "≥90%", "93%", "10", "10"),
            "H20": "99.76",
        }),
        ("type", "防汛物资储备", {
            **na_head("防汛抗旱物资储备", *TANGXI),
            **na_funds(("8", "8", "8", "100%", "10"), ("8", "8", "8"), ("—", "—", "—")),
            **na_goal(11, "储备编织袋5000条、救生衣100件等防汛物资，确保汛期物资保障。",
                      "储备编织袋5200条、救生衣100件，汛期无人员伤亡。"),
            **na_row(13, "数量指标", "储备编织袋数量", "≥5000条", "5200条", "20", "20"),
            **na_row(14, "数量指标", "储备救生衣数量", "≥100件", "100件", "10", "10"),
            **na_row(15, "质量指标", "物资抽检合格率", "100%", "100%", "10", "10"),
            **na_row(16, "成本指标", "物资仓储租赁费", "≤2万元", "1.6万", "10", "10"),
            **na_row(17, "社会效益指标", "汛期因灾人员伤亡", "0人", "0人", "15", "15"),
            **na_row(18, "可持续影响指标", "防汛物资保障能力", "有效提升", "达成年度指标", "15", "15"),
            **na_row(19, "服务对象满意度指标", "群众满意度", "≥90%", "96%", "10", "10"),
            "H20": "100",
        }),
    ],
    what="a 池州 town's two projects in the national form: one cell \"≥200户\", 达成预期指标, codes before names",
)

NATIONAL_ZERO_TOTAL = Case(
    "national_total_row_left_zero_copied_row",
    "national",
    WORKBOOK,
    lambda path: F.national(path, [F.Sheet(SC, CHIZHOU_BLOCKS)]),
    [
        ("type", SC, {
            **na_head("棠溪镇村级道路维修", *TANGXI),
            # 年度资金总额 left at 0 while its 其中 row holds 90 / 89.974 (fault 1)
            **na_funds(("0", "0", "0", "99.97%", "10"), ("0", "90", "89.974"), ("0", "0", "0"), ("0", "0", "0")),
            **na_goal(11, "维修村级道路12公里，工程验收合格率95%以上，年内完工。",
                      "完成维修10.5公里（2处路段因征地调整未实施），已完工验收。"),
            # 10.5 of 12 公里 scored full, no reason (fault 2)
            **na_row(13, "数量指标", "道路维修里程", "≥12公里", "10.5公里", "15", "15"),
            **na_row(14, "质量指标", "工程验收合格率", "≥95%", "100%", "10", "10"),
            **na_row(15, "时效指标", "完工时间", "2022年11月底前", "按期完成", "10", "10"),
            **na_row(16, "成本指标", "每公里维修成本", "≤ 9万元", "8.57万元", "10", "10"),
            **na_row(17, "社会效益指标", "群众出行便利度", "效果明显", "达成预期指标", "20", "20"),
            **na_row(18, "可持续影响指标", "道路设计使用年限", "≥10年", "10年", "10", "10"),
            **na_row(19, "服务对象满意度指标", "沿线群众满意度", "≥90%", "95%", "10", "10"),
        }),
        # one more 质量 indicator: copy row 14 and insert the copied cells above row 15 (inside the merged
        # 产出指标 cell), then type over the copy
        ("copy_row_insert", SC, 14, 15),
        ("type", SC, {**na_row(15, "质量指标", "路面平整度达标率", "≥90%", "95%", "5", "5"), "H21": "100"}),
    ],
    what="national: 年度资金总额 0 with its 其中 row 90 / 89.974; 10.5 of 12 公里 scored full; a copied row",
)

NATIONAL_AB = Case(
    "national_ab_markers_central_subsidy_cost_level1",
    "national",
    WORKBOOK,
    lambda path: F.national(path, [F.Sheet(SC, [("产出指标(40分)", 3), ("成本指标(10分)", 1), ("效益指标(30分)", 2),
                                                ("满意度指标(10分)", 1)])], ab_markers=True),
    [
        ("type", SC, {
            **na_head("中央财政衔接推进乡村振兴补助资金（梅街镇产业项目）", "223-池州市贵池区梅街镇人民政府",
                      "223001-池州市贵池区梅街镇人民政府（本级）"),
            # 184 of 200 is 92 %: the 执行率 typed 100 % and the 得分 10 (faults 1 and 2)
            **na_funds(("150", "200", "184", "100%", "10"), ("100", "120", "112"), ("50", "60", "52"), ("0", "20", "20"),
                       ("0", "0", "0")),
            **na_goal(12, "实施3个帮扶产业项目，带动脱贫户年均增收1000元以上。",
                      "完成3个产业项目建设并验收，带动326名脱贫人口户均增收1150元。"),
            **na_row(14, "数量指标", "帮扶产业项目个数", "≥3个", "3个", "15", "15"),
            **na_row(15, "质量指标", "项目验收合格率", "100%", "100%", "15", "15"),
            **na_row(16, "时效指标", "资金拨付及时率", "≥90%", "95%", "10", "10"),
            **na_row(17, "经济成本指标", "项目总成本", "≤200万元", "184万元", "10", "10"),
            **na_row(18, "经济效益指标", "脱贫户户均增收", "≥1000元/户", "1150元/户", "15", "15"),
            **na_row(19, "社会效益指标", "受益脱贫人口数", "≥300人", "326人", "15", "15"),
            **na_row(20, "服务对象满意度指标", "受益群众满意度", "≥90%", "94%", "10", "10"),
            "H21": "100",
        }),
    ],
    what="national with (A)/(B) markers, a 中央补助 row and 成本指标 as its own 一级; 执行率 and 得分 typed wrong",
)


# --- 一体化 exports --------------------------------------------------------------------------------------
def _yitihua(exports: list[F.Export], levels: bool) -> Callable[[Path], None]:
    return lambda path: F.yitihua(path, exports, levels=levels)


YITIHUA_LEVELS_EXPORT = F.Export(
    "项目支出绩效自评", "34170222Y000000031275-中小学校园安保服务", "305-池州市贵池区教育局",
    "305001-池州市贵池区教育局（本级）", "汪海",
    [("合计", 240, 0, 240), ("当年财政资金", 240, 0, 240), ("上年结转资金", 0, 0, 0), ("其他资金", 0, 0, 0)],
    "为全区42所中小学配备专职保安126名，校园安全责任事故为零。",
    [
        F.Approved("产出指标", "数量指标", "配备专职保安人数", "≥", 126, "人", 20),
        F.Approved("产出指标", "数量指标", "覆盖学校数", "≥", 42, "所", 10),
        F.Approved("产出指标", "质量指标", "保安持证上岗率", "=", 100, "%", 10),
        F.Approved("产出指标", "时效指标", "服务费按季度支付", "定性", "按时完成", "", 10),
        F.Approved("效益指标", "社会效益指标", "校园安全责任事故", "=", 0, "起", 15),
        F.Approved("效益指标", "可持续影响指标", "校园安全长效机制", "定性", "健全", "", 15),
        F.Approved("满意度指标", "服务对象满意度指标", "师生家长满意度", "≥", 90, "%", 10),
    ],
)

YITIHUA_LEVELS = Case(
    "yitihua_levels_export_clean",
    "yitihua",
    WORKBOOK,
    _yitihua([YITIHUA_LEVELS_EXPORT], levels=True),
    [
        ("type", "项目支出绩效自评", {
            "E7": "236.4", "F7": "98.5", "G7": "9.85", "E8": "236.4", "F8": "98.5", "E9": "0", "E10": "0",
            "E13": "已为42所中小学配备持证保安126名，全年未发生校园安全责任事故。", "H13": "无",
            "G16": "126", "I16": "20", "G17": "42", "I17": "10", "G18": "100", "I18": "10", "G19": "达成", "I19": "10",
            "G20": "0", "I20": "15", "G21": "达成", "I21": "15", "G22": "96", "I22": "10", "I23": "99.85",
        }),
    ],
    what="an 一体化 export with 一级/二级 columns, 计算符号 and 计量单位 in their own cells, 当前完成值: clean",
)

YITIHUA_FLAT_EXPORT = F.Export(
    "绩效自评表", "34170222Y000000045120-城区绿化养护", "318-池州市贵池区住房和城乡建设局",
    "318002-池州市贵池区园林绿化管理所", "方志强",
    [("合计", 300, 18, 318), ("当年财政资金", 300, 0, 300), ("上年结转资金", 0, 18, 18), ("其他资金", 0, 0, 0)],
    "完成城区120公顷绿地日常养护，苗木成活率95%以上，养护作业成本控制在280万元以内。",
    [
        F.Approved("", "", "日常养护绿地面积", "≥", 120, "公顷", 20),
        F.Approved("", "", "苗木成活率", "≥", 95, "%", 15),
        F.Approved("", "", "病虫害防治及时率", ">", 90, "%", 15),
        F.Approved("", "", "养护作业成本", "≤", 280, "万元", 10),
        F.Approved("", "", "绿化安全生产事故", "=", 0, "起", 10),
        F.Approved("", "", "市民对城区绿化满意度", "≥", 85, "%", 10),
        F.Approved("", "", "绿化管护长效机制", "定性", "完善", "", 10),
    ],
)

YITIHUA_FLAT = Case(
    "yitihua_flat_export_reverse_overrun_executed_parts",
    "yitihua",
    WORKBOOK,
    _yitihua([YITIHUA_FLAT_EXPORT], levels=False),
    [
        ("type", "绩效自评表", {
            # 合计 执行 310 while its parts are 290 + 18 + 0 = 308 (fault 1)
            "E7": "310", "F7": "97.48", "G7": "9.75", "E8": "290", "F8": "96.67", "E9": "18", "F9": "100", "E10": "0",
            "D13": "完成120.5公顷绿地养护，苗木成活率97%；养护作业成本302万元。",
            "F13": "苗木补植及极端天气抢护增加支出，下年度优化养护方案。",
            "D16": "120.5", "G16": "20", "D17": "97", "G17": "15", "D18": "93", "G18": "15",
            "D19": "302", "G19": "10",  # ≤ 280 万元 at 302 scored full, no reason (fault 2)
            "D20": "0", "G20": "10", "D21": "91", "G21": "10", "D22": "达成", "G22": "10", "G23": "99.75",
        }),
    ],
    what="an 一体化 grid without 一级/二级 (指标名称｜计算符号｜指标值｜实际完成值｜计量单位…): a cost overrun scored "
    "full, 合计 执行数 ≠ its parts",
)


# --- 湖北 (older) ------------------------------------------------------------------------------------------
def hb_row(r: int, level2: str, name: str, target: str, actual: str, weight: str, score: str,
           reason: str = "") -> dict[str, str]:
    return {f"B{r}": level2, f"C{r}": name, f"D{r}": target, f"E{r}": actual, f"F{r}": weight, f"G{r}": score,
            f"H{r}": reason}


HUBEI = Case(
    "hubei_process_level1_budget_score_total_off",
    "hubei",
    WORKBOOK,
    lambda path: F.hubei(path, [F.Sheet("Sheet1", [("产出指标", 3), ("过程指标", 2), ("效益指标", 2), ("满意度指标", 1)])]),
    [
        ("type", "Sheet1", {
            "B3": "农业技术推广服务补助", "B4": "荆门市农业农村局", "F4": "荆门市农业技术推广中心",
            # 72 of 80 is 90 %: 得分(分*执行率) typed 10 (fault 1)
            "C6": "80", "D6": "72", "E6": "90%", "F6": "10",
            "B8": "推广主导品种10个以上，培训农民2000人次，技术到位率95%以上。",
            "E8": "推广主导品种11个，培训农民2150人次，技术到位率96%。",
            **hb_row(10, "数量指标", "推广主导品种数", "≥10个", "11个", "15", "15", "/"),
            **hb_row(11, "数量指标", "培训农民人次", "≥2000人次", "2150人次", "15", "15"),
            **hb_row(12, "质量指标", "技术到位率", "≥95%", "96%", "10", "10"),
            **hb_row(13, "资金管理", "资金使用合规性", "合规", "达成", "10", "10"),
            # 部分达成 scored full, explained (fault 2)
            **hb_row(14, "组织实施", "制度执行有效性", "有效", "部分达成", "10", "10", "个别乡镇项目台账不完整"),
            **hb_row(15, "经济效益指标", "示范区亩均增收", "≥100元", "120元", "10", "10"),
            **hb_row(16, "社会效益指标", "农民技术水平提升", "明显提升", "达成", "10", "10"),
            **hb_row(17, "服务对象满意度指标", "农户满意度", "≥90%", "92%", "10", "10"),
            "G18": "98",  # Σ is 100 (fault 3)
        }),
    ],
    what="an older 湖北 form: 得分(分*执行率) 10 for 90 %, 部分达成 scored full, 总分 98 for 100; a 过程指标 一级",
)


# --- Word reports ------------------------------------------------------------------------------------
def _sichuan_report(path: Path) -> None:
    q = ("0.00", "0.00", "0.00", "/", "/", "")
    one = W.Sichuan(
        "51062323R000002210457-公共文化服务体系建设", "中江县文化广播电视和旅游局", "中江县文化馆",
        "全年送文化下乡演出40场以上，开展公益培训1500人次以上。", "送文化下乡演出42场，公益培训1620人次。",
        "组织文艺小分队送文化下乡，开展书法、舞蹈等公益培训。",
        [("60.00", "60.00", "59.70", "99.50%", "9.95", ""), ("60.00", "60.00", "59.70", "99.50%", "/", ""), q, q, q],
        [
            ("产出指标", "数量指标", "送文化下乡演出场次", "≥", "40", "场", "42", "20", "20", "/"),
            ("产出指标", "数量指标", "公益培训人次", "≥", "1500", "人次", "1620", "15", "15", "/"),
            ("产出指标", "质量指标", "演出安全事故", "=", "0", "起", "0", "15", "15", "/"),
            ("产出指标", "时效指标", "活动按计划完成率", "≥", "95", "%", "98%", "10", "10", "/"),
            ("效益指标", "社会效益指标", "群众文化生活丰富程度", "定性", "效果明显", "", "达成预期指标", "15", "15", "/"),
            ("效益指标", "服务对象满意度指标", "群众满意度", "≥", "90", "%", "95", "15", "15", "/"),
        ],
        "99.95", "项目绩效目标全面完成，自评得分99.95分，评价等级为优。", "无", "继续提升送文化下乡节目质量。",
        ("周莉", "黄涛", "2024年1月22日"),
    )
    two = W.Sichuan(
        "51062323R000002210533-非物质文化遗产保护传承", "中江县文化广播电视和旅游局", "中江县非物质文化遗产保护中心",
        "资助非遗传承人25人以上，举办非遗展演8场。", "资助传承人26人，举办展演8场；部分补助次年拨付。",
        "开展传承人补助发放、非遗展演和传承基地建设。",
        # 80 % executed, the reason given, but 得分 10 (fault 1)
        [("80.00", "80.00", "64.00", "80.00%", "10", "项目跨年度实施，部分传承人补助于次年一季度拨付"),
         ("80.00", "80.00", "64.00", "80.00%", "/", ""), q, q, q],
        [
            ("产出指标", "数量指标", "资助非遗传承人人数", "≥", "25", "人", "26", "20", "20", "/"),
            ("产出指标", "数量指标", "非遗展演活动场次", "≥", "8", "场", "8", "15", "15", "/"),
            ("产出指标", "质量指标", "传承人考核合格率", "≥", "90", "%", "92%", "15", "15", "/"),
            ("产出指标", "经济成本指标", "单场展演成本", "≤", "1.5", "万元", "1.45", "10", "10", "/"),
            # 部分达成 scored 14 of 15 (the band is 9–12), explained (fault 2)
            ("效益指标", "社会效益指标", "非遗传承保护效果", "定性", "效果明显", "", "部分达成预期指标并具有一定效果", "15",
             "14", "部分项目传承人后继乏人，下年度扩大学徒招收"),
            ("效益指标", "可持续影响指标", "非遗项目存续状态", "定性", "稳定", "", "达成预期指标", "15", "15", "/"),
        ],
        "99", "项目基本完成年度目标，自评得分99分，评价等级为优。", "部分补助资金拨付滞后。", "加快资金拨付进度。",
        ("周莉", "黄涛", "2024年1月22日"),
    )
    before = ("部门预算项目支出绩效自评表(2023年度)", "报表编号:510000_0013zp")
    W.report(
        path,
        "中江县文化广播电视和旅游局2023年度项目支出绩效自评报告",
        ["一、项目基本情况", "2023年度我局共实施部门预算项目2个，按照县财政局的通知开展了项目支出绩效自评。",
         "二、项目绩效自评情况"],
        [W.Table("1、公共文化服务体系建设", W.sichuan_rows(one), W.SICHUAN_WIDTH,
                 "通过自评，该项目得分为99.95分，评价等级为优。", before),
         W.Table("2、非物质文化遗产保护传承", W.sichuan_rows(two), W.SICHUAN_WIDTH,
                 "通过自评，该项目得分为99分，评价等级为优。", before)],
        ["三、存在的问题及改进措施", "部分项目资金拨付滞后，下年度加快执行进度。"],
    )


def _national_report(path: Path) -> None:
    p = W.National(
        "棠溪镇农村饮水安全巩固提升", *TANGXI,
        [("年度资金总额", "35", "40", "39.2", "10", "98%", "9.8"), ("其中：本年财政拨款", "35", "40", "39.2", "—", "—", "—"),
         ("上年结转资金", "0", "0", "0", "—", "—", "—"), ("其他资金", "0", "0", "0", "—", "—", "—")],
        "完成200户以上农村饮水管网改造，水质达标率100%。", "完成186户管网改造（部分农户外出未入户施工），水质达标率100%。",
        [
            # 186 of 200 户 scored 18.6 (right) but no reason (fault 1)
            ("产出指标(50分)", "数量指标", "管网改造户数", "≥200户", "186户", "20", "18.6", ""),
            ("产出指标(50分)", "质量指标", "水质达标率", "100%", "100%", "15", "15", ""),
            ("产出指标(50分)", "时效指标", "工程完工时间", "按时完成", "达成预期指标", "10", "10", ""),
            ("产出指标(50分)", "成本指标", "户均改造成本", "≤0.2万元", "0.19万元", "5", "5", ""),
            ("效益指标(30分)", "社会效益指标", "群众饮水安全保障", "效果明显", "达成预期指标", "15", "15", ""),
            ("效益指标(30分)", "可持续影响指标", "管网设计使用年限", "≥15年", "15年", "15", "15", ""),
            ("满意度指标(10分)", "服务对象满意度指标", "受益群众满意度", "≥90%", "95%", "10", "10", ""),
        ],
        "98.4",
    )
    W.report(
        path,
        "池州市贵池区棠溪镇人民政府2022年度项目支出绩效自评报告",
        ["根据区财政局要求，我镇对2022年度项目支出开展了绩效自评，现将自评情况报告如下。"],
        # the conclusion states 96.4 for a table whose 总分 is 98.4 (fault 2)
        [W.Table("一、棠溪镇农村饮水安全巩固提升", W.national_rows(p), W.NATIONAL_WIDTH,
                 "通过自评，该项目得分为96.4分，评价等级为优。", ("项目支出绩效自评表", "（2022年度）"))],
        ["二、下一步工作", "加强项目前期入户摸底，提高改造户数完成率。"],
    )


def _yitihua_report(path: Path) -> None:
    p = W.Yitihua(
        "34170222Y000000052210-基本公共卫生服务", "312-池州市贵池区卫生健康委员会", "312004-池州市贵池区疾病预防控制中心",
        "何静",
        [("合计", "500", "-20", "480", "471.6", "98.25", "9.83"), ("当年财政资金", "450", "-20", "430", "421.6", "98.05", ""),
         ("上年结转资金", "50", "0", "50", "50", "100", ""), ("其他资金", "0", "0", "0", "0", "", "")],
        "完成辖区65岁以上老年人健康管理，管理率不低于65%；适龄儿童疫苗接种率90%以上。",
        "老年人健康管理率68.2%，居民电子健康档案建档率63%。", "无",
        [
            ("产出指标", "数量指标", "65岁以上老年人健康管理率", "≥", "65", "%", "68.2%", "20", "20", ""),
            # "/" for a scored completion value (fault 1)
            ("产出指标", "数量指标", "适龄儿童疫苗接种率", "≥", "90", "%", "/", "20", "20", ""),
            ("产出指标", "质量指标", "居民电子健康档案建档率", "≥", "60", "%", "63", "10", "10", ""),
            ("效益指标", "社会效益指标", "重大传染病暴发流行", "=", "0", "起", "0", "15", "15", ""),
            # 达成 scored 12.5 of 15 (inside the band), no reason (fault 2)
            ("效益指标", "可持续影响指标", "基层公共卫生服务能力", "定性", "稳步提升", "", "达成", "15", "12.5", ""),
            ("满意度指标", "服务对象满意度指标", "居民满意度", "≥", "85", "%", "88", "10", "10", ""),
        ],
        "97.33",
    )
    W.report(
        path,
        "池州市贵池区疾病预防控制中心2022年度项目支出绩效自评报告",
        ["本报告所附自评表由预算管理一体化系统导出。"],
        [W.Table("一、基本公共卫生服务", W.yitihua_rows(p), W.YITIHUA_WIDTH, "通过自评，该项目得分为97.33分，评价等级为优。",
                 ("项目支出绩效自评表", "（2022年度）"))],
        ["二、存在问题", "部分指标完成值未及时从系统中导出。"],
    )


def _hubei_report(path: Path) -> None:
    p = W.Hubei(
        "耕地质量监测", "荆门市农业农村局", "荆门市耕地质量保护站", ("30", "28.5", "95%", "9.5"),
        "完成40个耕地质量监测点取样化验，形成年度监测报告。", "完成40个监测点取样化验，形成年度监测报告并发布。",
        [
            ("产出指标", "数量指标", "监测点数量", "≥40个", "40个", "20", "20", "/"),
            ("产出指标", "质量指标", "样品化验合格率", "≥95%", "98%", "10", "10", "/"),
            ("产出指标", "时效指标", "监测报告完成时间", "12月底前", "按期完成", "10", "10", "/"),
            ("过程指标", "资金管理", "资金使用合规性", "合规", "达成", "10", "10", "/"),
            ("过程指标", "组织实施", "项目管理制度健全性", "健全", "达成", "10", "10", "/"),
            ("效益指标", "社会效益指标", "耕地质量等级提升", "≥0.1等", "0.12等", "10", "10", "/"),
            ("效益指标", "可持续影响指标", "监测数据长期应用", "有效应用", "达成", "10", "10", "/"),
            ("满意度指标", "服务对象满意度指标", "种植户满意度", "≥90%", "93%", "10", "10", "/"),
        ],
        "99.5",
    )
    W.report(
        path,
        "荆门市农业农村局2019年度项目支出绩效自评报告",
        ["按照省财政厅关于开展2019年度项目支出绩效自评的通知要求，我局对耕地质量监测项目开展了自评。"],
        [W.Table("一、耕地质量监测", W.hubei_rows(p), W.HUBEI_WIDTH, "通过自评，该项目得分为99.5分，评价等级为优。",
                 ("项目支出绩效自评表", "（2019年度）"))],
        ["二、结果应用", "自评结果将作为下年度预算安排的参考。"],
    )


WORD_CASES = [
    Case("sichuan_report_two_tables_budget_score_partial_scored_high", "sichuan", DOCUMENT, document=_sichuan_report,
         what="a 四川 unit's report, two forms: 80 % executed scored 10; 部分达成 scored 14 of 15; conclusions agree"),
    Case("national_report_missing_reason_conclusion_disagrees", "national", DOCUMENT, document=_national_report,
         what="a 池州 town's report: 186 of 200 户 without a reason; the conclusion states 96.4 for 98.4"),
    Case("yitihua_report_placeholder_completion_missing_reason", "yitihua", DOCUMENT, document=_yitihua_report,
         what="an 一体化 export pasted into a report: \"/\" as a scored completion value; 达成 at 12.5 of 15 unexplained"),
    Case("hubei_report_clean", "hubei", DOCUMENT, document=_hubei_report,
         what="an older 湖北 form in a report, clean: a 过程指标 一级, the budget scored 得分(分*执行率)"),
]

CASES = [SICHUAN_CLEAN, SICHUAN_FAULTS, SICHUAN_TWO, NATIONAL_CLEAN, NATIONAL_ZERO_TOTAL, NATIONAL_AB,
         YITIHUA_LEVELS, YITIHUA_FLAT, HUBEI, *WORD_CASES]
# fmt: on
BY_NAME = {c.name: c for c in CASES}


def files(case: Case) -> tuple[str, str]:
    """The two saves of a case: (office, script)."""
    ext = "xlsx" if case.kind == WORKBOOK else "docx"
    return f"{case.name}.office.{ext}", f"{case.name}.script.{ext}"


def build(case: Case, lo, out: Path) -> tuple[Path, Path]:
    """Make the case's office and script saves in ``out``."""
    import openpyxl

    office_name, script_name = files(case)
    with tempfile.TemporaryDirectory() as tmp:
        if case.kind == DOCUMENT:
            script = out / script_name
            case.document(script)
            tmp_office = Path(tmp, office_name)
            doc = lo.open(script)
            lo.save_as(doc, tmp_office, "MS Word 2007 XML")
            lo.close(doc)
            shutil.copyfile(tmp_office, out / office_name)
            return out / office_name, script
        blank = Path(tmp, "blank.xlsx")
        case.blank(blank)
        doc = lo.open(blank)
        from office import apply_steps

        apply_steps(lo, doc, case.steps)
        lo.recalc(doc)
        tmp_office = Path(tmp, office_name)
        lo.save_xlsx(doc, tmp_office)
        lo.close(doc)
        shutil.copyfile(tmp_office, out / office_name)
        wb = openpyxl.load_workbook(tmp_office)  # the script: formulas kept, their results dropped
        wb.save(out / script_name)
        wb.close()
    return out / office_name, out / script_name


def main(argv: list[str] | None = None) -> int:
    from office import make_cases

    return make_cases(__doc__.split("\n")[0], CASES, BY_NAME, build, HERE, argv)


if __name__ == "__main__":
    sys.exit(main())
