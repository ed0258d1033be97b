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

    # The evaluation and the reward over HTTP
    ranked = stack.call("GET", f"/programmes/{pid}/evaluation", admin)
    assert ranked.status_code == 200 and isinstance(ranked.json(), list)
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
