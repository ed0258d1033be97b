"""国培 enrolment under concurrency, on DynamoDB Local (issue 11: the quota held atomically).

1. 360 people enrolled at one instant into a county of 340 places: exactly 340 are enrolled
   and 20 refused with quota_exceeded; the county's tally, the stored people and their ID
   claims agree. The control runs the same race through a read-then-write add, and the same
   read-back catches it passing the quota.
2. The last places, raced by whole files (each a reservation then chunked writes), single
   additions and workshop hosts (extra to the places) at once: the places end exactly used,
   a file is enrolled whole or not at all, every host is enrolled.
3. One ID number enrolled into two counties at once: one county has it, the other is refused.
4. A county confirmed while people are still being added: afterwards everyone on the list
   has an account, and every addition after the close was refused with enrolment_closed.

The clock is fixed in 2035 (before the programme's enrolment deadline, after every other
test's programme: the reminder tests of this session run in 2040, when nothing here is due)."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from functools import partial
from typing import Any

import pytest

from chalicelib.adapters import clock, crypto
from chalicelib.adapters.secrets import new_id
from chalicelib.db import catalog, demands
from chalicelib.db import enrolments as repo
from chalicelib.db.models import ClaimModel, EnrolmentModel, QuotaModel
from chalicelib.domain.errors import ConflictError
from chalicelib.domain.records import Enrolment, Programme, Quota, Region, Session
from chalicelib.services import enrolment as service
from chalicelib.services import enrolment_confirmation, enrolment_files
from tests.concurrency.race import Outcome, SmsRecorder, next_phone, race, warm_clients
from tests.guopei_people import as_body, id_number, person

pytestmark = pytest.mark.concurrency

NOW = datetime(2035, 7, 2, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
PLACES = 340
_people = iter(range(1, 100_000))


@pytest.fixture(autouse=True)
def fixed_clock() -> Iterator[None]:
    clock.set_now(NOW)
    yield
    clock.set_now(None)


@pytest.fixture
def sms(monkeypatch: pytest.MonkeyPatch) -> SmsRecorder:
    recorder = SmsRecorder()
    monkeypatch.setattr("chalicelib.adapters.messaging.send_sms", recorder)
    return recorder


def new_programme() -> Programme:
    programme = Programme(
        programme_id=f"p-guopei-race-{new_id()}",
        name="国培并发测试",
        kind="guopei",
        academic_year="2035-2036",
        demand_deadline=NOW,
        roster_deadline=NOW,
        registration_deadline=NOW,
        outcome_window_days=90,
        default_places=0,
        created_at=NOW,
        enrolment_deadline=NOW + timedelta(days=100),
        start_date=date(2035, 11, 2),
        end_date=date(2036, 1, 15),
    )
    catalog.put_programme(programme)
    return programme


def new_county(programme: Programme, places: int, name: str = "绥德县") -> tuple[Region, Session]:
    region = Region(f"r-{new_id()}", name, f"a-{new_id()}", NOW)
    catalog.region_item(region).save()
    demands.set_quota(Quota(programme.programme_id, region.region_id, places), NOW)
    session = Session(
        token_hash=f"t-{region.region_id}",
        account_id=region.contact_account_id,
        role="region_contact",
        expires_at=NOW + timedelta(hours=1),
        region_ids=frozenset({region.region_id}),
    )
    return region, session


def fresh(county: str = "绥德县", **overrides: Any) -> dict[str, Any]:
    """A new person's body: an ID and a phone no other test of the session has used."""
    n = next(_people)
    cells = person("绥德县", n, county=county, phone=next_phone(), **overrides)
    cells["id_number"] = id_number("612726", n, date(1980, 1, 1) + timedelta(days=n))
    return as_body(cells)


def warm() -> None:
    """KMS's data key and the HMAC key are fetched once per container: fetch them before the
    race, as a warm Lambda has them."""
    warm_clients()
    crypto.keyed_digest("id_number", "warm")
    crypto.seal("warm", "id_number")


def refused(outcome: Outcome, code: str) -> bool:
    return isinstance(outcome.error, ConflictError) and outcome.error.code == code


def stored(programme: Programme, region: Region) -> list[EnrolmentModel]:
    return [
        m
        for m in EnrolmentModel.scan(
            EnrolmentModel.programme_id == programme.programme_id, consistent_read=True
        )
        if m.region_id == region.region_id
    ]


def claims(programme: Programme) -> list[ClaimModel]:
    prefix = f"person#{programme.programme_id}#"
    return list(ClaimModel.scan(ClaimModel.claim_key.startswith(prefix), consistent_read=True))


def tally(programme: Programme, region: Region) -> tuple[int, int, int, int]:
    m = QuotaModel.get(programme.programme_id, region.region_id, consistent_read=True)
    return int(m.requested or 0), int(m.remaining or 0), int(m.listed or 0), int(m.listed_trainees or 0)


def agree(programme: Programme, region: Region, places: int) -> list[str]:
    """Every way the stored county breaks its quota or its own tally."""
    found = []
    people = stored(programme, region)
    trainees = sum(1 for m in people if m.role == "trainee")
    requested, remaining, listed, listed_trainees = tally(programme, region)
    if trainees > places:
        found.append(f"{trainees} trainees stored, {places} places")
    if (requested, remaining, listed, listed_trainees) != (
        trainees,
        places - trainees,
        len(people),
        trainees,
    ):
        found.append(
            f"tally {(requested, remaining, listed, listed_trainees)}, stored {trainees} of {len(people)}"
        )
    owners = {c.owner for c in claims(programme)}
    if not {m.enrolment_id for m in people} <= owners:
        found.append("a stored person without the claim of its ID number")
    return found


# --- 1. 340 places, 360 at once ---------------------------------------------------------------


def racy_add(session: Session, programme_id: str, body: dict[str, Any]) -> Enrolment:
    """The bug the transaction avoids: read the tally, check in Python, write unconditionally."""
    programme = service.programme_of(programme_id)
    region = service.region_named(next(iter(session.region_ids)))
    person_ = service._checked({**body, "county": region.name}, region, programme)
    now = clock.now()
    e = service.new_enrolment(programme, region.region_id, person_, now)
    q = QuotaModel.get(programme_id, region.region_id, consistent_read=True)
    if int(q.remaining) < 1:
        raise ConflictError("quota_exceeded")
    time.sleep(0.005)  # a slow request widens the gap between the read and the write
    q.requested, q.remaining = int(q.requested) + 1, int(q.remaining) - 1
    q.listed, q.listed_trainees = int(q.listed or 0) + 1, int(q.listed_trainees or 0) + 1
    q.save()
    repo.item_of(e).save()
    ClaimModel(repo.person_claim(programme_id, e.id_digest), owner=e.enrolment_id).save()
    return e


def race_into_340(
    add: Callable[[Session, str, dict[str, Any]], Any],
) -> tuple[Programme, Region, list[Outcome]]:
    programme = new_programme()
    region, session = new_county(programme, PLACES)
    bodies = [fresh() for _ in range(PLACES + 20)]
    warm()
    outcomes = race(len(bodies), lambda i: add(session, programme.programme_id, bodies[i]))
    return programme, region, outcomes


def test_340_concurrent_enrolments_into_340_places_leave_exactly_340() -> None:
    # Given a county of 340 places, when 360 people are enrolled at one instant
    programme, region, outcomes = race_into_340(service.add)
    # Then 340 are enrolled and 20 refused with quota_exceeded, nothing else
    kinds = Counter(
        "ok" if o.error is None else o.describe() if not refused(o, "quota_exceeded") else "full"
        for o in outcomes
    )
    assert kinds == {"ok": PLACES, "full": 20}, kinds
    # And the tally, the stored people and their claims agree
    assert not agree(programme, region, PLACES)
    assert tally(programme, region) == (PLACES, 0, PLACES, PLACES)


def test_the_race_harness_catches_a_read_then_write_quota() -> None:
    # Given the same race through a read-then-write add, then the same read-back sees the bug
    for _ in range(3):
        programme, region, _ = race_into_340(racy_add)
        if any("trainees stored" in v or "tally" in v for v in agree(programme, region, PLACES)):
            return
    pytest.fail("a read-then-write add never passed the quota in 3 races of 360")


# --- 2. the last places, by files, single additions and hosts ------------------------------------


def test_files_single_additions_and_hosts_racing_into_the_last_places() -> None:
    # Given a county of 340 places with 320 enrolled by one file
    programme = new_programme()
    region, session = new_county(programme, PLACES)
    warm()
    first = [
        service.new_enrolment(
            programme,
            region.region_id,
            service._checked({**fresh(), "county": "绥德县"}, region, programme),
            NOW,
            row=n,
        )
        for n in range(320)
    ]
    written, _ = enrolment_files.write_all(programme, region, first, NOW)
    assert len(written) == 320
    # When at one instant: six files of 8 trainees each, 20 single trainees, 10 hosts
    files = [
        [
            service.new_enrolment(
                programme,
                region.region_id,
                service._checked({**fresh(), "county": "绥德县"}, region, programme),
                NOW,
                row=r,
            )
            for r in range(4, 12)
        ]
        for _ in range(6)
    ]
    singles = [fresh() for _ in range(20)]
    hosts = [fresh(role="工作坊主持人") for _ in range(10)]
    calls: list[Callable[[], Any]] = [
        partial(enrolment_files.write_all, programme, region, f, NOW) for f in files
    ]
    calls += [partial(service.add, session, programme.programme_id, b) for b in [*singles, *hosts]]
    outcomes = race(len(calls), lambda i: calls[i]())
    # Then each file went in whole or was refused whole, every host is in, and the 20 places
    # left are used exactly
    file_outcomes, single_outcomes, host_outcomes = outcomes[:6], outcomes[6:26], outcomes[26:]
    whole = 0
    for o in file_outcomes:
        if o.error is None:
            got, lost = o.value
            assert len(got) == 8 and not lost
            whole += 1
        else:
            assert refused(o, "quota_exceeded"), o.describe()
    singles_in = sum(1 for o in single_outcomes if o.error is None)
    assert all(o.error is None or refused(o, "quota_exceeded") for o in single_outcomes)
    assert all(o.error is None for o in host_outcomes), [o.describe() for o in host_outcomes if o.error]
    assert 320 + 8 * whole + singles_in == PLACES, (whole, singles_in)
    assert not agree(programme, region, PLACES)
    assert tally(programme, region)[:2] == (PLACES, 0)


# --- 3. one ID number, two counties at once -----------------------------------------------------


def test_one_id_number_raced_into_two_counties_is_enrolled_once() -> None:
    programme = new_programme()
    a, session_a = new_county(programme, 50, "绥德县")
    b, session_b = new_county(programme, 50, "宜川县")
    warm()
    rounds = []
    for _ in range(5):
        body = fresh()
        twin = {**body, "county": "宜川县", "phone": next_phone()}
        calls = [(session_a, body) if i % 2 == 0 else (session_b, twin) for i in range(20)]
        rounds.append(
            race(20, lambda i, calls=calls: service.add(calls[i][0], programme.programme_id, calls[i][1]))
        )
    for outcomes in rounds:
        assert sum(1 for o in outcomes if o.error is None) == 1
        assert all(o.error is None or refused(o, "duplicate_person") for o in outcomes)
    assert len(claims(programme)) == 5
    assert not agree(programme, a, 50) and not agree(programme, b, 50)


# --- 4. a county confirmed while people are added ---------------------------------------------------


def test_a_list_confirmed_while_people_are_added_leaves_nobody_without_an_account(sms: SmsRecorder) -> None:
    programme = new_programme()
    region, session = new_county(programme, PLACES)
    warm()
    for _ in range(5):
        service.add(session, programme.programme_id, fresh())
    bodies = [fresh() for _ in range(30)]
    calls: list[Callable[[], Any]] = [
        partial(service.add, session, programme.programme_id, b) for b in bodies
    ]
    calls.insert(15, partial(enrolment_confirmation.confirm, session, programme.programme_id))
    outcomes = race(len(calls), lambda i: calls[i]())
    confirmed = outcomes[15]
    assert confirmed.error is None, confirmed.describe()
    adds = outcomes[:15] + outcomes[16:]
    assert all(o.error is None or refused(o, "enrolment_closed") for o in adds), [
        o.describe() for o in adds if o.error
    ]
    # The request sent the first credentials; the outbox's drain sends the rest (services/enrolment)
    from chalicelib.services import notify

    notify.drain(NOW + timedelta(minutes=5))
    # Then everyone on the list has an account and got one credentials SMS; nobody else is on it
    people = stored(programme, region)
    assert len(people) == 5 + sum(1 for o in adds if o.error is None)
    assert all(m.account_id for m in people)
    for m in people:
        assert len([t for t in sms.to(m.phone) if "初始密码" in t]) == 1
    assert not agree(programme, region, PLACES)
