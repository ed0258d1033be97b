"""Rosters and attendance over HTTP against the local stack (the issue's acceptance)."""

from __future__ import annotations

import io

import pytest
import requests
from openpyxl import load_workbook

from tests.e2e.conftest import ADMIN_PHONE, Stack

pytestmark = pytest.mark.e2e
CONTACT, BASE_PHONE = "13900000654", "13700000654"


def test_region_fills_confirms_trainee_registers_and_checks_in(stack: Stack) -> None:
    admin = stack.ready(ADMIN_PHONE, "Office-Secret-2026")
    pid, base, batch, contact = stack.allocated_batch(admin, "绥德县", CONTACT, BASE_PHONE)

    # The region fills the batch; the sixth is refused
    for n in range(1, 7):
        r = stack.call(
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
    assert stack.call("POST", f"/batches/{batch}/roster/confirm", contact).json()["accounts_provisioned"] == 5
    for n in range(1, 6):
        assert stack.password_of(f"1350000{n:04d}")
    # A trainee logs in, changes the password, registers and checks in
    trainee = stack.ready("13500000001", "Trainee-Secret-2026")
    assert stack.call("POST", f"/batches/{batch}/registration", trainee).status_code == 200
    checkin = stack.call("POST", f"/batches/{batch}/checkins", trainee)
    assert checkin.status_code == 200 and len(checkin.json()["checkins"]) == 1
    # The base contact sees the roster
    base_token = stack.ready(BASE_PHONE, "Base-Secret-2026")
    [row] = stack.call("GET", f"/bases/{base}/batches", base_token).json()["items"]
    assert len(row["trainees"]) == 5 and row["region_name"] == "绥德县"
    # The archive shows it all
    [summary] = stack.call("GET", f"/programmes/{pid}/archive", admin).json()["items"]
    assert (summary["trainees"], summary["registered"], summary["checkin_days"]) == (5, 1, 1)
    # The xlsx export opens with openpyxl and has the rows
    export = stack.call("POST", f"/programmes/{pid}/exports", contact, {"kind": "roster"}).json()
    url = stack.call("GET", f"/exports/{export['export_id']}", contact).json()["url"]
    rows = list(load_workbook(io.BytesIO(requests.get(url, timeout=30).content)).active.values)
    assert len(rows) == 6 and rows[1][5] == "学员1" and rows[1][8] == "135****0001"
