"""Sending through the outbox: record first (in the transaction of the change), then send;
a failed send stays queued with a backoff and the drain job (jobs/outbox.py) retries it."""

from __future__ import annotations

from datetime import datetime

from chalicelib.adapters import clock, messaging
from chalicelib.adapters.secrets import new_id
from chalicelib.db import counters, outbox
from chalicelib.domain.deadlines import local_day
from chalicelib.domain.notifications import DAILY_SMS_CAP, retry_at, send_not_before
from chalicelib.domain.records import Message
from chalicelib.observability import logger, metrics


def sms(purpose: str, account_id: str | None, phone: str, text: str, redacted: str | None = None) -> Message:
    now = clock.now()
    return Message(
        message_id=new_id(),
        channel="sms",
        purpose=purpose,
        address=phone,
        text=text,
        redacted=redacted,
        account_id=account_id,
        created_at=now,
        not_before=send_not_before("sms", purpose, now),
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


def deliver(message: Message, now: datetime | None = None) -> bool:
    """One try at sending a recorded message. True if it went out. A message in quiet hours
    stays queued (the drain job sends it in the morning); past the phone's daily cap it is
    marked failed, not sent."""
    now = now or clock.now()
    if message.not_before and message.not_before > now:
        return False
    if message.channel == "sms" and not counters.take(
        f"sms#{message.address}#{local_day(now)}", DAILY_SMS_CAP
    ):
        outbox.mark_failed(message, "daily_cap", None, final="failed")
        logger.warning(
            "sms daily cap reached", extra={"message_id": message.message_id, "purpose": message.purpose}
        )
        metrics.add_metric(name="SmsDailyCapReached", unit="Count", value=1)
        return False
    try:
        if message.channel == "sms":
            messaging.send_sms(message.address, message.text)
        else:
            messaging.send_email(message.address, message.subject or "", message.text)
    except messaging.DeliveryError as exc:
        next_try = None if exc.permanent else retry_at(message.attempts, now)
        outbox.mark_failed(message, exc.reason, next_try, final="failed" if exc.permanent else "given_up")
        logger.warning(
            "message not sent",
            extra={
                "message_id": message.message_id,
                "purpose": message.purpose,
                "reason": exc.reason,
                "given_up": next_try is None,
            },
        )
        metrics.add_metric(
            name="MessageGivenUp" if next_try is None else "MessageRetryQueued", unit="Count", value=1
        )
        return False
    outbox.mark_sent(message, now)
    metrics.add_metric(name="MessageSent", unit="Count", value=1)
    return True


def drain(now: datetime | None = None, limit: int = 100) -> dict[str, int]:
    """Send every queued message that is due: the retry path of a failed send."""
    now = now or clock.now()
    sent = failed = 0
    for message in outbox.due(now, limit=limit):
        if deliver(message, now):
            sent += 1
        else:
            failed += 1
    return {"sent": sent, "failed": failed}
