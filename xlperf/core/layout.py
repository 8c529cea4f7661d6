"""A form's layout as data: the labels of each field and the blocks a province's form has (pure; the
TOML files and their loader are :mod:`xlperf.layouts`).

Provinces issue their own 项目支出绩效自评表 and the 预算管理一体化 systems export their own grids. They
hold the same fields under other labels (预算数 = 全年预算数 = 调整后预算数 = 调整后的预算; 实际完成值 = 完成值;
分值 = 权重; 偏差原因分析及改进措施 = 未完成原因分析), in one of two kinds of funds block, with or without
the 指标性质/计算符号 and 度量单位 columns. A :class:`Layout` says which: the parser
(:mod:`xlperf.core.parser`) is one function of a grid and a layout, and a new province is a new TOML
file, not new code.

A label in a layout is compared with a cell after :func:`xlperf.core.labels.norm` (全角 to 半角, no
spaces, no trailing colon). It matches a cell that equals it, or that starts with it and goes on with a
bracket or a unit ("全年预算数（A）", "预算执行率%", "得分(分*执行率)"); a label ending in ``*`` matches any
cell starting with the rest ("偏差原因*").
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING

from xlperf.core.labels import CONTINUES, norm
from xlperf.errors import LayoutError

if TYPE_CHECKING:
    from xlperf.core.grid import Grid

Labels = tuple[str, ...]
FUNDS_STYLES = ("labels", "columns")


def matches(text: str, label: str) -> bool:
    """Whether a normalised cell text is this (normalised) label, as the module docstring says."""
    if label.endswith("*"):
        return text.startswith(label[:-1])
    return text == label or (text.startswith(label) and text[len(label)] in CONTINUES)


def first_match(text: str, labels: Labels) -> bool:
    return any(matches(text, lab) for lab in labels)


@dataclass(frozen=True)
class ProjectLabels:
    """基本情况: where the project's name, unit and department are written (the value to the right)."""

    name: Labels = ()
    unit: Labels = ()
    department: Labels = ()


@dataclass(frozen=True)
class FundsLabels:
    """The funds block (预算执行情况).

    ``style = "labels"`` (the seed's 陕西 form and the template): a label 预算数：with its amount to its
    right, the 其中 rows under it in the same column, one block per amount (预算数, 到位数, 执行数), and the
    预算执行进度 column. ``style = "columns"`` (the national, 四川, 一体化 and older forms): a header row of
    columns (年初预算数｜全年预算数｜全年执行数｜分值｜执行率｜得分｜原因) over a total row (年度资金总额, 总额, 合计)
    and its 其中 rows; the block's own 分值/权重 and 得分 are the 预算执行率 indicator."""

    style: str = "labels"
    head: Labels = ()  # labels style: the block's heading (预算安排情况（调整后）), which marks a form
    budget: Labels = ()  # 预算数 / 全年预算数 / 调整后预算数
    arrived: Labels = ()  # 到位数 (a block of its own in the labels style, a column in the template's)
    executed: Labels = ()
    progress: Labels = ()  # labels style: 预算执行进度 (its own column)
    initial: Labels = ()  # columns style: 年初预算数
    adjustment: Labels = ()  # columns style: 年度预算调整
    rate: Labels = ()  # columns style: 执行率
    weight: Labels = ()  # columns style: 分值 / 权重
    score: Labels = ()  # columns style: 得分
    reason: Labels = ()  # columns style: 原因
    total_rows: Labels = ()  # columns style: the total row's label (年度资金总额, 总额, 合计)
    fiscal_rows: Labels = ()  # the 其中 row that is 财政资金 (项目明细's 财政资金)
    other_rows: Labels = ()  # the 其中 row that is 其他资金


@dataclass(frozen=True)
class GoalLabels:
    """目标完成情况: a header row of these columns over one row per goal."""

    expected: Labels = ()
    actual: Labels = ()
    rate: Labels = ()
    reason: Labels = ()


@dataclass(frozen=True)
class IndicatorLabels:
    """年度绩效指标完成情况: the header row's columns; ``total`` labels the row that ends the table and
    holds the 总分; ``end`` labels rows that end it without a total and are not indicators (评价结论,
    项目负责人); ``remarks`` those of them whose text is the form's (评价结论, 存在问题, 改进措施)."""

    level1: Labels = ()
    level2: Labels = ()
    name: Labels = ()  # 三级指标 / 三级指标名称 / 指标名称
    kind: Labels = ()  # 指标类型 (正向/反向…) or 指标性质 / 计算符号 (≥ ≤ = 定性)
    target: Labels = ()
    unit: Labels = ()  # 度量单位 / 计量单位
    actual: Labels = ()
    weight: Labels = ()
    score: Labels = ()
    suggested: Labels = ()  # the template's computed columns: never read as the unit's values
    reason: Labels = ()
    check: Labels = ()
    total: Labels = ()
    end: Labels = ()
    remarks: Labels = ()  # of the ``end`` rows, those whose text is kept (评价结论, 存在问题, 改进措施)


# the indicator table's columns in the order a header row names them (IndicatorLabels' fields)
COLUMNS = ("level1", "level2", "name", "kind", "target", "unit", "actual", "weight", "score", "suggested",
           "reason", "check")  # fmt: skip


@dataclass(frozen=True)
class Layout:
    """One form's layout: how to find it (``detect``) and where each field is (the blocks)."""

    name: str
    title: str
    preset: str = ""  # the scoring preset this form implies ('' : none)
    detect: Labels = ()  # texts that mark this form: the layout with most of them in a sheet reads it
    detect_min: int = 1  # fewer texts found than this: not this form
    required: tuple[str, ...] = ()  # fields whose label missing is XP017: "funds.budget", "indicators.name"
    project: ProjectLabels = ProjectLabels()
    funds: FundsLabels = FundsLabels()
    goals: GoalLabels = GoalLabels()
    indicators: IndicatorLabels = IndicatorLabels()
    source: str = field(default="", compare=False)

    def score(self, grid: Grid) -> int:
        """How many of the layout's marks the grid holds (a whole cell each; a mark ending in * a prefix)."""
        return sum(1 for mark in self.detect if grid_has(grid, mark))

    def label(self, key: str) -> str:
        """The label a user looks for when a required field is missing: "funds.budget" -> "调整后预算数"."""
        block, _, name = key.partition(".")
        labels = getattr(getattr(self, block), name)
        return labels[0].rstrip("*") if labels else key


def grid_has(grid: Grid, mark: str) -> bool:
    """Whether a grid holds a cell matching ``mark`` (:func:`matches`)."""
    return bool(grid.find_label(mark, first=True))


def detect(grid: Grid, layouts: tuple[Layout, ...], default: Layout) -> Layout:
    """The layout of a sheet: the one with most of its marks in the grid (at least its minimum); the
    first listed on a tie; ``default`` when none has enough."""
    best, points = default, 0
    for lay in layouts:
        n = lay.score(grid)
        if n >= lay.detect_min and n > points:
            best, points = lay, n
    return best


# --- from TOML ------------------------------------------------------------------------------------
_BLOCKS = {"project": ProjectLabels, "funds": FundsLabels, "goals": GoalLabels, "indicators": IndicatorLabels}
_TOP = {"name", "title", "preset", "detect", "required", *_BLOCKS}


def _labels(value: object, where: str) -> Labels:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise LayoutError(f"表样定义中“{where}”应为文字列表")
    return tuple(norm(v) if not v.endswith("*") else norm(v[:-1]) + "*" for v in value)


def from_dict(data: dict, source: str = "") -> Layout:
    """Build and check a layout from parsed TOML (every key known, every label a string)."""
    unknown = set(data) - _TOP
    blocks = {}
    for block, cls in _BLOCKS.items():
        table = data.get(block, {})
        if not isinstance(table, dict):
            raise LayoutError(f"表样定义中“{block}”应为表（[{block}]）")
        known = {f.name for f in fields(cls)}
        unknown |= {f"{block}.{k}" for k in set(table) - known}
        kw = {}
        for k, v in table.items():
            if k in known and k != "style":
                kw[k] = _labels(v, f"{block}.{k}")
        if block == "funds":
            style = table.get("style", "labels")
            if style not in FUNDS_STYLES:
                raise LayoutError(f"表样定义中 funds.style 只能是 {'、'.join(FUNDS_STYLES)}")
            kw["style"] = style
        blocks[block] = cls(**kw)
    detect_table = data.get("detect", {})
    if not isinstance(detect_table, dict):
        raise LayoutError("表样定义中“detect”应为表（[detect]）")
    unknown |= {f"detect.{k}" for k in set(detect_table) - {"texts", "min"}}
    if unknown:
        raise LayoutError(f"表样定义中有无法识别的设置：{'、'.join(sorted(unknown))}（请检查拼写和位置）")
    if "name" not in data:
        raise LayoutError("表样定义缺少 name")
    required = tuple(str(x) for x in data.get("required", []))
    for key in required:
        block, _, name = key.partition(".")
        if block not in _BLOCKS or name not in {f.name for f in fields(_BLOCKS[block])}:
            raise LayoutError(f"表样定义 required 中的“{key}”不是已知的栏目")
    try:
        detect_min = int(detect_table.get("min", 1))
    except (TypeError, ValueError) as exc:
        raise LayoutError("表样定义中 detect.min 应为整数") from exc
    return Layout(
        name=str(data["name"]),
        title=str(data.get("title", data["name"])),
        preset=str(data.get("preset", "")),
        detect=_labels(detect_table.get("texts", []), "detect.texts") if detect_table.get("texts") else (),
        detect_min=detect_min,
        required=required,
        source=source,
        **blocks,
    )
