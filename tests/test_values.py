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


@pytest.mark.parametrize("first", [None, 1.0, 1, 0.0])
def test_a_true_or_false_cell_is_unreadable_as_typed_whatever_was_read_before(first):
    """TRUE/FALSE typed where a number is asked for is not the number 1 or 0 (True == 1 is one key of a
    dict with 1 and 1.0): unreadable, the boolean kept as typed, in a words column too."""
    for raw in (True, False):
        parse(first)
        for expect_text in (False, True):
            v = parse(raw, expect_text=expect_text)
            assert v.kind == UNREADABLE and v.raw is raw and v.number is None, (first, raw, v)


def test_a_number_of_a_subclass_of_float_or_int_is_read_as_its_number():
    """A reader may hand a float or an int of its own type (numpy's float64 is a float): read as the
    number it is, not cached under the built-in type."""

    class F(float):
        pass

    class Int(int):
        pass

    for raw in (F(2.5), Int(7)):
        v = parse(raw)
        assert v.kind == NUMBER and v.number == raw and v.raw is raw


@pytest.mark.parametrize("expect_text", [False, True])
def test_a_long_text_is_read_as_a_short_one_is(expect_text):
    """A text longer than the texts kept per process (64 characters: a pasted 偏差原因) is read by the
    same rules: words are text in a words column, unreadable in a number column; a number is a number."""
    words = "因疫情影响项目延期，" * 8
    assert len(words) > 64
    v = parse(words, expect_text=expect_text)
    assert v.raw == words and v.kind == (TEXT if expect_text else UNREADABLE)
    number = " " * 70 + "98%"
    v = parse(number, expect_text=expect_text)
    assert v.raw == number and v.kind == NUMBER and v.number == 0.98 and v.percent
