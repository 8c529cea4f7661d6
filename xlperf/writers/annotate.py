"""``xlperf validate -o``: a copy of the workbook with a 校验结果 sheet and the offending cells marked.

The copy applies the validation's patch plan (:func:`xlperf.core.plan.build_plan`) by editing only the
parts that change (see :mod:`xlperf.writers.ooxml` for why not through openpyxl; the part editors are
in :mod:`xlperf.writers.xlsxparts`, the parts we add written by :mod:`xlperf.writers.sheetxml`):

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
import hashlib
import json
import posixpath
import re
import zipfile
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree as ET

from xlperf import safe_io
from xlperf.core.a1 import column_letter, parse_ref
from xlperf.core.engine import Validation
from xlperf.core.labels import RESULT_SHEET
from xlperf.core.names import shown_name
from xlperf.core.plan import (
    MARK_KEY,
    PALETTE,
    RECORD_HEADER,
    RECORD_SHEET,
    Mark,
    Plan,
    build_plan,
)
from xlperf.errors import OutputError, ReadError
from xlperf.safe_io import atomic_write
from xlperf.writers import ooxml as ox
from xlperf.writers import sheetxml as sx
from xlperf.writers.xlsxparts import (
    Book,
    Notes,
    Styles,
    Worksheet,
    cut_note,
    fill_rgb,
    note_shapes,
    remove_sheets,
    top_level,
    vml_blocks,
    zero_based,
)

_CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
META_CHUNK = 30_000  # characters per record cell (Excel holds 32,767)
MAIN_TYPES = {ox.CT_XLSX: ".xlsx", ox.CT_XLSM: ".xlsm"}


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
        raise ReadError(f"无法读取文件：{shown_name(src)}（{exc.strerror or exc}）") from exc
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
    """Refuse, before any work, an output that cannot be made (its folder missing or not writable, the
    input itself: :func:`xlperf.safe_io.check_output`) or whose extension does not match the copy's
    content; returns the suffix. Reads only the package's content types, relationships and workbook
    part."""
    safe_io.check_output(out, inputs=[src])
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


@dataclass(frozen=True)
class Unmarked:
    """A sheet with findings whose cells the copy could not mark, and why (in Chinese)."""

    sheet: str
    reason: str


@dataclass(frozen=True)
class Copied:
    """What :func:`write_annotated_copy` wrote: the copy, and the sheets it could not mark (their
    findings are in the 校验结果 sheet all the same)."""

    path: Path
    unmarked: tuple[Unmarked, ...] = ()


def write_annotated_copy(v: Validation, src: str | Path, out: str | Path, plan: Plan | None = None) -> Copied:
    """Write a marked copy of ``src`` to ``out``; ``src`` is never modified. Raises ReadError when the
    input cannot be read as a package (NotCopyable when it is not one we can copy losslessly),
    OutputError when the copy cannot be written or its extension does not match its content."""
    check_output(src, out)
    pkg = open_package(src)
    unmarked = annotate(pkg, plan or build_plan(v))
    return Copied(atomic_write(out, pkg.save, inputs=[src]), tuple(unmarked))


def write_cleared_copy(src: str | Path, out: str | Path) -> tuple[Path, bool]:
    """清除校验标记 on a file: a copy of ``src`` without our marks; True when there were marks."""
    check_output(src, out)
    pkg = open_package(src)
    found = strip_marks(pkg)
    return atomic_write(out, pkg.save, inputs=[src]), found


# --- applying the plan -----------------------------------------------------------------------------------


@dataclass
class _State:
    base: dict[str, bytes]
    splices: dict[str, list] = field(default_factory=dict)


def annotate(pkg: ox.Package, plan: Plan) -> list[Unmarked]:
    """Apply ``plan`` to the package in memory (after taking away the marks of an earlier run); returns
    the sheets whose cells could not be marked (left as they were), each with its reason."""
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
    unmarked = [Unmarked(name, "工作簿中找不到该工作表") for name in by_sheet if book.by_name(name) is None]
    for entry in book.sheets:
        marks = by_sheet.get(entry.name)
        if not entry.part or not pkg.exists(entry.part):
            if marks:
                unmarked.append(Unmarked(entry.name, _missing_part(pkg, entry.part)))
            continue
        if not marks and b"tabSelected" not in pkg.read(entry.part)[:20_000]:
            continue
        worksheets[entry.part] = Worksheet(pkg, entry.part)  # a chart sheet's views are the same element
        worksheets[entry.part].unselect()
        if not marks:
            continue
        before = pkg.snapshot()
        try:
            record.extend(_mark_sheet(pkg, worksheets[entry.part], styles, entry.name, marks, block))
        except ReadError as exc:  # an odd part we cannot edit: that sheet is left as it was, and said
            pkg.restore(before)
            worksheets[entry.part] = Worksheet(pkg, entry.part)
            worksheets[entry.part].unselect()
            unmarked.append(Unmarked(entry.name, str(exc)))
        block += 1
    for part, ws in worksheets.items():
        undo = ws.finish()
        if undo:
            state.splices[part] = undo
    _add_sheets(pkg, book, styles, plan, record, state)
    return unmarked


def _missing_part(pkg: ox.Package, part: str) -> str:
    same = pkg.same_but_case(part) if part else []
    if len(same) > 1:
        return (
            f"文件中该工作表的部件有 {len(same)} 个仅大小写不同的名称（{'、'.join(same)}），无法确定标记哪一个；"
            "问题已全部列在“校验结果”工作表中"
        )
    return f"文件中找不到该工作表的部件（{part or '工作簿未指明'}）；问题已全部列在“校验结果”工作表中"


def _mark_sheet(
    pkg: ox.Package, ws: Worksheet, styles: Styles, sheet: str, marks: list[Mark], block: int
) -> list[list[object]]:
    """Fill and note the marked cells of one sheet; returns the record sheet's rows for them."""
    record: list[list[object]] = []
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
        record.append([sheet, ref, fill_rgb(fill), "", "" if s is None else s, created, fill])
    ws.add_footer_key(MARK_KEY)  # before the notes' legacyDrawing, which the schema puts after it
    kinds = Notes(pkg, ws, block).add([(ref, m.note) for ref, m in cells.items()])
    for ref, (kind, original) in kinds.items():
        if kind:
            record.append([sheet, ref, "", kind, "", "", original])
    return record


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
    kids = ox.find_all(text, "sheet", sheets.tag_end, sheets.end)
    ids = [ox.get_attr(text[k.start : k.tag_end], "sheetId") or "" for k in kids]
    next_id = max((int(x) for x in ids if x.strip().isdigit()), default=0) + 1
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
        ra, ca = parse_ref(a)
        rb, cb = parse_ref(b)
        ours += (
            f'<{p}definedName name="_xlnm._FilterDatabase" localSheetId="0" hidden="1">'
            f"{q}!${column_letter(ca)}${ra}:${column_letter(cb)}${rb}</{p}definedName>"
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
            col = parse_ref(ref)[1] if ref else len(out) + 1
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
            out[col] = _XSTR.sub(lambda m: chr(int(m.group(1), 16)), value)  # ET has undone the XML escapes
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
            recorded = original.startswith("<") and "fill" in original[:10]
            fill = styles.own(original) if recorded else sx.fill_xml(rgb or None)
            new[ref] = styles.with_fill(idx, fill)
        if new:
            ws.set_styles(new, located)
        ws.remove_footer_key(MARK_KEY)
        ws.finish()
        notes = [(r[1], r[3]) for r in marks if r[3]]
        if notes:
            _cut_notes(pkg, entry.part, notes)
    styles.finish()
    remove_sheets(pkg, Book(pkg), {RESULT_SHEET, RECORD_SHEET})


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
            gone.add(zero_based(ref))
        else:
            edits.append((tspan.tag_end, tspan.tag_end + len(inner), cut[0]))
    pkg.write(cpart, ox.splice(text, edits))
    if gone:
        ld = Worksheet(pkg, sheet_part).legacy_drawing_rid()
        vml = next((r.part for r in rels if r.id == ld and pkg.exists(r.part)), None)
        if vml:
            vtext = pkg.read(vml).decode("utf-8", "surrogateescape")
            vedits = [(start, end, "") for start, end, cell in note_shapes(vtext) if cell in gone]
            pkg.write(vml, ox.splice(vtext, vedits).encode("utf-8", "surrogateescape"))
