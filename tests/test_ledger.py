"""The ledger (台账): one transaction per run, a versioned schema, and every way it can go wrong — two
runs at once, a run killed halfway (SIGKILL), a ledger from a newer xlperf, a corrupt file, a file that
is not a ledger, a ledger held by another program — each with its Chinese reason, no data lost and a
refused ledger left byte for byte as it was."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from xlperf.consolidate.ledger import APPLICATION, SCHEMA_VERSION, Ledger, LedgerError
from xlperf.consolidate.records import STATUS_OK, STATUS_UNREADABLE, FileResult, ProjectRecord
from xlperf.core.findings import Finding

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "workbooks" / "samples"


def _project(name: str) -> ProjectRecord:
    return ProjectRecord("自评表1", name, 10, 10, 10, 8, 1.0, {}, 100, 100, "优", errors=1)


def _file(sha: str, unit: str, display: str = "", findings=(), status=STATUS_OK) -> FileResult:
    return FileResult(f"/in/{display or sha}", display or f"{sha}.xlsx", status, sha256=sha, unit=unit,
                      projects=(_project("项目甲"),) if status == STATUS_OK else (), findings=tuple(findings))  # fmt: skip


def _finding(rule="XP007", cell="H25", sev="error") -> Finding:
    return Finding(rule, sev, "自评表1", cell, "项目甲", "100", "98", f"自评表1!{cell} 规则：说明")


def _sha(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


def _ledger_rows(p: Path, sql: str) -> list:
    con = sqlite3.connect(f"{p.as_uri()}?mode=ro", uri=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_a_new_ledger_gets_its_schema_version_and_wal_in_its_first_run(tmp_path):
    p = tmp_path / "台账.sqlite"
    led = Ledger.open(p)
    assert not p.exists()  # nothing is created before the run has something to record
    h = led.record(
        [_file("a" * 64, "甲单位", findings=[_finding()])], ["报送材料"], now="2021-03-01 09:00:00"
    )
    assert (h.run, h.runs, h.now) == (1, 1, "2021-03-01 09:00:00")
    assert _ledger_rows(p, "PRAGMA user_version") == [(SCHEMA_VERSION,)]
    assert _ledger_rows(p, "PRAGMA journal_mode") == [("wal",)]
    assert ("application", APPLICATION) in _ledger_rows(p, "SELECT key, value FROM meta")
    assert _ledger_rows(p, "SELECT sha256, unit, first_seen, errors FROM files") == [
        ("a" * 64, "甲单位", "2021-03-01 09:00:00", 1)
    ]
    assert _ledger_rows(p, "SELECT rule, cell FROM findings") == [("XP007", "H25")]


def test_one_transaction_per_run(tmp_path, monkeypatch):
    """Every statement of a run between one BEGIN IMMEDIATE and one COMMIT."""
    import xlperf.consolidate.ledger as ledger_module

    statements: list[str] = []
    real = sqlite3.connect

    def traced(*a, **kw):
        con = real(*a, **kw)
        con.set_trace_callback(statements.append)
        return con

    monkeypatch.setattr(ledger_module.sqlite3, "connect", traced)
    led = Ledger.open(tmp_path / "l.sqlite")
    files = [_file(c * 64, f"单位{c}", findings=[_finding()]) for c in "abcdef"]
    led.record(files, ["x"])
    led.record(files, ["x"])
    begins = [s for s in statements if s.startswith("BEGIN")]
    commits = [s for s in statements if s == "COMMIT"]
    assert begins == ["BEGIN IMMEDIATE"] * 2 and len(commits) == 2
    for run in (0, 1):  # every write of a run inside its transaction
        start = [i for i, s in enumerate(statements) if s.startswith("BEGIN")][run]
        end = [i for i, s in enumerate(statements) if s == "COMMIT"][run]
        writes = [s for s in statements[:start] if s.split()[0] in ("INSERT", "UPDATE", "DELETE", "CREATE")]
        if run == 0:
            assert writes == []
        assert any(s.startswith("INSERT INTO runs") for s in statements[start:end])


def test_a_resubmission_is_known_from_a_first_submission(tmp_path):
    p = tmp_path / "台账.sqlite"
    old = _file(
        "a" * 64,
        "甲单位",
        "甲单位_2020.xlsx",
        [_finding("XP007", "H25"), _finding("XP009", "J20", "warning")],
    )
    Ledger.open(p).record([old], ["报送材料"], now="2021-03-01 09:00:00")
    new = _file(
        "b" * 64,
        "甲 单位",
        "甲单位_2020（修改）.xlsx",
        [_finding("XP009", "J20", "warning"), _finding("XP004", "H21", "warning")],
    )
    h = Ledger.open(p).record([new], ["报送材料"], now="2021-03-08 10:30:00")
    subs = h.submissions(["甲单位"])  # name_key: "甲 单位" is "甲单位"
    assert [(s.display, s.first_seen, s.run) for s in subs] == [
        ("甲单位_2020.xlsx", "2021-03-01 09:00:00", 1), ("甲单位_2020（修改）.xlsx", "2021-03-08 10:30:00", 2)
    ]  # fmt: skip
    assert subs[0].problems - subs[1].problems == {("XP007", "项目甲", "H25")}
    assert subs[1].problems - subs[0].problems == {("XP004", "项目甲", "H21")}
    assert h.seen["b" * 64] == ("2021-03-08 10:30:00", 2)


def test_a_file_seen_again_keeps_its_first_sighting(tmp_path):
    p = tmp_path / "l.sqlite"
    f = _file("a" * 64, "甲单位")
    Ledger.open(p).record([f], ["x"], now="2021-03-01 09:00:00")
    h = Ledger.open(p).record([f], ["x"], now="2021-03-08 09:00:00")
    assert h.seen["a" * 64] == ("2021-03-01 09:00:00", 1)
    assert _ledger_rows(p, "SELECT first_seen, last_seen, last_run FROM files") == [
        ("2021-03-01 09:00:00", "2021-03-08 09:00:00", 2)
    ]
    assert _ledger_rows(p, "SELECT run, display FROM sightings ORDER BY run") == [
        (1, "a" * 64 + ".xlsx")
    ] * 1 + [(2, "a" * 64 + ".xlsx")]


def test_unreadable_files_are_seen_but_are_no_submission(tmp_path):
    p = tmp_path / "l.sqlite"
    h = Ledger.open(p).record([_file("c" * 64, "", "坏文件.xlsx", status=STATUS_UNREADABLE)], ["x"])
    assert h.units == {} and _ledger_rows(p, "SELECT status FROM files") == [("无法读取",)]


# --- what must never happen to a ledger ------------------------------------------------------------


def _populated(tmp_path) -> Path:
    p = tmp_path / "台账.sqlite"
    led = Ledger.open(p)
    led.record([_file("a" * 64, "甲单位", findings=[_finding()])], ["x"], now="2021-03-01 09:00:00")
    led.record([_file("b" * 64, "乙单位")], ["x"], now="2021-03-02 09:00:00")
    return p


def _checkpointed(p: Path) -> None:
    con = sqlite3.connect(p)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "xlperf", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300, env={**os.environ, "COLUMNS": "200"})  # fmt: skip


def test_a_ledger_from_a_newer_xlperf_is_refused_before_any_work_and_left_as_it_was(tmp_path):
    p = _populated(tmp_path)
    con = sqlite3.connect(p)
    con.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    con.execute("UPDATE meta SET value = 'xlperf 9.0' WHERE key = 'writer'")
    con.commit()
    con.close()
    _checkpointed(p)
    before = _sha(p)
    r = _cli("consolidate", str(SAMPLES), "-o", "汇总.xlsx", "--ledger", str(p), cwd=tmp_path)
    assert r.returncode == 2
    assert f"由较新版本的 xlperf（xlperf 9.0）写入（台账格式第 {SCHEMA_VERSION + 1} 版）" in r.stderr
    assert "台账未被修改。请升级 xlperf" in r.stderr
    assert _sha(p) == before and not (tmp_path / "汇总.xlsx").exists()


def test_a_file_that_is_no_sqlite_is_refused_and_kept(tmp_path):
    p = tmp_path / "台账.sqlite"
    p.write_bytes("单位名称,主管部门\n甲,乙\n".encode())
    with pytest.raises(LedgerError, match="不是 xlperf 的台账（不是 SQLite 数据库"):
        Ledger.open(p)
    assert p.read_bytes() == "单位名称,主管部门\n甲,乙\n".encode()


@pytest.mark.parametrize("damaged", ["meta_page", "last_page"])
def test_a_corrupt_ledger_is_refused_with_its_reason_and_kept(tmp_path, damaged):
    p = _populated(tmp_path)
    many = [_finding("XP004", f"H{i}", "warning") for i in range(400)]  # findings fill pages of their own
    Ledger.open(p).record([_file("d" * 64, "丁单位", findings=many)], ["x"])
    _checkpointed(p)
    data = bytearray(p.read_bytes())
    page = 4096
    assert len(data) > 8 * page
    # a damaged page (a disk error, a copy cut short): one the check on opening reads anyway, and one
    # only an integrity check reads
    at = 2 * page if damaged == "meta_page" else len(data) - page
    data[at : at + page] = b"\xa5" * page
    p.write_bytes(bytes(data))
    before = _sha(p)
    with pytest.raises(
        LedgerError, match="已损坏，无法使用（数据库文件的结构已损坏.*该文件未被修改。请从备份恢复台账"
    ):
        Ledger.open(p)
    r = _cli("consolidate", str(SAMPLES), "-o", "汇总.xlsx", "--ledger", str(p), cwd=tmp_path)
    assert r.returncode == 2 and "已损坏" in r.stderr
    assert _sha(p) == before and not (tmp_path / "汇总.xlsx").exists()


def test_an_sqlite_database_of_another_program_is_refused(tmp_path):
    p = tmp_path / "other.db"
    con = sqlite3.connect(p)
    con.execute("CREATE TABLE contacts (name TEXT)")
    con.commit()
    con.close()
    before = _sha(p)
    with pytest.raises(LedgerError, match="是 SQLite 数据库，但不是 xlperf 的台账（其中的表：contacts）"):
        Ledger.open(p)
    assert _sha(p) == before


def test_a_ledger_held_by_another_writer_gives_the_reason_and_loses_nothing(tmp_path):
    p = _populated(tmp_path)
    holder = sqlite3.connect(p, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # a database tool, or another run, in the middle of its write
    try:
        with pytest.raises(
            LedgerError, match="正被另一个程序写入.*等待 0.3 秒后仍未结束；本次汇总未写入台账"
        ):
            Ledger.open(p, busy_seconds=0.3).record([_file("c" * 64, "丙单位")], ["x"])
    finally:
        holder.execute("COMMIT")
        holder.close()
    assert _ledger_rows(p, "SELECT count(*) FROM runs") == [(2,)]
    h = Ledger.open(p).record([_file("c" * 64, "丙单位")], ["x"])
    assert h.run == 3 and _ledger_rows(p, "PRAGMA integrity_check") == [("ok",)]


def test_two_runs_at_once_both_recorded(tmp_path):
    """Two consolidations started together on one ledger (different folders): both finish, both runs and
    every file of both are in the ledger."""
    a, b = tmp_path / "甲组", tmp_path / "乙组"
    sys.path.insert(0, str(ROOT))
    from benchmarks.unitgen import generate

    generate(6, a, seed=1)
    generate(6, b, seed=2)
    for f in b.iterdir():  # the same generator names: make the second folder's units others
        f.rename(b / f.name.replace("测试单位", "乙组单位"))
    p = tmp_path / "台账.sqlite"
    procs = [
        subprocess.Popen([sys.executable, "-m", "xlperf", "consolidate", str(d), "-o", f"{d.name}.json", "--ledger",
                          str(p), "-j", "1"], cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for d in (a, b)
    ]  # fmt: skip
    outs = [pr.communicate(timeout=300) for pr in procs]
    assert [pr.returncode for pr in procs] == [0, 0], outs
    assert sorted(r[0] for r in _ledger_rows(p, "SELECT id FROM runs")) == [1, 2]
    assert _ledger_rows(p, "SELECT count(*) FROM files") == [(12,)]
    assert _ledger_rows(p, "SELECT count(*) FROM sightings") == [(12,)]
    assert _ledger_rows(p, "PRAGMA integrity_check") == [("ok",)]
    runs = sorted(
        json.loads((tmp_path / f"{d.name}.json").read_text("utf-8"))["submissions"]["run"] for d in (a, b)
    )
    assert runs == [1, 2]


KILLED_IN_TRANSACTION = textwrap.dedent(
    """
    import sys, time
    from xlperf.consolidate import ledger as L
    from xlperf.consolidate.records import FileResult
    led = L.Ledger.open(sys.argv[1])
    real = L.Ledger._history
    def stalled(self, *a, **kw):
        print("IN-TRANSACTION", flush=True)  # the run's rows are written, not committed
        time.sleep(120)
        return real(self, *a, **kw)
    L.Ledger._history = stalled
    led.record([FileResult("/x/new.xlsx", "new.xlsx", "已汇总", sha256="f" * 64, unit="新单位")], ["x"])
    """
)


def test_a_run_killed_in_its_transaction_leaves_the_ledger_as_it_was(tmp_path):
    p = _populated(tmp_path)
    child = subprocess.Popen(
        [sys.executable, "-c", KILLED_IN_TRANSACTION, str(p)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert child.stdout.readline().strip() == "IN-TRANSACTION"
        child.send_signal(signal.SIGKILL)
        child.wait(30)
    finally:
        if child.poll() is None:
            child.kill()
    assert child.returncode == -signal.SIGKILL
    led = Ledger.open(p)  # checks it: sound
    assert [r[0] for r in led.runs()] == [1, 2]
    assert _ledger_rows(p, "SELECT sha256 FROM files ORDER BY sha256") == [("a" * 64,), ("b" * 64,)]
    h = led.record([_file("c" * 64, "丙单位")], ["x"])
    assert h.run == 3 and _ledger_rows(p, "PRAGMA integrity_check") == [("ok",)]


KILLED_WHILE_READING = textwrap.dedent(
    """
    import sys, time
    import xlperf.consolidate.read as R
    real, n = R.read_unit_file, [0]
    def stalled(*a, **kw):
        n[0] += 1
        if n[0] == 3:  # two files read, the third under way
            print("READING", flush=True)
            time.sleep(120)
        return real(*a, **kw)
    R.read_unit_file = stalled
    sys.argv = ["xlperf", "consolidate", sys.argv[1], "-o", "汇总.xlsx", "--ledger", sys.argv[2], "-j", "1"]
    from xlperf.cli import main
    main()
    """
)


def test_a_consolidation_killed_while_reading_leaves_ledger_and_summary_as_they_were(tmp_path):
    sys.path.insert(0, str(ROOT))
    from benchmarks.unitgen import generate

    folder = tmp_path / "报送材料"
    generate(5, folder, seed=3)
    p = _populated(tmp_path)
    _checkpointed(p)
    before = _sha(p)
    child = subprocess.Popen([sys.executable, "-c", KILLED_WHILE_READING, str(folder), str(p)], cwd=tmp_path,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip
    try:
        assert child.stdout.readline().strip() == "READING"
        child.send_signal(signal.SIGKILL)
        child.wait(30)
    finally:
        if child.poll() is None:
            child.kill()
    assert child.returncode == -signal.SIGKILL
    assert _sha(p) == before and not (tmp_path / "汇总.xlsx").exists()
    assert [r[0] for r in Ledger.open(p).runs()] == [1, 2]


def test_an_empty_ledger_file_is_a_new_ledger(tmp_path):
    p = tmp_path / "台账.sqlite"
    p.touch()
    assert Ledger.open(p).record([_file("a" * 64, "甲单位")], ["x"]).run == 1


def test_a_write_that_fails_halfway_is_rolled_back_with_its_reason(tmp_path, monkeypatch):
    """SQLite refusing a write in the middle of a run (a read-only file, a full disk): the Chinese reason,
    and the run's first rows rolled back with it."""
    p = _populated(tmp_path)
    real = Ledger._history

    def refused(self, *a, **kw):
        raise sqlite3.OperationalError("attempt to write a readonly database")

    monkeypatch.setattr(Ledger, "_history", refused)
    with pytest.raises(
        LedgerError, match="无法写入台账 .*（文件或所在文件夹是只读的：.*）；本次汇总未写入台账"
    ):
        Ledger.open(p).record([_file("c" * 64, "丙单位")], ["x"])
    monkeypatch.setattr(Ledger, "_history", real)
    assert _ledger_rows(p, "SELECT count(*) FROM runs") == [(2,)]
    assert _ledger_rows(
        p, "SELECT count(*) FROM files WHERE sha256 = ?".replace("?", "'" + "c" * 64 + "'")
    ) == [(0,)]


def test_a_ledger_in_a_missing_folder_is_refused(tmp_path):
    with pytest.raises(LedgerError, match="台账所在的文件夹不存在"):
        Ledger.open(tmp_path / "没有" / "台账.sqlite")
