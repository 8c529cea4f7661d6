"""VBA wrappers for the Python UDFs, generated from the functions themselves (one source of truth).

xlwings' decorators (``@xw.func``, ``@xw.arg``, ``@xw.ret``) store what Excel needs on the function as
``__xlfunc__``, and ``xlwings.import_udfs`` turns that into the ``xlwings_udfs`` VBA module. Both live
in ``xlwings/udfs.py``, which imports pywin32 and so only loads on Windows; elsewhere ``xw.func`` is a
no-op. To give the same result on every OS, this module takes the decorator and wrapper functions out
of the installed ``xlwings/udfs.py`` source (so they always match the installed xlwings), re-runs the
UDF module with them in place of the no-ops, and calls xlwings' own ``generate_vba_wrapper``.
"""

from __future__ import annotations
import __future__

import ast
import contextlib
import datetime as dt
import importlib.util
import inspect
import io
import re
import sys
import types
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, TypeVar, get_args, get_origin, get_type_hints

import xlwings
from xlwings.utils import VBAWriter

from xlperf.errors import XlperfError

UDF_MODULE_NAME = "xlwings_udfs"  # the VBA module name xlwings itself uses
UDF_PREFIX = "XP_"
XLWINGS_DEFAULT_CATEGORY = "xlwings"
DEFAULT_CATEGORY = "绩效自评"  # shown instead of xlwings' default category in the Insert Function dialog

# functions taken from xlwings/udfs.py, and the xlwings names they replace while a module is re-run
_XLWINGS_FUNCTIONS = (
    "func_sig",
    "get_category",
    "get_async_mode",
    "check_bool",
    "extract_type_and_annotations",
    "xlfunc",
    "xlsub",
    "xlret",
    "xlarg",
    "generate_vba_wrapper",
)
_DECORATORS = {"func": "xlfunc", "sub": "xlsub", "script": "xlsub", "arg": "xlarg", "ret": "xlret"}


class AddinError(XlperfError):
    """The add-in cannot be built or installed."""


class UdfError(AddinError):
    """The UDF module cannot be turned into VBA wrappers."""


@dataclass(frozen=True)
class UdfInfo:
    """What the add-in registers for one UDF: the texts go to a hidden sheet, not into VBA."""

    name: str
    category: str | int
    description: str
    arg_descriptions: tuple[str, ...]


def _xlwings_udf_namespace() -> dict[str, Any]:
    """The decorator and wrapper functions of the installed xlwings, loaded without pywin32."""
    path = Path(xlwings.__file__).with_name("udfs.py")
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    wanted = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name in _XLWINGS_FUNCTIONS]
    missing = set(_XLWINGS_FUNCTIONS) - {n.name for n in wanted}
    if missing:
        raise UdfError(
            f"已安装的 xlwings {xlwings.__version__} 中找不到生成自定义函数所需的代码（{', '.join(sorted(missing))}）。"
        )
    module = ast.Module(body=wanted, type_ignores=[])
    namespace: dict[str, Any] = {
        "__name__": "xlwings_udfs_portable",
        "inspect": inspect,
        "dt": dt,
        "Annotated": Annotated,
        "Any": Any,
        "Callable": Callable,
        "TypeVar": TypeVar,
        "get_args": get_args,
        "get_origin": get_origin,
        "get_type_hints": get_type_hints,
        "_F": TypeVar("_F", bound=Callable[..., Any]),
        "VBAWriter": VBAWriter,
    }
    code = compile(module, str(path), "exec", flags=__future__.annotations.compiler_flag)
    exec(code, namespace)
    return namespace


@contextlib.contextmanager
def _real_decorators(ns: dict[str, Any]) -> Iterator[None]:
    saved = {name: getattr(xlwings, name, None) for name in _DECORATORS}
    try:
        for name, impl in _DECORATORS.items():
            setattr(xlwings, name, ns[impl])
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                delattr(xlwings, name)
            else:
                setattr(xlwings, name, value)


def _has_metadata(module: types.ModuleType) -> bool:
    return any(hasattr(getattr(module, a), "__xlfunc__") for a in dir(module))


def decorated_module(module: types.ModuleType, ns: dict[str, Any] | None = None) -> types.ModuleType:
    """``module`` with the xlwings metadata on its UDFs.

    On Windows the metadata is already there. Elsewhere a fresh copy of the module is executed with
    the real decorators; the copy is returned and ``sys.modules`` is left as it was.
    """
    if _has_metadata(module):
        return module
    spec = getattr(module, "__spec__", None)
    if spec is None or spec.origin is None or not Path(spec.origin).is_file():
        raise UdfError(f"无法重新载入自定义函数模块 {module.__name__}（找不到它的源文件）。")
    ns = ns or _xlwings_udf_namespace()
    fresh_spec = importlib.util.spec_from_file_location(module.__name__, spec.origin)
    assert fresh_spec is not None and fresh_spec.loader is not None
    fresh = importlib.util.module_from_spec(fresh_spec)
    previous = sys.modules.get(module.__name__)
    sys.modules[module.__name__] = fresh
    try:
        with _real_decorators(ns):
            fresh_spec.loader.exec_module(fresh)
    finally:
        if previous is None:
            sys.modules.pop(module.__name__, None)
        else:
            sys.modules[module.__name__] = previous
    return fresh


def _udf_functions(module: types.ModuleType) -> list[Any]:
    return [getattr(module, a) for a in dir(module) if hasattr(getattr(module, a), "__xlfunc__")]


def _check(module: types.ModuleType, decorated: types.ModuleType) -> None:
    udfs = {f.__xlfunc__["name"] for f in _udf_functions(decorated)}
    undecorated = sorted(
        a
        for a in dir(decorated)
        if a.startswith(UDF_PREFIX) and callable(getattr(decorated, a)) and a not in udfs
    )
    if undecorated:
        raise UdfError(f"{module.__name__} 中的函数 {', '.join(undecorated)} 缺少 @xw.func 装饰器。")
    for f in _udf_functions(decorated):
        xlf = f.__xlfunc__
        names = [xlf["name"]] + [a["name"] for a in xlf["args"]]
        bad = [n for n in names if not n.isascii()]
        if bad:
            raise UdfError(
                f"自定义函数 {xlf['name']} 的名称或参数名 {', '.join(bad)} 必须只用英文字母、数字和下划线。"
            )


_FAILED = re.compile(r"^failed:\n    (\w+) = Err\.Description$", re.MULTILINE)


def generate_udf_vba(
    module: types.ModuleType, workbook_name: str = "xlperf.xlam", error_function: str | None = None
) -> str:
    """The ``xlwings_udfs`` VBA module for the UDFs in ``module``, as ``xlwings.import_udfs`` writes it.

    Args:
        module: the imported UDF module (its public functions decorated with ``@xw.func``).
        workbook_name: the add-in's file name; a name ending in ``.xlam`` makes the wrappers pass
            ``ActiveWorkbook`` (as xlwings does for add-ins).
        error_function: a VBA function ``(number, description)`` whose result a cell shows when the
            call fails, instead of xlwings' ``Err.Description`` (for the add-in: a short Chinese text
            when Python cannot be reached, rather than "Could not load xlwings64-....dll"). The one line
            after each wrapper's ``failed:`` label is the only change to xlwings' text.

    Returns:
        The module source with ``\\n`` line ends; the first line is its ``Attribute VB_Name``.
    """
    ns = _xlwings_udf_namespace()
    decorated = decorated_module(module, ns)
    _check(module, decorated)
    buf = io.StringIO()
    vba = VBAWriter(buf)
    # the same header as xlwings.udfs.import_udfs
    vba.writeln(f'Attribute VB_Name = "{UDF_MODULE_NAME}"')
    vba.writeln("'Autogenerated code by xlwings - changes will be lost with next import!")
    vba.writeln("""#Const App = "Microsoft Excel" 'Adjust when using outside of Excel""")
    workbook = types.SimpleNamespace(Name=workbook_name)
    ns["generate_vba_wrapper"](module.__name__, decorated, buf, workbook)
    text = buf.getvalue()
    if not text.isascii():
        raise UdfError("生成的自定义函数 VBA 代码含有非 ASCII 字符。")
    if error_function is not None:
        functions = len(re.findall(r"^Function \w+\(", text, re.MULTILINE))
        text, n = _FAILED.subn(rf"failed:\n    \1 = {error_function}(Err.Number, Err.Description)", text)
        if n != functions:
            raise UdfError(
                f"xlwings {xlwings.__version__} 生成的自定义函数代码格式与预期不同（{functions} 个函数，"
                f"{n} 处错误处理）。"
            )
    return text


def udf_infos(module: types.ModuleType) -> list[UdfInfo]:
    """Name, category, description and argument descriptions of each UDF (what MacroOptions takes)."""
    decorated = decorated_module(module)
    infos = []
    for f in _udf_functions(decorated):
        xlf = f.__xlfunc__
        # xlwings' fallbacks ("Python function ... defined in <path>", "Positional argument 1") are
        # English and machine-specific: an undocumented function or argument gets no text instead
        doc = inspect.cleandoc(f.__doc__ or "")
        args = tuple(
            "" if a["doc"] == f"Positional argument {a['pos'] + 1}" else inspect.cleandoc(a["doc"])[:255]
            for a in xlf["args"]
            if not a["vba"]
        )
        category = xlf["category"]
        if category == XLWINGS_DEFAULT_CATEGORY:
            category = DEFAULT_CATEGORY
        infos.append(UdfInfo(xlf["name"], category, doc[:255], args))
    return infos
