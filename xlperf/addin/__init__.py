"""The Excel add-in (xlperf.xlam), built from the text sources in ``vba/`` with no Excel needed."""

from __future__ import annotations

from xlperf.addin.build import build_addin
from xlperf.addin.install import install_addin

__all__ = ["build_addin", "install_addin"]
