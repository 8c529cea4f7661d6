"""``xlperf doctor`` and the 诊断 button: every check on made-up PCs (a healthy Windows PC, then one thing
wrong at a time), the rendering and exit code, the description of this machine, the command, and the
macro that shows the result in Excel (against the fake xlwings)."""

from __future__ import annotations

import ntpath
import re
import sys
from dataclasses import replace

import pytest
from click.testing import CliRunner

import xlperf
from xlperf.addin import build_addin, doctor
from xlperf.addin.doctor import ERROR, OK, WARN, Environment, InstalledAddin

from fake_xlwings import FakeApp, FakeBook

PY = r"C:\Users\zhang\AppData\Local\Programs\Python\Python311"
EXE = PY + r"\python.exe"
XLSTART = r"C:\Users\zhang\AppData\Roaming\Microsoft\Excel\XLSTART"
ADDIN = XLSTART + r"\xlperf.xlam"


@pytest.fixture(scope="module")
def record(tmp_path_factory) -> dict[str, str]:
    """The build record as the build writes it and the doctor reads it back."""
    built = build_addin(tmp_path_factory.mktemp("b") / "xlperf.xlam")
    return dict(doctor.read_addin(built).record)


def _existing(*paths: str) -> frozenset[str]:
    return frozenset(ntpath.normcase(p) for p in paths)


@pytest.fixture
def healthy(record) -> Environment:
    """A PC set up as the README says: python.org Python, pip install, xlperf addin install."""
    v = record["xlwings"]
    return Environment(
        platform="win32",
        python_version=(3, 11, 7),
        python_bits=64,
        executable=EXE,
        prefix=PY,
        user_base=r"C:\Users\zhang\AppData\Roaming\Python",
        env={"USERPROFILE": r"C:\Users\zhang", "APPDATA": r"C:\Users\zhang\AppData\Roaming"},
        xlperf_path=PY + r"\Lib\site-packages\xlperf",
        xlperf_version=record["xlperf"],
        xlwings_version=v,
        xlwings_path=PY + r"\Lib\site-packages\xlwings",
        pywin32_version="306",
        ansi_codepage="cp936",
        xlstart=XLSTART,
        addin=InstalledAddin(ADDIN, record=record, config={"INTERPRETER_WIN": EXE, "UDF MODULES": "xlperf.excel.udfs"}),
        trusted_locations=("%APPDATA%\\Microsoft\\Excel\\XLSTART\\", r"C:\Program Files\Microsoft Office\Root\Office16\XLSTART\\"),
        excel_com_server=r"C:\Program Files\Microsoft Office\Root\Office16\EXCEL.EXE /automation",
        existing=_existing(EXE, PY + rf"\xlwings64-{v}.dll", PY + rf"\xlwings32-{v}.dll", XLSTART, ADDIN),
    )  # fmt: skip


def _check(env: Environment, name: str) -> doctor.Check:
    return next(c for c in doctor.diagnose(env) if c.name == name)


def test_a_healthy_pc_passes_every_check(healthy):
    checks = doctor.diagnose(healthy)
    assert [c.status for c in checks] == [OK] * len(doctor.CHECKS), doctor.render(checks)
    assert doctor.exit_code(checks) == 0
    assert {c.name for c in checks} == {
        "Python", "xlperf 与 xlwings", "加载项文件", "加载项版本", "加载项使用的 Python", "xlwings DLL",
        "Excel 启动文件夹", "受信任位置", "环境变量", "路径", "Excel 的 COM 注册"}  # fmt: skip


# every check: what is wrong, the status, a word of what it says, a word of what to do
CASES = [
    ("python_old", dict(python_version=(3, 9, 13)), "Python", ERROR, "3.9.13", "python.org"),
    ("store_python", dict(executable=r"C:\Users\zhang\AppData\Local\Microsoft\WindowsApps\PythonSoftwareFoundation"
                          r".Python.3.11_qbz5n2kfra8p0\python.exe"), "Python", WARN, "Microsoft Store", "python.org"),
    ("no_xlwings", dict(xlwings_version=None, xlwings_path=None), "xlperf 与 xlwings", ERROR, "没有安装 xlwings",
     "pip install \"xlwings>="),
    ("xlwings_too_new", dict(xlwings_version="0.38.2"), "xlperf 与 xlwings", ERROR, "只支持", "pip install"),
    ("no_pywin32", dict(pywin32_version=None), "xlperf 与 xlwings", ERROR, "pywin32", "install pywin32"),
    ("no_addin", dict(addin=None), "加载项文件", ERROR, "没有 xlperf.xlam", "xlperf addin install"),
    ("broken_addin", dict(addin=InstalledAddin(ADDIN, error="无法读取（BadZipFile）")), "加载项文件", ERROR,
     "无法读取", "xlperf addin install"),
    ("old_addin", dict(addin=InstalledAddin(ADDIN, config={"INTERPRETER_WIN": EXE})), "加载项文件", ERROR,
     "没有版本记录", "xlperf addin install"),
    ("downloaded_addin", "zone", "加载项文件", ERROR, "来自网络", "解除锁定"),
    ("xlwings_changed", dict(xlwings_version="0.36.17"), "加载项版本", ERROR, "0.36.17", "xlperf addin install"),
    ("xlperf_changed", dict(xlperf_version="0.2.0"), "加载项版本", WARN, "0.2.0", "xlperf addin install"),
    ("no_interpreter_set", "no_interpreter", "加载项使用的 Python", WARN, "PATH", "xlperf addin install"),
    ("interpreter_gone", "interpreter_gone", "加载项使用的 Python", ERROR, "不存在", "xlperf addin install"),
    ("other_python", dict(executable=r"C:\venv\Scripts\python.exe"), "加载项使用的 Python", WARN, "而本次检查运行在",
     "-m xlperf doctor"),
    ("dll_missing", "no_dll", "xlwings DLL", ERROR, "找不到 xlwings64-", "--force-reinstall"),
    ("dll_user_site", "user_dll", "xlwings DLL", ERROR, "--user", "复制到"),
    ("dll_one_bitness", "one_dll", "xlwings DLL", WARN, "只找到", "32 位"),
    ("no_xlstart", "no_xlstart", "Excel 启动文件夹", ERROR, "不存在", "xlperf addin install"),
    ("addin_twice", dict(other_addins=(r"D:\工具\xlperf.xlam",)), "Excel 启动文件夹", WARN, r"D:\工具", "取消勾选"),
    ("trust_disabled", dict(trusted_disabled=True), "受信任位置", ERROR, "禁用了所有受信任位置", "信息化部门"),
    ("xlstart_untrusted", dict(trusted_locations=(r"C:\Program Files\Microsoft Office\Root\Office16\XLSTART\\",)),
     "受信任位置", WARN, "不在", "受信任位置"),
    ("pythonhome", "pythonhome", "环境变量", ERROR, "PYTHONHOME=C:\\Python27", "删除 PYTHONHOME"),
    ("pythonpath", "pythonpath", "环境变量", WARN, "PYTHONPATH=D:\\lib", "删除"),
    ("unencodable_path", "emoji", "路径", ERROR, "cp936", "只含英文字母"),
    ("onedrive", "onedrive", "路径", WARN, "OneDrive", "本地文件夹"),
    ("web_workbook", "web_workbook", "路径", WARN, "网络位置", "保存到本机"),
    ("wps_took_excel", dict(excel_com_server=r"C:\Users\zhang\AppData\Local\Kingsoft\WPS Office\11.1.0\office6\et.exe"),
     "Excel 的 COM 注册", ERROR, "WPS", "兼容第三方系统"),
    ("no_excel", dict(excel_com_server=None), "Excel 的 COM 注册", ERROR, "没有注册", "修复"),
]  # fmt: skip


def _broken(env: Environment, change) -> Environment:
    v = env.xlwings_version
    if isinstance(change, dict):
        return replace(env, **change)
    if change == "zone":
        return replace(env, addin=replace(env.addin, zone=3))
    if change == "no_interpreter":
        return replace(env, addin=replace(env.addin, config={"UDF MODULES": "xlperf.excel.udfs"}))
    if change == "interpreter_gone":
        return replace(env, existing=env.existing - _existing(EXE))
    if change == "no_dll":
        return replace(env, existing=_existing(EXE, XLSTART, ADDIN))
    if change == "user_dll":
        return replace(
            env, existing=_existing(EXE, XLSTART, ADDIN, rf"{env.user_base}\xlwings64-{v}.dll"), excel_bits=64
        )
    if change == "one_dll":
        return replace(env, existing=_existing(EXE, XLSTART, ADDIN, PY + rf"\xlwings64-{v}.dll"))
    if change == "no_xlstart":
        return replace(env, existing=env.existing - _existing(XLSTART))
    if change == "pythonhome":
        return replace(env, env={**env.env, "PYTHONHOME": "C:\\Python27"})
    if change == "pythonpath":
        return replace(env, env={**env.env, "PYTHONPATH": "D:\\lib"})
    if change == "emoji":
        exe = r"C:\Users\小张😀\Python311\python.exe"
        return replace(env, executable=exe, addin=replace(env.addin, config={"INTERPRETER_WIN": exe}),
                       existing=env.existing | _existing(exe))  # fmt: skip
    if change == "onedrive":
        exe = r"C:\Users\zhang\OneDrive - 某单位\Python311\python.exe"
        return replace(env, executable=exe, env={**env.env, "OneDriveCommercial": r"C:\Users\zhang\OneDrive - 某单位"},
                       addin=replace(env.addin, config={"INTERPRETER_WIN": exe}), existing=env.existing | _existing(exe))  # fmt: skip
    if change == "web_workbook":
        return replace(env, in_excel=True, workbook="https://d.docs.live.net/1a2b/文档/自评表.xlsx")
    raise AssertionError(change)


@pytest.mark.parametrize("case,change,name,status,says,advice", CASES, ids=[c[0] for c in CASES])
def test_each_check_finds_what_is_wrong_and_says_what_to_do(
    healthy, case, change, name, status, says, advice
):
    env = _broken(healthy, change)
    check = _check(env, name)
    assert check.status == status, check
    assert says in check.detail and advice in check.advice, check
    others = [c for c in doctor.diagnose(env) if c.name != name and c.status != OK]
    # one thing wrong is reported once (a gone interpreter also loses its DLLs; an old add-in its versions)
    assert all(
        c.name in {"xlwings DLL", "加载项版本", "加载项使用的 Python", "路径", "加载项文件"} for c in others
    ), others
    assert doctor.exit_code(doctor.diagnose(env)) == (
        1 if status == ERROR or any(c.status == ERROR for c in others) else 0
    )


def test_the_dll_is_looked_for_where_xlwings_looks_for_it(healthy):
    # a virtual environment: python.exe in Scripts, the DLL one folder up (xlwings' XLPyLoadDLL)
    v = healthy.xlwings_version
    exe = r"C:\proj\.venv\Scripts\python.exe"
    env = replace(healthy, executable=exe, prefix=r"C:\proj\.venv", addin=replace(healthy.addin, config={"INTERPRETER_WIN": exe}),
                  existing=_existing(exe, XLSTART, ADDIN, rf"C:\proj\.venv\xlwings64-{v}.dll", rf"C:\proj\.venv\xlwings32-{v}.dll"))  # fmt: skip
    assert doctor.dll_folders(env, exe) == [r"C:\proj\.venv\Scripts", r"C:\proj\.venv"]
    assert _check(env, "xlwings DLL").status == OK
    # only the Office's own bitness matters when Excel said which it is
    one = replace(env, existing=env.existing - _existing(rf"C:\proj\.venv\xlwings32-{v}.dll"), excel_bits=64)
    assert _check(one, "xlwings DLL").status == OK
    assert _check(replace(one, excel_bits=32), "xlwings DLL").status == ERROR


def test_pythonw_and_the_same_pythonhome_are_not_problems(healthy):
    env = replace(healthy, addin=replace(healthy.addin, config={"INTERPRETER_WIN": PY + r"\pythonw.exe"}),
                  existing=healthy.existing | _existing(PY + r"\pythonw.exe"))  # fmt: skip
    assert _check(env, "加载项使用的 Python").status == OK
    same_home = replace(healthy, env={**healthy.env, "PYTHONHOME": PY + "\\"})
    assert _check(same_home, "环境变量").status == WARN  # set, but this Python's own folder: not an error


def test_a_chinese_user_name_the_code_page_can_write_is_fine(healthy):
    exe = r"C:\Users\张三\AppData\Local\Programs\Python\Python311\python.exe"
    env = replace(healthy, executable=exe, env={**healthy.env, "USERPROFILE": r"C:\Users\张三"},
                  addin=replace(healthy.addin, config={"INTERPRETER_WIN": exe}), existing=healthy.existing | _existing(exe))  # fmt: skip
    check = _check(env, "路径")
    assert check.status == OK and "张三" in check.detail


def test_off_windows_the_excel_side_is_one_line_and_no_error(healthy):
    env = replace(healthy, platform="linux", addin=None, xlstart=None, existing=frozenset())
    checks = doctor.diagnose(env)
    assert [c.name for c in checks] == ["Python", "xlperf 与 xlwings", "环境变量", "路径", "Excel 相关检查"]
    assert checks[-1].status == WARN and "不是 Windows" in checks[-1].detail
    assert doctor.exit_code(checks) == 0
    with_file = replace(env, addin=healthy.addin)  # xlperf doctor --addin FILE: the file is checked
    assert [c.name for c in doctor.diagnose(with_file)][2:4] == ["加载项文件", "加载项版本"]


def test_render_and_summary(healthy):
    checks = doctor.diagnose(_broken(healthy, dict(addin=None)))
    text = doctor.render(checks)
    assert text.splitlines()[0].startswith("[正常] Python：")
    assert (
        "[错误] 加载项文件：" in text and "       处理：请在“命令提示符”中运行 xlperf addin install" in text
    )
    assert text.splitlines()[-1] == doctor.summary(checks)
    assert doctor.summary(checks).startswith(f"共 {len(checks)} 项：")


def test_this_machine_is_described_and_checked():
    env = doctor.gather()
    assert env.executable == sys.executable and env.xlperf_version == xlperf.__version__
    assert env.xlwings_version and env.platform == sys.platform
    checks = doctor.diagnose(env)
    assert checks[0].status == OK and doctor.exit_code(checks) == 0


def test_an_addin_file_is_read_back(tmp_path):
    built = build_addin(tmp_path / "x.xlam")
    env = doctor.gather(built)
    assert (
        env.addin.record["xlperf"] == xlperf.__version__
        and env.addin.config["UDF MODULES"] == "xlperf.excel.udfs"
    )
    (tmp_path / "bad.xlam").write_bytes(b"not a zip")
    assert doctor.read_addin(tmp_path / "bad.xlam").error


def test_the_command_exits_1_on_an_error_and_0_otherwise(tmp_path, record):
    from xlperf.cli import cli

    runner = CliRunner()
    ok = runner.invoke(cli, ["doctor"])
    assert ok.exit_code == 0, ok.output
    assert "[正常] Python：" in ok.output and "Excel 相关检查" in ok.output
    # an add-in built for another xlwings: the cells would not compute
    import zipfile

    built = build_addin(tmp_path / "x.xlam")
    stale = tmp_path / "stale.xlam"
    with zipfile.ZipFile(built) as src, zipfile.ZipFile(stale, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "xl/worksheets/sheet2.xml":
                data = data.replace(record["xlwings"].encode(), b"0.36.17")
            dst.writestr(item, data)
    bad = runner.invoke(cli, ["doctor", "--addin", str(stale)])
    assert bad.exit_code == 1, bad.output
    assert "[错误] 加载项版本：加载项按 xlwings 0.36.17 生成" in bad.output


def test_lines_wrap_to_the_terminal_by_display_width_and_never_inside_a_path():
    from xlperf.cli.doctor_cmd import _cells, wrap

    path = r"C:\Users\zhang\AppData\Local\Programs\Python\Python311\python.exe"
    text = f"[错误] 加载项使用的 Python：{path} 不存在（Python 已卸载、移动或升级）"
    lines = wrap(text, 80)
    assert all(_cells(line) <= 80 for line in lines) and len(lines) == 3
    assert lines[1].split()[0] == path  # the path is whole, not cut at the line end
    assert all(line.startswith(" " * 7) for line in lines[1:])
    assert re.sub(r"\s", "", "".join(lines)) == re.sub(r"\s", "", text)  # nothing lost
    assert wrap(text, None) == [text] and wrap("短", 40) == ["短"]
    long = "x" * 100  # longer than a line: cut where it must be
    assert all(_cells(line) <= 40 for line in wrap(f"[正常] 路径：{long}", 40))


def test_doctor_runs_without_importing_xlwings():
    # a missing or broken xlwings is one of the things it reports: it must not need xlwings to start
    import subprocess

    code = "import sys; import xlperf.cli.doctor_cmd; sys.exit(3 if 'xlwings' in sys.modules else 0)"
    assert subprocess.run([sys.executable, "-c", code], timeout=120).returncode == 0


def test_doctor_is_registered_and_imported_only_when_called():
    from xlperf.cli import COMMANDS

    assert COMMANDS["doctor"] == "doctor_cmd"


# --------------------------------------------------------------------------------------------------
# The 诊断 button
# --------------------------------------------------------------------------------------------------


class _Books:
    def __init__(self, app):
        self.app, self.added = app, []

    def add(self):
        book = FakeBook(wb=__import__("openpyxl").Workbook(), app=self.app)
        self.added.append(book)
        return book


def test_the_button_reports_in_a_new_workbook_and_leaves_the_users_alone(monkeypatch, seed_sample):
    from xlperf.excel import macros

    app = FakeApp()
    app.books = _Books(app)
    user = FakeBook(seed_sample, app=app)
    monkeypatch.setattr(macros, "_caller", lambda: user)
    before = [ws.title for ws in user.wb.worksheets]
    checks = macros.diagnose()
    assert [ws.title for ws in user.wb.worksheets] == before  # the user's workbook is not touched
    report = app.books.added[0].wb.worksheets[0]
    assert report.title == "诊断结果"
    rows = [[c.value for c in r] for r in report.iter_rows()]
    assert rows[0] == ["状态", "检查项", "结果", "处理办法"]
    assert [r[1] for r in rows[1:]] == [c.name for c in checks]
    assert {r[0] for r in rows[1:]} <= {"正常", "警告", "错误"}
    assert report["A2"].fill.fgColor.rgb.endswith("C6EFCE")  # 正常 in green
    text, _, _, mode = app.alerts[-1]
    assert text.startswith("诊断完成。共 ") and "诊断结果" in text and mode == "info"


def test_the_button_with_no_workbook_open_reports_in_the_empty_one(monkeypatch):
    from xlperf.excel import macros

    app = FakeApp()
    app.books = _Books(app)
    blank = FakeBook(wb=__import__("openpyxl").Workbook(), app=app)  # what XlperfDiagnose opens
    monkeypatch.setattr(macros, "_caller", lambda: blank)
    macros.diagnose()
    assert app.books.added == [] and blank.wb.worksheets[0].title == "诊断结果"
