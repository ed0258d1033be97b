"""Exports: a record per request, the file in S3.

Access patterns: PutItem on request; UpdateItem under a condition to lease one for a build
(pending, not leased by another builder, attempts left); UpdateItem when it is built or has
failed; GetItem by id; Query the sparse `pending` index for the job."""

from __future__ import annotations

from datetime import datetime
from itertools import islice

from pynamodb.exceptions import DoesNotExist
from pynamodb.expressions.update import Action

from chalicelib.db.common import key_time
from chalicelib.db.models import ExportModel
from chalicelib.db.writes import applied
from chalicelib.domain.records import Export


def _export(m: ExportModel) -> Export:
    return Export(
        m.export_id,
        m.programme_id,
        m.kind,
        m.requested_by,
        m.role,
        m.status,
        m.created_at,
        m.region_id,
        m.s3_key,
        int(m.attempts or 0),
        m.error,
    )


def put(e: Export) -> None:
    ExportModel(
        e.export_id,
        programme_id=e.programme_id,
        kind=e.kind,
        requested_by=e.requested_by,
        role=e.role,
        region_id=e.region_id,
        status=e.status,
        s3_key=e.s3_key,
        created_at=e.created_at,
        created_key=f"{key_time(e.created_at)}#{e.export_id}",
        pending="pending" if e.status == "pending" else None,
        attempts=0,
    ).save(condition=ExportModel.export_id.does_not_exist())


def pending(now: datetime, limit: int) -> list[Export]:
    """Up to `limit` pending exports, oldest first, whose lease (if any) has run out: one that
    waits for its retry does not keep a newer one from its turn."""
    free = ExportModel.lease_until.does_not_exist() | (ExportModel.lease_until < key_time(now))
    rows = ExportModel.by_pending.query("pending", filter_condition=free)
    return [_export(m) for m in islice(rows, limit)]


def get(export_id: str) -> Export | None:
    try:
        return _export(ExportModel.get(export_id, consistent_read=True))
    except DoesNotExist:
        return None


def lease(export_id: str, now: datetime, until: datetime) -> int | None:
    """Take the export for one build attempt, unless it is no longer pending or another
    builder holds it (None then: leave it alone). Returns the attempt's number, counted in
    the same write (a record without a count starts at one)."""
    free = ExportModel.lease_until.does_not_exist() | (ExportModel.lease_until < key_time(now))
    item = ExportModel(export_id)
    taken = applied(
        lambda: item.update(
            actions=[ExportModel.lease_until.set(key_time(until)), ExportModel.attempts.add(1)],
            condition=(ExportModel.status == "pending") & free,
        )
    )
    return int(item.attempts or 1) if taken else None


def _settle(export_id: str, actions: list[Action]) -> bool:
    """Update a still-pending export; False if another builder settled it meanwhile."""
    return applied(
        lambda: ExportModel(export_id).update(actions=actions, condition=ExportModel.status == "pending")
    )


def finish(export_id: str, s3_key: str) -> bool:
    """Built: ready, its file at s3_key."""
    return _settle(
        export_id,
        [
            ExportModel.status.set("ready"),
            ExportModel.s3_key.set(s3_key),
            ExportModel.pending.remove(),
            ExportModel.lease_until.remove(),
            ExportModel.error.remove(),
        ],
    )


def retry_later(export_id: str, not_before: datetime, error: str) -> bool:
    """A failed attempt with attempts left: pending again once `not_before` has passed."""
    return _settle(
        export_id, [ExportModel.lease_until.set(key_time(not_before)), ExportModel.error.set(error)]
    )


def fail(export_id: str, error: str) -> bool:
    """No attempts left (or nothing to build): failed, out of the pending index."""
    return _settle(
        export_id,
        [
            ExportModel.status.set("failed"),
            ExportModel.error.set(error),
            ExportModel.pending.remove(),
            ExportModel.lease_until.remove(),
        ],
    )
