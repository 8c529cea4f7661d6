"""Outputs are atomic, never replace an input, keep ordinary permissions; "=" text stays text."""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

import openpyxl
import pytest

from xlperf.errors import OutputError
from xlperf.safe_io import atomic_write, atomic_write_bytes, set_text

from conftest import ROOT


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


# --- a set of files as one (the csv summary) --------------------------------------------------------

NAMES = ("项目明细.csv", "文件清单.csv")


def _write_set(tag: str):
    def write(tmp):
        for n in NAMES:
            (tmp / n).write_text(f"{tag} {n}", encoding="utf-8")

    return write


def _contents(folder):
    return {p.name: p.read_text("utf-8") for p in folder.iterdir()}


def test_folder_set_replaces_the_old_set_whole(tmp_path):
    from xlperf.safe_io import atomic_folder

    out = tmp_path / "汇总csv"
    atomic_folder(out, _write_set("old"), NAMES)
    atomic_folder(out, _write_set("new"), NAMES)
    assert _contents(out) == {n: f"new {n}" for n in NAMES}
    assert [p.name for p in tmp_path.iterdir()] == ["汇总csv"]  # no temporary left


@pytest.mark.parametrize("exchange", [True, False], ids=["renameat2", "two-renames"])
def test_a_locked_file_leaves_the_old_set_and_no_temporary(tmp_path, monkeypatch, exchange):
    """On Windows a csv open in Excel cannot be moved: the swap fails, the old set stays whole."""
    from xlperf import safe_io

    out = tmp_path / "汇总csv"
    safe_io.atomic_folder(out, _write_set("old"), NAMES)
    real_rename = os.rename

    def locked(a, b, *rest):
        if os.path.basename(str(a)) == "汇总csv":
            raise PermissionError(13, "locked", str(a))
        return real_rename(a, b, *rest)

    monkeypatch.setattr(safe_io.os, "rename", locked)
    if not exchange:
        monkeypatch.setattr(safe_io, "_exchange", lambda a, b: False)
    else:
        monkeypatch.setattr(
            safe_io, "_exchange", lambda a, b: (_ for _ in ()).throw(PermissionError(13, "x"))
        )
    with pytest.raises(OutputError, match="正在 Excel 中打开"):
        safe_io.atomic_folder(out, _write_set("new"), NAMES)
    assert _contents(out) == {n: f"old {n}" for n in NAMES}
    assert [p.name for p in tmp_path.iterdir()] == ["汇总csv"]


def test_a_failed_second_rename_puts_the_old_set_back(tmp_path, monkeypatch):
    from xlperf import safe_io

    out = tmp_path / "汇总csv"
    safe_io.atomic_folder(out, _write_set("old"), NAMES)
    monkeypatch.setattr(safe_io, "_exchange", lambda a, b: False)
    real_rename = os.rename

    calls = []

    def fail_second(a, b, *rest):
        calls.append(b)
        if os.path.basename(str(b)) == "汇总csv" and len(calls) == 2:  # the new set into place
            raise OSError(28, "No space left on device")
        return real_rename(a, b, *rest)

    monkeypatch.setattr(safe_io.os, "rename", fail_second)
    with pytest.raises(OutputError, match="磁盘空间不足"):
        safe_io.atomic_folder(out, _write_set("new"), NAMES)
    assert _contents(out) == {n: f"old {n}" for n in NAMES}
    assert [p.name for p in tmp_path.iterdir()] == ["汇总csv"]


def test_a_folder_holding_other_files_or_inputs_is_refused(tmp_path):
    from xlperf.safe_io import atomic_folder

    (tmp_path / "报送").mkdir()
    (tmp_path / "报送" / "甲单位.xlsx").write_bytes(b"x")
    with pytest.raises(OutputError, match="输入文件"):
        atomic_folder(tmp_path / "报送", _write_set("x"), NAMES, inputs=[tmp_path / "报送" / "甲单位.xlsx"])
    with pytest.raises(OutputError, match="其他文件"):
        atomic_folder(tmp_path / "报送", _write_set("x"), NAMES)
    assert (tmp_path / "报送" / "甲单位.xlsx").read_bytes() == b"x"


KILLED_WRITER = r"""
import sys, time
from pathlib import Path
from xlperf.safe_io import atomic_folder
names = ("项目明细.csv", "文件清单.csv")
def write(tmp):
    (tmp / names[0]).write_text("new", encoding="utf-8")
    print(tmp, flush=True)
    time.sleep(60)  # killed here, half the set written
    (tmp / names[1]).write_text("new", encoding="utf-8")
atomic_folder(sys.argv[1], write, names)
"""


def test_sigkill_mid_set_leaves_the_old_set_and_the_next_run_cleans_up(tmp_path):
    import signal
    import subprocess
    import time

    from xlperf.safe_io import STALE_SECONDS, atomic_folder

    out = tmp_path / "汇总csv"
    atomic_folder(out, _write_set("old"), NAMES)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-c", KILLED_WRITER, str(out)], stdout=subprocess.PIPE, text=True, env=env
    )
    tmp = Path(proc.stdout.readline().strip())
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(30)
    proc.stdout.close()
    assert tmp.is_dir() and tmp.name.startswith(".~xlperf-")
    assert _contents(out) == {n: f"old {n}" for n in NAMES}  # never a mix
    # the next run: a fresh temporary is kept (it may be another run's), a stale one removed
    atomic_folder(out, _write_set("new"), NAMES)
    assert tmp.exists()
    old = time.time() - STALE_SECONDS - 5
    os.utime(tmp, (old, old))
    atomic_folder(out, _write_set("newer"), NAMES)
    assert not tmp.exists()
    assert _contents(out) == {n: f"newer {n}" for n in NAMES}


def test_fit_name_shortens_the_part_that_may_be_shortened(tmp_path):
    from xlperf.safe_io import fit_name

    tail = "2020年度绩效自评工作报告.docx"
    name = fit_name(tmp_path, "长" * 250 + tail, keep=tail)
    assert name.endswith("…" + tail) and name.startswith("长")
    assert len(os.fsencode(name)) <= 255
    (tmp_path / name).write_bytes(b"ok")  # the file system takes it
    assert fit_name(tmp_path, "短.xlsx") == "短.xlsx"


@pytest.mark.skipif(sys.platform == "win32", reason="file modes")
def test_reading_the_umask_never_lets_another_thread_make_a_file_others_can_write(tmp_path):
    """An output's mode comes from the umask. Reading it by setting it to 0 and back opened a moment in
    which a claim made in another thread (``claim_new_path``, created 0666 for the kernel to narrow) was
    left world-writable, and the output written over it kept that mode."""
    import threading

    from xlperf import safe_io

    old = os.umask(0o022)
    stop = threading.Event()

    def read_it_again_and_again():
        while not stop.is_set():
            safe_io._umask()  # noqa: SLF001 - what atomic_write calls for every new file

    t = threading.Thread(target=read_it_again_and_again)
    t.start()
    try:
        modes = [
            stat.S_IMODE(safe_io.claim_new_path(tmp_path / f"{i}.docx").stat().st_mode) for i in range(4000)
        ]
    finally:
        stop.set()
        t.join()
        os.umask(old)
    assert set(modes) == {0o644}
    if sys.platform.startswith("linux"):  # read as it is now, a umask set later included
        old = os.umask(0o027)
        try:
            assert safe_io._umask() == 0o027  # noqa: SLF001
        finally:
            os.umask(old)


def test_a_claimed_name_fits_the_file_system_numbered_too(tmp_path):
    """A name too long for the file system (255 bytes: 85 Chinese characters) is shortened before the
    part that names the output, and so are its numbered variants (（2）, （3）…)."""
    from xlperf.safe_io import claim_new_path

    stem = "长" * 84
    first = claim_new_path(tmp_path / f"{stem}_自评报告.docx", keep="_自评报告.docx")
    second = claim_new_path(tmp_path / f"{stem}_自评报告.docx", keep="_自评报告.docx")
    assert first.name.endswith("…_自评报告.docx") and first.name.startswith("长")
    assert second.name.endswith("…_自评报告（2）.docx")
    assert all(len(os.fsencode(p.name)) <= 255 and p.is_file() for p in (first, second))
    # a short name is left as it is
    assert claim_new_path(tmp_path / "短_自评报告.docx", keep="_自评报告.docx").name == "短_自评报告.docx"


def test_a_pair_is_claimed_where_both_names_are_free(tmp_path):
    """A report and its review notes are named as a pair: a name is claimed only where the notes' name
    beside it is free too (a hand-written notes file of the same name is never replaced)."""
    from xlperf.safe_io import claim_new_pair

    def notes(p: Path) -> Path:
        return p.with_name(f"{p.stem}_报送前核对事项.docx")

    (tmp_path / "u_自评报告_报送前核对事项.docx").write_bytes(b"hand-written")
    report, beside = claim_new_pair(tmp_path / "u_自评报告.docx", notes)
    assert (report.name, beside.name) == ("u_自评报告（2）.docx", "u_自评报告（2）_报送前核对事项.docx")
    assert report.is_file() and beside.is_file() and report.stat().st_size == beside.stat().st_size == 0
    assert not (tmp_path / "u_自评报告.docx").exists()  # the first name was given back
    assert (tmp_path / "u_自评报告_报送前核对事项.docx").read_bytes() == b"hand-written"
    again = claim_new_pair(tmp_path / "u_自评报告.docx", notes)
    assert [p.name for p in again] == ["u_自评报告（3）.docx", "u_自评报告（3）_报送前核对事项.docx"]
