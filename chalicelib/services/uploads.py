"""Image uploads: the presigned POST, and the check that runs when the object lands (the S3
event in the cloud; on first use, or `yanxiu run-job uploads`, in local mode)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from chalicelib.adapters import clock, images, secrets, storage
from chalicelib.db import uploads
from chalicelib.domain.artifacts import MAX_IMAGE_BYTES, UPLOAD_ABANDONED, UPLOAD_WINDOW, check_image
from chalicelib.domain.records import Session, Upload
from chalicelib.observability import count, logger


def clean_key(upload_id: str) -> str:
    return f"clean/{upload_id}"


def start(session: Session, content_type: str, size: int) -> tuple[Upload, dict[str, Any]]:
    check_image(content_type, size)
    upload_id = secrets.new_id()
    upload = Upload(upload_id, session.account_id, f"uploads/{session.account_id}/{upload_id}", content_type)
    uploads.put(upload, clock.now())
    expires = int(UPLOAD_WINDOW.total_seconds())
    return upload, storage.presigned_post(upload.s3_key, content_type, MAX_IMAGE_BYTES, expires=expires)


def check(upload: Upload) -> Upload:
    """Check the landed object: ready with a clean copy, or rejected and quarantined.
    Still pending if the object has not landed yet. Safe to run twice, and to run again
    after it failed half-way: the upload's new state is written before the raw object goes,
    so a retry never finds the object gone and the upload still pending (which would make a
    good upload "expired"). An error of S3 or DynamoDB propagates: the upload stays pending
    for the next try."""
    if upload.status != "pending":
        return upload
    data = storage.read(upload.s3_key, MAX_IMAGE_BYTES)
    if data is None:
        if upload.created_at and clock.now() - upload.created_at > UPLOAD_ABANDONED:
            # Its POST expired long ago: nothing will land. Settled, it leaves the sweep's query.
            uploads.settle(upload.upload_id, "rejected", "expired", None, None)
            return replace(upload, status="rejected", reason="expired")
        return upload
    try:
        if len(data) > MAX_IMAGE_BYTES:
            raise images.ImageRejected("too_large")
        body, content_type, size = images.clean(data)
    except images.ImageRejected as exc:
        storage.copy(upload.s3_key, f"quarantine/{upload.upload_id}")
        uploads.settle(upload.upload_id, "rejected", exc.reason, None, None)
        storage.delete(upload.s3_key)
        logger.warning("upload rejected", extra={"upload_id": upload.upload_id, "reason": exc.reason})
        count("UploadRejected")
        return replace(upload, status="rejected", reason=exc.reason)
    storage.put_object(clean_key(upload.upload_id), body, content_type)
    uploads.settle(upload.upload_id, "ready", None, clean_key(upload.upload_id), size)
    storage.delete(upload.s3_key)
    return replace(upload, status="ready", clean_key=clean_key(upload.upload_id))


def on_object_created(key: str) -> None:
    """The S3 event: `uploads/<account>/<upload_id>`."""
    parts = key.split("/")
    if len(parts) != 3 or parts[0] != "uploads":
        return
    upload = uploads.get(parts[2])
    if upload is not None and upload.s3_key == key:
        check(upload)


def check_pending(limit: int = 100) -> dict[str, int]:
    """The local stack's stand-in for S3 events (and a sweep for stragglers in the cloud).
    Each upload on its own: one that fails (S3 or DynamoDB refusing just then) is logged and
    left pending for the next sweep; the others are checked."""
    settled = errors = 0
    for upload in uploads.pending(limit):
        try:
            if check(upload).status != "pending":
                settled += 1
        except Exception as exc:  # noqa: BLE001 - one upload's failure must not stop the sweep
            errors += 1
            logger.warning(
                "upload check failed", extra={"upload_id": upload.upload_id, "error": type(exc).__name__}
            )
    return {"checked": settled, **({"errors": errors} if errors else {})}


def image_url(upload_id: str, expires: int = 600) -> str:
    return storage.presigned_get(clean_key(upload_id), expires=expires)
