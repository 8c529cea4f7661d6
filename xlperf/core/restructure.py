"""An indicator's sign, value and unit typed in one cell ("≥95%", "≤42万元", "达成") as the structured cells
of the template (计算符号 ｜ 年度指标值 ｜ 度量单位 ｜ 实际完成值), reading back to the same values.

``xlperf import`` (a Word report, a form of the previous template, a national form with "≥50个") and the
sample workbooks move rows onto the template through :func:`structure`. A row is split only where the
cells read back as the one-cell texts read (:mod:`xlperf.core.values`, :func:`~xlperf.core.values.with_unit`):
the same kind, the same numbers on the same scale, the same 100 %-target check (XP013); otherwise the
values stay the texts they were (the formulas then say 见校验; the checks read them as before). Pure.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from xlperf.core import labels as L
from xlperf.core.scoring import BY_COMPARATOR, kind_of, same_unit
from xlperf.core.values import NUMBER, Value, as_fraction, parse, with_unit

SIGN_OF_KIND = {L.KIND_POSITIVE: "≥", L.KIND_REVERSE: "≤", L.KIND_EQUAL: "=", L.KIND_QUALITATIVE: "定性"}
# the money units a number is written in, and how many of them make one 万元 (values.parse reads 万元)
_MONEY = {"元": 10000.0, "万元": 1.0, "万": 1.0, "亿元": 0.0001}


@dataclass(frozen=True)
class Structured:
    """The cells of one indicator row: what to write into 计算符号, 年度指标值, 度量单位 and 实际完成值.
    ``split`` is False where the values stayed the texts they were."""

    sign: object
    target: object
    unit: object
    actual: object
    split: bool = True


def structure(kind: object, target: object, actual: object) -> Structured:
    """The structured cells of a row typed as ``kind`` (指标类型, blank on the seed's form), ``target`` and
    ``actual`` (each as typed, "≥95%" or 0.95 or "达成")."""
    kv, tv, av = (parse(x, expect_text=True) for x in (kind, target, actual))
    k, written = kind_of(kv, tv, av)
    implied = written or tv.comparator in BY_COMPARATOR or k == L.KIND_QUALITATIVE
    sign = SIGN_OF_KIND[k] if implied else None
    if k == L.KIND_QUALITATIVE:
        return Structured(sign, _plain(target), None, _plain(actual))
    numbers = [v for v in (tv, av) if v.kind == NUMBER]
    if not numbers or not same_unit(tv, av):
        return Structured(sign, _plain(target), None, _plain(actual), split=not numbers)
    unit, scale = _unit(target, actual, tv, av)
    t = _in_unit(tv, av, scale) if tv.kind == NUMBER else _plain(target)
    a = _in_unit(av, tv, scale) if av.kind == NUMBER else _plain(actual)
    cells = Structured(sign, t, unit, a)
    if _reads_the_same(cells, k, tv, av):
        return cells
    return Structured(sign, _plain(target), None, _plain(actual), split=False)


def _plain(raw: object) -> object:
    """A value as a cell holds it: text stripped, numbers as they are."""
    return raw.strip() if isinstance(raw, str) else raw


def _unit(target: object, actual: object, tv: Value, av: Value) -> tuple[str | None, float]:
    """The unit cell's text and the factor from the value the core reads to the number written."""
    if tv.percent or av.percent:
        return "%", 100.0
    unit = tv.unit or av.unit
    if not unit:
        return None, 1.0
    if unit == "万元":
        written = next((u for u in _money_words(target, actual)), "万元")
        return written, _MONEY[written]
    return unit, 1.0


def _money_words(*raws: object):
    """The money unit as the user wrote it ("元", "万元", "万", "亿元"), first the target's."""
    for raw in raws:
        if isinstance(raw, str):
            text = L.norm(raw)
            for word in ("亿元", "万元", "元", "万"):
                if text.endswith(word) or any(text.endswith(word + s) for s in ("以上", "以下", "以内")):
                    yield word
                    break


def _in_unit(v: Value, partner: Value, scale: float) -> float | int:
    x = as_fraction(v, partner) * scale
    x = round(x, 10)
    return int(x) if float(x).is_integer() and abs(x) < 1e15 else x


def _over_100(v: Value, kind: str) -> bool:
    """The 100 %-target check (rules.XP013) of a target."""
    return bool(v.percent and v.number is not None and v.number > 1 + 1e-9 and kind != L.KIND_REVERSE)


def _reads_the_same(cells: Structured, kind: str, tv: Value, av: Value) -> bool:
    t2, a2 = with_unit(
        parse(cells.target, expect_text=True), parse(cells.actual, expect_text=True), cells.unit
    )
    k2, _ = kind_of(parse(cells.sign, expect_text=True), t2, a2)
    if k2 != kind or not same_unit(t2, a2) or _over_100(t2, k2) != _over_100(tv, kind):
        return False
    for old, new, old_p, new_p in ((tv, t2, av, a2), (av, a2, tv, t2)):
        x, y = as_fraction(old, old_p), as_fraction(new, new_p)
        if (x is None) != (y is None) or (
            x is not None and not math.isclose(x, y, rel_tol=1e-12, abs_tol=1e-15)
        ):
            return False
        if old.kind != new.kind:
            return False
    return True
