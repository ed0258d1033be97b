"""A roster's confirmation (最终确认): the lock, then each trainee's account and SMS.

Access patterns:
- lock: one transaction that locks the batch (open -> confirmed, under the count and the
  leader that were read) with the base's and the leader's messages.
- provision: per 20 trainees one transaction: each trainee's account_id set only if unset,
  the account claimed (a new phone) or reused (an existing trainee account), the SMS; a
  refused transaction is retried one trainee at a time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from chalicelib.db.accounts import claim_phone
from chalicelib.db.models import BatchModel, ClaimModel, TraineeModel
from chalicelib.db.outbox import message_item
from chalicelib.db.rosters import before_roster_deadline, roster_open
from chalicelib.db.writes import Transaction, transaction
from chalicelib.domain.errors import ConflictError
from chalicelib.domain.records import Account, Batch, Message, Trainee
from chalicelib.domain.rosters import LEADER, leader_claim


def lock(
    batch: Batch, region_id: str, now: datetime, messages: list[Message], team: list[Trainee] | None = None
) -> bool:
    """open -> confirmed, with the base's and the leader's messages. False if not open, or
    if the roster is no longer the `team` that was read (its size, its leader): the caller
    reads it again. (The roster is read from an index, which may lag a moment behind.)"""
    with transaction(errors={"deadline": ConflictError("deadline_passed")}, tolerate={"batch"}) as tx:
        before_roster_deadline(tx, batch.programme_id, now)
        condition = roster_open(region_id)
        if team is not None:
            condition &= BatchModel.trainee_count == len(team)
        tx.update(
            BatchModel(batch.batch_id),
            actions=[
                BatchModel.roster_status.set("confirmed"),
                BatchModel.confirmed_at.set(now),
                BatchModel.awaiting_roster.remove(),
            ],
            condition=condition,
            tag="batch",
        )
        leader = next((t for t in team or [] if t.team_role == LEADER), None)
        if leader is not None:
            tx.condition_check(
                ClaimModel,
                leader_claim(batch.batch_id),
                condition=ClaimModel.owner == leader.trainee_id,
                tag="batch",
            )
        for message in messages:
            tx.save(message_item(message))
    return not tx.refused


@dataclass(frozen=True)
class Provisioning:
    """A trainee's account (new, or the existing trainee account of that phone) and its SMS."""

    trainee: Trainee
    account: Account
    new_account: bool
    message: Message
    password_hash: str | None = None
    initial_expires_at: datetime | None = None
    also: tuple[Message, ...] = ()  # the e-mail beside the SMS, when the trainee gave an address


TRAINEES_PER_TRANSACTION = 20  # 5 items at most each (with the e-mail): within DynamoDB's 100


def _provision_items(tx: Transaction, p: Provisioning) -> None:
    t, account = p.trainee, p.account
    tx.update(
        TraineeModel(t.trainee_id),
        actions=[
            TraineeModel.account_id.set(account.account_id),
            TraineeModel.awaiting_registration.set(t.programme_id),
        ],
        condition=TraineeModel.trainee_id.exists() & TraineeModel.account_id.does_not_exist(),
        tag="trainee",
    )
    account_items(tx, p)


def account_items(tx: Transaction, p: Provisioning, tag: str = "phone") -> None:
    """In `tx`: a new account's credential, claimed for its phone, and the account; the SMS."""
    if p.new_account:
        assert p.password_hash is not None and p.initial_expires_at is not None
        claim_phone(tx, p.account, p.password_hash, p.initial_expires_at, tag=tag)
    for message in (p.message, *p.also):
        tx.save(message_item(message))


def provision(p: Provisioning) -> bool:
    """Give one trainee its account and record its SMS, only if the trainee has none yet: a
    second confirmation, even a concurrent one, sends nothing. False when another call did
    it first."""
    with transaction(errors={"phone": ConflictError("phone_taken")}, tolerate={"trainee"}) as tx:
        _provision_items(tx, p)
    return not tx.refused


def provision_many(
    items: list[Provisioning], reuse: Callable[[Provisioning], Provisioning | None] | None = None
) -> list[Provisioning]:
    """provision() for a whole roster in a few transactions (20 trainees each); a refused
    transaction (a concurrent confirmation got there first for one of them) is retried one
    trainee at a time. A new account refused because the phone got one meanwhile (another
    batch's confirmation, at the same moment) is retried with `reuse(p)`: the plan with that
    account. Returns the ones this call provisioned."""
    done: list[Provisioning] = []
    for start in range(0, len(items), TRAINEES_PER_TRANSACTION):
        chunk = items[start : start + TRAINEES_PER_TRANSACTION]
        with transaction(tolerate={"trainee", "phone"}) as tx:
            for p in chunk:
                _provision_items(tx, p)
        if tx.refused:
            done += [q for p in chunk if (q := _provision_or_reuse(p, reuse)) is not None]
        else:
            done += chunk
    return done


def _provision_or_reuse(
    p: Provisioning, reuse: Callable[[Provisioning], Provisioning | None] | None
) -> Provisioning | None:
    try:
        return p if provision(p) else None
    except ConflictError as exc:
        again = reuse(p) if reuse is not None and exc.code == "phone_taken" and p.new_account else None
        if again is None:
            raise
        return again if provision(again) else None
