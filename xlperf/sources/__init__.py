"""Files to grids: the only package that opens input files for reading.

A source turns a file into plain :class:`~xlperf.core.grid.Grid` values and nothing else; the one
parser (:mod:`xlperf.core.parser`) turns grids into the model. Sources never write, never open Excel,
never run macros, and every file passes the safety gate (:mod:`xlperf.sources.gate`) first.

- :mod:`~xlperf.sources.gate`: refuse what must not be parsed (zip bombs, entities, encryption, …).
- :mod:`~xlperf.sources.xlsx`: workbooks through python-calamine (default) or openpyxl.
"""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path

from xlperf.core.grid import Grid
from xlperf.core.model import Workbook
from xlperf.core.parser import no_projects_reason, parse_workbook
from xlperf.errors import ReadError
from xlperf.sources.gate import check_file, error_cells
from xlperf.sources.xlsx import formula_cells, grids_calamine, grids_openpyxl

ENGINES = ("calamine", "openpyxl")

__all__ = ["ENGINES", "check_file", "read_grids", "read_workbook"]


def read_grids(path: str | Path, engine: str = "calamine", skip: Collection[str] = ()) -> list[Grid]:
    """Every sheet of a checked file as a grid (except those named in ``skip``)."""
    error_parts = check_file(path)
    if engine == "calamine":
        grids = grids_calamine(path, skip, error_cells(path, error_parts) if error_parts else None)
    elif engine == "openpyxl":
        grids = grids_openpyxl(path, skip)
    else:
        raise ValueError(f"unknown engine {engine!r}; one of {ENGINES}")
    formulas = formula_cells(path)  # the same scan for both engines: they agree on formula cells
    for g in grids:
        g.formulas = formulas.get(g.name, frozenset())
    return grids


def read_workbook(path: str | Path, engine: str = "calamine") -> Workbook:
    """Read a unit's workbook into the model. Raises :class:`ReadError` (Chinese reason) when the file
    cannot be read or holds no 自评表."""
    grids = read_grids(path, engine)
    wb = parse_workbook(str(path), grids)
    if not wb.projects:
        raise ReadError(no_projects_reason(wb))
    return wb
