"""The allocation model: hand-made cases, properties (Hypothesis) and an oracle (networkx)."""

from __future__ import annotations

import math
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
    plan,
)

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


def test_mixed_capacities_use_the_smallest_so_every_trainee_has_a_seat() -> None:
    free = [batch(1, capacity=8, base="A"), batch(2, capacity=5, base="B"), batch(3, capacity=5, base="C")]
    result = plan([demand(1, "r1", ("primary", 10))], free)
    assert len(result.assignments) == 2


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


# --- properties -------------------------------------------------------------------------

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
            draw(st.sampled_from([5, 5, 5, 8])),
        )
        for i in range(n_batches)
    ]
    demands = []
    for n in range(draw(st.integers(0, 7))):
        stages = draw(st.lists(st.sampled_from(STAGES), min_size=1, max_size=2, unique=True))
        items = tuple(DemandItem(s, draw(st.integers(1, 15))) for s in stages)
        demands.append(
            DemandToPlace(
                f"d{n}", f"r{n % 4}", f"t{n:02d}", draw(st.sampled_from(["placement", "exchange"])), items
            )
        )
    return demands, free


def _needs(demands: list[DemandToPlace], free: list[FreeBatch]) -> dict[tuple[str, str], int]:
    cap: dict[str, int] = {}
    for b in free:
        cap[b.stage] = min(cap.get(b.stage, b.capacity), b.capacity)
    return {
        (d.demand_id, i.stage): math.ceil(i.places / cap[i.stage])
        for d in demands
        for i in d.items
        if i.stage in cap
    }


def _max_slots(demands: list[DemandToPlace], free: list[FreeBatch], needs: dict[tuple[str, str], int]) -> int:
    """The most item slots of `demands` any allocation can fill (an independent max-flow)."""
    g = nx.DiGraph()
    for d in demands:
        for i in d.items:
            key = (d.demand_id, i.stage)
            if key in needs:
                g.add_edge("s", key, capacity=needs[key])
                for b in free:
                    if b.stage == i.stage:
                        g.add_edge(key, b.batch_id, capacity=1)
    for b in free:
        g.add_edge(b.batch_id, "t", capacity=1)
    if "s" not in g or "t" not in g:
        return 0
    return int(nx.maximum_flow_value(g, "s", "t"))


# Examples: the profile's (tests/conftest.py: 150 deep, 15 fast)
@given(instances())
def test_plan_properties(instance: tuple[list[DemandToPlace], list[FreeBatch]]) -> None:
    demands, free = instance
    result = plan(demands, free)
    stage_of = {b.batch_id: b.stage for b in free}
    needs = _needs(demands, free)
    # No batch to two regions; stages match; no item over its need (so no region over its quota)
    assert len({a.batch_id for a in result.assignments}) == len(result.assignments)
    assert all(stage_of[a.batch_id] == a.stage for a in result.assignments)
    got = Counter((a.demand_id, a.stage) for a in result.assignments)
    assert all(got[k] <= needs[k] for k in got)
    # Every short item is reported with a reason, and the counts agree
    for u in result.unmet:
        assert u.reason and got[(u.demand_id, u.stage)] == u.batches_assigned < u.batches_needed
    # First come, first served: every prefix of demands (oldest first) holds as many slots as
    # any allocation could give that prefix — so no earlier demand lost a batch to a later one
    ordered = sorted(demands, key=lambda d: d.order_key)
    for r in range(1, len(ordered) + 1):
        prefix = ordered[:r]
        held = sum(got[(d.demand_id, i.stage)] for d in prefix for i in d.items)
        assert held == _max_slots(prefix, free, needs)
    # Deterministic, whatever the input order
    shuffled = plan(list(reversed(demands)), list(reversed(free)))
    assert shuffled.assignments == result.assignments and shuffled.objective == result.objective


# --- the oracle: the same network through networkx's min-cost flow -------------------------


def _networkx_objective(demands: list[DemandToPlace], free: list[FreeBatch]) -> int:
    ordered = sorted(demands, key=lambda d: d.order_key)
    cap: dict[str, int] = {}
    for b in free:
        cap[b.stage] = min(cap.get(b.stage, b.capacity), b.capacity)
    wanted = [
        (r, d, i, math.ceil(i.places / cap[i.stage]))
        for r, d in enumerate(ordered)
        for i in d.items
        if i.stage in cap
    ]
    if not wanted:
        return 0
    # A region's items of one stage and study type share a node per base (the spreading)
    group_need: Counter[tuple[str, str, str]] = Counter()
    for _r, d, item, k in wanted:
        group_need[(d.region_id, item.stage, d.study_type)] += k
    weight = len(free) * (MISMATCH + SPREAD * max(group_need.values())) + 1
    g = nx.DiGraph()
    supply = 0
    for idx, (rank, d, item, k) in enumerate(wanted):
        supply += k
        g.add_edge("s", ("i", idx), capacity=k, weight=0)
        g.add_edge(("i", idx), ("u", idx), capacity=k, weight=weight * (len(ordered) - rank))
        g.add_edge(("u", idx), "t", capacity=k, weight=0)
        total = group_need[(d.region_id, item.stage, d.study_type)]
        for base in {b.base_id for b in free if b.stage == item.stage}:
            group = (d.region_id, item.stage, base, d.study_type)
            g.add_edge(("i", idx), ("in", group), capacity=k, weight=0)
            for j in range(total):
                g.add_edge(("in", group), ("p", group, j), capacity=1, weight=SPREAD * j)
                g.add_edge(("p", group, j), ("via", group), capacity=1, weight=0)
            for study in {b.study_type for b in free if b.stage == item.stage and b.base_id == base}:
                g.add_edge(
                    ("via", group),
                    ("c", item.stage, base, study),
                    capacity=total,
                    weight=0 if study == d.study_type else MISMATCH,
                )
    for key, count in Counter((b.stage, b.base_id, b.study_type) for b in free).items():
        g.add_edge(("c", *key), "t", capacity=count, weight=0)
    g.nodes["s"]["demand"] = -supply
    g.nodes["t"]["demand"] = supply
    return int(nx.min_cost_flow_cost(g))


def test_oracle_networkx_finds_the_same_optimum_on_random_cases() -> None:
    rng = random.Random(20261123)
    for case in range(25):
        free = [
            FreeBatch(
                f"b{i:02d}",
                rng.choice(STAGES),
                rng.choice("ABCD"),
                rng.choice(["placement", "exchange"]),
                SEPT + timedelta(days=7 * rng.randint(0, 10)),
                rng.choice([5, 5, 6]),
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
        assert ours.objective == _networkx_objective(demands, free), case
