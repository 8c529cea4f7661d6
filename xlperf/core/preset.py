"""A scoring preset as data: weights, tolerances, caps and grade bands (pure; loading the TOML files
is :mod:`xlperf.presets`). Everything tagged [O*], [P] or [I] in the domain brief lives in a preset."""

from __future__ import annotations

from dataclasses import dataclass, field

from xlperf.core.labels import (
    ALL_SECTIONS,
    SECTION_BENEFIT,
    SECTION_COST,
    SECTION_OUTPUT,
    SECTION_SATISFACTION,
)
from xlperf.errors import PresetError

SEVERITIES = ("error", "warning", "info")


@dataclass(frozen=True)
class Grade:
    name: str
    min: float


@dataclass(frozen=True)
class Cap:
    below: float  # execution rate strictly below this ...
    max: float  # ... caps the total at this


@dataclass(frozen=True)
class Preset:
    """A named scoring scheme. Immutable so one instance can be shared by every worker."""

    name: str
    title: str
    weights: dict[str, float]
    layout: dict[str, tuple[str, ...]]
    score_tolerance: float = 0.5
    rate_tolerance: float = 0.005
    amount_tolerance: float = 0.0001
    overachieve_ratio: float = 1.3
    explain_rate_below: float = 0.9
    qualitative: dict[str, tuple[float, float]] = field(default_factory=dict)
    grades: tuple[Grade, ...] = ()
    caps: tuple[Cap, ...] = ()
    severity: dict[str, str] = field(default_factory=dict)
    source: str = ""
    # [sections]: 一级 sections whose weights a unit splits freely within their sum (四川: 产出/效益/
    # 满意度/成本 within 90), those a form must have (None: 产出/效益/满意度 where weighted), and the
    # section a 成本指标 一级 shares its weight with (财预〔2021〕101号: "output"; '' : none)
    free_sections: frozenset[str] = frozenset()
    required: tuple[str, ...] | None = None
    cost_in: str = ""
    # [alerts]: the 一体化 systems' 自评预警 (XP023). Red: the indicators' score ratio runs ahead of the
    # budget's by more than ``alert_red_lead`` ((指标得分/指标分值 − 预算得分/预算分值)/(指标得分/指标分值));
    # yellow: the budget is 0, or more than ``alert_yellow_unspent`` of it is unspent
    alert_red_lead: float = 0.05
    alert_yellow_unspent: float = 0.2

    @property
    def required_sections(self) -> tuple[str, ...]:
        if self.required is not None:
            return self.required
        core = (SECTION_OUTPUT, SECTION_BENEFIT, SECTION_SATISFACTION)
        return tuple(k for k in core if self.weights.get(k, 0) > 0)

    @property
    def shares_cost(self) -> bool:
        return self.cost_in == SECTION_OUTPUT

    @property
    def total_weight(self) -> float:
        return sum(self.weights.values())

    def row_weight(self, section: str) -> float:
        """The default 分值 of one indicator row: the section weight split evenly over its rows."""
        rows = len(self.layout.get(section, ())) or 1
        return self.weights.get(section, 0.0) / rows

    def grade(self, total: float | None) -> str | None:
        """The grade band of a total (优/良/中/差), or None for no total."""
        if total is None:
            return None
        for g in sorted(self.grades, key=lambda g: -g.min):
            if total >= g.min - 1e-9:
                return g.name
        return self.grades[-1].name if self.grades else None

    def cap_for(self, rate: float | None) -> Cap | None:
        """The strictest cap that applies to an execution rate, or None."""
        if rate is None:
            return None
        applicable = [c for c in self.caps if rate < c.below - 1e-12]
        return min(applicable, key=lambda c: c.max) if applicable else None


_KEYS = {
    "name",
    "title",
    "weights",
    "layout",
    "tolerance",
    "scoring",
    "grades",
    "caps",
    "severity",
    "sections",
    "alerts",
}
_TABLE_KEYS = {
    "tolerance": {"score", "rate", "amount"},
    "scoring": {"overachieve_ratio", "explain_rate_below", "qualitative"},
    "sections": {"free", "required", "cost_in"},
    "alerts": {"red_lead", "yellow_unspent"},
}
_ENTRY_KEYS = {"grades": {"name", "min"}, "caps": {"below", "max"}}


def from_dict(data: dict, source: str = "") -> Preset:
    """Build and check a preset from parsed TOML."""
    unknown_keys = set(data) - _KEYS
    for table, known in _TABLE_KEYS.items():
        unknown_keys |= {f"{table}.{k}" for k in set(data.get(table, {})) - known}
    for table in ("grades", "caps"):
        for entry in data.get(table, []):
            unknown_keys |= {f"{table}.{k}" for k in set(entry) - _ENTRY_KEYS[table]}
    if unknown_keys:
        # a misplaced key (TOML puts a key written after [[grades]] into the last grade) must not be
        # silently ignored: the user meant it to count
        raise PresetError(
            f"评分方案中有无法识别的设置：{'、'.join(sorted(unknown_keys))}（请检查拼写和位置）"
        )
    try:
        weights = {k: float(v) for k, v in data["weights"].items()}
        sections = data.get("sections", {})
        free = [str(x) for x in sections.get("free", [])]
        required = sections.get("required")
        cost_in = str(sections.get("cost_in", ""))
        named = set(weights) | set(free) | set(required or ()) | ({cost_in} - {""})
        unknown = named - set(ALL_SECTIONS)
        if unknown:
            raise PresetError(f"评分方案中有未知的一级指标：{'、'.join(sorted(unknown))}")
        if cost_in and cost_in == SECTION_COST:
            raise PresetError("评分方案中 sections.cost_in 不能是 cost 本身")
        tol = data.get("tolerance", {})
        sc = data.get("scoring", {})
        alerts = data.get("alerts", {})
        severity = {k: str(v) for k, v in data.get("severity", {}).items()}
        bad = [k for k, v in severity.items() if v not in SEVERITIES]
        if bad:
            raise PresetError(f"评分方案中规则严重程度只能是 error/warning/info：{'、'.join(bad)}")
        return Preset(
            name=str(data.get("name", "custom")),
            title=str(data.get("title", data.get("name", "自定义"))),
            weights=weights,
            layout={k: tuple(v) for k, v in data.get("layout", {}).items()},
            score_tolerance=float(tol.get("score", 0.5)),
            rate_tolerance=float(tol.get("rate", 0.005)),
            amount_tolerance=float(tol.get("amount", 0.0001)),
            overachieve_ratio=float(sc.get("overachieve_ratio", 1.3)),
            explain_rate_below=float(sc.get("explain_rate_below", 0.9)),
            qualitative={k: (float(v[0]), float(v[1])) for k, v in sc.get("qualitative", {}).items()},
            grades=tuple(Grade(str(g["name"]), float(g["min"])) for g in data.get("grades", [])),
            caps=tuple(Cap(float(c["below"]), float(c["max"])) for c in data.get("caps", [])),
            severity=severity,
            source=source,
            free_sections=frozenset(free),
            required=None if required is None else tuple(str(x) for x in required),
            cost_in=cost_in,
            alert_red_lead=float(alerts.get("red_lead", 0.05)),
            alert_yellow_unspent=float(alerts.get("yellow_unspent", 0.2)),
        )
    except (KeyError, TypeError, ValueError, IndexError) as exc:
        raise PresetError(f"评分方案内容不完整或类型错误：{exc}") from exc
