"""Getting back into an account: the self-service reset by SMS code; and the office's (and a
region contact's) account management: find, reissue credentials, disable, enable."""

from __future__ import annotations

import time

from chalicelib.adapters import clock, crypto, secrets
from chalicelib.db import accounts as repo
from chalicelib.db import resets, sessions
from chalicelib.domain import accounts as rules
from chalicelib.domain.deadlines import local_day
from chalicelib.domain.errors import ConflictError, NotFoundError, ValidationFailedError, problem
from chalicelib.domain.notifications import reset_code_sms
from chalicelib.domain.records import Account, AuditEntry, Page, Session
from chalicelib.domain.vocab import Role
from chalicelib.observability import count, logger
from chalicelib.services import auth, notify
from chalicelib.services.demand import region_of

# --- the reset ------------------------------------------------------------------------------------


def request_reset(phone: str) -> None:
    """Send the phone a 6-digit code if it belongs to an enabled account; say nothing either
    way, and take as long either way (the route answers 202 alike). One code a minute and
    five a day per phone; every code's SMS counts in the phone's daily SMS cap."""
    started = time.monotonic()
    try:
        _send_reset_code(phone)
    finally:
        time.sleep(max(0.0, rules.RESET_REQUEST_FLOOR - (time.monotonic() - started)))


def _send_reset_code(phone: str) -> None:
    account = repo.find_phone(phone)
    if account is None or account.disabled:
        return
    now = clock.now()
    code = secrets.new_code(rules.RESET_CODE_DIGITS)
    text, redacted = reset_code_sms(code, int(rules.RESET_CODE_TTL.total_seconds() // 60))
    message = notify.sms("reset_code", account.account_id, phone, text, redacted)
    fresh = resets.put_reset_code(
        resets.ResetCode(
            phone=phone,
            code_hash=crypto.keyed_digest("reset", f"{phone}:{code}"),
            tries=rules.RESET_CODE_TRIES,
            sent_at=now,
            expires_at=now + rules.RESET_CODE_TTL,
        ),
        resend_after=now - rules.RESET_CODE_INTERVAL,
        day_key=f"reset#{phone}#{local_day(now)}",
        per_day=rules.RESET_CODES_PER_DAY,
        message=message,
    )
    if fresh:
        notify.deliver(message)
        count("ResetCodeSent")


def reset(phone: str, code: str, new_password: str) -> auth.LoginResult:
    """A live code, with a try left, sets the new password: every session ends, earlier login
    failures are forgiven, and the person gets a session at once (a guesser at the password
    cannot make them wait). A wrong code spends a try; five spend the code. An unknown phone,
    a disabled account or a spent code answer as a wrong code does."""
    now = clock.now()
    stored = resets.take_reset_try(phone, now)
    if stored is None or not crypto.digests_match("reset", f"{phone}:{code}", stored):
        count("ResetCodeRefused")
        raise ValidationFailedError("invalid_reset_code", fields={"code": problem("reset_code_invalid")})
    account = repo.find_phone(phone)
    if account is None or account.disabled:
        raise ValidationFailedError("invalid_reset_code", fields={"code": problem("reset_code_invalid")})
    rules.check_new_password(new_password, None, phone)
    new_hash = secrets.hash_password(new_password)
    repo.set_password(account.account_id, phone, new_hash)
    resets.end_reset_code(phone)
    sessions.clear_login_state(phone)
    sessions.revoke_sessions(phone)
    logger.info("password reset by code", extra={"account_id": account.account_id})
    return auth.open_session(account, False, new_hash, None)


# --- the office's and a region contact's accounts ----------------------------------------------------


def _is_digits(text: str) -> bool:
    return text.isascii() and text.isdigit()


def find(
    session: Session, role: str | None, region_id: str | None, q: str | None, limit: int, cursor: str | None
) -> Page[Account]:
    """The office: any account, by name (its first characters) or by whole phone, of a role
    and of a region when asked. A region contact: its region's trainees (their accounts)."""
    if role is not None and role not in set(Role):
        raise ValidationFailedError(fields={"role": problem("role_unknown")})
    if session.role == Role.region_contact:
        region_id = region_of(session, region_id)
    q = (q or "").strip() or None
    if q is not None and _is_digits(q) and len(q) == 11:
        found = repo.find_phone(q)
        hit = found is not None and (role is None or found.role == role)
        hit = hit and (region_id is None or (found is not None and found.home_region == region_id))
        return Page([found] if hit and found is not None else [], None)
    if q is not None and (len(q) > 50 or _is_digits(q)):
        raise ValidationFailedError(fields={"q": problem("search_term")})
    return repo.find_accounts(role=role, home_region=region_id, name=q, limit=limit, cursor=cursor)


def _managed(session: Session, account_id: str) -> Account:
    """The account, if the caller manages it: the office any, a region contact the people
    its region's lists opened (404 for anyone else's: not theirs to know of)."""
    account = repo.get_account(account_id)
    if account is None:
        raise NotFoundError("account_not_found")
    if session.role == Role.admin:
        return account
    if account.home_region is None or account.home_region not in session.region_ids:
        raise NotFoundError("account_not_found")
    return account


def reissue(session: Session, account_id: str) -> Account:
    account = _managed(session, account_id)
    if account.disabled:
        raise ConflictError("account_disabled")
    entry = AuditEntry(
        f"account#{account.account_id}", session.account_id, "reissue_credentials", "", clock.now()
    )
    auth.reissue_credentials(account, entry)
    logger.info("credentials reissued", extra={"account_id": account.account_id, "by": session.account_id})
    return account


def set_disabled(session: Session, account_id: str, disabled: bool) -> Account:
    account = _managed(session, account_id)
    if account.account_id == session.account_id:
        raise ConflictError("cannot_disable_self")
    action = "disable" if disabled else "enable"
    entry = AuditEntry(f"account#{account.account_id}", session.account_id, action, "", clock.now())
    repo.set_disabled(account, disabled, entry)
    logger.info(f"account {action}d", extra={"account_id": account.account_id, "by": session.account_id})
    return repo.get_account(account.account_id) or account
