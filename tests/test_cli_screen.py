"""The terminal as users read it: click's own words in Chinese, help columns aligned in display cells,
Chinese wrapped where it can wrap, validate's screen (grouped cells, each long explanation once, totals
and a hint last), consolidate saying what is missing before any total, -o never over a file without
--force. The same screens are looked at in tmux at 80 and 120 columns (see the closing note of issue 12)."""

from __future__ import annotations

import re
import shutil

import pytest
from click.testing import CliRunner

from xlperf.cli import COMMANDS, cli
from xlperf.cli.zh import NO_LINE_END, NO_LINE_START, display_width, fill

ENGLISH = re.compile(
    r"INTEGER|FLOAT|TEXT\b|RANGE|NAME\|PATH|FILE\b|FOLDER|Usage|Options|\[default|required\]|<=x"
)


def run(args, width=80, **kw):
    return CliRunner().invoke(
        cli, args, prog_name="xlperf", terminal_width=width, env={"COLUMNS": str(width)}, **kw
    )


def helps(width):
    out = {"": run(["-h"], width).output}
    for name in COMMANDS:
        out[name] = run([name, "-h"], width).output
    out["addin build"] = run(["addin", "build", "-h"], width).output
    return out


def assert_wrapped(text: str, width: int) -> None:
    for line in text.splitlines():
        assert display_width(line) <= width, (display_width(line), line)
        body = line.strip()
        if body:
            assert body[0] not in NO_LINE_START - {"…", "—", "%", "％"}, line
            assert body[-1] not in NO_LINE_END, line


@pytest.mark.parametrize("width", [80, 120])
def test_help_is_chinese_aligned_and_wrapped(width):
    for name, text in helps(width).items():
        assert not ENGLISH.search(text), (name, ENGLISH.search(text).group(), text)
        assert "选项：" in text and "用法：xlperf" in text, name
        assert_wrapped(text, width)
        # every option whose name fits its column starts its help in the same display column
        starts = set()
        for line in text.splitlines():
            m = re.match(r"^(  -\S.*?\S)  +(\S)", line)
            if m and display_width(m.group(1)) < 30:
                starts.add(display_width(line[: m.start(2)]))
        assert len(starts) <= 1, (name, starts)


def test_one_name_for_the_same_argument():
    h = helps(80)
    assert "用法：xlperf validate [选项] 工作簿或文件夹..." in h["validate"]
    assert "用法：xlperf consolidate [选项] 工作簿或文件夹..." in h["consolidate"]
    assert "用法：xlperf report [选项] [工作簿]" in h["report"]
    for name in ("validate", "consolidate", "report", "template"):
        assert "--preset 方案名或文件" in h[name], name
        assert "--force" in h[name], name


def test_click_errors_are_chinese():
    r = run(["validate", "--nope", "x.xlsx"])
    assert r.exit_code == 2 and "没有选项 '--nope'。" in r.output and "No such" not in r.output
    r = run(["template", "--projects", "0", "-o", "x.xlsx"])
    assert "0 不在范围 1～200 内。" in r.output
    r = run(["template", "--projects", "x", "-o", "x.xlsx"])
    assert "'x' 不是有效的整数。" in r.output
    r = run(["serve", "--port", "abc"])
    assert "不是有效的整数" in r.output and "integer" not in r.output
    r = run(["validate"])
    assert "缺少参数" in r.output and "Missing" not in r.output


def test_fill_breaks_where_chinese_can_break():
    text = "得分超出分值：“编制的动态管理”的得分超过该指标分值（10）（应为：≤10；实为：20）"
    for width in range(12, 60):
        out = fill(text, width)
        assert "".join(out.split("\n")) == text  # nothing lost, no space added between Chinese
        assert_wrapped(out, width)
    assert fill("预算数 1.6 万元，执行数 1.6 万元", 18).split("\n")[0] == "预算数 1.6 万元，"
    # "，" may not start a line: the character before it goes down with it
    assert fill("预算数 1.6 万元，执行数 1.6 万元", 16).split("\n")[:2] == ["预算数 1.6 万", "元，执行数 1.6"]
    assert fill("a " + "x" * 30, 10).split("\n")[1] == "x" * 10  # a long word is cut


@pytest.fixture(scope="module")
def seed_screen(seed_sample):
    return run(["validate", str(seed_sample)], 80).output


def test_validate_screen(seed_screen):
    out = seed_screen
    assert_wrapped(out, 80)
    lines = [x for x in out.splitlines() if x.strip()]
    total = next(i for i, x in enumerate(lines) if x.startswith("合计："))
    assert lines[total].startswith("合计：1 个文件，4 个项目；错误 ") and "警告" in lines[total]
    assert lines[total - 1] == "─" * 60
    assert lines[total + 1].startswith("提示：加 -o 校验后.xlsx 另存一份副本") and len(lines) <= total + 3
    flat = "".join(out.split())
    assert flat.count("正向指标：完成值≥预期值得满分") == 1  # the rule's long explanation once
    # 自评表2!I24 has XP005 and XP004: its address once, the second finding under the first
    at = next(i for i, x in enumerate(lines) if x.strip().startswith("I24") and "XP005" in x)
    section = lines[at : at + 4]
    assert any(x.startswith("       警告 XP004") for x in section), section
    assert "\x1b[" not in out  # no colour codes when the output is not a terminal


def test_the_weight_note_once_on_a_screen(tmp_path):
    """The seed's own form (its Word report) has no 分值: the note on where the weights come from is
    said once, not in every finding."""
    from word_reports import seed_report

    out = run(["validate", str(seed_report(tmp_path / "r.docx"))], 80).output
    assert "".join(out.split()).count("分值列为空，按一级指标标注的分值平均分配") == 1


def test_validate_screen_at_120_columns(seed_sample):
    out = run(["validate", str(seed_sample)], 120).output
    assert_wrapped(out, 120)
    assert max(display_width(x) for x in out.splitlines()) > 80  # the wider screen is used


def test_consolidate_says_what_is_missing_before_any_total(tmp_path):
    empty = tmp_path / "空文件夹"
    empty.mkdir()
    r = run(["consolidate", str(tmp_path / "没有"), str(empty), "-o", str(tmp_path / "汇总.xlsx")])
    assert r.exit_code == 2
    lines = r.output.splitlines()
    assert lines[0] == f"找不到：{tmp_path / '没有'}（路径不存在）"
    assert lines[1] == f"文件夹中没有工作簿：{empty}（未找到 .xlsx/.xlsm 文件）"
    assert not any(x.startswith(("共 ", "单位 ", "预算数合计")) for x in lines)  # no totals of nothing
    assert "无法读取的文件：" not in r.output  # the missing path is said once
    assert lines[-1] == "错误：没有可以汇总的工作簿，未生成汇总表。"


def test_a_blank_template_in_a_folder_is_not_a_unit(tmp_path, seed_sample):
    folder = tmp_path / "报送"
    folder.mkdir()
    shutil.copy(seed_sample, folder / "长安区委编办.xlsx")
    assert run(["template", "-o", str(folder / "空白.xlsx")]).exit_code == 0
    r = run(["consolidate", str(folder), "-o", str(tmp_path / "汇总.xlsx")])
    assert r.exit_code == 0, r.output
    assert "（其中空白工作簿 1 个）" in r.output and "单位 1 个，项目 4 个" in r.output


def test_no_command_writes_over_a_file_without_force(tmp_path, seed_sample):
    existing = tmp_path / "已有.xlsx"
    existing.write_bytes(b"mine")
    docx = tmp_path / "已有.docx"
    docx.write_bytes(b"mine")
    cases = {
        "template": ["template", "-o", str(existing)],
        "validate": ["validate", str(seed_sample), "-o", str(existing)],
        "consolidate": ["consolidate", str(seed_sample), "-o", str(existing)],
        "report": ["report", str(seed_sample), "-o", str(docx)],
    }
    for name, args in cases.items():
        r = run(args)
        assert r.exit_code == 2, (name, r.output)
        assert "已存在" in r.output and "--force" in r.output, (name, r.output)
        assert existing.read_bytes() == b"mine" and docx.read_bytes() == b"mine", name
    for name, args in cases.items():
        r = run([*args, "--force"])
        assert r.exit_code in (0, 1), (name, r.output)
    assert existing.read_bytes() != b"mine" and docx.read_bytes() != b"mine"


def test_report_says_what_to_check_and_which_fonts_were_replaced(tmp_path, seed_sample, monkeypatch):
    from xlperf import libreoffice
    from xlperf.writers import report

    monkeypatch.setattr(report, "convert_to_pdf", lambda docx, timeout=180: docx)
    monkeypatch.setattr(libreoffice, "installed_font_families", lambda: {"黑体", "SimSun", "KaiTi_GB2312"})
    r = run(["report", str(seed_sample), "-o", str(tmp_path / "报告.docx"), "--pdf"])
    assert r.exit_code == 0, r.output
    flat = "".join(r.output.split())
    assert (
        f"已另存报送前核对事项：{tmp_path}/报告_报送前核对事项.docx（4个项目的填报问题".replace(" ", "")
        in flat
    )
    assert (tmp_path / "报告_报送前核对事项.docx").exists()
    assert "本机缺少字体仿宋_GB2312、方正小标宋简体，PDF中这些文字已由其他字体代替显示" in flat
    assert_wrapped(
        "\n".join(x for x in r.output.splitlines() if str(tmp_path) not in x), 80
    )  # paths stay whole
    r = run(["report", str(seed_sample), "-o", str(tmp_path / "无核对页.docx"), "--no-review"])
    assert "核对事项" not in r.output and not (tmp_path / "无核对页_报送前核对事项.docx").exists()


def test_help_paragraphs_join_as_they_read_and_examples_break_between_arguments():
    from xlperf.cli.zh import wrap_text

    text = "给出 --roster 或\n--ledger 时第一张为报送情况；装有\nLibreOffice 时也读，\n“文件清单”。"
    assert wrap_text(text, 200, preserve_paragraphs=True) == (
        "给出 --roster 或 --ledger 时第一张为报送情况；装有 LibreOffice 时也读，“文件清单”。"
    )
    example = "xlperf consolidate 报送材料/ -o 2024年绩效自评汇总.xlsx --issuer 长安区财政局"
    for width in (40, 60, 80):
        out = wrap_text("示例：\n\n    " + example, width, preserve_paragraphs=True)
        lines = out.splitlines()[2:]
        assert " ".join(x.strip() for x in lines) == example, out  # every argument whole
        assert all(display_width(x) <= width for x in lines), out
        assert all(x.startswith("      ") for x in lines[1:])  # a continuation is indented further
