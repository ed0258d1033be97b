"""A roster's confirmation (最终确认): the lock, each trainee's account (new, or the one their
phone already has) and SMS, once; the base and the 团长 told of each other."""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib.adapters import clock, secrets
from chalicelib.config import settings
from chalicelib.db import accounts, catalog, confirmation, trainees
from chalicelib.domain import accounts as account_rules
from chalicelib.domain.errors import ConflictError, problem
from chalicelib.domain.notifications import (
    as_email,
    base_told_sms,
    credentials_sms,
    leader_told_sms,
    rostered_sms,
)
from chalicelib.domain.records import Account, Batch, Message, Session, Trainee
from chalicelib.domain.rosters import LEADER, check_one_leader
from chalicelib.domain.vocab import Role
from chalicelib.observability import count, logger
from chalicelib.services import notify
from chalicelib.services.auth import credentials_emails
from chalicelib.services.rosters import batch_line, local_time, own_batch


def team_messages(batch: Batch, team: list[Trainee], region_name: str) -> list[Message]:
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


def existing_accounts(team: list[Trainee]) -> dict[str, Account]:
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
                "phone_taken", fields={t.trainee_id: problem("phone_of_another_role", name=t.name)}
            )
        found[t.phone] = owner
    return found


def provisioning(
    trainee: Trainee, existing: Account | None, batch: Batch, registration_deadline: str
) -> confirmation.Provisioning:
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
        sms = notify.sms("rostered", existing.account_id, trainee.phone, text)
        return confirmation.Provisioning(trainee, existing, False, sms, also=also)
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
    return confirmation.Provisioning(
        trainee,
        account,
        True,
        message,
        secrets.hash_initial_password(password),
        now + account_rules.INITIAL_PASSWORD_TTL,
        also=tuple(credentials_emails(account, then)),
    )


@dataclass(frozen=True)
class RosterConfirmation:
    batch_id: str
    roster_status: str
    trainees: int
    accounts_provisioned: int
    changed: bool  # false: confirmed already, nothing left to do


def confirm(session: Session, batch_id: str) -> RosterConfirmation:
    """Lock the roster and give every trainee an account and an SMS, once. A second call
    (even a concurrent one) sends nothing; after a crash half-way it finishes the rest."""
    batch = own_batch(session, batch_id)
    assert batch.region_id is not None
    team = trainees.of_batch(batch.batch_id)
    check_one_leader(t.team_role for t in team)
    existing = existing_accounts(team)
    programme = catalog.get_programme(batch.programme_id)
    region = catalog.get_region(batch.region_id)
    assert programme is not None and region is not None
    messages = team_messages(batch, team, region.name) if batch.roster_status == "open" else []
    locked = confirmation.lock(batch, batch.region_id, clock.now(), messages, team)
    if locked:
        count("RosterConfirmed")
    else:
        # Another call locked it a moment ago: read what it wrote (a strongly consistent read).
        now_stored = catalog.get_batch(batch.batch_id, consistent=True)
        if now_stored is None or now_stored.roster_status != "confirmed":
            raise ConflictError("conflict")
    deadline = local_time(programme.registration_deadline)
    plans = [provisioning(t, existing.get(t.phone), batch, deadline) for t in team if t.account_id is None]

    def reuse(p: confirmation.Provisioning) -> confirmation.Provisioning | None:
        """The phone's trainee account, opened meanwhile by another batch's confirmation."""
        account = existing_accounts([p.trainee]).get(p.trainee.phone)
        return provisioning(p.trainee, account, batch, deadline) if account else None

    provisioned = confirmation.provision_many(plans, reuse)
    notify.deliver_all((messages if locked else []) + [m for p in provisioned for m in (p.message, *p.also)])
    sent = len(provisioned)
    logger.info(
        "roster confirmed",
        extra={"batch_id": batch.batch_id, "trainees": len(team), "sms": sent, "locked_now": locked},
    )
    return RosterConfirmation(batch.batch_id, "confirmed", len(team), sent, locked or sent > 0)
