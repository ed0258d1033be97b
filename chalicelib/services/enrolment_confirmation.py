"""A county admin's 确认报送 of its list: the list locked (no change after), then an account
for each person who has none (a new phone: a new account and a password by SMS; a known
phone: the existing account, told by SMS it was chosen), the first SEND_IN_REQUEST SMS sent
in the request and the rest through the outbox's drain."""

from __future__ import annotations

import time
from dataclasses import dataclass

from chalicelib.adapters import clock, secrets
from chalicelib.config import settings
from chalicelib.db import (
    accounts,
    enrolment_confirmation,
    enrolment_lists,
)
from chalicelib.domain import accounts as account_rules
from chalicelib.domain import enrolment as rules
from chalicelib.domain.deadlines import check_before
from chalicelib.domain.errors import (
    ConflictError,
    Problem,
    problem,
)
from chalicelib.domain.notifications import credentials_sms
from chalicelib.domain.records import Account, Enrolment, Programme, Session
from chalicelib.observability import count, logger
from chalicelib.services import notify
from chalicelib.services.demand import region_of
from chalicelib.services.enrolment import county_in, programme_of, region_named

LOCK_TRIES = 5


# Credentials sent within the confirmation's request; the rest wait in the outbox, where they
# were recorded with the accounts, for its drain (every 5 minutes). A county's 340 sends one
# after another would not fit the API's 29 s (bench/enrolment.py's confirm figure).
SEND_IN_REQUEST = 20


def _accounts_by_phone(people: list[Enrolment]) -> dict[str, Account]:
    """The accounts the list's phones already have. A phone on an account of another role
    than its row's refuses the whole confirmation: 409 phone_taken naming those rows."""
    creds = accounts.get_credentials({e.phone for e in people})
    owners = accounts.get_accounts({c.account_id for c in creds.values() if c.account_id})
    found: dict[str, Account] = {}
    taken: dict[str, Problem] = {}
    seen: dict[str, Enrolment] = {}
    for e in people:
        if (first := seen.get(e.phone)) is not None and first.enrolment_id != e.enrolment_id:
            taken[e.enrolment_id] = problem("phone_shared", name=e.name, other=first.name)
            continue
        seen[e.phone] = e
        cred = creds.get(e.phone)
        owner = owners.get(cred.account_id) if cred and cred.account_id else None
        if owner is None:
            continue
        if owner.role != e.role:
            taken[e.enrolment_id] = problem("phone_of_another_role", name=e.name)
        else:
            found[e.phone] = owner
    if taken:
        raise ConflictError("phone_taken", fields=taken)
    return found


def _plan(
    e: Enrolment, existing: Account | None, programme: Programme, county: str
) -> enrolment_confirmation.Provisioning:
    site = settings().site_url
    if existing is not None:
        text = rules.selected_sms(e.name, programme.name, county, e.role, site)
        return enrolment_confirmation.Provisioning(
            e, existing, False, notify.sms("selected", existing.account_id, e.phone, text)
        )
    now = clock.now()
    account = Account(
        secrets.new_id(),
        e.role,
        e.name,
        e.phone,
        e.email,
        now,
        home_region=e.region_id,  # the county admin may reissue its credentials
    )
    password = secrets.new_password()
    then = rules.selected_note(programme.name, county, e.role)
    text, redacted = credentials_sms(e.name, e.role, e.phone, password, site, then)
    return enrolment_confirmation.Provisioning(
        e,
        account,
        True,
        notify.sms("credentials", account.account_id, e.phone, text, redacted),
        secrets.hash_initial_password(password),
        now + account_rules.INITIAL_PASSWORD_TTL,
    )


@dataclass(frozen=True)
class ListConfirmation:
    region_id: str
    confirmed: bool
    people: int
    accounts_provisioned: int
    sms_sent: int  # in the request (at most SEND_IN_REQUEST)
    sms_queued: int  # left in the outbox for its drain


def confirm(session: Session, programme_id: str, wanted_region: str | None = None) -> ListConfirmation:
    """Close the county's list before the deadline and give every person an account (or
    their existing one, by phone) and an SMS, once. A second call, even a concurrent one,
    sends nothing; one that stopped half-way is finished by the next. The first
    SEND_IN_REQUEST SMS go out now, the others with the outbox's next drain."""
    programme = programme_of(programme_id)
    region = region_named(region_of(session, wanted_region))
    county = county_in(programme, region.region_id)
    assert programme.enrolment_deadline is not None
    if not county.confirmed:
        check_before(programme.enrolment_deadline, clock.now())
    people: list[Enrolment] = []
    locked = county.confirmed
    for _ in range(LOCK_TRIES):
        people = enrolment_lists.of_county(programme.programme_id, region.region_id)
        existing = _accounts_by_phone([e for e in people if e.account_id is None])
        if locked:
            break
        if not people:
            raise ConflictError("enrolment_empty")
        try:
            locked = enrolment_confirmation.lock(
                programme.programme_id, region.region_id, len(people), clock.now()
            )
        except ConflictError as exc:
            if exc.code != "enrolment_closed":
                raise
            locked = True  # another call closed it a moment ago: finish its accounts
        if locked:
            break
        time.sleep(0.2)  # a commit being written, or the list's index a moment behind
    if not locked:
        raise ConflictError("conflict")
    plans = [_plan(e, existing.get(e.phone), programme, region.name) for e in people if e.account_id is None]

    def reuse(p: enrolment_confirmation.Provisioning) -> enrolment_confirmation.Provisioning | None:
        account = _accounts_by_phone([p.enrolment]).get(p.enrolment.phone)
        return _plan(p.enrolment, account, programme, region.name) if account else None

    provisioned = enrolment_confirmation.provision_many(plans, reuse)
    sent = notify.deliver_all([p.message for p in provisioned[:SEND_IN_REQUEST]])
    if provisioned:
        count("EnrolmentConfirmed")
    logger.info(
        "enrolment confirmed",
        extra={"region_id": region.region_id, "people": len(people), "sms": len(provisioned), "sent": sent},
    )
    return ListConfirmation(
        region.region_id, True, len(people), len(provisioned), sent, len(provisioned) - sent
    )
