"""国培 study paths and the 训后调查, in `guopei` (models.GuopeiRecordModel says which items).

A trainee completes a course once: the completion is put with attribute_not_exists in the
transaction that adds its hours to their profile. A trainee answers the survey once: the
claim "survey-answered#<programme_id>#<account_id>" is put with attribute_not_exists in the
transaction that writes the response, and the response holds no account or enrolment (its
county only), so who answered what is not in the data.

Access patterns: Query a programme's courses; GetItem a course; BatchGetItem profiles (a
workshop's members); one transaction per completion and per response; Query the survey's
responses (a county's: begins_with).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from pynamodb.exceptions import DoesNotExist

from chalicelib.db.models import ClaimModel, GuopeiRecordModel
from chalicelib.db.writes import failing_as, transaction
from chalicelib.domain.errors import ConflictError
from chalicelib.domain.study import Course, StudyProfile
from chalicelib.domain.survey import Question

M = GuopeiRecordModel
PROFILE = "profile"


def _courses_key(programme_id: str) -> str:
    return f"courses#{programme_id}"


def _study_key(programme_id: str, enrolment_id: str) -> str:
    return f"study#{programme_id}#{enrolment_id}"


def _survey_key(programme_id: str) -> str:
    return f"survey#{programme_id}"


def answered_claim(programme_id: str, account_id: str) -> str:
    return f"survey-answered#{programme_id}#{account_id}"


# --- courses ----------------------------------------------------------------------------------


def _course(m: GuopeiRecordModel) -> Course:
    return Course(
        m.item_id or "",
        m.partition_key.removeprefix("courses#"),
        m.theme or "",
        m.level or "",
        m.title or "",
        m.url or "",
        float(m.hours or 0),
        m.created_at,
    )


def add_course(c: Course) -> None:
    M(
        _courses_key(c.programme_id),
        f"course#{c.course_id}",
        item_id=c.course_id,
        theme=c.theme,
        level=c.level,
        title=c.title,
        url=c.url,
        hours=c.hours,
        created_at=c.created_at,
    ).save(condition=M.record_key.does_not_exist())


def courses(programme_id: str) -> list[Course]:
    return [_course(m) for m in M.query(_courses_key(programme_id), consistent_read=True)]


def course(programme_id: str, course_id: str) -> Course | None:
    try:
        return _course(M.get(_courses_key(programme_id), f"course#{course_id}", consistent_read=True))
    except DoesNotExist:
        return None


# --- a trainee's study ------------------------------------------------------------------------


def _profile(m: GuopeiRecordModel) -> StudyProfile:
    _, programme_id, enrolment_id = m.partition_key.split("#", 2)
    return StudyProfile(
        programme_id,
        enrolment_id,
        m.level,
        json.loads(m.assessment) if m.assessment else {},
        float(m.hours or 0),
        int(m.completed or 0),
    )


def profile(programme_id: str, enrolment_id: str) -> StudyProfile:
    try:
        return _profile(M.get(_study_key(programme_id, enrolment_id), PROFILE, consistent_read=True))
    except DoesNotExist:
        return StudyProfile(programme_id, enrolment_id)


def profiles(programme_id: str, enrolment_ids: Iterable[str]) -> dict[str, StudyProfile]:
    keys = [(_study_key(programme_id, e), PROFILE) for e in dict.fromkeys(enrolment_ids)]
    if not keys:
        return {}
    found = {p.enrolment_id: p for p in (_profile(m) for m in M.batch_get(keys, consistent_read=True))}
    return found


def set_assessment(programme_id: str, enrolment_id: str, answers: dict[str, int], now: datetime) -> None:
    M(_study_key(programme_id, enrolment_id), PROFILE).update(
        actions=[
            M.assessment.set(json.dumps(answers, ensure_ascii=False)),
            M.created_at.set(M.created_at | now),
            M.updated_at.set(now),
        ]
    )


def set_level(programme_id: str, enrolment_id: str, level: str, now: datetime) -> None:
    M(_study_key(programme_id, enrolment_id), PROFILE).update(
        actions=[M.level.set(level), M.created_at.set(M.created_at | now), M.updated_at.set(now)]
    )


def complete(programme_id: str, enrolment_id: str, c: Course, now: datetime) -> bool:
    """The course's hours onto the trainee's profile, once (False: already completed)."""
    key = _study_key(programme_id, enrolment_id)
    with transaction(tolerate={"once"}) as tx:
        tx.save(
            M(key, f"completion#{c.course_id}", item_id=c.course_id, hours=c.hours, created_at=now),
            condition=M.record_key.does_not_exist(),
            tag="once",
        )
        tx.update(
            M(key, PROFILE),
            actions=[
                M.hours.add(c.hours),
                M.completed.add(1),
                M.created_at.set(M.created_at | now),
                M.updated_at.set(now),
            ],
        )
    return not tx.refused


def completions(programme_id: str, enrolment_id: str) -> set[str]:
    return {
        m.item_id or ""
        for m in M.query(_study_key(programme_id, enrolment_id), M.record_key.startswith("completion#"))
    }


# --- the survey -------------------------------------------------------------------------------


def _questions_json(questions: list[Question]) -> str:
    return json.dumps([q.__dict__ | {"options": list(q.options)} for q in questions], ensure_ascii=False)


def put_survey(programme_id: str, questions: list[Question], now: datetime) -> None:
    """The questions, until the first answer (409 survey_answered after it)."""
    data = _questions_json(questions)
    with failing_as(ConflictError("survey_answered")):
        M(_survey_key(programme_id), "questions", questions=data, responses=0, created_at=now).save(
            condition=M.record_key.does_not_exist() | (M.responses == 0)
        )


def survey(programme_id: str) -> list[Question] | None:
    try:
        m = M.get(_survey_key(programme_id), "questions", consistent_read=True)
    except DoesNotExist:
        return None
    return [Question(q["text"], q["type"], tuple(q["options"])) for q in json.loads(m.questions or "[]")]


def answer(
    programme_id: str,
    account_id: str,
    region_id: str,
    response_id: str,
    answers: list[Any],
    now: datetime,
    questions: list[Question],
) -> None:
    """The anonymous response and the mark that this account answered, together: a second
    answer is 409 already_answered and writes nothing; answers checked against questions the
    office rewrote meanwhile are 409 stale_version, and write nothing either."""
    errors = {"once": ConflictError("already_answered"), "questions": ConflictError("stale_version")}
    with transaction(errors=errors) as tx:
        tx.save(
            ClaimModel(answered_claim(programme_id, account_id), owner="survey"),
            condition=ClaimModel.claim_key.does_not_exist(),
            tag="once",
        )
        tx.save(
            M(
                _survey_key(programme_id),
                f"response#{region_id}#{response_id}",
                region_id=region_id,
                answers=json.dumps(answers, ensure_ascii=False),
                # the day only: an instant could be matched with a login
                created_at=now.replace(hour=0, minute=0, second=0, microsecond=0),
            ),
            condition=M.record_key.does_not_exist(),
        )
        tx.update(
            M(_survey_key(programme_id), "questions"),
            actions=[M.responses.add(1)],
            condition=M.questions == _questions_json(questions),
            tag="questions",
        )


def has_answered(programme_id: str, account_id: str) -> bool:
    try:
        ClaimModel.get(answered_claim(programme_id, account_id), consistent_read=True)
    except DoesNotExist:
        return False
    return True


def responses(programme_id: str, region_id: str | None = None) -> list[tuple[str, list[Any]]]:
    """(county, answers) of every response, or of one county's."""
    prefix = f"response#{region_id}#" if region_id else "response#"
    return [
        (m.region_id or "", json.loads(m.answers or "[]"))
        for m in M.query(_survey_key(programme_id), M.record_key.startswith(prefix))
    ]


def answered_of(programme_id: str, account_ids: list[str]) -> set[str]:
    """The accounts among these that have answered the survey (BatchGetItem of their marks)."""
    keys = [answered_claim(programme_id, a) for a in dict.fromkeys(account_ids)]
    if not keys:
        return set()
    prefix = answered_claim(programme_id, "")
    return {m.claim_key.removeprefix(prefix) for m in ClaimModel.batch_get(keys, consistent_read=True)}
