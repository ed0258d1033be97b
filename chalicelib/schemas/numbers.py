"""The office's numbers: the ledger, supply against demand, the funnel."""

from __future__ import annotations

from pydantic import Field

from chalicelib.schemas.common import Output


class LedgerRowOut(Output):
    region_id: str
    region_name: str
    academic_year: str
    base_places: int = Field(description="the quota without the reward places")
    reward_places: int = Field(description="研训名额奖励 added to the quota")
    asked: int = Field(description="what the region's live demands ask for")
    allocated_seats: int = Field(description="the seats of the batches allocated to it")
    allocated_batches: int
    seated: int = Field(description="people named on its rosters")
    remaining: int = Field(description="places not asked for")


class SupplyRowOut(Output):
    stage: str
    batches: int
    seats: int
    asked: int
    allocated_batches: int
    allocated_seats: int


class FunnelStepOut(Output):
    step: str = Field(
        description="allocated | named | confirmed | registered | checked_in | reflections | outcomes"
        " | sharing_reports"
    )
    label: str
    count: int


class FunnelOut(Output):
    programme_id: str
    region_id: str | None
    steps: list[FunnelStepOut]
