"""Getting back into an account (issue 9, items 7, 8, 10 and 11): the SMS reset code, the
office's and a region contact's 账号管理 (find, reissue, disable, enable), one region or base
per name, e-mails masked for the base, and what is kept only for a while (TTL) or sealed."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from chalicelib.adapters import clock
from chalicelib.adapters.aws import client
from chalicelib.config import settings
from chalicelib.db.models import AuditModel, NotificationModel, ResetCodeModel
from chalicelib.jobs import JOBS
from tests.integration.conftest import (
    STRONG,
    Api,
    error_of,
    password_from_sms,
    region_body,
    sms_to,
)
from tests.integration.test_artifacts import BASE_PHONE, T1, T2, world

pytestmark = pytest.mark.integration
A = "13900000001"


def _code(phone: str) -> str:
    texts = [t for t in sms_to(phone) if "验证码" in t]
    assert texts, f"no reset code SMS to {phone}"
    found = re.search(r"验证码：([0-9]{6})", texts[-1])
    assert found
    return found.group(1)


@pytest.fixture
def w(api: Api, admin: str) -> dict:
    return world(api, admin)


# --- the reset --------------------------------------------------------------------------------------


def test_a_reset_code_by_sms_sets_a_new_password_and_ends_every_session(api: Api, w: dict) -> None:
    # Given a trainee logged in on two devices, and someone asking for an unknown phone too
    sessions = [api.login(T1, "Trainee-Secret-1").data["token"] for _ in range(2)]
    known = api.call("POST", "/auth/reset/request", body={"phone": T1})
    unknown = api.call("POST", "/auth/reset/request", body={"phone": "13512345678"})
    # Then both answers are alike, and only the account's phone gets a code
    assert known.status_code == unknown.status_code == 202 and known.data == unknown.data
    assert sms_to("13512345678") == []
    code = _code(T1)
    # When the code and a new password come back
    r = api.call("POST", "/auth/reset", body={"phone": T1, "code": code, "new_password": "Reset-Secret-2026"})
    assert r.status_code == 200
    # Then the new password works, the old one and every session do not, the code is spent
    assert api.login(T1, "Reset-Secret-2026").status_code == 200
    assert error_of(api.login(T1, "Trainee-Secret-1")) == (401, "invalid_credentials")
    for token in sessions:
        assert error_of(api.call("GET", "/me", token)) == (401, "invalid_token")
    again = api.call(
        "POST", "/auth/reset", body={"phone": T1, "code": code, "new_password": "Another-Secret-1"}
    )
    assert error_of(again) == (422, "invalid_reset_code") and "code" in again.data["error"]["fields"]
    # And the SMS kept in the outbox shows no code
    stored = [m for m in NotificationModel.scan() if m.purpose == "reset_code"]
    assert stored and all(code not in m.text for m in stored)


def test_five_wrong_codes_end_the_code(api: Api, w: dict) -> None:
    api.call("POST", "/auth/reset/request", body={"phone": T1})
    code = _code(T1)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for _ in range(5):
        r = api.call(
            "POST", "/auth/reset", body={"phone": T1, "code": wrong, "new_password": "Reset-Secret-2026"}
        )
        assert error_of(r) == (422, "invalid_reset_code")
    right = api.call(
        "POST", "/auth/reset", body={"phone": T1, "code": code, "new_password": "Reset-Secret-2026"}
    )
    assert error_of(right) == (422, "invalid_reset_code")
    assert api.login(T1, "Trainee-Secret-1").status_code == 200


def test_a_code_lives_ten_minutes_and_one_is_sent_a_minute(api: Api, w: dict) -> None:
    api.call("POST", "/auth/reset/request", body={"phone": T1})
    api.call("POST", "/auth/reset/request", body={"phone": T1})
    assert len([t for t in sms_to(T1) if "验证码" in t]) == 1  # one a minute
    code = _code(T1)
    clock.advance(timedelta(minutes=10, seconds=1))
    late = api.call(
        "POST", "/auth/reset", body={"phone": T1, "code": code, "new_password": "Reset-Secret-2026"}
    )
    assert error_of(late) == (422, "invalid_reset_code")
    # A fresh code replaces it
    api.call("POST", "/auth/reset/request", body={"phone": T1})
    fresh = _code(T1)
    ok = api.call(
        "POST", "/auth/reset", body={"phone": T1, "code": fresh, "new_password": "Reset-Secret-2026"}
    )
    assert ok.status_code == 200
    assert ResetCodeModel.count() == 0


def test_reset_codes_count_in_the_daily_sms_cap(api: Api, w: dict) -> None:
    # Given a phone that already had 8 SMS today (its credentials, its team's notes, ...)
    from chalicelib.db.models import CounterModel
    from chalicelib.domain.deadlines import local_day

    CounterModel(f"sms#{T1}#{local_day(clock.now())}").update(actions=[CounterModel.value.set(8)])
    sent_before = len(sms_to(T1))
    # When codes are asked for again and again
    for _ in range(5):
        api.call("POST", "/auth/reset/request", body={"phone": T1})
        clock.advance(timedelta(minutes=1, seconds=1))
    # Then only two more SMS go out: the cap of 10 holds for reset codes too
    assert len(sms_to(T1)) - sent_before == 2


def test_the_owner_of_a_phone_under_guessing_gets_in_by_a_reset_code(api: Api, w: dict) -> None:
    # Given someone guessing the trainee's password, over and over
    for _ in range(8):
        clock.advance(timedelta(seconds=30))
        api.login(T1, "wrong-password")
    assert error_of(api.login(T1, "wrong-password"))[0] == 429
    # When the owner resets by SMS, Then they are in at once
    api.call("POST", "/auth/reset/request", body={"phone": T1})
    body = {"phone": T1, "code": _code(T1), "new_password": "Reset-Secret-2026"}
    assert api.call("POST", "/auth/reset", body=body).status_code == 200
    assert api.login(T1, "Reset-Secret-2026").status_code == 200


# --- 账号管理 ----------------------------------------------------------------------------------------


def test_the_office_finds_accounts_by_name_phone_and_role(api: Api, admin: str, w: dict) -> None:
    by_name = api.call("GET", "/accounts?q=学员", admin).data["items"]
    assert sorted(a["name"] for a in by_name) == ["学员1", "学员2"]
    assert {a["phone"] for a in by_name} == {T1, T2}  # whole, for the office
    [by_phone] = api.call("GET", f"/accounts?q={T2}", admin).data["items"]
    assert by_phone["name"] == "学员2" and by_phone["home_region"] == w["region"]
    contacts = api.call("GET", "/accounts?role=region_contact", admin).data["items"]
    assert [a["phone"] for a in contacts] == [A]
    everyone = api.call("GET", "/accounts?limit=2", admin).data
    assert len(everyone["items"]) == 2 and everyone["next_cursor"]
    assert error_of(api.call("GET", "/accounts?role=boss", admin)) == (422, "validation_failed")


def test_a_region_contact_manages_its_trainees_only(api: Api, admin: str, w: dict) -> None:
    # Given another region whose contact has a trainee of its own (made as the world's are)
    contact = api.login(A, STRONG).data["token"]
    other = api.call("POST", "/regions", admin, region_body("13900000002", "宜川县")).data
    mine = api.call("GET", "/accounts", contact).data["items"]
    # Then the contact sees its two trainees, phones masked, and nobody else
    assert sorted(a["name"] for a in mine) == ["学员1", "学员2"]
    assert {a["phone"] for a in mine} == {"136****0001", "136****0002"}
    # When it reissues a trainee's credentials
    [t2] = [a for a in mine if a["name"] == "学员2"]
    t2_session = api.login(T2, "Trainee-Secret-2").data["token"]
    r = api.call("POST", f"/accounts/{t2['account_id']}/credentials", contact)
    assert r.status_code == 200 and r.data["credentials_sent"] is True
    # Then a new initial password goes out by SMS, the old one and the session stop working
    assert api.login(T2, password_from_sms(T2)).data["must_change_password"] is True
    assert error_of(api.login(T2, "Trainee-Secret-2")) == (401, "invalid_credentials")
    assert error_of(api.call("GET", "/me", t2_session)) == (401, "invalid_token")
    # And it is on record, who and when
    [entry] = list(AuditModel.query(f"account#{t2['account_id']}"))
    assert (
        entry.action == "reissue_credentials"
        and entry.actor_id == api.call("GET", "/me", contact).data["account_id"]
    )
    # But another region's contact account, or the base's, is not the contact's to manage
    base_account = api.call("GET", f"/accounts?q={BASE_PHONE}", admin).data["items"][0]["account_id"]
    for account_id in (other["contact"]["account_id"], base_account):
        assert error_of(api.call("POST", f"/accounts/{account_id}/credentials", contact)) == (
            404,
            "account_not_found",
        )
    assert error_of(api.call("POST", f"/accounts/{t2['account_id']}/disable", contact)) == (403, "forbidden")


def test_the_office_disables_and_enables_an_account(api: Api, admin: str, w: dict) -> None:
    token = api.login(T1, "Trainee-Secret-1").data["token"]
    [t1] = api.call("GET", f"/accounts?q={T1}", admin).data["items"]
    # When the office disables it
    r = api.call("POST", f"/accounts/{t1['account_id']}/disable", admin)
    assert r.status_code == 200 and r.data["disabled"] is True
    # Then its session ends, its login is refused, and no reset code is sent to it
    assert error_of(api.call("GET", "/me", token)) == (401, "invalid_token")
    assert error_of(api.login(T1, "Trainee-Secret-1")) == (403, "account_disabled")
    api.call("POST", "/auth/reset/request", body={"phone": T1})
    assert not [t for t in sms_to(T1) if "验证码" in t]
    assert error_of(api.call("POST", f"/accounts/{t1['account_id']}/credentials", admin)) == (
        409,
        "account_disabled",
    )
    # When it is enabled again, the person logs in as before
    assert api.call("POST", f"/accounts/{t1['account_id']}/enable", admin).data["disabled"] is False
    assert api.login(T1, "Trainee-Secret-1").status_code == 200
    actions = [e.action for e in AuditModel.query(f"account#{t1['account_id']}")]
    assert actions == ["disable", "enable"]
    # And the office cannot disable itself
    me = api.call("GET", "/me", admin).data["account_id"]
    assert error_of(api.call("POST", f"/accounts/{me}/disable", admin)) == (409, "cannot_disable_self")


# --- small ones: names, e-mails -------------------------------------------------------------------


def test_a_second_region_or_base_of_a_taken_name_is_refused(api: Api, admin: str) -> None:
    assert api.call("POST", "/regions", admin, region_body(A, "绥德县")).status_code == 201
    for name in ("绥德县", " 绥德县 ", "绥 德 县"):
        r = api.call("POST", "/regions", admin, region_body("13900000002", name))
        assert error_of(r) == (409, "name_taken"), name
    assert sms_to("13900000002") == []  # nothing was half-made
    # One contact for several regions stays allowed
    assert api.call("POST", "/regions", admin, region_body(A, "延长县")).status_code == 201
    base = {
        "name": "北京一小",
        "stages": ["primary"],
        "city": "北京",
        "contact": {"name": "王", "phone": BASE_PHONE},
    }
    assert api.call("POST", "/bases", admin, base).status_code == 201
    assert error_of(api.call("POST", "/bases", admin, {**base, "name": "北京一小"})) == (409, "name_taken")


def test_the_base_sees_trainees_emails_masked(api: Api, admin: str, w: dict) -> None:
    from chalicelib.db.models import TraineeModel

    [t2] = [t for t in TraineeModel.by_batch.query(w["batch"]) if t.phone == T2]
    TraineeModel(t2.trainee_id).update(actions=[TraineeModel.email.set("laoshi@example.cn")])
    base = api.login(BASE_PHONE, "Base-Secret-1").data["token"]
    [row] = api.call("GET", f"/bases/{w['base']}/batches", base).data["items"]
    assert "l***@example.cn" in [t["email"] for t in row["trainees"]]
    assert "laoshi@example.cn" not in str(row)
    contact = api.login(A, STRONG).data["token"]
    assert api.call("GET", f"/trainees/{t2.trainee_id}", contact).data["email"] == "laoshi@example.cn"


# --- kept only for a while, or sealed ----------------------------------------------------------------


def test_sessions_and_counters_expire_by_dynamodb_ttl(api: Api, w: dict) -> None:
    api.login(T1, "Trainee-Secret-1")
    api.login(T1, "wrong-password")
    ddb = client("dynamodb")
    names = settings().table_names
    for table in ("sessions", "counters", "claims", "notifications", "idempotency", "reset_codes"):
        ttl = ddb.describe_time_to_live(TableName=names[table])["TimeToLiveDescription"]
        assert ttl["TimeToLiveStatus"] == "ENABLED" and ttl["AttributeName"] == "expires_at", table
    [session] = ddb.scan(TableName=names["sessions"], Limit=1)["Items"]
    assert "N" in session["expires_at"]  # epoch seconds, as TTL needs
    counters = ddb.scan(TableName=names["counters"])["Items"]
    assert counters and all("N" in c["expires_at"] for c in counters)


def test_a_queued_password_is_sealed_until_it_is_sent(api: Api, admin: str, sns_fails: list[int]) -> None:
    # Given SNS down while a region's contact gets its account
    sns_fails[0] = 100
    api.call("POST", "/regions", admin, region_body("13900000005", "宜川县"))
    [queued] = [m for m in NotificationModel.scan() if m.address == "13900000005"]
    # Then the outbox holds the SMS sealed: no password, no readable text
    assert queued.status == "queued" and queued.text.startswith("sealed:v1:")
    assert "初始密码" not in queued.text
    # When SNS is back, the person gets the real text and logs in with it
    sns_fails[0] = 0
    clock.advance(timedelta(minutes=2))
    assert JOBS["outbox"](clock.now())["sent"] == 1
    assert api.login("13900000005", password_from_sms("13900000005")).status_code == 200
    # And what stays in the outbox is the redacted text, kept for a while (TTL)
    sent = NotificationModel.get(queued.message_id)
    assert sent.status == "sent" and "********" in sent.text and sent.expires_at is not None


def test_a_login_racing_a_disable_cannot_leave_a_session_behind(api: Api, admin: str, w: dict) -> None:
    # A login that read the credential before the disable cannot put its session after it
    from chalicelib.db import sessions as repo
    from chalicelib.domain.records import Session

    [t1] = api.call("GET", f"/accounts?q={T1}", admin).data["items"]
    api.call("POST", f"/accounts/{t1['account_id']}/disable", admin)
    late = Session("f" * 64, t1["account_id"], "trainee", clock.now() + timedelta(hours=1))
    checked = repo.get_credential(T1).password_hash  # type: ignore[union-attr]
    with pytest.raises(Exception) as refused:
        repo.put_session(late, T1, checked or "", [])
    assert getattr(refused.value, "code", None) == "account_disabled"


def test_a_reset_gives_a_session_at_once_and_five_codes_a_day_at_most(api: Api, w: dict) -> None:
    # A reset answers with a session: a guesser at the password cannot make the owner wait
    api.call("POST", "/auth/reset/request", body={"phone": T1})
    done = api.call(
        "POST", "/auth/reset", body={"phone": T1, "code": _code(T1), "new_password": "Reset-Secret-2026"}
    )
    assert done.status_code == 200 and done.data["token"] and done.data["must_change_password"] is False
    assert api.call("GET", "/me", done.data["token"]).status_code == 200
    # And whoever asks, a phone gets five codes a day: 25 guesses of a million, not more
    codes = {_code(T1)}
    for _ in range(10):
        clock.advance(timedelta(minutes=1, seconds=1))
        api.call("POST", "/auth/reset/request", body={"phone": T1})
        codes.add(_code(T1))
    assert len([t for t in sms_to(T1) if "验证码" in t]) == 5
    stored = ResetCodeModel.get(T1)
    assert _code(T1) not in stored.code_hash and len(stored.code_hash) == 64  # a keyed digest


def test_a_login_that_checked_the_old_password_cannot_open_a_session_after_a_change(
    api: Api, w: dict
) -> None:
    from chalicelib.db import sessions as repo
    from chalicelib.domain.errors import UnauthenticatedError
    from chalicelib.domain.records import Session

    # Given a login that checked the password, and a reset that changed it before the login wrote
    old_hash = repo.get_credential(T1).password_hash  # type: ignore[union-attr]
    api.call("POST", "/auth/reset/request", body={"phone": T1})
    api.call(
        "POST", "/auth/reset", body={"phone": T1, "code": _code(T1), "new_password": "Reset-Secret-2026"}
    )
    account_id = api.login(T1, "Reset-Secret-2026").data["account_id"]
    # Then that login's session is refused: it cannot outlive the password it was opened with
    late = Session("e" * 64, account_id, "trainee", clock.now() + timedelta(hours=1))
    with pytest.raises(UnauthenticatedError):
        repo.put_session(late, T1, old_hash or "", [])


def test_every_session_is_listed_on_its_credential_and_ended_from_there(
    api: Api, admin: str, w: dict
) -> None:
    from chalicelib.db import sessions as repo
    from chalicelib.db.models import SessionModel

    before = len(repo.get_credential(T1).sessions)  # type: ignore[union-attr]
    tokens = [api.login(T1, "Trainee-Secret-1").data["token"] for _ in range(3)]
    listed = repo.get_credential(T1).sessions  # type: ignore[union-attr]
    assert len(listed) == before + 3
    [t1] = api.call("GET", f"/accounts?q={T1}", admin).data["items"]
    api.call("POST", f"/accounts/{t1['account_id']}/disable", admin)
    for token in tokens:
        assert error_of(api.call("GET", "/me", token)) == (401, "invalid_token")
    assert repo.get_credential(T1).sessions == {}  # type: ignore[union-attr]
    assert not [s for s in SessionModel.scan() if s.account_id == t1["account_id"]]


def test_a_session_stored_in_an_older_shape_is_a_401_not_a_500(api: Api, w: dict) -> None:
    import hashlib

    names = settings().table_names
    token = "legacy-token-of-an-earlier-deploy"
    client("dynamodb").put_item(
        TableName=names["sessions"],
        Item={
            "token_hash": {"S": hashlib.sha256(token.encode()).hexdigest()},
            "account_id": {"S": "x"},
            "role": {"S": "trainee"},
            "expires_at": {"S": "2099-01-01T00:00:00.000000+0000"},
        },
    )
    assert error_of(api.call("GET", "/me", token)) == (401, "invalid_token")
