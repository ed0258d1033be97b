"""Helpers shared by the repositories: transactions, cursors, failed conditions."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from pynamodb.connection import Connection
from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from chalicelib.config import settings
from chalicelib.domain.errors import ValidationFailedError


@lru_cache(maxsize=1)
def connection() -> Connection:
    return Connection(region=settings().aws_region)


def reset_connection() -> None:
    connection.cache_clear()


@contextmanager
def transaction() -> Iterator[TransactWrite]:
    with TransactWrite(connection=connection()) as tx:
        yield tx


def failed_items(exc: TransactWriteError) -> list[int]:
    """Positions of the transaction items whose condition failed."""
    reasons = exc.cancellation_reasons or []
    return [i for i, r in enumerate(reasons) if r is not None and r.code == "ConditionalCheckFailed"]


def encode_cursor(last_key: dict[str, Any] | None) -> str | None:
    if not last_key:
        return None
    return base64.urlsafe_b64encode(json.dumps(last_key, separators=(",", ":")).encode()).decode()


def decode_cursor(cursor: str | None) -> dict[str, Any] | None:
    if not cursor:
        return None
    try:
        key = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValidationFailedError(fields={"cursor": "无效的分页游标"}) from exc
    if not isinstance(key, dict) or not all(isinstance(v, dict) for v in key.values()):
        raise ValidationFailedError(fields={"cursor": "无效的分页游标"})
    return key


def key_time(moment: datetime) -> str:
    """An instant as a sort key: UTC, fixed width, so string order is time order."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")
