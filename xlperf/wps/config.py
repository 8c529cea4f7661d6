"""The per-install settings the service and the WPS add-in share: the port and the install secret.

``xlperf wps install`` creates them once (a random 256-bit secret) in the user's configuration folder
(``serve.json``, owner-only) and writes the same values into the installed add-in's key file
(:data:`KEY_FILE`, owner-only, not a script: no web page can include it, and a file:// page cannot read
it); the add-in reads it through WPS's own file API. The service reads ``serve.json`` at start. The secret
never travels: each side proves it knows it (:mod:`.auth`).
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from xlperf.core.names import shown_name
from xlperf.errors import XlperfError
from xlperf.safe_io import atomic_write

DEFAULT_PORT = 18571  # unassigned by IANA; ``xlperf wps install --port`` picks another
CONFIG_NAME = "serve.json"
KEY_FILE = "xlperf.key"  # in the add-in's folder: the port and the secret, for the add-in alone
KEY_PREFIX = ")]}'\n"  # the key file is no script: a page including it by <script src> gets a syntax error


class ConfigError(XlperfError):
    """The service's settings cannot be read or written; the message says which file and why."""


def config_dir(env: Mapping[str, str] | None = None, platform: str | None = None) -> Path:
    """Where xlperf keeps per-user settings: ``%APPDATA%\\xlperf`` on Windows, else
    ``$XDG_CONFIG_HOME/xlperf`` (``~/.config/xlperf``)."""
    env = os.environ if env is None else env
    platform = sys.platform if platform is None else platform
    if platform == "win32":
        base = env.get("APPDATA") or str(
            Path(env.get("USERPROFILE", "~")).expanduser() / "AppData" / "Roaming"
        )
        return Path(base) / "xlperf"
    base = env.get("XDG_CONFIG_HOME") or str(Path(env.get("HOME") or Path.home()) / ".config")
    return Path(base) / "xlperf"


def state_dir(env: Mapping[str, str] | None = None, platform: str | None = None) -> Path:
    """Where the service writes its log: ``%LOCALAPPDATA%\\xlperf`` on Windows, else
    ``$XDG_STATE_HOME/xlperf`` (``~/.local/state/xlperf``)."""
    env = os.environ if env is None else env
    platform = sys.platform if platform is None else platform
    if platform == "win32":
        return Path(env.get("LOCALAPPDATA") or env.get("APPDATA") or ".") / "xlperf"
    base = env.get("XDG_STATE_HOME") or str(Path(env.get("HOME") or Path.home()) / ".local" / "state")
    return Path(base) / "xlperf"


@dataclass(frozen=True)
class ServeConfig:
    port: int
    secret: str
    origins: tuple[str, ...] = ()  # web origins allowed besides the add-in's ("null", "file://"): a WPS build
    # loading its add-ins from another origin, added by hand to serve.json as "origins": [...]

    def to_json(self) -> str:
        data: dict = {"port": self.port, "secret": self.secret}
        if self.origins:
            data["origins"] = list(self.origins)
        return json.dumps(data, indent=2) + "\n"


def config_path(env: Mapping[str, str] | None = None) -> Path:
    return config_dir(env) / CONFIG_NAME


def load(path: str | Path | None = None) -> ServeConfig | None:
    """The settings, or None when there are none yet. Raises ConfigError on a damaged file."""
    path = Path(path) if path is not None else config_path()
    try:
        data = json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise ConfigError(
            f"无法读取服务设置 {shown_name(path)}（{exc}）：请运行 xlperf wps install 重新生成。"
        ) from exc
    port, secret = (
        data.get("port") if isinstance(data, dict) else None,
        # "token": the name an older install gave it
        (data.get("secret") or data.get("token")) if isinstance(data, dict) else None,
    )
    if not isinstance(port, int) or not 0 <= port < 65536 or not isinstance(secret, str) or len(secret) < 32:
        raise ConfigError(
            f"服务设置 {shown_name(path)} 不完整（端口或密钥缺失）：请运行 xlperf wps install 重新生成。"
        )
    origins = data.get("origins") or []
    if not isinstance(origins, list) or not all(isinstance(o, str) for o in origins):
        raise ConfigError(f"服务设置 {shown_name(path)} 中的 origins 应为文字列表。")
    return ServeConfig(port, secret, tuple(origins))


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def write_private(path: str | Path, data: bytes) -> None:
    """Write ``data`` into ``path``, owner-only (0600 on POSIX) from its creation: a file holding the
    secret is never readable by others, not for a moment (an existing file is narrowed before the write).
    On Windows the user's profile folders are the user's own."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_BINARY", 0), 0o600)
    try:
        if os.name == "posix":
            os.fchmod(fd, 0o600)
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
    finally:
        os.close(fd)


def save(cfg: ServeConfig, path: str | Path | None = None) -> Path:
    path = Path(path) if path is not None else config_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"无法创建文件夹 {path.parent}：{exc.strerror or exc}") from exc

    if os.name == "posix":
        # the secret is the user's alone: an owner-only file first (an older install's one narrowed, or,
        # when it cannot be, e.g. another user's, removed), whose mode the atomic write keeps
        with contextlib.suppress(OSError):
            os.chmod(path, 0o600)
        with contextlib.suppress(OSError):
            if os.stat(path).st_mode & 0o077:
                os.unlink(path)
        with contextlib.suppress(FileExistsError):
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    return atomic_write(path, lambda tmp: tmp.write_text(cfg.to_json(), "utf-8"))


def exposure(path: str | Path | None = None) -> str | None:
    """Why the secret in the settings file may be known to others (None: it is not, or there is none): an
    older install's (named "token": that add-in kept it in config.js, which any page opened from disk could
    read), or a file other users can read (an earlier version saved it 0644) or that is not the user's.
    Such a secret is never used again: :func:`load_or_create` replaces it."""
    path = Path(path) if path is not None else config_path()
    try:
        with open(path, "rb") as f:
            st = os.fstat(f.fileno())
            data = json.loads(f.read().decode("utf-8"))
    except (OSError, ValueError):
        return None
    if isinstance(data, dict) and "secret" not in data and data.get("token"):
        return "是旧版本生成的（旧版加载项把它保存在任何网页都能读取的 config.js 中）"
    if os.name == "posix":
        if st.st_uid != os.geteuid():
            return "所在的文件属于其他用户"
        if st.st_mode & 0o077:
            return f"所在的文件其他用户也能读取（权限 {st.st_mode & 0o777:04o}）"
    return None


def key_text(cfg: ServeConfig, version: str) -> bytes:
    """The add-in's key file: the port and the secret as JSON behind :data:`KEY_PREFIX`."""
    body = json.dumps({"port": cfg.port, "secret": cfg.secret, "version": version})
    return (KEY_PREFIX + body + "\n").encode("utf-8")


def read_key(path: str | Path) -> dict | None:
    """The add-in's key file as the add-in reads it (None when it is missing or damaged)."""
    try:
        text = Path(path).read_text("utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    if text.startswith(KEY_PREFIX):
        text = text[len(KEY_PREFIX) :]
    try:
        data = json.loads(text)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def load_or_create(path: str | Path | None = None, port: int | None = None) -> tuple[ServeConfig, bool]:
    """The settings, created when missing (or given a new port, or a new secret when others may know the
    old one: :func:`exposure`), saved owner-only; True when written now."""
    cfg = load(path)
    exposed = cfg is not None and exposure(path) is not None
    if cfg is not None and not exposed and (port is None or port == cfg.port):
        return cfg, False
    cfg = ServeConfig(
        port if port is not None else (cfg.port if cfg else DEFAULT_PORT),
        cfg.secret if cfg and not exposed else new_secret(),
        cfg.origins if cfg else (),
    )
    save(cfg, path)
    return cfg, True
