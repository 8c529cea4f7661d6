"""``xlperf validate -o``: a copy of the workbook with a 校验结果 sheet and the offending cells marked.

The copy applies the validation's patch plan (:func:`xlperf.core.plan.build_plan`) by editing only the
parts that change (see :mod:`xlperf.writers.ooxml` for why not through openpyxl):

- a 校验结果 worksheet part, first in the tab order and active, and a very hidden record sheet
  (``_xlperf_marks``, the same sheet the Excel ribbon writes), with their relationships, content-type
  overrides and print definitions;
- fills, fonts, borders and cell formats appended to ``styles.xml`` (existing ones untouched);
- in each marked sheet, only the marked cells' ``s`` attributes (their format with our fill instead
  of theirs, everything else of the format kept: number format, protection, alignment);
- our notes in the sheet's comments part and legacy (VML) drawing, created when the sheet has none;
  on a cell that already has the user's note, ours is appended after theirs (from :data:`NOTE_MARKER`
  on), so theirs survives and ours can be cut off again.

Everything else (values, cached results, formulas, images, charts, defined names, validations,
protection, VBA) is copied byte for byte. The record sheet keeps, besides one row per change, an undo
log: the original text of the small parts we edited, the splices made in worksheets, the parts we
created, and a digest of every part as we wrote it. :func:`strip_marks` (what the next ``validate -o``
does first, so marks are replaced and never stacked) undoes it exactly when the digest still matches;
when an office suite has saved the copy since (digest changed), it removes our sheets, puts back the
recorded fills where our colour is still there, and cuts our notes at the marker.

The copy carries the extension its content needs: a workbook with a VBA project (macro-enabled
content type) must be written as .xlsm, one without as .xlsx (:func:`check_output`); we refuse
rather than drop the user's macros or call a plain workbook macro-enabled.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import posixpath
import re
import zipfile
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree as ET

from xlperf.core.engine import Validation
from xlperf.core.labels import RESULT_SHEET
from xlperf.core.plan import (
    NOTE_AUTHOR,
    NOTE_MARKER,
    PALETTE,
    RECORD_HEADER,
    RECORD_SHEET,
    Mark,
    Plan,
    build_plan,
    col_letter,
)
from xlperf.errors import OutputError, ReadError
from xlperf.safe_io import atomic_write
from xlperf.writers import ooxml as ox
from xlperf.writers import sheetxml as sx

_CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
META_CHUNK = 30_000  # characters per record cell (Excel holds 32,767)
MAIN_TYPES = {ox.CT_XLSX: ".xlsx", ox.CT_XLSM: ".xlsm"}


def mark_plan(v: Validation) -> dict[tuple[str, str], tuple[str, str]]:
    """(sheet, cell) -> (severity, note text), from the plan: for the Excel macros until they apply the
    whole plan."""
    return {(m.sheet, m.cell): (m.severity, m.note) for m in build_plan(v).marks}


# --- what the copy may be -------------------------------------------------------------------------------


class NotCopyable(ReadError):
    """A file xlperf can validate but not copy losslessly (an .xls, an .ods, a template)."""


def open_package(src: str | Path) -> ox.Package:
    """The input as a package, or a ReadError saying in Chinese why no copy of it can be made."""
    _refuse_other_formats(src)
    pkg = ox.Package.open(src)
    copy_suffix(pkg)
    return pkg


def _refuse_other_formats(src: str | Path) -> None:
    src = Path(src)
    try:
        with src.open("rb") as fh:
            head = fh.read(8)
    except OSError as exc:
        raise ReadError(f"无法读取文件：{src}（{exc.strerror or exc}）") from exc
    if head == _CFB_MAGIC:
        raise NotCopyable("旧版 .xls（或加密）工作簿无法生成校验副本：请先在 Excel/WPS 中另存为 .xlsx 后再试")
    try:
        with zipfile.ZipFile(src) as z:
            names = set(z.namelist())
            odf = "mimetype" in names and z.read("mimetype").startswith(b"application/vnd.oasis.opendocument")
    except (OSError, zipfile.BadZipFile, EOFError, ValueError):
        return  # Package.open says what is wrong with it
    if odf and "[Content_Types].xml" not in names:
        raise NotCopyable(
            "OpenDocument（.ods）表格无法生成校验副本：请先在 WPS/LibreOffice 中另存为 .xlsx 后再试"
        )


def copy_suffix(pkg: ox.Package) -> str:
    """.xlsx or .xlsm: what the content is (the main part's content type), whatever the input is named."""
    main = pkg.main_part()
    ct = pkg.content_type(main)
    if ct in MAIN_TYPES:
        if not pkg.exists(main):
            raise ReadError("文件不是 Excel 工作簿（找不到工作簿主体部件）")
        if "purl.oclc.org/ooxml" in pkg.text(main)[:2000]:
            raise NotCopyable("“严格 Open XML”格式的工作簿暂不能生成校验副本：请在 Excel 中另存为普通 .xlsx")
        return MAIN_TYPES[ct]
    if "template" in ct or "addin" in ct:
        raise NotCopyable("模板或加载项文件（.xltx/.xltm/.xlam）不能生成校验副本：请另存为 .xlsx 工作簿")
    raise NotCopyable(
        f"不是 Excel 工作簿（{ct or '缺少类型'}，可能是 .ods 等格式），无法生成校验副本：请另存为 .xlsx 后再试"
    )


def check_output(src: str | Path, out: str | Path) -> str:
    """Refuse, before any work, an output whose extension does not match the copy's content; returns
    the suffix. Reads only the package's content types, relationships and workbook part."""
    _refuse_other_formats(src)
    pkg = ox.Package.open(src, only=lambda n: n in ("[Content_Types].xml", "_rels/.rels"))
    pkg.load(pkg.main_part())
    want = copy_suffix(pkg)
    got = Path(out).suffix.lower()
    if got != want:
        fixed = Path(out).with_suffix(want).name
        if want == ".xlsm":
            raise OutputError(
                f"原工作簿含宏（VBA），副本须保存为 .xlsm 才能原样保留宏；请把 -o 的文件名改为 {fixed}"
            )
        raise OutputError(
            f"原工作簿不含宏，副本应保存为 .xlsx（.xlsm 表示含宏的工作簿）；请把 -o 的文件名改为 {fixed}"
        )
    return want


def write_annotated_copy(v: Validation, src: str | Path, out: str | Path, plan: Plan | None = None) -> Path:
    """Write a marked copy of ``src`` to ``out``; ``src`` is never modified. Raises ReadError when the
    input cannot be read as a package (NotCopyable when it is not one we can copy losslessly),
    OutputError when the copy cannot be written or its extension does not match its content."""
    check_output(src, out)
    pkg = open_package(src)
    annotate(pkg, plan or build_plan(v))
    return atomic_write(out, pkg.save, inputs=[src])


def write_cleared_copy(src: str | Path, out: str | Path) -> tuple[Path, bool]:
    """清除校验标记 on a file: a copy of ``src`` without our marks; True when there were marks."""
    check_output(src, out)
    pkg = open_package(src)
    found = strip_marks(pkg)
    return atomic_write(out, pkg.save, inputs=[src]), found


# --- the workbook part -------------------------------------------------------------------------------


@dataclass
class SheetEntry:
    name: str
    rid: str
    part: str
    state: str
    index: int


class Book:
    """The workbook part: its sheets (in tab order) and where its styles are."""

    def __init__(self, pkg: ox.Package) -> None:
        self.pkg = pkg
        self.part = pkg.main_part()
        self.load()

    def load(self) -> None:
        self.text = self.pkg.text(self.part)
        rels = {r.id: r for r in self.pkg.rels(self.part)}
        self.rels = rels
        span = ox.find(self.text, "sheets")
        if span is None:
            raise ReadError("工作簿没有工作表（workbook.xml 缺少 sheets）")
        self.sheets_span = span
        self.sheets: list[SheetEntry] = []
        for i, s in enumerate(ox.find_all(self.text, "sheet", span.tag_end, span.end)):
            a = ox.attrs(self.text[s.start : s.tag_end])
            rid = next((v for k, v in a.items() if k.endswith(":id") or k == "id"), "")
            rel = rels.get(rid)
            self.sheets.append(
                SheetEntry(a.get("name", ""), rid, rel.part if rel else "", a.get("state", "visible"), i)
            )

    def by_name(self, name: str) -> SheetEntry | None:
        return next((s for s in self.sheets if s.name == name), None)

    def styles_part(self) -> str | None:
        return next((r.part for r in self.rels.values() if r.type.endswith("/styles")), None)

    def write(self) -> None:
        self.pkg.write(self.part, self.text)
        self.load()


# --- styles ------------------------------------------------------------------------------------------


class Styles:
    """Appends to styles.xml: fonts, fills, borders and cell formats, each list grown at its end."""

    LISTS = (("fonts", "font"), ("fills", "fill"), ("borders", "border"), ("cellXfs", "xf"))

    def __init__(self, pkg: ox.Package, book: Book) -> None:
        self.pkg = pkg
        part = book.styles_part()
        if part is None or not pkg.exists(part):
            part = posixpath.join(posixpath.dirname(book.part), "styles.xml")
            part = (
                part
                if not pkg.exists(part)
                else pkg.new_name(posixpath.join(posixpath.dirname(book.part), "styles{}.xml"))
            )
            pkg.write(part, _MINIMAL_STYLES)
            pkg.add_override(part, ox.CT_STYLES)
            pkg.add_rel(book.part, ox.REL_STYLES, part, "rIdXlperfStyles")
        self.part = part
        self.text = pkg.text(part)
        self.items: dict[str, list[str]] = {}
        self.added: dict[str, list[str]] = {lst: [] for lst, _ in self.LISTS}
        for lst, child in self.LISTS:
            span = ox.find(self.text, lst)
            kids = [] if span is None else ox.find_all(self.text, child, span.tag_end, span.end)
            self.items[lst] = [self.text[k.start : k.end] for k in kids]
        self._cache: dict[tuple[str, str], int] = {}

    def _add(self, lst: str, xml: str) -> int:
        key = (lst, xml)
        if key not in self._cache:
            self.added[lst].append(xml)
            self._cache[key] = len(self.items[lst]) + len(self.added[lst]) - 1
        return self._cache[key]

    def style(self, style) -> int:
        """A cell format for one of the plan's named styles."""
        font = self._add("fonts", sx.font_xml(style))
        fill = self._add("fills", sx.fill_xml(style.fill))
        border = self._add("borders", sx.border_xml(style.border))
        return self._add("cellXfs", sx.xf_xml(font, fill, border, style))

    def xf(self, index: int) -> str:
        xfs = self.items["cellXfs"]
        if 0 <= index < len(xfs):
            return xfs[index]
        return xfs[0] if xfs else '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'

    def with_fill(self, index: int, fill_xml: str) -> int:
        """Cell format ``index`` with another fill: its font, border, number format, alignment and
        protection kept."""
        fill = self._add("fills", fill_xml)
        xf = self.xf(index)
        m = ox.tag_pattern("xf").match(xf)
        head, rest = (m.group(0), xf[m.end() :]) if m else (xf, "")
        head = ox.set_attr(ox.set_attr(head, "fillId", str(fill)), "applyFill", "1")
        return self._add("cellXfs", head + rest)

    def fill_of(self, index: int) -> str:
        """The fill element a cell format uses."""
        fid = ox.get_attr(self.xf(index), "fillId")
        fills = self.items["fills"]
        i = int(fid) if fid and fid.isdigit() else 0
        return fills[i] if 0 <= i < len(fills) else sx.fill_xml(None)

    def finish(self) -> None:
        text = self.text
        for lst, child in self.LISTS:
            new = self.added[lst]
            if not new:
                continue
            span = ox.find(text, lst)
            if span is None:
                raise ReadError(f"工作簿的样式部件缺少 {lst}，无法添加标记")
            kids = ox.find_all(text, child, span.tag_end, span.end)
            at = kids[-1].end if kids else span.tag_end
            tag = text[span.start : span.tag_end]
            if span.empty:
                tag = tag[:-2].rstrip() + ">"
            count = ox.get_attr(tag, "count")
            if count is not None:
                tag = ox.set_attr(tag, "count", str(len(self.items[lst]) + len(new)))
            if span.empty:
                text = (
                    text[: span.start]
                    + tag
                    + "".join(new)
                    + f"</{ox.prefix_of(tag)}{lst}>"
                    + text[span.end :]
                )
            else:
                text = text[: span.start] + tag + text[span.tag_end : at] + "".join(new) + text[at:]
        self.pkg.write(self.part, text)


_MINIMAL_STYLES = (
    sx.XML_DECL
    + f'<styleSheet xmlns="{sx.NS_MAIN}"><fonts count="1"><font><sz val="11"/><name val="Calibri"/></font>'
    '</fonts><fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/>'
    '</fill></fills><borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>'
)


def fill_rgb(fill_xml: str) -> str:
    """The RGB hex a fill shows ("" for none or a colour not given as RGB): for the Excel macros'
    record column, which restores a colour."""
    pattern = ox.get_attr(fill_xml, "patternType")
    if pattern in (None, "none"):
        return ""
    m = re.search(r"<(?:\w+:)?fgColor\b[^>]*\brgb=\"([0-9A-Fa-f]{6,8})\"", fill_xml)
    return m.group(1)[-6:].upper() if m else ""


# --- a worksheet's cells --------------------------------------------------------------------------------


_C_TAG = ox.tag_pattern("c")
_MERGE = re.compile(
    r'<(?:[\w.-]+:)?mergeCell\s[^>]*?\bref="\$?([A-Za-z]{1,3})\$?(\d+)(?::\$?([A-Za-z]{1,3})\$?(\d+))?"'
)


class Worksheet:
    """Text edits of one worksheet part, collected and applied once (so the undo log is one list)."""

    def __init__(self, pkg: ox.Package, part: str) -> None:
        self.pkg, self.part = pkg, part
        self.text = pkg.text(part)
        root = re.search(r"<(?:[\w.-]+:)?worksheet\b", self.text)
        self.prefix = ox.prefix_of(root.group(0)) if root else ""
        self.edits: list[tuple[int, int, str]] = []
        sd = ox.find(self.text, "sheetData")
        self.data = (sd.tag_end, ox.content_end(self.text, sd)) if sd else None
        self.sheet_data = sd
        self.merges = [_merge_box(*m) for m in _MERGE.findall(self.text, sd.end if sd else 0)]
        self._new_cells: dict[int, list[tuple[int, str]]] = defaultdict(list)

    def anchor(self, ref: str) -> str:
        """The top-left cell of the merged range holding ``ref`` (``ref`` itself when not merged)."""
        r, c = ox.parse_ref(ref)
        for rng in self.merges:
            if rng and rng[0] <= r <= rng[2] and rng[1] <= c <= rng[3]:
                return f"{col_letter(rng[1])}{rng[0]}"
        return f"{col_letter(c)}{r}"

    def locate(self, refs: list[str]) -> dict[str, tuple[int, int]]:
        """ref -> (start, end) of the cell's start tag, for the cells present in sheetData."""
        if not refs or self.data is None:
            return {}
        out: dict[str, tuple[int, int]] = {}
        text, (lo, hi) = self.text, self.data
        for ref in set(refs):
            needle = f' r="{ref}"'
            at = text.find(needle, lo, hi)
            while at >= 0:
                start = text.rfind("<", lo, at)
                t = _C_TAG.match(text, start) if start >= 0 else None
                if t is not None and t.end() > at:
                    out[ref] = (t.start(), t.end())
                    break
                at = text.find(needle, at + 1, hi)
        return out

    def set_styles(
        self, styles: dict[str, int], found: dict[str, tuple[int, int]] | None = None
    ) -> dict[str, tuple[str | None, str]]:
        """Give each cell its new format index; returns ref -> (original s or None, how: ""/"cell"/"row").
        ``found`` is :meth:`locate` of these cells when the caller has it."""
        found = self.locate(list(styles)) if found is None else found
        out: dict[str, tuple[str | None, str]] = {}
        for ref, xf in styles.items():
            if ref in found:
                s, e = found[ref]
                tag = self.text[s:e]
                out[ref] = (ox.get_attr(tag, "s"), "")
                self.edits.append((s, e, ox.set_attr(tag, "s", str(xf))))
            else:
                out[ref] = (None, self._create(ref, xf))
        self._flush_rows()
        return out

    def _create(self, ref: str, xf: int) -> str:
        """Queue a new empty cell with format ``xf``; "cell" (into its row) or "row" (a new row)."""
        r, c = ox.parse_ref(ref)
        self._new_cells[r].append((c, f'<{self.prefix}c r="{ref}" s="{xf}"/>'))
        return "cell" if self._row_span(r) else "row"

    def _row_span(self, r: int) -> ox.Span | None:
        if self.data is None:
            return None
        m = re.compile(rf'<(?:[\w.-]+:)?row\s[^>]*?\br="{r}"').search(self.text, *self.data)
        if m is None:
            return None
        t = ox.tag_pattern("row").match(self.text, m.start())
        return ox.element_at(self.text, t, "row") if t else None

    def _flush_rows(self) -> None:
        if not self._new_cells:
            return
        if self.data is None or self.sheet_data is None:
            raise ReadError("工作表缺少 sheetData，无法标记单元格")
        new_rows: list[tuple[int, str]] = []
        for r, cells in sorted(self._new_cells.items()):
            cells.sort()
            span = self._row_span(r)
            if span is None:
                new_rows.append(
                    (r, f'<{self.prefix}row r="{r}">' + "".join(x for _, x in cells) + f"</{self.prefix}row>")
                )
                continue
            tag = self.text[span.start : span.tag_end]
            kids = ox.find_all(self.text, "c", span.tag_end, span.end) if not span.empty else []
            new_tag = tag
            spans = ox.get_attr(tag, "spans")
            if spans and re.fullmatch(r"\d+:\d+", spans):
                lo, hi = map(int, spans.split(":"))
                lo, hi = min([lo] + [c for c, _ in cells]), max([hi] + [c for c, _ in cells])
                new_tag = ox.set_attr(new_tag, "spans", f"{lo}:{hi}")
            if span.empty:
                p = ox.prefix_of(tag)
                self.edits.append(
                    (
                        span.start,
                        span.end,
                        new_tag[:-2].rstrip() + ">" + "".join(x for _, x in cells) + f"</{p}row>",
                    )
                )
                continue
            if new_tag != tag:
                self.edits.append((span.start, span.tag_end, new_tag))
            for c, xml in cells:
                at = content_end = ox.content_end(self.text, span)
                for k in kids:
                    kr = ox.get_attr(self.text[k.start : k.tag_end], "r")
                    if kr and ox.parse_ref(kr)[1] > c:
                        at = k.start
                        break
                del content_end
                self.edits.append((at, at, xml))
        if new_rows:
            rows = ox.find_all(self.text, "row", *self.data)
            for r, xml in new_rows:
                at = self.data[1]
                for rs in rows:
                    rr = ox.get_attr(self.text[rs.start : rs.tag_end], "r")
                    if rr and rr.isdigit() and int(rr) > r:
                        at = rs.start
                        break
                if self.sheet_data.empty:
                    raise ReadError("工作表的 sheetData 为空元素，无法标记单元格")
                self.edits.append((at, at, xml))
        self._new_cells.clear()

    def unselect(self) -> bool:
        """Drop tabSelected from the sheet's views (the 校验结果 sheet becomes the selected one)."""
        head_end = self.sheet_data.start if self.sheet_data else len(self.text)
        changed = False
        for v in ox.find_all(self.text, "sheetView", 0, head_end):
            tag = self.text[v.start : v.tag_end]
            if ox.get_attr(tag, "tabSelected") not in (None, "0", "false"):
                self.edits.append((v.start, v.tag_end, ox.set_attr(tag, "tabSelected", None)))
                changed = True
        return changed

    def legacy_drawing_rid(self) -> str | None:
        span = ox.find(self.text, "legacyDrawing", self.sheet_data.end if self.sheet_data else 0)
        if span is None:
            return None
        a = ox.attrs(self.text[span.start : span.tag_end])
        return next((v for k, v in a.items() if k.endswith(":id")), None)

    def add_legacy_drawing(self, rid: str) -> None:
        """Insert <legacyDrawing r:id=…/> where the schema puts it (after drawing, before the rest)."""
        after = ("legacyDrawingHF", "drawingHF", "picture", "oleObjects", "controls", "webPublishItems",
                 "tableParts", "extLst", "AlternateContent")  # fmt: skip
        at = None
        begin = self.sheet_data.end if self.sheet_data else 0
        if re.compile(r"<(?:[\w.-]+:)?(" + "|".join(after) + r")[\s/>]").search(self.text, begin):
            for local, start in top_level(self.text, begin):
                if local in after:
                    at = start
                    break
        if at is None:
            at = self.text.rindex("</")
        el = f'<{self.prefix}legacyDrawing xmlns:r="{sx.NS_R}" r:id="{rid}"/>'
        self.edits.append((at, at, el))

    def finish(self) -> list[tuple[int, int, str]] | None:
        """Write the edits; returns the undo splices (start, end, original text) on the new text."""
        if not self.edits:
            return None
        undo = []
        delta = 0
        for s, e, new in sorted(self.edits, key=lambda x: (x[0], x[1])):
            ns = s + delta
            undo.append((ns, ns + len(new), self.text[s:e]))
            delta += len(new) - (e - s)
        self.pkg.write(self.part, ox.splice(self.text, self.edits))
        return undo


def top_level(text: str, start: int) -> list[tuple[str, int]]:
    """(local name, offset) of the root's child elements from ``start`` on (start must be between
    children)."""
    out = []
    depth = 0
    tag = re.compile(
        rf"<(/?)(?:[\w.-]+:)?([\w.-]+){ox._ATTRS}>|<!--.*?-->|<\?.*?\?>|<!\[CDATA\[.*?\]\]>", re.S
    )
    for m in tag.finditer(text, start):
        if m.group(2) is None:
            continue
        closing, name = m.group(1), m.group(2)
        if closing:
            depth -= 1
            if depth < 0:
                break
            continue
        if depth == 0:
            out.append((name, m.start()))
        if not m.group(0).endswith("/>"):
            depth += 1
    return out


@functools.lru_cache(maxsize=4096)
def _col_number(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n


def _merge_box(c1: str, r1: str, c2: str, r2: str) -> tuple[int, int, int, int]:
    a, b = int(r1), _col_number(c1)
    c, d = (int(r2), _col_number(c2)) if c2 else (a, b)
    return (min(a, c), min(b, d), max(a, c), max(b, d))


# --- notes ---------------------------------------------------------------------------------------------


class Notes:
    """Our notes on one sheet: in its comments part and legacy drawing (created when missing)."""

    def __init__(self, pkg: ox.Package, ws: Worksheet, vml_block: int) -> None:
        self.pkg, self.ws = pkg, ws
        rels = pkg.rels(ws.part)
        self.comments = next((r.part for r in rels if r.type.endswith("/comments") and not r.external), None)
        ld = ws.legacy_drawing_rid()
        self.vml = next((r.part for r in rels if r.id == ld and not r.external), None) if ld else None
        self.threaded: set[str] = set()
        for r in rels:
            if r.type.endswith("/threadedComment") and pkg.exists(r.part):
                self.threaded.update(re.findall(r'\bref="([A-Z]+\d+)"', pkg.text(r.part)))
        self.vml_block = vml_block

    def add(self, notes: list[tuple[str, str]]) -> dict[str, tuple[str, str]]:
        """Add (ref, text) notes; returns ref -> (kind, original) with kind "note" (ours alone),
        "appended" (after the user's; original = their <text> element) or "" (none: a threaded comment
        is there, which Excel would show instead)."""
        out: dict[str, tuple[str, str]] = {}
        wanted = [(ref, text) for ref, text in notes if ref not in self.threaded]
        out.update({ref: ("", "") for ref, _ in notes if ref in self.threaded})
        if not wanted:
            return out
        pkg, ws = self.pkg, self.ws
        if self.comments is None or not pkg.exists(self.comments):
            folder = posixpath.dirname(posixpath.dirname(ws.part))  # xl/
            self.comments = pkg.new_name(posixpath.join(folder, "comments", "xlperf{}.xml"))
            pkg.write(self.comments, sx.comments_part(NOTE_AUTHOR, []))
            pkg.add_override(self.comments, ox.CT_COMMENTS)
            pkg.add_rel(ws.part, ox.REL_COMMENTS, self.comments, "rIdXlperfComments")
        text = pkg.text(self.comments)
        authors = ox.find(text, "authors")
        names = [] if authors is None else [
            ox.unescape(re.sub(r"<[^>]+>", "", text[a.start : a.end]))
            for a in ox.find_all(text, "author", authors.tag_end, authors.end)
        ]  # fmt: skip
        edits: list[tuple[int, int, str]] = []
        if NOTE_AUTHOR in names:
            author = names.index(NOTE_AUTHOR)
        else:
            author = len(names)
            p = ox.prefix_of(text[authors.start : authors.tag_end]) if authors else ""
            el = f"<{p}author>{NOTE_AUTHOR}</{p}author>"
            if authors is None:
                cl = ox.find(text, "commentList")
                edits.append(
                    (
                        cl.start if cl else text.rindex("</"),
                        cl.start if cl else text.rindex("</"),
                        f"<authors>{el}</authors>",
                    )
                )
            elif authors.empty:
                edits.append((authors.start, authors.end, f"<{p}authors>{el}</{p}authors>"))
            else:
                at = ox.content_end(text, authors)
                edits.append((at, at, el))
        clist = ox.find(text, "commentList")
        existing: dict[str, ox.Span] = {}
        if clist is not None:
            for c in ox.find_all(text, "comment", clist.tag_end, clist.end):
                ref = ox.get_attr(text[c.start : c.tag_end], "ref")
                if ref:
                    existing[ref] = c
        new_comments: list[str] = []
        new_shapes: list[tuple[str, str]] = []
        grown: dict[tuple[int, int], int] = {}
        for ref, note in wanted:
            if ref in existing:
                c = existing[ref]
                tspan = ox.find(text, "text", c.tag_end, c.end)
                if tspan is None:
                    continue
                original = text[tspan.start : tspan.end]
                p = ox.prefix_of(original)
                inner = "" if tspan.empty else text[tspan.tag_end : ox.content_end(text, tspan)]
                if re.match(r"\s*<(?:[\w.-]+:)?t[\s>]", inner):  # plain text: make it a run first
                    tend = ox.end_pattern("t").search(inner)
                    inner = f"<{p}r>" + inner[: tend.end()] + f"</{p}r>" + inner[tend.end() :]
                runs = sx.note_runs(note, after_user=True)
                if p:
                    runs = re.sub(r"<(/?)(r|rPr|b|sz|color|rFont|family|charset|t)\b", rf"<\1{p}\2", runs)
                edits.append((tspan.start, tspan.end, f"<{p}text>{inner}{runs}</{p}text>"))
                out[ref] = ("appended", original)
                grown[_zero_based(ref)] = note.count("\n") + 2
            else:
                new_comments.append(sx.comment_xml(ref, author, note))
                new_shapes.append((ref, note))
                out[ref] = ("note", "")
        if new_comments:
            if clist is None:
                at = text.rindex("</")
                edits.append((at, at, "<commentList>" + "".join(new_comments) + "</commentList>"))
            elif clist.empty:
                p = ox.prefix_of(text[clist.start : clist.tag_end])
                edits.append(
                    (
                        clist.start,
                        clist.end,
                        f"<{p}commentList>" + "".join(new_comments) + f"</{p}commentList>",
                    )
                )
            else:
                kids = ox.find_all(text, "comment", clist.tag_end, clist.end)
                at = kids[-1].end if kids else clist.tag_end
                edits.append((at, at, "".join(new_comments)))
        pkg.write(self.comments, ox.splice(text, edits))
        if grown:
            self._grow_shapes(grown)
        if new_shapes:
            self._add_shapes(new_shapes)
        return out

    def _grow_shapes(self, grown: dict[tuple[int, int], int]) -> None:
        """Make the user's note boxes taller by the lines we appended (capped), so ours shows too."""
        if self.vml is None or not self.pkg.exists(self.vml):
            return
        text = self.pkg.read(self.vml).decode("utf-8", "surrogateescape")
        edits = []
        for m in re.finditer(r"<v:shape\b.*?</v:shape>", text, re.S):
            shape = m.group(0)
            row = re.search(r"<x:Row>\s*(\d+)\s*</x:Row>", shape)
            col = re.search(r"<x:Column>\s*(\d+)\s*</x:Column>", shape)
            if not (row and col and 'ObjectType="Note"' in shape):
                continue
            lines = grown.get((int(row.group(1)), int(col.group(1))))
            if not lines:
                continue
            lines = min(lines, 12)
            new = re.sub(
                r"(<x:Anchor>\s*(?:\d+\s*,\s*){6})(\d+)",
                lambda a, n=lines: a.group(1) + str(int(a.group(2)) + n),
                shape,
                count=1,
            )
            new = re.sub(
                r"(\bheight:)([\d.]+)pt",
                lambda h, n=lines: f"{h.group(1)}{float(h.group(2)) + 12 * n:g}pt",
                new,
                count=1,
            )
            edits.append((m.start(), m.end(), new))
        if edits:
            self.pkg.write(self.vml, ox.splice(text, edits).encode("utf-8", "surrogateescape"))

    def _add_shapes(self, notes: list[tuple[str, str]]) -> None:
        pkg, ws = self.pkg, self.ws
        if self.vml is None or not pkg.exists(self.vml):
            folder = posixpath.dirname(posixpath.dirname(ws.part))
            self.vml = pkg.new_name(posixpath.join(folder, "drawings", "xlperfNotes{}.vml"))
            block = self.vml_block
            shapes = [
                sx.note_shape(block * 1024 + k + 1, *_zero_based(ref), note.count("\n") + 1)
                for k, (ref, note) in enumerate(notes)
            ]
            pkg.write(self.vml, sx.vml_part(block, shapes))
            pkg.add_override(self.vml, ox.CT_VML)
            rid = pkg.add_rel(ws.part, ox.REL_VML, self.vml, "rIdXlperfNotes")
            ws.add_legacy_drawing(rid)
            return
        raw = pkg.read(self.vml)
        text = raw.decode("utf-8", "surrogateescape")
        ids = [int(x) for x in re.findall(r"_x0000_s(\d+)", text)]
        m = re.search(r'<o:idmap\b[^>]*\bdata="(\d+)', text)
        base = max(ids) if ids else (int(m.group(1)) if m else self.vml_block) * 1024
        shapes = "".join(
            sx.note_shape(base + k + 1, *_zero_based(ref), note.count("\n") + 1)
            for k, (ref, note) in enumerate(notes)
        )
        if 'id="_x0000_t202"' not in text:
            shapes = sx.SHAPETYPE + shapes
        at = text.rfind("</xml>")
        if at < 0:
            raise ReadError(f"工作簿的批注绘图部件已损坏：{self.vml}")
        pkg.write(self.vml, (text[:at] + shapes + text[at:]).encode("utf-8", "surrogateescape"))


def _zero_based(ref: str) -> tuple[int, int]:
    r, c = ox.parse_ref(ref)
    return r - 1, c - 1


def vml_blocks(pkg: ox.Package) -> int:
    """The first shape-id block (o:idmap) no VML drawing of the package uses."""
    used = {0}
    for name in pkg.names():
        if name.lower().endswith(".vml"):
            for data in re.findall(rb'<o:idmap\b[^>]*\bdata="([\d, ]+)"', pkg.read(name)):
                used.update(int(x) for x in data.decode().replace(" ", "").split(",") if x)
    return max(used) + 1


# --- applying the plan -----------------------------------------------------------------------------------


@dataclass
class _State:
    base: dict[str, bytes]
    splices: dict[str, list] = field(default_factory=dict)


def annotate(pkg: ox.Package, plan: Plan) -> None:
    """Apply ``plan`` to the package in memory (after taking away the marks of an earlier run)."""
    strip_marks(pkg)
    state = _State({n: pkg.read(n) for n in pkg.names()})
    book = Book(pkg)
    styles = Styles(pkg, book)
    block = vml_blocks(pkg)
    record: list[list[object]] = [list(RECORD_HEADER)]
    by_sheet: dict[str, list[Mark]] = defaultdict(list)
    for m in plan.marks:
        by_sheet[m.sheet].append(m)
    worksheets: dict[str, Worksheet] = {}
    for entry in book.sheets:
        if not entry.part or not pkg.exists(entry.part):
            continue
        marks = by_sheet.get(entry.name)
        if not marks and b"tabSelected" not in pkg.read(entry.part)[:20_000]:
            continue
        ws = Worksheet(pkg, entry.part)  # a chart sheet's views are the same element
        worksheets[entry.part] = ws
        ws.unselect()
        if not marks:
            continue
        cells: dict[str, Mark] = {}
        for m in marks:
            ref = ws.anchor(m.cell)
            if ref not in cells or _worse(m, cells[ref]):
                cells[ref] = m
        originals: dict[str, int] = {}
        located = ws.locate(list(cells))
        for ref in cells:
            if ref in located:
                s = ox.get_attr(ws.text[located[ref][0] : located[ref][1]], "s")
                originals[ref] = int(s) if s and s.isdigit() else 0
            else:
                originals[ref] = 0
        new = {ref: styles.with_fill(originals[ref], sx.fill_xml(m.fill)) for ref, m in cells.items()}
        done = ws.set_styles(new, located)
        for ref in cells:
            s, created = done[ref]
            fill = styles.fill_of(originals[ref])
            record.append([entry.name, ref, fill_rgb(fill), "", "" if s is None else s, created, fill])
        notes = Notes(pkg, ws, block)
        block += 1
        kinds = notes.add([(ref, m.note) for ref, m in cells.items()])
        for ref, (kind, original) in kinds.items():
            if kind:
                record.append([entry.name, ref, "", kind, "", "", original])
    for part, ws in worksheets.items():
        undo = ws.finish()
        if undo:
            state.splices[part] = undo
    _add_sheets(pkg, book, styles, plan, record, state)


def _worse(a: Mark, b: Mark) -> bool:
    order = {"error": 0, "warning": 1, "info": 2}
    return order[a.severity] < order[b.severity]


def _add_sheets(
    pkg: ox.Package, book: Book, styles: Styles, plan: Plan, record: list[list[object]], state: _State
) -> None:
    rs = plan.result_sheet
    xf_of = {name: styles.style(st) for name, st in rs.styles.items()}
    folder = posixpath.join(posixpath.dirname(book.part), "worksheets")
    result_part = pkg.new_name(posixpath.join(folder, "xlperfResults{}.xml"))
    pkg.write(result_part, sx.result_sheet_xml(rs, xf_of))
    record_part = pkg.new_name(posixpath.join(folder, "xlperfMarks{}.xml"))
    pkg.write(record_part, b"")  # reserved; written last
    for part in (result_part, record_part):
        pkg.add_override(part, ox.CT_WORKSHEET)
    rid_result = pkg.add_rel(book.part, ox.REL_WORKSHEET, result_part, "rIdXlperfResults")
    rid_record = pkg.add_rel(book.part, ox.REL_WORKSHEET, record_part, "rIdXlperfMarks")
    styles.finish()
    _add_to_workbook(book, rs, rid_result, rid_record)
    # the undo log: what the record sheet must hold for strip_marks to restore the parts exactly
    created, originals = [], {}
    for name in pkg.names():
        if name not in state.base:
            created.append(name)
        elif name not in state.splices and pkg.read(name) != state.base[name]:
            originals[name] = _encode(state.base[name])
    touched = sorted((set(created) | set(originals) | set(state.splices)) - {record_part})
    meta = {
        "v": 1,
        "record": record_part,
        "created": created,
        "originals": originals,
        "splices": state.splices,
        "digest": _digest(pkg, touched),
    }
    text = json.dumps(meta, ensure_ascii=False, separators=(",", ":"))
    rows = record + [["", "meta", text[i : i + META_CHUNK]] for i in range(0, len(text), META_CHUNK)]
    pkg.write(record_part, sx.record_sheet_xml(rows))


def _add_to_workbook(book: Book, rs, rid_result: str, rid_record: str) -> None:
    text = book.text
    sheets = book.sheets_span
    ids = [int(x) for x in re.findall(r'\bsheetId="(\d+)"', text[sheets.start : sheets.end])]
    next_id = max(ids, default=0) + 1
    kids = ox.find_all(text, "sheet", sheets.tag_end, sheets.end)
    p = ox.prefix_of(text[sheets.start : sheets.tag_end])
    first = kids[0].start if kids else sheets.tag_end
    last = kids[-1].end if kids else sheets.tag_end
    name = ox.attr_escape(rs.name)
    result_el = f'<{p}sheet xmlns:r="{sx.NS_R}" name="{name}" sheetId="{next_id}" r:id="{rid_result}"/>'
    record_el = (
        f'<{p}sheet xmlns:r="{sx.NS_R}" name="{RECORD_SHEET}" sheetId="{next_id + 1}" state="veryHidden" '
        f'r:id="{rid_record}"/>'
    )
    edits = [(first, first, result_el), (last, last, record_el)]
    # defined names: sheet-local ones move one sheet on; ours for print titles and the filter
    dn = ox.find(text, "definedNames")
    q = "'" + rs.name.replace("'", "''") + "'"
    top, bottom = rs.page.repeat_rows
    ours = f'<{p}definedName name="_xlnm.Print_Titles" localSheetId="0">{q}!${top}:${bottom}</{p}definedName>'
    if rs.autofilter:
        a, _, b = rs.autofilter.partition(":")
        ra, ca = ox.parse_ref(a)
        rb, cb = ox.parse_ref(b)
        ours += (
            f'<{p}definedName name="_xlnm._FilterDatabase" localSheetId="0" hidden="1">'
            f"{q}!${col_letter(ca)}${ra}:${col_letter(cb)}${rb}</{p}definedName>"
        )
    if dn is None:
        at = None
        for local, start in top_level(text, sheets.end):
            if local not in ("functionGroups", "externalReferences"):
                at = start
                break
        at = text.rindex("</") if at is None else at
        edits.append((at, at, f"<{p}definedNames>{ours}</{p}definedNames>"))
    else:
        for d in ox.find_all(text, "definedName", dn.tag_end, dn.end):
            tag = text[d.start : d.tag_end]
            local = ox.get_attr(tag, "localSheetId")
            if local is not None and local.isdigit():
                edits.append((d.start, d.tag_end, ox.set_attr(tag, "localSheetId", str(int(local) + 1))))
        if dn.empty:
            tag = text[dn.start : dn.end]
            edits.append((dn.start, dn.end, tag[:-2].rstrip() + ">" + ours + f"</{p}definedNames>"))
        else:
            at = dn.tag_end
            edits.append((at, at, ours))
    for v in ox.find_all(text, "workbookView"):
        tag = text[v.start : v.tag_end]
        new = ox.set_attr(tag, "activeTab", "0")
        if ox.get_attr(new, "firstSheet") is not None:
            new = ox.set_attr(new, "firstSheet", "0")
        if new != tag:
            edits.append((v.start, v.tag_end, new))
    book.text = ox.splice(text, edits)
    book.write()


def _encode(data: bytes) -> str:
    try:
        return "t:" + data.decode("utf-8")
    except UnicodeDecodeError:
        return "b:" + base64.b64encode(data).decode("ascii")


def _decode(text: str) -> bytes:
    if text.startswith("b:"):
        return base64.b64decode(text[2:])
    return text[2:].encode("utf-8")


def _digest(pkg: ox.Package, names: list[str]) -> str:
    h = hashlib.sha256()
    for n in sorted(names):
        if not pkg.exists(n):
            h.update(b"\0missing:" + n.encode())
            continue
        h.update(n.encode() + b"\0" + hashlib.sha256(pkg.read(n)).digest())
    return h.hexdigest()


# --- taking marks away -----------------------------------------------------------------------------------


def read_record(pkg: ox.Package, part: str) -> list[list[str]]:
    """The record sheet's rows as strings (inline or shared strings: whoever saved it last)."""
    root = ET.fromstring(pkg.read(part))
    shared: list[str] | None = None
    rows: list[list[str]] = []
    for row in root.iter():
        if not row.tag.endswith("}row"):
            continue
        out: dict[int, str] = {}
        for c in row:
            if not c.tag.endswith("}c"):
                continue
            ref = c.get("r")
            col = ox.parse_ref(ref)[1] if ref else len(out) + 1
            t = c.get("t", "n")
            if t == "inlineStr":
                value = "".join(x.text or "" for x in c.iter() if x.tag.endswith("}t"))
            elif t == "s":
                if shared is None:
                    shared = _shared_strings(pkg)
                v = next((x.text for x in c if x.tag.endswith("}v")), None)
                value = shared[int(v)] if v is not None and v.isdigit() and int(v) < len(shared) else ""
            else:
                value = next((x.text or "" for x in c if x.tag.endswith("}v")), "")
            out[col] = _XSTR.sub(lambda m: chr(int(m.group(1), 16)), value)
        width = max(out, default=0)
        rows.append([out.get(i, "") for i in range(1, width + 1)])
    return rows


_XSTR = re.compile(r"_x([0-9A-Fa-f]{4})_")


def _shared_strings(pkg: ox.Package) -> list[str]:
    book = Book(pkg)
    part = next((r.part for r in book.rels.values() if r.type.endswith("/sharedStrings")), None)
    if part is None or not pkg.exists(part):
        return []
    root = ET.fromstring(pkg.read(part))
    out = []
    for si in root:
        if si.tag.endswith("}si"):
            out.append(
                "".join(x.text or "" for x in si.iter() if x.tag.endswith("}t") and not _in_phonetic(si, x))
            )
    return out


def _in_phonetic(si, t) -> bool:
    return any(t in list(rph.iter()) for rph in si if rph.tag.endswith("}rPh"))


def strip_marks(pkg: ox.Package) -> bool:
    """Take away what an earlier validation added (by this copy or by the Excel ribbon); True when
    there was something. Exact (every part as it was) while the parts are as we wrote them."""
    book = Book(pkg)
    record = book.by_name(RECORD_SHEET)
    result = book.by_name(RESULT_SHEET)
    if record is None and result is None:
        return False
    rows = read_record(pkg, record.part) if record and record.part and pkg.exists(record.part) else []
    meta_text = "".join(r[2] for r in rows[1:] if len(r) > 2 and not r[0] and r[1] == "meta")
    meta = json.loads(meta_text) if meta_text else None
    if meta and meta.get("v") == 1 and meta.get("record") == (record.part if record else None):
        touched = (set(meta["created"]) | set(meta["originals"]) | set(meta["splices"])) - {meta["record"]}
        if _digest(pkg, sorted(touched)) == meta["digest"]:
            _undo(pkg, meta)
            return True
    _strip_semantic(pkg, book, [r for r in rows[1:] if r and r[0]])
    return True


def _undo(pkg: ox.Package, meta: dict) -> None:
    for name, original in meta["originals"].items():
        pkg.write(name, _decode(original))
    for name, splices in meta["splices"].items():
        text = pkg.text(name)
        pkg.write(name, ox.splice(text, [(s, e, old) for s, e, old in splices]))
    for name in meta["created"]:
        pkg.delete(name)


def _strip_semantic(pkg: ox.Package, book: Book, rows: list[list[str]]) -> None:
    """After an office suite saved the copy: our sheets go, recorded fills come back where our colour
    is still shown, our notes are cut at the marker."""
    styles = Styles(pkg, book)
    palette = {v.upper() for v in PALETTE.values()}
    by_sheet: dict[str, list[list[str]]] = defaultdict(list)
    for r in rows:
        by_sheet[r[0]].append(r + [""] * (len(RECORD_HEADER) - len(r)))
    for entry in book.sheets:
        marks = by_sheet.get(entry.name)
        if not marks or not entry.part or not pkg.exists(entry.part):
            continue
        ws = Worksheet(pkg, entry.part)
        fills = [r for r in marks if not r[3]]
        located = ws.locate([r[1] for r in fills])
        new: dict[str, int] = {}
        for _, ref, rgb, _, _, _, original in (r[:7] for r in fills):
            if ref not in located:
                continue
            s = ox.get_attr(ws.text[located[ref][0] : located[ref][1]], "s")
            idx = int(s) if s and s.isdigit() else 0
            if fill_rgb(styles.fill_of(idx)) not in palette:
                continue  # recoloured by the user since: theirs now
            fill = (
                original if original.startswith("<") and "fill" in original[:10] else sx.fill_xml(rgb or None)
            )
            new[ref] = styles.with_fill(idx, fill)
        if new:
            ws.set_styles(new, located)
        ws.finish()
        notes = [(r[1], r[3]) for r in marks if r[3]]
        if notes:
            _cut_notes(pkg, entry.part, notes)
    styles.finish()
    _remove_sheets(pkg, Book(pkg), {RESULT_SHEET, RECORD_SHEET})


def _cut_notes(pkg: ox.Package, sheet_part: str, notes: list[tuple[str, str]]) -> None:
    rels = pkg.rels(sheet_part)
    cpart = next((r.part for r in rels if r.type.endswith("/comments") and pkg.exists(r.part)), None)
    if cpart is None:
        return
    text = pkg.text(cpart)
    kinds = dict(notes)
    edits = []
    gone: set[tuple[int, int]] = set()
    for c in ox.find_all(text, "comment"):
        ref = ox.get_attr(text[c.start : c.tag_end], "ref")
        if ref not in kinds:
            continue
        tspan = ox.find(text, "text", c.tag_end, c.end)
        if tspan is None or tspan.empty:
            continue
        inner = text[tspan.tag_end : ox.content_end(text, tspan)]
        cut = cut_note(inner)
        if cut is None and kinds[ref] != "note":
            continue  # no marker in the user's note: nothing of ours left in it
        if cut is None or not cut[1]:
            edits.append((c.start, c.end, ""))
            gone.add(_zero_based(ref))
        else:
            edits.append((tspan.tag_end, tspan.tag_end + len(inner), cut[0]))
    pkg.write(cpart, ox.splice(text, edits))
    if gone:
        ld = Worksheet(pkg, sheet_part).legacy_drawing_rid()
        vml = next((r.part for r in rels if r.id == ld and pkg.exists(r.part)), None)
        if vml:
            vtext = pkg.read(vml).decode("utf-8", "surrogateescape")
            vedits = []
            for m in re.finditer(r"<v:shape\b.*?</v:shape>", vtext, re.S):
                row = re.search(r"<x:Row>(\d+)</x:Row>", m.group(0))
                col = re.search(r"<x:Column>(\d+)</x:Column>", m.group(0))
                if (
                    row
                    and col
                    and (int(row.group(1)), int(col.group(1))) in gone
                    and 'ObjectType="Note"' in m.group(0)
                ):
                    vedits.append((m.start(), m.end(), ""))
            pkg.write(vml, ox.splice(vtext, vedits).encode("utf-8", "surrogateescape"))


_T = re.compile(rf"(<(?:[\w.-]+:)?t(?=[\s>/]){ox._ATTRS}>)(.*?)(</(?:[\w.-]+:)?t\s*>)", re.S)


def cut_note(inner: str) -> tuple[str, str] | None:
    """A comment's rich text (the inside of <text>) cut where our marker starts, whatever runs an office
    suite split it into: (new inside, its visible text), or None when the marker is not there."""
    children = top_level(f"<x>{inner}</x>", 3)
    bounds = [start - 3 for _, start in children] + [len(inner)]
    pieces = []  # (start, end, the t element, its text) of each run or bare t, in order
    for i, (local, _) in enumerate(children):
        a, b = bounds[i], bounds[i + 1]
        t = _T.search(inner, a, b) if local in ("r", "t") else None
        if t is not None:
            pieces.append((a, b, t, ox.unescape(t.group(2))))
    full = "".join(p[3] for p in pieces)
    at = full.find(NOTE_MARKER)
    if at < 0:
        return None
    keep = full[:at].rstrip("\r\n")
    out, pos = [], 0
    for a, b, t, visible in pieces:
        if pos >= len(keep):
            break
        if pos + len(visible) <= len(keep):
            out.append(inner[a:b])
        else:
            part = ox.text_escape(keep[pos:])
            out.append(inner[a : t.start()] + t.group(1) + part + t.group(3) + inner[t.end() : b])
        pos += len(visible)
    return "".join(out).rstrip(), keep


def _remove_sheets(pkg: ox.Package, book: Book, names: set[str]) -> None:
    """Delete sheets by name: their entries, parts, relationships, content types and local names."""
    text = book.text
    span = book.sheets_span
    kids = ox.find_all(text, "sheet", span.tag_end, span.end)
    gone = [(i, e) for i, e in enumerate(book.sheets) if e.name in names]
    if not gone:
        return
    gone_idx = {i for i, _ in gone}
    edits = [(kids[i].start, kids[i].end, "") for i in gone_idx]
    dn = ox.find(text, "definedNames")
    if dn is not None and not dn.empty:
        for d in ox.find_all(text, "definedName", dn.tag_end, dn.end):
            tag = text[d.start : d.tag_end]
            local = ox.get_attr(tag, "localSheetId")
            if local is None or not local.isdigit():
                continue
            n = int(local)
            if n in gone_idx:
                edits.append((d.start, d.end, ""))
            else:
                shift = sum(1 for i in gone_idx if i < n)
                if shift:
                    edits.append((d.start, d.tag_end, ox.set_attr(tag, "localSheetId", str(n - shift))))
    remaining = len(book.sheets) - len(gone_idx)
    for v in ox.find_all(text, "workbookView"):
        tag = text[v.start : v.tag_end]
        new = tag
        for attr in ("activeTab", "firstSheet"):
            val = ox.get_attr(tag, attr)
            if val is not None and val.isdigit():
                n = int(val)
                n = 0 if n in gone_idx else n - sum(1 for i in gone_idx if i < n)
                new = ox.set_attr(new, attr, str(min(max(n, 0), max(remaining - 1, 0))))
        if new != tag:
            edits.append((v.start, v.tag_end, new))
    book.text = ox.splice(text, edits)
    book.write()
    for _, entry in gone:
        if entry.rid:
            pkg.remove_rel(book.part, entry.rid)
        if entry.part and pkg.exists(entry.part):
            for r in pkg.rels(entry.part):
                if (
                    not r.external
                    and r.part
                    and pkg.exists(r.part)
                    and r.type.endswith(("/comments", "/vmlDrawing"))
                ):
                    pkg.delete(r.part)
                    pkg.remove_override(r.part)
            if pkg.exists(ox.rels_name(entry.part)):
                pkg.delete(ox.rels_name(entry.part))
            pkg.delete(entry.part)
            pkg.remove_override(entry.part)
