"""The published yearbook."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints

from chalicelib.schemas.common import Input, Instant, Output


class PublishIn(Input):
    export_id: Annotated[str, StringConstraints(min_length=1, max_length=64)]


class PublishedOut(Output):
    programme_id: str
    export_id: str
    published_at: Instant


class YearbookOut(Output):
    published: bool = Field(description="false until the office publishes one (then no links)")
    url: str | None = None
    index_url: str | None = None
    published_at: Instant | None = None
