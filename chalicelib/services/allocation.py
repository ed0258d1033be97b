"""The office's allocation: preview or commit a plan; allocate or free one batch by hand.

Committing is safe against a concurrent change: each region's batches are taken in one
transaction with the condition that each is still free, together with the region's SMS
and e-mail. A batch somebody took in between is reported unmet (taken_concurrently) and
the rest of the region's batches are taken without it. A second commit finds every line
holding its batches and changes nothing."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import asdict, replace

from chalicelib.adapters import clock, storage
from chalicelib.adapters.secrets import new_id
from chalicelib.adapters.solver import plan as solve
from chalicelib.config import settings
from chalicelib.db import accounts, catalog, demands
from chalicelib.domain import allocation as solver
from chalicelib.domain.errors import ConflictError, NotFoundError
from chalicelib.domain.notifications import allocation_messages
from chalicelib.domain.records import Batch, Message, Programme
from chalicelib.domain.vocab import STAGE_NAMES_ZH, Stage
from chalicelib.observability import count, logger
from chalicelib.services import notify
from chalicelib.services.setup import get_programme as _programme


def _inputs(programme_id: str) -> tuple[list[solver.DemandToPlace], list[Batch]]:
    batches = catalog.all_batches(programme_id)
    held, seats = solver.holdings(batches)
    to_place = [
        solver.DemandToPlace(
            demand_id=d.demand_id,
            region_id=d.region_id,
            order_key=d.order_key,
            study_type=d.study_type,
            items=tuple(
                solver.DemandItem(
                    i.stage, i.places, held[(d.demand_id, i.stage)], seats[(d.demand_id, i.stage)]
                )
                for i in d.items
            ),
        )
        for d in demands.all_for_programme(programme_id)
        if d.review == "approved"  # the office plans only what it has reviewed (审核)
    ]
    return to_place, batches


def _free(batches: list[Batch]) -> list[solver.FreeBatch]:
    return [
        solver.FreeBatch(b.batch_id, b.stage, b.base_id, b.study_type, b.start_date, b.capacity)
        for b in batches
        if b.region_id is None and b.offer_id is None  # not held for an offer of the waiting list
    ]


def _messages(programme: Programme, region_id: str, batches: list[Batch]) -> list[Message]:
    """The SMS and e-mail telling the region's contact its new batches."""
    region = catalog.get_region(region_id)
    contact = accounts.get_account(region.contact_account_id) if region else None
    if region is None or contact is None:
        return []
    bases = catalog.get_bases({b.base_id for b in batches})
    lines = [
        (
            bases[b.base_id].name if b.base_id in bases else b.base_id,
            STAGE_NAMES_ZH[Stage(b.stage)],
            b.start_date.isoformat(),
            b.end_date.isoformat(),
        )
        for b in sorted(batches, key=lambda b: (b.start_date, b.batch_id))
    ]
    deadline = programme.roster_deadline.astimezone(clock.SHANGHAI).strftime("%Y-%m-%d %H:%M")
    sms, subject, body = allocation_messages(region.name, lines, deadline, settings().site_url)
    out = [notify.sms("allocation", contact.account_id, contact.phone, sms)]
    if contact.email:
        out.append(notify.email("allocation", contact.account_id, contact.email, subject, body))
    return out


def _take(
    programme: Programme, region_id: str, picks: list[tuple[Batch, str]], demand_keys: dict[str, str]
) -> set[str]:
    """Take the region's picks, skipping any somebody took first and any of a demand returned
    meanwhile; returns the batch ids skipped."""
    skipped: set[str] = set()
    while picks:
        messages = _messages(programme, region_id, [b for b, _ in picks])
        refused = demands.take_batches(region_id, picks, messages, demand_keys)
        if not refused:
            for message in messages:
                notify.deliver(message)
            break
        returned = {tag.removeprefix("demand#") for tag in refused if tag.startswith("demand#")}
        lost = refused | {b.batch_id for b, d in picks if d in returned}
        skipped |= lost
        picks = [(b, d) for b, d in picks if b.batch_id not in lost]
    return skipped


MAX_PLAN_BYTES = 20 * 1024 * 1024  # 10,000 demands' plan is a few MB


def _plan_key(programme_id: str, plan_id: str) -> str:
    return f"plans/{programme_id}/{plan_id}.json"


def _keep(programme_id: str, plan: solver.Plan) -> str:
    """Store a preview's plan (S3, beside the exports) so that a commit can apply it exactly."""
    plan_id = new_id()
    body = {"assignments": [asdict(a) for a in plan.assignments], "unmet": [asdict(u) for u in plan.unmet]}
    storage.put_object(_plan_key(programme_id, plan_id), json.dumps(body).encode(), "application/json")
    return plan_id


def _kept(programme_id: str, plan_id: str) -> solver.Plan:
    data = storage.read(_plan_key(programme_id, plan_id), MAX_PLAN_BYTES)
    if data is None:
        raise NotFoundError("plan_not_found")
    body = json.loads(data)
    return solver.Plan(
        assignments=[solver.Assignment(**a) for a in body["assignments"]],
        unmet=[solver.Unmet(**u) for u in body["unmet"]],
    )


def run(programme_id: str, commit: bool, plan_id: str | None = None) -> tuple[solver.Plan, bool, str | None]:
    """Preview (a plan, stored under the returned plan_id) or commit (the stored plan if a
    plan_id is given, else a fresh one). Returns (the plan as applied, committed, plan_id)."""
    programme = _programme(programme_id)
    to_place, batches = _inputs(programme_id)
    if commit and plan_id:
        plan = _kept(programme_id, plan_id)
    else:
        plan = solve(to_place, _free(batches), {b.stage for b in batches})
    if not commit:
        return plan, False, _keep(programme_id, plan)
    keys = {d.demand_id: d.order_key for d in to_place}
    # A previewed demand returned since (or no longer approved) is not served by this commit
    plan = replace(
        plan,
        assignments=[a for a in plan.assignments if a.demand_id in keys],
        unmet=[u for u in plan.unmet if u.demand_id in keys],
    )
    by_id = {b.batch_id: b for b in batches}
    # A previewed batch already given to its demand (this plan committed before) is done; one
    # given to anyone else by hand since the preview is lost to this commit, reported unmet.
    done = {
        a.batch_id
        for a in plan.assignments
        if a.batch_id in by_id and by_id[a.batch_id].demand_id == a.demand_id
    }
    lost = {
        a.batch_id
        for a in plan.assignments
        if a.batch_id not in done and (a.batch_id not in by_id or by_id[a.batch_id].region_id is not None)
    }
    per_region: dict[str, list[solver.Assignment]] = defaultdict(list)
    for a in plan.assignments:
        if a.batch_id not in done and a.batch_id not in lost:
            per_region[a.region_id].append(a)
    for region_id in sorted(per_region):
        picks = [(by_id[a.batch_id], a.demand_id) for a in per_region[region_id]]
        lost |= _take(programme, region_id, picks, keys)
    if lost:
        plan = _with_lost(plan, lost, to_place)
    count("BatchesAllocated", len(plan.assignments))
    logger.info(
        "allocation committed",
        extra={"programme_id": programme_id, "batches": len(plan.assignments), "unmet": len(plan.unmet)},
    )
    return plan, True, plan_id


def _with_lost(plan: solver.Plan, lost: set[str], to_place: list[solver.DemandToPlace]) -> solver.Plan:
    """Each item that lost a batch to a concurrent change is reported unmet, not overwritten."""
    kept = [a for a in plan.assignments if a.batch_id not in lost]
    short: Counter[tuple[str, str]] = Counter(
        (a.demand_id, a.stage) for a in plan.assignments if a.batch_id in lost
    )
    unmet = [u for u in plan.unmet if (u.demand_id, u.stage) not in short]
    for item in to_place:
        for line in item.items:
            if (item.demand_id, line.stage) in short:
                mine = [a for a in kept if (a.demand_id, a.stage) == (item.demand_id, line.stage)]
                got = line.held_batches + len(mine)
                unmet.append(
                    solver.Unmet(
                        item.demand_id,
                        item.region_id,
                        line.stage,
                        line.places,
                        got + short[(item.demand_id, line.stage)],
                        got,
                        "taken_concurrently",
                        line.held_places + sum(a.seats for a in mine),
                    )
                )
    return replace(plan, assignments=kept, unmet=unmet)


def allocate_by_hand(batch_id: str, region_id: str) -> Batch:
    batch = catalog.get_batch(batch_id)
    if batch is None:
        raise NotFoundError("batch_not_found")
    if catalog.get_region(region_id) is None:
        raise NotFoundError("region_not_found")
    asked = [
        d
        for d in demands.region_demands_for(batch.programme_id, region_id, batch.stage)
        if d.review != "returned"
    ]
    if not asked:
        raise ConflictError("no_demand_for_stage")
    if batch.region_id is not None:
        raise ConflictError("batch_taken")
    if batch.offer_id is not None:
        raise ConflictError("batch_offered")  # held for a region of the waiting list meanwhile
    # The earliest of its demand lines for the stage still short of seats: a region gets by
    # hand no more than it asked for (its places, not a number of batches)
    _, seats = solver.holdings(catalog.region_batches(batch.programme_id, region_id))
    demand = next(
        (
            d
            for d in asked
            if seats[(d.demand_id, batch.stage)] < sum(i.places for i in d.items if i.stage == batch.stage)
        ),
        None,
    )
    if demand is None:
        raise ConflictError("demand_already_served")
    keys = {demand.demand_id: demand.order_key}
    if _take(_programme(batch.programme_id), region_id, [(batch, demand.demand_id)], keys):
        raise ConflictError("batch_taken")
    return replace(batch, region_id=region_id, demand_id=demand.demand_id)
