"""Reading uploaded spreadsheets: the seed's layout as Excel or WPS save it, CSV in UTF-8 (with
or without BOM) or GBK, and hostile files (bombs, far-flung cells, lying sizes, other formats),
each read correctly or refused with a reason, never an exception or a blown memory budget."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

import pytest

from chalicelib.adapters import sheet_reader as reader
from chalicelib.adapters.sheet_reader import SheetRejected
from chalicelib.domain import enrolment as rules
from tests.guopei_people import csv_bytes, grid, person, xlsx

pytestmark = pytest.mark.unit


def people_rows(n: int = 3) -> list[list[str]]:
    return grid(
        [person("绥德县", k) for k in range(1, n + 1)], admin=("李主任", "13900000001", "绥德县教育局")
    )


def reason(data: bytes) -> str:
    with pytest.raises(SheetRejected) as refused:
        reader.read(data)
    return refused.value.reason


def test_the_templates_layout_reads_back_cell_for_cell() -> None:
    rows = people_rows()
    got = reader.read(xlsx(rows))
    assert got.kind == "xlsx"
    assert [[rules.cell_text(v) for v in r][: len(w)] for r, w in zip(got.rows, rows, strict=False)] == rows


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_a_csv_in_utf8_with_or_without_bom_or_gbk_reads_the_same(encoding: str) -> None:
    rows = people_rows()
    got = reader.read(csv_bytes(rows, encoding))
    assert got.kind == "csv" and [r[: len(w)] for r, w in zip(got.rows, rows, strict=False)] == rows


def test_a_csv_in_an_encoding_neither_utf8_nor_gbk_is_refused_as_such() -> None:
    # Given bytes that are neither UTF-8 nor GB18030 (0xFF never begins a GB18030 character)
    assert reason("姓名,身份证号\n".encode() + b"\xff\xfe,\xff\n") == "encoding"


def test_a_hidden_sheet_is_passed_over_for_the_first_visible_one() -> None:
    got = reader.read(xlsx(people_rows(), hidden_first=True))
    assert got.sheet == "学员信息表" and got.rows[3][0] == person("绥德县", 1)["name"]


def test_merged_cells_read_as_their_top_left_value_on_every_row() -> None:
    from openpyxl import Workbook

    book = Workbook()
    ws = book.active
    for row in people_rows(3):
        ws.append(row)
    ws["C5"] = None
    ws["C6"] = None
    ws.merge_cells("C4:C6")  # 所在地区（市） merged down the three people
    ws.merge_cells("A1:N1")  # the title across the form
    out = io.BytesIO()
    book.save(out)
    got = reader.read(out.getvalue())
    assert [got.rows[r][2] for r in (3, 4, 5)] == ["榆林市"] * 3
    assert got.rows[0][1] == got.rows[0][0]


def test_a_formula_reads_as_the_value_the_file_stored_and_is_never_evaluated() -> None:
    from openpyxl import Workbook

    book = Workbook()
    ws = book.active
    ws.append(["姓名", "单位"])
    ws.append(['=HYPERLINK("http://evil.example","x")', "=1+1", "张三"])  # no stored values
    out = io.BytesIO()
    book.save(out)
    assert reader.read(out.getvalue()).rows[1] == ["", "", "张三"]


def _zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, body in members.items():
            z.writestr(name, body)
    return out.getvalue()


def _replace(data: bytes, name: str, body: bytes) -> bytes:
    members = {
        i.filename: zipfile.ZipFile(io.BytesIO(data)).read(i)
        for i in zipfile.ZipFile(io.BytesIO(data)).infolist()
    }
    members[name] = body
    return _zip(members)


def test_a_zip_bomb_is_refused_before_it_is_unpacked() -> None:
    bomb = _replace(
        xlsx(people_rows(1)), "xl/worksheets/sheet1.xml", b"<a>" + b" " * (60 * 1024 * 1024) + b"</a>"
    )
    assert len(bomb) < 200_000
    assert reason(bomb) == "too_large"


def test_huge_shared_strings_are_refused() -> None:
    strings = b"<sst>" + (b"<si><t>" + b"x" * 1000 + b"</t></si>") * 40_000 + b"</sst>"
    assert reason(_replace(xlsx(people_rows(1)), "xl/sharedStrings.xml", strings)) == "too_large"


def test_a_size_the_zip_lies_about_fails_its_check() -> None:
    data = bytearray(xlsx(people_rows(1)))
    archive = zipfile.ZipFile(io.BytesIO(bytes(data)))
    info = archive.getinfo("xl/worksheets/sheet1.xml")
    # Declare the sheet smaller than it is, in the local header and the central directory:
    # (signature, where the uncompressed size sits, where the name's length sits, where the name starts)
    for signature, size_at, length_at, name_at in ((b"PK\x03\x04", 22, 26, 30), (b"PK\x01\x02", 24, 28, 46)):
        start = 0
        while (start := data.find(signature, start)) != -1:
            (length,) = struct.unpack("<H", data[start + length_at : start + length_at + 2])
            if data[start + name_at : start + name_at + length] == info.filename.encode():
                data[start + size_at : start + size_at + 4] = struct.pack("<I", 10)
            start += 4
    assert reason(bytes(data)) == "not_a_spreadsheet"


@pytest.mark.parametrize(
    ("cell", "why"), [("A1048576", "too_many_rows"), ("XFD3", "too_large"), ("XFD1048576", "too_large")]
)
def test_one_cell_far_away_is_refused_rather_than_allocated(cell: str, why: str) -> None:
    from openpyxl import Workbook

    book = Workbook()
    book.active["A1"] = "姓名"
    book.active[cell] = "远处"
    out = io.BytesIO()
    book.save(out)
    assert reason(out.getvalue()) in {why, "too_large", "too_many_rows"}


def test_ten_thousand_rows_read_and_more_are_refused() -> None:
    rows = [["姓名", "身份证号"]] + [[f"p{n}", "x"] for n in range(rules.MAX_ROWS + 3)]
    assert len(reader.read(csv_bytes(rows)).rows) == rules.MAX_ROWS + 4
    too_many = [["姓名"]] + [[f"p{n}"] for n in range(reader.MAX_GRID_ROWS + 5)]
    assert reason(csv_bytes(too_many)) == "too_many_rows"
    assert reason(xlsx(too_many)) == "too_many_rows"


@pytest.mark.parametrize(
    ("data", "why"),
    [
        (b"", "empty"),
        (b"   \r\n", "empty"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "not_a_spreadsheet"),
        (reader.OLE_MAGIC + b"\x00" * 512, "legacy_or_encrypted"),
        (b"PK\x03\x04" + b"junk" * 100, "not_a_spreadsheet"),
    ],
)
def test_what_is_not_a_readable_spreadsheet_is_named(data: bytes, why: str) -> None:
    assert reason(data) == why


def test_a_word_document_is_not_a_spreadsheet() -> None:
    docx = _zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"})
    assert reason(docx) == "not_a_spreadsheet"


def test_the_upload_check_answers_the_kind_or_the_same_refusals() -> None:
    assert reader.check(xlsx(people_rows(1))) == "xlsx"
    assert reader.check(csv_bytes(people_rows(1), "gbk")) == "csv"
    with pytest.raises(SheetRejected):
        reader.check(zlib.compress(b"x") + b"\x00\x00")


def test_a_row_of_cells_without_positions_is_bounded_like_a_wide_one() -> None:
    # Given a sheet whose one row lists 100 cells without an `r` (calamine would place them
    # one after another: a hundred columns, a thousand, a million)
    cells = b"".join(b"<c><v>1</v></c>" for _ in range(100))
    sheet = (
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row>'
        + cells
    )
    sheet += b"</row></sheetData></worksheet>"
    assert reason(_replace(xlsx(people_rows(1)), "xl/worksheets/sheet1.xml", sheet)) == "too_large"


def test_a_file_over_the_size_bound_is_refused_before_anything_is_read() -> None:
    assert reason(b"a,b\n" * (reader.MAX_SHEET_BYTES // 4 + 1)) == "too_large"
    with pytest.raises(SheetRejected) as big:
        reader.check(b"a,b\n" * (reader.MAX_SHEET_BYTES // 4 + 1))
    assert big.value.reason == "too_large"


def test_a_zip_of_a_thousand_members_is_refused() -> None:
    members = {f"xl/junk{n}.xml": b"<a/>" for n in range(reader.MAX_MEMBERS)}
    data = _zip({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>", **members})
    assert reason(data) == "too_large"


def test_a_member_whose_compressed_bytes_are_broken_is_refused() -> None:
    data = bytearray(xlsx(people_rows(1)))
    info = zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo("xl/worksheets/sheet1.xml")
    body = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    data[body : body + 8] = b"\xff" * 8  # the deflate stream's first bytes
    assert reason(bytes(data)) == "not_a_spreadsheet"


def test_a_workbook_whose_sheets_are_all_hidden_or_whose_xml_is_junk() -> None:
    good = xlsx(people_rows(1))
    workbook = zipfile.ZipFile(io.BytesIO(good)).read("xl/workbook.xml")
    hidden = workbook.replace(b'state="visible" r:id', b'state="hidden" r:id')
    assert reason(_replace(good, "xl/workbook.xml", hidden)) == "empty"
    assert reason(_replace(good, "xl/workbook.xml", b"<workbook><sheets><sheet")) == "not_a_spreadsheet"


def test_merged_ranges_fill_within_the_cells_read_and_within_a_budget() -> None:
    rows: list[list[object]] = [["a", ""], ["", ""], ["", "b"]]
    # A range past the rows read, one whose top-left is empty, one wider than its row
    reader._fill_merged(rows, [((0, 0), (9, 0)), ((1, 1), (1, 1)), ((2, 1), (2, 3))])
    assert rows == [["a", ""], ["a", ""], ["a", "b", "b", "b"]]
    # And ranges that would fill more cells than the whole grid may hold are refused
    grid = [[""] * reader.MAX_GRID_COLS for _ in range(reader.MAX_GRID_ROWS)]
    grid[0][0] = "x"
    whole = ((0, 0), (reader.MAX_GRID_ROWS - 1, reader.MAX_GRID_COLS - 1))
    with pytest.raises(SheetRejected):
        reader._fill_merged(grid, [whole, whole])


def test_csv_edge_cases_utf16_nul_bom_only_wide_rows_and_huge_fields() -> None:
    # Excel's "Unicode text": UTF-16 with a BOM, tab-separated
    text = "\t".join(["姓名", "身份证号"]) + "\n" + "\t".join(["张三", "x"]) + "\n"
    assert reader.read(text.encode("utf-16")).rows[1] == ["张三", "x"]
    assert reason(b"a,b\n" + b"x" * 5000 + b"\x00,y\n") == "not_a_spreadsheet"
    assert reason(b"\xef\xbb\xbf") == "empty"
    wide = reader.read(",".join(str(n) for n in range(100)).encode() + b"\n")
    assert len(wide.rows[0]) == reader.MAX_GRID_COLS
    assert reason(b"a,b\n" + b'"' + b"x" * 200_000 + b'",y\n') == "not_a_spreadsheet"


# --- what calamine reads that a narrower scan would miss -------------------------------------

SHEET_NS = b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'


def _with_rows(rows_xml: bytes, strings: bytes | None = None) -> bytes:
    """The one-person form with `rows_xml` added to its sheet (and a shared strings part)."""
    data = xlsx(people_rows(1))
    sheet = zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")
    data = _replace(
        data, "xl/worksheets/sheet1.xml", sheet.replace(b"</sheetData>", rows_xml + b"</sheetData>")
    )
    return data if strings is None else _replace(data, "xl/sharedStrings.xml", strings)


def _refused_by_the_check(data: bytes) -> str:
    """The reason the upload check gives: these files never reach calamine, which would abort
    the whole process (not raise) on the allocation they ask for."""
    with pytest.raises(SheetRejected) as refused:
        reader.check(data)
    return refused.value.reason


INLINE = b't="inlineStr"><is><t>x</t></is></c></row>'


@pytest.mark.parametrize(
    "row",
    [
        b"<row r='9'><c r='XFD1048576' t='inlineStr'><is><t>x</t></is></c></row>",  # single quotes
        b'<row r="9"><c r = "XFD1048576" ' + INLINE,  # spaces around "="
        b'<row r="9"><c r=\n"XFD1048576" ' + INLINE,  # a line break after it
        b'<row r="9"><c r="xfd1048576" ' + INLINE,  # the column in lower case
        b'<row r="9"><c t="inlineStr"r="XFD1048576"><is><t>x</t></is></c></row>',  # no space before r
        b'<row r="9"><c s=">" r="XFD1048576" ' + INLINE,  # a ">" inside an earlier value
        b'<row r="9"><c r="A9" r="XFD1048576" ' + INLINE,  # r twice (calamine keeps the last)
        # a namespace prefix with a dash in it
        b'<row r="9"><my-x:c xmlns:my-x="urn:x" r="XFD1048576" t="inlineStr"><is><t>x</t></is></my-x:c>'
        b"</row>",
        b'<row r="A1048576"><c t="inlineStr"><is><t>x</t></is></c></row>',  # a row's r with letters
        b'<row r="9"><c r="BL9" t="inlineStr"><is><t>x</t></is></c><c ' + INLINE,  # one past BL
    ],
)
def test_a_far_cell_in_any_form_calamine_reads_is_refused_before_calamine(row: bytes) -> None:
    assert _refused_by_the_check(_with_rows(row)) in {"too_large", "too_many_rows"}


def test_rows_without_positions_after_a_late_one_are_counted_from_it() -> None:
    rows = f'<row r="{reader.MAX_GRID_ROWS - 1}"></row>'.encode() + b"<row></row>" * 3 + b"<row><c " + INLINE
    assert _refused_by_the_check(_with_rows(rows)) == "too_large"


def test_a_tag_left_open_or_with_a_lt_inside_is_not_a_spreadsheet() -> None:
    assert _refused_by_the_check(_with_rows(b'<row r="9"><c s="<" r="XFD1" ' + INLINE)) == "not_a_spreadsheet"


def test_shared_strings_that_claim_a_billion_entries_are_refused() -> None:
    # calamine reserves the room uniqueCount asks for before reading a string (an abort, too)
    strings = b"<sst " + SHEET_NS + b' count="1" uniqueCount="100000000000"><si><t>x</t></si></sst>'
    assert _refused_by_the_check(_with_rows(b"", strings)) == "too_large"


def _one_string_shown_by(size: int, cells: int) -> bytes:
    """A file of a few KB: one shared string of `size` bytes, shown by `cells` cells."""
    strings = b"<sst " + SHEET_NS + b' count="1" uniqueCount="1"><si><t>' + b"A" * size + b"</t></si></sst>"
    rows = b"".join(b'<row r="%d"><c r="B%d" t="s"><v>0</v></c></row>' % (n, n) for n in range(9, 9 + cells))
    return _with_rows(rows, strings)


def test_a_long_shared_string_shown_by_many_cells_is_refused() -> None:
    # Given a 9 KB file whose one 1 MB string, shown by 600 cells, would be 600 MB in the grid
    # (and as much again in Python)
    bomb = _one_string_shown_by(1024 * 1024 - 200, 600)
    assert len(bomb) < 16_000
    assert _refused_by_the_check(bomb) == "too_large"
    # And the same shown a few times is read
    fine = reader.read(_one_string_shown_by(10_000, 20))
    assert [len(r[1]) for r in fine.rows[8:28]] == [10_000] * 20


def test_reading_a_shared_string_bomb_stays_within_a_few_times_the_file() -> None:
    import tracemalloc

    # Given 600 cells showing a 64 KB string: 38 MB as cells (read, it would be that in
    # Python alone, and as much again in calamine)
    bomb = _one_string_shown_by(64 * 1024, 600)
    tracemalloc.start()
    try:
        with pytest.raises(SheetRejected):
            reader.read(bomb)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 4 * 1024 * 1024


def test_the_scan_counts_what_a_shared_string_workbook_shows() -> None:
    # Given strings calamine may number differently (an <si> without text is not counted by it):
    # each index counts as the longest string from there on
    scan = reader._Scan()
    scan.member(b"<sst><si><t>" + b"a" * 100 + b"</t></si><si/><si><t>bb</t></si></sst>")
    cells = b'<c t="s"><f>x</f><v>1</v></c><c t="s"><v>&#48;</v></c><c><v>0</v></c>'
    scan.member(b"<sheetData><row>" + cells + b"</row></sheetData>")
    sizes = scan.strings[0]
    assert scan.shown == {1: 1, 0: 1} and scan.expanded() == max(sizes[1:]) + max(sizes)


def test_a_sheet_hidden_among_the_pictures_is_scanned_and_a_picture_is_not() -> None:
    # Given a workbook whose sheet is xl/media/sheet1.xml (calamine follows the rels' target
    # wherever it points) and has one cell far away
    data = xlsx(people_rows(1))
    book = zipfile.ZipFile(io.BytesIO(data))
    rels = book.read("xl/_rels/workbook.xml.rels").replace(b"worksheets/sheet1.xml", b"media/sheet1.xml")
    sheet = book.read("xl/worksheets/sheet1.xml").replace(
        b"</sheetData>", b'<row r="9"><c r="XFD1048576" ' + INLINE + b"</sheetData>"
    )
    moved = _replace(_replace(data, "xl/_rels/workbook.xml.rels", rels), "xl/media/sheet1.xml", sheet)
    assert _refused_by_the_check(moved) == "too_large"
    # And a picture whose bytes happen to look like an open tag is no sheet
    picture = b"\x89PNG\r\n\x1a\n" + b"<c \x00\x01<row " * 100
    assert reader.check(_replace(data, "xl/media/image1.png", picture)) == "xlsx"
