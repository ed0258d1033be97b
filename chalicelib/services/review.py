"""The office's review of demands (审核): approve, or return with a reason, the contact told
why by SMS and e-mail (domain/review.py has the rules). A returned demand's open offers of the
waiting list are withdrawn with it, and their batches offered on."""

from __future__ import annotations

from dataclasses import replace

from chalicelib.adapters import clock
from chalicelib.config import settings
from chalicelib.db import accounts, catalog
from chalicelib.db import review as repo
from chalicelib.db import waiting as offers_repo
from chalicelib.domain import review as rules
from chalicelib.domain.errors import ConflictError, NotFoundError
from chalicelib.domain.notifications import demand_returned_messages
from chalicelib.domain.records import Demand, Message, Session
from chalicelib.domain.vocab import STAGE_NAMES_ZH, Stage
from chalicelib.observability import count, logger
from chalicelib.services import notify, waiting
from chalicelib.services.demand import DemandProgress, progress

ATTEMPTS = 3  # a tally or a demand changing under us is read again, a few times


def get_demand(demand_id: str) -> Demand:
    demand = repo.get_demand(demand_id)
    if demand is None:
        raise NotFoundError("demand_not_found")
    return demand


def shown(d: Demand) -> DemandProgress:
    """The demand as the lists show it (its lines' batches and its status)."""
    [row] = progress([d], catalog.region_batches(d.programme_id, d.region_id))
    return row


def approve(session: Session, demand_id: str) -> DemandProgress:
    """pending -> approved; approving again changes nothing; a returned one is refused."""
    d = get_demand(demand_id)
    rules.check_approvable(d.review)
    if d.review == rules.PENDING:
        if repo.approve(d, session.account_id, clock.now()):
            count("DemandApproved")
        else:
            d = repo.reread(d) or d  # reviewed meanwhile: say what it is now
            rules.check_approvable(d.review)
    return shown(repo.reread(d) or d)


def _lines(d: Demand) -> list[str]:
    return [f"{STAGE_NAMES_ZH[Stage(line.stage)]}{line.places}名" for line in d.items]


def _messages(d: Demand, reason: str) -> list[Message]:
    region = catalog.get_region(d.region_id)
    programme = catalog.get_programme(d.programme_id)
    contact = accounts.get_account(region.contact_account_id) if region else None
    if region is None or programme is None or contact is None:
        return []
    deadline = programme.demand_deadline
    sms, subject, body = demand_returned_messages(
        region.name,
        d.submitted_at.astimezone(clock.SHANGHAI).strftime("%Y-%m-%d %H:%M"),
        _lines(d),
        reason,
        deadline.astimezone(clock.SHANGHAI).strftime("%Y-%m-%d %H:%M"),
        clock.now() <= deadline,
        settings().site_url,
    )
    out = [notify.sms("demand_returned", contact.account_id, contact.phone, sms)]
    if contact.email:
        out.append(notify.email("demand_returned", contact.account_id, contact.email, subject, body))
    return out


def return_demand(session: Session, demand_id: str, reason: str) -> DemandProgress:
    """Return the demand: its places back to the quota and the contact told, all at once.
    Returning it again changes nothing; one that holds a batch is refused."""
    d = get_demand(demand_id)
    for _ in range(ATTEMPTS):
        rules.check_returnable(d.review, d.held_batches)
        if d.review == rules.RETURNED:
            return shown(d)
        messages = _messages(d, reason)
        last_live = repo.requested(d.programme_id, d.region_id) == d.places
        offers = offers_repo.open_for_demand(d.region_id, d.demand_id)
        try:
            repo.give_back(d, reason, session.account_id, clock.now(), messages, last_live, offers)
        except repo.ReviewRefused:
            # allocated, reviewed or offered a batch meanwhile: decide on what it is now
            d = repo.reread(d) or d
            continue
        except (repo.TallyMoved, repo.OffersMoved):
            continue  # the region asked or gave back, or an offer was answered, meanwhile
        notify.deliver_all(messages)
        count("DemandReturned")
        logger.info("demand returned", extra={"demand_id": d.demand_id, "places": d.places})
        for offer in offers:  # withdrawn with it: each batch to the next region in line
            count("OfferWithdrawn")
            waiting.offer_next(offer.batch_id)
        return shown(repo.reread(d) or replace(d, review=rules.RETURNED, reason=reason))
    raise ConflictError("conflict")
