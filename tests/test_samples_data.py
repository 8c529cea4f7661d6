"""The sample data: the seed sample equals the seed report cell by cell, the made-up samples add up
except for their listed mistakes, and the lead's parser reads every sample back as written."""

from __future__ import annotations

from pathlib import Path

import pytest

from xlperf import presets, samples
from xlperf.core import labels as L
from xlperf.core.values import parse

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_DIR = ROOT / "workbooks" / "samples"
SEED_TEXT = ROOT / "tests" / "data" / "seed_2020.txt"  # the seed report's text extraction


def _s(v: object) -> str:
    return "" if v is None else str(v)


# --- the seed report, read independently of the sample data ---------------------------------------------


def _seed_tables() -> list[list[list[str]]]:
    """The seed's forms as rows of cells. In the extraction a cell is a line starting with a tab, a line
    without one continues the previous cell, and a blank line ends a row."""
    path = SEED_TEXT
    tables: list[list[list[str]]] = []
    row: list[str] | None = None
    for line in path.read_text("utf-8").splitlines():
        if line.startswith("\t"):
            if L.norm(line) == L.norm(L.SEC_BASIC):
                tables.append([])
            if row is None:
                row = []
                if tables:
                    tables[-1].append(row)
            row.append(line[1:].strip())
        elif line.strip() == "":
            row = None
        elif row is not None:  # continuation of a cell: "预算执行率指标" + "（10分）"
            row[-1] += "\n" + line.strip()
    return tables


def _after(rows: list[list[str]], label: str, nth: int = 0) -> str:
    hits = [r[i + 1] for r in rows for i, c in enumerate(r[:-1]) if c == label]
    return hits[nth]


def test_seed_sample_equals_the_seed_report():
    tables = _seed_tables()
    assert len(tables) == len(samples.SEED.projects) == 4
    for rows, p in zip(tables, samples.SEED.projects, strict=True):
        assert _after(rows, "项目名称") == p.name
        assert _after(rows, "实施(主管）单位") == p.unit
        for label, funds in (("预算数：", p.budget), ("到位数：", p.arrived), ("执行数：", p.executed)):
            assert _after(rows, label) == _s(funds[0])
        for i, funds in enumerate((p.budget, p.arrived, p.executed)):
            assert _after(rows, "其中：财政资金", i) == _s(funds[1])
            assert _after(rows, "其他", i) == _s(funds[2])
        head = next(i for i, r in enumerate(rows) if "总体完成率" in r)
        goal_rows = [r[1:] for r in rows[head + 1 : head + 4]]
        typed = [tuple(_s(v) for v in g) for g in p.goals]
        assert [tuple(g) for g in goal_rows if any(g)] == typed
        ind_head = next(i for i, r in enumerate(rows) if "一级指标" in r)
        assert rows[ind_head][-6:] == [
            "一级指标",
            "二级指标",
            "三级指标",
            "预期指标值",
            "实际完成值",
            "自评得分",
        ]
        total_at = next(i for i, r in enumerate(rows) if "总分" in r)
        seed_rows = rows[ind_head + 1 : total_at]
        assert len(seed_rows) == len(p.indicators)
        level1 = ""
        for cells, ind in zip(seed_rows, p.indicators, strict=True):
            assert len(cells) == 7, cells
            level1 = cells[1] or level1
            assert level1 == p.level1_labels[ind.level1]
            assert cells[2:] == [_s(ind.level2), _s(ind.name), _s(ind.target), _s(ind.actual), _s(ind.score)]
            assert (ind.weight, ind.kind, ind.reason) == (None, None, None)  # not in the seed's form
        assert rows[total_at][-1] == _s(p.total)


# --- the made-up samples ---------------------------------------------------------------------------------


def _issues(sample: samples.Sample, rule: str) -> set[str]:
    return {sheet for sheet, r, _ in sample.known_issues if r == rule}


@pytest.mark.parametrize("sample", samples.SAMPLES, ids=lambda s: s.file)
def test_totals_add_up_except_known_mistakes(sample):
    wrong = _issues(sample, "XP007")
    for i, p in enumerate(sample.projects, start=1):
        sheet = f"自评表{i}"
        adds_up = abs(p.total - samples.score_sum(p)) < 1e-9
        assert adds_up != (sheet in wrong), (sheet, p.total, samples.score_sum(p))


@pytest.mark.parametrize("sample", [samples.EDU, samples.FIN], ids=lambda s: s.file)
def test_made_up_samples_are_consistent(sample):
    preset = presets.load(sample.preset)
    over = _issues(sample, "XP005")
    unexplained = _issues(sample, "XP009")
    assert 3 <= len(sample.projects) <= 8
    for i, p in enumerate(sample.projects, start=1):
        sheet = f"自评表{i}"
        for funds in (p.budget, p.arrived, p.executed):
            assert abs(funds[0] - funds[1] - (funds[2] or 0)) < 1e-9, (sheet, funds)  # 财政资金 + 其他 = 合计
        assert p.executed[0] <= p.arrived[0] <= p.budget[0]
        rate = p.executed[0] / p.budget[0]
        weights = {}
        for ind in p.indicators:
            assert ind.kind in L.KINDS and ind.level2 in L.LEVEL2_NAMES[ind.level1]
            weights[ind.level1] = weights.get(ind.level1, 0) + ind.weight
            t, a = parse(ind.target, expect_text=True), parse(ind.actual, expect_text=True)
            assert t.kind != "unreadable" and a.kind != "unreadable", (sheet, ind.target, ind.actual)
            if ind.level1 == L.SECTION_BUDGET:
                assert abs(a.number - rate) <= preset.rate_tolerance, (sheet, ind.actual, rate)
                assert abs(ind.score - min(rate, 1) * ind.weight) <= preset.score_tolerance
            below = ind.score < ind.weight
            if below and sheet not in unexplained:
                assert ind.reason, (sheet, ind.name)
            assert (ind.score > ind.weight) == (sheet in over and ind.level2 == "质量指标"), (sheet, ind.name)
        assert weights == preset.weights, sheet  # 分值 add up to the preset's section weights
    if sample is samples.EDU:
        rates = [p.executed[0] / p.budget[0] for p in sample.projects]
        assert min(rates) < 0.9  # one project under 90 % execution
        kinds = {ind.kind for p in sample.projects for ind in p.indicators}
        assert kinds == set(L.KINDS)
        assert {r for _, r, _ in sample.known_issues} == {"XP005", "XP007", "XP009"}


def test_sample_files_are_distinct_units():
    units = [s.unit.name for s in samples.SAMPLES]
    assert len(set(units)) == len(units) == 3
    assert {p.name for p in SAMPLE_DIR.glob("*.xlsx")} == {s.file for s in samples.SAMPLES}


# --- the parser reads the samples back ---------------------------------------------------------------------


@pytest.mark.parametrize("engine", ["calamine", "openpyxl"])
@pytest.mark.parametrize("sample", samples.SAMPLES, ids=lambda s: s.file)
def test_parser_reads_every_sample_as_written(sample, engine):
    from xlperf.sources import read_workbook

    wb = read_workbook(SAMPLE_DIR / sample.file, engine=engine)
    assert wb.unit.name == sample.unit.name and wb.unit.year == sample.unit.year
    assert wb.meta["preset"] == sample.preset and wb.meta["layout"] == "template"
    assert len(wb.projects) == len(sample.projects)
    for got, typed, want in zip(wb.projects, sample.projects, sample.data(), strict=True):
        assert got.missing == () and got.layout == "template"
        assert got.name.text == typed.name and got.unit.text == typed.unit
        assert got.budget.total.ref == "D8" and got.executed.other.ref == "H10" and got.progress.ref == "J8"
        assert got.budget.total.number == pytest.approx(typed.budget[0])
        assert got.executed.fiscal.number == pytest.approx(typed.executed[1])
        assert [x.label for x in got.budget.parts] == ["财政资金", "其他资金"]
        assert got.total.number == pytest.approx(typed.total)
        assert [s.key for s in got.sections] == list(dict.fromkeys(i.level1 for i in want.indicators))
        # a row with no 三级, values, score or reason is not in use, so not an indicator (issue 8 §1)
        in_use = [
            i
            for i in want.indicators
            if any(v is not None for v in (i.name, i.target, i.actual, i.score, i.reason))
        ]
        assert len(got.indicators) == len(in_use)
        for gi, wi in zip(got.indicators, in_use, strict=True):
            assert gi.section == wi.level1 and gi.level2 == wi.level2
            assert gi.name.text == _s(wi.name).strip()
            cells = ((gi.kind, wi.kind), (gi.target, wi.target), (gi.unit, wi.unit), (gi.actual, wi.actual))
            for cell, raw in cells:
                if not (gi.is_budget_rate and cell is gi.actual and raw is None):  # the 执行率 formula
                    assert (cell.value.raw if cell.value.raw is not None else None) == raw
            assert gi.score.number == (None if wi.score is None else pytest.approx(wi.score))
            assert gi.weight.number == (None if wi.weight is None else pytest.approx(wi.weight))


def test_the_samples_rows_read_as_typed():
    """Each sample row moved onto the template's cells reads to the values its typed texts read to: the
    same kind, the same suggested score (the import's promise, :mod:`xlperf.core.restructure`)."""
    from xlperf.core.scoring import kind_of, suggest
    from xlperf.core.values import with_unit

    for sample in samples.SAMPLES:
        preset = presets.load(sample.preset)
        for typed, data in zip(sample.projects, sample.data(), strict=True):
            for t, d in zip(typed.indicators, data.indicators, strict=True):
                tv, av = parse(t.target, expect_text=True), parse(t.actual, expect_text=True)
                k1, _ = kind_of(parse(t.kind, expect_text=True), tv, av)
                tv2, av2 = with_unit(
                    parse(d.target, expect_text=True), parse(d.actual, expect_text=True), d.unit
                )
                k2, _ = kind_of(parse(d.kind, expect_text=True), tv2, av2)
                assert k1 == k2, (t, d)
                w = d.weight if isinstance(d.weight, (int, float)) else 10
                s1, s2 = suggest(k1, tv, av, w, preset), suggest(k2, tv2, av2, w, preset)
                assert (s1 is None and s2 is None) or s1.point == pytest.approx(s2.point), (t, d)
