"""Reminders and the year-end reward over HTTP against the local stack (the issue's
acceptance): `yanxiu run-job reminders --now <a date>` puts the right reminders in the
outbox, a second run none; the evaluation and reward routes work."""

from __future__ import annotations

import json

import pytest

from tests.e2e.conftest import ADMIN_PHONE, PROGRAMME, Stack

pytestmark = pytest.mark.e2e


def test_reminders_from_the_command_line_then_evaluation_and_reward(stack: Stack) -> None:
    admin = stack.ready(ADMIN_PHONE, "Office-Secret-2026")
    programme = {**PROGRAMME, "name": "2099学年研修"}
    pid = stack.call("POST", "/programmes", admin, programme).json()["programme_id"]
    phones = {"快": "13900000111", "慢": "13900000222"}
    regions = {
        name: stack.call(
            "POST",
            "/regions",
            admin,
            {"name": f"{name}实验区", "contact": {"name": "联系人", "phone": phone}},
        ).json()["region_id"]
        for name, phone in phones.items()
    }
    fast = stack.ready(phones["快"], "Region-Secret-2026")
    stack.call(
        "POST",
        f"/programmes/{pid}/demands",
        fast,
        {"study_type": "placement", "purpose": "学习", "items": [{"stage": "primary", "places": 5}]},
    )

    # 3 days before the demand deadline, 09:00 in Shanghai: only the slow region is told
    first = json.loads(
        stack.run_job("reminders", "--now", "2099-07-12T09:00:00+08:00").strip().splitlines()[-1]
    )
    assert first == {"demand": 1}
    sms = stack.outbox()["sms"]
    assert [m for m in sms if m["phone"].endswith(phones["慢"]) and "研修需求将于" in m["text"]]
    assert not [m for m in sms if m["phone"].endswith(phones["快"]) and "研修需求将于" in m["text"]]
    # A second run sends none
    assert (
        json.loads(stack.run_job("reminders", "--now", "2099-07-12T09:05:00+08:00").strip().splitlines()[-1])
        == {}
    )
    assert len(stack.outbox()["sms"]) == len(sms)

    # The fast region gets two batches: it confirms one roster (a leader and a member), not the other
    base = stack.call(
        "POST",
        "/bases",
        admin,
        {
            "name": "提醒测试基地",
            "stages": ["primary"],
            "city": "北京",
            "contact": {"name": "王老师", "phone": "13700000111"},
        },
    ).json()["base_id"]
    stack.call(
        "POST",
        f"/programmes/{pid}/demands",
        fast,
        {"study_type": "placement", "purpose": "学习", "items": [{"stage": "primary", "places": 5}]},
    )
    batches = []
    for start, end in (("2099-09-07", "2099-09-18"), ("2099-10-12", "2099-10-23")):
        body = {
            "base_id": base,
            "stage": "primary",
            "start_date": start,
            "end_date": end,
            "study_type": "placement",
        }
        batch = stack.call("POST", f"/programmes/{pid}/batches", admin, body).json()["batch_id"]
        assert (
            stack.call("PUT", f"/batches/{batch}/region", admin, {"region_id": regions["快"]}).status_code
            == 200
        )
        batches.append(batch)
    trainees = {"13500000111": "leader", "13500000222": "member"}
    for n, (phone, role) in enumerate(trainees.items()):
        person = {"name": f"学员{n}", "gender": "female", "phone": phone, "unit": "学校", "team_role": role}
        assert stack.call("POST", f"/batches/{batches[0]}/trainees", fast, person).status_code == 201
    assert stack.call("POST", f"/batches/{batches[0]}/roster/confirm", fast).status_code == 200

    def reminders(day: str) -> dict:
        return dict(json.loads(stack.run_job("reminders", "--now", day).strip().splitlines()[-1]))

    def texts(phone: str, words: str) -> list[str]:
        return [m["text"] for m in stack.outbox()["sms"] if m["phone"].endswith(phone) and words in m["text"]]

    # 3 days before the roster deadline: the fast region's contact, for its unconfirmed batch only
    assert reminders("2099-08-28T09:00:00+08:00") == {"roster": 1}
    [roster] = texts(phones["快"], "名单尚未最终确认")
    assert "2099-10-12" in roster and "2099-09-07" not in roster
    assert texts(phones["慢"], "名单尚未最终确认") == []
    # 2 days before the registration deadline: each trainee not registered, and a summary to
    # their region's contact; the trainee who registered meanwhile is not told
    me = stack.ready("13500000111", "Trainee-Secret-2026")
    assert stack.call("POST", f"/batches/{batches[0]}/registration", me).status_code == 200
    assert reminders("2099-09-03T09:00:00+08:00") == {"registration": 1, "registration_summary": 1}
    assert len(texts("13500000222", "尚未报到")) == 1 and texts("13500000111", "尚未报到") == []
    [summary] = texts(phones["快"], "名研修人员尚未报到")
    assert "学员1" in summary and "学员0" not in summary
    assert reminders("2099-09-03T09:30:00+08:00") == {}

    # The evaluation and the reward over HTTP
    ranked = stack.call("GET", f"/programmes/{pid}/evaluation", admin)
    assert ranked.status_code == 200 and isinstance(ranked.json()["items"], list)
    nxt = stack.call("POST", "/programmes", admin, {**programme, "name": "2100学年研修"}).json()[
        "programme_id"
    ]
    granted = stack.call(
        "POST",
        f"/programmes/{pid}/rewards",
        admin,
        {"region_ids": [regions["快"]], "next_programme_id": nxt},
    )
    assert granted.status_code == 201
    again = stack.call(
        "POST",
        f"/programmes/{pid}/rewards",
        admin,
        {"region_ids": [regions["慢"]], "next_programme_id": nxt},
    )
    assert again.status_code == 409 and again.json()["error"]["code"] == "reward_already_granted"
    assert stack.call("GET", f"/programmes/{nxt}/demand-form", fast).json()["remaining_places"] == 45
