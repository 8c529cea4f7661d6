"""Drive a headless LibreOffice through UNO, as a user would: type into cells, insert, copy and delete
rows, recalculate, save as .xlsx. Runs under the system Python that has the ``uno`` module
(Debian's python3-uno), not under the project's venv: tests/office.py starts it as a subprocess.

Protocol: one JSON object per line on stdin, one JSON reply per line on stdout.
Request ``{"op": name, ...args}``; reply ``{"ok": true, "result": ...}`` or ``{"ok": false, "error": text}``.
The first argument ``--pipe NAME`` names the pipe soffice accepts on (``--accept=pipe,name=NAME;urp;``).
"""

from __future__ import annotations

import json
import sys
import time
import traceback

import uno
from com.sun.star.beans import PropertyValue
from com.sun.star.lang import Locale
from com.sun.star.util.NumberFormat import DATE, PERCENT


def _props(**kw):
    out = []
    for k, v in kw.items():
        p = PropertyValue()
        p.Name, p.Value = k, v
        out.append(p)
    return tuple(out)


class Driver:
    def __init__(self, pipe: str) -> None:
        local = uno.getComponentContext()
        resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
        deadline = time.time() + 60
        while True:
            try:
                self.ctx = resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
                break
            except Exception:  # noqa: BLE001 - soffice still starting
                if time.time() > deadline:
                    raise
                time.sleep(0.25)
        smgr = self.ctx.ServiceManager
        self.desktop = smgr.createInstanceWithContext("com.sun.star.frame.Desktop", self.ctx)
        self.dispatcher = smgr.createInstanceWithContext("com.sun.star.frame.DispatchHelper", self.ctx)
        self.docs: dict[int, object] = {}
        self._next = 1
        self._configure()
        # headless soffice quits when its last document closes: keep one empty document open
        self._keeper = self.desktop.loadComponentFromURL(
            "private:factory/scalc", "_blank", 0, _props(Hidden=True)
        )

    def _configure(self) -> None:
        """Calc's AutoInput (completing a typed word from the column above) crashes a headless soffice
        after a few entries into the same column; a user would see a suggestion, never a different
        value, so it is switched off."""
        prov = self.ctx.ServiceManager.createInstanceWithContext(
            "com.sun.star.configuration.ConfigurationProvider", self.ctx
        )
        acc = prov.createInstanceWithArguments(
            "com.sun.star.configuration.ConfigurationUpdateAccess",
            _props(nodepath="/org.openoffice.Office.Calc/Input"),
        )
        acc.setPropertyValue("AutoInput", False)
        acc.commitChanges()

    # --- documents ---------------------------------------------------------------------------------
    def open(self, path: str, macros: bool = False) -> int:
        """Open a document; ``macros=True`` enables its Basic/VBA macros, as a user who trusts it."""
        props = _props(Hidden=True, MacroExecutionMode=4) if macros else _props(Hidden=True)
        doc = self.desktop.loadComponentFromURL(uno.systemPathToFileUrl(path), "_blank", 0, props)
        if doc is None:
            raise RuntimeError(f"LibreOffice could not open {path}")
        i = self._next
        self._next += 1
        self.docs[i] = doc
        return i

    def call_basic(self, doc: int, library: str, module: str, function: str) -> str:
        """Run a Basic function of the document (an imported VBA project is the library named after
        it) and return its result as text. LibreOffice compiles the whole library on the first call;
        when one module does not compile, every call returns nothing ("" or "None") instead."""
        url = f"vnd.sun.star.script:{library}.{module}.{function}?language=Basic&location=document"
        script = self.docs[doc].getScriptProvider().getScript(url)
        result = script.invoke((), (), ())
        return str(result[0])

    def close(self, doc: int) -> None:
        self.docs.pop(doc).close(True)

    def save_xlsx(self, doc: int, path: str) -> str:
        self.docs[doc].storeToURL(uno.systemPathToFileUrl(path), _props(FilterName="Calc MS Excel 2007 XML"))
        return path

    def save_as(self, doc: int, path: str, filter: str) -> str:
        self.docs[doc].storeToURL(uno.systemPathToFileUrl(path), _props(FilterName=filter))
        return path

    def recalc(self, doc: int) -> None:
        self.docs[doc].calculateAll()

    def sheets(self, doc: int) -> list[str]:
        return list(self.docs[doc].Sheets.getElementNames())

    def _sheet(self, doc: int, sheet: str):
        return self.docs[doc].Sheets.getByName(sheet)

    # --- as a user types --------------------------------------------------------------------------
    def type(self, doc: int, sheet: str, cell: str, text: str) -> None:
        """Enter ``text`` as a user types it: Calc interprets it (number, percentage, date, formula or
        text, by the document's locale) and, as the keyboard does, gives a typed percentage or date
        its number format. A locked cell of a protected sheet refuses it, as the UI does.

        Through XCell.setFormula rather than the UI's .uno:EnterString dispatch: the dispatch crashes
        a headless soffice after a few entries into a wrapped column (seen with LibreOffice 7.4)."""
        sh = self._sheet(doc, sheet)
        target = sh.getCellRangeByName(cell)
        if sh.isProtected() and target.CellProtection.IsLocked:
            # the UI refuses with a message box: refuse here instead
            raise PermissionError(f"{sheet}!{cell} is a locked cell of a protected sheet")
        target.setFormula(text)
        if target.Type.value == "VALUE" and not text.startswith("="):
            kind = None
            if text.strip().endswith("%"):
                kind = PERCENT
            elif any(ch in text for ch in "-/") and not text.strip().lstrip("-").replace(".", "").isdigit():
                kind = DATE
            if kind is not None:
                formats = self.docs[doc].NumberFormats
                target.NumberFormat = formats.getStandardFormat(kind, Locale())

    def type_many(self, doc: int, sheet: str, cells: dict[str, str]) -> None:
        for cell, text in cells.items():
            self.type(doc, sheet, cell, text)

    def set_value(self, doc: int, sheet: str, cell: str, value: float) -> None:
        self._sheet(doc, sheet).getCellRangeByName(cell).setValue(value)

    def set_string(self, doc: int, sheet: str, cell: str, text: str) -> None:
        self._sheet(doc, sheet).getCellRangeByName(cell).setString(text)

    def clear(self, doc: int, sheet: str, cells: str) -> None:
        # 1|4|16|2|... VALUE, STRING, FORMULA, DATETIME: the contents, not the formats (Delete key)
        self._sheet(doc, sheet).getCellRangeByName(cells).clearContents(1 | 2 | 4 | 16)

    # --- rows -----------------------------------------------------------------------------------------
    def unprotect(self, doc: int, sheet: str, password: str = "") -> None:
        self._sheet(doc, sheet).unprotect(password)

    def protect(self, doc: int, sheet: str, password: str = "") -> None:
        self._sheet(doc, sheet).protect(password)

    def is_protected(self, doc: int, sheet: str) -> bool:
        return bool(self._sheet(doc, sheet).isProtected())

    def insert_rows(self, doc: int, sheet: str, row: int, count: int = 1) -> None:
        """Insert ``count`` empty rows before 1-based ``row`` (Insert ▸ Rows Above)."""
        self._sheet(doc, sheet).Rows.insertByIndex(row - 1, count)

    def delete_rows(self, doc: int, sheet: str, row: int, count: int = 1) -> None:
        """Delete ``count`` rows from 1-based ``row`` (Delete Rows)."""
        self._sheet(doc, sheet).Rows.removeByIndex(row - 1, count)

    def is_locked(self, doc: int, sheet: str, cell: str) -> bool:
        sh = self._sheet(doc, sheet)
        return bool(sh.isProtected() and sh.getCellRangeByName(cell).CellProtection.IsLocked)

    def copy_row_insert(self, doc: int, sheet: str, source: int, before: int) -> None:
        """Copy row ``source`` and insert the copied cells before row ``before`` (1-based), as the
        template's instructions tell a user (Edit ▸ Copy on the row header, then Insert Copied Cells):
        everything of the row comes along (formulas adjusted, formats, protection, validation). On a
        protected sheet the UI refuses with a message box: refused here with PermissionError.

        Through the controller's transferable, which is what the clipboard carries: the UI dispatch
        (.uno:PasteSpecial with MoveMode) crashes a headless soffice (seen with LibreOffice 7.4)."""
        d = self.docs[doc]
        ctrl = d.CurrentController
        sh = self._sheet(doc, sheet)
        ctrl.setActiveSheet(sh)
        ctrl.select(sh.Rows.getByIndex(source - 1))
        copied = ctrl.getTransferable()
        if sh.isProtected():
            raise PermissionError(f"{sheet} is protected: Calc does not insert copied cells into it")
        sh.Rows.insertByIndex(before - 1, 1)  # the copied cells need a row of room: shift down
        ctrl.select(sh.getCellRangeByName(f"A{before}"))
        ctrl.insertTransferable(copied)

    def copy_row_api(self, doc: int, sheet: str, source: int, before: int) -> None:
        """The same through the sheet API (no clipboard): insert a row, then copy the source row into it."""
        sh = self._sheet(doc, sheet)
        sh.Rows.insertByIndex(before - 1, 1)
        src = source if source < before else source + 1
        src_addr = sh.getCellRangeByName(f"A{src}:AMJ{src}").RangeAddress
        dest = sh.getCellRangeByName(f"A{before}").CellAddress
        sh.copyRange(dest, src_addr)

    # --- sheets -------------------------------------------------------------------------------------
    def hide_sheet(self, doc: int, sheet: str) -> None:
        """Format ▸ Sheet ▸ Hide."""
        self._sheet(doc, sheet).IsVisible = False

    def rename_sheet(self, doc: int, sheet: str, name: str) -> None:
        """Sheet ▸ Rename Sheet."""
        self._sheet(doc, sheet).setName(name)

    def add_sheet(self, doc: int, name: str, position: int) -> None:
        """Sheet ▸ Insert Sheet: a new empty sheet at 0-based ``position``."""
        self.docs[doc].Sheets.insertNewByName(name, position)

    # --- reading ----------------------------------------------------------------------------------
    def cell(self, doc: int, sheet: str, cell: str) -> dict:
        c = self._sheet(doc, sheet).getCellRangeByName(cell)
        kind = c.Type.value.lower()  # EMPTY / VALUE / TEXT / FORMULA
        out = {"type": kind, "formula": c.Formula, "string": c.String, "value": c.Value,
               "format": c.NumberFormat}  # fmt: skip
        if kind == "formula":
            out["error"] = c.getError()
        return out

    def data(self, doc: int, sheet: str, cells: str) -> list[list[object]]:
        """Values (numbers and texts) of a range in one call."""
        return [list(r) for r in self._sheet(doc, sheet).getCellRangeByName(cells).DataArray]

    def looks(self, doc: int, sheet: str, cells: list[str]) -> dict[str, dict]:
        """What a user sees of each cell: its background colour (RGB as an int, -1 for none) and the
        text of its note (comment), "" when it has none."""
        sh = self._sheet(doc, sheet)
        out = {}
        for ref in cells:
            c = sh.getCellRangeByName(ref)
            back = -1 if c.IsCellBackgroundTransparent else c.CellBackColor
            out[ref] = {"back": back, "note": c.getAnnotation().getString()}
        return out

    def notes(self, doc: int, sheet: str) -> dict[str, str]:
        """Every note of a sheet by cell ("H25" -> its text), as the sheet's annotations list them."""
        sh = self._sheet(doc, sheet)
        out = {}
        for a in sh.getAnnotations():
            pos = a.getPosition()
            ref = sh.getCellByPosition(pos.Column, pos.Row).AbsoluteName.split(".")[-1].replace("$", "")
            out[ref] = a.getString()
        return out

    def formulas(self, doc: int, sheet: str, cells: str) -> list[list[str]]:
        return [list(r) for r in self._sheet(doc, sheet).getCellRangeByName(cells).FormulaArray]

    # --- ranges, as Excel's Range.Copy / Merge / Validation ------------------------------------------
    def copy_range(self, doc: int, sheet: str, source: str, dest: str) -> None:
        """Copy a range with everything in it (formulas adjusted, formats, validation, protection
        attributes) to ``dest`` (its top-left cell), as Excel's Range.Copy Destination does."""
        sh = self._sheet(doc, sheet)
        sh.copyRange(sh.getCellRangeByName(dest).CellAddress, sh.getCellRangeByName(source).RangeAddress)

    def merge(self, doc: int, sheet: str, cells: str, merge: bool = True) -> None:
        """Merge a range, or unmerge every merged cell that starts in it."""
        sh = self._sheet(doc, sheet)
        rng = sh.getCellRangeByName(cells)
        if merge:
            rng.merge(True)
            return
        a = rng.RangeAddress
        for r in range(a.StartRow, a.EndRow + 1):
            for c in range(a.StartColumn, a.EndColumn + 1):
                cursor = sh.createCursorByRange(sh.getCellRangeByPosition(c, r, c, r))
                cursor.collapseToMergedArea()
                m = cursor.RangeAddress
                if (m.StartRow, m.StartColumn) != (m.EndRow, m.EndColumn):
                    cursor.merge(False)

    def is_merged(self, doc: int, sheet: str, cells: str) -> bool:
        """Whether ``cells`` is exactly one merged cell."""
        sh = self._sheet(doc, sheet)
        rng = sh.getCellRangeByName(cells)
        cursor = sh.createCursorByRange(sh.getCellRangeByPosition(
            rng.RangeAddress.StartColumn, rng.RangeAddress.StartRow,
            rng.RangeAddress.StartColumn, rng.RangeAddress.StartRow))  # fmt: skip
        cursor.collapseToMergedArea()
        a, b = cursor.RangeAddress, rng.RangeAddress
        corners = [(x.StartColumn, x.StartRow, x.EndColumn, x.EndRow) for x in (a, b)]
        return corners[0] == corners[1] and (b.StartRow != b.EndRow or b.StartColumn != b.EndColumn)

    def set_formulas(self, doc: int, sheet: str, cells: str, formulas: list[list[str]]) -> None:
        """Write a block of formulas or constants (as typed: "" empties a cell) in one call."""
        self._sheet(doc, sheet).getCellRangeByName(cells).FormulaArray = tuple(tuple(r) for r in formulas)

    def validation(self, doc: int, sheet: str, cell: str) -> dict:
        """The data validation of a cell: its type (ANY, LIST, DECIMAL, ...) and formulas."""
        v = self._sheet(doc, sheet).getCellRangeByName(cell).Validation
        return {"type": v.Type.value, "formula1": v.getFormula1(), "formula2": v.getFormula2(),
                "error": v.ErrorMessage}  # fmt: skip


def main() -> None:
    pipe = sys.argv[sys.argv.index("--pipe") + 1]
    drv = Driver(pipe)
    print(json.dumps({"ok": True, "result": "ready"}), flush=True)
    for line in sys.stdin:
        if not line.strip():
            continue
        req = json.loads(line)
        op = req.pop("op")
        try:
            if op == "quit":
                print(json.dumps({"ok": True, "result": None}), flush=True)
                break
            result = getattr(drv, op)(**req)
            print(json.dumps({"ok": True, "result": result}, ensure_ascii=False), flush=True)
        except Exception as exc:  # noqa: BLE001 - reported to the test, which decides
            err = f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=3)}"
            print(json.dumps({"ok": False, "error": err}, ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()
