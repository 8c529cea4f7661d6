"""Names as a reviewer matches them: a unit on the roster with the unit a workbook names, an approved
project or indicator with the form's. One normalisation for all of them (pure).

Two names are the same when they differ only in how they were typed: full-width or half-width
characters (:func:`xlperf.core.labels.norm`), spaces, the kind of brackets (（）()【】〔〕[]), quotes and
title marks, letter case, and an 一体化 code in front ("219001-棠溪镇人民政府", :func:`split_code`).
Nothing else is dropped: "财政局（本级）" and "财政局" stay different units.
"""

from __future__ import annotations

from difflib import SequenceMatcher

from xlperf.core.labels import norm, split_code

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
    return SequenceMatcher(None, ka, kb, autojunk=False).ratio()
