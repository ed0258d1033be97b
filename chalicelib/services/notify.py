"""Sending through the outbox: record first (in the transaction of the change), then send;
a failed send stays queued with a backoff and the drain job (`outbox` in jobs/__init__.py) retries it.

Each try: held back while quiet hours last (also a retry that falls in them); claimed (a
lease, so that of two senders that read the message one sends); the phone's daily cap taken
on the message's first try only (a retry is the same SMS); sent; marked."""

from __future__ import annotations

from datetime import datetime, timedelta

from chalicelib.adapters import clock, crypto, messaging
from chalicelib.adapters.secrets import new_id
from chalicelib.domain.deadlines import local_day
from chalicelib.domain.notifications import (
    DAILY_SMS_CAP,
    WAIT_WHEN_CAPPED,
    next_morning,
    retry_at,
    send_not_before,
)
from chalicelib.domain.records import Message
from chalicelib.observability import count, gauge, logger
from chalicelib.services.ports import stores

# What a sealed SMS text is bound to (adapters/crypto.py's encryption context).
SEALED = "outbox"


# Per channel, beside the Message* metrics: SmsSent / SmsFailed / SmsHeld (quiet hours), and
# the e-mail's (issue 15: SMS sent, failed, held).
_CHANNEL_METRIC = {"sms": "Sms", "email": "Email"}


def sms(purpose: str, account_id: str | None, phone: str, text: str, redacted: str | None = None) -> Message:
    """An SMS to record. One with a secret in it (its `redacted` twin given) is sealed with the
    KMS key until it is sent: the outbox never holds a password or a code in clear."""
    now = clock.now()
    not_before = send_not_before("sms", purpose, now)
    if not_before > now:
        count("SmsHeld")  # recorded in quiet hours: it waits for the morning
    return Message(
        message_id=new_id(),
        channel="sms",
        purpose=purpose,
        address=phone,
        text=crypto.seal(text, SEALED) if redacted is not None else text,
        redacted=redacted,
        account_id=account_id,
        created_at=now,
        not_before=not_before,
    )


def email(purpose: str, account_id: str | None, address: str, subject: str, text: str) -> Message:
    return Message(
        message_id=new_id(),
        channel="email",
        purpose=purpose,
        address=address,
        subject=subject,
        text=text,
        account_id=account_id,
        created_at=clock.now(),
    )


def _cap_key(message: Message, now: datetime) -> str:
    return f"sms#{message.address}#{local_day(now)}"


def _cap_expiry(now: datetime) -> datetime:
    return now + timedelta(days=2)  # the day's count is of no use after the day


# Longer than one sender's sends take; a sender that dies leaves the message to the drain after it.
LEASE = timedelta(minutes=5)


def _capped(message: Message, now: datetime) -> None:
    """Past the phone's cap for today. Credentials the person needs wait for tomorrow
    morning; anything else is dropped (a stale reminder is no use tomorrow)."""
    if message.purpose in WAIT_WHEN_CAPPED:
        stores().outbox.mark_failed(message, "daily_cap", next_morning(now))
    else:
        stores().outbox.mark_failed(message, "daily_cap", None, final="failed")
    logger.warning(
        "sms daily cap reached", extra={"message_id": message.message_id, "purpose": message.purpose}
    )
    count("SmsDailyCapReached")


def _counts_against_cap(message: Message) -> bool:
    """An SMS on its first try: a retry of the same SMS takes no second place in the cap."""
    return message.channel == "sms" and message.attempts == 0


def _held(message: Message, now: datetime) -> bool:
    """Not to be sent now: its time has not come, or quiet hours began since it was queued
    (then its next try moves to the morning)."""
    if message.not_before and message.not_before > now:
        return True
    morning = send_not_before(message.channel, message.purpose, now)
    if morning > now:
        stores().outbox.postpone(message, morning)
        count(_CHANNEL_METRIC[message.channel] + "Held")
        return True
    return False


def _send(message: Message, now: datetime) -> bool:
    """The SNS or SES call; a failure is recorded (retry later, or failed/given up)."""
    try:
        if message.channel == "sms":
            messaging.send_sms(message.address, crypto.open_sealed(message.text, SEALED))
        else:
            messaging.send_email(message.address, message.subject or "", message.text)
    except messaging.DeliveryError as exc:
        next_try = None if exc.permanent else retry_at(message.attempts, now)
        if next_try is not None:
            next_try = send_not_before(message.channel, message.purpose, next_try)  # not at night
        stores().outbox.mark_failed(
            message, exc.reason, next_try, final="failed" if exc.permanent else "given_up"
        )
        logger.warning(
            "message not sent",
            extra={
                "message_id": message.message_id,
                "purpose": message.purpose,
                "reason": exc.reason,
                "given_up": next_try is None,
            },
        )
        count("MessageGivenUp" if next_try is None else "MessageRetryQueued")
        count(_CHANNEL_METRIC[message.channel] + "Failed")
        return False
    count("MessageSent")
    count(_CHANNEL_METRIC[message.channel] + "Sent")
    return True


def deliver(message: Message, now: datetime | None = None) -> bool:
    """One try at sending a recorded message. True if it went out. A message in quiet hours
    stays queued (the drain job sends it in the morning); past the phone's daily cap it is
    marked failed, not sent."""
    now = now or clock.now()
    if _held(message, now) or not stores().outbox.claim(message, now + LEASE):
        return False
    if _counts_against_cap(message) and not stores().counters.take(
        _cap_key(message, now), DAILY_SMS_CAP, _cap_expiry(now)
    ):
        _capped(message, now)
        return False
    if not _send(message, now):
        return False
    stores().outbox.mark_sent(message, now)
    return True


def deliver_all(messages: list[Message], now: datetime | None = None) -> int:
    """deliver() for many messages with a fixed number of DynamoDB calls: one transaction
    claiming them, one counting the daily caps of all their phones, the sends, then one
    transaction marking them sent. If the caps' transaction is refused (a phone near its
    cap), each message is counted on its own. Returns how many went out."""
    now = now or clock.now()
    due = stores().outbox.claim_many([m for m in messages if not _held(m, now)], now + LEASE)
    counted = [m for m in due if _counts_against_cap(m)]
    allowed = {m.message_id for m in due if not _counts_against_cap(m)}
    if stores().counters.take_many([_cap_key(m, now) for m in counted], DAILY_SMS_CAP, _cap_expiry(now)):
        allowed |= {m.message_id for m in counted}
    else:
        for m in counted:
            if stores().counters.take(_cap_key(m, now), DAILY_SMS_CAP, _cap_expiry(now)):
                allowed.add(m.message_id)
            else:
                _capped(m, now)
    sent = [m for m in due if m.message_id in allowed and _send(m, now)]
    stores().outbox.mark_sent_many(sent, now)
    return len(sent)


def drain(now: datetime | None = None, limit: int = 100) -> dict[str, int]:
    """Send every queued message that is due: the retry path of a failed send."""
    now = now or clock.now()
    sent = failed = 0
    for message in stores().outbox.due(now, limit=limit):
        if deliver(message, now):
            sent += 1
        else:
            failed += 1
    waiting = stores().outbox.due(now, limit=1)
    oldest = _waiting(waiting[0], now) if waiting else 0
    gauge("OutboxOldestAgeSeconds", oldest)
    return {"sent": sent, "failed": failed, "oldest_waiting_seconds": oldest}


def _waiting(message: Message, now: datetime) -> int:
    """How long a message still due has waited since it could first be sent: the alarm on
    messages stuck past an hour reads it (OutboxOldestAgeSeconds, jobs/__init__.py)."""
    since = max(message.created_at, message.not_before or message.created_at)
    return max(0, int((now - since).total_seconds()))
