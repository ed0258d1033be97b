"""Rosters and reminders under concurrency (issue: concurrency tier), on DynamoDB Local.

1. 1,000 additions at once to one batch of capacity 5: exactly 5 are added and 995 refused
   with batch_full; the stored count, the stored trainees and their phone-day claims agree.
   The control runs the same race through a read-then-write add, and the same read-back
   catches it passing the capacity.
2. A roster confirmed from several threads at once: one credentials SMS per trainee, one
   account per phone, the base's and the leader's messages once.
3. Overlapping runs of the daily reminder job: each region contact reminded once.

The clock is fixed for every test here: rosters at 10:00 in Shanghai on a day in 2030
(outside quiet hours, before every deadline), reminders at 09:00 on days in 2040, years
after any other test's programme, so no other programme's deadline is due."""

from __future__ import annotations

import os
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from typing import Any

import pytest
from pynamodb.exceptions import DoesNotExist

from chalicelib.adapters import clock
from chalicelib.adapters.secrets import new_id
from chalicelib.db import catalog
from chalicelib.db import confirmation as confirmation_repo
from chalicelib.db import demands as demands_repo
from chalicelib.db import reminders as reminders_repo
from chalicelib.db import rosters as rosters_repo
from chalicelib.db.models import (
    BatchModel,
    ClaimModel,
    CredentialModel,
    NotificationModel,
    TraineeModel,
)
from chalicelib.domain import reminders as reminder_rules
from chalicelib.domain.deadlines import SHANGHAI, days, local_day
from chalicelib.domain.errors import ConflictError, NotFoundError
from chalicelib.domain.records import Account, Base, Batch, Programme, Region, Session, Trainee
from chalicelib.domain.rosters import LEADER, phone_day_claim
from chalicelib.domain.vocab import Role
from chalicelib.services import confirmation as confirmation_service
from chalicelib.services import reminders as reminder_service
from chalicelib.services import rosters as roster_service
from chalicelib.services import setup
from tests.builders import trainee_body
from tests.concurrency.race import (
    FalseCounter,
    Outcome,
    SmsRecorder,
    accounts_with_phone,
    credential_messages_to,
    next_phone,
    race,
    warm_clients,
)

pytestmark = pytest.mark.concurrency

# Rounds of 1,000 adders at once. Each run is ~3,000 requests (the batch read, the transaction,
# the read that names a refusal): 5-11 s of both cores on a two-core machine. Three make the
# point in make test; the full figure is YANXIU_ROSTER_RACE_ROUNDS=20.
ADDERS = int(os.environ.get("YANXIU_ROSTER_RACE_ADDERS", "1000"))
ROUNDS = int(os.environ.get("YANXIU_ROSTER_RACE_ROUNDS", "3"))
CONTROL_ROUNDS = 3
CAPACITY = 5
CONFIRM_ROUNDS = int(os.environ.get("YANXIU_CONFIRM_RACE_ROUNDS", "5"))  # per thread count
TEAM = 5
REMINDER_ROUNDS = int(os.environ.get("YANXIU_REMINDER_RACE_ROUNDS", "2"))
REGIONS = 20
RENDEZVOUS_TIMEOUT = 10.0

ROSTER_NOW = datetime(2030, 3, 4, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
REMINDERS_FROM = datetime(2040, 4, 2, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai, the job's hour
BATCH_START = date(2030, 5, 6)
BATCH_DAYS = 3  # phone-day claims per trainee: short, so 1,000 transactions stay cheap


@pytest.fixture(autouse=True)
def fixed_clock() -> Iterator[None]:
    clock.set_now(ROSTER_NOW)
    yield
    clock.set_now(None)  # the other tests of the session run on the real clock


@pytest.fixture
def sms(monkeypatch: pytest.MonkeyPatch) -> SmsRecorder:
    recorder = SmsRecorder()
    # notify.deliver looks send_sms up on the module at each call, so patching it there is enough.
    monkeypatch.setattr("chalicelib.adapters.messaging.send_sms", recorder)
    return recorder


@pytest.fixture
def mail(monkeypatch: pytest.MonkeyPatch) -> SmsRecorder:
    """E-mails recorded as (address, subject + body), from any thread."""
    recorder = SmsRecorder()

    def send_email(address: str, subject: str, text: str) -> None:
        recorder(address, f"{subject}\n{text}")

    monkeypatch.setattr("chalicelib.adapters.messaging.send_email", send_email)
    return recorder


# --- set-up through the data and service layers -----------------------------------------


def new_programme(name: str, demand_deadline: datetime, roster_deadline: datetime) -> str:
    programme_id = f"p-roster-race-{new_id()}"
    catalog.put_programme(
        Programme(
            programme_id=programme_id,
            name=name,
            kind="base_training",
            academic_year="2029-2030",
            demand_deadline=demand_deadline,
            roster_deadline=roster_deadline,
            registration_deadline=roster_deadline + timedelta(days=10),
            outcome_window_days=30,
            default_places=35,
            created_at=clock.now(),
        )
    )
    return programme_id


def roster_programme() -> str:
    now = clock.now()
    return new_programme("并发名单测试", now + timedelta(days=10), now + timedelta(days=30))


def bare_base() -> str:
    """A base serving the primary stage, with no contact account (enough to hold batches)."""
    base_id = new_id()
    catalog.base_item(Base(base_id, "并发基地", "广州", frozenset({"primary"}), "nobody", clock.now())).save()
    return base_id


def allocated_batch(programme_id: str, base_id: str, region_id: str, start: date = BATCH_START) -> Batch:
    """A batch of CAPACITY seats, allocated to the region as the office does by hand."""
    batch = Batch(
        batch_id=new_id(),
        programme_id=programme_id,
        base_id=base_id,
        stage="primary",
        start_date=start,
        end_date=start + timedelta(days=BATCH_DAYS - 1),
        capacity=CAPACITY,
        study_type="placement",
        lodging=False,
        created_at=clock.now(),
    )
    catalog.create_batch(batch)
    assert not demands_repo.take_batches(region_id, [(batch, f"d-{new_id()}")], [])
    return batch


def session_for(region_id: str) -> Session:
    return Session(
        token_hash=f"t-{region_id}",
        account_id=f"a-{region_id}",
        role=Role.region_contact,
        expires_at=clock.now() + timedelta(hours=1),
        region_ids=frozenset({region_id}),
    )


def person(i: int, phone: str, team_role: str = "member") -> dict[str, Any]:
    return trainee_body(i, team_role, phone=phone)


# --- 1. capacity -----------------------------------------------------------------------

Add = Callable[[Session, str, dict[str, Any]], Trainee]


class InFlight:
    """Wraps a repository call (a transaction) and keeps the most calls in flight at once:
    proof the threads' writes were decided while others were under way, not one by one.

    With `rendezvous=n`, each thread's first call (since the last `take_peak`) waits, already
    counted as in flight, until n threads have made theirs: runs that start together are then
    sure to claim together, however the noisy machine schedules their reads before."""

    def __init__(self, wrapped: Callable[..., Any], rendezvous: int = 0) -> None:
        self._wrapped = wrapped
        self._rendezvous = rendezvous
        self._lock = threading.Lock()
        self._now = 0
        self.peak = 0
        self._arrived: set[int] = set()
        self._barrier = threading.Barrier(rendezvous) if rendezvous else None

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        with self._lock:
            self._now += 1
            self.peak = max(self.peak, self._now)
            first = threading.get_ident() not in self._arrived
            self._arrived.add(threading.get_ident())
            barrier = self._barrier
        try:
            if first and barrier is not None:
                try:
                    barrier.wait(timeout=RENDEZVOUS_TIMEOUT)
                except threading.BrokenBarrierError:
                    pass  # a run that never claims: the peak assertion then says so
            return self._wrapped(*args, **kwargs)
        finally:
            with self._lock:
                self._now -= 1

    def take_peak(self) -> int:
        with self._lock:
            peak, self.peak = self.peak, 0
            self._arrived.clear()
            if self._rendezvous:
                self._barrier = threading.Barrier(self._rendezvous)
        return peak


@pytest.fixture
def adds_in_flight(monkeypatch: pytest.MonkeyPatch) -> InFlight:
    # services.rosters calls rosters.add through the module, so patching it there is enough.
    tracker = InFlight(rosters_repo.add)
    monkeypatch.setattr(rosters_repo, "add", tracker)
    return tracker


def batch_full(outcome: Outcome) -> bool:
    return isinstance(outcome.error, ConflictError) and outcome.error.code == "batch_full"


@dataclass
class Fill:
    """One race for the seats of a batch: what the threads got, and what is stored after."""

    batch_id: str
    phones: list[str]
    outcomes: list[Outcome] = field(default_factory=list)
    accepted: list[Trainee] = field(default_factory=list)
    refused: int = 0
    other: list[str] = field(default_factory=list)
    count: int = -1  # the batch's trainee_count
    stored: set[str] = field(default_factory=set)  # trainee ids, by the by_batch index
    scanned: set[str] = field(default_factory=set)  # trainee ids, by a scan of the table
    claims: dict[str, str] = field(default_factory=dict)  # phone-day claims of the batch: key -> owner

    def expected_claims(self) -> dict[str, str]:
        return {
            phone_day_claim(t.phone, day): t.trainee_id
            for t in self.accepted
            for day in days(t.start_date, t.end_date)
        }

    def over_capacity(self) -> bool:
        return max(len(self.accepted), self.count, len(self.stored), len(self.scanned)) > CAPACITY


def fill_round(add: Add, base_id: str) -> Fill:
    """A fresh batch of CAPACITY seats; ADDERS additions with distinct phones, all at once."""
    region_id = f"r-{new_id()}"
    batch = allocated_batch(roster_programme(), base_id, region_id)
    session = session_for(region_id)
    r = Fill(batch.batch_id, [next_phone() for _ in range(ADDERS)])
    bodies = [person(i, phone) for i, phone in enumerate(r.phones)]
    warm_clients()
    r.outcomes = race(ADDERS, lambda i: add(session, batch.batch_id, bodies[i]))
    for phone, outcome in zip(r.phones, r.outcomes, strict=True):
        got = outcome.value
        if (
            outcome.error is None
            and isinstance(got, Trainee)
            and (got.batch_id, got.phone) == (r.batch_id, phone)
        ):
            r.accepted.append(got)
        elif batch_full(outcome):
            r.refused += 1
        else:
            r.other.append(f"{phone}: {outcome.describe() if outcome.error else repr(got)}")
    r.count = int(BatchModel.get(batch.batch_id, consistent_read=True).trainee_count)
    r.stored = {m.trainee_id for m in TraineeModel.by_batch.query(batch.batch_id)}
    r.scanned = {
        m.trainee_id for m in TraineeModel.scan(TraineeModel.batch_id == batch.batch_id, consistent_read=True)
    }
    r.claims = {
        c.claim_key: c.owner
        for c in ClaimModel.scan(ClaimModel.batch_id == batch.batch_id, consistent_read=True)
    }
    return r


def test_a_thousand_additions_at_once_fill_exactly_the_capacity(adds_in_flight: InFlight) -> None:
    base_id = bare_base()
    started = time.monotonic()
    for round_no in range(ROUNDS):
        where = f"round {round_no}"
        # Given a batch of 5 seats, allocated to a region
        # When its contact adds 1,000 trainees (distinct phones) at one instant
        r = fill_round(roster_service.add, base_id)
        # Then exactly 5 are added and the 995 others refused with batch_full, nothing else
        assert not r.other, f"{where}: {len(r.other)} unexpected outcomes: {r.other[:5]}"
        assert len(r.accepted) == CAPACITY, f"{where}: {len(r.accepted)} added"
        assert r.refused == ADDERS - CAPACITY, f"{where}: {r.refused} refused"
        # And the stored count, the stored trainees and the added ones are the same five
        added = {t.trainee_id for t in r.accepted}
        assert r.count == CAPACITY, f"{where}: trainee_count {r.count}"
        assert r.stored == r.scanned == added, f"{where}: stored {len(r.stored)}/{len(r.scanned)}"
        # And the claims are exactly the five phones' days, no refused phone's
        assert r.claims == r.expected_claims(), f"{where}: {len(r.claims)} phone-day claims"
        # And the additions overlapped: more were in flight at once than there are seats
        peak = adds_in_flight.take_peak()
        assert peak > CAPACITY, f"{where}: at most {peak} additions in flight at once"
    elapsed = time.monotonic() - started
    print(f"{ROUNDS} rounds of {ADDERS} additions in {elapsed:.1f} s")


def racy_add(session: Session, batch_id: str, data: dict[str, Any]) -> Trainee:
    """The bug the transaction's condition avoids: read the count, check it in Python, then
    write (the same transaction, without the capacity condition). Threads that all read a
    count below the capacity are all added."""
    batch = catalog.get_batch(batch_id)
    if batch is None or batch.region_id not in session.region_ids:
        raise NotFoundError("batch_not_found")
    if BatchModel.get(batch_id, consistent_read=True).trainee_count >= batch.capacity:
        raise ConflictError("batch_full")
    time.sleep(0.005)  # widen the gap between the read and the write, as a slow request would
    now = clock.now()
    trainee = roster_service.new_trainee(batch, data, now)
    rosters_repo.add(trainee, capacity_guard=False, now=now)
    return trainee


def test_race_harness_catches_read_then_write_capacity() -> None:
    # Given the harness of the test above and a deliberately racy add
    base_id = bare_base()
    over: Fill | None = None
    for _ in range(CONTROL_ROUNDS):
        # When it runs the same 1,000 additions at once
        r = fill_round(racy_add, base_id)
        if r.over_capacity():
            over = r
            break
    # Then some batch holds more than its capacity: the harness sees the bug
    assert over is not None, f"no batch passed its capacity in {CONTROL_ROUNDS} racy rounds"
    print(f"read-then-write: {len(over.accepted)} added, count {over.count}, {len(over.stored)} stored")


# --- 2. confirmation ----------------------------------------------------------------------


@dataclass
class Team:
    batch_id: str
    session: Session
    base_phone: str
    base_email: str
    trainees: list[Trainee]

    @property
    def leader(self) -> Trainee:
        return next(t for t in self.trainees if t.team_role == LEADER)


def team_round() -> Team:
    """A region, a base with its contact, an allocated batch and five trainees, one leading."""
    programme_id = roster_programme()
    base_phone = next_phone()
    base_email = f"base{base_phone}@example.cn"
    base, _ = setup.create_base(
        f"北京市第一实验小学{base_phone}",  # one base per name, and the tier's tables live all session
        "北京",
        ["primary"],
        {"name": "王老师", "phone": base_phone, "email": base_email},
    )
    region_id = new_id()
    catalog.region_item(Region(region_id, "广州南沙实验区", "nobody", clock.now())).save()
    batch = allocated_batch(programme_id, base.base_id, region_id)
    session = session_for(region_id)
    trainees = [
        roster_service.add(session, batch.batch_id, person(i, next_phone(), LEADER if i == 0 else "member"))
        for i in range(TEAM)
    ]
    return Team(batch.batch_id, session, base_phone, base_email, trainees)


def credentials(texts: list[str]) -> list[str]:
    return [text for text in texts if "初始密码" in text]


def recorded(address: str, purpose: str) -> list[NotificationModel]:
    condition = (NotificationModel.address == address) & (NotificationModel.purpose == purpose)
    return list(NotificationModel.scan(condition, consistent_read=True))


@pytest.mark.parametrize("threads", [2, 4])
def test_confirm_at_once_sends_one_sms_per_trainee(
    threads: int, sms: SmsRecorder, mail: SmsRecorder, monkeypatch: pytest.MonkeyPatch
) -> None:
    lost_locks = FalseCounter(confirmation_repo.lock)
    lost_provisions = FalseCounter(confirmation_repo.provision)
    monkeypatch.setattr(confirmation_repo, "lock", lost_locks)
    monkeypatch.setattr(confirmation_repo, "provision", lost_provisions)
    # Each caller's provisioning waits for the others': the lock's losers have then all read
    # the roster before the winner provisioned anyone, so they do race it for the accounts
    provisions = InFlight(confirmation_repo.provision_many, rendezvous=threads)
    monkeypatch.setattr(confirmation_repo, "provision_many", provisions)
    for round_no in range(CONFIRM_ROUNDS):
        where = f"round {round_no}, {threads} threads"
        # Given a roster of five, one of them the team leader, not yet confirmed
        team = team_round()
        warm_clients()
        # When its contact confirms it from that many threads at one instant
        outcomes = race(
            threads, lambda i, team=team: confirmation_service.confirm(team.session, team.batch_id)
        )
        provisions.take_peak()  # and a fresh rendezvous for the next round
        # Then every call answers confirmed, and between them five accounts were provisioned
        errors = [o.describe() for o in outcomes if o.error is not None]
        assert not errors, f"{where}: {errors}"
        assert all(o.value.roster_status == "confirmed" for o in outcomes), where
        assert sum(o.value.accounts_provisioned for o in outcomes) == TEAM, where
        assert BatchModel.get(team.batch_id, consistent_read=True).roster_status == "confirmed", where
        # And each trainee has one account, the one its phone logs in with, and got one SMS
        # with its credentials (the leader one more: the base contact's phone)
        for t in team.trainees:
            stored = TraineeModel.get(t.trainee_id, consistent_read=True)
            assert stored.account_id, f"{where}: {t.name} has no account"
            accounts = accounts_with_phone(t.phone)
            assert [(a.account_id, a.role) for a in accounts] == [(stored.account_id, Role.trainee)], (
                f"{where}: {t.name}: {len(accounts)} accounts"
            )
            assert CredentialModel.get(t.phone, consistent_read=True).account_id == stored.account_id
            texts = sms.to(t.phone)
            assert len(credentials(texts)) == 1, f"{where}: {t.name}: {len(credentials(texts))} credentials"
            assert len(texts) == (2 if t.team_role == LEADER else 1), f"{where}: {t.name}: {len(texts)} SMS"
            messages = credential_messages_to(t.phone)
            assert [m.account_id for m in messages] == [stored.account_id], f"{where}: {t.name}"
        # And the leader was told the base's contact once, and the base its team once
        leader_texts = [text for text in sms.to(team.leader.phone) if "的团长" in text]
        assert len(leader_texts) == 1, f"{where}: leader told {len(leader_texts)} times"
        assert len(recorded(team.leader.phone, "team_leader")) == 1, where
        base_texts = [text for text in sms.to(team.base_phone) if "名单已确认" in text]
        assert len(base_texts) == 1, f"{where}: base told {len(base_texts)} times by SMS"
        # (its credentials e-mail aside)
        base_mails = [text for text in mail.to(team.base_email) if "名单已确认" in text]
        assert len(base_mails) == 1, f"{where}: base told {len(base_mails)} times by e-mail"
        assert len(recorded(team.base_phone, "roster_confirmed")) == 1, where
        assert len(recorded(team.base_email, "roster_confirmed")) == 1, where
    # And the calls did race: all but one lost the lock, and some found a trainee provisioned
    # by another after reading the roster without its account (a later call would try none)
    assert lost_locks.lost == CONFIRM_ROUNDS * (threads - 1), f"{lost_locks.lost} locks lost"
    assert lost_provisions.lost > 0, "no confirmation found a trainee provisioned by another"
    print(f"{threads} threads: {lost_provisions.lost} provisionings lost over {CONFIRM_ROUNDS} rounds")


SHARED_PHONE_ROUNDS = 3


def test_confirming_two_batches_sharing_a_phone_at_once_gives_one_account(sms: SmsRecorder) -> None:
    for round_no in range(SHARED_PHONE_ROUNDS):
        where = f"round {round_no}"
        # Given one person on the rosters of two batches of a region (dates apart), a new phone
        programme_id, base_id, region_id = roster_programme(), bare_base(), new_id()
        catalog.region_item(Region(region_id, "广州南沙实验区", "nobody", clock.now())).save()
        batches = [
            allocated_batch(programme_id, base_id, region_id, BATCH_START + timedelta(days=14 * k))
            for k in range(2)
        ]
        session, phone = session_for(region_id), next_phone()
        trainees = [roster_service.add(session, b.batch_id, person(0, phone, LEADER)) for b in batches]
        warm_clients()
        # When both rosters are confirmed at one instant
        outcomes = race(2, lambda i, s=session, b=batches: confirmation_service.confirm(s, b[i].batch_id))
        # Then both confirmations succeed, and the person has one account on both rosters,
        # told once of its credentials and once of the other batch
        errors = [o.describe() for o in outcomes if o.error is not None]
        assert not errors, f"{where}: {errors}"
        accounts = accounts_with_phone(phone)
        assert len(accounts) == 1, f"{where}: {len(accounts)} accounts"
        for t in trainees:
            assert TraineeModel.get(t.trainee_id, consistent_read=True).account_id == accounts[0].account_id
        texts = sms.to(phone)
        assert len(credentials(texts)) == 1 and len(texts) == 2, f"{where}: {texts}"


# --- 3. reminders -------------------------------------------------------------------------


def contacts(sms: SmsRecorder) -> list[tuple[str, Account]]:
    """REGIONS regions, each with a contact of its own (their credentials SMS go to `sms`)."""
    made = []
    for i in range(REGIONS):
        phone = next_phone()
        region, account = setup.create_region(
            f"提醒实验区{phone}", {"name": f"联系人{i}", "phone": phone, "email": f"r{phone}@example.cn"}
        )
        made.append((region.region_id, account))
    return made


@pytest.mark.parametrize("runs", [2, 4])
def test_overlapping_reminder_runs_remind_each_contact_once(
    runs: int, sms: SmsRecorder, monkeypatch: pytest.MonkeyPatch
) -> None:
    # services.reminders calls reminders.record_once through the module: patched there
    lost_claims = FalseCounter(reminders_repo.record_once)
    claims_in_flight = InFlight(lost_claims, rendezvous=runs)
    monkeypatch.setattr(reminders_repo, "record_once", claims_in_flight)
    # Each parametrisation on days of its own, weeks after the other's
    first_day = REMINDERS_FROM + timedelta(weeks=10 * runs)
    clock.set_now(first_day - timedelta(days=1))
    regions = contacts(sms)
    region_ids = [region_id for region_id, _ in regions]
    for round_no in range(REMINDER_ROUNDS):
        # Given a day (a week after the last round's) and a programme whose demand deadline
        # is three days on, in Shanghai days, that no region has asked places of yet
        now = first_day + timedelta(weeks=round_no)
        clock.set_now(now)
        today = local_day(now)
        deadline = datetime.combine(today + timedelta(days=3), clock_time(23, 59, 59), tzinfo=SHANGHAI)
        name = f"并发提醒测试{runs}-{round_no}"
        programme_id = new_programme(name, deadline, deadline + timedelta(days=30))
        demands_repo.open_quotas(programme_id, region_ids, 35, now)
        where = f"round {round_no}, {runs} runs, {today}"
        round_sms = SmsRecorder()
        monkeypatch.setattr("chalicelib.adapters.messaging.send_sms", round_sms)
        warm_clients()
        # When that many runs of the daily job start at one instant
        outcomes = race(runs, lambda i, now=now: reminder_service.daily(now))
        # Then every run finishes, and between them they sent one demand reminder a region
        errors = [o.describe() for o in outcomes if o.error is not None]
        assert not errors, f"{where}: {errors}"
        sent: Counter[str] = Counter()
        for o in outcomes:
            sent.update(o.value)
        assert sent["demand"] == REGIONS, f"{where}: {dict(sent)}"
        for region_id, account in regions:
            # And each contact got exactly one SMS, the reminder of this programme's deadline
            texts = round_sms.to(account.phone)
            assert len(texts) == 1 and name in texts[0] and "研修需求" in texts[0], (
                f"{where}: {region_id}: {texts}"
            )
            # And the outbox holds exactly one such reminder, and the day's claim is taken
            held = [m for m in recorded(account.phone, "reminder_demand") if name in m.text]
            assert len(held) == 1, f"{where}: {region_id}: {len(held)} reminders recorded"
            assert held[0].account_id == account.account_id and held[0].status == "sent", where
            try:
                ClaimModel.get(
                    reminder_rules.claim_key("demand", programme_id, account.account_id, today),
                    consistent_read=True,
                )
            except DoesNotExist:
                pytest.fail(f"{where}: {region_id}: no reminder claim for the day")
        # And the runs overlapped: two of them were claiming reminders at the same moment
        peak = claims_in_flight.take_peak()
        assert peak >= 2, f"{where}: at most {peak} reminder claims in flight at once"
    # And every run but the one that sent it found each reminder already claimed
    assert lost_claims.lost == REMINDER_ROUNDS * REGIONS * (runs - 1), f"{lost_claims.lost} claims lost"
    print(f"{runs} runs: {lost_claims.lost} reminders found claimed over {REMINDER_ROUNDS} rounds")
