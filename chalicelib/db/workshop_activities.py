"""What goes on in a workshop besides assignments, in its partition (db/workshops.py):
announcements, discussions (topics, replies, a hidden reply on the record), offline
activities and their check-ins, briefings.

Access patterns: an announcement: its item and its SMS (outbox) in transactions of
MESSAGES_PER_TRANSACTION; a topic, a reply: Put (a reply with the topic's count + 1); a hidden
reply: the reply (Update) and its audit entry (Put) in one transaction; a check-in: Put if
not exists with the activity's count + 1; a briefing: Put with the workshop's `briefings` + 1;
each kind: Query begins_with its prefix (strong)."""

from __future__ import annotations

from datetime import date, datetime

from pynamodb.expressions.condition import Condition

from chalicelib.db.audit import audit_item
from chalicelib.db.common import key_time
from chalicelib.db.models import NotificationModel, WorkshopModel
from chalicelib.db.outbox import message_item
from chalicelib.db.workshops import WORKSHOP, item_of, items_of, whole
from chalicelib.db.writes import transaction
from chalicelib.domain.errors import NotFoundError
from chalicelib.domain.records import AuditEntry, Message
from chalicelib.domain.workshops import (
    Activity,
    Announcement,
    Briefing,
    Reply,
    Topic,
)

MESSAGES_PER_TRANSACTION = 90


def _announcement(m: WorkshopModel) -> Announcement:
    return Announcement(
        m.item_id or "", m.workshop_id, m.text or "", bool(m.sms), m.created_at, whole(m.recipients)
    )


def announcement(workshop_id: str, announcement_id: str) -> Announcement | None:
    """One announcement by its id (a workshop's are dozens: one strong Query of its kind)."""
    found = (m for m in items_of(workshop_id, "announcement#") if m.item_id == announcement_id)
    return next((_announcement(m) for m in found), None)


def add_announcement(a: Announcement, messages: list[Message], posted: bool = False) -> None:
    """The announcement with its first SMS, then the rest, MESSAGES_PER_TRANSACTION a
    transaction. Each item is put only if it is not there yet, so the same announcement sent
    again (`posted`: a retry of a request that stopped half-way, its ids the same) writes
    what is missing and nothing twice."""
    item = WorkshopModel(
        a.workshop_id,
        f"announcement#{key_time(a.created_at)}#{a.announcement_id}",
        item_id=a.announcement_id,
        text=a.text,
        sms=a.sms,
        recipients=a.recipients,
        created_at=a.created_at,
    )
    pending: list[tuple[str, WorkshopModel | NotificationModel]] = [] if posted else [("post", item)]
    pending += [(m.message_id, message_item(m)) for m in messages]
    for start in range(0, len(pending), MESSAGES_PER_TRANSACTION):
        _put_missing(pending[start : start + MESSAGES_PER_TRANSACTION])


def _absent(item: WorkshopModel | NotificationModel) -> Condition:
    if isinstance(item, WorkshopModel):
        condition: Condition = WorkshopModel.item_key.does_not_exist()
    else:
        condition = NotificationModel.message_id.does_not_exist()
    return condition


def _put_missing(items: list[tuple[str, WorkshopModel | NotificationModel]]) -> None:
    """Put each item unless it exists: a transaction refused for some is sent again without them."""
    while items:
        with transaction(tolerate={tag for tag, _ in items}) as tx:
            for tag, item in items:
                tx.save(item, condition=_absent(item), tag=tag)
        if not tx.refused:
            return
        items = [(tag, item) for tag, item in items if tag not in tx.refused]


def announcements(workshop_id: str) -> list[Announcement]:
    return [_announcement(m) for m in reversed(items_of(workshop_id, "announcement#"))]


def _topic(m: WorkshopModel) -> Topic:
    return Topic(
        m.item_id or "",
        m.workshop_id,
        m.title or "",
        m.body or "",
        m.author_name or "",
        m.created_at,
        whole(m.replies),
    )


def add_topic(t: Topic) -> None:
    WorkshopModel(
        t.workshop_id,
        f"topic#{t.topic_id}",
        item_id=t.topic_id,
        title=t.title,
        body=t.body,
        author_name=t.author_name,
        replies=0,
        created_at=t.created_at,
    ).save(condition=WorkshopModel.item_key.does_not_exist())


def topics(workshop_id: str) -> list[Topic]:
    return sorted(
        (_topic(m) for m in items_of(workshop_id, "topic#")), key=lambda t: t.created_at, reverse=True
    )


def topic(workshop_id: str, topic_id: str) -> Topic | None:
    m = item_of(workshop_id, f"topic#{topic_id}")
    return _topic(m) if m else None


def _reply(m: WorkshopModel) -> Reply:
    return Reply(
        m.item_id or "",
        m.parent_id or "",
        m.workshop_id,
        m.account_id or "",
        m.author_name or "",
        m.body or "",
        m.created_at,
        m.hidden_at,
        m.hidden_by,
    )


def add_reply(r: Reply) -> None:
    with transaction(errors={"topic": NotFoundError("topic_not_found")}) as tx:
        tx.update(
            WorkshopModel(r.workshop_id, f"topic#{r.topic_id}"),
            actions=[WorkshopModel.replies.add(1)],
            condition=WorkshopModel.item_key.exists(),
            tag="topic",
        )
        tx.save(
            WorkshopModel(
                r.workshop_id,
                f"reply#{r.reply_id}",
                item_id=r.reply_id,
                parent_id=r.topic_id,
                account_id=r.author_id,
                author_name=r.author_name,
                body=r.body,
                created_at=r.created_at,
            ),
            condition=WorkshopModel.item_key.does_not_exist(),
        )


def replies(workshop_id: str, topic_id: str) -> list[Reply]:
    return sorted((_reply(m) for m in items_of(workshop_id, f"reply#{topic_id}")), key=lambda r: r.created_at)


def reply(workshop_id: str, reply_id: str) -> Reply | None:
    m = item_of(workshop_id, f"reply#{reply_id}")
    return _reply(m) if m else None


def hide_reply(r: Reply, entry: AuditEntry) -> bool:
    """Hide the reply, on the record, and take it off its topic's count; False if it was
    already hidden (nothing written)."""
    with transaction(tolerate={"shown"}) as tx:
        tx.update(
            WorkshopModel(r.workshop_id, f"reply#{r.reply_id}"),
            actions=[WorkshopModel.hidden_at.set(entry.at), WorkshopModel.hidden_by.set(entry.actor_id)],
            condition=WorkshopModel.hidden_at.does_not_exist(),
            tag="shown",
        )
        # the topic counts the replies its members see
        tx.update(
            WorkshopModel(r.workshop_id, f"topic#{r.topic_id}"), actions=[WorkshopModel.replies.add(-1)]
        )
        tx.save(audit_item(entry))
    return not tx.refused


def _activity(m: WorkshopModel) -> Activity:
    return Activity(
        m.item_id or "",
        m.workshop_id,
        m.title or "",
        date.fromisoformat(m.day or "1970-01-01"),
        m.place or "",
        m.created_at,
        whole(m.checkins),
    )


def add_activity(a: Activity) -> None:
    WorkshopModel(
        a.workshop_id,
        f"activity#{a.activity_id}",
        item_id=a.activity_id,
        title=a.title,
        day=a.date.isoformat(),
        place=a.place,
        checkins=0,
        created_at=a.created_at,
    ).save(condition=WorkshopModel.item_key.does_not_exist())


def activities(workshop_id: str) -> list[Activity]:
    return sorted((_activity(m) for m in items_of(workshop_id, "activity#")), key=lambda a: a.date)


def activity(workshop_id: str, activity_id: str) -> Activity | None:
    m = item_of(workshop_id, f"activity#{activity_id}")
    return _activity(m) if m else None


def check_in(a: Activity, account_id: str, now: datetime) -> bool:
    """A member's check-in, once (False: already checked in, nothing written)."""
    with transaction(tolerate={"once"}) as tx:
        tx.save(
            WorkshopModel(
                a.workshop_id,
                f"checkin#{a.activity_id}#{account_id}",
                parent_id=a.activity_id,
                account_id=account_id,
                created_at=now,
            ),
            condition=WorkshopModel.item_key.does_not_exist(),
            tag="once",
        )
        tx.update(
            WorkshopModel(a.workshop_id, f"activity#{a.activity_id}"), actions=[WorkshopModel.checkins.add(1)]
        )
    return not tx.refused


def checked_in(workshop_id: str, activity_id: str) -> set[str]:
    return {m.account_id or "" for m in items_of(workshop_id, f"checkin#{activity_id}#")}


def _briefing(m: WorkshopModel) -> Briefing:
    return Briefing(
        m.item_id or "",
        m.workshop_id,
        m.title or "",
        m.body or "",
        tuple(str(i) for i in m.image_ids or ()),
        m.created_at,
    )


def add_briefing(b: Briefing) -> None:
    with transaction() as tx:
        tx.save(
            WorkshopModel(
                b.workshop_id,
                f"briefing#{key_time(b.created_at)}#{b.briefing_id}",
                item_id=b.briefing_id,
                title=b.title,
                body=b.body,
                image_ids=list(b.image_ids),
                created_at=b.created_at,
            ),
            condition=WorkshopModel.item_key.does_not_exist(),
        )
        tx.update(WorkshopModel(b.workshop_id, WORKSHOP), actions=[WorkshopModel.briefings.add(1)])


def briefings(workshop_id: str) -> list[Briefing]:
    return [_briefing(m) for m in items_of(workshop_id, "briefing#")]
