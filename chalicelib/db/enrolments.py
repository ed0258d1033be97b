"""国培 county lists: the people, the county's tally, the ID claims and the exclusion list.

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
- change, remove: one transaction: deadline, tally, the person as read, its claim.
- many IDs' claims: BatchGetItem (consistent).
- the exclusion list: 100 claims a transaction, each not exists; a refused one names its taken
  claims, and is sent again without them.
- reminders: Query the sparse quotas.awaiting_enrolment index, then a strong BatchGetItem.
A file's rows and the imports: db/enrolment_files.py; the confirmation and its accounts:
db/enrolment_confirmation.py; reading people: db/enrolment_lists.py.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from pynamodb.exceptions import DoesNotExist
from pynamodb.expressions.condition import Condition

from chalicelib.db.audit import audit_item
from chalicelib.db.models import (
    ClaimModel,
    EnrolmentModel,
    ProgrammeModel,
    QuotaModel,
)
from chalicelib.db.writes import Failure, Refusal, Transaction, applied, transaction
from chalicelib.domain.demand import STAGE_TALLY
from chalicelib.domain.enrolment import counts_against_places
from chalicelib.domain.errors import ConflictError, NotFoundError
from chalicelib.domain.records import AuditEntry, County, Enrolment

EXCLUDED = "excluded"  # the owner of an exclusion list's claim
CLAIMS_PER_CHUNK = 100


def person_claim(programme_id: str, digest: str) -> str:
    return f"person#{programme_id}#{digest}"


# --- items ------------------------------------------------------------------------------------


def enrolment_of(m: EnrolmentModel) -> Enrolment:
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


def item_of(e: Enrolment) -> EnrolmentModel:
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


def county_of(m: QuotaModel) -> County:
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
    return county_of(m) if m.places is not None else None


def counties(programme_id: str) -> list[County]:
    """Every county given places in the programme (its tallies, but the stages')."""
    return [
        county_of(m)
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
        (county_of(m) for m in fresh if m.awaiting_enrolment and not m.enrolment_confirmed_at),
        key=lambda c: c.region_id,
    )


def before_deadline(tx: Transaction, programme_id: str, now: datetime) -> None:
    tx.condition_check(
        ProgrammeModel,
        programme_id,
        condition=ProgrammeModel.enrolment_deadline.exists() & (ProgrammeModel.enrolment_deadline >= now),
        tag="deadline",
    )


def list_open() -> Condition:
    condition: Condition = QuotaModel.places.exists() & QuotaModel.enrolment_confirmed_at.does_not_exist()
    return condition


DEADLINE = ConflictError("deadline_passed")


def tally_refused(refusal: Refusal) -> Exception:
    """Why the county's tally refused (as the condition saw it): not in the programme, the
    list confirmed, or no place left."""
    reason = refusal.reason("tally")
    old = reason.raw_item if reason is not None else None
    if not old or "places" not in old:
        return NotFoundError("not_in_programme")
    if "enrolment_confirmed_at" in old:
        return ConflictError("enrolment_closed")
    return ConflictError("quota_exceeded")


def claim_person(tx: Transaction, e: Enrolment, tag: str) -> None:
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
    condition = list_open() & (QuotaModel.remaining >= trainee) if trainee else list_open()
    errors: dict[str, Failure] = {"deadline": DEADLINE, "tally": tally_refused, "claim": _claim_taken(e)}
    with transaction(errors=errors) as tx:
        before_deadline(tx, e.programme_id, now)
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
        tx.save(item_of(e), condition=EnrolmentModel.enrolment_id.does_not_exist())
        claim_person(tx, e, "claim")


def equals(counter: Any, value: int) -> Condition:
    """A counter (created by its first ADD) holds `value`; absent counts as 0."""
    condition: Condition = (counter == value) | counter.does_not_exist() if value == 0 else counter == value
    return condition


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
        "tally": tally_refused,
        "person": ConflictError("conflict"),  # changed or removed meanwhile: read it again
        "claim": _claim_taken(new),
    }
    with transaction(errors=errors) as tx:
        before_deadline(tx, old.programme_id, now)
        tx.update(
            QuotaModel(old.programme_id, old.region_id),
            actions=[
                QuotaModel.remaining.add(-delta),
                QuotaModel.requested.add(delta),
                QuotaModel.listed_trainees.add(delta),
                QuotaModel.updated_at.set(now),
            ],
            condition=list_open() & (QuotaModel.remaining >= delta) if delta > 0 else list_open(),
            return_values="ALL_OLD",
            tag="tally",
        )
        tx.save(item_of(new), condition=_check_same(old), tag="person")
        if new.id_digest != old.id_digest:
            tx.delete(
                ClaimModel(person_claim(old.programme_id, old.id_digest)),
                condition=ClaimModel.owner == old.enrolment_id,
            )
            claim_person(tx, new, "claim")


def remove(e: Enrolment, now: datetime) -> None:
    trainee = int(counts_against_places(e.role))
    errors: dict[str, Failure] = {
        "deadline": DEADLINE,
        "tally": tally_refused,
        "person": ConflictError("conflict"),
    }
    with transaction(errors=errors) as tx:
        before_deadline(tx, e.programme_id, now)
        tx.update(
            QuotaModel(e.programme_id, e.region_id),
            actions=[
                QuotaModel.remaining.add(trainee),
                QuotaModel.requested.add(-trainee),
                QuotaModel.listed.add(-1),
                QuotaModel.listed_trainees.add(-trainee),
                QuotaModel.updated_at.set(now),
            ],
            condition=list_open(),
            return_values="ALL_OLD",
            tag="tally",
        )
        tx.delete(EnrolmentModel(e.enrolment_id), condition=_check_same(e), tag="person")
        tx.delete(
            ClaimModel(person_claim(e.programme_id, e.id_digest)),
            condition=ClaimModel.owner == e.enrolment_id,
        )


# --- reading ----------------------------------------------------------------------------------


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


# --- confirmation -----------------------------------------------------------------------------


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
