"""The audit trail: who did what to a subject (a batch's roster, an account), when, why,
before and after. Access patterns: PutItem inside the transaction of the change; Query by
subject, oldest first."""

from __future__ import annotations

from chalicelib.adapters.secrets import new_id
from chalicelib.db.common import key_time
from chalicelib.db.models import AuditModel
from chalicelib.domain.records import AuditEntry


def audit_item(e: AuditEntry) -> AuditModel:
    return AuditModel(
        e.subject_id,
        # The id keeps two entries of one instant apart (the same key would overwrite one)
        f"{key_time(e.at)}#{e.action}#{new_id()}",
        actor_id=e.actor_id,
        action=e.action,
        reason=e.reason,
        before=e.before,
        after=e.after,
        at=e.at,
    )


def audit_of(subject_id: str) -> list[AuditEntry]:
    return [
        AuditEntry(m.subject_id, m.actor_id, m.action, m.reason, m.at, m.before, m.after)
        for m in AuditModel.query(subject_id)
    ]
