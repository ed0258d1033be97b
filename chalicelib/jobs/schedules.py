"""The schedules: thin wrappers that call the jobs of jobs/__init__.py."""

from __future__ import annotations

from chalice import Blueprint, Rate

from chalicelib.jobs import drain_outbox
from chalicelib.observability import flush_metrics, logger

bp = Blueprint(__name__)


@bp.schedule(Rate(5, unit=Rate.MINUTES), name="drain_outbox")
def drain_outbox_schedule(event: object) -> None:
    result = drain_outbox()
    logger.info("outbox drained", extra=result)
    flush_metrics()
