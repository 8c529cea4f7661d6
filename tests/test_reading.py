"""What reviewers and directors read (issue 22): the summary's titles and headers, the 校验结果 sheet,
the report's sentences against its tables, the review notes apart from the report, the terminal's help
at the terminal's width. Layouts are checked with a serif CJK stand-in for 宋体/仿宋 (tests/fonts/
serif-cjk.conf: Noto Serif CJK, the face 信创 PCs without the Windows fonts have)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from xlperf.consolidate import DETAIL_NAME, FINDINGS_NAME, consolidate_paths
from xlperf.writers import summary
from xlperf.writers.summary import write_summary

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "workbooks" / "samples"
SERIF_CJK = Path(__file__).with_name("fonts") / "serif-cjk.conf"
sys.path.insert(0, str(ROOT))
from benchmarks.unitgen import render, unit_spec  # noqa: E402


@pytest.fixture(scope="module")
def samples():
    return consolidate_paths([SAMPLES], jobs=1, issuer="长安区财政局")


# --- the summary -------------------------------------------------------------------------------------


def test_titles_carry_the_year_and_the_issuer(samples, tmp_path):
    assert samples.year == "2020" and samples.issuer == "长安区财政局"
    for name, t in samples.tables.items():
        assert t.title == f"长安区财政局2020年度项目支出绩效自评汇总表——{name}"
    wb = openpyxl.load_workbook(write_summary(samples, tmp_path / "汇总.xlsx"))
    assert all(wb[name]["A1"].value == t.title for name, t in samples.tables.items())
    plain = consolidate_paths([SAMPLES], jobs=1)
    assert plain.tables[DETAIL_NAME].title == "2020年度项目支出绩效自评汇总表——项目明细"


def test_the_issuer_option(tmp_path):
    from click.testing import CliRunner

    from xlperf.cli import cli

    out = tmp_path / "汇总.xlsx"
    r = CliRunner().invoke(cli, ["consolidate", str(SAMPLES), "-o", str(out), "--issuer", "雁塔区财政局"])
    assert r.exit_code == 0, r.output
    assert openpyxl.load_workbook(out)[DETAIL_NAME]["A1"].value.startswith("雁塔区财政局2020年度")


def test_mixed_years_are_a_finding(tmp_path):
    """Two units of 2024, one of 2023: the title says 2024, the third workbook is an XC007."""
    for i, year in enumerate((2024, 2024, 2023)):
        spec, vals, n = unit_spec(i, seed=5)
        vals["unit.year"] = year
        (tmp_path / f"{vals['unit.name']}.xlsx").write_bytes(render(n, vals))
    c = consolidate_paths([tmp_path], jobs=1)
    assert c.year == "2024" and c.tables[DETAIL_NAME].title.startswith("2024年度")
    xc = [r for r in c.tables[FINDINGS_NAME].records(with_total=False) if r["规则"] == "XC007"]
    assert len(xc) == 1 and xc[0]["应为"] == "2024" and xc[0]["实为"] == "2023"
    assert "年度不一致" in xc[0]["说明"] and xc[0]["严重程度"] == "警告"
    assert any(
        line.startswith("年度不一致：2024 年度 2 个文件；2023 年度 1 个文件") for line in c.summary_lines()
    )
    same = consolidate_paths([SAMPLES], jobs=1)
    assert not [r for r in same.tables[FINDINGS_NAME].rows if r[4] == "XC007"]


def test_headers_break_between_words_and_fit(samples):
    """ "严重程/度" and "预算加权平/均分" were cut where the office suite wrapped them: every header now
    fits its column, on lines that are whole words, never one character alone."""
    words = set(summary.HEADER_WORDS)
    for t in samples.tables.values():
        for col in t.columns:
            label = summary.header_label(col)
            assert label.replace("\n", "") == col.header
            assert summary.header_fits(col), (t.name, col.header, label)
            lines = label.split("\n")
            assert len(lines) <= 4, (col.header, label)
            if len(lines) > 1:
                assert all(len(x) > 1 for x in lines), (col.header, label)
                # each break falls between two of the words
                cut = 0
                for line in lines[:-1]:
                    cut += len(line)
                    before, after = col.header[:cut], col.header[cut:]
                    assert any(before.endswith(w) for w in words) or any(
                        after.startswith(w) for w in words
                    ), (
                        col.header,
                        label,
                    )
    labels = {c.header: summary.header_label(c) for t in samples.tables.values() for c in t.columns}
    assert labels["严重程度"] == "严重\n程度"
    assert labels["预算加权平均分"] == "预算加权\n平均分"
    assert labels["预算执行率指标得分"] == "预算\n执行率\n指标\n得分"
    assert labels["预算数（万元）"] == "预算数\n（万元）"


def test_text_is_indented_from_the_number_left_of_it(samples, tmp_path):
    """ "100.00%陕西": a number right-aligned against its border, the text left-aligned against the same
    border. Text cells are indented one level; numbers are not."""
    ws = openpyxl.load_workbook(write_summary(samples, tmp_path / "汇总.xlsx"))[DETAIL_NAME]
    heads = [str(c.value).replace("\n", "") for c in ws[3]]
    row = 4
    assert ws.cell(row, heads.index("执行率") + 1).alignment.indent == 0
    assert ws.cell(row, heads.index("评分方案") + 1).alignment.horizontal == "center"
    for h in ("主管部门", "单位", "项目名称"):
        cell = ws.cell(row, heads.index(h) + 1)
        assert cell.alignment.horizontal == "left" and cell.alignment.indent >= 1, h
    # the centred label of the 合计 and 平均 rows has room in the narrow 序号 column
    labels = [ws.cell(r, 1) for r in range(4, ws.max_row + 1) if ws.cell(r, 1).value in ("合计", "平均")]
    assert [c.value for c in labels] == ["合计", "平均"]
    assert all(c.alignment.horizontal == "center" for c in labels)


def _pdf_pages(pdf: Path) -> list[str]:
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return ["".join(p.split()) for p in text.split("\f") if p.strip()]


@pytest.mark.libreoffice
def test_detail_of_the_samples_on_one_page_with_a_serif_stand_in(samples, soffice, tmp_path, monkeypatch):
    """With 宋体 drawn by a serif CJK stand-in, 项目明细 of the 13 sample projects spilled onto a second
    page; it is one page, its 合计 and 平均 rows included, every other sheet starting on its own page."""
    from xlperf.libreoffice import convert

    monkeypatch.setenv("FONTCONFIG_FILE", str(SERIF_CJK))
    pdf = convert(write_summary(samples, tmp_path / "汇总.xlsx"), "pdf", tmp_path)
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "NotoSerifCJK" in fonts  # the stand-in drew the text
    pages = _pdf_pages(pdf)
    first = pages[0]
    assert first.startswith("长安区财政局2020年度项目支出绩效自评汇总表——项目明细")
    names = [r[3] for r in samples.tables[DETAIL_NAME].rows]
    assert all(n in first for n in names) and "合计" in first and "各项目平均分" in first
    assert pages[1].startswith("长安区财政局2020年度项目支出绩效自评汇总表——单位汇总")


def test_rule_catalogue_has_xc007():
    from xlperf.docs import consolidation_rules_markdown

    assert "| XC007 | 年度不一致 | 警告 |" in consolidation_rules_markdown()


def test_json_states_the_year(samples, tmp_path):
    import json

    data = json.loads(write_summary(samples, tmp_path / "汇总.json").read_text("utf-8"))
    assert data["stats"]["year"] == "2020" and data["stats"]["years"] == {"2020": 3}
    assert data["tables"][DETAIL_NAME]["average"]["核定总分"] == samples.tables[DETAIL_NAME].average[15]


# --- the report: its sentences against its tables ------------------------------------------------------

REVIEW_WORDS = ("核对", "应为", "未填写", "不符", "超出该指标分值", "多计", "相抵", "校验")


def _report(path: Path, tmp_path: Path):
    from docx import Document

    from xlperf import api
    from xlperf.writers.report import write_report

    v = api.validate_file(path)
    out = write_report(v, tmp_path / f"{path.stem}.docx")
    return v, Document(str(out))


def _projects(doc) -> list[tuple[list[list[str]], str]]:
    """Each project's table (rows of cell texts, its two Word tables joined) and the conclusion after it."""
    from docx.oxml.ns import qn

    body = list(doc.element.body)
    out, rows = [], []
    for i, el in enumerate(body):
        if el.tag == qn("w:tbl"):
            rows += [
                ["".join(t.text or "" for t in tc.iter(qn("w:t"))) for tc in tr.iter(qn("w:tc"))]
                for tr in el.iter(qn("w:tr"))
            ]
            nxt = body[i + 1] if i + 1 < len(body) else None
            text = "".join(t.text or "" for t in nxt.iter(qn("w:t"))) if nxt is not None else ""
            if text:  # the conclusion (not the 1-point paragraph between the two parts)
                out.append((rows, text))
                rows = []
    return out


def _number(text: str) -> float:
    return float(text.replace(",", "").rstrip("%"))


@pytest.mark.parametrize("sample", sorted(p.name for p in SAMPLES.glob("*.xlsx")))
def test_report_sentences_agree_with_its_tables(sample, tmp_path):
    """Every project's conclusion states the score the table ends with (总分, or the 核定总分 row where
    the approved score differs), the grade of that score, the table's amounts and rate; 二、 says "未发现
    偏离绩效目标较大的项目" only when no table shows a completion clearly short of its target, and names
    the rows that do with the values the tables show; no review wording in the text sent upward."""
    v, doc = _report(SAMPLES / sample, tmp_path)
    projects = _projects(doc)
    assert len(projects) == len(v.projects)
    texts = [p.text for p in doc.paragraphs]
    for (rows, conclusion), pr in zip(projects, v.projects, strict=True):
        last = rows[-1]
        stated = re.search(r"(?:得分为|核定总分为)([\d.]+)分，等级为“(.)”", conclusion)
        assert stated, conclusion
        assert float(stated.group(1)) == round(pr.total_capped, 2)  # the 核定总分
        assert last[1].startswith(("总分", "核定总分")) and _number(last[-2] or last[-1]) == float(
            stated.group(1)
        )
        assert v.preset.grade(float(stated.group(1))) == stated.group(2)
        amounts = re.search(r"项目预算数([\d.]+)万元，执行数([\d.]+)万元，预算执行率([\d.]+%)", conclusion)
        if amounts:
            budget_row = rows[2]
            assert _number(amounts.group(1)) == _number(budget_row[2]) and _number(
                amounts.group(2)
            ) == _number(budget_row[6])
            assert amounts.group(3) == budget_row[-1]
        for word in REVIEW_WORDS:
            assert word not in conclusion, (word, conclusion)
    achievement = "".join(
        texts[texts.index("二、绩效目标实现情况") + 1 : texts.index("三、绩效目标设定质量情况")]
    )
    from xlperf.report_text import report_facts

    facts = report_facts(v)
    short = [(p, s) for p in facts.projects for s in p.shortfalls]
    assert ("未发现偏离绩效目标较大的项目" in achievement) == (
        not short and not facts.low_rate_projects and not facts.weak_projects
    )
    for p, s in short:
        # the row the sentence names is in the project's table with the values it states
        rows = projects[facts.projects.index(p)][0]
        assert any(s.name in r and s.actual in r and s.target in r for r in rows), (s, p.name)
    body = "".join(texts)
    for word in REVIEW_WORDS:
        assert word not in body, word


def test_the_seed_report_no_longer_claims_no_deviation(tmp_path):
    """Table 1 shows 预算执行率 50 % against 100 %: 二、 says so instead of "未发现偏离绩效目标较大的项目"."""
    v, doc = _report(SAMPLES / "长安区委编办_2020.xlsx", tmp_path)
    texts = [p.text for p in doc.paragraphs]
    achievement = "".join(
        texts[texts.index("二、绩效目标实现情况") + 1 : texts.index("三、绩效目标设定质量情况")]
    )
    assert "未发现偏离绩效目标较大的项目" not in achievement
    assert "“机构编制管理工作监督检查”的“预算支出进度执行率”实际完成50%、预期100%" in achievement
    assert "按核定总分计，平均得分93.08分，其中等级为“优”的3个、等级为“良”的1个" in achievement


# --- the 校验结果 sheet -------------------------------------------------------------------------------


def _luma(rgb: str) -> float:
    r, g, b = (int(rgb[i : i + 2], 16) for i in (0, 2, 4))
    return (0.299 * r + 0.587 * g + 0.114 * b) / 255


def test_marks_and_the_templates_fills_apart_in_grey_print():
    """Orange warnings and the pale-yellow input cells looked alike printed in grey: the severities are
    now darker than the template's fills and apart from each other in lightness."""
    from xlperf.core.plan import PALETTE, TEMPLATE_FILLS

    e, w, i = (_luma(PALETTE[k]) for k in ("error", "warning", "info"))
    lightest_template = min(_luma(x) for x in TEMPLATE_FILLS.values())
    assert e + 0.1 <= w and w + 0.1 <= i and i + 0.15 <= lightest_template, (e, w, i, lightest_template)


@pytest.mark.parametrize("sample", sorted(p.name for p in SAMPLES.glob("*.xlsx")))
def test_result_sheet_says_where_in_words_and_each_clause_once(sample):
    from xlperf import api
    from xlperf.core.plan import build_plan
    from xlperf.core.results_table import repeated_clauses

    v = api.validate_file(SAMPLES / sample)
    rs = build_plan(v).result_sheet
    u = v.workbook.unit
    assert rs.rows[0][0].startswith(f"{u.name}{u.year}年度绩效自评表校验结果：共 {len(v.projects)} 个项目")
    rows = rs.rows[3:] if v.findings else []
    sheets = {pr.project.sheet for pr in v.projects}
    for f, row in zip(v.findings, rows, strict=True):
        if f.cell and f.sheet in sheets:
            assert re.fullmatch(rf"{re.escape(f.sheet)} {f.cell}（[^（）]+ ?[^（）]*）", row[4]), row[4]
        assert not re.search(r"X[PC]\d{3}", "".join(str(x) for x in row))
    text = "".join(str(r[5]) for r in rows)
    for clause in repeated_clauses(v):
        assert text.count(clause) <= 1, clause


@pytest.mark.libreoffice
@pytest.mark.parametrize("fonts", ["serif-cjk", "default"])
def test_the_seeds_27_findings_print_on_two_pages(soffice, tmp_path, monkeypatch, fonts):
    """Rows sized to their text: the seed's 27 findings on two A4 landscape pages (three before, with a
    line or two of blank in most rows), every character at 8 pt or more, the unit and year on each."""
    from xlperf import api
    from xlperf.libreoffice import convert
    from xlperf.writers import annotate
    from xlperf.writers import ooxml as ox

    if fonts == "serif-cjk":
        monkeypatch.setenv("FONTCONFIG_FILE", str(SERIF_CJK))
    src = SAMPLES / "长安区委编办_2020.xlsx"
    copy = annotate.write_annotated_copy(api.validate_file(src), src, tmp_path / "校验.xlsx").path
    pkg = ox.Package.open(copy)
    book = annotate.Book(pkg)
    annotate.remove_sheets(pkg, book, {e.name for e in book.sheets if e.name != "校验结果"})
    alone = tmp_path / "alone.xlsx"
    pkg.save(alone)
    pdf = convert(alone, "pdf", tmp_path / "pdf")
    pages = _pdf_pages(pdf)
    assert len(pages) == 2
    assert all(p.startswith("长安区委编办2020年度绩效自评表校验结果") for p in pages)
    from pdfminer.high_level import extract_pages
    from pdfminer.layout import LTChar

    for page in extract_pages(str(pdf)):
        todo, sizes = [page], []
        while todo:
            o = todo.pop()
            if isinstance(o, LTChar) and o.get_text().strip():
                sizes.append(o.size)
            elif hasattr(o, "__iter__"):
                todo.extend(o)
        assert min(sizes) >= 8.0, min(sizes)
    joined = "".join(pages)
    assert "自评表2I24（社会效益指标" in joined and "XP0" not in joined  # (a cell's lines interleave)


# --- the terminal --------------------------------------------------------------------------------------


def _help(columns: int, *args: str) -> str:
    import os

    env = {**os.environ, "COLUMNS": str(columns)}
    done = subprocess.run(
        [sys.executable, "-m", "xlperf", *args, "--help"], capture_output=True, text=True, env=env, check=True
    )
    return done.stdout


@pytest.mark.parametrize("columns", [80, 120])
def test_help_wraps_at_the_terminals_width(columns):
    """`xlperf --help` wrapped at 80 columns in any terminal and cut import's description at "装有
    LibreOffice 时也可..."; it now uses the terminal's width and never cuts a command's description."""
    from xlperf.cli.zh import display_width

    for args in ((), ("validate",), ("consolidate",), ("report",)):
        text = _help(columns, *args)
        widths = [display_width(line) for line in text.splitlines()]
        assert max(widths) <= columns, (args, max(widths))
        if columns > 80:
            assert max(widths) > 80, args  # the room is used
    top = _help(columns)
    assert "..." not in top.split("命令：", 1)[1]  # (the usage line has its "[参数]...")
    flat = "".join(top.split())
    assert "import把单位报送的自评表（Word报告或各种表样的工作簿）导入标准模板。" in flat
    if columns == 120:
        line = next(x for x in top.splitlines() if x.lstrip().startswith("import"))
        assert line.rstrip().endswith("导入标准模板。")  # one line at 120 columns


def test_output_piped_into_more_still_fits_the_screen():
    """`xlperf validate x | more`: stdout is a pipe, the terminal is on stderr; its width is used
    (was 100 whatever the terminal)."""
    import fcntl
    import os
    import pty
    import struct
    import termios

    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 87, 0, 0))
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}
    try:
        done = subprocess.run(
            [sys.executable, "-c", "from xlperf.cli.zh import screen_width; print(screen_width())"],
            stdout=subprocess.PIPE, stderr=slave, stdin=subprocess.DEVNULL, env=env, text=True, check=True,
        )  # fmt: skip
    finally:
        os.close(slave)
        os.close(master)
    assert done.stdout.strip() == "87"


def test_the_forms_grade_row_says_which_figure_counts():
    """核定总分 beside 建议得分, 等级 "优" beside "良": the form says that the 自评得分 column counts."""
    from xlperf.writers.template import GRADE_NOTE, project_layouts

    wb = openpyxl.load_workbook(SAMPLES / "长安区委编办_2020.xlsx")
    lay = project_layouts(wb)[0]
    row = [c.value for c in wb[lay.sheet][lay.grade_row]]
    assert GRADE_NOTE in row and "核定总分和等级为准" in GRADE_NOTE and "仅供参考" in GRADE_NOTE
