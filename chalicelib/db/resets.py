"""Password-reset codes: one live code per phone, its tries, the day's count.

Access patterns: one transaction puts the code (under "not sent within the interval"), counts
it among the phone's codes of the day (under the daily limit) and records its SMS; GetItem
then UpdateItem (tries left, under the condition of a try left) to spend a try; DeleteItem
once used."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from pynamodb.exceptions import DoesNotExist

from chalicelib.db.models import CounterModel, ResetCodeModel
from chalicelib.db.outbox import message_item
from chalicelib.db.writes import applied, transaction
from chalicelib.domain.records import Message


@dataclass(frozen=True)
class ResetCode:
    phone: str
    code_hash: str  # keyed digest (adapters/crypto.py)
    tries: int
    sent_at: datetime
    expires_at: datetime


def put_reset_code(
    code: ResetCode, resend_after: datetime, day_key: str, per_day: int, message: Message
) -> bool:
    """The phone's new code, its SMS and one more of the day's codes, all or nothing; False
    (nothing written) while the last code was sent less than the interval ago, or when the
    phone had its codes for the day."""
    with transaction(tolerate={"recent", "daily"}) as tx:
        tx.save(
            ResetCodeModel(
                code.phone,
                code_hash=code.code_hash,
                tries_left=code.tries,
                sent_at=code.sent_at,
                expires_at=code.expires_at,
            ),
            condition=ResetCodeModel.phone.does_not_exist() | (ResetCodeModel.sent_at < resend_after),
            tag="recent",
        )
        tx.update(
            CounterModel(day_key),
            actions=[
                CounterModel.value.add(1),
                CounterModel.expires_at.set(code.sent_at + timedelta(days=2)),
            ],
            condition=CounterModel.value.does_not_exist() | (CounterModel.value < per_day),
            tag="daily",
        )
        tx.save(message_item(message))
    return not tx.refused


def take_reset_try(phone: str, now: datetime) -> str | None:
    """Spend one try of the phone's live code (a condition on tries left, so tries sent at once
    each count); the code's hash, or None when there is no live code or no try left."""
    try:
        m = ResetCodeModel.get(phone, consistent_read=True)
    except DoesNotExist:
        return None
    if m.expires_at <= now or m.tries_left <= 0:
        return None
    spent = applied(
        lambda: m.update(
            actions=[ResetCodeModel.tries_left.add(-1)],
            condition=(ResetCodeModel.tries_left > 0) & (ResetCodeModel.sent_at == m.sent_at),
        )
    )
    return str(m.code_hash) if spent else None


def end_reset_code(phone: str) -> None:
    ResetCodeModel(phone).delete()
