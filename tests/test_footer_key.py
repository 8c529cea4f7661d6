"""The colours' key the annotated copy prints in the left footer of each marked sheet, and 清除校验标记 in
Excel (the fake xlwings) taking it out again; the core's footer_without_key and its JS twin in the WPS
add-in, through the same cases."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from click.testing import CliRunner
from wps_support import ADDIN, run_node

from xlperf.cli import cli
from xlperf.core.plan import MARK_KEY, clear_plan, footer_without_key
from xlperf.excel import macros
from xlperf.writers import ooxml as ox
from xlperf.writers.xlsxparts import Book, footer_without_key_parts

from conftest import ROOT
from fake_xlwings import FakeBook, footer_part_text

K = MARK_KEY
SAMPLE = ROOT / "workbooks" / "samples" / "长安区委编办_2020.xlsx"
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
    ("&8" + K + "&8" + K, K, "&8&8" + K),  # once (text follows: the size before it stays)
    ("某某局", K, None),  # the user's own footer
    ("&8标色：", K, None),
    ("", K, None),
    ("&8" + K, "", None),  # no key: nothing to take out
]


def _generated(n: int = 400) -> list[tuple[str, str]]:
    """Footers made of the pieces the function looks at, in random order (seeded)."""
    pieces = [K, "&8", "&8 ", "&12", "&&", "&", "8", "我", " ", "\u3000", "\n", '&"宋体"', "&B", "&K00FF00",
              "&K01+000", "&P", "x", "&L", "标色"]  # fmt: skip
    rnd = random.Random(20261207)
    out = []
    for _ in range(n):
        text = "".join(rnd.choice(pieces) for _ in range(rnd.randint(0, 7)))
        out.append((text, rnd.choice([K, K, "标色", "&8"])))
    return out


def _in_js(cases: list[tuple[str, str]], tmp_path: Path) -> list[str | None]:
    data = tmp_path / "cases.json"
    data.write_text(json.dumps(cases, ensure_ascii=False), "utf-8")
    script = tmp_path / "cases.js"
    script.write_text(
        "const x = require(process.argv[2]);\n"
        "const cases = JSON.parse(require('fs').readFileSync(process.argv[3], 'utf8'));\n"
        "process.stdout.write(JSON.stringify(cases.map(([left, key]) => x.footerWithoutKey(left, key))));\n",
        "utf-8",
    )
    r = run_node([str(script), str(ADDIN / "js" / "xlperf.js"), str(data)])
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def test_footer_without_key_gives_the_same_in_python_and_in_the_wps_add_in(tmp_path):
    hand = [(left, key) for left, key, _ in CASES]
    generated = _generated()
    py = [footer_without_key(left, key) for left, key in hand + generated]
    assert py[: len(CASES)] == [want for _, _, want in CASES]
    js = _in_js(hand + generated, tmp_path)
    drift = [(c, a, b) for c, a, b in zip(hand + generated, py, js, strict=True) if a != b]
    assert drift == []
    assert sum(r is not None for r in py[len(CASES) :]) > 100  # the generated cases hold the key often


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
    ],
)
def test_the_copy_takes_the_key_out_of_the_whole_footer_with_the_cores_function(footer, kept):
    assert footer_without_key_parts(footer, K) == kept


def test_the_clear_plan_names_the_key_that_leaves_the_footers():
    rows = [("sheet", "address", "fill", "note"), ("自评表1", "G22", "", "")]
    cp = clear_plan(rows)
    assert cp.footer_key == MARK_KEY and cp.to_dict()["footer_key"] == MARK_KEY


# --- the ribbon's 清除校验标记 on the copy ``xlperf validate -o`` wrote ----------------------------------


def _with_footers(src: Path, out: Path, left_of: dict[str, str]) -> Path:
    """The sample as a user set up its printing: a right part (机密) on every footer, and on the sheets of
    ``left_of`` a left part of their own (the sheet parts' footers edited, everything else as it was)."""
    pkg = ox.Package.open(src)
    for entry in Book(pkg).sheets:
        text = pkg.text(entry.part)
        if "</oddFooter>" not in text:
            continue  # the template's hidden _xlperf sheet: no footer
        text = text.replace("</oddFooter>", "&amp;R机密</oddFooter>")
        if entry.name in left_of:
            text = text.replace("<oddFooter>", "<oddFooter>&amp;L" + left_of[entry.name])
        pkg.write(entry.part, text.encode("utf-8"))
    pkg.save(out)
    return out


def _footers(book: FakeBook) -> dict[str, dict[str, str]]:
    out = {}
    for ws in book.wb.worksheets:
        f = ws.oddFooter
        out[ws.title] = {
            k: footer_part_text(getattr(f, p)) for k, p in (("L", "left"), ("C", "center"), ("R", "right"))
        }
    return out


def _validate_o(src: Path, out: Path) -> Path:
    r = CliRunner().invoke(cli, ["validate", str(src), "-o", str(out)], catch_exceptions=False)
    assert r.exit_code == 1 and out.is_file(), r.output  # findings: exit 1, the copy written
    return out


@pytest.fixture
def copy(tmp_path) -> tuple[Path, Path]:
    """(the user's workbook, the copy ``xlperf validate -o`` made of it)."""
    src = _with_footers(SAMPLE, tmp_path / "u.xlsx", {"自评表2": "某某局"})
    return src, _validate_o(src, tmp_path / "校验副本.xlsx")


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
    assert after["自评表1"]["L"] == "&8某某局 " and after["自评表3"]["L"] == "&8内部资料"
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
    assert book.app.alerts == [] and book.app.status_history[-2:] == ["绩效自评：已清除校验标记", False]
    assert "校验结果" not in book.wb.sheetnames and "_xlperf_marks" not in book.wb.sheetnames
    notes = [c for ws in book.wb.worksheets for row in ws.iter_rows() for c in row if c.comment is not None]
    assert notes == []
    assert book.app.log["sheet.PageSetup"] == 4  # tried once a sheet


def test_the_live_validation_prints_no_key_and_its_clear_writes_no_footer(tmp_path):
    src = _with_footers(SAMPLE, tmp_path / "u.xlsx", {})
    original = _footers(FakeBook(src))
    book = _excel(src)
    macros.validate_workbook()
    assert book.app.alerts[-1][0].startswith("校验完成")
    marked = _footers(book)
    assert {s: marked[s] for s in original} == original and K not in json.dumps(marked, ensure_ascii=False)
    assert book.app.log["pagesetup.LeftFooter"] == 0
    macros.clear_marks()
    assert _footers(book) == original
    assert book.app.log["pagesetup.LeftFooter"] == 0 and book.app.log["pagesetup.read.LeftFooter"] == 4
