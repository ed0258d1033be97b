"""Accounts, credentials (keyed by phone) and sessions.

Access patterns:
- login: GetItem credentials[phone]; PutItem sessions (+ UpdateItem credentials on failure).
- every request: GetItem sessions[token_hash].
- GET /me: GetItem accounts[account_id].
- a new account: one transaction that claims the phone (attribute_not_exists(account_id)
  on credentials[phone]), puts the account, the thing it is the contact of, and its SMS.
- password change: UpdateItem credentials, Query sessions.by_account + BatchWrite deletes.
"""

from __future__ import annotations

from datetime import datetime

from pynamodb.exceptions import DoesNotExist, PutError, TransactWriteError, UpdateError
from pynamodb.expressions.update import Action

from chalicelib.db.catalog import base_item, region_item
from chalicelib.db.common import transaction
from chalicelib.db.models import (
    AccountModel,
    BaseModel_,
    CredentialModel,
    RegionModel,
    SessionModel,
)
from chalicelib.db.outbox import message_item
from chalicelib.domain.accounts import LoginState
from chalicelib.domain.errors import ConflictError
from chalicelib.domain.records import Account, Base, Credential, Message, Region, Session


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
    )


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
    return Credential(
        phone=m.phone,
        account_id=m.account_id,
        password_hash=m.password_hash,
        must_change_password=bool(m.must_change_password),
        initial_expires_at=m.initial_expires_at,
        login=LoginState(
            failures=int(m.failures or 0),
            window_started_at=m.window_started_at,
            locked_until=m.locked_until,
        ),
    )


def _login_actions(state: LoginState) -> list[Action]:
    actions: list[Action] = [CredentialModel.failures.set(state.failures)]
    for attr, value in (
        (CredentialModel.window_started_at, state.window_started_at),
        (CredentialModel.locked_until, state.locked_until),
    ):
        actions.append(attr.set(value) if value is not None else attr.remove())
    return actions


def save_login_state(phone: str, state: LoginState) -> None:
    """Record the failure counters (UpdateItem creates the item for an unknown phone)."""
    CredentialModel(phone).update(actions=_login_actions(state))


def swap_login_state(phone: str, expected: LoginState, new: LoginState) -> bool:
    """Replace the phone's failure counters only if they are still `expected` (compare and
    set): of two logins that read the same counters, one counts and the other reads again.
    False when they changed meanwhile."""
    failures = CredentialModel.failures
    condition = (
        (failures == expected.failures)
        if expected.failures
        else (failures.does_not_exist() | (failures == 0))
    )
    for attr, value in (
        (CredentialModel.window_started_at, expected.window_started_at),
        (CredentialModel.locked_until, expected.locked_until),
    ):
        condition &= (attr == value) if value is not None else attr.does_not_exist()
    try:
        CredentialModel(phone).update(actions=_login_actions(new), condition=condition)
    except UpdateError as exc:
        if _condition_failed(exc):
            return False
        raise
    return True


def _condition_failed(exc: UpdateError) -> bool:
    return (
        getattr(exc.cause, "response", {}).get("Error", {}).get("Code") == "ConditionalCheckFailedException"
    )


def _account_item(account: Account) -> AccountModel:
    return AccountModel(
        account.account_id,
        role=account.role,
        name=account.name,
        phone=account.phone,
        email=account.email,
        region_ids=set(account.region_ids) or None,
        base_ids=set(account.base_ids) or None,
        created_at=account.created_at,
    )


def create_account(
    account: Account,
    password_hash: str,
    initial_expires_at: datetime,
    message: Message,
    region: Region | None = None,
    base: Base | None = None,
) -> None:
    """Claim the phone and create the account, what it is contact of, and its credentials
    SMS, all or nothing. Raises PhoneClaimedError if the phone already has an account."""
    cred = CredentialModel(account.phone)
    tx = transaction()
    try:
        with tx:
            tx.update(
                cred,
                actions=[
                    CredentialModel.account_id.set(account.account_id),
                    CredentialModel.password_hash.set(password_hash),
                    CredentialModel.must_change_password.set(True),
                    CredentialModel.initial_expires_at.set(initial_expires_at),
                ],
                condition=CredentialModel.account_id.does_not_exist(),
                tag="phone",
            )
            tx.save(_account_item(account), condition=AccountModel.account_id.does_not_exist())
            tx.save(message_item(message))
            if region is not None:
                tx.save(region_item(region), condition=RegionModel.region_id.does_not_exist())
            if base is not None:
                tx.save(base_item(base), condition=BaseModel_.base_id.does_not_exist())
    except TransactWriteError as exc:
        if "phone" in tx.failed(exc):
            raise PhoneClaimedError from exc
        raise


def reissue_password(
    account: Account, password_hash: str, initial_expires_at: datetime, message: Message
) -> None:
    """A new initial password for an existing account (the office's CLI), with its SMS."""
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
    revoke_sessions(account.account_id)


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
                tx.save(region_item(region))
            elif base is not None:
                tx.update(item, [AccountModel.base_ids.add({base.base_id})], same_role, tag="role")
                tx.save(base_item(base))
    except TransactWriteError as exc:
        if "role" in tx.failed(exc):
            raise ConflictError("phone_taken") from exc
        raise
    revoke_sessions(account.account_id)  # sessions carry the region ids: make the next login see the new one


def set_password(account_id: str, phone: str, password_hash: str) -> None:
    try:
        CredentialModel(phone).update(
            actions=[
                CredentialModel.password_hash.set(password_hash),
                CredentialModel.must_change_password.set(False),
                CredentialModel.initial_expires_at.remove(),
                CredentialModel.failures.set(0),
                CredentialModel.window_started_at.remove(),
                CredentialModel.locked_until.remove(),
            ],
            condition=CredentialModel.account_id == account_id,
        )
    except UpdateError as exc:
        raise ConflictError("conflict") from exc


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


def put_session(session: Session) -> None:
    try:
        SessionModel(
            session.token_hash,
            account_id=session.account_id,
            role=session.role,
            expires_at=session.expires_at,
            must_change_password=session.must_change_password,
            region_ids=set(session.region_ids) or None,
            base_ids=set(session.base_ids) or None,
        ).save(condition=SessionModel.token_hash.does_not_exist())
    except PutError as exc:  # a 256-bit token collision: astronomically unlikely, never silent
        raise ConflictError("conflict") from exc


def get_session(token_hash: str) -> Session | None:
    try:
        return _session(SessionModel.get(token_hash))
    except DoesNotExist:
        return None


def delete_session(token_hash: str) -> None:
    SessionModel(token_hash).delete()


def revoke_sessions(account_id: str) -> None:
    with SessionModel.batch_write() as batch:
        for m in SessionModel.by_account.query(account_id):
            batch.delete(m)


def get_accounts(account_ids: set[str]) -> dict[str, Account]:
    """Many accounts in one BatchGetItem (lists of regions or bases show their contacts)."""
    if not account_ids:
        return {}
    return {m.account_id: _account(m) for m in AccountModel.batch_get(list(account_ids))}
