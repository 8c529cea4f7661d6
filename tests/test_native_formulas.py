"""The sample workbooks' native formulas, recalculated by LibreOffice, give the numbers xlperf computes.

Each sample as the script writes it (no cached values) is opened in a headless LibreOffice, recalculated,
and every computed cell is compared with xlperf's result for the same file (tests/parity.py): amounts as
read, execution rate, each row's weight in effect, kind, 建议得分 and the rules its 校验提示 names, Σ分值,
the four totals, 等级 and the 项目汇总 row. The execution rate is compared from the template's own
computation even where the unit typed its 预算执行进度 over the formula (the made-up samples do): typing
over one cell does not hide the formula behind it.
"""

from __future__ import annotations

import parity
import pytest

from xlperf.core import labels as L
from xlperf.samples import SAMPLES, write_sample
from xlperf.writers import formulas as F
from xlperf.writers.template import project_layouts

from office import Office, available

pytestmark = pytest.mark.libreoffice


@pytest.fixture(scope="module")
def lo():
    if not available():
        pytest.skip("LibreOffice with python3-uno is not installed")
    with Office() as office:
        yield office


@pytest.mark.parametrize("sample", SAMPLES, ids=[s.file for s in SAMPLES])
def test_native_formulas_equal_python(lo, tmp_path, sample):
    path = write_sample(sample, tmp_path)
    doc = lo.open(path)
    try:
        lo.recalc(doc)
        report = parity.Report()
        parity.check_document(lo, doc, path, report)
        typed_progress = [
            lay.sheet
            for lay in _layouts(path)
            if not str(lo.cell(doc, lay.sheet, "H7")["formula"]).startswith("=")
        ]
        rates = [lo.cell(doc, s, f"{F.HELPER_COL['RATE']}7")["value"] for s in typed_progress]
    finally:
        lo.close(doc)
    assert not report.problems, "\n".join(report.problems)
    assert report.forms == len(sample.projects) and report.rows >= 7 * len(sample.projects)
    assert report.cells >= 50 * len(sample.projects)
    # where the unit typed 预算执行进度, the template still computes the rate from the funds (compared above)
    if sample.file != "长安区委编办_2020.xlsx":
        assert typed_progress and all(0 < r <= 1 for r in rates)


def _layouts(path):
    import openpyxl

    return project_layouts(openpyxl.load_workbook(path))


def test_seed_blank_weights_split_over_rows_in_use(lo, tmp_path):
    """The seed leaves 分值 blank; 自评表4's 生态效益 row is not in use, so 效益's 40 points split over its
    three rows in use (13.33 each), as the core splits them (issue8-semantics.md, i8-core decision)."""
    seed = next(s for s in SAMPLES if s.file == "长安区委编办_2020.xlsx")
    path = write_sample(seed, tmp_path)
    doc = lo.open(path)
    try:
        lo.recalc(doc)
        (lay,) = [x for x in _layouts(path) if x.sheet == "自评表4"]
        we = F.HELPER_COL["WE"]
        rows = lo.data(doc, "自评表4", f"A{lay.first_row}:{we}{lay.last_row}")
    finally:
        lo.close(doc)
    col = parity._col_index(we)
    benefit = [r[col] for r in rows if r[parity._col_index(F.HELPER_COL["SEC"])] == L.SECTION_BENEFIT]
    assert [round(x, 2) if x != "" else x for x in benefit] == [
        13.33,
        13.33,
        "",
        13.33,
    ]  # 生态效益 (3rd) unused
