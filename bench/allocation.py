"""Figures 5 and 6: the allocation solver, `chalicelib.domain.allocation.plan`, on synthetic
programmes of realistic shape, and its optimum checked against networkx.

The inputs come from a fixed seed, so every run solves the same instances:

- 31 bases, each serving 1–3 of the four stages (every stage has at least one base);
- batches spread over the (base, stage) pairs, two weeks each, starting on Mondays from
  September to mid-December; mixed capacities: about 60 % of 5 seats, 25 % of 10 and 15 %
  of 6–8 (so a demand's best cover is often not a number of equal batches); about 70 %
  placement, the rest exchange;
- each region asks for 1–3 stages, 5–15 places each, at most 35 in all (the default
  quota); about a quarter of the regions with two or more stages split them over two
  demands, the second submitted later. Submission times are spread over the two weeks
  before the deadline, so order keys (`<UTC time>#<demand id>`) increase with them.

The oracle follows the module docstring of allocation.py independently of plan()'s code: each
item's batches in FCFS order by enumerating every count of each capacity (no knapsack), then
the routing network, solved with networkx's network simplex. The sizes must be the same and
both optima equal (costs are integers, so exactly equal)."""

from __future__ import annotations

import itertools
import random
import statistics
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from bench.table import Row, ms

SEED = 20260701
STAGES = ("kindergarten", "primary", "junior", "senior")
BASES = 31
QUOTA = 35
# The deadline of the integration tests' programme, and the two weeks of submissions before it.
DEADLINE = datetime(2026, 7, 15, 15, 59, 59, tzinfo=UTC)
WINDOW = timedelta(days=14)
FIRST_MONDAY = date(2026, 9, 7)
MONDAYS = 15  # 7 Sept … 14 Dec: every batch ends before Christmas

SMALL = (1_000, 500)  # regions, batches
LARGE = (10_000, 5_000)
SMALL_RUNS = 5
LARGE_RUNS = 2
TARGET = 0.100  # seconds, the small case
# networkx's network simplex is pure Python: about 20–40 s on the small case. Set ORACLE to
# a reduced instance of the same shape, e.g. (200, 100) (about 1 s), if that grows past a minute.
ORACLE = SMALL


@dataclass(frozen=True)
class Instance:
    regions: int
    demands: list[Any]  # DemandToPlace
    free: list[Any]  # FreeBatch
    stages: set[str]

    @property
    def label(self) -> str:
        return f"{self.regions:,} regions ({len(self.demands):,} demands) × {len(self.free):,} batches"


def _hex(rng: random.Random) -> str:
    return f"{rng.getrandbits(128):032x}"


def _places(rng: random.Random) -> dict[str, int]:
    """1–3 stages, 5–15 places each, at most QUOTA in all (drawn again until it fits)."""
    while True:
        stages = rng.sample(STAGES, rng.randint(1, 3))
        places = {stage: rng.randint(5, 15) for stage in stages}
        if sum(places.values()) <= QUOTA:
            return places


def synthetic(regions: int, batches: int, seed: int = SEED) -> Instance:
    from chalicelib.domain.allocation import DemandItem, DemandToPlace, FreeBatch

    rng = random.Random(seed)
    served: list[tuple[str, str]] = []  # (base, stage)
    for i in range(BASES):
        base = _hex(rng)
        others = [s for s in STAGES if s != STAGES[i % len(STAGES)]]
        stages = [STAGES[i % len(STAGES)], *rng.sample(others, rng.randint(0, 2))]
        served += [(base, stage) for stage in stages]
    free = []
    for _ in range(batches):
        base, stage = rng.choice(served)
        draw = rng.random()
        capacity = 5 if draw < 0.60 else 10 if draw < 0.85 else rng.randint(6, 8)
        start = FIRST_MONDAY + timedelta(weeks=rng.randrange(MONDAYS))
        study_type = "placement" if rng.random() < 0.7 else "exchange"
        free.append(FreeBatch(_hex(rng), stage, base, study_type, start, capacity))

    submitted: list[tuple[datetime, str, str, str, dict[str, int]]] = []
    for _ in range(regions):
        region = _hex(rng)
        places = _places(rng)
        parts = [places]
        if len(places) >= 2 and rng.random() < 0.25:
            cut = rng.randint(1, len(places) - 1)
            stages = list(places)
            parts = [{s: places[s] for s in stages[:cut]}, {s: places[s] for s in stages[cut:]}]
        at = DEADLINE - WINDOW + timedelta(seconds=rng.uniform(0, WINDOW.total_seconds() * 0.8))
        for part in parts:
            study_type = "placement" if rng.random() < 0.7 else "exchange"
            submitted.append((at, _hex(rng), region, study_type, part))
            at += timedelta(seconds=rng.uniform(60, WINDOW.total_seconds() * 0.2))
    demands = [
        DemandToPlace(
            demand_id=demand_id,
            region_id=region,
            order_key=f"{at.isoformat(timespec='microseconds')}#{demand_id}",
            study_type=study_type,
            items=tuple(DemandItem(stage, n) for stage, n in part.items()),
        )
        for at, demand_id, region, study_type, part in sorted(submitted)
    ]
    rng.shuffle(demands)  # plan() must sort them itself
    return Instance(regions, demands, free, {b.stage for b in free})


def _solve_times(instance: Instance, runs: int, warm: bool) -> tuple[list[float], Any]:
    from chalicelib.domain.allocation import plan

    if warm:  # OR-Tools' import and first use
        plan(instance.demands, instance.free, instance.stages)
    times, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = plan(instance.demands, instance.free, instance.stages)
        times.append(time.perf_counter() - started)
    return times, result


def _enumerated_cover(short: int, pool: dict[int, int]) -> dict[int, int]:
    """The docstring's rule by enumeration: every count of each capacity (up to what could
    matter, ⌈short / c⌉), the least excess, then the fewest batches, then the larger batches."""
    caps = sorted((c for c, n in pool.items() if n > 0), reverse=True)
    if sum(c * pool[c] for c in caps) < short:
        return {c: pool[c] for c in caps}
    best: tuple[int, int, tuple[int, ...]] | None = None
    for counts in itertools.product(*(range(min(pool[c], -(-short // c)) + 1) for c in caps)):
        seats = sum(c * n for c, n in zip(caps, counts, strict=True))
        if seats >= short:
            key = (seats - short, sum(counts), tuple(-n for n in counts))
            best = key if best is None or key < best else best
    assert best is not None
    return {c: -n for c, n in zip(caps, best[2], strict=True) if n}


def oracle_sizes(instance: Instance) -> dict[tuple[str, str], dict[int, int]]:
    """Each item's claim in FCFS order, from what its stage has left."""
    pools: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for b in instance.free:
        pools[b.stage][b.capacity] += 1
    sizes = {}
    for d in sorted(instance.demands, key=lambda d: d.order_key):
        for item in d.items:
            short = item.places - item.held_places
            pool = pools[item.stage]
            if short <= 0 or not any(pool.values()):
                continue
            cover = _enumerated_cover(short, pool)
            for c, n in cover.items():
                pool[c] -= n
            sizes[(d.demand_id, item.stage)] = cover
    return sizes


Group = tuple[str, str, str, int]  # region, stage, study type asked, capacity


@dataclass
class _Routing:
    """What the oracle's network is built from (the docstring's step 3)."""

    items: list[tuple[int, Any, str, int, int]]  # (index, demand, stage, capacity, count)
    classes: dict[tuple[str, str, str, int], int]  # (stage, base, type, capacity) -> batches
    bases: dict[tuple[str, int], set[str]]
    group_need: dict[Group, int]
    first: dict[Group, int]  # the group's earliest rank
    total_ranks: int
    scale: int  # K = batches · R + 1


def _routing(instance: Instance, sizes: dict[tuple[str, str], dict[int, int]]) -> _Routing:
    classes: dict[tuple[str, str, str, int], int] = defaultdict(int)
    for b in instance.free:
        classes[(b.stage, b.base_id, b.study_type, b.capacity)] += 1
    bases: dict[tuple[str, int], set[str]] = defaultdict(set)
    for stage, base, _type, capacity in classes:
        bases[(stage, capacity)].add(base)
    items = [
        (i, d, item.stage, capacity, n)
        for i, d in enumerate(instance.demands)
        for item in d.items
        for capacity, n in sizes.get((d.demand_id, item.stage), {}).items()
    ]
    # A region's items of one stage, study type and capacity share one node per base
    group_need: dict[Group, int] = defaultdict(int)
    ranks = {d.demand_id: r for r, d in enumerate(sorted(instance.demands, key=lambda d: d.order_key))}
    total_ranks = len(instance.demands)
    first: dict[Group, int] = {}
    for _i, d, stage, capacity, n in items:
        key = (d.region_id, stage, d.study_type, capacity)
        group_need[key] += n
        first[key] = min(first.get(key, total_ranks), ranks[d.demand_id])
    scale = sum(n for *_, n in items) * total_ranks + 1
    return _Routing(items, classes, bases, group_need, first, total_ranks, scale)


def _group_edges(g: Any, r: _Routing, d: Any, stage: str, base: str, capacity: int) -> None:
    """The group's convex pieces and its arcs to the classes (a mismatch: K·MISMATCH + R − rank)."""
    from chalicelib.domain.allocation import MISMATCH, SPREAD

    key = (d.region_id, stage, d.study_type, capacity)
    group = (d.region_id, stage, base, d.study_type, capacity)
    total = r.group_need[key]
    for j in range(total):
        g.add_edge(("in", group), ("via", group), capacity=1, weight=SPREAD * j * r.scale)
    for study_type in ("placement", "exchange"):
        if (stage, base, study_type, capacity) in r.classes:
            mismatch = MISMATCH * r.scale + r.total_ranks - r.first[key]
            cost = 0 if study_type == d.study_type else mismatch
            g.add_edge(
                ("via", group), ("class", stage, base, study_type, capacity), capacity=total, weight=cost
            )


def networkx_objective(instance: Instance, sizes: dict[tuple[str, str], dict[int, int]]) -> int:
    """The optimum of the routing network the docstring of allocation.py describes, by networkx."""
    import networkx as nx

    r = _routing(instance, sizes)
    if not r.items:
        return 0
    g = nx.MultiDiGraph()
    supply = sum(n for *_, n in r.items)
    g.add_node("source", demand=-supply)
    g.add_node("sink", demand=supply)
    for i, d, stage, capacity, n in r.items:
        node = ("item", i, stage, capacity)
        g.add_edge("source", node, capacity=n, weight=0)
        for base in r.bases[(stage, capacity)]:
            group = (d.region_id, stage, base, d.study_type, capacity)
            g.add_edge(node, ("in", group), capacity=n, weight=0)
            if ("via", group) not in g:
                _group_edges(g, r, d, stage, base, capacity)
    for (stage, base, study_type, capacity), count in r.classes.items():
        g.add_edge(("class", stage, base, study_type, capacity), "sink", capacity=count, weight=0)
    cost, _flows = nx.network_simplex(g)
    return int(cost)


def _seats(instance: Instance, result: Any) -> str:
    """Seats given against places asked, over the items the plan covered."""
    asked = {(d.demand_id, i.stage): i.places for d in instance.demands for i in d.items}
    given: dict[tuple[str, str], int] = defaultdict(int)
    for a in result.assignments:
        given[(a.demand_id, a.stage)] += a.seats
    unmet = {(u.demand_id, u.stage) for u in result.unmet}
    covered = [k for k in given if k not in unmet]
    places = sum(asked[k] for k in covered)
    seats = sum(given[k] for k in covered)
    return f"{len(covered)} items covered: {seats:,} seats for {places:,} places (excess {seats - places:,})"


def measure() -> list[Row]:
    rows = []
    small = synthetic(*SMALL)
    times, small_plan = _solve_times(small, SMALL_RUNS, warm=True)
    small_times = times
    rows.append(
        Row(
            f"allocation plan() {SMALL[0]:,} × {SMALL[1]:,}",
            ms(statistics.median(times)),
            f"<= {ms(TARGET)}",
            f"{small.label}, 4 stages; median of {SMALL_RUNS} after one warm-up "
            f"(min {ms(min(times))}, max {ms(max(times))}); {len(small_plan.assignments)} batches "
            f"assigned, {len(small_plan.unmet)} items unmet",
        )
    )
    large = synthetic(*LARGE)
    times, large_plan = _solve_times(large, LARGE_RUNS, warm=False)
    rows.append(
        Row(
            f"allocation plan() {LARGE[0]:,} × {LARGE[1]:,}",
            ", ".join(ms(t) for t in times),
            "-",
            f"{large.label}, 4 stages; {LARGE_RUNS} runs; {len(large_plan.assignments)} batches "
            f"assigned, {len(large_plan.unmet)} items unmet",
        )
    )
    rows.append(
        Row(
            f"allocation seats given / asked {SMALL[0]:,} × {SMALL[1]:,}",
            f"+{small_plan.excess_seats}",
            "least excess",
            _seats(small, small_plan),
        )
    )
    oracle = small
    result = small_plan
    if ORACLE != SMALL:
        oracle = synthetic(*ORACLE)
        result = _solve_times(oracle, 1, warm=False)[1]
    started = time.perf_counter()
    sizes = oracle_sizes(oracle)
    expected = networkx_objective(oracle, sizes)
    took = time.perf_counter() - started
    from chalicelib.domain.allocation import claims

    same_sizes = claims(result) == sizes
    reduced = "" if ORACLE == SMALL else " (reduced: networkx is too slow on the small case)"
    rows.append(
        Row(
            "allocation objective plan() / networkx",
            f"{result.objective} / {expected}",
            "equal",
            f"{'equal' if result.objective == expected else 'DIFFERENT'}, sizes "
            f"{'the same' if same_sizes else 'DIFFERENT'}; {oracle.label}{reduced}; the sizes by "
            f"enumeration and networkx.network_simplex on the docstring's network took {took:.1f} s, "
            f"plan() {ms(statistics.median(small_times))}",
        )
    )
    return rows
