"""The reviewer's desk: the roster read and matched (names as people write them), 报送情况's statuses,
a later workbook replacing an earlier one, and the roster's own problems listed, never fatal. Expected
statuses and counts are written by hand from the records each test builds."""

from __future__ import annotations

import openpyxl
import pytest

from xlperf.consolidate import consolidate, read_roster
from xlperf.consolidate.desk import (
    STATUS_MISSING,
    STATUS_OUTSIDE,
    STATUS_RESUBMITTED,
    STATUS_SUBMITTED,
    STATUS_UNREADABLE_UNIT,
    SUBMISSIONS_NAME,
    History,
    Submission,
    problem_key,
)
from xlperf.consolidate.records import STATUS_OK, STATUS_SKIPPED, STATUS_UNREADABLE, FileResult, ProjectRecord
from xlperf.consolidate.roster import Roster, RosterEntry, match_file_name, roster_from_grids
from xlperf.core.findings import Finding
from xlperf.core.grid import Grid
from xlperf.errors import ReadError


def _p(name: str, alert: str = "", errors: int = 0) -> ProjectRecord:
    return ProjectRecord("自评表1", name, 10, 10, 9, 8, 0.9, {}, 95, 95, "优", errors=errors, alert=alert)


def _f(
    display, unit, projects=("项目甲",), status=STATUS_OK, sha=None, findings=(), code="", mtime=0.0, **kw
):
    projects = tuple(_p(p) if isinstance(p, str) else p for p in projects) if status == STATUS_OK else ()
    return FileResult(f"/in/{display}", display, status, sha256=sha or display.ljust(64, "0")[:64], unit=unit,
                      projects=projects, findings=tuple(findings), unit_code=code, mtime=mtime, **kw)  # fmt: skip


def _err(rule, cell, project="项目甲", sev="error"):
    return Finding(rule, sev, "自评表1", cell, project, "1", "2", f"自评表1!{cell} 名称：说明")


def roster(*names: str, csv=True) -> Roster:
    return roster_from_grids(
        [Grid("名单", [["单位名称", "主管部门"], *[[n, "区政府"] for n in names]])], "名单.csv", csv
    )


def rows(c) -> dict[str, tuple]:
    t = c.tables[SUBMISSIONS_NAME]
    h = t.headers
    return {
        r[h.index("单位")]: tuple(r[h.index(k)] for k in ("状态", "项目数", "错误", "报送次数"))
        for r in t.rows
    }


# --- the roster as people write it -------------------------------------------------------------------


def test_roster_names_match_through_width_spaces_brackets_and_codes():
    r = roster("长安区委编办", "219001-棠溪镇人民政府", "西安市雁塔区　教育局", "财政局（本级）")
    files = [
        _f("a.xlsx", "长安区 委编办"),
        _f("b.xlsx", "棠溪镇人民政府", code="219001"),
        _f("c.xlsx", "西安市雁塔区教育局"),
        _f("d.xlsx", "财政局(本级)"),
    ]
    assert {k: v[0] for k, v in rows(consolidate(files, roster=r)).items()} == {
        "长安区委编办": STATUS_SUBMITTED, "棠溪镇人民政府": STATUS_SUBMITTED, "西安市雁塔区　教育局": STATUS_SUBMITTED,
        "财政局（本级）": STATUS_SUBMITTED,
    }  # fmt: skip


def test_a_code_matches_a_renamed_unit_and_no_bracket_makes_another_unit():
    r = roster_from_grids(
        [Grid("名单", [["单位编码", "单位名称"], ["219001", "棠溪镇政府"], [None, "财政局"]])], "名单.xlsx"
    )
    files = [_f("a.xlsx", "池州市贵池区棠溪镇人民政府", code="219001"), _f("b.xlsx", "财政局（本级）")]
    got = rows(consolidate(files, roster=r))
    assert got["棠溪镇政府"][0] == STATUS_SUBMITTED
    assert (got["财政局"][0], got["财政局（本级）"][0]) == (STATUS_MISSING, STATUS_OUTSIDE)


def test_roster_problems_are_listed_not_fatal():
    grid = Grid("名单", [["应报送单位名单"], ["序号", "单位名称", "主管部门"], [1, "甲局", "区政府"], [2, None, "区政府"],
                          [3, "甲 局", None], [None, None, None], [4, "乙局", None]])  # fmt: skip
    r = roster_from_grids([grid], "名单.xlsx")
    assert [e.name for e in r.entries] == ["甲局", "乙局"]
    assert [(p.where, p.found) for p in r.problems] == [("名单!B4", "单位名称为空"), ("名单!B5", "重复")]
    assert "第 5 行“甲 局”与第 3 行“甲局”是同一单位（名称相同），只计一次" in r.problems[1].detail
    c = consolidate([_f("a.xlsx", "甲局")], roster=r)
    xc = [x for x in c.tables["问题清单"].rows if x[4] == "XC008"]
    assert [(x[3], x[5], x[8]) for x in xc] == [("名单.xlsx!名单!B4", "提示", "单位名称为空"),
                                               ("名单.xlsx!名单!B5", "提示", "重复")]  # fmt: skip
    assert c.desk.problems and "名单有 2 处问题" in "\n".join(c.summary_lines())


def test_a_roster_unit_matching_two_written_units_is_a_problem_and_one_row():
    # one roster entry, two units in 单位汇总: one file names the unit with its 一体化 code (matched by
    # code), the other by the roster's own name
    r = roster_from_grids(
        [Grid("名单", [["单位名称", "单位编码"], ["长安区财政局", "610116001"]])], "名单.csv", True
    )
    files = [
        _f("a.xlsx", "长安区财政局", ("项目甲",)),
        _f("b.xlsx", "西安市长安区财政局", ("项目乙",), code="610116001"),
    ]
    c = consolidate(files, roster=r)
    (row,) = c.tables[SUBMISSIONS_NAME].rows
    h = c.tables[SUBMISSIONS_NAME].headers
    assert (row[h.index("状态")], row[h.index("项目数")]) == (STATUS_SUBMITTED, 2)
    assert row[h.index("说明")].startswith("汇总中写作“西安市长安区财政局”、“长安区财政局”")  # 单位汇总 order
    assert any("对应汇总中写法不同的 2 个单位" in p for p in c.desk.problems)


def test_brackets_typed_two_ways_are_one_unit_for_the_roster_and_the_summary():
    r = roster("长安区财政局（本级）")
    files = [
        _f("a.xlsx", "长安区财政局（本级）", ("项目甲",)),
        _f("b.xlsx", "长安区财政局【本级】", ("项目乙",)),
    ]
    c = consolidate(files, roster=r)
    (row,) = c.tables[SUBMISSIONS_NAME].rows
    h = c.tables[SUBMISSIONS_NAME].headers
    assert (row[h.index("状态")], row[h.index("项目数")], row[h.index("说明")]) == (STATUS_SUBMITTED, 2, "")
    assert len(c.tables["单位汇总"].rows) == 1 and not c.desk.problems


def test_a_roster_without_a_name_column_is_refused(tmp_path):
    p = tmp_path / "名单.xlsx"
    wb = openpyxl.Workbook()
    wb.active.append(["编号", "联系人"])
    wb.save(p)
    with pytest.raises(ReadError, match="名单中找不到“单位名称”列"):
        read_roster(p)


def test_roster_csv_in_gbk_with_a_bom_less_header(tmp_path):
    p = tmp_path / "名单.csv"
    p.write_bytes("预算单位,单位编码\n长安区委编办,610001\n西安市长安区财政局,\n".encode("gb18030"))
    r = read_roster(p)
    assert [(e.name, e.code, e.where) for e in r.entries] == [
        ("长安区委编办", "610001", "第2行"), ("西安市长安区财政局", "", "第3行")
    ]  # fmt: skip


def test_a_file_name_names_one_roster_unit():
    r = roster("财政局", "长安区财政局", "教育局")
    assert match_file_name(r, "报送/长安区财政局_2020年自评.xlsx").name == "长安区财政局"  # the longest
    assert match_file_name(r, "自评表.xlsx") is None
    assert (
        match_file_name(
            Roster("x", (RosterEntry(1, "甲局", ""), RosterEntry(2, "乙局", ""))), "甲局乙局.xlsx"
        )
        is None
    )


# --- statuses -----------------------------------------------------------------------------------------


def test_statuses_without_a_ledger():
    r = roster("甲局", "乙局", "丙局", "丁局", "戊局")
    files = [
        _f("甲局.xlsx", "甲局", (_p("项目一", "红色、黄色", errors=1), _p("项目二", "黄色"))),
        _f("乙局_2020.xlsx", "", status=STATUS_UNREADABLE, reason="设置了打开密码"),  # named after 乙局
        _f("丙局.xlsx", "丙局", status=STATUS_SKIPPED, blank=True),  # a blank template
        _f("己局.xlsx", "己局"),
        _f("丁局自评.xlsx", ""),  # no 单位名称: by its file name
    ]
    c = consolidate(files, roster=r)
    t = c.tables[SUBMISSIONS_NAME]
    h = t.headers
    got = {x[h.index("单位")]: x for x in t.rows}
    assert [x[h.index("单位")] for x in t.rows] == ["甲局", "乙局", "丙局", "丁局", "戊局", "己局"]
    assert {k: v[h.index("状态")] for k, v in got.items()} == {
        "甲局": STATUS_SUBMITTED, "乙局": STATUS_UNREADABLE_UNIT, "丙局": STATUS_MISSING, "丁局": STATUS_SUBMITTED,
        "戊局": STATUS_MISSING, "己局": STATUS_OUTSIDE,
    }  # fmt: skip
    assert (got["甲局"][h.index("红色预警")], got["甲局"][h.index("黄色预警")]) == (1, 2)
    assert "设置了打开密码" in got["乙局"][h.index("说明")]
    assert "报送的工作簿为空白模板" in got["丙局"][h.index("说明")]
    assert "工作簿未填单位名称，按文件名对应" in got["丁局"][h.index("说明")]
    assert (
        c.desk.lines()[0]
        == "应报 5 个单位：已报送 2，未报送 2（丙局、戊局），无法读取 1（乙局）；名单外 1 个单位（己局）"
    )
    # the unreadable file's XC003 is 乙局's (its 退回意见 tells it)
    xc3 = [x for x in c.tables["问题清单"].rows if x[4] == "XC003"]
    assert [x[1] for x in xc3] == ["乙局"]
    assert t.total[h.index("说明")] == "已报送 2，未报送 2，无法读取 1，名单外 1"


def test_a_unit_counts_its_files_problem_rows_in_problem_list():
    f = _f("甲局.xlsx", "甲局", findings=[_err("XP007", "H25"), _err("XP009", "J20", sev="warning"),
                                         _err("XP004", "H21", sev="warning")])  # fmt: skip
    c = consolidate([f], roster=roster("甲局"))
    t = c.tables[SUBMISSIONS_NAME]
    h = t.headers
    assert (t.rows[0][h.index("错误")], t.rows[0][h.index("警告")]) == (1, 2)


def _history(*subs: Submission, run=2, now="2021-03-08 10:00:00") -> History:
    units: dict[str, list] = {}
    for s in subs:
        units.setdefault(s.unit, []).append(s)
    seen = {s.sha256: (s.first_seen, s.run) for s in subs}
    return History("台账.sqlite", run, now, run, seen, {k: tuple(v) for k, v in units.items()})


def test_a_resubmission_with_what_it_fixed_and_what_is_new():
    old_problems = frozenset({problem_key("XP007", "项目甲", "H25"), problem_key("XP009", "项目甲", "J20"),
                              problem_key("XP002", "项目甲", "F21")})  # fmt: skip
    new_findings = [_err("XP009", "J20", sev="warning"), _err("XP004", "H21", sev="warning")]
    old = Submission("a" * 64, "甲局", "甲局.xlsx", "2021-03-01 09:00:00", 1, old_problems)
    new = Submission("b" * 64, "甲局", "甲局（修改）.xlsx", "2021-03-08 10:00:00", 2,
                     frozenset(problem_key(x.rule, x.project, x.cell) for x in new_findings))  # fmt: skip
    files = [_f("甲局（修改）.xlsx", "甲局", sha="b" * 64, findings=new_findings)]
    c = consolidate(files, roster=roster("甲局", "乙局"), history=_history(old, new))
    t = c.tables[SUBMISSIONS_NAME]
    h = t.headers
    row = t.rows[0]
    assert (row[h.index("状态")], row[h.index("报送次数")], row[h.index("问题已改正")], row[h.index("新出现")]) == (
        STATUS_RESUBMITTED, 2, 2, 1
    )  # fmt: skip
    assert (row[h.index("首次报送")], row[h.index("最近报送")]) == ("2021-03-01 09:00", "2021-03-08 10:00")
    assert row[h.index("说明")].startswith(
        "较上次报送（2021-03-01 09:00“甲局.xlsx”）：已改正 2 条（执行率指标与资金不符 1 条、总分计算错误 1 条），"
        "新出现 1 条（得分与完成值不符 1 条）"
    )
    lines = c.desk.lines()
    assert lines[0] == "应报 2 个单位：已报送 1（其中重报 1），未报送 1（乙局）"
    assert lines[1] == "重报单位较上次报送：问题已改正 2 条，新出现 1 条（详见“报送情况”）"


def test_a_unit_not_in_this_run_but_in_the_ledger_is_missing_with_its_last_submission():
    old = Submission("a" * 64, "乙局", "乙局.xlsx", "2021-03-01 09:00:00", 1)
    c = consolidate([_f("甲局.xlsx", "甲局")], roster=roster("甲局", "乙局"), history=_history(old))
    got = {r[2]: r for r in c.tables[SUBMISSIONS_NAME].rows}
    assert got["乙局"][3] == STATUS_MISSING
    assert "台账记录其最近一次报送为 2021-03-01 09:00“乙局.xlsx”" in got["乙局"][15]


def test_with_a_ledger_a_later_workbook_replaces_the_earlier_one_still_in_the_folder():
    old = _f(
        "甲局.xlsx", "甲局", ("项目一", "项目二"), sha="a" * 64, findings=[_err("XP007", "H25")], mtime=1.0
    )
    new = _f("甲局（修改）.xlsx", "甲局", ("项目一", "项目二"), sha="b" * 64, mtime=2.0)
    h = _history(Submission("a" * 64, "甲局", "甲局.xlsx", "2021-03-01 09:00:00", 1),
                 Submission("b" * 64, "甲局", "甲局（修改）.xlsx", "2021-03-08 10:00:00", 2))  # fmt: skip
    c = consolidate([old, new], history=h)
    by = {f.display: f for f in c.files}
    assert by["甲局.xlsx"].status == STATUS_SKIPPED
    assert by["甲局.xlsx"].reason == (
        "已被本单位后来报送的“甲局（修改）.xlsx”替代（台账：本文件首次报送于 2021-03-01 09:00，后者于 2021-03-08 10:00），未汇总"
    )
    assert c.stats.projects == 2 and not [x for x in c.tables["问题清单"].rows if x[4] in ("XP007", "XC002")]
    # without a ledger nothing says which came later: both stay, the repeats are XC002
    c = consolidate([old, new])
    assert c.stats.projects == 2 and len([x for x in c.tables["问题清单"].rows if x[4] == "XC002"]) == 2


def test_a_later_workbook_with_fewer_projects_replaces_nothing():
    old = _f("甲局.xlsx", "甲局", ("项目一", "项目二"), sha="a" * 64)
    new = _f("甲局补报.xlsx", "甲局", ("项目一",), sha="b" * 64)
    h = _history(Submission("a" * 64, "甲局", "甲局.xlsx", "2021-03-01 09:00:00", 1),
                 Submission("b" * 64, "甲局", "甲局补报.xlsx", "2021-03-08 10:00:00", 2))  # fmt: skip
    c = consolidate([old, new], history=h)
    assert [f.status for f in c.files] == [STATUS_OK, STATUS_OK]


def test_without_roster_or_ledger_there_is_no_submissions_sheet():
    c = consolidate([_f("甲局.xlsx", "甲局")])
    assert SUBMISSIONS_NAME not in c.tables and c.desk is None
    c = consolidate([_f("甲局.xlsx", "甲局")], roster=roster("甲局"))
    assert list(c.tables)[0] == SUBMISSIONS_NAME


def test_a_ledger_without_a_roster_lists_the_units_that_sent_files():
    old = Submission("a" * 64, "甲局", "甲局.xlsx", "2021-03-01 09:00:00", 1)
    new = Submission("b" * 64, "甲局", "甲局（修改）.xlsx", "2021-03-08 10:00:00", 2)
    files = [_f("甲局（修改）.xlsx", "甲局", sha="b" * 64), _f("乙局.xlsx", "乙局", sha="c" * 64)]
    c = consolidate(files, history=_history(old, new))
    assert {k: v[0] for k, v in rows(c).items()} == {"甲局": STATUS_RESUBMITTED, "乙局": STATUS_SUBMITTED}
    assert c.desk.lines()[0] == "报送单位 2 个：首次报送 1，重报 1（甲局）"
    assert c.desk.to_dict()["expected"] is None


def test_submission_times_break_between_the_date_and_the_time_in_print():
    """报送情况's 首次报送/最近报送 are wide enough for the date ("2021-03-01" at 10 pt, with the cell's
    padding): the line breaks at the space before the time, not inside the date ("2026-12-/07")."""
    from xlperf.consolidate.desk import submission_columns

    widths = {c.header: c.width for c in submission_columns()}
    for name in ("首次报送", "最近报送"):
        assert widths[name] >= len("2021-03-01") + 0.5, name


def test_an_earlier_summarys_decisions_come_back_on_the_same_findings_only():
    """--decisions: what the reviewer typed (处理, 审核意见) follows a finding that is still the same; a
    finding whose 实为 changed, or another unit's, starts undecided."""
    from xlperf.consolidate.review import decision_key
    from xlperf.consolidate.tables import FINDING_COLUMNS

    same = Finding(
        "XP004", "warning", "自评表1", "I24", "项目甲", "10", "8", "自评表1!I24 满意度：得分与完成值不符"
    )
    moved = Finding(
        "XP002", "error", "自评表1", "G22", "项目甲", "100%", "60%", "自评表1!G22 预算执行率：不符"
    )
    other = Finding(
        "XP004", "warning", "自评表1", "I24", "项目甲", "10", "8", "自评表1!I24 满意度：得分与完成值不符"
    )
    decided = {
        decision_key("甲局（本级）", "项目甲", "自评表1!I24", "XP004", "10", "8"): ("不采纳", ""),
        decision_key("甲局（本级）", "项目甲", "自评表1!G22", "XP002", "100%", "50%"): (
            "采纳",
            "请按执行数填写",
        ),
    }
    files = [_f("a.xlsx", "甲局【本级】", findings=(same, moved)), _f("b.xlsx", "乙局", findings=(other,))]
    c = consolidate(files, decisions=decided)
    h = [col.header for col in FINDING_COLUMNS]
    got = {
        (r[h.index("单位")], r[h.index("位置")]): (r[h.index("处理")], r[h.index("审核意见")])
        for r in c.tables["问题清单"].rows
    }
    assert got == {
        ("甲局【本级】", "自评表1!I24"): ("不采纳", ""),  # the same finding (the unit's name typed otherwise)
        ("甲局【本级】", "自评表1!G22"): ("", ""),  # 实为 50% then, 60% now: decided again
        ("乙局", "自评表1!I24"): ("", ""),
    }
    assert c.carried == 1
