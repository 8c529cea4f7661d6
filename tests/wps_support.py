"""What the WPS add-in's tests share: Node and Chromium, a real ``xlperf serve``, workbooks as JSON.

- :func:`node` / :func:`chromium` find the tools; they skip where absent, except when
  ``XLPERF_REQUIRE_NODE=1`` (set by ``.ci/run``), where a missing tool is a failure (as LibreOffice is
  with ``XLPERF_REQUIRE_LIBREOFFICE``).
- :class:`Service` runs ``python -m xlperf serve`` on a free loopback port with a settings file of its
  own, as the user's login would.
- :func:`authed` speaks the service's protocol (the hello, the MAC over its nonce: xlperf/wps/auth.py),
  written out independently, for tests that send requests of their own (:func:`raw`).
- :func:`export_book` turns an xlsx into the JSON tests/js/fake_et.js loads (cached values as Excel
  shows them, formulas, fills, notes, protection, merges); :func:`snapshot` gives an openpyxl workbook
  (what the Excel ribbon left in tests/fake_xlwings.py) in the same form as the fake ET's ``dump()``.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import os
import secrets
import shutil
import subprocess
import sys
import time
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from xlperf.cli import cli
from xlperf.writers import ooxml as ox
from xlperf.writers.xlsxparts import Book

from conftest import ROOT
from fake_xlwings import footer_part_text

JS = ROOT / "tests" / "js"
ADDIN = ROOT / "wps"
NODE_MODULES = ROOT / "node_modules"
RESULT_SHEET = "校验结果"
REQUIRE = os.environ.get("XLPERF_REQUIRE_NODE") == "1"


def _missing(what: str) -> None:
    if REQUIRE:
        pytest.fail(f"{what} is required (XLPERF_REQUIRE_NODE=1) but missing")
    pytest.skip(f"{what} is missing")


def node() -> str:
    path = shutil.which("node")
    if path is None:
        _missing("node (Node.js 20)")
    out = subprocess.run([path, "--version"], capture_output=True, text=True, check=True).stdout.strip()
    if int(out.lstrip("v").split(".")[0]) < 20:
        _missing(f"Node.js >= 20 (found {out})")
    return path


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            break
    else:
        _missing("chromium (Debian's package)")
    if not (NODE_MODULES / "playwright-core" / "package.json").is_file():
        _missing("playwright-core (run npm ci)")
    return path


def run_node(
    args: list[str], *, timeout: float = 120, env: dict | None = None
) -> subprocess.CompletedProcess:
    return subprocess.run([node(), *args], capture_output=True, text=True, timeout=timeout, cwd=ROOT,
                          env={**os.environ, **(env or {})})  # fmt: skip


# --- the protocol, as a client speaks it -------------------------------------------------------------------


def mac(secret: str, *parts: object, body: bytes | None = None) -> str:
    msg = "\n".join(str(p) for p in parts).encode("utf-8")
    if body is not None:
        msg += b"\n" + body
    return hmac.new(secret.encode("utf-8"), msg, hashlib.sha256).hexdigest()


def raw(
    port: int, method: str, path: str, body: bytes = b"", headers: dict | None = None, timeout: float = 30
):
    """One HTTP request to 127.0.0.1:port as given: (status, headers, JSON or bytes)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    h = {"Host": f"127.0.0.1:{port}", **(headers or {})}
    conn.request(method, path, body=body or None, headers=h)
    r = conn.getresponse()
    data = r.read()
    conn.close()
    try:
        payload = json.loads(data) if data else None
    except ValueError:
        payload = data
    return r.status, dict(r.getheaders()), payload


def hello(port: int, secret: str) -> str:
    """The service's nonce, its proof checked."""
    cn = secrets.token_hex(16)
    status, _, answer = raw(port, "GET", f"/v1/hello?nonce={cn}")
    assert status == 200, answer
    sn = answer["nonce"]
    assert answer["proof"] == mac(secret, "xlperf-server", port, cn, sn)
    return sn


def authed(port: int, secret: str, method: str, path: str, length: int) -> dict:
    """The headers of an authenticated request: the service's hello checked, then the request's MAC over
    the service's nonce."""
    sn = hello(port, secret)
    return {
        "X-Xlperf-Nonce": sn,
        "X-Xlperf-Auth": mac(secret, "xlperf-client", port, sn, method, path, length),
    }


# --- a real service ------------------------------------------------------------------------------------


class Service:
    """``xlperf serve`` in a subprocess on a free port (its own settings file and log)."""

    def __init__(self, tmp: Path, *extra: str, config_file: Path | None = None, port: int = 0) -> None:
        from xlperf.wps.config import ServeConfig, load, new_secret, save

        tmp.mkdir(parents=True, exist_ok=True)
        if config_file is None:  # settings of its own; else an installed add-in's
            config_file = tmp / "serve.json"
            save(ServeConfig(0, new_secret()), config_file)
        self.config_file = config_file
        self.cfg = load(config_file)
        self.log = tmp / "serve.log"
        self.home = tmp / "home"  # the service's user: nothing of the developer's own setup leaks in
        self.home.mkdir(exist_ok=True)
        env = {k: v for k, v in os.environ.items() if not k.startswith("XDG_")}
        env.update(HOME=str(self.home), APPDATA=str(self.home / "AppData"))
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "xlperf", "serve", "--port", str(port), "--config", str(self.config_file),
             "--log", str(self.log), "--no-open", *extra],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp, env=env,
        )  # fmt: skip
        line = self.proc.stdout.readline()
        if "http://127.0.0.1:" not in line:
            self.proc.kill()
            raise RuntimeError(f"xlperf serve did not start: {line!r} {self.proc.stderr.read()}")
        self.port = int(line.split("http://127.0.0.1:")[1].split("/")[0])
        self.url = f"http://127.0.0.1:{self.port}"
        self.secret = self.cfg.secret

    def settings(self) -> dict:
        """What the add-in reads from its key file."""
        return {"port": self.port, "secret": self.secret}

    def key_text(self) -> str:
        """The add-in's key file for this service (its real port)."""
        from xlperf import __version__
        from xlperf.wps.config import ServeConfig, key_text

        return key_text(ServeConfig(self.port, self.secret), __version__).decode("utf-8")

    def call(self, method: str, path: str, body: dict | None = None):
        """An authenticated call, as the add-in makes it (xlperf/wps/auth.py)."""
        from xlperf.wps import auth

        return auth.call(self.port, self.secret, method, path, body, timeout=300)

    def alive(self) -> bool:
        try:
            return self.call("GET", "/v1/health").data["ok"] is True
        except Exception:  # noqa: BLE001 - not alive, whatever the reason
            return False

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        for s in (self.proc.stdout, self.proc.stderr):
            if s:
                s.close()


def wait_until(pred, timeout: float = 10.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return True
        time.sleep(0.05)
    return pred()


# --- workbooks as JSON -----------------------------------------------------------------------------------


def _fill(cell) -> str | None:
    f = cell.fill
    if f is None or f.fill_type != "solid":
        return None
    rgb = f.fgColor.rgb if isinstance(f.fgColor.rgb, str) else None
    return rgb[-6:].upper() if rgb else None


_PROTECTION_FLAGS = ("formatCells", "formatColumns", "formatRows", "insertColumns", "insertRows",
                     "insertHyperlinks", "deleteColumns", "deleteRows", "sort", "autoFilter", "pivotTables")  # fmt: skip


def footer_parts(ws) -> dict[str, str]:
    """The sheet's footer parts that hold anything, as PageSetup's LeftFooter/CenterFooter/RightFooter
    give them (the fake xlwings's form: tests/fake_xlwings.py footer_part_text)."""
    f = ws.oddFooter
    parts = {"L": footer_part_text(f.left), "C": footer_part_text(f.center), "R": footer_part_text(f.right)}
    return {k: v for k, v in parts.items() if v}


def export_book(path: Path, full_name: str | None = None) -> dict:
    """The workbook as the fake ET loads it: what WPS would show (cached values) and hold."""
    wb = openpyxl.load_workbook(path)
    cached = openpyxl.load_workbook(path, data_only=True)
    sheets = []
    for ws in wb.worksheets:
        cws = cached[ws.title]
        cells = {}
        for row in ws.iter_rows():
            for c in row:
                if type(c).__name__ == "MergedCell":
                    continue
                v = c.value
                formula = None
                if hasattr(v, "text"):  # an array formula
                    formula, v = "=" + v.text.lstrip("="), cws[c.coordinate].value
                elif isinstance(v, str) and v.startswith("="):
                    formula, v = v, cws[c.coordinate].value
                if hasattr(v, "isoformat"):
                    v = (v - __import__("datetime").datetime(1899, 12, 30)).total_seconds() / 86400
                entry = {}
                if v is not None:
                    entry["v"] = v
                if formula:
                    entry["f"] = formula
                if _fill(c):
                    entry["fill"] = _fill(c)
                if c.comment is not None:
                    entry["note"] = c.comment.text
                if not c.protection.locked:
                    entry["locked"] = False
                if entry:
                    cells[c.coordinate] = entry
        p = ws.protection
        protection = {"sheet": bool(p.sheet), "password": bool(p.password), "objects": bool(p.objects),
                      "scenarios": bool(p.scenarios)}  # fmt: skip
        protection.update({k: bool(getattr(p, k)) for k in _PROTECTION_FLAGS})
        footer = footer_parts(ws)
        sheets.append({
            **({"footer": footer} if footer else {}),
            "name": ws.title,
            "state": {"visible": "visible", "hidden": "hidden", "veryHidden": "veryhidden"}[ws.sheet_state],
            "cells": cells,
            "merges": [str(m) for m in ws.merged_cells.ranges],
            "widths": {k: d.width for k, d in ws.column_dimensions.items() if d.width},
            "protection": protection,
        })  # fmt: skip
    return {"fullName": full_name or str(path), "sheets": sheets}


def snapshot(wb: openpyxl.Workbook) -> dict:
    """An openpyxl workbook in the form of fake_et.js's dump(): values as written (formula text for
    formulas), fills, notes of every sheet; the footer of every other sheet; fonts, alignment, borders,
    widths, heights, merges, frozen panes, filter and print setup of the 校验结果 sheet."""
    out = {"order": [ws.title for ws in wb.worksheets], "active": wb.active.title if wb.worksheets else None,
           "sheets": {}}  # fmt: skip
    for ws in wb.worksheets:
        result = ws.title == RESULT_SHEET
        cells = {}
        for row in ws.iter_rows():
            for c in row:
                if type(c).__name__ == "MergedCell":
                    continue
                e = {}
                v = c.value
                if hasattr(v, "text"):
                    v = "=" + v.text.lstrip("=")
                if v is not None:
                    e["v"] = v
                if _fill(c):
                    e["fill"] = _fill(c)
                if c.comment is not None:
                    e["note"] = c.comment.text
                if result:
                    f = c.font
                    color = (
                        f.color.rgb[-6:].upper()
                        if f.color is not None and isinstance(f.color.rgb, str)
                        else "000000"
                    )
                    font = [f.name, f.sz, bool(f.b), color, f.u == "single"]
                    if font != ["Calibri", 11, False, "000000", False]:
                        e["font"] = font
                    a = c.alignment
                    align = [a.horizontal or "general", a.vertical or "bottom", bool(a.wrap_text)]
                    if align != ["general", "bottom", False]:
                        e["align"] = align
                    if c.border.left is not None and c.border.left.style == "thin":
                        e["border"] = (
                            c.border.left.color.rgb[-6:].upper() if c.border.left.color else "000000"
                        )
                if e:
                    cells[c.coordinate] = e
        entry = {"state": {"visible": "visible", "hidden": "hidden", "veryHidden": "veryhidden"}[ws.sheet_state],
                 "protected": bool(ws.protection.sheet), "cells": cells}  # fmt: skip
        if result:
            ps = ws.page_setup
            m = ws.page_margins
            entry.update({
                "widths": {k: d.width for k, d in ws.column_dimensions.items() if d.width},
                "heights": {str(r): d.height for r, d in ws.row_dimensions.items() if d.height is not None},
                "merges": sorted(str(r) for r in ws.merged_cells.ranges),
                "freeze": ws.freeze_panes,
                "filter": ws.auto_filter.ref,
                "page": {
                    "orientation": ps.orientation, "paper": int(ps.paperSize) if ps.paperSize else None,
                    "fitToPage": bool(ws.sheet_properties.pageSetUpPr.fitToPage),
                    "fitWidth": ps.fitToWidth, "fitHeight": ps.fitToHeight, "titles": ws.print_title_rows,
                    "footer": ws.oddFooter.center.text, "hcenter": bool(ws.print_options.horizontalCentered),
                    "margins": [m.left, m.right, m.top, m.bottom],
                },
            })  # fmt: skip
        elif footer_parts(ws):
            entry["footer"] = footer_parts(ws)
        out["sheets"][ws.title] = entry
    return out


def normalise(snap: dict) -> dict:
    """JSON round trip (1 == 1.0, tuples are lists) so the two sides compare as data."""
    return json.loads(json.dumps(snap, ensure_ascii=False, sort_keys=True))


# --- the annotated copy with the user's footers (tests/test_footer_key.py, tests/test_wps_addin.py) ---

SAMPLE = ROOT / "workbooks" / "samples" / "长安区委编办_2020.xlsx"


def with_footers(src: Path, out: Path, left_of: dict[str, str]) -> Path:
    """The sample as a user set up its printing: a right part (机密) on every footer, and on the sheets of
    ``left_of`` a left part of their own (the sheet parts' footers edited, everything else as it was)."""
    pkg = ox.Package.open(src)
    for entry in Book(pkg).sheets:
        text = pkg.text(entry.part)
        if "</oddFooter>" not in text:
            continue  # the template's hidden _xlperf sheet: no footer
        text = text.replace("</oddFooter>", "&amp;R机密</oddFooter>")
        if entry.name in left_of:
            text = text.replace("<oddFooter>", "<oddFooter>&amp;L" + left_of[entry.name])
        pkg.write(entry.part, text.encode("utf-8"))
    pkg.save(out)
    return out


def validate_o(src: Path, out: Path) -> Path:
    r = CliRunner().invoke(cli, ["validate", str(src), "-o", str(out)], catch_exceptions=False)
    assert r.exit_code == 1 and out.is_file(), r.output  # findings: exit 1, the copy written
    return out
