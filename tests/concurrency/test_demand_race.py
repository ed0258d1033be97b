"""200 demands at once from 20 regions never pass a region's quota (issue: concurrency tier).

Each round: a fresh programme, 20 regions (half with a quota set beforehand, half whose first
demand creates it from the programme's default), 10 threads per region asking 5, 10 or 15
places (95 a region against a quota of 25 to 40), all 200 released at one instant. The
service's transaction lowers `remaining` under the condition remaining >= n; the control
below reads, checks in Python, then writes, and the same checks catch it."""

from __future__ import annotations

import os
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from pynamodb.exceptions import DoesNotExist

from chalicelib.adapters import clock
from chalicelib.adapters.secrets import new_id
from chalicelib.db import catalog
from chalicelib.db import demands as demands_repo
from chalicelib.db.common import key_time
from chalicelib.db.models import DemandItemMap, DemandModel, QuotaModel
from chalicelib.domain.demand import stage_tally_key
from chalicelib.domain.errors import ConflictError
from chalicelib.domain.records import Demand, DemandLine, Programme, Session
from chalicelib.domain.vocab import Stage, StudyType
from chalicelib.schemas.demand import DemandIn
from chalicelib.services import demand as demand_service
from tests.concurrency.race import Outcome, race, warm_clients

pytestmark = pytest.mark.concurrency

ROUNDS = int(os.environ.get("YANXIU_DEMAND_RACE_ROUNDS", "8"))
CONTROL_ROUNDS = 5
FIRST_DEMAND_ROUNDS = 3
REGIONS = 20
PER_REGION = 10
DEFAULT_PLACES = 35
# Quotas set beforehand, by region: below, at and above the default.
SET_PLACES = (25, 35, 40)
# What each of a region's ten threads asks: 95 places in all, well over any quota.
ASKS = (5, 10, 15, 5, 10, 15, 5, 10, 15, 5)

Submit = Callable[[Session, str, DemandIn], Demand]


def body_for(places: int) -> DemandIn:
    """One or two lines, so the stage tallies of the same transaction are checked too."""
    if places == 10:
        items = [{"stage": Stage.junior, "places": 4}, {"stage": Stage.senior, "places": 6}]
    else:
        items = [{"stage": Stage.primary if places == 5 else Stage.kindergarten, "places": places}]
    return DemandIn.model_validate({"study_type": StudyType.placement, "purpose": "跟岗研修", "items": items})


def new_programme() -> str:
    now = clock.now()
    programme_id = f"p-demand-race-{new_id()}"
    catalog.put_programme(
        Programme(
            programme_id=programme_id,
            name="并发需求测试",
            kind="base_training",
            academic_year="2025-2026",
            demand_deadline=now + timedelta(days=30),
            roster_deadline=now + timedelta(days=60),
            registration_deadline=now + timedelta(days=90),
            outcome_window_days=30,
            default_places=DEFAULT_PLACES,
            created_at=now,
        )
    )
    return programme_id


def session_for(region_id: str) -> Session:
    return Session(
        token_hash=f"t-{region_id}",
        account_id=f"a-{region_id}",
        role="region_contact",
        expires_at=clock.now() + timedelta(hours=1),
        region_ids=frozenset({region_id}),
    )


@dataclass
class Round:
    """One round's set-up and what every thread got."""

    programme_id: str
    quotas: dict[str, int]  # region -> places it may ask for
    preset: set[str]  # regions whose quota was created before the race, not from the default
    callers: list[tuple[str, int]]  # thread -> (region, places asked)
    outcomes: list[Outcome] = field(default_factory=list)


class InFlight:
    """Wraps the repository's submit (the transaction) and keeps, per region, the most calls
    in flight at once: proof that a region's demands were decided while a sibling's
    transaction was under way, not one after another."""

    def __init__(self, wrapped: Callable[..., Demand]) -> None:
        self._wrapped = wrapped
        self._lock = threading.Lock()
        self._now: Counter[str] = Counter()
        self.peak: Counter[str] = Counter()

    def __call__(self, demand: Demand, *args: object, **kwargs: object) -> Demand:
        with self._lock:
            self._now[demand.region_id] += 1
            self.peak[demand.region_id] = max(self.peak[demand.region_id], self._now[demand.region_id])
        try:
            return self._wrapped(demand, *args, **kwargs)
        finally:
            with self._lock:
                self._now[demand.region_id] -= 1

    def take_peaks(self) -> Counter[str]:
        with self._lock:
            peaks, self.peak = self.peak, Counter()
        return peaks


@pytest.fixture
def in_flight(monkeypatch: pytest.MonkeyPatch) -> Iterator[InFlight]:
    # services.demand calls demands.submit through the module, so patching it there is enough.
    tracker = InFlight(demands_repo.submit)
    monkeypatch.setattr(demands_repo, "submit", tracker)
    yield tracker


def run_round(submit: Submit, round_no: int, asks: tuple[int, ...] = ASKS, preset_some: bool = True) -> Round:
    programme_id = new_programme()
    regions = [f"r{i:02d}" for i in range(REGIONS)]
    quotas, preset = {}, set()
    for i, region_id in enumerate(regions):
        # Every other region (shifting each round) gets its quota beforehand; the others'
        # first demand creates it from the default, racing its nine siblings to do so.
        if preset_some and (i + round_no) % 2 == 0:
            places = SET_PLACES[(i // 2) % len(SET_PLACES)]
            demands_repo.create_quota(programme_id, region_id, places, clock.now())
            preset.add(region_id)
        else:
            places = DEFAULT_PLACES
        quotas[region_id] = places
    # Interleaved (r00, r01, ... r19, r00, ...) so a region's threads are not started together.
    callers = [(region_id, asks[k]) for k in range(PER_REGION) for region_id in regions]
    sessions = {region_id: session_for(region_id) for region_id in regions}
    bodies = {n: body_for(n) for n in set(asks)}
    result = Round(programme_id, quotas, preset, callers)
    warm_clients()  # else the first round's 200 threads each build a botocore client first
    result.outcomes = race(
        len(callers),
        lambda i: submit(sessions[callers[i][0]], programme_id, bodies[callers[i][1]]),
    )
    return result


def quota_exceeded(outcome: Outcome) -> bool:
    return isinstance(outcome.error, ConflictError) and outcome.error.code == "quota_exceeded"


def violations(r: Round) -> tuple[list[str], int]:
    """Every way the round broke the quota rule, and how many demands were refused."""
    found: list[str] = []
    accepted: dict[str, list[Demand]] = defaultdict(list)
    refused = 0
    for (region_id, asked), outcome in zip(r.callers, r.outcomes, strict=True):
        if outcome.error is None:
            got = outcome.value
            if not isinstance(got, Demand) or got.region_id != region_id or got.places != asked:
                found.append(f"{region_id}: a thread asking {asked} got {got!r}")
            else:
                accepted[region_id].append(got)
        elif quota_exceeded(outcome):
            refused += 1
        else:
            found.append(f"{region_id}: a thread asking {asked} raised {outcome.describe()}")
    stored: dict[str, list[DemandModel]] = defaultdict(list)
    for m in DemandModel.query(r.programme_id, consistent_read=True):
        stored[m.region_id].append(m)
    stage_requested: Counter[str] = Counter()
    for region_id, places in r.quotas.items():
        ok = accepted[region_id]
        granted = sum(d.places for d in ok)
        if granted > places:
            found.append(f"{region_id}: {granted} places accepted, quota {places}")
        try:
            q = QuotaModel.get(r.programme_id, region_id, consistent_read=True)
            tally = tuple(None if v is None else int(v) for v in (q.places, q.requested, q.remaining))
        except DoesNotExist:
            tally = None
        if tally != (places, granted, places - granted):
            how = "set beforehand" if region_id in r.preset else "from the default"
            found.append(
                f"{region_id}: tally (places, requested, remaining) {tally} ({how}), accepted {granted}"
            )
        kept = stored[region_id]
        if sorted(m.demand_id for m in kept) != sorted(d.demand_id for d in ok):
            found.append(f"{region_id}: {len(kept)} demands stored, {len(ok)} accepted")
        if sum(int(m.places) for m in kept) != granted:
            found.append(
                f"{region_id}: stored demands hold {sum(int(m.places) for m in kept)}, accepted {granted}"
            )
        for d in ok:
            for line in d.items:
                stage_requested[line.stage] += line.places
    for stage in Stage:
        try:
            requested = int(
                QuotaModel.get(r.programme_id, stage_tally_key(stage), consistent_read=True).requested or 0
            )
        except DoesNotExist:
            requested = 0
        if requested != stage_requested[stage]:
            found.append(f"stage {stage}: tally {requested}, accepted lines {stage_requested[stage]}")
    return found, refused


def test_concurrent_demands_never_pass_a_region_quota(in_flight: InFlight) -> None:
    started = time.monotonic()
    refused_in_all = 0
    for round_no in range(ROUNDS):
        # Given a programme, 20 regions and their quotas (set, or left to the default)
        # When 10 demands per region, 200 in all, are submitted at one instant
        r = run_round(demand_service.submit, round_no)
        # Then every thread got its demand or quota_exceeded, and no region passed its quota:
        # the accepted places, the stored tally and the stored demands agree, region by region
        found, refused = violations(r)
        assert not found, f"round {round_no}: {found[:10]}"
        # And the quotas were contended: 95 places asked against at most 40, so every region
        # refused someone, and every region had two or more transactions in flight at once
        assert refused >= REGIONS, f"round {round_no}: only {refused} demands refused"
        peaks = in_flight.take_peaks()
        serial = sorted(region_id for region_id in r.quotas if peaks[region_id] < 2)
        assert not serial, f"round {round_no}: regions whose demands never overlapped: {serial}"
        refused_in_all += refused
    elapsed = time.monotonic() - started
    print(f"{ROUNDS} rounds of {REGIONS * PER_REGION} demands in {elapsed:.1f} s, {refused_in_all} refused")


def test_first_demands_at_once_are_not_refused_while_places_remain() -> None:
    for round_no in range(FIRST_DEMAND_ROUNDS):
        # Given 20 regions with no quota yet: each one's first demand creates it (35 places)
        # When 10 demands of one place each per region are submitted at one instant
        r = run_round(demand_service.submit, round_no, asks=(1,) * PER_REGION, preset_some=False)
        # Then all are accepted, as 10 places fit in 35, and the tallies agree
        found, refused = violations(r)
        assert not found, f"round {round_no}: {found[:10]}"
        assert refused == 0, f"round {round_no}: {refused} one-place demands refused with places left"


# --- the control: the bug the transaction avoids ----------------------------------------


def racy_submit(session: Session, programme_id: str, body: DemandIn) -> Demand:
    """Read the tally, check it in Python, then write it and the demand unconditionally:
    two threads can both see room for their places and both be accepted."""
    (region_id,) = session.region_ids
    lines = tuple(DemandLine(i.stage.value, i.places) for i in body.items)
    n = sum(line.places for line in lines)
    now = clock.now()
    try:
        q = QuotaModel.get(programme_id, region_id, consistent_read=True)
        places, requested, remaining = int(q.places), int(q.requested), int(q.remaining)
    except DoesNotExist:  # the region's first demand: its tally starts at the default
        places, requested, remaining = DEFAULT_PLACES, 0, DEFAULT_PLACES
    if remaining < n:
        raise ConflictError("quota_exceeded")
    time.sleep(0.005)  # widen the gap between the read and the write, as a slow request would
    QuotaModel(
        programme_id,
        region_id,
        places=places,
        requested=requested + n,
        remaining=remaining - n,
        updated_at=now,
    ).save()
    for line in lines:
        QuotaModel(programme_id, stage_tally_key(line.stage)).update(
            actions=[QuotaModel.requested.add(line.places), QuotaModel.remaining.add(-line.places)]
        )
    demand = Demand(new_id(), programme_id, region_id, body.study_type.value, body.purpose, lines, n, now)
    DemandModel(
        programme_id,
        f"{key_time(now)}#{demand.demand_id}",
        demand_id=demand.demand_id,
        region_id=region_id,
        region_key=f"{programme_id}#{region_id}",
        study_type=demand.study_type,
        purpose=demand.purpose,
        items=[DemandItemMap(stage=line.stage, places=line.places) for line in lines],
        places=n,
        submitted_at=now,
        submitted_by=session.account_id,
    ).save()
    return demand


def test_race_harness_catches_read_then_write_quota() -> None:
    # Given the harness of the test above and a deliberately racy submit
    over_quota: list[str] = []
    for round_no in range(CONTROL_ROUNDS):
        # When it runs the same 200 demands at once
        found, _ = violations(run_round(racy_submit, round_no))
        over_quota = [v for v in found if "places accepted, quota" in v]
        if over_quota:
            break
    # Then some region is accepted more places than its quota: the harness sees the bug
    assert over_quota, f"no region passed its quota in {CONTROL_ROUNDS} racy rounds"
