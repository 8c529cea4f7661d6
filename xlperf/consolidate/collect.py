"""Step 1 of a consolidation: every path under the inputs, sorted into a workbook to read or an entry
skipped with a reason. Nothing is dropped without a line in 文件清单.

Folders are walked recursively, following links to folders (a unit's folder may be a link to where it
was received); a link back to a folder being walked (a loop) or to one already walked is listed once
and not entered again. Hidden and system folders (``.git``, ``__MACOSX``), folders that cannot be
opened, broken links and special files are each listed with why they were not read. The same file
reached by two paths is read once and the second path listed as such.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from xlperf.consolidate.folder import desk_file_reason, is_ledger_companion
from xlperf.consolidate.records import STATUS_SKIPPED, STATUS_UNREADABLE, FileResult
from xlperf.core.names import shown_name, shown_text
from xlperf.safe_io import TEMP_PREFIX  # xlperf's own temporaries: never inputs
from xlperf.sources.gate import OTHER_EXCEL_SUFFIXES, XLSX_SUFFIXES, suffix_reason

EXCEL_SUFFIXES = XLSX_SUFFIXES


__all__ = ["EXCEL_SUFFIXES", "OTHER_EXCEL_SUFFIXES", "collect", "sha256_of", "skip_reason"]


def skip_reason(name: str) -> str | None:
    """Why a file found in a folder is not a unit's workbook, or None when it should be read (the
    gate's :func:`~xlperf.sources.gate.suffix_reason`: one reason for a file whichever command meets it)."""
    return suffix_reason(name)


def _folder_reason(name: str) -> str | None:
    """Why a folder found inside an input folder is not walked, or None."""
    if name.startswith(TEMP_PREFIX):
        return "xlperf 写出汇总时留下的临时文件夹（写出时程序被中断），未读取"
    if name.startswith(".") or name in ("__MACOSX", "$RECYCLE.BIN", "System Volume Information"):
        return "隐藏文件夹或系统文件夹，未读取"
    return None


@dataclass
class _Walk:
    out: list[tuple[str, Path, str, FileResult | None]]  # (sort key, path, display, skip record)
    files: dict[tuple[int, int] | Path, str]  # file identity -> display of its first path
    folders: dict[tuple[int, int], str]  # folder identity -> display, for every folder entered
    desk: tuple[Path, ...] = ()  # the reviewer's files this run uses (:mod:`.folder`)

    def add(self, key: str, p: Path, display: str, status: str = "", reason: str = "") -> None:
        """One entry; its display (and the paths in its reason) as they can be shown: a name that is
        not UTF-8 as its bytes, control characters escaped (:func:`~xlperf.safe_io.shown_name`)."""
        display = shown_name(display)
        rec = FileResult(_resolved(p), display, status, shown_text(reason), _size(p)) if status else None
        self.out.append((key, p, display, rec))


def collect(
    paths: Iterable[str | Path], desk: Iterable[Path] = (), under: str | Path | None = None
) -> list[tuple[Path, str, FileResult | None]]:
    """Every path under ``paths``, in a stable order, as (path, display name, None) when it is to be
    read or (path, display name, a 已跳过/无法读取 record) when it is not (see the module docstring).
    A file named as the reviewer's own (报送名单, 批复目标, 汇总台账: :mod:`.folder`) is never read as a
    unit's; ``desk``: those this run uses (文件清单 says what for). ``under``: a folder the files given
    were found in (the ribbon's): each is shown from that folder's name, as a walk of it shows them
    ("报送材料/长安区委编办.xlsx", not the whole path).
    """
    walk = _Walk([], {}, {}, tuple(desk))
    for n, raw in enumerate(paths):
        root = Path(raw)
        order = f"{n:06d}"
        try:
            st = root.stat()
        except FileNotFoundError:
            if root.is_symlink():
                walk.add(order, root, str(raw), STATUS_UNREADABLE, "链接指向的文件或文件夹不存在")
            else:
                walk.add(order, root, str(raw), STATUS_UNREADABLE, f"文件不存在：{shown_name(raw)}")
            continue
        except OSError as exc:
            walk.add(order, root, str(raw), STATUS_UNREADABLE, _os_reason(exc))
            continue
        if stat.S_ISDIR(st.st_mode):
            _walk_folder(walk, root, Path(root.resolve().name or str(root)), order, ())
        else:
            _add_file(walk, root, _shown_under(raw, under), order, st)
    walk.out.sort(key=lambda e: e[0])
    return [(p, d, rec) for _, p, d, rec in walk.out]


def _walk_folder(walk: _Walk, folder: Path, display: Path, order: str, ancestors: tuple) -> None:
    try:
        st = folder.stat()
        ident = (st.st_dev, st.st_ino)
    except OSError as exc:
        walk.add(order, folder, str(display), STATUS_UNREADABLE, _os_reason(exc, folder=True))
        return
    if ident in ancestors:
        walk.add(
            order, folder, str(display), STATUS_SKIPPED, "文件夹链接指向其上层文件夹（循环），未重复读取"
        )
        return
    if ident in walk.folders:
        first = walk.folders[ident]
        walk.add(
            order,
            folder,
            str(display),
            STATUS_SKIPPED,
            f"与“{shown_name(first)}”是同一个文件夹（经由链接），未重复读取",
        )
        return
    walk.folders[ident] = str(display)
    try:
        with os.scandir(folder) as it:
            entries = sorted(it, key=lambda e: e.name)
    except OSError as exc:
        walk.add(order, folder, str(display), STATUS_UNREADABLE, _os_reason(exc, folder=True))
        return
    for e in entries:
        p, d, key = Path(e.path), display / e.name, f"{order}/{e.name}"
        try:
            is_dir = e.is_dir()  # follows links
            st = e.stat() if not is_dir else None
        except OSError as exc:
            walk.add(key, p, str(d), STATUS_UNREADABLE, _os_reason(exc, link=e.is_symlink()))
            continue
        if is_dir:
            reason = _folder_reason(e.name)
            if reason:
                walk.add(key, p, str(d), STATUS_SKIPPED, reason)
            else:
                _walk_folder(walk, p, d, key, (*ancestors, ident))
        else:
            _add_file(walk, p, str(d), key, st)


def _shown_under(raw: str | Path, under: str | Path | None) -> str:
    if under is not None:
        try:
            return str(Path(Path(under).resolve().name) / Path(raw).relative_to(under))
        except (ValueError, OSError):
            pass
    return str(raw)


def _add_file(walk: _Walk, p: Path, display: str, key: str, st: os.stat_result | None) -> None:
    st = st or p.stat()
    if not stat.S_ISREG(st.st_mode):
        walk.add(key, p, display, STATUS_SKIPPED, "不是普通文件（设备、管道或套接字），未读取")
        return
    ident = (st.st_dev, st.st_ino) if st.st_ino else Path(_resolved(p))
    first = walk.files.get(ident)
    if first is not None:
        if first != display:
            walk.add(
                key,
                p,
                display,
                STATUS_SKIPPED,
                f"与“{shown_name(first)}”是同一个文件（经由链接或重复给出），未重复读取",
            )
        return
    walk.files[ident] = display
    if is_ledger_companion(p, walk.desk):
        return  # the ledger's own (SQLite's -wal/-shm while it is open), not a file of the folder
    reason = desk_file_reason(p, walk.desk) or skip_reason(p.name)
    walk.add(key, p, display, STATUS_SKIPPED if reason else "", reason or "")


def _os_reason(exc: OSError, *, folder: bool = False, link: bool = False) -> str:
    what = "文件夹" if folder else "文件"
    if isinstance(exc, PermissionError):
        return f"没有读取该{what}的权限"
    if link or getattr(exc, "errno", None) == 40:  # ELOOP
        return "链接无法打开（指向不存在的位置或指向自身）"
    return f"无法打开该{what}：{exc.strerror or exc}"


def _resolved(p: Path) -> str:
    try:
        return str(p.resolve())
    except (OSError, RuntimeError):  # a link loop (RuntimeError before Python 3.13)
        return str(p.absolute())


def _size(p: Path) -> int:
    try:
        return p.stat().st_size
    except OSError:
        return 0


def sha256_of(path: str | Path) -> str:
    import hashlib  # not on the validate path's import bill (it loads OpenSSL)

    try:
        with open(path, "rb") as f:
            return hashlib.file_digest(f, "sha256").hexdigest()
    except OSError:
        return ""
