"""A small fake of exactly the xlwings objects the macros use, backed by openpyxl, counting Excel calls.

Every property read or write and every method that would be a COM round trip in Excel adds one to
``app.calls`` (and to ``app.log[kind]``); building a range object or setting its options does not,
as in xlwings. Behaviour that matters to the macros is copied from Excel: a formula cell reads as its
cached value; a string starting with "=" written through ``value`` becomes a formula and one starting
with "'" stays text; a mixed-fill range cannot report one colour; a protected sheet refuses writes to
locked cells, notes (drawing objects) and, unless allowed, formatting; a password-protected sheet cannot
be unprotected without the password.

The formatting the ribbon applies through ``.api`` (COM: fonts, alignment, borders, page setup, the
window's frozen panes) is kept in the openpyxl model, each step of a COM chain counted as one call
(``rng.api.Font.Name = x`` is two: the Font read and the Name write), so a test sees both the result
and its cost.
"""

from __future__ import annotations

import copy
from collections import Counter
from copy import copy as _copy
from pathlib import Path

import openpyxl
from openpyxl.comments import Comment
from openpyxl.styles import Border, PatternFill, Side
from openpyxl.utils.cell import (
    column_index_from_string,
    coordinate_from_string,
    get_column_letter,
    range_boundaries,
)
from openpyxl.worksheet.header_footer import _HeaderFooterPart


class FakeComError(Exception):
    """What Excel raises through COM (pywintypes.com_error)."""


def _count(owner, kind: str) -> None:
    app = owner.app
    app.calls += 1
    app.log[kind] += 1


def _areas(address: str) -> list[tuple[int, int, int, int]]:
    out = []
    for part in address.replace("$", "").split(","):
        part = part.strip()
        if ":" in part:
            c1, r1, c2, r2 = range_boundaries(part)
        else:
            col, row = coordinate_from_string(part)
            c1 = c2 = column_index_from_string(col)
            r1 = r2 = row
        out.append((r1, c1, r2, c2))
    return out


def _rgb(fill) -> tuple[int, int, int] | None:
    if fill is None or fill.fill_type is None:
        return None
    rgb = fill.fgColor.rgb if isinstance(fill.fgColor.rgb, str) else "FF000000"
    h = rgb[-6:]
    return (int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16))


class FakeApp:
    def __init__(self) -> None:
        self.calls = 0
        self.log: Counter[str] = Counter()
        self.alerts: list[tuple[str, str | None, str, str | None]] = []
        self.answer = "ok"  # what alert() returns (the button pressed)
        self.status_history: list[object] = []
        self._status: object = False
        self._screen = True
        self._calc = "automatic"
        self.app = self
        self.book = None  # the active workbook (set by FakeBook)
        self.print_communication = True
        self.printer = True  # False: Worksheet.PageSetup raises, as Excel without a printer does
        self.footer_refused: set[str] = set()  # sheets whose footer parts Excel refuses to write

    @property
    def api(self) -> _AppApi:
        return _AppApi(self)

    @property
    def status_bar(self):
        _count(self, "status_bar")
        return self._status

    @status_bar.setter
    def status_bar(self, value) -> None:
        _count(self, "status_bar")
        self._status = value
        self.status_history.append(value)

    @property
    def screen_updating(self) -> bool:
        _count(self, "screen_updating")
        return self._screen

    @screen_updating.setter
    def screen_updating(self, value: bool) -> None:
        _count(self, "screen_updating")
        self._screen = value

    @property
    def calculation(self) -> str:
        _count(self, "calculation")
        return self._calc

    @calculation.setter
    def calculation(self, value: str) -> None:
        _count(self, "calculation")
        self._calc = value

    def alert(self, prompt, title=None, buttons="ok", mode=None, callback=None):
        _count(self, "alert")
        self.alerts.append((prompt, title, buttons, mode))
        return self.answer


class _AppApi:
    """Application (COM): the active window, PrintCommunication."""

    def __init__(self, app: FakeApp) -> None:
        object.__setattr__(self, "_app", app)
        object.__setattr__(self, "app", app)

    @property
    def ActiveWindow(self) -> _WindowApi:  # noqa: N802 - COM names
        _count(self, "app.ActiveWindow")
        return _WindowApi(self._app)

    @property
    def PrintCommunication(self) -> bool:  # noqa: N802
        _count(self, "app.PrintCommunication")
        return self._app.print_communication

    @PrintCommunication.setter
    def PrintCommunication(self, value: bool) -> None:  # noqa: N802
        _count(self, "app.PrintCommunication")
        self._app.print_communication = bool(value)


class _WindowApi:
    """Window (COM) of the active sheet: SplitRow/SplitColumn then FreezePanes, as Excel freezes."""

    def __init__(self, app: FakeApp) -> None:
        object.__setattr__(self, "app", app)
        object.__setattr__(self, "_split", [0, 0])

    def _ws(self):
        return self.app.book.wb.active

    def __setattr__(self, name, value) -> None:
        _count(self, f"window.{name}")
        if name == "SplitRow":
            self._split[0] = int(value)
        elif name == "SplitColumn":
            self._split[1] = int(value)
        elif name == "FreezePanes":
            ws = self._ws()
            r, c = self._split
            ws.freeze_panes = f"{get_column_letter(c + 1)}{r + 1}" if value and (r or c) else None
        else:
            raise AttributeError(name)


class _BookApi:
    def __init__(self, book: FakeBook) -> None:
        self._book = book
        self.Saved = True


class FakeBook:
    """A workbook: ``FakeBook(path)`` opens an xlsx as Excel would (formulas plus their cached values)."""

    def __init__(self, path: str | Path | None = None, wb: openpyxl.Workbook | None = None, app=None) -> None:
        self.app = app or FakeApp()
        self.path = Path(path) if path is not None else None
        if wb is None:
            wb = openpyxl.load_workbook(self.path)
            self._cache = {
                ws.title: {c.coordinate: c.value for row in ws.iter_rows() for c in row}
                for ws in openpyxl.load_workbook(self.path, data_only=True).worksheets
            }
        else:
            self._cache = {}
        self.wb = wb
        self.footers: dict[int, dict[str, str]] = {}  # id(worksheet) -> footer parts written, verbatim
        self.api = _BookApi(self)
        self.sheets = FakeSheets(self)
        self.app.book = self

    @property
    def name(self) -> str:
        _count(self, "book.name")
        return self.path.name if self.path else "工作簿1"

    @property
    def fullname(self) -> str:
        _count(self, "book.fullname")
        return str(self.path) if self.path else "工作簿1"

    def save(self, path: str | Path | None = None) -> None:
        _count(self, "book.save")
        target = Path(path) if path else self.path
        self.wb.save(target)
        self.api.Saved = True

    def cached(self, sheet: str, coordinate: str):
        return self._cache.get(sheet, {}).get(coordinate)


class FakeSheets:
    def __init__(self, book: FakeBook) -> None:
        self.book = book
        self.app = book.app

    def __iter__(self):
        _count(self, "sheets")
        return iter([FakeSheet(self.book, ws) for ws in self.book.wb.worksheets])

    def __len__(self) -> int:
        _count(self, "sheets.count")
        return len(self.book.wb.worksheets)

    def __getitem__(self, key):
        _count(self, "sheets.item")
        wb = self.book.wb
        ws = wb.worksheets[key] if isinstance(key, int) else wb[key]
        return FakeSheet(self.book, ws)

    def add(self, name=None, before=None, after=None):
        _count(self, "sheets.add")
        wb = self.book.wb
        if name is not None and name.lower() in (s.lower() for s in wb.sheetnames):
            raise ValueError(f"Sheet named '{name}' already present in workbook")
        if before is not None:
            index = wb.worksheets.index(before.ws)
        elif after is not None:
            index = wb.worksheets.index(after.ws) + 1
        else:
            index = wb.worksheets.index(wb.active)
        ws = wb.create_sheet(name, index)
        return FakeSheet(self.book, ws)


class _Protection:
    """Worksheet.Protection: the Allow* flags (openpyxl stores the inverse: True = protected)."""

    _MAP = {
        "AllowFormattingCells": "formatCells",
        "AllowFormattingColumns": "formatColumns",
        "AllowFormattingRows": "formatRows",
        "AllowInsertingColumns": "insertColumns",
        "AllowInsertingRows": "insertRows",
        "AllowInsertingHyperlinks": "insertHyperlinks",
        "AllowDeletingColumns": "deleteColumns",
        "AllowDeletingRows": "deleteRows",
        "AllowSorting": "sort",
        "AllowFiltering": "autoFilter",
        "AllowUsingPivotTables": "pivotTables",
    }

    def __init__(self, sheet: FakeSheet) -> None:
        object.__setattr__(self, "_sheet", sheet)

    def __getattr__(self, name):
        sheet = object.__getattribute__(self, "_sheet")
        _count(sheet, "sheet.protection")
        return not getattr(sheet.ws.protection, self._MAP[name])


class _SheetApi:
    def __init__(self, sheet: FakeSheet) -> None:
        self._sheet = sheet
        self.app = sheet.app

    @property
    def Visible(self):  # noqa: N802 - COM names
        _count(self, "sheet.Visible")
        return {"visible": -1, "hidden": 0, "veryHidden": 2}[self._sheet.ws.sheet_state]

    @Visible.setter
    def Visible(self, value) -> None:  # noqa: N802
        _count(self, "sheet.Visible")
        self._sheet.ws.sheet_state = {-1: "visible", True: "visible", 0: "hidden", 2: "veryHidden"}[value]

    @property
    def ProtectContents(self) -> bool:  # noqa: N802
        _count(self, "sheet.ProtectContents")
        return bool(self._sheet.ws.protection.sheet)

    @property
    def ProtectDrawingObjects(self) -> bool:  # noqa: N802
        _count(self, "sheet.ProtectDrawingObjects")
        return bool(self._sheet.ws.protection.objects)

    @property
    def ProtectScenarios(self) -> bool:  # noqa: N802
        _count(self, "sheet.ProtectScenarios")
        return bool(self._sheet.ws.protection.scenarios)

    @property
    def Protection(self) -> _Protection:  # noqa: N802
        _count(self, "sheet.Protection")
        return _Protection(self._sheet)

    @property
    def PageSetup(self) -> _PageSetupApi:  # noqa: N802
        _count(self, "sheet.PageSetup")
        if not self.app.printer:
            raise FakeComError("Unable to get the PageSetup property of the Worksheet class")
        return _PageSetupApi(self._sheet)

    def Unprotect(self, Password=None) -> None:  # noqa: N802, N803
        _count(self, "sheet.Unprotect")
        p = self._sheet.ws.protection
        if p.password and Password is None:
            raise FakeComError("The password you supplied is not correct.")
        p.sheet = False

    def Protect(self, DrawingObjects=True, Contents=True, Scenarios=True, **allow) -> None:  # noqa: N802, N803
        _count(self, "sheet.Protect")
        p = self._sheet.ws.protection
        p.sheet = bool(Contents)
        p.objects = bool(DrawingObjects)
        p.scenarios = bool(Scenarios)
        for key, value in allow.items():
            setattr(p, _Protection._MAP[key], not value)


_FOOTER_PARTS = {"LeftFooter": "left", "CenterFooter": "center", "RightFooter": "right"}


def footer_part_text(part) -> str:
    """One part of openpyxl's header/footer as Excel's LeftFooter/CenterFooter/RightFooter gives it: its
    codes (font, size, colour) then its text, no "&L" ("&8标色：…"; openpyxl writes "&8 标色：…")."""
    if not part.text:
        return ""
    font = f'&"{part.font}"' if part.font else ""
    size = f"&{part.size}" if part.size else ""
    color = f"&K{part.color}" if part.color else ""
    return font + size + color + part.text


def footer_text(sheet: FakeSheet, name: str) -> str:
    """A footer part as Excel's PageSetup gives it (LeftFooter, CenterFooter, RightFooter), not counted
    as a call: the string last written, verbatim as Excel keeps it, else the file's part in Excel's form
    (:func:`footer_part_text`)."""
    written = sheet.book.footers.get(id(sheet.ws), {})
    if name in written:
        return written[name]
    return footer_part_text(getattr(sheet.ws.oddFooter, _FOOTER_PARTS[name]))


class _PageSetupApi:
    """Worksheet.PageSetup (COM), kept in openpyxl's page setup; its footer parts read in Excel's form
    (:func:`footer_part_text`) and, once written, kept verbatim as Excel keeps them (openpyxl would move
    their codes to the front and read "&&8" as a size) as well as written into openpyxl's for a save."""

    def __init__(self, sheet: FakeSheet) -> None:
        object.__setattr__(self, "_sheet", sheet)
        object.__setattr__(self, "app", sheet.app)

    def __getattr__(self, name):
        if name not in _FOOTER_PARTS:
            raise AttributeError(name)
        _count(self, f"pagesetup.read.{name}")  # a write counts as pagesetup.{name}
        return footer_text(self._sheet, name)

    def __setattr__(self, name, value) -> None:
        _count(self, f"pagesetup.{name}")
        ws = self._sheet.ws
        if name == "Orientation":
            ws.page_setup.orientation = {1: "portrait", 2: "landscape"}[value]
        elif name == "PaperSize":
            ws.page_setup.paperSize = int(value)
        elif name == "Zoom":
            ws.sheet_properties.pageSetUpPr.fitToPage = value is False
        elif name == "FitToPagesWide":
            ws.page_setup.fitToWidth = 0 if value is False else int(value)
        elif name == "FitToPagesTall":
            ws.page_setup.fitToHeight = 0 if value is False else int(value)
        elif name == "PrintTitleRows":
            ws.print_title_rows = str(value).replace("$", "")
        elif name == "CenterFooter":
            ws.oddFooter.center.text = value
            self._sheet.book.footers.setdefault(id(ws), {})[name] = str(value)
        elif name in ("LeftFooter", "RightFooter"):
            if ws.title in self.app.footer_refused:
                raise FakeComError(f"Unable to set the {name} property of the PageSetup class")
            setattr(ws.oddFooter, _FOOTER_PARTS[name], _HeaderFooterPart.from_str(str(value)))
            self._sheet.book.footers.setdefault(id(ws), {})[name] = str(value)
        elif name == "CenterHorizontally":
            ws.print_options.horizontalCentered = bool(value)
        elif name in ("LeftMargin", "RightMargin", "TopMargin", "BottomMargin"):
            setattr(ws.page_margins, name[: -len("Margin")].lower(), round(float(value) / 72.0, 4))
        else:
            raise AttributeError(name)


_H_ALIGN = {-4131: "left", -4108: "center", -4152: "right", 1: "general"}
_V_ALIGN = {-4160: "top", -4108: "center", -4107: "bottom"}


def _bgr_hex(value: int) -> str:
    value = int(value)
    return f"{value & 0xFF:02X}{(value >> 8) & 0xFF:02X}{(value >> 16) & 0xFF:02X}"


class _FontApi:
    """Range.Font (COM) over every cell of the range."""

    def __init__(self, rng: FakeRange) -> None:
        object.__setattr__(self, "_rng", rng)
        object.__setattr__(self, "app", rng.app)

    def __setattr__(self, name, value) -> None:
        _count(self, f"font.{name}")
        key = {"Name": "name", "Size": "size", "Bold": "bold", "Color": "color", "Underline": "underline"}[
            name
        ]
        if key == "color":
            value = "FF" + _bgr_hex(value)
        elif key == "underline":
            value = "single" if value == 2 else None
        elif key == "bold":
            value = bool(value)
        for c in self._rng._cells():
            if type(c).__name__ != "MergedCell":
                font = _copy(c.font)
                setattr(font, key, value)
                c.font = font


class _BordersApi:
    """Range.Borders (COM): every edge of every cell (a thin line in one colour)."""

    def __init__(self, rng: FakeRange) -> None:
        object.__setattr__(self, "_rng", rng)
        object.__setattr__(self, "app", rng.app)

    def __setattr__(self, name, value) -> None:
        _count(self, f"borders.{name}")
        for c in self._rng._cells():
            if type(c).__name__ == "MergedCell":
                continue
            old = c.border.left
            if name == "LineStyle":
                side = Side(style="thin" if value == 1 else None, color=old.color)
            elif name == "Color":
                side = Side(style=old.style, color="FF" + _bgr_hex(value))
            else:
                raise AttributeError(name)
            c.border = Border(left=side, right=side, top=side, bottom=side)


class _RangeApi:
    """Range (COM): what the ribbon sets through ``.api``."""

    def __init__(self, rng: FakeRange) -> None:
        object.__setattr__(self, "_rng", rng)
        object.__setattr__(self, "app", rng.app)

    @property
    def Font(self) -> _FontApi:  # noqa: N802
        _count(self, "range.Font")
        return _FontApi(self._rng)

    @property
    def Borders(self) -> _BordersApi:  # noqa: N802
        _count(self, "range.Borders")
        return _BordersApi(self._rng)

    def AutoFilter(self) -> None:  # noqa: N802
        _count(self, "range.AutoFilter")
        ws = self._rng.ws
        ws.auto_filter.ref = None if ws.auto_filter.ref else self._rng.address_plain()

    def AddComment(self, text: str) -> None:  # noqa: N802
        self._rng.add_note(text)

    def __setattr__(self, name, value) -> None:
        _count(self, f"range.{name}")
        rng = self._rng
        rng._check_protected("format")
        for c in rng._cells():
            if type(c).__name__ == "MergedCell":
                continue
            a = _copy(c.alignment)
            if name == "HorizontalAlignment":
                a.horizontal = _H_ALIGN[value]
            elif name == "VerticalAlignment":
                a.vertical = _V_ALIGN[value]
            elif name == "WrapText":
                a.wrap_text = bool(value)
            else:
                raise AttributeError(name)
            c.alignment = a


class FakeSheet:
    def __init__(self, book: FakeBook, ws) -> None:
        self.book = book
        self.app = book.app
        self.ws = ws

    @property
    def name(self) -> str:
        _count(self, "sheet.name")
        return self.ws.title

    @name.setter
    def name(self, value: str) -> None:
        _count(self, "sheet.name")
        self.ws.title = value

    @property
    def api(self) -> _SheetApi:
        return _SheetApi(self)

    @property
    def visible(self) -> bool:
        _count(self, "sheet.visible")
        return self.ws.sheet_state == "visible"

    @property
    def used_range(self) -> FakeRange:
        _count(self, "sheet.used_range")
        return FakeRange(self, [(1, 1, max(self.ws.max_row, 1), max(self.ws.max_column, 1))])

    def range(self, a, b=None) -> FakeRange:
        if isinstance(a, tuple):
            r1, c1 = a
            r2, c2 = b if b is not None else a
            return FakeRange(self, [(r1, c1, r2, c2)])
        areas = _areas(a)
        if b is not None:
            (r2, c2, _, _) = _areas(b)[0]
            areas = [(areas[0][0], areas[0][1], r2, c2)]
        return FakeRange(self, areas)

    def delete(self) -> None:
        _count(self, "sheet.delete")
        self.book.wb.remove(self.ws)

    def activate(self) -> None:
        _count(self, "sheet.activate")
        self.book.wb.active = self.book.wb.worksheets.index(self.ws)

    def copy(self, before=None, after=None, name=None) -> FakeSheet:
        _count(self, "sheet.copy")
        wb = self.book.wb
        new = wb.copy_worksheet(self.ws)
        new.protection = copy.copy(self.ws.protection)
        for dv in self.ws.data_validations.dataValidation:
            new.add_data_validation(copy.copy(dv))
        wb.move_sheet(new, offset=-(len(wb.worksheets) - 1) + wb.worksheets.index((after or self).ws) + 1)
        if name:
            new.title = name
        cache = self.book._cache
        if self.ws.title in cache:
            cache[new.title] = dict(cache[self.ws.title])
        return FakeSheet(self.book, new)


class FakeNote:
    def __init__(self, rng: FakeRange, cell) -> None:
        self.app = rng.app
        self._cell = cell

    @property
    def text(self) -> str:
        _count(self, "note.text")
        return self._cell.comment.text

    @text.setter
    def text(self, value: str) -> None:
        _count(self, "note.text")
        self._cell.comment.text = value

    def delete(self) -> None:
        _count(self, "note.delete")
        self._cell.comment = None


class FakeRange:
    def __init__(self, sheet: FakeSheet, areas, options=None) -> None:
        self.sheet = sheet
        self.app = sheet.app
        self.areas = areas
        self._options = options or {}

    # --- helpers (no calls) ---
    @property
    def ws(self):
        return self.sheet.ws

    def _cells(self):
        for r1, c1, r2, c2 in self.areas:
            for r in range(r1, r2 + 1):
                for c in range(c1, c2 + 1):
                    yield self.ws.cell(r, c)

    def _check_protected(self, what: str) -> None:
        p = self.ws.protection
        if not p.sheet:
            return
        if what == "format" and not p.formatCells:
            return
        if what == "value" and not any(c.protection.locked for c in self._cells()):
            return
        raise FakeComError(f"The cell or chart you're trying to change is on a protected sheet ({what}).")

    def _read(self, cell):
        v = cell.value
        if isinstance(v, str) and v.startswith("=") or hasattr(v, "text"):
            return self.sheet.book.cached(self.ws.title, cell.coordinate)
        return v

    def address_plain(self) -> str:
        return ",".join(
            f"{get_column_letter(c1)}{r1}" + ("" if (r1, c1) == (r2, c2) else f":{get_column_letter(c2)}{r2}")
            for r1, c1, r2, c2 in self.areas
        )

    # --- xlwings API ---
    @property
    def api(self) -> _RangeApi:
        return _RangeApi(self)

    def options(self, **kw) -> FakeRange:
        return FakeRange(self.sheet, self.areas, {**self._options, **kw})

    @property
    def row(self) -> int:
        _count(self, "range.row")
        return self.areas[0][0]

    @property
    def column(self) -> int:
        _count(self, "range.column")
        return self.areas[0][1]

    @property
    def last_cell(self) -> FakeRange:
        _count(self, "range.last_cell")
        r1, c1, r2, c2 = self.areas[0]
        return FakeRange(self.sheet, [(r2, c2, r2, c2)], self._options)

    @property
    def address(self) -> str:
        _count(self, "range.address")
        return ",".join(
            f"${get_column_letter(c1)}${r1}"
            + ("" if (r1, c1) == (r2, c2) else f":${get_column_letter(c2)}${r2}")
            for r1, c1, r2, c2 in self.areas
        )

    @property
    def value(self):
        _count(self, "range.value")
        r1, c1, r2, c2 = self.areas[0]
        rows = [[self._read(self.ws.cell(r, c)) for c in range(c1, c2 + 1)] for r in range(r1, r2 + 1)]
        if self._options.get("ndim") == 2:
            return rows
        if len(rows) == 1 and len(rows[0]) == 1:
            return rows[0][0]
        if len(rows) == 1:
            return rows[0]
        if all(len(r) == 1 for r in rows):
            return [r[0] for r in rows]
        return rows

    @value.setter
    def value(self, data) -> None:
        _count(self, "range.value")
        if not isinstance(data, (list, tuple)):
            data = [[data]]
        elif data and not isinstance(data[0], (list, tuple)):
            data = [list(data)]
        r1, c1 = self.areas[0][0], self.areas[0][1]
        target = FakeRange(self.sheet, [(r1, c1, r1 + len(data) - 1, c1 + max(len(r) for r in data) - 1)])
        target._check_protected("value")
        for i, row in enumerate(data):
            for j, v in enumerate(row):
                cell = self.ws.cell(r1 + i, c1 + j)
                if type(cell).__name__ == "MergedCell":
                    continue  # Excel keeps only the top-left value of a merged area
                if isinstance(v, str) and v.startswith("'"):
                    cell.value = v[1:]
                    cell.data_type = "s"
                    cell.quotePrefix = True
                elif v == "":
                    cell.value = None
                else:
                    cell.value = v

    @property
    def formula(self):
        _count(self, "range.formula")
        r1, c1, r2, c2 = self.areas[0]
        out = []
        for r in range(r1, r2 + 1):
            row = []
            for c in range(c1, c2 + 1):
                v = self.ws.cell(r, c).value
                v = "=" + v.text.lstrip("=") if hasattr(v, "text") else v
                row.append("" if v is None else v if isinstance(v, str) else str(v))
            out.append(row)
        return out

    @property
    def number_format(self):
        _count(self, "range.number_format")
        return self.ws.cell(self.areas[0][0], self.areas[0][1]).number_format

    @number_format.setter
    def number_format(self, value: str) -> None:
        _count(self, "range.number_format")
        self._check_protected("format")
        for cell in self._cells():
            cell.number_format = value

    @property
    def color(self):
        _count(self, "range.color")
        colors = {_rgb(c.fill) for c in self._cells()}
        if len(colors) > 1:
            raise TypeError("mixed fills: Excel returns Null")
        return colors.pop()

    @color.setter
    def color(self, value) -> None:
        _count(self, "range.color")
        self._check_protected("format")
        if value is None:
            fill = PatternFill(fill_type=None)
        else:
            fill = PatternFill("solid", fgColor="FF{:02X}{:02X}{:02X}".format(*value))
        for c in self._cells():
            if type(c).__name__ != "MergedCell":
                c.fill = fill

    @property
    def note(self):
        _count(self, "range.note")
        cell = self.ws.cell(self.areas[0][0], self.areas[0][1])
        return FakeNote(self, cell) if cell.comment is not None else None

    def add_note(self, text: str) -> FakeNote:
        _count(self, "range.add_note")
        p = self.ws.protection
        if p.sheet and p.objects:
            raise FakeComError("Cannot add a note on a protected sheet.")
        cell = self.ws.cell(self.areas[0][0], self.areas[0][1])
        if cell.comment is not None:
            raise ValueError("This cell already has a note")
        cell.comment = Comment(text, "xlperf")
        return FakeNote(self, cell)

    def clear_contents(self) -> None:
        _count(self, "range.clear_contents")
        self._check_protected("value")
        for c in self._cells():
            if type(c).__name__ != "MergedCell":
                c.value = None

    @property
    def column_width(self):
        _count(self, "range.column_width")
        return self.ws.column_dimensions[get_column_letter(self.areas[0][1])].width

    @column_width.setter
    def column_width(self, value) -> None:
        _count(self, "range.column_width")
        for _, c1, _, c2 in self.areas:
            for c in range(c1, c2 + 1):
                self.ws.column_dimensions[get_column_letter(c)].width = value

    @property
    def row_height(self):
        _count(self, "range.row_height")
        return self.ws.row_dimensions[self.areas[0][0]].height

    @row_height.setter
    def row_height(self, value) -> None:
        _count(self, "range.row_height")
        for r1, _, r2, _ in self.areas:
            for r in range(r1, r2 + 1):
                self.ws.row_dimensions[r].height = value

    def unmerge(self) -> None:
        _count(self, "range.unmerge")
        r1, c1, r2, c2 = self.areas[0]
        for m in list(self.ws.merged_cells.ranges):
            if m.min_row <= r2 and m.max_row >= r1 and m.min_col <= c2 and m.max_col >= c1:
                self.ws.unmerge_cells(str(m))

    def merge(self) -> None:
        _count(self, "range.merge")
        r1, c1, r2, c2 = self.areas[0]
        if (r1, c1) != (r2, c2):
            self.ws.merge_cells(start_row=r1, start_column=c1, end_row=r2, end_column=c2)
