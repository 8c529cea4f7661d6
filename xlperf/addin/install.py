"""Install the add-in where Excel opens it at start-up (XLSTART), configured for this Python."""

from __future__ import annotations

import os
import sys
import types
from pathlib import Path

from xlperf.addin.build import ADDIN_FILE_NAME, addin_bytes
from xlperf.addin.wrappers import AddinError
from xlperf.core.names import shown_name
from xlperf.errors import OutputError
from xlperf.safe_io import atomic_write_bytes, check_writable


def xlstart_dir() -> Path:
    """Excel's per-user start-up folder on Windows (``%APPDATA%\\Microsoft\\Excel\\XLSTART``)."""
    appdata = os.environ.get("APPDATA")
    if sys.platform != "win32" or not appdata:
        raise AddinError(
            "只有在 Windows 上才能自动找到 Excel 的启动文件夹（XLSTART）；请用 --dest 指定目标文件夹。"
        )
    return Path(appdata) / "Microsoft" / "Excel" / "XLSTART"


def install_addin(
    dest: str | Path | None = None,
    *,
    interpreter: str | None = None,
    udf_module: types.ModuleType | str | None = None,
) -> Path:
    """Build the add-in with this interpreter in its config sheet and put it in ``dest``.

    Args:
        dest: the folder to install into; default Excel's XLSTART folder (Windows only).
        interpreter: the python.exe Excel should run; default ``sys.executable``.
        udf_module: as for :func:`xlperf.addin.build_addin`.

    Returns:
        The installed file (``dest/xlperf.xlam``), replaced in one step if it existed.

    Raises:
        AddinError: no ``dest`` off Windows, or the file is in use (Excel has it open).
    """
    folder = Path(dest) if dest is not None else xlstart_dir()
    target = folder / ADDIN_FILE_NAME
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise AddinError(f"无法创建文件夹 {shown_name(folder)}：{exc.strerror or exc}。") from exc
    # before the build: a folder that cannot be written is said at once, and as what it is (the write's
    # own failure would add "close Excel", which is not the cause here)
    try:
        check_writable(folder)
    except OutputError as exc:
        where = (
            "" if dest is not None else "；这是 Excel 的启动文件夹（XLSTART），也可用 --dest 安装到其他文件夹"
        )
        raise AddinError(f"{exc}{where}") from exc
    data = addin_bytes(udf_module, interpreter=interpreter or sys.executable)
    try:
        atomic_write_bytes(target, data)
    except OutputError as exc:
        raise AddinError(f"{exc}；如 Excel 正在运行，请先关闭 Excel 再安装。") from exc
    return target
