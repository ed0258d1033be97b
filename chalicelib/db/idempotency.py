"""Idempotency keys (API.md: a write may carry `Idempotency-Key`; the same key and body again
returns the first answer and changes nothing).

Access patterns: PutItem under a condition to claim a key (the first request wins; a key
whose record expired, or whose first request passed its function's deadline without an
answer, may be claimed again); UpdateItem with the answer when it is known; DeleteItem to
release a key whose request failed on our side (a 5xx), so the client can retry. Records
live 24 hours (DynamoDB TTL on `expires_at`; the condition checks it too, since TTL deletes
late)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from pynamodb.exceptions import DoesNotExist

from chalicelib.db.models import IdempotencyModel
from chalicelib.db.writes import applied

LIFETIME = timedelta(hours=24)


@dataclass(frozen=True)
class Prior:
    body_hash: str
    status: int | None  # None: the first request is still running
    body: str | None


def claim(key: str, body_hash: str, now: datetime, deadline: datetime) -> Prior | None:
    """Claim the key for this request, which will have answered by `deadline` (its
    function's timeout); or the earlier request's record (None: the key is ours now)."""
    item = IdempotencyModel(key, body_hash=body_hash, expires_at=now + LIFETIME, in_progress_until=deadline)
    M = IdempotencyModel
    abandoned = M.response_status.does_not_exist() & (M.in_progress_until < now)
    if applied(lambda: item.save(condition=M.idem_key.does_not_exist() | (M.expires_at < now) | abandoned)):
        return None
    try:
        found = IdempotencyModel.get(key, consistent_read=True)
    except DoesNotExist:
        return None  # released in between: treat as ours on the client's next try
    status = int(found.response_status) if found.response_status is not None else None
    return Prior(found.body_hash, status, found.response_body)


def finish(key: str, status: int, body: str) -> None:
    IdempotencyModel(key).update(
        actions=[
            IdempotencyModel.response_status.set(status),
            IdempotencyModel.response_body.set(body),
            IdempotencyModel.in_progress_until.remove(),
        ]
    )


def release(key: str) -> None:
    IdempotencyModel(key).delete()
