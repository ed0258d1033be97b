"""The published yearbook."""

from __future__ import annotations

from typing import Annotated

from pydantic import StringConstraints

from chalicelib.schemas.common import Input, Output


class PublishIn(Input):
    export_id: Annotated[str, StringConstraints(min_length=1, max_length=64)]


class PublishedOut(Output):
    programme_id: str
    export_id: str
    published_at: str


class YearbookOut(Output):
    url: str
    index_url: str | None = None
    published_at: str
