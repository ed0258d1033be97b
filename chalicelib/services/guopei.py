"""A 国培 programme's set-up (API.md "国培 programme"): its own dates instead of the base
training's deadlines, no demand, and only the counties the office gives places take part."""

from __future__ import annotations

from typing import Any

from chalicelib.adapters import clock
from chalicelib.adapters.secrets import new_id
from chalicelib.db import catalog, enrolments
from chalicelib.domain.enrolment import check_programme_dates
from chalicelib.domain.errors import ValidationFailedError, problem
from chalicelib.domain.records import Programme
from chalicelib.domain.vocab import ProgrammeKind

GUOPEI_FIELDS = ("enrolment_deadline", "start_date", "end_date")
BASE_FIELDS = ("demand_deadline", "roster_deadline", "registration_deadline")


def only_fields_of(data: dict[str, Any], kind: str, patch: bool = False) -> None:
    """Each kind takes its own dates: a 国培 programme's three, or the base training's three
    (422 naming the ones missing, or the ones that belong to the other kind)."""
    guopei = kind == ProgrammeKind.guopei
    wrong, required = (BASE_FIELDS, GUOPEI_FIELDS) if guopei else (GUOPEI_FIELDS, BASE_FIELDS)
    other = problem("not_for_guopei" if guopei else "guopei_only")
    fields = {f: other for f in wrong if data.get(f) is not None}
    if not patch:
        fields |= {f: problem("required") for f in required if data.get(f) is None}
    if guopei and data.get("default_places") not in (None, 0):
        fields["default_places"] = problem("guopei_default_places")
    if fields:
        raise ValidationFailedError(fields=fields)


def create_programme(data: dict[str, Any]) -> Programme:
    only_fields_of(data, ProgrammeKind.guopei)
    check_programme_dates(data["enrolment_deadline"], data["start_date"], data["end_date"])
    now = clock.now()
    # A 国培 programme has no demand, rosters or registration: those deadlines are its creation
    # (closed from the start), and no region is given places until the office sets them.
    programme = Programme(
        programme_id=new_id(),
        created_at=now,
        **{**data, "default_places": 0, **dict.fromkeys(BASE_FIELDS, now)},
    )
    catalog.put_programme(programme)
    return programme


def check_dates(p: Programme) -> None:
    assert p.enrolment_deadline is not None and p.start_date is not None and p.end_date is not None
    check_programme_dates(p.enrolment_deadline, p.start_date, p.end_date)


def county_joined(programme: Programme, region_id: str) -> None:
    """A county given places: its admin is reminded until the list is confirmed."""
    enrolments.await_confirmation(programme.programme_id, region_id)
