"""Uploads, artifacts and the showcase."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from chalicelib.schemas.common import Input, Instant, Output

ImageId = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{32}$")]
Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
# The body's own limit is on its text after sanitising (10,000 characters); this bounds the markup.
Body = Annotated[str, StringConstraints(max_length=200_000)]


class UploadIn(Input):
    content_type: str = Field(
        description="image/png | image/jpeg | image/webp | image/gif; a spreadsheet: "
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet | text/csv "
        "| application/vnd.ms-excel"
    )
    size: int = Field(ge=1, description="bytes; at most 10 MB (an image), 5 MB (a spreadsheet)")


class UploadOut(Output):
    upload_id: str
    url: str
    fields: dict[str, str]
    expires_in: int


class ArtifactIn(Input):
    multiline = frozenset({"body"})
    batch_id: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    kind: Literal["reflection", "insight", "outcome"]
    title: Title
    body: Body
    image_ids: list[ImageId] = Field(default_factory=list, max_length=20)


class ArtifactPatch(Input):
    multiline = frozenset({"body"})
    version: int = Field(ge=1, description="the version read; a stale one is 409 stale_version")
    title: Title | None = None
    body: Body | None = None
    image_ids: list[ImageId] | None = Field(default=None, max_length=20)


class ImageOut(Output):
    upload_id: str
    url: str


class ArtifactOut(Output):
    artifact_id: str
    batch_id: str
    programme_id: str
    programme_name: str
    kind: str
    kind_name: str
    title: str
    body: str
    images: list[ImageOut]
    author_name: str
    region_name: str
    base_name: str
    start_date: date
    end_date: date
    version: int
    created_at: Instant
    updated_at: Instant
    featured: bool
    deleted_at: Instant | None = None
    notice: str | None = Field(default=None, description="what the author should know of this change")


class MyArtifactOut(Output):
    """The seed's table: 项目, 文件名称, 文件类型, 培训日期, 上传时间."""

    artifact_id: str
    programme_name: str
    title: str
    kind: str
    kind_name: str
    start_date: date
    end_date: date
    created_at: Instant
    updated_at: Instant
    version: int


class ShowcaseOut(Output):
    artifact_id: str
    programme_id: str
    kind: str
    title: str
    body: str = Field(description="sanitised HTML; images as short-lived links")
    author_name: str
    region_name: str
    images: list[ImageOut]


class FeatureIn(Input):
    version: int | None = Field(
        default=None, ge=1, description="the version the office read: a newer one is 409 stale_version"
    )


class FeaturedOut(Output):
    artifact_id: str
    featured: bool
