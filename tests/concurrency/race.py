"""The race harness: N threads released together by a barrier, what each one got, and
read-backs of what DynamoDB Local holds afterwards (Scan is fine here, not in the service)."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from chalicelib.db.common import connection
from chalicelib.db.models import ALL_MODELS, AccountModel, NotificationModel

BARRIER_TIMEOUT_S = 10.0
JOIN_TIMEOUT_S = 30.0

# The tables live for the whole session: a fresh phone per round stands in for fresh tables.
_phones = itertools.count(1)


def next_phone() -> str:
    return f"139{next(_phones):08d}"


def warm_clients() -> None:
    """Build the transactions' botocore client and every model's before a race. PynamoDB
    builds each lazily, on a botocore session of the calling thread's own, so 200 threads
    first touching one at once each load the DynamoDB service model: ~30 s on two cores,
    every thread stalled, before any request is sent."""
    connection().client  # noqa: B018 - the property builds the client
    for model in ALL_MODELS:
        model._get_connection().connection.client  # noqa: B018


@dataclass
class Outcome:
    value: Any = None
    error: BaseException | None = None

    def describe(self) -> str:
        """The error, with a failed transaction's cancellation reason codes (which item failed)."""
        reasons = getattr(self.error, "cancellation_reasons", None)
        codes = [r.code if r is not None else None for r in reasons] if reasons else None
        return f"{self.error!r} reasons={codes}" if codes else repr(self.error)


def race(threads: int, call: Callable[..., Any]) -> list[Outcome]:
    """Run call(0) .. call(threads - 1) each on its own thread, all released at one instant
    (the barrier), and return each thread's result or exception, in order."""
    barrier = threading.Barrier(threads, timeout=BARRIER_TIMEOUT_S)
    outcomes = [Outcome() for _ in range(threads)]

    def run(i: int) -> None:
        try:
            barrier.wait()
            outcomes[i].value = call(i)
        except BaseException as exc:  # noqa: BLE001 - reported to the test, not swallowed
            outcomes[i].error = exc

    workers = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(JOIN_TIMEOUT_S)
        assert not worker.is_alive(), "a racing thread did not finish in time"
    return outcomes


class SmsRecorder:
    """Stands in for SNS (DynamoDB Local has none): records each send, from any thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sent: list[tuple[str, str]] = []

    def __call__(self, phone: str, text: str) -> None:
        with self._lock:
            self._sent.append((phone, text))

    def to(self, phone: str) -> list[str]:
        with self._lock:
            return [text for p, text in self._sent if p == phone]


class CallCounter:
    """Wraps a function and counts, from any thread, the calls that raised `error`."""

    def __init__(self, wrapped: Callable[..., Any], error: type[BaseException]) -> None:
        self._wrapped = wrapped
        self._error = error
        self._lock = threading.Lock()
        self.raised = 0

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return self._wrapped(*args, **kwargs)
        except self._error:
            with self._lock:
                self.raised += 1
            raise


class FalseCounter:
    """Wraps a function and counts, from any thread, the calls that returned False: the
    claims a thread found already taken by another."""

    def __init__(self, wrapped: Callable[..., Any]) -> None:
        self._wrapped = wrapped
        self._lock = threading.Lock()
        self.lost = 0

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        result = self._wrapped(*args, **kwargs)
        if result is False:
            with self._lock:
                self.lost += 1
        return result


def accounts_with_phone(phone: str) -> list[AccountModel]:
    return list(AccountModel.scan(AccountModel.phone == phone, consistent_read=True))


def credential_messages_to(phone: str) -> list[NotificationModel]:
    condition = (NotificationModel.address == phone) & (NotificationModel.purpose == "credentials")
    return list(NotificationModel.scan(condition, consistent_read=True))
