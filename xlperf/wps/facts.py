"""The WPS side of this PC, described for the pure checks of :mod:`xlperf.addin.doctor` (WpsFacts)."""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
import urllib.error
import urllib.request
from collections.abc import Mapping
from pathlib import Path

from xlperf.addin.doctor import WpsFacts
from xlperf.wps import config, install

REQUIRED = ("ribbon.xml", "main.js", "config.js", "js/xlperf.js", "js/ribbon.js")
_CONFIG_JS = re.compile(r'"token"\s*:\s*"([^"]+)"')


def wps_installed(platform: str | None = None) -> bool | None:
    platform = sys.platform if platform is None else platform
    if platform == "win32":  # pragma: no cover - Windows only
        try:
            import winreg

            with winreg.OpenKey(winreg.HKEY_CLASSES_ROOT, r"KET.Sheet.12"):
                return True
        except OSError:
            return False
    for p in (
        "/opt/kingsoft/wps-office/office6/et",
        "/opt/apps/cn.wps.wps-office-pro/files/kingsoft/wps-office/office6/et",
    ):
        if os.path.exists(p):
            return True
    return shutil.which("et") is not None or shutil.which("wps") is not None


def probe(cfg: config.ServeConfig, timeout: float = 2.0) -> tuple[str, str | None]:
    """("running", version) / ("token", None) / ("stopped", None)."""
    req = urllib.request.Request(
        f"http://127.0.0.1:{cfg.port}/v1/health", headers={config.TOKEN_HEADER: cfg.token}
    )
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:  # noqa: S310 - loopback, our port
            data = json.loads(r.read())
        return ("running", data.get("version")) if data.get("ok") else ("token", None)
    except urllib.error.HTTPError as exc:
        return ("token", None) if exc.code in (401, 403) else ("stopped", None)
    except (OSError, ValueError):
        return ("stopped", None)


def _blockhost_lines(path: Path) -> tuple[str, ...]:
    try:
        text = path.read_bytes().decode("utf-8", "replace")
    except OSError:
        return ()
    return tuple(
        line.strip()
        for line in text.splitlines()
        if re.search(r"\bet\b|xlperf", line, re.I) and not line.strip().startswith(";")
    )


def gather(env: Mapping[str, str] | None = None, service_running: bool = False) -> WpsFacts:
    """Describe the WPS add-in's installation and the service (``service_running``: the caller is the
    service itself, which need not ask itself)."""
    env = os.environ if env is None else env
    jsaddons = install.jsaddons_dir(env)
    folders = install._our_folders(jsaddons)  # noqa: SLF001 - the installer's own definition of ours
    publish = jsaddons / "publish.xml"
    versions: tuple[str, ...] = ()
    error = None
    if publish.is_file():
        try:
            data = publish.read_bytes()
            install._check_publish(data, publish)  # noqa: SLF001
            versions = tuple(
                install._attr(m.group(0), "version") or "?"  # noqa: SLF001
                for m in install._ENTRY.finditer(data)  # noqa: SLF001
                if install._ours(m.group(0))  # noqa: SLF001
            )
        except (OSError, install.WpsInstallError) as exc:
            error = str(exc)
    named = [f for f in folders if f.name.split("_", 1)[-1] in versions] or folders
    missing = tuple(n for n in REQUIRED if named and not (named[0] / n).is_file())
    cfg_path = config.config_path(env)
    cfg = None
    cfg_error = None
    try:
        cfg = config.load(cfg_path)
    except config.ConfigError as exc:
        cfg_error = str(exc)
    matches = None
    if cfg is not None and named and (named[0] / "config.js").is_file():
        m = _CONFIG_JS.search((named[0] / "config.js").read_text("utf-8", errors="replace"))
        matches = bool(m) and m.group(1) == cfg.token
    service, version = ("unknown", None)
    if cfg is not None:
        service, version = ("running", None) if service_running else probe(cfg)
        if service_running:
            from xlperf import __version__

            version = __version__
    start = install.startup_file(env)
    return WpsFacts(
        platform=sys.platform,
        jsaddons=str(jsaddons),
        wps_installed=wps_installed(),
        addin_folders=tuple(str(f) for f in named),
        addin_missing=missing,
        publish_exists=publish.is_file(),
        publish_error=error,
        publish_versions=versions,
        config_path=str(cfg_path),
        config_error=cfg_error,
        port=cfg.port if cfg else None,
        token_in_addin_matches=matches,
        service=service,
        service_version=version,
        autostart=str(start) if start.is_file() and install._is_our_startup(start) else None,  # noqa: SLF001
        autostart_expected=str(start),
        blockhost=tuple((str(p), _blockhost_lines(p)) for p in install.blockhost_files(jsaddons)),
    )
