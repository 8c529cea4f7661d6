"""Step 1 of a consolidation: every file under the paths given, sorted into a workbook to read or a
file skipped with a reason. Nothing is dropped without a line in 文件清单."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from pathlib import Path

from xlperf.consolidate.records import STATUS_SKIPPED, STATUS_UNREADABLE, FileResult

EXCEL_SUFFIXES = (".xlsx", ".xlsm")
OTHER_EXCEL_SUFFIXES = (".xls", ".xlsb", ".et", ".ods", ".csv", ".wps")


def skip_reason(name: str) -> str | None:
    """Why a file found in a folder is not a unit's workbook, or None when it should be read."""
    low = name.lower()
    if name.startswith("~$"):
        return "Excel 打开文件时生成的临时锁定文件（~$ 开头），不是报送文件"
    if name.startswith(".~lock.") or name.endswith("#"):
        return "WPS/LibreOffice 的临时锁定文件，不是报送文件"
    if name.startswith(".~xlperf-"):
        return "xlperf 写出文件时的临时文件"
    if name.startswith("._") or name in (".DS_Store", "Thumbs.db", "desktop.ini"):
        return "操作系统生成的附属文件"
    if low.endswith((".tmp", ".bak", ".wbk")) or name.startswith("~"):
        return "临时文件或备份文件"
    if low.endswith(EXCEL_SUFFIXES):
        return None
    if low.endswith(OTHER_EXCEL_SUFFIXES):
        return "不是 .xlsx/.xlsm 格式，请用 Excel 另存为 .xlsx 后重新报送"
    return "不是 Excel 工作簿（.xlsx/.xlsm）"


def collect(paths: Iterable[str | Path]) -> list[tuple[Path, str, FileResult | None]]:
    """Every file under ``paths``, in a stable order, as (path, display name, None) when it is to be read
    or (path, display name, a 已跳过/无法读取 record) when it is not.

    Folders are walked recursively (hidden folders such as ``.git`` excepted), sorted by path. The same
    file reached twice by its path is listed once.
    """
    out: list[tuple[Path, str, FileResult | None]] = []
    seen: set[Path] = set()

    def add(p: Path, display: str) -> None:
        key = p.resolve()
        if key in seen:
            return
        seen.add(key)
        reason = skip_reason(p.name)
        out.append(
            (
                p,
                display,
                None if reason is None else FileResult(str(key), display, STATUS_SKIPPED, reason, _size(p)),
            )
        )

    for raw in paths:
        root = Path(raw)
        if root.is_dir():
            found = []
            for folder, dirs, files in os.walk(root):
                dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d != "__MACOSX")
                found.extend(Path(folder) / f for f in files)
            for p in sorted(found, key=lambda x: str(x.relative_to(root))):
                add(p, str(Path(root.resolve().name) / p.relative_to(root)))
        elif root.exists():
            add(root, str(raw))
        else:
            key = root.resolve()
            if key not in seen:
                seen.add(key)
                out.append(
                    (root, str(raw), FileResult(str(key), str(raw), STATUS_UNREADABLE, f"文件不存在：{raw}"))
                )
    return out


def _size(p: Path) -> int:
    try:
        return p.stat().st_size
    except OSError:
        return 0


def sha256_of(path: str | Path) -> str:
    try:
        with open(path, "rb") as f:
            return hashlib.file_digest(f, "sha256").hexdigest()
    except OSError:
        return ""
