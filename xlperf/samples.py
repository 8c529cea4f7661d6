"""Sample workbooks as data, and the function that writes them (``python -m xlperf.samples``).

1. 长安区委编办_2020: the seed report (a real 2020 self-evaluation, four forms) as the unit filled it in,
   moved onto the template as ``xlperf import`` moves it (:func:`xlperf.core.restructure.structure`:
   "100%" becomes 100 with the unit %, read to the same values): blanks where the unit left blanks,
   totals typed, no 分值 (the template's 分值 column holds the weights the seed's 一级 labels imply), no
   计算符号, the 一级 labels as printed ("产出指标（40）"). Nothing is corrected: the tool's job is to find
   what is wrong (e.g. project 1's 预算执行率 says 50% while 2/2 were spent; project 2 scores 20 on a
   10-point row).
2. 西安市雁塔区教育局_2020: made up but realistic (national preset), six projects, 分值 filled, a few
   typical mistakes listed in :data:`KNOWN_ISSUES`.
3. 西安市长安区财政局_2020: made up, clean, three projects (shaanxi preset).

Also writes the committed blank templates (workbooks/绩效自评表.xlsx and the 陕西 variant). Tests rebuild
every file and compare, so what is committed is what this code makes.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

from xlperf import presets
from xlperf.core import labels as L
from xlperf.core.restructure import structure
from xlperf.writers.template import IndicatorData, ProjectData, UnitData, funds_from, save_template

OUTPUT, BUDGET, BENEFIT, SATISFACTION = L.SECTIONS[0], L.SECTIONS[1], L.SECTIONS[2], L.SECTIONS[3]
P, R, E, Q = L.KIND_POSITIVE, L.KIND_REVERSE, L.KIND_EQUAL, L.KIND_QUALITATIVE


@dataclass
class TypedRow:
    """An indicator row as a unit types it into a form that holds each value in one cell (指标类型,
    "≥95%", "98%"): the seed's form, the previous template's, a Word report's."""

    level1: str  # a section key (labels.SECTIONS)
    level2: object = None
    name: object = None
    target: object = None
    actual: object = None  # None on the 预算执行率 row: the template's formula (= 执行率)
    score: object = None
    weight: object = None
    kind: object = None
    reason: object = None

    def cells(self) -> IndicatorData:
        """The row in the template's structured cells (:func:`xlperf.core.restructure.structure`)."""
        c = structure(self.kind, self.target, self.actual)
        return IndicatorData(self.level1, self.level2, name=self.name, kind=c.sign, target=c.target, unit=c.unit,
                             actual=c.actual, weight=self.weight, score=self.score, reason=self.reason)  # fmt: skip


@dataclass
class TypedProject:
    """One form as typed: the funds as (合计, 其中：财政资金, 其他) per amount, goals, rows, the total."""

    name: object
    unit: object
    budget: tuple
    arrived: tuple
    executed: tuple
    goals: list[tuple]
    indicators: list[TypedRow]
    total: object = None
    level1_labels: dict[str, str] = field(default_factory=dict)

    def data(self) -> ProjectData:
        """The form on the template: structured rows, the funds in its columns; where the form has no 分值
        (the seed's), the weights its 一级 labels imply, split over the rows in use (as the checks read
        it and as ``xlperf import`` fills the column)."""
        rows = [r.cells() for r in self.indicators]
        if all(r.weight is None for r in rows) and self.level1_labels:
            used = [
                r for r in rows if any(x is not None for x in (r.name, r.target, r.actual, r.score, r.reason))
            ]
            for section in {r.level1 for r in used}:
                mine = [r for r in used if r.level1 == section]
                weight = L.weight_in_label(self.level1_labels[section]) / len(mine)
                for r in mine:
                    r.weight = int(weight) if weight.is_integer() else weight
        return ProjectData(
            name=self.name,
            unit=self.unit,
            funds=funds_from(self.budget, self.arrived, self.executed),
            goals=self.goals,
            indicators=rows,
            total=self.total,
            level1_labels=dict(self.level1_labels),
        )


@dataclass
class Sample:
    """One unit's sample workbook: what it holds (as typed) and what is wrong in it on purpose."""

    file: str  # file name under workbooks/samples/
    preset: str
    unit: UnitData
    projects: list[TypedProject]
    known_issues: list[tuple[str, str, str]] = field(default_factory=list)  # (sheet, rule ID, what)

    def data(self) -> list[ProjectData]:
        return [p.data() for p in self.projects]


def _row(section, level2, name, target, actual, score, weight=None, kind=None, reason=None) -> TypedRow:
    return TypedRow(section, level2, name, target, actual, score, weight, kind, reason)


# --- 1. the seed: 长安区委编办 2020 -----------------------------------------------------------------

SEED_LEVEL1 = {
    OUTPUT: "产出指标（40）",
    BUDGET: "预算执行率指标\n（10分）",
    BENEFIT: "效益指标（40）",
    SATISFACTION: "满意度指标\n（10分）",
}
SEED_UNIT = "长安区委编办"


def _seed_project(name, amount, rows, total) -> TypedProject:
    funds = (amount, amount, None)
    return TypedProject(name, SEED_UNIT, funds, funds, funds, [(amount, amount, "100%")], rows, total,
                        dict(SEED_LEVEL1))  # fmt: skip


SEED = Sample(
    file="长安区委编办_2020.xlsx",
    preset="shaanxi",
    unit=UnitData(name=SEED_UNIT, department="中共西安市长安区委员会", year="2020"),
    projects=[
        _seed_project(
            "机构编制管理工作监督检查",
            2,
            [
                _row(OUTPUT, "数量指标", "机构编制文件、会议纪要等视情况而定", "100%", "100%", 10),
                _row(OUTPUT, "质量指标", "按时完成入编", "100%", "100%", 10),
                _row(OUTPUT, "时效指标", "完成工作与计划的比例", "100%", "100%", 10),
                _row(OUTPUT, "成本指标", "购买办公用品等", "100%", "100%", 10),
                _row(BUDGET, "预算执行率", "预算支出进度执行率", "100%", "50%", 10),
                _row(BENEFIT, "经济效益指标", "保障工作正常运行，助推经济持续快速发展", "100%", "100%", 10),
                _row(
                    BENEFIT,
                    "社会效益指标",
                    "将机构编制资源配置向民生等领域倾斜，为社会经济发展提供体制机制保障",
                    "100%",
                    "100%",
                    8,
                ),
                _row(BENEFIT, "生态效益指标", "产生良好的社会生态效益", "100%", "100%", 10),
                _row(BENEFIT, "可持续影响指标", "保障工作正常运行，助推经济持续快速发展", "100%", "100%", 10),
                _row(SATISFACTION, "满意度指标", "满意度", "100%", "98%", 8),
            ],
            96,
        ),
        _seed_project(
            "实名制管理及编制使用核准",
            1,
            [
                _row(OUTPUT, "数量指标", "及时维护机构编制信息平台数据库", None, None, 10),
                _row(OUTPUT, "质量指标", "组织拟订区本级年度编制使用计划；", "100%", "100%", 10),
                _row(OUTPUT, "时效指标", "实际完成使用核准卡占年度使用计划百分比", None, None, 10),
                _row(OUTPUT, "成本指标", "购买办公用品，印刷费，培训等", "100%", "100%", 10),
                _row(BUDGET, "预算执行率", "预算支出进度执行率", "100%", "68%", 10),
                _row(BENEFIT, "经济效益指标", "确保合法权益", "100%", "100%", 10),
                _row(BENEFIT, "社会效益指标", "编制的动态管理", "100%", "100%", 20),
                _row(BENEFIT, "生态效益指标", None, "100%", "100%", 0),
                _row(BENEFIT, "可持续影响指标", "全面推行实名制管理", "100%", "100%", 10),
                _row(SATISFACTION, "满意度指标", "群众满意度", "100%", "100%", 7),
            ],
            97,
        ),
        _seed_project(
            "政务和中文域名注册费",
            1.6,
            [
                _row(OUTPUT, "数量指标", "全区域名数量", "100%", "100%", 10),
                _row(OUTPUT, "质量指标", "保障域名正常使用", "100%", "100%", 10),
                _row(OUTPUT, "时效指标", "全年", "100%", "100%", 10),
                _row(OUTPUT, "成本指标", "保障全区单位域名使用", None, None, 10),
                _row(BUDGET, "预算执行率", "预算支出进度执行率", "100%", "100%", 10),
                _row(
                    BENEFIT,
                    "经济效益指标",
                    "做好政务和公益中文域名注册管理和挂标工作，注册率和挂标率达到100%",
                    "100%",
                    "100%",
                    10,
                ),
                _row(
                    BENEFIT,
                    "社会效益指标",
                    "有效推进了党政群机关和事业单位的政务公开，接受社会监督",
                    "100%",
                    "100%",
                    10,
                ),
                _row(BENEFIT, "生态效益指标", "更好保障全区单位域名，产生良好社会效益", "100%", "100%", 10),
                _row(
                    BENEFIT,
                    "可持续影响指标",
                    "增强群众对党政群机关和事业单位工作动态的了解",
                    "100%",
                    "100%",
                    10,
                ),
                _row(SATISFACTION, "满意度指标", "群众满意度", "100%", "100%", 9),
            ],
            99,
        ),
        _seed_project(
            "事业单位法人登记管理工作",
            1.6,
            [
                _row(OUTPUT, "数量指标", "完成工作量与计划的比例", "100%", "100%", 10),
                _row(OUTPUT, "质量指标", "严格按照条例规定，做好法人年检工作", "100%", "100%", 10),
                _row(OUTPUT, "时效指标", "按照要求，完成事业单位法人年检工作", "100%", "100%", 10),
                _row(OUTPUT, "成本指标", "办公费，印刷费", "100%", "100%", 10),
                _row(BUDGET, "预算执行率", "预算支出进度执行率", "100%", "100%", 10),
                _row(
                    BENEFIT, "经济效益指标", "对事业单位年度工作监督，确保了群众合法权益", "100%", "100%", 20
                ),
                _row(BENEFIT, "社会效益指标", "加强监督，产生良好的社会效益", "100%", "100%", 9),
                _row(BENEFIT, "生态效益指标", None, None, None, None),
                _row(BENEFIT, "可持续影响指标", "指导监督事业单位对条例的落实情况", "100%", "100%", 10),
                _row(SATISFACTION, "满意度指标", "群众的满意度", "100%", "100%", 8),
            ],
            97,
        ),
    ],
    known_issues=[
        ("自评表1", "XP002", "预算执行率实际完成值 50%，而执行数/预算数 = 2/2 = 100%"),
        ("自评表2", "XP002", "预算执行率实际完成值 68%，而执行数/预算数 = 1/1 = 100%"),
        ("自评表2", "XP005", "社会效益指标得分 20，超过每行 10 分"),
        ("自评表2", "XP008", "数量指标、时效指标的预期指标值和实际完成值为空，却给了 10 分"),
        ("自评表2", "XP011", "生态效益指标没有三级指标名称"),
        ("自评表3", "XP008", "成本指标的预期指标值和实际完成值为空，却给了 10 分"),
        ("自评表4", "XP005", "经济效益指标得分 20，超过每行 10 分"),
        ("自评表*", "XP001", "预算执行进度均未填写"),
    ],
)


# --- 2. made up: 西安市雁塔区教育局 2020 (national preset) ---------------------------------------------

EDU_UNIT = "西安市雁塔区教育局"


def _edu(name, budget, executed, goal, rows, total) -> TypedProject:
    return TypedProject(name, EDU_UNIT, budget, budget, executed, [goal], rows, total)


EDU = Sample(
    file="西安市雁塔区教育局_2020.xlsx",
    preset="national",
    unit=UnitData(
        name=EDU_UNIT, department="西安市雁塔区教育局", year="2020", filler="张敏", phone="029-85261234"
    ),
    projects=[
        _edu(
            "中小学校舍维修改造项目",
            (500, 450, 50),
            (486.5, 436.5, 50),
            (
                "完成辖区内12所中小学校舍屋面防水、外墙及门窗维修改造，消除校舍安全隐患",
                "完成12所学校维修改造任务，均通过竣工验收",
                "100%",
            ),
            [
                _row(OUTPUT, "数量指标", "维修改造学校数量", "≥12个", "12个", 15, 15, P),
                _row(OUTPUT, "质量指标", "工程竣工验收合格率", "100%", "100%", 15, 15, P),
                _row(OUTPUT, "时效指标", "暑期内完工率", "≥95%", "100%", 10, 10, P),
                _row(OUTPUT, "成本指标", "单校平均维修成本", "≤42万元", "40.5万元", 10, 10, R),
                _row(
                    BUDGET,
                    "预算执行率",
                    "预算支出进度执行率",
                    "100%",
                    "97.3%",
                    9.7,
                    10,
                    P,
                    "部分维修工程质保金13.5万元待质保期满后支付。",
                ),
                _row(BENEFIT, "社会效益指标", "消除校舍安全隐患，改善办学条件", "达成", "达成", 15, 15, Q),
                _row(BENEFIT, "可持续影响指标", "延长校舍使用年限", "达成", "达成", 15, 15, Q),
                _row(SATISFACTION, "满意度指标", "师生及家长满意度", "≥90%", "95%", 10, 10, P),
            ],
            99.7,
        ),
        _edu(
            "家庭经济困难学生资助",
            (320, 320, None),
            (320, 320, None),
            (
                "资助家庭经济困难学生约2600人，做到应助尽助",
                "资助家庭经济困难学生2650人，资助资金全部足额发放到位",
                "100%",
            ),
            [
                _row(OUTPUT, "数量指标", "资助学生人数", "≥2600人", "2650人", 20, 20, P),
                _row(OUTPUT, "质量指标", "资助对象认定准确率", "100%", "100%", 15, 15, P),
                _row(OUTPUT, "时效指标", "资助资金按学期及时发放", "达成", "达成", 15, 15, Q),
                _row(BUDGET, "预算执行率", "预算支出进度执行率", "100%", "100%", 10, 10, P),
                _row(BENEFIT, "社会效益指标", "家庭经济困难学生因贫失学率", "0%", "0%", 15, 15, E),
                _row(BENEFIT, "可持续影响指标", "资助政策宣传知晓率", "≥90%", "96%", 15, 15, P),
                _row(SATISFACTION, "满意度指标", "受助学生及家长满意度", "≥95%", "98%", 10, 10, P),
            ],
            100,
        ),
        _edu(
            "中小学教师继续教育培训",
            (120, 120, None),
            (86.4, 86.4, None),
            (
                "组织全区中小学教师全员培训，年度培训不少于3000人",
                "受疫情影响，线下集中培训改为线上培训，完成培训3120人",
                "100%",
            ),
            [
                _row(OUTPUT, "数量指标", "培训教师人数", "≥3000人", "3120人", 15, 15, P),
                _row(
                    OUTPUT,
                    "质量指标",
                    "培训考核合格率",
                    "≥95%",
                    "85%",
                    13.4,
                    15,
                    P,
                    "线上培训考核组织不够严格，部分教师未按时参加考核。下一年度将完善线上考核和补考制度。",
                ),
                _row(
                    OUTPUT,
                    "时效指标",
                    "培训计划按期完成率",
                    "100%",
                    "80%",
                    8,
                    10,
                    P,
                    "受疫情影响，两期集中培训延期至次年一季度举办。",
                ),
                _row(OUTPUT, "成本指标", "人均培训成本", "≤400元", "277元", 10, 10, R),
                _row(
                    BUDGET,
                    "预算执行率",
                    "预算支出进度执行率",
                    "100%",
                    "72%",
                    7.2,
                    10,
                    P,
                    "受新冠肺炎疫情影响，部分线下集中培训改为线上开展，场地、食宿等费用减少，结余资金已按规定收回。"
                    "今后将科学测算培训经费，提高预算编制精准度。",
                ),
                _row(BENEFIT, "社会效益指标", "教师教育教学能力提升", "达成", "达成", 15, 15, Q),
                _row(
                    BENEFIT,
                    "可持续影响指标",
                    "建立教师培训长效机制",
                    "达成",
                    "部分达成",
                    11,
                    15,
                    Q,
                    "线上培训平台建设尚未完成，下一年度将建立线上线下相结合的常态化培训机制。",
                ),
                _row(SATISFACTION, "满意度指标", "参训教师满意度", "≥90%", "93%", 10, 10, P),
            ],
            89.6,
        ),
        _edu(
            "校园安全视频监控系统升级",
            (260, 200, 60),
            (252, 192, 60),
            (
                "完成全区45所中小学、幼儿园视频监控系统高清化改造并接入区级平台",
                "完成45所学校改造，全部接入区教育局安防监控平台",
                "100%",
            ),
            [
                _row(OUTPUT, "数量指标", "改造学校数量", "≥45个", "45个", 15, 15, P),
                _row(OUTPUT, "质量指标", "视频监控系统联网率", "100%", "100%", 15, 15, P),
                _row(OUTPUT, "时效指标", "2020年10月底前完成改造", "达成", "达成", 10, 10, Q),
                _row(OUTPUT, "成本指标", "项目总成本", "≤260万元", "252万元", 10, 10, R),
                _row(
                    BUDGET,
                    "预算执行率",
                    "预算支出进度执行率",
                    "100%",
                    "96.9%",
                    9.7,
                    10,
                    P,
                    "项目结算审减8万元，结余资金已按规定收回。",
                ),
                _row(BENEFIT, "社会效益指标", "校园安全防范能力提升", "达成", "达成", 15, 15, Q),
                _row(BENEFIT, "可持续影响指标", "系统正常运行率", "≥98%", "99%", 15, 15, P),
                _row(SATISFACTION, "满意度指标", "师生及家长满意度", "≥90%", "92%", 10, 10, P),
            ],
            97.7,
        ),
        _edu(
            "学前教育普惠性幼儿园奖补",
            (400, 400, None),
            (396, 396, None),
            (
                "对认定的普惠性民办幼儿园按在园幼儿数给予奖补，提高普惠性学前教育覆盖率",
                "奖补普惠性民办幼儿园38个，普惠性幼儿园覆盖率达到86%",
                "100%",
            ),
            [
                _row(OUTPUT, "数量指标", "奖补普惠性民办幼儿园数量", "≥35个", "38个", 15, 15, P),
                _row(OUTPUT, "质量指标", "普惠性幼儿园覆盖率", "≥85%", "86%", 16, 15, P),
                _row(OUTPUT, "时效指标", "奖补资金拨付及时率", "100%", "100%", 10, 10, P),
                _row(OUTPUT, "成本指标", "生均奖补标准", "=1500元", "1500元", 10, 10, E),
                _row(
                    BUDGET,
                    "预算执行率",
                    "预算支出进度执行率",
                    "100%",
                    "99%",
                    9.9,
                    10,
                    P,
                    "2所幼儿园年中停办，奖补资金4万元未拨付，已收回。",
                ),
                _row(BENEFIT, "社会效益指标", "缓解入园难、入园贵问题", "达成", "达成", 15, 15, Q),
                _row(
                    BENEFIT, "可持续影响指标", "普惠性学前教育公共服务体系逐步完善", "达成", "达成", 15, 15, Q
                ),
                _row(SATISFACTION, "满意度指标", "幼儿家长满意度", "≥90%", "94%", 10, 10, P),
            ],
            100.9,
        ),
        _edu(
            "中小学课后服务经费",
            (180, 150, 30),
            (175, 145, 30),
            (
                "在全区公办中小学开展课后延时服务，解决家长接送难问题",
                "48所公办中小学全部开展课后服务，参与学生约3.2万人",
                "100%",
            ),
            [
                _row(OUTPUT, "数量指标", "开展课后服务学校数量", "≥48个", "48个", 15, 15, P),
                _row(OUTPUT, "质量指标", "课后服务安全责任事故次数", "0次", "0次", 15, 15, E),
                _row(OUTPUT, "时效指标", "课后服务按学期开展", "达成", "部分达成", 7, 10, Q),
                _row(OUTPUT, "成本指标", "生均课后服务补助", "≤600元", "547元", 10, 10, R),
                _row(
                    BUDGET,
                    "预算执行率",
                    "预算支出进度执行率",
                    "100%",
                    "97.2%",
                    9.7,
                    10,
                    P,
                    "第四季度部分学校课后服务暂停，结余5万元。",
                ),
                _row(BENEFIT, "社会效益指标", "学生参与课后服务比例", "≥70%", "76%", 15, 15, P),
                _row(BENEFIT, "可持续影响指标", "课后服务长效机制", "达成", "达成", 15, 15, Q),
                _row(SATISFACTION, "满意度指标", "学生家长满意度", "≥90%", "95%", 10, 10, P),
            ],
            96.7,
        ),
    ],
    known_issues=[
        ("自评表4", "XP007", "总分 97.7，各项得分合计 99.7"),
        ("自评表5", "XP005", "质量指标得分 16，分值 15"),
        ("自评表6", "XP009", "时效指标“部分达成”、得分 7（分值 10），未说明偏差原因"),
    ],
)


# --- 3. made up: 西安市长安区财政局 2020 (shaanxi preset), clean ----------------------------------------

FIN_UNIT = "西安市长安区财政局"


def _fin(name, amount, executed, rate, score, goal, rows, reason=None) -> TypedProject:
    budget_row = _row(BUDGET, "预算执行率", "预算支出进度执行率", "100%", rate, score, 10, P, reason)
    allrows = rows[:4] + [budget_row] + rows[4:]
    total = round(sum(r.score for r in allrows), 2)
    funds = (amount, amount, None)
    return TypedProject(name, FIN_UNIT, funds, funds, (executed, executed, None), [goal], allrows, total)


FIN = Sample(
    file="西安市长安区财政局_2020.xlsx",
    preset="shaanxi",
    unit=UnitData(name=FIN_UNIT, department=FIN_UNIT, year="2020", filler="李华", phone="029-85298765"),
    projects=[
        _fin(
            "财政票据电子化管理改革",
            30,
            29.4,
            "98%",
            9.8,
            (
                "全面推行财政电子票据，实现非税收入票据全流程电子化管理",
                "全区126家执收单位全部上线财政电子票据",
                "100%",
            ),
            [
                _row(OUTPUT, "数量指标", "上线电子票据的执收单位数量", "≥120家", "126家", 10, 10, P),
                _row(OUTPUT, "质量指标", "电子票据系统运行故障次数", "≤2次", "1次", 10, 10, R),
                _row(OUTPUT, "时效指标", "2020年底前全面上线", "达成", "达成", 10, 10, Q),
                _row(OUTPUT, "成本指标", "系统建设及运维成本", "≤30万元", "29.4万元", 10, 10, R),
                _row(BENEFIT, "社会效益指标", "缴款人线上缴费便利度提升", "达成", "达成", 20, 20, Q),
                _row(BENEFIT, "可持续影响指标", "票据管理信息化水平", "达成", "达成", 20, 20, Q),
                _row(SATISFACTION, "满意度指标", "执收单位满意度", "≥90%", "96%", 10, 10, P),
            ],
            "系统运维费按合同约定分期支付，尾款0.6万元次年支付。",
        ),
        _fin(
            "预算绩效管理第三方评价",
            80,
            80,
            "100%",
            10,
            (
                "委托第三方机构对重点项目开展绩效评价，提高财政资金使用效益",
                "完成15个重点项目绩效评价，评价报告全部按期提交",
                "100%",
            ),
            [
                _row(OUTPUT, "数量指标", "重点评价项目数量", "≥15项", "15项", 10, 10, P),
                _row(OUTPUT, "质量指标", "评价报告合格率", "100%", "100%", 10, 10, P),
                _row(OUTPUT, "时效指标", "评价报告按期提交率", "100%", "100%", 10, 10, P),
                _row(OUTPUT, "成本指标", "单个项目平均评价费用", "≤5.5万元", "5.3万元", 10, 10, R),
                _row(BENEFIT, "社会效益指标", "评价结果应用于预算安排", "达成", "达成", 20, 20, Q),
                _row(BENEFIT, "可持续影响指标", "全过程预算绩效管理机制", "达成", "达成", 20, 20, Q),
                _row(SATISFACTION, "满意度指标", "被评价单位满意度", "≥85%", "91%", 10, 10, P),
            ],
        ),
        _fin(
            "政府采购监督管理",
            25,
            24.5,
            "98%",
            9.8,
            ("加强政府采购活动监督检查，规范采购行为", "完成政府采购专项检查2次，处理投诉举报12件", "100%"),
            [
                _row(OUTPUT, "数量指标", "专项监督检查次数", "≥2次", "2次", 10, 10, P),
                _row(OUTPUT, "质量指标", "投诉举报按时办结率", "100%", "100%", 10, 10, P),
                _row(OUTPUT, "时效指标", "采购合同备案及时率", "≥95%", "98%", 10, 10, P),
                _row(OUTPUT, "成本指标", "专家评审费用", "≤8万元", "7.6万元", 10, 10, R),
                _row(BENEFIT, "经济效益指标", "政府采购资金节约率", "≥3%", "3.8%", 20, 20, P),
                _row(BENEFIT, "可持续影响指标", "政府采购营商环境", "达成", "达成", 20, 20, Q),
                _row(SATISFACTION, "满意度指标", "供应商满意度", "≥90%", "93%", 10, 10, P),
            ],
            "评审专家劳务费按实际评审场次结算，结余0.5万元。",
        ),
    ],
)

SAMPLES = (SEED, EDU, FIN)

# the blank templates committed under workbooks/: file name -> preset
TEMPLATES = {"绩效自评表.xlsx": "national", "绩效自评表_陕西.xlsx": "shaanxi"}


def score_sum(project: TypedProject) -> float:
    """Σ 自评得分 of a project's rows (blank and non-numbers count 0): the recomputed total."""
    return round(sum(r.score for r in project.indicators if isinstance(r.score, int | float)), 4)


def write_sample(sample: Sample, folder: str | Path) -> Path:
    return save_template(
        Path(folder) / sample.file, presets.load(sample.preset), unit=sample.unit, data=sample.data()
    )


def write_templates(folder: str | Path) -> list[Path]:
    return [save_template(Path(folder) / name, presets.load(p)) for name, p in TEMPLATES.items()]


def write_all(root: str | Path = "workbooks") -> list[Path]:
    """Write the committed templates into ``root`` and every sample into ``root``/samples."""
    root = Path(root)
    (root / "samples").mkdir(parents=True, exist_ok=True)
    return write_templates(root) + [write_sample(s, root / "samples") for s in SAMPLES]


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    for p in write_all(argv[0] if argv else Path(__file__).resolve().parent.parent / "workbooks"):
        print(p)


if __name__ == "__main__":
    main()
