"""国培 workshops: one partition per workshop in `workshops` (models.WorkshopModel says which
items it holds), and the claims that keep a trainee in one workshop.

A trainee is held to one workshop of a programme by the claim
"workshop-member#<programme_id>#<enrolment_id>" (owner: the workshop id), put with
attribute_not_exists in the transaction that writes the member; removing the member deletes
the claim under the condition that this workshop owns it. Their 学段 and 学科 are their
enrolment's, so one workshop per programme is one workshop of their 学段 and 学科.

Access patterns:
- a workshop: GetItem "workshop" (strong); a programme's: Query by_programme (a county: begins_with);
  an account's: Query by_account.
- a kind of item: Query the partition, begins_with its prefix (strong); one item: GetItem.
- members placed: transactions of MEMBERS_PER_TRANSACTION changes, each the member item and its
  claim, and the workshop's member count.
- a submission: one transaction: the assignment still open (ConditionCheck), the submission
  (Put if new, with the workshop's `submissions` + 1; else Update while ungraded).
- a grade: one transaction: the submission as read (version), the workshop's graded count and
  grading time on the first grade.
- an announcement: its item and its SMS (outbox) in transactions of 90.
- a hidden reply: the reply (Update) and its audit entry (Put) in one transaction.
- a check-in: Put if not exists with the activity's count + 1.
- a briefing: Put with the workshop's `briefings` + 1.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from pynamodb.exceptions import DoesNotExist

from chalicelib.db.audit import audit_item
from chalicelib.db.common import key_time
from chalicelib.db.models import ClaimModel, WorkshopModel
from chalicelib.db.outbox import message_item
from chalicelib.db.writes import applied, failing_as, transaction
from chalicelib.domain.errors import ConflictError, NotFoundError
from chalicelib.domain.records import AuditEntry, Message
from chalicelib.domain.workshops import (
    Activity,
    Announcement,
    Assignment,
    Briefing,
    Member,
    Reply,
    Submission,
    Topic,
    Workshop,
)

WORKSHOP = "workshop"
HOST = "host"
MEMBERS_PER_TRANSACTION = 45  # 2 items a change and the workshop: 91 of DynamoDB's 100
MESSAGES_PER_TRANSACTION = 90


def member_claim(programme_id: str, enrolment_id: str) -> str:
    return f"workshop-member#{programme_id}#{enrolment_id}"


def _n(value: float | None) -> int:
    return int(value or 0)


# --- the workshop -----------------------------------------------------------------------------


def _workshop(m: WorkshopModel) -> Workshop:
    return Workshop(
        workshop_id=m.workshop_id,
        programme_id=m.programme_id or "",
        region_id=m.region_id or "",
        name=m.name or "",
        stage=m.stage or "",
        subject=m.subject or "",
        host_enrolment_id=m.host_enrolment_id or "",
        host_account_id=m.host_account_id or "",
        host_name=m.host_name or "",
        created_at=m.created_at,
        theme=m.theme,
        plan=m.plan,
        plan_updated_at=m.plan_updated_at,
        members=_n(m.members),
        briefings=_n(m.briefings),
        submissions=_n(m.submissions),
        graded=_n(m.graded),
        grading_seconds=_n(m.grading_seconds),
        foreword=m.foreword,
        collection=tuple(str(i) for i in m.collection or ()),
    )


def create(w: Workshop) -> None:
    """The workshop and its host's item (the host finds it by account)."""
    with transaction() as tx:
        tx.save(
            WorkshopModel(
                w.workshop_id,
                WORKSHOP,
                programme_id=w.programme_id,
                region_id=w.region_id,
                name=w.name,
                stage=w.stage,
                subject=w.subject,
                host_enrolment_id=w.host_enrolment_id,
                host_account_id=w.host_account_id,
                host_name=w.host_name,
                members=0,
                briefings=0,
                submissions=0,
                graded=0,
                grading_seconds=0,
                created_at=w.created_at,
                programme_listing=w.programme_id,
                listing_key=f"{w.region_id}#{key_time(w.created_at)}#{w.workshop_id}",
            ),
            condition=WorkshopModel.workshop_id.does_not_exist(),
        )
        tx.save(
            WorkshopModel(
                w.workshop_id,
                HOST,
                enrolment_id=w.host_enrolment_id,
                account_id=w.host_account_id,
                created_at=w.created_at,
                member_account=w.host_account_id,
                member_key=w.workshop_id,
            )
        )


def get(workshop_id: str) -> Workshop | None:
    try:
        return _workshop(WorkshopModel.get(workshop_id, WORKSHOP, consistent_read=True))
    except DoesNotExist:
        return None


def of_programme(programme_id: str, region_id: str | None = None) -> list[Workshop]:
    condition = WorkshopModel.listing_key.startswith(f"{region_id}#") if region_id else None
    return [
        _workshop(m) for m in WorkshopModel.by_programme.query(programme_id, range_key_condition=condition)
    ]


def ids_of_account(account_id: str) -> list[str]:
    """The workshops an account hosts or is a member of."""
    return [m.workshop_id for m in WorkshopModel.by_account.query(account_id)]


def set_plan(workshop_id: str, theme: str, plan: str, now: datetime) -> None:
    with failing_as(NotFoundError("workshop_not_found")):
        WorkshopModel(workshop_id, WORKSHOP).update(
            actions=[
                WorkshopModel.theme.set(theme),
                WorkshopModel.plan.set(plan),
                WorkshopModel.plan_updated_at.set(now),
            ],
            condition=WorkshopModel.workshop_id.exists(),
        )


def set_collection(workshop_id: str, submission_ids: list[str], foreword: str) -> None:
    with failing_as(NotFoundError("workshop_not_found")):
        WorkshopModel(workshop_id, WORKSHOP).update(
            actions=[
                WorkshopModel.collection.set(submission_ids),  # type: ignore[arg-type]
                WorkshopModel.foreword.set(foreword),
            ],
            condition=WorkshopModel.workshop_id.exists(),
        )


# --- members ----------------------------------------------------------------------------------


def _member(m: WorkshopModel) -> Member:
    return Member(m.workshop_id, m.enrolment_id or "", m.account_id or "", m.author_name or "", m.unit or "")


def members(workshop_id: str) -> list[Member]:
    return [
        _member(m)
        for m in WorkshopModel.query(
            workshop_id, WorkshopModel.item_key.startswith("member#"), consistent_read=True
        )
    ]


def is_member(workshop_id: str, account_id: str) -> bool:
    return any(
        m.item_key.startswith("member#")
        for m in WorkshopModel.query(
            workshop_id,
            WorkshopModel.item_key.startswith("member#"),
            filter_condition=WorkshopModel.account_id == account_id,
            consistent_read=True,
        )
    )


def member_of(workshop_id: str, account_id: str) -> Member | None:
    found = [
        _member(m)
        for m in WorkshopModel.query(
            workshop_id,
            WorkshopModel.item_key.startswith("member#"),
            filter_condition=WorkshopModel.account_id == account_id,
            consistent_read=True,
        )
    ]
    return found[0] if found else None


def claims_of(programme_id: str, enrolment_ids: Iterable[str]) -> dict[str, str]:
    """{enrolment id: workshop id} of the trainees already placed in the programme."""
    keys = [member_claim(programme_id, e) for e in dict.fromkeys(enrolment_ids)]
    if not keys:
        return {}
    prefix = member_claim(programme_id, "")
    return {
        m.claim_key.removeprefix(prefix): m.owner for m in ClaimModel.batch_get(keys, consistent_read=True)
    }


def place(w: Workshop, add: list[Member], remove: list[str]) -> None:
    """Members in and out, MEMBERS_PER_TRANSACTION changes a transaction; a trainee placed
    in another workshop meanwhile refuses the transaction it is in (409 member_placed)."""
    changes: list[tuple[str, Member | str]] = [("add", m) for m in add] + [("remove", r) for r in remove]
    for start in range(0, len(changes), MEMBERS_PER_TRANSACTION):
        chunk = changes[start : start + MEMBERS_PER_TRANSACTION]
        delta = sum(1 if kind == "add" else -1 for kind, _ in chunk)
        with transaction(
            errors={"claim": ConflictError("member_placed"), "workshop": NotFoundError("workshop_not_found")}
        ) as tx:
            tx.update(
                WorkshopModel(w.workshop_id, WORKSHOP),
                actions=[WorkshopModel.members.add(delta)],
                condition=WorkshopModel.workshop_id.exists(),
                tag="workshop",
            )
            for kind, change in chunk:
                if isinstance(change, Member):
                    tx.save(
                        ClaimModel(member_claim(w.programme_id, change.enrolment_id), owner=w.workshop_id),
                        condition=ClaimModel.claim_key.does_not_exist(),
                        tag="claim",
                    )
                    tx.save(
                        WorkshopModel(
                            w.workshop_id,
                            f"member#{change.enrolment_id}",
                            enrolment_id=change.enrolment_id,
                            account_id=change.account_id,
                            author_name=change.name,
                            unit=change.unit,
                            created_at=w.created_at,
                            member_account=change.account_id,
                            member_key=w.workshop_id,
                        )
                    )
                else:
                    assert kind == "remove" and isinstance(change, str)
                    tx.delete(
                        ClaimModel(member_claim(w.programme_id, change)),
                        condition=ClaimModel.owner == w.workshop_id,
                        tag="claim",
                    )
                    tx.delete(WorkshopModel(w.workshop_id, f"member#{change}"))


# --- items ------------------------------------------------------------------------------------


def _items(workshop_id: str, prefix: str) -> list[WorkshopModel]:
    return list(
        WorkshopModel.query(workshop_id, WorkshopModel.item_key.startswith(prefix), consistent_read=True)
    )


def _one(workshop_id: str, key: str) -> WorkshopModel | None:
    try:
        return WorkshopModel.get(workshop_id, key, consistent_read=True)
    except DoesNotExist:
        return None


# assignments


def _assignment(m: WorkshopModel) -> Assignment:
    assert m.due_at is not None
    return Assignment(
        m.item_id or "", m.workshop_id, m.title or "", m.body or "", m.due_at, m.created_at, m.closed_at
    )


def add_assignment(a: Assignment) -> None:
    WorkshopModel(
        a.workshop_id,
        f"assignment#{a.assignment_id}",
        item_id=a.assignment_id,
        title=a.title,
        body=a.description,
        due_at=a.due_at,
        created_at=a.created_at,
    ).save(condition=WorkshopModel.item_key.does_not_exist())


def assignments(workshop_id: str) -> list[Assignment]:
    return sorted((_assignment(m) for m in _items(workshop_id, "assignment#")), key=lambda a: a.created_at)


def assignment(workshop_id: str, assignment_id: str) -> Assignment | None:
    m = _one(workshop_id, f"assignment#{assignment_id}")
    return _assignment(m) if m else None


def close_assignment(a: Assignment, now: datetime) -> None:
    applied(
        lambda: WorkshopModel(a.workshop_id, f"assignment#{a.assignment_id}").update(
            actions=[WorkshopModel.closed_at.set(now)],
            condition=WorkshopModel.closed_at.does_not_exist(),
        )
    )


# submissions


def _submission(m: WorkshopModel) -> Submission:
    assert m.submitted_at is not None and m.first_submitted_at is not None
    return Submission(
        submission_id=m.item_id or "",
        assignment_id=m.parent_id or "",
        workshop_id=m.workshop_id,
        enrolment_id=m.enrolment_id or "",
        account_id=m.account_id or "",
        author_name=m.author_name or "",
        body=m.body or "",
        image_ids=tuple(str(i) for i in m.image_ids or ()),
        submitted_at=m.submitted_at,
        first_submitted_at=m.first_submitted_at,
        late=bool(m.late),
        version=_n(m.version),
        score=int(m.score) if m.score is not None else None,
        suggestion=m.suggestion,
        graded_at=m.graded_at,
    )


def submissions(workshop_id: str, assignment_id: str) -> list[Submission]:
    return sorted(
        (_submission(m) for m in _items(workshop_id, f"submission#{assignment_id}")),
        key=lambda s: s.submitted_at,
    )


def all_submissions(workshop_id: str) -> list[Submission]:
    return [_submission(m) for m in _items(workshop_id, "submission#")]


def submission(workshop_id: str, submission_id: str) -> Submission | None:
    m = _one(workshop_id, f"submission#{submission_id}")
    return _submission(m) if m else None


def _open_assignment(tx: object, s: Submission) -> None:
    assert hasattr(tx, "condition_check")
    tx.condition_check(
        WorkshopModel,
        s.workshop_id,
        f"assignment#{s.assignment_id}",
        condition=WorkshopModel.closed_at.does_not_exist(),
        tag="open",
    )


CLOSED = ConflictError("assignment_closed")


def submit(s: Submission) -> Submission:
    """The first submission (counted on the workshop), or a new version of one not yet
    graded (409 already_graded once it is; assignment_closed once the host closed it)."""
    with transaction(errors={"open": CLOSED}, tolerate={"new"}) as tx:
        _open_assignment(tx, s)
        tx.save(
            WorkshopModel(
                s.workshop_id,
                f"submission#{s.submission_id}",
                item_id=s.submission_id,
                parent_id=s.assignment_id,
                enrolment_id=s.enrolment_id,
                account_id=s.account_id,
                author_name=s.author_name,
                body=s.body,
                image_ids=list(s.image_ids),
                submitted_at=s.submitted_at,
                first_submitted_at=s.submitted_at,
                late=s.late,
                version=1,
                created_at=s.submitted_at,
            ),
            condition=WorkshopModel.item_key.does_not_exist(),
            tag="new",
        )
        tx.update(
            WorkshopModel(s.workshop_id, WORKSHOP),
            actions=[WorkshopModel.submissions.add(1)],
        )
    if not tx.refused:
        return s
    old = submission(s.workshop_id, s.submission_id)
    assert old is not None
    with transaction(errors={"open": CLOSED, "ungraded": ConflictError("already_graded")}) as tx2:
        _open_assignment(tx2, s)
        tx2.update(
            WorkshopModel(s.workshop_id, f"submission#{s.submission_id}"),
            actions=[
                WorkshopModel.body.set(s.body),
                WorkshopModel.image_ids.set(list(s.image_ids)),  # type: ignore[arg-type]
                WorkshopModel.submitted_at.set(s.submitted_at),
                WorkshopModel.late.set(s.late),
                WorkshopModel.version.add(1),
            ],
            condition=WorkshopModel.graded_at.does_not_exist(),
            tag="ungraded",
        )
    return Submission(
        **{
            **s.__dict__,
            "first_submitted_at": old.first_submitted_at,
            "version": old.version + 1,
        }
    )


def grade(s: Submission, score: int, suggestion: str, now: datetime) -> None:
    """The grade on the submission as read (409 stale_version if it was resubmitted since);
    the workshop's graded count and grading time on its first grade."""
    first = s.graded_at is None
    with transaction(errors={"submission": ConflictError("stale_version")}) as tx:
        tx.update(
            WorkshopModel(s.workshop_id, f"submission#{s.submission_id}"),
            actions=[
                WorkshopModel.score.set(score),
                WorkshopModel.suggestion.set(suggestion),
                WorkshopModel.graded_at.set(s.graded_at or now),
            ],
            condition=(WorkshopModel.version == s.version)
            & (WorkshopModel.graded_at.does_not_exist() if first else WorkshopModel.graded_at.exists()),
            tag="submission",
        )
        if first:
            seconds = max(0, int((now - s.first_submitted_at).total_seconds()))
            tx.update(
                WorkshopModel(s.workshop_id, WORKSHOP),
                actions=[WorkshopModel.graded.add(1), WorkshopModel.grading_seconds.add(seconds)],
            )


# announcements


def _announcement(m: WorkshopModel) -> Announcement:
    return Announcement(
        m.item_id or "", m.workshop_id, m.text or "", bool(m.sms), m.created_at, _n(m.recipients)
    )


def add_announcement(a: Announcement, messages: list[Message]) -> None:
    """The announcement with its first SMS; the rest of the SMS after it, 90 a transaction."""
    first, rest = messages[:MESSAGES_PER_TRANSACTION], messages[MESSAGES_PER_TRANSACTION:]
    with transaction() as tx:
        tx.save(
            WorkshopModel(
                a.workshop_id,
                f"announcement#{key_time(a.created_at)}#{a.announcement_id}",
                item_id=a.announcement_id,
                text=a.text,
                sms=a.sms,
                recipients=a.recipients,
                created_at=a.created_at,
            ),
            condition=WorkshopModel.item_key.does_not_exist(),
        )
        for message in first:
            tx.save(message_item(message))
    for start in range(0, len(rest), MESSAGES_PER_TRANSACTION):
        with transaction() as more:
            for message in rest[start : start + MESSAGES_PER_TRANSACTION]:
                more.save(message_item(message))


def announcements(workshop_id: str) -> list[Announcement]:
    return [_announcement(m) for m in reversed(_items(workshop_id, "announcement#"))]


# discussions


def _topic(m: WorkshopModel) -> Topic:
    return Topic(
        m.item_id or "",
        m.workshop_id,
        m.title or "",
        m.body or "",
        m.author_name or "",
        m.created_at,
        _n(m.replies),
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
        (_topic(m) for m in _items(workshop_id, "topic#")), key=lambda t: t.created_at, reverse=True
    )


def topic(workshop_id: str, topic_id: str) -> Topic | None:
    m = _one(workshop_id, f"topic#{topic_id}")
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
    return sorted((_reply(m) for m in _items(workshop_id, f"reply#{topic_id}")), key=lambda r: r.created_at)


def reply(workshop_id: str, reply_id: str) -> Reply | None:
    m = _one(workshop_id, f"reply#{reply_id}")
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


# activities


def _activity(m: WorkshopModel) -> Activity:
    return Activity(
        m.item_id or "",
        m.workshop_id,
        m.title or "",
        date.fromisoformat(m.day or "1970-01-01"),
        m.place or "",
        m.created_at,
        _n(m.checkins),
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
    return sorted((_activity(m) for m in _items(workshop_id, "activity#")), key=lambda a: a.date)


def activity(workshop_id: str, activity_id: str) -> Activity | None:
    m = _one(workshop_id, f"activity#{activity_id}")
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
    return {m.account_id or "" for m in _items(workshop_id, f"checkin#{activity_id}#")}


# briefings


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
    return [_briefing(m) for m in _items(workshop_id, "briefing#")]
