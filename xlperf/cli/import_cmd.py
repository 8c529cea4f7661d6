"""``xlperf import``: a Word report's 自评表 onto the standard template (library:
:func:`xlperf.writers.imported.import_grids`)."""

from __future__ import annotations

from pathlib import Path

import click

from xlperf.cli.options import CONTEXT, preset_option
from xlperf.errors import OutputError, ReadError
from xlperf.layouts import shipped


@click.command("import", context_settings=CONTEXT)
@click.argument("report", type=click.Path(path_type=Path), metavar="Word报告")
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    required=True,
    help="写出的自评表工作簿（.xlsx）。",
)
@preset_option
@click.option("--force", is_flag=True, help="覆盖已存在的输出文件。")
def command(report: Path, output: Path, preset: str | None, force: bool) -> None:
    """把单位报送的 Word 绩效自评工作报告（.docx；装有 LibreOffice 时也可 .doc/.wps）中的自评表导入标准模板。

    报告中的每张项目支出绩效自评表成为模板中的一张自评表，数值按原文照录（原有错误保留，由 xlperf validate
    检查）；最后列出已导入的项目，以及模板中没有位置的内容（如结论文字、模板没有的列、不是自评表的表格）。

    \b
    示例：
      xlperf import 长安区委编办2020年度报告.docx -o 自评表.xlsx --preset shaanxi
    """
    from xlperf.api import resolve_preset
    from xlperf.core.parser import parse_workbook
    from xlperf.sources import is_word, read_grids
    from xlperf.writers.imported import import_grids

    if not is_word(report):
        raise ReadError(f"不是 Word 报告（.docx/.doc/.wps）：{report}；工作簿可直接用 xlperf validate 校验")
    if output.suffix.lower() != ".xlsx":
        raise OutputError(f"输出文件必须是 .xlsx 文件：{output}")
    grids = read_grids(report)
    pre = resolve_preset(parse_workbook(str(report), grids, layouts=shipped()), preset)
    result = import_grids(str(report), grids, output, pre, overwrite=force)
    for line in result.lines():
        click.echo(line)
