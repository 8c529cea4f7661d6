"""Word reports to grids: each table of a 绩效自评工作报告 becomes a plain grid, as a sheet does.

The one parser (:mod:`xlperf.core.parser`) then finds the fields by their labels; nothing here knows
the form beyond what places a table in the document. What this module does:

- a table's rows are the grid's rows and its grid columns (``w:tblGrid``) the grid's columns. A cell
  spanning columns (``w:gridSpan``) holds its text in its first column; a cell merged down
  (``w:vMerge``: python-docx's ``row.cells`` returns the top cell again for every merged row, so its
  text would repeat) holds it only in the top row, as a merged range on a sheet does. A cell's
  paragraphs and line breaks are joined with "\\n" ("预算执行率指标\\n（10分）"); a row starting late
  (``w:gridBefore``) starts in its column; blank rows stay.
- every cell keeps where a user finds it in Word: "表2 第12行 第6列" (the table's number in the document,
  the row, the cell's place in that row counting a merged cell once) — :attr:`Grid.locations`.
- a table nested in a cell is a table of its own (表1-1); a table holding nothing but nested tables (a
  layout frame) is not listed. A form split into two tables (the second part without 项目名称, with
  only blank lines or "续表" between) is joined into one grid; a header row the second part repeats is
  dropped.
- the unit and year come from the title ("长安区委编办2020年度绩效自评工作报告") as a 单位信息 grid; a
  table without a 项目名称 row gets one from the heading before it ("2、实名制管理及编制使用核准");
  the sentence after a table that states its score ("通过自评，得分为96分，…") is the grid's
  ``conclusion``.
- .doc (Word 97–2003), .wps (WPS 文字) and .odt are converted to .docx by LibreOffice headless (a copy in
  a private temporary folder, a private profile: :mod:`xlperf.libreoffice`); without LibreOffice the
  reason says to save as .docx.

The package passes the safety gate first (:func:`xlperf.sources.gate.open_checked_document`: zip bombs,
entity declarations, encryption, sizes); only its XML parts are read, with python-docx's own XML
classes (images and macros are never loaded). Written here rather than through ``docx.Document``
because that loads every part (images included) and its ``row.cells`` repeats merged cells.
"""

from __future__ import annotations

import posixpath
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from xlperf.core import labels as L
from xlperf.core.grid import Grid, ref
from xlperf.core.names import shown_name
from xlperf.core.parser import is_project_sheet
from xlperf.core.rules import stated_score
from xlperf.errors import OutputError, ReadError
from xlperf.layouts import shipped
from xlperf.sources.gate import LEGACY_WORD_SUFFIXES, open_checked_document

MAX_TABLE_CELLS = 200_000  # grid cells of one table (Word allows 63 columns; a form is ~40 × 9)
MAX_DOCUMENT_CELLS = 2_000_000  # summed over a document's tables
_MAIN_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"
_CONTINUED = ("续表", "续上表", "(续表)", "(续)")

_TITLE = re.compile(r"^(?:附件\s*\d*[:：]?\s*)?(.{2,40}?)\s*(\d{4})\s*年度?.*(?:自评|评价).*报告")
_YEAR = re.compile(r"(20\d{2}|19\d{2})\s*年度")
_HEADING = re.compile(
    r"^\s*(?:[(（]?[0-9０-９一二三四五六七八九十]{1,3}[)）]?[、.．]?|第[一二三四五六七八九十0-9]+个?项目[:：]?)\s*(.+?)\s*$"
)


@dataclass
class _Table:
    name: str
    rows: list[list[object]]
    locations: dict[str, str]
    nested_only: bool = False  # holds nothing but nested tables (a layout frame)
    before: list[str] = field(default_factory=list)  # non-blank paragraphs since the previous table
    after: list[str] = field(default_factory=list)  # non-blank paragraphs until the next table
    gap: list[str] = field(default_factory=list)  # every paragraph between the previous table and this
    parent: _Table | None = None  # the table whose cell holds this one
    children: int = 0  # tables nested in this one's cells (named 表1-1, 表1-2, …)


def read_document_grids(path: str | Path) -> list[Grid]:
    """Every table of a Word report as a grid (plus a 单位信息 grid from the title). Raises
    :class:`ReadError` with a Chinese reason for a file that cannot be read."""
    p = Path(path)
    if p.suffix.lower() in LEGACY_WORD_SUFFIXES:
        with tempfile.TemporaryDirectory(prefix="xlperf-doc-") as tmp:
            return _grids_of(_converted(p, Path(tmp)))
    return _grids_of(p)


def _converted(src: Path, tmp: Path) -> Path:
    """A legacy document converted to .docx in ``tmp`` (the user's file is copied first: LibreOffice
    writes a lock file beside what it opens, and the input folder stays untouched)."""
    from xlperf import libreoffice

    kind = {
        ".doc": "Word 97-2003 文档（.doc）",
        ".wps": "WPS 文字文档（.wps）",
        ".odt": "OpenDocument 文档（.odt）",
    }
    what = kind.get(src.suffix.lower(), "旧格式文档")
    if not src.is_file():
        raise ReadError(f"文件不存在：{shown_name(src)}")
    if libreoffice.find_soffice() is None:
        raise ReadError(
            f"这是{what}，本机未安装 LibreOffice，无法读取；请用 Word/WPS 另存为 .docx 后重新报送"
        )
    copy = tmp / ("input" + src.suffix.lower())
    try:
        shutil.copyfile(src, copy)
    except OSError as exc:
        raise ReadError(f"无法读取该文件：{exc.strerror or exc}") from exc
    try:
        out = libreoffice.convert(copy, "docx:MS Word 2007 XML", tmp / "out", libreoffice.document_timeout())
    except OutputError as exc:
        advice = "" if "另存为 .docx" in str(exc) else "；请用 Word/WPS 另存为 .docx 后重新报送"
        raise ReadError(f"{what}未能转换为 .docx：{exc}{advice}") from exc
    return out


def _grids_of(path: Path) -> list[Grid]:
    with tempfile.TemporaryDirectory(prefix="xlperf-chunk-") as tmp:
        walk = _Walk(Path(tmp))
        walk.blocks(_body(path, walk))
    grids = [_grid(t) for t in _joined(walk.tables) if not t.nested_only]
    unit, year = _unit_and_year(walk.paragraphs)
    if unit or year:
        grids.insert(0, Grid(L.UNIT_SHEET, [[L.UNIT_NAME, unit or None], [L.UNIT_YEAR, year or None]]))
    return grids


def _body(path: Path, walk: _Walk):
    """The document's body element, its parts kept on ``walk`` for the alternative-format chunks."""
    from docx.oxml import parse_xml  # python-docx's XML classes (lxml, entities never resolved)

    parts = open_checked_document(path)
    main = _main_part(parts)
    if main not in parts:
        raise ReadError("文件不是 Word 文档（找不到文档主体部件）")
    try:
        root = parse_xml(parts[main])
    except Exception as exc:  # noqa: BLE001 - lxml's XMLSyntaxError and friends: the file is damaged
        raise ReadError(f"文档内容已损坏，无法读取（{type(exc).__name__}）") from exc
    body = root.find(_w("body"))
    if body is None:
        raise ReadError("文档内容已损坏（缺少正文）")
    walk.packages[id(body)] = (parts, main)
    return body


class _Walk:
    """The document in reading order, as Word shows it: paragraphs and tables at any depth (tables in
    cells, content controls opened, tracked deletions — text, cells, rows — and text moved away left
    out, alternative-format chunks read in
    their place). Collects the tables, and for each the paragraphs between it and the table that
    ended before it (whatever cells they are in: a layout frame's blank lines between two tables are
    between them) and after it until the next table starts."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.tables: list[_Table] = []
        self.paragraphs: list[str] = []  # every non-blank paragraph outside tables (the title is one)
        self.pending: list[str] = []  # paragraphs since the last table ended
        self.after: _Table | None = None  # the table the paragraphs now read come after
        self.budget = MAX_DOCUMENT_CELLS
        self.packages: dict[int, tuple[dict[str, bytes], str]] = {}  # body -> its parts, main part
        self.chunks = 0

    def blocks(self, parent, in_table: bool = False) -> None:
        for kind, el in _shown_blocks(parent):
            if kind == "p":
                text = el.strip()
                self.pending.append(text)
                if text and not in_table:
                    self.paragraphs.append(text)
                if text and self.after is not None:
                    self.after.after.append(text)
            elif kind == "tbl":
                self.table(el, None)
            else:
                self.blocks(self.chunk(el, parent), in_table)

    def table(self, tbl, parent: _Table | None) -> _Table:
        """A table (and, where they stand, the tables nested in its cells) appended to ``tables``."""
        if parent is None:
            name = f"表{sum(1 for t in self.tables if t.parent is None) + 1}"
        else:
            parent.children += 1
            name = f"{parent.name}-{parent.children}"
        t = _Table(name, [], {}, before=[x for x in self.pending if x], gap=list(self.pending), parent=parent)
        self.tables.append(t)
        self.after = None
        has_text = nested = False
        r = 0
        for tr in _rows(tbl):
            trpr = tr.find(_w("trPr"))
            if trpr is not None and trpr.find(_w("del")) is not None:
                continue  # a row deleted with Track Changes on: gone from what Word shows
            before = trpr.find(_w("gridBefore")) if trpr is not None else None
            col = _int(before.get(_w("val")) if before is not None else None, 0)
            row: list[object] = [None] * col
            for k, tc in enumerate(_cells(tr), 1):
                span = max(1, min(_int(_prop(tc, "gridSpan"), 1), 63))
                vmerge = tc.find(f"{_w('tcPr')}/{_w('vMerge')}")
                hmerge = tc.find(f"{_w('tcPr')}/{_w('hMerge')}")
                continued = (vmerge is not None and vmerge.get(_w("val"), "continue") == "continue") or (
                    hmerge is not None and hmerge.get(_w("val"), "continue") == "continue"
                )
                lines: list[str] = []
                for kind, el in _shown_blocks(tc):
                    if kind == "tbl":
                        nested = True
                        self.table(el, t)
                        continue
                    if kind != "p":
                        continue  # (a chunk pasted into a cell: not a form's value)
                    text = el
                    self.pending.append(text.strip())
                    lines.append(text)
                text = None if continued else "\n".join(lines).strip()
                if text:
                    has_text = True
                row.extend([text or None] + [None] * (span - 1))
                for c in range(col, col + span):
                    t.locations[ref(r, c)] = f"{name} 第{r + 1}行 第{k}列"
                col += span
            t.rows.append(row)
            r += 1
            self.budget -= len(row)
            if self.budget < 0 or len(t.rows) * max(len(row), 1) > MAX_TABLE_CELLS:
                raise ReadError(
                    f"{name}过大（超过 {MAX_TABLE_CELLS} 个单元格），不是自评表；请删除后重新报送"
                )
        t.nested_only = nested and not has_text
        self.pending = []
        if not (t.nested_only and self.after is not None):  # a frame: what follows is its last table's
            self.after = t
        return t

    def chunk(self, alt, parent):
        """The body of an alternative-format chunk (w:altChunk: a web page, RTF or another document
        pasted into this one, which Word shows in its place): read from a .docx directly, converted
        by LibreOffice otherwise; a ReadError says why it cannot be read."""
        parts, main = self._package_of(parent)
        rid = next((v for k, v in alt.attrib.items() if k.endswith("}id")), "")
        target = _chunk_target(parts, main, rid)
        if target is None or target not in parts:
            raise ReadError(
                "文档中嵌入的内容（altChunk）缺失，文件可能已损坏；请用 Word 打开后另存为 .docx 再报送"
            )
        self.chunks += 1
        if self.chunks > MAX_CHUNKS:
            raise ReadError(
                f"文档嵌入的内容（altChunk）超过 {MAX_CHUNKS} 处，不像一份报告；请用 Word 另存为 .docx 后重新报送"
            )
        suffix = posixpath.splitext(target)[1].lower()
        kind = _CHUNK_KINDS.get(suffix)
        src = self.tmp / f"chunk{self.chunks}{suffix}"
        src.write_bytes(parts[target])
        if suffix in (".docx", ".docm"):
            return _body(src, self)
        if kind is None:
            raise ReadError(
                f"报告正文是以“{suffix or '未知'}”格式嵌入的内容（altChunk），无法读取；"
                "请用 Word 打开该报告后另存为 .docx（Word 会把它转为普通文字和表格）再报送"
            )
        from xlperf import libreoffice

        if libreoffice.find_soffice() is None:
            raise ReadError(
                f"报告正文是以{kind}形式嵌入的内容（altChunk，多由网上填报系统导出），读取它需要 LibreOffice，"
                "本机未安装；请用 Word 打开该报告后另存为 .docx（Word 会把它转为普通文字和表格）再报送"
            )
        try:
            out = libreoffice.convert(
                src, "docx:MS Word 2007 XML", self.tmp / f"chunk{self.chunks}", libreoffice.document_timeout()
            )
        except OutputError as exc:
            raise ReadError(
                f"报告正文是以{kind}形式嵌入的内容（altChunk），LibreOffice 未能转换：{exc}；"
                "请用 Word 打开该报告后另存为 .docx 再报送"
            ) from exc
        return _body(out, self)

    def _package_of(self, el) -> tuple[dict[str, bytes], str]:
        while el is not None:
            if id(el) in self.packages:
                return self.packages[id(el)]
            el = el.getparent()
        raise ReadError("文档内容已损坏（嵌入的内容不在正文中）")


MAX_CHUNKS = 20  # alternative-format chunks read in one document (a report pasted from the web has one)
# chunk file types LibreOffice converts, and what a user calls them
_CHUNK_KINDS = {
    ".htm": "网页（HTML）", ".html": "网页（HTML）", ".xhtml": "网页（HTML）", ".mht": "单个网页文件（MHT）",
    ".mhtml": "单个网页文件（MHT）", ".rtf": "RTF 文档", ".txt": "纯文本",
}  # fmt: skip
_CHUNK_REL = "/aFChunk"


def _chunk_target(parts: dict[str, bytes], main: str, rid: str) -> str | None:
    from xml.etree import ElementTree as ET

    folder, name = posixpath.split(main)
    rels = parts.get(posixpath.join(folder, "_rels", name + ".rels"))
    if rels is None:
        return None
    try:
        root = ET.fromstring(rels)
    except ET.ParseError:
        return None
    for r in root:
        if (
            r.get("Id") == rid
            and (r.get("Type") or "").endswith(_CHUNK_REL)
            and r.get("TargetMode") != "External"
        ):
            target = r.get("Target", "")
            return posixpath.normpath(
                target.lstrip("/") if target.startswith("/") else posixpath.join(folder, target)
            )
    return None


def _w(tag: str) -> str:
    return "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}" + tag


def _main_part(parts: dict[str, bytes]) -> str:
    """The main document part, from the package relationships (word/document.xml as a rule)."""
    from xml.etree import ElementTree as ET

    try:
        rels = ET.fromstring(parts.get("_rels/.rels", b""))
    except ET.ParseError:
        return "word/document.xml"
    for r in rels:
        if r.get("Type") == _MAIN_REL:
            return r.get("Target", "").lstrip("/")
    return "word/document.xml"


def _opened(parent, tag: str):
    """The ``tag`` children of ``parent``, with content controls (w:sdt) and custom XML around them
    opened, as Word shows them: around paragraphs, tables, rows (a repeating section) or cells."""
    for child in parent.iterchildren():
        if child.tag == tag:
            yield child
        elif child.tag == _w("sdt"):
            content = child.find(_w("sdtContent"))
            if content is not None:
                yield from _opened(content, tag)
        elif child.tag == _w("customXml"):
            yield from _opened(child, tag)


def _rows(tbl):
    return _opened(tbl, _w("tr"))


def _cells(tr):
    """A row's cells as Word shows them: a cell deleted with Track Changes on (w:cellDel) is not one
    (the cells after it move left, as when the change is accepted)."""
    deleted = f"{_w('tcPr')}/{_w('cellDel')}"
    return (tc for tc in _opened(tr, _w("tc")) if tc.find(deleted) is None)


def _blocks(parent):
    """The paragraphs, tables and alternative-format chunks of a body or cell, in order (content
    controls opened)."""
    for child in parent.iterchildren():
        if child.tag == _w("p"):
            yield "p", child
        elif child.tag == _w("tbl"):
            yield "tbl", child
        elif child.tag == _w("altChunk"):
            yield "chunk", child
        elif child.tag in (_w("sdt"), _w("customXml")):
            content = child.find(_w("sdtContent")) if child.tag == _w("sdt") else child
            if content is not None:
                yield from _blocks(content)


def _shown_blocks(parent):
    """:func:`_blocks` with each paragraph as the text Word shows (``("p", text)``): a paragraph whose
    mark was deleted or moved away with Track Changes on (w:del / w:moveFrom in its w:pPr/w:rPr) is one
    paragraph with the next, as when the change is accepted ("机构编制管理工作" + "监督检查" on one line)."""
    carry = ""
    for kind, el in _blocks(parent):
        if kind != "p":
            if carry:
                yield "p", carry
                carry = ""
            yield kind, el
            continue
        text = carry + _paragraph_text(el)
        mark = el.find(f"{_w('pPr')}/{_w('rPr')}")
        if mark is not None and (mark.find(_w("del")) is not None or mark.find(_w("moveFrom")) is not None):
            carry = text
            continue
        carry = ""
        yield "p", text
    if carry:
        yield "p", carry


# inline elements whose runs Word shows: hyperlinks, content controls, insertions (tracked), text moved
# here, simple fields (their result), smart tags, custom XML, bidirectional embeddings
_SHOWN = frozenset(
    _w(t) for t in ("hyperlink", "ins", "moveTo", "fldSimple", "smartTag", "customXml", "dir", "bdo")
)


def _paragraph_text(p) -> str:
    """A paragraph's text as Word shows it (changes accepted): its runs (tabs and line breaks as
    "\t" and "\n", through python-docx's run text) wherever they sit — in hyperlinks, content
    controls, tracked insertions, fields, smart tags; deleted and moved-away text left out."""
    out: list[str] = []

    def inline(parent) -> None:
        for child in parent.iterchildren():
            if child.tag == _w("r"):
                out.append(child.text)  # CT_R.text: w:t, w:tab, w:br, w:cr, w:noBreakHyphen, w:ptab
            elif child.tag in _SHOWN:
                inline(child)
            elif child.tag == _w("sdt"):
                content = child.find(_w("sdtContent"))
                if content is not None:
                    inline(content)
            # w:del, w:moveFrom (not shown), w:pPr, bookmarks, comments, math, drawings: no text

    inline(p)
    return "".join(out)


def _prop(tc, tag: str) -> str | None:
    el = tc.find(f"{_w('tcPr')}/{_w(tag)}")
    return None if el is None else el.get(_w("val"))


def _int(text: str | None, default: int) -> int:
    try:
        return int(text) if text is not None else default
    except ValueError:
        return default


def _texts(rows: list[list[object]]) -> list[list[str]]:
    return [[L.norm(v) if isinstance(v, str) else "" for v in row] for row in rows]


def _has(rows: list[list[object]], label: str) -> bool:
    return any(t == label or t.startswith(label) for row in _texts(rows) for t in row)


def _joined(tables: list[_Table]) -> list[_Table]:
    """A form split into two tables becomes one: the second part has no 项目名称, the first no 总分, and
    nothing but blank lines or "续表" stands between them."""
    out: list[_Table] = []
    for t in tables:
        prev = out[-1] if out else None
        if prev is not None and _continues(prev, t):
            header_rows = {tuple(x for x in row if x) for row in _texts(prev.rows)}
            rows = list(t.rows)
            while rows and tuple(x for x in _texts(rows[:1])[0] if x) in header_rows - {()}:
                rows.pop(0)  # a header row the second part repeats
            offset = len(prev.rows)
            for r, row in enumerate(t.rows[len(t.rows) - len(rows) :]):
                for c in range(len(row)):
                    where = t.locations.get(ref(r + len(t.rows) - len(rows), c))
                    if where:
                        prev.locations[ref(offset + r, c)] = where
            prev.rows.extend(rows)
            prev.after = t.after
            continue
        out.append(t)
    return out


def _continues(prev: _Table, t: _Table) -> bool:
    if prev.nested_only or t.nested_only or _inside(t, prev):
        return False  # a layout frame, or a table in a cell of the other
    if not all(L.norm(x) in _CONTINUED for x in t.before):
        return False  # a heading or text between them: two tables
    if _has(t.rows, L.PROJECT_NAME) or _has(prev.rows, L.TOTAL):
        return False
    first = _has(prev.rows, L.COL_LEVEL1) or _has(prev.rows, L.BUDGET_HEAD) or _has(prev.rows, L.PROJECT_NAME)
    return first and (_has(t.rows, L.TOTAL) or _has(t.rows, L.COL_LEVEL1) or _has(t.rows, L.COL_LEVEL2))


def _inside(t: _Table, outer: _Table) -> bool:
    up = t.parent
    while up is not None:
        if up is outer:
            return True
        up = up.parent
    return False


def _grid(t: _Table) -> Grid:
    rows = t.rows
    locations = dict(t.locations)
    is_form = is_project_sheet(Grid(t.name, [list(r) for r in rows], kind="table"), shipped())
    if is_form and not _has(rows, L.PROJECT_NAME):
        name = _heading(t.before)
        if name:  # the project's name from the heading before the table, as a row of its own
            rows = [[L.PROJECT_NAME, name], *rows]
            shifted = {}
            for key, where in locations.items():
                m = re.fullmatch(r"([A-Z]+)(\d+)", key)
                if m:
                    shifted[f"{m.group(1)}{int(m.group(2)) + 1}"] = where
            locations = shifted
            locations["A1"] = locations["B1"] = f"{t.name} 之前的标题“{name}”"
    grid = Grid(t.name, rows, kind="table", locations=locations)
    if is_form:
        for k, text in enumerate(t.after, 1):
            if stated_score(text) is not None and ("自评" in text or "评价" in text or "得分" in text):
                grid.conclusion = (text, f"{t.name} 之后第{k}段")
                break
    return grid


def _heading(before: list[str]) -> str:
    """The project name in the last heading before a table ("2、实名制管理及编制使用核准")."""
    for text in reversed(before[-2:]):
        m = _HEADING.match(text)
        if m and len(m.group(1)) <= 60 and not stated_score(text):
            return m.group(1)
    return ""


def _unit_and_year(paragraphs: list[str]) -> tuple[str, str]:
    """The unit and the year from the report's title ("长安区委编办2020年度绩效自评工作报告")."""
    for text in paragraphs[:20]:
        m = _TITLE.match(text.replace(" ", ""))
        if m:
            return m.group(1).strip("：: "), m.group(2)
    for text in paragraphs[:20]:
        m = _YEAR.search(text)
        if m:
            return "", m.group(1)
    return "", ""
