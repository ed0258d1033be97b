"""The region contact's roster: add, view, modify, delete, confirm; the office's unlock and
replacement (audited)."""

from __future__ import annotations

import json
from dataclasses import asdict, replace
from datetime import datetime
from typing import Any

from chalicelib.adapters import clock, secrets
from chalicelib.config import settings
from chalicelib.db import accounts, catalog, rosters
from chalicelib.db import audit as audit_trail
from chalicelib.db.common import key_time
from chalicelib.domain import accounts as account_rules
from chalicelib.domain.accounts import mask_email, mask_phone
from chalicelib.domain.errors import ConflictError, NotFoundError, ValidationFailedError
from chalicelib.domain.notifications import (
    as_email,
    base_told_sms,
    credentials_sms,
    leader_told_sms,
    rostered_sms,
)
from chalicelib.domain.records import Account, AuditEntry, Batch, Message, Session, Trainee
from chalicelib.domain.rosters import LEADER, TRAINEE_FIELDS, check_one_leader
from chalicelib.domain.vocab import STAGE_NAMES_ZH, Role, Stage
from chalicelib.observability import logger
from chalicelib.services import notify
from chalicelib.services.auth import credentials_emails


def _fields(data: dict[str, Any]) -> dict[str, Any]:
    return {k: data.get(k) for k in TRAINEE_FIELDS}


def batch_line(batch: Batch, base_name: str = "") -> str:
    stage = STAGE_NAMES_ZH[Stage(batch.stage)]
    return f"{base_name}{stage}，{batch.start_date.isoformat()}至{batch.end_date.isoformat()}"


def _shanghai(moment: Any) -> str:
    return moment.astimezone(clock.SHANGHAI).strftime("%Y-%m-%d %H:%M")


def readable_batch(session: Session, batch_id: str) -> Batch:
    """The batch, if the caller may see it: the office; the region contact of its region;
    the base contact of its base. Anyone else: 404 (its existence is not theirs to know)."""
    batch = catalog.get_batch(batch_id)
    if batch is None or not _may_read(session, batch):
        raise NotFoundError("batch_not_found")
    return batch


def _may_read(session: Session, batch: Batch) -> bool:
    if session.role == Role.admin:
        return True
    if session.role == Role.region_contact:
        return batch.region_id is not None and batch.region_id in session.region_ids
    if session.role == Role.base_contact:
        return batch.base_id in session.base_ids and batch.region_id is not None
    return False


def _own_batch(session: Session, batch_id: str) -> Batch:
    """A batch the caller's region holds (region contacts write only their own rosters)."""
    batch = readable_batch(session, batch_id)
    if session.role != Role.region_contact:
        raise NotFoundError("batch_not_found")
    return batch


def readable_trainee(session: Session, trainee_id: str) -> tuple[Trainee, Batch]:
    trainee = rosters.get(trainee_id)
    if trainee is None:
        raise NotFoundError("trainee_not_found")
    batch = catalog.get_batch(trainee.batch_id)
    if batch is None or not _may_read(session, batch):
        raise NotFoundError("trainee_not_found")
    return trainee, batch


def _reopened_audit(
    session: Session, batch: Batch, action: str, before: Trainee | None, after: Trainee | None
) -> AuditEntry | None:
    """On a roster the office reopened (it was confirmed once), every change is on record."""
    if batch.confirmed_at is None:
        return None
    return AuditEntry(
        batch.batch_id,
        session.account_id,
        action,
        "",
        clock.now(),
        _snapshot(before) if before else None,
        _snapshot(after) if after else None,
    )


def add(session: Session, batch_id: str, data: dict[str, Any]) -> Trainee:
    batch = _own_batch(session, batch_id)
    now = clock.now()
    trainee = new_trainee(batch, data, now)
    rosters.add(
        trainee, capacity_guard=True, now=now, entry=_reopened_audit(session, batch, "add", None, trainee)
    )
    return trainee


def new_trainee(batch: Batch, data: dict[str, Any], now: datetime) -> Trainee:
    """A roster entry for an allocated batch, from the region contact's fields."""
    assert batch.region_id is not None
    trainee_id = secrets.new_id()
    return Trainee(
        trainee_id=trainee_id,
        batch_id=batch.batch_id,
        programme_id=batch.programme_id,
        region_id=batch.region_id,
        base_id=batch.base_id,
        start_date=batch.start_date,
        end_date=batch.end_date,
        created_key=f"{key_time(now)}#{trainee_id}",
        **_fields(data),
    )


def roster(session: Session, batch_id: str) -> list[Trainee]:
    return rosters.of_batch(readable_batch(session, batch_id).batch_id)


def change(session: Session, trainee_id: str, changes: dict[str, Any]) -> Trainee:
    trainee, batch = readable_trainee(session, trainee_id)
    if session.role != Role.region_contact:
        raise NotFoundError("trainee_not_found")
    updated = replace(trainee, **changes)
    if trainee.account_id and updated.phone != trainee.phone:
        # The phone is the person's login: a new phone is a new person, which the office replaces
        raise ConflictError("trainee_has_account")
    entry = _reopened_audit(session, batch, "change", trainee, updated)
    rosters.change(trainee, updated, clock.now(), entry)
    return updated


def remove(session: Session, trainee_id: str) -> None:
    trainee, batch = readable_trainee(session, trainee_id)
    if session.role != Role.region_contact:
        raise NotFoundError("trainee_not_found")
    rosters.remove(trainee, clock.now(), _reopened_audit(session, batch, "remove", trainee, None))


# --- confirmation -----------------------------------------------------------------------


def _team_messages(batch: Batch, team: list[Trainee], region_name: str) -> list[Message]:
    """The base contact learns who comes when and the team leader's phone; the leader learns
    the base contact's (the seed: the 团长 contacts the base)."""
    base = catalog.get_base(batch.base_id)
    contact = accounts.get_account(base.contact_account_id) if base else None
    leader = next((t for t in team if t.team_role == LEADER), None)
    if base is None or contact is None or leader is None:
        return []
    line = batch_line(batch)
    to_base = base_told_sms(base.name, region_name, line, len(team), leader.name, leader.phone)
    out = [notify.sms("roster_confirmed", contact.account_id, contact.phone, to_base)]
    if contact.email:
        out.append(
            notify.email(
                "roster_confirmed",
                contact.account_id,
                contact.email,
                f"研修批次名单已确认：{region_name}",
                to_base.removeprefix("【研修平台】"),
            )
        )
    to_leader = leader_told_sms(leader.name, base.name, line, contact.name, contact.phone)
    out.append(notify.sms("team_leader", leader.account_id, leader.phone, to_leader))
    if leader.email:
        subject = f"研修批次团长：{base.name}"
        out.append(notify.email("team_leader", leader.account_id, leader.email, subject, as_email(to_leader)))
    return out


def _existing_accounts(team: list[Trainee]) -> dict[str, Account]:
    """The trainee accounts the team's phones already have. A phone of another role's
    account (a contact, the office) cannot be a trainee's: 409 naming the trainee."""
    creds = accounts.get_credentials({t.phone for t in team})
    owners = accounts.get_accounts({c.account_id for c in creds.values() if c.account_id})
    found = {}
    for t in team:
        cred = creds.get(t.phone)
        owner = owners.get(cred.account_id) if cred and cred.account_id else None
        if owner is None:
            continue
        if owner.role != Role.trainee:
            raise ConflictError(
                "phone_taken", fields={t.trainee_id: f"{t.name}的手机号已被其他角色的账号使用"}
            )
        found[t.phone] = owner
    return found


def _provisioning(
    trainee: Trainee, existing: Account | None, batch: Batch, registration_deadline: str
) -> rosters.Provisioning:
    """The account and SMS a newly confirmed trainee gets: the credentials (a new account), or
    a note of the new batch (an existing trainee account of that phone)."""
    site = settings().site_url
    if existing is not None:
        text = rostered_sms(trainee.name, batch_line(batch), registration_deadline, site)
        also = (
            (notify.email("rostered", existing.account_id, trainee.email, "研修批次通知", as_email(text)),)
            if trainee.email
            else ()
        )
        return rosters.Provisioning(
            trainee,
            existing,
            False,
            notify.sms("rostered", existing.account_id, trainee.phone, text),
            also=also,
        )
    now = clock.now()
    account = Account(
        secrets.new_id(),
        Role.trainee,
        trainee.name,
        trainee.phone,
        trainee.email,
        now,
        home_region=trainee.region_id,  # its contact may reissue the credentials
    )
    password = secrets.new_password()
    then = f"请于{registration_deadline}前登录完成报到（研修批次：{batch_line(batch)}）。"
    text, redacted = credentials_sms(trainee.name, Role.trainee, trainee.phone, password, site, then)
    message = notify.sms("credentials", account.account_id, trainee.phone, text, redacted)
    return rosters.Provisioning(
        trainee,
        account,
        True,
        message,
        secrets.hash_password(password),
        now + account_rules.INITIAL_PASSWORD_TTL,
        also=tuple(credentials_emails(account, then)),
    )


def confirm(session: Session, batch_id: str) -> dict[str, Any]:
    """Lock the roster and give every trainee an account and an SMS, once. A second call
    (even a concurrent one) sends nothing; after a crash half-way it finishes the rest."""
    batch = _own_batch(session, batch_id)
    assert batch.region_id is not None
    team = rosters.of_batch(batch.batch_id)
    check_one_leader(t.team_role for t in team)
    existing = _existing_accounts(team)
    programme = catalog.get_programme(batch.programme_id)
    region = catalog.get_region(batch.region_id)
    assert programme is not None and region is not None
    messages = _team_messages(batch, team, region.name) if batch.roster_status == "open" else []
    locked = rosters.lock(batch, batch.region_id, clock.now(), messages, team)
    if not locked:
        # Another call locked it a moment ago: read what it wrote (a strongly consistent read).
        now_stored = catalog.get_batch(batch.batch_id, consistent=True)
        if now_stored is None or now_stored.roster_status != "confirmed":
            raise ConflictError("conflict")
    deadline = _shanghai(programme.registration_deadline)
    plans = [_provisioning(t, existing.get(t.phone), batch, deadline) for t in team if t.account_id is None]

    def reuse(p: rosters.Provisioning) -> rosters.Provisioning | None:
        """The phone's trainee account, opened meanwhile by another batch's confirmation."""
        account = _existing_accounts([p.trainee]).get(p.trainee.phone)
        return _provisioning(p.trainee, account, batch, deadline) if account else None

    provisioned = rosters.provision_many(plans, reuse)
    notify.deliver_all((messages if locked else []) + [m for p in provisioned for m in (p.message, *p.also)])
    sent = len(provisioned)
    logger.info(
        "roster confirmed",
        extra={"batch_id": batch.batch_id, "trainees": len(team), "sms": sent, "locked_now": locked},
    )
    return {
        "batch_id": batch.batch_id,
        "roster_status": "confirmed",
        "trainees": len(team),
        "accounts_provisioned": sent,
        "changed": locked or sent > 0,
    }


# --- the office: unlock, replace, audit ------------------------------------------------------


def _snapshot(t: Trainee) -> str:
    return json.dumps({k: v for k, v in asdict(t).items() if k in TRAINEE_FIELDS}, ensure_ascii=False)


def unlock(session: Session, batch_id: str, reason: str) -> Batch:
    batch = readable_batch(session, batch_id)
    now = clock.now()
    rosters.unlock(batch, AuditEntry(batch.batch_id, session.account_id, "unlock", reason, now))
    return replace(batch, roster_status="open")


def replace_trainee(session: Session, trainee_id: str, reason: str, data: dict[str, Any]) -> Trainee:
    old, batch = readable_trainee(session, trainee_id)
    now = clock.now()
    new_id = secrets.new_id()
    fresh: dict[str, Any] = {
        "trainee_id": new_id,
        "created_key": f"{key_time(now)}#{new_id}",
        "account_id": None,
        "registered_at": None,
        "checkins": frozenset(),
        "artifact_count": 0,
        "reflection_count": 0,
        "outcome_count": 0,
        "feedback": None,
        "feedback_at": None,
        **_fields(data),
    }
    new = replace(old, **fresh)
    if old.team_role == LEADER and new.team_role != LEADER:
        # A confirmed team keeps its one leader; an open roster can name another before confirming
        if batch.roster_status == "confirmed":
            raise ValidationFailedError(fields={"team_role": "替换团长时，新人员须为团长"})
    entry = AuditEntry(
        batch.batch_id, session.account_id, "replace", reason, now, _snapshot(old), _snapshot(new)
    )
    plan, messages = None, []
    if batch.roster_status == "confirmed":
        # Checked before anything is written: a phone of another role's account is refused (409)
        existing = _existing_accounts([new]).get(new.phone)
        programme = catalog.get_programme(batch.programme_id)
        assert programme is not None and batch.region_id is not None
        plan = _provisioning(new, existing, batch, _shanghai(programme.registration_deadline))
        if new.team_role == LEADER:
            # The base learns its new leader, and the new leader the base's contact
            region = catalog.get_region(batch.region_id)
            team = [t for t in rosters.of_batch(batch.batch_id) if t.trainee_id != old.trainee_id]
            leader = replace(new, account_id=plan.account.account_id)
            messages = _team_messages(batch, [*team, leader], region.name if region else "")
    rosters.replace_trainee(old, new, entry, plan, messages)
    notify.deliver_all(([plan.message, *plan.also] if plan else []) + messages)
    return rosters.get(new_id) or new


def audit(session: Session, batch_id: str) -> list[AuditEntry]:
    return audit_trail.audit_of(readable_batch(session, batch_id).batch_id)


def show_phone(session: Session, trainee: Trainee) -> str:
    """Who sees a trainee's whole phone: the office and the region contact who entered it;
    the base contact sees the team leader's (to reach the team), others masked."""
    if session.role in (Role.admin, Role.region_contact) or trainee.team_role == LEADER:
        return trainee.phone
    return mask_phone(trainee.phone)


def show_email(session: Session, trainee: Trainee) -> str | None:
    """A trainee's e-mail whole for the office and the region contact; masked like a phone
    for others (the base contact reaches the team through its leader's phone)."""
    if session.role in (Role.admin, Role.region_contact):
        return trainee.email
    return mask_email(trainee.email)
