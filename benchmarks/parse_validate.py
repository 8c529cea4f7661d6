"""Benchmark: the parser and the rules in one process, per file of the generated units, against reading
the same files' grids (the baseline, measured in the same run); and a digest of what they found.

    python benchmarks/parse_validate.py --files 300 [--repeat 3]
    python benchmarks/parse_validate.py --files 1000 --digest a.txt [--fuzz 40 --fuzz-files 150]

Times are CPU (``time.process_time``), best of ``--repeat`` rounds over the same grids (each round on
fresh copies of them: nothing kept on a grid carries over; what the parser keeps across sheets does, as
in a consolidation's worker). ``--digest FILE`` writes one line per file: a hash of the parsed workbook
and of its validation (its projects' computed values and its findings), for the generated units, every
workbook and report of the repository's tests and samples, and ``--fuzz`` perturbed variants of each (rows
inserted, deleted and swapped, a column inserted, cells retyped with the form's own words, blanked,
swapped, formula cells flagged). Run it in two checkouts and diff the files: a change that must not
change results shows none.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# what a user types that the form's labels could match, and values
WORDS = ["100%", "≥95%", "≤5%", "达成", "部分达成", 3.5, 0, -2, 10, 100, "约两万", "/", "合计", "总分", "预算数", "执行数",
         "到位数", "其中：财政资金", "其他资金", "见校验", "(=执行数/预算数*100%)", "一级指标", "二级指标", "三级指标",
         "产出指标（40分）", "效益指标", "满意度指标", "预算执行率", "320.5万元", "12000人", "全年预算数", "年初预算数", "分值",
         "自评得分", "实际完成值", "预期指标值", "偏差原因分析及改进措施", "评价结论", "项目名称", "指标性质", "度量单位", "%",
         "万元", "正向", "反向", "定性", "2020年度", None, None, "  ", "#DIV/0!", True, "预算执行进度", "年度资金总额",
         "指标值", "得分"]  # fmt: skip


def _fresh(grids):
    """Copies of grids as their reader made them: nothing the parser kept on them."""
    from xlperf.core.grid import Grid

    return [Grid(g.name, [list(r) for r in g.rows], g.hidden, g.formulas, g.kind, g.locations, g.conclusion)
            for g in grids]  # fmt: skip


def measure(files: list[Path], repeat: int) -> None:
    from xlperf.api import resolve_preset
    from xlperf.core import labels as L
    from xlperf.core.engine import validate
    from xlperf.core.parser import parse_workbook
    from xlperf.layouts import shipped
    from xlperf.sources import read_grids

    gc.set_threshold(50000, 20, 20)
    t = time.process_time()
    grids = [(f, read_grids(f, skip=(L.SUMMARY_SHEET, L.RESULT_SHEET))) for f in files]
    read = (time.process_time() - t) / len(files) * 1000
    best_p = best_v = float("inf")
    for _ in range(repeat):
        copies = [(f, _fresh(g)) for f, g in grids]
        tp = tv = 0.0
        for f, g in copies:
            a = time.process_time()
            wb = parse_workbook(str(f), g, None, layouts=shipped())
            b = time.process_time()
            validate(wb, resolve_preset(wb, None))
            tp, tv = tp + b - a, tv + time.process_time() - b
        best_p, best_v = min(best_p, tp / len(files) * 1000), min(best_v, tv / len(files) * 1000)
    print(f"{len(files)} generated units, CPU per file, best of {repeat}:")
    print(f"  read the grids (baseline)  {read:6.2f} ms")
    print(f"  parse_workbook             {best_p:6.2f} ms  {best_p / read:.2f}x the read")
    print(f"  validate                   {best_v:6.2f} ms  {best_v / read:.2f}x the read")


def _perturb(rng: random.Random, g):
    from xlperf.core.grid import Grid

    rows = [list(r) for r in g.rows]
    formulas = set(g.formulas)
    for _ in range(rng.randint(1, 4)):
        h, w = len(rows), max(map(len, rows), default=0)
        if not h or not w:
            break
        op, r, c = rng.randrange(8), rng.randrange(h), rng.randrange(w)
        if op == 0:
            rows.insert(r, [None] * w)
            formulas = {(x + (x >= r), y) for x, y in formulas}
        elif op == 1:
            for row in rows:
                row.insert(c, None)
            formulas = {(x, y + (y >= c)) for x, y in formulas}
        elif op == 2 and h > 1:
            del rows[r]
            formulas = {(x - (x > r), y) for x, y in formulas if x != r}
        elif op == 3 and c < len(rows[r]):
            rows[r][c] = rng.choice(WORDS)
        elif op == 4:
            texts = [(x, y) for x, row in enumerate(rows) for y, v in enumerate(row) if isinstance(v, str)]
            if len(texts) > 1:
                (a, b), (x, y) = rng.sample(texts, 2)
                rows[a][b], rows[x][y] = rows[x][y], rows[a][b]
        elif op == 5 and h > 1:
            r2 = rng.randrange(h)
            rows[r], rows[r2] = rows[r2], rows[r]
            formulas = {((r2 if x == r else r if x == r2 else x), y) for x, y in formulas}
        elif op == 6 and c < len(rows[r]) and isinstance(rows[r][c], str) and len(rows[r][c]) < 12:
            rows[r][c] += rng.choice(["（万元）", "(分)", "：", " ", "*", "合计", "%"])
        else:
            formulas ^= {(r, c)}
    return Grid(g.name, rows, g.hidden, frozenset(formulas), g.kind, g.locations, g.conclusion)


def _digest(name: str, grids, source) -> str:
    from xlperf import presets
    from xlperf.api import resolve_preset
    from xlperf.core.engine import validate
    from xlperf.core.parser import parse_workbook
    from xlperf.layouts import shipped

    try:
        wb = parse_workbook(name, grids, source, layouts=shipped())
        parts = [repr(wb), repr([p.locations for p in wb.projects])]
        for preset in [resolve_preset(wb, None), *(presets.load(n) for n in presets.available())]:
            v = validate(wb, preset)
            parts += [repr(v.projects), repr(v.findings)]
        text = "\n".join(parts)
    except Exception as exc:  # noqa: BLE001 - a file that fails is a result too
        text = f"raises {type(exc).__name__}: {exc}"
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:24]


def digest(units: list[Path], out: Path, fuzz: int, fuzz_files: int) -> None:
    from xlperf.core import labels as L
    from xlperf.core.model import DOCUMENT_SOURCE
    from xlperf.sources import is_word, read_grids

    kinds = (".xlsx", ".xlsm", ".docx", ".csv")
    own = sorted(p for d in ("tests", "workbooks") for p in (ROOT / d).rglob("*") if p.suffix in kinds)
    lines = []
    for i, f in enumerate([*own, *units]):
        mine = i < len(own)
        name = f.relative_to(ROOT).as_posix() if mine else f.name
        try:
            grids = read_grids(f, skip=() if mine else (L.SUMMARY_SHEET, L.RESULT_SHEET))
        except Exception as exc:  # noqa: BLE001
            lines.append(f"{name}\tunreadable {type(exc).__name__}")
            continue
        source = DOCUMENT_SOURCE if is_word(f) else None
        lines.append(f"{name}\t{_digest(name, _fresh(grids), source)}")
        for k in range(fuzz if mine or i - len(own) < fuzz_files else 0):
            rng = random.Random(f"{name}:{k}")
            lines.append(f"{name}#{k}\t{_digest(name, [_perturb(rng, g) for g in grids], source)}")
    out.write_text("\n".join(lines) + "\n", "utf-8")
    print(f"{len(lines)} digests ({len(own)} files of the repository, {len(units)} units) -> {out}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--files", type=int, default=300)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--folder", type=Path, help="units to read (default: the generated units, cached)")
    ap.add_argument("--digest", type=Path, help="write the digests of the results here instead of timing")
    ap.add_argument("--fuzz", type=int, default=0, help="perturbed variants of each file (with --digest)")
    ap.add_argument("--fuzz-files", type=int, default=150, help="units that get variants (with --fuzz)")
    args = ap.parse_args()
    if args.digest and os.environ.get("PYTHONHASHSEED") != "0":
        # a set's repr follows its strings' hashes: one seed makes two runs comparable
        os.execve(sys.executable, [sys.executable, *sys.argv], {**os.environ, "PYTHONHASHSEED": "0"})
    from benchmarks.consolidate import units_folder

    folder = args.folder or units_folder(args.files)
    files = sorted(folder.glob("*.xlsx"))[: args.files]
    if args.digest:
        digest(files, args.digest, args.fuzz, args.fuzz_files)
    else:
        measure(files, args.repeat)


if __name__ == "__main__":
    main()
