"""Writers: the workbook template (and the sample workbooks built with it)."""

from xlperf.writers.template import (
    IndicatorData,
    ProjectData,
    SheetLayout,
    UnitData,
    build_template,
    save_template,
    workbook_bytes,
)

__all__ = [
    "IndicatorData",
    "ProjectData",
    "SheetLayout",
    "UnitData",
    "build_template",
    "save_template",
    "workbook_bytes",
]
