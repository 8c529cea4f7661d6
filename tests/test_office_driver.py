"""The UNO driver the corpus and the property tests type with: it types as a user does, saves as .xlsx,
and what it saved is what xlperf reads."""

from __future__ import annotations

import shutil

import pytest

from conftest import ROOT
from office import Office, OfficeError, available

pytestmark = pytest.mark.libreoffice


@pytest.fixture(scope="module")
def lo():
    if not available():
        pytest.skip("LibreOffice with python3-uno is not installed")
    with Office() as office:
        yield office


def test_typed_values_are_interpreted_as_calc_does(lo, tmp_path):
    src = tmp_path / "t.xlsx"
    shutil.copy(ROOT / "workbooks" / "绩效自评表_陕西.xlsx", src)
    doc = lo.open(src)
    sheet = "自评表1"
    lo.type(doc, sheet, "F23", "100%")
    lo.type(doc, sheet, "F24", "12000人")
    lo.type(doc, sheet, "F22", "９８％")
    c = lo.cell(doc, sheet, "F23")
    assert (c["type"], c["value"], c["string"]) == ("value", 1.0, "100.00%")  # a percentage, formatted
    assert lo.cell(doc, sheet, "F24")["type"] == "text"
    assert lo.cell(doc, sheet, "F22")["type"] == "text"  # full-width digits stay text in Calc
    with pytest.raises(OfficeError, match="locked cell"):
        lo.type(doc, sheet, "B7", "1")  # a label of the protected template
    out = lo.save_xlsx(doc, tmp_path / "out.xlsx")
    lo.close(doc)

    from xlperf.sources import read_grids

    grid = next(g for g in read_grids(out) if g.name == sheet)
    assert grid.value(22, 5) == 1.0 and grid.value(23, 5) == "12000人"
