"""The office's numbers: the quota ledger per region, supply against demand per stage, and the
programme's funnel (domain/numbers.py), for the pages and the .xlsx export."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from chalicelib.db import catalog
from chalicelib.db import numbers as repo
from chalicelib.domain import numbers as rules
from chalicelib.domain.errors import ForbiddenError
from chalicelib.domain.records import Batch, Session
from chalicelib.domain.vocab import Role, Stage
from chalicelib.services.demand import region_of
from chalicelib.services.setup import get_programme


def scope(session: Session, wanted_region: str | None) -> str | None:
    """The region a request is about: a region contact's own; the office's choice (None: all)."""
    if session.role == Role.region_contact:
        return region_of(session, wanted_region)
    if session.role != Role.admin:
        raise ForbiddenError("forbidden")
    return wanted_region or None


@dataclass(frozen=True)
class LedgerRow:
    """A region's quota ledger: its places (base and reward), what it asked, what it holds."""

    region_id: str
    region_name: str
    academic_year: str
    base_places: int
    reward_places: int
    asked: int
    allocated_seats: int
    allocated_batches: int
    seated: int
    remaining: int


@dataclass(frozen=True)
class SupplyRow:
    """A stage's batches and seats against what the regions asked."""

    stage: str
    batches: int
    seats: int
    asked: int
    allocated_batches: int
    allocated_seats: int


def _by_region(batches: list[Batch]) -> dict[str, list[Batch]]:
    out: dict[str, list[Batch]] = defaultdict(list)
    for b in batches:
        if b.region_id:
            out[b.region_id].append(b)
    return out


def ledger(programme_id: str, region_id: str | None) -> list[LedgerRow]:
    programme = get_programme(programme_id)
    tallies, _ = repo.tallies(programme_id)
    held = _by_region(catalog.all_batches(programme_id))
    wanted = [t for t in tallies if region_id in (None, t.key)]
    names = {r.region_id: r.name for r in catalog.get_regions({t.key for t in wanted})}
    rows = [
        LedgerRow(
            region_id=t.key,
            region_name=names.get(t.key, ""),
            academic_year=programme.academic_year,
            base_places=t.places - t.reward_places,
            reward_places=t.reward_places,
            asked=t.requested,
            allocated_seats=sum(b.capacity for b in held[t.key]),
            allocated_batches=len(held[t.key]),
            seated=sum(b.trainee_count for b in held[t.key]),
            remaining=t.remaining,
        )
        for t in wanted
    ]
    return sorted(rows, key=lambda r: (-r.asked, r.region_name))


def supply(programme_id: str) -> list[SupplyRow]:
    get_programme(programme_id)
    _, stage_tallies = repo.tallies(programme_id)
    asked = {t.key: t.requested for t in stage_tallies}
    batches = catalog.all_batches(programme_id)
    rows = []
    for stage in Stage:
        mine = [b for b in batches if b.stage == stage.value]
        if not mine and not asked.get(stage.value):
            continue
        rows.append(
            SupplyRow(
                stage=stage.value,
                batches=len(mine),
                seats=sum(b.capacity for b in mine),
                asked=asked.get(stage.value, 0),
                allocated_batches=sum(1 for b in mine if b.region_id),
                allocated_seats=sum(b.capacity for b in mine if b.region_id),
            )
        )
    return rows


def funnel(programme_id: str, region_id: str | None) -> list[rules.FunnelStep]:
    get_programme(programme_id)
    if region_id is not None:
        batches = catalog.region_batches(programme_id, region_id)
    else:
        batches = [b for b in catalog.all_batches(programme_id) if b.region_id]
    return rules.funnel(rules.batch_counts(batches))
