"""xlsx files (openpyxl, imported only when a file is built)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def build_xlsx(sheets: Sequence[tuple[str, Sequence[str], Sequence[Sequence[Any]]]]) -> bytes:
    """One workbook: each sheet (title, headers, rows), headers bold and frozen."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    book.remove(book.active)
    for title, headers, rows in sheets:
        sheet = book.create_sheet(title=title[:31])
        sheet.append(list(headers))
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in rows:
            sheet.append(list(row))
        sheet.freeze_panes = "A2"
        for i, header in enumerate(headers, 1):
            sheet.column_dimensions[sheet.cell(row=1, column=i).column_letter].width = max(
                10, len(header) * 2 + 2
            )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
