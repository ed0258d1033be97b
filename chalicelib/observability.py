"""One Logger and one Metrics (one namespace) for the whole service, attached to every
function by app.py's middleware the way powertools' users attach them to a handler:
`inject_lambda_context` (request id, function, cold start on every log line) and
`log_metrics` (the cold-start metric, and the invocation's metrics flushed in a `finally`).

Personal data (phone, password, token, ID number, e-mail) is never passed to a log call; the
log-capture test in tests/integration/test_logs.py holds us to it."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools import Logger, Metrics

from chalicelib.config import settings

NAMESPACE = "yanxiu"
logger = Logger(service="yanxiu")
metrics = Metrics(namespace=NAMESPACE, service="yanxiu")
# Every metric names its stage too, so dev and prod in one account keep apart (the alarms in
# infra/operations.py ask for both dimensions).
metrics.set_default_dimensions(stage=settings().stage)
# An invocation that counted nothing flushes nothing; powertools says so with a warning.
warnings.filterwarnings("ignore", message="No application metrics to publish")


def count(name: str, value: int = 1) -> None:
    """One business event (DemandSubmitted, RosterConfirmed, SmsSent, ...), as a metric."""
    metrics.add_metric(name=name, unit="Count", value=value)


def gauge(name: str, value: float, unit: str = "Seconds") -> None:
    """A level measured now (the outbox's oldest waiting message), as a metric."""
    metrics.add_metric(name=name, unit=unit, value=value)


def observed(context: Any, run: Callable[[], Any]) -> Any:
    """`run` inside powertools' own decorators, as a handler of (event, context) would be:
    the log lines carry the Lambda context, the metrics are flushed however `run` ends.
    Without a Lambda context (the local stack, the test client) only the flush remains."""

    def handler(_event: Any, _context: Any) -> Any:
        return run()

    if context is None or not hasattr(context, "aws_request_id"):
        try:
            return run()
        finally:
            metrics.flush_metrics()
    wrapped = logger.inject_lambda_context(clear_state=True)(handler)
    return metrics.log_metrics(capture_cold_start_metric=True)(wrapped)({}, context)
