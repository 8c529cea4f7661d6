"""Benchmark: ``xlperf validate FILE -o COPY`` against a plain ``xlperf validate FILE``, whole commands.

    python benchmarks/validate_copy.py [--projects 50 300] [--repeat 5]

Both commands run as a user runs them (a fresh ``python -m xlperf`` process each, start-up included),
interleaved in one run so that both see the same machine load; the best of ``--repeat`` runs is
compared (the least disturbed). The workbooks have the template's layout (:mod:`benchmarks.unitgen`);
the template holds at most 200 projects, so a larger workbook is the 150-project one with its project
sheets copied as further sheets (each copy a real project sheet with its own name).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

TEMPLATE_MAX = 200


def workbook(projects: int) -> Path:
    """A generated unit workbook with ``projects`` project sheets (cached in the temp folder)."""
    from benchmarks.unitgen import render, unit_spec

    path = Path(tempfile.gettempdir()) / f"xlperf-bench-copy-{projects}.xlsx"
    if path.exists():
        return path
    base = projects if projects <= TEMPLATE_MAX else (projects + 1) // 2
    _, values, n = unit_spec(0, seed=1, projects=base)
    raw = Path(tempfile.gettempdir()) / f"xlperf-bench-copy-base-{base}.xlsx"
    raw.write_bytes(render(n, values))
    if projects == base:
        raw.replace(path)
    else:
        _widen(raw, path, projects - base)
    return path


def _widen(src: Path, out: Path, extra: int) -> None:
    """Copy the first ``extra`` project sheets of ``src`` as new sheets 自评表{n+1}…"""
    import re

    from xlperf.writers import ooxml as ox
    from xlperf.writers.annotate import Book

    pkg = ox.Package.open(src)
    book = Book(pkg)
    projects = [s for s in book.sheets if s.name.startswith("自评表")]
    text = book.text
    at = ox.content_end(text, book.sheets_span)
    ids = [int(x) for x in re.findall(r'\bsheetId="(\d+)"', text)]
    added = []
    for k in range(extra):
        s = projects[k % len(projects)]
        part = pkg.new_name("xl/worksheets/sheetW{}.xml")
        content = pkg.text(s.part)
        pkg.write(part, re.sub(r' tabSelected="1"', "", content))
        pkg.add_override(part, ox.CT_WORKSHEET)
        rid = pkg.add_rel(book.part, ox.REL_WORKSHEET, part, f"rIdW{k}")
        name = f"自评表{len(projects) + k + 1}"
        added.append(
            f'<sheet xmlns:r="{ox.NS_REL}" name="{name}" sheetId="{max(ids) + k + 1}" r:id="{rid}"/>'
        )
    book.text = text[:at] + "".join(added) + text[at:]
    book.write()
    pkg.save(out)


def _time(cmd: list[str]) -> float:
    t = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, check=False)
    elapsed = time.perf_counter() - t
    if done.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(cmd)} failed ({done.returncode}): {done.stderr.decode()[-500:]}")
    return elapsed


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--projects", type=int, nargs="+", default=[50, 300])
    ap.add_argument("--repeat", type=int, default=5)
    a = ap.parse_args(argv)
    from xlperf import api

    exe = [sys.executable, "-m", "xlperf", "validate"]
    print(f"validate -o benchmark: whole commands, best of {a.repeat} interleaved runs")
    with tempfile.TemporaryDirectory(prefix="xlperf-bench-copy-") as tmp:
        for n in a.projects:
            path = workbook(n)
            v = api.validate_file(path)
            out = Path(tmp, f"copy-{n}.xlsx")
            plain, copy = [], []
            _time(exe + [str(path)])  # warm the file cache
            for _ in range(a.repeat):
                plain.append(_time(exe + [str(path)]))
                copy.append(_time(exe + [str(path), "-o", str(out), "--force"]))
            p, c = min(plain), min(copy)
            print(
                f"  {len(v.projects):4d} projects, {len(v.findings):5d} findings, {path.stat().st_size / 1e6:5.1f} MB: "
                f"validate {p:6.2f} s   validate -o {c:6.2f} s   ratio {c / p:.2f}x"
            )


if __name__ == "__main__":
    main()
