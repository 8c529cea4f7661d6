"""Names: how a file's name is shown, and when two names are the same name.

**Shown.** A name is not always text. A Windows zip unzipped on UOS/Kylin leaves names in GBK bytes,
which Python gives as surrogate escapes (no UTF-8 writer takes them: one such name stopped every
summary); a name may hold control characters (an escape sequence recolours or clears the terminal, a
newline forges a line of output). Every name and path xlperf shows goes through :func:`shown_name` (a
reason that may quote one through :func:`shown_text`); the file itself is still opened by its real name.

**The same.** A reviewer matches names: a unit on the roster with the unit a workbook names, an approved
project or indicator with the form's. One normalisation for all of them, :func:`name_key`: two names
are the same when they differ only in how they were typed — full-width or half-width characters
(:func:`xlperf.core.labels.norm`), spaces, the kind of brackets (（）()【】〔〕[]), quotes and title marks,
letter case, and an 一体化 code in front ("219001-棠溪镇人民政府", :func:`~xlperf.core.labels.split_code`).
Nothing else is dropped: "财政局（本级）" and "财政局" stay different units.
"""

from __future__ import annotations

import functools
import re

from xlperf.core.labels import norm, split_code

# what a name may hold that must not reach a terminal or a file as it is: control characters (an escape
# sequence recolours or clears the screen, a newline forges a line), the bidirectional overrides that
# show a name backwards, and the surrogate escapes Python gives the bytes of a name that is not UTF-8
_UNSHOWN = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\udc80-\udcff]")


@functools.cache
def _pattern(text: str) -> re.Pattern[str]:
    """A pattern compiled the first time a name needs it (both below cost a millisecond or more to
    compile: every command's start-up would pay for names that are almost always plain)."""
    return re.compile(text)


_CJK = "[\u3400-\u9fff]"


def shown_text(text: str) -> str:
    """``text`` with every character that must not be shown raw written as an escape: the byte of a
    name that is not UTF-8 as ``\\xb3``, a control character as ``\\x1b``, a direction override as
    ``\\u202e``; any other text unchanged."""
    if not _UNSHOWN.search(text):
        return text

    def esc(m: re.Match[str]) -> str:
        n = ord(m.group(0))
        if 0xDC80 <= n <= 0xDCFF:
            return f"\\x{n - 0xDC00:02x}"
        return f"\\x{n:02x}" if n < 0x100 else f"\\u{n:04x}"

    return _UNSHOWN.sub(esc, text)


def shown_name(path: object) -> str:
    """A file name or path as it can be shown in a terminal, a summary and a JSON answer: every part
    :func:`shown_text`, and a part whose bytes are not UTF-8 but GBK (a Windows zip unzipped on
    UOS/Kylin) followed by how it reads in GBK, so a user knows which file it is::

        \\xb3\\xa4\\xb0\\xb2.xlsx（文件名不是 UTF-8 编码，按 GBK 读作“长安.xlsx”）
    """
    text = str(path)
    if not _UNSHOWN.search(text):
        return text
    parts = re.split(r"([/\\])", text)
    for i, part in enumerate(parts):
        if i % 2 or not _UNSHOWN.search(part):
            continue
        if re.search("[\udc80-\udcff]", part):  # not UTF-8: its bytes, and how they read in GBK
            # text Python decoded stays text where it is surely text (a suffix xlperf added in UTF-8:
            # "_报送前核对事项"); the rest is bytes, with the ASCII among them (a GBK character's second
            # byte may be ASCII, "丂" 81 40) and what GBK bytes happen to spell in UTF-8 ("委" CE AF is "ί")
            pieces = _text_pieces(part)
            shown = "".join(shown_text(x) if k % 2 else _bytes_shown(x) for k, x in enumerate(pieces))
            gbk = ""
            for way in (pieces, [part]):  # else the whole part as GBK, as a name of GBK bytes only is
                try:
                    gbk = "".join(x if k % 2 else _raw(x).decode("gbk") for k, x in enumerate(way))
                    break
                except UnicodeDecodeError:
                    continue
            if _pattern(_CJK).search(gbk):
                shown += f"（文件名不是 UTF-8 编码，按 GBK 读作“{shown_text(gbk)}”）"
            parts[i] = shown
        else:
            parts[i] = shown_text(part)
    return "".join(parts)


# text Python decoded from UTF-8 that is surely text: two or more characters of three or more bytes
# each (CJK); one such character alone, or a Greek or Cyrillic one, is as likely GBK bytes that happen to
# be UTF-8 (the capture keeps the text in re.split's output, at odd places)
_TEXT = "([\u0800-\udc7f\udd00-\U0010ffff]{2,})"


def _text_pieces(part: str) -> list[str]:
    """The part split into bytes (even places) and text (odd places). A run of text right after bytes
    that are not UTF-8 is GBK bytes too (灞告 E5 B1 B8 E6 … spells CJK text in UTF-8): text xlperf adds
    to a name stands at its start or after ASCII ("_报送前核对事项")."""
    pieces = _pattern(_TEXT).split(part)
    out = [pieces[0]]
    for k in range(1, len(pieces), 2):
        text, after = pieces[k], pieces[k + 1]
        if _bytish(out[-1][-1:]):
            out[-1] += text + after  # right after the bytes: bytes
        else:
            out += [text, after]
    return out


def _bytish(ch: str) -> bool:
    """A character a name's bytes that are not UTF-8 give: a surrogate escape, or a character two bytes
    of GBK happen to spell in UTF-8 (U+0080 to U+07FF: "支" D6 A7 is "֧")."""
    return bool(ch) and ("\udc80" <= ch <= "\udcff" or "\x80" <= ch <= "\u07ff")


def _raw(piece: str) -> bytes:
    return piece.encode("utf-8", "surrogateescape")


def _bytes_shown(piece: str) -> str:
    """Bytes as a name's bytes are shown: printable ASCII as it is, every other byte escaped."""
    return "".join(chr(b) if 0x20 <= b < 0x7F else f"\\x{b:02x}" for b in _raw(piece))


# after NFKC (labels.norm): every bracket becomes "(" / ")", quotes and title marks go
_BRACKETS = str.maketrans(
    {
        "【": "(", "】": ")", "〔": "(", "〕": ")", "[": "(", "]": ")", "{": "(", "}": ")",
        "〈": "(", "〉": ")", "「": "", "」": "", "《": "", "》": "", "“": "", "”": "", "‘": "",
        "’": "", '"': "", "'": "", "`": "",
    }
)  # fmt: skip


def name_key(text: object) -> str:
    """The key two names that are "the same" share: '' for a blank name.

    >>> name_key("219001-棠溪镇人民政府") == name_key("棠溪镇 人民政府") == name_key("棠溪镇人民政府")
    True
    >>> name_key("政策知晓率（%）") == name_key("政策知晓率[%]")
    True
    """
    if text is None:
        return ""
    _code, name = split_code(str(text))
    return norm(name).translate(_BRACKETS).casefold()


def code_of(text: object) -> str:
    """The 一体化 code written before a name ("219001-…" -> "219001"), '' when none."""
    return "" if text is None else split_code(str(text))[0]


def similarity(a: str, b: str) -> float:
    """How alike two names are (0–1), on their keys: for pairing an indicator the form renamed with the
    approved one it stands for (never for units)."""
    ka, kb = name_key(a), name_key(b)
    if not ka or not kb:
        return 0.0
    from difflib import SequenceMatcher  # (only the targets' renamed indicators need it)

    return SequenceMatcher(None, ka, kb, autojunk=False).ratio()
