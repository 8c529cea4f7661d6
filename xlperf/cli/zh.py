"""Chinese for the words click itself prints (Usage:, Options, Error: …): users read only Chinese.

click marks these strings with ``gettext`` but ships no Chinese catalogue; :func:`install` points the
``_``/``ngettext`` each click module imported at this table. Unknown strings stay as they are.

It also makes click lay Chinese out: type names (整数, 文字) instead of INTEGER RANGE and TEXT, ranges
and defaults with Chinese punctuation (（默认：3；1～200）), columns measured in display cells (a CJK
character takes two, so option columns with Chinese metavars align) and help wrapped where Chinese can
wrap (between characters, never before "，" or after "（"; :func:`fill`). click has no hook for these,
so :func:`install` replaces ``click.formatting.term_len``/``wrap_text`` and wraps two methods; written
here rather than taken from a library because the pieces are small and click-specific (``textwrap``
counts characters, not cells, and breaks only at spaces).
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterator
from contextlib import contextmanager

from xlperf.core import a1

ZH = {
    "Usage:": "用法：",
    "Options": "选项",
    "Commands": "命令",
    "Show this message and exit.": "显示本帮助并退出。",
    "Show the version and exit.": "显示版本并退出。",
    "%(prog)s, version %(version)s": "%(prog)s，版本 %(version)s",
    "Error: {message}": "错误：{message}",
    "Try '{command} {option}' for help.": "输入“{command} {option}”查看帮助。",
    "Missing argument": "缺少参数",
    "Missing option": "缺少选项",
    "Missing parameter": "缺少参数",
    "Missing parameter: {param_name}": "缺少参数：{param_name}",
    "Missing {param_type}": "缺少{param_type}",
    "Missing command.": "缺少命令。",
    "No such command {name!r}.": "没有命令 {name!r}。",
    "No such option: {name}": "没有选项：{name}",
    "Did you mean {possibility}?": "是否想用 {possibility}？",
    "Invalid value for {param_hint}: {message}": "{param_hint} 的值无效：{message}",
    "Invalid value: {message}": "值无效：{message}",
    "Aborted!": "已取消。",
    "default: {default}": "默认：{default}",
    "required": "必填",
    "file": "文件",
    "directory": "文件夹",
    "path": "路径",
    "{name} {filename!r} does not exist.": "{name} {filename!r} 不存在。",
    "{name} {filename!r} is a directory.": "{name} {filename!r} 是文件夹，不是文件。",
    "{name} {filename!r} is a file.": "{name} {filename!r} 是文件，不是文件夹。",
    "{name} {filename!r} is not readable.": "{name} {filename!r} 无法读取。",
    "{name} {filename!r} is not writable.": "{name} {filename!r} 无法写入。",
    "{value!r} is not a valid {number_type}.": "{value!r} 不是有效的{number_type}。",
    "integer": "整数",
    "float": "数字",
    "{value} is not in the range {range}.": "{value} 不在范围 {range} 内。",
    "Option {name!r} does not take a value.": "选项 {name!r} 不带值。",
    "Option {name!r} requires an argument.": "选项 {name!r} 需要一个值。",
    "Option {name!r} requires {nargs} arguments.": "选项 {name!r} 需要 {nargs} 个值。",
    "Got unexpected extra argument ({args})": "多余的参数（{args}）",
    "Got unexpected extra arguments ({args})": "多余的参数（{args}）",
    "{value!r} is not {choice}.": "{value!r} 不是可选值 {choice}。",
    "{value!r} is not one of {choices}.": "{value!r} 不是可选值之一：{choices}。",
    "No such option {name!r}.": "没有选项 {name!r}。",
    "(Did you mean one of: {possibilities}?)": "（是否想用以下之一：{possibilities}？）",
    "Choose from:\n\t{choices}": "可选：\n\t{choices}",
    "Could not open file {filename!r}: {message}": "无法打开文件 {filename!r}：{message}",
    "Takes {nargs} values but 1 was given.": "需要 {nargs} 个值，只给了 1 个。",
    "Takes {nargs} values but {len} were given.": "需要 {nargs} 个值，给了 {len} 个。",
    "Argument {name!r} takes {nargs} values.": "参数 {name!r} 需要 {nargs} 个值。",
    "{value!r} is not a valid boolean. Recognized values: {states}": "{value!r} 不是有效的是/否值，可用：{states}",
    "{name} {filename!r} is not executable.": "{name} {filename!r} 无法执行。",
    "Error: invalid input": "错误：输入无效",
    "Do you want to continue?": "是否继续？",
    "Repeat for confirmation": "请再输入一次确认",
    "Error: The two entered values do not match.": "错误：两次输入不一致。",
    "Press any key to continue...": "按任意键继续……",
    "Positional arguments": "参数",
    "env var: {var}": "环境变量：{var}",
    "deprecated": "已弃用",
}

# type names as help and errors show them (click prints ``type.name`` upper-cased as the metavar)
TYPE_NAMES = {
    "IntParamType": "整数",
    "IntRange": "整数",
    "FloatParamType": "数字",
    "FloatRange": "数字",
    "StringParamType": "文字",
    "BoolParamType": "是/否",
    "UUIDParameterType": "UUID",
    "DateTime": "日期时间",
}

_MODULES = ("core", "decorators", "exceptions", "formatting", "parser", "types", "utils", "termui")


def gettext(message: str) -> str:
    return ZH.get(message, message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return gettext(singular if n == 1 else plural)


# --- display width and wrapping -------------------------------------------------------------------

_ANSI = re.compile(r"\033\[[;?0-9]*[a-zA-Z]")
NO_LINE_START = set("，。、；：！？）》」』”’…—%％,.;:!?)]}/")  # never first on a line
NO_LINE_END = set("（《「『“‘([{")  # never last on a line


def display_width(text: str) -> int:
    """Terminal cells ``text`` takes: a CJK character or full-width punctuation two, colour codes none."""
    return a1.display_width(_ANSI.sub("", text))


def screen_width() -> int:
    """The terminal's width in cells: COLUMNS when set; else the terminal's, found through whichever of
    stdout, stderr or stdin is one (output piped into more or head still fits the screen); 100 when
    there is no terminal at all."""
    import os
    import sys

    if os.environ.get("COLUMNS", "").isdigit():
        return max(40, int(os.environ["COLUMNS"]))
    for stream in (sys.__stdout__, sys.__stderr__, sys.__stdin__):
        try:
            return max(40, os.get_terminal_size(stream.fileno()).columns)
        except (AttributeError, OSError, ValueError):
            continue
    return 100


def _is_wide(ch: str) -> bool:
    return len(ch) == 1 and a1.char_width(ch) == 2


def _tokens(text: str) -> list[str]:
    """Pieces a line may break between: a run of spaces, a run of narrow non-space characters (a word,
    a number, an option name), or one wide character."""
    return re.findall(r"\s+|[^\s\u2e80-\uffef]+|[\u2e80-\uffef]", text)


def fill(text: str, width: int, initial_indent: str = "", subsequent_indent: str = "") -> str:
    """Wrap ``text`` to ``width`` display cells: breaks at spaces and between wide characters, never
    before closing punctuation ("，" "。" "）") or after an opening one ("（" "“"), moving the character
    before down with it when needed; a word longer than a line is cut."""
    items: list[tuple[str, bool]] = []  # (piece, a space before it)
    space = False
    for tok in _tokens(text.strip()):
        if tok.isspace():
            space = True
        else:
            items.append((tok, space))
            space = False

    def cells(part: list[tuple[str, bool]]) -> int:
        return sum(display_width(t) + (1 if sp and k else 0) for k, (t, sp) in enumerate(part))

    def text_of(part: list[tuple[str, bool]]) -> str:
        return "".join((" " if sp and k else "") + t for k, (t, sp) in enumerate(part))

    def breakable(part: list[tuple[str, bool]], k: int) -> bool:
        return part[k][0][0] not in NO_LINE_START and part[k - 1][0][-1] not in NO_LINE_END

    lines: list[str] = []
    indent, cur = initial_indent, []
    for item in items:
        trial = [*cur, item]
        if not cur or display_width(indent) + cells(trial) <= width:
            cur = trial
        else:
            k = len(trial) - 1
            while k > 0 and not breakable(trial, k):
                k -= 1
            if k == 0:  # nowhere to break: let the line run over rather than break a rule
                cur = trial
                continue
            lines.append(indent + text_of(trial[:k]))
            indent, cur = subsequent_indent, [(trial[k][0], False), *trial[k + 1 :]]
        room = width - display_width(indent)
        while len(cur) == 1 and display_width(cur[0][0]) > room > 0 and len(cur[0][0]) > 1:
            word = cur[0][0]  # a word longer than a line (a long path): cut it
            lines.append(indent + word[:room])
            indent, cur = subsequent_indent, [(word[room:], False)]
            room = width - display_width(indent)
    lines.append(indent + text_of(cur))
    return "\n".join(line.rstrip() for line in lines)


class _Wrapper:
    """The part of click's TextWrapper that help formatting uses, over :func:`fill`."""

    def __init__(self, width: int, initial_indent: str = "", subsequent_indent: str = "") -> None:
        self.width, self.initial_indent, self.subsequent_indent = width, initial_indent, subsequent_indent

    @contextmanager
    def extra_indent(self, indent: str) -> Iterator[None]:
        old = self.initial_indent, self.subsequent_indent
        self.initial_indent += indent
        self.subsequent_indent += indent
        try:
            yield
        finally:
            self.initial_indent, self.subsequent_indent = old

    def fill(self, text: str) -> str:
        return fill(text, self.width, self.initial_indent, self.subsequent_indent)

    def indent_only(self, text: str) -> str:
        return "\n".join(
            (self.initial_indent if i == 0 else self.subsequent_indent) + line
            for i, line in enumerate(text.splitlines())
        )


_NO_SPACE_BESIDE = NO_LINE_START | NO_LINE_END  # punctuation: no space beside it when lines join


def _fill_words(text: str, width: int, initial_indent: str, subsequent_indent: str) -> str:
    """``text`` wrapped at its spaces only (a word longer than the line runs over)."""
    lines: list[str] = []
    cur = initial_indent
    for word in text.split():
        if cur.strip() and display_width(cur) + 1 + display_width(word) > width:
            lines.append(cur)
            cur = subsequent_indent + word
        else:
            cur += (" " if cur.strip() else "") + word
    lines.append(cur)
    return "\n".join(lines)


def _join_lines(lines: list[str]) -> str:
    """Lines of one paragraph joined as the text reads: nothing between Chinese characters, nor beside
    Chinese punctuation; a space between words, and between Chinese and a Latin word or a number (as the
    help texts write "装有 LibreOffice", "给出 --roster 或 --ledger")."""
    out = ""
    for line in lines:
        a, b = out[-1:], line[:1]
        if a and not ((_is_wide(a) and _is_wide(b)) or a in _NO_SPACE_BESIDE or b in _NO_SPACE_BESIDE):
            out += " "
        out += line
    return out


def wrap_text(
    text: str,
    width: int = 78,
    initial_indent: str = "",
    subsequent_indent: str = "",
    preserve_paragraphs=False,
) -> str:
    """click.formatting.wrap_text with :func:`fill` (paragraphs, and ``\\b`` blocks kept as written)."""
    text = text.expandtabs()
    wrapper = _Wrapper(width, initial_indent, subsequent_indent)
    if not preserve_paragraphs:
        return wrapper.fill(text)
    paragraphs: list[tuple[int, bool, str]] = []
    buf: list[str] = []
    indent: int | None = None

    def flush() -> None:
        if buf:
            if buf[0].strip() == "\b":
                paragraphs.append((indent or 0, True, "\n".join(buf[1:])))
            else:
                paragraphs.append((indent or 0, False, _join_lines(buf)))
            buf.clear()

    for line in text.splitlines():
        if not line:
            flush()
            indent = None
        else:
            if indent is None:
                indent = len(line) - len(line.lstrip())
            buf.append(line.lstrip() if not buf or buf[0].strip() != "\b" else line)
    flush()
    out = []
    for ind, raw, part in paragraphs:
        with wrapper.extra_indent(" " * ind):
            if raw:
                out.append(wrapper.indent_only(part))
            elif ind:  # an example command line: broken between its arguments only, never inside a name
                out.append(
                    _fill_words(part, wrapper.width, wrapper.initial_indent, wrapper.subsequent_indent + "  ")
                )
            else:
                out.append(wrapper.fill(part))
    return "\n\n".join(out)


def short_help(self, limit: int = 45) -> str:
    """A command's line in its group's list: its short help, else the first paragraph of its help,
    whole (click cuts it at ``limit`` characters with "...", counting a Chinese character as one: the
    list then stopped at "装有 LibreOffice 时也可..." whatever the terminal's width); the list wraps it."""
    import inspect

    text = self.short_help or (self.help or "").split("\f", 1)[0]
    text = inspect.cleandoc(text).split("\n\n", 1)[0]
    lines = [line.strip() for line in text.splitlines() if line.strip() and line.strip() != "\b"]
    return _join_lines(lines) if lines else ""


def describe_range(self) -> str:
    """A range in help and errors: 1～200, ≥1, ≤5, >0."""
    if self.min is None:
        return f"{'<' if self.max_open else '≤'}{self.max}"
    if self.max is None:
        return f"{'>' if self.min_open else '≥'}{self.min}"
    if not (self.min_open or self.max_open):
        return f"{self.min}～{self.max}"
    return f"{self.min}{'<' if self.min_open else '≤'}x{'<' if self.max_open else '≤'}{self.max}"


_EXTRA = re.compile(r"\s*\[([^\[\]]*)\]$")


def _chinese_extras(help_record):
    """ "help  [默认：3; 1～200]" -> "help（默认：3；范围 1～200）"."""
    if not help_record:
        return help_record
    spec, text = help_record
    m = _EXTRA.search(text)
    if m:
        parts = [p.strip() for p in m.group(1).split("; ")]
        parts = [p if "：" in p or not re.search(r"[\d～≤≥<>]", p) else f"范围 {p}" for p in parts]
        text = text[: m.start()].rstrip() + "（" + "；".join(parts) + "）"
    return spec, text


def install() -> None:
    """Make click speak and lay out Chinese (idempotent)."""
    import click
    import click.core
    import click.formatting
    import click.types

    for name in _MODULES:
        mod = importlib.import_module(f"click.{name}")
        if hasattr(mod, "_"):
            mod._ = gettext
        if hasattr(mod, "ngettext"):
            mod.ngettext = ngettext
    for cls_name, zh_name in TYPE_NAMES.items():
        cls = getattr(click.types, cls_name, None)
        if cls is not None:
            cls.name = zh_name
    for obj in (click.INT, click.FLOAT, click.STRING, click.BOOL, click.UUID):
        obj.name = TYPE_NAMES.get(type(obj).__name__, obj.name)
    click.types._NumberRangeBase._describe_range = describe_range
    click.formatting.term_len = display_width
    click.formatting.wrap_text = wrap_text
    click.core.Command.get_short_help_str = short_help
    option = click.core.Option
    if not getattr(option.get_help_record, "_xlperf", False):
        original = option.get_help_record

        def get_help_record(self, ctx):
            return _chinese_extras(original(self, ctx))

        get_help_record._xlperf = True  # type: ignore[attr-defined]
        option.get_help_record = get_help_record
    formatter = click.formatting.HelpFormatter
    if not getattr(formatter.write_usage, "_xlperf", False):
        usage = formatter.write_usage

        def write_usage(self, prog, args="", prefix=None):
            return usage(self, prog, args, "用法：" if prefix is None else prefix)

        write_usage._xlperf = True  # type: ignore[attr-defined]
        formatter.write_usage = write_usage

        def write_heading(self, heading):
            self.write(f"{'':>{self.current_indent}}{heading}：\n")

        formatter.write_heading = write_heading
