"""Attacks on the WPS bridge (``xlperf serve`` and the add-in), each run for real: a web page opened from
disk in headless Chromium that tries to read the install secret and drive the service; a squatter on the
service's port that the add-in talks to; network and device paths under the Windows path rules (ntpath,
on Linux); a client that trickles bytes; JSON nested thousands deep and lone surrogates; requests whose
work outlives its time limit; bodies sent when every worker is busy; outputs written over the user's files;
control characters in the log; the secret's files readable by others; a ``%`` in the login entry.

The protocol (xlperf/wps/auth.py) is written out independently in tests/wps_support.py (``authed``), so
these tests speak to the service as any client would."""

from __future__ import annotations

import contextlib
import json
import ntpath
import os
import select
import shutil
import socket
import threading
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
from wps_support import JS, Service, authed, chromium, export_book, raw, run_node

from xlperf.samples import SAMPLES, write_sample
from xlperf.wps import config, handlers, install
from xlperf.wps.service import Limits, ServiceState, make_server

from conftest import ROOT

SEED = ROOT / "workbooks" / "samples" / "长安区委编办_2020.xlsx"


# --- helpers ----------------------------------------------------------------------------------------------


def post(svc, path: str, body: bytes | dict, headers: dict | None = None):
    data = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode("utf-8")
    h = {"Content-Type": "application/json", **authed(svc.port, svc.secret, "POST", path, len(data))}
    return raw(svc.port, "POST", path, data, {**h, **(headers or {})})


@pytest.fixture
def serve():
    """Start services in this process (real sockets, real handlers) with the limits a test gives."""
    started = []

    def start(**limits) -> SimpleNamespace:
        cfg = config.ServeConfig(0, config.new_secret())
        state = ServiceState(cfg, Limits(**limits))
        server = make_server(state, 0)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        started.append((server, state))
        return SimpleNamespace(port=state.port, secret=cfg.secret, state=state)

    yield start
    for server, state in started:
        server.shutdown()
        server.server_close()
        state.pool.shutdown(wait=False, cancel_futures=True)


# --- paths: network shares, device names, WebDAV -----------------------------------------------------------

WINDOWS_REMOTE = [
    r"\\fileserver\share\长安区.xlsx",
    r"\\fileserver\share",
    r"\\fileserver@SSL\DavWWWRoot\报送\u.xlsx",
    r"\\fileserver@SSL@8443\dav\u.xlsx",
    r"\\fileserver.example.com@80\x\u.xlsx",
    "//fileserver/share/u.xlsx",
    "\\\\fileserver/share/u.xlsx",
    r"\\?\C:\Users\张三\u.xlsx",
    r"\\?\UNC\fileserver\share\u.xlsx",
    "//?/C:/Users/u.xlsx",
    r"\\.\C:\Users\u.xlsx",
    r"\\.\pipe\xlperf",
    "//./COM1",
    r"\??\C:\Users\u.xlsx",
    r"C:\Users\张三\CON",
    r"C:\Users\张三\nul.xlsx",
    r"C:\Users\张三\COM1.xlsx",
    r"C:\Users\张三\LPT9",
    r"C:\Users\张三\conin$",
    "http://fileserver/share/u.xlsx",
    "file://fileserver/share/u.xlsx",
]


@pytest.mark.parametrize("raw_path", WINDOWS_REMOTE)
def test_network_and_device_paths_are_refused_before_anything_touches_them(raw_path, monkeypatch):
    """Under the Windows path rules (ntpath, here on Linux): refused with a Chinese reason, and no stat, no
    open, no existence check on the path first (on Windows that alone sends the user's NTLM hash)."""
    touched = []
    real_stat = os.stat

    def spy(p, *a, **k):
        touched.append(str(p))
        return real_stat(p, *a, **k)

    monkeypatch.setattr(handlers, "PATHS", ntpath, raising=False)
    monkeypatch.setattr(os, "stat", spy)
    for key, kw in (("workbook", {"suffixes": (".xlsx",)}), ("folder", {"directory": True})):
        with pytest.raises(handlers.BadRequest) as e:
            handlers._path({key: raw_path}, key, **kw)  # noqa: SLF001 - the check every path goes through
        assert any(w in str(e.value) for w in ("网络", "设备")), str(e.value)
    assert [t for t in touched if "fileserver" in t or "C:" in t or "pipe" in t] == []


def test_windows_local_paths_still_pass_the_check():
    for p in (
        r"C:\Users\张三\报送\u.xlsx",
        r"D:\汇总\2020",
        r"Z:\mapped drive\u.xlsx",
        r"C:\Users\console\u.xlsx",
    ):
        handlers.check_local_path(p, ntpath)


def test_a_network_path_on_linux_is_refused_by_the_service(serve):
    svc = serve()
    for body, endpoint in (({"workbook": "//fileserver/share/u.xlsx", "sheets": [{"name": "a", "rows": []}]},
                            "/v1/report"), ({"folder": "//fileserver/share"}, "/v1/consolidate"),
                           ({"workbook": "//fileserver/share/u.xlsx"}, "/v1/submission")):  # fmt: skip
        status, _, answer = post(svc, endpoint, body)
        assert status == 400 and "网络" in answer["error"], (endpoint, answer)


def test_a_whole_disk_is_not_consolidated_and_a_huge_folder_is_refused_early(tmp_path, monkeypatch):
    """/ (C:\\ on Windows) is refused before anything is walked; a folder holding far more than units'
    files is refused once so many entries were looked at, with a Chinese reason."""
    from xlperf.actions import FolderTooLarge

    walked = []
    monkeypatch.setattr(Path, "rglob", lambda self, pattern: walked.append(self) or iter(()))
    with pytest.raises(handlers.BadRequest, match="不能汇总整个磁盘"):
        handlers.consolidate({"folder": "/"})
    assert walked == []
    monkeypatch.undo()
    folder = tmp_path / "everything"
    for i in range(30):
        (folder / f"d{i}").mkdir(parents=True)
        (folder / f"d{i}" / "notes.txt").write_text("x", "utf-8")
    monkeypatch.setattr(handlers, "MAX_FOLDER_ENTRIES", 50)
    with pytest.raises(FolderTooLarge, match="超过 50 个"):
        handlers.consolidate({"folder": str(folder)})


# --- the service's error paths ---------------------------------------------------------------------------


def test_json_nested_thousands_deep_is_a_chinese_400(serve):
    svc = serve()
    for body in (b"[" * 50000 + b"]" * 50000, b'{"sheets":' + b"[" * 5000 + b"]" * 5000 + b"}"):
        status, _, answer = post(svc, "/v1/validate", body)
        assert status == 400 and "嵌套" in answer["error"], answer
    assert raw(svc.port, "GET", "/v1/hello?nonce=" + "0" * 32)[0] == 200  # still answering


def test_a_lone_surrogate_in_a_cell_is_a_chinese_400(serve, office_seed):
    from test_wps_addin import _grids

    svc = serve()
    grids = _grids(office_seed)
    # the project's name is in the plan the answer carries: a lone surrogate there cannot be encoded
    for g in grids:
        for row in g["rows"]:
            for i, v in enumerate(row):
                if v == "项目名称" and i + 1 < len(row):
                    row[i + 1] = "办公\ud800经费"
    body = json.dumps({"workbook": "u.xlsx", "sheets": grids}, ensure_ascii=True).encode("ascii")
    assert b"\\ud800" in body
    status, _, answer = post(svc, "/v1/validate", body)
    assert status == 400 and "无法识别的字符" in answer["error"], answer
    assert "自评表" in answer["error"]  # where it is
    # a sheet's name, echoed in a message
    body = json.dumps({"sheets": [{"name": "表\udc00", "state": "odd", "rows": []}]}).encode("ascii")
    status, _, answer = post(svc, "/v1/validate", body)
    assert status == 400 and "无法识别的字符" in answer["error"], answer


def test_a_client_trickling_bytes_is_cut_off_at_the_request_deadline(serve):
    """One byte every 0.25 s never lets a per-read timeout of 1 s run out; the whole request must be in
    within 1 s all the same."""
    svc = serve(read_timeout=1.0)
    s = socket.create_connection(("127.0.0.1", svc.port))
    line = f"POST /v1/validate HTTP/1.1\r\nHost: 127.0.0.1:{svc.port}\r\n".encode() + b"X-Pad: " + b"a" * 1000
    t0 = time.monotonic()
    closed_at = None
    try:
        for b in line:
            try:
                s.sendall(bytes([b]))
            except OSError:
                closed_at = time.monotonic() - t0
                break
            r, _, _ = select.select([s], [], [], 0.25)
            if r:
                with contextlib.suppress(OSError):
                    s.recv(4096)
                closed_at = time.monotonic() - t0
                break
            if time.monotonic() - t0 > 6:
                break
    finally:
        s.close()
    assert closed_at is not None and closed_at < 3.0, closed_at


def test_a_body_is_not_read_while_every_worker_is_busy(serve):
    """With the only worker busy, a request is answered 503 from its headers: its body (1 MB, never sent
    here) is not read first, so no number of such requests holds memory or a connection for long."""
    svc = serve(workers=1, queue=0, read_timeout=5.0, work_timeout=30)
    gate = threading.Event()
    svc.state.endpoints["/v1/slow"] = ("POST", lambda payload: (gate.wait(10), {"slept": True})[1])
    busy = threading.Thread(target=lambda: post(svc, "/v1/slow", {}), daemon=True)
    busy.start()
    time.sleep(0.3)
    try:
        n = 1_000_000
        h = authed(svc.port, svc.secret, "POST", "/v1/validate", n)
        s = socket.create_connection(("127.0.0.1", svc.port))
        head = "".join(f"{k}: {v}\r\n" for k, v in h.items())
        s.sendall(f"POST /v1/validate HTTP/1.1\r\nHost: 127.0.0.1:{svc.port}\r\nContent-Type: application/json\r\n"
                  f"Content-Length: {n}\r\n{head}\r\n".encode())  # fmt: skip
        s.settimeout(4)
        t0 = time.monotonic()
        data = b""
        with contextlib.suppress(TimeoutError):
            while chunk := s.recv(65536):  # the answer, then the connection closed (the body is unread)
                data += chunk
                elapsed = time.monotonic() - t0
        elapsed = time.monotonic() - t0 if not data else elapsed
        s.close()
        assert b" 503 " in data.split(b"\r\n")[0] and elapsed < 2, (data[:200], elapsed)
        assert "服务正忙".encode() in data
    finally:
        gate.set()
        busy.join(15)


def test_a_timed_out_request_stops_its_work_and_gives_its_worker_back(serve, tmp_path):
    """A consolidation past its time limit is answered 504 and stops at its next file: the one worker is
    free again at once (before, the abandoned work ran to its end and every later request got 503), and
    no summary is written for a request nobody waits for."""
    folder = tmp_path / "units"
    folder.mkdir()
    first = write_sample(SAMPLES[0], folder)
    for i in range(120):
        shutil.copy(first, folder / f"单位{i:03d}.xlsx")
    svc = serve(workers=1, queue=0, work_timeout=0.5)
    t0 = time.monotonic()
    status, _, answer = post(svc, "/v1/consolidate", {"folder": str(folder)})
    assert status == 504 and "处理超时" in answer["error"], answer
    assert time.monotonic() - t0 < 3
    time.sleep(1.0)
    status, _, answer = post(svc, "/v1/validate", {"sheets": [{"name": "表", "rows": [["随便"]]}]})
    assert status == 422, (status, answer)  # a worker took it (503 would be: still busy)
    time.sleep(0.5)
    assert [p.name for p in folder.iterdir() if p.name.startswith("汇总_")] == []


# --- outputs never written over the user's files -----------------------------------------------------------


def test_submission_never_replaces_an_edited_submission_copy(tmp_path):
    src = write_sample(SAMPLES[0], tmp_path)
    mine = src.with_name(f"{src.stem}_报送版.xlsx")
    mine.write_bytes(b"hand-edited")
    answer = handlers.submission({"workbook": str(src)})
    out = Path(answer["path"])
    assert out != mine and out.is_file() and out.parent == src.parent
    assert mine.read_bytes() == b"hand-edited"
    assert out.name == f"{src.stem}_报送版（2）.xlsx"


def test_consolidation_never_replaces_an_existing_summary(tmp_path):
    import datetime as dt

    folder = tmp_path / "units"
    folder.mkdir()
    for s in SAMPLES:
        write_sample(s, folder)
    mine = folder / f"汇总_{dt.date.today():%Y%m%d}.xlsx"
    mine.write_bytes(b"the summary I sent yesterday, annotated")
    answer = handlers.consolidate({"folder": str(folder)})
    out = Path(answer["path"])
    assert out != mine and out.is_file() and out.parent == folder and out.name.startswith("汇总_")
    assert mine.read_bytes() == b"the summary I sent yesterday, annotated"


def test_a_report_never_replaces_review_notes_of_the_same_name(tmp_path):
    """生成自评报告 writes the report and its review notes (…_自评报告_报送前核对事项.docx) beside the
    workbook: a notes file of that name already there (kept, annotated by hand) is never written over, and
    the new notes keep the name of the report they belong to."""
    from test_wps_addin import _grids

    src = write_sample(SAMPLES[0], tmp_path)  # 27 findings: notes are written
    mine = tmp_path / f"{src.stem}_自评报告_报送前核对事项.docx"
    mine.write_bytes(b"my own notes")
    answer = handlers.report({"workbook": str(src), "sheets": _grids(src)})
    out = Path(answer["path"])
    assert mine.read_bytes() == b"my own notes"
    assert out.name == f"{src.stem}_自评报告（2）.docx"
    notes = out.with_name(f"{out.stem}_报送前核对事项.docx")
    assert notes.is_file() and notes.stat().st_size > 1000
    assert not (tmp_path / f"{src.stem}_自评报告.docx").exists()  # no empty claim left behind


def test_a_report_with_nothing_to_check_leaves_no_empty_notes(tmp_path, monkeypatch):
    from test_wps_addin import _grids

    from xlperf.writers import report as report_writer

    src = write_sample(SAMPLES[2], tmp_path)
    monkeypatch.setattr(report_writer, "build_review", lambda *a, **k: None)  # nothing to check: no notes
    answer = handlers.report({"workbook": str(src), "sheets": _grids(src)})
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([src.name, Path(answer["path"]).name])


def test_a_report_and_a_submission_copy_for_a_workbook_with_a_long_name(tmp_path):
    """A workbook named with 83 Chinese characters (249 bytes, 254 with .xlsx): the report's and the copy's names are
    shortened to fit the file system (255 bytes), before the part that says what they are."""
    from test_wps_addin import _grids

    src = write_sample(SAMPLES[0], tmp_path)
    long = src.rename(tmp_path / ("长安区" * 27 + "长安.xlsx"))
    answer = handlers.report({"workbook": str(long), "sheets": _grids(long)})
    out = Path(answer["path"])
    assert out.is_file() and out.name.startswith("长安区") and out.name.endswith("…_自评报告.docx")
    again = Path(handlers.report({"workbook": str(long), "sheets": _grids(long)})["path"])
    assert again.name.endswith("…_自评报告（2）.docx")
    copy = Path(handlers.submission({"workbook": str(long)})["path"])
    assert copy.is_file() and copy.name.endswith("…_报送版.xlsx")
    assert all(len(os.fsencode(p.name)) <= 255 for p in tmp_path.iterdir())
    assert len(list(tmp_path.glob("*_报送前核对事项.docx"))) == 2


def test_two_reports_at_once_write_two_files(tmp_path, monkeypatch):
    """Two 生成自评报告 clicks (two WPS windows) on one workbook at the same moment: two reports, neither
    written over the other."""
    from test_wps_addin import _grids

    from xlperf.writers import report as report_writer

    src = write_sample(SAMPLES[0], tmp_path)
    grids = _grids(src)
    barrier = threading.Barrier(2, timeout=20)
    real = report_writer.write_report

    def slow(*a, **k):
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait()  # both have chosen their file name before either writes
        return real(*a, **k)

    monkeypatch.setattr(report_writer, "write_report", slow)
    results: list = []
    errors: list = []

    def one():
        try:
            results.append(handlers.report({"workbook": str(src), "sheets": grids}))
        except Exception as exc:  # noqa: BLE001 - collected, asserted below
            errors.append(exc)

    threads = [threading.Thread(target=one) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == [] and len(results) == 2
    paths = {r["path"] for r in results}
    assert len(paths) == 2 and all(Path(p).is_file() and Path(p).stat().st_size > 1000 for p in paths)


# --- the log and the secret's files ----------------------------------------------------------------------


@pytest.fixture
def subprocess_service(tmp_path):
    svc = Service(tmp_path)
    yield svc
    svc.stop()


def test_the_log_escapes_control_characters_and_is_the_users_alone(subprocess_service):
    svc = subprocess_service
    s = socket.create_connection(("127.0.0.1", svc.port))
    s.sendall(
        f"GET /v1/\x1b[2J\x1b]0;pwned\x07x HTTP/1.1\r\nHost: 127.0.0.1:{svc.port}\r\n\r\n".encode("latin-1")
    )
    with contextlib.suppress(OSError):
        s.recv(4096)
    s.close()
    time.sleep(0.3)
    text = svc.log.read_text("utf-8")
    assert "/v1/" in text
    assert "\x1b" not in text and "\x07" not in text and "\\x1b" in text
    if os.name == "posix":
        assert oct(svc.log.stat().st_mode & 0o777) == "0o600"


@pytest.mark.skipif(os.name != "posix", reason="file modes")
def test_the_secret_is_never_in_a_file_others_can_read(tmp_path, monkeypatch):
    """Every file holding the install secret is owner-only from the moment it is written: a failure right
    after writing (here: any chmod of a file holding it) leaves nothing readable by others."""
    home = tmp_path / "home"
    home.mkdir()
    env = {"HOME": str(home)}
    cfg_path = config.config_path(env)
    cfg = config.ServeConfig(18571, config.new_secret())
    config.save(cfg, cfg_path)
    secret = cfg.secret
    real_chmod = os.chmod

    def chmod(p, mode, *a, **k):
        with contextlib.suppress(OSError):
            if Path(p).is_file() and secret.encode() in Path(p).read_bytes():
                raise RuntimeError("stopped right after the secret was written")
        return real_chmod(p, mode, *a, **k)

    monkeypatch.setattr(os, "chmod", chmod)
    old = os.umask(0o022)
    try:
        with contextlib.suppress(RuntimeError):
            install.install(env=env, start=False, autostart=False)
    finally:
        os.umask(old)
    exposed = [str(p) for p in home.rglob("*") if p.is_file() and secret.encode() in p.read_bytes()
               and p.stat().st_mode & 0o077]  # fmt: skip
    assert exposed == []


@pytest.mark.skipif(os.name != "posix", reason="file modes")
def test_settings_left_readable_by_an_older_install_are_narrowed(tmp_path):
    path = tmp_path / "serve.json"
    path.write_text(json.dumps({"port": 18571, "token": "t" * 43}), "utf-8")
    path.chmod(0o644)
    config.load_or_create(path, port=18600)
    assert oct(path.stat().st_mode & 0o777) == "0o600"


LEAKED = "LEAKED-" + "k" * 40


@pytest.mark.skipif(os.name != "posix", reason="file modes")
@pytest.mark.parametrize(
    ("settings", "mode"),
    [
        ({"port": 35999, "token": LEAKED}, 0o600),  # an older install's: the add-in kept it in config.js
        ({"port": 35999, "token": LEAKED}, 0o644),  # …and an older version saved serve.json 0644
        ({"port": 35999, "secret": LEAKED}, 0o644),  # readable by every user of the PC
        ({"port": 35999, "secret": LEAKED}, 0o640),  # by the group
    ],
    ids=["token", "token-0644", "secret-0644", "secret-0640"],
)
def test_a_secret_others_could_read_is_replaced_on_install(tmp_path, settings, mode):
    """Before the key file, the add-in kept the service's token in config.js, which any page opened from
    disk could read; an earlier version also saved serve.json readable by others. Reinstalling keeps the
    port, but the secret is new (in serve.json and the add-in's key file alike) and serve.json is the
    user's alone."""
    home = tmp_path / "home"
    env = {"HOME": str(home)}
    cfg_path = config.config_path(env)
    cfg_path.parent.mkdir(parents=True)
    cfg_path.write_text(json.dumps(settings), "utf-8")
    cfg_path.chmod(mode)
    rep = install.install(env=env, start=False, autostart=False)
    key = config.read_key(install.addin_dir(install.jsaddons_dir(env, "linux")) / config.KEY_FILE)
    saved = json.loads(cfg_path.read_text("utf-8"))
    assert key["port"] == saved["port"] == 35999
    assert key["secret"] == saved["secret"] != LEAKED and "token" not in saved
    assert oct(cfg_path.stat().st_mode & 0o777) == "0o600"
    assert LEAKED not in "".join(p.read_text("utf-8", "replace") for p in home.rglob("*") if p.is_file())
    assert any("重新生成密钥" in line for line in rep.lines), rep.lines
    # installed again: the secret stays (it is private now)
    install.install(env=env, start=False, autostart=False)
    assert config.load(cfg_path).secret == saved["secret"]


@pytest.mark.skipif(os.name != "posix", reason="file modes")
@pytest.mark.parametrize("settings", [{"secret": LEAKED}, {"token": LEAKED}], ids=["secret-0644", "token"])
def test_the_service_never_serves_with_a_secret_others_could_read(tmp_path, settings):
    """``xlperf serve`` started on settings readable by others (or an older install's token): it does not
    answer to the old secret; it makes a new one, saves it owner-only and says to reinstall the add-in."""
    from xlperf.wps import auth

    cfg_path = tmp_path / "serve.json"
    cfg_path.write_text(json.dumps({"port": 0, **settings}), "utf-8")
    cfg_path.chmod(0o644 if "secret" in settings else 0o600)
    svc = Service(tmp_path / "svc", config_file=cfg_path)
    try:
        with pytest.raises(auth.NotOurService):
            auth.call(svc.port, LEAKED, "GET", "/v1/health", timeout=10)
        fresh = config.load(cfg_path).secret
        assert fresh != LEAKED and oct(cfg_path.stat().st_mode & 0o777) == "0o600"
        assert auth.call(svc.port, fresh, "GET", "/v1/health", timeout=10).status == 200
        assert "xlperf wps install" in svc.log.read_text("utf-8")
    finally:
        svc.stop()


def test_the_login_entry_escapes_percent_and_backslash_as_the_desktop_entry_spec_says():
    text = install.startup_content("/opt/py%d/bin/python3", "linux").decode("utf-8")
    assert "Exec=/opt/py%%d/bin/python3 -m xlperf serve" in text
    text = install.startup_content("/opt/my\\py thon/python3", "linux").decode("utf-8")
    assert 'Exec="/opt/my\\\\\\\\py thon/python3" -m xlperf serve' in text
    # the Windows login entry is a batch file: % there is a variable
    text = install.startup_content(r"C:\Users\a%USERNAME%b\pythonw.exe", "win32").decode("utf-8")
    assert 'start "" "C:\\Users\\a%%USERNAME%%b\\pythonw.exe" -m xlperf serve' in text


# --- the add-in against a squatter -------------------------------------------------------------------------


class _Squatter:
    """Another program on the service's port: it answers like the service would, and keeps everything."""

    def __init__(self, evil: str) -> None:
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        seen = self.seen = []

        class H(BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def _answer(self):
                n = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(n) if n else b""
                seen.append({"method": self.command, "path": self.path, "headers": dict(self.headers),
                             "body": body.decode("utf-8", "replace")})  # fmt: skip
                data = json.dumps({"ok": True, "service": "xlperf", "api": 2, "nonce": "a" * 32, "proof": "b" * 64,
                                   "path": evil, "files": 3, "opened": False, "replaced": 0, "checks": [],
                                   "summary": "共 0 项"}).encode()  # fmt: skip
                self.send_response(200)
                for k, v in (("Content-Type", "application/json"), ("Content-Length", str(len(data))),
                             ("Access-Control-Allow-Origin", "*"), ("Access-Control-Allow-Headers", "*"),
                             ("Access-Control-Expose-Headers", "*"), ("X-Xlperf-Proof", "c" * 64)):  # fmt: skip
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_OPTIONS = _answer

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_a_squatter_on_the_port_gets_neither_the_secret_nor_the_workbook(tmp_path):
    """The add-in asks the program on its port to prove it knows the install secret before it sends a
    workbook (and never sends the secret): a squatter gets a random nonce, nothing else, and its answers
    are never acted on (nothing opened)."""
    evil = str(tmp_path / "evil" / "汇总_20200101.xlsx")
    squatter = _Squatter(evil)
    secret = config.new_secret()
    src = write_sample(SAMPLES[0], tmp_path)
    book = export_book(src, full_name=str(src))
    folder = tmp_path / "units"
    folder.mkdir()
    inp, out = tmp_path / "in.json", tmp_path / "out.json"
    actions = [
        "XlperfValidate",
        "XlperfWriteReport",
        "XlperfSubmissionCopy",
        "XlperfConsolidate",
        "XlperfDiagnose",
    ]
    try:
        inp.write_text(json.dumps({"book": book, "config": {"port": squatter.port, "secret": secret, "token": secret},
                                   "actions": actions, "folder": str(folder)}, ensure_ascii=False), "utf-8")  # fmt: skip
        r = run_node([str(JS / "run_action.js"), str(inp), str(out)])
        assert r.returncode == 0, r.stderr
        result = json.loads(out.read_text("utf-8"))
    finally:
        squatter.stop()
    seen = json.dumps(squatter.seen, ensure_ascii=False)
    assert secret not in seen
    assert [s["path"].split("?")[0] for s in squatter.seen if s["method"] != "OPTIONS"] == [
        "/v1/hello"
    ] * len(actions)
    assert "自评表" not in seen and "单位信息" not in seen  # no workbook content
    assert result["opened"] == []
    assert len(result["alerts"]) == len(actions)
    assert all(f"无法确认端口 {squatter.port} 上的程序是本机的 xlperf 服务" in a for a in result["alerts"])


class _SlowSquatter:
    """A program on the port that holds whoever talks to it: it accepts and never answers, sends its
    headers a byte at a time, promises 100 MB and sends a byte at a time, or sends a hello far larger than
    any hello."""

    def __init__(self, how: str) -> None:
        self.how = how
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.done = threading.Event()
        self.conns: list[socket.socket] = []
        self.sent = 0
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while not self.done.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.conns.append(conn)
            threading.Thread(target=self._hold, args=(conn,), daemon=True).start()

    def _hold(self, conn: socket.socket) -> None:
        with contextlib.suppress(OSError):
            conn.recv(65536)
            head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            if self.how == "silent":
                self.done.wait(60)
            elif self.how == "trickle-headers":
                for b in head + b"X-Pad: " + b"a" * 10000:
                    if self.done.wait(0.2):
                        return
                    conn.sendall(bytes([b]))
            elif self.how == "trickle-body":
                conn.sendall(head + b"Content-Length: 100000000\r\n\r\n{")
                while not self.done.wait(0.2):
                    conn.sendall(b" ")
            elif self.how == "huge":
                conn.sendall(head + b"Content-Length: 100000000\r\n\r\n")
                block = b"a" * 100_000
                while self.sent < 100_000_000 and not self.done.is_set():
                    conn.sendall(block)
                    self.sent += len(block)

    def stop(self) -> None:
        self.done.set()
        self.sock.close()
        for c in self.conns:
            with contextlib.suppress(OSError):
                c.close()


@pytest.mark.parametrize("how", ["silent", "trickle-headers", "trickle-body", "huge"])
def test_a_squatter_cannot_hold_the_python_client(how):
    """wps install, doctor and the installer's stop/start wait for the service through auth.call: whatever
    the program on the port does, the call ends within its time limit (for the whole call, not for each
    read) having read no more than a hello can hold."""
    from xlperf.wps import auth

    squatter = _SlowSquatter(how)
    try:
        t0 = time.monotonic()
        with pytest.raises((OSError, auth.NotOurService)):
            auth.call(squatter.port, config.new_secret(), "GET", "/v1/health", timeout=2.0)
        assert time.monotonic() - t0 < 4, how
        t0 = time.monotonic()
        assert install.service_health(config.ServeConfig(squatter.port, config.new_secret()), 1.0) is None
        assert time.monotonic() - t0 < 3, how
        assert squatter.sent < 20_000_000  # (what the sockets' buffers took): the client read 4 KB at most
    finally:
        squatter.stop()


# --- a web page opened from disk --------------------------------------------------------------------------

ATTACK_PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>发票.html</title>
<script>window.__report = {scripts: {}, reads: {}, calls: [], errors: []};
window.onerror = function (m) { window.__report.errors.push(String(m)); };</script>
<script src="%(addin)s/config.js"></script>
<script src="%(addin)s/xlperf.key"></script>
<script src="%(addin)s/js/xlperf.js"></script>
</head><body>
<script>
(async function () {
  var R = window.__report, ADDIN = "%(addin)s", URL = "http://127.0.0.1:%(port)s";
  R.scripts.config = window.XLPERF_CONFIG || null;
  for (const name of ["xlperf.key", "config.js", "index.html"]) {
    try { R.reads["fetch " + name] = await (await fetch(ADDIN + "/" + name)).text(); }
    catch (e) { R.reads["fetch " + name] = "blocked: " + e; }
    try {
      var x = new XMLHttpRequest(); x.open("GET", ADDIN + "/" + name, false); x.send();
      R.reads["xhr " + name] = x.responseText;
    } catch (e) { R.reads["xhr " + name] = "blocked: " + e; }
  }
  await new Promise(function (done) {
    var f = document.createElement("iframe");
    f.src = ADDIN + "/xlperf.key";
    f.onload = function () {
      try { R.reads.iframe = f.contentDocument.body.innerText; } catch (e) { R.reads.iframe = "blocked: " + e; }
      done();
    };
    document.body.appendChild(f);
    setTimeout(done, 3000);
  });
  var token = R.scripts.config && R.scripts.config.token;
  var calls = [["GET", "/v1/health"], ["POST", "/v1/doctor", {}],
               ["POST", "/v1/report", {workbook: %(book)s, sheets: [{name: "自评表1", rows: [["项目名称"]]}], open: true}],
               ["POST", "/v1/consolidate", {folder: %(folder)s}],
               ["POST", "/v1/submission", {workbook: %(book)s}]];
  for (const c of calls) {
    for (const withToken of [true, false]) {
      var headers = {"Content-Type": "application/json"};
      if (withToken && token) { headers["X-Xlperf-Token"] = token; }
      try {
        var r = await fetch(URL + c[1], {method: c[0], headers: headers, body: c[2] ? JSON.stringify(c[2]) : undefined});
        R.calls.push([c[1], withToken, r.status, await r.text()]);
      } catch (e) { R.calls.push([c[1], withToken, "blocked", String(e)]); }
    }
  }
  // the add-in's own code, loaded into the page, with whatever settings the page can find
  try {
    var settings = R.scripts.config || {port: %(port)s};
    var a = await window.xlperf.request(settings, fetch.bind(window), "/v1/doctor", {});
    R.calls.push(["xlperf.request /v1/doctor", true, 200, JSON.stringify(a)]);
  } catch (e) { R.calls.push(["xlperf.request /v1/doctor", true, "refused", String(e && e.message)]); }
  window.__done = true;
})();
</script></body></html>
"""


def test_a_web_page_opened_from_disk_cannot_read_the_secret_nor_use_the_service(tmp_path):
    """An HTML file from Downloads, in the real Chromium, knowing where the add-in is installed (the home
    folder is in its own location; the version is guessable): it loads every file of the add-in it can,
    tries to read the secret by fetch, XHR and iframe, and calls every endpoint with and without what it
    found. It must learn nothing and change nothing."""
    chromium()
    from test_wps_install import _free_port

    home = tmp_path / "张三"
    home.mkdir()
    env = {"HOME": str(home)}
    port = _free_port()
    install.install(env=env, port=port, start=False, autostart=False)
    cfg_path = config.config_path(env)
    secret = config.load(cfg_path).secret
    addin = install.addin_dir(install.jsaddons_dir(env, "linux"))
    downloads = home / "Downloads"
    downloads.mkdir()
    book = write_sample(SAMPLES[0], downloads)
    folder = downloads / "units"
    folder.mkdir()
    write_sample(SAMPLES[1], folder)
    page = downloads / "发票.html"
    page.write_text(ATTACK_PAGE % {"addin": addin.as_uri(), "port": port, "book": json.dumps(str(book)),
                                   "folder": json.dumps(str(folder))}, "utf-8")  # fmt: skip
    svc = Service(tmp_path / "svc", config_file=cfg_path, port=port)
    try:
        out = tmp_path / "page.json"
        r = run_node([str(JS / "browser_page.mjs"), page.as_uri(), str(out), chromium()], timeout=180)
        result = json.loads(out.read_text("utf-8")) if out.exists() else {}
        assert r.returncode == 0, (result.get("failure"), r.stderr[-2000:])
        log = svc.log.read_text("utf-8")
    finally:
        svc.stop()
    report = result["report"]
    assert secret not in json.dumps(result, ensure_ascii=False)
    assert report["scripts"]["config"] is None
    for path, _with_token, status, text in report["calls"]:
        assert status in (401, 403, "blocked", "refused"), (path, status, text)
    assert not list(downloads.glob("*自评报告*")) and not list(downloads.glob("*报送版*"))
    assert not list(folder.glob("汇总_*"))
    for endpoint in ("health", "doctor", "report", "consolidate", "submission"):
        assert f'/v1/{endpoint} HTTP/1.1" 200' not in log
