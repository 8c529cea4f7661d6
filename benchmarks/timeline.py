"""Where a consolidation's wall time goes: ``xlperf consolidate`` run in this process with a mark at each
phase (the folder listed, the first unit read, the reads' end, the tables, the summary written), and
this process's own CPU at each mark (the workers' is not in it). Times count from the command's start,
xlperf already imported (``benchmarks/commands.py`` measures the whole command, imports included).

    python benchmarks/timeline.py [--files 1000] [-o 汇总.xlsx]

The phases that run on one core while the other idles (before the first read, after the last) are what
keeps the command above the bare read on a 2-core machine (README, Benchmarks). Linux (``resource``);
the generated units come from benchmarks/consolidate.py's cache.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

T0, CPU0 = time.perf_counter(), 0.0  # (reset when the command starts)
ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def _cpu() -> float:
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


def _mark(what: str) -> None:
    print(f"{(time.perf_counter() - T0) * 1000:8.0f} ms   own CPU {_cpu() - CPU0:6.2f} s   {what}")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--files", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument(
        "-o", "--output", default=None, help="the summary (default: 汇总.xlsx in a temporary folder)"
    )
    a = ap.parse_args(argv)
    from benchmarks.consolidate import units_folder

    folder = units_folder(a.files, a.seed)
    out = a.output or str(Path(tempfile.mkdtemp(prefix="xlperf-timeline-")) / "汇总.xlsx")
    import xlperf.consolidate as consolidate
    import xlperf.writers.summary as summary
    from xlperf.consolidate import read

    real_read, real_write = read.read_files, summary.write_summary

    def read_files(*args, **kwargs):
        _mark("reading starts")
        first = []
        given = args[3] if len(args) > 3 else kwargs.get("progress")

        def progress(done, total, name):
            if not first:
                first.append(1)
                _mark("the first unit read")
            if given is not None:
                given(done, total, name)

        if len(args) > 3:
            args = (*args[:3], progress, *args[4:])
        else:
            kwargs["progress"] = progress
        try:
            return real_read(*args, **kwargs)
        finally:
            _mark("the last unit read")

    def write_summary(*args, **kwargs):
        _mark("tables built, writing the summary")
        try:
            return real_write(*args, **kwargs)
        finally:
            _mark("summary written")

    read.read_files = consolidate.read_files = read_files
    summary.write_summary = write_summary
    from xlperf.cli import cli

    global T0, CPU0
    T0, CPU0 = time.perf_counter(), _cpu()
    _mark("the command starts (xlperf imported)")
    try:
        cli(["consolidate", str(folder), "-o", out, "-q", "--force"], prog_name="xlperf")
    except SystemExit as exc:
        if exc.code not in (0, 1, None):
            raise
    _mark("done")


if __name__ == "__main__":
    main()
