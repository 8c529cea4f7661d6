"""xlperf: 项目支出绩效自评 (project expenditure performance self-evaluation) for Excel and the CLI."""

__version__ = "0.1.0"
TEMPLATE_VERSION = "1"
