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


# --- the developer guide's layout table ------------------------------------------------------------
_PATHLIKE = re.compile(r"^[\w./-]+(?:/|\.(?:py|js|xml|html|toml))$")


def _layout_rows(text: str) -> list[tuple[list[str], list[str]]]:
    """The rows of the table under "| path | what it holds |": (the paths it is about, the names its
    text gives in backticks)."""
    start = text.index("| path | what it holds |")
    block = text[start : text.index("\n\n", start)].splitlines()[2:]
    out = []
    for line in block:
        cells = line.strip("|").split(" | ", 1)
        homes = re.findall(r"`([^`]+)`", cells[0])
        names = re.findall(r"`([^`]+)`", cells[1]) if len(cells) > 1 else []
        out.append((homes, names))
    return out


def _named_paths(text: str) -> tuple[set[str], list[str]]:
    """Every path the table names, resolved from the repository root or from its row's folders (bare
    "parser.py" in the xlperf/core/ row), and the names that resolve nowhere."""
    found, missing = set(), []
    for homes, names in _layout_rows(text):
        dirs = [h for h in homes if h.endswith("/")]
        for name in homes + [n for n in names if _PATHLIKE.match(n)]:
            hits = [p for p in (ROOT / name, *(ROOT / d / name for d in dirs)) if p.exists()]
            if hits:
                found.update(str(p.relative_to(ROOT)) for p in hits)
            else:
                missing.append(name)
    return found, missing


def test_the_layout_table_matches_the_package():
    """Modules that moved to xlperf/core/ were still listed at xlperf/; the table names what is there,
    and every module of the package."""
    found, missing = _named_paths(README.read_text("utf-8"))
    assert missing == []
    modules = {
        str(p.relative_to(ROOT))
        for p in (ROOT / "xlperf").rglob("*.py")
        if p.name not in ("__init__.py", "__main__.py")
    }
    assert sorted(modules - found) == []


def test_a_stale_layout_table_is_noticed():
    table = (
        "| path | what it holds |\n|---|---|\n"
        "| `xlperf/parser.py` | gone |\n"
        "| `xlperf/core/` | `grid.py`, `nothere.py` |\n\n"
    )
    found, missing = _named_paths(table)
    assert missing == ["xlperf/parser.py", "nothere.py"] and "xlperf/core/grid.py" in found
