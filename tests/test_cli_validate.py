"""``xlperf validate``: exit codes, text and JSON output, the marked copy; inputs untouched."""

from __future__ import annotations

import hashlib
import json

import openpyxl
import pytest
from click.testing import CliRunner

from xlperf.cli import cli

from factory import clean_rows, write_xlsx

UNIT = {"单位名称": "某某局", "主管部门": "某某市", "年度": "2020", "评分方案": "national"}


def _sha(p):
    return hashlib.sha256(p.read_bytes()).hexdigest()


@pytest.fixture
def clean_xlsx(tmp_path):
    return write_xlsx(tmp_path / "clean.xlsx", clean_rows(), unit=UNIT)


@pytest.fixture
def bad_xlsx(tmp_path):
    rows = clean_rows()
    rows[-1][7] = 98  # 总分 ≠ Σ
    rows[6][6] = "约两万"  # 执行数 unreadable
    return write_xlsx(tmp_path / "bad.xlsx", rows, unit=UNIT)


def run(*args):
    return CliRunner().invoke(cli, list(map(str, args)), catch_exceptions=False)


def test_clean_exit_0(clean_xlsx):
    r = run("validate", clean_xlsx, "--preset", "shaanxi")
    assert r.exit_code == 0, r.output
    assert "未发现问题" in r.output and "某某局" in r.output


def test_errors_exit_1_and_json_shape(bad_xlsx):
    r = run("validate", bad_xlsx, "--format", "json", "--preset", "shaanxi")
    assert r.exit_code == 1
    data = json.loads(r.stdout)
    (f,) = data["files"]
    assert set(f) >= {"path", "unit", "year", "projects", "findings"}
    (p,) = f["projects"]
    assert set(p) >= {
        "sheet",
        "name",
        "budget",
        "arrived",
        "executed",
        "execution_rate",
        "total_reported",
        "total_recomputed",
        "grade",
    }
    assert p["total_reported"] == 98 and p["total_recomputed"] == 100 and p["grade"] == "优"
    rules = {(x["rule"], x["cell"]) for x in f["findings"]}
    assert ("XP007", "H25") in rules and ("XP015", "G7") in rules
    for x in f["findings"]:
        assert set(x) == {"rule", "severity", "sheet", "cell", "project", "expected", "found", "message"}
        assert x["severity"] in ("error", "warning", "info")


def test_rates_are_fractions(clean_xlsx):
    data = json.loads(run("validate", clean_xlsx, "--format", "json").stdout)
    assert data["files"][0]["projects"][0]["execution_rate"] == 1.0


@pytest.mark.parametrize(
    ("content", "reason"),
    [(b"", "空"), (b"not a zip at all", "不是有效的 xlsx"), (b"PK\x03\x04broken", "损坏")],
)
def test_unreadable_exit_2_one_line(tmp_path, content, reason):
    p = tmp_path / "x.xlsx"
    p.write_bytes(content)
    r = run("validate", p)
    assert r.exit_code == 2
    assert reason in r.output and "Traceback" not in r.output


def test_not_this_form_exit_2(tmp_path):
    p = write_xlsx(tmp_path / "other.xlsx", [["姓名", "电话"], ["张三", "123"]])
    r = run("validate", p)
    assert r.exit_code == 2 and "没有找到项目支出绩效自评表" in r.output


def test_marked_copy(bad_xlsx, tmp_path):
    before = _sha(bad_xlsx)
    out = tmp_path / "marked.xlsx"
    r = run("validate", bad_xlsx, "-o", out)
    assert r.exit_code == 1
    assert _sha(bad_xlsx) == before
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames[0] == "校验结果"
    ws = wb["校验结果"]
    assert [c.value.replace("\n", "") for c in ws[3]][:3] == ["序号", "严重程度", "规则"]
    links = {
        ws.cell(r, 5).value: ws.cell(r, 1).hyperlink.location
        for r in range(4, ws.max_row + 1)
        if ws.cell(r, 1).hyperlink
    }
    assert links["自评表1 H25（总分）"] == "'自评表1'!H25"
    marked = wb["自评表1"]["H25"]
    assert marked.comment is not None and "XP007" in marked.comment.text
    assert marked.value == 98  # values never changed
    assert wb["自评表1"]["G7"].value == "约两万"


def test_refuses_to_overwrite_input(bad_xlsx):
    r = run("validate", bad_xlsx, "-o", bad_xlsx)
    assert r.exit_code == 2 and "不能与输入文件相同" in r.output


def test_unknown_preset_exit_2(clean_xlsx):
    r = run("validate", clean_xlsx, "--preset", "nowhere")
    assert r.exit_code == 2 and "找不到评分方案" in r.output


def test_folder_is_expanded(tmp_path):
    d = tmp_path / "units"
    (d / "sub").mkdir(parents=True)
    write_xlsx(d / "a.xlsx", clean_rows(), unit=UNIT)
    rows = clean_rows()
    rows[-1][7] = 98
    write_xlsx(d / "sub" / "b.xlsx", rows, unit=UNIT)
    (d / "~$a.xlsx").write_bytes(b"lock")
    (d / "notes.txt").write_text("x")
    r = run("validate", d, "--format", "json", "--preset", "shaanxi")
    assert r.exit_code == 1
    assert sorted(p["path"].replace("\\", "/").split("/")[-1] for p in json.loads(r.stdout)["files"]) == [
        "a.xlsx",
        "b.xlsx",
    ]


def test_empty_folder_exit_2(tmp_path):
    r = run("validate", tmp_path)
    assert r.exit_code == 2 and "没有找到" in r.output


def test_control_characters_do_not_stop_the_outputs(tmp_path):
    """A name pasted with a control character (Excel keeps it as _x0007_) must not crash -o or report."""
    rows = clean_rows()
    rows[3][1] = "干部_x0007_教育培训"  # how Excel stores \x07; python-calamine decodes it
    rows[-1][7] = 98
    src = write_xlsx(tmp_path / "c.xlsx", rows, unit=UNIT)
    r = run("validate", src, "-o", tmp_path / "marked.xlsx")
    assert r.exit_code == 1 and (tmp_path / "marked.xlsx").is_file()
    r = run("report", src, "-o", tmp_path / "r.docx")
    assert r.exit_code == 0, r.output
    assert (tmp_path / "r.docx").is_file()


def test_report_keeps_a_polished_report_unless_forced(clean_xlsx, tmp_path):
    out = tmp_path / "r.docx"
    assert run("report", clean_xlsx, "-o", out).exit_code == 0
    out.write_bytes(b"polished by hand")
    r = run("report", clean_xlsx, "-o", out)
    assert r.exit_code == 2 and "已存在" in r.output and out.read_bytes() == b"polished by hand"
    assert run("report", clean_xlsx, "-o", out, "--force").exit_code == 0
    assert out.read_bytes() != b"polished by hand"


def test_marked_copy_must_be_a_workbook(bad_xlsx, tmp_path):
    r = run("validate", bad_xlsx, "-o", tmp_path / "x.docx")
    assert r.exit_code == 2 and ".xlsx" in r.output and not (tmp_path / "x.docx").exists()
