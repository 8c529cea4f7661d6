"""How names are shown (xlperf.core.names.shown_name): bytes that are not UTF-8 escaped with their GBK
reading, control characters escaped, everything else as it is. Expected texts written by hand."""

from __future__ import annotations

import pytest

from xlperf.core.names import shown_name


def gbk(text: str) -> str:
    """A name as Python gives it when its bytes are GBK (a Windows zip unzipped on UOS/Kylin)."""
    return text.encode("gbk").decode("utf-8", "surrogateescape")


@pytest.mark.parametrize(
    "name, shown",
    [
        ("长安区委编办.xlsx", "长安区委编办.xlsx"),
        ("正常\x07名\r\n.xlsx", r"正常\x07名\x0d\x0a.xlsx"),
        ("\u202excod.xlsx", r"\u202excod.xlsx"),
        (gbk("长安.xlsx"), r"\xb3\xa4\xb0\xb2.xlsx（文件名不是 UTF-8 编码，按 GBK 读作“长安.xlsx”）"),
        # a GBK character whose second byte is ASCII ("丂" 81 40) still reads as one character
        (gbk("丂表.xlsx"), r"\x81@\xb1\xed.xlsx（文件名不是 UTF-8 编码，按 GBK 读作“丂表.xlsx”）"),
        # a name of GBK bytes with a suffix xlperf added in UTF-8: the suffix stays text, in both
        (
            gbk("长安") + "_报送前核对事项.docx",
            r"\xb3\xa4\xb0\xb2_报送前核对事项.docx（文件名不是 UTF-8 编码，按 GBK 读作“长安_报送前核对事项.docx”）",
        ),
        # bytes that are neither UTF-8 nor GBK: escaped, no reading claimed
        ("\udcff\udcfe.xlsx", r"\xff\xfe.xlsx"),
    ],
)
def test_a_name_is_shown_as_it_can_be_read(name, shown):
    assert shown_name(name) == shown


def test_each_part_of_a_path_is_shown_on_its_own():
    path = "张三的材料/" + gbk("报送") + "/" + "表\x1b[2J.xlsx"
    assert shown_name(path) == (
        r"张三的材料/\xb1\xa8\xcb\xcd（文件名不是 UTF-8 编码，按 GBK 读作“报送”）/表\x1b[2J.xlsx"
    )


def test_gbk_bytes_that_happen_to_be_utf8_still_read_as_gbk():
    name = gbk("长安区委编办.xlsx")  # 委 is CE AF in GBK: "ί" in UTF-8
    assert "ί" in name
    assert shown_name(name) == (
        r"\xb3\xa4\xb0\xb2\xc7\xf8\xce\xaf\xb1\xe0\xb0\xec.xlsx（文件名不是 UTF-8 编码，按 GBK 读作“长安区委编办.xlsx”）"
    )


def test_gbk_bytes_that_spell_two_cjk_characters_in_utf8_inside_a_name_still_read_as_gbk():
    name = gbk("绩计临灞告护支莲.xlsx")  # 灞告 (E5 B1 B8 E6 …) spells CJK text in UTF-8, between GBK bytes
    shown = shown_name(name)
    assert shown.endswith("（文件名不是 UTF-8 编码，按 GBK 读作“绩计临灞告护支莲.xlsx”）"), shown
    assert not any("\u3400" <= ch <= "\u9fff" for ch in shown.split("（")[0])  # the bytes all escaped
