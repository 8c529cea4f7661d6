"""``xlperf serve`` on loopback, as a browser and a hostile client meet it: CORS preflight for the add-in's
``null`` and ``file://`` origins (Private Network Access included), Host and Origin checks, the hello and
the MAC every call carries (never the secret), signed answers, size and time limits, concurrent requests,
and bad requests that never stop it. (The attacks themselves: tests/test_wps_attacks.py.)"""

from __future__ import annotations

import contextlib
import http.client
import json
import socket
import threading
import time
from pathlib import Path

import pytest
from wps_support import Service, authed, export_book, hello, mac, raw

from xlperf.core.plan import MARK_KEY, footer_key_message
from xlperf.errors import XlperfError
from xlperf.wps import auth, config
from xlperf.wps.service import Limits, ServiceState, make_server

from conftest import ROOT

SEED = ROOT / "workbooks" / "samples" / "长安区委编办_2020.xlsx"


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    svc = Service(tmp_path_factory.mktemp("serve"), "--max-body-mb", "1")
    yield svc
    svc.stop()


def request(svc, method, path, body=None, headers=None, *, auth_=True, host=None):
    """One request; ``auth_``: authenticated as the add-in does (a hello, then the MAC)."""
    h = {}
    if body is not None:
        h["Content-Type"] = "application/json"
        if not isinstance(body, bytes):
            body = json.dumps(body, ensure_ascii=False).encode("utf-8")
    if auth_:
        h.update(authed(svc.port, svc.secret, method, path.split("?")[0], len(body or b"")))
    if host:
        h["Host"] = host
    h.update(headers or {})
    return raw(svc.port, method, path, body or b"", h)


def grids(path: Path) -> list[dict]:
    from test_wps_addin import _grids

    return _grids(path)


# --- CORS -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("origin", ["null", "file://"])
def test_preflight_from_the_add_ins_origin_with_private_network_access(service, origin):
    """The add-in's page is a file:// page: Chromium sends ``Origin: null``, builds whose embedded Chromium
    has file access (WPS Linux 11.1) send ``Origin: file://``. Both are let through CORS; neither is taken
    as proof of anything."""
    status, headers, _ = request(service, "OPTIONS", "/v1/validate", auth_=False, headers={
        "Origin": origin, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type,x-xlperf-nonce,x-xlperf-auth",
        "Access-Control-Request-Private-Network": "true",
    })  # fmt: skip
    assert status == 204
    assert headers["Access-Control-Allow-Origin"] == origin
    assert headers["Access-Control-Allow-Private-Network"] == "true"
    assert "POST" in headers["Access-Control-Allow-Methods"]
    allowed = {h.strip().lower() for h in headers["Access-Control-Allow-Headers"].split(",")}
    assert {"content-type", "x-xlperf-nonce", "x-xlperf-auth"} <= allowed
    assert headers["Vary"] == "Origin"
    status, headers, body = request(service, "GET", "/v1/health", headers={"Origin": origin})
    assert status == 200 and body["ok"] and headers["Access-Control-Allow-Origin"] == origin
    assert "x-xlperf-proof" in headers["Access-Control-Expose-Headers"].lower()
    status, _, body = request(service, "GET", "/v1/health", headers={"Origin": origin}, auth_=False)
    assert status == 401 and "密钥" in body["error"]


def test_preflight_without_private_network_access_does_not_grant_it(service):
    status, headers, _ = request(service, "OPTIONS", "/v1/health", auth_=False,
                                 headers={"Origin": "null", "Access-Control-Request-Method": "GET"})  # fmt: skip
    assert status == 204 and "Access-Control-Allow-Private-Network" not in headers


def test_a_web_page_from_elsewhere_is_refused_even_authenticated(service):
    for origin in ("https://example.com", "http://127.0.0.1:8000", "file://evil.example", "null "):
        status, headers, body = request(service, "OPTIONS", "/v1/validate", auth_=False,
                                        headers={"Origin": origin, "Access-Control-Request-Method": "POST"})  # fmt: skip
        assert status == 403 and "Access-Control-Allow-Origin" not in headers, origin
        status, headers, body = request(service, "GET", "/v1/health", headers={"Origin": origin})
        assert status == 403 and "不能使用本机的 xlperf 服务" in body["error"]
        assert "Access-Control-Allow-Origin" not in headers


def test_answers_to_the_add_in_carry_the_cors_headers(service):
    status, headers, body = request(service, "GET", "/v1/health", headers={"Origin": "null"})
    assert status == 200 and body["ok"] and body["service"] == "xlperf"
    assert headers["Access-Control-Allow-Origin"] == "null"
    assert headers["Content-Type"] == "application/json; charset=utf-8"
    assert headers["Cache-Control"] == "no-store" and headers["X-Content-Type-Options"] == "nosniff"


# --- Host, authentication ------------------------------------------------------------------------------------------


def test_a_rebound_host_name_is_refused(service):
    for host in (f"evil.example:{service.port}", "127.0.0.1", "127.0.0.1:1", "localhost.evil.com"):
        status, _, body = request(service, "GET", "/v1/health", host=host)
        assert status == 421 and "主机名" in body["error"], host
    assert request(service, "GET", "/v1/health", host=f"localhost:{service.port}")[0] == 200


def test_every_call_is_authenticated_with_a_fresh_nonce_and_the_secret_never_travels(service):
    status, _, body = request(service, "GET", "/v1/health", auth_=False)
    assert status == 401 and "xlperf wps install" in body["error"]
    status, _, _ = request(service, "POST", "/v1/validate", {"sheets": []}, auth_=False)
    assert status == 401
    port, secret = service.port, service.secret
    # the secret itself, as a header (the old way): refused
    assert raw(port, "GET", "/v1/health", headers={"X-Xlperf-Token": secret})[0] == 401
    # a MAC with the wrong secret, over the wrong path, method or length; a nonce not ours
    sn = hello(port, secret)
    for bad in (mac("x" * 43, "xlperf-client", port, sn, "GET", "/v1/health", 0),
                mac(secret, "xlperf-client", port, sn, "GET", "/v1/doctor", 0),
                mac(secret, "xlperf-client", port, sn, "POST", "/v1/health", 0),
                mac(secret, "xlperf-client", port, sn, "GET", "/v1/health", 5),
                mac(secret, "xlperf-server", port, sn, "GET", "/v1/health", 0)):  # fmt: skip
        sn = hello(port, secret)
        h = {"X-Xlperf-Nonce": sn, "X-Xlperf-Auth": bad}
        assert raw(port, "GET", "/v1/health", headers=h)[0] == 401
    other = "0123456789abcdef" * 2
    h = {
        "X-Xlperf-Nonce": other,
        "X-Xlperf-Auth": mac(secret, "xlperf-client", port, other, "GET", "/v1/health", 0),
    }
    assert raw(port, "GET", "/v1/health", headers=h)[0] == 401
    # a nonce is good once
    h = authed(port, secret, "GET", "/v1/health", 0)
    assert raw(port, "GET", "/v1/health", headers=h)[0] == 200
    assert raw(port, "GET", "/v1/health", headers=h)[0] == 401
    # the hello wants a nonce of ours: 32 hex digits
    for q in ("", "?nonce=", "?nonce=xyz", "?nonce=" + "0" * 31, "?nonce=" + "G" * 32):
        assert raw(port, "GET", "/v1/hello" + q)[0] == 400, q


def test_a_flood_of_hellos_does_not_push_out_the_add_ins_nonce(service):
    """Any web page may call /v1/hello (it cannot do more): a page calling it in a loop between the add-in's
    hello and its request must not make the add-in's nonce unknown to the service."""
    port, secret = service.port, service.secret
    h = authed(port, secret, "GET", "/v1/health", 0)
    for i in range(600):
        assert raw(port, "GET", f"/v1/hello?nonce={i:032x}", headers={"Origin": "null"})[0] == 200
    status, _, body = raw(port, "GET", "/v1/health", headers=h)
    assert status == 200 and body["ok"], body


def test_the_hello_says_how_long_an_answer_may_take(service):
    """The add-in gives up on an answer after the service's own limits (reading a request, then working on
    it: 20 s and 300 s by default), which the hello tells it."""
    status, _, body = raw(service.port, "GET", "/v1/hello?nonce=" + "0" * 32)
    assert status == 200 and body["answer_within"] == 320


@pytest.fixture
def short_nonces():
    """A service in this process whose hello nonces are good for 0.3 s."""
    state = ServiceState(config.ServeConfig(0, config.new_secret()), nonces=auth.Nonces(seconds=0.3))
    server = make_server(state, 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield state
    server.shutdown()
    server.server_close()
    state.pool.shutdown(wait=False, cancel_futures=True)


def test_a_nonce_used_too_late_is_told_signed_and_the_client_tries_again(short_nonces, monkeypatch):
    """The add-in's request after its nonce expired (or used twice) is not run; the answer, signed (the
    client proved it knows the secret), says to try again, and the client does, once, with a new hello."""
    port, secret = short_nonces.port, short_nonces.config.secret
    for stale in ("expired", "used"):
        h = authed(port, secret, "GET", "/v1/health", 0)
        if stale == "expired":
            time.sleep(0.5)
        else:
            assert raw(port, "GET", "/v1/health", headers=h)[0] == 200
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.request("GET", "/v1/health", headers={"Host": f"127.0.0.1:{port}", **h})
        r = conn.getresponse()
        data = r.read()
        conn.close()
        assert r.status == 401, stale
        assert r.getheader("X-Xlperf-Proof") == auth.answer_proof(
            secret, port, h["X-Xlperf-Nonce"], 401, data
        )
        answer = json.loads(data)
        assert answer["retry"] is True and "重试" in answer["error"] and "密钥" not in answer["error"], answer
    # a nonce not ours, or a MAC without the secret: unsigned, as before, and no retry offered
    h = authed(port, secret, "GET", "/v1/health", 0)
    h["X-Xlperf-Auth"] = mac("another secret " + "x" * 30, "xlperf-client", port, h["X-Xlperf-Nonce"], "GET",
                             "/v1/health", 0)  # fmt: skip
    status, headers, body = raw(port, "GET", "/v1/health", headers=h)
    assert status == 401 and "X-Xlperf-Proof" not in headers and "retry" not in body
    # the library's client: its first request is late (its MAC slowed here), the second goes through
    hellos, slow = [], [True]
    real_nonce, real_auth = auth.new_nonce, auth.client_auth

    def counted():
        hellos.append(1)
        return real_nonce()

    def late(*a, **k):
        if slow.pop() if slow else False:
            time.sleep(0.5)
        return real_auth(*a, **k)

    monkeypatch.setattr(auth, "new_nonce", counted)
    monkeypatch.setattr(auth, "client_auth", late)
    answer = auth.call(port, secret, "GET", "/v1/health", timeout=10)
    assert answer.status == 200 and len(hellos) == 2


def test_the_add_in_told_its_nonce_came_too_late_says_to_retry(tmp_path):
    """The add-in (Node, against this service, whose nonces here are always too late): it asks once more,
    then shows the service's signed words, which say to retry, not that the answer is unsigned."""
    from wps_support import JS, run_node

    state = ServiceState(config.ServeConfig(0, config.new_secret()), nonces=auth.Nonces(seconds=-1))
    server = make_server(state, 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        inp, out = tmp_path / "in.json", tmp_path / "out.json"
        book = {"fullName": str(tmp_path / "u.xlsx"), "sheets": [{"name": "Sheet1", "cells": {}}]}
        inp.write_text(json.dumps({"book": book, "config": {"port": state.port, "secret": state.config.secret},
                                   "actions": ["XlperfDiagnose"]}), "utf-8")  # fmt: skip
        r = run_node([str(JS / "run_action.js"), str(inp), str(out)])
        assert r.returncode == 0, r.stderr
        alerts = json.loads(out.read_text("utf-8"))["alerts"]
    finally:
        server.shutdown()
        server.server_close()
        state.pool.shutdown(wait=False, cancel_futures=True)
    assert len(alerts) == 1 and "重试" in alerts[0] and "签名" not in alerts[0], alerts


def test_answers_to_authenticated_calls_are_signed_and_others_are_not(service):
    port, secret = service.port, service.secret
    for method, path, body, want in (("GET", "/v1/health", b"", 200), ("POST", "/v1/validate", b"[1]", 400),
                                     ("GET", "/v1/nothing", b"", 404)):  # fmt: skip
        h = authed(port, secret, method, path, len(body))
        if body:
            h["Content-Type"] = "application/json"
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.request(method, path, body=body or None, headers={"Host": f"127.0.0.1:{port}", **h})
        r = conn.getresponse()
        data = r.read()
        conn.close()
        assert r.status == want
        assert r.getheader("X-Xlperf-Proof") == auth.answer_proof(
            secret, port, h["X-Xlperf-Nonce"], want, data
        )
    status, headers, _ = raw(port, "GET", "/v1/health")
    assert status == 401 and "X-Xlperf-Proof" not in headers
    # the library's client checks it all
    answer = auth.call(port, secret, "GET", "/v1/health")
    assert answer.status == 200 and answer.data["service"] == "xlperf"
    with pytest.raises(auth.NotOurService):
        auth.call(port, "another install's secret " + "x" * 20, "GET", "/v1/health")


def test_the_service_listens_on_loopback_only(service):
    addresses = {a[4][0] for a in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET)} - {
        "127.0.0.1"
    }
    for address in addresses:
        with pytest.raises(OSError):
            socket.create_connection((address, service.port), timeout=2).close()
    out = Path("/proc/net/tcp")
    if out.exists():  # the listening socket's local address is 127.0.0.1 (0100007F), never 0.0.0.0
        rows = [line.split() for line in out.read_text().splitlines()[1:]]
        mine = [r[1] for r in rows if r[3] == "0A" and int(r[1].split(":")[1], 16) == service.port]
        assert mine == [f"0100007F:{service.port:04X}"]


# --- what a bad request gets ------------------------------------------------------------------------------


def test_bad_requests_get_chinese_errors_and_the_service_goes_on(service):
    cases = [
        (("POST", "/v1/validate", b"{not json", {"Content-Type": "application/json"}), 400, "不是有效的 JSON"),
        (("POST", "/v1/validate", [1, 2], None), 400, "JSON 对象"),
        (("POST", "/v1/validate", {}, None), 400, "没有工作表"),
        (("POST", "/v1/validate", {"sheets": [{"name": "a", "rows": "x"}]}, None), 400, "二维数组"),
        (("POST", "/v1/validate", {"sheets": [{"name": "a", "rows": [[{"x": 1}]]}]}, None), 400, "不是数字"),
        (("POST", "/v1/validate", {"sheets": [{"name": "a", "rows": [[1]] * 3001}]}, None), 400, "3000 行"),
        (("POST", "/v1/validate", {"sheets": [{"name": "表", "rows": [["随便"]]}]}, None), 422, "没有找到项目支出绩效自评表"),
        (("POST", "/v1/validate", b"{}", {"Content-Type": "text/plain"}), 415, "JSON"),
        (("GET", "/v1/nothing", None, None), 404, "没有这个接口"),
        (("GET", "/v1/validate", None, None), 405, "只接受 POST"),
        (("DELETE", "/v1/health", None, None), 405, "不支持 DELETE"),
        (("POST", "/v1/report", {"workbook": "relative.xlsx", "sheets": [{"name": "a", "rows": []}]}, None), 400, "完整的文件路径"),
        (("POST", "/v1/consolidate", {"folder": "/nonexistent/folder"}, None), 400, "文件夹不存在"),
        (("POST", "/v1/submission", {"workbook": "/etc/passwd"}, None), 400, "不是 Excel 工作簿"),
        (("POST", "/v1/indicator-row", {"name": "a", "rows": [], "formulas": [], "row": 0}, None), 400, "行号"),
        (("POST", "/v1/footers", {}, None), 400, "工作表名 → 页脚左侧文字"),
        (("POST", "/v1/footers", {"footers": ["&8x"]}, None), 400, "工作表名 → 页脚左侧文字"),
        (("POST", "/v1/footers", {"footers": {"a": 8}}, None), 400, "文字或 null"),
        (("POST", "/v1/footers", {"footers": {"a": "x" * 1025}}, None), 400, "1024 个字符"),
        (("POST", "/v1/footers", {"footers": {str(i): "" for i in range(1001)}}, None), 400, "最多 1000 张"),
    ]  # fmt: skip
    for (method, path, body, headers), status, text in cases:
        got, hdrs, answer = request(service, method, path, body, headers)
        assert got == status, (path, body, answer)
        assert answer["ok"] is False and text in answer["error"], (path, answer)
        assert "Traceback" not in answer["error"]
    assert service.alive()


def _auth_lines(svc, method: str, path: str, length: int) -> str:
    return "".join(f"{k}: {v}\r\n" for k, v in authed(svc.port, svc.secret, method, path, length).items())


def test_request_size_is_limited_before_the_body_is_read(service):
    # the answer comes from the headers alone: the 2 MB body is never sent, let alone read
    s = socket.create_connection(("127.0.0.1", service.port))
    n = 2 * 1024 * 1024
    s.sendall(f"POST /v1/validate HTTP/1.1\r\nHost: 127.0.0.1:{service.port}\r\n{_auth_lines(service, 'POST', '/v1/validate', n)}"
              f"Content-Type: application/json\r\nContent-Length: {n}\r\n\r\n{{".encode())  # fmt: skip
    s.settimeout(10)
    data = b""
    while b"\r\n\r\n" not in data or not data.rstrip().endswith(b"}"):
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    s.close()
    head, _, body = data.partition(b"\r\n\r\n")
    assert b" 413 " in head.split(b"\r\n")[0] and b"Connection: close" in head
    error = json.loads(body)["error"]
    assert "请求过大（2.0 MB，上限 1.0 MB）" in error
    # a length it claims but never sends, chunked, or none at all
    chunked = {
        **authed(service.port, service.secret, "POST", "/v1/validate", 0),
        "Transfer-Encoding": "chunked",
    }
    assert request(service, "POST", "/v1/validate", b"{}", chunked, auth_=False)[0] == 411
    s = socket.create_connection(("127.0.0.1", service.port))
    s.sendall(f"POST /v1/validate HTTP/1.1\r\nHost: 127.0.0.1:{service.port}\r\n{_auth_lines(service, 'POST', '/v1/validate', 0)}"
              "Content-Type: application/json\r\n\r\n".encode())  # fmt: skip
    assert b" 411 " in s.recv(4096).split(b"\r\n")[0]
    s.close()
    assert service.alive()


def test_garbage_and_half_requests_never_kill_it(service):
    for data in (
        b"\x00\x01\x02garbage\r\n\r\n",
        b"GET / HTTP/9.9\r\n\r\n",
        b"GET " + b"a" * 70000 + b" HTTP/1.1\r\n\r\n",
        b"",
    ):
        s = socket.create_connection(("127.0.0.1", service.port))
        s.sendall(data)
        s.shutdown(socket.SHUT_WR)
        with contextlib.suppress(OSError):
            s.recv(4096)
        s.close()
    # a body cut off halfway: the connection closes, the service stays
    s = socket.create_connection(("127.0.0.1", service.port))
    s.sendall(f"POST /v1/validate HTTP/1.1\r\nHost: 127.0.0.1:{service.port}\r\n{_auth_lines(service, 'POST', '/v1/validate', 1000)}"
              "Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"she".encode())  # fmt: skip
    s.close()
    assert service.alive()


def test_many_validations_at_once_all_answer_correctly(service, office_seed):
    body = {"workbook": str(office_seed), "sheets": grids(office_seed)}
    results: list = [None] * 12

    def one(i: int) -> None:
        results[i] = request(service, "POST", "/v1/validate", body)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(len(results))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    statuses = [r[0] for r in results]
    assert all(s in (200, 503) for s in statuses), statuses
    ok = [r[2] for r in results if r[0] == 200]
    assert len(ok) >= 4 and all(a["findings"] == 27 and a["projects"] == 4 for a in ok)
    busy = [r[2] for r in results if r[0] == 503]
    assert all("服务正忙" in b["error"] for b in busy)
    assert service.alive()


def test_a_validation_answers_with_the_plan_and_what_to_clear(service, office_seed):
    rows = [
        ["sheet", "address", "fill", "note"],
        ["自评表1", "H7", "#FFF2CC", ""],
        ["自评表1", "H7", "", "note"],
    ]
    status, _, answer = request(service, "POST", "/v1/validate",
                                {"workbook": "u.xlsx", "sheets": grids(office_seed), "record": {"rows": rows}})  # fmt: skip
    assert status == 200 and answer["ok"]
    assert answer["plan"]["kind"] == "xlperf.validation-plan" and answer["plan"]["live"]["values"]
    assert answer["clear"]["sheets"][0] == {"sheet": "自评表1", "fills": [["FFF2CC", ["H7"]]], "delete_notes": ["H7"],
                                            "cut_notes": []}  # fmt: skip
    assert answer["clear"]["footer_key"] == ""  # a live record: the ribbons never print the key


def test_the_footers_of_a_cleared_copy_come_back_without_the_key(service):
    """What the WPS add-in writes back into the left footers it read while clearing a validated copy:
    only where the key was, the user's text kept; the sheets whose footer could not be read named in
    the words the Excel ribbon uses."""
    footers = {"自评表1": "&8" + MARK_KEY, "自评表2": "某某局", "自评表3": "&8" + MARK_KEY + "2020年度",
               "自评表4": None, "自评表5": None}  # fmt: skip
    status, _, answer = request(service, "POST", "/v1/footers", {"footers": footers})
    assert status == 200 and answer["ok"]
    assert answer["writes"] == {"自评表1": "", "自评表3": "&8 2020年度"}
    assert (
        answer["message"] == footer_key_message(["自评表4", "自评表5"])
        and "自评表4、自评表5" in answer["message"]
    )
    status, _, answer = request(service, "POST", "/v1/footers", {"footers": {"自评表1": "&8" + MARK_KEY}})
    assert answer["writes"] == {"自评表1": ""} and answer["message"] == ""


# --- limits inside the service (in process, real sockets) -------------------------------------------------


@pytest.fixture
def slow_server(tmp_path):
    """A service with a slow endpoint, one worker and one place in the queue, 0.5 s of work allowed."""
    cfg = config.ServeConfig(0, config.new_secret())
    gate = threading.Event()

    def slow(payload: dict) -> dict:
        gate.wait(float(payload.get("seconds", 5)))
        return {"slept": True}

    def boom(payload: dict) -> dict:
        raise RuntimeError("a bug")

    state = ServiceState(cfg, Limits(work_timeout=0.5, workers=1, queue=1, read_timeout=1.0))
    state.endpoints["/v1/slow"] = ("POST", slow)
    state.endpoints["/v1/boom"] = ("POST", boom)
    state.log_path = tmp_path / "serve.log"
    server = make_server(state, 0)
    t = threading.Thread(target=server.serve_forever, daemon=True)
    t.start()

    class Svc:
        port, secret, service = state.port, cfg.secret, state

        def alive(self):
            return request(self, "GET", "/v1/health")[0] == 200

    yield Svc()
    gate.set()
    server.shutdown()
    server.server_close()


def test_work_past_the_time_limit_is_answered_504_and_busy_past_the_queue_503(slow_server):
    t0 = time.monotonic()
    status, _, body = request(slow_server, "POST", "/v1/slow", {"seconds": 5})
    assert status == 504 and "处理超时（超过 0.5 秒）" in body["error"] and time.monotonic() - t0 < 3
    # the slow work still holds the one worker and the one queue place: a third request is turned away
    results = []
    th = threading.Thread(
        target=lambda: results.append(request(slow_server, "POST", "/v1/slow", {"seconds": 5}))
    )
    th.start()
    time.sleep(0.2)
    status, _, body = request(slow_server, "POST", "/v1/slow", {"seconds": 0})
    assert status == 503 and "服务正忙" in body["error"]
    th.join(5)
    assert results[0][0] == 504
    assert slow_server.alive()  # health does not queue behind the work


def test_a_bug_in_an_endpoint_is_one_chinese_line_and_the_log_has_the_traceback(slow_server, tmp_path):
    status, _, body = request(slow_server, "POST", "/v1/boom", {})
    assert status == 500 and body["error"].startswith("操作未完成：出现意外错误（RuntimeError）")
    assert "Traceback" not in body["error"] and "a bug" not in body["error"]
    assert slow_server.alive()


def test_a_traceback_in_the_log_carries_no_control_characters_nor_forged_lines(slow_server):
    """An exception's text comes from the request (a path, a cell): in the log its control characters are
    escaped as the request lines' are, and a line break in it cannot start a line that passes for one of
    the service's own."""
    import io
    import logging

    def bad(payload: dict) -> dict:
        raise RuntimeError(f"{payload['text']}")

    slow_server.service.endpoints["/v1/bad"] = ("POST", bad)
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    log = logging.getLogger("xlperf.serve")
    log.addHandler(handler)
    try:
        forged = '2026-01-01 00:00:00,000 INFO 127.0.0.1 "POST /v1/consolidate HTTP/1.1" 200 -'
        text = f"a bug\x1b]0;pwned\x07\x1b[2J\r\n{forged}\u2028\x85end"
        status, _, body = request(slow_server, "POST", "/v1/bad", {"text": text})
    finally:
        log.removeHandler(handler)
    assert status == 500
    logged = out.getvalue()
    assert "Traceback" in logged and "RuntimeError: a bug" in logged
    assert not any(c in logged for c in "\x1b\x07\r\x85\u2028"), repr(logged)
    assert "\\x1b]0;pwned" in logged
    assert not any(line.startswith("2026-01-01") for line in logged.splitlines()), logged


def test_a_client_that_sends_slowly_is_cut_off(slow_server):
    s = socket.create_connection(("127.0.0.1", slow_server.port))
    s.sendall(f"POST /v1/slow HTTP/1.1\r\nHost: 127.0.0.1:{slow_server.port}\r\n".encode())
    t0 = time.monotonic()
    s.settimeout(5)
    data = s.recv(4096)  # the server gives up on the request after read_timeout (1 s) and closes
    assert data == b"" or b"408" in data
    assert time.monotonic() - t0 < 4
    s.close()
    assert slow_server.alive()


def test_a_second_service_on_the_same_port_fails_with_a_chinese_reason(service):
    state = ServiceState(config.ServeConfig(service.port, config.new_secret()))
    with pytest.raises(XlperfError, match="可能已有一个 xlperf 服务在运行"):
        make_server(state)


def test_shutdown_needs_authentication(slow_server):
    assert request(slow_server, "POST", "/v1/shutdown", {}, auth_=False)[0] == 401
    assert slow_server.alive()


def test_settings_are_created_once_private_and_checked(tmp_path):
    path = tmp_path / "x" / "serve.json"
    cfg, made = config.load_or_create(path)
    assert made and cfg.port == config.DEFAULT_PORT and len(cfg.secret) >= 40
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    again, made = config.load_or_create(path)
    assert again == cfg and not made
    moved, made = config.load_or_create(path, port=20000)
    assert made and moved.port == 20000 and moved.secret == cfg.secret
    assert json.loads(path.read_text("utf-8"))["secret"] == cfg.secret
    # an older install's settings name the secret "token"
    path.write_text(json.dumps({"port": 1, "token": "t" * 43, "origins": ["http://127.0.0.1:3889"]}), "utf-8")
    assert config.load(path).secret == "t" * 43
    assert config.load(path).origins == ("http://127.0.0.1:3889",)
    assert config.load_or_create(path, port=2)[0].origins == (
        "http://127.0.0.1:3889",
    )  # a new port keeps them
    path.write_text('{"port": 1}', "utf-8")
    with pytest.raises(config.ConfigError, match="不完整"):
        config.load(path)
    path.write_text("{", "utf-8")
    with pytest.raises(config.ConfigError, match="无法读取"):
        config.load(path)


def test_the_exported_book_is_what_the_add_in_reads():
    """The helper the tests build grids with gives the values Excel shows (cached), as the add-in reads."""
    data = export_book(SEED)
    first = data["sheets"][0]
    assert first["name"] == "单位信息" and any(isinstance(c.get("v"), str) for c in first["cells"].values())


def test_shutdown_answers_before_it_stops(slow_server, monkeypatch):
    """The reply to /v1/shutdown leaves before the server is told to stop: stopping first let the process
    end before the reply, and `xlperf wps install --uninstall` then took the service for one that would
    not stop. The reply is slowed down here, so stopping first would show as the wrong order."""
    from xlperf.wps import service as S

    events: list[str] = []
    real_send = S.Handler._send

    def slow_send(self, *a, **k):
        if self.path.startswith("/v1/shutdown"):  # (not the hello before it)
            time.sleep(0.2)
            events.append("sent")
        return real_send(self, *a, **k)

    monkeypatch.setattr(S.Handler, "_send", slow_send)
    servers = []

    def record_shutdown(self):
        events.append("shutdown")
        servers.append(self)

    monkeypatch.setattr(S.Server, "shutdown", record_shutdown, raising=False)
    status, _, body = request(slow_server, "POST", "/v1/shutdown", {})
    assert status == 200 and body["stopping"] is True
    deadline = time.monotonic() + 5
    while "shutdown" not in events and time.monotonic() < deadline:
        time.sleep(0.02)
    assert events == ["sent", "shutdown"]
    monkeypatch.undo()  # the fixture's own server.shutdown() stops it for real
