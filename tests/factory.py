"""Grids for tests: a clean project sheet in the template's layout, easy to spoil one cell at a time."""

from __future__ import annotations

import copy
import os

from hypothesis import HealthCheck, settings

from xlperf import presets
from xlperf.core.grid import Grid
from xlperf.core.parser import parse_workbook
from xlperf.layouts import shipped

LAYOUTS = shipped()

# property tests: CI runs a bounded number of examples (a long run sets XLPERF_PROPERTY_EXAMPLES)
PROPERTY_EXAMPLES = int(os.environ.get("XLPERF_PROPERTY_EXAMPLES", "300"))
PROPS = settings(
    max_examples=PROPERTY_EXAMPLES, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)

HEAD = [
    "一级指标",
    "二级指标",
    "三级指标",
    "指标类型",
    "预期指标值",
    "实际完成值",
    "分值",
    "自评得分",
    "建议得分",
    "偏差原因分析及改进措施",
    "校验提示",
]

# (一级, 二级, 三级, 类型, 预期, 实际, 分值, 得分, 偏差原因)
CLEAN_ROWS = [
    ["产出指标（40分）", "数量指标", "培训人次", "正向", 100, 110, 10, 10, None],
    [None, "质量指标", "培训合格率", "正向", "≥95%", "98%", 10, 10, None],
    [None, "时效指标", "按期完成率", "正向", "100%", "100%", 10, 10, None],
    [None, "成本指标", "人均培训成本", "反向", "≤500元", "480元", 10, 10, None],
    ["预算执行率指标（10分）", "预算执行率", "预算支出进度执行率", "正向", "100%", "100%", 10, 10, None],
    ["效益指标（40分）", "经济效益指标", "节约经费", "正向", "5万元", "5万元", 10, 10, None],
    [None, "社会效益指标", "政策知晓率", "正向", "90%", "92%", 10, 10, None],
    [None, "生态效益指标", "无纸化办公", "定性", "达成", "达成", 10, 10, None],
    [None, "可持续影响指标", "长效机制建立", "定性", "达成", "达成", 10, 10, None],
    ["满意度指标（10分）", "满意度指标", "参训人员满意度", "正向", "≥90%", "95%", 10, 10, None],
]


def clean_rows() -> list[list[object]]:
    rows: list[list[object]] = [
        ["项目支出绩效自评表"],
        ["（2020年度）"],
        ["一、基本情况"],
        ["项目名称", "干部教育培训", None, None, None, None, "实施（主管）单位", "某某局"],
        ["二、预算执行情况"],
        [
            "金额单位：万元",
            "预算安排情况（调整后）",
            None,
            "资金到位情况",
            None,
            "资金执行情况",
            None,
            "预算执行进度",
        ],
        [None, "预算数：", 10, "到位数：", 10, "执行数：", 10, 1.0],
        [None, "其中：财政资金", 8, "其中：财政资金", 8, "其中：财政资金", 8],
        [None, "其他", 2, "其他", 2, "其他", 2],
        ["三、目标完成情况"],
        [None, "年度预期目标", None, None, None, "具体完成情况", None, None, None, "总体完成率"],
        [None, "培训100人次", None, None, None, "培训110人次", None, None, None, "110%"],
        ["四、年度绩效指标完成情况"],
        list(HEAD),
    ]
    for r in CLEAN_ROWS:
        rows.append([*r[:8], None, r[8], None])
    rows.append(["总分", None, None, None, None, None, 100, 100])
    return copy.deepcopy(rows)


FIRST_IND = 14  # 0-based row index of the first indicator row


def project_grid(rows=None, name="自评表1") -> Grid:
    return Grid(name, rows if rows is not None else clean_rows())


def workbook(rows=None, path="t.xlsx"):
    return parse_workbook(path, [project_grid(rows)], layouts=LAYOUTS)


def set_ind(rows, i, col_name, value):
    """Set column ``col_name`` of indicator row i (0-based among indicators)."""
    rows[FIRST_IND + i][HEAD.index(col_name)] = value
    return rows


def write_xlsx(path, rows, sheet="自评表1", unit: dict | None = None):
    """Save grid rows as a plain xlsx (no styles) — a hand-made workbook, not the template."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    for r, row in enumerate(rows, 1):
        for c, v in enumerate(row, 1):
            if v is not None:
                ws.cell(r, c, v)
    if unit:
        u = wb.create_sheet("单位信息", 0)
        for i, (k, v) in enumerate(unit.items(), 1):
            u.cell(i, 1, k)
            u.cell(i, 2, v)
    wb.save(path)
    return path


# a shaanxi-like preset (40/10/40/10, two caps) for rule tests
NATIONAL_LIKE = presets.from_dict(
    {
        "name": "t",
        "weights": {"output": 40, "budget": 10, "benefit": 40, "satisfaction": 10},
        "grades": [
            {"name": "优", "min": 90},
            {"name": "良", "min": 80},
            {"name": "中", "min": 60},
            {"name": "差", "min": 0},
        ],
        "scoring": {"qualitative": {"达成": [0.8, 1.0], "部分达成": [0.6, 0.8], "未达成": [0.0, 0.6]}},
        "caps": [{"below": 0.8, "max": 89}, {"below": 0.6, "max": 69}],
    }
)


def blank_form_rows() -> list[list[object]]:
    """The clean form with everything a user types removed: what the template leaves (a blank form)."""
    rows = clean_rows()
    rows[3][1] = rows[3][7] = None  # 项目名称, 实施单位
    for r in (6, 7, 8):
        rows[r][2] = rows[r][4] = rows[r][6] = None
    rows[6][7] = None
    del rows[10:12]  # no 目标 rows
    first = FIRST_IND - 2
    for i in range(10):
        for col in (2, 4, 5, 7, 9):  # 三级, T, A, S, 偏差原因: the template leaves them blank
            if i != 4:
                rows[first + i][col] = None
        rows[first + 4][5] = rows[first + 4][7] = None
    rows[-1][6] = rows[-1][7] = None
    return rows
