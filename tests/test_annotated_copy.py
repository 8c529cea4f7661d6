"""``validate -o``: the annotated copy keeps everything of the user's, part by part.

The originals are built the way users' files come: XlsxWriter writes one with an image (a scanned
seal), a chart, the user's own notes (one on a cell we flag), a defined name, data validation, sheet
protection, a formula with its cached value and, as .xlsm, the add-in's real VBA project; LibreOffice
saves another (its own way of writing every part, cached values of every formula). For each: every
part we do not own is byte-identical in the copy, the parts we edit are identical once our additions
are taken out, taking our marks away gives back the original package exactly, and a second
``validate -o`` of the copy replaces our marks instead of stacking them.
"""

from __future__ import annotations

import io
import re
import shutil
import struct
import zipfile
import zlib
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter
from click.testing import CliRunner

from xlperf import api
from xlperf.cli import cli
from xlperf.core.plan import MARK_KEY, NOTE_MARKER, PALETTE, RECORD_SHEET
from xlperf.writers import annotate
from xlperf.writers import ooxml as ox

from factory import clean_rows

UNIT = {"单位名称": "某某局", "主管部门": "某某市", "年度": "2020", "评分方案": "shaanxi"}
USER_NOTE = "数据来源：财务系统（张三核对）"
APOSTROPHE_SHEET = "张's 表"


def run(*args):
    return CliRunner().invoke(cli, list(map(str, args)), catch_exceptions=False)


def parts(path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist()}


def png(width=4, height=3) -> bytes:
    """A small red PNG (a stand-in for a scanned seal)."""
    raw = b"".join(b"\0" + b"\xcc\x22\x22" * width for _ in range(height))

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")
    )


def vba_project() -> bytes:
    from xlperf.addin.build import addin_bytes

    with zipfile.ZipFile(io.BytesIO(addin_bytes())) as z:
        return z.read("xl/vbaProject.bin")


def spoiled_rows():
    rows = clean_rows()
    rows[-1][7] = 97  # 总分 ≠ Σ: XP007 at H25, where the user has a note
    rows[6][6] = "约两万"  # 执行数 unreadable
    rows[3][1] = "干部\x07教育培训"  # control characters pasted from another system: in the name,
    rows[23][2] = "参训人员\x07满意度"  # and in an indicator whose low score (8 of 10, no reason) is
    rows[23][7] = 8  # flagged, so its name is quoted in a note
    return rows


def build_original(path: Path, vba: bytes | None = None, notes: bool = True, button: bool = False) -> Path:
    wb = xlsxwriter.Workbook(str(path))
    if vba is not None:
        wb.add_vba_project(io.BytesIO(vba), is_stream=True)
    unit = wb.add_worksheet("单位信息")
    for i, (k, v) in enumerate(UNIT.items()):
        unit.write_string(i, 0, k)
        unit.write_string(i, 1, v)
    for name in ("自评表1", APOSTROPHE_SHEET):
        ws = wb.add_worksheet(name)
        for r, row in enumerate(spoiled_rows()):
            for c, v in enumerate(row):
                if isinstance(v, str):
                    ws.write_string(r, c, v)
                elif v is not None:
                    ws.write_number(r, c, v)
        ws.write_formula("M1", "=SUM(G15:G24)", None, 100)  # a cached value
        ws.write_string("M2", "=执行数/预算数")  # text that looks like a formula
        if notes:
            ws.write_comment("H25", USER_NOTE, {"author": "张三"})
            ws.write_comment("B4", "项目名称以批复文件为准", {"author": "张三"})
        if button:  # a form control: a legacy (VML) drawing the sheet has without any note
            ws.insert_button("M20", {"macro": "xlperf_validate", "caption": "校验"})
        ws.data_validation("G15:G24", {"validate": "decimal", "criteria": ">=", "value": 0})
        ws.protect("", {"format_cells": True})
    seal = wb.worksheets()[1]
    seal.insert_image("M4", "seal.png", {"image_data": io.BytesIO(png())})
    chart = wb.add_chart({"type": "column"})
    chart.add_series({"values": "='自评表1'!$G$15:$G$24", "name": "分值"})
    seal.insert_chart("M12", chart)
    wb.define_name("预算合计", "='自评表1'!$C$7")
    wb.close()
    return path


@pytest.fixture(scope="module")
def originals(tmp_path_factory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("originals")
    return {
        "xlsx": build_original(d / "手工.xlsx"),
        "xlsm": build_original(d / "带宏.xlsm", vba_project()),
    }


def marked_parts(pkg_parts: dict[str, bytes]) -> set[str]:
    """The user's parts a copy may edit: package bookkeeping, styles, the marked sheets and their
    notes (everything else must be byte-identical)."""
    allowed = {"[Content_Types].xml", "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/styles.xml"}
    allowed |= {n for n in pkg_parts if re.fullmatch(r"xl/worksheets/(_rels/)?sheet\d+\.xml(\.rels)?", n)}
    allowed |= {n for n in pkg_parts if n.startswith(("xl/comments", "xl/drawings/vmlDrawing"))}
    return allowed


def without_our_cell_edits(sheet_xml: bytes) -> bytes:
    """A worksheet with the edits we make taken out: style indexes, tab selection, our notes' drawing."""
    text = sheet_xml.decode("utf-8")
    text = re.sub(r'(<c\b[^>]*?) s="\d+"', r"\1", text)
    text = re.sub(r' tabSelected="(1|true)"', "", text)
    text = re.sub(r'(<row\b[^>]*?) spans="\d+:\d+"', r"\1", text)
    text = re.sub(r'<c r="[A-Z]+\d+"/>', "", text)  # an empty cell we made to mark it
    text = re.sub(r'<legacyDrawing xmlns:r="[^"]+" r:id="rIdXlperfNotes[^"]*"/>', "", text)
    text = text.replace(ox.text_escape("&L&8" + MARK_KEY), "")  # the colours' key in the footer
    text = text.replace("<headerFooter><oddFooter></oddFooter></headerFooter>", "")
    return text.encode("utf-8")


def check_copy(src: Path, out: Path) -> None:
    before = parts(src)
    after = parts(out)
    assert set(before) <= set(after)
    editable = marked_parts(before)
    changed = {n for n in before if after[n] != before[n]}
    assert changed <= editable, changed - editable
    for n in before:
        if n not in editable:
            assert after[n] == before[n], n  # images, charts, drawings, VBA, theme, shared strings
    for n in changed:
        if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", n):
            assert without_our_cell_edits(after[n]) == without_our_cell_edits(before[n]), n
    ours = set(after) - set(before)
    assert all(re.search(r"xlperf", n, re.I) or n.endswith(".rels") for n in ours), ours


@pytest.mark.parametrize("kind", ["xlsx", "xlsm"])
def test_copy_keeps_every_part_of_the_user(originals, kind, tmp_path):
    src = originals[kind]
    sha = parts(src)
    out = tmp_path / f"校验.{kind}"
    r = run("validate", src, "-o", out)
    assert r.exit_code == 1, r.output
    assert parts(src) == sha  # the input is never touched
    check_copy(src, out)
    after = parts(out)
    assert any(n.startswith("xl/media/") for n in after) and any(
        n.startswith("xl/charts/chart") for n in after
    )
    if kind == "xlsm":
        assert after["xl/vbaProject.bin"] == sha["xl/vbaProject.bin"]
        ct = after["[Content_Types].xml"].decode()
        assert "macroEnabled.main+xml" in ct
    wb = openpyxl.load_workbook(out, keep_vba=kind == "xlsm")
    assert wb.sheetnames[0] == "校验结果" and wb.active.title == "校验结果"
    assert wb[RECORD_SHEET].sheet_state == "veryHidden"
    assert [ws.sheet_view.tabSelected for ws in wb.worksheets].count(True) == 1
    ws = wb["自评表1"]
    note = ws["H25"].comment.text
    assert note.startswith(USER_NOTE + "\n" + NOTE_MARKER) and "XP007" in note  # theirs, then ours
    assert ws["B4"].comment.text == "项目名称以批复文件为准"  # an unflagged user note is untouched
    assert ws["H25"].fill.fgColor.rgb[-6:] == PALETTE["error"]
    assert ws["M2"].value == "=执行数/预算数" and ws["M2"].data_type == "s"
    assert "预算合计" in wb.defined_names
    assert ws.protection.sheet and ws.data_validations.dataValidation
    res = wb["校验结果"]
    # 序号 links to the cell; 位置 says where it is in words
    links = {res.cell(r, 5).value: res.cell(r, 1).hyperlink.location for r in range(4, res.max_row + 1)}
    assert links[f"{APOSTROPHE_SHEET} H25（总分）"] == "'张''s 表'!H25"
    assert all(
        "\x07" not in (c.value or "") for row in res.iter_rows() for c in row if isinstance(c.value, str)
    )
    notes = [c.comment.text for row in ws.iter_rows() for c in row if c.comment]
    assert any("“参训人员满意度”" in n for n in notes) and not any("\x07" in n for n in notes)


@pytest.mark.parametrize("engine", ["calamine", "openpyxl"])
@pytest.mark.parametrize("kind", ["xlsx", "xlsm"])
def test_the_copy_reads_and_validates_as_the_original(originals, kind, engine, tmp_path):
    src = originals[kind]
    out = tmp_path / f"c.{kind}"
    annotate.write_annotated_copy(api.validate_file(src), src, out)
    a, b = api.validate_file(src, engine=engine), api.validate_file(out, engine=engine)
    assert [f.to_dict() for f in a.findings] == [f.to_dict() for f in b.findings]
    from xlperf.sources import read_grids

    skip = ("校验结果", RECORD_SHEET)
    assert [(g.name, g.rows) for g in read_grids(src, engine)] == [
        (g.name, g.rows) for g in read_grids(out, engine) if g.name not in skip
    ]


@pytest.mark.parametrize("kind", ["xlsx", "xlsm"])
def test_clearing_the_marks_gives_back_the_original_exactly(originals, kind, tmp_path):
    src = originals[kind]
    out, cleared = tmp_path / f"c.{kind}", tmp_path / f"d.{kind}"
    annotate.write_annotated_copy(api.validate_file(src), src, out)
    path, found = annotate.write_cleared_copy(out, cleared)
    assert found
    assert parts(cleared) == parts(src)
    assert annotate.write_cleared_copy(cleared, tmp_path / f"e.{kind}")[1] is False


@pytest.mark.parametrize("kind", ["xlsx", "xlsm"])
def test_a_second_validate_replaces_the_marks(originals, kind, tmp_path):
    src = originals[kind]
    first, second = tmp_path / f"1.{kind}", tmp_path / f"2.{kind}"
    assert run("validate", src, "-o", first).exit_code == 1
    assert run("validate", first, "-o", second).exit_code == 1
    assert parts(second) == parts(first)


def test_a_mark_that_goes_away_restores_the_cell_exactly(originals, tmp_path):
    """Fix the total in the copy (as a script would, keeping every other byte) and validate again:
    H25 gets its own format back and the user's note without ours."""
    src = originals["xlsx"]
    first = tmp_path / "1.xlsx"
    annotate.write_annotated_copy(api.validate_file(src), src, first)
    pkg = ox.Package.open(first)
    book = annotate.Book(pkg)
    part = book.by_name("自评表1").part
    text = pkg.text(part)
    fixed = re.sub(r'(<c r="H25"[^>]*>)<v>97</v>', r"\g<1><v>98</v>", text)
    assert fixed != text
    pkg.write(part, fixed)
    edited = tmp_path / "edited.xlsx"
    pkg.save(edited)
    second = tmp_path / "2.xlsx"
    annotate.write_annotated_copy(api.validate_file(edited), edited, second)
    orig = openpyxl.load_workbook(src)["自评表1"]["H25"]
    now = openpyxl.load_workbook(second)["自评表1"]["H25"]
    assert now.comment.text == USER_NOTE
    assert (now.fill.fgColor.rgb, now.font.name, now.number_format, now.protection.locked) == (
        orig.fill.fgColor.rgb,
        orig.font.name,
        orig.number_format,
        orig.protection.locked,
    )


def test_xlsm_content_must_stay_xlsm_and_xlsx_stay_xlsx(originals, tmp_path):
    r = run("validate", originals["xlsm"], "-o", tmp_path / "x.xlsx")
    assert r.exit_code == 2 and "含宏" in r.output and ".xlsm" in r.output and "Traceback" not in r.output
    assert not (tmp_path / "x.xlsx").exists()
    r = run("validate", originals["xlsx"], "-o", tmp_path / "x.xlsm")
    assert r.exit_code == 2 and "不含宏" in r.output and not (tmp_path / "x.xlsm").exists()
    misnamed = tmp_path / "改名.xlsx"  # a macro workbook renamed to .xlsx: the copy goes by content
    shutil.copy(originals["xlsm"], misnamed)
    r = run("validate", misnamed, "-o", tmp_path / "y.xlsx")
    assert r.exit_code == 2 and "y.xlsm" in r.output


def test_a_raw_nan_numeric_cell(tmp_path):
    src = build_original(tmp_path / "nan.xlsx")
    pkg = ox.Package.open(src)
    part = annotate.Book(pkg).by_name("自评表1").part
    text = pkg.text(part)
    text, n = re.subn(r'(<c r="F15"[^>]*>)<v>[^<]*</v>', r"\g<1><v>NaN</v>", text)
    assert n == 1
    pkg.write(part, text)
    pkg.save(src)
    out = tmp_path / "o.xlsx"
    r = run("validate", src, "-o", out)
    assert r.exit_code == 1 and "Traceback" not in r.output
    check_copy(src, out)
    assert re.search(r'<c r="F15"[^>]*><v>NaN</v>', parts(out)[part].decode())  # kept as it was


def test_a_read_failure_in_the_copy_step_is_a_read_failure(originals, tmp_path, monkeypatch):
    def broken(pkg, plan):
        raise annotate.ReadError("文件已损坏，无法读取：BadZipFile")

    monkeypatch.setattr(annotate, "annotate", broken)
    r = run("validate", originals["xlsx"], "-o", tmp_path / "o.xlsx")
    assert r.exit_code == 2 and "无法读取" in r.output and "写入" not in r.output


def test_not_a_package_is_refused_in_one_line(tmp_path):
    fake_xls = tmp_path / "旧.xlsx"
    fake_xls.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    with pytest.raises(annotate.ReadError, match="xls"):
        annotate.open_package(fake_xls)
    broken = tmp_path / "坏.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(annotate.ReadError, match="损坏"):
        annotate.open_package(broken)


def test_user_text_is_xml_safe_and_never_a_formula():
    assert ox.text_escape("a\x07b") == "a_x0007_b"
    assert ox.text_escape("_x0007_") == "_x005F_x0007_"
    assert ox.text_escape("=SUM(A1)<b>&") == "=SUM(A1)&lt;b&gt;&amp;"
    assert ox.attr_escape("'张''s 表'!A1\"") == "'张''s 表'!A1&quot;"


# --- with LibreOffice ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def office_saved(originals, tmp_path_factory):
    """The original as LibreOffice saves it: cached values of every formula, its own part layout."""
    if shutil.which("soffice") is None:
        return None
    from xlperf.libreoffice import convert

    d = tmp_path_factory.mktemp("office")
    return convert(originals["xlsx"], "xlsx", d)


@pytest.mark.libreoffice
def test_office_saved_original_keeps_cached_values_and_opens_in_libreoffice(office_saved, soffice, tmp_path):
    from xlperf.libreoffice import convert

    src = office_saved
    out = tmp_path / "校验.xlsx"
    r = run("validate", src, "-o", out)
    assert r.exit_code == 1, r.output
    check_copy(src, out)
    a = api.validate_file(src, engine="openpyxl")  # cached values read
    b = api.validate_file(out, engine="openpyxl")
    assert [f.to_dict() for f in a.findings] == [f.to_dict() for f in b.findings]
    cleared = tmp_path / "d.xlsx"
    annotate.write_cleared_copy(out, cleared)
    assert parts(cleared) == parts(src)
    # LibreOffice opens the copy as a workbook and keeps our sheet, fills and notes
    back = convert(out, "xlsx", tmp_path / "lo")
    wb = openpyxl.load_workbook(back)
    assert wb.sheetnames[0] == "校验结果"
    ws = wb["自评表1"]
    assert ws["H25"].fill.fgColor.rgb[-6:] == PALETTE["error"]
    assert USER_NOTE in ws["H25"].comment.text and NOTE_MARKER in ws["H25"].comment.text


@pytest.mark.libreoffice
def test_a_copy_saved_by_libreoffice_is_validated_again_without_stacking(office_saved, soffice, tmp_path):
    from xlperf.libreoffice import convert

    first = tmp_path / "1.xlsx"
    annotate.write_annotated_copy(api.validate_file(office_saved), office_saved, first)
    resaved = convert(first, "xlsx", tmp_path / "lo")  # the user opened and saved the copy
    second = tmp_path / "2.xlsx"
    r = run("validate", resaved, "-o", second)
    assert r.exit_code == 1, r.output
    wb = openpyxl.load_workbook(second)
    assert wb.sheetnames.count("校验结果") == 1 and wb.sheetnames[0] == "校验结果"
    assert wb.sheetnames.count(RECORD_SHEET) == 1
    note = wb["自评表1"]["H25"].comment.text
    assert note.count(NOTE_MARKER) == 1 and note.startswith(USER_NOTE)
    res = wb["校验结果"]
    assert res.max_row == 3 + len(api.validate_file(office_saved).findings)


@pytest.mark.libreoffice
def test_result_sheet_prints_landscape_one_page_wide(originals, soffice, tmp_path):
    """Only the 校验结果 sheet, rendered by LibreOffice: A4 landscape pages, every column on the page."""
    src = originals["xlsx"]
    out = tmp_path / "c.xlsx"
    annotate.write_annotated_copy(api.validate_file(src), src, out)
    pkg = ox.Package.open(out)
    book = annotate.Book(pkg)
    only = annotate.remove_sheets  # keep the result sheet alone for the render
    only(pkg, book, {e.name for e in book.sheets if e.name != "校验结果"})
    alone = tmp_path / "alone.xlsx"
    pkg.save(alone)
    from xlperf.libreoffice import convert

    pdf = convert(alone, "pdf", tmp_path / "pdf")
    import subprocess

    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    size = re.search(r"Page size:\s+([\d.]+) x ([\d.]+)", info)
    assert float(size.group(1)) > float(size.group(2))  # landscape
    assert abs(float(size.group(1)) - 841.9) < 2  # A4
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True).stdout
    first = text.split("\f")[0]
    assert "序号" in first and "实为" in first  # the header's first and last columns on one page
    assert "第 1 页" in first


# --- the Excel ribbon's 清除校验标记 on the copy (the same record sheet) -----------------------------------


def test_the_ribbons_clear_marks_undoes_the_copy(originals, tmp_path):
    """A user opens the annotated copy in Excel and clicks 清除校验标记: fills come back, our notes go,
    the user's note on a flagged cell is theirs alone again (fake xlwings over the real file)."""
    from xlperf.excel import macros

    from fake_xlwings import FakeBook

    src = originals["xlsx"]
    out = tmp_path / "c.xlsx"
    annotate.write_annotated_copy(api.validate_file(src), src, out)
    book = FakeBook(out)
    macros._caller = lambda: book
    try:
        macros.clear_marks()
    finally:
        macros._caller = None
    cleared = tmp_path / "cleared.xlsx"
    book.save(cleared)
    a, b = openpyxl.load_workbook(src), openpyxl.load_workbook(cleared)
    assert b.sheetnames == a.sheetnames
    for ws in a.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                other = b[ws.title][cell.coordinate]
                assert other.value == cell.value, cell.coordinate
                assert _shown_fill(other) == _shown_fill(cell), (ws.title, cell.coordinate)
                assert (other.comment.text if other.comment else None) == (
                    cell.comment.text if cell.comment else None
                ), (ws.title, cell.coordinate)


def _shown_fill(cell) -> str | None:
    return cell.fill.fgColor.rgb[-6:] if cell.fill.fill_type == "solid" else None


def test_an_unexpected_failure_of_the_copy_is_one_line(originals, tmp_path, monkeypatch):
    def broken(pkg, plan):
        raise RuntimeError("odd part")

    monkeypatch.setattr(annotate, "annotate", broken)
    r = run("validate", originals["xlsx"], "-o", tmp_path / "o.xlsx")
    assert r.exit_code == 2 and "原文件未被修改" in r.output and "Traceback" not in r.output
    assert not (tmp_path / "o.xlsx").exists() and not list(tmp_path.glob(".~xlperf-*"))


def test_a_file_that_breaks_between_the_read_and_the_copy_is_named_as_the_copy_failing(
    originals, tmp_path, monkeypatch
):
    """The unit's file overwritten with something else after its findings were read (a share being synced):
    the findings stand, and the line and the total name the copy that failed (they said 无法读取 and counted
    the file as unread)."""
    src = shutil.copy(originals["xlsx"], tmp_path / "单位.xlsx")
    validate_file = api.validate_file

    def then_broken(path, *args, **kwargs):
        v = validate_file(path, *args, **kwargs)
        Path(path).write_bytes(b"PK\x03\x04 cut short")
        return v

    monkeypatch.setattr(api, "validate_file", then_broken)
    r = run("validate", src, "-o", tmp_path / "o.xlsx")
    assert r.exit_code == 2 and "Traceback" not in r.output
    failed = [line for line in r.output.splitlines() if "单位.xlsx" in line and "副本" in line]
    assert len(failed) == 1 and failed[0].startswith("无法为 ") and "生成校验副本：" in failed[0], r.output
    assert "合计：1 个文件（未能生成校验副本 1 个），2 个项目" in r.output.replace("\n", "")
    assert not (tmp_path / "o.xlsx").exists()


@pytest.mark.libreoffice
@pytest.mark.parametrize("fmt", ["xls", "ods"])
def test_an_xls_or_ods_is_validated_but_not_copied(originals, soffice, fmt, tmp_path):
    """A legacy .xls (python-calamine reads it) or an .ods: validate works, -o says in one Chinese line
    why no lossless copy can be made, exit 2, nothing written."""
    from xlperf.libreoffice import convert

    src = convert(originals["xlsx"], fmt, tmp_path)
    out = tmp_path / "o.xlsx"
    r = run("validate", src, "-o", out)
    assert r.exit_code == 2 and "Traceback" not in r.output
    lines = [line for line in r.output.splitlines() if line.strip()]
    assert len(lines) == 1 and "生成校验副本" in lines[0] and "另存为 .xlsx" in lines[0], r.output
    assert not out.exists()


def test_a_sheet_with_a_button_but_no_notes(tmp_path):
    """The sheet's legacy drawing holds a form button and no note: our notes get a new comments part,
    their shapes join the user's drawing, and the button is there after, and after clearing."""
    src = build_original(tmp_path / "按钮.xlsm", vba_project(), notes=False, button=True)
    before = parts(src)
    assert not any(n.startswith("xl/comments") for n in before)
    out = tmp_path / "c.xlsm"
    assert run("validate", src, "-o", out).exit_code == 1
    check_copy(src, out)
    after = parts(out)
    vml = next(n for n in before if n.endswith(".vml"))
    assert 'ObjectType="Button"' in after[vml].decode() and 'ObjectType="Note"' in after[vml].decode()
    wb = openpyxl.load_workbook(out, keep_vba=True)
    assert wb["自评表1"]["H25"].comment.text.startswith(NOTE_MARKER)
    cleared = tmp_path / "d.xlsm"
    annotate.write_cleared_copy(out, cleared)
    assert parts(cleared) == before


def test_a_cell_with_a_threaded_comment_gets_no_note_of_ours(originals, tmp_path):
    """Excel shows a threaded comment instead of the note behind it: we leave that cell's note alone
    (its fill and the 校验结果 row still say what is wrong)."""
    src = tmp_path / "threaded.xlsx"
    pkg = ox.Package.open(originals["xlsx"])
    sheet = annotate.Book(pkg).by_name("自评表1").part
    part = "xl/threadedComments/threadedComment1.xml"
    pkg.write(
        part,
        '<ThreadedComments xmlns="http://schemas.microsoft.com/office/spreadsheetml/2018/threadedcomments">'
        '<threadedComment ref="H25" dT="2024-01-01T00:00:00.00" personId="{0}" id="{1}"><text>看一下</text>'
        "</threadedComment></ThreadedComments>",
    )
    pkg.add_override(part, "application/vnd.ms-excel.threadedcomments+xml")
    pkg.add_rel(sheet, ox.REL_THREADED, part, "rIdThreaded")
    pkg.save(src)
    out = tmp_path / "c.xlsx"
    assert run("validate", src, "-o", out).exit_code == 1
    wb = openpyxl.load_workbook(out)
    assert wb["自评表1"]["H25"].comment.text == USER_NOTE  # untouched
    assert wb["自评表1"]["H25"].fill.fgColor.rgb[-6:] == PALETTE["error"]
    assert NOTE_MARKER in wb["自评表1"]["G7"].comment.text
    annotate.write_cleared_copy(out, tmp_path / "d.xlsx")
    assert parts(tmp_path / "d.xlsx") == parts(src)


@pytest.mark.parametrize(
    "theirs",
    ["数据来源：财务系统", "两行\n说明", "  前后空格  ", "含 &<> 与 “引号” 的 _x0007_ 文本", "=SUM(A1)"],
)
def test_our_note_after_theirs_cuts_back_to_theirs(theirs):
    from xlperf.writers import sheetxml as sx
    from xlperf.writers.xlsxparts import cut_note

    ours = NOTE_MARKER + "\n[XP007 错误] 总分计算错误"
    inner = f'<r><t xml:space="preserve">{ox.text_escape(theirs)}</t></r>' + sx.note_runs(
        ours, after_user=True
    )
    cut, visible = cut_note(inner)
    assert (
        visible == theirs.rstrip("\r\n")
        and cut == f'<r><t xml:space="preserve">{ox.text_escape(theirs)}</t></r>'
    )
    whole, rest = cut_note(sx.note_runs(ours, after_user=False))
    assert (whole, rest) == ("", "")


# --- the colours' key in the marked sheets' footer ------------------------------------------------------


def _footer(xml: bytes) -> str | None:
    m = re.search(rb"<(?:\w+:)?oddFooter>(.*?)</(?:\w+:)?oddFooter>", xml, re.S)
    return None if m is None else ox.text_unescape(m.group(1).decode("utf-8"))


def _sheet_xml(path, name):
    pkg = ox.Package.open(path)
    return pkg.read(annotate.Book(pkg).by_name(name).part)


def test_every_marked_sheet_prints_the_colours_key_where_the_footer_leaves_room(originals, tmp_path):
    src = originals["xlsx"]
    out = tmp_path / "c.xlsx"
    annotate.write_annotated_copy(api.validate_file(src), src, out)
    for name in ("自评表1", APOSTROPHE_SHEET):  # no footer of their own: one made, before the notes' drawing
        xml = _sheet_xml(out, name)
        assert _footer(xml) == "&L&8" + MARK_KEY
        assert xml.index(b"<headerFooter>") < xml.index(b"<legacyDrawing")
    assert b"headerFooter" not in _sheet_xml(out, "单位信息")  # nothing marked there
    again = tmp_path / "again.xlsx"  # validated again: one key, not two
    annotate.write_annotated_copy(api.validate_file(out), out, again)
    assert _footer(_sheet_xml(again, "自评表1")) == "&L&8" + MARK_KEY


def form_with_footer(path: Path, footer: str, header: str = "") -> Path:
    """A unit's form (单位信息 and one spoiled 自评表1) with its own page footer (and header)."""
    wb = xlsxwriter.Workbook(str(path))
    unit = wb.add_worksheet("单位信息")
    for i, (k, v) in enumerate(UNIT.items()):
        unit.write_string(i, 0, k)
        unit.write_string(i, 1, v)
    ws = wb.add_worksheet("自评表1")
    for r, row in enumerate(spoiled_rows()):
        for c, v in enumerate(row):
            if v is not None:
                ws.write(r, c, v)
    if header:
        ws.set_header(header)
    if footer:
        ws.set_footer(footer)
    wb.close()
    return path


@pytest.mark.parametrize(
    "theirs, ours",
    [
        ("&C第 &P 页", "&L&8" + MARK_KEY + "&C第 &P 页"),  # their centre and right kept
        (
            "第 &P 页&R机密",
            "&L&8" + MARK_KEY + "&C第 &P 页&R机密",
        ),  # text before any code: the centre's, kept there
        ("&8第 &P 页", "&L&8" + MARK_KEY + "&C&8第 &P 页"),
        ("&C" + "某" * 225 + "第 &P 页", None),  # with the key past Excel's 255 characters: theirs alone
        ('&L&"宋体"某某局&C第 &P 页', None),  # their left part: theirs alone
        ("&L&&&C&P", None),  # an ampersand is text
        ("", "&L&8" + MARK_KEY),
    ],
)
def test_the_key_takes_only_a_free_left_part_of_their_footer(theirs, ours, tmp_path):
    src = form_with_footer(tmp_path / "f.xlsx", theirs, header="&C某某局项目支出绩效自评表" if theirs else "")
    out = tmp_path / "c.xlsx"
    annotate.write_annotated_copy(api.validate_file(src), src, out)
    assert _footer(_sheet_xml(out, "自评表1")) == (ours or theirs)
    cleared = tmp_path / "d.xlsx"
    annotate.write_cleared_copy(out, cleared)
    assert parts(cleared) == parts(src)  # exactly as it was


def test_the_key_in_a_prefixed_worksheet_is_prefixed(tmp_path):
    src = build_original(tmp_path / "o.xlsx", notes=False)
    pkg = ox.Package.open(src)
    part = annotate.Book(pkg).by_name("自评表1").part
    text = pkg.read(part).decode("utf-8")
    text = re.sub(r"<(/?)(?!\?)([A-Za-z]\w*)([\s/>])", r"<\1x:\2\3", text)
    text = text.replace('xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"',
                        'xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"')  # fmt: skip
    pkg.write(part, text.encode("utf-8"))
    prefixed = tmp_path / "p.xlsx"
    pkg.save(prefixed)
    out = tmp_path / "c.xlsx"
    annotate.write_annotated_copy(api.validate_file(prefixed), prefixed, out)
    xml = _sheet_xml(out, "自评表1")
    assert b"<x:headerFooter><x:oddFooter>" in xml and _footer(xml) == "&L&8" + MARK_KEY


@pytest.mark.libreoffice
def test_libreoffice_prints_the_key_and_a_copy_it_saved_loses_it_when_cleared(originals, soffice, tmp_path):
    import subprocess

    from xlperf.libreoffice import convert

    src = originals["xlsx"]
    out = tmp_path / "c.xlsx"
    annotate.write_annotated_copy(api.validate_file(src), src, out)
    pdf = convert(out, "pdf", tmp_path / "pdf")
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True).stdout
    pages = text.split("\f")
    assert sum(MARK_KEY in p for p in pages) >= 2  # each marked sheet's pages, not the 校验结果 sheet's
    resaved = convert(out, "xlsx", tmp_path / "lo")  # the user opened and saved the copy
    cleared = tmp_path / "d.xlsx"
    annotate.write_cleared_copy(resaved, cleared)
    footer = _footer(_sheet_xml(cleared, "自评表1")) or ""
    assert MARK_KEY not in footer and "标色" not in footer


@pytest.mark.libreoffice
def test_a_footer_without_codes_keeps_its_centre_through_an_office_save_and_a_clear(soffice, tmp_path):
    from xlperf.libreoffice import convert
    from xlperf.writers.xlsxparts import footer_section

    src = form_with_footer(
        tmp_path / "f.xlsx", "第 &P 页&R机密"
    )  # no code before the page number: the centre's
    out = tmp_path / "c.xlsx"
    annotate.write_annotated_copy(api.validate_file(src), src, out)
    resaved = convert(out, "xlsx", tmp_path / "lo")  # the user opened and saved the copy
    cleared = tmp_path / "d.xlsx"
    annotate.write_cleared_copy(resaved, cleared)
    footer = _footer(_sheet_xml(cleared, "自评表1")) or ""
    assert MARK_KEY not in footer and "第 &P 页" in footer_section(footer, "C"), footer
    assert not footer_section(footer, "L").strip() and "机密" in footer_section(footer, "R")
