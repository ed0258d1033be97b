"""Programme and batch rules, notifications backoff, cursors: plain Python."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from chalicelib.db.common import decode_cursor, encode_cursor
from chalicelib.domain import programmes as rules
from chalicelib.domain.errors import ValidationFailedError
from chalicelib.domain.notifications import MAX_ATTEMPTS, credentials_sms, retry_at

pytestmark = pytest.mark.unit
T0 = datetime(2026, 7, 1, tzinfo=UTC)


def test_deadlines_must_run_demand_roster_registration() -> None:
    rules.check_deadlines(T0, T0, T0)
    with pytest.raises(ValidationFailedError) as err:
        rules.check_deadlines(T0 + timedelta(days=1), T0, T0 + timedelta(days=2))
    assert "roster_deadline" in err.value.fields
    with pytest.raises(ValidationFailedError) as err:
        rules.check_deadlines(T0, T0 + timedelta(days=2), T0 + timedelta(days=1))
    assert "registration_deadline" in err.value.fields


def test_batch_dates_in_order() -> None:
    rules.check_batch_dates(date(2026, 9, 7), date(2026, 9, 7))
    with pytest.raises(ValidationFailedError):
        rules.check_batch_dates(date(2026, 9, 8), date(2026, 9, 7))


def test_retry_backoff_doubles_and_stops() -> None:
    delays = [retry_at(n, T0) for n in range(MAX_ATTEMPTS)]
    assert [d - T0 for d in delays[:-1] if d] == [timedelta(minutes=2**n) for n in range(MAX_ATTEMPTS - 1)]
    assert delays[-1] is None


def test_credentials_sms_and_its_redacted_twin() -> None:
    text, redacted = credentials_sms(
        "李老师", "region_contact", "13900000001", "Secret123456", "https://x.cn"
    )
    assert "Secret123456" in text and "Secret123456" not in redacted
    assert text.replace("Secret123456", "") == redacted.replace("********", "")


def test_cursor_round_trip_and_garbage() -> None:
    key = {"batch_id": {"S": "b1"}}
    assert decode_cursor(encode_cursor(key)) == key
    for bad in ("@@@", "bm90LWpzb24", "WzFd"):
        with pytest.raises(ValidationFailedError):
            decode_cursor(bad)
