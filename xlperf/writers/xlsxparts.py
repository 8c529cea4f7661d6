"""The parts of a workbook package the annotated copy edits, as text: the workbook part (its sheets,
defined names, views), styles.xml (lists grown at their ends), a worksheet (cells' style indexes, new
empty cells, tab selection, the legacy drawing reference), and a sheet's notes (comments part and VML
note shapes). Each class collects its edits and writes its part once; see :mod:`xlperf.writers.ooxml`
for why parts are edited as text.
"""

from __future__ import annotations

import functools
import posixpath
import re
from collections import defaultdict
from dataclasses import dataclass

from xlperf.core.a1 import column_index, column_letter, parse_ref
from xlperf.core.plan import NOTE_AUTHOR, NOTE_MARKER, footer_without_key
from xlperf.errors import ReadError
from xlperf.writers import ooxml as ox
from xlperf.writers import sheetxml as sx

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
    """Appends to styles.xml: fonts, fills, borders and cell formats, each list grown at its end.

    Every list is optional in the schema, and other producers write only what they use (a part with
    no fills, no borders, only its root): a list the part lacks is created where the schema puts it,
    in the part's prefix, holding the defaults the workbook's formats and cells already point at (so
    what they showed stays, and what we add gets an index of its own)."""

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
        self.text = _completed(pkg.text(part), lambda: _most_used_xf(pkg, book))
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

    def own(self, fill_xml: str) -> str:
        """A fill element recorded from another spelling of this part (the x: prefix of the OpenXML
        SDK before an office suite saved the copy without it, or the other way round), in this part's."""
        span = ox.find(self.text, "fills")
        p = ox.prefix_of(self.text[span.start : span.tag_end]) if span else ""
        return ox.prefixed(re.sub(r"<(/?)[A-Za-z_][\w.-]*:", r"<\1", fill_xml), p)

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
            if span is None:  # (never: _completed made every list)
                raise ReadError(f"工作簿的样式部件缺少 {lst}，无法添加标记")
            kids = ox.find_all(text, child, span.tag_end, span.end)
            at = kids[-1].end if kids else span.tag_end
            tag = text[span.start : span.tag_end]
            p = ox.prefix_of(tag)  # the list's own prefix for the namespace ("x:" from the OpenXML SDK)
            added = ox.prefixed("".join(new), p)
            if span.empty:
                tag = tag[:-2].rstrip() + ">"
            count = ox.get_attr(tag, "count")
            if count is not None:
                tag = ox.set_attr(tag, "count", str(len(self.items[lst]) + len(new)))
            if span.empty:
                text = text[: span.start] + tag + added + f"</{p}{lst}>" + text[span.end :]
            else:
                text = text[: span.start] + tag + text[span.tag_end : at] + added + text[at:]
        self.pkg.write(self.part, text)


# the styleSheet's children in the schema's order (CT_Stylesheet), and what a list the part lacks holds
_STYLE_ORDER = (
    "numFmts", "fonts", "fills", "borders", "cellStyleXfs", "cellXfs", "cellStyles", "dxfs", "tableStyles",
    "colors", "extLst",
)  # fmt: skip
_DEFAULT_ITEM = {
    "fonts": '<font><sz val="11"/><name val="Calibri"/></font>',
    "fills": '<fill><patternFill patternType="none"/></fill>',
    "borders": "<border><left/><right/><top/><bottom/><diagonal/></border>",
    "cellStyleXfs": '<xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>',
    "cellXfs": '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>',
}
_GRAY125 = '<fill><patternFill patternType="gray125"/></fill>'  # fill 1: reserved, as Excel writes it
_MAX_DEFAULTS = 65_000  # items a created list holds at most (Excel's limit on cell formats is 64,000)
_ID = {"fonts": "fontId", "fills": "fillId", "borders": "borderId", "cellStyleXfs": "xfId"}
_STYLE_INDEX = re.compile(r"""\s(?:s|style)\s*=\s*["'](\d{1,9})["']""")


def _completed(text: str, most_used_xf) -> str:
    """The styles part with every list we append to (and cellStyleXfs, which our formats name) present:
    a missing one inserted before the first list the schema puts after it, holding as many default
    items as the formats' ids (for cellXfs, the cells' ``s``: ``most_used_xf()``) point at — an id
    that pointed at nothing shows the default as before, and our items come after."""
    root = ox.find(text, "styleSheet")
    if root is None:
        raise ReadError("工作簿的样式部件已损坏（没有 styleSheet 元素），无法添加标记")
    p = ox.prefix_of(text[root.start : root.tag_end])
    for lst in ("cellXfs", "cellStyleXfs", "fonts", "fills", "borders"):  # (formats first: ids they name)
        root = ox.find(text, "styleSheet")
        if ox.find(text, lst, root.tag_end, root.end) is not None:
            continue
        n = 1 + (most_used_xf() if lst == "cellXfs" else max(_ids(text, root, _ID[lst]), default=0))
        n = min(max(n, 2 if lst == "fills" else 1), _MAX_DEFAULTS)
        items = [_DEFAULT_ITEM[lst]] * n
        if lst == "fills":
            items[1] = _GRAY125
        xml = ox.prefixed(f'<{lst} count="{n}">{"".join(items)}</{lst}>', p)
        later = (
            ox.find(text, k, root.tag_end, root.end) for k in _STYLE_ORDER[_STYLE_ORDER.index(lst) + 1 :]
        )
        after = next((span for span in later if span is not None), None)
        if after is not None:
            text = text[: after.start] + xml + text[after.start :]
        elif root.empty:
            tag = text[root.start : root.tag_end]
            name = re.match(r"<([\w.:-]+)", tag).group(1)
            text = text[: root.start] + tag[:-2].rstrip() + ">" + xml + f"</{name}>" + text[root.end :]
        else:
            at = ox.content_end(text, root)
            text = text[:at] + xml + text[at:]
    return text


def _ids(text: str, root: ox.Span, attr: str) -> list[int]:
    """The values of ``attr`` (fontId, fillId, …) on the cell formats of cellStyleXfs and cellXfs."""
    out = []
    for lst in ("cellStyleXfs", "cellXfs"):
        span = ox.find(text, lst, root.tag_end, root.end)
        for xf in [] if span is None else ox.find_all(text, "xf", span.tag_end, span.end):
            v = ox.get_attr(text[xf.start : xf.tag_end], attr)
            if v is not None and v.isdigit():
                out.append(int(v))
    return out


def _most_used_xf(pkg: ox.Package, book: Book) -> int:
    """The highest cell format index the worksheets name (cells' and rows' ``s``, columns' ``style``):
    read only when the styles part has no cellXfs."""
    top = 0
    for entry in book.sheets:
        if entry.part and pkg.exists(entry.part):
            for m in _STYLE_INDEX.finditer(pkg.text(entry.part)):
                top = max(top, int(m.group(1)))
    return min(top, _MAX_DEFAULTS)


# a styles part for a workbook without one: its lists made by _completed (as many formats as the cells name)
_MINIMAL_STYLES = (
    sx.XML_DECL
    + f'<styleSheet xmlns="{sx.NS_MAIN}"><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/>'
    "</cellStyles></styleSheet>"
)


def fill_rgb(fill_xml: str) -> str:
    """The RGB hex a fill shows ("" for none or a colour not given as RGB): for the Excel macros'
    record column, which restores a colour."""
    pattern = ox.get_attr(fill_xml, "patternType")
    if pattern in (None, "none"):
        return ""
    m = ox.tag_pattern("fgColor").search(fill_xml)
    rgb = ox.get_attr(m.group(0), "rgb") if m else None
    return rgb[-6:].upper() if rgb and re.fullmatch(r"[0-9A-Fa-f]{6,8}", rgb) else ""


# --- a worksheet's cells --------------------------------------------------------------------------------


_MERGE = ox.tag_pattern("mergeCell")
_MERGE_REF = re.compile(r"\$?([A-Za-z]{1,3})\$?(\d+)(?::\$?([A-Za-z]{1,3})\$?(\d+))?")
_TAG_ATTRS = r"""((?:[^>"']++|"[^"]*+"|'[^']*+')*+)"""  # a start tag's attributes (">" may sit in quotes)
_ROW_START = re.compile(rf"<(?:[A-Za-z_][\w.-]*:)?row(?=[\s/>]){_TAG_ATTRS}>")
_ROW_END = re.compile(r"</(?:[A-Za-z_][\w.-]*:)?row\s*>")
# a cell's start tag (comments and CDATA in a row skipped whole)
_CELL_START = re.compile(
    rf"<(?:!--.*?-->|!\[CDATA\[.*?\]\]>|(?:[A-Za-z_][\w.-]*:)?c(?=[\s/>]){_TAG_ATTRS}>)", re.S
)
_R = re.compile(r"""\sr\s*=\s*(?:"([^"]*)"|'([^']*)')""")  # the r attribute, in either quotes


def _r_of(attrs: str) -> str | None:
    m = _R.search(attrs)
    return None if m is None else (m.group(1) if m.group(1) is not None else m.group(2)).strip()


@dataclass
class _Row:
    span: ox.Span
    _cells: list[tuple[int, int, int]] | None = None

    def cells(self, text: str) -> list[tuple[int, int, int]]:
        """(column, start, end of start tag) of each cell, in document order: by its r, else the
        column after the cell before it (the spec allows cells placed by order)."""
        if self._cells is None:
            out, col = [], 0
            if not self.span.empty:
                for m in _CELL_START.finditer(text, self.span.tag_end, self.span.end):
                    if m.group(1) is None:
                        continue  # a comment or CDATA
                    r = _r_of(m.group(1))
                    col = _cell_ref(r)[1] if r else col + 1
                    out.append((col, m.start(), m.end()))
            self._cells = out
        return self._cells


@functools.lru_cache(maxsize=65536)
def _cell_ref(ref: str) -> tuple[int, int]:
    return parse_ref(ref)


def _sheet_rows(text: str, lo: int, hi: int) -> dict[int, _Row]:
    """Every row of sheetData by its number, as the XML means it: by its r, else the row after the one
    before it (the spec allows rows placed by order); attributes in either quotes, any spacing, any
    prefix. Only the row tags are looked at (str.find, then the tag pattern where "row" stands): a
    row's cells are read when one of them is wanted (:meth:`_Row.cells`)."""
    rows: dict[int, _Row] = {}
    row_no, pos = 0, lo
    while True:
        i = text.find("row", pos, hi)
        if i < 0:
            return rows
        lt = text.rfind("<", max(lo, i - 64), i)
        m = _ROW_START.match(text, lt) if lt >= 0 else None
        if m is None or m.end() <= i:
            pos = i + 3
            continue
        r = _r_of(m.group(1))
        row_no = int(r) if r and r.isdigit() else row_no + 1
        if m.group(0).endswith("/>"):
            span = ox.Span(m.start(), m.end(), m.end(), True)
        else:
            e = _ROW_END.search(text, m.end(), hi)
            if e is None:
                raise ReadError("工作表已损坏（row 元素没有结束标记）")
            span = ox.Span(m.start(), e.end(), m.end(), False)
        rows[row_no] = _Row(span)
        pos = span.end


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
        self.merges = []
        for m in _MERGE.finditer(self.text, sd.end if sd else 0):
            ref = _MERGE_REF.fullmatch((ox.get_attr(m.group(0), "ref") or "").strip())
            if ref:
                self.merges.append(_merge_box(*ref.groups(default="")))
        self._new_cells: dict[int, list[tuple[int, str]]] = defaultdict(list)
        self._rows: dict[int, _Row] | None = None

    def rows(self) -> dict[int, _Row]:
        if self._rows is None:
            self._rows = _sheet_rows(self.text, *self.data) if self.data else {}
        return self._rows

    def anchor(self, ref: str) -> str:
        """The top-left cell of the merged range holding ``ref`` (``ref`` itself when not merged)."""
        r, c = parse_ref(ref)
        for rng in self.merges:
            if rng and rng[0] <= r <= rng[2] and rng[1] <= c <= rng[3]:
                return f"{column_letter(rng[1])}{rng[0]}"
        return f"{column_letter(c)}{r}"

    def locate(self, refs: list[str]) -> dict[str, tuple[int, int]]:
        """ref -> (start, end) of the cell's start tag, for the cells present in sheetData."""
        if not refs or self.data is None:
            return {}
        rows = self.rows()
        out: dict[str, tuple[int, int]] = {}
        for ref in set(refs):
            r, c = parse_ref(ref)
            row = rows.get(r)
            found = next((cell for cell in row.cells(self.text) if cell[0] == c), None) if row else None
            if found is not None:
                out[ref] = (found[1], found[2])
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
        r, c = parse_ref(ref)
        self._new_cells[r].append((c, f'<{self.prefix}c r="{ref}" s="{xf}"/>'))
        return "cell" if self._row_span(r) else "row"

    def _row_span(self, r: int) -> ox.Span | None:
        row = self.rows().get(r)
        return row.span if row else None

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
            kids = self.rows()[r].cells(self.text)
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
            for c, xml in cells:  # before the first cell placed right of it (by r or by order)
                at = next((start for col, start, _ in kids if col > c), ox.content_end(self.text, span))
                self.edits.append((at, at, xml))
        if new_rows:
            rows = sorted((row.span.start, n) for n, row in self.rows().items())
            for r, xml in new_rows:
                at = next((start for start, n in rows if n > r), self.data[1])
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
        at = self._before(after, self.sheet_data.end if self.sheet_data else 0)
        el = f'<{self.prefix}legacyDrawing xmlns:r="{sx.NS_R}" r:id="{rid}"/>'
        self.edits.append((at, at, el))

    def add_footer_key(self, key: str) -> bool:
        """Print ``key`` (8 pt) in the left part of the sheet's footer, where the user's footer leaves
        that part free (their centre and right parts kept); False where it does not (theirs untouched).
        The element is created where the schema puts it when the sheet has none."""
        p = self.prefix
        text = ox.text_escape(FOOTER_KEY_CODE + key)
        begin = self.sheet_data.end if self.sheet_data else 0
        hf = ox.find(self.text, "headerFooter", begin)
        if hf is None:
            at = self._before(_AFTER_HEADER_FOOTER, begin)
            self.edits.append(
                (at, at, f"<{p}headerFooter><{p}oddFooter>{text}</{p}oddFooter></{p}headerFooter>")
            )
            return True
        odd_xml = f"<{p}oddFooter>{text}</{p}oddFooter>"
        if hf.empty:
            tag = self.text[hf.start : hf.tag_end]
            self.edits.append((hf.start, hf.end, tag[:-2].rstrip() + f">{odd_xml}</{p}headerFooter>"))
            return True
        inner_end = ox.content_end(self.text, hf)
        odd = ox.find(self.text, "oddFooter", hf.tag_end, inner_end)
        if odd is None:  # after the oddHeader: the schema's order is oddHeader, oddFooter, even…, first…
            head = ox.find(self.text, "oddHeader", hf.tag_end, inner_end)
            at = head.end if head else hf.tag_end
            self.edits.append((at, at, odd_xml))
            return True
        if odd.empty:
            self.edits.append((odd.start, odd.end, odd_xml))
            return True
        written = ox.text_unescape(self.text[odd.tag_end : ox.content_end(self.text, odd)])
        if footer_section(written, "L").strip():
            return False
        # text before any part's code is the centre's ("第 &P 页&R机密"): it stays the centre's
        added = FOOTER_KEY_CODE + key + ("&C" if _leading(written) else "")
        if len(written) + len(added) > MAX_FOOTER:
            return False  # Excel shows no footer longer than it allows: theirs would be lost
        self.edits.append((odd.tag_end, odd.tag_end, ox.text_escape(added)))
        return True

    def remove_footer_key(self, key: str) -> bool:
        """Take ``key`` out of the footer again (after an office suite saved the copy: its codes around
        the key may be written otherwise, so the key's text is what is looked for)."""
        begin = self.sheet_data.end if self.sheet_data else 0
        for odd in ox.find_all(self.text, "oddFooter", begin):
            if odd.empty:
                continue
            end = ox.content_end(self.text, odd)
            written = ox.text_unescape(self.text[odd.tag_end : end])
            kept = footer_without_key_parts(written, key)
            if kept is None:
                continue
            self.edits.append((odd.tag_end, end, ox.text_escape(kept)))
            return True
        return False

    def _before(self, later: tuple[str, ...], begin: int) -> int:
        """Where an element goes that the schema puts before any of ``later`` (the root's end if none)."""
        if re.compile(r"<(?:[\w.-]+:)?(" + "|".join(later) + r")[\s/>]").search(self.text, begin):
            for local, start in top_level(self.text, begin):
                if local in later:
                    return start
        return self.text.rindex("</")

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


FOOTER_KEY_CODE = "&L&8"  # Excel's header/footer codes: the left part, 8 pt
# what the schema puts after headerFooter in a worksheet
_AFTER_HEADER_FOOTER = (
    "rowBreaks", "colBreaks", "customProperties", "cellWatches", "ignoredErrors", "smartTags", "drawing",
    "legacyDrawing", "legacyDrawingHF", "drawingHF", "picture", "oleObjects", "controls", "webPublishItems",
    "tableParts", "extLst", "AlternateContent",
)  # fmt: skip
_SECTION = re.compile(r"&&|&([LCR])")
MAX_FOOTER = 255  # characters, codes included: Excel shows no longer header or footer


def _leading(footer: str) -> str:
    """What a header/footer string holds before its first part's code (the centre's, when any)."""
    spans = _section_spans(footer)
    return footer[: spans[0][2]] if spans and spans[0][0] == spans[0][1] else ""


def _section_spans(footer: str) -> list[tuple[int, int, int]]:
    """(code start, text start, text end) of each part of a header/footer string, in order (text before
    any part's code: a part without a code, the centre's)."""
    spans = []
    code, pos = 0, 0
    for m in _SECTION.finditer(footer):
        if m.group(1):
            spans.append((code, pos, m.start()))
            code, pos = m.start(), m.end()
    spans.append((code, pos, len(footer)))
    return [s for s in spans if s[2] > s[0]]


def footer_without_key_parts(footer: str, key: str) -> str | None:
    """A whole header/footer string (all parts, with their codes) with ``key`` taken out of its left
    part, where the copy prints it (after an office suite saved the copy, its codes around the key may
    be written otherwise): the part's text as :func:`~xlperf.core.plan.footer_without_key` leaves it,
    its "&L" dropped too where nothing is left. None when the left part does not hold the key (the
    centre and right parts are the user's, whatever they hold)."""
    out: list[str] = []
    last = 0
    for code, start, end in _section_spans(footer):
        if footer[code:start] != "&L":
            continue
        kept = footer_without_key(footer[start:end], key)
        if kept is None:
            continue
        out.append(footer[last:start] + kept if kept else footer[last:code])
        last = end
    if not out:
        return None
    return "".join(out) + footer[last:]


def footer_section(footer: str, section: str) -> str:
    """The text of one part (L, C or R) of an Excel header/footer string: what follows its code up to
    the next part's ("&&" is a literal ampersand; text before any code is the centre's)."""
    return "".join(
        footer[start:end]
        for code, start, end in _section_spans(footer)
        if footer[code:start] == "&" + section or (section == "C" and code == start)
    )


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


def _merge_box(c1: str, r1: str, c2: str, r2: str) -> tuple[int, int, int, int]:
    a, b = int(r1), column_index(c1)
    c, d = (int(r2), column_index(c2)) if c2 else (a, b)
    return (min(a, c), min(b, d), max(a, c), max(b, d))


# --- notes ---------------------------------------------------------------------------------------------


class Notes:
    """Our notes on one sheet: in its comments part and legacy drawing (created when missing). What we
    write into the user's parts takes their prefixes for the namespaces (comments: the SpreadsheetML
    prefix of its root; the drawing: its VML, Office and Excel prefixes)."""

    def __init__(self, pkg: ox.Package, ws: Worksheet, vml_block: int) -> None:
        self.pkg, self.ws = pkg, ws
        rels = pkg.rels(ws.part)
        self.comments = next((r.part for r in rels if r.type.endswith("/comments") and not r.external), None)
        ld = ws.legacy_drawing_rid()
        self.vml = next((r.part for r in rels if r.id == ld and not r.external), None) if ld else None
        self.threaded: set[str] = set()
        for r in rels:
            if r.type.endswith("/threadedComment") and pkg.exists(r.part):
                text = pkg.text(r.part)
                for t in ox.tag_pattern("threadedComment").finditer(text):
                    ref = ox.get_attr(t.group(0), "ref")
                    if ref:
                        self.threaded.add(ref.strip().upper())
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
        root = re.search(r"<(?:[\w.-]+:)?comments(?=[\s/>])", text)
        p = ox.prefix_of(root.group(0)) if root else ""  # the part's prefix for SpreadsheetML

        def ours(xml: str) -> str:
            return ox.prefixed(xml, p)

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
            el = ours(f"<author>{NOTE_AUTHOR}</author>")
            if authors is None:
                cl = ox.find(text, "commentList")
                at = cl.start if cl else text.rindex("</")
                edits.append((at, at, ours("<authors>") + el + ours("</authors>")))
            elif authors.empty:
                q = ox.prefix_of(text[authors.start : authors.tag_end])
                edits.append((authors.start, authors.end, f"<{q}authors>{el}</{q}authors>"))
            else:
                at = ox.content_end(text, authors)
                edits.append((at, at, el))
        clist = ox.find(text, "commentList")
        existing: dict[str, ox.Span] = {}
        if clist is not None:
            for c in ox.find_all(text, "comment", clist.tag_end, clist.end):
                ref = ox.get_attr(text[c.start : c.tag_end], "ref")
                if ref:
                    existing[ref.strip().upper()] = c
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
                q = ox.prefix_of(original)
                inner = "" if tspan.empty else text[tspan.tag_end : ox.content_end(text, tspan)]
                if re.match(r"\s*<(?:[\w.-]+:)?t[\s>]", inner):  # plain text: make it a run first
                    tend = ox.end_pattern("t").search(inner)
                    inner = f"<{q}r>" + inner[: tend.end()] + f"</{q}r>" + inner[tend.end() :]
                runs = ox.prefixed(sx.note_runs(note, after_user=True), q)
                edits.append((tspan.start, tspan.end, f"<{q}text>{inner}{runs}</{q}text>"))
                out[ref] = ("appended", original)
                grown[zero_based(ref)] = note.count("\n") + 2
            else:
                new_comments.append(ours(sx.comment_xml(ref, author, note)))
                new_shapes.append((ref, note))
                out[ref] = ("note", "")
        if new_comments:
            if clist is None:
                at = text.rindex("</")
                edits.append((at, at, ours("<commentList>") + "".join(new_comments) + ours("</commentList>")))
            elif clist.empty:
                q = ox.prefix_of(text[clist.start : clist.tag_end])
                edits.append(
                    (
                        clist.start,
                        clist.end,
                        f"<{q}commentList>" + "".join(new_comments) + f"</{q}commentList>",
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
        for start, end, cell in note_shapes(text):
            lines = grown.get(cell)
            if not lines:
                continue
            lines = min(lines, 12)
            shape = text[start:end]
            new = re.sub(
                r"(<(?:[\w.-]+:)?Anchor>\s*(?:\d+\s*,\s*){6})(\d+)",
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
            edits.append((start, end, new))
        if edits:
            self.pkg.write(self.vml, ox.splice(text, edits).encode("utf-8", "surrogateescape"))

    def _add_shapes(self, notes: list[tuple[str, str]]) -> None:
        pkg, ws = self.pkg, self.ws
        if self.vml is None or not pkg.exists(self.vml):
            folder = posixpath.dirname(posixpath.dirname(ws.part))
            self.vml = pkg.new_name(posixpath.join(folder, "drawings", "xlperfNotes{}.vml"))
            block = self.vml_block
            shapes = [
                sx.note_shape(block * 1024 + k + 1, *zero_based(ref), note.count("\n") + 1)
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
        m = _IDMAP.search(text)
        base = max(ids) if ids else (int(m.group(1).split(",")[0]) if m else self.vml_block) * 1024
        shapes = "".join(
            sx.note_shape(base + k + 1, *zero_based(ref), note.count("\n") + 1)
            for k, (ref, note) in enumerate(notes)
        )
        if not re.search(r"""\bid\s*=\s*["']_x0000_t202["']""", text):
            shapes = sx.SHAPETYPE + shapes
        ends = list(re.finditer(r"</(?:[\w.-]+:)?xml\s*>", text))
        if not ends:
            raise ReadError(f"工作簿的批注绘图部件已损坏：{self.vml}")
        at = ends[-1].start()
        shapes = in_vml(shapes, text)
        pkg.write(self.vml, (text[:at] + shapes + text[at:]).encode("utf-8", "surrogateescape"))


# --- the notes' VML drawing: read by local names, written with the part's own prefixes ------------------

VML_NAMESPACES = {
    "v": "urn:schemas-microsoft-com:vml",
    "o": "urn:schemas-microsoft-com:office:office",
    "x": "urn:schemas-microsoft-com:office:excel",
}  # the prefixes sheetxml writes our shapes with
_IDMAP = re.compile(r"""<(?:[\w.-]+:)?idmap\b[^>]*?\bdata\s*=\s*["']\s*([\d, ]+)""")
_SHAPE = re.compile(r"<(?:[\w.-]+:)?shape(?=[\s/>]).*?</(?:[\w.-]+:)?shape\s*>", re.S)
_NOTE = re.compile(r"""\bObjectType\s*=\s*["']Note["']""")


def note_shapes(vml: str) -> list[tuple[int, int, tuple[int, int]]]:
    """The note boxes of a VML drawing: (start, end, (row, column) 0-based), whatever its prefixes."""
    out = []
    for m in _SHAPE.finditer(vml):
        shape = m.group(0)
        row = re.search(r"<(?:[\w.-]+:)?Row>\s*(\d+)\s*</(?:[\w.-]+:)?Row\s*>", shape)
        col = re.search(r"<(?:[\w.-]+:)?Column>\s*(\d+)\s*</(?:[\w.-]+:)?Column\s*>", shape)
        if row and col and _NOTE.search(shape):
            out.append((m.start(), m.end(), (int(row.group(1)), int(col.group(1)))))
    return out


def in_vml(shapes: str, vml: str) -> str:
    """Our VML (prefixes v, o, x) as the drawing ``vml`` spells those namespaces: with the prefixes its
    root element declares, and each namespace it does not declare declared on our elements."""
    root = re.search(rf"<(?![?!]){ox._ATTRS}>", vml)
    declared: dict[str, str] = {}
    for prefix, uri in re.findall(
        r"""\bxmlns:([\w.-]+)\s*=\s*["']([^"']*)["']""", root.group(0) if root else ""
    ):
        declared.setdefault(uri, prefix)  # (a default namespace cannot name attributes: declared on ours)
    names = {ours: declared.get(uri, ours) for ours, uri in VML_NAMESPACES.items()}
    missing = "".join(f' xmlns:{ours}="{uri}"' for ours, uri in VML_NAMESPACES.items() if uri not in declared)
    if missing:
        shapes = re.sub(r"<v:(shape|shapetype)(?=\s)", rf"<v:\1{missing}", shapes)
    if all(names[k] == k for k in names):
        return shapes
    return re.sub(r"(?<=[<\s/])([vox]):(?=[A-Za-z])", lambda m: f"{names[m.group(1)]}:", shapes)


def zero_based(ref: str) -> tuple[int, int]:
    r, c = parse_ref(ref)
    return r - 1, c - 1


def vml_blocks(pkg: ox.Package) -> int:
    """The first shape-id block (o:idmap) no VML drawing of the package uses."""
    used = {0}
    for name in pkg.names():
        if name.lower().endswith(".vml"):
            for data in _IDMAP.findall(pkg.read(name).decode("utf-8", "surrogateescape")):
                used.update(int(x) for x in data.replace(" ", "").split(",") if x)
    return max(used) + 1


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
            pieces.append((a, b, t, ox.text_unescape(t.group(2))))
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


def remove_sheets(pkg: ox.Package, book: Book, names: set[str]) -> None:
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
