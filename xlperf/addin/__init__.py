"""The Excel add-in (xlperf.xlam), built from the text sources in ``vba/`` with no Excel needed.

``build_addin`` and ``install_addin`` load xlwings (whose runtime the add-in embeds); they are imported
on first use, so that ``xlperf doctor`` (:mod:`xlperf.addin.doctor`) still runs, and says so, where
xlwings is missing or broken.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from xlperf.addin.build import build_addin
    from xlperf.addin.install import install_addin

__all__ = ["build_addin", "install_addin"]


def __getattr__(name: str):
    if name == "build_addin":
        from xlperf.addin.build import build_addin

        return build_addin
    if name == "install_addin":
        from xlperf.addin.install import install_addin

        return install_addin
    raise AttributeError(name)
