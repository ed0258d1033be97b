"""Helpers shared by the repositories: the connection, paging cursors, sort keys of time.
(Transactions and failed conditions: db/writes.py.)"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from pynamodb.connection import Connection
from pynamodb.exceptions import QueryError

from chalicelib.config import AWS_CONNECT_TIMEOUT, AWS_READ_TIMEOUT, SDK_ATTEMPTS, settings
from chalicelib.domain.errors import ValidationFailedError, problem


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


def encode_cursor(last_key: dict[str, Any] | None) -> str | None:
    if not last_key:
        return None
    return base64.urlsafe_b64encode(json.dumps(last_key, separators=(",", ":")).encode()).decode()


def _bad_cursor() -> ValidationFailedError:
    return ValidationFailedError(fields={"cursor": problem("cursor_invalid")})


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
