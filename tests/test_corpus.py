"""The real-use corpus (tests/corpus/): workbooks made as users make them, each with the findings a
reviewer raises on it written by hand beside it. Every file gives exactly those findings, at those cells;
the office-saved and the script-saved copy of the same data give the same findings; both readers agree;
the generator reproduces the files' cell values. The corpus typed into the previous template
(tests/corpus/previous/) is kept as fixtures: those workbooks still give their findings."""

from __future__ import annotations

import sys
import tomllib
from collections import Counter
from pathlib import Path

import pytest

from xlperf import api

CORPUS = Path(__file__).resolve().parent / "corpus"
sys.path.insert(0, str(CORPUS))
import make_corpus  # noqa: E402

CASES = [c.name for c in make_corpus.CASES]
PREVIOUS = list(make_corpus.PREVIOUS_CASES)
ALL = CASES + PREVIOUS
SAVES = ("office", "script")


def _folder(case: str) -> Path:
    return make_corpus.PREVIOUS if case in make_corpus.PREVIOUS_CASES else CORPUS


def _expected(case: str) -> dict:
    return tomllib.loads((_folder(case) / f"{case}.expected.toml").read_text("utf-8"))


def _path(case: str, save: str) -> Path:
    return _folder(case) / f"{case}.{save}.xlsx"


def _where(v) -> Counter:
    return Counter((f.rule, f.sheet, f.cell or "") for f in v.findings)


def test_corpus_is_complete():
    """Every case has its expectations and both saves, and nothing else lies in the folders."""
    assert len(CASES) >= 3 and len(PREVIOUS) == 15
    files = ("expected.toml", "office.xlsx", "script.xlsx")
    want = {f"{c}.{x}" for c in CASES for x in files} | {"make_corpus.py"}
    assert {p.name for p in CORPUS.iterdir() if p.is_file()} == want
    assert {p.name for p in make_corpus.PREVIOUS.iterdir()} == {f"{c}.{x}" for c in PREVIOUS for x in files}


def test_each_corpus_is_in_its_template():
    """The new cases are typed into the structured template, the kept ones into the previous one."""
    for case in ALL:
        v = api.validate_file(_path(case, "office"))
        assert {pr.project.layout for pr in v.projects} == {"shaanxi" if case in PREVIOUS else "template"}, (
            case
        )


@pytest.mark.parametrize("engine", ["calamine", "openpyxl"])
@pytest.mark.parametrize("save", SAVES)
@pytest.mark.parametrize("case", ALL)
def test_exact_findings(case, save, engine):
    exp = _expected(case)
    v = api.validate_file(_path(case, save), engine=engine)
    assert [pr.project.sheet for pr in v.projects] == exp["projects"]
    want = Counter(tuple(x) for x in exp["findings"])
    got = _where(v)
    assert got - want == Counter(), f"false findings: {[f.message for f in v.findings]}"
    assert want - got == Counter(), "expected findings not found"
    for sheet, totals in exp.get("totals", {}).items():
        pr = next(pr for pr in v.projects if pr.project.sheet == sheet)
        for key, value in totals.items():
            got_value = getattr(pr, key)
            assert got_value == (pytest.approx(value) if isinstance(value, float | int) else value), (
                sheet,
                key,
            )


@pytest.mark.parametrize("case", ALL)
def test_office_and_script_saves_agree(case):
    """The same data saved by LibreOffice (formula results cached) and by openpyxl (none): the same
    findings, word for word, and the same totals."""
    a, b = (api.validate_file(_path(case, s)) for s in SAVES)
    assert [f.message for f in a.findings] == [f.message for f in b.findings]
    assert [(f.expected, f.found, f.severity) for f in a.findings] == [
        (f.expected, f.found, f.severity) for f in b.findings
    ]
    totals = ("rate", "total_reported", "total_recomputed", "total_suggested", "total_capped", "grade")
    assert [[getattr(pr, t) for t in totals] for pr in a.projects] == [
        [getattr(pr, t) for t in totals] for pr in b.projects
    ]


def test_script_saves_have_no_cached_results():
    """The script-saved copies are what the issue describes (formulas without results) and the office
    saves carry results: otherwise the pair test would prove nothing."""
    import openpyxl

    for case in ALL:
        for save, cached in (("script", False), ("office", True)):
            path = _path(case, save)
            formulas = openpyxl.load_workbook(path)
            values = openpyxl.load_workbook(path, data_only=True)
            cells = [
                (ws.title, c.coordinate)
                for ws in formulas.worksheets
                for row in ws.iter_rows()
                for c in row
                if c.data_type == "f"
            ]
            assert len(cells) > 20, (case, save)
            results = [values[sheet][addr].value for sheet, addr in cells]
            if cached:
                assert any(r is not None for r in results), (case, save)
            else:
                assert all(r is None for r in results), (case, save)


def _cells(path: Path, data_only: bool) -> dict:
    import openpyxl

    wb = openpyxl.load_workbook(path, data_only=data_only)
    try:
        return {
            (ws.title, ws.sheet_state): {
                c.coordinate: c.value for row in ws.iter_rows() for c in row if c.value is not None
            }
            for ws in wb.worksheets
        }
    finally:
        wb.close()


@pytest.mark.libreoffice
def test_generator_reproduces_the_corpus(tmp_path):
    """make_corpus.py run again gives the same cell values (formulas, typed values and, for the office
    saves, the cached results), sheet names and states: the committed files are what the script makes."""
    import os

    from office import available

    if not available():
        if os.environ.get("XLPERF_REQUIRE_LIBREOFFICE") == "1":
            pytest.fail("LibreOffice with python3-uno is required (XLPERF_REQUIRE_LIBREOFFICE=1)")
        pytest.skip("LibreOffice with python3-uno is not installed")
    assert make_corpus.main(["--out", str(tmp_path)]) == 0
    for case in CASES:
        for save in SAVES:
            name = f"{case}.{save}.xlsx"
            assert _cells(tmp_path / name, False) == _cells(CORPUS / name, False), name
            if save == "office":
                assert _cells(tmp_path / name, True) == _cells(CORPUS / name, True), name
