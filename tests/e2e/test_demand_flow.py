"""Demand and allocation over HTTP against the local stack (the issue's acceptance)."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import ADMIN_PHONE, PROGRAMME, Stack, next_morning

pytestmark = pytest.mark.e2e
CONTACT = "13900000321"


def test_region_asks_office_allocates_region_is_told(stack: Stack) -> None:
    admin = stack.ready(ADMIN_PHONE, "Office-Secret-2026")
    pid = stack.call(
        "POST",
        "/programmes",
        admin,
        {
            **PROGRAMME,
            "default_places": 15,
        },
    ).json()["programme_id"]
    base = stack.call(
        "POST",
        "/bases",
        admin,
        {
            "name": "北京市第一实验小学",
            "stages": ["primary"],
            "city": "北京",
            "contact": {"name": "王老师", "phone": "13700000321"},
        },
    ).json()["base_id"]
    for start, end in (("2099-09-07", "2099-09-18"), ("2099-10-12", "2099-10-23")):
        r = stack.call(
            "POST",
            f"/programmes/{pid}/batches",
            admin,
            {
                "base_id": base,
                "stage": "primary",
                "start_date": start,
                "end_date": end,
                "study_type": "placement",
            },
        )
        assert r.status_code == 201
    region = stack.call(
        "POST",
        "/regions",
        admin,
        {"name": "宜川县", "contact": {"name": "张老师", "phone": CONTACT, "email": "zhang@example.cn"}},
    ).json()
    contact = stack.ready(CONTACT, "Region-Secret-2026")

    # The contact sees the form, submits two demands, and is refused a third past the quota
    form = stack.call("GET", f"/programmes/{pid}/demand-form", contact).json()
    assert form["remaining_places"] == 15 and form["stages"][1]["availability"] in {"ample", "limited"}
    demand = {
        "study_type": "placement",
        "purpose": "学习课堂教学改革",
        "items": [{"stage": "primary", "places": 5}],
    }
    assert stack.call("POST", f"/programmes/{pid}/demands", contact, demand).status_code == 201
    assert stack.call("POST", f"/programmes/{pid}/demands", contact, demand).status_code == 201
    third = stack.call(
        "POST",
        f"/programmes/{pid}/demands",
        contact,
        {**demand, "items": [{"stage": "primary", "places": 10}]},
    )
    assert third.status_code == 409 and third.json()["error"]["code"] == "quota_exceeded"

    # The office approves both (审核), previews, then commits
    for d in stack.call("GET", f"/programmes/{pid}/demands", admin).json()["items"]:
        assert stack.call("POST", f"/demands/{d['demand_id']}/approve", admin).json()["status"] == "approved"
    preview = stack.call("POST", f"/programmes/{pid}/allocation", admin, {"commit": False}).json()
    assert len(preview["assignments"]) == 2 and preview["committed"] is False
    committed = stack.call("POST", f"/programmes/{pid}/allocation", admin, {"commit": True}).json()
    assert committed["committed"] is True and committed["assignments"] == preview["assignments"]

    # The contact got the SMS and the e-mail (an SMS in quiet hours, 21:00-08:00 in China,
    # waits for the morning: the outbox job sends it then), and sees the batches
    stack.run_job("outbox", "--now", next_morning())
    box = stack.outbox()
    assert any(m["phone"].endswith(CONTACT) and "已为您分配2个研修批次" in m["text"] for m in box["sms"])
    assert any("zhang@example.cn" in m["to"] and "研修批次分配结果" in m["subject"] for m in box["email"])
    batches = stack.call("GET", f"/programmes/{pid}/batches", contact).json()["items"]
    assert len(batches) == 2 and {b["region_id"] for b in batches} == {region["region_id"]}
