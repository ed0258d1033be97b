"""The yearbook goes out (issue 13 part 5): the office publishes a built yearbook; every region's
and base's contact may then download it and is told by e-mail; drafts stay the office's; the
published file is kept when the export's copy expires."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import requests

from chalicelib.adapters import clock, storage
from chalicelib.db.models import ExportModel
from chalicelib.jobs import JOBS
from tests.integration.conftest import (
    ADMIN_PHONE,
    PROGRAMME,
    STRONG,
    Api,
    base_body,
    emails,
    error_of,
    region_body,
)

pytestmark = pytest.mark.integration

A, B, BASE = "13900000001", "13900000002", "13700000001"


@pytest.fixture
def w(api: Api, admin: str) -> dict:
    pid = api.call("POST", "/programmes", admin, PROGRAMME).data["programme_id"]
    base = api.call("POST", "/bases", admin, base_body(BASE, ["primary"])).data["base_id"]
    ra = api.call("POST", "/regions", admin, region_body(A, "广州南沙实验区")).data["region_id"]
    api.call("POST", "/regions", admin, {"name": "宜川县", "contact": {"name": "赵老师", "phone": B}})
    contact = api.ready_token(A)
    demand = {"study_type": "placement", "purpose": "学习", "items": [{"stage": "primary", "places": 5}]}
    api.call("POST", f"/programmes/{pid}/demands", contact, demand)
    body = {"base_id": base, "stage": "primary", "start_date": "2026-09-07", "end_date": "2026-09-18"}
    batch = api.call("POST", f"/programmes/{pid}/batches", admin, {**body, "study_type": "placement"}).data
    api.call("PUT", f"/batches/{batch['batch_id']}/region", admin, {"region_id": ra})
    out = {"pid": pid, "a": contact, "b": api.ready_token(B), "base": api.ready_token(BASE)}
    # A base that hosts no batch, and a region that joins after the demand deadline (no places)
    other_base = base_body("13700000002", ["junior"], name="北京市第二中学")
    api.call(
        "POST",
        "/bases",
        admin,
        {**other_base, "contact": {**other_base["contact"], "email": "zhou@example.cn"}},
    )
    now = clock.now()
    clock.set_now(datetime(2026, 7, 20, 1, 0, tzinfo=UTC))
    late = {"name": "绥德县", "contact": {"name": "吴老师", "phone": "13900000003", "email": "wu@example.cn"}}
    assert api.call("POST", "/regions", api.login(ADMIN_PHONE, STRONG).data["token"], late).status_code == 201
    clock.set_now(now)
    return out


def build(api: Api, admin: str, pid: str) -> str:
    started = api.call("POST", f"/programmes/{pid}/exports", admin, {"kind": "yearbook"})
    assert started.status_code == 202
    JOBS["exports"]()
    assert api.call("GET", f"/exports/{started.data['export_id']}", admin).data["status"] == "ready"
    return str(started.data["export_id"])


def yearbook_mails(address: str) -> list[str]:
    return [
        m.subject
        for m in emails()
        if "学习成果汇编" in m.subject and m.destinations["ToAddresses"] == [address]
    ]


def test_the_office_publishes_and_every_contact_downloads_and_is_told(api: Api, admin: str, w: dict) -> None:
    pid = w["pid"]
    export_id = build(api, admin, pid)
    # Before publishing, the draft is the office's alone
    nothing = api.call("GET", f"/programmes/{pid}/yearbook", w["a"])
    assert nothing.status_code == 200 and nothing.data == {
        "published": False,
        "url": None,
        "index_url": None,
        "published_at": None,
    }
    assert error_of(api.call("GET", f"/exports/{export_id}", w["a"])) == (404, "export_not_found")
    # When the office publishes it
    r = api.call("POST", f"/programmes/{pid}/yearbook/publish", admin, {"export_id": export_id})
    assert r.status_code == 200 and r.data["export_id"] == export_id
    # Then the region's and the base's contacts are told by e-mail, once each
    assert yearbook_mails("li@example.cn") == [f"学习成果汇编已发布：{PROGRAMME['name']}"]
    assert len(yearbook_mails("wang@example.cn")) == 1
    # and so are the contacts of a base that hosted no batch and of a region that took no part
    # (印发各实验区和研修基地: every one of them)
    assert len(yearbook_mails("zhou@example.cn")) == 1 and len(yearbook_mails("wu@example.cn")) == 1
    # and each of them (and the office) downloads the document
    for token in (w["a"], w["b"], w["base"], admin):
        got = api.call("GET", f"/programmes/{pid}/yearbook", token)
        assert got.status_code == 200 and got.data["published_at"] == r.data["published_at"]
        document = requests.get(got.data["url"], timeout=30)
        assert document.status_code == 200 and document.content[:2] == b"PK"  # a .docx (zip)
        assert requests.get(got.data["index_url"], timeout=30).status_code == 200
    # Publishing it again changes nothing and tells nobody again
    again = api.call("POST", f"/programmes/{pid}/yearbook/publish", admin, {"export_id": export_id})
    assert again.data == r.data and len(yearbook_mails("li@example.cn")) == 1
    # The export's own copy expires after 30 days (S3 lifecycle); the published one is kept
    storage.delete(ExportModel.get(export_id).s3_key or "")
    url = api.call("GET", f"/programmes/{pid}/yearbook", w["a"]).data["url"]
    assert requests.get(url, timeout=30).status_code == 200
    # A new edition replaces it, and the contacts are told it was updated
    second = build(api, admin, pid)
    api.call("POST", f"/programmes/{pid}/yearbook/publish", admin, {"export_id": second})
    assert yearbook_mails("li@example.cn")[-1] == f"学习成果汇编已更新：{PROGRAMME['name']}"


def test_publishing_refuses_what_is_not_a_built_yearbook_of_the_programme(
    api: Api, admin: str, w: dict
) -> None:
    pid = w["pid"]
    pending = api.call("POST", f"/programmes/{pid}/exports", admin, {"kind": "yearbook"}).data["export_id"]
    r = api.call("POST", f"/programmes/{pid}/yearbook/publish", admin, {"export_id": pending})
    assert error_of(r) == (409, "export_not_ready") and "尚未生成" in r.data["error"]["message"]
    roster = api.call("POST", f"/programmes/{pid}/exports", admin, {"kind": "roster"}).data["export_id"]
    r = api.call("POST", f"/programmes/{pid}/yearbook/publish", admin, {"export_id": roster})
    assert error_of(r) == (404, "export_not_found")
    r = api.call("POST", f"/programmes/{pid}/yearbook/publish", w["a"], {"export_id": pending})
    assert error_of(r) == (403, "forbidden")
    assert api.call("GET", f"/programmes/{pid}/yearbook", w["a"]).data["published"] is False
    assert not yearbook_mails("li@example.cn")
