"""The worksheet functions as plain functions, fed what Excel really passes; same numbers as validate."""

from __future__ import annotations

import inspect

import pytest

from xlperf import presets
from xlperf.addin.wrappers import decorated_module, udf_infos
from xlperf.api import validate_file
from xlperf.core.engine import validate
from xlperf.excel import udfs as U
from xlperf.samples import SAMPLES, write_sample

from factory import FIRST_IND, HEAD, clean_rows, workbook

NAMES = [
    "XP_RATE",
    "XP_SCORE",
    "XP_BUDGET_SCORE",
    "XP_SUBTOTAL",
    "XP_TOTAL",
    "XP_GRADE",
    "XP_ROWCHECK",
    "XP_TABLECHECK",
    "XP_SCORES",
    "XP_ROWCHECKS",
]
DIV0 = -2146826281  # #DIV/0! as pywin32 passes it when err_to_str is off


@pytest.fixture(scope="module")
def sample_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("samples")
    return [write_sample(s, folder) for s in SAMPLES]


# --- metadata: what the Insert Function dialog and the VBA wrappers get -------------------------------


def test_every_udf_is_registered_with_chinese_texts_and_ascii_names():
    infos = {i.name: i for i in udf_infos(U)}
    assert sorted(infos) == sorted(NAMES)
    for name, info in infos.items():
        assert name.isascii() and name.startswith("XP_")
        assert info.category == "绩效自评"
        assert any("\u4e00" <= ch <= "\u9fff" for ch in info.description), name
        assert len(info.description) <= 255
        assert info.arg_descriptions and all(
            any("\u4e00" <= ch <= "\u9fff" for ch in d) for d in info.arg_descriptions
        ), name


def test_array_functions_spill_and_ranges_arrive_two_dimensional():
    mod = decorated_module(U)
    for name in ("XP_TABLECHECK", "XP_SCORES", "XP_ROWCHECKS"):
        assert getattr(mod, name).__xlfunc__["ret"]["options"].get("expand") == "table"
    assert mod.XP_TOTAL.__xlfunc__["argmap"]["score_range"]["options"]["ndim"] == 2
    assert mod.XP_RATE.__xlfunc__["argmap"]["executed"]["options"]["err_to_str"] is True


def test_udfs_take_no_keyword_only_arguments():
    for name in NAMES:
        for p in inspect.signature(getattr(U, name)).parameters.values():
            assert p.kind is p.POSITIONAL_OR_KEYWORD


# --- single cells with Excel's values ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("executed", "budget", "want"),
    [
        (8.0, 10.0, 0.8),
        ("2万元", "4万", 0.5),
        ([[8.0]], [[10.0]], 0.8),  # one-cell ranges read with ndim=2
        (None, 10.0, ""),
        (8.0, None, ""),
        (8.0, 0.0, ""),
        ("#DIV/0!", 10.0, ""),
        (DIV0, 10.0, ""),
        ("约两万", 10.0, ""),
    ],
)
def test_rate(executed, budget, want):
    assert U.XP_RATE(executed, budget) == want


@pytest.mark.parametrize(
    ("args", "want"),
    [
        (("正向", "100%", "98%", 10.0), 9.8),
        (("正向", 1.0, "98%", 10.0), 9.8),
        (("正向", "100%", 98.0, 10.0), 9.8),  # 98 next to "100%" reads as 98%
        ((None, "≥95%", "98%", 10.0), 10.0),
        (("反向", "≤500元", "600元", 10.0), 8.0),
        ((None, "≤500元", "1000元", 10.0), 0.0),  # inferred 反向 from ≤
        (("等于", 0.0, 0.0, 5.0), 5.0),
        (("定性", "达成", "部分达成", 10.0), 8.0),  # the top of the band
        (("正向", "100%", "98%", None), ""),
        (("正向", None, "98%", 10.0), ""),
        (("正向", "100%", "#N/A", 10.0), ""),
        (("正向", "100%", DIV0, 10.0), ""),
    ],
)
def test_score(args, want):
    assert U.XP_SCORE(*args) == want


def test_score_uses_the_named_preset_and_never_raises_on_a_bad_one():
    assert U.XP_SCORE("定性", "达成", "部分达成", 10.0, "shaanxi") == 8.0
    assert (
        U.XP_SCORE("定性", "达成", "部分达成", 10.0, "陕西（产出40、预算执行率10、效益40、满意度10）") == 8.0
    )
    assert U.XP_SCORE("正向", "100%", "98%", 10.0, "没有这个方案") == ""


@pytest.mark.parametrize(
    ("rate", "weight", "want"),
    [
        (0.95, 10.0, 9.5),
        ("95%", 10.0, 9.5),
        (95.0, 10.0, 9.5),
        (1.2, 10.0, 10.0),
        (None, 10.0, ""),
        ("#REF!", 10, ""),
    ],
)
def test_budget_score(rate, weight, want):
    assert U.XP_BUDGET_SCORE(rate, weight) == want


def test_subtotal_carries_merged_level1_down():
    level1 = [["产出指标（40）"], [None], [None], ["效益指标（40）"], [None]]
    scores = [[10.0], [9.5], ["#N/A"], [8.0], [None]]
    assert U.XP_SUBTOTAL(level1, scores, "产出") == 19.5
    assert U.XP_SUBTOTAL(level1, scores, "output") == 19.5
    assert U.XP_SUBTOTAL(level1, scores, "效益指标") == 8.0
    assert U.XP_SUBTOTAL(level1, scores, "满意度") == 0.0
    assert U.XP_SUBTOTAL(level1, scores, "不存在") == ""


def test_total_and_grade():
    assert U.XP_TOTAL([[10.0], [None], ["9.5"], ["#DIV/0!"]]) == 19.5
    assert U.XP_TOTAL([[None], [None]]) == ""
    assert U.XP_TOTAL(7.0) == 7.0
    assert U.XP_GRADE(90.0) == "优"
    assert U.XP_GRADE(89.99) == "良"
    assert U.XP_GRADE("59") == "差"
    assert U.XP_GRADE(None) == ""
    assert U.XP_GRADE("#VALUE!") == ""


def test_rowcheck_names_the_rules_and_is_empty_when_fine():
    assert U.XP_ROWCHECK("正向", "100%", "100%", 10.0, 10.0, None) == ""
    assert U.XP_ROWCHECK("正向", None, None, 10.0, None, None) == ""  # not filled in yet
    text = U.XP_ROWCHECK("正向", "100%", "98%", 10.0, 8.0, None)
    lines = text.split("\n")
    assert [line[:7] for line in lines] == ["[XP004]", "[XP009]"]
    assert "（应为：9.8；实为：8）" in lines[0]
    assert U.XP_ROWCHECK("正向", "100%", "98%", 10.0, 20.0, "说明").startswith("[XP004]")
    assert "[XP005]" in U.XP_ROWCHECK("正向", "100%", "98%", 10.0, 20.0, "说明")
    assert "[XP008]" in U.XP_ROWCHECK("正向", "*", "98%", 10.0, 10.0, None)
    assert "[XP015]" in U.XP_ROWCHECK("正向", "100%", "约九成", 10.0, 9.0, "说明")
    assert "[XP013]" in U.XP_ROWCHECK("正向", 100.0, 150.0, 10.0, 10.0, None)


def test_rowcheck_of_the_budget_row_compares_with_the_funds_rate():
    text = U.XP_ROWCHECK("正向", "100%", "80%", 10.0, 8.0, "说明", "预算执行率", 0.9)
    assert "[XP002]" in text and "[XP003]" in text
    assert U.XP_ROWCHECK("正向", "100%", "90%", 10.0, 9.0, "说明", "budget", 0.9) == ""


def test_the_unit_in_a_cell_of_its_own():
    """The template's rows: 计算符号 ｜ 年度指标值 ｜ 度量单位 ｜ 实际完成值 (values.with_unit)."""
    assert U.XP_SCORE("≥", 95, 98, 10, None, "%") == 10.0
    assert U.XP_SCORE("≥", 95, 0.9, 10, None, "%") == round(10 * 0.9 / 0.95, 4)  # 90 % typed as 0.9
    assert U.XP_SCORE("≥", 95, 0.9, 10, None) == round(10 * 0.9 / 95, 4)  # no unit: numbers as they are
    assert U.XP_SCORE("≤", 100, 150, 10, None, "元") == 5.0
    assert U.XP_SCORE("定性", "效果明显", "部分达成", 10, None, None) == 8.0
    assert U.XP_ROWCHECK("≥", 95, 98, 10, 10, None, None, None, None, "%") == ""
    assert U.XP_ROWCHECK("≥", 95, 0.9, 10, 10, None, None, None, None, "%").startswith("[XP004]")
    assert "[XP013]" in U.XP_ROWCHECK("≥", 120, 100, 10, 10, None, None, None, None, "%")  # a 120 % target
    assert "[XP013]" not in U.XP_ROWCHECK("≤", 120, 100, 10, 10, None, None, None, None, "%")  # a ceiling


def test_nothing_raises_into_excel():
    weird = [None, "", "#N/A", DIV0, float("nan"), [[None]], [], [[]], True, object()]
    for name in NAMES:
        fn = getattr(U, name)
        n = len(inspect.signature(fn).parameters)
        for w in weird:
            out = fn(*([w] * n))
            assert out is not None, name


# --- arrays: one call for a column or a table ---------------------------------------------------------


def test_scores_column_equals_score_per_row():
    kinds = [["正向"], ["反向"], [None], ["定性"]]
    targets = [["100%"], ["≤500元"], ["≥95%"], ["达成"]]
    actuals = [["98%"], ["600元"], [None], ["未达成"]]
    weights = [[10.0], [10.0], [10.0], [10.0]]
    got = U.XP_SCORES(kinds, targets, actuals, weights)
    want = [
        [U.XP_SCORE(k[0], t[0], a[0], w[0])]
        for k, t, a, w in zip(kinds, targets, actuals, weights, strict=True)
    ]
    assert got == want == [[9.8], [8.0], [""], [6.0]]


def test_rowchecks_column_equals_rowcheck_per_row():
    cols = (
        [["正向"], ["正向"]],
        [["100%"], ["100%"]],
        [["98%"], ["100%"]],
        [[10.0], [10.0]],
        [[8.0], [10.0]],
        [[None], [None]],
    )
    got = U.XP_ROWCHECKS(*cols, [["产出指标（40）"], [None]])
    assert got[0][0] == U.XP_ROWCHECK("正向", "100%", "98%", 10.0, 8.0, None, "产出指标（40）")
    assert got[1][0] == ""


def test_tablecheck_equals_validate_for_the_sheet():
    rows = clean_rows()
    rows[FIRST_IND][HEAD.index("自评得分")] = 20
    v = validate(workbook(rows), presets.load("national"))
    got = U.XP_TABLECHECK(rows)
    assert got[0] == U.TABLE_HEADER
    assert [(r[0], r[1]) for r in got[1:]] == [(f.cell or "", f.rule) for f in v.findings]
    assert all(not r[2].startswith("自评表1!") for r in got[1:])


def test_tablecheck_of_a_clean_or_foreign_range():
    assert U.XP_TABLECHECK(clean_rows(), "national")[1][2] != U.NO_FINDINGS  # weights 40/10/40/10 vs national
    got = U.XP_TABLECHECK([[1.0, 2.0], [3.0, 4.0]])
    assert got[0] == U.TABLE_HEADER and "不是项目支出绩效自评表" in got[1][2]


class _Range:
    """Just enough of xw.Range for XP_TABLECHECK: one value read and the top-left position."""

    def __init__(self, rows, row, column):
        self._rows, self.row, self.column = rows, row, column

    def options(self, **kw):
        assert kw.get("ndim") == 2
        return self

    @property
    def value(self):
        return self._rows


def test_tablecheck_given_a_range_reports_sheet_addresses():
    rows = clean_rows()
    rows[FIRST_IND][HEAD.index("自评得分")] = 20
    at_a1 = U.XP_TABLECHECK(rows)
    moved = U.XP_TABLECHECK(_Range(rows, 3, 2))  # the table starts at B3
    assert moved[1][1:] == at_a1[1][1:]
    assert at_a1[1][0] == "A15" and moved[1][0] == "B17"
    assert ("H15", "XP005") in [(r[0], r[1]) for r in at_a1] and ("I17", "XP005") in [
        (r[0], r[1]) for r in moved
    ]


# --- the same numbers as `xlperf validate` on the sample workbooks ------------------------------------


def test_udfs_agree_with_validate_on_the_samples(sample_files):
    checked = 0
    for path in sample_files:
        v = validate_file(path)
        preset = v.preset.name
        for pr in v.projects:
            p = pr.project
            assert U.XP_RATE(p.executed.total.value.raw, p.budget.total.value.raw) == (
                "" if pr.rate is None else round(pr.rate, 6)
            )
            for ir in pr.indicators:
                ind = ir.indicator
                if ind.is_budget_rate:
                    r = pr.rate if pr.rate is not None else ind.actual.value.number
                    got = U.XP_BUDGET_SCORE(r, ir.weight)
                else:
                    got = U.XP_SCORE(
                        ind.kind.value.raw,
                        ind.target.value.raw,
                        ind.actual.value.raw,
                        ir.weight,
                        preset,
                        ind.unit.value.raw,
                    )
                assert got == ("" if ir.suggested is None else ir.suggested), (path.name, p.sheet, ind.row)
                checked += 1
            scores = [[ir.indicator.score.value.raw] for ir in pr.indicators]
            want_total = "" if pr.total_recomputed is None else pr.total_recomputed
            assert U.XP_TOTAL(scores) == want_total
            assert U.XP_GRADE(pr.total_capped, preset) == (pr.grade or "")
            for key, sub in pr.subtotals.items():
                level1 = [[ir.indicator.level1] for ir in pr.indicators]
                if key != "unknown":
                    assert U.XP_SUBTOTAL(level1, scores, key) == pytest.approx(sub)
    assert checked > 50
