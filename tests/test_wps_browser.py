"""The WPS add-in in a real browser: headless Chromium (Debian's, through playwright-core) loads the
add-in's shipped index.html from file:// as WPS does. What WPS itself gives a page is put in front of it
(an init script): the ET object model (the fake ET as ``window.Application``), its file API (``wps.FileSystem
.ReadFile``, which hands out the add-in's key file and nothing else) and its ribbon (buttons made from
ribbon.xml). Clicking 校验本工作簿 goes through a real ``xlperf serve``: real fetch, real CORS preflight, the
hello and the MAC; the workbook it leaves must be the one the Excel ribbon leaves (tests/fake_xlwings.py)
on the seed sample. Chromium as WPS Linux 11.1 runs it (file access on: ``Origin: file://``) works the same."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from test_wps_addin import diff
from wps_support import ADDIN, JS, Service, chromium, export_book, run_node, snapshot

from xlperf.core.plan import PALETTE
from xlperf.excel import macros
from xlperf.wps import install

from conftest import ROOT
from fake_xlwings import FakeBook

SEED = ROOT / "workbooks" / "samples" / "长安区委编办_2020.xlsx"
LABELS = ["校验本工作簿", "清除校验标记", "新增项目表", "插入指标行", "刷新项目汇总", "生成报送版", "生成自评报告",
          "汇总多个单位…", "诊断", "帮助"]  # fmt: skip
# the index.html WPS makes in an add-in's folder that has none (the official template's form)
WPS_MADE_INDEX = '<!DOCTYPE html>\n<html>\n    <meta charset="utf-8">\n    <script type="text/javascript" src="./main.js"></script>\n</html>\n'

# what WPS gives the page before its own scripts run: the ET object model, the file API, the ribbon
WPS_STAND_IN = """
%(fake_et)s
window.__BOOK_DATA__ = %(book)s;
window.__RIBBON_XML__ = %(ribbon)s;
window.__alerts = [];
window.__keyReads = [];
window.__book = FakeET.load(window.__BOOK_DATA__, {});
window.Application = window.__book.application;
window.alert = function (t) { window.__alerts.push(String(t)); };
window.confirm = function () { return true; };
window.wps = { FileSystem: { ReadFile: function (path) {
  window.__keyReads.push(path);
  if (path === %(key_path)s) { return %(key)s; }
  throw new Error("no such file: " + path);
} } };
document.addEventListener("DOMContentLoaded", function () {
%(harness)s
});
"""


def install_page(tmp: Path, key: str, book: dict, *, index: str | None = None) -> tuple[Path, str]:
    """The add-in as installed (its files, its key file), and the init script standing in for WPS."""
    page = tmp / "jsaddons" / "xlperf_test"
    shutil.copytree(ADDIN, page)
    (page / "xlperf.key").write_text(key, "utf-8")
    if index is not None:
        (page / "index.html").write_text(index, "utf-8")
    init = WPS_STAND_IN % {
        "fake_et": (JS / "fake_et.js").read_text("utf-8"),
        "book": json.dumps(book, ensure_ascii=False),
        "ribbon": json.dumps((ADDIN / "ribbon.xml").read_text("utf-8"), ensure_ascii=False),
        "key_path": json.dumps(page.as_posix() + "/xlperf.key", ensure_ascii=False),
        "key": json.dumps(key, ensure_ascii=False),
        "harness": (JS / "harness.js").read_text("utf-8"),
    }
    return page, init


def click(tmp: Path, page: Path, init: str, *labels: str, network_errors: bool = False,
          file_access: bool = False) -> dict:  # fmt: skip
    out = tmp / "browser.json"
    options = tmp / "browser-options.json"
    options.write_text(json.dumps({"init": init, "fileAccess": file_access}), "utf-8")
    url = (page / "index.html").as_uri()
    r = run_node(
        [str(JS / "browser_click.mjs"), url, str(out), chromium(), str(options), *labels], timeout=180
    )
    result = json.loads(out.read_text("utf-8")) if out.exists() else {}
    assert r.returncode == 0, (result.get("failure"), result.get("console"), r.stderr[-3000:])
    errors = [c for c in result["console"] if c.startswith(("error", "pageerror"))]
    if network_errors:  # Chromium logs each failed or refused request; nothing else may be there
        errors = [c for c in errors if "Failed to load resource" not in c]
    assert errors == [], result["console"]
    assert result["errors"] == []
    return result


@pytest.fixture
def service(tmp_path):
    svc = Service(tmp_path / "svc")
    yield svc
    svc.stop()


@pytest.mark.parametrize(
    ("index", "file_access", "origin"),
    [(None, False, "null"), (WPS_MADE_INDEX, False, "null"), (None, True, "file://")],
    ids=["shipped-index", "wps-made-index", "file-access-origin-file"],
)
def test_clicking_validate_in_the_browser_gives_the_excel_ribbons_workbook(
    service, tmp_path, office_seed, index, file_access, origin
):
    chromium()
    original = export_book(office_seed)
    page, init = install_page(tmp_path, service.key_text(), original, index=index)
    result = click(tmp_path, page, init, "校验本工作簿", "清除校验标记", file_access=file_access)
    assert result["origin"] == "file://" and result["buttons"] == LABELS
    # the key file, read through WPS's file API at the add-in's own folder: on load, on each click
    assert result["keyReads"] == [page.as_posix() + "/xlperf.key"] * 3
    validate, clear = result["steps"]
    book = FakeBook(office_seed)
    macros._caller = lambda: book
    try:
        macros.validate_workbook()
    finally:
        macros._caller = None
    assert diff(snapshot(book.wb), validate["dump"]) == []
    assert validate["alerts"] == [book.app.alerts[-1][0]]
    res = validate["dump"]["sheets"]["校验结果"]
    assert res["cells"]["A1"]["v"].startswith(
        "长安区委编办2020年度绩效自评表校验结果：共 4 个项目：错误 4 条，警告 23 条"
    )
    assert res["cells"]["B4"]["fill"] == PALETTE["error"] and res["cells"]["A4"]["v"].startswith("=HYPERLINK")
    # 清除校验标记 gives the workbook back as it was
    before = FakeBook(office_seed)
    assert diff(snapshot(before.wb), clear["dump"]) == []
    assert result["screenUpdating"] is True and result["statusHistory"][-1] is False
    # real CORS: the page's origin as this Chromium sends it, each call preflighted, every call a hello first
    calls = [r for r in result["requests"] if r["url"].startswith(service.url)]
    assert {r["origin"] for r in calls} == {origin}
    assert [r["url"].split("?")[0].rsplit("/", 1)[1] for r in calls] == [
        "hello",
        "hello",
        "validate",
        "hello",
        "clear",
    ]
    log = service.log.read_text("utf-8")
    assert f"preflight POST from origin {origin}" in log
    assert '"POST /v1/validate HTTP/1.1" 200' in log and '"POST /v1/clear HTTP/1.1" 200' in log
    assert service.secret not in json.dumps(result, ensure_ascii=False)


def test_the_shipped_index_html_is_the_official_templates_form():
    """WPS on Windows makes its own index.html in the folder (the same, loading main.js); WPS Linux 11.1
    makes none and then the ribbon's onLoad fails: ours is the template's, so either way the page is one."""
    text = (ADDIN / "index.html").read_text("utf-8")
    assert text.startswith(WPS_MADE_INDEX)
    assert text.count("<script") == 1
    assert [n for n, _ in install.addin_files()].count("index.html") == 1


def test_on_load_without_the_service_the_user_is_told_how_to_start_it(tmp_path):
    chromium()
    key = ")]}'\n" + json.dumps({"port": 9, "secret": "x" * 43}) + "\n"
    page, init = install_page(tmp_path, key, export_book(SEED))
    result = click(tmp_path, page, init, network_errors=True)
    (alert,) = result["alerts"]
    assert (
        alert.startswith("未连接到 xlperf 本机服务")
        and "xlperf serve" in alert
        and "xlperf wps install" in alert
    )


def test_a_stale_secret_in_the_add_in_is_told_in_chinese_and_nothing_is_sent(service, tmp_path):
    chromium()
    key = ")]}'\n" + json.dumps({"port": service.port, "secret": "y" * 43}) + "\n"
    page, init = install_page(tmp_path, key, export_book(SEED))
    result = click(tmp_path, page, init, "校验本工作簿")
    assert len(result["alerts"]) == 2 and all(
        f"无法确认端口 {service.port} 上的程序是本机的 xlperf 服务" in a and "xlperf wps install" in a
        for a in result["alerts"]
    )  # on load, on click
    assert result["steps"][0]["dump"]["order"][0] != "校验结果"  # nothing written
    assert [r["url"].split("?")[0].rsplit("/", 1)[1] for r in result["requests"] if "127.0.0.1" in r["url"]] == [
        "hello", "hello"]  # fmt: skip


def test_without_the_key_file_the_add_in_says_to_reinstall(tmp_path):
    chromium()
    page, init = install_page(tmp_path, "", export_book(SEED))
    (page / "xlperf.key").unlink()
    result = click(tmp_path, page, init.replace("if (path ===", "if (false && path ==="))
    (alert,) = result["alerts"]
    assert "xlperf.key" in alert and "xlperf wps install" in alert
