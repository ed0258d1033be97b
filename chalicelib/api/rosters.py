"""Rosters and attendance: the region contact's roster, the office's unlock and replacement,
the base contact's view and feedback, the trainee's registration and check-ins, the
archive and its exports."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalice.app import Blueprint

from chalicelib.api.admin import batch_out
from chalicelib.api.routing import ADMIN, Call, route
from chalicelib.domain.records import Page, Session, Trainee
from chalicelib.lazy import lazy_import
from chalicelib.schemas.common import shanghai
from chalicelib.schemas.rosters import (
    ArchiveBatchOut,
    AuditOut,
    BaseBatchOut,
    BatchArchiveOut,
    CheckinOut,
    ConfirmOut,
    ExportIn,
    ExportOut,
    FeedbackIn,
    MyBatchOut,
    ReasonIn,
    RegistrationOut,
    ReplacementIn,
    TraineeIn,
    TraineeOut,
    TraineePatch,
)
from chalicelib.schemas.setup import BatchOut

if TYPE_CHECKING:  # the real modules for mypy; at run time, loaded on first use (lazy.py)
    from chalicelib.services import archive, attendance, confirmation, exports, roster_office, rosters
else:
    rosters = lazy_import("chalicelib.services.rosters")
    confirmation = lazy_import("chalicelib.services.confirmation")
    roster_office = lazy_import("chalicelib.services.roster_office")
    attendance = lazy_import("chalicelib.services.attendance")
    archive = lazy_import("chalicelib.services.archive")
    exports = lazy_import("chalicelib.services.exports")

bp = Blueprint(__name__)
REGION = frozenset({"region_contact"})
BASE = frozenset({"base_contact"})
TRAINEE = frozenset({"trainee"})
READERS = ADMIN | REGION | BASE
# A trainee passes the role check of a batch's reads and then finds no batch (404): another
# batch's roster is not theirs to know of (their own batches: GET /me/batches).
BATCH_READERS = READERS | TRAINEE


def trainee_out(session: Session, t: Trainee) -> TraineeOut:
    """The record as it is, but the phone and e-mail as this caller may see them."""
    shown = {"phone": rosters.show_phone(session, t), "email": rosters.show_email(session, t)}
    return TraineeOut.model_validate(t).model_copy(update={**shown, "checkins": sorted(t.checkins)})


# --- the region contact's roster --------------------------------------------------------------


@route(
    bp,
    "/batches/{batch_id}/trainees",
    "POST",
    roles=REGION,
    body=TraineeIn,
    response=TraineeOut,
    status=201,
    summary="添加研修人员（不超过批次名额；名单确认后不可修改）",
)
def add_trainee(call: Call[TraineeIn], batch_id: str) -> TraineeOut:
    return trainee_out(call.me, rosters.add(call.me, batch_id, call.body.model_dump()))


@route(
    bp,
    "/batches/{batch_id}/trainees",
    roles=BATCH_READERS,
    response=TraineeOut,
    paged=True,
    summary="批次研修人员名单",
)
def list_trainees(call: Call, batch_id: str) -> Page[TraineeOut]:
    return call.page_of([trainee_out(call.me, t) for t in rosters.roster(call.me, batch_id)])


@route(bp, "/trainees/{trainee_id}", roles=BATCH_READERS, response=TraineeOut, summary="查看研修人员")
def get_trainee(call: Call, trainee_id: str) -> TraineeOut:
    return trainee_out(call.me, rosters.readable_trainee(call.me, trainee_id)[0])


@route(
    bp,
    "/trainees/{trainee_id}",
    "PATCH",
    roles=REGION,
    body=TraineePatch,
    response=TraineeOut,
    summary="修改研修人员",
)
def patch_trainee(call: Call[TraineePatch], trainee_id: str) -> TraineeOut:
    changes = call.body.model_dump(exclude_unset=True, exclude_none=True)
    return trainee_out(call.me, rosters.change(call.me, trainee_id, changes))


@route(bp, "/trainees/{trainee_id}", "DELETE", roles=REGION, status=204, summary="删除研修人员")
def delete_trainee(call: Call, trainee_id: str) -> None:
    rosters.remove(call.me, trainee_id)


@route(
    bp,
    "/batches/{batch_id}/roster/confirm",
    "POST",
    roles=REGION,
    response=ConfirmOut,
    summary="最终确认名单：锁定名单，为研修人员开通账号并短信发送（重复调用不再发送）",
)
def confirm_roster(call: Call, batch_id: str) -> ConfirmOut:
    return ConfirmOut.model_validate(confirmation.confirm(call.me, batch_id))


# --- the office ------------------------------------------------------------------------------


@route(
    bp,
    "/batches/{batch_id}/roster/unlock",
    "POST",
    roles=ADMIN,
    body=ReasonIn,
    response=BatchOut,
    summary="重新开放已确认的名单（记录原因）",
)
def unlock_roster(call: Call[ReasonIn], batch_id: str) -> BatchOut:
    return batch_out(roster_office.unlock(call.me, batch_id, call.body.reason))


@route(
    bp,
    "/trainees/{trainee_id}/replacement",
    "POST",
    roles=ADMIN,
    body=ReplacementIn,
    response=TraineeOut,
    status=201,
    summary="更换一名研修人员（记录原因；已确认的名单为新人员开通账号）",
)
def replace_trainee(call: Call[ReplacementIn], trainee_id: str) -> TraineeOut:
    new = roster_office.replace_trainee(call.me, trainee_id, call.body.reason, call.body.trainee.model_dump())
    return trainee_out(call.me, new)


@route(
    bp, "/batches/{batch_id}/roster/audit", roles=ADMIN, response=AuditOut, paged=True, summary="名单变更记录"
)
def roster_audit(call: Call, batch_id: str) -> Page[AuditOut]:
    return call.page_of([AuditOut.model_validate(e) for e in roster_office.audit(call.me, batch_id)])


# --- the base contact ------------------------------------------------------------------------


@route(
    bp,
    "/bases/{base_id}/batches",
    roles=BASE | ADMIN,
    response=BaseBatchOut,
    paged=True,
    summary="本基地的批次与名单（只读）",
)
def base_batches(call: Call, base_id: str) -> Page[BaseBatchOut]:
    out = []
    for row in attendance.base_batches(call.me, base_id):
        b = row["batch"]
        out.append(
            BaseBatchOut(
                batch_id=b.batch_id,
                programme_id=b.programme_id,
                stage=b.stage,
                start_date=b.start_date,
                end_date=b.end_date,
                region_id=b.region_id,
                region_name=row["region_name"],
                roster_status=b.roster_status,
                trainees=[trainee_out(call.me, t) for t in row["trainees"]],
                **row["brief"],
            )
        )
    return call.page_of(out)


@route(
    bp,
    "/trainees/{trainee_id}/feedback",
    "PUT",
    roles=BASE,
    body=FeedbackIn,
    response=TraineeOut,
    summary="基地对研修人员的反馈",
)
def put_feedback(call: Call[FeedbackIn], trainee_id: str) -> TraineeOut:
    return trainee_out(call.me, attendance.feedback(call.me, trainee_id, call.body.text))


# --- the trainee --------------------------------------------------------------------------------


@route(bp, "/me/batches", roles=TRAINEE, response=MyBatchOut, paged=True, summary="我的研修批次")
def my_batches(call: Call) -> Page[MyBatchOut]:
    return call.page_of(
        [
            MyBatchOut(
                batch_id=b.batch_id,
                programme_id=b.programme_id,
                base_id=b.base_id,
                base_name=name,
                stage=b.stage,
                start_date=b.start_date,
                end_date=b.end_date,
                team_role=t.team_role,
                registered_at=shanghai(t.registered_at),
                checkins=sorted(t.checkins),
            )
            for t, b, name in attendance.my_batches(call.me)
        ]
    )


@route(
    bp,
    "/batches/{batch_id}/registration",
    "POST",
    roles=TRAINEE,
    response=RegistrationOut,
    summary="报到（报到截止前；重复报到不改变任何数据）",
)
def register(call: Call, batch_id: str) -> RegistrationOut:
    t = attendance.register(call.me, batch_id)
    return RegistrationOut(
        batch_id=t.batch_id, trainee_id=t.trainee_id, registered_at=shanghai(t.registered_at)
    )


@route(
    bp,
    "/batches/{batch_id}/checkins",
    "POST",
    roles=TRAINEE,
    response=CheckinOut,
    summary="今日签到（北京时间；仅在批次日期内；每天一次）",
)
def check_in(call: Call, batch_id: str) -> CheckinOut:
    t, day = attendance.check_in(call.me, batch_id)
    return CheckinOut(batch_id=t.batch_id, date=day, checkins=sorted(t.checkins))


# --- the archive and exports ------------------------------------------------------------------


@route(
    bp,
    "/programmes/{programme_id}/archive",
    roles=ADMIN | REGION,
    response=ArchiveBatchOut,
    paged=True,
    query=("region_id",),
    summary="研修档案：各批次报到、签到、心得与成果（实验区联系人只见本区）",
)
def programme_archive(call: Call, programme_id: str) -> Page[ArchiveBatchOut]:
    rows = archive.programme_archive(call.me, programme_id, call.query.get("region_id"))
    return call.page_of([ArchiveBatchOut.model_validate(r) for r in rows])


@route(
    bp,
    "/batches/{batch_id}/archive",
    roles=BATCH_READERS,
    response=BatchArchiveOut,
    summary="批次研修档案：每位研修人员的报到、签到与成果",
)
def batch_archive(call: Call, batch_id: str) -> BatchArchiveOut:
    batch, trainees = archive.batch_archive(call.me, batch_id)
    [summary] = archive.programme_archive_rows([batch])
    return BatchArchiveOut.model_validate({"batch": summary, "trainees": trainees})


@route(
    bp,
    "/programmes/{programme_id}/exports",
    "POST",
    roles=ADMIN | REGION,
    body=ExportIn,
    response=ExportOut,
    status=202,
    summary="导出名单或档案（xlsx）；GET /exports/{export_id} 取下载链接",
)
def start_export(call: Call[ExportIn], programme_id: str) -> ExportOut:
    export = exports.request(call.me, programme_id, call.body.kind, call.body.region_id)
    return ExportOut(export_id=export.export_id, kind=export.kind, status=export.status)


@route(bp, "/exports/{export_id}", roles=ADMIN | REGION, response=ExportOut, summary="导出状态与下载链接")
def get_export(call: Call, export_id: str) -> ExportOut:
    export, url, index_url = exports.link(call.me, export_id)
    return ExportOut(
        export_id=export.export_id, kind=export.kind, status=export.status, url=url, index_url=index_url
    )
