"""What mutation testing of the safety gate (xlperf/sources/gate.py) found untested, each as a user or an
attacker meets it: a file crafted here with zipfile, through :func:`open_checked` (or
:func:`open_checked_document` for a Word report), and the Chinese reason the user reads, or the file
read as it is.

How to run it: README, developer guide, "Mutation testing". 1,367 mutants; before these tests 261
survived, 48 had no test and 9 were caught only by python-calamine aborting the process (a far inline
string let through); after them 57 survive, each equivalent:

- ``_exact_scan``: the initial values of ``valued``, ``t``, ``vtext``, ``far_r``, ``far_c`` and the
  unused ``depth`` (each set before it is read: at a cell's start, or by the first value found);
  ``max_row``/``max_col`` = -2 (one of rows, cols is then 0 and ``rows == 0 or cols == 0`` returns the
  empty extent) and that ``or`` as ``and`` (a value sets both); ``st["col"] = col`` at a cell's start
  (the cell's end sets the next column from the same ``col``); False written as None (only truthiness
  is read); ``t``'s default (only compared with "s" and "e").
- ``_inflates_past_declared``: the read and inflate step sizes (65536, 1 << 20: memory per step, not
  the answer); ``left >= 0`` / ``> 1`` and ``break`` as ``return`` at the data's end (a bomb overshoots
  its declared size by far more than the last byte).
- ``_wan``: the 万 threshold (100,000): called only with counts past 2,000,000.
- ``error_cells``: sheet names looked up when there are no error cells (speed only).
- ``_is_encrypted_cfb``: the stream names' case (olefile matches names without regard to case); the
  fallback's 64 KB (a compound file's directory lies in its first sectors).
- ``open_checked_document``: ``fh.seek(1)`` before ``is_zipfile``/``ZipFile`` (both find the end
  record from the file's end).
- ``_chunk_parts``: a missing Target or Type read as "XXXX" instead of "" (neither names a member nor
  ends with /aFChunk); ``lstrip("XX/XX")`` (differs only for a chunk stored in a folder whose name
  starts with X).
"""

from __future__ import annotations

import io
import sys
import zipfile
from pathlib import Path

import pytest

from xlperf.errors import ReadError
from xlperf.sources import gate
from xlperf.sources.gate import SheetExtent, error_cells, open_checked, open_checked_document

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
SHEET = "xl/worksheets/sheet1.xml"
TYPES = b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'


def ws(rows: bytes, before: bytes = b"", after: bytes = b"") -> bytes:
    """A worksheet part holding ``rows`` in its sheetData (and ``before``/``after`` it)."""
    return b'<worksheet xmlns="%s">%s<sheetData>%s</sheetData>%s</worksheet>' % (
        NS.encode(),
        before,
        rows,
        after,
    )


def book(
    path: Path,
    sheets: dict[str, bytes],
    sst: bytes | None = None,
    extra: dict[str, bytes] | None = None,
    listed: int | None = None,
) -> Path:
    """A workbook written by hand: sheet name -> worksheet XML (the first ``listed`` of them in
    workbook.xml, all by default), a shared-strings part, other members."""
    listed = len(sheets) if listed is None else listed
    entries = b"".join(
        b'<sheet name="%s" sheetId="%d" r:id="rId%d"/>' % (name.encode(), i, i)
        for i, name in enumerate(list(sheets)[:listed], 1)
    )
    rels = b"".join(
        b'<Relationship Id="rId%d" Type="%s/worksheet" Target="worksheets/sheet%d.xml"/>'
        % (i, R_NS.encode(), i)
        for i in range(1, listed + 1)
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", TYPES)
        z.writestr("xl/workbook.xml", b'<workbook xmlns="%s" xmlns:r="%s"><sheets>%s</sheets></workbook>'
                   % (NS.encode(), R_NS.encode(), entries))  # fmt: skip
        z.writestr(
            "xl/_rels/workbook.xml.rels",
            b'<Relationships xmlns="%s">%s</Relationships>' % (PKG_RELS.encode(), rels),
        )
        for i, data in enumerate(sheets.values(), 1):
            z.writestr(f"xl/worksheets/sheet{i}.xml", data)
        if sst is not None:
            z.writestr("xl/sharedStrings.xml", sst)
        for name, data in (extra or {}).items():
            z.writestr(name, data)
    return path


def one_sheet(tmp_path: Path, rows: bytes, **kw) -> Path:
    return book(tmp_path / "单位.xlsx", {"表1": ws(rows, **kw)})


def refused(path: Path) -> str:
    with pytest.raises(ReadError) as exc:
        open_checked(path)
    return str(exc.value)


def extent(path: Path) -> SheetExtent:
    pkg = open_checked(path)
    assert SHEET not in pkg.plain  # (measured exactly: the fast check did not vouch for it)
    return pkg.extents[SHEET]


FAR = "工作表“表1”的内容延伸到 {} 单元格，远在自评表范围之外（读取需要 {} 行 × {} 列，约 {}个单元格，上限 200 万个）；请删除该处及表格以外的内容后重新报送"


# --- how far a sheet reaches, measured exactly (cells placed as python-calamine places them) ----------


def test_a_far_inline_string_is_refused_by_the_gate_itself(tmp_path):
    """A value typed as an inline string (<is>, as scripts write text) far away: the gate refuses it,
    before python-calamine would try to allocate its grid (and abort the process)."""
    path = one_sheet(tmp_path, b'<row r="5000"><c r="XFD5000" t="inlineStr"><is><t>x</t></is></c></row>')
    assert refused(path) == FAR.format("XFD5000", 5000, 16384, "8,192 万")


def test_a_far_cell_written_with_a_prefix_is_refused(tmp_path):
    """<x:c> and <x:sheetData> (the OpenXML SDK's way) are cells as python-calamine reads them."""
    data = (
        b'<x:worksheet xmlns:x="%s"><x:sheetData><x:row r="5000"><x:c r="XFD5000"><x:v>1</x:v></x:c>'
        b"</x:row></x:sheetData></x:worksheet>" % NS.encode()
    )
    assert refused(book(tmp_path / "前缀.xlsx", {"表1": data})) == FAR.format(
        "XFD5000", 5000, 16384, "8,192 万"
    )


def test_the_farthest_value_named_is_the_first_that_reaches_the_extent(tmp_path):
    """The reason names the first value in the document that reaches the sheet's last row (or column),
    whichever overshoots the form more."""
    rows = b'<row r="100000"><c r="A100000"><v>1</v></c><c r="Z100000"><v>2</v></c></row>'
    assert refused(one_sheet(tmp_path, rows)) == FAR.format("A100000", 100000, 26, "260 万")
    cols = b'<row r="1"><c r="XFD1"><v>1</v></c></row><row r="200"><c r="XFD200"><v>2</v></c></row>'
    assert refused(book(tmp_path / "列.xlsx", {"表1": ws(cols)})) == FAR.format("XFD1", 200, 16384, "328 万")


def test_cells_and_rows_without_an_address_are_placed_by_counting(tmp_path):
    """No ``r``: a row follows the row before it, a cell the cell before it (the first at A), a cell after
    an addressed one in the column after it."""
    rows = (
        b"<row><c><v>1</v></c><c><v>2</v></c></row>"  # A1 B1
        b'<row r="5"><c r="D5"><v>3</v></c><c><v>4</v></c></row>'  # D5 E5
        b"<row><c><v>5</v></c><c/><c/><c/><c/><c><v>6</v></c></row>"  # A6 F6
    )
    assert extent(one_sheet(tmp_path, rows)) == SheetExtent(6, 6, True, "F6")


def test_only_values_count_and_a_sheet_without_any_has_no_extent(tmp_path):
    """Formatted cells and empty <v> hold no value: a sheet of only those is empty (0 × 0)."""
    rows = b'<row><c s="1"/><c r="C3"><v></v></c><c r="XFD9"><v> </v></c></row>'
    assert extent(one_sheet(tmp_path, rows)) == SheetExtent(0, 0, True)


def test_a_value_in_the_first_cell_is_one_by_one(tmp_path):
    assert extent(one_sheet(tmp_path, b"<row><c><v>1</v></c></row>")) == SheetExtent(1, 1, True, "A1")


def test_cells_outside_sheet_data_are_no_cells(tmp_path):
    """Cell-like elements before and after sheetData (an extension's own markup) are not read by
    python-calamine: a good file holding them is read, its extent that of its real cells."""
    fake = b'<extLst><ext uri="x"><c r="XFD1000000"><v>1</v></c></ext></extLst>'
    rows = b'<row r="2"><c r="AB2"><v>1</v></c></row>'
    path = book(tmp_path / "扩展.xlsx", {"表1": ws(rows, before=fake, after=fake)})
    assert extent(path) == SheetExtent(2, 28, True, "AB2")


def test_on_a_tie_the_farthest_value_is_the_one_down_the_rows(tmp_path):
    """A sheet overshooting the form's rows and columns alike (990 = 10 × 99 rows, IZ = 10 × 26 columns)
    names the value that sets its rows."""
    rows = b'<row r="1"><c r="IZ1"><v>1</v></c></row><row r="990"><c r="A990"><v>2</v></c></row>'
    assert extent(one_sheet(tmp_path, rows)) == SheetExtent(990, 260, True, "A990")


def test_a_worksheet_whose_xml_is_cut_short_is_refused(tmp_path):
    """A sheet measured exactly (its cells carry no address) whose XML ends before its elements close."""
    data = ws(b"<row><c><v>1</v></c></row>")
    path = book(tmp_path / "截断.xlsx", {"表1": data[: data.index(b"</sheetData>")]})
    assert refused(path).startswith("文件已损坏（工作表 XML 无效：no element found")


@pytest.mark.parametrize(
    ("cell", "reason"),
    [
        (b'<row r="-1"><c><v>1</v></c></row>', "文件已损坏（行号无效），无法读取"),
        (b'<row r="1"><c r="A-1"><v>1</v></c></row>', "文件已损坏（单元格地址无效），无法读取"),
        (
            b'<row r="1"><c r="A1048577"><v>1</v></c></row>',
            "文件已损坏（单元格地址超出 Excel 的范围），无法读取",
        ),
        (b'<row r="1"><c r="XFE1"><v>1</v></c></row>', "文件已损坏（单元格地址超出 Excel 的范围），无法读取"),
        (b'<row r="1"><c r="A0"><v>1</v></c></row>', "文件已损坏（单元格地址超出 Excel 的范围），无法读取"),
    ],
)
def test_addresses_excel_cannot_have_are_refused(tmp_path, cell, reason):
    assert refused(one_sheet(tmp_path, cell)) == reason


def test_excels_last_cell_is_an_address_like_any_other(tmp_path):
    """XFD1048576 is in Excel's range: refused for its extent, not as a damaged address."""
    path = one_sheet(tmp_path, b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>')
    assert refused(path) == FAR.format("XFD1048576", 1048576, 16384, "1,717,987 万")


def test_error_cells_found_by_the_exact_scan(tmp_path):
    """Error cells (python-calamine reads them as ""), 0-based, with their text as the sheet has it:
    written in pieces, after a cell with a value, without a value (#VALUE!), with two values (the last)."""
    rows = (
        b'<row r="1"><c r="A1" t="e"><f>1/0</f></c>'  # no cached value, the formula's text is none
        b'<c r="B1" t="e"><v>#DIV&#47;0!</v></c>'  # a character reference splits the text
        b'<c r="C1"><v>7</v></c><c r="D1" t="e"/>'
        b'<c r="E1" t="e"><v>#N/A</v><v>#REF!</v></c><c r="F1" t="e"><f>X()</f></c></row>'
        b'<row r="1000"><c r="A1000"><v>1</v></c></row>'  # (past the fast check's boxes)
    )
    path = one_sheet(tmp_path, rows)
    want = [(0, 0, "#VALUE!"), (0, 1, "#DIV/0!"), (0, 3, "#VALUE!"), (0, 4, "#REF!"), (0, 5, "#VALUE!")]
    assert open_checked(path).errors == {SHEET: want}
    assert error_cells(path) == {"表1": want}


def test_error_cells_by_sheet_name_and_of_a_part_no_sheet_names(tmp_path):
    """error_cells: by the sheet's name (a path or the checked package), only the parts asked for; a
    worksheet part the workbook does not list is named by its part."""
    err = ws(b'<row r="1000"><c r="A1000" t="e"><v>#N/A</v></c></row>')
    path = book(tmp_path / "错误.xlsx", {"表1": err, "未列出": err}, listed=1)
    pkg = open_checked(path)
    both = {"表1": [(999, 0, "#N/A")], "xl/worksheets/sheet2.xml": [(999, 0, "#N/A")]}
    assert error_cells(path) == error_cells(pkg) == both
    assert error_cells(pkg, {SHEET}) == {"表1": [(999, 0, "#N/A")]}
    assert error_cells(pkg, set()) == {}


def test_shared_strings_a_sheet_references_are_counted_once_per_cell(tmp_path):
    """The text a sheet's cells reference (the amplification check's measure): each shared-string cell
    adds its string (markup included), numbers and indexes past the table add nothing."""
    sst = b'<sst xmlns="%s"><si><t>\xe7\x94\xb2</t></si><si><t>%s</t></si></sst>' % (
        NS.encode(),
        ("乙" * 4).encode(),
    )
    second = len(b"<t>" + "乙".encode() * 4 + b"</t></si></sst>")
    rows = (
        b'<row r="1"><c r="A1" t="s"><v>1</v></c><c r="B1"><v>0</v></c><c r="C1" t="s"><v>2</v></c>'
        b'<c r="D1" t="s"><v>x</v></c><c r="E1" t="s"><v>1</v></c><c r="F1" t="s"><v>&#49;</v></c></row>'
        b'<row r="1000"><c r="A1000"><v>1</v></c></row>'
    )
    path = book(tmp_path / "共享.xlsx", {"表1": ws(rows)}, sst=sst)
    assert open_checked(path).extents[SHEET] == SheetExtent(1000, 6, True, "A1000", 3 * second)


# --- Word reports ----------------------------------------------------------------------------------

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
CHUNK = R_NS + "/aFChunk"


def docx(
    path: Path, rels: bytes, members: dict[str, bytes] | None = None, first: dict[str, bytes] | None = None
):
    """A Word document written by hand: the document's relationships and other members (``first``:
    before the document's parts)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in (first or {}).items():
            z.writestr(name, data)
        z.writestr("[Content_Types].xml", TYPES)
        z.writestr("word/document.xml", b'<w:document xmlns:w="%s"><w:body/></w:document>' % W_NS.encode())
        z.writestr(
            "word/_rels/document.xml.rels",
            b'<Relationships xmlns="%s">%s</Relationships>' % (PKG_RELS.encode(), rels),
        )
        for name, data in (members or {}).items():
            z.writestr(name, data)
    return path


def rel(n: int, target: str, kind: str = CHUNK, mode: str = "") -> bytes:
    extra = f' TargetMode="{mode}"' if mode else ""
    return f'<Relationship Id="rId{n}" Type="{kind}" Target="{target}"{extra}/>'.encode()


def test_a_reports_pasted_chunks_are_read_with_it_and_nothing_else(tmp_path):
    """The alternative-format chunks (a web page pasted into the report) are read with the XML parts:
    by a relative or an absolute target, whatever they are called; not a relationship of another kind,
    an external one, one without a target or to a member the package lacks, nor one a part that is no
    relationships part names."""
    rels = (
        rel(1, "http://example.com/x.htm", mode="External")
        + rel(2, "media/image1.png", kind=R_NS + "/image")
        + rel(3, "missing.htm")
        + b'<Relationship Id="rId7" Type="%s"/>' % CHUNK.encode()
        + rel(4, "chunk1.mht")
        + rel(5, "/word/chunk2.htm")
        + rel(6, "styles.xml")  # an XML part: read once, as such
    )
    lookalike = b'<Relationships xmlns="%s">%s</Relationships>' % (
        PKG_RELS.encode(),
        rel(1, "word/media/secret.bin"),
    )
    path = docx(
        tmp_path / "报告.docx",
        rels,
        {
            "word/chunk1.mht": b"MIME-Version: 1.0\r\n\r\n<html>1</html>",
            "word/chunk2.htm": b"<html>2</html>",
            "word/http:/example.com/x.htm": b"not read",
            "word/media/image1.png": b"\x89PNG",
            "word/media/secret.bin": b"not read",
            "word/styles.xml": b"<w:styles/>",
            "customXml/item1.xml": lookalike,  # names an aFChunk, but is no .rels part
        },
        first={
            "_rels/.rels": b'<Relationships xmlns="%s"/>' % PKG_RELS.encode(),
            "word/_rels/broken.xml.rels": b"<Relationships aFChunk",
        },  # fmt: skip
    )
    parts = open_checked_document(path)
    assert parts["word/chunk1.mht"] == b"MIME-Version: 1.0\r\n\r\n<html>1</html>"
    assert parts["word/chunk2.htm"] == b"<html>2</html>"
    assert sorted(parts) == sorted(
        ["_rels/.rels", "word/_rels/broken.xml.rels", "[Content_Types].xml", "word/document.xml",
         "word/_rels/document.xml.rels", "word/styles.xml", "customXml/item1.xml", "word/chunk1.mht",
         "word/chunk2.htm"]
    )  # fmt: skip


def test_a_report_whose_chunks_pass_the_size_limit_is_refused_and_one_at_it_read(tmp_path, monkeypatch):
    """The XML parts and the chunks together are held to MAX_DOCUMENT_XML (an XML part a chunk
    relationship names counted once)."""
    monkeypatch.setattr(gate, "MAX_DOCUMENT_XML", 1 << 20)
    rels = rel(1, "afchunk.htm") + rel(2, "styles.xml")
    members = {"word/styles.xml": b"<w:styles/>"}
    path = docx(tmp_path / "x.docx", rels, members)
    xml_size = sum(len(d) for n, d in open_checked_document(path).items())
    chunk = bytes(i % 251 for i in range((1 << 20) - xml_size))
    at_limit = docx(tmp_path / "恰好.docx", rels, {**members, "word/afchunk.htm": chunk})
    assert len(open_checked_document(at_limit)["word/afchunk.htm"]) == len(chunk)
    over = docx(tmp_path / "超过.docx", rels, {**members, "word/afchunk.htm": chunk + b"x"})
    with pytest.raises(ReadError) as exc:
        open_checked_document(over)
    assert str(exc.value) == "文档内容过大（嵌入内容解压后超过 1 MB），请另存为 .docx 后报送"


def test_a_report_whose_xml_passes_the_size_limit_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(gate, "MAX_DOCUMENT_XML", 1 << 20)
    body = b"".join(b"<w:p><w:r><w:t>%d</w:t></w:r></w:p>" % i for i in range(40_000))  # 1.3 MB
    path = docx(tmp_path / "大.docx", b"", {"word/footnotes.xml": b"<w:footnotes>%s</w:footnotes>" % body})
    assert _refused_document(path) == "文档内容过大（解压后 1 MB），请把自评表复制到新文档后报送"


def test_a_report_whose_chunk_claims_more_than_64_mb_is_refused_before_inflating(tmp_path):
    """The real limit: a chunk that declares 64 MB (a compression ratio under the bomb check's) is
    refused by its declared size, without inflating it."""
    import random

    from corpus import lie_about_size

    rng = random.Random(3)
    payload = bytes(rng.getrandbits(8) for _ in range(340_000))
    path = docx(tmp_path / "x.docx", rel(1, "afchunk.htm"), {"word/afchunk.htm": payload})
    xml_size = sum(len(d) for n, d in open_checked_document(path).items()) - len(payload)
    limit = 64 * 1024 * 1024
    path.write_bytes(lie_about_size(path.read_bytes(), "word/afchunk.htm", limit - xml_size + 1))
    with pytest.raises(ReadError) as exc:
        open_checked_document(path)
    assert str(exc.value) == "文档内容过大（嵌入内容解压后超过 64 MB），请另存为 .docx 后报送"


def _refused_document(path) -> str:
    with pytest.raises(ReadError) as exc:
        open_checked_document(path)
    return str(exc.value)


def test_what_is_not_a_readable_word_document_is_refused_with_its_reason(tmp_path):
    from xlperf.sources.gate import NOT_DOCX

    assert _refused_document(tmp_path / "没有.docx") == f"文件不存在：{tmp_path / '没有.docx'}"
    (tmp_path / "文件夹.docx").mkdir()
    assert (
        _refused_document(tmp_path / "文件夹.docx")
        == f"这是文件夹，不是 Word 文档：{tmp_path / '文件夹.docx'}"
    )
    empty = tmp_path / "空.docx"
    empty.write_bytes(b"")
    assert _refused_document(empty) == "文件是空的（0 字节）"
    one = tmp_path / "一个字节.docx"
    one.write_bytes(b"P")
    assert _refused_document(one) == "文件已损坏或不是 Word 文档（不是有效的 docx 压缩包）"
    legacy = tmp_path / "旧版.docx"
    legacy.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    assert _refused_document(legacy) == NOT_DOCX
    text = tmp_path / "文本.docx"
    text.write_bytes("这不是文档".encode() * 20)
    assert _refused_document(text) == "文件已损坏或不是 Word 文档（不是有效的 docx 压缩包）"
    for name, members in (
        ("没有类型.docx", ["word/document.xml"]),
        ("没有正文.docx", ["[Content_Types].xml"]),
    ):
        with zipfile.ZipFile(tmp_path / name, "w") as z:
            for m in members:
                z.writestr(m, b"<x/>")
        assert _refused_document(tmp_path / name) == "文件不是 Word 文档（缺少文档内容）"
    good = docx(tmp_path / "好.docx", b"")
    cut = tmp_path / "目录损坏.docx"
    cut.write_bytes(good.read_bytes().replace(b"PK\x01\x02", b"PK\x01\x03", 1))  # a central directory entry
    assert _refused_document(cut).startswith("文件已损坏（压缩包不完整）：")


def test_an_encrypted_report_is_refused_for_its_password(tmp_path):
    pytest.importorskip("msoffcrypto")
    from msoffcrypto.format.ooxml import OOXMLFile

    good = docx(tmp_path / "好.docx", b"")
    out = io.BytesIO()
    OOXMLFile(io.BytesIO(good.read_bytes())).encrypt("密码123", out)
    locked = tmp_path / "加密.docx"
    locked.write_bytes(out.getvalue())
    assert _refused_document(locked) == "文档设置了打开密码，请去掉密码后再报送"


def test_a_report_that_cannot_be_read_says_so(tmp_path, monkeypatch):
    """No permission to read it, or a member whose data is damaged."""
    good = docx(tmp_path / "好.docx", b"")

    def denied(*a, **k):
        raise PermissionError(13, "Permission denied")

    with monkeypatch.context() as m:
        m.setattr(Path, "open", denied)
        assert _refused_document(good) == "没有读取该文件的权限"
    data = bytearray(good.read_bytes())
    with zipfile.ZipFile(good) as z:
        info = z.getinfo("word/document.xml")
    at = info.header_offset + 30 + len(info.filename) + len(info.extra)
    data[at] = 0x07  # a deflate block of the reserved type
    bad = tmp_path / "坏.docx"
    bad.write_bytes(bytes(data))
    assert _refused_document(bad).startswith("文件已损坏，无法读取：")


def test_a_report_holding_a_zip_bomb_is_refused(tmp_path):
    """The zip-bomb checks a workbook passes, for a Word document too: a member inflating past what it
    declares (not an XML part: only inflating its raw data shows it)."""
    path = docx(tmp_path / "炸弹.docx", b"", {"word/media/image1.bin": _bomb_payload()})
    _lie(path, "word/media/image1.bin")
    assert _refused_document(path) == "压缩包数据异常（解压后大于声明大小），疑似压缩炸弹，已拒绝读取"


# --- members that inflate past what they declare ---------------------------------------------------


def _bomb_payload() -> bytes:
    """300 KB that do not compress, then 3 MB of zeros: the package's compressed data is large enough
    (x 1032 past the declared cap) for the gate to inflate its raw members."""
    import random

    rng = random.Random(7)
    return bytes(rng.getrandbits(8) for _ in range(300_000)) + bytes(3 << 20)


def _lie(path: Path, member: str) -> None:
    """The member declares 1 MB (a compression ratio and sizes that pass the other checks)."""
    from corpus import lie_about_size

    path.write_bytes(lie_about_size(path.read_bytes(), member, 1 << 20))


def test_a_binary_member_that_inflates_past_its_declared_size_is_refused(tmp_path):
    """A printer-settings or image member is never read by the readers, but a zip bomb all the same."""
    bomb = _bomb_payload()
    path = book(
        tmp_path / "炸弹.xlsx", {"表1": ws(b"")}, extra={"xl/printerSettings/printerSettings1.bin": bomb}
    )
    _lie(path, "xl/printerSettings/printerSettings1.bin")
    assert refused(path) == "压缩包数据异常（解压后大于声明大小），疑似压缩炸弹，已拒绝读取"
    honest = book(
        tmp_path / "诚实.xlsx", {"表1": ws(b"")}, extra={"xl/printerSettings/printerSettings1.bin": bomb}
    )
    assert open_checked(honest).extents == {SHEET: SheetExtent(99, 26)}


# --- encrypted workbooks ---------------------------------------------------------------------------


def _encrypted(tmp_path: Path) -> bytes:
    pytest.importorskip("msoffcrypto")
    from msoffcrypto.format.ooxml import OOXMLFile

    out = io.BytesIO()
    OOXMLFile(io.BytesIO(book(tmp_path / "明文.xlsx", {"表1": ws(b"")}).read_bytes())).encrypt("密码123", out)
    return out.getvalue()


def test_an_encrypted_workbook_is_told_without_olefile(tmp_path, monkeypatch):
    """Where olefile is not installed the compound file's directory is searched for the stream's name."""
    path = tmp_path / "加密.xlsx"
    path.write_bytes(_encrypted(tmp_path))
    monkeypatch.setitem(sys.modules, "olefile", None)  # (import olefile raises ImportError)
    assert refused(path) == "工作簿设置了打开密码，请去掉密码后再报送"


def test_an_old_xls_that_mentions_encryption_is_no_encrypted_workbook(tmp_path):
    """A compound file whose directory has no encryption streams, whatever its data says (a cell
    holding the words EncryptedPackage): an old .xls renamed, not a password."""
    data = bytearray(_encrypted(tmp_path))
    for name in ("EncryptedPackage", "EncryptionInfo"):
        at = data.find(name.encode("utf-16-le"))
        data[at : at + 2] = b"Z\x00"  # the streams renamed in the directory
    at = data.find(b"<encryption ")
    data[at : at + 32] = "EncryptedPackage".encode("utf-16-le")  # the words, in a stream's data
    path = tmp_path / "旧版.xlsx"
    path.write_bytes(bytes(data))
    assert refused(path) == "文件内容不是 xlsx 格式（可能是改了扩展名的 .xls 文件），请用 Excel 另存为 .xlsx"


@pytest.mark.parametrize("kept", ["EncryptedPackage", "EncryptionInfo"])
def test_either_encryption_stream_marks_an_encrypted_workbook(tmp_path, kept):
    """A compound file holding one of the two streams an encrypted package has (the other damaged or
    missing): still a password-protected workbook, not an old .xls."""
    data = bytearray(_encrypted(tmp_path))
    gone = ({"EncryptedPackage", "EncryptionInfo"} - {kept}).pop()
    at = data.find(gone.encode("utf-16-le"))
    data[at : at + 2] = b"Z\x00"
    path = tmp_path / "加密.xlsx"
    path.write_bytes(bytes(data))
    assert refused(path) == "工作簿设置了打开密码，请去掉密码后再报送"
