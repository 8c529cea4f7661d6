"""The hostile corpus (tests/corpus.py) through the user's commands, under a memory limit.

For every case: no traceback, the documented exit code, a Chinese reason where refused, the inputs'
SHA-256 unchanged, the good rows in the summary exactly once. The commands run in subprocesses with
RLIMIT_AS (address space) capped, so a regression that allocates a huge grid fails here instead of
swapping (python-calamine aborts the process when an allocation fails).
"""

from __future__ import annotations

import hashlib
import json
import os
import resource
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from xlperf.sources.gate import NOT_XLSX

from conftest import ROOT
from corpus import CASES, READ, REFUSED, SKIPPED

sys.path.insert(0, str(ROOT))
from benchmarks.unitgen import generate  # noqa: E402

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="RLIMIT_AS and symlinks: POSIX")
MEMORY_LIMIT = 1536 << 20  # address space of each process (workers included); a unit workbook needs ~300 MB
BY_NAME = {c.name: c for c in CASES}


def _limited() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def run_limited(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """``python -m xlperf …`` under the memory limit, as a user runs it."""
    env = {k: v for k, v in os.environ.items() if k != "XLPERF_DEBUG"}
    env["PYTHONPATH"] = str(ROOT)
    return subprocess.run(
        [sys.executable, "-m", "xlperf", *map(str, args)],
        capture_output=True,
        text=True,
        preexec_fn=_limited,
        env=env,
        cwd=cwd,
        timeout=600,
    )


def _chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def _hashes(root: Path) -> dict[Path, str]:
    return {
        p: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in root.rglob("*")
        if p.is_file() and not p.is_symlink() and os.access(p, os.R_OK)
    }


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> tuple[Path, list, dict]:
    """A 报送 folder: good units, one file per case, and the folder-level oddities (a linked folder, a
    link loop, a broken link, a second path to one file, a hidden folder, a summary of an earlier run)."""
    pytest.importorskip("msoffcrypto")
    import shutil

    root = tmp_path_factory.mktemp("hostile")
    inbox = root / "报送"
    specs = generate(4, inbox / "正常", seed=21)  # 测试单位0000-0003
    made = generate(len(CASES) + 8, root / "bases", seed=22)  # units' names follow their index
    outside, bases = made[4], made[8:]
    (root / "别处").mkdir()
    shutil.copy(outside.path, root / "别处" / outside.path.name)
    (inbox / "异常").mkdir()
    for case, base in zip(CASES, bases, strict=True):
        case.build(inbox / "异常" / case.name, base.path.read_bytes())
    read_bases = {c.name: b for c, b in zip(CASES, bases, strict=True) if c.outcome == READ}
    (inbox / "链接到别处").symlink_to(root / "别处", target_is_directory=True)
    (inbox / "正常" / "循环链接").symlink_to("..", target_is_directory=True)
    (inbox / "断开的链接.xlsx").symlink_to(root / "不存在.xlsx")
    (inbox / "同一文件的第二条路径.xlsx").symlink_to(specs[0].path)
    (inbox / ".git").mkdir()
    (inbox / ".git" / "config").write_text("[core]")
    shutil.rmtree(root / "bases")  # the cases' bases are only expectations now
    return inbox, [*specs, outside], read_bases


FOLDER_ENTRIES = {
    "链接到别处": None,  # entered: its file is read
    "循环链接": ("已跳过", "循环"),
    "断开的链接.xlsx": ("无法读取", "链接"),
    ".git": ("已跳过", "隐藏文件夹"),
}


def _expected_status(case) -> str:
    return {READ: "已汇总", REFUSED: "无法读取", SKIPPED: "已跳过"}[case.outcome]


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_consolidate_the_corpus(corpus, tmp_path, jobs):
    inbox, specs, read_bases = corpus
    before = _hashes(inbox.parent)
    out = tmp_path / "汇总.json"
    r = run_limited("consolidate", inbox, "-o", out, "-j", jobs, "-q")
    assert r.returncode == 0, r.stderr
    assert "Traceback" not in r.stdout + r.stderr
    data = json.loads(out.read_text("utf-8"))
    files = {Path(row["文件"]).name: row for row in data["tables"]["文件清单"]["rows"]}
    for case in CASES:
        row = files[case.name]
        assert row["状态"] == _expected_status(case), (case.name, row["原因"])
        for word in case.words:
            assert word in row["原因"], (case.name, row["原因"])
        if case.outcome != READ:
            assert _chinese(row["原因"]), case.name
    for name, want in FOLDER_ENTRIES.items():
        if want is not None:
            assert files[name]["状态"] == want[0] and want[1] in files[name]["原因"], files[name]
    # one file by two paths: the first path (in 文件清单 order) is read, the other listed as the same file
    pair = [files["同一文件的第二条路径.xlsx"], files[specs[0].path.name]]
    assert sorted(r["状态"] for r in pair) == ["已汇总", "已跳过"]
    assert "同一个文件" in next(r["原因"] for r in pair if r["状态"] == "已跳过")
    # every good file's rows exactly once: by source and sheet, and by unit and project for the good units
    detail = data["tables"]["项目明细"]["rows"]
    assert all(n == 1 for n in Counter((d["来源文件"], d["工作表"]) for d in detail).values())
    good = Counter((d["单位"], d["项目名称"]) for d in detail if "重复" not in (d["备注"] or ""))
    for s in specs:
        for p in s.projects:
            assert good[(s.name, p.name)] == 1, (s.name, p.name)
    # a read case holds its base unit's projects, once
    for name, base in read_bases.items():
        rows = [d for d in detail if Path(d["来源文件"]).name == name]
        if base.name in {d["单位"] for d in rows}:
            assert len(rows) == len(base.projects), name
    assert _hashes(inbox.parent) == before


def test_the_summary_xlsx_is_written_whatever_the_corpus_holds(corpus, tmp_path):
    inbox, _, _ = corpus
    r = run_limited("consolidate", inbox, "-o", tmp_path / "汇总.xlsx", "-q")
    assert r.returncode == 0 and "Traceback" not in r.stderr, r.stderr
    from python_calamine import CalamineWorkbook

    with CalamineWorkbook.from_path(str(tmp_path / "汇总.xlsx")) as wb:
        rows = wb.get_sheet_by_name("项目明细").to_python()
    names = [row[3] for row in rows[3:]]
    # the project named like a formula is text in the summary (a formula would read as its value, 0)
    assert any(str(n).startswith('=HYPERLINK("x")') for n in names)
    units = "".join(str(row[2]) for row in rows[3:])
    assert "\x07" not in units and "\x0c" not in units and "测试单位" in units  # control characters dropped


@pytest.mark.parametrize("engine", ["calamine", "openpyxl"])
def test_validate_each_case(corpus, engine):
    """``validate`` on every case at once (one process, so one memory limit for all): refused and
    skipped files exit 2 with the same reason ``consolidate`` gives; read files 0 or 1."""
    inbox, _, _ = corpus
    paths = [inbox / "异常" / c.name for c in CASES]
    r = run_limited("validate", *paths, "--format", "json", "--engine", engine)
    assert "Traceback" not in r.stdout + r.stderr, r.stderr
    assert r.returncode == 2  # some files cannot be read
    results = {Path(f["path"]).name: f for f in json.loads(r.stdout)["files"]}
    for case in CASES:
        f = results[case.name]
        if case.outcome == READ:
            assert "error" not in f, (case.name, f.get("error"))
        else:
            assert _chinese(f["error"]), case.name
            for word in case.words:
                assert word in f["error"], (case.name, f["error"])


@pytest.mark.parametrize("name", [c.name for c in CASES if c.outcome != READ])
def test_validate_exit_code_alone(corpus, name):
    """One refused file alone: exit 2 and one Chinese line naming it, no traceback."""
    inbox, _, _ = corpus
    r = run_limited("validate", inbox / "异常" / name)
    assert r.returncode == 2, r.stdout + r.stderr
    assert "Traceback" not in r.stdout + r.stderr
    assert _chinese(r.stdout + r.stderr)


def test_ods_has_one_reason_everywhere(corpus, tmp_path):
    inbox, _, _ = corpus
    r = run_limited("validate", inbox / "异常" / "OpenDocument表格.ods", "--format", "json")
    assert json.loads(r.stdout)["files"][0]["error"] == NOT_XLSX
    out = tmp_path / "o.json"
    run_limited("consolidate", inbox / "异常" / "OpenDocument表格.ods", inbox / "正常", "-o", out, "-q")
    rows = json.loads(out.read_text("utf-8"))["tables"]["文件清单"]["rows"]
    assert next(r for r in rows if r["文件"].endswith(".ods"))["原因"] == NOT_XLSX


def test_the_far_cell_is_refused_without_allocating(corpus):
    """In this process too (no limit): the gate measures before any reader allocates."""
    from xlperf.errors import ReadError
    from xlperf.sources import read_grids

    inbox, _, _ = corpus
    for engine in ("calamine", "openpyxl"):
        with pytest.raises(ReadError, match="XFD1048576"):
            read_grids(inbox / "异常" / "远处单元格XFD1048576.xlsx", engine)


def test_engines_agree_on_the_odd_but_readable_cases(corpus):
    from xlperf.sources import read_workbook

    inbox, _, _ = corpus
    for case in CASES:
        if case.outcome == READ and case.name != "部分字段.xlsx":
            a = read_workbook(inbox / "异常" / case.name, "calamine")
            b = read_workbook(inbox / "异常" / case.name, "openpyxl")
            assert [p.name for p in a.projects] == [p.name for p in b.projects], case.name
            assert a.unit == b.unit, case.name


def test_a_regression_would_fail_under_the_limit(tmp_path):
    """The limit is real: a process that allocates what the far cell would cost is stopped."""
    r = subprocess.run(
        [sys.executable, "-c", "x = bytearray(3 << 30)"], capture_output=True, preexec_fn=_limited, timeout=60
    )
    assert r.returncode != 0 and b"MemoryError" in r.stderr
