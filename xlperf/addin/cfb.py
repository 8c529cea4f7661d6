"""A minimal, deterministic compound file (MS-CFB, version 3) writer.

Writes a tree of storages and streams given as ``{"VBA/dir": b"...", "PROJECT": b"..."}``. Timestamps
and class ids are all zero, entries are laid out in a fixed order, so the same input always gives the
same bytes. Streams under 4096 bytes go to the mini stream, as the format requires.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

SECTOR = 512
MINI_SECTOR = 64
MINI_CUTOFF = 4096
FREESECT = 0xFFFFFFFF
ENDOFCHAIN = 0xFFFFFFFE
FATSECT = 0xFFFFFFFD
NOSTREAM = 0xFFFFFFFF

_STORAGE, _STREAM, _ROOT = 1, 2, 5
_RED, _BLACK = 0, 1


@dataclass
class _Entry:
    name: str
    kind: int
    data: bytes = b""
    children: list[_Entry] = field(default_factory=list)
    sid: int = 0
    left: int = NOSTREAM
    right: int = NOSTREAM
    child: int = NOSTREAM
    color: int = _BLACK
    start: int = ENDOFCHAIN
    size: int = 0


def _sort_key(name: str) -> tuple[int, str]:
    # MS-CFB 2.6.4: shorter names first, then code-point order of the upper-cased names
    return (len(name.encode("utf-16-le")), name.upper())


def _build_tree(children: list[_Entry]) -> int:
    """Arrange siblings as a balanced red-black tree; returns the root's stream id.

    Splitting at the middle fills every level but the last; the last level's nodes are red, all
    others black, so every path holds the same number of black nodes.
    """
    ordered = sorted(children, key=lambda e: _sort_key(e.name))
    depth_of: dict[int, int] = {}

    def build(lo: int, hi: int, depth: int) -> int:
        if lo >= hi:
            return NOSTREAM
        mid = (lo + hi) // 2
        node = ordered[mid]
        depth_of[id(node)] = depth
        node.left = build(lo, mid, depth + 1)
        node.right = build(mid + 1, hi, depth + 1)
        return node.sid

    root = build(0, len(ordered), 0)
    if ordered:
        max_depth = max(depth_of.values())
        full = len(ordered) == 2 ** (max_depth + 1) - 1
        for node in ordered:
            node.color = _RED if (depth_of[id(node)] == max_depth and not full) else _BLACK
    return root


def _pad(data: bytes, size: int) -> bytes:
    return data + b"\x00" * (-len(data) % size)


def write_cfb(streams: dict[str, bytes]) -> bytes:
    """The bytes of a compound file holding ``streams`` (paths use ``/`` between storages)."""
    root = _Entry("Root Entry", _ROOT)
    for path in sorted(streams):
        parts = path.split("/")
        node = root
        for part in parts[:-1]:
            found = next((c for c in node.children if c.name == part and c.kind == _STORAGE), None)
            if found is None:
                found = _Entry(part, _STORAGE)
                node.children.append(found)
            node = found
        if len(parts[-1]) > 31:
            raise ValueError(f"compound file entry name too long: {parts[-1]}")
        node.children.append(_Entry(parts[-1], _STREAM, streams[path]))

    # stream ids in a fixed pre-order walk, children in sort order
    entries: list[_Entry] = []

    def number(e: _Entry) -> None:
        e.sid = len(entries)
        entries.append(e)
        for c in sorted(e.children, key=lambda c: _sort_key(c.name)):
            number(c)

    number(root)
    for e in entries:
        if e.children:
            e.child = _build_tree(e.children)

    # mini stream: small streams, each padded to 64 bytes
    mini = bytearray()
    minifat: list[int] = []
    big: list[_Entry] = []
    for e in entries:
        if e.kind != _STREAM:
            continue
        e.size = len(e.data)
        if e.size >= MINI_CUTOFF:
            big.append(e)
            continue
        if e.size == 0:
            continue
        first = len(mini) // MINI_SECTOR
        n = -(-e.size // MINI_SECTOR)
        minifat += list(range(first + 1, first + n)) + [ENDOFCHAIN]
        mini += _pad(e.data, MINI_SECTOR)
        e.start = first

    # regular sectors: [FAT][directory][mini FAT][mini stream][big streams]
    dir_bytes_len = len(entries) * 128
    n_dir = -(-dir_bytes_len // SECTOR)
    n_minifat = -(-len(minifat) * 4 // SECTOR)
    n_mini = -(-len(mini) // SECTOR)
    n_big = sum(-(-e.size // SECTOR) for e in big)
    n_data = n_dir + n_minifat + n_mini + n_big
    n_fat = 1
    while n_fat * (SECTOR // 4) < n_fat + n_data:
        n_fat += 1
    if n_fat > 109:
        raise ValueError("compound file too large for a header-only DIFAT")

    fat: list[int] = [FATSECT] * n_fat
    body = bytearray()

    def chain(n: int) -> int:
        first = len(fat)
        fat.extend(list(range(first + 1, first + n)) + [ENDOFCHAIN])
        return first

    dir_start = chain(n_dir)
    minifat_start = chain(n_minifat) if n_minifat else ENDOFCHAIN
    if n_mini:
        root.start = chain(n_mini)
        root.size = len(mini)
    for e in big:
        e.start = chain(-(-e.size // SECTOR))

    for e in entries:
        name = e.name.encode("utf-16-le") + b"\x00\x00"
        body += struct.pack(
            "<64sHBBIII16sIQQIQ",
            name,
            len(name),
            e.kind,
            e.color,
            e.left,
            e.right,
            e.child,
            b"\x00" * 16,
            0,
            0,
            0,
            e.start if (e.kind == _STREAM and e.size) or e.kind == _ROOT else 0,
            e.size,
        )
    empty = struct.pack("<64sHBBIII16sIQQIQ", b"", 0, 0, 0, NOSTREAM, NOSTREAM, NOSTREAM, b"", 0, 0, 0, 0, 0)
    while len(body) < n_dir * SECTOR:
        body += empty
    if n_minifat:
        padded = minifat + [FREESECT] * (n_minifat * SECTOR // 4 - len(minifat))
        body += struct.pack(f"<{len(padded)}I", *padded)
    body += _pad(bytes(mini), SECTOR)
    for e in big:
        body += _pad(e.data, SECTOR)

    fat += [FREESECT] * (n_fat * (SECTOR // 4) - len(fat))
    fat_bytes = struct.pack(f"<{len(fat)}I", *fat)

    difat = list(range(n_fat)) + [FREESECT] * (109 - n_fat)
    header = struct.pack(
        "<8s16sHHHHH6sIIIIIIIII",
        bytes.fromhex("D0CF11E0A1B11AE1"),
        b"\x00" * 16,
        0x003E,
        0x0003,
        0xFFFE,
        9,
        6,
        b"\x00" * 6,
        0,  # directory sectors: 0 in version 3
        n_fat,
        dir_start,
        0,  # transaction signature
        MINI_CUTOFF,
        minifat_start,
        n_minifat,
        ENDOFCHAIN,  # first DIFAT sector
        0,
    ) + struct.pack("<109I", *difat)
    assert len(header) == SECTOR
    return header + fat_bytes + bytes(body)
