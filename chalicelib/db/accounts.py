"""Accounts and credentials (keyed by phone).

Access patterns:
- a new account: one transaction that claims the phone (attribute_not_exists(account_id) on
  credentials[phone]), puts the account, the region or base it is the contact of (with the
  claim of that one's name) and its credentials SMS.
- GET /me: GetItem accounts[account_id]; login: the credential (db/sessions.py).
- password change, reset, reissue, disable: UpdateItem credentials (reissue and disable in
  one transaction with the audit entry), then every session ended (db/sessions.py).
- the office's and a region contact's account list: Query accounts.by_name / by_role /
  by_home_region (begins_with the name searched), or a phone's credential (GetItem).
(Login counters and sessions: db/sessions.py; reset codes: db/resets.py.)
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pynamodb.exceptions import DoesNotExist

from chalicelib.db.audit import audit_item
from chalicelib.db.catalog import base_item, name_claim_item, region_item
from chalicelib.db.common import cursor_checked, decode_cursor, encode_cursor
from chalicelib.db.models import AccountModel, BaseModel_, ClaimModel, CredentialModel, RegionModel
from chalicelib.db.outbox import message_item
from chalicelib.db.sessions import clear_login_state, credential_from_model, get_credential, revoke_sessions
from chalicelib.db.writes import Transaction, failing_as, transaction
from chalicelib.domain.errors import ConflictError
from chalicelib.domain.records import Account, AuditEntry, Base, Credential, Message, Page, Region


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


def get_credentials(phones: set[str]) -> dict[str, Credential]:
    """Many phones' login records in one BatchGetItem."""
    if not phones:
        return {}
    return {
        m.phone: credential_from_model(m)
        for m in CredentialModel.batch_get(list(phones), consistent_read=True)
    }


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
    with transaction(errors={"name": ConflictError("name_taken"), "phone": PhoneClaimedError()}) as tx:
        claim_phone(tx, account, password_hash, initial_expires_at, tag="phone")
        for each in [message, *(also or [])]:
            tx.save(message_item(each))
        _new_region_or_base(tx, region, base)


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
    with transaction(
        errors={"name": ConflictError("name_taken"), "role": ConflictError("phone_taken")}
    ) as tx:
        if region is not None:
            tx.update(item, [AccountModel.region_ids.add({region.region_id})], same_role, tag="role")
        elif base is not None:
            tx.update(item, [AccountModel.base_ids.add({base.base_id})], same_role, tag="role")
        _new_region_or_base(tx, region, base)
    revoke_sessions(account.phone)  # sessions carry the region ids: make the next login see the new one


# --- passwords ----------------------------------------------------------------------------------


def reissue_password(
    account: Account,
    password_hash: str,
    initial_expires_at: datetime,
    message: Message,
    entry: AuditEntry | None = None,
    also: list[Message] | None = None,
) -> None:
    """A new initial password for an existing account, with its SMS (and `also`: the e-mail
    beside it; and the audit entry of who asked): the old password and every session stop
    working, earlier failures go."""
    with transaction(errors={"credential": ConflictError("conflict")}) as tx:
        tx.update(
            CredentialModel(account.phone),
            actions=[
                CredentialModel.password_hash.set(password_hash),
                CredentialModel.must_change_password.set(True),
                CredentialModel.initial_expires_at.set(initial_expires_at),
            ],
            condition=CredentialModel.account_id == account.account_id,
            tag="credential",
        )
        for item in (message, *(also or ())):
            tx.save(message_item(item))
        if entry is not None:
            tx.save(audit_item(entry))
    clear_login_state(account.phone)
    revoke_sessions(account.phone)


def set_password(account_id: str, phone: str, password_hash: str) -> None:
    with failing_as(ConflictError("conflict")):
        CredentialModel(phone).update(
            actions=[
                CredentialModel.password_hash.set(password_hash),
                CredentialModel.must_change_password.set(False),
                CredentialModel.initial_expires_at.remove(),
            ],
            condition=CredentialModel.account_id == account_id,
        )


def set_disabled(account: Account, disabled: bool, entry: AuditEntry) -> None:
    """Disable (or enable) the account: its login is refused, its sessions end."""
    with transaction(errors={"account": ConflictError("conflict")}) as tx:
        tx.update(
            CredentialModel(account.phone),
            actions=[CredentialModel.disabled.set(disabled)],
            condition=CredentialModel.account_id == account.account_id,
            tag="account",
        )
        tx.update(
            AccountModel(account.account_id),
            actions=[AccountModel.disabled.set(disabled)],
            condition=AccountModel.account_id.exists(),
            tag="account",
        )
        tx.save(audit_item(entry))
    if disabled:
        revoke_sessions(account.phone)


def get_accounts(account_ids: set[str]) -> dict[str, Account]:
    """Many accounts in one BatchGetItem (lists of regions or bases show their contacts)."""
    if not account_ids:
        return {}
    return {m.account_id: _account(m) for m in AccountModel.batch_get(list(account_ids))}


# --- finding accounts ---------------------------------------------------------------------------


def find_accounts(
    *, role: str | None, home_region: str | None, name: str | None, limit: int, cursor: str | None
) -> Page[Account]:
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


def find_phone(phone: str) -> Account | None:
    cred = get_credential(phone)
    return get_account(cred.account_id) if cred and cred.account_id else None
