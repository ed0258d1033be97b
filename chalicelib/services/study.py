"""国培 study paths (研修路径): the office's courses by theme and level; a trainee's 自我评估,
分层选择 and completed courses, their hours summed; the hours of a workshop's members for its
host and the county admin (domain/study.py has the rules)."""

from __future__ import annotations

from typing import Any

from chalicelib.adapters import clock, secrets
from chalicelib.db import enrolment_lists, enrolments
from chalicelib.db import study as store
from chalicelib.db import workshops as workshop_store
from chalicelib.domain import study as rules
from chalicelib.domain.errors import ForbiddenError, NotFoundError
from chalicelib.domain.records import Enrolment, Session
from chalicelib.domain.study import Course, StudyProfile
from chalicelib.domain.vocab import Role
from chalicelib.domain.workshops import child_id, parts_of
from chalicelib.observability import count
from chalicelib.services import workshops
from chalicelib.services.enrolment import programme_of


def add_course(session: Session, programme_id: str, data: Any) -> Course:
    programme = programme_of(programme_id)
    c = Course(
        child_id(programme.programme_id, secrets.new_id()),
        programme.programme_id,
        data.theme,
        data.level,
        data.title,
        data.url,
        data.hours,
        clock.now(),
    )
    store.add_course(c)
    return c


def own_place(session: Session, programme_id: str, roles: tuple[str, ...] = ("trainee",)) -> Enrolment:
    """The caller's place on a confirmed list of the programme (404 if none)."""
    found = next(
        (
            e
            for e in enrolment_lists.of_account(session.account_id)
            if e.programme_id == programme_id and e.role in roles
        ),
        None,
    )
    if found is None:
        raise NotFoundError("not_in_programme")
    return found


def check_in_programme(session: Session, programme_id: str) -> None:
    """Everyone in the programme: the office, a county admin of a county in it, its people
    (anyone else: 404)."""
    if session.role == Role.region_contact:
        if not any(enrolments.county(programme_id, r) for r in session.region_ids):
            raise NotFoundError("programme_not_found")
    elif session.role != Role.admin:
        own_place(session, programme_id, ("trainee", "workshop_host", "school_admin"))


def courses(session: Session, programme_id: str, theme: str | None, level: str | None) -> list[Course]:
    """Everyone in the programme (check_in_programme)."""
    programme = programme_of(programme_id)
    check_in_programme(session, programme.programme_id)
    found = store.courses(programme.programme_id)
    return sorted(
        (c for c in found if (not theme or c.theme == theme) and (not level or c.level == level)),
        key=lambda c: (c.theme, rules.LEVELS.index(c.level) if c.level in rules.LEVELS else 9, c.created_at),
    )


def assess(session: Session, programme_id: str, answers: dict[str, int]) -> tuple[StudyProfile, str]:
    """The trainee's 自我评估, and the level it suggests."""
    place = own_place(session, programme_of(programme_id).programme_id)
    store.set_assessment(place.programme_id, place.enrolment_id, answers, clock.now())
    return store.profile(place.programme_id, place.enrolment_id), rules.suggested_level(answers)


def choose_level(session: Session, programme_id: str, level: str) -> StudyProfile:
    rules.check_level(level)
    place = own_place(session, programme_of(programme_id).programme_id)
    store.set_level(place.programme_id, place.enrolment_id, level, clock.now())
    return store.profile(place.programme_id, place.enrolment_id)


def complete(session: Session, course_id: str) -> tuple[StudyProfile, set[str]]:
    """The course completed, once: its hours counted."""
    programme_id = parts_of(course_id, 2, "course_not_found")[0]
    place = own_place(session, programme_id)
    c = store.course(programme_id, course_id)
    if c is None:
        raise NotFoundError("course_not_found")
    if store.complete(programme_id, place.enrolment_id, c, clock.now()):
        count("CourseCompleted")
    return store.profile(programme_id, place.enrolment_id), store.completions(
        programme_id, place.enrolment_id
    )


def mine(session: Session, programme_id: str) -> tuple[StudyProfile, set[str]]:
    place = own_place(session, programme_of(programme_id).programme_id)
    return (
        store.profile(place.programme_id, place.enrolment_id),
        store.completions(place.programme_id, place.enrolment_id),
    )


def workshop_hours(session: Session, workshop_id: str) -> list[tuple[Any, StudyProfile]]:
    """Each member's level, hours and courses completed: the host, the county admin, the office."""
    seat = workshops.seat(session, workshop_id)
    if seat.as_ == workshops.MEMBER:
        raise ForbiddenError("forbidden")
    members = workshop_store.members(workshop_id)
    found = store.profiles(seat.workshop.programme_id, (m.enrolment_id for m in members))
    return [
        (m, found.get(m.enrolment_id) or StudyProfile(seat.workshop.programme_id, m.enrolment_id))
        for m in sorted(members, key=lambda m: m.name)
    ]
