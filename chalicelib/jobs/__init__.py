"""Scheduled Lambdas and event handlers. Each job is a plain function in JOBS too, so
`yanxiu run-job NAME` runs it locally, where `chalice local` runs no schedule."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from chalicelib.lazy import lazy_import

if TYPE_CHECKING:  # typed calls; loaded on first use (cold starts stay short)
    from chalicelib.services import exports, notify, reminders, uploads, waiting
else:
    notify = lazy_import("chalicelib.services.notify")
    uploads = lazy_import("chalicelib.services.uploads")
    exports = lazy_import("chalicelib.services.exports")
    reminders = lazy_import("chalicelib.services.reminders")
    waiting = lazy_import("chalicelib.services.waiting")


def drain_outbox(now: datetime | None = None) -> dict[str, Any]:
    return notify.drain(now)


def check_uploads(now: datetime | None = None) -> dict[str, Any]:
    return uploads.check_pending()


def build_exports(now: datetime | None = None) -> dict[str, Any]:
    return exports.build_pending()


def daily_reminders(now: datetime | None = None) -> dict[str, Any]:
    return reminders.daily(now)


def checkin_reminders(now: datetime | None = None) -> dict[str, Any]:
    return reminders.checkins(now)


def expire_offers(now: datetime | None = None) -> dict[str, Any]:
    return waiting.expire_due(now)


JOBS: dict[str, Callable[..., dict[str, Any]]] = {
    "reminders": daily_reminders,
    "checkin-reminders": checkin_reminders,
    "outbox": drain_outbox,
    "uploads": check_uploads,
    "exports": build_exports,
    "offers": expire_offers,
}
