"""``xlperf import``: a unit's 自评表 onto the standard template, from a Word report or a workbook in any
layout (a province's form, an 一体化 export, a workbook of the previous template: the upgrade). Library:
:func:`xlperf.writers.imported.import_grids`."""

from __future__ import annotations

from pathlib import Path

import click

from xlperf.cli.options import CONTEXT, preset_option
from xlperf.core.names import shown_name
from xlperf.errors import OutputError, ReadError
from xlperf.layouts import shipped
from xlperf.safe_io import check_output


@click.command("import", context_settings=CONTEXT)
@click.argument("source", type=click.Path(path_type=Path), metavar="报告或工作簿")
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    required=True,
    help="写出的自评表工作簿（.xlsx）。",
)
@preset_option
@click.option("--force", is_flag=True, help="覆盖已存在的输出文件。")
def command(source: Path, output: Path, preset: str | None, force: bool) -> None:
    """把单位报送的自评表（Word 报告或各种表样的工作簿）导入标准模板。

    源文件可以是 Word 绩效自评工作报告（.docx；装有 LibreOffice 时也可 .doc/.wps），或任何表样的工作簿
    （.xlsx/.xlsm：四川、全国通用表样、一体化系统导出表、旧版模板填写的工作簿）。

    每张项目支出绩效自评表成为模板中的一张自评表，数值按原文照录（原有错误保留，由 xlperf validate 检查）；
    “≥95%”这样写在一格中的指标值拆成计算符号、年度指标值、度量单位三格。最后列出已导入的项目，以及模板中
    没有位置的内容（如结论文字、模板没有的列、评价结论、不是自评表的表格）。

    \b
    示例：
      xlperf import 长安区委编办2020年度报告.docx -o 自评表.xlsx --preset shaanxi
      xlperf import 旧版模板填写的自评表.xlsx -o 新模板自评表.xlsx
    """
    from xlperf.api import resolve_preset
    from xlperf.core.parser import parse_workbook
    from xlperf.sources import is_word, read_grids
    from xlperf.writers.imported import import_grids

    if not is_word(source) and source.suffix.lower() not in (".xlsx", ".xlsm"):
        raise ReadError(f"不是 Word 报告（.docx/.doc/.wps）或工作簿（.xlsx/.xlsm）：{shown_name(source)}")
    if output.suffix.lower() != ".xlsx":
        raise OutputError(f"输出文件必须是 .xlsx 文件：{shown_name(output)}")
    output = check_output(output, inputs=[source], overwrite=force)  # before any work
    grids = read_grids(source)
    pre = resolve_preset(parse_workbook(str(source), grids, layouts=shipped()), preset)
    result = import_grids(str(source), grids, output, pre, overwrite=force)
    for line in result.lines():
        click.echo(line)
