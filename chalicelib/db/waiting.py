"""The waiting list: releasing a batch, and its offers.

Access patterns:
- release (a region gives its batch back, or the office takes it): one transaction: the batch
  freed under the condition that it is the region's and has nobody on its roster (open), the
  region noted among those that passed on it; its demand holding one batch fewer; the audit
  entry with the reason.
- offer: one transaction: the batch held for the offer (still free, held for no other), the
  offer (Put), the demand counting one more open offer (still approved: not returned
  meanwhile), the region contact's SMS and e-mail.
- accept: one transaction: the offer open and in time, the roster deadline not passed, the
  batch (held for this offer) allocated to the region and its demand, the demand counting it
  and one open offer fewer, under the condition that it was not returned and its line for the
  stage is still short of seats (a commit or the office may have served it meanwhile), the
  allocation's SMS and e-mail.
- decline, expire: one transaction: the offer closed (if still open), the batch no longer held
  and the region noted among those that passed on it, the demand counting one open offer fewer.
- withdraw (the demand returned): in the return's own transaction (db/review.py), each open
  offer of the demand closed and its batch no longer held.
- Query offers.by_region (a contact's offers, a demand's open ones); Query offers.open by
  expiry (the hourly job).
"""

from __future__ import annotations

from datetime import datetime

from pynamodb.exceptions import DoesNotExist

from chalicelib.db.audit import audit_item
from chalicelib.db.common import key_time
from chalicelib.db.demands import count_batches
from chalicelib.db.models import BatchModel, DemandModel, OfferModel, ProgrammeModel
from chalicelib.db.outbox import message_item
from chalicelib.db.writes import Failure, Refusal, Transaction, transaction
from chalicelib.domain.errors import ConflictError
from chalicelib.domain.records import AuditEntry, Batch, Message, Offer
from chalicelib.domain.waiting import OPEN, WITHDRAWN

OPEN_QUEUE = "open"


def _offer(m: OfferModel) -> Offer:
    return Offer(
        m.offer_id,
        m.batch_id,
        m.programme_id,
        m.region_id,
        m.demand_id,
        m.demand_key,
        m.stage,
        m.status,
        m.created_at,
        m.expires_at,
        m.answered_at,
    )


def get(offer_id: str) -> Offer | None:
    try:
        return _offer(OfferModel.get(offer_id, consistent_read=True))
    except DoesNotExist:
        return None


def of_region(region_id: str) -> list[Offer]:
    return [_offer(m) for m in OfferModel.by_region.query(region_id)]


def open_for_demand(region_id: str, demand_id: str) -> list[Offer]:
    """The demand's open offers (a Query of its region's offers; the index may lag a moment:
    the return's condition on the demand's count of open offers tells it to read again)."""
    condition = (OfferModel.demand_id == demand_id) & (OfferModel.status == OPEN)
    return [_offer(m) for m in OfferModel.by_region.query(region_id, filter_condition=condition)]


def due(now: datetime) -> list[Offer]:
    """The open offers whose time is up."""
    rows = OfferModel.by_open.query(OPEN_QUEUE, OfferModel.expires_key <= key_time(now))
    return [_offer(m) for m in rows]


def release(batch: Batch, region_id: str, demand_key: str | None, entry: AuditEntry, by_office: bool) -> None:
    """Free the region's batch (nobody named on it; for the region, its roster still open)."""
    condition = (BatchModel.region_id == region_id) & (BatchModel.trainee_count == 0)
    if not by_office:
        condition &= BatchModel.roster_status == "open"
    errors = {"batch": ConflictError("batch_not_freeable")}
    with transaction(errors=errors) as tx:
        tx.update(
            BatchModel(batch.batch_id),
            actions=[
                BatchModel.region_id.remove(),
                BatchModel.demand_id.remove(),
                BatchModel.programme_stage_key.remove(),
                BatchModel.awaiting_roster.remove(),
                BatchModel.passed_regions.add({region_id}),
            ],
            condition=condition,
            tag="batch",
        )
        if demand_key and batch.demand_id:
            count_batches(tx, demand_key, batch.demand_id, [batch], given=False)
        tx.save(audit_item(entry))


def make(offer: Offer, messages: list[Message]) -> frozenset[str]:
    """Hold the batch for the offer and record it. Returns what refused, nothing written:
    "batch" (taken or held meanwhile), "demand" (no longer approved: returned meanwhile)."""
    with transaction(tolerate={"batch", "demand"}) as tx:
        tx.update(
            BatchModel(offer.batch_id),
            actions=[BatchModel.offer_id.set(offer.offer_id)],
            condition=BatchModel.batch_id.exists()
            & BatchModel.region_id.does_not_exist()
            & BatchModel.offer_id.does_not_exist(),
            tag="batch",
        )
        tx.save(
            OfferModel(
                offer.offer_id,
                batch_id=offer.batch_id,
                programme_id=offer.programme_id,
                region_id=offer.region_id,
                demand_id=offer.demand_id,
                demand_key=offer.demand_key,
                stage=offer.stage,
                status=OPEN,
                created_at=offer.created_at,
                expires_at=offer.expires_at,
                created_key=f"{key_time(offer.created_at)}#{offer.offer_id}",
                open=OPEN_QUEUE,
                expires_key=key_time(offer.expires_at),
            ),
            condition=OfferModel.offer_id.does_not_exist(),
        )
        tx.update(
            DemandModel(offer.programme_id, offer.demand_key),
            actions=[DemandModel.open_offers.add(1)],
            condition=DemandModel.demand_key.exists() & (DemandModel.review == "approved"),
            tag="demand",
        )
        for message in messages:
            tx.save(message_item(message))
    return tx.refused


class OfferRefused(Exception):
    """The offer was not open and in time any more, or the demand was returned meanwhile."""


def _returned_or_served(tag: str) -> Failure:
    """Why the demand refused an accepted offer, as the condition saw it."""

    def answer(refusal: Refusal) -> BaseException:
        reason = refusal.reason(tag)
        old = reason.raw_item if reason is not None else None
        if old and old.get("review", {}).get("S") == "returned":
            return ConflictError("demand_returned")
        return ConflictError("demand_already_served")

    return answer


def accept(offer: Offer, batch: Batch, now: datetime, messages: list[Message], asked: int) -> None:
    """`asked`: the places the demand's line for the batch's stage asks for; the accept is
    refused (demand_already_served) when the seats it holds for the stage reach them."""
    key = f"{batch.programme_id}#{batch.stage}#{batch.start_date.isoformat()}#{batch.batch_id}"
    demand_tag = f"demand#{offer.demand_id}"
    errors: dict[str, Failure] = {
        "deadline": ConflictError("deadline_passed"),
        "offer": OfferRefused(),
        demand_tag: _returned_or_served(demand_tag),
        "batch": OfferRefused(),
    }
    seats = DemandModel.seats_of(batch.stage)
    with transaction(errors=errors) as tx:
        tx.condition_check(
            ProgrammeModel,
            batch.programme_id,
            condition=ProgrammeModel.roster_deadline >= now,
            tag="deadline",
        )
        tx.update(
            OfferModel(offer.offer_id),
            actions=[
                OfferModel.status.set("accepted"),
                OfferModel.answered_at.set(now),
                OfferModel.open.remove(),
                OfferModel.expires_key.remove(),
            ],
            condition=(OfferModel.status == OPEN) & (OfferModel.expires_key > key_time(now)),
            tag="offer",
        )
        tx.update(
            BatchModel(batch.batch_id),
            actions=[
                BatchModel.region_id.set(offer.region_id),
                BatchModel.demand_id.set(offer.demand_id),
                BatchModel.programme_stage_key.set(key),
                BatchModel.awaiting_roster.set(batch.programme_id),
                BatchModel.offer_id.remove(),
            ],
            condition=(BatchModel.offer_id == offer.offer_id) & BatchModel.region_id.does_not_exist(),
            tag="batch",
        )
        count_batches(
            tx,
            offer.demand_key,
            offer.demand_id,
            [batch],
            given=True,
            also=[DemandModel.open_offers.add(-1)],
            only_if=seats.does_not_exist() | (seats < asked),  # still short of what it asked
        )
        for message in messages:
            tx.save(message_item(message))


def close(offer: Offer, status: str, now: datetime) -> bool:
    """open -> declined / expired: the batch is no longer held, the region has passed on it.
    False if it was not open any more."""
    with transaction(tolerate={"offer", "held"}) as tx:
        tx.update(
            OfferModel(offer.offer_id),
            actions=[
                OfferModel.status.set(status),
                OfferModel.answered_at.set(now),
                OfferModel.open.remove(),
                OfferModel.expires_key.remove(),
            ],
            condition=OfferModel.status == OPEN,
            tag="offer",
        )
        tx.update(
            BatchModel(offer.batch_id),
            actions=[BatchModel.offer_id.remove(), BatchModel.passed_regions.add({offer.region_id})],
            condition=BatchModel.offer_id == offer.offer_id,
            tag="held",
        )
        tx.update(
            DemandModel(offer.programme_id, offer.demand_key), actions=[DemandModel.open_offers.add(-1)]
        )
    return not tx.refused


def withdraw(tx: Transaction, offer: Offer, now: datetime, tag: str) -> None:
    """In `tx` (the return of the offer's demand): the offer closed as withdrawn and its batch
    no longer held (free again, to be offered on); `tag` fails if it was not open any more.
    The region has not passed on the batch: a demand it submits again may still be offered it."""
    tx.update(
        OfferModel(offer.offer_id),
        actions=[
            OfferModel.status.set(WITHDRAWN),
            OfferModel.answered_at.set(now),
            OfferModel.open.remove(),
            OfferModel.expires_key.remove(),
        ],
        condition=OfferModel.status == OPEN,
        tag=tag,
    )
    tx.update(
        BatchModel(offer.batch_id),
        actions=[BatchModel.offer_id.remove()],
        condition=BatchModel.offer_id == offer.offer_id,
        tag=tag,
    )
