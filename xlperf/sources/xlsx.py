"""Workbooks to grids: python-calamine (fast, default) or openpyxl (read-only), cached values only.

Both read the safety gate's checked copy (:class:`~xlperf.sources.gate.Package`), never the file again,
and openpyxl reads no further than the extent the gate measured (it would otherwise pad every row to
the width the sheet's ``<dimension>`` claims). Formulas are not evaluated here.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Collection
from pathlib import Path

from xlperf.core.a1 import column_index
from xlperf.core.grid import Grid
from xlperf.errors import ReadError
from xlperf.sources.gate import Package, open_checked


def _checked(source: str | Path | Package) -> Package:
    return source if isinstance(source, Package) else open_checked(source)


def grids_calamine(
    source: str | Path | Package,
    skip: Collection[str] = (),
    errors: dict[str, list[tuple[int, int, str]]] | None = None,
) -> list[Grid]:
    """Every sheet as a grid, through python-calamine (cached values; formulas are not evaluated).
    Sheets named in ``skip`` are not read; ``errors`` (from :func:`error_cells`) are put back. A path
    is checked by the gate first."""
    from python_calamine import CalamineError, CalamineWorkbook

    pkg = _checked(source)
    try:
        with CalamineWorkbook.from_filelike(pkg.stream()) as wb:
            out = []
            for meta in wb.sheets_metadata:
                # the enums have no .name in python-calamine 0.9: compare by their text "SheetVisibleEnum.Hidden"
                visible = str(meta.visible).rsplit(".", 1)[-1]
                state = {"Visible": "visible", "Hidden": "hidden"}.get(visible, "veryhidden")
                if str(meta.typ).rsplit(".", 1)[-1] != "WorkSheet" or meta.name in skip:
                    continue
                sheet = wb.get_sheet_by_name(meta.name)
                rows = sheet.to_python(skip_empty_area=False)
                for r, c, text in (errors or {}).get(meta.name, ()):
                    if r < len(rows) and c < len(rows[r]):
                        rows[r][c] = text
                out.append(Grid(meta.name, rows, state))
            return out
    except CalamineError as exc:
        if "password" in str(exc).lower() or type(exc).__name__ == "PasswordError":
            raise ReadError("工作簿设置了打开密码，请去掉密码后再报送") from exc
        raise ReadError(f"文件已损坏，无法读取：{exc}") from exc
    except (OSError, ValueError) as exc:
        raise ReadError(f"文件无法读取：{exc}") from exc


_XML_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")


def _as_calamine(v: object) -> object:
    """What python-calamine would give: openpyxl keeps Excel's ``_x0007_`` escapes undecoded and gives
    a date cell as a midnight datetime. One meaning whichever reader is used."""
    if isinstance(v, str) and "_x" in v:
        return _XML_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), v)
    if isinstance(v, dt.datetime) and v.time() == dt.time(0):
        return v.date()
    return v


def _lenient_numbers() -> None:
    """openpyxl casts a numeric cell with int() unless it holds ".", "E" or "e", so a raw ``NaN`` or
    ``inf`` (written by scripts; python-calamine reads them as floats) aborts the whole read with a
    ValueError. Cast those as python-calamine does, so both engines read the same file the same way."""
    from openpyxl.worksheet import _reader

    cast = getattr(_reader, "_cast_number", None)
    if cast is None or getattr(cast, "xlperf", False):
        return

    def cast_number(value: str):
        try:
            return cast(value)
        except ValueError:
            return float(value)  # "NaN", "inf", "-inf"; anything else still raises

    cast_number.xlperf = True
    _reader._cast_number = cast_number


def grids_openpyxl(source: str | Path | Package, skip: Collection[str] = ()) -> list[Grid]:
    """Every sheet as a grid, through openpyxl (read-only, cached values), no larger than the extent the
    gate measured. Sheets in ``skip`` are not read. A path is checked by the gate first."""
    import openpyxl

    pkg = _checked(source)
    _lenient_numbers()
    try:
        wb = openpyxl.load_workbook(pkg.stream(), read_only=True, data_only=True, keep_links=False)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many types for a bad file
        raise ReadError(f"文件已损坏，无法读取：{type(exc).__name__}") from exc
    try:
        out = []
        for ws in wb.worksheets:
            if ws.title in skip:
                continue
            e = pkg.extent_of(ws.title)
            rows = []
            if e.cells:
                it = ws.iter_rows(min_row=1, max_row=e.rows, min_col=1, max_col=e.cols, values_only=True)
                rows = _trimmed([[_as_calamine(v) for v in r] for r in it])
            out.append(Grid(ws.title, rows, ws.sheet_state))
        return out
    except ReadError:
        raise
    except Exception as exc:  # noqa: BLE001 - a part openpyxl cannot parse (bad CRC, bad XML)
        raise ReadError(f"文件已损坏，无法读取：{type(exc).__name__}") from exc
    finally:
        wb.close()


def _trimmed(rows: list[list[object]]) -> list[list[object]]:
    """The rows cut to the cells that hold values, as python-calamine gives them: the gate's extent is
    an upper bound (A1:Z99 for any sheet it did not need to measure), not the data's extent."""
    while rows and all(v is None for v in rows[-1]):
        rows.pop()
    width = (
        max((max((i for i, v in enumerate(r) if v is not None), default=-1) for r in rows), default=-1) + 1
    )
    return [r[:width] for r in rows]


# --- formula cells (one scan for both engines) -----------------------------------------------------


def formula_cells(
    source: str | Path | Package, sheets: Collection[str] | None = None
) -> dict[str, frozenset[tuple[int, int]]]:
    """Sheet name -> 0-based (row, col) of every cell that holds a formula, cached result or not; of the
    sheets named in ``sheets`` (None: every sheet).

    Neither reader says which cells are formulas: python-calamine 0.9 has no formula API
    (``read_formulas`` is an open pull request, dimastbk/python-calamine#137) and openpyxl's
    ``data_only`` mode hides them. A file written by a script (openpyxl, another system) has formulas
    without cached results, which both readers give as blank cells; the parser must know they are the
    template's computed cells. So both engines use this one scan of the worksheet XML (a ``<f>`` child of
    a ``<c>``) in the gate's checked copy, and they agree by construction. What is not an xlsx (.xls,
    .ods) gives ``{}``: the office suites that write them always store results, and so does a package
    whose worksheets do not match the CRC-32 their sender wrote (every one is checked, scanned or not).
    """
    import zipfile
    from xml.etree.ElementTree import ParseError

    try:
        pkg = _checked(source)
        out = {}
        for sheet, part in pkg.sheet_parts().items():
            data = pkg.part(part)  # (checked against its CRC-32 whether it is scanned or not)
            if data is not None and (sheets is None or sheet in sheets):
                cells = _formula_positions(data, part in pkg.plain)
                if cells:
                    out[sheet] = cells
        return out
    except (ReadError, zipfile.BadZipFile, KeyError, OSError, ValueError, ParseError):
        return {}  # the readers report a file they cannot read; formulas are only a refinement


# The common case, a worksheet written as Excel, LibreOffice, WPS and openpyxl write one: each <f> the
# first child of a cell tag written plainly, `<c r="H7" s="3" t="str"><f>`. Each <f> in sheetData is
# found by one search, and its cell from the tag just before it (a sheet has a few dozen formulas among
# hundreds of cells). Anything else takes the exact walk: a prefixed <x:f>, any other markup before an
# <f>, and markup in which a "<" may not start a tag (a comment, CDATA, a processing instruction), where
# a text search could be misled.
_FORMULA_OR_ODD = re.compile(rb"<(?:f[\s/>]|[!?])")
_PREFIXED_FORMULA = re.compile(rb":f[\s/>]")
_PLAIN_CELL_OPEN = re.compile(rb'<c r="([A-Z]{1,3})([1-9][0-9]{0,6})"(?:[^<>]*[^<>/])?>\s*')


# a formula cell's start tag as written (b'<c r="H7" s="12">') -> its (row, col), 0-based: a unit's sheets
# repeat a few hundred of them (the same cells of the same template), each parsed once
_CELL_AT: dict[bytes, tuple[int, int]] = {}
_CELL_AT_MAX = 20_000


def _formula_positions(xml: bytes, unprefixed: bool = False) -> frozenset[tuple[int, int]]:
    """The cells holding a formula (0-based), as :func:`_formula_positions_by_order` finds them: for a
    plainly written sheet by a text search in its one sheetData, for any other by that walk.
    ``unprefixed``: the gate found no prefixed cell or formula tag in ``xml`` (not searched again)."""
    start = xml.find(b"<sheetData>")
    end = xml.rfind(b"</sheetData>")
    if (
        start < 0
        or end < start
        or xml.find(b"sheetData", start + 11, end) >= 0  # a second one, or the word in a text
        or not _plain_head(xml, start)
        or (not unprefixed and _PREFIXED_FORMULA.search(xml, start, end))
    ):
        return _formula_positions_by_order(xml)
    found = []
    rfind, known = xml.rfind, _CELL_AT
    for m in _FORMULA_OR_ODD.finditer(xml, start, end):
        at = m.start()
        if xml[at + 1] != 0x66:  # not <f but <! or <?: a comment, CDATA, an instruction
            return _formula_positions_by_order(xml)
        tag = rfind(b"<c ", start, at)
        if tag < 0:
            return _formula_positions_by_order(xml)
        span = xml[tag:at]  # the cell's start tag, and blanks before the <f>
        cell = known.get(span)
        if cell is None:
            cell = _cell_at(span)
            if cell is None:
                return _formula_positions_by_order(xml)
        found.append(cell)
    return frozenset(found)


def _cell_at(span: bytes) -> tuple[int, int] | None:
    """(row, col), 0-based, of a plainly written cell start tag (and the blanks before its <f>); None
    when it is written otherwise. Remembered (:data:`_CELL_AT`, bounded)."""
    cell = _PLAIN_CELL_OPEN.fullmatch(span)
    if cell is None:
        return None
    c, r = cell.groups()
    at = (int(r) - 1, column_index(c.decode()) - 1)
    if len(_CELL_AT) >= _CELL_AT_MAX:
        _CELL_AT.clear()
    _CELL_AT[span] = at
    return at


def _plain_head(xml: bytes, end: int) -> bool:
    """Whether every "<" before ``end`` starts a tag: no comment, CDATA or doctype, and no processing
    instruction but one without a "<" in it (the XML declaration)."""
    if xml.find(b"<!", 0, end) >= 0:
        return False
    at = xml.find(b"<?", 0, end)
    if at < 0:
        return True
    close = xml.find(b"?>", at, end)
    return close >= 0 and xml.find(b"<", at + 2, close) < 0 and xml.find(b"<?", close, end) < 0


_REF_TEXT = re.compile(r"\$?([A-Za-z]{1,3})\$?([0-9]{1,7})")


def _formula_positions_by_order(xml: bytes) -> frozenset[tuple[int, int]]:
    """The exact path: every <f> child of a <c> in sheetData (any namespace), the cell placed as
    python-calamine places it: by its ``r``, else the column after the previous cell in its row (a row
    without ``r`` is the one after the previous row)."""
    import io
    from xml.etree import ElementTree as ET

    from xlperf.core.grid import column_index

    cells = set()
    row = col = -1
    cell = (row, col)
    inside = False
    parents: list[str] = []
    for event, el in ET.iterparse(io.BytesIO(xml), events=("start", "end")):
        tag = el.tag.rsplit("}", 1)[-1]
        if event == "end":
            parents.pop()
            if tag == "sheetData":
                inside = False
            elif tag in ("c", "row"):
                el.clear()
            continue
        parent = parents[-1] if parents else ""
        parents.append(tag)
        if not inside:
            inside = tag == "sheetData"
        elif tag == "row":
            r = el.get("r")
            row = int(r) - 1 if r and r.isdigit() else row + 1
            col = -1
        elif tag == "c":
            m = _REF_TEXT.fullmatch((el.get("r") or "").strip())
            if m:
                col = column_index(m.group(1)) - 1
                cell = (int(m.group(2)) - 1, col)
            else:
                col += 1
                cell = (row, col)
        elif tag == "f" and parent == "c":
            cells.add(cell)
    return frozenset(cells)


def number_formats(source: str | Path | Package, sheets: Collection[str]) -> dict[str, dict[str, str]]:
    """The number format of every number cell formatted other than General on the named sheets:
    ``{sheet: {"C7": "0.00", "E12": "0%"}}``, so a writer shows a number as the workbook does (1 with a
    % format is "100%"). Best effort for display only: a file that is not an xlsx, or that openpyxl
    cannot read, gives ``{}`` (callers then show numbers plainly). Read through the gate, no further than
    the extent it measured."""
    import openpyxl

    try:
        pkg = _checked(source)
        _lenient_numbers()
        wb = openpyxl.load_workbook(pkg.stream(), read_only=True, data_only=True, keep_links=False)
    except Exception:  # noqa: BLE001 - display only: no formats rather than no report
        return {}
    out: dict[str, dict[str, str]] = {}
    try:
        for ws in wb.worksheets:
            if ws.title not in sheets:
                continue
            e = pkg.extent_of(ws.title)
            found: dict[str, str] = {}
            if e.cells:
                for row in ws.iter_rows(min_row=1, max_row=e.rows, min_col=1, max_col=e.cols):
                    for c in row:
                        v = getattr(c, "value", None)
                        f = getattr(c, "number_format", "General")
                        if f and f != "General" and isinstance(v, int | float) and not isinstance(v, bool):
                            found[c.coordinate] = f
            out[ws.title] = found
    except Exception:  # noqa: BLE001 - a part openpyxl cannot parse: show numbers plainly
        return {}
    finally:
        wb.close()
    return out
