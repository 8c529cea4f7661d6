"""The README: two commands first, the rule table and CLI reference generated from the code."""

from __future__ import annotations

import re

from xlperf.core.rules import CATALOGUE
from xlperf.docs import README, render

from conftest import ROOT


def test_readme_in_sync_with_code():
    text = README.read_text("utf-8")
    assert render(text) == text, "README drifted from the code: run `python -m xlperf.docs`"


def test_every_rule_documented_with_example():
    text = README.read_text("utf-8")
    for r in CATALOGUE:
        assert f"| {r.id} | {r.name} |" in text
        assert r.example and r.example in text


def test_readme_starts_with_two_commands_and_ci_runs_the_test_one():
    text = README.read_text("utf-8")
    block = re.search(r"```bash\n(.*?)```", text, re.S)
    assert block and text.index(block.group(0)) < 200
    lines = [ln for ln in block.group(1).splitlines() if ln.strip()]
    assert len(lines) == 2
    assert "xlperf " in lines[0] and "pytest" in lines[1]
    ci = (ROOT / ".ci" / "run").read_text("utf-8")
    assert lines[1] in ci.splitlines()


def test_cli_speaks_chinese():
    from click.testing import CliRunner

    from xlperf.cli import cli

    r = CliRunner().invoke(cli, ["validate", "-h"], prog_name="xlperf")
    assert r.exit_code == 0
    assert "用法：xlperf validate [选项]" in r.output and "显示本帮助并退出。" in r.output
    assert "Usage" not in r.output and "Show this message" not in r.output
    r = CliRunner().invoke(cli, ["validate"], prog_name="xlperf")
    assert r.exit_code == 2 and "错误：缺少参数" in r.output
