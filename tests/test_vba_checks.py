"""The add-in's VBA checked without Excel: every module of the built add-in (read back with olevba)
passes the static lint and compiles in LibreOffice; the xlwings runtime, the config sheet, the build
record and the setup check agree with each other (the runtime/config contract); the setup probe the
VBA runs gives the exit codes the VBA expects."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest
import xlwings
from oletools.olevba import VBA_Parser

import xlperf
from xlperf.addin import build as B
from xlperf.addin import build_addin, install_addin
from xlperf.addin.ovba import Module, VBAProject, module_from_text
from xlperf.addin.package import package_parts, read_rows, write_package
from xlperf.addin.vbacheck import (
    LIBREOFFICE_DEFINES,
    LIBREOFFICE_DEFINES_32,
    evaluate,
    libreoffice_source,
    lint,
    preprocess,
)
from xlperf.addin.versions import PROBE_EXIT, SUPPORTED_XLWINGS, probe_code, version_tuple, xlwings_supported
from xlperf.addin.wrappers import AddinError

from conftest import ROOT
from office import Office, available

DOC_BASES = ("0{00020819-0000-0000-C000-000000000046}", "0{00020820-0000-0000-C000-000000000046}")


@pytest.fixture(scope="module")
def xlam(tmp_path_factory) -> Path:
    return build_addin(tmp_path_factory.mktemp("addin") / "xlperf.xlam")


@pytest.fixture(scope="module")
def shipped(xlam) -> list[tuple[str, str, str]]:
    """(name, kind, source) of every module of the built add-in, as olevba reads them back."""
    vp = VBA_Parser(str(xlam))
    out = []
    for _, _, filename, code in vp.extract_macros():
        name = filename.rsplit(".", 1)[0]
        base = re.search(r'Attribute VB_Base = "([^"]+)"', code)
        kind = "module" if base is None else "document" if base.group(1) in DOC_BASES else "class"
        out.append((name, kind, code.replace("\r\n", "\n")))
    vp.close()
    return out


@pytest.fixture(scope="module")
def texts(xlam) -> dict[str, dict[str, str]]:
    """The text sheet of the built add-in: kind ("msg", "build", "udf") -> key -> value."""
    with zipfile.ZipFile(xlam) as zf:
        rows = read_rows(zf.read("xl/worksheets/sheet2.xml"))
    out: dict[str, dict[str, str]] = {}
    for r in rows:
        out.setdefault(r[0], {})[r[1]] = r[2] if len(r) > 2 else ""
    return out


def _source(shipped, name: str) -> str:
    return next(t for n, _, t in shipped if n == name)


def _mutate(shipped, name: str, old: str, new: str):
    out = []
    for n, k, t in shipped:
        if n == name:
            assert old in t, old
            t = t.replace(old, new, 1)
        out.append((n, k, t))
    return out


# --------------------------------------------------------------------------------------------------
# The lint
# --------------------------------------------------------------------------------------------------


def test_every_shipped_module_passes_the_lint(shipped, texts):
    assert {n for n, _, _ in shipped} >= {
        "XlperfRibbon",
        "XlperfSetup",
        "XlperfLinks",
        "xlwings",
        "xlwings_udfs",
    }
    assert lint(shipped, texts["msg"]) == []


@pytest.mark.parametrize(
    "module,old,new,rule,where",
    [
        ("XlperfSetup", "    interpreter = XlperfInterpreter()", "    interpeter = XlperfInterpreter()",
         "undeclared", "interpeter"),
        ("XlperfSetup", "If Not FileExists(interpreter)", "If Not FileExist(interpreter)", "undeclared", "FileExist"),
        ("XlperfLinks", "Type:=xlLinkTypeExcelLinks", "Type:=xlLinkTypeExcelLink", "undeclared",
         "xlLinkTypeExcelLink"),
        ("xlwings", 'Declare PtrSafe Function XLPyDLLNDims Lib "xlwings64', 'Declare Function XLPyDLLNDims Lib "xlwings64',
         "ptrsafe", "XLPyDLLNDims"),
        ("XlperfSetup", "Function XlperfUdfError(", "Sub ShowError()\nEnd Sub\n\nFunction XlperfUdfError(",
         "clash", "showerror"),
        ("XlperfSetup", "Option Private Module\n", "\n", "visible", "XlperfText"),
        ("xlwings", "Option Private Module\n", "\n", "visible", "RunPython"),
        ("XlperfRibbon", 'XlperfText("no_workbook")', 'XlperfText("no_such_key")', "text_key", "no_such_key"),
        ("XlperfSetup", "\"setup_no_xlwings\", interpreter", "interpreter, interpreter", "text_key", "not a literal"),
    ],
    ids=lambda v: v if isinstance(v, str) and len(v) < 20 else None,
)  # fmt: skip
def test_the_lint_finds_each_kind_of_mistake(shipped, texts, module, old, new, rule, where):
    problems = lint(_mutate(shipped, module, old, new), texts["msg"])
    assert problems and {p.rule for p in problems} == {rule}, problems
    assert any(where in p.message for p in problems), problems


def test_the_lint_reads_vba_as_vba():
    # comments, strings, continuations, members, named arguments, labels and type names are no uses
    src = (
        'Attribute VB_Name = "M"\nOption Explicit\nPrivate Type T\n    x As Long\nEnd Type\n'
        "Sub A(ByVal wb As Workbook, Optional n As Long = 1)\n"
        "    Dim s As String, i As Long: Const K As Long = 2\n"
        '    s = "undeclaredInString" \' undeclaredInComment\n'
        "    Rem undeclaredInRem\n"
        '    s = wb.Name & wb.Sheets(1).Range("A1").Value & _\n        CStr(n + K)\n'
        "    MsgBox Prompt:=s, Buttons:=vbOKOnly\n"
        "    If i = 0 Then GoTo done\n"
        "done:\n"
        "End Sub\n"
    )
    assert lint([("M", "module", src)]) == []
    bad = src.replace("CStr(n + K)", "CStr(n + K + missing)")
    assert [p.message for p in lint([("M", "module", bad)])] == ["missing is not declared"]


def test_xlperf_functions_stay_out_of_insert_function_and_xp_functions_are_in(shipped):
    visible = {}
    for name, kind, text in shipped:
        if kind == "module" and "Option Private Module" not in text:
            for m in re.finditer(r"^(?:Public )?Function (\w+)\(", text, re.MULTILINE):
                visible[m.group(1)] = name
    import xlperf.excel.udfs as udfs

    assert set(visible) == {n for n in dir(udfs) if n.startswith("XP_")}
    assert set(visible.values()) == {"xlwings_udfs"}


def test_conditional_compilation_is_read_as_vba_does():
    d = {"VBA7": True, "Win64": False, "Mac": False, "App": "Microsoft Excel", "MAC_OFFICE_VERSION": 0}
    assert evaluate("VBA7", d) and not evaluate("Mac", d) and evaluate("Not Mac", d)
    assert evaluate('App = "Microsoft Excel"', d) and not evaluate('App = "Microsoft Word"', d)
    assert not evaluate("MAC_OFFICE_VERSION >= 15", d) and evaluate("VBA7 And Not Win64", d)
    assert evaluate("Undefined = 0", d) and evaluate("(Mac Or VBA7) And Not Win64", d)
    src = "#If VBA7 Then\n#If Win64 Then\na\n#Else\nb\n#End If\n#ElseIf Mac Then\nc\n#Else\nd\n#End If\ne"
    assert preprocess(src, d).split("\n") == ["", "", "", "", "b", "", "", "", "", "", "", "e"]
    assert preprocess('#Const App = "Microsoft Word"\n#If App = "Microsoft Word" Then\nw\n#End If', {}).split("\n") == [
        "", "", "w", ""]  # fmt: skip


def test_the_libreoffice_variant_keeps_one_branch_and_drops_ptrsafe(shipped):
    runtime = _source(shipped, "xlwings")
    reduced = libreoffice_source(runtime)
    assert reduced.count("\n") == runtime.count("\n")  # line numbers kept for LibreOffice's messages
    assert not re.search(r"^\s*#", reduced, re.MULTILINE) and "PtrSafe" not in reduced
    assert 'Lib "xlwings64-' in reduced and 'Lib "xlwings32-' not in reduced and "libc.dylib" not in reduced
    office32 = libreoffice_source(runtime, LIBREOFFICE_DEFINES_32)
    assert 'Lib "xlwings32-' in office32 and 'Lib "xlwings64-' not in office32 and "PtrSafe" not in office32


# --------------------------------------------------------------------------------------------------
# LibreOffice compiles every module
# --------------------------------------------------------------------------------------------------


def _probe_name(module: str) -> str:
    return f"XlperfProbe_{module}"


def _variant(modules: list[tuple[str, str, str]], defines=LIBREOFFICE_DEFINES) -> list[Module]:
    """The modules as LibreOffice needs them, each with a probe function returning its own name."""
    out = []
    for name, kind, text in modules:
        probe = f'\nPublic Function {_probe_name(name)}() As String\n    {_probe_name(name)} = "{name}"\nEnd Function\n'
        out.append(module_from_text(libreoffice_source(text, defines).rstrip("\n") + "\n" + probe, kind))
    return out


def _workbook(path: Path, modules: list[Module]) -> Path:
    """A macro-enabled workbook (.xlsm, which LibreOffice opens as such) holding ``modules``."""
    from xlperf.addin.package import Sheet

    project = VBAProject(B.PROJECT_NAME, modules)
    sheets = [
        Sheet(B.CONFIG_SHEET, "Sheet1", [["UDF Modules", "x"]]),
        Sheet(B.TEXT_SHEET, "Sheet2", [["msg", "title", "t"]]),
    ]
    custom_ui = (B.vba_dir() / "customUI14.xml").read_bytes()
    path.write_bytes(write_package(package_parts(sheets, project.to_bytes(), custom_ui, addin=False)))
    return path


def compile_check(
    lo, modules: list[tuple[str, str, str]], folder: Path, defines=LIBREOFFICE_DEFINES
) -> dict[str, str]:
    """Module -> what its probe returned, for every module whose probe did not return its name.

    LibreOffice compiles a document's Basic library as a whole: one module that does not compile
    makes every probe fail. So the project is loaded once; when a probe fails, each module is loaded
    again on its own (with the document modules a workbook needs) to name the ones that fail."""
    variant = _variant(modules, defines)

    def run(mods: list[Module], name: str) -> dict[str, str]:
        doc = lo.open(_workbook(folder / f"{name}.xlsm", mods), macros=True)
        try:
            return {m.name: lo.call_basic(doc, B.PROJECT_NAME, m.name, _probe_name(m.name)) for m in mods}
        finally:
            lo.close(doc)

    results = run(variant, "all")
    bad = {n: r for n, r in results.items() if r != n}
    if not bad:
        return {}
    docs = [m for m in variant if m.kind == "document"]
    failing = {}
    for m in variant:
        alone = run(docs + [m] if m.kind != "document" else docs, f"one_{m.name}")
        if alone.get(m.name) != m.name:
            failing[m.name] = alone.get(m.name, "")
    return failing or bad


@pytest.fixture(scope="module")
def lo():
    if not available():
        pytest.skip("LibreOffice with python3-uno is not installed")
    with Office() as office:
        yield office


@pytest.mark.libreoffice
@pytest.mark.parametrize(
    "defines", [LIBREOFFICE_DEFINES, LIBREOFFICE_DEFINES_32], ids=["office64", "office32"]
)
def test_every_module_compiles_in_libreoffice(lo, shipped, tmp_path, defines):
    assert len(shipped) >= 9
    assert compile_check(lo, shipped, tmp_path, defines) == {}


@pytest.mark.libreoffice
def test_the_compile_check_names_a_module_that_does_not_compile(lo, shipped, tmp_path):
    broken = 'Attribute VB_Name = "Broken"\nOption Explicit\nSub A()\n    If 1 = 1 Then\n        MsgBox "x"\nEnd Sub\n'
    failing = compile_check(lo, [*shipped, ("Broken", "module", broken)], tmp_path)
    assert set(failing) == {"Broken"}


@pytest.mark.libreoffice
def test_the_runtime_needs_its_if_branches_reduced_for_libreoffice(lo, shipped, tmp_path):
    # why the variant exists: the runtime as shipped (both #If branches of its function headers) does
    # not compile in LibreOffice, so without the reduction the check could never pass
    raw = [m for m in _variant(shipped) if m.name != "xlwings"]
    runtime = _source(shipped, "xlwings")
    probe = f'\nPublic Function {_probe_name("xlwings")}() As String\n    {_probe_name("xlwings")} = "xlwings"\nEnd Function\n'
    raw.append(module_from_text(runtime + probe))
    doc = lo.open(_workbook(tmp_path / "raw.xlsm", raw), macros=True)
    assert lo.call_basic(doc, B.PROJECT_NAME, "xlwings", _probe_name("xlwings")) != "xlwings"
    lo.close(doc)


# --------------------------------------------------------------------------------------------------
# The runtime/config contract
# --------------------------------------------------------------------------------------------------


def test_config_sheet_keys_are_keys_the_runtime_reads(shipped, tmp_path):
    runtime_keys = set(re.findall(r'GetConfig\("([^"]+)"', _source(shipped, "xlwings")))
    installed = install_addin(tmp_path, interpreter=r"C:\Python311\python.exe")
    B.build_addin(tmp_path / "with_path.xlam", pythonpath=r"C:\lib")
    for path in (installed, tmp_path / "with_path.xlam"):
        with zipfile.ZipFile(path) as zf:
            keys = {r[0].upper() for r in read_rows(zf.read("xl/worksheets/sheet1.xml"))}
        assert keys and keys <= runtime_keys, keys - runtime_keys
    with zipfile.ZipFile(B.build_addin(tmp_path / "p.xlam", pythonpath=r"C:\lib")) as zf:
        assert "PYTHONPATH" in {r[0].upper() for r in read_rows(zf.read("xl/worksheets/sheet1.xml"))}


def _get_config_calls(text: str) -> list[tuple[str, str]]:
    return re.findall(r'GetConfig\("([^"]+)",\s*"([^"]*)"\)', text)


def test_the_setup_check_finds_the_interpreter_as_runpython_does(shipped):
    runtime = _source(shipped, "xlwings")
    run_python = re.search(
        r"^Public Function RunPython\(.*?^End Function", runtime, re.MULTILINE | re.DOTALL
    ).group(0)
    windows = preprocess(run_python, {"Mac": False, "VBA7": True, "Win64": True})
    assert _get_config_calls(windows)[:2] == [("INTERPRETER_WIN", ""), ("INTERPRETER", "python")]
    setup = re.search(r"^Function XlperfInterpreter\(.*?^End Function", _source(shipped, "XlperfSetup"),
                      re.MULTILINE | re.DOTALL).group(0)  # fmt: skip
    assert _get_config_calls(setup) == _get_config_calls(windows)[:2]


def test_config_sheet_is_named_after_the_runtimes_project_name(shipped, xlam):
    runtime = _source(shipped, "xlwings")
    name = re.search(r'^Public Const PROJECT_NAME As String = "([^"]+)"', runtime, re.MULTILINE).group(1)
    assert name == B.PROJECT_NAME and 'wb.Sheets(PROJECT_NAME & ".conf")' in runtime
    with zipfile.ZipFile(xlam) as zf:
        workbook = zf.read("xl/workbook.xml").decode()
    assert f'<sheet name="{name}.conf"' in workbook


def test_dll_names_are_the_pinned_xlwings_and_recorded_in_the_addin(shipped, texts):
    runtime = _source(shipped, "xlwings")
    v = xlwings.__version__
    assert B.runtime_dll_names(runtime) == {"64": f"xlwings64-{v}.dll", "32": f"xlwings32-{v}.dll"}
    assert set(re.findall(r'Lib "(xlwings\d\d-[^"]+\.dll)"', runtime)) == {
        f"xlwings64-{v}.dll",
        f"xlwings32-{v}.dll",
    }
    assert f'XLWINGS_VERSION As String = "{v}"' in runtime
    record = texts["build"]
    assert record["dll64"] == f"xlwings64-{v}.dll" and record["dll32"] == f"xlwings32-{v}.dll"
    assert record["xlwings"] == v and record["xlperf"] == xlperf.__version__
    assert record["xlwings_spec"] == SUPPORTED_XLWINGS and record["probe"] == probe_code(
        v, xlperf.__version__
    )


def test_pyproject_pins_xlwings_to_the_supported_range():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
    pins = [d for d in project["dependencies"] if re.match(r"xlwings\b", d)]
    assert pins == [f"xlwings{SUPPORTED_XLWINGS}"]
    assert xlwings_supported(xlwings.__version__)


@pytest.mark.parametrize(
    "version,ok",
    [("0.33.21", False), ("0.33.22", True), ("0.37.8", True), ("0.37.99", True), ("0.38.0", False),
     ("0.38.0rc1", False), ("1.0", False), ("0.30.16", False), ("", False), ("dev", False)],
)  # fmt: skip
def test_supported_xlwings_versions(version, ok):
    assert xlwings_supported(version) is ok
    assert version_tuple("0.37.8.post1") == (0, 37, 8)


def test_the_build_refuses_an_unsupported_xlwings(monkeypatch, tmp_path):
    monkeypatch.setattr(xlwings, "__version__", "0.38.1")
    with pytest.raises(AddinError, match=re.escape(f'pip install "xlwings{SUPPORTED_XLWINGS}"')):
        build_addin(tmp_path / "x.xlam")
    assert not (tmp_path / "x.xlam").exists()


def test_the_vba_answers_every_probe_exit_code_with_its_message(shipped, texts):
    ready = re.search(r"^Function XlperfReady\(.*?^End Function", _source(shipped, "XlperfSetup"),
                      re.MULTILINE | re.DOTALL).group(0)  # fmt: skip
    cases = dict(re.findall(r'Case (\d+)\s*\n\s*XlperfSetupAlert "(\w+)"', ready))
    expected = {str(code): f"setup_{name}" for name, code in PROBE_EXIT.items() if code}
    expected["9009"] = "setup_no_python"  # cmd.exe: no such program (also the Microsoft Store stub)
    assert cases == expected
    assert set(cases.values()) <= set(texts["msg"])
    assert re.search(r"Case 0\s*\n\s*XlperfReady = True", ready)


def _probe(tmp_path, code: str, *flags: str, env: dict | None = None) -> int:
    import os

    environ = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"} | (env or {})
    return subprocess.run([sys.executable, *flags, "-B", "-c", code], cwd=tmp_path, env=environ,
                          capture_output=True, timeout=120).returncode  # fmt: skip


def test_the_probe_gives_each_exit_code(tmp_path):
    v, p = xlwings.__version__, xlperf.__version__
    assert _probe(tmp_path, probe_code(v, p)) == 0
    assert _probe(tmp_path, probe_code("0.0.1", p)) == PROBE_EXIT["xlwings_mismatch"]
    assert _probe(tmp_path, probe_code(v, "0.0.1")) == PROBE_EXIT["xlperf_mismatch"]
    assert _probe(tmp_path, probe_code(v, p), "-S") == PROBE_EXIT["no_xlperf"]  # no site-packages: no xlperf
    fake = tmp_path / "fake" / "xlperf"  # an xlperf that is found but does not import
    (fake / "excel").mkdir(parents=True)
    (fake / "__init__.py").write_text("")
    (fake / "excel" / "__init__.py").write_text("")
    (fake / "excel" / "macros.py").write_text("import no_such_dependency\n")
    assert (
        _probe(tmp_path, probe_code(v, p), env={"PYTHONPATH": str(fake.parent)})
        == PROBE_EXIT["broken_xlperf"]
    )


def test_the_probe_fits_on_the_cmd_line_the_vba_writes():
    code = probe_code("0.37.8", "0.1.0")
    assert '"' not in code and "%" not in code and "&" not in code and "|" not in code and len(code) < 1000
    compile(code, "probe", "exec")


def test_udf_cells_show_a_short_chinese_text_when_python_is_unreachable(shipped, texts):
    udfs = _source(shipped, "xlwings_udfs")
    wrappers = re.findall(r"^Function (\w+)\(", udfs, re.MULTILINE)
    handlers = re.findall(
        r"^failed:\n    (\w+) = XlperfUdfError\(Err\.Number, Err\.Description\)$", udfs, re.MULTILINE
    )
    assert wrappers and handlers == wrappers
    runtime = _source(shipped, "xlwings")
    raised = set()
    for proc in ("Private Sub XLPyLoadDLL", "Function XLPy", "Function NDims"):
        body = re.search(rf"^{proc}\(.*?^End (Sub|Function)", runtime, re.MULTILINE | re.DOTALL).group(0)
        raised |= set(re.findall(r"Err\.Raise (\d+)", body))
    handler = re.search(r"^Function XlperfUdfError\(.*?^End Function", _source(shipped, "XlperfSetup"),
                        re.MULTILINE | re.DOTALL).group(0)  # fmt: skip
    mapped = set(re.search(r"Case ([\d, ]+)\n", handler).group(1).replace(" ", "").split(","))
    assert raised == {"1", "1000", "1001"}  # no DLL (XLPyLoadDLL), no Python (XLPy), an NDims failure
    assert {"1", "1000"} <= mapped and "1001" not in mapped  # NDims' own text is passed through
    assert {"48", "53", "453"} <= mapped  # VBA's own: DLL of the wrong bitness, not found, no entry point
    text = texts["msg"]["udf_no_python"]
    assert len(text) <= 30 and re.search(r"[\u4e00-\u9fff]", text) and "诊断" in text


def test_setup_messages_fit_a_message_box(texts):
    long_path = (
        "C:\\Users\\" + "很长的用户名" * 10 + "\\AppData\\Local\\Programs\\Python\\Python311\\python.exe"
    )
    next_step = texts["msg"]["setup_next"]
    for key, text in texts["msg"].items():
        if key.startswith("setup_") and key != "setup_next":
            shown = text.replace("{0}", long_path).replace("{1}", "x" * 200) + "\n\n" + next_step
            assert len(shown) < 1024, key  # MsgBox shows at most 1024 characters
            assert "{" not in text.replace("{0}", "").replace("{1}", ""), key  # every build value filled in
            assert re.search(r"[\u4e00-\u9fff]", text), key


def test_registering_descriptions_leaves_the_addin_saved(shipped):
    register = re.search(r"^Sub XlperfRegisterUdfs\(.*?^End Sub", _source(shipped, "XlperfSetup"),
                         re.MULTILINE | re.DOTALL).group(0)  # fmt: skip
    body = [ln.strip() for ln in register.splitlines()[1:-1] if ln.strip()]
    assert body[-1] == "ThisWorkbook.Saved = True" and body.index("Loop") == len(body) - 2
    open_sub = re.search(
        r"Private Sub Workbook_Open\(\)\n(.*?)End Sub", _source(shipped, "ThisWorkbook"), re.DOTALL
    )
    assert [ln.strip() for ln in open_sub.group(1).strip().splitlines()] == [
        "XlperfRegisterUdfs",
        "XlperfStartEvents",
    ]


def test_a_workbook_linked_only_to_the_addin_is_saved_with_update_links_never(shipped):
    events = _source(shipped, "XlperfAppEvents")
    assert re.search(r"Private Sub App_WorkbookBeforeSave\(.*\)\n\s+XlperfQuietLinks Wb\n", events)
    quiet = re.search(r"^Sub XlperfQuietLinks\(.*?^End Sub", _source(shipped, "XlperfLinks"),
                      re.MULTILINE | re.DOTALL).group(0)  # fmt: skip
    # every link must be to this add-in (any other link is the user's: their setting stays)
    assert "If StrComp(f, ThisWorkbook.Name, vbTextCompare) <> 0 Then Exit Sub" in quiet
    assert quiet.index("Exit Sub\n    Next i") < quiet.index("Wb.UpdateLinks = xlUpdateLinksNever")


def test_module_sources_in_vba_are_what_ships(shipped):
    for p in sorted((ROOT / "vba").glob("*.bas")) + sorted((ROOT / "vba").glob("*.cls")):
        m = module_from_text(p.read_text("ascii"))
        assert _source(shipped, m.name).rstrip("\n") == m.source.rstrip("\n"), p.name


def test_the_windows_checklist_shows_every_setup_message():
    checklist = (ROOT / "docs" / "windows-checklist.md").read_text("utf-8")
    for key, template in B.MESSAGE_TEMPLATES.items():
        if not key.startswith(("setup_", "udf_")):
            continue
        first = re.sub(r"\{\w+\}", "…", template.split("\n")[0]).replace("{0}", "…")
        assert first.rstrip("…") in checklist, key
