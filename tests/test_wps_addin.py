"""The WPS add-in (wps/): its ribbon, its JS under Node's test runner, and what its buttons do to a fake
ET workbook through a real ``xlperf serve``, compared with what the Excel ribbon does to the same
workbook in the fake xlwings: one plan, two front ends, the same 校验结果 sheet, fills and notes."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest
from lxml import etree
from test_macros import make_book
from wps_support import (
    ADDIN,
    JS,
    SAMPLE,
    Service,
    export_book,
    normalise,
    run_node,
    snapshot,
    validate_o,
    with_footers,
)

from xlperf.api import validate_file
from xlperf.core.plan import MARK_KEY, build_plan, footer_key_message
from xlperf.excel import macros
from xlperf.samples import SAMPLES, write_sample
from xlperf.writers import annotate

from conftest import ROOT
from fake_xlwings import FakeBook

SEED = ROOT / "workbooks" / "samples" / "长安区委编办_2020.xlsx"
NS06 = "{http://schemas.microsoft.com/office/2006/01/customui}"
NS14 = "{http://schemas.microsoft.com/office/2009/07/customui}"


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    svc = Service(tmp_path_factory.mktemp("serve"))
    yield svc
    svc.stop()


@pytest.fixture(autouse=True)
def _reset_hooks():
    yield
    macros._caller = macros._pick_folder = macros._open_book = macros._open_file = None


def wps(service, tmp_path: Path, book: dict, actions: list[str], **extra) -> dict:
    """Run ribbon actions of the add-in on a fake ET workbook (tests/js/run_action.js)."""
    inp = tmp_path / f"in{len(list(tmp_path.iterdir()))}.json"
    out = inp.with_suffix(".out.json")
    payload = {
        "book": book,
        "config": {"port": service.port, "secret": service.secret},
        "actions": actions,
        **extra,
    }
    inp.write_text(json.dumps(payload, ensure_ascii=False), "utf-8")
    r = run_node([str(JS / "run_action.js"), str(inp), str(out)])
    assert r.returncode == 0, r.stderr
    return json.loads(out.read_text("utf-8"))


def excel(path: Path, *fns) -> FakeBook:
    book = FakeBook(path)
    macros._caller = lambda: book
    for fn in fns:
        fn()
    return book


def diff(a: dict, b: dict) -> list[str]:
    """Where two snapshots differ, readably (empty: equal)."""
    a, b = normalise(a), normalise(b)
    out = [] if a["order"] == b["order"] else [f"order {a['order']} != {b['order']}"]
    for name in sorted(set(a["sheets"]) | set(b["sheets"])):
        sa, sb = a["sheets"].get(name, {}), b["sheets"].get(name, {})
        for key in sorted(set(sa) | set(sb)):
            if key == "cells":
                ca, cb = sa.get("cells", {}), sb.get("cells", {})
                out += [f"{name}!{ref}: {ca.get(ref)} != {cb.get(ref)}" for ref in sorted(set(ca) | set(cb))
                        if ca.get(ref) != cb.get(ref)]  # fmt: skip
            elif sa.get(key) != sb.get(key):
                out.append(f"{name} {key}: {sa.get(key)} != {sb.get(key)}")
    if a["active"] != b["active"]:
        out.append(f"active {a['active']} != {b['active']}")
    return out


# --- the ribbon --------------------------------------------------------------------------------------


def _schema() -> Path:
    """Microsoft's 2006 customUI schema (tests/data/schemas: its README says where it comes from)."""
    return ROOT / "tests" / "data" / "schemas" / "customUI.lxml.xsd"


def test_ribbon_validates_against_the_2006_customui_schema():
    schema = etree.XMLSchema(etree.parse(str(_schema())))
    doc = etree.parse(str(ADDIN / "ribbon.xml"))
    assert schema.validate(doc), schema.error_log


def _buttons(path: Path, ns: str) -> tuple[list, list]:
    root = etree.parse(str(path)).getroot()
    tabs = [(t.get("id"), t.get("label"), t.get("keytip")) for t in root.iter(f"{ns}tab")]
    out = []
    for g in root.iter(f"{ns}group"):
        for b in g.iter(f"{ns}button"):
            out.append({"group": (g.get("id"), g.get("label")), **{k: b.get(k) for k in
                        ("id", "label", "size", "onAction", "keytip", "screentip", "supertip")}})  # fmt: skip
    return tabs, out


def test_ribbon_has_the_excel_add_ins_tab_groups_and_buttons():
    tabs14, excel_buttons = _buttons(ROOT / "vba" / "customUI14.xml", NS14)
    tabs06, wps_buttons = _buttons(ADDIN / "ribbon.xml", NS06)
    assert tabs06 == tabs14 == [("xlperfTab", "绩效自评", "J")]
    assert len(wps_buttons) == len(excel_buttons) == 10
    for e, w in zip(excel_buttons, wps_buttons, strict=True):
        if e["id"] == "xlperfDiagnose":  # what 诊断 checks differs: Excel's side vs the service and add-in
            assert "xlperf 本机服务" in w.pop("supertip") and e.pop("supertip")
        assert w == e
    root = etree.parse(str(ADDIN / "ribbon.xml")).getroot()
    assert root.get("onLoad") == "XlperfRibbonLoad"
    assert all(
        b.get("getImage") == "XlperfGetImage" and b.get("imageMso") is None
        for b in root.iter(f"{NS06}button")
    )


def test_node_unit_tests_pass():
    r = run_node(["--test", str(JS)])
    assert r.returncode == 0, r.stdout[-6000:] + r.stderr[-3000:]
    assert "# fail 0" in r.stdout and "# pass" in r.stdout


# --- 校验本工作簿: the same result in WPS as in Excel ------------------------------------------------------


# a build refusing every call no documentation confirms (Comment.Text's overwrite, Worksheets.Add's After,
# Rows.Item, a 2-D Formula), and one exposing Count, UsedRange, Value2, Name as methods
UNCONFIRMED_REFUSED = {"noteTextReplaces": False, "addAfter": False, "rowsItem": False, "formulaArray": False}


@pytest.mark.parametrize(
    "options",
    [{}, {"valueShape": "item"}, {"bulkWrites": False}, {"valueShape": "item", "bulkWrites": False},
     UNCONFIRMED_REFUSED, {"methodProps": True}],
    ids=["2d-array", "item-r-c", "no-bulk-writes", "item-and-no-bulk-writes", "unconfirmed-calls-refused",
         "methods-for-properties"],
)  # fmt: skip
def test_validate_in_wps_leaves_the_workbook_excel_leaves_on_the_seed_sample(
    service, tmp_path, options, office_seed
):
    out = wps(service, tmp_path, export_book(office_seed), ["XlperfValidate"], options=options)
    book = excel(office_seed, macros.validate_workbook)
    assert diff(snapshot(book.wb), out["dump"]) == []
    assert out["alerts"] == [book.app.alerts[-1][0]]
    assert out["alerts"][0].startswith("校验完成。共 4 个项目：错误 4 条，警告 23 条，提示 0 条。")
    res = out["dump"]["sheets"]["校验结果"]
    assert out["dump"]["order"][0] == "校验结果" and out["dump"]["active"] == "校验结果"
    assert res["cells"]["A4"]["v"].startswith("=HYPERLINK(\"#'自评表")  # 序号 links to the cell
    assert res["freeze"] == "A4" and res["page"]["orientation"] == "landscape"
    assert out["dump"]["sheets"]["_xlperf_marks"]["state"] == "veryhidden"
    assert out["screenUpdating"] is True and out["statusHistory"][-1] is False


def test_every_sample_validates_the_same_in_wps_and_excel(service, tmp_path):
    for sample in SAMPLES:
        src = write_sample(sample, tmp_path)
        out = wps(service, tmp_path, export_book(src), ["XlperfValidate"])
        assert diff(snapshot(excel(src, macros.validate_workbook).wb), out["dump"]) == [], sample.file


PROVINCES = sorted((Path(__file__).resolve().parent / "provinces").glob("*.office.xlsx"))


@pytest.mark.parametrize("src", PROVINCES, ids=[p.name.split(".")[0] for p in PROVINCES])
def test_every_provinces_form_validates_the_same_in_wps_and_excel(service, tmp_path, src):
    out = wps(service, tmp_path, export_book(src), ["XlperfValidate"])
    assert diff(snapshot(excel(src, macros.validate_workbook).wb), out["dump"]) == [], src.name
    assert out["alerts"][0].startswith("校验完成")


def test_a_users_note_on_a_marked_cell_is_kept_and_many_findings_cap_the_notes(service, tmp_path):
    src = make_book(tmp_path / "u.xlsx", 2, extra_rows=30)  # a user's note on a flagged cell; 60 findings
    out = wps(service, tmp_path, export_book(src), ["XlperfValidate"])
    book = excel(src, macros.validate_workbook)
    assert diff(snapshot(book.wb), out["dump"]) == []
    h15 = out["dump"]["sheets"]["自评表1"]["cells"]["H15"]["note"]
    assert h15.startswith("用户自己的批注\n【xlperf 校验】")
    notes = [c for c in out["dump"]["sheets"]["自评表1"]["cells"].values() if "note" in c]
    assert len(notes) == 15
    assert "单元格批注每表最多 15 条" in out["dump"]["sheets"]["校验结果"]["cells"]["A1"]["v"]


@pytest.mark.parametrize("options", [{}, UNCONFIRMED_REFUSED, {"methodProps": True}],
                         ids=["documented", "unconfirmed-calls-refused", "methods-for-properties"])  # fmt: skip
def test_validate_twice_then_clear_gives_the_workbook_back_in_both(service, tmp_path, options):
    src = make_book(tmp_path / "u.xlsx", 2, extra_rows=5)  # a user's note on a flagged cell
    original = export_book(src)
    before = wps(service, tmp_path, original, [])["dump"]
    out = wps(
        service,
        tmp_path,
        original,
        ["XlperfValidate", "XlperfValidate", "XlperfClearMarks", "XlperfClearMarks"],
        options=options,
    )
    assert diff(before, out["dump"]) == []
    assert out["alerts"][-1] == "没有需要清除的校验标记。"
    book = excel(src, macros.validate_workbook, macros.validate_workbook, macros.clear_marks)
    assert diff(snapshot(book.wb), out["dump"]) == []


def test_clear_in_wps_undoes_the_annotated_copy(service, tmp_path):
    copy = tmp_path / "copy.xlsx"
    annotate.write_annotated_copy(validate_file(SEED), SEED, copy)
    out = wps(service, tmp_path, export_book(copy), ["XlperfClearMarks"])
    original = wps(service, tmp_path, export_book(SEED), [])["dump"]
    assert diff(original, out["dump"]) == []


def test_clear_in_wps_takes_the_key_out_of_the_copy_validate_o_wrote_as_excel_does(service, tmp_path):
    src = with_footers(SAMPLE, tmp_path / "u.xlsx", {"自评表2": "某某局"})  # a left part of their own
    copy = validate_o(src, tmp_path / "校验副本.xlsx")
    marked = export_book(copy)
    assert [s["footer"].get("L") for s in marked["sheets"] if s["name"].startswith("自评表")] == [
        "&8" + MARK_KEY, "某某局", "&8" + MARK_KEY, "&8" + MARK_KEY]  # fmt: skip
    out = wps(service, tmp_path, marked, ["XlperfClearMarks"])
    assert diff(snapshot(excel(copy, macros.clear_marks).wb), out["dump"]) == []
    assert diff(wps(service, tmp_path, export_book(src), [])["dump"], out["dump"]) == []
    footers = {
        name: s.get("footer") for name, s in out["dump"]["sheets"].items() if name.startswith("自评表")
    }
    assert footers == {
        "自评表1": {"C": "&9第 &P 页，共 &N 页", "R": "机密"},
        "自评表2": {"L": "某某局", "C": "&9第 &P 页，共 &N 页", "R": "机密"},
        "自评表3": {"C": "&9第 &P 页，共 &N 页", "R": "机密"},
        "自评表4": {"C": "&9第 &P 页，共 &N 页", "R": "机密"},
    }
    # where the page setup cannot be read (no printer), the rest of the clear is still done
    blind = wps(service, tmp_path, marked, ["XlperfClearMarks"], options={"noPrinter": True})
    assert blind["alerts"] == [
        "已清除校验标记。\n以下工作表页脚左侧的标色说明未能去掉（读不到页面设置，多因这台电脑未安装打印机）："
        "自评表1、自评表2、自评表3、自评表4。可在“页面设置 → 页眉/页脚”中把它删去。"
    ]  # the same words as the Excel ribbon's (the service's)
    assert blind["dump"]["order"] == out["dump"]["order"]
    # a footer read but not written: named the same way (the service asked again for the words)
    refused = wps(service, tmp_path, marked, ["XlperfClearMarks"], options={"footerRefused": ["自评表3"]})
    assert refused["alerts"] == ["已清除校验标记。\n" + footer_key_message(["自评表3"])]
    assert refused["dump"]["sheets"]["自评表3"]["footer"]["L"] == "&8" + MARK_KEY
    assert "L" not in refused["dump"]["sheets"]["自评表1"]["footer"]
    assert blind["dump"]["sheets"]["自评表1"]["footer"]["L"] == "&8" + MARK_KEY
    assert {k: v for k, v in blind["dump"]["sheets"]["自评表1"].items() if k != "footer"} == {
        k: v for k, v in out["dump"]["sheets"]["自评表1"].items() if k != "footer"
    }


def test_a_sheet_protected_with_a_password_gives_the_chinese_message(service, tmp_path):
    src = make_book(tmp_path / "u.xlsx", 1)
    wb = openpyxl.load_workbook(src)
    wb["自评表1"].protection.sheet = True
    wb["自评表1"].protection.password = "secret"
    wb.save(src)
    out = wps(service, tmp_path, export_book(src), ["XlperfValidate"])
    assert out["alerts"] == ["工作表“自评表1”设有密码保护，无法写入校验标记。请撤销该工作表的保护后再试。"]
    assert out["screenUpdating"] is True


def test_a_workbook_without_forms_is_told_so(service, tmp_path):
    wb = openpyxl.Workbook()
    wb.active["A1"] = "随便写点什么"
    wb.save(tmp_path / "x.xlsx")
    out = wps(service, tmp_path, export_book(tmp_path / "x.xlsx"), ["XlperfValidate"])
    assert out["alerts"] == [
        "工作簿中没有找到项目支出绩效自评表（表头“一级指标”“预算数”等缺失），请在自评表模板中填写后再操作。"
    ]
    assert list(out["dump"]["sheets"]) == ["Sheet"]


def test_calls_grow_with_sheets_not_with_findings(service, tmp_path):
    counts = {}
    for extra in (0, 30, 90):
        src = make_book(tmp_path / f"u{extra}.xlsx", 2, extra_rows=extra)
        counts[extra] = wps(service, tmp_path, export_book(src), ["XlperfValidate"])["calls"]
    assert counts[30] == counts[90], counts
    print(f"\nET calls per 校验本工作簿 (2 projects, 0/30/90 extra findings rows): {counts}")


# --- the other buttons ----------------------------------------------------------------------------------


def test_refresh_summary_writes_what_excel_writes(service, tmp_path):
    src = write_sample(SAMPLES[0], tmp_path)
    out = wps(service, tmp_path, export_book(src), ["XlperfRefreshSummary"])
    book = excel(src, macros.refresh_summary)
    a = normalise(snapshot(book.wb))["sheets"]["项目汇总"]["cells"]
    b = normalise(out["dump"])["sheets"]["项目汇总"]["cells"]
    values = lambda cells: {k: v.get("v") for k, v in cells.items() if k != "A2"}  # noqa: E731 - A2 has the time
    assert values(a) == values(b)
    assert b["A2"]["v"].startswith("以下为") and "刷新项目汇总" in b["A2"]["v"]
    assert out["dump"]["active"] == "项目汇总"


@pytest.mark.parametrize(
    "options", [{}, UNCONFIRMED_REFUSED], ids=["documented", "unconfirmed-calls-refused"]
)
def test_add_project_sheet_copies_the_last_form_with_its_inputs_blank(service, tmp_path, options):
    src = write_sample(SAMPLES[1], tmp_path)
    out = wps(service, tmp_path, export_book(src), ["XlperfAddProjectSheet"], options=options)
    book = excel(src, macros.add_project_sheet)
    name = next(n for n in out["dump"]["order"] if n not in openpyxl.load_workbook(src).sheetnames)
    a = normalise(snapshot(book.wb))["sheets"][name]["cells"]
    b = normalise(out["dump"])["sheets"][name]["cells"]
    assert {k: v.get("v") for k, v in a.items()} == {k: v.get("v") for k, v in b.items()}
    assert out["dump"]["active"] == name


def test_add_project_sheet_reads_formulas_cell_by_cell_where_a_2d_formula_is_refused(
    service, tmp_path, office_seed
):
    """On a workbook an office suite saved (formula results cached), the copy keeps its formulas either way:
    formula cells are not inputs, whichever way their formulas were read."""
    book = export_book(office_seed)
    documented = wps(service, tmp_path, book, ["XlperfAddProjectSheet"])
    refused = wps(service, tmp_path, book, ["XlperfAddProjectSheet"], options=UNCONFIRMED_REFUSED)
    name = next(n for n in documented["dump"]["order"] if n not in {s["name"] for s in book["sheets"]})
    assert diff(documented["dump"], refused["dump"]) == []
    one_by_one = refused["callKinds"].get("cells.Item()", 0) - documented["callKinds"].get("cells.Item()", 0)
    assert one_by_one >= 13 * 30  # every cell of the form (A:M, 30 rows and more), one at a time
    formulas = [
        c for c in refused["dump"]["sheets"][name]["cells"].values() if str(c.get("v", "")).startswith("=")
    ]
    assert len(formulas) > 20


def test_report_consolidation_submission_and_diagnosis_through_the_service(service, tmp_path):
    src = write_sample(SAMPLES[0], tmp_path)
    book = export_book(src)
    book["fullName"] = str(src)
    out = wps(service, tmp_path, book, ["XlperfWriteReport", "XlperfSubmissionCopy", "XlperfDiagnose"])
    report = Path(out["alerts"][0].split("\n")[1])
    assert report.is_file() and report.suffix == ".docx" and report.parent == src.parent
    submission = Path(out["alerts"][1].split("\n")[1])
    assert submission.is_file() and submission.name.endswith("_报送版.xlsx")
    assert out["alerts"][2].startswith("诊断完成。共 ")
    diag = out["added"]["sheets"]["诊断结果"]["cells"]
    assert diag["A1"]["v"] == "状态" and any(c.get("v") == "WPS 加载项" for c in diag.values())
    folder = tmp_path / "units"
    folder.mkdir()
    for s in SAMPLES:
        write_sample(s, folder)
    out = wps(service, tmp_path, book, ["XlperfConsolidate"], folder=str(folder))
    assert len(out["opened"]) == 1
    summary = Path(out["opened"][0])
    assert summary.parent == folder and summary.name.startswith("汇总_") and summary.is_file()
    # opened, then the service's words: what was read, and how the folder's 报送名单/批复目标 would be used
    [message] = out["alerts"]
    lines = message.splitlines()
    assert lines[0] == f"已生成汇总表：{summary}" and lines[2].startswith(
        f"共 {len(SAMPLES)} 个文件：已汇总 {len(SAMPLES)} 个"
    )
    assert lines[-1].startswith("提示：放一份“批复目标.xlsx”")


def test_consolidation_with_the_folders_roster_and_targets_through_the_service(service, tmp_path):
    """The WPS add-in (Node) against the real service: the folder's 报送名单.csv (GB18030, as Excel's CSV
    on a Chinese Windows) and 批复目标.xlsx are used and said after the summary opens; a 批复目标.xlsx
    that holds no indicator is refused in one alert, before any file is read or written."""
    from test_reviewer_desk import HEAD, TARGETS

    folder = tmp_path / "报送材料"
    folder.mkdir()
    for s in SAMPLES:
        write_sample(s, folder)
    roster = "发文单位,长安区财政局\n单位名称\n" + "".join(f"{s.unit.name}\n" for s in SAMPLES) + "区审计局\n"
    (folder / "报送名单.csv").write_bytes(roster.encode("gb18030"))
    wb = openpyxl.Workbook()
    for r in (HEAD, *TARGETS):
        wb.active.append(r)
    wb.save(folder / "批复目标.xlsx")
    book = export_book(write_sample(SAMPLES[0], tmp_path))
    out = wps(service, tmp_path, book, ["XlperfConsolidate"], folder=str(folder))
    [summary] = out["opened"]
    [message] = out["alerts"]
    lines = message.splitlines()
    assert lines[0] == f"已生成汇总表：{summary}"
    n = len(SAMPLES)
    assert f"应报 {n + 1} 个单位：已报送 {n}，未报送 1（区审计局）" in lines
    assert "已使用所汇总文件夹中的：报送名单.csv、批复目标.xlsx、汇总台账.sqlite（本次新建）" in lines
    assert "各表标题中的汇总单位“长安区财政局”取自报送名单中的“发文单位”" in lines
    assert not any(line.startswith("提示：") for line in lines)
    assert (folder / "汇总台账.sqlite").is_file()

    wb = openpyxl.Workbook()
    wb.active.append(["项目", "指标"])
    wb.save(folder / "批复目标.xlsx")
    before = sorted(p.name for p in folder.iterdir())
    out = wps(service, tmp_path, book, ["XlperfConsolidate"], folder=str(folder))
    assert out["opened"] == [] and len(out["alerts"]) == 1
    assert out["alerts"][0].startswith("所汇总文件夹中的批复目标“批复目标.xlsx”无法使用，未汇总：")
    assert out["alerts"][0].endswith("如本次不用批复目标，把它移出该文件夹即可。")
    assert sorted(p.name for p in folder.iterdir()) == before


def test_unsaved_workbook_is_asked_to_be_saved_first(service, tmp_path):
    book = export_book(SEED, full_name="工作簿1")
    out = wps(service, tmp_path, book, ["XlperfWriteReport"])
    assert out["alerts"] == ["请先保存工作簿，再生成自评报告。"]


def test_help_names_the_service_and_keeps_xp_functions_to_excel(service, tmp_path):
    out = wps(service, tmp_path, export_book(SEED), ["XlperfHelp"])
    assert "xlperf serve" in out["alerts"][0] and "XP_ 单元格函数只在 Excel 中可用" in out["alerts"][0]


def test_the_service_down_is_one_chinese_message_saying_how_to_start_it(tmp_path):
    class Down:
        port, secret = 9, "x" * 43  # the discard port: nothing answers there

    out = wps(Down, tmp_path, export_book(SEED), ["XlperfValidate"])
    assert len(out["alerts"]) == 1 and "未连接到 xlperf 本机服务" in out["alerts"][0]
    assert "xlperf serve" in out["alerts"][0]
    assert out["dump"]["order"] == openpyxl.load_workbook(SEED).sheetnames  # nothing written


def test_the_plan_the_service_sends_is_the_plan_of_the_file(service, tmp_path, office_seed):
    """The grids the add-in reads give the findings `xlperf validate` gives on the file."""
    answer = service.call(
        "POST", "/v1/validate", {"workbook": str(office_seed), "sheets": _grids(office_seed)}
    ).data
    plan = build_plan(validate_file(office_seed))
    assert answer["plan"]["marks"] == json.loads(plan.to_json())["marks"]
    assert (
        answer["plan"]["result_sheet"]["rows"][3:] == json.loads(plan.to_json())["result_sheet"]["rows"][3:]
    )


def _grids(path: Path) -> list[dict]:
    data = export_book(path)
    out = []
    from openpyxl.utils.cell import column_index_from_string, coordinate_from_string

    from xlperf.wps.handlers import MAX_COLS

    for s in data["sheets"]:
        cells = {(coordinate_from_string(k)[1], column_index_from_string(coordinate_from_string(k)[0])): v.get("v")
                 for k, v in s["cells"].items()}  # fmt: skip
        h = max((r for r, _ in cells), default=0)
        w = min(max((c for _, c in cells), default=0), MAX_COLS)  # the add-in reads A..BH (readSheet)
        out.append({"name": s["name"], "state": s["state"],
                    "rows": [[cells.get((r, c)) for c in range(1, w + 1)] for r in range(1, h + 1)]})  # fmt: skip
    return out


@pytest.mark.parametrize(
    "options", [{}, UNCONFIRMED_REFUSED], ids=["documented", "unconfirmed-calls-refused"]
)
def test_insert_indicator_row_performs_the_row_plan_in_the_selected_block(service, tmp_path, options):
    from test_wps_addin import _grids as grids_of

    from xlperf.actions import indicator_row_plan
    from xlperf.core.grid import Grid

    src = write_sample(SAMPLES[0], tmp_path)
    book = export_book(src)
    sheet = next(s for s in book["sheets"] if s["name"].startswith("自评表"))
    grid_rows = next(g for g in grids_of(src) if g["name"] == sheet["name"])["rows"]
    grid = Grid(sheet["name"], [list(r) for r in grid_rows])
    head = grid.find_first("一级指标")
    row = head[0] + 3  # inside the first 一级 block of the indicator table
    formulas = [["" for _ in r] for r in grid_rows]
    for ref, c in sheet["cells"].items():
        if "f" in c:
            from openpyxl.utils.cell import column_index_from_string, coordinate_from_string

            col, r = coordinate_from_string(ref)
            if column_index_from_string(col) <= len(formulas[r - 1]):  # the add-in reads A..BH
                formulas[r - 1][column_index_from_string(col) - 1] = c["f"]
    merged = next(
        ((int(m.split(":")[0][1:]), int(m.split(":")[1][1:])) for m in sheet["merges"]
         if m.startswith("A") and int(m.split(":")[0][1:]) <= row <= int(m.split(":")[1][1:])),
        None,
    )  # fmt: skip
    plan = indicator_row_plan(grid, formulas, row, merged)
    out = wps(
        service,
        tmp_path,
        book,
        ["XlperfInsertIndicatorRow"],
        selection={"sheet": sheet["name"], "cell": f"C{row}"},
        options=options,
    )
    assert out["alerts"] == [], out["alerts"]
    after = out["dump"]["sheets"][sheet["name"]]["cells"]
    total_before = next(ref for ref, c in sheet["cells"].items() if c.get("v") == "总分")
    moved = total_before[0] + str(int(total_before[1:]) + 1)
    assert after[moved]["v"] == "总分"  # the table grew by the row
    assert out["callKinds"]["entirerow.Insert()" if options else "row.Insert()"] == 1
    from openpyxl.utils.cell import range_boundaries

    c1, r1, c2, r2 = range_boundaries(plan.label_range)
    assert plan.merge and [r1, c1, r2, c2] in out["merges"][sheet["name"]]  # the 一级 cell over the block
    label_top = plan.label_range.split(":")[0]
    assert after[label_top]["v"] == plan.label_values[0]
    for ref in plan.clear:
        assert "v" not in after.get(ref, {}), ref
    assert out["statusHistory"][-2].startswith(
        f"绩效自评：已在“{sheet['name']}”第 {plan.insert_at} 行插入一行指标"
    )
