"""Whole-command benchmark: the user's command lines, against a bare python-calamine read in the same run.

    python benchmarks/commands.py --files 1000 [--repeat 2] [--jobs 2] [--linear 250,500]

Prints, from one run:

- ``xlperf consolidate <folder> -o 汇总.xlsx`` (and ``.csv`` folder, ``.json``) as a subprocess, the
  summary written: wall time, CPU (the command and its workers), peak RSS of the process tree (sampled
  from /proc every 20 ms), and the ratios against a one-process bare python-calamine read of every
  sheet of the same files (targets: ≤ 1.5× wall, ≤ 2.2× CPU, ≤ 500 MB);
- the same xlsx command at fewer files (``--linear``), as seconds per file (linear: about constant);
- ``xlperf validate <sample>``: imports before its first work from ``-X importtime`` (the import log up
  to the moment the safety gate opens the file; target ≤ 60 ms) and the whole command's wall time
  against ``python -c pass``.

Runs are interleaved (bare, xlperf, bare, …) and each measurement keeps its best (a shared machine's
noise only ever adds time); the spread between repeats is printed too. Bytecode is compiled first, as
an installed package has it. Linux only (/proc, RUSAGE_CHILDREN).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.consolidate import units_folder  # noqa: E402


def _cpu_children() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def _tree_rss_kb(pid: int) -> int:
    """Resident memory of a process and all its descendants, in KB."""
    kids: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/status") as f:
                text = f.read()
        except OSError:
            continue
        ppid = int(re.search(r"PPid:\s+(\d+)", text).group(1))
        m = re.search(r"VmRSS:\s+(\d+)", text)
        rss[int(d)] = int(m.group(1)) if m else 0
        kids.setdefault(ppid, []).append(int(d))
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        total += rss.get(p, 0)
        todo.extend(kids.get(p, []))
    return total


def measure(cmd: list[str], env: dict | None = None) -> dict:
    """Run a command line; its wall time, CPU (with its reaped children) and peak tree RSS."""
    peak = [0]
    cpu0, t0 = _cpu_children(), time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, cwd=ROOT)
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], _tree_rss_kb(proc.pid))
            done.wait(0.02)

    th = threading.Thread(target=sample, daemon=True)
    th.start()
    _, err = proc.communicate()
    done.set()
    th.join()
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{err.decode()[-2000:]}")
    return {"wall": time.perf_counter() - t0, "cpu": _cpu_children() - cpu0, "rss_mb": peak[0] / 1024}


def xlperf_cmd() -> list[str]:
    exe = shutil.which("xlperf")
    return [exe] if exe else [sys.executable, "-m", "xlperf"]


def bare_cmd(folder: Path) -> list[str]:
    return [
        sys.executable,
        str(ROOT / "benchmarks" / "consolidate.py"),
        "--phase",
        "bare",
        "--folder",
        str(folder),
    ]


def best(runs: list[dict]) -> dict:
    return {k: (max if k == "rss_mb" else min)(r[k] for r in runs) for k in runs[0]}


def spread(runs: list[dict], key: str = "wall") -> str:
    xs = [r[key] for r in runs]
    return f"{min(xs):.2f}–{max(xs):.2f}" if len(xs) > 1 else f"{xs[0]:.2f}"


FIRST_WORK = r"""
import sys
from xlperf.sources import gate
real = gate.open_checked
def marked(*a, **k):
    sys.stderr.write("xlperf-first-work\n"); sys.stderr.flush()
    return real(*a, **k)
gate.open_checked = marked
import xlperf.sources
xlperf.sources.open_checked = marked
sys.argv = ["xlperf", "validate", sys.argv[1], "--format", "json"]
from xlperf.cli import main
try:
    main()
except SystemExit:
    pass
"""


def import_ms_before_first_work(sample: Path) -> tuple[float, list[tuple[float, str]]]:
    """Sum of the top-level imports' cumulative times logged after the interpreter's start-up and before
    the gate opens the file (the driver's own imports of xlperf count: `xlperf validate` makes them)."""
    res = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", FIRST_WORK, str(sample)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    before = res.stderr.split("xlperf-first-work")[0]
    before = before.split("| site\n", 1)[-1]  # the interpreter's own start-up (site, encodings) excluded
    total, top = 0.0, []
    for line in before.splitlines():
        m = re.match(r"import time:\s+\d+ \|\s+(\d+) \|( +)(\S+)", line)
        if m and len(m.group(2)) == 1:
            total += int(m.group(1)) / 1000
            top.append((int(m.group(1)) / 1000, m.group(3)))
    return total, sorted(top, reverse=True)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--files", type=int, default=1000)
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--jobs", type=int, default=None)
    ap.add_argument(
        "--linear", default="250,500", help="fewer-file counts for the linearity check ('' = none)"
    )
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args(argv)
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "xlperf")], check=True)
    folder = units_folder(a.files, a.seed)
    jobs = ["-j", str(a.jobs)] if a.jobs else []
    out = Path(tempfile.mkdtemp(prefix="xlperf-bench-out-"))
    targets = {"xlsx": out / "汇总.xlsx", "csv": out / "汇总csv", "json": out / "汇总.json"}
    runs: dict[str, list[dict]] = {"bare": [], **{k: [] for k in targets}}
    for _ in range(max(1, a.repeat)):
        runs["bare"].append(measure(bare_cmd(folder)))
        for fmt, target in targets.items():
            runs[fmt].append(
                measure(
                    [*xlperf_cmd(), "consolidate", str(folder), "-o", str(target), "-q", "--force", *jobs]
                )
            )
    bare = best(runs["bare"])
    print(
        f"xlperf whole-command benchmark: {a.files} unit workbooks, {os.cpu_count()} CPUs, "
        f"best of {max(1, a.repeat)} interleaved runs (spread of wall times in brackets)"
    )
    print(f"  {'':44s} {'wall s':>7s} {'CPU s':>7s} {'RSS MB':>7s}")
    print(
        f"  {'bare python-calamine read (one process)':44s} {bare['wall']:7.2f} {bare['cpu']:7.2f} "
        f"{bare['rss_mb']:7.0f}   [{spread(runs['bare'])}]"
    )
    for fmt in targets:
        r = best(runs[fmt])
        print(
            f"  {'xlperf consolidate -o ' + targets[fmt].name:44s} {r['wall']:7.2f} {r['cpu']:7.2f} {r['rss_mb']:7.0f}"
            f"   {r['wall'] / bare['wall']:.2f}x wall (<= 1.5), {r['cpu'] / bare['cpu']:.2f}x CPU (<= 2.2), "
            f"RSS (<= 500)  [{spread(runs[fmt])}]"
        )
    if a.linear:
        print("  linear in files (xlsx, seconds per file, wall / CPU):")
        for n in [int(x) for x in a.linear.split(",") if x] + [a.files]:
            f = units_folder(n, a.seed)
            r = (
                best(runs["xlsx"])
                if n == a.files
                else measure(
                    [
                        *xlperf_cmd(),
                        "consolidate",
                        str(f),
                        "-o",
                        str(out / f"l{n}.xlsx"),
                        "-q",
                        "--force",
                        *jobs,
                    ]
                )
            )
            print(f"    {n:6d} files: {1000 * r['wall'] / n:6.2f} ms / {1000 * r['cpu'] / n:6.2f} ms")
    sample = sorted((ROOT / "workbooks" / "samples").glob("*.xlsx"))[0]
    imports = [import_ms_before_first_work(sample) for _ in range(5)]
    ms = statistics.median(t for t, _ in imports)
    top = min(imports)[1][:6]
    empty = [measure([sys.executable, "-c", "pass"])["wall"] for _ in range(5)]
    whole = [measure([*xlperf_cmd(), "validate", str(sample), "--format", "json"])["wall"] for _ in range(5)]
    print(f"  xlperf validate {sample.name}:")
    print(f"    imports before its first work (-X importtime, median of 5): {ms:.0f} ms (target <= 60)")
    print("    largest: " + ", ".join(f"{name} {t:.0f}" for t, name in top))
    print(
        f"    whole command {statistics.median(whole) * 1000:.0f} ms, python -c pass "
        f"{statistics.median(empty) * 1000:.0f} ms (medians of 5)"
    )
    print(json.dumps({k: best(v) for k, v in runs.items()}), file=sys.stderr)
    shutil.rmtree(out, ignore_errors=True)


if __name__ == "__main__":
    main()
