"""The office's numbers (issue 13 part 6): the quota ledger per region, supply against demand per
stage, the programme's funnel, and the three as an .xlsx export."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
import requests

from chalicelib.adapters import clock
from tests.integration.conftest import (
    PROGRAMME,
    STRONG,
    Api,
    base_body,
    error_of,
    password_from_sms,
    region_body,
)

pytestmark = pytest.mark.integration

A, B, T1, T2 = "13900000001", "13900000002", "13600000001", "13600000002"


@pytest.fixture
def w(api: Api, admin: str) -> dict:
    """Last year's programme rewarded region A (+10 in this one); this one has two primary
    batches (10 and 5 seats) and a junior one (5); A asks for 12 primary places, B for 5
    primary and 5 junior; the office approves both and allocates."""
    last = api.call("POST", "/programmes", admin, {**PROGRAMME, "name": "上一学年"}).data["programme_id"]
    pid = api.call("POST", "/programmes", admin, PROGRAMME).data["programme_id"]
    base = api.call("POST", "/bases", admin, base_body("13700000001", ["primary", "junior"])).data["base_id"]
    ra = api.call("POST", "/regions", admin, region_body(A, "广州南沙实验区")).data["region_id"]
    rb = api.call("POST", "/regions", admin, region_body(B, "宜川县")).data["region_id"]
    reward = {"region_ids": [ra], "next_programme_id": pid}
    assert api.call("POST", f"/programmes/{last}/rewards", admin, reward).status_code == 201
    batches = {}
    for name, stage, capacity, start in (
        ("p10", "primary", 10, "2026-09-07"),
        ("p5", "primary", 5, "2026-10-12"),
        ("j5", "junior", 5, "2026-09-14"),
    ):
        end = start[:8] + str(int(start[8:]) + 11)
        body = {"base_id": base, "stage": stage, "start_date": start, "end_date": end, "capacity": capacity}
        batches[name] = api.call(
            "POST", f"/programmes/{pid}/batches", admin, {**body, "study_type": "placement"}
        ).data["batch_id"]
    tokens = {A: api.ready_token(A), B: api.ready_token(B)}
    asks = {A: [("primary", 12)], B: [("primary", 5), ("junior", 5)]}
    for phone, items in asks.items():
        demand = {
            "study_type": "placement",
            "purpose": "学习",
            "items": [{"stage": s, "places": n} for s, n in items],
        }
        demand_id = api.call("POST", f"/programmes/{pid}/demands", tokens[phone], demand).data["demand_id"]
        api.call("POST", f"/demands/{demand_id}/approve", admin)
        clock.advance(timedelta(seconds=1))
    assert (
        len(api.call("POST", f"/programmes/{pid}/allocation", admin, {"commit": True}).data["assignments"])
        == 3
    )
    return {"pid": pid, "ra": ra, "rb": rb, "a": tokens[A], "b": tokens[B], "batches": batches}


def test_the_ledger_per_region(api: Api, admin: str, w: dict) -> None:
    rows = {r["region_id"]: r for r in api.call("GET", f"/programmes/{w['pid']}/ledger", admin).data["items"]}
    a, b = rows[w["ra"]], rows[w["rb"]]
    # A: 35 + 10 reward, asked 12, got 10 + 5 seats (least excess), 33 left to ask for
    assert (a["base_places"], a["reward_places"], a["asked"], a["allocated_seats"]) == (35, 10, 12, 15)
    assert (a["allocated_batches"], a["seated"], a["remaining"], a["academic_year"]) == (
        2,
        0,
        33,
        "2019-2020",
    )
    # B: asked 10, got the junior batch only (A asked first for primary)
    assert (b["base_places"], b["reward_places"], b["asked"], b["allocated_seats"], b["remaining"]) == (
        35,
        0,
        10,
        5,
        25,
    )
    # Seated follows the rosters
    person = {"name": "张老师", "gender": "female", "phone": T1, "unit": "一小", "team_role": "leader"}
    api.call("POST", f"/batches/{w['batches']['p10']}/trainees", w["a"], person)
    mine = api.call("GET", f"/programmes/{w['pid']}/ledger", w["a"]).data["items"]
    assert [(r["region_id"], r["seated"]) for r in mine] == [(w["ra"], 1)]
    r = api.call("GET", f"/programmes/{w['pid']}/ledger?region_id={w['rb']}", w["a"])
    assert error_of(r) == (404, "region_not_found")


def test_supply_against_demand_per_stage(api: Api, admin: str, w: dict) -> None:
    rows = {r["stage"]: r for r in api.call("GET", f"/programmes/{w['pid']}/supply", admin).data["items"]}
    assert rows["primary"] == {
        "stage": "primary",
        "batches": 2,
        "seats": 15,
        "asked": 17,
        "allocated_batches": 2,
        "allocated_seats": 15,
    }
    assert (rows["junior"]["seats"], rows["junior"]["asked"], rows["junior"]["allocated_seats"]) == (5, 5, 5)
    assert set(rows) == {"primary", "junior"}
    assert error_of(api.call("GET", f"/programmes/{w['pid']}/supply", w["a"])) == (403, "forbidden")


def steps(api: Api, token: str, path: str) -> dict[str, int]:
    r = api.call("GET", path, token)
    assert r.status_code == 200, r.data
    return {s["step"]: s["count"] for s in r.data["steps"]}


def test_the_funnel_from_allocated_to_sharing_reports(api: Api, admin: str, w: dict) -> None:
    pid, batch = w["pid"], w["batches"]["p10"]
    for name, phone, role in (("张团长", T1, "leader"), ("李明", T2, "member")):
        person = {"name": name, "gender": "female", "phone": phone, "unit": "一小", "team_role": role}
        api.call("POST", f"/batches/{batch}/trainees", w["a"], person)
    api.call("POST", f"/batches/{batch}/roster/confirm", w["a"])
    # 张团长 registers, then on the batch's first day checks in and writes a reflection
    api.call("POST", f"/batches/{batch}/registration", api.ready_token(T1, "Trainee-Secret-1"))
    assert password_from_sms(T2)
    clock.set_now(datetime(2026, 9, 7, 2, 0, tzinfo=UTC))
    t1 = api.login(T1, "Trainee-Secret-1").data["token"]
    assert api.call("POST", f"/batches/{batch}/checkins", t1).status_code == 200
    piece = {
        "batch_id": batch,
        "kind": "reflection",
        "title": "第一天",
        "body": "<p>收获很大</p>",
        "image_ids": [],
    }
    assert api.call("POST", "/artifacts", t1, piece).status_code == 201
    admin = api.login("13800000000", STRONG).data["token"]
    counts = steps(api, admin, f"/programmes/{pid}/funnel")
    assert counts == {
        "allocated": 20,
        "named": 2,
        "confirmed": 2,
        "registered": 1,
        "checked_in": 1,
        "reflections": 1,
        "outcomes": 0,
        "sharing_reports": 0,
    }
    # A region's contact sees its own; B's holds one junior batch, nobody named yet
    a = api.login(A, STRONG).data["token"]
    assert steps(api, a, f"/programmes/{pid}/funnel") == {**counts, "allocated": 15}
    b = api.login(B, STRONG).data["token"]
    assert steps(api, b, f"/programmes/{pid}/funnel") == dict.fromkeys(counts, 0) | {"allocated": 5}
    assert steps(api, admin, f"/programmes/{pid}/funnel?region_id={w['rb']}")["allocated"] == 5
    r = api.call("GET", f"/programmes/{pid}/funnel?region_id={w['ra']}", b)
    assert error_of(r) == (404, "region_not_found")


def test_the_numbers_as_a_workbook(api: Api, admin: str, w: dict) -> None:
    from openpyxl import load_workbook

    started = api.call("POST", f"/programmes/{w['pid']}/exports", admin, {"kind": "numbers"})
    assert started.status_code == 202 and started.data["status"] == "ready"
    url = api.call("GET", f"/exports/{started.data['export_id']}", admin).data["url"]
    book = load_workbook(io.BytesIO(requests.get(url, timeout=30).content))
    assert book.sheetnames == ["名额台账", "供需", "项目漏斗"]
    ledger = list(book["名额台账"].values)
    assert ledger[0][:5] == ("实验区", "学年", "基础名额", "奖励名额", "已申请")
    assert ("广州南沙实验区", "2019-2020", 35, 10, 12, 2, 15, 0, 33) in ledger
    assert ("小学", 2, 15, 17, 2, 15) in list(book["供需"].values)
    assert ("已分配名额", 20) in list(book["项目漏斗"].values)
    refused = api.call("POST", f"/programmes/{w['pid']}/exports", w["a"], {"kind": "numbers"})
    assert error_of(refused) == (403, "forbidden")
