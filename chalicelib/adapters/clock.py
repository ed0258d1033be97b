"""The service's one clock. Tests and `yanxiu run-job --now` set it; nothing else calls datetime.now."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")

_fixed: datetime | None = None
_offset = timedelta(0)


def now() -> datetime:
    """The current instant, timezone-aware (UTC)."""
    if _fixed is not None:
        return _fixed
    return datetime.now(UTC) + _offset


def set_now(moment: datetime | None) -> None:
    """Freeze the clock at `moment` (None: back to the real time)."""
    global _fixed
    if moment is not None and moment.tzinfo is None:
        raise ValueError("the clock needs an aware datetime")
    _fixed = moment


def advance(delta: timedelta) -> None:
    global _fixed, _offset
    if _fixed is not None:
        _fixed = _fixed + delta
    else:
        _offset += delta
