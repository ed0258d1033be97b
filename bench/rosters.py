"""Figure 7: the DynamoDB calls of the roster routes and of the programme's archive,
counted as figure 2's are (bench/calls.py), in-process under moto with bench.routes' set-up.

The world, all through the API as tests/integration/test_rosters.py's fixture `w` builds
it: the admin creates a base (primary and junior) and regions through POST /regions
(contact phones 139xxxxxxxx); each region's contact logs in with the SMS password and
changes it. Then a programme per case, with FEW and with MANY regions in it: every region
submits one primary demand of 5 places per batch it will hold (the admin first raises its
quota with PUT /programmes/{id}/quotas/{region} when that is over the default 35), the
admin creates BATCHES primary batches (capacity 5, two weeks each, Mondays from 7 September)
and allocates them by hand with PUT /batches/{id}/region: the first HELD to region 1, the
rest round robin over the other regions. Then, as region 1's contact (and as the admin):

- POST /batches/{id}/trainees: after filling another of its batches (warm-up), the first
  trainee of the roster (the leader) and the second (a member) are counted;
- POST /batches/{id}/roster/confirm for that roster of ROSTER (one leader), then a second
  confirm: the calls by operation, and the SMS and e-mails moto received meanwhile; and
  the first confirm of a roster of SMALL on a third batch, so the growth per trainee shows;
- GET /programmes/{id}/archive (a warm request) as the admin (all BATCHES batches) and as
  region 1's contact (its HELD), in the FEW- and in the MANY-region programme."""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from bench.calls import Call, Recorder, describe, operations
from bench.routes import ADMIN_PHONE, BASE, PROGRAMME, Api, app_under_moto, quiet, ready_token
from bench.table import Row
from tests.builders import trainee_body

FEW, MANY = 10, 50
BATCHES = 100
HELD = 5  # region 1's batches in each programme
ROSTER = 5
SMALL = 2  # a second roster, to see what each trainee adds to a confirm
WARMUP = 3
DEFAULT_PLACES = 35  # a programme's default quota per region (ProgrammeIn.default_places)
FIRST_MONDAY = date(2026, 9, 7)


def _phone(n: int) -> str:
    return f"139{n:08d}"


def person(n: int, role: str = "member") -> dict[str, Any]:
    """The tests' trainee body (tests/builders.py)."""
    return trainee_body(n, role)


@dataclass
class World:
    api: Api
    admin: str
    base_id: str
    region_ids: dict[int, str] = field(default_factory=dict)
    tokens: dict[int, str] = field(default_factory=dict)

    def add_regions(self, upto: int) -> None:
        for n in range(len(self.region_ids) + 1, upto + 1):
            region = {
                "name": f"实验区{n:03d}",
                "contact": {"name": "李老师", "phone": _phone(n), "email": f"region{n}@example.cn"},
            }
            self.region_ids[n] = self.api.expect(201, "POST", "/regions", self.admin, region)["region_id"]
            self.tokens[n] = ready_token(self.api, _phone(n))

    def programme(self, regions: int) -> tuple[str, list[str]]:
        """A programme whose `regions` first regions hold its BATCHES batches; returns its id
        and region 1's batch ids (in date order)."""
        api, admin = self.api, self.admin
        pid = api.expect(201, "POST", "/programmes", admin, PROGRAMME)["programme_id"]
        holders = [1] * HELD + [2 + i % (regions - 1) for i in range(BATCHES - HELD)]
        for n in range(1, regions + 1):
            places = 5 * holders.count(n)
            if places > DEFAULT_PLACES:
                quota = {"places": places}
                api.expect(200, "PUT", f"/programmes/{pid}/quotas/{self.region_ids[n]}", admin, quota)
            demand = {
                "study_type": "placement",
                "purpose": "学习",
                "items": [{"stage": "primary", "places": places}],
            }
            api.expect(201, "POST", f"/programmes/{pid}/demands", self.tokens[n], demand)
        held = []
        for i, n in enumerate(holders):
            start = FIRST_MONDAY + timedelta(weeks=i % 15)
            batch = {
                "base_id": self.base_id,
                "stage": "primary",
                "start_date": start.isoformat(),
                "end_date": (start + timedelta(days=11)).isoformat(),
                "study_type": "placement",
            }
            bid = api.expect(201, "POST", f"/programmes/{pid}/batches", admin, batch)["batch_id"]
            api.expect(200, "PUT", f"/batches/{bid}/region", admin, {"region_id": self.region_ids[n]})
            if n == 1:
                held.append(bid)
        return pid, held


def _sent() -> int:
    """The SMS and e-mails moto's SNS and SES have received so far."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.ses.models import ses_backends
    from moto.sns.models import sns_backends

    region = os.environ["AWS_REGION"]
    sns = sns_backends[DEFAULT_ACCOUNT_ID][region]
    ses = ses_backends[DEFAULT_ACCOUNT_ID][region]
    return len(sns.sms_messages) + len(ses.sent_messages)


@dataclass
class Recorded:
    calls: list[Call]
    sent: int = 0
    answer: Any = None


def _recorded(
    recorder: Recorder, api: Api, status: int, method: str, path: str, token: str, body: Any = None
) -> Recorded:
    before = _sent()
    with recorder.recording() as calls:
        answer = api.expect(status, method, path, token, body)
    return Recorded(calls, _sent() - before, answer)


def _check(what: str, got: Any, expected: Any) -> None:
    """The set-up went as planned (else the figure would not be what its row says)."""
    if got != expected:
        raise SystemExit(f"bench: {what}: {got!r}, expected {expected!r}")


def _fill(api: Api, token: str, batch_id: str, numbers: range, leader: bool = True) -> None:
    """person(n) for each n, the first as the leader unless `leader` is False."""
    for n in numbers:
        body = person(n, "leader" if leader and n == numbers.start else "member")
        api.expect(201, "POST", f"/batches/{batch_id}/trainees", token, body)


def _archive(recorder: Recorder, api: Api, pid: str, token: str, batches: int) -> Recorded:
    path = f"/programmes/{pid}/archive?limit=100"
    for _ in range(WARMUP):
        api.expect(200, "GET", path, token)
    recorded = _recorded(recorder, api, 200, "GET", path, token)
    _check("archive rows", len(recorded.answer["items"]), min(batches, 100))
    return recorded


def _run(recorder: Recorder) -> tuple[dict[str, Recorded], str]:
    with app_under_moto() as (api, prefix):
        admin = ready_token(api, ADMIN_PHONE)
        base_id = api.expect(201, "POST", "/bases", admin, BASE)["base_id"]
        world = World(api, admin, base_id)
        world.add_regions(FEW)
        contact = world.tokens[1]
        pid, held = world.programme(FEW)
        roster, warm, small = held[:3]
        _fill(api, contact, warm, range(101, 101 + ROSTER))  # warm-up: other phones, another batch
        add = f"/batches/{roster}/trainees"
        out = {
            "leader": _recorded(recorder, api, 201, "POST", add, contact, person(1, "leader")),
            "member": _recorded(recorder, api, 201, "POST", add, contact, person(2)),
        }
        _fill(api, contact, roster, range(3, ROSTER + 1), leader=False)
        _fill(api, contact, small, range(201, 201 + SMALL))
        confirm = f"/batches/{roster}/roster/confirm"
        out["confirm"] = _recorded(recorder, api, 200, "POST", confirm, contact)
        out["again"] = _recorded(recorder, api, 200, "POST", confirm, contact)
        out["small"] = _recorded(recorder, api, 200, "POST", f"/batches/{small}/roster/confirm", contact)
        for key, size, changed in (("confirm", ROSTER, True), ("again", 0, False), ("small", SMALL, True)):
            answer = out[key].answer
            _check(f"{key} confirm", (answer["accounts_provisioned"], answer["changed"]), (size, changed))
        out[f"office {FEW}"] = _archive(recorder, api, pid, admin, BATCHES)
        out[f"region {FEW}"] = _archive(recorder, api, pid, contact, HELD)
        world.add_regions(MANY)
        pid, _ = world.programme(MANY)
        out[f"office {MANY}"] = _archive(recorder, api, pid, admin, BATCHES)
        out[f"region {MANY}"] = _archive(recorder, api, pid, contact, HELD)
    return out, prefix


def _by_operation(calls: list[Call]) -> str:
    counts = Counter(c.operation for c in calls)
    return f"{len(calls)}: " + ", ".join(f"{n} {op}" for op, n in counts.most_common())


def _per_trainee(big: list[Call], small: list[Call]) -> str:
    """What each trainee adds: the difference by operation between the two rosters' confirms."""
    grown = Counter(c.operation for c in big)
    grown.subtract(Counter(c.operation for c in small))
    extra = ROSTER - SMALL
    parts = [f"{n / extra:+g} {op}" for op, n in sorted(grown.items()) if n]
    return f"per trainee ({SMALL} against {ROSTER}): {', '.join(parts) or 'nothing'}"


def measure(recorder: Recorder) -> list[Row]:
    with quiet():
        out, prefix = _run(recorder)

    def note(calls: list[Call], extra: str) -> str:
        return f"{describe(calls, prefix)} ({extra})"

    confirm, again = out["confirm"], out["again"]
    rows = [
        Row(
            "DynamoDB calls POST /batches/{id}/trainees",
            operations(out["member"].calls),
            "2: GetItem session + TransactWriteItems",
            note(
                out["member"].calls,
                "the roster's second trainee, a member: the batch is read for its region (404 unless "
                "the caller's), programme (deadline check), base and dates (one phone-day claim a day)",
            ),
        ),
        Row(
            "DynamoDB calls POST trainees, the leader",
            operations(out["leader"].calls),
            "-",
            note(out["leader"].calls, "the roster's first trainee: the same, plus the batch's leader claim"),
        ),
        Row(
            f"DynamoDB calls POST roster/confirm, {ROSTER} trainees",
            _by_operation(confirm.calls),
            "no per-trainee round trips beyond what transactions and batch writes need",
            note(
                confirm.calls,
                f"{confirm.sent} SMS and e-mails sent; {_per_trainee(confirm.calls, out['small'].calls)}",
            ),
        ),
        Row(
            "DynamoDB calls POST roster/confirm, again",
            _by_operation(again.calls),
            "sends nothing",
            note(again.calls, f"the same roster confirmed a second time; {again.sent} SMS and e-mails sent"),
        ),
    ]
    for who, what in (("office", f"all {BATCHES} batches"), ("region", f"{HELD} of {BATCHES} batches")):
        few, many = out[f"{who} {FEW}"].calls, out[f"{who} {MANY}"].calls
        same = [c.operation for c in few] == [c.operation for c in many]
        verdict = f"{'same' if same else 'NOT the same'} count at {FEW} and {MANY} regions"
        for regions, calls in ((FEW, few), (MANY, many)):
            rows.append(
                Row(
                    f"DynamoDB calls GET archive, {who}, {regions} regions",
                    operations(calls),
                    f"same count at {FEW} and {MANY} regions",
                    note(calls, f"{what}; a warm request; {verdict}"),
                )
            )
    return rows
