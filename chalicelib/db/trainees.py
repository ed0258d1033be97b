"""Trainees (a person on a batch's roster): the item, the record, and the reads.

Access patterns: GetItem by id (strongly consistent); Query by_batch (a roster, in the order
it was entered), by_account (a trainee's places), by_base (everyone coming to a base)."""

from __future__ import annotations

from datetime import date

from pynamodb.exceptions import DoesNotExist

from chalicelib.db.models import TraineeModel
from chalicelib.domain.records import Trainee


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


def trainee_item(t: Trainee) -> TraineeModel:
    """The one place a trainee becomes an item."""
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
