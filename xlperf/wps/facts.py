"""The WPS side of this PC, described for the pure checks of :mod:`xlperf.addin.doctor` (WpsFacts)."""

from __future__ import annotations

import glob
import json
import os
import re
import shutil
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from xlperf.addin.doctor import WpsFacts
from xlperf.wps import auth, config, install

REQUIRED = ("ribbon.xml", "index.html", "main.js", config.KEY_FILE, "js/xlperf.js", "js/ribbon.js")
TRUST_FILE = "authaddin.json"  # beside publish.xml: what WPS recorded when the user trusted an add-in
# where WPS keeps office6/cfgs/oem.ini (Linux: the deb, UOS's and Kylin's packages)
LINUX_OFFICE6 = (
    "/opt/kingsoft/wps-office/office6",
    "/opt/apps/cn.wps.wps-office-pro/files/kingsoft/wps-office/office6",
    "/opt/apps/cn.wps.wps-office/files/kingsoft/wps-office/office6",
)


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
    """("running", version) / ("not_ours", None): something answers but cannot prove it knows the install
    secret (another user's service, an older xlperf, another program) / ("stopped", None)."""
    try:
        answer = auth.call(cfg.port, cfg.secret, "GET", "/v1/health", timeout=timeout)
    except auth.NotOurService:
        return ("not_ours", None)
    except OSError:
        return ("stopped", None)
    return ("running", answer.data.get("version")) if answer.data.get("ok") else ("not_ours", None)


def office6_dirs(env: Mapping[str, str] | None = None, platform: str | None = None) -> list[Path]:
    """WPS's program folders (``…/office6``) on this PC."""
    env = os.environ if env is None else env
    platform = sys.platform if platform is None else platform
    if platform == "win32":
        patterns = [str(Path(env[k]) / "Kingsoft" / "WPS Office" / "*" / "office6")
                    for k in ("LOCALAPPDATA", "ProgramFiles", "ProgramFiles(x86)") if env.get(k)]  # fmt: skip
        return sorted({Path(m) for pat in patterns for m in glob.glob(pat) if os.path.isdir(m)})
    return [Path(d) for d in LINUX_OFFICE6 if os.path.isdir(d)]


def jsapi_plugin(path: Path) -> bool | None:
    """``[Support] JsApiPlugin`` of an oem.ini: True when it says true, False otherwise (absent included),
    None when the file cannot be read."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    text = (
        data.decode("utf-16")
        if data.startswith((b"\xff\xfe", b"\xfe\xff"))
        else data.decode("utf-8", "replace")
    )
    section = ""
    for line in text.lstrip("\ufeff").splitlines():
        line = line.strip()
        if line.startswith("[") and "]" in line:
            section = line[1 : line.index("]")].strip().lower()
        elif section == "support" and "=" in line and not line.startswith((";", "#")):
            key, _, value = line.partition("=")
            if key.strip().lower() == "jsapiplugin":
                return value.strip().lower() in ("true", "1")
    return False


def oem_settings(
    env: Mapping[str, str] | None = None, dirs: Sequence[Path] | None = None
) -> tuple[tuple[str, bool | None], ...]:
    """Each oem.ini of WPS on this PC with its JsApiPlugin setting."""
    dirs = office6_dirs(env) if dirs is None else dirs
    return tuple((str(d / "cfgs" / "oem.ini"), jsapi_plugin(d / "cfgs" / "oem.ini")) for d in dirs
                 if (d / "cfgs" / "oem.ini").is_file())  # fmt: skip


def trust_state(jsaddons: Path) -> str:
    """What WPS 表格 recorded for xlperf in authaddin.json: "trusted" (enabled and loaded), "not_loaded"
    (trusted, yet not loaded: the tab will not show), "disabled", "pending" (nothing yet: WPS asks at its
    next start), "unknown" (the file cannot be read)."""
    path = jsaddons / TRUST_FILE
    try:
        data = json.loads(path.read_text("utf-8-sig"))
    except FileNotFoundError:
        return "pending"
    except (OSError, ValueError):
        return "unknown"
    host = data.get(install.ADDIN_TYPE) if isinstance(data, dict) else None
    records = [r for r in host.values() if isinstance(r, dict) and r.get("name") == install.ADDIN_NAME] if isinstance(
        host, dict) else []  # fmt: skip
    if not records:
        return "pending"

    def yes(v: object) -> bool:
        return v is True or str(v).lower() in ("true", "1")

    if not any(yes(r.get("enable", True)) for r in records):
        return "disabled"
    if not any(yes(r.get("isload", True)) for r in records):
        return "not_loaded"
    return "trusted"


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
    if cfg is not None and named and (named[0] / config.KEY_FILE).is_file():
        key = config.read_key(named[0] / config.KEY_FILE)
        matches = bool(key) and key.get("secret") == cfg.secret and key.get("port") == cfg.port
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
        key_matches=matches,
        service=service,
        service_version=version,
        autostart=str(start) if start.is_file() and install._is_our_startup(start) else None,  # noqa: SLF001
        autostart_expected=str(start),
        blockhost=tuple((str(p), _blockhost_lines(p)) for p in install.blockhost_files(jsaddons)),
        oem=oem_settings(env),
        trust=trust_state(jsaddons),
    )
