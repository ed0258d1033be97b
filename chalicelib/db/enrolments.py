"""国培 county lists: the people, the county's tally, the ID claims, the exclusion list, the
imports, and the accounts a confirmation opens.

The county's tally is its item in `quotas` (the office sets its places with the same route as
any region's): `requested` counts its trainees, reserved or written, and `remaining` the
places left, so a trainee is only ever written after `remaining >= n` held. `listed` counts
the people written (all roles) and `listed_trainees` the trainees among them; the two differ
from `requested` only while a commit's reservation is being written.

An ID number is held to one county of a programme by its claim in `claims`,
"person#<programme_id>#<keyed digest>", put with attribute_not_exists in the transaction that
writes the person (owner: the enrolment id). The office's exclusion list puts the same claims
with owner "excluded": a person on it cannot be enrolled, by the same condition.

Access patterns:
- one person: one transaction: the programme's enrolment deadline (ConditionCheck), the tally
  (a trainee: remaining >= 1; not confirmed; listed + 1), the person (Put), the claim (Put).
- a file: the trainees' places reserved in one transaction (deadline; remaining >= n; not
  confirmed); then ROWS_PER_CHUNK rows a transaction: the tally (listed + k, not confirmed),
  each row's person and claim. A chunk refused for some claims (taken meanwhile) is sent
  again without those rows; whatever is not written is released in one UpdateItem.
- change, remove: one transaction: deadline, tally, the person as read, its claim.
- a county's list: Query by_region (a role, stage, subject as a filter); the programme's:
  Query by_programme; a person's enrolments: Query by_account.
- many IDs' claims: BatchGetItem (consistent).
- confirm: lock: one transaction: deadline, the tally (not confirmed, listed = the people
  read, no reservation being written); then 20 people a transaction: the person's account
  (only if none yet), the account claimed (a new phone) or reused, the SMS.
- the exclusion list: 100 claims a transaction, each not exists; a refused one names its taken
  claims, and is sent again without them.
- reminders: Query the sparse quotas.awaiting_enrolment index, then a strong BatchGetItem.
- imports: PutItem, GetItem, UpdateItem by import id.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pynamodb.exceptions import DoesNotExist, TransactWriteError
from pynamodb.expressions.condition import Condition

from chalicelib.db.accounts import claim_phone
from chalicelib.db.audit import audit_item
from chalicelib.db.common import cursor_checked, decode_cursor, encode_cursor, key_time
from chalicelib.db.models import (
    ClaimModel,
    EnrolmentImportModel,
    EnrolmentModel,
    ProgrammeModel,
    QuotaModel,
)
from chalicelib.db.outbox import message_item
from chalicelib.db.writes import Failure, Refusal, Transaction, applied, transaction
from chalicelib.domain.demand import STAGE_TALLY
from chalicelib.domain.enrolment import County, Enrolment, EnrolmentImport, counts_against_places
from chalicelib.domain.errors import ConflictError, NotFoundError
from chalicelib.domain.records import Account, AuditEntry, Message, Page

EXCLUDED = "excluded"  # the owner of an exclusion list's claim
ROWS_PER_CHUNK = 49  # 2 items a row and the tally: 99 of DynamoDB's 100
CLAIMS_PER_CHUNK = 100
PEOPLE_PER_TRANSACTION = 20  # 4 items each (person, credential, account, SMS)
RESERVATION = timedelta(minutes=2)  # longer than any commit takes (the function stops at 30 s)


def person_claim(programme_id: str, digest: str) -> str:
    return f"person#{programme_id}#{digest}"


# --- items ------------------------------------------------------------------------------------


def _enrolment(m: EnrolmentModel) -> Enrolment:
    return Enrolment(
        enrolment_id=m.enrolment_id,
        programme_id=m.programme_id,
        region_id=m.region_id,
        name=m.name,
        id_sealed=m.id_sealed,
        id_masked=m.id_masked,
        id_digest=m.id_digest,
        city=m.city,
        county=m.county,
        unit=m.unit,
        title=m.title,
        position=m.position,
        phone=m.phone,
        qq=m.qq,
        email=m.email,
        stage=m.stage,
        subject=m.subject,
        campus=m.campus,
        role=m.role,
        created_at=m.created_at,
        created_key=m.created_key,
        account_id=m.account_id,
        import_id=m.import_id,
        row=int(m.row) if m.row is not None else None,
        updated_at=m.updated_at,
    )


def _item(e: Enrolment) -> EnrolmentModel:
    return EnrolmentModel(
        e.enrolment_id,
        programme_id=e.programme_id,
        region_id=e.region_id,
        name=e.name,
        id_sealed=e.id_sealed,
        id_masked=e.id_masked,
        id_digest=e.id_digest,
        city=e.city,
        county=e.county,
        unit=e.unit,
        title=e.title,
        position=e.position,
        phone=e.phone,
        qq=e.qq,
        email=e.email,
        stage=e.stage,
        subject=e.subject,
        campus=e.campus,
        role=e.role,
        account_id=e.account_id,
        import_id=e.import_id,
        row=e.row,
        created_at=e.created_at,
        updated_at=e.updated_at,
        region_key=f"{e.programme_id}#{e.region_id}",
        created_key=e.created_key,
        region_created_key=f"{e.region_id}#{e.created_key}",
    )


def _county(m: QuotaModel) -> County:
    return County(
        programme_id=m.programme_id,
        region_id=m.region_id,
        places=int(m.places or 0),
        trainees=int(m.requested or 0),
        listed=int(m.listed or 0),
        listed_trainees=int(m.listed_trainees or 0),
        confirmed_at=m.enrolment_confirmed_at,
        reserved_until=m.reserved_until,
    )


# --- the county's tally -----------------------------------------------------------------------


def county(programme_id: str, region_id: str) -> County | None:
    try:
        m = QuotaModel.get(programme_id, region_id, consistent_read=True)
    except DoesNotExist:
        return None
    return _county(m) if m.places is not None else None


def counties(programme_id: str) -> list[County]:
    """Every county given places in the programme (its tallies, but the stages')."""
    return [
        _county(m)
        for m in QuotaModel.query(programme_id, consistent_read=True)
        if not m.region_id.startswith(STAGE_TALLY) and m.places is not None
    ]


def await_confirmation(programme_id: str, region_id: str) -> None:
    """The county is in the programme: its admin is reminded until the list is confirmed."""
    # Refused once the list is confirmed: no reminder is owed any more
    applied(
        lambda: QuotaModel(programme_id, region_id).update(
            actions=[QuotaModel.awaiting_enrolment.set(programme_id)],
            condition=QuotaModel.places.exists() & QuotaModel.enrolment_confirmed_at.does_not_exist(),
        )
    )


def awaiting_confirmation(programme_id: str) -> list[County]:
    """The counties whose list is not confirmed. The index may lag behind a confirmation, so
    what it lists is read again, strongly, and the confirmed dropped."""
    ids = [m.region_id for m in QuotaModel.by_awaiting_enrolment.query(programme_id)]
    if not ids:
        return []
    fresh = QuotaModel.batch_get([(programme_id, r) for r in ids], consistent_read=True)
    return sorted(
        (_county(m) for m in fresh if m.awaiting_enrolment and not m.enrolment_confirmed_at),
        key=lambda c: c.region_id,
    )


def _before_deadline(tx: Transaction, programme_id: str, now: datetime) -> None:
    tx.condition_check(
        ProgrammeModel,
        programme_id,
        condition=ProgrammeModel.enrolment_deadline.exists() & (ProgrammeModel.enrolment_deadline >= now),
        tag="deadline",
    )


def _open() -> Condition:
    condition: Condition = QuotaModel.places.exists() & QuotaModel.enrolment_confirmed_at.does_not_exist()
    return condition


DEADLINE = ConflictError("deadline_passed")


def _tally_refused(refusal: Refusal) -> Exception:
    """Why the county's tally refused (as the condition saw it): not in the programme, the
    list confirmed, or no place left."""
    reason = refusal.reason("tally")
    old = reason.raw_item if reason is not None else None
    if not old or "places" not in old:
        return NotFoundError("not_in_programme")
    if "enrolment_confirmed_at" in old:
        return ConflictError("enrolment_closed")
    return ConflictError("quota_exceeded")


def _claim(tx: Transaction, e: Enrolment, tag: str) -> None:
    tx.save(
        ClaimModel(person_claim(e.programme_id, e.id_digest), owner=e.enrolment_id),
        condition=ClaimModel.claim_key.does_not_exist(),
        tag=tag,
    )


def _claim_taken(e: Enrolment) -> Callable[[Refusal], Exception]:
    """The ID's claim was taken: by the exclusion list, or by a person of the programme."""

    def why(refusal: Refusal) -> Exception:
        owner = claims_of(e.programme_id, [e.id_digest]).get(e.id_digest)
        return ConflictError("ineligible" if owner == EXCLUDED else "duplicate_person")

    return why


def add(e: Enrolment, now: datetime) -> None:
    """One person onto the county's list, all or nothing."""
    trainee = 1 if counts_against_places(e.role) else 0
    condition = _open() & (QuotaModel.remaining >= trainee) if trainee else _open()
    errors: dict[str, Failure] = {"deadline": DEADLINE, "tally": _tally_refused, "claim": _claim_taken(e)}
    with transaction(errors=errors) as tx:
        _before_deadline(tx, e.programme_id, now)
        tx.update(
            QuotaModel(e.programme_id, e.region_id),
            actions=[
                QuotaModel.remaining.add(-trainee),
                QuotaModel.requested.add(trainee),
                QuotaModel.listed.add(1),
                QuotaModel.listed_trainees.add(trainee),
                QuotaModel.updated_at.set(now),
            ],
            condition=condition,
            return_values="ALL_OLD",
            tag="tally",
        )
        tx.save(_item(e), condition=EnrolmentModel.enrolment_id.does_not_exist())
        _claim(tx, e, "claim")


def reserve(programme_id: str, region_id: str, trainees: int, now: datetime) -> None:
    """Hold `trainees` places for a file's rows before any is written: all or nothing (409
    quota_exceeded, nothing written, if they do not fit). A reservation that a commit left
    half-written (its function stopped) is given back first, once its time is over."""
    seen: list[Refusal] = []

    def note(refusal: Refusal) -> None:
        seen.append(refusal)  # read below: the tally as the condition saw it
        return None

    for attempt in range(2):
        seen.clear()
        with transaction(errors={"deadline": DEADLINE, "tally": note}, tolerate={"tally"}) as tx:
            _before_deadline(tx, programme_id, now)
            tx.update(
                QuotaModel(programme_id, region_id),
                actions=[
                    QuotaModel.remaining.add(-trainees),
                    QuotaModel.requested.add(trainees),
                    QuotaModel.reserved_until.set(now + RESERVATION),
                    QuotaModel.updated_at.set(now),
                ],
                condition=_open() & (QuotaModel.remaining >= trainees),
                return_values="ALL_OLD",
                tag="tally",
            )
        if not tx.refused:
            return
        if attempt == 0 and _give_back_stale(programme_id, region_id, seen[0].reason("tally"), now):
            continue
        raise _tally_refused(seen[0])
    raise AssertionError("unreachable")


def _give_back_stale(programme_id: str, region_id: str, reason: Any, now: datetime) -> bool:
    """A reservation past its time and not all written: its commit stopped. The tally's
    trainees become those written (compare-and-set on what was read). True if repaired (or
    changed meanwhile: the caller tries again on what it is now)."""
    old = _county(QuotaModel.from_raw_data(reason.raw_item)) if reason and reason.raw_item else None
    if old is None or old.trainees == old.listed_trainees or old.reserved_until is None:
        return False
    if old.reserved_until >= now:
        return False
    applied(
        lambda: QuotaModel(programme_id, region_id).update(
            actions=[
                QuotaModel.requested.set(old.listed_trainees),
                QuotaModel.remaining.set(QuotaModel.places - old.listed_trainees),
            ],
            condition=(QuotaModel.requested == old.trainees)
            & _equals(QuotaModel.listed_trainees, old.listed_trainees)
            & (QuotaModel.reserved_until == old.reserved_until),
        )
    )
    return True


def _equals(counter: Any, value: int) -> Condition:
    """A counter (created by its first ADD) holds `value`; absent counts as 0."""
    condition: Condition = (counter == value) | counter.does_not_exist() if value == 0 else counter == value
    return condition


def release(programme_id: str, region_id: str, trainees: int) -> None:
    """Give back places a reservation held that were not written."""
    if trainees <= 0:
        return
    QuotaModel(programme_id, region_id).update(
        actions=[QuotaModel.remaining.add(trainees), QuotaModel.requested.add(-trainees)],
        condition=QuotaModel.places.exists(),
    )


def write_chunk(rows: list[Enrolment], now: datetime) -> set[str]:
    """Up to ROWS_PER_CHUNK people of one county, their places already reserved, in one
    transaction. Returns the enrolment ids whose ID was claimed meanwhile (then nothing was
    written: send the chunk again without them). 409 enrolment_closed if the list was
    confirmed meanwhile."""
    if not rows:
        return set()
    first = rows[0]
    closed = {"closed": ConflictError("enrolment_closed")}
    with transaction(errors=closed, tolerate={e.enrolment_id for e in rows}) as tx:
        tx.update(
            QuotaModel(first.programme_id, first.region_id),
            actions=[
                QuotaModel.listed.add(len(rows)),
                QuotaModel.listed_trainees.add(sum(counts_against_places(e.role) for e in rows)),
                QuotaModel.updated_at.set(now),
            ],
            condition=_open(),
            tag="closed",
        )
        for e in rows:
            tx.save(_item(e), condition=EnrolmentModel.enrolment_id.does_not_exist())
            _claim(tx, e, e.enrolment_id)
    return set(tx.refused)


def _check_same(e: Enrolment) -> Condition:
    """The person's item is still the one read (its county, its ID, its role)."""
    condition: Condition = (
        EnrolmentModel.enrolment_id.exists()
        & (EnrolmentModel.region_id == e.region_id)
        & (EnrolmentModel.id_digest == e.id_digest)
        & (EnrolmentModel.role == e.role)
    )
    return condition


def change(old: Enrolment, new: Enrolment, now: datetime) -> None:
    """A person's cells changed: a role moving in or out of the places moves one place, a new
    ID number moves the claim, all or nothing."""
    delta = int(counts_against_places(new.role)) - int(counts_against_places(old.role))
    errors: dict[str, Failure] = {
        "deadline": DEADLINE,
        "tally": _tally_refused,
        "person": ConflictError("conflict"),  # changed or removed meanwhile: read it again
        "claim": _claim_taken(new),
    }
    with transaction(errors=errors) as tx:
        _before_deadline(tx, old.programme_id, now)
        tx.update(
            QuotaModel(old.programme_id, old.region_id),
            actions=[
                QuotaModel.remaining.add(-delta),
                QuotaModel.requested.add(delta),
                QuotaModel.listed_trainees.add(delta),
                QuotaModel.updated_at.set(now),
            ],
            condition=_open() & (QuotaModel.remaining >= delta) if delta > 0 else _open(),
            return_values="ALL_OLD",
            tag="tally",
        )
        tx.save(_item(new), condition=_check_same(old), tag="person")
        if new.id_digest != old.id_digest:
            tx.delete(
                ClaimModel(person_claim(old.programme_id, old.id_digest)),
                condition=ClaimModel.owner == old.enrolment_id,
            )
            _claim(tx, new, "claim")


def remove(e: Enrolment, now: datetime) -> None:
    trainee = int(counts_against_places(e.role))
    errors: dict[str, Failure] = {
        "deadline": DEADLINE,
        "tally": _tally_refused,
        "person": ConflictError("conflict"),
    }
    with transaction(errors=errors) as tx:
        _before_deadline(tx, e.programme_id, now)
        tx.update(
            QuotaModel(e.programme_id, e.region_id),
            actions=[
                QuotaModel.remaining.add(trainee),
                QuotaModel.requested.add(-trainee),
                QuotaModel.listed.add(-1),
                QuotaModel.listed_trainees.add(-trainee),
                QuotaModel.updated_at.set(now),
            ],
            condition=_open(),
            return_values="ALL_OLD",
            tag="tally",
        )
        tx.delete(EnrolmentModel(e.enrolment_id), condition=_check_same(e), tag="person")
        tx.delete(
            ClaimModel(person_claim(e.programme_id, e.id_digest)),
            condition=ClaimModel.owner == e.enrolment_id,
        )


# --- reading ----------------------------------------------------------------------------------


def get(enrolment_id: str) -> Enrolment | None:
    try:
        return _enrolment(EnrolmentModel.get(enrolment_id, consistent_read=True))
    except DoesNotExist:
        return None


def get_many(enrolment_ids: Iterable[str]) -> dict[str, Enrolment]:
    ids = list(dict.fromkeys(enrolment_ids))
    if not ids:
        return {}
    return {m.enrolment_id: _enrolment(m) for m in EnrolmentModel.batch_get(ids, consistent_read=True)}


def claims_of(programme_id: str, digests: Iterable[str]) -> dict[str, str]:
    """{digest: owner} of the IDs already claimed in the programme (an enrolment id, or
    "excluded"), in BatchGetItems of 100."""
    keys = list(dict.fromkeys(person_claim(programme_id, d) for d in digests))
    if not keys:
        return {}
    prefix = person_claim(programme_id, "")
    return {
        m.claim_key.removeprefix(prefix): m.owner for m in ClaimModel.batch_get(keys, consistent_read=True)
    }


def _filter(filters: dict[str, str]) -> Condition | None:
    condition: Condition | None = None
    for name in ("role", "stage", "subject", "unit"):
        if value := filters.get(name):
            part = getattr(EnrolmentModel, name) == value
            condition = part if condition is None else condition & part
    return condition


def page_of_county(
    programme_id: str, region_id: str, filters: dict[str, str], limit: int, cursor: str | None
) -> Page[Enrolment]:
    rows = EnrolmentModel.by_region.query(
        f"{programme_id}#{region_id}",
        filter_condition=_filter(filters),
        limit=limit,
        last_evaluated_key=decode_cursor(cursor, EnrolmentModel.by_region),
    )
    with cursor_checked(cursor):
        items = [_enrolment(m) for m in rows]
    return Page(items, encode_cursor(rows.last_evaluated_key))


def page_of_programme(
    programme_id: str, filters: dict[str, str], limit: int, cursor: str | None
) -> Page[Enrolment]:
    rows = EnrolmentModel.by_programme.query(
        programme_id,
        filter_condition=_filter(filters),
        limit=limit,
        last_evaluated_key=decode_cursor(cursor, EnrolmentModel.by_programme),
    )
    with cursor_checked(cursor):
        items = [_enrolment(m) for m in rows]
    return Page(items, encode_cursor(rows.last_evaluated_key))


def of_county(programme_id: str, region_id: str) -> list[Enrolment]:
    """The county's whole list (hundreds: bounded by its places and its extras)."""
    return [_enrolment(m) for m in EnrolmentModel.by_region.query(f"{programme_id}#{region_id}")]


def of_account(account_id: str) -> list[Enrolment]:
    return [_enrolment(m) for m in EnrolmentModel.by_account.query(account_id)]


# --- confirmation -----------------------------------------------------------------------------


def lock(programme_id: str, region_id: str, listed: int, now: datetime) -> bool:
    """Close the county's list, if it is still the `listed` people read and no commit is
    being written (or its time is over: a commit that stopped; its unwritten places go
    back). False when the list changed since it was read (read it again); 409
    enrolment_closed once it is closed, deadline_passed after the deadline."""
    written = QuotaModel.listed_trainees | 0
    # No reservation outstanding: what was reserved is written, or its time is over
    settled = (
        QuotaModel.requested == QuotaModel.listed_trainees
    ) | QuotaModel.reserved_until.does_not_exist()
    settled |= QuotaModel.reserved_until < now

    def closed_or_changed(refusal: Refusal) -> Exception | None:
        reason = refusal.reason("tally")
        old = reason.raw_item if reason is not None else None
        if not old or "places" not in old:
            return NotFoundError("not_in_programme")
        return ConflictError("enrolment_closed") if "enrolment_confirmed_at" in old else None

    errors: dict[str, Failure] = {"deadline": DEADLINE, "tally": closed_or_changed}
    with transaction(errors=errors, tolerate={"tally"}) as tx:
        _before_deadline(tx, programme_id, now)
        tx.update(
            QuotaModel(programme_id, region_id),
            actions=[
                QuotaModel.enrolment_confirmed_at.set(now),
                QuotaModel.awaiting_enrolment.remove(),
                QuotaModel.requested.set(written),
                QuotaModel.remaining.set(QuotaModel.places - written),
                QuotaModel.updated_at.set(now),
            ],
            condition=_open() & _equals(QuotaModel.listed, listed) & settled,
            return_values="ALL_OLD",
            tag="tally",
        )
    return not tx.refused


@dataclass(frozen=True)
class Provisioning:
    """A person's account (new, or the existing account of that phone) and its SMS."""

    enrolment: Enrolment
    account: Account
    new_account: bool
    message: Message
    password_hash: str | None = None
    initial_expires_at: datetime | None = None


def _provision_items(tx: Transaction, p: Provisioning) -> None:
    tx.update(
        EnrolmentModel(p.enrolment.enrolment_id),
        actions=[EnrolmentModel.account_id.set(p.account.account_id)],
        condition=EnrolmentModel.enrolment_id.exists() & EnrolmentModel.account_id.does_not_exist(),
        tag="person",
    )
    if p.new_account:
        assert p.password_hash is not None and p.initial_expires_at is not None
        claim_phone(tx, p.account, p.password_hash, p.initial_expires_at, tag="phone")
    tx.save(message_item(p.message))


def provision(p: Provisioning) -> bool:
    """One person's account and SMS, only if the person has none yet. False when another
    confirmation did it first; 409 phone_taken when the phone got an account meanwhile."""
    with transaction(errors={"phone": ConflictError("phone_taken")}, tolerate={"person"}) as tx:
        _provision_items(tx, p)
    return not tx.refused


def provision_many(
    plans: list[Provisioning], reuse: Callable[[Provisioning], Provisioning | None]
) -> list[Provisioning]:
    """provision() for a county's list, 20 people a transaction; a refused transaction is
    tried again one person at a time, a phone that got an account meanwhile with `reuse`."""
    done: list[Provisioning] = []
    for start in range(0, len(plans), PEOPLE_PER_TRANSACTION):
        chunk = plans[start : start + PEOPLE_PER_TRANSACTION]
        try:
            with transaction() as tx:
                for p in chunk:
                    _provision_items(tx, p)
        except TransactWriteError:
            for p in chunk:
                try:
                    if provision(p):
                        done.append(p)
                except ConflictError as exc:
                    again = reuse(p) if exc.code == "phone_taken" and p.new_account else None
                    if again is None:
                        raise
                    if provision(again):
                        done.append(again)
        else:
            done += chunk
    return done


# --- the exclusion list -----------------------------------------------------------------------


def exclude(programme_id: str, digests: list[str]) -> dict[str, str]:
    """Put the exclusion claims of `digests`, 100 a transaction, each only if the ID has no
    claim yet. Returns {digest: owner} of those that had one (excluded already, or enrolled:
    the office sees whom and where)."""
    taken: dict[str, str] = {}
    todo = list(dict.fromkeys(digests))
    for start in range(0, len(todo), CLAIMS_PER_CHUNK):
        chunk = todo[start : start + CLAIMS_PER_CHUNK]
        while chunk:
            with transaction(tolerate=set(chunk)) as tx:
                for digest in chunk:
                    tx.save(
                        ClaimModel(person_claim(programme_id, digest), owner=EXCLUDED),
                        condition=ClaimModel.claim_key.does_not_exist(),
                        tag=digest,
                    )
            if not tx.refused:
                break
            taken.update(claims_of(programme_id, tx.refused))
            chunk = [d for d in chunk if d not in tx.refused]
    return taken


def reveal_entry(entry: AuditEntry) -> None:
    """The record that an ID number was shown, written before it is."""
    audit_item(entry).save()


# --- imports ----------------------------------------------------------------------------------


IMPORT_KEPT = timedelta(days=30)  # as the file under imports/ (infra/template.json)


def _import(m: EnrolmentImportModel) -> EnrolmentImport:
    return EnrolmentImport(
        import_id=m.import_id,
        programme_id=m.programme_id,
        region_id=m.region_id,
        account_id=m.account_id,
        upload_id=m.upload_id,
        s3_key=m.s3_key,
        file_sha256=m.file_sha256,
        rows=int(m.rows),
        valid=int(m.valid),
        new=int(m.new),
        error_count=int(m.error_count),
        created_at=m.created_at,
        committed_at=m.committed_at,
        committed=int(m.committed) if m.committed is not None else None,
    )


def put_import(i: EnrolmentImport) -> None:
    EnrolmentImportModel(
        i.import_id,
        programme_id=i.programme_id,
        region_id=i.region_id,
        account_id=i.account_id,
        upload_id=i.upload_id,
        s3_key=i.s3_key,
        file_sha256=i.file_sha256,
        rows=i.rows,
        valid=i.valid,
        new=i.new,
        error_count=i.error_count,
        created_at=i.created_at,
        expires_at=i.created_at + IMPORT_KEPT,
    ).save(condition=EnrolmentImportModel.import_id.does_not_exist())


def get_import(import_id: str) -> EnrolmentImport | None:
    try:
        return _import(EnrolmentImportModel.get(import_id, consistent_read=True))
    except DoesNotExist:
        return None


def mark_committed(import_id: str, written: int, now: datetime) -> None:
    EnrolmentImportModel(import_id).update(
        actions=[
            EnrolmentImportModel.committed_at.set(now),
            EnrolmentImportModel.committed.set((EnrolmentImportModel.committed | 0) + written),
        ],
        condition=EnrolmentImportModel.import_id.exists(),
    )


def new_created_key(now: datetime, row: int | None, enrolment_id: str) -> str:
    """Sorts a county's list by when it was enrolled, then a file's rows in the file's order."""
    return f"{key_time(now)}#{row or 0:05d}#{enrolment_id}"
