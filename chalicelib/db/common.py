"""Helpers shared by the repositories: transactions, cursors, failed conditions."""

from __future__ import annotations

import base64
import json
import random
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from pynamodb.connection import Connection
from pynamodb.exceptions import CancellationReason, QueryError, TransactWriteError
from pynamodb.transactions import TransactWrite

from chalicelib.config import AWS_CONNECT_TIMEOUT, AWS_READ_TIMEOUT, SDK_ATTEMPTS, settings
from chalicelib.domain.errors import DependencyUnavailableError, ValidationFailedError


@lru_cache(maxsize=1)
def connection() -> Connection:
    """The connection transactions use: the same timeouts and retries as the models'."""
    return Connection(
        region=settings().aws_region,
        connect_timeout_seconds=AWS_CONNECT_TIMEOUT,
        read_timeout_seconds=AWS_READ_TIMEOUT,
        max_retry_attempts=SDK_ATTEMPTS - 1,
    )


def reset_connection() -> None:
    connection.cache_clear()


class Transaction(TransactWrite):
    """A TransactWrite whose items carry tags, so a failed condition names its item.

    PynamoDB sends condition checks, deletes, puts, then updates, whatever order they were
    added in (pynamodb#1284), and the cancellation reasons follow the sent order; the tags
    are kept in that same order. A cancellation for TransactionConflict (another
    transaction touched one of the items at that moment) is retried, a few times: the whole
    transaction was refused, so sending it again is safe."""

    CONFLICT_RETRIES = 5  # up to ~1.3 s of jittered backoff before answering 503

    def __init__(self) -> None:
        # The token makes botocore's retry of a transaction whose answer was lost (a read
        # timeout) idempotent: DynamoDB does not apply it twice, nor fail its conditions.
        super().__init__(connection=connection(), client_request_token=uuid.uuid4().hex)
        self._tags: dict[str, list[str | None]] = {"check": [], "delete": [], "put": [], "update": []}

    def condition_check(
        self,
        model_cls: Any,
        hash_key: Any,
        range_key: Any = None,
        condition: Any = None,
        *,
        tag: str | None = None,
    ) -> None:
        super().condition_check(model_cls, hash_key, range_key=range_key, condition=condition)
        self._tags["check"].append(tag)

    def delete(
        self, model: Any, condition: Any = None, *, add_version_condition: bool = True, tag: str | None = None
    ) -> None:
        super().delete(model, condition, add_version_condition=add_version_condition)
        self._tags["delete"].append(tag)

    def save(
        self, model: Any, condition: Any = None, return_values: str | None = None, *, tag: str | None = None
    ) -> None:
        super().save(model, condition, return_values)
        self._tags["put"].append(tag)

    def update(
        self,
        model: Any,
        actions: Any,
        condition: Any = None,
        return_values: str | None = None,
        *,
        add_version_condition: bool = True,
        tag: str | None = None,
    ) -> None:
        super().update(model, actions, condition, return_values, add_version_condition=add_version_condition)
        self._tags["update"].append(tag)

    def failed(self, exc: TransactWriteError) -> set[str]:
        """The tags of the items whose condition failed."""
        sent = self._tags["check"] + self._tags["delete"] + self._tags["put"] + self._tags["update"]
        return {tag for i in failed_items(exc) if i < len(sent) and (tag := sent[i])}

    def reason(self, exc: TransactWriteError, tag: str) -> CancellationReason | None:
        """The cancellation reason of the item tagged `tag` (None: that item did not fail)."""
        sent = self._tags["check"] + self._tags["delete"] + self._tags["put"] + self._tags["update"]
        reasons = exc.cancellation_reasons or []
        return next((reasons[i] for i, t in enumerate(sent) if t == tag and i < len(reasons)), None)

    def _commit(self) -> Any:
        for attempt in range(self.CONFLICT_RETRIES + 1):
            try:
                return super()._commit()
            except TransactWriteError as exc:
                reasons = exc.cancellation_reasons or []
                if not any(r and r.code == "TransactionConflict" for r in reasons):
                    raise
                if attempt == self.CONFLICT_RETRIES:
                    # Still contended: the client may try again in a moment (503, Retry-After).
                    raise DependencyUnavailableError(retry_after=1) from exc
                time.sleep(0.02 * 2**attempt * (1 + random.random()))  # noqa: S311 - jitter, not a secret
                self._client_request_token = uuid.uuid4().hex  # a new attempt, not a replay
        raise AssertionError("unreachable")


def transaction() -> Transaction:
    """Use as `with (tx := transaction()):` and ask `tx.failed(exc)` in the except clause."""
    return Transaction()


def failed_items(exc: TransactWriteError) -> list[int]:
    """Positions, in the sent order, of the transaction items whose condition failed."""
    reasons = exc.cancellation_reasons or []
    return [i for i, r in enumerate(reasons) if r is not None and r.code == "ConditionalCheckFailed"]


def encode_cursor(last_key: dict[str, Any] | None) -> str | None:
    if not last_key:
        return None
    return base64.urlsafe_b64encode(json.dumps(last_key, separators=(",", ":")).encode()).decode()


def _bad_cursor() -> ValidationFailedError:
    return ValidationFailedError(fields={"cursor": "无效的分页游标"})


def cursor_names(source: Any) -> frozenset[str]:
    """The attributes a page's last key holds for a query on `source`, a model or one of its
    indexes: the table's keys, and the index's."""
    if hasattr(source, "_indexes"):
        model, names = source, set()
    else:
        model = source._model
        names = {a.attr_name for a in source.Meta.attributes.values() if a.is_hash_key or a.is_range_key}
    return frozenset(names | {n for n in (model._hash_keyname, model._range_keyname) if n})


def _key_value(value: Any) -> bool:
    """One string or number, as DynamoDB writes a key attribute."""
    if not isinstance(value, dict) or len(value) != 1:
        return False
    kind, raw = next(iter(value.items()))
    if kind == "S":
        return isinstance(raw, str)
    if kind == "N" and isinstance(raw, str):
        try:
            float(raw)
        except ValueError:
            return False
        return True
    return False


def decode_cursor(cursor: str | None, source: Any = None) -> dict[str, Any] | None:
    """A page's cursor back to the query's start key. It must hold exactly the keys of the
    queried table or index (`source`), each a string or a number: anything else is 422, not
    a query DynamoDB refuses (see also `cursor_checked`)."""
    if not cursor:
        return None
    try:
        key = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (ValueError, UnicodeDecodeError) as exc:
        raise _bad_cursor() from exc
    if not isinstance(key, dict) or not all(_key_value(v) for v in key.values()):
        raise _bad_cursor()
    if source is not None and set(key) != cursor_names(source):
        raise _bad_cursor()
    return key


@contextmanager
def cursor_checked(cursor: str | None) -> Iterator[None]:
    """Reading a page: a start key of the right shape that DynamoDB still refuses (another
    partition's, outside the key condition) is the client's cursor at fault: 422."""
    try:
        yield
    except QueryError as exc:
        code = getattr(exc.cause, "response", {}).get("Error", {}).get("Code") if exc.cause else None
        if cursor and code == "ValidationException":
            raise _bad_cursor() from exc
        raise


def key_time(moment: datetime) -> str:
    """An instant as a sort key: UTC, fixed width, so string order is time order."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")
