"""The schedules: thin wrappers that call the jobs of jobs/__init__.py."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import unquote_plus

from chalice.app import Blueprint, Cron, Rate

from chalicelib.config import settings
from chalicelib.jobs import (
    build_exports,
    check_uploads,
    checkin_reminders,
    daily_reminders,
    drain_outbox,
    expire_offers,
)
from chalicelib.observability import logger

bp = Blueprint(__name__)


@bp.schedule(Rate(5, unit=Rate.MINUTES), name="drain_outbox")
def drain_outbox_schedule(event: object) -> None:
    result = drain_outbox()
    logger.info("outbox drained", extra=result)


# 09:00 and 10:00 in Asia/Shanghai (UTC+8, no daylight saving) are 01:00 and 02:00 UTC.
@bp.schedule(Cron(0, 1, "*", "*", "?", "*"), name="daily_reminders")
def daily_reminders_schedule(event: object) -> None:
    logger.info("daily reminders", extra=daily_reminders())


@bp.schedule(Cron(0, 2, "*", "*", "?", "*"), name="checkin_reminders")
def checkin_reminders_schedule(event: object) -> None:
    logger.info("check-in reminders", extra=checkin_reminders())


@bp.schedule(Rate(1, unit=Rate.MINUTES), name="build_exports")
def build_exports_schedule(event: object) -> None:
    logger.info("exports built", extra=build_exports())


@bp.schedule(Rate(1, unit=Rate.HOURS), name="expire_offers")
def expire_offers_schedule(event: object) -> None:
    """The waiting list: offers past their 48 hours are closed and their batches offered on."""
    logger.info("offers expired", extra=expire_offers())


@bp.schedule(Rate(15, unit=Rate.MINUTES), name="check_uploads")
def check_uploads_schedule(event: object) -> None:
    """Stragglers: an upload whose S3 event was lost is checked here."""
    logger.info("uploads checked", extra=check_uploads())


# S3 tells an SQS queue (infra/template.json: the bucket's notification on uploads/), and the
# queue this Lambda: `chalice package` cannot attach an S3 event to a bucket CloudFormation
# creates, and the queue also retries a failed check. The queue's name is part of the event
# source, so it is read when the app is defined.
@bp.on_sqs_message(queue=settings().upload_queue, batch_size=10, name="on_s3_event")
def on_s3_event(event: Any) -> dict[str, Any]:
    """Each message on its own (powertools' BatchProcessor): a message whose check fails is
    reported back as failed (`ReportBatchItemFailures` on the event source, infra/template.json)
    and only it returns to the queue; the others are deleted. A bad image never fails: it is
    rejected and quarantined by the check."""
    from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response

    from chalicelib.services.uploads import on_object_created

    def handle(record: Any) -> None:
        for key in object_keys(record.body):
            on_object_created(key)

    return dict(
        process_partial_response(
            event=event.to_dict(),
            record_handler=handle,
            processor=BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False),
        )
    )


def object_keys(body: str) -> list[str]:
    """The object keys of one S3 event notification (keys arrive URL-encoded)."""
    try:
        notification = json.loads(body)
    except ValueError:
        return []
    return [
        unquote_plus(r["s3"]["object"]["key"])
        for r in notification.get("Records", [])
        if r.get("eventName", "").startswith("ObjectCreated") and "s3" in r
    ]
