"""The functions that are not routes: thin wrappers that call the jobs of jobs/__init__.py.

app.py registers them on the app itself (with their schedules and event sources), not through a
blueprint: Lambda imports the module its handler string names, and a blueprint's module imported
alone never meets the app, so its handlers would run without the app's middleware."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import unquote_plus

from chalicelib.adapters import solver
from chalicelib.jobs import (
    build_exports,
    check_uploads,
    checkin_reminders,
    daily_reminders,
    drain_outbox,
    expire_offers,
)
from chalicelib.observability import logger


def drain_outbox_schedule(event: object) -> None:
    result = drain_outbox()
    logger.info("outbox drained", extra=result)


def daily_reminders_schedule(event: object) -> None:
    logger.info("daily reminders", extra=daily_reminders())


def checkin_reminders_schedule(event: object) -> None:
    logger.info("check-in reminders", extra=checkin_reminders())


def build_exports_schedule(event: object) -> None:
    logger.info("exports built", extra=build_exports())


def expire_offers_schedule(event: object) -> None:
    """The waiting list: offers past their 48 hours are closed and their batches offered on."""
    logger.info("offers expired", extra=expire_offers())


def check_uploads_schedule(event: object) -> None:
    """Stragglers: an upload whose S3 event was lost is checked here."""
    logger.info("uploads checked", extra=check_uploads())


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


def on_reminder_unit(event: Any) -> dict[str, Any]:
    """The reminder runs' consumer: each message is one unit (services/reminders.py), done on
    its own; a unit that fails is reported back (`ReportBatchItemFailures`) and only it returns
    to the queue, to be done again (its reminders already recorded are not sent twice: each is
    claimed once per recipient and day), then to the dead-letter queue after five tries."""
    from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response

    from chalicelib.domain.reminders import Unit
    from chalicelib.services.reminders import run_unit

    def handle(record: Any) -> None:
        unit = Unit.from_json(record.body)
        sent = run_unit(unit)
        logger.info("reminder unit done", extra={"rule": unit.rule, "recipients": len(unit.ids), **sent})

    return dict(
        process_partial_response(
            event=event.to_dict(),
            record_handler=handle,
            processor=BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False),
        )
    )


def allocate(event: dict[str, Any], context: object) -> dict[str, Any]:
    """The allocation solver, alone with OR-Tools (its layer); the API function asks it
    synchronously (adapters/solver.py)."""
    return solver.handle(event)


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
