"""LibreOffice headless, for PDF output and for recalculating formulas in tests.

Each call gets its own user profile, so parallel runs (pytest -n, two CLI runs at once) never fight
over LibreOffice's profile lock, which otherwise makes the second call exit silently with no output.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from xlperf.errors import OutputError


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def convert(src: str | Path, fmt: str, outdir: str | Path, timeout: int = 180) -> Path:
    """Convert ``src`` with ``soffice --headless --convert-to fmt`` into ``outdir``; return the new file.

    ``fmt`` is what LibreOffice takes after --convert-to, e.g. "pdf", "xlsx", "docx".
    """
    exe = soffice()
    if exe is None:
        raise OutputError(
            "未安装 LibreOffice（soffice），无法转换为 PDF；请安装 LibreOffice 或在 Word 中另存为 PDF"
        )
    src, outdir = Path(src), Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="xlperf-lo-") as profile:
        cmd = [
            exe,
            f"-env:UserInstallation={Path(profile).as_uri()}",
            "--headless",
            "--norestore",
            "--convert-to",
            fmt,
            "--outdir",
            str(outdir),
            str(src),
        ]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired as exc:
            raise OutputError(f"LibreOffice 转换超时（{timeout} 秒）：{src.name}") from exc
    out = outdir / f"{src.stem}.{fmt.split(':')[0]}"
    if proc.returncode != 0 or not out.exists():
        raise OutputError(f"LibreOffice 转换失败：{src.name}（{(proc.stderr or proc.stdout).strip()[:200]}）")
    return out
