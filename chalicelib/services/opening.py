"""A programme opens (流程 1: the platform tells every region's contact to submit demand):
at creation, or later for a draft. Each region's contact is told once, by SMS and e-mail,
with the deadline and the region's places; then the programme is marked open. The notices
are recorded before the mark, so an opening cut short is finished by opening it again. A
region created while a programme is open and taking demand is told too, once, as the others
were (the same claim)."""

from __future__ import annotations

from datetime import timedelta

from chalicelib.adapters import clock
from chalicelib.config import settings
from chalicelib.db import accounts, catalog
from chalicelib.db import opening as repo
from chalicelib.domain.errors import NotFoundError
from chalicelib.domain.notifications import programme_open_messages
from chalicelib.domain.records import Message, Programme
from chalicelib.domain.vocab import ProgrammeKind
from chalicelib.observability import count, logger
from chalicelib.services import notify

SEND_AT_ONCE = 100  # messages per deliver_all: one claim, one cap and one mark transaction each


def _notices(p: Programme, only: set[str] | None) -> list[tuple[str, list[Message]]]:
    places = repo.region_places(p.programme_id)
    if only is not None:
        places = {region_id: n for region_id, n in places.items() if region_id in only}
    regions = catalog.get_regions(set(places))
    contacts = accounts.get_accounts({r.contact_account_id for r in regions})
    deadline = p.demand_deadline.astimezone(clock.SHANGHAI).strftime("%Y-%m-%d %H:%M")
    out = []
    for region in sorted(regions, key=lambda r: r.region_id):
        contact = contacts.get(region.contact_account_id)
        if contact is None:
            continue
        sms, subject, body = programme_open_messages(
            region.name, p.name, deadline, places[region.region_id], settings().site_url
        )
        messages = [notify.sms("programme_open", contact.account_id, contact.phone, sms)]
        if contact.email:
            messages.append(notify.email("programme_open", contact.account_id, contact.email, subject, body))
        out.append((repo.notice_claim("open", p.programme_id, region.region_id), messages))
    return out


def announce(p: Programme, only: set[str] | None = None) -> int:
    """Tell every region's contact (or `only` these regions') that the programme is open, once
    each; how many were told now. A 国培 programme has no demand step: its counties hear of it
    through their enrolment (the quota the office gives them, the enrolment reminders)."""
    if p.kind == ProgrammeKind.guopei:
        return 0
    notices = _notices(p, only)
    recorded = repo.record_once(notices, p.demand_deadline + timedelta(days=365))
    for start in range(0, len(recorded), SEND_AT_ONCE):
        notify.deliver_all(recorded[start : start + SEND_AT_ONCE])
    told = len({m.account_id for m in recorded})
    logger.info("programme opened", extra={"programme_id": p.programme_id, "contacts_told": told})
    return told


def _programme(programme_id: str) -> Programme:
    programme = catalog.get_programme(programme_id)
    if programme is None:
        raise NotFoundError("programme_not_found")
    return programme


def open_programme(programme_id: str) -> Programme:
    """Open a draft (or finish an opening cut short); an open programme stays as it is."""
    p = _programme(programme_id)
    if p.opened_at is not None:
        return p
    announce(p)
    if repo.mark_open(p, clock.now()):
        count("ProgrammeOpened")
    return _programme(programme_id)
