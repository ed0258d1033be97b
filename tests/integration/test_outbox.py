"""The notifications outbox: a failed SMS is kept and retried, never lost; credentials are
redacted once sent."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from chalicelib.adapters import clock
from chalicelib.adapters.aws import SDK_ATTEMPTS, client
from chalicelib.db.models import NotificationModel
from chalicelib.domain.notifications import MAX_ATTEMPTS, PASSWORD_MASK
from chalicelib.jobs import JOBS
from tests.integration.conftest import Api, password_from_sms, region_body, sms_to


@pytest.fixture
def sns_fails() -> Iterator[list[int]]:
    """Make SNS fail while the list holds a positive count of failures to give: a botocore
    before-send hook that drops the connection, so botocore's retries and ours both run.
    (A hook that returns an error response would not do: every before-send handler runs,
    moto's included, and moto would record the SMS as sent.)"""
    from botocore.exceptions import ConnectionClosedError

    remaining = [0]

    def fail(request, **kwargs):  # type: ignore[no-untyped-def]
        if remaining[0] > 0:
            remaining[0] -= 1
            raise ConnectionClosedError(endpoint_url=request.url)

    sns = client("sns")
    sns.meta.events.register_first("before-send.sns.Publish", fail)
    yield remaining
    sns.meta.events.unregister("before-send.sns.Publish", fail)


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
    assert JOBS["outbox"](clock.now()) == {"sent": 1, "failed": 0}
    # Then exactly one SMS went out, and a rerun sends nothing more
    assert len(sms_to("13900000001")) == 1
    clock.advance(timedelta(hours=1))
    assert JOBS["outbox"](clock.now()) == {"sent": 0, "failed": 0}
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
