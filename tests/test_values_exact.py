"""Every field of a parsed value, for each way a value is written; and how values are shown in messages."""

from __future__ import annotations

import datetime as dt

import pytest

from xlperf.core.values import (
    BLANK,
    NUMBER,
    PLACEHOLDER,
    TEXT,
    UNREADABLE,
    Value,
    display,
    is_error_text,
    parse,
)


@pytest.mark.parametrize(
    ("raw", "want"),
    [
        ("95%", (NUMBER, 0.95, True, None, "%")),
        ("≥95%", (NUMBER, 0.95, True, ">=", "%")),
        ("5‰", (NUMBER, 0.005, True, None, "%")),
        ("≤5‰", (NUMBER, 0.005, True, "<=", "%")),
        ("2亿元", (NUMBER, 20000.0, False, None, "万元")),
        ("不超过0.5亿元", (NUMBER, 5000.0, False, "<=", "万元")),
        ("500元", (NUMBER, 0.05, False, None, "万元")),
        ("≥1.6万", (NUMBER, 1.6, False, ">=", "万元")),
        ("100人次", (NUMBER, 100.0, False, None, "人次")),
        ("95%以上", (NUMBER, 0.95, True, ">=", "%")),
        ("100以内", (NUMBER, 100.0, False, "<=", "")),
        ("100", (NUMBER, 100.0, False, None, "")),
        ("/", (PLACEHOLDER, None, False, None, "")),
        ("  ", (BLANK, None, False, None, "")),
        ("#DIV/0!", (UNREADABLE, None, False, None, "")),
        ("达成", (TEXT, None, False, None, "")),
        ("约两万", (UNREADABLE, None, False, None, "")),
        ("1e999", (UNREADABLE, None, False, None, "")),
    ],
)
def test_every_field(raw, want):
    v = parse(raw)
    assert (v.raw, v.kind, v.number, v.percent, v.comparator, v.unit) == (raw, *want)


def test_text_where_words_are_expected():
    assert parse("按时完成入编", expect_text=True) == Value("按时完成入编", TEXT)
    assert parse("按时完成入编") == Value("按时完成入编", UNREADABLE)
    assert parse("是") == Value("是", TEXT) and parse("一般") == Value("一般", TEXT)


@pytest.mark.parametrize(
    "text", ["#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#NULL!", "#N/A", "#GETTING_DATA", "#SPILL!"]
)
def test_error_texts(text):
    assert is_error_text(text)
    assert parse(text).kind == UNREADABLE


@pytest.mark.parametrize("text", ["#1", "#N/A2", "N/A", "DIV/0!", "第#3项", "#getting_data", "#n/a"])
def test_not_error_texts(text):
    assert not is_error_text(text)


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        (True, "是"),
        (False, "否"),
        (dt.datetime(2020, 12, 31), "2020-12-31"),
        (dt.datetime(2020, 12, 31, 1, 0), "2020-12-31T01:00:00"),
        (dt.date(2020, 12, 31), "2020-12-31"),
        (dt.time(8, 30), "08:30:00"),
        (10.0, "10"),
        (9.8, "9.8"),
        (1e14, "100000000000000"),
        (999999999999999.0, "999999999999999"),
        (1e15, "1e+15"),
        (1.0000000001, "1"),
        (None, "（空）"),
        ("  ", "（空）"),
        (" 文本 ", "文本"),
        (12, "12"),
    ],
)
def test_display(raw, shown):
    assert display(raw) == shown
