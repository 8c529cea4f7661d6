"""Benchmark: consolidate N synthetic unit workbooks, against a bare python-calamine read and openpyxl.

    python benchmarks/consolidate.py --files 1000 [--jobs 2] [--openpyxl-files 200]

Generates N units (8-12 projects each, the template's layout; cached in the temp folder, keyed by N) and
prints, from one run (the bare read and xlperf repeated ``--repeat`` times, interleaved, best of
each): the xlperf consolidation time (read + validate + tables, and writing the xlsx);
a bare python-calamine read of every sheet of the same files; the same consolidation through openpyxl;
the ratios; and peak memory (max RSS of the main process plus its largest worker). Each measurement runs
in a fresh subprocess so peaks do not mix. With ``--openpyxl-files K`` < N the openpyxl path is timed on
the first K files and scaled to N (printed as such).

Targets at N = 1000 on a 2-core machine: ≤ 1.5 × the bare read, ≥ 5 × faster than openpyxl,
peak RSS ≤ 500 MB.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def units_folder(n: int, seed: int = 0) -> Path:
    """The cached folder of ``n`` generated units (generated on first use)."""
    from benchmarks.unitgen import fingerprint, generate

    folder = Path(tempfile.gettempdir()) / f"xlperf-bench-units-{n}-s{seed}-{fingerprint()}"
    t = time.perf_counter()
    generate(n, folder, seed)
    took = time.perf_counter() - t
    if took > 1:
        print(f"generated {n} unit workbooks in {took:.1f} s -> {folder}", file=sys.stderr)
    return folder


def _peak_mb() -> tuple[float, float]:
    """(this process, its largest child) max RSS in MB (Linux reports KB)."""
    scale = 1024 if sys.platform != "darwin" else 1024 * 1024
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / scale
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / scale
    return own, kids


def _cpu() -> float:
    """CPU seconds (user + system) of this process and its finished children: unlike wall time, not
    inflated when other work shares the machine."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def _files(folder: Path, limit: int | None) -> list[Path]:
    files = sorted(folder.glob("*.xlsx"))
    return files[:limit] if limit else files


def phase_bare(folder: Path, limit: int | None) -> dict:
    """Open every file with python-calamine and read every sheet to Python values, nothing else."""
    from python_calamine import CalamineWorkbook

    files = _files(folder, limit)
    t, cpu = time.perf_counter(), _cpu()
    cells = 0
    for f in files:
        with CalamineWorkbook.from_path(str(f)) as wb:
            for name in wb.sheet_names:
                rows = wb.get_sheet_by_name(name).to_python(skip_empty_area=False)
                cells += sum(len(r) for r in rows)
    return {"seconds": time.perf_counter() - t, "cpu": _cpu() - cpu, "files": len(files), "cells": cells}


def phase_xlperf(folder: Path, jobs: int | None, engine: str, limit: int | None, write: bool) -> dict:
    from xlperf.consolidate import consolidate_paths
    from xlperf.writers.summary import write_summary

    paths = _files(folder, limit) if limit else [folder]
    t, cpu = time.perf_counter(), _cpu()
    c = consolidate_paths(paths, jobs=jobs, engine=engine)
    read = time.perf_counter() - t
    out = {
        "read_seconds": read,
        "read_cpu": _cpu() - cpu,
        "files": c.stats.files_ok,
        "projects": c.stats.projects,
        "findings": len(c.tables["问题清单"].rows),
    }
    if write:
        with tempfile.TemporaryDirectory() as tmp:
            t2 = time.perf_counter()
            write_summary(c, Path(tmp) / "汇总.xlsx")
            out["write_seconds"] = time.perf_counter() - t2
    out["seconds"] = time.perf_counter() - t
    return out


def _best(runs: list[dict]) -> dict:
    """Each timing's minimum over the runs; memory's maximum (the worst case is what must fit)."""
    out = dict(runs[0])
    for k, v in out.items():
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            values = [r[k] for r in runs]
            out[k] = max(values) if k.startswith("rss") else min(values)
    return out


def _run(args: list[str]) -> dict:
    cmd = [sys.executable, __file__, *args]
    res = subprocess.run(cmd, capture_output=True, text=True, check=True, cwd=ROOT)
    return json.loads(res.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--files", type=int, default=100, help="number of unit workbooks (default 100)")
    ap.add_argument("--jobs", type=int, default=None, help="worker processes for xlperf (default min(cpu,4))")
    ap.add_argument(
        "--openpyxl-files", type=int, default=None, help="time openpyxl on this many files, scale"
    )
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="run the bare read and xlperf this many times, interleaved, and keep each one's best "
        "(a shared machine's noise only ever adds time); default 3",
    )
    ap.add_argument("--phase", choices=("bare", "xlperf", "openpyxl"), help=argparse.SUPPRESS)
    ap.add_argument("--folder", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--limit", type=int, default=None, help=argparse.SUPPRESS)
    a = ap.parse_args(argv)

    if a.phase:  # one measurement, in this fresh process
        if a.phase == "bare":
            r = phase_bare(a.folder, a.limit)
        else:
            engine = "calamine" if a.phase == "xlperf" else "openpyxl"
            r = phase_xlperf(a.folder, a.jobs, engine, a.limit, write=a.phase == "xlperf")
        r["rss_self_mb"], r["rss_child_mb"] = _peak_mb()
        print(json.dumps(r))
        return

    folder = units_folder(a.files, a.seed)
    jobs = ["--jobs", str(a.jobs)] if a.jobs else []
    from xlperf.consolidate import default_jobs

    print(
        f"xlperf consolidate benchmark: {a.files} unit workbooks, {os.cpu_count()} CPUs, "
        f"jobs={a.jobs or default_jobs()}, best of {max(1, a.repeat)} interleaved runs"
    )
    bares, xls = [], []
    for _ in range(max(1, a.repeat)):
        bares.append(_run(["--phase", "bare", "--folder", str(folder)]))
        xls.append(_run(["--phase", "xlperf", "--folder", str(folder), *jobs]))
    bare, xl = _best(bares), _best(xls)
    lim = a.openpyxl_files if a.openpyxl_files and a.openpyxl_files < a.files else None
    op = _run(
        ["--phase", "openpyxl", "--folder", str(folder), *jobs, *(["--limit", str(lim)] if lim else [])]
    )
    scale = a.files / lim if lim else 1
    op_seconds, op_cpu = op["read_seconds"] * scale, op["read_cpu"] * scale
    peak = xl["rss_self_mb"] + xl["rss_child_mb"]
    rows = (
        ("bare python-calamine read", bare["seconds"], bare["cpu"], ""),
        (
            "xlperf consolidate: read+check",
            xl["read_seconds"],
            xl["read_cpu"],
            f"{xl['read_seconds'] / bare['seconds']:.2f}x bare wall, {xl['read_cpu'] / bare['cpu']:.2f}x bare CPU"
            " (target <= 1.5x)",
        ),
        ("xlperf: write summary xlsx", xl["write_seconds"], None, ""),
        (
            "xlperf consolidate: total",
            xl["seconds"],
            None,
            f"{xl['seconds'] / bare['seconds']:.2f}x bare wall",
        ),
        (
            "openpyxl consolidation" + (f" ({lim} files, scaled)" if lim else ""),
            op_seconds,
            op_cpu,
            f"xlperf {op_seconds / xl['read_seconds']:.1f}x faster wall, {op_cpu / xl['read_cpu']:.1f}x CPU"
            " (target >= 5x)",
        ),
    )
    print(f"  projects {xl['projects']}, findings {xl['findings']}, cells read {bare['cells']:,}")
    print(f"  {'':40s} {'wall s':>8s} {'CPU s':>8s}")
    for name, wall, cpu, note in rows:
        cpu_s = f"{cpu:8.2f}" if cpu is not None else " " * 8
        print(f"  {name:40s} {wall:8.2f} {cpu_s}   {note}")
    print(
        f"  peak RSS: main {xl['rss_self_mb']:.0f} MB + largest worker {xl['rss_child_mb']:.0f} MB "
        f"= {peak:.0f} MB (target <= 500 MB)"
    )


if __name__ == "__main__":
    main()
