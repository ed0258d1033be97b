"""The Lambda entry: registers the routes' Blueprints, the middleware, and the functions that
are not routes (schedules, the S3-event queue, the allocation solver)."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable
from typing import Any

from chalice.app import Chalice, Cron, Rate, Request, Response

from chalicelib.api import (
    accounts,
    admin,
    artifacts,
    auth,
    demands,
    enrolment,
    evaluation,
    notes,
    numbers,
    opening,
    public,
    review,
    rosters,
    sharing,
    study,
    waiting,
    workshop_assignments,
    workshops,
    year_end,
    yearbook,
)
from chalicelib.config import settings
from chalicelib.jobs import schedules
from chalicelib.observability import logger, observed

# Logging belongs to powertools (observability.py): Chalice would otherwise set the "yanxiu"
# logger, which both share, to ERROR when it handles an event.
CORRELATION_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")

app = Chalice(app_name="yanxiu", configure_logs=False)

for blueprint in (
    public.bp,
    auth.bp,
    accounts.bp,
    admin.bp,
    demands.bp,
    rosters.bp,
    artifacts.bp,
    evaluation.bp,
    enrolment.bp,
    review.bp,
    opening.bp,
    notes.bp,
    sharing.bp,
    year_end.bp,
    yearbook.bp,
    numbers.bp,
    waiting.bp,
    workshops.bp,
    workshop_assignments.bp,
    study.bp,
):
    app.register_blueprint(blueprint)

# The functions that are not routes, on the app itself (chalicelib/jobs/schedules.py says why).
# 09:00 and 10:00 in Asia/Shanghai (UTC+8, no daylight saving) are 01:00 and 02:00 UTC.
drain_outbox_schedule = app.schedule(Rate(5, unit=Rate.MINUTES), name="drain_outbox")(
    schedules.drain_outbox_schedule
)
daily_reminders_schedule = app.schedule(Cron(0, 1, "*", "*", "?", "*"), name="daily_reminders")(
    schedules.daily_reminders_schedule
)
checkin_reminders_schedule = app.schedule(Cron(0, 2, "*", "*", "?", "*"), name="checkin_reminders")(
    schedules.checkin_reminders_schedule
)
build_exports_schedule = app.schedule(Rate(1, unit=Rate.MINUTES), name="build_exports")(
    schedules.build_exports_schedule
)
check_uploads_schedule = app.schedule(Rate(15, unit=Rate.MINUTES), name="check_uploads")(
    schedules.check_uploads_schedule
)
# S3 tells an SQS queue (infra/template.json: the bucket's notification on uploads/), and the
# queue this Lambda: `chalice package` cannot attach an S3 event to a bucket CloudFormation
# creates, and the queue also retries a failed check. The queue's name is part of the event
# source, so it is read when the app is defined.
on_s3_event = app.on_sqs_message(queue=settings().upload_queue, batch_size=10, name="on_s3_event")(
    schedules.on_s3_event
)
# The reminder runs fan out (services/reminders.py): the schedules above plan units and send
# them to this queue; its consumers do them in parallel, within the outbox's rules.
on_reminder_unit = app.on_sqs_message(queue=settings().reminder_queue, batch_size=5, name="on_reminder_unit")(
    schedules.on_reminder_unit
)
allocate = app.lambda_function(name="allocate")(schedules.allocate)
# The waiting list: offers past their 48 hours are closed and their batches offered on.
expire_offers_schedule = app.schedule(Rate(1, unit=Rate.HOURS), name="expire_offers")(
    schedules.expire_offers_schedule
)


@app.middleware("all")
def powertools(event: Any, get_response: Callable[[Any], Any]) -> Any:
    """Every function (routes, schedules, the S3-event queue) runs inside powertools'
    inject_lambda_context and log_metrics (observability.py)."""
    context = getattr(event, "lambda_context", None) or getattr(event, "context", None)
    return observed(context, lambda: get_response(event))


@app.middleware("http")
def correlate(event: Request, get_response: Callable[[Request], Response]) -> Response:
    """A correlation id per request (the caller's X-Correlation-Id, else API Gateway's request
    id, else a new one) on every log line and on the response; one access-log line."""
    context = event.context or {}
    given = event.headers.get("x-correlation-id") or ""
    # Echoed into every log line and the response: only a short, plain token is taken.
    correlation_id = (
        given if CORRELATION_ID.fullmatch(given) else context.get("requestId") or uuid.uuid4().hex
    )
    logger.set_correlation_id(correlation_id)
    started = time.perf_counter()
    response = get_response(event)
    logger.info(
        "request",
        extra={
            "method": event.method,
            "route": context.get("resourcePath", ""),
            "status": response.status_code,
            "duration_ms": round((time.perf_counter() - started) * 1000, 1),
        },
    )
    response.headers["X-Correlation-Id"] = correlation_id
    return response
