"""A county's spreadsheet (the 国培 form): where its header row is and which column holds
which field (the template's headers and the words people use for them), its data rows, and
each row checked as a person against the county and the programme's start, every problem at
its row and column."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from chalicelib.domain.enrolment import (
    COLUMNS,
    FIELDS,
    HEADER_OF,
    Person,
    cell_text,
    check_person,
    clean,
    header_field,
)
from chalicelib.domain.errors import Problem, problem


@dataclass(frozen=True)
class SheetRow:
    """A data row of a file: its number as the spreadsheet shows it, the cells by field, and
    the row's cells as read (for the error workbook)."""

    number: int
    cells: dict[str, str]
    raw: tuple[str, ...]
    numeric_id: bool = False


@dataclass(frozen=True)
class RowError:
    row: int
    column: str  # the Chinese header
    problem: Problem


@dataclass
class Layout:
    """Where the headers are and which column holds which field."""

    header_index: int  # 0-based
    columns: dict[int, str]  # column index -> field
    headers: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()  # required fields without a column
    repeated: tuple[str, ...] = ()  # fields with two columns


HEADER_SCAN_ROWS = 20


MIN_HEADERS = 3  # a row naming fewer known columns is not the header row


def find_layout(
    grid: Sequence[Sequence[Any]], required: Iterable[str] | None = None, min_headers: int = MIN_HEADERS
) -> Layout | None:
    """The header row: among the first rows, the first that names the most known columns
    (in any order, in Chinese or as the contract's field names). None: no such row."""
    best: Layout | None = None
    for index, row in enumerate(grid[:HEADER_SCAN_ROWS]):
        columns: dict[int, str] = {}
        seen: dict[str, int] = {}
        repeated: list[str] = []
        for col, value in enumerate(row):
            found = header_field(cell_text(value)) if isinstance(value, str) else None
            if found is None:
                continue
            if found in seen:
                repeated.append(found)
                continue
            seen[found] = col
            columns[col] = found
        if len(columns) >= min_headers and (best is None or len(columns) > len(best.columns)):
            headers = tuple(cell_text(v) for v in row)
            best = Layout(index, columns, headers, repeated=tuple(dict.fromkeys(repeated)))
    if best is None:
        return None
    wanted = tuple(required) if required is not None else tuple(c.field for c in COLUMNS if c.required)
    best.missing = tuple(f for f in wanted if f not in best.columns.values())
    return best


PREFILLED = frozenset({"city", "county"})  # the template fills these in; alone they are no row


def data_rows(grid: Sequence[Sequence[Any]], layout: Layout, first_row_number: int = 1) -> list[SheetRow]:
    """The rows under the headers that hold a person: blank rows, rows holding only what the
    template filled in (the county), and the seed's closing note (注：…) are skipped."""
    out = []
    id_col = next((c for c, f in layout.columns.items() if f == "id_number"), None)
    for index in range(layout.header_index + 1, len(grid)):
        row = grid[index]
        raw = tuple(clean(cell_text(v)) for v in row)
        cells = {f: raw[c] if c < len(raw) else "" for c, f in layout.columns.items()}
        filled = {f for f, v in cells.items() if v}
        if not filled or filled <= PREFILLED:
            continue
        texts = [v for v in raw if v]
        if len(texts) == 1 and re.match(r"^(注|备注|说明)[:：]", texts[0]):
            continue
        value = row[id_col] if id_col is not None and id_col < len(row) else None
        numeric = isinstance(value, int | float) and not isinstance(value, bool)
        out.append(SheetRow(index + first_row_number, cells, raw, numeric))
    return out


@dataclass
class Checked:
    """A file's rows checked: the people to enrol (with their row numbers) and the errors."""

    rows: int = 0
    people: list[tuple[int, Person]] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    def errors_by_row(self) -> dict[int, list[RowError]]:
        found: dict[int, list[RowError]] = {}
        for e in self.errors:
            found.setdefault(e.row, []).append(e)
        return found


def check_rows(rows: Sequence[SheetRow], county: str, start: date) -> Checked:
    """Every row checked on its own, then against the file: the second copy of an ID number
    (or of a phone, which is a person's login) is an error naming the first."""
    checked = Checked(rows=len(rows))
    first_id: dict[str, int] = {}
    first_phone: dict[str, int] = {}
    for row in rows:
        person, problems = check_person(row.cells, county, start, numeric_id=row.numeric_id)
        if person is not None:
            if (seen := first_id.get(person.id_number)) is not None:
                problems["id_number"] = problem("id_number_repeated", row=seen)
            elif (seen := first_phone.get(person.phone)) is not None:
                problems["phone"] = problem("phone_repeated", row=seen)
            else:
                first_id[person.id_number] = row.number
                first_phone[person.phone] = row.number
                checked.people.append((row.number, person))
        for f in FIELDS:
            if f in problems:
                checked.errors.append(RowError(row.number, HEADER_OF[f], problems[f]))
    return checked


def sheet_title(programme_name: str) -> str:
    """The seed's title row: the programme's name and 学员信息表."""
    return programme_name if programme_name.endswith("学员信息表") else f"{programme_name}学员信息表"


def admin_line(name: str, phone: str, unit: str | None) -> tuple[str, str, str]:
    """The seed's second row: 管理员姓名：… 电话：… 单位：…"""
    return f"管理员姓名：{name}", f"电话：{phone}", f"单位：{unit or ''}"
