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

from xlperf import __version__ as XLPERF_VERSION
from xlperf.addin.ovba import (
    WORKSHEET_BASE,
    Module,
    VBAProject,
    document_module,
    module_from_text,
)
from xlperf.addin.package import Sheet, package_parts, write_package
from xlperf.addin.versions import SUPPORTED_XLWINGS, probe_code, xlwings_supported
from xlperf.addin.wrappers import AddinError, generate_udf_vba, udf_infos
from xlperf.core.names import shown_name
from xlperf.safe_io import atomic_write_bytes

PROJECT_NAME = "xlperf"  # the VBA project name and xlwings' PROJECT_NAME (config sheet and file names)
CONFIG_SHEET = f"{PROJECT_NAME}.conf"  # the sheet xlwings' custom add-in runtime reads its settings from
TEXT_SHEET = "xlperf.text"  # user-facing texts for the ASCII-only VBA
DEFAULT_UDF_MODULE = "xlperf.excel.udfs"
ADDIN_FILE_NAME = "xlperf.xlam"
CUSTOM_UI_NS = "http://schemas.microsoft.com/office/2009/07/customui"

RUNTIME_MODULE = "xlwings"  # the VBA module name of xlwings' runtime
UDF_ERROR_FUNCTION = "XlperfUdfError"  # what a UDF cell shows when its call fails (vba/XlperfSetup.bas)
WHEEL = f"xlperf-{XLPERF_VERSION}-py3-none-any.whl"

# texts the VBA shows (rows "msg" | key | text of the hidden sheet). {0} and {1} are filled in by the
# VBA (the interpreter, an exit code or an error text); the build fills in the versions. A message box
# holds at most 1024 characters: tests/test_vba_checks.py checks every text with a long path in it.
MESSAGE_TEMPLATES = {
    "title": "绩效自评",
    "no_workbook": "请先打开要处理的工作簿，再点击此按钮。",
    "setup_missing_interpreter": (
        "找不到加载项配置的 Python：\n{0}\n\n这个文件不存在：Python 可能已被卸载、移动或升级到了别的文件夹。\n"
        "请在“命令提示符”中用现在的 Python 运行 xlperf addin install，重新配置加载项；"
        "如果本机还没有 Python，请先安装 Python 3.11 或更高版本（python.org）。"
    ),
    "setup_no_python": (
        "找不到 Python：本机的 PATH 中没有 python，或只有 Microsoft Store 的 python 占位程序。\n\n"
        "请安装 Python 3.11 或更高版本（python.org，安装时勾选“Add python.exe to PATH”），"
        "然后在“命令提示符”中运行：\n    pip install {wheel}\n    xlperf addin install\n"
        "如果电脑不允许安装软件，请联系单位的信息化部门。"
    ),
    "setup_old_python": (
        "加载项使用的 Python 版本太低：\n{0}\n\nxlperf 需要 Python 3.11 或更高版本。请安装新版 Python"
        "（python.org），然后在“命令提示符”中运行：\n    pip install {wheel}\n    xlperf addin install"
    ),
    "setup_no_xlperf": (
        "加载项使用的 Python 中没有安装 xlperf：\n{0}\n\n请在“命令提示符”中运行：\n"
        '    "{0}" -m pip install {wheel}\n    "{0}" -m xlperf addin install'
    ),
    "setup_no_xlwings": (
        "加载项使用的 Python 中没有安装 xlwings（加载项运行需要它）：\n{0}\n\n请在“命令提示符”中运行：\n"
        '    "{0}" -m pip install "xlwings{spec}"'
    ),
    "setup_broken_xlperf": (
        "加载项使用的 Python 中的 xlperf 安装不完整，无法载入：\n{0}\n\n请在“命令提示符”中重新安装：\n"
        '    "{0}" -m pip install --force-reinstall {wheel}\n    "{0}" -m xlperf addin install'
    ),
    "setup_xlwings_mismatch": (
        "本加载项是按 xlwings {xlwings} 生成的，而加载项使用的 Python 中装的是另一个版本的 xlwings，"
        "单元格里的 XP_ 函数将无法计算（按钮仍可使用）。\n{0}\n\n请在“命令提示符”中运行\n"
        '    "{0}" -m xlperf addin install\n重新生成加载项，然后重新启动 Excel。'
    ),
    "setup_xlperf_mismatch": (
        "本加载项由 xlperf {xlperf} 生成，而加载项使用的 Python 中装的是另一个版本的 xlperf，"
        "部分按钮可能无法使用。\n{0}\n\n请在“命令提示符”中运行\n"
        '    "{0}" -m xlperf addin install\n更新加载项，然后重新启动 Excel。'
    ),
    "setup_python_failed": (
        "Python 无法正常启动（退出代码 {1}）：\n{0}\n\n常见原因：设置了 PYTHONHOME 或 PYTHONPATH 环境变量，"
        "或 Python 安装已损坏。请删除这两个环境变量（“设置”中搜索“编辑系统环境变量”→ 环境变量），"
        "或重新安装 Python，然后运行 xlperf addin install。"
    ),
    "setup_blocked": (
        "Excel 无法启动 Python：{1}\n\n可能是 Windows Defender 或其他安全软件禁止 Office 启动其他程序，"
        "或 Windows 脚本宿主（WScript）被禁用。请联系单位的信息化部门，说明需要允许 Excel 运行：\n{0}"
    ),
    "setup_next": "处理后再点一次按钮即可；点击“绩效自评”选项卡上的“诊断”可查看完整的检查结果。",
    "udf_no_python": "未连接 Python：请点“绩效自评→诊断”",
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


def installed_xlwings() -> str:
    """The installed xlwings version; an :class:`AddinError` when it is outside :data:`SUPPORTED_XLWINGS`."""
    version = xlwings.__version__
    if not xlwings_supported(version):
        raise AddinError(
            f"已安装的 xlwings 版本为 {version}，加载项只支持 xlwings{SUPPORTED_XLWINGS}；"
            f'请运行 pip install "xlwings{SUPPORTED_XLWINGS}" 后再生成加载项。'
        )
    return version


def xlwings_runtime() -> Module:
    """The xlwings VBA runtime for custom add-ins, from the installed xlwings: our PROJECT_NAME, and
    ``Option Private Module`` so that its public functions (RunPython, GetConfig, FileExists, ...)
    stay out of Excel's Insert Function dialog and formula autocomplete. Nothing else is changed."""
    version = installed_xlwings()
    path = Path(xlwings.__file__).with_name("xlwings_custom_addin.bas")
    if not path.is_file():
        raise AddinError(f"已安装的 xlwings {version} 中没有 xlwings_custom_addin.bas。")
    text, n = _PROJECT_NAME_LINE.subn(rf'\1"{PROJECT_NAME}"', _read_ascii(path))
    if n != 1:
        raise AddinError(f"xlwings {version} 的 VBA 运行库中找不到 PROJECT_NAME 设置。")
    head, sep, rest = text.partition("\n")
    if not head.startswith("Attribute VB_Name") or "Option Private Module" in text:
        raise AddinError(f"xlwings {version} 的 VBA 运行库格式与预期不同（第一行应为 Attribute VB_Name）。")
    return module_from_text(f"{head}{sep}Option Private Module\n{rest}")


_DLL_NAME = re.compile(r'Const XLPyDLLName As String = "(xlwings(64|32)-[^"]+\.dll)"')


def runtime_dll_names(runtime: str) -> dict[str, str]:
    """The DLL file names the runtime loads, by Office bitness: ``{"64": "xlwings64-0.37.8.dll", "32": ...}``."""
    names = {bits: name for name, bits in _DLL_NAME.findall(runtime)}
    if set(names) != {"64", "32"}:
        raise AddinError("xlwings 的 VBA 运行库中找不到 32 位和 64 位 DLL 的名称（XLPyDLLName）。")
    return names


def build_record(runtime: str, udf_module: str) -> dict[str, str]:
    """What the add-in records about its build (rows "build" | key | value of the hidden sheet): the
    versions it was made for, the DLLs its runtime loads, and the probe its VBA runs. ``xlperf doctor``
    and the add-in itself compare them with what is installed."""
    dlls = runtime_dll_names(runtime)
    m = re.search(r'^Public Const XLWINGS_VERSION As String = "([^"]+)"', runtime, re.MULTILINE)
    if m is None:
        raise AddinError("xlwings 的 VBA 运行库中找不到版本号（XLWINGS_VERSION）。")
    version = m.group(1)
    return {
        "xlperf": XLPERF_VERSION,
        "xlwings": version,
        "xlwings_spec": SUPPORTED_XLWINGS,
        "dll64": dlls["64"],
        "dll32": dlls["32"],
        "udf_module": udf_module,
        "probe": probe_code(version, XLPERF_VERSION),
    }


def messages(record: dict[str, str]) -> dict[str, str]:
    """:data:`MESSAGE_TEMPLATES` with the build's versions filled in ({0} and {1} stay for the VBA)."""
    values = {"wheel": WHEEL, "spec": record["xlwings_spec"], "xlwings": record["xlwings"],
              "xlperf": record["xlperf"]}  # fmt: skip
    out = {}
    for key, text in MESSAGE_TEMPLATES.items():
        for name, value in values.items():
            text = text.replace("{" + name + "}", value)
        out[key] = text
    return out


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
    modules.append(module_from_text(generate_udf_vba(udf_module, ADDIN_FILE_NAME, UDF_ERROR_FUNCTION)))
    return modules


def _sheets(
    udf_module: types.ModuleType, record: dict[str, str], interpreter: str | None, pythonpath: str | None
) -> list[Sheet]:
    # keys are upper-cased by xlwings; an empty value would hide the user's own config file
    config: list[tuple[str, str]] = []
    if interpreter:
        config.append(("Interpreter_Win", interpreter))
    if pythonpath:
        config.append(("PYTHONPATH", pythonpath))
    config.append(("UDF Modules", udf_module.__name__))
    texts: list[list[str | int | float]] = [["msg", k, v] for k, v in messages(record).items()]
    texts += [["build", k, v] for k, v in record.items()]
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
    return package_bytes(module, vba_modules(module), interpreter=interpreter, pythonpath=pythonpath)


def package_bytes(
    udf_module: types.ModuleType,
    modules: Sequence[Module],
    *,
    interpreter: str | None = None,
    pythonpath: str | None = None,
    addin: bool = True,
    record: dict[str, str] | None = None,
) -> bytes:
    """The package around ``modules`` (:func:`vba_modules`, or a variant of them for a test): the ribbon,
    the config and text sheets with the build record (``record``, default read from the runtime
    module). ``addin=False`` writes a macro-enabled workbook (.xlsm), which LibreOffice opens without
    being told the format."""
    custom_ui = (vba_dir() / "customUI14.xml").read_bytes()
    check_callbacks(custom_ui, modules)
    if record is None:
        runtime = next(m.source for m in modules if m.name == RUNTIME_MODULE)
        record = build_record(runtime, udf_module.__name__)
    project = VBAProject(PROJECT_NAME, list(modules))
    sheets = _sheets(udf_module, record, interpreter, pythonpath)
    return write_package(package_parts(sheets, project.to_bytes(), custom_ui, addin=addin))


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
        AddinError: the UDF module, a VBA source or a ribbon callback is missing or invalid, or the
            installed xlwings is outside :data:`xlperf.addin.versions.SUPPORTED_XLWINGS`.
    """
    out = Path(out_path)
    data = addin_bytes(udf_module, interpreter=interpreter, pythonpath=pythonpath)
    if not out.parent.is_dir():
        raise AddinError(f"输出文件夹 {shown_name(out.parent)} 不存在。")
    atomic_write_bytes(out, data)  # an add-in killed halfway leaves the previous one, never half a file
    return out
