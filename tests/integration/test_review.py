"""The office's review of demands (审核, issue 13 part 1): approve, or return with a reason; the
places go back to the quota at once; allocation plans only approved demand."""

from __future__ import annotations

from datetime import timedelta

import pytest

from chalicelib.adapters import clock
from chalicelib.db.models import BatchModel, QuotaModel
from chalicelib.domain.demand import stage_tally_key
from tests.integration.conftest import PROGRAMME, Api, base_body, emails, error_of, region_body, sms_to

pytestmark = pytest.mark.integration

CONTACT_A, CONTACT_B = "13900000001", "13900000002"


@pytest.fixture
def w(api: Api, admin: str) -> dict:
    """A programme, a base with three primary batches (5 seats each), two regions' contacts."""
    pid = api.call("POST", "/programmes", admin, PROGRAMME).data["programme_id"]
    base = api.call("POST", "/bases", admin, base_body("13700000001", ["primary"])).data["base_id"]
    ra = api.call("POST", "/regions", admin, region_body(CONTACT_A, "广州南沙实验区")).data["region_id"]
    rb = api.call("POST", "/regions", admin, region_body(CONTACT_B, "宜川县")).data["region_id"]
    batches = []
    for start, end in (
        ("2026-09-07", "2026-09-18"),
        ("2026-10-12", "2026-10-23"),
        ("2026-11-02", "2026-11-13"),
    ):
        body = {
            "base_id": base,
            "stage": "primary",
            "start_date": start,
            "end_date": end,
            "study_type": "placement",
        }
        batches.append(api.call("POST", f"/programmes/{pid}/batches", admin, body).data["batch_id"])
    return {
        "pid": pid,
        "ra": ra,
        "rb": rb,
        "a": api.ready_token(CONTACT_A),
        "b": api.ready_token(CONTACT_B),
        "batches": batches,
    }


def ask(api: Api, token: str, pid: str, places: int = 5) -> str:
    body = {
        "study_type": "placement",
        "purpose": "学习课程改革经验",
        "items": [{"stage": "primary", "places": places}],
    }
    r = api.call("POST", f"/programmes/{pid}/demands", token, body)
    assert r.status_code == 201, r.data
    clock.advance(timedelta(seconds=1))
    return str(r.data["demand_id"])


def demands_of(api: Api, token: str, pid: str) -> dict[str, dict]:
    return {d["demand_id"]: d for d in api.call("GET", f"/programmes/{pid}/demands", token).data["items"]}


def test_allocation_plans_only_approved_demand(api: Api, admin: str, w: dict) -> None:
    # Given two demands, the earlier one not yet reviewed and the later one approved
    pid = w["pid"]
    first = ask(api, w["b"], pid)
    second = ask(api, w["a"], pid)
    approved = api.call("POST", f"/demands/{second}/approve", admin)
    assert approved.status_code == 200 and approved.data["status"] == "approved"
    assert demands_of(api, admin, pid)[first]["status"] == "pending"
    # When the office previews and commits
    preview = api.call("POST", f"/programmes/{pid}/allocation", admin, {"commit": False}).data
    committed = api.call("POST", f"/programmes/{pid}/allocation", admin, {"commit": True}).data
    # Then only the approved demand is planned (the pending one is neither served nor unmet)
    for plan in (preview, committed):
        assert {a["demand_id"] for a in plan["assignments"]} == {second} and plan["unmet"] == []
    mine = demands_of(api, w["a"], pid)[second]
    assert mine["status"] == "allocated" and mine["items"][0]["seats_allocated"] == 5
    assert demands_of(api, w["b"], pid)[first]["status"] == "pending"


def test_approving_again_changes_nothing(api: Api, admin: str, w: dict) -> None:
    demand_id = ask(api, w["a"], w["pid"])
    first = api.call("POST", f"/demands/{demand_id}/approve", admin).data
    clock.advance(timedelta(hours=1))
    again = api.call("POST", f"/demands/{demand_id}/approve", admin)
    assert again.status_code == 200 and again.data == first
    assert first["reviewed_at"].endswith("+08:00")


def test_returning_gives_the_places_back_at_once_and_tells_the_contact_why(
    api: Api, admin: str, w: dict
) -> None:
    # Given region A's one demand of 10 places, approved
    pid, ra = w["pid"], w["ra"]
    demand_id = ask(api, w["a"], pid, 10)
    api.call("POST", f"/demands/{demand_id}/approve", admin)
    assert QuotaModel.get(pid, ra).remaining == 25
    assert QuotaModel.get(pid, stage_tally_key("primary")).requested == 10
    # When the office returns it with a reason
    reason = "研修学习目的不够具体，请补充重点内容"
    r = api.call("POST", f"/demands/{demand_id}/return", admin, {"reason": reason})
    # Then the places are back in the quota and the stage's open places, and it shows why
    assert r.status_code == 200 and r.data["status"] == "returned" and r.data["reason"] == reason
    tally = QuotaModel.get(pid, ra)
    assert (tally.remaining, tally.requested, tally.awaiting_demand) == (35, 0, pid)
    assert QuotaModel.get(pid, stage_tally_key("primary")).requested == 0
    mine = demands_of(api, w["a"], pid)[demand_id]
    assert mine["status"] == "returned" and mine["reason"] == reason
    form = api.call("GET", f"/programmes/{pid}/demand-form", w["a"]).data
    assert form["remaining_places"] == 35
    # The contact is told once, by SMS and e-mail, with the reason and the deadline
    [sms] = [t for t in sms_to(CONTACT_A) if "退回" in t]
    assert reason in sms and "2026-07-15 23:59" in sms and "重新提交" in sms
    [mail] = [m for m in emails() if "研修需求已退回" in m.subject]
    assert mail.destinations["ToAddresses"] == ["li@example.cn"] and reason in mail.body
    # Returning it again changes nothing and tells nobody again
    again = api.call("POST", f"/demands/{demand_id}/return", admin, {"reason": "另一个原因"})
    assert again.status_code == 200 and again.data["reason"] == reason
    assert len([t for t in sms_to(CONTACT_A) if "退回" in t]) == 1
    assert QuotaModel.get(pid, ra).remaining == 35
    # And the contact may ask again within the deadline, up to the whole quota
    ask(api, w["a"], pid, 35)
    assert QuotaModel.get(pid, ra).awaiting_demand is None


def test_returning_one_of_two_demands_keeps_the_region_off_the_demand_reminder(
    api: Api, admin: str, w: dict
) -> None:
    pid, ra = w["pid"], w["ra"]
    first = ask(api, w["a"], pid, 5)
    ask(api, w["a"], pid, 10)
    assert api.call("POST", f"/demands/{first}/return", admin, {"reason": "重复提交"}).status_code == 200
    tally = QuotaModel.get(pid, ra)
    assert (tally.requested, tally.remaining, tally.awaiting_demand) == (10, 25, None)


def test_bad_review_input_is_refused_in_chinese_with_nothing_written(api: Api, admin: str, w: dict) -> None:
    pid, ra = w["pid"], w["ra"]
    returned = ask(api, w["a"], pid)
    api.call("POST", f"/demands/{returned}/return", admin, {"reason": "名额不符"})
    sent_before = len(sms_to(CONTACT_A))
    # Approving a returned demand
    r = api.call("POST", f"/demands/{returned}/approve", admin)
    assert error_of(r) == (409, "demand_returned") and "退回" in r.data["error"]["message"]
    assert demands_of(api, admin, pid)[returned]["status"] == "returned"
    # Returning an allocated one (a batch given by hand)
    allocated = ask(api, w["b"], pid)
    assert (
        api.call("PUT", f"/batches/{w['batches'][0]}/region", admin, {"region_id": w["rb"]}).status_code
        == 200
    )
    before = QuotaModel.get(pid, w["rb"]).remaining
    r = api.call("POST", f"/demands/{allocated}/return", admin, {"reason": "不需要了"})
    assert error_of(r) == (409, "demand_allocated") and "已分配" in r.data["error"]["message"]
    assert QuotaModel.get(pid, w["rb"]).remaining == before
    assert demands_of(api, admin, pid)[allocated]["status"] == "allocated"
    assert not [t for t in sms_to(CONTACT_B) if "退回" in t] and len(sms_to(CONTACT_A)) == sent_before
    # A reason is required; an unknown demand is 404; only the office reviews
    assert error_of(api.call("POST", f"/demands/{allocated}/return", admin, {"reason": " "}))[0] == 422
    assert error_of(api.call("POST", "/demands/nope/approve", admin)) == (404, "demand_not_found")
    assert error_of(api.call("POST", f"/demands/{returned}/approve", w["a"])) == (403, "forbidden")
    # The returned demand's region now has nothing to allocate by hand for
    r = api.call("PUT", f"/batches/{w['batches'][1]}/region", admin, {"region_id": ra})
    assert error_of(r) == (409, "no_demand_for_stage")
    assert BatchModel.get(w["batches"][1]).region_id is None


def test_allocating_by_hand_approves_a_pending_demand(api: Api, admin: str, w: dict) -> None:
    demand_id = ask(api, w["a"], w["pid"], 10)
    assert (
        api.call("PUT", f"/batches/{w['batches'][0]}/region", admin, {"region_id": w["ra"]}).status_code
        == 200
    )
    shown = demands_of(api, admin, w["pid"])[demand_id]
    assert shown["status"] == "partially_allocated"
    # approved by the allocation: a commit now plans its second batch
    committed = api.call("POST", f"/programmes/{w['pid']}/allocation", admin, {"commit": True}).data
    assert [a["demand_id"] for a in committed["assignments"]] == [demand_id]
    assert demands_of(api, w["a"], w["pid"])[demand_id]["status"] == "allocated"


def test_a_commit_skips_a_previewed_demand_returned_since(api: Api, admin: str, w: dict) -> None:
    pid = w["pid"]
    demand_id = ask(api, w["a"], pid)
    api.call("POST", f"/demands/{demand_id}/approve", admin)
    preview = api.call("POST", f"/programmes/{pid}/allocation", admin, {"commit": False}).data
    assert len(preview["assignments"]) == 1
    api.call("POST", f"/demands/{demand_id}/return", admin, {"reason": "需要调整"})
    body = {"commit": True, "plan_id": preview["plan_id"]}
    committed = api.call("POST", f"/programmes/{pid}/allocation", admin, body).data
    assert committed["assignments"] == [] and committed["unmet"] == []
    assert all(BatchModel.get(b).region_id is None for b in w["batches"])
    assert not [t for t in sms_to(CONTACT_A) if "分配" in t]


def test_the_office_filters_the_whole_list_by_region_and_status(api: Api, admin: str, w: dict) -> None:
    # Given three demands, oldest first: A's (approved), B's, A's again (returned)
    pid = w["pid"]
    a1, b1, a2 = ask(api, w["a"], pid, 5), ask(api, w["b"], pid, 5), ask(api, w["a"], pid, 5)
    api.call("POST", f"/demands/{a1}/approve", admin)
    api.call("POST", f"/demands/{a2}/return", admin, {"reason": "请补充研修学习目的"})
    listed = f"/programmes/{pid}/demands"

    def ids(query: str, token: str = admin) -> list[str]:
        r = api.call("GET", f"{listed}?{query}", token)
        assert r.status_code == 200, r.data
        return [d["demand_id"] for d in r.data["items"]]

    # When the office names a region, or a status, or both
    # Then the filter applies to the whole list, not to a page already read
    assert ids(f"region_id={w['ra']}") == [a1, a2]
    assert ids(f"region_id={w['rb']}") == [b1]
    assert ids("status=pending") == [b1]
    assert ids("status=returned") == [a2]
    assert ids(f"status=approved&region_id={w['ra']}") == [a1]
    assert ids(f"status=approved&region_id={w['rb']}") == []
    # Paged like every list: a page of one, then the cursor to the next
    first = api.call("GET", f"{listed}?region_id={w['ra']}&limit=1", admin).data
    assert [d["demand_id"] for d in first["items"]] == [a1] and first["next_cursor"]
    cursor = first["next_cursor"]
    assert ids(f"region_id={w['ra']}&limit=1&cursor={cursor}") == [a2]
    page = api.call("GET", f"{listed}?status=approved&limit=1", admin).data
    assert [d["demand_id"] for d in page["items"]] == [a1] and page["next_cursor"] is None
    # A region contact's list stays its own, filtered the same way
    assert ids("status=returned", w["a"]) == [a2]
    assert ids("status=returned", w["b"]) == []


def test_an_unknown_status_filter_is_a_field_error(api: Api, admin: str, w: dict) -> None:
    r = api.call("GET", f"/programmes/{w['pid']}/demands?status=done", admin)
    assert r.status_code == 422
    assert r.data["error"]["code"] == "validation_failed" and "status" in r.data["error"]["fields"]
