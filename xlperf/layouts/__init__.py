"""Layouts: each province's form (and each 一体化 export) as data, one TOML file per form, beside this
module; the parser reads every sheet with the layout it finds there (:func:`xlperf.core.layout.detect`).

A new province is a new file here (copy one, change its labels) plus fixtures typed into that
province's form (tests/provinces/): see the README ("表样").
"""

from __future__ import annotations

import tomllib
from functools import lru_cache
from pathlib import Path

from xlperf.core.layout import Layout, from_dict
from xlperf.errors import LayoutError

_HERE = Path(__file__).resolve().parent
DEFAULT = "shaanxi"  # the seed's form and the template's: what a sheet that names no other form is read as


@lru_cache(maxsize=1)
def names() -> tuple[str, ...]:
    """The shipped layouts, the default first, then by name."""
    found = sorted(p.name[:-5] for p in _HERE.iterdir() if p.name.endswith(".toml"))
    return (DEFAULT, *(n for n in found if n != DEFAULT))


@lru_cache(maxsize=32)
def load(name: str) -> Layout:
    """A shipped layout by name."""
    if name not in names():
        raise LayoutError(f"找不到表样“{name}”：可用的表样有 {'、'.join(names())}")
    path = _HERE / f"{name}.toml"
    try:
        data = tomllib.loads(path.read_text("utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise LayoutError(f"表样文件“{path.name}”格式错误：{exc}") from exc
    return from_dict(data, source=f"xlperf:{name}")


@lru_cache(maxsize=1)
def shipped() -> tuple[Layout, ...]:
    """Every shipped layout, the default first (it wins a tie)."""
    return tuple(load(n) for n in names())


def default() -> Layout:
    return load(DEFAULT)


__all__ = ["DEFAULT", "Layout", "default", "load", "names", "shipped"]
