"""Benchmark: validate one generated 50-project workbook, next to a bare python-calamine read of it.

    python benchmarks/validate.py [--projects 50] [--repeat 7]

The workbook has the template's layout (see :mod:`benchmarks.unitgen`) and is cached in the temp folder.
Prints the median of ``--repeat`` runs of: ``xlperf.api.validate_file`` (safety check + read + parse +
every rule), a bare python-calamine read of every sheet, and their ratio.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def workbook(projects: int) -> Path:
    from benchmarks.unitgen import render, unit_spec

    path = Path(tempfile.gettempdir()) / f"xlperf-bench-validate-{projects}.xlsx"
    if not path.exists():
        _, values, n = unit_spec(0, seed=1, projects=projects)
        path.write_bytes(render(n, values))
    return path


def bare_read(path: Path) -> int:
    from python_calamine import CalamineWorkbook

    cells = 0
    with CalamineWorkbook.from_path(str(path)) as wb:
        for name in wb.sheet_names:
            cells += sum(len(r) for r in wb.get_sheet_by_name(name).to_python(skip_empty_area=False))
    return cells


def _median(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--projects", type=int, default=50)
    ap.add_argument("--repeat", type=int, default=7)
    a = ap.parse_args(argv)
    from xlperf import api

    path = workbook(a.projects)
    v = api.validate_file(path)  # warm up: imports, caches
    cells = bare_read(path)
    t_validate = _median(lambda: api.validate_file(path), a.repeat)
    t_bare = _median(lambda: bare_read(path), a.repeat)
    print(
        f"validate benchmark: {path.name}, {len(v.projects)} projects, {cells:,} cells, "
        f"{len(v.findings)} findings (median of {a.repeat})"
    )
    print(f"  bare python-calamine read   {t_bare * 1000:8.1f} ms")
    print(f"  xlperf validate             {t_validate * 1000:8.1f} ms   ratio {t_validate / t_bare:.2f}x")


if __name__ == "__main__":
    main()
