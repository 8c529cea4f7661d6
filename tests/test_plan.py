"""The patch plan as data: what every applier (the -o copy, the Excel macros, the WPS add-in) applies."""

from __future__ import annotations

import json
import re

import pytest

from xlperf.core import a1
from xlperf.core import plan as P
from xlperf.core.engine import validate
from xlperf.core.findings import Finding
from xlperf.core.parser import parse_workbook
from xlperf.layouts import shipped
from xlperf.presets import load
from xlperf.writers import styles

from factory import clean_rows, project_grid

LAYOUTS = shipped()


def _validation(rows=None, name="自评表1"):
    wb = parse_workbook(
        "t.xlsx", [project_grid(rows if rows is not None else clean_rows(), name)], layouts=LAYOUTS
    )
    return validate(wb, load("shaanxi"))


@pytest.fixture
def spoiled():
    rows = clean_rows()
    rows[-1][7] = 98  # 总分 ≠ Σ -> XP007 at H25
    rows[6][6] = "约两万"  # 执行数 unreadable
    return _validation(rows)


def test_plan_round_trips_through_json(spoiled):
    plan = P.build_plan(spoiled)
    text = plan.to_json()
    assert json.loads(text)["kind"] == "xlperf.validation-plan"
    assert P.Plan.from_json(text) == plan


def test_plan_from_another_version_is_refused(spoiled):
    d = P.build_plan(spoiled).to_dict()
    d["version"] = 99
    with pytest.raises(ValueError, match="version"):
        P.Plan.from_dict(d)


def test_result_rows_and_links(spoiled):
    """What a reader of paper understands: the unit in the title, the rule's name (not XP007), the place
    as "自评表1 H25（总分）"; 序号 links to the cell in Excel and WPS."""
    rs = P.build_plan(spoiled).result_sheet
    assert rs.rows[0][0].startswith("某某局2020年度绩效自评表校验结果：共 1 个项目：错误")
    assert rs.rows[1][:4] == ("图例", "错误", "警告", "提示")
    assert tuple(h.replace("\n", "") for h in rs.rows[2]) == P.RESULT_HEADER
    assert rs.rows[2][1] == "严重\n程度"  # broken between words
    assert len(rs.rows) == 3 + len(spoiled.findings)
    for f, row, link in zip(spoiled.findings, rs.rows[3:], rs.links, strict=True):
        assert row[4].startswith(f"{f.sheet} {f.cell}（") and not row[5].startswith(f.where)
        assert not re.search(r"X[PC]\d{3}", "".join(str(x) for x in row))  # no rule IDs on paper
        assert link.text == str(row[0]) and link.cell == f"A{rs.rows.index(row) + 1}"
    h25 = next(r for r in rs.rows[3:] if "H25" in r[4])
    assert h25[2] == "总分计算错误" and h25[4] == "自评表1 H25（总分）"
    h25 = next(link for link in rs.links if link.target == "H25")
    assert h25.location == "'自评表1'!H25"
    assert rs.freeze == "A4" and rs.autofilter == f"A3:H{3 + len(spoiled.findings)}"
    g7 = next(r for r in rs.rows[3:] if " G7" in r[4])  # the 执行数 typed as 约两万
    assert g7[4] == "自评表1 G7（执行数）"


def test_a_sheet_named_with_an_apostrophe_is_quoted_as_excel_does():
    assert a1.quote_sheet("张's 表") == "'张''s 表'"
    rows = clean_rows()
    rows[-1][7] = 98
    rs = P.build_plan(_validation(rows, "张's 表")).result_sheet
    assert "'张''s 表'!H25" in {link.location for link in rs.links}


def test_marks_one_per_cell_worst_severity_and_our_note_is_marked(spoiled):
    plan = P.build_plan(spoiled)
    cells = [(m.sheet, m.cell) for m in plan.marks]
    assert len(cells) == len(set(cells)) == len({(f.sheet, f.cell) for f in spoiled.findings if f.cell})
    for m in plan.marks:
        at = [f for f in spoiled.findings if (f.sheet, f.cell) == (m.sheet, m.cell)]
        assert m.severity == min(
            (f.severity for f in at), key=lambda s: {"error": 0, "warning": 1, "info": 2}[s]
        )
        assert m.fill == P.PALETTE[m.severity]
        lines = m.note.split("\n")
        assert lines[0] == P.NOTE_MARKER and len(lines) == 1 + len(at)
        assert all(not line.startswith(m.sheet) for line in lines[1:])
    h25 = next(m for m in plan.marks if m.cell == "H25")
    assert h25.severity == "error" and "XP007" in h25.rules and "（应为：" in h25.note


def test_control_characters_never_reach_the_plan():
    rows = clean_rows()
    rows[3][1] = "干部\x07教育\x1f培训"
    rows[-1][7] = 98
    plan = P.build_plan(_validation(rows))
    text = plan.to_json()
    assert "\\u0007" not in text and "\\u001f" not in text
    assert "干部教育培训" in plan.result_sheet.rows[3][3]


def test_no_findings_says_so():
    plan = P.build_plan(_validation())
    assert plan.marks == () and plan.result_sheet.links == ()
    assert plan.result_sheet.rows[3][0] == "未发现问题。" and plan.result_sheet.autofilter is None
    assert plan.status.startswith("校验完成。共 1 个项目：错误 0 条")


def test_print_setup_landscape_one_page_wide_headers_repeated(spoiled):
    page = P.build_plan(spoiled).result_sheet.page
    assert (page.paper, page.orientation, page.fit_width, page.fit_height) == ("A4", "landscape", 1, 0)
    assert page.repeat_rows == (1, 3) and "&P" in page.footer and "&N" in page.footer


def test_fonts_are_the_templates():
    assert (P.BODY_FONT, P.HEAD_FONT) == (styles.BODY_FONT, styles.HEAD_FONT)


def _rgb(h):
    return tuple(int(h[i : i + 2], 16) for i in (0, 2, 4))


def _distance(a, b):
    return sum((x - y) ** 2 for x, y in zip(_rgb(a), _rgb(b), strict=True)) ** 0.5


def test_severity_colours_cannot_be_taken_for_the_templates_fills():
    template = {
        "input": styles.FILL_INPUT.fgColor.rgb[-6:],
        "computed": styles.FILL_COMPUTED.fgColor.rgb[-6:],
        "white": "FFFFFF",
    }
    assert set(template.values()) == set(P.TEMPLATE_FILLS.values())
    for sev, rgb in P.PALETTE.items():
        for name, t in template.items():
            assert _distance(rgb, t) >= 80, (sev, name)
    sevs = list(P.PALETTE.values())
    assert all(_distance(a, b) >= 80 for i, a in enumerate(sevs) for b in sevs[i + 1 :])
    assert _distance("FFEB9C", template["input"]) < 80  # the old warning fill would fail this test


def test_styles_every_range_names_a_style(spoiled):
    rs = P.build_plan(spoiled).result_sheet
    assert {r.style for r in rs.ranges} <= set(rs.styles)
    link = rs.styles["link"]
    assert link.color == P.LINK_COLOR and not link.underline  # 序号: blue, a number to click
    assert not rs.styles["wrap"].underline and rs.styles["wrap"].color == "000000"  # 位置 prints as text


def test_finding_without_a_cell_links_to_the_sheet():
    v = _validation()
    f = Finding("XP011", "warning", "自评表1", None, "p", "", "", "自评表1 指标设置不全：…")
    v2 = type(v)(v.workbook, v.preset, v.projects, (f,))
    plan = P.build_plan(v2)
    assert plan.marks == () and plan.result_sheet.links[0].location == "'自评表1'!A1"
    assert plan.result_sheet.rows[3][2] == "指标设置不全" and plan.result_sheet.rows[3][5] == "…"
    assert plan.result_sheet.rows[3][4] == "自评表1"  # a whole sheet: its name


def test_row_heights_fit_the_wrapped_texts(spoiled):
    """Office suites do not fit rows on opening a file: the plan sizes each finding row for its longest
    wrapped text, not a line more (29 CJK characters fit a line of a 56-wide column at 7 px a unit)."""
    assert P.text_lines("字" * 29, 56) == 1 and P.text_lines("字" * 30, 56) == 2
    assert P.text_lines("a\nb", 56) == 2
    rs = P.build_plan(spoiled).result_sheet
    for r, row in enumerate(rs.rows[3:], 4):
        lines = max(P.text_lines(str(row[c] or ""), rs.widths[c]) for c in P.WRAPPED)
        assert rs.heights[r] == lines * P.LINE_HEIGHT + 3


# --- the live form (what the Excel ribbon and the WPS add-in write) ------------------------------------


def _resolve(formats, prop):
    """cell -> value of one property, from the live formats (a cell in two groups fails)."""
    out = {}
    for f in formats:
        if f.prop != prop:
            continue
        for address in f.addresses:
            assert len(address) <= P.MAX_ADDRESS
            for cell in P._cells_of(address):
                assert cell not in out, (prop, cell)
                out[cell] = f.value
    return out


def test_live_values_quote_literal_text_and_write_links_as_formulas(spoiled):
    plan = P.build_plan(spoiled)
    lp = P.live_plan(plan)
    rs = plan.result_sheet
    links = {P.parse_cell(link.cell): link for link in rs.links}
    assert len(lp.values) == len(rs.rows)
    for r, (row, live_row) in enumerate(zip(rs.rows, lp.values, strict=True), 1):
        for c, (v, lv) in enumerate(zip(row, live_row, strict=True), 1):
            if (r, c) in links:
                link = links[r, c]
                assert lv == f'=HYPERLINK("#{link.location}","{link.text}")'
            elif isinstance(v, str) and v:
                assert lv == "'" + v
            else:
                assert lv == v


def test_live_link_to_a_sheet_with_quotes_doubles_them():
    link = P.Link("E4", 'a"b', "A1", "'a\"b'!A1", 'a"b!A1')
    assert P.hyperlink_formula(link) == '=HYPERLINK("#\'a""b\'!A1","a""b!A1")'


def test_live_formats_give_every_cell_its_style_and_nothing_else(spoiled):
    rs = P.build_plan(spoiled).result_sheet
    lp = P.live_plan(P.build_plan(spoiled))
    cells = P._style_of_cells(rs)
    attrs = {"font_name": "font", "font_size": "size", "bold": "bold", "font_color": "color",
             "underline": "underline", "fill": "fill", "wrap": "wrap", "halign": "horizontal",
             "valign": "vertical"}  # fmt: skip
    for prop, attr in attrs.items():
        got = _resolve(lp.formats, prop)
        for cell, st in cells.items():
            want = getattr(st, attr)
            if prop in P._SHEET_DEFAULTS and want == P._SHEET_DEFAULTS[prop]:
                assert cell not in got, (prop, cell)
            else:
                assert got[cell] == want, (prop, cell)
        assert set(got) <= set(cells)
    borders = _resolve(lp.formats, "border")
    assert set(borders) == {cell for cell, st in cells.items() if st.border}
    assert set(borders.values()) == {P.BORDER_COLOR}


def test_live_widths_and_heights_are_the_sheets(spoiled):
    rs = P.build_plan(spoiled).result_sheet
    lp = P.live_plan(P.build_plan(spoiled))
    widths = {c: w for w, addrs in lp.widths for a in addrs for (_, c) in P._cells_of(a)}
    assert widths == {i: w for i, w in enumerate(rs.widths, 1)}
    heights = {r: h for h, addrs in lp.heights for a in addrs for (r, _) in P._cells_of(a)}
    assert heights == rs.heights
    assert lp.freeze_row == 3 and lp.autofilter == rs.autofilter and lp.merges == rs.merges


def _many_marks(n):
    rows = clean_rows()
    rows[-1][7] = 98
    v = _validation(rows)
    extra = tuple(
        Finding("XP009", "warning" if i % 3 else "error", "自评表1", f"J{30 + i}", "p", "", "", f"第{i}行")
        for i in range(n)
    )
    return type(v)(v.workbook, v.preset, v.projects, v.findings + extra)


def test_live_marks_fill_every_marked_cell_once_and_cap_the_notes_worst_first():
    plan = P.build_plan(_many_marks(40))
    lp = P.live_plan(plan)
    (marks,) = lp.marks
    marked = {P.parse_cell(m.cell): m for m in plan.marks}
    assert {cell for a in marks.cells for cell in P._cells_of(a)} == set(marked)
    filled = {}
    for rgb, addresses in marks.fills:
        for a in addresses:
            for cell in P._cells_of(a):
                assert cell not in filled
                filled[cell] = rgb
    assert filled == {cell: m.fill for cell, m in marked.items()}
    assert len(marks.notes) == P.LIVE_NOTES_PER_SHEET and marks.notes_left_out == len(plan.marks) - 15
    order = {"error": 0, "warning": 1, "info": 2}
    sevs = [order[marked[P.parse_cell(c)].severity] for c, _ in marks.notes]
    assert sevs == sorted(sevs) and sevs[0] == 0
    assert all(text.startswith(P.NOTE_MARKER) and len(text) <= P.LIVE_NOTE_LIMIT for _, text in marks.notes)
    assert f"其余 {marks.notes_left_out} 处只填色" in lp.values[0][0]
    assert "其余" not in P.live_plan(P.build_plan(_many_marks(2))).values[0][0]


def test_live_form_travels_in_the_json(spoiled):
    d = json.loads(P.build_plan(spoiled).to_json())
    assert d["live"]["values"][0][0].startswith("'某某局2020年度绩效自评表校验结果")
    assert d["live"]["record_header"] == ["sheet", "address", "fill", "note"]


def test_compress_covers_exactly_the_cells_with_disjoint_rectangles():
    import random

    rnd = random.Random(14)
    for _ in range(300):
        cells = {(rnd.randint(1, 12), rnd.randint(1, 6)) for _ in range(rnd.randint(1, 40))}
        parts = P.compress(cells)
        seen = []
        for p in parts:
            seen += P._cells_of(p)
        assert sorted(seen) == sorted(cells)  # every cell once: no overlap, nothing extra
        for ch in P.chunks(parts, 20):
            assert len(ch) <= 20 or "," not in ch


# --- 清除校验标记 from the record sheet -----------------------------------------------------------------


def test_clear_plan_groups_fills_by_colour_and_sorts_out_notes():
    rows = [
        ["sheet", "address", "fill", "note"],
        ["自评表1", "H15:H17,J20", "", ""],
        ["自评表1", "C9", "#00B050", ""],
        ["自评表1", "K3", "", ""],
        ["自评表1", "H15", "", "note"],
        ["自评表1", "J20", "", "appended"],
        ["自评表2", "B2", "FFF2CC", "", "s", "", "<fill/>"],  # the annotated copy's row
        ["", "meta", '{"v":1}'],
        [None, None],
    ]
    cp = P.clear_plan(rows)
    s1, s2 = cp.sheets
    assert s1.sheet == "自评表1" and dict(s1.fills) == {"": ("H15:H17,J20,K3",), "00B050": ("C9",)}
    assert s1.delete_notes == ("H15",) and s1.cut_notes == ("J20",)
    assert s2.fills == (("FFF2CC", ("B2",)),) and not s2.delete_notes
    assert cp.delete_sheets == ("校验结果", "_xlperf_marks")
    assert P.clear_plan([["sheet", "address", "fill", "note"]]).sheets == ()


def test_cut_and_append_notes_are_inverse():
    ours = P.NOTE_MARKER + "\n[XP007 错误] …"
    for theirs in ("用户的批注", "两行\n批注", ""):
        text = P.appended_note(theirs, ours)
        assert P.cut_note(text) == theirs
    assert P.cut_note("没有我们的") is None
