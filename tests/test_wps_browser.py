"""The WPS add-in in a real browser: headless Chromium (Debian's, through playwright-core) loads the
add-in's page from file:// as WPS does, with a fake ET as ``window.Application``; the ribbon's buttons
are made from ribbon.xml, and clicking 校验本工作簿 goes through a real ``xlperf serve`` (real fetch,
real CORS preflight from the ``null`` origin). The workbook it leaves must be the one the Excel ribbon
leaves (tests/fake_xlwings.py) on the seed sample."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from test_wps_addin import diff
from wps_support import ADDIN, JS, Service, chromium, export_book, run_node, snapshot

from xlperf.core.plan import PALETTE
from xlperf.excel import macros

from conftest import ROOT
from fake_xlwings import FakeBook

SEED = ROOT / "workbooks" / "samples" / "长安区委编办_2020.xlsx"
LABELS = ["校验本工作簿", "清除校验标记", "新增项目表", "插入指标行", "刷新项目汇总", "生成报送版", "生成自评报告",
          "汇总多个单位…", "诊断", "帮助"]  # fmt: skip
# what WPS does: an index.html of its own in the add-in's folder, loading main.js; ours puts the fake ET
# and the stubbed dialogs in front of it, and the ribbon stand-in after it
INDEX = """<!doctype html>
<html><head><meta charset="utf-8"><title>xlperf (test page)</title>
<script src="fake_et.js"></script>
<script src="book.js"></script>
<script>
  window.__alerts = [];
  window.__book = FakeET.load(window.__BOOK_DATA__, {});
  window.Application = window.__book.application;
  window.alert = function (t) { window.__alerts.push(String(t)); };
  window.confirm = function () { return true; };
</script>
<script src="main.js"></script>
</head><body><div id="ribbon"></div>
<script src="ribbon_xml.js"></script>
<script src="harness.js"></script>
</body></html>
"""


def page_dir(tmp: Path, config_js: str, book: dict) -> Path:
    page = tmp / "jsaddons" / "xlperf_test"
    shutil.copytree(ADDIN, page)
    (page / "config.js").write_text(config_js, "utf-8")
    for f in ("fake_et.js", "harness.js"):
        shutil.copy(JS / f, page)
    (page / "book.js").write_text(
        "window.__BOOK_DATA__ = " + json.dumps(book, ensure_ascii=False) + ";\n", "utf-8"
    )
    ribbon = json.dumps((ADDIN / "ribbon.xml").read_text("utf-8"), ensure_ascii=False)
    (page / "ribbon_xml.js").write_text(f"window.__RIBBON_XML__ = {ribbon};\n", "utf-8")
    (page / "index.html").write_text(INDEX, "utf-8")
    return page


def click(tmp: Path, page: Path, *labels: str, network_errors: bool = False) -> dict:
    out = tmp / "browser.json"
    r = run_node([str(JS / "browser_click.mjs"), str(page), str(out), chromium(), *labels], timeout=180)
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
    svc = Service(tmp_path)
    yield svc
    svc.stop()


def test_clicking_validate_in_the_browser_gives_the_excel_ribbons_workbook(service, tmp_path, office_seed):
    chromium()
    original = export_book(office_seed)
    result = click(
        tmp_path, page_dir(tmp_path, service.config_js(), original), "校验本工作簿", "清除校验标记"
    )
    assert result["origin"] == "file://" and result["buttons"] == LABELS
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
    assert res["cells"]["A1"]["v"].startswith("长安区委编办2020年度绩效自评表校验结果：共 4 个项目：错误 4 条，警告 23 条")
    assert res["cells"]["B4"]["fill"] == PALETTE["error"] and res["cells"]["A4"]["v"].startswith("=HYPERLINK")
    # 清除校验标记 gives the workbook back as it was
    before = FakeBook(office_seed)
    assert diff(snapshot(before.wb), clear["dump"]) == []
    assert result["screenUpdating"] is True and result["statusHistory"][-1] is False
    # real CORS: each cross-origin call from the file:// page (origin null) was preflighted
    log = service.log.read_text("utf-8")
    assert '"OPTIONS /v1/health HTTP/1.1" 204' in log and '"OPTIONS /v1/validate HTTP/1.1" 204' in log
    assert "preflight POST from origin null" in log
    assert '"POST /v1/validate HTTP/1.1" 200' in log and '"POST /v1/clear HTTP/1.1" 200' in log


def test_on_load_without_the_service_the_user_is_told_how_to_start_it(tmp_path):
    chromium()
    cfg = "window.XLPERF_CONFIG = " + json.dumps({"port": 9, "token": "x" * 43}) + ";\n"
    result = click(tmp_path, page_dir(tmp_path, cfg, export_book(SEED)), network_errors=True)
    (alert,) = result["alerts"]
    assert (
        alert.startswith("未连接到 xlperf 本机服务")
        and "xlperf serve" in alert
        and "xlperf wps install" in alert
    )


def test_a_stale_token_in_the_add_in_is_told_in_chinese(service, tmp_path):
    chromium()
    cfg = "window.XLPERF_CONFIG = " + json.dumps({"port": service.port, "token": "y" * 43}) + ";\n"
    result = click(tmp_path, page_dir(tmp_path, cfg, export_book(SEED)), "校验本工作簿", network_errors=True)
    assert len(result["alerts"]) == 2 and all(
        "令牌不一致" in a for a in result["alerts"]
    )  # on load, on click
    assert result["steps"][0]["dump"]["order"][0] != "校验结果"  # nothing written
