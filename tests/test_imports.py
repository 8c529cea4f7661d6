"""Each command imports only what it uses (a ribbon click starts a fresh Python each time): which
modules get imported, checked in a fresh interpreter running the user's command line (times are the
benchmark's business, not a test's: benchmarks/commands.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from conftest import ROOT, SAMPLES

SAMPLE = sorted(SAMPLES.glob("*.xlsx"))[0]
DRIVER = r"""
import json, sys
out, argv = sys.argv[1], sys.argv[2:]
sys.argv = ["xlperf", *argv]
from xlperf.cli import main
try:
    main()
except SystemExit:
    pass
open(out, "w").write(json.dumps(sorted(sys.modules)))
"""


def imported(tmp_path, *argv: str) -> set[str]:
    out = tmp_path / "modules.json"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    r = subprocess.run(
        [sys.executable, "-c", DRIVER, str(out), *argv], capture_output=True, text=True, env=env
    )
    assert out.exists(), r.stderr
    return {m.split(".")[0] for m in json.loads(out.read_text())}


VALIDATE_NEVER = {"numpy", "pandas", "xlwings", "docx", "jinja2", "openpyxl", "xlsxwriter", "lxml"}
CONSOLIDATE_NEVER = {"xlwings", "docx", "jinja2"}


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_validate_imports_only_what_it_uses(tmp_path, fmt):
    mods = imported(tmp_path, "validate", str(SAMPLE), "--format", fmt)
    assert "python_calamine" in mods and "xlperf" in mods  # the command did run
    assert mods & VALIDATE_NEVER == set()
    if fmt == "json":
        assert "rich" not in mods


def test_validate_of_files_does_not_load_the_consolidation(tmp_path):
    out = tmp_path / "modules.json"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    subprocess.run(
        [sys.executable, "-c", DRIVER, str(out), "validate", str(SAMPLE)], capture_output=True, env=env
    )
    full = set(json.loads(out.read_text()))
    assert "xlperf.consolidate" not in full and "hashlib" not in full


def test_consolidate_imports_only_what_it_uses(tmp_path):
    mods = imported(tmp_path, "consolidate", str(SAMPLES), "-o", str(tmp_path / "汇总.xlsx"), "-q")
    assert (tmp_path / "汇总.xlsx").exists()
    assert "xlsxwriter" in mods
    assert mods & CONSOLIDATE_NEVER == set()


def test_a_detector_of_imports_would_fire(tmp_path):
    mods = imported(tmp_path, "report", str(SAMPLE), "-o", str(tmp_path / "r.docx"))
    assert "docx" in mods and "jinja2" in mods
