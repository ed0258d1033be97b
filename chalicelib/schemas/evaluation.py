"""The year-end evaluation and rewards."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints

from chalicelib.schemas.common import Input, Instant, Output

Id = Annotated[str, StringConstraints(min_length=1, max_length=64)]


class MeasuresOut(Output):
    organisation: float = Field(description="组织管理, 0–100")
    sharing: float = Field(description="汇报交流, 0–100")
    outcomes: float = Field(description="成果运用, 0–100")
    visit: float = Field(description="综合调研, 0–100 (the office's score)")


class WeightsOut(Output):
    organisation: int
    sharing: int
    outcomes: int
    visit: int


class WeightsIn(Input):
    organisation: int = Field(ge=0, le=100)
    sharing: int = Field(ge=0, le=100)
    outcomes: int = Field(ge=0, le=100)
    visit: int = Field(ge=0, le=100)


class RankedRegionOut(Output):
    rank: int
    region_id: str
    region_name: str
    score: float = Field(description="Σ weight × measure / Σ weight, 0–100 (domain/year_end.py)")
    measures: MeasuresOut
    weights: WeightsOut = Field(description="the programme's weights, as used")
    visit_comment: str | None = None
    registration_rate: float
    checkin_rate: float
    reflections_per_trainee: float
    outcome_rate: float
    trainees: int
    demand_in_time: bool = False
    batches: int = 0
    rosters_confirmed: int = 0
    sharing_reports: int = 0
    featured: int = Field(default=0, description="trainees with featured work")


class VisitIn(Input):
    multiline = frozenset({"comment"})
    score: float = Field(ge=0, le=100)
    comment: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)] | None = None


class VisitOut(Output):
    programme_id: str
    region_id: str
    score: float
    comment: str | None
    scored_at: Instant


class RewardIn(Input):
    region_ids: list[Id] = Field(min_length=1, max_length=10)
    next_programme_id: Id


class RewardOut(Output):
    programme_id: str
    next_programme_id: str
    region_ids: list[str]
    places_added: int
