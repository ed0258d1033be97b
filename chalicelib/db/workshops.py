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
Assignments and submissions: db/workshop_assignments.py; announcements, discussions,
activities and briefings: db/workshop_activities.py.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from pynamodb.exceptions import DoesNotExist

from chalicelib.db.common import key_time
from chalicelib.db.models import ClaimModel, WorkshopModel
from chalicelib.db.writes import failing_as, transaction
from chalicelib.domain.errors import ConflictError, NotFoundError
from chalicelib.domain.workshops import (
    Member,
    Workshop,
)

WORKSHOP = "workshop"
HOST = "host"
MEMBERS_PER_TRANSACTION = 45  # 2 items a change and the workshop: 91 of DynamoDB's 100


def member_claim(programme_id: str, enrolment_id: str) -> str:
    return f"workshop-member#{programme_id}#{enrolment_id}"


def whole(value: float | None) -> int:
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
        members=whole(m.members),
        briefings=whole(m.briefings),
        submissions=whole(m.submissions),
        graded=whole(m.graded),
        grading_seconds=whole(m.grading_seconds),
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


# --- a workshop's other items (db/workshop_assignments.py, db/workshop_activities.py) -----------


def items_of(workshop_id: str, prefix: str) -> list[WorkshopModel]:
    return list(
        WorkshopModel.query(workshop_id, WorkshopModel.item_key.startswith(prefix), consistent_read=True)
    )


def item_of(workshop_id: str, key: str) -> WorkshopModel | None:
    try:
        return WorkshopModel.get(workshop_id, key, consistent_read=True)
    except DoesNotExist:
        return None
