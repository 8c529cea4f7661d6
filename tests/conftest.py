"""Shared fixtures. Tests marked ``libreoffice`` skip where soffice is absent, except when
XLPERF_REQUIRE_LIBREOFFICE=1 (set by .ci/run), where a missing LibreOffice is a failure."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "workbooks" / "samples"
sys.path.insert(0, str(Path(__file__).resolve().parent))  # tests/factory.py, tests/fake_xlwings.py


def pytest_runtest_setup(item):
    if "libreoffice" in item.keywords and not shutil.which("soffice"):
        if os.environ.get("XLPERF_REQUIRE_LIBREOFFICE") == "1":
            pytest.fail("LibreOffice (soffice) is required (XLPERF_REQUIRE_LIBREOFFICE=1) but not installed")
        pytest.skip("LibreOffice (soffice) is not installed")


@pytest.fixture
def soffice() -> str:
    """Path of soffice; fails the test when required and absent."""
    path = shutil.which("soffice")
    if path is None:
        if os.environ.get("XLPERF_REQUIRE_LIBREOFFICE") == "1":
            pytest.fail("LibreOffice (soffice) is required (XLPERF_REQUIRE_LIBREOFFICE=1) but not installed")
        pytest.skip("LibreOffice (soffice) is not installed")
    return path


@pytest.fixture(scope="session")
def samples_dir() -> Path:
    return SAMPLES


@pytest.fixture(scope="session")
def seed_sample() -> Path:
    return SAMPLES / "长安区委编办_2020.xlsx"


@pytest.fixture(autouse=True)
def _fresh_value_caches():
    """Every test parses its values afresh: the process-wide caches of parsed values and normalised labels
    (xlperf.core.values, .labels, .grid) would otherwise hand a test what an earlier test (or an import)
    computed, and mutation testing would never see a mutant of the parsing code run."""
    from xlperf.core import grid, labels, values

    values._STR_CACHE[False].clear()
    values._STR_CACHE[True].clear()
    values._NUM_CACHE.clear()
    values._INT_CACHE.clear()
    grid._NORM_CACHE.clear()
    for fn in (labels._norm_short, labels.section_of, labels.weight_in_label):
        fn.cache_clear()
    yield


@pytest.fixture(scope="session")
def office_seed(tmp_path_factory, seed_sample) -> Path:
    """The seed sample as a user's office suite keeps it: LibreOffice opens it, recalculates and saves.
    The committed sample is written by a script (formulas without cached results); Excel and WPS always
    show a formula's result, so the fakes of a live workbook (FakeBook, the fake ET) need a file that
    holds them."""
    if not shutil.which("soffice"):
        if os.environ.get("XLPERF_REQUIRE_LIBREOFFICE") == "1":
            pytest.fail("LibreOffice (soffice) is required (XLPERF_REQUIRE_LIBREOFFICE=1) but not installed")
        pytest.skip("LibreOffice (soffice) is not installed")
    from office import Office

    out = tmp_path_factory.mktemp("office-saved") / seed_sample.name
    # a copy is opened: LibreOffice locks what it opens, and another xdist worker may be opening the seed
    src = tmp_path_factory.mktemp("office-seed") / seed_sample.name
    shutil.copy(seed_sample, src)
    with Office() as lo:
        doc = lo.open(str(src))
        lo.recalc(doc)
        lo.save_xlsx(doc, str(out))
        lo.close(doc)
    return out


@pytest.fixture(scope="session")
def office_samples(tmp_path_factory, samples_dir) -> dict[str, Path]:
    """Every sample as Excel or WPS keeps it once opened and saved: the formulas' results cached (LibreOffice
    recalculates and saves), so a fake of a live workbook shows what the user sees. File name -> path."""
    if not shutil.which("soffice"):
        if os.environ.get("XLPERF_REQUIRE_LIBREOFFICE") == "1":
            pytest.fail("LibreOffice (soffice) is required (XLPERF_REQUIRE_LIBREOFFICE=1) but not installed")
        pytest.skip("LibreOffice (soffice) is not installed")
    from xlperf import libreoffice

    out = tmp_path_factory.mktemp("office-samples")
    return {p.name: libreoffice.convert(p, "xlsx", out) for p in sorted(samples_dir.glob("*.xlsx"))}
