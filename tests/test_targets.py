"""Approved targets (XP022): the export read as the 一体化 system writes it, and every kind of change a
form can make to its targets. Each case's findings are written by hand from the data above it.

The form is tests/factory.py's clean form (unit 某某局, project 干部教育培训); its indicator rows start
at sheet row 15: 培训人次 (E15: 100), 培训合格率 (E16: ≥95%), 按期完成率 (E17: 100%), 人均培训成本
(E18: ≤500元), 预算支出进度执行率 (row 19), 节约经费 (E20: 5万元), 政策知晓率 (E21: 90%), 无纸化办公
(E22: 达成), 长效机制建立 (E23: 达成), 参训人员满意度 (E24: ≥90%).
"""

from __future__ import annotations

import openpyxl
import pytest
from click.testing import CliRunner

from xlperf import api
from xlperf.cli import cli
from xlperf.core.engine import validate
from xlperf.core.grid import Grid
from xlperf.core.model import UnitInfo
from xlperf.core.names import name_key
from xlperf.core.parser import parse_workbook
from xlperf.core.targets import targets_from_grids
from xlperf.errors import ReadError

from factory import LAYOUTS, NATIONAL_LIKE, clean_rows, set_ind, write_xlsx

HEAD = ["单位名称", "项目名称", "一级指标", "二级指标", "三级指标", "计算符号", "指标值", "度量单位"]
# the approved targets of the clean form, as the 一体化 system exports them (merged 单位/项目/一级 cells
# arrive blank below their first row)
APPROVED = [
    ["某某局", "干部教育培训", "产出指标", "数量指标", "培训人次", "≥", 100, "人次"],
    [None, None, None, "质量指标", "培训合格率", "≥", 95, "%"],
    [None, None, None, "时效指标", "按期完成率", "≥", 100, "%"],
    [None, None, None, "成本指标", "人均培训成本", "≤", 500, "元"],
    [None, None, "效益指标", "经济效益指标", "节约经费", "≥", 5, "万元"],
    [None, None, None, "社会效益指标", "政策知晓率", "≥", 90, "%"],
    [None, None, None, "生态效益指标", "无纸化办公", "定性", "达成", None],
    [None, None, None, "可持续影响指标", "长效机制建立", "定性", "达成", None],
    [None, None, "满意度指标", "满意度指标", "参训人员满意度", "≥", 90, "%"],
]


def targets(rows=None, head=HEAD, title=True):
    body = [list(r) for r in (APPROVED if rows is None else rows)]
    lead = [["2020年度项目绩效目标表"], [None]] if title else []
    return targets_from_grids([Grid("绩效目标", [*lead, list(head), *body])], "绩效目标.xlsx")


def xp022(form_rows, t):
    wb = parse_workbook("t.xlsx", [Grid("自评表1", form_rows)], layouts=LAYOUTS)
    wb = type(wb)(wb.path, UnitInfo(name="某某局"), wb.projects, wb.meta, wb.sheets, wb.notes, wb.source)
    v = validate(wb, NATIONAL_LIKE, targets=t)
    return [f for f in v.findings if f.rule == "XP022"]


def cells(found):
    return sorted((f.cell or "", f.severity) for f in found)


def test_the_clean_form_keeps_its_approved_targets():
    assert xp022(clean_rows(), targets()) == []


def test_no_targets_no_xp022():
    wb = parse_workbook("t.xlsx", [Grid("自评表1", clean_rows())], layouts=LAYOUTS)
    assert [f for f in validate(wb, NATIONAL_LIKE).findings if f.rule == "XP022"] == []


def test_lowered_positive_target_is_an_error():
    rows = set_ind(clean_rows(), 0, "预期指标值", 80)  # 培训人次 100 -> 80
    (f,) = xp022(rows, targets())
    assert (f.cell, f.severity, f.expected, f.found) == ("E15", "error", "≥100人次", "80")
    assert "低于批复的指标值" in f.message and "正向指标的目标调低" in f.message


def test_raised_reverse_target_is_an_error():
    rows = set_ind(clean_rows(), 3, "预期指标值", "≤600元")  # 人均培训成本 ≤500 -> ≤600
    (f,) = xp022(rows, targets())
    assert (f.cell, f.severity, f.expected, f.found) == ("E18", "error", "≤500元", "≤600元")
    assert "反向指标的目标调高" in f.message


@pytest.mark.parametrize(
    ("i", "value", "cell"),
    [(0, 120, "E15"), (3, "≤400元", "E18"), (1, "≥98%", "E16")],  # a harder target is a change too
    ids=["raised_positive", "lowered_reverse", "raised_rate"],
)
def test_a_harder_target_is_a_warning(i, value, cell):
    (f,) = xp022(set_ind(clean_rows(), i, "预期指标值", value), targets())
    assert (f.cell, f.severity) == (cell, "warning")


def test_same_value_in_other_writings_is_no_change():
    rows = clean_rows()
    set_ind(rows, 0, "预期指标值", "１００人次")  # full-width digits
    set_ind(rows, 1, "预期指标值", 0.95)  # a % cell's fraction
    set_ind(rows, 3, "预期指标值", "≤0.05万元")  # 500 元 in 万元
    set_ind(rows, 4 + 1, "预期指标值", "50000元")  # 节约经费 5 万元 in 元
    assert xp022(rows, targets()) == []


def test_a_dropped_indicator_is_listed_without_a_cell():
    approved = [*APPROVED, [None, None, "产出指标", "数量指标", "培训课时", "≥", 40, "学时"]]
    (f,) = xp022(clean_rows(), targets(approved))
    assert (f.cell, f.severity, f.expected, f.found) == (None, "warning", "≥40学时", "缺少该指标")
    assert "批复的指标“产出指标/数量指标/培训课时”（绩效目标.xlsx 第 13 行）在自评表中没有" in f.message


def test_an_indicator_not_approved_is_listed_at_its_name():
    approved = [r for r in APPROVED if r[4] != "政策知晓率"]
    (f,) = xp022(clean_rows(), targets(approved))
    assert (f.cell, f.severity, f.found) == ("C21", "warning", "政策知晓率")
    assert "不在批复的绩效目标中" in f.message


def test_renamed_by_spacing_width_and_brackets_is_the_same_indicator():
    approved = [list(r) for r in APPROVED]
    approved[0][4] = "培训 人次"
    approved[8][4] = "参训人员满意度"
    rows = clean_rows()
    set_ind(rows, 9, "三级指标", "参训人员满意度（％）")  # the form added a unit in brackets ...
    approved[8][4] = "参训人员满意度[%]"  # ... the export wrote it with others
    assert xp022(rows, targets(approved)) == []


def test_renamed_indicator_is_paired_by_likeness_and_the_match_shown():
    approved = [list(r) for r in APPROVED]
    approved[4][4] = "节约经费金额"  # the form calls it 节约经费
    found = xp022(clean_rows(), targets(approved))
    (f,) = found
    assert (f.cell, f.severity, f.expected, f.found) == ("C20", "warning", "节约经费金额", "节约经费")
    assert "与批复的“节约经费金额”不同，按同一指标核对" in f.message


def test_renamed_and_lowered_says_which_approved_indicator_it_was_read_as():
    approved = [list(r) for r in APPROVED]
    approved[4][4] = "节约经费金额"
    rows = set_ind(clean_rows(), 5, "预期指标值", "3万元")
    assert cells(xp022(rows, targets(approved))) == [("C20", "warning"), ("E20", "error")]
    lowered = next(f for f in xp022(rows, targets(approved)) if f.cell == "E20")
    assert "按批复的“节约经费金额”核对" in lowered.message


def test_a_different_sign_is_a_warning_at_the_kind_cell():
    approved = [list(r) for r in APPROVED]
    approved[2][5] = "等于"  # 按期完成率 = 100 %, the form writes 正向
    (f,) = xp022(clean_rows(), targets(approved))
    assert (f.cell, f.severity, f.expected, f.found) == ("D17", "warning", "=（等于）", "≥（正向）")


def test_different_units_cannot_be_compared():
    approved = [list(r) for r in APPROVED]
    approved[0][7] = "个"
    rows = set_ind(clean_rows(), 0, "预期指标值", "100人次")
    (f,) = xp022(rows, targets(approved))
    assert (f.cell, f.severity) == ("E15", "warning") and "度量单位与批复的不同" in f.message


def test_a_changed_qualitative_target_is_a_warning():
    approved = [list(r) for r in APPROVED]
    approved[6][6] = "效果明显"
    (f,) = xp022(clean_rows(), targets(approved))
    assert (f.cell, f.severity, f.expected, f.found) == ("E22", "warning", "效果明显", "达成")


def test_the_adjusted_value_counts_where_a_target_was_adjusted():
    head = [*HEAD, "调整后指标值"]
    approved = [[*r, None] for r in APPROVED]
    approved[0][8] = 80  # 目标调整 approved: 培训人次 100 -> 80
    assert xp022(set_ind(clean_rows(), 0, "预期指标值", 80), targets(approved, head)) == []
    (f,) = xp022(set_ind(clean_rows(), 0, "预期指标值", 70), targets(approved, head))
    assert (f.cell, f.severity, f.expected) == ("E15", "error", "≥80人次")


def test_a_project_not_in_the_targets_is_one_note():
    approved = [list(r) for r in APPROVED]
    approved[0][1] = "信息化运维"
    (f,) = xp022(clean_rows(), targets(approved))
    assert (f.cell, f.severity) == ("B4", "info") and "批复的绩效目标中没有该项目" in f.message


def test_a_unit_the_targets_file_does_not_hold_is_not_noted_project_by_project():
    """A bureau's file of the units approved so far: another unit's projects are not checked, and not
    one note each either (consolidation says once which units the file does not cover)."""
    approved = [list(r) for r in APPROVED]
    approved[0][0:2] = ["另一个局", "信息化运维"]
    t = targets(approved)
    assert xp022(clean_rows(), t) == []
    assert not t.covers(UnitInfo(name="某某局")) and t.covers(UnitInfo(name="另一个 局"))
    assert t.covers(UnitInfo(name="219001-另一个局"))
    approved[0][0] = None  # a file of one unit's targets naming no unit covers every unit
    assert targets(approved).covers(UnitInfo(name="某某局"))


def test_uncovered_units_are_named_once_in_a_consolidation():
    from collections import namedtuple

    from xlperf.consolidate import STATUS_OK, FileResult, uncovered_units

    Named = namedtuple("Named", "name")

    approved = [list(r) for r in APPROVED]
    t = targets(approved)

    def f(unit, status=STATUS_OK, project="信息化运维"):
        return FileResult(f"/{unit}.xlsx", f"{unit}.xlsx", status, unit=unit, projects=[Named(project)])

    files = [
        f("某某局"),
        f("乙局"),
        f("乙 局"),
        f("丙局", "无法读取"),
        f("丁局"),
        f("戊局", project="干部教育培训"),
    ]
    assert uncovered_units(files, t) == ["乙局", "丁局"]  # 戊局's project: checked as 某某局's of that name


def test_a_project_is_found_by_its_code_and_by_its_name_written_otherwise():
    approved = [list(r) for r in APPROVED]
    approved[0][1] = "51000021R000000019951-干部教育培训"
    rows = clean_rows()
    rows[3][1] = "51000021R000000019951-干部教育培训"
    assert xp022(rows, targets(approved)) == []
    rows[3][1] = "干部 教育培训"
    set_ind(rows, 0, "预期指标值", 80)
    assert cells(xp022(rows, targets(approved))) == [("E15", "error")]


def test_another_units_project_of_the_same_name_is_used_and_named():
    approved = [list(r) for r in APPROVED]
    approved[0][0] = "另一个局"
    rows = set_ind(clean_rows(), 0, "预期指标值", 80)
    (f,) = xp022(rows, targets(approved))
    assert "批复目标中的单位为“另一个局”" in f.message


# --- reading the export ----------------------------------------------------------------------------


def test_reader_carries_merged_cells_down_and_reads_signs_and_units():
    t = targets()
    (p,) = t.projects
    assert (p.unit, p.name, len(p.indicators)) == ("某某局", "干部教育培训", 9)
    by = {i.name: i for i in p.indicators}
    assert (by["培训合格率"].level1, by["培训合格率"].level2) == ("产出指标", "质量指标")
    assert by["人均培训成本"].kind == "反向" and by["人均培训成本"].value.number == pytest.approx(0.05)
    assert by["培训合格率"].value.percent and by["培训合格率"].value.number == pytest.approx(0.95)
    assert by["无纸化办公"].kind == "定性"
    assert by["人均培训成本"].shown() == "≤500元"


@pytest.mark.parametrize(
    ("sign", "kind"),
    [("正向", "正向"), ("反向", "反向"), ("等于", "等于"), ("定性", "定性"), (">", "正向"), ("<", "反向"),
     ("≥", "正向"), ("≤", "反向"), ("=", "等于"), (None, "正向")],
)  # fmt: skip
def test_reader_sign_codes_of_the_system(sign, kind):
    t = targets([["某某局", "干部教育培训", "产出指标", "数量指标", "培训人次", sign, 100, "人次"]])
    assert t.projects[0].indicators[0].kind == kind


def test_reader_sign_value_and_unit_in_one_cell():
    head = ["单位", "项目名称", "一级指标", "二级指标", "三级指标", "年度指标值"]
    t = targets([["某某局", "干部教育培训", "产出指标", "成本指标", "人均培训成本", "≤500元"]], head)
    ind = t.projects[0].indicators[0]
    assert (ind.kind, ind.shown()) == ("反向", "≤500元")


def test_reader_lists_rows_it_cannot_place():
    t = targets([[None, None, None, None, "培训人次", "≥", 100, "人次"], *APPROVED])
    assert t.problems == ("工作表“绩效目标”第 4 行：指标“培训人次”没有项目名称，未读取",)
    assert t.indicators == 9


def test_reader_without_the_header_says_so():
    t = targets_from_grids([Grid("Sheet1", [["项目", "金额"], ["a", 1]])], "x.xlsx")
    assert t.projects == () and "找不到批复目标表的表头" in t.problems[0]


def test_name_key_is_one_normalisation():
    assert name_key("219001-棠溪镇人民政府") == name_key("棠溪镇 人民政府") == name_key("棠溪镇人民政府")
    assert name_key("财政局（本级）") == name_key("财政局(本级)") == name_key("财政局【本级】")
    assert name_key("财政局（本级）") != name_key("财政局")
    assert name_key("ＡＢＣ单位") == name_key("abc单位")


# --- through the files and the CLI ------------------------------------------------------------------


def _targets_xlsx(path, rows=APPROVED, head=HEAD):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "项目绩效目标"
    ws.append(["2020年度部门项目绩效目标批复表"])
    ws.append(list(head))
    for r in rows:
        ws.append(list(r))
    ws.merge_cells("A3:A11")  # 单位 and 项目 merged down their rows, as the system exports them
    ws.merge_cells("B3:B11")
    wb.save(path)
    return path


def test_validate_with_targets_through_the_cli(tmp_path):
    rows = set_ind(clean_rows(), 0, "预期指标值", 80)
    form = write_xlsx(tmp_path / "某某局.xlsx", rows, unit={"单位名称": "某某局", "年度": 2020})
    t = _targets_xlsx(tmp_path / "绩效目标.xlsx")
    r = CliRunner().invoke(cli, ["validate", str(form), "--targets", str(t)], terminal_width=120)
    assert r.exit_code == 1, r.output
    assert "批复目标：绩效目标.xlsx，1 个项目、9 项指标" in r.output
    assert "XP022" in r.output and "E15" in r.output
    r = CliRunner().invoke(cli, ["validate", str(form), "--targets", str(t), "--format", "json"])
    import json

    found = json.loads(r.stdout)["files"][0]["findings"]
    assert [(f["rule"], f["cell"], f["severity"]) for f in found if f["rule"] == "XP022"] == [
        ("XP022", "E15", "error")
    ]


def test_validate_says_once_that_its_unit_is_not_in_the_targets(tmp_path):
    form = write_xlsx(tmp_path / "乙局.xlsx", clean_rows(), unit={"单位名称": "乙局", "年度": 2020})
    approved = [list(r) for r in APPROVED]
    approved[0][1] = "信息化运维"  # 某某局's only project, not 乙局's
    t = _targets_xlsx(tmp_path / "绩效目标.xlsx", approved)
    r = CliRunner().invoke(cli, ["validate", str(form), "--targets", str(t)], terminal_width=120)
    assert r.output.count("批复目标中没有本单位（乙局）的项目，未核对指标值。") == 1, r.output
    assert "XP022" not in r.output
    r = CliRunner().invoke(cli, ["validate", str(form), "--targets", str(t), "--format", "json"])
    import json

    (f,) = json.loads(r.stdout)["files"]
    assert f["targets"] == "批复目标中没有本单位（乙局）的项目，未核对指标值"
    assert "乙局.xlsx：批复目标中没有本单位（乙局）的项目" in r.stderr
    # against 某某局's targets only, its project of the same name is checked (and named): nothing unchecked
    r = CliRunner().invoke(
        cli, ["validate", str(form), "--targets", str(_targets_xlsx(tmp_path / "t2.xlsx"))]
    )
    assert "未核对指标值" not in r.output


def test_targets_file_in_csv_gbk(tmp_path):
    import csv

    p = tmp_path / "绩效目标.csv"
    with p.open("w", encoding="gb18030", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(HEAD)
        for r in APPROVED:
            w.writerow(["" if v is None else v for v in r])
    t = api.read_targets(p)
    assert t.indicators == 9 and t.projects[0].indicators[3].shown() == "≤500元"


def test_a_targets_file_that_is_not_one_stops_before_any_work(tmp_path):
    form = write_xlsx(tmp_path / "某某局.xlsx", clean_rows())
    bad = tmp_path / "目标.xlsx"
    wb = openpyxl.Workbook()
    wb.active.append(["随便", "什么"])
    wb.save(bad)
    r = CliRunner().invoke(cli, ["validate", str(form), "--targets", str(bad)])
    assert r.exit_code == 2 and "批复目标文件 目标.xlsx 中没有读到任何指标" in r.output
    with pytest.raises(ReadError, match="应为 .xlsx 或 .csv"):
        api.read_targets(tmp_path / "目标.xls")


def test_a_different_indicator_under_the_same_level2_is_not_taken_for_a_rename():
    approved = [list(r) for r in APPROVED]
    approved[4][4] = "办公耗材节约"  # 经济效益指标: the form has 节约经费 there, a different indicator
    found = xp022(clean_rows(), targets(approved))
    assert cells(found) == [("", "warning"), ("C20", "warning")]
    assert {f.found for f in found} == {"缺少该指标", "节约经费"}
