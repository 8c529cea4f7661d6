"""MS-OVBA: the VBA project storage (``xl/vbaProject.bin``) written from module source text.

Only what a source-only project needs: the compression of MS-OVBA 2.4.1, the data "encryption" of
2.4.3 used by the PROJECT stream's CMG/DPB/GC lines, the ``dir`` stream (2.3.4.2), the PROJECT and
PROJECTwm streams (2.3.1, 2.3.3), a ``_VBA_PROJECT`` stream whose version 0xFFFF makes the host
recompile from source (2.3.4.1), and module streams holding only compressed source (no p-code).
Everything is deterministic: the same modules give the same bytes.
"""

from __future__ import annotations

import re
import struct
import uuid
from dataclasses import dataclass, field

from xlperf.addin.cfb import write_cfb

CHUNK_SIZE = 4096

# MODULETYPE record ids (MS-OVBA 2.3.4.2.3.2.8)
_PROCEDURAL = 0x0021
_DOCUMENT_OR_CLASS = 0x0022

# Registered type libraries the project references. IRibbonControl/IRibbonUI live in the Office
# library; VBA and Excel themselves are implicit. The path is only a hint: VBA resolves the
# library by GUID and major version (and takes the newest minor one installed).
STDOLE_LIBID = (
    r"*\G{00020430-0000-0000-C000-000000000046}#2.0#0#C:\Windows\System32\stdole2.tlb#OLE Automation"
)
OFFICE_LIBID = (
    r"*\G{2DF8D04C-5BFA-101B-BDE5-00AA0044DE52}#2.0#0#"
    r"C:\Program Files\Common Files\Microsoft Shared\OFFICE16\MSO.DLL#Microsoft Office 16.0 Object Library"
)
DEFAULT_REFERENCES = (("stdole", STDOLE_LIBID), ("Office", OFFICE_LIBID))

# VB_Base class ids of the Excel document modules
WORKBOOK_BASE = "0{00020819-0000-0000-C000-000000000046}"
WORKSHEET_BASE = "0{00020820-0000-0000-C000-000000000046}"


# --------------------------------------------------------------------------------------------------
# Compression (MS-OVBA 2.4.1)
# --------------------------------------------------------------------------------------------------


def _copy_token_help(offset_in_chunk: int) -> tuple[int, int]:
    """Bit count and maximum length of a copy token at ``offset_in_chunk`` (2.4.1.3.19.1)."""
    bit_count = max((offset_in_chunk - 1).bit_length(), 4)
    maximum_length = (0xFFFF >> bit_count) + 3
    return bit_count, maximum_length


def _compress_chunk(data: bytes, start: int, end: int) -> bytes:
    """Token sequences of one decompressed chunk ``data[start:end]`` (2.4.1.3.7).

    The match search is the spec's (longest match, nearest wins a tie, at least 3 bytes), made fast
    with a chain of earlier positions per 3-byte prefix instead of scanning every earlier byte.
    """
    out = bytearray()
    chains: dict[bytes, list[int]] = {}
    cur = start
    while cur < end:
        flag_pos = len(out)
        out.append(0)
        flags = 0
        for bit in range(8):
            if cur >= end:
                break
            best_len = 0
            best_pos = 0
            if end - cur >= 3:
                bit_count, max_len = _copy_token_help(cur - start)
                limit = min(max_len, end - cur)
                for cand in reversed(chains.get(data[cur : cur + 3], ())):
                    n = 3
                    while n < limit and data[cand + n] == data[cur + n]:
                        n += 1
                    if n > best_len:
                        best_len, best_pos = n, cand
                        if n == limit:
                            break
            if best_len >= 3:
                token = ((cur - best_pos - 1) << (16 - bit_count)) | (best_len - 3)
                out += struct.pack("<H", token)
                flags |= 1 << bit
                step = best_len
            else:
                out.append(data[cur])
                step = 1
            for p in range(cur, cur + step):
                if p + 3 <= end:
                    chains.setdefault(data[p : p + 3], []).append(p)
            cur += step
        out[flag_pos] = flags
    return bytes(out)


def compress(data: bytes) -> bytes:
    """Compress ``data`` into a CompressedContainer (MS-OVBA 2.4.1.3.6).

    A chunk whose tokens would not fit in 4096 bytes is stored raw; a raw chunk always holds 4096
    bytes (2.4.1.3.10), so a short, incompressible last chunk is padded with 0x00 as the spec says.
    """
    out = bytearray(b"\x01")
    for start in range(0, len(data), CHUNK_SIZE):
        end = min(start + CHUNK_SIZE, len(data))
        tokens = _compress_chunk(data, start, end)
        if len(tokens) <= CHUNK_SIZE:
            out += struct.pack("<H", 0xB000 | (len(tokens) + 2 - 3))
            out += tokens
        else:
            out += struct.pack("<H", 0x3000 | (CHUNK_SIZE + 2 - 3))
            out += data[start:end].ljust(CHUNK_SIZE, b"\x00")
    return bytes(out)


def decompress(container: bytes) -> bytes:
    """Decompress a CompressedContainer (MS-OVBA 2.4.1.3.1). Raises ValueError if malformed."""
    if not container or container[0] != 0x01:
        raise ValueError("not a compressed container (signature byte is not 0x01)")
    out = bytearray()
    pos = 1
    while pos < len(container):
        if pos + 2 > len(container):
            raise ValueError("truncated chunk header")
        (header,) = struct.unpack_from("<H", container, pos)
        size = (header & 0x0FFF) + 3
        if (header >> 12) & 0b111 != 0b011:
            raise ValueError(f"bad chunk signature at {pos}")
        compressed = bool(header & 0x8000)
        chunk_end = min(pos + size, len(container))
        pos += 2
        chunk_start = len(out)
        if not compressed:
            out += container[pos : pos + CHUNK_SIZE]
            pos += CHUNK_SIZE
            continue
        while pos < chunk_end:
            flags = container[pos]
            pos += 1
            for bit in range(8):
                if pos >= chunk_end:
                    break
                if not flags & (1 << bit):
                    out.append(container[pos])
                    pos += 1
                    continue
                (token,) = struct.unpack_from("<H", container, pos)
                pos += 2
                bit_count, _ = _copy_token_help(len(out) - chunk_start)
                length = (token & (0xFFFF >> bit_count)) + 3
                offset = (token >> (16 - bit_count)) + 1
                src = len(out) - offset
                if src < chunk_start:
                    raise ValueError("copy token points before its chunk")
                for i in range(length):
                    out.append(out[src + i])
    return bytes(out)


# --------------------------------------------------------------------------------------------------
# Data encryption of the PROJECT stream (MS-OVBA 2.4.3.2), with a fixed seed
# --------------------------------------------------------------------------------------------------


def encrypt(project_id: str, data: bytes, seed: int = 0x5D) -> str:
    """Encrypt ``data`` as the hex text of a CMG/DPB/GC line; ``project_id`` is ``{GUID}``."""
    version = 2
    proj_key = sum(project_id.encode("ascii")) & 0xFF
    out = bytearray([seed, version ^ seed, proj_key ^ seed])
    unencrypted_1, encrypted_1, encrypted_2 = proj_key, proj_key ^ seed, version ^ seed
    ignored = bytes((seed & 6) // 2)  # the spec allows any value; zeros keep it reproducible
    for byte in ignored + struct.pack("<I", len(data)) + data:
        enc = byte ^ ((encrypted_2 + unencrypted_1) & 0xFF)
        out.append(enc)
        encrypted_2, encrypted_1, unencrypted_1 = encrypted_1, enc, byte
    return out.hex().upper()


def decrypt(text: str) -> bytes:
    """Inverse of :func:`encrypt` (used by tests and for reading the stream back)."""
    raw = bytes.fromhex(text)
    seed, version_enc, proj_key_enc = raw[0], raw[1], raw[2]
    if version_enc ^ seed != 2:
        raise ValueError("bad version in encrypted data")
    unencrypted_1, encrypted_1, encrypted_2 = proj_key_enc ^ seed, proj_key_enc, version_enc
    plain = bytearray()
    for enc in raw[3:]:
        byte = enc ^ ((encrypted_2 + unencrypted_1) & 0xFF)
        plain.append(byte)
        encrypted_2, encrypted_1, unencrypted_1 = encrypted_1, enc, byte
    ignored = (seed & 6) // 2
    (length,) = struct.unpack_from("<I", plain, ignored)
    return bytes(plain[ignored + 4 : ignored + 4 + length])


# --------------------------------------------------------------------------------------------------
# The project
# --------------------------------------------------------------------------------------------------

_VB_NAME = re.compile(r'^Attribute VB_Name = "([A-Za-z][A-Za-z0-9_]*)"\s*$', re.MULTILINE)


@dataclass(frozen=True)
class Module:
    """One VBA module: ``kind`` is "module" (standard .bas), "class" or "document"."""

    name: str
    source: str
    kind: str = "module"

    def code(self, codepage: str) -> bytes:
        """The source as stored: CRLF line ends, encoded in the project code page."""
        text = self.source.replace("\r\n", "\n").replace("\r", "\n")
        if not text.endswith("\n"):
            text += "\n"
        return text.replace("\n", "\r\n").encode(codepage)


def module_from_text(text: str, kind: str = "module") -> Module:
    """A module from exported source text, named by its ``Attribute VB_Name`` line."""
    m = _VB_NAME.search(text)
    if not m:
        raise ValueError('VBA source has no `Attribute VB_Name = "..."` line')
    return Module(m.group(1), text, kind)


def document_module(name: str, base: str, body: str = "") -> Module:
    """A document module (ThisWorkbook, a sheet) with the attributes Excel writes for it."""
    header = "\n".join(
        [
            f'Attribute VB_Name = "{name}"',
            f'Attribute VB_Base = "{base}"',
            "Attribute VB_GlobalNameSpace = False",
            "Attribute VB_Creatable = False",
            "Attribute VB_PredeclaredId = True",
            "Attribute VB_Exposed = True",
            "Attribute VB_TemplateDerived = False",
            "Attribute VB_Customizable = True",
        ]
    )
    return Module(name, header + "\n" + body, "document")


def _rec(rec_id: int, payload: bytes) -> bytes:
    return struct.pack("<HI", rec_id, len(payload)) + payload


def _u16(text: str) -> bytes:
    return text.encode("utf-16-le")


@dataclass
class VBAProject:
    """A source-only VBA project; :meth:`to_bytes` gives the compound file ``vbaProject.bin``."""

    name: str
    modules: list[Module] = field(default_factory=list)
    references: tuple[tuple[str, str], ...] = DEFAULT_REFERENCES
    codepage: int = 1252
    lcid: int = 0x0409
    project_id: str = ""

    def __post_init__(self) -> None:
        if not self.project_id:
            self.project_id = "{" + str(uuid.uuid5(uuid.NAMESPACE_URL, "xlperf:" + self.name)).upper() + "}"
        names = [m.name.lower() for m in self.modules]
        if len(set(names)) != len(names):
            raise ValueError(f"duplicate VBA module names: {sorted(names)}")

    @property
    def _cp(self) -> str:
        return f"cp{self.codepage}"

    def _mbcs(self, text: str) -> bytes:
        return text.encode(self._cp)

    # ---- dir stream (2.3.4.2) ----------------------------------------------------------------
    def dir_stream(self) -> bytes:
        """The decompressed ``dir`` stream."""
        out = bytearray()
        out += _rec(0x0001, struct.pack("<I", 1))  # PROJECTSYSKIND: 32-bit Windows
        out += _rec(0x0002, struct.pack("<I", self.lcid))  # PROJECTLCID
        out += _rec(0x0014, struct.pack("<I", self.lcid))  # PROJECTLCIDINVOKE
        out += _rec(0x0003, struct.pack("<H", self.codepage))  # PROJECTCODEPAGE
        out += _rec(0x0004, self._mbcs(self.name))  # PROJECTNAME
        out += _rec(0x0005, b"") + _rec(0x0040, b"")  # PROJECTDOCSTRING (+ unicode)
        out += _rec(0x0006, b"") + _rec(0x003D, b"")  # PROJECTHELPFILEPATH (1, 2)
        out += _rec(0x0007, struct.pack("<I", 0))  # PROJECTHELPCONTEXT
        out += _rec(0x0008, struct.pack("<I", 0))  # PROJECTLIBFLAGS
        out += struct.pack("<HIIH", 0x0009, 4, 1, 0)  # PROJECTVERSION (reserved size 4, major, minor)
        out += _rec(0x000C, b"") + _rec(0x003C, b"")  # PROJECTCONSTANTS (+ unicode)
        for ref_name, libid in self.references:
            out += _rec(0x0016, self._mbcs(ref_name)) + _rec(0x003E, _u16(ref_name))  # REFERENCENAME
            lib = self._mbcs(libid)
            out += _rec(0x000D, struct.pack("<I", len(lib)) + lib + struct.pack("<IH", 0, 0))
        out += _rec(0x000F, struct.pack("<H", len(self.modules)))  # PROJECTMODULES
        out += _rec(0x0013, struct.pack("<H", 0xFFFF))  # PROJECTCOOKIE
        for m in self.modules:
            out += _rec(0x0019, self._mbcs(m.name))  # MODULENAME
            out += _rec(0x0047, _u16(m.name))  # MODULENAMEUNICODE
            out += _rec(0x001A, self._mbcs(m.name)) + _rec(0x0032, _u16(m.name))  # MODULESTREAMNAME
            out += _rec(0x001C, b"") + _rec(0x0048, b"")  # MODULEDOCSTRING
            out += _rec(0x0031, struct.pack("<I", 0))  # MODULEOFFSET: source starts at 0
            out += _rec(0x001E, struct.pack("<I", 0))  # MODULEHELPCONTEXT
            out += _rec(0x002C, struct.pack("<H", 0xFFFF))  # MODULECOOKIE
            out += _rec(_PROCEDURAL if m.kind == "module" else _DOCUMENT_OR_CLASS, b"")  # MODULETYPE
            out += _rec(0x002B, b"")  # module terminator
        out += _rec(0x0010, b"")  # dir terminator
        return bytes(out)

    # ---- PROJECT stream (2.3.1) --------------------------------------------------------------
    def project_stream(self) -> bytes:
        lines = [f'ID="{self.project_id}"']
        for m in self.modules:
            if m.kind == "document":
                lines.append(f"Document={m.name}/&H00000000")
            elif m.kind == "class":
                lines.append(f"Class={m.name}")
            else:
                lines.append(f"Module={m.name}")
        lines += [
            f'Name="{self.name}"',
            'HelpContextID="0"',
            'VersionCompatible32="393222000"',
            f'CMG="{encrypt(self.project_id, bytes(4))}"',  # protection state: none
            f'DPB="{encrypt(self.project_id, bytes(1))}"',  # password: none
            f'GC="{encrypt(self.project_id, bytes([0xFF]))}"',  # visibility: visible
            "",
            "[Host Extender Info]",
            "&H00000001={3832D640-CF90-11CF-8E43-00A0C911005A};VBE;&H00000000",
            "",
            "[Workspace]",
        ]
        lines += [f"{m.name}=0, 0, 0, 0, C" for m in self.modules]
        return ("\r\n".join(lines) + "\r\n").encode(self._cp)

    def projectwm_stream(self) -> bytes:
        out = bytearray()
        for m in self.modules:
            out += self._mbcs(m.name) + b"\x00" + _u16(m.name) + b"\x00\x00"
        return bytes(out + b"\x00\x00")

    def streams(self) -> dict[str, bytes]:
        """Every stream of the storage by path (``VBA/dir`` ...)."""
        result = {
            "PROJECT": self.project_stream(),
            "PROJECTwm": self.projectwm_stream(),
            # Reserved1 0x61CC, Version 0xFFFF (source only: recompile), Reserved2, Reserved3
            "VBA/_VBA_PROJECT": struct.pack("<HHBH", 0x61CC, 0xFFFF, 0x00, 0x0001),
            "VBA/dir": compress(self.dir_stream()),
        }
        for m in self.modules:
            result[f"VBA/{m.name}"] = compress(m.code(self._cp))
        return result

    def to_bytes(self) -> bytes:
        return write_cfb(self.streams())
