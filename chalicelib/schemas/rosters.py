"""Rosters, attendance, the base's view, the archive and exports."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from chalicelib.schemas.common import Email, Input, Instant, Output, Phone, Text

Short = Annotated[str, StringConstraints(strip_whitespace=True, max_length=50)]


class TraineeIn(Input):
    name: Text
    gender: Literal["male", "female"]
    position: Short | None = None
    phone: Phone
    email: Email | None = None
    unit: Text
    subject: Short | None = None
    team_role: Literal["leader", "member"]


class TraineePatch(Input):
    name: Text | None = None
    gender: Literal["male", "female"] | None = None
    position: Short | None = None
    phone: Phone | None = None
    email: Email | None = None
    unit: Text | None = None
    subject: Short | None = None
    team_role: Literal["leader", "member"] | None = None


class TraineeOut(Output):
    trainee_id: str
    batch_id: str
    name: str
    gender: str
    position: str | None
    phone: str = Field(description="whole for the office and the region contact, masked for others")
    email: str | None
    unit: str
    subject: str | None
    team_role: str
    registered_at: Instant | None
    checkins: list[str]
    feedback: str | None


class ReasonIn(Input):
    multiline = frozenset({"reason"})
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class ReplacementIn(Input):
    multiline = frozenset({"reason"})
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    trainee: TraineeIn


class ConfirmOut(Output):
    batch_id: str
    roster_status: str
    trainees: int
    accounts_provisioned: int
    changed: bool


class AuditOut(Output):
    actor_id: str
    action: str
    reason: str
    at: Instant
    before: str | None
    after: str | None


class RegistrationOut(Output):
    batch_id: str
    trainee_id: str
    registered_at: Instant


class CheckinOut(Output):
    batch_id: str
    date: date
    checkins: list[str]


class MyBatchOut(Output):
    batch_id: str
    programme_id: str
    base_id: str
    base_name: str
    stage: str
    start_date: date
    end_date: date
    team_role: str
    registered_at: Instant | None
    checkins: list[str]


class LeaderContactOut(Output):
    name: str
    phone: str
    email: str | None = Field(default=None, description="masked for the base")


class BaseBatchOut(Output):
    batch_id: str
    programme_id: str
    stage: str
    start_date: date
    end_date: date
    region_id: str | None
    region_name: str
    roster_status: str
    trainees: list[TraineeOut]
    # What the base knows before the batch comes (issue 13 part 3)
    study_type: str = Field(default="", description="placement (挂职学习) | exchange (交换学习)")
    purpose: str | None = Field(default=None, description="the region's 研修学习目的")
    remark: str | None = Field(default=None, description="the region's 备注 for this stage")
    lodging: bool = False
    lodging_address: str | None = None
    lodging_notes: str | None = None
    leader: LeaderContactOut | None = Field(default=None, description="the 团长's contact")


class FeedbackIn(Input):
    multiline = frozenset({"text"})
    text: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]


class ArchiveBatchOut(Output):
    batch_id: str
    base_id: str
    base_name: str
    region_id: str | None
    region_name: str
    stage: str
    start_date: date
    end_date: date
    roster_status: str
    trainees: int
    registered: int
    session_days: int
    checkin_days: int = Field(description="check-ins of all trainees, in trainee-days")
    checkin_rate: float
    artifacts: int
    uploaders: int = Field(description="trainees with at least one piece (心得体会, 学习感悟 or 成果)")
    upload_rate: float = Field(description="uploaders / trainees")


class ArchiveArtifactOut(Output):
    artifact_id: str
    kind: str
    title: str
    created_at: Instant
    featured: bool
    # Only the office sees deleted ones (to restore within 30 days); others never see them.
    deleted_at: Instant | None = None


class ArchiveTraineeOut(Output):
    trainee_id: str
    name: str
    team_role: str
    registered_at: Instant | None
    checkins: list[str]
    checkin_days: int
    session_days: int
    artifacts: int
    # What the trainee wrote, to open with GET /artifacts/{artifact_id} (and feature or restore)
    artifact_list: list[ArchiveArtifactOut] = []


class BatchArchiveOut(Output):
    batch: ArchiveBatchOut
    trainees: list[ArchiveTraineeOut]


class ExportIn(Input):
    kind: Literal["roster", "archive", "yearbook", "enrolment", "numbers", "county_book", "survey"]
    region_id: Annotated[str, StringConstraints(min_length=1, max_length=64)] | None = None


class ExportOut(Output):
    export_id: str
    kind: str
    status: str = Field(description="pending | ready | failed")
    url: str | None = None
    index_url: str | None = Field(default=None, description="the yearbook's .xlsx index")
