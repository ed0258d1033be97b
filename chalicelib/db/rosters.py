"""Rosters, registration, check-ins, feedback and the audit trail.

Access patterns:
- add a trainee: one transaction: the programme's roster deadline (ConditionCheck), the
  batch's count (trainee_count < capacity, the region's, still open), the trainee (Put),
  the phone's day claims and, for a leader, the batch's leader claim (Put, not exists).
- a batch's roster: Query trainees.by_batch; a trainee's batches: Query by_account;
  a base's trainees: Query by_base.
- confirm: one transaction that locks the batch (open -> confirmed) with the base's and the
  leader's messages; then per trainee one transaction: account_id set only if unset, the
  account claimed or reused, the credentials SMS.
- register, check in: one transaction each, the trainee's field under a condition and the
  batch's counter.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from pynamodb.exceptions import DoesNotExist, TransactWriteError, UpdateError
from pynamodb.expressions.condition import size

from chalicelib.db.accounts import claim_phone
from chalicelib.db.audit import audit_item
from chalicelib.db.common import transaction
from chalicelib.db.models import (
    BatchModel,
    ClaimModel,
    ProgrammeModel,
    TraineeModel,
)
from chalicelib.db.outbox import message_item
from chalicelib.domain.deadlines import days
from chalicelib.domain.errors import ConflictError, NotFoundError
from chalicelib.domain.records import Account, AuditEntry, Batch, Message, Trainee
from chalicelib.domain.rosters import LEADER, TRAINEE_FIELDS, claim_expiry, leader_claim, phone_day_claim


def trainee_from_model(m: TraineeModel) -> Trainee:
    return Trainee(
        trainee_id=m.trainee_id,
        batch_id=m.batch_id,
        programme_id=m.programme_id,
        region_id=m.region_id,
        base_id=m.base_id,
        name=m.name,
        gender=m.gender,
        phone=m.phone,
        unit=m.unit,
        team_role=m.team_role,
        start_date=date.fromisoformat(m.start_date),
        end_date=date.fromisoformat(m.end_date),
        created_key=m.created_key,
        position=m.position,
        email=m.email,
        subject=m.subject,
        account_id=m.account_id,
        registered_at=m.registered_at,
        checkins=frozenset(m.checkins or ()),
        artifact_count=int(m.artifact_count or 0),
        reflection_count=int(m.reflection_count or 0),
        outcome_count=int(m.outcome_count or 0),
        feedback=m.feedback,
        feedback_at=m.feedback_at,
    )


def _item(t: Trainee) -> TraineeModel:
    return TraineeModel(
        t.trainee_id,
        batch_id=t.batch_id,
        programme_id=t.programme_id,
        region_id=t.region_id,
        base_id=t.base_id,
        name=t.name,
        gender=t.gender,
        phone=t.phone,
        unit=t.unit,
        team_role=t.team_role,
        start_date=t.start_date.isoformat(),
        end_date=t.end_date.isoformat(),
        end_key=f"{t.end_date.isoformat()}#{t.trainee_id}",
        created_key=t.created_key,
        position=t.position,
        email=t.email,
        subject=t.subject,
        account_id=t.account_id,
        registered_at=t.registered_at,
        checkins=set(t.checkins) or None,
        artifact_count=t.artifact_count,
        reflection_count=t.reflection_count,
        outcome_count=t.outcome_count,
        feedback=t.feedback,
        feedback_at=t.feedback_at,
    )


def get(trainee_id: str) -> Trainee | None:
    try:
        return trainee_from_model(TraineeModel.get(trainee_id, consistent_read=True))
    except DoesNotExist:
        return None


def of_batch(batch_id: str) -> list[Trainee]:
    return [trainee_from_model(m) for m in TraineeModel.by_batch.query(batch_id)]


def of_account(account_id: str) -> list[Trainee]:
    return [trainee_from_model(m) for m in TraineeModel.by_account.query(account_id)]


def of_base(base_id: str) -> list[Trainee]:
    return [trainee_from_model(m) for m in TraineeModel.by_base.query(base_id)]


def _claim_phone_days(tx: Any, t: Trainee) -> None:
    for day in days(t.start_date, t.end_date):
        tx.save(
            ClaimModel(
                phone_day_claim(t.phone, day),
                owner=t.trainee_id,
                batch_id=t.batch_id,
                expires_at=claim_expiry(day),
            ),
            condition=ClaimModel.claim_key.does_not_exist(),
            tag="phone",
        )


def _release_phone_days(tx: Any, t: Trainee) -> None:
    for day in days(t.start_date, t.end_date):
        tx.delete(ClaimModel(phone_day_claim(t.phone, day)), condition=ClaimModel.owner == t.trainee_id)


def _roster_open(region_id: str) -> Any:
    return (BatchModel.region_id == region_id) & (BatchModel.roster_status == "open")


def _before_roster_deadline(tx: Any, programme_id: str, now: datetime) -> None:
    tx.condition_check(
        ProgrammeModel, programme_id, condition=ProgrammeModel.roster_deadline >= now, tag="deadline"
    )


def _raise_roster_failure(failed: set[str], exc: Exception, batch_id: str, region_id: str) -> None:
    if "deadline" in failed:
        raise ConflictError("deadline_passed") from exc
    if "batch" in failed:
        try:
            batch = BatchModel.get(batch_id, consistent_read=True)
        except DoesNotExist:
            raise NotFoundError("batch_not_found") from exc
        if batch.region_id != region_id:
            raise NotFoundError("batch_not_found") from exc
        if batch.roster_status != "open":
            raise ConflictError("roster_locked") from exc
        raise ConflictError("batch_full") from exc
    if "leader" in failed:
        raise ConflictError("team_leader_exists") from exc
    if "phone" in failed:
        raise ConflictError("phone_in_overlapping_batch") from exc


def add(t: Trainee, capacity_guard: bool, now: datetime, entry: AuditEntry | None = None) -> None:
    """Add a trainee to the roster, all or nothing (see the module's access patterns)."""
    tx = transaction()
    try:
        with tx:
            _before_roster_deadline(tx, t.programme_id, now)
            condition = _roster_open(t.region_id)
            if capacity_guard:
                condition = condition & (BatchModel.trainee_count < BatchModel.capacity)
            tx.update(
                BatchModel(t.batch_id),
                actions=[BatchModel.trainee_count.add(1)],
                condition=condition,
                tag="batch",
            )
            tx.save(_item(t), condition=TraineeModel.trainee_id.does_not_exist())
            _claim_phone_days(tx, t)
            if t.team_role == LEADER:
                tx.save(
                    ClaimModel(
                        leader_claim(t.batch_id),
                        owner=t.trainee_id,
                        batch_id=t.batch_id,
                        expires_at=claim_expiry(t.end_date),
                    ),
                    condition=ClaimModel.claim_key.does_not_exist(),
                    tag="leader",
                )
            if entry is not None:
                tx.save(audit_item(entry))
    except TransactWriteError as exc:
        _raise_roster_failure(tx.failed(exc), exc, t.batch_id, t.region_id)
        raise


def _edits(old: Trainee, new: Trainee) -> list[Any]:
    """SET (or REMOVE) only the fields the region contact changed: the item's other fields
    (registration, check-ins, counters, the account) may be written meanwhile by others."""
    actions = []
    for name in TRAINEE_FIELDS:
        before, after = getattr(old, name), getattr(new, name)
        if before != after:
            attribute = getattr(TraineeModel, name)
            actions.append(attribute.remove() if after is None else attribute.set(after))
    return actions


def change(old: Trainee, new: Trainee, now: datetime, entry: AuditEntry | None = None) -> None:
    """Modify a trainee of an open roster: the phone's claims and the leader claim follow.
    A phone with an account already (a roster reopened by the office) stays: the office
    replaces the person instead."""
    actions = _edits(old, new)
    if not actions:
        return
    tx = transaction()
    try:
        with tx:
            _before_roster_deadline(tx, old.programme_id, now)
            tx.condition_check(BatchModel, old.batch_id, condition=_roster_open(old.region_id), tag="batch")
            condition = TraineeModel.trainee_id.exists()
            if old.phone != new.phone:
                condition = condition & TraineeModel.account_id.does_not_exist()
            tx.update(TraineeModel(old.trainee_id), actions=actions, condition=condition, tag="trainee")
            if old.phone != new.phone:
                _release_phone_days(tx, old)
                _claim_phone_days(tx, new)
            _move_leader(tx, old, _leader_id(old), _leader_id(new))
            if entry is not None:
                tx.save(audit_item(entry))
    except TransactWriteError as exc:
        failed = tx.failed(exc)
        if "trainee" in failed:
            raise ConflictError("trainee_has_account") from exc
        _raise_roster_failure(failed, exc, old.batch_id, old.region_id)
        raise


def _leader_id(t: Trainee | None) -> str | None:
    return t.trainee_id if t is not None and t.team_role == LEADER else None


def _move_leader(tx: Any, of: Trainee, before: str | None, after: str | None) -> None:
    """Keep the batch's leader claim (of `of`'s batch) on whoever leads after this change."""
    if before == after:
        return
    key = leader_claim(of.batch_id)
    claim = ClaimModel(key, owner=after, batch_id=of.batch_id, expires_at=claim_expiry(of.end_date))
    if after is None:
        tx.delete(ClaimModel(key), condition=ClaimModel.owner == before)
    elif before is None:
        tx.save(claim, condition=ClaimModel.claim_key.does_not_exist(), tag="leader")
    else:
        tx.save(claim, condition=ClaimModel.owner == before, tag="leader")


def _as_read(t: Trainee) -> Any:
    """The trainee's item still holds what `t` read of its counted fields: the batch's
    archive counters can then lose exactly this trainee's share."""
    condition = TraineeModel.trainee_id.exists() & (TraineeModel.artifact_count == t.artifact_count)
    registered = TraineeModel.registered_at
    condition &= registered.exists() if t.registered_at else registered.does_not_exist()
    checkins = TraineeModel.checkins
    return condition & (size(checkins) == len(t.checkins) if t.checkins else checkins.does_not_exist())


def _counters_without(t: Trainee) -> list[Any]:
    """The batch's archive counters without this trainee's registration, days and artifacts."""
    return [
        BatchModel.registered_count.add(-1 if t.registered_at else 0),
        BatchModel.checkin_count.add(-len(t.checkins)),
        BatchModel.artifact_count.add(-t.artifact_count),
    ]


def remove(t: Trainee, now: datetime, entry: AuditEntry | None = None) -> None:
    tx = transaction()
    try:
        with tx:
            _before_roster_deadline(tx, t.programme_id, now)
            tx.update(
                BatchModel(t.batch_id),
                actions=[BatchModel.trainee_count.add(-1), *_counters_without(t)],
                condition=_roster_open(t.region_id),
                tag="batch",
            )
            tx.delete(TraineeModel(t.trainee_id), condition=_as_read(t), tag="trainee")
            _release_phone_days(tx, t)
            _move_leader(tx, t, _leader_id(t), None)
            if entry is not None:
                tx.save(audit_item(entry))
    except TransactWriteError as exc:
        failed = tx.failed(exc)
        if "trainee" in failed and not failed - {"trainee"}:
            raise ConflictError("conflict") from exc  # checked in or wrote meanwhile: read again
        _raise_roster_failure(failed, exc, t.batch_id, t.region_id)
        raise


def lock(
    batch: Batch, region_id: str, now: datetime, messages: list[Message], team: list[Trainee] | None = None
) -> bool:
    """open -> confirmed, with the base's and the leader's messages. False if not open, or
    if the roster is no longer the `team` that was read (its size, its leader): the caller
    reads it again. (The roster is read from an index, which may lag a moment behind.)"""
    tx = transaction()
    try:
        with tx:
            _before_roster_deadline(tx, batch.programme_id, now)
            condition = _roster_open(region_id)
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
    except TransactWriteError as exc:
        failed = tx.failed(exc)
        if "deadline" in failed:
            raise ConflictError("deadline_passed") from exc
        if "batch" in failed:
            return False
        raise
    return True


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


def _provision_items(tx: Any, p: Provisioning) -> None:
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
    _account_items(tx, p)


def _account_items(tx: Any, p: Provisioning, tag: str = "phone") -> None:
    """A new account's credential, claimed for its phone, and the account; then the SMS."""
    if p.new_account:
        assert p.password_hash is not None and p.initial_expires_at is not None
        claim_phone(tx, p.account, p.password_hash, p.initial_expires_at, tag=tag)
    for message in (p.message, *p.also):
        tx.save(message_item(message))


def provision(p: Provisioning) -> bool:
    """Give one trainee its account and record its SMS, only if the trainee has none yet: a
    second confirmation, even a concurrent one, sends nothing. False when another call did
    it first."""
    tx = transaction()
    try:
        with tx:
            _provision_items(tx, p)
    except TransactWriteError as exc:
        failed = tx.failed(exc)
        if "trainee" in failed:
            return False
        if "phone" in failed:
            raise ConflictError("phone_taken") from exc
        raise
    return True


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
        try:
            with transaction() as tx:
                for p in chunk:
                    _provision_items(tx, p)
        except TransactWriteError:
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


def unlock(batch: Batch, entry: AuditEntry) -> None:
    """confirmed -> open, before the roster deadline only: after it the region contact could
    neither change nor confirm the roster again, and the office replaces people instead."""
    tx = transaction()
    try:
        with tx:
            _before_roster_deadline(tx, batch.programme_id, entry.at)
            tx.update(
                BatchModel(batch.batch_id),
                actions=[
                    BatchModel.roster_status.set("open"),
                    BatchModel.awaiting_roster.set(batch.programme_id),
                ],
                condition=BatchModel.roster_status == "confirmed",
                tag="batch",
            )
            tx.save(audit_item(entry))
    except TransactWriteError as exc:
        failed = tx.failed(exc)
        if "deadline" in failed:
            raise ConflictError("deadline_passed") from exc
        if "batch" in failed:
            raise ConflictError("roster_not_confirmed") from exc
        raise


def replace_trainee(
    old: Trainee,
    new: Trainee,
    entry: AuditEntry,
    plan: Provisioning | None = None,
    messages: list[Message] | None = None,
) -> None:
    """The office swaps one trainee of a roster for another, with the reason on record, all
    or nothing: on a confirmed roster the newcomer's account and SMS (`plan`) and the team's
    messages (a new leader) are in the same transaction."""
    if plan is not None:
        new = replace(new, account_id=plan.account.account_id)
    item = _item(new)
    if plan is not None:
        item.awaiting_registration = new.programme_id
    tx = transaction()
    try:
        with tx:
            tx.update(
                BatchModel(old.batch_id),
                actions=_counters_without(old),
                condition=BatchModel.batch_id.exists(),
            )
            tx.delete(TraineeModel(old.trainee_id), condition=_as_read(old), tag="old")
            tx.save(item, condition=TraineeModel.trainee_id.does_not_exist())
            if old.phone == new.phone:
                # The same person's entry corrected: its day claims change hands, not keys
                for day in days(old.start_date, old.end_date):
                    tx.update(
                        ClaimModel(phone_day_claim(old.phone, day)),
                        actions=[ClaimModel.owner.set(new.trainee_id)],
                        condition=ClaimModel.owner == old.trainee_id,
                    )
            else:
                _release_phone_days(tx, old)
                _claim_phone_days(tx, new)
            _move_leader(tx, old, _leader_id(old), _leader_id(new))
            tx.save(audit_item(entry))
            if plan is not None:
                _account_items(tx, plan, tag="credential")
            for message in messages or []:
                tx.save(message_item(message))
    except TransactWriteError as exc:
        failed = tx.failed(exc)
        if "old" in failed:
            if get(old.trainee_id) is None:
                raise NotFoundError("trainee_not_found") from exc
            raise ConflictError("conflict") from exc  # changed meanwhile: read it again
        if "leader" in failed:
            raise ConflictError("team_leader_exists") from exc
        if "phone" in failed:
            raise ConflictError("phone_in_overlapping_batch") from exc
        if "credential" in failed:
            raise ConflictError("phone_taken") from exc
        raise


def _on_roster(t: Trainee) -> Any:
    """The trainee's item is still this person's place (an update of a removed trainee would
    create an item of counters alone)."""
    return TraineeModel.trainee_id.exists() & (TraineeModel.account_id == t.account_id)


def _counted_once(t: Trainee, action: Any, not_yet: Any, batch_counter: Any) -> bool:
    """The trainee's one-time write and the batch's counter, together. False if it was done
    already; 404 if the trainee left the roster meanwhile."""
    tx = transaction()
    try:
        with tx:
            tx.update(
                TraineeModel(t.trainee_id),
                actions=[*action],
                condition=_on_roster(t) & not_yet,
                tag="trainee",
            )
            tx.update(
                BatchModel(t.batch_id), actions=[batch_counter.add(1)], condition=BatchModel.batch_id.exists()
            )
    except TransactWriteError as exc:
        if "trainee" in tx.failed(exc):
            now = get(t.trainee_id)
            if now is None or now.account_id != t.account_id:
                raise NotFoundError("not_on_roster") from exc
            return False
        raise
    return True


def register(t: Trainee, now: datetime) -> bool:
    """Set registered_at once, and count it on the batch. False if already registered."""
    return _counted_once(
        t,
        [TraineeModel.registered_at.set(now), TraineeModel.awaiting_registration.remove()],
        TraineeModel.registered_at.does_not_exist(),
        BatchModel.registered_count,
    )


def check_in(t: Trainee, day: date) -> bool:
    """Add the day to the trainee's check-ins once, and count it on the batch."""
    return _counted_once(
        t,
        [TraineeModel.checkins.add({day.isoformat()})],
        ~TraineeModel.checkins.contains(day.isoformat()),
        BatchModel.checkin_count,
    )


def set_feedback(trainee_id: str, text: str, now: datetime) -> None:
    try:
        TraineeModel(trainee_id).update(
            actions=[TraineeModel.feedback.set(text), TraineeModel.feedback_at.set(now)],
            condition=TraineeModel.trainee_id.exists(),
        )
    except UpdateError as exc:
        raise NotFoundError("trainee_not_found") from exc
