"""Workbooks to grids: python-calamine (fast, default) or openpyxl (read-only), cached values only.

Formulas are not evaluated here; the files have passed :mod:`xlperf.sources.gate` first.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Collection
from pathlib import Path

from xlperf.core.grid import Grid
from xlperf.errors import ReadError


def grids_calamine(
    path: str | Path, skip: Collection[str] = (), errors: dict[str, list[tuple[int, int, str]]] | None = None
) -> list[Grid]:
    """Every sheet as a grid, through python-calamine (cached values; formulas are not evaluated).
    Sheets named in ``skip`` are not read; ``errors`` (from :func:`error_cells`) are put back."""
    from python_calamine import CalamineError, CalamineWorkbook

    try:
        with CalamineWorkbook.from_path(str(path)) as wb:
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


def grids_openpyxl(path: str | Path, skip: Collection[str] = ()) -> list[Grid]:
    """Every sheet as a grid, through openpyxl (read-only, cached values). Sheets in ``skip`` are not read."""
    import openpyxl

    try:
        wb = openpyxl.load_workbook(str(path), read_only=True, data_only=True, keep_links=False)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many types for a bad file
        raise ReadError(f"文件已损坏，无法读取：{type(exc).__name__}") from exc
    try:
        out = []
        for ws in wb.worksheets:
            if ws.title in skip:
                continue
            rows = [[_as_calamine(v) for v in r] for r in ws.iter_rows(values_only=True)]
            out.append(Grid(ws.title, rows, ws.sheet_state))
        return out
    finally:
        wb.close()


# --- formula cells (one scan for both engines) -----------------------------------------------------
_NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_NS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_NS_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
# a formula element and the cell element just before it (any namespace prefix): <c r="H7" s="3"><f>…</f>
_FORMULA_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?f[\s/>]")
_CELL_OPEN = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?c(\s[^>]*)?>\s*$")
_CELL_REF = re.compile(rb'(?:^|\s)r\s*=\s*["\']\$?([A-Za-z]{1,3})\$?(\d{1,7})["\']')
_REF_TEXT = re.compile(r"\$?([A-Za-z]{1,3})\$?\d{1,7}$")


def formula_cells(path: str | Path) -> dict[str, frozenset[tuple[int, int]]]:
    """Sheet name -> 0-based (row, col) of every cell that holds a formula, cached result or not.

    Neither reader says which cells are formulas: python-calamine 0.9 has no formula API
    (``read_formulas`` is an open pull request, dimastbk/python-calamine#137) and openpyxl's
    ``data_only`` mode hides them. A file written by a script (openpyxl, another system) has formulas
    without cached results, which both readers give as blank cells; the parser must know they are the
    template's computed cells. So both engines use this one scan of the worksheet XML (a ``<f>`` child of
    a ``<c>``), and they agree by construction. Files that are not xlsx (.xls, .ods) give ``{}``: the
    office suites that write them always store results.
    """
    import zipfile
    from xml.etree import ElementTree as ET

    out: dict[str, frozenset[tuple[int, int]]] = {}
    try:
        with zipfile.ZipFile(path) as z:
            names = set(z.namelist())
            if "xl/workbook.xml" not in names or "xl/_rels/workbook.xml.rels" not in names:
                return {}
            rels = ET.fromstring(z.read("xl/_rels/workbook.xml.rels"))
            target = {
                r.get("Id"): "xl/" + r.get("Target", "").lstrip("/").removeprefix("xl/")
                for r in rels.iter(f"{{{_NS_PKG}}}Relationship")
            }
            book = ET.fromstring(z.read("xl/workbook.xml"))
            for sheet in book.iter(f"{{{_NS_MAIN}}}sheet"):
                part = target.get(sheet.get(f"{{{_NS_REL}}}id"), "")
                if part in names:
                    cells = _formula_positions(z.read(part))
                    if cells:
                        out[sheet.get("name", "")] = cells
    except (zipfile.BadZipFile, ET.ParseError, KeyError, OSError, ValueError):
        return {}  # the readers report a broken file; formulas are only a refinement
    return out


def _formula_positions(xml: bytes) -> frozenset[tuple[int, int]]:
    from xlperf.core.grid import column_index

    cells = set()
    for at in _formula_starts(xml):
        start = xml.rfind(b"<", 0, at)  # the element before <f> is its cell: <c r="H7" s="3">
        m = _CELL_OPEN.match(xml, start, at)
        if m is None:
            continue
        r = _CELL_REF.search(m.group(1) or b"")
        if r is None:  # a writer that leaves out cell references: count positions instead
            return _formula_positions_by_order(xml)
        cells.add((int(r.group(2)) - 1, column_index(r.group(1).decode()) - 1))
    return frozenset(cells)


def _formula_starts(xml: bytes):
    """Where each <f> element starts. A literal search (a worksheet is mostly cells, and bytes.find is
    several times faster than a regex over all of it); the regex only for prefixed elements (<x:f>)."""
    if b":f" in xml:
        yield from (m.start() for m in _FORMULA_TAG.finditer(xml))
        return
    at = xml.find(b"<f")
    while at >= 0:
        if xml[at + 2 : at + 3] in (b" ", b">", b"/", b"\t", b"\n", b"\r"):
            yield at
        at = xml.find(b"<f", at + 2)


def _formula_positions_by_order(xml: bytes) -> frozenset[tuple[int, int]]:
    """The slow path for cells without an ``r`` attribute: rows and cells counted in document order
    (a missing ``r`` means the next row or the next column, as Excel reads it)."""
    import io
    from xml.etree import ElementTree as ET

    from xlperf.core.grid import column_index

    cells = set()
    row = col = -1
    for event, el in ET.iterparse(io.BytesIO(xml), events=("start", "end")):
        tag = el.tag.rsplit("}", 1)[-1]
        if event == "start" and tag == "row":
            r = el.get("r")
            row = int(r) - 1 if r and r.isdigit() else row + 1
            col = -1
        elif event == "start" and tag == "c":
            m = _REF_TEXT.match(el.get("r") or "")
            col = column_index(m.group(1)) - 1 if m else col + 1
        elif event == "end" and tag == "f":
            cells.add((row, col))
        elif event == "end" and tag in ("c", "row"):
            el.clear()
    return frozenset(cells)
