"""A workshop's assignments: the host sets them, members submit (on time or late), the host
grades with a suggestion, and picks the excellent outcomes into the collection that the
county's 成果册 is built from."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalice.app import Blueprint

from chalicelib.api.routing import Call, route
from chalicelib.api.workshops import EVERYONE, HOST, MEMBER, images_out
from chalicelib.domain.records import Page
from chalicelib.domain.workshops import Assignment, Submission, Workshop
from chalicelib.lazy import lazy_import
from chalicelib.schemas.common import shanghai
from chalicelib.schemas.workshops import (
    CollectionIn,
    CollectionOut,
    GradeIn,
    SubmissionIn,
    SubmissionOut,
    WorkshopAssignmentIn,
    WorkshopAssignmentOut,
)

if TYPE_CHECKING:  # the real modules for mypy; at run time, loaded on first use (lazy.py)
    from chalicelib.services import artifacts
    from chalicelib.services import workshop_assignments as work
else:
    artifacts = lazy_import("chalicelib.services.artifacts")
    work = lazy_import("chalicelib.services.workshop_assignments")

bp = Blueprint(__name__)


def assignment_out(a: Assignment) -> WorkshopAssignmentOut:
    return WorkshopAssignmentOut(
        assignment_id=a.assignment_id,
        workshop_id=a.workshop_id,
        title=a.title,
        description=a.description,
        due_at=shanghai(a.due_at),
        closed=a.closed_at is not None,
        created_at=shanghai(a.created_at),
    )


def submission_out(s: Submission) -> SubmissionOut:
    return SubmissionOut(
        submission_id=s.submission_id,
        assignment_id=s.assignment_id,
        workshop_id=s.workshop_id,
        enrolment_id=s.enrolment_id,
        author_name=s.author_name,
        body=artifacts.with_image_urls(s.body),
        images=images_out(s.image_ids),
        submitted_at=shanghai(s.submitted_at),
        late=s.late,
        version=s.version,
        score=s.score,
        suggestion=s.suggestion,
        graded_at=shanghai(s.graded_at),
    )


@route(
    bp,
    "/workshops/{workshop_id}/assignments",
    "POST",
    roles=HOST,
    body=WorkshopAssignmentIn,
    response=WorkshopAssignmentOut,
    status=201,
    summary="布置作业（截止时间在项目时间内）",
)
def set_assignment(call: Call[WorkshopAssignmentIn], workshop_id: str) -> WorkshopAssignmentOut:
    return assignment_out(work.set_assignment(call.me, workshop_id, call.body))


@route(
    bp,
    "/workshops/{workshop_id}/assignments",
    roles=EVERYONE,
    response=WorkshopAssignmentOut,
    paged=True,
    summary="工作坊作业",
)
def list_assignments(call: Call, workshop_id: str) -> Page[WorkshopAssignmentOut]:
    return call.page_of([assignment_out(a) for a in work.assignments(call.me, workshop_id)])


@route(
    bp,
    "/assignments/{assignment_id}/close",
    "POST",
    roles=HOST,
    response=WorkshopAssignmentOut,
    summary="结束作业提交（之后提交为 409 assignment_closed）",
)
def close_assignment(call: Call, assignment_id: str) -> WorkshopAssignmentOut:
    return assignment_out(work.close_assignment(call.me, assignment_id))


@route(
    bp,
    "/assignments/{assignment_id}/submissions",
    "POST",
    roles=MEMBER,
    body=SubmissionIn,
    response=SubmissionOut,
    status=201,
    summary="提交作业（富文本与图片，不超过10000字；批改前可重新提交；截止后提交标为迟交）",
)
def submit(call: Call[SubmissionIn], assignment_id: str) -> SubmissionOut:
    return submission_out(work.submit(call.me, assignment_id, call.body.body, call.body.image_ids))


@route(
    bp,
    "/assignments/{assignment_id}/submissions",
    roles=EVERYONE,
    response=SubmissionOut,
    paged=True,
    summary="作业提交（主持人：全部；学员：自己的）",
)
def list_submissions(call: Call, assignment_id: str) -> Page[SubmissionOut]:
    return call.page_of([submission_out(s) for s in work.submissions(call.me, assignment_id)])


@route(
    bp,
    "/submissions/{submission_id}",
    roles=EVERYONE,
    response=SubmissionOut,
    summary="一份作业提交及其批改",
)
def get_submission(call: Call, submission_id: str) -> SubmissionOut:
    return submission_out(work.submission(call.me, submission_id))


@route(
    bp,
    "/submissions/{submission_id}/grade",
    "PUT",
    roles=HOST,
    body=GradeIn,
    response=SubmissionOut,
    summary="批改作业：分数（0–100）与改进提升建议",
)
def grade(call: Call[GradeIn], submission_id: str) -> SubmissionOut:
    done = work.grade(call.me, submission_id, call.body.score, call.body.suggestion)
    return submission_out(done)


def collection_out(w: Workshop, picked: list[Submission]) -> CollectionOut:
    return CollectionOut(
        workshop_id=w.workshop_id, foreword=w.foreword, submissions=[submission_out(s) for s in picked]
    )


@route(
    bp,
    "/workshops/{workshop_id}/collection",
    "PUT",
    roles=HOST,
    body=CollectionIn,
    response=CollectionOut,
    summary="优秀成果集：选入已批改的作业并撰写前言（主持人）",
)
def set_collection(call: Call[CollectionIn], workshop_id: str) -> CollectionOut:
    body = call.body
    return collection_out(*work.set_collection(call.me, workshop_id, body.submission_ids, body.foreword))


@route(
    bp,
    "/workshops/{workshop_id}/collection",
    roles=EVERYONE,
    response=CollectionOut,
    summary="工作坊优秀成果集",
)
def get_collection(call: Call, workshop_id: str) -> CollectionOut:
    return collection_out(*work.collection(call.me, workshop_id))
