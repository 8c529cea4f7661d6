"""The ledger's cost: the same consolidation of N units with and without ``--ledger`` (and a roster).

    python benchmarks/ledger.py --files 200 [--repeat 3] [--jobs 2]

Runs, as subprocesses, interleaved, each keeping its best wall and CPU time (a shared machine's noise
only ever adds time):

- ``xlperf consolidate <folder> -o 汇总.xlsx`` (the baseline);
- the same with ``--ledger`` on a new ledger (the first run: the schema, every file and finding written);
- the same with ``--ledger`` on a ledger that has seen every file (a later run: every file known, the
  units' submissions read back);
- the same with ``--roster`` (every unit on it) and the known ledger: 报送情况 built as well.

and prints each one's ratio to the baseline (target: ≤ 1.2× wall for the ledger runs). On a loaded
machine the wall times of whole commands spread by more than the ledger costs, so the script also
times the ledger's own steps in one process, on the files read once: writing a run into a new and into
a known ledger (``Ledger.record``, its fsyncs included), and building the summary with 报送情况 — each
against the reading it follows. Linux only (RUSAGE_CHILDREN, as benchmarks/commands.py).
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.commands import best, measure, spread, xlperf_cmd  # noqa: E402
from benchmarks.consolidate import units_folder  # noqa: E402

TARGET = 1.2


def _roster(folder: Path, out: Path) -> Path:
    import openpyxl

    from xlperf.sources import read_grids

    names = []
    for f in sorted(folder.glob("*.xlsx")):
        unit = next(g for g in read_grids(f) if g.name == "单位信息")
        names.append(next(r[1] for r in unit.rows if r and r[0] == "单位名称"))
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["单位名称", "主管部门"])
    for n in names:
        ws.append([n, ""])
    wb.save(out)
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--files", type=int, default=200)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--jobs", type=int, default=None)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    folder = units_folder(args.files, args.seed)
    work = Path(tempfile.mkdtemp(prefix="xlperf-bench-ledger-"))
    jobs = ["-j", str(args.jobs)] if args.jobs else []
    base = [*xlperf_cmd(), "consolidate", str(folder), "-q", "--force", *jobs]
    known = work / "known.sqlite"
    measure(
        [*base, "-o", str(work / "warm.xlsx"), "--ledger", str(known)]
    )  # every file seen; warms the cache
    roster = _roster(folder, work / "名单.xlsx")
    runs: dict[str, list[dict]] = {"plain": [], "new ledger": [], "known ledger": [], "roster + ledger": []}
    for i in range(args.repeat):
        runs["plain"].append(measure([*base, "-o", str(work / "a.xlsx")]))
        fresh = work / f"new{i}.sqlite"
        runs["new ledger"].append(measure([*base, "-o", str(work / "b.xlsx"), "--ledger", str(fresh)]))
        copy = work / f"known{i}.sqlite"
        src, dst = sqlite3.connect(known), sqlite3.connect(copy)
        src.backup(dst)
        src.close()
        dst.close()
        runs["known ledger"].append(measure([*base, "-o", str(work / "c.xlsx"), "--ledger", str(copy)]))
        runs["roster + ledger"].append(
            measure([*base, "-o", str(work / "d.xlsx"), "--ledger", str(copy), "--roster", str(roster)])
        )
    plain = best(runs["plain"])
    print(
        f"xlperf consolidate with a ledger: {args.files} unit workbooks, best of {args.repeat} interleaved runs"
    )
    print(f"{'':32}{'wall s':>8}{'CPU s':>8}{'RSS MB':>8}")
    for name, rs in runs.items():
        b = best(rs)
        line = f"  {name:30}{b['wall']:8.2f}{b['cpu']:8.2f}{b['rss_mb']:8.0f}"
        if name != "plain":
            ratio = b["wall"] / plain["wall"]
            ok = "met" if ratio <= TARGET else "NOT MET"
            line += f"   {ratio:.2f}x wall (<= {TARGET}: {ok}), {b['cpu'] / plain['cpu']:.2f}x CPU"
        print(line + f"   [{spread(rs)}]")
    in_process(folder, roster, work, args.repeat)
    con = sqlite3.connect(known)
    files, findings = (con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("files", "findings"))
    con.close()
    print(f"  ledger: {files} files, {findings} findings, {known.stat().st_size / 1024:.0f} KB")
    shutil.rmtree(work, ignore_errors=True)


def in_process(folder: Path, roster: Path, work: Path, repeat: int) -> None:
    """The ledger's steps timed alone, on files read once, against that reading (best of ``repeat``)."""
    import time

    from xlperf.consolidate import collect, consolidate, read_files, read_roster
    from xlperf.consolidate.ledger import Ledger

    t = time.perf_counter()
    files = read_files([(p, d) for p, d, skip in collect([folder]) if skip is None], jobs=1)
    reading = time.perf_counter() - t
    r = read_roster(roster)
    keys = [e.key for e in r.entries]
    times: dict[str, list[float]] = {"record (new ledger)": [], "record (known ledger)": [],
                                     "tables (no ledger)": [], "tables + 报送情况": []}  # fmt: skip
    for i in range(repeat):
        t = time.perf_counter()
        Ledger.open(work / f"inproc{i}.sqlite").record(files, [str(folder)], units=keys)
        times["record (new ledger)"].append(time.perf_counter() - t)
        t = time.perf_counter()
        h = Ledger.open(work / f"inproc{i}.sqlite").record(files, [str(folder)], units=keys)
        times["record (known ledger)"].append(time.perf_counter() - t)
        t = time.perf_counter()
        consolidate(files)
        times["tables (no ledger)"].append(time.perf_counter() - t)
        t = time.perf_counter()
        consolidate(files, roster=r, history=h)
        times["tables + 报送情况"].append(time.perf_counter() - t)
    print(
        f"  in one process: reading {len(files)} files took {reading:.2f} s; the ledger's steps (best of {repeat}):"
    )
    for name, xs in times.items():
        print(f"    {name:26}{min(xs) * 1000:8.0f} ms   {min(xs) / reading * 100:5.1f} % of the reading")


if __name__ == "__main__":
    main()
