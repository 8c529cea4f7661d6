"""The ledger (台账): an SQLite file that remembers every file a consolidation has seen, across runs.

For each file (by SHA-256): when it was first and last seen, its unit, its status and its findings; for
each run: when, what was given, how many files. A later run thus knows a resubmission from a first
submission and what it fixed (:class:`xlperf.consolidate.desk.History`).

A thin module around the standard library's :mod:`sqlite3`:

- WAL journal, ``synchronous=FULL``; a run writes in one transaction (``BEGIN IMMEDIATE``) at its end,
  and reads the history it reports inside that same transaction, so two runs at once are serialised
  (the second waits up to :data:`BUSY_SECONDS`) and neither loses the other's files; a run killed
  before its commit leaves the ledger as it was.
- The schema is versioned (``PRAGMA user_version`` and the ``meta`` table): a ledger written by a newer
  xlperf, a corrupt file, or an SQLite file that is not a ledger is refused with a Chinese reason before
  any file is read, and is never modified.
- Memory: a run sends its own files and reads back only the submissions of the units it concerns.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from xlperf import __version__
from xlperf.consolidate.desk import History, Submission, problem_key
from xlperf.consolidate.records import STATUS_OK, FileResult
from xlperf.core.names import name_key, shown_name
from xlperf.errors import XlperfError

SCHEMA_VERSION = 1
APPLICATION = "xlperf-ledger"
BUSY_SECONDS = 60.0  # how long a run waits for another run's transaction to end
SQLITE_HEADER = b"SQLite format 3\x00"

_SCHEMA = (
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    """CREATE TABLE runs (
        id INTEGER PRIMARY KEY,
        started TEXT NOT NULL,
        finished TEXT NOT NULL,
        writer TEXT NOT NULL,
        inputs TEXT NOT NULL,
        files INTEGER NOT NULL,
        checked_with TEXT NOT NULL
    )""",
    """CREATE TABLE files (
        sha256 TEXT PRIMARY KEY,
        first_seen TEXT NOT NULL,
        first_run INTEGER NOT NULL REFERENCES runs(id),
        last_seen TEXT NOT NULL,
        last_run INTEGER NOT NULL REFERENCES runs(id),
        display TEXT NOT NULL,
        unit TEXT NOT NULL,
        unit_key TEXT NOT NULL,
        unit_code TEXT NOT NULL,
        department TEXT NOT NULL,
        status TEXT NOT NULL,
        reason TEXT NOT NULL,
        size INTEGER NOT NULL,
        projects INTEGER NOT NULL,
        errors INTEGER NOT NULL,
        warnings INTEGER NOT NULL,
        infos INTEGER NOT NULL,
        checked_with TEXT NOT NULL
    )""",
    "CREATE INDEX files_by_unit ON files (unit_key)",
    """CREATE TABLE sightings (
        run INTEGER NOT NULL REFERENCES runs(id),
        path TEXT NOT NULL,
        display TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        status TEXT NOT NULL,
        PRIMARY KEY (run, path)
    )""",
    """CREATE TABLE findings (
        sha256 TEXT NOT NULL REFERENCES files(sha256),
        seq INTEGER NOT NULL,
        rule TEXT NOT NULL,
        severity TEXT NOT NULL,
        sheet TEXT NOT NULL,
        cell TEXT NOT NULL,
        project TEXT NOT NULL,
        expected TEXT NOT NULL,
        found TEXT NOT NULL,
        message TEXT NOT NULL,
        PRIMARY KEY (sha256, seq)
    )""",
)


class LedgerError(XlperfError):
    """The ledger cannot be used (newer, corrupt, not a ledger, locked, not writable): a Chinese reason
    that says the ledger was left as it was."""


def _now() -> str:
    return dt.datetime.now().strftime("%Y-%m-%d %H:%M:%S")


@dataclass
class Ledger:
    """An open ledger. :meth:`open` checks it; :meth:`record` writes a run and returns its history."""

    path: Path
    display: str
    busy_seconds: float = BUSY_SECONDS

    @classmethod
    def open(cls, path: str | Path, busy_seconds: float = BUSY_SECONDS) -> Ledger:
        """Check a ledger before a run reads any file: a new one (no file yet) is created by the run's
        transaction; an existing one must be an xlperf ledger of this version or older, and sound.
        Raises :class:`LedgerError` otherwise (the file is not touched)."""
        p = Path(path)
        led = cls(p, shown_name(path), busy_seconds)
        if p.exists():
            led._check()
        elif not (p.parent if str(p.parent) else Path(".")).is_dir():
            raise LedgerError(f"台账所在的文件夹不存在：{shown_name(p.parent)}")
        return led

    # --- checks (read-only: a refused ledger is never changed) ------------------------------------

    def _check(self) -> None:
        p = self.path
        if p.is_dir():
            raise LedgerError(f"台账应为文件，这是一个文件夹：{self.display}")
        try:
            with p.open("rb") as fh:
                head = fh.read(len(SQLITE_HEADER))
        except OSError as exc:
            raise LedgerError(f"无法读取台账 {self.display}（{exc.strerror or exc}）") from exc
        if head == b"" and p.stat().st_size == 0:
            return  # an empty file (created by hand, or by a run killed before its first commit)
        if head != SQLITE_HEADER:
            raise LedgerError(
                f"{self.display} 不是 xlperf 的台账（不是 SQLite 数据库，可能选错了文件或文件已损坏）；"
                "该文件未被修改。请指定正确的台账，或换一个新的台账文件名（原文件请保留以便核查）"
            )
        try:
            con = sqlite3.connect(f"{p.resolve().as_uri()}?mode=ro", uri=True, timeout=self.busy_seconds)
        except sqlite3.Error as exc:
            raise self._corrupt(exc) from exc
        try:
            version = con.execute("PRAGMA user_version").fetchone()[0]
            tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            if version > SCHEMA_VERSION:
                writer = _meta(con, "writer") if "meta" in tables else ""
                raise LedgerError(
                    f"台账 {self.display} 由较新版本的 xlperf{f'（{writer}）' if writer else ''}写入（台账格式第 "
                    f"{version} 版），本机的 xlperf {__version__} 只能使用第 {SCHEMA_VERSION} 版及更早的台账；"
                    "台账未被修改。请升级 xlperf（pip install -U xlperf）后再汇总"
                )
            if tables and ("meta" not in tables or _meta(con, "application") != APPLICATION):
                raise LedgerError(
                    f"{self.display} 是 SQLite 数据库，但不是 xlperf 的台账（其中的表：{'、'.join(sorted(tables)[:5])}）；"
                    "该文件未被修改。请换一个台账文件名"
                )
            check = con.execute("PRAGMA quick_check").fetchone()[0]
            if check != "ok":
                raise self._corrupt(check)
        except LedgerError:
            raise
        except sqlite3.DatabaseError as exc:
            if "locked" in str(exc):
                raise self._busy() from exc
            raise self._corrupt(exc) from exc
        finally:
            con.close()

    def _corrupt(self, why: object) -> LedgerError:
        return LedgerError(
            f"台账 {self.display} 已损坏，无法使用（{_reason(why)}）；该文件未被修改。请从备份恢复台账，或换一个新的"
            "台账文件名（原文件请保留，以便恢复其中的记录）"
        )

    def _busy(self) -> LedgerError:
        return LedgerError(
            f"台账 {self.display} 正被另一个程序写入（另一次 xlperf 汇总，或打开了台账的数据库工具），等待"
            f" {self.busy_seconds:g} 秒后仍未结束；本次汇总未写入台账，也未生成汇总表，台账中原有的记录不受影响。"
            "请稍后重新运行"
        )

    # --- one run ------------------------------------------------------------------------------------

    def record(
        self,
        files: Sequence[FileResult],
        inputs: Iterable[str],
        checked_with: str = "",
        started: str | None = None,
        now: str | None = None,
        units: Iterable[str] = (),
    ) -> History:
        """Write one run (its files, their findings, where each was seen) in one transaction and return
        what the ledger then knows about the units of these files and the ``units`` named besides (the
        roster's, by :func:`~xlperf.core.names.name_key`): :class:`History`."""
        now = now or _now()
        started = started or now
        try:
            con = sqlite3.connect(self.path, timeout=self.busy_seconds, isolation_level=None)
        except sqlite3.Error as exc:
            raise LedgerError(f"无法打开台账 {self.display}（{exc}）；台账未被修改") from exc
        try:
            try:
                _configure(con)
                con.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:
                if "locked" in str(exc) or "busy" in str(exc):
                    raise self._busy() from exc
                raise
            try:
                self._migrate(con)
                history = self._write(con, files, list(inputs), checked_with, started, now, set(units))
                con.execute("COMMIT")
            except BaseException:
                if con.in_transaction:
                    con.execute("ROLLBACK")
                raise
            return history
        except LedgerError:
            raise
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                raise self._busy() from exc
            raise LedgerError(
                f"无法写入台账 {self.display}（{_reason(exc)}）；本次汇总未写入台账，台账中原有的记录不受影响"
            ) from exc
        except sqlite3.DatabaseError as exc:
            raise self._corrupt(exc) from exc
        finally:
            con.close()

    def _migrate(self, con: sqlite3.Connection) -> None:
        """Create the schema in a new ledger (inside the run's transaction: two first runs at once create
        it once); refuse one that became newer since :meth:`open` looked."""
        version = con.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise LedgerError(
                f"台账 {self.display} 由较新版本的 xlperf 写入（台账格式第 {version} 版）；台账未被修改"
            )
        if version == 0:
            tables = con.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone()[0]
            if tables:
                raise LedgerError(f"{self.display} 不是 xlperf 的台账；该文件未被修改")
            for stmt in _SCHEMA:
                con.execute(stmt)
            con.executemany(
                "INSERT INTO meta (key, value) VALUES (?, ?)",
                [("application", APPLICATION), ("created", _now()), ("writer", f"xlperf {__version__}")],
            )
            con.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        else:
            con.execute("UPDATE meta SET value = ? WHERE key = 'writer'", (f"xlperf {__version__}",))

    def _write(
        self,
        con: sqlite3.Connection,
        files: Sequence[FileResult],
        inputs: list[str],
        checked_with: str,
        started: str,
        now: str,
        units: set[str],
    ) -> History:
        cur = con.execute(
            "INSERT INTO runs (started, finished, writer, inputs, files, checked_with) VALUES (?, ?, ?, ?, ?, ?)",
            (started, now, f"xlperf {__version__}", "\n".join(inputs), len(files), checked_with),
        )
        run = cur.lastrowid
        seen_rows = []
        for f in files:
            seen_rows.append((run, f.path, f.display, f.sha256, f.status))
            if not f.sha256 or f.is_summary:
                continue
            con.execute(
                """INSERT INTO files (sha256, first_seen, first_run, last_seen, last_run, display, unit, unit_key,
                       unit_code, department, status, reason, size, projects, errors, warnings, infos, checked_with)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                   ON CONFLICT (sha256) DO UPDATE SET last_seen = excluded.last_seen, last_run = excluded.last_run,
                       unit = excluded.unit, unit_key = excluded.unit_key, unit_code = excluded.unit_code,
                       department = excluded.department, status = excluded.status, reason = excluded.reason,
                       projects = excluded.projects, errors = excluded.errors, warnings = excluded.warnings,
                       infos = excluded.infos, checked_with = excluded.checked_with""",
                (f.sha256, now, run, now, run, f.display, f.unit, name_key(f.unit), f.unit_code, f.department,
                 f.status, f.reason, f.size, len(f.projects), sum(p.errors for p in f.projects),
                 sum(p.warnings for p in f.projects), sum(p.infos for p in f.projects), checked_with),
            )  # fmt: skip
            if f.status == STATUS_OK:  # the findings of the file as read this time
                con.execute("DELETE FROM findings WHERE sha256 = ?", (f.sha256,))
                con.executemany(
                    "INSERT INTO findings VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [(f.sha256, i, x.rule, x.severity, x.sheet, x.cell or "", x.project, x.expected, x.found,
                      x.message) for i, x in enumerate(f.findings)],
                )  # fmt: skip
        con.executemany("INSERT OR REPLACE INTO sightings VALUES (?, ?, ?, ?, ?)", seen_rows)
        return self._history(con, files, run, now, checked_with, units)

    def _history(
        self,
        con: sqlite3.Connection,
        files: Sequence[FileResult],
        run: int,
        now: str,
        checked_with: str,
        also: set[str],
    ) -> History:
        shas = sorted({f.sha256 for f in files if f.sha256})
        seen: dict[str, tuple[str, int]] = {}
        for chunk in _chunks(shas):
            q = f"SELECT sha256, first_seen, first_run FROM files WHERE sha256 IN ({','.join('?' * len(chunk))})"
            for sha, first, first_run in con.execute(q, chunk):
                seen[sha] = (first, first_run)
        keys = sorted(({name_key(f.unit) for f in files if f.unit} | also) - {""})
        units: dict[str, list[Submission]] = {}
        for chunk in _chunks(keys):
            q = (
                "SELECT sha256, unit, unit_key, display, first_seen, first_run, checked_with FROM files"
                f" WHERE status = ? AND unit_key IN ({','.join('?' * len(chunk))}) ORDER BY first_seen, first_run"
            )
            rows = con.execute(q, [STATUS_OK, *chunk]).fetchall()
            problems: dict[str, set] = {r[0]: set() for r in rows}
            for sub in _chunks(list(problems)):
                q2 = (
                    "SELECT sha256, rule, project, cell FROM findings WHERE severity IN ('error', 'warning')"
                    f" AND sha256 IN ({','.join('?' * len(sub))})"
                )
                for sha, rule, project, cell in con.execute(q2, sub):
                    problems[sha].add(problem_key(rule, project, cell))
            for sha, unit, key, display, first, first_run, checked in rows:
                units.setdefault(key, []).append(
                    Submission(sha, unit, display, first, first_run, frozenset(problems[sha]), checked)
                )
        runs = con.execute("SELECT count(*) FROM runs").fetchone()[0]
        return History(
            self.display, run, now, runs, seen, {k: tuple(v) for k, v in units.items()}, checked_with
        )

    def runs(self) -> list[tuple[int, str, int]]:
        """Every run recorded: (id, finished, files) — for reports and tests."""
        con = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True, timeout=self.busy_seconds)
        try:
            return [tuple(r) for r in con.execute("SELECT id, finished, files FROM runs ORDER BY id")]
        finally:
            con.close()


_SQLITE_REASONS = (
    ("malformed", "数据库文件的结构已损坏"),
    ("not a database", "不是数据库文件"),
    ("disk i/o", "读写磁盘出错"),
    ("readonly", "文件或所在文件夹是只读的"),
    ("full", "磁盘已满"),
)


def _reason(why: object) -> str:
    """SQLite's reason in Chinese where it is a known one (the original after it)."""
    text = str(why)
    for key, zh in _SQLITE_REASONS:
        if key in text.lower():
            return f"{zh}：{text}"
    return text


def _configure(con: sqlite3.Connection) -> None:
    mode = con.execute("PRAGMA journal_mode = WAL").fetchone()[0]
    if str(mode).lower() != "wal":  # a file system without shared memory (a network drive): still safe
        con.execute("PRAGMA journal_mode = DELETE")
    con.execute("PRAGMA synchronous = FULL")
    con.execute("PRAGMA foreign_keys = ON")


def _meta(con: sqlite3.Connection, key: str) -> str:
    row = con.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    return "" if row is None else str(row[0])


def _chunks(items: list, size: int = 500) -> Iterable[list]:
    for i in range(0, len(items), size):
        yield items[i : i + size]
