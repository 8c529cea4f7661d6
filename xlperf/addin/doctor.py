"""``xlperf doctor`` and the ribbon's 诊断 button: what stands between this PC and a working add-in.

The checks are pure functions of an :class:`Environment`, a plain description of the PC (Python, the
installed packages, the installed add-in and what it records about its build, Excel's start-up folder,
trusted locations, the COM registration of Excel.Application, environment variables, which files
exist). :func:`gather` describes the real PC (Windows registry and files where there are some; on
Linux what there is), the tests describe made-up ones. Each check gives one :class:`Check`: a status
(正常/警告/错误), what was found, and what to do.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import ntpath
import os
import posixpath
import re
import struct
import sys
import zipfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from xlperf import __version__ as XLPERF_VERSION
from xlperf.addin.package import read_rows
from xlperf.addin.versions import MIN_PYTHON, SUPPORTED_XLWINGS, xlwings_supported

OK, WARN, ERROR = "ok", "warn", "error"
STATUS_ZH = {OK: "正常", WARN: "警告", ERROR: "错误"}
ADDIN_FILE_NAME = "xlperf.xlam"
CONFIG_SHEET_PART = "xl/worksheets/sheet1.xml"  # xlperf.conf (see xlperf.addin.build)
TEXT_SHEET_PART = "xl/worksheets/sheet2.xml"  # xlperf.text: rows "build" | key | value
EXCEL_CLSID = "{00024500-0000-0000-C000-000000000046}"  # Excel.Application
OFFICE_VERSIONS = ("16.0", "15.0")  # Office 2016/2019/2021/365, Office 2013
WHEEL = f"xlperf-{XLPERF_VERSION}-py3-none-any.whl"
ENV_KEYS = ("PYTHONHOME", "PYTHONPATH", "USERPROFILE", "APPDATA", "LOCALAPPDATA", "USERNAME", "OneDrive",
            "OneDriveCommercial", "OneDriveConsumer")  # fmt: skip


@dataclass(frozen=True)
class Check:
    """One line of the diagnosis."""

    name: str
    status: str  # OK / WARN / ERROR
    detail: str
    advice: str = ""

    @property
    def status_zh(self) -> str:
        return STATUS_ZH[self.status]


@dataclass(frozen=True)
class InstalledAddin:
    """An add-in file as found: its path, the build record and config rows it holds, its zone (3 =
    downloaded from the internet, from the file's Zone.Identifier), or why it could not be read."""

    path: str
    record: Mapping[str, str] = field(default_factory=dict)
    config: Mapping[str, str] = field(default_factory=dict)  # keys upper-cased, as xlwings reads them
    zone: int | None = None
    error: str | None = None


@dataclass(frozen=True)
class Environment:
    """Everything the checks look at. Paths are as the OS writes them (``platform`` decides whether
    they are Windows paths); ``existing`` holds the paths among those the checks ask about that exist."""

    platform: str
    python_version: tuple[int, int, int]
    python_bits: int
    executable: str
    prefix: str
    user_base: str | None = None
    env: Mapping[str, str] = field(default_factory=dict)
    xlperf_path: str = ""
    xlperf_version: str = XLPERF_VERSION
    xlwings_version: str | None = None
    xlwings_path: str | None = None
    pywin32_version: str | None = None
    ansi_codepage: str | None = None  # Windows' ANSI code page as a codec name ("cp936")
    xlstart: str | None = None
    addin: InstalledAddin | None = None
    other_addins: tuple[str, ...] = ()  # xlperf.xlam loaded from elsewhere too (Excel's OPEN keys)
    trusted_locations: tuple[str, ...] | None = None  # None: unknown
    trusted_disabled: bool = False  # policy: trusted locations are off
    excel_com_server: str | None = None  # LocalServer32 of Excel.Application's CLSID
    excel_bits: int | None = None  # None: unknown
    in_excel: bool = False  # gathered by the 诊断 button, from the Python Excel starts
    workbook: str | None = None  # the workbook active in Excel, when in_excel
    existing: frozenset[str] = frozenset()

    @property
    def windows(self) -> bool:
        return self.platform == "win32"

    @property
    def path(self):  # the os.path module for this environment's paths
        return ntpath if self.windows else posixpath

    def exists(self, path: str) -> bool:
        return self.path.normcase(path) in self.existing


# --------------------------------------------------------------------------------------------------
# What the checks need to know: the interpreter Excel runs, the DLLs it loads and where
# --------------------------------------------------------------------------------------------------


def addin_interpreter(env: Environment) -> str | None:
    """The python.exe the installed add-in starts (its config's Interpreter_Win), if it names one."""
    if env.addin is None:
        return None
    value = env.addin.config.get("INTERPRETER_WIN") or env.addin.config.get("INTERPRETER")
    return value or None


def expected_dlls(env: Environment) -> dict[int, str]:
    """The xlwings DLLs the add-in loads, by Office bitness: from its build record, or (no add-in)
    the ones of the installed xlwings."""
    record = env.addin.record if env.addin is not None else {}
    if record.get("dll64") and record.get("dll32"):
        return {64: record["dll64"], 32: record["dll32"]}
    if env.xlwings_version:
        return {64: f"xlwings64-{env.xlwings_version}.dll", 32: f"xlwings32-{env.xlwings_version}.dll"}
    return {}


def dll_folders(env: Environment, interpreter: str) -> list[str]:
    """Where xlwings' VBA looks for its DLL (XLPyLoadDLL): the interpreter's folder, then its parent
    (a virtual environment's Scripts folder sits one below the DLL)."""
    folder = env.path.dirname(interpreter)
    return [folder, env.path.dirname(folder)]


def asked_paths(env: Environment) -> list[str]:
    """Every path whose existence the checks ask about (what :func:`gather` stats)."""
    out = []
    interpreter = addin_interpreter(env) or env.executable
    out.append(interpreter)
    folders = dll_folders(env, interpreter) + [env.prefix] + ([env.user_base] if env.user_base else [])
    for name in expected_dlls(env).values():
        out += [env.path.join(f, name) for f in folders]
    if env.xlstart:
        out += [env.xlstart, env.path.join(env.xlstart, ADDIN_FILE_NAME)]
    return out


# --------------------------------------------------------------------------------------------------
# The checks
# --------------------------------------------------------------------------------------------------


def _pip(env: Environment) -> str:
    return f'"{addin_interpreter(env) or env.executable}" -m pip'


def check_python(env: Environment) -> Check:
    v = ".".join(map(str, env.python_version))
    detail = f"Python {v}（{env.python_bits} 位）：{env.executable}"
    if env.python_version[:2] < MIN_PYTHON:
        return Check("Python", ERROR, detail, "xlperf 需要 Python 3.11 或更高版本：请从 python.org 安装新版 Python，"
                     f"再运行 pip install {WHEEL} 和 xlperf addin install。")  # fmt: skip
    store = (
        "\\windowsapps\\" in env.executable.lower()
        or "pythonsoftwarefoundation.python" in env.executable.lower()
    )
    if env.windows and store:
        return Check("Python", WARN, detail + "（Microsoft Store 版）",
                     "Microsoft Store 版 Python 运行在隔离环境中，Excel 常常无法启动它或找不到 xlwings 的 DLL。"
                     "建议从 python.org 下载安装程序安装 Python，再运行 pip install 和 xlperf addin install。")  # fmt: skip
    return Check("Python", OK, detail)


def check_packages(env: Environment) -> Check:
    where = f"xlperf {env.xlperf_version}（{env.xlperf_path}）"
    if env.xlwings_version is None:
        return Check("xlperf 与 xlwings", ERROR, f"{where}；没有安装 xlwings",
                     f'请运行 {_pip(env)} install "xlwings{SUPPORTED_XLWINGS}"。')  # fmt: skip
    where += f"；xlwings {env.xlwings_version}（{env.xlwings_path}）"
    if not xlwings_supported(env.xlwings_version):
        return Check("xlperf 与 xlwings", ERROR, where + f"：xlperf 只支持 xlwings{SUPPORTED_XLWINGS}",
                     f'请运行 {_pip(env)} install "xlwings{SUPPORTED_XLWINGS}"，再运行 xlperf addin install。')  # fmt: skip
    if env.windows and env.pywin32_version is None:
        return Check("xlperf 与 xlwings", ERROR, where + "；没有安装 pywin32（xlwings 在 Windows 上需要它）",
                     f"请运行 {_pip(env)} install pywin32。")  # fmt: skip
    return Check("xlperf 与 xlwings", OK, where)


def check_addin_file(env: Environment) -> Check:
    name = "加载项文件"
    if env.addin is None:
        where = env.xlstart or "（未找到 Excel 的启动文件夹）"
        return Check(name, ERROR, f"启动文件夹 {where} 中没有 {ADDIN_FILE_NAME}",
                     "请在“命令提示符”中运行 xlperf addin install，然后重新启动 Excel。")  # fmt: skip
    if env.addin.error:
        return Check(name, ERROR, f"{env.addin.path}：{env.addin.error}",
                     "请运行 xlperf addin install 重新安装加载项（先关闭 Excel）。")  # fmt: skip
    if not env.addin.record:
        return Check(name, ERROR, f"{env.addin.path}：加载项中没有版本记录（由旧版 xlperf 生成）",
                     "请运行 xlperf addin install 重新安装加载项（先关闭 Excel）。")  # fmt: skip
    detail = f"{env.addin.path}（由 xlperf {env.addin.record.get('xlperf', '?')}、xlwings " \
             f"{env.addin.record.get('xlwings', '?')} 生成）"  # fmt: skip
    if env.addin.zone is not None and env.addin.zone >= 3:
        return Check(name, ERROR, detail + "：文件带有“来自网络”的标记，Office 会阻止其中的宏",
                     "请运行 xlperf addin install 在本机重新生成加载项；或右键点击该文件 → 属性 → 勾选“解除锁定”。")  # fmt: skip
    return Check(name, OK, detail)


def check_addin_versions(env: Environment) -> Check:
    name = "加载项版本"
    if env.addin is None or not env.addin.record:
        return Check(name, WARN, "没有可比较的加载项", "安装加载项后再检查：xlperf addin install。")
    built_xlw = env.addin.record.get("xlwings", "")
    built_xlp = env.addin.record.get("xlperf", "")
    if env.xlwings_version is not None and built_xlw != env.xlwings_version:
        return Check(name, ERROR, f"加载项按 xlwings {built_xlw} 生成，本机安装的是 xlwings {env.xlwings_version}："
                     "单元格中的 XP_ 函数将无法计算",
                     "请运行 xlperf addin install 重新生成加载项（先关闭 Excel）。")  # fmt: skip
    if built_xlp != env.xlperf_version:
        return Check(name, WARN, f"加载项由 xlperf {built_xlp} 生成，本机安装的是 xlperf {env.xlperf_version}",
                     "请运行 xlperf addin install 更新加载项（先关闭 Excel）。")  # fmt: skip
    return Check(name, OK, f"与本机的 xlperf {env.xlperf_version}、xlwings {env.xlwings_version} 一致")


def check_interpreter(env: Environment) -> Check:
    name = "加载项使用的 Python"
    if env.addin is None:
        return Check(name, WARN, "没有加载项，无从检查", "安装加载项：xlperf addin install。")
    interpreter = addin_interpreter(env)
    if interpreter is None:
        return Check(name, WARN, "加载项没有指定 Python，Excel 将使用 PATH 中的 python",
                     "请用要使用的 Python 运行 xlperf addin install，把它的路径写入加载项。")  # fmt: skip
    if interpreter.lower() in ("python", "pythonw"):
        return Check(name, WARN, f"加载项使用 PATH 中的 {interpreter}：xlwings 不会在 Python 的文件夹中查找 DLL",
                     "请用要使用的 Python 运行 xlperf addin install，把它的完整路径写入加载项。")  # fmt: skip
    if not env.exists(interpreter):
        return Check(name, ERROR, f"{interpreter} 不存在（Python 已卸载、移动或升级）",
                     "请用现在的 Python 运行 xlperf addin install，重新配置加载项。")  # fmt: skip
    same = env.path.normcase(interpreter) == env.path.normcase(env.executable)
    pythonw = env.path.normcase(interpreter) == env.path.normcase(
        env.path.join(env.path.dirname(env.executable), "pythonw.exe"))  # fmt: skip
    if not (same or pythonw):
        return Check(name, WARN, f"加载项使用 {interpreter}，而本次检查运行在 {env.executable}",
                     f'这是两个不同的 Python：请用 "{interpreter}" -m xlperf doctor 检查加载项实际使用的 Python，'
                     "或用本 Python 运行 xlperf addin install。")  # fmt: skip
    return Check(name, OK, interpreter)


def check_dll(env: Environment) -> Check:
    name = "xlwings DLL"
    dlls = expected_dlls(env)
    if not dlls:
        return Check(
            name,
            ERROR,
            "没有安装 xlwings，也就没有它的 DLL",
            f'请运行 {_pip(env)} install "xlwings{SUPPORTED_XLWINGS}"。',
        )
    interpreter = addin_interpreter(env) or env.executable
    if interpreter.lower() in ("python", "pythonw"):
        interpreter = env.executable
    folders = dll_folders(env, interpreter)
    bits = [env.excel_bits] if env.excel_bits in dlls else [64, 32]
    missing, found = [], []
    for b in bits:
        hit = next((f for f in folders if env.exists(env.path.join(f, dlls[b]))), None)
        (found if hit else missing).append((b, hit))
    where = "、".join(folders)
    if not missing:
        return Check(name, OK, "；".join(f"{dlls[b]}：{hit}" for b, hit in found))
    if found and env.excel_bits is None:
        b = missing[0][0]
        return Check(name, WARN, f"只找到 {dlls[found[0][0]]}，没有 {dlls[b]}（{b} 位 Office 需要）",
                     f"如果 Office 是 {b} 位的，请重新安装 xlwings：{_pip(env)} install --force-reinstall "
                     f'"xlwings=={env.xlwings_version}"。')  # fmt: skip
    b = missing[0][0]
    elsewhere = [env.path.join(f, dlls[b]) for f in (env.user_base, env.prefix) if f]
    elsewhere = [p for p in elsewhere if env.exists(p) and env.path.dirname(p) not in folders]
    if elsewhere:
        return Check(name, ERROR, f"Excel 在 {where} 中找不到 {dlls[b]}；它在 {elsewhere[0]}（xlwings 以 --user 方式安装）",
                     f"请把 {elsewhere[0]} 复制到 {folders[0]}；或以管理员身份打开“命令提示符”，"
                     f'运行 {_pip(env)} install --force-reinstall "xlwings=={env.xlwings_version}"。')  # fmt: skip
    return Check(name, ERROR, f"Excel 在 {where} 中找不到 {dlls[b]}，单元格中的 XP_ 函数将无法计算",
                 f'请运行 {_pip(env)} install --force-reinstall "xlwings=={env.xlwings_version}"，'
                 "再运行 xlperf addin install。")  # fmt: skip


def check_xlstart(env: Environment) -> Check:
    name = "Excel 启动文件夹"
    if not env.xlstart:
        return Check(
            name, ERROR, "找不到 Excel 的启动文件夹（APPDATA 环境变量为空）", "请联系信息化部门检查用户配置。"
        )
    if not env.exists(env.xlstart):
        return Check(name, ERROR, f"{env.xlstart} 不存在", "运行 xlperf addin install 会创建它并安装加载项。")
    if env.other_addins:
        return Check(name, WARN, f"{env.xlstart}；另外还从 {'、'.join(env.other_addins)} 加载了 {ADDIN_FILE_NAME}",
                     "同一个加载项加载两次会让按钮和函数指向不同的文件：请在 Excel 的“文件 → 选项 → 加载项 → "
                     "Excel 加载项 → 转到”中取消勾选另一份。")  # fmt: skip
    return Check(name, OK, env.xlstart)


def check_trust(env: Environment) -> Check:
    name = "受信任位置"
    if env.trusted_disabled:
        return Check(name, ERROR, "单位策略禁用了所有受信任位置：启动文件夹中的加载项不能运行宏",
                     "请联系信息化部门，把 Excel 的启动文件夹（XLSTART）设为受信任位置，或为加载项签名。")  # fmt: skip
    if env.trusted_locations is None or env.xlstart is None:
        return Check(name, OK, "XLSTART 是 Excel 默认的受信任位置")
    folder = env.path.normcase(env.xlstart.rstrip("\\/"))
    for loc in env.trusted_locations:
        expanded = _expand(loc, env)
        if folder == env.path.normcase(expanded.rstrip("\\/")):
            return Check(name, OK, f"{env.xlstart} 在受信任位置列表中")
    return Check(name, WARN, f"{env.xlstart} 不在 Excel 的受信任位置列表中",
                 "如按钮没有反应或提示宏已禁用：“文件 → 选项 → 信任中心 → 信任中心设置 → 受信任位置”中添加该文件夹，"
                 "或请信息化部门处理。")  # fmt: skip


def _under(env: Environment, path: str, folder: str) -> bool:
    p, f = env.path.normcase(path), env.path.normcase(folder).rstrip("\\/")
    return p.startswith(f + env.path.sep)


def _expand(path: str, env: Environment) -> str:
    return re.sub(r"%([^%]+)%", lambda m: env.env.get(m.group(1), m.group(0)), path)


def check_environment_variables(env: Environment) -> Check:
    name = "环境变量"
    home, path = env.env.get("PYTHONHOME"), env.env.get("PYTHONPATH")
    if home and env.path.normcase(home.rstrip("\\/")) != env.path.normcase(env.prefix.rstrip("\\/")):
        return Check(name, ERROR, f"设置了 PYTHONHOME={home}，它不是本机 Python 的文件夹（{env.prefix}）："
                     "Excel 启动的 Python 可能无法运行",
                     "请删除 PYTHONHOME 环境变量（“设置”中搜索“编辑系统环境变量”→ 环境变量），或请信息化部门删除。")  # fmt: skip
    if home or path:
        found = "；".join(f"{k}={v}" for k, v in (("PYTHONHOME", home), ("PYTHONPATH", path)) if v)
        return Check(name, WARN, f"设置了 {found}：其中的包会先于 xlperf 所在环境的包被载入",
                     "如果按钮报告找不到模块或版本不对，请删除这些环境变量。")  # fmt: skip
    return Check(name, OK, "没有设置 PYTHONHOME 和 PYTHONPATH")


def check_paths(env: Environment) -> Check:
    name = "路径"
    interpreter = addin_interpreter(env) or env.executable
    paths = {"Python": interpreter, "用户文件夹": env.env.get("USERPROFILE", "")}
    if env.addin is not None:
        paths["加载项"] = env.addin.path
    if env.windows and env.ansi_codepage:
        for what, p in paths.items():
            try:
                p.encode(env.ansi_codepage)
            except (UnicodeEncodeError, LookupError):
                return Check(name, ERROR, f"{what}的路径 {p} 含有系统代码页（{env.ansi_codepage}）无法表示的字符："
                             "xlwings 按该代码页传递 DLL 路径，会找不到 DLL",
                             "请把 Python 安装到只含英文字母和数字的文件夹（如 C:\\Python311），再运行 pip install 和 "
                             "xlperf addin install。")  # fmt: skip
    clouds = [v for k, v in env.env.items() if k.lower().startswith("onedrive") and v]
    for what, p in paths.items():
        if what != "用户文件夹" and any(_under(env, p, cloud) for cloud in clouds):
            return Check(name, WARN, f"{what}位于 OneDrive 同步文件夹中：{p}",
                         "OneDrive 可能只把文件保存在云端，Excel 加载 DLL 或启动 Python 时会失败；"
                         "请把 Python 安装到本地文件夹（如 C:\\Python311），再运行 pip install 和 xlperf addin install。")  # fmt: skip
    if env.in_excel and env.workbook and re.match(r"https?://", env.workbook):
        return Check(name, WARN, f"当前工作簿在网络位置打开：{env.workbook}",
                     "请先把工作簿保存到本机文件夹，再使用“绩效自评”选项卡上的按钮。")  # fmt: skip
    odd = [p for p in paths.values() if p and not p.isascii()]
    if odd:
        return Check(name, OK, f"路径含有中文等非英文字符（系统代码页可以表示）：{odd[0]}")
    return Check(name, OK, "路径中没有会妨碍加载项的字符或同步文件夹")


def check_excel_registration(env: Environment) -> Check:
    name = "Excel 的 COM 注册"
    server = env.excel_com_server
    if not server:
        return Check(name, ERROR, "系统中没有注册 Excel.Application（没有安装 Microsoft Excel，或安装已损坏）",
                     "请安装或修复 Microsoft Office（控制面板 → 程序和功能 → Microsoft Office → 更改 → 快速修复）。")  # fmt: skip
    low = server.lower()
    if "excel.exe" in low:
        return Check(name, OK, f"Excel.Application 由 Excel 提供：{server}")
    if any(w in low for w in ("wps", "kingsoft", "\\et.exe", "ksolaunch")):
        return Check(name, ERROR, f"Excel.Application 被 WPS 接管：{server}。xlwings 通过它连接 Excel，会连到 WPS 而失败",
                     "请在 WPS 的“配置工具 → 高级 → 兼容设置”中取消“WPS Office 兼容第三方系统和软件”，"
                     "然后修复 Microsoft Office（控制面板 → 程序和功能 → Microsoft Office → 更改 → 快速修复）。")  # fmt: skip
    return Check(
        name,
        WARN,
        f"Excel.Application 由 {server} 提供，不是 Excel",
        "如按钮或函数无法使用，请修复 Microsoft Office。",
    )


CHECKS: tuple[Callable[[Environment], Check], ...] = (
    check_python,
    check_packages,
    check_addin_file,
    check_addin_versions,
    check_interpreter,
    check_dll,
    check_xlstart,
    check_trust,
    check_environment_variables,
    check_paths,
    check_excel_registration,
)
# what only means something where Excel runs; elsewhere one line says they were not checked
WINDOWS_ONLY = {check_interpreter, check_dll, check_xlstart, check_trust, check_excel_registration}
ADDIN_CHECKS = {check_addin_file, check_addin_versions}


def diagnose(env: Environment) -> list[Check]:
    """Every check on ``env``, in a fixed order. Off Windows, the checks of Excel's side are one line
    (and the add-in's own checks run only on an add-in file given to check)."""
    if env.windows:
        return [check(env) for check in CHECKS]
    out = [
        c(env) for c in CHECKS if c not in WINDOWS_ONLY and (c not in ADDIN_CHECKS or env.addin is not None)
    ]
    skipped = "加载项的安装、" if env.addin is None else ""
    out.append(Check("Excel 相关检查", WARN,
                     f"本机不是 Windows：未检查{skipped}加载项使用的 Python、xlwings 的 DLL、Excel 启动文件夹、"
                     "受信任位置和 Excel 的注册（这些只在装有 Excel 的 Windows 电脑上有意义）",
                     "在要使用加载项的 Windows 电脑上运行 xlperf doctor，或在 Excel 中点击“绩效自评 → 诊断”。"))  # fmt: skip
    return out


# --------------------------------------------------------------------------------------------------
# The WPS add-in (xlperf wps install): pure checks over facts gathered by xlperf.wps.facts
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WpsFacts:
    """What the WPS checks look at. ``service``: "running" (proves it knows the install secret),
    "not_ours" (something answers on the port but cannot prove it), "stopped" (nothing answers), or
    "unknown" (no settings to ask with). ``trust``: see :func:`xlperf.wps.facts.trust_state`."""

    platform: str
    jsaddons: str
    wps_installed: bool | None = None  # None: cannot tell
    addin_folders: tuple[str, ...] = ()  # ours (name_version folders holding our marker)
    addin_missing: tuple[str, ...] = ()  # files missing in the folder publish.xml names
    publish_exists: bool = False
    publish_error: str | None = None
    publish_versions: tuple[str, ...] = ()  # versions of our entries in publish.xml
    config_path: str = ""
    config_error: str | None = None
    port: int | None = None
    key_matches: bool | None = None  # the add-in's key file holds the service's port and secret
    service: str = "unknown"
    service_version: str | None = None
    autostart: str | None = None  # the login entry, when there is one
    autostart_expected: str = ""
    blockhost: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (file, its lines naming et or xlperf)
    oem: tuple[tuple[str, bool | None], ...] = ()  # (oem.ini, its [Support] JsApiPlugin is true)
    trust: str = "unknown"  # what WPS 表格 recorded in authaddin.json: trusted/not_loaded/disabled/pending

    @property
    def installed(self) -> bool:
        return bool(self.addin_folders or self.publish_versions)


def check_wps_addin(f: WpsFacts) -> Check:
    name = "WPS 加载项"
    if not f.installed:
        if f.wps_installed:
            return Check(name, WARN, f"本机装有 WPS，但没有安装“绩效自评”加载项（{f.jsaddons}）",
                         "在 WPS 表格中使用“绩效自评”选项卡：运行 xlperf wps install，然后重新启动 WPS。")  # fmt: skip
        return Check(
            name, OK, "没有安装 WPS 加载项（只用 Excel 时无需安装；使用 WPS 时运行 xlperf wps install）"
        )
    if f.publish_error:
        return Check(name, ERROR, f"publish.xml 无法读取：{f.publish_error}",
                     "WPS 按 publish.xml 加载加载项：请备份并修复或删除该文件，再运行 xlperf wps install。")  # fmt: skip
    if not f.publish_versions:
        return Check(name, ERROR, f"加载项文件在 {f.addin_folders[0]}，但 publish.xml 中没有登记",
                     "运行 xlperf wps install 重新登记，然后重新启动 WPS。")  # fmt: skip
    if f.addin_missing:
        return Check(name, ERROR, f"加载项文件不全（缺少 {'、'.join(f.addin_missing)}）",
                     "运行 xlperf wps install 重新安装，然后重新启动 WPS。")  # fmt: skip
    if XLPERF_VERSION not in f.publish_versions:
        return Check(name, WARN, f"登记的加载项版本是 {'、'.join(f.publish_versions)}，本机 xlperf 是 {XLPERF_VERSION}",
                     "升级 xlperf 后请运行 xlperf wps install，再重新启动 WPS。")  # fmt: skip
    return Check(name, OK, f"已安装 xlperf {XLPERF_VERSION} 加载项：{f.addin_folders[0]}")


def check_wps_service(f: WpsFacts) -> Check:
    name = "本机服务（xlperf serve）"
    start = "在“命令提示符”（UOS/麒麟：终端）中运行 xlperf serve 并保持窗口打开，或运行 xlperf wps install 设置登录时自动启动。"
    if f.config_error:
        return Check(name, ERROR, f.config_error, "运行 xlperf wps install 重新生成服务设置。")
    if f.service == "running":
        version = f"，xlperf {f.service_version}" if f.service_version else ""
        if f.service_version and f.service_version != XLPERF_VERSION:
            return Check(name, WARN, f"正在运行的服务是 xlperf {f.service_version}，本机安装的是 {XLPERF_VERSION}",
                         "重新登录，或结束旧的 xlperf serve 进程后再启动。")  # fmt: skip
        return Check(name, OK, f"正在运行：http://127.0.0.1:{f.port}/{version}")
    if f.service == "not_ours":
        return Check(name, ERROR, f"端口 {f.port} 上的程序不能证明自己是本机的 xlperf 服务（可能是另一个用户的服务、"
                     "旧版本的 xlperf 服务或其他程序）：加载项不会向它发送任何内容",
                     "结束该进程（或重新登录），然后运行 xlperf wps install；端口被其他程序长期占用时用 --port 换一个端口。")  # fmt: skip
    if f.service == "stopped":
        return Check(
            name, ERROR, f"没有运行（端口 {f.port} 无应答）：WPS 中“绩效自评”的按钮会提示未连接", start
        )
    return Check(name, WARN, "还没有服务设置（没有运行过 xlperf wps install）", start)


def check_wps_key(f: WpsFacts) -> Check:
    name = "加载项与服务的密钥"
    if f.key_matches is False:
        return Check(name, ERROR, "加载项的密钥文件（xlperf.key）与服务设置不一致：按钮会提示无法确认本机服务",
                     "运行 xlperf wps install，然后重新启动 WPS。")  # fmt: skip
    if f.key_matches is None:
        return Check(
            name,
            WARN,
            "无法比较加载项与服务的密钥（缺少 xlperf.key 或服务设置）",
            "运行 xlperf wps install。",
        )
    return Check(name, OK, "一致")


def check_wps_autostart(f: WpsFacts) -> Check:
    name = "登录时启动服务"
    if f.autostart:
        return Check(name, OK, f.autostart)
    return Check(name, WARN, f"没有设置（应在 {f.autostart_expected}）：每次登录后需手动运行 xlperf serve",
                 "运行 xlperf wps install 设置登录时自动启动。")  # fmt: skip


def check_wps_blockhost(f: WpsFacts) -> Check:
    name = "WPS 的加载项限制"
    if not f.blockhost:
        return Check(name, OK, "没有发现 jsaddinblockhost.ini")
    named = [(p, lines) for p, lines in f.blockhost if lines]
    if named:
        path, lines = named[0]
        return Check(name, ERROR, f"{path} 中有限制表格加载项的设置：{'；'.join(lines[:3])}",
                     "新版 WPS 个人版会按此文件禁止加载项：请先备份该文件，删除其中这些行后重新启动 WPS；"
                     "单位统一管理的电脑请联系信息化部门。")  # fmt: skip
    return Check(name, WARN, f"发现 {f.blockhost[0][0]}（未见针对 et 或 xlperf 的设置）",
                 "如重启 WPS 后仍看不到“绩效自评”选项卡，请检查该文件或在 WPS 的加载项管理中启用 xlperf。")  # fmt: skip


TRUST_CHECK = "WPS 对加载项的信任"


def check_wps_oem(f: WpsFacts) -> Check:
    name = "WPS 的 JS 加载项开关（oem.ini）"
    if not f.oem:
        return Check(name, OK, "没有找到 WPS 的 oem.ini（个人版一般无需设置）")
    off = [path for path, on in f.oem if on is not True]
    if not off:
        return Check(name, OK, f"{f.oem[0][0]}：[Support] JsApiPlugin=true")
    unreadable = [path for path, on in f.oem if on is None and path in off]
    what = "无法读取" if unreadable and len(unreadable) == len(off) else "中没有 [Support] JsApiPlugin=true"
    return Check(name, WARN, f"{off[0]} {what}：部分 Linux 版和企业版 WPS 没有这一项就不加载任何 JS 加载项",
                 f"如重启 WPS 后看不到“绩效自评”选项卡：请以管理员身份编辑 {off[0]}，在 [Support] 节中加入一行 "
                 "JsApiPlugin=true（没有 [Support] 节就先加上这一行节名），保存后重新启动 WPS；单位统一管理的电脑请联系信息化部门。")  # fmt: skip


def check_wps_trust(f: WpsFacts) -> Check:
    name = TRUST_CHECK
    where = f"{f.jsaddons}/authaddin.json"
    if f.trust == "trusted":
        return Check(name, OK, "WPS 表格已信任并加载 xlperf")
    if f.trust == "disabled":
        return Check(name, ERROR, f"WPS 表格中 xlperf 加载项已被禁用（{where}）",
                     "在 WPS 表格的加载项管理中启用 xlperf；或运行 xlperf wps install --uninstall，再运行 xlperf wps install，"
                     "然后重新启动 WPS 表格，在询问是否信任时选择信任。")  # fmt: skip
    if f.trust == "not_loaded":
        return Check(name, ERROR, f"WPS 表格记录了对 xlperf 的信任，但没有加载它（{where} 中 isload 为 false），选项卡不会出现",
                     "运行 xlperf wps install --uninstall，再运行 xlperf wps install，然后重新启动 WPS 表格两次"
                     "（询问是否信任的那一次不会加载加载项，再启动一次后才出现“绩效自评”选项卡）。")  # fmt: skip
    if f.trust == "pending":
        return Check(name, WARN, "WPS 表格还没有记录对 xlperf 的信任（安装后还没有打开过 WPS 表格）",
                     "打开 WPS 表格，询问是否信任 xlperf 时选择信任，然后关闭并重新打开 WPS 表格（询问的那一次不会加载加载项）。")  # fmt: skip
    return Check(
        name,
        WARN,
        f"无法读取 {where}",
        "如看不到“绩效自评”选项卡，请在 WPS 表格的加载项管理中查看 xlperf 是否启用。",
    )


WPS_CHECKS: tuple[Callable[[WpsFacts], Check], ...] = (
    check_wps_addin,
    check_wps_service,
    check_wps_key,
    check_wps_autostart,
    check_wps_trust,
    check_wps_oem,
    check_wps_blockhost,
)


def diagnose_wps(f: WpsFacts) -> list[Check]:
    """The WPS checks; when the add-in is not installed, one line says so (and how to install)."""
    if not f.installed:
        return [check_wps_addin(f)]
    return [check(f) for check in WPS_CHECKS]


def exit_code(checks: Iterable[Check]) -> int:
    """0 when no check found an error (warnings allowed), 1 otherwise."""
    return 1 if any(c.status == ERROR for c in checks) else 0


def summary(checks: Iterable[Check]) -> str:
    checks = list(checks)
    n = {s: sum(c.status == s for c in checks) for s in STATUS_ZH}
    return f"共 {len(checks)} 项：{n[OK]} 项正常，{n[WARN]} 项警告，{n[ERROR]} 项错误。"


def render(checks: Iterable[Check]) -> str:
    """The diagnosis as text: one line per check, the advice indented under warnings and errors."""
    checks = list(checks)
    lines = []
    for c in checks:
        lines.append(f"[{c.status_zh}] {c.name}：{c.detail}")
        if c.advice and c.status != OK:
            lines.append(f"       处理：{c.advice}")
    lines.append(summary(checks))
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------------
# Describing the real PC
# --------------------------------------------------------------------------------------------------


def read_addin(path: str | Path) -> InstalledAddin:
    """The build record and config of an add-in file (an unreadable one says why)."""
    path = Path(path)
    try:
        with zipfile.ZipFile(path) as zf:
            config_rows = read_rows(zf.read(CONFIG_SHEET_PART))
            text_rows = read_rows(zf.read(TEXT_SHEET_PART))
    except (OSError, KeyError, zipfile.BadZipFile, ValueError) as exc:
        return InstalledAddin(str(path), error=f"无法读取（{type(exc).__name__}）")
    config = {r[0].upper(): r[1] for r in config_rows if len(r) >= 2 and r[0]}
    record = {r[1]: r[2] for r in text_rows if len(r) >= 3 and r[0] == "build"}
    return InstalledAddin(str(path), record=record, config=config, zone=_zone(path))


def _zone(path: Path) -> int | None:
    """The ZoneId of the file's Zone.Identifier stream (Windows' mark of the web), if any."""
    if sys.platform != "win32":
        return None
    try:
        text = Path(f"{path}:Zone.Identifier").read_text("utf-8", errors="replace")
    except OSError:
        return None
    m = re.search(r"ZoneId=(\d+)", text)
    return int(m.group(1)) if m else None


def _version(dist: str) -> str | None:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return None


def _origin(module: str) -> str | None:
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.origin:
        return None
    return str(Path(spec.origin).parent)


@dataclass(frozen=True)
class ExcelFacts:
    """What the 诊断 button knows from the running Excel (None where it could not ask)."""

    startup_path: str | None = None
    addin_path: str | None = None
    workbook: str | None = None
    bits: int | None = None


def gather(addin_path: str | Path | None = None, excel: ExcelFacts | None = None) -> Environment:
    """Describe this PC. ``addin_path``: check that add-in file instead of the one in XLSTART."""
    env_vars = {k: os.environ[k] for k in ENV_KEYS if os.environ.get(k)}
    xlwings_version = _version("xlwings")
    base = Environment(
        platform=sys.platform,
        python_version=tuple(sys.version_info[:3]),  # type: ignore[arg-type]
        python_bits=struct.calcsize("P") * 8,
        executable=sys.executable,
        prefix=sys.prefix,
        user_base=_user_base(),
        env=env_vars,
        xlperf_path=_origin("xlperf") or "",
        xlwings_version=xlwings_version,
        xlwings_path=_origin("xlwings") if xlwings_version else None,
        pywin32_version=_version("pywin32") if sys.platform == "win32" else None,
        in_excel=excel is not None,
        workbook=excel.workbook if excel else None,
        excel_bits=excel.bits if excel else None,
    )
    xlstart = (excel.startup_path if excel and excel.startup_path else None) or _xlstart(env_vars)
    addin_file = addin_path or (excel.addin_path if excel and excel.addin_path else None)
    if addin_file is None and xlstart and os.path.isfile(os.path.join(xlstart, ADDIN_FILE_NAME)):
        addin_file = os.path.join(xlstart, ADDIN_FILE_NAME)
    addin = read_addin(addin_file) if addin_file else None
    env = replace(base, xlstart=xlstart, addin=addin)
    if sys.platform == "win32":
        env = replace(env, **_windows_facts(env))
    existing = frozenset(env.path.normcase(p) for p in asked_paths(env) if os.path.exists(p))
    return replace(env, existing=existing)


def _user_base() -> str | None:
    import site

    try:
        return site.getuserbase()
    except Exception:  # noqa: BLE001 - an odd site configuration: no user base
        return None


def _xlstart(env_vars: Mapping[str, str]) -> str | None:
    appdata = env_vars.get("APPDATA")
    if sys.platform != "win32" or not appdata:
        return None
    return os.path.join(appdata, "Microsoft", "Excel", "XLSTART")


def _windows_facts(env: Environment) -> dict[str, object]:  # pragma: no cover - Windows only
    """Registry facts: the ANSI code page, Excel.Application's server, trusted locations, OPEN keys."""
    import ctypes
    import winreg

    facts: dict[str, object] = {"ansi_codepage": f"cp{ctypes.windll.kernel32.GetACP()}"}

    def value(root, key: str, name: str = ""):
        try:
            with winreg.OpenKey(root, key) as k:
                return winreg.QueryValueEx(k, name)[0]
        except OSError:
            return None

    def subkeys(root, key: str) -> list[str]:
        out = []
        try:
            with winreg.OpenKey(root, key) as k:
                for i in range(winreg.QueryInfoKey(k)[0]):
                    out.append(f"{key}\\{winreg.EnumKey(k, i)}")
        except OSError:
            pass
        return out

    def values(root, key: str) -> dict[str, object]:
        out = {}
        try:
            with winreg.OpenKey(root, key) as k:
                for i in range(winreg.QueryInfoKey(k)[1]):
                    name, data, _ = winreg.EnumValue(k, i)
                    out[name] = data
        except OSError:
            pass
        return out

    facts["excel_com_server"] = value(winreg.HKEY_CLASSES_ROOT, f"CLSID\\{EXCEL_CLSID}\\LocalServer32")
    locations: list[str] = []
    disabled = False
    others: list[str] = []
    for ver in OFFICE_VERSIONS:
        for root_key in (f"Software\\Microsoft\\Office\\{ver}\\Excel\\Security\\Trusted Locations",
                         f"Software\\Policies\\Microsoft\\Office\\{ver}\\Excel\\Security\\Trusted Locations"):  # fmt: skip
            if value(winreg.HKEY_CURRENT_USER, root_key, "AllLocationsDisabled") == 1:
                disabled = True
            for sub in subkeys(winreg.HKEY_CURRENT_USER, root_key):
                p = value(winreg.HKEY_CURRENT_USER, sub, "Path")
                if isinstance(p, str):
                    locations.append(p)
        for name, data in values(
            winreg.HKEY_CURRENT_USER, f"Software\\Microsoft\\Office\\{ver}\\Excel\\Options"
        ).items():
            if re.fullmatch(r"OPEN\d*", name) and isinstance(data, str) and ADDIN_FILE_NAME in data.lower():
                path = data.replace("/R", "").strip().strip('"')
                if env.xlstart is None or ntpath.normcase(ntpath.dirname(path)) != ntpath.normcase(
                    env.xlstart
                ):
                    others.append(path)
    facts["trusted_locations"] = tuple(locations) if locations else None
    facts["trusted_disabled"] = disabled
    facts["other_addins"] = tuple(others)
    return facts
