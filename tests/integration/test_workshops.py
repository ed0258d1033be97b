"""国培 workshops through the API (seed 003, issue 14): 绥德县's admin forms a workshop with a
confirmed host and places trainees of its 学段 and 学科; the host writes the plan, announces
(with SMS), sets an assignment that trainees submit on time and late, grades it with a score
and 改进提升建议, opens a discussion and hides a reply, holds an activity members check in to,
and writes briefings; the county admin sees the backlog, turnaround and briefings short.
Every route refuses the wrong workshop, county or role with a clear 4xx, writing nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from chalicelib.adapters import clock
from chalicelib.db.models import AuditModel, ClaimModel, NotificationModel, WorkshopModel
from tests.builders import png
from tests.guopei_people import as_body, person
from tests.integration.conftest import STRONG, Api, error_of, sms_to
from tests.integration.test_artifacts import s3_event, upload

pytestmark = pytest.mark.integration

PROGRAMME = {
    "name": "“国培计划（2020）”——陕西省项目区县中小学青年教师学科教学助力培训项目",
    "kind": "guopei",
    "academic_year": "2020-2021",
    "enrolment_deadline": "2026-10-26T23:59:59+08:00",
    "start_date": "2026-11-02",
    "end_date": "2027-01-15",
}
ADMINS = {"绥德县": "13900000013", "延长县": "13900000011"}
# n ≡ 4 (mod 6): 小学数学 in tests/guopei_people.person; 5: 初中英语
SUIDE = {
    "host": person("绥德县", 30, role="工作坊主持人"),
    "host2": person("绥德县", 36, role="工作坊主持人"),
    "t1": person("绥德县", 4),
    "t2": person("绥德县", 10),
    "t3": person("绥德县", 16),
    "junior": person("绥德县", 5),
}
YANCHANG = {"host": person("延长县", 31, role="工作坊主持人"), "t1": person("延长县", 34)}
IN_TERM = datetime(2026, 11, 10, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai, a Tuesday of the term


def _county(api: Api, admin: str, pid: str, county: str, people: dict[str, dict[str, str]]) -> dict[str, Any]:
    contact = {"name": f"{county[:2]}管理员", "phone": ADMINS[county], "unit": f"{county}教育局"}
    region = api.call("POST", "/regions", admin, {"name": county, "contact": contact}).data["region_id"]
    assert api.call("PUT", f"/programmes/{pid}/quotas/{region}", admin, {"places": 340}).status_code == 200
    token = api.ready_token(ADMINS[county])
    ids = {}
    for key, cells in people.items():
        made = api.call("POST", f"/programmes/{pid}/enrolments", token, as_body(cells))
        assert made.status_code == 201, made.data
        ids[key] = made.data["enrolment_id"]
    done = api.call("POST", f"/programmes/{pid}/enrolment/confirm", token)
    assert done.status_code == 200, done.data
    tokens = {key: api.ready_token(cells["phone"]) for key, cells in people.items()}
    return {"region": region, "admin": token, "ids": ids, "tokens": tokens}


@pytest.fixture
def g(api: Api, admin: str) -> dict[str, Any]:
    """The programme, 绥德县 and 延长县 confirmed: hosts and trainees with accounts."""
    pid = api.call("POST", "/programmes", admin, PROGRAMME).data["programme_id"]
    return {
        "pid": pid,
        "office": admin,
        "suide": _county(api, admin, pid, "绥德县", SUIDE),
        "yanchang": _county(api, admin, pid, "延长县", YANCHANG),
    }


def relogin(api: Api, g: dict[str, Any], moment: datetime) -> None:
    """Move the clock and log everyone in again (sessions last 12 hours)."""
    clock.set_now(moment)
    g["office"] = api.login("13800000000", STRONG).data["token"]
    for name, people in (("suide", SUIDE), ("yanchang", YANCHANG)):
        c = g[name]
        c["admin"] = api.login(ADMINS["绥德县" if name == "suide" else "延长县"], STRONG).data["token"]
        c["tokens"] = {k: api.login(p["phone"], STRONG).data["token"] for k, p in people.items()}


def form(api: Api, g: dict[str, Any], **overrides: Any) -> Any:
    s = g["suide"]
    token = overrides.pop("token", s["admin"])
    body = {
        "name": "绥德县小学数学工作坊",
        "stage": "primary",
        "subject": "math",
        "host_enrolment_id": s["ids"]["host"],
        **overrides,
    }
    return api.call("POST", f"/programmes/{g['pid']}/workshops", token, body)


def formed(api: Api, g: dict[str, Any]) -> str:
    """The workshop with t1 and t2 placed."""
    made = form(api, g)
    assert made.status_code == 201, made.data
    wid = made.data["workshop_id"]
    s = g["suide"]
    placed = api.call(
        "PUT", f"/workshops/{wid}/members", s["admin"], {"enrolment_ids": [s["ids"]["t1"], s["ids"]["t2"]]}
    )
    assert placed.status_code == 200, placed.data
    return str(wid)


def items(r: Any) -> list[dict[str, Any]]:
    assert r.status_code == 200, r.data
    assert set(r.data) == {"items", "next_cursor"}
    return list(r.data["items"])


# --- 1. workshops -----------------------------------------------------------------------------


def test_the_county_admin_forms_a_workshop_and_places_trainees_of_its_stage_and_subject(
    api: Api, g: dict[str, Any]
) -> None:
    s = g["suide"]
    # Given 绥德县's confirmed host, When its admin forms a workshop
    made = form(api, g)
    # Then it is the county's, with its host, and no members yet
    assert made.status_code == 201, made.data
    wid = made.data["workshop_id"]
    assert (made.data["region_id"], made.data["host_name"], made.data["member_count"]) == (
        s["region"],
        SUIDE["host"]["name"],
        0,
    )
    # When the admin places two 小学数学 trainees
    placed = api.call(
        "PUT", f"/workshops/{wid}/members", s["admin"], {"enrolment_ids": [s["ids"]["t1"], s["ids"]["t2"]]}
    )
    # Then they are its members
    assert placed.status_code == 200, placed.data
    assert sorted(m["name"] for m in placed.data["members"]) == sorted(
        [SUIDE["t1"]["name"], SUIDE["t2"]["name"]]
    )
    assert placed.data["member_count"] == 2
    # And the trainee finds it at /me/workshops, the host too
    assert [w["workshop_id"] for w in items(api.call("GET", "/me/workshops", s["tokens"]["t1"]))] == [wid]
    assert [w["workshop_id"] for w in items(api.call("GET", "/me/workshops", s["tokens"]["host"]))] == [wid]
    assert items(api.call("GET", "/me/workshops", s["tokens"]["t3"])) == []
    # And the admin and the office list it
    listed = items(api.call("GET", f"/programmes/{g['pid']}/workshops", s["admin"]))
    assert [w["workshop_id"] for w in listed] == [wid]
    office = items(api.call("GET", f"/programmes/{g['pid']}/workshops?region_id={s['region']}", g["office"]))
    assert [w["workshop_id"] for w in office] == [wid]
    # When the members become t2 and t3: t1 leaves, t3 joins
    again = api.call(
        "PUT", f"/workshops/{wid}/members", s["admin"], {"enrolment_ids": [s["ids"]["t2"], s["ids"]["t3"]]}
    )
    assert again.status_code == 200, again.data
    assert sorted(m["enrolment_id"] for m in again.data["members"]) == sorted(
        [s["ids"]["t2"], s["ids"]["t3"]]
    )
    assert items(api.call("GET", "/me/workshops", s["tokens"]["t1"])) == []
    assert ClaimModel.count(f"workshop-member#{g['pid']}#{s['ids']['t1']}") == 0


def test_bad_members_and_hosts_are_refused_in_chinese_and_nothing_is_written(
    api: Api, g: dict[str, Any]
) -> None:
    s, y = g["suide"], g["yanchang"]
    # A host from another county
    other = form(api, g, host_enrolment_id=y["ids"]["host"])
    assert error_of(other) == (422, "validation_failed")
    assert other.data["error"]["fields"]["host_enrolment_id"] == "该主持人不属于本区县"
    # A trainee as host
    assert error_of(form(api, g, host_enrolment_id=s["ids"]["t1"])) == (422, "validation_failed")
    # Another county's admin cannot form one in 绥德县
    assert error_of(form(api, g, region_id=s["region"], token=y["admin"]))[0] == 404
    wid = formed(api, g)
    before = WorkshopModel.count(wid)
    # A member of another 学段/学科, of another county, a host: 422 naming each
    bad = api.call(
        "PUT",
        f"/workshops/{wid}/members",
        s["admin"],
        {"enrolment_ids": [s["ids"]["t1"], s["ids"]["junior"], y["ids"]["t1"], s["ids"]["host2"]]},
    )
    assert error_of(bad) == (422, "validation_failed")
    assert bad.data["error"]["fields"] == {
        s["ids"]["junior"]: "该学员的学段或学科与工作坊不同",
        y["ids"]["t1"]: "该学员不在本区县本项目的名单中",
        s["ids"]["host2"]: "只能加入参训学员",
    }
    assert WorkshopModel.count(wid) == before
    # A trainee already in another workshop of their 学段/学科
    second = form(api, g, name="绥德县小学数学第二工作坊", host_enrolment_id=s["ids"]["host2"]).data[
        "workshop_id"
    ]
    taken = api.call("PUT", f"/workshops/{second}/members", s["admin"], {"enrolment_ids": [s["ids"]["t1"]]})
    assert error_of(taken) == (422, "validation_failed")
    assert taken.data["error"]["fields"] == {s["ids"]["t1"]: "该学员已在其他工作坊，请先从原工作坊移出"}
    assert WorkshopModel.count(second) == 2  # the workshop and its host's item only
    # Another county's admin, a host, a trainee: cannot place members
    assert error_of(api.call("PUT", f"/workshops/{wid}/members", y["admin"], {"enrolment_ids": []})) == (
        404,
        "workshop_not_found",
    )
    assert error_of(
        api.call("PUT", f"/workshops/{wid}/members", s["tokens"]["host"], {"enrolment_ids": []})
    ) == (
        403,
        "forbidden",
    )


def test_the_host_writes_the_theme_and_action_plan_that_the_county_and_office_read(
    api: Api, g: dict[str, Any]
) -> None:
    s, y = g["suide"], g["yanchang"]
    wid = formed(api, g)
    plan = {"theme": "小学数学课堂提问的有效性", "plan": "第一阶段：诊断。\n第二阶段：课例研磨。"}
    done = api.call("PUT", f"/workshops/{wid}/plan", s["tokens"]["host"], plan)
    assert done.status_code == 200, done.data
    for token in (s["admin"], g["office"], s["tokens"]["t1"], s["tokens"]["host"]):
        got = api.call("GET", f"/workshops/{wid}", token)
        assert got.status_code == 200, got.data
        assert (got.data["theme"], got.data["plan"]) == (plan["theme"], plan["plan"])
    # Another county's admin, another host, a trainee of another workshop: 404; a member: 403
    for token in (y["admin"], y["tokens"]["host"], s["tokens"]["host2"], s["tokens"]["t3"]):
        assert error_of(api.call("GET", f"/workshops/{wid}", token)) == (404, "workshop_not_found")
    assert error_of(api.call("PUT", f"/workshops/{wid}/plan", s["tokens"]["t1"], plan)) == (403, "forbidden")
    assert error_of(api.call("PUT", f"/workshops/{wid}/plan", s["admin"], plan)) == (403, "forbidden")


# --- 2. announcements -------------------------------------------------------------------------


def test_an_announcement_reaches_members_in_the_app_and_by_sms_when_asked(
    api: Api, g: dict[str, Any]
) -> None:
    s = g["suide"]
    wid = formed(api, g)
    relogin(api, g, IN_TERM)
    host = s["tokens"]["host"]
    quiet = api.call(
        "POST", f"/workshops/{wid}/announcements", host, {"text": "本周四集中研修", "sms": False}
    )
    assert quiet.status_code == 201, quiet.data
    assert quiet.data["recipients"] == 0
    clock.set_now(IN_TERM + timedelta(minutes=5))  # newest first: a later one
    loud = api.call(
        "POST", f"/workshops/{wid}/announcements", host, {"text": "作业截止延至周五", "sms": True}
    )
    assert loud.status_code == 201 and loud.data["recipients"] == 2
    for key in ("t1", "t2"):
        (text,) = sms_to(SUIDE[key]["phone"])[-1:]
        assert "作业截止延至周五" in text and "绥德县小学数学工作坊" in text
    assert not [t for t in sms_to(SUIDE["t3"]["phone"]) if "工作坊" in t]
    seen = items(api.call("GET", f"/workshops/{wid}/announcements", s["tokens"]["t1"]))
    assert [a["text"] for a in seen] == ["作业截止延至周五", "本周四集中研修"]
    assert error_of(api.call("GET", f"/workshops/{wid}/announcements", s["tokens"]["t3"])) == (
        404,
        "workshop_not_found",
    )
    assert error_of(
        api.call("POST", f"/workshops/{wid}/announcements", s["tokens"]["t1"], {"text": "x", "sms": True})
    ) == (403, "forbidden")


def test_an_announcement_sms_at_night_waits_for_the_morning(api: Api, g: dict[str, Any]) -> None:
    s = g["suide"]
    wid = formed(api, g)
    relogin(api, g, datetime(2026, 11, 10, 14, 0, tzinfo=UTC))  # 22:00 in Shanghai
    sent = len(sms_to(SUIDE["t1"]["phone"]))
    r = api.call(
        "POST", f"/workshops/{wid}/announcements", s["tokens"]["host"], {"text": "明早八点开会", "sms": True}
    )
    assert r.status_code == 201, r.data
    assert len(sms_to(SUIDE["t1"]["phone"])) == sent
    queued = [m for m in NotificationModel.scan() if m.purpose == "workshop_announcement"]
    assert len(queued) == 2 and all(m.status == "queued" for m in queued)


def test_an_announcement_stopped_half_way_is_finished_by_its_retry_and_nothing_twice(
    api: Api, g: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalicelib.db import workshop_activities

    s = g["suide"]
    wid = formed(api, g)
    relogin(api, g, IN_TERM)
    # Given transactions of one item, so the announcement and its 2 SMS take three, and the
    # third one failing (the function stopped: a 500, the Idempotency-Key released)
    monkeypatch.setattr(workshop_activities, "MESSAGES_PER_TRANSACTION", 1)
    real, calls = workshop_activities._put_missing, []

    def third_fails(items: list[Any]) -> None:
        calls.append(items)
        if len(calls) == 3:
            raise RuntimeError("the function stopped")
        real(items)

    monkeypatch.setattr(workshop_activities, "_put_missing", third_fails)
    body, key = {"text": "作业截止延至周五", "sms": True}, {"Idempotency-Key": "announce-0001"}
    path = f"/workshops/{wid}/announcements"
    assert api.call("POST", path, s["tokens"]["host"], body, headers=key).status_code == 500
    assert len([m for m in NotificationModel.scan() if m.purpose == "workshop_announcement"]) == 1
    # When the page sends it again with the same key
    again = api.call("POST", path, s["tokens"]["host"], body, headers=key)
    # Then it is posted once, and each member has its SMS exactly once
    assert again.status_code == 201, again.data
    assert [a["text"] for a in items(api.call("GET", path, s["tokens"]["t1"]))] == ["作业截止延至周五"]
    stored = [m for m in NotificationModel.scan() if m.purpose == "workshop_announcement"]
    assert sorted(m.address for m in stored) == sorted(SUIDE[k]["phone"] for k in ("t1", "t2"))
    for k in ("t1", "t2"):
        assert [t for t in sms_to(SUIDE[k]["phone"]) if "作业截止延至周五" in t] != []
        assert len([t for t in sms_to(SUIDE[k]["phone"]) if "作业截止延至周五" in t]) == 1
    # And another request (another key) is another announcement
    other = api.call("POST", path, s["tokens"]["host"], body, headers={"Idempotency-Key": "announce-0002"})
    assert other.status_code == 201 and other.data["announcement_id"] != again.data["announcement_id"]


# --- 3. assignments ---------------------------------------------------------------------------


def _assignment(api: Api, g: dict[str, Any], wid: str, due: str = "2026-11-20T23:59:00+08:00") -> str:
    r = api.call(
        "POST",
        f"/workshops/{wid}/assignments",
        g["suide"]["tokens"]["host"],
        {"title": "教学设计", "description": "提交一份小学数学教学设计", "due_at": due},
    )
    assert r.status_code == 201, r.data
    return str(r.data["assignment_id"])


def test_an_assignment_submitted_on_time_and_late_is_graded_with_a_suggestion(
    api: Api, g: dict[str, Any]
) -> None:
    s = g["suide"]
    wid = formed(api, g)
    relogin(api, g, IN_TERM)
    aid = _assignment(api, g, wid)
    # t1 submits on time with an image, and its body is sanitised
    image, _ = upload(api, s["tokens"]["t1"], png())
    s3_event(api, image)
    body = f'<p onclick="x()">我的设计<script>alert(1)</script><img src="upload:{image}"></p>'
    first = api.call(
        "POST", f"/assignments/{aid}/submissions", s["tokens"]["t1"], {"body": body, "image_ids": [image]}
    )
    assert first.status_code == 201, first.data
    assert (
        not first.data["late"] and "script" not in first.data["body"] and "onclick" not in first.data["body"]
    )
    assert first.data["images"][0]["upload_id"] == image
    # and resubmits before the grade
    again = api.call("POST", f"/assignments/{aid}/submissions", s["tokens"]["t1"], {"body": "<p>第二稿</p>"})
    assert again.status_code == 201 and again.data["version"] == 2
    assert again.data["submission_id"] == first.data["submission_id"]
    # t2 submits after the due time: marked late
    relogin(api, g, datetime(2026, 11, 21, 2, 0, tzinfo=UTC))
    late = api.call(
        "POST", f"/assignments/{aid}/submissions", s["tokens"]["t2"], {"body": "<p>迟交的设计</p>"}
    )
    assert late.status_code == 201 and late.data["late"] is True
    # The host sees both; a member only their own
    both = items(api.call("GET", f"/assignments/{aid}/submissions", s["tokens"]["host"]))
    assert sorted(x["author_name"] for x in both) == sorted([SUIDE["t1"]["name"], SUIDE["t2"]["name"]])
    own = items(api.call("GET", f"/assignments/{aid}/submissions", s["tokens"]["t2"]))
    assert [x["author_name"] for x in own] == [SUIDE["t2"]["name"]]
    # The county admin sees the backlog
    (listed,) = items(api.call("GET", f"/programmes/{g['pid']}/workshops", s["admin"]))
    assert (listed["submissions"], listed["graded"], listed["backlog"], listed["turnaround_hours"]) == (
        2,
        0,
        2,
        None,
    )
    # The host grades t1's a day later, with a score and 改进提升建议
    relogin(api, g, datetime(2026, 11, 22, 2, 0, tzinfo=UTC))
    sid = first.data["submission_id"]
    graded = api.call(
        "PUT", f"/submissions/{sid}/grade", s["tokens"]["host"], {"score": 88, "suggestion": "增加分层练习"}
    )
    assert graded.status_code == 200, graded.data
    # The trainee sees both
    mine = api.call("GET", f"/submissions/{sid}", s["tokens"]["t1"])
    assert (mine.data["score"], mine.data["suggestion"]) == (88, "增加分层练习")
    # and may not resubmit once graded
    assert error_of(
        api.call("POST", f"/assignments/{aid}/submissions", s["tokens"]["t1"], {"body": "<p>第三稿</p>"})
    ) == (409, "already_graded")
    # Another trainee cannot read it
    assert error_of(api.call("GET", f"/submissions/{sid}", s["tokens"]["t2"])) == (
        404,
        "submission_not_found",
    )
    (listed,) = items(api.call("GET", f"/programmes/{g['pid']}/workshops", s["admin"]))
    assert (listed["graded"], listed["backlog"]) == (1, 1)
    assert listed["turnaround_hours"] == 288.0  # first submitted 11-10 10:00, graded 11-22 10:00
    # A score out of range: 422; another workshop's host: 404
    assert error_of(
        api.call("PUT", f"/submissions/{sid}/grade", s["tokens"]["host"], {"score": 101, "suggestion": "x"})
    ) == (422, "validation_failed")
    assert error_of(
        api.call("PUT", f"/submissions/{sid}/grade", s["tokens"]["host2"], {"score": 60, "suggestion": "x"})
    ) == (404, "workshop_not_found")
    # Once closed, 409 assignment_closed and nothing written
    assert api.call("POST", f"/assignments/{aid}/close", s["tokens"]["host"]).data["closed"] is True
    closed = api.call("POST", f"/assignments/{aid}/submissions", s["tokens"]["t2"], {"body": "<p>再交</p>"})
    assert error_of(closed) == (409, "assignment_closed")
    assert (
        items(api.call("GET", f"/assignments/{aid}/submissions", s["tokens"]["t2"]))[0]["body"]
        == "<p>迟交的设计</p>"
    )


def test_assignment_rules(api: Api, g: dict[str, Any]) -> None:
    s = g["suide"]
    wid = formed(api, g)
    relogin(api, g, IN_TERM)
    host = s["tokens"]["host"]
    outside = api.call(
        "POST",
        f"/workshops/{wid}/assignments",
        host,
        {"title": "x", "description": "y", "due_at": "2027-03-01T12:00:00+08:00"},
    )
    assert error_of(outside) == (422, "validation_failed")
    assert outside.data["error"]["fields"]["due_at"] == "须在项目时间内（2026-11-02至2027-01-15）"
    aid = _assignment(api, g, wid)
    # Not a member: t3 (no workshop), 延长县's trainee
    for token in (s["tokens"]["t3"], g["yanchang"]["tokens"]["t1"]):
        assert (
            error_of(api.call("POST", f"/assignments/{aid}/submissions", token, {"body": "<p>x</p>"}))[0]
            == 404
        )
    # Made-up ids
    for path in ("/assignments/nope/submissions", f"/assignments/{aid}x/submissions"):
        assert error_of(api.call("GET", path, host)) == (404, "assignment_not_found")
    assert error_of(api.call("GET", "/submissions/abc", host)) == (404, "submission_not_found")
    too_long = "<p>" + "字" * 10_001 + "</p>"
    assert error_of(
        api.call("POST", f"/assignments/{aid}/submissions", s["tokens"]["t1"], {"body": too_long})
    ) == (
        422,
        "validation_failed",
    )


# --- 4. discussions ---------------------------------------------------------------------------


def test_a_discussion_with_a_hidden_reply_kept_on_the_record(api: Api, g: dict[str, Any]) -> None:
    s = g["suide"]
    wid = formed(api, g)
    host = s["tokens"]["host"]
    topic = api.call(
        "POST", f"/workshops/{wid}/topics", host, {"title": "如何设计开放题", "body": "<p>请分享</p>"}
    )
    assert topic.status_code == 201, topic.data
    tid = topic.data["topic_id"]
    good = api.call("POST", f"/topics/{tid}/replies", s["tokens"]["t1"], {"body": "<p>从生活情境入手</p>"})
    bad = api.call(
        "POST", f"/topics/{tid}/replies", s["tokens"]["t2"], {"body": "<p>广告<script>x()</script></p>"}
    )
    assert good.status_code == 201 and bad.status_code == 201
    assert "script" not in bad.data["body"]
    hidden = api.call("POST", f"/replies/{bad.data['reply_id']}/hide", host, {"reason": "与研讨无关"})
    assert hidden.status_code == 200 and hidden.data["hidden"] is True
    # Kept and audited; shown to the host only
    assert WorkshopModel.get(wid, f"reply#{bad.data['reply_id']}").hidden_at is not None
    (entry,) = AuditModel.query(f"reply#{bad.data['reply_id']}")
    assert (entry.action, entry.reason) == ("hide_reply", "与研讨无关")
    assert [r["reply_id"] for r in items(api.call("GET", f"/topics/{tid}/replies", s["tokens"]["t1"]))] == [
        good.data["reply_id"]
    ]
    assert len(items(api.call("GET", f"/topics/{tid}/replies", host))) == 2
    (shown,) = items(api.call("GET", f"/workshops/{wid}/topics", s["tokens"]["t1"]))
    assert shown["replies"] == 1  # the replies members see
    # Hiding again changes nothing
    assert api.call("POST", f"/replies/{bad.data['reply_id']}/hide", host).status_code == 200
    assert len(list(AuditModel.query(f"reply#{bad.data['reply_id']}"))) == 1
    # A reply to a topic of another workshop: 404, nothing written
    other = form(api, g, name="第二工作坊", host_enrolment_id=s["ids"]["host2"]).data["workshop_id"]
    placed = api.call("PUT", f"/workshops/{other}/members", s["admin"], {"enrolment_ids": [s["ids"]["t3"]]})
    assert placed.status_code == 200
    assert error_of(api.call("POST", f"/topics/{tid}/replies", s["tokens"]["t3"], {"body": "<p>x</p>"})) == (
        404,
        "topic_not_found",
    )
    assert len(items(api.call("GET", f"/topics/{tid}/replies", host))) == 2
    # A member cannot hide; another host cannot either
    assert error_of(api.call("POST", f"/replies/{good.data['reply_id']}/hide", s["tokens"]["t2"])) == (
        403,
        "forbidden",
    )
    assert error_of(api.call("POST", f"/replies/{good.data['reply_id']}/hide", s["tokens"]["host2"])) == (
        404,
        "workshop_not_found",
    )


# --- 5. offline activities --------------------------------------------------------------------


def test_members_check_in_to_an_offline_activity_on_its_day(api: Api, g: dict[str, Any]) -> None:
    s = g["suide"]
    wid = formed(api, g)
    relogin(api, g, IN_TERM)
    made = api.call(
        "POST",
        f"/workshops/{wid}/activities",
        s["tokens"]["host"],
        {"title": "课例研磨", "date": "2026-11-12", "place": "绥德县第一小学"},
    )
    assert made.status_code == 201, made.data
    act = made.data["activity_id"]
    assert error_of(api.call("POST", f"/activities/{act}/checkins", s["tokens"]["t1"])) == (
        409,
        "not_activity_day",
    )
    relogin(api, g, datetime(2026, 11, 12, 1, 0, tzinfo=UTC))
    done = api.call("POST", f"/activities/{act}/checkins", s["tokens"]["t1"])
    assert done.status_code == 200 and done.data["checked_in"] is True and done.data["checkins"] == 1
    assert api.call("POST", f"/activities/{act}/checkins", s["tokens"]["t1"]).data["checkins"] == 1
    assert error_of(api.call("POST", f"/activities/{act}/checkins", s["tokens"]["t3"])) == (
        404,
        "workshop_not_found",
    )
    (listed,) = items(api.call("GET", f"/workshops/{wid}/activities", s["tokens"]["t1"]))
    assert listed["checked_in"] is True
    (other,) = items(api.call("GET", f"/workshops/{wid}/activities", s["tokens"]["t2"]))
    assert other["checked_in"] is False
    outside = api.call(
        "POST",
        f"/workshops/{wid}/activities",
        s["tokens"]["host"],
        {"title": "x", "date": "2027-02-01", "place": "y"},
    )
    assert error_of(outside) == (422, "validation_failed")


# --- 6. briefings -----------------------------------------------------------------------------


def test_briefings_are_counted_and_a_workshop_under_two_is_short(api: Api, g: dict[str, Any]) -> None:
    s = g["suide"]
    wid = formed(api, g)
    host = s["tokens"]["host"]

    def listed() -> dict[str, Any]:
        (w,) = items(api.call("GET", f"/programmes/{g['pid']}/workshops", g["office"]))
        return w

    assert (listed()["briefings"], listed()["briefings_short"]) == (0, True)
    r = api.call("POST", f"/workshops/{wid}/briefings", host, {"title": "第一期简报", "body": "<p>开班</p>"})
    assert r.status_code == 201, r.data
    assert (listed()["briefings"], listed()["briefings_short"]) == (1, True)
    api.call("POST", f"/workshops/{wid}/briefings", host, {"title": "第二期简报", "body": "<p>研磨</p>"})
    assert (listed()["briefings"], listed()["briefings_short"]) == (2, False)
    assert len(items(api.call("GET", f"/workshops/{wid}/briefings", s["tokens"]["t1"]))) == 2
    assert error_of(
        api.call("POST", f"/workshops/{wid}/briefings", s["tokens"]["t1"], {"title": "x", "body": "<p>x</p>"})
    ) == (403, "forbidden")


# --- authorisation: every route ---------------------------------------------------------------

WORKSHOP_PATHS = (
    "/workshops/",
    "/assignments/",
    "/submissions/",
    "/topics/",
    "/replies/",
    "/activities/",
)


def _world(api: Api, g: dict[str, Any]) -> dict[str, str]:
    """A workshop with one of each thing in it, and t1's submission and reply."""
    s = g["suide"]
    wid = formed(api, g)
    relogin(api, g, IN_TERM)
    host, t1 = s["tokens"]["host"], s["tokens"]["t1"]
    aid = _assignment(api, g, wid)
    sid = api.call("POST", f"/assignments/{aid}/submissions", t1, {"body": "<p>x</p>"}).data["submission_id"]
    tid = api.call("POST", f"/workshops/{wid}/topics", host, {"title": "t", "body": "<p>b</p>"}).data[
        "topic_id"
    ]
    rid = api.call("POST", f"/topics/{tid}/replies", t1, {"body": "<p>r</p>"}).data["reply_id"]
    act = api.call(
        "POST", f"/workshops/{wid}/activities", host, {"title": "a", "date": "2026-11-10", "place": "p"}
    ).data["activity_id"]
    return {
        "programme_id": g["pid"],
        "workshop_id": wid,
        "assignment_id": aid,
        "submission_id": sid,
        "topic_id": tid,
        "reply_id": rid,
        "activity_id": act,
    }


BODIES: dict[str, Any] = {
    "POST /programmes/{programme_id}/workshops": {
        "name": "x",
        "stage": "primary",
        "subject": "math",
        "host_enrolment_id": "0" * 32,
    },
    "PUT /workshops/{workshop_id}/members": {"enrolment_ids": []},
    "PUT /workshops/{workshop_id}/plan": {"theme": "x", "plan": "y"},
    "POST /workshops/{workshop_id}/announcements": {"text": "x", "sms": True},
    "POST /workshops/{workshop_id}/assignments": {
        "title": "x",
        "description": "y",
        "due_at": "2026-11-20T12:00:00+08:00",
    },
    "POST /assignments/{assignment_id}/submissions": {"body": "<p>x</p>"},
    "PUT /submissions/{submission_id}/grade": {"score": 1, "suggestion": "x"},
    "POST /workshops/{workshop_id}/topics": {"title": "x", "body": "y"},
    "POST /topics/{topic_id}/replies": {"body": "y"},
    "POST /replies/{reply_id}/hide": {},
    "POST /workshops/{workshop_id}/activities": {"title": "x", "date": "2026-11-20", "place": "y"},
    "POST /workshops/{workshop_id}/briefings": {"title": "x", "body": "y"},
    "PUT /workshops/{workshop_id}/collection": {"submission_ids": [], "foreword": "x"},
}


def test_every_workshop_route_refuses_other_hosts_trainees_and_counties(api: Api, g: dict[str, Any]) -> None:
    from chalicelib.api.routing import ENDPOINTS

    ids = _world(api, g)
    s, y = g["suide"], g["yanchang"]
    outsiders = {
        "another county's admin": y["admin"],
        "another county's host": y["tokens"]["host"],
        "another host of the county": s["tokens"]["host2"],
        "a trainee of no workshop": s["tokens"]["t3"],
        "another county's trainee": y["tokens"]["t1"],
    }
    routes = [
        ep
        for ep in ENDPOINTS
        if ep.path.startswith(WORKSHOP_PATHS) or ep.path.endswith("/workshops") and "{" in ep.path
    ]
    assert len(routes) == 27
    before = {wid: WorkshopModel.count(wid) for wid in (ids["workshop_id"],)}
    failures = []
    for ep in routes:
        path = ep.path
        for name, value in ids.items():
            path = path.replace("{" + name + "}", value)
        body = BODIES.get(f"{ep.method} {ep.path}")
        if ep.method == "POST" and ep.path.endswith("/workshops"):
            body = {**(body or {}), "region_id": s["region"], "host_enrolment_id": s["ids"]["host"]}
        for who, token in outsiders.items():
            r = api.call(ep.method, path, token, body)
            status, code = error_of(r)
            listing = ep.method == "GET" and ep.path.endswith("/workshops")
            if listing and status == 200:
                # a list of the caller's own: never 绥德县's workshop to someone outside it
                if any(w["workshop_id"] == ids["workshop_id"] for w in r.data["items"]):
                    failures.append(f"{who}: {ep.method} {ep.path} listed it")
                continue
            if status not in (403, 404):
                failures.append(f"{who}: {ep.method} {ep.path} → {status} {code}")
    assert not failures, "\n".join(failures)
    assert {wid: WorkshopModel.count(wid) for wid in before} == before


# --- 7. the excellent-outcome collection and the county's book --------------------------------


def test_a_collection_of_graded_work_goes_into_the_county_book_with_its_images(
    api: Api, g: dict[str, Any]
) -> None:
    import io

    import requests
    from docx import Document

    from chalicelib.jobs import JOBS

    s, y = g["suide"], g["yanchang"]
    wid = formed(api, g)
    relogin(api, g, IN_TERM)
    host = s["tokens"]["host"]
    api.call("PUT", f"/workshops/{wid}/plan", host, {"theme": "课堂提问", "plan": "诊断\n研磨"})
    aid = _assignment(api, g, wid)
    image, _ = upload(api, s["tokens"]["t1"], png(300, 200))
    s3_event(api, image)
    best = api.call(
        "POST",
        f"/assignments/{aid}/submissions",
        s["tokens"]["t1"],
        {"body": f'<p>分数的意义教学设计</p><img src="upload:{image}">', "image_ids": [image]},
    ).data["submission_id"]
    ungraded = api.call(
        "POST", f"/assignments/{aid}/submissions", s["tokens"]["t2"], {"body": "<p>未批改</p>"}
    )
    for n in (1, 2):
        api.call(
            "POST", f"/workshops/{wid}/briefings", host, {"title": f"第{n}期简报", "body": f"<p>简报{n}</p>"}
        )
    # Ungraded work is refused, nothing written
    refused = api.call(
        "PUT",
        f"/workshops/{wid}/collection",
        host,
        {"submission_ids": [best, ungraded.data["submission_id"]], "foreword": "前言"},
    )
    assert error_of(refused) == (422, "validation_failed")
    assert api.call("GET", f"/workshops/{wid}/collection", host).data["submissions"] == []
    # Graded, then picked with a foreword
    api.call("PUT", f"/submissions/{best}/grade", host, {"score": 95, "suggestion": "可推广"})
    picked = api.call(
        "PUT", f"/workshops/{wid}/collection", host, {"submission_ids": [best], "foreword": "本坊优秀成果"}
    )
    assert picked.status_code == 200, picked.data
    assert [x["submission_id"] for x in picked.data["submissions"]] == [best]
    # Another county's admin cannot export 绥德县's book; the office must name the county
    assert (
        error_of(
            api.call(
                "POST",
                f"/programmes/{g['pid']}/exports",
                y["admin"],
                {"kind": "county_book", "region_id": s["region"]},
            )
        )[0]
        == 404
    )
    assert error_of(
        api.call("POST", f"/programmes/{g['pid']}/exports", g["office"], {"kind": "county_book"})
    ) == (
        422,
        "validation_failed",
    )
    # The county admin builds the 成果册
    started = api.call("POST", f"/programmes/{g['pid']}/exports", s["admin"], {"kind": "county_book"})
    assert started.status_code == 202, started.data
    assert JOBS["exports"]() == {"built": 1}
    ready = api.call("GET", f"/exports/{started.data['export_id']}", s["admin"]).data
    assert ready["status"] == "ready", ready
    document = Document(io.BytesIO(requests.get(ready["url"], timeout=10).content))
    text = "\n".join(p.text for p in document.paragraphs)
    for words in (
        "绥德县成果册",
        "绥德县小学数学工作坊",
        "课堂提问",
        "研磨",
        "第1期简报",
        "第2期简报",
        "本坊优秀成果",
        "分数的意义教学设计",
        "95 分",
    ):
        assert words in text, words
    assert "未批改" not in text
    assert len(document.inline_shapes) == 1


def test_a_host_short_of_briefings_is_reminded_weekly_in_the_last_third(api: Api, g: dict[str, Any]) -> None:
    from chalicelib.jobs import JOBS

    s = g["suide"]
    short = formed(api, g)
    full = form(api, g, name="第二工作坊", host_enrolment_id=s["ids"]["host2"]).data["workshop_id"]
    host, host2 = s["tokens"]["host"], s["tokens"]["host2"]
    api.call("POST", f"/workshops/{short}/briefings", host, {"title": "第1期", "body": "<p>a</p>"})
    for n in (1, 2):
        api.call("POST", f"/workshops/{full}/briefings", host2, {"title": f"第{n}期", "body": "<p>b</p>"})

    def reminded(phone: str) -> int:
        return len([t for t in sms_to(phone) if "简报" in t])

    # Before the last third (the term is 11-02..01-15; its last third from 12-22): nothing
    clock.set_now(datetime(2026, 12, 14, 1, 0, tzinfo=UTC))
    JOBS["reminders"]()
    assert reminded(SUIDE["host"]["phone"]) == 0
    # In it: the host with one briefing, not the one with two
    clock.set_now(datetime(2026, 12, 22, 1, 0, tzinfo=UTC))
    JOBS["reminders"]()
    assert reminded(SUIDE["host"]["phone"]) == 1 and reminded(SUIDE["host2"]["phone"]) == 0
    (text,) = [t for t in sms_to(SUIDE["host"]["phone"]) if "简报" in t]
    assert "已发布简报1期" in text and "1月15日" in text
    # Once a week: not again that week, again the next
    clock.set_now(datetime(2026, 12, 24, 1, 0, tzinfo=UTC))
    JOBS["reminders"]()
    assert reminded(SUIDE["host"]["phone"]) == 1
    clock.set_now(datetime(2026, 12, 28, 1, 0, tzinfo=UTC))
    JOBS["reminders"]()
    assert reminded(SUIDE["host"]["phone"]) == 2
    # Until there are two
    relogin(api, g, datetime(2026, 12, 30, 1, 0, tzinfo=UTC))
    api.call(
        "POST", f"/workshops/{short}/briefings", s["tokens"]["host"], {"title": "第2期", "body": "<p>c</p>"}
    )
    clock.set_now(datetime(2027, 1, 4, 1, 0, tzinfo=UTC))
    JOBS["reminders"]()
    assert reminded(SUIDE["host"]["phone"]) == 2


def test_no_phone_or_name_in_any_log_line_of_a_workshop(api: Api, g: dict[str, Any]) -> None:
    import io
    import logging

    from chalicelib.observability import logger
    from tests.integration.test_logs import _Everything

    buffer = io.StringIO()
    ours, rest = _Everything(buffer), _Everything(buffer)
    logger.addHandler(ours)
    root = logging.getLogger()
    level = root.level
    root.addHandler(rest)
    root.setLevel(logging.INFO)
    s = g["suide"]
    try:
        # Given a workshop's whole term: forming, members, plan, an SMS announcement, an
        # assignment submitted and graded, a hidden reply, a check-in, a briefing
        wid = formed(api, g)
        relogin(api, g, IN_TERM)
        host = s["tokens"]["host"]
        api.call("PUT", f"/workshops/{wid}/plan", host, {"theme": "课堂提问", "plan": "诊断"})
        api.call("POST", f"/workshops/{wid}/announcements", host, {"text": "开会", "sms": True})
        aid = _assignment(api, g, wid)
        sid = api.call(
            "POST", f"/assignments/{aid}/submissions", s["tokens"]["t1"], {"body": "<p>x</p>"}
        ).data["submission_id"]
        api.call("PUT", f"/submissions/{sid}/grade", host, {"score": 80, "suggestion": "好"})
        tid = api.call("POST", f"/workshops/{wid}/topics", host, {"title": "t", "body": "b"}).data["topic_id"]
        rid = api.call("POST", f"/topics/{tid}/replies", s["tokens"]["t2"], {"body": "r"}).data["reply_id"]
        api.call("POST", f"/replies/{rid}/hide", host)
        act = api.call(
            "POST", f"/workshops/{wid}/activities", host, {"title": "a", "date": "2026-11-10", "place": "p"}
        ).data["activity_id"]
        api.call("POST", f"/activities/{act}/checkins", s["tokens"]["t1"])
        api.call("POST", f"/workshops/{wid}/briefings", host, {"title": "简报", "body": "<p>b</p>"})
    finally:
        logger.removeHandler(ours)  # type: ignore[attr-defined]
        root.removeHandler(rest)
        root.setLevel(level)
    logged = buffer.getvalue()
    # Then no phone or name of anyone in it is in any line
    assert "workshopformed" in logged and "replyhidden" in logged  # (the buffer drops spaces)
    for p in (SUIDE["host"], SUIDE["t1"], SUIDE["t2"]):
        for value in (p["phone"], p["name"], p["id_number"]):
            assert value not in logged, value
