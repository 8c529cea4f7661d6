"""SpreadsheetML text for the parts the annotated copy adds: style records, the 校验结果 worksheet, the
record sheet, comments and their legacy (VML) note shapes.

Written as XlsxWriter writes its parts: one small function per element, strings joined in order.
Every user text goes through :func:`xlperf.writers.ooxml.text_escape` (XML-safe, control characters
as ``_x0007_``) and into an inline string cell, so text is text: "=SUM(A1)" typed by a user stays a
string, never a formula.
"""

from __future__ import annotations

from xlperf.core.a1 import column_letter, parse_ref
from xlperf.core.plan import CellStyle, ResultSheet
from xlperf.writers.ooxml import attr_escape, text_escape

NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
NS_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
XML_DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
CJK_FONTS = {"宋体", "黑体", "仿宋", "楷体", "仿宋_GB2312", "楷体_GB2312", "微软雅黑", "等线"}
BORDER_COLOR = "999999"


def argb(rgb: str) -> str:
    return "FF" + rgb.upper()


def font_xml(style: CellStyle) -> str:
    parts = ["<font>"]
    if style.bold:
        parts.append("<b/>")
    if style.underline:
        parts.append("<u/>")
    parts.append(f'<sz val="{style.size:g}"/><color rgb="{argb(style.color)}"/>')
    parts.append(f'<name val="{attr_escape(style.font)}"/>')
    if style.font in CJK_FONTS:
        parts.append('<family val="3"/><charset val="134"/>')
    parts.append("</font>")
    return "".join(parts)


def fill_xml(rgb: str | None) -> str:
    if rgb is None:
        return '<fill><patternFill patternType="none"/></fill>'
    return f'<fill><patternFill patternType="solid"><fgColor rgb="{argb(rgb)}"/><bgColor indexed="64"/></patternFill></fill>'


def border_xml(box: bool) -> str:
    if not box:
        return "<border><left/><right/><top/><bottom/><diagonal/></border>"
    side = f'style="thin"><color rgb="{argb(BORDER_COLOR)}"/>'
    return (
        f"<border><left {side}</left><right {side}</right><top {side}</top><bottom {side}</bottom>"
        "<diagonal/></border>"
    )


def xf_xml(font_id: int, fill_id: int, border_id: int, style: CellStyle) -> str:
    align = f' horizontal="{style.horizontal}" vertical="{style.vertical}"'
    if style.wrap:
        align += ' wrapText="1"'
    return (
        f'<xf numFmtId="0" fontId="{font_id}" fillId="{fill_id}" borderId="{border_id}" xfId="0" '
        f'applyFont="1" applyFill="1" applyBorder="1" applyAlignment="1"><alignment{align}/></xf>'
    )


# --- the 校验结果 worksheet --------------------------------------------------------------------------


def _cell(ref: str, value: object, xf: int | None) -> str:
    s = "" if xf is None else f' s="{xf}"'
    if value is None or value == "":
        return f'<c r="{ref}"{s}/>'
    if isinstance(value, bool):
        return f'<c r="{ref}"{s} t="b"><v>{int(value)}</v></c>'
    if isinstance(value, int | float):
        return f'<c r="{ref}"{s}><v>{value!r}</v></c>'
    return f'<c r="{ref}"{s} t="inlineStr"><is><t xml:space="preserve">{text_escape(str(value))}</t></is></c>'


def expand(rng: str) -> list[tuple[int, int]]:
    """'B4:C5' -> [(4, 2), (4, 3), (5, 2), (5, 3)] (row, column), 1-based."""
    a, _, b = rng.partition(":")
    r1, c1 = parse_ref(a)
    r2, c2 = parse_ref(b) if b else (r1, c1)
    return [(r, c) for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)]


def result_sheet_xml(sheet: ResultSheet, xf_of: dict[str, int], selected: bool = True) -> str:
    """The worksheet part of the 校验结果 sheet; ``xf_of`` maps the plan's style names to cellXfs ids."""
    styled: dict[tuple[int, int], int] = {}
    for sr in sheet.ranges:
        for rc in expand(sr.range):
            styled[rc] = xf_of[sr.style]
    ncol = len(sheet.widths)
    nrow = len(sheet.rows)
    last = f"{column_letter(ncol)}{nrow}"
    freeze_row = int("".join(ch for ch in sheet.freeze if ch.isdigit()))
    out = [XML_DECL, f'<worksheet xmlns="{NS_MAIN}" xmlns:r="{NS_R}">']
    out.append('<sheetPr><tabColor rgb="FFC00000"/><pageSetUpPr fitToPage="1"/></sheetPr>')
    out.append(f'<dimension ref="A1:{last}"/>')
    out.append(
        f"<sheetViews><sheetView {'tabSelected=' + chr(34) + '1' + chr(34) + ' ' if selected else ''}"
        f'workbookViewId="0"><pane ySplit="{freeze_row - 1}" topLeftCell="{sheet.freeze}" '
        f'activePane="bottomLeft" state="frozen"/><selection pane="bottomLeft" activeCell="{sheet.freeze}" '
        f'sqref="{sheet.freeze}"/></sheetView></sheetViews>'
    )
    out.append('<sheetFormatPr defaultRowHeight="13.5"/>')
    out.append("<cols>")
    for i, w in enumerate(sheet.widths, 1):
        out.append(f'<col min="{i}" max="{i}" width="{w:g}" customWidth="1"/>')
    out.append("</cols><sheetData>")
    for r, row in enumerate(sheet.rows, 1):
        ht = sheet.heights.get(r)
        attrs = f' ht="{ht:g}" customHeight="1"' if ht else ""
        out.append(f'<row r="{r}" spans="1:{ncol}"{attrs}>')
        for c in range(1, ncol + 1):
            value = row[c - 1] if c - 1 < len(row) else None
            xf = styled.get((r, c))
            if value is None and xf is None:
                continue
            out.append(_cell(f"{column_letter(c)}{r}", value, xf))
        out.append("</row>")
    out.append("</sheetData>")
    if sheet.autofilter:
        out.append(f'<autoFilter ref="{sheet.autofilter}"/>')
    if sheet.merges:
        out.append(f'<mergeCells count="{len(sheet.merges)}">')
        out.extend(f'<mergeCell ref="{m}"/>' for m in sheet.merges)
        out.append("</mergeCells>")
    if sheet.links:
        out.append("<hyperlinks>")
        for link in sheet.links:
            out.append(
                f'<hyperlink ref="{link.cell}" location="{attr_escape(link.location)}" '
                f'display="{attr_escape(link.text)}" tooltip="{attr_escape(link.tooltip)}"/>'
            )
        out.append("</hyperlinks>")
    page = sheet.page
    if page.center_horizontally:
        out.append('<printOptions horizontalCentered="1"/>')
    left, right, top, bottom = page.margins
    out.append(
        f'<pageMargins left="{left}" right="{right}" top="{top}" bottom="{bottom}" header="0.3" footer="0.3"/>'
    )
    paper = {"A4": 9, "A3": 8, "Letter": 1}[page.paper]
    out.append(
        f'<pageSetup paperSize="{paper}" orientation="{page.orientation}" '
        f'fitToWidth="{page.fit_width}" fitToHeight="{page.fit_height}"/>'
    )
    out.append(f"<headerFooter><oddFooter>{text_escape('&C&10' + page.footer)}</oddFooter></headerFooter>")
    out.append("</worksheet>")
    return "".join(out)


def record_sheet_xml(rows: list[list[object]]) -> str:
    """The very hidden record sheet: plain inline-string rows."""
    out = [XML_DECL, f'<worksheet xmlns="{NS_MAIN}"><sheetData>']
    for r, row in enumerate(rows, 1):
        out.append(f'<row r="{r}">')
        for c, value in enumerate(row, 1):
            if value is None or value == "":
                continue
            out.append(_cell(f"{column_letter(c)}{r}", value, None))
        out.append("</row>")
    out.append("</sheetData></worksheet>")
    return "".join(out)


# --- notes ---------------------------------------------------------------------------------------------

_RUN_PROPS = (
    '<rPr>{b}<sz val="9"/><color indexed="81"/><rFont val="宋体"/><family val="3"/><charset val="134"/></rPr>'
)


def note_runs(note: str, *, after_user: bool) -> str:
    """Our note as rich-text runs: the marker line bold, the findings plain. After a user's note it
    starts on a new line, in the same runs (so cutting at the marker removes exactly ours)."""
    head, _, body = note.partition("\n")
    lead = "\n" if after_user else ""
    runs = [
        f'<r>{_RUN_PROPS.format(b="<b/>")}<t xml:space="preserve">{text_escape(lead + head)}</t></r>',
    ]
    if body:
        runs.append(
            f'<r>{_RUN_PROPS.format(b="")}<t xml:space="preserve">{text_escape(chr(10) + body)}</t></r>'
        )
    return "".join(runs)


def comment_xml(ref: str, author_id: int, note: str) -> str:
    return f'<comment ref="{ref}" authorId="{author_id}"><text>{note_runs(note, after_user=False)}</text></comment>'


def comments_part(author: str, comments: list[str]) -> str:
    return (
        f'{XML_DECL}<comments xmlns="{NS_MAIN}"><authors><author>{text_escape(author)}</author></authors>'
        f"<commentList>{''.join(comments)}</commentList></comments>"
    )


SHAPETYPE = (
    '<v:shapetype id="_x0000_t202" coordsize="21600,21600" o:spt="202" path="m,l,21600r21600,l21600,xe">'
    '<v:stroke joinstyle="miter"/><v:path gradientshapeok="t" o:connecttype="rect"/></v:shapetype>'
)


def note_shape(shape_id: int, row0: int, col0: int, lines: int) -> str:
    """A hidden note box beside cell (row0, col0) (0-based), tall enough for ``lines`` lines."""
    height = min(max(lines, 3), 14)
    return (
        f'<v:shape id="_x0000_s{shape_id}" type="#_x0000_t202" style="position:absolute;margin-left:60pt;'
        f'margin-top:2pt;width:260pt;height:{height * 12 + 8}pt;z-index:{shape_id % 1024};visibility:hidden" '
        'fillcolor="#ffffe1" o:insetmode="auto"><v:fill color2="#ffffe1"/>'
        '<v:shadow on="t" color="black" obscured="t"/><v:path o:connecttype="none"/>'
        '<v:textbox style="mso-direction-alt:auto"><div style="text-align:left"></div></v:textbox>'
        '<x:ClientData ObjectType="Note"><x:MoveWithCells/><x:SizeWithCells/>'
        f"<x:Anchor>{col0 + 1}, 15, {row0}, 2, {col0 + 5}, 15, {row0 + height + 1}, 4</x:Anchor>"
        f"<x:AutoFill>False</x:AutoFill><x:Row>{row0}</x:Row><x:Column>{col0}</x:Column></x:ClientData>"
        "</v:shape>"
    )


def vml_part(block: int, shapes: list[str]) -> str:
    return (
        '<xml xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office" '
        'xmlns:x="urn:schemas-microsoft-com:office:excel">'
        f'<o:shapelayout v:ext="edit"><o:idmap v:ext="edit" data="{block}"/></o:shapelayout>'
        f"{SHAPETYPE}{''.join(shapes)}</xml>"
    )
