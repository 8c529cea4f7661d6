"""Issue 8's semantics, one by one: rows in use, kind from the values,
T = 0, compound units, the grade of the capped total, amounts, the template's computed cells, and which
sheets are projects."""

from __future__ import annotations

import json
import zipfile

import pytest

from xlperf import presets
from xlperf.core import labels as L
from xlperf.core.engine import validate
from xlperf.core.evaluate import TOTALS, evaluate
from xlperf.core.grid import Grid
from xlperf.core.model import BLANK_FORM, NOT_A_FORM
from xlperf.core.parser import is_project_sheet, no_projects_reason, parse_workbook
from xlperf.core.results_table import file_dict
from xlperf.core.scoring import kind_of, score_positive, score_reverse, suggest
from xlperf.core.values import NUMBER, UNREADABLE, parse, parse_amount
from xlperf.layouts import shipped

from factory import FIRST_IND, HEAD, NATIONAL_LIKE, blank_form_rows, clean_rows, set_ind, workbook, write_xlsx

LAYOUTS = shipped()

SHAANXI = presets.load("shaanxi")


def _pr(rows, preset=NATIONAL_LIKE, formulas=()):
    wb = parse_workbook("t.xlsx", [Grid("自评表1", rows, formulas=frozenset(formulas))], layouts=LAYOUTS)
    return evaluate(wb.projects[0], preset)


def _rules(rows, preset=NATIONAL_LIKE, formulas=()):
    wb = parse_workbook("t.xlsx", [Grid("自评表1", rows, formulas=frozenset(formulas))], layouts=LAYOUTS)
    return sorted((f.rule, f.cell) for f in validate(wb, preset).findings)


# --- §1 rows in use ---------------------------------------------------------------------------------


def test_prefilled_rows_are_not_indicators_and_weights_come_from_rows_in_use():
    rows = clean_rows()
    # two 产出 rows left as the template made them (二级, 类型, 分值 10), the other two worth 20
    for i in (2, 3):
        for col in ("三级指标", "预期指标值", "实际完成值", "自评得分"):
            set_ind(rows, i, col, None)
    for i in (0, 1):
        set_ind(rows, i, "分值", 20)
        set_ind(rows, i, "自评得分", 20)
    pr = _pr(rows)
    assert [r.indicator.row for r in pr.indicators] == [15, 16, 19, 20, 21, 22, 23, 24]
    assert pr.section_weights["output"] == 40
    assert _rules(rows) == []


def test_a_typed_placeholder_puts_a_row_in_use():
    rows = clean_rows()
    for col in ("三级指标", "预期指标值", "实际完成值", "自评得分"):
        set_ind(rows, 2, col, None)
    set_ind(rows, 2, "实际完成值", "/")
    rows[-1][7] = 90
    pr = _pr(rows)
    assert 17 in [r.indicator.row for r in pr.indicators]
    assert ("XP008", "E17") in _rules(rows)


def test_blank_weights_split_over_rows_in_use_only():
    rows = clean_rows()
    for i in range(10):
        set_ind(rows, i, "分值", None)
    rows[-1][6] = None
    for col in ("三级指标", "预期指标值", "实际完成值", "自评得分"):
        set_ind(rows, 3, col, None)  # 成本 not in use: 产出's 40 over three rows
    pr = _pr(rows)
    assert [r.weight for r in pr.indicators[:3]] == pytest.approx([40 / 3] * 3)


# --- §2 kind from the values ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "target", "actual", "want"),
    [
        ("定性", "≤5", "3", ("定性", True)),  # (a) a written 定性 wins
        ("正向", "达成", "部分达成", ("定性", False)),  # (b) a level word in A
        ("反向", "≤5", "基本完成", ("定性", False)),  # (b) beats a comparator and a written kind
        ("正向", "≤500元", "480元", ("反向", False)),  # (c) ≤ in T
        ("正向", "不超过5", "3", ("反向", False)),
        ("正向", "＝0", "0", ("等于", False)),
        ("反向", "≥95%", "98%", ("正向", False)),
        ("反向", ">90%", "98%", ("正向", False)),
        ("反向", "≤5", "3", ("反向", True)),  # written and comparator agree
        ("等于", "5", "5", ("等于", True)),  # (d) the written kind
        (None, "5", "5", ("正向", False)),  # (e) 正向
        (None, "按时", "按时", ("正向", False)),  # texts that are not level words do not make 定性
    ],
)
def test_kind_from_the_values(kind, target, actual, want):
    v = [parse(x, expect_text=True) for x in (kind, target, actual)]
    assert kind_of(*v) == want


# --- §3 T = 0 ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["正向", "反向", "等于"])
def test_zero_target_scores_full_at_zero_and_nothing_above(kind):
    t = parse("0起", expect_text=True)
    assert suggest(kind, t, parse("0起", expect_text=True), 10, NATIONAL_LIKE).point == 10
    assert suggest(kind, t, parse("2起", expect_text=True), 10, NATIONAL_LIKE).point == 0
    assert suggest(kind, t, parse(-1), 10, NATIONAL_LIKE).point == 10


def test_negative_targets_keep_the_old_rules():
    assert score_positive(-2, -1, 10) == 10 and score_positive(-2, -3, 10) == 0
    assert score_reverse(-2, -3, 10) == 10 and score_reverse(-2, -1, 10) == 0


# --- §4 compound units ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "number", "unit", "cmp"),
    [
        ("≤1200元/平方米", 1200, "元/平方米", "<="),
        ("1150元/平方米", 1150, "元/平方米", None),
        ("25元/人", 25, "元/人", None),
        ("3人/次", 3, "人/次", None),
        ("2万元/个", 2, "万元/个", None),
        ("150元/人·天", 150, "元/人·天", None),
        ("150元/人・天", 150, "元/人·天", None),  # katakana middle dot, as some IMEs type it
        ("150 元 / 人 · 天", 150, "元/人·天", None),
        ("4次/年", 4, "次/年", None),
        ("≥4次/年", 4, "次/年", ">="),
        ("60km/h", 60, "km/h", None),
        ("1200元/平方米以下", 1200, "元/平方米", "<="),
        ("１２００元／平方米", 1200, "元/平方米", None),  # full width
        ("100m²", 100, "m2", None),
        ("5kg", 5, "kg", None),
        ("1e5", 100000, "", None),
    ],
)
def test_compound_units_are_numbers_with_a_unit(raw, number, unit, cmp):
    v = parse(raw)
    assert (v.kind, v.number, v.unit, v.comparator) == (NUMBER, pytest.approx(number), unit, cmp)


def test_compound_units_compare_within_one_unit_and_are_not_converted():
    t, a = parse("≤1200元/平方米"), parse("1150元/平方米")
    assert suggest("反向", t, a, 10, NATIONAL_LIKE).point == 10
    assert suggest("反向", t, parse("1800元/平方米"), 10, NATIONAL_LIKE).point == pytest.approx(5)
    assert suggest("反向", t, parse("0.115万元/平方米"), 10, NATIONAL_LIKE) is None  # another unit


@pytest.mark.parametrize("raw", ["1e999", "元/平方米", "约1200元/平方米", "1200元/"])
def test_not_numbers(raw):
    assert parse(raw).kind == UNREADABLE


# --- §5 grade of the capped total -----------------------------------------------------------------


def _low_execution(rows, e=5.6):
    rows[6][6] = e
    rows[7][6] = e - 2
    rows[6][7] = e / 10
    set_ind(rows, 4, "实际完成值", f"{e * 10:g}%")
    set_ind(rows, 4, "自评得分", e)
    set_ind(rows, 4, "偏差原因分析及改进措施", "原因")
    rows[-1][7] = 90 + e
    return rows


def test_grade_follows_the_capped_total_and_json_has_both():
    rows = _low_execution(clean_rows())
    pr = _pr(rows, SHAANXI)
    assert (pr.total_recomputed, pr.total_capped, pr.grade, pr.cap.max) == (95.6, 69, "中", 69)
    assert pr.capped
    v = validate(workbook(rows), SHAANXI)
    d = json.loads(json.dumps(file_dict(v), ensure_ascii=False))
    p = d["projects"][0]
    assert (p["total_reported"], p["total_recomputed"], p["total_capped"], p["grade"]) == (
        95.6,
        95.6,
        69,
        "中",
    )
    assert p["cap"] == {"rate_below": 0.6, "max": 69}
    assert set(d["totals"]) == {t.key for t in TOTALS} | {"grade"}
    assert d["totals"]["total_capped"]["name"] == "核定总分"
    assert "核定总分" in d["totals"]["grade"]["definition"]


def test_no_cap_leaves_the_total():
    pr = _pr(clean_rows(), SHAANXI)
    assert (pr.total_capped, pr.grade, pr.cap, pr.capped) == (100, "优", None, False)
    assert _pr(_low_execution(clean_rows()), presets.load("national")).total_capped == 95.6


# --- §6 amounts ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "number"),
    [("320.5万元", 320.5), ("320.5万", 320.5), ("3,205,000元", 320.5), ("0.03205亿元", 320.5), (320.5, 320.5),
     ("320.5", 320.5), ("-3", -3)],
)  # fmt: skip
def test_amounts_in_wan_yuan(raw, number):
    assert parse_amount(raw).number == pytest.approx(number)


@pytest.mark.parametrize("raw", ["12000人", "50%", "约两万", "3次/年", "2万元/个"])
def test_not_amounts(raw):
    assert parse_amount(raw).kind == UNREADABLE


def test_amounts_typed_with_units_give_the_rate():
    rows = clean_rows()
    rows[6][2], rows[6][4], rows[6][6] = "10万元", "100,000元", "10万"
    assert _pr(rows).rate == 1.0
    assert _rules(rows) == []


# --- §7 the template's computed cells ----------------------------------------------------------------

PROGRESS, BUDGET_A, TOTAL_S = (6, 7), (FIRST_IND + 4, 5), (24, 7)


def _script_saved(rows, cells):
    """A grid as a script-saved file gives it: formula cells without results."""
    for r, c in cells:
        rows[r][c] = None
    return rows


def test_computed_cells_without_results_are_computed():
    cells = [PROGRESS, BUDGET_A, TOTAL_S]
    rows = _script_saved(clean_rows(), cells)
    pr = _pr(rows, formulas=cells)
    p = pr.project
    assert (p.progress.number, p.progress.value.percent, p.progress.formula) == (1.0, True, True)
    assert p.indicators[4].actual.number == 1.0 and p.total.number == 100
    assert _rules(rows, formulas=cells) == []


def test_computed_cells_take_pythons_value_not_the_cached_one():
    """An office suite's cached result that differs from Python (an older template, another reading of an
    amount) does not change the findings: both saves must agree."""
    cells = [PROGRESS, BUDGET_A, TOTAL_S]
    rows = clean_rows()
    rows[6][7], rows[FIRST_IND + 4][5], rows[24][7] = 0.5, "见校验", 77
    assert _rules(rows, formulas=cells) == []
    assert _pr(rows, formulas=cells).project.total.number == 100


def test_a_number_typed_over_a_formula_is_a_typed_value():
    rows = clean_rows()
    rows[6][7] = 0.5  # typed: no formula
    assert ("XP001", "H7") in _rules(rows)


def test_a_total_of_parts_that_is_a_formula_is_their_sum():
    rows = _script_saved(clean_rows(), [(6, 2)])
    pr = _pr(rows, formulas=[(6, 2)])
    assert pr.project.budget.total.number == 10 and pr.rate == 1.0


def test_progress_formula_with_a_rate_above_one_reads_as_percent():
    rows = clean_rows()
    rows[6][4], rows[6][6], rows[8][4], rows[8][6] = 16, 16, 8, 8
    rows[6][7] = 1.6  # cached 160 %
    pr = _pr(rows, formulas=[PROGRESS])
    assert pr.project.progress.value.text == "160%"
    assert ("XP001", "H7") not in _rules(rows, formulas=[PROGRESS])


# --- which sheets are projects ---------------------------------------------------------------------------


def test_explanation_sheet_is_not_a_project():
    g = Grid(
        "填报说明", [["填报说明"], ["一级指标", "产出、效益"], ["三级指标", "可量化"], ["项目名称", "全称"]]
    )
    assert not is_project_sheet(g, LAYOUTS)
    wb = parse_workbook("t.xlsx", [g, Grid("自评表1", clean_rows())], layouts=LAYOUTS)
    assert [p.sheet for p in wb.projects] == ["自评表1"]
    assert [(n.sheet, n.reason, n.label) for n in wb.notes] == [("填报说明", NOT_A_FORM, "一级指标")]


def test_a_header_row_makes_a_project_sheet_whatever_its_name():
    head = [list(HEAD)]
    for name in (L.RESULT_SHEET, L.SUMMARY_SHEET, "随便"):
        assert is_project_sheet(Grid(name, head), LAYOUTS)
    assert not is_project_sheet(Grid(L.META_SHEET, head), LAYOUTS)


def test_hidden_project_sheets_are_projects():
    wb = parse_workbook("t.xlsx", [Grid("自评表1", clean_rows(), "veryhidden")], layouts=LAYOUTS)
    assert [(p.sheet, p.hidden) for p in wb.projects] == [("自评表1", "veryhidden")]


def test_template_sheets_and_unrelated_sheets_are_not_noted():
    summary = Grid(
        L.SUMMARY_SHEET, [["项目汇总"], ["序号", "工作表", "项目名称", "预算数", "执行数", "总分", "等级"]]
    )
    unit = Grid(L.UNIT_SHEET, [["单位信息"], ["单位名称", "某局"]])
    other = Grid("备注", [["今年项目较多"]])
    wb = parse_workbook("t.xlsx", [unit, summary, other, Grid("自评表1", clean_rows())], layouts=LAYOUTS)
    assert wb.notes == () and len(wb.projects) == 1


def test_blank_forms_with_the_unit_prefilled_are_not_projects():
    rows = blank_form_rows()
    rows[3][7] = "某某局"  # xlperf template --unit fills 实施（主管）单位
    wb = parse_workbook("t.xlsx", [Grid("自评表1", rows)], layouts=LAYOUTS)
    assert wb.projects == () and [(n.sheet, n.reason) for n in wb.notes] == [("自评表1", BLANK_FORM)]
    assert no_projects_reason(wb) == "工作簿中的自评表（“自评表1”）均未填写任何内容，没有可校验的项目"
    rows[3][1] = "某项目"
    assert len(parse_workbook("t.xlsx", [Grid("自评表1", rows)], layouts=LAYOUTS).projects) == 1


def test_no_projects_reason_without_forms():
    wb = parse_workbook("t.xlsx", [Grid("备注", [["x"]])], layouts=LAYOUTS)
    assert no_projects_reason(wb).startswith("工作簿中没有找到项目支出绩效自评表")
    blank = [Grid(f"自评表{i}", blank_form_rows()) for i in range(1, 6)]
    assert no_projects_reason(parse_workbook("t.xlsx", blank, layouts=LAYOUTS)) == (
        "工作簿中的自评表（“自评表1”、“自评表2”、“自评表3”等）均未填写任何内容，没有可校验的项目"
    )


def test_indicator_head_needs_the_header_row():
    rows = clean_rows()
    rows.insert(12, ["一级指标", "说明：按评分方案"])  # an explanation line above the table
    p = parse_workbook("t.xlsx", [Grid("自评表1", rows)], layouts=LAYOUTS).projects[0]
    assert len(p.indicators) == 10 and p.missing == ()


# --- the sources: which cells hold formulas ------------------------------------------------------------


def _formula_book(tmp_path, name="f.xlsx"):
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "自评表1"
    ws["A1"], ws["B2"], ws["C3"] = 1, "=A1*2", "text"
    ws["D4"] = '=IF(A1="","",A1)'
    wb.create_sheet("二")["AA10"] = "=SUM(1,2)"
    path = tmp_path / name
    wb.save(path)
    return path


def test_formula_cells_are_found_for_both_engines(tmp_path):
    from xlperf.sources import read_grids
    from xlperf.sources.xlsx import formula_cells

    path = _formula_book(tmp_path)
    assert formula_cells(path) == {"自评表1": frozenset({(1, 1), (3, 3)}), "二": frozenset({(9, 26)})}
    for engine in ("calamine", "openpyxl"):
        grids = {g.name: g for g in read_grids(path, engine)}
        assert grids["自评表1"].formulas == {(1, 1), (3, 3)} and grids["二"].formulas == {(9, 26)}


def _rewrite(path, fn):
    out = path.with_name("re_" + path.name)
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(out, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename.startswith("xl/worksheets/sheet"):
                data = fn(data)
            zout.writestr(item, data)
    return out


def test_formula_cells_with_a_namespace_prefix_and_without_cell_refs(tmp_path):
    import re

    from xlperf.sources.xlsx import formula_cells

    path = _formula_book(tmp_path)

    def prefixed(xml: bytes) -> bytes:
        xml = xml.replace(b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"',
                          b'xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"')  # fmt: skip
        return re.sub(rb"<(/?)(?!\?)([A-Za-z])", rb"<\1x:\2", xml)

    assert formula_cells(_rewrite(path, prefixed))["自评表1"] == {(1, 1), (3, 3)}
    no_refs = _rewrite(path, lambda xml: re.sub(rb' r="[A-Z]+\d+"', b"", xml))
    # without r attributes cells count from A1 in document order: B2's row has only that cell -> (1, 0)
    assert formula_cells(no_refs)["自评表1"] == {(1, 0), (3, 0)}


def test_formula_cells_of_files_that_are_not_xlsx(tmp_path):
    from xlperf.sources.xlsx import formula_cells

    (tmp_path / "x.ods").write_bytes(b"not a zip")
    assert formula_cells(tmp_path / "x.ods") == {}
    z = tmp_path / "y.xlsx"
    with zipfile.ZipFile(z, "w") as f:
        f.writestr("content.xml", "<x/>")
    assert formula_cells(z) == {}


def test_script_saved_template_reads_like_the_office_saved_one(tmp_path):
    """The whole chain on a real template: typed by openpyxl (as another system would write it), no cached
    results anywhere, and nothing is reported as blank that the template computes."""
    import openpyxl

    from xlperf.api import validate_file
    from xlperf.writers.template import UnitData, save_template

    path = save_template(tmp_path / "t.xlsx", SHAANXI, projects=1, unit=UnitData(name="某局", year="2020"))
    wb = openpyxl.load_workbook(path)
    ws = wb["自评表1"]
    ws["B4"] = "测试项目"
    for addr, v in (("D8", 10), ("F8", 10), ("H8", 10), ("D9", 10), ("F9", 10), ("H9", 10)):
        ws[addr] = v
    for r, name in zip(range(19, 29), "ABCDEFGHIJ", strict=True):
        if r != 23:  # the 预算执行率 row: pre-filled, its 实际完成值 the template's formula
            ws[f"C{r}"], ws[f"D{r}"], ws[f"E{r}"], ws[f"F{r}"], ws[f"G{r}"] = (
                f"指标{name}",
                "≥",
                100,
                "%",
                100,
            )
        ws[f"I{r}"] = 10
    wb.save(path)
    v = validate_file(path)
    assert [(f.rule, f.cell) for f in v.findings] == []
    assert v.projects[0].total_reported == 100 and v.projects[0].rate == 1.0
    assert v.projects[0].project.layout == "template"


def test_a_user_formula_in_an_input_cell_is_not_blank(tmp_path):
    rows = clean_rows()
    write_xlsx(tmp_path / "u.xlsx", rows)
    import openpyxl

    from xlperf.api import validate_file

    wb = openpyxl.load_workbook(tmp_path / "u.xlsx")
    wb["自评表1"]["H15"] = "=5+5"
    wb.save(tmp_path / "u.xlsx")
    v = validate_file(tmp_path / "u.xlsx")
    assert [(f.rule, f.cell, f.found) for f in v.findings if f.rule in ("XP008", "XP015")] == [
        ("XP015", "H15", "公式（无计算结果）")
    ]
