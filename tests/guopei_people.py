"""People for the 国培 tests and the bench: valid national ID numbers (GB 11643's check
digit), rows of the seed's 学员信息表, and the files a county admin uploads (.xlsx through
openpyxl, as Excel or WPS writes them; .csv in UTF-8, with a BOM, or in GBK)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from typing import Any

from chalicelib.domain.enrolment import COLUMNS
from chalicelib.domain.id_numbers import check_digit

HEADERS = [f"{c.header}*" if c.required else c.header for c in COLUMNS]
TITLE = "“国培计划（2020）”——陕西省项目区县中小学青年教师学科教学助力培训项目学员信息表"
# The seed's three counties and their GB/T 2260 codes: 延安市延长县, 延安市宜川县, 榆林市绥德县.
COUNTIES = {
    "延长县": ("延安市", "610621", 85),
    "宜川县": ("延安市", "610630", 85),
    "绥德县": ("榆林市", "612726", 340),
}
STAGES = ("小学", "初中")
SUBJECTS = ("语文", "数学", "英语")
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = ("明", "芳", "静", "强", "丽", "军", "洋", "敏", "杰", "娟", "涛", "艳", "勇", "霞", "磊")


def id_number(area: str, n: int, born: date | None = None) -> str:
    """A valid ID number: the county's area code, a birth date (from n unless given), a
    sequence number from n, the check digit."""
    born = born or date(1975, 1, 1) + timedelta(days=(n * 7919) % 10957)  # 1975-2004, distinct for n < 10957
    first17 = f"{area}{born:%Y%m%d}{n % 1000:03d}"
    return first17 + check_digit(first17)


def person(place: str, n: int, **overrides: Any) -> dict[str, str]:
    """Row n of a county's form, as the cells a county admin types (Chinese words)."""
    county = place
    city, area, _ = COUNTIES[county]
    cells = {
        "name": SURNAMES[n % len(SURNAMES)]
        + GIVEN[(n // len(SURNAMES)) % len(GIVEN)]
        + GIVEN[n % len(GIVEN)],
        "id_number": id_number(area, n),
        "city": city,
        "county": county,
        "unit": f"{county}第{n % 12 + 1}小学" if n % 2 == 0 else f"{county}第{n % 9 + 1}中学",
        "title": "一级教师",
        "position": "教研组长" if n % 5 == 0 else "",
        "phone": f"13{COUNTY_DIGIT[county]}{n:08d}",
        "qq": str(10000 + n * 7),
        "email": f"t{n}@example.cn" if n % 3 == 0 else "",
        "stage": STAGES[n % 2],
        "subject": SUBJECTS[n % 3],
        "campus": "本部",
        "role": "",
    }
    cells.update(overrides)
    return cells


COUNTY_DIGIT = {"延长县": "5", "宜川县": "6", "绥德县": "7"}


def as_body(cells: dict[str, str]) -> dict[str, Any]:
    """The same person as the JSON body of POST /programmes/{id}/enrolments."""
    body: dict[str, Any] = {k: v for k, v in cells.items() if v != ""}
    body.pop("role", None)
    if cells.get("role"):
        body["role"] = {"工作坊主持人": "workshop_host", "校级管理员": "school_admin"}.get(
            cells["role"], cells["role"]
        )
    return body


def grid(
    people: Iterable[dict[str, str]], *, admin: Sequence[str] = ("", "", ""), role: bool = True
) -> list[list[str]]:
    """The template's layout: title (row 1), admin (row 2), headers (row 3), people from row 4."""
    head = HEADERS + (["角色"] if role else [])
    rows = [[TITLE], [f"管理员姓名：{admin[0]}", f"电话：{admin[1]}", f"单位：{admin[2]}"], head]
    for p in people:
        values = [p[c.field] for c in COLUMNS] + ([p.get("role", "")] if role else [])
        rows.append(values)
    return rows


def xlsx(rows: Sequence[Sequence[Any]], *, sheet: str = "学员信息表", hidden_first: bool = False) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    ws = book.active
    if hidden_first:
        ws.title = "说明"
        ws["A1"] = "这是隐藏的工作表"
        ws.sheet_state = "hidden"
        ws = book.create_sheet(sheet)
    else:
        ws.title = sheet
    for values in rows:
        ws.append(list(values))
    # ID numbers, phones and QQ numbers as text, as the template sets them
    for row in ws.iter_rows(min_row=4):
        for cell in row:
            if isinstance(cell.value, str):
                cell.data_type = "s"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def csv_bytes(rows: Sequence[Sequence[Any]], encoding: str = "utf-8") -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode(encoding)


def county_people(county: str, count: int, start: int = 1) -> list[dict[str, str]]:
    return [person(county, n) for n in range(start, start + count)]


def enrol(programme_id: str, region_id: str, people: Iterable[dict[str, str]]) -> int:
    """People on a county's list through the commit's own path (each checked, its ID sealed
    and digested, the places reserved, the chunks written), without a file: what an import of
    them leaves, in a fraction of its time. Inside an app under moto; returns how many."""
    from chalicelib.adapters import clock
    from chalicelib.db import catalog
    from chalicelib.domain.enrolment import check_person
    from chalicelib.services import enrolment, enrolment_files

    programme = enrolment.programme_of(programme_id)
    region = catalog.get_region(region_id)
    assert region is not None and programme.start_date is not None
    now = clock.now()
    records = []
    for row, cells in enumerate(people, start=4):
        checked, problems = check_person(cells, region.name, programme.start_date)
        assert checked is not None, problems
        records.append(enrolment.new_enrolment(programme, region_id, checked, now, row=row))
    written, refused = enrolment_files.write_all(programme, region, records, now)
    assert not refused
    return len(written)
