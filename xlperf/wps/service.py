"""``xlperf serve``: the local HTTP service the WPS add-in talks to (endpoints: :mod:`.handlers`).

Why the standard library's ``http.server`` (``ThreadingHTTPServer``): the service answers one user's
add-in on loopback, a few requests a minute, JSON only; a framework (and an ASGI server) would add
dependencies to every install and start-up time at every login for nothing this needs. What a
framework would give is written out here, small and tested: routing, CORS, limits, errors.

Safety, in the order a request meets it:

1. The socket is bound to 127.0.0.1 only (never 0.0.0.0): nothing off this PC can connect.
2. ``Host`` must be ``127.0.0.1:<port>`` or ``localhost:<port>``: a web page cannot reach the service
   through a DNS name it rebinds to 127.0.0.1.
3. ``Origin``, when a browser sends one, must be ``null`` (the add-in's page is a file:// page) or one
   given with ``--allow-origin``; any other web page is refused.
4. Every request but the CORS preflight carries the per-install token (``X-Xlperf-Token``), compared
   in constant time. A custom header also means every browser request is preflighted. The preflight
   answers ``Access-Control-Allow-Origin: null`` and, when Chromium asks for it (Private Network
   Access), ``Access-Control-Allow-Private-Network: true``.
5. Bodies must be JSON, declare their length, and stay under ``max_body`` bytes; a client that sends
   slowly is cut off after ``read_timeout`` seconds; sheets, rows, columns and cells are bounded
   (:mod:`.handlers`).
6. The work runs in a pool of ``workers`` threads with ``queue`` waiting at most; beyond that the
   answer is 503 (busy). A request whose work takes longer than ``work_timeout`` seconds is answered
   504: Python cannot stop a thread, but the size limits bound what any request can make it do, so
   the thread ends on its own and its slot comes back.
7. Whatever goes wrong in a request becomes a JSON answer ``{"ok": false, "error": "<中文>"}`` with a
   fitting status; the traceback goes to the log, never to the client; the server goes on.
"""

from __future__ import annotations

import concurrent.futures as cf
import hmac
import json
import logging
import logging.handlers
import threading
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from xlperf.errors import XlperfError
from xlperf.wps import handlers
from xlperf.wps.config import TOKEN_HEADER, ServeConfig

log = logging.getLogger("xlperf.serve")

HOST = "127.0.0.1"
ALLOWED_HEADERS = f"Content-Type, {TOKEN_HEADER}"
HOST_NAMES = ("127.0.0.1", "localhost")


@dataclass
class Limits:
    max_body: int = 16 * 1024 * 1024  # bytes of one request
    read_timeout: float = 20.0  # seconds a client may take to send its request
    work_timeout: float = 300.0  # seconds of work for one request (a big folder's consolidation)
    workers: int = 4
    queue: int = 16  # requests waiting for a worker


@dataclass
class ServiceState:
    config: ServeConfig
    limits: Limits = field(default_factory=Limits)
    allowed_origins: frozenset[str] = frozenset({"null"})
    endpoints: dict[str, tuple[str, Callable[[dict], dict]]] = field(
        default_factory=lambda: dict(handlers.ENDPOINTS)
    )
    pool: cf.ThreadPoolExecutor | None = None
    slots: threading.BoundedSemaphore | None = None
    port: int = 0
    log_path: Path | None = None

    def start(self) -> None:
        self.pool = cf.ThreadPoolExecutor(max_workers=self.limits.workers, thread_name_prefix="xlperf-work")
        self.slots = threading.BoundedSemaphore(self.limits.workers + self.limits.queue)


class HttpError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class Handler(BaseHTTPRequestHandler):
    server_version = "xlperf"
    sys_version = ""
    protocol_version = "HTTP/1.1"
    state: ServiceState  # set on the subclass made by make_server

    # --- plumbing --------------------------------------------------------------------------------

    def setup(self) -> None:
        self.timeout = self.state.limits.read_timeout  # socket timeout for reading the request
        super().setup()

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - the base class's name
        log.info("%s %s", self.address_string(), format % args)

    def _origin(self) -> str | None:
        return self.headers.get("Origin")

    def _cors_headers(self) -> list[tuple[str, str]]:
        origin = self._origin()
        out = [("Vary", "Origin")]
        if origin is not None and origin in self.state.allowed_origins:
            out += [
                ("Access-Control-Allow-Origin", origin),
                ("Access-Control-Expose-Headers", "Content-Type"),
            ]
        return out

    def _send(self, status: int, body: dict, extra: Iterable[tuple[str, str]] = ()) -> None:
        data = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        for k, v in [*self._cors_headers(), *extra]:
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def _error(self, status: int, message: str) -> None:
        # a body left unread would be taken for the next request on a kept-alive connection: close it
        unread = self.command == "POST" and not getattr(self, "_body_done", False)
        self._send(status, {"ok": False, "error": message}, [("Connection", "close")] if unread else [])

    def _guard(self) -> None:
        """Host and Origin (every request, the preflight too)."""
        host = (self.headers.get("Host") or "").strip().lower()
        allowed = {f"{h}:{self.state.port}" for h in HOST_NAMES}
        if host not in allowed:
            raise HttpError(
                HTTPStatus.MISDIRECTED_REQUEST, f"拒绝：请求的主机名不是本机服务（Host: {host or '无'}）"
            )
        origin = self._origin()
        if origin is not None and origin not in self.state.allowed_origins:
            raise HttpError(HTTPStatus.FORBIDDEN, f"拒绝：来自 {origin} 的网页不能使用本机的 xlperf 服务")

    def _check_token(self) -> None:
        given = self.headers.get(TOKEN_HEADER) or ""
        if not hmac.compare_digest(given.encode("utf-8"), self.state.config.token.encode("utf-8")):
            raise HttpError(
                HTTPStatus.UNAUTHORIZED,
                "加载项与本机 xlperf 服务的令牌不一致：请运行 xlperf wps install 重新安装加载项，然后重新启动 WPS。",
            )

    def _route(self, method: str) -> Callable[[dict], dict]:
        path = self.path.split("?", 1)[0]
        if path == "/v1/shutdown" and method == "POST":
            return self._shutdown
        entry = self.state.endpoints.get(path)
        if entry is None:
            raise HttpError(HTTPStatus.NOT_FOUND, f"没有这个接口：{path}")
        if entry[0] != method:
            raise HttpError(HTTPStatus.METHOD_NOT_ALLOWED, f"接口 {path} 只接受 {entry[0]} 请求")
        return entry[1]

    def _shutdown(self, payload: dict) -> dict:
        # stopped only once the answer is sent: stopping first let the process end before the answer
        # left, and the installer then took the service for one that would not stop
        self._stop_after_reply = True
        return {"stopping": True}

    def _body(self) -> dict:
        ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if ctype != "application/json":
            raise HttpError(
                HTTPStatus.UNSUPPORTED_MEDIA_TYPE, "请求内容应为 JSON（Content-Type: application/json）"
            )
        if self.headers.get("Transfer-Encoding"):
            raise HttpError(HTTPStatus.LENGTH_REQUIRED, "请求须注明长度（不接受分块传输）")
        length = self.headers.get("Content-Length")
        if length is None or not length.isdigit():
            raise HttpError(HTTPStatus.LENGTH_REQUIRED, "请求缺少 Content-Length")
        n = int(length)
        limit = self.state.limits.max_body
        if n > limit:
            self.close_connection = True  # the rest of the body is not read
            raise HttpError(
                HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                f"请求过大（{n / 1048576:.1f} MB，上限 {limit / 1048576:.1f} MB）：工作簿的使用区域可能远大于表格，"
                "请删除表格下方和右侧多余的行列后再试。",
            )
        try:
            raw = self.rfile.read(n) if n else b""
        except TimeoutError as exc:
            self.close_connection = True
            raise HttpError(HTTPStatus.REQUEST_TIMEOUT, "请求发送超时") from exc
        self._body_done = True
        if len(raw) < n:
            self.close_connection = True
            raise HttpError(HTTPStatus.BAD_REQUEST, "请求不完整（连接提前断开）")
        try:
            data = json.loads(raw.decode("utf-8")) if raw else {}
        except (UnicodeDecodeError, ValueError) as exc:
            raise HttpError(HTTPStatus.BAD_REQUEST, "请求不是有效的 JSON") from exc
        if not isinstance(data, dict):
            raise HttpError(HTTPStatus.BAD_REQUEST, "请求应为 JSON 对象")
        return data

    def _run(self, fn: Callable[[dict], dict], payload: dict) -> dict:
        st = self.state
        assert st.pool is not None and st.slots is not None
        if not st.slots.acquire(blocking=False):
            raise HttpError(HTTPStatus.SERVICE_UNAVAILABLE, "xlperf 服务正忙（请求过多），请稍后再试。")
        try:
            future = st.pool.submit(fn, payload)
        except BaseException:
            st.slots.release()
            raise
        future.add_done_callback(lambda _: st.slots.release())
        try:
            return future.result(timeout=st.limits.work_timeout)
        except cf.TimeoutError as exc:
            raise HttpError(
                HTTPStatus.GATEWAY_TIMEOUT,
                f"处理超时（超过 {st.limits.work_timeout:g} 秒），操作已放弃，工作簿未被修改。",
            ) from exc

    def _handle(self, method: str) -> None:
        self._body_done = False
        try:
            self._guard()
            if method == "OPTIONS":
                return self._preflight()
            self._check_token()
            fn = self._route(method)
            payload = self._body() if method == "POST" else {}
            inline = fn == self._shutdown or fn is handlers.health  # never queued behind slow work
            result = fn(payload) if inline else self._run(fn, payload)
            self._send(HTTPStatus.OK, {"ok": True, **result})
            if getattr(self, "_stop_after_reply", False):
                threading.Thread(target=self.server.shutdown, daemon=True).start()
        except HttpError as exc:
            self._error(exc.status, exc.message)
        except handlers.BadRequest as exc:
            self._error(HTTPStatus.BAD_REQUEST, str(exc))
        except XlperfError as exc:
            self._error(HTTPStatus.UNPROCESSABLE_ENTITY, str(exc))
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        except Exception as exc:  # noqa: BLE001 - a bad request never kills the service
            log.error("unexpected error on %s %s\n%s", method, self.path, traceback.format_exc())
            where = (
                f"详细信息已记录在：{self.state.log_path}"
                if self.state.log_path
                else "详细信息已记录在服务日志中"
            )
            try:
                self._error(
                    HTTPStatus.INTERNAL_SERVER_ERROR,
                    f"操作未完成：出现意外错误（{type(exc).__name__}）。{where}",
                )
            except OSError:
                self.close_connection = True
        return None

    def _preflight(self) -> None:
        method = self.headers.get("Access-Control-Request-Method")
        if self._origin() is None or method not in ("GET", "POST"):
            raise HttpError(HTTPStatus.BAD_REQUEST, "不是有效的跨域预检请求")
        extra = [
            ("Access-Control-Allow-Methods", "GET, POST, OPTIONS"),
            ("Access-Control-Allow-Headers", ALLOWED_HEADERS),
            ("Access-Control-Max-Age", "600"),
        ]
        pna = (self.headers.get("Access-Control-Request-Private-Network") or "").lower() == "true"
        if pna:
            extra.append(("Access-Control-Allow-Private-Network", "true"))
        log.info(
            "preflight %s from origin %s (private network: %s)",
            method,
            self._origin(),
            "asked" if pna else "not asked",
        )
        self.send_response(HTTPStatus.NO_CONTENT)
        for k, v in [*self._cors_headers(), *extra]:
            self.send_header(k, v)
        self.send_header("Content-Length", "0")
        self.end_headers()

    # --- verbs -------------------------------------------------------------------------------------

    def do_OPTIONS(self) -> None:  # noqa: N802 - http.server's names
        self._handle("OPTIONS")

    def do_GET(self) -> None:  # noqa: N802
        self._handle("GET")

    def do_POST(self) -> None:  # noqa: N802
        self._handle("POST")

    def _refuse(self) -> None:
        try:
            self._guard()
            raise HttpError(HTTPStatus.METHOD_NOT_ALLOWED, f"不支持 {self.command} 请求")
        except HttpError as exc:
            self._error(exc.status, exc.message)

    do_PUT = do_DELETE = do_PATCH = do_HEAD = _refuse  # noqa: N815


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = False  # two services on one port: the second must fail, not share it
    request_queue_size = 32

    def handle_error(self, request, client_address) -> None:  # a broken connection: log, go on
        log.warning("connection from %s failed:\n%s", client_address, traceback.format_exc())


def make_server(state: ServiceState, port: int | None = None) -> Server:
    """Bind the service to 127.0.0.1 (``port`` 0: any free port; None: the configured one)."""
    handler = type("BoundHandler", (Handler,), {"state": state})
    try:
        server = Server((HOST, state.config.port if port is None else port), handler)
    except OSError as exc:
        want = state.config.port if port is None else port
        raise XlperfError(
            f"无法在 127.0.0.1:{want} 上启动 xlperf 服务（{exc.strerror or exc}）：可能已有一个 xlperf 服务在运行，"
            "或端口被其他程序占用；可用 xlperf wps install --port 端口号 换一个端口。"
        ) from exc
    state.port = server.server_address[1]
    state.start()
    return server


def setup_logging(path: Path | None, verbose: bool = False) -> Path | None:
    """Log to a rotating file (the service usually runs without a console); None: to stderr."""
    log.setLevel(logging.INFO if verbose or path else logging.WARNING)
    log.propagate = False
    for h in list(log.handlers):
        log.removeHandler(h)
    if path is not None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            h: logging.Handler = logging.handlers.RotatingFileHandler(path, maxBytes=1_000_000, backupCount=2,
                                                                      encoding="utf-8")  # fmt: skip
        except OSError:
            h, path = logging.StreamHandler(), None
    else:
        h = logging.StreamHandler()
    h.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    log.addHandler(h)
    return path
