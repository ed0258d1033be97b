"""分享报告: the region's contact records each trainee's report after the batch."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalice.app import Blueprint

from chalicelib.api.routing import ADMIN, Call, route
from chalicelib.domain.records import Page
from chalicelib.lazy import lazy_import
from chalicelib.schemas.sharing import SharingReportIn, SharingReportOut, SharingRowOut

if TYPE_CHECKING:  # the real modules for mypy; at run time, loaded on first use (lazy.py)
    from chalicelib.services import sharing
else:
    sharing = lazy_import("chalicelib.services.sharing")

bp = Blueprint(__name__)
REGION = frozenset({"region_contact"})


@route(
    bp,
    "/trainees/{trainee_id}/sharing-report",
    "PUT",
    roles=REGION,
    body=SharingReportIn,
    response=SharingReportOut,
    summary="记录研修人员的分享报告（研修结束后三个月内；日期、听众人数、简述、照片）",
)
def record(call: Call[SharingReportIn], trainee_id: str) -> SharingReportOut:
    b = call.body
    report = sharing.record(call.me, trainee_id, b.date, b.audience, b.note, b.image_ids)
    return SharingReportOut.model_validate(sharing.with_urls(report))


@route(
    bp,
    "/programmes/{programme_id}/sharing-reports",
    roles=REGION | ADMIN,
    response=SharingRowOut,
    paged=True,
    query=("region_id",),
    summary="分享报告：本实验区各研修人员的分享报告及期限（管理员须指定实验区）",
)
def listing(call: Call, programme_id: str) -> Page[SharingRowOut]:
    rows = sharing.listing(call.me, programme_id, call.query.get("region_id"))
    return call.page_of([SharingRowOut.model_validate(r) for r in rows])
