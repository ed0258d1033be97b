"""Rosters and attendance over HTTP against the local stack (the issue's acceptance)."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
import requests
from openpyxl import load_workbook

from tests.e2e.conftest import ADMIN_PHONE, Stack
from tests.e2e.test_demand_flow import _call, _ready

pytestmark = pytest.mark.e2e
CONTACT, BASE_PHONE = "13900000654", "13700000654"


def test_region_fills_confirms_trainee_registers_and_checks_in(stack: Stack) -> None:
    admin = _ready(stack, ADMIN_PHONE, "Office-Secret-2026")
    today = date.today()
    pid = _call(
        stack,
        "POST",
        "/programmes",
        admin,
        {
            "name": "2026-2027学年研修基地培训学习",
            "kind": "base_training",
            "academic_year": "2026-2027",
            "demand_deadline": "2099-07-15T23:59:59+08:00",
            "roster_deadline": "2099-08-31T23:59:59+08:00",
            "registration_deadline": "2099-09-05T23:59:59+08:00",
        },
    ).json()["programme_id"]
    base = _call(
        stack,
        "POST",
        "/bases",
        admin,
        {
            "name": "北京市第一实验小学",
            "stages": ["primary"],
            "city": "北京",
            "contact": {"name": "王老师", "phone": BASE_PHONE},
        },
    ).json()["base_id"]
    # A batch in session now (Shanghai's today lies within a day of the machine's)
    batch = _call(
        stack,
        "POST",
        f"/programmes/{pid}/batches",
        admin,
        {
            "base_id": base,
            "stage": "primary",
            "start_date": (today - timedelta(days=2)).isoformat(),
            "end_date": (today + timedelta(days=9)).isoformat(),
            "study_type": "placement",
        },
    ).json()["batch_id"]
    region = _call(
        stack, "POST", "/regions", admin, {"name": "绥德县", "contact": {"name": "刘老师", "phone": CONTACT}}
    )
    contact = _ready(stack, CONTACT, "Region-Secret-2026")
    demand = {"study_type": "placement", "purpose": "学习", "items": [{"stage": "primary", "places": 5}]}
    assert _call(stack, "POST", f"/programmes/{pid}/demands", contact, demand).status_code == 201
    assert _call(stack, "POST", f"/programmes/{pid}/allocation", admin, {"commit": True}).json()[
        "assignments"
    ]

    # The region fills the batch; the sixth is refused
    for n in range(1, 7):
        r = _call(
            stack,
            "POST",
            f"/batches/{batch}/trainees",
            contact,
            {
                "name": f"学员{n}",
                "gender": "male",
                "phone": f"1350000{n:04d}",
                "unit": "绥德中学",
                "team_role": "leader" if n == 1 else "member",
            },
        )
        assert r.status_code == (201 if n <= 5 else 409)
    assert r.json()["error"]["code"] == "batch_full"
    # Confirmed: each trainee's SMS is in the outbox
    assert (
        _call(stack, "POST", f"/batches/{batch}/roster/confirm", contact).json()["accounts_provisioned"] == 5
    )
    for n in range(1, 6):
        assert stack.password_of(f"1350000{n:04d}")
    # A trainee logs in, changes the password, registers and checks in
    trainee = _ready(stack, "13500000001", "Trainee-Secret-2026")
    assert _call(stack, "POST", f"/batches/{batch}/registration", trainee).status_code == 200
    checkin = _call(stack, "POST", f"/batches/{batch}/checkins", trainee)
    assert checkin.status_code == 200 and len(checkin.json()["checkins"]) == 1
    # The base contact sees the roster
    base_token = _ready(stack, BASE_PHONE, "Base-Secret-2026")
    [row] = _call(stack, "GET", f"/bases/{base}/batches", base_token).json()
    assert len(row["trainees"]) == 5 and row["region_name"] == "绥德县"
    # The archive shows it all
    [summary] = _call(stack, "GET", f"/programmes/{pid}/archive", admin).json()
    assert (summary["trainees"], summary["registered"], summary["checkin_days"]) == (5, 1, 1)
    # The xlsx export opens with openpyxl and has the rows
    export = _call(stack, "POST", f"/programmes/{pid}/exports", contact, {"kind": "roster"}).json()
    url = _call(stack, "GET", f"/exports/{export['export_id']}", contact).json()["url"]
    rows = list(load_workbook(io.BytesIO(requests.get(url, timeout=30).content)).active.values)
    assert len(rows) == 6 and rows[1][5] == "学员1" and rows[1][8] == "135****0001"
    assert region.status_code == 201
