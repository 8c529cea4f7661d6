"""退回意见: the reviewer's decisions in 问题清单 (处理, 审核意见) decide what each unit's letter says; the
letter speaks plain words (no rule codes in its body), lists the codes in its appendix, and the set of
letters is replaced as a whole. Expected contents are written by hand from the bundled samples'
findings (README: 长安区委编办 4 errors and 23 warnings; 西安市长安区财政局 none)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import docx
import openpyxl
import pytest
from click.testing import CliRunner

from xlperf.cli import cli
from xlperf.consolidate import consolidate_paths
from xlperf.consolidate.review import NotASummary, letters, review_from_grids
from xlperf.errors import OutputError
from xlperf.sources import read_grids
from xlperf.writers.feedback import INDEX_NAME, LetterOptions, build_letter, item_text, place, write_letters
from xlperf.writers.summary import write_summary

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "workbooks" / "samples"
CODE = re.compile(r"X[PC]\d{3}")


@pytest.fixture(scope="module")
def summary(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("汇总") / "汇总.xlsx"
    write_summary(consolidate_paths([SAMPLES], jobs=1), out)
    return out


def _decide(src: Path, dst: Path, decisions: dict[tuple[str, str, str], tuple[str, str]]) -> Path:
    """The reviewer's 处理 and 审核意见 on rows of 问题清单 (by 单位, 位置, 规则)."""
    wb = openpyxl.load_workbook(src)
    ws = wb["问题清单"]
    head = [c.value for c in ws[3]]
    col = {h: i for i, h in enumerate(head)}
    for row in ws.iter_rows(min_row=4):
        key = (row[col["单位"]].value, row[col["位置"]].value, row[col["规则"]].value)
        if key in decisions:
            decision, opinion = decisions.pop(key)
            row[col["处理"]].value = decision or None
            row[col["审核意见"]].value = opinion or None
    assert decisions == {}, f"rows not found: {decisions}"
    wb.save(dst)
    return dst


def _body_and_appendix(path: Path) -> tuple[str, str]:
    d = docx.Document(str(path))
    body, appendix, seen_break = [], [], False
    for p in d.paragraphs:
        if p.paragraph_format.page_break_before:
            seen_break = True
        (appendix if seen_break else body).append(p.text)
    for t in d.tables:
        for r in t.rows:
            appendix.append(" | ".join(c.text for c in r.cells))
    return "\n".join(body), "\n".join(appendix)


def test_the_problem_list_has_the_reviewers_columns_with_a_drop_down(summary):
    wb = openpyxl.load_workbook(summary)
    ws = wb["问题清单"]
    head = [c.value for c in ws[3]]
    assert head[-3:] == ["处理", "审核意见", "文件"]
    (dv,) = ws.data_validations.dataValidation
    assert dv.type == "list" and dv.formula1 == '"采纳,不采纳"'
    letter = openpyxl.utils.get_column_letter(head.index("处理") + 1)
    assert str(dv.sqref) == f"{letter}4:{letter}{ws.max_row - 1}"  # every finding row, not the 合计


def test_every_unit_with_errors_or_warnings_gets_a_letter_the_others_pass(summary):
    review = review_from_grids(read_grids(summary), "汇总.xlsx")
    out = letters(review)
    assert [(lt.unit, lt.year, lt.count("error"), lt.count("warning")) for lt in out.letters] == [
        ("长安区委编办", "2020", 4, 23), ("西安市雁塔区教育局", "2020", 3, 5)
    ]  # fmt: skip
    assert out.passed == ["西安市长安区财政局"]


def test_rejected_findings_are_left_out_and_opinions_carried(summary, tmp_path):
    decided = _decide(summary, tmp_path / "已审核.xlsx", {
        ("长安区委编办", "自评表1!G22", "XP002"): ("不采纳", ""),
        ("长安区委编办", "自评表4!I23", "XP005"): ("采纳", "分值按13.33计，请同时修改总分"),
        # every problem of 雁塔区教育局 rejected: it passes
        **{("西安市雁塔区教育局", w, r): ("不采纳", "") for w, r in (
            ("samples/西安市雁塔区教育局_2020.xlsx", "XC005"), ("自评表4!I26", "XP007"), ("自评表5!A18", "XP006"),
            ("自评表5!I19", "XP005"), ("自评表5!I19", "XP004"), ("自评表6!J20", "XP009"), ("自评表3!J8", "XP023"),
            ("自评表3!I26", "XP023"))},
    })  # fmt: skip
    out = letters(review_from_grids(read_grids(decided), "已审核.xlsx"))
    assert [lt.unit for lt in out.letters] == ["长安区委编办"]
    assert out.passed == ["西安市长安区财政局", "西安市雁塔区教育局"]
    (lt,) = out.letters
    assert (lt.count("error"), lt.count("warning")) == (3, 23)
    assert not any(it.where == "自评表1!G22" and it.rule == "XP002" for it in lt.items)
    (carried,) = [it for it in lt.items if it.opinion]
    assert (carried.where, carried.opinion) == ("自评表4!I23", "分值按13.33计，请同时修改总分")


def test_the_letter_speaks_plain_words_and_lists_codes_in_its_appendix(summary, tmp_path):
    decided = _decide(summary, tmp_path / "已审核.xlsx", {
        ("长安区委编办", "自评表4!I23", "XP005"): ("", "分值按13.33计，请同时修改总分"),
    })  # fmt: skip
    out = letters(review_from_grids(read_grids(decided), "已审核.xlsx"))
    opts = LetterOptions(bureau="西安市长安区财政局", date="2021年3月8日", deadline="2021年3月15日",
                         contact="张三 029-85212345")  # fmt: skip
    w = write_letters(out, tmp_path / "退回意见", opts)
    names = sorted(p.name for p in (tmp_path / "退回意见").iterdir())
    assert names == ["关于西安市雁塔区教育局2020年度绩效自评材料的审核意见.docx",
                     "关于长安区委编办2020年度绩效自评材料的审核意见.docx", INDEX_NAME]  # fmt: skip
    body, appendix = _body_and_appendix(w.letters[0][1])
    raw = body.splitlines()
    assert raw[:2] == ["关于长安区委编办2020年度", "绩效自评材料的审核意见"]  # the title broken at a word
    lines = ["".join(raw[:2]), *raw[2:]]
    assert lines[0] == "关于长安区委编办2020年度绩效自评材料的审核意见"
    assert lines[1] == "长安区委编办："
    assert lines[2].startswith("你单位报送的2020年度项目支出绩效自评材料（“长安区委编办_2020.xlsx”）已收悉。经审核，"
                               "涉及4个项目，发现需要更正的错误4处、需要核实或补充说明的问题23处")  # fmt: skip
    assert "（一）机构编制管理工作监督检查" in lines
    assert ("1.执行率指标与资金不符（工作表“自评表1”G22单元格）：预算执行率指标的实际完成值应等于执行数/预算数（2/2）。"
            "应为：100%；实为：50%。请将预算执行率指标的实际完成值改为执行数÷预算数的结果，不得估填。") in lines  # fmt: skip
    assert "审核意见：分值按13.33计，请同时修改总分" in lines
    assert (
        "请对照上述意见逐项核实、修改完善，并于2021年3月15日前将修改后的自评材料重新报送西安市长安区财政局。"
        in lines
    )
    assert "联系人及电话：张三 029-85212345" in lines
    assert lines[-2:] == ["西安市长安区财政局", "2021年3月8日"]
    assert not CODE.search(body), CODE.findall(body)
    assert "XP002" in appendix and "问题清单" in appendix
    assert len(CODE.findall(appendix)) == 27  # every problem of the letter, with its code
    index = (tmp_path / "退回意见" / INDEX_NAME).read_text("utf-8-sig").splitlines()
    assert index[1:] == ["1,长安区委编办,中共西安市长安区委员会,退回修改,4,23,0,关于长安区委编办2020年度绩效自评材料的审核意见.docx",
                         "2,西安市雁塔区教育局,西安市雁塔区教育局,退回修改,3,5,0,关于西安市雁塔区教育局2020年度绩效自评材料的审核意见.docx",
                         "3,西安市长安区财政局,,审核通过,0,0,0,"]  # fmt: skip


def test_a_hint_is_sent_only_when_the_reviewer_takes_it_up():
    from xlperf.consolidate.review import Item

    hint = Item(
        5,
        "甲局",
        "项目",
        "自评表1!H7",
        "XP001",
        "info",
        "执行进度有误：预算执行进度未填写",
        "100%",
        "（空）",
        "甲.xlsx",
    )
    assert not hint.sent
    assert Item(**{**hint.__dict__, "decision": "采纳"}).sent
    assert Item(**{**hint.__dict__, "opinion": "请补填"}).sent
    for word in ("不采纳", "不予采纳", "否", "×"):
        assert Item(**{**hint.__dict__, "severity": "error", "decision": word}).rejected


def test_places_as_the_unit_finds_them():
    from xlperf.consolidate.review import Item

    def at(where, file="a/甲.xlsx"):
        return place(Item(1, "甲", "项目", where, "XP007", "error", "总分计算错误：说明", "", "", file))

    assert at("自评表1!H25") == "工作表“自评表1”H25单元格"
    assert at("表2 第12行 第6列", "甲.docx") == "报告中表2第12行第6列"
    assert at("a/甲.xlsx") == "" and at("a/甲.xlsx!单位信息") == ""
    assert at("自评表1") == "工作表“自评表1”"
    it = Item(
        1,
        "甲",
        "项目",
        "自评表1!H25",
        "XP007",
        "error",
        "总分计算错误：总分不等于各指标自评得分之和",
        "100",
        "98",
        "甲.xlsx",
    )
    assert item_text(it) == ("总分计算错误（工作表“自评表1”H25单元格）：总分不等于各指标自评得分之和。应为：100；实为：98。"
                             "请将总分改为各指标自评得分之和。")  # fmt: skip


def test_the_set_of_letters_is_replaced_whole_and_never_over_other_files(summary, tmp_path):
    out = letters(review_from_grids(read_grids(summary)))
    folder = tmp_path / "退回意见"
    write_letters(out, folder)
    with pytest.raises(OutputError, match="文件夹中已有审核意见.*--force"):
        write_letters(out, folder)
    passed_all = type(out)(out.letters[:1], out.passed + [out.letters[1].unit], [])
    write_letters(passed_all, folder, overwrite=True)  # 雁塔区教育局 now passes: its old letter goes
    assert sorted(p.name for p in folder.iterdir()) == [
        "关于长安区委编办2020年度绩效自评材料的审核意见.docx", INDEX_NAME
    ]  # fmt: skip
    (folder / "我的笔记.txt").write_text("x")
    with pytest.raises(OutputError, match="文件夹中已有其他文件（我的笔记.txt）"):
        write_letters(out, folder, overwrite=True)


def test_a_workbook_that_is_not_a_summary_is_refused(tmp_path):
    with pytest.raises(NotASummary, match="不是 xlperf consolidate 生成的汇总表"):
        review_from_grids(read_grids(SAMPLES / "长安区委编办_2020.xlsx"), "长安区委编办_2020.xlsx")
    r = CliRunner().invoke(
        cli, ["feedback", str(SAMPLES / "长安区委编办_2020.xlsx"), "-o", str(tmp_path / "x")]
    )
    assert r.exit_code == 2 and "不是 xlperf consolidate 生成的汇总表" in r.output


def test_feedback_through_the_cli_with_its_index_lines(summary, tmp_path):
    r = CliRunner().invoke(
        cli, ["feedback", str(summary), "-o", str(tmp_path / "退回意见"), "--bureau", "西安市长安区财政局"],
        env={"COLUMNS": "160"},
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    lines = r.output.splitlines()
    assert (
        lines[0]
        == "退回修改：长安区委编办（错误 4 条、警告 23 条）→ 关于长安区委编办2020年度绩效自评材料的审核意见.docx"
    )
    assert "审核通过：西安市长安区财政局" in lines
    assert any(x.startswith("已写出 2 份审核意见，审核通过 1 个单位") for x in lines)


def test_a_letter_with_no_year_and_no_bureau_still_reads(summary):
    out = letters(review_from_grids(read_grids(summary)), year="")
    d = build_letter(out.letters[0], LetterOptions())
    texts = [p.text for p in d.paragraphs]
    assert texts[0] == "关于长安区委编办绩效自评材料的审核意见"
    assert any(
        t.startswith("请对照上述意见逐项核实、修改完善后，尽快将修改后的自评材料重新报送。") for t in texts
    )


def test_every_rule_has_plain_advice_without_codes():
    from xlperf.consolidate import CONSOLIDATION_RULES
    from xlperf.core.advice import ADVICE
    from xlperf.core.rules import BY_ID

    assert set(ADVICE) == set(BY_ID) | {rid for rid, _, _ in CONSOLIDATION_RULES}
    assert not [rid for rid, text in ADVICE.items() if CODE.search(text) or not text.endswith("。")]


def test_a_found_value_the_detail_names_is_said_once():
    from xlperf.consolidate.review import Item

    reason = "文件已损坏或不是 Excel 工作簿（不是有效的 xlsx 压缩包）"
    it = Item(1, "区审计局", "", "区审计局.xlsx", "XC003", "error", f"文件无法读取：{reason}",
              "可读取的 .xlsx 工作簿或 .docx 报告", reason, "区审计局.xlsx")  # fmt: skip
    assert item_text(it) == (
        f"文件无法读取：{reason}。报送的文件无法读取，请按原因处理后重新报送（.xlsx 工作簿或 .docx 报告，不设打开密码）。"
    )


def test_a_summary_from_before_the_reviewers_columns_sends_every_error_and_warning(summary, tmp_path):
    wb = openpyxl.load_workbook(summary)
    ws = wb["问题清单"]
    head = [c.value for c in ws[3]]
    ws.delete_cols(head.index("处理") + 1, 2)  # an older summary: no 处理, no 审核意见
    wb.save(tmp_path / "旧汇总.xlsx")
    review = review_from_grids(read_grids(tmp_path / "旧汇总.xlsx"))
    assert not review.decided
    out = letters(review)
    assert [(lt.unit, lt.count("error"), lt.count("warning")) for lt in out.letters] == [
        ("长安区委编办", 4, 23), ("西安市雁塔区教育局", 3, 5)
    ]  # fmt: skip
    r = CliRunner().invoke(cli, ["feedback", str(tmp_path / "旧汇总.xlsx"), "-o", str(tmp_path / "意见")],
                           env={"COLUMNS": "200"})  # fmt: skip
    assert r.exit_code == 0 and "汇总表没有“处理”“审核意见”两列" in r.output


def test_the_summarys_issuer_signs_the_letters_unless_bureau_is_given(tmp_path):
    out = tmp_path / "汇总.xlsx"
    write_summary(consolidate_paths([SAMPLES], jobs=1, issuer="西安市长安区财政局"), out)
    r = CliRunner().invoke(cli, ["feedback", str(out), "-o", str(tmp_path / "a")], env={"COLUMNS": "160"})
    assert r.exit_code == 0, r.output
    assert "落款单位取自汇总表的汇总单位“西安市长安区财政局”（另用 --bureau 指定）。" in r.output.splitlines()
    assert "提示：用 --bureau" not in r.output
    letter = next((tmp_path / "a").glob("关于长安区委编办*.docx"))
    signed = [p.text for p in docx.Document(str(letter)).paragraphs if p.text.strip()]
    assert "西安市长安区财政局" in signed  # the 落款
    r = CliRunner().invoke(cli, ["feedback", str(out), "-o", str(tmp_path / "b"), "--bureau", "长安区财政局绩效科",
                                 "--format", "json"])  # fmt: skip
    assert r.exit_code == 0 and json.loads(r.stdout)["bureau"] == "长安区财政局绩效科"
    letter = next((tmp_path / "b").glob("关于长安区委编办*.docx"))
    signed = [p.text for p in docx.Document(str(letter)).paragraphs if p.text.strip()]
    assert "长安区财政局绩效科" in signed and "西安市长安区财政局" not in signed


def test_a_problem_list_sorted_with_its_total_row_still_reads_every_finding(summary, tmp_path):
    """The reviewer selected 问题清单 down to 合计 and sorted by 序号, descending: 合计 (text) comes first.
    Every finding is still read (it stopped at 合计: every unit 审核通过, no decision carried)."""
    from xlperf.consolidate import read_decisions

    decided = _decide(
        summary, tmp_path / "d.xlsx", {("长安区委编办", "自评表1!G22", "XP002"): ("不采纳", "已核实")}
    )
    wb = openpyxl.load_workbook(decided)
    ws = wb["问题清单"]
    body = [[c.value for c in row] for row in ws.iter_rows(min_row=4)]
    total = [r for r in body if r[0] == "合计"]
    data = sorted((r for r in body if r[0] != "合计"), key=lambda r: r[0], reverse=True)
    for i, values in enumerate(total + data, 4):  # 合计 first, then 序号 from the largest down
        for j, v in enumerate(values, 1):
            ws.cell(i, j).value = v
    wb.save(tmp_path / "sorted.xlsx")
    before = review_from_grids(read_grids(decided), "d.xlsx")
    after = review_from_grids(read_grids(tmp_path / "sorted.xlsx"), "sorted.xlsx")
    assert len(after.items) == len(before.items) > 20
    assert read_decisions(tmp_path / "sorted.xlsx") == read_decisions(decided) != {}
    assert [lt.unit for lt in letters(after).letters] == [lt.unit for lt in letters(before).letters]
