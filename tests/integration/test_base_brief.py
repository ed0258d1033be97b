"""The base before the batch (issue 13 part 3): what the base contact sees of each batch (the
study type, the region's purpose and remark, lodging, the 团长's contact) and the 研修需求说明
between the 团长 and the base."""

from __future__ import annotations

from datetime import timedelta

import pytest

from chalicelib.adapters import clock
from chalicelib.db.models import BatchNoteModel
from tests.integration.conftest import PROGRAMME, Api, base_body, emails, error_of, region_body, sms_to

pytestmark = pytest.mark.integration

CONTACT, BASE, LEADER, MEMBER = "13900000001", "13700000001", "13600000001", "13600000002"
LODGING = {
    "lodging": True,
    "lodging_address": "北京市海淀区学院路1号专家公寓",
    "lodging_notes": "步行10分钟到校\n含早餐",
}


@pytest.fixture
def w(api: Api, admin: str) -> dict:
    pid = api.call("POST", "/programmes", admin, PROGRAMME).data["programme_id"]
    base = api.call("POST", "/bases", admin, base_body(BASE, ["primary"])).data["base_id"]
    region = api.call("POST", "/regions", admin, region_body(CONTACT)).data["region_id"]
    contact = api.ready_token(CONTACT)
    demand = {
        "study_type": "exchange",
        "purpose": "学习课程改革经验，重点是大单元教学",
        "items": [{"stage": "primary", "places": 5, "remark": "希望安排语文学科"}],
    }
    assert api.call("POST", f"/programmes/{pid}/demands", contact, demand).status_code == 201
    body = {
        "base_id": base,
        "stage": "primary",
        "start_date": "2026-09-07",
        "end_date": "2026-09-18",
        "study_type": "exchange",
        **LODGING,
    }
    created = api.call("POST", f"/programmes/{pid}/batches", admin, body)
    assert created.status_code == 201
    batch = created.data["batch_id"]
    assert {k: created.data[k] for k in LODGING} == LODGING
    api.call("PUT", f"/batches/{batch}/region", admin, {"region_id": region})
    people = [
        {"name": "张团长", "phone": LEADER, "team_role": "leader", "email": "zhang@example.cn"},
        {"name": "李明", "phone": MEMBER, "team_role": "member"},
    ]
    for person in people:
        r = api.call(
            "POST", f"/batches/{batch}/trainees", contact, {"gender": "female", "unit": "一小", **person}
        )
        assert r.status_code == 201
    assert api.call("POST", f"/batches/{batch}/roster/confirm", contact).status_code == 200
    return {"pid": pid, "base": base, "batch": batch, "contact": contact, "base_token": api.ready_token(BASE)}


def test_the_base_sees_study_type_purpose_remark_lodging_and_the_leaders_contact(api: Api, w: dict) -> None:
    [row] = api.call("GET", f"/bases/{w['base']}/batches", w["base_token"]).data["items"]
    assert row["study_type"] == "exchange"
    assert row["purpose"] == "学习课程改革经验，重点是大单元教学" and row["remark"] == "希望安排语文学科"
    assert {k: row[k] for k in LODGING} == LODGING
    assert row["leader"] == {"name": "张团长", "phone": LEADER, "email": "z***@example.cn"}
    # the team's other phones stay masked
    assert [t["phone"] for t in row["trainees"] if t["team_role"] == "member"] == ["136****0002"]


def test_the_leader_and_the_base_exchange_notes_and_each_is_told(api: Api, admin: str, w: dict) -> None:
    batch = w["batch"]
    leader = api.ready_token(LEADER)
    # When the 团长 writes to the base
    text = "我们希望重点观摩语文大单元教学，并参加一次教研活动。\n5人中有2位校长，希望与管理团队交流。"
    r = api.call("POST", f"/batches/{batch}/notes", leader, {"text": text})
    assert r.status_code == 201 and r.data["author_role"] == "leader" and r.data["author_name"] == "张团长"
    # Then the base's contact is told by SMS and e-mail, once
    [sms] = [t for t in sms_to(BASE) if "研修需求说明" in t]
    assert "张团长" in sms and "我们希望重点观摩语文大单元教学" in sms and "批次与名单" in sms
    assert [m.subject for m in emails() if m.destinations["ToAddresses"] == ["wang@example.cn"]][
        -1
    ] == "研修需求说明"
    # When the base answers (a minute later), the 团长 is told
    clock.advance(timedelta(minutes=1))
    answer = api.call(
        "POST", f"/batches/{batch}/notes", w["base_token"], {"text": "欢迎！已安排9月8日教研活动。"}
    )
    assert (
        answer.status_code == 201
        and answer.data["author_role"] == "base"
        and answer.data["author_name"] == "王老师"
    )
    [told] = [t for t in sms_to(LEADER) if "回复了研修需求说明" in t]
    assert "已安排9月8日教研活动" in told
    assert any(
        "研修需求说明的回复" == m.subject
        for m in emails()
        if m.destinations["ToAddresses"] == ["zhang@example.cn"]
    )
    # Both sides, the region's contact and the office read them in order
    for token in (leader, w["base_token"], w["contact"], admin):
        listed = api.call("GET", f"/batches/{batch}/notes", token)
        assert listed.status_code == 200
        assert [n["author_role"] for n in listed.data["items"]] == ["leader", "base"]
        assert listed.data["items"][0]["text"] == text
    page = api.call("GET", f"/batches/{batch}/notes?limit=1", leader).data
    assert len(page["items"]) == 1 and page["next_cursor"]


def test_a_member_who_is_not_the_leader_is_refused_and_nothing_is_written(api: Api, w: dict) -> None:
    member = api.ready_token(MEMBER)
    r = api.call("POST", f"/batches/{w['batch']}/notes", member, {"text": "我也想说"})
    assert error_of(r) == (403, "not_team_leader") and "团长" in r.data["error"]["message"]
    assert error_of(api.call("GET", f"/batches/{w['batch']}/notes", member)) == (403, "not_team_leader")
    assert BatchNoteModel.count(w["batch"]) == 0 and not [t for t in sms_to(BASE) if "研修需求说明" in t]
    # Others: the region's contact and the office read but do not write; too long is 422
    r = api.call("POST", f"/batches/{w['batch']}/notes", w["contact"], {"text": "联系人留言"})
    assert error_of(r) == (403, "forbidden")
    r = api.call("POST", f"/batches/{w['batch']}/notes", w["base_token"], {"text": "长" * 501})
    assert error_of(r)[0] == 422 and "text" in r.data["error"]["fields"]
    assert error_of(api.call("GET", "/batches/nope/notes", w["base_token"])) == (404, "batch_not_found")
    assert BatchNoteModel.count(w["batch"]) == 0
