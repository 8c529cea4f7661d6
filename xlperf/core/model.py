"""The form as data: a unit's workbook, its projects, their funds, goals and indicator rows.

Pure data, no I/O. Every field keeps the cell it came from (``Cell.ref``) so every finding can point
at it. The parser (:mod:`xlperf.core.parser`) builds these; the rules, the scoring, the writers read them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

from xlperf.core.labels import readable_name
from xlperf.core.values import Value, parse

_BLANK_VALUE = parse(None)


class Cell(NamedTuple):
    """A field's value and where it is: ``ref`` is an A1 address on the project's sheet, or None when
    the field's place was not found.

    A named tuple rather than a dataclass: the parser makes about 80 per project, and a tuple is the
    cheapest immutable record Python builds."""

    ref: str | None = None
    value: Value = _BLANK_VALUE
    # the cell holds a formula: ``value`` is its cached result, blank when the file has none (saved by
    # a script); :func:`xlperf.core.evaluate.evaluate` computes the template's computed cells then
    formula: bool = False

    @property
    def number(self) -> float | None:
        return self.value.number

    @property
    def text(self) -> str:
        """The raw value as a plain string ('' when blank): for names and free text."""
        return "" if self.value.is_blank else self.value.text


EMPTY = Cell()


class Part(NamedTuple):
    """One 其中 row of a funds block as the form names it ("上年结转资金", "财政专户管理资金")."""

    label: str
    cell: Cell


@dataclass(frozen=True)
class Funds:
    """One column of the funds block: 预算数 / 到位数 / 执行数 with 其中：财政资金 and 其他.

    ``parts`` holds every 其中 row of a form that names them (the national form's 本年财政拨款 / 上年结转资金
    / 其他资金, 四川's 财政资金 / 财政专户管理资金 / 单位资金 / 其他资金); ``fiscal`` and ``other`` are then
    the parts that are 财政资金 and 其他资金 (the template's two rows), and the parts together make the
    total (XP010)."""

    total: Cell = EMPTY
    fiscal: Cell = EMPTY
    other: Cell = EMPTY
    parts: tuple[Part, ...] = ()

    @property
    def breakdown(self) -> tuple[Part, ...]:
        """The 其中 rows that must add up to the total: the named parts, else 财政资金 and 其他."""
        if self.parts:
            return self.parts
        return (Part("财政资金", self.fiscal), Part("其他资金", self.other))


@dataclass(frozen=True)
class Goal:
    """One row of 三、目标完成情况."""

    expected: Cell = EMPTY
    actual: Cell = EMPTY
    rate: Cell = EMPTY
    reason: Cell = EMPTY  # 偏差原因分析及改进措施 (一体化's goals table)


@dataclass(frozen=True)
class Indicator:
    """One row of 四、年度绩效指标完成情况."""

    row: int  # 1-based sheet row
    level1: str  # the 一级 label as written (carried down merged cells), e.g. "产出指标（40）"
    section: str | None  # section key (labels.SECTIONS) or None when the label is unknown
    level2: str
    name: Cell  # 三级指标
    target: Cell  # 预期指标值 T
    actual: Cell  # 实际完成值 A
    score: Cell  # 自评得分 S
    weight: Cell = EMPTY  # 分值 W as written (blank in the seed's form)
    # 指标类型 (正向/反向/等于/定性) or 指标性质/计算符号 (≥ ≤ = 定性) as written, blank when the form has
    # no such column
    kind: Cell = EMPTY
    reason: Cell = EMPTY  # 偏差原因分析及改进措施
    level2_ref: str | None = None  # the 二级指标 cell of this row (where a missing 二级 is typed)
    # 度量单位/计量单位 as written, where the form has the unit in a cell of its own: ``target`` and
    # ``actual`` are then read with it ("100" with "%" is 100 %)
    unit: Cell = EMPTY

    @property
    def is_budget_rate(self) -> bool:
        """The 预算执行率 indicator, scored from the funds block (scoring rule 1)."""
        return self.section == "budget"


@dataclass(frozen=True)
class Section:
    """A 一级 block: its label, its weight (from the label) and the rows under it."""

    key: str | None
    label: str
    ref: str | None
    weight: float | None  # from the label ("产出指标（40）" -> 40); None when the label has none


@dataclass(frozen=True)
class Project:
    """One 项目支出绩效自评表 (one sheet)."""

    sheet: str
    name: Cell = EMPTY
    unit: Cell = EMPTY
    budget: Funds = Funds()  # B
    arrived: Funds = Funds()  # D
    executed: Funds = Funds()  # E
    progress: Cell = EMPTY  # 预算执行进度 as written
    goals: tuple[Goal, ...] = ()
    sections: tuple[Section, ...] = ()
    indicators: tuple[Indicator, ...] = ()
    total: Cell = EMPTY  # 总分 as written
    missing: tuple[str, ...] = ()  # labels the parser could not find on this sheet
    hidden: str = "visible"  # the sheet's state: visible / hidden / veryhidden
    # a Word report's conclusion sentence after the table ("通过自评，得分为96分…"); ref is its location
    conclusion: Cell = EMPTY
    # a Word table's locations (A1 ref -> "表2 第12行 第6列"); None for a worksheet
    locations: dict[str, str] | None = field(default=None, compare=False, repr=False)
    layout: str = ""  # the name of the layout the sheet was read with (xlperf/layouts: "sichuan", …)
    initial: Funds = Funds()  # 年初预算数, where the form has it
    adjustment: Funds = Funds()  # 年度预算调整 (一体化), where the form has it
    department: Cell = EMPTY  # 主管部门, where the form has it
    year: str = ""  # the year the form states ("（2022年度）", "…自评表(2023年度)"), '' when none
    # the indicator table's columns the form has (layout field names: "level1", "kind", "unit", …)
    columns: frozenset[str] = frozenset()
    # text blocks after the table that are not indicators: 评价结论, 存在问题, 改进措施 (label, cell)
    remarks: tuple[Part, ...] = ()

    def locate(self, cell: str | None) -> str | None:
        """Where a cell is as its user finds it: the A1 ref on a sheet, "表2 第12行 第6列" in Word."""
        if cell is None or self.locations is None:
            return cell
        return self.locations.get(cell, cell)

    @property
    def title(self) -> str:
        """The project as a reader names it: its name (an 一体化 code after it), or its sheet."""
        return readable_name(self.name.text) if self.name.text else self.sheet


@dataclass(frozen=True)
class UnitInfo:
    """The 单位信息 sheet (or what can be inferred when a workbook has none)."""

    name: str = ""
    department: str = ""
    year: str = ""
    filler: str = ""
    phone: str = ""
    preset: str = ""  # the preset named in the workbook (its name or title)
    code: str = ""  # the unit's 一体化 code when its name was written with one ("219001-…")


BLANK_FORM = "blank_form"  # a 自评表 with nothing typed into it (a spare sheet of the template)
OTHER_TABLE = "other_table"  # a Word table that is not a 自评表 (a staff list, a summary table)
WORKBOOK_SOURCE = "workbook"
DOCUMENT_SOURCE = "document"  # a Word report: projects are tables (表1, 表2 …), not sheets
NOT_A_FORM = "not_a_form"  # a sheet with the form's words (填报说明) but not its tables


@dataclass(frozen=True)
class SheetNote:
    """A sheet that looks like part of the form but is not read as a project, and why (XP019)."""

    sheet: str
    reason: str  # BLANK_FORM / NOT_A_FORM
    hidden: str = "visible"
    label: str = ""  # NOT_A_FORM: a label of the form found on it, as written


@dataclass(frozen=True)
class Workbook:
    """A unit's workbook as read: the unit, its projects, and the template marker if any."""

    path: str
    unit: UnitInfo
    projects: tuple[Project, ...]
    meta: dict[str, str] = field(default_factory=dict)  # from the hidden _xlperf sheet
    sheets: tuple[str, ...] = ()  # every sheet name, in order
    notes: tuple[SheetNote, ...] = ()  # sheets not read as projects that a user may think are
    source: str = WORKBOOK_SOURCE  # WORKBOOK_SOURCE, or DOCUMENT_SOURCE for a Word report

    @property
    def is_document(self) -> bool:
        return self.source == DOCUMENT_SOURCE
