"""Every formula the template writes, in one place.

The native formulas implement the same semantics as the Python core (/work/notes/issue8-semantics.md
§1–§8: rows in use, the kind from the values, T = 0, compound units, the grade from the capped total,
amounts typed with 万元/元) with functions Excel 2010+, WPS and LibreOffice all have: no LET, LAMBDA,
TEXTJOIN or dynamic arrays; arrays only inside SUMPRODUCT, LOOKUP and OR(x={...}), which evaluate
them without Ctrl+Shift+Enter everywhere.

How it stays readable: every indicator row carries hidden **helper columns** (P onwards, outside the
print area), one small step each, with a title in the header row ("计算·预期值·数值" ...). A cell's
value is parsed in a chain of helpers (``T.*`` for 预期指标值, ``A.*`` 实际完成值, ``W.*`` 分值,
``S.*`` 自评得分): cleaned text → comparator → number and unit → status. The row then computes
whether it is in use, its section, its weight in effect, its kind, the suggested score, and one
message column per rule (XP002 … XP015); 校验提示 joins the messages.

Why it survives inserted rows: a row's formulas only refer to its own row, to the header row (an
anchor rows are never inserted above) and to **whole helper columns** (``SUMIFS($X:$X, …)``), never to
the first or last row of the table. A copied row pasted anywhere in the table (Calc pastes absolute
references as they were copied, Excel adjusts them) therefore computes, and is counted by every total,
as the rows of the template do; a deleted row simply stops counting. Helper cells outside indicator
rows (the funds block, the 总分 row) sit in columns that no whole-column total reads.

What a formula cannot do, it says: a value holding characters whose Unicode compatibility form the
formulas cannot normalise (①, Ⅱ, ½, ₂ …; Python reads "①" as 1) makes the row's 建议得分 "见校验",
and so does a number too long to parse in a cell. Known gaps, none producing a different number on
the values units type: a character that is neither ASCII nor one of :data:`SYMBOLS` is taken for a
Chinese character (Python: U+4E00–U+9FFF only); names are compared case-insensitively (three-level
names are Chinese); a date typed into 预期指标值/实际完成值 is a number to a formula (the 填写说明 asks
for dates as text, e.g. "12月31日前"); ASC() converts full-width characters only where the office
suite runs in a Chinese (DBCS) locale in Excel.

The ``"xlwings"`` style maps 建议得分, 校验提示, 预算执行进度 and 等级 to the add-in's Python UDFs
(XP_SCORE, XP_BUDGET_SCORE, XP_ROWCHECK, XP_RATE, XP_GRADE; :mod:`xlperf.excel.udfs`) in the same
cells; helpers and totals are native in both styles.
"""

from __future__ import annotations

import string
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from openpyxl.utils.cell import get_column_letter

from xlperf.core import labels as L
from xlperf.core.preset import Preset
from xlperf.core.scoring import _KIND_WORDS, _LEVEL_WORDS  # the words the core reads, not a copy

STYLES = ("native", "xlwings")

# --- constants the formulas share ----------------------------------------------------------------------

POS_N = 24  # characters a formula parses of one value (longer numbers: 见校验)
_POS = "{" + ",".join(str(i) for i in range(1, POS_N + 1)) + "}"

# Unicode compatibility characters NFKC changes that the formulas map themselves (after ASC)
NFKC_MAP = (
    ("㎡", "m2"), ("㎥", "m3"), ("²", "2"), ("³", "3"), ("㎞", "km"), ("㎏", "kg"), ("㎝", "cm"),
    ("㎜", "mm"), ("㎎", "mg"), ("･", "·"), ("・", "·"), ("•", "·"),
)  # fmt: skip
# ... and those they cannot: a value holding one of these is "见校验" (Python reads "①" as 1)
EXOTIC = (
    "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳⑴⑵⑶⑷⑸⑹⑺⑻⑼⑽⒈⒉⒊⒋⒌⒍⒎⒏⒐⒑ⅠⅡⅢⅣⅤⅥⅦⅧⅨⅩⅪⅫⅰⅱⅲⅳⅴⅵⅶⅷⅸⅹ½⅓⅔¼¾¹⁰⁴⁵⁶⁷⁸⁹₀₁₂₃₄₅₆₇₈₉﹪﹤﹥﹦﹢﹣﹒﹐"
)
# Non-ASCII characters that are not letters of a unit (Python's units are CJK U+4E00–U+9FFF or Latin)
SYMBOLS = (
    "°×÷±～—–…、。，；：？！“”‘’《》〈〉「」『』【】〔〕（）［］｛｝≥≤≠≈∞√∶‰％℃¥￥€£§¶※★☆○●◎◇◆□■△▲"
    "→←↑↓〇々ヶ〃｡"
)
# characters that are neither a unit's letter, digit nor separator (ASCII punctuation and the above)
BAD_CHARS = "".join(ch for ch in string.punctuation if ch != "/") + " " + SYMBOLS + "μΩαβγ"


def _str(text: str) -> str:
    """An Excel string literal."""
    return '"' + text.replace('"', '""') + '"'


_CMP_LITERALS = {  # comparator as typed -> as the core reads it (values._CMP, in the regex's order)
    ">=": ">=", "<=": "<=", "≥": ">=", "≤": "<=", ">": ">", "<": "<", "=": "=", "不低于": ">=",
    "不少于": ">=", "不高于": "<=", "不超过": "<=", "大于等于": ">=", "小于等于": "<=", "大于": ">",
    "小于": "<", "达到": ">=",
}  # fmt: skip
_SUFFIXES = {"及以上": ">=", "及以下": "<=", "以上": ">=", "以下": "<=", "以内": "<="}
_MONEY = ("元", "亿元", "万", "万元")
LEVELS = {word: level for word, level in _LEVEL_WORDS.items()}
KIND_WORDS = dict(_KIND_WORDS)

# --- messages: what 校验提示 says, and the rule each one stands for ------------------------------------

ROW_RULES = ("XP015", "XP008", "XP005", "XP004", "XP003", "XP002", "XP009", "XP011", "XP013", "XP014")
MSG = {
    "S_text": ("XP015", "得分不是数字"),
    "W_text": ("XP015", "分值不是数字"),
    "T_text": ("XP015", "预期指标值无法识别"),
    "A_text": ("XP015", "实际完成值无法识别"),
    "missing": ("XP008", "指标值缺失"),
    "negative": ("XP005", "得分为负数"),
    "over": ("XP005", "得分高于分值"),
    "score": ("XP004", "得分与建议得分不符"),
    "budget_score": ("XP003", "得分与执行率不符"),
    "budget_actual": ("XP002", "实际完成值与预算执行进度不符"),
    "reason": ("XP009", "低于预期未说明原因"),
    "level2": ("XP011", "缺少二级指标"),
    "noname": ("XP011", "三级指标名称为空"),
    "duplicate": ("XP011", "三级指标重复"),
    "zero": ("XP011", "分值为0仍在评分"),
    "target_pct": ("XP013", "预期指标值超过100%"),
    "overachieved": ("XP013", "完成值达到预期值{ratio}%以上"),
    "satisfaction": ("XP014", "满意度满分但无调查结果"),
    "see_check": ("", "见校验"),
    # the 总分 row
    "sections_over": ("XP006", "一级指标得分合计超过其分值"),
    "sections_weight": ("XP006", "一级指标下分值之和与其标注不符"),
    "sections_preset": ("XP006", "一级指标分值与评分方案不一致"),
    "weight_total": ("XP006", "分值合计不等于{total}"),
    "total_missing": ("XP007", "总分未填写"),
    "total_sum": ("XP007", "总分与各项得分合计不符"),
    "total_text": ("XP015", "总分不是数字"),
    **{f"no_{k}": ("XP011", f"{L.SECTION_NAMES[k]}下没有填写指标") for k in L.SECTIONS},
    "unknown_section": ("XP011", "无法识别的一级指标"),
    "cap": ("XP012", "总分超过执行率上限"),
    "all_full": ("XP014", "执行率低于{rate}%但全部满分"),
}
SEE_CHECK = "见校验"


def message(key: str, preset: Preset | None = None) -> str:
    text = MSG[key][1]
    if preset is not None:
        text = text.format(
            ratio=_lit(preset.overachieve_ratio * 100),
            total=_lit(preset.total_weight),
            rate=_lit(preset.explain_rate_below * 100),
        )
    return text


def rules_of(text: object, preset: Preset) -> set[str]:
    """The rule IDs a 校验提示 text stands for (its messages joined by "；" and "、")."""
    by_text = {message(k, preset): rule for k, (rule, _) in MSG.items()}
    out = set()
    for part in str(text or "").replace("；", "、").split("、"):
        if part:
            out.add(by_text[part])  # an unknown text is a test failure, not a silent pass
    return out - {""}


# --- helper columns -----------------------------------------------------------------------------------

_PARSE_TITLES = {
    "s": "文本", "cl": "比较符长度", "r": "去比较符", "nl": "数字长度", "en": "指数长度", "q": "数字文本", "u0": "单位原文", "uok": "单位可读",
    "ok": "可读", "k": "状态", "n": "数值", "c": "比较符", "u": "单位", "pc": "百分数",
}  # fmt: skip
_VALUES = {"T": (L.COL_TARGET, "预期值"), "A": (L.COL_ACTUAL, "实际值"), "W": (L.COL_WEIGHT, "分值"),
           "S": (L.COL_SCORE, "得分")}  # fmt: skip
_FULL_PARSE = ("s", "cl", "r", "nl", "en", "q", "u0", "uok", "ok", "k", "n", "c", "u", "pc")
_SHORT_PARSE = ("s", "cl", "r", "nl", "en", "q", "u0", "uok", "ok", "k", "n")
_ROW = (
    ("AT", "一级文本"), ("CT", "三级文本"), ("DT", "类型文本"), ("JT", "原因文本"), ("USE", "在用行"), ("SECL", "一级标签"), ("SEC", "一级"), ("LBL", "一级起始行"), ("LT", "一级标签文本"),
    ("LP1", "括号内1"), ("LP2", "括号内2"), ("LW", "一级标注分值"),
    ("LWK", "标注分值的一级"), ("SW", "一级分值"), ("CN", "三级名称"), ("WB", "分值空"), ("WE", "分值"),
    ("LV", "定性等级"), ("WK", "所填类型"), ("KIND", "类型"), ("TF", "预期值比例"), ("AF", "实际值比例"),
    ("PT", "建议得分"), ("LOW", "建议得分下限"), ("FULL", "满分"), ("JM", "原因缺失"),
    ("M015", "XP015"), ("M008", "XP008"), ("M005", "XP005"), ("M004", "XP004"), ("M003", "XP003"),
    ("M002", "XP002"), ("M009", "XP009"), ("M011", "XP011"), ("M013", "XP013"), ("M014", "XP014"),
    ("M006", "XP006"), ("TY", "填写行"),
)  # fmt: skip
# sheet-level cells (funds block rows, 总分 row) live in columns of their own, after the row helpers
_SHEET = (
    ("AMT", "金额"),
    ("RATE", "执行率"),
    ("CAP", "上限"),
    ("PV", "预算执行进度"),
    ("TYPED", "已填写"),
    ("RC", "复核总分"),
    ("TR", "填报总分"),
    ("TOT", "填报或复核总分"),
    ("KD", "核定总分"),
)

# column P: L to O stay empty. The parser reads a label's value as the first non-empty cell up to 8
# columns to its right (parser._MAX_SCAN), formula cells included: from 执行数 (F) that reaches column N,
# so no helper may sit before column O in the funds block's rows.
HELPER_FIRST = 16


def _helper_keys() -> list[tuple[str, str]]:
    out = []
    for p, (_, name) in _VALUES.items():
        for part in _FULL_PARSE if p in ("T", "A") else _SHORT_PARSE:
            out.append((f"{p}.{part}", f"计算·{name}·{_PARSE_TITLES[part]}"))
    out += [(k, f"计算·{t}") for k, t in _ROW]
    out += [(k, f"计算·{t}") for k, t in _SHEET]
    return out


HELPERS: tuple[tuple[str, str], ...] = tuple(_helper_keys())
HELPER_COL: dict[str, str] = {k: get_column_letter(HELPER_FIRST + i) for i, (k, _) in enumerate(HELPERS)}
HELPER_LAST = get_column_letter(HELPER_FIRST + len(HELPERS) - 1)


def col(key: str) -> str:
    """The whole helper column ``$X:$X`` (with an optional sheet prefix added by the caller)."""
    c = HELPER_COL[key]
    return f"${c}:${c}"


# --- small builders -----------------------------------------------------------------------------------


def _lit(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else repr(float(x))


def _any_eq(x: str, items: Sequence[str]) -> str:
    """x equals one of items (Excel's = is case-insensitive: only for items without letters)."""
    if len(items) == 1:
        return f"{x}={_str(items[0])}"
    return f"OR({x}={{{','.join(_str(i) for i in items)}}})"


def _exact_any(x: str, items: Sequence[str]) -> str:
    return f"SUMPRODUCT(--EXACT({x},{{{','.join(_str(i) for i in items)}}}))>0"


def _clean(x: str, dots: bool = True) -> str:
    """NFKC as far as formulas can (ASC + a few compatibility characters), no whitespace."""
    s = f"ASC({x})"
    for ch in (" ", "\u3000"):
        s = f'SUBSTITUTE({s},"{ch}","")'
    for code in (10, 13, 9):
        s = f'SUBSTITUTE({s},CHAR({code}),"")'
    for a, b in NFKC_MAP if dots else NFKC_MAP[:-3]:
        s = f'SUBSTITUTE({s},"{a}","{b}")'
    return s


def _nocolon(s: str) -> str:
    """rstrip(":") of a cleaned text (two are enough for what people type)."""
    once = f'IF(RIGHT({s},1)=":",LEFT({s},LEN({s})-1),{s})'
    return f'IF(RIGHT({once},1)=":",LEFT({once},LEN({once})-1),{once})'


def _join(parts: Sequence[tuple[str, str]], sep: str, limit: int = 255) -> str:
    """Concatenate sep+text for every true condition, without the leading separator ("" when none)."""
    body = "&".join(f'IF(IFERROR({c},FALSE),"{sep}{t}","")' for c, t in parts)
    return f"MID({body},2,{limit})" if sep else body


def _grade_expr(x: str, preset: Preset) -> str:
    bands = sorted(((g.name, g.min) for g in preset.grades), key=lambda g: -g[1])
    if not bands:
        return '""'
    expr = _str(bands[-1][0])
    for name, lo in reversed(bands[:-1]):
        expr = f"IF({x}>={_lit(lo)}-1E-9,{_str(name)},{expr})"
    return f'IF(ISNUMBER({x}),{expr},"")'


# --- the value parser (values.parse) ------------------------------------------------------------------


def _cmp_norm(lit: str) -> str:
    groups: dict[str, list[str]] = {}
    for literal, norm in _CMP_LITERALS.items():
        groups.setdefault(norm, []).append(literal)
    order = [">=", ">", "<=", "<"]
    expr = '"="'
    for norm in reversed(order):
        expr = f"IF({_any_eq(lit, groups[norm])},{_str(norm)},{expr})"
    return expr


def _cmp_len(s: str) -> str:
    by_len: dict[int, list[str]] = {}
    for literal in _CMP_LITERALS:
        by_len.setdefault(len(literal), []).append(literal)
    expr = "0"
    for n in sorted(by_len):
        expr = f"IF({_any_eq(f'LEFT({s},{n})', by_len[n])},{n},{expr})"
    return expr


def _suffix_len(s: str) -> str:
    three = [k for k in _SUFFIXES if len(k) == 3]
    two = [k for k in _SUFFIXES if len(k) == 2]
    return f"IF({_any_eq(f'RIGHT({s},3)', three)},3,IF({_any_eq(f'RIGHT({s},2)', two)},2,0))"


def _suffix_cmp(s: str) -> str:
    ge = [k for k, v in _SUFFIXES.items() if v == ">="]
    le = [k for k, v in _SUFFIXES.items() if v == "<="]

    def ends(words: list[str]) -> str:
        return "OR(" + ",".join(f"RIGHT({s},{len(w)})={_str(w)}" for w in words) + ")"

    return f'IF({ends(ge)},">=",IF({ends(le)},"<=",""))'


def _unit_ok(u: str) -> str:
    """values.py's unit alternatives: money and percent, a simple unit (CJK{1,4} or Latin{1,4}[23]), or a
    compound of words ([CJK Latin]{1,6} + an optional digit) joined by / or ·. A character is a
    separator (/ ·), a digit, bad (:data:`BAD_CHARS`), a Latin letter (it has a case) or else Chinese."""
    pos = _POS
    ch = f"MID({u},{pos},1)"
    inside = f"({pos}<=LEN({u}))"
    seps = f'(LEN({u})-LEN(SUBSTITUTE(SUBSTITUTE({u},"/",""),"·","")))'
    digit = f'ISNUMBER(FIND({ch},"0123456789"))'
    bad = f"SUMPRODUCT(ISNUMBER(FIND({ch},{_str(BAD_CHARS)}))*{inside})"
    latin = f"SUMPRODUCT(NOT(EXACT(UPPER({ch}),LOWER({ch})))*{inside})"
    digits = f"SUMPRODUCT({digit}*{inside})"
    prev = f'MID("|"&{u},{pos},1)'  # the character before each position ("|" before the first)
    nxt = f"MID({u},{pos}+1,1)"
    is_sep = f'(({ch}="/")+({ch}="·"))'
    ends = f'LEFT({u},1)<>"/",LEFT({u},1)<>"·",RIGHT({u},1)<>"/",RIGHT({u},1)<>"·"'
    compound = (
        f"AND({seps}>0,{bad}=0,{ends},"
        f'SUMPRODUCT({is_sep}*((({nxt}="/")+({nxt}="·"))>0))=0,'
        f'SUMPRODUCT({digit}*{inside}*((ISNUMBER(FIND({prev},"0123456789|/·"))+({nxt}<>"")*({nxt}<>"/")*({nxt}<>"·"))>0))=0,'
        f'SUMPRODUCT(({pos}<=LEN({u})-6)*ISERROR(FIND("/",MID({u},{pos},7)))*ISERROR(FIND("·",MID({u},{pos},7)))'
        f'*ISERROR(FIND(MID({u},{pos}+6,1),"0123456789")))=0)'
    )
    cjk_simple = f"AND(LEN({u})<=4,{latin}=0,{digits}=0)"
    latin_simple = (
        f"AND({latin}>=1,{latin}<=4,OR(AND({digits}=0,{latin}=LEN({u})),"
        f'AND({digits}=1,{latin}=LEN({u})-1,OR(RIGHT({u},1)="2",RIGHT({u},1)="3"))))'
    )
    simple = f"AND({seps}=0,{bad}=0,OR({cjk_simple},{latin_simple}))"
    return f'OR({u}="",{_any_eq(u, ["%", "‰", "万元", "亿元", "元"])},{simple},{compound})'


def _num_ok(q: str) -> str:
    """values.py's number, its sign taken off (``q``): digits with optional ,ddd groups and optional
    .digits, or .digits."""
    dot = f'FIND(".",{q})'
    ip = f"LEFT({q},IFERROR({dot}-1,LEN({q})))"
    return (
        f'AND(LEN({q})>0,ISERROR(FIND("+",{q})),ISERROR(FIND("-",{q})),'
        f'LEN({q})-LEN(SUBSTITUTE({q},".",""))<=1,'
        f'OR(ISERROR({dot}),AND(RIGHT({q},1)<>".",ISERROR(FIND(",",{q},IFERROR({dot},1))))),'
        f'LEFT({q},1)<>",",'
        f'SUMPRODUCT((MID({ip},{_POS},1)=",")*(MOD(LEN({ip})-{_POS},4)<>3))=0)'
    )


def parse_cells(src: str, ref: Callable[[str], str], full: bool = True) -> dict[str, str]:
    """Formulas of one value's parse chain: helper part -> formula. ``ref(part)`` is the cell holding
    that part (in the same row for indicator values)."""
    s, cl, r, nl, en, q, u0, uok, ok, k = (
        ref(x) for x in ("s", "cl", "r", "nl", "en", "q", "u0", "uok", "ok", "k")
    )
    p = f"LEFT({r},{nl})"
    # an exponent right after the digits ("1e5", "2.5E-3"): e, an optional sign, 1 to 3 digits
    e_sign = f'IF(OR(MID({r},{nl}+2,1)={{"+","-"}}),1,0)'
    e_digits = (
        f'SUMPRODUCT(MIN({_POS}+99*ISNUMBER(FIND(MID({r},{nl}+1+{e_sign}+{_POS},1),"0123456789"))'
        f"*({nl}+1+{e_sign}+{_POS}<=LEN({r}))))-1"
    )
    out = {
        "s": f'=IF(ISNUMBER({src}),"",IF(ISLOGICAL({src}),"#",IFERROR({_clean(src)},"#")))',
        "cl": f"={_cmp_len(s)}",
        "r": f"=MID({s},{cl}+1,MAX(0,LEN({s})-{cl}-{_suffix_len(s)}))",
        "nl": (
            f'=SUMPRODUCT(MIN({_POS}+99*ISNUMBER(FIND(MID({r},{_POS},1),"0123456789.,+-"))'
            f"*({_POS}<=LEN({r}))))-1"
        ),
        "en": (
            f'=IF(OR(MID({r},{nl}+1,1)={{"e","E"}}),IF({e_digits}=0,0,IF({e_digits}<=3,1+{e_sign}+{e_digits},-1)),0)'
        ),
        "q": f'=MID({p},1+OR(LEFT({p},1)={{"+","-"}}),99)',
        "u0": f"=MID({r},{nl}+MAX(0,{en})+1,99)",
        "uok": f"=IF({_unit_ok(u0)},1,0)",
        "ok": (
            f"=IF(AND({nl}>0,{nl}<{POS_N},{en}>=0,{uok}=1),IF(AND({_num_ok(q)},"
            f'ISNUMBER(VALUE(SUBSTITUTE(LEFT({r},{nl}+{en}),",","")))),1,0),0)'
        ),
        "k": (
            f'=IF(ISNUMBER({src}),"num",IF({s}="","blank",IF({s}="#","err",'
            f"IF(SUMPRODUCT(ISNUMBER(FIND(MID({s},{_POS},1),{_str(EXOTIC)}))*({_POS}<=LEN({s})))>0,"
            f'"{SEE_CHECK}",IF({_exact_any(s, sorted(L.PLACEHOLDERS))},"ph",IF({nl}>={POS_N},"{SEE_CHECK}",'
            f'IF({ok}=1,"num",IF(AND(LEFT({s},1)="#",OR(RIGHT({s},1)="!",RIGHT({s},1)="?",{s}="#N/A",'
            f'{s}="#GETTING_DATA")),"err","text"))))))))'
        ),
        "n": (
            f'=IF({k}<>"num","",IF(ISNUMBER({src}),{src},VALUE(SUBSTITUTE(LEFT({r},{nl}+{en}),",",""))'
            f'/IF({u0}="%",100,IF({u0}="‰",1000,IF({u0}="元",10000,1)))*IF({u0}="亿元",10000,1)))'
        ),
    }
    if full:
        out["c"] = f'=IF({k}<>"num","",IF({cl}>0,{_cmp_norm(f"LEFT({s},{cl})")},{_suffix_cmp(s)}))'
        out["u"] = f'=IF({k}<>"num","",IF(OR({u0}="%",{u0}="‰"),"%",IF({_any_eq(u0, _MONEY)},"万元",{u0})))'
        out["pc"] = f'=IF(AND({k}="num",OR({u0}="%",{u0}="‰")),1,0)'
    return out


# --- a form (one project sheet) -------------------------------------------------------------------------


@dataclass(frozen=True)
class Form:
    """What a project sheet's formulas need to know: where the table starts and the preset."""

    header_row: int
    preset: Preset
    funds_row: int = 7  # 预算数 / 到位数 / 执行数 totals: rows funds_row .. funds_row + 2 of AMT
    style: str = "native"
    goals: tuple[int, int] = (12, 14)  # first and last row of 三、目标完成情况
    name: str = "B4"  # 项目名称

    def sheet_cell(self, key: str, row: int) -> str:
        return f"${HELPER_COL[key]}${row}"

    @property
    def rate(self) -> str:
        return self.sheet_cell("RATE", self.funds_row)

    @property
    def cap(self) -> str:
        return self.sheet_cell("CAP", self.funds_row)

    @property
    def typed(self) -> str:
        """1 when anything was typed into the form; a blank 自评表 (only the template's pre-fill) is no
        project for the core (XP019), so its 校验提示 stay empty."""
        return self.sheet_cell("TYPED", self.funds_row)

    @property
    def progress_value(self) -> str:
        """预算执行进度 as a number: its formula's value, or what the unit typed over it, read."""
        return self.sheet_cell("PV", self.funds_row)

    def amount(self, i: int) -> str:
        """The parsed amount of 预算数 (0), 到位数 (1), 执行数 (2): a number, "" or 见校验."""
        return self.sheet_cell("AMT", self.funds_row + i)


def _h(key: str, row: int) -> str:
    return f"{HELPER_COL[key]}{row}"


def funds_cells(form: Form, sources: Sequence[str], progress: str = "H7") -> dict[str, str]:
    """Cells of the funds block's helpers: the three amounts parsed (in the T.* columns of rows 7–9),
    accepted as 万元 or refused (AMT), the execution rate and the preset's cap for it, and 预算执行进度
    read (parsed in the A.* columns of row 7: the unit may have typed over its formula)."""
    out: dict[str, str] = {}
    row = form.funds_row
    for part, f in parse_cells(progress, lambda p: _h(f"A.{p}", row)).items():
        out[_h(f"A.{part}", row)] = f
    out[_h("PV", row)] = (
        f'=IF(ISNUMBER({progress}),{progress},IF({_h("A.k", row)}="num",{_h("A.n", row)},""))'
    )
    for i, src in enumerate(sources):
        row = form.funds_row + i
        for part, f in parse_cells(src, lambda p, row=row: _h(f"T.{p}", row)).items():
            out[_h(f"T.{part}", row)] = f
        k, n, u, pc = (_h(f"T.{p}", row) for p in ("k", "n", "u", "pc"))
        out[_h("AMT", row)] = (
            f'=IF({k}="num",IF(AND({pc}=0,OR({u}="",{u}="万元")),{n},"{SEE_CHECK}"),'
            f'IF(OR({k}="blank",{k}="ph"),"","{SEE_CHECK}"))'
        )
    b, e = form.amount(0), form.amount(2)
    # scoring.execution_rate: E / B for B > 0 and E ≥ 0 (−3 / −5 is not a 60 % execution)
    out[_h("RATE", form.funds_row)] = (
        f'=IF(AND(ISNUMBER({b}),ISNUMBER({e})),IF(AND({b}>0,{e}>=0),{e}/{b},""),"")'
    )
    caps = form.preset.caps
    rate = _h("RATE", form.funds_row)
    if caps:
        parts = ",".join(f"IF({rate}<{_lit(c.below)}-1E-12,{_lit(c.max)},1E+99)" for c in caps)
        out[_h("CAP", form.funds_row)] = f'=IF(ISNUMBER({rate}),IF(MIN({parts})<1E+99,MIN({parts}),""),"")'
    else:
        out[_h("CAP", form.funds_row)] = '=""'
    return out


def progress(form: Form, *, executed: str, budget: str) -> str:
    """预算执行进度 (H7): 执行数/预算数 of the parsed amounts; 见校验 when an amount is refused."""
    if form.style == "xlwings":
        return f"=XP_RATE({executed},{budget})"
    b, e, r = form.amount(0), form.amount(2), form.rate
    return f'=IF(ISNUMBER({r}),{r},IF(OR({b}="{SEE_CHECK}",{e}="{SEE_CHECK}"),"{SEE_CHECK}",""))'


def budget_actual(form: Form) -> str:
    """实际完成值 of the 预算执行率 row: the value of 预算执行进度 (its formula's, or what was typed over it),
    a percentage."""
    return f'=IF(ISNUMBER({form.progress_value}),{form.progress_value},"")'


def indicator_cells(form: Form, row: int, cols: dict[str, str]) -> dict[str, str]:
    """Every computed cell of indicator row ``row``: helpers, 建议得分 and 校验提示 (column -> formula).
    ``cols`` maps the indicator columns (labels.COL_*) to letters."""
    pr = form.preset
    hdr = form.header_row
    c = {k: f"{v}{row}" for k, v in cols.items()}
    A1, B, C, D = c[L.COL_LEVEL1], c[L.COL_LEVEL2], c[L.COL_LEVEL3], c[L.COL_KIND]
    J = c[L.COL_REASON]
    a_col = cols[L.COL_LEVEL1]

    def h(key: str) -> str:
        return _h(key, row)

    out: dict[str, str] = {}
    for p, (label, _) in _VALUES.items():
        full = p in ("T", "A")
        for part, f in parse_cells(c[label], lambda x, p=p: h(f"{p}.{x}"), full=full).items():
            out[h(f"{p}.{part}")] = f

    T = {x: h(f"T.{x}") for x in _FULL_PARSE}
    A = {x: h(f"A.{x}") for x in _FULL_PARSE}
    Wn, Wk, Sn, Sk = h("W.n"), h("W.k"), h("S.n"), h("S.k")
    USE, SEC, LBL, LW, SW, WE, LV, WK, KIND = (
        h(k) for k in ("USE", "SEC", "LBL", "LW", "SW", "WE", "LV", "WK", "KIND")
    )
    TF, AF, PT, LOW, JM = h("TF"), h("AF"), h("PT"), h("LOW"), h("JM")
    rate = form.rate
    tol = _lit(pr.score_tolerance)

    anchor = f"${a_col}${hdr}:{A1}"
    # the texts of the row, cleaned once (NFKC as far as formulas can, no whitespace)
    for key, cell, dots in (("AT", A1, True), ("CT", C, False), ("DT", D, True), ("JT", J, True)):
        out[h(key)] = f'=IFERROR({_clean(cell, dots=dots)},"#")'
    AT, CT, DT, JT = h("AT"), h("CT"), h("DT"), h("JT")
    out[h("USE")] = f'=IF(OR({CT}<>"",{T["k"]}<>"blank",{A["k"]}<>"blank",{Sk}<>"blank",{JT}<>""),1,0)'
    last_label = f'LOOKUP(2,1/({anchor}<>""),{anchor})'
    out[h("SECL")] = f'=IFERROR({_clean(last_label)},"")'
    x = h("SECL")
    sec = '"other"'
    for key, words in reversed(L.SECTION_KEYWORDS):
        found = "OR(" + ",".join(f"ISNUMBER(FIND({_str(w)},{x}))" for w in words) + ")"
        sec = f"IF({found},{_str(key)},{sec})"
    out[h("SEC")] = "=" + sec
    prev = f'LOOKUP(2,1/(({anchor}<>"")*(ROW({anchor})<ROW())),{anchor})'
    out[h("LBL")] = f'=IF(AND(ISTEXT({A1}),{AT}<>"",{AT}<>IFERROR({_clean(prev)},"")),1,0)'
    # weight_in_label: "产出指标（40分）" -> 40: the first or second "(" whose inside is digits [+ 分]
    lab = AT
    for a, b in (("【", "("), ("】", ")"), ("[", "("), ("]", ")")):
        lab = f'SUBSTITUTE({lab},"{a}","{b}")'
    out[h("LT")] = f'=IF({LBL}=1,IFERROR({lab},""),"")'
    lt = h("LT")
    for n in (1, 2):
        start = f'FIND("¦",SUBSTITUTE({lt},"(","¦",{n}))'
        raw = f'MID({lt},{start}+1,FIND(")",{lt},{start})-{start}-1)'
        out[h(f"LP{n}")] = f'=IFERROR(IF(RIGHT({raw},1)="分",LEFT({raw},LEN({raw})-1),{raw}),"")'

    def label_number(cell: str) -> str:
        ok = (
            f'AND(LEN({cell})>0,LEFT({cell},1)<>".",RIGHT({cell},1)<>".",'
            f'LEN({cell})-LEN(SUBSTITUTE({cell},".",""))<=1,'
            f'SUMPRODUCT(--ISERROR(FIND(MID({cell},{_POS},1),"0123456789."))*({_POS}<=LEN({cell})))=0)'
        )
        return f"IF({ok},VALUE({cell}),NA())"

    out[h("LW")] = f'=IF({LBL}=1,IFERROR({label_number(h("LP1"))},IFERROR({label_number(h("LP2"))},"")),"")'
    out[h("LWK")] = f'=IF(AND({LBL}=1,{LW}<>""),{SEC},"")'
    preset_w = '""'
    for key in reversed(L.SECTIONS):
        if key in pr.weights:
            preset_w = f'IF({SEC}="{key}",{_lit(pr.weights[key])},{preset_w})'
    out[h("SW")] = f"=IFERROR(INDEX({col('LW')},MATCH({SEC},{col('LWK')},0)),{preset_w})"
    out[h("CN")] = f'=IF({USE}=1,{_nocolon(CT)},"")'
    out[h("WB")] = f'=IF(AND({USE}=1,{Wn}=""),1,0)'
    out[h("WE")] = (
        f'=IF({USE}<>1,"",IF({Wn}<>"",{Wn},IF({SW}="","",MAX(0,{SW}-SUMIFS({col("W.n")},{col("SEC")},{SEC},'
        f"{col('USE')},1))/SUMIFS({col('WB')},{col('SEC')},{SEC}))))"
    )
    fa = _nocolon(A["s"])
    lv = '""'
    for level in reversed(L.QUALITATIVE_LEVELS):
        words = [w for w, lev in LEVELS.items() if lev == level]
        lv = f"IF({_any_eq(fa, words)},{_str(level)},{lv})"
    out[h("LV")] = f'=IF({A["k"]}<>"text","",{lv})'
    dk = _nocolon(DT)
    wk = '""'
    for kind in reversed(L.KINDS):
        words = [w for w, k in KIND_WORDS.items() if k == kind]
        wk = f"IF({_any_eq(dk, words)},{_str(kind)},{wk})"
    out[h("WK")] = "=" + wk
    tc = T["c"]
    out[h("KIND")] = (
        f'=IF({WK}="定性","定性",IF({LV}<>"","定性",IF(OR({tc}="<=",{tc}="<"),"反向",IF({tc}="=","等于",'
        f'IF(OR({tc}=">=",{tc}=">"),"正向",IF({WK}<>"",{WK},"正向"))))))'
    )
    out[h("TF")] = (
        f'=IF({T["n"]}="","",IF(AND({A["pc"]}=1,{T["pc"]}=0,{T["n"]}>1.5,{T["n"]}<=1000),{T["n"]}/100,{T["n"]}))'
    )
    out[h("AF")] = (
        f'=IF({A["n"]}="","",IF(AND({T["pc"]}=1,{A["pc"]}=0,{A["n"]}>1.5,{A["n"]}<=1000),{A["n"]}/100,{A["n"]}))'
    )
    same_unit = f'NOT(AND({T["u"]}<>"",{A["u"]}<>"",NOT(EXACT({T["u"]},{A["u"]}))))'
    w = WE
    positive = f"IF({TF}=0,IF({AF}<=0,{w},0),IF({TF}<0,IF({AF}>={TF},{w},0),IF({AF}>={TF},{w},MAX(0,{w}*{AF}/{TF}))))"
    reverse = (
        f"IF({TF}<=0,IF({AF}<={TF},{w},0),IF({AF}<={TF},{w},IF({AF}>=2*{TF},0,{w}*(1-({AF}-{TF})/{TF}))))"
    )
    equal = f"IF({TF}=0,IF({AF}<=0,{w},0),{positive})"

    def quant(kind_expr: str) -> str:
        rule = f'IF({kind_expr}="反向",{reverse},IF({kind_expr}="等于",{equal},{positive}))'
        return f'IF(AND({TF}<>"",{AF}<>"",{same_unit}),{rule},"")'

    hi = "0"
    lo = "0"
    for level in reversed(L.QUALITATIVE_LEVELS):
        band = pr.qualitative.get(level, (0.0, 1.0))
        hi = f'IF({LV}="{level}",{_lit(band[1])},{hi})'
        lo = f'IF({LV}="{level}",{_lit(band[0])},{lo})'
    qual = f'IF({LV}<>"",{hi}*{w},IF(AND({A["n"]}<>"",{T["n"]}<>""),{quant(chr(34) + "正向" + chr(34))},""))'
    # the 预算执行率 row's 实际完成值 on the percent scale ("80" is 80 %); its own formula's result (the
    # value of 预算执行进度, a fraction even above 1.5) is a percentage as the core reads it
    pv = form.progress_value
    a_pct = (
        f'IF({A["n"]}="","",IF(AND(ISNUMBER({pv}),{A["n"]}={pv}),{A["n"]},'
        f"IF(AND({A['pc']}=0,{A['n']}>1.5,{A['n']}<=1000),{A['n']}/100,{A['n']})))"
    )
    r_eff = f"IF(ISNUMBER({rate}),{rate},{a_pct})"
    budget_pt = f'IF({r_eff}="","",MAX(0,MIN({r_eff},1))*{w})'
    out[h("PT")] = (
        f'=IF({USE}<>1,"",IF(OR({T["k"]}="{SEE_CHECK}",{A["k"]}="{SEE_CHECK}"),"{SEE_CHECK}",IF({WE}="","",'
        f'IF({SEC}="budget",{budget_pt},IF({KIND}="定性",{qual},{quant(KIND)})))))'
    )
    out[h("LOW")] = f'=IF(AND({SEC}<>"budget",{KIND}="定性",{LV}<>"",ISNUMBER({PT})),{lo}*{WE},{PT})'
    out[h("FULL")] = f'=IF(AND(ISNUMBER({Sn}),ISNUMBER({WE})),IF(ABS({Sn}-{WE})<1E-6,1,0),"")'
    out[h("JM")] = f'=IF(OR({JT}="",{_exact_any(JT, sorted(L.PLACEHOLDERS))}),1,0)'

    def m(key: str) -> str:
        return message(key, pr)

    is_budget = f'{SEC}="budget"'
    out[h("M015")] = "=" + _join(
        [
            (f'OR({Sk}="text",{Sk}="err")', m("S_text")),
            (f'OR({Wk}="text",{Wk}="err")', m("W_text")),
            (f'OR({T["k"]}="err",AND({T["k"]}="text",{KIND}<>"定性"))', m("T_text")),
            (f'OR({A["k"]}="err",AND({A["k"]}="text",{KIND}<>"定性",{LV}=""))', m("A_text")),
        ],
        "、",
    )
    missing = '"blank","ph"'
    out[h("M008")] = "=" + _join(
        [(f"AND({USE}=1,OR(OR({T['k']}={{{missing}}}),OR({A['k']}={{{missing}}})))", m("missing"))], "、"
    )
    out[h("M005")] = "=" + _join(
        [
            (f"AND({USE}=1,ISNUMBER({Sn}),{Sn}<0)", m("negative")),
            (f"AND({USE}=1,ISNUMBER({Sn}),{Sn}>=0,ISNUMBER({WE}),{Sn}>{WE}+1E-6)", m("over")),
        ],
        "、",
    )
    scored = f"AND({USE}=1,ISNUMBER({Sn}),ISNUMBER({PT}))"
    out[h("M004")] = "=" + _join(
        [(f"AND({scored},NOT({is_budget}),OR({Sn}<{LOW}-{tol}-1E-9,{Sn}>{PT}+{tol}+1E-9))", m("score"))],
        "、",
    )
    out[h("M003")] = "=" + _join(
        [(f"AND({scored},{is_budget},ABS({Sn}-ROUND({PT},4))>{tol})", m("budget_score"))], "、"
    )
    out[h("M002")] = "=" + _join(
        [
            (
                f"AND({USE}=1,{is_budget},ISNUMBER({rate}),ISNUMBER({a_pct}),"
                f"ABS({a_pct}-{rate})>{_lit(pr.rate_tolerance)})",
                m("budget_actual"),
            )
        ],
        "、",
    )
    below = (
        f'IF({KIND}="定性",AND({LV}<>"",{LV}<>"达成"),AND(ISNUMBER({TF}),ISNUMBER({AF}),'
        f'IF({TF}=0,{AF}>1E-9,IF({KIND}="反向",{AF}>{TF}+1E-9,IF({KIND}="等于",ABS({AF}-{TF})>1E-9,{AF}<{TF}-1E-9)))))'
    )
    # the 预算执行率 row owes a reason only below the preset's rate (its own completion value without funds)
    why = (
        f"IF({is_budget},AND(ISNUMBER({r_eff}),{r_eff}<{_lit(pr.explain_rate_below)}-1E-9),"
        f"IFERROR({below},FALSE))"
    )
    low_score = f"AND(NOT({is_budget}),ISNUMBER({Sn}),ISNUMBER({WE}),{Sn}<{WE}-1E-6)"
    out[h("M009")] = "=" + _join([(f"AND({USE}=1,{JM}=1,OR({why},{low_score}))", m("reason"))], "、")
    # level 2 as the parser carries it: the last 二级 cell written since the section's label row
    # level 2 as the parser carries it down: the last 二级 written at or above this row, since the last
    # row with a 一级 label (the parser starts again at every label); a blank or space-only cell is none
    start = f'MAX({hdr + 1},LOOKUP(2,1/({anchor}<>""),ROW({anchor})))'
    b_col = cols[L.COL_LEVEL2]
    b_rng = f"INDEX(${b_col}:${b_col},{start}):{B}"
    level2 = f'IFERROR(TRIM(LOOKUP(2,1/(TRIM({b_rng})<>""),{b_rng})),"")'
    filled = f"NOT(AND(OR({T['k']}={{{missing}}}),OR({A['k']}={{{missing}}}),OR({Sk}={{{missing}}})))"
    esc = f'SUBSTITUTE(SUBSTITUTE(SUBSTITUTE({h("CN")},"~","~~"),"*","~*"),"?","~?")'
    out[h("M011")] = "=" + _join(
        [
            (f'AND({USE}=1,{level2}="")', m("level2")),
            (f'AND({USE}=1,{h("CN")}="",{filled})', m("noname")),
            (
                f'AND({h("CN")}<>"",COUNTIF({col("CN")},"="&{esc})>1,MATCH({esc},{col("CN")},0)=ROW())',
                m("duplicate"),
            ),
            (
                f"AND({USE}=1,ISNUMBER({Wn}),{Wn}=0,OR(ISNUMBER({Sn}),NOT(OR({T['k']}={{{missing}}}))))",
                m("zero"),
            ),
        ],
        "、",
    )
    ratio = _lit(pr.overachieve_ratio)
    out[h("M013")] = "=" + _join(
        [
            (f'AND({USE}=1,{T["pc"]}=1,ISNUMBER({T["n"]}),{T["n"]}>1+1E-9,{tc}<>"<=")', m("target_pct")),
            (
                f'AND({USE}=1,{KIND}="正向",NOT({is_budget}),ISNUMBER({TF}),ISNUMBER({AF}),{TF}>0,'
                f"{AF}>={ratio}*{TF}-1E-9)",
                m("overachieved"),
            ),
        ],
        "、",
    )
    out[h("M014")] = "=" + _join(
        [
            (
                f'AND({USE}=1,{SEC}="satisfaction",{h("FULL")}=1,OR(OR({A["k"]}={{{missing}}}),NOT(ISNUMBER({A["n"]}))))',
                m("satisfaction"),
            )
        ],
        "、",
    )
    # XP006 of the section this row starts (label rows only; the 总分 row reports it)
    sub = f"SUMIFS({col('S.n')},{col('SEC')},{SEC},{col('USE')},1)"
    typed = f"COUNTIFS({col('SEC')},{SEC},{col('USE')},1,{col('WB')},0)"
    typed_sum = f"SUMIFS({col('W.n')},{col('SEC')},{SEC},{col('USE')},1)"
    pw = preset_w
    out[h("M006")] = "=" + _join(
        [
            (f"AND({LBL}=1,ISNUMBER({LW}),{sub}>{LW}+1E-6)", m("sections_over")),
            (f"AND({LBL}=1,ISNUMBER({LW}),{typed}>0,ABS({typed_sum}-{LW})>1E-6)", m("sections_weight")),
            (f"AND({LBL}=1,ISNUMBER({LW}),ISNUMBER({pw}),ABS({pw}-{LW})>1E-6)", m("sections_preset")),
        ],
        "、",
    )

    # visible cells
    i_col, k_col = cols[L.COL_SUGGESTED], cols[L.COL_CHECK]
    if form.style == "xlwings":
        preset_ref = XLWINGS_PRESET_REF
        e, f_, cell_d = c[L.COL_TARGET], c[L.COL_ACTUAL], D
        out[f"{i_col}{row}"] = (
            f'=IF({USE}<>1,"",IF({SEC}="budget",XP_BUDGET_SCORE({rate},{WE}),'
            f"XP_SCORE({cell_d},{e},{f_},{WE},{preset_ref})))"
        )
        section = f'IF({SEC}="budget","{L.SECTION_BUDGET}","")'
        out[f"{k_col}{row}"] = (
            f'=IF({USE}<>1,"",XP_ROWCHECK({cell_d},{e},{f_},{WE},{c[L.COL_SCORE]},{J},{section},{rate},{preset_ref}))'
        )
    else:
        out[f"{i_col}{row}"] = f"=IF(ISNUMBER({PT}),ROUND({PT},2),{PT})"
        body = "&".join(f'IF({h(k)}<>"","；"&{h(k)},"")' for k in ("M015", "M008", "M005", "M004", "M003",
                                                                    "M002", "M009", "M011", "M013", "M014"))  # fmt: skip
        out[f"{k_col}{row}"] = (
            f'=IF({form.typed}<>1,"",IF({PT}="{SEE_CHECK}","{SEE_CHECK}",MID({body},2,255)))'
        )
    # typed beyond the template's pre-fill (the 预算执行率 row: its score, reason or a typed 实际完成值)
    own_formula = f"AND(ISNUMBER({pv}),{A['n']}={pv})"
    out[h("TY")] = (
        f'=IF({USE}<>1,0,IF({SEC}<>"budget",1,IF(OR({Sk}<>"blank",{JT}<>"",'
        f'AND({A["k"]}<>"blank",NOT({own_formula}))),1,0)))'
    )
    return out


def total_cells(form: Form, row: int, cols: dict[str, str], *, typed_total: bool) -> dict[str, str]:
    """The 总分 row: Σ分值 (weights in effect), 总分 (Σ自评得分, unless the unit typed over it),
    Σ建议得分, the total's parse and 校验提示 for the project-level rules."""
    pr = form.preset
    g, s, i, k = (cols[x] for x in (L.COL_WEIGHT, L.COL_SCORE, L.COL_SUGGESTED, L.COL_CHECK))
    total = f"{s}{row}"
    out: dict[str, str] = {}
    # Σ分值: the weights in effect of the rows in use; on a blank form the template's pre-filled 分值
    we, wn = col("WE"), col("W.n")
    out[f"{g}{row}"] = f'=IF({form.typed}<>1,IF(COUNT({wn})=0,"",SUM({wn})),IF(COUNT({we})=0,"",SUM({we})))'
    rc = _h("RC", row)
    out[rc] = f'=IF(COUNT({col("S.n")})=0,"",SUM({col("S.n")}))'
    if not typed_total:
        out[total] = f'=IF({rc}="","",{rc})'
    out[f"{i}{row}"] = (
        f'=IF(COUNTIF({col("PT")},"{SEE_CHECK}")>0,"{SEE_CHECK}",IF(COUNT({col("PT")})=0,"",ROUND(SUM({col("PT")}),2)))'
    )
    for part, f in parse_cells(total, lambda p: _h(f"T.{p}", row)).items():
        out[_h(f"T.{part}", row)] = f
    tk, tn = _h("T.k", row), _h("T.n", row)
    # the core's four totals (evaluate.TOTALS): 复核总分 RC, 填报总分 TR, and 核定总分 KD (复核总分 capped
    # by the preset's cap for the execution rate; the grade is KD's); XP012 compares 填报 else 复核 (TOT)
    out[_h("TR", row)] = f'=IF({tk}="num",{tn},"")'
    tot = _h("TOT", row)
    out[tot] = f'=IF({tk}="num",{tn},{rc})'
    cap = form.cap
    out[_h("KD", row)] = f'=IF(ISNUMBER({rc}),IF(ISNUMBER({cap}),MIN({rc},{cap}),{rc}),"")'

    def m(key: str) -> str:
        return message(key, pr)

    use, lbl, sec = col("USE"), col("LBL"), col("SEC")
    labelled_all = f'AND(COUNTIF({lbl},1)>0,COUNTIFS({lbl},1,{col("LW")},"")=0)'
    weight_total = f"IF({labelled_all},SUMIFS({col('LW')},{lbl},1),SUM({col('WE')}))"
    required = [
        x for x in (L.SECTION_OUTPUT, L.SECTION_BENEFIT, L.SECTION_SATISFACTION) if pr.weights.get(x, 0) > 0
    ]
    parts = [
        (f'COUNTIFS({col("M006")},"*{m("sections_over")}*",{lbl},1)>0', m("sections_over")),
        (f'COUNTIFS({col("M006")},"*{m("sections_weight")}*",{lbl},1)>0', m("sections_weight")),
        (f'COUNTIFS({col("M006")},"*{m("sections_preset")}*",{lbl},1)>0', m("sections_preset")),
    ]
    parts += [
        (f"AND(OR(COUNTIF({use},1)>0,{labelled_all}),ABS({weight_total}-{_lit(pr.total_weight)})>1E-6)",
         m("weight_total")),
        (f'AND(ISNUMBER({rc}),OR({tk}="blank",{tk}="ph"))', m("total_missing")),
        (f'AND(ISNUMBER({rc}),{tk}="num",ABS({tn}-{rc})>0.01)', m("total_sum")),
        (f'OR({tk}="text",{tk}="err")', m("total_text")),
        *((f'AND(COUNTIF({use},1)>0,COUNTIFS({sec},"{x}",{use},1)=0)', m(f"no_{x}")) for x in required),
        (f'COUNTIFS({lbl},1,{sec},"other")>0', m("unknown_section")),
        (f"AND(ISNUMBER({cap}),ISNUMBER({tot}),{tot}>{cap}+1E-9)", m("cap")),
        (
            f"AND(ISNUMBER({form.rate}),{form.rate}<{_lit(pr.explain_rate_below)}-1E-9,COUNT({col('FULL')})>0,"
            f"COUNTIF({col('FULL')},0)=0)",
            m("all_full"),
        ),
    ]  # fmt: skip
    out[f"{k}{row}"] = f'=IF({form.typed}<>1,"",{_join(parts, "；")})'
    # the form's "anything typed" (parser.is_blank_form): name, amounts, goals, progress, 总分, rows
    g0, g1 = form.goals
    fr = form.funds_row
    text = lambda rng: f"SUMPRODUCT(LEN(TRIM({rng})))>0"  # noqa: E731
    pk = _h("A.k", fr)
    out[_h("TYPED", fr)] = (
        f"=IF(OR({text(form.name)},{text(f'C{fr}:C{fr + 2}')},{text(f'E{fr}:E{fr + 2}')},"
        f"{text(f'G{fr}:G{fr + 2}')},{text(f'B{g0}:K{g1}')},"
        f'AND(ISNUMBER({form.progress_value}),NOT(ISNUMBER({form.rate}))),OR({pk}={{"text","ph","err"}}),'
        f'AND({tk}<>"blank",{rc}=""),SUM({col("TY")})>0),1,0)'
    )
    return out


def capped_cells(form: Form, row: int, total_row: int, cols: dict[str, str]) -> dict[str, str]:
    """核定总分 (presets with caps): the cap, 复核总分 capped (what is graded) and Σ建议得分 capped."""
    g, s, i, j = (cols[x] for x in (L.COL_WEIGHT, L.COL_SCORE, L.COL_SUGGESTED, L.COL_REASON))
    cap, kd, sugg = form.cap, _h("KD", total_row), f"{i}{total_row}"
    del g  # the cap is said in words (J:K), not put under 分值
    return {
        f"{s}{row}": f'=IF(ISNUMBER({kd}),{kd},"")',
        f"{i}{row}": f"=IF(ISNUMBER({sugg}),IF(ISNUMBER({cap}),MIN({sugg},{cap}),{sugg}),{sugg})",
        f"{j}{row}": (
            f'=IF(ISNUMBER({cap}),"预算执行率"&TEXT({form.rate},"0.0%")&"，按评分方案总分不超过"&{cap}&"分",'
            f'IF(ISNUMBER({form.rate}),"预算执行率"&TEXT({form.rate},"0.0%")&"，总分不设上限",""))'
        ),
    }


def grade_cells(
    form: Form, row: int, graded: str, graded_suggested: str, cols: dict[str, str]
) -> dict[str, str]:
    """等级 of the total (capped where the preset caps it) and of Σ建议得分."""
    s, i = cols[L.COL_SCORE], cols[L.COL_SUGGESTED]
    if form.style == "xlwings":
        return {
            f"{s}{row}": f'=IF(ISNUMBER({graded}),XP_GRADE({graded},{XLWINGS_PRESET_REF}),"")',
            f"{i}{row}": f'=IF(ISNUMBER({graded_suggested}),XP_GRADE({graded_suggested},{XLWINGS_PRESET_REF}),"")',
        }
    return {
        f"{s}{row}": "=" + _grade_expr(graded, form.preset),
        f"{i}{row}": "=" + _grade_expr(graded_suggested, form.preset),
    }


def subtotal(sheet: str, section: str) -> str:
    """Σ自评得分 of one section's rows in use on a project sheet ("" when none is scored)."""
    q = sheet + "!"
    n, sec, use = (q + col(k) for k in ("S.n", "SEC", "USE"))
    return (
        f'=IF(COUNTIFS({n},">=-1E+307",{sec},"{section}",{use},1)=0,"",SUMIFS({n},{sec},"{section}",{use},1))'
    )


# --- simple roles (labels, the summary sheet) ---------------------------------------------------------


def _sum(*, range: str) -> str:  # noqa: A002 - the natural name of the ref
    return f'=IF(COUNT({range})=0,"",SUM({range}))'


def _grade(*, total: str, grades: Sequence[tuple[str, float]]) -> str:
    from xlperf.core.preset import Grade

    fake = Preset("", "", {}, {}, grades=tuple(Grade(n, m) for n, m in grades))
    return "=" + _grade_expr(total, fake)


def _year_title(*, year: str) -> str:
    return f'="（"&IF({year}="","        ",{year})&"年度）"'


def _ref_value(*, cell: str) -> str:
    return f'=IF({cell}="","",{cell})'


def _unit_line(*, name: str, year: str) -> str:
    return f'="填报单位："&{name}&"        年度："&{year}'


def _rate_total(*, executed: str, budget: str) -> str:
    return f'=IFERROR(SUM({executed})/SUM({budget}),"")'


_ROLES: dict[str, Callable[..., str]] = {
    "sum": _sum,
    "grade": _grade,
    "year_title": _year_title,
    "ref_value": _ref_value,
    "unit_line": _unit_line,
    "rate_total": _rate_total,
}
ROLES = tuple(_ROLES)

# Every xlwings call passes the preset the workbook was made for, from the template's hidden marker
# sheet (row 2 of _xlperf is "preset"), so a shaanxi workbook scores with shaanxi everywhere.
XLWINGS_PRESET_REF = "'" + L.META_SHEET + "'!$B$2"


def formula(role: str, style: str = "native", **refs) -> str:
    """The formula text (starting with "=") of a simple computed cell of ``role`` (labels, sums, the
    summary sheet), the same in both styles."""
    if style not in STYLES:
        raise ValueError(f"unknown formula style {style!r}; one of {STYLES}")
    try:
        fn = _ROLES[role]
    except KeyError:
        raise ValueError(f"unknown formula role {role!r}; one of {ROLES}") from None
    return fn(**refs)
