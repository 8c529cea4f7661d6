"""Cell styles of the template: one place for fonts, fills, borders and number formats.

Fonts are names Excel on Windows has (宋体, 黑体); LibreOffice falls back to Noto CJK. Input cells are
light yellow and unlocked, computed cells light grey and locked; the page setup prints in black and
white, so the fills do not show on the submitted paper form.
"""

from __future__ import annotations

from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side

BODY_FONT = "宋体"
HEAD_FONT = "黑体"

FMT_AMOUNT = "0.00"  # 万元
FMT_RATE = "0.0%"
FMT_SCORE = "General"  # 10 prints as 10, 9.73 as 9.73 (computed scores are rounded to 2 places)
FMT_TEXT = "@"
FMT_SUGGESTED = "0.00"  # the tool's computed scores (unrounded: they are compared with the typed ones)
FMT_POINTS = "0.0"  # the 预算执行率 row's completion value, in percentage points (度量单位 %)

_thin = Side(style="thin", color="000000")
BORDER = Border(left=_thin, right=_thin, top=_thin, bottom=_thin)
NO_BORDER = Border()
SIGN_LINE = Border(bottom=_thin)  # a line to sign on

FILL_INPUT = PatternFill("solid", fgColor="FFF2CC")  # light yellow
FILL_COMPUTED = PatternFill("solid", fgColor="EDEDED")  # light grey
FILL_NONE = PatternFill(fill_type=None)

LOCKED = Protection(locked=True)
UNLOCKED = Protection(locked=False)

CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
LEFT = Alignment(horizontal="left", vertical="center", wrap_text=True, indent=1)
RIGHT = Alignment(horizontal="right", vertical="center", wrap_text=True)


def font(size: float = 10, *, bold: bool = False, head: bool = False, color: str = "000000") -> Font:
    return Font(name=HEAD_FONT if head else BODY_FONT, size=size, bold=bold, color=color)


def title(cell: Cell, size: float = 18) -> None:
    cell.font = font(size, head=True)
    cell.alignment = Alignment(horizontal="center", vertical="center")


def section(cell: Cell) -> None:
    """A section row: 一、基本情况 ..."""
    cell.font = font(11, head=True)
    cell.alignment = Alignment(horizontal="left", vertical="center")


def label(cell: Cell, *, head: bool = False, align: Alignment = CENTER, size: float = 10) -> None:
    """A fixed label or column header: locked, no fill."""
    cell.font = font(size, head=head)
    cell.alignment = align
    cell.protection = LOCKED


def input_cell(cell: Cell, *, fmt: str | None = None, align: Alignment = CENTER) -> None:
    cell.font = font(10)
    cell.fill = FILL_INPUT
    cell.alignment = align
    cell.protection = UNLOCKED
    if fmt:
        cell.number_format = fmt


def computed(
    cell: Cell, *, fmt: str | None = None, align: Alignment = CENTER, size: float = 10, color: str = "000000"
) -> None:
    cell.font = font(size, color=color)
    cell.fill = FILL_COMPUTED
    cell.alignment = align
    cell.protection = LOCKED
    if fmt:
        cell.number_format = fmt


def note(cell: Cell, size: float = 9) -> None:
    cell.font = font(size, color="404040")
    cell.alignment = Alignment(horizontal="left", vertical="top", wrap_text=True)
