"""How the WPS add-in and ``xlperf serve`` prove themselves to each other: HMAC-SHA256 with the install
secret, which neither ever sends.

The secret (256 random bits, made by ``xlperf wps install``) is in two owner-only files: the service's
settings (``serve.json``, :mod:`.config`) and the add-in's key file (``xlperf.key`` in its folder, which
the add-in reads through WPS's own file API: no web page can read it). A web page can reach the service
(``Origin: null`` comes from any sandboxed frame, ``file://`` from pages on disk), so nothing here relies
on the origin: every call is authenticated by the secret, and the add-in authenticates the service before
it sends anything.

One call, as the add-in makes it::

    GET /v1/hello?nonce=<cn>                      cn: 32 hex digits, fresh (the add-in's challenge)
      <- {"nonce": sn, "proof": MAC("xlperf-server", port, cn, sn)}
         the add-in checks the proof: a program that is not our service (a squatter on the port, another
         user's service, a service on another port relaying) cannot make it; then, and only then:
    POST /v1/<endpoint>   X-Xlperf-Nonce: sn
                          X-Xlperf-Auth: MAC("xlperf-client", port, sn, method, path, content length)
      <- X-Xlperf-Proof: MAC("xlperf-answer", port, sn, status, <the answer's bytes>)
         the add-in acts only on an answer whose proof is right.

``MAC(parts…)`` is HMAC-SHA256 keyed with the secret's UTF-8 bytes over the parts joined by ``\\n`` (the
answer's bytes after one more ``\\n``), in lowercase hex. The three labels keep the proofs apart: no
answer of one kind serves as another. A server nonce is good for one request, for :data:`NONCE_SECONDS`
(:class:`Nonces`); a request whose nonce expired (or was spent) is not run, and when the request's MAC is
right the answer, signed, says to try again (``"retry": true``): both clients do, once, with a new hello.
The add-in's side of this is ``wps/js/xlperf.js`` (``hello``, ``request``).
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import http.client
import json
import re
import secrets
import socket
import threading
import time
from dataclasses import dataclass

NONCE_HEADER = "X-Xlperf-Nonce"
AUTH_HEADER = "X-Xlperf-Auth"
PROOF_HEADER = "X-Xlperf-Proof"
HELLO_PATH = "/v1/hello"
NONCE_SECONDS = 120.0  # a hello's nonce is good this long, for one request
MAX_HELLO = 4096  # bytes of a hello's answer the client reads (it is ~200)
MAX_ANSWER = 16 * 1024 * 1024  # bytes of an answer the client reads (as much as a request may carry)
MAX_SPENT = 100_000  # nonces spent within NONCE_SECONDS (only an authenticated request spends one)
SPENT_PRUNE_AT = 1024  # the spent nonces are swept of expired ones once they are this many
_NONCE = re.compile(r"[0-9a-f]{32}")


def new_nonce() -> str:
    return secrets.token_hex(16)


def is_nonce(text: object) -> bool:
    return isinstance(text, str) and _NONCE.fullmatch(text) is not None


def mac(secret: str, *parts: object, body: bytes | None = None) -> str:
    msg = "\n".join(str(p) for p in parts).encode("utf-8")
    if body is not None:
        msg += b"\n" + body
    return hmac.new(secret.encode("utf-8"), msg, hashlib.sha256).hexdigest()


def server_proof(secret: str, port: int, client_nonce: str, server_nonce: str) -> str:
    return mac(secret, "xlperf-server", port, client_nonce, server_nonce)


def client_auth(secret: str, port: int, server_nonce: str, method: str, path: str, length: int) -> str:
    return mac(secret, "xlperf-client", port, server_nonce, method, path, length)


def answer_proof(secret: str, port: int, server_nonce: str, status: int, body: bytes) -> str:
    return mac(secret, "xlperf-answer", port, server_nonce, status, body=body)


def same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode("utf-8", "replace"), b.encode("utf-8", "replace"))


class Nonces:
    """The service's hello nonces, made so that no number of hellos pushes one out: each carries its own
    issue time and a MAC under a key of this process (``time | random | MAC``, 16 bytes), so the service
    keeps nothing per hello; only nonces spent by an authenticated request are remembered, until they
    expire. Each is good once, for :data:`NONCE_SECONDS`; a service started again knows none of the last
    one's."""

    TICK = 10  # issue times in tenths of a second

    def __init__(self, seconds: float = NONCE_SECONDS, max_spent: int = MAX_SPENT) -> None:
        self.seconds, self.max_spent = seconds, max_spent
        self._key = secrets.token_bytes(32)
        self._spent: dict[str, float] = {}  # nonce -> when it expires
        self._lock = threading.Lock()

    def _now(self) -> int:
        return int(time.monotonic() * self.TICK) & 0xFFFFFFFF

    def _tag(self, head: bytes) -> bytes:
        return hmac.new(self._key, head, hashlib.sha256).digest()[:8]

    def issue(self) -> str:
        head = self._now().to_bytes(4, "big") + secrets.token_bytes(4)
        return (head + self._tag(head)).hex()

    def check(self, nonce: str) -> str:
        """``"fresh"``: issued by this service, not expired; ``"expired"``; ``"unknown"``: not one of ours."""
        if not is_nonce(nonce):
            return "unknown"
        raw = bytes.fromhex(nonce)
        if not hmac.compare_digest(raw[8:], self._tag(raw[:8])):
            return "unknown"
        age = (self._now() - int.from_bytes(raw[:4], "big")) & 0xFFFFFFFF
        return "fresh" if age <= self.seconds * self.TICK else "expired"

    def spend(self, nonce: str) -> bool:
        """True the first time a fresh nonce is spent (False: spent before, or too many spent at once)."""
        now = time.monotonic()
        with self._lock:
            if nonce in self._spent:
                return False
            if len(self._spent) >= SPENT_PRUNE_AT:
                self._spent = {n: t for n, t in self._spent.items() if t >= now}
                if len(self._spent) >= self.max_spent:
                    return False
            self._spent[nonce] = now + self.seconds + 1
            return True


# --- the service's client in Python (xlperf wps install, xlperf doctor, tests) ----------------------------


class NotOurService(Exception):
    """Something answers on the port but cannot prove it knows the install secret."""


@dataclass(frozen=True)
class Answer:
    status: int
    data: dict


class _Deadline:
    def __init__(self, seconds: float) -> None:
        self.end = time.monotonic() + seconds

    def left(self) -> float:
        left = self.end - time.monotonic()
        if left <= 0:
            raise TimeoutError("no answer in time")
        return left


def _exchange(
    port: int, method: str, path: str, body: bytes | None, headers: dict, deadline: _Deadline, limit: int
) -> tuple[int, str, bytes]:
    """One HTTP exchange with 127.0.0.1:port, over by the deadline whatever the other side does (a timer
    shuts the socket: a per-read timeout would start again with every byte a slow sender sends), reading
    at most ``limit`` bytes of answer. (status, the answer's proof header, the answer's bytes)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=deadline.left())
    late = threading.Event()

    def cut() -> None:
        late.set()
        sock = conn.sock
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    timer = threading.Timer(deadline.left(), cut)
    timer.daemon = True
    timer.start()
    try:
        conn.request(method, path, body=body, headers={"Host": f"127.0.0.1:{port}", **headers})
        r = conn.getresponse()
        declared = (r.getheader("Content-Length") or "").strip()
        if declared.isdigit() and int(declared) > limit:
            raise NotOurService(f"the answer is too large ({declared} bytes)")
        data = bytearray()
        while chunk := r.read1(65536):
            data += chunk
            if len(data) > limit:
                raise NotOurService("the answer is too large")
        return r.status, r.getheader(PROOF_HEADER) or "", bytes(data)
    except (OSError, http.client.HTTPException) as exc:
        if late.is_set():
            raise TimeoutError("no whole answer in time") from exc
        if isinstance(exc, OSError):
            raise
        raise NotOurService(f"not an HTTP answer ({type(exc).__name__})") from exc
    finally:
        timer.cancel()
        conn.close()


def _call_once(
    port: int, secret: str, method: str, path: str, data: bytes | None, deadline: _Deadline
) -> Answer:
    cn = new_nonce()
    status, _, raw = _exchange(port, "GET", f"{HELLO_PATH}?nonce={cn}", None, {}, deadline, MAX_HELLO)
    if status != 200:
        raise NotOurService(f"hello answered {status}")
    try:
        hello = json.loads(raw)
    except ValueError as exc:
        raise NotOurService("hello answered no JSON") from exc
    sn = hello.get("nonce") if isinstance(hello, dict) else None
    if not is_nonce(sn) or not same(str(hello.get("proof", "")), server_proof(secret, port, cn, sn)):
        raise NotOurService("the hello's proof is wrong")
    headers = {NONCE_HEADER: sn, AUTH_HEADER: client_auth(secret, port, sn, method, path, len(data or b""))}
    if data is not None:
        headers["Content-Type"] = "application/json"
    status, proof, raw = _exchange(port, method, path, data, headers, deadline, MAX_ANSWER)
    if not same(proof, answer_proof(secret, port, sn, status, raw)):
        raise NotOurService("the answer is not signed")
    try:
        payload = json.loads(raw)
    except ValueError as exc:
        raise NotOurService("the answer is not JSON") from exc
    return Answer(status, payload if isinstance(payload, dict) else {})


def call(
    port: int, secret: str, method: str, path: str, body: dict | None = None, timeout: float = 5.0
) -> Answer:
    """One authenticated call: hello, the request, the answer's proof checked; sent once more (a new hello)
    when the service says, signed, that the nonce came too late. All within ``timeout`` seconds, whatever
    answers; a hello over :data:`MAX_HELLO` bytes or an answer over :data:`MAX_ANSWER` is not read.

    Raises :class:`NotOurService` when what answers cannot prove itself (or signs no answer), and
    ``OSError`` (``TimeoutError`` past the time limit) when nothing answers."""
    deadline = _Deadline(timeout)
    data = None if body is None else json.dumps(body, ensure_ascii=False).encode("utf-8")
    answer = _call_once(port, secret, method, path, data, deadline)
    if answer.status == 401 and answer.data.get("retry") is True:
        answer = _call_once(port, secret, method, path, data, deadline)
    return answer
