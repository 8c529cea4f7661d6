"""Body rows of a large XlsxWriter workbook, written as worksheet XML and put into the finished file.

Why not XlsxWriter's own ``write_*`` for every cell: measured on the 1000-unit benchmark (390,000
cells), XlsxWriter spends about 14 µs per cell (argument checks, a cell tuple, attribute escaping, one
file write per element): 5–6 s of CPU, more than reading the thousand workbooks costs per core. The
summary's body rows are plain numbers and strings with a handful of styles, so they are joined here as
``<row>`` text (about 1 µs per cell, escaped as SpreadsheetML requires by
:func:`xlperf.writers.ooxml.text_escape`) and spliced into the worksheet XML XlsxWriter wrote, which
keeps everything else: styles, number formats, print set-up, frozen panes, autofilters, hidden columns,
defined names and charts. Nothing else of the package is touched.

The one piece of XlsxWriter's internals used is ``Format._get_xf_index()`` (stable since XlsxWriter's
first releases): it registers a format and gives the style index a cell refers to, exactly as writing a
cell with that format does. tests/test_summary_print.py compares a workbook written this way with one
written cell by cell through XlsxWriter's API, value by value and style by style.
"""

from __future__ import annotations

import io
import math
import re
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from xlperf.core.a1 import column_letter
from xlperf.safe_io import clean_text
from xlperf.writers.ooxml import text_escape

MAX_TEXT = 32767  # Excel's limit for one cell
# what text_escape would change: markup characters, characters XML cannot hold, a literal _x0041_
_NEEDS_ESCAPE = re.compile(r"[&<>\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]|_x[0-9A-Fa-f]{4}_")


def column_letters(n: int) -> list[str]:
    """A, B, …, Z, AA, … for the first ``n`` columns."""
    return [column_letter(i + 1) for i in range(n)]


_INLINE: dict[str, str] = {}  # short texts met (a summary repeats unit names, rules, 是/否): their <is>
_INLINE_MAX = 100_000


def inline_string(text: str) -> str:
    """The ``<is>`` element of an inline-string cell (of a short text, remembered: a summary's 250,000
    texts of a thousand units are 12,000 distinct short ones, which took 0.12 s to escape)."""
    got = _INLINE.get(text)
    if got is not None:
        return got
    out = _inline_string(text)
    if len(text) <= 64:
        if len(_INLINE) >= _INLINE_MAX:
            _INLINE.clear()
        _INLINE[text] = out
    return out


def _inline_string(text: str) -> str:
    if len(text) > MAX_TEXT:
        text = text[:MAX_TEXT]
    if _NEEDS_ESCAPE.search(text):
        text = text_escape(clean_text(text))  # control characters dropped, as every writer here does
    if text[:1].isspace() or text[-1:].isspace():
        return f'<is><t xml:space="preserve">{text}</t></is>'
    return f"<is><t>{text}</t></is>"


_INF = math.inf


def number_text(x: float | int) -> str:
    x = float(x) if not isinstance(x, int) else x
    return repr(x) if isinstance(x, float) else str(int(x))


@dataclass
class BodyRows:
    """Rows to put into one worksheet: ``xml`` is the ``<row>`` elements, in order; ``before`` the
    1-based number of the first row XlsxWriter wrote after them (None: at the end of the sheet data)."""

    sheet_index: int  # 1-based, in the order the worksheets were added
    xml: list[str] = field(default_factory=list)
    before: int | None = None


@dataclass(frozen=True)
class CellStyles:
    """The style indexes of one column: numbers and text, each plain / flagged (red), for each row
    variant (0 plain, 1 duplicate row …), text also with a quote prefix (text that looks like a formula)."""

    number: tuple[tuple[int, int], ...]  # [variant][red]
    text: tuple[tuple[tuple[int, int], ...], ...]  # [variant][red][quote]


def row_xml(
    r: int,
    letters: Sequence[str],
    values: Sequence[Any],
    styles: Sequence[CellStyles],
    variant: int,
    red: Sequence[Callable[[Any], bool] | None],
    quote_prefixes: tuple[str, ...],
    height: float | None = None,
) -> str:
    """One ``<row>``: numbers as numbers, text as inline strings (never formulas), blanks with their
    style (borders), booleans as 是/否. ``r`` is 1-based. (The innermost loop of a large summary: kept
    to plain string operations.)"""
    rs = str(r)  # (formatted once for the row's dozen cells)
    parts = [f'<row r="{rs}" ht="{height:g}" customHeight="1">' if height else f'<row r="{rs}">']
    add = parts.append
    for letter, v, st, flag in zip(letters, values, styles, red, strict=True):
        cls = v.__class__
        if cls is str:
            if not v:
                add(f'<c r="{letter}{rs}" s="{st.text[variant][0][0]}"/>')
                continue
            s = st.text[variant][1 if flag is not None and flag(v) else 0][
                1 if v.startswith(quote_prefixes) else 0
            ]
            add(f'<c r="{letter}{rs}" s="{s}" t="inlineStr">{inline_string(v)}</c>')
        elif cls is float:
            if v != v or v in (_INF, -_INF):
                add(f'<c r="{letter}{rs}" s="{st.number[variant][0]}"/>')
                continue
            s = st.number[variant][1 if flag is not None and flag(v) else 0]
            add(f'<c r="{letter}{rs}" s="{s}"><v>{v!r}</v></c>')
        elif cls is int:
            add(
                f'<c r="{letter}{rs}" s="{st.number[variant][1 if flag is not None and flag(v) else 0]}"><v>{v}</v></c>'
            )
        elif v is None:
            add(f'<c r="{letter}{rs}" s="{st.number[variant][0]}"/>')
        elif cls is bool:
            add(
                f'<c r="{letter}{rs}" s="{st.text[variant][0][0]}" t="inlineStr"><is><t>{"是" if v else "否"}</t></is></c>'
            )
        elif isinstance(v, int | float):  # numpy and other number types
            add(f'<c r="{letter}{rs}" s="{st.number[variant][0]}"><v>{number_text(v)}</v></c>')
        else:
            add(f'<c r="{letter}{rs}" s="{st.text[variant][0][0]}" t="inlineStr">{inline_string(str(v))}</c>')
    add("</row>")
    return "".join(parts)


def _sheet_part(index: int) -> str:
    return f"xl/worksheets/sheet{index}.xml"


def splice_rows(package: bytes, bodies: Iterable[BodyRows], out, compresslevel: int = 1) -> None:
    """Write ``package`` (an .xlsx XlsxWriter made) to ``out`` (a path or binary file) with each body's
    rows put into its worksheet's ``<sheetData>``, before row ``before`` or at its end. The large
    worksheets are deflated at ``compresslevel`` 1: a third of the CPU of the default level, for a
    file about a third larger (measured on the 1000-unit summary)."""
    by_part = {_sheet_part(b.sheet_index): b for b in bodies}
    with (
        zipfile.ZipFile(io.BytesIO(package)) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=compresslevel) as dst,
    ):
        for info in src.infolist():
            data = src.read(info)
            body = by_part.get(info.filename)
            if body is None:
                dst.writestr(info, data)
                continue
            text = data.decode("utf-8")
            at = -1
            if body.before is not None:
                at = text.find(f'<row r="{body.before}"')
            if at < 0:
                at = text.find("</sheetData>")
            if at < 0:  # an empty sheet XlsxWriter wrote as <sheetData/>
                empty = text.find("<sheetData/>")
                if empty < 0:
                    raise ValueError(f"{info.filename}: no sheetData")
                text = text[:empty] + "<sheetData></sheetData>" + text[empty + len("<sheetData/>") :]
                at = empty + len("<sheetData>")
            with dst.open(info.filename, "w") as fh:  # by name: the archive's compression level
                fh.write(text[:at].encode("utf-8"))
                chunk: list[str] = []
                size = 0
                for row in body.xml:
                    chunk.append(row)
                    size += len(row)
                    if size > 1 << 20:
                        fh.write("".join(chunk).encode("utf-8"))
                        chunk, size = [], 0
                fh.write("".join(chunk).encode("utf-8"))
                fh.write(text[at:].encode("utf-8"))
