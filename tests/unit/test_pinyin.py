"""Counties in pinyin order, as a Chinese reader looks one up: the seed's three, place names
whose first character has another commoner reading, ü after u, and a tone within a syllable."""

from __future__ import annotations

import pytest

from chalicelib.domain import pinyin

pytestmark = pytest.mark.unit


def test_the_seeds_counties_sort_by_pinyin_not_by_character_code() -> None:
    # Given the seed's counties, which by character code read 宜 (U+5B9C), 延 (U+5EF6), 绥 (U+7EE5)
    counties = ["宜川县", "延长县", "绥德县"]
    assert sorted(counties) == ["宜川县", "延长县", "绥德县"]
    # Then in pinyin: suí, yán, yí
    assert sorted(counties, key=pinyin.sort_key) == ["绥德县", "延长县", "宜川县"]


def test_place_names_read_as_places_and_u_umlaut_follows_u() -> None:
    names = ["吕梁市", "重庆市", "绿春县", "长沙市", "六安市", "卢氏县", "安塞区", "厦门市", "Ａ区"]
    assert sorted(names, key=pinyin.sort_key) == [
        "Ａ区",  # no reading: before every Chinese name
        "安塞区",  # ān
        "长沙市",  # cháng, not zhǎng
        "重庆市",  # chóng, not zhòng
        "卢氏县",  # lú
        "六安市",  # lù, not liù
        "吕梁市",  # lǚ
        "绿春县",  # lǜ
        "厦门市",  # xià, not shà
    ]


def test_the_same_letters_sort_by_tone_then_by_the_next_character() -> None:
    assert sorted(["宜川县", "沂水县", "伊川县", "义乌市"], key=pinyin.sort_key) == [
        "伊川县",  # yī
        "宜川县",  # yí chuān
        "沂水县",  # yí shuǐ
        "义乌市",  # yì
    ]


def test_the_table_is_pypinyins_for_gb2312_as_written() -> None:
    # The committed table is what `python -m yanxiu_local.pinyin_table` writes from the
    # locked pypinyin (a dev dependency: the API's package carries only the 28 KB table)
    from yanxiu_local.pinyin_table import table_text

    assert pinyin.TABLE.read_text(encoding="utf-8") == table_text()
    assert pinyin.TABLE.stat().st_size < 40_000
