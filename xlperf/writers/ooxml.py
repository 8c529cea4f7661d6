"""Edit an OOXML package (an .xlsx/.xlsm) part by part, keeping every byte we do not change.

Why by hand: a load/save round trip through openpyxl rewrites every part, so it drops images, charts,
cached formula values and whatever else it does not model, and it is slow (most of its load time goes
to redrawing merged cells' borders). The annotated copy changes only a few things (one sheet added,
styles appended, notes added, some cells' style index), so it reads the zip, edits those parts as
text and writes the rest as they were.

Why text and not a tree: re-serialising a parsed part (ElementTree, lxml) changes its bytes (namespace
prefixes, quoting, whitespace, the VML Excel writes is not even well-formed XML), and "identical after
removing our additions" must hold byte for byte. So parts are read with the standard library's
ElementTree where only reading is needed (content types, relationships) and edited by splicing text
at offsets found by the small, quote-aware tag patterns below; element names are matched by local
name with any namespace prefix, and what we write into an existing part takes that part's prefix
(:func:`prefixed`: the .NET OpenXML SDK binds SpreadsheetML to ``x:``). Part names are found as OPC
says and python-calamine does, without regard to ASCII case (a part stored as ``Sheet3.xml`` is the
relationship's ``sheet3.xml``).
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree as ET

from xlperf.core.names import shown_name
from xlperf.errors import ReadError
from xlperf.sources.gate import MAX_MEMBERS, MAX_UNCOMPRESSED

NS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
NS_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
NS_CT = "http://schemas.openxmlformats.org/package/2006/content-types"
REL_OFFICE_DOCUMENT = NS_REL + "/officeDocument"
REL_WORKSHEET = NS_REL + "/worksheet"
REL_STYLES = NS_REL + "/styles"
REL_COMMENTS = NS_REL + "/comments"
REL_VML = NS_REL + "/vmlDrawing"
REL_VBA = "http://schemas.microsoft.com/office/2006/relationships/vbaProject"
REL_THREADED = "http://schemas.microsoft.com/office/2017/10/relationships/threadedComment"

CONTENT_TYPES = "[Content_Types].xml"
CT_WORKSHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
CT_STYLES = "application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"
CT_COMMENTS = "application/vnd.openxmlformats-officedocument.spreadsheetml.comments+xml"
CT_VML = "application/vnd.openxmlformats-officedocument.vmlDrawing"
CT_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
CT_XLSM = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"

COMPRESS_LEVEL = 1  # the parts we write: fast (a copy is ~10 % larger than at level 6, the same parts)
_ATTRS = r"""(?:[^>"']|"[^"]*"|'[^']*')*"""  # a start tag's attributes; ">" may sit inside quotes


def tag_pattern(local: str) -> re.Pattern[str]:
    """Start tags (or empty-element tags) of ``local``, with any namespace prefix."""
    return re.compile(rf"<(?:[A-Za-z_][\w.-]*:)?{local}(?=[\s/>]){_ATTRS}>")


def end_pattern(local: str) -> re.Pattern[str]:
    return re.compile(rf"</(?:[A-Za-z_][\w.-]*:)?{local}\s*>")


def prefix_of(tag: str) -> str:
    """The namespace prefix of a start tag with its colon ("x:" for "<x:c ...>"), or ""."""
    m = re.match(r"<([A-Za-z_][\w.-]*:)?", tag)
    return (m.group(1) or "") if m else ""


_UNPREFIXED_NAME = re.compile(r"<(/?)(?=[A-Za-z_])(?![\w.-]*:)")


def prefixed(xml: str, prefix: str) -> str:
    """Our XML fragment (elements written without a prefix) with every element name given ``prefix``
    ("x:"), for writing into a part that binds its namespace to that prefix; attributes are left as
    they are (unprefixed attributes belong to no namespace whatever their element's prefix)."""
    if not prefix:
        return xml
    return _UNPREFIXED_NAME.sub(rf"<\1{prefix}", xml)


@dataclass(frozen=True)
class Span:
    start: int
    end: int  # one past the element's last character
    tag_end: int  # one past its start tag
    empty: bool  # <x/>


def element_at(text: str, m: re.Match[str], local: str) -> Span:
    """The element whose start tag ``m`` matched (elements of that name do not nest in our parts)."""
    tag = m.group(0)
    if tag.endswith("/>"):
        return Span(m.start(), m.end(), m.end(), True)
    e = end_pattern(local).search(text, m.end())
    if e is None:
        raise ReadError(f"工作簿的部件已损坏（{local} 元素没有结束标记）")
    return Span(m.start(), e.end(), m.end(), False)


def find(text: str, local: str, start: int = 0, end: int | None = None) -> Span | None:
    m = tag_pattern(local).search(text, start, len(text) if end is None else end)
    return None if m is None else element_at(text, m, local)


def find_all(text: str, local: str, start: int = 0, end: int | None = None) -> list[Span]:
    out = []
    pat = tag_pattern(local)
    pos, stop = start, len(text) if end is None else end
    while True:
        m = pat.search(text, pos, stop)
        if m is None:
            return out
        s = element_at(text, m, local)
        out.append(s)
        pos = s.end


def content_end(text: str, span: Span) -> int:
    """Where an element's content ends (the start of its end tag)."""
    if span.empty:
        return span.tag_end
    return text.rindex("</", span.start, span.end)


_ATTR = re.compile(r"""([\w.:-]+)\s*=\s*("[^"]*"|'[^']*')""")


def attrs(tag: str) -> dict[str, str]:
    """A start tag's attributes, values unescaped (prefixes kept: "r:id")."""
    return {k: unescape(v[1:-1]) for k, v in _ATTR.findall(tag)}


def get_attr(tag: str, name: str) -> str | None:
    m = re.search(rf"""\s{re.escape(name)}\s*=\s*("[^"]*"|'[^']*')""", tag)
    return None if m is None else unescape(m.group(1)[1:-1])


def set_attr(tag: str, name: str, value: str | None) -> str:
    """The start tag with attribute ``name`` set to ``value`` (added last if missing; removed if None)."""
    pat = re.compile(rf"""\s{re.escape(name)}\s*=\s*("[^"]*"|'[^']*')""")
    m = pat.search(tag)
    if value is None:
        return tag if m is None else tag[: m.start()] + tag[m.end() :]
    if m is not None:
        return tag[: m.start()] + f' {name}="{attr_escape(value)}"' + tag[m.end() :]
    close = 2 if tag.endswith("/>") else 1
    return tag[:-close].rstrip() + f' {name}="{attr_escape(value)}"' + tag[-close:]


def unescape(s: str) -> str:
    if "&" not in s:
        return s
    return re.sub(r"&(#x[0-9A-Fa-f]+|#\d+|lt|gt|amp|quot|apos);", _entity, s)


def _entity(m: re.Match[str]) -> str:
    e = m.group(1)
    if e.startswith("#x"):
        return chr(int(e[2:], 16))
    if e.startswith("#"):
        return chr(int(e[1:]))
    return {"lt": "<", "gt": ">", "amp": "&", "quot": '"', "apos": "'"}[e]


_XSTRING_ESCAPE = re.compile(r"_(x[0-9A-Fa-f]{4}_)")
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def text_escape(s: str) -> str:
    """Text for an element of a SpreadsheetML part: XML-escaped; characters XML cannot hold written as
    Excel does (``_x0007_``), and a literal ``_x0007_`` kept literal (``_x005F_x0007_``)."""
    s = _XSTRING_ESCAPE.sub(r"_x005F_\1", s)
    s = s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _NOT_XML.sub(lambda m: f"_x{ord(m.group(0)):04X}_", s)


_XSTRING = re.compile(r"_x([0-9A-Fa-f]{4})_")


def text_unescape(s: str) -> str:
    """The text an element of a SpreadsheetML part holds: the inverse of :func:`text_escape`."""
    return _XSTRING.sub(lambda m: chr(int(m.group(1), 16)), unescape(s))


def attr_escape(s: str) -> str:
    s = _NOT_XML.sub("", s)
    return (
        s.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("\n", "&#10;")
        .replace("\r", "&#13;")
        .replace("\t", "&#9;")
    )


def splice(text: str, edits: list[tuple[int, int, str]]) -> str:
    """``text`` with each (start, end, replacement) applied; edits must not overlap."""
    if not edits:
        return text
    edits = sorted(edits, key=lambda e: (e[0], e[1]))
    out, pos = [], 0
    for s, e, new in edits:
        if s < pos:
            raise ValueError("overlapping edits")
        out.append(text[pos:s])
        out.append(new)
        pos = e
    out.append(text[pos:])
    return "".join(out)


# --- the package -------------------------------------------------------------------------------------


@dataclass
class Relationship:
    id: str
    type: str
    target: str  # as written
    part: str  # resolved part name ("xl/worksheets/sheet1.xml"); "" for external targets
    external: bool = False


def rels_name(part: str) -> str:
    """The relationships part of ``part`` ("" = the package)."""
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", name + ".rels")


def resolve(source: str, target: str) -> str:
    """The part a relationship of ``source`` points at (targets are relative to its folder)."""
    if target.startswith("/"):
        return posixpath.normpath(target.lstrip("/"))
    return posixpath.normpath(posixpath.join(posixpath.dirname(source), target))


def relative(source: str, part: str) -> str:
    return posixpath.relpath(part, posixpath.dirname(source) or ".")


@dataclass
class Package:
    """The parts of a zip package; edited parts are kept as text until :meth:`save`."""

    path: Path
    order: list[str] = field(default_factory=list)
    infos: dict[str, zipfile.ZipInfo] = field(default_factory=dict)
    raw: dict[str, bytes] = field(default_factory=dict)
    changed: dict[str, bytes] = field(default_factory=dict)
    deleted: set[str] = field(default_factory=set)
    _next: dict[str, int] = field(default_factory=dict)
    _taken: set[str] | None = None
    _added: set[str] = field(default_factory=set)  # parts not in the input, in self.order
    _overrides: list[str] = field(default_factory=list)  # queued: written into [Content_Types].xml at once
    _folded: dict[bytes, list[str]] = field(default_factory=dict)  # ASCII-lowercased name -> stored names

    @classmethod
    def open(cls, path: str | Path, only: Callable[[str], bool] | None = None) -> Package:
        """Read every part of ``path`` (or those ``only`` accepts) into memory. A file that is not a
        readable zip, or that would inflate past the safety gate's limits, is a ReadError."""
        p = Path(path)
        pkg = cls(p)
        try:
            with p.open("rb") as fh, zipfile.ZipFile(fh) as z:
                infos = [i for i in z.infolist() if not i.is_dir()]
                if len(infos) > MAX_MEMBERS or sum(i.file_size for i in infos) > MAX_UNCOMPRESSED:
                    raise ReadError("文件解压后过大或部件过多，疑似压缩炸弹，已拒绝读取")
                for info in infos:
                    pkg.order.append(info.filename)
                    pkg.infos[info.filename] = info
                    pkg._folded.setdefault(_fold(info.filename), []).append(info.filename)
                    if only is None or only(info.filename):
                        pkg.raw[info.filename] = z.read(info)  # bounded by the declared size
        except FileNotFoundError as exc:
            raise ReadError(f"文件不存在：{shown_name(p)}") from exc
        except (OSError, zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError) as exc:
            raise ReadError(f"文件已损坏或不是 xlsx 工作簿，无法读取：{type(exc).__name__}") from exc
        if "[Content_Types].xml" not in pkg.raw:
            raise ReadError("文件不是 Excel 工作簿（缺少 [Content_Types].xml）")
        return pkg

    def part_name(self, name: str) -> str:
        """The name ``name`` is stored under: itself when stored so, else the one stored name equal to
        it but for ASCII case (as OPC compares part names, and python-calamine finds them); ``name``
        itself when there is none, or more than one (:meth:`same_but_case` says which)."""
        if name in self.changed or name in self.raw or name in self.infos:
            return name
        found = self.same_but_case(name)
        return found[0] if len(found) == 1 else name

    def same_but_case(self, name: str) -> list[str]:
        """The parts stored under ``name`` but for ASCII case."""
        return [n for n in self._folded.get(_fold(name), ()) if n not in self.deleted]

    def load(self, name: str) -> None:
        """Read one more part of a package opened with ``only``."""
        name = self.part_name(name)
        if name in self.raw or name not in self.infos:
            return
        try:
            with self.path.open("rb") as fh, zipfile.ZipFile(fh) as z:
                self.raw[name] = z.read(self.infos[name])
        except (OSError, zipfile.BadZipFile, EOFError, ValueError) as exc:
            raise ReadError(f"文件已损坏，无法读取：{type(exc).__name__}") from exc

    def exists(self, name: str) -> bool:
        name = self.part_name(name)
        return name not in self.deleted and (name in self.changed or name in self.raw)

    def read(self, name: str) -> bytes:
        if name == CONTENT_TYPES and self._overrides:
            self._flush_overrides()
        name = self.part_name(name)
        if name in self.deleted:
            raise KeyError(name)
        return self.changed[name] if name in self.changed else self.raw[name]

    def text(self, name: str) -> str:
        data = self.read(name)
        try:
            return data.decode("utf-8-sig") if data.startswith(b"\xef\xbb\xbf") else data.decode("utf-8")
        except UnicodeDecodeError:
            enc = re.match(rb"<\?xml[^>]*encoding=[\"']([\w.-]+)", data)
            if enc is None:
                raise ReadError(f"工作簿的部件 {name} 不是 UTF-8 文本") from None
            return data.decode(enc.group(1).decode("ascii"))

    def write(self, name: str, data: str | bytes) -> None:
        name = self.part_name(name)
        self.changed[name] = data.encode("utf-8") if isinstance(data, str) else data
        self.deleted.discard(name)
        if name not in self.infos and name not in self._added:
            self._added.add(name)
            self.order.append(name)
            self._folded.setdefault(_fold(name), []).append(name)

    def delete(self, name: str) -> None:
        name = self.part_name(name)
        self._taken = None
        self._next.clear()
        self.deleted.add(name)
        self.changed.pop(name, None)

    def snapshot(self) -> tuple:
        """The package's state, for :meth:`restore` (undoing a set of edits that could not be finished)."""
        return (dict(self.changed), set(self.deleted), list(self.order), set(self._added), list(self._overrides),
                {k: list(v) for k, v in self._folded.items()}, dict(self._next))  # fmt: skip

    def restore(self, state: tuple) -> None:
        (self.changed, self.deleted, self.order, self._added, self._overrides, self._folded, self._next) = (
            state
        )
        self._taken = None

    def names(self) -> list[str]:
        return [n for n in self.order if self.exists(n)]

    def is_changed(self, name: str) -> bool:
        return name in self.changed and self.changed[name] != self.raw.get(name)

    def new_name(self, pattern: str) -> str:
        """The first free part name of ``pattern`` ("xl/comments/xlperf{}.xml"), never one used before."""
        i = self._next.get(pattern, 1)
        taken = {n.lower() for n in self.names()} if self._taken is None else self._taken
        self._taken = taken
        while pattern.format(i).lower() in taken:
            i += 1
        self._next[pattern] = i + 1
        taken.add(pattern.format(i).lower())
        return pattern.format(i)

    # --- relationships and content types

    def rels(self, part: str) -> list[Relationship]:
        name = rels_name(part)
        if not self.exists(name):
            return []
        root = _parse(self.read(name), name)
        out = []
        for el in root:
            if not el.tag.endswith("Relationship"):
                continue
            target = el.get("Target", "")
            external = el.get("TargetMode") == "External"
            out.append(
                Relationship(
                    el.get("Id", ""),
                    el.get("Type", ""),
                    target,
                    "" if external else self.part_name(resolve(part, target)),
                    external,
                )
            )
        return out

    def add_rel(self, part: str, rel_type: str, target_part: str, preferred_id: str) -> str:
        """Add a relationship from ``part``; returns its Id (``preferred_id`` or a free variant)."""
        name = rels_name(part)
        ids = {r.id for r in self.rels(part)}
        rid, k = preferred_id, 1
        while rid in ids:
            k += 1
            rid = f"{preferred_id}_{k}"
        el = f'<Relationship Id="{rid}" Type="{rel_type}" Target="{attr_escape(relative(part, target_part))}"/>'
        if self.exists(name):
            text = self.text(name)
            span = find(text, "Relationships")
            if span is None:
                raise ReadError(f"工作簿的部件 {name} 已损坏")
            el = prefixed(el, prefix_of(text[span.start : span.tag_end]))
            if span.empty:
                tag = text[span.start : span.end]
                end = f"</{prefix_of(tag)}Relationships>"
                text = text[: span.start] + tag[:-2] + ">" + el + end + text[span.end :]
            else:
                at = content_end(text, span)
                text = text[:at] + el + text[at:]
        else:
            text = f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="{NS_PKG_REL}">{el}</Relationships>'
        self.write(name, text)
        return rid

    def remove_rel(self, part: str, rid: str) -> None:
        name = rels_name(part)
        text = self.text(name)
        for span in find_all(text, "Relationship"):
            if get_attr(text[span.start : span.tag_end], "Id") == rid:
                self.write(name, text[: span.start] + text[span.end :])
                return

    def content_types(self) -> tuple[dict[str, str], dict[str, str]]:
        """(defaults by extension, overrides by part name without the leading "/")."""
        root = _parse(self.read("[Content_Types].xml"), "[Content_Types].xml")
        defaults, overrides = {}, {}
        for el in root:
            if el.tag.endswith("Default"):
                defaults[el.get("Extension", "").lower()] = el.get("ContentType", "")
            elif el.tag.endswith("Override"):
                overrides[el.get("PartName", "").lstrip("/")] = el.get("ContentType", "")
        return defaults, overrides

    def content_type(self, part: str) -> str:
        defaults, overrides = self.content_types()
        if part in overrides:
            return overrides[part]
        folded = {_fold(k): v for k, v in overrides.items()}
        if _fold(part) in folded:  # part names are compared without regard to ASCII case
            return folded[_fold(part)]
        return defaults.get(posixpath.splitext(part)[1].lstrip(".").lower(), "")

    def add_override(self, part: str, content_type: str) -> None:
        self._overrides.append(f'<Override PartName="/{attr_escape(part)}" ContentType="{content_type}"/>')

    def _flush_overrides(self) -> None:
        new, self._overrides = "".join(self._overrides), []
        text = self.text(CONTENT_TYPES)
        span = find(text, "Types")
        if span is None or span.empty:
            raise ReadError("工作簿的 [Content_Types].xml 已损坏")
        new = prefixed(new, prefix_of(text[span.start : span.tag_end]))
        at = content_end(text, span)
        self.write(CONTENT_TYPES, text[:at] + new + text[at:])

    def remove_override(self, part: str) -> None:
        name = "[Content_Types].xml"
        text = self.text(name)
        for span in find_all(text, "Override"):
            if _fold((get_attr(text[span.start : span.tag_end], "PartName") or "").lstrip("/")) == _fold(
                part
            ):
                self.write(name, text[: span.start] + text[span.end :])
                return

    def set_override(self, part: str, content_type: str) -> None:
        name = "[Content_Types].xml"
        text = self.text(name)
        for span in find_all(text, "Override"):
            tag = text[span.start : span.tag_end]
            if _fold((get_attr(tag, "PartName") or "").lstrip("/")) == _fold(part):
                self.write(
                    name,
                    text[: span.start] + set_attr(tag, "ContentType", content_type) + text[span.tag_end :],
                )
                return
        self.add_override(part, content_type)

    def main_part(self) -> str:
        for r in self.rels(""):
            if r.type.endswith("/officeDocument") and not r.external:
                return r.part
        raise ReadError("文件不是 Excel 工作簿（找不到工作簿主体部件）")

    # --- writing

    def to_bytes(self) -> bytes:
        buf = io.BytesIO()
        self._write(buf)
        return buf.getvalue()

    def save(self, path: str | Path) -> None:
        with open(path, "wb") as fh:
            self._write(fh)

    def _write(self, fh) -> None:
        self.read(CONTENT_TYPES)  # queued content types in
        with zipfile.ZipFile(fh, "w", zipfile.ZIP_DEFLATED, compresslevel=COMPRESS_LEVEL) as z:
            for name in self.names():
                old = self.infos.get(name)
                info = zipfile.ZipInfo(name, date_time=old.date_time if old else (1980, 1, 1, 0, 0, 0))
                info.compress_type = (
                    old.compress_type if old and name not in self.changed else zipfile.ZIP_DEFLATED
                )
                if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                    info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = old.external_attr if old else 0o600 << 16
                info._compresslevel = COMPRESS_LEVEL  # writestr with a ZipInfo ignores the archive's level
                z.writestr(info, self.read(name))


def _fold(name: str) -> bytes:
    """A part name for comparing without regard to ASCII case (bytes.lower() folds ASCII only)."""
    return name.encode("utf-8", "surrogateescape").lower()


def _parse(data: bytes, name: str) -> ET.Element:
    try:
        return ET.fromstring(data)
    except ET.ParseError as exc:
        raise ReadError(f"工作簿的部件 {name} 已损坏，无法读取（{exc}）") from exc
