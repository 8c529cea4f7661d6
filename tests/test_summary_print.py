"""The summary as it is printed and read (issue 12): print settings, what prints and what does not,
wrapped texts and row heights, the 合计 row last everywhere, values stored as shown, presets that
differ, blank templates, the csv/json twins, the fast body rows against XlsxWriter's own calls, and the
pages LibreOffice renders (A4 landscape, every character at 8 pt or more, nothing cut)."""

from __future__ import annotations

import csv
import json
import math
import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import openpyxl
import pytest
from openpyxl.utils import column_index_from_string, get_column_letter

from xlperf import presets
from xlperf.consolidate import (
    DETAIL_NAME,
    FILES_NAME,
    FINDINGS_NAME,
    GRADES_NAME,
    STATUS_SKIPPED,
    UNITS_NAME,
    consolidate_paths,
)
from xlperf.consolidate.tables import AVERAGE, DECIMALS, DUPLICATE_NOTE, NOTE_HEADER, PRESET_HEADER, TOTAL
from xlperf.writers import summary
from xlperf.writers.summary import write_summary

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from benchmarks.unitgen import render, unit_spec  # noqa: E402

SAMPLES_DIR = ROOT / "workbooks" / "samples"
LONG_DEPT = "中共西安市长安区委员会机构编制委员会办公室（区委编办）"
LONG_PROJECT = "中小学校舍维修改造及校园安全视频监控系统升级改造项目（第二期，含设备采购与安装调试）"
BLANK_UNIT = "只交了空表的单位"


def _unit(folder: Path, i: int, **changes) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    spec, vals, n = unit_spec(i, seed=11)
    vals.update(changes)
    path = folder / f"{vals['unit.name']}.xlsx"
    path.write_bytes(render(n, vals))
    return path


@pytest.fixture(scope="module")
def inbox(tmp_path_factory) -> Path:
    """Three samples (two 陕西, one 全国通用: presets differ), a unit with a long 主管部门 and project
    name, the same unit's file sent twice under another name and once more changed, and a blank
    template of a fifth unit."""
    from xlperf.writers.template import UnitData, save_template

    folder = tmp_path_factory.mktemp("报送")
    shutil.copytree(SAMPLES_DIR, folder / "samples")
    long = _unit(folder, 1, **{"unit.department": LONG_DEPT, "p0.name": LONG_PROJECT})
    shutil.copy(long, folder / "再次报送.xlsx")  # the same file twice: XC001
    again = _unit(
        folder / "改过", 1, **{"unit.department": LONG_DEPT, "p0.name": LONG_PROJECT, "unit.phone": "1"}
    )
    assert again.read_bytes() != long.read_bytes()  # the same projects in another file: XC002
    save_template(folder / "空白.xlsx", presets.load("national"), projects=2, unit=UnitData(name=BLANK_UNIT))
    return folder


@pytest.fixture(scope="module")
def result(inbox):
    return consolidate_paths([inbox], jobs=1)


@pytest.fixture(scope="module")
def book(result, tmp_path_factory) -> Path:
    return write_summary(result, tmp_path_factory.mktemp("out") / "汇总.xlsx")


def _print_columns(ws) -> tuple[int, int]:
    """The first and last column (1-based) of a sheet's print area."""
    area = ws.print_area if isinstance(ws.print_area, str) else ws.print_area[0]
    m = re.search(r"\$([A-Z]+)\$\d+:\$([A-Z]+)\$\d+", area)
    return column_index_from_string(m.group(1)), column_index_from_string(m.group(2))


# --- print settings ---------------------------------------------------------------------------------


def test_every_sheet_prints_a4_landscape_one_page_wide_with_its_header_repeated(book, result):
    wb = openpyxl.load_workbook(book)
    for name, t in result.tables.items():
        ws = wb[name]
        ps = ws.page_setup
        assert ps.orientation == "landscape" and ps.paperSize == 9, name
        assert ws.sheet_properties.pageSetUpPr.fitToPage and (ps.fitToWidth or 1, ps.fitToHeight) == (1, 0), (
            name
        )  # 1 is the default
        # the title, the note and the header on every page; no page header to say the title twice
        assert ws.print_title_rows == "$1:$3", name
        assert not (ws.oddHeader.left.text or ws.oddHeader.center.text or ws.oddHeader.right.text), name
        assert "&P" in ws.oddFooter.center.text and "&N" in ws.oddFooter.center.text, name
        assert "汇总时间" in ws.oddFooter.left.text, name
        first, last = _print_columns(ws)
        extra = summary.CHART_COLUMNS + 1 if name == GRADES_NAME else 0
        assert (first, last) == (1, t.printed_columns + extra), name
        # the title spans the printed page (等级分布: its chart too), the note the printed columns; the note wraps
        title_end = t.printed_columns + (extra if name == GRADES_NAME else 0)
        assert f"A1:{get_column_letter(title_end)}1" in {str(r) for r in ws.merged_cells.ranges}
        assert ws["A2"].alignment.wrap_text


def test_technical_columns_are_right_of_the_print_area(book, result):
    wb = openpyxl.load_workbook(book)
    for name, headers in (
        (DETAIL_NAME, ("来源文件", "工作表", "到位数（万元）", "其中：财政资金（万元）")),
        (FINDINGS_NAME, ("文件",)),
        (FILES_NAME, ("SHA-256", "完整路径", "大小（KB）")),
    ):
        t = result.tables[name]
        _, last = _print_columns(wb[name])
        for h in headers:
            assert t.headers.index(h) + 1 > last, (name, h)


def test_printed_width_keeps_text_readable(result):
    """fit-to-width scale of each sheet from its printed columns: 10 pt text never prints below 8.5 pt
    in Excel's metrics (LibreOffice's are wider here: the rendering test below measures its pages)."""
    for t in result.tables.values():
        assert summary.FONT_SIZE * summary.print_scale(t) >= 8.5, (t.name, summary.print_scale(t))


def test_long_texts_wrap_in_rows_tall_enough(book, result):
    wb = openpyxl.load_workbook(book)
    ws = wb[DETAIL_NAME]
    t = result.tables[DETAIL_NAME]
    dept_col = t.headers.index("主管部门") + 1
    row = next(r for r in range(4, ws.max_row + 1) if ws.cell(r, 4).value == LONG_PROJECT)
    assert ws.cell(row, dept_col).value == LONG_DEPT and ws.cell(row, dept_col).alignment.wrap_text
    assert ws.cell(row, 4).alignment.wrap_text
    need = max(summary.text_lines(LONG_DEPT, 10), summary.text_lines(LONG_PROJECT, 17))
    assert need >= 3
    assert ws.row_dimensions[row].height >= need * summary.LINE_PT
    # a row is as tall as its tallest text: 西安市长安区财政局 (9 characters) takes two lines at width 10
    two = next(r for r in range(4, ws.max_row) if ws.cell(r, 3).value == "西安市长安区财政局")
    assert ws.row_dimensions[two].height == summary.row_height(2) == 2 * summary.LINE_PT + 3
    assert summary.row_height(1) is None  # one line: the default height
    # 问题清单: 说明, 应为 and 实为 wrap (no text runs over its column)
    wf = wb[FINDINGS_NAME]
    heads = [c.value for c in wf[3]]
    for h in ("说明", "应为", "实为", "单位", "项目"):
        assert wf.cell(4, heads.index(h) + 1).alignment.wrap_text, h


def test_header_breaks_before_its_unit(book):
    ws = openpyxl.load_workbook(book)[DETAIL_NAME]
    heads = [c.value for c in ws[3]]
    assert "预算数\n（万元）" in heads and "执行数\n（万元）" in heads
    assert summary.header_label(summary.Column("等级", "text", 4.5)) == "等级"


def test_the_total_row_is_last_on_every_sheet(book, result):
    """合计 last on every sheet, but on 项目明细, where the scores' averages follow in a row of their own
    called 平均 (an average in a row called 合计 reads as a sum)."""
    wb = openpyxl.load_workbook(book)
    for name, t in result.tables.items():
        ws = wb[name]
        footer = [t.total, t.average] if name == DETAIL_NAME else [t.total]
        assert t.total is not None and t.all_rows()[-len(footer) :] == footer, name
        first = ws.max_row - len(footer) + 1
        assert [ws.cell(r, 1).value for r in range(first, ws.max_row + 1)] == [TOTAL, AVERAGE][: len(footer)]
        assert all(ws.cell(r, 1).font.b for r in range(first, ws.max_row + 1)), name
        assert ws.auto_filter.ref.endswith(str(first - 1)), name  # filters leave 合计 and 平均 alone
    detail = result.tables[DETAIL_NAME]
    total = dict(zip(detail.headers, detail.total, strict=True))
    average = dict(zip(detail.headers, detail.average, strict=True))
    scores = [
        h for h, c in zip(detail.headers, detail.columns, strict=True) if c.kind == "score" and h != "差异"
    ]
    assert all(total[h] is None for h in scores)  # no average under 合计
    assert average["核定总分"] is not None and average["项目名称"] == "各项目平均分"
    assert all(average[h] is None for h in ("预算数（万元）", "错误", "警告"))
    grades = result.tables[GRADES_NAME]
    assert grades.total[2] == "全部单位" and grades.total[-2] == result.stats.projects
    findings = result.tables[FINDINGS_NAME].total
    s = result.stats
    assert f"错误 {s.errors} 条，警告 {s.warnings} 条，提示 {s.infos} 条" in findings


# --- values -----------------------------------------------------------------------------------------


def test_values_are_stored_as_shown(result):
    """No 6.199999999999999: every float of a numeric column has at most the decimals its format
    shows; 差异 is blank where the totals agree."""
    for t in result.tables.values():
        for i, col in enumerate(t.columns):
            d = DECIMALS.get(col.kind)
            for row in t.all_rows():
                v = row[i]
                if isinstance(v, float):
                    assert d is not None and v == round(v, d), (t.name, col.header, v)
    detail = result.tables[DETAIL_NAME]
    for r in detail.records(with_total=False):
        if r["填报总分"] is not None and r["复核总分"] is not None:
            same = round(r["填报总分"] - r["复核总分"], 2) == 0
            assert (r["差异"] is None) == same, r
    assert any(r["差异"] is not None for r in detail.records(with_total=False))  # the sample's XP007


def test_number_formats_show_what_is_stored(book):
    ws = openpyxl.load_workbook(book)[DETAIL_NAME]
    heads = [c.value.replace("\n", "") for c in ws[3]]
    fmt = {h: ws.cell(4, i + 1).number_format for i, h in enumerate(heads)}
    assert fmt["预算数（万元）"] == "#,##0.00##" and fmt["执行率"] == "0.00%"
    assert fmt["复核总分"] == "General"  # 10, 9.5, 13.33 as they are: never 10.0


# --- presets that differ ------------------------------------------------------------------------------


def test_mixed_presets_are_shown_and_not_added(result, book):
    s = result.stats
    assert s.mixed_presets and set(map(summary_short, s.presets)) == {"陕西", "全国通用"}
    detail = result.tables[DETAIL_NAME]
    assert PRESET_HEADER not in detail.hidden
    by_unit = {r["单位"]: r[PRESET_HEADER] for r in detail.records(with_total=False)}
    assert by_unit["长安区委编办"] == "陕西" and by_unit["西安市雁塔区教育局"] == "全国通用"
    total = dict(zip(detail.headers, detail.total, strict=True))
    average = dict(zip(detail.headers, detail.average, strict=True))
    for key in ("产出指标得分", "预算执行率指标得分", "效益指标得分", "满意度指标得分"):
        assert average[key] is None, key  # 40-point and 50-point sections are not averaged together
    assert average["核定总分"] is not None and total["预算数（万元）"] > 0
    assert "评分方案不一致" in detail.note
    xc = [r for r in result.tables[FINDINGS_NAME].records(with_total=False) if r["规则"] == "XC005"]
    main = next(iter(s.presets))  # most used (input order breaks a tie)
    assert xc and all(r["应为"] == main and r["实为"] != main for r in xc)
    assert len(xc) == sum(n for t, n in s.presets.items() if t != main)
    assert any("评分方案不一致" in line for line in result.summary_lines())
    ws = openpyxl.load_workbook(book)[DETAIL_NAME]
    col = detail.headers.index(PRESET_HEADER) + 1
    assert not ws.column_dimensions[get_column_letter(col)].hidden


def summary_short(title: str) -> str:
    from xlperf.consolidate.tables import preset_short

    return preset_short(title)


def test_one_preset_hides_the_preset_column_and_averages_sections(tmp_path):
    a = _unit(tmp_path, 2)
    _unit(tmp_path, 3)
    c = consolidate_paths([tmp_path], jobs=1)
    detail = c.tables[DETAIL_NAME]
    assert not c.stats.mixed_presets and {PRESET_HEADER, NOTE_HEADER} <= detail.hidden
    assert not [r for r in c.tables[FINDINGS_NAME].rows if r[4] == "XC005"]
    rows = detail.records(with_total=False)
    average = dict(zip(detail.headers, detail.average, strict=True))
    out = [r["产出指标得分"] for r in rows]
    assert average["产出指标得分"] == round(sum(out) / len(out), 2)
    ws = openpyxl.load_workbook(write_summary(c, tmp_path / "汇总.xlsx"))[DETAIL_NAME]
    for h in (PRESET_HEADER, NOTE_HEADER):
        letter = get_column_letter(detail.headers.index(h) + 1)
        assert ws.column_dimensions[letter].hidden, h
    assert a.exists()


# --- duplicates and blank templates -------------------------------------------------------------------


def test_duplicates_show_the_note_column(result):
    detail = result.tables[DETAIL_NAME]
    assert NOTE_HEADER not in detail.hidden
    dups = [r for r in detail.records(with_total=False) if r[NOTE_HEADER]]
    assert dups and all(r[NOTE_HEADER] == DUPLICATE_NOTE for r in dups)
    assert result.stats.duplicate_files == 1 and result.stats.duplicate_projects == len(dups)
    rules = Counter(r[4] for r in result.tables[FINDINGS_NAME].rows)
    assert rules["XC001"] == 1 and rules["XC002"] == len(dups)


def test_a_blank_template_is_not_a_unit(result):
    f = next(f for f in result.files if f.display.endswith("空白.xlsx"))
    assert f.status == STATUS_SKIPPED and f.blank and "空白" in f.reason
    units = [r["单位"] for r in result.tables[UNITS_NAME].records(with_total=False)]
    assert BLANK_UNIT not in units and len(units) == result.stats.units == 4  # 3 samples + the long one
    xc = [r for r in result.tables[FINDINGS_NAME].records(with_total=False) if r["规则"] == "XC006"]
    assert len(xc) == 1 and BLANK_UNIT in xc[0]["说明"] and xc[0]["严重程度"] == "警告"
    assert result.stats.blank_files == 1 and "空白工作簿 1 个" in result.summary_lines()[0]


# --- one count of findings everywhere (issue 22) ------------------------------------------------------


def _counts_everywhere(c, book: Path, out_json: Path, terminal: str) -> dict[str, tuple[int, int, int]]:
    """Every place that states how many errors, warnings and infos a consolidation found."""
    wb = openpyxl.load_workbook(book)
    got: dict[str, tuple[int, int, int]] = {}
    rows = c.tables[FINDINGS_NAME].records(with_total=False)
    got["问题清单 rows"] = tuple(sum(1 for r in rows if r["严重程度"] == s) for s in ("错误", "警告", "提示"))
    m = re.search(r"错误 (\d+) 条，警告 (\d+) 条，提示 (\d+) 条", c.tables[FINDINGS_NAME].total[6])
    got["问题清单 合计"] = tuple(map(int, m.groups()))
    s = c.stats
    got["stats"] = (s.errors, s.warnings, s.infos)
    data = json.loads(out_json.read_text("utf-8"))
    js = data["stats"]
    got["JSON stats"] = (js["errors"], js["warnings"], js["infos"])
    jt = data["tables"][DETAIL_NAME]["total"]
    got["JSON 项目明细 合计"] = (jt["错误"], jt["警告"], jt["提示"])
    for name in (DETAIL_NAME, FILES_NAME):
        ws = wb[name]
        heads = [str(x.value or "").replace("\n", "") for x in ws[3]]
        total = next(r for r in range(4, ws.max_row + 1) if ws.cell(r, 1).value == TOTAL)
        cell = {h: ws.cell(total, i + 1).value for i, h in enumerate(heads)}
        got[f"{name} 合计 (xlsx)"] = (cell["错误"], cell["警告"], cell.get("提示", got["stats"][2]))
    m = re.search(r"问题：错误 (\d+) 条，警告 (\d+) 条，提示 (\d+) 条", terminal)
    got["terminal"] = tuple(map(int, m.groups()))
    return got


@pytest.mark.parametrize("which", ["samples", "inbox"])
def test_one_count_of_findings_everywhere(which, inbox, result, tmp_path):
    """The samples gave 25 warnings on 项目明细 and 文件清单 but 26 on 问题清单 and in the terminal (the
    file-level XC005 in one total and not the other): every total is now the number of 问题清单 rows, each
    file's count its rows there, each project's count the rows on its sheet."""
    from click.testing import CliRunner

    from xlperf.cli import cli

    folder = SAMPLES_DIR if which == "samples" else inbox
    c = consolidate_paths([folder], jobs=1) if which == "samples" else result
    book = write_summary(c, tmp_path / "汇总.xlsx")
    out_json = write_summary(c, tmp_path / "汇总.json")
    run = CliRunner().invoke(cli, ["consolidate", str(folder), "-o", str(tmp_path / "屏幕.xlsx")])
    assert run.exit_code == 0, run.output
    counts = _counts_everywhere(c, book, out_json, run.output)
    assert len(set(counts.values())) == 1, counts
    if which == "samples":
        # 26 warnings, and 雁塔's two 自评预警 (XP023, issue 20) since
        assert counts["terminal"][1] == 28 and any(r[4] == "XC005" for r in c.tables[FINDINGS_NAME].rows)
    findings = c.tables[FINDINGS_NAME].records(with_total=False)
    # each file: its rows in 问题清单
    for f in c.tables[FILES_NAME].records(with_total=False):
        mine = [r for r in findings if r["文件"] == f["文件"]]
        assert (f["错误"], f["警告"]) == (
            sum(1 for r in mine if r["严重程度"] == "错误"),
            sum(1 for r in mine if r["严重程度"] == "警告"),
        ), f["文件"]
    # each project: the rule findings on its sheet; the rest (about files) is what the note says
    on_projects = 0
    for p in c.tables[DETAIL_NAME].records(with_total=False):
        mine = [
            r for r in findings
            if r["文件"] == Path(p["来源文件"]).as_posix() or r["文件"] == p["来源文件"]
            if r["规则"].startswith("XP") and r["位置"].split("!")[0] == p["工作表"]
        ]  # fmt: skip
        assert (p["错误"], p["警告"], p["提示"]) == tuple(
            sum(1 for r in mine if r["严重程度"] == s) for s in ("错误", "警告", "提示")
        ), (p["来源文件"], p["工作表"])
        on_projects += len(mine)
    off = len(findings) - on_projects
    note = c.tables[DETAIL_NAME].note
    assert (f"含不属于单个项目的 {off} 条" in note) == (off > 0), note


def test_the_new_rules_are_in_the_catalogue():
    from xlperf.consolidate import CONSOLIDATION_RULES
    from xlperf.docs import consolidation_rules_markdown

    ids = [r[0] for r in CONSOLIDATION_RULES]
    assert ids == ["XC001", "XC002", "XC003", "XC004", "XC005", "XC006", "XC007", "XC008"]
    table = consolidation_rules_markdown()
    assert "XC005" in table and "XC006" in table and "XC007" in table


# --- the csv and json twins ---------------------------------------------------------------------------


def _same(a, b) -> bool:
    if a in (None, "") and b in (None, ""):
        return True
    if isinstance(a, int | float) and not isinstance(a, bool):
        return isinstance(b, int | float) and math.isclose(a, b, abs_tol=1e-12)
    return str(a) == str(b)


def test_csv_and_json_hold_what_the_xlsx_holds(result, book, tmp_path):
    wb = openpyxl.load_workbook(book)
    folder = write_summary(result, tmp_path / "csv", "csv")
    data = json.loads(write_summary(result, tmp_path / "s.json").read_text("utf-8"))
    for name, t in result.tables.items():
        ws = wb[name]
        sheet = [list(r) for r in ws.iter_rows(min_row=3, max_col=len(t.columns), values_only=True)]
        with (folder / f"{name}.csv").open(encoding="utf-8-sig", newline="") as fh:
            rows = list(csv.reader(fh))
        j = data["tables"][name]
        assert [h.replace("\n", "") for h in sheet[0]] == rows[0] == j["columns"] == t.headers
        body = [list(r.values()) for r in j["rows"]] + [
            list(j[k].values()) for k in ("total", "average") if j[k]
        ]
        assert len(sheet) - 1 == len(rows) - 1 == len(body) == len(t.rows) + len(t.footer), name
        assert j["hidden"] == sorted(t.hidden)
        for x_row, c_row, j_row in zip(sheet[1:], rows[1:], body, strict=True):
            for x, cv, jv in zip(x_row, c_row, j_row, strict=True):
                assert _same(x, jv), (name, x, jv)
                num = isinstance(x, int | float)
                assert _same(x, float(cv) if num and cv else cv), (name, x, cv)


# --- the fast body rows are what XlsxWriter's calls would write ---------------------------------------


def _api_body(ws, t, fm, sheet_index, first):
    """The reference: every body cell through XlsxWriter's write_* calls, the same formats and heights."""
    dup_col = t.headers.index(NOTE_HEADER) if NOTE_HEADER in t.headers else None
    for n, row in enumerate(t.rows):
        r = first + n
        h = summary.row_height(summary.body_lines(t, row))
        if h:
            ws.set_row(r, h)
        dup = dup_col is not None and bool(row[dup_col])
        for c, (col, v) in enumerate(zip(t.columns, row, strict=True)):
            red = bool(summary._RED.get(col.header) and summary._RED[col.header](v))
            if v is None or (isinstance(v, float) and not math.isfinite(v)):
                ws.write_blank(r, c, None, summary.body_format(fm, col, text=False, dup=dup))
            elif isinstance(v, bool):
                ws.write_string(r, c, "是" if v else "否", summary.body_format(fm, col, text=True, dup=dup))
            elif isinstance(v, int | float):
                ws.write_number(r, c, v, summary.body_format(fm, col, text=False, dup=dup, red=red))
            elif v == "":
                ws.write_blank(r, c, None, summary.body_format(fm, col, text=True, dup=dup))
            else:
                quote = v.startswith(("=", "+", "-", "@"))
                fmt = summary.body_format(fm, col, text=True, dup=dup, red=red, quote=quote)
                ws.write_string(r, c, v, fmt)
    return summary.BodyRows(sheet_index)


def _cells(path: Path) -> dict:
    wb = openpyxl.load_workbook(path)
    out = {}
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                out[(ws.title, c.coordinate)] = (
                    c.value,
                    c.data_type,
                    c.number_format,
                    c.font.b,
                    c.font.color.rgb if c.font.color is not None else None,
                    c.font.name,
                    c.fill.fgColor.rgb if c.fill.fill_type else None,
                    c.alignment.horizontal,
                    c.alignment.wrap_text,
                    c.quotePrefix,
                    c.border.left.style,
                )
        for r, dim in ws.row_dimensions.items():
            out[(ws.title, f"row{r}")] = dim.height
    return out


def test_fast_rows_equal_xlsxwriters_own(result, tmp_path, monkeypatch):
    fast = tmp_path / "fast.xlsx"
    summary.write_xlsx(result, fast)
    monkeypatch.setattr(summary, "_body", _api_body)
    slow = tmp_path / "api.xlsx"
    summary.write_xlsx(result, slow)
    a, b = _cells(fast), _cells(slow)
    assert set(a) == set(b)
    diff = [(k, a[k], b[k]) for k in a if a[k] != b[k]]
    assert not diff, diff[:5]
    assert len([k for k in a if k[0] == DETAIL_NAME]) > 100


def test_control_characters_and_escapes_survive(tmp_path):
    """Text a unit typed with markup, a control character, an _x0041_ lookalike and spaces round it
    reads back as it was written (the fast rows escape as SpreadsheetML requires)."""
    from xlperf.writers.xlsxrows import inline_string

    assert inline_string("a<b>&c") == "<is><t>a&lt;b&gt;&amp;c</t></is>"
    assert inline_string(" x ") == '<is><t xml:space="preserve"> x </t></is>'
    weird = 'R&D <项目> "引号"\t制表 '
    c = consolidate_paths([_unit(tmp_path, 4, **{"p0.name": weird})], jobs=1)
    read = c.tables[DETAIL_NAME].rows[0][3]
    assert read.startswith("R&D <项目>")
    c.tables[DETAIL_NAME].rows[1][3] = "literal _x0041_ stays"  # as a reader would give it
    out = write_summary(c, tmp_path / "汇总.xlsx")
    ws = openpyxl.load_workbook(out)[DETAIL_NAME]
    assert ws.cell(4, 4).value == read
    # a literal _x0041_ is written _x005F_x0041_ (ECMA-376 ST_Xstring), which Excel and python-calamine
    # read back as typed (openpyxl leaves the escape as it is)
    from python_calamine import CalamineWorkbook

    rows = CalamineWorkbook.from_path(str(out)).get_sheet_by_name(DETAIL_NAME).to_python()
    assert rows[3][3] == read and rows[4][3] == "literal _x0041_ stays"


# --- rendered by LibreOffice ----------------------------------------------------------------------------


def _char_sizes(pdf: Path) -> list[Counter]:
    from pdfminer.high_level import extract_pages
    from pdfminer.layout import LTChar

    pages = []
    for page in extract_pages(str(pdf)):
        sizes: Counter = Counter()
        todo = [page]
        while todo:
            o = todo.pop()
            if isinstance(o, LTChar):
                if o.get_text().strip():
                    sizes[round(o.size, 1)] += 1
            elif hasattr(o, "__iter__"):
                todo.extend(o)
        pages.append(sizes)
    return pages


def _cell_texts(pdf: Path) -> set[str]:
    """The text of every text box (a cell's wrapped lines are one box), lines joined."""
    from pdfminer.high_level import extract_pages
    from pdfminer.layout import LTTextBox

    return {
        o.get_text().replace("\n", "")
        for page in extract_pages(str(pdf))
        for o in page
        if isinstance(o, LTTextBox)
    }


SERIF_CJK = Path(__file__).with_name("fonts") / "serif-cjk.conf"


@pytest.mark.libreoffice
@pytest.mark.parametrize(
    ("fonts", "smallest"),
    [
        # 宋体, 黑体 drawn with the serif/sans Noto CJK faces (digits about 0.55 em, as 宋体's 0.5 em):
        # what a 信创 PC without the Windows fonts shows; every character at 8 pt or more
        ("serif-cjk", 8.0),
        # this machine's own substitute for 宋体 is DejaVu Sans, whose digits (0.64 em) are the column
        # unit: every column a quarter wider than in Excel, the page fitted smaller; still one page wide
        # and nothing cut, at 7.5 pt or more
        ("default", 7.5),
    ],
)
def test_rendered_pages_are_readable(book, result, soffice, tmp_path, monkeypatch, fonts, smallest):
    from xlperf.libreoffice import convert

    if fonts == "serif-cjk":
        monkeypatch.setenv("FONTCONFIG_FILE", str(SERIF_CJK))
    pdf = convert(book, "pdf", tmp_path)
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    w, h = map(float, re.search(r"Page size:\s+([\d.]+) x ([\d.]+)", info).groups())
    assert w > h and abs(w - 841.9) < 2  # A4 landscape
    sizes = _char_sizes(pdf)
    pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))
    assert len(sizes) == pages >= len(result.tables)
    for i, s in enumerate(sizes, 1):
        assert s and min(s) >= smallest, (i, sorted(s.items())[:3])
    boxes = _cell_texts(pdf)
    assert LONG_DEPT in boxes and LONG_PROJECT in boxes  # wrapped in their cells, never cut
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    flat = "".join(text.split())
    per_page = text.split("\f")
    assert all("序号" in p for p in per_page if p.strip())  # the header on every page
    assert all(
        "项目支出绩效自评汇总表——" in "".join(p.split()) for p in per_page if p.strip()
    )  # the title too
    assert f"第1页，共{pages}页" in "".join(per_page[0].split())
    assert all(sha not in flat for sha in (f.sha256 for f in result.files if f.sha256))  # not printed


def test_a_remembered_inline_string_is_the_one_escaped_anew():
    """inline_string remembers short texts (a summary repeats them thousands of times): asked again, or
    after the memory is full and cleared, it gives what escaping the text anew gives."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from xlperf.writers import xlsxrows

    @settings(max_examples=300, deadline=None)
    @given(
        st.lists(st.text(alphabet=st.sampled_from(list("ab 项目&<>_x0041\t\x01\n")), max_size=70), max_size=8)
    )
    def check(texts):
        for t in texts * 2:
            assert xlsxrows.inline_string(t) == xlsxrows._inline_string(t)

    check()
    old = xlsxrows._INLINE_MAX
    try:
        xlsxrows._INLINE_MAX = 2
        for t in ("a", "b", "c", "<", "a"):
            assert xlsxrows.inline_string(t) == xlsxrows._inline_string(t)
        assert len(xlsxrows._INLINE) <= 2
    finally:
        xlsxrows._INLINE_MAX = old
