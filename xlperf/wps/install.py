"""``xlperf wps install`` / ``--uninstall``: the WPS add-in into jsaddons, publish.xml, the service at login.

WPS 表格 loads a JS add-in listed in ``publish.xml`` in the user's jsaddons folder
(``%APPDATA%\\kingsoft\\wps\\jsaddons`` on Windows, ``~/.local/share/Kingsoft/wps/jsaddons`` on Linux)
from the folder ``<name>_<version>`` beside it. Installing:

1. the service's settings (port, install secret; :mod:`.config`), created once;
2. the add-in's files (``wps/`` in the repository, ``xlperf.wpsaddin`` in the package) copied into
   ``jsaddons/xlperf_<version>/`` with its key file (``xlperf.key``: the port and the secret, owner-only
   from its creation, not a script; :mod:`.config`); an older version's folder of ours is removed;
3. our ``<jsplugin name="xlperf" type="et" …/>`` entry merged into publish.xml as text: every other
   byte of the file stays as it was (other add-ins, the declaration, the line ends); an entry of ours
   already there is replaced;
4. the service registered to start at login: a ``.cmd`` in the Startup folder on Windows (it starts
   ``pythonw -m xlperf serve``, no console), an XDG autostart entry on Linux (UOS and Kylin's desktops
   read ``~/.config/autostart``), and started now unless asked not to.

What install changed is recorded (``wps-install.json`` beside the settings), publish.xml's bytes
before and after included, so ``--uninstall`` restores publish.xml byte for byte when nobody has
changed it since, and otherwise takes out only our entry.

Known limits, reported by install and ``xlperf doctor`` (:mod:`.facts`): newer personal builds of WPS
may block add-ins by host (``jsaddinblockhost.ini``); some Linux and enterprise builds load no JS add-in
without ``[Support] JsApiPlugin=true`` in ``office6/cfgs/oem.ini`` (administrator's file: said, never
changed); WPS records whether the user trusted the add-in in ``authaddin.json``. The add-in never depends
on ShellExecute (the service opens written documents itself); XP_ cell functions stay Excel-only.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.resources
import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from xlperf import __version__
from xlperf.core.names import shown_name
from xlperf.errors import XlperfError
from xlperf.safe_io import atomic_write_bytes
from xlperf.wps import auth, config

ADDIN_NAME = "xlperf"
ADDIN_TYPE = "et"  # WPS 表格
RECORD_NAME = "wps-install.json"
MARKER_FILE = "xlperf-addin.json"  # in the add-in folder: it is ours
STARTUP_NAME = "xlperf-serve"
BLOCKHOST_FILE = "jsaddinblockhost.ini"
PUBLISH_NEW = b'<?xml version="1.0" encoding="UTF-8"?>\n<jsplugins>\n</jsplugins>\n'


class WpsInstallError(XlperfError):
    """Installing or uninstalling the WPS add-in cannot go on; the message says why and what to do."""


# --- where things go -----------------------------------------------------------------------------------


def _appdata(env: Mapping[str, str], purpose: str) -> Path:
    """%APPDATA% (Windows), or a Chinese reason naming what cannot be done without it."""
    appdata = env.get("APPDATA")
    if not appdata:
        raise WpsInstallError(f"找不到 APPDATA 文件夹（环境变量为空），无法{purpose}。")
    return Path(appdata)


def jsaddons_dir(env: Mapping[str, str] | None = None, platform: str | None = None) -> Path:
    env = os.environ if env is None else env
    platform = sys.platform if platform is None else platform
    if platform == "win32":
        return _appdata(env, "安装 WPS 加载项") / "kingsoft" / "wps" / "jsaddons"
    home = env.get("HOME") or str(Path.home())
    return Path(home) / ".local" / "share" / "Kingsoft" / "wps" / "jsaddons"


def addin_dir(jsaddons: Path, version: str = __version__) -> Path:
    return jsaddons / f"{ADDIN_NAME}_{version}"


def startup_file(env: Mapping[str, str] | None = None, platform: str | None = None) -> Path:
    env = os.environ if env is None else env
    platform = sys.platform if platform is None else platform
    if platform == "win32":
        return (
            _appdata(env, "设置登录时启动")
            / "Microsoft"
            / "Windows"
            / "Start Menu"
            / "Programs"
            / "Startup"
            / f"{STARTUP_NAME}.cmd"
        )
    base = env.get("XDG_CONFIG_HOME") or str(Path(env.get("HOME") or Path.home()) / ".config")
    return Path(base) / "autostart" / f"{STARTUP_NAME}.desktop"


def blockhost_files(jsaddons: Path) -> list[Path]:
    """``jsaddinblockhost.ini`` files where WPS keeps them (beside jsaddons and one level up)."""
    return [p for p in (jsaddons / BLOCKHOST_FILE, jsaddons.parent / BLOCKHOST_FILE) if p.is_file()]


def service_python(executable: str | None = None, platform: str | None = None) -> str:
    """The interpreter the login entry starts: pythonw.exe beside python.exe on Windows (no console)."""
    exe = executable or sys.executable
    platform = sys.platform if platform is None else platform
    if platform == "win32":
        p = Path(exe)
        w = p.with_name("pythonw.exe") if p.name.lower() == "python.exe" else p
        return str(w if w.exists() else p)
    return exe


# --- publish.xml, as text ------------------------------------------------------------------------------

_ENTRY = re.compile(rb"<(jsplugin|jspluginonline)\b[^>]*?/?>", re.S)


def _attr(tag: bytes, name: str) -> str | None:
    m = re.search(rb"\b" + name.encode() + rb"""\s*=\s*(["'])(.*?)\1""", tag, re.S)
    return m.group(2).decode("utf-8", "replace") if m else None


def _xml_attr(value: str) -> str:
    return value.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;").replace(">", "&gt;")


def publish_entry(folder: Path, version: str = __version__) -> bytes:
    """Our entry: the add-in in ``folder`` (``url``: the folder as a file URL, ASCII: percent-encoded)."""
    url = folder.resolve().as_uri() + "/"
    return (
        f'<jsplugin name="{ADDIN_NAME}" type="{ADDIN_TYPE}" url="{_xml_attr(url)}" version="{_xml_attr(version)}" '
        'enable="enable_dev" install="null"/>'
    ).encode("ascii")


def _ours(tag: bytes) -> bool:
    return _attr(tag, "name") == ADDIN_NAME and (_attr(tag, "type") or "").lower() == ADDIN_TYPE


def _check_publish(data: bytes, path: Path) -> None:
    from xml.etree import ElementTree as ET

    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise WpsInstallError(
            f"{shown_name(path)} 是 UTF-16 编码，xlperf 不改动它：请在 WPS 中重新安装其他加载项后再试，或联系信息化部门。"
        )
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise WpsInstallError(
            f"{shown_name(path)} 不是有效的 XML（{exc}），为免影响其他加载项，xlperf 没有改动它：请先备份并修复该文件"
            "（或删除它，WPS 会重新生成），再运行 xlperf wps install。"
        ) from exc
    if root.tag != "jsplugins":
        raise WpsInstallError(
            f"{shown_name(path)} 的根元素不是 jsplugins（是 {root.tag}），xlperf 没有改动它。"
        )


def merge_publish(data: bytes | None, entry: bytes, path: Path = Path("publish.xml")) -> bytes:
    """publish.xml with our entry in it, every other byte kept: ours replaced where it is, else added
    before ``</jsplugins>`` on a line of its own, indented and ended as the file's lines are."""
    if data is None or not data.strip():
        data = PUBLISH_NEW
    _check_publish(data, path)
    newline = b"\r\n" if b"\r\n" in data else b"\n"
    ours = [m for m in _ENTRY.finditer(data) if _ours(m.group(0))]
    if ours:  # replaced where it is; duplicates of ours (an old installer) go
        first = ours[0]
        return data[: first.start()] + entry + remove_publish(data[first.end() :])
    close = data.rfind(b"</jsplugins>")
    if close < 0:  # <jsplugins/>
        m = re.search(rb"<jsplugins\b[^>]*/>", data)
        assert m is not None  # _check_publish saw the root
        tag = m.group(0)[:-2].rstrip() + b">"
        return data[: m.start()] + tag + newline + b"  " + entry + newline + b"</jsplugins>" + data[m.end() :]
    line_start = data.rfind(b"\n", 0, close) + 1
    before_close = data[line_start:close]
    others = list(_ENTRY.finditer(data))
    indent = b"  "
    if others:
        last = others[-1]
        ls = data.rfind(b"\n", 0, last.start()) + 1
        lead = data[ls : last.start()]
        if not lead.strip():
            indent = lead
    if before_close.strip():  # "</jsplugins>" after other text on its line
        return data[:close] + newline + indent + entry + newline + data[close:]
    return data[:line_start] + indent + entry + newline + data[line_start:]


def remove_publish(data: bytes) -> bytes:
    """publish.xml without our entries (their whole lines when they stand alone), nothing else changed."""
    out = b""
    pos = 0
    for m in _ENTRY.finditer(data):
        if not _ours(m.group(0)):
            continue
        start, end = m.start(), m.end()
        ls = data.rfind(b"\n", 0, start) + 1
        if not data[ls:start].strip():
            start = ls
            nl = data.find(b"\n", end)
            if nl >= 0 and not data[end:nl].strip():
                end = nl + 1
        out += data[pos:start]
        pos = end
    return out + data[pos:]


# --- the login entry -------------------------------------------------------------------------------------


def _desktop_quote(arg: str) -> str:
    """One argument of a desktop entry's ``Exec=`` (freedesktop Desktop Entry spec): quoted when it holds
    a reserved character (``"`$\\`` escaped inside the quotes); then the value's own escapes, which apply
    first when the entry is read: each backslash doubled, each ``%`` (a field code) doubled."""
    if not re.fullmatch(r"[A-Za-z0-9_@%+=:,./-]+", arg):
        arg = '"' + re.sub(r'(["`$\\])', r"\\\1", arg) + '"'
    return arg.replace("\\", "\\\\").replace("%", "%%")


def startup_content(python: str, platform: str | None = None) -> bytes:
    platform = sys.platform if platform is None else platform
    if platform == "win32":
        return (
            "@echo off\r\n"
            "rem xlperf: starts the local service of the WPS add-in at login (written by xlperf wps install)\r\n"
            "chcp 65001 >nul\r\n"
            f'start "" "{python.replace("%", "%%")}" -m xlperf serve\r\n'  # a batch file expands %…%
        ).encode()
    return (
        "[Desktop Entry]\n"
        "Type=Application\n"
        "Name=xlperf 本机服务\n"
        "Comment=为 WPS 表格中的“绩效自评”加载项提供校验服务（由 xlperf wps install 写入）\n"
        f"Exec={_desktop_quote(python)} -m xlperf serve\n"
        "Terminal=false\n"
        "NoDisplay=true\n"
        "X-GNOME-Autostart-enabled=true\n"
        "X-xlperf=1\n"
    ).encode()


def _is_our_startup(path: Path) -> bool:
    try:
        text = path.read_text("utf-8", errors="replace")
    except OSError:
        return False
    return "xlperf wps install" in text and "-m xlperf serve" in text


# --- the service --------------------------------------------------------------------------------------------


def service_health(cfg: config.ServeConfig, timeout: float = 2.0) -> dict | None:
    """The running service's health answer (None when nothing answers, or nothing that proves it knows
    the install secret)."""
    try:
        answer = auth.call(cfg.port, cfg.secret, "GET", "/v1/health", timeout=timeout)
    except (OSError, auth.NotOurService):
        return None
    return answer.data if answer.status == 200 and answer.data.get("ok") else None


def stop_service(cfg: config.ServeConfig) -> bool:
    try:
        auth.call(cfg.port, cfg.secret, "POST", "/v1/shutdown", {}, timeout=5)
    except (OSError, auth.NotOurService):
        # no answer: stopped all the same when it no longer answers (an older service stopped before
        # its reply left)
        time.sleep(0.3)
        return service_health(cfg, 0.5) is None
    end = time.monotonic() + 10
    while time.monotonic() < end and service_health(cfg, 0.5) is not None:
        time.sleep(0.1)
    return True


def start_service(python: str, config_file: Path, wait: float = 15.0) -> subprocess.Popen:
    """Start ``python -m xlperf serve`` detached from this console (it outlives the installer)."""
    kwargs: dict = {"stdin": subprocess.DEVNULL, "stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL,
                    "close_fds": True}  # fmt: skip
    if sys.platform == "win32":  # pragma: no cover - Windows only
        kwargs["creationflags"] = subprocess.DETACHED_PROCESS | subprocess.CREATE_NEW_PROCESS_GROUP
    else:
        kwargs["start_new_session"] = True
    return subprocess.Popen([python, "-m", "xlperf", "serve", "--config", str(config_file)], **kwargs)  # noqa: S603


# --- install / uninstall -------------------------------------------------------------------------------------


@dataclass
class Report:
    lines: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def did(self, text: str) -> None:
        self.lines.append(text)

    def warn(self, text: str) -> None:
        self.warnings.append(text)


def _b64(data: bytes | None) -> str | None:
    return None if data is None else base64.b64encode(data).decode("ascii")


def _unb64(text: str | None) -> bytes | None:
    return None if text is None else base64.b64decode(text)


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise WpsInstallError(f"无法读取 {shown_name(path)}：{exc.strerror or exc}") from exc


def _write(path: Path, data: bytes) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(path, data)
    except (OSError, XlperfError) as exc:
        raise WpsInstallError(
            f"无法写入 {shown_name(path)}：{exc}；如 WPS 正在运行，请先关闭 WPS 再试。"
        ) from exc


def addin_source() -> Path:
    """The add-in's folder: ``wps/`` at the repository root, or the data package ``xlperf.wpsaddin``
    of an installed wheel."""
    here = Path(__file__).resolve()
    for candidate in (here.parents[2] / "wps", here.parents[1] / "wpsaddin"):
        if (candidate / "ribbon.xml").is_file() and (candidate / "main.js").is_file():
            return candidate
    try:
        shipped = Path(str(importlib.resources.files("xlperf.wpsaddin")))
        if (shipped / "ribbon.xml").is_file():
            return shipped
    except (ModuleNotFoundError, TypeError):
        pass
    raise WpsInstallError("安装包中缺少 WPS 加载项的文件（ribbon.xml、main.js）：请重新安装 xlperf。")


def addin_files() -> list[tuple[str, bytes]]:
    """The add-in's files (relative path, content), as shipped: ribbon.xml, index.html, main.js, js/,
    images/."""
    root = addin_source()
    out = []
    for p in sorted(root.rglob("*")):
        if p.is_file() and p.suffix in (".xml", ".html", ".js", ".svg") and "__pycache__" not in p.parts:
            out.append((p.relative_to(root).as_posix(), p.read_bytes()))
    return out


def _copy_addin(folder: Path, cfg: config.ServeConfig) -> None:
    tmp = folder.with_name(folder.name + ".installing")
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        for name, data in addin_files():
            p = tmp / name
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_bytes(data)
        config.write_private(tmp / config.KEY_FILE, config.key_text(cfg, __version__))
        (tmp / MARKER_FILE).write_text(
            json.dumps({"name": ADDIN_NAME, "version": __version__}) + "\n", "utf-8"
        )
        if folder.exists():
            shutil.rmtree(folder)
        tmp.rename(folder)
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise WpsInstallError(
            f"无法把加载项复制到 {shown_name(folder)}：{exc.strerror or exc}；如 WPS 正在运行，请先关闭 WPS 再试。"
        ) from exc


def _our_folders(jsaddons: Path) -> list[Path]:
    if not jsaddons.is_dir():
        return []
    return sorted(p for p in jsaddons.glob(f"{ADDIN_NAME}_*") if p.is_dir() and (p / MARKER_FILE).is_file())


def install(
    *,
    env: Mapping[str, str] | None = None,
    port: int | None = None,
    python: str | None = None,
    start: bool = True,
    autostart: bool = True,
) -> Report:
    """Install (or reinstall) the WPS add-in for this user; returns what was done, in Chinese."""
    env = os.environ if env is None else env
    rep = Report()
    cfg_path = config.config_path(env)
    existed = cfg_path.exists()
    previous = config.load(cfg_path) if existed else None
    exposed = config.exposure(cfg_path) if existed else None
    cfg, written = config.load_or_create(cfg_path, port)
    rep.did(f"服务设置：{shown_name(cfg_path)}（端口 {cfg.port}{'，新生成密钥' if not existed else ''}）")
    if exposed:
        rep.did(
            f"原有的密钥{exposed}，可能已被他人知道：已重新生成密钥（仅本用户可读），加载项中的密钥随之更新"
        )
    record_path = cfg_path.with_name(RECORD_NAME)
    old = json.loads(record_path.read_text("utf-8")) if record_path.is_file() else None

    jsaddons = jsaddons_dir(env)
    folder = addin_dir(jsaddons)
    created_jsaddons = not jsaddons.exists()
    try:
        jsaddons.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise WpsInstallError(f"无法创建 WPS 加载项文件夹 {jsaddons}：{exc.strerror or exc}") from exc
    for other in _our_folders(jsaddons):
        if other != folder:
            shutil.rmtree(other, ignore_errors=True)
            rep.did(f"删除旧版本的加载项：{shown_name(other)}")
    _copy_addin(folder, cfg)
    rep.did(f"复制加载项到：{shown_name(folder)}")

    publish = jsaddons / "publish.xml"
    before = _read(publish)
    after = merge_publish(before, publish_entry(folder), publish)
    if after != before:
        _write(publish, after)
    had = before is not None and any(_ours(m.group(0)) for m in _ENTRY.finditer(before))
    rep.did(f"{'更新' if had else '登记'}加载项：{shown_name(publish)}")

    py = service_python(python)
    start_path = None
    if autostart:
        start_path = startup_file(env)
        _write(start_path, startup_content(py))
        rep.did(f"设置登录时自动启动本机服务：{shown_name(start_path)}")

    record = {
        "v": 1,
        "version": __version__,
        "jsaddons": str(jsaddons),
        "created_jsaddons": old["created_jsaddons"] if old else created_jsaddons,
        "addin": str(folder),
        "publish": str(publish),
        # publish.xml as it was before the first install (a reinstall keeps it) and as we left it
        "publish_before": old["publish_before"] if old else _b64(before),
        "publish_after": _b64(after),
        "publish_after_sha256": hashlib.sha256(after).hexdigest(),
        "startup": str(start_path) if start_path else None,
        "created_config": old["created_config"] if old else not existed,
        "python": py,
    }
    try:
        data = (json.dumps(record, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    except UnicodeEncodeError:  # a path of bytes that are not UTF-8: JSON's \udcxx escapes give it back
        data = (json.dumps(record, indent=2) + "\n").encode("ascii")
    _write(record_path, data)

    if previous is not None and previous != cfg and service_health(previous) is not None:
        stop_service(previous)  # a new port: the service on the old one makes way
        rep.did(f"已停止端口 {previous.port} 上的本机服务")
    running = service_health(cfg)
    if running:
        rep.did(f"本机服务已在运行：http://127.0.0.1:{cfg.port}/（xlperf {running.get('version')}）")
    elif start:
        start_service(py, cfg_path)
        end = time.monotonic() + 15
        while time.monotonic() < end and service_health(cfg, 0.5) is None:
            time.sleep(0.2)
        if service_health(cfg) is not None:
            rep.did(f"已启动本机服务：http://127.0.0.1:{cfg.port}/")
        else:
            rep.warn(
                f"本机服务没有启动（端口 {cfg.port} 可能被占用，也可能是旧版本的 xlperf 服务仍在运行：请重新登录后再试）："
                "请运行 xlperf serve 查看原因，或用 --port 换一个端口。"
            )
    for p in blockhost_files(jsaddons):
        rep.warn(
            f"发现 {p}：新版 WPS 个人版可能按此文件禁止加载项。如重启 WPS 后看不到“绩效自评”选项卡，"
            "请在 WPS 的“工具 → 加载项”中启用 xlperf，或删除该文件中含 et 或 xlperf 的行（先备份）。"
        )
    from xlperf.addin import doctor
    from xlperf.wps import facts

    described = doctor.WpsFacts(platform=sys.platform, jsaddons=str(jsaddons), oem=facts.oem_settings(env),
                                trust=facts.trust_state(jsaddons))  # fmt: skip
    for check in (doctor.check_wps_oem(described), doctor.check_wps_trust(described)):
        if check.status == doctor.ERROR or (check.status == doctor.WARN and check.name != doctor.TRUST_CHECK):
            rep.warn(f"{check.detail}：{check.advice}")
    rep.did("请重新启动 WPS 表格，在功能区中找到“绩效自评”选项卡。")
    return rep


def uninstall(*, env: Mapping[str, str] | None = None) -> Report:
    """Undo :func:`install`: publish.xml back byte for byte (or only our entry out, if it changed since),
    our add-in folders, the login entry, the service stopped, our settings removed."""
    env = os.environ if env is None else env
    rep = Report()
    cfg_path = config.config_path(env)
    record_path = cfg_path.with_name(RECORD_NAME)
    record = json.loads(record_path.read_text("utf-8")) if record_path.is_file() else None
    jsaddons = Path(record["jsaddons"]) if record else jsaddons_dir(env)
    cfg = None
    try:
        cfg = config.load(cfg_path)
    except config.ConfigError:
        cfg = None
    if cfg is not None and service_health(cfg) is not None and stop_service(cfg):
        rep.did(f"已停止本机服务（端口 {cfg.port}）")

    publish = Path(record["publish"]) if record else jsaddons / "publish.xml"
    now = _read(publish)
    if now is not None:
        after = _unb64(record["publish_after"]) if record else None
        before = _unb64(record["publish_before"]) if record else None
        if record and now == after:
            if before is None:
                publish.unlink()
                rep.did(f"删除 xlperf 创建的 {shown_name(publish)}")
            else:
                _write(publish, before)
                rep.did(f"恢复 {shown_name(publish)}（与安装前完全相同）")
        else:
            stripped = remove_publish(now)
            if stripped != now:
                _write(publish, stripped)
                rep.did(f"从 {shown_name(publish)} 中删除 xlperf 的登记（其他加载项不变）")
    for folder in _our_folders(jsaddons):
        shutil.rmtree(folder, ignore_errors=True)
        rep.did(f"删除加载项文件夹：{shown_name(folder)}")
    if record and record.get("created_jsaddons"):
        try:
            jsaddons.rmdir()  # only when empty: it was ours
            rep.did(f"删除空文件夹：{shown_name(jsaddons)}")
        except OSError:
            pass
    start_path = Path(record["startup"]) if record and record.get("startup") else startup_file(env)
    if start_path.is_file() and _is_our_startup(start_path):
        start_path.unlink()
        rep.did(f"取消登录时自动启动：{shown_name(start_path)}")
    if record and record.get("created_config") and cfg_path.is_file():
        cfg_path.unlink()
        rep.did(f"删除服务设置：{shown_name(cfg_path)}")
    if record_path.is_file():
        record_path.unlink()
    if not rep.lines:
        rep.did("没有找到 xlperf 的 WPS 加载项，无需卸载。")
    else:
        rep.did("请重新启动 WPS 表格。")
    return rep
