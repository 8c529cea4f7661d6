"""A1 addresses, sheet names in references and the width of a text: the one home of these helpers.

Pure and dependency-free (no openpyxl, whose import costs a command tens of milliseconds): the parser,
the patch plan, the safety gate, the writers and the CLI all use these.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache


@lru_cache(maxsize=16384)
def column_letter(col: int) -> str:
    """The column letters of a 1-based column number: 1 -> A, 27 -> AA."""
    if col < 1:
        raise ValueError(f"column {col} is not >= 1")
    out = ""
    while col:
        col, rem = divmod(col - 1, 26)
        out = chr(65 + rem) + out
    return out


@lru_cache(maxsize=16384)
def column_index(letters: str) -> int:
    """The 1-based column number of column letters: A -> 1, AA -> 27."""
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n


@lru_cache(maxsize=16384)
def ref(row: int, col: int) -> str:
    """The A1 address of a 0-based (row, col)."""
    return f"{column_letter(col + 1)}{row + 1}"


_REF = re.compile(r"\$?([A-Za-z]{1,3})\$?(\d+)")


def parse_ref(address: str) -> tuple[int, int]:
    """'H25' (or '$H$25') -> (25, 8): row and column, 1-based."""
    m = _REF.fullmatch(address.strip())
    if m is None:
        raise ValueError(f"not a cell reference: {address!r}")
    return int(m.group(2)), column_index(m.group(1))


def quote_sheet(name: str) -> str:
    """A sheet name as Excel writes it in a reference: '张''s 表' (quotes doubled, always quoted)."""
    return "'" + name.replace("'", "''") + "'"


def char_width(ch: str, *, ambiguous: int = 1) -> int:
    """Half-width units a character takes: CJK and full-width characters two, combining marks none;
    East Asian ambiguous characters (“ ” ·) ``ambiguous`` (a terminal shows them narrow, a CJK font in
    a cell wide)."""
    if unicodedata.combining(ch):
        return 0
    eaw = unicodedata.east_asian_width(ch)
    if eaw in "WF":
        return 2
    return ambiguous if eaw == "A" else 1


def display_width(text: str, *, ambiguous: int = 1) -> int:
    """Half-width units a text takes (:func:`char_width` of each character)."""
    return sum(char_width(ch, ambiguous=ambiguous) for ch in text)
