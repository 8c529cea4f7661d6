"""Files to grids: the only package that opens input files for reading.

A source turns a file into plain :class:`~xlperf.core.grid.Grid` values and nothing else; the one
parser (:mod:`xlperf.core.parser`) turns grids into the model. Sources never write, never open Excel,
never run macros, and every file passes the safety gate (:mod:`xlperf.sources.gate`) first.

- :mod:`~xlperf.sources.gate`: refuse what must not be parsed (zip bombs, entities, encryption, …).
- :mod:`~xlperf.sources.xlsx`: workbooks through python-calamine (default) or openpyxl.
- :mod:`~xlperf.sources.docx`: Word reports (.docx; .doc/.wps through LibreOffice), a grid per table.
"""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path

from xlperf.core.grid import Grid
from xlperf.core.model import DOCUMENT_SOURCE, Workbook
from xlperf.core.parser import no_projects_reason, parse_workbook
from xlperf.errors import ReadError
from xlperf.layouts import shipped
from xlperf.sources.gate import Package, check_file, error_cells, is_word, open_checked, suffix_reason
from xlperf.sources.xlsx import formula_cells, grids_calamine, grids_openpyxl

ENGINES = ("calamine", "openpyxl")

__all__ = ["ENGINES", "Package", "check_file", "is_word", "open_checked", "read_grids", "read_workbook",
           "suffix_reason"]  # fmt: skip


def read_grids(path: str | Path, engine: str = "calamine", skip: Collection[str] = ()) -> list[Grid]:
    """Every sheet of a file as a grid (except those named in ``skip``): the gate checks the file once
    and the reader reads the gate's checked copy."""
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}; one of {ENGINES}")
    if is_word(path):  # a Word report: a grid per table (the engine is for workbooks)
        from xlperf.sources.docx import read_document_grids

        return read_document_grids(path)
    pkg = open_checked(path)
    if engine == "calamine":
        errors = error_cells(pkg, pkg.error_parts) if pkg.error_parts else None
        grids = grids_calamine(pkg, skip, errors)
    else:
        grids = grids_openpyxl(pkg, skip)
    # the same scan for both engines (they agree on formula cells), of the sheets read
    formulas = formula_cells(pkg, {g.name for g in grids})
    for g in grids:
        g.formulas = formulas.get(g.name, frozenset())
    return grids


def read_workbook(path: str | Path, engine: str = "calamine") -> Workbook:
    """Read a unit's workbook into the model. Raises :class:`ReadError` (Chinese reason) when the file
    cannot be read or holds no 自评表."""
    grids = read_grids(path, engine)
    wb = parse_workbook(str(path), grids, DOCUMENT_SOURCE if is_word(path) else None, layouts=shipped())
    if not wb.projects:
        raise ReadError(no_projects_reason(wb))
    return wb
