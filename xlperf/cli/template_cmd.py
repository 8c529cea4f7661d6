"""``xlperf template``: write a blank 绩效自评表 workbook."""

from __future__ import annotations

from pathlib import Path

import click

from xlperf import presets
from xlperf.cli.options import CONTEXT
from xlperf.core.names import shown_name
from xlperf.errors import OutputError
from xlperf.safe_io import check_output
from xlperf.writers.formulas import STYLES
from xlperf.writers.template import MAX_PROJECTS, UnitData, save_template


@click.command("template", context_settings=CONTEXT)
@click.option(
    "-o",
    "--output",
    "output",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="输出文件（.xlsx）。",
)
@click.option(
    "--preset",
    "preset_name",
    default="national",
    show_default=True,
    metavar="方案名或文件",
    help="评分方案：national、shaanxi，或 .toml 文件路径。",
)
@click.option(
    "--projects",
    default=3,
    show_default=True,
    type=click.IntRange(1, MAX_PROJECTS),
    help="自评表（项目）工作表的数量。",
)
@click.option("--unit", "unit_name", default=None, help="单位名称（预填到单位信息和各自评表）。")
@click.option("--year", default=None, help="年度，例如 2020。")
@click.option("--force", is_flag=True, help="覆盖已存在的文件。")
@click.option(
    "--formulas",
    type=click.Choice(STYLES),
    default="native",
    show_default=True,
    help="计算单元格的公式：native 为 Excel 自带函数（无需加载项）；xlwings 为 xlperf 加载项的 XP_ 函数。",
)
def command(
    output: Path,
    preset_name: str,
    projects: int,
    unit_name: str | None,
    year: str | None,
    force: bool,
    formulas: str,
) -> None:
    """生成空白的项目支出绩效自评表模板（单位信息、项目汇总、每个项目一张自评表）。

    \b
    示例：
      xlperf template -o 绩效自评表.xlsx --preset shaanxi --projects 4
      xlperf template -o 长安区委编办.xlsx --unit 长安区委编办 --year 2020
    """
    if output.suffix.lower() != ".xlsx":
        raise OutputError(f"输出文件必须是 .xlsx 文件：{shown_name(output)}")
    output = check_output(output, overwrite=force)
    preset = presets.load(preset_name)
    if year is not None:
        year = year.strip().removesuffix("年")
        if not (year.isdigit() and len(year) == 4):
            raise click.BadParameter("年度应为四位数字，例如 2020", param_hint="--year")
    path = save_template(
        output, preset, projects=projects, unit=UnitData(name=unit_name, year=year), formulas=formulas
    )
    click.echo(f"已生成模板：{shown_name(path)}（评分方案：{preset.title}，{projects} 个项目）")
