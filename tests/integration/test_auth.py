"""Accounts and credentials (API.md "Accounts"; issue: foundation, items 5 and the bad input)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from chalicelib.adapters import clock
from tests.integration.conftest import ADMIN_PHONE, STRONG, Api, error_of, password_from_sms, sms_to

pytestmark = pytest.mark.integration


def test_admin_credentials_sms_says_who_account_password_and_site(api: Api, admin: str) -> None:
    # Given the admin created from the command line
    text = sms_to(ADMIN_PHONE)[0]
    # Then the SMS names the role, the phone as account, the password and the site
    assert "管理员" in text and f"账号：{ADMIN_PHONE}" in text and "初始密码：" in text and "http" in text
    password = password_from_sms(ADMIN_PHONE)
    assert len(password) >= 12 and not set(password) & set("0O1lI")


def test_login_with_initial_password_requires_change(api: Api) -> None:
    from yanxiu_local.stack import ensure_admin

    ensure_admin(ADMIN_PHONE, "管理员")
    # When the admin logs in with the SMS password
    r = api.login(ADMIN_PHONE, password_from_sms(ADMIN_PHONE))
    # Then a token comes back that must change its password first
    assert r.status_code == 200
    assert r.data["must_change_password"] is True and r.data["role"] == "admin"
    assert r.data["expires_at"].endswith("+08:00")
    token = r.data["token"]
    blocked = api.call("GET", "/programmes", token)
    assert blocked.status_code == 403 and blocked.data["error"]["code"] == "password_change_required"
    me = api.call("GET", "/me", token)
    assert me.status_code == 200 and me.data["phone"] == "138****0000"


def test_password_change_revokes_old_sessions_and_returns_a_new_token(api: Api) -> None:
    from yanxiu_local.stack import ensure_admin

    ensure_admin(ADMIN_PHONE, "管理员")
    initial = password_from_sms(ADMIN_PHONE)
    first = api.login(ADMIN_PHONE, initial).data["token"]
    second = api.login(ADMIN_PHONE, initial).data["token"]
    r = api.call("POST", "/auth/password", first, {"old_password": initial, "new_password": STRONG})
    assert r.status_code == 200 and r.data["must_change_password"] is False
    # Then both old tokens stop working and the new one works everywhere
    for old in (first, second):
        gone = api.call("GET", "/me", old)
        assert gone.status_code == 401 and gone.data["error"]["code"] == "invalid_token"
    assert api.call("GET", "/programmes", r.data["token"]).status_code == 200
    # And the old password no longer logs in, the new one does
    assert error_of(api.login(ADMIN_PHONE, initial)) == (401, "invalid_credentials")
    assert api.login(ADMIN_PHONE, STRONG).status_code == 200


def test_weak_or_same_new_password_is_422(api: Api) -> None:
    from yanxiu_local.stack import ensure_admin

    ensure_admin(ADMIN_PHONE, "管理员")
    initial = password_from_sms(ADMIN_PHONE)
    token = api.login(ADMIN_PHONE, initial).data["token"]
    for new in ("short", initial, f"x{ADMIN_PHONE}x"):
        r = api.call("POST", "/auth/password", token, {"old_password": initial, "new_password": new})
        assert r.status_code == 422 and "new_password" in r.data["error"]["fields"]


def test_wrong_old_password_is_401(api: Api, admin: str) -> None:
    r = api.call(
        "POST", "/auth/password", admin, {"old_password": "not-it-at-all", "new_password": "Another-Secret-1"}
    )
    assert r.status_code == 401 and r.data["error"]["code"] == "invalid_credentials"


def test_unknown_phone_and_wrong_password_answer_alike(api: Api, admin: str) -> None:
    wrong = api.login(ADMIN_PHONE, "wrong-password")
    unknown = api.login("13912345678", "wrong-password")
    assert error_of(wrong) == error_of(unknown) == (401, "invalid_credentials")
    assert wrong.data == unknown.data


def test_after_five_failures_each_try_waits_but_the_owner_is_never_locked_out(api: Api, admin: str) -> None:
    # Given five wrong passwords for the admin's phone, from anyone
    for _ in range(5):
        assert error_of(api.login(ADMIN_PHONE, "wrong-password")) == (401, "invalid_credentials")
    # Then the next try at once must wait a second, even with the right password
    early = api.login(ADMIN_PHONE, STRONG)
    assert error_of(early) == (429, "too_many_attempts") and early.headers["Retry-After"] == "1"
    # And a second later the owner is in (no fifteen-minute lock-out)
    clock.advance(timedelta(seconds=1))
    assert api.login(ADMIN_PHONE, STRONG).status_code == 200
    # When someone keeps guessing, each guess waits longer, never more than a minute
    for _ in range(5):
        api.login(ADMIN_PHONE, "wrong-password")
    waits = []
    for _ in range(9):
        refused = api.login(ADMIN_PHONE, "wrong-password")
        assert error_of(refused) == (429, "too_many_attempts")
        waits.append(int(refused.headers["Retry-After"]))
        clock.advance(timedelta(seconds=waits[-1]))
        assert error_of(api.login(ADMIN_PHONE, "wrong-password")) == (401, "invalid_credentials")
    assert waits == [1, 2, 4, 8, 16, 32, 60, 60, 60]
    # And the owner, waiting its turn like anyone, still gets in
    clock.advance(timedelta(seconds=60))
    assert api.login(ADMIN_PHONE, STRONG).status_code == 200


def test_unknown_phone_is_slowed_like_a_known_one(api: Api) -> None:
    for _ in range(5):
        assert error_of(api.login("13912345678", "guess")) == (401, "invalid_credentials")
    r = api.login("13912345678", "guess")
    assert r.status_code == 429 and r.headers["Retry-After"] == "1"


def test_initial_password_stops_working_after_72_hours(api: Api) -> None:
    from yanxiu_local.stack import ensure_admin

    ensure_admin(ADMIN_PHONE, "管理员")
    clock.advance(timedelta(hours=72, seconds=1))
    r = api.login(ADMIN_PHONE, password_from_sms(ADMIN_PHONE))
    assert r.status_code == 401 and r.data["error"]["code"] == "initial_password_expired"


def test_logout_ends_the_token(api: Api, admin: str) -> None:
    assert api.call("POST", "/auth/logout", admin).status_code == 204
    r = api.call("GET", "/me", admin)
    assert r.status_code == 401 and r.data["error"]["code"] == "invalid_token"


def test_expired_session_is_401(api: Api, admin: str) -> None:
    clock.advance(timedelta(hours=12, seconds=1))
    r = api.call("GET", "/me", admin)
    assert r.status_code == 401 and r.data["error"]["code"] == "invalid_token"


def test_missing_tampered_and_foreign_scheme_tokens_are_401(api: Api, admin: str) -> None:
    for headers in ({}, {"Authorization": f"Bearer {admin[:-2]}xx"}, {"Authorization": f"Basic {admin}"}):
        r = api.call("GET", "/me", headers=headers)
        assert r.status_code == 401, headers
        assert r.data["error"]["code"] in {"unauthenticated", "invalid_token"}
