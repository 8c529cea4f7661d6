"""Consolidation (汇总): many units' workbooks into one summary, fast, complete, never losing a row.

Three steps, the middle one pure:

1. :func:`collect` walks the paths given (files and folders, recursively) and sorts every file found
   into a workbook to read or a file skipped with a reason (Excel lock files ``~$…``, temp files,
   other formats). Nothing is dropped without a line in 文件清单.
2. :func:`read_unit_file` reads and validates one workbook into plain, picklable records
   (:class:`FileResult`); :func:`consolidate_paths` runs it over every file, in a process pool when
   there are many. A file that cannot be read becomes a 无法读取 record with a Chinese reason.
3. :func:`consolidate` (pure, no I/O) flags duplicates (the same file twice by SHA-256; the same
   unit + project in two places) and builds the five tables of the summary: 项目明细, 单位汇总,
   等级分布, 问题清单, 文件清单, as :class:`Table` objects (plain rows; ``to_frame()`` for pandas).

The package shows the steps: :mod:`.records` (the plain records), :mod:`.collect`, :mod:`.read`,
:mod:`.tables` (pure). Writing is :func:`xlperf.writers.summary.write_summary` (xlsx, csv folder or
json), which imports the tables; nothing here imports the writers.

For the Excel ribbon (choose a folder, consolidate, open the result)::

    from xlperf.consolidate import consolidate_paths
    from xlperf.writers.summary import write_summary
    c = consolidate_paths([folder], progress=lambda done, total, name: ...)
    if c.ok:
        write_summary(c, folder_out / "绩效自评汇总.xlsx")

Scores: the totals of :data:`xlperf.core.evaluate.TOTALS` under the same names; averages, highest,
lowest and the grade distribution use the 核定总分 (复核总分 = Σ 自评得分, capped by the execution rate
where the preset has caps), so a unit's own arithmetic error cannot move the summary.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from pathlib import Path

from xlperf import __version__
from xlperf.consolidate.collect import EXCEL_SUFFIXES, OTHER_EXCEL_SUFFIXES, collect, sha256_of, skip_reason
from xlperf.consolidate.folder import WHAT, FolderFiles, desk_kind, find_folder_files
from xlperf.consolidate.ledger import Ledger, LedgerError
from xlperf.consolidate.read import default_jobs, read_files, read_unit_file
from xlperf.consolidate.records import (
    CONSOLIDATION_RULES,
    STATUS_OK,
    STATUS_SKIPPED,
    STATUS_UNREADABLE,
    SUMMARY_KIND,
    FileResult,
    ProgressFn,
    ProjectRecord,
    project_records,
)
from xlperf.consolidate.roster import Roster, roster_from_grids
from xlperf.consolidate.tables import (
    DETAIL_COLUMNS,
    DETAIL_NAME,
    FILES_NAME,
    FINDINGS_NAME,
    GRADES_NAME,
    UNITS_NAME,
    Column,
    Consolidation,
    Stats,
    Table,
    consolidate,
    mark_duplicates,
    project_rows,
)
from xlperf.core.names import shown_name
from xlperf.core.targets import ApprovedTargets
from xlperf.presets import Preset

__all__ = [
    "CONSOLIDATION_RULES", "DETAIL_COLUMNS", "DETAIL_NAME", "EXCEL_SUFFIXES", "FILES_NAME", "FINDINGS_NAME",
    "GRADES_NAME", "OTHER_EXCEL_SUFFIXES", "STATUS_OK", "STATUS_SKIPPED", "STATUS_UNREADABLE", "SUMMARY_KIND",
    "UNITS_NAME", "Column", "Consolidation", "FileResult", "ProgressFn", "ProjectRecord", "Stats", "Table",
    "collect", "consolidate", "consolidate_paths", "default_jobs", "mark_duplicates", "project_records",
    "project_rows", "read_files", "read_unit_file", "sha256_of", "skip_reason",
    "ApprovedTargets", "FolderFiles", "Ledger", "LedgerError", "Roster", "find_folder_files", "read_roster",
]  # fmt: skip


def consolidate_paths(
    paths: Iterable[str | Path],
    preset: str | Path | Preset | None = None,
    jobs: int | None = None,
    progress: ProgressFn | None = None,
    engine: str = "calamine",
    issuer: str = "",
    *,
    roster: str | Path | Roster | None = None,
    ledger: str | Path | Ledger | None = None,
    targets: str | Path | ApprovedTargets | None = None,
    now: str | None = None,
    folder_files: bool | FolderFiles = True,
    shown_under: str | Path | None = None,
    decisions: str | Path | None = None,
) -> Consolidation:
    """Consolidate every unit workbook under ``paths`` (files or folders, searched recursively).

    Args:
        paths: files and folders; ``.xlsx``/``.xlsm`` are read, everything else is listed as skipped.
        preset: a preset name, TOML path or :class:`Preset` for every workbook; None: each workbook's
            own (its template marker or 单位信息), else ``national``.
        jobs: worker processes; None = min(cpu, 4); 1 = in this process.
        progress: called as ``progress(done, total, file_display)`` after each file.
        engine: "calamine" (fast, default) or "openpyxl".
        issuer: the body consolidating (e.g. 长安区财政局), named in the summary's titles.
        roster: the units that must report (名单: .xlsx or .csv, or a read :class:`Roster`): the summary
            starts with 报送情况.
        ledger: the ledger (台账, an SQLite file; created when missing) that remembers every file across
            runs: this run is recorded in one transaction, and 报送情况 knows resubmissions.
        targets: the approved targets (批复的绩效目标: .xlsx or .csv, or read): XP022 on every project.
        now: this run's time as "YYYY-MM-DD HH:MM:SS" (default: the clock).
        folder_files: the reviewer's files beside the units' (:mod:`.folder`): True: found on the first
            level of the folders in ``paths`` (报送名单 -> ``roster``, 批复目标 -> ``targets``, 汇总台账.sqlite
            -> ``ledger``, created beside such a roster), each used where its argument is not given; a
            :class:`FolderFiles`: these (found by the caller); False: none. Files of those names are
            never read as units' files; what was used is the first of ``.notes``, and a roster's
            发文单位 is the ``issuer`` when none is given.
        shown_under: the folder the files in ``paths`` were found in (the ribbon lists them itself):
            they are shown from its name, as a walk of the folder shows them.
        decisions: an earlier summary the reviewer worked in: its 问题清单's 处理 and 审核意见 are
            carried to the same findings of this one (same unit, project, place, rule, 应为 and 实为).

    Returns:
        A :class:`Consolidation`; ``.ok`` is False when no workbook could be read. Never raises for a
        bad input file. Raises :class:`xlperf.errors.XlperfError` subclasses with a Chinese reason for an
        unknown preset, a roster or targets file that cannot be read, and a ledger that cannot be used
        (:class:`~xlperf.consolidate.ledger.LedgerError`: checked before any file is read).
    """
    start = time.perf_counter()
    started = now or time.strftime("%Y-%m-%d %H:%M:%S")
    pre: Preset | None = None
    if preset is not None:
        from xlperf import presets

        pre = preset if isinstance(preset, Preset) else presets.load(preset)
    paths = list(paths)
    decided = read_decisions(decisions) if decisions is not None else None  # before any work
    if folder_files is True:
        folder_files = find_folder_files(p for p in paths if Path(p).is_dir())
    found = folder_files or FolderFiles()
    use = FolderFiles(
        found.roster if roster is None else None,
        found.targets if targets is None else None,
        found.ledger if ledger is None and found.ledger is not None and (
            found.ledger.exists() or (roster is None and found.roster is not None)) else None,
    )  # fmt: skip
    ledger_note = ""
    if use.ledger_new and not os.access(use.ledger.parent, os.W_OK):
        ledger_note = f"文件夹 {shown_name(use.ledger.parent)} 不能写入，未建立汇总台账（本次不区分重报）"
        use = replace(use, ledger=None)
    roster = _from_folder(read_roster, use.roster) if use.roster else roster
    if roster is not None and not isinstance(roster, Roster):
        roster = read_roster(roster)
    if use.targets:
        from xlperf.api import read_targets

        targets = _from_folder(read_targets, use.targets)
    if targets is not None and not isinstance(targets, ApprovedTargets):
        from xlperf.api import read_targets

        targets = read_targets(targets)
    new_ledger = use.ledger_new
    ledger = _from_folder(Ledger.open, use.ledger) if use.ledger else ledger
    if ledger is not None and not isinstance(ledger, Ledger):
        ledger = Ledger.open(ledger)
    issuer_note = ""
    if not issuer.strip() and roster is not None and roster.issuer:
        issuer = roster.issuer
        issuer_note = f"各表标题中的汇总单位“{issuer}”取自报送名单中的“发文单位”"
    desk_used = [f for f in (use.roster, use.targets, use.ledger) if f is not None]
    entries = collect(paths, desk=desk_used, under=shown_under)
    results = iter(
        read_files([(p, d) for p, d, skip in entries if skip is None], pre, jobs, progress, engine, targets)
    )
    files = [skip if skip is not None else next(results) for _, _, skip in entries]
    history = None
    if ledger is not None:
        checked = f"xlperf {__version__}；{pre.title if pre else '各工作簿的评分方案'}" + (
            f"；批复目标 {targets.source}" if targets is not None else ""
        )
        history = ledger.record(
            files,
            [str(p) for p in paths],
            checked,
            started=started,
            now=now,
            units=[e.key for e in roster.entries] if roster is not None else (),
        )
    c = consolidate(
        files,
        pre.title if pre else "",
        time.perf_counter() - start,
        issuer,
        roster=roster,
        history=history,
        decisions=decided,
    )
    if use:
        c.folder_files = use
        c.notes.append(folder_line(use, new_ledger))
    c.notes.extend(x for x in (ledger_note, issuer_note) if x)
    if decided is not None:
        c.notes.append(
            f"沿用 {shown_name(Path(decisions).name)} 中的处理和审核意见：{c.carried} 条问题未变，已带入"
            f"（该表中有处理或审核意见的共 {len(decided)} 条）"
        )
    if targets is not None:
        from xlperf.api import targets_line

        c.notes.append(targets_line(targets))
        missing = uncovered_units(files, targets)
        if missing:
            shown = "、".join(missing[:5]) + ("……" if len(missing) > 5 else "")
            c.notes.append(f"批复目标中没有 {len(missing)} 个单位的项目，未核对其指标值：{shown}")
    return c


def read_decisions(path: str | Path) -> dict:
    """The reviewer's 处理 and 审核意见 of an earlier summary, by finding; :class:`ReadError` with a
    Chinese reason when it is not a summary xlperf wrote or cannot be read."""
    from xlperf.consolidate.review import NotASummary, decisions_of, review_from_grids
    from xlperf.errors import ReadError
    from xlperf.sources import read_grids

    p = Path(path)
    if not p.is_file():
        raise ReadError(f"找不到上次的汇总表：{shown_name(p)}")
    try:
        return decisions_of(review_from_grids(read_grids(p), shown_name(p.name)))
    except NotASummary as exc:
        raise ReadError(str(exc)) from exc


def _from_folder(read: Callable, path: Path):
    """``read(path)`` for a file found in the folder by its name: a reason that says which file it is and
    that moving it out of the folder does without it."""
    from xlperf.errors import XlperfError

    try:
        return read(path)
    except XlperfError as exc:
        kind = WHAT[desk_kind(path.name) or ""]
        raise type(exc)(
            f"所汇总文件夹中的{kind}“{shown_name(path.name)}”无法使用，未汇总：{str(exc).rstrip('。')}。"
            f"请改正后再汇总；如本次不用{kind}，把它移出该文件夹即可。"
        ) from exc


def folder_line(use: FolderFiles, new_ledger: bool) -> str:
    """What of the folder's reviewer files a run used, in one line (the terminal, JSON, the ribbons)."""
    parts = [
        shown_name(p.name) + ("（本次新建）" if p == use.ledger and new_ledger else "")
        for p in (use.roster, use.targets, use.ledger)
        if p is not None
    ]
    return "已使用所汇总文件夹中的：" + "、".join(parts)


def uncovered_units(files: Sequence[FileResult], targets: ApprovedTargets) -> list[str]:
    """The units read none of whose projects the targets file holds (their XP022 is not checked), once
    each, in the order of the files."""
    from xlperf.core.model import UnitInfo
    from xlperf.core.names import name_key, shown_text

    seen: dict[str, str] = {}
    for f in files:
        if f.status != STATUS_OK or not f.projects or not f.unit:
            continue
        if not targets.checks_any(UnitInfo(name=f.unit, code=f.unit_code), [p.name for p in f.projects]):
            seen.setdefault(name_key(f.unit), shown_text(f.unit))
    return list(seen.values())


def read_roster(path: str | Path) -> Roster:
    """Read a roster file (.xlsx or .csv); :class:`xlperf.errors.ReadError` with a Chinese reason when it
    cannot be read or has no 单位名称 column."""
    from xlperf.core.names import shown_name
    from xlperf.errors import ReadError
    from xlperf.sources.tables import read_table

    p = Path(path)
    grids = read_table(p, "名单")
    try:
        return roster_from_grids(grids, shown_name(p.name), csv=p.suffix.lower() == ".csv")
    except ValueError as exc:
        raise ReadError(str(exc)) from exc
