"""xlsx files (openpyxl, imported only when a file is built).

`cell` is the one place a value becomes a spreadsheet cell: every export goes through it.
Text is always a string cell, never a formula: a name like `=HYPERLINK(...)` typed by a
region contact shows as those characters in the office's workbook and runs nothing. Text
that would be read as a formula if the cell were edited (a leading = + - @ or a tab or
carriage return) also carries Excel's quote prefix, so it stays text after an edit.
Characters XML cannot hold are dropped rather than failing the whole file."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from chalicelib.adapters.xml_text import safe_text

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# What a spreadsheet would take for the start of a formula (OWASP's CSV-injection list).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell(sheet: Any, value: Any, *, bold: bool = False) -> Any:
    """A write-only cell for `value`: text as a string cell (see the module), numbers,
    dates and booleans as themselves, None as empty."""
    from openpyxl.cell import WriteOnlyCell

    if isinstance(value, str):
        text = safe_text(value)
        c = WriteOnlyCell(sheet, value=text)
        c.data_type = "s"  # openpyxl would make "=…" a formula
        if text.startswith(FORMULA_START):
            c.quotePrefix = True
    else:
        c = WriteOnlyCell(sheet, value=value)
    if bold:
        from openpyxl.styles import Font

        c.font = Font(bold=True)
    return c


def row(sheet: Any, values: Sequence[Any], *, bold: bool = False) -> list[Any]:
    return [cell(sheet, v, bold=bold) for v in values]


def build_xlsx(sheets: Sequence[tuple[str, Sequence[str], Sequence[Sequence[Any]]]]) -> bytes:
    """One workbook: each sheet (title, headers, rows), headers bold and frozen. Written in
    openpyxl's write-only mode: memory stays flat however many rows there are."""
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    book = Workbook(write_only=True)
    for title, headers, rows in sheets:
        sheet = book.create_sheet(title=safe_text(title)[:31])
        sheet.freeze_panes = "A2"
        for i, header in enumerate(headers, 1):
            sheet.column_dimensions[get_column_letter(i)].width = max(10, len(header) * 2 + 2)
        sheet.append(row(sheet, headers, bold=True))
        for values in rows:
            sheet.append(row(sheet, values))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
