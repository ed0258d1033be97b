"""The printed result: one row per figure, plain text, aligned columns."""

from __future__ import annotations

from dataclasses import dataclass

COLUMNS = ("figure", "value", "target", "note")


@dataclass(frozen=True)
class Row:
    figure: str
    value: str
    target: str = "-"
    note: str = ""


def render(rows: list[Row]) -> str:
    cells = [COLUMNS] + [(r.figure, r.value, r.target, r.note) for r in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(COLUMNS) - 1)]

    def line(row: tuple[str, ...]) -> str:
        padded = [cell.ljust(width) for cell, width in zip(row[:-1], widths, strict=True)]
        return "  ".join([*padded, row[-1]]).rstrip()

    rule = "  ".join("-" * w for w in [*widths, max(len(row[-1]) for row in cells)])
    return "\n".join([line(cells[0]), rule, *(line(row) for row in cells[1:])])


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms"
