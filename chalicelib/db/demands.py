"""Demands, quota tallies and the allocation's batch writes.

Access patterns:
- submit a demand: one transaction: the programme's deadline (ConditionCheck), the region's
  tally (remaining >= n), each stage's tally (ADD), the demand (Put).
- the demand form: one BatchGetItem of the region's and the four stages' tallies.
- the office's list: Query demands[programme_id], oldest first; a region's: Query by_region
  (the office's too, when it picks a region). Filtered by status: the whole Query, then paged.
- the allocation: Query batches.by_programme (all of them: free ones are candidates, taken
  ones tell what each demand already holds); each region's new batches are taken in one
  transaction with attribute_not_exists(region_id) per batch, with its SMS and e-mail.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action

from chalicelib.db.common import cursor_checked, decode_cursor, encode_cursor, key_time
from chalicelib.db.models import BatchModel, DemandItemMap, DemandModel, ProgrammeModel, QuotaModel
from chalicelib.db.outbox import message_item
from chalicelib.db.writes import Refusal, Transaction, applied, failing_as, transaction
from chalicelib.domain.demand import stage_tally_key
from chalicelib.domain.errors import ConflictError
from chalicelib.domain.records import Batch, Demand, DemandLine, Message, Page, Quota


class QuotaMissing(Exception):
    """The region has no tally yet in this programme (created on first use)."""


class DeadlineOrProgramme(Exception):
    """The programme's condition failed: it does not exist or its deadline has passed."""


def _demand(m: DemandModel) -> Demand:
    return Demand(
        demand_id=m.demand_id,
        programme_id=m.programme_id,
        region_id=m.region_id,
        study_type=m.study_type,
        purpose=m.purpose,
        items=tuple(DemandLine(i.stage, int(i.places), i.remark) for i in m.items),
        places=int(m.places),
        submitted_at=m.submitted_at,
        order_key=m.demand_key,
        review=m.review or "pending",
        reason=m.reason,
        reviewed_at=m.reviewed_at,
        held_batches=int(m.held_batches or 0),
    )


def submit(demand: Demand, now: datetime, submitted_by: str) -> Demand:
    """Record the demand and lower the region's remaining places, all or nothing."""
    order_key = f"{key_time(demand.submitted_at)}#{demand.demand_id}"
    item = DemandModel(
        demand.programme_id,
        order_key,
        demand_id=demand.demand_id,
        region_id=demand.region_id,
        region_key=f"{demand.programme_id}#{demand.region_id}",
        study_type=demand.study_type,
        purpose=demand.purpose,
        items=[DemandItemMap(stage=i.stage, places=i.places, remark=i.remark) for i in demand.items],  # type: ignore[no-untyped-call]
        places=demand.places,
        submitted_at=demand.submitted_at,
        submitted_by=submitted_by,
    )
    n = demand.places

    def short_or_missing(refusal: Refusal) -> Exception:
        # Not a read after the fact: the tally as the condition saw it (a sibling may have
        # created it since), or none at all.
        quota = refusal.reason("quota")
        return QuotaMissing() if quota is None or not quota.raw_item else ConflictError("quota_exceeded")

    with transaction(errors={"programme": DeadlineOrProgramme(), "quota": short_or_missing}) as tx:
        in_time = (
            ProgrammeModel.programme_id.exists()
            & (ProgrammeModel.demand_deadline >= now)
            & ProgrammeModel.draft.does_not_exist()  # a draft takes no demand until it opens
        )
        tx.condition_check(ProgrammeModel, demand.programme_id, condition=in_time, tag="programme")
        tx.update(
            QuotaModel(demand.programme_id, demand.region_id),
            actions=[
                QuotaModel.remaining.add(-n),
                QuotaModel.requested.add(n),
                QuotaModel.updated_at.set(now),
                QuotaModel.awaiting_demand.remove(),
            ],
            condition=QuotaModel.remaining >= n,
            return_values="ALL_OLD",  # the tally as the condition saw it, or none at all
            tag="quota",
        )
        for line in demand.items:
            tx.update(
                QuotaModel(demand.programme_id, stage_tally_key(line.stage)),
                actions=[QuotaModel.requested.add(line.places), QuotaModel.remaining.add(-line.places)],
            )
        tx.save(item, condition=DemandModel.demand_key.does_not_exist())
    return _demand(item)


def _opening(programme_id: str, region_id: str, places: int, now: datetime) -> QuotaModel:
    """A region's tally before its first demand: the default places, awaiting a demand."""
    return QuotaModel(
        programme_id,
        region_id,
        places=places,
        requested=0,
        remaining=places,
        updated_at=now,
        awaiting_demand=programme_id,
    )


def create_quota(programme_id: str, region_id: str, places: int, now: datetime) -> None:
    """A region's first tally (a racing twin is fine: the first one stays)."""
    applied(
        lambda: _opening(programme_id, region_id, places, now).save(
            condition=QuotaModel.places.does_not_exist()
        )
    )


def open_quotas(programme_id: str, region_ids: list[str], places: int, now: datetime) -> None:
    """Every region's tally of a new programme (the reminder's awaiting_demand index).
    BatchWriteItem: 25 a call."""
    with QuotaModel.batch_write() as batch:
        for region_id in region_ids:
            batch.save(_opening(programme_id, region_id, places, now))


def awaiting_demand(programme_id: str) -> list[str]:
    """The regions that have not asked for places in the programme (one Query)."""
    return [m.region_id for m in QuotaModel.by_awaiting_demand.query(programme_id)]


def _quota(m: QuotaModel) -> Quota:
    return Quota(m.programme_id, m.region_id, int(m.places or 0), int(m.requested or 0))


def tallies(programme_id: str, region_id: str, stages: list[str]) -> dict[str, Quota]:
    """The region's tally and each stage's, in one BatchGetItem; keyed by region_id/tally key."""
    keys = [(programme_id, region_id)] + [(programme_id, stage_tally_key(s)) for s in stages]
    return {m.region_id: _quota(m) for m in QuotaModel.batch_get(keys)}


def set_quota(q: Quota, now: datetime) -> Quota:
    """Set a region's places; its remaining places follow. Refused (409) below what the
    region already asked for: the condition compares with the stored `requested`."""
    item = QuotaModel(q.programme_id, q.region_id)
    with failing_as(ConflictError("quota_below_held")):
        item.update(
            actions=[
                QuotaModel.places.set(q.places),
                QuotaModel.remaining.set(q.places - (QuotaModel.requested | 0)),
                QuotaModel.requested.set(QuotaModel.requested | 0),
                QuotaModel.updated_at.set(now),
            ],
            condition=QuotaModel.requested.does_not_exist() | (QuotaModel.requested <= q.places),
        )
    return _quota(item)


def list_for_programme(programme_id: str, limit: int, cursor: str | None) -> Page[Demand]:
    rows = DemandModel.query(programme_id, limit=limit, last_evaluated_key=decode_cursor(cursor, DemandModel))
    with cursor_checked(cursor):
        items = [_demand(m) for m in rows]
    return Page(items, encode_cursor(rows.last_evaluated_key))


def list_for_region(programme_id: str, region_id: str, limit: int, cursor: str | None) -> Page[Demand]:
    rows = DemandModel.by_region.query(
        f"{programme_id}#{region_id}",
        limit=limit,
        last_evaluated_key=decode_cursor(cursor, DemandModel.by_region),
    )
    with cursor_checked(cursor):
        items = [_demand(m) for m in rows]
    return Page(items, encode_cursor(rows.last_evaluated_key))


def all_for_programme(programme_id: str) -> list[Demand]:
    return [_demand(m) for m in DemandModel.query(programme_id)]


def all_for_region(programme_id: str, region_id: str) -> list[Demand]:
    return [_demand(m) for m in DemandModel.by_region.query(f"{programme_id}#{region_id}")]


def region_demands_for(programme_id: str, region_id: str, stage: str) -> list[Demand]:
    """The region's demands with a line for `stage`, earliest first."""
    return [
        _demand(m)
        for m in DemandModel.by_region.query(f"{programme_id}#{region_id}")
        if any(i.stage == stage for i in m.items)
    ]


# --- the allocation's batch writes -----------------------------------------------------


def _allocated_actions(region_id: str, demand_id: str, batch: Batch) -> list[Any]:
    key = f"{batch.programme_id}#{batch.stage}#{batch.start_date.isoformat()}#{batch.batch_id}"
    return [
        BatchModel.region_id.set(region_id),
        BatchModel.demand_id.set(demand_id),
        BatchModel.programme_stage_key.set(key),
        BatchModel.awaiting_roster.set(batch.programme_id),
    ]


def take_batches(
    region_id: str,
    picks: list[tuple[Batch, str]],
    messages: list[Message],
    demand_keys: dict[str, str] | None = None,
) -> set[str]:
    """Give `picks` (batch, demand id) to the region, each only if still free, with the
    region's messages, in one transaction. Each demand named in `demand_keys` (id -> order
    key) counts its new batches and is approved (the office allocating is a review), unless it
    was returned meanwhile. Returns the tags of what refused: the batch ids somebody took first
    and "demand#<id>" for a returned demand (then nothing was written: call again without them)."""
    keys = demand_keys or {}
    given: dict[str, list[Batch]] = defaultdict(list)
    for batch, demand_id in picks:
        given[demand_id].append(batch)
    refusable = {batch.batch_id for batch, _ in picks} | {f"demand#{d}" for d in given if d in keys}
    with transaction(tolerate=refusable) as tx:
        for batch, demand_id in picks:
            tx.update(
                BatchModel(batch.batch_id),
                actions=_allocated_actions(region_id, demand_id, batch),
                # a batch held for an offer of the waiting list is not anyone else's meanwhile
                condition=BatchModel.region_id.does_not_exist()
                & BatchModel.batch_id.exists()
                & BatchModel.offer_id.does_not_exist(),
                tag=batch.batch_id,
            )
        for demand_id, batches in given.items():
            if demand_id in keys:
                count_batches(tx, keys[demand_id], demand_id, batches, given=True)
        for message in messages:
            tx.save(message_item(message))
    return set(tx.refused)


def count_batches(
    tx: Transaction,
    demand_key: str,
    demand_id: str,
    batches: Sequence[Batch],
    *,
    given: bool,
    also: Sequence[Action] = (),
    only_if: Condition | None = None,
) -> None:
    """In `tx`: the demand holds `batches` (given; one or more, of one programme) or no longer
    holds them, its batches and
    each stage's seats counted; given one, it is approved, and refused if it was returned.
    `also` and `only_if` add the caller's own actions and condition on the demand (one
    transaction writes an item once), under the same tag "demand#<id>"."""
    sign = 1 if given else -1
    seats: Counter[str] = Counter()
    for batch in batches:
        seats[batch.stage] += batch.capacity
    actions: list[Any] = [DemandModel.held_batches.add(sign * len(batches))]
    actions += [DemandModel.seats_of(stage).add(sign * n) for stage, n in sorted(seats.items())]
    condition = DemandModel.demand_key.exists()
    if given:
        actions.append(DemandModel.review.set("approved"))
        condition &= DemandModel.review.does_not_exist() | (DemandModel.review != "returned")
    if only_if is not None:
        condition &= only_if
    tx.update(
        DemandModel(batches[0].programme_id, demand_key),
        actions=actions + list(also),
        condition=condition,
        return_values="ALL_OLD",  # the demand as the condition saw it (returned, or served)
        tag=f"demand#{demand_id}",
    )
