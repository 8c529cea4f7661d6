"""The provinces corpus (tests/provinces/): the forms provinces actually issue — 四川 510000_0013zp, the
national form of 财预〔2020〕10号 as 池州's towns fill it, 一体化 exports, an older 湖北 form — filled the way
units fill them, as workbooks (typed through LibreOffice, rows inserted, copied and deleted) and as Word
reports, each with the findings a reviewer raises and the values that must be read written by hand in
``<case>.expected.toml`` before the tool was run on it.

For every file, both saves (LibreOffice's and a script's) and both workbook readers: the layout the parser
says it used, exactly the expected findings at their cells, and the values read (预算数, 执行数, 执行率, the
four totals, 等级, the number of indicator rows in use, the 预算执行率 row of the funds block included); the
two saves agree word for word; the generator reproduces the files; a consolidation of the whole folder
counts every project once.

The ``[read.<sheet>]`` keys are ProjectResult's names, except ``budget`` / ``executed`` (the project's
``budget.total`` / ``executed.total``) and ``indicators`` (``len(project.indicators)``); ``rate = "none"``
means no execution rate can be computed.
"""

from __future__ import annotations

import json
import sys
import tomllib
from collections import Counter
from functools import cache
from pathlib import Path

import pytest

from xlperf import api

CORPUS = Path(__file__).resolve().parent / "provinces"
sys.path.insert(0, str(CORPUS))
import make_provinces  # noqa: E402

CASES = {c.name: c for c in make_provinces.CASES}
SAVES = ("office", "script")
LAYOUTS = ("sichuan", "national", "yitihua", "hubei")
MODULES = {"forms.py", "word_forms.py", "make_provinces.py"}


def _expected(case: str) -> dict:
    return tomllib.loads((CORPUS / f"{case}.expected.toml").read_text("utf-8"))


def _path(case: str, save: str) -> Path:
    office, script = make_provinces.files(CASES[case])
    return CORPUS / (office if save == "office" else script)


def _runs() -> list:
    """(case, save, engine): both readers for a workbook; a Word report has one reader."""
    out = []
    for name, case in CASES.items():
        engines = ("calamine", "openpyxl") if case.kind == make_provinces.WORKBOOK else ("docx",)
        out += [pytest.param(name, save, e, id=f"{name}-{save}-{e}") for save in SAVES for e in engines]
    return out


RUNS = _runs()


@cache
def _validate(case: str, save: str, engine: str):
    path = _path(case, save)
    return api.validate_file(path) if engine == "docx" else api.validate_file(path, engine=engine)


def _where(v) -> Counter:
    return Counter((f.rule, f.sheet, f.cell or "") for f in v.findings)


def _project(v, sheet: str):
    return next(pr for pr in v.projects if pr.project.sheet == sheet)


def test_corpus_is_complete():
    """Every case has its expectations and both saves; every layout is there as a workbook and as a Word
    report; 四川 and the national form have a row inserted or deleted with the office suite; nothing else
    lies in the folder."""
    want = {f"{name}.expected.toml" for name in CASES} | MODULES
    for case in CASES.values():
        want |= set(make_provinces.files(case))
    assert {p.name for p in CORPUS.iterdir() if p.is_file()} == want
    kinds = {(_expected(n)["layout"], c.kind) for n, c in CASES.items()}
    assert kinds >= {(lay, k) for lay in LAYOUTS for k in (make_provinces.WORKBOOK, make_provinces.DOCUMENT)}
    for layout in ("sichuan", "national"):
        ops = {op for n, c in CASES.items() if _expected(n)["layout"] == layout for op, *_ in c.steps}
        assert ops & {"insert_rows", "delete_rows", "copy_row_insert"}, layout
    # planted faults and clean cases both
    assert sum(1 for n in CASES if not _expected(n)["findings"]) >= 4
    assert sum(1 for n in CASES if len(_expected(n)["findings"]) >= 2) >= 8


@pytest.mark.parametrize(("case", "save", "engine"), RUNS)
def test_layout_named(case, save, engine):
    """The parser says which layout it read each project with."""
    exp = _expected(case)
    v = _validate(case, save, engine)
    assert [pr.project.sheet for pr in v.projects] == exp["projects"]
    assert [pr.project.layout for pr in v.projects] == [exp["layout"]] * len(exp["projects"])


@pytest.mark.parametrize(("case", "save", "engine"), RUNS)
def test_exact_findings(case, save, engine):
    exp = _expected(case)
    v = _validate(case, save, engine)
    assert [pr.project.sheet for pr in v.projects] == exp["projects"]
    want = Counter(tuple(x) for x in exp["findings"])
    got = _where(v)
    false = got - want
    missed = want - got
    assert not false and not missed, (
        f"false findings: {sorted(false)}; missed: {sorted(missed)}; "
        f"messages: {[f.message for f in v.findings]}"
    )


@pytest.mark.parametrize(("case", "save", "engine"), RUNS)
def test_values_read(case, save, engine):
    """预算数, 执行数, 执行率, the four totals, 等级, the indicator rows and the year, as the form states them."""
    exp = _expected(case)
    v = _validate(case, save, engine)
    assert v.workbook.unit.year == exp["year"]
    wrong = {}
    for sheet, values in exp["read"].items():
        pr = _project(v, sheet)
        got = {
            "budget": pr.project.budget.total.number,
            "executed": pr.project.executed.total.number,
            "rate": pr.rate,
            "total_reported": pr.total_reported,
            "total_recomputed": pr.total_recomputed,
            "total_capped": pr.total_capped,
            "grade": pr.grade,
            "indicators": len(pr.project.indicators),
        }
        for key, want in values.items():
            if want == "none":
                ok = got[key] is None
            elif isinstance(want, str):
                ok = got[key] == want
            else:
                ok = got[key] is not None and got[key] == pytest.approx(want, abs=1e-6)
            if not ok:
                wrong[f"{sheet}.{key}"] = (want, got[key])
    assert not wrong, f"expected vs read: {wrong}"


@pytest.mark.parametrize("case", list(CASES))
def test_office_and_script_saves_agree(case):
    """The same data saved by LibreOffice and by a script: the same findings, word for word, and the same
    totals (a formula's result is cached in one save and not in the other; Word re-saved by Writer)."""
    a, b = (
        _validate(case, s, "docx" if CASES[case].kind == make_provinces.DOCUMENT else "calamine")
        for s in SAVES
    )
    assert [f.message for f in a.findings] == [f.message for f in b.findings]
    assert [(f.expected, f.found, f.severity) for f in a.findings] == [
        (f.expected, f.found, f.severity) for f in b.findings
    ]
    totals = ("rate", "total_reported", "total_recomputed", "total_suggested", "total_capped", "grade")
    assert [[getattr(pr, t) for t in totals] for pr in a.projects] == [
        [getattr(pr, t) for t in totals] for pr in b.projects
    ]


def test_the_formula_save_pair_differs():
    """The clean 四川 case's 合计 is a formula: LibreOffice's save holds its result, the script's does not —
    otherwise the pair test above would prove nothing about formulas."""
    import openpyxl

    case = make_provinces.SICHUAN_CLEAN.name
    for save, cached in (("office", 99.7), ("script", None)):
        path = _path(case, save)
        assert openpyxl.load_workbook(path)["项目支出绩效自评表"]["J25"].value == "=SUM(J16:J24)+I9"
        got = openpyxl.load_workbook(path, data_only=True)["项目支出绩效自评表"]["J25"].value
        assert got == (pytest.approx(cached) if cached else None), save


def test_consolidation_counts_every_project_once(tmp_path):
    """``xlperf consolidate`` over the whole folder: 26 files (two saves of each case) read, 16 projects of
    12 units counted once each, their amounts summed (worked out by hand from the expectations)."""
    from click.testing import CliRunner

    from xlperf.cli import cli

    out = tmp_path / "汇总.json"
    r = CliRunner().invoke(cli, ["consolidate", str(CORPUS), "-o", str(out), "--jobs", "1", "-q"])
    assert r.exit_code == 0, r.output
    data = json.loads(out.read_text("utf-8"))
    stats = data["stats"]
    files = data["tables"]["文件清单"]["rows"]
    forms = [f for f in files if f["文件"].endswith((".xlsx", ".docx"))]
    assert len(forms) == 26 and all(f["状态"] != "无法读取" for f in forms), [
        (f["文件"], f["原因"]) for f in forms if f["状态"] == "无法读取"
    ]
    assert (stats["projects"], stats["units"]) == (16, 12)
    assert stats["budget"] == pytest.approx(2658.81)
    assert stats["executed"] == pytest.approx(2571.21)


# --- the generator -------------------------------------------------------------------------------------
def _cells(path: Path, data_only: bool) -> dict:
    import openpyxl

    wb = openpyxl.load_workbook(path, data_only=data_only)
    try:
        return {
            ws.title: (
                sorted(str(m) for m in ws.merged_cells.ranges),
                {c.coordinate: c.value for row in ws.iter_rows() for c in row if c.value is not None},
            )
            for ws in wb.worksheets
        }
    finally:
        wb.close()


def _document(path: Path) -> list:
    """A Word file's page orientation, paragraphs and tables: each table's column widths, each cell's
    text, span and vertical merge."""
    from docx import Document
    from docx.oxml.ns import qn

    doc = Document(path)
    out: list = [[(s.orientation, s.page_width, s.page_height) for s in doc.sections]]
    for el in doc.element.body.iterchildren():
        if el.tag == qn("w:p"):
            text = "".join(t.text or "" for t in el.iter(qn("w:t")))
            if text.strip():
                out.append(text)
        elif el.tag == qn("w:tbl"):
            rows: list = [[c.get(qn("w:w")) for c in el.iter(qn("w:gridCol"))]]
            for tr in el.findall(qn("w:tr")):
                row = []
                for tc in tr.findall(qn("w:tc")):
                    span = tc.find(f"{qn('w:tcPr')}/{qn('w:gridSpan')}")
                    vm = tc.find(f"{qn('w:tcPr')}/{qn('w:vMerge')}")
                    row.append((
                        "".join(t.text or "" for t in tc.iter(qn("w:t"))),
                        1 if span is None else int(span.get(qn("w:val"))),
                        None if vm is None else vm.get(qn("w:val"), "continue"),
                    ))  # fmt: skip
                rows.append(row)
            out.append(rows)
    return out


@pytest.mark.libreoffice
def test_generator_reproduces_the_corpus(tmp_path):
    """make_provinces.py run again gives the same sheets, merged ranges and cell values (formulas, typed
    values, cached results of the office saves), and the same Word pages, paragraphs and tables: the
    committed files are what the script makes."""
    import os

    from office import available

    if not available():
        if os.environ.get("XLPERF_REQUIRE_LIBREOFFICE") == "1":
            pytest.fail("LibreOffice with python3-uno is required (XLPERF_REQUIRE_LIBREOFFICE=1)")
        pytest.skip("LibreOffice with python3-uno is not installed")
    assert make_provinces.main(["--out", str(tmp_path)]) == 0
    for case in CASES.values():
        for name in make_provinces.files(case):
            if case.kind == make_provinces.DOCUMENT:
                assert _document(tmp_path / name) == _document(CORPUS / name), name
                continue
            assert _cells(tmp_path / name, False) == _cells(CORPUS / name, False), name
            if ".office." in name:
                assert _cells(tmp_path / name, True) == _cells(CORPUS / name, True), name
