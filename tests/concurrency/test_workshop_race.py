"""国培 workshops under concurrency, on DynamoDB Local (issue 14: limits held by conditional
writes, never by a read followed by a write).

1. One trainee placed at one instant into 8 workshops of their 学段 and 学科: exactly one
   placement is written (its member item and the claim agree), the other 7 are refused and
   their workshops hold no trace of the trainee.
2. One trainee sending the 训后调查 from 10 threads at once: exactly one response is stored
   and 9 are refused with already_answered; the survey's count is 1.
3. A member submitting while the host grades: the grade is on the version the host read or
   the grade is refused (stale_version); a graded submission is never changed by a resubmit."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from chalicelib.adapters import clock
from chalicelib.adapters.secrets import new_id
from chalicelib.db import study, workshop_assignments
from chalicelib.db import workshops as store
from chalicelib.db.models import ClaimModel, GuopeiRecordModel, WorkshopModel
from chalicelib.domain.errors import ConflictError
from chalicelib.domain.survey import Question
from chalicelib.domain.workshops import Assignment, Member, Submission, Workshop, child_id
from tests.concurrency.race import race, warm_clients

pytestmark = pytest.mark.concurrency

NOW = datetime(2035, 12, 2, 2, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def fixed_clock() -> Iterator[None]:
    clock.set_now(NOW)
    yield
    clock.set_now(None)


def workshop(programme_id: str) -> Workshop:
    w = Workshop(new_id(), programme_id, "r1", "工作坊", "primary", "math", new_id(), new_id(), "主持人", NOW)
    store.create(w)
    return w


def test_a_trainee_raced_into_eight_workshops_lands_in_exactly_one() -> None:
    warm_clients()
    programme_id = f"p-ws-race-{new_id()}"
    shops = [workshop(programme_id) for _ in range(8)]
    trainee = Member("", new_id(), new_id(), "王明", "第一小学")

    def place(i: int) -> None:
        w = shops[i]
        store.place(
            w,
            [Member(w.workshop_id, trainee.enrolment_id, trainee.account_id, trainee.name, trainee.unit)],
            [],
        )

    outcomes = race(8, place)
    won = [i for i, o in enumerate(outcomes) if o.error is None]
    lost = [o for o in outcomes if o.error is not None]
    assert len(won) == 1, [o.describe() for o in outcomes]
    assert all(isinstance(o.error, ConflictError) and o.error.code == "member_placed" for o in lost)
    claim = ClaimModel.get(store.member_claim(programme_id, trainee.enrolment_id), consistent_read=True)
    assert claim.owner == shops[won[0]].workshop_id
    for i, w in enumerate(shops):
        members = store.members(w.workshop_id)
        assert [m.enrolment_id for m in members] == ([trainee.enrolment_id] if i == won[0] else [])
        assert int(WorkshopModel.get(w.workshop_id, "workshop").members or 0) == (1 if i == won[0] else 0)


def test_a_survey_sent_ten_times_at_once_is_stored_once() -> None:
    warm_clients()
    programme_id = f"p-ws-survey-{new_id()}"
    questions = [Question("满意度", "scale")]
    study.put_survey(programme_id, questions, NOW)
    account = new_id()
    outcomes = race(
        10, lambda i: study.answer(programme_id, account, "r1", new_id(), [1 + i % 5], NOW, questions)
    )
    assert sum(o.error is None for o in outcomes) == 1, [o.describe() for o in outcomes]
    assert all(o.error.code == "already_answered" for o in outcomes if isinstance(o.error, ConflictError))
    assert sum(o.error is not None for o in outcomes) == 9
    assert len(study.responses(programme_id)) == 1
    assert int(GuopeiRecordModel.get(f"survey#{programme_id}", "questions").responses or 0) == 1


def test_a_resubmission_racing_the_grade_never_changes_graded_work() -> None:
    warm_clients()
    w = workshop(f"p-ws-grade-{new_id()}")
    a = Assignment(child_id(w.workshop_id, new_id()), w.workshop_id, "作业", "要求", NOW, NOW)
    workshop_assignments.add_assignment(a)
    enrolment, account = new_id(), new_id()
    sid = child_id(a.assignment_id, enrolment)

    def sub(text: str) -> Submission:
        return Submission(
            sid, a.assignment_id, w.workshop_id, enrolment, account, "王明", text, (), NOW, NOW, False
        )

    workshop_assignments.submit(sub("<p>第一稿</p>"))
    read = workshop_assignments.submission(w.workshop_id, sid)
    assert read is not None

    def act(i: int) -> object:
        if i == 0:
            workshop_assignments.grade(read, 90, "好", NOW)
            return "graded"
        return workshop_assignments.submit(sub(f"<p>第{i + 1}稿</p>"))

    outcomes = race(6, act)
    final = workshop_assignments.submission(w.workshop_id, sid)
    assert final is not None
    graded = outcomes[0].error is None
    if graded:
        # The grade went on the version read: every resubmission after it was refused
        assert final.score == 90 and final.body == "<p>第一稿</p>"
        assert all(
            isinstance(o.error, ConflictError) and o.error.code == "already_graded" for o in outcomes[1:]
        )
    else:
        assert isinstance(outcomes[0].error, ConflictError) and outcomes[0].error.code == "stale_version"
        assert final.score is None
    assert int(WorkshopModel.get(w.workshop_id, "workshop").submissions or 0) == 1
