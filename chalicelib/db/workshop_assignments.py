"""A workshop's assignments and their submissions, in the workshop's partition (db/workshops.py).

Access patterns: an assignment: Put (not exists); a workshop's: Query begins_with
"assignment#" (strong); closing: UpdateItem. A submission: one transaction: the assignment
still open (ConditionCheck), the submission (Put if new, with the workshop's `submissions` + 1;
else Update while ungraded). A grade: one transaction: the submission as read (version), the
workshop's graded count and grading time on the first grade."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from chalicelib.db.models import WorkshopModel
from chalicelib.db.workshops import WORKSHOP, item_of, items_of, whole
from chalicelib.db.writes import Transaction, applied, transaction
from chalicelib.domain.errors import ConflictError
from chalicelib.domain.workshops import (
    Assignment,
    Submission,
)


def _assignment(m: WorkshopModel) -> Assignment:
    assert m.due_at is not None
    return Assignment(
        m.item_id or "", m.workshop_id, m.title or "", m.body or "", m.due_at, m.created_at, m.closed_at
    )


def add_assignment(a: Assignment) -> None:
    WorkshopModel(
        a.workshop_id,
        f"assignment#{a.assignment_id}",
        item_id=a.assignment_id,
        title=a.title,
        body=a.description,
        due_at=a.due_at,
        created_at=a.created_at,
    ).save(condition=WorkshopModel.item_key.does_not_exist())


def assignments(workshop_id: str) -> list[Assignment]:
    return sorted((_assignment(m) for m in items_of(workshop_id, "assignment#")), key=lambda a: a.created_at)


def assignment(workshop_id: str, assignment_id: str) -> Assignment | None:
    m = item_of(workshop_id, f"assignment#{assignment_id}")
    return _assignment(m) if m else None


def close_assignment(a: Assignment, now: datetime) -> None:
    applied(
        lambda: WorkshopModel(a.workshop_id, f"assignment#{a.assignment_id}").update(
            actions=[WorkshopModel.closed_at.set(now)],
            condition=WorkshopModel.closed_at.does_not_exist(),
        )
    )


def _submission(m: WorkshopModel) -> Submission:
    assert m.submitted_at is not None and m.first_submitted_at is not None
    return Submission(
        submission_id=m.item_id or "",
        assignment_id=m.parent_id or "",
        workshop_id=m.workshop_id,
        enrolment_id=m.enrolment_id or "",
        account_id=m.account_id or "",
        author_name=m.author_name or "",
        body=m.body or "",
        image_ids=tuple(str(i) for i in m.image_ids or ()),
        submitted_at=m.submitted_at,
        first_submitted_at=m.first_submitted_at,
        late=bool(m.late),
        version=whole(m.version),
        score=int(m.score) if m.score is not None else None,
        suggestion=m.suggestion,
        graded_at=m.graded_at,
    )


def submissions(workshop_id: str, assignment_id: str) -> list[Submission]:
    return sorted(
        (_submission(m) for m in items_of(workshop_id, f"submission#{assignment_id}")),
        key=lambda s: s.submitted_at,
    )


def all_submissions(workshop_id: str) -> list[Submission]:
    return [_submission(m) for m in items_of(workshop_id, "submission#")]


def submission(workshop_id: str, submission_id: str) -> Submission | None:
    m = item_of(workshop_id, f"submission#{submission_id}")
    return _submission(m) if m else None


def _open_assignment(tx: Transaction, s: Submission) -> None:
    tx.condition_check(
        WorkshopModel,
        s.workshop_id,
        f"assignment#{s.assignment_id}",
        condition=WorkshopModel.closed_at.does_not_exist(),
        tag="open",
    )


CLOSED = ConflictError("assignment_closed")


def submit(s: Submission) -> Submission:
    """The first submission (counted on the workshop), or a new version of one not yet
    graded (409 already_graded once it is; assignment_closed once the host closed it)."""
    with transaction(errors={"open": CLOSED}, tolerate={"new"}) as tx:
        _open_assignment(tx, s)
        tx.save(
            WorkshopModel(
                s.workshop_id,
                f"submission#{s.submission_id}",
                item_id=s.submission_id,
                parent_id=s.assignment_id,
                enrolment_id=s.enrolment_id,
                account_id=s.account_id,
                author_name=s.author_name,
                body=s.body,
                image_ids=list(s.image_ids),
                submitted_at=s.submitted_at,
                first_submitted_at=s.submitted_at,
                late=s.late,
                version=1,
                created_at=s.submitted_at,
            ),
            condition=WorkshopModel.item_key.does_not_exist(),
            tag="new",
        )
        tx.update(
            WorkshopModel(s.workshop_id, WORKSHOP),
            actions=[WorkshopModel.submissions.add(1)],
        )
    if not tx.refused:
        return s
    old = submission(s.workshop_id, s.submission_id)
    assert old is not None
    with transaction(errors={"open": CLOSED, "ungraded": ConflictError("already_graded")}) as tx2:
        _open_assignment(tx2, s)
        tx2.update(
            WorkshopModel(s.workshop_id, f"submission#{s.submission_id}"),
            actions=[
                WorkshopModel.body.set(s.body),
                WorkshopModel.image_ids.set(list(s.image_ids)),  # type: ignore[arg-type]
                WorkshopModel.submitted_at.set(s.submitted_at),
                WorkshopModel.late.set(s.late),
                WorkshopModel.version.add(1),
            ],
            condition=WorkshopModel.graded_at.does_not_exist(),
            tag="ungraded",
        )
    return replace(s, first_submitted_at=old.first_submitted_at, version=old.version + 1)


def grade(s: Submission, score: int, suggestion: str, now: datetime) -> None:
    """The grade on the submission as read (409 stale_version if it was resubmitted since);
    the workshop's graded count and grading time on its first grade."""
    first = s.graded_at is None
    with transaction(errors={"submission": ConflictError("stale_version")}) as tx:
        tx.update(
            WorkshopModel(s.workshop_id, f"submission#{s.submission_id}"),
            actions=[
                WorkshopModel.score.set(score),
                WorkshopModel.suggestion.set(suggestion),
                WorkshopModel.graded_at.set(s.graded_at or now),
            ],
            condition=(WorkshopModel.version == s.version)
            & (WorkshopModel.graded_at.does_not_exist() if first else WorkshopModel.graded_at.exists()),
            tag="submission",
        )
        if first:
            seconds = max(0, int((now - s.first_submitted_at).total_seconds()))
            tx.update(
                WorkshopModel(s.workshop_id, WORKSHOP),
                actions=[WorkshopModel.graded.add(1), WorkshopModel.grading_seconds.add(seconds)],
            )
