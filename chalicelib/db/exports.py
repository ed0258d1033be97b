"""Exports: a record per request, the file in S3.

Access patterns: PutItem on request; UpdateItem when the file is written; GetItem by id."""

from __future__ import annotations

from pynamodb.exceptions import DoesNotExist

from chalicelib.db.common import key_time
from chalicelib.db.models import ExportModel
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
    ).save()


def pending(limit: int) -> list[Export]:
    return [_export(m) for m in ExportModel.by_pending.query("pending", limit=limit)]


def get(export_id: str) -> Export | None:
    try:
        return _export(ExportModel.get(export_id, consistent_read=True))
    except DoesNotExist:
        return None


def mark(export_id: str, status: str, s3_key: str | None) -> None:
    key = ExportModel.s3_key.set(s3_key) if s3_key else ExportModel.s3_key.remove()
    ExportModel(export_id).update(actions=[ExportModel.status.set(status), key, ExportModel.pending.remove()])
