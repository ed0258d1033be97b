"""The Lambda entry: registers Blueprints and middleware; no routes here."""

from __future__ import annotations

import re
import time
import uuid

from chalice.app import Chalice

from chalicelib.api import (
    accounts,
    admin,
    artifacts,
    auth,
    demands,
    evaluation,
    notes,
    numbers,
    opening,
    public,
    review,
    rosters,
    sharing,
    waiting,
    year_end,
    yearbook,
)
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
    review.bp,
    opening.bp,
    notes.bp,
    sharing.bp,
    year_end.bp,
    yearbook.bp,
    numbers.bp,
    waiting.bp,
):
    app.register_blueprint(blueprint)
app.register_blueprint(schedules.bp)


@app.middleware("all")
def powertools(event, get_response):
    """Every function (routes, schedules, the S3-event queue) runs inside powertools'
    inject_lambda_context and log_metrics (observability.py)."""
    context = getattr(event, "lambda_context", None) or getattr(event, "context", None)
    return observed(context, lambda: get_response(event))


@app.middleware("http")
def correlate(event, get_response):
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
