"""Layouts as data (xlperf/layouts/*.toml, xlperf/core/layout.py): every shipped layout loads, is found on
a form written with its own labels, and reads every field of it; a malformed layout file is refused with
a Chinese reason. The forms units really fill, per province, are the corpus of tests/provinces/."""

from __future__ import annotations

import pytest

from xlperf import api, layouts, presets
from xlperf.core import labels as L
from xlperf.core.engine import validate
from xlperf.core.grid import Grid
from xlperf.core.layout import from_dict, matches
from xlperf.core.parser import is_project_sheet, layout_of, parse_workbook
from xlperf.core.scoring import kind_of, qualitative_level, suggest
from xlperf.core.values import parse, with_unit
from xlperf.errors import LayoutError

LAYOUTS = layouts.shipped()


def _plain(label: str) -> str:
    return label.rstrip("*")


def synthetic_form(lay) -> list[list[object]]:
    """A clean one-project form written with the first label of each of the layout's fields: 预算 100,
    执行 100, one 产出 row (≥ 100 %, done, 40 of 40), one 效益 row (达成, 50 of 50), the budget's 10."""
    ind, funds = lay.indicators, lay.funds
    rows: list[list[object]] = [["项目支出绩效自评表（2023年度）"]]
    rows.append([_plain(lay.project.name[0]), "测试项目"])
    rows.append([_plain(lay.project.unit[0]), "219001-测试单位"])
    if funds.style == "labels":
        rows.append([_plain(funds.head[0]) if funds.head else "", None, None, None, None, None,
                     _plain(funds.progress[0]) if funds.progress else None])  # fmt: skip
        rows.append([_plain(funds.budget[0]), 100, _plain(funds.arrived[0]), 100, _plain(funds.executed[0]), 100,
                     "100%"])  # fmt: skip
        rows.append([_plain(funds.fiscal_rows[0]), 100, _plain(funds.fiscal_rows[0]), 100,
                     _plain(funds.fiscal_rows[0]), 100])  # fmt: skip
    else:
        head, total = ["资金（万元）"], [_plain(funds.total_rows[0]) if funds.total_rows else "合计"]
        fiscal = [_plain(funds.fiscal_rows[0])]
        for key, total_value, fiscal_value in (("initial", 100, 100), ("budget", 100, 100),
                                               ("adjustment", 0, 0), ("executed", 100, 100),
                                               ("weight", 10, "/"), ("rate", "100%", "/"), ("score", 10, "/")):  # fmt: skip
            labels = getattr(funds, key)
            if labels:
                head.append(_plain(labels[0]))
                total.append(total_value)
                fiscal.append(fiscal_value)
        rows += [head, total, fiscal]
    cols = [k for k in ("level1", "level2", "name", "kind", "target", "unit", "actual", "weight", "score", "reason")
            if getattr(ind, k)]  # fmt: skip
    rows.append([_plain(getattr(ind, k)[0]) for k in cols])
    values = {
        "output": {"level1": "产出指标", "level2": "数量指标", "name": "完成率", "kind": "≥", "target": "100",
                   "unit": "%", "actual": "100", "weight": 40, "score": 40},
        "benefit": {"level1": "效益指标", "level2": "社会效益指标", "name": "群众受益", "kind": "定性",
                    "target": "达成", "unit": None, "actual": "达成年度指标", "weight": 50, "score": 50},
    }  # fmt: skip
    if "unit" not in cols:  # sign, value and unit in one cell
        values["output"]["target"] = "≥100%"
        values["output"]["actual"] = "100%"
    for row in values.values():
        rows.append([row.get(k) for k in cols])
    if ind.total:
        total_row = [None] * len(cols)
        total_row[0] = _plain(ind.total[0])
        total_row[cols.index("score")] = 100
        rows.append(total_row)
    return rows


@pytest.mark.parametrize("lay", LAYOUTS, ids=[x.name for x in LAYOUTS])
def test_each_layout_reads_a_form_written_with_its_own_labels(lay):
    grid = Grid.from_rows("表1", synthetic_form(lay))
    assert layout_of(grid, LAYOUTS).name == lay.name
    assert is_project_sheet(grid, LAYOUTS)
    wb = parse_workbook("x.xlsx", [grid], layouts=LAYOUTS)
    (p,) = wb.projects
    assert p.layout == lay.name and p.missing == ()
    assert (p.name.text, p.budget.total.number, p.executed.total.number) == ("测试项目", 100, 100)
    assert wb.unit.name == "测试单位" and wb.unit.code == "219001" and wb.unit.year == "2023"
    names = [i.name.text for i in p.indicators]
    assert names[-2:] == ["完成率", "群众受益"]
    assert p.indicators[-2].target.value.number == 1.0 and p.indicators[-2].actual.value.number == 1.0
    pr = validate(wb, presets.load("national")).projects[0]
    if lay.indicators.total:
        assert pr.total_reported == 100
    assert pr.rate == 1.0


def test_every_layout_has_marks_a_preset_and_known_fields():
    assert {x.name for x in LAYOUTS} >= {"shaanxi", "national", "sichuan", "yitihua", "hubei"}
    assert LAYOUTS[0].name == layouts.DEFAULT
    for lay in LAYOUTS:
        assert lay.detect and lay.title and lay.required
        assert lay.preset == "" or lay.preset in presets.available()


def test_the_sichuan_form_picks_the_sichuan_preset():
    wb = parse_workbook(
        "x.xlsx", [Grid.from_rows("表1", synthetic_form(layouts.load("sichuan")))], layouts=LAYOUTS
    )
    assert api.resolve_preset(wb).name == "sichuan"
    assert api.resolve_preset(wb, "national").name == "national"  # asked for wins


@pytest.mark.parametrize(
    ("text", "label", "ok"),
    [
        ("全年预算数", "全年预算数", True),
        ("全年预算数(A)", "全年预算数", True),
        ("预算执行率%", "预算执行率", True),
        ("得分(分*执行率)", "得分", True),
        ("自评得分", "得分", False),
        ("指标性质", "指标值", False),
        ("年初预算数", "年初预算", False),
        ("偏差原因分析及改进措施", "偏差原因*", True),
        ("其他", "其他资金*", False),
    ],
)
def test_a_label_matches_itself_with_a_bracket_or_unit_after_it(text, label, ok):
    assert matches(text, label) is ok


@pytest.mark.parametrize(
    ("data", "words"),
    [
        ({"name": "x", "indicator": {}}, "indicator"),
        ({"name": "x", "funds": {"style": "rows"}}, "funds.style"),
        ({"name": "x", "required": ["funds.nothing"]}, "funds.nothing"),
        ({"name": "x", "indicators": {"target": [1]}}, "indicators.target"),
        ({"title": "no name"}, "name"),
        ({"name": "x", "detect": {"min": "two"}}, "detect.min"),
    ],
)
def test_a_malformed_layout_is_refused_in_chinese(data, words):
    with pytest.raises(LayoutError) as e:
        from_dict(data)
    assert words in str(e.value) and "表样" in str(e.value)


def test_unknown_layout_name():
    with pytest.raises(LayoutError, match="找不到表样“广东”"):
        layouts.load("广东")


# --- values in structured cells ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("target", "actual", "unit", "want"),
    [
        (100, 98, "%", (1.0, 0.98, "%")),
        ("100", "98", "%", (1.0, 0.98, "%")),
        (100, 0.98, "%", (1.0, 0.98, "%")),  # 98 % typed into a cell Calc formats as %: a fraction
        (95, 1.0, "%", (0.95, 1.0, "%")),  # 100 % typed so, against a target in points
        (0.5, 0.3, "%", (0.005, 0.003, "%")),  # both small: points (0.5 % of errors)
        (30, 35, "万元", (30, 35, "万元")),
        (3000, 3500, "元", (0.3, 0.35, "万元")),
        (200, "210", "户", (200, 210, "户")),
        (100, "98%", "%", (1.0, 0.98, "%")),  # a unit typed with the value wins
        (100, 98, "百分比", (1.0, 0.98, "%")),
        (100, 98, None, (100, 98, "")),
        (100, 98, "/", (100, 98, "")),
    ],
)
def test_values_are_read_with_the_unit_of_their_own_cell(target, actual, unit, want):
    t, a = with_unit(parse(target, expect_text=True), parse(actual, expect_text=True), unit)
    assert (pytest.approx(t.number), pytest.approx(a.number), t.unit) == want
    assert a.unit == want[2]


@pytest.mark.parametrize(
    ("sign", "target", "actual", "unit", "kind", "score"),
    [
        ("≥", 100, 90, "%", "正向", 9),
        ("≤", 30, 35, "万元", "反向", 8.333333),  # 10 × (1 − 5/30)
        ("=", 100, 100, "%", "等于", 10),
        ("<", 5, 6, "%", "反向", 8),  # a "<5%" target is reverse: the comparator table pinned
        (">", 5, 4, "%", "正向", 8),
        ("定性", "效果明显", "部分达成年度指标并具有一定效果", None, "定性", 8),
    ],
)
def test_the_sign_cell_decides_the_scoring_rule(sign, target, actual, unit, kind, score):
    t, a = with_unit(parse(target, expect_text=True), parse(actual, expect_text=True), unit)
    k, written = kind_of(parse(sign, expect_text=True), t, a)
    assert (k, written) == (kind, True)
    assert suggest(k, t, a, 10, presets.load("national")).point == pytest.approx(score)


@pytest.mark.parametrize(
    ("text", "level"),
    [
        ("达成预期指标", "达成"),
        ("达成年度指标", "达成"),
        ("部分达成预期指标并具有一定效果", "部分达成"),
        ("部分达成年度指标并具有一定效果", "部分达成"),
        ("未达成预期指标且效果较差", "未达成"),
        ("未达成年度指标且效果较差", "未达成"),
        ("基本达成", "部分达成"),
        ("达成率95%", None),
        ("效果明显", None),
    ],
)
def test_official_qualitative_wordings(text, level):
    assert qualitative_level(parse(text, expect_text=True)) == level


@pytest.mark.parametrize(
    ("text", "code", "name"),
    [
        ("219001-池州市贵池区棠溪镇人民政府", "219001", "池州市贵池区棠溪镇人民政府"),
        ("51000021R000000019951-工资性支出", "51000021R000000019951", "工资性支出"),
        ("[219] 池州市", "219", "池州市"),
        ("2020年度培训", "", "2020年度培训"),
        ("长安区委编办", "", "长安区委编办"),
        ("12345-678", "", "12345-678"),  # no name after the code: a number, kept
    ],
)
def test_codes_before_names(text, code, name):
    assert L.split_code(text) == (code, name)


@pytest.mark.parametrize(
    ("text", "year"),
    [("（2022年度）", "2022"), ("部门预算项目支出绩效自评表(2023年度)", "2023"), ("2021年度", "2021"),
     ("项目支出绩效自评表", ""), ("完成2020年度任务的90%", "")],
)  # fmt: skip
def test_year_of_a_title_or_a_year_line(text, year):
    assert L.year_of(L.norm(text)) == year


# --- presets' sections ------------------------------------------------------------------------------


def _rules(rows, preset):
    wb = parse_workbook("x.xlsx", [Grid.from_rows("表1", rows)], layouts=LAYOUTS)
    return {(f.rule, f.cell) for f in validate(wb, presets.load(preset)).findings}


def test_sichuan_weights_are_free_within_90_and_satisfaction_is_not_required():
    rows = synthetic_form(layouts.load("sichuan"))  # 产出 40 + 效益 50 + 预算 10, no 满意度
    assert _rules(rows, "sichuan") == set()
    assert {rule for rule, _ in _rules(rows, "national")} == {"XP011"}  # the national form wants 满意度


def test_a_cost_section_shares_the_output_weight_in_the_national_preset():
    rows = [
        ["项目名称", "道路养护"],
        ["项目资金（万元）", "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"],
        ["年度资金总额", 10, 10, 10, 10, "100%", 10],
        ["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分"],
        ["产出指标(40分)", "数量指标", "养护里程", "≥30公里", "30公里", 40, 40],
        ["成本指标(10分)", "经济成本指标", "每公里成本", "≤2万元", "2万元", 10, 10],
        ["效益指标(30分)", "社会效益指标", "群众出行", "达成", "达成", 30, 30],
        ["满意度指标(10分)", "满意度指标", "群众满意度", "≥90%", "95%", 10, 10],
        ["总分", None, None, None, None, 100, 100],
    ]
    assert _rules(rows, "national") == set()
    shaanxi = presets.load("shaanxi")
    assert not shaanxi.shares_cost
    assert "XP006" in {rule for rule, _ in _rules(rows, "shaanxi")}
