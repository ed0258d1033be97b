"""The data layer as the services see it: a port per store, bound to the DynamoDB modules of
`chalicelib/db/` in the service and to in-memory twins in the unit tests of the services'
rules (tests/unit/twins.py), as Chalice's todo sample binds its app to a `TodoDB`.

A store is a Protocol of exactly the calls a service makes; the `db` module of the same
name satisfies it as it is (a module can implement a Protocol). `stores()` answers the
bound set; `bind(...)` swaps some for a test and gives back what was there."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from datetime import datetime
from typing import Protocol

from chalicelib.domain.records import Export, Message


class OutboxStore(Protocol):
    """The notifications outbox (db/outbox.py)."""

    def claim(self, message: Message, lease_until: datetime) -> bool: ...
    def claim_many(self, messages: list[Message], lease_until: datetime) -> list[Message]: ...
    def postpone(self, message: Message, until: datetime) -> bool: ...
    def mark_sent(self, message: Message, now: datetime) -> None: ...
    def mark_sent_many(self, messages: list[Message], now: datetime) -> None: ...
    def mark_failed(
        self, message: Message, reason: str, next_attempt_at: datetime | None, final: str = "given_up"
    ) -> None: ...
    def due(self, now: datetime, limit: int = 100) -> list[Message]: ...


class CounterStore(Protocol):
    """Counters under a cap (db/counters.py)."""

    def take(self, key: str, cap: int, expires_at: datetime) -> bool: ...
    def take_many(self, keys: list[str], cap: int, expires_at: datetime) -> bool: ...


class ExportStore(Protocol):
    """Export records and their leases (db/exports.py)."""

    def put(self, e: Export) -> None: ...
    def get(self, export_id: str) -> Export | None: ...
    def pending(self, now: datetime, limit: int) -> list[Export]: ...
    def lease(self, export_id: str, now: datetime, until: datetime) -> int | None: ...
    def finish(self, export_id: str, s3_key: str) -> bool: ...
    def retry_later(self, export_id: str, not_before: datetime, error: str) -> bool: ...
    def fail(self, export_id: str, error: str) -> bool: ...


@dataclass(frozen=True)
class Stores:
    outbox: OutboxStore
    counters: CounterStore
    exports: ExportStore


_bound: Stores | None = None


def stores() -> Stores:
    """The bound stores; the DynamoDB ones unless a test bound others (imported on first
    use: a view that needs none loads none)."""
    global _bound
    if _bound is None:
        from chalicelib.db import counters, exports, outbox

        _bound = Stores(outbox=outbox, counters=counters, exports=exports)
    return _bound


def bind(**swapped: object) -> Stores:
    """Bind some stores to others (a test's twins); returns the set that was bound before."""
    global _bound
    before = stores()
    names = {f.name for f in fields(Stores)}
    unknown = set(swapped) - names
    if unknown:
        raise TypeError(f"no such store: {sorted(unknown)}")
    _bound = replace(before, **swapped)  # type: ignore[arg-type]
    return before


def restore(previous: Stores) -> None:
    global _bound
    _bound = previous
