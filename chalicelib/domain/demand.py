"""Demand rules: the deadline, the quota, what the demand form shows.

Availability per stage (名额充足 / 名额适量 / 无名额), from the stage's open places, which
are the capacity of the stage's batches minus the places every region already asked for:

- `none`    when open places <= 0: everything is asked for;
- `limited` when open places are fewer than LIMITED_PLACES, or fewer than LIMITED_SHARE of
            the stage's capacity: a few batches' worth is left;
- `ample`   otherwise.
"""

from __future__ import annotations

from chalicelib.domain.errors import ValidationFailedError, problem

LIMITED_PLACES = 10  # two batches of five
LIMITED_SHARE = 0.25
REMARK_MAX = 30  # the seed's 请输入30个字以内
STAGE_TALLY = "#stage#"


def availability(open_places: int, capacity: int) -> str:
    if open_places <= 0:
        return "none"
    if open_places < LIMITED_PLACES or open_places < LIMITED_SHARE * capacity:
        return "limited"
    return "ample"


def check_items(items: list[tuple[str, int]]) -> int:
    """One line per stage, each for at least one place; returns the places asked for."""
    stages = [stage for stage, _ in items]
    if len(set(stages)) != len(stages):
        raise ValidationFailedError(fields={"items": problem("stage_repeated")})
    return sum(places for _, places in items)


def stage_tally_key(stage: str) -> str:
    return STAGE_TALLY + stage
