"""In-memory twins of the data layer's stores (chalicelib/services/ports.py), for unit tests
of the services' rules: the same answers as db/outbox.py, db/counters.py and db/exports.py
give, conditions included, without AWS. The integration tier runs the same services on
moto, and the concurrency tier on DynamoDB Local: a twin that drifted from its store would
show there."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime

from chalicelib.domain.records import Export, Message


@dataclass
class _Stored:
    message: Message
    slot: datetime  # next_attempt_at: a claim is a compare and set of it
    status: str = "queued"
    attempts: int = 0
    last_error: str | None = None


@dataclass
class Outbox:
    rows: dict[str, _Stored] = field(default_factory=dict)

    def record(self, message: Message) -> None:
        self.rows[message.message_id] = _Stored(message, message.not_before or message.created_at)

    def _read(self, s: _Stored) -> Message:
        return replace(s.message, status=s.status, attempts=s.attempts, not_before=s.slot)

    def get(self, message_id: str) -> Message | None:
        s = self.rows.get(message_id)
        return self._read(s) if s else None

    def _claimable(self, m: Message) -> _Stored | None:
        s = self.rows.get(m.message_id)
        as_read = m.not_before or m.created_at
        return s if s is not None and s.status == "queued" and s.slot == as_read else None

    def claim(self, message: Message, lease_until: datetime) -> bool:
        s = self._claimable(message)
        if s is None:
            return False
        s.slot, s.attempts = lease_until, s.attempts + 1
        return True

    def claim_many(self, messages: list[Message], lease_until: datetime) -> list[Message]:
        if all(self._claimable(m) for m in messages):
            for m in messages:
                self.claim(m, lease_until)
            return list(messages)
        return [m for m in messages if self.claim(m, lease_until)]

    def postpone(self, message: Message, until: datetime) -> bool:
        s = self._claimable(message)
        if s is None:
            return False
        s.slot = until
        return True

    def mark_sent(self, message: Message, now: datetime) -> None:
        s = self.rows.get(message.message_id)
        if s is not None and s.status == "queued":
            s.status = "sent"
            if message.redacted is not None:
                s.message = replace(s.message, text=message.redacted)

    def mark_sent_many(self, messages: list[Message], now: datetime) -> None:
        for m in messages:
            self.mark_sent(m, now)

    def mark_failed(
        self, message: Message, reason: str, next_attempt_at: datetime | None, final: str = "given_up"
    ) -> None:
        s = self.rows.get(message.message_id)
        if s is None or s.status != "queued":
            return
        s.last_error = reason
        if next_attempt_at is None:
            s.status = final
        else:
            s.slot = next_attempt_at

    def due(self, now: datetime, limit: int = 100) -> list[Message]:
        ready = sorted(
            (s for s in self.rows.values() if s.status == "queued" and s.slot <= now), key=lambda s: s.slot
        )
        return [self._read(s) for s in ready[:limit]]


@dataclass
class Counters:
    values: dict[str, int] = field(default_factory=dict)

    def take(self, key: str, cap: int, expires_at: datetime) -> bool:
        if self.values.get(key, 0) >= cap:
            return False
        self.values[key] = self.values.get(key, 0) + 1
        return True

    def take_many(self, keys: list[str], cap: int, expires_at: datetime) -> bool:
        wanted: dict[str, int] = {}
        for key in keys:
            wanted[key] = wanted.get(key, 0) + 1
        if any(self.values.get(k, 0) + n > cap for k, n in wanted.items()):
            return False
        for k, n in wanted.items():
            self.values[k] = self.values.get(k, 0) + n
        return True


@dataclass
class Exports:
    rows: dict[str, Export] = field(default_factory=dict)
    leases: dict[str, datetime] = field(default_factory=dict)

    def put(self, e: Export) -> None:
        assert e.export_id not in self.rows, "put under attribute_not_exists"
        self.rows[e.export_id] = e

    def get(self, export_id: str) -> Export | None:
        return self.rows.get(export_id)

    def _free(self, export_id: str, now: datetime) -> bool:
        lease = self.leases.get(export_id)
        return lease is None or lease < now

    def pending(self, now: datetime, limit: int) -> list[Export]:
        waiting = [e for e in self.rows.values() if e.status == "pending" and self._free(e.export_id, now)]
        return sorted(waiting, key=lambda e: (e.created_at, e.export_id))[:limit]

    def lease(self, export_id: str, now: datetime, until: datetime) -> int | None:
        e = self.rows.get(export_id)
        if e is None or e.status != "pending" or not self._free(export_id, now):
            return None
        self.leases[export_id] = until
        self.rows[export_id] = replace(e, attempts=e.attempts + 1)
        return e.attempts + 1

    def _settle(self, export_id: str, **changes: object) -> bool:
        e = self.rows.get(export_id)
        if e is None or e.status != "pending":
            return False
        self.rows[export_id] = replace(e, **changes)  # type: ignore[arg-type]
        return True

    def finish(self, export_id: str, s3_key: str) -> bool:
        self.leases.pop(export_id, None)
        return self._settle(export_id, status="ready", s3_key=s3_key, error=None)

    def retry_later(self, export_id: str, not_before: datetime, error: str) -> bool:
        self.leases[export_id] = not_before
        return self._settle(export_id, error=error)

    def fail(self, export_id: str, error: str) -> bool:
        self.leases.pop(export_id, None)
        return self._settle(export_id, status="failed", error=error)
