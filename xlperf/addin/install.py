"""Install the add-in where Excel opens it at start-up (XLSTART), configured for this Python."""

from __future__ import annotations

import os
import sys
import tempfile
import types
from pathlib import Path

from xlperf.addin.build import ADDIN_FILE_NAME, addin_bytes
from xlperf.addin.wrappers import AddinError


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
    data = addin_bytes(udf_module, interpreter=interpreter or sys.executable)
    target = folder / ADDIN_FILE_NAME
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".xlperf-", suffix=".tmp", dir=folder)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.chmod(tmp, 0o644)  # mkstemp makes it owner-only
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except PermissionError as exc:
        raise AddinError(f"无法写入 {target}：文件可能正被 Excel 使用，请先关闭 Excel 再安装。") from exc
    except OSError as exc:
        raise AddinError(f"无法写入 {target}：{exc.strerror or exc}。") from exc
    return target
