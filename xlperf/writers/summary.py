"""The consolidation's summary workbook (汇总表) and its csv / json twins.

The xlsx is written with XlsxWriter in constant-memory mode (ten thousand project rows and their
findings in a second or two, in little memory), one sheet per :class:`~xlperf.consolidate.Table`, each
built by the same steps: sheet settings, title, note, header, body, total row. Every sheet has a frozen
header, an autofilter, column widths, number formats (万元 amounts, %, scores) and an A4 landscape print
setup; 等级分布 gets a native Excel bar chart. A very hidden ``_xlperf`` sheet marks the file as a
summary so a later consolidation of the same folder skips it.

Users' text is written as text: a project called "=HYPERLINK(...)" stays that string, never a formula
(``write_string`` with a quote prefix, as :func:`xlperf.safe_io.set_text` does for openpyxl cells); in
the csv such text gets a leading ``'``, as spreadsheet programs expect, so opening it runs nothing.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import math
from dataclasses import replace
from pathlib import Path
from typing import Any

from xlperf import __version__, safe_io
from xlperf.consolidate.records import SUMMARY_KIND
from xlperf.consolidate.tables import (
    GRADES_NAME,
    NOTE_HEADER,
    PRESET_HEADER,
    TOTAL,
    Column,
    Consolidation,
    Table,
)
from xlperf.core import labels as L
from xlperf.core.names import shown_name
from xlperf.errors import OutputError
from xlperf.safe_io import FORMULA_PREFIXES, atomic_folder, atomic_write, clean_text
from xlperf.writers.xlsxrows import MAX_TEXT, BodyRows, CellStyles, column_letters, row_xml, splice_rows

FORMATS = ("xlsx", "csv", "json")
FONT = "宋体"
HEAD_FONT = "黑体"
# stored values are rounded to what these show (xlperf.consolidate.tables.DECIMALS): amounts with two to
# four decimals (万元), rates with two, scores as they are (10, 9.5, 13.33: never 10.0)
NUMBER_FORMATS = {
    "amount": "#,##0.00##",
    "rate": "0.00%",
    "score": "General",
    "int": "0",
    "text": "@",
    "center": "@",
    "hash": "@",
}
FREEZE = {
    "报送情况": (3, 3),
    "项目明细": (3, 4),
    "单位汇总": (3, 3),
    "问题清单": (3, 2),
    "文件清单": (3, 2),
}  # (rows, cols)


def infer_format(out: str | Path, fmt: str | None) -> str:
    """The format asked for, or the one the output name implies (.xlsx, .json; anything else: csv)."""
    if fmt:
        if fmt not in FORMATS:
            raise OutputError(f"不支持的输出格式：{fmt}（可选 xlsx、csv、json）")
        return fmt
    suffix = Path(out).suffix.lower()
    return {".xlsx": "xlsx", ".json": "json", ".csv": "csv"}.get(suffix, "csv" if not suffix else "xlsx")


def check_output(out: str | Path, fmt: str | None = None) -> tuple[str, Path]:
    """The format and the path a summary will be written to (a name too long for the file system is
    shortened); raises :class:`OutputError` for what cannot work, so a command can refuse before it
    spends minutes reading."""
    fmt = infer_format(out, fmt)
    out = Path(out)
    if fmt == "xlsx" and out.suffix.lower() != ".xlsx":
        raise OutputError(f"汇总表应保存为 .xlsx 文件：{shown_name(out)}")
    if fmt == "csv" and out.exists() and not out.is_dir():
        raise OutputError(f"csv 格式的输出应为文件夹：{shown_name(out)}")
    return fmt, safe_io.check_output(out, folder=fmt == "csv")


def write_summary(
    c: Consolidation, out: str | Path, fmt: str | None = None, *, overwrite: bool = True
) -> Path:
    """Write the summary of a consolidation.

    Args:
        c: the consolidation (:func:`xlperf.consolidate.consolidate_paths`).
        out: an .xlsx or .json file, or for csv a folder (created; one ``<表名>.csv`` per table).
        fmt: "xlsx", "csv" or "json"; None: from ``out``'s suffix.
        overwrite: replace an existing output (never an input: that raises OutputError).

    Returns:
        The path written. Output is atomic: a crash leaves the old file, never half a file.
    """
    fmt, out = check_output(out, fmt)
    if fmt == "xlsx":
        return atomic_write(out, lambda tmp: write_xlsx(c, tmp), inputs=c.inputs, overwrite=overwrite)
    if fmt == "json":
        text = summary_json(c)
        return atomic_write(
            out, lambda tmp: tmp.write_text(text, encoding="utf-8"), inputs=c.inputs, overwrite=overwrite
        )
    return write_csv(c, out, overwrite=overwrite)


# --- xlsx ---------------------------------------------------------------------------------------------
#
# The printed page: A4 landscape, one page wide, the header row repeated, page numbers. Only the columns
# marked ``printed`` are in the print area (technical ones — full paths, SHA-256 — are right of it); long
# texts wrap in their columns and the rows are made as tall as their longest text, so nothing is cut and
# the page is never shrunk below a readable size (tests render it with LibreOffice and measure the text).

FONT_SIZE = 10  # pt, on screen; printed at FONT_SIZE × the fit-to-width scale (≥ 8 pt, see print_scale)
TITLE_SIZE = 16
NOTE_SIZE = 10  # the note prints as large as the table (≥ 8 pt once fitted to the page)
LINE_PT = 13.5  # the height of one line of 10 pt text
DIGIT_PX = 7  # Excel's column unit: the width of "0" in the default font (Calibri 11) at 96 dpi
HALF_PX = FONT_SIZE * 96 / 72 / 2  # a half-width character of 宋体/黑体 at FONT_SIZE, in pixels
MARGINS_IN = {"left": 0.35, "right": 0.35, "top": 0.5, "bottom": 0.6}  # no page header; the footer at 0.3 in
PAGE_WIDTH_IN = 297 / 25.4  # A4 landscape
CHART_SIZE = (480, 300)  # px
CHART_COLUMNS = 8  # default-width columns (64 px) the chart covers
DEFAULT_COLUMN_PX = 64


def column_px(width: float) -> int:
    """The pixel width Excel gives a column of ``width`` characters (XlsxWriter's conversion)."""
    return int(width * DIGIT_PX + 5) if width >= 1 else int(width * (DIGIT_PX + 5))


def printed_px(t: Table) -> int:
    """The width of a table's print area in pixels at 100 % (hidden columns take none)."""
    px = sum(column_px(c.width) for c in t.columns[: t.printed_columns] if c.header not in t.hidden)
    if t.name == GRADES_NAME:
        px += DEFAULT_COLUMN_PX * (CHART_COLUMNS + 1)
    return px


def print_scale(t: Table) -> float:
    """The scale fit-to-width gives the printed page (≤ 1): the printable width over the print area's."""
    page = (PAGE_WIDTH_IN - MARGINS_IN["left"] - MARGINS_IN["right"]) * 96
    return min(1.0, page / printed_px(t))


INDENT_PX = 9  # a text cell's indent (one level: Excel about a character, LibreOffice about as much)
CELL_PAD_PX = 6  # the office suite's own padding inside a cell


def line_capacity(width: float) -> float:
    """Half-width characters one line of a column of ``width`` characters holds at FONT_SIZE (text
    cells are indented one level from their border, see :class:`_Formats`)."""
    return max(1.0, (column_px(width) - CELL_PAD_PX - INDENT_PX) / HALF_PX)


def text_lines(text: str, width: float, cap: float | None = None) -> int:
    """How many lines ``text`` takes when wrapped in a column of ``width`` characters at FONT_SIZE: a
    CJK character is two half-widths (its UTF-8 length is 3), with a tenth for breaks that cannot fall
    anywhere (no line starts with "，")."""
    cap = cap or line_capacity(width)
    if "\n" not in text:
        return max(1, math.ceil((len(text.encode("utf-8")) + len(text)) * 0.55 / cap))
    return sum(text_lines(part, width, cap) for part in text.split("\n"))


# the words headers are made of, so a header too wide for its column breaks between words ("预算加权" /
# "平均分"), never inside one ("预算加权平" / "均分") nor leaving one character on a line
HEADER_WORDS = (
    "满意度", "预算数", "执行数", "到位数", "执行率", "平均分", "最高分", "最低分", "项目数",
    "有错误的", "计入汇总", "（万元）", "（KB）", "其中：", "财政资金", "主管部门", "项目名称", "来源文件",
    "工作表", "完整路径", "评分", "方案", "优良率", "预算", "指标", "得分", "总分", "填报", "复核", "核定",
    "加权", "合计", "严重", "程度", "产出", "效益", "大小", "自评", "预警", "处理", "审核", "意见", "报送",
    "情况", "首次", "最近", "次数", "状态", "问题", "已改正", "新出现", "红色", "黄色", "单位编码",
)  # fmt: skip
HEAD_PAD_PX = 8  # a header cell's padding (centred, not indented)


def _words(text: str) -> list[str]:
    """``text`` cut into :data:`HEADER_WORDS` (longest first), other characters one by one."""
    out: list[str] = []
    i = 0
    while i < len(text):
        word = next((w for w in sorted(HEADER_WORDS, key=len, reverse=True) if text.startswith(w, i)), None)
        if word is None:
            j = i + 1
            while j < len(text) and text[j].isascii() and text[i].isascii():  # a Latin word stays whole
                j += 1
            word = text[i:j]
        out.append(word)
        i += len(word)
    return out


def head_px(text: str) -> float:
    """The width of a header line at FONT_SIZE in 黑体 (or a stand-in): CJK one em, Latin at most 0.6 em."""
    em = FONT_SIZE * 96 / 72
    return sum(em if len(ch.encode("utf-8")) == 3 else 0.6 * em for ch in text)


def header_label(col: Column) -> str:
    """A header as printed: on one line when it fits its column, else broken between words
    (:data:`HEADER_WORDS`; "预算数" / "（万元）", "预算加权" / "平均分"), as few lines as that takes."""
    room = column_px(col.width) - HEAD_PAD_PX
    h = col.header
    if head_px(h) <= room:
        return h
    lines: list[str] = []
    line = ""
    for word in _words(h):
        if line and head_px(line + word) > room:
            lines.append(line)
            line = word
        else:
            line += word
    lines.append(line)
    return "\n".join(lines)


def header_fits(col: Column) -> bool:
    """Every line of the printed header fits its column (no line breaks inside a word)."""
    room = column_px(col.width) - HEAD_PAD_PX
    return all(head_px(line) <= room for line in header_label(col).split("\n"))


def row_height(lines: int) -> float | None:
    """The height of a row of ``lines`` lines of text (None: the default height, one line)."""
    return None if lines <= 1 else round(lines * LINE_PT + 3, 1)


class _Formats:
    """The cell formats of one workbook, made once per look."""

    def __init__(self, wb) -> None:
        self.wb = wb
        self.cache: dict[tuple, Any] = {}

    def get(
        self,
        kind: str = "text",
        *,
        head=False,
        total=False,
        red=False,
        dup=False,
        quote=False,
        wrap=False,
        style="",
    ):
        key = (kind, head, total, red, dup, quote, wrap, style)
        if key in self.cache:
            return self.cache[key]
        f: dict[str, Any] = {"font_name": FONT, "font_size": FONT_SIZE, "valign": "vcenter"}
        if style == "title":
            f.update(font_name=HEAD_FONT, font_size=TITLE_SIZE, align="center")
        elif style == "note":
            f.update(font_size=NOTE_SIZE, font_color="#404040", text_wrap=True, valign="top")
        else:
            f.update(border=1, border_color="#808080")
            if head:
                f.update(font_name=HEAD_FONT, bg_color="#DDEBF7", align="center", text_wrap=True)
            else:
                f["num_format"] = NUMBER_FORMATS.get(kind, "General")
                f["align"] = {"text": "left", "hash": "left", "center": "center"}.get(kind, "right")
                if f["align"] == "left":  # text never touches the number left of it ("100.00%陕西")
                    f["indent"] = 1
                if wrap:
                    f["text_wrap"] = True
                if total:  # 1: the 合计 row (a rule above it), 2: a row under it (平均)
                    f.update(bold=True, bg_color="#F2F2F2")
                    if total == 1:
                        f.update(top=2, top_color="#000000")
                elif dup:
                    f["bg_color"] = "#FCE4D6"
                if red:
                    f["font_color"] = "#C00000"
                if quote:
                    f["quote_prefix"] = True
        self.cache[key] = self.wb.add_format(f)
        return self.cache[key]


# values a reviewer should see at once: errors, a wrong total, an unread file (by column header)
_RED: dict[str, Any] = {
    "错误": lambda v: isinstance(v, int) and v > 0,
    "有错误的项目数": lambda v: isinstance(v, int) and v > 0,
    "差异": lambda v: isinstance(v, float) and abs(v) > 1e-6,
    "状态": lambda v: v in ("无法读取", "未报送"),
    "红色预警": lambda v: isinstance(v, int) and v > 0,
    "自评预警": lambda v: isinstance(v, str) and "红色" in v,
    "严重程度": lambda v: v == "错误",
}
_CENTER = {L.GRADE, "严重程度", "状态", "规则", PRESET_HEADER}  # short codes read better centred


def _text_kind(col: Column) -> str:
    return "center" if col.header in _CENTER else "text"


def _put(ws, fm: _Formats, r: int, c: int, value: Any, col: Column, **look) -> None:
    """One cell through XlsxWriter (title, header, total rows): numbers as numbers, text always as text
    (never a formula), blanks with their border."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        ws.write_blank(r, c, None, fm.get(col.kind, wrap=col.wrap, **look))
    elif isinstance(value, int | float) and not isinstance(value, bool):
        ws.write_number(r, c, value, fm.get(col.kind, **look))
    else:
        text = ("是" if value else "否") if isinstance(value, bool) else clean_text(str(value))[:MAX_TEXT]
        quote = text.startswith(FORMULA_PREFIXES)
        kind = _text_kind(col) if col.kind in ("text", "hash") or look.get("head") else "text"
        ws.write_string(
            r, c, text, fm.get(kind, quote=quote, wrap=col.wrap or look.get("total", False), **look)
        )


def body_format(fm: _Formats, col: Column, *, text: bool, dup: bool = False, red: bool = False, quote=False):
    """The format of a body cell of ``col``: a number or a text (``quote``: text that looks like a
    formula), in a duplicate row or not, flagged red or not."""
    kind = _text_kind(col) if text else col.kind
    return fm.get(kind, dup=dup, red=red and col.header in _RED, quote=quote and text, wrap=col.wrap)


def _styles(fm: _Formats, col: Column) -> CellStyles:
    """A column's style indexes for the body rows (variants: plain, duplicate row). ``_get_xf_index``
    registers each format with XlsxWriter, as writing a cell with it would (see xlsxrows)."""
    number = tuple(
        tuple(body_format(fm, col, text=False, dup=d, red=r)._get_xf_index() for r in (False, True))
        for d in (False, True)
    )
    text = tuple(
        tuple(
            tuple(
                body_format(fm, col, text=True, dup=d, red=r, quote=q)._get_xf_index() for q in (False, True)
            )
            for r in (False, True)
        )
        for d in (False, True)
    )
    return CellStyles(number, text)


def body_lines(t: Table, row: list[Any]) -> int:
    """The lines the tallest wrapped text of a body row takes."""
    return max(
        (
            text_lines(v, c.width)
            for v, c in zip(row, t.columns, strict=True)
            if c.wrap and isinstance(v, str) and v
        ),
        default=1,
    )


def _body(ws, t: Table, fm: _Formats, sheet_index: int, first: int) -> BodyRows:
    """The table's rows (not the 合计) as worksheet XML from 0-based row ``first``, to be spliced into
    the file after XlsxWriter has written it (``ws`` is not written to). The same as
    :func:`body_lines` and :func:`body_format`, faster."""
    cols = t.columns
    letters = column_letters(len(cols))
    styles = [_styles(fm, c) for c in cols]
    red = [_RED.get(c.header) for c in cols]
    # (column, width, its line capacity, the length of text sure to fit on one line: all CJK, with slack)
    wraps = [(i, c.width, line_capacity(c.width)) for i, c in enumerate(cols) if c.wrap]
    wraps = [(i, w, cap, max(1, int(cap / 2.2))) for i, w, cap in wraps]
    dup_col = t.headers.index(NOTE_HEADER) if NOTE_HEADER in t.headers else None
    body = BodyRows(sheet_index, before=first + len(t.rows) + 1 if t.footer else None)
    for n, row in enumerate(t.rows):
        lines = 1
        for i, w, cap, short in wraps:
            v = row[i]
            if v.__class__ is str and len(v) > short:
                n_lines = text_lines(v, w, cap)
                if n_lines > lines:
                    lines = n_lines
        variant = 1 if dup_col is not None and row[dup_col] else 0
        body.xml.append(
            row_xml(first + n + 1, letters, row, styles, variant, red, FORMULA_PREFIXES, row_height(lines))
        )
    return body


def _write_table(wb, fm: _Formats, t: Table, stamp: str, sheet_index: int) -> BodyRows:
    ws = wb.add_worksheet(t.name)
    ncol = len(t.columns)
    printed = t.printed_columns
    # sheet settings
    for i, col in enumerate(t.columns):
        ws.set_column(i, i, col.width, None, {"hidden": True} if col.header in t.hidden else None)
    ws.freeze_panes(*FREEZE.get(t.name, (3, 0)))
    ws.set_zoom(100)
    # the printed page
    ws.set_landscape()
    ws.set_paper(9)  # A4
    ws.fit_to_pages(1, 0)
    ws.set_margins(**MARGINS_IN)
    # every page starts with the title, the note (金额单位 …) and the header: no page header above
    # them to say the title twice
    ws.repeat_rows(0, 2)
    ws.set_footer(page_footer(stamp), {"margin": 0.3})
    last = 3 + len(t.rows) + len(t.footer) - 1
    chart = t.name == GRADES_NAME and bool(t.rows)
    last_col = printed - 1 + (CHART_COLUMNS + 1 if chart else 0)
    chart_rows = 2 + math.ceil(CHART_SIZE[1] / 20) + 1 if chart else 2  # rows of the default 15 pt (20 px)
    ws.print_area(0, 0, max(last, chart_rows), last_col)
    # the title centred over the printed page (等级分布: its chart's columns too), the note under it
    span = max(printed - 1, 0)
    ws.set_row(0, 28)
    ws.merge_range(0, 0, 0, last_col if chart else span, t.title, fm.get(style="title"))
    note = t.note  # (the time of the consolidation is in the page footer)
    note_px = sum(column_px(c.width) for c in t.columns[:printed] if c.header not in t.hidden)
    note_lines = text_lines(note, (note_px - 5) / DIGIT_PX * FONT_SIZE / NOTE_SIZE)
    ws.set_row(1, round(max(1, note_lines) * LINE_PT + 3, 1))
    ws.merge_range(1, 0, 1, span, clean_text(note), fm.get(style="note"))
    labels = [header_label(c) for c in t.columns]
    head_lines = max(label.count("\n") + 1 for label in labels)
    ws.set_row(2, row_height(max(2, head_lines)))
    for c, (col, label) in enumerate(zip(t.columns, labels, strict=True)):
        _put(ws, fm, 2, c, label, col, head=True)
    # the body (spliced in after XlsxWriter has written the file), then the 合计 row
    body = _body(ws, t, fm, sheet_index, 3)
    r = 3 + len(t.rows)
    for k, footer in enumerate(t.footer):
        lines = max(
            (
                text_lines(v, col.width)
                for c, (v, col) in enumerate(zip(footer, t.columns, strict=True))
                if isinstance(v, str) and c > 0  # (the label 合计 / 平均 is centred, not indented)
            ),
            default=1,
        )
        if row_height(lines):
            ws.set_row(r + k, row_height(lines))
        for c, (col, v) in enumerate(zip(t.columns, footer, strict=True)):
            label = c == 0 and isinstance(v, str)  # 合计 / 平均 in the narrow 序号 column: centred
            _put(
                ws,
                fm,
                r + k,
                c,
                v,
                replace(col, header=L.GRADE, kind="text") if label else col,
                total=1 if k == 0 else 2,
            )
    if not t.footer:
        ws.write_blank(max(r - 1, 2), ncol - 1, None)  # the sheet's extent (XlsxWriter's <dimension>)
    ws.autofilter(2, 0, max(2 + len(t.rows), 2), ncol - 1)
    for i, col in enumerate(t.columns):
        if col.choices and t.rows:  # a column the reviewer fills in (问题清单's 处理): a drop-down list
            ws.data_validation(3, i, 2 + len(t.rows), i, {
                "validate": "list", "source": list(col.choices), "input_title": col.header,
                "input_message": "、".join(col.choices) + "（空白按“采纳”）",
                "error_title": col.header, "error_message": "请从列表中选择：" + "、".join(col.choices),
            })  # fmt: skip
    if chart:
        _grade_chart(wb, ws, t, r)
    return body


def page_footer(stamp: str) -> str:
    """The page footer: when the summary was made (left), the page number (centre)."""
    return f"&L&10汇总时间：{stamp}&C&10第 &P 页，共 &N 页"


def _grade_chart(wb, ws, t: Table, total_row: int) -> None:
    """A column chart of the 合计 row (全部单位) over the grade columns."""
    cols = [i for i, c in enumerate(t.columns) if c.kind == "int" and c.header not in (TOTAL, "序号")]
    chart = wb.add_chart({"type": "column"})
    chart.add_series(
        {
            "name": "项目数",
            "categories": [t.name, 2, cols[0], 2, cols[-1]],
            "values": [t.name, total_row, cols[0], total_row, cols[-1]],
            "data_labels": {"value": True},
            "fill": {"color": "#4472C4"},
            "gap": 80,
        }
    )
    chart.set_title(
        {"name": "项目绩效自评等级分布（全部单位）", "name_font": {"name": HEAD_FONT, "size": 12}}
    )
    chart.set_x_axis({"name": L.GRADE, "num_font": {"name": FONT}})
    chart.set_y_axis({"name": "项目数", "major_gridlines": {"visible": False}, "min": 0})
    chart.set_legend({"none": True})
    chart.set_size({"width": CHART_SIZE[0], "height": CHART_SIZE[1]})
    ws.insert_chart(2, len(t.columns) + 1, chart)


def write_xlsx(c: Consolidation, path: str | Path) -> None:
    """Write the summary workbook to ``path`` (use :func:`write_summary` for an atomic, checked write).

    XlsxWriter writes the sheets' settings, titles, headers, 合计 rows, styles and the chart; the body
    rows are joined as worksheet XML and put in afterwards (:mod:`xlperf.writers.xlsxrows`: a tenth of
    the CPU XlsxWriter's per-cell calls take)."""
    import io

    import xlsxwriter

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(
        buf,
        {
            "in_memory": True,
            "strings_to_formulas": False,
            # the column unit is the width of "0" in the default font: 宋体 10 (7 px, as Calibri 11),
            # the font of the cells, on every Chinese Windows
            "default_format_properties": {"font_name": FONT, "font_size": FONT_SIZE},
        },
    )
    wb.set_properties(
        {"title": "项目支出绩效自评汇总表", "author": "xlperf", "comments": f"xlperf {__version__}"}
    )
    fm = _Formats(wb)
    stamp = dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    bodies = [_write_table(wb, fm, t, stamp, i) for i, t in enumerate(c.tables.values(), 1)]
    meta = wb.add_worksheet(L.META_SHEET)
    rows = (
        ("kind", SUMMARY_KIND),
        ("generator", f"xlperf {__version__}"),
        ("files", str(c.stats.files)),
        ("projects", str(c.stats.projects)),
        ("year", summary_year(c)),
        ("issuer", c.issuer),  # the body that consolidated: the 退回意见's 落款 unless --bureau is given
        *((f"year:{unit}", year) for unit, year in unit_years(c).items()),
    )
    for r, (k, v) in enumerate(rows):
        meta.write_string(r, 0, k)
        meta.write_string(r, 1, v)
    meta.very_hidden()
    wb.close()
    splice_rows(buf.getvalue(), bodies, str(path))


def unit_years(c: Consolidation) -> dict[str, str]:
    """Each unit's year as its workbooks state it (the title of its 退回意见)."""
    out: dict[str, str] = {}
    for f in c.files:
        if f.status == "已汇总" and f.unit and f.year:
            out.setdefault(f.unit, str(f.year))
    return out


def summary_year(c: Consolidation) -> str:
    """The year most of the workbooks state ('' when none): the year of the 退回意见 written from it."""
    from collections import Counter

    years = Counter(f.year for f in c.files if f.status == "已汇总" and f.year)
    return str(years.most_common(1)[0][0]) if years else ""


# --- csv / json ---------------------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    if value.__class__ is float:
        return round(value, 6) if math.isfinite(value) else None
    return value


def _csv_value(value: Any) -> Any:
    """A value for a csv cell: text that Excel would take for a formula gets a leading apostrophe."""
    value = _plain(value)
    if isinstance(value, str) and value.startswith((*FORMULA_PREFIXES, "\t", "\r")):
        return "'" + value
    return "" if value is None else value


def write_csv(c: Consolidation, folder: str | Path, *, overwrite: bool = True) -> Path:
    """One ``<表名>.csv`` per table in ``folder`` (created if its parent exists), UTF-8 with BOM so Excel
    shows the Chinese correctly. The files appear as one set (:func:`xlperf.safe_io.atomic_folder`): a
    crash or a file locked by Excel leaves the previous set whole, never a mix of old and new tables."""
    names = [f"{t.name}.csv" for t in c.tables.values()]

    def write(tmp: Path) -> None:
        for t in c.tables.values():
            with (tmp / f"{t.name}.csv").open("w", encoding="utf-8-sig", newline="") as fh:
                w = csv.writer(fh)
                w.writerow(t.headers)
                w.writerows([_csv_value(v) for v in row] for row in t.all_rows())

    return atomic_folder(folder, write, names, inputs=c.inputs, overwrite=overwrite)


def summary_json(c: Consolidation) -> str:
    """:func:`summary_dict` as JSON text, one table row per line. json's C encoder runs only without
    ``indent``, so each row is encoded whole and the lines are joined here (5–10× faster than
    ``indent=1`` on 10,000 rows)."""
    d = summary_dict(c)

    def enc(x: Any) -> str:
        return json.dumps(x, ensure_ascii=False)

    tables = []
    for name, t in d["tables"].items():
        rows = ",\n    ".join(map(enc, t["rows"]))
        tables.append(
            f'  {enc(name)}: {{"columns": {enc(t["columns"])},\n   "rows": [\n    {rows}\n   ],\n'
            f'   "total": {enc(t["total"])}, "average": {enc(t["average"])}, "hidden": {enc(t["hidden"])}}}'
        )
    return (
        f'{{"generator": {enc(d["generator"])},\n "stats": {enc(d["stats"])},\n'
        f' "submissions": {enc(d["submissions"])},\n "notes": {enc(d["notes"])},\n "tables": {{\n'
        + ",\n".join(tables)
        + "\n }\n}\n"
    )


def summary_dict(c: Consolidation) -> dict[str, Any]:
    """The summary as JSON-ready data: every table's rows as objects keyed by the Chinese headers."""
    s = c.stats
    return {
        "generator": f"xlperf {__version__}",
        "stats": {
            "files": s.files,
            "files_ok": s.files_ok,
            "files_skipped": s.files_skipped,
            "files_unreadable": s.files_unreadable,
            "duplicate_files": s.duplicate_files,
            "duplicate_projects": s.duplicate_projects,
            "units": s.units,
            "projects": s.projects,
            "budget": _plain(s.budget),
            "executed": _plain(s.executed),
            "execution_rate": _plain(s.rate),
            "mean_score": _plain(s.mean_score),
            "weighted_score": _plain(s.weighted_score),
            "year": c.year,
            "years": s.years,
            "grades": s.grades,
            "errors": s.errors,
            "warnings": s.warnings,
            "infos": s.infos,
        },
        # 报送情况 (with a roster or a ledger): the terminal's lines and the lists behind them
        "submissions": None if c.desk is None else c.desk.to_dict(),
        "notes": list(c.notes),
        "tables": {name: _table_dict(t) for name, t in c.tables.items()},
    }


def _table_dict(t: Table) -> dict[str, Any]:
    headers = t.headers
    return {
        "columns": headers,
        "rows": [dict(zip(headers, map(_plain, r), strict=True)) for r in t.rows],
        "total": None if t.total is None else dict(zip(headers, map(_plain, t.total), strict=True)),
        "average": None if t.average is None else dict(zip(headers, map(_plain, t.average), strict=True)),
        "hidden": sorted(t.hidden),  # columns with nothing to show in this consolidation
    }
