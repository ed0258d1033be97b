"""研修需求说明 between a batch's 团长 and its base contact (domain/notes.py has the rules)."""

from __future__ import annotations

from chalicelib.adapters import clock, secrets
from chalicelib.config import settings
from chalicelib.db import accounts, catalog, notes, trainees
from chalicelib.domain import notes as rules
from chalicelib.domain.errors import ForbiddenError, NotFoundError
from chalicelib.domain.notifications import as_email, note_to_base_sms, note_to_leader_sms
from chalicelib.domain.records import Batch, BatchNote, Message, Page, Session, Trainee
from chalicelib.domain.rosters import LEADER
from chalicelib.domain.vocab import Role
from chalicelib.services import notify
from chalicelib.services.rosters import batch_line, readable_batch


def _leader_place(session: Session, batch_id: str) -> tuple[Trainee, Batch]:
    """The trainee's place on the batch, which must be its 团长's."""
    place = next((t for t in trainees.of_account(session.account_id) if t.batch_id == batch_id), None)
    batch = catalog.get_batch(batch_id) if place is not None else None
    if place is None or batch is None or batch.region_id is None:
        raise NotFoundError("batch_not_found")
    rules.check_writer(place.team_role)
    return place, batch


def _batch_for(session: Session, batch_id: str) -> tuple[Batch, Trainee | None]:
    """The batch, if the caller may take part in (or read) its notes; the 团长's place."""
    if session.role == Role.trainee:
        place, batch = _leader_place(session, batch_id)
        return batch, place
    return readable_batch(session, batch_id), None


def notes_of(session: Session, batch_id: str, limit: int, cursor: str | None) -> Page[BatchNote]:
    batch, _ = _batch_for(session, batch_id)
    return notes.of_batch(batch.batch_id, limit, cursor)


def _to_base(batch: Batch, leader: Trainee, text: str) -> list[Message]:
    base = catalog.get_base(batch.base_id)
    region = catalog.get_region(batch.region_id or "")
    contact = accounts.get_account(base.contact_account_id) if base else None
    if base is None or contact is None:
        return []
    sms = note_to_base_sms(
        base.name,
        region.name if region else "",
        batch_line(batch),
        leader.name,
        rules.preview(text),
        settings().site_url,
    )
    out = [notify.sms("batch_note", contact.account_id, contact.phone, sms)]
    if contact.email:
        out.append(
            notify.email("batch_note", contact.account_id, contact.email, "研修需求说明", as_email(sms))
        )
    return out


def _to_leader(batch: Batch, text: str) -> list[Message]:
    leader = next((t for t in trainees.of_batch(batch.batch_id) if t.team_role == LEADER), None)
    base = catalog.get_base(batch.base_id)
    if leader is None or leader.account_id is None or base is None:
        return []  # no 团长 who can log in yet: the note waits on the page
    sms = note_to_leader_sms(leader.name, base.name, rules.preview(text), settings().site_url)
    out = [notify.sms("batch_note", leader.account_id, leader.phone, sms)]
    if leader.email:
        out.append(
            notify.email("batch_note", leader.account_id, leader.email, "研修需求说明的回复", as_email(sms))
        )
    return out


def write(session: Session, batch_id: str, text: str) -> BatchNote:
    """The 团长's note to the base, or the base's answer; the other side is told."""
    batch, place = _batch_for(session, batch_id)
    if place is not None:
        side, name, messages = rules.LEADER_SIDE, place.name, _to_base(batch, place, text)
    elif session.role == Role.base_contact:
        account = accounts.get_account(session.account_id)
        side, name, messages = rules.BASE_SIDE, account.name if account else "", _to_leader(batch, text)
    else:
        raise ForbiddenError("forbidden")  # the office and the region read, they do not write
    note = BatchNote(secrets.new_id(), batch.batch_id, session.account_id, side, name, text, clock.now())
    notes.add(note, rules.MAX_NOTES, messages)
    notify.deliver_all(messages)
    return note
