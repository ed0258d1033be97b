"""Deadlines and days in Asia/Shanghai, where the users set and read them."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from chalicelib.domain.errors import ConflictError

SHANGHAI = ZoneInfo("Asia/Shanghai")


def check_before(deadline: datetime, now: datetime) -> None:
    """A deadline is an instant: 23:59:59 +08:00 on the day is in time, a second later is not."""
    if now > deadline:
        raise ConflictError("deadline_passed")


def local_day(now: datetime) -> date:
    """Today as a person in China sees it (check-ins count by this day)."""
    return now.astimezone(SHANGHAI).date()


def days(start: date, end: date) -> list[date]:
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]
