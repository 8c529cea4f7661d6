"""Step 2 of a consolidation: read and validate each file into plain records, in a process pool when
there are many. A file that cannot be read becomes a 无法读取 record with a Chinese reason; a worker
that dies takes only its own file with it."""

from __future__ import annotations

import contextlib
import gc
import os
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from xlperf.consolidate.collect import _size, sha256_of
from xlperf.consolidate.records import (
    DEFAULT_GRADES,
    STATUS_OK,
    STATUS_SKIPPED,
    STATUS_UNREADABLE,
    SUMMARY_KIND,
    FileResult,
    ProgressFn,
    project_records,
)
from xlperf.core import labels as L
from xlperf.core.engine import validate
from xlperf.core.names import shown_name, shown_text
from xlperf.core.targets import ApprovedTargets
from xlperf.errors import ReadError
from xlperf.layouts import shipped
from xlperf.presets import Preset
from xlperf.safe_io import resolved

POOL_MIN_FILES = 8  # fewer files than this: read in-process (a pool costs more than it saves)


def read_unit_file(
    path: str | Path,
    display: str = "",
    preset: str | Path | Preset | None = None,
    engine: str = "calamine",
    targets: ApprovedTargets | None = None,
) -> FileResult:
    """Read, parse and validate one unit's workbook into a :class:`FileResult` (with ``targets``, its
    indicators against the approved ones too: XP022). Never raises for a bad file: the reason goes into
    the record (status 无法读取)."""
    from xlperf.api import resolve_preset
    from xlperf.core.model import DOCUMENT_SOURCE
    from xlperf.core.parser import NO_FORM, no_projects_reason, parse_meta, parse_workbook
    from xlperf.sources import is_word, read_grids

    p = Path(path)
    base = FileResult(
        str(resolved(p)),
        display or shown_name(path),
        STATUS_UNREADABLE,
        size=_size(p),
        sha256=sha256_of(p),
        mtime=_mtime(p),
    )
    try:
        grids = read_grids(p, engine, skip=(L.SUMMARY_SHEET, L.RESULT_SHEET))  # derived sheets
        meta = parse_meta(next((g for g in grids if g.name == L.META_SHEET), None))
        if meta.get("kind") == SUMMARY_KIND:
            return replace(
                base,
                status=STATUS_SKIPPED,
                reason="xlperf 生成的汇总表，不是单位报送的工作簿",
                is_summary=True,
            )
        wb = parse_workbook(str(p), grids, DOCUMENT_SOURCE if is_word(p) else None, layouts=shipped())
        if not wb.projects and wb.is_document:
            # a cover letter or an attachment beside the report: listed, not a failure to read
            return replace(base, status=STATUS_SKIPPED, reason=no_projects_reason(wb))
        if not wb.projects:
            reason = no_projects_reason(wb)
            if reason == NO_FORM or wb.is_document:
                raise ReadError(reason)
            # only blank 自评表 (XP019): a template sent back unfilled is not a unit of the summary
            return replace(
                base,
                status=STATUS_SKIPPED,
                reason=f"{reason}（空白模板），未计入汇总",
                unit=wb.unit.name.strip(),
                department=wb.unit.department.strip(),
                year=wb.unit.year,
                blank=True,
            )
        pre = resolve_preset(wb, preset)
        v = validate(wb, pre, targets=targets)
    except ReadError as exc:
        return replace(base, reason=shown_text(str(exc)))  # (a reason may name the file's path)
    except MemoryError:
        return replace(base, reason="文件过大，内存不足，无法读取")
    except Exception as exc:  # noqa: BLE001 - one bad file must never stop a consolidation
        return replace(base, reason=f"文件内容异常，无法读取（{type(exc).__name__}）")
    grades = tuple(g.name for g in sorted(pre.grades, key=lambda g: -g.min)) or DEFAULT_GRADES
    return replace(
        base,
        status=STATUS_OK,
        unit=wb.unit.name.strip(),
        unit_code=wb.unit.code,
        department=wb.unit.department.strip(),
        year=wb.unit.year,
        preset=pre.title,
        weights=tuple((k, float(w)) for k, w in sorted(pre.weights.items())),
        grades=grades,
        projects=project_records(v),
        findings=tuple(v.findings),
    )


def _mtime(p: Path) -> float:
    try:
        return p.stat().st_mtime
    except OSError:
        return 0.0


_TARGETS: ApprovedTargets | None = None  # a worker's approved targets (set once by _worker_init)


def _read_star(args: tuple) -> FileResult:
    return read_unit_file(*args, targets=_TARGETS)


def default_jobs() -> int:
    return max(1, min(os.cpu_count() or 1, 4))


# Reading a workbook allocates tens of thousands of small objects (cells, values, findings), none in
# reference cycles; at Python's default thresholds the cyclic collector then runs hundreds of times
# per file for nothing (measured: 8 % of the time). Collect far less often while reading.
_GC_THRESHOLD = (50_000, 20, 20)


# Each file's read allocates about a megabyte in large blocks (the inflated parts, the checked copy) and
# frees it again. glibc's defaults give it back to the system after every file (heap above 128 KB trimmed,
# blocks over 128 KB mapped and unmapped), so the next file faults the same pages in again: 50 page
# faults a file, measured as 0.3 ms of system time a file on the 1000-unit benchmark. A worker keeps up
# to this much freed heap for the next file instead (its peak memory does not change).
HEAP_KEEP = 8 << 20
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # glibc's mallopt parameters


def keep_heap(size: int = HEAP_KEEP) -> bool:
    """Where the C library is glibc's (Linux), keep up to ``size`` bytes of freed heap instead of
    returning it to the system after each file; True when set. Elsewhere (Windows, musl) nothing."""
    import sys

    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes

        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError, ImportError):
        return False
    return bool(mallopt(_M_TRIM_THRESHOLD, size)) and bool(mallopt(_M_MMAP_THRESHOLD, size))


def _worker_init(budget=None, targets: ApprovedTargets | None = None) -> None:
    """A worker's start: fewer collections, freed heap kept for the next file, the run's LibreOffice
    budget, and the approved targets sent once, not with every file."""
    global _TARGETS
    _TARGETS = targets
    gc.set_threshold(*_GC_THRESHOLD)
    keep_heap()
    from xlperf import libreoffice

    libreoffice.use_budget(budget)  # the run's one budget of LibreOffice time, shared by the workers


@contextlib.contextmanager
def _few_collections():
    old = gc.get_threshold()
    gc.set_threshold(*_GC_THRESHOLD)
    try:
        yield
    finally:
        gc.set_threshold(*old)


def read_files(
    items: Sequence[tuple[Path, str]],
    preset: str | Path | Preset | None = None,
    jobs: int | None = None,
    progress: ProgressFn | None = None,
    engine: str = "calamine",
    targets: ApprovedTargets | None = None,
) -> list[FileResult]:
    """:func:`read_unit_file` over every item, in input order; a process pool when ``jobs`` > 1 and
    there are enough files. A worker that dies takes only its own file with it."""
    from xlperf import libreoffice

    jobs = default_jobs() if jobs is None else max(1, jobs)
    tasks = [(str(p), d, preset, engine) for p, d in items]
    total = len(tasks)
    pool = jobs > 1 and total >= POOL_MIN_FILES
    budget = libreoffice.Budget(shared=pool)  # every .doc/.wps/pasted web page of the run converts within it
    out: list[FileResult] = []

    def done(r: FileResult) -> None:
        out.append(r)
        if progress is not None:
            progress(len(out), total, r.display)

    if not pool:
        with _few_collections(), libreoffice.budget(budget):
            for t in tasks:
                done(read_unit_file(*t, targets=targets))
        return out

    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    # a few files a task: a task's round trip costs a fraction of a millisecond, while the last tasks
    # decide when the run ends (one worker idles while the other finishes its last chunk)
    chunk = max(1, min(4, total // (jobs * 8)))
    try:
        # (this process too: unpickling the workers' results, it collected hundreds of times for nothing)
        with (
            _few_collections(),
            ProcessPoolExecutor(
                max_workers=jobs, initializer=_worker_init, initargs=(budget, targets)
            ) as pool,
        ):
            for r in pool.map(_read_star, tasks, chunksize=chunk):
                done(r)
    except BrokenProcessPool:
        # a file crashed its worker (or the machine ran out of memory): retry the rest one by one, each
        # in its own process, so only the culprit is lost
        for t in tasks[len(out) :]:
            try:
                with ProcessPoolExecutor(
                    max_workers=1, initializer=_worker_init, initargs=(budget, targets)
                ) as solo:
                    done(solo.submit(_read_star, t).result())
            except BrokenProcessPool:
                done(
                    FileResult(
                        str(resolved(t[0])),
                        t[1],
                        STATUS_UNREADABLE,
                        "读取该文件时程序异常退出",
                        _size(Path(t[0])),
                        sha256_of(t[0]),
                    )
                )
    return out
