"""Image uploads. Access patterns: PutItem on POST /uploads; GetItem/BatchGetItem by id when
an artifact uses them; UpdateItem when checked; Query `pending` for stragglers."""

from __future__ import annotations

from datetime import datetime

from pynamodb.exceptions import DoesNotExist
from pynamodb.expressions.update import Action

from chalicelib.db.common import key_time
from chalicelib.db.models import UploadModel
from chalicelib.db.writes import applied
from chalicelib.domain.records import Upload


def _upload(m: UploadModel) -> Upload:
    created_at = datetime.fromisoformat(m.created_key.split("#", 1)[0])
    return Upload(
        m.upload_id, m.account_id, m.s3_key, m.content_type, m.status, m.reason, m.clean_key, created_at
    )


def put(u: Upload, now: datetime) -> None:
    UploadModel(
        u.upload_id,
        account_id=u.account_id,
        s3_key=u.s3_key,
        content_type=u.content_type,
        status="pending",
        created_key=f"{key_time(now)}#{u.upload_id}",
        pending="pending",
    ).save()


def get(upload_id: str) -> Upload | None:
    try:
        return _upload(UploadModel.get(upload_id, consistent_read=True))
    except DoesNotExist:
        return None


def get_many(upload_ids: set[str]) -> dict[str, Upload]:
    if not upload_ids:
        return {}
    return {m.upload_id: _upload(m) for m in UploadModel.batch_get(list(upload_ids), consistent_read=True)}


def settle(
    upload_id: str, status: str, reason: str | None, clean_key: str | None, size: tuple[int, int] | None
) -> bool:
    """pending -> ready/rejected, once (S3 may deliver an event twice). False if settled."""
    actions: list[Action] = [UploadModel.status.set(status), UploadModel.pending.remove()]
    if reason:
        actions.append(UploadModel.reason.set(reason))
    if clean_key:
        actions.append(UploadModel.clean_key.set(clean_key))
    if size:
        actions += [UploadModel.width.set(size[0]), UploadModel.height.set(size[1])]
    return applied(
        lambda: UploadModel(upload_id).update(actions=actions, condition=UploadModel.status == "pending")
    )


def pending(limit: int = 100) -> list[Upload]:
    return [_upload(m) for m in UploadModel.by_pending.query("pending", limit=limit)]
