"""Every notice of the seed's flow (issue 13 part 2): a programme opens and every region's
contact is told, once, by SMS and e-mail, with the deadline; a draft opens later; e-mail goes
beside the SMS wherever the person has an address, credentials too (the password by SMS only)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from chalicelib.adapters import clock
from chalicelib.db.models import ClaimModel
from chalicelib.jobs import JOBS
from tests.integration.conftest import (
    PROGRAMME,
    Api,
    base_body,
    emails,
    error_of,
    password_from_sms,
    region_body,
    sms_to,
)

pytestmark = pytest.mark.integration

A, B, C = "13900000001", "13900000002", "13900000003"


@pytest.fixture
def regions(api: Api, admin: str) -> dict[str, str]:
    """Three regions; the third's contact has no e-mail address."""
    out = {}
    for phone, name in ((A, "广州南沙实验区"), (B, "宜川县")):
        out[phone] = api.call("POST", "/regions", admin, region_body(phone, name)).data["region_id"]
    body = {"name": "绥德县", "contact": {"name": "赵老师", "phone": C}}
    out[C] = api.call("POST", "/regions", admin, body).data["region_id"]
    return out


def opening_sms(phone: str) -> list[str]:
    return [t for t in sms_to(phone) if "已开始研修需求申报" in t]


def opening_mails(address: str) -> list[Any]:
    return [
        m for m in emails() if "研修需求申报已开始" in m.subject and address in m.destinations["ToAddresses"]
    ]


def test_a_new_programme_tells_every_region_contact_once_with_the_deadline(
    api: Api, admin: str, regions: dict[str, str]
) -> None:
    # When the office creates a programme (not a draft)
    created = api.call("POST", "/programmes", admin, PROGRAMME)
    # Then it is open, and each region's contact got one SMS naming it, the deadline and the places
    assert created.status_code == 201 and created.data["draft"] is False
    assert created.data["opened_at"] == "2026-07-01T09:00:00+08:00"
    for phone in (A, B, C):
        [sms] = opening_sms(phone)
        assert PROGRAMME["name"] in sms and "2026-07-15 23:59" in sms and "名额35名" in sms
    # and an e-mail where the contact has an address (the same for A and B's li@example.cn)
    assert len(opening_mails("li@example.cn")) == 2
    assert all(
        "研修学习需求" in m.body and "2026-07-15 23:59" in m.body for m in opening_mails("li@example.cn")
    )
    # Opening it again changes nothing
    again = api.call("POST", f"/programmes/{created.data['programme_id']}/open", admin)
    assert again.status_code == 200 and again.data["opened_at"] == created.data["opened_at"]
    assert all(len(opening_sms(p)) == 1 for p in (A, B, C)) and len(opening_mails("li@example.cn")) == 2


def test_a_draft_opens_later_and_takes_no_demand_until_then(
    api: Api, admin: str, regions: dict[str, str]
) -> None:
    # Given a draft
    draft = api.call("POST", "/programmes", admin, {**PROGRAMME, "draft": True})
    pid = draft.data["programme_id"]
    assert draft.status_code == 201 and draft.data["draft"] is True and draft.data["opened_at"] is None
    assert not opening_sms(A) and not opening_mails("li@example.cn")
    # A contact cannot ask for places yet, and no demand reminder is sent for it
    token = api.ready_token(A)
    demand = {"study_type": "placement", "purpose": "学习", "items": [{"stage": "primary", "places": 5}]}
    r = api.call("POST", f"/programmes/{pid}/demands", token, demand)
    assert error_of(r) == (409, "programme_not_open") and r.data["error"]["message"] == "项目尚未开放需求申报"
    assert api.call("GET", f"/programmes/{pid}/demand-form", token).data["programme_open"] is False
    JOBS["reminders"](datetime(2026, 7, 12, 1, 0, tzinfo=UTC))  # 3 days before the deadline
    assert not [t for t in sms_to(B) if "尚未提交" in t]
    # When the office opens it
    clock.set_now(datetime(2026, 7, 1, 5, 0, tzinfo=UTC))
    opened = api.call("POST", f"/programmes/{pid}/open", admin)
    # Then every contact is told once, and demand is taken
    assert opened.status_code == 200 and opened.data["draft"] is False
    assert opened.data["opened_at"] == "2026-07-01T13:00:00+08:00"
    assert all(len(opening_sms(p)) == 1 for p in (A, B, C))
    assert api.call("POST", f"/programmes/{pid}/demands", token, demand).status_code == 201
    api.call("POST", f"/programmes/{pid}/open", admin)
    assert all(len(opening_sms(p)) == 1 for p in (A, B, C))
    assert error_of(api.call("POST", "/programmes/nope/open", admin)) == (404, "programme_not_found")
    assert error_of(api.call("POST", f"/programmes/{pid}/open", token)) == (403, "forbidden")


def test_an_opening_cut_short_is_finished_without_telling_anyone_twice(
    api: Api, admin: str, regions: dict[str, str]
) -> None:
    # Given a draft whose opening told region A and then stopped (A's notice claimed)
    pid = api.call("POST", "/programmes", admin, {**PROGRAMME, "draft": True}).data["programme_id"]
    ClaimModel(f"notice#open#{pid}#{regions[A]}", owner="notice").save()
    # When it is opened
    api.call("POST", f"/programmes/{pid}/open", admin)
    # Then the others are told and A is not told again
    assert not opening_sms(A) and len(opening_sms(B)) == 1 and len(opening_sms(C)) == 1


def test_credentials_go_by_sms_with_an_email_beside_them_without_the_password(
    api: Api, admin: str, regions: dict[str, str]
) -> None:
    # A region's contact with an address: the SMS has the password, the e-mail only says so
    password = password_from_sms(A)
    [mail] = [
        m for m in emails() if "账号已开通" in m.subject and "li@example.cn" in m.destinations["ToAddresses"]
    ][:1]
    assert "实验区联系人" in mail.subject and A in mail.body and "短信" in mail.body
    assert password not in mail.body and "初始密码：" not in mail.body
    # A base contact too
    api.call("POST", "/bases", admin, base_body("13700000001"))
    [base_mail] = [m for m in emails() if "wang@example.cn" in m.destinations["ToAddresses"]]
    assert "研修基地联系人" in base_mail.subject and password_from_sms("13700000001") not in base_mail.body
    # The contact without an address gets the SMS alone
    assert password_from_sms(C) and not [m for m in emails() if C in m.body]


def test_trainees_leaders_and_reminders_get_an_email_beside_each_sms(
    api: Api, admin: str, regions: dict[str, str]
) -> None:
    # Given a programme, a base and two batches given to region A, which asked for them
    pid = api.call("POST", "/programmes", admin, PROGRAMME).data["programme_id"]
    base = api.call("POST", "/bases", admin, base_body("13700000001", ["primary"])).data["base_id"]
    contact = api.ready_token(A)
    demand = {"study_type": "placement", "purpose": "学习", "items": [{"stage": "primary", "places": 10}]}
    api.call("POST", f"/programmes/{pid}/demands", contact, demand)
    batches = []
    for start, end in (("2026-09-07", "2026-09-18"), ("2026-10-12", "2026-10-23")):
        body = {
            "base_id": base,
            "stage": "primary",
            "start_date": start,
            "end_date": end,
            "study_type": "placement",
        }
        batches.append(api.call("POST", f"/programmes/{pid}/batches", admin, body).data["batch_id"])
        api.call("PUT", f"/batches/{batches[-1]}/region", admin, {"region_id": regions[A]})
    # When the first roster (a 团长 with an address, a member without) is confirmed
    leader = {
        "name": "张团长",
        "gender": "female",
        "phone": "13600000001",
        "unit": "一小",
        "team_role": "leader",
    }
    member = {"name": "李明", "gender": "male", "phone": "13600000002", "unit": "一小", "team_role": "member"}
    api.call("POST", f"/batches/{batches[0]}/trainees", contact, {**leader, "email": "zhang@example.cn"})
    api.call("POST", f"/batches/{batches[0]}/trainees", contact, member)
    assert api.call("POST", f"/batches/{batches[0]}/roster/confirm", contact).status_code == 200
    # Then the 团长 has the password by SMS, and e-mails: the account (no password), the base's contact
    password = password_from_sms("13600000001")
    to_leader = [m for m in emails() if m.destinations["ToAddresses"] == ["zhang@example.cn"]]
    assert sorted(m.subject for m in to_leader) == [
        "研修平台账号已开通：研修人员",
        "研修批次团长：北京市第一实验小学",
    ]
    assert all(password not in m.body for m in to_leader)
    assert "基地联系人：王老师" in next(m.body for m in to_leader if "团长" in m.subject)
    assert "报到" in next(m.body for m in to_leader if "账号" in m.subject)
    # the member (no address) the SMS alone
    assert password_from_sms("13600000002") and not [m for m in emails() if "13600000002" in m.body]
    # And the roster reminder for the other batch goes by SMS and e-mail, once a day
    for _ in range(2):
        JOBS["reminders"](datetime(2026, 8, 28, 1, 0, tzinfo=UTC))
    [sms] = [t for t in sms_to(A) if "尚未最终确认" in t]
    [mail] = [m for m in emails() if m.subject.startswith("研修平台提醒")]
    assert mail.destinations["ToAddresses"] == ["li@example.cn"] and "尚未最终确认" in mail.body
    assert sms.removeprefix("【研修平台】") == mail.body


def test_a_region_created_after_the_opening_is_told_once_too(api: Api, admin: str) -> None:
    # Given an open programme, a draft, and a 国培 programme (which tells nobody to ask)
    pid = api.call("POST", "/programmes", admin, PROGRAMME).data["programme_id"]
    draft = api.call("POST", "/programmes", admin, {**PROGRAMME, "name": "草稿项目", "draft": True}).data
    guopei = {
        "name": "“国培计划（2020）”——陕西省项目",
        "kind": "guopei",
        "academic_year": "2020-2021",
        "enrolment_deadline": "2026-10-26T23:59:59+08:00",
        "start_date": "2026-11-02",
        "end_date": "2027-01-15",
    }
    assert api.call("POST", "/programmes", admin, guopei).status_code == 201
    # When the office creates a region afterwards
    region_id = api.call("POST", "/regions", admin, region_body(A, "广州南沙实验区")).data["region_id"]
    # Then its contact is told of the open programme, by SMS and e-mail, with the deadline and places
    [sms] = opening_sms(A)
    assert PROGRAMME["name"] in sms and "2026-07-15 23:59" in sms and "名额35名" in sms
    assert len(opening_mails("li@example.cn")) == 1
    assert ClaimModel.count(f"notice#open#{pid}#{region_id}") == 1
    # Once: opening the programme again tells nobody twice; the draft tells it when it opens
    api.call("POST", f"/programmes/{pid}/open", admin)
    assert len(opening_sms(A)) == 1
    api.call("POST", f"/programmes/{draft['programme_id']}/open", admin)
    assert len(opening_sms(A)) == 2 and "草稿项目" in opening_sms(A)[1]


def test_reissued_credentials_go_by_sms_with_an_email_beside_them_without_the_password(
    api: Api, admin: str, regions: dict[str, str]
) -> None:
    # Given region A's contact (an address) and C's (none), their first credentials sent
    accounts = {
        phone: api.call("GET", f"/accounts?q={phone}", admin).data["items"][0]["account_id"]
        for phone in (A, C)
    }
    before = len(emails())
    # When the office reissues both
    for phone in (A, C):
        r = api.call("POST", f"/accounts/{accounts[phone]}/credentials", admin)
        assert r.status_code == 200 and r.data["credentials_sent"] is True
    # Then A has the new password by SMS, and one e-mail saying so, without it
    password = password_from_sms(A)
    [mail] = emails()[before:]
    assert mail.destinations["ToAddresses"] == ["li@example.cn"]
    assert mail.subject == "研修平台初始密码已重置：实验区联系人"
    assert A in mail.body and "短信" in mail.body and password not in mail.body
    assert api.login(A, password).data["must_change_password"] is True
    # And C, without an address, the SMS alone
    assert password_from_sms(C) and len(emails()) == before + 1
