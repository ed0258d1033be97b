"""The waiting list: releasing a batch, and its offers.

Access patterns:
- release (a region gives its batch back, or the office takes it): one transaction: the batch
  freed under the condition that it is the region's and has nobody on its roster (open), the
  region noted among those that passed on it; its demand holding one batch fewer; the audit
  entry with the reason.
- offer: one transaction: the batch held for the offer (still free, held for no other), the
  offer (Put), the region contact's SMS and e-mail.
- accept: one transaction: the offer open and in time, the roster deadline not passed, the
  batch (held for this offer) allocated to the region and its demand, the demand counting it
  (not returned meanwhile), the allocation's SMS and e-mail.
- decline, expire: one transaction: the offer closed (if still open), the batch no longer held
  and the region noted among those that passed on it.
- Query offers.by_region (a contact's offers); Query offers.open by expiry (the hourly job).
"""

from __future__ import annotations

from datetime import datetime

from pynamodb.exceptions import DoesNotExist

from chalicelib.db.audit import audit_item
from chalicelib.db.common import key_time
from chalicelib.db.demands import count_batches
from chalicelib.db.models import BatchModel, OfferModel, ProgrammeModel
from chalicelib.db.outbox import message_item
from chalicelib.db.writes import transaction
from chalicelib.domain.errors import ConflictError
from chalicelib.domain.records import AuditEntry, Batch, Message, Offer
from chalicelib.domain.waiting import OPEN

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
            count_batches(tx, batch.programme_id, demand_key, batch.demand_id, -1)
        tx.save(audit_item(entry))


def make(offer: Offer, messages: list[Message]) -> bool:
    """Hold the batch for the offer and record it; False if the batch was taken or held meanwhile."""
    with transaction(tolerate={"batch"}) as tx:
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
        for message in messages:
            tx.save(message_item(message))
    return not tx.refused


class OfferRefused(Exception):
    """The offer was not open and in time any more, or the demand was returned meanwhile."""


def accept(offer: Offer, batch: Batch, now: datetime, messages: list[Message]) -> None:
    key = f"{batch.programme_id}#{batch.stage}#{batch.start_date.isoformat()}#{batch.batch_id}"
    errors = {
        "deadline": ConflictError("deadline_passed"),
        "offer": OfferRefused(),
        f"demand#{offer.demand_id}": ConflictError("demand_returned"),
        "batch": OfferRefused(),
    }
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
        count_batches(tx, batch.programme_id, offer.demand_key, offer.demand_id, 1)
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
    return not tx.refused
