"""Reading an uploaded spreadsheet into a grid of cells, bounded before it is parsed.

- .xlsx goes to python-calamine (a Rust reader, `bench/`: several times openpyxl's read-only
  mode), but only after the zip has been checked here: its entries' declared sizes and
  compression ratios (a zip bomb), every member read through once so that a size that lies
  fails its CRC, the shared strings' size, and the worksheets' extent. The extent matters as
  much as the size: calamine keeps a sheet as one dense rectangle, so a 3 KB file with one
  cell at XFD1048576 would ask for billions of cells. The first visible sheet is read (a
  hidden one is not what the admin sees), merged cells take the value of their top-left cell
  (a 所在地区（市） merged down the rows reads as that city on every row), formulas give the
  value the file stored (never evaluated: a formula with none reads as empty).
- .csv is decoded as UTF-8 (with or without a BOM), else GB18030 (GBK's superset, which is
  what Excel on a Chinese Windows writes), and read with the csv module.
- An .xls (or a password-protected .xlsx, which is an OLE file too) is named as such.

Whatever the bytes, the answer is a grid or SheetRejected with a reason: never another
exception, and never more memory than the bounds allow (about 20 times the file at most)."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass
from typing import Any

from chalicelib.domain.enrolment import MAX_ROWS

MAX_SHEET_BYTES = 5 * 1024 * 1024  # a county's 340 rows are ~40 KB as .xlsx; 10,000 are ~600 KB
MAX_UNPACKED = 64 * 1024 * 1024  # every member of the zip, as declared and as read
MAX_MEMBERS = 1000
MAX_RATIO = 100  # for members over RATIO_FLOOR: spreadsheet XML compresses ~5-20x, bombs 1000x
RATIO_FLOOR = 1024 * 1024
MAX_SHARED_STRINGS = 32 * 1024 * 1024
# Rows and columns a sheet may span: the data rows plus the title, admin and header rows and
# a note, and the seed's 14 columns with room for a county's own extra ones.
MAX_GRID_ROWS = MAX_ROWS + 100
MAX_GRID_COLS = 64
CHUNK = 1024 * 1024

XLSX = "xlsx"
CSV = "csv"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


class SheetRejected(Exception):
    """The file cannot be read as a form. `reason`: not_a_spreadsheet, legacy_or_encrypted,
    too_large (a bomb, or an extent past the bounds), too_many_rows, encoding, empty."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Grid:
    """The cells of one sheet, row 0 being the sheet's row 1, column 0 its column A."""

    rows: list[list[Any]]
    kind: str
    sheet: str = ""
    encoding: str = ""


def kind_of(data: bytes) -> str:
    """xlsx or csv, by the bytes (not the name or the declared type)."""
    if not data.strip():
        raise SheetRejected("empty")
    if data.startswith(OLE_MAGIC):
        raise SheetRejected("legacy_or_encrypted")
    if data.startswith(b"PK\x03\x04"):
        return XLSX
    if data.startswith(b"PK") or b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise SheetRejected("not_a_spreadsheet")
    return CSV


def check(data: bytes) -> str:
    """The upload check: the file is one we can read within the bounds (the kind, or
    SheetRejected). Reading it again later passes the same checks."""
    kind = kind_of(data)
    if kind == XLSX:
        _check_zip(data)
    else:
        _decode(data)
    return kind


def read(data: bytes) -> Grid:
    if len(data) > MAX_SHEET_BYTES:
        raise SheetRejected("too_large")
    kind = kind_of(data)
    return _read_xlsx(data) if kind == XLSX else _read_csv(data)


# --- xlsx -------------------------------------------------------------------------------------

_ROW = re.compile(rb"<(?:\w+:)?row\b[^>]*?\sr=\"(\d+)\"")
_CELL = re.compile(rb"<(?:\w+:)?c\b[^>]*?\sr=\"([A-Z]+)(\d+)\"")
# Every row and cell tag, positioned or not, in the order the XML lists them
_TAG = re.compile(rb"<(?:\w+:)?(row|c)[\s>/]")


def _column_number(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + (ch - 64)
    return n


def _check_zip(data: bytes) -> None:
    """The zip's entries bounded before any is unpacked, then each read through: zipfile
    stops a member at its declared size, and a size that lied fails the CRC."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError, EOFError) as exc:
        raise SheetRejected("not_a_spreadsheet") from exc
    names = {m.filename for m in members}
    if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
        raise SheetRejected("not_a_spreadsheet")  # a .docx, or any other zip
    if len(members) > MAX_MEMBERS or sum(m.file_size for m in members) > MAX_UNPACKED:
        raise SheetRejected("too_large")
    for m in members:
        if m.file_size > RATIO_FLOOR and m.file_size > MAX_RATIO * max(m.compress_size, 1):
            raise SheetRejected("too_large")
        if m.filename == "xl/sharedStrings.xml" and m.file_size > MAX_SHARED_STRINGS:
            raise SheetRejected("too_large")
    for m in members:
        # Any member may be the sheet workbook.xml names (not only xl/worksheets/): all are
        # scanned but pictures
        try:
            _read_member(archive, m, is_sheet=not m.filename.startswith("xl/media/"))
        except SheetRejected:
            raise
        except Exception as exc:  # noqa: BLE001 - a bad CRC, an unknown compression, zlib's or lzma's errors on junk
            raise SheetRejected("not_a_spreadsheet") from exc


@dataclass
class _Extent:
    """What a worksheet's XML names: its rows, the cells of each row, the furthest row and
    column any of them names. A cell without a position (allowed) follows on from the last,
    so it is counted in its row: calamine keeps the sheet as one dense rectangle, and a
    single row of a million position-less cells would make it a million columns wide."""

    rows: int = 0
    in_row: int = 0
    last_row: int = 0
    last_column: int = 0

    def scan(self, text: bytes) -> None:
        for found in _ROW.finditer(text):
            self.last_row = max(self.last_row, int(found.group(1)))
        for found in _CELL.finditer(text):
            self.last_column = max(self.last_column, _column_number(found.group(1)))
            self.last_row = max(self.last_row, int(found.group(2)))
        for tag in _TAG.finditer(text):
            if tag.group(1) == b"row":
                self.rows, self.in_row = self.rows + 1, 0
            else:
                self.in_row += 1
                self.last_column = max(self.last_column, self.in_row)

    def check(self) -> None:
        if self.rows > MAX_GRID_ROWS:
            raise SheetRejected("too_many_rows")  # that many rows: the data is too long
        if self.last_row > MAX_GRID_ROWS or self.last_column > MAX_GRID_COLS:
            raise SheetRejected("too_large")  # a cell far away: the extent, not the data


def _read_member(archive: zipfile.ZipFile, member: zipfile.ZipInfo, is_sheet: bool) -> None:
    """Read one member through, and for a worksheet its extent."""
    extent = _Extent()
    tail = b""
    with archive.open(member) as stream:
        while chunk := stream.read(CHUNK):
            if not is_sheet:
                continue
            # A tag split between two chunks is matched in the next one: keep the last bytes
            window = tail + chunk
            cut = max(window.rfind(b"<"), len(window) - 256, 0)
            extent.scan(window[:cut])
            tail = window[cut:]
    if is_sheet:
        extent.scan(tail)
        extent.check()


def _read_xlsx(data: bytes) -> Grid:
    _check_zip(data)
    import python_calamine as calamine

    try:
        book = calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        visible = [
            m.name
            for m in book.sheets_metadata
            if m.visible == calamine.SheetVisibleEnum.Visible and m.typ == calamine.SheetTypeEnum.WorkSheet
        ]
        if not visible:
            raise SheetRejected("empty")
        sheet = book.get_sheet_by_name(visible[0])
        rows = [list(r) for r in sheet.to_python(skip_empty_area=False)]
        merged = sheet.merged_cell_ranges or []
    except SheetRejected:
        raise
    except Exception as exc:  # noqa: BLE001 - calamine raises its own types (and ValueError, TypeError) on junk
        raise SheetRejected("not_a_spreadsheet") from exc
    _fill_merged(rows, merged)
    return Grid(rows, XLSX, sheet=visible[0])


def _fill_merged(rows: list[list[Any]], merged: list[Any]) -> None:
    """Each merged range shows its top-left value in every cell, within the cells read."""
    budget = MAX_GRID_ROWS * MAX_GRID_COLS
    for (top, left), (bottom, right) in merged:
        if top >= len(rows) or left >= len(rows[top]):
            continue
        value = rows[top][left]
        if value in ("", None):
            continue
        for r in range(top, min(bottom, len(rows) - 1) + 1):
            row = rows[r]
            for c in range(left, min(right, MAX_GRID_COLS - 1) + 1):
                budget -= 1
                if budget < 0:
                    raise SheetRejected("too_large")
                if c >= len(row):
                    row.extend([""] * (c + 1 - len(row)))
                if row[c] in ("", None):
                    row[c] = value


# --- csv --------------------------------------------------------------------------------------


def _decode(data: bytes) -> tuple[str, str]:
    if len(data) > MAX_SHEET_BYTES:
        raise SheetRejected("too_large")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        candidates = ["utf-16"]  # Excel's "Unicode text"
    else:
        candidates = ["utf-8-sig", "gb18030"]
    for encoding in candidates:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" in text:
            raise SheetRejected("not_a_spreadsheet")
        if not text.strip():
            raise SheetRejected("empty")
        return text, encoding
    raise SheetRejected("encoding")


def _read_csv(data: bytes) -> Grid:
    text, encoding = _decode(data)
    first = text.split("\n", 1)[0]
    delimiter = "\t" if first.count("\t") > first.count(",") else ","
    rows: list[list[Any]] = []
    try:
        for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
            if len(rows) >= MAX_GRID_ROWS:
                raise SheetRejected("too_many_rows")
            if len(row) > MAX_GRID_COLS:
                row = row[:MAX_GRID_COLS]
            rows.append(row)
    except csv.Error as exc:  # a field past the module's limit, a stray NUL
        raise SheetRejected("not_a_spreadsheet") from exc
    return Grid(rows, CSV, encoding=encoding)
