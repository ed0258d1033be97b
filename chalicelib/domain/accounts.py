"""Account and credential rules: password policy, lock-out, initial-password expiry, sessions.

Every function takes plain values and the current time, so tests set the clock.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path

from chalicelib.domain.errors import ValidationFailedError, problem

# An initial password sent by SMS stops working if it is not replaced within this time.
INITIAL_PASSWORD_TTL = timedelta(hours=72)
# Guessing is slowed, never turned into a lock-out of the owner (anyone can type five wrong
# passwords for someone else's phone): FREE_FAILURES wrong passwords within FAILURE_WINDOW
# cost nothing; after that each further try for the phone must wait, 1 s, 2 s, 4 s, … up to
# MAX_WAIT. The owner who forgot gets in by an SMS code (reset), whatever the counter says.
FREE_FAILURES = 5
FAILURE_WINDOW = timedelta(minutes=15)
MAX_WAIT = timedelta(minutes=1)

# Initial passwords: no look-alike characters (0/O/o, 1/l/I), so they survive being read off
# a phone screen and typed.
PASSWORD_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZabcdefghjkmnpqrstuvwxyz"  # noqa: S105 - an alphabet
INITIAL_PASSWORD_LENGTH = 14

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 128

# Reset codes: 6 digits by SMS, good for 10 minutes and 5 tries; one a minute per phone.
RESET_CODE_DIGITS = 6
RESET_CODE_TTL = timedelta(minutes=10)
RESET_CODE_TRIES = 5
RESET_CODE_INTERVAL = timedelta(minutes=1)
# At most this many codes a phone a day: 5 codes x 5 tries = 25 guesses of a million a day,
# whoever asks (the daily SMS cap alone would stop the SMS, not the codes).
RESET_CODES_PER_DAY = 5
# A reset request takes at least this long, account or not: a code's KMS seal, transaction
# and SMS take time that the answer for an unknown phone would otherwise not.
RESET_REQUEST_FLOOR = 0.5  # seconds


@dataclass(frozen=True)
class LoginState:
    """What the service knows of a phone's recent login failures."""

    failures: int = 0
    window_started_at: datetime | None = None
    locked_until: datetime | None = None  # the next try waits until then


def lock_remaining(state: LoginState, now: datetime) -> int:
    """Seconds the next try for the phone must wait (0: it may go now)."""
    if state.locked_until is None or state.locked_until <= now:
        return 0
    return math.ceil((state.locked_until - now).total_seconds())


def wait_after(failures: int) -> timedelta:
    """The wait before the next try once `failures` wrong passwords are in the window."""
    if failures < FREE_FAILURES:
        return timedelta(0)
    return min(MAX_WAIT, timedelta(seconds=2 ** (failures - FREE_FAILURES)))


def after_failure(state: LoginState, now: datetime) -> LoginState:
    """The state after one more wrong password (a new window once the last one is over)."""
    fresh = state.window_started_at is None or now - state.window_started_at > FAILURE_WINDOW
    failures = 1 if fresh else state.failures + 1
    started = now if fresh else state.window_started_at
    wait = wait_after(failures)
    return LoginState(failures=failures, window_started_at=started, locked_until=now + wait if wait else None)


def login_state_expiry(state: LoginState) -> datetime | None:
    """When the counter no longer matters (its TTL): after its window and any wait."""
    ends = [
        t
        for t in (state.window_started_at and state.window_started_at + FAILURE_WINDOW, state.locked_until)
        if t
    ]
    return max(ends) + timedelta(minutes=1) if ends else None


def initial_password_expired(expires_at: datetime | None, now: datetime) -> bool:
    return expires_at is not None and now >= expires_at


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The shipped list of passwords that lead the leak lists (read on first use)."""
    text = (Path(__file__).with_name("common_passwords.txt")).read_text(encoding="utf-8")
    return frozenset(line.strip().lower() for line in text.splitlines() if line and not line.startswith("#"))


def _guessable(password: str) -> bool:
    """On the common list, one character repeated, or a run of consecutive characters
    (1234567890, abcdefghij): what a guesser tries first."""
    lowered = password.lower()
    if lowered in common_passwords() or len(set(password)) == 1:
        return True
    steps = {ord(b) - ord(a) for a, b in zip(password, password[1:], strict=False)}
    return steps in ({1}, {-1})


def check_new_password(new: str, old: str | None, phone: str) -> None:
    """OWASP ASVS: length is what counts; refuse the old password, the phone number and the
    passwords a guesser tries first."""
    if not MIN_PASSWORD_LENGTH <= len(new) <= MAX_PASSWORD_LENGTH:
        raise ValidationFailedError(
            fields={
                "new_password": problem("password_length", low=MIN_PASSWORD_LENGTH, high=MAX_PASSWORD_LENGTH)
            }
        )
    if old is not None and new == old:
        raise ValidationFailedError(fields={"new_password": problem("password_unchanged")})
    if phone and phone in new:
        raise ValidationFailedError(fields={"new_password": problem("password_has_phone")})
    if _guessable(new):
        raise ValidationFailedError(fields={"new_password": problem("password_common")})


def session_expiry(now: datetime, hours: int) -> datetime:
    return now + timedelta(hours=hours)


def mask_email(email: str | None) -> str | None:
    """l***@example.cn: the domain and the first letter, as phones keep their ends."""
    if not email:
        return email
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain}" if domain else "***"


def mask_phone(phone: str) -> str:
    """138****0000: enough to recognise one's own number, not enough to call it."""
    if len(phone) < 7:
        return "*" * len(phone)
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]
