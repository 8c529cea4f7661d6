"""LibreOffice headless: PDF output (reports), legacy documents to .docx (reading .doc/.wps reports and
pasted web pages), recalculating formulas (tests).

Each call gets its own user profile, so parallel runs (pytest -n, two CLI runs at once) and a
LibreOffice the user has open never fight over LibreOffice's profile lock, which otherwise makes a
second call exit silently with no output. The result is produced in a temporary folder and then moved
into place, so a failed conversion never leaves half a file.

A conversion that hangs is ended whole: ``soffice`` is a launcher that starts ``soffice.bin`` (on
Linux through oosplash), so the command runs in a process group (a job on Windows) of its own and the
whole group is ended at the timeout, never only the launcher. A run that converts many documents (a
consolidation) shares one :class:`Budget` of seconds among its conversions and its worker processes,
so a folder of documents that hang costs minutes, not hours.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

from xlperf.core.names import shown_name
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


DOCUMENT_TIMEOUT = 120.0  # seconds for one document read through LibreOffice (a report takes a few)
CONVERSION_BUDGET = 900.0  # seconds a consolidation may spend in LibreOffice, all documents together


class Budget:
    """Seconds of LibreOffice time a run may spend, shared by its worker processes (a
    ``multiprocessing.Value`` handed to each). A conversion reserves its timeout before it starts
    and gives back what it did not use, so conversions running side by side never exceed the total."""

    def __init__(self, seconds: float | None = None, per_document: float | None = None, shared: bool = False):
        self.seconds = CONVERSION_BUDGET if seconds is None else seconds
        self.per_document = DOCUMENT_TIMEOUT if per_document is None else per_document
        if shared:  # for worker processes (created before they start)
            import multiprocessing

            self.used = multiprocessing.Value("d", 0.0)
        else:
            self.used = _Used()

    def reserve(self, timeout: float) -> float:
        """The time this conversion may take (at most ``timeout``); OutputError when none is left."""
        with self.used.get_lock():
            left = self.seconds - self.used.value
            if left < MIN_CONVERSION:
                raise OutputError(
                    f"本次运行用于转换文档的时间（共 {self.seconds:g} 秒）已用完，此文件未转换（其他文档耗尽了这些时间）；"
                    "请用 Word/WPS 另存为 .docx 后重新报送，或单独运行 xlperf validate 此文件"
                )
            granted = min(timeout, left)
            self.used.value += granted
            return granted

    def give_back(self, granted: float, took: float) -> None:
        with self.used.get_lock():
            self.used.value -= max(0.0, granted - took)


class _Used:
    """The seconds used by conversions in this process alone (no lock needed)."""

    value = 0.0

    def get_lock(self) -> contextlib.AbstractContextManager:
        return contextlib.nullcontext()


MIN_CONVERSION = 1.0  # seconds: less than this left in the budget, a conversion is not started
_budget: Budget | None = None


@contextlib.contextmanager
def budget(b: Budget | None) -> Iterator[Budget | None]:
    """Every :func:`convert` in the block draws on ``b`` (None: no bound but each call's timeout)."""
    global _budget
    old, _budget = _budget, b
    try:
        yield b
    finally:
        _budget = old


def use_budget(b: Budget | None) -> None:
    """For a worker process: its conversions draw on ``b`` (the run's, passed to the worker)."""
    global _budget
    _budget = b


def document_timeout() -> float:
    """Seconds one document may take to convert for reading (the run's setting, else the default)."""
    return _budget.per_document if _budget is not None else DOCUMENT_TIMEOUT


def convert(src: str | Path, fmt: str, outdir: str | Path, timeout: float = 180) -> Path:
    """Convert ``src`` with ``soffice --headless --convert-to fmt`` into ``outdir``; return the new file.

    ``fmt`` is what LibreOffice takes after --convert-to, e.g. "pdf", "xlsx" (which recalculates every
    formula), "docx". ``timeout`` bounds this call (and the run's :class:`Budget` all of them): at the
    timeout LibreOffice's whole process group is ended.
    """
    exe = find_soffice()
    if exe is None:
        raise OutputError(
            "未找到 LibreOffice（soffice），无法转换；请安装 LibreOffice，或在 Word/WPS/Excel 中另存"
        )
    src, outdir = Path(src), Path(outdir)
    suffix = fmt.split(":")[0]
    b = _budget
    if b is not None:
        timeout = b.reserve(timeout)
    start = time.monotonic()
    try:
        with tempfile.TemporaryDirectory(prefix="xlperf-lo-") as tmp:
            cmd = [exe, f"-env:UserInstallation={Path(tmp, 'profile').as_uri()}", "--headless", "--norestore",
                   "--convert-to", fmt, "--outdir", tmp, str(src)]  # fmt: skip
            returncode, output = _run(cmd, timeout)
            produced = Path(tmp, f"{src.stem}.{suffix}")
            if returncode != 0 or not produced.is_file():
                why = output.decode("utf-8", "replace").strip().splitlines()
                raise OutputError(f"LibreOffice 未能转换 {src.name}：{why[-1] if why else '原因不明'}")
            outdir.mkdir(parents=True, exist_ok=True)
            target = outdir / produced.name
            try:
                shutil.move(str(produced), str(target))
            except PermissionError as exc:
                raise OutputError(f"无法写入 {shown_name(target)}：文件可能正在打开，请关闭后重试") from exc
    finally:
        if b is not None:
            b.give_back(timeout, time.monotonic() - start)
    return target


def convert_many(
    srcs: Sequence[str | Path], fmt: str, outdir: str | Path, timeout: float = 600
) -> list[Path]:
    """Convert several files with one LibreOffice start (a start costs seconds, a conversion less): each
    ``src`` into ``outdir`` with the suffix of ``fmt`` (the 退回意见 of a run, to PDF). Returns the new
    files in the order given; at the timeout LibreOffice's process group is ended, as in :func:`convert`."""
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
    out = []
    with tempfile.TemporaryDirectory(prefix="xlperf-lo-") as tmp:
        cmd = [exe, f"-env:UserInstallation={Path(tmp, 'profile').as_uri()}", "--headless", "--norestore",
               "--convert-to", fmt, "--outdir", tmp, *map(str, srcs)]  # fmt: skip
        _, output = _run(cmd, timeout)
        outdir.mkdir(parents=True, exist_ok=True)
        for src in srcs:
            produced = Path(tmp, f"{src.stem}.{suffix}")
            if not produced.is_file():
                why = output.decode("utf-8", "replace").strip().splitlines()
                raise OutputError(f"LibreOffice 未能转换 {src.name}：{why[-1] if why else '原因不明'}")
            target = outdir / produced.name
            shutil.move(str(produced), str(target))
            out.append(target)
    return out


def _run(cmd: list[str], timeout: float) -> tuple[int, bytes]:
    """Run LibreOffice in a process group of its own; at the timeout (or an interrupt) end the group
    whole (the launcher and soffice.bin), then say so. Returns (exit code, stderr or stdout)."""
    posix = sys.platform != "win32"
    try:
        proc = subprocess.Popen(
            cmd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=posix,
            creationflags=0 if posix else subprocess.CREATE_NEW_PROCESS_GROUP,
        )
    except OSError as exc:
        raise OutputError(f"无法启动 LibreOffice：{exc.strerror or exc}") from exc
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _end_group(proc)
        raise OutputError(f"LibreOffice 转换超时（{timeout:g} 秒），已结束该转换") from None
    except BaseException:
        _end_group(proc)
        raise
    return proc.returncode, err or out


def _end_group(proc: subprocess.Popen) -> None:
    """End every process of the conversion's group (ours alone: it was started in a session of its
    own, and the launcher, not yet reaped, still holds the group's id), then reap the launcher."""
    if sys.platform == "win32":
        subprocess.run(["taskkill", "/F", "/T", "/PID", str(proc.pid)], capture_output=True, check=False)
    else:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
    with contextlib.suppress(Exception):
        proc.kill()
    with contextlib.suppress(Exception):
        proc.communicate(timeout=10)


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
