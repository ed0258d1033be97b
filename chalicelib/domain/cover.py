"""Step 2's rule of the allocation (domain/allocation.py): the least-excess cover. Out of the
batches available ({capacity: count}), those whose seats cover a shortfall with the least
excess; ties, the fewest batches, then the larger ones. A bounded knapsack over exact seat
sums, cached by shortfall and what is left."""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache


def best_cover(short: int, available: Mapping[int, int]) -> dict[int, int]:
    """The batches ({capacity: count}) out of `available` whose seats cover `short` with the
    least excess; ties, the fewest batches, then the larger batches. Everything available
    when nothing covers it."""
    caps = sorted((c for c, n in available.items() if n > 0 and c > 0), reverse=True)
    if short <= 0 or not caps:
        return {}
    if sum(c * available[c] for c in caps) < short:
        return {c: available[c] for c in caps}
    # A least-excess cover holds no batch it could do without, so no more than ⌈short / c⌉
    # of capacity c, and its excess is below its smallest batch.
    bounded = tuple((c, min(available[c], -(-short // c))) for c in caps)
    return {c: n for c, n in zip(caps, _cover(short, bounded), strict=True) if n}


@lru_cache(maxsize=4096)
def _cover(short: int, caps: tuple[tuple[int, int], ...]) -> tuple[int, ...]:
    """Counts per capacity (in the order of `caps`, largest first) of the best cover: a
    bounded knapsack over exact seat sums up to short + largest − 1, whose key per sum is
    (batches, −count of each capacity in turn): lexicographically least is best."""
    limit = short + caps[0][0] - 1
    best: list[tuple[int, tuple[int, ...]] | None] = [None] * (limit + 1)
    best[0] = (0, ())
    for capacity, most in caps:
        best = _with_capacity(best, capacity, most)
    seats = next(s for s in range(short, limit + 1) if best[s] is not None)
    found = best[seats]
    assert found is not None
    return tuple(-n for n in found[1])


def _with_capacity(
    best: list[tuple[int, tuple[int, ...]] | None], capacity: int, most: int
) -> list[tuple[int, tuple[int, ...]] | None]:
    out: list[tuple[int, tuple[int, ...]] | None] = [None] * len(best)
    for seats in range(len(best)):
        for n in range(min(most, seats // capacity) + 1):
            prior = best[seats - n * capacity]
            if prior is None:
                continue
            key = (prior[0] + n, (*prior[1], -n))
            current = out[seats]
            if current is None or key < current:
                out[seats] = key
    return out
