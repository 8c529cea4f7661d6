"""The hostile corpus: the odd files a new user's folder holds, generated here (not stored), each named
by what is odd about it and told what xlperf must do with it.

:data:`CASES` holds the first corpus (broken, encrypted, zip bombs, entity attacks, …) and the second
(issue 9: a value far away, cells placed by counters, a second ``r`` attribute, prefixed elements, a
lying ``<dimension>``, shared-string amplification, .ods/.xls, control characters, NaN and 1e308).
Each builder writes one file from the bytes of a good generated unit workbook.
"""

from __future__ import annotations

import io
import os
import random
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

READ, REFUSED, SKIPPED = "read", "refused", "skipped"
FORM_SHEET = "xl/worksheets/sheet3.xml"  # 自评表1 of a generated unit workbook


@dataclass(frozen=True)
class Case:
    """One hostile file: ``outcome`` READ (its rows are in the summary), REFUSED (无法读取, with a
    reason holding every one of ``words``) or SKIPPED (已跳过 without being opened, by its name)."""

    name: str
    build: Callable[[Path, bytes], None]
    outcome: str
    words: tuple[str, ...] = ()
    shown: str | None = None  # how xlperf must show the name, where not as it is (written by hand)


def rezip(
    src: bytes, change: Callable[[str, bytes], bytes | None], add: dict[str, bytes] | None = None
) -> bytes:
    """A copy of an xlsx package with ``change(name, data)`` applied to each member (None drops it)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(src)) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = change(info.filename, zin.read(info.filename))
            if data is not None:
                zout.writestr(info.filename, data)
        for name, data in (add or {}).items():
            zout.writestr(name, data)
    return out.getvalue()


def _in_form(xml: bytes, before: bytes = b"</sheetData>") -> Callable[[str, bytes], bytes]:
    def change(name: str, data: bytes) -> bytes:
        return data.replace(before, xml + before, 1) if name == FORM_SHEET else data

    return change


def _writer(xml: bytes, before: bytes = b"</sheetData>") -> Callable[[Path, bytes], None]:
    return lambda path, good: path.write_bytes(rezip(good, _in_form(xml, before)))


def with_sheet(good: bytes, name: str, sheet_xml: bytes, sst: bytes | None = None) -> bytes:
    """``good`` with one more worksheet (and optionally a shared-strings part replacing its own)."""
    rel = b'<Relationship Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="/xl/worksheets/sheet99.xml" Id="rId99"/>'
    sst_rel = b'<Relationship Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="/xl/sharedStrings.xml" Id="rId98"/>'
    ct = b'<Override PartName="/xl/worksheets/sheet99.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    sst_ct = b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
    sheet = (
        b'<sheet xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" name="'
        + name.encode()
        + b'" sheetId="99" state="visible" r:id="rId99"/>'
    )

    def change(member: str, data: bytes) -> bytes | None:
        if member == "xl/workbook.xml":
            return data.replace(b"</sheets>", sheet + b"</sheets>")
        if member == "xl/_rels/workbook.xml.rels":
            return data.replace(b"</Relationships>", rel + (sst_rel if sst else b"") + b"</Relationships>")
        if member == "[Content_Types].xml":
            return data.replace(b"</Types>", ct + (sst_ct if sst else b"") + b"</Types>")
        if member == "xl/sharedStrings.xml" and sst:
            return None
        return data

    add = {"xl/worksheets/sheet99.xml": sheet_xml}
    if sst:
        add["xl/sharedStrings.xml"] = sst
    return rezip(good, change, add)


_WS = b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'


def _long_list(path: Path, good: bytes) -> None:
    """A unit's own extra sheet: a 3,000-row, 20-column list (rows past the fast check's box)."""
    rows = b"".join(
        b'<row r="%d">' % r
        + b"".join(b'<c r="%s%d"><v>%d</v></c>' % (c.encode(), r, r) for c in "ABCDEFGHIJKLMNOPQRST")
        + b"</row>"
        for r in range(1, 3001)
    )
    path.write_bytes(with_sheet(good, "附表明细", _WS + rows + b"</sheetData></worksheet>"))


def _amplified(path: Path, good: bytes) -> None:
    """One 30,000-character shared string referenced by 100,000 cells: 9 GB of copies in a reader."""
    sst = (
        b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1">'
        b"<si><t>" + "长".encode() * 30_000 + b"</t></si></sst>"
    )
    rows = b"".join(b'<row r="%d"><c r="A%d" t="s"><v>0</v></c></row>' % (r, r) for r in range(1, 100_001))
    path.write_bytes(with_sheet(good, "放大", _WS + rows + b"</sheetData></worksheet>", sst))


def _lying_dimension(path: Path, good: bytes) -> None:
    """The sheet claims A1:XFD1048576 (openpyxl would pad every row to 16,384 cells)."""

    def change(name: str, data: bytes) -> bytes:
        if name == FORM_SHEET:
            start = data.index(b"<dimension ")
            end = data.index(b"/>", start) + 2
            return data[:start] + b'<dimension ref="A1:XFD1048576"/>' + data[end:]
        return data

    path.write_bytes(rezip(good, change))


def _ods(path: Path, good: bytes) -> None:
    """An OpenDocument spreadsheet (LibreOffice's own format), whatever the file is called."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr(
            "content.xml",
            '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"/>',
        )
        z.writestr("META-INF/manifest.xml", "<manifest/>")
    path.write_bytes(out.getvalue())


def _xls(path: Path, good: bytes) -> None:
    """A compound file as an old .xls is (header only: xlperf must not try to read it)."""
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 4088)


def _control_characters(path: Path, good: bytes) -> None:
    """A bell and a form feed pasted into the unit's name, a project name that looks like a formula."""

    def change(name: str, data: bytes) -> bytes:
        if name == "xl/worksheets/sheet1.xml":  # 单位信息
            return data.replace(
                b"<t>\xe6\xb5\x8b\xe8\xaf\x95", b"<t>_x0007_\xe6\xb5\x8b\xe8\xaf\x95_x000C_", 1
            )
        if name == FORM_SHEET:
            i = data.index(b'<c r="B4"')
            j = data.index(b"<t>", i) + 3
            return data[:j] + b"=HYPERLINK(&quot;x&quot;)" + data[j:]
        return data

    path.write_bytes(rezip(good, change))


def _nan_and_huge(path: Path, good: bytes) -> None:
    """A raw NaN in a numeric cell and 1e308 as an amount (scripts write both)."""
    path.write_bytes(
        rezip(good, _in_form(b'<row r="60"><c r="A60"><v>NaN</v></c><c r="B60"><v>1e308</v></c></row>'))
    )


# --- the first corpus -----------------------------------------------------------------------------

BILLION_LAUGHS = (
    b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(
        b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
        for i in range(1, 10)
    )
    + b"]>\n"
)


def entity_attack(name: str, data: bytes) -> bytes:
    if name == FORM_SHEET:
        body = data.split(b"?>", 1)[-1] if data.startswith(b"<?xml") else data
        return BILLION_LAUGHS + body.replace(
            b"<sheetData>",
            b'<sheetData><row r="99"><c r="A99" t="inlineStr"><is><t>&lol9;</t></is></c></row>',
            1,
        )
    return data


def zip_bomb_big(path: Path, good: bytes = b"") -> None:
    """A small file whose sheet expands to 300 MB (declared honestly)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook/>")
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as f:
            chunk = b" " * (1 << 20)
            for _ in range(300):
                f.write(chunk)


def lie_about_size(pkg: bytes, member: str, fake: int) -> bytes:
    """Patch a member's uncompressed size in its local header and in the central directory."""
    buf = bytearray(pkg)
    with zipfile.ZipFile(io.BytesIO(pkg)) as z:
        info = z.getinfo(member)
    real = info.file_size.to_bytes(4, "little")
    loc = info.header_offset
    assert buf[loc + 22 : loc + 26] == real
    buf[loc + 22 : loc + 26] = fake.to_bytes(4, "little")
    i = buf.find(b"PK\x01\x02")
    while i != -1:
        n = int.from_bytes(buf[i + 28 : i + 30], "little")
        if bytes(buf[i + 46 : i + 46 + n]) == member.encode():
            buf[i + 24 : i + 28] = fake.to_bytes(4, "little")
            break
        i = buf.find(b"PK\x01\x02", i + 4)
    return bytes(buf)


def zip_bomb_lying(path: Path, good: bytes) -> None:
    """A file that claims a 1000-byte sheet whose data inflates to 40 MB (caught from the sizes alone)."""
    payload = b"<worksheet>" + b" " * (40 << 20) + b"</worksheet>"
    pkg = rezip(good, lambda n, d: payload if n == FORM_SHEET else d)
    path.write_bytes(lie_about_size(pkg, FORM_SHEET, 1000))


def zip_bomb_plausible_lie(path: Path, good: bytes) -> None:
    """A subtler lie: the declared size is plausible for the compressed size (so only inflating the raw
    data shows that it expands further)."""
    rng = random.Random(5)
    payload = bytes(rng.choice(b"ab ") for _ in range(1_500_000))
    pkg = rezip(good, lambda n, d: payload if n == FORM_SHEET else d)
    with zipfile.ZipFile(io.BytesIO(pkg)) as z:
        csize = z.getinfo(FORM_SHEET).compress_size
    assert csize * 1032 > 256 * 1024 * 1024
    path.write_bytes(lie_about_size(pkg, FORM_SHEET, int(csize * 1.05)))


def partial_form(path: Path, good: bytes = b"") -> None:
    """A workbook with a project sheet that has only some fields: no indicator table, no 总分."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "单位信息"
    ws.append(["单位名称", "部分字段单位"])
    ws2 = wb.create_sheet("自评表1")
    ws2.append(["项目支出绩效自评表"])
    ws2.append(["项目名称", "只有资金的项目"])
    ws2.append([None, "预算安排情况（调整后）", None, "资金到位情况", None, "资金执行情况"])
    ws2.append([None, "预算数：", 10, "到位数：", 10, "执行数：", 8])
    wb.save(path)


def other_form(path: Path, good: bytes = b"") -> None:
    import openpyxl

    wb = openpyxl.Workbook()
    wb.active.append(["姓名", "工资"])
    wb.active.append(["张三", 5000])
    wb.save(path)


def encrypted(path: Path, good: bytes) -> None:
    from msoffcrypto.format.ooxml import OOXMLFile

    out = io.BytesIO()
    OOXMLFile(io.BytesIO(good)).encrypt("密码123", out)
    path.write_bytes(out.getvalue())


_FAR = b'<row r="%d"><c r="%s" t="inlineStr"><is><t>x</t></is></c></row>'
CASES: tuple[Case, ...] = (
    # the first corpus
    Case("截断.xlsx", lambda p, g: p.write_bytes(g[: len(g) // 2]), REFUSED, ("损坏",)),
    Case(
        "改了扩展名.xlsx",
        lambda p, g: p.write_bytes("这是一个文本文件。\n".encode() * 50),
        REFUSED,
        ("不是",),
    ),
    Case("空文件.xlsx", lambda p, g: p.write_bytes(b""), REFUSED, ("空",)),
    Case("加密.xlsx", encrypted, REFUSED, ("密码",)),
    Case("其他表样.xlsx", other_form, REFUSED, ("没有找到项目支出绩效自评表",)),
    Case("部分字段.xlsx", partial_form, READ),
    Case("压缩炸弹.xlsx", zip_bomb_big, REFUSED, ("压缩炸弹",)),
    Case("谎报大小.xlsx", zip_bomb_lying, REFUSED, ("声明大小",)),
    Case("谎报大小2.xlsx", zip_bomb_plausible_lie, REFUSED, ("大于声明大小",)),
    Case("实体攻击.xlsx", lambda p, g: p.write_bytes(rezip(g, entity_attack)), REFUSED, ("实体",)),
    Case("~$锁定文件.xlsx", lambda p, g: p.write_bytes(b"\x00" * 165), SKIPPED, ("锁定",)),
    # the second corpus (issue 9)
    Case(
        "远处单元格XFD1048576.xlsx", _writer(_FAR % (1048576, b"XFD1048576")), REFUSED, ("XFD1048576", "删除")
    ),
    Case("远处单元格XFD5000.xlsx", _writer(_FAR % (5000, b"XFD5000")), REFUSED, ("XFD5000", "删除")),
    Case(
        "无地址单元格按顺序排到远处.xlsx",
        _writer(b'<row r="3000">' + b"<c></c>" * 3000 + b"<c><v>1</v></c></row>"),
        REFUSED,
        ("远在自评表范围之外",),
    ),
    Case(
        "同一单元格两个地址.xlsx",
        _writer(b'<row r="40"><c r="A40" r="XFD40"><v>1</v></c></row>'),
        REFUSED,
        ("损坏",),
    ),
    Case("远处只有格式的空单元格.xlsx", _writer(b'<row r="900000"><c r="XFD900000" s="1"/></row>'), READ),
    Case(
        "带前缀的单元格元素.xlsx",
        _writer(
            b'<row r="40"><x:c xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main" r="AB40">'
            b"<x:v>1</x:v></x:c></row>"
        ),
        READ,
    ),
    Case("单引号与空格的属性.xlsx", _writer(b"<row r='41'><c  r = 'AC41'><v>2</v></c></row>"), READ),
    Case("声明范围虚大.xlsx", _lying_dimension, READ),
    Case("附加三千行清单.xlsx", _long_list, READ),
    Case("共享字符串放大.xlsx", _amplified, REFUSED, ("文字过多",)),
    Case("OpenDocument表格.ods", _ods, SKIPPED, ("另存为 .xlsx",)),
    Case("OpenDocument改名为xlsx.xlsx", _ods, REFUSED, ("另存为 .xlsx",)),
    Case("旧版Excel.xls", _xls, SKIPPED, ("另存为 .xlsx",)),
    Case("控制字符与公式样文本.xlsx", _control_characters, READ),
    Case("数值NaN与1e308.xlsx", _nan_and_huge, READ),
    Case(".~xlperf-被中断的写出.xlsx", lambda p, g: p.write_bytes(g), SKIPPED, ("临时文件",)),
    # the third corpus (issue 23): names that are not text, names that would steer the terminal
    Case(
        os.fsdecode("长安区委编办报送.xlsx".encode("gbk")),  # a Windows zip unzipped on UOS/Kylin: GBK bytes
        lambda p, g: p.write_bytes(g),
        READ,
        shown=r"\xb3\xa4\xb0\xb2\xc7\xf8\xce\xaf\xb1\xe0\xb0\xec\xb1\xa8\xcb\xcd.xlsx"
        "（文件名不是 UTF-8 编码，按 GBK 读作“长安区委编办报送.xlsx”）",
    ),
    Case(
        os.fsdecode(b"\xff\xfe\xc0\xb0.xlsx"),  # bytes no encoding makes a name of
        lambda p, g: p.write_bytes(g),
        READ,
        shown=r"\xff\xfe\xc0\xb0.xlsx",
    ),
    Case(
        "变红\x1b[31m与换行\n回车\r的文件名.xlsx",
        lambda p, g: p.write_bytes(g),
        READ,
        shown=r"变红\x1b[31m与换行\x0a回车\x0d的文件名.xlsx",
    ),
    Case(
        os.fsdecode("损坏的".encode("gbk")) + "\x1b[2J.xlsx",  # refused, its name in the reason's line
        lambda p, g: p.write_bytes(g[: len(g) // 3]),
        REFUSED,
        ("损坏",),
        shown=r"\xcb\xf0\xbb\xb5\xb5\xc4\x1b[2J.xlsx（文件名不是 UTF-8 编码，按 GBK 读作“损坏的\x1b[2J.xlsx”）",
    ),
)


# --- the third corpus (issue 23): the marked copy (validate -o) of other producers' OOXML ------------------
#
# One small unit workbook with four findings at known cells (written by hand below), a note of the user's
# on one of them; each case writes it as another producer would. What LibreOffice shows of the copy is
# checked (tests/test_hostile.py): each cell's background in the severity's colour, our note on it (after
# the user's), and taking the marks away gives back the original package exactly.

COPY_SHEET = "自评表1"
COPY_PART = "xl/worksheets/sheet2.xml"  # 自评表1 (the second sheet)
COPY_USER_NOTE = "数据来源：财务系统（张三核对）"
# cell -> severity, from the values spoiled in copy_base (what each one is, by hand):
COPY_MARKS = {
    "G7": "error",  # 执行数 typed as "约两万": not an amount (XP015)
    "H21": "warning",  # 政策知晓率 85% of 90% scored full marks (XP004)
    "J21": "warning",  # …without a reason in 偏差原因 (XP009): J21 has no cell, the copy makes one
    "H25": "error",  # 总分 97, the scores add up to 100 (XP007); the user's note is on this cell
}
NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


@dataclass(frozen=True)
class CopyCase:
    """One workbook as another producer writes it; ``marked`` False: the copy cannot mark the project
    sheet and must say so (terminal and JSON) instead of claiming the marks."""

    name: str
    build: Callable[[Path], None]
    marked: bool = True
    lo_names: dict[str, str] | None = None  # part renames LibreOffice needs to see the sheet at all


def copy_base() -> bytes:
    """The unit workbook every copy case starts from, as XlsxWriter writes it (a VML note drawing)."""
    import xlsxwriter

    from factory import clean_rows

    rows = clean_rows()
    rows[24][7] = 97  # H25
    rows[6][6] = "约两万"  # G7
    rows[20][5] = "85%"  # F21 (H21, J21)
    out = io.BytesIO()
    wb = xlsxwriter.Workbook(out, {"in_memory": True})
    unit = wb.add_worksheet("单位信息")
    for i, (k, v) in enumerate({"单位名称": "某某局", "年度": "2020", "评分方案": "shaanxi"}.items()):
        unit.write_string(i, 0, k)
        unit.write_string(i, 1, v)
    ws = wb.add_worksheet(COPY_SHEET)
    fill = wb.add_format({"bg_color": "#FFF2CC", "num_format": "0.00"})  # a 填写项's own format
    for r, row in enumerate(rows):
        for c, v in enumerate(row):
            if isinstance(v, str):
                ws.write_string(r, c, v)
            elif v is not None:
                ws.write_number(r, c, v, fill if r == 6 else None)
    ws.write_string("G7", "约两万", fill)
    ws.write_comment("H25", COPY_USER_NOTE, {"author": "张三"})
    wb.close()
    return out.getvalue()


def _rewrite(change: Callable[[str, bytes], bytes | None], renames: dict[str, str] | None = None):
    def build(path: Path) -> None:
        pkg = rezip(copy_base(), change)
        if renames:
            pkg = renamed(pkg, renames)
        path.write_bytes(pkg)

    return build


def renamed(pkg: bytes, renames: dict[str, str], extra: dict[str, bytes] | None = None) -> bytes:
    """The package with members renamed (relationships and content types left as they were)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(pkg)) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            zout.writestr(renames.get(info.filename, info.filename), data)
            if extra and info.filename in extra:
                zout.writestr(renames.get(info.filename, info.filename).upper(), extra[info.filename])
    return out.getvalue()


def _sdk_prefixed(name: str, data: bytes) -> bytes:
    """Every SpreadsheetML part as the .NET OpenXML SDK writes it: the main namespace bound to ``x:``
    (<x:worksheet xmlns:x="…">, <x:c>, <x:styleSheet>, <x:comments>, …)."""
    from lxml import etree

    if not name.endswith(".xml") or not name.startswith("xl/"):
        return data
    root = etree.fromstring(data)
    if etree.QName(root).namespace != NS_MAIN:
        return data
    nsmap = {k: v for k, v in root.nsmap.items() if k is not None}
    nsmap["x"] = NS_MAIN
    new = etree.Element(root.tag, nsmap=nsmap)
    for k, v in root.attrib.items():
        new.set(k, v)
    for child in list(root):
        new.append(child)
    etree.cleanup_namespaces(new, top_nsmap={"x": NS_MAIN})
    out = etree.tostring(new, xml_declaration=True, encoding="UTF-8", standalone=True)
    assert b"<x:" in out and b'xmlns="' + NS_MAIN.encode() not in out
    return out


def _vml_other_prefixes(name: str, data: bytes) -> bytes:
    """The notes' VML drawing with its three namespaces bound to other prefixes (VML is XML: any
    prefix means the same)."""
    if not name.endswith(".vml"):
        return data
    text = data.decode("utf-8")
    for old, new in (("v", "vml"), ("o", "off"), ("x", "xl")):
        text = re.sub(rf"(</?){old}:", rf"\1{new}:", text)
        text = re.sub(rf"\b{old}:(ext|spid|spt|connecttype|insetmode|idmap)=", rf"{new}:\1=", text)
        text = text.replace(f"xmlns:{old}=", f"xmlns:{new}=")
    assert "<v:" not in text and "<x:" not in text
    return text.encode("utf-8")


def _positional(rows_too: bool) -> Callable[[str, bytes], bytes]:
    """The project sheet with its cells placed by order (no ``r``; an empty <c/> in each gap), and with
    ``rows_too`` its rows as well (an empty <row/> in each gap): the spec allows both."""
    from lxml import etree

    def col(ref: str) -> int:
        n = 0
        for ch in re.match(r"[A-Z]+", ref).group(0):
            n = n * 26 + ord(ch) - 64
        return n

    def change(name: str, data: bytes) -> bytes:
        if name != COPY_PART:
            return data
        root = etree.fromstring(data)
        sd = root.find(f"{{{NS_MAIN}}}sheetData")
        expected_row = 1
        for row in list(sd):
            cells = list(row)
            at = 1
            for c in cells:
                for _ in range(col(c.get("r")) - at):
                    c.addprevious(etree.Element(f"{{{NS_MAIN}}}c"))
                at = col(c.get("r")) + 1
                del c.attrib["r"]
            if "spans" in row.attrib:
                del row.attrib["spans"]
            if rows_too:
                r = int(row.get("r"))
                for _ in range(r - expected_row):
                    row.addprevious(etree.Element(f"{{{NS_MAIN}}}row"))
                expected_row = r + 1
                del row.attrib["r"]
        out = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
        assert b' r="G7"' not in out
        return out

    return change


def _single_quoted(name: str, data: bytes) -> bytes:
    """The project sheet's attributes in single quotes with spaces around "=" (<c r = 'H25' s = '1'>)."""
    if name != COPY_PART:
        return data
    text = re.sub(r'(\s[\w:.-]+)="([^"\'<>]*)"', r"\1 = '\2'", data.decode("utf-8"))
    assert "r = 'H25'" in text and 'r="' not in text
    return text.encode("utf-8")


_CASED = {
    COPY_PART: "xl/worksheets/Sheet2.xml",
    "xl/worksheets/_rels/sheet2.xml.rels": "xl/worksheets/_rels/Sheet2.xml.rels",
    "xl/comments1.xml": "xl/Comments1.xml",
}


def _two_by_case(path: Path) -> None:
    """The project sheet stored twice, as SHEET2.xml and Sheet2.xml (neither is the relationship's
    sheet2.xml): which one a reader takes is not said by the package, so no mark can be placed."""
    pkg = copy_base()
    with zipfile.ZipFile(io.BytesIO(pkg)) as z:
        sheet = z.read(COPY_PART)
    path.write_bytes(renamed(pkg, {COPY_PART: "xl/worksheets/Sheet2.xml"}, {COPY_PART: sheet}))


STYLES_PART = "xl/styles.xml"


def _styles_without(*lists: str, sdk: bool = False) -> Callable[[str, bytes], bytes | None]:
    """The styles part without ``lists`` (each element and what it holds; with none given, the part
    holds only its root element), as the OpenXML SDK writes it with ``sdk`` (the x: prefix): other
    producers write only what they use, and the schema makes every list optional. The cells' ``s`` and
    the formats' ids are left pointing where they pointed (at nothing, for what is gone)."""

    def change(name: str, data: bytes) -> bytes:
        if sdk:
            data = _sdk_prefixed(name, data)
        if name != STYLES_PART:
            return data
        text = data.decode("utf-8")
        if not lists:
            root = re.search(r"<((?:\w+:)?styleSheet)\b[^>]*?>", text)
            end = text.index(f"</{root.group(1)}>")
            out = text[: root.start()] + root.group(0)[:-1] + "/>" + text[end + len(root.group(1)) + 3 :]
            assert "<fonts" not in out and "<x:fonts" not in out and out.rstrip().endswith("/>")
            return out.encode("utf-8")
        for lst in lists:
            text, n = re.subn(rf"<((?:\w+:)?{lst})\b[^>]*?(?:/>|>.*?</\1>)", "", text, count=1, flags=re.S)
            assert n == 1, lst
        return text.encode("utf-8")

    return change


def _no_styles_part(name: str, data: bytes) -> bytes | None:
    """No styles part at all: the member, its relationship and its content type gone (the spec allows
    it; every cell is then in the default format)."""
    if name == STYLES_PART:
        return None
    if name == "xl/_rels/workbook.xml.rels":
        out = re.sub(rb"<Relationship [^>]*?/styles\"[^>]*/>", b"", data)
        assert out != data
        return out
    if name == "[Content_Types].xml":
        out = re.sub(rb"<Override [^>]*?/xl/styles.xml\"[^>]*/>", b"", data)
        assert out != data
        return out
    return data


COPY_CASES: tuple[CopyCase, ...] = (
    CopyCase("前缀x的OpenXML SDK工作簿.xlsx", _rewrite(_sdk_prefixed)),
    CopyCase("批注绘图使用其他前缀.xlsx", _rewrite(_vml_other_prefixes)),
    CopyCase("单元格无r属性按顺序定位.xlsx", _rewrite(_positional(rows_too=False))),
    CopyCase("行和单元格均无r属性.xlsx", _rewrite(_positional(rows_too=True))),
    CopyCase("单引号与空格的属性_副本.xlsx", _rewrite(_single_quoted)),
    CopyCase(
        "部件名大小写与关系不同.xlsx",
        _rewrite(lambda n, d: d, _CASED),
        lo_names={v: k for k, v in _CASED.items()},
    ),
    CopyCase("同一部件两个大小写不同的名称.xlsx", _two_by_case, marked=False),
    # styles parts that lack lists (issue 23, round 3b): the copy creates what is missing, in the schema's
    # order and the part's prefix, and marks every cell as in a complete part
    CopyCase("样式部件没有fills.xlsx", _rewrite(_styles_without("fills"))),
    CopyCase("样式部件没有borders.xlsx", _rewrite(_styles_without("borders"))),
    CopyCase("样式部件没有fonts.xlsx", _rewrite(_styles_without("fonts"))),
    CopyCase("样式部件没有cellXfs.xlsx", _rewrite(_styles_without("cellXfs"))),
    CopyCase("样式部件只有根元素.xlsx", _rewrite(_styles_without())),
    CopyCase(
        "前缀x的样式部件没有fills和cellXfs.xlsx",
        _rewrite(_styles_without("fills", "cellStyleXfs", "cellXfs", sdk=True)),
    ),
    CopyCase("前缀x的样式部件只有根元素.xlsx", _rewrite(_styles_without(sdk=True))),
    CopyCase("没有样式部件.xlsx", _rewrite(_no_styles_part)),
)


# --- the third corpus (issue 23): Word reports as people edit them ---------------------------------------
#
# The seed report (tests/word_reports.py) as Word writes it once people have worked in it: content
# controls from a unit's template, tracked changes, fields and smart tags, the report writer's own two
# tables moved into layout frames, a report pasted as a web page. Each is read exactly as the plain
# report: its projects' names, amounts and totals are SEED_TOTALS (written by hand in
# tests/test_word_reports.py), its findings those of the plain report.

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
W15 = "http://schemas.microsoft.com/office/word/2012/wordml"


def _w(tag: str) -> str:
    return f"{{{W}}}{tag}"


@dataclass(frozen=True)
class WordCase:
    """A report as Word saves it after people worked in it; ``base`` the plain report it is read as
    ("seed": tests/word_reports.seed_report; "generated": xlperf's own report of the seed workbook)."""

    name: str
    build: Callable[[Path], None]
    base: str = "seed"
    needs_libreoffice: bool = False


_IDS = iter(range(100, 10_000))


def _sdt(alias: str, content: list, extra=None):
    """A content control as Word writes it (sdtPr with an alias, tag and id; the content after it)."""
    from lxml import etree

    sdt = etree.Element(_w("sdt"))
    pr = etree.SubElement(sdt, _w("sdtPr"))
    etree.SubElement(pr, _w("alias")).set(_w("val"), alias)
    etree.SubElement(pr, _w("tag")).set(_w("val"), alias)
    etree.SubElement(pr, _w("id")).set(_w("val"), str(-next(_IDS)))
    if extra is not None:
        pr.append(extra)
    body = etree.SubElement(sdt, _w("sdtContent"))
    for el in content:
        body.append(el)
    return sdt


def _rows(tbl) -> list:
    return tbl.findall(_w("tr"))


def _tcs(tr) -> list:
    return tr.findall(_w("tc"))


def _is_indicator_row(tr) -> bool:
    """An indicator row of the seed's table: seven cells, the last a score (a number)."""
    tcs = _tcs(tr)
    text = "".join(t.text or "" for t in tcs[-1].iter(_w("t"))) if tcs else ""
    return len(tcs) == 7 and text.replace(".", "").isdigit()


def _value_cells(tbl) -> list:
    """The cells a unit fills in: amounts, indicator values and scores, the total."""
    out = []
    for tr in _rows(tbl):
        tcs = _tcs(tr)
        first = "".join(t.text or "" for t in tcs[1].iter(_w("t"))) if len(tcs) > 1 else ""
        if first in ("预算数：", "其中：财政资金"):
            out += [tcs[2], tcs[4], tcs[6]]
        elif _is_indicator_row(tr):
            out += tcs[4:7]
        elif first == "总分":
            out.append(tcs[-1])
    return out


def _edited(base: Callable[[Path], Path], edit: Callable) -> Callable[[Path], None]:
    def build(path: Path) -> None:
        from docx import Document

        base(path)
        doc = Document(str(path))
        edit(doc.element.body)
        doc.save(str(path))

    return build


def _seed(path: Path) -> Path:
    from word_reports import seed_report

    return seed_report(path)


def _generated(path: Path) -> Path:
    """xlperf's own report of the seed workbook (each project's form as two tables)."""
    from xlperf import api
    from xlperf.writers.report import write_report

    from conftest import SAMPLES

    return write_report(api.validate_file(SAMPLES / "长安区委编办_2020.xlsx"), path, review=False)


def _controls_around_runs(body) -> None:
    """A unit's template: every fill-in cell's text in a plain-text content control inside its paragraph."""
    from lxml import etree

    for tbl in body.iter(_w("tbl")):
        for tc in _value_cells(tbl):
            for p in tc.iter(_w("p")):
                runs = p.findall(_w("r"))
                if runs:
                    p.append(_sdt("填写", runs, etree.Element(_w("text"))))


def _controls_around_cells(body) -> None:
    """Each score cell and the total cell a content control of its own (the sdt around the w:tc)."""
    for tbl in body.iter(_w("tbl")):
        for tr in _rows(tbl):
            tcs = _tcs(tr)
            if _is_indicator_row(tr) or (
                len(tcs) == 3 and "总分" in "".join(t.text or "" for t in tcs[1].iter(_w("t")))
            ):
                tc = tcs[-1]
                tc.addprevious(_sdt("得分", []))
                tc.getprevious().find(_w("sdtContent")).append(tc)


def _controls_around_rows(body) -> None:
    """The indicator rows a repeating section (Word 2013+): a section control holding one item
    control per row, each item holding its w:tr."""
    from lxml import etree

    for tbl in body.iter(_w("tbl")):
        texts = ["".join(t.text or "" for t in tr.iter(_w("t"))) for tr in _rows(tbl)]
        head = next(i for i, x in enumerate(texts) if "一级指标" in x)
        rows = _rows(tbl)[head + 1 : -1]  # every row between the indicator header and 总分
        section = _sdt("指标", [], etree.Element(f"{{{W15}}}repeatingSection"))
        rows[0].addprevious(section)
        for tr in rows:
            section.find(_w("sdtContent")).append(
                _sdt("指标行", [tr], etree.Element(f"{{{W15}}}repeatingSectionItem"))
            )


def _run(text: str, deleted: bool = False):
    from lxml import etree

    r = etree.Element(_w("r"))
    etree.SubElement(r, _w("delText" if deleted else "t")).text = text
    return r


def _tracked(kind: str, runs: list):
    from lxml import etree

    el = etree.Element(_w(kind))
    el.set(_w("id"), str(next(_IDS)))
    el.set(_w("author"), "张三")
    el.set(_w("date"), "2021-03-02T10:00:00Z")
    for r in runs:
        el.append(r)
    return el


def _tracked_changes(body) -> None:
    """Reviewed with Track Changes on: each total retyped (the old value deleted, the right one
    inserted), a score typed into a cell that was empty (inserted only), and an extra indicator row
    deleted as a whole row (still in the file, gone from what Word shows)."""
    import copy

    from lxml import etree

    for k, tbl in enumerate(body.iter(_w("tbl"))):
        for tc in _value_cells(tbl)[-1:]:  # the total
            p = tc.find(_w("p"))
            runs = p.findall(_w("r"))
            value = "".join(t.text for r in runs for t in r.iter(_w("t")))
            for r in runs:
                p.remove(r)
            p.append(_tracked("del", [_run("95", deleted=True)]))
            p.append(_tracked("ins", [_run(value)]))
        rows = [tr for tr in _rows(tbl) if _is_indicator_row(tr)]
        if k == 1:  # a score typed where there was nothing
            p = _tcs(rows[0])[-1].find(_w("p"))
            runs = p.findall(_w("r"))
            value = "".join(t.text for r in runs for t in r.iter(_w("t")))
            for r in runs:
                p.remove(r)
            p.append(_tracked("ins", [_run(value)]))
        if k == 2:  # a row deleted with its contents
            extra = copy.deepcopy(rows[1])
            trpr = extra.find(_w("trPr"))
            if trpr is None:
                trpr = etree.Element(_w("trPr"))
                extra.insert(0, trpr)
            trpr.append(_tracked("del", []))
            for t in list(extra.iter(_w("t"))):
                r = t.getparent()
                text = t.text
                r.remove(t)
                etree.SubElement(r, _w("delText")).text = text
                r.addprevious(_tracked("del", []))
                r.getprevious().append(r)
            rows[0].addnext(extra)  # (the rows below keep the numbers Word shows them with)


def _deleted_cells_and_rows(body) -> None:
    """Reviewed with Track Changes on, in tables: a cell deleted from an indicator row (w:cellDel: Word
    shows the row without it, the cells after it move left), and an indicator row deleted whose runs
    are not marked (only its w:trPr/w:del says it is gone: a deleted row is not a row, whatever it
    holds). Read as shown, each table is the plain report's."""
    import copy

    from lxml import etree

    for k, tbl in enumerate(body.iter(_w("tbl"))):
        rows = [tr for tr in _rows(tbl) if _is_indicator_row(tr)]
        if k in (0, 2):  # a cell deleted before the score: read, the score would be "0" one column right
            score = _tcs(rows[0])[-1]
            gone = copy.deepcopy(score)
            pr = gone.find(_w("tcPr"))
            if pr is None:
                pr = etree.Element(_w("tcPr"))
                gone.insert(0, pr)
            deleted = etree.SubElement(pr, _w("cellDel"))
            for key, val in (("id", str(next(_IDS))), ("author", "张三"), ("date", "2021-03-02T10:00:00Z")):
                deleted.set(_w(key), val)
            for p in gone.findall(_w("p")):
                for r in p.findall(_w("r")):
                    p.remove(r)
                p.append(_tracked("del", [_run("0", deleted=True)]))
            score.addprevious(gone)
        if k in (1, 3):  # a row deleted: read, it would add an indicator scoring 10
            extra = copy.deepcopy(rows[1])
            _tcs(extra)[-1].find(_w("p")).findall(_w("r"))[0].find(_w("t")).text = "10"
            trpr = extra.find(_w("trPr"))
            if trpr is None:
                trpr = etree.Element(_w("trPr"))
                extra.insert(0, trpr)
            trpr.append(_tracked("del", []))
            rows[0].addnext(extra)


def _moved_text(body) -> None:
    """Text moved with Track Changes on (w:moveFrom where it was, w:moveTo where it went, each between
    its range marks): Word shows the text where it went only. Each total moved into its cell from a
    paragraph before the table (read from there, the total would be blank), and a stray "0" moved out
    of the end of each total (read, the total would be 960, 970…)."""
    from lxml import etree

    def mark(tag: str, name: str):
        el = etree.Element(_w(tag))
        el.set(_w("id"), str(next(_IDS)))
        if name:
            el.set(_w("name"), name)
            el.set(_w("author"), "张三")
            el.set(_w("date"), "2021-03-02T10:00:00Z")
        return el

    for tbl in list(body.iter(_w("tbl"))):
        total = _value_cells(tbl)[-1].find(_w("p"))
        runs = total.findall(_w("r"))
        value = "".join(t.text for r in runs for t in r.iter(_w("t")))
        for r in runs:
            total.remove(r)
        move = f"move{next(_IDS)}"
        total.append(mark("moveToRangeStart", move))
        total.append(_tracked("moveTo", [_run(value)]))
        total.append(mark("moveToRangeEnd", ""))
        stray = f"move{next(_IDS)}"
        total.append(mark("moveFromRangeStart", stray))
        total.append(_tracked("moveFrom", [_run("0")]))
        total.append(mark("moveFromRangeEnd", ""))
        before = etree.Element(_w("p"))  # where the total was: a paragraph moved away whole
        pr = etree.SubElement(etree.SubElement(before, _w("pPr")), _w("rPr"))
        pr.append(_tracked("moveFrom", []))
        before.append(mark("moveFromRangeStart", move))
        before.append(_tracked("moveFrom", [_run(f"总分{value}分")]))
        before.append(mark("moveFromRangeEnd", ""))
        tbl.addprevious(before)


def _split_with_a_deleted_mark(p, at: int) -> None:
    """Paragraph ``p`` split after ``at`` characters into two, the first one's mark deleted (w:del in its
    w:pPr/w:rPr): the paragraph break a reviewer took out with Track Changes on."""
    import copy

    from lxml import etree

    text = "".join(t.text or "" for t in p.iter(_w("t")))
    second = copy.deepcopy(p)
    for para, part in ((p, text[:at]), (second, text[at:])):
        for r in para.findall(_w("r")):
            para.remove(r)
        para.append(_run(part))
    ppr = p.find(_w("pPr"))
    if ppr is None:
        ppr = etree.Element(_w("pPr"))
        p.insert(0, ppr)
    rpr = ppr.find(_w("rPr"))
    if rpr is None:
        rpr = etree.SubElement(ppr, _w("rPr"))
    rpr.insert(0, _tracked("del", []))
    p.addnext(second)


def _deleted_paragraph_marks(body) -> None:
    """Line breaks a reviewer took out with Track Changes on (each a deleted paragraph mark: Word shows
    the two paragraphs as one): in the title between the unit and the year, and in each project's name
    (read as two lines, the name would be "机构编制管理工作\n监督检查", not the project's)."""
    title = next(
        p for p in body.iter(_w("p")) if "自评工作报告" in "".join(t.text or "" for t in p.iter(_w("t")))
    )
    _split_with_a_deleted_mark(title, len("长安区委编办"))
    for tbl in body.iter(_w("tbl")):
        for tr in _rows(tbl):
            tcs = _tcs(tr)
            if len(tcs) > 2 and "".join(t.text or "" for t in tcs[1].iter(_w("t"))) == "项目名称":
                p = tcs[2].find(_w("p"))
                name = "".join(t.text or "" for t in p.iter(_w("t")))
                _split_with_a_deleted_mark(p, len(name) // 2)


def _fields_and_smart_tags(body) -> None:
    """The total a field (=SUM(ABOVE), its result shown), the amounts in Chinese Word's number smart
    tags (chmetcnv around "1.6万元")."""
    from lxml import etree

    for tbl in body.iter(_w("tbl")):
        cells = _value_cells(tbl)
        for tc in cells[:3]:  # 预算数, 到位数, 执行数
            p = tc.find(_w("p"))
            runs = p.findall(_w("r"))
            if not runs:
                continue
            value = "".join(t.text for r in runs for t in r.iter(_w("t")))
            for r in runs:
                p.remove(r)
            tag = etree.SubElement(p, _w("smartTag"))
            tag.set(_w("uri"), "urn:schemas-microsoft-com:office:smarttags")
            tag.set(_w("element"), "chmetcnv")
            pr = etree.SubElement(tag, _w("smartTagPr"))
            for name, val in (("UnitName", "万元"), ("SourceValue", value), ("HasSpace", "False"),
                              ("Negative", "False"), ("NumberType", "1"), ("TCSC", "0")):  # fmt: skip
                a = etree.SubElement(pr, _w("attr"))
                a.set(_w("name"), name)
                a.set(_w("val"), val)
            tag.append(_run(f"{value}万元"))
        total = cells[-1].find(_w("p"))
        runs = total.findall(_w("r"))
        field = etree.SubElement(total, _w("fldSimple"))
        field.set(_w("instr"), " =SUM(ABOVE) ")
        for r in runs:
            field.append(r)


def _in_frames(rows_per_table: bool, depth: int = 1):
    """Each project's two tables moved into a layout frame: a borderless one-cell table holding both
    (``rows_per_table``: a frame of two rows, one table in each); ``depth`` 2: that frame in another."""

    def edit(body) -> None:
        from lxml import etree

        tables = body.findall(_w("tbl"))
        for first, second in zip(tables[0::2], tables[1::2], strict=True):
            between = first.getnext()  # the writer's 1-pt paragraph between its two tables

            def frame(cells: list[list]) -> etree._Element:
                tbl = etree.Element(_w("tbl"))
                pr = etree.SubElement(tbl, _w("tblPr"))
                etree.SubElement(pr, _w("tblW")).set(_w("w"), "0")
                grid = etree.SubElement(tbl, _w("tblGrid"))
                etree.SubElement(grid, _w("gridCol")).set(_w("w"), "9000")
                for content in cells:
                    tr = etree.SubElement(tbl, _w("tr"))
                    tc = etree.SubElement(tr, _w("tc"))
                    for el in content:
                        tc.append(el)
                    etree.SubElement(tc, _w("p"))  # Word ends a cell with a paragraph
                return tbl

            first.addprevious(etree.Element(_w("p")))
            anchor = first.getprevious()
            parts = [[first], [second]] if rows_per_table else [[first, between, second]]
            if rows_per_table:
                body.remove(between)
            box = frame(parts)
            for _ in range(depth - 1):
                box = frame([[box]])
            anchor.addnext(box)
            body.remove(anchor)

    return edit


def _html_report(path: Path) -> None:
    """The report pasted as a web page (an HTML altChunk, as reporting systems export it): the
    document holds only a pointer to the chunk; Word shows the chunk's text and tables."""
    from docx import Document
    from docx.opc.packuri import PackURI
    from docx.opc.part import Part
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from word_reports import CONCLUSION, seed_table_rows

    from xlperf.samples import SEED

    html = ["<html><head><meta charset=\"utf-8\"><title>报告</title></head><body>",
            "<p>长安区委编办2020年度绩效自评工作报告</p>", "<p>三、绩效目标设定质量情况</p>"]  # fmt: skip
    for i, project in enumerate(SEED.projects):
        html.append(f"<p>{i + 1}、{project.name}</p>")
        html.append(_html_table(seed_table_rows(project)))
        html.append(f"<p>{CONCLUSION.format(score=int(project.total))}</p>")
    html.append("</body></html>")
    doc = Document()
    part = Part(PackURI("/word/afchunk1.htm"), "text/html", "".join(html).encode("utf-8"), doc.part.package)
    rid = doc.part.relate_to(
        part, "http://schemas.openxmlformats.org/officeDocument/2006/relationships/aFChunk"
    )
    alt = OxmlElement("w:altChunk")
    alt.set(qn("r:id"), rid)
    doc.element.body.sectPr.addprevious(alt)
    doc.save(str(path))


def _html_table(rows) -> str:
    """The seed's table spec (text, grid span, vMerge) as HTML (colspan, rowspan counted down)."""
    from html import escape

    out = ['<table border="1">']
    for r, row in enumerate(rows):
        out.append("<tr>")
        col = 0
        for text, span, vmerge in row:
            if vmerge != "continue":
                down = 1
                if vmerge == "restart":
                    while r + down < len(rows) and _starts_at(rows[r + down], col) == "continue":
                        down += 1
                attrs = (f' colspan="{span}"' if span > 1 else "") + (
                    f' rowspan="{down}"' if down > 1 else ""
                )
                out.append(f"<td{attrs}>{'<br>'.join(escape(x) for x in text.split(chr(10)))}</td>")
            col += span
        out.append("</tr>")
    out.append("</table>")
    return "".join(out)


def _starts_at(row, col: int) -> str | None:
    at = 0
    for _, span, vmerge in row:
        if at == col:
            return vmerge
        at += span
    return None


WORD_CASES: tuple[WordCase, ...] = (
    WordCase("内容控件包住单元格文字.docx", _edited(_seed, _controls_around_runs)),
    WordCase("内容控件包住单元格.docx", _edited(_seed, _controls_around_cells)),
    WordCase("内容控件包住行（重复节）.docx", _edited(_seed, _controls_around_rows)),
    WordCase("修订的插入与删除.docx", _edited(_seed, _tracked_changes)),
    WordCase("总分是域金额是智能标记.docx", _edited(_seed, _fields_and_smart_tags)),
    WordCase("修订删除的单元格与行.docx", _edited(_seed, _deleted_cells_and_rows)),
    WordCase("修订移动的文字.docx", _edited(_seed, _moved_text)),
    WordCase("修订删除的段落标记.docx", _edited(_seed, _deleted_paragraph_marks)),
    WordCase("报告自带两张表在版式框中.docx", _edited(_generated, _in_frames(False)), "generated"),
    WordCase("报告自带两张表在两行版式框中.docx", _edited(_generated, _in_frames(True)), "generated"),
    WordCase("报告自带两张表在两层版式框中.docx", _edited(_generated, _in_frames(False, 2)), "generated"),
    WordCase("网页内容嵌入的报告.docx", _html_report, needs_libreoffice=True),
)
