"""The office's per-county view of a 国培 programme (API.md: GET /programmes/{id}/guopei-evaluation):
per county and per workshop, enrolled and active trainees, course hours, assignments submitted
and graded, grading turnaround, briefings, collections, and the survey's response rate.

A trainee is active when they completed a course or submitted an assignment."""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib.db import catalog, enrolment_lists, enrolments, workshop_assignments
from chalicelib.db import study as study_store
from chalicelib.db import workshops as workshop_store
from chalicelib.domain import workshops as rules
from chalicelib.domain.errors import ForbiddenError
from chalicelib.domain.records import Session
from chalicelib.domain.vocab import Role
from chalicelib.services.demand import region_of
from chalicelib.services.enrolment import programme_of


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


@dataclass(frozen=True)
class WorkshopFigures:
    """A workshop's part of its county's evaluation."""

    workshop_id: str
    name: str
    host_name: str
    members: int
    active: int
    hours: float
    submitted: int
    graded: int
    turnaround_hours: float | None
    briefings: int
    briefings_short: bool
    collection: int


@dataclass(frozen=True)
class CountyEvaluation:
    """A county's 国培评估: its trainees' activity, hours, work and grading, briefings, the
    collections and the survey's response rate, and each workshop's figures."""

    region_id: str
    region_name: str
    enrolled: int
    active: int
    hours: float
    submitted: int
    graded: int
    turnaround_hours: float | None
    briefings: int
    workshops_short_of_briefings: int
    collections: int
    survey_responses: int
    survey_response_rate: float | None
    workshops: list[WorkshopFigures]


def _county(programme_id: str, region_id: str, region_name: str) -> CountyEvaluation:
    trainees = [e for e in enrolment_lists.of_county(programme_id, region_id) if e.role == "trainee"]
    profiles = study_store.profiles(programme_id, (e.enrolment_id for e in trainees))
    rows: list[WorkshopFigures] = []
    submitters: set[str] = set()
    waited = 0
    for w in sorted(workshop_store.of_programme(programme_id, region_id), key=lambda w: w.created_at):
        members = workshop_store.members(w.workshop_id)
        submitted = {s.enrolment_id for s in workshop_assignments.all_submissions(w.workshop_id)}
        submitters |= submitted
        waited += w.grading_seconds
        studied = {m.enrolment_id for m in members if (p := profiles.get(m.enrolment_id)) and p.completed}
        rows.append(
            WorkshopFigures(
                workshop_id=w.workshop_id,
                name=w.name,
                host_name=w.host_name,
                members=w.members,
                active=len(submitted | studied),
                hours=round(
                    sum(profiles[m.enrolment_id].hours for m in members if m.enrolment_id in profiles), 1
                ),
                submitted=w.submissions,
                graded=w.graded,
                turnaround_hours=rules.turnaround_hours(w),
                briefings=w.briefings,
                briefings_short=rules.briefings_short(w),
                collection=len(w.collection),
            )
        )
    active = {e for e, p in profiles.items() if p.completed} | submitters
    graded = sum(r.graded for r in rows)
    responses = len(study_store.responses(programme_id, region_id))
    return CountyEvaluation(
        region_id=region_id,
        region_name=region_name,
        enrolled=len(trainees),
        active=len(active),
        hours=round(sum(p.hours for p in profiles.values()), 1),
        submitted=sum(r.submitted for r in rows),
        graded=graded,
        turnaround_hours=round(waited / graded / 3600, 1) if graded else None,
        briefings=sum(r.briefings for r in rows),
        workshops_short_of_briefings=sum(1 for r in rows if r.briefings_short),
        collections=sum(1 for r in rows if r.collection),
        survey_responses=responses,
        survey_response_rate=_rate(responses, len(trainees)),
        workshops=rows,
    )


def evaluation(session: Session, programme_id: str, region_id: str | None) -> list[CountyEvaluation]:
    programme = programme_of(programme_id)
    if session.role == Role.region_contact:
        wanted = [region_of(session, region_id)]
    elif session.role == Role.admin:
        counties = enrolments.counties(programme.programme_id)
        wanted = [region_id] if region_id else [c.region_id for c in counties]
    else:
        raise ForbiddenError("forbidden")
    names = {r.region_id: r.name for r in catalog.get_regions(set(wanted))}
    return sorted(
        (
            _county(programme.programme_id, r, names.get(r, ""))
            for r in wanted
            if enrolments.county(programme.programme_id, r)
        ),
        key=lambda c: c.region_name,
    )
