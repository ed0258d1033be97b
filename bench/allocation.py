"""Figures 5 and 6: the allocation solver, `chalicelib.domain.allocation.plan`, on synthetic
programmes of realistic shape, and its optimum checked against networkx.

The inputs come from a fixed seed, so every run solves the same instances:

- 31 bases, each serving 1–3 of the four stages (every stage has at least one base);
- batches spread over the (base, stage) pairs, two weeks each, starting on Mondays from
  September to mid-December; capacity 5, about one in seven of 6–8 (mixed capacity, so k
  is taken from the smallest); about 70 % placement, the rest exchange;
- each region asks for 1–3 stages, 5–15 places each, at most 35 in all (the default
  quota); about a quarter of the regions with two or more stages split them over two
  demands, the second submitted later. Submission times are spread over the two weeks
  before the deadline, so order keys (`<UTC time>#<demand id>`) increase with them.

The oracle rebuilds the network from the module docstring of allocation.py, with the same
k, W, R and ranks, independently of plan()'s code, and solves it with networkx's network
simplex; both optima must be equal (costs are integers, so exactly equal)."""

from __future__ import annotations

import math
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
        capacity = 5 if rng.random() < 6 / 7 else rng.randint(6, 8)
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


def networkx_objective(instance: Instance) -> int:  # noqa: C901, PLR0912 - restated in seats with the solver (issue 13)
    """The optimum of the network the docstring of allocation.py describes, by networkx."""
    import networkx as nx

    from chalicelib.domain.allocation import MISMATCH, SPREAD

    demands = sorted(instance.demands, key=lambda d: d.order_key)
    smallest: dict[str, int] = {}
    classes: dict[tuple[str, str, str], int] = defaultdict(int)  # (stage, base, study type) -> count
    for b in instance.free:
        smallest[b.stage] = min(smallest.get(b.stage, b.capacity), b.capacity)
        classes[(b.stage, b.base_id, b.study_type)] += 1
    bases: dict[str, set[str]] = defaultdict(set)
    for stage, base, _type in classes:
        bases[stage].add(base)

    items = []  # (rank, demand, stage, k)
    for rank, d in enumerate(demands):
        for item in d.items:
            short = item.places - item.held_places
            if short > 0 and item.stage in smallest:
                items.append((rank, d, item.stage, math.ceil(short / smallest[item.stage])))
    if not items:
        return 0
    # A region's items of one stage and study type share one node per base (its spreading)
    group_need: dict[tuple[str, str, str], int] = defaultdict(int)
    for _rank, d, stage, k in items:
        group_need[(d.region_id, stage, d.study_type)] += k
    weight = len(instance.free) * (MISMATCH + SPREAD * max(group_need.values())) + 1
    total_ranks = len(demands)

    g = nx.MultiDiGraph()
    supply = sum(k for *_, k in items)
    g.add_node("source", demand=-supply)
    g.add_node("sink", demand=supply)
    for i, (rank, d, stage, k) in enumerate(items):
        g.add_edge("source", ("item", i), capacity=k, weight=0)
        g.add_edge(("item", i), "sink", capacity=k, weight=weight * (total_ranks - rank))
        total = group_need[(d.region_id, stage, d.study_type)]
        for base in bases[stage]:
            group = (d.region_id, stage, base, d.study_type)
            g.add_edge(("item", i), ("in", group), capacity=k, weight=0)
            if ("via", group) in g:
                continue
            for j in range(total):
                g.add_edge(("in", group), ("via", group), capacity=1, weight=SPREAD * j)
            for study_type in ("placement", "exchange"):
                if (stage, base, study_type) in classes:
                    cost = 0 if study_type == d.study_type else MISMATCH
                    to_class = ("class", stage, base, study_type)
                    g.add_edge(("via", group), to_class, capacity=total, weight=cost)
    for (stage, base, study_type), count in classes.items():
        g.add_edge(("class", stage, base, study_type), "sink", capacity=count, weight=0)
    cost, _flows = nx.network_simplex(g)
    return int(cost)


def measure() -> list[Row]:
    rows = []
    small = synthetic(*SMALL)
    times, small_plan = _solve_times(small, SMALL_RUNS, warm=True)
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
    oracle = small
    objective = small_plan.objective
    if ORACLE != SMALL:
        oracle = synthetic(*ORACLE)
        objective = _solve_times(oracle, 1, warm=False)[1].objective
    started = time.perf_counter()
    expected = networkx_objective(oracle)
    took = time.perf_counter() - started
    reduced = "" if ORACLE == SMALL else " (reduced: networkx is too slow on the small case)"
    rows.append(
        Row(
            "allocation objective plan() / networkx",
            f"{objective} / {expected}",
            "equal",
            f"{'equal' if objective == expected else 'DIFFERENT'}; {oracle.label}{reduced}; "
            f"networkx.network_simplex on the docstring's network took {took:.1f} s",
        )
    )
    return rows
