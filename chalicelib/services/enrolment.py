"""A 国培 county's list (学员信息表): one person at a time, the lists and what each role sees,
the office's audited reveal of an ID number, the county's confirmation with its accounts and
SMS, and the summary of every county. Files (template, import, exclusions, export) are in
services/enrolment_files.py.

Who may do what: the office, every county (naming one where a write needs it); a county admin
(the region's contact), its own county's list; a school admin, the people of its own school
(unit) in its county, read only. An ID number leaves the service masked, but to the office's
reveal; it is sealed at rest and never logged."""

from __future__ import annotations

import dataclasses
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from chalicelib.adapters import clock, crypto, secrets
from chalicelib.db import (
    catalog,
    enrolment_files,
    enrolment_lists,
    enrolments,
)
from chalicelib.domain import enrolment as rules
from chalicelib.domain import id_numbers, pinyin
from chalicelib.domain.accounts import mask_email, mask_phone
from chalicelib.domain.deadlines import check_before
from chalicelib.domain.enrolment import Person
from chalicelib.domain.errors import (
    ForbiddenError,
    NotFoundError,
    ValidationFailedError,
    problem,
)
from chalicelib.domain.records import AuditEntry, County, Enrolment, Page, Programme, Region, Session
from chalicelib.domain.vocab import ProgrammeKind, Role, Subject
from chalicelib.observability import count, logger
from chalicelib.services.demand import region_of

# What an ID number's seal and keyed digest are bound to (adapters/crypto.py)
ID_NUMBER = "id_number"


# --- the programme and the county ---------------------------------------------------------------


def programme_of(programme_id: str) -> Programme:
    """A 国培 programme (any other kind has no county lists: 404)."""
    programme = catalog.get_programme(programme_id)
    if programme is None or programme.kind != ProgrammeKind.guopei:
        raise NotFoundError("programme_not_found")
    return programme


def county_of(session: Session, wanted: str | None) -> str:
    """The county the caller acts for: the office names it; a county admin its own (anyone
    else has no region: 403)."""
    if session.role == Role.admin:
        if not wanted:
            raise ValidationFailedError(fields={"region_id": problem("county_to_name")})
        return wanted
    return region_of(session, wanted)


def region_named(region_id: str) -> Region:
    region = catalog.get_region(region_id)
    if region is None:
        raise NotFoundError("region_not_found")
    return region


def county_in(programme: Programme, region_id: str) -> County:
    """The county's tally: only a county given places takes part."""
    found = enrolments.county(programme.programme_id, region_id)
    if found is None:
        raise NotFoundError("not_in_programme")
    return found


# --- a person ---------------------------------------------------------------------------------


def new_enrolment(
    programme: Programme,
    region_id: str,
    person: Person,
    now: datetime,
    *,
    row: int | None = None,
    import_id: str | None = None,
) -> Enrolment:
    """The record of a checked person: the ID number sealed, masked and as its blind index."""
    enrolment_id = secrets.new_id()
    fields = dataclasses.asdict(person)
    number = fields.pop("id_number")
    return Enrolment(
        enrolment_id=enrolment_id,
        programme_id=programme.programme_id,
        region_id=region_id,
        id_sealed=crypto.seal(number, ID_NUMBER),
        id_masked=id_numbers.mask_id_number(number),
        id_digest=id_digest(number),
        created_at=now,
        created_key=enrolment_files.new_created_key(now, row, enrolment_id),
        import_id=import_id,
        row=row,
        **fields,
    )


def id_digest(number: str) -> str:
    return crypto.keyed_digest(ID_NUMBER, number)


def _checked(cells: dict[str, Any], region: Region, programme: Programme) -> Person:
    assert programme.start_date is not None
    person, problems = rules.check_person(cells, region.name, programme.start_date)
    if problems:
        raise ValidationFailedError(fields=problems)
    assert person is not None
    return person


def add(session: Session, programme_id: str, body: dict[str, Any]) -> Enrolment:
    programme = programme_of(programme_id)
    region = region_named(county_of(session, body.get("region_id")))
    cells = {f: body.get(f) for f in rules.FIELDS}
    cells["county"] = cells.get("county") or region.name
    person = _checked(cells, region, programme)
    now = clock.now()
    assert programme.enrolment_deadline is not None
    check_before(programme.enrolment_deadline, now)
    enrolment = new_enrolment(programme, region.region_id, person, now)
    enrolments.add(enrolment, now)
    count("Enrolled")
    logger.info("enrolled", extra={"enrolment_id": enrolment.enrolment_id, "region_id": region.region_id})
    return enrolment


def _may_read(session: Session, e: Enrolment) -> bool:
    if session.role == Role.admin:
        return True
    if session.role == Role.region_contact:
        return e.region_id in session.region_ids
    if session.role == Role.school_admin:
        return any(
            own.programme_id == e.programme_id and own.region_id == e.region_id and own.unit == e.unit
            for own in _schools(session)
        )
    return False


def _schools(session: Session) -> list[Enrolment]:
    """A school admin's own places on confirmed lists: which school, county and programme."""
    return [e for e in enrolment_lists.of_account(session.account_id) if e.role == Role.school_admin]


def readable(session: Session, enrolment_id: str) -> Enrolment:
    found = enrolment_lists.get(enrolment_id)
    if found is None or not _may_read(session, found):
        raise NotFoundError("enrolment_not_found")
    return found


def _writable(session: Session, enrolment_id: str) -> Enrolment:
    found = readable(session, enrolment_id)
    if session.role not in (Role.admin, Role.region_contact):
        raise NotFoundError("enrolment_not_found")
    return found


def change(session: Session, enrolment_id: str, changes: dict[str, Any]) -> Enrolment:
    old = _writable(session, enrolment_id)
    programme = programme_of(old.programme_id)
    region = region_named(old.region_id)
    cells = {f: getattr(old, f, None) for f in rules.FIELDS if f != "id_number"}
    cells["id_number"] = crypto.open_sealed(old.id_sealed, ID_NUMBER)  # checked again, never shown
    cells.update({k: v for k, v in changes.items() if k in rules.FIELDS})
    person = _checked(cells, region, programme)
    now = clock.now()
    assert programme.enrolment_deadline is not None
    check_before(programme.enrolment_deadline, now)
    fields = dataclasses.asdict(person)
    number = fields.pop("id_number")
    same_id = id_digest(number) == old.id_digest
    new = dataclasses.replace(
        old,
        **fields,
        id_sealed=old.id_sealed if same_id else crypto.seal(number, ID_NUMBER),
        id_masked=id_numbers.mask_id_number(number),
        id_digest=id_digest(number),
        updated_at=now,
    )
    if new != dataclasses.replace(old, updated_at=now):
        enrolments.change(old, new, now)
    return new


def remove(session: Session, enrolment_id: str) -> None:
    found = _writable(session, enrolment_id)
    programme = programme_of(found.programme_id)
    now = clock.now()
    assert programme.enrolment_deadline is not None
    check_before(programme.enrolment_deadline, now)
    enrolments.remove(found, now)
    logger.info("enrolment removed", extra={"enrolment_id": enrolment_id, "by": session.account_id})


def reveal(session: Session, enrolment_id: str) -> str:
    """The whole ID number, for the office only, on the record before it is shown."""
    if session.role != Role.admin:
        raise ForbiddenError("forbidden")
    found = readable(session, enrolment_id)
    enrolments.reveal_entry(
        AuditEntry(f"enrolment#{found.enrolment_id}", session.account_id, "reveal_id_number", "", clock.now())
    )
    count("IdNumberRevealed")
    logger.info("id number revealed", extra={"enrolment_id": found.enrolment_id, "by": session.account_id})
    return crypto.open_sealed(found.id_sealed, ID_NUMBER)


# --- lists ------------------------------------------------------------------------------------

FILTERS = {
    "role": frozenset(rules.ROLES),
    "stage": frozenset(rules.STAGES),
    "subject": frozenset(s.value for s in Subject),
}


def _filters(query: dict[str, str]) -> dict[str, str]:
    out = {}
    for name, allowed in FILTERS.items():
        value = query.get(name)
        if value:
            if value not in allowed:
                raise ValidationFailedError(fields={name: problem("value_invalid")})
            out[name] = value
    return out


def list_people(
    session: Session, programme_id: str, query: dict[str, str], limit: int, cursor: str | None
) -> Page[Enrolment]:
    programme = programme_of(programme_id)
    filters = _filters(query)
    if session.role == Role.school_admin:
        own = [e for e in _schools(session) if e.programme_id == programme.programme_id]
        if not own:
            raise NotFoundError("programme_not_found")
        filters["unit"] = own[0].unit
        return enrolment_lists.page_of_county(programme_id, own[0].region_id, filters, limit, cursor)
    if session.role == Role.region_contact:
        region_id = region_of(session, query.get("region_id"))
        return enrolment_lists.page_of_county(programme_id, region_id, filters, limit, cursor)
    if query.get("region_id"):
        return enrolment_lists.page_of_county(programme_id, query["region_id"], filters, limit, cursor)
    return enrolment_lists.page_of_programme(programme_id, filters, limit, cursor)


def mine(session: Session) -> list[tuple[Enrolment, Programme, Region | None]]:
    """The caller's own places on confirmed lists, with their programme and county."""
    own = enrolment_lists.of_account(session.account_id)
    regions = {r.region_id: r for r in catalog.get_regions({e.region_id for e in own})}
    out = []
    for e in own:
        programme = catalog.get_programme(e.programme_id)
        if programme is not None:
            out.append((e, programme, regions.get(e.region_id)))
    return out


def shown(session: Session, e: Enrolment) -> dict[str, Any]:
    """A person as the caller may see them: the ID number masked for everyone; phones,
    e-mails and QQ numbers whole for the office and the county admin who entered them,
    masked for a school admin."""
    out = dataclasses.asdict(e)
    out["id_number"] = e.id_masked
    if session.role not in (Role.admin, Role.region_contact):
        out["phone"] = mask_phone(e.phone)
        out["email"] = mask_email(e.email)
        out["qq"] = mask_phone(e.qq)
    return out


# --- the summary ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CountySummary:
    """A county's list in figures: its places, its trainees (by 学段 × 学科), its people by
    role, and whether its admin confirmed it."""

    region_id: str
    region_name: str
    places: int
    enrolled: int
    by_stage_subject: dict[str, int]
    by_role: dict[str, int]
    confirmed: bool
    confirmed_at: datetime | None


def summary(session: Session, programme_id: str) -> list[CountySummary]:
    """Per county: places, trainees enrolled, by 学段 × 学科 and by role, and confirmed."""
    programme = programme_of(programme_id)
    if session.role == Role.admin:
        tallies = enrolments.counties(programme.programme_id)
    else:
        own = region_of(session, None) if len(session.region_ids) == 1 else None
        wanted = [own] if own else sorted(session.region_ids)
        tallies = [c for r in wanted if (c := enrolments.county(programme.programme_id, r)) is not None]
    regions = {r.region_id: r for r in catalog.get_regions({c.region_id for c in tallies})}
    items: list[CountySummary] = []
    for county in tallies:
        people = enrolment_lists.of_county(programme.programme_id, county.region_id)
        by_stage_subject = Counter(
            rules.stage_subject_key(e.stage, e.subject) for e in people if rules.counts_against_places(e.role)
        )
        by_role = Counter(e.role for e in people)
        region = regions.get(county.region_id)
        items.append(
            CountySummary(
                region_id=county.region_id,
                region_name=region.name if region else "",
                places=county.places,
                enrolled=by_role[rules.TRAINEE],
                by_stage_subject={k: by_stage_subject[k] for k in rules.STAGE_SUBJECT_KEYS},
                by_role={r: by_role[r] for r in rules.ROLES},
                confirmed=county.confirmed,
                confirmed_at=county.confirmed_at,
            )
        )
    return sorted(items, key=lambda i: pinyin.sort_key(i.region_name))  # 绥德县, 延长县, 宜川县
