"""Writers: the workbook template (and the sample workbooks built with it), the annotated copy.

The template's names are imported on first use (PEP 562), so a command that only needs another writer
(``validate -o`` uses :mod:`xlperf.writers.annotate`, which never needs openpyxl) does not pay for
openpyxl's import at start-up.
"""

from __future__ import annotations

import importlib

__all__ = [
    "IndicatorData",
    "ProjectData",
    "SheetLayout",
    "UnitData",
    "build_template",
    "save_template",
    "workbook_bytes",
]


def __getattr__(name: str):
    if name in __all__:
        return getattr(importlib.import_module("xlperf.writers.template"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
