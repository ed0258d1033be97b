"""The waiting list (候补, domain/waiting.py): a region gives a batch back or the office frees
one; it is offered on, first come first served, 48 hours to answer; the hourly job moves
expired offers on.

Freeing a batch (or closing its offer) and offering it on are two steps: the hourly job also
offers on every freed batch left free and offered to nobody while a region is short for its
stage (a crash between the steps, or a region whose demand was returned as it was offered)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from chalicelib.adapters import clock, secrets
from chalicelib.config import settings
from chalicelib.db import accounts, catalog, demands
from chalicelib.db import review as demand_repo
from chalicelib.db import waiting as repo
from chalicelib.domain import waiting as rules
from chalicelib.domain.allocation import holdings
from chalicelib.domain.errors import ConflictError, NotFoundError
from chalicelib.domain.notifications import offer_messages
from chalicelib.domain.records import AuditEntry, Batch, Demand, Message, Offer, Session
from chalicelib.domain.vocab import STAGE_NAMES_ZH, ProgrammeKind, Stage
from chalicelib.observability import count, logger
from chalicelib.services import notify
from chalicelib.services.allocation import _messages as allocation_messages
from chalicelib.services.rosters import own_batch
from chalicelib.services.setup import get_programme

ATTEMPTS = 3  # a region whose demand was returned as it was offered a batch: the next one


def _shanghai(moment: datetime) -> str:
    return moment.astimezone(clock.SHANGHAI).strftime("%Y-%m-%d %H:%M")


def _free(batch: Batch, region_id: str, actor: str, reason: str, by_office: bool) -> Batch:
    demand = demand_repo.get_demand(batch.demand_id) if batch.demand_id else None
    entry = AuditEntry(batch.batch_id, actor, "free" if by_office else "release", reason, clock.now())
    repo.release(batch, region_id, demand.order_key if demand else None, entry, by_office)
    count("BatchFreed" if by_office else "BatchReleased")
    logger.info("batch freed", extra={"batch_id": batch.batch_id, "by_office": by_office})
    offer_next(batch.batch_id)
    return catalog.get_batch(batch.batch_id, consistent=True) or batch


def release(session: Session, batch_id: str, reason: str) -> Batch:
    """The region's contact gives its batch back, before the roster is confirmed."""
    batch = own_batch(session, batch_id)
    assert batch.region_id is not None
    if batch.roster_status != "open":
        raise ConflictError("roster_locked")
    if batch.trainee_count:
        raise ConflictError("release_roster_not_empty")
    return _free(batch, batch.region_id, session.account_id, reason, by_office=False)


def free_by_office(session: Session, batch_id: str) -> Batch:
    """The office takes a batch back (nobody named on it) and offers it on."""
    batch = catalog.get_batch(batch_id)
    if batch is None:
        raise NotFoundError("batch_not_found")
    if batch.region_id is None:
        raise ConflictError("batch_not_freeable")
    return _free(batch, batch.region_id, session.account_id, "", by_office=True)


def _offer_messages(offer: Offer, batch: Batch) -> list[Message]:
    region = catalog.get_region(offer.region_id)
    contact = accounts.get_account(region.contact_account_id) if region else None
    base = catalog.get_base(batch.base_id)
    if region is None or contact is None:
        return []
    line = (
        f"{base.name if base else ''}{STAGE_NAMES_ZH[Stage(batch.stage)]}，"
        f"{batch.start_date.isoformat()}至{batch.end_date.isoformat()}"
    )
    sms, subject, body = offer_messages(
        region.name, line, batch.capacity, _shanghai(offer.expires_at), settings().site_url
    )
    out = [notify.sms("offer", contact.account_id, contact.phone, sms)]
    if contact.email:
        out.append(notify.email("offer", contact.account_id, contact.email, subject, body))
    return out


def offer_next(batch_id: str, now: datetime | None = None) -> Offer | None:
    """Offer a free batch to the next region in line, if any (and if in time)."""
    batch = catalog.get_batch(batch_id, consistent=True)
    if batch is None or batch.region_id or batch.offer_id:
        return None
    programme = get_programme(batch.programme_id)
    now = now or clock.now()
    expires = rules.offer_expiry(now, programme.roster_deadline)
    if expires is None:
        return None
    _, seats = holdings(catalog.all_batches(batch.programme_id))
    in_line = demands.all_for_programme(batch.programme_id)
    for _ in range(ATTEMPTS):
        demand = rules.next_in_line(in_line, batch.stage, seats, set(batch.passed_regions))
        if demand is None:
            return None
        offer = _offer(batch, demand, now, expires)
        messages = _offer_messages(offer, batch)
        refused = repo.make(offer, messages)
        if "batch" in refused:
            return None  # taken or held meanwhile: whoever holds it now decides
        if refused:  # the demand was returned meanwhile: the next one in line
            in_line = [d for d in in_line if d.demand_id != demand.demand_id]
            continue
        notify.deliver_all(messages)
        count("BatchOffered")
        logger.info("batch offered", extra={"batch_id": batch.batch_id, "offer_id": offer.offer_id})
        return offer
    return None  # the hourly job tries again


def _offer(batch: Batch, demand: Demand, now: datetime, expires: datetime) -> Offer:
    return Offer(
        secrets.new_id(),
        batch.batch_id,
        batch.programme_id,
        demand.region_id,
        demand.demand_id,
        demand.order_key,
        batch.stage,
        rules.OPEN,
        now,
        expires,
    )


def _own(session: Session, offer_id: str) -> Offer:
    offer = repo.get(offer_id)
    if offer is None or offer.region_id not in session.region_ids:
        raise NotFoundError("offer_not_found")
    return offer


def _check_open(offer: Offer, now: datetime) -> None:
    if offer.status == rules.EXPIRED or (offer.status == rules.OPEN and now >= offer.expires_at):
        raise ConflictError("offer_expired")
    if offer.status != rules.OPEN:
        raise ConflictError("offer_closed")


def my_offers(session: Session) -> list[tuple[Offer, Batch | None]]:
    offers = [o for region_id in sorted(session.region_ids) for o in repo.of_region(region_id)]
    batches = catalog.get_batches({o.batch_id for o in offers})
    return [(o, batches.get(o.batch_id)) for o in sorted(offers, key=lambda o: o.created_at, reverse=True)]


def accept(session: Session, offer_id: str) -> Offer:
    """The batch becomes the region's; accepting again changes nothing; late is refused."""
    offer = _own(session, offer_id)
    if offer.status == rules.ACCEPTED:
        return offer
    now = clock.now()
    _check_open(offer, now)
    batch = catalog.get_batch(offer.batch_id)
    demand = demand_repo.get_demand(offer.demand_id)
    assert batch is not None and demand is not None
    asked = sum(line.places for line in demand.items if line.stage == offer.stage)
    messages = allocation_messages(get_programme(offer.programme_id), offer.region_id, [batch])
    try:
        repo.accept(offer, batch, now, messages, asked)
    except repo.OfferRefused:
        again = repo.get(offer_id) or offer
        if again.status == rules.ACCEPTED:
            return again
        _check_open(again, now)
        raise ConflictError("conflict") from None
    except ConflictError as exc:
        if exc.code == "demand_already_served" and repo.close(offer, rules.WITHDRAWN, now):
            offer_next(offer.batch_id)  # served meanwhile: the batch goes to the next in line
        raise
    notify.deliver_all(messages)
    count("OfferAccepted")
    return replace(offer, status=rules.ACCEPTED, answered_at=now)


def decline(session: Session, offer_id: str) -> Offer:
    """The region lets the batch go: it is offered to the next region in line."""
    offer = _own(session, offer_id)
    if offer.status == rules.DECLINED:
        return offer
    now = clock.now()
    _check_open(offer, now)
    if repo.close(offer, rules.DECLINED, now):
        offer_next(offer.batch_id)
        return replace(offer, status=rules.DECLINED, answered_at=now)
    again = repo.get(offer_id) or offer
    if again.status != rules.DECLINED:
        _check_open(again, now)
    return again


def expire_due(now: datetime | None = None) -> dict[str, int]:
    """The hourly job: close the offers whose time is up, and offer each batch on; then offer
    on the freed batches that were left offered to nobody (`recovered`)."""
    now = now or clock.now()
    expired = offered = 0
    for offer in repo.due(now):
        if repo.close(offer, rules.EXPIRED, now):
            count("OfferExpired")
            expired += 1
            offered += offer_next(offer.batch_id, now) is not None
    recovered = sum(offer_next(batch_id, now) is not None for batch_id in _stranded(now))
    if recovered:
        count("OfferRecovered", recovered)
        logger.warning("freed batches offered late", extra={"recovered": recovered})
    return {"expired": expired, "offered": offered, "recovered": recovered}


def _stranded(now: datetime) -> list[str]:
    """The batches freed (given back, taken back or passed on) and left free and offered to
    nobody while a region is short for their stage, in the programmes whose roster deadline
    has not passed: a Query of each one's batches, and of its demands when one is free."""
    found: list[str] = []
    for programme in catalog.all_programmes():
        if programme.kind == ProgrammeKind.guopei or now >= programme.roster_deadline:
            continue
        batches = catalog.all_batches(programme.programme_id)
        free = [b for b in batches if b.region_id is None and b.offer_id is None and b.passed_regions]
        if not free:
            continue
        in_line = demands.all_for_programme(programme.programme_id)
        _, seats = holdings(batches)
        found += [
            b.batch_id for b in free if rules.next_in_line(in_line, b.stage, seats, set(b.passed_regions))
        ]
    return found
