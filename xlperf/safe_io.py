"""Never harm the user's data: atomic output, refusing to overwrite inputs, text that stays text."""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

from xlperf.errors import OutputError

FORMULA_PREFIXES = ("=", "+", "-", "@")


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
    out = Path(path)
    target = out.resolve()
    for i in inputs:
        if Path(i).resolve() == target:
            raise OutputError(f"输出文件不能与输入文件相同：{out}")
    if out.exists() and not overwrite:
        raise OutputError(f"输出文件已存在：{out}（如需覆盖请加 --force）")
    folder = out.parent if str(out.parent) else Path(".")
    if not folder.is_dir():
        raise OutputError(f"输出文件夹不存在：{folder}")
    try:
        fd, tmp = tempfile.mkstemp(prefix=".~xlperf-", suffix=out.suffix, dir=folder)
    except OSError as exc:
        raise OutputError(f"无法在文件夹中写入文件：{folder}（{exc.strerror or exc}）") from exc
    os.close(fd)
    try:
        write(Path(tmp))
        os.chmod(tmp, out.stat().st_mode & 0o777 if out.exists() else 0o666 & ~_umask())
        os.replace(tmp, out)
    except PermissionError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise OutputError(f"无法写入文件：{out}（文件可能正在 Excel/Word 中打开，请关闭后重试）") from exc
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise OutputError(f"无法写入文件：{out}（{exc.strerror or exc}）") from exc
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return out


def unique_path(path: str | Path) -> Path:
    """``path``, or ``name（2）.ext``, ``name（3）.ext``… when it exists: for outputs made by a button,
    which must neither fail nor replace what the user edited."""
    p = Path(path)
    n = 2
    while p.exists():
        p = Path(path).with_name(f"{Path(path).stem}（{n}）{Path(path).suffix}")
        n += 1
    return p


def atomic_write_bytes(path: str | Path, content: bytes, **kw) -> Path:
    """:func:`atomic_write` for content already in memory."""
    return atomic_write(path, lambda tmp: tmp.write_bytes(content), **kw)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


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
