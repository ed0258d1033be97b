"""Demand, the demand form and the allocation."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints

from chalicelib.domain.demand import REMARK_MAX
from chalicelib.domain.vocab import Stage, StudyType
from chalicelib.schemas.common import Input, Instant, Output

Id = Annotated[str, StringConstraints(min_length=1, max_length=64)]


class DemandLineIn(Input):
    stage: Stage
    places: int = Field(ge=1, le=1000)
    # Characters, not bytes: 30 Chinese characters are 30 (the seed's 30个字以内).
    remark: Annotated[str, StringConstraints(max_length=REMARK_MAX)] | None = None


class DemandIn(Input):
    multiline = frozenset({"purpose"})
    study_type: StudyType
    purpose: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
    items: list[DemandLineIn] = Field(min_length=1, max_length=4)
    region_id: Id | None = Field(default=None, description="only for a contact of several regions")


class DemandCreatedOut(Output):
    demand_id: str
    status: str
    submitted_at: Instant
    places: int


class DemandLineOut(Output):
    stage: str
    places: int
    remark: str | None
    batches_allocated: int
    seats_allocated: int = 0


class DemandOut(Output):
    demand_id: str
    region_id: str
    study_type: str
    purpose: str
    places: int
    items: list[DemandLineOut]
    status: str = Field(description="pending | approved | returned | partially_allocated | allocated")
    submitted_at: Instant
    reason: str | None = Field(default=None, description="why the office returned it (退回)")
    reviewed_at: Instant | None = None


class StageAvailabilityOut(Output):
    stage: str
    availability: str = Field(description="ample | limited | none (名额充足 / 名额适量 / 无名额)")
    open_places: int


class DemandFormOut(Output):
    programme_id: str
    region_id: str
    remaining_places: int
    deadline: Instant
    deadline_passed: bool
    programme_open: bool = Field(default=True, description="false for a draft: no demand yet")
    stages: list[StageAvailabilityOut]


class AllocationIn(Input):
    commit: bool = False
    # A preview's plan_id: the commit applies exactly that plan (a batch given away by hand
    # since is reported unmet, taken_concurrently). Without it, the commit plans afresh.
    plan_id: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{32}$")] | None = None


class AssignmentOut(Output):
    batch_id: str
    region_id: str
    demand_id: str
    stage: str
    study_type_matched: bool
    seats: int = Field(default=0, description="the batch's capacity")


class UnmetOut(Output):
    demand_id: str
    region_id: str
    stage: str
    places: int
    batches_needed: int
    batches_assigned: int
    seats_assigned: int = Field(default=0, description="seats held and assigned, against places")
    reason: str = Field(description="no_batches_for_stage | taken_by_earlier_demands | taken_concurrently")


class AllocationOut(Output):
    committed: bool
    assignments: list[AssignmentOut]
    unmet: list[UnmetOut]
    plan_id: str | None = None  # a preview's, to commit exactly this plan


class BatchRegionIn(Input):
    region_id: Id
