"""Bad inputs in a consolidation: each is listed with a Chinese reason, the run goes on, and every good
file's rows are present exactly once. Inputs are never modified."""

from __future__ import annotations

import hashlib
import io
import sys
import zipfile
from collections import Counter
from pathlib import Path

import pytest

from xlperf.consolidate import (
    DETAIL_NAME,
    FILES_NAME,
    STATUS_OK,
    STATUS_SKIPPED,
    STATUS_UNREADABLE,
    consolidate_paths,
    read_unit_file,
)
from xlperf.errors import ReadError
from xlperf.sources import check_file
from xlperf.writers.summary import write_summary

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from benchmarks.unitgen import generate  # noqa: E402


def _rezip(src: bytes, change) -> bytes:
    """A copy of an xlsx package with ``change(name, data) -> data`` applied to each member."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(src)) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            zout.writestr(info.filename, change(info.filename, zin.read(info.filename)))
    return out.getvalue()


BILLION_LAUGHS = (
    b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(
        b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
        for i in range(1, 10)
    )
    + b"]>\n"
)


def _entity_attack(name: str, data: bytes) -> bytes:
    if name == "xl/worksheets/sheet3.xml":
        body = data.split(b"?>", 1)[-1] if data.startswith(b"<?xml") else data
        return BILLION_LAUGHS + body.replace(
            b"<sheetData>",
            b'<sheetData><row r="99"><c r="A99" t="inlineStr"><is><t>&lol9;</t></is></c></row>',
            1,
        )
    return data


def _zip_bomb_big(path: Path) -> None:
    """A small file whose sheet expands to 300 MB (declared honestly)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook/>")
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as f:
            chunk = b" " * (1 << 20)
            for _ in range(300):
                f.write(chunk)


def _lie_about_size(pkg: bytes, member: str, fake: int) -> bytes:
    """Patch a member's uncompressed size in its local header and in the central directory."""
    buf = bytearray(pkg)
    with zipfile.ZipFile(io.BytesIO(pkg)) as z:
        info = z.getinfo(member)
    real = info.file_size.to_bytes(4, "little")
    loc = info.header_offset
    assert buf[loc + 22 : loc + 26] == real
    buf[loc + 22 : loc + 26] = fake.to_bytes(4, "little")
    i = buf.find(b"PK\x01\x02")
    while i != -1:
        n = int.from_bytes(buf[i + 28 : i + 30], "little")
        if bytes(buf[i + 46 : i + 46 + n]) == member.encode():
            buf[i + 24 : i + 28] = fake.to_bytes(4, "little")
            break
        i = buf.find(b"PK\x01\x02", i + 4)
    return bytes(buf)


def _zip_bomb_lying(path: Path, template: bytes) -> None:
    """A file that claims a 1000-byte sheet whose data inflates to 40 MB (caught from the sizes alone)."""
    payload = b"<worksheet>" + b" " * (40 << 20) + b"</worksheet>"
    pkg = _rezip(template, lambda n, d: payload if n == "xl/worksheets/sheet3.xml" else d)
    path.write_bytes(_lie_about_size(pkg, "xl/worksheets/sheet3.xml", 1000))


def _zip_bomb_plausible_lie(path: Path, template: bytes) -> None:
    """A subtler lie: the declared size is plausible for the compressed size (so only inflating the raw
    data shows that it expands further)."""
    import random

    rng = random.Random(5)
    payload = bytes(rng.choice(b"ab ") for _ in range(1_500_000))
    pkg = _rezip(template, lambda n, d: payload if n == "xl/worksheets/sheet3.xml" else d)
    with zipfile.ZipFile(io.BytesIO(pkg)) as z:
        csize = z.getinfo("xl/worksheets/sheet3.xml").compress_size
    assert csize * 1032 > 256 * 1024 * 1024
    path.write_bytes(_lie_about_size(pkg, "xl/worksheets/sheet3.xml", int(csize * 1.05)))


def _partial_form(path: Path) -> None:
    """A workbook with a project sheet that has only some fields: no indicator table, no 总分."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "单位信息"
    ws.append(["单位名称", "部分字段单位"])
    ws2 = wb.create_sheet("自评表1")
    ws2.append(["项目支出绩效自评表"])
    ws2.append(["项目名称", "只有资金的项目"])
    ws2.append([None, "预算安排情况（调整后）", None, "资金到位情况", None, "资金执行情况"])
    ws2.append([None, "预算数：", 10, "到位数：", 10, "执行数：", 8])
    wb.save(path)


def _other_form(path: Path) -> None:
    import openpyxl

    wb = openpyxl.Workbook()
    wb.active.append(["姓名", "工资"])
    wb.active.append(["张三", 5000])
    wb.save(path)


def _encrypted(path: Path, src: Path) -> None:
    msoffcrypto = pytest.importorskip("msoffcrypto")
    from msoffcrypto.format.ooxml import OOXMLFile

    with src.open("rb") as f:
        out = io.BytesIO()
        OOXMLFile(f).encrypt("密码123", out)
    path.write_bytes(out.getvalue())
    del msoffcrypto


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> tuple[Path, list]:
    root = tmp_path_factory.mktemp("报送")
    specs = generate(4, root / "good", seed=11)
    good = specs[0].path.read_bytes()
    bad = root / "bad"
    bad.mkdir()
    (bad / "截断.xlsx").write_bytes(good[: len(good) // 2])
    (bad / "改了扩展名.xlsx").write_bytes("这是一个文本文件，不是工作簿。\n".encode() * 50)
    (bad / "空文件.xlsx").write_bytes(b"")
    _encrypted(bad / "加密.xlsx", specs[0].path)
    _other_form(bad / "其他表样.xlsx")
    _partial_form(bad / "部分字段.xlsx")
    _zip_bomb_big(bad / "压缩炸弹.xlsx")
    _zip_bomb_lying(bad / "谎报大小.xlsx", good)
    _zip_bomb_plausible_lie(bad / "谎报大小2.xlsx", good)
    (bad / "实体攻击.xlsx").write_bytes(_rezip(good, _entity_attack))
    (bad / "~$锁定文件.xlsx").write_bytes(b"\x00" * 165)
    return root, specs


EXPECTED = {
    "截断.xlsx": (STATUS_UNREADABLE, "损坏"),
    "改了扩展名.xlsx": (STATUS_UNREADABLE, "不是"),
    "空文件.xlsx": (STATUS_UNREADABLE, "空"),
    "加密.xlsx": (STATUS_UNREADABLE, "密码"),
    "其他表样.xlsx": (STATUS_UNREADABLE, "没有找到项目支出绩效自评表"),
    "压缩炸弹.xlsx": (STATUS_UNREADABLE, "压缩炸弹"),
    "谎报大小.xlsx": (STATUS_UNREADABLE, "声明大小"),
    "谎报大小2.xlsx": (STATUS_UNREADABLE, "大于声明大小"),
    "实体攻击.xlsx": (STATUS_UNREADABLE, "实体"),
    "~$锁定文件.xlsx": (STATUS_SKIPPED, "锁定"),
}


def test_sizes_of_the_crafted_files(folder):
    root, _ = folder
    assert (root / "bad" / "压缩炸弹.xlsx").stat().st_size < 2 * 1024 * 1024
    with zipfile.ZipFile(root / "bad" / "谎报大小.xlsx") as z:
        assert z.getinfo("xl/worksheets/sheet3.xml").file_size == 1000


@pytest.mark.parametrize("name", sorted(n for n, (s, _) in EXPECTED.items() if s == STATUS_UNREADABLE))
def test_each_bad_file_is_refused_with_a_chinese_reason(folder, name):
    root, _ = folder
    r = read_unit_file(root / "bad" / name, name)
    status, word = EXPECTED[name]
    assert r.status == status, r.reason
    assert word in r.reason and any("\u4e00" <= ch <= "\u9fff" for ch in r.reason)
    assert not r.projects


@pytest.mark.parametrize(
    "name", ["压缩炸弹.xlsx", "谎报大小.xlsx", "谎报大小2.xlsx", "实体攻击.xlsx", "加密.xlsx"]
)
def test_check_file_refuses_before_any_parser(folder, name):
    root, _ = folder
    with pytest.raises(ReadError):
        check_file(root / "bad" / name)


@pytest.mark.parametrize("jobs", [1, 2])
def test_good_rows_all_present_exactly_once(folder, tmp_path, jobs):
    root, specs = folder
    before = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in root.rglob("*") if p.is_file()}
    c = consolidate_paths([root], jobs=jobs)
    files = {Path(f.display).name: f for f in c.files}
    for name, (status, word) in EXPECTED.items():
        assert files[name].status == status, (name, files[name].reason)
        assert word in files[name].reason
    # the partial form is read: its project is there, with XP017 findings for what is missing
    partial = files["部分字段.xlsx"]
    assert partial.status == STATUS_OK and partial.unit == "部分字段单位"
    assert any(x.rule == "XP017" for x in partial.findings)
    detail = c.tables[DETAIL_NAME].records()
    got = Counter((r["单位"], r["项目名称"]) for r in detail)
    want = Counter((s.name, p.name) for s in specs for p in s.projects)
    want[("部分字段单位", "只有资金的项目")] = 1
    assert got == want
    file_rows = c.tables[FILES_NAME].records()
    assert len(file_rows) == len(specs) + len(EXPECTED) + 1
    assert c.ok
    out = write_summary(c, tmp_path / "汇总.xlsx")
    assert out.exists()
    after = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in root.rglob("*") if p.is_file()}
    assert after == before


def test_missing_path_is_listed(tmp_path, folder):
    root, specs = folder
    c = consolidate_paths([specs[0].path, tmp_path / "不存在.xlsx"], jobs=1)
    f = next(f for f in c.files if f.display.endswith("不存在.xlsx"))
    assert f.status == STATUS_UNREADABLE and "不存在" in f.reason
    assert c.stats.projects == len(specs[0].projects)
