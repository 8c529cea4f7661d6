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
from pathlib import Path
from typing import Any

from xlperf import __version__
from xlperf.consolidate.records import SUMMARY_KIND
from xlperf.consolidate.tables import GRADES_NAME, Consolidation, Table
from xlperf.core import labels as L
from xlperf.errors import OutputError
from xlperf.safe_io import FORMULA_PREFIXES, atomic_folder, atomic_write, clean_text, fit_name

FORMATS = ("xlsx", "csv", "json")
FONT = "宋体"
HEAD_FONT = "黑体"
NUMBER_FORMATS = {"amount": "#,##0.00", "rate": "0.0%", "score": "0.0", "int": "0", "text": "@", "hash": "@"}
MAX_TEXT = 32767  # Excel's limit for one cell
FREEZE = {"项目明细": (3, 4), "单位汇总": (3, 3), "问题清单": (3, 2), "文件清单": (3, 2)}  # (rows, cols)


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
        raise OutputError(f"汇总表应保存为 .xlsx 文件：{out}")
    parent = out.parent if str(out.parent) else Path(".")
    if not parent.is_dir():
        raise OutputError(f"输出文件夹不存在：{parent}")
    if fmt == "csv" and out.exists() and not out.is_dir():
        raise OutputError(f"csv 格式的输出应为文件夹：{out}")
    if fmt != "csv" and out.is_dir():
        raise OutputError(f"输出应为文件，这是一个文件夹：{out}")
    return fmt, out.with_name(fit_name(parent, out.name))


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


class _Formats:
    """The cell formats of one workbook, made once per look."""

    def __init__(self, wb) -> None:
        self.wb = wb
        self.cache: dict[tuple, Any] = {}

    def get(
        self, kind: str = "text", *, head=False, total=False, red=False, dup=False, quote=False, style=""
    ):
        key = (kind, head, total, red, dup, quote, style)
        if key in self.cache:
            return self.cache[key]
        f: dict[str, Any] = {"font_name": FONT, "font_size": 10, "valign": "vcenter"}
        if style == "title":
            f.update(font_name=HEAD_FONT, font_size=16)
        elif style == "note":
            f.update(font_size=9, font_color="#404040")
        else:
            f.update(border=1, border_color="#808080")
            if head:
                f.update(font_name=HEAD_FONT, bold=False, bg_color="#DDEBF7", align="center", text_wrap=True)
            else:
                f["num_format"] = NUMBER_FORMATS.get(kind, "General")
                f["align"] = "left" if kind in ("text", "hash") else "right"
                if total:
                    f.update(bold=True, bg_color="#F2F2F2", top=6, top_color="#000000")
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
    "状态": lambda v: v == "无法读取",
    "严重程度": lambda v: v == "错误",
}


def _put(ws, fm: _Formats, r: int, c: int, value: Any, kind: str, **look) -> None:
    """One cell: numbers as numbers, text always as text (never a formula), blanks with their border."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        ws.write_blank(r, c, None, fm.get(kind, **look))
    elif isinstance(value, bool):
        ws.write_string(r, c, "是" if value else "否", fm.get(kind, **look))
    elif isinstance(value, int | float):
        ws.write_number(r, c, value, fm.get(kind, **look))
    else:
        text = clean_text(str(value))[:MAX_TEXT]
        quote = text.startswith(FORMULA_PREFIXES)
        ws.write_string(r, c, text, fm.get(kind, quote=quote, **look))


class _ColumnLook:
    """A column's cell formats, looked up once per column rather than once per cell (the summary has
    hundreds of thousands of cells): [plain, total row, duplicate row] × [normal, red] × [quoted]."""

    def __init__(self, fm: _Formats, kind: str, header: str) -> None:
        self.kind = kind
        self.red = _RED.get(header)
        self.formats = [
            [[fm.get(kind, total=t, dup=d, red=red, quote=q) for q in (False, True)] for red in (False, True)]
            for t, d in ((False, False), (True, False), (False, True))
        ]


def _write_body(ws, looks: list[_ColumnLook], t: Table, r: int) -> int:
    """The rows (the total row first or last) from row ``r``; returns the row after the last."""
    headers = t.headers
    dup_col = headers.index("备注") if "备注" in headers else None
    for row in t.all_rows():
        variant = 1 if row is t.total else 2 if dup_col is not None and row[dup_col] else 0
        for c, (look, v) in enumerate(zip(looks, row, strict=True)):
            f = look.formats[variant][bool(look.red and look.red(v))]
            cls = v.__class__
            if v is None or (cls is float and not math.isfinite(v)):
                ws.write_blank(r, c, None, f[0])
            elif cls is bool:
                ws.write_string(r, c, "是" if v else "否", f[0])
            elif cls is int or cls is float:
                ws.write_number(r, c, v, f[0])
            else:
                text = clean_text(str(v))[:MAX_TEXT]
                ws.write_string(r, c, text, f[text.startswith(FORMULA_PREFIXES)])
        r += 1
    return r


def _write_table(wb, fm: _Formats, t: Table, stamp: str) -> None:
    ws = wb.add_worksheet(t.name)
    ncol = len(t.columns)
    # sheet settings
    for i, col in enumerate(t.columns):
        ws.set_column(i, i, col.width)
    ws.freeze_panes(*FREEZE.get(t.name, (3, 0)))
    ws.set_zoom(90)
    ws.set_landscape()
    ws.set_paper(9)  # A4
    ws.fit_to_pages(1, 0)
    ws.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
    ws.repeat_rows(2)
    ws.set_header(f"&R&9{t.name}")
    ws.set_footer("&C&9第 &P 页，共 &N 页")
    ws.set_row(0, 28)
    ws.set_row(2, 32)
    # title, note, header
    ws.write_string(0, 0, t.title, fm.get(style="title"))
    ws.write_string(
        1, 0, f"{t.note}　　汇总时间：{stamp}" if t.note else f"汇总时间：{stamp}", fm.get(style="note")
    )
    for c, col in enumerate(t.columns):
        _put(ws, fm, 2, c, col.header, col.kind, head=True)
    # body, autofilter over the data rows, chart
    r = _write_body(ws, [_ColumnLook(fm, col.kind, col.header) for col in t.columns], t, 3)
    last_data = r - 1 if t.total is None or t.total_first else r - 2
    ws.autofilter(2, 0, max(last_data, 2), ncol - 1)
    if t.name == GRADES_NAME and t.rows:
        _grade_chart(wb, ws, t)


def _grade_chart(wb, ws, t: Table) -> None:
    """A column chart of the first row (全部单位) over the grade columns."""
    cols = [i for i, c in enumerate(t.columns) if c.kind == "int" and c.header != "合计"]
    chart = wb.add_chart({"type": "column"})
    chart.add_series(
        {
            "name": "项目数",
            "categories": [t.name, 2, cols[0], 2, cols[-1]],
            "values": [t.name, 3, cols[0], 3, cols[-1]],
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
    chart.set_size({"width": 520, "height": 300})
    ws.insert_chart(2, len(t.columns) + 1, chart)


def write_xlsx(c: Consolidation, path: str | Path) -> None:
    """Write the summary workbook to ``path`` (use :func:`write_summary` for an atomic, checked write)."""
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_formulas": False})
    wb.set_properties(
        {"title": "项目支出绩效自评汇总表", "author": "xlperf", "comments": f"xlperf {__version__}"}
    )
    fm = _Formats(wb)
    stamp = dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    for t in c.tables.values():
        _write_table(wb, fm, t, stamp)
    meta = wb.add_worksheet(L.META_SHEET)
    rows = (
        ("kind", SUMMARY_KIND),
        ("generator", f"xlperf {__version__}"),
        ("files", str(c.stats.files)),
        ("projects", str(c.stats.projects)),
    )
    for r, (k, v) in enumerate(rows):
        meta.write_string(r, 0, k)
        meta.write_string(r, 1, v)
    meta.very_hidden()
    wb.close()


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
            f'   "total": {enc(t["total"])}, "total_first": {enc(t["total_first"])}}}'
        )
    return (
        f'{{"generator": {enc(d["generator"])},\n "stats": {enc(d["stats"])},\n "tables": {{\n'
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
            "grades": s.grades,
            "errors": s.errors,
            "warnings": s.warnings,
            "infos": s.infos,
        },
        "tables": {name: _table_dict(t) for name, t in c.tables.items()},
    }


def _table_dict(t: Table) -> dict[str, Any]:
    headers = t.headers
    return {
        "columns": headers,
        "rows": [dict(zip(headers, map(_plain, r), strict=True)) for r in t.rows],
        "total": None if t.total is None else dict(zip(headers, map(_plain, t.total), strict=True)),
        "total_first": t.total_first,
    }
