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
  user's note, from the marker on), takes the colours' key (:data:`MARK_KEY`, which the annotated copy
  prints in each marked sheet's left footer) out of those sheets' footers and deletes ``delete_sheets``.
- ``status``: the one line for the status bar or the terminal; ``legend``: what the colours mean.

Appliers over a running office suite (the Excel ribbon, the WPS add-in) apply the plan's *live form*
(:func:`live_plan`, also under "live" in the JSON): the same content cut into batches, so both perform
the same writes; :func:`clear_plan` turns the record sheet's rows into what 清除校验标记 undoes there.

The severity colours (:data:`PALETTE`) are chosen apart from the template's own fills (light yellow
input cells, light grey computed cells, white 分值 cells) in hue and strength, so a marked cell never
looks like an input cell; and apart from each other and those fills in lightness, so a page printed in
grey still tells them apart (错误 darkest, then 警告, then 提示, the template's fills lightest).

What the 校验结果 sheet prints is for a reader of paper: its title names the unit and the year, each
row the rule by name (not its ID), the location as "自评表1 F21（预算执行率 实际完成值）" (a link in
Excel and WPS, printed as text), a scoring clause that many rows share written in the first only.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

from xlperf.core import a1
from xlperf.core import labels as L
from xlperf.core.a1 import column_letter, quote_sheet
from xlperf.core.engine import Validation
from xlperf.core.findings import SEVERITY_ORDER, SEVERITY_ZH, Finding
from xlperf.core.results_table import RESULT_HEADER, explanation, result_rows, result_title, summary_line

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
# Lightness (Rec. 601 luma) 43 %, 62 %, 74 % against the template's 93–100 %: apart in grey print too.
PALETTE = {"error": "C84848", "warning": "E8902A", "info": "9DC3E6"}
TEMPLATE_FILLS = {"填写项": "FFF2CC", "自动计算": "EDEDED", "分值": "FFFFFF"}
HEADER_FILL = "D9D9D9"
LINK_COLOR = "0563C1"

# 序号 严重程度 规则 项目 位置 说明 应为 实为, in units of the workbook's default font's digit (Calibri 11 in
# the template: 7 px on Windows; 9.3 px where DejaVu Sans stands in for it): 132.5 units print one page
# wide at 100 % in Excel and at 8 pt or more with the widest stand-in
HEAD_LABELS = {"严重程度": "严重\n程度"}  # a header broken between words, not "严重程/度"
WIDTHS = (4.5, 5.0, 11.0, 15.0, 19.0, 50.0, 14.0, 14.0)
# what the marked sheets of a validated copy print at the left of their footer (where the user's footer
# leaves it free): the colours' key on every page of the forms, not only on the 校验结果 sheet
MARK_KEY = "标色：红色为错误，橙色为警告，蓝色为提示（详见“校验结果”表）"
TITLE_ROW, LEGEND_ROW, HEADER_ROW = 1, 2, 3
FIRST_DATA_ROW = 4
LINE_HEIGHT = 14.0  # points per line of 10 pt 宋体 (Excel 13.5; LibreOffice's Noto CJK a little more)
WRAPPED = (2, 3, 4, 5, 6, 7)  # 规则, 项目, 位置, 说明, 应为, 实为 (0-based columns)
# Office suites do not fit a row to its wrapped text when they open a file (LibreOffice does not; Excel
# only on an edit), so the plan gives every finding row a height. A column of width w (units of the
# default font's digit, 7 px for Calibri 11) is w * 7 + 5 px wide; a 10 pt CJK character is 13.3 px,
# a Latin one half that.
_HALF_CHAR_PX = 20 / 3

_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")  # as xlperf.safe_io (I/O layer)


def clean(text: str) -> str:
    """Text any office suite can hold: control characters (pasted from other systems) dropped."""
    return _ILLEGAL_XML.sub("", text)


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
    footer: str = "第 &P 页，共 &N 页"  # Excel's header/footer codes: &P page, &N pages (at 10 pt)
    center_horizontally: bool = True
    margins: tuple[float, float, float, float] = (0.4, 0.4, 0.5, 0.5)  # left, right, top, bottom (inch)


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
        """The plan as JSON-ready data, with its live form under "live" (derived: :meth:`from_dict`
        ignores it)."""
        d = asdict(self)
        d["result_sheet"]["heights"] = {str(k): v for k, v in self.result_sheet.heights.items()}
        d["live"] = asdict(live_plan(self))
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
    """Half-width units a text takes in a cell (a CJK font: ambiguous characters “ ” · wide too)."""
    return a1.display_width(text, ambiguous=2)


def text_lines(text: str, width: float) -> int:
    """Lines a text wraps to in a column of ``width`` (at 10 pt, 7 px a unit, 6 px of the cell's own
    padding): rows sized to their text, not a line more (27 findings took two pages with blank space)."""
    per_line = max((width * 7 + 5 - 6) / _HALF_CHAR_PX, 1.0)
    return sum(max(1, math.ceil(display_width(part) / per_line - 1e-9)) for part in text.split("\n"))


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
    try:
        return a1.parse_ref(cell)
    except ValueError:
        return (0, 0)


def _styles() -> dict[str, CellStyle]:
    box = {"border": True}
    styles = {
        "title": CellStyle(font=HEAD_FONT, size=14, horizontal="left", wrap=True),
        "legend_label": CellStyle(font=HEAD_FONT, size=10, horizontal="center"),
        "legend_text": CellStyle(size=10, color="404040", wrap=True),
        "header": CellStyle(font=HEAD_FONT, size=10, fill=HEADER_FILL, horizontal="center", wrap=True, **box),
        "center": CellStyle(horizontal="center", vertical="top", **box),
        "wrap": CellStyle(wrap=True, vertical="top", **box),
        # 序号 links to the finding's cell in Excel and WPS (blue: it can be clicked)
        "link": CellStyle(color=LINK_COLOR, horizontal="center", vertical="top", **box),
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
    last_col = column_letter(ncol)
    summary = summary_line(v)
    title = clean(result_title(v))
    legend = tuple((sev, SEVERITY_ZH[sev], PALETTE[sev]) for sev in ("error", "warning", "info"))
    legend_text = (
        "各自评表中有问题的单元格按左侧颜色标出并加批注（浅黄色是填写项，浅灰色是自动计算项）；"
        "点击“序号”可跳到该单元格，“绩效自评→清除校验标记”可恢复原样，原有批注不受影响。"
    )
    blank = [None] * ncol
    rows: list[tuple[object, ...]] = [
        tuple([title] + blank[1:]),
        tuple(["图例"] + [name for _, name, _ in legend] + [legend_text] + blank[5:]),
    ]
    table = result_rows(v)
    rows.append(tuple(HEAD_LABELS.get(h, h) for h in table[0]))
    links: list[Link] = []
    # the title wraps (a long unit name): 14 pt is 1.4 times the 10 pt the line count is measured in
    title_lines = text_lines(title, sum(WIDTHS) / 1.4)
    heights: dict[int, float] = {
        TITLE_ROW: 20.0 * title_lines + 4,
        LEGEND_ROW: max(2, text_lines(legend_text, sum(WIDTHS[4:]))) * LINE_HEIGHT + 4,
        HEADER_ROW: 2 * LINE_HEIGHT + 4,
    }
    for i, (f, row) in enumerate(zip(v.findings, table[1:], strict=True)):
        r = FIRST_DATA_ROW + i
        cells = tuple(clean(x) if isinstance(x, str) else x for x in row)
        rows.append(cells)
        target = f.cell or "A1"
        # the link on 序号: a linked cell is drawn as a one-line blue field by LibreOffice, which would cut
        # the printed 位置; the number is short and says "click me" in every suite
        links.append(Link(f"A{r}", f.sheet, target, f"{quote_sheet(f.sheet)}!{target}", str(i + 1)))
        lines = max(text_lines(str(cells[c] or ""), WIDTHS[c]) for c in WRAPPED)
        heights[r] = lines * LINE_HEIGHT + 3
    merges = [f"A{TITLE_ROW}:{last_col}{TITLE_ROW}", f"E{LEGEND_ROW}:{last_col}{LEGEND_ROW}"]
    header = f"A{HEADER_ROW}:{last_col}{HEADER_ROW}"
    ranges = [
        StyledRange(f"A{TITLE_ROW}", "title"),
        StyledRange(f"A{LEGEND_ROW}", "legend_label"),
        *(
            StyledRange(f"{column_letter(2 + k)}{LEGEND_ROW}", f"legend_{sev}")
            for k, (sev, _, _) in enumerate(legend)
        ),
        StyledRange(f"E{LEGEND_ROW}", "legend_text"),
        StyledRange(header, "header"),
    ]
    n = len(v.findings)
    if n:
        end = FIRST_DATA_ROW + n - 1
        ranges += [
            StyledRange(f"A{FIRST_DATA_ROW}:A{end}", "link"),
            StyledRange(f"C{FIRST_DATA_ROW}:D{end}", "wrap"),
            StyledRange(f"E{FIRST_DATA_ROW}:E{end}", "wrap"),
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


# --- the live form: what an applier over a running office suite writes, in batches -------------------
#
# The Excel ribbon (xlwings, one COM round trip per property) and the WPS add-in (the ET object model
# from JS) apply the plan to a live workbook. Each property write costs a call, so the plan is turned
# here, once and purely, into batches both can apply the same way: the result sheet's values in one
# bulk write (links as HYPERLINK formulas, literal text quoted so the suite never parses it), every
# format as one property over one multi-area address, column widths and row heights grouped by value,
# and per marked sheet: the fills grouped by colour and the notes to add. Both appliers then perform
# exactly the same operations, so the two front ends cannot drift apart (the tests compare them).

LIVE_NOTES_PER_SHEET = 15  # a note is one call per cell: past this, the 校验结果 table holds the rest
LIVE_NOTE_LIMIT = 1000  # characters in one note
MAX_ADDRESS = 255  # Excel refuses longer (multi-area) addresses in Range("...")
TEXT_PREFIX = "'"  # a value written as "'text" is stored as the text, never parsed or run
BORDER_COLOR = "BFBFBF"  # CellStyle.border: a thin grey box
POINTS_PER_INCH = 72.0
LIVE_RECORD_HEADER = RECORD_HEADER[:4]  # what the live appliers record (the copy records more)
# the properties of a LiveFormat; (value written by the applier)
LIVE_PROPS = ("font_name", "font_size", "bold", "font_color", "underline", "fill", "border", "wrap",
              "halign", "valign")  # fmt: skip
# a new sheet's defaults, not written: only these values of these properties are skipped
_SHEET_DEFAULTS = {"bold": False, "font_color": "000000", "underline": False, "fill": None,
                   "border": None, "wrap": False}  # fmt: skip


def parse_cell(ref: str) -> tuple[int, int]:
    """ "H25" -> (25, 8) (row, column, 1-based)."""
    return a1.parse_ref(ref)


def _cells_of(address: str) -> list[tuple[int, int]]:
    out = []
    for part in address.replace("$", "").split(","):
        a, _, b = part.strip().partition(":")
        r1, c1 = parse_cell(a)
        r2, c2 = parse_cell(b) if b else (r1, c1)
        out += [
            (r, c) for r in range(min(r1, r2), max(r1, r2) + 1) for c in range(min(c1, c2), max(c1, c2) + 1)
        ]
    return out


def compress(cells) -> list[str]:
    """Cells (A1 references or (row, col) pairs) as few rectangles as a simple sweep finds, in row
    order: vertical runs per column first, then neighbouring columns with the same run joined
    ("A4:C9"). Findings cluster in columns, so this keeps addresses short and calls few."""
    pairs = {c if isinstance(c, tuple) else parse_cell(c) for c in cells}
    runs: dict[tuple[int, int], list[int]] = {}  # (first row, last row) -> columns
    by_col: dict[int, list[int]] = {}
    for r, c in pairs:
        by_col.setdefault(c, []).append(r)
    for c, rows in by_col.items():
        rows.sort()
        start = prev = rows[0]
        for r in rows[1:] + [None]:
            if r is not None and r == prev + 1:
                prev = r
                continue
            runs.setdefault((start, prev), []).append(c)
            if r is not None:
                start = prev = r
    rects = []
    for (r1, r2), cols in runs.items():
        cols.sort()
        c1 = prev = cols[0]
        for c in cols[1:] + [None]:
            if c is not None and c == prev + 1:
                prev = c
                continue
            rects.append((r1, c1, r2, prev))
            if c is not None:
                c1 = prev = c
    rects.sort()
    return [
        f"{column_letter(c1)}{r1}"
        if (r1, c1) == (r2, c2)
        else f"{column_letter(c1)}{r1}:{column_letter(c2)}{r2}"
        for r1, c1, r2, c2 in rects
    ]


def chunks(parts, limit: int = MAX_ADDRESS) -> tuple[str, ...]:
    """Addresses joined with commas into multi-area addresses of at most ``limit`` characters."""
    out: list[str] = []
    current = ""
    for p in parts:
        candidate = f"{current},{p}" if current else p
        if len(candidate) > limit and current:
            out.append(current)
            current = p
        else:
            current = candidate
    if current:
        out.append(current)
    return tuple(out)


@dataclass(frozen=True)
class LiveFormat:
    """One property set over cells: ``prop`` one of :data:`LIVE_PROPS` (colours RGB hex; ``border`` the
    colour of a thin box; ``halign`` left/center/right, ``valign`` top/center)."""

    prop: str
    value: object
    addresses: tuple[str, ...]


@dataclass(frozen=True)
class LiveMarks:
    """One marked sheet: ``cells`` every marked cell (read their fills before marking, record them),
    ``fills`` (RGB, addresses) one write per colour, ``notes`` (cell, text) to add, worst first."""

    sheet: str
    cells: tuple[str, ...]
    fills: tuple[tuple[str, tuple[str, ...]], ...]
    notes: tuple[tuple[str, str], ...]
    notes_left_out: int = 0


@dataclass(frozen=True)
class LivePlan:
    sheet: str
    position: int
    values: tuple[tuple[object, ...], ...]  # written from A1 in one call
    widths: tuple[tuple[float, tuple[str, ...]], ...]  # (width, cells whose columns take it)
    heights: tuple[tuple[float, tuple[str, ...]], ...]  # (points, cells whose rows take it)
    merges: tuple[str, ...]
    formats: tuple[LiveFormat, ...]
    freeze_row: int  # rows above the scrolling pane
    autofilter: str | None
    page: PageSetup
    marks: tuple[LiveMarks, ...]
    record_sheet: str = RECORD_SHEET
    record_header: tuple[str, ...] = LIVE_RECORD_HEADER
    note_marker: str = NOTE_MARKER
    status: str = ""


def live_text(value: object) -> object:
    """A literal value as a bulk write must carry it: text always behind the text prefix (the suite
    would otherwise run "=…", turn "100%" into a number or eat a leading "'")."""
    if isinstance(value, str) and value:
        return TEXT_PREFIX + value
    return value


def hyperlink_formula(link: Link) -> str:
    target = "#" + link.location
    return '=HYPERLINK("{}","{}")'.format(target.replace('"', '""'), link.text.replace('"', '""'))


def _style_of_cells(rs: ResultSheet) -> dict[tuple[int, int], CellStyle]:
    out: dict[tuple[int, int], CellStyle] = {}
    for sr in rs.ranges:  # later entries win
        for cell in _cells_of(sr.range):
            out[cell] = rs.styles[sr.style]
    return out


def _formats(rs: ResultSheet) -> tuple[LiveFormat, ...]:
    cells = _style_of_cells(rs)
    groups: dict[tuple[str, object], list[tuple[int, int]]] = {}
    for cell, st in sorted(cells.items()):
        values = {
            "font_name": st.font,
            "font_size": st.size,
            "bold": st.bold,
            "font_color": st.color,
            "underline": st.underline,
            "fill": st.fill,
            "border": BORDER_COLOR if st.border else None,
            "wrap": st.wrap,
            "halign": st.horizontal,
            "valign": st.vertical,
        }
        for prop in LIVE_PROPS:
            value = values[prop]
            if prop in _SHEET_DEFAULTS and value == _SHEET_DEFAULTS[prop]:
                continue
            groups.setdefault((prop, value), []).append(cell)
    return tuple(
        LiveFormat(prop, value, chunks(compress(cs)))
        for (prop, value), cs in sorted(
            groups.items(), key=lambda kv: (LIVE_PROPS.index(kv[0][0]), str(kv[0][1]))
        )
    )


def _live_marks(marks: tuple[Mark, ...]) -> tuple[LiveMarks, ...]:
    by_sheet: dict[str, list[Mark]] = {}
    for m in marks:
        by_sheet.setdefault(m.sheet, []).append(m)
    out = []
    for sheet, ms in by_sheet.items():
        by_fill: dict[str, list[str]] = {}
        for m in ms:
            by_fill.setdefault(m.fill, []).append(m.cell)
        ordered = sorted(ms, key=lambda m: (SEVERITY_ORDER[m.severity], _cell_key(m.cell)))
        notes = tuple((m.cell, m.note[:LIVE_NOTE_LIMIT]) for m in ordered[:LIVE_NOTES_PER_SHEET])
        fills = tuple(
            (rgb, chunks(compress(cells))) for rgb, cells in sorted(by_fill.items(), key=lambda kv: kv[0])
        )
        out.append(
            LiveMarks(sheet, chunks(compress(m.cell for m in ms)), fills, notes, max(0, len(ms) - len(notes)))
        )
    return tuple(out)


def live_plan(plan: Plan) -> LivePlan:
    """The live form of ``plan`` (pure; see the section comment)."""
    rs = plan.result_sheet
    marks = _live_marks(plan.marks)
    left_out = sum(m.notes_left_out for m in marks)
    rows = [list(r) for r in rs.rows]
    if left_out:
        rows[0][0] = (
            f"{rows[0][0]}（单元格批注每表最多 {LIVE_NOTES_PER_SHEET} 条，其余 {left_out} 处只填色，详见本表）"
        )
    values: list[tuple[object, ...]] = [tuple(live_text(v) for v in r) for r in rows]
    for link in rs.links:
        r, c = parse_cell(link.cell)
        row = list(values[r - 1])
        row[c - 1] = hyperlink_formula(link)
        values[r - 1] = tuple(row)
    by_width: dict[float, list[str]] = {}
    for i, w in enumerate(rs.widths, 1):
        by_width.setdefault(w, []).append(f"{column_letter(i)}1")
    by_height: dict[float, list[str]] = {}
    for r, h in sorted(rs.heights.items()):
        by_height.setdefault(h, []).append(f"A{r}")
    freeze_row = parse_cell(rs.freeze)[0] - 1
    return LivePlan(
        sheet=rs.name,
        position=rs.position,
        values=tuple(values),
        widths=tuple((w, chunks(cells)) for w, cells in by_width.items()),
        heights=tuple((h, chunks(compress(cells))) for h, cells in by_height.items()),
        merges=rs.merges,
        formats=_formats(rs),
        freeze_row=freeze_row,
        autofilter=rs.autofilter,
        page=rs.page,
        marks=marks,
        record_sheet=plan.restore.record_sheet,
        note_marker=plan.restore.note_marker,
        status=plan.status,
    )


# --- 清除校验标记 over a live workbook: from the record sheet's rows to what to undo --------------------


@dataclass(frozen=True)
class ClearSheet:
    """Undo on one sheet: ``fills`` (RGB hex or "" for no fill, addresses) one write per colour;
    ``delete_notes`` our notes; ``cut_notes`` users' notes we appended to (cut from the marker on)."""

    sheet: str
    fills: tuple[tuple[str, tuple[str, ...]], ...]
    delete_notes: tuple[str, ...]
    cut_notes: tuple[str, ...]


@dataclass(frozen=True)
class ClearPlan:
    """``footer_key``: on each sheet of ``sheets``, this text leaves the left part of the footer
    (:func:`footer_without_key`; the annotated copy prints it there, the live appliers never do)."""

    sheets: tuple[ClearSheet, ...]
    delete_sheets: tuple[str, ...] = (L.RESULT_SHEET, RECORD_SHEET)
    note_marker: str = NOTE_MARKER
    footer_key: str = MARK_KEY

    def to_dict(self) -> dict:
        return asdict(self)


_HEX = re.compile(r"#?([0-9A-Fa-f]{6}|[0-9A-Fa-f]{8})")


def _record_fill(value: object) -> str:
    m = _HEX.fullmatch(str(value or "").strip())
    return m.group(1)[-6:].upper() if m else ""


def clear_plan(record_rows) -> ClearPlan:
    """What 清除校验标记 undoes, from the record sheet's rows (header first; written by the live
    appliers or by the annotated copy, whose extra columns and undo log are ignored here; the copy's
    record also makes the plan take the colours' key out of its sheets' footers)."""
    fills: dict[str, dict[str, list[str]]] = {}
    deletes: dict[str, list[str]] = {}
    cuts: dict[str, list[str]] = {}
    order: list[str] = []
    record_rows = list(record_rows)
    for row in record_rows[1:]:
        row = list(row) + [None] * 4
        sheet, address, fill, note = (("" if x is None else str(x)).strip() for x in row[:4])
        if not sheet or not address or address == "meta":
            continue
        if sheet not in order:
            order.append(sheet)
        if note == "appended":
            cuts.setdefault(sheet, []).append(address)
        elif note:
            deletes.setdefault(sheet, []).append(address)
        else:
            fills.setdefault(sheet, {}).setdefault(_record_fill(fill), []).extend(
                p.strip() for p in address.replace("$", "").split(",") if p.strip()
            )
    return ClearPlan(
        tuple(
            ClearSheet(
                s,
                tuple((rgb, chunks(parts)) for rgb, parts in sorted(fills.get(s, {}).items())),
                tuple(deletes.get(s, ())),
                tuple(cuts.get(s, ())),
            )
            for s in order
        ),
        footer_key=MARK_KEY if _copy_record(record_rows) else "",
    )


def _copy_record(record_rows: list) -> bool:
    """Whether a record sheet is the annotated copy's (its header has the copy's columns beyond the live
    appliers' four): only the copy prints the colours' key in the footers, so only its clear looks
    there (each look at a page setup is slow in Excel, and fails without a printer)."""
    head = [("" if x is None else str(x)).strip() for x in (record_rows[0] if record_rows else ())]
    return tuple(head[: len(RECORD_HEADER)]) == RECORD_HEADER


def cut_note(text: str, marker: str = NOTE_MARKER) -> str | None:
    """A user's note with ours (from the marker on) cut off; None when ours is not in it."""
    if marker not in text:
        return None
    return text[: text.index(marker)].rstrip("\r\n")


# A font size code at the end of a footer part's text: "&" and digits, unless the "&" is the second of
# "&&" (a literal ampersand, then the digits); openpyxl writes a space after it ("&8 ")
_SIZE_AT_END = re.compile(r"(?:^|[^&])(?:&&)*(&[0-9]+ ?)\Z")
# header/footer codes that print nothing themselves: font, size, colour (RGB or theme), the toggles
# (bold, italic, underline, double underline, strikethrough, superscript, subscript, outline, shadow);
# "&&" (a literal ampersand) is matched so that its second "&" never starts a code
_FORMAT_CODES = re.compile(r'&&|&"[^"]*"|&[0-9]+|&K[0-9A-Fa-f]{6}|&K[0-9]{2}[+-][0-9]{3}|&[BIUESXYOH]')
_BLANK = re.compile(r"[ \t\r\n\u00a0\u3000]*")  # prints nothing


def footer_without_key(left: str, key: str = MARK_KEY) -> str | None:
    """The left part of a footer (Excel's ``PageSetup.LeftFooter``: no "&L") with every ``key`` taken
    out, with the font size code right before it (kept where the user typed text after the key: it
    sizes theirs too, a space put between where their text starts with a digit, so that "&8" and "2020年"
    do not become the size "&82020"); None when the key is not in it. What the user typed around the
    key stays as it was; where nothing printable is left (only codes such as "&8" or a font name, or
    blanks) the part is "" again. The one home of this rule: the annotated copy's own clear
    (:func:`xlperf.writers.xlsxparts.footer_without_key_parts`), the Excel ribbon and, through the
    service, the WPS add-in all use it."""
    if not key or key not in left:
        return None
    kept = left
    while key in kept:
        at = kept.index(key)
        before, after = kept[:at], kept[at + len(key) :]
        size = _SIZE_AT_END.search(before)
        if size and _prints_nothing(after.replace(key, "")):
            before = before[: size.start(1)]  # the size was ours: nothing of theirs follows
        elif size and not size.group(1).endswith(" ") and after[:1] in _DIGITS:
            before += " "  # their text starts with a digit: it must not lengthen the size code
        kept = before + after
    return "" if _prints_nothing(kept) else kept


_DIGITS = frozenset("0123456789")


def _prints_nothing(part: str) -> bool:
    return _BLANK.fullmatch(_FORMAT_CODES.sub(lambda m: "&" if m.group(0) == "&&" else "", part)) is not None


def footer_key_message(sheets: Sequence[str]) -> str:
    """What the ribbons say where the colours' key could not be taken out of a sheet's footer (the page
    setup could not be read or written: on a PC without a printer Excel cannot)."""
    return (
        f"以下工作表页脚左侧的标色说明未能去掉（读不到页面设置，多因这台电脑未安装打印机）：{'、'.join(sheets)}。"
        "可在“页面设置 → 页眉/页脚”中把它删去。"
    )


def appended_note(theirs: str, ours: str) -> str:
    """Ours after the user's note: a new line, then our note (which starts with the marker)."""
    return f"{theirs}\n{ours}" if theirs else ours
