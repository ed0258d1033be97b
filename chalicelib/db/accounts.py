"""Accounts, credentials (keyed by phone), login counters, sessions and reset codes.

Access patterns:
- login: one TransactGetItems for the phone's login counter and credential; UpdateItem the
  counter by compare and set (the attempt counted first); DeleteItem it on success; GetItem
  the account; one transaction puts the session under a check that the account is enabled.
- every request: GetItem sessions[token_hash].
- GET /me: GetItem accounts[account_id].
- a new account: one transaction that claims the phone (attribute_not_exists(account_id)
  on credentials[phone]), puts the account, the thing it is the contact of, and its SMS.
- a session is listed on its credential (sessions.<hash> = expiry) in the transaction that
  puts it, under the condition that the account is enabled and its password is the one
  checked: ending every session (password change, reset, reissue, disable) reads that list
  strongly, deletes those sessions (BatchWrite) and removes them from the list.
- the office's and a region contact's account list: Query accounts.by_name / by_role /
  by_home_region (begins_with the name searched), or a phone's credential (GetItem).
- reissue, disable, enable: one transaction with the audit entry.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pynamodb.exceptions import AttributeDeserializationError, DoesNotExist, TransactWriteError, UpdateError
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action
from pynamodb.transactions import TransactGet

from chalicelib.db.audit import audit_item
from chalicelib.db.catalog import base_item, name_claim_item, region_item
from chalicelib.db.common import (
    Transaction,
    connection,
    cursor_checked,
    decode_cursor,
    encode_cursor,
    transaction,
)
from chalicelib.db.models import (
    AccountModel,
    BaseModel_,
    ClaimModel,
    CounterModel,
    CredentialModel,
    RegionModel,
    ResetCodeModel,
    SessionModel,
)
from chalicelib.db.outbox import message_item
from chalicelib.domain.accounts import LoginState, login_state_expiry
from chalicelib.domain.errors import ConflictError, ForbiddenError, UnauthenticatedError
from chalicelib.domain.records import Account, AuditEntry, Base, Credential, Message, Page, Region, Session


class PhoneClaimedError(Exception):
    """Another account took this phone first (a lost race, or an earlier request)."""


def _account(m: AccountModel) -> Account:
    return Account(
        account_id=m.account_id,
        role=m.role,
        name=m.name,
        phone=m.phone,
        email=m.email,
        created_at=m.created_at,
        region_ids=frozenset(m.region_ids or ()),
        base_ids=frozenset(m.base_ids or ()),
        home_region=m.home_region,
        disabled=bool(m.disabled),
    )


def account_item(account: Account) -> AccountModel:
    """The one place an account becomes an item (contacts, admins, trainees alike)."""
    return AccountModel(
        account.account_id,
        role=account.role,
        name=account.name,
        phone=account.phone,
        email=account.email,
        region_ids=set(account.region_ids) or None,
        base_ids=set(account.base_ids) or None,
        home_region=account.home_region,
        disabled=account.disabled,
        created_at=account.created_at,
        name_key=f"{account.name}#{account.account_id}",
    )


def claim_phone(
    tx: Transaction, account: Account, password_hash: str, initial_expires_at: datetime, tag: str
) -> None:
    """In `tx`: the phone's credential, claimed for a new account (fails if it has one)."""
    tx.update(
        CredentialModel(account.phone),
        actions=[
            CredentialModel.account_id.set(account.account_id),
            CredentialModel.password_hash.set(password_hash),
            CredentialModel.must_change_password.set(True),
            CredentialModel.initial_expires_at.set(initial_expires_at),
            CredentialModel.sessions.set({}),
        ],
        condition=CredentialModel.account_id.does_not_exist(),
        tag=tag,
    )
    tx.save(account_item(account), condition=AccountModel.account_id.does_not_exist())


def get_account(account_id: str) -> Account | None:
    try:
        return _account(AccountModel.get(account_id))
    except DoesNotExist:
        return None


def get_credential(phone: str) -> Credential | None:
    try:
        m = CredentialModel.get(phone, consistent_read=True)
    except DoesNotExist:
        return None
    return _credential(m)


def get_credentials(phones: set[str]) -> dict[str, Credential]:
    """Many phones' login records in one BatchGetItem."""
    if not phones:
        return {}
    return {m.phone: _credential(m) for m in CredentialModel.batch_get(list(phones), consistent_read=True)}


def _credential(m: CredentialModel) -> Credential:
    sessions = m.sessions.attribute_values if m.sessions is not None else {}
    return Credential(
        phone=m.phone,
        account_id=m.account_id,
        password_hash=m.password_hash,
        must_change_password=bool(m.must_change_password),
        initial_expires_at=m.initial_expires_at,
        disabled=bool(m.disabled),
        sessions={str(h): int(e) for h, e in sessions.items()},
    )


# --- login counters ---------------------------------------------------------------------------


def _login_key(phone: str) -> str:
    return f"login#{phone}"


def _login_state(m: CounterModel | None) -> LoginState:
    if m is None:
        return LoginState()
    return LoginState(int(m.failures or 0), m.window_started_at, m.locked_until)


def login_records(phone: str) -> tuple[Credential | None, LoginState]:
    """The phone's credential and login counter, read together (one TransactGetItems)."""
    with TransactGet(connection=connection()) as tg:
        counter = tg.get(CounterModel, _login_key(phone))
        cred = tg.get(CredentialModel, phone)
    try:
        credential: Credential | None = _credential(cred.get())
    except DoesNotExist:
        credential = None
    try:
        state = _login_state(counter.get())
    except DoesNotExist:
        state = LoginState()
    return credential, state


def swap_login_state(phone: str, expected: LoginState, new: LoginState) -> bool:
    """Replace the phone's failure counters only if they are still `expected` (compare and
    set): of two logins that read the same counters, one counts and the other reads again.
    False when they changed meanwhile."""
    failures = CounterModel.failures
    condition: Condition = (
        (failures == expected.failures)
        if expected.failures
        else (failures.does_not_exist() | (failures == 0))
    )
    actions: list[Action] = [failures.set(new.failures)]
    for attr, before, after in (
        (CounterModel.window_started_at, expected.window_started_at, new.window_started_at),
        (CounterModel.locked_until, expected.locked_until, new.locked_until),
    ):
        condition &= (attr == before) if before is not None else attr.does_not_exist()
        actions.append(attr.set(after) if after is not None else attr.remove())
    expiry = login_state_expiry(new)
    actions.append(CounterModel.expires_at.set(expiry) if expiry else CounterModel.expires_at.remove())
    try:
        CounterModel(_login_key(phone)).update(actions=actions, condition=condition)
    except UpdateError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise
    return True


def clear_login_state(phone: str) -> None:
    """The right password (or a reset): earlier failures are forgiven."""
    CounterModel(_login_key(phone)).delete()


# --- creating accounts ------------------------------------------------------------------------


def create_account(
    account: Account,
    password_hash: str,
    initial_expires_at: datetime,
    message: Message,
    region: Region | None = None,
    base: Base | None = None,
    also: list[Message] | None = None,
) -> None:
    """Claim the phone and create the account, what it is contact of, and its credentials
    SMS (and `also`: the e-mail beside it), all or nothing. Raises PhoneClaimedError if the
    phone already has an account."""
    tx = transaction()
    try:
        with tx:
            claim_phone(tx, account, password_hash, initial_expires_at, tag="phone")
            for each in [message, *(also or [])]:
                tx.save(message_item(each))
            _new_region_or_base(tx, region, base)
    except TransactWriteError as exc:
        if "name" in tx.failed(exc):
            raise ConflictError("name_taken") from exc
        if "phone" in tx.failed(exc):
            raise PhoneClaimedError from exc
        raise


def _new_region_or_base(tx: Transaction, region: Region | None, base: Base | None) -> None:
    """In `tx`: the new region or base, and the claim of its name (one of each name)."""
    if region is not None:
        tx.save(region_item(region), condition=RegionModel.region_id.does_not_exist())
        tx.save(
            name_claim_item("region", region.name, region.region_id),
            condition=ClaimModel.claim_key.does_not_exist(),
            tag="name",
        )
    if base is not None:
        tx.save(base_item(base), condition=BaseModel_.base_id.does_not_exist())
        tx.save(
            name_claim_item("base", base.name, base.base_id),
            condition=ClaimModel.claim_key.does_not_exist(),
            tag="name",
        )


def add_contact_duty(account: Account, region: Region | None = None, base: Base | None = None) -> None:
    """Make an existing contact the contact of one more region (or base), all or nothing;
    the condition on the role keeps a trainee's phone from becoming a region's contact."""
    item = AccountModel(account.account_id)
    same_role = AccountModel.role == account.role
    tx = transaction()
    try:
        with tx:
            if region is not None:
                tx.update(item, [AccountModel.region_ids.add({region.region_id})], same_role, tag="role")
            elif base is not None:
                tx.update(item, [AccountModel.base_ids.add({base.base_id})], same_role, tag="role")
            _new_region_or_base(tx, region, base)
    except TransactWriteError as exc:
        if "name" in tx.failed(exc):
            raise ConflictError("name_taken") from exc
        if "role" in tx.failed(exc):
            raise ConflictError("phone_taken") from exc
        raise
    revoke_sessions(account.phone)  # sessions carry the region ids: make the next login see the new one


# --- passwords ----------------------------------------------------------------------------------


def reissue_password(
    account: Account,
    password_hash: str,
    initial_expires_at: datetime,
    message: Message,
    entry: AuditEntry | None = None,
) -> None:
    """A new initial password for an existing account, with its SMS (and the audit entry of
    who asked): the old password and every session stop working, earlier failures go."""
    with transaction() as tx:
        tx.update(
            CredentialModel(account.phone),
            actions=[
                CredentialModel.password_hash.set(password_hash),
                CredentialModel.must_change_password.set(True),
                CredentialModel.initial_expires_at.set(initial_expires_at),
            ],
            condition=CredentialModel.account_id == account.account_id,
        )
        tx.save(message_item(message))
        if entry is not None:
            tx.save(audit_item(entry))
    clear_login_state(account.phone)
    revoke_sessions(account.phone)


def set_password(account_id: str, phone: str, password_hash: str) -> None:
    try:
        CredentialModel(phone).update(
            actions=[
                CredentialModel.password_hash.set(password_hash),
                CredentialModel.must_change_password.set(False),
                CredentialModel.initial_expires_at.remove(),
            ],
            condition=CredentialModel.account_id == account_id,
        )
    except UpdateError as exc:
        raise ConflictError("conflict") from exc


def set_disabled(account: Account, disabled: bool, entry: AuditEntry) -> None:
    """Disable (or enable) the account: its login is refused, its sessions end."""
    with transaction() as tx:
        tx.update(
            CredentialModel(account.phone),
            actions=[CredentialModel.disabled.set(disabled)],
            condition=CredentialModel.account_id == account.account_id,
        )
        tx.update(
            AccountModel(account.account_id),
            actions=[AccountModel.disabled.set(disabled)],
            condition=AccountModel.account_id.exists(),
        )
        tx.save(audit_item(entry))
    if disabled:
        revoke_sessions(account.phone)


# --- sessions -----------------------------------------------------------------------------------


def _session(m: SessionModel) -> Session:
    return Session(
        token_hash=m.token_hash,
        account_id=m.account_id,
        role=m.role,
        expires_at=m.expires_at,
        must_change_password=bool(m.must_change_password),
        region_ids=frozenset(m.region_ids or ()),
        base_ids=frozenset(m.base_ids or ()),
    )


# Expired entries a login removes from the credential's list (the rest wait for the next one).
PRUNE_PER_LOGIN = 20


def put_session(session: Session, phone: str, password_hash: str, expired: list[str]) -> None:
    """The session, listed on the credential, only while the account is enabled and its
    password is still the one the login checked: a login racing a disable, a password change
    or a reset either is refused or leaves a session the revocation finds."""
    tx = transaction()
    listed = CredentialModel.sessions[session.token_hash].set(int(session.expires_at.timestamp()))
    pruned = [CredentialModel.sessions[h].remove() for h in expired[:PRUNE_PER_LOGIN]]
    enabled = CredentialModel.disabled.does_not_exist() | (CredentialModel.disabled == False)  # noqa: E712
    try:
        with tx:
            tx.update(
                CredentialModel(phone),
                actions=[listed, *pruned],
                condition=(CredentialModel.account_id == session.account_id)
                & (CredentialModel.password_hash == password_hash)
                & enabled,
                tag="credential",
            )
            tx.save(
                SessionModel(
                    session.token_hash,
                    account_id=session.account_id,
                    role=session.role,
                    expires_at=session.expires_at,
                    must_change_password=session.must_change_password,
                    region_ids=set(session.region_ids) or None,
                    base_ids=set(session.base_ids) or None,
                ),
                condition=SessionModel.token_hash.does_not_exist(),
                tag="token",
            )
    except TransactWriteError as exc:
        if "credential" in tx.failed(exc):
            now = get_credential(phone)
            if now is not None and now.disabled:
                raise ForbiddenError("account_disabled") from exc
            raise UnauthenticatedError("invalid_credentials") from exc  # the password changed meanwhile
        raise ConflictError("conflict") from exc  # a 256-bit token collision: never silent


def get_session(token_hash: str) -> Session | None:
    try:
        return _session(SessionModel.get(token_hash))
    except DoesNotExist:
        return None
    except AttributeDeserializationError:
        return None  # an item not in today's shape is no session (a 401, never a 500)


def delete_session(token_hash: str) -> None:
    SessionModel(token_hash).delete()


def revoke_sessions(phone: str) -> None:
    """End every session of the phone's account: the credential's list, read strongly."""
    cred = get_credential(phone)
    if cred is None or not cred.sessions:
        return
    hashes = sorted(cred.sessions)
    with SessionModel.batch_write() as batch:
        for token_hash in hashes:
            batch.delete(SessionModel(token_hash))
    for start in range(0, len(hashes), 50):
        CredentialModel(phone).update(
            actions=[CredentialModel.sessions[h].remove() for h in hashes[start : start + 50]]
        )


def get_accounts(account_ids: set[str]) -> dict[str, Account]:
    """Many accounts in one BatchGetItem (lists of regions or bases show their contacts)."""
    if not account_ids:
        return {}
    return {m.account_id: _account(m) for m in AccountModel.batch_get(list(account_ids))}


# --- finding accounts ---------------------------------------------------------------------------


def find_accounts(
    *, role: str | None, home_region: str | None, name: str | None, limit: int, cursor: str | None
) -> Page:
    """A page of accounts by name: of one home region, or of one role, or all; those whose
    name starts with `name` when given (one Query on the index that fits)."""
    prefix = AccountModel.name_key.startswith(name) if name else None
    index: Any
    if home_region is not None:
        index, hash_key = AccountModel.by_home_region, home_region
        filter_condition = (AccountModel.role == role) if role else None
    elif role is not None:
        index, hash_key, filter_condition = AccountModel.by_role, role, None
    else:
        index, hash_key, filter_condition = AccountModel.by_name, "account", None
    rows = index.query(
        hash_key,
        prefix,
        filter_condition=filter_condition,
        limit=limit,
        last_evaluated_key=decode_cursor(cursor, index),
    )
    with cursor_checked(cursor):
        items = [_account(m) for m in rows]
    return Page(items, encode_cursor(rows.last_evaluated_key))


# --- reset codes --------------------------------------------------------------------------------


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
    tx = transaction()
    try:
        with tx:
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
    except TransactWriteError as exc:
        if tx.failed(exc) & {"recent", "daily"}:
            return False
        raise
    return True


def take_reset_try(phone: str, now: datetime) -> str | None:
    """Spend one try of the phone's live code (a condition on tries left, so tries sent at once
    each count); the code's hash, or None when there is no live code or no try left."""
    try:
        m = ResetCodeModel.get(phone, consistent_read=True)
    except DoesNotExist:
        return None
    if m.expires_at <= now or m.tries_left <= 0:
        return None
    try:
        m.update(
            actions=[ResetCodeModel.tries_left.add(-1)],
            condition=(ResetCodeModel.tries_left > 0) & (ResetCodeModel.sent_at == m.sent_at),
        )
    except UpdateError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            return None
        raise
    return str(m.code_hash)


def end_reset_code(phone: str) -> None:
    ResetCodeModel(phone).delete()


def find_phone(phone: str) -> Account | None:
    cred = get_credential(phone)
    return get_account(cred.account_id) if cred and cred.account_id else None
