"""Word reports (绩效自评工作报告) as units send them: validate, consolidate and import.

Every document here is built with python-docx (tests/word_reports.py), never by ``xlperf report``.
"""

from __future__ import annotations

import json
import zipfile
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner
from docx import Document
from test_seed_sample import EXPECTED
from word_reports import add_table, national_report, national_table_rows, seed_report

from xlperf import api
from xlperf.cli import cli
from xlperf.errors import ReadError
from xlperf.sources import read_grids

SEED_TOTALS = [
    ("机构编制管理工作监督检查", 2, 1.0, 96, 96),
    ("实名制管理及编制使用核准", 1, 1.0, 97, 97),
    ("政务和中文域名注册费", 1.6, 1.0, 99, 99),
    ("事业单位法人登记管理工作", 1.6, 1.0, 97, 97),
]


def _totals(v):
    return [
        (
            pr.project.name.text,
            pr.project.budget.total.number,
            pr.rate,
            pr.project.total.number,
            pr.total_recomputed,
        )
        for pr in v.projects
    ]


def _by_project(findings, key=lambda f: f.sheet):
    """(rule, project index, severity) of every finding: the workbook's and the report's locations
    differ (自评表2!H23 vs 表2 第17行 第7列), the findings do not."""
    return Counter((f.rule, key(f)[-1], f.severity) for f in findings)


@pytest.mark.parametrize("merged", [True, False], ids=["merged", "flat"])
def test_seed_report_reads_as_the_seed_workbook(tmp_path, seed_sample, merged):
    doc = seed_report(tmp_path / "长安区委编办2020年度绩效自评工作报告.docx", merged=merged)
    v = api.validate_file(doc)
    book = api.validate_file(seed_sample)
    assert (
        v.preset.name == "shaanxi"
    )  # from the 一级 labels' weights (产出40, 预算执行率10, 效益40, 满意度10)
    assert (v.workbook.unit.name, v.workbook.unit.year) == ("长安区委编办", "2020")
    assert _totals(v) == _totals(book) == SEED_TOTALS
    # the same findings, plus what a Word table cannot hold: the 预算执行进度 the workbook computes by
    # formula is left as the form's hint in Word, so each table gets the computed value as a 提示
    extra = Counter({("XP001", str(i), "info"): 1 for i in range(1, 5)})
    assert _by_project(v.findings) == _by_project(book.findings) + extra
    assert "XP021" not in {f.rule for f in v.findings}  # every conclusion agrees with its table


def test_seed_report_locations(tmp_path):
    v = api.validate_file(seed_report(tmp_path / "r.docx"))
    where = {(f.rule, f.cell) for f in v.findings}
    # 表2's 10th indicator row (row 20 of the table): 群众满意度 scored 7; the score is the 7th cell of
    # its row (the merged section column and the merged 一级 column count once each)
    assert ("XP004", "表2 第20行 第7列") in where
    assert ("XP002", "表1 第15行 第6列") in where  # 预算执行率 50%: the 6th cell, 实际完成值
    assert ("XP001", "表1 第3行 第8列") in where  # the hint cell of the 预算数 row
    f = next(f for f in v.findings if f.cell == "表2 第20行 第7列")
    assert f.where == "表2 第20行 第7列" and f.message.startswith("表2 第20行 第7列 得分与完成值不符：")


def test_conclusion_disagreeing_with_the_table_is_reported(tmp_path):
    doc = seed_report(tmp_path / "r.docx", stated=[96, 95, 99, 97])
    v = api.validate_file(doc)
    (f,) = [f for f in v.findings if f.rule == "XP021"]
    assert (f.sheet, f.cell, f.severity, f.expected, f.found) == (
        "表2",
        "表2 之后第1段",
        "error",
        "97",
        "95分",
    )
    assert f.project == "实名制管理及编制使用核准"


def test_cli_validate_json_and_text(tmp_path):
    doc = seed_report(tmp_path / "r.docx", stated=[96, 95, 99, 97])
    runner = CliRunner()
    res = runner.invoke(cli, ["validate", str(doc), "--format", "json"])
    assert res.exit_code == 1  # errors found, as for a workbook
    data = json.loads(res.output)["files"][0]
    cells = {(f["rule"], f["cell"]) for f in data["findings"]}
    assert ("XP021", "表2 之后第1段") in cells and ("XP004", "表2 第20行 第7列") in cells
    text = runner.invoke(cli, ["validate", str(doc)])
    assert text.exit_code == 1
    assert "表2 第20行 第7列" in text.output and "结论得分与总分不符" in text.output
    refused = runner.invoke(cli, ["validate", str(doc), "-o", str(tmp_path / "x.xlsx")])
    assert refused.exit_code == 2 and "xlperf import" in refused.output


def _national(path: Path, extra_table: bool = True) -> Path:
    """The national form's indicator table: 一级｜二级｜三级｜年度指标值｜实际完成值｜分值｜得分｜偏差原因分析及改进措施
    (9 grid columns with the section column), the funds block without 其他 rows."""
    doc = Document()
    doc.add_paragraph("西安市雁塔区教育局2021年度项目支出绩效自评报告")
    if extra_table:
        t = doc.add_table(rows=2, cols=2)
        t.rows[0].cells[0].text, t.rows[0].cells[1].text = "项目", "金额（万元）"
        t.rows[1].cells[0].text, t.rows[1].cells[1].text = "合计", "320"
    doc.add_paragraph("1、校园安全设施改造")

    def c(text="", span=1, vmerge=None):
        return (str(text), span, vmerge)

    rows = [
        [c("一、基本情况"), c("项目名称"), c("校园安全设施改造", 3), c("实施（主管）单位", 2), c("西安市雁塔区教育局", 2)],
        [c("二、预算执行情况", 1, "restart"), c("预算安排情况（调整后）", 2), c("资金到位情况", 2),
         c("资金执行情况", 2), c("预算执行进度", 2)],
        [c("", 1, "continue"), c("预算数："), c("320"), c("到位数："), c("320"), c("执行数："), c("288"), c("90%", 2)],
        [c("", 1, "continue"), c("其中：财政资金"), c("320"), c("其中：财政资金"), c("320"), c("其中：财政资金"),
         c("288"), c("", 2)],
        [c("四、年度绩效指标完成情况", 1, "restart"), c("一级指标"), c("二级指标"), c("三级指标"), c("年度指标值"),
         c("实际完成值"), c("分值"), c("得分"), c("偏差原因分析及改进措施")],
        [c("", 1, "continue"), c("产出指标\n（50分）", 1, "restart"), c("数量指标"), c("改造监控点位"), c("≥120个"),
         c("126个"), c("25"), c("25"), c("")],
        [c("", 1, "continue"), c("", 1, "continue"), c("质量指标"), c("验收合格率"), c("100%"), c("95%"), c("25"),
         c("20"), c("")],
        [c("", 1, "continue"), c("预算执行率指标\n（10分）"), c("预算执行率"), c("预算执行率"), c("100%"), c("90%"),
         c("10"), c("9"), c("部分尾款未支付")],
        [c("", 1, "continue"), c("效益指标（30分）"), c("社会效益指标"), c("校园安全事故下降"), c("下降"), c("达成"),
         c("30"), c("30"), c("")],
        [c("", 1, "continue"), c("满意度指标（10分）"), c("满意度指标"), c("师生满意度"), c("≥90%"), c("96%"),
         c("10"), c("10"), c("")],
        [c("", 1, "continue"), c("总分", 6), c("94"), c("")],
    ]  # fmt: skip
    import word_reports

    old, word_reports.WIDTH = word_reports.WIDTH, 9
    try:
        add_table(doc, rows)
    finally:
        word_reports.WIDTH = old
    doc.add_paragraph("通过自评，该项目得分为94分，评价等级为优。")
    doc.save(path)
    return path


def test_national_layout_with_weights_and_reasons(tmp_path):
    v = api.validate_file(_national(tmp_path / "national.docx"), "national")
    (pr,) = v.projects
    p = pr.project
    assert p.name.text == "校园安全设施改造" and p.sheet == "表2"  # 表1 is the funds summary
    assert [i.weight.number for i in p.indicators] == [25, 25, 10, 30, 10]
    assert p.indicators[2].reason.text == "部分尾款未支付"
    assert p.indicators[0].target.text == "≥120个" and p.total.number == 94
    rules = {(f.rule, f.cell) for f in v.findings}
    # 质量指标 95% of 100% scored 20 of 25 (suggested 23.75) with no reason: the reason cell is the 9th
    assert ("XP009", "表2 第7行 第9列") in rules and ("XP004", "表2 第7行 第8列") in rules
    assert not {r for r, _ in rules} & {"XP006", "XP007", "XP017", "XP021"}
    (other,) = [f for f in v.findings if f.rule == "XP019"]
    assert other.sheet == "表1" and "不是项目支出绩效自评表" in other.message and "项目" in other.message


def test_report_with_a_table_that_is_not_a_form(tmp_path):
    v = api.validate_file(seed_report(tmp_path / "r.docx", extra_table=True))
    assert [pr.project.sheet for pr in v.projects] == ["表2", "表3", "表4", "表5"]
    (note,) = [f for f in v.findings if f.rule == "XP019"]
    assert note.sheet == "表1" and "首格“姓名”" in note.message and note.severity == "info"
    assert _totals(v) == SEED_TOTALS


def test_split_and_nested_tables(tmp_path):
    """The first form split in two at its indicator block (a blank line between), the second nested in
    a one-cell layout frame: both read as the whole form."""
    from word_reports import seed_table_rows

    from xlperf.samples import SEED

    doc = Document()
    doc.add_paragraph("长安区委编办2020年度绩效自评工作报告")
    rows = seed_table_rows(SEED.projects[0])
    add_table(doc, rows[:9])
    doc.add_paragraph("")
    add_table(doc, [rows[9], *rows[9:]])  # the second part repeats the header row
    doc.add_paragraph("通过自评，得分为96分。")
    frame = doc.add_table(rows=1, cols=1)
    inner = add_table(doc, seed_table_rows(SEED.projects[1]))
    frame.rows[0].cells[0]._tc.append(inner._tbl)  # move the form into the frame's cell
    doc.add_paragraph("通过自评，得分为97分。")
    doc.save(tmp_path / "split.docx")
    v = api.validate_file(tmp_path / "split.docx", "shaanxi")
    assert [(pr.project.sheet, pr.project.name.text) for pr in v.projects] == [
        ("表1", "机构编制管理工作监督检查"),
        ("表3-1", "实名制管理及编制使用核准"),
    ]
    assert _totals(v) == SEED_TOTALS[:2]
    cells = {f.cell for f in v.findings if f.sheet == "表1"}
    assert "表2 第7行 第6列" in cells  # 预算执行率 50%: row 7 of the second part (its header dropped)
    assert "XP017" not in {f.rule for f in v.findings}


def test_damaged_and_hostile_documents(tmp_path):
    good = seed_report(tmp_path / "good.docx")
    truncated = tmp_path / "truncated.docx"
    truncated.write_bytes(good.read_bytes()[:3000])
    with pytest.raises(ReadError, match="损坏"):
        read_grids(truncated)
    entity = tmp_path / "entity.docx"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(entity, "w") as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "word/document.xml":
                data = data.replace(b"?>", b'?><!DOCTYPE d [<!ENTITY a "aaaa">]>', 1)
            dst.writestr(info, data)
    with pytest.raises(ReadError, match="实体"):
        read_grids(entity)
    legacy = tmp_path / "old.docx"
    legacy.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    with pytest.raises(ReadError, match="另存为 .docx"):
        read_grids(legacy)
    res = CliRunner().invoke(cli, ["validate", str(truncated), str(good), "--format", "json"])
    assert res.exit_code == 2  # a file could not be read; the other was still validated
    files = json.loads(res.stdout)["files"]
    assert "损坏" in files[0]["error"] and len(files[1]["findings"]) == 31


def test_doc_without_libreoffice_says_save_as_docx(tmp_path, monkeypatch):
    from xlperf import libreoffice

    monkeypatch.setattr(libreoffice, "find_soffice", lambda: None)
    doc = tmp_path / "报告.doc"
    doc.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    with pytest.raises(ReadError, match="未安装 LibreOffice.*另存为 .docx"):
        read_grids(doc)


def test_import_writes_the_template_with_the_reports_projects(tmp_path):
    doc = seed_report(tmp_path / "r.docx", merged=False, extra_table=True)
    out = tmp_path / "自评表.xlsx"
    runner = CliRunner()
    res = runner.invoke(cli, ["import", str(doc), "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert (
        "已导入 4 个项目" in res.output
        and "表2 → 自评表1：机构编制管理工作监督检查，10 个指标，总分 96" in res.output
    )
    assert "表1（首格“姓名”）不是自评表，未导入" in res.output
    assert res.output.count("结论文字，模板无此栏") == 4
    v = api.validate_file(out)
    assert v.preset.name == "shaanxi" and v.workbook.unit.name == "长安区委编办"
    assert _totals(v) == SEED_TOTALS
    # on the template, the imported seed is the seed workbook: the same findings at the same cells
    assert {(f.rule, f.sheet, f.cell) for f in v.findings} == EXPECTED
    again = runner.invoke(cli, ["import", str(doc), "-o", str(out)])
    assert again.exit_code == 2 and "已存在" in again.output
    same = runner.invoke(cli, ["import", str(doc), "-o", str(doc)])
    assert same.exit_code == 2


def test_consolidate_workbook_and_report_of_one_unit(tmp_path, seed_sample):
    folder = tmp_path / "报送材料"
    folder.mkdir()
    (folder / "长安区委编办_2020.xlsx").write_bytes(seed_sample.read_bytes())
    seed_report(folder / "A_长安区委编办报告.docx")  # sorts first: the workbook still counts
    (folder / "~$锁定.docx").write_bytes(b"x")
    out = tmp_path / "汇总.json"
    res = CliRunner().invoke(cli, ["consolidate", str(folder), "-o", str(out), "-q"])
    assert res.exit_code == 0, res.output
    data = json.loads(out.read_text(encoding="utf-8"))
    # the report repeats the workbook's four projects with the same amounts and totals: it accompanies
    # the workbook, listed as such, and the 问题清单 says nothing about it
    assert data["stats"]["projects"] == 4 and data["stats"]["duplicate_projects"] == 0
    files = {r["文件"].split("/")[-1]: r for r in data["tables"]["文件清单"]["rows"]}
    report = files["A_长安区委编办报告.docx"]
    assert report["状态"] == "已跳过" and report["计入汇总项目数"] == 0
    assert (
        report["原因"]
        == "单位的 Word 报告，4 个项目与“报送材料/长安区委编办_2020.xlsx”中的相同，以工作簿为准，未重复汇总"
    )
    assert files["长安区委编办_2020.xlsx"]["计入汇总项目数"] == 4
    assert files["~$锁定.docx"]["状态"] == "已跳过"
    assert not [r for r in data["tables"]["问题清单"]["rows"] if r["规则"] == "XC002"]


def test_a_report_that_differs_from_the_workbook_is_told(tmp_path, seed_sample):
    """The report's first table says 总分 95 where the workbook says 96: that project is an XC002 naming
    the difference; the three that agree are XC002 too (the report is not just the workbook's copy), and
    still only the workbook's projects count."""
    folder = tmp_path / "报送材料"
    folder.mkdir()
    (folder / "长安区委编办_2020.xlsx").write_bytes(seed_sample.read_bytes())
    doc_path = seed_report(folder / "长安区委编办报告.docx")
    doc = Document(doc_path)
    cell = doc.tables[0].rows[-1].cells[-1]
    (run,) = [r for para in cell.paragraphs for r in para.runs if r.text.strip() == "96"]
    run.text = "95"
    doc.save(doc_path)
    c = consolidate_paths_of(folder)
    assert c.stats.projects == 4 and c.stats.duplicate_projects == 4
    (differs,) = [r for r in c.tables["问题清单"].rows if r[4] == "XC002" and "两处不一致" in r[6]]
    assert "填报总分 95 / 96" in differs[6] and "复核总分" not in differs[6]


def consolidate_paths_of(folder: Path):
    from xlperf.consolidate import consolidate_paths

    return consolidate_paths([folder])


def test_ribbon_consolidation_picks_up_word_reports(tmp_path, seed_sample):
    from xlperf.actions import folder_workbooks

    (tmp_path / "a.xlsx").write_bytes(seed_sample.read_bytes())
    seed_report(tmp_path / "b.docx")
    (tmp_path / "c.doc").write_bytes(b"")
    (tmp_path / "~$b.docx").write_bytes(b"")
    assert [p.name for p in folder_workbooks(tmp_path)] == ["a.xlsx", "b.docx", "c.doc"]


@pytest.mark.libreoffice
def test_doc_round_trip_through_libreoffice(tmp_path, soffice):
    from xlperf import libreoffice

    docx = seed_report(tmp_path / "报告.docx")
    doc = libreoffice.convert(docx, "doc:MS Word 97", tmp_path / "doc")
    assert doc.suffix == ".doc"
    before = set(doc.parent.iterdir())
    v = api.validate_file(doc)
    assert set(doc.parent.iterdir()) == before  # nothing written beside the user's file
    assert _totals(v) == SEED_TOTALS and v.workbook.unit.name == "长安区委编办"
    assert _by_project(v.findings) == _by_project(api.validate_file(docx).findings)
    back = libreoffice.convert(doc, "docx:MS Word 2007 XML", tmp_path / "back")
    assert _totals(api.validate_file(back)) == SEED_TOTALS


def test_report_without_a_unit_name_is_told_where_to_write_it(tmp_path):
    """XC004 on a Word report names the report's places for the unit (title, 实施（主管）单位), not the
    workbook's 单位信息 sheet."""
    from xlperf.consolidate import consolidate_paths

    path = seed_report(tmp_path / "报告.docx")
    doc = Document(str(path))
    for p in doc.paragraphs:
        if "长安区委编办" in p.text:
            p.text = p.text.replace("长安区委编办", "")
    for t in doc.tables:
        for row in t.rows:
            for cell in row.cells:
                if cell.text.strip() == "长安区委编办":
                    cell.text = ""
    doc.save(str(path))
    c = consolidate_paths([tmp_path], jobs=1)
    notes = [r for r in c.tables["问题清单"].rows if "XC004" in r]
    assert len(notes) == 1, c.tables["问题清单"].rows[:3]
    text = "".join(str(x) for x in notes[0])
    assert "报告的标题和自评表中都没有单位名称" in text and "单位信息" not in text


# --- the national form's funds block (财预〔2020〕10号) ------------------------------------------------
# Expected by hand for the report of word_reports.national_report: 全年执行数/全年预算数 = 108/120 = 90 %;
# the funds block's 得分 9 = min(90 %, 1) × 分值 10; Σ 得分 = 9 + 20 + 15 + 15 + 30 + 10 = 99 = 总分 = the
# conclusion's 99; 分值 10 + 50 + 30 + 10 = 100. Nothing to say: the point lost on budget execution follows
# from a 90 % rate, which is not below the 90 % below which a reason is owed (XP009 would name the 得分
# cell: the funds block has no 偏差原因 column). The funds 得分 sits in Word row 4, grid column 8; the 执行率
# in column 7. And the 一体化 systems' red 自评预警 (XP023): the indicators score 90/90 = 100 % against the
# budget's 9/10 = 90 %, (100 − 90)/100 = 10 % > 5 %, at the 总分 cell: Word row 16, its third cell where 总分
# spans six columns, its eighth where it does not.
FUNDS_SCORE, FUNDS_RATE = "表1 第4行 第8列", "表1 第4行 第7列"
TOTAL_CELL = {True: "表1 第16行 第3列", False: "表1 第16行 第8列"}


def _found(v) -> set[tuple[str, str, str]]:
    return {(f.rule, f.cell, f.severity) for f in v.findings}


@pytest.mark.parametrize("merged", [True, False], ids=["merged_cells", "flat_no_merges"])
def test_national_form_funds_block_is_the_budget_and_its_execution_row(tmp_path, merged):
    v = api.validate_file(national_report(tmp_path / "国家表样.docx", merged))
    (pr,) = v.projects
    p = pr.project
    assert (p.name.text, p.unit.text) == ("乡村道路养护", "区公路段")
    assert (p.budget.total.number, p.executed.total.number, pr.rate) == (120, 108, 0.9)
    assert p.missing == () and p.arrived.total.ref is None  # the form has no 到位数, and none is asked for
    budget_row = p.indicators[0]
    assert budget_row.is_budget_rate and (budget_row.weight.number, budget_row.score.number) == (10, 9)
    # the grid's A1 refs; the row's completion value is the 执行率, the project's 预算执行进度
    assert (budget_row.score.ref, budget_row.actual.ref, p.progress.ref) == ("H4", None, "G4")
    assert (budget_row.row, budget_row.name.text, budget_row.name.ref) == (4, "预算执行率", "B4")
    assert (budget_row.level1, budget_row.level2) == ("预算执行率", "预算执行率")
    assert (budget_row.target.text, budget_row.target.ref) == ("100%", "G3")  # under the 执行率 header
    assert (p.sections[0].label, p.sections[0].ref, p.sections[0].weight) == ("预算执行率", "B4", 10)
    assert [s.key for s in p.sections] == ["budget", "output", "benefit", "satisfaction"]
    assert pr.total_recomputed == 99 and p.total.number == 99
    assert _found(v) == {("XP023", TOTAL_CELL[merged], "warning")}


def test_national_form_funds_block_errors_are_told_once(tmp_path):
    # 执行率 left blank, the budget row scored 10 (总分 100, conclusion 100): the 10 is wrong (9), and the
    # blank 执行率 gets its computed value, once (XP001), not again as the row's missing completion value
    blank = national_report(
        tmp_path / "未填执行率.docx", rate="", budget_score="10", total="100", conclusion="100"
    )
    assert _found(api.validate_file(blank)) == {
        ("XP003", FUNDS_SCORE, "error"),
        ("XP001", FUNDS_RATE, "info"),
    }
    # 执行率 typed 95 % against 108/120 = 90 %: one error on that cell (XP001), not a second one (XP002)
    wrong = national_report(tmp_path / "执行率有误.docx", rate="95%")
    assert _found(api.validate_file(wrong)) == {
        ("XP001", FUNDS_RATE, "error"),
        ("XP023", TOTAL_CELL[True], "warning"),  # the blank case scores the budget 10/10: no red there
    }


@pytest.mark.parametrize("total_label", ["年度资金总额", "合计", "本年资金（万元）"])
def test_national_form_in_a_workbook_reads_the_same(tmp_path, total_label):
    """The same form typed into a worksheet (one parser for both): the same findings, at A1 cells. A
    total row labelled 合计, or with a label of its own, is the row under the header."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "项目1"
    for r, row in enumerate(national_table_rows(merged=False), 1):
        for c, (text, _, _) in enumerate(row, 1):
            text = total_label if text == "年度资金总额" else text
            if text:
                ws.cell(r, c, float(text) if text.replace(".", "").isdigit() else text)
    wb.save(tmp_path / "国家表样.xlsx")
    v = api.validate_file(tmp_path / "国家表样.xlsx")
    (pr,) = v.projects
    assert (pr.project.budget.total.number, pr.project.executed.total.number, pr.total_recomputed) == (
        120,
        108,
        99,
    )
    p = pr.project
    assert (p.budget.total.ref, p.sections[0].ref, p.indicators[0].target.ref) == ("D4", "B4", "G3")
    assert {(f.rule, f.cell) for f in v.findings} == {("XP023", "H16")}


def test_national_form_without_a_rate_column_and_a_row_before_the_total(tmp_path):
    """A provincial copy of the form: no 执行率 column, and a （单位：万元） row between the header and
    年度资金总额. Expected by hand: the same amounts and scores; no 执行率 to check (no XP001), and the
    budget row's completion value is nowhere to be typed (no XP008); the point lost at 90 % owes no
    reason (no XP009): nothing to say."""
    import openpyxl

    rows = [[text for text, _, _ in row] for row in national_table_rows(merged=False)]
    for r in range(3, 7):  # the funds rows: drop the 执行率 column (index 6)
        del rows[r][6]
    del rows[2][6]
    rows.insert(3, ["", "（单位：万元）"])
    wb = openpyxl.Workbook()
    ws = wb.active
    for r, row in enumerate(rows, 1):
        for c, text in enumerate(row, 1):
            if text:
                ws.cell(r, c, float(text) if text.replace(".", "").isdigit() else text)
    wb.save(tmp_path / "无执行率列.xlsx")
    v = api.validate_file(tmp_path / "无执行率列.xlsx")
    (pr,) = v.projects
    p = pr.project
    assert (p.budget.total.ref, p.executed.total.ref, pr.rate, p.progress.ref) == ("D5", "E5", 0.9, None)
    assert (p.indicators[0].score.ref, p.indicators[0].target.ref, p.indicators[0].actual.ref) == (
        "G5",
        "F3",
        None,
    )
    assert pr.total_recomputed == 99
    assert {(f.rule, f.cell) for f in v.findings} == {("XP023", "H17")}  # red: 总分 in H17


def test_national_form_reports_consolidate(tmp_path):
    from xlperf.consolidate import consolidate_paths

    (tmp_path / "in").mkdir()
    national_report(tmp_path / "in" / "区公路段.docx")
    c = consolidate_paths([tmp_path / "in"])
    assert (c.stats.projects, c.stats.budget, c.stats.executed, c.stats.mean_score) == (1, 120, 108, 99)
    assert c.stats.errors == 0
