"""Scoring presets: weights, tolerances, caps and grade bands as data (TOML), never as constants.

A preset is named (``national``, ``shaanxi``, shipped beside this file) or a path to a user's TOML
file of the same shape. Everything tagged [O*], [P] or [I] in the domain brief lives here.
"""

from __future__ import annotations

import tomllib
from functools import lru_cache
from pathlib import Path

from xlperf.core.preset import SEVERITIES, Cap, Grade, Preset, from_dict
from xlperf.errors import PresetError

# the shipped TOML files lie beside this module (xlperf is installed as files, never zipped); read
# directly, not through importlib.resources, which costs validate 3 ms of imports (tempfile, shutil)
_HERE = Path(__file__).resolve().parent


@lru_cache(maxsize=1)
def _shipped() -> tuple[str, ...]:
    return tuple(sorted(p.name[:-5] for p in _HERE.iterdir() if p.name.endswith(".toml")))


def available() -> list[str]:
    """Names of the presets shipped in the package."""
    return list(_shipped())


@lru_cache(maxsize=16)
def _load_shipped(name: str) -> Preset:
    # a preset is immutable, so one parse serves every workbook of a consolidation
    text = (_HERE / f"{name}.toml").read_text("utf-8")
    return from_dict(tomllib.loads(text), source=f"xlperf:{name}")


def load(name_or_path: str | Path | None = None) -> Preset:
    """Load a shipped preset by name, or a user's TOML file by path. Default: ``national``."""
    name_or_path = name_or_path or "national"
    path = Path(name_or_path)
    if str(name_or_path) in _shipped():
        return _load_shipped(str(name_or_path))
    if path.suffix.lower() == ".toml" and path.is_file():
        text = path.read_text("utf-8")
        source = str(path)
    else:
        raise PresetError(
            f"找不到评分方案“{name_or_path}”：可用的方案有 {'、'.join(available())}，或给出 .toml 文件路径"
        )
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PresetError(f"评分方案文件“{path.name}”格式错误：{exc}") from exc
    return from_dict(data, source=source)


__all__ = ["SEVERITIES", "Cap", "Grade", "Preset", "available", "from_dict", "load"]
