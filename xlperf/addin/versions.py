"""The xlwings versions the add-in is built with, the record of them kept inside the add-in, and the
one-line Python probe the add-in runs before its first RunPython of a session.

The add-in embeds xlwings' VBA runtime (``xlwings_custom_addin.bas``) and the UDF wrappers xlwings'
own generator writes; the runtime names the xlwings DLL with its exact version
(``xlwings64-0.37.8.dll``), and that DLL ships with the xlwings Python package. An add-in built with
xlwings X therefore only computes its XP_ cells where xlwings X is installed. pyproject.toml pins
xlwings to :data:`SUPPORTED_XLWINGS`: the versions whose runtime text and UDF generator the build has
been checked against (0.33.22, 0.35.3, 0.36.17, 0.37.0 and 0.37.8 were compared: the same runtime
apart from the version strings, the same ``generate_vba_wrapper``; 0.33.0 and older carry another
runtime). A version outside the range is refused at build time with a Chinese message.

The version comparison is written here (a few lines) rather than taken from ``packaging``, which is not
a dependency of xlperf.
"""

from __future__ import annotations

import re

XLWINGS_MIN = (0, 33, 22)  # inclusive
XLWINGS_BELOW = (0, 38)  # exclusive
SUPPORTED_XLWINGS = f">={'.'.join(map(str, XLWINGS_MIN))},<{'.'.join(map(str, XLWINGS_BELOW))}"

# exit codes of the probe (PROBE_EXIT) and of cmd.exe when the program is not found
PROBE_EXIT = {
    "ok": 0,
    "no_xlperf": 11,
    "no_xlwings": 12,
    "xlwings_mismatch": 13,
    "xlperf_mismatch": 14,
    "old_python": 15,
    "broken_xlperf": 16,
}
CMD_NOT_FOUND = 9009  # cmd.exe: "'python' is not recognized ..."; also the Microsoft Store stub
MIN_PYTHON = (3, 11)


def version_tuple(version: str) -> tuple[int, ...]:
    """``"0.37.8"`` -> ``(0, 37, 8)``; a pre-release or local suffix is ignored (``"0.38.0rc1"`` -> 0.38.0)."""
    parts = []
    for piece in version.split("."):
        m = re.match(r"\d+", piece)
        if not m:
            break
        parts.append(int(m.group(0)))
        if m.end() != len(piece):
            break
    return tuple(parts)


def xlwings_supported(version: str) -> bool:
    """Whether an xlwings version is inside :data:`SUPPORTED_XLWINGS`."""
    v = version_tuple(version)
    return bool(v) and v >= XLWINGS_MIN and v[: len(XLWINGS_BELOW)] < XLWINGS_BELOW


def probe_code(xlwings_version: str, xlperf_version: str) -> str:
    """The Python one-liner the add-in runs (``python -B -c CODE``) before the first RunPython.

    Its exit code says what is wrong (:data:`PROBE_EXIT`). It holds no double quote (it goes inside
    one on the cmd.exe line) and stays valid Python 3 syntax on old interpreters, so that an old
    Python reaches the version test instead of a syntax error.
    """
    e = PROBE_EXIT
    steps = [
        "import sys",
        f"sys.exit({e['old_python']}) if sys.version_info<{MIN_PYTHON!r} else 0",
        "from importlib.util import find_spec as f",
        f"sys.exit({e['no_xlperf']}) if f('xlperf') is None else 0",
        f"sys.exit({e['no_xlwings']}) if f('xlwings') is None else 0",
        "from importlib.metadata import version as v",
        f"sys.exit({e['xlwings_mismatch']}) if v('xlwings')!={xlwings_version!r} else 0",
        f"sys.exit({e['xlperf_mismatch']}) if v('xlperf')!={xlperf_version!r} else 0",
        # the ribbon's own module, with everything it imports: an incomplete install fails here
        f"exec('try:\\n import xlperf.excel.macros\\nexcept Exception:\\n sys.exit({e['broken_xlperf']})')",
    ]
    code = ";".join(steps)
    assert '"' not in code and code.isascii()
    return code
