"""生成报送版: the copy keeps everything of the user's (images, charts, notes, validations, macros, other
formulas) byte for byte, and only the XP_ formulas become their cached values. The openpyxl round trip
it replaces dropped the scanned seal, the chart and the macros of a unit's workbook."""

from __future__ import annotations

import re
import struct
import zipfile
import zlib
from pathlib import Path

import openpyxl
import pytest

from xlperf import actions
from xlperf.writers.submission import calls_xp


def _png() -> bytes:
    """A 2×2 red PNG (a stand-in for a scanned seal), written without PIL."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"".join(b"\x00" + b"\xff\x00\x00" * 2 for _ in range(2))
    ihdr = struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")
    )


def _members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist()}


def _edit(path: Path, edit) -> None:
    """Rewrite some parts of a package as Excel would have written them."""
    parts = _members(path)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, edit(name, data))


def unit_book(tmp_path: Path, name: str = "单位.xlsx", vba: bytes | None = None) -> Path:
    """A unit's workbook made with the xlwings template's kind of cells, saved by Excel: XP_ formulas
    with cached values (one shared down a column, one an array), other formulas, a seal image, a chart,
    a note, a validation, a defined name, a calculation chain and a link to the add-in."""
    import io

    import xlsxwriter

    path = tmp_path / name
    wb = xlsxwriter.Workbook(str(path))
    if vba is not None:
        wb.add_vba_project(io.BytesIO(vba), is_stream=True)
    ws = wb.add_worksheet("自评表1")
    for ref, v in {"B1": 8, "C1": 10, "B2": 9, "C2": 10}.items():
        ws.write_number(ref, v)
    ws.write_formula("A1", "=XP_RATE(B1,C1)", None, 0.8)
    ws.write_formula("A2", "=XP_RATE(B2,C2)", None, 0.9)  # made a shared formula below
    ws.write_formula("D1", "=SUM(B1:C1)", None, 18)
    ws.write_array_formula("E1:E2", "{=XP_SCORES(B1:B2,C1:C2)}", None, 10)
    ws.write_string("F1", "XP_RATE(B1,C1) 只是文字")
    ws.write_formula("G1", "=MYXP_RATE(1)", None, 1)
    ws.write_comment("B1", "单位自己的批注", {"author": "张三"})
    ws.data_validation("H1:H5", {"validate": "list", "source": ["达成", "部分达成", "未达成"]})
    ws.insert_image("J2", "seal.png", {"image_data": io.BytesIO(_png())})
    chart = wb.add_chart({"type": "column"})
    chart.add_series({"values": "='自评表1'!$B$1:$B$2"})
    ws.insert_chart("J10", chart)
    wb.define_name("预算", "='自评表1'!$C$1")
    wb.close()

    def excel(name: str, data: bytes) -> bytes:
        if name == "xl/worksheets/sheet1.xml":
            text = data.decode("utf-8")
            # A2 as the shared copy of A1's formula, as Excel writes a filled-down column
            text = text.replace(
                "<f>XP_RATE(B1,C1)</f>", '<f t="shared" ref="A1:A2" si="0">XP_RATE(B1,C1)</f>'
            )
            text = text.replace("<f>XP_RATE(B2,C2)</f>", '<f t="shared" si="0"/>')
            assert text.count('si="0"') == 2
            return text.encode("utf-8")
        if name == "xl/workbook.xml":
            text = data.decode("utf-8").replace(
                "</sheets>",
                '</sheets><externalReferences><externalReference r:id="rIdX1"/></externalReferences>',
            )
            return text.encode("utf-8")
        if name == "xl/_rels/workbook.xml.rels":
            text = data.decode("utf-8").replace(
                "</Relationships>",
                '<Relationship Id="rIdX1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                'relationships/externalLink" Target="externalLinks/externalLink1.xml"/>'
                '<Relationship Id="rIdC1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                'relationships/calcChain" Target="calcChain.xml"/></Relationships>',
            )
            return text.encode("utf-8")
        if name == "[Content_Types].xml":
            text = data.decode("utf-8").replace(
                "</Types>",
                '<Override PartName="/xl/externalLinks/externalLink1.xml" ContentType="application/'
                'vnd.openxmlformats-officedocument.spreadsheetml.externalLink+xml"/>'
                '<Override PartName="/xl/calcChain.xml" ContentType="application/'
                'vnd.openxmlformats-officedocument.spreadsheetml.calcChain+xml"/></Types>',
            )
            return text.encode("utf-8")
        return data

    _edit(path, excel)
    with zipfile.ZipFile(path, "a") as z:
        z.writestr(
            "xl/externalLinks/externalLink1.xml",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<externalLink xmlns="http://schemas.'
            'openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/'
            'officeDocument/2006/relationships"><externalBook r:id="rId1"/></externalLink>',
        )
        z.writestr(
            "xl/externalLinks/_rels/externalLink1.xml.rels",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="http://schemas.'
            'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.'
            'openxmlformats.org/officeDocument/2006/relationships/externalLinkPath" Target="file:///C:/Users/'
            'zhang/AppData/Roaming/Microsoft/Excel/XLSTART/xlperf.xlam" TargetMode="External"/></Relationships>',
        )
        z.writestr(
            "xl/calcChain.xml",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<calcChain xmlns="http://schemas.'
            'openxmlformats.org/spreadsheetml/2006/main"><c r="A1" i="1"/><c r="A2"/><c r="D1"/></calcChain>',
        )
    return path


def test_calls_xp_is_an_xp_call_and_nothing_else():
    assert (
        calls_xp("XP_RATE(B1,C1)")
        and calls_xp('IF(A1>0,xp_grade(95),"")')
        and calls_xp("[1]!XP_TOTAL(A1:A3)")
    )
    assert not calls_xp("MYXP_RATE(1)") and not calls_xp("SUM(XP_)") and not calls_xp("A.XP_RATE(1)")


def test_the_copy_keeps_every_part_of_the_users_and_only_xp_formulas_become_values(tmp_path):
    src = unit_book(tmp_path)
    before = _members(src)
    out, n = actions.write_submission_copy(src)
    assert out == tmp_path / "单位_报送版.xlsx" and _members(src) == before  # the original untouched
    assert n == 3  # A1 (the shared master), A2 (its shared copy), E1 (the array formula)
    after = _members(out)
    changed = {k for k in before if before[k] != after.get(k)}
    assert changed == {"xl/worksheets/sheet1.xml", "xl/workbook.xml", "xl/_rels/workbook.xml.rels",
                       "[Content_Types].xml", "xl/calcChain.xml", "xl/externalLinks/externalLink1.xml",
                       "xl/externalLinks/_rels/externalLink1.xml.rels"}  # fmt: skip
    assert not any(k.startswith(("xl/calcChain", "xl/externalLinks")) for k in after)  # dropped, not emptied
    # the seal, the chart, the note, the drawing, the styles: byte for byte
    kept = [k for k in before if k.startswith(("xl/media/", "xl/charts/", "xl/drawings/", "xl/comments"))]
    assert len(kept) >= 4 and all(after[k] == before[k] for k in kept)
    assert after["xl/styles.xml"] == before["xl/styles.xml"]
    # the sheet: exactly the three <f> elements gone, nothing else
    old, new = before["xl/worksheets/sheet1.xml"].decode(), after["xl/worksheets/sheet1.xml"].decode()
    gone = ['<f t="shared" ref="A1:A2" si="0">XP_RATE(B1,C1)</f>', '<f t="shared" si="0"/>']
    gone.append(re.search(r'<f t="array"[^>]*>XP_SCORES[^<]*</f>', old).group(0))
    for f in gone:
        old = old.replace(f, "")
    assert new == old
    ws = openpyxl.load_workbook(out)["自评表1"]
    cached = openpyxl.load_workbook(src, data_only=True)["自评表1"]  # what Excel showed when it saved
    assert [ws[r].value for r in ("A1", "A2", "E1", "E2")] == [
        cached[r].value for r in ("A1", "A2", "E1", "E2")
    ]
    assert (ws["A1"].value, ws["A2"].value, ws["E1"].value) == (0.8, 0.9, 10)
    assert ws["D1"].value == "=SUM(B1:C1)" and ws["G1"].value == "=MYXP_RATE(1)"
    assert ws["F1"].value == "XP_RATE(B1,C1) 只是文字" and ws["B1"].comment.text == "单位自己的批注"
    book = openpyxl.load_workbook(out)
    assert "预算" in book.defined_names and not book._external_links


def test_a_link_to_another_workbook_stays(tmp_path):
    src = unit_book(tmp_path)

    def other(name: str, data: bytes) -> bytes:
        if name == "xl/externalLinks/_rels/externalLink1.xml.rels":
            return data.replace(b"xlperf.xlam", b"%E9%A2%84%E7%AE%97.xlsx")
        return data

    _edit(src, other)
    out, n = actions.write_submission_copy(src)
    after = _members(out)
    assert n == 3 and "xl/externalLinks/externalLink1.xml" in after
    assert b"externalReferences" in after["xl/workbook.xml"]


def test_no_xp_formula_changes_nothing(tmp_path):
    src = tmp_path / "无公式.xlsx"
    wb = openpyxl.Workbook()
    wb.active["A1"] = "=SUM(1,2)"
    wb.save(src)
    out, n = actions.write_submission_copy(src)
    assert n == 0 and _members(out) == _members(src)


def test_a_workbook_with_macros_keeps_them_in_an_xlsm(tmp_path):
    from test_annotated_copy import vba_project

    vba = vba_project()
    src = unit_book(tmp_path, "单位.xlsm", vba)
    out, n = actions.write_submission_copy(src)
    assert out == tmp_path / "单位_报送版.xlsm" and n == 3
    assert _members(out)["xl/vbaProject.bin"] == _members(src)["xl/vbaProject.bin"]


def test_a_second_copy_never_replaces_the_first(tmp_path):
    src = unit_book(tmp_path)
    first, _ = actions.write_submission_copy(src)
    first.write_bytes(first.read_bytes())  # a hand-edited 报送版 stays as it is
    second, _ = actions.write_submission_copy(src)
    assert second == tmp_path / "单位_报送版（2）.xlsx" and first.exists()


@pytest.mark.libreoffice
def test_libreoffice_opens_the_copy_and_shows_the_values(tmp_path, soffice):
    from xlperf.libreoffice import convert

    out, _ = actions.write_submission_copy(unit_book(tmp_path))
    csv = convert(out, "csv", tmp_path / "csv")
    first = csv.read_text("utf-8").splitlines()[0].split(",")
    assert first[:5] == ["0.8", "8", "10", "18", "10"]
