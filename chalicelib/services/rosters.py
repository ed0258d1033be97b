"""The region contact's roster: add, view, modify, delete; who may read a batch and a trainee,
and who sees a trainee's phone and e-mail whole. (Confirmation: services/confirmation.py;
the office's unlock and replacement: services/roster_office.py.)"""

from __future__ import annotations

import json
from dataclasses import asdict, replace
from datetime import datetime
from typing import Any

from chalicelib.adapters import clock, secrets
from chalicelib.db import catalog, rosters, trainees
from chalicelib.db.common import key_time
from chalicelib.domain.accounts import mask_email, mask_phone
from chalicelib.domain.errors import ConflictError, NotFoundError
from chalicelib.domain.records import AuditEntry, Batch, Session, Trainee
from chalicelib.domain.rosters import LEADER, TRAINEE_FIELDS
from chalicelib.domain.vocab import STAGE_NAMES_ZH, Role, Stage


def entered_fields(data: dict[str, Any]) -> dict[str, Any]:
    return {k: data.get(k) for k in TRAINEE_FIELDS}


def batch_line(batch: Batch, base_name: str = "") -> str:
    stage = STAGE_NAMES_ZH[Stage(batch.stage)]
    return f"{base_name}{stage}，{batch.start_date.isoformat()}至{batch.end_date.isoformat()}"


def local_time(moment: datetime) -> str:
    return moment.astimezone(clock.SHANGHAI).strftime("%Y-%m-%d %H:%M")


def readable_batch(session: Session, batch_id: str) -> Batch:
    """The batch, if the caller may see it: the office; the region contact of its region;
    the base contact of its base. Anyone else: 404 (its existence is not theirs to know)."""
    batch = catalog.get_batch(batch_id)
    if batch is None or not _may_read(session, batch):
        raise NotFoundError("batch_not_found")
    return batch


def _may_read(session: Session, batch: Batch) -> bool:
    if session.role == Role.admin:
        return True
    if session.role == Role.region_contact:
        return batch.region_id is not None and batch.region_id in session.region_ids
    if session.role == Role.base_contact:
        return batch.base_id in session.base_ids and batch.region_id is not None
    return False


def own_batch(session: Session, batch_id: str) -> Batch:
    """A batch the caller's region holds (region contacts write only their own rosters)."""
    batch = readable_batch(session, batch_id)
    if session.role != Role.region_contact:
        raise NotFoundError("batch_not_found")
    return batch


def readable_trainee(session: Session, trainee_id: str) -> tuple[Trainee, Batch]:
    trainee = trainees.get(trainee_id)
    if trainee is None:
        raise NotFoundError("trainee_not_found")
    batch = catalog.get_batch(trainee.batch_id)
    if batch is None or not _may_read(session, batch):
        raise NotFoundError("trainee_not_found")
    return trainee, batch


def _reopened_audit(
    session: Session, batch: Batch, action: str, before: Trainee | None, after: Trainee | None
) -> AuditEntry | None:
    """On a roster the office reopened (it was confirmed once), every change is on record."""
    if batch.confirmed_at is None:
        return None
    return AuditEntry(
        batch.batch_id,
        session.account_id,
        action,
        "",
        clock.now(),
        snapshot(before) if before else None,
        snapshot(after) if after else None,
    )


def add(session: Session, batch_id: str, data: dict[str, Any]) -> Trainee:
    batch = own_batch(session, batch_id)
    now = clock.now()
    trainee = new_trainee(batch, data, now)
    rosters.add(
        trainee, capacity_guard=True, now=now, entry=_reopened_audit(session, batch, "add", None, trainee)
    )
    return trainee


def new_trainee(batch: Batch, data: dict[str, Any], now: datetime) -> Trainee:
    """A roster entry for an allocated batch, from the region contact's fields."""
    assert batch.region_id is not None
    trainee_id = secrets.new_id()
    return Trainee(
        trainee_id=trainee_id,
        batch_id=batch.batch_id,
        programme_id=batch.programme_id,
        region_id=batch.region_id,
        base_id=batch.base_id,
        start_date=batch.start_date,
        end_date=batch.end_date,
        created_key=f"{key_time(now)}#{trainee_id}",
        **entered_fields(data),
    )


def roster(session: Session, batch_id: str) -> list[Trainee]:
    return trainees.of_batch(readable_batch(session, batch_id).batch_id)


def change(session: Session, trainee_id: str, changes: dict[str, Any]) -> Trainee:
    trainee, batch = readable_trainee(session, trainee_id)
    if session.role != Role.region_contact:
        raise NotFoundError("trainee_not_found")
    updated = replace(trainee, **changes)
    if trainee.account_id and updated.phone != trainee.phone:
        # The phone is the person's login: a new phone is a new person, which the office replaces
        raise ConflictError("trainee_has_account")
    entry = _reopened_audit(session, batch, "change", trainee, updated)
    rosters.change(trainee, updated, clock.now(), entry)
    return updated


def remove(session: Session, trainee_id: str) -> None:
    trainee, batch = readable_trainee(session, trainee_id)
    if session.role != Role.region_contact:
        raise NotFoundError("trainee_not_found")
    rosters.remove(trainee, clock.now(), _reopened_audit(session, batch, "remove", trainee, None))


def snapshot(t: Trainee) -> str:
    """A trainee's entered fields as the audit trail keeps them."""
    return json.dumps({k: v for k, v in asdict(t).items() if k in TRAINEE_FIELDS}, ensure_ascii=False)


def show_phone(session: Session, trainee: Trainee) -> str:
    """Who sees a trainee's whole phone: the office and the region contact who entered it;
    the base contact sees the team leader's (to reach the team), others masked."""
    if session.role in (Role.admin, Role.region_contact) or trainee.team_role == LEADER:
        return trainee.phone
    return mask_phone(trainee.phone)


def show_email(session: Session, trainee: Trainee) -> str | None:
    """A trainee's e-mail whole for the office and the region contact; masked like a phone
    for others (the base contact reaches the team through its leader's phone)."""
    if session.role in (Role.admin, Role.region_contact):
        return trainee.email
    return mask_email(trainee.email)
