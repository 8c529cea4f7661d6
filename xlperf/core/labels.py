"""The labels of the form: the one contract between the template writer and the parser.

The parser locates every field by these labels (after :func:`norm`), never by coordinates, so a
user may insert rows and columns, and a workbook made by hand from the official form still reads.
The template writer writes exactly these strings, so what it writes is what the parser finds.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# --- unit sheet -------------------------------------------------------------------------------
UNIT_SHEET = "单位信息"
SUMMARY_SHEET = "项目汇总"
PROJECT_SHEET_PREFIX = "自评表"
RESULT_SHEET = "校验结果"
META_SHEET = "_xlperf"  # very hidden: key/value rows (template version, preset)

UNIT_NAME = "单位名称"
UNIT_DEPARTMENT = "主管部门"
UNIT_YEAR = "年度"
UNIT_FILLER = "填报人"
UNIT_PHONE = "联系电话"
UNIT_PRESET = "评分方案"
UNIT_FIELDS = (UNIT_NAME, UNIT_DEPARTMENT, UNIT_YEAR, UNIT_FILLER, UNIT_PHONE, UNIT_PRESET)

# --- project sheet (项目支出绩效自评表) -----------------------------------------------------------
FORM_TITLE = "项目支出绩效自评表"
SEC_BASIC = "一、基本情况"
SEC_BUDGET = "二、预算执行情况"
SEC_GOALS = "三、目标完成情况"
SEC_INDICATORS = "四、年度绩效指标完成情况"

PROJECT_NAME = "项目名称"
PROJECT_UNIT = "实施(主管)单位"

BUDGET_HEAD = "预算安排情况(调整后)"
ARRIVED_HEAD = "资金到位情况"
EXECUTED_HEAD = "资金执行情况"
PROGRESS_HEAD = "预算执行进度"
PROGRESS_HINT = "(=执行数/预算数*100%)"

BUDGET = "预算数"
ARRIVED = "到位数"
EXECUTED = "执行数"
FISCAL = "其中:财政资金"
OTHER = "其他"

GOAL_EXPECTED = "年度预期目标"
GOAL_ACTUAL = "具体完成情况"
GOAL_RATE = "总体完成率"

# indicator table headers, in the order the template writes them
COL_LEVEL1 = "一级指标"
COL_LEVEL2 = "二级指标"
COL_LEVEL3 = "三级指标"
COL_KIND = "指标类型"
COL_TARGET = "预期指标值"
COL_ACTUAL = "实际完成值"
COL_WEIGHT = "分值"
COL_SCORE = "自评得分"
COL_SUGGESTED = "建议得分"  # computed by the template
COL_REASON = "偏差原因分析及改进措施"
COL_CHECK = "校验提示"  # computed by the template
INDICATOR_COLUMNS = (
    COL_LEVEL1,
    COL_LEVEL2,
    COL_LEVEL3,
    COL_KIND,
    COL_TARGET,
    COL_ACTUAL,
    COL_WEIGHT,
    COL_SCORE,
    COL_SUGGESTED,
    COL_REASON,
    COL_CHECK,
)
TOTAL = "总分"
GRADE = "等级"

# indicator kinds (dropdown values)
KIND_POSITIVE = "正向"
KIND_REVERSE = "反向"
KIND_EQUAL = "等于"
KIND_QUALITATIVE = "定性"
KINDS = (KIND_POSITIVE, KIND_REVERSE, KIND_EQUAL, KIND_QUALITATIVE)

QUALITATIVE_LEVELS = ("达成", "部分达成", "未达成")
# what the template's formulas show where a cell holds what it does not ask for: the checks (Python) read it
SEE_CHECK = "见校验"

# --- sections (一级) and their 二级 -------------------------------------------------------------
# Section keys are stable identifiers; a 一级 label is matched to a key by the keywords below.
SECTION_OUTPUT = "output"
SECTION_BUDGET = "budget"
SECTION_BENEFIT = "benefit"
SECTION_SATISFACTION = "satisfaction"
# the template's four sections (its rows, the summary's subtotal columns)
SECTIONS = (SECTION_OUTPUT, SECTION_BUDGET, SECTION_BENEFIT, SECTION_SATISFACTION)
# 一级 sections other forms have: 成本指标 as an 一级 of its own (财预〔2021〕101号), 过程指标 (older forms)
SECTION_COST = "cost"
SECTION_PROCESS = "process"
ALL_SECTIONS = (*SECTIONS, SECTION_COST, SECTION_PROCESS)
SECTION_NAMES = {
    SECTION_OUTPUT: "产出指标",
    SECTION_BUDGET: "预算执行率指标",
    SECTION_BENEFIT: "效益指标",
    SECTION_SATISFACTION: "满意度指标",
    SECTION_COST: "成本指标",
    SECTION_PROCESS: "过程指标",
}
SECTION_KEYWORDS = (
    (SECTION_BUDGET, ("预算执行", "执行率")),
    (SECTION_OUTPUT, ("产出",)),
    (SECTION_BENEFIT, ("效益", "效果")),
    (SECTION_SATISFACTION, ("满意",)),
    (SECTION_COST, ("成本",)),
    (SECTION_PROCESS, ("过程",)),
)
LEVEL2_NAMES = {
    SECTION_OUTPUT: ("数量指标", "质量指标", "时效指标", "成本指标"),
    SECTION_BUDGET: ("预算执行率",),
    SECTION_BENEFIT: ("经济效益指标", "社会效益指标", "生态效益指标", "可持续影响指标"),
    SECTION_SATISFACTION: ("满意度指标",),
}

PLACEHOLDERS = frozenset({"*", "/", "\\", "—", "-", "--", "——", "无", "N/A", "NA", "n/a", "空", "×"})

_SPACES = re.compile(r"\s+")
# what may follow a label in a header cell that still is that label: a bracket, a unit, a marker
# ("全年预算数(A)", "预算执行率%", "得分(分*执行率)"); see xlperf.core.layout
CONTINUES = frozenset("([【{%")


def norm(text: object) -> str:
    """Normalise a label for matching: NFKC (full-width to half-width), no spaces, no trailing colon.

    Why: real forms mix 全角 and 半角 punctuation (（ vs (, ： vs :) and pad labels with spaces
    (e.g. "一、 基本情况"); matching on the normalised form makes all of them equal.
    """
    if text is None:
        return ""
    if text.__class__ is str and len(text) <= 64:  # labels and short values recur: cached
        return _norm_short(text)
    return _norm(text)


@lru_cache(maxsize=65536)
def _norm_short(text: str) -> str:
    return _norm(text)


def _norm(text: object) -> str:
    s = unicodedata.normalize("NFKC", str(text))
    s = _SPACES.sub("", s)
    return s.rstrip(":")


@lru_cache(maxsize=4096)
def section_of(level1_label: str) -> str | None:
    """The section key of a 一级 label ("产出指标（40）" -> "output"), or None if unknown."""
    s = norm(level1_label)
    for key, words in SECTION_KEYWORDS:
        if any(w in s for w in words):
            return key
    return None


_WEIGHT_IN_LABEL = re.compile(r"[(\[【](\d+(?:\.\d+)?)\s*分?[)\]】]")


@lru_cache(maxsize=4096)
def weight_in_label(level1_label: str) -> float | None:
    """The weight carried in a 一级 label: "产出指标（40）" -> 40.0, "满意度指标\n（10分）" -> 10.0."""
    m = _WEIGHT_IN_LABEL.search(norm(level1_label))
    return float(m.group(1)) if m else None


_CODE = re.compile(r"^\s*\[?([0-9][0-9A-Za-z]{1,29})\]?\s*[-－—–_ 　]+\s*(?=\S)")


def split_code(text: str) -> tuple[str, str]:
    """An 一体化 system's code before a name, and the name: "219001-池州市贵池区棠溪镇人民政府" ->
    ("219001", "池州市贵池区棠溪镇人民政府"); ("", text) when the text starts with no code. A code starts
    with a digit (units' and projects' codes do; "2020年…" has no separator after its digits)."""
    m = _CODE.match(text)
    if m is None or not re.search(r"[\u4e00-\u9fff]", text[m.end() :]):
        return "", text.strip()
    return m.group(1), text[m.end() :].strip()


def readable_name(text: str) -> str:
    """A name as a reader scans it: the code after the name ("工资性支出（51000021R000000019951）")."""
    code, name = split_code(text)
    return f"{name}（{code}）" if code else text.strip()


_YEAR_LINE = re.compile(r"(?:^|[(\[【])((?:19|20)\d{2})年度?[)\]】]?$")
_YEAR_IN_TITLE = re.compile(r"[(\[【]((?:19|20)\d{2})年度[)\]】]")


def year_of(text: str) -> str:
    """The year a form's title or its year line states: "（2022年度）" or "部门预算项目支出绩效自评表(2023年度)"
    -> "2022"/"2023"; '' when none (works on :func:`norm` text)."""
    m = _YEAR_LINE.search(text) if len(text) <= 12 else None
    if m is None:
        m = _YEAR_IN_TITLE.search(text)
    return m.group(1) if m else ""


def level1_label(section: str, weight: float) -> str:
    """The label the template writes for a 一级 section with its weight, as in the seed."""
    w = int(weight) if float(weight).is_integer() else weight
    return f"{SECTION_NAMES[section]}（{w}分）"
