"""``xlperf report``: write the unit's 绩效自评工作报告 (Word, optionally PDF) from its workbook."""

from __future__ import annotations

from pathlib import Path

import click

from xlperf import api
from xlperf.cli.options import CONTEXT, preset_option
from xlperf.cli.zh import fill, screen_width
from xlperf.core.names import shown_name
from xlperf.errors import OutputError
from xlperf.report_text import export_templates
from xlperf.safe_io import check_output, check_writable
from xlperf.writers.report import default_report_path, replaced_fonts, review_count, review_path, write_report


@click.command("report", context_settings=CONTEXT)
@click.argument("file", required=False, type=click.Path(dir_okay=False, path_type=Path), metavar="[工作簿]")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="输出的 Word 文件（.docx）；默认写在工作簿旁，文件名为报告标题。",
)
@preset_option
@click.option("--pdf", is_flag=True, help="同时生成 PDF（需要安装 LibreOffice）。")
@click.option("--force", is_flag=True, help="覆盖已存在的报告文件（默认不覆盖，以免丢失已修改的内容）。")
@click.option(
    "--template-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="自定义报告文字模板所在文件夹；其中的同名 .j2 文件替换内置模板。",
)
@click.option(
    "--no-review",
    is_flag=True,
    help="不生成“报送前核对事项”（默认在报告旁另存一个 Word 文件“<报告>_报送前核对事项.docx”，列出校验发现的"
    "填报问题，供本单位核对更正，不随报告报送）。",
)
@click.option("--attachment", default="", metavar="文字", help="标题上方的附件标记，例如“附件3”；默认不加。")
@click.option(
    "--export-templates",
    "export_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="把内置报告模板复制到该文件夹（供修改后用 --template-dir 使用），然后退出。",
)
def command(
    file: Path | None,
    output: Path | None,
    preset: str | None,
    pdf: bool,
    force: bool,
    template_dir: Path | None,
    attachment: str,
    export_dir: Path | None,
    no_review: bool,
) -> None:
    """根据单位的绩效自评工作簿生成绩效自评工作报告（Word），可同时生成 PDF。

    报告包括标题，一、组织开展情况，二、绩效目标实现情况，三、每个项目的自评表及根据其数据写出的结论
    （得分按核定总分），四、整改措施及结果应用，落款（单位名称、日期）。校验发现的填报问题不写进报告，
    而是另存在报告旁的“报告名_报送前核对事项.docx”（--no-review 不生成）。报告文字来自可修改的模板
    （见 --export-templates）。

    \b
    示例：
      xlperf report workbooks/samples/长安区委编办_2020.xlsx -o 报告.docx --pdf
      xlperf report --export-templates 我的模板
      xlperf report 长安区委编办_2020.xlsx --template-dir 我的模板
      xlperf report 长安区委编办_2020.xlsx --attachment 附件3 --no-review
    """
    if export_dir is not None:
        written = export_templates(export_dir)
        click.echo(f"已复制 {len(written)} 个报告模板到：{shown_name(export_dir)}（已存在的文件未覆盖）")
        return
    if file is None:
        raise click.UsageError("请给出工作簿文件，例如：xlperf report 长安区委编办_2020.xlsx -o 报告.docx")
    # before any work: a report that cannot be written there (the default goes beside the workbook)
    if output is not None:
        output = output if output.suffix else output.with_suffix(".docx")
        if output.suffix.lower() != ".docx":
            raise OutputError(f"报告文件须以 .docx 结尾：{shown_name(output)}")
        output = check_output(output, inputs=[file], overwrite=force)
    else:
        check_writable(file.parent if str(file.parent) else Path("."))
    v = api.validate_file(file, preset)
    out = write_report(
        v,
        output or default_report_path(v),
        pdf=pdf,
        template_dir=template_dir,
        attachment=attachment,
        overwrite=force,
        review=not no_review,
    )
    click.echo(f"已生成自评报告：{shown_name(out)}")
    n = 0 if no_review else review_count(v, template_dir)
    if n:
        click.echo(
            fill(
                f"已另存报送前核对事项：{shown_name(review_path(out))}（{n} 个项目的填报问题，供本单位核对更正自评表后"
                "重新生成报告；该文件不随报告报送）。",
                screen_width() - 1,
            )
        )
    if pdf:
        click.echo(f"已生成 PDF：{shown_name(out.with_suffix('.pdf'))}")
        missing = replaced_fonts()
        if missing:
            click.echo(
                fill(
                    f"注意：本机缺少字体{'、'.join(missing)}，PDF 中这些文字已由其他字体代替显示；"
                    "在装有这些字体的电脑上用 Word 打开 .docx 另存为 PDF，字体与公文格式一致。",
                    screen_width() - 1,
                )
            )
