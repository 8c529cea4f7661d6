"""A live workbook through xlwings, in batches: every sheet read with one range call, every write grouped.

Each property read or write on an xlwings object is one round trip to Excel (COM), so a macro that walks
cells one by one takes minutes on a unit's workbook. The helpers here keep the number of calls bounded by
the number of sheets: a sheet's values come in one ``range.value`` read, the 校验结果 table goes out in one
``range.value`` write, and fills are set per group of cells sharing a colour, as multi-area addresses
("A1,B3,C5") cut below Excel's 255-character limit for a range address.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator, Sequence

from xlperf.core.grid import Grid
from xlperf.core.plan import MAX_ADDRESS, chunks, compress, parse_cell

VISIBLE = "visible"
HIDDEN = "hidden"

# Excel's Worksheet.Visible values
_XL_VISIBLE = {-1: VISIBLE, 0: HIDDEN, 2: "veryhidden"}

# The sheet protection options Excel exposes and Protect() takes back (the template protects sheets
# without a password; they are unprotected for a moment while marks are written, then restored).
_PROTECT_FLAGS = (
    "AllowFormattingCells",
    "AllowFormattingColumns",
    "AllowFormattingRows",
    "AllowInsertingColumns",
    "AllowInsertingRows",
    "AllowInsertingHyperlinks",
    "AllowDeletingColumns",
    "AllowDeletingRows",
    "AllowSorting",
    "AllowFiltering",
    "AllowUsingPivotTables",
)


class ProtectedSheetError(Exception):
    """A sheet protected with a password: xlperf cannot write its marks there."""

    def __init__(self, sheet: str) -> None:
        super().__init__(sheet)
        self.sheet = sheet


def sheet_state(sheet) -> str:
    """visible / hidden / veryhidden (one call)."""
    try:
        return _XL_VISIBLE.get(sheet.api.Visible, VISIBLE)
    except AttributeError:
        return VISIBLE if sheet.visible else HIDDEN


MAX_ROWS, MAX_COLS = 3000, 60  # a form is < 300 rows: guards used ranges stretched to row 1048576


def read_grid(sheet, name: str | None = None, max_rows: int = MAX_ROWS, max_cols: int = MAX_COLS) -> Grid:
    """A sheet's values from A1 to the end of its used range, as a :class:`Grid`, in one value read
    (the used range's extent from its address: two calls, where its last cell's row and column take
    four).

    Error cells arrive as their text ("#DIV/0!"), as the file readers give them.
    """
    rows, cols = used_extent(sheet.used_range.address)
    rows, cols = min(rows, max_rows), min(cols, max_cols)
    values = sheet.range((1, 1), (rows, cols)).options(ndim=2, err_to_str=True).value
    return Grid(name if name is not None else sheet.name, values or [], sheet_state(sheet))


def used_extent(address: str) -> tuple[int, int]:
    """The last row and column of a used range's address ("$B$3:$K$30" -> (30, 11), "$A$1" -> (1, 1))."""
    last = str(address).split(",")[-1].split(":")[-1]
    row, col = parse_cell(last)
    return row, col


def address_chunks(cells: Iterable[str], limit: int = MAX_ADDRESS) -> list[str]:
    """Join A1 cells into comma-separated addresses, each at most ``limit`` characters."""
    return list(chunks(cells, limit))


def compress_cells(cells: Iterable[str]) -> list[str]:
    """Cells in row order, with runs merged into ranges ("H20:H24", "A4:C9"): findings cluster in a
    column (scores, reasons), so this keeps the addresses short and the number of calls small."""
    return compress(cells)


def read_color(rng) -> tuple[bool, object]:
    """(uniform, colour) of a range: colour is None for no fill or an (r, g, b) tuple; a range of mixed
    fills is (False, None). One call."""
    try:
        return True, rng.color
    except Exception:  # noqa: BLE001 - Excel answers Null for mixed fills, which xlwings cannot convert
        return False, None


def original_fills(sheet, cells: Sequence[str]) -> list[tuple[str, object]]:
    """[(address, colour)] covering ``cells`` before marking, read in as few calls as the fills allow.

    A chunk whose cells share one fill is one call; a chunk of mixed fills is split in halves until
    each part is uniform (single cells always are).
    """
    out: list[tuple[str, object]] = []
    stack = [list(p.split(",")) for p in reversed(address_chunks(cells))]
    while stack:
        part = stack.pop()
        address = ",".join(part)
        uniform, color = read_color(sheet.range(address))
        if uniform or len(part) == 1:
            out.append((address, color))
        else:
            mid = len(part) // 2
            stack.append(part[mid:])
            stack.append(part[:mid])
    return out


def set_fill(sheet, cells: Sequence[str], color: object) -> int:
    """Fill ``cells`` with one colour, chunked addresses; returns the number of calls."""
    n = 0
    for address in address_chunks(cells):
        sheet.range(address).color = color
        n += 1
    return n


@contextlib.contextmanager
def unprotected(sheet) -> Iterator[None]:
    """Lift a password-less sheet protection for the block and put the same protection back."""
    api = sheet.api
    if not api.ProtectContents:
        yield
        return
    p = api.Protection
    flags = {name: getattr(p, name) for name in _PROTECT_FLAGS}
    drawing, scenarios = api.ProtectDrawingObjects, api.ProtectScenarios
    try:
        api.Unprotect()
    except Exception as exc:  # noqa: BLE001 - a password: Excel raises a COM error
        raise ProtectedSheetError(sheet.name) from exc
    try:
        yield
    finally:
        api.Protect(DrawingObjects=drawing, Contents=True, Scenarios=scenarios, **flags)


def rgb_hex(color: object) -> str:
    """A colour as stored in the marks record: "" for no fill, "#RRGGBB" otherwise."""
    if color is None:
        return ""
    if isinstance(color, (tuple, list)) and len(color) == 3:
        return "#{:02X}{:02X}{:02X}".format(*(int(c) for c in color))
    return str(color)


def hex_rgb(text: object) -> tuple[int, int, int] | None:
    s = "" if text is None else str(text).strip().lstrip("#")
    if len(s) != 6:
        return None
    return (int(s[0:2], 16), int(s[2:4], 16), int(s[4:6], 16))
