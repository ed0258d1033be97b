"""国培 enrolment (API.md "国培 programme"): the county admin's 学员信息表 (template, import
with its preview and error workbook, commit, one person at a time, confirmation), the
office's summary, exclusion list and audited reveal, a school admin's own school."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalice.app import Blueprint

from chalicelib.api.errors import field_words
from chalicelib.api.routing import ADMIN, ANY_ACCOUNT, Call, route
from chalicelib.domain.records import Page, Session
from chalicelib.lazy import lazy_import
from chalicelib.schemas.common import shanghai
from chalicelib.schemas.enrolment import (
    CommitOut,
    CountySummaryOut,
    EnrolmentConfirmOut,
    EnrolmentIn,
    EnrolmentOut,
    EnrolmentPatch,
    ExclusionsOut,
    ImportIn,
    ImportOut,
    MyEnrolmentOut,
    RevealOut,
    RowErrorOut,
    UrlOut,
)

if TYPE_CHECKING:  # the real modules for mypy; at run time, loaded on first use (lazy.py)
    from chalicelib.services import enrolment, enrolment_confirmation, enrolment_forms, exclusions
    from chalicelib.services import enrolment_files as files
else:
    enrolment = lazy_import("chalicelib.services.enrolment")
    enrolment_confirmation = lazy_import("chalicelib.services.enrolment_confirmation")
    enrolment_forms = lazy_import("chalicelib.services.enrolment_forms")
    exclusions = lazy_import("chalicelib.services.exclusions")
    files = lazy_import("chalicelib.services.enrolment_files")

bp = Blueprint(__name__)
COUNTY = frozenset({"region_contact"})
WRITERS = ADMIN | COUNTY
READERS = WRITERS | {"school_admin"}


def row_errors(errors: list[Any]) -> list[RowErrorOut]:
    """A file's errors, each in the words of the one error table."""
    return [RowErrorOut(row=e.row, column=e.column, message=field_words(e.problem)) for e in errors]


def enrolment_out(session: Session, e: Any) -> EnrolmentOut:
    shown = enrolment.shown(session, e)
    return EnrolmentOut(
        **{k: v for k, v in shown.items() if k in EnrolmentOut.model_fields and k != "created_at"},
        has_account=e.account_id is not None,
        created_at=shanghai(e.created_at),
    )


@route(
    bp,
    "/programmes/{programme_id}/enrolment-template",
    roles=WRITERS,
    response=UrlOut,
    query=("region_id",),
    summary="学员信息表模板下载（.xlsx：标题行、管理员信息行、表头、学段学科下拉、本区县已填）",
)
def enrolment_template(call: Call, programme_id: str) -> UrlOut:
    return UrlOut(url=enrolment_forms.template(call.me, programme_id, call.query.get("region_id")))


@route(
    bp,
    "/programmes/{programme_id}/enrolment-imports",
    "POST",
    roles=COUNTY,
    body=ImportIn,
    response=ImportOut,
    status=201,
    summary="导入学员信息表（.xlsx 或 .csv）：预览，逐行逐列报错，尚未报名",
)
def preview_import(call: Call[ImportIn], programme_id: str) -> ImportOut:
    shown = files.preview(call.me, programme_id, call.body.upload_id)
    return ImportOut.model_validate({**shown, "errors": row_errors(shown["errors"])})


@route(
    bp,
    "/enrolment-imports/{import_id}/errors.xlsx",
    roles=COUNTY,
    response=UrlOut,
    summary="导入检查结果（原表加“错误说明”列，身份证号已隐去部分数字）",
)
def import_errors(call: Call, import_id: str) -> UrlOut:
    return UrlOut(url=files.errors_workbook(call.me, import_id, field_words))


@route(
    bp,
    "/enrolment-imports/{import_id}/commit",
    "POST",
    roles=COUNTY,
    response=CommitOut,
    summary="确认导入：报名全部无误的行（名额不足则一人不报，409 quota_exceeded）；重复提交不变",
)
def commit_import(call: Call, import_id: str) -> CommitOut:
    done = files.commit(call.me, import_id)
    return CommitOut.model_validate({**done, "errors": row_errors(done["errors"])})


@route(
    bp,
    "/programmes/{programme_id}/enrolments",
    "POST",
    roles=WRITERS,
    body=EnrolmentIn,
    response=EnrolmentOut,
    status=201,
    summary="添加一名人员（区县管理员：本区县；管理员须指定 region_id）",
)
def add_enrolment(call: Call[EnrolmentIn], programme_id: str) -> EnrolmentOut:
    return enrolment_out(call.me, enrolment.add(call.me, programme_id, call.body.model_dump()))


@route(
    bp,
    "/programmes/{programme_id}/enrolments",
    roles=READERS,
    response=EnrolmentOut,
    paged=True,
    query=("role", "stage", "subject", "region_id"),
    summary="学员名单（身份证号隐去部分数字；区县管理员：本区县；校级管理员：本校）",
)
def list_enrolments(call: Call, programme_id: str) -> Page[EnrolmentOut]:
    page = enrolment.list_people(call.me, programme_id, call.query, *call.page())
    return Page([enrolment_out(call.me, e) for e in page.items], page.next_cursor)


@route(
    bp,
    "/me/enrolments",
    roles=ANY_ACCOUNT,
    response=MyEnrolmentOut,
    paged=True,
    summary="我入选的国培项目（确认报送后）",
)
def my_enrolments(call: Call) -> Page[MyEnrolmentOut]:
    rows = [
        MyEnrolmentOut(
            **enrolment_out(call.me, e).model_dump(),
            programme_name=programme.name,
            region_name=region.name if region else "",
            start_date=programme.start_date,
            end_date=programme.end_date,
        )
        for e, programme, region in enrolment.mine(call.me)
    ]
    return call.page_of(rows)


@route(bp, "/enrolments/{enrolment_id}", roles=READERS, response=EnrolmentOut, summary="人员详情")
def get_enrolment(call: Call, enrolment_id: str) -> EnrolmentOut:
    return enrolment_out(call.me, enrolment.readable(call.me, enrolment_id))


@route(
    bp,
    "/enrolments/{enrolment_id}",
    "PATCH",
    roles=WRITERS,
    body=EnrolmentPatch,
    response=EnrolmentOut,
    summary="修改人员（确认报送后 409 enrolment_closed）",
)
def patch_enrolment(call: Call[EnrolmentPatch], enrolment_id: str) -> EnrolmentOut:
    changes = call.body.model_dump(exclude_unset=True)
    return enrolment_out(call.me, enrolment.change(call.me, enrolment_id, changes))


@route(bp, "/enrolments/{enrolment_id}", "DELETE", roles=WRITERS, status=204, summary="删除人员")
def delete_enrolment(call: Call, enrolment_id: str) -> None:
    enrolment.remove(call.me, enrolment_id)


@route(
    bp,
    "/enrolments/{enrolment_id}/reveal",
    "POST",
    roles=ADMIN,
    response=RevealOut,
    secret=True,
    summary="查看完整身份证号（仅管理员，留有记录）",
)
def reveal_id_number(call: Call, enrolment_id: str) -> RevealOut:
    return RevealOut(id_number=enrolment.reveal(call.me, enrolment_id))


@route(
    bp,
    "/programmes/{programme_id}/exclusions",
    "POST",
    roles=ADMIN,
    body=ImportIn,
    response=ExclusionsOut,
    status=201,
    summary="排除名单：上传含“身份证号”列的表（往期项目人员不得报名）",
)
def add_exclusions(call: Call[ImportIn], programme_id: str) -> ExclusionsOut:
    done = exclusions.exclude(call.me, programme_id, call.body.upload_id)
    return ExclusionsOut.model_validate({**done, "errors": row_errors(done["errors"])})


@route(
    bp,
    "/programmes/{programme_id}/enrolment/confirm",
    "POST",
    roles=COUNTY,
    response=EnrolmentConfirmOut,
    query=("region_id",),
    summary="确认报送：关闭本区县名单，为每人开通账号并短信发送账号密码",
)
def confirm_enrolment(call: Call, programme_id: str) -> EnrolmentConfirmOut:
    return EnrolmentConfirmOut.model_validate(
        enrolment_confirmation.confirm(call.me, programme_id, call.query.get("region_id"))
    )


@route(
    bp,
    "/programmes/{programme_id}/enrolment-summary",
    roles=WRITERS,
    response=CountySummaryOut,
    paged=True,
    summary="各区县报名汇总（管理员：全部区县；区县管理员：本区县）",
)
def enrolment_summary(call: Call, programme_id: str) -> Page[CountySummaryOut]:
    return call.page_of(
        [CountySummaryOut.model_validate(c) for c in enrolment.summary(call.me, programme_id)]
    )
