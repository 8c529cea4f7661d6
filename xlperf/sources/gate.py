"""The safety gate: what must not be parsed is refused, with a reason a user understands.

Every file passes :func:`check_file` before a reader sees it: empty, not a zip, an encrypted (password)
workbook, an .xls renamed to .xlsx, a zip bomb (declared and actual sizes), an XML entity declaration —
each becomes a :class:`~xlperf.errors.ReadError` with a Chinese reason, so a consolidation can list the
file and go on. It reads the zip's metadata, the prolog of each XML part, and the worksheets in full.
"""

from __future__ import annotations

import re
import struct
import zipfile
import zlib
from collections.abc import Collection
from pathlib import Path
from typing import BinaryIO

from xlperf.errors import ReadError

MAX_UNCOMPRESSED = 256 * 1024 * 1024  # a unit's form is a few hundred KB; past this it is a zip bomb
MAX_MEMBERS = 10_000  # parts in one package; a real workbook has a few dozen
MAX_RATIO = 200  # compression ratio of one member past which it is a zip bomb (when > 1 MB)
_CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def check_file(path: str | Path) -> frozenset[str]:
    """Refuse what must not be parsed, with a reason a user understands. Reads the zip's metadata, the
    prolog of each XML part, and the worksheets in full.

    Returns the worksheet parts that hold error cells (``t="e"``): python-calamine reads an error cell
    as an empty string (python-calamine issue #105), so :func:`grids_calamine` puts their texts back
    (#DIV/0! must read as XP015, not as a blank)."""
    p = Path(path)
    if not p.exists():
        raise ReadError(f"文件不存在：{p}")
    if p.is_dir():
        raise ReadError(f"这是文件夹，不是工作簿：{p}")
    size = p.stat().st_size
    if size == 0:
        raise ReadError("文件是空的（0 字节）")
    with p.open("rb") as f:
        head = f.read(8)
    if head == _CFB_MAGIC:
        if _is_encrypted_cfb(p):
            raise ReadError("工作簿设置了打开密码，请去掉密码后再报送")
        if p.suffix.lower() in (".xlsx", ".xlsm"):
            raise ReadError("文件内容不是 xlsx 格式（可能是改了扩展名的 .xls 文件），请用 Excel 另存为 .xlsx")
        return frozenset()  # a real .xls: calamine reads it
    if not zipfile.is_zipfile(p):
        raise ReadError("文件已损坏或不是 Excel 工作簿（不是有效的 xlsx 压缩包）")
    try:
        with p.open("rb") as fh, zipfile.ZipFile(fh) as z:
            infos = z.infolist()
            names = {i.filename for i in infos}
            if "[Content_Types].xml" not in names or not any(n.startswith("xl/") for n in names):
                raise ReadError("文件不是 Excel 工作簿（缺少工作簿内容）")
            total = sum(i.file_size for i in infos)
            if total > MAX_UNCOMPRESSED:
                raise ReadError(f"文件解压后过大（{total // 1024 // 1024} MB），疑似压缩炸弹，已拒绝读取")
            if len(infos) > MAX_MEMBERS:
                raise ReadError(f"压缩包内文件过多（{len(infos)} 个），疑似压缩炸弹，已拒绝读取")
            for i in infos:
                if (
                    i.file_size > 1024 * 1024
                    and i.compress_size
                    and i.file_size / i.compress_size > MAX_RATIO
                ):
                    raise ReadError("文件压缩比异常，疑似压缩炸弹，已拒绝读取")
                _check_member_size(i)
            # deflate inflates at most 1032 times: if the package could exceed the cap, check real sizes
            if sum(i.compress_size for i in infos) * 1032 > MAX_UNCOMPRESSED:
                for i in infos:
                    if i.compress_type == zipfile.ZIP_DEFLATED and _inflates_past_declared(p, i):
                        raise ReadError("压缩包数据异常（解压后大于声明大小），疑似压缩炸弹，已拒绝读取")
            errors = set()
            for i in infos:
                if _is_worksheet(i.filename):
                    data = _inflate(fh, i)
                    if _DOCTYPE.search(data[: _root_at(data)]):
                        raise ReadError("文件包含不安全的 XML 实体声明，已拒绝读取")
                    if b't="e"' in data:
                        errors.add(i.filename)
                elif i.filename.endswith((".xml", ".rels", ".vml")):
                    head = _inflate(fh, i, limit=16384)
                    root = _ROOT.search(head)
                    if root is None and len(head) < i.file_size:
                        unsafe = _has_doctype(z, i)  # a prolog longer than 16 KB: read on
                    else:
                        unsafe = bool(_DOCTYPE.search(head[: root.start() if root else len(head)]))
                    if unsafe:
                        raise ReadError("文件包含不安全的 XML 实体声明，已拒绝读取")
            return frozenset(errors)
    except zipfile.BadZipFile as exc:
        raise ReadError(f"文件已损坏（压缩包不完整）：{exc}") from exc
    except (OSError, EOFError, ValueError) as exc:  # truncated members, bad CRC
        raise ReadError(f"文件已损坏，无法读取：{exc}") from exc


_ROOT = re.compile(rb"<[A-Za-z_]")
_PROLOG_LIMIT = 1024 * 1024


def _check_member_size(info: zipfile.ZipInfo) -> None:
    """Refuse a member whose declared sizes are impossible.

    Excel writes only stored and deflated members, and deflate never grows data by more than a few
    bytes per block: compressed larger than declared is a lie (a small file that claims little and
    expands huge)."""
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise ReadError("文件使用了 Excel 不会使用的压缩方式，已拒绝读取")
    if info.compress_type == zipfile.ZIP_STORED and info.compress_size != info.file_size:
        raise ReadError("压缩包数据异常（声明大小与实际不符），已拒绝读取")
    if info.compress_size > info.file_size * 1.01 + 1024:
        raise ReadError("压缩包数据异常（声明大小与实际不符），疑似压缩炸弹，已拒绝读取")


def _inflates_past_declared(path: Path, info: zipfile.ZipInfo) -> bool:
    """Inflate a deflated member's raw data (not through zipfile, which trusts the declared size and a
    CRC the attacker also wrote) and tell whether it yields more than its declared size."""
    with path.open("rb") as f:
        f.seek(info.header_offset)
        head = f.read(30)
        if len(head) < 30 or head[:4] != b"PK\x03\x04":
            raise ReadError("文件已损坏（压缩包结构不完整）")
        f.seek(
            info.header_offset
            + 30
            + int.from_bytes(head[26:28], "little")
            + int.from_bytes(head[28:30], "little")
        )
        d = zlib.decompressobj(-15)
        left, out = info.compress_size, 0
        while left > 0:
            chunk = f.read(min(left, 65536))
            if not chunk:
                break
            left -= len(chunk)
            data = d.decompress(chunk, 1 << 20)
            while True:
                out += len(data)
                if out > info.file_size:
                    return True
                if not d.unconsumed_tail:
                    break
                data = d.decompress(d.unconsumed_tail, 1 << 20)
    return False


def _has_doctype(z: zipfile.ZipFile, info: zipfile.ZipInfo) -> bool:
    """True when the part's prolog (everything before its root element) declares a DOCTYPE/ENTITY.

    Entities can only be declared there, so reading up to the root element is enough; a prolog longer
    than 1 MB is itself refused."""
    buf = b""
    with z.open(info) as f:
        while len(buf) < _PROLOG_LIMIT:
            chunk = f.read(4096 if not buf else 65536)  # the prolog is nearly always in the first 4 KB
            if not chunk:
                break
            buf += chunk
            m = _ROOT.search(buf)
            if m:
                buf = buf[: m.start()]
                return b"<!DOCTYPE" in buf or b"<!ENTITY" in buf
    return b"<!DOCTYPE" in buf or b"<!ENTITY" in buf or len(buf) >= _PROLOG_LIMIT


_DOCTYPE = re.compile(rb"<!DOCTYPE|<!ENTITY")


def _inflate(fh: BinaryIO, info: zipfile.ZipInfo, limit: int | None = None) -> bytes:
    """A member's bytes (at most ``limit``) with one zlib call on the open file: a third of zipfile's
    cost for a worksheet. The CRC is checked by the reader that parses the part."""
    fh.seek(info.header_offset)
    head = fh.read(30)
    if len(head) < 30 or head[:4] != b"PK\x03\x04":
        raise ReadError("文件已损坏（压缩包结构不完整）")
    name_len, extra_len = struct.unpack("<HH", head[26:30])
    fh.seek(info.header_offset + 30 + name_len + extra_len)
    want = info.file_size if limit is None else min(limit, info.file_size)
    if info.compress_type == zipfile.ZIP_STORED:
        return fh.read(want)
    if info.flag_bits & 0x1:
        raise ReadError("工作簿设置了打开密码，请去掉密码后再报送")
    # deflate expands at most ~1032 times: a limited read needs only that share of the raw data
    raw = fh.read(info.compress_size if limit is None else min(info.compress_size, want // 2 + 1024))
    data = zlib.decompressobj(-15).decompress(raw, want + 1)
    if limit is None and len(data) > info.file_size:
        raise ReadError("压缩包数据异常（解压后大于声明大小），疑似压缩炸弹，已拒绝读取")
    return data[:want]


def _is_worksheet(name: str) -> bool:
    return name.startswith("xl/worksheets/") and name.endswith(".xml") and name.count("/") == 2


def _root_at(data: bytes) -> int:
    m = _ROOT.search(data)
    return m.start() if m else len(data)


_CELL_ERROR = re.compile(rb'<c r="([A-Z]+)(\d+)"[^>]*?\st="e"[^>/]*>(.*?)</c>', re.S)
_CELL_VALUE = re.compile(rb"<v>([^<]*)</v>")


def error_cells(path: str | Path, parts: Collection[str]) -> dict[str, list[tuple[int, int, str]]]:
    """Sheet name -> (row, col, error text) of every error cell in the given worksheet parts (0-based).

    Only called for the rare file that has error cells, so it may parse workbook.xml and its rels."""
    from xml.etree import ElementTree as ET

    from xlperf.core.grid import column_index

    ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
          "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
          "p": "http://schemas.openxmlformats.org/package/2006/relationships"}  # fmt: skip
    out: dict[str, list[tuple[int, int, str]]] = {}
    with zipfile.ZipFile(path) as z:
        rels = ET.fromstring(z.read("xl/_rels/workbook.xml.rels"))
        target = {
            r.get("Id"): "xl/" + r.get("Target", "").lstrip("/").removeprefix("xl/")
            for r in rels.findall("p:Relationship", ns)
        }
        book = ET.fromstring(z.read("xl/workbook.xml"))
        for sheet in book.findall("m:sheets/m:sheet", ns):
            part = target.get(sheet.get(f"{{{ns['r']}}}id"), "")
            if part not in parts:
                continue
            cells = []
            for m in _CELL_ERROR.finditer(z.read(part)):
                v = _CELL_VALUE.search(m.group(3))
                text = v.group(1).decode("utf-8", "replace") if v else "#VALUE!"
                cells.append((int(m.group(2)) - 1, column_index(m.group(1).decode()) - 1, text))
            out[sheet.get("name", "")] = cells
    return out


def _is_encrypted_cfb(p: Path) -> bool:
    try:
        import olefile  # noqa: PLC0415  (installed with oletools; optional)

        with olefile.OleFileIO(str(p)) as ole:
            return ole.exists("EncryptedPackage") or ole.exists("EncryptionInfo")
    except Exception:  # noqa: BLE001 - any failure: treat by content below
        return (
            b"E\x00n\x00c\x00r\x00y\x00p\x00t\x00e\x00d\x00P\x00a\x00c\x00k\x00a\x00g\x00e"
            in p.read_bytes()[:65536]
        )
