"""Allocation of batches to demands, in seats: first come, first served, each demand given the
batches whose seats cover its places with the least excess, then spread by a min-cost flow
solved by OR-Tools.

plan() runs four named steps:

1. **Order** (`_wanted`). The demand items still short of seats, in rank order: demands by
   their order key (submitted_at + demand id), oldest first. An item of N places holding
   batches that seat H is short by N − H.

2. **Size** (`_size`, `cover.best_cover`). Item by item in rank order, from the free batches of its
   stage still unclaimed by earlier items, the item claims a number of batches of each
   capacity: the multiset whose seats cover its shortfall with the least excess; ties, the
   fewest batches; then the larger batches (more of the largest capacity, then of the next).
   If the seats left cannot cover it, it claims every batch left of its stage and is
   reported unmet (taken_by_earlier_demands; no_batches_for_stage when the stage has no
   batch at all). So 10 places from batches of 10, 10 and 5 claim one batch of 10, and 12
   places claim 10 + 5. An earlier demand is never left short while a later one of its
   stage holds a batch: FCFS is decided here, whole, before any secondary cost.

3. **Route** (`_Network`). Which concrete classes of batches serve the claimed counts, by a
   min-cost flow. Per (stage, capacity):

       source ─► (item, c) ─► (region, stage, base B, study type asked, c)
              ─► class (stage, B, study type, c) ─► sink

   - source → (item, c): capacity n (what the item claimed of capacity c), cost 0;
   - (item, c) → group: unit pieces of cost SPREAD·j for j = 0 … total − 1 (total: what
     the region asked of that capacity for the stage and study type), so a second, third…
     batch of one region at one base costs more: the region is spread over bases. Items of
     one group share one node ("in") and its pieces, so a region with several demands is
     spread too;
   - group → class: capacity total, cost 0 for the study type asked, MISMATCH for the other;
   - class → sink: capacity the number of the class's batches.
   Ties go to the earlier demand (the issue's "ties: FCFS order"): every cost above is scaled
   by K = (batches claimed) · R + 1, R the number of demands, and a mismatch costs R − rank
   more, rank being the group's earliest demand (0 the oldest). The rank terms together stay
   below K, so they decide only between routings of equal cost: an earlier demand gets the
   study type it asked for before a later one does.
   Every claimed count fits (step 2 claimed only free batches of the stage and capacity, and
   every item reaches every class of its stage and capacity), so there is no unmet arc and
   the optimum is the secondary cost alone. Spreading counts batches of one capacity at a
   base; a region holding batches of two capacities is spread for each on its own (a flow
   cannot keep capacities apart through a shared node).

4. **Hand out** (`_hand_out`). Batches of one class are interchangeable for every cost, so a
   class's batches go to its items in rank order, each item taking the batch whose month its
   region has least so far (then the earliest): months spread without a cost the flow cannot
   express, and no cost changes.

Pure Python plus the solver; no AWS here.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

from chalicelib.domain.cover import best_cover
from chalicelib.domain.records import Batch

MISMATCH = 1000  # a batch of the other study type
SPREAD = 100  # each further batch of one region at a base it already has
STUDY_TYPES = ("exchange", "placement")


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
    seats: int = 0


@dataclass(frozen=True)
class Unmet:
    demand_id: str
    region_id: str
    stage: str
    places: int
    batches_needed: int
    batches_assigned: int
    reason: str  # no_batches_for_stage | taken_by_earlier_demands | taken_concurrently
    seats_assigned: int = 0


@dataclass
class Plan:
    assignments: list[Assignment] = field(default_factory=list)
    unmet: list[Unmet] = field(default_factory=list)
    objective: int = 0  # the routing's optimum: K·(MISMATCH and SPREAD costs) + rank tie-breaks
    excess_seats: int = 0  # seats given beyond the places asked, over every covered item


def holdings(batches: Iterable[Batch]) -> tuple[Counter[tuple[str, str]], Counter[tuple[str, str]]]:
    """What each demand line holds: ({(demand_id, stage): batches}, {(demand_id, stage): seats})."""
    held: Counter[tuple[str, str]] = Counter()
    seats: Counter[tuple[str, str]] = Counter()
    for b in batches:
        if b.region_id and b.demand_id:
            held[(b.demand_id, b.stage)] += 1
            seats[(b.demand_id, b.stage)] += b.capacity
    return held, seats


# --- step 1: order ---------------------------------------------------------------------------


@dataclass
class _Want:
    rank: int
    demand: DemandToPlace
    item: DemandItem
    short: int
    claimed: dict[int, int] = field(default_factory=dict)  # capacity -> batches (step 2)

    @property
    def seats(self) -> int:
        return sum(c * n for c, n in self.claimed.items())

    @property
    def count(self) -> int:
        return sum(self.claimed.values())


def _wanted(demands: list[DemandToPlace]) -> list[_Want]:
    ordered = sorted(demands, key=lambda d: d.order_key)
    return [
        _Want(rank, d, item, item.places - item.held_places)
        for rank, d in enumerate(ordered)
        for item in d.items
        if item.places - item.held_places > 0
    ]


# --- step 2: size ----------------------------------------------------------------------------


def _unmet(w: _Want, needed_more: int, reason: str) -> Unmet:
    held = w.item.held_batches
    return Unmet(
        w.demand.demand_id,
        w.demand.region_id,
        w.item.stage,
        w.item.places,
        held + w.count + needed_more,
        held + w.count,
        reason,
        w.item.held_places + w.seats,
    )


def _size(wanted: list[_Want], free: list[FreeBatch], known: set[str]) -> list[Unmet]:
    """Each item's claim, in rank order, from its stage's pool; the items left short."""
    pools: dict[str, Counter[int]] = defaultdict(Counter)
    for b in free:
        pools[b.stage][b.capacity] += 1
    smallest = {stage: min(pool) for stage, pool in pools.items()}
    unmet = []
    for w in wanted:
        pool = pools.get(w.item.stage)
        if not pool or sum(pool.values()) <= 0:
            reason = "taken_by_earlier_demands" if w.item.stage in known else "no_batches_for_stage"
            more = math.ceil(w.short / smallest[w.item.stage]) if w.item.stage in smallest else 1
            unmet.append(_unmet(w, more, reason))
            continue
        w.claimed = best_cover(w.short, pool)
        pool.subtract(w.claimed)
        if w.seats < w.short:
            more = math.ceil((w.short - w.seats) / smallest[w.item.stage])
            unmet.append(_unmet(w, more, "taken_by_earlier_demands"))
    return unmet


# --- step 3: route ---------------------------------------------------------------------------

Class = tuple[str, str, str, int]  # stage, base, study type, capacity
Group = tuple[str, str, str, str, int]  # region, stage, base, study type asked, capacity


class _Network:
    """The min-cost flow of step 3 (see the module's docstring), on OR-Tools."""

    def __init__(self, wanted: list[_Want], classes: Mapping[Class, list[FreeBatch]], ranks: int) -> None:
        from ortools.graph.python import min_cost_flow

        self.flow = min_cost_flow.SimpleMinCostFlow()
        self.nodes: dict[object, int] = {}
        self.classes = classes
        self.bases: dict[tuple[str, int], list[str]] = defaultdict(list)
        for stage, base, _type, capacity in classes:
            if base not in self.bases[(stage, capacity)]:
                self.bases[(stage, capacity)].append(base)
        self.group_need: Counter[tuple[str, str, str, int]] = Counter()
        self.group_size: Counter[tuple[str, str, str, int]] = Counter()
        for w in wanted:
            for capacity, n in w.claimed.items():
                key = (w.demand.region_id, w.item.stage, w.demand.study_type, capacity)
                self.group_need[key] += n
                self.group_size[key] += 1
        self.rank: dict[tuple[str, str, str, int], int] = {}
        for w in wanted:
            for capacity in w.claimed:
                self.rank.setdefault(
                    (w.demand.region_id, w.item.stage, w.demand.study_type, capacity), w.rank
                )
        self.ranks = ranks  # R: the number of demands
        # Costs scaled by K: the rank terms (at most R each, one per batch) never outweigh them
        self.scale = sum(w.count for w in wanted) * self.ranks + 1
        self.item_arcs: dict[tuple[int, int], list[tuple[int, Group]]] = defaultdict(list)
        self.group_arcs: dict[Group, list[tuple[int, Class]]] = {}
        self.supply = 0

    def node(self, key: object) -> int:
        if key not in self.nodes:
            self.nodes[key] = len(self.nodes)
        return self.nodes[key]

    def arc(self, tail: object, head: object, capacity: int, cost: int) -> int:
        return int(
            self.flow.add_arc_with_capacity_and_unit_cost(self.node(tail), self.node(head), capacity, cost)
        )

    def add_item(self, idx: int, w: _Want, capacity: int, n: int) -> None:
        self.supply += n
        item = ("item", idx, capacity)
        self.arc("source", item, n, 0)
        key = (w.demand.region_id, w.item.stage, w.demand.study_type, capacity)
        total = self.group_need[key]
        for base in self.bases[(w.item.stage, capacity)]:
            group: Group = (w.demand.region_id, w.item.stage, base, w.demand.study_type, capacity)
            if self.group_size[key] == 1:
                # The usual case, one item in its group: its own pieces, no shared node
                for piece in range(total):
                    cost = SPREAD * piece * self.scale
                    self.item_arcs[(idx, capacity)].append((self.arc(item, ("via", group), 1, cost), group))
            else:
                self.item_arcs[(idx, capacity)].append((self.arc(item, ("in", group), n, 0), group))
                if group not in self.group_arcs:
                    for piece in range(total):
                        self.arc(("in", group), ("via", group), 1, SPREAD * piece * self.scale)
            self._add_group(group, total)

    def _add_group(self, group: Group, total: int) -> None:
        if group in self.group_arcs:
            return
        region, stage, base, asked, capacity = group
        self.group_arcs[group] = []
        mismatch = MISMATCH * self.scale + self.ranks - self.rank[(region, stage, asked, capacity)]
        for study_type in STUDY_TYPES:
            key = (stage, base, study_type, capacity)
            if key in self.classes:
                cost = 0 if study_type == asked else mismatch
                self.group_arcs[group].append((self.arc(("via", group), ("class", key), total, cost), key))

    def solve(self) -> int:
        for key, members in self.classes.items():
            if ("class", key) in self.nodes:
                self.arc(("class", key), "sink", len(members), 0)
        self.flow.set_node_supply(self.node("source"), self.supply)
        self.flow.set_node_supply(self.node("sink"), -self.supply)
        status = self.flow.solve()
        if status != self.flow.OPTIMAL:  # cannot happen: step 2 claimed only what is free
            raise RuntimeError(f"min-cost flow status {status}")
        return int(self.flow.optimal_cost())

    def taken(self) -> dict[Class, list[tuple[int, int]]]:
        """{class: [(item index, batches)]}: each group's batches go to its items in rank
        order (any split of a group costs the same)."""
        arrivals: dict[Group, list[tuple[int, int]]] = defaultdict(list)
        for (idx, _capacity), arcs in self.item_arcs.items():
            for arc, group in arcs:
                if units := int(self.flow.flow(arc)):
                    arrivals[group].append((idx, units))
        taken: dict[Class, list[tuple[int, int]]] = defaultdict(list)
        for group, items in arrivals.items():
            left = [
                (key, int(self.flow.flow(arc))) for arc, key in self.group_arcs[group] if self.flow.flow(arc)
            ]
            _split(sorted(items), left, taken)
        return taken


def _split(
    items: list[tuple[int, int]], left: list[tuple[Class, int]], taken: dict[Class, list[tuple[int, int]]]
) -> None:
    """Share the group's batches per class (`left`) among its items, in rank order."""
    at, spare = 0, left[0][1] if left else 0
    for idx, units in items:
        while units:
            share = min(units, spare)
            taken[left[at][0]].append((idx, share))
            units, spare = units - share, spare - share
            if not spare:
                at += 1
                spare = left[at][1] if at < len(left) else 0


# --- step 4: hand out ------------------------------------------------------------------------


def _hand_out(
    wanted: list[_Want], classes: Mapping[Class, list[FreeBatch]], taken: dict[Class, list[tuple[int, int]]]
) -> list[Assignment]:
    months_of_region: dict[str, Counter[tuple[int, int]]] = defaultdict(Counter)
    out = []
    for key in sorted(taken, key=lambda k: min(i for i, _ in taken[k])):
        pool = list(classes[key])
        for idx, units in sorted(taken[key]):
            w = wanted[idx]
            months = months_of_region[w.demand.region_id]
            for _ in range(units):
                pick = min(pool, key=lambda b: (months[_month(b)], b.start_date, b.batch_id))
                pool.remove(pick)
                months[_month(pick)] += 1
                matched = pick.study_type == w.demand.study_type
                out.append(
                    Assignment(
                        pick.batch_id,
                        w.demand.region_id,
                        w.demand.demand_id,
                        w.item.stage,
                        matched,
                        pick.capacity,
                    )
                )
    return sorted(out, key=lambda a: (a.demand_id, a.stage, a.batch_id))


def _month(b: FreeBatch) -> tuple[int, int]:
    return (b.start_date.year, b.start_date.month)


def _classes(free: list[FreeBatch]) -> dict[Class, list[FreeBatch]]:
    classes: dict[Class, list[FreeBatch]] = defaultdict(list)
    for b in sorted(
        free, key=lambda b: (b.stage, b.base_id, b.study_type, b.capacity, b.start_date, b.batch_id)
    ):
        classes[(b.stage, b.base_id, b.study_type, b.capacity)].append(b)
    return classes


def plan(
    demands: list[DemandToPlace], free: list[FreeBatch], stages_with_batches: set[str] | None = None
) -> Plan:
    """The allocation of `free` batches to the items of `demands`; deterministic, whatever the
    order of its inputs. `stages_with_batches`: the stages that have any batch, free or not
    (for the unmet reasons)."""
    known = stages_with_batches if stages_with_batches is not None else {b.stage for b in free}
    wanted = _wanted(demands)
    result = Plan(unmet=_size(wanted, free, known))
    served = [w for w in wanted if w.claimed]
    if not served:
        return result
    classes = _classes(free)
    network = _Network(served, classes, len(demands))
    for idx, w in enumerate(served):
        for capacity, n in sorted(w.claimed.items(), reverse=True):
            network.add_item(idx, w, capacity, n)
    result.objective = network.solve()
    result.assignments = _hand_out(served, classes, network.taken())
    result.excess_seats = sum(w.seats - w.short for w in served if w.seats >= w.short)
    return result


def claims(result: Plan) -> dict[tuple[str, str], dict[int, int]]:
    """{(demand_id, stage): {capacity: batches}} of a plan's assignments (tests, the bench)."""
    out: dict[tuple[str, str], dict[int, int]] = defaultdict(dict)
    for a in result.assignments:
        key = (a.demand_id, a.stage)
        out[key][a.seats] = out[key].get(a.seats, 0) + 1
    return dict(out)
