"""Synthetic unit workbooks in the template's layout, generated fast, with the data kept for checking.

The template builder (:func:`xlperf.writers.template.build_template`) takes about 0.1 s per project
sheet: too slow for a thousand units. So it is run once per project count with a marker string in every
field a unit fills in; each unit's workbook is then that package with the markers' cells replaced by the
unit's values (numbers as numbers, text as inline strings, blanks as blanks). The layout, styles,
formulas and hidden sheets are exactly the template's.

Every generated value is returned as :class:`UnitSpec`, so a test can recompute the consolidation's
totals independently of xlperf's reader.

    python -c "from benchmarks.unitgen import generate; generate(20, '/tmp/units')"
"""

from __future__ import annotations

import random
import re
import zipfile
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from xml.sax.saxutils import escape

from xlperf import presets
from xlperf.core import labels as L

# national weights: 产出 50 over 4 rows, 预算执行率 10, 效益 30 over 4 rows, 满意度 10
ROWS = (
    ("output", "数量指标", "完成工作量", 12.5),
    ("output", "质量指标", "验收合格率", 12.5),
    ("output", "时效指标", "按期完成率", 12.5),
    ("output", "成本指标", "成本控制率", 12.5),
    ("budget", "预算执行率", "预算支出进度执行率", 10.0),
    ("benefit", "经济效益指标", "节约经费", 7.5),
    ("benefit", "社会效益指标", "政策知晓率", 7.5),
    ("benefit", "生态效益指标", "无纸化办公", 7.5),
    ("benefit", "可持续影响指标", "长效机制建立", 7.5),
    ("satisfaction", "满意度指标", "服务对象满意度", 10.0),
)
DEPARTMENTS = ("区财政局", "区教育局", "区卫生健康局", "区民政局", "区农业农村局", "区住建局", "区委办公室")
PROJECT_WORDS = (
    "干部教育培训",
    "信息化运维",
    "公共卫生服务",
    "农村道路养护",
    "社区养老服务",
    "档案数字化",
    "城市绿化管护",
    "政务服务大厅运行",
    "安全生产检查",
    "普法宣传",
)
REASON = "受客观因素影响部分工作延期，下年度加强进度管理"
_MARK = re.compile(r'<c r="([A-Z]+\d+)" s="(\d+)" t="inlineStr"><is><t>QQMK(\d+)QQ</t></is></c>')


@dataclass
class ProjectSpec:
    name: str
    budget: float  # B 预算数
    arrived: float  # D
    executed: float  # E
    fiscal: float  # 预算数其中：财政资金
    scores: list[float]  # 自评得分, one per ROWS entry
    total: float  # 总分 as the unit reports it (sometimes wrong on purpose)

    @property
    def recomputed(self) -> float:
        """Σ 自评得分, as xlperf recomputes it (rounded to 6 places)."""
        return round(sum(self.scores), 6)


@dataclass
class UnitSpec:
    name: str
    department: str
    path: Path
    projects: list[ProjectSpec] = field(default_factory=list)


def _mark(k: int) -> str:
    return f"QQMK{k:05d}QQ"


@dataclass
class _Proto:
    """The template package for one project count: constant members and, per sheet, XML pieces."""

    members: list[tuple[str, bytes | list]]  # name -> bytes, or [piece, (ref, style, key), piece, ...]
    keys: list[str]


@cache
def prototype(n_projects: int) -> _Proto:
    """Build the real template once with a marker in every input field."""
    from xlperf.writers.template import (
        FundsRow,
        IndicatorData,
        ProjectData,
        UnitData,
        build_template,
        workbook_bytes,
    )

    keys: list[str] = []

    def m(key: str) -> str:
        keys.append(key)
        return _mark(len(keys) - 1)

    unit = UnitData(m("unit.name"), m("unit.department"), m("unit.year"), m("unit.filler"), m("unit.phone"))
    data = []
    for p in range(n_projects):
        inds = []
        for i, (sec, l2, name, w) in enumerate(ROWS):
            budget = sec == L.SECTION_BUDGET
            inds.append(
                IndicatorData(
                    sec,
                    l2,
                    name=name,
                    kind="≥",
                    target=100,
                    unit="%",
                    actual=None if budget else m(f"p{p}.a{i}"),  # the 预算执行率 row's: the formula
                    weight=w,
                    score=m(f"p{p}.s{i}"),
                    reason=m(f"p{p}.r{i}"),
                )
            )
        funds = [
            FundsRow("年度资金总额", None, m(f"p{p}.B"), m(f"p{p}.D"), m(f"p{p}.E")),
            FundsRow("其中：当年财政拨款", None, m(f"p{p}.Bf"), m(f"p{p}.Df"), m(f"p{p}.Ef")),
            FundsRow("其他资金", None, m(f"p{p}.Bo"), m(f"p{p}.Do"), m(f"p{p}.Eo")),
        ]
        data.append(
            ProjectData(
                name=m(f"p{p}.name"),
                unit=m(f"p{p}.unit"),
                funds=funds,
                goals=[(m(f"p{p}.goal"), m(f"p{p}.done"), m(f"p{p}.rate"))],
                indicators=inds,
                total=m(f"p{p}.total"),
            )
        )
    raw = workbook_bytes(build_template(presets.load("national"), unit=unit, data=data))
    members: list[tuple[str, bytes | list]] = []
    with zipfile.ZipFile(__import__("io").BytesIO(raw)) as z:
        for info in z.infolist():
            content = z.read(info.filename)
            if info.filename.startswith("xl/worksheets/sheet"):
                text = content.decode("utf-8")
                parts: list = []
                pos = 0
                for mt in _MARK.finditer(text):
                    parts.append(text[pos : mt.start()])
                    parts.append((mt.group(1), mt.group(2), keys[int(mt.group(3))]))
                    pos = mt.end()
                parts.append(text[pos:])
                members.append((info.filename, parts if len(parts) > 1 else content))
            else:
                members.append((info.filename, content))
    return _Proto(members, keys)


def fingerprint() -> str:
    """A short hash of the template the units are made of (its parts, not their zip dates or docProps): a
    cached folder of units made with another template is not reused."""
    import hashlib

    h = hashlib.sha1()
    for name, content in prototype(1).members:
        if name.startswith("docProps/"):
            continue
        h.update(name.encode())
        pieces = content if isinstance(content, list) else [content]
        for p in pieces:
            h.update(p if isinstance(p, bytes) else str(p).encode())
    return h.hexdigest()[:10]


def _cell(ref: str, style: str, value: object) -> str:
    if value is None:
        return f'<c r="{ref}" s="{style}"/>'
    if isinstance(value, (int, float)):
        return f'<c r="{ref}" s="{style}"><v>{value!r}</v></c>'
    return f'<c r="{ref}" s="{style}" t="inlineStr"><is><t>{escape(str(value))}</t></is></c>'


def render(n_projects: int, values: dict[str, object]) -> bytes:
    """The xlsx bytes of one unit: the prototype with ``values`` (by marker key; missing keys: blank)."""
    import io

    proto = prototype(n_projects)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        for name, content in proto.members:
            if isinstance(content, list):
                text = "".join(
                    p if isinstance(p, str) else _cell(p[0], p[1], values.get(p[2])) for p in content
                )
                z.writestr(name, text.encode("utf-8"))
            else:
                z.writestr(name, content)
    return out.getvalue()


def unit_spec(
    i: int, seed: int = 0, evil: bool = False, projects: int | None = None
) -> tuple[UnitSpec, dict[str, object], int]:
    """The data of unit ``i``: its spec, the marker values and the project count (8-12 unless given)."""
    rng = random.Random(seed * 1_000_003 + i)
    n = rng.randint(8, 12)
    n = projects or n
    dept = DEPARTMENTS[i % len(DEPARTMENTS)]
    name = f"测试单位{i:04d}"
    spec = UnitSpec(name, dept, Path())
    vals: dict[str, object] = {
        "unit.name": name,
        "unit.department": dept,
        "unit.year": 2024,
        "unit.filler": "张三",
        "unit.phone": "029-12345678",
    }
    for p in range(n):
        b = round(rng.uniform(5, 500), 2)
        e = round(b * rng.uniform(0.55, 1.0), 2)
        fiscal = round(b * 0.8, 2)
        rate = e / b
        q = rng.uniform(0.45, 1.0)
        scores: list[float] = []
        pname = f"{PROJECT_WORDS[p % len(PROJECT_WORDS)]}项目{p + 1}"
        if evil and p == 0:
            pname = '=HYPERLINK("http://x","点我")'
        vals[f"p{p}.name"] = pname
        vals[f"p{p}.unit"] = name
        for key, v in (("B", b), ("Bf", fiscal), ("Bo", round(b - fiscal, 2))):
            vals[f"p{p}.{key}"] = v
        for key, v in (("D", b), ("Df", fiscal), ("Do", round(b - fiscal, 2))):
            vals[f"p{p}.{key}"] = v
        ef = round(min(e, fiscal), 2)
        for key, v in (("E", e), ("Ef", ef), ("Eo", round(e - ef, 2))):
            vals[f"p{p}.{key}"] = v
        vals[f"p{p}.goal"] = "完成年度工作任务"
        vals[f"p{p}.done"] = "基本完成"
        for i_row, (sec, _l2, _name, w) in enumerate(ROWS):
            if sec == "budget":
                s = round(min(rate, 1.0) * w, 1)
            else:
                frac = min(1.0, max(0.0, q + rng.uniform(-0.1, 0.1)))
                s = round(w * frac, 1)
                vals[f"p{p}.a{i_row}"] = round(100 * s / w, 1)
            vals[f"p{p}.s{i_row}"] = s
            if s < w and rng.random() < 0.9:
                vals[f"p{p}.r{i_row}"] = REASON
            scores.append(s)
        total = round(sum(scores), 1)
        if rng.random() < 0.05:
            total = round(total + 5, 1)  # a unit that added wrong: XP007
        vals[f"p{p}.total"] = total
        spec.projects.append(ProjectSpec(pname, b, b, e, fiscal, scores, total))
    return spec, vals, n


def generate(n_units: int, folder: str | Path, seed: int = 0, evil: bool = False) -> list[UnitSpec]:
    """Write ``n_units`` workbooks into ``folder`` (created) and return their data. Files that exist with
    the same name are kept (the data is deterministic in ``seed``)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    specs = []
    for i in range(n_units):
        spec, vals, n = unit_spec(i, seed, evil)
        spec.path = folder / f"{spec.department}_{spec.name}.xlsx"
        if not spec.path.exists():
            tmp = spec.path.with_suffix(".part")
            tmp.write_bytes(render(n, vals))
            tmp.replace(spec.path)
        specs.append(spec)
    return specs
