"""分享报告."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import Field, StringConstraints

from chalicelib.domain.sharing import AUDIENCE_MAX, MAX_IMAGES, NOTE_MAX
from chalicelib.schemas.common import Input, Instant, Output

Id = Annotated[str, StringConstraints(min_length=1, max_length=64)]


class SharingReportIn(Input):
    multiline = frozenset({"note"})
    date: dt.date = Field(description="the day the report was given (YYYY-MM-DD)")
    audience: int = Field(ge=1, le=AUDIENCE_MAX, description="how many listened")
    note: Annotated[str, StringConstraints(strip_whitespace=True, max_length=NOTE_MAX)] | None = None
    image_ids: list[Id] = Field(default_factory=list, max_length=MAX_IMAGES)


class SharingReportOut(Output):
    trainee_id: str
    batch_id: str
    date: dt.date
    audience: int
    note: str | None
    image_ids: list[str]
    image_urls: list[str] = Field(description="short-lived links to the photos")
    recorded_at: Instant
    updated_at: Instant


class SharingReportBody(Output):
    date: dt.date
    audience: int
    note: str | None
    image_ids: list[str]
    image_urls: list[str]
    recorded_at: Instant
    updated_at: Instant


class SharingRowOut(Output):
    trainee_id: str
    name: str
    batch_id: str
    base_name: str
    start_date: dt.date
    end_date: dt.date
    window_closes: dt.date = Field(description="the last day a report may be held")
    window_open: bool
    report: SharingReportBody | None
