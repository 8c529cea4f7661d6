"""Consolidation: totals recomputed independently from the generator's data, duplicates, outputs, CLI."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
from collections import Counter
from dataclasses import replace
from pathlib import Path

import docx
import openpyxl
import pytest
from click.testing import CliRunner

from xlperf import api, presets
from xlperf.cli import cli
from xlperf.consolidate import (
    DETAIL_COLUMNS,
    DETAIL_NAME,
    FILES_NAME,
    FINDINGS_NAME,
    GRADES_NAME,
    STATUS_OK,
    STATUS_SKIPPED,
    STATUS_UNREADABLE,
    UNITS_NAME,
    consolidate_paths,
    project_rows,
    skip_reason,
)
from xlperf.samples import SAMPLES
from xlperf.writers.summary import write_summary

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from benchmarks.unitgen import generate  # noqa: E402

SAMPLES_DIR = ROOT / "workbooks" / "samples"


def _grade(total: float) -> str:
    return "优" if total >= 90 else "良" if total >= 80 else "中" if total >= 60 else "差"


def _sha(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def units(tmp_path_factory) -> tuple[Path, list]:
    folder = tmp_path_factory.mktemp("报送")
    specs = generate(12, folder / "generated", seed=7)
    shutil.copytree(SAMPLES_DIR, folder / "samples")
    return folder, specs


@pytest.fixture(scope="module")
def result(units):
    folder, _ = units
    return consolidate_paths([folder], jobs=2)


def _expected(specs) -> dict[str, dict]:
    """Per unit, from the generator's and the samples' data alone (no xlperf reading)."""
    out: dict[str, dict] = {}
    for s in specs:
        out[s.name] = {
            "budget": [p.budget for p in s.projects],
            "executed": [p.executed for p in s.projects],
            "scores": [p.recomputed for p in s.projects],
        }
    for sample in SAMPLES:
        out[sample.unit.name] = {
            "budget": [p.budget[0] for p in sample.projects],
            "executed": [p.executed[0] for p in sample.projects],
            "scores": [counted_sum(p, presets.load(sample.preset)) for p in sample.projects],
        }
    return out


def counted_sum(p, preset) -> float:
    """核定总分 from a sample's data: each score within 0 and its weight (a blank 分值: the preset's section
    weight split over the section's rows), at most 100, then the execution-rate cap."""
    rows = [r for r in p.indicators if any(x is not None for x in (r.name, r.target, r.actual, r.score))]
    blank = Counter(r.level1 for r in rows if r.weight is None)
    typed = Counter()
    for r in rows:
        if r.weight is not None:
            typed[r.level1] += r.weight
    total = 0.0
    for r in rows:
        if not isinstance(r.score, int | float):
            continue
        w = (
            r.weight
            if r.weight is not None
            else (preset.weights[r.level1] - typed[r.level1]) / blank[r.level1]
        )
        total += min(max(r.score, 0), w)
    total = min(total, 100)
    cap = preset.cap_for(p.executed[0] / p.budget[0])
    return round(min(total, cap.max) if cap else total, 6)


def test_totals_match_the_generators_data(units, result):
    _, specs = units
    expected = _expected(specs)
    c = result
    assert c.ok and c.stats.files_ok == len(specs) + len(SAMPLES)
    assert c.stats.files_unreadable == 0
    rows = {r["单位"]: r for r in c.tables[UNITS_NAME].records(with_total=False)}
    assert set(rows) == set(expected)
    all_scores, all_b, all_e = [], [], []
    for unit, e in expected.items():
        r = rows[unit]
        assert r["项目数"] == len(e["scores"])
        # stored as shown: amounts to 4 decimals, scores to 2
        assert r["预算数合计（万元）"] == round(sum(e["budget"]), 4)
        assert r["执行数合计（万元）"] == round(sum(e["executed"]), 4)
        assert r["平均分"] == round(sum(e["scores"]) / len(e["scores"]), 2)
        weighted = sum(s * b for s, b in zip(e["scores"], e["budget"], strict=True)) / sum(e["budget"])
        assert r["预算加权平均分"] == round(weighted, 2)
        assert r["最高分"] == max(e["scores"]) and r["最低分"] == min(e["scores"])
        grades = Counter(_grade(s) for s in e["scores"])
        assert [r[g] for g in "优良中差"] == [grades[g] for g in "优良中差"]
        all_scores += e["scores"]
        all_b += e["budget"]
        all_e += e["executed"]
    total = c.tables[UNITS_NAME].total
    assert total[3] == len(all_scores)
    assert total[0] == "合计" and total[4] == round(sum(all_b), 4) and total[5] == round(sum(all_e), 4)
    assert c.stats.grades == {g: n for g, n in Counter(_grade(s) for s in all_scores).items()} | {
        g: c.stats.grades[g] for g in "优良中差" if g not in Counter(_grade(s) for s in all_scores)
    }
    overall = c.tables[GRADES_NAME].all_rows()[-1]  # 合计 last, as on every sheet
    assert overall[0] == "合计" and overall[2] == "全部单位" and overall[-2] == len(all_scores)


def test_every_project_once_with_its_source(units, result):
    _, specs = units
    detail = result.tables[DETAIL_NAME].records(with_total=False)
    assert len(detail) == sum(len(s.projects) for s in specs) + sum(len(s.projects) for s in SAMPLES)
    keys = Counter((r["单位"], r["项目名称"]) for r in detail)
    assert max(keys.values()) == 1
    r = next(r for r in detail if r["单位"] == specs[0].name)
    assert r["主管部门"] == specs[0].department
    assert r["来源文件"].endswith(specs[0].path.name) and r["工作表"] == "自评表1"
    p = specs[0].projects[0]
    assert r["预算数（万元）"] == p.budget and r["填报总分"] == p.total
    assert r["复核总分"] == round(p.recomputed, 2)
    assert r["差异"] == (round(p.total - p.recomputed, 2) or None)  # blank when they agree
    assert r["执行率"] == round(p.executed / p.budget, 4)


def test_findings_and_files_tables(units, result):
    files = result.tables[FILES_NAME].records(with_total=False)
    assert {f["状态"] for f in files} == {STATUS_OK}
    for f in files:
        assert len(f["SHA-256"]) == 64 and f["项目数"] >= 1
    findings = result.tables[FINDINGS_NAME].records(with_total=False)
    assert findings and all(f["严重程度"] in ("错误", "警告", "提示") for f in findings)
    assert all("!" in f["位置"] for f in findings if f["规则"].startswith("XP"))
    # the seed's known mistake (项目1 预算执行率 50% while 2/2 spent) is listed with its unit
    assert any(f["单位"] == "长安区委编办" and f["规则"] == "XP002" for f in findings)


def test_duplicates_flagged_not_summed(tmp_path, units):
    folder, specs = units
    src = specs[0].path
    (tmp_path / "a").mkdir()
    shutil.copy(src, tmp_path / "a" / src.name)
    shutil.copy(src, tmp_path / "a" / "再次报送.xlsx")  # the same file twice
    shutil.copy(specs[1].path, tmp_path / "a" / "b.xlsx")
    # the same unit + projects in a different file (different bytes: the totals cell differs)
    from benchmarks.unitgen import render, unit_spec

    _, vals, n = unit_spec(1, seed=7)
    vals["unit.phone"] = "另一个电话"
    (tmp_path / "a" / "b_修改后.xlsx").write_bytes(render(n, vals))
    c = consolidate_paths([tmp_path / "a"], jobs=1)
    files = {f["文件"].split("/")[-1]: f for f in c.tables[FILES_NAME].records(with_total=False)}
    pair = [files["再次报送.xlsx"], files[src.name]]  # the first in path order counts, the other is skipped
    assert sorted(f["状态"] for f in pair) == sorted([STATUS_OK, STATUS_SKIPPED])
    assert any("重复" in f["原因"] for f in pair)
    assert files["b_修改后.xlsx"]["计入汇总项目数"] == 0
    assert c.stats.projects == len(specs[0].projects) + len(specs[1].projects)
    assert c.stats.duplicate_files == 1 and c.stats.duplicate_projects == len(specs[1].projects)
    detail = c.tables[DETAIL_NAME].records(with_total=False)
    dups = [r for r in detail if r["备注"].startswith("重复")]
    assert len(dups) == len(specs[1].projects)
    rules = Counter(f["规则"] for f in c.tables[FINDINGS_NAME].records(with_total=False))
    assert rules["XC001"] == 1 and rules["XC002"] == len(specs[1].projects)
    unit_b = next(r for r in c.tables[UNITS_NAME].records(with_total=False) if r["单位"] == specs[1].name)
    assert unit_b["项目数"] == len(specs[1].projects)
    assert unit_b["预算数合计（万元）"] == pytest.approx(sum(p.budget for p in specs[1].projects))


def test_one_unit_however_its_brackets_and_code_are_typed(tmp_path):
    """单位汇总 groups units as the roster and the ledger match them: "【本级】" and "（本级）", or the
    一体化 code in front, are one unit (its two files' projects in one row), not two rows."""
    from benchmarks.unitgen import render, unit_spec

    names = ("长安区财政局【本级】", "219001-长安区财政局（本级）")
    for i, name in enumerate(names):
        _, vals, n = unit_spec(i, seed=3, projects=2)
        vals["unit.name"] = name
        for p in range(n):
            vals[f"p{p}.unit"] = name
            vals[f"p{p}.name"] = f"第{i}份的项目{p}"
        (tmp_path / f"{i}.xlsx").write_bytes(render(n, vals))
    c = consolidate_paths([tmp_path], jobs=1)
    rows = c.tables[UNITS_NAME].records(with_total=False)
    assert len(rows) == 1 and rows[0]["项目数"] == 4
    assert c.stats.projects == 4 and c.stats.duplicate_projects == 0


def test_lock_and_temp_files_listed_as_skipped(tmp_path, units):
    _, specs = units
    shutil.copy(specs[0].path, tmp_path / "u.xlsx")
    (tmp_path / "~$u.xlsx").write_bytes(b"\x00" * 165)
    (tmp_path / ".~lock.u.xlsx#").write_text("x")
    (tmp_path / "坏.docx").write_bytes(b"PK")
    letter = docx.Document()
    letter.add_paragraph("关于报送2020年度绩效自评材料的说明")
    letter.save(tmp_path / "说明.docx")
    (tmp_path / "旧表.xls").write_bytes(b"x")
    c = consolidate_paths([tmp_path], jobs=1)
    files = {Path(f.display).name: f for f in c.files}
    assert files["u.xlsx"].status == STATUS_OK
    for name in ("~$u.xlsx", ".~lock.u.xlsx#", "旧表.xls"):
        assert files[name].status == STATUS_SKIPPED and files[name].reason
    # Word files are reports now: a letter without a 自评表 is listed as skipped, a damaged one as unreadable
    assert files["说明.docx"].status == STATUS_SKIPPED
    assert files["说明.docx"].reason.startswith("文档中没有找到项目支出绩效自评表")
    assert files["坏.docx"].status == STATUS_UNREADABLE and "Word" in files["坏.docx"].reason
    assert skip_reason("~$报表.xlsx").startswith("Excel")


def test_units_come_from_the_unit_sheet_not_the_file_name(tmp_path, units):
    _, specs = units
    shutil.copy(specs[2].path, tmp_path / "随便起的名字.xlsx")
    c = consolidate_paths([tmp_path], jobs=1)
    assert c.tables[UNITS_NAME].rows[0][2] == specs[2].name


def test_outputs_xlsx_csv_json_and_inputs_untouched(tmp_path, units, result):
    folder, _ = units
    before = {p: _sha(p) for p in folder.rglob("*.xlsx")}
    out = write_summary(result, tmp_path / "汇总.xlsx")
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames[:5] == [DETAIL_NAME, UNITS_NAME, GRADES_NAME, FINDINGS_NAME, FILES_NAME]
    ws = wb[DETAIL_NAME]
    # the headers as printed may break before "（万元）"
    assert [c.value.replace("\n", "") for c in ws[3]] == [c.header for c in DETAIL_COLUMNS]
    assert ws.freeze_panes == "E4" and ws.auto_filter.ref.startswith("A3:")
    assert ws.cell(4, 5).number_format == "#,##0.00##" and ws.cell(4, 7).number_format == "0.00%"
    assert ws.max_row == 3 + len(result.tables[DETAIL_NAME].rows) + 2  # and the 合计 and 平均 rows
    assert [ws.cell(ws.max_row - 1, 1).value, ws.cell(ws.max_row, 1).value] == ["合计", "平均"]
    assert len(wb[GRADES_NAME]._charts) == 1 or _has_chart(out)
    assert wb["_xlperf"].sheet_state == "veryHidden"
    # csv: one file per table, utf-8-sig; json: the same tables
    csv_dir = write_summary(result, tmp_path / "csv", "csv")
    names = sorted(p.name for p in csv_dir.iterdir())
    assert names == sorted(f"{n}.csv" for n in result.tables)
    raw = (csv_dir / f"{UNITS_NAME}.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and "单位".encode() in raw
    data = json.loads(write_summary(result, tmp_path / "汇总.json").read_text("utf-8"))
    assert data["stats"]["projects"] == result.stats.projects
    assert len(data["tables"][DETAIL_NAME]["rows"]) == len(result.tables[DETAIL_NAME].rows)
    assert {p: _sha(p) for p in folder.rglob("*.xlsx")} == before


def _has_chart(path: Path) -> bool:
    import zipfile

    with zipfile.ZipFile(path) as z:
        return any(n.startswith("xl/charts/chart") for n in z.namelist())


def test_formula_like_text_stays_text(tmp_path):
    specs = generate(1, tmp_path / "in", seed=3, evil=True)
    c = consolidate_paths([tmp_path / "in"], jobs=1)
    name = specs[0].projects[0].name
    assert name.startswith("=")
    out = write_summary(c, tmp_path / "汇总.xlsx")
    ws = openpyxl.load_workbook(out)[DETAIL_NAME]
    cell = next(ws.cell(r, 4) for r in range(4, ws.max_row + 1) if ws.cell(r, 4).value == name)
    assert cell.data_type == "s" and cell.quotePrefix
    csv_text = (write_summary(c, tmp_path / "csv", "csv") / f"{DETAIL_NAME}.csv").read_text("utf-8-sig")
    assert "'" + name.replace('"', '""') in csv_text


def test_refuses_to_overwrite_an_input_and_skips_its_own_output(tmp_path, units):
    _, specs = units
    inp = tmp_path / "in"
    inp.mkdir()
    shutil.copy(specs[0].path, inp / "a.xlsx")
    c = consolidate_paths([inp], jobs=1)
    from xlperf.errors import OutputError

    with pytest.raises(OutputError):
        write_summary(c, inp / "a.xlsx")
    write_summary(c, inp / "汇总.xlsx")  # into the input folder
    again = consolidate_paths([inp], jobs=1)  # the summary is listed as skipped, not read as a unit
    own = next(f for f in again.files if f.display.endswith("汇总.xlsx"))
    assert own.status == STATUS_SKIPPED and own.is_summary
    assert again.stats.projects == c.stats.projects
    write_summary(again, inp / "汇总.xlsx")  # and may be replaced by the next run


def test_project_rows_is_the_detail_table_of_one_workbook():
    v = api.validate_file(SAMPLES_DIR / "西安市雁塔区教育局_2020.xlsx")
    rows = project_rows(v)
    assert rows[0] == [c.header for c in DETAIL_COLUMNS]
    assert len(rows) == 1 + len(v.projects)
    assert rows[1][2] == "西安市雁塔区教育局" and rows[1][-1] == "自评表1"


def test_pool_and_in_process_agree(units):
    folder, _ = units
    a = consolidate_paths([folder], jobs=1)
    b = consolidate_paths([folder], jobs=2)
    for name in a.tables:
        assert a.tables[name].rows == b.tables[name].rows


def test_progress_callback(units):
    folder, specs = units
    seen = []
    consolidate_paths([folder], jobs=1, progress=lambda done, total, name: seen.append((done, total)))
    n = len(specs) + len(SAMPLES)
    assert seen[-1] == (n, n) and len(seen) == n


def test_cli(tmp_path, units):
    folder, _ = units
    runner = CliRunner()
    out = tmp_path / "汇总.xlsx"
    r = runner.invoke(cli, ["consolidate", str(folder), "-o", str(out), "--jobs", "1"])
    assert r.exit_code == 0, r.output
    assert "已汇总" in r.output and "已写出汇总表" in r.output and out.exists()
    r = runner.invoke(cli, ["consolidate", str(folder), "-o", str(tmp_path / "j.json")])
    assert r.exit_code == 0 and json.loads((tmp_path / "j.json").read_text("utf-8"))["stats"]["units"] > 0
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "坏文件.xlsx").write_bytes(b"not a zip")
    r = runner.invoke(cli, ["consolidate", str(empty), "-o", str(tmp_path / "x.xlsx")])
    assert r.exit_code == 2 and "没有可以汇总的工作簿" in r.output
    assert not (tmp_path / "x.xlsx").exists()
    r = runner.invoke(cli, ["consolidate", "--help"])
    assert r.exit_code == 0 and "xlperf consolidate" in r.output


# --- failures are one Chinese line; temporaries are never inputs ------------------------------------


def test_csv_under_a_folder_that_cannot_be_made_is_one_line(tmp_path, units, monkeypatch):
    import tempfile

    folder, specs = units

    def denied(*a, **kw):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(tempfile, "mkdtemp", denied)
    r = CliRunner().invoke(
        cli, ["consolidate", str(specs[0].path), "-o", str(tmp_path / "csv"), "--format", "csv"]
    )
    assert r.exit_code == 2
    assert r.output.strip().startswith("错误：") and "没有写入权限" in r.output
    assert len(r.output.strip().splitlines()) == 1 and "Traceback" not in r.output


def test_an_unexpected_error_is_one_line_too(tmp_path, units, monkeypatch):
    import xlperf.cli.consolidate_cmd as cmd

    folder, specs = units
    monkeypatch.delenv("XLPERF_DEBUG", raising=False)
    monkeypatch.setattr(cmd, "consolidate_paths", lambda *a, **kw: 1 / 0)
    r = CliRunner().invoke(cli, ["consolidate", str(specs[0].path), "-o", str(tmp_path / "x.xlsx")])
    assert r.exit_code == 2
    assert r.output.strip().splitlines() == [r.output.strip()] and "程序内部错误" in r.output


def test_a_bad_output_is_refused_before_reading(tmp_path, units, monkeypatch):
    import xlperf.cli.consolidate_cmd as cmd

    folder, _ = units
    monkeypatch.setattr(
        cmd, "consolidate_paths", lambda *a, **kw: pytest.fail("read before checking the output")
    )
    r = CliRunner().invoke(cli, ["consolidate", str(folder), "-o", str(tmp_path / "无此文件夹" / "x.xlsx")])
    assert r.exit_code == 2 and "输出文件夹不存在" in r.output


KILLED_XLSX = r"""
import sys, time
from xlperf.consolidate import consolidate_paths
from xlperf.writers import summary
c = consolidate_paths([sys.argv[1]], jobs=1)
real = summary.write_xlsx
def slow(c, tmp):
    real(c, tmp)
    print(tmp, flush=True)
    time.sleep(60)  # killed before the temporary is moved into place
summary.write_xlsx = slow
summary.write_summary(c, sys.argv[2])
"""


def test_a_killed_xlsx_write_leaves_a_temporary_that_is_never_read(tmp_path, units):
    import os
    import signal
    import subprocess
    import time

    from xlperf.safe_io import STALE_SECONDS

    _, specs = units
    inbox = tmp_path / "报送"
    inbox.mkdir()
    shutil.copy(specs[0].path, inbox / specs[0].path.name)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-c", KILLED_XLSX, str(inbox), str(inbox / "汇总.xlsx")],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    tmp = Path(proc.stdout.readline().strip())
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(30)
    proc.stdout.close()
    assert tmp.exists() and tmp.name.startswith(".~xlperf-") and not (inbox / "汇总.xlsx").exists()
    # the temporary is a complete summary workbook: it must be listed, not read as a unit's input
    c = consolidate_paths([inbox], jobs=1)
    f = next(f for f in c.files if Path(f.display).name == tmp.name)
    assert f.status == STATUS_SKIPPED and "临时文件" in f.reason
    assert c.stats.projects == len(specs[0].projects)
    old = time.time() - STALE_SECONDS - 5
    os.utime(tmp, (old, old))
    write_summary(c, inbox / "汇总.xlsx")  # the next write into the folder removes the stale one
    assert not tmp.exists() and (inbox / "汇总.xlsx").exists()


def test_a_folder_that_cannot_be_opened_is_listed(tmp_path, units, monkeypatch):
    import os

    from xlperf.consolidate import STATUS_UNREADABLE, collect

    _, specs = units
    inbox = tmp_path / "报送"
    (inbox / "锁住的").mkdir(parents=True)
    shutil.copy(specs[0].path, inbox / "锁住的" / "a.xlsx")
    shutil.copy(specs[1].path, inbox / "b.xlsx")
    real = os.scandir

    def scandir(path):
        if Path(path).name == "锁住的":
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)
    entries = {Path(d).name: rec for _, d, rec in collect([inbox])}
    assert entries["b.xlsx"] is None
    assert entries["锁住的"].status == STATUS_UNREADABLE and "权限" in entries["锁住的"].reason


def test_duplicates_within_a_workbook_and_a_report_that_only_repeats_it():
    """Pure records: the same project on two sheets of one workbook is an XC002 naming what differs; a
    Word report of the same unit whose one project equals the workbook's first sheet accompanies it
    (已跳过, no finding); a report project with another total is an XC002 again."""
    from xlperf.consolidate import FileResult, ProjectRecord, mark_duplicates

    def rec(sheet: str, total: float) -> ProjectRecord:
        return ProjectRecord(sheet, "同名项目", 1.0, 1.0, 1.0, 1.0, 1.0, {}, total, total, "优")

    book = FileResult(
        "/a.xlsx",
        "a.xlsx",
        STATUS_OK,
        unit="单位",
        sha256="1",
        projects=(rec("自评表1", 90), rec("自评表2", 91)),
    )
    same = FileResult("/b.docx", "b.docx", STATUS_OK, unit="单位", sha256="2", projects=(rec("表1", 90),))
    other = FileResult("/c.docx", "c.docx", STATUS_OK, unit="单位", sha256="3", projects=(rec("表1", 88),))
    out, notes = mark_duplicates([same, book, other])
    assert [f.status for f in out] == [STATUS_SKIPPED, STATUS_OK, STATUS_OK]
    assert out[0].reason == "单位的 Word 报告，1 个项目与“a.xlsx”中的相同，以工作簿为准，未重复汇总"
    assert [p.duplicate_of for p in out[1].projects] == ["", "a.xlsx!自评表1"]
    assert [(x.sheet, x.rule) for _, x in notes] == [("自评表2", "XC002"), ("表1", "XC002")]
    assert "两处不一致：填报总分 91 / 90、复核总分 91 / 90" in notes[0][1].message
    assert "两处不一致：填报总分 88 / 90、复核总分 88 / 90" in notes[1][1].message
    # an amount left blank on one side only is a difference too, shown as （空）
    blank = FileResult("/d.docx", "d.docx", STATUS_OK, unit="单位", sha256="4",
                       projects=(replace(rec("表1", 90), budget=None),))  # fmt: skip
    out, notes = mark_duplicates([book, blank])
    assert out[1].status == STATUS_OK and notes[-1][1].message.endswith("两处不一致：预算数 （空） / 1")


@pytest.mark.skipif(
    __import__("platform").libc_ver()[0] != "glibc", reason="glibc's heap (Linux: UOS, Kylin, Debian)"
)
def test_a_worker_keeps_freed_heap_for_the_next_file():
    """Each file's read allocates and frees about a megabyte in large blocks; with glibc's defaults the
    next file faults the same pages in again (about 80 page faults a read of a sample, 0.3 ms of system
    time a file on the 1000-unit benchmark). A pool worker keeps that memory for the next file: the
    samples read again and again, in a fresh interpreter, before and after the worker's initializer."""
    import subprocess

    code = (
        "import glob, resource\n"
        "from xlperf.consolidate.read import _worker_init, read_unit_file\n"
        f"files = sorted(glob.glob({str(ROOT / 'workbooks' / 'samples' / '*.xlsx')!r}))\n"
        "def faults(rounds):\n"
        "    r0 = resource.getrusage(resource.RUSAGE_SELF).ru_minflt\n"
        "    for _ in range(rounds):\n"
        "        for f in files:\n"
        "            assert read_unit_file(f).status == '已汇总'\n"
        "    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt - r0\n"
        "faults(2)\n"
        "before = faults(5)\n"
        "_worker_init()\n"
        "faults(2)\n"
        "print(len(files), before, faults(5))\n"
    )
    # glibc's own settings from the environment would change what the defaults are
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MALLOC_", "GLIBC_TUNABLES"))}
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
    n, before, after = map(int, r.stdout.split())
    assert n >= 3, r.stdout
    assert before >= 10 * 5 * n, r.stdout  # the defaults: pages given back and faulted in, every read
    assert after < before / 10, r.stdout  # kept for the next read


def test_keeping_freed_heap_is_set_where_the_c_library_is_glibcs():
    import platform

    from xlperf.consolidate.read import keep_heap

    assert keep_heap() is (sys.platform.startswith("linux") and platform.libc_ver()[0] == "glibc")
