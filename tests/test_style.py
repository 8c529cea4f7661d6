"""The code stays ruff-clean (lint and format), and VBA stays ASCII: checked on every CI run."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from conftest import ROOT

TARGETS = ["xlperf", "tests", "benchmarks"]


def _ruff(*args: str) -> subprocess.CompletedProcess:
    exe = shutil.which("ruff") or shutil.which("ruff", path=str(ROOT / ".ci-venv" / "bin"))
    cmd = [exe, *args] if exe else [sys.executable, "-m", "ruff", *args]
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=False)


@pytest.mark.parametrize(
    "args", [("check", *TARGETS), ("format", "--check", *TARGETS)], ids=["lint", "format"]
)
def test_ruff(args):
    res = _ruff(*args)
    assert res.returncode == 0, res.stdout + res.stderr
