"""The office's set-up: programmes, regions, bases, batches, quotas."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import AwareDatetime, Field, StringConstraints, field_validator, model_validator
from pydantic_core import PydanticCustomError

from chalicelib.domain import programmes as rules
from chalicelib.domain.vocab import ProgrammeKind, Stage, StudyType
from chalicelib.schemas.common import Contact, Input, Instant, Output, Text

AcademicYear = Annotated[str, StringConstraints(pattern=r"^[0-9]{4}-[0-9]{4}$")]


class ProgrammeIn(Input):
    name: Text
    kind: ProgrammeKind
    academic_year: AcademicYear
    # base_training: the three deadlines; guopei: enrolment_deadline, start_date, end_date
    # instead (the service says which are missing or do not belong, 422).
    demand_deadline: AwareDatetime | None = None
    roster_deadline: AwareDatetime | None = None
    registration_deadline: AwareDatetime | None = None
    outcome_window_days: int = Field(default=90, ge=1, le=366)
    default_places: int = Field(default=35, ge=0, le=1000, description="35; a guopei programme's is 0")
    enrolment_deadline: AwareDatetime | None = Field(default=None, description="guopei: county lists close")
    start_date: date | None = Field(default=None, description="guopei")
    end_date: date | None = Field(default=None, description="guopei")
    # A draft opens later (POST /programmes/{id}/open); otherwise it opens now, every region's
    # contact told by SMS and e-mail.
    draft: bool = False
    # Deadline order and batch date order are domain rules (domain/programmes.py), checked by
    # the service so that a PATCH is held to them too.

    @model_validator(mode="after")
    def _guopei_places(self) -> ProgrammeIn:
        # Only counties given a quota take part in a 国培 programme
        if self.kind == ProgrammeKind.guopei and "default_places" not in self.model_fields_set:
            self.default_places = 0
        return self


class ProgrammePatch(Input):
    name: Text | None = None
    academic_year: AcademicYear | None = None
    demand_deadline: AwareDatetime | None = None
    roster_deadline: AwareDatetime | None = None
    registration_deadline: AwareDatetime | None = None
    outcome_window_days: int | None = Field(default=None, ge=1, le=366)
    default_places: int | None = Field(default=None, ge=0, le=1000)
    enrolment_deadline: AwareDatetime | None = None
    start_date: date | None = None
    end_date: date | None = None


class ProgrammeOut(Output):
    programme_id: str
    name: str
    kind: str
    academic_year: str
    demand_deadline: Instant
    roster_deadline: Instant
    registration_deadline: Instant
    outcome_window_days: int
    default_places: int
    created_at: Instant
    draft: bool = False
    opened_at: Instant | None = None
    enrolment_deadline: Instant | None = None
    start_date: date | None = None
    end_date: date | None = None


class RegionContact(Contact):
    unit: Text | None = Field(default=None, description="单位 (a county admin's, on the 学员信息表)")


class RegionIn(Input):
    name: Text
    contact: RegionContact


class ContactOut(Output):
    account_id: str
    name: str
    phone: str
    unit: str | None = None


class RegionOut(Output):
    region_id: str
    name: str
    contact: ContactOut
    created_at: Instant


class BaseIn(Input):
    name: Text
    stages: list[Stage] = Field(min_length=1, max_length=4)
    city: Text
    contact: Contact

    @field_validator("stages")
    @classmethod
    def _distinct_stages(cls, stages: list[Stage]) -> list[Stage]:
        if len(set(stages)) != len(stages):
            raise PydanticCustomError("stages_repeated", "stages_repeated")
        return stages


class BaseOut(Output):
    base_id: str
    name: str
    city: str
    stages: list[str]
    contact: ContactOut
    created_at: Instant


class BatchIn(Input):
    base_id: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    stage: Stage
    start_date: date
    end_date: date
    capacity: int = Field(default=5, ge=rules.MIN_CAPACITY, le=rules.MAX_CAPACITY)
    study_type: StudyType
    lodging: bool = False
    lodging_address: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] | None = None
    lodging_notes: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)] | None = None
    multiline = frozenset({"lodging_notes"})


class BatchOut(Output):
    batch_id: str
    programme_id: str
    base_id: str
    stage: str
    start_date: date
    end_date: date
    capacity: int
    study_type: str
    lodging: bool
    lodging_address: str | None = None
    lodging_notes: str | None = None
    region_id: str | None
    trainee_count: int
    roster_status: str


class QuotaIn(Input):
    places: int = Field(ge=0, le=1000)


class QuotaOut(Output):
    programme_id: str
    region_id: str
    places: int
    requested: int
