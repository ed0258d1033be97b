"""Allocation of batches to demands: a min-cost flow solved by OR-Tools.

The network, for the demand items still short of batches:

    source ─► item i ─► (region, stage, base B, study type asked) ─► class (stage, base, study type) ─► sink
                 └──────────────────────── unmet ────────────────────────────────────────► sink

- An item of N places, holding batches that seat H, needs k = ⌈(N − H) / c⌉ more whole
  batches, c being the smallest capacity among the free batches of its stage (so k
  batches always seat the rest).
- item → sink ("unmet") costs W·(R − rank) per batch: R demands, rank 0 the earliest.
  Which item slots get a batch is a transversal matroid, and for a matroid every weighting
  that decreases with the order has the same optimum as the greedy, first-come-first-served
  one. W exceeds the largest sum of all secondary costs, so no secondary cost can buy a
  later demand a batch at an earlier demand's expense.
- Secondary costs, in this order of weight: a batch of the other study type (MISMATCH per
  batch), then a second, third… batch of one region at the same base for one stage
  (SPREAD, 2·SPREAD, … — convex arcs on the region's node, so the solver spreads a region
  over bases, however many demands its batches serve).
- Batches with the same (stage, base, study type) are interchangeable for every cost, so they
  form one class node with capacity = their count. After the solve, each class's batches are
  handed to its items in rank order, each item taking the batch whose month its region has
  least so far (then the earliest): this spreads a region over months without a cost the
  flow cannot express, and changes no cost.

Pure Python plus the solver; no AWS here.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from chalicelib.domain.records import Batch

MISMATCH = 1000  # a batch of the other study type
SPREAD = 100  # each further batch of one item at a base it already has


@dataclass(frozen=True)
class DemandItem:
    stage: str
    places: int
    # What this item already holds (from earlier commits or by hand): batches and their seats.
    held_batches: int = 0
    held_places: int = 0


@dataclass(frozen=True)
class DemandToPlace:
    demand_id: str
    region_id: str
    order_key: str  # submitted_at + demand_id: oldest first, ties broken stably
    study_type: str
    items: tuple[DemandItem, ...]


@dataclass(frozen=True)
class FreeBatch:
    batch_id: str
    stage: str
    base_id: str
    study_type: str
    start_date: date
    capacity: int


@dataclass(frozen=True)
class Assignment:
    batch_id: str
    region_id: str
    demand_id: str
    stage: str
    study_type_matched: bool


@dataclass(frozen=True)
class Unmet:
    demand_id: str
    region_id: str
    stage: str
    places: int
    batches_needed: int
    batches_assigned: int
    reason: str  # no_batches_for_stage | taken_by_earlier_demands | taken_concurrently


@dataclass
class Plan:
    assignments: list[Assignment] = field(default_factory=list)
    unmet: list[Unmet] = field(default_factory=list)
    objective: int = 0


def holdings(batches: Iterable[Batch]) -> tuple[Counter[tuple[str, str]], Counter[tuple[str, str]]]:
    """What each demand line holds: ({(demand_id, stage): batches}, {(demand_id, stage): seats})."""
    held: Counter[tuple[str, str]] = Counter()
    seats: Counter[tuple[str, str]] = Counter()
    for b in batches:
        if b.region_id and b.demand_id:
            held[(b.demand_id, b.stage)] += 1
            seats[(b.demand_id, b.stage)] += b.capacity
    return held, seats


def batches_needed(places: int, capacity: int) -> int:
    return math.ceil(places / capacity)


def _month(b: FreeBatch) -> tuple[int, int]:
    return (b.start_date.year, b.start_date.month)


def _unmet(d: DemandToPlace, item: DemandItem, need: int, got: int, reason: str) -> Unmet:
    return Unmet(d.demand_id, d.region_id, item.stage, item.places, need, got, reason)


def plan(  # noqa: C901, PLR0912, PLR0915 - issue 13 splits it into named steps (seats, exactly)
    demands: list[DemandToPlace], free: list[FreeBatch], stages_with_batches: set[str] | None = None
) -> Plan:
    """The allocation of `free` batches to the items of `demands`; deterministic.
    `stages_with_batches`: the stages that have any batch, free or not (for unmet reasons)."""
    known = stages_with_batches if stages_with_batches is not None else {b.stage for b in free}
    from ortools.graph.python import min_cost_flow

    demands = sorted(demands, key=lambda d: d.order_key)
    free = sorted(free, key=lambda b: (b.stage, b.base_id, b.study_type, b.start_date, b.batch_id))
    min_capacity: dict[str, int] = {}
    for b in free:
        min_capacity[b.stage] = min(min_capacity.get(b.stage, b.capacity), b.capacity)

    classes: dict[tuple[str, str, str], list[FreeBatch]] = defaultdict(list)
    for b in free:
        classes[(b.stage, b.base_id, b.study_type)].append(b)
    bases_of_stage: dict[str, list[str]] = defaultdict(list)
    for stage, base, _type in classes:
        if base not in bases_of_stage[stage]:
            bases_of_stage[stage].append(base)

    # Items that still need batches, in rank order.
    wanted: list[tuple[int, DemandToPlace, DemandItem, int]] = []
    result = Plan()
    for rank, d in enumerate(demands):
        for item in d.items:
            short = item.places - item.held_places
            if short <= 0:
                continue
            if item.stage not in min_capacity:
                reason = "taken_by_earlier_demands" if item.stage in known else "no_batches_for_stage"
                result.unmet.append(_unmet(d, item, item.held_batches + 1, item.held_batches, reason))
                continue
            wanted.append((rank, d, item, batches_needed(short, min_capacity[item.stage])))
    if not wanted:
        return result

    # The items of one region, stage and study type asked share one node per base, whose
    # convex arcs spread the region (not only each item) over bases.
    group_need: Counter[tuple[str, str, str]] = Counter()
    for _rank, d, item, need in wanted:
        group_need[(d.region_id, item.stage, d.study_type)] += need
    max_need = max(group_need.values())
    secondary_bound = len(free) * (MISMATCH + SPREAD * max_need)
    weight = secondary_bound + 1
    total_ranks = len(demands)

    # Within a stage every item reaches every class of the stage, so the item slots that get
    # a batch are the stage's first (number of its free batches) slots in rank order. An item
    # wholly past them gets nothing whatever the secondary costs: it stays out of the network
    # (reported unmet below) and its unmet arcs' cost is added to the objective.
    batches_of_stage = Counter(b.stage for b in free)
    slots_before: Counter[str] = Counter()
    left_out: set[int] = set()
    constant = 0
    for idx, (rank, _d, item, need) in enumerate(wanted):
        if slots_before[item.stage] >= batches_of_stage[item.stage]:
            left_out.add(idx)
            constant += need * weight * (total_ranks - rank)
        slots_before[item.stage] += need

    flow = min_cost_flow.SimpleMinCostFlow()
    nodes: dict[object, int] = {}

    def node(key: object) -> int:
        if key not in nodes:
            nodes[key] = len(nodes)
        return nodes[key]

    group_size: Counter[tuple[str, str, str]] = Counter(
        (d.region_id, item.stage, d.study_type)
        for idx, (_r, d, item, _n) in enumerate(wanted)
        if idx not in left_out
    )
    source, sink = node("source"), node("sink")
    Group = tuple[str, str, str, str]  # region, stage, base, study type asked
    item_arcs: dict[int, list[tuple[int, Group]]] = defaultdict(list)
    group_arcs: dict[Group, list[tuple[int, tuple[str, str, str]]]] = defaultdict(list)
    supply = 0
    for idx, (rank, d, item, need) in enumerate(wanted):
        if idx in left_out:
            continue
        supply += need
        item_node = node(("item", idx))
        flow.add_arc_with_capacity_and_unit_cost(source, item_node, need, 0)
        flow.add_arc_with_capacity_and_unit_cost(item_node, sink, need, weight * (total_ranks - rank))
        for base in bases_of_stage[item.stage]:
            group = (d.region_id, item.stage, base, d.study_type)
            total = group_need[(d.region_id, item.stage, d.study_type)]
            via = node(("via", *group))
            if group_size[(d.region_id, item.stage, d.study_type)] == 1:
                # The usual case, one item in its group: its own pieces, no shared node
                for piece in range(total):
                    arc = flow.add_arc_with_capacity_and_unit_cost(item_node, via, 1, SPREAD * piece)
                    item_arcs[idx].append((arc, group))
            else:
                arc = flow.add_arc_with_capacity_and_unit_cost(item_node, node(("in", *group)), need, 0)
                item_arcs[idx].append((arc, group))
                if group not in group_arcs:
                    for piece in range(total):
                        flow.add_arc_with_capacity_and_unit_cost(node(("in", *group)), via, 1, SPREAD * piece)
            if group in group_arcs:
                continue
            group_arcs[group] = []
            for study_type in ("exchange", "placement"):
                key = (item.stage, base, study_type)
                if key in classes:
                    cost = 0 if study_type == d.study_type else MISMATCH
                    class_arc = flow.add_arc_with_capacity_and_unit_cost(
                        via, node(("class", key)), total, cost
                    )
                    group_arcs[group].append((class_arc, key))
    for key, members in classes.items():
        if ("class", key) in nodes:
            flow.add_arc_with_capacity_and_unit_cost(node(("class", key)), sink, len(members), 0)
    flow.set_node_supply(source, supply)
    flow.set_node_supply(sink, -supply)
    status = flow.solve()
    if status != flow.OPTIMAL:  # cannot happen: the unmet arcs make every instance feasible
        raise RuntimeError(f"min-cost flow status {status}")
    result.objective = int(flow.optimal_cost()) + constant

    # Each group's batches go to its items in rank order (any split costs the same); then
    # concrete batches are handed out class by class, items in rank order.
    taken_from: dict[tuple[str, str, str], list[tuple[int, int]]] = defaultdict(list)
    into_group: dict[Group, list[tuple[int, int]]] = defaultdict(list)
    for idx in range(len(wanted)):
        for arc, group in item_arcs[idx]:
            if units := flow.flow(arc):
                into_group[group].append((idx, units))
    for group, arrivals in into_group.items():
        keys = [key for arc, key in group_arcs[group] if flow.flow(arc)]
        left = [int(flow.flow(arc)) for arc, _key in group_arcs[group] if flow.flow(arc)]
        for idx, units in sorted(arrivals):
            while units:
                share = min(units, left[0])
                taken_from[keys[0]].append((idx, share))
                units -= share
                left[0] -= share
                if not left[0]:
                    keys.pop(0)
                    left.pop(0)
    months_of_region: dict[str, Counter[tuple[int, int]]] = defaultdict(Counter)
    got: Counter[int] = Counter()
    for key in sorted(taken_from, key=lambda k: min(i for i, _ in taken_from[k])):
        pool = list(classes[key])
        for idx, units in sorted(taken_from[key]):
            _rank, d, item, _need = wanted[idx]
            months = months_of_region[d.region_id]
            for _ in range(units):
                pick = min(
                    pool,
                    key=lambda b: (months[(b.start_date.year, b.start_date.month)], b.start_date, b.batch_id),
                )
                pool.remove(pick)
                months[(pick.start_date.year, pick.start_date.month)] += 1
                got[idx] += 1
                matched = pick.study_type == d.study_type
                result.assignments.append(
                    Assignment(pick.batch_id, d.region_id, d.demand_id, item.stage, matched)
                )
    for idx, (_rank, d, item, need) in enumerate(wanted):
        if got[idx] < need:
            held = item.held_batches
            result.unmet.append(_unmet(d, item, held + need, held + got[idx], "taken_by_earlier_demands"))
    result.assignments.sort(key=lambda a: (a.demand_id, a.stage, a.batch_id))
    return result
