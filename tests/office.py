"""A headless LibreOffice that tests drive as a user drives an office suite (see tests/uno_driver.py).

    with Office() as lo:
        doc = lo.open(template)
        lo.type(doc, "自评表1", "F21", "９８％")        # typed, so Calc decides what it is
        lo.copy_row_insert(doc, "自评表1", 20, 21)      # copy a row, insert the copied cells
        lo.delete_rows(doc, "自评表1", 25)
        lo.save_xlsx(doc, out)                         # saved by the office suite: cached values
        lo.close(doc)

One soffice per :class:`Office`, with its own profile (parallel test workers never share one), and one
driver process under the system Python that has ``uno``. Every method of the driver is available as a
method here with the same keyword arguments; paths may be :class:`~pathlib.Path`.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import uuid
from pathlib import Path

DRIVER = Path(__file__).with_name("uno_driver.py")


class OfficeError(RuntimeError):
    pass


def uno_python() -> str | None:
    """A Python interpreter that can ``import uno`` (Debian's python3-uno is for the system Python)."""
    candidates = [os.environ.get("XLPERF_UNO_PYTHON"), "/usr/bin/python3", shutil.which("python3")]
    for exe in candidates:
        if exe and os.path.exists(exe):
            ok = subprocess.run([exe, "-c", "import uno"], capture_output=True, check=False).returncode == 0
            if ok:
                return exe
    return None


def available() -> bool:
    return shutil.which("soffice") is not None and uno_python() is not None


class Office:
    def __init__(self, timeout: float = 120) -> None:
        self.timeout = timeout
        self._tmp = tempfile.TemporaryDirectory(prefix="xlperf-uno-", ignore_cleanup_errors=True)
        self._soffice: subprocess.Popen | None = None
        self._driver: subprocess.Popen | None = None

    def __enter__(self) -> Office:
        exe, py = shutil.which("soffice"), uno_python()
        if exe is None or py is None:
            raise OfficeError("LibreOffice (soffice) with python3-uno is required")
        pipe = f"xlperf-{uuid.uuid4().hex}"
        profile = Path(self._tmp.name, "profile").as_uri()
        self._soffice = subprocess.Popen(
            [exe, f"-env:UserInstallation={profile}", "--headless", "--invisible", "--norestore",
             "--nologo", "--nodefault", "--nolockcheck", f"--accept=pipe,name={pipe};urp;"],
            stdout=subprocess.DEVNULL, stderr=open(os.environ.get("XLPERF_UNO_LOG", os.devnull), "w"),
            start_new_session=True,  # its own process group: soffice.bin outlives the soffice launcher
        )  # fmt: skip
        self._driver = subprocess.Popen(
            [py, str(DRIVER), "--pipe", pipe],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8",
        )  # fmt: skip
        ready = self._driver.stdout.readline()
        if not ready:
            raise OfficeError(f"UNO driver did not start: {self._driver.stderr.read()[-2000:]}")
        return self

    def __exit__(self, *exc) -> None:
        try:
            if self._driver and self._driver.poll() is None:
                self._call("quit")
                self._driver.wait(10)
        except Exception:  # noqa: BLE001 - shutting down anyway
            pass
        finally:
            for proc in (self._driver, self._soffice):
                if proc is None:
                    continue
                if proc.poll() is None:
                    proc.kill()
                proc.wait(30)
            if self._soffice is not None:
                _kill_group(self._soffice.pid)  # soffice.bin, whose launcher has already exited
            self._tmp.cleanup()

    def _call(self, op: str, **kw):
        assert self._driver is not None and self._driver.stdin and self._driver.stdout
        kw = {k: str(v) if isinstance(v, Path) else v for k, v in kw.items()}
        if isinstance(kw.get("path"), str):
            kw["path"] = os.path.abspath(kw["path"])  # soffice loads URLs: relative paths are not ones
        self._driver.stdin.write(json.dumps({"op": op, **kw}, ensure_ascii=False) + "\n")
        self._driver.stdin.flush()
        line = self._driver.stdout.readline()
        if not line:
            raise OfficeError(f"UNO driver died during {op}: {self._driver.stderr.read()[-2000:]}")
        reply = json.loads(line)
        if not reply["ok"]:
            raise OfficeError(f"{op}: {reply['error']}")
        return reply["result"]

    def __getattr__(self, op: str):
        if op.startswith("_"):
            raise AttributeError(op)
        return lambda *args, **kw: self._call(op, **_positional(op, args), **kw)


def _kill_group(pgid: int) -> None:
    """End the process group this :class:`Office` started (and only it), and wait until it is gone, so
    its profile can be removed and no soffice.bin is left behind."""
    import signal
    import time

    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(pgid, sig)
        except (ProcessLookupError, PermissionError, AttributeError):  # gone (or not POSIX)
            return
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                os.killpg(pgid, 0)
            except (ProcessLookupError, PermissionError):
                return
            time.sleep(0.1)


_ARGS = {
    "open": ("path", "macros"),
    "close": ("doc",),
    "save_xlsx": ("doc", "path"),
    "save_as": ("doc", "path", "filter"),
    "recalc": ("doc",),
    "sheets": ("doc",),
    "type": ("doc", "sheet", "cell", "text"),
    "type_many": ("doc", "sheet", "cells"),
    "set_value": ("doc", "sheet", "cell", "value"),
    "set_string": ("doc", "sheet", "cell", "text"),
    "clear": ("doc", "sheet", "cells"),
    "unprotect": ("doc", "sheet", "password"),
    "protect": ("doc", "sheet", "password"),
    "is_protected": ("doc", "sheet"),
    "is_locked": ("doc", "sheet", "cell"),
    "insert_rows": ("doc", "sheet", "row", "count"),
    "delete_rows": ("doc", "sheet", "row", "count"),
    "copy_row_insert": ("doc", "sheet", "source", "before"),
    "copy_row_api": ("doc", "sheet", "source", "before"),
    "hide_sheet": ("doc", "sheet"),
    "rename_sheet": ("doc", "sheet", "name"),
    "add_sheet": ("doc", "name", "position"),
    "cell": ("doc", "sheet", "cell"),
    "data": ("doc", "sheet", "cells"),
    "formulas": ("doc", "sheet", "cells"),
    "looks": ("doc", "sheet", "cells"),
    "notes": ("doc", "sheet"),
    "copy_range": ("doc", "sheet", "source", "dest"),
    "merge": ("doc", "sheet", "cells", "merge"),
    "is_merged": ("doc", "sheet", "cells"),
    "set_formulas": ("doc", "sheet", "cells", "formulas"),
    "validation": ("doc", "sheet", "cell"),
    "call_basic": ("doc", "library", "module", "function"),
}


def _positional(op: str, args: tuple) -> dict:
    names = _ARGS.get(op)
    if names is None:
        if args:
            raise TypeError(f"{op}: pass keyword arguments")
        return {}
    return dict(zip(names, args, strict=False))


def make_cases(description: str, cases, by_name, build, default_out: Path, argv: list[str] | None) -> int:
    """The command line of a corpus generator (tests/corpus/make_corpus.py, tests/provinces/
    make_provinces.py): the cases named (default: all) built through one LibreOffice into ``--out``."""
    import argparse

    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("names", nargs="*", help="cases to make (default: all)")
    ap.add_argument("--out", type=Path, default=default_out)
    args = ap.parse_args(argv)
    unknown = set(args.names) - set(by_name)
    if unknown:
        ap.error(f"unknown cases: {', '.join(sorted(unknown))}")
    chosen = [by_name[n] for n in args.names] if args.names else cases
    args.out.mkdir(parents=True, exist_ok=True)
    with Office() as lo:
        for case in chosen:
            office, script = build(case, lo, args.out)
            print(f"{office.name}, {script.name}")
    return 0


def apply_steps(lo: Office, doc, steps) -> None:
    """A corpus case's steps, as a user does them in the office suite: ("type", sheet, {cell: text}),
    ("insert_rows" | "delete_rows" | "copy_row_insert", …) and ("protect" | "unprotect", sheet)."""
    for op, *args in steps:
        if op == "type":
            sheet, cells = args
            lo.type_many(doc, sheet, {k: v for k, v in cells.items() if v})
        elif op in ("insert_rows", "delete_rows", "copy_row_insert"):  # copy_row_insert: Edit ▸ Copy the
            getattr(lo, op)(doc, *args)  # row, Insert Copied Cells (its cells come along)
        elif op in ("unprotect", "protect"):
            getattr(lo, op)(doc, args[0])
        else:
            raise ValueError(op)
