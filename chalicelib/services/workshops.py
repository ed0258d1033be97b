"""国培 workshops (API.md "Workshops"): the county admin forms them and places trainees; the
host writes the 研修主题 and 行动方案, sets and grades 作业, announces, opens discussions,
holds offline activities and writes 简报; members submit, reply and check in.

Who sees a workshop: the office, its county's admin, its host and its members; anyone else
gets 404 (its existence is not theirs to know). Who writes: the county admin (its county's
workshops and members), the host (everything in the workshop), a member (their own
submission, a reply, their check-in); a reader who may not write gets 403."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from chalicelib.adapters import clock, secrets
from chalicelib.config import settings
from chalicelib.db import enrolment_lists, workshop_activities
from chalicelib.db import workshops as store
from chalicelib.domain import workshops as rules
from chalicelib.domain.deadlines import local_day
from chalicelib.domain.errors import ForbiddenError, NotFoundError, ValidationFailedError, problem
from chalicelib.domain.records import AuditEntry, Programme, Session
from chalicelib.domain.vocab import Role
from chalicelib.domain.workshops import (
    Activity,
    Announcement,
    Briefing,
    Candidate,
    Member,
    Reply,
    Topic,
    Workshop,
)
from chalicelib.observability import count, logger
from chalicelib.services import artifacts as artifact_service
from chalicelib.services import notify
from chalicelib.services.enrolment import county_in, county_of, programme_of

OFFICE, COUNTY, HOST, MEMBER = "office", "county", "host", "member"


@dataclass(frozen=True)
class Seat:
    """A workshop as the caller sits in it: office, county (its admin), host or member."""

    workshop: Workshop
    as_: str
    member: Member | None = None


def term_of(programme: Programme) -> tuple[date, date]:
    assert programme.start_date is not None and programme.end_date is not None
    return programme.start_date, programme.end_date


# --- who may see what -------------------------------------------------------------------------


def seat(session: Session, workshop_id: str) -> Seat:
    """The workshop and the caller's place in it, or 404 workshop_not_found."""
    w = store.get(workshop_id) if len(workshop_id) == 32 else None
    if w is not None:
        if session.role == Role.admin:
            return Seat(w, OFFICE)
        if session.role == Role.region_contact and w.region_id in session.region_ids:
            return Seat(w, COUNTY)
        if session.role == Role.workshop_host and w.host_account_id == session.account_id:
            return Seat(w, HOST)
        if session.role == Role.trainee:
            member = store.member_of(workshop_id, session.account_id)
            if member is not None:
                return Seat(w, MEMBER, member)
    raise NotFoundError("workshop_not_found")


def seated_as(session: Session, workshop_id: str, *roles: str) -> Seat:
    found = seat(session, workshop_id)
    if found.as_ not in roles:
        raise ForbiddenError("forbidden")
    return found


def parent_of(item_id: str, depth: int, not_found: str) -> str:
    return rules.parts_of(item_id, depth, not_found)[0]


# --- workshops --------------------------------------------------------------------------------


def _candidate(e: Any) -> Candidate:
    return Candidate(e.enrolment_id, e.region_id, e.role, e.stage, e.subject, e.account_id)


def create(session: Session, programme_id: str, data: Any) -> Workshop:
    """A workshop of the county (the office names it) with a confirmed host of that county."""
    programme = programme_of(programme_id)
    region_id = county_of(session, data.region_id)
    county_in(programme, region_id)
    host = enrolment_lists.get(data.host_enrolment_id)
    rules.check_host(
        _candidate(host) if host else None,
        programme.programme_id,
        region_id,
        host.programme_id if host else None,
    )
    assert host is not None and host.account_id is not None
    w = Workshop(
        workshop_id=secrets.new_id(),
        programme_id=programme.programme_id,
        region_id=region_id,
        name=data.name,
        stage=data.stage,
        subject=data.subject,
        host_enrolment_id=host.enrolment_id,
        host_account_id=host.account_id,
        host_name=host.name,
        created_at=clock.now(),
    )
    store.create(w)
    count("WorkshopFormed")
    logger.info("workshop formed", extra={"workshop_id": w.workshop_id, "region_id": region_id})
    return w


def of_programme(session: Session, programme_id: str, region_id: str | None) -> list[Workshop]:
    """The office: every county's (or the one named); a county admin: its own."""
    programme = programme_of(programme_id)
    if session.role == Role.admin:
        return store.of_programme(programme.programme_id, region_id)
    if session.role == Role.region_contact:
        return store.of_programme(programme.programme_id, county_of(session, region_id))
    raise ForbiddenError("forbidden")


def mine(session: Session) -> list[Workshop]:
    """The workshops the caller hosts or is a member of."""
    found = [store.get(w) for w in dict.fromkeys(store.ids_of_account(session.account_id))]
    return [w for w in found if w is not None]


def detail(session: Session, workshop_id: str) -> tuple[Workshop, list[Member]]:
    s = seat(session, workshop_id)
    return s.workshop, sorted(store.members(workshop_id), key=lambda m: m.name)


def place_members(
    session: Session, workshop_id: str, enrolment_ids: list[str]
) -> tuple[Workshop, list[Member]]:
    """The workshop's members become exactly these trainees (422 naming any who is not a
    confirmed trainee of the county, 学段 and 学科, or is in another workshop; nothing written)."""
    w = seated_as(session, workshop_id, OFFICE, COUNTY).workshop
    found = enrolment_lists.get_many(enrolment_ids)
    people = {k: _candidate(e) for k, e in found.items() if e.programme_id == w.programme_id}
    rules.check_members(enrolment_ids, people, w.region_id, w.stage, w.subject)
    change = rules.placement((m.enrolment_id for m in store.members(workshop_id)), enrolment_ids)
    elsewhere = {
        e: owner for e, owner in store.claims_of(w.programme_id, change.add).items() if owner != w.workshop_id
    }
    if elsewhere:
        raise ValidationFailedError(fields={e: problem("member_placed") for e in elsewhere})
    adds = [
        Member(w.workshop_id, e, found[e].account_id or "", found[e].name, found[e].unit) for e in change.add
    ]
    store.place(w, adds, change.remove)
    logger.info(
        "workshop members placed",
        extra={"workshop_id": workshop_id, "added": len(change.add), "removed": len(change.remove)},
    )
    return detail(session, workshop_id)


def set_plan(session: Session, workshop_id: str, theme: str, plan: str) -> Workshop:
    w = seated_as(session, workshop_id, HOST).workshop
    store.set_plan(w.workshop_id, theme, plan, clock.now())
    found = store.get(w.workshop_id)
    assert found is not None
    return found


# --- announcements ----------------------------------------------------------------------------


def announce(
    session: Session, workshop_id: str, text: str, sms: bool, request_key: str | None = None
) -> Announcement:
    """To every member in the app; by SMS too when asked, through the outbox (quiet hours,
    the daily cap). With the request's Idempotency-Key the announcement's id and each SMS's
    come from it: a retry of a request that stopped half-way (200 members: three
    transactions) finishes it, and posts and sends nothing twice."""
    w = seated_as(session, workshop_id, HOST).workshop
    own = _digest(w.workshop_id, request_key) if request_key else secrets.new_id()
    announcement_id = rules.child_id(w.workshop_id, own)
    prior = workshop_activities.announcement(w.workshop_id, announcement_id) if request_key else None
    members = store.members(workshop_id)
    messages = []
    if sms:
        people = enrolment_lists.get_many(m.enrolment_id for m in members)
        line = rules.announcement_sms(w.name, w.host_name, text, settings().site_url)
        messages = [
            replace(
                notify.sms("workshop_announcement", m.account_id, people[m.enrolment_id].phone, line),
                message_id=_digest(announcement_id, m.enrolment_id),
            )
            for m in members
            if m.enrolment_id in people
        ]
    created_at = prior.created_at if prior else clock.now()
    a = Announcement(announcement_id, w.workshop_id, text, sms, created_at, len(messages))
    workshop_activities.add_announcement(a, messages, posted=prior is not None)
    notify.deliver_all(messages)
    count("WorkshopAnnouncement")
    return a


def _digest(*parts: str) -> str:
    """An id made from others (32 hex characters, as secrets.new_id's)."""
    return hashlib.sha256("#".join(parts).encode()).hexdigest()[:32]


def announcements(session: Session, workshop_id: str) -> list[Announcement]:
    seat(session, workshop_id)
    return workshop_activities.announcements(workshop_id)


# --- discussions ------------------------------------------------------------------------------


def open_topic(session: Session, workshop_id: str, title: str, body: str) -> Topic:
    w = seated_as(session, workshop_id, HOST).workshop
    clean, _ = artifact_service.clean_body(session, body, [])
    t = Topic(
        rules.child_id(w.workshop_id, secrets.new_id()), w.workshop_id, title, clean, w.host_name, clock.now()
    )
    workshop_activities.add_topic(t)
    return t


def topics(session: Session, workshop_id: str) -> list[Topic]:
    seat(session, workshop_id)
    return workshop_activities.topics(workshop_id)


def _topic(session: Session, topic_id: str, *roles: str) -> tuple[Seat, Topic]:
    workshop_id = parent_of(topic_id, 2, "topic_not_found")
    try:
        s = seated_as(session, workshop_id, *roles)
    except NotFoundError as exc:
        raise NotFoundError("topic_not_found") from exc
    t = workshop_activities.topic(workshop_id, topic_id)
    if t is None:
        raise NotFoundError("topic_not_found")
    return s, t


def write_reply(session: Session, topic_id: str, body: str) -> Reply:
    """A member's or the host's reply, sanitised; a topic of a workshop the caller is not in
    is 404."""
    s, t = _topic(session, topic_id, HOST, MEMBER)
    clean, _ = artifact_service.clean_body(session, body, [])
    name = s.member.name if s.member else s.workshop.host_name
    r = Reply(
        rules.child_id(t.topic_id, secrets.new_id()),
        t.topic_id,
        t.workshop_id,
        session.account_id,
        name,
        clean,
        clock.now(),
    )
    workshop_activities.add_reply(r)
    return r


def replies(session: Session, topic_id: str) -> list[Reply]:
    """Hidden replies are shown to the host only."""
    s, t = _topic(session, topic_id, HOST, MEMBER, COUNTY, OFFICE)
    found = workshop_activities.replies(t.workshop_id, t.topic_id)
    return found if s.as_ == HOST else [r for r in found if r.hidden_at is None]


def hide_reply(session: Session, reply_id: str, reason: str) -> Reply:
    """The host hides a reply: kept, on the record (audit), shown to the host only."""
    workshop_id = parent_of(reply_id, 3, "reply_not_found")
    seated_as(session, workshop_id, HOST)
    r = workshop_activities.reply(workshop_id, reply_id)
    if r is None:
        raise NotFoundError("reply_not_found")
    entry = AuditEntry(f"reply#{reply_id}", session.account_id, "hide_reply", reason, clock.now())
    if workshop_activities.hide_reply(r, entry):
        logger.info("reply hidden", extra={"reply_id": reply_id, "by": session.account_id})
    hidden = workshop_activities.reply(workshop_id, reply_id)
    assert hidden is not None
    return hidden


# --- offline activities -----------------------------------------------------------------------


def add_activity(session: Session, workshop_id: str, title: str, day: date, place: str) -> Activity:
    w = seated_as(session, workshop_id, HOST).workshop
    start, end = term_of(programme_of(w.programme_id))
    rules.check_in_term(day, start, end, "date")
    a = Activity(
        rules.child_id(w.workshop_id, secrets.new_id()), w.workshop_id, title, day, place, clock.now()
    )
    workshop_activities.add_activity(a)
    return a


def activities(session: Session, workshop_id: str) -> tuple[list[Activity], set[str]]:
    """The activities, and the ones the caller (a member) has checked in to."""
    s = seat(session, workshop_id)
    found = workshop_activities.activities(workshop_id)
    mine = (
        {
            a.activity_id
            for a in found
            if session.account_id in workshop_activities.checked_in(workshop_id, a.activity_id)
        }
        if s.as_ == MEMBER
        else set()
    )
    return found, mine


def check_in(session: Session, activity_id: str) -> Activity:
    """A member's check-in on the activity's date (Shanghai), once; again changes nothing."""
    workshop_id = parent_of(activity_id, 2, "activity_not_found")
    seated_as(session, workshop_id, MEMBER)
    a = workshop_activities.activity(workshop_id, activity_id)
    if a is None:
        raise NotFoundError("activity_not_found")
    now = clock.now()
    rules.check_checkin_day(a.date, local_day(now))
    if workshop_activities.check_in(a, session.account_id, now):
        count("ActivityCheckIn")
    found = workshop_activities.activity(workshop_id, activity_id)
    assert found is not None
    return found


# --- briefings --------------------------------------------------------------------------------


def write_briefing(
    session: Session, workshop_id: str, title: str, body: str, image_ids: list[str]
) -> Briefing:
    w = seated_as(session, workshop_id, HOST).workshop
    clean, images = artifact_service.clean_body(session, body, image_ids)
    b = Briefing(
        rules.child_id(w.workshop_id, secrets.new_id()), w.workshop_id, title, clean, images, clock.now()
    )
    workshop_activities.add_briefing(b)
    count("BriefingPublished")
    return b


def briefings(session: Session, workshop_id: str) -> list[Briefing]:
    seat(session, workshop_id)
    return workshop_activities.briefings(workshop_id)
