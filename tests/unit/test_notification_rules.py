"""Quiet hours, backoff and the next morning (domain/notifications.py), without AWS."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from chalicelib.domain.deadlines import SHANGHAI
from chalicelib.domain.notifications import MAX_ATTEMPTS, next_morning, retry_at, send_not_before

pytestmark = pytest.mark.unit


def at(hour: int, minute: int = 0, second: int = 0, day: int = 2) -> datetime:
    return datetime(2026, 7, day, hour, minute, second, tzinfo=SHANGHAI)


def test_quiet_hours_begin_at_nine_in_the_evening() -> None:
    assert send_not_before("sms", "reminder_demand", at(20, 59, 59)) == at(20, 59, 59)
    assert send_not_before("sms", "reminder_demand", at(21)) == at(8, day=3)
    assert send_not_before("sms", "reminder_demand", at(23, 30)) == at(8, day=3)


def test_quiet_hours_end_at_eight_in_the_morning() -> None:
    assert send_not_before("sms", "allocation", at(0, 5)) == at(8)
    assert send_not_before("sms", "allocation", at(7, 59, 59)) == at(8)
    assert send_not_before("sms", "allocation", at(8)) == at(8)


def test_credentials_and_email_are_never_held() -> None:
    assert send_not_before("sms", "credentials", at(23)) == at(23)
    assert send_not_before("email", "allocation", at(23)) == at(23)


def test_backoff_doubles_then_gives_up() -> None:
    now = at(10)
    assert [retry_at(n, now) for n in range(MAX_ATTEMPTS - 1)] == [
        now + timedelta(minutes=m) for m in (1, 2, 4, 8, 16)
    ]
    assert retry_at(MAX_ATTEMPTS - 1, now) is None


def test_next_morning_is_eight_tomorrow_in_shanghai() -> None:
    assert next_morning(at(10)) == at(8, day=3)
    assert next_morning(at(0, 30)) == at(8, day=3)
