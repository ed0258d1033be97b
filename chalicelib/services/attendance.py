"""The trainee's registration (报到), check-ins (签到) and batches; the base contact's view
of who is coming and its feedback."""

from __future__ import annotations

from typing import Any

from chalicelib.adapters import clock
from chalicelib.db import attendance, catalog, trainees
from chalicelib.domain.deadlines import check_before, local_day
from chalicelib.domain.errors import ConflictError, NotFoundError
from chalicelib.domain.records import Batch, Session, Trainee
from chalicelib.domain.rosters import check_in_session
from chalicelib.domain.vocab import Role
from chalicelib.observability import count
from chalicelib.services import base_brief


def place(session: Session, batch_id: str) -> Trainee:
    """The caller's place on the batch's roster; 404 for anyone not on it."""
    for trainee in trainees.of_account(session.account_id):
        if trainee.batch_id == batch_id:
            return trainee
    raise NotFoundError("not_on_roster")


def register(session: Session, batch_id: str) -> Trainee:
    trainee = place(session, batch_id)
    if trainee.registered_at is not None:
        return trainee  # a second call changes nothing
    programme = catalog.get_programme(trainee.programme_id)
    assert programme is not None
    now = clock.now()
    check_before(programme.registration_deadline, now)
    attendance.register(trainee, now)
    return trainees.get(trainee.trainee_id) or trainee


def check_in(session: Session, batch_id: str) -> tuple[Trainee, str]:
    trainee = place(session, batch_id)
    today = local_day(clock.now())
    check_in_session(today, trainee.start_date, trainee.end_date)
    if trainee.registered_at is None:
        raise ConflictError("not_registered")
    if today.isoformat() not in trainee.checkins:
        attendance.check_in(trainee, today)  # within the day, a second call changes nothing
        count("CheckedIn")
    return trainees.get(trainee.trainee_id) or trainee, today.isoformat()


def my_batches(session: Session) -> list[tuple[Trainee, Batch, str]]:
    """(place, batch, base name) for each of the trainee's batches, by start date."""
    places = trainees.of_account(session.account_id)
    batches = catalog.get_batches({t.batch_id for t in places})
    names = {b.base_id: b.name for b in catalog.get_bases({b.base_id for b in batches.values()}).values()}
    found = [(t, batches[t.batch_id]) for t in places if t.batch_id in batches]
    return [(t, b, names.get(b.base_id, "")) for t, b in found]


def base_batches(session: Session, base_id: str) -> list[dict[str, Any]]:
    """The allocated batches at the base with their regions and rosters (read-only)."""
    if session.role == Role.base_contact and base_id not in session.base_ids:
        raise NotFoundError("base_not_found")
    if catalog.get_base(base_id) is None:
        raise NotFoundError("base_not_found")
    batches = [b for b in catalog.base_batches(base_id) if b.region_id]
    team: dict[str, list[Trainee]] = {}
    for trainee in trainees.of_base(base_id):
        team.setdefault(trainee.batch_id, []).append(trainee)
    names = {r.region_id: r.name for r in catalog.get_regions({b.region_id for b in batches if b.region_id})}
    briefs = base_brief.briefs(batches, team)
    return [
        {
            "batch": b,
            "region_name": names.get(b.region_id or "", ""),
            "trainees": sorted(team.get(b.batch_id, []), key=lambda t: t.created_key),
            "brief": briefs[b.batch_id],
        }
        for b in batches
    ]


def feedback(session: Session, trainee_id: str, text: str) -> Trainee:
    trainee = trainees.get(trainee_id)
    if trainee is None or trainee.base_id not in session.base_ids:
        raise NotFoundError("trainee_not_found")
    attendance.set_feedback(trainee_id, text, clock.now())
    return trainees.get(trainee_id) or trainee
