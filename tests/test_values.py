"""Reading typed values: what real forms contain."""

from __future__ import annotations

import pytest

from xlperf.core.values import BLANK, NUMBER, PLACEHOLDER, TEXT, UNREADABLE, as_fraction, display, parse


@pytest.mark.parametrize(
    ("raw", "number", "percent", "comparator"),
    [
        ("100%", 1.0, True, None),
        ("１００％", 1.0, True, None),
        (" 98 % ", 0.98, True, None),
        ("≥95%", 0.95, True, ">="),
        ("≤500元", 0.05, False, "<="),
        ("2万元", 2.0, False, None),
        ("1.6万", 1.6, False, None),
        ("不低于90%", 0.9, True, ">="),
        ("=100%", 1.0, True, "="),
        (1.0, 1.0, False, None),
        (100, 100.0, False, None),
        ("1,200", 1200.0, False, None),
        ("150人次", 150.0, False, None),
        ("95%以上", 0.95, True, ">="),
        ("100人及以上", 100.0, False, ">="),
        ("3000平方米", 3000.0, False, None),
        ("12个月", 12.0, False, None),
    ],
)
def test_numbers(raw, number, percent, comparator):
    v = parse(raw)
    if number is None:
        assert v.kind == UNREADABLE
        return
    assert v.kind == NUMBER
    assert v.number == pytest.approx(number)
    assert v.percent is percent
    assert v.comparator == comparator


@pytest.mark.parametrize("raw", [None, "", "   ", "\u3000"])
def test_blank(raw):
    assert parse(raw).kind == BLANK


@pytest.mark.parametrize("raw", ["*", "/", "—", "-", "无"])
def test_placeholders(raw):
    v = parse(raw)
    assert v.kind == PLACEHOLDER and v.is_missing


@pytest.mark.parametrize("raw", ["约两万", "#DIV/0!", "#N/A", "很多", "2020年12月"])
def test_unreadable(raw):
    assert parse(raw).kind == UNREADABLE


def test_units_are_kept_and_compared():
    from xlperf.core.scoring import same_unit

    assert parse("100人次").unit == "人次" and parse("2万元").unit == "万元" and parse("500元").unit == "万元"
    assert same_unit(parse("100人次"), parse("60人次")) and same_unit(parse(100), parse("60人次"))
    assert not same_unit(parse("100人次"), parse("2万元"))


def test_text_allowed_where_words_are_expected():
    assert parse("按时完成入编", expect_text=True).kind == TEXT
    assert parse("达成").kind == TEXT


def test_scale_of_partner():
    pct = parse("100%")
    assert as_fraction(parse(100), pct) == 1.0
    assert as_fraction(parse(1.0), pct) == 1.0
    assert as_fraction(parse(100), parse(100)) == 100


def test_display():
    assert display(10.0) == "10"
    assert display(9.8) == "9.8"
    assert display(None) == "（空）"


def test_a_number_keeps_its_type_and_sign_whatever_was_read_before():
    """Values are kept per process across files: 1 read after 1.0 (openpyxl gives ints, python-calamine
    floats) is still the int 1, and -0.0 after 0.0 still -0.0 (the two are one key of a dict), so what a
    file reads never depends on the files read before it."""
    from xlperf.core import values

    for first, then in ((1.0, 1), (1, 1.0), (0.0, -0.0), (-0.0, 0.0), (0, 0.0), (2.5, 2.5)):
        values.parse(first)
        v = values.parse(then)
        assert type(v.raw) is type(then) and repr(v.raw) == repr(then), (first, then, v)
        assert v.number == then
