"""The patch plan: what validating a workbook does to it, as plain data that serialises to JSON.

One pure function, :func:`build_plan`, turns a :class:`~xlperf.core.engine.Validation` into a
:class:`Plan`; every front end only applies it, so they cannot drift apart:

- the annotated copy (``xlperf validate -o``, :mod:`xlperf.writers.annotate`) edits the package's parts;
- the Excel ribbon (:mod:`xlperf.excel.macros`, through xlwings) and the WPS add-in (JS, receiving
  ``plan.to_json()`` from a local service) write ranges in batches.

What a plan holds, and what an applier must do with it:

- ``result_sheet``: the 校验结果 sheet to add at ``position`` (0 = first) and to activate. ``rows`` are
  the cell values from A1 (``None`` = blank); every string is literal text, never a formula, even when
  it starts with "=" (appliers write it as text). ``widths`` are column widths (Excel's character
  units), ``heights`` row heights in points (for the finding rows an estimate from their wrapped texts:
  office suites do not fit rows when they open a file; an applier that can autofit may), ``merges`` merged ranges, ``styles`` named :class:`CellStyle` values and ``ranges`` which style
  each range takes (later entries win), ``links`` the cells that jump to a finding's cell, ``freeze``
  the top-left cell of the scrolling pane, ``autofilter`` the filtered range, ``page`` the print setup
  (A4 landscape, one page wide, header rows repeated, page numbers in the footer).
- ``marks``: one :class:`Mark` per flagged cell: its fill (RGB hex, by the worst severity there) and our
  note. A note always starts with :data:`NOTE_MARKER`, so ours is told from the user's: where the user
  already has a note on the cell, ours is added after theirs (a new line, then the marker) and taking
  it away leaves theirs exactly as it was. A mark on a merged range applies to its top-left cell.
- ``restore``: what 清除校验标记 (and the next validation, which replaces the marks instead of stacking
  them) must undo. Before marking, an applier records each marked cell's fill as it was (and whether
  it added or extended a note) in the very hidden sheet ``record_sheet``, one row per change with
  ``record_header``'s columns; clearing puts those fills back, removes our notes (or our part of a
  user's note, from the marker on) and deletes ``delete_sheets``.
- ``status``: the one line for the status bar or the terminal; ``legend``: what the colours mean.

The severity colours (:data:`PALETTE`) are chosen apart from the template's own fills (light yellow
input cells, light grey computed cells, white 分值 cells) in hue and strength, so a marked cell never
looks like an input cell.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from dataclasses import asdict, dataclass, field

from xlperf.core import labels as L
from xlperf.core.engine import Validation
from xlperf.core.findings import SEVERITY_ORDER, SEVERITY_ZH, Finding
from xlperf.core.results_table import RESULT_HEADER, explanation, result_rows, summary_line

PLAN_KIND = "xlperf.validation-plan"
PLAN_VERSION = 1

RECORD_SHEET = "_xlperf_marks"
# the Excel macros read the first four columns (sheet, address, fill, note); the copy adds the rest
RECORD_HEADER = ("sheet", "address", "fill", "note", "style", "created", "original")
NOTE_MARKER = "【xlperf 校验】"
NOTE_AUTHOR = "xlperf"

# the template's fonts (xlperf/writers/styles.py: BODY_FONT, HEAD_FONT; a test keeps them equal)
BODY_FONT = "宋体"
HEAD_FONT = "黑体"

# severity -> fill (RGB hex). Template fills: FFF2CC input (yellow), EDEDED computed (grey), white 分值.
PALETTE = {"error": "F28080", "warning": "FFC04D", "info": "9DC3E6"}
TEMPLATE_FILLS = {"填写项": "FFF2CC", "自动计算": "EDEDED", "分值": "FFFFFF"}
HEADER_FILL = "D9D9D9"
LINK_COLOR = "0563C1"

WIDTHS = (5.0, 8.0, 7.0, 22.0, 14.0, 56.0, 15.0, 15.0)  # 序号 … 实为; 142 units fit A4 landscape
TITLE_ROW, LEGEND_ROW, HEADER_ROW = 1, 2, 3
FIRST_DATA_ROW = 4
LINE_HEIGHT = 14.0  # points per line of 10 pt 宋体 (Excel 13.5; LibreOffice's Noto CJK a little more)
WRAPPED = (3, 5, 6, 7)  # 项目, 说明, 应为, 实为 (0-based columns)
# Office suites do not fit a row to its wrapped text when they open a file (LibreOffice does not; Excel
# only on an edit), so the plan gives every finding row a height. A column of width w (units of the
# default font's digit, 7 px for Calibri 11) is w * 7 + 5 px wide; a 10 pt CJK character is 13.3 px,
# a Latin one half that.
_HALF_CHAR_PX = 20 / 3

_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")  # as xlperf.safe_io (I/O layer)


def clean(text: str) -> str:
    """Text any office suite can hold: control characters (pasted from other systems) dropped."""
    return _ILLEGAL_XML.sub("", text)


def quote_sheet(name: str) -> str:
    """A sheet name as Excel writes it in a reference: '张''s 表' (quotes doubled, always quoted)."""
    return "'" + name.replace("'", "''") + "'"


def col_letter(n: int) -> str:
    """1 -> A, 27 -> AA."""
    s = ""
    while n:
        n, r = divmod(n - 1, 26)
        s = chr(65 + r) + s
    return s


@dataclass(frozen=True)
class CellStyle:
    font: str = BODY_FONT
    size: float = 10.0
    bold: bool = False
    color: str = "000000"
    underline: bool = False
    fill: str | None = None  # RGB hex, None = no fill
    border: bool = False  # thin grey box
    wrap: bool = False
    horizontal: str = "left"  # left / center / right
    vertical: str = "center"  # top / center


@dataclass(frozen=True)
class StyledRange:
    range: str  # "A4:A9"
    style: str  # a key of ResultSheet.styles


@dataclass(frozen=True)
class Link:
    cell: str  # on the result sheet, e.g. "E4"
    sheet: str  # the target sheet
    target: str  # the target cell, e.g. "H25"
    location: str  # Excel's form: "'自评表1'!H25"
    text: str  # what the cell shows
    tooltip: str = "转到该单元格"


@dataclass(frozen=True)
class PageSetup:
    paper: str = "A4"
    orientation: str = "landscape"
    fit_width: int = 1  # pages across
    fit_height: int = 0  # 0: as many pages down as needed
    repeat_rows: tuple[int, int] = (TITLE_ROW, HEADER_ROW)  # printed on every page
    footer: str = "第 &P 页，共 &N 页"  # Excel's header/footer codes: &P page, &N pages
    center_horizontally: bool = True
    margins: tuple[float, float, float, float] = (0.4, 0.4, 0.6, 0.6)  # left, right, top, bottom (inch)


@dataclass(frozen=True)
class ResultSheet:
    name: str
    title: str
    rows: tuple[tuple[object, ...], ...]
    widths: tuple[float, ...]
    heights: dict[int, float]
    merges: tuple[str, ...]
    styles: dict[str, CellStyle]
    ranges: tuple[StyledRange, ...]
    links: tuple[Link, ...]
    freeze: str
    autofilter: str | None
    page: PageSetup
    position: int = 0
    activate: bool = True


@dataclass(frozen=True)
class Mark:
    sheet: str
    cell: str
    severity: str  # the worst at this cell
    fill: str  # RGB hex
    note: str  # starts with NOTE_MARKER
    rules: tuple[str, ...]


@dataclass(frozen=True)
class Restore:
    record_sheet: str = RECORD_SHEET
    record_header: tuple[str, ...] = RECORD_HEADER
    delete_sheets: tuple[str, ...] = (L.RESULT_SHEET, RECORD_SHEET)
    note_marker: str = NOTE_MARKER
    note_author: str = NOTE_AUTHOR


@dataclass(frozen=True)
class Plan:
    status: str
    result_sheet: ResultSheet
    marks: tuple[Mark, ...]
    palette: dict[str, str]
    legend: tuple[tuple[str, str, str], ...]  # (severity, Chinese name, fill)
    restore: Restore = field(default_factory=Restore)
    kind: str = PLAN_KIND
    version: int = PLAN_VERSION

    def to_dict(self) -> dict:
        d = asdict(self)
        d["result_sheet"]["heights"] = {str(k): v for k, v in self.result_sheet.heights.items()}
        return d

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_dict(cls, d: dict) -> Plan:
        if d.get("kind") != PLAN_KIND or d.get("version") != PLAN_VERSION:
            raise ValueError(f"not a version-{PLAN_VERSION} {PLAN_KIND}: {d.get('kind')} {d.get('version')}")
        rs = dict(d["result_sheet"])
        rs["rows"] = tuple(tuple(r) for r in rs["rows"])
        rs["widths"] = tuple(rs["widths"])
        rs["heights"] = {int(k): v for k, v in rs["heights"].items()}
        rs["merges"] = tuple(rs["merges"])
        rs["styles"] = {k: CellStyle(**v) for k, v in rs["styles"].items()}
        rs["ranges"] = tuple(StyledRange(**r) for r in rs["ranges"])
        rs["links"] = tuple(Link(**x) for x in rs["links"])
        page = dict(rs["page"])
        page["repeat_rows"] = tuple(page["repeat_rows"])
        page["margins"] = tuple(page["margins"])
        rs["page"] = PageSetup(**page)
        restore = dict(d["restore"])
        restore["record_header"] = tuple(restore["record_header"])
        restore["delete_sheets"] = tuple(restore["delete_sheets"])
        return cls(
            status=d["status"],
            result_sheet=ResultSheet(**rs),
            marks=tuple(Mark(**{**m, "rules": tuple(m["rules"])}) for m in d["marks"]),
            palette=dict(d["palette"]),
            legend=tuple(tuple(x) for x in d["legend"]),
            restore=Restore(**restore),
        )

    @classmethod
    def from_json(cls, text: str) -> Plan:
        return cls.from_dict(json.loads(text))


def display_width(text: str) -> int:
    """Half-width units a text takes: CJK and full-width characters count two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WFA" else 1 for ch in text)


def text_lines(text: str, width: float) -> int:
    """Lines a text wraps to in a column of ``width`` (at 10 pt)."""
    per_line = max(int((width * 7 + 5) / _HALF_CHAR_PX) - 3, 1)
    return sum(max(1, math.ceil(display_width(part) / per_line)) for part in text.split("\n"))


def note_text(findings: list[Finding]) -> str:
    """Our note on one cell: the marker, then one line per finding there (the cell is where it sits, so
    the line does not repeat it; 应为/实为 stay, a note has no columns for them)."""
    lines = [NOTE_MARKER]
    for f in findings:
        lines.append(f"[{f.rule} {SEVERITY_ZH[f.severity]}] {explanation(f, values=True)}")
    return clean("\n".join(lines))


def _marks(findings: tuple[Finding, ...]) -> tuple[Mark, ...]:
    by_cell: dict[tuple[str, str], list[Finding]] = {}
    for f in findings:
        if f.cell:
            by_cell.setdefault((f.sheet, f.cell), []).append(f)
    out = []
    for (sheet, cell), fs in by_cell.items():
        worst = min((f.severity for f in fs), key=lambda s: SEVERITY_ORDER[s])
        rules = tuple(dict.fromkeys(f.rule for f in fs))
        out.append(Mark(sheet, cell, worst, PALETTE[worst], note_text(fs), rules))
    return tuple(sorted(out, key=lambda m: (m.sheet, _cell_key(m.cell))))


def _cell_key(cell: str) -> tuple[int, int]:
    m = re.fullmatch(r"\$?([A-Za-z]{1,3})\$?(\d+)", cell)
    if not m:
        return (0, 0)
    col = 0
    for ch in m.group(1).upper():
        col = col * 26 + ord(ch) - 64
    return (int(m.group(2)), col)


def _styles() -> dict[str, CellStyle]:
    box = {"border": True}
    styles = {
        "title": CellStyle(font=HEAD_FONT, size=14, horizontal="left"),
        "legend_label": CellStyle(font=HEAD_FONT, size=10, horizontal="center"),
        "legend_text": CellStyle(size=9, color="404040", wrap=True),
        "header": CellStyle(font=HEAD_FONT, size=10, fill=HEADER_FILL, horizontal="center", **box),
        "center": CellStyle(horizontal="center", vertical="top", **box),
        "wrap": CellStyle(wrap=True, vertical="top", **box),
        "link": CellStyle(color=LINK_COLOR, underline=True, vertical="top", **box),
        "plain": CellStyle(vertical="top", **box),
        "nothing": CellStyle(horizontal="center", **box),
    }
    for sev, rgb in PALETTE.items():
        styles[f"legend_{sev}"] = CellStyle(font=HEAD_FONT, fill=rgb, horizontal="center", **box)
        styles[f"severity_{sev}"] = CellStyle(fill=rgb, horizontal="center", vertical="top", **box)
    return styles


def _severity_ranges(findings: tuple[Finding, ...]) -> list[StyledRange]:
    """The 严重程度 column, one range per run of the same severity (findings come errors first)."""
    out: list[StyledRange] = []
    start = FIRST_DATA_ROW
    for i in range(len(findings)):
        r = FIRST_DATA_ROW + i
        last = i + 1 == len(findings) or findings[i + 1].severity != findings[i].severity
        if last:
            out.append(StyledRange(f"B{start}:B{r}", f"severity_{findings[i].severity}"))
            start = r + 1
    return out


def build_plan(v: Validation) -> Plan:
    """The patch plan of one validation. Pure: the same findings give the same plan."""
    ncol = len(RESULT_HEADER)
    last_col = col_letter(ncol)
    summary = summary_line(v)
    title = clean(f"{L.RESULT_SHEET}：{summary}（评分方案：{v.preset.title}）")
    legend = tuple((sev, SEVERITY_ZH[sev], PALETTE[sev]) for sev in ("error", "warning", "info"))
    legend_text = (
        "有问题的单元格在原表中按严重程度填上左侧颜色（不同于表中黄色填写项、灰色自动计算项和白色分值），"
        f"并附以“{NOTE_MARKER}”开头的批注；点击“位置”可跳转到该单元格。"
        "“绩效自评”选项卡的“清除校验标记”可恢复原来的颜色、删去这些批注，原有批注不受影响。"
    )
    blank = [None] * ncol
    rows: list[tuple[object, ...]] = [
        tuple([title] + blank[1:]),
        tuple(["图例"] + [name for _, name, _ in legend] + [legend_text] + blank[5:]),
    ]
    table = result_rows(v)
    rows.append(tuple(table[0]))
    links: list[Link] = []
    heights: dict[int, float] = {TITLE_ROW: 24.0, LEGEND_ROW: 3 * LINE_HEIGHT + 4, HEADER_ROW: 20.0}
    for i, (f, row) in enumerate(zip(v.findings, table[1:], strict=True)):
        r = FIRST_DATA_ROW + i
        cells = tuple(clean(x) if isinstance(x, str) else x for x in row)
        rows.append(cells)
        target = f.cell or "A1"
        links.append(Link(f"E{r}", f.sheet, target, f"{quote_sheet(f.sheet)}!{target}", clean(f.where)))
        lines = max(text_lines(str(cells[c] or ""), WIDTHS[c]) for c in WRAPPED)
        heights[r] = lines * LINE_HEIGHT + 3
    merges = [f"A{TITLE_ROW}:{last_col}{TITLE_ROW}", f"E{LEGEND_ROW}:{last_col}{LEGEND_ROW}"]
    header = f"A{HEADER_ROW}:{last_col}{HEADER_ROW}"
    ranges = [
        StyledRange(f"A{TITLE_ROW}", "title"),
        StyledRange(f"A{LEGEND_ROW}", "legend_label"),
        *(
            StyledRange(f"{col_letter(2 + k)}{LEGEND_ROW}", f"legend_{sev}")
            for k, (sev, _, _) in enumerate(legend)
        ),
        StyledRange(f"E{LEGEND_ROW}", "legend_text"),
        StyledRange(header, "header"),
    ]
    n = len(v.findings)
    if n:
        end = FIRST_DATA_ROW + n - 1
        ranges += [
            StyledRange(f"A{FIRST_DATA_ROW}:A{end}", "center"),
            StyledRange(f"C{FIRST_DATA_ROW}:C{end}", "center"),
            StyledRange(f"D{FIRST_DATA_ROW}:D{end}", "wrap"),
            StyledRange(f"E{FIRST_DATA_ROW}:E{end}", "link"),
            StyledRange(f"F{FIRST_DATA_ROW}:{last_col}{end}", "wrap"),
            *_severity_ranges(v.findings),
        ]
        autofilter: str | None = f"A{HEADER_ROW}:{last_col}{end}"
    else:
        rows.append(tuple(["未发现问题。"] + blank[1:]))
        merges.append(f"A{FIRST_DATA_ROW}:{last_col}{FIRST_DATA_ROW}")
        ranges.append(StyledRange(f"A{FIRST_DATA_ROW}:{last_col}{FIRST_DATA_ROW}", "nothing"))
        heights[FIRST_DATA_ROW] = 20.0
        autofilter = None
    sheet = ResultSheet(
        name=L.RESULT_SHEET,
        title=title,
        rows=tuple(rows),
        widths=WIDTHS,
        heights=heights,
        merges=tuple(merges),
        styles=_styles(),
        ranges=tuple(ranges),
        links=tuple(links),
        freeze=f"A{FIRST_DATA_ROW}",
        autofilter=autofilter,
        page=PageSetup(),
    )
    return Plan(
        status=clean(f"校验完成。{summary}。"),
        result_sheet=sheet,
        marks=_marks(v.findings),
        palette=dict(PALETTE),
        legend=legend,
    )
