"""Login, sessions, password change, and creating accounts with SMS credentials."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import TypeVar

from chalicelib.adapters import clock, secrets
from chalicelib.config import settings
from chalicelib.db import accounts as repo
from chalicelib.db import sessions
from chalicelib.domain import accounts as rules
from chalicelib.domain.errors import ConflictError, ForbiddenError, TooManyAttemptsError, UnauthenticatedError
from chalicelib.domain.notifications import credentials_email, credentials_reissued_email, credentials_sms
from chalicelib.domain.records import Account, AuditEntry, Base, Credential, Message, Region, Session
from chalicelib.observability import count, logger
from chalicelib.services import notify

Led = TypeVar("Led", Region, Base)


@dataclass(frozen=True)
class LoginResult:
    token: str
    session: Session
    must_change_password: bool


def open_session(
    account: Account, must_change: bool, password_hash: str, cred: Credential | None
) -> LoginResult:
    """A new session for the account whose password (`password_hash`) was just checked or
    set; the sessions of the credential that have expired leave its list."""
    now = clock.now()
    token = secrets.new_token()
    session = Session(
        token_hash=secrets.token_hash(token),
        account_id=account.account_id,
        role=account.role,
        expires_at=rules.session_expiry(now, settings().session_hours),
        must_change_password=must_change,
        region_ids=account.region_ids,
        base_ids=account.base_ids,
    )
    expired = [h for h, e in (cred.sessions if cred else {}).items() if e <= now.timestamp()]
    sessions.put_session(session, account.phone, password_hash, expired)
    return LoginResult(token, session, must_change)


SWAP_TRIES = 20  # each lost swap means another login of the phone counted first


def _count_attempt(phone: str, now: datetime) -> Credential | None:
    """Count this attempt as a failure before the password is checked, by compare-and-set on
    the phone's counter: guesses sent all at once each count in turn, so a burst gets no more
    tries than one guess after another. Once the free tries are spent, each try waits its
    turn (429 with Retry-After) instead of being checked."""
    for _ in range(SWAP_TRIES):
        cred, state = sessions.login_records(phone)
        if wait := rules.lock_remaining(state, now):
            raise TooManyAttemptsError(retry_after=wait)
        if sessions.swap_login_state(phone, state, rules.after_failure(state, now)):
            return cred
    raise TooManyAttemptsError(retry_after=1)


def _check_password(phone: str, password: str) -> tuple[Account, Credential]:
    """The account behind (phone, password), counting failures against the phone whether or
    not it has an account: an unknown phone and a wrong password answer alike."""
    now = clock.now()
    cred = _count_attempt(phone, now)
    stored = cred.password_hash if cred and cred.account_id else None
    ok = secrets.verify_password(stored or secrets.decoy_hash(), password) and stored is not None
    if not ok:
        count("LoginFailed")
        raise UnauthenticatedError("invalid_credentials")
    assert cred is not None and cred.account_id is not None and stored is not None
    # The right password: this attempt was no failure, and the earlier ones are forgiven
    sessions.clear_login_state(phone)
    if cred.disabled:
        raise ForbiddenError("account_disabled")
    if cred.must_change_password and rules.initial_password_expired(cred.initial_expires_at, now):
        raise UnauthenticatedError("initial_password_expired")
    account = repo.get_account(cred.account_id)
    if account is None:  # a half-created account cannot exist (one transaction); be safe anyway
        raise UnauthenticatedError("invalid_credentials")
    return account, cred


def login(phone: str, password: str) -> LoginResult:
    account, cred = _check_password(phone, password)
    assert cred.password_hash is not None
    result = open_session(account, cred.must_change_password, cred.password_hash, cred)
    logger.info("login", extra={"account_id": account.account_id, "role": account.role})
    return result


def authenticate(token: str | None) -> Session:
    if not token:
        raise UnauthenticatedError("unauthenticated")
    session = sessions.get_session(secrets.token_hash(token))
    if session is None or session.expires_at <= clock.now():
        raise UnauthenticatedError("invalid_token")
    return session


def logout(session: Session) -> None:
    sessions.delete_session(session.token_hash)


def change_password(session: Session, old: str, new: str) -> LoginResult:
    account = repo.get_account(session.account_id)
    if account is None:
        raise UnauthenticatedError("invalid_token")
    _, cred = _check_password(account.phone, old)
    rules.check_new_password(new, old, account.phone)
    new_hash = secrets.hash_password(new)
    repo.set_password(account.account_id, account.phone, new_hash)
    # Every session of the account ends (a stolen token dies with the old password); the
    # caller gets a fresh one so the person is not sent back to the login page.
    sessions.revoke_sessions(account.phone)
    logger.info("password changed", extra={"account_id": account.account_id})
    return open_session(account, False, new_hash, None)


def me(session: Session) -> Account:
    account = repo.get_account(session.account_id)
    if account is None:
        raise UnauthenticatedError("invalid_token")
    return account


def _credentials_message(account: Account, password: str) -> Message:
    text, redacted = credentials_sms(account.name, account.role, account.phone, password, settings().site_url)
    return notify.sms("credentials", account.account_id, account.phone, text, redacted)


def credentials_emails(account: Account, then: str = "") -> list[Message]:
    """The e-mail beside a credentials SMS, if the person has an address (no password in it)."""
    if not account.email:
        return []
    subject, body = credentials_email(account.name, account.role, account.phone, settings().site_url, then)
    return [notify.email("credentials", account.account_id, account.email, subject, body)]


def _led_by(thing: Led | None, contact: Account | str) -> Led | None:
    """The region or base with its contact set (callers pass it with contact_account_id="")."""
    if thing is None:
        return None
    account_id = contact if isinstance(contact, str) else contact.account_id
    return replace(thing, contact_account_id=account_id)


def open_account(
    role: str,
    name: str,
    phone: str,
    email: str | None,
    region: Region | None = None,
    base: Base | None = None,
) -> Account:
    """Create the account for `phone` and send its credentials, or, if the phone already
    belongs to a contact of the same role, make that account the contact of one more region
    or base (API.md: the account is reused). Any other owner of the phone: 409 phone_taken.
    Two requests racing for one new phone create one account: the phone is claimed by a
    conditional write, and the loser takes the reuse path."""
    for _ in range(2):
        cred = sessions.get_credential(phone)
        if cred and cred.account_id:
            existing = repo.get_account(cred.account_id)
            if existing is None or existing.role != role or role not in ("region_contact", "base_contact"):
                raise ConflictError("phone_taken")
            repo.add_contact_duty(existing, region=_led_by(region, existing), base=_led_by(base, existing))
            return existing
        account_id = secrets.new_id()
        region, base = _led_by(region, account_id), _led_by(base, account_id)
        account = Account(
            account_id=account_id,
            role=role,
            name=name,
            phone=phone,
            email=email,
            created_at=clock.now(),
            region_ids=frozenset({region.region_id}) if region else frozenset(),
            base_ids=frozenset({base.base_id}) if base else frozenset(),
        )
        password = secrets.new_password()
        message = _credentials_message(account, password)
        also = credentials_emails(account)
        try:
            repo.create_account(
                account,
                secrets.hash_initial_password(password),
                clock.now() + rules.INITIAL_PASSWORD_TTL,
                message,
                region=region,
                base=base,
                also=also,
            )
        except repo.PhoneClaimedError:
            continue  # lost the race: the phone has an account now, take the reuse path
        notify.deliver_all([message, *also])
        logger.info("account created", extra={"account_id": account.account_id, "role": role})
        return account
    raise ConflictError("phone_taken")


def reissue_credentials(account: Account, entry: AuditEntry | None = None) -> None:
    """A fresh initial password by SMS (the office, a region contact for its trainees, the
    CLI's create-admin on an existing admin), audited when a person asked for it; an e-mail
    beside it, without the password, where the person has an address."""
    password = secrets.new_password()
    message = _credentials_message(account, password)
    also = []
    if account.email:
        subject, body = credentials_reissued_email(
            account.name, account.role, account.phone, settings().site_url
        )
        also.append(notify.email("credentials", account.account_id, account.email, subject, body))
    repo.reissue_password(
        account,
        secrets.hash_initial_password(password),
        clock.now() + rules.INITIAL_PASSWORD_TTL,
        message,
        entry,
        also=also,
    )
    notify.deliver_all([message, *also])
