"""openpyxl and python-calamine must yield the same model for the same file; the safety gate."""

from __future__ import annotations

import zipfile

import pytest

from xlperf.errors import ReadError
from xlperf.sources import check_file, read_workbook

from conftest import SAMPLES
from factory import clean_rows, write_xlsx

SAMPLE_FILES = sorted(SAMPLES.glob("*.xlsx"))


def test_samples_exist():
    assert len(SAMPLE_FILES) >= 2, "workbooks/samples must hold the seed unit and at least one more unit"


def _engines_agree(path):
    a = read_workbook(path, "calamine")
    b = read_workbook(path, "openpyxl")
    assert a.unit == b.unit
    assert a.meta == b.meta
    assert a.sheets == b.sheets
    assert len(a.projects) == len(b.projects)
    for pa, pb in zip(a.projects, b.projects, strict=True):
        assert pa == pb


@pytest.mark.parametrize("path", SAMPLE_FILES, ids=[p.name for p in SAMPLE_FILES])
def test_engines_agree_on_samples(path):
    _engines_agree(path)


def test_engines_agree_on_hand_made_file(tmp_path):
    import datetime as dt

    rows = clean_rows()
    rows[6][6] = "约两万"
    rows[7][2] = 1.6
    rows[16][4] = dt.datetime(2020, 12, 31)  # a 时效 target typed as a date
    rows[16][5] = dt.datetime(2020, 11, 30, 15, 0)
    rows[17][2] = "按期_x0007_完成"  # Excel's escape of a control character
    _engines_agree(write_xlsx(tmp_path / "x.xlsx", rows, unit={"单位名称": "甲"}))


def test_entity_declaration_refused(tmp_path):
    src = write_xlsx(tmp_path / "ok.xlsx", clean_rows())
    bad = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(bad, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = b'<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;">]>' + data
            zout.writestr(item, data)
    with pytest.raises(ReadError, match="XML 实体"):
        check_file(bad)


def test_truncated_zip_refused(tmp_path):
    src = write_xlsx(tmp_path / "ok.xlsx", clean_rows())
    bad = tmp_path / "cut.xlsx"
    bad.write_bytes(src.read_bytes()[:-200])
    with pytest.raises(ReadError):
        read_workbook(bad)


def test_error_cells_are_read_by_both_engines(tmp_path):
    """python-calamine reads an error cell as "" (its issue #105): the reader puts the error back, so
    #DIV/0! is an unreadable value (XP015), not a blank."""
    from xlperf import presets
    from xlperf.core.engine import validate

    rows = clean_rows()
    rows[6][6] = "#DIV/0!"  # 执行数
    rows[14][7] = "#VALUE!"  # the first indicator's 自评得分
    path = write_xlsx(tmp_path / "err.xlsx", rows, unit={"单位名称": "甲"})
    _engines_agree(path)
    wb = read_workbook(path)
    assert wb.projects[0].executed.total.value.raw == "#DIV/0!"
    cells = {f.cell for f in validate(wb, presets.load("shaanxi")).findings if f.rule == "XP015"}
    assert {"G7", "H15"} <= cells


def test_error_cell_check_reports_the_parts(tmp_path):
    rows = clean_rows()
    assert check_file(write_xlsx(tmp_path / "ok.xlsx", rows)) == frozenset()
    rows[6][6] = "#N/A"
    assert check_file(write_xlsx(tmp_path / "e.xlsx", rows)) == {"xl/worksheets/sheet1.xml"}
