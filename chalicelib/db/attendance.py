"""A trainee's registration (报到) and check-ins (签到), and the base's feedback.

Access patterns: one transaction each for registration and a check-in: the trainee's field
under a condition (once; still this person's place on the roster) and the batch's counter;
UpdateItem for feedback."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action

from chalicelib.db.models import BatchModel, TraineeModel
from chalicelib.db.trainees import get
from chalicelib.db.writes import Refusal, failing_as, transaction
from chalicelib.domain.errors import ConflictError, NotFoundError
from chalicelib.domain.records import Trainee


def _on_roster(t: Trainee) -> Condition:
    """The trainee's item is still this person's place (an update of a removed trainee would
    create an item of counters alone)."""
    condition: Condition = TraineeModel.trainee_id.exists() & (TraineeModel.account_id == t.account_id)
    return condition


def _counted_once(
    t: Trainee, actions: Sequence[Action], not_yet: Condition, counters: Sequence[Action]
) -> bool:
    """The trainee's one-time write and the batch's counters, together. False if the trainee's
    condition failed (done already, or its item changed meanwhile); 404 if the trainee left
    the roster meanwhile."""

    def left(_: Refusal) -> Exception | None:
        now = get(t.trainee_id)
        return NotFoundError("not_on_roster") if now is None or now.account_id != t.account_id else None

    with transaction(errors={"trainee": left}, tolerate={"trainee"}) as tx:
        tx.update(
            TraineeModel(t.trainee_id), actions=actions, condition=_on_roster(t) & not_yet, tag="trainee"
        )
        tx.update(BatchModel(t.batch_id), actions=counters, condition=BatchModel.batch_id.exists())
    return not tx.refused


def register(t: Trainee, now: datetime) -> bool:
    """Set registered_at once, and count it on the batch. False if already registered."""
    return _counted_once(
        t,
        [TraineeModel.registered_at.set(now), TraineeModel.awaiting_registration.remove()],
        TraineeModel.registered_at.does_not_exist(),
        [BatchModel.registered_count.add(1)],
    )


CHECKIN_TRIES = 3


def check_in(t: Trainee, day: date) -> bool:
    """Add the day to the trainee's check-ins once, and count it on the batch; a first day also
    counts the trainee among those who checked in (the funnel). The write holds only while
    the trainee's days are as read (none, or some without this one): a first day written
    meanwhile (the same person on two devices at midnight) means read them again."""
    key = day.isoformat()
    checkins = TraineeModel.checkins
    for _ in range(CHECKIN_TRIES):
        if key in t.checkins:
            return False
        first = not t.checkins
        not_yet = checkins.does_not_exist() if first else checkins.exists() & ~checkins.contains(key)
        counters = [BatchModel.checkin_count.add(1)]
        if first:
            counters.append(BatchModel.checked_in_trainees.add(1))
        if _counted_once(t, [checkins.add({key})], not_yet, counters):
            return True
        t = get(t.trainee_id) or t  # still on the roster (else 404 above): its days as they are now
    raise ConflictError("conflict")


def set_feedback(trainee_id: str, text: str, now: datetime) -> None:
    with failing_as(NotFoundError("trainee_not_found")):
        TraineeModel(trainee_id).update(
            actions=[TraineeModel.feedback.set(text), TraineeModel.feedback_at.set(now)],
            condition=TraineeModel.trainee_id.exists(),
        )
