"""Every formula the template writes, in one place: ``formula(role, style, **refs)``.

The template asks for a computed cell by its *role* (``"progress"``, ``"suggest"``, ``"rowcheck"``,
``"grade"``, ...) and the cell references it needs; this module returns the formula text. The
``"native"`` style (the default) uses plain Excel functions that Excel 2010+, WPS and LibreOffice all
evaluate. The ``"xlwings"`` style maps the same roles to calls of the add-in's Python UDFs (XP_RATE,
XP_SCORE, XP_BUDGET_SCORE, XP_TOTAL, XP_GRADE, XP_ROWCHECK; see :mod:`xlperf.excel.udfs`) in the same
cells, so nothing outside this module changes.

Native formulas avoid LET/LAMBDA/TEXTJOIN (absent from Excel 2010/2016, still common on government PCs).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from xlperf.core import labels as L

STYLES = ("native", "xlwings")

# How a text value becomes a number in a native formula: drop the comparator, then take the longest
# numeric prefix ("≥95%" -> 0.95, "≤50万元" -> 50, "1200人" -> 1200). ASC turns 全角 into 半角.
_STRIP = ("≥", "≤", ">", "<", "=")
_PREFIX_LENGTHS = "{" + ",".join(str(i) for i in range(1, 16)) + "}"


def _num(x: str) -> str:
    s = f"ASC(TRIM({x}))"
    for ch in _STRIP:
        s = f'SUBSTITUTE({s},"{ch}","")'
    return f"IF(ISNUMBER({x}),{x},LOOKUP(9.9E+307,VALUE(LEFT({s},{_PREFIX_LENGTHS}))))"


def _weight(weight: str, default: float) -> str:
    """The row's 分值, or the preset's default row weight when the 分值 cell is blank (the seed's form)."""
    return f"IF(ISNUMBER({weight}),{weight},{_lit(default)})"


def _lit(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else repr(float(x))


def _messages(parts: Sequence[tuple[str, str]]) -> str:
    """Concatenate "；message" for every true condition and drop the leading separator."""
    # each condition guarded on its own: AND/OR do not short-circuit, so one error (e.g. ABS of "")
    # would otherwise blank every message
    body = "&".join(f'IF(IFERROR({cond},FALSE),"；{msg}","")' for cond, msg in parts)
    return f'IFERROR(MID({body},2,255),"")'


# --- native roles --------------------------------------------------------------------------------


def _progress(*, executed: str, budget: str) -> str:
    # 预算执行进度 = 执行数 / 预算数; blank while either is blank, or the budget is 0 / not a number
    return f'=IF(OR({budget}="",{executed}=""),"",IFERROR({executed}/{budget},""))'


def _budget_actual(*, progress: str) -> str:
    # the 预算执行率 indicator's 实际完成值 defaults to the funds block's progress
    return f'=IF({progress}="","",{progress})'


def _suggest(
    *,
    kind: str,
    target: str,
    actual: str,
    weight: str,
    default_weight: float,
    qualitative: dict[str, tuple[float, float]],
) -> str:
    """建议得分 (scoring rules 2–5): the highest score the rules allow for this row."""
    w = _weight(weight, default_weight)
    t, a = _num(target), _num(actual)
    levels = [lv for lv in L.QUALITATIVE_LEVELS if lv in qualitative] or list(L.QUALITATIVE_LEVELS)
    qual_cond = "OR(" + ",".join(f'{actual}="{lv}"' for lv in levels) + ")"
    qual_share = "0"
    for lv in reversed(levels):
        hi = qualitative.get(lv, (0.0, 0.0))[1]
        qual_share = f'IF({actual}="{lv}",{_lit(hi)},{qual_share})'
    first = f"LEFT(ASC(TRIM({target})),1)"
    reverse = f'OR({kind}="{L.KIND_REVERSE}",AND({kind}="",OR({first}="≤",{first}="<")))'
    core = (
        f"IF({qual_cond},{w}*{qual_share},"
        f"IF({reverse},{w}*MAX(0,MIN(1,2-{a}/{t})),"
        f'IF(AND({kind}="{L.KIND_EQUAL}",{t}=0),IF({a}<=0,{w},0),'
        f"{w}*MAX(0,MIN(1,{a}/{t})))))"
    )
    return f'=IF(OR({target}="",{actual}=""),"",IFERROR(ROUND({core},2),""))'


def _suggest_budget(*, progress: str, weight: str, default_weight: float) -> str:
    """建议得分 of the 预算执行率 row (scoring rule 1): min(执行率, 1) × 分值, from the funds block."""
    w = _weight(weight, default_weight)
    return f'=IF({progress}="","",IFERROR(ROUND({w}*MAX(0,MIN(1,{_num(progress)})),2),""))'


def _rowcheck(
    *,
    target: str,
    actual: str,
    weight: str,
    default_weight: float,
    score: str,
    suggest: str,
    reason: str,
    tolerance: float,
    progress: str | None = None,
    rate_tolerance: float = 0.005,
    qualitative: dict[str, tuple[float, float]] | None = None,
) -> str:
    """校验提示 of one indicator row: short Chinese messages, "" when the row looks right.

    A qualitative row (达成/部分达成/未达成) is checked against its share range, a quantitative row
    against the suggested score within the tolerance."""
    w = _weight(weight, default_weight)
    tol = _lit(tolerance)
    mismatch = f"ABS({score}-{suggest})>{tol}"
    if qualitative:
        levels = [lv for lv in L.QUALITATIVE_LEVELS if lv in qualitative]
        lo, hi = "0", "1"
        for lv in reversed(levels):
            lo = f'IF({actual}="{lv}",{_lit(qualitative[lv][0])},{lo})'
            hi = f'IF({actual}="{lv}",{_lit(qualitative[lv][1])},{hi})'
        qual = "OR(" + ",".join(f'{actual}="{lv}"' for lv in levels) + ")"
        mismatch = f"IF({qual},OR({score}<{w}*{lo}-{tol},{score}>{w}*{hi}+{tol}),{mismatch})"
    parts = [
        (f'AND({score}<>"",NOT(ISNUMBER({score})))', "得分不是数字"),
        (f"AND(ISNUMBER({score}),{score}>{w}+0.0001)", "得分高于分值"),
        (f"AND(ISNUMBER({score}),{score}<0)", "得分为负数"),
        (f'AND({score}<>"",OR({target}="",{actual}=""))', "指标值缺失"),
        (f"AND(ISNUMBER({score}),ISNUMBER({suggest}),{mismatch})", "得分与建议得分不符"),
    ]
    if progress is not None:
        parts.append(
            (
                f'AND(ISNUMBER({progress}),{actual}<>"",ABS({_num(actual)}-{progress})>{_lit(rate_tolerance)})',
                "实际完成值与预算执行进度不符",
            )
        )
    parts.append(
        (
            f'AND({reason}="",OR(AND(ISNUMBER({score}),{score}<{w}-0.0001),'
            f"AND(ISNUMBER({suggest}),{suggest}<{w}-0.0001)))",
            "低于预期未说明原因",
        )
    )
    return "=" + _messages(parts)


def _sum(*, range: str) -> str:  # noqa: A002 - the natural name of the ref
    # blank (not 0) while nothing in the range is a number
    return f'=IF(COUNT({range})=0,"",SUM({range}))'


def _total(*, range: str) -> str:  # noqa: A002
    # 总分: the user may overwrite it with a typed total; the total check compares the two
    return f'=IF(COUNT({range})=0,"",SUM({range}))'


def _totalcheck(*, total: str, scores: str, weights: str, weight_total: float, tolerance: float) -> str:
    parts = [
        (f"AND(ISNUMBER({total}),ABS({total}-SUM({scores}))>0.0001)", "总分与各项得分合计不符"),
        (f'AND({total}<>"",NOT(ISNUMBER({total})))', "总分不是数字"),
        (
            f"AND(COUNT({weights})>0,ABS(SUM({weights})-{_lit(weight_total)})>0.0001)",
            f"分值合计不等于{_lit(weight_total)}",
        ),
    ]
    del tolerance  # the total must add up exactly; kept for the UDF style's signature
    return "=" + _messages(parts)


def _grade(*, total: str, grades: Sequence[tuple[str, float]]) -> str:
    """等级 from a total: nested IFs over the preset's bands, highest first."""
    bands = sorted(grades, key=lambda g: -g[1])
    if not bands:
        return '=""'
    expr = f'"{bands[-1][0]}"'
    for name, lo in reversed(bands[:-1]):
        expr = f'IF({total}>={_lit(lo)},"{name}",{expr})'
    return f'=IF(ISNUMBER({total}),{expr},"")'


def _year_title(*, year: str) -> str:
    return f'="（"&IF({year}="","        ",{year})&"年度）"'


def _ref_value(*, cell: str) -> str:
    return f'=IF({cell}="","",{cell})'


def _unit_line(*, name: str, year: str) -> str:
    return f'="填报单位："&{name}&"        年度："&{year}'


def _rate_total(*, executed: str, budget: str) -> str:
    return f'=IFERROR(SUM({executed})/SUM({budget}),"")'


_NATIVE: dict[str, Callable[..., str]] = {
    "progress": _progress,
    "budget_actual": _budget_actual,
    "suggest": _suggest,
    "suggest_budget": _suggest_budget,
    "rowcheck": _rowcheck,
    "sum": _sum,
    "total": _total,
    "totalcheck": _totalcheck,
    "grade": _grade,
    "year_title": _year_title,
    "ref_value": _ref_value,
    "unit_line": _unit_line,
    "rate_total": _rate_total,
}
ROLES = tuple(_NATIVE)


# --- xlwings roles: calls of the add-in's Python UDFs (xlperf.excel.udfs) ---------------------------
# The roles that compute something call the UDF that computes it in the core (so the cell shows the
# number `xlperf validate` uses); the others stay native. Every call passes the preset the workbook
# was made for, from the template's hidden marker sheet (row 2 of _xlperf is "preset"), so a shaanxi
# workbook scores with shaanxi everywhere. Kept to the template's keyword arguments: extra ones are
# accepted and ignored (``**_``), so the template can grow without touching this table.

XLWINGS_PRESET_REF = "'" + L.META_SHEET + "'!$B$2"


def _xw_weight(weight: str, default_weight: float) -> str:
    return _weight(weight, default_weight)


def _xw_progress(*, executed: str, budget: str, **_) -> str:
    return f"=XP_RATE({executed},{budget})"


def _xw_suggest(*, kind: str, target: str, actual: str, weight: str, default_weight: float, **_) -> str:
    w = _xw_weight(weight, default_weight)
    return f"=XP_SCORE({kind},{target},{actual},{w},{XLWINGS_PRESET_REF})"


def _xw_suggest_budget(*, progress: str, weight: str, default_weight: float, **_) -> str:
    return f"=XP_BUDGET_SCORE({progress},{_xw_weight(weight, default_weight)})"


def _shift_col(a1: str, offset: int) -> str:
    """The cell ``offset`` columns right of ``a1`` (same row; keeps any sheet prefix and $ signs)."""
    from openpyxl.utils.cell import column_index_from_string, get_column_letter

    prefix, _, cell = a1.rpartition("!")
    col = "".join(ch for ch in cell if ch.isalpha())
    rest = cell[cell.index(col) + len(col) :]
    lead = cell[: cell.index(col)]
    moved = get_column_letter(column_index_from_string(col) + offset)
    return (prefix + "!" if prefix else "") + lead + moved + rest


def _xw_rowcheck(
    *,
    target: str,
    actual: str,
    weight: str,
    default_weight: float,
    score: str,
    reason: str,
    progress: str | None = None,
    **_,
) -> str:
    # 指标类型 is the column left of 预期指标值 (labels.INDICATOR_COLUMNS is the template's column order)
    kind = _shift_col(target, -1)
    w = _xw_weight(weight, default_weight)
    section = f'"{L.SECTION_BUDGET}"' if progress is not None else '""'
    rate = progress if progress is not None else '""'
    return (
        f"=XP_ROWCHECK({kind},{target},{actual},{w},{score},{reason},{section},{rate},{XLWINGS_PRESET_REF})"
    )


def _xw_total(*, range: str, **_) -> str:  # noqa: A002
    return f"=XP_TOTAL({range})"


def _xw_grade(*, total: str, **_) -> str:
    return f"=XP_GRADE({total},{XLWINGS_PRESET_REF})"


_XLWINGS: dict[str, Callable[..., str]] = {
    **_NATIVE,
    "progress": _xw_progress,
    "suggest": _xw_suggest,
    "suggest_budget": _xw_suggest_budget,
    "rowcheck": _xw_rowcheck,
    "total": _xw_total,
    "grade": _xw_grade,
}
_BY_STYLE = {"native": _NATIVE, "xlwings": _XLWINGS}


def formula(role: str, style: str = "native", **refs) -> str:
    """The formula text (starting with "=") of a computed cell of ``role`` in ``style``.

    ``refs`` are A1 references (with sheet prefix where needed) and a few constants from the preset
    (default row weight, tolerances, grade bands, qualitative shares).
    """
    if style not in STYLES:
        raise ValueError(f"unknown formula style {style!r}; one of {STYLES}")
    try:
        fn = _BY_STYLE[style][role]
    except KeyError:
        raise ValueError(f"unknown formula role {role!r}; one of {ROLES}") from None
    return fn(**refs)
