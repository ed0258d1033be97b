"""国培 enrolment (学员信息表): request and response bodies. The cells' rules (ID numbers,
phones, 学段 and 学科 in Chinese or as codes, the county) are domain rules
(domain/enrolment.py), checked by the service with the admin's county and the programme's
start date; here only shape and length."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from chalicelib.schemas.common import Input, Instant, Output

Cell = Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)]
Short = Annotated[str, StringConstraints(strip_whitespace=True, max_length=40)]
Id = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{32}$")]
Role = Literal["trainee", "workshop_host", "school_admin"]


class EnrolmentIn(Input):
    region_id: Annotated[str, StringConstraints(min_length=1, max_length=64)] | None = Field(
        default=None, description="the county (the office names it; a county admin's own by default)"
    )
    name: Cell = Field(description="姓名")
    id_number: Short = Field(description="身份证号: 18 characters, GB 11643 check digit")
    city: Cell = Field(description="所在地区（市）")
    county: Cell | None = Field(default=None, description="所在地区（县）: the admin's county (filled in)")
    unit: Cell = Field(description="单位")
    title: Cell = Field(description="职称")
    position: Cell | None = Field(default=None, description="职务")
    phone: Short = Field(description="联系方式: a mainland mobile")
    qq: Short = Field(description="QQ号: 5-11 digits, no leading 0")
    email: Annotated[str, StringConstraints(strip_whitespace=True, max_length=254)] | None = None
    stage: Short = Field(description="primary | junior (小学 | 初中)")
    subject: Short = Field(description="chinese | math | english (语文 | 数学 | 英语)")
    campus: Cell = Field(description="所属校区")
    role: Role = "trainee"


class EnrolmentPatch(Input):
    name: Cell | None = None
    id_number: Short | None = None
    city: Cell | None = None
    unit: Cell | None = None
    title: Cell | None = None
    position: Cell | None = None
    phone: Short | None = None
    qq: Short | None = None
    email: Annotated[str, StringConstraints(strip_whitespace=True, max_length=254)] | None = None
    stage: Short | None = None
    subject: Short | None = None
    campus: Cell | None = None
    role: Role | None = None


class EnrolmentOut(Output):
    enrolment_id: str
    programme_id: str
    region_id: str
    name: str
    id_number: str = Field(description="masked: 6127**********123X")
    city: str
    county: str
    unit: str
    title: str
    position: str | None = None
    phone: str
    qq: str
    email: str | None = None
    stage: str
    subject: str
    campus: str
    role: str
    has_account: bool = Field(description="the county's confirmation opened (or found) the person's account")
    row: int | None = Field(default=None, description="the row of the file it was imported from")
    created_at: Instant


class MyEnrolmentOut(EnrolmentOut):
    programme_name: str
    region_name: str
    start_date: date | None = Field(default=None, description="the programme's first day")
    end_date: date | None = Field(default=None, description="the programme's last day")


class RevealOut(Output):
    id_number: str


class UrlOut(Output):
    url: str = Field(description="a short-lived link")


class ImportIn(Input):
    upload_id: Id


class RowErrorOut(Output):
    row: int = Field(description="as the spreadsheet shows it (the template's data from row 4)")
    column: str = Field(description="the column's Chinese header, e.g. 身份证号")
    message: str


class ImportOut(Output):
    import_id: str
    rows: int = Field(description="the file's data rows")
    valid: int = Field(description="rows without an error (already enrolled ones included)")
    new: int = Field(description="rows the commit would enrol")
    new_trainees: int = Field(description="of those, the trainees (they count against the places)")
    already_enrolled: list[int] = Field(description="rows on the county's list already: not errors")
    error_count: int
    errors: list[RowErrorOut] = Field(description="the first 500; the error workbook has all")


class CommitOut(Output):
    import_id: str
    enrolled: int
    already_enrolled: list[int]
    error_count: int
    errors: list[RowErrorOut]


class ExcludedEnrolledOut(Output):
    row: int
    enrolment_id: str
    region_id: str
    region_name: str
    name: str


class ExclusionsOut(Output):
    rows: int
    excluded: int = Field(description="ID numbers newly on the list")
    already_excluded: int
    enrolled: list[ExcludedEnrolledOut] = Field(description="already on a county's list: not excluded")
    error_count: int
    errors: list[RowErrorOut]


class EnrolmentConfirmOut(Output):
    region_id: str
    confirmed: bool
    people: int
    accounts_provisioned: int
    sms_sent: int = Field(description="credentials sent within the request")
    sms_queued: int = Field(description="credentials in the outbox: sent within minutes by its drain")


class CountySummaryOut(Output):
    region_id: str
    region_name: str
    places: int
    enrolled: int = Field(description="trainees on the list (what counts against places)")
    by_stage_subject: dict[str, int] = Field(description='trainees by "stage/subject", e.g. "primary/math"')
    by_role: dict[str, int]
    confirmed: bool
    confirmed_at: Instant | None = None
