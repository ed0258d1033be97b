"""A roster's edits by the region contact, and the claims that keep it right.

Access patterns:
- add a trainee: one transaction: the programme's roster deadline (ConditionCheck), the
  batch's count (trainee_count < capacity, the region's, still open), the trainee (Put),
  the phone's day claims and, for a leader, the batch's leader claim (Put, not exists).
- change: one transaction: the deadline, the batch still open, the trainee's changed fields
  (SET or REMOVE, nothing else), the claims that follow the phone and the leader.
- remove: one transaction: the deadline, the batch's counters less the trainee's share, the
  trainee (Delete, as it was read), the claims released.
(Confirmation: db/confirmation.py; the office's unlock and replacement: db/roster_office.py;
registration, check-ins, feedback: db/attendance.py; reads: db/trainees.py.)
"""

from __future__ import annotations

from datetime import datetime

from pynamodb.exceptions import DoesNotExist
from pynamodb.expressions.condition import Condition, size
from pynamodb.expressions.update import Action

from chalicelib.db.audit import audit_item
from chalicelib.db.models import BatchModel, ClaimModel, ProgrammeModel, TraineeModel
from chalicelib.db.trainees import trainee_item
from chalicelib.db.writes import Failure, Refusal, Transaction, transaction
from chalicelib.domain.deadlines import days
from chalicelib.domain.errors import ConflictError, NotFoundError
from chalicelib.domain.records import AuditEntry, Trainee
from chalicelib.domain.rosters import LEADER, TRAINEE_FIELDS, claim_expiry, leader_claim, phone_day_claim


def claim_phone_days(tx: Transaction, t: Trainee) -> None:
    """In `tx`: the trainee's phone on each day of its batch (no overlapping batches)."""
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


def release_phone_days(tx: Transaction, t: Trainee) -> None:
    for day in days(t.start_date, t.end_date):
        tx.delete(ClaimModel(phone_day_claim(t.phone, day)), condition=ClaimModel.owner == t.trainee_id)


def roster_open(region_id: str) -> Condition:
    condition: Condition = (BatchModel.region_id == region_id) & (BatchModel.roster_status == "open")
    return condition


def before_roster_deadline(tx: Transaction, programme_id: str, now: datetime) -> None:
    tx.condition_check(
        ProgrammeModel, programme_id, condition=ProgrammeModel.roster_deadline >= now, tag="deadline"
    )


def roster_errors(batch_id: str, region_id: str) -> dict[str, Failure]:
    """What a roster write's failed tags mean, in this order: the deadline, the batch (read
    again, only on this path, to say which of its conditions failed), the leader, the phone."""

    def which(_: Refusal) -> Exception:
        try:
            batch = BatchModel.get(batch_id, consistent_read=True)
        except DoesNotExist:
            return NotFoundError("batch_not_found")
        if batch.region_id != region_id:
            return NotFoundError("batch_not_found")
        if batch.roster_status != "open":
            return ConflictError("roster_locked")
        return ConflictError("batch_full")

    return {
        "deadline": ConflictError("deadline_passed"),
        "batch": which,
        "leader": ConflictError("team_leader_exists"),
        "phone": ConflictError("phone_in_overlapping_batch"),
    }


def leader_id(t: Trainee | None) -> str | None:
    return t.trainee_id if t is not None and t.team_role == LEADER else None


def move_leader(tx: Transaction, of: Trainee, before: str | None, after: str | None) -> None:
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


def as_read(t: Trainee) -> Condition:
    """The trainee's item still holds what `t` read of its counted fields: the batch's
    archive counters can then lose exactly this trainee's share."""
    condition = TraineeModel.trainee_id.exists() & (TraineeModel.artifact_count == t.artifact_count)
    condition &= (TraineeModel.reflection_count == t.reflection_count) & (
        TraineeModel.outcome_count == t.outcome_count
    )
    registered = TraineeModel.registered_at
    condition &= registered.exists() if t.registered_at else registered.does_not_exist()
    checkins = TraineeModel.checkins
    counted: Condition = size(checkins) == len(t.checkins) if t.checkins else checkins.does_not_exist()
    result: Condition = condition & counted
    return result


def counters_without(t: Trainee) -> list[Action]:
    """The batch's archive counters without this trainee's registration, days and artifacts
    (and the evaluation's: its reflections, and whether it had an outcome)."""
    return [
        BatchModel.registered_count.add(-1 if t.registered_at else 0),
        BatchModel.checkin_count.add(-len(t.checkins)),
        BatchModel.artifact_count.add(-t.artifact_count),
        BatchModel.reflection_count.add(-t.reflection_count),
        BatchModel.outcome_trainees.add(-1 if t.outcome_count else 0),
        BatchModel.checked_in_trainees.add(-1 if t.checkins else 0),
        BatchModel.reflection_trainees.add(-1 if t.reflection_count else 0),
        BatchModel.uploader_trainees.add(-1 if t.artifact_count else 0),
    ]


def add(t: Trainee, capacity_guard: bool, now: datetime, entry: AuditEntry | None = None) -> None:
    """Add a trainee to the roster, all or nothing (see the module's access patterns)."""
    with transaction(errors=roster_errors(t.batch_id, t.region_id)) as tx:
        before_roster_deadline(tx, t.programme_id, now)
        condition = roster_open(t.region_id)
        if capacity_guard:
            condition = condition & (BatchModel.trainee_count < BatchModel.capacity)
        tx.update(
            BatchModel(t.batch_id),
            actions=[BatchModel.trainee_count.add(1)],
            condition=condition,
            tag="batch",
        )
        tx.save(trainee_item(t), condition=TraineeModel.trainee_id.does_not_exist())
        claim_phone_days(tx, t)
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


def _edits(old: Trainee, new: Trainee) -> list[Action]:
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
    errors = {"trainee": ConflictError("trainee_has_account"), **roster_errors(old.batch_id, old.region_id)}
    with transaction(errors=errors) as tx:
        before_roster_deadline(tx, old.programme_id, now)
        tx.condition_check(BatchModel, old.batch_id, condition=roster_open(old.region_id), tag="batch")
        condition = TraineeModel.trainee_id.exists()
        if old.phone != new.phone:
            condition = condition & TraineeModel.account_id.does_not_exist()
        tx.update(TraineeModel(old.trainee_id), actions=actions, condition=condition, tag="trainee")
        if old.phone != new.phone:
            release_phone_days(tx, old)
            claim_phone_days(tx, new)
        move_leader(tx, old, leader_id(old), leader_id(new))
        if entry is not None:
            tx.save(audit_item(entry))


def remove(t: Trainee, now: datetime, entry: AuditEntry | None = None) -> None:
    # The roster's own failures first; the trainee's alone means it checked in or wrote
    # meanwhile: read it again (409).
    errors = {**roster_errors(t.batch_id, t.region_id), "trainee": ConflictError("conflict")}
    with transaction(errors=errors) as tx:
        before_roster_deadline(tx, t.programme_id, now)
        tx.update(
            BatchModel(t.batch_id),
            actions=[BatchModel.trainee_count.add(-1), *counters_without(t)],
            condition=roster_open(t.region_id),
            tag="batch",
        )
        tx.delete(TraineeModel(t.trainee_id), condition=as_read(t), tag="trainee")
        release_phone_days(tx, t)
        move_leader(tx, t, leader_id(t), None)
        if entry is not None:
            tx.save(audit_item(entry))
