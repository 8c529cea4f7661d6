"""What each endpoint of ``xlperf serve`` computes: a JSON object in, a JSON object out.

The WPS add-in reads grids (one call per sheet) and applies what comes back; everything in between is
here, through the same library calls as the Excel ribbon (:mod:`xlperf.actions`, what the ribbon's
buttons compute for either host), so the two front ends compute the same things:

======================  =======================================================================
``/v1/health``          the service's name and version
``/v1/validate``        grids (+ the record sheet) in; the patch plan and what to clear first out
``/v1/clear``           the record sheet in; what 清除校验标记 undoes out
``/v1/footers``         a cleared copy's left footers in; what to write back (the colours' key out)
``/v1/summary``         grids in; the 项目汇总 rows and number formats out
``/v1/report``          grids and the workbook's path in; the Word report written beside it
``/v1/consolidate``     a folder in; the 汇总 workbook written in it, and what to tell the user
``/v1/submission``      a saved workbook's path in; the 报送版 copy written beside it
``/v1/project-sheet``   the last 自评表's values and formulas (or none) in; what to clear / write
``/v1/indicator-row``   a sheet's values, formulas and the selected row in; the row plan out
``/v1/doctor``          the checks of this PC (Excel's and WPS's side) out
======================  =======================================================================

(``/v1/hello``, the add-in's challenge, is the service's own: :mod:`.service`, :mod:`.auth`.)

Files: the service reads or writes only what a request names (the workbook the user has open, the
folder they chose), on this PC only: network shares (UNC, WebDAV), device paths and URLs are refused
before anything touches them (:func:`check_local_path`; on Windows even an existence check sends the
user's credentials to the server named). It writes only new files beside them, each name claimed when it
is chosen (``claim_new_path``: never over one of theirs, never two requests on one name), and opens with
the system's handler only the report it has just written. A request that does not have the shape an
endpoint needs is refused with :class:`BadRequest`, whose message (Chinese) is what the add-in shows.
Long work checks :func:`checkpoint` and stops when the service has given up on its request.
"""

from __future__ import annotations

import datetime as dt
import math
import ntpath
import os
import posixpath
import re
import subprocess
import sys
import threading
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

from xlperf import __version__
from xlperf.core import labels as L
from xlperf.core.grid import Grid
from xlperf.core.names import shown_name
from xlperf.core.plan import (
    MARK_KEY,
    build_plan,
    chunks,
    clear_plan,
    compress,
    footer_key_message,
    footer_without_key,
)
from xlperf.core.results_table import summary_line
from xlperf.errors import XlperfError
from xlperf.layouts import shipped

API_VERSION = 1
MAX_SHEETS = 1000
MAX_ROWS, MAX_COLS = 3000, 60  # as the Excel ribbon reads (xlperf.excel.live): a form is < 300 rows
MAX_CELLS = 1_000_000  # in one request, whatever the sheets
MAX_TEXT = 32_767  # characters in one cell (Excel's limit)
STATES = ("visible", "hidden", "veryhidden")
MAX_FOLDER_ENTRIES = 20_000  # files and folders looked at under a folder to consolidate
PATHS = ntpath if os.name == "nt" else posixpath  # this PC's path rules (tests use ntpath on Linux)


class BadRequest(XlperfError):
    """The request does not have the shape the endpoint needs (the message says what, in Chinese)."""


class Abandoned(XlperfError):
    """The service gave up waiting for this request's work (504 sent): the work stops here."""


# --- work the service may abandon ----------------------------------------------------------------------

_work = threading.local()


def checkpoint() -> None:
    """Raise :class:`Abandoned` when the service has given up on the request this thread works for."""
    cancel = getattr(_work, "cancel", None)
    if cancel is not None and cancel.is_set():
        raise Abandoned("处理超时，操作已放弃。")


def run_abandonable(fn: Callable[[dict], dict], payload: dict, cancel: threading.Event) -> dict:
    """``fn(payload)`` in a worker, its :func:`checkpoint` watching ``cancel``."""
    _work.cancel = cancel
    try:
        return fn(payload)
    finally:
        _work.cancel = None


# --- paths ------------------------------------------------------------------------------------------------

# Windows device names: a file named so (with any extension, in any folder) is the device
_DEVICES = frozenset({"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$", "CLOCK$"}
                     | {f"{d}{i}" for d in ("COM", "LPT") for i in "123456789¹²³"})  # fmt: skip
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]+:[\\/]{2}")


def _network(raw: str) -> BadRequest:
    return BadRequest(
        f"不支持网络路径：{raw}。xlperf 不读写网络共享或 WebDAV 上的文件（访问它就可能把您的登录凭据发给那台服务器）："
        "请先把文件复制到本机文件夹（或请信息化部门映射为网络驱动器）后再操作。"
    )


def _device(raw: str, what: str) -> BadRequest:
    return BadRequest(f"不支持设备路径：{raw}（{what}）：请把文件保存在普通的本机文件夹中后再操作。")


def check_local_path(raw: str, paths=None) -> None:
    """Refuse, from the text alone, a path that is not an ordinary one on this PC: UNC and WebDAV shares
    (``\\\\host\\share``, ``//host/share``, ``\\\\host@SSL\\DavWWWRoot``), the device namespaces (``\\\\?\\``,
    ``\\\\.\\``, ``\\??\\``), Windows device names (``CON``, ``NUL.xlsx``, ``COM1``…), alternate data streams, URLs.
    ``paths``: the path rules (``ntpath`` or ``posixpath``; default: this PC's)."""
    paths = PATHS if paths is None else paths
    text = raw.strip()
    if "\0" in raw:
        raise BadRequest(f"不是有效的文件路径：{raw!r}")
    if _URL.match(text):
        raise _network(raw)
    if paths is ntpath:
        norm = text.replace("/", "\\")
        if norm.startswith(("\\\\?\\", "\\\\.\\", "\\??\\")):
            raise _device(raw, "以 \\\\?\\ 或 \\\\.\\ 开头")
        if norm.startswith("\\\\"):
            raise _network(raw)
        for part in norm.split("\\"):
            base = part.split(".")[0].rstrip(" ").upper()
            if base in _DEVICES:
                raise _device(raw, f"含有 Windows 设备名“{part}”")
        if ":" in norm[2:]:
            raise _device(raw, "文件名中有冒号")
    elif text.startswith("//"):
        raise _network(raw)


# --- reading requests ------------------------------------------------------------------------------


def _cell(v: object, where: str) -> object:
    if v is None or isinstance(v, bool):
        return v
    if isinstance(v, int):
        return v
    if isinstance(v, float):
        if not math.isfinite(v):
            raise BadRequest(f"{where} 的数值无效（{v}）")
        return v
    if isinstance(v, str):
        if len(v) > MAX_TEXT:
            raise BadRequest(f"{where} 的文字超过 {MAX_TEXT} 个字符")
        return v
    raise BadRequest(f"{where} 的值不是数字、文字或逻辑值")


def _rows(data: object, where: str, budget: list[int]) -> list[list[object]]:
    if data is None:
        return []
    if not isinstance(data, list):
        raise BadRequest(f"{where} 的 rows 应为二维数组")
    if len(data) > MAX_ROWS:
        raise BadRequest(f"{where} 超过 {MAX_ROWS} 行（表格的使用区域过大：请删除表格下方多余的行后再试）")
    out = []
    for r, row in enumerate(data):
        if not isinstance(row, list):
            raise BadRequest(f"{where} 第 {r + 1} 行应为数组")
        if len(row) > MAX_COLS:
            raise BadRequest(
                f"{where} 超过 {MAX_COLS} 列（表格的使用区域过大：请删除表格右侧多余的列后再试）"
            )
        budget[0] -= len(row)
        if budget[0] < 0:
            raise BadRequest(f"请求中的单元格超过 {MAX_CELLS} 个")
        out.append([_cell(v, f"{where}!R{r + 1}C{c + 1}") for c, v in enumerate(row)])
    return out


def _name(data: object, where: str) -> str:
    if not isinstance(data, str) or not data or len(data) > 255:
        raise BadRequest(f"{where} 缺少工作表名称")
    return data


def sheets_of(payload: dict, key: str = "sheets") -> list[Grid]:
    """The request's sheets as grids: ``[{"name", "state", "rows"}]``."""
    data = payload.get(key)
    if not isinstance(data, list) or not data:
        raise BadRequest("请求中没有工作表（sheets）")
    if len(data) > MAX_SHEETS:
        raise BadRequest(f"工作表超过 {MAX_SHEETS} 张")
    budget = [MAX_CELLS]
    grids = []
    for i, s in enumerate(data, 1):
        if not isinstance(s, dict):
            raise BadRequest(f"第 {i} 张工作表的格式不对")
        name = _name(s.get("name"), f"第 {i} 张工作表")
        state = s.get("state", "visible")
        if state not in STATES:
            raise BadRequest(f"工作表“{name}”的 state 无效：{state}")
        grids.append(Grid(name, _rows(s.get("rows"), f"工作表“{name}”", budget), state))
    return grids


def _record_rows(payload: dict) -> list[list[object]] | None:
    rec = payload.get("record")
    if rec is None:
        return None
    if not isinstance(rec, dict):
        raise BadRequest("record 应为对象（标记记录表的 rows）")
    return _rows(rec.get("rows"), "标记记录表", [MAX_CELLS])


def _validation(payload: dict):
    from xlperf.api import resolve_preset
    from xlperf.core.engine import validate
    from xlperf.core.parser import parse_workbook

    grids = sheets_of(payload)
    skip = {L.RESULT_SHEET, "_xlperf_marks"}
    wb = parse_workbook(
        str(payload.get("workbook") or "工作簿"), [g for g in grids if g.name not in skip], layouts=shipped()
    )
    if not wb.projects:
        raise XlperfError(
            "工作簿中没有找到项目支出绩效自评表（表头“一级指标”“预算数”等缺失），请在自评表模板中填写后再操作。"
        )
    return validate(wb, resolve_preset(wb))


def _path(payload: dict, key: str, *, directory: bool = False, suffixes: tuple[str, ...] = ()) -> Path:
    """A path the add-in names: on this PC (:func:`check_local_path`, before anything touches it),
    absolute, existing, a folder or a file of the given kinds."""
    raw = payload.get(key)
    if not isinstance(raw, str) or not raw.strip():
        raise BadRequest(
            "请先保存工作簿（工作簿还没有文件路径）。" if key == "workbook" else f"请求缺少 {key}"
        )
    check_local_path(raw)
    p = Path(raw)
    if not p.is_absolute():
        raise BadRequest(f"不是完整的文件路径：{raw}（请先把工作簿保存到本机文件夹）")
    if directory:
        if not p.is_dir():
            raise BadRequest(f"文件夹不存在：{p}")
    elif not p.is_file():
        raise BadRequest(f"文件不存在：{p}（请先保存工作簿）")
    elif suffixes and p.suffix.lower() not in suffixes:
        raise BadRequest(f"不是 Excel 工作簿（{'、'.join(suffixes)}）：{p}")
    return p


# --- the endpoints -----------------------------------------------------------------------------------


def health(payload: dict) -> dict:
    return {"service": "xlperf", "version": __version__, "api": API_VERSION, "pid": os.getpid()}


def validate(payload: dict) -> dict:
    rows = _record_rows(payload)
    v = _validation(payload)
    plan = build_plan(v)
    return {
        "plan": plan.to_dict(),
        "clear": clear_plan(rows).to_dict() if rows is not None else None,
        "summary": summary_line(v),
        "projects": len(v.projects),
        "findings": len(v.findings),
    }


def clear(payload: dict) -> dict:
    rows = _record_rows(payload)
    return {"clear": clear_plan(rows or []).to_dict()}


MAX_FOOTER_TEXT = 1024  # characters of one footer part (Excel allows 255 for the whole footer)


def footers(payload: dict) -> dict:
    """The colours' key out of the left footers of a cleared copy's sheets: ``footers`` (sheet name ->
    its PageSetup.LeftFooter, or null where the add-in could not read or write it) in; ``writes``
    (sheet name -> the text to write back, only where the key was) and the ``message`` naming the sheets
    that keep it out. The rule is the core's (:func:`footer_without_key`), as the Excel ribbon applies it."""
    data = payload.get("footers")
    if not isinstance(data, dict) or len(data) > MAX_SHEETS:
        raise BadRequest(f"footers 应为“工作表名 → 页脚左侧文字”，最多 {MAX_SHEETS} 张工作表")
    writes: dict[str, str] = {}
    unread: list[str] = []
    for name, left in data.items():
        if not isinstance(name, str) or not (left is None or isinstance(left, str)):
            raise BadRequest("footers 的值应为文字或 null")
        if left is None:
            unread.append(name)
            continue
        if len(left) > MAX_FOOTER_TEXT:
            raise BadRequest(f"工作表“{name}”的页脚超过 {MAX_FOOTER_TEXT} 个字符")
        kept = footer_without_key(left, MARK_KEY)
        if kept is not None:
            writes[name] = kept
    return {"writes": writes, "message": footer_key_message(unread) if unread else ""}


def summary(payload: dict) -> dict:
    from xlperf.actions import summary_format_addresses, summary_rows

    v = _validation(payload)
    rows = summary_rows(v, dt.datetime.now().strftime("%Y-%m-%d %H:%M "))
    return {
        "sheet": L.SUMMARY_SHEET,
        "after": L.UNIT_SHEET,
        "title": L.SUMMARY_SHEET,
        "rows": rows,
        "formats": summary_format_addresses(len(v.projects)),
        "projects": len(v.projects),
    }


# opening a written document for the user (ShellExecute from the add-in is unreliable in WPS 12);
# tests replace it
def _open_with_system(path: Path) -> None:  # pragma: no cover - opens a window
    if sys.platform.startswith("win"):
        os.startfile(str(path))  # noqa: S606 - the user's own new file
    else:
        opener = "open" if sys.platform == "darwin" else "xdg-open"
        subprocess.Popen([opener, str(path)], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,  # noqa: S603
                         stderr=subprocess.DEVNULL, start_new_session=True)  # fmt: skip


open_document: Callable[[Path], None] = _open_with_system
OPEN_DOCUMENTS = True  # xlperf serve --no-open: never open a window (a server without a desktop, tests)


def report(payload: dict) -> dict:
    from xlperf.actions import write_report_beside

    path = _path(payload, "workbook", suffixes=(".xlsx", ".xlsm", ".xls", ".et", ".ods"))
    v = _validation(payload)
    checkpoint()
    written, out = write_report_beside(v, path)  # beside the workbook, never over a file of the user's
    opened = False
    # the system's handler opens only the document this request has just written, beside the workbook
    if payload.get("open") and OPEN_DOCUMENTS and written == out and written.parent == path.parent:
        try:
            open_document(written)
            opened = True
        except Exception:  # noqa: BLE001 - the report is written; opening it is a convenience
            opened = False
    return {"path": str(written), "opened": opened}


def consolidate(payload: dict) -> dict:
    from xlperf.actions import consolidate_files, folder_workbooks, no_unit_files

    folder = _path(payload, "folder", directory=True)
    if folder.parent == folder:
        raise BadRequest(f"不能汇总整个磁盘（{shown_name(folder)}）：请选择存放各单位报送材料的文件夹。")
    files = folder_workbooks(folder, limit=MAX_FOLDER_ENTRIES)
    if not files:
        raise BadRequest(no_unit_files(folder))
    checkpoint()
    done = consolidate_files(folder, files, lambda *_: checkpoint())
    return {"path": str(done.path), "files": done.files, "message": done.message}


def submission(payload: dict) -> dict:
    from xlperf.actions import write_submission_copy

    path = _path(payload, "workbook", suffixes=(".xlsx", ".xlsm"))
    out, n = write_submission_copy(path)
    return {"path": str(out), "replaced": n}


def project_sheet(payload: dict) -> dict:
    """The new sheet's name and either the input cells to clear in a copy of the last 自评表 (``source``:
    its values and formulas) or the template's empty form."""
    from xlperf.actions import input_cells, new_sheet_name, template_form

    names = payload.get("names")
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise BadRequest("请求缺少工作表名称列表（names）")
    name = new_sheet_name(names)
    source = payload.get("source")
    if source is None:
        form = template_form(name)
        return {"name": name, "form": asdict(form)}
    if not isinstance(source, dict):
        raise BadRequest("source 应为对象")
    budget = [MAX_CELLS]
    src = _name(source.get("name"), "source")
    grid = Grid(src, _rows(source.get("rows"), f"工作表“{src}”", budget))
    formulas = _rows(source.get("formulas"), f"工作表“{src}”的公式", budget)
    return {"name": name, "clear": list(chunks(compress(input_cells(grid, formulas))))}


def indicator_row(payload: dict) -> dict:
    from xlperf.actions import indicator_row_plan

    budget = [MAX_CELLS]
    name = _name(payload.get("name"), "请求")
    grid = Grid(name, _rows(payload.get("rows"), f"工作表“{name}”", budget))
    formulas = _rows(payload.get("formulas"), f"工作表“{name}”的公式", budget)
    row = payload.get("row")
    if not isinstance(row, int) or row < 1:
        raise BadRequest("请求缺少选中的行号（row）")
    merged = payload.get("merged")
    if merged is not None:
        if not (isinstance(merged, list) and len(merged) == 2 and all(isinstance(x, int) for x in merged)):
            raise BadRequest("merged 应为 [首行, 末行]")
        merged = (merged[0], merged[1])
    return {"plan": asdict(indicator_row_plan(grid, formulas, row, merged))}


def doctor(payload: dict) -> dict:
    from xlperf.addin import doctor as d
    from xlperf.wps import facts

    checks = d.diagnose(d.gather()) + d.diagnose_wps(facts.gather(service_running=True))
    return {"checks": [asdict(c) | {"status_zh": c.status_zh} for c in checks], "summary": d.summary(checks)}


ENDPOINTS: dict[str, tuple[str, Callable[[dict], dict]]] = {
    "/v1/health": ("GET", health),
    "/v1/validate": ("POST", validate),
    "/v1/clear": ("POST", clear),
    "/v1/footers": ("POST", footers),
    "/v1/summary": ("POST", summary),
    "/v1/report": ("POST", report),
    "/v1/consolidate": ("POST", consolidate),
    "/v1/submission": ("POST", submission),
    "/v1/project-sheet": ("POST", project_sheet),
    "/v1/indicator-row": ("POST", indicator_row),
    "/v1/doctor": ("POST", doctor),
}
