"""Figure 4: the DynamoDB calls of a region contact's two demand routes, counted as figure
2's are (bench/calls.py), in-process under moto with bench.routes' set-up.

The world: the admin creates a programme (deadlines after the frozen clock), a base for
primary and junior, four batches, and regions through POST /regions (contact phones
139xxxxxxxx). The first region's contact logs in with the SMS password and changes it
(the `ready_token` flow). Every other region gets its quota and one demand in the
programme through chalicelib.services.demand.submit (the route's own service call, with a
session made here: no login per region), so the programme's quota and demand tables grow
with the regions. Then:

- GET /programmes/{id}/demand-form is counted (a warm request) with 10 regions, then again
  after 90 more regions: the count must not grow with them, and no Scan;
- POST /programmes/{id}/demands is counted for the contact's first demand (its region's
  quota item does not exist yet: the transaction fails on it, the quota is created, and the
  transaction is sent again) and for the second one (steady state)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from bench.calls import Call, Recorder, describe, operations
from bench.routes import ADMIN_PHONE, BASE, PROGRAMME, START, Api, app_under_moto, quiet, ready_token
from bench.table import Row

FEW, MANY = 10, 100
WARMUP = 3
DEMAND = {"study_type": "placement", "purpose": "学习", "items": [{"stage": "primary", "places": 5}]}
BATCHES = [
    ("primary", "2026-09-07", "2026-09-18", "placement"),
    ("primary", "2026-10-12", "2026-10-23", "placement"),
    ("primary", "2026-11-02", "2026-11-13", "exchange"),
    ("junior", "2026-09-14", "2026-09-25", "placement"),
]


def _phone(n: int) -> str:
    return f"139{n:08d}"


@dataclass
class World:
    api: Api
    admin: str
    programme_id: str
    regions: int = 0


def _add_regions(world: World, upto: int) -> None:
    """Regions `world.regions + 1 … upto`; each but the first gets a quota and a demand."""
    from chalicelib.domain.records import Session
    from chalicelib.schemas.demand import DemandIn
    from chalicelib.services import demand

    body = DemandIn.model_validate(DEMAND)
    for n in range(world.regions + 1, upto + 1):
        region = {
            "name": f"实验区{n:03d}",
            "contact": {"name": "李老师", "phone": _phone(n), "email": f"region{n}@example.cn"},
        }
        created = world.api.expect(201, "POST", "/regions", world.admin, region)
        world.regions = n
        if n == 1:
            continue  # the measured contact's region: its first demand is one of the figures
        session = Session(
            token_hash="bench",  # noqa: S106 - not a token: a session record made in-process
            account_id=created["contact"]["account_id"],
            role="region_contact",
            expires_at=START + timedelta(hours=1),
            region_ids=frozenset({created["region_id"]}),
        )
        demand.submit(session, world.programme_id, body)


def _recorded(recorder: Recorder, api: Api, status: int, method: str, path: str, token: str) -> list[Call]:
    with recorder.recording() as calls:
        api.expect(status, method, path, token, DEMAND if method == "POST" else None)
    return calls


def _run(recorder: Recorder) -> tuple[dict[str, list[Call]], str]:
    with app_under_moto() as (api, prefix):
        admin = ready_token(api, ADMIN_PHONE)
        programme_id = api.expect(201, "POST", "/programmes", admin, PROGRAMME)["programme_id"]
        base_id = api.expect(201, "POST", "/bases", admin, BASE)["base_id"]
        for stage, start, end, study_type in BATCHES:
            batch = {
                "base_id": base_id,
                "stage": stage,
                "start_date": start,
                "end_date": end,
                "capacity": 5,
                "study_type": study_type,
            }
            api.expect(201, "POST", f"/programmes/{programme_id}/batches", admin, batch)
        world = World(api, admin, programme_id)
        _add_regions(world, FEW)
        token = ready_token(api, _phone(1))
        form = f"/programmes/{programme_id}/demand-form"
        submit = f"/programmes/{programme_id}/demands"
        for _ in range(WARMUP):
            api.expect(200, "GET", form, token)
        recorded = {"form_few": _recorded(recorder, api, 200, "GET", form, token)}
        recorded["first"] = _recorded(recorder, api, 201, "POST", submit, token)
        recorded["second"] = _recorded(recorder, api, 201, "POST", submit, token)
        _add_regions(world, MANY)
        api.expect(200, "GET", form, token)
        recorded["form_many"] = _recorded(recorder, api, 200, "GET", form, token)
    return recorded, prefix


def measure(recorder: Recorder) -> list[Row]:
    with quiet():
        recorded, prefix = _run(recorder)

    def note(calls: list[Call], extra: str) -> str:
        return f"{describe(calls, prefix)} ({extra})"

    few, many = recorded["form_few"], recorded["form_many"]
    same = [c.operation for c in few] == [c.operation for c in many]
    scans = sum(c.operation == "Scan" for c in few + many)
    verdict = f"{'same' if same else 'NOT the same'} at {FEW} and {MANY} regions, {scans} Scan"
    rows = [
        Row(
            "DynamoDB calls POST /programmes/{id}/demands",
            operations(recorded["second"]),
            "2: GetItem session + TransactWriteItems",
            note(recorded["second"], "the region's second demand: steady state"),
        ),
        Row(
            "DynamoDB calls POST demands, region's first",
            operations(recorded["first"]),
            "-",
            note(recorded["first"], "the region's first demand also creates its quota item"),
        ),
    ]
    for regions, calls in ((FEW, few), (MANY, many)):
        rows.append(
            Row(
                f"DynamoDB calls GET demand-form, {regions} regions",
                operations(calls),
                "no Scan; same count at 10 and 100 regions",
                note(calls, f"a warm request; {verdict}"),
            )
        )
    return rows
