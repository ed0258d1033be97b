"""The 训后调查 (API.md "国培 programme"): the office writes it; each trainee answers once after
the programme's end_date, anonymously (db/study.py: the response holds no one, a claim says who
answered); results per question for the office (every county or one) and for a county admin
(its own), with the response rate (domain/survey.py has the rules)."""

from __future__ import annotations

from typing import Any

from chalicelib.adapters import clock, secrets
from chalicelib.db import enrolments
from chalicelib.db import study as store
from chalicelib.domain import survey as rules
from chalicelib.domain.deadlines import local_day
from chalicelib.domain.errors import ForbiddenError, NotFoundError
from chalicelib.domain.records import Session
from chalicelib.domain.survey import Question
from chalicelib.domain.vocab import Role
from chalicelib.observability import count
from chalicelib.services.demand import region_of
from chalicelib.services.enrolment import programme_of
from chalicelib.services.study import check_in_programme, own_place


def write(session: Session, programme_id: str, questions: list[Question]) -> list[Question]:
    programme = programme_of(programme_id)
    rules.check_questions(questions)
    store.put_survey(programme.programme_id, questions, clock.now())
    return questions


def questions_for(session: Session, programme_id: str) -> tuple[list[Question], bool]:
    """The questions (none before the office writes them), and whether the caller (a trainee)
    has answered: everyone in the programme, as its courses (anyone else: 404)."""
    programme = programme_of(programme_id)
    check_in_programme(session, programme.programme_id)
    found = store.survey(programme.programme_id) or []  # none written yet: no questions
    answered = session.role == Role.trainee and store.has_answered(programme.programme_id, session.account_id)
    return found, answered


def respond(session: Session, programme_id: str, answers: list[Any]) -> None:
    """Once, after end_date: 409 already_answered the second time, nothing written."""
    programme = programme_of(programme_id)
    place = own_place(session, programme.programme_id)
    found = store.survey(programme.programme_id)
    if found is None:
        raise NotFoundError("survey_not_found")
    assert programme.end_date is not None
    rules.check_open(local_day(clock.now()), programme.end_date)
    clean = rules.check_answers(found, answers)
    store.answer(
        programme.programme_id,
        session.account_id,
        place.region_id,
        secrets.new_id(),
        clean,
        clock.now(),
        found,
    )
    count("SurveyAnswered")


def results(session: Session, programme_id: str, region_id: str | None) -> dict[str, Any]:
    """Per question, for the office (every county, or the one named) or a county admin (its own)."""
    programme = programme_of(programme_id)
    if session.role == Role.region_contact:
        region_id = region_of(session, region_id)
        if enrolments.county(programme.programme_id, region_id) is None:
            raise NotFoundError("programme_not_found")  # a county not in the programme
    elif session.role != Role.admin:
        raise ForbiddenError("forbidden")
    return tally_of(programme.programme_id, region_id)


def tally_of(programme_id: str, region_id: str | None) -> dict[str, Any]:
    """The results of the programme's survey, of every county or one (no caller: the export)."""
    found = store.survey(programme_id) or []  # none written yet: nothing to tally
    answers = [a for _, a in store.responses(programme_id, region_id)]
    if region_id:
        county = enrolments.county(programme_id, region_id)
        enrolled = county.listed_trainees if county else 0
    else:
        enrolled = sum(c.listed_trainees for c in enrolments.counties(programme_id))
    return {
        "region_id": region_id,
        "responses": len(answers),
        "enrolled": enrolled,
        "response_rate": round(len(answers) / enrolled, 4) if enrolled else None,
        "questions": rules.tally(found, answers),
    }
