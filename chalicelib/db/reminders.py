"""What the reminder jobs read, and the once-only record of a reminder.

Access patterns (each a Query on a sparse index or a key range: nothing that cannot need a
reminder is read, beyond the check-in run's trainees not in session whose batch ends within
the programme's longest batch length, and those who already checked in today):
- quotas.awaiting_demand[programme]       regions without a demand
- batches.awaiting_roster[programme]      allocated batches with an unconfirmed roster (the
  plan reads their keys; a unit BatchGets its batches again, strongly)
- trainees.awaiting_registration[programme] (the plan reads their keys)
- BatchGetItem trainees by id, strongly: a unit's trainees as they are now
- quotas[programme], the stages' tallies: the lengths of the programme's batches (check-ins)
- trainees.by_programme[programme], end_key from today to today + the longest length - 1
  (check-ins) or on one day (outcomes)
- quotas.awaiting_enrolment[programme]    国培 counties whose list is not confirmed
  (db/enrolments.py)
- record: one transaction: the claim "reminder#<kind>#<programme>#<recipient>#<day>" (not exists), the
  guard (the thing is still not done), the outbox message.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from chalicelib.db.catalog import batch_from_model
from chalicelib.db.models import (
    BatchModel,
    ClaimModel,
    QuotaModel,
    SharingReportModel,
    TraineeModel,
    WorkshopModel,
)
from chalicelib.db.outbox import message_item
from chalicelib.db.trainees import trainee_from_model
from chalicelib.db.writes import Transaction, transaction
from chalicelib.domain import reminders as rules
from chalicelib.domain.demand import STAGE_TALLY
from chalicelib.domain.records import Batch, Message, Trainee
from chalicelib.domain.workshops import BRIEFINGS_REQUIRED


def awaiting_roster(programme_id: str) -> dict[str, list[str]]:
    """{region: its batches whose roster is not confirmed}, as the index lists them (the run's
    plan: the unit reads them again, strongly)."""
    out: dict[str, list[str]] = {}
    rows = BatchModel.by_awaiting_roster.query(programme_id, attributes_to_get=["batch_id", "region_id"])
    for m in rows:
        if m.region_id:
            out.setdefault(m.region_id, []).append(m.batch_id)
    return out


def unconfirmed_of(batch_ids: Iterable[str]) -> list[Batch]:
    """Of these batches, those whose roster is still not confirmed. The index may lag a moment
    behind a confirmation, so they are read again, strongly, and the confirmed dropped."""
    ids = list(dict.fromkeys(batch_ids))
    if not ids:
        return []
    fresh = BatchModel.batch_get(ids, consistent_read=True)
    return [batch_from_model(m) for m in fresh if m.awaiting_roster and m.roster_status == "open"]


def unconfirmed_batches(programme_id: str) -> list[Batch]:
    """The allocated batches whose roster is not confirmed."""
    return unconfirmed_of(b for batches in awaiting_roster(programme_id).values() for b in batches)


def unregistered_ids(programme_id: str) -> dict[str, list[str]]:
    """{region: its trainees awaiting registration}: the run's plan reads only the keys."""
    out: dict[str, list[str]] = {}
    rows = TraineeModel.by_awaiting_registration.query(
        programme_id, attributes_to_get=["trainee_id", "region_id"]
    )
    for m in rows:
        out.setdefault(m.region_id, []).append(m.trainee_id)
    return out


def unregistered(programme_id: str) -> list[Trainee]:
    return [trainee_from_model(m) for m in TraineeModel.by_awaiting_registration.query(programme_id)]


def trainees_by_id(trainee_ids: Iterable[str]) -> list[Trainee]:
    """A unit's trainees as they are now (BatchGetItem, strongly): one gone is left out."""
    ids = list(dict.fromkeys(trainee_ids))
    if not ids:
        return []
    return [trainee_from_model(m) for m in TraineeModel.batch_get(ids, consistent_read=True)]


def not_checked_in(programme_id: str, today: date) -> list[Trainee]:
    # The stages' tallies (a handful of items) say how long the programme's batches are: only
    # trainees whose batch ends within that many days can be in session today, so later
    # batches' trainees are not read at all (the start-date filter alone would read them).
    lengths: list[int | None] = []
    for tally in QuotaModel.query(programme_id, QuotaModel.region_id.startswith(STAGE_TALLY)):
        lengths += [int(n) for n in tally.batch_days] if tally.batch_days else [None]
    ends = rules.checkin_end_range(today, lengths)
    if ends is None:
        return []
    day = today.isoformat()
    # end_key is "<end date>#<trainee id>": below "<last end + 1>" means ending by the last end
    after_last = (ends[1] + timedelta(days=1)).isoformat()
    rows = TraineeModel.by_programme.query(
        programme_id,
        TraineeModel.end_key.between(day, after_last),
        filter_condition=(TraineeModel.start_date <= day)
        & TraineeModel.registered_at.exists()
        & ~TraineeModel.checkins.contains(day),
    )
    return [trainee_from_model(m) for m in rows]


def without_outcome(programme_id: str, end_date: date) -> list[Trainee]:
    rows = TraineeModel.by_programme.query(
        programme_id,
        TraineeModel.end_key.startswith(f"{end_date.isoformat()}#"),
        filter_condition=TraineeModel.account_id.exists()
        & (TraineeModel.outcome_count.does_not_exist() | (TraineeModel.outcome_count == 0)),
    )
    return [trainee_from_model(m) for m in rows]


def _briefing_guard(tx: Transaction, key: list[str]) -> None:
    """The workshop (key[0]) is still short of 简报."""
    condition = WorkshopModel.briefings < BRIEFINGS_REQUIRED
    tx.condition_check(WorkshopModel, key[0], "workshop", condition=condition, tag="done")


def _survey_guard(tx: Transaction, key: list[str]) -> None:
    """The trainee's answered mark (key[0]) is still absent."""
    tx.condition_check(ClaimModel, key[0], condition=ClaimModel.claim_key.does_not_exist(), tag="done")


WORKSHOP_GUARDS = {"briefing": _briefing_guard, "survey": _survey_guard}


def _guard(tx: Transaction, guard: tuple[str, ...] | None) -> None:
    if guard is None:
        return
    kind, *key = guard
    if kind in WORKSHOP_GUARDS:
        WORKSHOP_GUARDS[kind](tx, key)
    elif kind == "demand":
        tx.condition_check(
            QuotaModel, key[0], key[1], condition=QuotaModel.awaiting_demand.exists(), tag="done"
        )
    elif kind == "registration":
        tx.condition_check(
            TraineeModel, key[0], condition=TraineeModel.registered_at.does_not_exist(), tag="done"
        )
    elif kind == "checkin":
        tx.condition_check(
            TraineeModel, key[0], condition=~TraineeModel.checkins.contains(key[1]), tag="done"
        )
    elif kind == "outcome":
        condition = TraineeModel.outcome_count.does_not_exist() | (TraineeModel.outcome_count == 0)
        tx.condition_check(TraineeModel, key[0], condition=condition, tag="done")
    elif kind == "enrolment":  # the 国培 county's list is still not confirmed
        tx.condition_check(
            QuotaModel, key[0], key[1], condition=QuotaModel.awaiting_enrolment.exists(), tag="done"
        )
    elif kind == "roster":
        for batch_id in key:  # the batches the reminder lists are all still unconfirmed
            tx.condition_check(
                BatchModel, batch_id, condition=BatchModel.awaiting_roster.exists(), tag="done"
            )
    elif kind == "sharing":
        for trainee_id in key:  # every trainee the reminder names still has no 分享报告
            tx.condition_check(
                SharingReportModel,
                trainee_id,
                condition=SharingReportModel.trainee_id.does_not_exist(),
                tag="done",
            )


def record_once(claim: str, messages: list[Message], guard: tuple[str, ...] | None) -> bool:
    """Record the reminder's messages unless this recipient already had this reminder today
    (another run, or an earlier one that stopped half-way) or the thing got done meanwhile
    (a trainee who registered at 08:59 gets no 09:00 reminder). True if recorded."""
    with transaction(tolerate={"claim", "done"}) as tx:
        tx.save(
            # Keyed by day: kept a month for who-was-reminded-when, then gone (TTL)
            ClaimModel(claim, owner="reminder", expires_at=messages[0].created_at + timedelta(days=30)),
            condition=ClaimModel.claim_key.does_not_exist(),
            tag="claim",
        )
        _guard(tx, guard)
        for message in messages:
            tx.save(message_item(message))
    return not tx.refused
