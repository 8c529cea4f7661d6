"""Generated parts of the README: the rule catalogue (from :data:`xlperf.core.rules.CATALOGUE`) and the CLI
reference (from each command's ``--help``). ``python -m xlperf.docs`` rewrites them in place;
tests/test_docs.py fails when the README has drifted from the code.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from click.testing import CliRunner

from xlperf.core.findings import SEVERITY_ZH
from xlperf.core.rules import CATALOGUE

README = Path(__file__).resolve().parent.parent / "README.md"


def rules_markdown() -> str:
    lines = ["| 规则 | 名称 | 默认级别 | 检查内容 | 示例 |", "|---|---|---|---|---|"]
    for r in CATALOGUE:
        lines.append(f"| {r.id} | {r.name} | {SEVERITY_ZH[r.severity]} | {r.description} | {r.example} |")
    return "\n".join(lines)


_XC_TEXT = {
    "XC001": ("同一文件（SHA-256 相同）被报送两次：只计一次", "同一个文件放在两个文件夹里"),
    "XC002": (
        "同一单位的同一项目出现在两个文件中：只计第一个（工作簿先于 Word 报告）；报告与工作簿完全一致时不提示，不一致时写明哪里不一致",
        "同一工作簿改了文件名、改了内容后又报送了一次",
    ),
    "XC003": ("文件无法读取（损坏、加密、不是本表样等），原因写在文件清单", "设置了打开密码的工作簿"),
    "XC004": ("工作簿“单位信息”中单位名称为空，无法按单位汇总", "单位名称一栏未填"),
    "XC005": (
        "工作簿的评分方案（一级指标分值）与多数工作簿不同：项目明细显示“评分方案”一栏，合计行不合计分项得分",
        "一个单位用全国通用方案（产出50），其余用陕西方案（产出40）",
    ),
    "XC006": ("工作簿中的自评表均未填写（空白模板）：不计入单位数和项目数", "单位报送了没有填写的模板"),
    "XC007": (
        "工作簿“单位信息”中的年度与多数工作簿不同：仍计入汇总，汇总表标题按多数工作簿的年度",
        "19 个单位报 2020 年度，1 个单位报了 2019 年度的自评表",
    ),
    "XC008": (
        "给出应报送单位名单（--roster）时，名单本身的问题：单位名称为空的行、同一单位写了两次、名单中的一个单位对应汇总中"
        "写法不同的几个单位；只列出，不影响汇总",
        "名单中“长安区委编办”写了两行",
    ),
}


def consolidation_rules_markdown() -> str:
    from xlperf.consolidate import CONSOLIDATION_RULES

    lines = ["| 规则 | 名称 | 默认级别 | 检查内容 | 示例 |", "|---|---|---|---|---|"]
    for rid, name, sev in CONSOLIDATION_RULES:
        what, example = _XC_TEXT[rid]
        lines.append(f"| {rid} | {name} | {SEVERITY_ZH[sev]} | {what} | {example} |")
    return "\n".join(lines)


def totals_markdown() -> str:
    """The four totals, one definition each (xlperf.core.evaluate.TOTALS): the names JSON, the report and
    the summary use."""
    from xlperf.core.evaluate import TOTALS

    lines = ["| 名称 | JSON 键 | 定义 |", "|---|---|---|"]
    lines += [f"| {t.name} | `{t.key}` | {t.definition} |" for t in TOTALS]
    return "\n".join(lines)


def cli_markdown() -> str:
    from xlperf.cli import cli

    runner = CliRunner()
    parts = []
    top = runner.invoke(cli, ["--help"], prog_name="xlperf", terminal_width=100)
    parts.append(f"```text\n$ xlperf --help\n{top.output.rstrip()}\n```")
    ctx = cli.make_context("xlperf", ["--help"], resilient_parsing=True)
    for name in cli.list_commands(ctx):
        cmd = cli.get_command(ctx, name)
        subs = [[name]]
        if hasattr(cmd, "list_commands"):
            subs += [[name, s] for s in cmd.list_commands(ctx)]
        for args in subs:
            res = runner.invoke(cli, [*args, "--help"], prog_name="xlperf", terminal_width=100)
            parts.append(f"```text\n$ xlperf {' '.join(args)} --help\n{res.output.rstrip()}\n```")
    return "\n\n".join(parts)


def layouts_markdown() -> str:
    """The shipped layouts (xlperf/layouts), one row each."""
    from xlperf import layouts

    lines = [
        "| 表样 | 名称 | 资金表 | 指标性质/度量单位分列 | 识别文字（部分） | 评分方案 |",
        "|---|---|---|---|---|---|",
    ]
    for lay in layouts.shipped():
        style = (
            "标签式（预算数：…）"
            if lay.funds.style == "labels"
            else "列式（"
            + "｜".join(
                x[0].rstrip("*") for x in (lay.funds.initial, lay.funds.budget, lay.funds.executed) if x
            )
            + "）"
        )
        split = "是" if lay.indicators.unit else "否"
        marks = "、".join(f"“{m.rstrip('*')}”" for m in lay.detect[:4])
        lines.append(
            f"| `{lay.name}` | {lay.title} | {style} | {split} | {marks} | {lay.preset or '工作簿所记（默认 national）'} |"
        )
    return "\n".join(lines)


SECTIONS = {
    "layouts": layouts_markdown,
    "rules": rules_markdown,
    "xc-rules": consolidation_rules_markdown,
    "totals": totals_markdown,
    "cli": cli_markdown,
}


def render(text: str) -> str:
    for key, fn in SECTIONS.items():
        pattern = re.compile(rf"(<!-- {key}:start -->\n).*?(<!-- {key}:end -->)", re.S)
        text = pattern.sub(lambda m, fn=fn: m.group(1) + fn() + "\n" + m.group(2), text)
    return text


def main() -> int:
    old = README.read_text("utf-8")
    new = render(old)
    if new != old:
        README.write_text(new, "utf-8")
        print("README.md updated")
    return 0


if __name__ == "__main__":
    sys.exit(main())
