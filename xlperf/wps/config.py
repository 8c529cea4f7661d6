"""The per-install settings the service and the WPS add-in share: the port and a secret token.

``xlperf wps install`` creates them once (a random 256-bit token) in the user's configuration folder,
readable by the user only, and writes the same values into the installed add-in's ``config.js``; the
service reads them at start. A web page the user visits cannot read either file, so it cannot call the
service (CORS aside, every request must carry the token).
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

from xlperf.errors import XlperfError
from xlperf.safe_io import atomic_write

DEFAULT_PORT = 18571  # unassigned by IANA; ``xlperf wps install --port`` picks another
CONFIG_NAME = "serve.json"
TOKEN_HEADER = "X-Xlperf-Token"


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
    token: str
    origins: tuple[str, ...] = ()  # web origins allowed besides the add-in's "null" (a WPS build loading
    # its add-ins from another origin: added by hand to serve.json as "origins": [...])

    def to_json(self) -> str:
        data: dict = {"port": self.port, "token": self.token}
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
        raise ConfigError(f"无法读取服务设置 {path}（{exc}）：请运行 xlperf wps install 重新生成。") from exc
    port, token = (
        data.get("port") if isinstance(data, dict) else None,
        data.get("token") if isinstance(data, dict) else None,
    )
    if not isinstance(port, int) or not 0 <= port < 65536 or not isinstance(token, str) or len(token) < 32:
        raise ConfigError(f"服务设置 {path} 不完整（端口或令牌缺失）：请运行 xlperf wps install 重新生成。")
    origins = data.get("origins") or []
    if not isinstance(origins, list) or not all(isinstance(o, str) for o in origins):
        raise ConfigError(f"服务设置 {path} 中的 origins 应为文字列表。")
    return ServeConfig(port, token, tuple(origins))


def new_token() -> str:
    return secrets.token_urlsafe(32)


def save(cfg: ServeConfig, path: str | Path | None = None) -> Path:
    path = Path(path) if path is not None else config_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"无法创建文件夹 {path.parent}：{exc.strerror or exc}") from exc

    if os.name == "posix" and not path.exists():
        # the token is the user's alone: an owner-only file first, whose mode the atomic write keeps
        with contextlib.suppress(FileExistsError):
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    return atomic_write(path, lambda tmp: tmp.write_text(cfg.to_json(), "utf-8"))


def load_or_create(path: str | Path | None = None, port: int | None = None) -> tuple[ServeConfig, bool]:
    """The settings, created when missing (or given a new port); True when written now."""
    cfg = load(path)
    if cfg is not None and (port is None or port == cfg.port):
        return cfg, False
    cfg = ServeConfig(
        port if port is not None else (cfg.port if cfg else DEFAULT_PORT),
        cfg.token if cfg else new_token(),
        cfg.origins if cfg else (),
    )
    save(cfg, path)
    return cfg, True
