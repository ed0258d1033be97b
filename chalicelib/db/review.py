"""The office's review of demands (审核): approve, or return with a reason.

Access patterns:
- a demand by id: Query demands.by_id (one item), then GetItem strongly by its key where a
  decision needs what is stored now.
- approve: UpdateItem under the condition that the demand is still pending.
- return: one transaction: the demand (pending or approved, holding no batch) becomes
  returned with its reason; the region's tally and each stage's give its places back
  (remaining up, requested down); each open offer of the waiting list made to it is
  withdrawn and its batch no longer held, under the condition that these are all of them
  (the demand's count of open offers); the contact's SMS and e-mail. When the region has no
  other live demand, its tally awaits a demand again (the demand reminder), under the
  condition that what it asked for is exactly this demand's places.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from pynamodb.exceptions import DoesNotExist
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action

from chalicelib.db.demands import _demand
from chalicelib.db.models import DemandModel, QuotaModel
from chalicelib.db.outbox import message_item
from chalicelib.db.waiting import withdraw
from chalicelib.db.writes import applied, transaction
from chalicelib.domain.demand import stage_tally_key
from chalicelib.domain.records import Demand, Message, Offer


class ReviewRefused(Exception):
    """The demand is no longer as read (returned, or given a batch, meanwhile)."""


class TallyMoved(Exception):
    """The region's tally changed meanwhile (another demand came or went): read it again."""


class OffersMoved(Exception):
    """An offer read as open was answered meanwhile: read the demand's offers again."""


def get_demand(demand_id: str) -> Demand | None:
    found = next(iter(DemandModel.by_id.query(demand_id, limit=1)), None)
    return _demand(found) if found is not None else None


def reread(d: Demand) -> Demand | None:
    """The demand as stored now (a strongly consistent read by its key)."""
    try:
        return _demand(DemandModel.get(d.programme_id, d.order_key, consistent_read=True))
    except DoesNotExist:
        return None


def _open_for_review() -> Condition:
    condition: Condition = DemandModel.review.does_not_exist() | (DemandModel.review == "pending")
    return condition


def approve(d: Demand, actor: str, now: datetime) -> bool:
    """pending -> approved. False if it was not pending any more."""
    return applied(
        lambda: DemandModel(d.programme_id, d.order_key).update(
            actions=[
                DemandModel.review.set("approved"),
                DemandModel.reviewed_at.set(now),
                DemandModel.reviewed_by.set(actor),
            ],
            condition=DemandModel.demand_key.exists() & _open_for_review(),
        )
    )


def requested(programme_id: str, region_id: str) -> int:
    """What the region's live demands ask for now (a strongly consistent read)."""
    try:
        return int(QuotaModel.get(programme_id, region_id, consistent_read=True).requested or 0)
    except DoesNotExist:
        return 0


def give_back(
    d: Demand,
    reason: str,
    actor: str,
    now: datetime,
    messages: list[Message],
    last_live: bool,
    offers: Sequence[Offer] = (),
) -> None:
    """Return the demand and give its places back, all or nothing (see the module); `offers`
    are its open offers, withdrawn with it (ReviewRefused if there are more of them now)."""
    returnable = (DemandModel.review.does_not_exist() | DemandModel.review.is_in("pending", "approved")) & (
        DemandModel.held_batches.does_not_exist() | (DemandModel.held_batches == 0)
    )
    # No offer made since `offers` were read (offers made before the count was kept: none counted)
    returnable &= DemandModel.open_offers.does_not_exist() | (DemandModel.open_offers <= len(offers))
    region_actions: list[Action] = [
        QuotaModel.remaining.add(d.places),
        QuotaModel.requested.add(-d.places),
        QuotaModel.updated_at.set(now),
    ]
    if last_live:
        region_actions.append(QuotaModel.awaiting_demand.set(d.programme_id))
    as_read = (QuotaModel.requested == d.places) if last_live else (QuotaModel.requested > d.places)
    errors = {"demand": ReviewRefused(), "quota": TallyMoved(), "offers": OffersMoved()}
    with transaction(errors=errors) as tx:
        tx.update(
            DemandModel(d.programme_id, d.order_key),
            actions=[
                DemandModel.review.set("returned"),
                DemandModel.reason.set(reason),
                DemandModel.reviewed_at.set(now),
                DemandModel.reviewed_by.set(actor),
                DemandModel.open_offers.set(0),
            ],
            condition=DemandModel.demand_key.exists() & returnable,
            tag="demand",
        )
        tx.update(
            QuotaModel(d.programme_id, d.region_id), actions=region_actions, condition=as_read, tag="quota"
        )
        for line in d.items:
            tx.update(
                QuotaModel(d.programme_id, stage_tally_key(line.stage)),
                actions=[QuotaModel.requested.add(-line.places), QuotaModel.remaining.add(line.places)],
            )
        for offer in offers:
            withdraw(tx, offer, now, tag="offers")
        for message in messages:
            tx.save(message_item(message))
