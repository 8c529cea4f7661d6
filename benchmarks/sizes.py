"""What a unit e-mails and what a reader reads: the template's workbooks, by size and read time.

    python benchmarks/sizes.py [--repeat 20] [--libreoffice]

Prints, for the workbooks the code writes now (the samples, the blank templates and a generated unit of
10 projects): the file size, the largest project sheet's XML, the formula text in it and its longest
formula, and a bare python-calamine read of every sheet (best of ``--repeat``); with ``--libreoffice``,
LibreOffice's full recalculation of each (best of 5, through tests/office.py's driver: its round trip
included). Targets (issue 19): a 4-project unit ≤ 60 KB, a project sheet's XML ≤ 40 KB.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from xml.sax.saxutils import unescape

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

_FORMULA = re.compile(rb"<f(?: [^>]*)?>([^<]*)</f>")
UNIT_KB, SHEET_KB = 60, 40


def sheet_sizes(path: Path) -> list[tuple[str, int, int, int]]:
    """(part, XML bytes, formula text bytes, longest formula in characters) of each worksheet part."""
    out = []
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/sheet"):
                xml = z.read(name)
                formulas = [unescape(f.decode("utf-8"), {"&quot;": '"'}) for f in _FORMULA.findall(xml)]
                longest = max((len(f) for f in formulas), default=0)
                out.append((name, len(xml), sum(len(f.encode()) for f in formulas), longest))
    return out


def _pad(text: str, width: int) -> str:
    from xlperf.core.a1 import display_width

    return text + " " * max(0, width - display_width(text))


def read_ms(path: Path, repeat: int) -> float:
    """Best time of a python-calamine read of every sheet, in ms."""
    import python_calamine

    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        book = python_calamine.CalamineWorkbook.from_path(str(path))
        for name in book.sheet_names:
            book.get_sheet_by_name(name).to_python()
        best = min(best, time.perf_counter() - t)
    return 1000 * best


def recalc_ms(paths: list[Path]) -> dict[Path, float]:
    """LibreOffice's full recalculation (calculateAll) of each workbook, best of 5, in ms."""
    sys.path.insert(0, str(ROOT / "tests"))
    from office import Office

    out = {}
    with Office() as lo:
        for path in paths:
            doc = lo.open(str(path))
            lo.recalc(doc)
            best = float("inf")
            for _ in range(5):
                t = time.perf_counter()
                lo.recalc(doc)
                best = min(best, time.perf_counter() - t)
            out[path] = 1000 * best
            lo.close(doc)
    return out


def workbooks(folder: Path) -> list[tuple[str, Path, int]]:
    """(what, path, projects) of the workbooks measured, written into ``folder``."""
    from benchmarks.unitgen import render, unit_spec
    from xlperf.samples import SAMPLES, write_sample, write_templates

    out = [(f"sample, {len(s.projects)} projects", write_sample(s, folder), len(s.projects)) for s in SAMPLES]
    out += [("blank template, 2 projects", p, 2) for p in write_templates(folder)]
    spec, values, n = unit_spec(0, projects=10)
    unit = folder / "generated_10.xlsx"
    unit.write_bytes(render(n, values))
    out.append(("generated unit, 10 projects", unit, n))
    # for comparison: a workbook made with the previous template (hidden helper columns P:DH)
    previous = ROOT / "tests" / "corpus" / "previous" / "three_projects_typed_every_way_shaanxi.office.xlsx"
    out.append(("previous template, 3 projects", previous, 3))
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=20)
    ap.add_argument("--libreoffice", action="store_true", help="also LibreOffice's full recalculation")
    a = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        rows = workbooks(Path(tmp))
        recalc = recalc_ms([p for _, p, _ in rows]) if a.libreoffice else {}
        print(
            f"  {'':61s} {'file KB':>8s} {'sheet XML KB':>13s} {'formulas KB':>12s} {'longest':>8s} {'read ms':>8s}"
            + (f" {'recalc ms':>10s}" if recalc else "")
        )
        for what, path, _n in rows:
            size = path.stat().st_size / 1024
            sheets = sheet_sizes(path)
            xml, ftext, longest = (
                max(s[1] for s in sheets),
                max(s[2] for s in sheets),
                max(s[3] for s in sheets),
            )
            print(
                f"  {_pad(path.name[:40], 30)} {what:30s} {size:8.1f} {xml / 1024:13.1f} {ftext / 1024:12.1f} "
                f"{longest:8d} {read_ms(path, a.repeat):8.1f}" + (f" {recalc[path]:10.1f}" if recalc else "")
            )
        unit4 = next(p for w, p, n in rows if n == 4 and w.startswith("sample"))
        size4 = unit4.stat().st_size / 1024
        largest = max(s[1] for w, p, _ in rows if not w.startswith("previous") for s in sheet_sizes(p)) / 1024
        print(
            f"4-project unit {size4:.1f} KB (<= {UNIT_KB}): {'met' if size4 <= UNIT_KB else 'NOT MET'}; "
            f"largest sheet XML {largest:.1f} KB (<= {SHEET_KB}): {'met' if largest <= SHEET_KB else 'NOT MET'}"
        )


if __name__ == "__main__":
    main()
