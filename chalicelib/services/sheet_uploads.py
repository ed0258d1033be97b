"""Spreadsheet uploads (the 国培 学员信息表 and the exclusion list): who may send one, and the
check when it lands, as a spreadsheet (adapters/sheet_reader.py), not as an image. A checked
file is kept under imports/ (gone after 30 days: it holds ID numbers), a refused one is
quarantined with its reason, as images are."""

from __future__ import annotations

from dataclasses import replace

from chalicelib.adapters import clock, sheet_reader, storage
from chalicelib.db import uploads
from chalicelib.domain.artifacts import UPLOAD_ABANDONED
from chalicelib.domain.errors import ForbiddenError, PayloadTooLargeError
from chalicelib.domain.records import Session, Upload
from chalicelib.domain.vocab import Role
from chalicelib.observability import count, logger

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# A .csv as browsers name it: text/csv, or Excel's registration on Windows
SHEET_TYPES = frozenset({XLSX, "text/csv", "application/vnd.ms-excel"})
SENDERS = frozenset({Role.region_contact, Role.admin})


def is_sheet(content_type: str) -> bool:
    return content_type in SHEET_TYPES


def check_start(session: Session, size: int) -> int:
    """A spreadsheet may come from a county admin or the office, up to the reader's bound."""
    if session.role not in SENDERS:
        raise ForbiddenError("forbidden")
    if size > sheet_reader.MAX_SHEET_BYTES:
        raise PayloadTooLargeError("sheet_upload_too_large")
    return sheet_reader.MAX_SHEET_BYTES


def kept_key(upload_id: str) -> str:
    return f"imports/{upload_id}"


def check(upload: Upload) -> Upload:
    """The landed file: kept (ready) if it reads as a spreadsheet within the bounds, else
    rejected with the reason and quarantined. Safe to run twice (settle is once)."""
    data = storage.read(upload.s3_key, sheet_reader.MAX_SHEET_BYTES)
    if data is None:
        if upload.created_at and clock.now() - upload.created_at > UPLOAD_ABANDONED:
            uploads.settle(upload.upload_id, "rejected", "expired", None, None)
            return replace(upload, status="rejected", reason="expired")
        return upload
    try:
        if len(data) > sheet_reader.MAX_SHEET_BYTES:
            raise sheet_reader.SheetRejected("too_large")
        sheet_reader.check(data)
    except sheet_reader.SheetRejected as exc:
        storage.copy(upload.s3_key, f"quarantine/{upload.upload_id}")
        uploads.settle(upload.upload_id, "rejected", exc.reason, None, None)
        storage.delete(upload.s3_key)
        logger.warning("spreadsheet rejected", extra={"upload_id": upload.upload_id, "reason": exc.reason})
        count("UploadRejected")
        return replace(upload, status="rejected", reason=exc.reason)
    key = kept_key(upload.upload_id)
    storage.put_object(key, data, upload.content_type)
    uploads.settle(upload.upload_id, "ready", None, key, None)
    storage.delete(upload.s3_key)
    return replace(upload, status="ready", clean_key=key)
