"""Reading an uploaded spreadsheet into a grid of cells, bounded before it is parsed.

- .xlsx goes to python-calamine (a Rust reader, `bench/`: several times openpyxl's read-only
  mode), but only after the zip has been checked here: its entries' declared sizes and
  compression ratios (a zip bomb), every member read through once so that a size that lies
  fails its CRC, the shared strings' size, the worksheets' extent and the shared strings
  their cells show. The extent matters as much as the size: calamine keeps a sheet as one
  dense rectangle, so a 3 KB file with one cell at XFD1048576 would ask for billions of cells
  (and calamine aborts the process, it does not raise); and it copies a shared string into
  every cell that shows it, so a 9 KB file with one 1 MB string shown 600 times is 600 MB.
  The scan reads the XML as calamine does (either quote, spaces around "=", any namespace
  prefix, lower-case columns), erring on the far side. The first visible sheet is read (a
  hidden one is not what the admin sees), merged cells take the value of their top-left cell
  (a 所在地区（市） merged down the rows reads as that city on every row), formulas give the
  value the file stored (never evaluated: a formula with none reads as empty).
- .csv is decoded as UTF-8 (with or without a BOM), else GB18030 (GBK's superset, which is
  what Excel on a Chinese Windows writes), and read with the csv module.
- An .xls (or a password-protected .xlsx, which is an OLE file too) is named as such.

Whatever the bytes, the answer is a grid or SheetRejected with a reason: never another
exception, and never more memory than the bounds allow (the grid's cells, and the shared
strings they show: MAX_SHOWN_STRINGS, held twice)."""

from __future__ import annotations

import csv
import functools
import io
import itertools
import re
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from chalicelib.domain.enrolment import MAX_ROWS

MAX_SHEET_BYTES = 5 * 1024 * 1024  # a county's 340 rows are ~40 KB as .xlsx; 10,000 are ~600 KB
MAX_UNPACKED = 64 * 1024 * 1024  # every member of the zip, as declared and as read
MAX_MEMBERS = 1000
MAX_RATIO = 100  # for members over RATIO_FLOOR: spreadsheet XML compresses ~5-20x, bombs 1000x
RATIO_FLOOR = 1024 * 1024
MAX_SHARED_STRINGS = 32 * 1024 * 1024
# calamine reserves room for the strings the file says it has (24 bytes each) before it reads one
MAX_UNIQUE_STRINGS = 1_000_000
# The shared strings' bytes the cells may show in all: a county's 340 rows show ~50 KB, 10,000
# rows of the form's short fields ~6 MB. calamine and Python each hold a copy per cell.
MAX_SHOWN_STRINGS = 16 * 1024 * 1024
# Rows and columns a sheet may span: the data rows plus the title, admin and header rows and
# a note, and the seed's 14 columns with room for a county's own extra ones.
MAX_GRID_ROWS = MAX_ROWS + 100
MAX_GRID_COLS = 64

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

# The tags that matter, as calamine's XML reader (quick-xml) finds them: a start or end tag by
# its local name (any namespace prefix), its attributes up to the ">" that is not inside a
# quoted value (either quote), then the text that follows (a <v>'s shared-string index), and
# a plain <v> and its text if one comes next (most cells: read in the same match). A "<"
# inside a tag is not XML: no tag is matched across one, and one left open is refused.
_PREFIX = rb"(?:[^\s<>/=:!?\"']+:)?"
_TAG = re.compile(
    rb"<(/?)" + _PREFIX + rb"(row|c|v|si|sst)(?=[\s/>])((?:[^<>\"']++|\"[^\"<]*+\"|'[^'<]*+')*+)(>?)([^<]*+)"
    rb"(?:<" + _PREFIX + rb"v>([^<]*+))?"
)
_SST = re.compile(rb"[<:]sst[\s/>]")
# An attribute as calamine reads one (its attrs.rs): the key after a space or after the last
# value's closing quote, spaces around "=" allowed, the value in double or single quotes. All
# are taken (calamine keeps one of a repeated key; the scan, the furthest).
_ATTR = re.compile(rb"(?<![^\s\"'])(r|t|uniqueCount)\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")
# A cell's attributes as Excel, WPS and openpyxl write them (the scan's quick way; any other
# form is read attribute by attribute)
_PLAIN_CELL = re.compile(rb' r="([A-Z]{1,3})([1-9][0-9]{0,6})"(?: s="[0-9]{1,5}")?(?: t="([a-zA-Z]{1,9})")?')
# A position as calamine parses one: column letters in either case (none for a row), the row
_POSITION = re.compile(rb"([A-Za-z]*)([0-9]+)")
FAR = 1 << 40  # a number too long to be read: beyond every bound


@functools.lru_cache(maxsize=4096)
def _column_number(letters: bytes) -> int:
    if len(letters) > 4:
        return FAR
    n = 0
    for ch in letters.upper():
        n = n * 26 + (ch - 64)
    return n


def _number(digits: bytes) -> int:
    digits = digits.lstrip(b"0") or b"0"
    return int(digits) if len(digits) <= 12 else FAR


def _attributes(attrs: bytes) -> dict[bytes, list[bytes]]:
    found: dict[bytes, list[bytes]] = {}
    for key, double, single in _ATTR.findall(attrs):
        found.setdefault(key, []).append(double or single)
    return found


def _check_zip(data: bytes) -> None:
    """The zip's entries bounded before any is unpacked, then each read through (zipfile stops
    a member at its declared size, and a size that lied fails the CRC) and scanned."""
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
    scan = _Scan()
    for m in members:
        # Any member may be the sheet workbook.xml names (not only xl/worksheets/), or the
        # shared strings (where _rels/.rels puts the workbook): all are scanned. A picture is
        # binary, where a tag-like run of bytes may occur by chance: scanned only if it has
        # what calamine needs to read it as a sheet or as the shared strings.
        try:
            body = archive.read(m)
            if not m.filename.startswith("xl/media/") or b"sheetData" in body or _SST.search(body):
                scan.member(body)
        except SheetRejected:
            raise
        except Exception as exc:  # noqa: BLE001 - a bad CRC, an unknown compression, zlib's or lzma's errors on junk
            raise SheetRejected("not_a_spreadsheet") from exc
    scan.check()


@dataclass
class _Scan:
    """What the members' XML names, read as calamine reads it (xlsx/cells_reader.rs): its
    rows, the furthest row and column a cell takes, the shared strings' sizes and the cells
    that show them. calamine keeps a sheet as one dense rectangle, so one cell far away asks
    for billions; and it copies a shared string into every cell that shows it, so a 1 MB
    string shown by 600 cells is 600 MB (twice: in Rust, then in Python).

    A cell without a position follows on from the last one in its row (a single row of a
    million position-less cells would make the sheet a million columns wide), and a row
    without one follows the last row. The scan errs on the far side: a tag calamine would not
    take (in a comment, say) counts too."""

    rows: int = 0
    last_row: int = 0
    last_column: int = 0
    # Each shared-string index the cells show, and how many show it
    shown: Counter[int] = field(default_factory=Counter)
    # Each member's <si> sizes in bytes (the XML of a string is never shorter than its text)
    strings: list[list[int]] = field(default_factory=list)

    # calamine's cursor in the member being read (from 0), and whether its cell is a shared string
    row_index: int = 0
    column_index: int = 0
    shared: bool = False

    def member(self, text: bytes) -> None:
        self.row_index, self.column_index, self.shared = 0, 0, False
        starts: list[int] = []  # of each <si>
        for tag in _TAG.finditer(text):
            end, name, attrs, closed, after, value = tag.groups()
            if not closed:
                raise SheetRejected("not_a_spreadsheet")  # a tag with a "<" in it, or never closed
            if end:
                if name == b"row":
                    self.row_index, self.column_index = self.row_index + 1, 0
            elif name == b"v":
                self._value(after)
            elif name == b"si":
                starts.append(tag.start())
            elif name == b"c" and (plain := _PLAIN_CELL.fullmatch(attrs)):
                self._cell([(plain.group(1), plain.group(2))], plain.group(3) == b"s")
            else:
                self._element(name, _attributes(attrs))
            if value is not None:
                self._value(value)
        if starts:
            self.strings.append([b - a for a, b in itertools.pairwise([*starts, len(text)])])

    def _value(self, text: bytes) -> None:
        if self.shared:
            index = text.strip()
            # An index written another way (an entity, say) counts as the longest string
            self.shown[_number(index) if index.isdigit() else 0] += 1

    def _element(self, name: bytes, found: dict[bytes, list[bytes]]) -> None:
        if name == b"sst":
            for count in found.get(b"uniqueCount", []):
                # calamine reserves room for that many strings before it reads one
                if _number(bytes(ch for ch in count if ch in b"0123456789")) > MAX_UNIQUE_STRINGS:
                    raise SheetRejected("too_large")
            return
        places = [(p.group(1), p.group(2)) for r in found.get(b"r", []) if (p := _POSITION.fullmatch(r))]
        if name == b"row":
            self.rows += 1
            for _, digits in places:
                self.row_index = max(self.row_index, _number(digits) - 1)
        else:
            self._cell(places, b"s" in found.get(b"t", []))

    def _cell(self, places: list[tuple[bytes, bytes]], shared: bool) -> None:
        self.shared = shared
        row, column = self.row_index, self.column_index
        for letters, digits in places:
            row = max(row, _number(digits) - 1)
            column = max(column, _column_number(letters) - 1)
        self.column_index = column + 1
        if row >= self.last_row:
            self.last_row = row + 1
        if column >= self.last_column:
            self.last_column = column + 1

    def expanded(self) -> int:
        """The bytes of shared strings the cells would hold. calamine numbers the strings it
        reads, which may be fewer than the <si> tags (it skips one with no text): the string
        a cell shows at index i is one at i or after, so each index counts as the longest
        from there on."""
        total = 0
        for sizes in self.strings:
            longest = list(itertools.accumulate(reversed(sizes), max))[::-1]
            total = max(total, sum(longest[i] * n for i, n in self.shown.items() if i < len(longest)))
        return total

    def check(self) -> None:
        if self.rows > MAX_GRID_ROWS:
            raise SheetRejected("too_many_rows")  # that many rows: the data is too long
        if self.last_row > MAX_GRID_ROWS or self.last_column > MAX_GRID_COLS:
            raise SheetRejected("too_large")  # a cell far away: the extent, not the data
        if self.expanded() > MAX_SHOWN_STRINGS:
            raise SheetRejected("too_large")  # a long string shown by many cells


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
