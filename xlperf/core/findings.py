"""Findings: one row per problem, collected into one table (never raised one at a time).

Every message follows one pattern, so users learn to read it once:
``{sheet}!{cell} {rule name}：{detail}（应为：{expected}；实为：{found}）``. In a Word report the cell is
a location that already names its table (``表2 第12行 第6列``), so it stands alone.
"""

from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass

SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}
SEVERITY_ZH = {"error": "错误", "warning": "警告", "info": "提示"}


@dataclass(frozen=True)
class Finding:
    rule: str
    severity: str  # error / warning / info
    sheet: str
    cell: str | None
    project: str
    expected: str
    found: str
    message: str
    file: str = ""

    @property
    def where(self) -> str:
        return where(self.sheet, self.cell)

    def to_dict(self) -> dict:
        d = asdict(self)
        d.pop("file")
        return d


def is_document_location(cell: str | None) -> bool:
    """A Word report's location ("表2 第12行 第6列"), not an A1 ref: it names its table itself."""
    return bool(cell) and not cell[0].isascii()


def where(sheet: str, cell: str | None) -> str:
    """Where a finding is: ``自评表1!F21`` on a sheet, ``表2 第12行 第6列`` in a Word report."""
    if not cell:
        return sheet
    return cell if is_document_location(cell) else f"{sheet}!{cell}"


def message(sheet: str, cell: str | None, name: str, detail: str, expected: str, found: str) -> str:
    tail = f"（应为：{expected}；实为：{found}）" if (expected or found) else ""
    return f"{where(sheet, cell)} {name}：{detail}{tail}"


def sort_key(f: Finding) -> tuple:
    return (SEVERITY_ORDER.get(f.severity, 9), f.sheet, _cell_order(f.cell), f.rule)


_DOC_PLACE = re.compile(r"第(\d+)行(?: 第(\d+)列)?")


def _cell_order(cell: str | None) -> tuple[int, str]:
    if not cell:
        return (0, "")
    if is_document_location(cell):
        m = _DOC_PLACE.search(cell)
        if m is None:  # after the table (its conclusion): after every cell
            return (1 << 30, cell)
        return (int(m.group(1)), (m.group(2) or "").rjust(3))
    digits = "".join(ch for ch in cell if ch.isdigit())
    letters = "".join(ch for ch in cell if ch.isalpha())
    return (int(digits or 0), letters.rjust(3))


def fmt_num(x: float | None, digits: int = 2) -> str:
    """A number for a message: 9.8, 10, 160, 1.6 (no trailing zeros after the decimal point), at most
    ``digits`` decimals; a huge number in scientific notation."""
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "（空）"
    if abs(x) >= 1e15:  # "1e+308", not 309 digits
        return f"{x:.6g}"
    s = f"{x:.{digits}f}"
    if "." in s:  # only a fraction loses its trailing zeros: 160 stays 160
        s = s.rstrip("0").rstrip(".")
    return "0" if s == "-0" else s


def fmt_pct(x: float | None) -> str:
    """A fraction as a percentage: 0.685 -> 68.5%."""
    if x is None:
        return "（空）"
    return fmt_num(x * 100, 2) + "%"
