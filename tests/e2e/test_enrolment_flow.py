"""The 国培 学员信息表 over HTTP against the local stack (`make run`'s): the presigned upload
to the embedded S3, the preview, the commit, 确认报送 and the credentials SMS in the outbox."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import requests

from tests.e2e.conftest import ADMIN_PHONE, Stack
from tests.guopei_people import grid, person, xlsx

pytestmark = pytest.mark.e2e
CONTACT = "13900000421"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def test_a_county_imports_its_list_and_confirms_it_over_http(stack: Stack) -> None:
    admin = stack.ready(ADMIN_PHONE, "Office-Secret-2026")
    today = date.today()
    programme = {
        "name": "国培计划（本地）",
        "kind": "guopei",
        "academic_year": f"{today.year}-{today.year + 1}",
        "enrolment_deadline": f"{today + timedelta(days=60)}T23:59:59+08:00",
        "start_date": str(today + timedelta(days=70)),
        "end_date": str(today + timedelta(days=160)),
    }
    pid = stack.call("POST", "/programmes", admin, programme).json()["programme_id"]
    contact = {"name": "绥德管理员", "phone": CONTACT, "unit": "绥德县教育局"}
    region = stack.call("POST", "/regions", admin, {"name": "绥德县", "contact": contact}).json()["region_id"]
    assert stack.call("PUT", f"/programmes/{pid}/quotas/{region}", admin, {"places": 340}).status_code == 200
    token = stack.ready(CONTACT, "County-Secret-2026")

    # The template comes as a short-lived link the embedded S3 answers
    link = stack.call("GET", f"/programmes/{pid}/enrolment-template", token).json()["url"]
    assert requests.get(link, timeout=30).content[:2] == b"PK"

    # When the county admin uploads its list through the presigned POST, previews, commits
    people = [person("绥德县", n, phone=f"1370004{n:04d}") for n in range(1, 6)]
    data = xlsx(grid(people))
    grant = stack.call("POST", "/uploads", token, {"content_type": XLSX, "size": len(data)}).json()
    posted = requests.post(
        grant["url"], data=grant["fields"], files={"file": ("list.xlsx", data, XLSX)}, timeout=30
    )
    assert posted.status_code in (200, 204)
    shown = stack.call(
        "POST", f"/programmes/{pid}/enrolment-imports", token, {"upload_id": grant["upload_id"]}
    )
    assert shown.status_code == 201 and shown.json()["new"] == 5, shown.text
    done = stack.call("POST", f"/enrolment-imports/{shown.json()['import_id']}/commit", token)
    assert done.status_code == 200 and done.json()["enrolled"] == 5

    # And confirms: each person's credentials SMS is in the outbox
    assert stack.call("POST", f"/programmes/{pid}/enrolment/confirm", token).status_code == 200
    sms = stack.outbox()["sms"]
    for p in people:
        texts = [m["text"] for m in sms if m["phone"].endswith(p["phone"])]
        assert any("初始密码" in t and "国培计划（本地）" in t for t in texts), p["phone"]
    summary = stack.call("GET", f"/programmes/{pid}/enrolment-summary", admin).json()["items"]
    assert [(s["region_name"], s["enrolled"], s["confirmed"]) for s in summary] == [("绥德县", 5, True)]
