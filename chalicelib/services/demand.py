"""A region's demand: the form, submitting, listing."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from chalicelib.adapters import clock
from chalicelib.adapters.secrets import new_id
from chalicelib.db import catalog, demands
from chalicelib.domain import demand as rules
from chalicelib.domain.allocation import holdings
from chalicelib.domain.deadlines import check_before
from chalicelib.domain.errors import (
    ConflictError,
    ForbiddenError,
    NotFoundError,
    ValidationFailedError,
    problem,
)
from chalicelib.domain.records import Batch, Demand, DemandLine, Page, Session
from chalicelib.domain.review import SHOWN, shown_status
from chalicelib.domain.vocab import Stage
from chalicelib.observability import count
from chalicelib.services.setup import get_programme as _programme


def region_of(session: Session, wanted: str | None) -> str:
    """The region a region contact acts for: the one named (if it is theirs) or their only one."""
    if wanted:
        if wanted not in session.region_ids:
            raise NotFoundError("region_not_found")
        return wanted
    if len(session.region_ids) == 1:
        return next(iter(session.region_ids))
    if not session.region_ids:
        raise ForbiddenError("forbidden")
    raise ValidationFailedError(fields={"region_id": problem("region_to_name")})


def form(session: Session, programme_id: str, wanted_region: str | None) -> dict[str, Any]:
    region_id = region_of(session, wanted_region)
    programme = _programme(programme_id)
    stages = [s.value for s in Stage]
    tallies = demands.tallies(programme_id, region_id, stages)
    own = tallies.get(region_id)
    remaining = own.places - own.requested if own else programme.default_places
    now = clock.now()
    lines = []
    for stage in stages:
        tally = tallies.get(rules.stage_tally_key(stage))
        capacity = tally.places if tally else 0
        open_places = capacity - (tally.requested if tally else 0)
        lines.append(
            {
                "stage": stage,
                "availability": rules.availability(open_places, capacity),
                "open_places": max(open_places, 0),
            }
        )
    return {
        "programme_id": programme_id,
        "region_id": region_id,
        "remaining_places": remaining,
        "deadline": programme.demand_deadline,
        "deadline_passed": now > programme.demand_deadline,
        "programme_open": not programme.draft,
        "stages": lines,
    }


def submit(session: Session, programme_id: str, body: Any) -> Demand:
    region_id = region_of(session, body.region_id)
    lines = tuple(DemandLine(i.stage.value, i.places, i.remark or None) for i in body.items)
    places = rules.check_items([(line.stage, line.places) for line in lines])
    now = clock.now()
    demand = Demand(
        demand_id=new_id(),
        programme_id=programme_id,
        region_id=region_id,
        study_type=body.study_type.value,
        purpose=body.purpose,
        items=lines,
        places=places,
        submitted_at=now,
    )
    for attempt in range(2):
        try:
            stored = demands.submit(demand, now, session.account_id)
            count("DemandSubmitted")
            return stored
        except demands.QuotaMissing:
            if attempt:
                raise
            # The region's first demand in this programme: its tally starts at the default.
            demands.create_quota(programme_id, region_id, _programme(programme_id).default_places, now)
        except demands.DeadlineOrProgramme:
            programme = _programme(programme_id)
            check_before(programme.demand_deadline, now)
            if programme.draft:
                raise ConflictError("programme_not_open") from None
            raise ConflictError("conflict") from None  # the deadline moved under us: try again
    raise AssertionError("unreachable")


@dataclass(frozen=True)
class LineProgress:
    stage: str
    places: int
    remark: str | None
    batches_allocated: int
    seats_allocated: int


@dataclass(frozen=True)
class DemandProgress:
    """A demand as the lists show it: its lines with what each holds, and its status."""

    demand: Demand
    items: list[LineProgress]
    status: str

    # The demand's own fields, as an answer reads them
    demand_id = property(lambda self: self.demand.demand_id)
    region_id = property(lambda self: self.demand.region_id)
    study_type = property(lambda self: self.demand.study_type)
    purpose = property(lambda self: self.demand.purpose)
    places = property(lambda self: self.demand.places)
    submitted_at = property(lambda self: self.demand.submitted_at)
    reason = property(lambda self: self.demand.reason)
    reviewed_at = property(lambda self: self.demand.reviewed_at)


def progress(demand_list: list[Demand], batches: list[Batch]) -> list[DemandProgress]:
    """Each demand with the batches each of its lines holds, and the status it shows
    (domain/review.py): a line is served when its batches seat its places."""
    held, seats = holdings(batches)
    out = []
    for d in demand_list:
        items, done, some = [], True, False
        for line in d.items:
            got = held[(d.demand_id, line.stage)]
            seated = seats[(d.demand_id, line.stage)]
            done, some = done and seated >= line.places, some or got > 0
            items.append(LineProgress(line.stage, line.places, line.remark, got, seated))
        out.append(DemandProgress(d, items, shown_status(d.review, done, some)))
    return out


def _listed_region(session: Session, query: dict[str, str]) -> str | None:
    """The region whose demands are listed: a contact's own; the office's pick, or every one."""
    if session.role == "region_contact":
        return region_of(session, query.get("region_id"))
    return query.get("region_id") or None


def list_demands(
    session: Session, programme_id: str, query: dict[str, str], limit: int, cursor: str | None
) -> Page[DemandProgress]:
    _programme(programme_id)
    region_id = _listed_region(session, query)
    if region_id:
        page = demands.list_for_region(programme_id, region_id, limit, cursor)
    else:
        page = demands.list_for_programme(programme_id, limit, cursor)
    # All the programme's batches: what each line holds, and the stage's batch capacity.
    return Page(progress(page.items, catalog.all_batches(programme_id)), page.next_cursor)


def demands_in_status(session: Session, programme_id: str, query: dict[str, str]) -> list[DemandProgress]:
    """The demands (one region's or the programme's, oldest first) that show `status`: the
    status comes from the batches each holds, so no index filters it; the whole list is read
    (bounded by the programme's regions and their few demands each) and the caller pages it."""
    status = query.get("status", "")
    if status not in SHOWN:
        raise ValidationFailedError(fields={"status": problem("value_invalid")})
    _programme(programme_id)
    region_id = _listed_region(session, query)
    if region_id:
        rows = demands.all_for_region(programme_id, region_id)
    else:
        rows = demands.all_for_programme(programme_id)
    return [d for d in progress(rows, catalog.all_batches(programme_id)) if d.status == status]
