"""Login counters and sessions.

Access patterns:
- login: one TransactGetItems for the phone's login counter and credential; UpdateItem the
  counter by compare and set (the attempt counted first); DeleteItem it on success.
- a session: one transaction lists it on its credential (sessions.<hash> = expiry) under the
  condition that the account is enabled and its password is the one the login checked, and
  puts it. Every request: GetItem sessions[token_hash].
- ending every session of an account (password change, reset, reissue, disable): a strong
  read of the credential's list, a BatchWrite of deletes, the list emptied of them: no index
  that may lag decides which sessions go.
"""

from __future__ import annotations

from pynamodb.exceptions import AttributeDeserializationError, DoesNotExist
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action
from pynamodb.transactions import TransactGet

from chalicelib.db.common import connection
from chalicelib.db.models import CounterModel, CredentialModel, SessionModel
from chalicelib.db.writes import Refusal, applied, transaction
from chalicelib.domain.accounts import LoginState, login_state_expiry
from chalicelib.domain.errors import ConflictError, ForbiddenError, UnauthenticatedError
from chalicelib.domain.records import Credential, Session


def credential_from_model(m: CredentialModel) -> Credential:
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


def get_credential(phone: str) -> Credential | None:
    try:
        return credential_from_model(CredentialModel.get(phone, consistent_read=True))
    except DoesNotExist:
        return None


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
        credential: Credential | None = credential_from_model(cred.get())
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
    return applied(lambda: CounterModel(_login_key(phone)).update(actions=actions, condition=condition))


def clear_login_state(phone: str) -> None:
    """The right password (or a reset): earlier failures are forgiven."""
    CounterModel(_login_key(phone)).delete()


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
    listed = CredentialModel.sessions[session.token_hash].set(int(session.expires_at.timestamp()))
    pruned = [CredentialModel.sessions[h].remove() for h in expired[:PRUNE_PER_LOGIN]]
    enabled = CredentialModel.disabled.does_not_exist() | (CredentialModel.disabled == False)  # noqa: E712

    def disabled_or_changed(_: Refusal) -> Exception:
        now = get_credential(phone)
        if now is not None and now.disabled:
            return ForbiddenError("account_disabled")
        return UnauthenticatedError("invalid_credentials")  # the password changed meanwhile

    # A token collision (256 bits) is astronomically unlikely, and never silent
    with transaction(errors={"credential": disabled_or_changed, "token": ConflictError("conflict")}) as tx:
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
