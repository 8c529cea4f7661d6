"""Long names are shortened where a limit applies, never fatal: a 250-character unit name (python-docx
refuses document properties over 255 characters) and a default report name longer than the file
system allows (255 bytes: 85 Chinese characters in UTF-8)."""

from __future__ import annotations

import os

import docx
from click.testing import CliRunner

from xlperf.cli import cli

from factory import clean_rows, write_xlsx

LONG_UNIT = "西安市长安区" + "某某街道办事处" * 35  # 251 characters


def test_report_for_a_250_character_unit_name(tmp_path):
    book = write_xlsx(
        tmp_path / "长名称单位.xlsx", clean_rows(), unit={"单位名称": LONG_UNIT, "年度": "2020"}
    )
    r = CliRunner().invoke(cli, ["report", str(book)])
    assert r.exit_code == 0, r.output
    [report] = [p for p in tmp_path.iterdir() if p.suffix == ".docx" and not p.stem.endswith("核对事项")]
    assert len(os.fsencode(report.name)) <= 255
    for notes in tmp_path.glob("*_报送前核对事项.docx"):  # the review notes beside it: shortened as well
        assert len(os.fsencode(notes.name)) <= 255 and notes.name.startswith("西安市长安区某某")
    assert report.name.startswith("西安市长安区某某") and report.name.endswith(
        "…2020年度绩效自评工作报告.docx"
    )
    props = docx.Document(str(report)).core_properties
    assert props.author == LONG_UNIT  # 251 characters: within the limit, kept whole
    assert len(props.title) == 255 and props.title.startswith(LONG_UNIT) and props.title.endswith("…")


def test_an_explicit_name_too_long_is_shortened_too(tmp_path):
    book = write_xlsx(tmp_path / "b.xlsx", clean_rows(), unit={"单位名称": "甲"})
    r = CliRunner().invoke(cli, ["report", str(book), "-o", str(tmp_path / ("很长的名字" * 30 + ".docx"))])
    assert r.exit_code == 0, r.output
    [report] = [p for p in tmp_path.iterdir() if p.suffix == ".docx" and not p.stem.endswith("核对事项")]
    assert len(os.fsencode(report.name)) <= 255 and report.name.endswith("….docx")
    assert all(len(os.fsencode(n.name)) <= 255 for n in tmp_path.glob("*_报送前核对事项.docx"))
    assert str(report) in r.output.replace("\n", "")
