"""Benchmark: 单位汇总 and 等级分布 grouped by hand (xlperf.consolidate.tables) against the same tables
grouped with pandas, on the same generated records, the results compared value by value.

    python benchmarks/grouping.py [--units 1000] [--repeat 5]

Prints, from one run: the hand-written grouping's time (inside :func:`consolidate`, the two tables
only), the pandas version's time, pandas' import time in a fresh interpreter (what a ``consolidate``
command or a ribbon click would add), and whether the two agree. Issue 13 asked to let pandas do this
grouping "where it reads better and costs little": this is the measurement behind keeping it by hand.
"""

from __future__ import annotations

import argparse
import math
import random
import statistics
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from xlperf.consolidate import STATUS_OK, FileResult, ProjectRecord  # noqa: E402
from xlperf.consolidate import tables as T  # noqa: E402
from xlperf.consolidate.records import DEFAULT_GRADES  # noqa: E402

DEPTS = ("区财政局", "区教育局", "区民政局", "")


def records(units: int, seed: int = 0) -> list[FileResult]:
    rnd = random.Random(seed)
    out = []
    for u in range(units):
        projects = []
        for i in range(rnd.randint(0, 12)):
            budget = rnd.choice([None, round(rnd.uniform(1, 500), 2)])
            executed = None if budget is None else round(budget * rnd.uniform(0.3, 1.1), 2)
            capped = rnd.choice([None, round(rnd.uniform(40, 100), 1)])
            grade = (
                None
                if capped is None
                else next(g for g, lo in zip(DEFAULT_GRADES, (90, 80, 60, 0), strict=True) if capped >= lo)
            )
            projects.append(
                ProjectRecord(f"项目{i}", f"项目{i}", budget, budget, executed, budget, None, {}, capped, capped,
                              grade, errors=rnd.choice([0, 0, 1, 3]), capped=capped)
            )  # fmt: skip
        out.append(
            FileResult(f"/in/u{u}.xlsx", f"u{u}.xlsx", STATUS_OK, unit=f"单位{u:04d}", department=rnd.choice(DEPTS),
                       year="2020", preset="全国", weights=(("output", 50.0),), grades=DEFAULT_GRADES,
                       projects=tuple(projects))
        )  # fmt: skip
    return out


def with_pandas(files: list[FileResult], grades: tuple[str, ...]) -> tuple[list[list], list[list]]:
    """The two tables' rows (without 序号), grouped with pandas."""
    import pandas as pd

    rows = [
        (T._key(T._unit_name(f)), p.budget, p.executed, p.capped, p.grade, p.errors)
        for f in files
        for p in f.projects
    ]
    df = pd.DataFrame(rows, columns=["unit", "budget", "executed", "capped", "grade", "errors"])
    units = pd.DataFrame(
        [(T._key(T._unit_name(f)), f.department, T._unit_name(f)) for f in files],
        columns=["unit", "dept", "name"],
    ).drop_duplicates("unit")
    units = units.assign(empty=units.dept.eq("")).sort_values(["empty", "dept", "name"]).set_index("unit")
    df["weighted"] = df.capped * df.budget
    df["wbudget"] = df.budget.where(df.capped.notna() & df.budget.gt(0))
    df["erred"] = df.errors.gt(0).astype(int)
    g = df.groupby("unit")
    stats = g.agg(
        n=("unit", "size"),
        budget=("budget", "sum"),
        executed=("executed", "sum"),
        mean=("capped", "mean"),
        weighted=("weighted", "sum"),
        wbudget=("wbudget", "sum"),
        high=("capped", "max"),
        low=("capped", "min"),
        errors=("erred", "sum"),
    ).reindex(units.index)
    counts = pd.crosstab(df.unit, df.grade).reindex(index=units.index, columns=list(grades), fill_value=0)
    stats[["n", "errors"]] = stats[["n", "errors"]].fillna(0).astype(int)
    stats[["budget", "executed"]] = stats[["budget", "executed"]].fillna(0.0)
    stats["rate"] = (stats.executed / stats.budget).where(stats.budget != 0)
    stats["wmean"] = (stats.weighted / stats.wbudget).where(stats.wbudget > 0)
    none = lambda v: None if isinstance(v, float) and math.isnan(v) else float(v)  # noqa: E731
    cols = ["n", "budget", "executed", "rate", "mean", "wmean", "high", "low", "errors"]
    unit_rows, grade_rows = [], []
    for dept, name, st, c in zip(units.dept, units.name, stats[cols].itertuples(index=False),
                                 counts.itertuples(index=False), strict=True):  # fmt: skip
        n, budget, executed, rate, mean, wmean, high, low, errors = st
        c = [int(x) for x in c]
        unit_rows.append([dept, name, int(n), float(budget), float(executed), none(rate), none(mean), none(wmean),
                          none(high), none(low), *c, int(errors)])  # fmt: skip
        grade_rows.append([dept, name, *c, int(n), (sum(c[:2]) / n) if n else None])
    return unit_rows, grade_rows


def by_hand(files: list[FileResult], grades: tuple[str, ...]) -> tuple[list[list], list[list]]:
    """The same rows as :func:`xlperf.consolidate.tables.consolidate` builds them (its loop, without the duplicate filter: these records have no duplicates)."""
    units: dict = {}
    for f in files:
        u = units.setdefault(
            T._key(T._unit_name(f)), {"name": T._unit_name(f), "dept": f.department, "items": []}
        )
        u["dept"] = u["dept"] or f.department
        u["items"].extend(f.projects)
    order = sorted(units.values(), key=lambda u: (u["dept"] == "", u["dept"], u["name"]))
    unit_rows, grade_rows = [], []
    for u in order:
        counted = u["items"]
        unit_rows.append([u["dept"], u["name"], *T._unit_stats(counted, grades)])
        g = Counter(p.grade or T.NO_GRADE for p in counted)
        grade_rows.append([u["dept"], u["name"], *(g[x] for x in grades), len(counted),
                           T._good_rate(g, grades, len(counted))])  # fmt: skip
    return unit_rows, grade_rows


def same(a: list[list], b: list[list]) -> bool:
    def eq(x, y) -> bool:
        if isinstance(x, float) or isinstance(y, float):
            return x is not None and y is not None and math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-9)
        return x == y

    return len(a) == len(b) and all(
        len(r) == len(s) and all(map(eq, r, s)) for r, s in zip(a, b, strict=False)
    )


def pandas_import_ms() -> float:
    code = "import time; t = time.perf_counter(); import pandas; print((time.perf_counter() - t) * 1000)"
    runs = [float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout)
            for _ in range(3)]  # fmt: skip
    return min(runs)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--units", type=int, default=1000)
    ap.add_argument("--repeat", type=int, default=5)
    a = ap.parse_args(argv)
    files = records(a.units)
    grades = DEFAULT_GRADES
    import pandas  # noqa: F401  (imported once, outside the timings; its cost is printed separately)

    hand, pd_t = [], []
    for _ in range(a.repeat):
        t = time.perf_counter()
        h = by_hand(files, grades)
        hand.append(time.perf_counter() - t)
        t = time.perf_counter()
        p = with_pandas(files, grades)
        pd_t.append(time.perf_counter() - t)
    projects = sum(len(f.projects) for f in files)
    print(f"单位汇总 + 等级分布 of {a.units} units, {projects} projects (best of {a.repeat}):")
    print(f"  by hand (xlperf.consolidate.tables):  {min(hand) * 1000:7.1f} ms")
    print(
        f"  pandas groupby/crosstab:              {min(pd_t) * 1000:7.1f} ms   {min(pd_t) / min(hand):.1f}x"
    )
    print(
        f"  import pandas (fresh interpreter):    {pandas_import_ms():7.1f} ms   (added to every consolidate)"
    )
    print(f"  the two agree: unit rows {same(h[0], p[0])}, grade rows {same(h[1], p[1])}")
    print(
        f"  (median by hand {statistics.median(hand) * 1000:.1f} ms, pandas {statistics.median(pd_t) * 1000:.1f} ms)"
    )


if __name__ == "__main__":
    main()
