"""The native-formula template recalculated by LibreOffice gives the numbers xlperf computes in Python.

Each sample workbook is converted xlsx -> xlsx by LibreOffice headless (which evaluates every formula
and stores the results), read back with openpyxl ``data_only``, and compared with ``xlperf validate``'s
values on the same file: execution rate, each row's suggested score, totals, grades, the summary sheet.
"""

from __future__ import annotations

import pytest

from xlperf.api import validate_file
from xlperf.core import labels as L
from xlperf.libreoffice import convert
from xlperf.samples import SAMPLES, write_sample
from xlperf.writers.template import IND_COL

pytestmark = pytest.mark.libreoffice
SUGGESTED = IND_COL[L.COL_SUGGESTED]
SCORE = IND_COL[L.COL_SCORE]


def _same(got, want, tol=0.01) -> bool:
    if want is None:
        return got in (None, "")
    return isinstance(got, (int, float)) and abs(got - want) <= tol


@pytest.fixture(scope="module")
def recalculated(tmp_path_factory):
    import openpyxl

    src = tmp_path_factory.mktemp("src")
    out = tmp_path_factory.mktemp("recalc")
    result = []
    for sample in SAMPLES:
        path = write_sample(sample, src)
        calc = convert(path, "xlsx", out)
        result.append((path, openpyxl.load_workbook(calc, data_only=True)))
    return result


@pytest.mark.parametrize("index", range(len(SAMPLES)), ids=[s.file for s in SAMPLES])
def test_native_formulas_equal_python(recalculated, index):
    path, wb = recalculated[index]
    v = validate_file(path)
    summary = wb[L.SUMMARY_SHEET]
    checked = 0
    for i, pr in enumerate(v.projects):
        p = pr.project
        ws = wb[p.sheet]
        assert _same(ws[p.progress.ref].value, pr.rate, 1e-9) or p.progress.value.number is not None, p.sheet
        assert _same(summary[f"G{4 + i}"].value, pr.rate, 1e-9), p.sheet
        for ir in pr.indicators:
            got = ws[f"{SUGGESTED}{ir.indicator.row}"].value
            assert _same(got, ir.suggested), (p.sheet, ir.indicator.row, got, ir.suggested)
            checked += 1
        total_row = int(p.total.ref[1:]) if p.total.ref else None
        assert total_row is not None
        sugg_total = ws[f"{SUGGESTED}{total_row}"].value
        assert _same(sugg_total, pr.total_suggested, 0.05), (p.sheet, sugg_total, pr.total_suggested)
        total = ws[f"{SCORE}{total_row}"].value
        want_total = p.total.number if p.total.number is not None else pr.total_recomputed
        assert _same(total, want_total), (p.sheet, total, want_total)
        assert (ws[f"{SCORE}{total_row + 1}"].value or None) == v.preset.grade(want_total), p.sheet
        assert (ws[f"{SUGGESTED}{total_row + 1}"].value or None) == v.preset.grade(sugg_total), p.sheet
        assert _same(summary[f"H{4 + i}"].value, want_total), p.sheet
    assert checked >= 10
