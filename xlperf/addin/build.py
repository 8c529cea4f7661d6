"""Build xlperf.xlam from text: ``vba/`` (ribbon XML, VBA modules), the installed xlwings VBA runtime and
VBA wrappers generated from the Python UDFs. No Excel needed; the same inputs give the same bytes.
"""

from __future__ import annotations

import importlib
import re
import types
from collections.abc import Sequence
from pathlib import Path
from xml.etree import ElementTree

import xlwings

from xlperf.addin.ovba import (
    WORKSHEET_BASE,
    Module,
    VBAProject,
    document_module,
    module_from_text,
)
from xlperf.addin.package import Sheet, package_parts, write_package
from xlperf.addin.wrappers import AddinError, generate_udf_vba, udf_infos

PROJECT_NAME = "xlperf"  # the VBA project name and xlwings' PROJECT_NAME (config sheet and file names)
CONFIG_SHEET = f"{PROJECT_NAME}.conf"  # the sheet xlwings' custom add-in runtime reads its settings from
TEXT_SHEET = "xlperf.text"  # user-facing texts for the ASCII-only VBA
DEFAULT_UDF_MODULE = "xlperf.excel.udfs"
ADDIN_FILE_NAME = "xlperf.xlam"
CUSTOM_UI_NS = "http://schemas.microsoft.com/office/2009/07/customui"

# texts the VBA shows (rows "msg" | key | text of the hidden sheet)
MESSAGES = {
    "title": "绩效自评",
    "no_workbook": "请先打开要处理的工作簿，再点击此按钮。",
}

# ribbon callback attribute -> the parameters its VBA Sub must take (MS-CUSTOMUI2 callback signatures)
CALLBACK_PARAMS = {
    "onAction": ("control As IRibbonControl",),
    "getEnabled": ("control As IRibbonControl", "ByRef returnedVal"),
    "getVisible": ("control As IRibbonControl", "ByRef returnedVal"),
    "getLabel": ("control As IRibbonControl", "ByRef returnedVal"),
    "onLoad": ("ribbon As IRibbonUI",),
}

_PROJECT_NAME_LINE = re.compile(r'^(Public Const PROJECT_NAME As String = )"[^"]*"', re.MULTILINE)
_PROCEDURE = re.compile(
    r"^[ \t]*(?:(?:Public|Private|Friend)[ \t]+)?(?:Static[ \t]+)?(Sub|Function)[ \t]+(\w+)[ \t]*\(([^)]*)\)",
    re.MULTILINE | re.IGNORECASE,
)


def vba_dir() -> Path:
    """The folder of the add-in's text sources (``vba/`` at the repository root)."""
    here = Path(__file__).resolve()
    for candidate in (here.parents[2] / "vba", here.parents[1] / "vba"):
        if (candidate / "customUI14.xml").is_file():
            return candidate
    try:  # an installed wheel: vba/ ships as the data package xlperf.vba
        from importlib import resources

        shipped = Path(str(resources.files("xlperf.vba")))
        if (shipped / "customUI14.xml").is_file():
            return shipped
    except (ModuleNotFoundError, TypeError):
        pass
    raise AddinError("找不到加载项的源文件夹 vba/（应包含 customUI14.xml），无法生成加载项。")


def _read_ascii(path: Path) -> str:
    data = path.read_bytes()
    if not data.isascii():
        line = next(i for i, ln in enumerate(data.splitlines(), 1) if not ln.isascii())
        raise AddinError(f"VBA 源文件 {path.name} 第 {line} 行含有非 ASCII 字符；VBA 代码只能用 ASCII。")
    return data.decode("ascii")


def xlwings_runtime() -> Module:
    """The xlwings VBA runtime for custom add-ins, from the installed xlwings, with our PROJECT_NAME."""
    path = Path(xlwings.__file__).with_name("xlwings_custom_addin.bas")
    if not path.is_file():
        raise AddinError(f"已安装的 xlwings {xlwings.__version__} 中没有 xlwings_custom_addin.bas。")
    text, n = _PROJECT_NAME_LINE.subn(rf'\1"{PROJECT_NAME}"', _read_ascii(path))
    if n != 1:
        raise AddinError(f"xlwings {xlwings.__version__} 的 VBA 运行库中找不到 PROJECT_NAME 设置。")
    return module_from_text(text)


def vba_procedures(text: str) -> dict[str, tuple[str, ...]]:
    """Sub and Function names in VBA source, each with its parameters as written."""
    out = {}
    for m in _PROCEDURE.finditer(text):
        params = tuple(" ".join(p.split()) for p in m.group(3).split(",") if p.strip())
        out[m.group(2)] = params
    return out


def ribbon_callbacks(xml: bytes) -> dict[str, str]:
    """Every callback named in the ribbon XML -> the attribute naming it (onAction, getEnabled, ...)."""
    root = ElementTree.fromstring(xml)
    if root.tag != f"{{{CUSTOM_UI_NS}}}customUI":
        raise AddinError(f"customUI14.xml 的根元素必须是 {CUSTOM_UI_NS} 命名空间中的 customUI。")
    found = {}
    for el in root.iter():
        for attr, value in el.attrib.items():
            if attr in CALLBACK_PARAMS or attr.startswith("get") or attr in ("onChange", "loadImage"):
                found[value] = attr
    return found


def check_callbacks(xml: bytes, modules: Sequence[Module]) -> None:
    """Raise if a ribbon callback has no Sub with the right parameters in a standard module."""
    procs: dict[str, tuple[str, ...]] = {}
    for m in modules:
        if m.kind == "module":
            procs.update(vba_procedures(m.source))
    for name, attr in sorted(ribbon_callbacks(xml).items()):
        expected = CALLBACK_PARAMS.get(attr)
        if name not in procs:
            raise AddinError(f"功能区回调 {name}（{attr}）在 VBA 模块中不存在。")
        if expected is not None and tuple(p.lower() for p in procs[name]) != tuple(
            e.lower() for e in expected
        ):
            raise AddinError(f"功能区回调 {name} 的参数应为 ({', '.join(expected)})。")


def _resolve_udf_module(udf_module: types.ModuleType | str | None) -> types.ModuleType:
    if isinstance(udf_module, types.ModuleType):
        return udf_module
    name = udf_module or DEFAULT_UDF_MODULE
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        raise AddinError(
            f"找不到自定义函数模块 {name}（缺少 {exc.name}），无法生成加载项；请先编写该模块或用 --udf-module 指定。"
        ) from exc


def vba_modules(udf_module: types.ModuleType) -> list[Module]:
    """All modules of the project: document modules, vba/ sources, xlwings runtime, UDF wrappers."""
    src = vba_dir()
    this_workbook = src / "ThisWorkbook.cls"
    modules = [module_from_text(_read_ascii(this_workbook), "document")]
    modules += [document_module(f"Sheet{i}", WORKSHEET_BASE) for i in (1, 2)]
    modules += [module_from_text(_read_ascii(p)) for p in sorted(src.glob("*.bas"))]
    modules += [
        module_from_text(_read_ascii(p), "class") for p in sorted(src.glob("*.cls")) if p != this_workbook
    ]
    modules.append(xlwings_runtime())
    modules.append(module_from_text(generate_udf_vba(udf_module, ADDIN_FILE_NAME)))
    return modules


def _sheets(udf_module: types.ModuleType, interpreter: str | None, pythonpath: str | None) -> list[Sheet]:
    # keys are upper-cased by xlwings; an empty value would hide the user's own config file
    config: list[tuple[str, str]] = []
    if interpreter:
        config.append(("Interpreter_Win", interpreter))
    if pythonpath:
        config.append(("PYTHONPATH", pythonpath))
    config.append(("UDF Modules", udf_module.__name__))
    texts: list[list[str | int | float]] = [["msg", k, v] for k, v in MESSAGES.items()]
    for info in udf_infos(udf_module):
        texts.append(["udf", info.name, info.category, info.description, len(info.arg_descriptions)])
        texts[-1].extend(info.arg_descriptions)
    return [
        Sheet(CONFIG_SHEET, "Sheet1", [list(kv) for kv in config]),
        Sheet(TEXT_SHEET, "Sheet2", texts, hidden=True),
    ]


def addin_bytes(
    udf_module: types.ModuleType | str | None = None,
    *,
    interpreter: str | None = None,
    pythonpath: str | None = None,
) -> bytes:
    """The bytes of the add-in; see :func:`build_addin`."""
    module = _resolve_udf_module(udf_module)
    custom_ui = (vba_dir() / "customUI14.xml").read_bytes()
    modules = vba_modules(module)
    check_callbacks(custom_ui, modules)
    project = VBAProject(PROJECT_NAME, modules)
    parts = package_parts(_sheets(module, interpreter, pythonpath), project.to_bytes(), custom_ui)
    return write_package(parts)


def build_addin(
    out_path: str | Path,
    udf_module: types.ModuleType | str | None = None,
    *,
    interpreter: str | None = None,
    pythonpath: str | None = None,
) -> Path:
    """Build the Excel add-in.

    Args:
        out_path: the .xlam file to write (its folder must exist).
        udf_module: the module of Python UDFs (object or dotted name); default ``xlperf.excel.udfs``.
        interpreter: python.exe written to the config sheet as ``Interpreter_Win`` (install sets it).
        pythonpath: extra ``PYTHONPATH`` for xlwings, written to the config sheet when given.

    Returns:
        The path written.

    Raises:
        AddinError: the UDF module, a VBA source or a ribbon callback is missing or invalid.
    """
    out = Path(out_path)
    data = addin_bytes(udf_module, interpreter=interpreter, pythonpath=pythonpath)
    if not out.parent.is_dir():
        raise AddinError(f"输出文件夹 {out.parent} 不存在。")
    out.write_bytes(data)
    return out
