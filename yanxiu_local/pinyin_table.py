"""Write chalicelib/domain/pinyin.txt from pypinyin's single-character table (a dev
dependency): each GB 2312 character's commonest reading, one line per reading.

    .venv/bin/python -m yanxiu_local.pinyin_table"""

from __future__ import annotations

from pathlib import Path

from chalicelib.domain.pinyin import TABLE


def gb2312_characters() -> list[str]:
    """The 6,763 characters of GB 2312 (rows 0xB0-0xF7), in its order."""
    out = []
    for high in range(0xB0, 0xF8):
        for low in range(0xA1, 0xFF):
            try:
                out.append(bytes([high, low]).decode("gb2312"))
            except UnicodeDecodeError:
                continue  # the five unassigned places of row 0xD7
    return out


def table_text() -> str:
    from pypinyin import Style, pinyin

    by_reading: dict[str, list[str]] = {}
    for ch in gb2312_characters():
        reading = pinyin(ch, style=Style.TONE, heteronym=False, errors="ignore")
        if reading and reading[0]:
            by_reading.setdefault(reading[0][0], []).append(ch)
    return "".join(f"{r} {''.join(chars)}\n" for r, chars in sorted(by_reading.items()))


def main(path: Path = TABLE) -> None:
    path.write_text(table_text(), encoding="utf-8")
    print(f"{path}: {path.stat().st_size:,} bytes")


if __name__ == "__main__":
    main()
