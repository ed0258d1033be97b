"""Scheduled Lambdas and event handlers. Each job is a plain function in JOBS too, so
`yanxiu run-job NAME` runs it locally, where `chalice local` runs no schedule."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from chalicelib.lazy import lazy_import

notify = lazy_import("chalicelib.services.notify")


def drain_outbox(now: datetime | None = None) -> dict[str, Any]:
    return notify.drain(now)


JOBS: dict[str, Callable[..., dict[str, Any]]] = {
    "outbox": drain_outbox,
}
