"""The 绩效自评工作报告: the seed sample's report holds the seed's projects, tables and scores; conclusions
follow the data; templates can be overridden; LibreOffice turns the .docx into a PDF."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from docx import Document
from docx.oxml.ns import qn

from xlperf import api, libreoffice, presets
from xlperf.cli import cli
from xlperf.core.engine import validate
from xlperf.core.model import Cell
from xlperf.core.values import parse
from xlperf.errors import OutputError, XlperfError
from xlperf.report_text import TEMPLATES, TemplateError, blocks, cn_number, export_templates, report_facts
from xlperf.writers import report as R
from xlperf.writers.report import value_text, write_report

from factory import FIRST_IND, HEAD, clean_rows, set_ind, workbook, write_xlsx

SEED_PROJECTS = {  # name: (the budget as typed, as the workbook shows it (0.00), total)
    "机构编制管理工作监督检查": ("2", "2.00", "96"),
    "实名制管理及编制使用核准": ("1", "1.00", "97"),
    "政务和中文域名注册费": ("1.6", "1.60", "99"),
    "事业单位法人登记管理工作": ("1.6", "1.60", "97"),
}
# the 核定总分 the report states (each score at most its weight: 20 on a 10-point row counts 10) and its grade
SEED_APPROVED = {
    "机构编制管理工作监督检查": ("96", "优"),
    "实名制管理及编制使用核准": ("87", "良"),
    "政务和中文域名注册费": ("99", "优"),
    "事业单位法人登记管理工作": ("90.33", "优"),
}
SHAANXI = presets.load("shaanxi")


# --- helpers ------------------------------------------------------------------------------------------


def cell_texts(tbl) -> list[str]:
    """Texts of the table's cells as written (a merged cell once), row by row."""
    return ["".join(t.text or "" for t in tc.iter(qn("w:t"))) for tc in tbl._tbl.iter(qn("w:tc"))]


def row_texts(tbl) -> list[list[str]]:
    return [
        ["".join(t.text or "" for t in tc.iter(qn("w:t"))) for tc in tr.iter(qn("w:tc"))]
        for tr in tbl._tbl.iter(qn("w:tr"))
    ]


def body_sequence(doc) -> list[tuple[str, object]]:
    """The body in order: ("p", text) and ("tbl", element)."""
    out = []
    for el in doc.element.body:
        if el.tag == qn("w:p"):
            out.append(("p", "".join(t.text or "" for t in el.iter(qn("w:t")))))
        elif el.tag == qn("w:tbl"):
            out.append(("tbl", el))
    return out


def project_tables(doc) -> list[list[list[str]]]:
    """Each project's 自评表 as rows of cell texts: its two Word tables (the part above the indicators;
    the indicators, whose header row repeats on every page) joined."""
    tables = doc.tables
    assert len(tables) % 2 == 0
    return [row_texts(a) + row_texts(b) for a, b in zip(tables[::2], tables[1::2], strict=True)]


def conclusions(doc) -> list[str]:
    """The paragraph right after each project's table (after its second part)."""
    seq = body_sequence(doc)
    return [
        seq[i + 1][1]
        for i, (kind, _) in enumerate(seq)
        if kind == "tbl" and not (seq[i + 2][0] == "tbl" and seq[i + 1][1] == "")
    ]


def review_notes(doc) -> dict[str, str]:
    """报送前核对事项 (a document of its own): the notes under each project's heading ("（一）项目名称")."""
    out: dict[str, str] = {}
    current = None
    for p in doc.paragraphs:
        if p.style.name == "xlperf 核对事项标题" and p.text.startswith("（"):
            current = p.text.split("）", 1)[1]
            out[current] = ""
        elif p.style.name == "xlperf 核对事项" and current:
            out[current] += p.text
    return out


def section_text(doc, heading: str, next_heading: str | None = None) -> str:
    texts = [p.text for p in doc.paragraphs]
    start = texts.index(heading)
    end = texts.index(next_heading) if next_heading else len(texts)
    return "".join(texts[start + 1 : end])


def report_of(v, tmp_path, name="r.docx", **kw):
    out = write_report(v, tmp_path / name, **kw)
    return out, Document(str(out))


def review_of(out) -> Document | None:
    """The review notes written beside a report (None: none were written)."""
    path = R.review_path(out)
    return Document(str(path)) if path.exists() else None


# --- the seed sample ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def seed_validation(seed_sample):
    return api.validate_file(seed_sample)


@pytest.fixture(scope="module")
def seed_report(seed_validation, tmp_path_factory):
    out = write_report(seed_validation, tmp_path_factory.mktemp("report") / "长安区委编办.docx")
    return out, Document(str(out))


def test_seed_report_title_and_sections(seed_report):
    _, doc = seed_report
    texts = [p.text for p in doc.paragraphs]
    assert texts[0] == "长安区委编办2020年度绩效自评工作报告"  # no 附件 marker unless asked
    for h in (
        "一、绩效自评工作组织开展情况",
        "二、绩效目标实现情况",
        "三、绩效目标设定质量情况",
        "四、整改措施及结果应用",
    ):
        assert h in texts
        assert doc.paragraphs[texts.index(h)].style.name == "Heading 1"
    assert "对4个项目资金进行了科学合理支配" in section_text(
        doc, "二、绩效目标实现情况", "三、绩效目标设定质量情况"
    )
    # one numbering through the document (GB/T 9704): 一、 then （一）, in 三 as in 四
    headings = [p.text for p in doc.paragraphs if p.style.name == "Heading 2"]
    assert headings == [f"（{cn_number(i)}）{n}" for i, n in enumerate(SEED_PROJECTS, 1)]
    measures = [p.text for p in doc.paragraphs if p.text.startswith("（")]
    assert measures[: len(SEED_PROJECTS)] == headings
    assert not [p.text for p in doc.paragraphs if re.match(r"\d+、", p.text)]  # no "1、" level


def test_seed_report_one_table_per_project_with_the_seeds_rows(seed_report):
    _, doc = seed_report
    assert len(doc.tables) == 8  # two per project
    for i, (name, (typed, budget, total)) in enumerate(SEED_PROJECTS.items()):
        cells = cell_texts(doc.tables[2 * i]) + cell_texts(doc.tables[2 * i + 1])
        rows = project_tables(doc)[i]
        # 一、基本情况
        assert rows[0] == ["一、基本情况", "项目名称", name, "实施（主管）单位", "长安区委编办"]
        # 二、预算执行情况: headers, then 预算数/到位数/执行数 with the amounts and the computed progress
        assert rows[1] == [
            "二、预算执行情况",
            "预算安排情况（调整后）",
            "资金到位情况",
            "资金执行情况",
            "预算执行进度",
        ]
        assert rows[2] == ["", "预算数：", budget, "到位数：", budget, "执行数：", budget, "100%"]
        assert rows[3] == [
            "",
            "其中：财政资金",
            budget,
            "其中：财政资金",
            budget,
            "其中：财政资金",
            budget,
            "",
        ]
        assert rows[4] == ["", "其他", "", "其他", "", "其他", "", ""]
        # 三、目标完成情况
        assert rows[5] == ["三、目标完成情况", "年度预期目标", "具体完成情况", "总体完成率"]
        assert rows[6] == ["", typed, typed, "100%"]  # General in the workbook
        # 四、年度绩效指标完成情况: 分值 and 偏差原因 as the form has them (分值 the sample's, from the
        # seed's labels; 偏差原因 blank)
        assert rows[7] == [
            "四、年度绩效指标完成情况",
            "一级指标",
            "二级指标",
            "三级指标",
            "预期指标值",
            "实际完成值",
            "分值",
            "自评得分",
            "偏差原因分析及改进措施",
        ]
        assert rows[8][:3] == ["", "产出指标（40）", "数量指标"]
        assert rows[9][:3] == ["", "", "质量指标"]  # 一级 merged down
        at = next(i for i, r in enumerate(rows) if r[1] == "总分")
        assert rows[at] == ["", "总分", "100", total, ""]
        approved, _ = SEED_APPROVED[name]
        if approved == total:  # the 核定总分 the text states is the table's
            assert at == len(rows) - 1
        else:
            assert rows[-1] == ["", "核定总分（高于分值的得分按分值计）", approved, ""]
        assert cells.count("产出指标（40）") == 1
        levels2 = [r[2] for r in rows[8:at]]
        every = ["数量指标", "质量指标", "时效指标", "成本指标", "预算执行率", "经济效益指标", "社会效益指标",
                 "生态效益指标", "可持续影响指标", "满意度指标"]  # fmt: skip
        # the rows in use: project 4 left its 生态效益 row empty, which is not an indicator
        assert levels2 == (
            [x for x in every if x != "生态效益指标"] if name == "事业单位法人登记管理工作" else every
        )


def test_seed_values_as_in_the_workbook(seed_report):
    _, doc = seed_report
    rows = project_tables(doc)[0]
    budget_rate = next(r for r in rows if "预算支出进度执行率" in r)
    assert budget_rate[-5:] == ["100%", "50%", "10", "10", ""]  # the 度量单位 % printed with the value
    satisfaction = rows[-2]
    assert satisfaction[-6:] == ["满意度", "100%", "98%", "10", "8", ""]
    # project 2: the blank 预期/实际 stay blank
    rows2 = project_tables(doc)[1]
    first = next(r for r in rows2 if "及时维护机构编制信息平台数据库" in r)
    assert first[-5:] == ["", "", "10", "10", ""]


def test_numbers_right_aligned(seed_report):
    _, doc = seed_report
    tr = list(doc.tables[0]._tbl.iter(qn("w:tr")))[2]
    tcs = list(tr.iter(qn("w:tc")))
    jc = [tc.find(f"{qn('w:p')}/{qn('w:pPr')}/{qn('w:jc')}").get(qn("w:val")) for tc in tcs]
    assert jc[2] == "right" and jc[1] == "center"  # the amount vs its label


def test_each_conclusion_names_its_score_and_grade(seed_report):
    """The score as approved (核定总分): 20 on a 10-point row counts 10, so project 2 scores 87, 良."""
    _, doc = seed_report
    found = conclusions(doc)
    assert len(found) == 4
    for text, (score, grade) in zip(found, SEED_APPROVED.values(), strict=True):
        assert text.startswith(f"通过自评，得分为{score}分，等级为“{grade}”")


def test_seed_conclusions_say_what_is_wrong(seed_report):
    """The unit's voice in the text sent upward (its results, deductions, what it will improve); the
    form's errors for it to correct are on the page after the 落款, under each project's name."""
    out, doc = seed_report
    c1, c2, c3, c4 = conclusions(doc)
    notes = review_notes(review_of(out))
    r1, r2, r3, r4 = (notes[name] for name in SEED_PROJECTS)
    # project 1: 预算执行率 indicator 50% while 2/2 was spent; two rows below full marks, unexplained
    assert "2项指标未得满分" in c1 and "“满意度”得8分（分值10分）" in c1
    assert "预算执行率应为100%" in r1 and "未填写偏差原因分析及改进措施" in r1
    # project 2: values missing, a score above its weight
    assert (
        "“及时维护机构编制信息平台数据库”、“实际完成使用核准卡占年度使用计划百分比”的预期指标值或实际完成值未填写"
        in r2
    )
    assert "“编制的动态管理”的自评得分（20分）超出该指标分值（10分），报告按分值计，核定总分为87分" in r2
    # project 3: one value missing, no budget-rate problem
    assert "“保障全区单位域名使用”的预期指标值或实际完成值未填写" in r3
    assert "预算执行率应为" not in r3
    assert "超出该指标分值" in r4
    for c in (c1, c2, c3, c4):
        # 预算执行进度 is the template's formula: computed (the table shows 100%), so not reported as blank
        assert "未填写预算执行进度" not in c
        # no review notes addressed to the unit in what it sends
        for word in ("需", "核实更正", "应为", "未填写", "不符"):
            assert word not in c, (word, c)


def test_deductions_add_up_to_the_score_stated(seed_report, seed_validation):
    """Project 2 loses 13 points and its 20 on a 10-point row counts 10: 100 − 13 = 87, the score the
    text states ("扣分与多计相抵后得分为97分" is gone); every project's deductions add up the same way."""
    _, doc = seed_report
    c2 = conclusions(doc)[1]
    assert "2项指标未得满分，共扣13分" in c2 and "得分为87分" in c2
    for word in ("多计", "相抵", "高于分值", "20分"):
        assert word not in c2
    facts = report_facts(seed_validation)
    for p in facts.projects:
        assert round(100 - p.deducted, 2) == round(p.score, 2), p.name


def test_signature_ends_the_report_and_the_review_notes_are_a_file_of_their_own(seed_validation, tmp_path):
    import datetime as dt

    out, doc = report_of(seed_validation, tmp_path)
    paras = doc.paragraphs
    signs = [p for p in paras if p.style.name == "xlperf 落款"]
    today = dt.date.today()
    assert [p.text for p in signs] == ["长安区委编办", f"{today.year}年{today.month}月{today.day}日"]
    assert paras[-1] is signs[-1] or paras[-1].text == signs[-1].text  # the 落款 ends the report
    assert signs[0].paragraph_format.keep_with_next
    # not alone on a page, nor with one sentence: at least four lines of the text come along
    kept = []
    for p in reversed(paras[: paras.index(signs[0])]):
        if not p.paragraph_format.keep_with_next:
            break
        kept.append(p)
    assert sum(R.body_lines(p.text) for p in kept) >= R.SIGN_WITH
    # nothing of the review in what the unit sends
    text = "".join(p.text for p in paras)
    for word in ("报送前核对事项", "核对", "未填写偏差原因"):
        assert word not in text
    assert 'w:type="page"' not in doc.element.body.xml
    # the notes beside it: its own title, each project's problems
    notes = review_of(out)
    assert R.review_path(out) == out.with_name("r_报送前核对事项.docx")
    title = notes.paragraphs[0]
    assert title.style.name == "Title" and title.text.startswith("长安区委编办2020年度绩效自评工作报告")
    assert "（报送前核对事项）" in title.text and "不随报告报送" in notes.paragraphs[1].text
    assert set(review_notes(notes)) == set(SEED_PROJECTS)
    assert all(not p.style.name.startswith("Heading") for p in notes.paragraphs)
    # without them: no file
    bare_out, _ = report_of(seed_validation, tmp_path, name="bare.docx", review=False)
    assert review_of(bare_out) is None
    # a clean workbook has nothing to check: no file
    clean_out, _ = report_of(validate(workbook(clean_rows()), SHAANXI), tmp_path, name="clean.docx")
    assert review_of(clean_out) is None


def test_review_notes_are_not_written_over_without_force(seed_validation, tmp_path):
    out, _ = report_of(seed_validation, tmp_path)
    out.unlink()  # the report gone, its notes still there: refused before anything is written
    with pytest.raises(OutputError, match="报送前核对事项"):
        write_report(seed_validation, out, overwrite=False)
    assert not out.exists()


def _keeps(tr) -> bool:
    ps = list(tr.iter(qn("w:p")))
    return all(p.find(f"{qn('w:pPr')}/{qn('w:keepNext')}") is not None for p in ps)


def test_tables_repeat_the_indicator_header_and_start_where_they_are_when_long(seed_report, seed_validation):
    """The seed's tables are longer than a page: moving one to the next page would leave half a page
    empty and it would still break, so it starts where it is. What stays together: 基本情况 with
    预算执行情况, each block, the header with the first indicator, a 一级指标 of up to a quarter page,
    the last indicator with 总分."""
    _, doc = seed_report
    top, inds = doc.tables[0]._tbl, doc.tables[1]._tbl
    trs = list(inds.iter(qn("w:tr")))
    assert trs[0].find(f"{qn('w:trPr')}/{qn('w:tblHeader')}") is not None  # 一级指标 … repeated
    assert all(tr.find(f"{qn('w:trPr')}/{qn('w:tblHeader')}") is None for tr in trs[1:])
    assert all(tr.find(f"{qn('w:trPr')}/{qn('w:cantSplit')}") is not None for tr in trs)
    table = R.project_table(seed_validation.projects[0])
    assert R.table_height(table.rows) > R.PAGE_BODY_CM - R.HEADING_HEIGHT  # longer than a page
    top_rows = [_keeps(tr) for tr in top.iter(qn("w:tr"))]
    # 基本情况, 预算执行情况 ×4, 目标完成情况 ×2: breaks allowed before 目标 and before the indicators
    assert top_rows == [True, True, True, True, False, True, False]
    rows = row_texts(doc.tables[1])
    kept = [_keeps(tr) for tr in trs]
    assert kept[0] and kept[-2] and not kept[-1]  # header with the first row; last row with 总分
    # 产出指标 (short) kept whole; its last row not kept with 预算执行率
    last_output = max(i for i, r in enumerate(rows) if "成本指标" in r)
    assert all(kept[1:last_output]) and not kept[last_output]
    # the first part has no bottom line: the second's top line joins them
    assert top.find(f"{qn('w:tblPr')}/{qn('w:tblBorders')}/{qn('w:bottom')}").get(qn("w:val")) == "nil"


def test_a_table_that_fits_a_page_is_kept_whole(tmp_path):
    """A short project's table (it fits on a page) keeps every row with the next: it starts on the
    next page rather than split, and only then."""
    v = validate(workbook(clean_rows()), SHAANXI)
    table = R.project_table(v.projects[0])
    assert R.table_height(table.rows) + R.HEADING_HEIGHT < R.PAGE_BODY_CM
    assert all(table.keep[:-1]) and not table.keep[-1]
    _, doc = report_of(v, tmp_path)
    trs = [tr for t in doc.tables for tr in t._tbl.iter(qn("w:tr"))]
    assert all(_keeps(tr) for tr in trs[:-1])


def test_table_height_estimate():
    """One line of 五号 with the stand-ins' line height; a merged label counted once."""
    one = (R.TCell("总分", 0, 2000),)
    assert R.table_height([one]) == pytest.approx(R.ROW_MIN_CM)
    long = (R.TCell("字" * 40, 0, 1000),)  # 1000 twips: 50 pt less the margins, 4 characters a line
    assert R.cell_lines("字" * 40, 1000) == 10
    assert R.table_height([long]) == pytest.approx(10 * R.TABLE_LINE_CM + 0.1)
    merged = [(R.TCell("字" * 8, 0, 1000, merge="m"),), (R.TCell("字" * 8, 0, 1000, merge="m"),)]
    assert R.table_height(merged) == pytest.approx(2 * R.ROW_MIN_CM)


def test_headers_break_at_words():
    """ "预算执行进/度", "预期指标/值", "实际完成/值": a label that does not fit its cell breaks at a word."""
    cm = R.TWIPS_PER_CM
    assert R.head_label("预算执行进度", round(2.0 * cm)) == "预算执行\n进度"
    assert R.head_label("预期指标值", round(1.5 * cm)) == "预期\n指标值"
    assert R.head_label("偏差原因分析及改进措施", round(2.6 * cm)) == "偏差原因分析\n及改进措施"
    assert R.head_label("实施（主管）单位", round(2.6 * cm)) == "实施（主管）\n单位"
    assert R.head_label("分值", round(1.2 * cm)) == "分值"
    for cols in (
        R._Columns(R.TABLE_WIDTH - R.SIDE_WIDTH, w, r) for w in (True, False) for r in (True, False)
    ):
        for name in cols.names:
            label = R.head_label(name, cols.span(name)[1] - cols.span(name)[0])
            assert all(
                R.cell_lines(line, cols.span(name)[1] - cols.span(name)[0]) == 1 for line in label.split("\n")
            ), (
                cols.names,
                name,
                label,
            )
            assert all(len(line) > 1 for line in label.split("\n")), label


def test_number_shown_as_the_workbook_formats_it():
    assert R.number_shown(1, "0%") == "100%"
    assert R.number_shown(0.955, "0.0%") == "95.5%"
    assert R.number_shown(2, "0.00") == "2.00"
    assert R.number_shown(12345.5, "#,##0.00") == "12,345.50"
    assert R.number_shown(-0.001, "0.00") == "0.00"
    assert R.number_shown(1, "yyyy-mm-dd") is None and R.number_shown(1, "General") is None
    c = Cell("B2", parse(1))
    assert value_text(c, fmt="0%") == "100%" and value_text(c) == "1"


def test_a_value_typed_as_a_percentage_prints_as_one(tmp_path):
    """1 with a % format (what typing 100% stores) prints "100%"; the 目标 row's "2" is text, left."""
    import openpyxl

    rows = clean_rows()
    set_ind(rows, 0, "预期指标值", 1)
    goal_at = next(i for i, r in enumerate(rows) if "培训100人次" in r)
    rows[goal_at][1] = 2  # 年度预期目标 typed as a bare number
    src = write_xlsx(tmp_path / "百分比.xlsx", rows)
    book = openpyxl.load_workbook(src)
    ws = book["自评表1"]
    ref = ws.cell(FIRST_IND + 1, HEAD.index("预期指标值") + 1)
    ref.number_format = "0%"
    book.save(src)
    v = api.validate_file(src, "shaanxi")
    name = v.projects[0].indicators[0].indicator.name.text
    _, doc = report_of(v, tmp_path)
    table = project_tables(doc)[0]
    row = next(r for r in table if name in r)
    assert row[row.index(name) + 1] == "100%"
    goal = next(i for i, r in enumerate(table) if "年度预期目标" in r) + 1
    assert table[goal][1] == "2"
    tr = list(doc.tables[0]._tbl.iter(qn("w:tr")))[goal]
    jc = tr.findall(f"{qn('w:tc')}/{qn('w:p')}/{qn('w:pPr')}/{qn('w:jc')}")
    assert jc[1].get(qn("w:val")) == "left"


def test_missing_gb_fonts_are_named(monkeypatch):
    monkeypatch.setattr(libreoffice, "installed_font_families", lambda: {"FangSong_GB2312", "黑体", "SimSun"})
    assert R.replaced_fonts() == ["楷体_GB2312", "方正小标宋简体"]
    monkeypatch.setattr(libreoffice, "installed_font_families", lambda: None)
    assert R.replaced_fonts() is None


def test_measures_draw_on_the_projects_results(seed_report, seed_validation):
    """四、整改措施 answers the projects' results (targets missed, points lost), numbered （一）（二）…;
    the form's filling errors are in the review notes, not here."""
    _, doc = seed_report
    text = section_text(doc, "四、整改措施及结果应用")
    facts = report_facts(seed_validation)
    assert "（一）推动绩效目标实现。“机构编制管理工作监督检查”、“实名制管理及编制使用核准”项目" in text
    assert f"（二）改进未得满分的指标。4个项目共{facts.deduction_count}项指标未得满分" in text
    assert "（三）" not in text
    for word in ("需要更正", "偏差原因缺失", "指标值缺失", "XP0"):
        assert word not in text, word
    assert not re.search(r"\d+处", text)


# --- conclusions follow the data --------------------------------------------------------------------------


def test_clean_project_has_no_problem_sentences(tmp_path):
    v = validate(workbook(clean_rows()), SHAANXI)
    assert not v.findings
    _, doc = report_of(v, tmp_path)
    (c,) = conclusions(doc)
    assert c.startswith("通过自评，得分为100分，等级为“优”")
    assert "各项指标均已完成" in c
    for word in ("问题", "未填写", "低于", "不符", "扣"):
        assert word not in c
    assert "未发现预算执行偏慢、绩效目标未达成或指标未得满分的情况" in section_text(
        doc, "四、整改措施及结果应用"
    )
    assert "未发现偏离绩效目标较大的项目" in section_text(
        doc, "二、绩效目标实现情况", "三、绩效目标设定质量情况"
    )


def test_low_execution_and_deduction_are_reported(tmp_path):
    rows = clean_rows()
    rows[6][6], rows[7][6], rows[8][6] = 6, 4, 2  # 执行数 6 of 10: 财政资金 4, 其他 2
    rows[6][7] = 0.6  # 预算执行进度
    set_ind(rows, 4, "实际完成值", "60%")
    set_ind(rows, 4, "自评得分", 6)
    rows[-1][7] = 96
    v = validate(workbook(rows), SHAANXI)
    out, doc = report_of(v, tmp_path)
    (c,) = conclusions(doc)
    # 96 counted, capped at 79 for an execution rate below 70 % (陕西): the text says both, the table too
    assert c.startswith(
        "通过自评，各项指标得分合计96分，因预算执行率为60%，按评分方案核定总分为79分，等级为“中”"
    )
    assert "预算执行率60%" in c and "预算执行率低于90%" in c
    assert "1项指标未得满分，共扣4分" in c
    table = project_tables(doc)[0]
    assert table[-1][1] == "核定总分（预算执行率 60%，总分不超过 79）" and table[-1][-2] == "79"
    assert "未填写偏差原因分析及改进措施" in review_notes(review_of(out))["干部教育培训"]
    assert "预算执行率低于90%的项目有1个（“干部教育培训”）" in section_text(
        doc, "二、绩效目标实现情况", "三、绩效目标设定质量情况"
    )


def test_explained_deduction_is_not_a_problem(tmp_path):
    rows = clean_rows()
    set_ind(rows, 9, "实际完成值", "85%")
    set_ind(rows, 9, "自评得分", 9.44)  # 85% of ≥90% × 10
    set_ind(rows, 9, "偏差原因分析及改进措施", "部分参训人员对培训时间安排不满意，下年度调整。")
    rows[-1][7] = 99.44
    v = validate(workbook(rows), SHAANXI)
    assert v.errors == v.warnings == 0, [f.message for f in v.findings]
    _, doc = report_of(v, tmp_path)
    (c,) = conclusions(doc)
    assert "“参训人员满意度”得9.44分（分值10分）" in c
    assert "已分析偏差原因" in c and "问题" not in c
    # the 偏差原因 column appears because the workbook has one filled (分值 too: the factory fills it)
    header = next(r for r in project_tables(doc)[0] if "一级指标" in r)
    assert header[-3:] == ["分值", "自评得分", "偏差原因分析及改进措施"]


def test_report_facts_counts():
    rows = clean_rows()
    set_ind(rows, 0, "实际完成值", None)
    f = report_facts(validate(workbook(rows), SHAANXI))
    (p,) = f.projects
    assert p.hits["XP008"] and not p.hits["XP999"]
    assert p.has_problems and not p.clean
    assert f.rule("XP008").projects == ("干部教育培训",)


# --- the document's look --------------------------------------------------------------------------------


def test_fonts_page_and_footer(seed_report):
    out, doc = seed_report
    sec = doc.sections[0]
    assert (round(sec.page_width.cm, 1), round(sec.page_height.cm, 1)) == (21.0, 29.7)

    def east_asia(style_name):
        fonts = doc.styles[style_name].element.find(f"{qn('w:rPr')}/{qn('w:rFonts')}")
        assert fonts.get(qn("w:eastAsiaTheme")) is None
        return fonts.get(qn("w:eastAsia"))

    assert east_asia("Normal") == "仿宋_GB2312"
    assert east_asia("Heading 1") == "黑体"
    assert east_asia("Heading 2") == "楷体_GB2312"
    assert east_asia("Title") == "方正小标宋简体"
    assert doc.styles["Normal"].font.size.pt == 16
    with zipfile.ZipFile(out) as z:
        footer = "".join(z.read(n).decode("utf-8") for n in z.namelist() if n.startswith("word/footer"))
    assert " PAGE " in footer and 'w:fldCharType="begin"' in footer
    borders = doc.tables[0]._tbl.find(f"{qn('w:tblPr')}/{qn('w:tblBorders')}")
    assert borders.find(qn("w:insideH")).get(qn("w:val")) == "single"


def test_attachment_marker_is_optional(seed_validation, tmp_path):
    _, doc = report_of(seed_validation, tmp_path, attachment="附件3")
    assert [p.text for p in doc.paragraphs[:2]] == ["附件3：", "长安区委编办2020年度绩效自评工作报告"]


def test_value_text():
    def c(raw):
        return Cell("A1", parse(raw))

    assert value_text(c(1.6)) == "1.6"
    assert value_text(c(2.0)) == "2"
    assert value_text(c("100%")) == "100%"
    assert value_text(c(0.973), percent=True) == "97.3%"
    assert value_text(c(None)) == ""
    assert value_text(c("≥95%")) == "≥95%"


# --- templates --------------------------------------------------------------------------------------------


def test_template_dir_overrides_one_file(seed_validation, tmp_path):
    d = tmp_path / "tpl"
    d.mkdir()
    (d / "conclusion.j2").write_text("经自评，{{ p.name }}得{{ p.score|num }}分。\n", encoding="utf-8")
    _, doc = report_of(seed_validation, tmp_path, template_dir=d)
    assert conclusions(doc)[0] == "经自评，机构编制管理工作监督检查得96分。"
    assert doc.paragraphs[0].text == "长安区委编办2020年度绩效自评工作报告"  # the others still shipped


def test_broken_template_is_a_chinese_error(seed_validation, tmp_path):
    d = tmp_path / "tpl"
    d.mkdir()
    (d / "title.j2").write_text("{{ report.unit_nam }}\n", encoding="utf-8")
    with pytest.raises(TemplateError, match="报告模板 title.j2 使用了不存在的名称"):
        write_report(seed_validation, tmp_path / "r.docx", template_dir=d)
    (d / "title.j2").write_text("{% if %}\n", encoding="utf-8")
    with pytest.raises(TemplateError, match="第 1 行语法错误"):
        write_report(seed_validation, tmp_path / "r.docx", template_dir=d)
    with pytest.raises(TemplateError, match="报告模板文件夹不存在"):
        write_report(seed_validation, tmp_path / "r.docx", template_dir=tmp_path / "无")


def test_export_templates(tmp_path):
    written = export_templates(tmp_path / "t")
    assert sorted(p.name for p in written) == sorted(TEMPLATES)
    assert export_templates(tmp_path / "t") == []  # kept, not overwritten


def test_blocks_and_numbers():
    got = blocks("# 一、标题\n第一句。\n第二句。\n\n## 1、小标题\n另一段。\n")
    assert [(b.kind, b.text) for b in got] == [
        ("heading1", "一、标题"),
        ("body", "第一句。第二句。"),
        ("heading2", "1、小标题"),
        ("body", "另一段。"),
    ]
    assert [cn_number(n) for n in (1, 10, 12, 20, 21)] == ["一", "十", "十二", "二十", "二十一"]


# --- output and CLI ---------------------------------------------------------------------------------------


def test_output_must_be_docx_and_never_the_workbook(seed_validation, seed_sample, tmp_path):
    with pytest.raises(OutputError, match=r"\.docx"):
        write_report(seed_validation, tmp_path / "r.pdf")
    assert write_report(seed_validation, tmp_path / "报告").suffix == ".docx"
    with pytest.raises(OutputError):
        write_report(seed_validation, seed_sample.with_suffix(".docx").parent / "missing" / "r.docx")


def test_pdf_without_libreoffice_is_a_clear_error(seed_validation, tmp_path, monkeypatch):
    monkeypatch.setattr(libreoffice, "find_soffice", lambda: None)
    with pytest.raises(OutputError, match="未找到 LibreOffice"):
        write_report(seed_validation, tmp_path / "r.docx", pdf=True)
    assert (tmp_path / "r.docx").is_file()  # the Word file is written first


def test_cli_report(seed_sample, tmp_path):
    out = tmp_path / "报告.docx"
    res = CliRunner().invoke(cli, ["report", str(seed_sample), "-o", str(out), "--attachment", "附件3"])
    assert res.exit_code == 0, res.output
    assert "已生成自评报告" in res.output and out.is_file()
    res = CliRunner().invoke(cli, ["report", str(tmp_path / "无此文件.xlsx"), "-o", str(out)])
    assert res.exit_code == 2 and "错误：" in res.output
    res = CliRunner().invoke(cli, ["report", "--export-templates", str(tmp_path / "tpl")])
    assert res.exit_code == 0 and (tmp_path / "tpl" / "conclusion.j2").is_file()
    res = CliRunner().invoke(cli, ["report", "--help"])
    assert "xlperf report" in res.output and "--pdf" in res.output


def test_default_report_path(seed_validation, seed_sample):
    assert (
        R.default_report_path(seed_validation)
        == seed_sample.parent / "长安区委编办2020年度绩效自评工作报告.docx"
    )


def test_errors_are_xlperf_errors():
    assert issubclass(TemplateError, XlperfError)


# --- LibreOffice ----------------------------------------------------------------------------------------


@pytest.mark.libreoffice
def test_libreoffice_converts_the_report_to_pdf(seed_validation, tmp_path, soffice):
    out = write_report(seed_validation, tmp_path / "报告.docx", pdf=True)
    pdf = out.with_suffix(".pdf")
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF") and data.count(b"/Type /Page") + data.count(b"/Type/Page") >= 4


@pytest.mark.libreoffice
def test_rendered_report_keeps_headings_tables_and_labels_together(seed_validation, tmp_path, soffice):
    """Rendered by LibreOffice, page by page: a project's heading is on the page where its table starts,
    a page the indicator table runs onto starts with its header row, a merged 一级指标 label is never cut
    ("效益指标" on one page, "（40）" on the next), the 落款 shares its page with four lines of text or
    more and ends the report (the review notes are a file of their own); no page is left half empty
    before a table that would not have fitted on the next page either."""
    import subprocess

    out = write_report(seed_validation, tmp_path / "报告.docx", pdf=True)
    text = subprocess.run(
        ["pdftotext", str(out.with_suffix(".pdf")), "-"], capture_output=True, text=True, check=True
    ).stdout
    pages = ["".join(p.split()) for p in text.split("\f") if p.strip()]
    assert 7 <= len(pages) <= 11
    for i, name in enumerate(SEED_PROJECTS, 1):
        head = f"（{cn_number(i)}）{name}"
        page = next(p for p in pages if head in p)
        assert page.index(head) < page.index("实施（主管）", page.index(head))
    labels = ("产出指标（40）", "效益指标（40）", "满意度指标（10分）", "率指标（10分）")
    for boxes in _page_boxes(out.with_suffix(".pdf")):  # a cell's lines are one text box
        for box in boxes:
            if "（40）" in box:
                assert "指标（40）" in box, box  # labels whole: never "效益指标" here, "（40）" there
        # a page the indicator rows run onto (a 一级 label, not the table's start) repeats the header
        if any(x in b for b in boxes for x in labels) and not any("一、基本情况" in b for b in boxes):
            assert any("一级指标" in b for b in boxes), boxes[:8]
    assert sum("一级指标" in p for p in pages) > len(SEED_PROJECTS)  # some header was repeated
    sign = next(i for i, p in enumerate(pages) if "长安区委编办" in p and "年" in p[-40:] and "月" in p[-40:])
    assert sign == len(pages) - 1 and "核对" not in "".join(pages)
    before = pages[sign][: pages[sign].rindex("长安区委编办")]
    assert len(before) >= 2 * 27  # two full lines of text at least: never the 落款 with one sentence


def _page_boxes(pdf) -> list[list[str]]:
    from pdfminer.high_level import extract_pages
    from pdfminer.layout import LTTextBox

    return [
        ["".join(o.get_text().split()) for o in page if isinstance(o, LTTextBox)]
        for page in extract_pages(str(pdf))
    ]


def _find_all(text: str, part: str) -> list[int]:
    out, at = [], text.find(part)
    while at >= 0:
        out.append(at)
        at = text.find(part, at + 1)
    return out


# Word refuses a file whose pPr/rPr children are out of schema order (LibreOffice does not mind)
PPR_ORDER = [
    "pStyle",
    "keepNext",
    "keepLines",
    "pageBreakBefore",
    "framePr",
    "widowControl",
    "numPr",
    "suppressLineNumbers",
    "pBdr",
    "shd",
    "tabs",
    "suppressAutoHyphens",
    "kinsoku",
    "wordWrap",
    "overflowPunct",
    "topLinePunct",
    "autoSpaceDE",
    "autoSpaceDN",
    "bidi",
    "adjustRightInd",
    "snapToGrid",
    "spacing",
    "ind",
    "contextualSpacing",
    "mirrorIndents",
    "suppressOverlap",
    "jc",
    "textDirection",
    "textAlignment",
    "textboxTightWrap",
    "outlineLvl",
    "divId",
    "cnfStyle",
    "rPr",
    "sectPr",
    "pPrChange",
]
RPR_ORDER = [
    "rStyle",
    "rFonts",
    "b",
    "bCs",
    "i",
    "iCs",
    "caps",
    "smallCaps",
    "strike",
    "dstrike",
    "outline",
    "shadow",
    "emboss",
    "imprint",
    "noProof",
    "snapToGrid",
    "vanish",
    "webHidden",
    "color",
    "spacing",
    "w",
    "kern",
    "position",
    "sz",
    "szCs",
    "highlight",
    "u",
    "effect",
    "bdr",
    "shd",
    "fitText",
    "vertAlign",
    "rtl",
    "cs",
    "em",
    "lang",
    "eastAsianLayout",
    "specVanish",
    "oMath",
]


def test_paragraph_and_run_properties_in_schema_order(seed_report):
    out, _ = seed_report
    from lxml import etree

    w = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    with zipfile.ZipFile(out) as z:
        parts = [n for n in z.namelist() if n.startswith("word/") and n.endswith(".xml")]
        for name in parts:
            root = etree.fromstring(z.read(name))
            for tag, order in (("pPr", PPR_ORDER), ("rPr", RPR_ORDER)):
                for el in root.iter(w + tag):
                    kids = [c.tag[len(w) :] for c in el if c.tag.startswith(w)]
                    known = [k for k in kids if k in order]
                    assert known == sorted(known, key=order.index), (name, tag, kids)


@pytest.mark.parametrize(
    "sample", ["长安区委编办_2020.xlsx", "西安市雁塔区教育局_2020.xlsx", "西安市长安区财政局_2020.xlsx"]
)
def test_amounts_and_scores_fit_their_cells(sample, samples_dir):
    """ "500.0/0": an amount, a rate or a score never wraps in its cell (digits at 0.6 em, wider than any
    stand-in's), whichever columns the form has."""
    v = api.validate_file(samples_dir / sample)
    for pr in v.projects:
        t = R.project_table(pr)
        for row in t.rows:
            for c in row:
                if not c.head and c.text and re.fullmatch(r"[\d.,%≥≤<>-]+", c.text):
                    assert R.cell_lines(c.text, c.x1 - c.x0) == 1, (pr.project.sheet, c.text, c.x1 - c.x0)


@pytest.mark.parametrize(
    "title, lines",
    [
        ("长安区委编办2020年度绩效自评工作报告", ["长安区委编办2020年度绩效自评工作报告"]),  # fits one line
        ("西安市雁塔区教育局2020年度绩效自评工作报告", ["西安市雁塔区教育局", "2020年度绩效自评工作报告"]),
        (
            "关于西安市雁塔区教育局2020年度项目支出绩效自评工作的报告",
            ["关于西安市雁塔区教育局", "2020年度项目支出绩效自评工作的报告"],
        ),
        (
            "西安市长安区教育局和体育局2020年度绩效自评工作报告",
            ["西安市长安区教育局和体育局", "2020年度绩效自评工作报告"],
        ),
        # no break that fits both lines: one line, wrapped by Word as it must
        ("陕西省西安市长安区人民政府办公室（区政府研究室）2020年度绩效自评工作报告", None),
    ],
)
def test_a_long_title_breaks_at_a_word_not_inside_one(title, lines):
    got = R.title_lines(title)
    assert got == (lines or [title])
    assert all(R.text_width_pt(x, R.SIZE_TITLE.pt) <= R.TEXT_WIDTH_PT for x in got) or lines is None


def test_the_reports_title_paragraph_carries_the_break(tmp_path):
    out = tmp_path / "r.docx"
    sample = Path(__file__).resolve().parent.parent / "workbooks" / "samples" / "西安市雁塔区教育局_2020.xlsx"
    write_report(api.validate_file(sample), out, pdf=False)
    title = Document(out).paragraphs[0]
    assert title.style.name == "Title" and title.text == "西安市雁塔区教育局\n2020年度绩效自评工作报告"
