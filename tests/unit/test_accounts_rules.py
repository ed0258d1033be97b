"""Account rules in plain Python: lock-out, password policy, masking, expiry."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.adapters.secrets import hash_password, new_password, verify_password
from chalicelib.domain import accounts as rules
from chalicelib.domain.errors import ValidationFailedError

pytestmark = pytest.mark.unit
T0 = datetime(2026, 7, 1, tzinfo=UTC)


def test_lockout_fifth_failure_in_window_locks_for_fifteen_minutes() -> None:
    state = rules.LoginState()
    for i in range(4):
        state = rules.after_failure(state, T0 + timedelta(seconds=i))
        assert rules.lock_remaining(state, T0) == 0
    state = rules.after_failure(state, T0 + timedelta(seconds=4))
    assert rules.lock_remaining(state, T0 + timedelta(seconds=4)) == 15 * 60
    assert rules.lock_remaining(state, T0 + timedelta(seconds=4, minutes=15)) == 0


def test_lockout_failures_outside_the_window_start_over() -> None:
    state = rules.LoginState()
    for i in range(4):
        state = rules.after_failure(state, T0 + timedelta(seconds=i))
    later = rules.after_failure(state, T0 + timedelta(minutes=16))
    assert later.failures == 1 and rules.lock_remaining(later, T0 + timedelta(minutes=16)) == 0


def test_initial_password_expiry_boundary() -> None:
    expires = T0 + rules.INITIAL_PASSWORD_TTL
    assert not rules.initial_password_expired(expires, expires - timedelta(seconds=1))
    assert rules.initial_password_expired(expires, expires)
    assert not rules.initial_password_expired(None, expires)


@pytest.mark.parametrize("new", ["short", "x" * 129, "same-as-old-1", "a13800000000b"])
def test_new_password_policy_refuses(new: str) -> None:
    with pytest.raises(ValidationFailedError) as err:
        rules.check_new_password(new, "same-as-old-1", "13800000000")
    assert "new_password" in err.value.fields


def test_new_password_policy_accepts_a_long_one() -> None:
    rules.check_new_password("a long passphrase", "old-password", "13800000000")


def test_mask_phone_keeps_prefix_and_last_four() -> None:
    assert rules.mask_phone("13812345678") == "138****5678"


def test_generated_passwords_are_long_random_and_unambiguous() -> None:
    passwords = {new_password() for _ in range(200)}
    assert len(passwords) == 200
    assert all(len(p) >= 12 and not set(p) & set("0Oo1lI") for p in passwords)


def test_argon2id_hash_verifies_only_the_right_password() -> None:
    stored = hash_password("correct horse")
    assert stored.startswith("$argon2id$") and "m=19456,t=2,p=1" in stored
    assert verify_password(stored, "correct horse")
    assert not verify_password(stored, "wrong horse")
    assert not verify_password("not-a-hash", "correct horse")
