"""Ids, passwords and tokens.

Passwords: argon2id at OWASP's password-storage parameters (m=19 MiB, t=2, p=1) for what a
person chooses. An initial password is ours: 14 characters of 54 (about 80 bits), random,
valid 72 hours and changed at first login; no hash cost adds to that, so it is hashed lightly
(t=1, m=1 MiB, still argon2id). That keeps a 国培 county's 340 new accounts within one
request; the parameters travel in the hash, so one verify serves both.
Tokens: opaque random strings; only their SHA-256 is stored, so a read of the sessions
table gives nobody a working token.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from functools import lru_cache
from typing import TYPE_CHECKING

from chalicelib.config import settings
from chalicelib.domain.accounts import INITIAL_PASSWORD_LENGTH, PASSWORD_ALPHABET

if TYPE_CHECKING:
    from argon2 import PasswordHasher


OWASP = (2, 19 * 1024)  # time cost, memory in KiB: a person's own password
LIGHT = (1, 1024)  # an initial password (ours, random, short-lived)


@lru_cache(maxsize=1)
def _hasher() -> PasswordHasher:
    from argon2 import PasswordHasher, Type

    time_cost, memory_cost = LIGHT if settings().cheap_hashes else OWASP
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_cost, parallelism=1, type=Type.ID)


def new_id() -> str:
    return uuid.uuid4().hex


def new_password() -> str:
    return "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(INITIAL_PASSWORD_LENGTH))


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@lru_cache(maxsize=1)
def _light_hasher() -> PasswordHasher:
    from argon2 import PasswordHasher, Type

    time_cost, memory_cost = LIGHT
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_cost, parallelism=1, type=Type.ID)


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def hash_initial_password(password: str) -> str:
    """The hash of a password from new_password() (never of one a person chose)."""
    return _light_hasher().hash(password)


def _is_light(stored_hash: str) -> bool:
    from argon2.exceptions import InvalidHashError

    try:
        return not _light_hasher().check_needs_rehash(stored_hash)
    except InvalidHashError:
        return False


def verify_password(stored_hash: str, password: str) -> bool:
    from argon2.exceptions import InvalidHashError, VerificationError

    try:
        ok: bool = _hasher().verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        ok = False
    if _is_light(stored_hash):
        # An initial password verifies in a millisecond: spend a full verify as well, so the
        # time of a login does not tell whether the account still holds its initial password.
        try:
            _hasher().verify(decoy_hash(), password)
        except (VerificationError, InvalidHashError):
            pass
    return ok


# A real hash of a random password: verified against when the phone is unknown, so an unknown
# phone costs the same time as a wrong password and the two cannot be told apart.
@lru_cache(maxsize=1)
def decoy_hash() -> str:
    return hash_password(new_password())


def new_code(digits: int) -> str:
    """A numeric one-time code (an SMS reset code), uniformly random."""
    return "".join(secrets.choice("0123456789") for _ in range(digits))
