"""The sample workbooks' native formulas, recalculated by LibreOffice, give the numbers xlperf computes.

Each sample as the script writes it (no cached values) is opened in a headless LibreOffice, recalculated,
and every computed cell is compared with xlperf's result for the same file (tests/parity.py): 执行率, each
row's mark, 建议得分 and 校验提示, Σ分值, the totals, 等级 and the 项目汇总 row; 见校验 only where a cell
holds what it does not ask for.
"""

from __future__ import annotations

import parity
import pytest

from xlperf.samples import SAMPLES, write_sample
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
    finally:
        lo.close(doc)
    assert not report.problems, "\n".join(report.problems)
    assert report.forms == len(sample.projects) and report.rows >= 7 * len(sample.projects)
    assert report.cells >= 15 * len(sample.projects)
    # the samples' cells are all what they ask for: every row computed; the 核定总分 and 等级 of a form
    # with a score above its 分值 (a seed's and 自评表5 of the made-up one) are validation's
    over = sum(
        any(isinstance(r.score, (int, float)) and r.score > r.weight for r in p.indicators)
        for p in sample.data()
    )
    assert report.see_check == 2 * over


def test_seed_weights_split_over_rows_in_use(lo, tmp_path):
    """The seed's form has no 分值; its sample carries the weights its labels imply, split over the rows in
    use: 自评表4's 生态效益 row is not in use, so 效益's 40 points go to its three other rows (13.33 each),
    as the core splits them for the seed's own form."""
    import openpyxl

    seed = next(s for s in SAMPLES if s.file == "长安区委编办_2020.xlsx")
    path = write_sample(seed, tmp_path)
    (lay,) = [x for x in project_layouts(openpyxl.load_workbook(path)) if x.sheet == "自评表4"]
    doc = lo.open(path)
    try:
        lo.recalc(doc)
        rows = lo.data(doc, "自评表4", f"A{lay.first_row}:M{lay.last_row}")
    finally:
        lo.close(doc)
    benefit = [(r[7], r[12]) for r in rows[5:9]]
    assert [round(w, 2) if w != "" else w for w, _ in benefit] == [13.33, 13.33, "", 13.33]
    assert [m for _, m in benefit][2] == ""  # 生态效益: not in use
