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
from collections.abc import Sequence
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


def convert_many(
    srcs: Sequence[str | Path], fmt: str, outdir: str | Path, timeout: float = 600
) -> list[Path]:
    """Convert several files with one LibreOffice start (a start costs seconds; a conversion less): each
    ``src`` into ``outdir`` with the suffix of ``fmt``. Returns the new files in the order given."""
    exe = find_soffice()
    if exe is None:
        raise OutputError(
            "未找到 LibreOffice（soffice），无法转换；请安装 LibreOffice，或在 Word/WPS/Excel 中另存"
        )
    srcs = [Path(s) for s in srcs]
    if not srcs:
        return []
    outdir = Path(outdir)
    suffix = fmt.split(":")[0]
    with tempfile.TemporaryDirectory(prefix="xlperf-lo-") as tmp:
        cmd = [exe, f"-env:UserInstallation={Path(tmp, 'profile').as_uri()}", "--headless", "--norestore",
               "--convert-to", fmt, "--outdir", tmp, *map(str, srcs)]  # fmt: skip
        try:
            done = subprocess.run(cmd, capture_output=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired as exc:
            raise OutputError(f"LibreOffice 转换超时（{int(timeout)} 秒）") from exc
        except OSError as exc:
            raise OutputError(f"无法启动 LibreOffice：{exc.strerror or exc}") from exc
        out = []
        outdir.mkdir(parents=True, exist_ok=True)
        for src in srcs:
            produced = Path(tmp, f"{src.stem}.{suffix}")
            if not produced.is_file():
                why = (done.stderr or done.stdout).decode("utf-8", "replace").strip().splitlines()
                raise OutputError(f"LibreOffice 未能转换 {src.name}：{why[-1] if why else '原因不明'}")
            target = outdir / produced.name
            shutil.move(str(produced), str(target))
            out.append(target)
    return out


# the English family names the Chinese fonts are also installed under
FONT_ALIASES = {
    "仿宋_GB2312": ("FangSong_GB2312",),
    "楷体_GB2312": ("KaiTi_GB2312",),
    "方正小标宋简体": ("FZXiaoBiaoSong-B05S", "FZXiaoBiaoSong-B05"),
    "黑体": ("SimHei",),
    "宋体": ("SimSun",),
    "仿宋": ("FangSong",),
    "楷体": ("KaiTi",),
}


def installed_font_families() -> set[str] | None:
    """The font families installed where LibreOffice runs, every name fontconfig knows them by (None
    where fontconfig's ``fc-list`` is not available, as on Windows: nothing can then be said)."""
    fc = shutil.which("fc-list")
    if not fc:
        return None
    try:
        out = subprocess.run([fc, ":", "family"], capture_output=True, text=True, timeout=30, check=True)
    except (OSError, subprocess.SubprocessError):
        return None
    return {name.strip() for line in out.stdout.splitlines() for name in line.split(",") if name.strip()}


def missing_fonts(families: Sequence[str]) -> list[str] | None:
    """Which of ``families`` are not installed (LibreOffice then draws another font in their place),
    in the given order; None when it cannot be told."""
    have = installed_font_families()
    if have is None:
        return None
    return [f for f in dict.fromkeys(families) if f not in have and not set(FONT_ALIASES.get(f, ())) & have]
