"""国培 workshops (工作坊), in plain Python: who may be placed in one, what an item id says
about its workshop, when a submission is late, what an activity's check-in day is, the
grading backlog and turnaround, and the briefings a workshop still owes.

Every item of a workshop (an assignment, a topic, an activity, an announcement) has an id
that starts with its workshop's id: `<workshop_id>-<own id>`, and a submission's or a reply's
starts with its assignment's or topic's. A route given any of them finds the workshop with one
GetItem, strongly consistent, and no index."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from chalicelib.domain.errors import ConflictError, NotFoundError, ValidationFailedError, problem

BRIEFINGS_REQUIRED = 2  # the seed: 撰写并发布不少于2期的工作坊简报
SCORE_MIN, SCORE_MAX = 0, 100
TITLE_MAX = 100
TEXT_MAX = 2000  # an announcement, a plan's theme is shorter (THEME_MAX)
THEME_MAX = 200
PLAN_MAX = 10_000
SUGGESTION_MAX = 2000
MEMBERS_MAX = 200

_ID = re.compile(r"[0-9a-f]{32}")


def child_id(parent_id: str, own_id: str) -> str:
    """The id of an item under `parent_id` (a workshop, an assignment, a topic)."""
    return f"{parent_id}-{own_id}"


def parts_of(item_id: str, depth: int, not_found: str) -> list[str]:
    """The ids an item id is made of (the workshop's first), or 404 `not_found` for anything
    that is not `depth` ids joined by dashes."""
    parts = item_id.split("-")
    if len(parts) != depth or not all(_ID.fullmatch(p) for p in parts):
        raise NotFoundError(not_found)
    return parts


@dataclass(frozen=True)
class Workshop:
    workshop_id: str
    programme_id: str
    region_id: str
    name: str
    stage: str
    subject: str
    host_enrolment_id: str
    host_account_id: str
    host_name: str
    created_at: datetime
    theme: str | None = None
    plan: str | None = None
    plan_updated_at: datetime | None = None
    members: int = 0
    briefings: int = 0
    submissions: int = 0
    graded: int = 0
    grading_seconds: int = 0
    foreword: str | None = None
    collection: tuple[str, ...] = ()


@dataclass(frozen=True)
class Member:
    workshop_id: str
    enrolment_id: str
    account_id: str
    name: str
    unit: str


@dataclass(frozen=True)
class Assignment:
    assignment_id: str
    workshop_id: str
    title: str
    description: str
    due_at: datetime
    created_at: datetime
    closed_at: datetime | None = None


@dataclass(frozen=True)
class Submission:
    submission_id: str
    assignment_id: str
    workshop_id: str
    enrolment_id: str
    account_id: str
    author_name: str
    body: str
    image_ids: tuple[str, ...]
    submitted_at: datetime
    first_submitted_at: datetime
    late: bool
    version: int = 1
    score: int | None = None
    suggestion: str | None = None
    graded_at: datetime | None = None


@dataclass(frozen=True)
class Announcement:
    announcement_id: str
    workshop_id: str
    text: str
    sms: bool
    created_at: datetime
    recipients: int = 0


@dataclass(frozen=True)
class Topic:
    topic_id: str
    workshop_id: str
    title: str
    body: str
    author_name: str
    created_at: datetime
    replies: int = 0


@dataclass(frozen=True)
class Reply:
    reply_id: str
    topic_id: str
    workshop_id: str
    author_id: str
    author_name: str
    body: str
    created_at: datetime
    hidden_at: datetime | None = None
    hidden_by: str | None = None


@dataclass(frozen=True)
class Activity:
    activity_id: str
    workshop_id: str
    title: str
    date: date
    place: str
    created_at: datetime
    checkins: int = 0


@dataclass(frozen=True)
class Briefing:
    briefing_id: str
    workshop_id: str
    title: str
    body: str
    image_ids: tuple[str, ...]
    created_at: datetime


@dataclass(frozen=True)
class Candidate:
    """A person the county admin would place in a workshop, as their enrolment says."""

    enrolment_id: str
    region_id: str
    role: str
    stage: str
    subject: str
    account_id: str | None


@dataclass
class Placement:
    """A workshop's members to add and to remove, after the checks."""

    add: list[str] = field(default_factory=list)
    remove: list[str] = field(default_factory=list)


# --- rules ------------------------------------------------------------------------------------


def check_host(host: Candidate | None, programme_id: str, region_id: str, host_programme: str | None) -> None:
    """The host is a confirmed 工作坊主持人 of the workshop's own county (422 otherwise)."""
    if host is None or host_programme != programme_id:
        raise ValidationFailedError(fields={"host_enrolment_id": problem("host_not_found")})
    if host.region_id != region_id:
        raise ValidationFailedError(fields={"host_enrolment_id": problem("host_of_another_county")})
    if host.role != "workshop_host":
        raise ValidationFailedError(fields={"host_enrolment_id": problem("not_a_host")})
    if host.account_id is None:
        raise ValidationFailedError(fields={"host_enrolment_id": problem("not_confirmed")})


def check_members(
    wanted: list[str],
    found: dict[str, Candidate],
    region_id: str,
    stage: str,
    subject: str,
) -> None:
    """Each one a confirmed trainee of the workshop's county, 学段 and 学科 (422 naming them)."""
    if len(set(wanted)) > MEMBERS_MAX:
        raise ValidationFailedError(fields={"enrolment_ids": problem("too_many_members", limit=MEMBERS_MAX)})
    fields = {}
    for enrolment_id in dict.fromkeys(wanted):
        c = found.get(enrolment_id)
        if c is None or c.region_id != region_id:
            fields[enrolment_id] = problem("member_not_in_county")
        elif c.role != "trainee":
            fields[enrolment_id] = problem("member_not_trainee")
        elif c.stage != stage or c.subject != subject:
            fields[enrolment_id] = problem("member_other_stage_subject")
        elif c.account_id is None:
            fields[enrolment_id] = problem("not_confirmed")
    if fields:
        raise ValidationFailedError(fields=fields)


def placement(current: Iterable[str], wanted: Iterable[str]) -> Placement:
    now, then = set(current), list(dict.fromkeys(wanted))
    return Placement(add=[e for e in then if e not in now], remove=sorted(now - set(then)))


def check_in_term(day: date, start: date, end: date, field_name: str) -> None:
    """Activities and due times fall inside the programme's start_date..end_date (422)."""
    if not start <= day <= end:
        raise ValidationFailedError(
            fields={field_name: problem("outside_term", start=start.isoformat(), end=end.isoformat())}
        )


def is_late(submitted_at: datetime, due_at: datetime) -> bool:
    return submitted_at > due_at


def check_open(a: Assignment) -> None:
    if a.closed_at is not None:
        raise ConflictError("assignment_closed")


def check_score(score: int) -> None:
    if not SCORE_MIN <= score <= SCORE_MAX:
        raise ValidationFailedError(fields={"score": problem("score_range")})


def check_checkin_day(activity_day: date, today: date) -> None:
    if today != activity_day:
        raise ConflictError("not_activity_day")


def backlog(w: Workshop) -> int:
    """Submissions waiting for a grade."""
    return max(0, w.submissions - w.graded)


def turnaround_hours(w: Workshop) -> float | None:
    """The mean time from a submission's first arrival to its grade, in hours."""
    if w.graded == 0:
        return None
    return round(w.grading_seconds / w.graded / 3600, 1)


def briefings_short(w: Workshop) -> bool:
    return w.briefings < BRIEFINGS_REQUIRED


def preview(text: str, limit: int = 40) -> str:
    """The first characters of an announcement, for its SMS."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def announcement_sms(workshop: str, host: str, text: str, site: str) -> str:
    return (
        f"【研修平台】工作坊“{workshop}”的坊主{host}发布了通知：“{preview(text)}”。"
        f"请登录 {site} 在“我的工作坊”中查看。"
    )


def briefing_reminder(host: str, workshop: str, written: int, end: date, site: str) -> str:
    return (
        f"【研修平台】{host}您好，工作坊“{workshop}”已发布简报{written}期，按要求不少于"
        f"{BRIEFINGS_REQUIRED}期，请在{end.month}月{end.day}日项目结束前发布。请登录 {site} 在“简报”中发布。"
    )
