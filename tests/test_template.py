"""The template builder: the labels the parser reads (the ``template`` layout), the formula budget (short,
row-local, at most one hidden helper column), protection, validations in Chinese, the names of the
preset's numbers, determinism (committed files equal a rebuild), the ``xlperf template`` command, the
formulas as LibreOffice computes them (rows copied in and deleted), and the printed form."""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

import xlperf
import xlperf.cli
from xlperf import libreoffice, presets, samples
from xlperf.core import labels as L
from xlperf.core.grid import Grid
from xlperf.core.layout import first_match
from xlperf.core.parser import layout_of, parse_workbook
from xlperf.layouts import load, shipped
from xlperf.writers import formulas as F
from xlperf.writers import template as T
from xlperf.writers.template import (
    COL,
    FundsRow,
    IndicatorData,
    ProjectData,
    UnitData,
    build_template,
    project_layouts,
    save_template,
    workbook_bytes,
)

ROOT = Path(__file__).resolve().parents[1]
WORKBOOKS = ROOT / "workbooks"
NATIONAL = presets.load("national")
SHAANXI = presets.load("shaanxi")
LAYOUT = load("template")


@pytest.fixture(scope="module")
def wb() -> openpyxl.Workbook:
    return build_template(
        NATIONAL, projects=2, unit=UnitData(name="测试单位", department="测试局", year="2020")
    )


def _reload(book: openpyxl.Workbook) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(workbook_bytes(book)))


def _grid(ws) -> Grid:
    return Grid(ws.title, [[c.value for c in row] for row in ws.iter_rows()])


# --- labels: what the writer writes is what the template layout reads ---------------------------------


def test_every_label_is_the_template_layouts(wb):
    ws = wb["自评表1"]
    (lay,) = project_layouts(_reload(build_template(NATIONAL, projects=1)))
    text = lambda ref: L.norm(ws[ref].value)  # noqa: E731
    assert first_match(text("A4"), LAYOUT.project.name) and first_match(text("A5"), LAYOUT.project.department)
    assert first_match(text("F5"), LAYOUT.project.unit)
    head = lay.funds_row - 1
    for key, (col, _) in T.FUNDS_COLS.items():
        assert first_match(text(f"{col}{head}"), getattr(LAYOUT.funds, key)), key
    assert first_match(text(f"A{lay.funds_row}"), LAYOUT.funds.total_rows)
    assert first_match(L.norm(T.D_PARTS[0]).removeprefix("其中:"), LAYOUT.funds.fiscal_rows)
    assert first_match(L.norm(T.D_PARTS[-1]), LAYOUT.funds.other_rows)
    goals = lay.goal_rows[0] - 1
    for col, key in (("B", "expected"), ("F", "actual"), ("J", "rate")):
        assert first_match(text(f"{col}{goals}"), getattr(LAYOUT.goals, key)), key
    for key in F.Cols.__dataclass_fields__:
        if key != "helper":
            assert first_match(
                text(f"{getattr(COL, key)}{lay.header_row}"), getattr(LAYOUT.indicators, key)
            ), key
    assert first_match(text(f"A{lay.total_row}"), LAYOUT.indicators.total)
    # the layout found on the sheet is the template's, and no other layout's marks outnumber its own
    assert layout_of(_grid(ws), shipped()).name == "template"
    assert LAYOUT.score(_grid(ws)) == len(LAYOUT.detect)


def test_the_previous_templates_sheets_keep_their_layout():
    """A workbook made with the previous template (the corpus's, typed through LibreOffice) is still read
    with the layout it was made in."""
    import python_calamine

    path = ROOT / "tests" / "corpus" / "previous" / "negative_amounts_shaanxi.office.xlsx"
    book = python_calamine.CalamineWorkbook.from_path(str(path))
    grid = Grid("自评表1", book.get_sheet_by_name("自评表1").to_python())
    assert layout_of(grid, shipped()).name == "shaanxi"


def _read(book: openpyxl.Workbook, tmp_path: Path):
    from xlperf.sources import read_grids

    path = tmp_path / "t.xlsx"
    path.write_bytes(workbook_bytes(book))
    return parse_workbook(str(path), read_grids(path), layouts=shipped())


def test_a_blank_template_parses_as_blank_forms(wb, tmp_path):
    book = _read(wb, tmp_path)
    assert book.projects == () and [n.sheet for n in book.notes] == ["自评表1", "自评表2"]


def test_unit_sheet_labels_and_values(wb):
    ws = wb[L.UNIT_SHEET]
    for i, constant in enumerate(L.UNIT_FIELDS):
        assert L.norm(ws.cell(2 + i, 1).value) == constant
    assert ws["B2"].value == "测试单位"
    assert ws["B4"].value == "2020"
    assert ws["B7"].value == NATIONAL.title
    howto = " ".join(ws.cell(r, 1).value or "" for r in range(9, 9 + len(T.HOWTO)))
    assert "计算符号" in howto and "度量单位" in howto and "见校验" in howto and "插入复制的单元格" in howto


def test_sheet_order_and_states(wb):
    assert wb.sheetnames == [L.UNIT_SHEET, L.SUMMARY_SHEET, "自评表1", "自评表2", L.META_SHEET]
    states = {ws.title: ws.sheet_state for ws in wb.worksheets}
    assert states.pop(L.META_SHEET) == "veryHidden"
    assert set(states.values()) == {"visible"}


def test_indicator_rows_follow_the_preset_layout(wb):
    ws = wb["自评表1"]
    (lay,) = project_layouts(build_template(NATIONAL, projects=1))
    first = lay.first_row
    expected = [(s, n) for s in L.SECTIONS for n in NATIONAL.layout[s]]
    assert [ws.cell(first + i, 2).value for i in range(len(expected))] == [n for _, n in expected]
    # the 一级 label is merged over its section's rows and carries the section weight
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert {f"A{first}:A{first + 3}", f"A{first + 5}:A{first + 8}"} <= merged
    for r, key in (
        (first, "output"),
        (first + 4, "budget"),
        (first + 5, "benefit"),
        (first + 9, "satisfaction"),
    ):
        assert L.section_of(ws[f"A{r}"].value) == key
        assert L.weight_in_label(ws[f"A{r}"].value) == NATIONAL.weights[key]
    # 分值 prefilled with the preset's row weight; no 计算符号 but on the 预算执行率 row (≥ 100 %)
    assert [ws.cell(r, 8).value for r in range(first, first + 10)] == [12.5] * 4 + [10] + [7.5] * 4 + [10]
    assert [ws.cell(r, 4).value for r in range(first, first + 10)] == [None] * 4 + ["≥"] + [None] * 5
    b = first + 4
    assert (ws[f"C{b}"].value, ws[f"E{b}"].value, ws[f"F{b}"].value) == (T.BUDGET_NAME, 100, "%")
    assert ws[f"G{b}"].value == f"=IF(ISNUMBER($J${lay.funds_row}),$J${lay.funds_row}*100,$J${lay.funds_row})"
    assert lay.budget_rows == (b,)


# --- the formula budget ------------------------------------------------------------------------------

_FORMULA = re.compile(r"^=")


def _formulas(ws, row: int) -> dict[str, str]:
    return {c.column_letter: c.value for c in ws[row] if isinstance(c.value, str) and c.value.startswith("=")}


@pytest.mark.parametrize("preset", [NATIONAL, SHAANXI], ids=["national", "shaanxi"])
@pytest.mark.parametrize("style", F.STYLES)
def test_short_formulas_few_per_row_one_hidden_column(preset, style):
    """The issue's budget: each computed cell readable in the formula bar (about 300 characters at most),
    at most 6 formulas an indicator row, one hidden helper column, no fullCalcOnLoad."""
    book = build_template(preset, projects=1, formulas=style)
    ws = book["自评表1"]
    (lay,) = project_layouts(book)
    longest = 0
    for r in range(1, ws.max_row + 1):
        found = _formulas(ws, r)
        if lay.first_row <= r <= lay.last_row:
            assert 3 <= len(found) <= 6, (r, sorted(found))
        longest = max([longest, *map(len, found.values())])
    summary = book[L.SUMMARY_SHEET]
    longest_summary = max(len(c.value) for row in summary.iter_rows() for c in row
                          if isinstance(c.value, str) and c.value.startswith("="))  # fmt: skip
    assert longest <= 315 and longest_summary <= 315, (longest, longest_summary)
    hidden = [k for k, d in ws.column_dimensions.items() if d.hidden]
    assert hidden == [COL.helper]
    assert book.calculation.fullCalcOnLoad is not True
    with zipfile.ZipFile(io.BytesIO(workbook_bytes(book))) as z:
        calc = z.read("xl/workbook.xml")
        assert (
            b"fullCalcOnLoad" not in calc and b'calcId="124519"' in calc
        )  # an old engine: Excel computes on open


_BOUNDED = re.compile(r"\$?([A-Z]{1,3})\$?(\d+):\$?([A-Z]{1,3})\$?(\d+)")
_CELL = re.compile(r"(?<![A-Z$'!])\$?([A-Z]{1,2})\$?(\d+)(?![\d(])")


def test_row_formulas_refer_to_their_row_the_header_and_the_rate_only(wb):
    """What makes rows copied in and deleted work: an indicator row's formulas refer to cells of their own
    row, to the header row (the 一级 label carried down: A$hr:A<row>) and to the funds block's 执行率 cell;
    the totals to ranges from the header row to the row above them (INDEX(…,ROW()-1))."""
    ws = wb["自评表1"]
    (lay,) = project_layouts(build_template(NATIONAL, projects=1))
    hr, rate_row = lay.header_row, lay.funds_row
    for r in range(lay.first_row, lay.last_row + 1):
        for col, f in _formulas(ws, r).items():
            for a, r1, b, r2 in _BOUNDED.findall(f):
                assert (a, b, int(r1), int(r2)) == ("A", "A", hr, r), (col, r, f)
            for c, rr in _CELL.findall(_BOUNDED.sub("", f)):
                assert int(rr) == r or (c, int(rr)) == ("J", rate_row), (col, r, c, rr)
    t = lay.total_row
    for col in ("H", "I", "K"):
        assert f"{col}${hr}:INDEX({col}:{col},ROW()-1)" in ws[f"{col}{t}"].value
    assert "SUMIFS(I$" in ws[f"M{t}"].value  # 复核总分, kept though 总分 may be typed over
    # the same formula in every row but for the row number
    for col in ("K", "L", "M"):
        texts = {re.sub(rf"(?<=[A-Z]){r}\b", "#", ws[f"{col}{r}"].value) for r in range(lay.first_row, lay.last_row + 1)
                 if r not in lay.budget_rows}  # fmt: skip
        assert len(texts) == 1, (col, texts)


def test_the_preset_numbers_are_workbook_names(wb):
    names = {n: wb.defined_names[n].attr_text for n in wb.defined_names}
    assert names["容差"] == "0.5" and names["说明线"] == "0.9"
    assert names["定性得分"] == '{"达成","部分达成","未达成";1,0.8,0.6;0.8,0.6,0}'
    assert names["等级分数线"] == "{0,60,80,90}" and names["等级"] == '{"差","中","良","优"}'
    assert names["计算符号"] == '{"","≥","≤","=","定性"}'
    assert '"／"' in names["占位符"] and '"无"' in names["占位符"] and '""' in names["占位符"]
    assert "封顶总分" not in names  # national: no caps
    shaanxi = build_template(SHAANXI, projects=1)
    caps = {n: shaanxi.defined_names[n].attr_text for n in ("封顶执行率", "封顶总分", "封顶线")}
    assert caps == {"封顶执行率": "{0,0.5,0.6,0.7,0.8}", "封顶总分": "{59,69,79,89,100}", "封顶线": "0.8"}
    assert F.cap_table(SHAANXI) == ([0.0, 0.5, 0.6, 0.7, 0.8], [59, 69, 79, 89, 100])


def test_helper_column_hidden_titled_outside_the_print_area(wb):
    ws = wb["自评表1"]
    (lay,) = project_layouts(build_template(NATIONAL, projects=1))
    assert ws[f"M{lay.header_row}"].value == T.D_HELPER and ws.column_dimensions["M"].hidden
    assert "|" not in T.D_HELPER  # the totals select the rows in use with "*|*"
    assert ws.print_area == f"'自评表1'!$A$1:$J${lay.last_printed}"
    assert ws[f"M{lay.first_row}"].protection.locked


def test_summary_reads_the_sheets_cells(wb):
    summary = wb[L.SUMMARY_SHEET]
    (lay,) = project_layouts(build_template(NATIONAL, projects=1))
    heads = [summary.cell(3, c).value for c in range(1, 15)]
    assert heads == ["序号", "工作表", L.PROJECT_NAME, L.BUDGET, L.ARRIVED, L.EXECUTED, "执行率", "产出得分",
                     "预算执行率得分", "效益得分", "满意度得分", "填报总分", "核定总分", L.GRADE]  # fmt: skip
    f = lay.funds_row
    assert summary["D4"].value == F.number_or_see(f"'自评表1'!D{f}")
    assert summary["F5"].value == F.number_or_see(f"'自评表2'!H{f}")
    assert summary["G4"].value == F.ref_value(f"'自评表1'!J{f}")
    assert summary["H4"].value == F.section_subtotal("'自评表1'", "output")
    assert summary["L4"].value == F.number_or_see(f"'自评表1'!I{lay.total_row}")
    assert summary["N4"].value == F.ref_value(f"'自评表1'!I{lay.grade_row}")


def test_summary_subtotals_look_at_the_forms_rows_not_whole_columns(wb):
    """SUMPRODUCT(COUNTIFS(M:M, {array})) made LibreOffice recalculate five projects in 0.4 s (every row
    of the column, for each criterion); over the form's rows it is 3 ms. A form's rows inserted or
    deleted move the bound with them."""
    summary = wb[L.SUMMARY_SHEET]
    formulas = [c.value for row in summary.iter_rows() for c in row if str(c.value).startswith("=")]
    whole = re.compile(r"(?<![A-Z$])\$?([A-Z]{1,3}):\$?\1(?![0-9$])")
    assert formulas and not [f for f in formulas if whole.search(f)]
    assert any(f"!M1:M{F.SUMMARY_SPAN}" in f for f in formulas)
    assert whole.search("=SUMPRODUCT(COUNTIFS('自评表1'!M:M,\"*产出*\"))")  # the detector


def test_totals_rows():
    book = build_template(SHAANXI, projects=1)
    ws = book["自评表1"]
    (lay,) = project_layouts(book)
    t = lay.total_row
    assert [ws[f"A{r}"].value for r in (t, t + 1, t + 2)] == [L.TOTAL, "核定总分", L.GRADE]
    assert (lay.capped_row, lay.grade_row) == (t + 1, t + 2)
    assert f"MIN(100,M{t}," in ws[f"I{t + 1}"].value and "封顶执行率" in ws[f"I{t + 1}"].value
    assert ws[f"I{t + 2}"].value == f"=IF(ISNUMBER(I{t + 1}),LOOKUP(I{t + 1}+1E-9,等级分数线,等级),I{t + 1})"
    national = build_template(NATIONAL, projects=1)["自评表1"]
    assert "封顶" not in national[f"I{t + 1}"].value and national[f"J{t + 1}"].value is None


def test_layout_follows_the_data(tmp_path):
    rows = [IndicatorData("output", "数量指标", name=f"指标{i}") for i in range(6)]
    rows += [IndicatorData("budget", "预算执行率"), IndicatorData("satisfaction", "满意度指标")]
    funds = [
        FundsRow("年度资金总额", 1, 2, 3, 4),
        *(FundsRow(n, 1) for n in ("财政资金", "财政专户管理资金", "单位资金", "其他资金")),
    ]
    book = build_template(
        SHAANXI, data=[ProjectData(name="项目", funds=funds, indicators=rows, goals=[(1, 2, 3)] * 5)]
    )
    ws = book["自评表1"]
    (lay,) = project_layouts(book)
    assert lay.part_rows == (9, 10, 11, 12) and [ws[f"A{r}"].value for r in lay.part_rows] == [
        "财政资金", "财政专户管理资金", "单位资金", "其他资金"]  # fmt: skip
    assert len(lay.goal_rows) == 5 and lay.last_row - lay.first_row + 1 == 8
    assert f"A{lay.first_row}:A{lay.first_row + 5}" in {str(r) for r in ws.merged_cells.ranges}
    assert (
        f"A${lay.header_row}:A{lay.first_row}" in ws[f"M{lay.first_row}"].value
    )  # the anchor: the header row
    assert (ws["C8"].value, ws["D8"].value, ws["F8"].value, ws["H8"].value) == (1, 2, 3, 4)
    (p,) = _read(book, tmp_path).projects
    assert [x.label for x in p.budget.parts] == ["财政资金", "财政专户管理资金", "单位资金", "其他资金"]
    assert (p.initial.total.number, p.budget.total.number, p.arrived.total.number, p.executed.total.number) == (
        1, 2, 3, 4)  # fmt: skip


def test_filled_down_labels_are_not_merged():
    rows = [IndicatorData("output", "数量指标", name="a"), IndicatorData("output", "质量指标", name="b")]
    book = build_template(NATIONAL, data=[ProjectData(name="项目", indicators=rows, merge_level1=False)])
    ws = book["自评表1"]
    (lay,) = project_layouts(book)
    r = lay.first_row
    assert ws[f"A{r}"].value == ws[f"A{r + 1}"].value
    assert f"A{r}:A{r + 1}" not in {str(m) for m in ws.merged_cells.ranges}


# --- protection, validations, styles ------------------------------------------------------------------


def test_protection_inputs_unlocked_computed_locked(wb):
    ws = wb["自评表1"]
    (lay,) = project_layouts(build_template(NATIONAL, projects=1))
    p = ws.protection
    assert p.sheet and not p.password
    # rows are inserted and deleted with the protection off (填写说明 5, 6): a row inserted under
    # protection would have no formulas; cells, rows and columns may be formatted
    assert p.insertRows is True and p.deleteRows is True and p.formatCells is False and p.formatRows is False
    r, f, t = lay.first_row, lay.funds_row, lay.total_row
    inputs = ["B4", "B5", "H5", f"C{f}", f"D{f}", f"F{f}", f"H{f}", f"A{f + 1}", f"D{f + 1}", f"B{lay.goal_rows[0]}",
              f"J{lay.goal_rows[0]}", *(f"{c}{r}" for c in "ABCDEFGHIJ"), f"I{t}"]  # fmt: skip
    for ref in inputs:
        assert ws[ref].protection.locked is False, ref
        assert ws[ref].fill.fgColor.rgb.endswith("FFF2CC"), ref
    computed = [
        f"J{f}",
        f"K{r}",
        f"L{r}",
        f"H{t}",
        f"K{t}",
        f"L{t}",
        f"I{t + 1}",
        f"I{t + 2}",
        f"G{lay.budget_rows[0]}",
    ]
    for ref in computed:
        assert ws[ref].protection.locked is True, ref
        assert ws[ref].fill.fgColor.rgb.endswith("EDEDED"), ref
    for ref in ("A4", f"A{f}", f"A{lay.header_row}", f"M{r}"):
        assert ws[ref].protection.locked is True, ref
    for name in (L.UNIT_SHEET, L.SUMMARY_SHEET):
        assert wb[name].protection.sheet
    assert wb[L.UNIT_SHEET]["B2"].protection.locked is False
    assert wb[L.UNIT_SHEET]["B7"].protection.locked is True


def test_number_formats_fonts_and_print_setup(wb):
    ws = wb["自评表1"]
    (lay,) = project_layouts(build_template(NATIONAL, projects=1))
    f, r = lay.funds_row, lay.first_row
    assert ws[f"D{f}"].number_format == "0.00" and ws[f"J{f}"].number_format == "0.0%"
    assert ws[f"H{r}"].number_format == "General" and ws[f"K{r}"].number_format == "0.00"
    assert ws["A1"].font.name == "黑体" and ws["A1"].font.size >= 16 and ws[f"C{r}"].font.name == "宋体"
    body = {ws[f"{c}{r}"].font.size for c in "ABCDEFGHIJ"}
    assert body == {10}
    assert ws.page_setup.orientation == "portrait" and int(ws.page_setup.paperSize) == 9
    assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth == 1
    assert ws.page_setup.fitToHeight == 0  # never shrunk to one page: a long form runs on
    assert ws.print_title_rows == f"${lay.header_row}:${lay.header_row}"
    assert sum(T.WIDTHS[c] for c in T.PRINTED) <= 93  # A4 portrait at 100 % (0.45" margins)
    assert wb[L.SUMMARY_SHEET].print_title_rows == "$3:$3"


def test_data_validations_in_chinese(wb):
    ws = _reload(wb)["自评表1"]
    (lay,) = project_layouts(build_template(NATIONAL, projects=1))
    r0, r1 = lay.first_row, lay.last_row
    by_range = {str(dv.sqref): dv for dv in ws.data_validations.dataValidation}
    kind = by_range[f"D{r0}:D{r1}"]
    assert kind.type == "list" and kind.formula1 == '"≥,≤,=,定性"' and kind.errorStyle == "stop"
    target, actual, weight, score = (by_range[f"{c}{r0}:{c}{r1}"] for c in "EGHI")
    assert target.type == actual.type == score.type == "custom"
    assert target.formula1 == f'OR(ISNUMBER(E{r0}),$D{r0}="定性")'
    assert "部分达成" in actual.formula1 and f"$D{r0}" in actual.formula1
    assert weight.type == "decimal" and (weight.formula1, weight.formula2) == ("0.01", "100")
    assert f"I{r0}<=$H{r0}" in score.formula1
    for dv in (kind, target, actual, weight, score):
        assert dv.errorStyle == "stop" and dv.showErrorMessage and re.search(r"[\u4e00-\u9fff]", dv.error)
        assert re.search(r"[\u4e00-\u9fff]", dv.prompt)
    level2 = by_range[f"B{r0}:B{r1}"]
    assert all(n in level2.formula1 for names in L.LEVEL2_NAMES.values() for n in names)
    level1 = by_range[f"A{r0}:A{r1}"]
    assert all(L.level1_label(k, NATIONAL.weights[k]) in level1.formula1 for k in L.SECTIONS)
    amounts = next(dv for dv in by_range.values() if "金额" in (dv.error or ""))
    assert f"D{lay.funds_row}:D{lay.funds_row + 3}" in str(amounts.sqref)


def test_meta_sheet_and_defined_name(wb):
    book = _reload(wb)
    meta = {r[0]: r[1] for r in book[L.META_SHEET].iter_rows(values_only=True)}
    assert meta["template_version"] == xlperf.TEMPLATE_VERSION == "2"
    assert meta["preset"] == "national" and meta["layout"] == "template"
    assert meta["generator"] == f"xlperf {xlperf.__version__}"
    assert book[L.META_SHEET].sheet_state == "veryHidden"
    assert book.defined_names["xlperf_template_version"].attr_text == "'_xlperf'!$B$1"


def test_text_starting_with_equals_is_written_as_text():
    rows = [
        IndicatorData(
            "output", "数量指标", name="=1+1", kind="=", target="=SUM(A1:A3)", actual=">=90%", score=10
        )
    ]
    book = build_template(NATIONAL, data=[ProjectData(name='=HYPERLINK("x")', indicators=rows, total="=96")])
    data = workbook_bytes(book)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        sheet = z.read("xl/worksheets/sheet3.xml").decode()
    formulas_written = set(re.findall(r"<f>(.*?)</f>", sheet))
    assert formulas_written  # the template's own formulas are there ...
    for text in ('HYPERLINK("x")', "1+1", "SUM(A1:A3)", "96"):  # ... the user's "=" texts are not among them
        assert text not in formulas_written and text.replace('"', "&quot;") not in formulas_written
        assert text in sheet or text.replace('"', "&quot;") in sheet
    ws = openpyxl.load_workbook(io.BytesIO(data))["自评表1"]
    (lay,) = project_layouts(openpyxl.load_workbook(io.BytesIO(data)))
    r = lay.first_row
    assert (ws["B4"].value, ws["B4"].data_type) == ('=HYPERLINK("x")', "s")
    assert (ws[f"C{r}"].value, ws[f"C{r}"].data_type) == ("=1+1", "s")
    assert (ws[f"D{r}"].value, ws[f"D{r}"].data_type) == ("=", "s")  # the 计算符号 "=" is text
    assert ws["B4"].quotePrefix and ws[f"I{lay.total_row}"].value == "=96"
    from python_calamine import CalamineWorkbook

    rows_c = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_name("自评表1").to_python()
    assert rows_c[3][1] == '=HYPERLINK("x")' and rows_c[r - 1][2] == "=1+1" and rows_c[r - 1][3] == "="


def test_raw_values_written_as_given():
    rows = [IndicatorData("budget", "预算执行率", kind="≥", target=100, unit="%", actual=None, score=None)]
    p = ProjectData(name="项目", funds=[FundsRow("年度资金总额", None, "2万元", 1.5, None)], indicators=rows)
    book = build_template(NATIONAL, data=[p])
    ws = book["自评表1"]
    (lay,) = project_layouts(book)
    f, r = lay.funds_row, lay.first_row
    assert ws[f"D{f}"].value == "2万元" and ws[f"F{f}"].value == 1.5 and ws[f"H{f}"].value is None
    assert ws[f"G{r}"].value == F.budget_actual(F.Form(lay.header_row, f"$J${f}", NATIONAL))  # None keeps it
    assert ws[f"I{r}"].value is None
    assert ws[f"I{lay.total_row}"].value == F.score_total(F.Form(lay.header_row, f"$J${f}", NATIONAL))


def test_formula_styles():
    with pytest.raises(ValueError, match="style"):
        build_template(NATIONAL, formulas="vba")
    with pytest.raises(ValueError):
        build_template(NATIONAL, projects=0)
    book = build_template(NATIONAL, projects=1, formulas="xlwings")
    xw, native = book["自评表1"], build_template(NATIONAL, projects=1)["自评表1"]
    (lay,) = project_layouts(book)
    r, b, f = lay.first_row, lay.budget_rows[0], lay.funds_row
    assert xw[f"K{r}"].value == f'=IF(M{r}="","",XP_SCORE(D{r},E{r},G{r},H{r},\'_xlperf\'!$B$2,F{r}))'
    assert xw[f"L{r}"].value.startswith(f'=IF(M{r}="","",XP_ROWCHECK(D{r},E{r},G{r},H{r},I{r},J{r},""')
    assert xw[f"K{b}"].value == f'=IF(M{b}="","",XP_BUDGET_SCORE($J${f},H{b}))'
    assert xw[f"J{f}"].value == f"=XP_RATE(H{f},D{f})" and "XP_GRADE(" in xw[f"I{lay.grade_row}"].value
    for ref in (f"M{r}", f"H{lay.total_row}", f"I{lay.total_row}", f"I{lay.capped_row}"):
        assert xw[ref].value == native[ref].value  # the helper and the totals are native in both styles
    for ws in (xw, native):  # Excel's limits: 8,192 characters, 64 nested functions
        for row in ws.iter_rows():
            for c in row:
                if isinstance(c.value, str) and c.value.startswith("="):
                    assert _nesting(c.value) < 20, c.coordinate


def _nesting(formula: str) -> int:
    """Deepest nesting of function calls (parentheses outside string literals)."""
    depth = deepest = 0
    in_string = False
    for ch in formula:
        if ch == '"':
            in_string = not in_string
        elif not in_string and ch == "(":
            depth += 1
            deepest = max(deepest, depth)
        elif not in_string and ch == ")":
            depth -= 1
    return deepest


# --- determinism and committed files ------------------------------------------------------------------


def _members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {i.filename: z.read(i) for i in z.infolist()}


def test_build_is_deterministic():
    a = workbook_bytes(build_template(SHAANXI, projects=2))
    b = workbook_bytes(build_template(SHAANXI, projects=2))
    assert a == b
    core = _members(a)["docProps/core.xml"].decode()
    assert "2020-01-01T00:00:00Z" in core and "xlperf" in core


def _expected_files() -> dict[Path, bytes]:
    out = {}
    for name, preset in samples.TEMPLATES.items():
        out[WORKBOOKS / name] = workbook_bytes(build_template(presets.load(preset)))
    for s in samples.SAMPLES:
        book = build_template(presets.load(s.preset), unit=s.unit, data=s.data())
        out[WORKBOOKS / "samples" / s.file] = workbook_bytes(book)
    return out


def test_committed_workbooks_equal_a_rebuild():
    """What is committed is what the builder makes today (regenerate with python -m xlperf.samples)."""
    for path, expected in _expected_files().items():
        assert path.is_file(), f"missing {path}: run python -m xlperf.samples"
        got, want = _members(path.read_bytes()), _members(expected)
        assert sorted(got) == sorted(want), path
        for member in want:
            assert got[member] == want[member], f"{path.name}:{member} differs from a rebuild"


def test_save_is_atomic_and_readable(tmp_path):
    out = save_template(tmp_path / "a.xlsx", NATIONAL, projects=1)
    assert out.read_bytes()[:2] == b"PK"
    assert [p.name for p in tmp_path.iterdir()] == ["a.xlsx"]
    assert os.stat(out).st_mode & 0o044  # readable by others like any document
    with pytest.raises(xlperf.errors.OutputError, match="文件夹不存在"):
        save_template(tmp_path / "missing" / "a.xlsx", NATIONAL)


# --- CLI ---------------------------------------------------------------------------------------------


@pytest.fixture
def run(monkeypatch):
    monkeypatch.setattr(xlperf.cli, "COMMANDS", {"template": "template_cmd"})
    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(xlperf.cli.cli, list(args), prog_name="xlperf")

    return invoke


def test_cli_writes_refuses_overwrite_and_forces(run, tmp_path):
    out = tmp_path / "绩效自评表.xlsx"
    r = run("template", "-o", str(out), "--preset", "shaanxi", "--projects", "4", "--unit", "长安区委编办",
            "--year", "2020")  # fmt: skip
    assert r.exit_code == 0, r.output
    assert "已生成模板" in r.output
    book = openpyxl.load_workbook(out)
    assert [n for n in book.sheetnames if n.startswith("自评表")] == [
        "自评表1",
        "自评表2",
        "自评表3",
        "自评表4",
    ]
    assert book[L.UNIT_SHEET]["B2"].value == "长安区委编办" and book[L.UNIT_SHEET]["B4"].value == "2020"
    assert book["自评表3"]["H5"].value == "长安区委编办"
    assert book[L.META_SHEET]["B2"].value == "shaanxi"
    before = out.read_bytes()
    r = run("template", "-o", str(out))
    assert r.exit_code == 2 and "文件已存在" in r.output and "--force" in r.output
    assert out.read_bytes() == before
    r = run("template", "-o", str(out), "--force", "--projects", "1")
    assert r.exit_code == 0, r.output
    assert "自评表2" not in openpyxl.load_workbook(out).sheetnames


def test_cli_errors_are_chinese_one_liners(run, tmp_path):
    r = run("template", "-o", str(tmp_path / "x.xlsx"), "--preset", "guangdong")
    assert r.exit_code == 2
    assert r.output.startswith("错误：找不到评分方案“guangdong”") and r.output.count("\n") == 1
    assert not (tmp_path / "x.xlsx").exists()
    r = run("template", "-o", str(tmp_path / "x.xls"))
    assert r.exit_code == 2 and "xlsx" in r.output
    r = run("template", "-o", str(tmp_path / "x.xlsx"), "--year", "二〇二〇")
    assert r.exit_code == 2 and "年度" in r.output
    r = run("template", "--help")
    assert r.exit_code == 0 and "xlperf template -o 绩效自评表.xlsx" in r.output


# --- LibreOffice: the formulas compute -----------------------------------------------------------------


def _recalculated(tmp_path: Path, files: list[Path]) -> dict[str, openpyxl.Workbook]:
    """Convert with LibreOffice headless (which computes every formula) and load the cached values."""
    exe = libreoffice.find_soffice()  # the test is marked libreoffice: conftest skips or fails without it
    src = tmp_path / "src"
    src.mkdir()
    names = []
    for i, f in enumerate(files):
        names.append(f"f{i}.xlsx")
        shutil.copy(f, src / names[-1])
    out = tmp_path / "out"
    profile = (tmp_path / "profile").as_uri()
    cmd = [
        exe,
        f"-env:UserInstallation={profile}",
        "--headless",
        "--convert-to",
        "xlsx",
        "--outdir",
        str(out),
    ]
    subprocess.run(cmd + [str(src / n) for n in names], check=True, capture_output=True, timeout=180)
    return {
        f.name: openpyxl.load_workbook(out / n, data_only=True) for f, n in zip(files, names, strict=True)
    }


@pytest.mark.libreoffice
def test_libreoffice_computes_the_formulas(tmp_path):
    seed_path = WORKBOOKS / "samples" / samples.SEED.file
    edu_path = WORKBOOKS / "samples" / samples.EDU.file
    blank_path = WORKBOOKS / "绩效自评表.xlsx"
    books = _recalculated(tmp_path, [seed_path, edu_path, blank_path])
    lays = {p.name: {lay.sheet: lay for lay in project_layouts(openpyxl.load_workbook(p))}
            for p in (seed_path, edu_path, blank_path)}  # fmt: skip

    seed = books[seed_path.name]
    p1, lay = seed["自评表1"], lays[seed_path.name]["自评表1"]
    f, _first, t, b = lay.funds_row, lay.first_row, lay.total_row, lay.budget_rows[0]
    assert p1[f"J{f}"].value == pytest.approx(1.0)  # 执行率 = 2 / 2
    assert p1["A2"].value == "（2020年度）"
    assert p1[f"I{t}"].value == 96  # typed by the unit
    assert p1[f"H{t}"].value == pytest.approx(100)
    assert p1[f"K{b}"].value == pytest.approx(10)  # rule 1 from the funds, not from the typed 50
    assert p1[f"L{b}"].value in (None, "")  # XP002 is validation's, not the row's hint
    assert p1[f"K{lay.last_row}"].value == pytest.approx(9.8)  # 98 % of 100 %, 分值 10
    assert p1[f"L{lay.last_row}"].value == "得分与完成值不符"  # scored 8
    assert p1[f"K{t}"].value == pytest.approx(99.8)
    assert p1[f"I{lay.capped_row}"].value == 96 and p1[f"I{lay.grade_row}"].value == "优"
    p2, lay2 = seed["自评表2"], lays[seed_path.name]["自评表2"]
    assert p2[f"L{lay2.first_row + 6}"].value == "得分超出分值"  # 20 on a 10-point row
    assert p2[f"L{lay2.first_row}"].value == "指标值缺失"
    assert p2[f"I{lay2.capped_row}"].value == "见校验"  # a score above its 分值: the 核定总分 is validation's
    summary = seed[L.SUMMARY_SHEET]
    assert [summary.cell(4 + i, 12).value for i in range(4)] == [96, 97, 99, 97]  # 填报总分
    assert [summary.cell(4 + i, 8).value for i in range(4)] == [40, 40, 40, 40]  # 产出得分
    assert summary["D8"].value == pytest.approx(6.2) and summary["G8"].value == pytest.approx(1.0)

    edu = books[edu_path.name]
    e1, lay = edu["自评表1"], lays[edu_path.name]["自评表1"]
    assert [e1.cell(r, 11).value for r in range(lay.first_row, lay.last_row + 1)] == pytest.approx(
        [15, 15, 10, 10, 9.73, 15, 15, 10]
    )
    assert all(not e1.cell(r, 12).value for r in range(lay.first_row, lay.total_row + 1))
    assert e1[f"H{lay.total_row}"].value == pytest.approx(100) and e1[f"I{lay.grade_row}"].value == "优"
    lay4, lay5, lay6 = (lays[edu_path.name][f"自评表{i}"] for i in (4, 5, 6))
    assert edu["自评表4"][f"L{lay4.total_row}"].value == "总分与得分合计不符"
    assert edu["自评表5"][f"L{lay5.first_row + 1}"].value == "得分超出分值"
    assert edu["自评表6"][f"L{lay6.first_row + 2}"].value == "未说明偏差原因"
    assert edu["自评表6"][f"K{lay6.first_row + 2}"].value == pytest.approx(8)  # 部分达成: at most 80 % of 10

    blank = books[blank_path.name]
    for ws in blank.worksheets:
        for row in ws.iter_rows(values_only=True):
            for v in row:
                assert not (isinstance(v, str) and (v.startswith("#") or v.startswith("Err:"))), (ws.title, v)
    b1, lay = blank["自评表1"], lays[blank_path.name]["自评表1"]
    # a blank form: only the pre-filled 预算执行率 row is in use; no 校验提示 before anything is typed
    assert b1[f"H{lay.total_row}"].value == pytest.approx(10) and b1[f"I{lay.total_row}"].value in (None, "")
    assert not any(
        b1.cell(r, 12).value for r in range(lay.first_row, lay.total_row + 1) if r not in lay.budget_rows
    )


# --- rows inserted and deleted as the 填写说明 says, in LibreOffice -----------------------------------


@pytest.fixture(scope="module")
def office():
    import office as office_module

    if not office_module.available():
        pytest.skip("LibreOffice with python3-uno is not installed")
    with office_module.Office() as lo:
        yield lo


def _open_typed(lo, tmp_path, sheet="自评表1"):
    """The 陕西 template opened in Calc with one project typed into ``sheet`` as a user types it."""
    src = tmp_path / "t.xlsx"
    shutil.copy(WORKBOOKS / "绩效自评表_陕西.xlsx", src)
    doc = lo.open(src)
    for ref, text in {
        "B4": "测试项目", "D8": "100", "F8": "100", "H8": "56",
        "C19": "培训人次", "D19": "≥", "E19": "100", "F19": "人次", "G19": "120", "I19": "10",
        "C20": "合格率", "D20": "≥", "E20": "95", "F20": "%", "G20": "98", "I20": "10",
        "I23": "5", "J23": "执行进度滞后",
        "C24": "经济效益", "D24": "定性", "E24": "效果明显", "G24": "达成", "I24": "9",
        "C28": "群众满意度", "D28": "≥", "E28": "90", "F28": "%", "G28": "95", "I28": "10",
    }.items():  # fmt: skip
        lo.type(doc, sheet, ref, text)
    return doc


def _compare(lo, doc, path):
    import parity

    lo.recalc(doc)
    lo.save_xlsx(doc, path)  # saved by the office suite: Python reads what Calc computed and stored
    report = parity.Report()
    parity.check_document(lo, doc, path, report)
    return report


@pytest.mark.libreoffice
def test_rows_inserted_and_deleted_as_the_instructions_say(office, tmp_path):
    from office import OfficeError

    lo, s = office, "自评表1"
    doc = _open_typed(lo, tmp_path)
    try:
        assert (
            lo.data(doc, s, "A18:A18")[0][0] == L.COL_LEVEL1 and lo.data(doc, s, "A29:A29")[0][0] == L.TOTAL
        )
        # under protection Calc refuses both (so does Excel): 填写说明 5 says to unprotect first
        with pytest.raises(OfficeError, match="protected"):
            lo.copy_row_insert(doc, s, 20, 21)
        with pytest.raises(OfficeError):
            lo.delete_rows(doc, s, 25)
        lo.unprotect(doc, s)
        lo.copy_row_insert(doc, s, 20, 21)  # a 产出 row, inserted below it (inside the merged 一级)
        lo.copy_row_insert(doc, s, 29, 30)  # the last row (满意度), inserted below it: right above 总分
        lo.protect(doc, s)
        for ref, text in {"C21": "完成及时率", "D21": "≥", "E21": "100", "F21": "%", "G21": "90", "I21": "9",
                          "J21": "受天气影响", "C30": "服务对象满意度", "D30": "≥", "E30": "90", "F30": "%",
                          "G30": "85", "I30": "9"}.items():  # fmt: skip
            lo.type(doc, s, ref, text)
        lo.recalc(doc)
        for r in (21, 30):  # the copies compute, with the template's locks
            assert lo.formulas(doc, s, f"K{r}:M{r}")[0][0].startswith("=") and lo.is_locked(doc, s, f"K{r}")
            assert lo.is_locked(doc, s, f"L{r}") and not lo.is_locked(doc, s, f"I{r}")
            assert not lo.is_locked(doc, s, f"C{r}") and not lo.is_locked(doc, s, f"G{r}")
        rows = lo.data(doc, s, "A21:L33")
        assert rows[0][10] == pytest.approx(9) and rows[0][11] == ""  # 90 % of 100 %, reason given
        assert rows[9][10] == pytest.approx(9.44, abs=0.01) and rows[9][11] == "未说明偏差原因"
        assert rows[10][0] == L.TOTAL and rows[10][8] == 10 + 10 + 9 + 5 + 9 + 10 + 9  # 总分 grew
        assert rows[10][7] == 70 and rows[11][8] == 62  # Σ分值 of the 7 rows in use; 核定总分 (cap 69)
        report = _compare(lo, doc, tmp_path / "inserted.xlsx")
        assert not report.problems, "\n".join(report.problems)
        assert report.rows == 12  # every row of the grown table compared with Python
        summary = lo.data(doc, L.SUMMARY_SHEET, "A4:N4")[0]
        assert summary[7] == 10 + 10 + 9 and summary[11] == 62  # 产出得分, 填报总分 include the new rows

        # deleting: unprotect, delete whole rows (not a row carrying a 一级 name), protect
        lo.unprotect(doc, s)
        lo.delete_rows(doc, s, 21)  # the inserted 产出 row
        lo.delete_rows(doc, s, 26)  # an unused 效益 row of the template
        lo.protect(doc, s)
        report = _compare(lo, doc, tmp_path / "deleted.xlsx")
        assert not report.problems, "\n".join(report.problems)
        row = lo.data(doc, s, "A29:L29")[0]  # 总分 moved up two rows
        assert row[0] == L.TOTAL and row[8] == 10 + 10 + 5 + 9 + 10 + 9 and row[7] == 60
    finally:
        lo.close(doc)


@pytest.mark.libreoffice
def test_a_copied_label_row_continues_its_section(office, tmp_path):
    """Copying the first row of a section copies its 一级 label too: the section is still counted once."""
    lo, s = office, "自评表1"
    doc = _open_typed(lo, tmp_path)
    try:
        lo.unprotect(doc, s)
        lo.copy_row_insert(doc, s, 19, 20)
        lo.protect(doc, s)
        lo.recalc(doc)
        assert lo.data(doc, s, "A20:A20")[0][0] == lo.data(doc, s, "A19:A19")[0][0]  # the label came along
        total = lo.data(doc, s, "A30:L30")[0]
        assert total[0] == L.TOTAL and total[8] == 10 + 10 + 10 + 5 + 9 + 10  # the copy is counted
        report = _compare(lo, doc, tmp_path / "copied.xlsx")
        assert not report.problems, "\n".join(report.problems)
    finally:
        lo.close(doc)


def _pdf_pages(pdf: Path) -> list[str]:
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    return [p for p in text.split("\f") if p.strip()]


def _font_sizes(pdf: Path, page: int) -> list[float]:
    """The heights of the words of a page (pdftotext -bbox), in points: about the font size."""
    bbox = subprocess.run(["pdftotext", "-f", str(page), "-l", str(page), "-bbox", str(pdf), "-"],
                          capture_output=True, text=True, check=True).stdout  # fmt: skip
    words = re.findall(r'yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)"', bbox)
    # not the page number in the footer (9 pt, under the bottom margin of the 842 pt page)
    return sorted(float(y1) - float(y0) for y0, y1 in words if float(y0) < 842 - 0.5 * 72)


@pytest.mark.libreoffice
def test_the_printed_form_is_the_official_one(tmp_path):
    """Rendered by LibreOffice: every 自评表 on A4 portrait, one page for the samples, down to its signing
    block; the body at 10 pt, the title at least 16 pt (no shrink to fit); the tool's columns (建议得分,
    校验提示), the legend and the editing notes not on the paper."""
    if shutil.which("pdftotext") is None:
        pytest.skip("poppler-utils (pdftotext) is not installed") if os.environ.get(
            "XLPERF_REQUIRE_LIBREOFFICE"
        ) != "1" else pytest.fail("pdftotext (poppler-utils) is required")
    files = {
        WORKBOOKS / "绩效自评表_陕西.xlsx": 3,
        WORKBOOKS / "samples" / samples.SEED.file: len(samples.SEED.projects),
        WORKBOOKS / "samples" / samples.EDU.file: len(samples.EDU.projects),
    }
    for src, forms in files.items():
        pdf = libreoffice.convert(src, "pdf", tmp_path)
        pages = _pdf_pages(pdf)
        assert len(pages) == 2 + forms, (src.name, len(pages))
        for text in pages[2:]:
            assert L.FORM_TITLE in text and "填报人" in text and "（单位盖章）" in text, src.name
            assert "第" in text and "页，共" in text  # page numbers
            for tool in (
                L.COL_SUGGESTED,
                L.COL_CHECK,
                "说明（不打印）",
                "不打印",
                "撤销工作表保护",
            ):
                assert tool not in text, (src.name, tool)
        size = subprocess.run(
            ["pdfinfo", "-f", "3", "-l", "3", str(pdf)], capture_output=True, text=True
        ).stdout
        w, h = map(float, re.search(r"Page\s+3 size:\s+([\d.]+) x ([\d.]+)", size).groups())
        assert (round(w), round(h)) == (595, 842), (src.name, w, h)  # A4 portrait
        heights = _font_sizes(pdf, 3)  # a 10 pt word is 10.5 pt high (ascent and descent)
        assert heights[0] >= 10.4 and heights[len(heights) // 2] <= 12, (src.name, heights[:5])
        assert heights[-1] >= 16, (src.name, heights[-3:])  # the title


def test_a_long_form_runs_on_with_its_header_repeated():
    rows = [IndicatorData("output", "数量指标", name=f"指标{i}") for i in range(40)]
    long = build_template(SHAANXI, data=[ProjectData(name="项目", indicators=rows)])
    ws = long["自评表1"]
    (lay,) = project_layouts(long)
    assert ws.page_setup.fitToHeight == 0 and ws.print_title_rows == f"${lay.header_row}:${lay.header_row}"
