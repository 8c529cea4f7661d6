"""The colours' key the annotated copy prints in the left footer of each marked sheet, and 清除校验标记 in
Excel (the fake xlwings) taking it out again; the core's footer_without_key, the one home of the rule
(the WPS add-in asks the service for it: tests/test_wps_addin.py)."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from wps_support import SAMPLE, validate_o, with_footers

from xlperf.core.plan import (
    LIVE_RECORD_HEADER,
    MARK_KEY,
    RECORD_HEADER,
    clear_plan,
    footer_key_message,
    footer_without_key,
)
from xlperf.excel import macros
from xlperf.writers.xlsxparts import footer_without_key_parts

from fake_xlwings import FakeBook, FakeSheet, footer_text

K = MARK_KEY
FORMS = ("自评表1", "自评表2", "自评表3", "自评表4")

# (the left footer as Excel's PageSetup.LeftFooter gives it, the key, what it becomes; None: untouched)
CASES = [
    ("&8" + K, K, ""),  # ours, as the copy wrote it
    (K, K, ""),
    ("&8 " + K, K, ""),  # as openpyxl writes a size
    ('&"宋体,常规"&8' + K, K, ""),  # a font code an office suite put before it
    ("&B&8" + K + "&B", K, ""),
    ("&K0000FF&8" + K, K, ""),
    ("&K01+000&8" + K, K, ""),  # a theme colour
    ("&8" + K + " \u3000\n", K, ""),  # blanks print nothing
    ("某某局 &8" + K, K, "某某局 "),  # the user's text before ours
    ("&8" + K + " 某某局", K, "&8 某某局"),  # ... after ours: it keeps the size it was typed in
    ("我&8" + K + "尾", K, "我&8尾"),
    ("&&8" + K, K, "&&8"),  # "&&" is an ampersand: "&8" is the user's text here
    ("&&" + K, K, "&&"),
    ("&P" + K, K, "&P"),  # a page number prints
    ("&８" + K, K, "&８"),  # a full-width digit is no size code
    ("x&8\n" + K, K, "x&8\n"),
    ("&8" + K + "&8" + K, K, ""),  # every time it stands there
    ("&8" + K + "x" + K, K, "&8x"),
    ("&8" + K + "2020年度", K, "&8 2020年度"),  # a digit after the size: "&82020" would be a size
    ("&12" + K + "3页", K, "&12 3页"),
    ("&8 " + K + "2020", K, "&8 2020"),  # a space already between
    ("&&&8" + K, K, "&&"),  # a literal ampersand, then our size
    ("&&8" + K + "2020", K, "&&82020"),  # "&&8" is the user's text: no size to keep apart
    ("&O&H&8" + K, K, ""),  # outline, shadow: codes that print nothing
    ("某某局", K, None),  # the user's own footer
    ("&8标色：", K, None),
    ("", K, None),
    ("&8" + K, "", None),  # no key: nothing to take out
]


def _generated(n: int = 1000) -> list[tuple[str, str]]:
    """Footers made of the pieces the function looks at, in random order (seeded). (No lone "&": Excel's
    footer dialog stores a typed "&" as "&&".)"""
    pieces = [K, "&8", "&8 ", "&12", "&&", "8", "2020", "我", " ", "\u3000", "\n", '&"宋体"', "&B", "&K00FF00",
              "&K01+000", "&P", "x", "&L", "标色"]  # fmt: skip
    rnd = random.Random(20261207)
    return ["".join(rnd.choice(pieces) for _ in range(rnd.randint(0, 7))) for _ in range(n)]


@pytest.mark.parametrize("left, key, want", CASES)
def test_footer_without_key(left, key, want):
    assert footer_without_key(left, key) == want


def test_what_footer_without_key_keeps_is_what_the_user_typed_around_the_key():
    """On generated footers: the key is gone; what prints of the user's own text is unchanged (the codes
    that print nothing aside); taken out again, nothing more changes; no size code grew a digit."""
    import re

    from xlperf.core.plan import _FORMAT_CODES

    def printed(text: str) -> str:
        return _FORMAT_CODES.sub(lambda m: "&" if m.group(0) == "&&" else "", text)

    sizes = re.compile(r"(?:^|[^&])(?:&&)*&([0-9]+)")
    held = 0
    for left in _generated():
        kept = footer_without_key(left, K)
        if kept is None:
            assert K not in left
            continue
        held += 1
        assert K not in kept and footer_without_key(kept, K) is None
        assert printed(kept).strip(" \u3000\n") == printed(left).replace(K, "").strip(" \u3000\n")
        assert set(sizes.findall(kept)) <= set(sizes.findall(left)) | {""}, (left, kept)
    assert held > 100  # the generated cases hold the key often


@pytest.mark.parametrize(
    "footer, kept",
    [
        ("&L&8" + K + "&C第 &P 页", "&C第 &P 页"),  # as the copy wrote it: their centre kept
        ("&L&8" + K + "&C&9第 &P 页&R机密", "&C&9第 &P 页&R机密"),
        ('&L&"Calibri,Regular"&8' + K + "&C&P", "&C&P"),  # as an office suite may write it again
        ("&L某某局 &8" + K + "&R机密", "&L某某局 &R机密"),  # the user's text in the left part stays
        ("第 &P 页&L&8" + K, "第 &P 页"),  # text before any code is the centre's
        ("&L&8" + K, ""),
        ("&C第 &P 页&R机密", None),
        ("&C&8" + K, None),  # only the left part is ours to change
        ("&C&8" + K + "&L&8" + K, "&C&8" + K),
        ("&L&8" + K + "&C&9第&R机密&L&8" + K, "&C&9第&R机密"),  # every left part
        ("&L&8" + K + "2020年度&C第 &P 页", "&L&8 2020年度&C第 &P 页"),
    ],
)
def test_the_copy_takes_the_key_out_of_the_whole_footer_with_the_cores_function(footer, kept):
    assert footer_without_key_parts(footer, K) == kept


def test_the_clear_plan_names_the_key_only_for_the_copys_record():
    """The annotated copy's record (its seven columns) makes the clear look in the footers; the live
    appliers' (four) never printed a key, so their clear reads no page setup (slow in Excel, and it
    fails without a printer)."""
    row = ("自评表1", "G22", "", "")
    cp = clear_plan(iter([RECORD_HEADER, row + ("", "", "")]))
    assert cp.footer_key == MARK_KEY and cp.to_dict()["footer_key"] == MARK_KEY and len(cp.sheets) == 1
    live = clear_plan([LIVE_RECORD_HEADER, row])
    assert live.footer_key == "" and len(live.sheets) == 1
    assert clear_plan([]).footer_key == ""


# --- the ribbon's 清除校验标记 on the copy ``xlperf validate -o`` wrote ----------------------------------


def _footers(book: FakeBook) -> dict[str, dict[str, str]]:
    """Each sheet's footer parts as Excel's PageSetup gives them (not counted as calls)."""
    out = {}
    for ws in book.wb.worksheets:
        sheet = FakeSheet(book, ws)
        out[ws.title] = {k[0]: footer_text(sheet, k) for k in ("LeftFooter", "CenterFooter", "RightFooter")}
    return out


@pytest.fixture
def copy(tmp_path) -> tuple[Path, Path]:
    """(the user's workbook, the copy ``xlperf validate -o`` made of it)."""
    src = with_footers(SAMPLE, tmp_path / "u.xlsx", {"自评表2": "某某局"})
    return src, validate_o(src, tmp_path / "校验副本.xlsx")


def _excel(path: Path) -> FakeBook:
    book = FakeBook(path)
    macros._caller = lambda: book
    return book


@pytest.fixture(autouse=True)
def _reset_hooks():
    yield
    macros._caller = None


def test_the_ribbon_clear_takes_the_key_out_of_the_copy_and_leaves_the_users_footers(copy):
    src, out = copy
    original = _footers(FakeBook(src))
    book = _excel(out)
    marked = _footers(book)
    # the copy printed the key where the left part was free, not on 自评表2 (the user's left part)
    assert [s for s in FORMS if marked[s]["L"] == "&8" + K] == ["自评表1", "自评表3", "自评表4"]
    assert (
        marked["自评表2"] == original["自评表2"] == {"L": "某某局", "C": "&9第 &P 页，共 &N 页", "R": "机密"}
    )
    macros.clear_marks()
    assert book.app.alerts == [] and book.app.status_history[-2:] == ["绩效自评：已清除校验标记", False]
    after = _footers(book)
    assert after == {name: original[name] for name in after}  # the key gone, their centre and right kept
    assert set(after) == set(original) - {"_xlperf_marks", "校验结果"}
    # one read on each sheet the plan names, a write only where the key was
    assert book.app.log["pagesetup.LeftFooter"] == 3
    assert book.app.log["pagesetup.read.LeftFooter"] == 4


def test_text_the_user_typed_around_the_key_in_the_copy_is_kept(copy):
    _, out = copy
    book = _excel(out)
    ps = book.sheets["自评表1"].api.PageSetup
    ps.LeftFooter = "某某局 " + ps.LeftFooter  # typed before it in Excel's footer dialog
    ps3 = book.sheets["自评表3"].api.PageSetup
    ps3.LeftFooter = ps3.LeftFooter + "内部资料"  # and after it
    macros.clear_marks()
    after = _footers(book)
    assert after["自评表1"]["L"] == "某某局 " and after["自评表3"]["L"] == "&8内部资料"
    assert after["自评表4"]["L"] == "" and K not in json.dumps(after, ensure_ascii=False)


def test_validating_the_copy_in_excel_clears_its_key_first_and_adds_none(copy):
    src, out = copy
    book = _excel(out)
    macros.validate_workbook()
    assert book.app.alerts[-1][0].startswith("校验完成")
    after = _footers(book)
    original = _footers(FakeBook(src))
    assert {s: after[s] for s in FORMS} == {s: original[s] for s in FORMS}


def test_the_clear_completes_where_excel_cannot_read_the_page_setup(copy):
    _, out = copy
    book = _excel(out)
    book.app.printer = False  # no printer installed: Worksheet.PageSetup raises
    macros.clear_marks()
    # the rest is cleared, and the user is told which footers still hold the key, and why
    assert [a[0] for a in book.app.alerts] == [
        "已清除校验标记。\n以下工作表页脚左侧的标色说明未能去掉（读不到页面设置，多因这台电脑未安装打印机）："
        "自评表1、自评表2、自评表3、自评表4。可在“页面设置 → 页眉/页脚”中把它删去。"
    ]
    assert "校验结果" not in book.wb.sheetnames and "_xlperf_marks" not in book.wb.sheetnames
    notes = [c for ws in book.wb.worksheets for row in ws.iter_rows() for c in row if c.comment is not None]
    assert notes == []
    assert book.app.log["sheet.PageSetup"] == 4  # tried once a sheet


def test_a_footer_excel_reads_but_refuses_to_write_is_named_too(copy):
    _, out = copy
    book = _excel(out)
    book.app.footer_refused = {"自评表3"}
    macros.clear_marks()
    assert [a[0] for a in book.app.alerts] == ["已清除校验标记。\n" + footer_key_message(["自评表3"])]
    after = _footers(book)
    assert after["自评表3"]["L"] == "&8" + K and after["自评表1"]["L"] == after["自评表4"]["L"] == ""


def test_the_live_validation_prints_no_key_and_its_clear_writes_no_footer(tmp_path):
    src = with_footers(SAMPLE, tmp_path / "u.xlsx", {})
    original = _footers(FakeBook(src))
    book = _excel(src)
    macros.validate_workbook()
    assert book.app.alerts[-1][0].startswith("校验完成")
    marked = _footers(book)
    assert {s: marked[s] for s in original} == original and K not in json.dumps(marked, ensure_ascii=False)
    assert book.app.log["pagesetup.LeftFooter"] == 0
    looked = book.app.log["sheet.PageSetup"]  # (the 校验结果 sheet's print settings)
    macros.clear_marks()
    assert _footers(book) == original
    # the live record: no key can be there, no page setup is looked at (slow in Excel, no printer: fails)
    assert book.app.log["pagesetup.LeftFooter"] == 0 and book.app.log["pagesetup.read.LeftFooter"] == 0
    assert book.app.log["sheet.PageSetup"] == looked
