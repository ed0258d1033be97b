"""国培 workshops (工作坊): the workshop and its members, the plan, announcements,
assignments and submissions, discussions, offline activities, briefings."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import AwareDatetime, Field, StringConstraints

from chalicelib.domain import workshops as rules
from chalicelib.schemas.artifacts import Body, ImageId, ImageOut, Title
from chalicelib.schemas.common import Input, Instant, Output

Id = Annotated[str, StringConstraints(min_length=1, max_length=64)]
# An item's id is its parents' ids and its own (domain/workshops.py): a submission's is three
ItemId = Annotated[str, StringConstraints(min_length=1, max_length=200)]


Theme = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=rules.THEME_MAX)]
PlanText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=rules.PLAN_MAX)]
Notice = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=rules.TEXT_MAX)]
Suggestion = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=rules.SUGGESTION_MAX)
]
Place = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class WorkshopIn(Input):
    name: Title
    region_id: Id | None = Field(default=None, description="the county; the office names it")
    stage: Literal["primary", "junior"]
    subject: Literal["chinese", "math", "english"]
    host_enrolment_id: Id = Field(description="a confirmed 工作坊主持人 of the county")


class MembersIn(Input):
    enrolment_ids: list[Id] = Field(max_length=rules.MEMBERS_MAX)


class PlanIn(Input):
    multiline = frozenset({"plan"})
    theme: Theme
    plan: PlanText


class MemberOut(Output):
    enrolment_id: str
    name: str
    unit: str


class WorkshopOut(Output):
    workshop_id: str
    programme_id: str
    region_id: str
    name: str
    stage: str
    subject: str
    host_enrolment_id: str
    host_name: str
    theme: str | None
    plan: str | None
    member_count: int
    briefings: int
    briefings_short: bool = Field(description="true under 2 简报")
    submissions: int
    graded: int
    backlog: int = Field(description="submissions waiting for a grade")
    turnaround_hours: float | None = Field(description="mean hours from submission to grade")
    created_at: Instant


class WorkshopDetailOut(WorkshopOut):
    members: list[MemberOut]


class AnnouncementIn(Input):
    multiline = frozenset({"text"})
    text: Notice
    sms: bool = False


class AnnouncementOut(Output):
    announcement_id: str
    workshop_id: str
    text: str
    sms: bool
    recipients: int = Field(description="SMS recorded in the outbox")
    created_at: Instant


class WorkshopAssignmentIn(Input):
    multiline = frozenset({"description"})
    title: Title
    description: PlanText
    due_at: AwareDatetime


class WorkshopAssignmentOut(Output):
    assignment_id: str
    workshop_id: str
    title: str
    description: str
    due_at: Instant
    closed: bool
    created_at: Instant


class SubmissionIn(Input):
    multiline = frozenset({"body"})
    body: Body
    image_ids: list[ImageId] = Field(default_factory=list, max_length=20)


class GradeIn(Input):
    multiline = frozenset({"suggestion"})
    score: int = Field(ge=rules.SCORE_MIN, le=rules.SCORE_MAX)
    suggestion: Suggestion


class SubmissionOut(Output):
    submission_id: str
    assignment_id: str
    workshop_id: str
    enrolment_id: str
    author_name: str
    body: str
    images: list[ImageOut]
    submitted_at: Instant
    late: bool
    version: int
    score: int | None
    suggestion: str | None
    graded_at: Instant | None


class TopicIn(Input):
    multiline = frozenset({"body"})
    title: Title
    body: Body


class TopicOut(Output):
    topic_id: str
    workshop_id: str
    title: str
    body: str
    author_name: str
    replies: int
    created_at: Instant


class ReplyIn(Input):
    multiline = frozenset({"body"})
    body: Body


class HideIn(Input):
    reason: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] = ""


class ReplyOut(Output):
    reply_id: str
    topic_id: str
    author_name: str
    body: str
    hidden: bool
    created_at: Instant


class ActivityIn(Input):
    title: Title
    date: date
    place: Place


class ActivityOut(Output):
    activity_id: str
    workshop_id: str
    title: str
    date: date
    place: str
    checkins: int
    checked_in: bool = Field(description="the caller (a member) has checked in")


class BriefingIn(Input):
    multiline = frozenset({"body"})
    title: Title
    body: Body
    image_ids: list[ImageId] = Field(default_factory=list, max_length=20)


class BriefingOut(Output):
    briefing_id: str
    workshop_id: str
    title: str
    body: str
    images: list[ImageOut]
    created_at: Instant


class CollectionIn(Input):
    multiline = frozenset({"foreword"})
    submission_ids: list[ItemId] = Field(max_length=100, description="graded, in order")
    foreword: PlanText


class CollectionOut(Output):
    workshop_id: str
    foreword: str | None
    submissions: list[SubmissionOut]


class WorkshopEvaluationOut(Output):
    workshop_id: str
    name: str
    host_name: str
    members: int
    active: int
    hours: float
    submitted: int
    graded: int
    turnaround_hours: float | None
    briefings: int
    briefings_short: bool
    collection: int = Field(description="submissions in its 优秀成果集")


class CountyEvaluationOut(Output):
    region_id: str
    region_name: str
    enrolled: int
    active: int = Field(description="trainees who completed a course or submitted an assignment")
    hours: float
    submitted: int
    graded: int
    turnaround_hours: float | None
    briefings: int
    workshops_short_of_briefings: int
    collections: int = Field(description="workshops with an 优秀成果集")
    survey_responses: int
    survey_response_rate: float | None
    workshops: list[WorkshopEvaluationOut]
