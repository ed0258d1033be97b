"""The notifications outbox: a failed SMS is kept and retried, never lost; credentials are
redacted once sent."""

from __future__ import annotations

from datetime import timedelta

import pytest

from chalicelib.adapters import clock
from chalicelib.adapters.aws import client
from chalicelib.config import SDK_ATTEMPTS
from chalicelib.db.models import NotificationModel
from chalicelib.domain.notifications import MAX_ATTEMPTS, PASSWORD_MASK
from chalicelib.jobs import JOBS
from tests.integration.conftest import Api, password_from_sms, region_body, sms_to

pytestmark = pytest.mark.integration


def _messages() -> list[NotificationModel]:
    return list(NotificationModel.scan())


def test_credentials_sms_is_redacted_once_sent(api: Api, admin: str) -> None:
    api.call("POST", "/regions", admin, region_body())
    [message] = [m for m in _messages() if m.address == "13900000001"]
    assert message.status == "sent" and message.purpose == "credentials"
    assert PASSWORD_MASK in message.text
    assert password_from_sms("13900000001") not in message.text


def test_failed_sms_stays_queued_and_the_job_sends_it_once(
    api: Api, admin: str, sns_fails: list[int]
) -> None:
    # Given SNS is unreachable (botocore's own retries included)
    sns_fails[0] = 100
    # When a region is created, the region is stored even though the SMS failed
    r = api.call("POST", "/regions", admin, region_body())
    assert r.status_code == 201
    assert sms_to("13900000001") == []
    [message] = [m for m in _messages() if m.address == "13900000001"]
    assert (
        message.status == "queued" and message.attempts == 1 and message.last_error == "ConnectionClosedError"
    )
    assert sns_fails[0] <= 100 - SDK_ATTEMPTS  # botocore retried before giving the message back
    # When the drain job runs before the backoff is due, it sends nothing
    assert JOBS["outbox"](clock.now())["sent"] == 0
    # When SNS is back and the job runs after the backoff
    sns_fails[0] = 0
    clock.advance(timedelta(minutes=1, seconds=1))
    assert JOBS["outbox"](clock.now()) == {"sent": 1, "failed": 0, "oldest_waiting_seconds": 0}
    # Then exactly one SMS went out, and a rerun sends nothing more
    assert len(sms_to("13900000001")) == 1
    clock.advance(timedelta(hours=1))
    assert JOBS["outbox"](clock.now()) == {"sent": 0, "failed": 0, "oldest_waiting_seconds": 0}
    assert len(sms_to("13900000001")) == 1
    # And the contact can log in with the password that finally arrived
    assert api.login("13900000001", password_from_sms("13900000001")).status_code == 200


def test_message_is_given_up_after_bounded_tries(api: Api, admin: str, sns_fails: list[int]) -> None:
    sns_fails[0] = 100
    api.call("POST", "/regions", admin, region_body())
    for _ in range(MAX_ATTEMPTS + 2):
        clock.advance(timedelta(hours=1))
        JOBS["outbox"](clock.now())
    [message] = [m for m in _messages() if m.address == "13900000001"]
    assert message.status == "given_up" and message.attempts == MAX_ATTEMPTS
    assert PASSWORD_MASK in message.text  # a given-up credential keeps no password either


def _recorded(text: str, phone: str = "13511112222", purpose: str = "test"):
    from chalicelib.db import outbox
    from chalicelib.services import notify

    message = notify.sms(purpose, None, phone, text)
    outbox.record(message)  # as every sender does: recorded first, then sent
    return message


def test_a_drain_that_read_a_message_does_not_send_it_again() -> None:
    from chalicelib.db import outbox
    from chalicelib.services import notify

    # Given a recorded message that the drain job has read (it is due at once)
    message = _recorded("只发一次")
    [drained] = [m for m in outbox.due(clock.now()) if m.message_id == message.message_id]
    # When the request that recorded it sends it, and then the drain tries its copy
    assert notify.deliver(message) is True
    assert notify.deliver(drained) is False
    # Then the SMS went out once
    assert sms_to("13511112222") == ["只发一次"]
    # And the other way round: a drain's copy sent first leaves the request's copy unsent
    second = _recorded("也只发一次")
    [drained] = [m for m in outbox.due(clock.now()) if m.message_id == second.message_id]
    assert notify.deliver_all([drained]) == 1
    assert notify.deliver_all([second]) == 0
    assert sms_to("13511112222") == ["只发一次", "也只发一次"]


def test_a_retry_that_falls_in_quiet_hours_waits_for_the_morning(sns_fails: list[int]) -> None:
    from datetime import UTC, datetime

    from chalicelib.services import notify

    # Given 20:58 in Shanghai and SNS down: an SMS fails, its retry due in a minute (20:59)
    clock.set_now(datetime(2026, 7, 2, 12, 58, tzinfo=UTC))
    sns_fails[0] = 100
    message = _recorded("晚间通知")
    assert notify.deliver(message) is False
    stored = NotificationModel.get(message.message_id)
    assert stored.status == "queued" and stored.next_attempt_at < "2026-07-02T13:00"
    sns_fails[0] = 0
    # When the drain runs at 21:05, past the retry's time but in quiet hours
    assert JOBS["outbox"](datetime(2026, 7, 2, 13, 5, tzinfo=UTC)) == {
        "sent": 0,
        "failed": 1,
        "oldest_waiting_seconds": 0,
    }
    # Then nothing is sent, and the message waits for 08:00
    assert sms_to("13511112222") == []
    assert NotificationModel.get(message.message_id).next_attempt_at.startswith("2026-07-03T00:00")
    assert JOBS["outbox"](datetime(2026, 7, 2, 23, 59, tzinfo=UTC))["sent"] == 0
    assert JOBS["outbox"](datetime(2026, 7, 3, 0, 0, tzinfo=UTC))["sent"] == 1
    assert sms_to("13511112222") == ["晚间通知"]


def test_a_retried_sms_takes_one_place_in_the_daily_cap(sns_fails: list[int]) -> None:
    from chalicelib.db.models import CounterModel
    from chalicelib.domain.deadlines import local_day
    from chalicelib.services import notify

    # Given an SMS that fails three times before it goes out
    message = _recorded("重试的短信")
    sns_fails[0] = 100
    for _ in range(3):
        assert notify.drain() == {"sent": 0, "failed": 1, "oldest_waiting_seconds": 0}
        clock.advance(timedelta(minutes=20))
    assert NotificationModel.get(message.message_id).attempts == 3
    sns_fails[0] = 0
    clock.advance(timedelta(minutes=20))
    notify.drain()
    assert sms_to("13511112222") == ["重试的短信"]
    # Then the phone's count for the day is one, not one per try
    day = local_day(clock.now())
    assert CounterModel.get(f"sms#13511112222#{day}").value == 1


def test_capped_credentials_wait_for_tomorrow_other_sms_are_dropped() -> None:
    from chalicelib.services import notify

    # Given a phone that has had its 10 SMS today
    for n in range(10):
        assert notify.deliver(_recorded(f"第{n}条")) is True
    # When a reminder and a credentials SMS come for it
    reminder = _recorded("提醒", purpose="reminder_demand")
    credentials = _recorded("账号已开通", purpose="credentials")
    assert notify.deliver(reminder) is False and notify.deliver(credentials) is False
    # Then the reminder is dropped, and the credentials wait for 08:00 tomorrow
    assert NotificationModel.get(reminder.message_id).status == "failed"
    waiting = NotificationModel.get(credentials.message_id)
    assert waiting.status == "queued" and waiting.last_error == "daily_cap"
    JOBS["outbox"](clock.now() + timedelta(days=1))
    assert sms_to("13511112222")[-1] == "账号已开通"


@pytest.mark.parametrize("throttled", [2, 5])
def test_sns_throttling_k_times_then_the_sms_goes_out_once(throttled: int) -> None:
    from botocore.exceptions import ClientError

    from chalicelib.services import notify

    # Given SNS answers Throttling to the next k publishes
    remaining = [throttled]

    def throttle(request, **kwargs):
        if remaining[0] > 0:
            remaining[0] -= 1
            raise ClientError({"Error": {"Code": "Throttling", "Message": "Rate exceeded"}}, "Publish")

    sns = client("sns")
    sns.meta.events.register_first("before-send.sns.Publish", throttle)
    try:
        # When an SMS is sent, and the drain job runs each time its backoff is due
        message = _recorded("限流后的短信")
        notify.deliver(message)
        for _ in range(throttled):
            clock.advance(timedelta(minutes=20))
            JOBS["outbox"](clock.now())
    finally:
        sns.meta.events.unregister("before-send.sns.Publish", throttle)
    # Then it went out exactly once, after k refused tries (within the bound of MAX_ATTEMPTS)
    assert sms_to("13511112222") == ["限流后的短信"]
    stored = NotificationModel.get(message.message_id)
    assert (stored.status, stored.attempts) == ("sent", throttled + 1)
    assert remaining[0] == 0
