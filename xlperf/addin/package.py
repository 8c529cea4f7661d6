"""The .xlam package: the zip of XML parts, written part by part, byte-for-byte reproducibly.

The workbook holds two sheets: the xlwings config sheet (``<project>.conf``, key in column A, value in
column B, read by the xlwings VBA runtime) and a hidden sheet of user-facing texts (``xlperf.text``)
that the ASCII-only VBA reads. Sheets use inline strings, so there is no shared-strings part.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from xml.etree import ElementTree
from xml.sax.saxutils import escape, quoteattr

from xlperf.core.a1 import column_letter

NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
NS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
NS_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
NS_CT = "http://schemas.openxmlformats.org/package/2006/content-types"

CT_ADDIN = "application/vnd.ms-excel.addin.macroEnabled.main+xml"
CT_MACRO_WORKBOOK = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"  # .xlsm
CT_WORKSHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
CT_STYLES = "application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"
CT_VBA = "application/vnd.ms-office.vbaProject"
CT_RELS = "application/vnd.openxmlformats-package.relationships+xml"

REL_OFFICE_DOCUMENT = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"
REL_WORKSHEET = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"
REL_STYLES = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles"
REL_VBA = "http://schemas.microsoft.com/office/2006/relationships/vbaProject"
REL_UI_EXTENSIBILITY = "http://schemas.microsoft.com/office/2007/relationships/ui/extensibility"

CUSTOM_UI_PART = "customUI/customUI14.xml"
ZIP_DATE = (1980, 1, 1, 0, 0, 0)

_XML_DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'

Cell = str | int | float


@dataclass(frozen=True)
class Sheet:
    """A worksheet: its name, VBA code name, visibility and rows of cell values."""

    name: str
    code_name: str
    rows: Sequence[Sequence[Cell]]
    hidden: bool = False


def _col(index: int) -> str:
    return column_letter(index + 1)


def _cell(ref: str, value: Cell) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float):
        text = str(value)
        space = ' xml:space="preserve"' if text != text.strip() or "\n" in text else ""
        return f'<c r="{ref}" t="inlineStr"><is><t{space}>{escape(text)}</t></is></c>'
    return f'<c r="{ref}"><v>{value!r}</v></c>'


def _write_worksheet(sheet: Sheet) -> str:
    rows = []
    for r, values in enumerate(sheet.rows, start=1):
        cells = "".join(_cell(f"{_col(c)}{r}", v) for c, v in enumerate(values) if v != "")
        rows.append(f'<row r="{r}">{cells}</row>')
    return (
        f'{_XML_DECL}<worksheet xmlns="{NS_MAIN}" xmlns:r="{NS_REL}">'
        f"<sheetPr codeName={quoteattr(sheet.code_name)}/>"
        f"<sheetData>{''.join(rows)}</sheetData></worksheet>"
    )


def _write_workbook(sheets: Sequence[Sheet]) -> str:
    items = ""
    for i, s in enumerate(sheets, start=1):
        state = ' state="hidden"' if s.hidden else ""
        items += f'<sheet name={quoteattr(s.name)} sheetId="{i}"{state} r:id="rId{i}"/>'
    return (
        f'{_XML_DECL}<workbook xmlns="{NS_MAIN}" xmlns:r="{NS_REL}">'
        '<workbookPr codeName="ThisWorkbook"/>'
        '<bookViews><workbookView activeTab="0"/></bookViews>'
        f"<sheets>{items}</sheets></workbook>"
    )


def _write_workbook_rels(sheets: Sequence[Sheet]) -> str:
    rels = [(f"rId{i}", REL_WORKSHEET, f"worksheets/sheet{i}.xml") for i in range(1, len(sheets) + 1)]
    n = len(sheets)
    rels += [(f"rId{n + 1}", REL_STYLES, "styles.xml"), (f"rId{n + 2}", REL_VBA, "vbaProject.bin")]
    return _relationships(rels)


def _write_root_rels() -> str:
    # the ribbon relationship is added last, as Excel's own "Custom UI" tooling does
    return _relationships(
        [("rId1", REL_OFFICE_DOCUMENT, "xl/workbook.xml"), ("rId2", REL_UI_EXTENSIBILITY, CUSTOM_UI_PART)]
    )


def _relationships(rels: Sequence[tuple[str, str, str]]) -> str:
    items = "".join(f'<Relationship Id="{i}" Type="{t}" Target="{target}"/>' for i, t, target in rels)
    return f'{_XML_DECL}<Relationships xmlns="{NS_PKG_REL}">{items}</Relationships>'


def _write_content_types(sheets: Sequence[Sheet], addin: bool = True) -> str:
    overrides = [("/xl/workbook.xml", CT_ADDIN if addin else CT_MACRO_WORKBOOK)]
    overrides += [(f"/xl/worksheets/sheet{i}.xml", CT_WORKSHEET) for i in range(1, len(sheets) + 1)]
    overrides += [("/xl/styles.xml", CT_STYLES), ("/xl/vbaProject.bin", CT_VBA)]
    items = (
        f'<Default Extension="rels" ContentType="{CT_RELS}"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        + "".join(f'<Override PartName="{p}" ContentType="{ct}"/>' for p, ct in overrides)
    )
    return f'{_XML_DECL}<Types xmlns="{NS_CT}">{items}</Types>'


def _write_styles() -> str:
    return (
        f'{_XML_DECL}<styleSheet xmlns="{NS_MAIN}">'
        '<fonts count="1"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
        '<fills count="2"><fill><patternFill patternType="none"/></fill>'
        '<fill><patternFill patternType="gray125"/></fill></fills>'
        '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
        '<cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs>'
        '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
        "</styleSheet>"
    )


def package_parts(
    sheets: Sequence[Sheet], vba_project: bytes, custom_ui: bytes, *, addin: bool = True
) -> list[tuple[str, bytes]]:
    """Every part of the package, in the order they are written to the zip; ``addin=False`` makes it a
    macro-enabled workbook (.xlsm) instead of an add-in (.xlam)."""
    parts: list[tuple[str, bytes]] = [
        ("[Content_Types].xml", _write_content_types(sheets, addin).encode()),
        ("_rels/.rels", _write_root_rels().encode()),
        ("xl/workbook.xml", _write_workbook(sheets).encode()),
        ("xl/_rels/workbook.xml.rels", _write_workbook_rels(sheets).encode()),
        ("xl/styles.xml", _write_styles().encode()),
    ]
    parts += [(f"xl/worksheets/sheet{i}.xml", _write_worksheet(s).encode()) for i, s in enumerate(sheets, 1)]
    parts.append(("xl/vbaProject.bin", vba_project))
    parts.append((CUSTOM_UI_PART, custom_ui))  # the ribbon goes in last
    return parts


def write_package(parts: Sequence[tuple[str, bytes]]) -> bytes:
    """Zip ``parts`` with fixed timestamps and attributes, so equal parts give equal bytes."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in parts:
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 0  # the same on every OS
            info.external_attr = 0
            zf.writestr(info, data, compresslevel=9)
    return buf.getvalue()


def read_rows(xml: bytes) -> list[list[str]]:
    """The rows of a worksheet part as this module writes it (inline strings and numbers), as texts;
    an empty cell between two others reads as ``""``. Used to read an installed add-in back."""
    ns = f"{{{NS_MAIN}}}"
    rows = []
    for row in ElementTree.fromstring(xml).iter(f"{ns}row"):
        cells: list[str] = []
        for c in row.findall(f"{ns}c"):
            ref = c.get("r", "")
            col = 0
            for ch in ref:
                if ch.isalpha():
                    col = col * 26 + ord(ch.upper()) - 64
            while col and len(cells) < col - 1:
                cells.append("")
            t = c.find(f"{ns}is/{ns}t")
            v = c.find(f"{ns}v")
            node = t if t is not None else v
            cells.append(node.text or "" if node is not None else "")
        rows.append(cells)
    return rows
