"""Demand and allocation routes (issue: demand and allocation)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from chalicelib.adapters import clock
from chalicelib.db.models import BatchModel, DemandModel, QuotaModel
from tests.integration.conftest import (
    PROGRAMME,
    STRONG,
    Api,
    base_body,
    emails,
    error_of,
    region_body,
    sms_to,
)

pytestmark = pytest.mark.integration

CONTACT_A, CONTACT_B = "13900000001", "13900000002"


@pytest.fixture
def world(api: Api, admin: str) -> dict:
    """A programme, two bases, two regions with ready contacts, and batches."""
    pid = api.call("POST", "/programmes", admin, PROGRAMME).data["programme_id"]
    base1 = api.call("POST", "/bases", admin, base_body("13700000001", ["primary", "junior"])).data["base_id"]
    base2 = api.call(
        "POST", "/bases", admin, {**base_body("13700000002", ["primary"]), "name": "上海实验小学"}
    ).data["base_id"]
    ra = api.call("POST", "/regions", admin, region_body(CONTACT_A, "广州南沙实验区")).data["region_id"]
    rb = api.call("POST", "/regions", admin, region_body(CONTACT_B, "宜川县")).data["region_id"]
    batches = []
    for base, stage, start, study in [
        (base1, "primary", "2026-09-07", "placement"),
        (base2, "primary", "2026-10-12", "placement"),
        (base1, "primary", "2026-11-02", "exchange"),
        (base1, "junior", "2026-09-14", "placement"),
    ]:
        end = start[:8] + str(int(start[8:]) + 11).zfill(2)
        body = {"base_id": base, "stage": stage, "start_date": start, "end_date": end, "study_type": study}
        batches.append(api.call("POST", f"/programmes/{pid}/batches", admin, body).data["batch_id"])
    return {
        "pid": pid,
        "ra": ra,
        "rb": rb,
        "a": api.ready_token(CONTACT_A),
        "b": api.ready_token(CONTACT_B),
        "batches": batches,
        "bases": (base1, base2),
    }


def _demand(stage: str = "primary", places: int = 5, study: str = "placement", **extra: object) -> dict:
    return {
        "study_type": study,
        "purpose": "学习课程改革经验",
        "items": [{"stage": stage, "places": places}],
        **extra,
    }


def approve_all(api: Api, admin: str, pid: str) -> None:
    """The office's review (审核): allocation plans only approved demand."""
    for d in api.call("GET", f"/programmes/{pid}/demands", admin).data["items"]:
        assert api.call("POST", f"/demands/{d['demand_id']}/approve", admin).status_code == 200


def test_demand_form_shows_remaining_deadline_and_availability(api: Api, admin: str, world: dict) -> None:
    form = api.call("GET", f"/programmes/{world['pid']}/demand-form", world["a"]).data
    assert form["remaining_places"] == 35 and form["deadline"] == "2026-07-15T23:59:59+08:00"
    by_stage = {s["stage"]: s for s in form["stages"]}
    assert by_stage["primary"] == {"stage": "primary", "availability": "ample", "open_places": 15}
    assert by_stage["junior"]["availability"] == "limited" and by_stage["junior"]["open_places"] == 5
    assert by_stage["senior"] == {"stage": "senior", "availability": "none", "open_places": 0}
    # After region B asks for 15 primary places, A sees primary as none
    assert (
        api.call("POST", f"/programmes/{world['pid']}/demands", world["b"], _demand(places=15)).status_code
        == 201
    )
    form = api.call("GET", f"/programmes/{world['pid']}/demand-form", world["a"]).data
    assert {s["stage"]: s["availability"] for s in form["stages"]}["primary"] == "none"


def test_demands_up_to_the_quota_then_quota_exceeded(api: Api, admin: str, world: dict) -> None:
    pid = world["pid"]
    first = api.call("POST", f"/programmes/{pid}/demands", world["a"], _demand(places=20))
    assert first.status_code == 201 and first.data["status"] == "pending"
    assert first.data["submitted_at"].endswith("+08:00")
    # 继续提交: a second demand while places remain
    second = api.call(
        "POST",
        f"/programmes/{pid}/demands",
        world["a"],
        {**_demand(places=10), "items": [{"stage": "junior", "places": 10, "remark": "初中数学"}]},
    )
    assert second.status_code == 201
    third = api.call("POST", f"/programmes/{pid}/demands", world["a"], _demand(places=6))
    assert third.status_code == 409 and third.data["error"]["code"] == "quota_exceeded"
    assert api.call("GET", f"/programmes/{pid}/demand-form", world["a"]).data["remaining_places"] == 5
    assert api.call("POST", f"/programmes/{pid}/demands", world["a"], _demand(places=5)).status_code == 201
    assert QuotaModel.get(pid, world["ra"]).remaining == 0
    # The office's quota change follows what is asked: not below 35
    low = api.call("PUT", f"/programmes/{pid}/quotas/{world['ra']}", admin, {"places": 30})
    assert low.status_code == 409 and low.data["error"]["code"] == "quota_below_held"
    assert (
        api.call("PUT", f"/programmes/{pid}/quotas/{world['ra']}", admin, {"places": 40}).status_code == 200
    )
    assert api.call("GET", f"/programmes/{pid}/demand-form", world["a"]).data["remaining_places"] == 5


def test_demand_validation(api: Api, world: dict) -> None:
    pid = world["pid"]
    cases: list[tuple[dict[str, Any], str]] = [
        ({"items": [{"stage": "primary", "places": 5, "remark": "备" * 31}]}, "items.0.remark"),
        ({"items": [{"stage": "primary", "places": 0}]}, "items.0.places"),
        ({"items": [{"stage": "primary", "places": -5}]}, "items.0.places"),
        ({"items": [{"stage": "university", "places": 5}]}, "items.0.stage"),
        ({"items": []}, "items"),
        ({"items": [{"stage": "primary", "places": 5}, {"stage": "primary", "places": 5}]}, "items"),
        ({"study_type": "tourism"}, "study_type"),
        ({"purpose": ""}, "purpose"),
    ]
    for change, field in cases:
        r = api.call("POST", f"/programmes/{pid}/demands", world["a"], {**_demand(), **change})
        assert r.status_code == 422 and field in r.data["error"]["fields"], (change, r.data)
    ok = api.call(
        "POST",
        f"/programmes/{pid}/demands",
        world["a"],
        {**_demand(), "items": [{"stage": "primary", "places": 5, "remark": "备" * 30}]},
    )
    assert ok.status_code == 201
    assert DemandModel.count(pid) == 1


def test_deadline_is_checked_on_the_server_in_shanghai_time(api: Api, world: dict) -> None:
    pid = world["pid"]
    # 2026-07-15 23:59:59 +08:00 is 15:59:59 UTC: in time
    clock.set_now(clock.now().replace(month=7, day=15, hour=15, minute=59, second=59))
    token = api.login(CONTACT_A, STRONG).data["token"]
    assert api.call("POST", f"/programmes/{pid}/demands", token, _demand()).status_code == 201
    clock.advance(timedelta(seconds=1))
    late = api.call("POST", f"/programmes/{pid}/demands", token, _demand())
    assert late.status_code == 409 and late.data["error"]["code"] == "deadline_passed"
    assert api.call("GET", f"/programmes/{pid}/demand-form", token).data["deadline_passed"] is True
    assert QuotaModel.get(pid, world["ra"]).requested == 5


def test_region_contact_sees_and_writes_only_its_own_region(api: Api, admin: str, world: dict) -> None:
    pid = world["pid"]
    api.call("POST", f"/programmes/{pid}/demands", world["a"], _demand())
    clock.advance(timedelta(microseconds=1))
    api.call("POST", f"/programmes/{pid}/demands", world["b"], _demand(places=10))
    mine = api.call("GET", f"/programmes/{pid}/demands", world["a"]).data["items"]
    assert [d["region_id"] for d in mine] == [world["ra"]]
    for path in (
        f"/programmes/{pid}/demands?region_id={world['rb']}",
        f"/programmes/{pid}/demand-form?region_id={world['rb']}",
    ):
        r = api.call("GET", path, world["a"])
        assert r.status_code == 404 and r.data["error"]["code"] == "region_not_found"
    r = api.call("POST", f"/programmes/{pid}/demands", world["a"], _demand(region_id=world["rb"]))
    assert error_of(r) == (404, "region_not_found")
    assert error_of(api.call("POST", f"/programmes/{pid}/demands", admin, _demand())) == (403, "forbidden")
    missing = api.call("POST", "/programmes/nope/demands", world["a"], _demand())
    assert missing.status_code == 404 and missing.data["error"]["code"] == "programme_not_found"
    everything = api.call("GET", f"/programmes/{pid}/demands", admin).data["items"]
    assert [d["region_id"] for d in everything] == [world["ra"], world["rb"]]  # oldest first


def test_preview_then_commit_allocates_first_come_first_served_and_notifies(
    api: Api, admin: str, world: dict
) -> None:
    pid = world["pid"]
    # B asks first for two primary batches, A then for two (only three primary batches exist)
    api.call("POST", f"/programmes/{pid}/demands", world["b"], _demand(places=10))
    clock.advance(timedelta(seconds=1))
    api.call("POST", f"/programmes/{pid}/demands", world["a"], _demand(places=10))
    approve_all(api, admin, pid)
    preview = api.call("POST", f"/programmes/{pid}/allocation", admin, {"commit": False})
    assert preview.status_code == 200 and preview.data["committed"] is False
    by_region = {
        r: [a for a in preview.data["assignments"] if a["region_id"] == r] for r in (world["ra"], world["rb"])
    }
    assert len(by_region[world["rb"]]) == 2 and len(by_region[world["ra"]]) == 1
    # B's two placement batches come from two different bases (spreading)
    b_batches = [BatchModel.get(a["batch_id"]) for a in by_region[world["rb"]]]
    assert len({b.base_id for b in b_batches}) == 2 and all(b.study_type == "placement" for b in b_batches)
    [unmet] = preview.data["unmet"]
    assert unmet["region_id"] == world["ra"] and unmet["reason"] == "taken_by_earlier_demands"
    assert unmet["batches_needed"] == 2 and unmet["batches_assigned"] == 1
    assert BatchModel.get(world["batches"][0]).region_id is None  # a preview writes nothing
    # Commit
    committed = api.call("POST", f"/programmes/{pid}/allocation", admin, {"commit": True}).data
    assert committed["committed"] is True and committed["assignments"] == preview.data["assignments"]
    # Each contact got one SMS and one e-mail naming its batches and the roster deadline
    for phone, count in ((CONTACT_B, 2), (CONTACT_A, 1)):
        [sms] = [t for t in sms_to(phone) if "研修批次" in t]
        assert f"已为您分配{count}个研修批次" in sms and "2026-08-31 23:59" in sms
    mails = [m for m in emails() if "研修批次分配结果" in m.subject]
    assert len(mails) == 2 and "填报研修人员" in mails[0].body
    # The region sees its batches; the demand shows what it holds
    seen = api.call("GET", f"/programmes/{pid}/batches", world["b"]).data["items"]
    assert sorted(b["batch_id"] for b in seen) == sorted(a["batch_id"] for a in by_region[world["rb"]])
    [demand_b] = api.call("GET", f"/programmes/{pid}/demands", world["b"]).data["items"]
    assert demand_b["status"] == "allocated" and demand_b["items"][0]["batches_allocated"] == 2
    # Committing again changes nothing and tells nobody again
    again = api.call("POST", f"/programmes/{pid}/allocation", admin, {"commit": True}).data
    assert again["assignments"] == [] and len(again["unmet"]) == 1
    assert len([t for t in sms_to(CONTACT_B) if "研修批次" in t]) == 1


def test_commit_does_not_overwrite_a_batch_taken_by_hand_in_between(
    api: Api, admin: str, world: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    pid = world["pid"]
    api.call("POST", f"/programmes/{pid}/demands", world["a"], _demand(places=5))
    api.call("POST", f"/programmes/{pid}/demands", world["b"], _demand(places=5))
    approve_all(api, admin, pid)
    from chalicelib.domain import allocation as solver

    real_plan = solver.plan
    stolen: list[str] = []

    def plan_then_someone_allocates_by_hand(*args, **kwargs):
        result = real_plan(*args, **kwargs)
        # Between the plan and its writes, the office gives A's planned batch to B by hand
        a_batch = next(a.batch_id for a in result.assignments if a.region_id == world["ra"])
        assert (
            api.call("PUT", f"/batches/{a_batch}/region", admin, {"region_id": world["rb"]}).status_code
            == 200
        )
        stolen.append(a_batch)
        return result

    monkeypatch.setattr(solver, "plan", plan_then_someone_allocates_by_hand)
    r = api.call("POST", f"/programmes/{pid}/allocation", admin, {"commit": True}).data
    # Then the batch stays B's, and A's item is reported unmet, not overwritten
    assert BatchModel.get(stolen[0]).region_id == world["rb"]
    [unmet] = [u for u in r["unmet"] if u["region_id"] == world["ra"]]
    assert unmet["reason"] == "taken_concurrently"
    assert all(a["batch_id"] != stolen[0] for a in r["assignments"])


def test_commit_of_a_preview_applies_it_and_reports_a_batch_given_by_hand_since(
    api: Api, admin: str, world: dict
) -> None:
    # Given two regions' demands and the office's preview of the plan
    pid = world["pid"]
    api.call("POST", f"/programmes/{pid}/demands", world["a"], _demand(places=5))
    api.call("POST", f"/programmes/{pid}/demands", world["b"], _demand(places=5))
    approve_all(api, admin, pid)
    preview = api.call("POST", f"/programmes/{pid}/allocation", admin, {"commit": False}).data
    assert preview["committed"] is False and preview["plan_id"]
    planned = {a["region_id"]: a["batch_id"] for a in preview["assignments"]}
    # When, before committing, the office gives A's previewed batch to B by hand
    a_batch, b_batch = planned[world["ra"]], planned[world["rb"]]
    assert api.call("PUT", f"/batches/{a_batch}/region", admin, {"region_id": world["rb"]}).status_code == 200
    # And commits the preview
    r = api.call(
        "POST", f"/programmes/{pid}/allocation", admin, {"commit": True, "plan_id": preview["plan_id"]}
    )
    assert r.status_code == 200, r.data
    # Then B keeps both, the rest of the preview is applied as previewed, and A's item is
    # reported unmet because of the change, not re-planned onto another batch
    assert BatchModel.get(a_batch).region_id == world["rb"]
    assert BatchModel.get(b_batch).region_id == world["rb"]
    assert [a["batch_id"] for a in r.data["assignments"]] == [b_batch]
    [unmet] = [u for u in r.data["unmet"] if u["region_id"] == world["ra"]]
    assert unmet["reason"] == "taken_concurrently"
    # And committing the same preview again changes nothing and reports the same
    again = api.call(
        "POST", f"/programmes/{pid}/allocation", admin, {"commit": True, "plan_id": preview["plan_id"]}
    )
    assert again.data["assignments"] == r.data["assignments"]
    # And a plan_id that was never issued is refused
    missing = api.call("POST", f"/programmes/{pid}/allocation", admin, {"commit": True, "plan_id": "0" * 32})
    assert error_of(missing) == (404, "plan_not_found")


def test_manual_allocation_and_freeing(api: Api, admin: str, world: dict) -> None:
    pid, junior = world["pid"], world["batches"][3]
    # A region with no demand for the stage cannot be given the batch
    r = api.call("PUT", f"/batches/{junior}/region", admin, {"region_id": world["ra"]})
    assert r.status_code == 409 and r.data["error"]["code"] == "no_demand_for_stage"
    api.call("POST", f"/programmes/{pid}/demands", world["a"], _demand(stage="junior"))
    r = api.call("PUT", f"/batches/{junior}/region", admin, {"region_id": world["ra"]})
    assert r.status_code == 200 and r.data["region_id"] == world["ra"]
    assert any("已为您分配1个研修批次" in t for t in sms_to(CONTACT_A))
    # Taken: another region cannot have it
    api.call("POST", f"/programmes/{pid}/demands", world["b"], _demand(stage="junior"))
    r = api.call("PUT", f"/batches/{junior}/region", admin, {"region_id": world["rb"]})
    assert r.status_code == 409 and r.data["error"]["code"] == "batch_taken"
    # Freed, then free again is a conflict; unknown batch and region are 404
    assert api.call("DELETE", f"/batches/{junior}/region", admin).data["region_id"] is None
    r = api.call("DELETE", f"/batches/{junior}/region", admin)
    assert r.status_code == 409 and r.data["error"]["code"] == "batch_not_freeable"
    assert error_of(api.call("PUT", "/batches/nope/region", admin, {"region_id": world["ra"]})) == (
        404,
        "batch_not_found",
    )
    r = api.call("PUT", f"/batches/{junior}/region", admin, {"region_id": "nope"})
    assert r.status_code == 404 and r.data["error"]["code"] == "region_not_found"


def test_a_region_gets_by_hand_no_more_than_it_asked_for(api: Api, admin: str, world: dict) -> None:
    # Given region A asked for 5 primary places, and 10 more in a later demand
    pid, (b1, b2, b3) = world["pid"], world["batches"][:3]
    api.call("POST", f"/programmes/{pid}/demands", world["a"], _demand(places=5))
    clock.advance(timedelta(seconds=1))
    later = api.call("POST", f"/programmes/{pid}/demands", world["a"], _demand(places=10)).data
    # When the office gives it primary batches by hand, one after another
    first = api.call("PUT", f"/batches/{b1}/region", admin, {"region_id": world["ra"]})
    second = api.call("PUT", f"/batches/{b2}/region", admin, {"region_id": world["ra"]})
    third = api.call("PUT", f"/batches/{b3}/region", admin, {"region_id": world["ra"]})
    # Then the first serves the earlier demand, the next ones the later demand's 10 places
    assert first.status_code == second.status_code == third.status_code == 200
    assert BatchModel.get(b2).demand_id == BatchModel.get(b3).demand_id == later["demand_id"]
    # And once every place asked for is seated, another batch is refused
    b4 = api.call(
        "POST",
        f"/programmes/{pid}/batches",
        admin,
        {
            "base_id": BatchModel.get(b1).base_id,
            "stage": "primary",
            "start_date": "2026-12-07",
            "end_date": "2026-12-18",
            "study_type": "placement",
        },
    ).data["batch_id"]
    r = api.call("PUT", f"/batches/{b4}/region", admin, {"region_id": world["ra"]})
    assert error_of(r) == (409, "demand_already_served")
    assert BatchModel.get(b4).region_id is None


def test_allocation_routes_are_the_offices(api: Api, world: dict) -> None:
    r = api.call("POST", f"/programmes/{world['pid']}/allocation", world["a"], {"commit": True})
    assert error_of(r) == (403, "forbidden")


def test_a_commit_stands_and_its_messages_wait_when_sns_and_ses_fail(
    api: Api, admin: str, world: dict
) -> None:
    from botocore.exceptions import ClientError

    from chalicelib.adapters.aws import client
    from chalicelib.db.models import NotificationModel
    from chalicelib.jobs import JOBS

    # Given a region's demand, and SNS and SES both failing
    pid = world["pid"]
    api.call("POST", f"/programmes/{pid}/demands", world["a"], _demand(places=5))
    approve_all(api, admin, pid)

    def down(request, **kwargs):
        raise ClientError({"Error": {"Code": "ServiceUnavailable", "Message": "down"}}, "Send")

    hooks = [(client("sns"), "before-send.sns.Publish"), (client("ses"), "before-send.ses.SendEmail")]
    for c, event in hooks:
        c.meta.events.register_first(event, down)
    try:
        # When the office commits the allocation
        r = api.call("POST", f"/programmes/{pid}/allocation", admin, {"commit": True})
    finally:
        for c, event in hooks:
            c.meta.events.unregister(event, down)
    # Then the allocation stands, and the SMS and e-mail are kept queued, not lost
    assert r.status_code == 200 and len(r.data["assignments"]) == 1
    assert BatchModel.get(r.data["assignments"][0]["batch_id"]).region_id == world["ra"]
    queued = [m for m in NotificationModel.scan() if m.purpose == "allocation"]
    assert sorted(m.channel for m in queued) == ["email", "sms"] and {m.status for m in queued} == {"queued"}
    assert [t for t in sms_to(CONTACT_A) if "研修批次" in t] == []
    # And once SNS and SES are back, the drain job sends each once
    clock.advance(timedelta(minutes=2))
    JOBS["outbox"](clock.now())
    assert len([t for t in sms_to(CONTACT_A) if "已为您分配" in t]) == 1
    assert len([m for m in emails() if "研修批次分配结果" in m.subject]) == 1
