"""``xlperf serve``: the local HTTP service the WPS add-in talks to (endpoints: :mod:`.handlers`).

Why the standard library's ``http.server`` (``ThreadingHTTPServer``): the service answers one user's
add-in on loopback, a few requests a minute, JSON only; a framework (and an ASGI server) would add
dependencies to every install and start-up time at every login for nothing this needs. What a
framework would give is written out here, small and tested: routing, CORS, limits, errors.

Safety, in the order a request meets it:

1. The socket is bound to 127.0.0.1 only (never 0.0.0.0): nothing off this PC can connect.
2. The whole request (request line, headers, body) must arrive within ``read_timeout`` seconds of its
   first byte being awaited: a client that trickles bytes is cut off at that deadline, not after every
   idle gap (:class:`_DeadlineReader`).
3. ``Host`` must be ``127.0.0.1:<port>`` or ``localhost:<port>``: a web page cannot reach the service
   through a DNS name it rebinds to 127.0.0.1.
4. ``Origin``, when a browser sends one, must be ``null`` or ``file://`` (the add-in's page is a file://
   page; builds differ in which they send) or one given with ``--allow-origin``; any other web page is
   refused. This only keeps other sites' pages out early: ``null`` comes from any sandboxed frame and
   ``file://`` from any page on disk, so the origin is never taken as proof of anything.
5. Every request but the CORS preflight and ``/v1/hello`` is authenticated with the install secret, which
   is never sent (:mod:`.auth`): a nonce from a hello, used once, and a MAC over it, the method, the path
   and the length, checked in constant time from the headers alone, before the body is read. Every answer
   to an authenticated request carries the service's proof, so the add-in acts only on our answers. The
   service keeps no state per hello (the nonce carries its time and a MAC), so no flood of hellos makes
   the add-in's nonce unknown; a request whose nonce expired is not run and is told, signed, to retry.
6. A worker slot (``workers`` running, ``queue`` waiting) is taken before the body is read: beyond them
   the answer is 503 (busy) at once and the body is never read. Bodies must be JSON, declare their length
   and stay under ``max_body`` bytes; JSON nested too deep or holding lone surrogates is a 400; sheets,
   rows, columns and cells are bounded (:mod:`.handlers`).
7. A request whose work takes longer than ``work_timeout`` seconds is answered 504 and its work is told
   to stop: long work (a consolidation) checks at each file (:func:`.handlers.checkpoint`) and ends, so
   its slot comes back and nothing is written for a request nobody waits for.
8. Whatever goes wrong in a request becomes a JSON answer ``{"ok": false, "error": "<中文>"}`` with a
   fitting status; the traceback goes to the log (owner-only, control characters escaped), never to the
   client; the server goes on.
"""

from __future__ import annotations

import concurrent.futures as cf
import io
import itertools
import json
import logging
import logging.handlers
import os
import threading
import time
import traceback
import urllib.parse
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from xlperf.errors import XlperfError
from xlperf.wps import auth, handlers
from xlperf.wps.config import ServeConfig

log = logging.getLogger("xlperf.serve")

HOST = "127.0.0.1"
ALLOWED_HEADERS = f"Content-Type, {auth.NONCE_HEADER}, {auth.AUTH_HEADER}"
EXPOSED_HEADERS = f"Content-Type, {auth.PROOF_HEADER}"
HOST_NAMES = ("127.0.0.1", "localhost")
ADDIN_ORIGINS = frozenset({"null", "file://"})  # the add-in's file:// page, as the builds send it
API_VERSION = 2
NOT_AUTHENTICATED = (
    "加载项未通过本机 xlperf 服务的验证（加载项与服务的密钥不一致）：请运行 xlperf wps install 重新安装加载项，"
    "然后重新启动 WPS。"
)
NONCE_STALE = "本次验证已过期（从加载项向服务验证到发出请求相隔太久，或请求被重复发送），操作没有执行：请再点一次按钮重试。"
# what a log line may not carry raw: C0 and C1 control characters and DEL (a terminal reading the log
# would obey them), and the Unicode line and paragraph separators (an editor would break the line there)
_CONTROL = {c: f"\\x{c:02x}" for c in itertools.chain(range(0x20), range(0x7F, 0xA0))}
_CONTROL.update({0x2028: "\\u2028", 0x2029: "\\u2029"})


def printable(text: str) -> str:
    return text.translate(_CONTROL)


def printable_block(text: str) -> str:
    """Lines of text for the log (a traceback, whose last line quotes the exception's message: a path, a
    cell), each :func:`printable` and indented: no line of it passes for a line of the log's own."""
    return "\n".join("    " + printable(line) for line in text.rstrip("\n").split("\n"))


@dataclass
class Limits:
    max_body: int = 16 * 1024 * 1024  # bytes of one request
    read_timeout: float = 20.0  # seconds a client may take to send its whole request
    work_timeout: float = 300.0  # seconds of work for one request (a big folder's consolidation)
    workers: int = 4
    queue: int = 16  # requests waiting for a worker


@dataclass
class ServiceState:
    config: ServeConfig
    limits: Limits = field(default_factory=Limits)
    allowed_origins: frozenset[str] = ADDIN_ORIGINS
    endpoints: dict[str, tuple[str, Callable[[dict], dict]]] = field(
        default_factory=lambda: dict(handlers.ENDPOINTS)
    )
    pool: cf.ThreadPoolExecutor | None = None
    slots: threading.BoundedSemaphore | None = None
    port: int = 0
    log_path: Path | None = None
    nonces: auth.Nonces = field(default_factory=auth.Nonces)
    running: set[threading.Event] = field(default_factory=set)  # the cancel flags of work under way

    def start(self) -> None:
        self.pool = cf.ThreadPoolExecutor(max_workers=self.limits.workers, thread_name_prefix="xlperf-work")
        self.slots = threading.BoundedSemaphore(self.limits.workers + self.limits.queue)

    def stop_work(self) -> None:
        """Tell every piece of work under way to stop (the service is stopping)."""
        for flag in list(self.running):
            flag.set()


class HttpError(Exception):
    def __init__(self, status: int, message: str, *, retry: bool = False) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.retry = retry  # the request was not run: the client may send it again after a new hello


class _DeadlineReader(io.RawIOBase):
    """The connection's reads, each given only the time left until the request's deadline (the socket's
    own timeout would start again with every byte a slow client sends)."""

    def __init__(self, handler: Handler) -> None:
        self.handler = handler

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        h = self.handler
        if h.deadline is not None:
            left = h.deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("the request did not arrive in time")
            h.connection.settimeout(left)
        return h.connection.recv_into(buffer)


class Handler(BaseHTTPRequestHandler):
    server_version = "xlperf"
    sys_version = ""
    protocol_version = "HTTP/1.1"
    state: ServiceState  # set on the subclass made by make_server
    deadline: float | None = None  # when the request being read must be in
    nonce: str | None = None  # the hello nonce of an authenticated request: its answer is signed with it

    # --- plumbing --------------------------------------------------------------------------------

    def setup(self) -> None:
        self.timeout = self.state.limits.read_timeout
        super().setup()
        self.rfile = io.BufferedReader(_DeadlineReader(self))

    def handle_one_request(self) -> None:
        # each request (the first, and each one more on a kept-alive connection) has read_timeout seconds
        # from now to arrive whole
        self.deadline = time.monotonic() + self.state.limits.read_timeout
        self.nonce = None
        super().handle_one_request()

    def _request_read(self) -> None:
        """The request is in: no deadline while it is worked on; the answer is written with the usual
        timeout."""
        self.deadline = None
        self.connection.settimeout(self.state.limits.read_timeout)

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - the base class's name
        log.info("%s %s", self.address_string(), printable(format % args))

    def _origin(self) -> str | None:
        return self.headers.get("Origin")

    def _cors_headers(self) -> list[tuple[str, str]]:
        origin = self._origin()
        out = [("Vary", "Origin")]
        if origin is not None and origin in self.state.allowed_origins:
            out += [
                ("Access-Control-Allow-Origin", origin),
                ("Access-Control-Expose-Headers", EXPOSED_HEADERS),
            ]
        return out

    def _send(self, status: int, body: dict, extra: Iterable[tuple[str, str]] = ()) -> None:
        self._request_read()
        try:
            data = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate got past the checks: escaped, still valid JSON
            data = json.dumps(body, ensure_ascii=True, separators=(",", ":")).encode("ascii")
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        if self.nonce is not None:
            st = self.state
            proof = auth.answer_proof(st.config.secret, st.port, self.nonce, int(status), data)
            self.send_header(auth.PROOF_HEADER, proof)
        for k, v in [*self._cors_headers(), *extra]:
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def _error(self, status: int, message: str, retry: bool = False) -> None:
        # a body left unread would be taken for the next request on a kept-alive connection: close it
        unread = self.command == "POST" and not getattr(self, "_body_done", False)
        if unread:
            self.close_connection = True
        body = {"ok": False, "error": message, **({"retry": True} if retry else {})}
        self._send(status, body, [("Connection", "close")] if unread else [])

    def _guard(self) -> None:
        """Host and Origin (every request, the preflight too)."""
        host = (self.headers.get("Host") or "").strip().lower()
        allowed = {f"{h}:{self.state.port}" for h in HOST_NAMES}
        if host not in allowed:
            raise HttpError(
                HTTPStatus.MISDIRECTED_REQUEST,
                f"拒绝：请求的主机名不是本机服务（Host: {printable(host) or '无'}）",
            )
        origin = self._origin()
        if origin is not None and origin not in self.state.allowed_origins:
            raise HttpError(
                HTTPStatus.FORBIDDEN, f"拒绝：来自 {printable(origin)} 的网页不能使用本机的 xlperf 服务"
            )

    def _path(self) -> str:
        return self.path.split("?", 1)[0]

    def _hello(self) -> None:
        """The add-in's challenge: a fresh nonce of ours, and the proof that we know the secret."""
        query = urllib.parse.parse_qs(self.path.partition("?")[2])
        cn = (query.get("nonce") or [""])[0]
        if not auth.is_nonce(cn):
            raise HttpError(HTTPStatus.BAD_REQUEST, "验证请求缺少随机数（nonce：32 位十六进制）")
        st = self.state
        sn = st.nonces.issue()
        self._request_read()
        # answer_within: the seconds an answer may take (reading the request, then the work), which the
        # add-in waits before it gives up
        self._send(HTTPStatus.OK, {"ok": True, "service": "xlperf", "api": API_VERSION, "nonce": sn,
                                   "proof": auth.server_proof(st.config.secret, st.port, cn, sn),
                                   "answer_within": st.limits.read_timeout + st.limits.work_timeout})  # fmt: skip

    def _authenticate(self, method: str) -> None:
        st = self.state
        sn = self.headers.get(auth.NONCE_HEADER) or ""
        given = self.headers.get(auth.AUTH_HEADER) or ""
        length = (self.headers.get("Content-Length") or "0").strip()
        freshness = st.nonces.check(sn)
        if freshness == "unknown" or not given:
            raise HttpError(HTTPStatus.UNAUTHORIZED, NOT_AUTHENTICATED)
        want = auth.client_auth(st.config.secret, st.port, sn, method, self._path(), length)
        if not auth.same(given, want):
            raise HttpError(HTTPStatus.UNAUTHORIZED, NOT_AUTHENTICATED)
        self.nonce = sn  # the client knows the secret: every answer from here on is signed
        if freshness != "fresh" or not st.nonces.spend(sn):
            raise HttpError(HTTPStatus.UNAUTHORIZED, NONCE_STALE, retry=True)

    def _route(self, method: str) -> Callable[[dict], dict]:
        path = self._path()
        if path == "/v1/shutdown" and method == "POST":
            return self._shutdown
        entry = self.state.endpoints.get(path)
        if entry is None:
            raise HttpError(HTTPStatus.NOT_FOUND, f"没有这个接口：{printable(path)[:200]}")
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
        self._request_read()
        return parse_json(raw)

    def _run(self, fn: Callable[[dict], dict], payload: dict) -> dict:
        """Run ``fn`` in a worker (its slot already taken: given back when the work ends); past
        work_timeout the work is told to stop and the answer is 504."""
        st = self.state
        assert st.pool is not None and st.slots is not None
        cancel = threading.Event()
        try:
            future = st.pool.submit(handlers.run_abandonable, fn, payload, cancel)
        except BaseException:
            st.slots.release()
            raise
        st.running.add(cancel)

        def done(_) -> None:
            st.running.discard(cancel)
            st.slots.release()

        future.add_done_callback(done)
        try:
            return future.result(timeout=st.limits.work_timeout)
        except cf.TimeoutError as exc:
            cancel.set()
            raise HttpError(
                HTTPStatus.GATEWAY_TIMEOUT,
                f"处理超时（超过 {st.limits.work_timeout:g} 秒），操作已放弃，工作簿未被修改。",
            ) from exc

    def _handle(self, method: str) -> None:
        self._body_done = False
        st = self.state
        try:
            self._guard()
            if method == "OPTIONS":
                self._request_read()
                return self._preflight()
            if method == "GET" and self._path() == auth.HELLO_PATH:
                return self._hello()
            self._authenticate(method)
            fn = self._route(method)
            inline = fn == self._shutdown or fn is handlers.health  # never queued behind slow work
            if not inline:
                assert st.slots is not None
                if not st.slots.acquire(blocking=False):  # before the body is read: busy is said at once
                    raise HttpError(
                        HTTPStatus.SERVICE_UNAVAILABLE, "xlperf 服务正忙（请求过多），请稍后再试。"
                    )
            try:
                payload = self._body() if method == "POST" else {}
                if method != "POST":
                    self._request_read()
            except BaseException:
                if not inline:
                    st.slots.release()
                raise
            result = fn(payload) if inline else self._run(fn, payload)
            self._send(HTTPStatus.OK, {"ok": True, **result})
            if getattr(self, "_stop_after_reply", False):
                threading.Thread(target=self.server.shutdown, daemon=True).start()
        except HttpError as exc:
            self._error(exc.status, exc.message, exc.retry)
        except handlers.BadRequest as exc:
            self._error(HTTPStatus.BAD_REQUEST, str(exc))
        except XlperfError as exc:
            self._error(HTTPStatus.UNPROCESSABLE_ENTITY, str(exc))
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        except Exception as exc:  # noqa: BLE001 - a bad request never kills the service
            log.error(
                "unexpected error on %s %s\n%s",
                method,
                printable(self.path),
                printable_block(traceback.format_exc()),
            )
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
            printable(self._origin() or ""),
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


def parse_json(raw: bytes) -> dict:
    """A request body as a JSON object, or a Chinese 400: not UTF-8 JSON, nested too deep for the parser,
    or holding a lone surrogate (``\\ud800`` escaped in the JSON: no answer quoting it could be encoded)."""
    try:
        data = json.loads(raw.decode("utf-8")) if raw else {}
    except RecursionError as exc:
        raise HttpError(HTTPStatus.BAD_REQUEST, "请求的 JSON 嵌套层数过多，不是加载项发出的请求") from exc
    except (UnicodeDecodeError, ValueError) as exc:
        raise HttpError(HTTPStatus.BAD_REQUEST, "请求不是有效的 JSON") from exc
    if not isinstance(data, dict):
        raise HttpError(HTTPStatus.BAD_REQUEST, "请求应为 JSON 对象")
    if b"\\u" in raw or b"\\U" in raw:  # only an escape can make a surrogate: strict UTF-8 refuses them raw
        where = _lone_surrogate(data)
        if where is not None:
            raise HttpError(
                HTTPStatus.BAD_REQUEST,
                f"请求中有无法识别的字符（不成对的代理字符），位于{where}：请删除该单元格中的特殊符号后再试。",
            )
    return data


def _bad_text(s: str) -> bool:
    if s.isascii():
        return False
    try:
        s.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _lone_surrogate(data: object) -> str | None:
    """Where the first string holding a lone surrogate is, in words (None: there is none)."""
    stack: list[tuple[object, tuple]] = [(data, ())]
    while stack:
        value, path = stack.pop()
        if isinstance(value, str):
            if _bad_text(value):
                return _where(data, path)
        elif isinstance(value, dict):
            for k, v in value.items():
                if _bad_text(k):
                    return _where(data, path)
                stack.append((v, (*path, k)))
        elif isinstance(value, list):
            stack.extend((v, (*path, i)) for i, v in enumerate(value))
    return None


def _where(data: object, path: tuple) -> str:
    # sheets[i].rows[r][c] (the add-in's grids) as a sheet, a row and a column
    if len(path) >= 2 and path[0] == "sheets" and isinstance(path[1], int):
        sheet = data["sheets"][path[1]]  # type: ignore[index]
        name = sheet.get("name") if isinstance(sheet, dict) else None
        label = (
            f"工作表“{name}”"
            if isinstance(name, str) and not _bad_text(name)
            else f"第 {path[1] + 1} 张工作表"
        )
        if len(path) == 5 and path[2] == "rows":
            return f"{label}第 {path[3] + 1} 行第 {path[4] + 1} 列"
        return f"{label}的{'名称' if path[2:] == ('name',) else '内容'}中"
    return "请求中"


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = False  # two services on one port: the second must fail, not share it
    request_queue_size = 32

    def handle_error(self, request, client_address) -> None:  # a broken connection: log, go on
        log.warning("connection from %s failed:\n%s", client_address, printable_block(traceback.format_exc()))


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


class _PrivateLogHandler(logging.handlers.RotatingFileHandler):
    """A rotating log whose files are the user's alone (0600 on POSIX), the rotated ones too: the log
    names the user's files and folders."""

    def _open(self):
        fd = os.open(self.baseFilename, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        if os.name == "posix":
            os.fchmod(fd, 0o600)
        return os.fdopen(fd, "a", encoding=self.encoding, errors=self.errors)


def setup_logging(path: Path | None, verbose: bool = False) -> Path | None:
    """Log to a rotating owner-only file (the service usually runs without a console); None: to stderr."""
    log.setLevel(logging.INFO if verbose or path else logging.WARNING)
    log.propagate = False
    for h in list(log.handlers):
        log.removeHandler(h)
    if path is not None:
        try:
            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            h: logging.Handler = _PrivateLogHandler(path, maxBytes=1_000_000, backupCount=2, encoding="utf-8")
        except OSError:
            h, path = logging.StreamHandler(), None
    else:
        h = logging.StreamHandler()
    h.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    log.addHandler(h)
    return path
