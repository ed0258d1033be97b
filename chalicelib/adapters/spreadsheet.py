"""xlsx files (openpyxl, imported only when a file is built).

`cell` is the one place a value becomes a spreadsheet cell: every export goes through it.
Text is always a string cell, never a formula: a name like `=HYPERLINK(...)` typed by a
region contact shows as those characters in the office's workbook and runs nothing. Text
that would be read as a formula if the cell were edited (a leading = + - @ or a tab or
carriage return) also carries Excel's quote prefix, so it stays text after an edit.
Characters XML cannot hold are dropped rather than failing the whole file."""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
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


@dataclass(frozen=True)
class FormSheet:
    """A sheet laid out as a paper form (the seed's 学员信息表): a title across the columns
    (row 1), a line of pieces such as 管理员姓名 / 电话 / 单位 (row 2, each piece merged over
    its share of the columns), the headers (row 3, bold), then the rows. `choices` gives a
    column a drop-down list and `text_columns` keep what is typed as text (an 18-digit ID
    number typed into a number cell loses its last digits), both over `blank_rows` rows from
    row 4 (at least the rows given)."""

    name: str
    title: str
    info: Sequence[str]
    headers: Sequence[str]
    rows: Sequence[Sequence[Any]] = ()
    choices: Mapping[int, Sequence[str]] = field(default_factory=dict)
    text_columns: Sequence[int] = ()
    blank_rows: int = 0
    prompt: str = ""
    widths: Mapping[int, int] = field(default_factory=dict)


def build_forms(sheets: Sequence[FormSheet]) -> bytes:
    """One workbook of forms (write-only mode, like build_xlsx: memory stays flat)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    book = Workbook(write_only=True)
    for form in sheets:
        sheet = book.create_sheet(title=safe_text(form.name)[:31] or "Sheet")
        width = max(len(form.headers), 1)
        last = get_column_letter(width)
        sheet.freeze_panes = "A4"
        for i, header in enumerate(form.headers, 1):
            sheet.column_dimensions[get_column_letter(i)].width = form.widths.get(
                i - 1, max(10, len(header) * 2 + 4)
            )
        title = cell(sheet, form.title, bold=True)
        title.font = Font(bold=True, size=14)
        title.alignment = Alignment(horizontal="center")
        sheet.append([title])
        sheet.merged_cells.add(f"A1:{last}1")
        # Row 2: each piece over an equal share of the columns
        pieces = list(form.info) or [""]
        share = max(width // len(pieces), 1)
        line: list[Any] = []
        for n, piece in enumerate(pieces):
            start = n * share + 1
            end = width if n == len(pieces) - 1 else min(start + share - 1, width)
            line += [cell(sheet, piece)] + [None] * (end - start)
            if end > start:
                sheet.merged_cells.add(f"{get_column_letter(start)}2:{get_column_letter(end)}2")
        sheet.append(line)
        sheet.append(row(sheet, form.headers, bold=True))
        count = max(form.blank_rows, len(form.rows))
        for n in range(count):
            values = list(form.rows[n]) if n < len(form.rows) else []
            values += [None] * (width - len(values))
            cells = []
            for c, value in enumerate(values):
                made = cell(sheet, "" if value is None and c in form.text_columns else value)
                if c in form.text_columns:
                    made.number_format = "@"
                cells.append(made)
            sheet.append(cells)
        for column, options in form.choices.items():
            letter = get_column_letter(column + 1)
            listed = ",".join(safe_text(o) for o in options)
            check = DataValidation(type="list", formula1=f'"{listed}"', allow_blank=True)
            check.showErrorMessage = True
            check.errorTitle = "请从下拉列表中选择"
            check.error = f"只能填写：{'、'.join(options)}"
            if form.prompt:
                check.showInputMessage = True
                check.prompt = form.prompt
            check.add(f"{letter}4:{letter}{3 + max(count, 1)}")
            sheet.data_validations.append(check)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@dataclass(frozen=True)
class ChartBlock:
    """A titled table of (category, count) rows with a bar chart beside it."""

    title: str
    rows: Sequence[tuple[str, int]]


def build_charted(
    title: str, summary: Sequence[Sequence[Any]], blocks: Sequence[ChartBlock], texts: Sequence[Sequence[Any]]
) -> bytes:
    """A results workbook: a sheet of the summary rows, then each block (its title, its
    rows) with a bar chart of its counts beside it; a second sheet of text answers."""
    from openpyxl import Workbook
    from openpyxl.chart import BarChart, Reference

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=safe_text(title)[:31])
    sheet.column_dimensions["A"].width = 30
    line = 0
    for values in summary:
        sheet.append(row(sheet, values))
        line += 1
    charts = []
    for block in blocks:
        sheet.append([])
        sheet.append(row(sheet, [block.title, "人数"], bold=True))
        line += 2
        first = line + 1
        for category, count in block.rows:
            sheet.append(row(sheet, [category, count]))
            line += 1
        if block.rows:
            chart = BarChart()
            chart.title = safe_text(block.title)[:100]
            chart.legend = None
            chart.height, chart.width = 6, 12
            data = Reference(sheet, min_col=2, min_row=first - 1, max_row=line)
            chart.add_data(data, titles_from_data=True)
            chart.set_categories(Reference(sheet, min_col=1, min_row=first, max_row=line))
            charts.append((chart, f"D{first - 1}"))
    for chart, anchor in charts:
        sheet.add_chart(chart, anchor)
    answers = book.create_sheet(title="文字回答")
    answers.append(row(answers, ["题目", "回答"], bold=True))
    for values in texts:
        answers.append(row(answers, values))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
