"""The wheel ships every subpackage and data file: a plain `pip install .` must work."""

from __future__ import annotations

import tomllib

from conftest import ROOT


def test_package_list_matches_the_tree():
    cfg = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["tool"]["setuptools"]
    on_disk = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "xlperf").rglob("__init__.py")}
    listed = set(cfg["packages"])
    assert on_disk <= listed, f"add to [tool.setuptools].packages: {sorted(on_disk - listed)}"
    assert cfg["package-dir"]["xlperf.vba"] == "vba"


def test_data_files_are_covered():
    cfg = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["tool"]["setuptools"]
    data = cfg["package-data"]
    assert list((ROOT / "xlperf" / "presets").glob("*.toml")) and "*.toml" in data["xlperf.presets"]
    assert list((ROOT / "xlperf" / "templates" / "report").glob("*.j2"))
    assert "*.j2" in data["xlperf.templates.report"]
    suffixes = {p.suffix for p in (ROOT / "vba").iterdir()}
    assert suffixes <= {s.lstrip("*") for s in data["xlperf.vba"]}
