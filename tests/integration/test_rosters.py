"""Rosters and attendance (issue: rosters). Dates: programme deadlines 7/15, 8/31, 9/5
(+08:00); batch 1 runs 9/07–9/18 and batch 2 9/14–9/25 (overlapping), batch 3 10/12–10/23."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests
from openpyxl import load_workbook

from chalicelib.adapters import clock
from chalicelib.db.models import BatchModel, ClaimModel, TraineeModel
from tests.builders import trainee_body
from tests.integration.conftest import (
    ADMIN_PHONE,
    PROGRAMME,
    START,
    STRONG,
    Api,
    base_body,
    emails,
    error_of,
    region_body,
    sms_to,
)

pytestmark = pytest.mark.integration

A, B, BASE_PHONE = "13900000001", "13900000002", "13700000001"


def person(n: int, role: str = "member", **extra: Any) -> dict:
    return trainee_body(n, role, **extra)


@pytest.fixture
def w(api: Api, admin: str) -> dict:
    pid = api.call("POST", "/programmes", admin, PROGRAMME).data["programme_id"]
    base = api.call("POST", "/bases", admin, base_body(BASE_PHONE, ["primary", "junior"])).data["base_id"]
    ra = api.call("POST", "/regions", admin, region_body(A, "广州南沙实验区")).data["region_id"]
    rb = api.call("POST", "/regions", admin, region_body(B, "宜川县")).data["region_id"]
    a, b = api.ready_token(A), api.ready_token(B)
    api.call(
        "POST",
        f"/programmes/{pid}/demands",
        a,
        {
            "study_type": "placement",
            "purpose": "学习",
            "items": [{"stage": "primary", "places": 10}, {"stage": "junior", "places": 5}],
        },
    )
    api.call(
        "POST",
        f"/programmes/{pid}/demands",
        b,
        {"study_type": "placement", "purpose": "学习", "items": [{"stage": "primary", "places": 5}]},
    )
    batches = []
    for stage, start, end, region in (
        ("primary", "2026-09-07", "2026-09-18", ra),
        ("primary", "2026-09-14", "2026-09-25", ra),
        ("junior", "2026-10-12", "2026-10-23", ra),
        ("primary", "2026-11-02", "2026-11-13", rb),
    ):
        bid = api.call(
            "POST",
            f"/programmes/{pid}/batches",
            admin,
            {
                "base_id": base,
                "stage": stage,
                "start_date": start,
                "end_date": end,
                "study_type": "placement",
            },
        ).data["batch_id"]
        assert api.call("PUT", f"/batches/{bid}/region", admin, {"region_id": region}).status_code == 200
        batches.append(bid)
    return {"pid": pid, "base": base, "ra": ra, "rb": rb, "a": a, "b": b, "batches": batches}


def fill(api: Api, token: str, batch_id: str, n: int = 5, first: int = 1) -> list[dict]:
    out = []
    for i in range(first, first + n):
        clock.advance(timedelta(microseconds=1))  # the roster lists in the order of adding
        r = api.call(
            "POST", f"/batches/{batch_id}/trainees", token, person(i, "leader" if i == first else "member")
        )
        assert r.status_code == 201, r.data
        out.append(r.data)
    return out


def test_add_up_to_capacity_then_batch_full(api: Api, w: dict) -> None:
    b1 = w["batches"][0]
    added = fill(api, w["a"], b1)
    assert added[0]["phone"] == "13600000001" and added[0]["team_role"] == "leader"
    sixth = api.call("POST", f"/batches/{b1}/trainees", w["a"], person(6))
    assert sixth.status_code == 409 and sixth.data["error"]["code"] == "batch_full"
    assert BatchModel.get(b1).trainee_count == TraineeModel.by_batch.count(b1) == 5
    listed = api.call("GET", f"/batches/{b1}/trainees", w["a"]).data["items"]
    assert [t["name"] for t in listed] == [f"研修{i}" for i in range(1, 6)]


def test_a_roster_is_listed_in_pages_like_every_list(api: Api, w: dict) -> None:
    # Given a full roster of five
    b1 = w["batches"][0]
    fill(api, w["a"], b1)
    # When it is read two at a time
    names, cursor, pages = [], None, 0
    while True:
        query = "?limit=2" + (f"&cursor={cursor}" if cursor else "")
        page = api.call("GET", f"/batches/{b1}/trainees{query}", w["a"]).data
        names += [t["name"] for t in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    # Then three pages hold the five, in order, and a forged cursor is the client's error
    assert (pages, names) == (3, [f"研修{i}" for i in range(1, 6)])
    for forged in ("abc", "eyJvZmZzZXQiOiAtMX0=", "eyJvZmZzZXQiOiAiMSJ9"):
        bad = api.call("GET", f"/batches/{b1}/trainees?cursor={forged}", w["a"])
        assert error_of(bad) == (422, "validation_failed") and "cursor" in bad.data["error"]["fields"]


def test_roster_rules(api: Api, w: dict) -> None:
    b1, b2, b3, b4 = w["batches"]
    fill(api, w["a"], b1, n=2)
    cases = [
        (b1, person(9, "leader"), 409, "team_leader_exists"),
        (b1, person(2), 409, "phone_in_overlapping_batch"),  # the same phone twice in a batch
        (b2, person(1), 409, "phone_in_overlapping_batch"),  # batch 2 overlaps batch 1
        (b4, person(7), 404, "batch_not_found"),  # region B's batch
        ("nope", person(7), 404, "batch_not_found"),
    ]
    for batch, body, status, code in cases:
        r = api.call("POST", f"/batches/{batch}/trainees", w["a"], body)
        assert (r.status_code, r.data["error"]["code"]) == (status, code), (batch, body["phone"])
    for change, field in (
        ({"phone": "12345"}, "phone"),
        ({"email": "x@"}, "email"),
        ({"gender": "x"}, "gender"),
        ({"team_role": "boss"}, "team_role"),
        ({"name": ""}, "name"),
    ):
        r = api.call("POST", f"/batches/{b1}/trainees", w["a"], person(8) | change)
        assert r.status_code == 422 and field in r.data["error"]["fields"]
    # Batch 3 does not overlap: the same person may go there too
    assert api.call("POST", f"/batches/{b3}/trainees", w["a"], person(1, "leader")).status_code == 201
    assert BatchModel.get(b1).trainee_count == 2


def test_modify_and_delete_keep_claims_and_counts_right(api: Api, w: dict) -> None:
    b1, b2 = w["batches"][:2]
    leader, member = fill(api, w["a"], b1, n=2)
    # Moving the member to a new phone frees the old one for the overlapping batch
    r = api.call(
        "PATCH", f"/trainees/{member['trainee_id']}", w["a"], {"phone": "13611112222", "position": "副校长"}
    )
    assert r.status_code == 200 and r.data["phone"] == "13611112222" and r.data["position"] == "副校长"
    assert api.call("POST", f"/batches/{b2}/trainees", w["a"], person(2, "leader")).status_code == 201
    # A second leader by modification is refused; handing over leadership works in two steps
    r = api.call("PATCH", f"/trainees/{member['trainee_id']}", w["a"], {"team_role": "leader"})
    assert r.status_code == 409 and r.data["error"]["code"] == "team_leader_exists"
    assert (
        api.call("PATCH", f"/trainees/{leader['trainee_id']}", w["a"], {"team_role": "member"}).status_code
        == 200
    )
    assert (
        api.call("PATCH", f"/trainees/{member['trainee_id']}", w["a"], {"team_role": "leader"}).status_code
        == 200
    )
    assert api.call("GET", f"/trainees/{member['trainee_id']}", w["a"]).data["team_role"] == "leader"
    # Delete
    assert api.call("DELETE", f"/trainees/{leader['trainee_id']}", w["a"]).status_code == 204
    assert error_of(api.call("GET", f"/trainees/{leader['trainee_id']}", w["a"])) == (
        404,
        "trainee_not_found",
    )
    assert BatchModel.get(b1).trainee_count == 1
    assert (
        api.call("POST", f"/batches/{b2}/trainees", w["a"], person(1)).status_code == 201
    )  # its phone is free
    # Another region cannot read, modify or delete it
    for method in ("GET", "PATCH", "DELETE"):
        r = api.call(
            method, f"/trainees/{member['trainee_id']}", w["b"], {"name": "x"} if method == "PATCH" else None
        )
        assert error_of(r) == (404, "trainee_not_found")


def test_roster_deadline_is_checked_on_the_server(api: Api, w: dict) -> None:
    b1 = w["batches"][0]
    [t] = fill(api, w["a"], b1, n=1)
    clock.set_now(datetime(2026, 8, 31, 16, 0, 1, tzinfo=UTC))  # 9/1 00:00:01 in Shanghai
    token = api.login(A, STRONG).data["token"]
    for method, path, body in (
        ("POST", f"/batches/{b1}/trainees", person(2)),
        ("PATCH", f"/trainees/{t['trainee_id']}", {"name": "改名"}),
        ("DELETE", f"/trainees/{t['trainee_id']}", None),
        ("POST", f"/batches/{b1}/roster/confirm", None),
    ):
        r = api.call(method, path, token, body)
        assert r.status_code == 409 and r.data["error"]["code"] == "deadline_passed", path


def _password(phone: str) -> str:
    found = re.search(r"初始密码：(\S+?)。", sms_to(phone)[-1])
    assert found
    return found.group(1)


def test_confirm_locks_sends_credentials_once_and_tells_base_and_leader(api: Api, w: dict) -> None:
    b1 = w["batches"][0]
    team = fill(api, w["a"], b1, n=3)
    # Without exactly one leader there is nothing to confirm
    assert (
        api.call("PATCH", f"/trainees/{team[0]['trainee_id']}", w["a"], {"team_role": "member"}).status_code
        == 200
    )
    r = api.call("POST", f"/batches/{b1}/roster/confirm", w["a"])
    assert r.status_code == 409 and r.data["error"]["code"] == "team_leader_required"
    api.call("PATCH", f"/trainees/{team[0]['trainee_id']}", w["a"], {"team_role": "leader"})
    # Confirm
    r = api.call("POST", f"/batches/{b1}/roster/confirm", w["a"])
    assert r.status_code == 200 and r.data == {
        "batch_id": b1,
        "roster_status": "confirmed",
        "trainees": 3,
        "accounts_provisioned": 3,
        "changed": True,
    }
    for t in team:
        [text] = (
            sms_to(t["phone"])
            if t["team_role"] == "member"
            else [s for s in sms_to(t["phone"]) if "初始密码" in s]
        )
        assert "初始密码" in text and "2026-09-05 23:59前登录完成报到" in text
    [to_base] = sms_to(BASE_PHONE)[1:]
    assert "广州南沙实验区" in to_base and "团长研修1，电话13600000001" in to_base
    assert any("研修批次名单已确认" in m.subject for m in emails())
    [to_leader] = [s for s in sms_to("13600000001") if "团长" in s]
    assert "基地联系人：王老师，电话13700000001" in to_leader
    # A second confirmation changes nothing and sends nothing
    count = len(sms_to("13600000002"))
    again = api.call("POST", f"/batches/{b1}/roster/confirm", w["a"]).data
    assert again["changed"] is False and again["accounts_provisioned"] == 0
    assert len(sms_to("13600000002")) == count and len(sms_to(BASE_PHONE)) == 2
    # Locked for the region contact
    for method, path, body in (
        ("POST", f"/batches/{b1}/trainees", person(9)),
        ("PATCH", f"/trainees/{team[1]['trainee_id']}", {"name": "改名"}),
        ("DELETE", f"/trainees/{team[1]['trainee_id']}", None),
    ):
        r = api.call(method, path, w["a"], body)
        assert r.status_code == 409 and r.data["error"]["code"] == "roster_locked", path


def test_office_unlocks_and_replaces_with_an_audit_trail(api: Api, admin: str, w: dict) -> None:
    b1 = w["batches"][0]
    team = fill(api, w["a"], b1, n=2)
    api.call("POST", f"/batches/{b1}/roster/confirm", w["a"])
    # Replace one trainee while locked: the newcomer gets an account and an SMS at once
    r = api.call(
        "POST",
        f"/trainees/{team[1]['trainee_id']}/replacement",
        admin,
        {"reason": "原人员因病不能参加", "trainee": person(7)},
    )
    assert r.status_code == 201 and r.data["name"] == "研修7"
    assert "初始密码" in sms_to("13600000007")[0]
    assert error_of(api.call("GET", f"/trainees/{team[1]['trainee_id']}", admin)) == (
        404,
        "trainee_not_found",
    )
    assert ClaimModel.count("phone-day#13600000002#2026-09-07") == 0  # the old phone's days are free
    # Unlock, the region adds one, confirms again: only the newcomer is told
    assert error_of(api.call("POST", f"/batches/{b1}/roster/unlock", w["a"], {"reason": "x"})) == (
        403,
        "forbidden",
    )
    clock.set_now(START + timedelta(minutes=1))
    r = api.call("POST", f"/batches/{b1}/roster/unlock", admin, {"reason": "实验区申请增加一人"})
    assert r.status_code == 200 and r.data["roster_status"] == "open"
    again = api.call("POST", f"/batches/{b1}/roster/unlock", admin, {"reason": "再次"})
    assert again.status_code == 409 and again.data["error"]["code"] == "roster_not_confirmed"
    clock.set_now(START + timedelta(minutes=2))
    assert api.call("POST", f"/batches/{b1}/trainees", w["a"], person(8)).status_code == 201
    leader_sms = len(sms_to("13600000001"))
    assert api.call("POST", f"/batches/{b1}/roster/confirm", w["a"]).data["accounts_provisioned"] == 1
    assert "初始密码" in sms_to("13600000008")[0]
    assert (
        len([s for s in sms_to("13600000001") if "初始密码" in s]) == 1
        and len(sms_to("13600000001")) >= leader_sms
    )
    audit = api.call("GET", f"/batches/{b1}/roster/audit", admin).data["items"]
    # And the trail holds the replacement, the unlock and the region's addition to the
    # reopened roster, in order, each with who and what before and after
    assert [e["action"] for e in audit] == ["replace", "unlock", "add"]
    assert (
        "研修2" in audit[0]["before"]
        and "研修7" in audit[0]["after"]
        and audit[0]["reason"] == "原人员因病不能参加"
    )
    assert audit[2]["before"] is None and "研修8" in audit[2]["after"]


def _trainee_token(api: Api, phone: str) -> str:
    return api.ready_token(phone, "Trainee-Secret-1")


def test_registration_and_check_in(api: Api, w: dict) -> None:
    b1, b3 = w["batches"][0], w["batches"][2]
    team = fill(api, w["a"], b1, n=2)
    fill(api, w["a"], b3, n=1, first=5)
    api.call("POST", f"/batches/{b1}/roster/confirm", w["a"])
    api.call("POST", f"/batches/{b3}/roster/confirm", w["a"])
    me = _trainee_token(api, "13600000001")
    other = _trainee_token(api, "13600000005")
    api.ready_token("13600000002", "Trainee-Secret-2")
    mine = api.call("GET", "/me/batches", me).data["items"]
    assert [(b["batch_id"], b["base_name"], b["registered_at"]) for b in mine] == [
        (b1, "北京市第一实验小学", None)
    ]
    # Not on this roster: 404
    for path in (f"/batches/{b1}/registration", f"/batches/{b1}/checkins"):
        r = api.call("POST", path, other)
        assert r.status_code == 404 and r.data["error"]["code"] == "not_on_roster"
    # Check-in needs registration, and the batch's dates
    early = api.call("POST", f"/batches/{b1}/checkins", me)
    assert early.status_code == 409 and early.data["error"]["code"] == "not_in_session"
    reg = api.call("POST", f"/batches/{b1}/registration", me)
    assert reg.status_code == 200 and reg.data["registered_at"].endswith("+08:00")
    clock.advance(timedelta(hours=1))
    assert api.call("POST", f"/batches/{b1}/registration", me).data == reg.data  # unchanged
    assert BatchModel.get(b1).registered_count == 1
    # 9/07 08:00 in Shanghai is 9/07 00:00 UTC: in session
    clock.set_now(datetime(2026, 9, 7, 0, 0, tzinfo=UTC))
    me = api.login("13600000001", "Trainee-Secret-1").data["token"]
    first = api.call("POST", f"/batches/{b1}/checkins", me)
    assert first.status_code == 200, first.data
    assert first.data["checkins"] == ["2026-09-07"]
    assert api.call("POST", f"/batches/{b1}/checkins", me).data["checkins"] == ["2026-09-07"]
    clock.advance(timedelta(days=1))
    me = api.login("13600000001", "Trainee-Secret-1").data["token"]
    assert api.call("POST", f"/batches/{b1}/checkins", me).data["checkins"] == ["2026-09-07", "2026-09-08"]
    assert BatchModel.get(b1).checkin_count == 2
    # 9/18 23:59 Shanghai is still in; 9/19 00:00 is not
    clock.set_now(datetime(2026, 9, 18, 15, 59, tzinfo=UTC))
    me = api.login("13600000001", "Trainee-Secret-1").data["token"]
    assert api.call("POST", f"/batches/{b1}/checkins", me).status_code == 200
    clock.advance(timedelta(minutes=1))
    late = api.call("POST", f"/batches/{b1}/checkins", me)
    assert late.status_code == 409 and late.data["error"]["code"] == "not_in_session"
    # The second trainee registers after the deadline: refused
    member = api.login("13600000002", "Trainee-Secret-2").data["token"]
    r = api.call("POST", f"/batches/{b1}/registration", member)
    assert r.status_code == 409 and r.data["error"]["code"] == "deadline_passed"
    # Roles: a trainee cannot read rosters
    # Another trainee's batch, or even their own, is not theirs to read through the roster routes
    assert error_of(api.call("GET", f"/batches/{b1}/trainees", member)) == (404, "batch_not_found")
    assert error_of(api.call("GET", f"/batches/{b1}/archive", member)) == (404, "batch_not_found")
    assert error_of(api.call("GET", f"/trainees/{team[0]['trainee_id']}", member)) == (
        404,
        "trainee_not_found",
    )


def test_base_contact_sees_its_batches_and_gives_feedback(api: Api, admin: str, w: dict) -> None:
    b1 = w["batches"][0]
    team = fill(api, w["a"], b1, n=2)
    base = api.ready_token(BASE_PHONE)
    rows = api.call("GET", f"/bases/{w['base']}/batches", base).data["items"]
    [row] = [r for r in rows if r["batch_id"] == b1]
    assert row["region_name"] == "广州南沙实验区"
    assert [t["phone"] for t in row["trainees"]] == ["13600000001", "136****0002"]  # the leader's whole
    other_base = api.call(
        "POST", "/bases", admin, {**base_body("13700000009", ["senior"]), "name": "另一所"}
    ).data
    assert error_of(api.call("GET", f"/bases/{other_base['base_id']}/batches", base)) == (
        404,
        "base_not_found",
    )
    r = api.call(
        "PUT", f"/trainees/{team[1]['trainee_id']}/feedback", base, {"text": "学习认真，积极参与教研活动"}
    )
    assert r.status_code == 200 and r.data["feedback"] == "学习认真，积极参与教研活动"
    other = api.ready_token("13700000009")
    assert (
        api.call("PUT", f"/trainees/{team[1]['trainee_id']}/feedback", other, {"text": "x"}).status_code
        == 404
    )
    assert api.call("POST", f"/batches/{b1}/trainees", base, person(9)).status_code == 403  # read-only


def test_archive_and_exports(api: Api, admin: str, w: dict) -> None:
    b1, b4 = w["batches"][0], w["batches"][3]
    fill(api, w["a"], b1, n=2)
    fill(api, w["b"], b4, n=1, first=5)
    api.call("POST", f"/batches/{b1}/roster/confirm", w["a"])
    me = _trainee_token(api, "13600000001")
    api.call("POST", f"/batches/{b1}/registration", me)
    clock.set_now(datetime(2026, 9, 8, 1, 0, tzinfo=UTC))
    me = api.login("13600000001", "Trainee-Secret-1").data["token"]
    api.call("POST", f"/batches/{b1}/checkins", me)
    admin = api.login("13800000000", STRONG).data["token"]
    region_a = api.login(A, STRONG).data["token"]
    everything = api.call("GET", f"/programmes/{w['pid']}/archive", admin).data["items"]
    assert {r["batch_id"] for r in everything} == set(w["batches"])
    [row] = [r for r in everything if r["batch_id"] == b1]
    assert (row["trainees"], row["registered"], row["checkin_days"], row["session_days"]) == (2, 1, 1, 12)
    mine = api.call("GET", f"/programmes/{w['pid']}/archive", region_a).data["items"]
    assert b4 not in {r["batch_id"] for r in mine} and b1 in {r["batch_id"] for r in mine}
    detail = api.call("GET", f"/batches/{b1}/archive", region_a).data
    assert [(t["name"], t["checkins"], t["registered_at"] is not None) for t in detail["trainees"]] == [
        ("研修1", ["2026-09-08"], True),
        ("研修2", [], False),
    ]
    assert error_of(api.call("GET", f"/batches/{b4}/archive", region_a)) == (404, "batch_not_found")
    # Exports: the office sees whole phones, the region contact masked ones, of its own region only
    for token, phone in ((admin, "13600000001"), (region_a, "136****0001")):
        started = api.call("POST", f"/programmes/{w['pid']}/exports", token, {"kind": "roster"})
        assert started.status_code == 202
        done = api.call("GET", f"/exports/{started.data['export_id']}", token).data
        assert done["status"] == "ready" and done["url"]
        sheet = load_workbook(io.BytesIO(requests.get(done["url"], timeout=10).content)).active
        rows = list(sheet.values)
        assert rows[0][:6] == ("研修基地", "学段", "开始日期", "结束日期", "实验区", "姓名")
        assert phone in [r[8] for r in rows[1:]]
        assert ("宜川县" in [r[4] for r in rows[1:]]) is (token == admin)
    archive = api.call("POST", f"/programmes/{w['pid']}/exports", region_a, {"kind": "archive"}).data
    url = api.call("GET", f"/exports/{archive['export_id']}", region_a).data["url"]
    rows = list(load_workbook(io.BytesIO(requests.get(url, timeout=10).content)).active.values)
    assert rows[0][-4:] == ("报到时间", "签到天数", "研修天数", "心得与成果数") and rows[1][8] == 1
    region_b = api.login(B, STRONG).data["token"]
    assert error_of(api.call("GET", f"/exports/{archive['export_id']}", region_b)) == (
        404,
        "export_not_found",
    )


# --- the office's changes to a confirmed roster, and a reopened one ----------------------------


def _replace(api: Api, admin: str, trainee: dict, reason: str, newcomer: dict):
    body = {"reason": reason, "trainee": newcomer}
    return api.call("POST", f"/trainees/{trainee['trainee_id']}/replacement", admin, body)


def _confirmed_team(api: Api, w: dict, n: int = 3) -> tuple[str, list[dict]]:
    b1 = w["batches"][0]
    team = fill(api, w["a"], b1, n=n)
    assert api.call("POST", f"/batches/{b1}/roster/confirm", w["a"]).status_code == 200
    return b1, team


def test_replacing_a_trainee_with_the_same_phone_corrects_the_entry(api: Api, admin: str, w: dict) -> None:
    # Given a confirmed roster
    b1, team = _confirmed_team(api, w)
    account_id = TraineeModel.get(team[1]["trainee_id"]).account_id
    assert account_id
    # When the office replaces trainee 2 by the same person with the name corrected
    r = _replace(api, admin, team[1], "姓名有误", person(2, name="研修二"))
    # Then the entry is replaced, keeps the person's account, and the phone's days are its own
    assert r.status_code == 201, r.data
    assert r.data["name"] == "研修二"
    assert TraineeModel.get(r.data["trainee_id"]).account_id == account_id
    assert ClaimModel.get("phone-day#13600000002#2026-09-07").owner == r.data["trainee_id"]
    # And the person got no second set of credentials
    assert len([s for s in sms_to("13600000002") if "初始密码" in s]) == 1


def test_a_refused_replacement_changes_nothing(api: Api, admin: str, w: dict) -> None:
    # Given a confirmed roster
    b1, team = _confirmed_team(api, w)
    before = sorted(t["trainee_id"] for t in api.call("GET", f"/batches/{b1}/trainees", admin).data["items"])
    # When the office replaces trainee 2 by someone whose phone is a region contact's
    r = _replace(api, admin, team[1], "换人", person(9, phone=B))
    # Then it is refused, and the roster, the audit trail and the batch are as they were
    assert error_of(r) == (409, "phone_taken")
    after = sorted(t["trainee_id"] for t in api.call("GET", f"/batches/{b1}/trainees", admin).data["items"])
    assert after == before
    assert api.call("GET", f"/batches/{b1}/roster/audit", admin).data == {"items": [], "next_cursor": None}
    assert ClaimModel.get("phone-day#13600000002#2026-09-07").owner == team[1]["trainee_id"]
    # And the team leader of a confirmed roster is replaced only by another leader
    r = _replace(api, admin, team[0], "换人", person(9))
    assert error_of(r) == (422, "validation_failed") and "team_role" in r.data["error"]["fields"]


def test_a_new_team_leader_and_the_base_are_told_of_each_other(api: Api, admin: str, w: dict) -> None:
    # Given a confirmed roster whose leader is trainee 1
    b1, team = _confirmed_team(api, w)
    base_texts = len(sms_to(BASE_PHONE))
    # When the office replaces the leader by a new one
    r = _replace(api, admin, team[0], "换团长", person(9, "leader"))
    assert r.status_code == 201, r.data
    # Then the base contact learns the new leader's name and phone, and the new leader the base's
    told = sms_to(BASE_PHONE)[base_texts:]
    assert len(told) == 1 and "研修9" in told[0] and "13600000009" in told[0]
    new_leader = sms_to("13600000009")
    assert any("初始密码" in s for s in new_leader) and any(BASE_PHONE in s for s in new_leader)


def test_a_reopened_roster_keeps_what_others_wrote_and_its_counters(api: Api, admin: str, w: dict) -> None:
    # Given a confirmed roster whose trainee 2 registered, then reopened by the office
    b1, team = _confirmed_team(api, w)
    clock.set_now(START + timedelta(hours=2))
    token = api.ready_token("13600000002", "Trainee-Secret-2")
    assert api.call("POST", f"/batches/{b1}/registration", token).status_code == 200
    assert api.call("POST", f"/batches/{b1}/roster/unlock", admin, {"reason": "改信息"}).status_code == 200
    # When the region contact corrects trainee 3's unit (it has an account, not yet registered)
    t3 = team[2]["trainee_id"]
    assert api.call("PATCH", f"/trainees/{t3}", w["a"], {"unit": "南沙第二小学"}).status_code == 200
    # Then the rest of the item stands: trainee 3 still awaits registration (and its reminder)
    stored = TraineeModel.get(t3)
    assert stored.unit == "南沙第二小学" and stored.account_id and stored.awaiting_registration == w["pid"]
    # And its phone, now its login, cannot be changed by the region
    r = api.call("PATCH", f"/trainees/{t3}", w["a"], {"phone": "13600000099"})
    assert error_of(r) == (409, "trainee_has_account")
    # When the region removes trainee 2, who had registered
    assert BatchModel.get(b1).registered_count == 1
    assert api.call("DELETE", f"/trainees/{team[1]['trainee_id']}", w["a"]).status_code == 204
    # Then the batch's counters lose that trainee's registration
    assert BatchModel.get(b1).registered_count == 0 and BatchModel.get(b1).trainee_count == 2
    archive = api.call("GET", f"/batches/{b1}/archive", admin).data
    assert archive["batch"]["registered"] == 0 and archive["batch"]["trainees"] == 2
    assert [t["registered_at"] for t in archive["trainees"]] == [None, None]
    # And every change on the reopened roster is on record
    actions = [e["action"] for e in api.call("GET", f"/batches/{b1}/roster/audit", admin).data["items"]]
    assert sorted(actions) == ["change", "remove", "unlock"]


def test_no_unlock_after_the_roster_deadline(api: Api, admin: str, w: dict) -> None:
    # Given a confirmed roster, after the roster deadline (8/31 23:59:59 in Shanghai)
    b1, _ = _confirmed_team(api, w)
    clock.set_now(datetime(2026, 8, 31, 16, 0, 1, tzinfo=UTC))
    admin = api.login(ADMIN_PHONE, STRONG).data["token"]
    # Then the office cannot reopen it (the region could neither change nor confirm it again)
    r = api.call("POST", f"/batches/{b1}/roster/unlock", admin, {"reason": "太晚"})
    assert error_of(r) == (409, "deadline_passed")
    assert BatchModel.get(b1).roster_status == "confirmed"
    # While a second before the deadline it can
    clock.set_now(datetime(2026, 8, 31, 15, 59, 59, tzinfo=UTC))
    assert api.call("POST", f"/batches/{b1}/roster/unlock", admin, {"reason": "及时"}).status_code == 200


def test_a_confirmation_of_a_roster_read_before_a_change_is_refused(api: Api, w: dict) -> None:
    # Given a roster of three, and a confirmation that read it when it had two
    from chalicelib.db import catalog, confirmation, trainees

    b1 = w["batches"][0]
    fill(api, w["a"], b1, n=3)
    batch = catalog.get_batch(b1, consistent=True)
    assert batch is not None and batch.region_id
    read = trainees.of_batch(b1)[:2]
    # When it tries to lock the roster
    # Then the lock is refused (the caller reads again), and the roster stays open
    assert confirmation.lock(batch, batch.region_id, clock.now(), [], read) is False
    assert BatchModel.get(b1).roster_status == "open"
    assert confirmation.lock(batch, batch.region_id, clock.now(), [], trainees.of_batch(b1)) is True


def test_deadlines_to_the_second_and_the_errors_of_an_empty_or_clashing_roster(
    api: Api, admin: str, w: dict
) -> None:
    b1, b2 = w["batches"][0], w["batches"][1]
    # An empty roster cannot be confirmed
    assert error_of(api.call("POST", f"/batches/{b2}/roster/confirm", w["a"])) == (409, "roster_empty")
    # A trainee whose phone is a contact's cannot be given a trainee account: nothing is locked
    api.call("POST", f"/batches/{b2}/trainees", w["a"], person(1, "leader", phone=B))
    assert error_of(api.call("POST", f"/batches/{b2}/roster/confirm", w["a"]))[0:2] == (409, "phone_taken")
    assert BatchModel.get(b2).roster_status == "open"
    # The roster deadline, 8/31 23:59:59 in Shanghai: a second before, a trainee is added ...
    fill(api, w["a"], b1, n=2)
    clock.set_now(datetime(2026, 8, 31, 15, 59, 59, tzinfo=UTC))
    contact = api.login(A, STRONG).data["token"]
    assert api.call("POST", f"/batches/{b1}/trainees", contact, person(3)).status_code == 201
    assert api.call("POST", f"/batches/{b1}/roster/confirm", contact).status_code == 200
    for n in (1, 2):
        api.ready_token(f"1360000000{n}", f"Trainee-Secret-{n}")
    # ... at the deadline, nothing more
    clock.set_now(datetime(2026, 8, 31, 16, 0, 0, tzinfo=UTC))
    r = api.call("POST", f"/batches/{b2}/trainees", api.login(A, STRONG).data["token"], person(4))
    assert error_of(r) == (409, "deadline_passed")
    # The registration deadline, 9/5 23:59:59: registered a second before, refused at it
    clock.set_now(datetime(2026, 9, 5, 15, 59, 59, tzinfo=UTC))
    first = api.login("13600000001", "Trainee-Secret-1").data["token"]
    assert api.call("POST", f"/batches/{b1}/registration", first).status_code == 200
    second = api.login("13600000002", "Trainee-Secret-2").data["token"]
    clock.set_now(datetime(2026, 9, 5, 16, 0, 0, tzinfo=UTC))
    assert error_of(api.call("POST", f"/batches/{b1}/registration", second)) == (409, "deadline_passed")
    # In session, the unregistered one cannot check in; the registered one can
    clock.set_now(datetime(2026, 9, 7, 1, 0, tzinfo=UTC))
    second = api.login("13600000002", "Trainee-Secret-2").data["token"]
    assert error_of(api.call("POST", f"/batches/{b1}/checkins", second)) == (409, "not_registered")
    first = api.login("13600000001", "Trainee-Secret-1").data["token"]
    assert api.call("POST", f"/batches/{b1}/checkins", first).status_code == 200
