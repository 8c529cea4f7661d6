"""The add-in build: MS-OVBA compression and streams, the compound file, the .xlam package, UDF wrappers,
reproducibility, install and CLI. Modules are read back with independent readers: oletools' olevba,
olefile (strict) and LibreOffice."""

from __future__ import annotations

import importlib.util
import io
import os
import random
import re
import struct
import subprocess
import sys
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import olefile
import pytest
import xlwings
from click.testing import CliRunner
from oletools.olevba import VBA_Parser, decompress_stream

from xlperf import __version__ as xlperf_version
from xlperf.addin import build as addin_build
from xlperf.addin import build_addin, install_addin
from xlperf.addin.cfb import write_cfb
from xlperf.addin.ovba import VBAProject, compress, decompress, decrypt, encrypt, module_from_text
from xlperf.addin.wrappers import UdfError, generate_udf_vba, udf_infos
from xlperf.errors import XlperfError

ROOT = Path(__file__).resolve().parent.parent
VBA = ROOT / "vba"

FIXTURE_NAME = "xp_test_udfs"
FIXTURE_SOURCE = '''"""UDFs for the add-in tests."""
import xlwings as xw


@xw.func(category="绩效自评")
@xw.arg("executed", doc="实际执行数（万元）")
@xw.arg("budget", doc="全年预算数（万元）")
def XP_RATE(executed, budget):
    """预算执行率：实际执行数除以全年预算数。"""
    return executed / budget


@xw.func
@xw.ret(numbers=float)
def XP_SCORE(weight, rate=1.0):
    return weight * rate


@xw.func(volatile=True)
def XP_SUM(*values):
    """各项之和。"""
    return sum(values)


def helper(x):
    return x
'''

NS_CT = {"ct": "http://schemas.openxmlformats.org/package/2006/content-types"}
NS_REL = {"r": "http://schemas.openxmlformats.org/package/2006/relationships"}
NS_MAIN = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}


def _load_fixture(folder: Path, name: str, source: str):
    path = folder / f"{name}.py"
    path.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def udf_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("udfs")


@pytest.fixture(scope="module")
def udfs(udf_dir):
    module = _load_fixture(udf_dir, FIXTURE_NAME, FIXTURE_SOURCE)
    sys.modules[FIXTURE_NAME] = module
    sys.path.insert(0, str(udf_dir))
    yield module
    sys.path.remove(str(udf_dir))
    sys.modules.pop(FIXTURE_NAME, None)


@pytest.fixture(scope="module")
def xlam(udfs, tmp_path_factory) -> Path:
    return build_addin(tmp_path_factory.mktemp("build") / "xlperf.xlam", udfs)


@pytest.fixture(scope="module")
def parts(xlam) -> dict[str, bytes]:
    with zipfile.ZipFile(xlam) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def _expected_sources(udfs) -> dict[str, str]:
    """Module name -> the source the build should have stored (from the text inputs)."""
    out = {}
    for p in [*VBA.glob("*.bas"), *VBA.glob("*.cls")]:
        m = module_from_text(p.read_text(encoding="ascii"))
        out[m.name] = m.source
    runtime = Path(xlwings.__file__).with_name("xlwings_custom_addin.bas").read_text(encoding="ascii")
    runtime = runtime.replace(
        'Public Const PROJECT_NAME As String = "myaddin"', 'Public Const PROJECT_NAME As String = "xlperf"'
    )
    head, rest = runtime.split("\n", 1)
    out["xlwings"] = f"{head}\nOption Private Module\n{rest}"  # the one other change: out of Insert Function
    out["xlwings_udfs"] = generate_udf_vba(udfs, "xlperf.xlam", "XlperfUdfError")
    return out


def _norm(text: str) -> str:
    return text.replace("\r\n", "\n").rstrip("\n")


# ---------------------------------------------------------------------------------------------- #
# Compression (MS-OVBA 2.4.1)
# ---------------------------------------------------------------------------------------------- #

SPEC_TEXT = b"#aaabcdefaaaaghijaaaaaklaaamnopqaaaaaaaaaaaarstuvwxyzaaa"


def test_compression_spec_examples():
    # MS-OVBA 3.2.1 (no compression) and 3.2.3 (maximum compression): byte-exact
    assert compress(b"abcdefghijklmnopqrstuv.") == bytes.fromhex(
        "0119B000616263646566676800696A6B6C6D6E6F7000717273747576 2E".replace(" ", "")
    )
    assert compress(b"a" * 73) == bytes.fromhex("0103B0026145 00".replace(" ", ""))
    # MS-OVBA 3.2.2 (normal compression) as printed by Microsoft decompresses to the text
    spec = bytes.fromhex(
        "012FB00023616161626364658266007061676869 6A013808616B6C00306D6E6F70067102700410"
        "72737475761077787 97A003C".replace(" ", "")
    )
    assert decompress(spec) == SPEC_TEXT
    assert decompress(compress(SPEC_TEXT)) == SPEC_TEXT


def _samples():
    rng = random.Random(20240501)
    line = b'    If x > 0 Then RunPython "import xlperf.excel.macros as m; m.validate_workbook()"\r\n'
    for n in (0, 1, 2, 3, 4, 7, 8, 9, 16, 17, 100, 649, 650, 651, 700, 1000, 2048, 4095, 4096, 4097):
        yield f"text-{n}", bytes(rng.choice(b"abc de\r\n") for _ in range(n))
        yield f"repeat-{n}", (line * (n // len(line) + 1))[:n]
        yield f"run-{n}", b"a" * n
    for n in (5000, 8192, 8193, 12289, 20000, 50000):
        yield f"text-{n}", bytes(rng.choice(b"Sub End Dim As (),\r\n") for _ in range(n))
        yield f"repeat-{n}", (line * (n // len(line) + 1))[:n]
        # incompressible 4096-byte chunks are stored raw; a short last chunk stays compressible
        yield f"random-{n}", bytes(rng.randrange(256) for _ in range(n - n % 4096 + min(n % 4096, 2000)))
    yield "xlwings-runtime", Path(xlwings.__file__).with_name("xlwings_custom_addin.bas").read_bytes()


@pytest.mark.parametrize("label,data", list(_samples()), ids=lambda v: v if isinstance(v, str) else "")
def test_compression_round_trip(label, data):
    packed = compress(data)
    assert decompress(packed) == data
    assert bytes(decompress_stream(bytearray(packed))) == data  # oletools' independent decompressor


def test_compression_uses_long_offsets_beyond_650_bytes():
    # the published ms-ovba copy token bug shows only with offsets needing more than 12 bits of length
    block = bytes(random.Random(7).randrange(256) for _ in range(900))
    data = block + b"x" * 1500 + block
    packed = compress(data)
    assert len(packed) < len(data) - 500
    assert decompress(packed) == data


# ---------------------------------------------------------------------------------------------- #
# PROJECT stream encryption, dir stream, compound file
# ---------------------------------------------------------------------------------------------- #


def test_encryption_reads_excel_vectors_and_round_trips():
    # CMG/DPB/GC of an Excel-saved project (xlwings' quickstart add-in): no protection, no password, visible
    assert decrypt("5D5F8AADDAA8DEA8DEA8DEA8DE") == bytes(4)
    assert decrypt("5D5F8AADDAADDBADDBAD") == b"\x00"
    assert decrypt("5D5F8AADDAADDBADDB52") == b"\xff"
    pid = "{318BEE36-5BE1-492A-826D-473DB19B0F30}"
    for seed in range(256):
        assert decrypt(encrypt(pid, b"\x01\x02\xff", seed)) == b"\x01\x02\xff"
    assert encrypt(pid, bytes(4)).startswith("5D5F8A")  # seed, version, project key as Excel has them


def _records(data: bytes) -> list[tuple[int, bytes]]:
    out, pos = [], 0
    while pos < len(data):
        rec_id, size = struct.unpack_from("<HI", data, pos)
        if rec_id == 0x0009:  # PROJECTVERSION: Reserved = 4, then 6 bytes
            size = 6
        out.append((rec_id, data[pos + 6 : pos + 6 + size]))
        pos += 6 + size
    return out


def test_dir_stream_records():
    mods = [
        module_from_text('Attribute VB_Name = "A"\nSub X()\nEnd Sub\n'),
        module_from_text('Attribute VB_Name = "B"\n'),
    ]
    project = VBAProject("proj", mods)
    recs = _records(decompress(project.streams()["VBA/dir"]))
    ids = [r for r, _ in recs]
    assert ids[:4] == [0x0001, 0x0002, 0x0014, 0x0003] and ids[-1] == 0x0010
    assert dict(recs)[0x0004] == b"proj"
    assert struct.unpack("<H", dict(recs)[0x000F])[0] == 2
    offsets = [struct.unpack("<I", p)[0] for r, p in recs if r == 0x0031]
    assert offsets == [0, 0]  # source starts at offset 0: no p-code cache
    names = [p for r, p in recs if r == 0x0019]
    assert names == [b"A", b"B"]
    assert project.streams()["VBA/_VBA_PROJECT"][:4] == b"\xcc\x61\xff\xff"  # version 0xFFFF


def test_cfb_is_strictly_readable_and_holds_every_stream():
    rng = random.Random(3)
    streams = {
        "PROJECT": b"x" * 10,
        "VBA/dir": bytes(rng.randrange(256) for _ in range(4095)),
        "VBA/big": bytes(rng.randrange(256) for _ in range(70000)),
        "VBA/exact": b"y" * 4096,
        **{f"VBA/m{i:02d}": bytes([i]) * (i * 37) for i in range(1, 30)},
    }
    data = write_cfb(streams)
    ole = olefile.OleFileIO(data, raise_defects=olefile.DEFECT_INCORRECT)
    assert sorted("/".join(e) for e in ole.listdir()) == sorted(streams)
    for path, content in streams.items():
        assert ole.openstream(path).read() == content
    assert write_cfb(streams) == data


# ---------------------------------------------------------------------------------------------- #
# The built add-in
# ---------------------------------------------------------------------------------------------- #


def test_olevba_reads_every_module_back_identical(xlam, udfs):
    expected = _expected_sources(udfs)
    vp = VBA_Parser(str(xlam))
    assert vp.detect_vba_macros()
    found = {name.rsplit(".", 1)[0]: code for _, _, name, code in vp.extract_macros()}
    vp.close()
    assert set(found) == set(expected) | {"Sheet1", "Sheet2"}
    for name, source in expected.items():
        assert _norm(found[name]) == _norm(source), name
    assert 'Attribute VB_Base = "0{00020820-0000-0000-C000-000000000046}"' in found["Sheet1"]


def test_vba_project_storage(parts):
    ole = olefile.OleFileIO(parts["xl/vbaProject.bin"], raise_defects=olefile.DEFECT_INCORRECT)
    project = ole.openstream("PROJECT").read().decode("cp1252")
    assert 'Name="xlperf"' in project
    assert "Document=ThisWorkbook/&H00000000" in project and "Module=xlwings_udfs" in project
    for key in ("CMG", "DPB", "GC"):
        assert re.search(rf'^{key}="[0-9A-F]+"\r$', project, re.MULTILINE), key
    assert ole.openstream("VBA/_VBA_PROJECT").read() == b"\xcc\x61\xff\xff\x00\x01\x00"
    recs = _records(decompress(ole.openstream("VBA/dir").read()))
    libids = [p for r, p in recs if r == 0x000D]
    assert any(b"{2DF8D04C-5BFA-101B-BDE5-00AA0044DE52}" in p for p in libids)  # Office: IRibbonControl


def test_vba_sources_are_ascii(parts):
    for p in [*VBA.glob("*.bas"), *VBA.glob("*.cls")]:
        assert p.read_bytes().isascii(), p.name
    ole = olefile.OleFileIO(parts["xl/vbaProject.bin"])
    for entry in ole.listdir():
        if entry[0] == "VBA" and entry[1] not in ("dir", "_VBA_PROJECT"):
            assert decompress(ole.openstream("/".join(entry)).read()).isascii(), entry


def test_content_types_and_relationships(parts):
    names = list(parts)
    assert names[0] == "[Content_Types].xml"
    assert names[-1] == "customUI/customUI14.xml"  # the ribbon goes in last
    assert parts["customUI/customUI14.xml"] == (VBA / "customUI14.xml").read_bytes()

    ct = ElementTree.fromstring(parts["[Content_Types].xml"])
    overrides = {o.get("PartName"): o.get("ContentType") for o in ct.findall("ct:Override", NS_CT)}
    defaults = {d.get("Extension"): d.get("ContentType") for d in ct.findall("ct:Default", NS_CT)}
    assert overrides["/xl/workbook.xml"] == "application/vnd.ms-excel.addin.macroEnabled.main+xml"
    assert overrides["/xl/vbaProject.bin"] == "application/vnd.ms-office.vbaProject"
    for name in names:
        if name != "[Content_Types].xml":
            assert "/" + name in overrides or name.rsplit(".", 1)[-1] in defaults, name

    def rels(path):
        root = ElementTree.fromstring(parts[path])
        return {r.get("Type"): r.get("Target") for r in root.findall("r:Relationship", NS_REL)}

    root_rels = rels("_rels/.rels")
    office = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"
    ui = "http://schemas.microsoft.com/office/2007/relationships/ui/extensibility"
    assert root_rels == {office: "xl/workbook.xml", ui: "customUI/customUI14.xml"}
    wb_rels = rels("xl/_rels/workbook.xml.rels")
    assert wb_rels["http://schemas.microsoft.com/office/2006/relationships/vbaProject"] == "vbaProject.bin"
    root = ElementTree.fromstring(parts["xl/_rels/workbook.xml.rels"])
    for r in root.findall("r:Relationship", NS_REL):
        assert "xl/" + r.get("Target") in parts


def _sheet_rows(xml: bytes) -> list[list[str]]:
    root = ElementTree.fromstring(xml)
    rows = []
    for row in root.iter(f"{{{NS_MAIN['m']}}}row"):
        cells = []
        for c in row.findall("m:c", NS_MAIN):
            t = c.find("m:is/m:t", NS_MAIN)
            v = c.find("m:v", NS_MAIN)
            cells.append(t.text if t is not None else v.text)
        rows.append(cells)
    return rows


def test_workbook_sheets_config_and_texts(parts, udfs):
    wb = ElementTree.fromstring(parts["xl/workbook.xml"])
    assert wb.find("m:workbookPr", NS_MAIN).get("codeName") == "ThisWorkbook"
    sheets = [(s.get("name"), s.get("state")) for s in wb.find("m:sheets", NS_MAIN)]
    # xlwings' custom add-in runtime reads its settings from the sheet named PROJECT_NAME & ".conf"
    assert sheets == [("xlperf.conf", None), ("xlperf.text", "hidden")]
    runtime = _expected_sources(udfs)["xlwings"]
    assert 'Public Const PROJECT_NAME As String = "xlperf"' in runtime
    assert 'wb.Sheets(PROJECT_NAME & ".conf")' in runtime
    assert _sheet_rows(parts["xl/worksheets/sheet1.xml"]) == [["UDF Modules", FIXTURE_NAME]]

    texts = _sheet_rows(parts["xl/worksheets/sheet2.xml"])
    udf_rows = {r[1]: r for r in texts if r[0] == "udf"}
    assert udf_rows["XP_RATE"] == [
        "udf",
        "XP_RATE",
        "绩效自评",
        "预算执行率：实际执行数除以全年预算数。",
        "2",
        "实际执行数（万元）",
        "全年预算数（万元）",
    ]
    assert udf_rows["XP_SUM"][2:5] == ["绩效自评", "各项之和。", "1"]  # default category is Chinese
    msgs = {r[1]: r[2] for r in texts if r[0] == "msg"}
    assert msgs["no_workbook"] and not msgs["no_workbook"].isascii()
    # every text the VBA looks up exists in the sheet
    ribbon_vba = (VBA / "XlperfRibbon.bas").read_text(encoding="ascii")
    for key in re.findall(r'XlperfText\("(\w+)"\)', ribbon_vba):
        assert key in msgs, key


def test_two_builds_are_byte_identical(udfs, xlam, tmp_path):
    again = build_addin(tmp_path / "again.xlam", udfs)
    by_name = build_addin(tmp_path / "by_name.xlam", FIXTURE_NAME)
    assert again.read_bytes() == xlam.read_bytes() == by_name.read_bytes()
    with zipfile.ZipFile(again) as zf:
        assert {i.date_time for i in zf.infolist()} == {(1980, 1, 1, 0, 0, 0)}


# ---------------------------------------------------------------------------------------------- #
# UDF wrappers
# ---------------------------------------------------------------------------------------------- #

_WRAPPER = re.compile(r"^(Function|Sub) (\w+)\(", re.MULTILINE)


def test_an_addin_that_cannot_replace_the_open_one_leaves_it_whole(udfs, xlam, tmp_path, monkeypatch):
    """Excel holds the installed add-in open (Windows: it cannot be replaced): the build says so in Chinese
    and the earlier add-in stays as it was, never half overwritten."""
    import os

    from xlperf.errors import OutputError

    out = tmp_path / "xlperf.xlam"
    out.write_bytes(b"the add-in Excel has open")

    def busy(*_a, **_k):
        raise PermissionError(13, "另一个程序正在使用此文件")

    monkeypatch.setattr(os, "replace", busy)
    with pytest.raises(OutputError):
        build_addin(out, udfs)
    assert out.read_bytes() == b"the add-in Excel has open"
    assert [p.name for p in tmp_path.iterdir()] == ["xlperf.xlam"]  # no temporary left behind


def test_every_udf_has_a_wrapper_and_no_wrapper_lacks_a_function(udfs):
    vba = generate_udf_vba(udfs)
    wrappers = {m.group(2) for m in _WRAPPER.finditer(vba)}
    python = {n for n in dir(udfs) if n.startswith("XP_")}
    assert wrappers == python == {"XP_RATE", "XP_SCORE", "XP_SUM"}
    assert [i.name for i in udf_infos(udfs)] == sorted(python)


def test_wrapper_text_is_what_xlwings_generates(udfs):
    vba = generate_udf_vba(udfs)
    assert vba.startswith('Attribute VB_Name = "xlwings_udfs"\n')
    assert "Function XP_SCORE(weight, Optional rate)\n" in vba
    assert "Function XP_SUM(ParamArray values())\n    Application.Volatile\n" in vba
    assert (
        '        XP_RATE = XLPy.CallUDF("xp_test_udfs", "XP_RATE", Array(executed, budget), '
        "ActiveWorkbook, Application.Caller)\n" in vba
    )
    assert vba.isascii()
    assert sys.modules[FIXTURE_NAME] is udfs  # the re-run copy did not replace the imported module


def test_undecorated_udf_is_an_error(udf_dir):
    source = FIXTURE_SOURCE + "\n\ndef XP_FORGOTTEN(x):\n    return x\n"
    module = _load_fixture(udf_dir, "xp_forgotten_udfs", source)
    with pytest.raises(UdfError, match="XP_FORGOTTEN"):
        generate_udf_vba(module)


def test_non_ascii_parameter_name_is_an_error(udf_dir):
    source = "import xlwings as xw\n\n@xw.func\ndef XP_X(金额):\n    return 金额\n"
    module = _load_fixture(udf_dir, "xp_unicode_udfs", source)
    with pytest.raises(UdfError, match="金额"):
        generate_udf_vba(module)


def test_missing_udf_module_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setattr(addin_build, "DEFAULT_UDF_MODULE", "xlperf.excel.no_such_udfs")
    with pytest.raises(XlperfError, match="xlperf.excel.no_such_udfs"):
        build_addin(tmp_path / "x.xlam")
    assert not (tmp_path / "x.xlam").exists()


def test_real_udf_module_has_a_wrapper_and_a_description_per_function():
    import xlperf.excel.udfs as real

    public = {n for n in dir(real) if n.startswith("XP_") and callable(getattr(real, n))}
    wrappers = {m.group(2) for m in _WRAPPER.finditer(generate_udf_vba(real))}
    assert public and wrappers == public
    for info in udf_infos(real):
        assert info.description and not info.description.isascii(), info.name  # Chinese, for users
        assert all(info.arg_descriptions), info.name


def test_ribbon_callback_without_sub_fails_the_build(monkeypatch, tmp_path, udfs):
    broken = tmp_path / "vba"
    broken.mkdir()
    for p in VBA.iterdir():
        (broken / p.name).write_bytes(p.read_bytes())
    xml = (broken / "customUI14.xml").read_text(encoding="utf-8")
    (broken / "customUI14.xml").write_text(
        xml.replace('onAction="XlperfHelp"', 'onAction="XlperfNope"'), "utf-8"
    )
    monkeypatch.setattr(addin_build, "vba_dir", lambda: broken)
    with pytest.raises(XlperfError, match="XlperfNope"):
        build_addin(tmp_path / "x.xlam", udfs)


def test_non_ascii_vba_fails_the_build(monkeypatch, tmp_path, udfs):
    broken = tmp_path / "vba"
    broken.mkdir()
    for p in VBA.iterdir():
        (broken / p.name).write_bytes(p.read_bytes())
    (broken / "Extra.bas").write_text('Attribute VB_Name = "Extra"\n\' 中文\n', encoding="utf-8")
    monkeypatch.setattr(addin_build, "vba_dir", lambda: broken)
    with pytest.raises(XlperfError, match="Extra.bas"):
        build_addin(tmp_path / "x.xlam", udfs)


# ---------------------------------------------------------------------------------------------- #
# Install and CLI
# ---------------------------------------------------------------------------------------------- #


def test_install_writes_interpreter_into_config(tmp_path, udfs):
    dest = tmp_path / "XLSTART"
    path = install_addin(dest, udf_module=udfs)
    assert path == dest / "xlperf.xlam"
    with zipfile.ZipFile(path) as zf:
        rows = _sheet_rows(zf.read("xl/worksheets/sheet1.xml"))
    assert rows == [["Interpreter_Win", sys.executable], ["UDF Modules", FIXTURE_NAME]]
    assert [p.name for p in dest.iterdir()] == ["xlperf.xlam"]  # no temporary file left behind
    install_addin(dest, udf_module=udfs)  # replacing an installed add-in works


@pytest.mark.skipif(sys.platform == "win32", reason="on Windows the default is XLSTART")
def test_install_without_dest_off_windows_is_an_error(udfs):
    with pytest.raises(XlperfError, match="--dest"):
        install_addin(udf_module=udfs)


def test_an_xlstart_that_cannot_be_written_is_named_as_excels_before_the_build(tmp_path, udfs, monkeypatch):
    """Without --dest the folder is Excel's start-up folder, which the user did not choose: the reason
    names it and says --dest can install elsewhere; and the add-in is not built first."""
    from xlperf.addin import install
    from xlperf.errors import OutputError

    xlstart = tmp_path / "XLSTART"
    monkeypatch.setattr(install, "xlstart_dir", lambda: xlstart)

    def refused(folder):
        raise OutputError(f"无法在输出文件夹中写入文件：{folder}（没有写入权限），请换一个文件夹")

    def built(*a, **k):
        raise AssertionError("built before the folder was checked")

    monkeypatch.setattr(install, "check_writable", refused)
    monkeypatch.setattr(install, "addin_bytes", built)
    with pytest.raises(XlperfError) as e:
        install_addin(udf_module=udfs)
    assert "没有写入权限" in str(e.value) and "Excel 的启动文件夹（XLSTART）" in str(e.value)
    assert "--dest" in str(e.value)
    with pytest.raises(XlperfError) as e:
        install_addin(tmp_path / "mine", udf_module=udfs)  # a folder the user named: no XLSTART hint
    assert "XLSTART" not in str(e.value) and "没有写入权限" in str(e.value)


def test_cli_build_and_install(tmp_path, udfs):
    from xlperf.cli.addin_cmd import command

    runner = CliRunner()
    out = tmp_path / "built.xlam"
    result = runner.invoke(command, ["build", "-o", str(out), "--udf-module", FIXTURE_NAME])
    assert result.exit_code == 0, result.output
    assert "已生成加载项" in result.output and out.is_file()
    result = runner.invoke(command, ["install", "--dest", str(tmp_path / "d"), "--udf-module", FIXTURE_NAME])
    assert result.exit_code == 0, result.output
    assert "已安装加载项" in result.output and sys.executable in result.output
    assert f"加载项按 xlperf {xlperf_version}、xlwings {xlwings.__version__} 生成" in result.output
    assert "[错误]" not in result.output


def test_cli_install_names_what_would_still_stop_the_addin(tmp_path, udfs, monkeypatch):
    from xlperf.addin import doctor
    from xlperf.cli.addin_cmd import command

    broken = doctor.Check("xlwings DLL", doctor.ERROR, "找不到 xlwings64-0.37.8.dll", "请重新安装 xlwings。")
    monkeypatch.setattr(doctor, "diagnose", lambda env: [broken])
    result = CliRunner().invoke(command, ["install", "--dest", str(tmp_path), "--udf-module", FIXTURE_NAME])
    assert result.exit_code == 0 and (tmp_path / "xlperf.xlam").is_file()  # installed all the same
    assert "[错误] xlwings DLL：找不到 xlwings64-0.37.8.dll" in result.output
    assert "处理后运行 xlperf doctor 再检查" in result.output


def test_cli_error_is_one_chinese_line(tmp_path):
    pytest.importorskip("xlperf.cli.template_cmd", reason="the top-level CLI loads every command module")
    from xlperf.cli import cli

    result = CliRunner().invoke(
        cli, ["addin", "build", "-o", str(tmp_path / "x.xlam"), "--udf-module", "no_such_mod"]
    )
    assert result.exit_code == 2
    assert result.output.startswith("错误：") and "no_such_mod" in result.output


# ---------------------------------------------------------------------------------------------- #
# LibreOffice loads the project
# ---------------------------------------------------------------------------------------------- #


@pytest.mark.libreoffice
def test_libreoffice_loads_every_module(soffice, xlam, udfs, tmp_path):
    # LibreOffice does not detect the add-in content type by itself: name the .xlsm import filter
    profile = tmp_path / "profile"
    cmd = [
        soffice,
        f"-env:UserInstallation={profile.as_uri()}",
        "--headless",
        "--norestore",
        "--infilter=Calc MS Excel 2007 VBA XML",
        "--convert-to",
        "ods",
        "--outdir",
        str(tmp_path),
        str(xlam),
    ]
    proc = subprocess.run(
        cmd, capture_output=True, text=True, timeout=240, env={**os.environ, "HOME": str(tmp_path)}
    )
    ods = tmp_path / "xlperf.ods"
    assert ods.is_file(), proc.stdout + proc.stderr
    expected = _expected_sources(udfs)
    script = "{http://openoffice.org/2000/script}"
    with zipfile.ZipFile(ods) as zf:
        modules = {}
        for name in zf.namelist():
            if name.startswith("Basic/xlperf/") and not name.endswith("script-lb.xml"):
                root = ElementTree.fromstring(zf.read(name))
                modules[root.get(f"{script}name")] = root.text or ""
        content = zf.read("content.xml").decode("utf-8")
    assert set(modules) == set(expected) | {"Sheet1", "Sheet2"}
    for name, source in expected.items():
        lo = [ln for ln in modules[name].split("\n") if not ln.startswith("Rem Attribute VBA_ModuleType")]
        lo = [ln for ln in lo if ln not in ("Option VBASupport 1", "Option ClassModule")]
        src = [ln for ln in source.replace("\r\n", "\n").split("\n") if not ln.startswith("Attribute ")]
        assert _norm("\n".join(lo)) == _norm("\n".join(src)), name
    assert 'table:name="xlperf.conf"' in content and 'table:name="xlperf.text"' in content
    assert "预算执行率" in content  # the Unicode texts survive


def test_parts_are_well_formed_xml(parts):
    for name, data in parts.items():
        if name.endswith((".xml", ".rels")):
            ElementTree.parse(io.BytesIO(data))
