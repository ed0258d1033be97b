"""Image uploads, artifacts, the showcase."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalice.app import Blueprint

from chalicelib.api.routing import ADMIN, ANY_ACCOUNT, PUBLIC, Call, route
from chalicelib.domain.artifacts import KIND_NAMES_ZH, UNFEATURED_NOTICE
from chalicelib.domain.records import Artifact, Page
from chalicelib.lazy import lazy_import
from chalicelib.schemas.artifacts import (
    ArtifactIn,
    ArtifactOut,
    ArtifactPatch,
    FeaturedOut,
    FeatureIn,
    ImageOut,
    MyArtifactOut,
    ShowcaseOut,
    UploadIn,
    UploadOut,
)
from chalicelib.schemas.common import shanghai

if TYPE_CHECKING:  # the real modules for mypy; at run time, loaded on first use (lazy.py)
    from chalicelib.services import artifacts, uploads
else:
    artifacts = lazy_import("chalicelib.services.artifacts")
    uploads = lazy_import("chalicelib.services.uploads")

bp = Blueprint(__name__)
TRAINEE = frozenset({"trainee"})
READERS = ANY_ACCOUNT


def _images(a: Artifact) -> list[ImageOut]:
    return [ImageOut(upload_id=i, url=uploads.image_url(i)) for i in a.image_ids]


def artifact_out(a: Artifact) -> ArtifactOut:
    return ArtifactOut(
        artifact_id=a.artifact_id,
        batch_id=a.batch_id,
        programme_id=a.programme_id,
        programme_name=a.programme_name,
        kind=a.kind,
        kind_name=KIND_NAMES_ZH[a.kind],
        title=a.title,
        body=artifacts.with_image_urls(a.body),
        images=_images(a),
        author_name=a.author_name,
        region_name=a.region_name,
        base_name=a.base_name,
        start_date=a.start_date,
        end_date=a.end_date,
        version=a.version,
        created_at=shanghai(a.created_at),
        updated_at=shanghai(a.updated_at),
        featured=a.featured,
        deleted_at=shanghai(a.deleted_at),
    )


@route(
    bp,
    "/uploads",
    "POST",
    roles=TRAINEE
    | {"region_contact", "admin"},  # region contacts: the photos of a 分享报告; the office: spreadsheets
    body=UploadIn,
    response=UploadOut,
    status=201,
    summary="上传一张图片（png/jpeg/webp/gif，≤10 MB）或一个表格（区县管理员、管理员：.xlsx/.csv，≤5 MB）："
    "返回 S3 预签名 POST，5 分钟内有效",
)
def start_upload(call: Call[UploadIn]) -> UploadOut:
    upload, post = uploads.start(call.me, call.body.content_type, call.body.size)
    return UploadOut(upload_id=upload.upload_id, url=post["url"], fields=post["fields"], expires_in=300)


@route(
    bp,
    "/artifacts",
    "POST",
    roles=TRAINEE,
    body=ArtifactIn,
    response=ArtifactOut,
    status=201,
    summary="上传心得体会、学习感悟或学习成果（成果须在批次结束后、成果期限内）",
)
def create_artifact(call: Call[ArtifactIn]) -> ArtifactOut:
    return artifact_out(artifacts.create(call.me, call.body))


@route(
    bp, "/me/artifacts", roles=TRAINEE, response=MyArtifactOut, paged=True, summary="我的心得体会与学习成果"
)
def my_artifacts(call: Call) -> Page[MyArtifactOut]:
    page = artifacts.mine(call.me, *call.page())
    return Page(
        [
            MyArtifactOut(
                artifact_id=a.artifact_id,
                programme_name=a.programme_name,
                title=a.title,
                kind=a.kind,
                kind_name=KIND_NAMES_ZH[a.kind],
                start_date=a.start_date,
                end_date=a.end_date,
                created_at=shanghai(a.created_at),
                updated_at=shanghai(a.updated_at),
                version=a.version,
            )
            for a in page.items
        ],
        page.next_cursor,
    )


@route(
    bp,
    "/artifacts/{artifact_id}",
    roles=READERS,
    response=ArtifactOut,
    summary="查看（作者、本区联系人、本基地联系人、中心办公室）",
)
def get_artifact(call: Call, artifact_id: str) -> ArtifactOut:
    return artifact_out(artifacts.visible(call.me, artifact_id))


@route(
    bp,
    "/artifacts/{artifact_id}",
    "PATCH",
    roles=TRAINEE,
    body=ArtifactPatch,
    response=ArtifactOut,
    summary="修改（作者；保留旧版本；版本号过期为 409 stale_version）",
)
def patch_artifact(call: Call[ArtifactPatch], artifact_id: str) -> ArtifactOut:
    changes = call.body.model_dump(exclude_unset=True, exclude_none=True, exclude={"version"})
    new, was_featured = artifacts.modify(call.me, artifact_id, call.body.version, changes)
    out = artifact_out(new)
    out.notice = UNFEATURED_NOTICE if was_featured else None
    return out


@route(
    bp,
    "/artifacts/{artifact_id}",
    "DELETE",
    roles=TRAINEE,
    status=204,
    summary="删除（作者；30 天内中心办公室可恢复）",
)
def delete_artifact(call: Call, artifact_id: str) -> None:
    artifacts.delete(call.me, artifact_id)


@route(
    bp,
    "/artifacts/{artifact_id}/restore",
    "POST",
    roles=ADMIN,
    response=ArtifactOut,
    summary="恢复 30 天内删除的内容",
)
def restore_artifact(call: Call, artifact_id: str) -> ArtifactOut:
    return artifact_out(artifacts.restore(artifact_id))


@route(
    bp,
    "/artifacts/{artifact_id}/featured",
    "PUT",
    roles=ADMIN,
    body=FeatureIn,
    response=FeaturedOut,
    summary="择优展示（带上所读的 version：作者其后改过则 409 stale_version）",
)
def feature(call: Call[FeatureIn], artifact_id: str) -> FeaturedOut:
    a = artifacts.feature(artifact_id, True, call.body.version)
    return FeaturedOut(artifact_id=a.artifact_id, featured=True)


@route(
    bp, "/artifacts/{artifact_id}/featured", "DELETE", roles=ADMIN, response=FeaturedOut, summary="取消展示"
)
def unfeature(call: Call, artifact_id: str) -> FeaturedOut:
    return FeaturedOut(artifact_id=artifacts.feature(artifact_id, False, None).artifact_id, featured=False)


@route(
    bp,
    "/showcase",
    roles=PUBLIC,
    response=ShowcaseOut,
    paged=True,
    query=("programme_id",),
    summary="择优展示（公开）",
)
def showcase(call: Call) -> Page[ShowcaseOut]:
    page = artifacts.showcase(call.query.get("programme_id"), *call.page())
    return Page(
        [
            ShowcaseOut(
                artifact_id=a.artifact_id,
                programme_id=a.programme_id,
                kind=a.kind,
                title=a.title,
                body=artifacts.with_image_urls(a.body),
                author_name=a.author_name,
                region_name=a.region_name,
                images=_images(a),
            )
            for a in page.items
        ],
        page.next_cursor,
    )
