"""The patch plan applied to a live workbook in Excel, through xlwings, in batches.

:func:`apply_live` performs a plan's live form (:func:`xlperf.core.plan.live_plan`) and
:func:`apply_clear` a clear plan (:func:`xlperf.core.plan.clear_plan`). The WPS add-in
(``wps/js/xlperf.js``) performs the same two forms with the same writes in the same order, through the
ET object model; the tests apply both to their fakes and compare the workbooks that come out.

Every write is one property over one (multi-area) address, so the number of calls depends on the
number of sheets, colours and formats, never on the number of findings, except for the notes, which
Excel adds one cell at a time (at most ``LIVE_NOTES_PER_SHEET`` a sheet). A user's note on a marked cell
is kept: ours is added after it, from the marker on, and 清除校验标记 cuts it off again.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable

from xlperf.core.plan import POINTS_PER_INCH, ClearPlan, LivePlan, appended_note, cut_note, footer_without_key
from xlperf.excel import live

# Excel's constants (the ET object model takes the same numbers)
XL_HALIGN = {"left": -4131, "center": -4108, "right": -4152}
XL_VALIGN = {"top": -4160, "center": -4108}
XL_CONTINUOUS = 1
XL_UNDERLINE_SINGLE = 2
XL_LANDSCAPE, XL_PORTRAIT = 2, 1
XL_PAPER = {"A4": 9, "A3": 8, "Letter": 1}
XL_SHEET_VERY_HIDDEN, XL_SHEET_VISIBLE = 2, -1


def bgr(rgb: str) -> int:
    """RGB hex -> the integer Excel's and ET's Color properties take (red in the low byte)."""
    r, g, b = (int(rgb[i : i + 2], 16) for i in (0, 2, 4))
    return r + (g << 8) + (b << 16)


FONT_PROPS = ("font_name", "font_size", "bold", "font_color", "underline")


def _format(rng, prop: str, value: object, font=None) -> None:
    """Set one property of ``rng`` (``font``: its Font object when already read for another property)."""
    if prop in FONT_PROPS:
        font = font if font is not None else rng.api.Font
        if prop == "font_name":
            font.Name = value
        elif prop == "font_size":
            font.Size = value
        elif prop == "bold":
            font.Bold = bool(value)
        elif prop == "font_color":
            font.Color = bgr(str(value))
        else:
            font.Underline = XL_UNDERLINE_SINGLE if value else -4142
    elif prop == "fill":
        rng.color = live.hex_rgb(value)
    elif prop == "border":
        borders = rng.api.Borders
        borders.LineStyle = XL_CONTINUOUS
        borders.Color = bgr(str(value))
    elif prop == "wrap":
        rng.api.WrapText = bool(value)
    elif prop == "halign":
        rng.api.HorizontalAlignment = XL_HALIGN[str(value)]
    elif prop == "valign":
        rng.api.VerticalAlignment = XL_VALIGN[str(value)]
    else:  # a plan from a newer xlperf: leave the property, never fail the validation on looks
        return


def _page_setup(ws, app, lp: LivePlan) -> None:
    """Print setup (PrintCommunication off around it: Excel talks to the printer on every write)."""
    page = lp.page
    app_api = app.api
    with contextlib.suppress(Exception):
        app_api.PrintCommunication = False
    try:
        ps = ws.api.PageSetup
        ps.Orientation = XL_LANDSCAPE if page.orientation == "landscape" else XL_PORTRAIT
        ps.PaperSize = XL_PAPER.get(page.paper, 9)
        ps.Zoom = False
        ps.FitToPagesWide = page.fit_width or False
        ps.FitToPagesTall = page.fit_height or False
        top, bottom = page.repeat_rows
        ps.PrintTitleRows = f"${top}:${bottom}"
        ps.CenterFooter = page.footer
        ps.CenterHorizontally = page.center_horizontally
        left, right, top_m, bottom_m = page.margins
        ps.LeftMargin = left * POINTS_PER_INCH
        ps.RightMargin = right * POINTS_PER_INCH
        ps.TopMargin = top_m * POINTS_PER_INCH
        ps.BottomMargin = bottom_m * POINTS_PER_INCH
    except Exception:  # noqa: BLE001 - no printer installed: the sheet is right, only its print setup is not
        pass
    finally:
        with contextlib.suppress(Exception):
            app_api.PrintCommunication = True


def write_result_sheet(book, lp: LivePlan, first_sheet):
    """Add the 校验结果 sheet before ``first_sheet`` and write it: values in one call, then the formats."""
    ws = book.sheets.add(lp.sheet, before=first_sheet)
    ws.range("A1").value = [list(r) for r in lp.values]
    for width, addresses in lp.widths:
        for address in addresses:
            ws.range(address).column_width = width
    for height, addresses in lp.heights:
        for address in addresses:
            ws.range(address).row_height = height
    for address in lp.merges:
        ws.range(address).merge()
    fonts: dict[str, object] = {}  # one Font read per address, whatever the number of font properties
    for f in lp.formats:
        for address in f.addresses:
            rng = ws.range(address)
            font = None
            if f.prop in FONT_PROPS:
                font = fonts.get(address)
                if font is None:
                    font = fonts[address] = rng.api.Font
            _format(rng, f.prop, f.value, font)
    if lp.autofilter:
        ws.range(lp.autofilter).api.AutoFilter()
    _page_setup(ws, book.app, lp)
    return ws


def freeze(book, ws, rows: int) -> None:
    """Freeze the top ``rows`` rows of the (activated) sheet."""
    if rows <= 0:
        return
    ws.activate()
    with contextlib.suppress(Exception):  # a window-less Excel (automation): the sheet is still right
        window = book.app.api.ActiveWindow
        window.SplitRow = rows
        window.FreezePanes = True


def _add_note(rng, text: str) -> str:
    """Add our note; on a cell with the user's note, ours goes after theirs. Returns the record kind."""
    add = getattr(rng, "add_note", None)  # xlwings >= 0.37; before, the COM call itself
    try:
        if add is not None:
            add(text)
        else:
            rng.api.AddComment(text)
        return "note"
    except Exception:
        note = rng.note
        if note is None:
            raise  # not a note in the way: a real failure
        note.text = appended_note(str(note.text), text)
        return "appended"


def mark_sheet(sheet, name: str, marks) -> list[list[object]]:
    """Fill and annotate one sheet (protection lifted and put back); the record rows of what changed."""
    record: list[list[object]] = []
    with live.unprotected(sheet):
        for address, color in live.original_fills(sheet, marks.cells):
            record.append([name, address, live.rgb_hex(color), ""])
        for rgb, addresses in marks.fills:
            for address in addresses:
                sheet.range(address).color = live.hex_rgb(rgb)
        for cell, text in marks.notes:
            record.append([name, cell, "", _add_note(sheet.range(cell), text)])
    return record


def apply_live(
    book,
    lp: LivePlan,
    sheets: dict,
    status: Callable[[str], None] = lambda text: None,
):
    """Perform ``lp`` on ``book`` (whose worksheets by name are ``sheets``, in tab order)."""
    order = list(sheets.values())
    ws = write_result_sheet(book, lp, order[0])
    record: list[list[object]] = []
    targets = [(m, sheets.get(m.sheet)) for m in lp.marks]
    for i, (marks, sheet) in enumerate(targets, 1):
        if sheet is None:
            continue
        if i % 5 == 0:  # each status line is a call; a few sheets are marked in a blink
            status(f"正在标记 {i}/{len(targets)}：{marks.sheet}")
        record.extend(mark_sheet(sheet, marks.sheet, marks))
    rec = book.sheets.add(lp.record_sheet, after=order[-1])
    rec.range("A1").value = [list(lp.record_header)] + [[live_text_cell(x) for x in r] for r in record]
    rec.api.Visible = XL_SHEET_VERY_HIDDEN  # out of the users' way (unhide lists it not)
    freeze(book, ws, lp.freeze_row)
    return ws


def live_text_cell(value: object) -> object:
    """A record cell: text as text (a sheet name may start with "=" or "'")."""
    return "'" + value if isinstance(value, str) and value else value


def clear_footer_key(sheet, key: str) -> bool:
    """Take our colours' key out of the sheet's left footer (the annotated copy prints it there): one
    read, and a write only where it was (:func:`footer_without_key` says what stays). False where the
    page setup could not be read or written (Excel cannot without a printer): the caller says so."""
    if not key:
        return True
    try:
        ps = sheet.api.PageSetup
        left = ps.LeftFooter
    except Exception:  # noqa: BLE001 - COM's error (no printer): the footer is said to be left as it was
        return False
    kept = footer_without_key("" if left is None else str(left), key)
    if kept is None:
        return True
    try:
        ps.LeftFooter = kept
    except Exception:  # noqa: BLE001 - COM's error: as above
        return False
    return True


def apply_clear(
    book, cp: ClearPlan, sheets: dict, status: Callable[[str], None] = lambda text: None
) -> list[str]:
    """Undo what a validation added: fills back, our notes out (or cut from users' notes), our key out of
    the marked sheets' left footers, our sheets deleted. ``sheets`` (by name) loses the deleted ones.
    Returns the sheets whose footer still holds the key (their page setup could not be changed)."""
    kept_key: list[str] = []
    for cs in cp.sheets:
        sheet = sheets.get(cs.sheet)
        if sheet is None:
            continue  # renamed or deleted since: nothing of ours to take back there
        status(f"正在清除标记：{cs.sheet}")
        with live.unprotected(sheet):
            for rgb, addresses in cs.fills:
                for address in addresses:
                    sheet.range(address).color = live.hex_rgb(rgb)
            for cell in cs.delete_notes:
                note = sheet.range(cell).note
                if note is not None:
                    note.delete()
            for cell in cs.cut_notes:
                note = sheet.range(cell).note
                if note is None:
                    continue
                cut = cut_note(str(note.text), cp.note_marker)
                if cut is not None:
                    note.text = cut
            if not clear_footer_key(sheet, cp.footer_key):
                kept_key.append(cs.sheet)
    for name in cp.delete_sheets:
        sheet = sheets.pop(name, None)
        if sheet is None:
            continue
        if name != cp.delete_sheets[0]:
            with contextlib.suppress(Exception):
                sheet.api.Visible = (
                    XL_SHEET_VISIBLE  # a very hidden sheet is made visible before it is deleted
                )
        sheet.delete()
    return kept_key
