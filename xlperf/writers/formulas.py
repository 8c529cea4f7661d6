"""Every formula the template writes, in one place: short, row-local, readable in the formula bar.

The template's indicator rows hold the official form's structured cells (计算符号 ≥ ≤ = 定性 ｜ 年度指标值 ｜
度量单位 ｜ 实际完成值, as the 四川 form and the 一体化 system keep them), so no formula parses text. Each
indicator row has three formulas (the 预算执行率 row four) of at most about 300 characters:

- **M** (the one hidden helper column, "计算用"): "" for a row not in use, else the row's 一级 label (carried
  down, as the parser carries it) after "|", with a mark before it: "×" when a cell holds what it does not
  ask for (text in a number cell, a 计算符号 not in the list, a 分值 not above 0, a fraction typed into a "%"
  row), "!" when the 自评得分 is below 0 or above the 分值. Totals select rows in use with ``"*|*"``.
- **K 建议得分**: the score the rules give (:mod:`xlperf.core.scoring`), or "见校验" where the row is marked
  "×": Python reads such values (``xlperf validate``, the ribbon, the WPS add-in), the formula does not.
- **L 校验提示**: the first of 得分超出分值 (XP005), 指标值缺失 (XP008), 得分与完成值不符 (XP004; on the
  预算执行率 row 得分与执行率不符, XP003), 未说明偏差原因 (XP009), or "见校验". The other rules are checked by
  validation, not in cells.

Wherever these formulas compute, they compute what Python computes for the same file (the parity test,
tests/test_native_parity.py); elsewhere they say "见校验". Totals (Σ分值, 总分, 建议总分, 核定总分) take
their ranges from the header row to the row above them (``I$18:INDEX(I:I,ROW()-1)``), so a row copied in
or deleted anywhere in the table counts as the template's own rows do; every other reference is to the
same row, the header row or the funds block's 执行率 cell.

The preset's numbers (tolerance, qualitative bands, grade bands, execution-rate caps) and the lists the
formulas compare with are workbook names (名称管理器: 容差, 定性得分, 等级分数线 …), so a formula reads
``I20>K20+容差`` and a reviewer sees the values once.

Functions Excel 2010+, WPS and LibreOffice all have; arrays only as constants (``OR(EXACT(D20,计算符号))``)
and inside LOOKUP/SUMPRODUCT, which evaluate them without Ctrl+Shift+Enter everywhere.

The ``"xlwings"`` style puts the add-in's UDFs (:mod:`xlperf.excel.udfs`) in the same cells: 建议得分
(XP_SCORE, XP_BUDGET_SCORE), 校验提示 (XP_ROWCHECK), 执行率 (XP_RATE), 等级 (XP_GRADE); M and the totals
are native in both styles.
"""

from __future__ import annotations

from dataclasses import dataclass

from xlperf.core import labels as L
from xlperf.core.preset import Preset

STYLES = ("native", "xlwings")
SEE_CHECK = L.SEE_CHECK
NOT_IN_USE, BAD, OUT_OF_RANGE, SEP = "", "×", "!", "|"
FULL_MARKS = 100  # 核定总分 is at most this (evaluate.FULL_MARKS once issue 22 lands there)

# what 校验提示 says, the rule each message stands for, in the order the formula tries them
ROW_MESSAGES = (
    ("得分超出分值", "XP005"),
    ("指标值缺失", "XP008"),
    ("得分与完成值不符", "XP004"),
    ("得分与执行率不符", "XP003"),
    ("未说明偏差原因", "XP009"),
)
TOTAL_MESSAGES = (("总分与得分合计不符", "XP007"), ("总分超过执行率上限", "XP012"))
MESSAGE_RULE = dict(ROW_MESSAGES + TOTAL_MESSAGES)

SIGNS = ("≥", "≤", "=", L.KIND_QUALITATIVE)  # 计算符号's list
PERCENT_UNITS = ("%", "％", "百分比", "‰")  # a unit cell that makes the values percentages (values.with_unit)
# what a placeholder is (values.parse: NFKC, then L.PLACEHOLDERS), as the formulas compare it after TRIM
_FULL_WIDTH = str.maketrans("*/\\-NA", "＊／＼－ＮＡ")
PLACEHOLDER_TEXTS = tuple(
    dict.fromkeys(
        ("", "　", *sorted(L.PLACEHOLDERS), *(p.translate(_FULL_WIDTH) for p in sorted(L.PLACEHOLDERS)))
    )
)


def _str(text: str) -> str:
    """An Excel string literal."""
    return '"' + text.replace('"', '""') + '"'


def _lit(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else repr(float(x))


def _array(items) -> str:
    return "{" + ",".join(_str(i) if isinstance(i, str) else _lit(i) for i in items) + "}"


def names(preset: Preset) -> dict[str, str]:
    """The workbook names the formulas use (name -> its value as Excel writes it: a number or an array
    constant), from the preset and the lists of the form."""
    levels = L.QUALITATIVE_LEVELS
    band = [preset.qualitative.get(lv, (0.0, 1.0)) for lv in levels]
    out = {
        "计算符号": _array(("", *SIGNS)),
        "定性完成值": _array(("", *levels)),
        # row 1 the levels, row 2 the share of 分值 at most, row 3 at least (HLOOKUP(G20,定性得分,2,0))
        "定性得分": "{"
        + ",".join(map(_str, levels))
        + ";"
        + ",".join(_lit(b[1]) for b in band)
        + ";"
        + ",".join(_lit(b[0]) for b in band)
        + "}",
        "百分号": _array(PERCENT_UNITS),
        "占位符": _array(PLACEHOLDER_TEXTS),
        "容差": _lit(preset.score_tolerance),
        "说明线": _lit(preset.explain_rate_below),
    }
    for section, words in L.SECTION_KEYWORDS:  # 项目汇总's subtotals: a section's words, each once
        if section in L.SECTIONS and len(words) > 1:
            out[_section_name(section, "词")], out[_section_name(section, "余")] = _section_criteria(words)
    bands = sorted(preset.grades, key=lambda g: g.min)
    if bands:
        out["等级分数线"] = _array([min(0.0, bands[0].min), *(g.min for g in bands[1:])])
        out["等级"] = _array([g.name for g in bands])
    if preset.caps:
        rates, maxima = cap_table(preset)
        out["封顶执行率"] = _array(rates)
        out["封顶总分"] = _array(maxima)
        out["封顶线"] = _lit(max(c.below for c in preset.caps))
    return out


def cap_table(preset: Preset) -> tuple[list[float], list[float]]:
    """The caps as a LOOKUP table: from each rate on (ascending), the strictest cap that applies
    (:meth:`Preset.cap_for`); from the highest threshold on, :data:`FULL_MARKS` (no cap)."""
    cuts = sorted({c.below for c in preset.caps})
    rates, maxima = [0.0], []
    for cut in cuts:
        applicable = [c.max for c in preset.caps if c.below >= cut]
        maxima.append(min(applicable))
        rates.append(cut)
    maxima.append(FULL_MARKS)
    return rates, maxima


@dataclass(frozen=True)
class Cols:
    """The indicator table's columns (letters) and the header row."""

    level1: str = "A"
    level2: str = "B"
    name: str = "C"
    kind: str = "D"
    target: str = "E"
    unit: str = "F"
    actual: str = "G"
    weight: str = "H"
    score: str = "I"
    reason: str = "J"
    suggested: str = "K"
    check: str = "L"
    helper: str = "M"


@dataclass(frozen=True)
class Form:
    """What the formulas of one project sheet refer to."""

    header_row: int
    rate: str  # the funds block's 执行率 cell, absolute ("$J$8")
    preset: Preset
    style: str = "native"
    cols: Cols = Cols()

    def __post_init__(self) -> None:
        if self.style not in STYLES:
            raise ValueError(f"unknown formula style {self.style!r}; one of {STYLES}")

    def table(self, col: str, end: str = "ROW()-1") -> str:
        """A column of the table from the header row to the row ``end`` (default: the row above)."""
        return f"{col}${self.header_row}:INDEX({col}:{col},{end})"


# --- the funds block --------------------------------------------------------------------------------


def execution_rate(style: str, budget: str, executed: str) -> str:
    """执行率 = 全年执行数 / 全年预算数 (scoring.execution_rate: a budget above 0, an execution not below 0);
    见校验 where an amount is text ("320.5万元": Python reads it, the formula does not)."""
    if style == "xlwings":
        return f"=XP_RATE({executed},{budget})"
    return (
        f'=IF(OR(ISTEXT({budget}),ISTEXT({executed})),"{SEE_CHECK}",'
        f'IF(AND(N({budget})>0,N({executed})>=0,{executed}<>""),{executed}/{budget},""))'
    )


# --- an indicator row -------------------------------------------------------------------------------


def _refs(form: Form, row: int) -> dict[str, str]:
    c = form.cols
    return {k: f"{getattr(c, k)}{row}" for k in c.__dataclass_fields__}


def helper(form: Form, row: int) -> str:
    """M: "" (not in use) or mark + "|" + the 一级 label the row is under."""
    r = _refs(form, row)
    c, e, f, g, h, i, j, d = (
        r[k] for k in ("name", "target", "unit", "actual", "weight", "score", "reason", "kind")
    )
    a = form.cols.level1
    # X>"" is text that is not "" (numbers sort before text): the 预算执行率 row's formula leaves "" in G
    bad = (
        f'OR(N({h})<=0,{i}>"",1-OR(EXACT({d},计算符号)),'
        f'IF({d}="定性",1-OR(EXACT({g},定性完成值)),({e}>"")+({g}>"")),'
        f"OR(EXACT(TRIM({f}),百分号))*(MIN({e},{g})<=1.5)*(MAX({e},{g})>1.5))"
    )
    label = f'LOOKUP(2,1/({a}${form.header_row}:{a}{row}<>""),{a}${form.header_row}:{a}{row})'
    # in use: anything but white space in 三级指标, the values, the score or the reason (the readers take a
    # cell of spaces for a blank one)
    used = f'TRIM(CLEAN(SUBSTITUTE({c}&{e}&{g}&{i}&{j},"　","")))=""'
    return f'=IF({used},"",IF({bad},"{BAD}",IF(({i}<0)+({i}>{h}),"{OUT_OF_RANGE}",""))&"{SEP}"&{label})'


def suggested(form: Form, row: int) -> str:
    """K 建议得分 of an indicator row (scoring.suggest)."""
    r = _refs(form, row)
    m, d, e, g, h, f = (r[k] for k in ("helper", "kind", "target", "actual", "weight", "unit"))
    if form.style == "xlwings":
        return f'=IF({m}="","",XP_SCORE({d},{e},{g},{h},{XLWINGS_PRESET_REF},{f}))'
    quant = (
        f'IF({d}="≤",IF({g}<={e},{h},IF({e}>0,MAX(0,{h}*(1-({g}-{e})/{e})),0)),'
        f"IF({e}>0,IF({g}>={e},{h},MAX(0,{h}*{g}/{e})),{h}*IF({e}=0,{g}<=0,{g}>={e})))"
    )
    return (
        f'=IF({m}="","",IF(OR(LEFT({m})="{BAD}",ISNUMBER(FIND("执行",{m}))),"{SEE_CHECK}",'
        f'IF(ISTEXT({g}),{h}*HLOOKUP({g},定性得分,2,0),IF(COUNT({e},{g})<2,"",{quant}))))'
    )


def check(form: Form, row: int) -> str:
    """L 校验提示 of an indicator row: the first message that applies."""
    r = _refs(form, row)
    m, d, e, g, h, i, j, k = (r[x] for x in ("helper", "kind", "target", "actual", "weight", "score", "reason",
                                             "suggested"))  # fmt: skip
    if form.style == "xlwings":
        return f'=IF({m}="","",XP_ROWCHECK({d},{e},{g},{h},{i},{j},"",{form.rate},{XLWINGS_PRESET_REF},{r["unit"]}))'
    low = f"IFERROR({h}*HLOOKUP({g},定性得分,3,0),{k})"  # a 定性 level's least, else the point
    # below the target (scoring.below_target): the suggested score below the weight, which is what a
    # 定性 level other than 达成 gives under the presets whose 达成 alone reaches the weight; an = row
    # above a target other than 0
    if _only_full_level_reaches_weight(form.preset):
        below = f'{k}<{h},AND({d}="=",{g}>{e},{e}<>0)'
    else:
        below = f'IF(ISTEXT({g}),{g}<>"达成",OR({k}<{h},AND({d}="=",{g}>{e},{e}<>0)))'
    return (
        f'=IF({m}="","",IF({k}="{SEE_CHECK}",{k},IF(LEFT({m})="{OUT_OF_RANGE}","得分超出分值",'
        f'IF(OR({g}="",EXACT(TRIM({e}),占位符)),"指标值缺失",'
        f'IF(({i}<>"")*OR({i}>{k}+容差+1E-9,{i}<{low}-容差-1E-9),"得分与完成值不符",'
        f'IF(OR(EXACT(TRIM(CLEAN({j})),占位符))*OR(({i}<>"")*({i}<{h}),{below}),"未说明偏差原因",""))))))'
    )


def _only_full_level_reaches_weight(preset: Preset) -> bool:
    """Whether 达成 alone of the qualitative levels scores the whole weight (the shipped presets)."""
    bands = {lv: preset.qualitative.get(lv, (0.0, 1.0)) for lv in L.QUALITATIVE_LEVELS}
    return bands["达成"][1] == 1.0 and all(hi < 1.0 for lv, (_, hi) in bands.items() if lv != "达成")


def budget_actual(form: Form) -> str:
    """G of the 预算执行率 row: the funds block's 执行率 in percentage points (度量单位 "%")."""
    return f"=IF(ISNUMBER({form.rate}),{form.rate}*100,{form.rate})"


def budget_suggested(form: Form, row: int) -> str:
    """K of the 预算执行率 row: min(执行率, 1) × 分值 (scoring.score_budget_rate); 见校验 when the row is not
    under a 预算执行率 label (a copy of it elsewhere is scored as an ordinary row by Python)."""
    r = _refs(form, row)
    m, g, h = r["helper"], r["actual"], r["weight"]
    if form.style == "xlwings":
        return f'=IF({m}="","",XP_BUDGET_SCORE({form.rate},{h}))'
    return (
        f'=IF({m}="","",IF(OR(LEFT({m})="{BAD}",NOT(OR(ISNUMBER(FIND({{"预算执行","执行率"}},{m}))))),'
        f'"{SEE_CHECK}",IF(ISNUMBER({form.rate}),MAX(0,MIN({form.rate},1))*{h},IF({g}="","","{SEE_CHECK}"))))'
    )


def budget_check(form: Form, row: int) -> str:
    """L of the 预算执行率 row; a reason is owed below the preset's rate (说明线), not for the points a rate
    above it costs (rules.XP009)."""
    r = _refs(form, row)
    m, e, g, h, i, j, k = (
        r[x] for x in ("helper", "target", "actual", "weight", "score", "reason", "suggested")
    )
    rate = form.rate
    if form.style == "xlwings":
        return (f'=IF({m}="","",XP_ROWCHECK({r["kind"]},{e},{g},{h},{i},{j},"预算执行率",{rate},'
                f'{XLWINGS_PRESET_REF},{r["unit"]}))')  # fmt: skip
    return (
        f'=IF({m}="","",IF({k}="{SEE_CHECK}",{k},IF(LEFT({m})="{OUT_OF_RANGE}","得分超出分值",'
        f'IF(OR({g}="",EXACT(TRIM({e}),占位符)),"指标值缺失",'
        f'IF(AND({i}<>"",ISNUMBER({k}),ABS({i}-ROUND(N({k}),4))>容差),"得分与执行率不符",'
        f"IF(OR(EXACT(TRIM(CLEAN({j})),占位符))*AND(ISNUMBER({rate}),{rate}<说明线-1E-9),"
        f'"未说明偏差原因",""))))))'
    )


# --- the 总分, 核定总分 and 等级 rows --------------------------------------------------------------------


def weight_total(form: Form) -> str:
    """Σ分值 of the rows in use."""
    c = form.cols
    mr, hr = form.table(c.helper), form.table(c.weight)
    return f'=IF(COUNTIF({mr},"{BAD}*"),"{SEE_CHECK}",IF(COUNTIF({mr},"*|*"),SUMIFS({hr},{mr},"*|*"),""))'


def score_total(form: Form) -> str:
    """总分 (填报总分 while the unit leaves the formula): Σ自评得分 of the rows in use; 见校验 when a score is
    text (rows in use with a score, more than rows with a number: COUNTIF's "?*" matches numbers in Calc)."""
    c = form.cols
    mr, ir = form.table(c.helper), form.table(c.score)
    filled, numbers = (f'COUNTIFS({mr},"*|*",{ir},"{crit}")' for crit in ("<>", ">-1E+307"))
    return f'=IF({filled}>{numbers},"{SEE_CHECK}",IF({numbers},SUMIFS({ir},{mr},"*|*"),""))'


def out_of_range_rows(form: Form, total_row: int) -> str:
    """M of the 核定总分 row (hidden): how many rows in use are marked × or ! (a score outside 0 and its
    分值, which the 核定总分 would count at the bound): the 核定总分 then says 见校验."""
    mr = f"{form.cols.helper}${form.header_row}:INDEX({form.cols.helper}:{form.cols.helper},ROW({form.cols.helper}{total_row})-1)"
    return f'=COUNTIF({mr},"{BAD}*")+COUNTIF({mr},"{OUT_OF_RANGE}*")'


def suggested_total(form: Form) -> str:
    """建议总分: Σ建议得分."""
    kr = form.table(form.cols.suggested)
    return f'=IF(COUNTIF({kr},"{SEE_CHECK}"),"{SEE_CHECK}",IF(COUNT({kr}),SUM({kr}),""))'


def cap(form: Form) -> str:
    """The total's ceiling for the execution rate (no formula: 100 where the preset has no caps)."""
    if not form.preset.caps:
        return _lit(FULL_MARKS)
    return f"IF(ISNUMBER({form.rate}),LOOKUP({form.rate},封顶执行率,封顶总分),{_lit(FULL_MARKS)})"


def total_check(form: Form, total: str, recomputed: str) -> str:
    """L of the 总分 row: 总分 against Σ自评得分 (``recomputed``, XP007), against the execution-rate cap
    (XP012)."""
    tail = '""'
    if form.preset.caps:
        rate = form.rate  # nested: AND() evaluates every argument, and LOOKUP("") is #N/A
        tail = (
            f"IF(ISNUMBER({rate}),IF(AND({rate}<封顶线,N({total})>LOOKUP({rate},封顶执行率,封顶总分)+1E-9),"
            f'"总分超过执行率上限",""),"")'
        )
    return (
        f'=IF({recomputed}="","",IF(OR(ISTEXT({total}),ISTEXT({recomputed})),"{SEE_CHECK}",'
        f'IF(ABS(N({total})-{recomputed})>0.01,"总分与得分合计不符",{tail})))'
    )


def capped_total(form: Form, recomputed: str, out_of_range: str) -> str:
    """核定总分: the scores within 0 and their 分值 (见校验 when one is not: ``out_of_range`` counts them), at
    most 100, then the execution-rate cap (evaluate's total_capped)."""
    return (
        f'=IF({out_of_range},"{SEE_CHECK}",IF(ISNUMBER({recomputed}),'
        f"MIN({_lit(FULL_MARKS)},{recomputed}{_cap_arg(form)}),{recomputed}))"
    )


def _cap_arg(form: Form) -> str:
    return f",{cap(form)}" if form.preset.caps else ""


def capped_suggested(form: Form, suggested_total_ref: str) -> str:
    """建议总分 under the same cap (what the suggested grade is of)."""
    if not form.preset.caps:
        return ref_value(suggested_total_ref)
    return (
        f"=IF(ISNUMBER({suggested_total_ref}),MIN({suggested_total_ref},{cap(form)}),{suggested_total_ref})"
    )


def cap_note(form: Form) -> str | None:
    """The 核定总分 row's words on the cap ("预算执行率 72.0%，总分不超过 89 分"); None without caps."""
    if not form.preset.caps:
        return None
    rate = form.rate
    return (
        f'=IF(AND(ISNUMBER({rate}),{rate}<封顶线),"预算执行率"&TEXT({rate},"0.0%")&"，按评分方案总分不超过"'
        f'&LOOKUP({rate},封顶执行率,封顶总分)&"分","")'
    )


def grade(form: Form, total: str) -> str:
    """等级 of a total (preset.grade: a total within 1E-9 below a band's minimum is in the band)."""
    if form.style == "xlwings":
        return f"=IF(ISNUMBER({total}),XP_GRADE({total},{XLWINGS_PRESET_REF}),{total})"
    if not form.preset.grades:
        return '=""'
    return f"=IF(ISNUMBER({total}),LOOKUP({total}+1E-9,等级分数线,等级),{total})"


# --- simple cells (labels, the summary sheet) -----------------------------------------------------------


def year_title(year: str) -> str:
    return f'="（"&IF({year}="","        ",{year})&"年度）"'


def ref_value(cell: str) -> str:
    return f'=IF({cell}="","",{cell})'


def number_or_see(cell: str) -> str:
    """A number of another sheet as it is, "" for a blank, 见校验 for text (an amount typed as "320.5万元")."""
    return f'=IF(ISNUMBER({cell}),{cell},IF({cell}="","","{SEE_CHECK}"))'


def unit_line(name: str, year: str) -> str:
    return f'="填报单位："&{name}&"        年度："&{year}'


def sum_column(rng: str) -> str:
    return f'=IF(COUNT({rng})=0,"",SUM({rng}))'


def rate_total(executed: str, budget: str) -> str:
    return f'=IFERROR(SUM({executed})/SUM({budget}),"")'


def _section_name(section: str, part: str) -> str:
    """The workbook name of a section's criteria on 项目汇总 (效益词, 效益余)."""
    return L.SECTION_NAMES[section].removesuffix("指标").removesuffix("率") + part


def _section_criteria(words: tuple[str, ...]) -> tuple[str, str]:
    """A section's words as two arrays COUNTIFS pairs up: each word, and the words before it excluded
    ({"*效益*","*效果*"} with {"*","<>*效益*"}): a label with both counts once."""
    return _array([f"*{w}*" for w in words]), _array(["*", *(f"<>*{w}*" for w in words[:-1])])


SUMMARY_SPAN = 999  # the rows of a project sheet 项目汇总's subtotals look at (the template's form: 35)


def section_subtotal(sheet: str, section: str, cols: Cols = Cols()) -> str:
    """Σ自评得分 of one section's rows in use on a project sheet ("" when none is scored; 见校验 when a row of
    the section is marked ×, as a text score marks it): a row is in the section its 一级 label names by the keywords of labels.SECTION_KEYWORDS (a
    label naming two sections, which the template never writes, counts in both here and once in Python;
    预算执行率 names both of its own section's words and counts once)."""
    q = sheet + "!"
    # a bounded column, not M:M: LibreOffice and WPS evaluate SUMPRODUCT(COUNTIFS(…, {array})) over every
    # row of a whole column (0.4 s for five projects against 3 ms); rows inserted or deleted on the form
    # move the bound with them
    m = f"{q}{cols.helper}1:{cols.helper}{SUMMARY_SPAN}"
    i = f"{q}{cols.score}1:{cols.score}{SUMMARY_SPAN}"
    words = dict(L.SECTION_KEYWORDS)[section]
    if len(words) == 1:
        crit = f'{m},"*{words[0]}*"'
    else:  # each word, without the ones before it (workbook names: _section_criteria)
        crit = f"{m},{_section_name(section, '词')},{m},{_section_name(section, '余')}"
    marked = f'SUMPRODUCT(COUNTIFS({crit},{m},"{BAD}*"))'  # a text score marks its row ×
    numbers = f'SUMPRODUCT(COUNTIFS({crit},{i},">-1E+307"))'
    return f'=IF({marked},"{SEE_CHECK}",IF({numbers},SUMPRODUCT(SUMIFS({i},{crit})),""))'


# Every xlwings call passes the preset the workbook was made for, from the template's hidden marker
# sheet (row 2 of _xlperf is "preset"), so a shaanxi workbook scores with shaanxi everywhere.
XLWINGS_PRESET_REF = "'" + L.META_SHEET + "'!$B$2"
