"""Issue 13's limits under real conditional writes (DynamoDB Local): a demand returned while the
office gives it a batch ends either returned (places back, batch free) or allocated (places
held, batch its), never both; an offer accepted while the hourly job expires it ends either
accepted or expired, never both; a demand returned while the waiting list offers it a batch
ends returned with no open offer; two demands of one region returned at once both end
returned, the second one reading the region's tally again (the tally-changed retry); a first
分享报告 recorded twice at once is counted once; a trainee's pieces and first check-ins
written at once count the trainee once in the batch's per-person counters (issue 15).

Each round races two threads released together, on fresh items: at the data layer (the
transactions that decide), or through the service where its retry is the point."""

from __future__ import annotations

import os
from dataclasses import replace
from datetime import date, timedelta

import pytest

from chalicelib.adapters import clock
from chalicelib.adapters.secrets import new_id
from chalicelib.db import catalog, review, waiting
from chalicelib.db import demands as demands_repo
from chalicelib.db.common import key_time
from chalicelib.db.models import (
    BatchModel,
    DemandItemMap,
    DemandModel,
    OfferModel,
    QuotaModel,
    SharingReportModel,
    TraineeModel,
)
from chalicelib.domain.records import Batch, Demand, DemandLine, Offer, Programme, Session, Trainee
from chalicelib.domain.vocab import Role
from chalicelib.services import review as review_service
from chalicelib.services import sharing as sharing_service
from tests.concurrency.race import CallCounter, race, warm_clients

pytestmark = pytest.mark.concurrency

ROUNDS = int(os.environ.get("YANXIU_REVIEW_RACE_ROUNDS", "15"))
PLACES = 5


def _programme() -> str:
    now = clock.now()
    programme_id = f"p-review-race-{new_id()}"
    catalog.put_programme(
        Programme(
            programme_id=programme_id,
            name="并发审核测试",
            kind="base_training",
            academic_year="2025-2026",
            demand_deadline=now + timedelta(days=30),
            roster_deadline=now + timedelta(days=60),
            registration_deadline=now + timedelta(days=90),
            outcome_window_days=30,
            default_places=35,
            created_at=now,
        )
    )
    return programme_id


def _world(programme_id: str, region_id: str | None = None, demands: int = 1) -> tuple[Demand, Batch]:
    """A region's approved demand of 5 places (its only one, unless `demands` says how many
    the region asked, each of 5) and a free batch of 5."""
    now = clock.now()
    region_id = region_id or new_id()
    demand_id, batch_id = new_id(), new_id()
    order_key = f"{key_time(now)}#{demand_id}"
    asked = PLACES * demands
    QuotaModel(programme_id, region_id, places=35, requested=asked, remaining=35 - asked).save()
    DemandModel(
        programme_id,
        order_key,
        demand_id=demand_id,
        region_id=region_id,
        region_key=f"{programme_id}#{region_id}",
        study_type="placement",
        purpose="学习",
        items=[DemandItemMap(stage="primary", places=PLACES)],
        places=PLACES,
        submitted_at=now,
        submitted_by="a",
        review="approved",
    ).save()
    start = date(2026, 9, 7)
    batch = Batch(
        batch_id,
        programme_id,
        "base",
        "primary",
        start,
        start + timedelta(days=11),
        PLACES,
        "placement",
        False,
        now,
    )
    BatchModel(
        batch_id,
        programme_id=programme_id,
        base_id="base",
        stage="primary",
        start_date=start.isoformat(),
        end_date=batch.end_date.isoformat(),
        capacity=PLACES,
        study_type="placement",
        created_at=now,
        stage_key=f"primary#{start.isoformat()}#{batch_id}",
    ).save()
    demand = Demand(
        demand_id,
        programme_id,
        region_id,
        "placement",
        "学习",
        (DemandLine("primary", PLACES),),
        PLACES,
        now,
        order_key,
    )
    return demand, batch


def test_a_return_racing_an_allocation_ends_one_way_or_the_other() -> None:
    warm_clients()
    programme_id = _programme()
    endings = set()
    for _ in range(ROUNDS):
        demand, batch = _world(programme_id)
        keys = {demand.demand_id: demand.order_key}

        def call(
            i: int, demand: Demand = demand, batch: Batch = batch, keys: dict[str, str] = keys
        ) -> object:
            if i == 0:
                review.give_back(demand, "名额调整", "office", clock.now(), [], last_live=True)
                return "returned"
            return (
                demands_repo.take_batches(demand.region_id, [(batch, demand.demand_id)], [], keys)
                or "allocated"
            )

        first, second = race(2, call)
        stored = DemandModel.get(programme_id, demand.order_key)
        tally = QuotaModel.get(programme_id, demand.region_id)
        held = BatchModel.get(batch.batch_id)
        if stored.review == "returned":
            # The return won: the allocation was refused, nothing of it written
            assert first.value == "returned" and second.value == {f"demand#{demand.demand_id}"}
            assert held.region_id is None and not stored.held_batches
            assert (tally.requested, tally.remaining) == (0, 35)
            endings.add("returned")
        else:
            # The allocation won: the return was refused, the places still held
            assert isinstance(first.error, review.ReviewRefused) and second.value == "allocated"
            assert held.region_id == demand.region_id and stored.held_batches == 1
            assert (tally.requested, tally.remaining) == (PLACES, 35 - PLACES)
            endings.add("allocated")
    assert endings  # each round ended one way; over the rounds, usually both ways


def test_an_accept_racing_the_expiry_ends_one_way_or_the_other() -> None:
    warm_clients()
    programme_id = _programme()
    for _ in range(ROUNDS):
        demand, batch = _world(programme_id)
        now = clock.now()
        offer = Offer(
            new_id(),
            batch.batch_id,
            programme_id,
            demand.region_id,
            demand.demand_id,
            demand.order_key,
            "primary",
            "open",
            now,
            now + timedelta(hours=48),
        )
        assert not waiting.make(offer, [])  # nothing refused

        def call(i: int, offer: Offer = offer, batch: Batch = batch) -> object:
            if i == 0:
                waiting.accept(offer, batch, clock.now(), [], PLACES)
                return "accepted"
            return waiting.close(offer, "expired", clock.now())

        accepted, expired = race(2, call)
        stored = OfferModel.get(offer.offer_id)
        held = BatchModel.get(batch.batch_id)
        assert held.offer_id is None  # no longer held, whichever won
        assert not DemandModel.get(programme_id, demand.order_key).open_offers  # nor counted open
        if stored.status == "accepted":
            assert accepted.value == "accepted" and expired.value is False
            assert held.region_id == demand.region_id and not held.passed_regions
        else:
            assert stored.status == "expired" and expired.value is True
            assert isinstance(accepted.error, waiting.OfferRefused)
            assert held.region_id is None and held.passed_regions == {demand.region_id}


OFFICE = Session("t-office", "office", Role.admin, clock.now() + timedelta(days=1))


def _offer(demand: Demand, batch: Batch) -> Offer:
    now = clock.now()
    return Offer(
        new_id(),
        batch.batch_id,
        batch.programme_id,
        demand.region_id,
        demand.demand_id,
        demand.order_key,
        "primary",
        "open",
        now,
        now + timedelta(hours=48),
    )


def test_a_return_racing_an_offer_leaves_no_open_offer_to_a_returned_demand() -> None:
    warm_clients()
    programme_id = _programme()
    endings = set()
    for _ in range(ROUNDS):
        # Given a region's approved demand and a freed batch about to be offered to it
        demand, batch = _world(programme_id)
        offer = _offer(demand, batch)

        def call(i: int, demand: Demand = demand, batch: Batch = batch, offer: Offer = offer) -> object:
            if i == 0:
                return review_service.return_demand(OFFICE, demand.demand_id, "名额调整").status
            return waiting.make(offer, [])

        # When the office returns the demand as the waiting list offers it the batch
        returned, made = race(2, call)
        # Then the demand is returned, and no offer is left open to it: the offer was refused,
        # or made first and withdrawn with the return; the batch is free, held for nobody
        assert returned.error is None and returned.value == "returned", returned.describe()
        assert made.error is None and made.value in (frozenset(), frozenset({"demand"})), made.describe()
        stored = DemandModel.get(programme_id, demand.order_key)
        assert stored.review == "returned" and not stored.open_offers
        assert BatchModel.get(batch.batch_id).offer_id is None
        if made.value:
            assert OfferModel.count(offer.offer_id) == 0
            endings.add("offer refused")
        else:
            assert OfferModel.get(offer.offer_id).status == "withdrawn"
            endings.add("offer withdrawn")
    assert endings


def test_two_returns_of_one_region_at_once_read_its_tally_again() -> None:
    warm_clients()
    programme_id = _programme()
    tally_moved = CallCounter(review.give_back, review.TallyMoved)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(review, "give_back", tally_moved)
        for _ in range(ROUNDS):
            # Given a region with two approved demands of 5 places, 10 asked in all
            first, _ = _world(programme_id, demands=2)
            second, _ = _world(programme_id, region_id=first.region_id, demands=2)

            def call(i: int, pair: tuple[Demand, Demand] = (first, second)) -> object:
                return review_service.return_demand(OFFICE, pair[i].demand_id, "名额调整").status

            # When the office returns both at once (each read 10 asked: not the region's last)
            outcomes = race(2, call)
            # Then both are returned, all 10 places are back, and the region awaits a demand
            # again: the one that found the tally changed read it again as the last live one
            assert [o.value for o in outcomes] == ["returned", "returned"], [o.describe() for o in outcomes]
            tally = QuotaModel.get(programme_id, first.region_id)
            assert (tally.requested, tally.remaining, tally.awaiting_demand) == (0, 35, programme_id)
    # And over the rounds the tally did change under a return at least once (the retry ran)
    assert tally_moved.raised > 0


def _ended_trainee(programme_id: str) -> tuple[str, Session]:
    """A trainee with an account, of a region, on a batch that ended ten days ago."""
    today = clock.now().date()
    start, end = today - timedelta(days=20), today - timedelta(days=10)
    trainee_id, region_id, batch_id = new_id(), new_id(), new_id()
    BatchModel(
        batch_id,
        programme_id=programme_id,
        base_id="base",
        stage="primary",
        start_date=start.isoformat(),
        end_date=end.isoformat(),
        capacity=PLACES,
        study_type="placement",
        created_at=clock.now(),
        stage_key=f"primary#{start.isoformat()}#{batch_id}",
        region_id=region_id,
    ).save()
    TraineeModel(
        trainee_id,
        batch_id=batch_id,
        programme_id=programme_id,
        region_id=region_id,
        base_id="base",
        account_id=f"a-{trainee_id}",
        name="研修1",
        gender="female",
        phone="13600000001",
        unit="南沙第一小学",
        team_role="member",
        start_date=start.isoformat(),
        end_date=end.isoformat(),
        end_key=f"{end.isoformat()}#{trainee_id}",
        created_key=f"{key_time(clock.now())}#{trainee_id}",
    ).save()
    contact = Session(
        f"t-{region_id}", f"c-{region_id}", Role.region_contact, clock.now() + timedelta(days=1)
    )
    return trainee_id, replace(contact, region_ids=frozenset({region_id}))


def test_a_first_sharing_report_recorded_twice_at_once_is_counted_once() -> None:
    warm_clients()
    programme_id = _programme()
    held_on = clock.now().date() - timedelta(days=2)
    for _ in range(ROUNDS):
        # Given a trainee whose batch has ended, with no 分享报告 yet
        trainee_id, contact = _ended_trainee(programme_id)

        def call(i: int, trainee_id: str = trainee_id, contact: Session = contact) -> object:
            return sharing_service.record(contact, trainee_id, held_on, 30 + i, f"第{i}次", [])

        # When the region's contact records it twice at one instant (a double click)
        outcomes = race(2, call)
        # Then both calls succeed (the one that lost the first write corrects it), one report
        # is stored, and the batch counts one report, not two
        assert all(o.error is None for o in outcomes), [o.describe() for o in outcomes]
        stored = SharingReportModel.get(trainee_id)
        assert int(stored.audience) in (30, 31)
        batch_id = TraineeModel.get(trainee_id).batch_id
        assert BatchModel.get(batch_id).sharing_count == 1


def test_a_trainees_pieces_and_first_days_at_once_count_the_trainee_once() -> None:
    from chalicelib.db import artifacts, attendance, trainees
    from chalicelib.domain.records import Artifact

    warm_clients()
    programme_id = _programme()
    today = clock.now().date()
    for _ in range(ROUNDS):
        # Given a trainee with nothing written and no day checked in
        trainee_id, _ = _ended_trainee(programme_id)
        t = trainees.get(trainee_id)
        assert t is not None

        def piece(i: int, t: Trainee = t) -> object:
            now = clock.now()
            kind = "outcome" if i % 2 else "reflection"
            a = Artifact(
                new_id(), t.account_id or "", t.name, t.trainee_id, t.batch_id, programme_id, "并发审核测试",
                t.region_id, "", t.base_id, "", "primary", t.start_date, t.end_date, kind, "标题",
                "<p>正文</p>", (), 1, now, now,
            )  # fmt: skip
            artifacts.create(a)
            return kind

        def day(i: int, t: Trainee = t) -> object:
            # Both read the trainee with no day: each is its first check-in, as it read it
            return attendance.check_in(t, today - timedelta(days=11 + i))

        # When four pieces (two of each kind) and two first days are written at one instant
        written, checked = race(4, piece), race(2, day)
        # Then every piece and both days are counted, and the trainee once in each of the
        # batch's per-person counts (the funnel's and the archive's)
        assert all(o.error is None for o in written + checked), [o.describe() for o in written + checked]
        batch = BatchModel.get(t.batch_id)
        assert (batch.artifact_count, batch.reflection_count, batch.checkin_count) == (4, 2, 2)
        assert (
            batch.uploader_trainees,
            batch.reflection_trainees,
            batch.outcome_trainees,
            batch.checked_in_trainees,
        ) == (1, 1, 1, 1)
