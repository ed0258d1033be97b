"""Initial passwords are hashed lightly (they are random, ~80 bits, and short-lived); a
person's own at full cost; a login costs the same either way."""

from __future__ import annotations

import pytest

from chalicelib.adapters import secrets

pytestmark = [pytest.mark.unit, pytest.mark.usefixtures("production_hashes")]


def _params(stored: str) -> str:
    return stored.split("$")[3]  # "$argon2id$v=19$m=...,t=...,p=...$salt$hash"


def test_an_initial_password_is_hashed_lightly_and_a_chosen_one_at_full_cost() -> None:
    initial = secrets.new_password()
    light = secrets.hash_initial_password(initial)
    full = secrets.hash_password("Yanxiu-2026-Secret")
    assert light.startswith("$argon2id$") and _params(light) == "m=1024,t=1,p=1"
    assert _params(full) == "m=19456,t=2,p=1"
    assert secrets.verify_password(light, initial) and not secrets.verify_password(light, initial + "x")
    assert secrets.verify_password(full, "Yanxiu-2026-Secret")


def test_a_login_against_an_initial_password_spends_a_full_verify_too(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Otherwise a login's time would tell that the account still holds its initial password.
    hasher = secrets._hasher()
    full_verifies = []
    original = type(hasher).verify

    def counting(self: object, stored: str, password: str) -> bool:
        if self is hasher:
            full_verifies.append(_params(stored))
        return original(self, stored, password)  # type: ignore[arg-type]

    monkeypatch.setattr(type(hasher), "verify", counting)
    initial = secrets.new_password()
    secrets.verify_password(secrets.hash_initial_password(initial), initial)
    assert "m=19456,t=2,p=1" in full_verifies
    full_verifies.clear()
    secrets.verify_password(secrets.hash_password("Yanxiu-2026-Secret"), "wrong")
    assert full_verifies == ["m=19456,t=2,p=1"]  # a person's password: one verify, no decoy


def test_a_hash_that_is_not_argon2_verifies_nothing() -> None:
    assert secrets.verify_password("not-a-hash", "anything") is False
