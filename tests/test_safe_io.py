"""Outputs are atomic, never replace an input, keep ordinary permissions; "=" text stays text."""

from __future__ import annotations

import os
import stat
import sys

import openpyxl
import pytest

from xlperf.errors import OutputError
from xlperf.safe_io import atomic_write, atomic_write_bytes, set_text


def test_new_file_has_ordinary_permissions(tmp_path):
    out = atomic_write_bytes(tmp_path / "a.xlsx", b"x")
    if sys.platform != "win32":
        mask = os.umask(0)
        os.umask(mask)
        assert stat.S_IMODE(out.stat().st_mode) == 0o666 & ~mask


def test_failed_write_keeps_the_old_file_and_leaves_no_temp(tmp_path):
    out = tmp_path / "a.xlsx"
    out.write_bytes(b"old")

    def boom(tmp):
        tmp.write_bytes(b"half")
        raise RuntimeError("crash")

    with pytest.raises(RuntimeError):
        atomic_write(out, boom)
    assert out.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["a.xlsx"]


def test_refuses_inputs_and_existing_files(tmp_path):
    src = tmp_path / "in.xlsx"
    src.write_bytes(b"in")
    with pytest.raises(OutputError, match="不能与输入文件相同"):
        atomic_write_bytes(src, b"x", inputs=[tmp_path / "." / "in.xlsx"])
    with pytest.raises(OutputError, match="已存在"):
        atomic_write_bytes(src, b"x", overwrite=False)
    with pytest.raises(OutputError, match="文件夹不存在"):
        atomic_write_bytes(tmp_path / "nowhere" / "x.xlsx", b"x")
    assert src.read_bytes() == b"in"


@pytest.mark.parametrize("text", ["=SUM(A1:A2)", "+1", "-x", "@cmd", "=执行数/预算数"])
def test_formula_like_text_stays_text(tmp_path, text):
    wb = openpyxl.Workbook()
    set_text(wb.active["A1"], text)
    wb.save(tmp_path / "t.xlsx")
    cell = openpyxl.load_workbook(tmp_path / "t.xlsx").active["A1"]
    assert cell.value == text and cell.data_type == "s"


def test_unique_path_never_replaces(tmp_path):
    from xlperf.safe_io import unique_path

    first = tmp_path / "报告.docx"
    assert unique_path(first) == first
    first.write_bytes(b"x")
    assert unique_path(first).name == "报告（2）.docx"
    (tmp_path / "报告（2）.docx").write_bytes(b"y")
    assert unique_path(first).name == "报告（3）.docx"
