"""Step 3 of the allocation (domain/allocation.py's docstring): the min-cost flow that routes
each sized item's batches to classes of free batches (stage, base, study type, capacity), on
OR-Tools, and the share of each group's batches among its items in rank order."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping

from chalicelib.domain.allocation import MISMATCH, SPREAD, STUDY_TYPES, Class, FreeBatch, Group, Want


class Network:
    """The min-cost flow of step 3 (see the module's docstring), on OR-Tools."""

    def __init__(self, wanted: list[Want], classes: Mapping[Class, list[FreeBatch]], ranks: int) -> None:
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

    def add_item(self, idx: int, w: Want, capacity: int, n: int) -> None:
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
            split_group(sorted(items), left, taken)
        return taken


def split_group(
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
