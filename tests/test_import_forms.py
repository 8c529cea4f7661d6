"""xlperf import of every layout onto the structured template: what a form says is what the template says.

Fixtures: the provinces' corpus (tests/provinces: 四川, national, 一体化 and 湖北 forms, workbooks and Word
reports) and the previous template's corpus (tests/corpus/previous: the upgrade of a workbook made with
the previous template). For each, the imported workbook must give the same findings (per project, per
rule), the same read values (funds, totals, 等级), every amount of the funds block at its 其中 row's name,
and list in the summary what has no place (conclusions, remarks, goals' 偏差原因)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from xlperf import api
from xlperf.cli import cli
from xlperf.sources import read_grids
from xlperf.writers.imported import UNSORTED, import_grids

from conftest import ROOT

PROVINCES = sorted((ROOT / "tests" / "provinces").glob("*.office.*"))
PREVIOUS = sorted((ROOT / "tests" / "corpus" / "previous").glob("*.office.xlsx"))
# what the sheet is, not what the form says: a hidden sheet, a 填报说明 sheet, a sheet named 校验结果
SHEET_STATE = {"XP018", "XP019", "XP020"}
# moved, not lost: a 执行率 a funds block states apart from its 执行数/预算数 (XP001) is the template's
# 预算执行率 row's 实际完成值 (XP002 there); a conclusion sentence (XP021) has no place and is listed
MOVED = {"XP001": "XP002", "XP021": None}
FLAT = "yitihua_flat_export_reverse_overrun_executed_parts"


def _import(path: Path, tmp_path: Path):
    src = api.validate_file(path)
    out = tmp_path / f"{path.stem}.xlsx"
    result = import_grids(str(path), read_grids(path), out, src.preset)
    return src, result, api.validate_file(out)


def _rules(v, moved: dict[str, str | None]) -> Counter:
    order = {pr.project.sheet: i for i, pr in enumerate(v.projects)}
    out: Counter = Counter()
    for f in v.findings:
        if f.rule in SHEET_STATE:
            continue
        rule = moved.get(f.rule, f.rule)
        if rule is not None:
            out[(order.get(f.sheet), rule)] += 1
    return out


def _amounts(p) -> dict[tuple[str, str], float]:
    """Every amount of the funds block a form states: (column, 合计 or the 其中 row's name) -> number."""
    out = {}
    for key in ("initial", "budget", "arrived", "executed"):
        f = getattr(p, key)
        if f.total.number is not None:
            out[(key, "合计")] = f.total.number
        for part in f.breakdown:
            if part.cell.number is not None:
                out[(key, part.label.removeprefix("其中："))] = part.cell.number
    return out


TOTALS = ("rate", "total_reported", "total_recomputed", "total_suggested", "total_capped", "grade")


@pytest.mark.parametrize("path", PROVINCES + PREVIOUS, ids=lambda p: p.name.split(".")[0])
def test_a_form_imported_onto_the_template_says_what_it_said(path, tmp_path):
    src, result, new = _import(path, tmp_path)
    assert {pr.project.layout for pr in new.projects} == {"template"}
    assert new.preset.name == src.preset.name
    assert len(new.projects) == len(src.projects) == len(result.projects)
    flat = path.name.startswith(FLAT)
    want, got = _rules(src, MOVED), _rules(new, {})
    if flat:  # the unit sorts the rows into 一级/二级 (said in the summary): XP011 until then
        got = Counter({k: n for k, n in got.items() if k[1] != "XP011"})
    assert got == want
    for a, b in zip(src.projects, new.projects, strict=True):
        # a 执行率 typed where no budget gives one (budget 0) is the 预算执行率 row's 实际完成值 on the
        # template, which suggests a score from it; the source's funds block row suggested none
        for key in TOTALS if a.rate is not None else [k for k in TOTALS if k != "total_suggested"]:
            x, y = getattr(a, key), getattr(b, key)
            assert x == pytest.approx(y, abs=1e-6) if isinstance(x, float) else x == y, (a.project.sheet, key)
        names = [[i.name.text for i in x.project.indicators if not i.is_budget_rate] for x in (a, b)]
        assert names[0] == names[1]
        assert _amounts(b.project) == pytest.approx(_amounts(a.project)), a.project.sheet
        assert b.project.name.text == a.project.name.text and b.project.unit.text == a.project.unit.text
    # nothing dropped without a word: each text the template has no cell for is in the summary
    listed = "\n".join(result.not_placed)
    for pr in src.projects:
        p = pr.project
        for part in p.remarks:
            if not part.cell.value.is_blank:
                assert part.cell.text[:20] in listed
        for g in p.goals:
            if not g.reason.value.is_blank:
                assert g.reason.text[:20] in listed
        if not p.conclusion.value.is_blank:
            assert p.conclusion.text[:20] in listed
    assert bool(result.to_do) == flat


def test_a_flat_export_is_sorted_by_the_unit(tmp_path):
    """一体化's grid without 一级/二级: the rows under 未分类指标 (not under the 预算执行率 label above them,
    which would make each a 预算执行率 row), and the summary says what to do."""
    path = next(p for p in PROVINCES if p.name.startswith(FLAT))
    _, result, new = _import(path, tmp_path)
    rows = new.projects[0].project.indicators
    assert [i.level1 for i in rows if not i.is_budget_rate] == [UNSORTED] * 7
    assert sum(i.is_budget_rate for i in rows) == 1
    assert result.to_do == [
        f"自评表1：原表没有一级、二级指标栏，7 个指标放在“{UNSORTED}”下，请按产出、效益、满意度指标归类，"
        "填写一级、二级指标"
    ]
    assert "请在模板中补充：" in "\n".join(result.lines())


def test_import_of_a_previous_template_workbook_from_the_command_line(tmp_path):
    src = ROOT / "tests" / "corpus" / "previous" / "three_projects_typed_every_way_shaanxi.office.xlsx"
    out = tmp_path / "新模板.xlsx"
    res = CliRunner().invoke(cli, ["import", str(src), "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert "已导入 3 个项目" in res.output and "表样：陕西" in res.output
    assert {pr.project.layout for pr in api.validate_file(out).projects} == {"template"}
