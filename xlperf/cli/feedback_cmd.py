"""``xlperf feedback``: each unit's 退回意见 (a Word letter) from a reviewed summary's 问题清单."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from xlperf.cli.options import CONTEXT, format_option
from xlperf.cli.zh import fill, screen_width
from xlperf.errors import ReadError


@click.command("feedback", context_settings=CONTEXT)
@click.argument("summary", type=click.Path(dir_okay=False, path_type=Path), metavar="汇总表.xlsx")
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    metavar="文件夹",
    help="写出审核意见的文件夹（不存在时新建）：每个需退回的单位一份 Word 文件，另有“审核意见目录.csv”。",
)
@click.option(
    "--bureau",
    default="",
    metavar="文字",
    help="落款单位，例如“西安市长安区财政局”；默认取汇总表的汇总单位（汇总时的 --issuer 或报送名单的“发文单位”）。",
)
@click.option(
    "--date", "date_text", default="", metavar="文字", help="落款日期，例如“2021年3月8日”；默认今天。"
)
@click.option("--deadline", default="", metavar="文字", help="重新报送的期限，例如“2021年3月15日”。")
@click.option("--contact", default="", metavar="文字", help="联系人及电话，例如“张三 029-12345678”。")
@click.option("--year", default=None, metavar="文字", help="标题中的年度；默认取该单位工作簿中填写的年度。")
@click.option("--pdf", is_flag=True, help="同时生成 PDF（需要安装 LibreOffice）。")
@click.option(
    "--force",
    is_flag=True,
    help="文件夹中已有审核意见时重新生成并替换（不再需要退回的单位的旧意见一并删除）。",
)
@format_option
def command(
    summary: Path,
    output: Path,
    bureau: str,
    date_text: str,
    deadline: str,
    contact: str,
    year: str | None,
    pdf: bool,
    force: bool,
    fmt: str,
) -> None:
    """根据汇总表的问题清单，为每个需要退回修改的单位生成审核意见（Word 公文格式）。

    汇总表由 xlperf consolidate 生成。审核人可先在“问题清单”中逐条填写“处理”（采纳/不采纳）和“审核意见”：
    标为“不采纳”的问题不写入审核意见，“审核意见”中的文字随该问题写给单位；错误和警告默认写入，提示只在
    标为“采纳”或填了审核意见时写入。没有需要退回的问题的单位不生成审核意见，列为“审核通过”。

    每份审核意见按项目列出问题所在的位置（单位自己文件中的工作表和单元格）、应为多少、实为多少和整改要求，
    正文不出现规则编号（附件“问题清单”中列出）。

    示例：

        xlperf feedback 2020年绩效自评汇总.xlsx -o 退回意见/ --bureau 西安市长安区财政局 --deadline 2021年3月15日
    \f
    Write each unit's return letter from a reviewed summary (library: xlperf.writers.feedback).
    """
    from xlperf.consolidate.review import NotASummary, letters, review_from_grids
    from xlperf.core.names import shown_name, shown_text
    from xlperf.safe_io import check_output
    from xlperf.sources import read_grids
    from xlperf.writers.feedback import LetterOptions, write_letters

    if summary.suffix.lower() not in (".xlsx", ".xlsm"):
        raise click.UsageError(f"请给出 xlperf consolidate 生成的汇总表（.xlsx）：{shown_name(summary)}")
    if not summary.is_file():
        raise ReadError(f"找不到汇总表：{shown_name(summary)}")
    check_output(output, folder=True, inputs=[summary])  # before reading: a folder that cannot be made
    try:
        review = review_from_grids(read_grids(summary), shown_name(summary.name))
    except NotASummary as exc:
        raise ReadError(str(exc)) from exc
    outcome = letters(review, year)
    bureau_note = ""
    if not bureau.strip() and review.issuer:  # the summary's 汇总单位 signs, unless told otherwise
        bureau = review.issuer
        bureau_note = f"落款单位取自汇总表的汇总单位“{shown_text(bureau)}”（另用 --bureau 指定）。"
    opts = LetterOptions(bureau=bureau, date=date_text, deadline=deadline, contact=contact, year=year)
    written = write_letters(outcome, output, opts, pdf=pdf, overwrite=force, inputs=[summary])
    rejected = sum(1 for it in review.items if it.rejected)
    if fmt == "json":
        click.echo(json.dumps({
            "folder": shown_name(written.folder),
            "bureau": bureau,
            "letters": [{"unit": lt.unit, "department": lt.department, "errors": lt.count("error"),
                         "warnings": lt.count("warning"), "infos": lt.count("info"), "file": shown_name(path)}
                        for lt, path in written.letters],
            "passed": outcome.passed,
            "rejected_findings": rejected,
            "unaddressed": [{"why": why, "findings": n} for why, n in outcome.unaddressed],
            "pdfs": [shown_name(p) for p in written.pdfs],
            "index": shown_name(written.index),
        }, ensure_ascii=False, indent=2))  # fmt: skip
        return
    width = screen_width() - 1
    for lt, path in written.letters:
        counts = "、".join(f"{k} {n} 条" for k, n in (("错误", lt.count("error")), ("警告", lt.count("warning")),
                                                     ("提示", lt.count("info"))) if n)  # fmt: skip
        click.echo(fill(f"退回修改：{lt.unit}（{counts}）→ {shown_name(path.name)}", width, "", "  "))
    for unit in outcome.passed:
        click.echo(fill(f"审核通过：{unit}", width, "", "  "))
    for why, n in outcome.unaddressed:
        click.echo(
            fill(f"未写入：{why}的问题 {n} 条，无法确定写给哪个单位（见汇总表的问题清单）", width, "", "  ")
        )
    line = (
        f"已写出 {len(written.letters)} 份审核意见" + ("（含 PDF）" if pdf and written.letters else "")
        + f"，审核通过 {len(outcome.passed)} 个单位"
        + (f"；未采纳的问题 {rejected} 条未写入" if rejected else "")
        + f"：{shown_name(written.folder)}（目录：{shown_name(written.index.name)}）"
    )  # fmt: skip
    click.echo(fill(line, width, "", "  "))
    if not review.decided:
        click.echo(
            fill(
                "注意：汇总表没有“处理”“审核意见”两列（由较早版本的 xlperf 生成），所有错误和警告都已写入。",
                width,
                "",
                "  ",
            )
        )
    if bureau_note:
        click.echo(fill(bureau_note, width, "", "  "))
    if not bureau:
        click.echo(
            fill(
                "提示：用 --bureau 填写落款单位（如 --bureau 西安市长安区财政局），--deadline 写明重新报送的期限。",
                width,
                "",
                "  ",
            )
        )
    sys.exit(0)
