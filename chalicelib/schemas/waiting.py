"""The waiting list (候补)."""

from __future__ import annotations

from datetime import date

from pydantic import Field

from chalicelib.schemas.common import Instant, Output


class OfferOut(Output):
    offer_id: str
    batch_id: str
    region_id: str
    demand_id: str
    stage: str
    status: str = Field(
        description="open | accepted | declined | expired | withdrawn (its demand returned or served)"
    )
    created_at: Instant
    expires_at: Instant = Field(description="48 hours to answer (not past the roster deadline)")
    answered_at: Instant | None = None
    base_name: str = ""
    start_date: date | None = None
    end_date: date | None = None
    capacity: int = 0
    study_type: str = ""
