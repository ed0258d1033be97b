"""The office's changes to a confirmed roster: reopening it (before the roster deadline) and
replacing a trainee, each with the reason on record; and the audit trail."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from chalicelib.adapters import clock, secrets
from chalicelib.db import audit as audit_trail
from chalicelib.db import catalog, roster_office, trainees
from chalicelib.db.common import key_time
from chalicelib.domain.errors import ValidationFailedError, problem
from chalicelib.domain.records import AuditEntry, Batch, Session, Trainee
from chalicelib.domain.rosters import LEADER
from chalicelib.services import notify
from chalicelib.services.confirmation import existing_accounts, provisioning, team_messages
from chalicelib.services.rosters import entered_fields, local_time, readable_batch, readable_trainee, snapshot


def unlock(session: Session, batch_id: str, reason: str) -> Batch:
    batch = readable_batch(session, batch_id)
    now = clock.now()
    roster_office.unlock(batch, AuditEntry(batch.batch_id, session.account_id, "unlock", reason, now))
    return replace(batch, roster_status="open")


def replace_trainee(session: Session, trainee_id: str, reason: str, data: dict[str, Any]) -> Trainee:
    old, batch = readable_trainee(session, trainee_id)
    now = clock.now()
    new_id = secrets.new_id()
    fresh: dict[str, Any] = {
        "trainee_id": new_id,
        "created_key": f"{key_time(now)}#{new_id}",
        "account_id": None,
        "registered_at": None,
        "checkins": frozenset(),
        "artifact_count": 0,
        "reflection_count": 0,
        "outcome_count": 0,
        "feedback": None,
        "feedback_at": None,
        **entered_fields(data),
    }
    new = replace(old, **fresh)
    if old.team_role == LEADER and new.team_role != LEADER:
        # A confirmed team keeps its one leader; an open roster can name another before confirming
        if batch.roster_status == "confirmed":
            raise ValidationFailedError(fields={"team_role": problem("leader_replaced_by_leader")})
    entry = AuditEntry(
        batch.batch_id, session.account_id, "replace", reason, now, snapshot(old), snapshot(new)
    )
    plan, messages = None, []
    if batch.roster_status == "confirmed":
        # Checked before anything is written: a phone of another role's account is refused (409)
        existing = existing_accounts([new]).get(new.phone)
        programme = catalog.get_programme(batch.programme_id)
        assert programme is not None and batch.region_id is not None
        plan = provisioning(new, existing, batch, local_time(programme.registration_deadline))
        if new.team_role == LEADER:
            # The base learns its new leader, and the new leader the base's contact
            region = catalog.get_region(batch.region_id)
            team = [t for t in trainees.of_batch(batch.batch_id) if t.trainee_id != old.trainee_id]
            leader = replace(new, account_id=plan.account.account_id)
            messages = team_messages(batch, [*team, leader], region.name if region else "")
    roster_office.replace_trainee(old, new, entry, plan, messages)
    notify.deliver_all(([plan.message, *plan.also] if plan else []) + messages)
    return trainees.get(new_id) or new


def audit(session: Session, batch_id: str) -> list[AuditEntry]:
    return audit_trail.audit_of(readable_batch(session, batch_id).batch_id)
