"""Reminders, the outbox's quiet hours and daily cap, the year-end evaluation and rewards
(issue: jobs and notifications). Deadlines: demand 7/15, roster 8/31, registration 9/5
(23:59:59 +08:00); the batch runs 9/07–9/18; outcomes close 90 days after: 12/17."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest

from chalicelib.adapters import clock
from chalicelib.adapters.aws import client
from chalicelib.db.models import NotificationModel
from chalicelib.jobs import JOBS
from tests.integration.conftest import PROGRAMME, STRONG, Api, base_body, error_of, region_body, sms_to

pytestmark = pytest.mark.integration

A, B, C, BASE_PHONE = "13900000001", "13900000002", "13900000003", "13700000001"
T = ["13600000001", "13600000002", "13600000003"]


def nine_am(month: int, day: int) -> datetime:
    """09:00 in Shanghai on that day (01:00 UTC)."""
    return datetime(2026, month, day, 1, 0, tzinfo=UTC)


def reminders_to(phone: str, word: str) -> list[str]:
    return [t for t in sms_to(phone) if word in t]


@pytest.fixture
def w(api: Api, admin: str) -> dict:
    pid = api.call("POST", "/programmes", admin, PROGRAMME).data["programme_id"]
    base = api.call("POST", "/bases", admin, base_body(BASE_PHONE, ["primary"])).data["base_id"]
    regions = {
        p: api.call("POST", "/regions", admin, region_body(p, f"实验区{p[-1]}")).data["region_id"]
        for p in (A, B, C)
    }
    tokens = {p: api.ready_token(p) for p in (A, B, C)}
    batches = []
    for phone in (A, B):
        api.call(
            "POST",
            f"/programmes/{pid}/demands",
            tokens[phone],
            {"study_type": "placement", "purpose": "学习", "items": [{"stage": "primary", "places": 5}]},
        )
        batch = api.call(
            "POST",
            f"/programmes/{pid}/batches",
            admin,
            {
                "base_id": base,
                "stage": "primary",
                "start_date": "2026-09-07",
                "end_date": "2026-09-18",
                "study_type": "placement",
            },
        ).data["batch_id"]
        api.call("PUT", f"/batches/{batch}/region", admin, {"region_id": regions[phone]})
        batches.append(batch)
    return {"pid": pid, "regions": regions, "tokens": tokens, "batches": batches}


def confirm_b_with_trainees(api: Api, w: dict) -> None:
    for n, phone in enumerate(T):
        api.call(
            "POST",
            f"/batches/{w['batches'][1]}/trainees",
            w["tokens"][B],
            {
                "name": f"学员{n + 1}",
                "gender": "male",
                "phone": phone,
                "unit": "学校",
                "team_role": "leader" if n == 0 else "member",
            },
        )
    assert api.call("POST", f"/batches/{w['batches'][1]}/roster/confirm", w["tokens"][B]).status_code == 200
    for n, phone in enumerate(T):
        api.ready_token(phone, f"Trainee-Secret-{n}")


def test_demand_reminder_3_and_1_days_before_only_to_regions_without_demand(
    api: Api, admin: str, w: dict
) -> None:
    # Region D joins later: it still has to ask, and is reminded too
    api.call("POST", "/regions", admin, region_body("13900000004", "实验区4"))
    for day, so_far in ((11, 0), (12, 1), (13, 1), (14, 2), (15, 2)):
        JOBS["reminders"](nine_am(7, day))
        for phone in (C, "13900000004"):
            assert len(reminders_to(phone, "研修需求将于")) == so_far, (day, phone)
    for phone in (A, B):
        assert reminders_to(phone, "研修需求将于") == []


def test_demand_reminder_stops_when_the_region_asks_first(api: Api, w: dict) -> None:
    clock.set_now(nine_am(7, 14) - timedelta(minutes=1))  # 08:59
    token = api.login(C, STRONG).data["token"]
    api.call(
        "POST",
        f"/programmes/{w['pid']}/demands",
        token,
        {"study_type": "placement", "purpose": "学习", "items": [{"stage": "primary", "places": 5}]},
    )
    assert JOBS["reminders"](nine_am(7, 14)).get("demand", 0) == 0
    assert reminders_to(C, "研修需求将于") == []


def test_a_second_run_the_same_day_sends_nothing(w: dict) -> None:
    assert JOBS["reminders"](nine_am(7, 12)) == {"demand": 1}
    assert JOBS["reminders"](nine_am(7, 12)) == {}
    assert len(reminders_to(C, "研修需求将于")) == 1


def test_a_contact_of_two_programmes_due_the_same_day_is_reminded_of_each(
    api: Api, admin: str, w: dict
) -> None:
    # Given a second programme (the 国培) whose demand deadline is the same day's
    second = {**PROGRAMME, "name": "国培计划2026示范项目"}
    assert api.call("POST", "/programmes", admin, second).status_code == 201
    # When the job runs 3 days before, and again
    assert JOBS["reminders"](nine_am(7, 12)) == {"demand": 4}
    assert JOBS["reminders"](nine_am(7, 12)) == {}
    # Then region C's contact is reminded once of each programme, A and B of the one they
    # have not asked places of yet
    texts = reminders_to(C, "研修需求将于")
    assert len(texts) == 2
    assert any(PROGRAMME["name"] in t for t in texts) and any(second["name"] in t for t in texts)
    for phone in (A, B):
        assert [second["name"] in t for t in reminders_to(phone, "研修需求将于")] == [True]


def test_a_run_that_crashed_half_way_is_finished_by_the_rerun(
    api: Api, admin: str, w: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    api.call("POST", "/regions", admin, region_body("13900000004", "实验区4"))
    from chalicelib.services import notify

    def crash(messages, now=None):
        raise RuntimeError("the Lambda timed out before sending")

    monkeypatch.setattr(notify, "deliver_all", crash)
    with pytest.raises(RuntimeError):
        JOBS["reminders"](nine_am(7, 12))
    monkeypatch.undo()
    assert reminders_to(C, "研修需求将于") == []
    assert JOBS["reminders"](nine_am(7, 12)) == {}  # a rerun records nothing twice ...
    JOBS["outbox"](nine_am(7, 12) + timedelta(minutes=5))  # ... and the outbox sends what was recorded
    assert len(reminders_to(C, "研修需求将于")) == 1 and len(reminders_to("13900000004", "研修需求将于")) == 1


def test_roster_reminder_to_contacts_with_unconfirmed_rosters(api: Api, w: dict) -> None:
    confirm_b_with_trainees(api, w)
    for day, expected in ((27, 0), (28, 1), (29, 1), (30, 2), (31, 2)):
        JOBS["reminders"](nine_am(8, day))
        assert len(reminders_to(A, "名单尚未最终确认")) == expected, day
    assert reminders_to(B, "名单尚未最终确认") == []
    assert "2026-09-07至2026-09-18" in reminders_to(A, "名单尚未最终确认")[0]


def test_a_roster_confirmed_just_before_nine_gets_no_reminder_though_the_index_lags(
    api: Api, w: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalicelib.db.models import BatchModel

    # Given region A confirms its roster at 08:59 on the reminder's day
    clock.set_now(nine_am(8, 28) - timedelta(minutes=1))
    token = api.login(A, STRONG).data["token"]
    trainee = {"name": "甲", "gender": "male", "phone": "13600000009", "unit": "学校", "team_role": "leader"}
    assert api.call("POST", f"/batches/{w['batches'][0]}/trainees", token, trainee).status_code == 201
    assert api.call("POST", f"/batches/{w['batches'][0]}/roster/confirm", token).status_code == 200
    # And the index of unconfirmed rosters still lists it at 09:00 (it lags the table a moment)
    stale = BatchModel.get(w["batches"][0])
    stale.awaiting_roster = w["pid"]
    real = BatchModel.by_awaiting_roster.query
    monkeypatch.setattr(BatchModel.by_awaiting_roster, "query", lambda pid, **kw: [stale, *real(pid, **kw)])
    # When the 09:00 job runs, then A's contact gets no roster reminder, B's does
    JOBS["reminders"](nine_am(8, 28))
    assert reminders_to(A, "名单尚未最终确认") == []
    assert len(reminders_to(B, "名单尚未最终确认")) == 1


def test_registration_reminder_two_days_before_with_a_summary(api: Api, w: dict) -> None:
    confirm_b_with_trainees(api, w)
    registered = api.login(T[0], "Trainee-Secret-0").data["token"]
    assert api.call("POST", f"/batches/{w['batches'][1]}/registration", registered).status_code == 200
    JOBS["reminders"](nine_am(9, 2))
    assert all(reminders_to(p, "尚未报到") == [] for p in T)
    JOBS["reminders"](nine_am(9, 3))
    assert reminders_to(T[0], "尚未报到") == []
    assert len(reminders_to(T[1], "尚未报到")) == len(reminders_to(T[2], "尚未报到")) == 1
    [summary] = reminders_to(B, "名研修人员尚未报到")
    assert "2名" in summary and "学员2" in summary and "学员3" in summary


def test_checkin_reminder_at_ten_for_registered_trainees_in_session(api: Api, w: dict) -> None:
    confirm_b_with_trainees(api, w)
    for phone, n in ((T[0], 0), (T[1], 1)):
        token = api.login(phone, f"Trainee-Secret-{n}").data["token"]
        api.call("POST", f"/batches/{w['batches'][1]}/registration", token)
    clock.set_now(datetime(2026, 9, 8, 1, 30, tzinfo=UTC))  # 9/08 09:30: trainee 1 checks in
    token = api.login(T[0], "Trainee-Secret-0").data["token"]
    assert api.call("POST", f"/batches/{w['batches'][1]}/checkins", token).status_code == 200
    ten = datetime(2026, 9, 8, 2, 0, tzinfo=UTC)
    assert JOBS["checkin-reminders"](ten) == {"checkin": 1}
    assert len(reminders_to(T[1], "尚未签到")) == 1
    assert reminders_to(T[0], "尚未签到") == [] and reminders_to(T[2], "尚未签到") == []  # T3: not registered
    assert JOBS["checkin-reminders"](ten + timedelta(minutes=5)) == {}
    assert JOBS["checkin-reminders"](datetime(2026, 9, 6, 2, 0, tzinfo=UTC)) == {}  # before the batch
    assert JOBS["checkin-reminders"](datetime(2026, 9, 19, 2, 0, tzinfo=UTC)) == {}  # after it


def test_checkin_reminder_on_the_first_day_of_the_longest_batch(api: Api, admin: str, w: dict) -> None:
    # Given region A's batch of the longest length allowed, from 9/07, and a registered
    # trainee on it (the job reads batches ending up to MAX_BATCH_DAYS on: this one is the edge)
    from chalicelib.domain.programmes import MAX_BATCH_DAYS

    batch = w["batches"][0]
    listed = api.call("GET", f"/programmes/{w['pid']}/batches", admin).data["items"]
    base_id = next(b["base_id"] for b in listed if b["batch_id"] == batch)
    long_batch = api.call(
        "POST",
        f"/programmes/{w['pid']}/batches",
        admin,
        {
            "base_id": base_id,
            "stage": "primary",
            "start_date": "2026-09-07",
            "end_date": (date(2026, 9, 7) + timedelta(days=MAX_BATCH_DAYS - 1)).isoformat(),
            "study_type": "placement",
        },
    ).data["batch_id"]
    api.call("DELETE", f"/batches/{batch}/region", admin)
    api.call("PUT", f"/batches/{long_batch}/region", admin, {"region_id": w["regions"][A]})
    trainee = {"name": "学员1", "gender": "male", "phone": T[0], "unit": "学校", "team_role": "leader"}
    assert api.call("POST", f"/batches/{long_batch}/trainees", w["tokens"][A], trainee).status_code == 201
    assert api.call("POST", f"/batches/{long_batch}/roster/confirm", w["tokens"][A]).status_code == 200
    token = api.ready_token(T[0], "Trainee-Secret-0")
    assert api.call("POST", f"/batches/{long_batch}/registration", token).status_code == 200
    # When the 10:00 job runs on its first day, then on its last
    # Then the trainee is reminded each day
    first = datetime(2026, 9, 7, 2, 0, tzinfo=UTC)
    assert JOBS["checkin-reminders"](first) == {"checkin": 1}
    assert JOBS["checkin-reminders"](first + timedelta(days=MAX_BATCH_DAYS - 1)) == {"checkin": 1}
    assert len(reminders_to(T[0], "尚未签到")) == 2


def test_outcome_reminder_14_and_3_days_before_the_window_closes(api: Api, w: dict) -> None:
    confirm_b_with_trainees(api, w)
    clock.set_now(datetime(2026, 9, 20, 2, 0, tzinfo=UTC))
    token = api.login(T[0], "Trainee-Secret-0").data["token"]
    r = api.call(
        "POST",
        "/artifacts",
        token,
        {"batch_id": w["batches"][1], "kind": "outcome", "title": "成果", "body": "<p>迁移</p>"},
    )
    assert r.status_code == 201
    for (month, day), expected in (((12, 2), 0), ((12, 3), 1), ((12, 4), 1), ((12, 14), 2), ((12, 15), 2)):
        JOBS["reminders"](nine_am(month, day))
        assert len(reminders_to(T[1], "学习成果须于2026-12-17前上传")) == expected, (month, day)
    assert reminders_to(T[0], "学习成果须于") == []


def test_quiet_hours_hold_sms_until_eight_except_credentials(api: Api, admin: str, w: dict) -> None:
    # 22:00 in Shanghai: a new region's contact gets its credentials at once ...
    clock.set_now(datetime(2026, 7, 2, 14, 0, tzinfo=UTC))
    admin = api.login("13800000000", STRONG).data["token"]
    api.call("POST", "/regions", admin, region_body("13900000009", "夜间实验区"))
    assert len(sms_to("13900000009")) == 1
    # ... but an allocation notice waits for the morning
    junior = api.call(
        "POST",
        f"/programmes/{w['pid']}/batches",
        admin,
        {
            "base_id": api.call("GET", "/bases", admin).data["items"][0]["base_id"],
            "stage": "primary",
            "start_date": "2026-10-12",
            "end_date": "2026-10-23",
            "study_type": "placement",
        },
    ).data["batch_id"]
    before = len(reminders_to(A, "已为您分配"))  # the fixture's allocation, told by day
    more = {"study_type": "placement", "purpose": "学习", "items": [{"stage": "primary", "places": 5}]}
    contact = api.login(A, STRONG).data["token"]
    assert api.call("POST", f"/programmes/{w['pid']}/demands", contact, more).status_code == 201
    assert (
        api.call("PUT", f"/batches/{junior}/region", admin, {"region_id": w["regions"][A]}).status_code == 200
    )
    assert len(reminders_to(A, "已为您分配")) == before  # held: nothing at 22:00
    assert JOBS["outbox"](datetime(2026, 7, 2, 23, 59, tzinfo=UTC))["sent"] == 0  # 07:59
    assert len(reminders_to(A, "已为您分配")) == before
    JOBS["outbox"](datetime(2026, 7, 3, 0, 0, tzinfo=UTC))  # 08:00
    assert len(reminders_to(A, "已为您分配")) == before + 1


def _recorded_sms(text: str):
    from chalicelib.db import outbox
    from chalicelib.services import notify

    message = notify.sms("test", None, "13511112222", text)
    outbox.record(message)  # as every sender does: recorded first, then sent
    return message


def test_daily_sms_cap_per_phone(w: dict) -> None:
    from chalicelib.services import notify

    sent = [notify.deliver(_recorded_sms(f"第{n}条")) for n in range(11)]
    assert sent == [True] * 10 + [False]
    [capped] = [m for m in NotificationModel.scan() if m.text == "第10条"]
    assert (capped.status, capped.last_error) == ("failed", "daily_cap")
    assert len(sms_to("13511112222")) == 10
    clock.advance(timedelta(days=1))
    assert notify.deliver(_recorded_sms("次日")) is True


def test_ses_rejecting_an_address_fails_that_message_only(w: dict) -> None:
    from botocore.awsrequest import AWSResponse

    from chalicelib.db import outbox
    from chalicelib.services import notify

    class Raw:
        def __init__(self, body: bytes) -> None:
            self.body = body

        def stream(self, **kwargs):
            yield self.body

    def reject(request, **kwargs):
        body = request.body or b""
        if b"bad%40example.cn" in (body.encode() if isinstance(body, str) else body):
            body = (
                b"<ErrorResponse><Error><Type>Sender</Type><Code>MessageRejected</Code>"
                b"<Message>Address blacklisted</Message></Error></ErrorResponse>"
            )
            return AWSResponse(request.url, 400, {}, Raw(body))
        return None

    ses = client("ses")
    ses.meta.events.register_first("before-send.ses.SendEmail", reject)
    try:
        bad = notify.email("test", None, "bad@example.cn", "主题", "正文")
        good = notify.email("test", None, "good@example.cn", "主题", "正文")
        for m in (bad, good):
            outbox.record(m)
        assert JOBS["outbox"](clock.now()) == {"sent": 1, "failed": 1, "oldest_waiting_seconds": 0}
    finally:
        ses.meta.events.unregister("before-send.ses.SendEmail", reject)
    stored = {m.address: m for m in NotificationModel.scan() if m.channel == "email"}
    assert (
        stored["bad@example.cn"].status == "failed"
        and stored["bad@example.cn"].last_error == "MessageRejected"
    )
    assert stored["good@example.cn"].status == "sent"
    # A failed one stays failed, and waits for nothing
    assert JOBS["outbox"](clock.now() + timedelta(hours=2)) == {
        "sent": 0,
        "failed": 0,
        "oldest_waiting_seconds": 0,
    }


def test_evaluation_ranks_regions_and_rewards_two_once(api: Api, admin: str, w: dict) -> None:
    confirm_b_with_trainees(api, w)
    for n, phone in enumerate(T[:2]):
        token = api.login(phone, f"Trainee-Secret-{n}").data["token"]
        api.call("POST", f"/batches/{w['batches'][1]}/registration", token)
    a_trainee = {
        "name": "甲",
        "gender": "male",
        "phone": "13600000009",
        "unit": "学校",
        "team_role": "leader",
    }
    api.call("POST", f"/batches/{w['batches'][0]}/trainees", w["tokens"][A], a_trainee)
    api.call("POST", f"/batches/{w['batches'][0]}/roster/confirm", w["tokens"][A])
    ranked = api.call("GET", f"/programmes/{w['pid']}/evaluation", admin).data["items"]
    # every region taking part is ranked: C, which never asked, last (组织管理 0)
    assert [r["region_id"] for r in ranked] == [w["regions"][B], w["regions"][A], w["regions"][C]]
    assert ranked[2]["demand_in_time"] is False and ranked[2]["score"] == 0
    assert ranked[0]["registration_rate"] == round(2 / 3, 4) and ranked[0]["rank"] == 1
    assert ranked[1]["registration_rate"] == 0 and ranked[1]["region_name"] == "实验区1"
    # Rewards: next programme, at most two regions, once
    nxt = api.call("POST", "/programmes", admin, {**PROGRAMME, "name": "下一学年"}).data["programme_id"]
    three = [w["regions"][p] for p in (A, B, C)]
    r = api.call(
        "POST", f"/programmes/{w['pid']}/rewards", admin, {"region_ids": three, "next_programme_id": nxt}
    )
    assert r.status_code == 409 and r.data["error"]["code"] == "too_many_rewards"
    missing = api.call(
        "POST",
        f"/programmes/{w['pid']}/rewards",
        admin,
        {"region_ids": [three[0]], "next_programme_id": "nope"},
    )
    assert error_of(missing) == (404, "programme_not_found")
    itself = api.call(
        "POST",
        f"/programmes/{w['pid']}/rewards",
        admin,
        {"region_ids": three[1:2], "next_programme_id": w["pid"]},
    )
    assert (
        error_of(itself) == (422, "validation_failed")
        and "next_programme_id" in itself.data["error"]["fields"]
    )
    ok = api.call(
        "POST", f"/programmes/{w['pid']}/rewards", admin, {"region_ids": three[1:2], "next_programme_id": nxt}
    )
    assert ok.status_code == 201 and ok.data["places_added"] == 10
    form = api.call("GET", f"/programmes/{nxt}/demand-form", w["tokens"][B]).data
    assert form["remaining_places"] == 45
    again = api.call(
        "POST", f"/programmes/{w['pid']}/rewards", admin, {"region_ids": three[:1], "next_programme_id": nxt}
    )
    assert again.status_code == 409 and again.data["error"]["code"] == "reward_already_granted"
    assert api.call("GET", f"/programmes/{nxt}/demand-form", w["tokens"][A]).data["remaining_places"] == 35
    assert error_of(api.call("GET", f"/programmes/{w['pid']}/evaluation", w["tokens"][A])) == (
        403,
        "forbidden",
    )


@pytest.fixture(autouse=True)
def _no_leftover_clock() -> Iterator[None]:
    yield
    clock.set_now(None)


def test_the_deployed_run_fans_out_and_a_redelivered_unit_sends_nothing_twice(
    api: Api, admin: str, w: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalicelib.config import settings

    # Given the deployed stages' fan-out to the reminders queue, and region D still to ask too
    api.call("POST", "/regions", admin, region_body("13900000004", "实验区4"))
    monkeypatch.setattr(settings(), "fan_out", True)
    url = client("sqs").create_queue(QueueName=settings().reminder_queue)["QueueUrl"]
    # When the 09:00 run plans the day: one unit (the two regions without a demand), queued
    assert JOBS["reminders"](nine_am(7, 12)) == {"units": 1}
    assert reminders_to(C, "研修需求将于") == []  # the run itself sends nothing
    [message] = client("sqs").receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    # Then the consumer does it; delivered again (SQS is at least once), it sends nothing twice;
    # a unit that fails is reported alone, back to the queue
    clock.set_now(nine_am(7, 12) + timedelta(minutes=1))
    event = api.client.events.generate_sqs_event([message["Body"], message["Body"], '{"rule": "?"}'])
    for n, record in enumerate(event["Records"]):
        record["messageId"] = f"m{n}"
    answer = api.client.lambda_.invoke("on_reminder_unit", event).payload
    assert answer == {"batchItemFailures": [{"itemIdentifier": "m2"}]}
    again = api.client.lambda_.invoke(
        "on_reminder_unit", api.client.events.generate_sqs_event([message["Body"]])
    )
    assert again.payload == {"batchItemFailures": []}
    for phone in (C, "13900000004"):
        assert len(reminders_to(phone, "研修需求将于")) == 1
    assert reminders_to(A, "研修需求将于") == []
