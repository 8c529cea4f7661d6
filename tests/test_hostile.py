"""The hostile corpus (tests/corpus.py) through the user's commands, under a memory limit.

For every case: no traceback, the documented exit code, a Chinese reason where refused, the inputs'
SHA-256 unchanged, the good rows in the summary exactly once. The commands run in subprocesses with
RLIMIT_AS (address space) capped, so a regression that allocates a huge grid fails here instead of
swapping (python-calamine aborts the process when an allocation fails).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import resource
import subprocess
import sys
import zipfile
from collections import Counter
from pathlib import Path

import pytest
from test_word_reports import SEED_TOTALS

from xlperf.core.a1 import parse_ref
from xlperf.sources.gate import NOT_XLSX

from conftest import ROOT
from corpus import (
    CASES,
    COPY_CASES,
    COPY_MARKS,
    COPY_PART,
    COPY_SHEET,
    COPY_USER_NOTE,
    NS_MAIN,
    READ,
    REFUSED,
    SKIPPED,
    WORD_CASES,
    renamed,
)

sys.path.insert(0, str(ROOT))
from benchmarks.unitgen import generate  # noqa: E402

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="RLIMIT_AS and symlinks: POSIX")
MEMORY_LIMIT = 1536 << 20  # address space of each process (workers included); a unit workbook needs ~300 MB
BY_NAME = {c.name: c for c in CASES}


def _limited() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def run_limited(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """``python -m xlperf …`` under the memory limit, as a user runs it."""
    return run_python("-m", "xlperf", *args, cwd=cwd)


def run_python(
    *args: str | Path, cwd=None, env: dict | None = None, preexec=_limited
) -> subprocess.CompletedProcess:
    """``python …`` (``-m xlperf …``, or ``-c`` a script setting a test's small timeouts first) under the
    memory limit, with ``env`` added to the environment."""
    full = {k: v for k, v in os.environ.items() if k != "XLPERF_DEBUG"}
    full["PYTHONPATH"] = str(ROOT)
    full.update(env or {})
    return subprocess.run(
        [sys.executable, *map(str, args)],
        capture_output=True,
        text=True,
        errors="surrogateescape",  # (what is not UTF-8 stays visible to the assertions)
        preexec_fn=preexec,
        env=full,
        cwd=cwd,
        timeout=600,
    )


def _chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def _hashes(root: Path) -> dict[Path, str]:
    return {
        p: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in root.rglob("*")
        if p.is_file() and not p.is_symlink() and os.access(p, os.R_OK)
    }


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> tuple[Path, list, dict]:
    """A 报送 folder: good units, one file per case, and the folder-level oddities (a linked folder, a
    link loop, a broken link, a second path to one file, a hidden folder, a summary of an earlier run)."""
    pytest.importorskip("msoffcrypto")
    import shutil

    root = tmp_path_factory.mktemp("hostile")
    inbox = root / "报送"
    specs = generate(4, inbox / "正常", seed=21)  # 测试单位0000-0003
    made = generate(len(CASES) + 8, root / "bases", seed=22)  # units' names follow their index
    outside, bases = made[4], made[8:]
    (root / "别处").mkdir()
    shutil.copy(outside.path, root / "别处" / outside.path.name)
    (inbox / "异常").mkdir()
    for case, base in zip(CASES, bases, strict=True):
        case.build(inbox / "异常" / case.name, base.path.read_bytes())
    read_bases = {c.name: b for c, b in zip(CASES, bases, strict=True) if c.outcome == READ}
    (inbox / "链接到别处").symlink_to(root / "别处", target_is_directory=True)
    (inbox / "正常" / "循环链接").symlink_to("..", target_is_directory=True)
    (inbox / "断开的链接.xlsx").symlink_to(root / "不存在.xlsx")
    (inbox / "同一文件的第二条路径.xlsx").symlink_to(specs[0].path)
    (inbox / ".git").mkdir()
    (inbox / ".git" / "config").write_text("[core]")
    shutil.rmtree(root / "bases")  # the cases' bases are only expectations now
    return inbox, [*specs, outside], read_bases


FOLDER_ENTRIES = {
    "链接到别处": None,  # entered: its file is read
    "循环链接": ("已跳过", "循环"),
    "断开的链接.xlsx": ("无法读取", "链接"),
    ".git": ("已跳过", "隐藏文件夹"),
}


def _expected_status(case) -> str:
    return {READ: "已汇总", REFUSED: "无法读取", SKIPPED: "已跳过"}[case.outcome]


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_consolidate_the_corpus(corpus, tmp_path, jobs):
    inbox, specs, read_bases = corpus
    before = _hashes(inbox.parent)
    out = tmp_path / "汇总.json"
    r = run_limited("consolidate", inbox, "-o", out, "-j", jobs, "-q")
    assert r.returncode == 0, r.stderr
    assert "Traceback" not in r.stdout + r.stderr
    data = json.loads(out.read_text("utf-8"))
    files = {Path(row["文件"]).name: row for row in data["tables"]["文件清单"]["rows"]}
    for case in CASES:
        row = files[case.shown or case.name]
        assert row["状态"] == _expected_status(case), (case.name, row["原因"])
        for word in case.words:
            assert word in row["原因"], (case.name, row["原因"])
        if case.outcome != READ:
            assert _chinese(row["原因"]), case.name
    for name, want in FOLDER_ENTRIES.items():
        if want is not None:
            assert files[name]["状态"] == want[0] and want[1] in files[name]["原因"], files[name]
    # one file by two paths: the first path (in 文件清单 order) is read, the other listed as the same file
    pair = [files["同一文件的第二条路径.xlsx"], files[specs[0].path.name]]
    assert sorted(r["状态"] for r in pair) == ["已汇总", "已跳过"]
    assert "同一个文件" in next(r["原因"] for r in pair if r["状态"] == "已跳过")
    # every good file's rows exactly once: by source and sheet, and by unit and project for the good units
    detail = data["tables"]["项目明细"]["rows"]
    assert all(n == 1 for n in Counter((d["来源文件"], d["工作表"]) for d in detail).values())
    good = Counter((d["单位"], d["项目名称"]) for d in detail if "重复" not in (d["备注"] or ""))
    for s in specs:
        for p in s.projects:
            assert good[(s.name, p.name)] == 1, (s.name, p.name)
    # a read case holds its base unit's projects, once
    for name, base in read_bases.items():
        shown = BY_NAME[name].shown or name
        rows = [d for d in detail if Path(d["来源文件"]).name == shown]
        if base.name in {d["单位"] for d in rows}:
            assert len(rows) == len(base.projects), name
    assert _hashes(inbox.parent) == before


def test_the_summary_xlsx_is_written_whatever_the_corpus_holds(corpus, tmp_path):
    inbox, _, _ = corpus
    r = run_limited("consolidate", inbox, "-o", tmp_path / "汇总.xlsx", "-q")
    assert r.returncode == 0 and "Traceback" not in r.stderr, r.stderr
    from python_calamine import CalamineWorkbook

    with CalamineWorkbook.from_path(str(tmp_path / "汇总.xlsx")) as wb:
        rows = wb.get_sheet_by_name("项目明细").to_python()
    names = [row[3] for row in rows[3:]]
    # the project named like a formula is text in the summary (a formula would read as its value, 0)
    assert any(str(n).startswith('=HYPERLINK("x")') for n in names)
    units = "".join(str(row[2]) for row in rows[3:])
    assert "\x07" not in units and "\x0c" not in units and "测试单位" in units  # control characters dropped


@pytest.mark.parametrize("engine", ["calamine", "openpyxl"])
def test_validate_each_case(corpus, engine):
    """``validate`` on every case at once (one process, so one memory limit for all): refused and
    skipped files exit 2 with the same reason ``consolidate`` gives; read files 0 or 1."""
    inbox, _, _ = corpus
    paths = [inbox / "异常" / c.name for c in CASES]
    r = run_limited("validate", *paths, "--format", "json", "--engine", engine)
    assert "Traceback" not in r.stdout + r.stderr, r.stderr
    assert r.returncode == 2  # some files cannot be read
    results = {Path(f["path"]).name: f for f in json.loads(r.stdout)["files"]}
    for case in CASES:
        f = results[case.shown or case.name]
        if case.outcome == READ:
            assert "error" not in f, (case.name, f.get("error"))
        else:
            assert _chinese(f["error"]), case.name
            for word in case.words:
                assert word in f["error"], (case.name, f["error"])


@pytest.mark.parametrize("name", [c.name for c in CASES if c.outcome != READ])
def test_validate_exit_code_alone(corpus, name):
    """One refused file alone: exit 2 and one Chinese line naming it, no traceback."""
    inbox, _, _ = corpus
    r = run_limited("validate", inbox / "异常" / name)
    assert r.returncode == 2, r.stdout + r.stderr
    assert "Traceback" not in r.stdout + r.stderr
    assert _chinese(r.stdout + r.stderr)


def test_every_summary_format_with_names_that_are_not_text(corpus, tmp_path):
    """xlsx, csv and json all written whatever the names (GBK bytes, control characters): each name
    shown as xlperf must show it, nothing raw on the terminal (an escape sequence would recolour or
    clear it, a newline would forge a line)."""
    inbox, _, _ = corpus
    odd = [c for c in CASES if c.shown]
    for fmt, out in (("xlsx", "汇总.xlsx"), ("csv", "汇总csv"), ("json", "汇总.json")):
        r = run_limited("consolidate", inbox, "-o", tmp_path / out, "--format", fmt)
        assert r.returncode == 0 and "Traceback" not in r.stderr, (fmt, r.stderr)
        assert "程序内部错误" not in r.stdout + r.stderr
        for raw in ("\x1b", "\r", "\udcb3"):
            assert raw not in r.stdout + r.stderr, (fmt, raw)
        assert all(case.name not in r.stdout for case in odd)
    from python_calamine import CalamineWorkbook

    with CalamineWorkbook.from_path(str(tmp_path / "汇总.xlsx")) as wb:
        listed = wb.get_sheet_by_name("文件清单").to_python()
    names = {Path(str(row[1])).name for row in listed[3:]}
    csv_names = (tmp_path / "汇总csv" / "文件清单.csv").read_text("utf-8-sig")
    for case in odd:
        assert case.shown in names, case.shown
        assert case.shown in csv_names, case.shown
    r = run_limited("validate", inbox / "异常")
    assert r.returncode == 2 and "Traceback" not in r.stdout + r.stderr
    for raw in ("\x1b", "\r", "\udcb3"):
        assert raw not in r.stdout + r.stderr, raw
    flat = r.stdout.replace("\n", "")  # (wrapped at the terminal's width)
    for case in odd:
        assert case.shown in flat, case.shown


def test_ods_has_one_reason_everywhere(corpus, tmp_path):
    inbox, _, _ = corpus
    r = run_limited("validate", inbox / "异常" / "OpenDocument表格.ods", "--format", "json")
    assert json.loads(r.stdout)["files"][0]["error"] == NOT_XLSX
    out = tmp_path / "o.json"
    run_limited("consolidate", inbox / "异常" / "OpenDocument表格.ods", inbox / "正常", "-o", out, "-q")
    rows = json.loads(out.read_text("utf-8"))["tables"]["文件清单"]["rows"]
    assert next(r for r in rows if r["文件"].endswith(".ods"))["原因"] == NOT_XLSX


def test_the_far_cell_is_refused_without_allocating(corpus):
    """In this process too (no limit): the gate measures before any reader allocates."""
    from xlperf.errors import ReadError
    from xlperf.sources import read_grids

    inbox, _, _ = corpus
    for engine in ("calamine", "openpyxl"):
        with pytest.raises(ReadError, match="XFD1048576"):
            read_grids(inbox / "异常" / "远处单元格XFD1048576.xlsx", engine)


def test_engines_agree_on_the_odd_but_readable_cases(corpus):
    from xlperf.sources import read_workbook

    inbox, _, _ = corpus
    for case in CASES:
        if case.outcome == READ and case.name != "部分字段.xlsx":
            a = read_workbook(inbox / "异常" / case.name, "calamine")
            b = read_workbook(inbox / "异常" / case.name, "openpyxl")
            assert [p.name for p in a.projects] == [p.name for p in b.projects], case.name
            assert a.unit == b.unit, case.name


def test_a_regression_would_fail_under_the_limit(tmp_path):
    """The limit is real: a process that allocates what the far cell would cost is stopped."""
    r = subprocess.run(
        [sys.executable, "-c", "x = bytearray(3 << 30)"], capture_output=True, preexec_fn=_limited, timeout=60
    )
    assert r.returncode != 0 and b"MemoryError" in r.stderr


# --- the third corpus (issue 23): the marked copy of other producers' workbooks ---------------------------


@pytest.fixture(scope="module")
def copies(tmp_path_factory) -> dict[str, tuple[Path, Path, dict]]:
    """Each copy case written, then ``validate -o`` on it under the memory limit: (original, copy, the
    JSON the command printed)."""
    d = tmp_path_factory.mktemp("copies")
    out = {}
    for case in COPY_CASES:
        src = d / case.name
        case.build(src)
        copy = d / f"校验后_{case.name}"
        r = run_limited("validate", src, "-o", copy, "--format", "json")
        assert r.returncode == 1, (case.name, r.stdout, r.stderr)  # errors found, copy written
        assert "Traceback" not in r.stdout + r.stderr, case.name
        out[case.name] = (src, copy, json.loads(r.stdout)["files"][0])
    return out


def _cell_positions(sheet_xml: bytes) -> list[tuple[int, int]]:
    """Where each cell of a worksheet is, as the spec places them: by its r, else after the one before
    it (and a row by its r, else after the row before)."""
    from lxml import etree

    out, row_no = [], 0
    for row in etree.fromstring(sheet_xml).iter(f"{{{NS_MAIN}}}row"):
        row_no = int(row.get("r")) if row.get("r") else row_no + 1
        col = 0
        for c in row.iter(f"{{{NS_MAIN}}}c"):
            col = parse_ref(c.get("r"))[1] if c.get("r") else col + 1
            out.append((row_no, col))
    return out


def _note_shapes(path: Path) -> set[tuple[int, int]]:
    """The cells (1-based row, column) the notes' VML drawing has a note box for, read as XML with
    namespaces (whatever the prefixes): a shape written with a prefix the part does not declare is not
    well-formed, and a note without its box is not shown by Excel."""
    from lxml import etree

    vml, xl = "urn:schemas-microsoft-com:vml", "urn:schemas-microsoft-com:office:excel"
    with zipfile.ZipFile(path) as z:
        drawings = [z.read(n) for n in z.namelist() if n.endswith(".vml")]
    assert len(drawings) == 1
    out = set()
    for shape in etree.fromstring(drawings[0]).iter(f"{{{vml}}}shape"):
        data = shape.find(f"{{{xl}}}ClientData")
        if data is not None and data.get("ObjectType") == "Note":
            row, col = (int(data.find(f"{{{xl}}}{k}").text) for k in ("Row", "Column"))
            out.add((row + 1, col + 1))
    return out


def _member(path: Path, part: str) -> bytes:
    with zipfile.ZipFile(path) as z:
        name = next(n for n in z.namelist() if n.lower() == part.lower())
        return z.read(name)


@pytest.mark.parametrize("name", [c.name for c in COPY_CASES])
def test_the_copy_of_another_producers_workbook(copies, name):
    """Each mark lands on the cell the reader read (never a second cell of the same address), the
    copy says which sheets it could not mark, and taking the marks away gives back the original."""
    from xlperf.writers import annotate

    case = next(c for c in COPY_CASES if c.name == name)
    src, copy, result = copies[name]
    unmarked = result["copy"]["unmarked"]
    if case.marked:
        assert unmarked == [], unmarked
        positions = _cell_positions(_member(copy, COPY_PART))
        assert len(positions) == len(set(positions)), "a cell written twice"
        assert _note_shapes(copy) == {parse_ref(c) for c in COPY_MARKS}
    else:
        assert [u["sheet"] for u in unmarked] == [COPY_SHEET]
        assert _chinese(unmarked[0]["reason"])
        assert _member(copy, COPY_PART) == _member(src, COPY_PART)
    _styles_as_the_schema_says(copy)
    cleared = src.with_name(f"清除后_{name}")
    annotate.write_cleared_copy(copy, cleared)
    with zipfile.ZipFile(src) as a, zipfile.ZipFile(cleared) as b:
        assert {n: a.read(n) for n in a.namelist()} == {n: b.read(n) for n in b.namelist()}


# CT_Stylesheet's children, in the order the schema requires them (Excel repairs a part out of order)
STYLESHEET_ORDER = ["numFmts", "fonts", "fills", "borders", "cellStyleXfs", "cellXfs", "cellStyles", "dxfs",
                    "tableStyles", "colors", "extLst"]  # fmt: skip


def _styles_as_the_schema_says(copy: Path) -> None:
    """The copy's styles part: the lists in the schema's order, each count its items', every list a
    cell format names there, and every id a format names within its list."""
    from lxml import etree

    with zipfile.ZipFile(copy) as z:
        rels = z.read("xl/_rels/workbook.xml.rels").decode()
        target = re.search(
            r'Target="([^"]+)"[^>]*?Type="[^"]*/styles"|Type="[^"]*/styles"[^>]*?Target="([^"]+)"', rels
        )
        root = etree.fromstring(
            z.read("xl/" + (target.group(1) or target.group(2)).lstrip("/").removeprefix("xl/"))
        )
    names = [etree.QName(el).localname for el in root]
    assert names == sorted(names, key=STYLESHEET_ORDER.index), names
    lists = {etree.QName(el).localname: list(el) for el in root}
    for el in root:
        if el.get("count") is not None:
            assert int(el.get("count")) == len(el), etree.QName(el).localname
    for key, lst in (
        ("fontId", "fonts"),
        ("fillId", "fills"),
        ("borderId", "borders"),
        ("xfId", "cellStyleXfs"),
    ):
        for xf in lists["cellXfs"]:
            assert int(xf.get(key, "0")) < len(lists[lst]), (key, xf.attrib)


def test_a_sheet_the_copy_cannot_mark_is_said(copies, tmp_path):
    """In the terminal: the copy is not said to be marked where it is not; the sheet is named."""
    src, _, _ = copies["同一部件两个大小写不同的名称.xlsx"]
    r = run_limited("validate", src, "-o", tmp_path / "副本.xlsx")
    assert r.returncode == 1 and "Traceback" not in r.stderr
    flat = r.stdout.replace("\n", "")  # (wrapped at the terminal's width)
    said = flat[flat.index("已写出校验副本") :]
    assert "已标色并加批注" not in said and COPY_SHEET in said and "未能标记" in said


@pytest.mark.libreoffice
def test_libreoffice_shows_the_marks_and_the_notes(copies, soffice, tmp_path):
    """What a user sees when LibreOffice opens each copy: every marked cell in its severity's colour
    with our note (after the user's own on H25), no other note; the original as LibreOffice shows it
    first, so a case LibreOffice cannot read is not counted as one it shows."""
    from xlperf.core.plan import NOTE_MARKER, PALETTE

    from office import Office

    cells = list(COPY_MARKS)
    unmarked = ["A1", "B7", "C7", "E7", "H7", "H24"]  # a title, labels, amounts in the 填写项's format
    with Office() as lo:
        for case in COPY_CASES:
            src, copy, _ = copies[case.name]
            if case.lo_names:  # LibreOffice finds parts by their exact names (Excel, as OPC says, not)
                shown = {}
                for label, path in (("原件", src), ("副本", copy)):
                    shown[label] = tmp_path / f"{label}_{case.name}"
                    shown[label].write_bytes(renamed(path.read_bytes(), case.lo_names))
                src, copy = shown["原件"], shown["副本"]
            if case.marked:
                doc = lo.open(src)
                assert lo.notes(doc, COPY_SHEET) == {"H25": COPY_USER_NOTE}, case.name
                assert lo.cell(doc, COPY_SHEET, "G7")["string"] == "约两万", case.name
                before = lo.looks(doc, COPY_SHEET, unmarked)
                texts = {c: lo.cell(doc, COPY_SHEET, c)["string"] for c in unmarked}
                lo.close(doc)
            doc = lo.open(copy)
            assert lo.sheets(doc)[0] == "校验结果", case.name
            looks = lo.looks(doc, COPY_SHEET, cells)
            notes = lo.notes(doc, COPY_SHEET)
            if case.marked:  # the cells not marked as the original shows them (colour, number format)
                assert lo.looks(doc, COPY_SHEET, unmarked) == before, case.name
                assert {c: lo.cell(doc, COPY_SHEET, c)["string"] for c in unmarked} == texts, case.name
            lo.close(doc)
            if not case.marked:
                assert notes == {"H25": COPY_USER_NOTE}, case.name
                continue
            for cell, severity in COPY_MARKS.items():
                assert looks[cell]["back"] == int(PALETTE[severity], 16), (case.name, cell, looks[cell])
                assert NOTE_MARKER in looks[cell]["note"], (case.name, cell, looks[cell])
            assert notes["H25"].startswith(COPY_USER_NOTE + "\n" + NOTE_MARKER), case.name
            assert set(notes) == set(cells), (case.name, notes)


# --- the third corpus (issue 23): Word reports as people edit them ----------------------------------------


@pytest.fixture(scope="module")
def word_corpus(tmp_path_factory) -> tuple[Path, dict[str, dict]]:
    """Each Word case in one folder, and what ``validate --format json`` says of the plain reports they
    are read as (under the memory limit)."""
    from corpus import _generated, _seed

    d = tmp_path_factory.mktemp("word")
    inbox = d / "报送"
    inbox.mkdir()
    for case in WORD_CASES:
        case.build(inbox / case.name)
    plain = {}
    for base, build in (("seed", _seed), ("generated", _generated)):
        build(d / f"{base}.docx")
        r = run_limited("validate", d / f"{base}.docx", "--format", "json")
        plain[base] = json.loads(r.stdout)["files"][0]
    return inbox, plain


def _word_param(case):
    return pytest.param(case.name, marks=pytest.mark.libreoffice if case.needs_libreoffice else ())


def _figures(f: dict) -> list[tuple]:
    return [
        (p["name"], p["budget"], p["execution_rate"], p["total_reported"], p["total_recomputed"])
        for p in f["projects"]
    ]


@pytest.mark.parametrize("name", [_word_param(c) for c in WORD_CASES])
def test_a_word_report_as_people_edit_it(word_corpus, name):
    """Read as Word shows it: every project once, with its amounts and totals as written by hand
    (SEED_TOTALS), and the plain report's findings (by place where Word's tables are the same)."""
    inbox, plain = word_corpus
    case = next(c for c in WORD_CASES if c.name == name)
    r = run_limited("validate", inbox / name, "--format", "json")
    assert "Traceback" not in r.stdout + r.stderr, r.stderr
    f = json.loads(r.stdout)["files"][0]
    assert "error" not in f, f.get("error")
    assert _figures(f) == SEED_TOTALS
    base = plain[case.base]
    assert (f["unit"], f["year"]) == (base["unit"], base["year"]) == ("长安区委编办", "2020")  # (the title's)
    if case.base == "seed":  # the same tables: the same findings at the same places

        def key(x):
            return (x["rule"], x["cell"], x["severity"], x["expected"], x["found"])
    else:  # the same forms in frames: the same findings of the same projects (tables named 表1-1…)

        def key(x):
            return (x["rule"], x["project"], x["severity"], x["expected"], x["found"])

    assert Counter(map(key, f["findings"])) == Counter(map(key, base["findings"]))


def test_a_title_whose_line_break_was_deleted_is_one_title(tmp_path):
    """The title alone (no other paragraph names the unit), its break between unit and year deleted with
    Track Changes on: Word shows one line, and the unit and year are read from it."""
    from docx import Document

    from xlperf.core import labels as L
    from xlperf.sources.docx import read_document_grids

    from corpus import _split_with_a_deleted_mark

    doc = Document()
    title = doc.add_paragraph("长安区委编办2020年度绩效自评工作报告")._p
    _split_with_a_deleted_mark(title, len("长安区委编办"))
    doc.save(str(tmp_path / "标题.docx"))
    grids = read_document_grids(tmp_path / "标题.docx")
    assert grids[0].rows == [[L.UNIT_NAME, "长安区委编办"], [L.UNIT_YEAR, "2020"]]


@pytest.mark.libreoffice
def test_consolidating_word_reports_as_people_edit_them(word_corpus, soffice, tmp_path):
    """The folder of edited reports through ``consolidate`` (memory-limited): each file 已汇总 with its
    four projects, their 复核总分 those written by hand."""
    inbox, _ = word_corpus
    out = tmp_path / "汇总.json"
    r = run_limited("consolidate", inbox, "-o", out, "-q")
    assert r.returncode == 0 and "Traceback" not in r.stderr, r.stderr
    data = json.loads(out.read_text("utf-8"))
    files = {Path(row["文件"]).name: row for row in data["tables"]["文件清单"]["rows"]}
    detail = data["tables"]["项目明细"]["rows"]
    for case in WORD_CASES:
        assert files[case.name]["状态"] == "已汇总", (case.name, files[case.name]["原因"])
        rows = [d for d in detail if Path(d["来源文件"]).name == case.name]
        assert [(d["项目名称"], d["复核总分"]) for d in rows] == [(t[0], t[4]) for t in SEED_TOTALS], (
            case.name
        )


def test_a_web_page_report_without_libreoffice_says_why(word_corpus, monkeypatch):
    """Without LibreOffice the pasted web page cannot be read: the file is 无法读取 with the reason and
    what to do, never skipped as a document without a form (a cover letter)."""
    from xlperf import libreoffice
    from xlperf.consolidate import STATUS_UNREADABLE, read_unit_file

    inbox, _ = word_corpus
    monkeypatch.setattr(libreoffice, "find_soffice", lambda: None)
    r = read_unit_file(inbox / "网页内容嵌入的报告.docx")
    assert r.status == STATUS_UNREADABLE, r.reason
    for word in ("网页（HTML）", "altChunk", "LibreOffice", "另存为 .docx"):
        assert word in r.reason, r.reason


# --- the third corpus (issue 23): a LibreOffice that hangs -------------------------------------------------

_HANGING_SOFFICE = """#!/bin/sh
# A LibreOffice that hangs: the launcher starts soffice.bin and waits for it, as oosplash does.
echo "$$" >> "$XLPERF_FAKE_SOFFICE_LOG"
"$(dirname "$0")/soffice.bin" &
wait
"""
_HANGING_BIN = """#!/bin/sh
echo "$$" >> "$XLPERF_FAKE_SOFFICE_LOG"
exec sleep 600
"""


def _alive(pid: int) -> bool:
    """A process that still runs (a zombie waiting for a parent that does not reap it has ended)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_libreoffice_that_hangs_is_ended_whole_and_the_run_bounded(tmp_path, jobs):
    """Nine .doc reports and a LibreOffice that never finishes (its launcher waiting on soffice.bin):
    each conversion is cut at its timeout with the whole process group ended (no soffice.bin left),
    and the run's conversions together stay within its budget (2 s each, 5 s in all: three are
    started, 2 + 2 + 1 s; the other six are refused without starting one), with one or two workers."""
    if not Path("/proc/self/stat").exists():
        pytest.skip("reads process states from /proc (Linux)")
    fake = tmp_path / "bin"
    fake.mkdir()
    for name, text in (("soffice", _HANGING_SOFFICE), ("soffice.bin", _HANGING_BIN)):
        (fake / name).write_text(text)
        (fake / name).chmod(0o755)
    inbox = tmp_path / "报送"
    generate(1, inbox, seed=23)
    for i in range(9):
        (inbox / f"旧版报告{i}.doc").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 4088)
    log = tmp_path / "soffice.log"
    out = tmp_path / "汇总.json"
    code = (
        "import runpy, sys; from xlperf import libreoffice as lo; "
        "lo.DOCUMENT_TIMEOUT = 2.0; lo.CONVERSION_BUDGET = 5.0; "
        f"sys.argv = ['xlperf', 'consolidate', {str(inbox)!r}, '-o', {str(out)!r}, '-j', {jobs!r}, '-q']; "
        "runpy.run_module('xlperf', run_name='__main__')"
    )
    r = run_python(
        "-c",
        code,
        env={"PATH": f"{fake}{os.pathsep}{os.environ['PATH']}", "XLPERF_FAKE_SOFFICE_LOG": str(log)},
    )
    assert r.returncode == 0 and "Traceback" not in r.stderr, r.stderr
    rows = json.loads(out.read_text("utf-8"))["tables"]["文件清单"]["rows"]
    docs = [row for row in rows if row["文件"].endswith(".doc")]
    assert len(docs) == 9 and all(row["状态"] == "无法读取" for row in docs)
    timed_out = [row for row in docs if "转换超时" in row["原因"]]
    refused = [row for row in docs if "已用完，此文件未转换" in row["原因"]]
    assert len(timed_out) == 3 and len(refused) == 6, [row["原因"] for row in docs]
    assert all("另存为 .docx" in row["原因"] for row in docs)
    pids = [int(x) for x in log.read_text().split()]
    assert len(pids) == 6  # three launchers, three soffice.bin
    import time

    deadline = time.monotonic() + 10  # (a killed process needs a moment to be gone)
    while any(map(_alive, pids)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [p for p in pids if _alive(p)], "soffice.bin left running"


# --- the third corpus (issue 23): an output folder that cannot be written ---------------------------------


def _without_override() -> None:
    """The memory limit, and where the tests run as root (whom no permission stops) root without the
    capabilities that override file permissions (dropped from the bounding set before exec, so the
    command runs as root bound by the folder's mode like any user)."""
    _limited()
    if os.geteuid() == 0:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        for cap in (1, 2, 3):  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER
            if libc.prctl(24, cap, 0, 0, 0) != 0:  # PR_CAPBSET_DROP
                raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


@pytest.mark.parametrize("fmt", ["xlsx", "csv", "json"])
def test_an_output_folder_that_cannot_be_written_is_found_before_reading(fmt):
    """200 workbooks and an output folder the user may not write in: refused at once with a Chinese
    reason, before a single file is read (reading is watched), for every summary format."""
    import shutil
    import tempfile

    root = Path(tempfile.mkdtemp(prefix="xlperf-ro-"))
    try:
        root.chmod(0o755)
        inbox = root / "报送"
        spec = generate(1, inbox, seed=24)[0]
        for i in range(199):
            shutil.copy(spec.path, inbox / f"单位{i:03d}.xlsx")
        locked = root / "只读文件夹"
        locked.mkdir(mode=0o555)
        locked.chmod(0o555)
        marker = root / "已读取"
        out = locked / {"xlsx": "汇总.xlsx", "csv": "汇总csv", "json": "汇总.json"}[fmt]
        code = (
            "import runpy, sys; import xlperf.consolidate.read as rd; real = rd.read_unit_file\n"
            "def watched(*a, **k):\n"
            f"    open({str(marker)!r}, 'a').write('x')\n"
            "    return real(*a, **k)\n"
            "rd.read_unit_file = watched\n"
            f"sys.argv = ['xlperf', 'consolidate', {str(inbox)!r}, '-o', {str(out)!r}, '--format', {fmt!r}, '-j', '1']\n"
            "runpy.run_module('xlperf', run_name='__main__')"
        )
        r = run_python("-c", code, cwd=root, preexec=_without_override)
        assert r.returncode != 0 and "Traceback" not in r.stderr, r.stdout + r.stderr
        assert "没有写入权限" in r.stderr and str(locked) in r.stderr, r.stderr
        assert not marker.exists(), "files were read before the output folder was checked"
        assert list(locked.iterdir()) == []
    finally:
        shutil.rmtree(root, ignore_errors=True)


@pytest.mark.libreoffice
def test_the_copy_of_an_sdk_workbook_saved_by_libreoffice_is_marked_again(copies, soffice, tmp_path):
    """The OpenXML SDK's copy opened and saved by an office suite (its parts rewritten without the x:
    prefix), then validated again: the earlier marks taken away (their recorded fills put back in the
    part's own spelling), every part still XML, and LibreOffice shows the new marks."""
    from lxml import etree

    from xlperf.core.plan import NOTE_MARKER, PALETTE
    from xlperf.libreoffice import convert

    from office import Office

    _, copy, _ = copies["前缀x的OpenXML SDK工作簿.xlsx"]
    saved = convert(copy, "xlsx", tmp_path / "lo")
    again = tmp_path / "再次校验.xlsx"
    r = run_limited("validate", saved, "-o", again)
    assert r.returncode == 1 and "Traceback" not in r.stderr, r.stderr
    with zipfile.ZipFile(again) as z:
        for name in z.namelist():
            if name.endswith((".xml", ".rels")):
                etree.fromstring(z.read(name))  # raises on a prefix the part does not declare
    with Office() as lo:
        doc = lo.open(again)
        looks = lo.looks(doc, COPY_SHEET, list(COPY_MARKS))
        notes = lo.notes(doc, COPY_SHEET)
        lo.close(doc)
    for cell, severity in COPY_MARKS.items():
        assert looks[cell]["back"] == int(PALETTE[severity], 16), (cell, looks[cell])
        assert looks[cell]["note"].count(NOTE_MARKER) == 1, (cell, looks[cell])
    assert notes["H25"].startswith(COPY_USER_NOTE)


# --- the third corpus (issue 23): every command that writes, its output folder checked first ---------------
#
# Each command with an output, its output in a folder the user may not write in: refused at once with the
# Chinese reason and the folder, before the command's work starts (the function doing it is watched), and
# nothing left in the folder. consolidate's own case is above (200 workbooks).

# command -> (arguments with {src}/{out} in them, the function whose call is the work, as module:attribute)
WRITING_COMMANDS = {
    "validate -o": (["validate", "{src}", "-o", "{out}/副本.xlsx"], "xlperf.api:validate_file"),
    "report -o": (["report", "{src}", "-o", "{out}/报告.docx"], "xlperf.api:validate_file"),
    "report（报告默认写在工作簿旁）": (["report", "{out}/单位.xlsx"], "xlperf.api:validate_file"),
    "import -o": (["import", "{src}", "-o", "{out}/导入.xlsx"], "xlperf.sources:read_grids"),
    "template -o": (["template", "-o", "{out}/模板.xlsx"], "xlperf.writers.template:save_template"),
    "feedback -o": (["feedback", "{summary}", "-o", "{out}/退回意见"], "xlperf.sources:read_grids"),
    "addin build -o": (["addin", "build", "-o", "{out}/xlperf.xlam"], "xlperf.addin:build_addin"),
    "addin install --dest": (["addin", "install", "--dest", "{out}"], "xlperf.addin.install:addin_bytes"),
    "consolidate -o": (
        ["consolidate", "{src}", "-o", "{out}/汇总.xlsx"],
        "xlperf.consolidate.read:read_unit_file",
    ),
}


@pytest.mark.parametrize("name", list(WRITING_COMMANDS))
def test_every_command_checks_its_output_folder_before_working(name, seed_sample):
    """The output folder is read-only (the input of the default report is in it): exit 2, 没有写入权限
    and the folder named, the command's work never started, nothing written."""
    import shutil
    import tempfile

    args, work = WRITING_COMMANDS[name]
    root = Path(tempfile.mkdtemp(prefix="xlperf-ro-"))
    try:
        root.chmod(0o755)
        src = root / "单位.xlsx"
        shutil.copy(seed_sample, src)
        summary = root / "汇总.xlsx"
        r = run_limited("consolidate", src, "-o", summary, "-q")
        assert r.returncode == 0, r.stderr
        locked = root / "只读文件夹"
        locked.mkdir()
        shutil.copy(seed_sample, locked / "单位.xlsx")  # the default report's workbook
        before = sorted(p.name for p in locked.iterdir())
        locked.chmod(0o555)
        marker = root / "已开始"
        module, attr = work.split(":")
        argv = [a.format(src=src, out=locked, summary=summary) for a in args]
        code = (
            f"import importlib, runpy, sys; m = importlib.import_module({module!r}); real = m.{attr}\n"
            "def watched(*a, **k):\n"
            f"    open({str(marker)!r}, 'a').write('x')\n"
            "    return real(*a, **k)\n"
            f"m.{attr} = watched\n"
            f"sys.argv = ['xlperf', *{argv!r}]\n"
            "runpy.run_module('xlperf', run_name='__main__')"
        )
        r = run_python("-c", code, cwd=root, preexec=_without_override)
        assert r.returncode == 2 and "Traceback" not in r.stderr, r.stdout + r.stderr
        assert "没有写入权限" in r.stderr and str(locked) in r.stderr, r.stderr
        assert not marker.exists(), "the work started before the output folder was checked"
        assert sorted(p.name for p in locked.iterdir()) == before
    finally:
        (root / "只读文件夹").chmod(0o755)
        shutil.rmtree(root, ignore_errors=True)


# --- the third corpus (issue 23): every command that names a file, with names that are not text ------------
#
# A unit's workbook named in GBK bytes (a Windows zip unzipped on UOS/Kylin) with control characters in
# it, each output named the same way: every command that echoes a path or a file's name shows it escaped
# (xlperf.core.names.shown_name), never raw: no surrogate escape (not UTF-8: on a UTF-8 terminal a
# crash or mojibake), no BEL, carriage return or line feed of the name's own.

ODD = os.fsdecode("长安区委编办".encode("gbk")) + "\x07回车\r换行\n"
RAW = ("\x07", "\r", *map(chr, range(0xDC80, 0xDD00)))

# what each run shows: the output names it must show (in {…} the names of the walk's paths)
NAMING_COMMANDS = {
    "validate": (["validate", "{src}"], ["{src}"]),
    "validate --format json": (["validate", "{src}", "--format", "json"], []),
    "validate -o": (["validate", "{src}", "-o", "{d}/副本{odd}.xlsx"], ["{d}/副本{odd}.xlsx"]),
    "validate -o 已存在": (["validate", "{src}", "-o", "{src}"], ["{src}"]),
    "report": (["report", "{src}", "-o", "{d}/报告{odd}.docx"], ["{d}/报告{odd}.docx"]),
    "report 已存在": (["report", "{src}", "-o", "{d}/已有{odd}.docx"], ["{d}/已有{odd}.docx"]),
    "report --export-templates": (["report", "--export-templates", "{d}/模板{odd}"], ["{d}/模板{odd}"]),
    "import": (["import", "{src}", "-o", "{d}/导入{odd}.xlsx"], ["{src}", "{d}/导入{odd}.xlsx"]),
    "import 不是工作簿": (["import", "{d}/说明{odd}.txt", "-o", "{d}/x.xlsx"], ["{d}/说明{odd}.txt"]),
    "template": (["template", "-o", "{d}/模板{odd}.xlsx"], ["{d}/模板{odd}.xlsx"]),
    "addin build": (["addin", "build", "-o", "{d}/加载项{odd}.xlam"], ["{d}/加载项{odd}.xlam"]),
    "addin install --dest": (["addin", "install", "--dest", "{d}/启动{odd}"], ["{d}/启动{odd}/xlperf.xlam"]),
    "consolidate": (["consolidate", "{src}", "-o", "{d}/汇总{odd}.xlsx"], ["{d}/汇总{odd}.xlsx"]),
    "feedback": (["feedback", "{summary}", "-o", "{d}/退回{odd}"], ["{d}/退回{odd}"]),
    "feedback --format json": (["feedback", "{summary}", "-o", "{d}/退回json{odd}", "--format", "json"], []),
    "feedback 找不到汇总表": (["feedback", "{d}/没有{odd}.xlsx", "-o", "{d}/退回2"], ["{d}/没有{odd}.xlsx"]),
}


@pytest.fixture(scope="module")
def odd_names(tmp_path_factory, seed_sample) -> dict[str, Path]:
    import shutil

    d = tmp_path_factory.mktemp("names")
    src = d / f"单位{ODD}.xlsx"
    shutil.copy(seed_sample, src)
    summary = d / f"汇总表{ODD}.xlsx"
    r = run_limited("consolidate", src, "-o", summary, "-q")
    assert r.returncode == 0, r.stderr
    (d / f"已有{ODD}.docx").write_bytes(b"")
    (d / f"说明{ODD}.txt").write_text("不是工作簿")
    return {"d": d, "src": src, "summary": summary}


@pytest.mark.parametrize("name", list(NAMING_COMMANDS))
def test_every_command_shows_names_that_are_not_text_escaped(odd_names, name):
    from xlperf.core.names import shown_name

    args, shows = NAMING_COMMANDS[name]
    paths = {k: str(v) for k, v in odd_names.items()}

    def filled(text: str) -> str:
        return text.format(odd=ODD, **paths)

    r = run_limited(*map(filled, args))
    out = r.stdout + r.stderr
    assert "Traceback" not in out and "程序内部错误" not in out, out
    assert not [ch for ch in RAW if ch in out], out
    # wrapped at the terminal's width, where a space may give way to a line break and an indent
    flat = re.sub(r"\s+", "", out)
    for path in shows:
        assert re.sub(r"\s+", "", shown_name(filled(path))) in flat, (shown_name(filled(path)), out)
    if "json" in args:
        data = json.loads(r.stdout)
        text = json.dumps(data, ensure_ascii=False)
        assert "\\xb3\\xa4" in text.replace("\\\\", "\\"), text  # the name shown, escaped
