"""The waiting list (issue 13 part 8): a batch given back or freed by the office is offered to
the next region in FCFS order whose approved demand is still short, by SMS, with 48 hours to
accept; the hourly job moves expired offers on."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.adapters import clock
from chalicelib.db.models import AuditModel, BatchModel, OfferModel
from chalicelib.jobs import JOBS
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

A, B, C, D = "13900000001", "13900000002", "13900000003", "13900000004"
NOW = datetime(2026, 7, 1, 1, 0, tzinfo=UTC)


@pytest.fixture
def w(api: Api, admin: str) -> dict:
    """Two primary batches of 5; A, B, C and D ask for 5 places each, in that order; the
    office approves all and allocates: A gets b1, B gets b2, C and D nothing."""
    pid = api.call("POST", "/programmes", admin, PROGRAMME).data["programme_id"]
    base = api.call("POST", "/bases", admin, base_body("13700000001", ["primary"])).data["base_id"]
    regions, tokens = {}, {}
    for phone, name in ((A, "甲实验区"), (B, "乙实验区"), (C, "丙实验区"), (D, "丁实验区")):
        regions[phone] = api.call("POST", "/regions", admin, region_body(phone, name)).data["region_id"]
        tokens[phone] = api.ready_token(phone)
    batches = []
    for start, end in (("2026-09-07", "2026-09-18"), ("2026-10-12", "2026-10-23")):
        body = {
            "base_id": base,
            "stage": "primary",
            "start_date": start,
            "end_date": end,
            "study_type": "placement",
        }
        batches.append(api.call("POST", f"/programmes/{pid}/batches", admin, body).data["batch_id"])
    demand = {"study_type": "placement", "purpose": "学习", "items": [{"stage": "primary", "places": 5}]}
    for phone in (A, B, C, D):
        demand_id = api.call("POST", f"/programmes/{pid}/demands", tokens[phone], demand).data["demand_id"]
        api.call("POST", f"/demands/{demand_id}/approve", admin)
        clock.advance(timedelta(seconds=1))
    plan = api.call("POST", f"/programmes/{pid}/allocation", admin, {"commit": True}).data
    got = {a["region_id"]: a["batch_id"] for a in plan["assignments"]}
    assert got == {regions[A]: batches[0], regions[B]: batches[1]}
    return {
        "pid": pid,
        "regions": regions,
        "tokens": tokens,
        "b1": batches[0],
        "b2": batches[1],
        "admin": admin,
    }


def offers_of(api: Api, token: str) -> list[dict]:
    return list(api.call("GET", "/me/offers", token).data["items"])


def offer_sms(phone: str) -> list[str]:
    return [t for t in sms_to(phone) if "候补名额" in t]


def test_a_batch_given_back_goes_to_the_next_short_region_which_accepts(api: Api, w: dict) -> None:
    # When A gives b1 back
    r = api.call("POST", f"/batches/{w['b1']}/release", w["tokens"][A], {"reason": "时间与期中考试冲突"})
    assert r.status_code == 200 and r.data["region_id"] is None
    [entry] = [e for e in AuditModel.query(w["b1"]) if e.action == "release"]
    assert entry.reason == "时间与期中考试冲突"
    # Then it is offered to C (B is served, A gave it back), by SMS and e-mail, 48 hours to answer
    [offer] = offers_of(api, w["tokens"][C])
    assert offer["status"] == "open" and offer["batch_id"] == w["b1"] and offer["capacity"] == 5
    assert offer["expires_at"] == "2026-07-03T09:00:04+08:00"
    [sms] = offer_sms(C)
    assert "2026-07-03 09:00" in sms and "北京市第一实验小学小学，2026-09-07至2026-09-18" in sms
    assert any("候补名额" in m.subject for m in emails())
    assert not offer_sms(A) and not offer_sms(B) and not offer_sms(D)
    # The batch is held for C meanwhile: not given by hand, not planned
    held = api.call("PUT", f"/batches/{w['b1']}/region", w["admin"], {"region_id": w["regions"][D]})
    assert error_of(held) == (409, "batch_offered")
    assert (
        api.call("POST", f"/programmes/{w['pid']}/allocation", w["admin"], {"commit": False}).data[
            "assignments"
        ]
        == []
    )
    # When C accepts, the batch is C's, told as an allocation; accepting again changes nothing
    accepted = api.call("POST", f"/offers/{offer['offer_id']}/accept", w["tokens"][C])
    assert accepted.status_code == 200 and accepted.data["status"] == "accepted"
    batch = BatchModel.get(w["b1"])
    assert (batch.region_id, batch.offer_id, batch.awaiting_roster) == (w["regions"][C], None, w["pid"])
    assert [t for t in sms_to(C) if "已为您分配1个研修批次" in t]
    mine = api.call("GET", f"/programmes/{w['pid']}/demands", w["tokens"][C]).data["items"]
    assert mine[0]["status"] == "allocated"
    again = api.call("POST", f"/offers/{offer['offer_id']}/accept", w["tokens"][C])
    assert again.status_code == 200 and len([t for t in sms_to(C) if "已为您分配" in t]) == 1


def test_expired_offers_move_on_hourly_and_a_late_accept_is_refused(api: Api, w: dict) -> None:
    # B gives b2 back: A is served, so C, the first still short, is offered it
    api.call("POST", f"/batches/{w['b2']}/release", w["tokens"][B], {"reason": "人员调整"})
    [to_c] = offers_of(api, w["tokens"][C])
    # When C lets 48 hours pass, the hourly job closes it and offers b2 to D
    JOBS["offers"](NOW + timedelta(hours=47))
    assert offers_of(api, w["tokens"][C])[0]["status"] == "open" and not offers_of(api, w["tokens"][D])
    assert JOBS["offers"](NOW + timedelta(hours=49)) == {"expired": 1, "offered": 1, "recovered": 0}
    assert offers_of(api, w["tokens"][C])[0]["status"] == "expired"
    # C, too late: refused in Chinese, nothing written
    late = api.call("POST", f"/offers/{to_c['offer_id']}/accept", w["tokens"][C])
    assert error_of(late) == (409, "offer_expired") and "已过期" in late.data["error"]["message"]
    [to_d] = offers_of(api, w["tokens"][D])
    assert to_d["status"] == "open" and BatchModel.get(w["b2"]).offer_id == to_d["offer_id"]
    # D answers after its time but before the job ran: refused too, the batch still held
    clock.set_now(NOW + timedelta(hours=49 + 48, minutes=30))
    d = api.login(D, STRONG).data["token"]
    late = api.call("POST", f"/offers/{to_d['offer_id']}/accept", d)
    assert error_of(late) == (409, "offer_expired")
    assert BatchModel.get(w["b2"]).region_id is None and OfferModel.get(to_d["offer_id"]).status == "open"
    # The job closes it; nobody else is short: the batch stays free
    assert JOBS["offers"](clock.now()) == {"expired": 1, "offered": 0, "recovered": 0}
    batch = BatchModel.get(w["b2"])
    assert batch.offer_id is None and batch.region_id is None
    assert set(batch.passed_regions) == {w["regions"][B], w["regions"][C], w["regions"][D]}


def test_declining_offers_it_to_the_next_and_the_office_freeing_offers_it_too(api: Api, w: dict) -> None:
    # The office takes b1 back from A: offered to C (A passed on it)
    freed = api.call("DELETE", f"/batches/{w['b1']}/region", w["admin"])
    assert freed.status_code == 200 and freed.data["region_id"] is None
    [to_c] = offers_of(api, w["tokens"][C])
    # C declines: offered to D; declining again changes nothing; accepting now is refused
    declined = api.call("POST", f"/offers/{to_c['offer_id']}/decline", w["tokens"][C])
    assert declined.status_code == 200 and declined.data["status"] == "declined"
    assert (
        api.call("POST", f"/offers/{to_c['offer_id']}/decline", w["tokens"][C]).data["status"] == "declined"
    )
    refused = api.call("POST", f"/offers/{to_c['offer_id']}/accept", w["tokens"][C])
    assert error_of(refused) == (409, "offer_closed")
    [to_d] = offers_of(api, w["tokens"][D])
    assert to_d["status"] == "open" and offer_sms(D)
    # Another region's offer is not theirs to know of
    assert error_of(api.call("POST", f"/offers/{to_d['offer_id']}/accept", w["tokens"][C])) == (
        404,
        "offer_not_found",
    )


def test_what_cannot_be_released(api: Api, w: dict) -> None:
    a = w["tokens"][A]
    # another region's batch
    assert error_of(api.call("POST", f"/batches/{w['b2']}/release", a, {"reason": "x"})) == (
        404,
        "batch_not_found",
    )
    # a batch with people named on it
    person = {
        "name": "张老师",
        "gender": "female",
        "phone": "13600000001",
        "unit": "一小",
        "team_role": "leader",
    }
    api.call("POST", f"/batches/{w['b1']}/trainees", a, person)
    r = api.call("POST", f"/batches/{w['b1']}/release", a, {"reason": "x"})
    assert error_of(r) == (409, "release_roster_not_empty") and "删除" in r.data["error"]["message"]
    # a confirmed roster
    api.call("POST", f"/batches/{w['b1']}/roster/confirm", a)
    assert error_of(api.call("POST", f"/batches/{w['b1']}/release", a, {"reason": "x"})) == (
        409,
        "roster_locked",
    )
    assert error_of(api.call("POST", f"/batches/{w['b1']}/release", a, {"reason": ""}))[0] == 422
    assert BatchModel.get(w["b1"]).region_id == w["regions"][A] and OfferModel.count() == 0


def test_no_offer_outlives_the_roster_deadline(api: Api, w: dict) -> None:
    # Two days before the roster deadline (31 Aug 23:59:59): the offer ends at the deadline
    clock.set_now(datetime(2026, 8, 30, 2, 0, tzinfo=UTC))
    b = api.login(B, STRONG).data["token"]
    api.call("POST", f"/batches/{w['b2']}/release", b, {"reason": "人员调整"})
    c = api.login(C, STRONG).data["token"]
    assert offers_of(api, c)[0]["expires_at"] == "2026-08-31T23:59:59+08:00"
    # After it, a freed batch is offered to nobody
    clock.set_now(datetime(2026, 9, 1, 2, 0, tzinfo=UTC))
    admin = api.login("13800000000", STRONG).data["token"]
    api.call("DELETE", f"/batches/{w['b1']}/region", admin)
    assert len(offers_of(api, api.login(D, STRONG).data["token"])) == 0 and OfferModel.count() == 1


def demand_of(api: Api, w: dict, phone: str) -> str:
    [mine] = api.call("GET", f"/programmes/{w['pid']}/demands", w["tokens"][phone]).data["items"]
    return str(mine["demand_id"])


def another_batch(api: Api, w: dict, start: str = "2026-11-09", end: str = "2026-11-20") -> str:
    """A third primary batch of 5 at the same base, free (never given to anyone)."""
    body = {
        "base_id": BatchModel.get(w["b1"]).base_id,
        "stage": "primary",
        "start_date": start,
        "end_date": end,
        "study_type": "placement",
    }
    return str(api.call("POST", f"/programmes/{w['pid']}/batches", w["admin"], body).data["batch_id"])


def test_returning_a_demand_withdraws_its_open_offer_and_offers_the_batch_on(api: Api, w: dict) -> None:
    # Given b1 given back by A and offered to C
    api.call("POST", f"/batches/{w['b1']}/release", w["tokens"][A], {"reason": "人员调整"})
    [to_c] = offers_of(api, w["tokens"][C])
    # When the office returns C's demand
    returned = api.call(
        "POST", f"/demands/{demand_of(api, w, C)}/return", w["admin"], {"reason": "目的不明确"}
    )
    assert returned.status_code == 200 and returned.data["status"] == "returned"
    # Then C's offer is withdrawn with it, and b1 is offered at once to D, the next in line
    assert offers_of(api, w["tokens"][C])[0]["status"] == "withdrawn"
    [to_d] = offers_of(api, w["tokens"][D])
    assert to_d["status"] == "open" and to_d["batch_id"] == w["b1"] and len(offer_sms(D)) == 1
    batch = BatchModel.get(w["b1"])
    assert batch.offer_id == to_d["offer_id"] and w["regions"][C] not in set(batch.passed_regions)
    # C's accept comes too late: refused in Chinese, nothing written
    refused = api.call("POST", f"/offers/{to_c['offer_id']}/accept", w["tokens"][C])
    assert error_of(refused) == (409, "offer_closed") and BatchModel.get(w["b1"]).region_id is None
    # Returning again changes nothing: no second offer to D
    api.call("POST", f"/demands/{demand_of(api, w, C)}/return", w["admin"], {"reason": "目的不明确"})
    assert len(offers_of(api, w["tokens"][D])) == 1 and len(offer_sms(D)) == 1


def test_an_offer_is_not_accepted_once_the_demand_was_served_meanwhile(api: Api, w: dict) -> None:
    # Given b1 given back by A and offered to C, and a third batch, free
    api.call("POST", f"/batches/{w['b1']}/release", w["tokens"][A], {"reason": "人员调整"})
    [to_c] = offers_of(api, w["tokens"][C])
    b3 = another_batch(api, w)
    # When the office gives C the third batch by hand (C asked for 5 places: served)
    by_hand = api.call("PUT", f"/batches/{b3}/region", w["admin"], {"region_id": w["regions"][C]})
    assert by_hand.status_code == 200
    # Then C's accept of b1 is refused in Chinese: C would hold seats it did not ask for
    refused = api.call("POST", f"/offers/{to_c['offer_id']}/accept", w["tokens"][C])
    assert error_of(refused) == (409, "demand_already_served")
    assert "已全部分配" in refused.data["error"]["message"]
    assert BatchModel.get(w["b1"]).region_id is None
    mine = api.call("GET", f"/programmes/{w['pid']}/demands", w["tokens"][C]).data["items"]
    [told] = [t for t in sms_to(C) if "已为您分配" in t]  # b3, by hand; not b1
    assert mine[0]["status"] == "allocated" and "2026-11-09" in told
    # The offer is withdrawn and b1 goes to D, the next in line, at once
    assert offers_of(api, w["tokens"][C])[0]["status"] == "withdrawn"
    [to_d] = offers_of(api, w["tokens"][D])
    assert to_d["batch_id"] == w["b1"] and BatchModel.get(w["b1"]).offer_id == to_d["offer_id"]


def test_the_hourly_job_offers_a_freed_batch_left_offered_to_nobody(
    api: Api, w: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalicelib.services import waiting

    # Given a third batch nobody was ever given (the allocation's to decide, not the waiting list's)
    b3 = another_batch(api, w)
    # And A gives b1 back, the service stopping between the release and the offer
    with monkeypatch.context() as crash:
        crash.setattr(waiting, "offer_next", lambda *args, **kwargs: None)
        r = api.call("POST", f"/batches/{w['b1']}/release", w["tokens"][A], {"reason": "人员调整"})
    assert r.status_code == 200 and BatchModel.get(w["b1"]).offer_id is None
    assert not offers_of(api, w["tokens"][C])
    # When the hourly job runs, b1 is offered to C, the first still short; b3 is left alone
    assert JOBS["offers"](clock.now()) == {"expired": 0, "offered": 0, "recovered": 1}
    [to_c] = offers_of(api, w["tokens"][C])
    assert to_c["batch_id"] == w["b1"] and to_c["status"] == "open" and len(offer_sms(C)) == 1
    assert BatchModel.get(b3).offer_id is None
    # Run again, nothing more: b1 is held for C's offer
    assert JOBS["offers"](clock.now()) == {"expired": 0, "offered": 0, "recovered": 0}
    assert len(offer_sms(C)) == 1 and not offers_of(api, w["tokens"][D])
