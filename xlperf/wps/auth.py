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
answer of one kind serves as another. A server nonce is good for one request, for :data:`NONCE_SECONDS`.
The add-in's side of this is ``wps/js/xlperf.js`` (``hello``, ``request``).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
import threading
import time
import urllib.error
import urllib.request
from collections import OrderedDict
from dataclasses import dataclass

NONCE_HEADER = "X-Xlperf-Nonce"
AUTH_HEADER = "X-Xlperf-Auth"
PROOF_HEADER = "X-Xlperf-Proof"
HELLO_PATH = "/v1/hello"
NONCE_SECONDS = 120.0  # a hello's nonce is good this long, for one request
MAX_NONCES = 256  # outstanding hellos kept (a page calling hello in a loop pushes out only the oldest)
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
    """The service's outstanding hello nonces: each good once, for :data:`NONCE_SECONDS`."""

    def __init__(self, seconds: float = NONCE_SECONDS, size: int = MAX_NONCES) -> None:
        self.seconds, self.size = seconds, size
        self._issued: OrderedDict[str, float] = OrderedDict()
        self._lock = threading.Lock()

    def issue(self) -> str:
        n = new_nonce()
        now = time.monotonic()
        with self._lock:
            while self._issued and (
                len(self._issued) >= self.size or next(iter(self._issued.values())) < now
            ):
                self._issued.popitem(last=False)
            self._issued[n] = now + self.seconds
        return n

    def take(self, nonce: str) -> bool:
        """True once for a nonce this service issued and that has not expired."""
        with self._lock:
            expires = self._issued.pop(nonce, None)
        return expires is not None and expires >= time.monotonic()


# --- the service's client in Python (xlperf wps install, xlperf doctor, tests) ----------------------------


class NotOurService(Exception):
    """Something answers on the port but cannot prove it knows the install secret."""


@dataclass(frozen=True)
class Answer:
    status: int
    data: dict


def call(
    port: int, secret: str, method: str, path: str, body: dict | None = None, timeout: float = 5.0
) -> Answer:
    """One authenticated call: hello, the request, the answer's proof checked.

    Raises :class:`NotOurService` when what answers cannot prove itself (or signs no answer), and
    ``OSError`` when nothing answers."""
    base = f"http://127.0.0.1:{port}"
    cn = new_nonce()
    try:
        with urllib.request.urlopen(f"{base}{HELLO_PATH}?nonce={cn}", timeout=timeout) as r:  # noqa: S310 - loopback
            hello = json.loads(r.read())
    except urllib.error.HTTPError as exc:
        raise NotOurService(f"hello answered {exc.code}") from exc
    except ValueError as exc:
        raise NotOurService("hello answered no JSON") from exc
    sn = hello.get("nonce") if isinstance(hello, dict) else None
    if not is_nonce(sn) or not same(str(hello.get("proof", "")), server_proof(secret, port, cn, sn)):
        raise NotOurService("the hello's proof is wrong")
    data = b"" if body is None else json.dumps(body, ensure_ascii=False).encode("utf-8")
    headers = {NONCE_HEADER: sn, AUTH_HEADER: client_auth(secret, port, sn, method, path, len(data))}
    if body is not None:
        headers["Content-Type"] = "application/json"
    req = urllib.request.Request(f"{base}{path}", data=data if body is not None else None, method=method,
                                 headers=headers)  # fmt: skip
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:  # noqa: S310 - loopback, our port
            status, raw, proof = r.status, r.read(), r.headers.get(PROOF_HEADER) or ""
    except urllib.error.HTTPError as exc:
        status, raw, proof = exc.code, exc.read(), exc.headers.get(PROOF_HEADER) or ""
    if not same(proof, answer_proof(secret, port, sn, status, raw)):
        raise NotOurService("the answer is not signed")
    try:
        payload = json.loads(raw)
    except ValueError as exc:
        raise NotOurService("the answer is not JSON") from exc
    return Answer(status, payload if isinstance(payload, dict) else {})
