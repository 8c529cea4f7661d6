"""The seed unit (长安区委编办 2020), entered exactly as the seed report states it, validates to the
findings a careful reviewer raises on those four tables — and to nothing else."""

from __future__ import annotations

import pytest

from xlperf import api

# (rule, sheet, cell): every finding a reviewer raises on the seed's four tables
EXPECTED = {
    # 1 机构编制管理工作监督检查
    ("XP002", "自评表1", "G22"),  # 执行率指标 completion 50 (%) but funds say 100%
    ("XP011", "自评表1", "C23"),  # the same 三级 text under 经济效益 and 可持续影响
    ("XP004", "自评表1", "I24"),  # 社会效益 100%/100% scored 8 of 10
    ("XP009", "自评表1", "J24"),  # ... with no explanation
    ("XP004", "自评表1", "I27"),  # 满意度 98% of 100%: 9.8, scored 8
    ("XP009", "自评表1", "J27"),
    # 2 实名制管理及编制使用核准
    ("XP008", "自评表2", "E18"),  # 数量指标 T/A blank, scored 10
    ("XP008", "自评表2", "E20"),  # 时效指标 T/A blank, scored 10
    ("XP002", "自评表2", "G22"),  # 执行率指标 68% vs funds 100%
    ("XP005", "自评表2", "I24"),  # 社会效益 scored 20 of 10
    ("XP004", "自评表2", "I24"),
    ("XP011", "自评表2", "C25"),  # 生态效益 without a 三级 name yet filled and scored
    ("XP004", "自评表2", "I25"),  # ... 100%/100% scored 0
    ("XP009", "自评表2", "J25"),
    ("XP004", "自评表2", "I27"),  # 满意度 100% scored 7
    ("XP009", "自评表2", "J27"),
    # 3 政务和中文域名注册费
    ("XP008", "自评表3", "E21"),  # 成本指标 T/A blank, scored 10
    ("XP004", "自评表3", "I27"),  # 满意度 100% scored 9
    ("XP009", "自评表3", "J27"),
    # 4 事业单位法人登记管理工作
    # 生态效益 is left empty: not an indicator (a row in use has a 三级, a value or a score), so the
    # 效益 section's 40 points are split over its three rows in use, 13.33 each
    ("XP005", "自评表4", "I23"),  # 经济效益 scored 20 of 13.33
    ("XP004", "自评表4", "I23"),
    ("XP004", "自评表4", "I24"),  # 社会效益 100% scored 9 of 13.33
    ("XP009", "自评表4", "J24"),
    ("XP004", "自评表4", "I26"),  # 可持续影响 100% scored 10 of 13.33
    ("XP009", "自评表4", "J26"),
    ("XP004", "自评表4", "I27"),  # 满意度 100% scored 8
    ("XP009", "自评表4", "J27"),
}

# What a reviewer checks and must find clean on the seed
MUST_NOT_FIRE = {
    "XP001": "执行率 is the template's formula (执行数/预算数), computed though the file has no result",
    "XP003": "every 预算执行率 score is 10 with 执行数/预算数 = 100%",
    "XP006": "the 一级 weights 40+10+40+10 = 100 and no section's scores exceed it",
    "XP007": "the totals 96, 97, 99, 97 are the sums of their rows",
    "XP010": "预算数 = 到位数 = 执行数 = 财政资金 in every table",
    "XP012": "execution is 100%: no cap applies",
    "XP013": "no completion value reaches 130% of its target",
    "XP015": "every value reads",
    "XP016": "总体完成率 100% = 具体完成情况 / 年度预期目标 in every table",
    "XP017": "every table is complete",
}


@pytest.fixture  # per test (one read each): mutation testing maps each test to the code it runs
def validation(seed_sample):
    return api.validate_file(seed_sample)


def test_seed_uses_its_preset(validation):
    assert validation.preset.name == "shaanxi"
    assert validation.workbook.unit.name == "长安区委编办"
    assert validation.workbook.unit.year == "2020"


def test_seed_projects_and_totals(validation):
    got = [
        (
            pr.project.name.text,
            pr.project.budget.total.number,
            pr.rate,
            pr.project.total.number,
            pr.total_recomputed,
            pr.total_capped,
            pr.grade,
        )
        for pr in validation.projects
    ]
    # 核定总分 counts each score at most at its weight: 20 on the 10-point 编制的动态管理 counts 10
    # (97 − 10 = 87, 良); 20 on a 13.33-point row of 自评表4 counts 13.33 (97 − 6.67 = 90.33)
    assert got == [
        ("机构编制管理工作监督检查", 2, 1.0, 96, 96, 96, "优"),
        ("实名制管理及编制使用核准", 1, 1.0, 97, 97, 87, "良"),
        ("政务和中文域名注册费", 1.6, 1.0, 99, 99, 99, "优"),
        ("事业单位法人登记管理工作", 1.6, 1.0, 97, 97, pytest.approx(90.333333), "优"),
    ]


def test_seed_findings_are_exactly_the_reviewers(validation):
    got = {(f.rule, f.sheet, f.cell) for f in validation.findings}
    assert got - EXPECTED == set(), "flagged but a reviewer would not"
    assert EXPECTED - got == set(), "a reviewer flags these but the tool did not"
    assert len(validation.findings) == len(EXPECTED)  # no duplicates


@pytest.mark.parametrize("rule", sorted(MUST_NOT_FIRE))
def test_seed_clean_checks(validation, rule):
    assert [f.message for f in validation.findings if f.rule == rule] == [], MUST_NOT_FIRE[rule]


def test_seed_weights_are_the_ones_its_labels_imply(validation):
    """The seed's form has no 分值: the sample's column holds the weights its 一级 labels imply, split over
    the rows in use (as xlperf import fills it): the same numbers the checks use on the seed's own form."""
    pr = validation.projects[0]
    assert {r.weight for r in pr.indicators} == {10.0}
    assert [
        round(r.weight, 2) for r in validation.projects[3].indicators if r.indicator.section == "benefit"
    ] == [
        13.33,
        13.33,
        13.33,
    ]
    assert {r.weight_source for p in validation.projects for r in p.indicators} == {"分值列"}


def test_seed_severities(validation):
    sev = {(f.rule, f.sheet): f.severity for f in validation.findings}
    assert sev[("XP002", "自评表1")] == "error"
    assert sev[("XP005", "自评表2")] == "error"
    assert sev[("XP008", "自评表2")] == "warning"
    assert validation.errors == 4


def test_seed_suggested_scores(validation):
    p1 = validation.projects[0]
    sat = p1.indicators[-1]
    assert sat.suggested == pytest.approx(9.8)
    assert p1.total_suggested == pytest.approx(99.8)
