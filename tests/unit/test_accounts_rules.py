"""Account rules in plain Python: lock-out, password policy, masking, expiry."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.adapters.secrets import hash_password, new_password, verify_password
from chalicelib.domain import accounts as rules
from chalicelib.domain.errors import ValidationFailedError

pytestmark = pytest.mark.unit
T0 = datetime(2026, 7, 1, tzinfo=UTC)


def test_after_five_failures_each_try_waits_a_growing_delay_capped_at_a_minute() -> None:
    # Given five wrong passwords in a row: the first four cost nothing
    state, now = rules.LoginState(), T0
    for _ in range(4):
        state = rules.after_failure(state, now)
        assert rules.lock_remaining(state, now) == 0
    # Then from the fifth on, the next try waits 1, 2, 4, ... seconds, never more than 60
    waits = []
    for _ in range(10):
        state = rules.after_failure(state, now)
        waits.append(rules.lock_remaining(state, now))
        now += timedelta(seconds=waits[-1])
    assert waits == [1, 2, 4, 8, 16, 32, 60, 60, 60, 60]
    # And nobody is shut out for long: a minute later the owner may try again
    assert rules.lock_remaining(state, now) == 0
    # And the counter's TTL outlives both its window and its wait
    expiry = rules.login_state_expiry(state)
    assert expiry is not None and state.locked_until is not None and state.window_started_at is not None
    assert expiry > state.locked_until and expiry > state.window_started_at + rules.FAILURE_WINDOW


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


@pytest.mark.usefixtures("production_hashes")
def test_argon2id_hash_verifies_only_the_right_password() -> None:
    stored = hash_password("correct horse")
    assert stored.startswith("$argon2id$") and "m=19456,t=2,p=1" in stored
    assert verify_password(stored, "correct horse")
    assert not verify_password(stored, "wrong horse")
    assert not verify_password("not-a-hash", "correct horse")


def test_reset_codes_and_email_masks() -> None:
    assert rules.mask_email("li.laoshi@example.cn") == "l***@example.cn"
    assert rules.mask_email(None) is None and rules.mask_email("nodomain") == "***"
    assert rules.RESET_CODE_DIGITS == 6 and rules.RESET_CODE_TRIES == 5
    assert rules.RESET_CODE_TTL == timedelta(minutes=10)
