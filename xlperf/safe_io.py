"""Never harm the user's data: atomic output, refusing to overwrite inputs, text that stays text."""

from __future__ import annotations

import os
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
    ``inputs`` and, unless ``overwrite``, over an existing file.
    """
    out = Path(path)
    target = out.resolve()
    for i in inputs:
        if Path(i).resolve() == target:
            raise OutputError(f"输出文件不能与输入文件相同：{out}")
    if out.exists() and not overwrite:
        raise OutputError(f"输出文件已存在：{out}（如需覆盖请加 --force）")
    if not out.parent.exists():
        raise OutputError(f"输出文件夹不存在：{out.parent}")
    fd, tmp = tempfile.mkstemp(prefix=".~xlperf-", suffix=out.suffix, dir=out.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return out


def set_text(cell, value: object) -> None:
    """Write a value into an openpyxl cell so that text starting with = + - @ stays text.

    openpyxl turns any string starting with "=" into a formula; a unit's "=执行数/预算数" typed as a
    note must not become one (nor must "-" or "@" text be taken for a formula by Excel).
    """
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        cell.value = value
        cell.data_type = "s"
        cell.quotePrefix = True
    else:
        cell.value = value
