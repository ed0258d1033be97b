"""A workshop's assignments (the host's), members' submissions (late after the due time), the
host's grades with a suggestion, and the collection of excellent outcomes the county's
成果册 is built from (services/county_book.py)."""

from __future__ import annotations

from typing import Any

from chalicelib.adapters import clock, secrets
from chalicelib.db import workshop_assignments
from chalicelib.db import workshops as store
from chalicelib.domain import workshops as rules
from chalicelib.domain.deadlines import local_day
from chalicelib.domain.errors import NotFoundError, ValidationFailedError, problem
from chalicelib.domain.records import Session
from chalicelib.domain.workshops import (
    Assignment,
    Submission,
    Workshop,
)
from chalicelib.observability import count
from chalicelib.services import artifacts as artifact_service
from chalicelib.services.enrolment import programme_of
from chalicelib.services.workshops import (
    COUNTY,
    HOST,
    MEMBER,
    OFFICE,
    Seat,
    parent_of,
    seat,
    seated_as,
    term_of,
)


def set_assignment(session: Session, workshop_id: str, data: Any) -> Assignment:
    w = seated_as(session, workshop_id, HOST).workshop
    start, end = term_of(programme_of(w.programme_id))
    rules.check_in_term(local_day(data.due_at), start, end, "due_at")
    a = Assignment(
        rules.child_id(w.workshop_id, secrets.new_id()),
        w.workshop_id,
        data.title,
        data.description,
        data.due_at,
        clock.now(),
    )
    workshop_assignments.add_assignment(a)
    return a


def assignments(session: Session, workshop_id: str) -> list[Assignment]:
    seat(session, workshop_id)
    return workshop_assignments.assignments(workshop_id)


def _assignment(session: Session, assignment_id: str, *roles: str) -> tuple[Seat, Assignment]:
    workshop_id = parent_of(assignment_id, 2, "assignment_not_found")
    s = seated_as(session, workshop_id, *roles)
    a = workshop_assignments.assignment(workshop_id, assignment_id)
    if a is None:
        raise NotFoundError("assignment_not_found")
    return s, a


def close_assignment(session: Session, assignment_id: str) -> Assignment:
    _, a = _assignment(session, assignment_id, HOST)
    workshop_assignments.close_assignment(a, clock.now())
    found = workshop_assignments.assignment(a.workshop_id, a.assignment_id)
    assert found is not None
    return found


def submit(session: Session, assignment_id: str, body: str, image_ids: list[str]) -> Submission:
    """A member's submission (rich text, the artifact rules), late after the due time; again
    until graded; 409 assignment_closed once the host closed it."""
    s, a = _assignment(session, assignment_id, MEMBER)
    assert s.member is not None
    rules.check_open(a)
    clean, images = artifact_service.clean_body(session, body, image_ids)
    now = clock.now()
    sub = Submission(
        submission_id=rules.child_id(a.assignment_id, s.member.enrolment_id),
        assignment_id=a.assignment_id,
        workshop_id=a.workshop_id,
        enrolment_id=s.member.enrolment_id,
        account_id=session.account_id,
        author_name=s.member.name,
        body=clean,
        image_ids=images,
        submitted_at=now,
        first_submitted_at=now,
        late=rules.is_late(now, a.due_at),
    )
    done = workshop_assignments.submit(sub)
    count("AssignmentSubmitted")
    return done


def submissions(session: Session, assignment_id: str) -> list[Submission]:
    """The host: every member's; a member: their own."""
    s, a = _assignment(session, assignment_id, HOST, MEMBER, COUNTY, OFFICE)
    found = workshop_assignments.submissions(a.workshop_id, a.assignment_id)
    if s.as_ == MEMBER:
        return [x for x in found if x.account_id == session.account_id]
    return found


def submission(session: Session, submission_id: str) -> Submission:
    workshop_id = parent_of(submission_id, 3, "submission_not_found")
    s = seat(session, workshop_id) if len(workshop_id) == 32 else None
    found = workshop_assignments.submission(workshop_id, submission_id) if s else None
    if found is None or s is None or (s.as_ == MEMBER and found.account_id != session.account_id):
        raise NotFoundError("submission_not_found")
    return found


def grade(session: Session, submission_id: str, score: int, suggestion: str) -> Submission:
    """The host's 批改: a score 0–100 and 改进提升建议; the trainee sees both."""
    workshop_id = parent_of(submission_id, 3, "submission_not_found")
    seated_as(session, workshop_id, HOST)
    rules.check_score(score)
    found = workshop_assignments.submission(workshop_id, submission_id)
    if found is None:
        raise NotFoundError("submission_not_found")
    workshop_assignments.grade(found, score, suggestion, clock.now())
    graded = workshop_assignments.submission(workshop_id, submission_id)
    assert graded is not None
    count("SubmissionGraded")
    return graded


def set_collection(
    session: Session, workshop_id: str, submission_ids: list[str], foreword: str
) -> tuple[Workshop, list[Submission]]:
    """The host's 优秀成果集: graded submissions of the workshop, in the order given, and a
    foreword (422 naming any submission that is not the workshop's or not graded)."""
    w = seated_as(session, workshop_id, HOST).workshop
    found = {s.submission_id: s for s in workshop_assignments.all_submissions(workshop_id)}
    wanted = list(dict.fromkeys(submission_ids))
    fields = {
        i: problem("submission_not_in_workshop" if i not in found else "submission_not_graded")
        for i in wanted
        if i not in found or found[i].graded_at is None
    }
    if fields:
        raise ValidationFailedError(fields=fields)
    store.set_collection(w.workshop_id, wanted, foreword)
    return collection(session, workshop_id)


def collection(session: Session, workshop_id: str) -> tuple[Workshop, list[Submission]]:
    w = seat(session, workshop_id).workshop
    found = {s.submission_id: s for s in workshop_assignments.all_submissions(workshop_id)}
    return w, [found[i] for i in w.collection if i in found]
