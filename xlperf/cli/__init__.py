"""The ``xlperf`` command: a thin click layer over the library, one module per command.

Each command module defines ``command`` (a click command or group). Library errors
(:class:`xlperf.errors.XlperfError`) become a one-line Chinese message and exit code 2, never a
traceback.
"""

from __future__ import annotations

import importlib
import os
import sys

import click

from xlperf import __version__
from xlperf.cli import zh
from xlperf.errors import XlperfError

zh.install()

# command name -> module under xlperf.cli, in the order --help lists them. A command's module is imported
# only when that command runs (or --help lists them all): every ribbon click starts a fresh Python, and
# one command must not pay for another's imports (xlwings, pandas, python-docx).
COMMANDS = {
    "validate": "validate_cmd",
    "template": "template_cmd",
    "addin": "addin_cmd",
    "consolidate": "consolidate_cmd",
    "feedback": "feedback_cmd",
    "import": "import_cmd",
    "report": "report_cmd",
    "doctor": "doctor_cmd",
    "serve": "serve_cmd",
    "wps": "wps_cmd",
}


def _chinese_metavars(cmd: click.Command) -> None:
    """[OPTIONS] and COMMAND [ARGS]... in usage lines, in Chinese (see :mod:`xlperf.cli.zh`)."""
    cmd.options_metavar = "[选项]"
    if isinstance(cmd, click.Group):
        cmd.subcommand_metavar = "命令 [参数]..."
        for sub in cmd.commands.values():
            _chinese_metavars(sub)


class _Group(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        module = COMMANDS.get(name)
        return None if module is None else self._load(module)

    @staticmethod
    def _load(module: str) -> click.Command:
        cmd = importlib.import_module(f"xlperf.cli.{module}").command
        _chinese_metavars(cmd)
        return cmd

    def invoke(self, ctx: click.Context):
        """Every failure is one Chinese line and exit code 2, never a traceback (set XLPERF_DEBUG=1 to
        see the traceback of an unexpected one)."""
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise  # click prints these itself (in Chinese, see zh)
        except XlperfError as exc:
            _fail(str(exc))
        except BrokenPipeError:  # output piped into head / more that stopped reading: not an error
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            sys.exit(0)
        except MemoryError:
            _fail("内存不足，无法完成（文件过大或同时运行的程序过多）")
        except OSError as exc:
            where = f"：{exc.filename}" if exc.filename else ""
            _fail(f"无法读写文件{where}（{exc.strerror or exc}）")
        except Exception as exc:
            if os.environ.get("XLPERF_DEBUG"):
                raise
            _fail(f"程序内部错误（{type(exc).__name__}：{exc}）；设置环境变量 XLPERF_DEBUG=1 可看到详细信息")


def _fail(message: str) -> None:
    """The one line of a failure; a name it quotes that is not UTF-8 or holds control characters is
    escaped (:func:`~xlperf.core.names.shown_text`) should a message not have said it as shown."""
    from xlperf.core.names import shown_text

    click.echo(f"错误：{shown_text(message)}", err=True)
    sys.exit(2)


# help wraps at the terminal's width (click's default stops at 80 columns whatever the terminal)
HELP_WIDTH = {"help_option_names": ["-h", "--help"], "max_content_width": 10_000}


@click.group(cls=_Group, context_settings=HELP_WIDTH)
@click.version_option(__version__, prog_name="xlperf")
def cli() -> None:
    """xlperf：项目支出绩效自评 —— 模板、校验、汇总、自评报告。

    每个命令的用法：xlperf 命令 -h，例如 xlperf validate -h。
    \f
    Project expenditure performance self-evaluation: template, checks, consolidation, report.
    """


_chinese_metavars(cli)


def main() -> None:
    # A console or a redirected file in a legacy code page (GBK on Chinese Windows) must never turn
    # a character it lacks into a crash: replace it instead.
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure") and (stream.encoding or "").lower().replace("-", "") != "utf8":
            stream.reconfigure(errors="backslashreplace")
    cli(prog_name="xlperf")
