"""The waiting list (候补): a region gives a batch back; a freed batch is offered on."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalice.app import Blueprint

from chalicelib.api.admin import batch_out
from chalicelib.api.routing import Call, route
from chalicelib.domain.records import Batch, Offer, Page
from chalicelib.lazy import lazy_import
from chalicelib.schemas.common import shanghai
from chalicelib.schemas.rosters import ReasonIn
from chalicelib.schemas.setup import BatchOut
from chalicelib.schemas.waiting import OfferOut

if TYPE_CHECKING:  # the real modules for mypy; at run time, loaded on first use (lazy.py)
    from chalicelib.db import catalog
    from chalicelib.services import waiting
else:
    waiting = lazy_import("chalicelib.services.waiting")
    catalog = lazy_import("chalicelib.db.catalog")

bp = Blueprint(__name__)
REGION = frozenset({"region_contact"})


def offer_out(o: Offer, batch: Batch | None = None, base_name: str = "") -> OfferOut:
    return OfferOut(
        offer_id=o.offer_id,
        batch_id=o.batch_id,
        region_id=o.region_id,
        demand_id=o.demand_id,
        stage=o.stage,
        status=o.status,
        created_at=shanghai(o.created_at),
        expires_at=shanghai(o.expires_at),
        answered_at=shanghai(o.answered_at),
        base_name=base_name,
        start_date=batch.start_date if batch else None,
        end_date=batch.end_date if batch else None,
        capacity=batch.capacity if batch else 0,
        study_type=batch.study_type if batch else "",
    )


@route(
    bp,
    "/batches/{batch_id}/release",
    "POST",
    roles=REGION,
    body=ReasonIn,
    response=BatchOut,
    summary="退回一个已分配的批次（名单确认前、尚无研修人员时），批次依次提供给候补实验区",
)
def release(call: Call[ReasonIn], batch_id: str) -> BatchOut:
    return batch_out(waiting.release(call.me, batch_id, call.body.reason))


@route(
    bp, "/me/offers", roles=REGION, response=OfferOut, paged=True, summary="候补名额：提供给本实验区的批次"
)
def my_offers(call: Call) -> Page[OfferOut]:
    rows = waiting.my_offers(call.me)
    bases = catalog.get_bases({b.base_id for _, b in rows if b})
    return call.page_of(
        [offer_out(o, b, bases[b.base_id].name if b and b.base_id in bases else "") for o, b in rows]
    )


@route(
    bp,
    "/offers/{offer_id}/accept",
    "POST",
    roles=REGION,
    response=OfferOut,
    summary="接受候补批次（48小时内；逾期不能接受）",
)
def accept(call: Call, offer_id: str) -> OfferOut:
    return offer_out(waiting.accept(call.me, offer_id))


@route(
    bp,
    "/offers/{offer_id}/decline",
    "POST",
    roles=REGION,
    response=OfferOut,
    summary="放弃候补批次（批次依次提供给下一个实验区）",
)
def decline(call: Call, offer_id: str) -> OfferOut:
    return offer_out(waiting.decline(call.me, offer_id))
