"""The reviewer's desk from the ribbons (Excel and WPS) and the CLI alike: a 报送名单, 批复目标 and 汇总台账
kept beside the units' files in the folder consolidated (xlperf/consolidate/folder.py).

The bureau's folder: the three bundled samples; a roster typed in LibreOffice (发文单位 above the header,
four units of which 长安区卫生健康局 has not reported); the approved targets of 西安市长安区财政局 as the
一体化 system exports them (the form lowered 上线电子票据的执收单位数量 from ≥150 to ≥120 and dropped
电子票据开具量). Then 西安市长安区财政局 corrects E18 in LibreOffice and sends the workbook again, the
old one still in the folder. Every expected line and count below is written by hand from those files.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from types import SimpleNamespace

import openpyxl
import pytest
from click.testing import CliRunner
from test_reviewer_desk import HEAD, TARGETS  # 西安市长安区财政局's approved targets

from xlperf import actions
from xlperf.cli import cli
from xlperf.consolidate import consolidate_paths
from xlperf.consolidate.folder import FolderFiles, desk_kind, find_folder_files, named_like_desk
from xlperf.consolidate.roster import roster_from_grids
from xlperf.core.grid import Grid
from xlperf.errors import ReadError, XlperfError
from xlperf.excel import macros
from xlperf.wps import handlers

from fake_xlwings import FakeBook

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "workbooks" / "samples"
sys.path.insert(0, str(ROOT))

FIN = "西安市长安区财政局_2020.xlsx"
ROSTER = [  # typed into 名单!A1:C7
    ["长安区2020年度应报送绩效自评材料的单位", "", ""],
    ["发文单位", "长安区财政局", ""],
    ["序号", "单位名称", "主管部门"],
    ["1", "西安市长安区财政局", "西安市长安区财政局"],
    ["2", "西安市雁塔区教育局", ""],
    ["3", "长安区委编办", ""],
    ["4", "长安区卫生健康局", ""],
]
USED_FIRST = "已使用所汇总文件夹中的：报送名单.xlsx、批复目标.xlsx、汇总台账.sqlite（本次新建）"
USED_AGAIN = "已使用所汇总文件夹中的：报送名单.xlsx、批复目标.xlsx、汇总台账.sqlite"
ROSTER_LINE = "应报 4 个单位：已报送 3，未报送 1（长安区卫生健康局）"
ROSTER_LINE_2 = "应报 4 个单位：已报送 3（其中重报 1），未报送 1（长安区卫生健康局）"
WIDE = {"COLUMNS": "200"}  # the terminal's lines unwrapped
ISSUER_LINE = "各表标题中的汇总单位“长安区财政局”取自报送名单中的“发文单位”"


@pytest.fixture(scope="module")
def made(tmp_path_factory) -> dict:
    """The roster as a reviewer types it and the corrected workbook as a unit saves it (LibreOffice)."""
    from office import Office

    base = tmp_path_factory.mktemp("绩效科")
    blank = base / "空白.xlsx"
    wb = openpyxl.Workbook()
    wb.active.title = "名单"
    wb.save(blank)
    with Office() as lo:
        doc = lo.open(str(blank))
        for r, row in enumerate(ROSTER, 1):
            for col, text in zip("ABC", row, strict=True):
                if text:
                    lo.type(doc, "名单", f"{col}{r}", text)
        lo.save_xlsx(doc, str(base / "报送名单.xlsx"))
        lo.close(doc)
        mine = shutil.copy(SAMPLES / FIN, base / FIN)  # the unit's own copy (LibreOffice locks what it opens)
        doc = lo.open(str(mine))
        if lo.is_protected(doc, "自评表1"):
            lo.unprotect(doc, "自评表1")
        lo.type(doc, "自评表1", "E18", "150")  # the approved target, as the unit was told
        lo.save_xlsx(doc, str(base / "corrected.xlsx"))
        lo.close(doc)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "项目绩效目标"
    ws.append(HEAD)
    for r in TARGETS:
        ws.append(r)
    wb.save(base / "批复目标.xlsx")
    return {
        "roster": base / "报送名单.xlsx",
        "corrected": base / "corrected.xlsx",
        "targets": base / "批复目标.xlsx",
    }


def bureau_folder(tmp_path: Path, made: dict, *, roster=True, targets=True) -> Path:
    folder = tmp_path / "报送材料"
    folder.mkdir()
    for f in SAMPLES.iterdir():
        shutil.copy(f, folder / f.name)
    if roster:
        shutil.copy(made["roster"], folder / "报送名单.xlsx")
    if targets:
        shutil.copy(made["targets"], folder / "批复目标.xlsx")
    return folder


def rows(path: Path, sheet: str) -> list[dict]:
    """A summary sheet's rows by header (the header in row 3, as the summary writes it)."""
    values = list(openpyxl.load_workbook(path, read_only=True)[sheet].iter_rows(values_only=True))
    head = [str(h).replace("\n", "") if h is not None else "" for h in values[2]]
    return [dict(zip(head, r, strict=False)) for r in values[3:] if r and r[0] != "合计"]


# --- which files are the desk's ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("报送名单.xlsx", "roster"), ("报送名单.csv", "roster"), ("报送名单.XLSX", "roster"),
        ("报送名单.xls", "roster"), ("报送名单 .xlsx", "roster"), ("批复目标.xlsx", "targets"),
        ("批复目标.csv", "targets"), ("汇总台账.sqlite", "ledger"), ("汇总台账.sqlite-wal", "ledger"),
        ("长安区报送名单.xlsx", None), ("报送名单（1）.xlsx", None), ("报送名单.docx", None),
        ("西安市长安区财政局_2020.xlsx", None), ("台账.sqlite", None),
    ],
)  # fmt: skip
def test_the_desk_files_are_known_by_their_names(name, kind):
    assert desk_kind(name) == kind


@pytest.mark.parametrize(
    ("name", "like"),
    [
        ("报送名单（1）.xlsx", "roster"), ("报送名单(1).xlsx", "roster"), ("长安区报送名单.xlsx", "roster"),
        ("报送名单 - 副本.csv", "roster"), ("2024年批复目标.xls", "targets"), ("批复目标（修改）.xlsx", "targets"),
        ("报送名单.xlsx", None), ("批复目标.csv", None), ("报送名单说明.docx", None),
        ("西安市长安区财政局_2020.xlsx", None), ("汇总台账（1）.sqlite", None),
    ],
)  # fmt: skip
def test_a_name_like_a_desk_files_is_known_and_never_guessed_to_be_it(name, like):
    assert named_like_desk(name) == like
    if like is not None:
        assert desk_kind(name) is None  # never used as the desk's file


def test_a_second_download_of_the_roster_is_neither_used_nor_read_as_a_unit(made, tmp_path, monkeypatch):
    """报送名单（1）.xlsx (a browser's second download) beside the units: not the roster (nothing is guessed),
    not an unreadable unit's workbook either: 文件清单 says to rename it; beside the real roster it names
    the one used."""
    folder = bureau_folder(tmp_path, made, roster=False, targets=False)
    shutil.copy(made["roster"], folder / "报送名单（1）.xlsx")
    monkeypatch.chdir(tmp_path)
    r = CliRunner(env=WIDE).invoke(cli, ["consolidate", "报送材料", "-o", "汇总.xlsx"])
    assert r.exit_code == 0, r.output
    out = r.output.splitlines()
    assert out[0] == "共 4 个文件：已汇总 3 个，已跳过 1 个，无法读取 0 个"
    assert not any(line.startswith("应报") for line in out)  # no roster used
    listed = {r["文件"]: (r["状态"], r["原因"]) for r in rows(tmp_path / "汇总.xlsx", "文件清单")}
    assert listed["报送材料/报送名单（1）.xlsx"] == (
        "已跳过",
        "文件名像是报送名单，本次未使用，也不作为单位材料；要使用这一份，请改名为“报送名单.xlsx”后再汇总",
    )
    shutil.copy(made["roster"], folder / "报送名单.xlsx")
    r = CliRunner(env=WIDE).invoke(cli, ["consolidate", "报送材料", "-o", "汇总2.xlsx"])
    assert r.exit_code == 0, r.output
    assert ROSTER_LINE in r.output.splitlines()
    listed = {r["文件"]: r["原因"] for r in rows(tmp_path / "汇总2.xlsx", "文件清单")}
    assert listed["报送材料/报送名单（1）.xlsx"] == (
        "文件名像是报送名单，本次未使用，也不作为单位材料（本次使用的报送名单是“报送名单.xlsx”）"
    )


def test_the_issuer_is_the_cell_labelled_above_the_header():
    def roster(*lead):
        return roster_from_grids([Grid("名单", [*lead, ["单位名称"], ["长安区委编办"]])], "报送名单.xlsx")

    assert roster(["发文单位", None, "长安区财政局"]).issuer == "长安区财政局"
    assert roster(["发文单位：长安区财政局"]).issuer == "长安区财政局"
    assert roster(["名单"], [None, "汇总单位:", " 长安区财政局 "]).issuer == "长安区财政局"
    assert roster(["长安区财政局2020年度应报单位名单"]).issuer == ""
    assert roster().entries[0].name == "长安区委编办" and roster().issuer == ""


def test_two_rosters_are_never_guessed_between(tmp_path):
    (tmp_path / "报送名单.xlsx").write_bytes(b"")
    (tmp_path / "报送名单.csv").write_text("单位名称\n长安区委编办\n", encoding="utf-8")
    with pytest.raises(ReadError, match="有 2 份报送名单.*请只保留一份"):
        find_folder_files([tmp_path])
    other = tmp_path / "另一处"
    other.mkdir()
    (tmp_path / "报送名单.xlsx").unlink()
    (other / "批复目标.csv").write_text("x", encoding="utf-8")
    (tmp_path / "批复目标.csv").write_text("x", encoding="utf-8")
    with pytest.raises(ReadError, match="有 2 份批复目标"):
        find_folder_files([tmp_path, other])
    found = find_folder_files([tmp_path / "报送名单.csv", other / "无"])  # not folders: nothing
    assert found == FolderFiles()


# --- the CLI ----------------------------------------------------------------------------------------


@pytest.mark.libreoffice
def test_cli_uses_the_folders_roster_and_targets_and_keeps_a_ledger_beside_them(made, tmp_path, monkeypatch):
    folder = bureau_folder(tmp_path, made)
    monkeypatch.chdir(tmp_path)
    r = CliRunner(env=WIDE).invoke(cli, ["consolidate", "报送材料", "-o", "汇总.xlsx"])
    assert r.exit_code == 0, r.output
    out = r.output.splitlines()
    assert USED_FIRST in out and ROSTER_LINE in out and ISSUER_LINE in out
    assert "台账：报送材料/汇总台账.sqlite，第 1 次汇总（共 1 次）" in out
    assert "批复目标：批复目标.xlsx，3 个项目、22 项指标" in out
    assert out[0] == "共 5 个文件：已汇总 3 个，已跳过 2 个，无法读取 0 个"
    assert (folder / "汇总台账.sqlite").is_file()
    wb = openpyxl.load_workbook(tmp_path / "汇总.xlsx", read_only=True)
    assert wb.sheetnames[0] == "报送情况"
    for sheet in ("报送情况", "项目明细", "文件清单"):  # every title with the roster's 发文单位 and the year
        assert wb[sheet]["A1"].value == f"长安区财政局2020年度项目支出绩效自评汇总表——{sheet}"
    listed = {r["文件"]: (r["状态"], r["原因"]) for r in rows(tmp_path / "汇总.xlsx", "文件清单")}
    assert listed["报送材料/报送名单.xlsx"] == (
        "已跳过", "报送名单：本次汇总据此列出“报送情况”（未报送、已报送、已重报的单位），不是单位的报送材料"
    )  # fmt: skip
    assert listed["报送材料/批复目标.xlsx"][1].startswith("批复目标：本次汇总据此核对")
    xp022 = [
        (r["位置"], r["严重程度"]) for r in rows(tmp_path / "汇总.xlsx", "问题清单") if r["规则"] == "XP022"
    ]
    assert xp022 == [("自评表1!E18", "错误"), ("自评表1", "警告")]

    again = CliRunner(env=WIDE).invoke(cli, ["consolidate", "报送材料", "-o", "汇总2.xlsx"])
    out = again.output.splitlines()
    assert USED_AGAIN in out and "台账：报送材料/汇总台账.sqlite，第 2 次汇总（共 2 次）" in out
    listed = {r["文件"]: r["原因"] for r in rows(tmp_path / "汇总2.xlsx", "文件清单")}
    # the ledger is listed as the desk's; SQLite's -wal/-shm beside it while it is open are not files
    assert listed["报送材料/汇总台账.sqlite"].startswith("汇总台账：记录每次汇总见到的文件")
    assert not any("sqlite-" in name for name in listed)


def test_cli_options_win_over_the_folder_and_a_roster_deeper_down_is_not_a_unit(tmp_path, monkeypatch):
    folder = tmp_path / "报送材料"
    (folder / "教育局").mkdir(parents=True)
    shutil.copy(SAMPLES / FIN, folder / FIN)
    (folder / "报送名单.csv").write_text("单位名称\n西安市长安区财政局\n区审计局\n", encoding="utf-8")
    (folder / "教育局" / "报送名单.xlsx").write_bytes(b"PK not even a workbook")
    (tmp_path / "名单.csv").write_text("单位名称\n西安市长安区财政局\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    r = CliRunner(env=WIDE).invoke(
        cli, ["consolidate", "报送材料", "-o", "汇总.xlsx", "--roster", "名单.csv"]
    )
    assert r.exit_code == 0, r.output
    assert "应报 1 个单位：已报送 1，未报送 0" in r.output and "已使用所汇总文件夹" not in r.output
    assert not (folder / "汇总台账.sqlite").exists()  # a ledger is kept beside the folder's own roster only
    listed = {r["文件"]: (r["状态"], r["原因"]) for r in rows(tmp_path / "汇总.xlsx", "文件清单")}
    for name in ("报送材料/报送名单.csv", "报送材料/教育局/报送名单.xlsx"):
        assert listed[name][0] == "已跳过" and listed[name][1].startswith(
            "文件名表明是报送名单，不是单位的报送材料；本次未使用"
        )
    assert "无法读取 0 个" in r.output


def test_a_gb18030_csv_roster_and_a_folder_the_ledger_cannot_be_made_in(tmp_path, monkeypatch):
    """Excel's 'CSV' on a Chinese Windows is GB18030; a folder that cannot be written (a read-only copy)
    is consolidated without a ledger, and says so."""
    import xlperf.consolidate as consolidate

    folder = tmp_path / "报送材料"
    folder.mkdir()
    shutil.copy(SAMPLES / FIN, folder / FIN)
    (folder / "报送名单.csv").write_bytes(
        "发文单位,长安区财政局\n单位名称\n西安市长安区财政局\n".encode("gb18030")
    )
    monkeypatch.setattr(consolidate.os, "access", lambda path, mode: False)
    c = consolidate_paths([folder], jobs=1)
    assert (
        c.issuer == "长安区财政局"
        and c.desk is not None
        and c.desk.lines()[0].startswith("应报 1 个单位：已报送 1")
    )
    assert f"文件夹 {folder} 不能写入，未建立汇总台账（本次不区分重报）" in c.notes
    assert "已使用所汇总文件夹中的：报送名单.csv" in c.notes
    assert not (folder / "汇总台账.sqlite").exists()


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("报送名单.xlsx", "no roster", "名单中找不到“单位名称”列"),
        ("报送名单.xls", b"\xd0\xcf\x11\xe0", "名单文件应为 .xlsx 或 .csv"),
        ("批复目标.csv", "单位名称,项目名称\n", "批复目标文件 批复目标.csv 中没有读到任何指标"),
        ("汇总台账.sqlite", b"not a database", "不是 xlperf 的台账"),
    ],
)
def test_a_desk_file_that_cannot_be_used_stops_the_cli_before_any_file_is_read(
    tmp_path, monkeypatch, name, content, reason
):
    import xlperf.consolidate as consolidate

    folder = tmp_path / "报送材料"
    folder.mkdir()
    shutil.copy(SAMPLES / FIN, folder / FIN)
    path = folder / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content == "no roster":
        wb = openpyxl.Workbook()
        wb.active.append(["序号", "名称"])
        wb.save(path)
    else:
        path.write_text(content, encoding="utf-8")
    monkeypatch.setattr(consolidate, "read_files", lambda *a, **k: pytest.fail("a unit's file was read"))
    monkeypatch.chdir(tmp_path)
    r = CliRunner(env=WIDE).invoke(cli, ["consolidate", "报送材料", "-o", "汇总.xlsx"])
    assert r.exit_code == 2
    what = {"报": "报送名单", "批": "批复目标", "汇": "汇总台账"}[name[0]]
    assert f"所汇总文件夹中的{what}“{name}”无法使用，未汇总：" in r.output and reason in r.output
    assert f"如本次不用{what}，把它移出该文件夹即可" in r.output
    assert (
        not (tmp_path / "汇总.xlsx").exists()
        and not (folder / "汇总台账.sqlite").exists()
        or name.startswith("汇")
    )


# --- the Excel ribbon (fake xlwings) ------------------------------------------------------------------


@pytest.fixture
def excel():
    yield
    macros._caller = macros._pick_folder = macros._open_book = macros._open_file = None


def click(book, folder: Path):
    macros._caller = lambda: book
    macros._pick_folder = lambda app: str(folder)
    opened = []
    macros._open_book = opened.append
    return macros.consolidate_folder(), opened


@pytest.mark.libreoffice
def test_excel_ribbon_uses_the_folders_desk_and_knows_the_resubmission_on_the_second_click(
    made, tmp_path, excel
):
    folder = bureau_folder(tmp_path, made)
    book = FakeBook(SAMPLES / FIN)
    out, opened = click(book, folder)
    assert out is not None and opened == [str(out)], book.app.alerts
    message, _title, _buttons, mode = book.app.alerts[-1]
    assert mode == "info" and len(book.app.alerts) == 1
    lines = message.splitlines()
    assert lines[0] == f"已生成汇总表：{out}"
    assert USED_FIRST in lines and ROSTER_LINE in lines and ISSUER_LINE in lines
    assert "批复目标：批复目标.xlsx，3 个项目、22 项指标" in lines
    assert not any(line.startswith("提示：") for line in lines)  # every desk file is there: no tips
    assert openpyxl.load_workbook(out, read_only=True).sheetnames[0] == "报送情况"

    # a week later: the unit's corrected workbook beside its first one; the same click
    shutil.copy(made["corrected"], folder / "西安市长安区财政局_2020（修改）.xlsx")
    book = FakeBook(SAMPLES / FIN)
    out2, _ = click(book, folder)
    assert out2 != out and out2.name.startswith(actions.SUMMARY_PREFIX)
    lines = book.app.alerts[-1][0].splitlines()
    assert USED_AGAIN in lines and ROSTER_LINE_2 in lines
    assert any(line.startswith("台账：") and line.endswith("第 2 次汇总（共 2 次）") for line in lines)
    # E18 back to ≥150 fixes XP022 there; with 126 done, its 10 points and no reason are now wrong
    assert "重报单位较上次报送：问题已改正 1 条，新出现 2 条（详见“报送情况”）" in lines
    fin = next(r for r in rows(out2, "报送情况") if r["单位"] == "西安市长安区财政局")
    assert (fin["状态"], fin["报送次数"], fin["问题已改正"], fin["新出现"]) == ("已重报", 2, 1, 2)
    assert (
        "已改正 1 条（指标值与批复目标不一致 1 条），新出现 2 条（得分与完成值不符 1 条、偏差原因缺失 1 条）"
        in fin["说明"]
    )
    # the first summary (in the folder) is not read as a unit's file, nor is the roster
    # shown from the folder's name, as the CLI shows them (a whole path made 报送情况's rows tall in print)
    listed = {r["文件"]: r["状态"] for r in rows(out2, "文件清单")}
    assert not any(name.startswith(f"报送材料/{actions.SUMMARY_PREFIX}") for name in listed)
    assert listed["报送材料/报送名单.xlsx"] == listed["报送材料/批复目标.xlsx"] == "已跳过"
    assert listed["报送材料/汇总台账.sqlite"] == listed[f"报送材料/{FIN}"] == "已跳过"  # FIN: replaced
    assert listed["报送材料/西安市长安区财政局_2020（修改）.xlsx"] == "已汇总"
    assert fin["文件"] == "报送材料/西安市长安区财政局_2020（修改）.xlsx"


def test_excel_ribbon_without_desk_files_says_how_to_use_them(tmp_path, excel):
    folder = tmp_path / "报送材料"
    folder.mkdir()
    shutil.copy(SAMPLES / FIN, folder / FIN)
    book = FakeBook(SAMPLES / FIN)
    out, _ = click(book, folder)
    lines = book.app.alerts[-1][0].splitlines()
    assert (
        lines[0] == f"已生成汇总表：{out}" and "共 1 个文件：已汇总 1 个，已跳过 0 个，无法读取 0 个" in lines
    )
    assert lines[-2:] == [actions.ROSTER_TIP, actions.TARGETS_TIP]
    assert "报送名单.xlsx" in actions.ROSTER_TIP and "批复目标.xlsx" in actions.TARGETS_TIP
    assert not (folder / "汇总台账.sqlite").exists()
    assert openpyxl.load_workbook(out, read_only=True).sheetnames[0] == "项目明细"


def test_excel_ribbon_refuses_a_roster_it_cannot_read_before_any_work(tmp_path, excel, monkeypatch):
    import xlperf.consolidate as consolidate

    folder = tmp_path / "报送材料"
    folder.mkdir()
    shutil.copy(SAMPLES / FIN, folder / FIN)
    wb = openpyxl.Workbook()
    wb.active.append(["序号", "名称", "主管部门"])  # no 单位名称 column
    wb.save(folder / "报送名单.xlsx")
    monkeypatch.setattr(consolidate, "read_files", lambda *a, **k: pytest.fail("a unit's file was read"))
    book = FakeBook(SAMPLES / FIN)
    out, opened = click(book, folder)
    assert out is None and opened == []
    [(message, _t, _b, mode)] = book.app.alerts
    assert mode == "critical"
    assert message.startswith(
        "所汇总文件夹中的报送名单“报送名单.xlsx”无法使用，未汇总：名单中找不到“单位名称”列"
    )
    assert message.endswith("请改正后再汇总；如本次不用报送名单，把它移出该文件夹即可。")
    assert sorted(p.name for p in folder.iterdir()) == sorted([FIN, "报送名单.xlsx"])  # nothing written


def test_a_folder_holding_only_the_desk_files_has_nothing_to_consolidate(tmp_path, excel):
    folder = tmp_path / "报送材料"
    (folder / "教育局").mkdir(parents=True)
    (folder / "报送名单.csv").write_text("单位名称\n区审计局\n", encoding="utf-8")
    wb = openpyxl.Workbook()
    wb.save(folder / "报送名单.xlsx")
    wb.save(folder / "批复目标.xlsx")
    wb.save(folder / "教育局" / "批复目标.xlsx")  # deeper down: consolidated, to be listed as not used
    assert actions.folder_workbooks(folder) == [folder / "教育局" / "批复目标.xlsx"]
    (folder / "教育局" / "批复目标.xlsx").unlink()
    book = FakeBook(SAMPLES / FIN)
    assert click(book, folder) == (None, [])
    assert book.app.alerts[-1][0] == actions.no_unit_files(folder)
    assert "报送名单、批复目标不计在内" in book.app.alerts[-1][0]
    with pytest.raises(XlperfError, match="报送名单、批复目标不计在内"):
        handlers.consolidate({"folder": str(folder)})


# --- the WPS service ----------------------------------------------------------------------------------


def test_wps_service_answers_the_message_and_refuses_two_rosters(tmp_path):
    folder = tmp_path / "报送材料"
    folder.mkdir()
    shutil.copy(SAMPLES / FIN, folder / FIN)
    (folder / "报送名单.csv").write_text(
        "发文单位：长安区财政局\n单位名称\n西安市长安区财政局\n区审计局\n", encoding="utf-8"
    )
    answer = handlers.consolidate({"folder": str(folder)})
    assert answer["files"] == 1 and Path(answer["path"]).parent == folder
    lines = answer["message"].splitlines()
    assert lines[0] == f"已生成汇总表：{answer['path']}"
    assert "应报 2 个单位：已报送 1，未报送 1（区审计局）" in lines and ISSUER_LINE in lines
    assert "已使用所汇总文件夹中的：报送名单.csv、汇总台账.sqlite（本次新建）" in lines
    assert lines[-1] == actions.TARGETS_TIP and actions.ROSTER_TIP not in lines
    assert (folder / "汇总台账.sqlite").is_file()
    (folder / "报送名单.xlsx").write_bytes(b"")
    with pytest.raises(XlperfError, match="有 2 份报送名单"):
        handlers.consolidate({"folder": str(folder)})


def test_the_message_is_one_home_for_both_ribbons():
    c = SimpleNamespace(
        summary_lines=lambda limit=10: ["共 1 个文件"], folder_files=FolderFiles(roster=Path("报送名单.xlsx"))
    )
    assert actions.consolidation_message(c, Path("汇总_1.xlsx")).splitlines() == [
        "已生成汇总表：汇总_1.xlsx", "", "共 1 个文件", "", actions.TARGETS_TIP
    ]  # fmt: skip


def test_both_ribbons_tell_of_the_folders_files_where_the_button_is():
    """Hovering over 汇总多个单位 is where a reviewer learns of 报送名单.xlsx and 批复目标.xlsx (the
    completion message repeats it: actions.ROSTER_TIP, TARGETS_TIP)."""
    from lxml import etree

    for path in (ROOT / "vba" / "customUI14.xml", ROOT / "wps" / "ribbon.xml"):
        [button] = [b for b in etree.parse(str(path)).iter() if b.get("id") == "xlperfConsolidate"]
        tip = button.get("supertip")
        assert "“报送名单.xlsx”" in tip and "“批复目标.xlsx”" in tip and "“汇总台账.sqlite”" in tip, path
        assert len(tip) <= 1024  # the ribbon schema's limit


@pytest.mark.libreoffice
def test_the_second_click_keeps_what_the_reviewer_typed_in_the_first_summary(made, tmp_path, excel):
    """The reviewer opens the first 汇总_日期.xlsx in the office suite and types 不采纳 and an opinion in
    问题清单; the next click (no file changed) writes a new summary holding them again, and says so."""
    from office import Office

    folder = bureau_folder(tmp_path, made, roster=False, targets=False)
    out, _ = click(FakeBook(SAMPLES / FIN), folder)
    found = rows(out, "问题清单")
    head = list(found[0])
    col = {h: "ABCDEFGHIJKLMNOP"[i] for i, h in enumerate(head)}
    picked = {3: ("不采纳", ""), 5: ("", "请补充偏差原因"), 6: ("采纳", "按批复口径填写")}  # rows of 问题清单
    with Office() as lo:
        doc = lo.open(str(out))
        for n, (decision, opinion) in picked.items():
            if decision:
                lo.type(doc, "问题清单", f"{col['处理']}{n + 3}", decision)
            if opinion:
                lo.type(doc, "问题清单", f"{col['审核意见']}{n + 3}", opinion)
        lo.save_xlsx(doc, str(out))  # saved in place, as the reviewer does
        lo.close(doc)
    book = FakeBook(SAMPLES / FIN)
    out2, _ = click(book, folder)
    assert out2 != out
    again = rows(out2, "问题清单")
    typed = {
        (r["单位"], r["位置"], r["规则"]): (r["处理"] or "", r["审核意见"] or "")
        for r in again
        if r["处理"] or r["审核意见"]
    }
    want = {(found[n - 1]["单位"], found[n - 1]["位置"], found[n - 1]["规则"]): v for n, v in picked.items()}
    assert typed == want
    lines = book.app.alerts[-1][0].splitlines()
    assert (
        f"沿用 {out.name} 中的处理和审核意见：3 条问题未变，已带入（该表中有处理或审核意见的共 3 条）"
        in lines
    )
