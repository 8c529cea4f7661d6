"""LibreOffice headless: PDF output (reports) and recalculating formulas (tests).

Each call gets its own user profile, so parallel runs (pytest -n, two CLI runs at once) and a
LibreOffice the user has open never fight over LibreOffice's profile lock, which otherwise makes a
second call exit silently with no output. The result is produced in a temporary folder and then moved
into place, so a failed conversion never leaves half a file.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from xlperf.errors import OutputError

_SOFFICE_PLACES = (
    r"C:\Program Files\LibreOffice\program\soffice.exe",
    r"C:\Program Files (x86)\LibreOffice\program\soffice.exe",
    "/Applications/LibreOffice.app/Contents/MacOS/soffice",
)


def find_soffice() -> str | None:
    """The LibreOffice command line, or None when LibreOffice is not installed."""
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    return next((p for p in _SOFFICE_PLACES if os.path.isfile(p)), None)


def convert(src: str | Path, fmt: str, outdir: str | Path, timeout: float = 180) -> Path:
    """Convert ``src`` with ``soffice --headless --convert-to fmt`` into ``outdir``; return the new file.

    ``fmt`` is what LibreOffice takes after --convert-to, e.g. "pdf", "xlsx" (which recalculates every
    formula), "docx".
    """
    exe = find_soffice()
    if exe is None:
        raise OutputError(
            "未找到 LibreOffice（soffice），无法转换；请安装 LibreOffice，或在 Word/WPS/Excel 中另存"
        )
    src, outdir = Path(src), Path(outdir)
    suffix = fmt.split(":")[0]
    with tempfile.TemporaryDirectory(prefix="xlperf-lo-") as tmp:
        cmd = [exe, f"-env:UserInstallation={Path(tmp, 'profile').as_uri()}", "--headless", "--norestore",
               "--convert-to", fmt, "--outdir", tmp, str(src)]  # fmt: skip
        try:
            done = subprocess.run(cmd, capture_output=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired as exc:
            raise OutputError(f"LibreOffice 转换超时（{int(timeout)} 秒）：{src.name}") from exc
        except OSError as exc:
            raise OutputError(f"无法启动 LibreOffice：{exc.strerror or exc}") from exc
        produced = Path(tmp, f"{src.stem}.{suffix}")
        if done.returncode != 0 or not produced.is_file():
            why = (done.stderr or done.stdout).decode("utf-8", "replace").strip().splitlines()
            raise OutputError(f"LibreOffice 未能转换 {src.name}：{why[-1] if why else '原因不明'}")
        outdir.mkdir(parents=True, exist_ok=True)
        target = outdir / produced.name
        try:
            shutil.move(str(produced), str(target))
        except PermissionError as exc:
            raise OutputError(f"无法写入 {target}：文件可能正在打开，请关闭后重试") from exc
    return target
