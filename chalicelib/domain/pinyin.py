"""Chinese names in pinyin order (绥德县, 延长县, 宜川县), as a Chinese reader looks a county up,
rather than by character code (宜, 延, 绥). There is no ICU collation on Lambda.

pinyin.txt holds the commonest reading of each of GB 2312's 6,763 characters (every county's
name but a handful), one line per reading: "yí 仪夷宜...". It is pypinyin's single-character
table (pinyin-data), written by `python -m yanxiu_local.pinyin_table` and checked against
pypinyin in tests/unit/test_pinyin.py: the whole library is 3.5 MB (its phrase table 2.5 MB,
~1 s of CPU to load), which would take the API's package past its 30 MiB. Read on first use.

A character with several readings takes its commonest, but for the place names' own readings
below (长沙, 重庆, 六安, 厦门...). Letters first (ü as v, after u), then the tone, then the
next character. A name's character outside the table sorts after every reading, by code;
one that is not Chinese (Latin, digits) before every reading."""

from __future__ import annotations

import functools
import unicodedata
from pathlib import Path

# Where the commonest reading is not the place name's (长 zhǎng: 长沙 cháng; 重 zhòng: 重庆)
PLACE_READINGS = {
    "长": "cháng",
    "重": "chóng",
    "六": "lù",
    "单": "shàn",
    "蚌": "bèng",
    "番": "pān",
    "厦": "xià",
    "都": "dū",
    "藏": "zàng",
    "荥": "xíng",
    "铅": "yán",
    "沈": "shěn",
    "台": "tái",
    "区": "qū",
}
# The tone marks (as combining characters once decomposed) and their numbers
TONES = {"\u0304": 1, "\u0301": 2, "\u030c": 3, "\u0300": 4}
TABLE = Path(__file__).with_name("pinyin.txt")


@functools.cache
def _table() -> dict[str, str]:
    readings = {}
    for line in TABLE.read_text(encoding="utf-8").splitlines():
        reading, characters = line.split(" ", 1)
        readings.update(dict.fromkeys(characters, reading))
    readings.update(PLACE_READINGS)
    return readings


@functools.cache
def syllable(reading: str) -> tuple[str, int]:
    """("lv", 4) for "lǜ": the letters (ü as v, as pinyin input writes it), then the tone (0
    for the neutral one)."""
    letters: list[str] = []
    tone = 0
    for ch in unicodedata.normalize("NFD", reading):
        if ch in TONES:
            tone = TONES[ch]
        elif ch == "\u0308":  # the diaeresis of ü
            letters[-1] = "v"
        else:
            letters.append(ch)
    return "".join(letters), tone


def sort_key(name: str) -> tuple[tuple[int, str, int, str], ...]:
    """Each character's pinyin letters and tone, the character itself last (two names that
    read the same still sort one way)."""
    table = _table()
    key = []
    for ch in name:
        reading = table.get(ch)
        if reading is not None:
            letters, tone = syllable(reading)
            key.append((1, letters, tone, ch))
        else:
            key.append((2 if unicodedata.name(ch, "").startswith("CJK") else 0, ch, 0, ch))
    return tuple(key)
