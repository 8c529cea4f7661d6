"""A sheet as a plain grid of cell values, and label look-ups on it.

Every source (openpyxl, python-calamine, a live Excel range read in one call) produces a
:class:`Grid`; the parser only ever sees grids. Rows and columns are 0-based inside, A1 refs outside.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from openpyxl.utils.cell import get_column_letter

from xlperf.labels import norm


def ref(row: int, col: int) -> str:
    """The A1 address of a 0-based (row, col)."""
    return f"{get_column_letter(col + 1)}{row + 1}"


def _clean(v: object) -> object:
    # calamine gives "" for empty cells, openpyxl None; Excel ranges give None. One meaning: None.
    if isinstance(v, str) and not v.strip():
        return None
    return v


@dataclass
class Grid:
    """One sheet's values, rectangular, with a normalised-text view for label matching."""

    name: str
    rows: list[list[object]]
    hidden: str = "visible"  # visible / hidden / veryhidden
    _norm: list[list[str]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        width = max((len(r) for r in self.rows), default=0)
        self.rows = [[_clean(v) for v in r] + [None] * (width - len(r)) for r in self.rows]
        self._norm = [[norm(v) if isinstance(v, str) else "" for v in r] for r in self.rows]

    @classmethod
    def from_rows(cls, name: str, rows: Iterable[Sequence[object]], hidden: str = "visible") -> Grid:
        return cls(name, [list(r) for r in rows], hidden)

    @property
    def height(self) -> int:
        return len(self.rows)

    @property
    def width(self) -> int:
        return len(self.rows[0]) if self.rows else 0

    def value(self, row: int, col: int) -> object:
        if 0 <= row < self.height and 0 <= col < self.width:
            return self.rows[row][col]
        return None

    def text(self, row: int, col: int) -> str:
        """The normalised text of a cell ('' for numbers and blanks)."""
        if 0 <= row < self.height and 0 <= col < self.width:
            return self._norm[row][col]
        return ""

    def is_empty(self, row: int, col: int) -> bool:
        return self.value(row, col) is None

    def find(
        self,
        label: str,
        *,
        prefix: bool = False,
        start_row: int = 0,
        end_row: int | None = None,
    ) -> list[tuple[int, int]]:
        """Every (row, col) whose normalised text equals ``label`` (or starts with it), row-major."""
        end = self.height if end_row is None else min(end_row, self.height)
        hits = []
        for r in range(start_row, end):
            for c, t in enumerate(self._norm[r]):
                if t == label or (prefix and t.startswith(label)):
                    hits.append((r, c))
        return hits

    def find_first(self, label: str, **kw) -> tuple[int, int] | None:
        hits = self.find(label, **kw)
        if hits:
            return hits[0]
        if not kw.get("prefix"):
            hits = self.find(label, prefix=True, **{k: v for k, v in kw.items() if k != "prefix"})
            return hits[0] if hits else None
        return None

    def contains(self, label: str, *, substring: bool = False) -> bool:
        for r in self._norm:
            for t in r:
                if t == label or (substring and label in t):
                    return True
        return False

    def row_texts(self, row: int) -> list[str]:
        return self._norm[row] if 0 <= row < self.height else []
