"""A trainee's registration (报到) and check-ins (签到), and the base's feedback.

Access patterns: one transaction each for registration and a check-in: the trainee's field
under a condition (once; still this person's place on the roster) and the batch's counter;
UpdateItem for feedback."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from pynamodb.attributes import NumberAttribute
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action

from chalicelib.db.models import BatchModel, TraineeModel
from chalicelib.db.trainees import get
from chalicelib.db.writes import Refusal, failing_as, transaction
from chalicelib.domain.errors import NotFoundError
from chalicelib.domain.records import Trainee


def _on_roster(t: Trainee) -> Condition:
    """The trainee's item is still this person's place (an update of a removed trainee would
    create an item of counters alone)."""
    condition: Condition = TraineeModel.trainee_id.exists() & (TraineeModel.account_id == t.account_id)
    return condition


def _counted_once(
    t: Trainee, actions: Sequence[Action], not_yet: Condition, counter: NumberAttribute
) -> bool:
    """The trainee's one-time write and the batch's counter, together. False if it was done
    already; 404 if the trainee left the roster meanwhile."""

    def left(_: Refusal) -> Exception | None:
        now = get(t.trainee_id)
        return NotFoundError("not_on_roster") if now is None or now.account_id != t.account_id else None

    with transaction(errors={"trainee": left}, tolerate={"trainee"}) as tx:
        tx.update(
            TraineeModel(t.trainee_id), actions=actions, condition=_on_roster(t) & not_yet, tag="trainee"
        )
        tx.update(BatchModel(t.batch_id), actions=[counter.add(1)], condition=BatchModel.batch_id.exists())
    return not tx.refused


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
    with failing_as(NotFoundError("trainee_not_found")):
        TraineeModel(trainee_id).update(
            actions=[TraineeModel.feedback.set(text), TraineeModel.feedback_at.set(now)],
            condition=TraineeModel.trainee_id.exists(),
        )
