"""The layers the folders show: the core is pure, the consolidation's tables are pure, no import circles.

Checked on the source text (every ``import`` statement, module level or inside a function), so a lazy
import in a function counts as much as one at the top.
"""

from __future__ import annotations

import ast
from pathlib import Path

from conftest import ROOT

PACKAGE = ROOT / "xlperf"
# what a pure module may never import: office files, Excel, the office suite, processes, the network
IO_MODULES = ("openpyxl", "python_calamine", "xlwings", "docx", "xlsxwriter", "subprocess", "socket",
              "http", "urllib", "zipfile", "xlperf.sources", "xlperf.writers", "xlperf.excel",
              "xlperf.cli", "xlperf.libreoffice", "xlperf.safe_io")  # fmt: skip


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text("utf-8"))
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.add(node.module)
            out.update(f"{node.module}.{a.name}" for a in node.names)
    return out


def _modules() -> dict[str, set[str]]:
    return {_module_name(p): _imports(p) for p in PACKAGE.rglob("*.py")}


def _hits(imported: set[str], banned: tuple[str, ...]) -> list[str]:
    return sorted(i for i in imported for b in banned if i == b or i.startswith(b + "."))


def test_the_core_does_no_io():
    mods = _modules()
    core = {m: i for m, i in mods.items() if m.startswith("xlperf.core")}
    assert len(core) >= 10
    bad = {m: _hits(i, IO_MODULES) for m, i in core.items() if _hits(i, IO_MODULES)}
    assert bad == {}


def test_the_consolidation_tables_are_pure():
    mods = _modules()
    pure = ("xlperf.consolidate.tables", "xlperf.consolidate.records", "xlperf.consolidate.desk",
            "xlperf.consolidate.roster", "xlperf.consolidate.review")  # fmt: skip
    for m in pure:
        assert _hits(mods[m], (*IO_MODULES, "os", "concurrent", "hashlib", "sqlite3")) == [], m


def test_a_detector_of_io_would_fire():
    assert _hits({"openpyxl.utils.cell", "math"}, IO_MODULES) == ["openpyxl.utils.cell"]


def _top_level_imports(path: Path) -> set[str]:
    """Imports executed when the module is imported (module level, not inside functions)."""
    tree = ast.parse(path.read_text("utf-8"))
    out: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.add(node.module)
            out.update(f"{node.module}.{a.name}" for a in node.names)
    return out


def test_no_import_circles_between_packages():
    """xlperf.X -> xlperf.Y -> xlperf.X between the package's top-level parts (core, sources, consolidate,
    writers, excel, cli, ...), counting every import, lazy ones included."""
    mods = _modules()
    names = set(mods)

    def part(m: str) -> str:
        return ".".join(m.split(".")[:2])

    edges: dict[str, set[str]] = {}
    for m, imported in mods.items():
        for i in imported:
            target = next((n for n in sorted(names, key=len, reverse=True) if i == n or i.startswith(n + ".")),
                          None)  # fmt: skip
            if target and part(target) != part(m) and target != "xlperf":
                edges.setdefault(part(m), set()).add(part(target))
    # the package front doors may be imported by anything; what they import must not import them back
    seen_cycle = []
    for a, outs in edges.items():
        for b in outs:
            if a in edges.get(b, set()) and a < b:
                seen_cycle.append((a, b))
    allowed = set()  # none today
    assert set(seen_cycle) <= allowed, seen_cycle
