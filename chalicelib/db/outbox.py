"""The notifications outbox: every SMS and e-mail is recorded before it is sent.

Access patterns:
- record: PutItem (inside the transaction of the change that causes the message).
- before a send: the message is claimed, a compare-and-set of its next_attempt_at to a
  lease a few minutes on (one transaction for many): of a request and a drain that both
  read it, one sends. A sender that dies mid-send leaves it to the drain after the lease.
- after a send: UpdateItem by message_id (status, text redacted).
- the drain job: Query by_queue["queued"] with next_attempt_at <= now (sparse index:
  sent messages drop out of it).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from pynamodb.exceptions import DoesNotExist
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action

from chalicelib.db.common import key_time
from chalicelib.db.models import NotificationModel
from chalicelib.db.writes import applied, transaction
from chalicelib.domain.records import Message

QUEUED = "queued"


def message_item(message: Message) -> NotificationModel:
    return NotificationModel(
        message.message_id,
        channel=message.channel,
        purpose=message.purpose,
        account_id=message.account_id,
        address=message.address,
        subject=message.subject,
        text=message.text,
        redacted=message.redacted,
        status=QUEUED,
        attempts=0,
        created_at=message.created_at,
        queue=QUEUED,
        next_attempt_at=key_time(message.not_before or message.created_at),
    )


def _message(m: NotificationModel) -> Message:
    return Message(
        message_id=m.message_id,
        channel=m.channel,
        purpose=m.purpose,
        address=m.address,
        text=m.text,
        created_at=m.created_at,
        account_id=m.account_id,
        subject=m.subject,
        redacted=m.redacted,
        status=m.status,
        attempts=int(m.attempts or 0),
        not_before=datetime.fromisoformat(m.next_attempt_at) if m.next_attempt_at else None,
    )


def record(message: Message) -> None:
    message_item(message).save()


def get(message_id: str) -> Message | None:
    try:
        return _message(NotificationModel.get(message_id, consistent_read=True))
    except DoesNotExist:
        return None


def _slot(message: Message) -> str:
    """The next_attempt_at this copy of the message was read (or recorded) with."""
    return key_time(message.not_before or message.created_at)


def _claim_condition(message: Message) -> Any:
    return (NotificationModel.status == QUEUED) & (NotificationModel.next_attempt_at == _slot(message))


def _claim_actions(lease_until: datetime) -> list[Action]:
    return [NotificationModel.next_attempt_at.set(key_time(lease_until)), NotificationModel.attempts.add(1)]


def claim(message: Message, lease_until: datetime) -> bool:
    """Take the message for one try (counted), unless another sender took or settled it
    since it was read: then False, and this sender leaves it alone."""
    return _update_if(message.message_id, _claim_actions(lease_until), _claim_condition(message))


def claim_many(messages: list[Message], lease_until: datetime) -> list[Message]:
    """claim() for many, in one transaction per 100; if one is refused, each on its own.
    Returns the ones this sender holds."""
    held: list[Message] = []
    for start in range(0, len(messages), 100):
        chunk = messages[start : start + 100]
        if len(chunk) > 1:
            with transaction(tolerate={"message"}) as tx:
                for m in chunk:
                    tx.update(
                        NotificationModel(m.message_id),
                        actions=_claim_actions(lease_until),
                        condition=_claim_condition(m),
                        tag="message",
                    )
            if not tx.refused:
                held += chunk
                continue
        held += [m for m in chunk if claim(m, lease_until)]
    return held


def postpone(message: Message, until: datetime) -> bool:
    """Move a queued message's next try (quiet hours), unless another sender has it."""
    actions = [NotificationModel.next_attempt_at.set(key_time(until))]
    return _update_if(message.message_id, actions, _claim_condition(message))


# A settled message (sent, failed, given up) is kept this long for who-was-told-what, then
# DynamoDB's TTL removes it.
KEEP_SETTLED = timedelta(days=180)


def _sent_actions(message: Message, now: datetime) -> list[Action]:
    actions: list[Action] = [
        NotificationModel.status.set("sent"),
        NotificationModel.sent_at.set(now),
        NotificationModel.expires_at.set(now + KEEP_SETTLED),
        NotificationModel.queue.remove(),
        NotificationModel.next_attempt_at.remove(),
        NotificationModel.last_error.remove(),
    ]
    if message.redacted is not None:
        actions.append(NotificationModel.text.set(message.redacted))
    return actions


def mark_sent(message: Message, now: datetime) -> None:
    # Only a queued message becomes sent: two drains racing on one message send it once more
    # at worst, and never mark it twice.
    _update_queued(message.message_id, _sent_actions(message, now))


def mark_sent_many(messages: list[Message], now: datetime) -> None:
    """mark_sent for many messages in one transaction (per 100); if it is refused (one of
    them settled by another run), each is marked on its own."""
    for start in range(0, len(messages), 100):
        chunk = messages[start : start + 100]
        if len(chunk) == 1:
            mark_sent(chunk[0], now)
            continue
        with transaction(tolerate={"message"}) as tx:
            for m in chunk:
                tx.update(
                    NotificationModel(m.message_id),
                    actions=_sent_actions(m, now),
                    condition=NotificationModel.status == QUEUED,
                    tag="message",
                )
        if tx.refused:
            for m in chunk:
                mark_sent(m, now)


def _update_queued(message_id: str, actions: Sequence[Action]) -> bool:
    """Update a message that is still queued; False if another run already settled it."""
    return _update_if(message_id, actions, NotificationModel.status == QUEUED)


def _update_if(message_id: str, actions: Sequence[Action], condition: Condition) -> bool:
    return applied(lambda: NotificationModel(message_id).update(actions=list(actions), condition=condition))


def mark_failed(
    message: Message, reason: str, next_attempt_at: datetime | None, final: str = "given_up"
) -> None:
    """A failed try (counted when it was claimed): back in the queue for next_attempt_at, or
    settled as `final` (None): "failed" when the address was refused, "given_up" when the
    tries ran out."""
    actions: list[Action] = [NotificationModel.last_error.set(reason)]
    if next_attempt_at is None:
        actions += [
            NotificationModel.status.set(final),
            NotificationModel.queue.remove(),
            NotificationModel.next_attempt_at.remove(),
            NotificationModel.expires_at.set(message.created_at + KEEP_SETTLED),
        ]
        if message.redacted is not None:
            actions.append(NotificationModel.text.set(message.redacted))
    else:
        actions.append(NotificationModel.next_attempt_at.set(key_time(next_attempt_at)))
    _update_queued(message.message_id, actions)


def due(now: datetime, limit: int = 100) -> list[Message]:
    rows = NotificationModel.by_queue.query(
        QUEUED, NotificationModel.next_attempt_at <= key_time(now), limit=limit
    )
    return [_message(m) for m in rows]
