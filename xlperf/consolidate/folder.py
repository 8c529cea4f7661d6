"""The reviewer's files in the folder being consolidated, found by their fixed Chinese names.

A bureau keeps its desk beside the units' files: a file named ``报送名单`` (.xlsx or .csv) in the folder
is the roster (名单: 报送情况 lists who has not submitted), ``批复目标`` the approved targets (XP022), and
``汇总台账.sqlite`` the ledger that remembers submissions across runs; it is created beside a roster the
folder holds, so the second consolidation knows a resubmission from a first submission. The ribbon's
汇总多个单位 (Excel and WPS) and ``xlperf consolidate 文件夹`` find them the same way
(:func:`find_folder_files`), and no file of these names is ever read as a unit's file
(:func:`desk_file_reason`: 文件清单 says what each was used for).

Only the folder's first level counts (a unit's subfolder is the unit's); a file of such a name deeper
down, or a second one (报送名单.xlsx and 报送名单.csv), is never guessed between: the latter is refused
with a Chinese reason before any file is read.
"""

from __future__ import annotations

import os
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from xlperf.core.names import shown_name
from xlperf.errors import ReadError

ROSTER_STEM = "报送名单"
TARGETS_STEM = "批复目标"
LEDGER_NAME = "汇总台账.sqlite"
# a roster or targets file saved in any of these is the desk's (an .xls or .et gets read_table's reason
# to save it as .xlsx, rather than being read as a unit's workbook)
TABLE_LIKE = (".xlsx", ".xlsm", ".csv", ".xls", ".xlsb", ".et", ".ods", ".txt")
LEDGER_COMPANIONS = ("-wal", "-shm", "-journal")  # SQLite's own files beside the ledger

KIND_ROSTER, KIND_TARGETS, KIND_LEDGER = "roster", "targets", "ledger"
WHAT = {KIND_ROSTER: "报送名单", KIND_TARGETS: "批复目标", KIND_LEDGER: "汇总台账"}
USED_FOR = {
    KIND_ROSTER: "报送名单：本次汇总据此列出“报送情况”（未报送、已报送、已重报的单位）",
    KIND_TARGETS: "批复目标：本次汇总据此核对各项目的指标值（XP022）",
    KIND_LEDGER: "汇总台账：记录每次汇总见到的文件，据此区分首次报送和重报",
}


def _plain(name: str) -> str:
    return unicodedata.normalize("NFKC", name).strip().replace(" ", "")


def desk_kind(name: str) -> str | None:
    """The desk file a file name is (roster, targets, ledger), or None for any other file."""
    plain = _plain(name)
    low = plain.lower()
    if low == LEDGER_NAME or any(low == LEDGER_NAME + c for c in LEDGER_COMPANIONS):
        return KIND_LEDGER
    stem, dot, suffix = plain.rpartition(".")
    if not dot or f".{suffix.lower()}" not in TABLE_LIKE:
        return None
    return {ROSTER_STEM: KIND_ROSTER, TARGETS_STEM: KIND_TARGETS}.get(stem)


def named_like_desk(name: str) -> str | None:
    """The desk file a file's name resembles without being it (报送名单（1）.xlsx as a browser saves a second
    download, 2024年报送名单.xlsx, 批复目标 - 副本.csv), or None. Such a file is never used as the desk's
    (nothing is guessed) nor read as a unit's file: 文件清单 tells to rename it."""
    if desk_kind(name) is not None:
        return None
    stem, dot, suffix = _plain(name).rpartition(".")
    if not dot or f".{suffix.lower()}" not in TABLE_LIKE:
        return None
    return next((k for k, s in ((KIND_ROSTER, ROSTER_STEM), (KIND_TARGETS, TARGETS_STEM)) if s in stem), None)


@dataclass(frozen=True)
class FolderFiles:
    """The desk files found in the folders consolidated (None: that kind is not there)."""

    roster: Path | None = None
    targets: Path | None = None
    ledger: Path | None = None  # the one there, or the one to create beside the roster

    @property
    def ledger_new(self) -> bool:
        return self.ledger is not None and not self.ledger.exists()

    def present(self) -> list[Path]:
        """The files found that exist (a ledger to be created is not yet there)."""
        return [p for p in (self.roster, self.targets, self.ledger) if p is not None and p.exists()]

    def __bool__(self) -> bool:
        return any((self.roster, self.targets, self.ledger))


def find_folder_files(folders: Iterable[str | Path]) -> FolderFiles:
    """The roster, targets and ledger on the first level of ``folders``. Raises :class:`ReadError` (in
    Chinese, before any file is read) when one kind is there twice (报送名单.xlsx and 报送名单.csv, or
    in two of the folders)."""
    found: dict[str, list[Path]] = {KIND_ROSTER: [], KIND_TARGETS: [], KIND_LEDGER: []}
    for folder in folders:
        folder = Path(folder)
        try:
            with os.scandir(folder) as it:
                names = sorted(e.name for e in it if _is_file(e))
        except OSError:
            continue  # a folder that cannot be listed: collect lists it with its reason
        for name in names:
            kind = desk_kind(name)
            if kind is not None and (kind != KIND_LEDGER or _plain(name).lower() == LEDGER_NAME):
                found[kind].append(folder / name)
    for kind, paths in found.items():
        if len(paths) > 1:
            shown = "、".join(shown_name(p) for p in paths)
            raise ReadError(
                f"所汇总的文件夹中有 {len(paths)} 份{WHAT[kind]}：{shown}，不知该用哪一份。请只保留一份"
                f"（其余的改名或移出文件夹）后再汇总。"
            )
    roster = found[KIND_ROSTER][0] if found[KIND_ROSTER] else None
    ledger = found[KIND_LEDGER][0] if found[KIND_LEDGER] else None
    if ledger is None and roster is not None:
        ledger = roster.with_name(LEDGER_NAME)
    return FolderFiles(roster, found[KIND_TARGETS][0] if found[KIND_TARGETS] else None, ledger)


def _is_file(entry: os.DirEntry) -> bool:
    try:
        return entry.is_file()
    except OSError:
        return False


def desk_file_reason(path: Path, used: Iterable[Path] = ()) -> str | None:
    """Why a file of a desk file's name is not read as a unit's file (文件清单's reason), or None for any
    other file. ``used``: the desk files this run uses."""
    kind = desk_kind(path.name)
    if kind is None:
        like = named_like_desk(path.name)
        if like is None:
            return None
        head = f"文件名像是{WHAT[like]}，本次未使用，也不作为单位材料"
        chosen = next((p for p in used if desk_kind(p.name) == like), None)
        if chosen is not None:
            return f"{head}（本次使用的{WHAT[like]}是“{shown_name(chosen.name)}”）"
        suffix = path.suffix.lower() if path.suffix.lower() in (".xlsx", ".csv") else ".xlsx"
        return f"{head}；要使用这一份，请改名为“{WHAT[like]}{suffix}”后再汇总"
    if _identity(path) in {_identity(p) for p in used}:
        return USED_FOR[kind] + "，不是单位的报送材料"
    return (
        f"文件名表明是{WHAT[kind]}，不是单位的报送材料；本次未使用（只使用所汇总文件夹第一层中名为"
        f"“{_shown_names(kind)}”的文件，或命令行中指定的文件）"
    )


def is_ledger_companion(path: Path, used: Iterable[Path] = ()) -> bool:
    """SQLite's own file beside a ledger this run uses (``-wal``, ``-shm``: there while the ledger is
    open), part of the ledger rather than a file of the folder."""
    name = path.name.lower()
    for companion in LEDGER_COMPANIONS:
        if name.endswith(companion):
            base = _identity(path.with_name(path.name[: -len(companion)]))
            return any(_identity(p) == base for p in used)
    return False


def _shown_names(kind: str) -> str:
    return {KIND_ROSTER: "报送名单.xlsx/.csv", KIND_TARGETS: "批复目标.xlsx/.csv"}.get(kind, LEDGER_NAME)


def _identity(p: Path) -> str:
    try:
        return os.path.normcase(str(Path(p).resolve()))
    except (OSError, RuntimeError):
        return os.path.normcase(str(Path(p).absolute()))
