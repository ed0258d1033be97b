"""Counters under a cap. Access pattern: one UpdateItem, ADD 1 under value < cap."""

from __future__ import annotations

from pynamodb.exceptions import UpdateError

from chalicelib.db.models import CounterModel


def take(key: str, cap: int) -> bool:
    """Count one more, unless the cap is reached (then False, and nothing changes)."""
    try:
        CounterModel(key).update(
            actions=[CounterModel.value.add(1)],
            condition=CounterModel.value.does_not_exist() | (CounterModel.value < cap),
        )
    except UpdateError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise
    return True
