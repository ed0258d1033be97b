"""Ids, passwords and tokens.

Passwords: argon2id at OWASP's password-storage parameters (m=19 MiB, t=2, p=1).
Tokens: opaque random strings; only their SHA-256 is stored, so a read of the sessions
table gives nobody a working token.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from functools import lru_cache
from typing import TYPE_CHECKING

from chalicelib.domain.accounts import INITIAL_PASSWORD_LENGTH, PASSWORD_ALPHABET

if TYPE_CHECKING:
    from argon2 import PasswordHasher


@lru_cache(maxsize=1)
def _hasher() -> PasswordHasher:
    from argon2 import PasswordHasher, Type

    return PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1, type=Type.ID)


def new_id() -> str:
    return uuid.uuid4().hex


def new_password() -> str:
    return "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(INITIAL_PASSWORD_LENGTH))


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    from argon2.exceptions import InvalidHashError, VerificationError

    try:
        return _hasher().verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


# A real hash of a random password: verified against when the phone is unknown, so an unknown
# phone costs the same time as a wrong password and the two cannot be told apart.
@lru_cache(maxsize=1)
def decoy_hash() -> str:
    return hash_password(new_password())


def new_code(digits: int) -> str:
    """A numeric one-time code (an SMS reset code), uniformly random."""
    return "".join(secrets.choice("0123456789") for _ in range(digits))


def code_hash(phone: str, code: str) -> str:
    """A reset code as stored: salted SHA-256, bound to its phone. A code lives ten minutes
    and allows five tries, so a fast hash is enough; the salt keeps one table's codes from
    being looked up in a table computed in advance."""
    salt = secrets.token_hex(16)
    return f"{salt}${hashlib.sha256(f'{salt}:{phone}:{code}'.encode()).hexdigest()}"


def code_matches(stored: str, phone: str, code: str) -> bool:
    import hmac

    salt, _, digest = stored.partition("$")
    given = hashlib.sha256(f"{salt}:{phone}:{code}".encode()).hexdigest()
    return hmac.compare_digest(given, digest)
