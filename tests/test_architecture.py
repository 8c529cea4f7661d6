"""The layers the folders show: the core is pure, the consolidation's tables are pure, no import circles.

Checked on the source text (every ``import`` statement, module level or inside a function), so a lazy
import in a function counts as much as one at the top.
"""

from __future__ import annotations

import ast
import re
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


# --- shells ---------------------------------------------------------------------------------------
# the front ends: the command line, the Excel ribbon and UDFs, the WPS add-in's service. What two of them
# share lives below them (xlperf.actions: what the ribbon's buttons compute for either host).
SHELLS = ("xlperf.cli", "xlperf.excel", "xlperf.wps")
# the command line starts the WPS service (`xlperf serve`) and installs the add-in (`xlperf wps`)
SHELL_EDGES_ALLOWED = {("xlperf.cli", "xlperf.wps")}


def _part(module: str) -> str:
    return ".".join(module.split(".")[:2])


def _shell_edges(mods: dict[str, set[str]]) -> set[tuple[str, str]]:
    edges = set()
    for m, imported in mods.items():
        if _part(m) not in SHELLS:
            continue
        for i in imported:
            if _part(i) in SHELLS and _part(i) != _part(m):
                edges.add((_part(m), _part(i)))
    return edges


def test_shells_do_not_import_shells():
    """wps/handlers.py took 插入指标行's plan from excel/macros.py: a change for Excel could break WPS."""
    assert _shell_edges(_modules()) <= SHELL_EDGES_ALLOWED


def test_a_detector_of_shell_imports_would_fire():
    mods = {
        "xlperf.wps.handlers": {"xlperf.excel.macros", "xlperf.actions"},
        "xlperf.cli.main": {"xlperf.wps"},
    }
    assert _shell_edges(mods) == {("xlperf.wps", "xlperf.excel"), ("xlperf.cli", "xlperf.wps")}


# --- private names ----------------------------------------------------------------------------------


def _private_uses(module: str, source: str) -> list[str]:
    """Names starting with one underscore that ``module`` takes from another package (``from x import _y``,
    or ``x._y`` on a module it imported): a private name is its package's to change."""
    tree = ast.parse(source)
    aliases: dict[str, str] = {}
    out = []

    def private(name: str) -> bool:
        return name.startswith("_") and not name.startswith("__")

    for node in ast.walk(tree):
        if (
            isinstance(node, ast.ImportFrom)
            and node.module
            and node.level == 0
            and node.module.startswith("xlperf")
        ):
            for a in node.names:
                if private(a.name) and _part(node.module) != _part(module):
                    out.append(f"{node.module}.{a.name}")
                aliases[a.asname or a.name] = f"{node.module}.{a.name}"
        elif isinstance(node, ast.Import):
            for a in node.names:
                if a.name.startswith("xlperf"):
                    aliases[a.asname or a.name] = a.name
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and private(node.attr):
            target = aliases.get(node.value.id)
            if target and _part(target) != _part(module):
                out.append(f"{target}.{node.attr}")
    return sorted(out)


def test_no_private_imports_across_packages():
    found = {
        _module_name(p): _private_uses(_module_name(p), p.read_text("utf-8")) for p in PACKAGE.rglob("*.py")
    }
    assert {m: names for m, names in found.items() if names} == {}


def test_a_detector_of_private_imports_would_fire():
    source = (
        "from xlperf.core.scoring import _KIND_WORDS, suggest\n"
        "from xlperf.writers import _own\n"
        "from xlperf.excel import macros as m\n"
        "m._summary_format_addresses(3)\n"
    )
    assert _private_uses("xlperf.writers.formulas", source) == [
        "xlperf.core.scoring._KIND_WORDS",
        "xlperf.excel.macros._summary_format_addresses",
    ]


# --- the repository is the whole world ------------------------------------------------------------
# a path outside the checkout: a sibling folder, a notes file, the machine the code was written on
OUTSIDE = re.compile(r"\.\./shared|ROOT\.parent\b|/work/|/home/\w|[A-Z]:\\\\Users\\\\\w+\\\\Desktop")


def _outside_paths(text: str) -> list[str]:
    return [m.group(0) for m in OUTSIDE.finditer(text)]


def test_no_path_outside_the_repository():
    """Code and tests read only what the repository holds (the ribbon schemas and the seed's text are in
    tests/data); a docstring citing a notes file beside the checkout cited what a reader cannot open."""
    files = [p for d in ("xlperf", "tests", "benchmarks") for p in (ROOT / d).rglob("*.py")]
    found = {str(p.relative_to(ROOT)): _outside_paths(p.read_text("utf-8")) for p in files}
    assert {f: hits for f, hits in found.items() if hits and f != "tests/test_architecture.py"} == {}


def test_a_detector_of_outside_paths_would_fire():
    assert _outside_paths('SHARED = ROOT.parent / "shared"; see /work/notes/x.md') == [
        "ROOT.parent",
        "/work/",
    ]
    assert _outside_paths('Path(__file__).parents[1] / "tests"') == []
