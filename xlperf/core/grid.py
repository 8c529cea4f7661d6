"""A sheet as a plain grid of cell values, and label look-ups on it.

Every source (openpyxl, python-calamine, a live Excel range read in one call) produces a
:class:`Grid`; the parser only ever sees grids. Rows and columns are 0-based inside, A1 refs outside.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from xlperf.core.a1 import column_index, column_letter, ref
from xlperf.core.labels import CONTINUES, norm

__all__ = ["Grid", "column_index", "column_letter", "ref"]  # the A1 helpers live in xlperf.core.a1


def _clean(v: object) -> object:
    # calamine gives "" for empty cells, openpyxl None; Excel ranges give None. One meaning: None.
    if isinstance(v, str) and not v.strip():
        return None
    return v


# norm() of every distinct string seen (labels repeat on every sheet of every file): a process-wide
# cache, bounded so a consolidation of thousands of files cannot grow it without limit
_NORM_CACHE: dict[str, str] = {}
_NORM_CACHE_MAX = 200_000


def _norm_cached(v: str) -> str:
    t = _NORM_CACHE.get(v)
    if t is None:
        t = norm(v)
        if len(v) > 64:  # long free text rarely recurs: not worth keeping
            return t
        if len(_NORM_CACHE) >= _NORM_CACHE_MAX:
            _NORM_CACHE.clear()
        _NORM_CACHE[v] = t
    return t


@dataclass
class Grid:
    """One sheet's values, rectangular, with a normalised-text view for label matching.

    Look-ups by label use an index (normalised text -> positions, row-major) built once, so a parser
    asking for dozens of labels does not scan every cell each time.
    """

    name: str
    rows: list[list[object]]
    hidden: str = "visible"  # visible / hidden / veryhidden
    # (row, col) of every cell holding a formula (cached result or none): the parser marks such cells,
    # so the template's computed cells read the same whether an office suite or a script saved the file
    formulas: frozenset[tuple[int, int]] = frozenset()
    # "sheet" (a worksheet) or "table" (a Word table: rows are the table's rows, columns its grid columns)
    kind: str = "sheet"
    # a Word table's cells as a user finds them: A1 ref -> "表2 第12行 第6列" (None for sheets)
    locations: dict[str, str] | None = None
    # the text after a Word table that states its score ("通过自评，得分为96分…") and where it is
    conclusion: tuple[str, str] | None = None
    _texts: dict[tuple[int, int], str] = field(init=False, repr=False)
    _index: dict[str, list[tuple[int, int]]] = field(init=False, repr=False)
    _sorted: list[str] | None = field(init=False, repr=False, default=None)  # the index's keys, sorted
    _by_row: dict[int, list[tuple[int, str]]] = field(init=False, repr=False)  # row -> [(col, text)]
    _h: int = field(init=False, repr=False)
    _w: int = field(init=False, repr=False)

    def __post_init__(self) -> None:
        # Hot in a consolidation (a dozen sheets per file): the rows are taken as they are (padded and
        # with blank text set to None in place), and only text cells are visited.
        rows = self.rows
        width = max(map(len, rows), default=0)
        texts: dict[tuple[int, int], str] = {}
        index: dict[str, list[tuple[int, int]]] = {}
        by_row: dict[int, list[tuple[int, str]]] = {}
        cache = _NORM_CACHE
        for r, row in enumerate(rows):
            if len(row) < width:
                row.extend([None] * (width - len(row)))
            for c in [c for c, v in enumerate(row) if v is not None and isinstance(v, str)]:
                v = row[c]
                t = cache.get(v)
                if t is None:
                    t = _norm_cached(v)
                if not t:
                    if not v.strip():  # blank text is a blank cell, as in every other source
                        row[c] = None
                    continue
                texts[r, c] = t
                items = by_row.get(r)
                if items is None:
                    by_row[r] = [(c, t)]
                else:
                    items.append((c, t))
                hits = index.get(t)
                if hits is None:
                    index[t] = [(r, c)]
                else:
                    hits.append((r, c))
        self._texts = texts
        self._index = index
        self._by_row = by_row
        self._h = len(rows)
        self._w = width

    @classmethod
    def from_rows(
        cls,
        name: str,
        rows: Iterable[Sequence[object]],
        hidden: str = "visible",
        formulas: Iterable[tuple[int, int]] = (),
    ) -> Grid:
        return cls(name, [list(r) for r in rows], hidden, frozenset(formulas))

    def is_formula(self, row: int, col: int) -> bool:
        return (row, col) in self.formulas

    @property
    def height(self) -> int:
        return self._h

    @property
    def width(self) -> int:
        return self._w

    def value(self, row: int, col: int) -> object:
        if 0 <= row < self._h and 0 <= col < self._w:
            return self.rows[row][col]
        return None

    def text(self, row: int, col: int) -> str:
        """The normalised text of a cell ('' for numbers and blanks)."""
        return self._texts.get((row, col), "")

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
        end = self._h if end_row is None else min(end_row, self._h)
        if prefix:
            hits = [pos for t, ps in self._index.items() if t.startswith(label) for pos in ps]
            hits.sort()
        else:
            hits = self._index.get(label, [])
        if start_row > 0 or end < self._h:
            return [(r, c) for r, c in hits if start_row <= r < end]
        return list(hits)

    def _starting(self, prefix: str) -> list[str]:
        """The distinct texts starting with ``prefix`` (a sorted key list, built on first use)."""
        keys = self._sorted
        if keys is None:
            keys = self._sorted = sorted(self._index)
        out = []
        for i in range(bisect_left(keys, prefix), len(keys)):
            if not keys[i].startswith(prefix):
                break
            out.append(keys[i])
        return out

    def find_label(self, label: str, *, first: bool = False) -> list[tuple[int, int]]:
        """Every (row, col) whose text is ``label`` as a layout means it (:func:`xlperf.core.layout.matches`:
        equal, or the label and a bracket or unit after it; a label ending in * a prefix), row-major.
        ``first``: stop at the first text found (a presence test)."""
        star = label.endswith("*")
        stem = label[:-1] if star else label
        hits = [] if star else list(self._index.get(stem, ()))
        if hits and first:
            return hits
        for t in self._starting(stem):
            if t != stem and (star or t[len(stem)] in CONTINUES):
                hits.extend(self._index[t])
                if first:
                    return hits
        if star and stem in self._index:
            hits.extend(self._index[stem])
        hits.sort()
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
        if label in self._index:
            return True
        return substring and any(label in t for t in self._index)

    def row_items(self, row: int) -> list[tuple[int, str]]:
        """The (column, normalised text) of every text cell of a row, left to right (a wide sheet's
        hundreds of blank columns are not visited)."""
        return self._by_row.get(row, [])

    def labels(self) -> dict[str, list[tuple[int, int]]]:
        """Every distinct normalised text and where it stands (read-only)."""
        return self._index

    def row_texts(self, row: int) -> list[str]:
        if not 0 <= row < self._h:
            return []
        get = self._texts.get
        return [get((row, c), "") for c in range(self._w)]
