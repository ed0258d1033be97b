"""国培 enrolment through the API (seed 003): the office sets up the programme and the seed's
three counties (延长县 85, 宜川县 85, 绥德县 340); county admins download the template, import
the 学员信息表 (.xlsx and .csv), see each error at its row and column, commit, add, change and
remove people, and confirm; ID numbers are refused twice in a programme or when excluded,
masked in every answer a county admin gets, revealed to the office on the record."""

from __future__ import annotations

import io
import json
import re
from datetime import UTC, datetime
from typing import Any

import pytest
import requests

from chalicelib.adapters import clock
from chalicelib.db.models import AuditModel, EnrolmentModel, QuotaModel
from tests.guopei_people import COUNTIES, HEADERS, TITLE, as_body, csv_bytes, enrol, grid, person, xlsx
from tests.integration.conftest import STRONG, Api, error_of, password_from_sms, sms_to

pytestmark = pytest.mark.integration

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
NAME = "“国培计划（2020）”——陕西省项目区县中小学青年教师学科教学助力培训项目"
PROGRAMME = {
    "name": NAME,
    "kind": "guopei",
    "academic_year": "2020-2021",
    "enrolment_deadline": "2026-10-26T23:59:59+08:00",
    "start_date": "2026-11-02",
    "end_date": "2027-01-15",
}
ADMINS = {"延长县": "13900000011", "宜川县": "13900000012", "绥德县": "13900000013"}
UNITS = {"延长县": "延长县教育局", "宜川县": "宜川县教育局", "绥德县": "绥德县教育局师训股"}


@pytest.fixture(autouse=True)
def lean_moto() -> Any:
    """moto's transactions copy every table they touch for their rollback: a 340-row commit's
    chunks would each copy the growing tables. The bench's shim copies the named items only
    (the same rollback; bench/reminders.py)."""
    from bench.moto_patches import lean_transactions

    with lean_transactions():
        yield


@pytest.fixture
def g(api: Api, admin: str) -> dict[str, Any]:
    """The seed's programme and counties, each county's admin logged in."""
    created = api.call("POST", "/programmes", admin, PROGRAMME)
    assert created.status_code == 201, created.data
    pid = created.data["programme_id"]
    regions, tokens = {}, {}
    for county, phone in ADMINS.items():
        contact = {"name": f"{county[:2]}管理员", "phone": phone, "unit": UNITS[county]}
        made = api.call("POST", "/regions", admin, {"name": county, "contact": contact})
        assert made.status_code == 201, made.data
        regions[county] = made.data["region_id"]
        places = api.call(
            "PUT", f"/programmes/{pid}/quotas/{regions[county]}", admin, {"places": COUNTIES[county][2]}
        )
        assert places.status_code == 200, places.data
        tokens[county] = api.ready_token(phone)
    return {"pid": pid, "regions": regions, "tokens": tokens, "admin": admin}


def upload(api: Api, token: str, data: bytes, content_type: str = XLSX) -> str:
    started = api.call("POST", "/uploads", token, {"content_type": content_type, "size": len(data)})
    assert started.status_code == 201, started.data
    posted = requests.post(
        started.data["url"],
        data=started.data["fields"],
        files={"file": ("sheet", data, content_type)},
        timeout=30,
    )
    assert posted.status_code in (200, 204), posted.text
    return str(started.data["upload_id"])


def preview(api: Api, g: dict[str, Any], county: str, data: bytes, content_type: str = XLSX) -> Any:
    token = g["tokens"][county]
    return api.call(
        "POST",
        f"/programmes/{g['pid']}/enrolment-imports",
        token,
        {"upload_id": upload(api, token, data, content_type)},
    )


def commit(api: Api, g: dict[str, Any], county: str, import_id: str) -> Any:
    return api.call("POST", f"/enrolment-imports/{import_id}/commit", g["tokens"][county])


def import_file(api: Api, g: dict[str, Any], county: str, data: bytes, content_type: str = XLSX) -> Any:
    shown = preview(api, g, county, data, content_type)
    assert shown.status_code == 201, shown.data
    return commit(api, g, county, shown.data["import_id"])


def people_of(api: Api, g: dict[str, Any], county: str, token: str | None = None) -> list[dict[str, Any]]:
    out, cursor = [], None
    while True:
        query = f"?limit=100&region_id={g['regions'][county]}" + (f"&cursor={cursor}" if cursor else "")
        page = api.call("GET", f"/programmes/{g['pid']}/enrolments{query}", token or g["admin"])
        assert page.status_code == 200, page.data
        out += page.data["items"]
        cursor = page.data["next_cursor"]
        if not cursor:
            return out


def summary(api: Api, g: dict[str, Any], token: str | None = None) -> dict[str, dict[str, Any]]:
    got = api.call("GET", f"/programmes/{g['pid']}/enrolment-summary", token or g["admin"])
    assert got.status_code == 200, got.data
    return {i["region_name"]: i for i in got.data["items"]}


def download(url: str) -> bytes:
    got = requests.get(url, timeout=30)
    assert got.status_code == 200
    return got.content


def tally(g: dict[str, Any], county: str) -> QuotaModel:
    return QuotaModel.get(g["pid"], g["regions"][county], consistent_read=True)


# --- the programme and its counties ---------------------------------------------------------------


def test_a_guopei_programme_takes_its_own_dates_and_no_default_places(api: Api, admin: str) -> None:
    # When the office creates the seed's programme
    r = api.call("POST", "/programmes", admin, PROGRAMME)
    # Then it has its dates, and no region takes part until given places
    assert r.status_code == 201, r.data
    assert (r.data["enrolment_deadline"], r.data["start_date"], r.data["end_date"]) == (
        "2026-10-26T23:59:59+08:00",
        "2026-11-02",
        "2027-01-15",
    )
    assert r.data["default_places"] == 0
    pid = r.data["programme_id"]
    # And the dates are held in order, on create and on PATCH (422 naming the field)
    cases = [
        ({**PROGRAMME, "start_date": None}, {"start_date": "必填"}),
        (
            {**PROGRAMME, "enrolment_deadline": "2026-11-03T00:00:00+08:00"},
            {"enrolment_deadline": "报名截止时间不能晚于项目开始日期"},
        ),
        ({**PROGRAMME, "end_date": "2026-11-01"}, {"end_date": "结束日期不能早于开始日期"}),
        (
            {**PROGRAMME, "demand_deadline": "2026-07-15T23:59:59+08:00"},
            {"demand_deadline": "国培项目没有此项"},
        ),
        ({**PROGRAMME, "default_places": 35}, {"default_places": "国培项目按区县设置名额，默认名额为 0"}),
    ]
    for body, fields in cases:
        refused = api.call("POST", "/programmes", admin, body)
        assert error_of(refused) == (422, "validation_failed") and refused.data["error"]["fields"] == fields
    patched = api.call("PATCH", f"/programmes/{pid}", admin, {"end_date": "2026-10-01"})
    assert error_of(patched) == (422, "validation_failed")
    assert (
        api.call(
            "PATCH", f"/programmes/{pid}", admin, {"roster_deadline": "2026-08-31T23:59:59+08:00"}
        ).status_code
        == 422
    )
    moved = api.call(
        "PATCH", f"/programmes/{pid}", admin, {"enrolment_deadline": "2026-10-30T18:00:00+08:00"}
    )
    assert moved.status_code == 200 and moved.data["enrolment_deadline"] == "2026-10-30T18:00:00+08:00"
    # And a base-training programme takes none of them
    base = {
        **PROGRAMME,
        "kind": "base_training",
        "demand_deadline": "2026-07-15T23:59:59+08:00",
        "roster_deadline": "2026-08-31T23:59:59+08:00",
        "registration_deadline": "2026-09-05T23:59:59+08:00",
    }
    refused = api.call("POST", "/programmes", admin, base)
    assert refused.data["error"]["fields"] == {
        f: "仅国培项目有此项" for f in ("enrolment_deadline", "start_date", "end_date")
    }


def test_the_seeds_three_counties_with_their_admins_unit_and_places(api: Api, g: dict[str, Any]) -> None:
    region = api.call("GET", f"/regions/{g['regions']['绥德县']}", g["admin"])
    assert region.data["contact"]["unit"] == "绥德县教育局师训股"
    got = summary(api, g)
    assert {k: (v["places"], v["enrolled"], v["confirmed"]) for k, v in got.items()} == {
        "延长县": (85, 0, False),
        "宜川县": (85, 0, False),
        "绥德县": (340, 0, False),
    }
    # A county admin sees its own county only
    assert list(summary(api, g, g["tokens"]["宜川县"])) == ["宜川县"]
    # And a region with no places is not in the programme
    other = api.call(
        "POST", "/regions", g["admin"], {"name": "米脂县", "contact": {"name": "米", "phone": "13900000019"}}
    )
    token = api.ready_token("13900000019")
    body = as_body(person("绥德县", 1, county="米脂县"))
    assert error_of(api.call("POST", f"/programmes/{g['pid']}/enrolments", token, body)) == (
        404,
        "not_in_programme",
    )
    assert other.status_code == 201


def test_the_template_is_the_seeds_form_for_the_county(api: Api, g: dict[str, Any]) -> None:
    from openpyxl import load_workbook

    # When 绥德县's admin downloads the template
    got = api.call("GET", f"/programmes/{g['pid']}/enrolment-template", g["tokens"]["绥德县"])
    assert got.status_code == 200, got.data
    book = load_workbook(io.BytesIO(download(got.data["url"])))
    sheet = book.worksheets[0]
    # Then: the seed's title, the admin's name, phone and unit, the 13 headers (and 角色)
    assert sheet["A1"].value == TITLE
    assert [sheet.cell(2, c).value for c in (1, 5, 9)] == [
        "管理员姓名：绥德管理员",
        "电话：13900000013",
        "单位：绥德县教育局师训股",
    ]
    assert [sheet.cell(3, c).value for c in range(1, 14)] == HEADERS
    assert sheet.cell(3, 14).value == "角色"
    # The county is filled in, and ID numbers and phones are text columns
    assert (
        sheet["D4"].value == "绥德县"
        and sheet["B4"].number_format == "@"
        and sheet["H4"].number_format == "@"
    )
    # Drop-downs for 学段 and 学科 (and 角色)
    lists = {str(v.sqref).split(":")[0][0]: v.formula1 for v in sheet.data_validations.dataValidation}
    assert (
        lists["K"] == '"小学,初中"'
        and lists["L"] == '"语文,数学,英语"'
        and lists["N"] == '"参训学员,工作坊主持人,校级管理员"'
    )
    # And the office names the county; a county admin cannot ask for another's
    office = api.call(
        "GET", f"/programmes/{g['pid']}/enrolment-template?region_id={g['regions']['延长县']}", g["admin"]
    )
    assert office.status_code == 200
    assert error_of(api.call("GET", f"/programmes/{g['pid']}/enrolment-template", g["admin"])) == (
        422,
        "validation_failed",
    )
    other = api.call(
        "GET",
        f"/programmes/{g['pid']}/enrolment-template?region_id={g['regions']['延长县']}",
        g["tokens"]["绥德县"],
    )
    assert error_of(other) == (404, "region_not_found")


def test_the_filled_in_template_imports_as_it_was_downloaded(api: Api, g: dict[str, Any]) -> None:
    from openpyxl import load_workbook

    # Given the template filled in by hand (three people in rows 4-6, the rest left as given)
    got = api.call("GET", f"/programmes/{g['pid']}/enrolment-template", g["tokens"]["延长县"])
    book = load_workbook(io.BytesIO(download(got.data["url"])))
    sheet = book.worksheets[0]
    for r, n in zip((4, 5, 6), (1, 2, 3), strict=True):
        cells = person("延长县", n, role="工作坊主持人" if n == 3 else "")
        for c, f in enumerate(
            [
                *(
                    h
                    for h in (
                        "name",
                        "id_number",
                        "city",
                        "county",
                        "unit",
                        "title",
                        "position",
                        "phone",
                        "qq",
                        "email",
                        "stage",
                        "subject",
                        "campus",
                    )
                ),
                "role",
            ],
            1,
        ):
            sheet.cell(r, c).value = cells[f] or None
    out = io.BytesIO()
    book.save(out)
    # When it is imported
    shown = preview(api, g, "延长县", out.getvalue())
    # Then the three are read (and nothing of the pre-filled rows)
    assert shown.status_code == 201, shown.data
    assert (
        shown.data["rows"],
        shown.data["valid"],
        shown.data["new"],
        shown.data["new_trainees"],
        shown.data["errors"],
    ) == (3, 3, 3, 2, [])


# --- the 340-row import ---------------------------------------------------------------------------

# 绥德县's 340 rows with 1% of them wrong, each in one cell: (data index, field, value, message)
BAD = [
    (6, "id_number", None, "身份证号校验位不正确，请核对"),
    (97, "phone", "1380000000", "须为11位手机号（1开头）"),
    (201, "stage", "高中", "学段须为小学或初中（学段学科请在小学、初中语数英六个学科中选填）"),
    (333, "subject", "体育", "学科须为语文、数学或英语（学段学科请在小学、初中语数英六个学科中选填）"),
]
COLUMN = {"id_number": "身份证号", "phone": "联系方式", "stage": "主要任教学段", "subject": "主要任教学科"}


def suide_rows() -> list[dict[str, str]]:
    rows = [person("绥德县", n) for n in range(1, 341)]
    for index, field, value, _ in BAD:
        if field == "id_number":
            good = rows[index]["id_number"]
            value = good[:17] + ("0" if good[17] != "0" else "1")
        rows[index] = {**rows[index], field: value or ""}
    return rows


def test_a_340_row_import_reports_each_bad_row_at_its_row_and_column_then_commits_the_rest(
    api: Api, g: dict[str, Any]
) -> None:
    # Given 绥德县's 340 people in the template's layout (data from row 4), 4 of them wrong
    data = xlsx(grid(suide_rows(), admin=("绥德管理员", "13900000013", "绥德县教育局师训股")))
    # When its admin imports the file
    shown = preview(api, g, "绥德县", data)
    # Then the preview names each error by the row the spreadsheet shows and the column's header
    assert shown.status_code == 201, shown.data
    assert (shown.data["rows"], shown.data["valid"], shown.data["new"], shown.data["error_count"]) == (
        340,
        336,
        336,
        4,
    )
    assert shown.data["errors"] == [
        {"row": index + 4, "column": COLUMN[field], "message": message} for index, field, _, message in BAD
    ]
    # And nothing is enrolled yet
    assert summary(api, g)["绥德县"]["enrolled"] == 0
    # When the admin commits
    done = commit(api, g, "绥德县", shown.data["import_id"])
    # Then the 336 valid rows are enrolled and the 4 places stay free
    assert done.status_code == 200, done.data
    assert (done.data["enrolled"], done.data["already_enrolled"], done.data["error_count"]) == (336, [], 4)
    county = summary(api, g)["绥德县"]
    assert county["enrolled"] == 336 and county["places"] == 340
    assert sum(county["by_stage_subject"].values()) == 336 and county["by_role"] == {
        "trainee": 336,
        "workshop_host": 0,
        "school_admin": 0,
    }
    assert county["by_stage_subject"]["primary/chinese"] == sum(
        1
        for i, p in enumerate(suide_rows())
        if i not in {b[0] for b in BAD} and p["stage"] == "小学" and p["subject"] == "语文"
    )
    item = tally(g, "绥德县")
    assert (item.requested, item.remaining, item.listed, item.listed_trainees) == (336, 4, 336, 336)
    listed = people_of(api, g, "绥德县")
    assert [p["row"] for p in listed[:3]] == [4, 5, 6] and len(listed) == 336  # the file's order
    # When the same file is imported and committed again
    again = preview(api, g, "绥德县", data)
    assert (
        again.data["new"] == 0
        and len(again.data["already_enrolled"]) == 336
        and again.data["error_count"] == 4
    )
    redone = commit(api, g, "绥德县", again.data["import_id"])
    # Then nothing changes; committing the first import twice changes nothing either
    assert (
        redone.data["enrolled"] == 0
        and commit(api, g, "绥德县", shown.data["import_id"]).data["enrolled"] == 0
    )
    item = tally(g, "绥德县")
    assert (item.requested, item.remaining, item.listed) == (336, 4, 336)


def test_the_error_workbook_is_the_file_back_with_its_errors_and_ids_masked(
    api: Api, g: dict[str, Any]
) -> None:
    from openpyxl import load_workbook

    rows = suide_rows()[:120]
    shown = preview(api, g, "绥德县", xlsx(grid(rows)))
    got = api.call("GET", f"/enrolment-imports/{shown.data['import_id']}/errors.xlsx", g["tokens"]["绥德县"])
    assert got.status_code == 200, got.data
    sheet = load_workbook(io.BytesIO(download(got.data["url"]))).worksheets[0]
    header = [c.value for c in sheet[3]]
    assert header[0] == "行号" and header[-1] == "错误说明" and "身份证号*" in header
    table = {r[0]: r for r in sheet.iter_rows(min_row=4, values_only=True) if r[0]}
    assert len(table) == 120
    assert table[10][-1] == "身份证号：身份证号校验位不正确，请核对"
    assert table[101][-1] == "联系方式：须为11位手机号（1开头）"
    assert not table[4][-1]
    # No whole ID number leaves in it
    ids = header.index("身份证号*")
    assert all(re.fullmatch(r"\d{4}\*{10}[\dX]{4}", str(r[ids])) for r in table.values())
    # Another county's admin cannot have it
    other = api.call(
        "GET", f"/enrolment-imports/{shown.data['import_id']}/errors.xlsx", g["tokens"]["延长县"]
    )
    assert error_of(other) == (404, "import_not_found")


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_a_csv_in_utf8_with_or_without_bom_or_gbk_imports_the_same(
    api: Api, g: dict[str, Any], encoding: str
) -> None:
    rows = [person("宜川县", n) for n in range(1, 6)]
    done = import_file(api, g, "宜川县", csv_bytes(grid(rows), encoding), "text/csv")
    assert done.status_code == 200 and done.data["enrolled"] == 5
    names = [p["name"] for p in people_of(api, g, "宜川县")]
    assert names == [r["name"] for r in rows]


def test_headers_in_another_order_or_in_english_are_read_by_name(api: Api, g: dict[str, Any]) -> None:
    fields = [
        "qq",
        "name",
        "campus",
        "phone",
        "id_number",
        "county",
        "city",
        "unit",
        "title",
        "stage",
        "subject",
        "email",
    ]
    people = [person("宜川县", n) for n in (1, 2)]
    chinese = [
        [
            "QQ号",
            "姓名",
            "所属校区",
            "联系方式",
            "身份证号",
            "所在地区(县)",
            "所在地区(市)",
            "单位",
            "职称",
            "学段",
            "学科",
            "邮箱",
        ]
    ]
    english = [fields]
    for header, county_rows in ((chinese, people[:1]), (english, people[1:])):
        data = csv_bytes(header + [[p[f] for f in fields] for p in county_rows])
        done = import_file(api, g, "宜川县", data, "text/csv")
        assert done.status_code == 200 and done.data["enrolled"] == 1, done.data
    assert sorted(p["name"] for p in people_of(api, g, "宜川县")) == sorted(p["name"] for p in people)


# --- one ID number, one place in the programme ---------------------------------------------------


def add(api: Api, g: dict[str, Any], county: str, cells: dict[str, str], token: str | None = None) -> Any:
    return api.call(
        "POST", f"/programmes/{g['pid']}/enrolments", token or g["tokens"][county], as_body(cells)
    )


def test_an_id_number_enrolled_in_one_county_is_refused_in_another(api: Api, g: dict[str, Any]) -> None:
    # Given a teacher on 延长县's list
    teacher = person("延长县", 7)
    first = add(api, g, "延长县", teacher)
    assert first.status_code == 201, first.data
    # When 宜川县 adds the same ID number (another name, phone, school)
    twin = person("宜川县", 8, id_number=teacher["id_number"])
    # Then it is refused, one at a time and in a file
    assert error_of(add(api, g, "宜川县", twin)) == (409, "duplicate_person")
    shown = preview(api, g, "宜川县", xlsx(grid([person("宜川县", 9), twin])))
    assert shown.data["errors"] == [
        {"row": 5, "column": "身份证号", "message": "该身份证号已在本项目其他区县的名单中"}
    ]
    assert commit(api, g, "宜川县", shown.data["import_id"]).data["enrolled"] == 1
    # And in its own county the same ID is not added twice either (a lower-case x, full-width digits)
    again = {**person("延长县", 10), "id_number": teacher["id_number"].lower()}
    assert error_of(add(api, g, "延长县", again)) == (409, "duplicate_person")
    assert summary(api, g)["延长县"]["enrolled"] == 1 and summary(api, g)["宜川县"]["enrolled"] == 1


def test_an_excluded_person_is_refused(api: Api, g: dict[str, Any]) -> None:
    # Given a person already on 绥德县's list, and the earlier project's people (a sheet whose
    # only column that matters is 身份证号: two valid, one repeated, one wrong, the enrolled one)
    enrolled = person("绥德县", 1)
    assert add(api, g, "绥德县", enrolled).status_code == 201
    earlier = [person("绥德县", n) for n in (2, 3)]
    sheet = (
        [["序号", "姓名", "身份证号"]]
        + [[str(i), p["name"], p["id_number"]] for i, p in enumerate([*earlier, earlier[0], enrolled], 1)]
        + [["5", "错号", "61272619900101123"]]
    )
    upload_id = upload(api, g["admin"], csv_bytes(sheet), "text/csv")
    # When the office adds them to the programme's exclusion list
    r = api.call("POST", f"/programmes/{g['pid']}/exclusions", g["admin"], {"upload_id": upload_id})
    # Then the two are excluded, the enrolled one is named (not excluded), the wrong one is an error
    assert r.status_code == 201, r.data
    assert (r.data["rows"], r.data["excluded"], r.data["already_excluded"]) == (5, 2, 0)
    assert [(e["row"], e["region_name"], e["name"]) for e in r.data["enrolled"]] == [
        (5, "绥德县", enrolled["name"])
    ]
    assert r.data["errors"] == [
        {"row": 6, "column": "身份证号", "message": "身份证号须为18位：17位数字加1位数字或X"}
    ]
    # And an excluded person cannot be enrolled, one at a time or in a file
    assert error_of(add(api, g, "绥德县", earlier[0])) == (409, "ineligible")
    assert error_of(add(api, g, "宜川县", {**earlier[1], "county": "宜川县", "city": "延安市"})) == (
        409,
        "ineligible",
    )
    shown = preview(api, g, "绥德县", xlsx(grid([person("绥德县", 4), earlier[1]])))
    assert shown.data["errors"] == [
        {
            "row": 5,
            "column": "身份证号",
            "message": "该人员在本项目的排除名单中（已参加过往期项目），不能报名",
        }
    ]
    # And only the office keeps the list
    county_try = api.call(
        "POST", f"/programmes/{g['pid']}/exclusions", g["tokens"]["绥德县"], {"upload_id": upload_id}
    )
    assert county_try.status_code == 403
    # Sending the list again excludes nobody twice
    again = upload(api, g["admin"], csv_bytes(sheet), "text/csv")
    r = api.call("POST", f"/programmes/{g['pid']}/exclusions", g["admin"], {"upload_id": again})
    assert (r.data["excluded"], r.data["already_excluded"]) == (0, 2)


# --- the quota ------------------------------------------------------------------------------------


def test_a_chunk_that_fails_mid_commit_gives_back_the_places_it_held(
    api: Api, g: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from botocore.exceptions import ClientError

    from chalicelib.db import enrolment_files

    # Given 120 people for 绥德县 (chunks of 49, 49, 22) whose second chunk DynamoDB refuses
    write_chunk, chunks = enrolment_files.write_chunk, []

    def failing(rows: list[Any], now: datetime) -> set[str]:
        chunks.append(len(rows))
        if len(chunks) == 2:
            raise ClientError(
                {"Error": {"Code": "InternalServerError", "Message": "x"}}, "TransactWriteItems"
            )
        return write_chunk(rows, now)

    monkeypatch.setattr(enrolment_files, "write_chunk", failing)
    people = [person("绥德县", n) for n in range(1, 121)]
    region = g["regions"]["绥德县"]
    # When they are committed, the commit stops at the second chunk
    with pytest.raises(ClientError):
        enrol(g["pid"], region, people)
    assert chunks == [49, 49]
    # Then the first chunk's 49 are on the list and hold their places; the 71 places the commit
    # reserved for the others are free again
    county = tally(g, "绥德县")
    assert (county.listed, county.listed_trainees, county.requested, county.remaining) == (49, 49, 49, 291)
    assert summary(api, g)["绥德县"]["enrolled"] == 49
    # And the others are enrolled once DynamoDB answers again, to the last place's count
    monkeypatch.setattr(enrolment_files, "write_chunk", write_chunk)
    assert enrol(g["pid"], region, people[49:]) == 71
    county = tally(g, "绥德县")
    assert (county.listed_trainees, county.requested, county.remaining) == (120, 120, 220)


def test_a_reservation_its_commit_left_is_given_back_once_its_time_is_over(
    api: Api, g: dict[str, Any]
) -> None:
    from datetime import timedelta

    from chalicelib.db import enrolment_files
    from chalicelib.domain.errors import ConflictError

    # Given a commit of 10 rows for 延长县 (85 places) that reserved its places and stopped
    # there (its function timed out): nothing written, nothing released
    region = g["regions"]["延长县"]
    enrolment_files.reserve(g["pid"], region, 10, clock.now())
    people = [person("延长县", n) for n in range(1, 86)]
    # When the county's 85 come while the reservation may still be being written: they do not fit
    with pytest.raises(ConflictError) as refused:
        enrol(g["pid"], region, people)
    assert refused.value.code == "quota_exceeded"
    assert (tally(g, "延长县").requested, tally(g, "延长县").remaining) == (10, 75)
    # Then once its time is over, the stopped commit's places are given back and the 85 fit
    clock.advance(enrolment_files.RESERVATION + timedelta(seconds=1))
    assert enrol(g["pid"], region, people) == 85
    county = tally(g, "延长县")
    assert (county.listed_trainees, county.requested, county.remaining) == (85, 85, 0)


def test_the_kms_data_key_is_asked_for_once_per_container(api: Api, g: dict[str, Any]) -> None:
    from chalicelib.adapters import crypto
    from chalicelib.adapters.aws import client

    calls: list[str] = []

    def counted(model: Any, **_: Any) -> None:
        calls.append(model.name)

    kms = client("kms")
    kms.meta.events.register("before-call.kms", counted)
    try:
        # Given a container that has sealed nothing yet
        crypto.forget_keys()
        # When 60 people are enrolled (each ID number sealed), one by one and as a file
        for n in range(1, 11):
            assert add(api, g, "宜川县", person("宜川县", n)).status_code == 201
        assert enrol(g["pid"], g["regions"]["宜川县"], [person("宜川县", n) for n in range(11, 61)]) == 50
        # Then KMS generated one data key for them all
        assert calls == ["GenerateDataKey"]
        # And the office's reveal of three of them decrypts that key once
        listed = people_of(api, g, "宜川县")
        assert len(listed) == 60
        crypto._open_key.cache_clear()  # as a container that did not seal them would
        for e in listed[:3]:
            assert api.call("POST", f"/enrolments/{e['enrolment_id']}/reveal", g["admin"]).status_code == 200
        assert calls == ["GenerateDataKey", "Decrypt"]
    finally:
        kms.meta.events.unregister("before-call.kms", counted)


def test_a_commit_that_does_not_fit_writes_nothing_and_hosts_are_extra(api: Api, g: dict[str, Any]) -> None:
    # Given 延长县 with 85 places and a file of 86 trainees
    too_many = [person("延长县", n) for n in range(1, 87)]
    shown = preview(api, g, "延长县", xlsx(grid(too_many)))
    assert shown.data["new_trainees"] == 86
    # When its admin commits
    refused = commit(api, g, "延长县", shown.data["import_id"])
    # Then nothing is written
    assert error_of(refused) == (409, "quota_exceeded")
    assert refused.data["error"]["fields"] == {"places": "本区县剩余名额85人，本次导入参训学员86人"}
    assert people_of(api, g, "延长县") == [] and tally(g, "延长县").remaining == 85
    assert tally(g, "延长县").requested == 0
    # When the file holds 85 trainees and 5 workshop hosts and school admins
    extras = [person("延长县", n, role="工作坊主持人" if n % 2 else "校级管理员") for n in range(101, 106)]
    done = import_file(api, g, "延长县", xlsx(grid([*too_many[:85], *extras])))
    # Then all 90 are enrolled: places count trainees only
    assert done.status_code == 200 and done.data["enrolled"] == 90
    county = summary(api, g)["延长县"]
    assert (county["enrolled"], county["by_role"]) == (
        85,
        {"trainee": 85, "workshop_host": 3, "school_admin": 2},
    )
    # And one more trainee is refused, another host is not
    assert error_of(add(api, g, "延长县", person("延长县", 200))) == (409, "quota_exceeded")
    assert add(api, g, "延长县", person("延长县", 201, role="工作坊主持人")).status_code == 201
    # And the office cannot set the places below what is enrolled
    low = api.call(
        "PUT", f"/programmes/{g['pid']}/quotas/{g['regions']['延长县']}", g["admin"], {"places": 84}
    )
    assert error_of(low) == (409, "quota_below_held")
    # A trainee removed frees a place; a host made a trainee takes one
    listed = people_of(api, g, "延长县")
    trainee = next(p for p in listed if p["role"] == "trainee")
    host = next(p for p in listed if p["role"] == "workshop_host")
    assert (
        api.call("DELETE", f"/enrolments/{trainee['enrolment_id']}", g["tokens"]["延长县"]).status_code == 204
    )
    assert tally(g, "延长县").remaining == 1
    made = api.call(
        "PATCH", f"/enrolments/{host['enrolment_id']}", g["tokens"]["延长县"], {"role": "trainee"}
    )
    assert made.status_code == 200 and made.data["role"] == "trainee"
    assert tally(g, "延长县").remaining == 0
    other = next(p for p in listed if p["role"] == "school_admin")
    full = api.call(
        "PATCH", f"/enrolments/{other['enrolment_id']}", g["tokens"]["延长县"], {"role": "trainee"}
    )
    assert error_of(full) == (409, "quota_exceeded")


# --- masking and the reveal ----------------------------------------------------------------------


def test_no_answer_to_a_county_admin_holds_a_whole_id_number(api: Api, g: dict[str, Any]) -> None:
    token = g["tokens"]["宜川县"]
    people = [person("宜川县", n) for n in range(1, 4)]
    answers: list[Any] = []
    # Every route a county admin uses, its answers kept
    answers.append(add(api, g, "宜川县", people[0]))
    shown = preview(api, g, "宜川县", xlsx(grid(people)))
    answers += [shown, commit(api, g, "宜川县", shown.data["import_id"])]
    listed = people_of(api, g, "宜川县", token)
    answers.append(api.call("GET", f"/programmes/{g['pid']}/enrolments", token))
    one = listed[1]["enrolment_id"]
    answers.append(api.call("GET", f"/enrolments/{one}", token))
    answers.append(api.call("PATCH", f"/enrolments/{one}", token, {"title": "二级教师"}))
    answers.append(
        api.call("PATCH", f"/enrolments/{one}", token, {"id_number": people[1]["id_number"].lower()})
    )
    answers.append(api.call("GET", f"/programmes/{g['pid']}/enrolment-summary", token))
    answers.append(api.call("POST", f"/enrolments/{one}/reveal", token))
    started = api.call("POST", f"/programmes/{g['pid']}/exports", token, {"kind": "enrolment"})
    answers.append(started)
    answers.append(api.call("GET", f"/exports/{started.data['export_id']}", token))
    numbers = {p["id_number"] for p in people}
    # Then no answer holds one whole; the list shows them masked
    for answer in answers:
        text = answer.body.decode() if isinstance(answer.body, bytes) else answer.body or ""
        assert not any(n in text or n.lower() in text for n in numbers), text[:300]
    assert {p["id_number"] for p in listed} == {
        p["id_number"][:4] + "*" * 10 + p["id_number"][-4:] for p in people
    }
    assert error_of(answers[-3]) == (403, "forbidden")  # the reveal is the office's
    # Nor the county admin's export
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(download(answers[-1].data["url"]))).worksheets[0]
    assert sheet["A1"].value == TITLE
    cells = [str(c.value) for row in sheet.iter_rows(min_row=4) for c in row if c.value]
    assert not any(n in c for n in numbers for c in cells)
    assert {c for c in cells if re.fullmatch(r"\d{4}\*{10}[\dX]{4}", c)}
    # Nor the ID numbers at rest: sealed, with the mask beside them
    for item in EnrolmentModel.scan():
        assert item.id_sealed.startswith("sealed:v1:") and item.id_sealed not in numbers
        assert not any(n in json.dumps(item.attribute_values, default=str) for n in numbers)


def test_the_office_reveals_an_id_number_on_the_record(api: Api, g: dict[str, Any]) -> None:
    teacher = person("绥德县", 11)
    one = add(api, g, "绥德县", teacher).data["enrolment_id"]
    office = api.call("GET", f"/enrolments/{one}", g["admin"])
    assert office.data["id_number"] == teacher["id_number"][:4] + "**********" + teacher["id_number"][-4:]
    # When the office asks to see it, twice with the same Idempotency-Key
    key = {"Idempotency-Key": "reveal-once-please"}
    shown = [api.call("POST", f"/enrolments/{one}/reveal", g["admin"], headers=key) for _ in range(2)]
    # Then each answer holds it, none is a replay of a stored answer, and each is on the record
    assert [s.data for s in shown] == [{"id_number": teacher["id_number"]}] * 2
    assert not any(s.headers.get("Idempotent-Replayed") for s in shown)
    entries = list(AuditModel.query(f"enrolment#{one}"))
    assert [e.action for e in entries] == ["reveal_id_number"] * 2
    me = api.call("GET", "/me", g["admin"]).data["account_id"]
    assert {e.actor_id for e in entries} == {me}
    # And nobody else may
    assert error_of(api.call("POST", f"/enrolments/{one}/reveal", g["tokens"]["绥德县"])) == (
        403,
        "forbidden",
    )
    assert error_of(api.call("POST", f"/enrolments/{'0' * 32}/reveal", g["admin"])) == (
        404,
        "enrolment_not_found",
    )


# --- confirmation -------------------------------------------------------------------------------


def test_confirmation_opens_an_account_per_person_and_sends_the_credentials(
    api: Api, g: dict[str, Any]
) -> None:
    # Given 绥德县's list: two trainees, a workshop host, a school admin of the first's school,
    # and a trainee whose phone already has a trainee account (the research-base programme's)
    school = "绥德县第一中学"
    people = [
        person("绥德县", 21, unit=school),
        person("绥德县", 22),
        person("绥德县", 23, role="工作坊主持人"),
        person("绥德县", 24, unit=school, role="校级管理员"),
    ]
    for p in people:
        assert add(api, g, "绥德县", p).status_code == 201
    # When its admin confirms (确认报送)
    done = api.call("POST", f"/programmes/{g['pid']}/enrolment/confirm", g["tokens"]["绥德县"])
    # Then each person has an account of the row's role and the credentials by SMS
    assert done.status_code == 200, done.data
    assert done.data == {
        "region_id": g["regions"]["绥德县"],
        "confirmed": True,
        "people": 4,
        "accounts_provisioned": 4,
        "sms_sent": 4,
        "sms_queued": 0,
    }
    for p, role in zip(people, ("研修人员", "研修人员", "工作坊主持人", "校级管理员"), strict=True):
        (text,) = [t for t in sms_to(p["phone"]) if "初始密码" in t]
        assert f"您的{role}账号已开通" in text and "国培计划" in text and "绥德县" in text
    me = api.login(people[3]["phone"], password_from_sms(people[3]["phone"])).data
    assert me["role"] == "school_admin"
    assert summary(api, g)["绥德县"]["confirmed"] is True
    # And the list is closed: no add, change or removal, no import
    listed = people_of(api, g, "绥德县")
    assert all(p["has_account"] for p in listed)
    assert error_of(add(api, g, "绥德县", person("绥德县", 25))) == (409, "enrolment_closed")
    one = listed[0]["enrolment_id"]
    assert error_of(
        api.call("PATCH", f"/enrolments/{one}", g["tokens"]["绥德县"], {"title": "高级教师"})
    ) == (409, "enrolment_closed")
    assert error_of(api.call("DELETE", f"/enrolments/{one}", g["tokens"]["绥德县"])) == (
        409,
        "enrolment_closed",
    )
    assert error_of(preview(api, g, "绥德县", xlsx(grid([person("绥德县", 26)])))) == (
        409,
        "enrolment_closed",
    )
    # And confirming again sends nothing
    sent = len([t for p in people for t in sms_to(p["phone"])])
    again = api.call("POST", f"/programmes/{g['pid']}/enrolment/confirm", g["tokens"]["绥德县"])
    assert again.status_code == 200 and again.data["accounts_provisioned"] == 0
    assert len([t for p in people for t in sms_to(p["phone"])]) == sent
    # And the school admin sees its own school's people, phones masked, ID numbers masked
    token = api.ready_token(people[3]["phone"])
    own = api.call("GET", f"/programmes/{g['pid']}/enrolments", token)
    assert own.status_code == 200, own.data
    assert sorted(p["name"] for p in own.data["items"]) == sorted([people[0]["name"], people[3]["name"]])
    assert all("****" in p["phone"] and "**********" in p["id_number"] for p in own.data["items"])
    outsider = next(p for p in listed if p["unit"] != school)
    assert error_of(api.call("GET", f"/enrolments/{outsider['enrolment_id']}", token)) == (
        404,
        "enrolment_not_found",
    )
    mine = api.call("GET", "/me/enrolments", token)
    assert [(m["programme_name"], m["region_name"], m["role"]) for m in mine.data["items"]] == [
        (NAME, "绥德县", "school_admin")
    ]
    # With the programme's dates, for the person's own page (我的国培项目)
    [own_place] = mine.data["items"]
    assert (own_place["start_date"], own_place["end_date"]) == ("2026-11-02", "2027-01-15")


def test_confirming_340_people_sends_a_few_sms_in_the_request_and_the_outbox_the_rest(
    api: Api, g: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalicelib.adapters import messaging
    from chalicelib.jobs import JOBS
    from chalicelib.services import enrolment_confirmation

    # Given 绥德县's full list of 340
    people = [person("绥德县", n) for n in range(1, 341)]
    assert enrol(g["pid"], g["regions"]["绥德县"], people) == 340
    sends: list[str] = []
    send_sms = messaging.send_sms

    def counted(phone: str, text: str) -> None:
        sends.append(phone)
        send_sms(phone, text)

    monkeypatch.setattr(messaging, "send_sms", counted)
    # When its admin confirms
    done = api.call("POST", f"/programmes/{g['pid']}/enrolment/confirm", g["tokens"]["绥德县"])
    # Then 340 accounts are opened, but the request sends only the first few SMS (340 in a row
    # would not fit the API's 29 s): the rest wait in the outbox, and the answer says so
    assert done.status_code == 200, done.data
    assert done.data["accounts_provisioned"] == 340
    assert len(sends) == done.data["sms_sent"] == enrolment_confirmation.SEND_IN_REQUEST
    assert done.data["sms_queued"] == 340 - enrolment_confirmation.SEND_IN_REQUEST
    # And the outbox's drain sends the others, each person's credentials once
    for _ in range(5):
        JOBS["outbox"](clock.now())
    assert sorted(sends) == sorted(p["phone"] for p in people)
    assert all(len([t for t in sms_to(p["phone"]) if "初始密码" in t]) == 1 for p in people[::17])


def test_a_phone_on_an_account_of_another_role_refuses_the_whole_confirmation(
    api: Api, g: dict[str, Any]
) -> None:
    # Given 宜川县's list with a trainee whose phone is 延长县's county admin's
    ok = person("宜川县", 31)
    clash = person("宜川县", 32, phone=ADMINS["延长县"])
    assert add(api, g, "宜川县", ok).status_code == 201
    clash_id = add(api, g, "宜川县", clash).data["enrolment_id"]
    # When 宜川县's admin confirms
    refused = api.call("POST", f"/programmes/{g['pid']}/enrolment/confirm", g["tokens"]["宜川县"])
    # Then nothing is confirmed and the row is named
    assert error_of(refused) == (409, "phone_taken")
    assert refused.data["error"]["fields"] == {clash_id: f"{clash['name']}的手机号已被其他角色的账号使用"}
    assert summary(api, g)["宜川县"]["confirmed"] is False and sms_to(ok["phone"]) == []
    # Until the row's phone is corrected
    fixed = api.call("PATCH", f"/enrolments/{clash_id}", g["tokens"]["宜川县"], {"phone": "13600000032"})
    assert fixed.status_code == 200
    assert (
        api.call("POST", f"/programmes/{g['pid']}/enrolment/confirm", g["tokens"]["宜川县"]).status_code
        == 200
    )


def test_an_existing_account_of_the_same_role_is_reused(api: Api, g: dict[str, Any]) -> None:
    # Given a trainee confirmed in 延长县 (an account of hers), then enrolled in ... her own again
    # as a host elsewhere is another role: here, a trainee of 宜川县 whose phone is a trainee's
    first = person("延长县", 41)
    assert add(api, g, "延长县", first).status_code == 201
    assert (
        api.call("POST", f"/programmes/{g['pid']}/enrolment/confirm", g["tokens"]["延长县"]).status_code
        == 200
    )
    account = api.login(first["phone"], password_from_sms(first["phone"])).data["account_id"]
    second = person("宜川县", 42, phone=first["phone"])
    assert add(api, g, "宜川县", second).status_code == 201
    done = api.call("POST", f"/programmes/{g['pid']}/enrolment/confirm", g["tokens"]["宜川县"])
    # Then no second account: the person is told with the account they have
    assert done.status_code == 200 and done.data["accounts_provisioned"] == 1
    texts = sms_to(first["phone"])
    assert len([t for t in texts if "初始密码" in t]) == 1 and "请使用原账号登录" in texts[-1]
    listed = people_of(api, g, "宜川县")
    assert EnrolmentModel.get(listed[0]["enrolment_id"]).account_id == account


def test_deadline_passed_closes_every_change(api: Api, g: dict[str, Any]) -> None:
    one = add(api, g, "宜川县", person("宜川县", 51)).data["enrolment_id"]
    shown = preview(api, g, "宜川县", xlsx(grid([person("宜川县", 52)])))
    # When the enrolment deadline has passed (a second after 23:59:59 on 26 October)
    clock.set_now(datetime(2026, 10, 26, 16, 0, 0, tzinfo=UTC))
    token = api.login(ADMINS["宜川县"], STRONG).data["token"]
    g["tokens"]["宜川县"] = token
    # Then adding, changing, removing, importing, committing and confirming are refused
    assert error_of(add(api, g, "宜川县", person("宜川县", 53))) == (409, "deadline_passed")
    assert error_of(api.call("PATCH", f"/enrolments/{one}", token, {"title": "x"})) == (
        409,
        "deadline_passed",
    )
    assert error_of(api.call("DELETE", f"/enrolments/{one}", token)) == (409, "deadline_passed")
    assert error_of(commit(api, g, "宜川县", shown.data["import_id"])) == (409, "deadline_passed")
    assert error_of(api.call("POST", f"/programmes/{g['pid']}/enrolment/confirm", token)) == (
        409,
        "deadline_passed",
    )
    assert len(people_of(api, g, "宜川县", token)) == 1


# --- reminders ---------------------------------------------------------------------------------


def test_county_admins_who_have_not_confirmed_are_reminded_3_and_1_days_before(
    api: Api, g: dict[str, Any]
) -> None:
    from chalicelib.jobs import JOBS

    # Given 绥德县 confirmed, the other two not
    assert add(api, g, "绥德县", person("绥德县", 61)).status_code == 201
    assert (
        api.call("POST", f"/programmes/{g['pid']}/enrolment/confirm", g["tokens"]["绥德县"]).status_code
        == 200
    )
    assert add(api, g, "延长县", person("延长县", 62)).status_code == 201

    def reminded(phone: str) -> list[str]:
        return [t for t in sms_to(phone) if "尚未确认报送" in t]

    # When the 09:00 job runs each day from the 22nd to the 26th of October
    sent = {}
    for day in range(22, 27):
        sent[day] = JOBS["reminders"](datetime(2026, 10, day, 1, 0, tzinfo=UTC)).get("enrolment", 0)
    # Then 3 days and 1 day before the 26th, the two unconfirmed counties' admins, once each day
    assert sent == {22: 0, 23: 2, 24: 0, 25: 2, 26: 0}
    assert len(reminded(ADMINS["延长县"])) == 2 and len(reminded(ADMINS["宜川县"])) == 2
    assert reminded(ADMINS["绥德县"]) == []
    assert (
        "已填报1人" in reminded(ADMINS["延长县"])[0] and "2026-10-26 23:59" in reminded(ADMINS["延长县"])[0]
    )
    assert JOBS["reminders"](datetime(2026, 10, 25, 1, 0, tzinfo=UTC)).get("enrolment", 0) == 0  # once a day


# --- bad files -----------------------------------------------------------------------------------


def _xlsx_bomb() -> bytes:
    import zipfile

    good = xlsx(grid([person("延长县", 1)]))
    source = zipfile.ZipFile(io.BytesIO(good))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in source.infolist():
            z.writestr(info.filename, source.read(info))
        # A shared-strings table of 80 MB in 80 KB
        z.writestr(
            "xl/sharedStrings.xml", b"<sst>" + (b"<si><t>" + b"A" * 2000 + b"</t></si>") * 40_000 + b"</sst>"
        )
    return out.getvalue()


def _far_cell() -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(HEADERS)
    book.active["XFD1048576"] = "x"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _merged_and_hidden() -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    book.active.title = "旧表"
    book.active.append(["这是隐藏的工作表"])
    book.active.sheet_state = "hidden"
    sheet = book.create_sheet("学员信息表")
    people = [person("延长县", n) for n in (1, 2, 3)]
    for values in grid(people):
        sheet.append(values)
    sheet["C5"], sheet["C6"] = None, None
    sheet.merge_cells("C4:C6")  # 所在地区（市） merged down the rows
    sheet.merge_cells("A1:N1")
    sheet["G4"] = "=1+1"  # a formula (no stored value): read as empty, never run
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


BAD_FILES = [
    ("a picture named .xlsx", b"\x89PNG\r\n\x1a\n" + b"\x00" * 200, XLSX, 422, "sheet_unreadable"),
    (
        "an .xls",
        bytes.fromhex("d0cf11e0a1b11ae1") + b"\x00" * 600,
        "application/vnd.ms-excel",
        422,
        "sheet_legacy",
    ),
    ("shared strings bomb", _xlsx_bomb(), XLSX, 413, "sheet_too_large"),
    ("a cell at XFD1048576", _far_cell(), XLSX, 413, "sheet_too_large"),
    ("latin-1 bytes", "姓名,身份证号\n".encode() + b"\xff\xfe\n", "text/csv", 422, "sheet_encoding"),
    ("headers only", csv_bytes([HEADERS]), "text/csv", 422, "sheet_empty"),
    ("no form at all", csv_bytes([["学号", "成绩"], ["1", "90"]]), "text/csv", 422, "sheet_headers"),
    (
        "a column missing",
        csv_bytes([[h for h in HEADERS if h != "QQ号*"], ["x"] * 12]),
        "text/csv",
        422,
        "sheet_headers",
    ),
]


@pytest.mark.parametrize(
    ("what", "data", "content_type", "status", "code"), BAD_FILES, ids=[b[0] for b in BAD_FILES]
)
def test_a_bad_file_gets_a_clear_chinese_error_and_writes_nothing(
    api: Api, g: dict[str, Any], what: str, data: bytes, content_type: str, status: int, code: str
) -> None:
    r = preview(api, g, "延长县", data, content_type)
    assert error_of(r) == (status, code), r.data
    assert any("\u4e00" <= ch <= "\u9fff" for ch in r.data["error"]["message"])
    assert people_of(api, g, "延长县") == [] and tally(g, "延长县").remaining == 85


def test_ten_thousand_and_one_rows_are_refused_whole(api: Api, g: dict[str, Any]) -> None:
    rows = [person("绥德县", n) for n in range(1, 10_002)]
    r = preview(api, g, "绥德县", csv_bytes(grid(rows)), "text/csv")
    assert error_of(r) == (413, "sheet_too_many_rows")
    assert people_of(api, g, "绥德县") == []


def test_merged_cells_hidden_sheets_and_formulas_are_read_as_a_person_sees_them(
    api: Api, g: dict[str, Any]
) -> None:
    shown = preview(api, g, "延长县", _merged_and_hidden())
    assert shown.status_code == 201, shown.data
    assert (shown.data["rows"], shown.data["new"], shown.data["errors"]) == (3, 3, [])
    commit(api, g, "延长县", shown.data["import_id"])
    listed = people_of(api, g, "延长县")
    assert [p["city"] for p in listed] == ["延安市"] * 3 and listed[0]["position"] is None


def test_an_id_number_saved_as_a_number_is_named_so(api: Api, g: dict[str, Any]) -> None:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(xlsx(grid([person("延长县", 1)]))))
    book.worksheets[0]["B4"] = float(book.worksheets[0]["B4"].value[:17])  # Excel's 6.10621E+17
    out = io.BytesIO()
    book.save(out)
    shown = preview(api, g, "延长县", out.getvalue())
    assert shown.data["errors"] == [
        {
            "row": 4,
            "column": "身份证号",
            "message": "身份证号被存成了数字，末几位已丢失：请将该列设为“文本”格式后重新填写",
        }
    ]


def test_only_county_admins_and_the_office_send_spreadsheets(api: Api, g: dict[str, Any]) -> None:
    # A trainee of the base-training flow may send pictures only; a county admin, up to 5 MB
    for n, p in enumerate([person("绥德县", 71)]):
        assert add(api, g, "绥德县", p).status_code == 201 and n == 0
    too_big = api.call(
        "POST", "/uploads", g["tokens"]["绥德县"], {"content_type": "text/csv", "size": 5 * 1024 * 1024 + 1}
    )
    assert error_of(too_big) == (413, "sheet_upload_too_large")
    # An upload of another account, or an image, is no form
    theirs = upload(api, g["tokens"]["宜川县"], csv_bytes(grid([person("宜川县", 1)])), "text/csv")
    mine = api.call(
        "POST", f"/programmes/{g['pid']}/enrolment-imports", g["tokens"]["绥德县"], {"upload_id": theirs}
    )
    assert error_of(mine) == (422, "upload_not_found")
    # A trainee (绥德县's, once the list is confirmed) may not send a spreadsheet of any kind,
    # though an image, yes
    confirmed = api.call("POST", f"/programmes/{g['pid']}/enrolment/confirm", g["tokens"]["绥德县"])
    assert confirmed.status_code == 200, confirmed.data
    trainee = api.ready_token(person("绥德县", 71)["phone"])
    for content_type in (XLSX, "text/csv", "application/vnd.ms-excel"):
        asked = api.call("POST", "/uploads", trainee, {"content_type": content_type, "size": 1000})
        assert error_of(asked) == (403, "forbidden"), content_type
    assert (
        api.call("POST", "/uploads", trainee, {"content_type": "image/png", "size": 1000}).status_code == 201
    )


# --- the office's export -----------------------------------------------------------------------


def test_the_office_exports_the_seeds_form_per_county_with_whole_id_numbers_on_the_record(
    api: Api, g: dict[str, Any]
) -> None:
    from openpyxl import load_workbook

    people = {c: [person(c, n) for n in (1, 2)] for c in ("延长县", "绥德县")}
    people["绥德县"].append(person("绥德县", 3, role="工作坊主持人"))
    for county, rows in people.items():
        import_file(api, g, county, xlsx(grid(rows)))
    started = api.call("POST", f"/programmes/{g['pid']}/exports", g["admin"], {"kind": "enrolment"})
    assert started.status_code == 202, started.data
    got = api.call("GET", f"/exports/{started.data['export_id']}", g["admin"])
    assert got.data["status"] == "ready", got.data
    book = load_workbook(io.BytesIO(download(got.data["url"])))
    # One sheet per county in pinyin order (suí, yán, yí), as the summary lists them; by
    # character code it would be 宜, 延, 绥
    assert book.sheetnames == ["绥德县", "延长县", "宜川县"]
    got = api.call("GET", f"/programmes/{g['pid']}/enrolment-summary", g["admin"])
    assert [i["region_name"] for i in got.data["items"]] == ["绥德县", "延长县", "宜川县"]
    sheet = book["绥德县"]
    assert sheet["A1"].value == TITLE
    assert sheet["A2"].value == "管理员姓名：绥德管理员"
    assert [sheet.cell(3, c).value for c in range(1, 14)] == HEADERS
    table = [list(r) for r in sheet.iter_rows(min_row=4, values_only=True) if r[0]]
    assert [(r[0], r[1], r[10], r[11], r[13]) for r in table] == [
        (p["name"], p["id_number"], p["stage"], p["subject"], p["role"] or "参训学员")
        for p in people["绥德县"]
    ]
    entries = list(AuditModel.query(f"programme#{g['pid']}"))
    assert [(e.action, e.reason) for e in entries] == [("export_id_numbers", started.data["export_id"])]
    # A base-training programme has no such export
    assert (
        api.call("POST", f"/programmes/{'0' * 32}/exports", g["admin"], {"kind": "enrolment"}).status_code
        == 404
    )


# --- hostile input to the enrolment routes of a real 国培 programme ---------------------------


def test_hostile_cells_and_ids_never_answer_500(api: Api, g: dict[str, Any]) -> None:
    from tests.integration.test_hostile_input import HOSTILE, JUNK_IDS, check

    token = g["tokens"]["绥德县"]
    one = add(api, g, "绥德县", person("绥德县", 81)).data["enrolment_id"]
    base = as_body(person("绥德县", 82))
    failures: list[str] = []
    for field in [*base, "role", "region_id", "county", "position", "email"]:
        for value in HOSTILE:
            body = json.dumps({**base, field: value}, ensure_ascii=False)
            r = api.call("POST", f"/programmes/{g['pid']}/enrolments", token, raw=body)
            check(r, f"POST enrolments {field}={value!r:.30}", failures)
            r = api.call(
                "PATCH", f"/enrolments/{one}", token, raw=json.dumps({field: value}, ensure_ascii=False)
            )
            check(r, f"PATCH {field}={value!r:.30}", failures)
    for value in HOSTILE:
        raw = json.dumps({"upload_id": value}, ensure_ascii=False)
        check(
            api.call("POST", f"/programmes/{g['pid']}/enrolment-imports", token, raw=raw),
            f"import {value!r:.30}",
            failures,
        )
        check(
            api.call("POST", f"/programmes/{g['pid']}/exclusions", g["admin"], raw=raw),
            f"exclusions {value!r:.30}",
            failures,
        )
    for junk in JUNK_IDS:
        for method, path in (
            ("GET", f"/enrolments/{junk}"),
            ("POST", f"/enrolments/{junk}/reveal"),
            ("POST", f"/enrolment-imports/{junk}/commit"),
            ("GET", f"/enrolment-imports/{junk}/errors.xlsx"),
            ("GET", f"/programmes/{g['pid']}/enrolment-template?region_id={junk}"),
            ("GET", f"/programmes/{g['pid']}/enrolments?region_id={junk}&role={junk}"),
        ):
            check(api.call(method, path, g["admin"]), f"{method} {path[:60]}", failures)
    assert not failures, "\n".join(failures[:40])
    # And the county's list holds only what was valid
    assert all(p["county"] == "绥德县" for p in people_of(api, g, "绥德县"))


# --- nothing personal in the logs ------------------------------------------------------------


def test_no_id_number_phone_or_name_in_any_log_line_of_the_enrolment_flow(
    api: Api, g: dict[str, Any]
) -> None:
    import logging

    from chalicelib.observability import logger
    from tests.integration.test_logs import _Everything

    buffer = io.StringIO()
    ours, rest = _Everything(buffer), _Everything(buffer)
    logger.addHandler(ours)
    root = logging.getLogger()
    level = root.level
    root.addHandler(rest)
    root.setLevel(logging.INFO)
    try:
        # Given a whole flow: one person added, a file with a bad row imported and committed,
        # a reveal, an exclusion list, a confirmation with its SMS
        people = [person("宜川县", n) for n in (91, 92, 93)]
        one = add(api, g, "宜川县", people[0]).data["enrolment_id"]
        shown = preview(api, g, "宜川县", xlsx(grid([people[1], {**people[2], "phone": "12345"}])))
        commit(api, g, "宜川县", shown.data["import_id"])
        api.call("POST", f"/enrolments/{one}/reveal", g["admin"])
        excluded = upload(
            api, g["admin"], csv_bytes([["身份证号"], [person("宜川县", 94)["id_number"]]]), "text/csv"
        )
        api.call("POST", f"/programmes/{g['pid']}/exclusions", g["admin"], {"upload_id": excluded})
        assert (
            api.call("POST", f"/programmes/{g['pid']}/enrolment/confirm", g["tokens"]["宜川县"]).status_code
            == 200
        )
    finally:
        logger.removeHandler(ours)  # type: ignore[attr-defined]
        root.removeHandler(rest)
        root.setLevel(level)
    logged = buffer.getvalue()
    # Then no ID number (nor its lower-case x), phone, QQ number or name is in any line
    assert "enrolled" in logged and "idnumberrevealed" in logged  # (the buffer drops spaces)
    for p in [*people, person("宜川县", 94)]:
        for value in (p["id_number"], p["id_number"].lower(), p["phone"], p["name"], p["qq"]):
            assert value not in logged, value
