"""The office's changes to a confirmed roster: reopening it and replacing a trainee, each
with its audit entry in the same transaction."""

from __future__ import annotations

from dataclasses import replace

from chalicelib.db.audit import audit_item
from chalicelib.db.confirmation import Provisioning, account_items
from chalicelib.db.models import BatchModel, ClaimModel, TraineeModel
from chalicelib.db.outbox import message_item
from chalicelib.db.rosters import (
    as_read,
    before_roster_deadline,
    claim_phone_days,
    counters_without,
    leader_id,
    move_leader,
    release_phone_days,
)
from chalicelib.db.trainees import get, trainee_item
from chalicelib.db.writes import Failure, Refusal, transaction
from chalicelib.domain.deadlines import days
from chalicelib.domain.errors import ConflictError, NotFoundError
from chalicelib.domain.records import AuditEntry, Batch, Message, Trainee
from chalicelib.domain.rosters import phone_day_claim


def unlock(batch: Batch, entry: AuditEntry) -> None:
    """confirmed -> open, before the roster deadline only: after it the region contact could
    neither change nor confirm the roster again, and the office replaces people instead."""
    errors = {"deadline": ConflictError("deadline_passed"), "batch": ConflictError("roster_not_confirmed")}
    with transaction(errors=errors) as tx:
        before_roster_deadline(tx, batch.programme_id, entry.at)
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
    item = trainee_item(new)
    if plan is not None:
        item.awaiting_registration = new.programme_id

    def gone_or_changed(_: Refusal) -> Exception:
        if get(old.trainee_id) is None:
            return NotFoundError("trainee_not_found")
        return ConflictError("conflict")  # changed meanwhile: read it again

    errors: dict[str, Failure] = {
        "old": gone_or_changed,
        "leader": ConflictError("team_leader_exists"),
        "phone": ConflictError("phone_in_overlapping_batch"),
        "credential": ConflictError("phone_taken"),
    }
    with transaction(errors=errors) as tx:
        tx.update(
            BatchModel(old.batch_id), actions=counters_without(old), condition=BatchModel.batch_id.exists()
        )
        tx.delete(TraineeModel(old.trainee_id), condition=as_read(old), tag="old")
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
            release_phone_days(tx, old)
            claim_phone_days(tx, new)
        move_leader(tx, old, leader_id(old), leader_id(new))
        tx.save(audit_item(entry))
        if plan is not None:
            account_items(tx, plan, tag="credential")
        for message in messages or []:
            tx.save(message_item(message))
