"""The year-end evaluation and rewards."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints

from chalicelib.schemas.common import Input, Output

Id = Annotated[str, StringConstraints(min_length=1, max_length=64)]


class RankedRegionOut(Output):
    rank: int
    region_id: str
    region_name: str
    score: float = Field(description="weights in chalicelib/domain/evaluation.py")
    registration_rate: float
    checkin_rate: float
    reflections_per_trainee: float
    outcome_rate: float
    trainees: int


class RewardIn(Input):
    region_ids: list[Id] = Field(min_length=1, max_length=10)
    next_programme_id: Id


class RewardOut(Output):
    programme_id: str
    next_programme_id: str
    region_ids: list[str]
    places_added: int
