"""The outbox's rules, run in the real service (services/notify.py) against in-memory twins
of its stores (tests/unit/twins.py): quiet hours, the daily cap, the claim that sends a
message once, retries and giving up. No AWS: milliseconds a test."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.adapters import clock, crypto, messaging
from chalicelib.domain.notifications import DAILY_SMS_CAP, MAX_ATTEMPTS
from chalicelib.services import notify, ports
from tests.unit.twins import Counters, Outbox

pytestmark = pytest.mark.unit

NOON = datetime(2026, 9, 7, 4, 0, tzinfo=UTC)  # 12:00 in Shanghai
NIGHT = datetime(2026, 9, 7, 14, 30, tzinfo=UTC)  # 22:30 in Shanghai
PHONE = "13600000001"


class Sender:
    """Stands in for SNS: records each send; fails the next `failures` sends."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []
        self.failures = 0

    def sms(self, phone: str, text: str) -> None:
        if self.failures:
            self.failures -= 1
            raise messaging.DeliveryError("Throttling")
        self.sent.append((phone, text))


@pytest.fixture
def outbox(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Outbox, Counters, Sender]]:
    box, counts, sender = Outbox(), Counters(), Sender()
    before = ports.bind(outbox=box, counters=counts)
    monkeypatch.setattr(messaging, "send_sms", sender.sms)
    # The seal is KMS's (integration tier); here it is a visible wrapper, so a test can see it
    monkeypatch.setattr(crypto, "seal", lambda text, purpose: f"sealed:{text}")
    monkeypatch.setattr(crypto, "open_sealed", lambda value, purpose: value.removeprefix("sealed:"))
    yield box, counts, sender
    ports.restore(before)
    clock.set_now(None)


def _queued(box: Outbox, purpose: str = "reminder", at: datetime = NOON, secret: str | None = None):
    clock.set_now(at)
    text = f"【研修平台】{purpose}" + (f"，密码：{secret}" if secret else "")
    message = notify.sms(purpose, None, PHONE, text, "【研修平台】***" if secret else None)
    box.record(message)
    return message


def test_a_reminder_written_at_night_waits_for_eight_and_credentials_do_not(outbox) -> None:
    box, _, sender = outbox
    # Given a reminder and a credentials SMS, both recorded at 22:30
    reminder = _queued(box, "reminder", NIGHT)
    credentials = _queued(box, "credentials", NIGHT, secret="Abc123")
    # When both are delivered at once
    assert notify.deliver(reminder, NIGHT) is False
    assert notify.deliver(credentials, NIGHT) is True
    # Then only the credentials went out (with the password, unsealed), the reminder waits
    assert sender.sent == [(PHONE, "【研修平台】credentials，密码：Abc123")]
    # And the drain sends the reminder at 08:00, not before
    assert notify.drain(NIGHT + timedelta(hours=9)) == {"sent": 0, "failed": 0, "oldest_waiting_seconds": 0}
    morning = datetime(2026, 9, 8, 0, 0, tzinfo=UTC)
    assert notify.drain(morning) == {"sent": 1, "failed": 0, "oldest_waiting_seconds": 0}
    # And what the outbox keeps of the credentials is the redacted text
    stored = box.get(credentials.message_id)
    assert stored is not None and stored.status == "sent" and "Abc123" not in stored.text


def test_two_senders_of_one_message_send_it_once(outbox) -> None:
    box, _, sender = outbox
    message = _queued(box)
    # A request and a drain both read it queued; each tries to deliver its copy
    assert notify.deliver(message, NOON) is True
    assert notify.deliver(message, NOON) is False
    assert notify.deliver_all([message], NOON) == 0
    assert len(sender.sent) == 1


def test_the_daily_cap_drops_a_reminder_and_holds_credentials_till_morning(outbox) -> None:
    box, counts, sender = outbox
    for _ in range(DAILY_SMS_CAP):
        assert notify.deliver(_queued(box), NOON)
    # Then the next reminder is dropped for good, and credentials wait for the next morning
    late = _queued(box)
    credentials = _queued(box, "credentials", secret="Xyz789")
    assert notify.deliver(late, NOON) is False and notify.deliver(credentials, NOON) is False
    assert (box.get(late.message_id).status, box.get(credentials.message_id).status) == ("failed", "queued")
    assert len(sender.sent) == DAILY_SMS_CAP
    next_morning = datetime(2026, 9, 8, 0, 0, tzinfo=UTC)
    assert notify.drain(next_morning)["sent"] == 1


def test_a_failed_send_is_retried_with_backoff_counted_once_then_given_up(outbox) -> None:
    box, counts, sender = outbox
    message = _queued(box)
    sender.failures = 2
    # When SNS fails twice, the message is tried again 1 and then 2 minutes on
    assert notify.deliver(message, NOON) is False
    assert notify.drain(NOON + timedelta(seconds=30))["sent"] == 0
    assert notify.drain(NOON + timedelta(minutes=1, seconds=1)) == {
        "sent": 0,
        "failed": 1,
        "oldest_waiting_seconds": 0,
    }
    assert notify.drain(NOON + timedelta(minutes=4))["sent"] == 1
    # Then it went out once, and took one place in the day's cap, not three
    assert len(sender.sent) == 1
    assert list(counts.values.values()) == [1]
    # And a message that keeps failing is given up after MAX_ATTEMPTS tries
    doomed = _queued(box)
    sender.failures = 100
    notify.deliver(doomed, NOON)
    moment = NOON
    for _ in range(MAX_ATTEMPTS + 2):
        moment += timedelta(hours=1)
        notify.drain(moment)
    stored = box.get(doomed.message_id)
    assert stored is not None and (stored.status, stored.attempts) == ("given_up", MAX_ATTEMPTS)


def test_the_drain_reports_how_long_the_oldest_message_still_due_has_waited(outbox) -> None:
    box, _, sender = outbox
    # Given two reminders queued at noon
    _queued(box, "reminder", NOON)
    _queued(box, "reminder", NOON)
    # When the drain, two hours on, may send only one
    result = notify.drain(NOON + timedelta(hours=2), limit=1)
    # Then the other has waited two hours: the stuck-outbox alarm's figure
    assert (result["sent"], result["oldest_waiting_seconds"]) == (1, 7200)
    assert notify.drain(NOON + timedelta(hours=2, minutes=5))["oldest_waiting_seconds"] == 0
    assert len(sender.sent) == 2
