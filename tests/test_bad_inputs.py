"""Bad inputs in a consolidation: each is listed with a Chinese reason, the run goes on, and every good
file's rows are present exactly once. Inputs are never modified."""

from __future__ import annotations

import hashlib
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

from corpus import (
    encrypted,
    entity_attack,
    other_form,
    partial_form,
    rezip,
    zip_bomb_big,
    zip_bomb_lying,
    zip_bomb_plausible_lie,
)

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from benchmarks.unitgen import generate  # noqa: E402


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
    pytest.importorskip("msoffcrypto")
    encrypted(bad / "加密.xlsx", good)
    other_form(bad / "其他表样.xlsx")
    partial_form(bad / "部分字段.xlsx")
    zip_bomb_big(bad / "压缩炸弹.xlsx")
    zip_bomb_lying(bad / "谎报大小.xlsx", good)
    zip_bomb_plausible_lie(bad / "谎报大小2.xlsx", good)
    (bad / "实体攻击.xlsx").write_bytes(rezip(good, entity_attack))
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
    detail = c.tables[DETAIL_NAME].records(with_total=False)
    got = Counter((r["单位"], r["项目名称"]) for r in detail)
    want = Counter((s.name, p.name) for s in specs for p in s.projects)
    want[("部分字段单位", "只有资金的项目")] = 1
    assert got == want
    file_rows = c.tables[FILES_NAME].records(with_total=False)
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
