"""The office's set-up routes: programmes, regions, bases, batches, quotas."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.db.models import AccountModel, BatchModel, QuotaModel
from tests.integration.conftest import (
    ADMIN_PHONE,
    PROGRAMME,
    Api,
    base_body,
    error_of,
    password_from_sms,
    region_body,
    sms_to,
)

pytestmark = pytest.mark.integration


def _programme(api: Api, admin: str, **changes: object) -> dict:
    r = api.call("POST", "/programmes", admin, {**PROGRAMME, **changes})
    assert r.status_code == 201, r.data
    return r.data


def test_programme_create_get_list_patch(api: Api, admin: str) -> None:
    # When the office creates a programme
    created = _programme(api, admin)
    pid = created["programme_id"]
    # Then it is shown with its defaults, deadlines in +08:00
    assert created["outcome_window_days"] == 90 and created["default_places"] == 35
    assert created["demand_deadline"] == "2026-07-15T23:59:59+08:00"
    assert api.call("GET", f"/programmes/{pid}", admin).data == created
    listed = api.call("GET", "/programmes", admin).data
    assert [p["programme_id"] for p in listed["items"]] == [pid] and listed["next_cursor"] is None
    # And a patch changes only what it names
    patched = api.call("PATCH", f"/programmes/{pid}", admin, {"name": "2020学年", "default_places": 40})
    assert patched.status_code == 200
    assert patched.data["name"] == "2020学年" and patched.data["default_places"] == 40
    assert patched.data["kind"] == "base_training"


def test_programme_kinds_both_accepted_and_unknown_refused(api: Api, admin: str) -> None:
    assert _programme(api, admin, kind="guopei")["kind"] == "guopei"
    r = api.call("POST", "/programmes", admin, {**PROGRAMME, "kind": "summer_camp"})
    assert r.status_code == 422 and "kind" in r.data["error"]["fields"]


def test_programme_deadlines_out_of_order_are_422(api: Api, admin: str) -> None:
    r = api.call("POST", "/programmes", admin, {**PROGRAMME, "roster_deadline": "2026-07-01T00:00:00+08:00"})
    assert r.status_code == 422 and "roster_deadline" in r.data["error"]["fields"]
    r = api.call(
        "POST", "/programmes", admin, {**PROGRAMME, "registration_deadline": "2026-08-01T00:00:00+08:00"}
    )
    assert r.status_code == 422 and "registration_deadline" in r.data["error"]["fields"]
    # A patch is held to the same order
    pid = _programme(api, admin)["programme_id"]
    r = api.call("PATCH", f"/programmes/{pid}", admin, {"demand_deadline": "2026-09-30T00:00:00+08:00"})
    assert r.status_code == 422 and "roster_deadline" in r.data["error"]["fields"]


def test_programme_deadline_without_offset_is_422(api: Api, admin: str) -> None:
    r = api.call("POST", "/programmes", admin, {**PROGRAMME, "demand_deadline": "2026-07-15T23:59:59"})
    assert r.status_code == 422 and "demand_deadline" in r.data["error"]["fields"]


def test_unknown_programme_is_404(api: Api, admin: str) -> None:
    for method, body in (("GET", None), ("PATCH", {"name": "x"})):
        r = api.call(method, "/programmes/nope", admin, body)
        assert r.status_code == 404 and r.data["error"]["code"] == "programme_not_found"


def test_region_creates_contact_account_and_sends_credentials(api: Api, admin: str) -> None:
    # When the office creates a region
    r = api.call("POST", "/regions", admin, region_body())
    assert r.status_code == 201
    region = r.data
    # Then its contact got an SMS with account and password, and can log in as region_contact
    assert "实验区联系人" in sms_to("13900000001")[0]
    login = api.login("13900000001", password_from_sms("13900000001"))
    assert login.status_code == 200 and login.data["role"] == "region_contact"
    me = api.call("GET", "/me", login.data["token"]).data
    assert me["region_id"] == region["region_id"] and me["phone"] == "139****0001"
    assert api.call("GET", f"/regions/{region['region_id']}", admin).data == region
    assert [x["region_id"] for x in api.call("GET", "/regions", admin).data["items"]] == [region["region_id"]]


def test_second_region_with_same_contact_reuses_the_account(api: Api, admin: str) -> None:
    first = api.call("POST", "/regions", admin, region_body()).data
    second = api.call("POST", "/regions", admin, region_body(name="宜川县")).data
    # Then one account serves both regions, and no second password was sent
    assert first["contact"]["account_id"] == second["contact"]["account_id"]
    assert len(sms_to("13900000001")) == 1
    account = AccountModel.get(first["contact"]["account_id"])
    assert account.region_ids == {first["region_id"], second["region_id"]}
    token = api.ready_token("13900000001")
    assert sorted(api.call("GET", "/me", token).data["region_ids"]) == sorted(
        [first["region_id"], second["region_id"]]
    )


def test_phone_of_another_role_is_409_and_writes_nothing(api: Api, admin: str) -> None:
    before = AccountModel.count()
    for path, body in (
        ("/regions", region_body(phone=ADMIN_PHONE)),
        ("/bases", base_body(phone=ADMIN_PHONE)),
    ):
        r = api.call("POST", path, admin, body)
        assert r.status_code == 409 and r.data["error"]["code"] == "phone_taken"
    assert api.call("POST", "/regions", admin, region_body(phone="13600000000")).status_code == 201
    r = api.call("POST", "/bases", admin, base_body(phone="13600000000"))
    assert r.status_code == 409 and r.data["error"]["code"] == "phone_taken"
    assert AccountModel.count() == before + 1
    assert api.call("GET", "/bases", admin).data["items"] == []


def test_contact_validation_is_422_with_fields(api: Api, admin: str) -> None:
    bad = {"name": "", "contact": {"name": "李", "phone": "12345", "email": "not-an-email"}}
    r = api.call("POST", "/regions", admin, bad)
    assert error_of(r) == (422, "validation_failed")
    assert set(r.data["error"]["fields"]) == {"name", "contact.phone", "contact.email"}


def test_base_create_list_get_and_stage_rules(api: Api, admin: str) -> None:
    r = api.call("POST", "/bases", admin, base_body())
    assert r.status_code == 201 and r.data["stages"] == ["junior", "primary"]
    assert "研修基地联系人" in sms_to("13700000001")[0]
    assert api.call("GET", f"/bases/{r.data['base_id']}", admin).data == r.data
    assert len(api.call("GET", "/bases", admin).data["items"]) == 1
    for stages in (["university"], [], ["primary", "primary"]):
        bad = api.call(
            "POST", "/bases", admin, base_body(phone="13700000002", stages=stages) | {"stages": stages}
        )
        assert bad.status_code == 422 and "stages" in " ".join(bad.data["error"]["fields"]), stages


def test_batch_create_and_list_with_filters(api: Api, admin: str) -> None:
    pid = _programme(api, admin)["programme_id"]
    base_id = api.call("POST", "/bases", admin, base_body()).data["base_id"]
    body = {
        "base_id": base_id,
        "stage": "primary",
        "start_date": "2026-09-07",
        "end_date": "2026-09-18",
        "study_type": "placement",
    }
    r = api.call("POST", f"/programmes/{pid}/batches", admin, body)
    assert r.status_code == 201
    batch = r.data
    assert batch["capacity"] == 5 and batch["region_id"] is None and batch["trainee_count"] == 0
    junior = api.call(
        "POST", f"/programmes/{pid}/batches", admin, {**body, "stage": "junior", "capacity": 8}
    ).data
    everything = api.call("GET", f"/programmes/{pid}/batches", admin).data["items"]
    assert {b["batch_id"] for b in everything} == {batch["batch_id"], junior["batch_id"]}
    only_primary = api.call("GET", f"/programmes/{pid}/batches?stage=primary", admin).data["items"]
    assert [b["batch_id"] for b in only_primary] == [batch["batch_id"]]
    assert api.call("GET", f"/programmes/{pid}/batches?base_id=other", admin).data["items"] == []
    # Paging: one at a time, the cursor leads to the second
    first = api.call("GET", f"/programmes/{pid}/batches?limit=1", admin).data
    assert len(first["items"]) == 1 and first["next_cursor"]
    rest = api.call("GET", f"/programmes/{pid}/batches?limit=1&cursor={first['next_cursor']}", admin).data
    assert rest["items"][0]["batch_id"] != first["items"][0]["batch_id"]
    bad = api.call("GET", f"/programmes/{pid}/batches?cursor=@@@", admin)
    assert bad.status_code == 422 and "cursor" in bad.data["error"]["fields"]


def test_batch_rules_are_enforced(api: Api, admin: str) -> None:
    pid = _programme(api, admin)["programme_id"]
    base_id = api.call("POST", "/bases", admin, base_body(stages=["primary"])).data["base_id"]
    ok = {
        "base_id": base_id,
        "stage": "primary",
        "start_date": "2026-09-07",
        "end_date": "2026-09-18",
        "study_type": "exchange",
    }
    cases: list[tuple[dict[str, Any], str]] = [
        ({"stage": "senior"}, "stage"),  # the base does not serve it
        ({"end_date": "2026-09-01"}, "end_date"),
        ({"capacity": 0}, "capacity"),
        ({"capacity": 51}, "capacity"),
        ({"study_type": "holiday"}, "study_type"),
        ({"base_id": "missing"}, "base_id"),
        ({"start_date": "2026-13-01"}, "start_date"),
    ]
    for change, field in cases:
        r = api.call("POST", f"/programmes/{pid}/batches", admin, {**ok, **change})
        assert r.status_code == 422 and field in r.data["error"]["fields"], (change, r.data)
    r = api.call("POST", "/programmes/nope/batches", admin, ok)
    assert r.status_code == 404 and r.data["error"]["code"] == "programme_not_found"
    assert BatchModel.count() == 0


def test_region_contact_sees_only_its_own_batches(api: Api, admin: str) -> None:
    pid = _programme(api, admin)["programme_id"]
    base_id = api.call("POST", "/bases", admin, base_body()).data["base_id"]
    mine = api.call("POST", "/regions", admin, region_body()).data["region_id"]
    body = {
        "base_id": base_id,
        "stage": "primary",
        "start_date": "2026-09-07",
        "end_date": "2026-09-18",
        "study_type": "placement",
    }
    allocated = api.call("POST", f"/programmes/{pid}/batches", admin, body).data["batch_id"]
    api.call("POST", f"/programmes/{pid}/batches", admin, body)
    # Given one batch allocated to the region (the allocation routes come with the demand issue)
    item = BatchModel.get(allocated)
    item.update(
        actions=[
            BatchModel.region_id.set(mine),
            BatchModel.programme_stage_key.set(f"{pid}#primary#2026-09-07#{allocated}"),
        ]
    )
    token = api.ready_token("13900000001")
    seen = api.call("GET", f"/programmes/{pid}/batches", token).data["items"]
    assert [b["batch_id"] for b in seen] == [allocated]
    other = api.call("GET", f"/programmes/{pid}/batches?region_id=someone-else", token)
    assert error_of(other) == (404, "region_not_found")


def test_quota_set_and_its_guards(api: Api, admin: str) -> None:
    pid = _programme(api, admin)["programme_id"]
    rid = api.call("POST", "/regions", admin, region_body()).data["region_id"]
    r = api.call("PUT", f"/programmes/{pid}/quotas/{rid}", admin, {"places": 45})
    assert r.status_code == 200 and r.data == {
        "programme_id": pid,
        "region_id": rid,
        "places": 45,
        "requested": 0,
    }
    assert error_of(api.call("PUT", f"/programmes/{pid}/quotas/{rid}", admin, {"places": -1})) == (
        422,
        "validation_failed",
    )
    missing = api.call("PUT", f"/programmes/{pid}/quotas/nope", admin, {"places": 5})
    assert missing.status_code == 404 and missing.data["error"]["code"] == "region_not_found"
    # Given the region already asked for 20 places, the office cannot drop it to 15
    QuotaModel(pid, rid).update(actions=[QuotaModel.requested.set(20)])
    r = api.call("PUT", f"/programmes/{pid}/quotas/{rid}", admin, {"places": 15})
    assert r.status_code == 409 and r.data["error"]["code"] == "quota_below_held"
    assert QuotaModel.get(pid, rid).places == 45
    assert api.call("PUT", f"/programmes/{pid}/quotas/{rid}", admin, {"places": 20}).status_code == 200
