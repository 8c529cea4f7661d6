"""``xlperf wps install`` / ``--uninstall`` with a temporary HOME: the add-in copied into jsaddons (its key
file owner-only), publish.xml merged without touching other add-ins and restored byte for byte, the
service registered to start at login and started, WPS's own settings read (oem.ini's JsApiPlugin, the
trust recorded in authaddin.json), and the WPS checks of ``xlperf doctor`` over described PCs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner
from wps_support import wait_until

from xlperf import __version__
from xlperf.addin import doctor
from xlperf.cli import cli
from xlperf.wps import config, facts, install

OTHER = (
    b'<?xml version="1.0" encoding="UTF-8"?>\r\n<jsplugins>\r\n'
    b'    <jsplugin name="wps-zotero" type="wps" url="http://127.0.0.1:3889/" version="1.0.0" enable="enable_dev" install="null"/>\r\n'
    b'    <jspluginonline name="\xe5\x85\xac\xe6\x96\x87" type="et" url="http://oa.example/addin/" enable="enable" install="null"/>\r\n'
    b"</jsplugins>\r\n"
)


@pytest.fixture
def home(tmp_path, monkeypatch):
    h = tmp_path / "张三"  # a Chinese user name: the add-in's file URL must still be ASCII
    h.mkdir()
    for k in list(os.environ):
        if k.startswith("XDG_"):
            monkeypatch.delenv(k)
    monkeypatch.setenv("HOME", str(h))
    return h


def jsaddons(home: Path) -> Path:
    return home / ".local" / "share" / "Kingsoft" / "wps" / "jsaddons"


def run(*args):
    r = CliRunner().invoke(cli, ["wps", "install", *args])
    assert r.exit_code == 0, r.output
    return r.output


def test_install_copies_registers_and_uninstall_restores_publish_xml_byte_for_byte(home):
    js = jsaddons(home)
    js.mkdir(parents=True)
    (js / "publish.xml").write_bytes(OTHER)
    (js / "wps-zotero_1.0.0").mkdir()
    out = run("--no-start")
    folder = js / f"xlperf_{__version__}"
    for name in (
        "ribbon.xml",
        "index.html",
        "main.js",
        "xlperf.key",
        "js/xlperf.js",
        "js/ribbon.js",
        "images/xlperfValidate.svg",
    ):
        assert (folder / name).is_file(), name
    assert not (folder / "config.js").exists()  # no script holds the secret
    cfg = config.load(home / ".config" / "xlperf" / "serve.json")
    key = (folder / "xlperf.key").read_text("utf-8")
    assert key.startswith(")]}'\n")  # a syntax error as a script
    assert config.read_key(folder / "xlperf.key") == {
        "port": cfg.port,
        "secret": cfg.secret,
        "version": __version__,
    }
    assert oct((folder / "xlperf.key").stat().st_mode & 0o777) == "0o600"
    data = (js / "publish.xml").read_bytes()
    assert data.startswith(OTHER[: OTHER.index(b"</jsplugins>")])  # every byte of theirs, in place
    entry = install.publish_entry(folder)
    assert data == OTHER.replace(b"</jsplugins>", b"    " + entry + b"\r\n</jsplugins>")
    assert b"%E5%BC%A0%E4%B8%89" in entry and entry.isascii()  # 张三, percent-encoded
    assert f"复制加载项到：{folder}" in out and "登记加载项" in out and "重新启动 WPS" in out
    desktop = home / ".config" / "autostart" / "xlperf-serve.desktop"
    text = desktop.read_text("utf-8")
    assert f"Exec={sys.executable} -m xlperf serve" in text and "X-xlperf=1" in text
    out = run("--uninstall")
    assert (js / "publish.xml").read_bytes() == OTHER
    assert not folder.exists() and (js / "wps-zotero_1.0.0").is_dir()
    assert not desktop.exists() and not (home / ".config" / "xlperf" / "serve.json").exists()
    assert "与安装前完全相同" in out


def test_install_without_a_publish_xml_creates_it_and_uninstall_removes_it(home):
    run("--no-start")
    js = jsaddons(home)
    root = __import__("xml.etree.ElementTree", fromlist=["x"]).fromstring((js / "publish.xml").read_bytes())
    (entry,) = list(root)
    assert (
        entry.attrib["name"] == "xlperf"
        and entry.attrib["type"] == "et"
        and entry.attrib["version"] == __version__
    )
    assert entry.attrib["url"].startswith("file:///") and entry.attrib["url"].endswith(
        f"/xlperf_{__version__}/"
    )
    run("--uninstall")
    assert not (js / "publish.xml").exists() and not js.exists()


def test_reinstall_keeps_one_entry_and_the_first_original(home):
    js = jsaddons(home)
    js.mkdir(parents=True)
    (js / "publish.xml").write_bytes(OTHER)
    run("--no-start")
    first = (js / "publish.xml").read_bytes()
    secret = config.load(home / ".config" / "xlperf" / "serve.json").secret
    run("--no-start")
    assert (js / "publish.xml").read_bytes() == first and first.count(b'name="xlperf"') == 1
    assert (
        config.load(home / ".config" / "xlperf" / "serve.json").secret == secret
    )  # the add-in keeps working
    run("--uninstall")
    assert (js / "publish.xml").read_bytes() == OTHER


def test_uninstall_after_another_add_in_was_installed_takes_out_only_ours(home):
    js = jsaddons(home)
    js.mkdir(parents=True)
    (js / "publish.xml").write_bytes(OTHER)
    run("--no-start")
    later = (
        (js / "publish.xml")
        .read_bytes()
        .replace(
            b"</jsplugins>", b'    <jsplugin name="later" type="wpp" url="x" version="2"/>\r\n</jsplugins>'
        )
    )
    (js / "publish.xml").write_bytes(later)
    out = run("--uninstall")
    assert (js / "publish.xml").read_bytes() == OTHER.replace(
        b"</jsplugins>", b'    <jsplugin name="later" type="wpp" url="x" version="2"/>\r\n</jsplugins>'
    )
    assert "其他加载项不变" in out


def test_a_damaged_publish_xml_is_left_alone_with_a_chinese_reason(home):
    js = jsaddons(home)
    js.mkdir(parents=True)
    broken = b'<?xml version="1.0"?><jsplugins><jsplugin name="a"'
    (js / "publish.xml").write_bytes(broken)
    r = CliRunner().invoke(cli, ["wps", "install", "--no-start"])
    assert r.exit_code == 2 and "不是有效的 XML" in r.output and "Traceback" not in r.output
    assert (js / "publish.xml").read_bytes() == broken


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (b"<jsplugins/>", b"<jsplugins>\n  E\n</jsplugins>"),
        (b"<jsplugins></jsplugins>", b"<jsplugins>\n  E\n</jsplugins>"),
        (
            b'<jsplugins>\n\t<jsplugin name="a" type="wps"/>\n</jsplugins>\n',
            b'<jsplugins>\n\t<jsplugin name="a" type="wps"/>\n\tE\n</jsplugins>\n',
        ),
        (
            b'<jsplugins>\n  <jsplugin name="xlperf" type="et" version="0.0.1" url="old"/>\n  '
            b'<jsplugin name="xlperf" type="et" url="dup"/>\n</jsplugins>',
            b"<jsplugins>\n  E\n</jsplugins>",
        ),
        (
            b'<jsplugins><jsplugin name="xlperf" type="wps"/></jsplugins>',  # ours for Writer: not ours
            b'<jsplugins><jsplugin name="xlperf" type="wps"/>\n  E\n</jsplugins>',
        ),
    ],
    ids=["self-closed", "empty", "tabs", "old-and-duplicate", "same-name-other-type"],
)
def test_publish_xml_merge_shapes(before, after):
    merged = install.merge_publish(before, b"E")
    assert merged == after
    if b'type="wps"' in before and b"xlperf" in before:
        assert (
            install.remove_publish(merged.replace(b"E", install.publish_entry(Path("/x")))).count(b"xlperf")
            == 1
        )


def test_remove_publish_keeps_everything_else():
    data = OTHER.replace(b"</jsplugins>", b"    " + install.publish_entry(Path("/x")) + b"\r\n</jsplugins>")
    assert install.remove_publish(data) == OTHER


def test_windows_places_and_login_entry():
    env = {"APPDATA": r"C:\Users\张三\AppData\Roaming"}
    assert (
        str(install.jsaddons_dir(env, "win32")).replace("/", "\\").endswith(r"Roaming\kingsoft\wps\jsaddons")
    )
    start = str(install.startup_file(env, "win32")).replace("/", "\\")
    assert start.endswith(r"Start Menu\Programs\Startup\xlperf-serve.cmd")
    cmd = install.startup_content(r"C:\Python311\pythonw.exe", "win32").decode("utf-8")
    assert 'start "" "C:\\Python311\\pythonw.exe" -m xlperf serve\r\n' in cmd and "chcp 65001" in cmd
    assert "xlperf wps install" in cmd and cmd.count("\r\n") == 4
    with pytest.raises(install.WpsInstallError, match="APPDATA"):
        install.jsaddons_dir({}, "win32")
    assert str(config.config_dir(env, "win32")).replace("/", "\\").endswith(r"Roaming\xlperf")


def test_linux_login_entry_quotes_a_path_with_spaces():
    text = install.startup_content("/opt/my python/bin/python3", "linux").decode("utf-8")
    assert 'Exec="/opt/my python/bin/python3" -m xlperf serve' in text


def test_install_starts_the_service_and_uninstall_stops_it(home, tmp_path):
    port = _free_port()
    run("--port", str(port))
    cfg = config.load(home / ".config" / "xlperf" / "serve.json")
    try:
        # a minute: a loaded CI box starts the service's Python slowly
        assert wait_until(lambda: install.service_health(cfg) is not None, 60)
        f = facts.gather()
        assert f.service == "running" and f.key_matches is True and f.autostart
        checks = doctor.diagnose_wps(f)
        statuses = {c.name: c.status for c in checks}
        assert (
            statuses.pop(doctor.TRUST_CHECK) == "warn"
        )  # WPS has not been opened since: nothing trusted yet
        assert set(statuses.values()) == {"ok"}, [(c.name, c.detail) for c in checks]
        out = run("--uninstall")
        assert f"已停止本机服务（端口 {port}）" in out
        assert install.service_health(cfg) is None
    finally:
        install.stop_service(cfg)


def _free_port() -> int:
    import socket

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def test_the_service_refuses_a_port_taken_and_says_so(home):
    import socket

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen()
    port = s.getsockname()[1]
    try:
        r = subprocess.run([sys.executable, "-m", "xlperf", "serve", "--port", str(port), "--log", "-"],
                           capture_output=True, text=True, timeout=60, env={**os.environ, "HOME": str(home)})  # fmt: skip
        assert r.returncode == 2 and "无法在 127.0.0.1:" in r.stderr and "--port" in r.stderr
    finally:
        s.close()


# --- xlperf doctor's WPS checks, over described PCs ---------------------------------------------------------


GOOD = doctor.WpsFacts(
    platform="linux", jsaddons="/h/.local/share/Kingsoft/wps/jsaddons", wps_installed=True,
    addin_folders=(f"/h/jsaddons/xlperf_{__version__}",), publish_exists=True, publish_versions=(__version__,),
    config_path="/h/.config/xlperf/serve.json", port=18571, key_matches=True, service="running",
    service_version=__version__, autostart="/h/.config/autostart/xlperf-serve.desktop", trust="trusted",
    oem=(("/opt/kingsoft/wps-office/office6/cfgs/oem.ini", True),),
)  # fmt: skip


@pytest.mark.parametrize(
    ("changes", "name", "status", "words"),
    [
        ({}, None, "ok", ""),
        ({"service": "stopped"}, "本机服务（xlperf serve）", "error", "xlperf serve"),
        ({"service": "not_ours"}, "本机服务（xlperf serve）", "error", "不能证明自己是本机的 xlperf 服务"),
        ({"service_version": "0.0.1"}, "本机服务（xlperf serve）", "warn", "0.0.1"),
        ({"key_matches": False}, "加载项与服务的密钥", "error", "xlperf wps install"),
        ({"key_matches": None}, "加载项与服务的密钥", "warn", "xlperf.key"),
        ({"autostart": None, "autostart_expected": "/h/x.desktop"}, "登录时启动服务", "warn", "/h/x.desktop"),
        ({"publish_versions": ()}, "WPS 加载项", "error", "没有登记"),
        ({"publish_versions": ("0.0.1",)}, "WPS 加载项", "warn", "0.0.1"),
        ({"addin_missing": ("xlperf.key",)}, "WPS 加载项", "error", "xlperf.key"),
        ({"publish_error": "不是有效的 XML"}, "WPS 加载项", "error", "不是有效的 XML"),
        (
            {"blockhost": (("/h/jsaddinblockhost.ini", ()),)},
            "WPS 的加载项限制",
            "warn",
            "jsaddinblockhost.ini",
        ),
        ({"blockhost": (("/h/jsaddinblockhost.ini", ("et=1",)),)}, "WPS 的加载项限制", "error", "et=1"),
        ({"trust": "pending"}, doctor.TRUST_CHECK, "warn", "选择信任"),
        ({"trust": "not_loaded"}, doctor.TRUST_CHECK, "error", "isload"),
        ({"trust": "disabled"}, doctor.TRUST_CHECK, "error", "启用 xlperf"),
        ({"trust": "unknown"}, doctor.TRUST_CHECK, "warn", "authaddin.json"),
        (
            {"oem": (("/opt/k/office6/cfgs/oem.ini", False),)},
            "WPS 的 JS 加载项开关（oem.ini）",
            "warn",
            "JsApiPlugin=true",
        ),
        (
            {"oem": (("/opt/k/office6/cfgs/oem.ini", None),)},
            "WPS 的 JS 加载项开关（oem.ini）",
            "warn",
            "无法读取",
        ),
        ({"oem": ()}, None, "ok", ""),
    ],
)
def test_wps_checks(changes, name, status, words):
    checks = doctor.diagnose_wps(replace(GOOD, **changes))
    assert len(checks) == 7
    bad = [c for c in checks if c.status != "ok"]
    if name is None:
        assert bad == []
        return
    (c,) = bad
    assert (c.name, c.status) == (name, status) and words in c.detail + c.advice


def test_without_the_add_in_one_line_says_how_to_install():
    bare = doctor.WpsFacts(platform="linux", jsaddons="/h/jsaddons", wps_installed=True)
    (c,) = doctor.diagnose_wps(bare)
    assert c.status == "warn" and "xlperf wps install" in c.advice
    (c,) = doctor.diagnose_wps(replace(bare, wps_installed=False))
    assert c.status == "ok"


def test_doctor_lists_the_wps_checks(home):
    r = CliRunner().invoke(cli, ["doctor"])
    assert "WPS 加载项" in r.output


# --- the add-in ships in the wheel ------------------------------------------------------------------------


def test_package_data_covers_every_add_in_file():
    import fnmatch
    import tomllib

    from conftest import ROOT

    cfg = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["tool"]["setuptools"]
    assert cfg["package-dir"]["xlperf.wpsaddin"] == "wps" and "xlperf.wpsaddin" in cfg["packages"]
    patterns = cfg["package-data"]["xlperf.wpsaddin"]
    files = [p.relative_to(ROOT / "wps").as_posix() for p in (ROOT / "wps").rglob("*") if p.is_file()]
    assert files and all(any(fnmatch.fnmatch(f, pat) for pat in patterns) for f in files), files
    assert sorted(n for n, _ in install.addin_files()) == sorted(files)


def test_an_installed_wheel_finds_the_add_in(tmp_path):
    """Built as users get it (pip wheel), unpacked, imported without the repository: the installer finds
    the add-in's files in the data package xlperf.wpsaddin."""
    import shutil
    import zipfile

    from conftest import ROOT

    src = tmp_path / "src"  # a copy: building writes build/ beside the sources
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name) if src.exists() else (
            src.mkdir(),
            shutil.copy(ROOT / name, src / name),
        )
    for name in ("xlperf", "vba", "wps"):
        shutil.copytree(ROOT / name, src / name, ignore=shutil.ignore_patterns("__pycache__"))
    r = subprocess.run([sys.executable, "-m", "pip", "wheel", str(src), "--no-deps", "-q", "-w", str(tmp_path)],
                       capture_output=True, text=True, timeout=300)  # fmt: skip
    assert r.returncode == 0, r.stderr
    (wheel,) = tmp_path.glob("xlperf-*.whl")
    unpacked = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(unpacked)
    code = ("import sys; sys.path.insert(0, sys.argv[1]); from xlperf.wps import install; "
            "print(install.addin_source()); print(len(install.addin_files()))")  # fmt: skip
    r = subprocess.run(
        [sys.executable, "-S", "-c", code, str(unpacked)], capture_output=True, text=True, timeout=60
    )
    assert r.returncode == 0, r.stderr
    source, n = r.stdout.split()
    assert Path(source) == unpacked / "xlperf" / "wpsaddin" and int(n) == len(install.addin_files())


# --- what WPS itself says: oem.ini, authaddin.json ---------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "want"),
    [
        (b"[Support]\nJsApiPlugin=true\n", True),
        (b"[support]\r\n  jsapiplugin = TRUE  \r\n", True),
        (b"\xef\xbb\xbf[Setup]\nx=1\n[Support]\nJsApiShowWebDebugger=true\nJsApiPlugin=true\n", True),
        ("[Support]\r\nJsApiPlugin=true\r\n".encode("utf-16"), True),
        (b"[Support]\nJsApiPlugin=false\n", False),
        (b"[Support]\n;JsApiPlugin=true\n", False),
        (b"[Setup]\nJsApiPlugin=true\n", False),  # not in [Support]
        (b"[Support]\n", False),
    ],
)
def test_oem_ini_jsapiplugin_is_read_as_wps_reads_it(tmp_path, text, want):
    office6 = tmp_path / "office6"
    (office6 / "cfgs").mkdir(parents=True)
    (office6 / "cfgs" / "oem.ini").write_bytes(text)
    assert facts.jsapi_plugin(office6 / "cfgs" / "oem.ini") is want
    assert facts.oem_settings(dirs=[office6, tmp_path / "none"]) == (
        (str(office6 / "cfgs" / "oem.ini"), want),
    )


def test_office6_folders_on_windows(tmp_path):
    local = tmp_path / "Local"
    (local / "Kingsoft" / "WPS Office" / "12.1.0.16910" / "office6").mkdir(parents=True)
    (local / "Kingsoft" / "WPS Office" / "ksolaunch.exe").parent.mkdir(parents=True, exist_ok=True)
    found = facts.office6_dirs({"LOCALAPPDATA": str(local)}, "win32")
    assert found == [local / "Kingsoft" / "WPS Office" / "12.1.0.16910" / "office6"]


@pytest.mark.parametrize(
    ("data", "want"),
    [
        (None, "pending"),
        ({}, "pending"),
        ({"et": {"namelist": "a1", "a1": {"name": "other", "enable": True, "isload": True}}}, "pending"),
        (
            {"et": {"namelist": "x", "x": {"name": "xlperf", "enable": True, "isload": True, "mode": 1}}},
            "trusted",
        ),
        ({"et": {"x": {"name": "xlperf", "enable": True, "isload": False}}}, "not_loaded"),
        ({"et": {"x": {"name": "xlperf", "enable": False, "isload": False}}}, "disabled"),
        ({"et": {"x": {"name": "xlperf", "enable": "true", "isload": "true"}}}, "trusted"),
        ({"wps": {"x": {"name": "xlperf", "enable": True, "isload": True}}}, "pending"),  # 文字, not 表格
        ("not json", "unknown"),
    ],
)
def test_trust_is_read_from_authaddin_json(tmp_path, data, want):
    if data is not None:
        (tmp_path / "authaddin.json").write_text(data if isinstance(data, str) else json.dumps(data), "utf-8")
    assert facts.trust_state(tmp_path) == want


def test_install_says_when_wps_will_ignore_js_add_ins_and_when_it_disabled_ours(home, monkeypatch, tmp_path):
    office6 = tmp_path / "office6"
    (office6 / "cfgs").mkdir(parents=True)
    (office6 / "cfgs" / "oem.ini").write_text("[Support]\nJsApiShowWebDebugger=true\n", "utf-8")
    monkeypatch.setattr(facts, "office6_dirs", lambda env=None, platform=None: [office6])
    js = jsaddons(home)
    js.mkdir(parents=True)
    (js / "authaddin.json").write_text(
        json.dumps({"et": {"k": {"name": "xlperf", "enable": False}}}), "utf-8"
    )
    r = CliRunner().invoke(cli, ["wps", "install", "--no-start", "--no-autostart"])
    assert r.exit_code == 0, r.output
    assert "JsApiPlugin=true" in r.output and str(office6 / "cfgs" / "oem.ini") in r.output
    assert "已被禁用" in r.output


def test_install_shows_a_home_with_control_characters_and_gbk_bytes_escaped(tmp_path, monkeypatch):
    """A user folder whose name holds a control character and bytes that are not UTF-8: every path
    install prints is shown escaped, nothing raw, and the install record keeps the path (it crashed on
    writing it: UnicodeEncodeError)."""
    weird = "张\x1b[2J" + "三".encode("gbk").decode("utf-8", "surrogateescape")
    h = tmp_path / weird
    h.mkdir()
    for k in list(os.environ):
        if k.startswith("XDG_"):
            monkeypatch.delenv(k)
    monkeypatch.setenv("HOME", str(h))
    r = CliRunner().invoke(cli, ["wps", "install", "--no-start"])
    assert r.exit_code == 0, r.output
    assert "\x1b" not in r.output and not any("\udc80" <= ch <= "\udcff" for ch in r.output)
    # (三 is C8 FD in GBK; the one UTF-8 character beside those bytes is shown as bytes too)
    assert r"\xe5\xbc\xa0\x1b[2J\xc8\xfd" in r.output
    r = CliRunner().invoke(cli, ["wps", "install", "--uninstall"])
    assert r.exit_code == 0 and "\x1b" not in r.output, r.output
