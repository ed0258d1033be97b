"""The yearbook (汇编成册) goes out: published by the office, downloaded by every contact."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalice.app import Blueprint

from chalicelib.api.routing import ADMIN, Call, route
from chalicelib.lazy import lazy_import
from chalicelib.schemas.common import shanghai
from chalicelib.schemas.yearbook import PublishedOut, PublishIn, YearbookOut

if TYPE_CHECKING:  # the real modules for mypy; at run time, loaded on first use (lazy.py)
    from chalicelib.services import publishing
else:
    publishing = lazy_import("chalicelib.services.publishing")

bp = Blueprint(__name__)
READERS = ADMIN | {"region_contact", "base_contact"}


@route(
    bp,
    "/programmes/{programme_id}/yearbook/publish",
    "POST",
    roles=ADMIN,
    body=PublishIn,
    response=PublishedOut,
    summary="发布学习成果汇编（一份已生成的导出）：各实验区和研修基地可下载，并以邮件通知",
)
def publish(call: Call[PublishIn], programme_id: str) -> PublishedOut:
    p = publishing.publish(call.me, programme_id, call.body.export_id)
    return PublishedOut(programme_id=programme_id, export_id=p.export_id, published_at=shanghai(p.at))


@route(
    bp,
    "/programmes/{programme_id}/yearbook",
    roles=READERS,
    response=YearbookOut,
    summary="下载已发布的学习成果汇编（短时有效的链接；未发布时 published=false）",
)
def download(call: Call, programme_id: str) -> YearbookOut:
    found = publishing.download(call.me, programme_id)
    if found is None:
        return YearbookOut(published=False)
    url, index_url, at = found
    return YearbookOut(published=True, url=url, index_url=index_url, published_at=shanghai(at))
