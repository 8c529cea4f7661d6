"""Never harm the user's data: atomic outputs (one file, or a folder of files as one set), refusing
to overwrite inputs, names that fit the file system, text that stays text.

Temporaries are named ``.~xlperf-…`` beside their target: a run killed mid-write leaves one, which the
next write into that folder removes once it is :data:`STALE_SECONDS` old, and which a consolidation
lists as a temporary and never reads as an input.
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from xlperf.core.names import shown_name
from xlperf.errors import OutputError

FORMULA_PREFIXES = ("=", "+", "-", "@")
TEMP_PREFIX = ".~xlperf-"
STALE_SECONDS = 600  # a temporary untouched this long belongs to a run that was killed
MAX_NUMBERED = 10_000  # （2）…（10000）: names tried for a pair of outputs


def resolved(path: str | Path) -> Path:
    """The absolute, link-free path where it can be had (a link loop or a missing folder: absolute)."""
    p = Path(path)
    try:
        return p.resolve()
    except (OSError, RuntimeError):  # a link loop (RuntimeError before Python 3.13)
        return p.absolute()


def _check_target(out: Path, inputs: Iterable[str | Path], overwrite: bool) -> Path:
    target = resolved(out)
    for i in inputs:
        if resolved(i) == target:
            raise OutputError(f"输出文件不能与输入文件相同：{shown_name(out)}")
    if out.exists() and not overwrite:
        raise OutputError(f"输出文件已存在：{shown_name(out)}（如需覆盖请加 --force）")
    folder = out.parent if str(out.parent) else Path(".")
    if not folder.is_dir():
        raise OutputError(f"输出文件夹不存在：{shown_name(folder)}")
    return folder


def check_output(
    path: str | Path,
    *,
    folder: bool = False,
    inputs: Iterable[str | Path] = (),
    overwrite: bool = True,
    keep: str = "",
) -> Path:
    """Refuse, before any work, an output that cannot be made — every command that writes calls this
    before it reads its inputs, so a user learns at once, not after minutes of reading: the folder it
    goes in missing or not writable (:func:`check_writable`), a folder where a file goes (or with
    ``folder``, a file where a folder of files goes), one of ``inputs``, an existing output unless
    ``overwrite``. Returns the path the output will have: a name too long for the file system
    shortened as the writers shorten it (:func:`fit_name`, ``keep`` the end kept)."""
    out = Path(path)
    parent = out.parent if str(out.parent) else Path(".")
    if not parent.is_dir():
        raise OutputError(f"输出文件夹不存在：{shown_name(parent)}")
    out = out.with_name(fit_name(parent, out.name, keep))  # (before asking the system about it)
    _check_target(out, inputs, overwrite)
    if folder and out.exists() and not out.is_dir():
        raise OutputError(f"输出应为文件夹，这是一个文件：{shown_name(out)}")
    if not folder and out.is_dir():
        raise OutputError(f"输出应为文件，这是一个文件夹：{shown_name(out)}")
    check_writable(parent)  # (a file, or a folder of files, is made beside its place and moved in)
    return out


def check_writable(folder: str | Path) -> None:
    """Refuse, before any work, a folder a file cannot be written in (no permission, a read-only disk,
    a full one): a temporary file is made there and removed, as the real write will do (the mode
    bits alone do not tell: ACLs, network shares, read-only mounts)."""
    import tempfile

    try:
        fd, tmp = tempfile.mkstemp(prefix=TEMP_PREFIX, dir=folder)
    except OSError as exc:
        raise OutputError(
            f"无法在输出文件夹中写入文件：{shown_name(folder)}（{_why(exc)}），请换一个文件夹"
        ) from exc
    os.close(fd)
    with contextlib.suppress(OSError):
        os.unlink(tmp)


def atomic_write(
    path: str | Path,
    write: Callable[[Path], None],
    *,
    inputs: Iterable[str | Path] = (),
    overwrite: bool = True,
) -> Path:
    """Call ``write(tmp)`` on a temporary file beside ``path``, then move it into place.

    A crash leaves the old file (or nothing), never half a workbook. Refuses to write over any of
    ``inputs`` and, unless ``overwrite``, over an existing file. The new file gets the permissions an
    ordinary new file would (mkstemp's are owner-only), or those of the file it replaces. OS errors
    become an :class:`OutputError` with a Chinese reason (on Windows, a file open in Excel or Word
    cannot be replaced).
    """
    import tempfile  # (tempfile and shutil stay off the import bill of commands that only read)

    out = Path(path)
    folder = _check_target(out, inputs, overwrite)
    clean_stale_temporaries(folder)
    try:
        fd, tmp = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=out.suffix, dir=folder)
    except OSError as exc:
        raise OutputError(f"无法在文件夹中写入文件：{shown_name(folder)}（{_why(exc)}）") from exc
    os.close(fd)
    try:
        write(Path(tmp))
        os.chmod(tmp, out.stat().st_mode & 0o777 if out.exists() else 0o666 & ~_umask())
        os.replace(tmp, out)
    except PermissionError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise OutputError(
            f"无法写入文件：{shown_name(out)}（文件可能正在 Excel/Word 中打开，请关闭后重试）"
        ) from exc
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise OutputError(f"无法写入文件：{shown_name(out)}（{_why(exc)}）") from exc
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return out


def atomic_folder(
    path: str | Path,
    write: Callable[[Path], None],
    names: Iterable[str],
    *,
    inputs: Iterable[str | Path] = (),
    overwrite: bool = True,
) -> Path:
    """Write a set of files as one: ``write(tmp)`` fills a temporary folder beside ``path``, which then
    takes the place of ``path`` in one step, so readers see the old set or the new one, never a mix
    (on Linux an atomic exchange; elsewhere two renames, the old set kept until the new one is in).

    ``names`` are the files the set holds: an existing ``path`` may hold only those (a folder holding
    anything else, an input above all, is refused rather than replaced).
    """
    import shutil
    import tempfile

    out = Path(path)
    if out.exists() and not out.is_dir():
        raise OutputError(f"csv 格式的输出应为文件夹：{shown_name(out)}")
    folder = _check_target(out, inputs, overwrite)
    target = resolved(out)
    for i in inputs:
        if target in resolved(i).parents:
            raise OutputError(f"输出文件夹中有输入文件，不能用作输出：{shown_name(out)}")
    allowed = set(names)
    if out.exists():
        try:
            others = sorted(p.name for p in out.iterdir() if p.name not in allowed)
        except OSError as exc:
            raise OutputError(f"无法读取输出文件夹：{shown_name(out)}（{_why(exc)}）") from exc
        if others:
            shown = "、".join(map(shown_name, others[:3])) + ("等" if len(others) > 3 else "")
            raise OutputError(
                f"输出文件夹中已有其他文件（{shown}），请指定一个新的或空的文件夹：{shown_name(out)}"
            )
    clean_stale_temporaries(folder)
    try:
        tmp = Path(tempfile.mkdtemp(prefix=TEMP_PREFIX, dir=folder))
    except OSError as exc:
        raise OutputError(f"无法在文件夹中写入文件：{shown_name(folder)}（{_why(exc)}）") from exc
    try:
        write(tmp)
        os.chmod(tmp, 0o777 & ~_umask())
        for f in tmp.iterdir():
            os.chmod(f, 0o666 & ~_umask())
        if not out.exists():
            os.rename(tmp, out)
        elif _exchange(tmp, out):
            shutil.rmtree(tmp, ignore_errors=True)  # tmp now holds the old set
        else:
            old = Path(tempfile.mkdtemp(prefix=TEMP_PREFIX, dir=folder))
            os.rmdir(old)
            os.rename(out, old)
            try:
                os.rename(tmp, out)
            except OSError:
                os.rename(old, out)  # put the old set back
                raise
            shutil.rmtree(old, ignore_errors=True)
    except PermissionError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise OutputError(
            f"无法写入文件夹：{shown_name(out)}（其中的文件可能正在 Excel 中打开，请关闭后重试）"
        ) from exc
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise OutputError(f"无法写入文件夹：{shown_name(out)}（{_why(exc)}）") from exc
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one step (Linux renameat2 RENAME_EXCHANGE); False where that is not possible."""
    if not sys.platform.startswith("linux"):
        return False
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    fn.argtypes = (ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint)
    return fn(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0


def clean_stale_temporaries(folder: str | Path, max_age: float = STALE_SECONDS) -> list[Path]:
    """Remove xlperf's temporaries in ``folder`` left by killed runs (untouched for ``max_age`` s).
    Best effort: whatever cannot be removed stays (and is never read as an input)."""
    import shutil

    removed = []
    now = time.time()
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for e in entries:
        if not e.name.startswith(TEMP_PREFIX):
            continue
        try:
            if now - e.stat(follow_symlinks=False).st_mtime < max_age:
                continue
            if e.is_dir(follow_symlinks=False):
                shutil.rmtree(e.path)
            else:
                os.unlink(e.path)
            removed.append(Path(e.path))
        except OSError:
            continue
    return removed


def fit_name(folder: str | Path, name: str, keep: str = "") -> str:
    """``name``, shortened with "…" so that it fits the file system's limit on one name (255 bytes on
    Linux, 255 characters on Windows): the part before ``keep`` (default: the suffix) is cut."""
    limit = 255
    with contextlib.suppress(OSError, ValueError, AttributeError):  # no pathconf on Windows
        limit = os.pathconf(folder, "PC_NAME_MAX")

    def size(text: str) -> int:
        return len(text) if sys.platform == "win32" else len(os.fsencode(text))

    if size(name) <= limit:
        return name
    tail = keep if keep and name.endswith(keep) else Path(name).suffix
    head = name[: len(name) - len(tail)]
    while head and size(f"{head}…{tail}") > limit:
        head = head[:-1]
    return f"{head}…{tail}"


def _why(exc: OSError) -> str:
    """An OS error in Chinese where it is a common one, else the system's own words."""
    import errno

    zh = {
        errno.ENOSPC: "磁盘空间不足",
        errno.EACCES: "没有写入权限",
        errno.EPERM: "没有写入权限",
        errno.EROFS: "磁盘为只读",
        errno.ENAMETOOLONG: "文件名过长",
        errno.ENOENT: "文件夹不存在",
        errno.EDQUOT: "超出磁盘配额",
    }
    return zh.get(exc.errno or -1, exc.strerror or str(exc))


def unique_path(path: str | Path) -> Path:
    """``path``, or ``name（2）.ext``, ``name（3）.ext``… when it exists: for outputs made by a button,
    which must neither fail nor replace what the user edited."""
    p = Path(path)
    n = 2
    while p.exists():
        p = Path(path).with_name(f"{Path(path).stem}（{n}）{Path(path).suffix}")
        n += 1
    return p


def _numbered(path: Path, n: int, keep: str = "") -> Path:
    """``path`` (n = 1) or ``name（n）.ext``, shortened to fit the file system (:func:`fit_name`): the part
    before ``keep`` (default: the suffix) is cut, never ``keep`` nor the number."""
    suffix = path.suffix
    tail = keep if keep and keep.endswith(suffix) and path.name.endswith(keep) else suffix
    head = path.name[: len(path.name) - len(tail)]
    tail = tail[: len(tail) - len(suffix)] + ("" if n == 1 else f"（{n}）") + suffix
    parent = path.parent if str(path.parent) else Path(".")
    return path.with_name(fit_name(parent, head + tail, keep=tail))


def _claim(p: Path) -> bool:
    """Create ``p`` empty if no file has its name (True), or leave it (False). The mode is what the
    kernel makes of 0666 under the umask, as for any new file."""
    try:
        os.close(os.open(p, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
        return True
    except FileExistsError:
        return False
    except OSError as exc:
        raise OutputError(f"无法在文件夹中写入文件：{shown_name(p.parent)}（{_why(exc)}）") from exc


def claim_new_path(path: str | Path, keep: str = "") -> Path:
    """:func:`unique_path`, claimed: the name is taken at once (an empty file made only if none exists), so
    two writers at the same moment never choose the same name, and none chooses a file the user has. Names
    too long for the file system are shortened before ``keep`` (:func:`fit_name`). Write the output over
    the claim (:func:`atomic_write`); :func:`release_claim` if the write fails."""
    p, n = Path(path), 1
    while not _claim(candidate := _numbered(p, n, keep)):
        n += 1
    return candidate


def claim_new_pair(path: str | Path, companion: Callable[[Path], Path], keep: str = "") -> tuple[Path, Path]:
    """:func:`claim_new_path` for an output and a companion named after it (a report and its review
    notes): the first name whose companion's name is free as well, both claimed."""
    p, n = Path(path), 1
    while True:
        if n > MAX_NUMBERED:  # (a companion whose name does not follow the output's)
            raise OutputError(f"无法在文件夹中找到可用的文件名：{shown_name(p)}")
        first = _numbered(p, n, keep)
        if _claim(first):
            try:
                second = companion(first)
                if _claim(second):
                    return first, second
            except BaseException:
                release_claim(first)
                raise
            release_claim(first)
        n += 1


def release_claim(path: str | Path) -> None:
    """Remove a claim of :func:`claim_new_path` that was never written (still empty)."""
    with contextlib.suppress(OSError):
        if os.stat(path).st_size == 0:
            os.unlink(path)


def atomic_write_bytes(path: str | Path, content: bytes, **kw) -> Path:
    """:func:`atomic_write` for content already in memory."""
    return atomic_write(path, lambda tmp: tmp.write_bytes(content), **kw)


def _proc_umask() -> int | None:
    """The process's umask as Linux tells it (/proc/self/status), without changing it; None elsewhere."""
    with (
        contextlib.suppress(OSError, ValueError, IndexError),
        open("/proc/self/status", encoding="ascii") as f,
    ):
        for line in f:
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    return None


def _set_and_restore_umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


# Elsewhere the umask can only be read by setting it and putting it back: done once, here, at import
# (doing it for each file let another thread's new file be made in between under a umask of 0, which
# anyone could then write).
_UMASK_LIVE = _proc_umask() is not None
_UMASK_AT_IMPORT = _proc_umask() if _UMASK_LIVE else _set_and_restore_umask()


def _umask() -> int:
    """The umask new files get: as it is now on Linux, as it was at import elsewhere."""
    mask = _proc_umask() if _UMASK_LIVE else None
    return _UMASK_AT_IMPORT if mask is None else mask


# characters XML 1.0 cannot hold (Excel stores them as _x0007_; users paste them from other systems)
_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def clean_text(text: str) -> str:
    """Text that any XML writer (openpyxl, python-docx, XlsxWriter) accepts: control characters
    dropped, so one odd cell never stops a report or a marked copy."""
    return _ILLEGAL_XML.sub("", text)


def set_text(cell, value: object) -> None:
    """Write a value into an openpyxl cell so that text starting with = + - @ stays text.

    openpyxl turns any string starting with "=" into a formula; a unit's "=执行数/预算数" typed as a
    note must not become one (nor must "-" or "@" text be taken for a formula by Excel).
    """
    if isinstance(value, str):
        value = clean_text(value)
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        cell.value = value
        cell.data_type = "s"
        cell.quotePrefix = True
    else:
        cell.value = value
