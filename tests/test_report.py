"""The 绩效自评工作报告: the seed sample's report holds the seed's projects, tables and scores; conclusions
follow the data; templates can be overridden; LibreOffice turns the .docx into a PDF."""

from __future__ import annotations

import zipfile

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
    """附：报送前核对事项: the notes under each project's heading ("（一）项目名称")."""
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
    headings = [p.text for p in doc.paragraphs if p.style.name == "Heading 2"]
    assert headings == [f"{i}、{n}" for i, n in enumerate(SEED_PROJECTS, 1)]


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
        # 四、年度绩效指标完成情况 (分值: the sample's, from the seed's labels; no 偏差原因: all blank)
        assert rows[7] == [
            "四、年度绩效指标完成情况",
            "一级指标",
            "二级指标",
            "三级指标",
            "预期指标值",
            "实际完成值",
            "分值",
            "自评得分",
        ]
        assert rows[8][:3] == ["", "产出指标（40）", "数量指标"]
        assert rows[9][:3] == ["", "", "质量指标"]  # 一级 merged down
        assert rows[-1] == ["", "总分", "100", total]
        assert cells.count("产出指标（40）") == 1
        levels2 = [r[2] for r in rows[8:-1]]
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
    assert budget_rate[-4:] == ["100%", "50%", "10", "10"]  # the 度量单位 % printed with the value
    satisfaction = rows[-2]
    assert satisfaction[-5:] == ["满意度", "100%", "98%", "10", "8"]
    # project 2: the blank 预期/实际 stay blank
    rows2 = project_tables(doc)[1]
    first = next(r for r in rows2 if "及时维护机构编制信息平台数据库" in r)
    assert first[-4:] == ["", "", "10", "10"]


def test_numbers_right_aligned(seed_report):
    _, doc = seed_report
    tr = list(doc.tables[0]._tbl.iter(qn("w:tr")))[2]
    tcs = list(tr.iter(qn("w:tc")))
    jc = [tc.find(f"{qn('w:p')}/{qn('w:pPr')}/{qn('w:jc')}").get(qn("w:val")) for tc in tcs]
    assert jc[2] == "right" and jc[1] == "center"  # the amount vs its label


def test_each_conclusion_names_its_score_and_grade(seed_report):
    _, doc = seed_report
    found = conclusions(doc)
    assert len(found) == 4
    for text, (_, _, total) in zip(found, SEED_PROJECTS.values(), strict=True):
        assert text.startswith(f"通过自评，得分为{total}分，等级为“优”")


def test_seed_conclusions_say_what_is_wrong(seed_report):
    """The unit's voice in the text sent upward (its results, deductions, what it will improve); the
    form's errors for it to correct are on the page after the 落款, under each project's name."""
    _, doc = seed_report
    c1, c2, c3, c4 = conclusions(doc)
    notes = review_notes(doc)
    r1, r2, r3, r4 = (notes[name] for name in SEED_PROJECTS)
    # project 1: 预算执行率 indicator 50% while 2/2 was spent; two rows below full marks, unexplained
    assert "2项指标未得满分" in c1 and "“满意度”得8分（分值10分）" in c1
    assert "预算执行率应为100%" in r1 and "未填写偏差原因分析及改进措施" in r1
    # project 2: values missing, a score above its weight
    assert (
        "“及时维护机构编制信息平台数据库”、“实际完成使用核准卡占年度使用计划百分比”的预期指标值或实际完成值未填写"
        in r2
    )
    assert "“编制的动态管理”的得分超出该指标分值" in r2
    # project 3: one value missing, no budget-rate problem
    assert "“保障全区单位域名使用”的预期指标值或实际完成值未填写" in r3
    assert "预算执行率应为" not in r3
    assert "得分超出" in r4
    for c in (c1, c2, c3, c4):
        # 预算执行进度 is the template's formula: computed (the table shows 100%), so not reported as blank
        assert "未填写预算执行进度" not in c
        # no review notes addressed to the unit in what it sends
        for word in ("需", "核实更正", "应为", "未填写", "不符"):
            assert word not in c, (word, c)


def test_deductions_and_a_score_above_its_weight_are_one_sentence(seed_report):
    """Project 2 loses 13 points and counts 10 above a 分值: 100 − 13 + 10 = 97, said in one sentence."""
    _, doc = seed_report
    c2 = conclusions(doc)[1]
    sentence = next(s for s in c2.split("。") if "共扣13分" in s)
    assert "“编制的动态管理”得20分（分值10分）高于分值，多计10分" in sentence
    assert sentence.endswith("扣分与多计相抵后得分为97分")


def test_signature_and_review_page_apart(seed_validation, tmp_path):
    import datetime as dt

    _, doc = report_of(seed_validation, tmp_path)
    paras = doc.paragraphs
    signs = [p for p in paras if p.style.name == "xlperf 落款"]
    today = dt.date.today()
    assert [p.text for p in signs] == ["长安区委编办", f"{today.year}年{today.month}月{today.day}日"]
    assert signs[0].paragraph_format.keep_with_next
    assert paras[paras.index(signs[0]) - 1].paragraph_format.keep_with_next  # not alone on a page
    # the review page: after the 落款, on a page of its own, not in the report's outline
    after = paras[paras.index(signs[-1]) + 1 :]
    assert 'w:type="page"' in after[0]._p.xml
    assert after[1].text == "附：报送前核对事项" and after[1].style.name == "xlperf 核对事项标题"
    assert all(not p.style.name.startswith("Heading") for p in after)
    # without it the 落款 ends the report
    _, bare = report_of(seed_validation, tmp_path, name="bare.docx", review=False)
    assert bare.paragraphs[-1].style.name == "xlperf 落款" and not review_notes(bare)
    # a clean workbook has nothing to check: no page
    _, clean = report_of(validate(workbook(clean_rows()), SHAANXI), tmp_path, name="clean.docx")
    assert clean.paragraphs[-1].style.name == "xlperf 落款"


def test_tables_repeat_the_indicator_header_and_keep_blocks_together(seed_report):
    _, doc = seed_report
    top, inds = doc.tables[0]._tbl, doc.tables[1]._tbl
    trs = list(inds.iter(qn("w:tr")))
    assert trs[0].find(f"{qn('w:trPr')}/{qn('w:tblHeader')}") is not None  # 一级指标 … repeated
    assert all(tr.find(f"{qn('w:trPr')}/{qn('w:tblHeader')}") is None for tr in trs[1:])
    assert all(tr.find(f"{qn('w:trPr')}/{qn('w:cantSplit')}") is not None for tr in trs)

    def keeps(tr) -> bool:
        ps = list(tr.iter(qn("w:p")))
        return all(p.find(f"{qn('w:pPr')}/{qn('w:keepNext')}") is not None for p in ps)

    # the part above the indicators stays whole, with the heading before and the header after
    assert all(keeps(tr) for tr in top.iter(qn("w:tr")))
    rows = row_texts(doc.tables[1])
    kept = [keeps(tr) for tr in trs]
    assert kept[0] and kept[-2] and not kept[-1]  # header with the first row; last row with 总分
    # inside a 一级指标 every row keeps with the next; its last row (before 满意度指标) does not
    last_benefit = max(i for i, r in enumerate(rows) if "可持续影响指标" in r)
    assert all(kept[1:last_benefit]) or kept[1] is True
    assert not kept[last_benefit] and rows[last_benefit + 1][2] == "满意度指标"
    # the first part has no bottom line: the second's top line joins them
    assert top.find(f"{qn('w:tblPr')}/{qn('w:tblBorders')}/{qn('w:bottom')}").get(qn("w:val")) == "nil"


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


def test_measures_draw_on_the_findings(seed_report, seed_validation):
    _, doc = seed_report
    text = section_text(doc, "四、整改措施及结果应用")
    v = seed_validation
    assert f"需要更正的问题{v.errors}处、需要补充说明的问题{v.warnings}处" in text
    xp009 = [f for f in v.findings if f.rule == "XP009"]
    assert f"偏差原因缺失。全部4个项目均有，共{len(xp009)}处" in text
    assert "指标值缺失。涉及2个项目" in text
    assert "（一）" in text and "未发现需要更正的问题" not in text


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
    assert "未发现需要更正的问题" in section_text(doc, "四、整改措施及结果应用")
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
    _, doc = report_of(v, tmp_path)
    (c,) = conclusions(doc)
    assert "得分为96分" in c
    assert "预算执行率60%" in c and "预算执行率低于90%" in c
    assert "1项指标未得满分，共扣4分" in c
    assert "未填写偏差原因分析及改进措施" in review_notes(doc)["干部教育培训"]
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
    ("效益指标" on one page, "（40）" on the next), the 落款 shares its page with text, the review page
    is a page of its own after it."""
    import subprocess

    out = write_report(seed_validation, tmp_path / "报告.docx", pdf=True)
    text = subprocess.run(
        ["pdftotext", str(out.with_suffix(".pdf")), "-"], capture_output=True, text=True, check=True
    ).stdout
    pages = ["".join(p.split()) for p in text.split("\f") if p.strip()]
    assert 8 <= len(pages) <= 14
    for i, name in enumerate(SEED_PROJECTS, 1):
        page = next(p for p in pages if f"{i}、{name}" in p)
        assert page.index(f"{i}、{name}") < page.index("实施（主管）", page.index(f"{i}、{name}"))
    labels = ("产出指标（40）", "效益指标（40）", "满意度指标（10分）", "率指标（10分）")
    for p in pages:
        assert all(p[max(0, i - 2) : i] == "指标" for i in _find_all(p, "（40）")), p  # labels whole
        # a page the indicator rows run onto (a 一级 label, not the table's start) repeats the header
        if any(x in p for x in labels) and "一、基本情况" not in p:
            assert "一级指标" in p, p[:80]
    assert sum("一级指标" in p for p in pages) > len(SEED_PROJECTS)  # some header was repeated
    sign = next(i for i, p in enumerate(pages) if "长安区委编办" in p and "年" in p[-40:] and "月" in p[-40:])
    assert "整改" in pages[sign] or "预算" in pages[sign]  # not alone on its page
    assert pages[sign + 1].startswith("附：报送前核对事项")


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
