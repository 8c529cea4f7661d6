"""xlperf: 项目支出绩效自评 (project expenditure performance self-evaluation) for Excel and the CLI."""

__version__ = "0.1.0"
TEMPLATE_VERSION = "2"  # 2: structured indicator cells (计算符号｜年度指标值｜度量单位), lean formulas
