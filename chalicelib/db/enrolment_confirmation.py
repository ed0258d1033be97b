"""A county's list confirmed (services/enrolment.py's confirm): the list locked, then each
person's account (new, or the existing account of that phone) and its credentials SMS.

Access patterns: lock: one transaction (the programme's deadline; the tally: not confirmed,
listed = the people read, no reservation being written); then PEOPLE_PER_TRANSACTION people
a transaction: the person's account id (only if none yet), the phone claimed (a new account)
and the SMS into the outbox. A refused transaction is tried again one person at a time."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from chalicelib.db.accounts import claim_phone
from chalicelib.db.enrolments import DEADLINE, before_deadline, equals, list_open
from chalicelib.db.models import EnrolmentModel, QuotaModel
from chalicelib.db.outbox import message_item
from chalicelib.db.writes import Failure, Refusal, Transaction, transaction
from chalicelib.domain.errors import ConflictError, NotFoundError
from chalicelib.domain.records import Account, Enrolment, Message

PEOPLE_PER_TRANSACTION = 20  # 4 items each (person, credential, account, SMS)


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
        before_deadline(tx, programme_id, now)
        tx.update(
            QuotaModel(programme_id, region_id),
            actions=[
                QuotaModel.enrolment_confirmed_at.set(now),
                QuotaModel.awaiting_enrolment.remove(),
                QuotaModel.requested.set(written),
                QuotaModel.remaining.set(QuotaModel.places - written),
                QuotaModel.updated_at.set(now),
            ],
            condition=list_open() & equals(QuotaModel.listed, listed) & settled,
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
        # Refused (someone provisioned already, a phone taken meanwhile): one at a time
        with transaction(tolerate={"person", "phone"}) as tx:
            for p in chunk:
                _provision_items(tx, p)
        if not tx.refused:
            done += chunk
            continue
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
    return done
