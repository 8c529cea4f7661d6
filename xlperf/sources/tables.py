"""Plain tables a reviewer keeps beside the units' files: the roster of units that must report (名单)
and the approved performance targets (绩效目标), as grids. An .xlsx/.xlsm passes the safety gate like
every workbook; a .csv is read as UTF-8 (with or without BOM) or, failing that, as GB18030 (Excel's
"CSV" on Chinese Windows). Parsing the grids is the core's or the consolidation's, not this module's.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from xlperf.core.grid import Grid
from xlperf.core.names import shown_name
from xlperf.errors import ReadError

TABLE_SUFFIXES = (".xlsx", ".xlsm", ".csv")
MAX_CSV_BYTES = 64 * 1024 * 1024  # a roster or targets export is far smaller; more is not one


def read_table(path: str | Path, what: str) -> list[Grid]:
    """Every sheet of an .xlsx (or the one table of a .csv) as grids. ``what`` names the file in the
    Chinese reason raised (:class:`ReadError`) when it cannot be read: "名单", "批复目标"."""
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix not in TABLE_SUFFIXES:
        raise ReadError(
            f"{what}文件应为 .xlsx 或 .csv：{shown_name(p.name)}（.xls 请在 Excel/WPS 中另存为 .xlsx）"
        )
    if not p.is_file():
        raise ReadError(f"找不到{what}文件：{shown_name(p)}")
    if suffix == ".csv":
        return [Grid(p.stem, _csv_rows(p, what))]
    from xlperf.sources import read_grids

    try:
        return read_grids(p)
    except ReadError as exc:
        raise ReadError(f"无法读取{what}文件 {shown_name(p.name)}：{exc}") from exc


def _csv_rows(p: Path, what: str) -> list[list[object]]:
    try:
        size = p.stat().st_size
        if size > MAX_CSV_BYTES:
            raise ReadError(
                f"{what}文件过大（{size // (1024 * 1024)} MB），不像是{what}：{shown_name(p.name)}"
            )
        data = p.read_bytes()
    except OSError as exc:
        raise ReadError(f"无法读取{what}文件 {shown_name(p.name)}（{exc.strerror or exc}）") from exc
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes any byte string
        raise ReadError(f"{what}文件的编码无法识别：{shown_name(p.name)}（请另存为 UTF-8 或 .xlsx）")
    try:
        sample = text[:4096]
        dialect = csv.Sniffer().sniff(sample, delimiters=",\t;，") if sample.strip() else csv.excel
    except csv.Error:
        dialect = csv.excel
    try:
        rows = [list(r) for r in csv.reader(io.StringIO(text, newline=""), dialect)]
    except csv.Error as exc:
        raise ReadError(f"{what}文件不是有效的 csv：{shown_name(p.name)}（{exc}）") from exc
    return [[c if c.strip() else None for c in r] for r in rows]
