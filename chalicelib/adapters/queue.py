"""SQS: a job's units handed to the queue its consumers read (the reminders' fan-out)."""

from __future__ import annotations

from functools import cache

from chalicelib.adapters.aws import client, on_reset

# SendMessageBatch takes at most 10 entries.
BATCH = 10


class QueueError(Exception):
    """SQS refused some of the messages even after the SDK's retries."""


@cache
def _url(queue_name: str) -> str:
    return str(client("sqs").get_queue_url(QueueName=queue_name)["QueueUrl"])


def send_all(queue_name: str, bodies: list[str]) -> int:
    """Send every body, 10 to a call; a call's failed entries are sent once more, then
    QueueError. Returns how many were sent (a unit sent twice is harmless: the consumers'
    claims make it a no-op)."""
    url = _url(queue_name)
    for start in range(0, len(bodies), BATCH):
        entries = [
            {"Id": str(n), "MessageBody": body} for n, body in enumerate(bodies[start : start + BATCH])
        ]
        for _ in range(2):
            failed = {
                f["Id"]
                for f in client("sqs").send_message_batch(QueueUrl=url, Entries=entries).get("Failed", [])
            }
            entries = [e for e in entries if e["Id"] in failed]
            if not entries:
                break
        if entries:
            raise QueueError(f"{len(entries)} messages refused by {queue_name}")
    return len(bodies)


def forget() -> None:
    """Forget the queues' URLs (tests start moto afresh)."""
    _url.cache_clear()


on_reset(forget)
