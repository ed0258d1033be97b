"""Two regions created at once with the same contact phone yield exactly one account
(issue: concurrency tier). Threads race against DynamoDB Local, whose conditional writes
and transactions are atomic as in DynamoDB; moto's in-process mock is not."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator

import pytest
from pynamodb.exceptions import DoesNotExist

from chalicelib.adapters import clock
from chalicelib.adapters.secrets import new_id
from chalicelib.db import accounts as accounts_repo
from chalicelib.db.models import AccountModel, CredentialModel, RegionModel
from chalicelib.domain.vocab import Role
from chalicelib.services import setup
from tests.concurrency.race import (
    CallCounter,
    SmsRecorder,
    accounts_with_phone,
    credential_messages_to,
    next_phone,
    race,
)

pytestmark = pytest.mark.concurrency

# Rounds per thread count: 3 x 7 = 21 rounds by default; raise it for a soak run.
ROUNDS = int(os.environ.get("YANXIU_RACE_ROUNDS", "4"))
CONTROL_ROUNDS = 10


@pytest.fixture
def sms(monkeypatch: pytest.MonkeyPatch) -> Iterator[SmsRecorder]:
    recorder = SmsRecorder()
    # notify.deliver looks send_sms up on the module at each call, so patching it there is enough.
    monkeypatch.setattr("chalicelib.adapters.messaging.send_sms", recorder)
    yield recorder


@pytest.fixture
def lost_claims(monkeypatch: pytest.MonkeyPatch) -> CallCounter:
    """Counts the phone claims lost to another thread: proof the threads really overlapped
    on the contested write, not merely ran one after another."""
    counter = CallCounter(accounts_repo.create_account, accounts_repo.PhoneClaimedError)
    monkeypatch.setattr(accounts_repo, "create_account", counter)
    return counter


def contact(phone: str) -> dict[str, str]:
    return {"name": "李老师", "phone": phone, "email": "li@example.cn"}


@pytest.mark.parametrize("threads", [2, 4, 8])
def test_create_region_same_phone_at_once_yields_one_account(
    threads: int, sms: SmsRecorder, lost_claims: CallCounter
) -> None:
    for round_no in range(ROUNDS):
        where = f"round {round_no}, {threads} threads"
        # Given a contact phone no account has yet
        phone = next_phone()
        # When that many regions naming it as contact are created at the same instant
        outcomes = race(
            threads, lambda i, phone=phone: setup.create_region(f"实验区{phone}-{i}", contact(phone))
        )
        # Then every call succeeds (the losers of the phone claim take the reuse path) ...
        errors = [o.describe() for o in outcomes if o.error is not None]
        assert not errors, f"{where}: {errors}"
        regions = [o.value[0] for o in outcomes]
        account_ids = {o.value[1].account_id for o in outcomes}
        # ... all with one and the same account
        assert len(account_ids) == 1, f"{where}: {len(account_ids)} accounts returned"
        account_id = account_ids.pop()
        stored = accounts_with_phone(phone)
        assert [a.account_id for a in stored] == [account_id], f"{where}: accounts stored {len(stored)}"
        assert CredentialModel.get(phone, consistent_read=True).account_id == account_id, where
        # And every region exists with that contact, and the account is the contact of all of them
        region_ids = {r.region_id for r in regions}
        assert len(region_ids) == threads, where
        for region_id in region_ids:
            assert RegionModel.get(region_id, consistent_read=True).contact_account_id == account_id, where
        assert set(AccountModel.get(account_id, consistent_read=True).region_ids or ()) == region_ids, where
        # And exactly one credentials SMS was sent, and the outbox recorded exactly one (each
        # region is also told of the session's open programmes, once each)
        sent = [text for text in sms.to(phone) if "初始密码" in text]
        assert len(sent) == 1, f"{where}: {len(sent)} credentials SMS sent"
        recorded = credential_messages_to(phone)
        assert len(recorded) == 1, f"{where}: {len(recorded)} credentials messages recorded"
        assert recorded[0].account_id == account_id, where
    # And the rounds did race: some thread lost the phone claim and took the reuse path
    assert lost_claims.raised > 0, "no round had two threads claim the phone at once"


def racy_open_account(phone: str, name: str) -> str:
    """The bug the service avoids: look the phone up, then write unconditionally. Two
    threads can both see no credential and both create an account."""
    try:
        return CredentialModel.get(phone, consistent_read=True).account_id
    except DoesNotExist:
        pass
    time.sleep(0.005)  # widen the gap between the read and the write, as a slow request would
    account_id = new_id()
    AccountModel(
        account_id, role=Role.region_contact, name=name, phone=phone, created_at=clock.now(), name_key=name
    ).save()
    CredentialModel(phone, account_id=account_id).save()
    return account_id


def test_race_harness_catches_read_then_write_duplicates() -> None:
    # Given the harness of the test above and a deliberately racy account creation
    duplicated_in = None
    for round_no in range(CONTROL_ROUNDS):
        phone = next_phone()
        # When four threads create an account for one fresh phone at once
        outcomes = race(4, lambda i, phone=phone: racy_open_account(phone, f"李老师{i}"))
        assert all(o.error is None for o in outcomes), [o.describe() for o in outcomes]
        if len(accounts_with_phone(phone)) > 1:
            duplicated_in = round_no
            break
    # Then some round stores more than one account for the phone: the harness sees the bug
    assert duplicated_in is not None, f"no duplicate account in {CONTROL_ROUNDS} racy rounds"


GUESSES = 12


@pytest.mark.parametrize("known", [True, False])
def test_a_burst_of_wrong_passwords_gets_no_more_tries_than_one_by_one(
    known: bool, sms: SmsRecorder, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalicelib.adapters import secrets
    from chalicelib.domain import accounts as account_rules
    from chalicelib.domain.errors import TooManyAttemptsError, UnauthenticatedError
    from chalicelib.services import auth

    # Given a phone (with an account, or none), and a count of the passwords really checked
    phone = next_phone()
    if known:
        setup.create_region(f"撞库测试区{phone}", contact(phone))
    calls: list[int] = []
    real_verify = secrets.verify_password

    def counted(stored: str, password: str) -> bool:
        calls.append(1)
        return bool(real_verify(stored, password))

    monkeypatch.setattr(secrets, "verify_password", counted)
    # When that many wrong passwords are sent for it at one instant
    outcomes = race(GUESSES, lambda i: auth.login(phone, f"Wrong-Guess-{i:04d}"))
    # Then none logs in: each is a wrong password or told to wait, nothing else
    kinds = [type(o.error) for o in outcomes]
    assert all(k in (UnauthenticatedError, TooManyAttemptsError) for k in kinds), [
        o.describe() for o in outcomes
    ]
    # And no more passwords were checked than one guess after another would allow (the free
    # tries; every later one waits its turn)
    assert len(calls) <= account_rules.FREE_FAILURES, f"{len(calls)} passwords checked"
    assert kinds.count(TooManyAttemptsError) >= GUESSES - account_rules.FREE_FAILURES
    # And the next guess at once must wait too, refused without a check
    with pytest.raises(TooManyAttemptsError):
        auth.login(phone, "Wrong-Guess-next")
    assert len(calls) <= account_rules.FREE_FAILURES


@pytest.mark.parametrize("senders", [2, 4])
def test_a_message_sent_by_several_senders_at_once_goes_out_once(senders: int, sms: SmsRecorder) -> None:
    from chalicelib.db import outbox
    from chalicelib.services import notify

    for round_no in range(ROUNDS):
        # Given a recorded message (a request about to send it, drains that read it)
        phone = next_phone()
        message = notify.sms("credentials", None, phone, f"第{round_no}轮")  # not held at night
        outbox.record(message)
        # When that many senders deliver it at one instant, some one by one, some in a batch
        outcomes = race(
            senders,
            lambda i, m=message: notify.deliver(m) if i % 2 else notify.deliver_all([m]),
        )
        # Then it went out once, and is marked sent
        assert not [o.describe() for o in outcomes if o.error is not None]
        assert len(sms.to(phone)) == 1, f"round {round_no}: {len(sms.to(phone))} sent"
        stored = outbox.get(message.message_id)
        assert stored is not None and stored.status == "sent" and stored.attempts == 1
