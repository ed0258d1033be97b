"""The allocation model: hand-made cases, properties (Hypothesis) and an oracle (networkx)."""

from __future__ import annotations

import itertools
import random
from collections import Counter
from datetime import date, timedelta

import networkx as nx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.domain.allocation import (
    MISMATCH,
    SPREAD,
    DemandItem,
    DemandToPlace,
    FreeBatch,
    Plan,
    claims,
    plan,
)
from chalicelib.domain.cover import best_cover

pytestmark = pytest.mark.unit
SEPT = date(2026, 9, 7)


def demand(n: int, region: str, *items: tuple[str, int], study: str = "placement") -> DemandToPlace:
    return DemandToPlace(
        f"d{n}", region, f"2026-07-01T00:00:{n:02d}#d{n}", study, tuple(DemandItem(s, p) for s, p in items)
    )


def batch(
    i: int,
    stage: str = "primary",
    base: str = "A",
    study: str = "placement",
    start: date = SEPT,
    capacity: int = 5,
) -> FreeBatch:
    return FreeBatch(f"b{i:03d}", stage, base, study, start, capacity)


def test_first_come_first_served_earlier_demand_wins_the_only_batch() -> None:
    result = plan([demand(2, "late", ("primary", 5)), demand(1, "early", ("primary", 5))], [batch(1)])
    assert [(a.region_id, a.batch_id) for a in result.assignments] == [("early", "b001")]
    [unmet] = result.unmet
    assert (unmet.region_id, unmet.reason, unmet.batches_needed, unmet.batches_assigned) == (
        "late",
        "taken_by_earlier_demands",
        1,
        0,
    )


def test_study_type_is_matched_when_possible() -> None:
    result = plan(
        [demand(1, "r1", ("primary", 5), study="exchange"), demand(2, "r2", ("primary", 5))],
        [batch(1, study="placement"), batch(2, study="exchange")],
    )
    got = {a.region_id: a.batch_id for a in result.assignments}
    assert got == {"r1": "b002", "r2": "b001"}
    assert all(a.study_type_matched for a in result.assignments)


def test_study_type_mismatch_is_used_rather_than_leaving_a_demand_unmet() -> None:
    result = plan([demand(1, "r1", ("primary", 5), study="exchange")], [batch(1, study="placement")])
    [a] = result.assignments
    assert a.study_type_matched is False and result.unmet == []


def test_a_regions_batches_spread_over_bases() -> None:
    batches = [batch(1, base="A"), batch(2, base="A"), batch(3, base="B")]
    result = plan([demand(1, "r1", ("primary", 10))], batches)
    assert sorted(a.batch_id for a in result.assignments) == ["b001", "b003"]


def test_a_region_with_several_demands_is_spread_over_bases_too() -> None:
    # Two demands of one region, one batch each; two bases, two batches at A
    batches = [batch(1, base="A"), batch(2, base="A"), batch(3, base="B")]
    result = plan([demand(1, "r1", ("primary", 5)), demand(2, "r1", ("primary", 5))], batches)
    # The region gets one batch at each base, not both at A
    assert sorted(a.batch_id for a in result.assignments) == ["b001", "b003"]
    # While two regions may each have A
    other = plan([demand(1, "r1", ("primary", 5)), demand(2, "r2", ("primary", 5))], batches[:2])
    assert len(other.assignments) == 2


def test_a_regions_batches_spread_over_months_within_a_base() -> None:
    batches = [
        batch(1, start=SEPT),
        batch(2, start=SEPT + timedelta(days=14)),
        batch(3, start=date(2026, 10, 12)),
    ]
    result = plan([demand(1, "r1", ("primary", 10))], batches)
    months = sorted(
        {(b.start_date.month) for b in batches if b.batch_id in {a.batch_id for a in result.assignments}}
    )
    assert months == [9, 10]


@pytest.mark.parametrize(
    ("capacity", "places", "batches"), [(8, 16, 2), (8, 17, 3), (10, 12, 2), (3, 5, 2), (5, 35, 7)]
)
def test_whole_batches_by_the_batch_capacity(capacity: int, places: int, batches: int) -> None:
    free = [batch(i, capacity=capacity, base=f"B{i}") for i in range(10)]
    result = plan([demand(1, "r1", ("primary", places))], free)
    assert len(result.assignments) == batches and result.unmet == []


@pytest.mark.parametrize(
    ("places", "seats"),
    [(10, [10]), (12, [10, 5]), (5, [5]), (3, [5]), (15, [10, 5]), (20, [10, 10]), (25, [10, 10, 5])],
)
def test_mixed_capacities_cover_the_places_with_the_least_excess(places: int, seats: list[int]) -> None:
    # Given batches of 10, 10 and 5 seats (the case: 10 places once got 20 seats)
    free = [batch(1, capacity=10, base="A"), batch(2, capacity=10, base="B"), batch(3, capacity=5, base="C")]
    result = plan([demand(1, "r1", ("primary", places))], free)
    assert sorted((a.seats for a in result.assignments), reverse=True) == seats
    assert result.unmet == []


def test_least_excess_then_fewer_batches_then_larger_batches() -> None:
    assert best_cover(10, {10: 2, 5: 2}) == {10: 1}  # 10 and 5 + 5 seat 10 exactly: one batch
    assert best_cover(13, {5: 4, 8: 2, 6: 1, 7: 1}) == {8: 1, 5: 1}  # 13 exactly; 6 + 7 ties: larger
    assert best_cover(11, {5: 4, 6: 3}) == {6: 1, 5: 1}  # 11 exactly
    assert best_cover(9, {5: 4, 10: 1}) == {10: 1}  # 10 (excess 1), not 5 + 5 (excess 1, two batches)
    assert best_cover(9, {5: 4}) == {5: 2}
    assert best_cover(40, {5: 2, 8: 1}) == {5: 2, 8: 1}  # nothing covers: everything there is
    assert best_cover(0, {5: 2}) == {} and best_cover(5, {}) == {}


def test_an_earlier_demand_takes_its_best_fit_first_the_later_one_what_is_left() -> None:
    free = [batch(1, capacity=10, base="A"), batch(2, capacity=5, base="B"), batch(3, capacity=5, base="C")]
    result = plan([demand(1, "early", ("primary", 10)), demand(2, "late", ("primary", 10))], free)
    got = {r: sorted(a.seats for a in result.assignments if a.region_id == r) for r in ("early", "late")}
    assert got == {"early": [10], "late": [5, 5]} and result.unmet == []


def test_a_short_item_takes_every_seat_left_and_later_ones_get_nothing() -> None:
    free = [batch(1, capacity=8, base="A"), batch(2, capacity=5, base="B")]
    result = plan([demand(1, "early", ("primary", 20)), demand(2, "late", ("primary", 5))], free)
    assert sorted(a.batch_id for a in result.assignments if a.region_id == "early") == ["b001", "b002"]
    early, late = sorted(result.unmet, key=lambda u: u.demand_id)
    assert (early.seats_assigned, early.batches_assigned, early.batches_needed) == (13, 2, 4)
    assert (late.seats_assigned, late.reason) == (0, "taken_by_earlier_demands")


def test_unmet_reasons() -> None:
    free = [batch(1, stage="primary")]
    result = plan(
        [demand(1, "r1", ("primary", 5)), demand(2, "r2", ("primary", 5), ("senior", 5))],
        free,
        stages_with_batches={"primary", "senior"} | {"junior"},
    )
    reasons = {(u.region_id, u.stage): u.reason for u in result.unmet}
    assert reasons == {
        ("r2", "primary"): "taken_by_earlier_demands",
        ("r2", "senior"): "taken_by_earlier_demands",
    }
    result = plan([demand(1, "r1", ("kindergarten", 5))], free)
    assert [u.reason for u in result.unmet] == ["no_batches_for_stage"]


def test_items_already_holding_their_batches_ask_for_nothing_more() -> None:
    held = DemandToPlace(
        "d1", "r1", "k1", "placement", (DemandItem("primary", 10, held_batches=2, held_places=10),)
    )
    partly = DemandToPlace(
        "d2", "r2", "k2", "placement", (DemandItem("primary", 10, held_batches=1, held_places=5),)
    )
    result = plan([held, partly], [batch(1), batch(2)])
    assert [a.region_id for a in result.assignments] == ["r2"]
    assert result.unmet == []


def test_no_demands_or_no_batches() -> None:
    assert plan([], [batch(1)]).assignments == []
    assert [u.reason for u in plan([demand(1, "r", ("primary", 5))], []).unmet] == ["no_batches_for_stage"]


# --- properties, in seats -------------------------------------------------------------------

STAGES = ["primary", "junior"]


@st.composite
def instances(draw: st.DrawFn) -> tuple[list[DemandToPlace], list[FreeBatch]]:
    n_batches = draw(st.integers(0, 12))
    free = [
        FreeBatch(
            f"b{i:02d}",
            draw(st.sampled_from(STAGES)),
            draw(st.sampled_from("ABC")),
            draw(st.sampled_from(["placement", "exchange"])),
            SEPT + timedelta(days=7 * draw(st.integers(0, 12))),
            draw(st.sampled_from([5, 5, 5, 8, 10, 3])),
        )
        for i in range(n_batches)
    ]
    demands = []
    for n in range(draw(st.integers(0, 7))):
        stages = draw(st.lists(st.sampled_from(STAGES), min_size=1, max_size=2, unique=True))
        items = []
        for s in stages:
            places = draw(st.integers(1, 15))
            held = draw(st.sampled_from([0, 0, 0, 5]))
            items.append(DemandItem(s, places, 1 if held else 0, held))
        demands.append(
            DemandToPlace(
                f"d{n}",
                f"r{n % 4}",
                f"t{n:02d}",
                draw(st.sampled_from(["placement", "exchange"])),
                tuple(items),
            )
        )
    return demands, free


def _covers(pool: Counter[int]) -> list[dict[int, int]]:
    """Every sub-multiset of a pool of capacities (brute force, small pools only)."""
    caps = sorted(c for c in pool if pool[c] > 0)
    return [
        {c: n for c, n in zip(caps, counts, strict=True) if n}
        for counts in itertools.product(*(range(pool[c] + 1) for c in caps))
    ]


def _brute_best(short: int, pool: Counter[int]) -> dict[int, int]:
    """The issue's rule by enumeration: the least excess, then the fewest batches, then the
    larger batches; every batch of the pool when nothing covers."""
    covering = [c for c in _covers(pool) if sum(k * n for k, n in c.items()) >= short]
    if not covering:
        return {c: n for c, n in pool.items() if n > 0}

    def key(cover: dict[int, int]) -> tuple[int, int, list[int]]:
        seats = sum(k * n for k, n in cover.items())
        return (seats - short, sum(cover.values()), [-cover.get(c, 0) for c in sorted(pool, reverse=True)])

    return min(covering, key=key)


def _expected_claims(
    demands: list[DemandToPlace], free: list[FreeBatch]
) -> dict[tuple[str, str], dict[int, int]]:
    """What each item must claim, items in FCFS order from their stage's pool (brute force)."""
    pools: dict[str, Counter[int]] = {s: Counter() for s in STAGES}
    for b in free:
        pools[b.stage][b.capacity] += 1
    out = {}
    for d in sorted(demands, key=lambda d: d.order_key):
        for i in d.items:
            short = i.places - i.held_places
            if short <= 0 or not +pools[i.stage]:
                continue
            cover = _brute_best(short, +pools[i.stage])
            pools[i.stage].subtract(cover)
            out[(d.demand_id, i.stage)] = cover
    return out


# Examples: the profile's (tests/conftest.py: 150 deep, 15 fast)
@given(instances())
def test_plan_properties_in_seats(instance: tuple[list[DemandToPlace], list[FreeBatch]]) -> None:
    demands, free = instance
    result = plan(demands, free)
    by_id = {b.batch_id: b for b in free}
    # No batch to two demands; stages match; each assignment's seats are its batch's
    assert len({a.batch_id for a in result.assignments}) == len(result.assignments)
    assert all(by_id[a.batch_id].stage == a.stage for a in result.assignments)
    assert all(by_id[a.batch_id].capacity == a.seats for a in result.assignments)
    seats: Counter[tuple[str, str]] = Counter()
    for a in result.assignments:
        seats[(a.demand_id, a.stage)] += a.seats
    ordered = sorted(demands, key=lambda d: d.order_key)
    shorts = {(d.demand_id, i.stage): i.places - i.held_places for d in ordered for i in d.items}
    largest = max((b.capacity for b in free), default=0)
    # Never more than the shortfall plus one batch's worth: 10 places never get 20 seats
    assert all(seats[k] < shorts[k] + largest for k in seats)
    # The least excess, then the fewest batches, each item in FCFS order from what was left
    assert claims(result) == _expected_claims(demands, free)
    # Unmet: exactly the items short of seats, with the seats they got
    unmet = {(u.demand_id, u.stage): u for u in result.unmet}
    for key, short in shorts.items():
        assert (key in unmet) == (short > 0 and seats[key] < short), key
    for key, u in unmet.items():
        held = next(i.held_places for d in demands for i in d.items if (d.demand_id, i.stage) == key)
        assert u.seats_assigned == held + seats[key] and u.batches_assigned < u.batches_needed
    # First come, first served: an item left short leaves nothing of its stage to a later one
    for rank, d in enumerate(ordered):
        for i in d.items:
            if (d.demand_id, i.stage) in unmet:
                later = {(e.demand_id, i.stage) for e in ordered[rank + 1 :]}
                assert not any(seats[k] for k in later)
    # Deterministic, whatever the input order
    shuffled = plan(list(reversed(demands)), list(reversed(free)))
    assert shuffled.assignments == result.assignments and shuffled.objective == result.objective


# --- the oracle: the same sizes by brute force, the same network through networkx ------------


def _networkx_objective(demands: list[DemandToPlace], free: list[FreeBatch]) -> int:
    """The docstring's step 3 network, built here on its own, solved by networkx."""
    ordered = sorted(demands, key=lambda d: d.order_key)
    sizes = _expected_claims(demands, free)
    served = [
        (idx, d, i, c, n)
        for idx, (d, i) in enumerate((d, i) for d in ordered for i in d.items)
        for c, n in sizes.get((d.demand_id, i.stage), {}).items()
    ]
    if not served:
        return 0
    # A region's items of one stage, study type and capacity share a node per base
    group_need: Counter[tuple[str, str, str, int]] = Counter()
    for _idx, d, item, c, n in served:
        group_need[(d.region_id, item.stage, d.study_type, c)] += n
    classes = Counter((b.stage, b.base_id, b.study_type, b.capacity) for b in free)
    # Costs scaled by K; a mismatch costs R − rank more (the group's earliest demand): FCFS ties
    rank_of = {d.demand_id: r for r, d in enumerate(ordered)}
    first: dict[tuple[str, str, str, int], int] = {}
    for _idx, d, item, c, _n in served:
        key = (d.region_id, item.stage, d.study_type, c)
        first[key] = min(first.get(key, len(ordered)), rank_of[d.demand_id])
    scale = sum(n for *_, n in served) * len(ordered) + 1
    g = nx.DiGraph()
    supply = 0
    for idx, d, item, c, n in served:
        supply += n
        g.add_edge("s", ("i", idx, c), capacity=n, weight=0)
        total = group_need[(d.region_id, item.stage, d.study_type, c)]
        for base in {b.base_id for b in free if b.stage == item.stage and b.capacity == c}:
            group = (d.region_id, item.stage, base, d.study_type, c)
            g.add_edge(("i", idx, c), ("in", group), capacity=n, weight=0)
            for j in range(total):
                g.add_edge(("in", group), ("p", group, j), capacity=1, weight=SPREAD * j * scale)
                g.add_edge(("p", group, j), ("via", group), capacity=1, weight=0)
            for study in {
                b.study_type for b in free if (b.stage, b.base_id, b.capacity) == (item.stage, base, c)
            }:
                g.add_edge(
                    ("via", group),
                    ("c", item.stage, base, study, c),
                    capacity=total,
                    weight=0
                    if study == d.study_type
                    else MISMATCH * scale + len(ordered) - first[(d.region_id, item.stage, d.study_type, c)],
                )
    for key, count in classes.items():
        g.add_edge(("c", *key), "t", capacity=count, weight=0)
    g.nodes["s"]["demand"] = -supply
    g.nodes["t"]["demand"] = supply
    return int(nx.min_cost_flow_cost(g))


def test_oracle_networkx_finds_the_same_optimum_on_random_cases() -> None:
    rng = random.Random(20261123)
    for case in range(30):
        free = [
            FreeBatch(
                f"b{i:02d}",
                rng.choice(STAGES),
                rng.choice("ABCD"),
                rng.choice(["placement", "exchange"]),
                SEPT + timedelta(days=7 * rng.randint(0, 10)),
                rng.choice([5, 5, 6, 10]),
            )
            for i in range(rng.randint(1, 15))
        ]
        demands = [
            DemandToPlace(
                f"d{n}",
                f"r{rng.randint(0, 3)}",  # regions with several demands share their spreading
                f"t{n:02d}",
                rng.choice(["placement", "exchange"]),
                tuple(DemandItem(s, rng.randint(1, 12)) for s in rng.sample(STAGES, rng.randint(1, 2))),
            )
            for n in range(rng.randint(1, 8))
        ]
        ours: Plan = plan(demands, free)
        assert claims(ours) == _expected_claims(demands, free), case
        assert ours.objective == _networkx_objective(demands, free), case
