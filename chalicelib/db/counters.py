"""Counters under a cap. Access patterns: one UpdateItem (ADD 1 under value < cap), or one
transaction counting several keys at once."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from chalicelib.db.models import CounterModel
from chalicelib.db.writes import applied, transaction

MAX_TRANSACTION_ITEMS = 100


def take(key: str, cap: int, expires_at: datetime) -> bool:
    """Count one more, unless the cap is reached (then False, and nothing changes). The
    counter goes at `expires_at` (TTL): a day's count, after the day."""
    return applied(
        lambda: CounterModel(key).update(
            actions=[CounterModel.value.add(1), CounterModel.expires_at.set(expires_at)],
            condition=CounterModel.value.does_not_exist() | (CounterModel.value < cap),
        )
    )


def take_many(keys: list[str], cap: int, expires_at: datetime) -> bool:
    """Count every key (a key may repeat) in one transaction, or nothing at all (False) if
    any key would pass its cap."""
    wanted = Counter(keys)
    if not wanted:
        return True
    if len(wanted) > MAX_TRANSACTION_ITEMS or max(wanted.values()) > cap:
        return False
    with transaction(tolerate={"cap"}) as tx:
        for key, n in wanted.items():
            tx.update(
                CounterModel(key),
                actions=[CounterModel.value.add(n), CounterModel.expires_at.set(expires_at)],
                condition=CounterModel.value.does_not_exist() | (CounterModel.value <= cap - n),
                tag="cap",
            )
    return not tx.refused
