"""Reading the values people type into the form: "100%", 1.0, 100, "１００％", "≥95%", "2万元", "约两万".

A :class:`Value` keeps what was in the cell (``raw``) and what it means (``number``, ``percent``,
``comparator``), so a rule can report the value found exactly as the user typed it, and the scoring can
work on numbers. Nothing here raises: what cannot be read is ``kind == "unreadable"`` and becomes an
XP015 finding.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from xlperf.core.labels import PLACEHOLDERS, QUALITATIVE_LEVELS

BLANK = "blank"
NUMBER = "number"
TEXT = "text"  # free text where text is expected (names, qualitative levels)
PLACEHOLDER = "placeholder"  # "*", "/", "—": a deliberately empty value
UNREADABLE = "unreadable"  # looks like it should be a number but is not

# A unit: a money unit, a compound unit (元/平方米, 元/人·天, 次/年, km/h: a word, then "/" or "·" and
# another word, once or more), or a simple word of up to four characters (人次, 平方米, 起, kg).
_WORD = r"[\u4e00-\u9fffA-Za-z]{1,6}?\d?"
_NOT_SUFFIX = r"(?!(?:及以上|及以下|以上|以下|以内)$)"  # "100以上" is 100 and ≥, not 100 of the unit 以上
_NUM = re.compile(
    r"^(?P<cmp>>=|<=|≥|≤|>|<|=|不低于|不少于|不高于|不超过|大于等于|小于等于|大于|小于|达到)?"
    r"(?P<num>(?:[-+]?\d+(?:,\d{3})*(?:\.\d+)?|[-+]?\.\d+)(?:[eE][-+]?\d{1,3})?)"
    rf"(?P<unit>%|‰|万元|亿元|元|{_WORD}(?:[/·・•]{_WORD})+|{_NOT_SUFFIX}[\u4e00-\u9fff]{{1,4}}?|[A-Za-z]{{1,4}}[23]?|)"
    r"(?P<suffix>及以上|及以下|以上|以下|以内)?$"
)
_DOTS = str.maketrans({"・": "·", "•": "·"})
_WS = re.compile(r"\s+")
_SUFFIX_CMP = {"以上": ">=", "及以上": ">=", "以下": "<=", "及以下": "<=", "以内": "<="}
_CMP = {
    ">=": ">=",
    "≥": ">=",
    "不低于": ">=",
    "不少于": ">=",
    "大于等于": ">=",
    "达到": ">=",
    ">": ">",
    "大于": ">",
    "<=": "<=",
    "≤": "<=",
    "不高于": "<=",
    "不超过": "<=",
    "小于等于": "<=",
    "<": "<",
    "小于": "<",
    "=": "=",
}


@dataclass(frozen=True)
class Value:
    """One cell's value as typed and as understood."""

    raw: object = None
    kind: str = BLANK
    number: float | None = None
    percent: bool = False  # written with % (number is then a fraction: "95%" -> 0.95)
    comparator: str | None = None  # ">=", "<=", "=", ">" or "<" when written ("≥95%")
    unit: str = ""

    @property
    def is_blank(self) -> bool:
        return self.kind == BLANK

    @property
    def is_missing(self) -> bool:
        """Blank or a placeholder: nothing was really entered."""
        return self.kind in (BLANK, PLACEHOLDER)

    @property
    def is_number(self) -> bool:
        return self.number is not None

    @property
    def text(self) -> str:
        """The value as the user sees it (for messages)."""
        return display(self.raw)


def display(raw: object) -> str:
    """A cell value as text for a message: floats without noise, blanks as （空）."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return "（空）"
    if isinstance(raw, bool):
        return "是" if raw else "否"
    if isinstance(raw, dt.datetime) and raw.time() == dt.time(0):
        return raw.date().isoformat()  # readers differ: date or midnight datetime
    if isinstance(raw, (dt.date, dt.time)):
        return raw.isoformat()
    if isinstance(raw, float):
        if math.isfinite(raw) and raw == int(raw) and abs(raw) < 1e15:
            return str(int(raw))
        return f"{raw:.6g}"
    return str(raw).strip()


def is_error_text(s: str) -> bool:
    """Excel error values as they arrive from readers and from Excel itself (#DIV/0!, #N/A ...)."""
    return s.startswith("#") and (s.endswith("!") or s.endswith("?") or s in ("#N/A", "#GETTING_DATA"))


def parse(raw: object, *, expect_text: bool = False) -> Value:
    """Understand one cell value.

    ``expect_text``: the column holds words (三级指标, qualitative levels); text there is TEXT, not
    UNREADABLE.
    """
    if raw is None:
        return _BLANK
    cls = raw.__class__
    if cls is str and len(raw) <= 64:  # short strings recur in every form ("100%", "达成")
        cache = _STR_CACHE[expect_text]
        v = cache.get(raw)
        if v is None:
            if len(cache) >= _CACHE_MAX:
                cache.clear()
            v = cache[raw] = _parse_text(raw, expect_text)
        return v
    if cls is float or cls is int:  # numbers recur too (scores, weights): one immutable Value each
        # (a cache per type: 1 and 1.0 are one key of a dict, and a Value keeps its raw as read; zeros
        # are not kept, so that -0.0, a key equal to 0.0, keeps its sign)
        cache = _NUM_CACHE if cls is float else _INT_CACHE
        v = cache.get(raw)
        if v is None:
            v = _parse_number(raw)
            if raw:
                if len(cache) >= _CACHE_MAX:
                    cache.clear()
                cache[raw] = v
        return v
    if isinstance(raw, bool):
        return Value(raw, UNREADABLE)
    if isinstance(raw, (int, float)):
        return _parse_number(raw)
    if isinstance(raw, (dt.date, dt.datetime, dt.time, dt.timedelta)):
        # a date is a fine 时效 target or completion ("2020-12-31"), never a number to score
        return Value(raw, TEXT if expect_text else UNREADABLE)
    return _parse_text(raw, expect_text)


def _parse_number(raw: float) -> Value:
    f = float(raw)
    if not math.isfinite(f):
        return Value(raw, UNREADABLE)
    return Value(raw, NUMBER, f)


_BLANK = Value(None, BLANK)
# Process-wide caches of parsed values (Value is immutable), bounded for consolidations of thousands
# of files: cleared when full rather than evicting one by one.
_CACHE_MAX = 100_000
_STR_CACHE: dict[bool, dict[str, Value]] = {False: {}, True: {}}
_NUM_CACHE: dict[float, Value] = {}  # floats only (what python-calamine gives): looked up with floats only
_INT_CACHE: dict[int, Value] = {}


def _parse_text(raw: object, expect_text: bool) -> Value:
    s = unicodedata.normalize("NFKC", str(raw)).strip()
    s = _WS.sub("", s)
    if not s:
        return Value(raw, BLANK)
    if s in PLACEHOLDERS:
        return Value(raw, PLACEHOLDER)
    if is_error_text(s):
        return Value(raw, UNREADABLE)
    m = _NUM.match(s)
    if m:
        num = float(m.group("num").replace(",", ""))
        if not math.isfinite(num):  # "1e999"
            return Value(raw, UNREADABLE)
        unit = m.group("unit")
        cmp_ = _CMP.get(m.group("cmp") or "") or _SUFFIX_CMP.get(m.group("suffix") or "")
        if unit in ("%", "百分比"):  # "≥100百分比": the national form's unit word for %
            return Value(raw, NUMBER, num / 100.0, True, cmp_, "%")
        if unit == "‰":
            return Value(raw, NUMBER, num / 1000.0, True, cmp_, "%")
        if unit == "元":  # amounts are in 万元
            return Value(raw, NUMBER, num / 10000.0, False, cmp_, "万元")
        if unit == "亿元":
            return Value(raw, NUMBER, num * 10000.0, False, cmp_, "万元")
        if unit in ("万", "万元"):
            return Value(raw, NUMBER, num, False, cmp_, "万元")
        # a compound unit is kept as written (元/平方米 is not converted to 万元/平方米): numbers compare
        # only within one unit
        return Value(raw, NUMBER, num, False, cmp_, unit.translate(_DOTS))
    if s in QUALITATIVE_LEVELS or s in ("完成", "已完成", "未完成", "好", "较好", "一般", "差", "是", "否"):
        return Value(raw, TEXT)
    return Value(raw, TEXT if expect_text else UNREADABLE)


def with_unit(target: Value, actual: Value, unit: object) -> tuple[Value, Value]:
    """A row's 指标值 and 完成值 read with the unit its form writes in a cell of its own (四川's 度量单位,
    一体化's 计量单位): 100 with "%" is 100 %, 30 with "万元" is 30 万元, 200 with "户" is 200 户.

    A value that carries a unit of its own keeps it ("98%" typed into the 完成值). A percentage typed
    into a cell an office suite formats as % arrives as a fraction (98 % is 0.98): read with "%" it
    would be 0.98 %, so a fraction (≤ 1.5) beside a partner in points (> 1.5) is taken as the fraction
    it is; two small numbers (≤ 0.5 % of errors, 0.3 % found) stay in points."""
    if unit.__class__ is not str:
        return _with_unit(target, actual, unit)
    # a form's rows repeat their values and units, and the values are the cached Values of parse (the
    # same objects for the same text or number): kept by identity, each entry holding its values
    key = (id(target), id(actual), unit)
    hit = _WITH_UNIT.get(key)
    if hit is not None and hit[0] is target and hit[1] is actual:
        return hit[2]
    found = _with_unit(target, actual, unit)
    if len(_WITH_UNIT) >= 20_000:
        _WITH_UNIT.clear()
    _WITH_UNIT[key] = (target, actual, found)
    return found


_WITH_UNIT: dict[tuple[int, int, str], tuple[Value, Value, tuple[Value, Value]]] = {}


def _with_unit(target: Value, actual: Value, unit: object) -> tuple[Value, Value]:
    u = _unit_text(unit) if unit.__class__ is str else "" if unit is None else _unit_text.__wrapped__(unit)
    if not u or u == "（空）" or u in PLACEHOLDERS:
        return target, actual
    t, a = _in_unit_cached(target, u), _in_unit_cached(actual, u)
    if t.percent and a.percent and target.unit == "" and actual.unit == "":
        if _plain_number(actual) and actual.number <= 1.5 < target.number:
            a = Value(actual.raw, NUMBER, actual.number, True, actual.comparator, "%")
        elif _plain_number(target) and target.number <= 1.5 < actual.number:
            t = Value(target.raw, NUMBER, target.number, True, target.comparator, "%")
    return t, a


@lru_cache(maxsize=4096)
def _unit_text(unit: object) -> str:
    """A 度量单位 cell's text, normalised (a form's rows repeat a few units: cached for text, where equal
    means the same)."""
    return _WS.sub("", unicodedata.normalize("NFKC", display(unit)))


def _plain_number(v: Value) -> bool:
    return v.number is not None and v.raw.__class__ in (int, float)


# _in_unit of a value and a unit, by the value's identity: the values of a form's cells are the cached
# Values of :func:`parse` (the same object for the same text or number on every sheet of every file), so
# a consolidation reads "100" under "%" once. Each entry holds its value, so its id is not reused while
# the entry lives; bounded as the parse caches are.
_IN_UNIT: dict[tuple[int, str], tuple[Value, Value]] = {}


def _in_unit_cached(v: Value, unit: str) -> Value:
    if v.kind != NUMBER or v.unit or v.percent:
        return v
    key = (id(v), unit)
    hit = _IN_UNIT.get(key)
    if hit is not None and hit[0] is v:
        return hit[1]
    out = _in_unit(v, unit)
    if len(_IN_UNIT) >= _CACHE_MAX:
        _IN_UNIT.clear()
    _IN_UNIT[key] = (v, out)
    return out


def _in_unit(v: Value, unit: str) -> Value:
    if v.kind != NUMBER or v.unit or v.percent:
        return v
    read = _read_in_unit(v.comparator or "", v.number, unit)
    if read.kind != NUMBER:  # a unit the reader does not take ("100个/年度": two words): as written
        return Value(v.raw, NUMBER, v.number, False, v.comparator, unit)
    return Value(v.raw, NUMBER, read.number, read.percent, v.comparator, read.unit)


@lru_cache(maxsize=4096)
def _read_in_unit(comparator: str, number: float, unit: str) -> Value:
    """A number read as if typed with its unit (a form's rows repeat a few units and values)."""
    cmp_ = {">=": "≥", "<=": "≤", ">": ">", "<": "<", "=": "="}.get(comparator, "")
    return parse(f"{cmp_}{display(number)}{unit}")


def as_fraction(v: Value, partner: Value | None = None) -> float | None:
    """The number of a value on the scale of its partner: 1.0 vs "100%" vs 100.

    When one side is written as a percentage and the other is a plain number above 1.5, the plain
    number is read as percentage points (100 -> 1.0). This is how reviewers read "100" next to "100%".
    """
    if v.number is None:
        return None
    if partner is not None and partner.percent and not v.percent and v.number > 1.5 and v.number <= 1000:
        return v.number / 100.0
    return v.number


MONEY_UNITS = ("", "万元")  # after parsing, 元 and 亿元 are already in 万元


def parse_amount(raw: object) -> Value:
    """An amount cell (预算数, 到位数, 执行数 and their 其中 rows): a number in 万元.

    "320.5万元", "320.5万", "3,205,000元" and 320.5 are all 320.5; a number with another unit
    ("12000人", "50%") is not an amount and is unreadable here (XP015), whatever it means elsewhere."""
    v = parse(raw)
    if v.kind == NUMBER and (v.percent or v.unit not in MONEY_UNITS):
        return Value(raw, UNREADABLE)
    return v
