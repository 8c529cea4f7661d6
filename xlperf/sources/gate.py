"""The safety gate: what must not be parsed is refused, with a reason a user understands.

Every file passes :func:`open_checked` before a reader sees it, and the readers then read the gate's
checked copy, never the file again (what is read is what was checked, and each part is inflated once).
Refused, each as a :class:`~xlperf.errors.ReadError` with a Chinese reason so a consolidation can list
the file and go on:

- the wrong kind of file: empty, not a zip, an .xls/.ods/.xlsb (one reason, :data:`NOT_XLSX`, as
  :func:`xlperf.consolidate.collect.skip_reason` gives it by name), an encrypted (password) workbook;
- zip bombs: declared sizes too large, members that inflate past their declared size, too many members;
- XML entity declarations (billion laughs), in any part;
- sheets that would need a huge grid: a value at XFD1048576 makes python-calamine allocate every cell
  of the rectangle up to it (550 GB), and openpyxl pads every row to the sheet's width. The form lives
  in the first few dozen rows and a dozen columns, so a sheet whose values reach past
  :data:`MAX_SHEET_CELLS` cells of rectangle (or a workbook past :data:`MAX_BOOK_CELLS`) is refused,
  naming the farthest cell so the unit can delete it;
- shared-string amplification: one 32,767-character string referenced by a million cells becomes a
  million copies in the reader (:data:`MAX_TEXT`).

Memory and time are therefore bounded by the caps below whatever the file claims: the gate holds the
inflated XML parts (≤ :data:`MAX_XML`), the reader's grid is at most :data:`MAX_BOOK_CELLS` cells.

Cost: the worksheets are inflated once (by the gate; the readers read them stored) and searched with
one or two regular expressions each for any cell outside A1:Z99, then outside A1:DZ999 (the previous
template's hidden helper columns reach DH; workbooks made with it are still sent), written other than as
``<c r="B12"``. Only a sheet that has one (rare:
a very long list, a stray value, an unusual writer) is parsed exactly with expat, mirroring how
python-calamine places cells (``r`` attributes, else counters), to find its real extent.

The checked copy is a stored (uncompressed) zip written here rather than with :mod:`zipfile`: it keeps
each member's original CRC-32, so the reader still verifies every part against what the sender's office
suite wrote, and nothing is checksummed twice.
"""

from __future__ import annotations

import io
import posixpath
import re
import struct
import zipfile
import zlib
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from xlperf.core.a1 import column_index, ref
from xlperf.core.names import shown_name
from xlperf.errors import ReadError
from xlperf.safe_io import TEMP_PREFIX

# zlib-ng where it is installed: zlib's API and results, inflating a workbook's parts in half the time
# (and its CRC-32 some 15 times faster); the standard zlib otherwise. Chosen at the first use (loading
# it takes a millisecond a command that reads no workbook need not spend).
_zlib = None
# what inflating bad data raises (zlib-ng's error is not zlib's)
_INFLATE_ERRORS: tuple[type[Exception], ...] = (zlib.error,)


def _fast_zlib():
    """zlib-ng's zlib module where it is installed, else zlib."""
    global _zlib, _INFLATE_ERRORS
    if _zlib is None:
        try:
            from zlib_ng import zlib_ng as z
        except ImportError:
            z = zlib
        _INFLATE_ERRORS = (zlib.error, z.error)
        _zlib = z
    return _zlib


MAX_UNCOMPRESSED = 256 * 1024 * 1024  # declared size of all members; a unit's form is a few hundred KB
MAX_XML = 128 * 1024 * 1024  # inflated XML parts held for the readers
MAX_MEMBERS = 10_000  # parts in one package; a real workbook has a few dozen
MAX_RATIO = 200  # compression ratio of one member past which it is a zip bomb (when > 1 MB)
MAX_SHEET_CELLS = 2_000_000  # rows × columns up to a sheet's farthest value (the form needs ~30 × 11)
MAX_BOOK_CELLS = 5_000_000  # the same, summed over the sheets of a workbook
MAX_TEXT = 64 * 1024 * 1024  # bytes of shared strings the cells reference, counted once per cell
EXCEL_MAX_ROWS, EXCEL_MAX_COLS = 1_048_576, 16_384

XLSX_SUFFIXES = (".xlsx", ".xlsm")
OTHER_EXCEL_SUFFIXES = (".xls", ".xlsb", ".et", ".ods", ".csv", ".ett", ".xlt", ".xltx", ".xltm")
# Word reports (绩效自评工作报告): .docx read directly; .doc (Word 97–2003), .wps (WPS 文字), .odt through
# LibreOffice (xlperf.sources.docx)
DOCX_SUFFIXES = (".docx", ".docm")
LEGACY_WORD_SUFFIXES = (".doc", ".wps", ".odt")
WORD_SUFFIXES = DOCX_SUFFIXES + LEGACY_WORD_SUFFIXES
NOT_XLSX = "不是 .xlsx/.xlsm 格式，请用 Excel 另存为 .xlsx 后重新报送"
NOT_EXCEL = "不是 Excel 工作簿（.xlsx/.xlsm）或 Word 报告（.docx/.doc）"
NOT_DOCX = "文件内容不是 .docx 格式（可能是改了扩展名的 .doc 文件），请用 Word/WPS 另存为 .docx"
_CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ODF_MIMETYPE = b"application/vnd.oasis.opendocument"


def suffix_reason(name: str) -> str | None:
    """Why a file with this name is not read as a unit's workbook, judged by its name (None: read it):
    lock and temporary files, other formats.

    The one sentence for such a file whichever command meets it: ``consolidate`` lists it with this
    reason, ``validate`` refuses it with it."""
    low = name.lower()
    if name.startswith("~$"):
        return "Excel 打开文件时生成的临时锁定文件（~$ 开头），不是报送文件"
    if name.startswith(".~lock.") or name.endswith("#"):
        return "WPS/LibreOffice 的临时锁定文件，不是报送文件"
    if name.startswith(TEMP_PREFIX):
        return "xlperf 写出文件时留下的临时文件（写出时程序被中断），不是报送文件"
    if name.startswith("._") or name in (".DS_Store", "Thumbs.db", "desktop.ini"):
        return "操作系统生成的附属文件"
    if low.endswith((".tmp", ".bak", ".wbk")) or name.startswith("~"):
        return "临时文件或备份文件"
    if low.endswith(XLSX_SUFFIXES) or low.endswith(WORD_SUFFIXES):
        return None
    if low.endswith(OTHER_EXCEL_SUFFIXES):
        return NOT_XLSX
    return NOT_EXCEL


@dataclass(frozen=True)
class SheetExtent:
    """How far a worksheet's values reach: ``rows`` × ``cols`` is the grid a reader builds for it (an
    upper bound when ``exact`` is False: every value lies in the box the fast check vouched for)."""

    rows: int
    cols: int
    exact: bool = False
    farthest: str = ""  # A1 ref of the value that sets the extent (exact scans only)
    text: int = 0  # bytes of shared strings its cells reference (exact scans only)

    @property
    def cells(self) -> int:
        return self.rows * self.cols


@dataclass
class Package:
    """A workbook that passed the gate, as the readers must read it: every XML part, inflated and
    checked, in a stored zip in memory (:meth:`stream`)."""

    path: Path
    blob: bytes
    extents: dict[str, SheetExtent] = field(default_factory=dict)  # worksheet part -> extent
    errors: dict[str, list[tuple[int, int, str]]] = field(default_factory=dict)  # part -> error cells
    # the worksheet parts the fast check found written plainly: no prefixed cell or formula tag (<x:c>,
    # <x:f>) anywhere in them, so a scan of their formulas need not look for one again
    plain: frozenset[str] = frozenset()
    # member -> (offset of its data in ``blob``, length, CRC-32 the sender wrote), as _stored_zip wrote it
    spans: dict[str, tuple[int, int, int]] = field(default_factory=dict, repr=False)
    _sheet_parts: dict[str, str] | None = field(default=None, repr=False)

    @property
    def error_parts(self) -> frozenset[str]:
        """The worksheet parts holding error cells (``t="e"``)."""
        return frozenset(self.errors)

    def stream(self) -> io.BytesIO:
        """The checked copy, for a reader."""
        return io.BytesIO(self.blob)

    def part(self, name: str) -> bytes | None:
        """A member's checked bytes by its exact name (None when there is no such member), verified
        against the CRC-32 its sender wrote (:class:`zipfile.BadZipFile` when they differ, as reading it
        through :mod:`zipfile` would raise): a slice of the checked copy, without parsing it as a zip."""
        span = self.spans.get(name)
        if span is None:
            return None
        at, size, crc = span
        data = self.blob[at : at + size]
        if _fast_zlib().crc32(data) != crc:
            raise zipfile.BadZipFile(f"Bad CRC-32 for file {name!r}")
        return data

    def sheet_parts(self) -> dict[str, str]:
        """Sheet name -> worksheet part."""
        if self._sheet_parts is None:
            names = ("xl/workbook.xml", "xl/_rels/workbook.xml.rels")
            found = {n: self.part(n) for n in names}
            self._sheet_parts = _sheet_parts({n: d for n, d in found.items() if d is not None})
        return self._sheet_parts

    def extent_of(self, sheet: str) -> SheetExtent:
        """The extent of a sheet by name (the largest of any sheet when its part is not known)."""
        e = self.extents.get(self.sheet_parts().get(sheet, ""))
        return e or max(self.extents.values(), key=lambda x: x.cells, default=SheetExtent(0, 0, True))


def check_file(path: str | Path) -> frozenset[str]:
    """Refuse what must not be parsed (see the module docstring); returns the worksheet parts that hold
    error cells (``t="e"``), which python-calamine reads as empty strings (its issue #105)."""
    return open_checked(path).error_parts


def open_checked(path: str | Path) -> Package:
    """Check a file and return its checked copy for the readers. Raises :class:`ReadError`."""
    p = Path(path)
    if not p.exists():
        raise ReadError(f"文件不存在：{shown_name(p)}")
    if p.is_dir():
        raise ReadError(f"这是文件夹，不是工作簿：{shown_name(p)}")
    reason = suffix_reason(p.name)
    if reason is not None and (p.suffix or reason != NOT_EXCEL):  # no suffix: judged by content
        raise ReadError(reason)
    try:
        size = p.stat().st_size
        if size == 0:
            raise ReadError("文件是空的（0 字节）")
        with p.open("rb") as fh:
            head = fh.read(8)
            if head == _CFB_MAGIC:
                if _is_encrypted_cfb(p):
                    raise ReadError("工作簿设置了打开密码，请去掉密码后再报送")
                if p.suffix.lower() in XLSX_SUFFIXES:
                    raise ReadError(
                        "文件内容不是 xlsx 格式（可能是改了扩展名的 .xls 文件），请用 Excel 另存为 .xlsx"
                    )
                raise ReadError(NOT_XLSX)
            fh.seek(0)
            if not zipfile.is_zipfile(fh):
                raise ReadError("文件已损坏或不是 Excel 工作簿（不是有效的 xlsx 压缩包）")
            fh.seek(0)
            with zipfile.ZipFile(fh) as z:
                return _check_package(p, fh, z.infolist())
    except zipfile.BadZipFile as exc:
        raise ReadError(f"文件已损坏（压缩包不完整）：{exc}") from exc
    except PermissionError as exc:
        raise ReadError("没有读取该文件的权限") from exc
    except (OSError, EOFError, ValueError, *_INFLATE_ERRORS) as exc:  # truncated members, bad data
        raise ReadError(f"文件已损坏，无法读取：{exc}") from exc


def is_word(path: str | Path) -> bool:
    """A Word report by its name (.docx/.docm, or .doc/.wps/.odt read through LibreOffice)."""
    return Path(path).suffix.lower() in WORD_SUFFIXES


def _check_members(fh: BinaryIO, infos: list[zipfile.ZipInfo]) -> None:
    """The zip-bomb checks every package passes, whatever it holds (workbook or Word document)."""
    if len(infos) > MAX_MEMBERS:
        raise ReadError(f"压缩包内文件过多（{len(infos)} 个），疑似压缩炸弹，已拒绝读取")
    total = sum(i.file_size for i in infos)
    if total > MAX_UNCOMPRESSED:
        raise ReadError(f"文件解压后过大（{total // 1024 // 1024} MB），疑似压缩炸弹，已拒绝读取")
    for i in infos:
        if i.file_size > 1024 * 1024 and i.compress_size and i.file_size / i.compress_size > MAX_RATIO:
            raise ReadError("文件压缩比异常，疑似压缩炸弹，已拒绝读取")
        _check_member_size(i)
    if sum(i.compress_size for i in infos) * 1032 > MAX_UNCOMPRESSED:
        for i in infos:
            raw = i.compress_type == zipfile.ZIP_DEFLATED and not _is_xml_part(i.filename)
            if raw and _inflates_past_declared(fh, i):
                raise ReadError("压缩包数据异常（解压后大于声明大小），疑似压缩炸弹，已拒绝读取")


def _checked_xml(fh: BinaryIO, info: zipfile.ZipInfo) -> bytes:
    data = _inflate(fh, info)
    if _DOCTYPE.search(data, 0, _root_at(data)):
        raise ReadError("文件包含不安全的 XML 实体声明，已拒绝读取")
    return data


MAX_DOCUMENT_XML = 64 * 1024 * 1024  # word/document.xml and the parts read with it; a report is < 1 MB


def open_checked_document(path: str | Path) -> dict[str, bytes]:
    """Check a Word document (.docx) as :func:`open_checked` checks a workbook and return its XML parts
    (name -> bytes), inflated and checked: zip bombs, entity declarations, encryption and sizes are
    refused with a Chinese reason (:class:`ReadError`); macros (.docm) are never looked at."""
    p = Path(path)
    if not p.exists():
        raise ReadError(f"文件不存在：{shown_name(p)}")
    if p.is_dir():
        raise ReadError(f"这是文件夹，不是 Word 文档：{shown_name(p)}")
    try:
        if p.stat().st_size == 0:
            raise ReadError("文件是空的（0 字节）")
        with p.open("rb") as fh:
            if fh.read(8) == _CFB_MAGIC:
                if _is_encrypted_cfb(p):
                    raise ReadError("文档设置了打开密码，请去掉密码后再报送")
                raise ReadError(NOT_DOCX)
            fh.seek(0)
            if not zipfile.is_zipfile(fh):
                raise ReadError("文件已损坏或不是 Word 文档（不是有效的 docx 压缩包）")
            fh.seek(0)
            with zipfile.ZipFile(fh) as z:
                infos = z.infolist()
            names = {i.filename for i in infos}
            if "[Content_Types].xml" not in names or not any(n.startswith("word/") for n in names):
                raise ReadError("文件不是 Word 文档（缺少文档内容）")
            _check_members(fh, infos)
            xml = _xml_parts_within(infos, MAX_DOCUMENT_XML, "文档")
            parts = {i.filename: _checked_xml(fh, i) for i in xml}
            chunks = _chunk_parts(parts, {i.filename: i for i in infos})
            if sum(i.file_size for i in xml) + sum(i.file_size for i in chunks) > MAX_DOCUMENT_XML:
                raise ReadError(
                    f"文档内容过大（嵌入内容解压后超过 {MAX_DOCUMENT_XML // 1024 // 1024} MB），请另存为 .docx 后报送"
                )
            parts.update({i.filename: _inflate(fh, i) for i in chunks})
            return parts
    except zipfile.BadZipFile as exc:
        raise ReadError(f"文件已损坏（压缩包不完整）：{exc}") from exc
    except PermissionError as exc:
        raise ReadError("没有读取该文件的权限") from exc
    except (OSError, EOFError, ValueError, *_INFLATE_ERRORS) as exc:
        raise ReadError(f"文件已损坏，无法读取：{exc}") from exc


def _chunk_parts(parts: dict[str, bytes], infos: dict[str, zipfile.ZipInfo]) -> list[zipfile.ZipInfo]:
    """The members the document's alternative-format chunks (w:altChunk: a web page, RTF or document
    pasted in) are stored in, found through the relationships of type aFChunk; read with the XML
    parts, within the same size limit."""
    from xml.etree import ElementTree as ET

    out = []
    for name, data in parts.items():
        if not name.endswith(".rels") or b"aFChunk" not in data:
            continue
        try:
            root = ET.fromstring(data)
        except ET.ParseError:
            continue
        folder = posixpath.dirname(posixpath.dirname(name))
        for r in root:
            target = r.get("Target", "")
            if not (r.get("Type") or "").endswith("/aFChunk") or r.get("TargetMode") == "External":
                continue
            member = posixpath.normpath(
                target.lstrip("/") if target.startswith("/") else posixpath.join(folder, target)
            )
            if member in infos and member not in parts:
                out.append(infos[member])
    return out


def _xml_parts_within(infos: list[zipfile.ZipInfo], limit: int, what: str) -> list[zipfile.ZipInfo]:
    """The package's XML parts, refused when together they inflate beyond ``limit`` (``what``: 工作簿 or
    文档, the words of the reason)."""
    xml = [i for i in infos if _is_xml_part(i.filename)]
    size = sum(i.file_size for i in xml)
    if size > limit:
        raise ReadError(f"{what}内容过大（解压后 {size // 1024 // 1024} MB），请把自评表复制到新{what}后报送")
    return xml


def _check_package(p: Path, fh: BinaryIO, infos: list[zipfile.ZipInfo]) -> Package:
    names = {i.filename for i in infos}
    if "mimetype" in names or "content.xml" in names:
        mimetype = next((i for i in infos if i.filename == "mimetype"), None)
        if "content.xml" in names or (mimetype and _inflate(fh, mimetype, 128).startswith(_ODF_MIMETYPE)):
            raise ReadError(NOT_XLSX)  # an OpenDocument spreadsheet (.ods), whatever its name
    if any(n.lower() == "xl/workbook.bin" for n in names):
        raise ReadError(NOT_XLSX)  # .xlsb
    if "[Content_Types].xml" not in names or not any(n.startswith("xl/") for n in names):
        raise ReadError("文件不是 Excel 工作簿（缺少工作簿内容）")
    _check_members(fh, infos)
    xml = _xml_parts_within(infos, MAX_XML, "工作簿")
    parts = [(i, _checked_xml(fh, i)) for i in xml]
    targets = _workbook_targets(parts)
    sheet_names = [i.filename for i, _ in parts if _is_worksheet(i.filename) or i.filename.lower() in targets]
    members = {i.filename: data for i, data in parts}
    extents: dict[str, SheetExtent] = {}
    flagged: list[str] = []
    for name in sheet_names:
        box = _near_box(members[name])
        if box is None:
            flagged.append(name)
        else:
            extents[name] = box
    plain = frozenset(extents)  # (before the exact scans add theirs)
    errors = _check_extents(members, extents, flagged, sheet_names)
    spans: dict[str, tuple[int, int, int]] = {}
    return Package(p, _stored_zip(parts, spans), extents, errors, spans=spans, plain=plain)


# --- how far the sheets reach ----------------------------------------------------------------------

NEAR_ROWS, NEAR_COLS = 99, 26  # the form's box: A1:Z99
# The boxes the fast check vouches for, smallest first, each with the search that finds a cell start
# tag other than exactly `<c r="B12" s="3" t="n">` (s and t optional, t not "e") inside it: far away,
# placed by counters (no r), an error cell (python-calamine reads it as ""), or written unusually (a
# second r, which python-calamine would take; other quotes or spacing). The second box holds the
# previous template's hidden helper columns (P:DH) and long lists: A1:DZ999.
_BOXES = tuple(
    (SheetExtent(rows, cols), re.compile(rb'<c(?! r="' + ref + rb'"(?: s="[0-9]+")?(?: t="(?!e")[a-zA-Z]+")?/?>)[\s>/]'))
    for rows, cols, ref in (
        (NEAR_ROWS, NEAR_COLS, rb"[A-Z][1-9][0-9]?"),
        (999, 130, rb"[A-D]?[A-Z][1-9][0-9]{0,2}"),
    )
)  # fmt: skip
# <x:c …>: python-calamine matches local names. <x:f …> too: one search for both, so that the formula
# scan of a sheet the fast check vouched for need not search it again (Package.plain)
_PREFIXED_TAG = re.compile(rb":[cf][\s>/]")


def _near_box(data: bytes) -> SheetExtent | None:
    """The smallest box of :data:`_BOXES` that holds every cell of a worksheet, written plainly; None
    when none does, or when a cell or formula tag is prefixed (the sheet is then measured exactly)."""
    if _PREFIXED_TAG.search(data):  # (faster than `b":c" in data`: measured)
        return None
    return next((box for box, outside in _BOXES if outside.search(data) is None), None)


def _check_extents(
    members: dict[str, bytes],
    extents: dict[str, SheetExtent],
    flagged: list[str],
    sheet_names: list[str],
) -> dict[str, list[tuple[int, int, str]]]:
    """Fill ``extents`` for the flagged sheets (exactly) and refuse sheets or books past the caps.
    Returns the error cells found (part -> (row, col, text))."""
    strings = _shared_strings(members)
    longest = max(strings, default=0) if strings is not None else 0
    # shared-string amplification: measured exactly only when a bound on the text the cells can
    # reference passes the cap (a cell is ≥ 20 bytes of XML; a cell referencing a shared string is
    # typed "s", so counting the quoted "s" anywhere bounds those cells more tightly)
    sheets = [members[n] for n in sheet_names]
    exact_text = (
        strings is not None
        and sum(len(d) for d in sheets) // 20 * longest > MAX_TEXT
        and sum(d.count(b'"s"') + d.count(b"'s'") for d in sheets) * longest > MAX_TEXT
    )
    exact_all = exact_text or sum(e.cells for e in extents.values()) > MAX_BOOK_CELLS
    names: dict[str, str] | None = None
    errors: dict[str, list[tuple[int, int, str]]] = {}
    todo = [n for n in sheet_names if exact_all or n in flagged]
    for part in todo:
        e, cells = _exact_scan(members[part], strings or [])
        extents[part] = e
        if cells:
            errors[part] = cells
        if e.cells > MAX_SHEET_CELLS:
            names = names if names is not None else _part_names(members)
            sheet = names.get(part.lower(), part)
            raise ReadError(
                f"工作表“{sheet}”的内容延伸到 {e.farthest} 单元格，远在自评表范围之外（读取需要 "
                f"{e.rows} 行 × {e.cols} 列，约 {_wan(e.cells)}个单元格，上限 {_wan(MAX_SHEET_CELLS)}个）；"
                f"请删除该处及表格以外的内容后重新报送"
            )
    total = sum(e.cells for e in extents.values())
    if total > MAX_BOOK_CELLS:
        raise ReadError(
            f"工作簿的表格范围合计过大（约 {_wan(total)}个单元格，上限 {_wan(MAX_BOOK_CELLS)}个），"
            "请把自评表复制到新工作簿后报送"
        )
    text = sum(e.text for e in extents.values())
    if exact_text and text > MAX_TEXT:
        raise ReadError(
            f"工作簿引用的文字过多（约 {text // 1024 // 1024} MB），疑似恶意构造的文件，已拒绝读取"
        )
    return errors


def _wan(n: int) -> str:
    """A count in 万 (10,000), as Chinese readers count large numbers."""
    return f"{n / 10_000:,.0f} 万" if n >= 100_000 else f"{n:,} "


_REF = re.compile(r"([A-Za-z]{1,3})([0-9]{1,7})")
_ROW = re.compile(r"[A-Za-z]{0,3}([0-9]{1,7})")


def _exact_scan(data: bytes, strings: list[int]) -> tuple[SheetExtent, list[tuple[int, int, str]]]:
    """A worksheet's real extent, placing cells as python-calamine does: a cell's ``r``, else the column
    after the previous cell in the row; a row's ``r``, else the row after the previous one. A cell
    counts when it holds a value (``<v>`` with text, or ``<is>``); ``text`` adds the length of each
    shared string a cell references. Also returns the error cells (row, col, text), 0-based."""
    from xml.parsers import expat

    parser = expat.ParserCreate()
    st = {"in": False, "row": 0, "col": 0, "cell": None, "valued": False, "depth": 0, "v": False}
    st.update(max_row=-1, max_col=-1, far_r=(0, 0), far_c=(0, 0), text=0, t="", vtext="")
    errors: list[tuple[int, int, str]] = []

    def local(name: str) -> str:
        return name.rpartition(":")[2]

    def start(name: str, attrs: dict[str, str]) -> None:
        tag = local(name)
        if not st["in"]:
            st["in"] = tag == "sheetData"
            return
        if st["cell"] is not None:
            if tag in ("v", "is"):
                st["v"] = tag == "v"
                st["vtext"] = ""
                if tag == "is":
                    st["valued"] = True
            return
        if tag == "row":
            r = attrs.get("r")
            if r is not None:
                m = _ROW.fullmatch(r.strip())
                if m is None:
                    raise ReadError("文件已损坏（行号无效），无法读取")
                st["row"] = int(m.group(1)) - 1
        elif tag == "c":
            r = attrs.get("r")
            if r is not None:
                m = _REF.fullmatch(r.strip())
                if m is None:
                    raise ReadError("文件已损坏（单元格地址无效），无法读取")
                row, col = int(m.group(2)) - 1, column_index(m.group(1)) - 1
                st["col"] = col
            else:
                row, col = st["row"], st["col"]
            if not (0 <= row < EXCEL_MAX_ROWS and 0 <= col < EXCEL_MAX_COLS):
                raise ReadError("文件已损坏（单元格地址超出 Excel 的范围），无法读取")
            st["cell"] = (row, col)
            st["valued"] = False
            st["t"] = attrs.get("t", "").strip()
            st["vtext"] = ""

    def chars(text: str) -> None:
        if st["v"]:
            st["vtext"] += text

    def end(name: str) -> None:
        tag = local(name)
        if not st["in"]:
            return
        if tag == "sheetData":
            st["in"] = False
        elif st["cell"] is not None:
            if tag == "v":
                st["v"] = False
                value = st["vtext"].strip()
                if value:
                    st["valued"] = True
                    if st["t"] == "s" and value.isdigit() and int(value) < len(strings):
                        st["text"] += strings[int(value)]
            elif tag == "c":
                row, col = st["cell"]
                if st["t"] == "e":
                    errors.append((row, col, st["vtext"].strip() or "#VALUE!"))
                if st["valued"]:
                    if row > st["max_row"]:
                        st["max_row"], st["far_r"] = row, (row, col)
                    if col > st["max_col"]:
                        st["max_col"], st["far_c"] = col, (row, col)
                st["cell"] = None
                st["col"] = col + 1
        elif tag == "row":
            st["row"] += 1
            st["col"] = 0

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = chars
    try:
        parser.Parse(data, True)
    except expat.ExpatError as exc:
        raise ReadError(f"文件已损坏（工作表 XML 无效：{exc}），无法读取") from exc
    rows, cols = st["max_row"] + 1, st["max_col"] + 1
    if rows == 0 or cols == 0:
        return SheetExtent(0, 0, True), errors
    # the farthest value: the one that sets the larger overshoot (rows past the form vs columns)
    far = st["far_r"] if rows / NEAR_ROWS >= cols / NEAR_COLS else st["far_c"]
    return SheetExtent(rows, cols, True, ref(*far), st["text"]), errors


def _shared_strings(members: dict[str, bytes]) -> list[int] | None:
    """The byte length of each shared string (None when the workbook has none), markup included: an
    upper bound. python-calamine finds the table by name, case-insensitively."""
    sst = next((d for n, d in members.items() if n.lower().endswith("sharedstrings.xml")), None)
    if sst is None:
        return None
    return [len(chunk) for chunk in _SI.split(sst)[1:]]


_SI = re.compile(rb"<(?:[^\s<>/:=]+:)?si[\s>/]")


# --- zip members ---------------------------------------------------------------------------------


def _is_xml_part(name: str) -> bool:
    return name.lower().endswith((".xml", ".rels"))


def _is_worksheet(name: str) -> bool:
    low = name.lower()
    return low.startswith("xl/worksheets/") and low.endswith(".xml") and low.count("/") == 2


_TARGET = re.compile(rb"""\bTarget\s*=\s*["']([^"']*)["']""")


def _workbook_targets(parts: list[tuple[zipfile.ZipInfo, bytes]]) -> frozenset[str]:
    """Every part the workbook's relationships point to, lower-cased as zip member names: a reader
    finds its sheets there (python-calamine follows the rels, and matches names without regard to case),
    so a worksheet stored elsewhere than xl/worksheets/ is measured like any other."""
    rels = next((d for i, d in parts if i.filename.lower() == "xl/_rels/workbook.xml.rels"), None)
    if rels is None:
        return frozenset()
    out = set()
    for m in _TARGET.finditer(rels):
        t = m.group(1).decode("utf-8", "replace").replace("\\", "/")
        name = t.lstrip("/") if t.startswith("/") else "xl/" + t
        out.add(posixpath.normpath(name).lower())
    return frozenset(out)


def _check_member_size(info: zipfile.ZipInfo) -> None:
    """Refuse a member whose declared sizes are impossible.

    Excel writes only stored and deflated members, and deflate never grows data by more than a few
    bytes per block: compressed larger than declared is a lie (a small file that claims little and
    expands huge)."""
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise ReadError("文件使用了 Excel 不会使用的压缩方式，已拒绝读取")
    if info.compress_type == zipfile.ZIP_STORED and info.compress_size != info.file_size:
        raise ReadError("压缩包数据异常（声明大小与实际不符），已拒绝读取")
    if info.compress_size > info.file_size * 1.01 + 1024:
        raise ReadError("压缩包数据异常（声明大小与实际不符），疑似压缩炸弹，已拒绝读取")


def _data_offset(fh: BinaryIO, info: zipfile.ZipInfo) -> int:
    fh.seek(info.header_offset)
    head = fh.read(30)
    if len(head) < 30 or head[:4] != b"PK\x03\x04":
        raise ReadError("文件已损坏（压缩包结构不完整）")
    name_len, extra_len = struct.unpack("<HH", head[26:30])
    return info.header_offset + 30 + name_len + extra_len


def _inflates_past_declared(fh: BinaryIO, info: zipfile.ZipInfo) -> bool:
    """Inflate a deflated member's raw data in bounded steps (not through zipfile, which trusts the
    declared size and a CRC the attacker also wrote) and tell whether it yields more than declared."""
    fh.seek(_data_offset(fh, info))
    d = _fast_zlib().decompressobj(-15)
    left, out = info.compress_size, 0
    while left > 0:
        chunk = fh.read(min(left, 65536))
        if not chunk:
            break
        left -= len(chunk)
        data = d.decompress(chunk, 1 << 20)
        while True:
            out += len(data)
            if out > info.file_size:
                return True
            if not d.unconsumed_tail:
                break
            data = d.decompress(d.unconsumed_tail, 1 << 20)
    return False


_DOCTYPE = re.compile(rb"<!DOCTYPE|<!ENTITY")
_ROOT = re.compile(rb"<[A-Za-z_]")


def _root_at(data: bytes) -> int:
    """Where the root element starts: entities can only be declared before it."""
    m = _ROOT.search(data)
    return m.start() if m else len(data)


def _inflate(fh: BinaryIO, info: zipfile.ZipInfo, limit: int | None = None) -> bytes:
    """A member's bytes (at most ``limit``) with one zlib call on the open file: a third of zipfile's
    cost for a worksheet. Never more than the declared size is inflated; the CRC is checked by the
    reader that reads the checked copy."""
    if info.flag_bits & 0x1:
        raise ReadError("工作簿设置了打开密码，请去掉密码后再报送")
    fh.seek(_data_offset(fh, info))
    want = info.file_size if limit is None else min(limit, info.file_size)
    if info.compress_type == zipfile.ZIP_STORED:
        data = fh.read(want)
    else:
        # deflate expands at most ~1032 times: a limited read needs only that share of the raw data
        raw = fh.read(info.compress_size if limit is None else min(info.compress_size, want // 2 + 1024))
        data = _fast_zlib().decompressobj(-15).decompress(raw, want + 1)
    if limit is None and len(data) != info.file_size:
        if len(data) > info.file_size:
            raise ReadError("压缩包数据异常（解压后大于声明大小），疑似压缩炸弹，已拒绝读取")
        raise ReadError("文件已损坏（压缩包数据不完整）")
    return data[:want]


def _stored_zip(
    parts: Iterable[tuple[zipfile.ZipInfo, bytes]], spans: dict[str, tuple[int, int, int]] | None = None
) -> bytes:
    """A stored zip of the inflated parts, each with its original CRC-32 (so the reader checks the data
    against what the sender wrote). Sizes are bounded by MAX_XML and MAX_MEMBERS: no zip64. ``spans``
    receives where each member's data lies in it (name -> offset, length, CRC-32; of a name written
    twice, the last, as :mod:`zipfile` reads it)."""
    out: list[bytes] = []
    central: list[bytes] = []
    offset = 0
    for info, data in parts:
        name = info.filename.encode("utf-8")
        flags = 0 if info.filename.isascii() else 0x800  # UTF-8 names
        # version needed, flags, method (stored), time, date (1980-01-01), CRC-32, sizes
        common = struct.pack("<HHHHHIII", 20, flags, 0, 0, 0x21, info.CRC, len(data), len(data))
        local = b"PK\x03\x04" + common + struct.pack("<HH", len(name), 0) + name
        # version made by, the common fields, name length, extra, comment, disk, attributes, offset
        tail = struct.pack("<HHHHHII", len(name), 0, 0, 0, 0, 0, offset)
        central.append(b"PK\x01\x02" + struct.pack("<H", 20) + common + tail + name)
        if spans is not None:
            spans[info.filename] = (offset + len(local), len(data), info.CRC)
        out += (local, data)
        offset += len(local) + len(data)
    cd = b"".join(central)
    end = b"PK\x05\x06" + struct.pack("<HHHHIIH", 0, 0, len(central), len(central), len(cd), offset, 0)
    return b"".join((*out, cd, end))


def _sheet_parts(members: dict[str, bytes]) -> dict[str, str]:
    """Sheet name -> worksheet part, from workbook.xml and its relationships."""
    from xml.etree import ElementTree as ET

    ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
          "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
          "p": "http://schemas.openxmlformats.org/package/2006/relationships"}  # fmt: skip
    try:
        rels = ET.fromstring(members["xl/_rels/workbook.xml.rels"])
        book = ET.fromstring(members["xl/workbook.xml"])
    except (KeyError, ET.ParseError):
        return {}
    target = {
        r.get("Id"): "xl/" + r.get("Target", "").lstrip("/").removeprefix("xl/")
        for r in rels.findall("p:Relationship", ns)
    }
    return {
        s.get("name", ""): target.get(s.get(f"{{{ns['r']}}}id"), "")
        for s in book.findall("m:sheets/m:sheet", ns)
    }


def _part_names(members: dict[str, bytes]) -> dict[str, str]:
    """Worksheet part (lower-cased, as readers match it) -> sheet name."""
    return {posixpath.normpath(part).lower(): name for name, part in _sheet_parts(members).items()}


def error_cells(
    source: str | Path | Package, parts: Collection[str] | None = None
) -> dict[str, list[tuple[int, int, str]]]:
    """Sheet name -> (row, col, error text) of every error cell (0-based), for the given worksheet parts
    (all when None). python-calamine reads an error cell as an empty string (its issue #105)."""
    pkg = source if isinstance(source, Package) else open_checked(source)
    names = {part: name for name, part in pkg.sheet_parts().items()} if pkg.errors else {}
    return {
        names.get(part, part): cells for part, cells in pkg.errors.items() if parts is None or part in parts
    }


def _is_encrypted_cfb(p: Path) -> bool:
    try:
        import olefile  # noqa: PLC0415  (installed with oletools; optional)

        with olefile.OleFileIO(str(p)) as ole:
            return ole.exists("EncryptedPackage") or ole.exists("EncryptionInfo")
    except Exception:  # noqa: BLE001 - any failure: treat by content below
        with p.open("rb") as f:
            return b"E\x00n\x00c\x00r\x00y\x00p\x00t\x00e\x00d\x00P\x00a\x00c\x00k\x00a\x00g\x00e" in f.read(
                65536
            )
