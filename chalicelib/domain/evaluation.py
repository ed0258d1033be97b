"""研训名额奖励: the office picks 1–2 regions from the year-end evaluation
(domain/year_end.py); each gets REWARD_PLACES (2 batches) in the next programme, once."""

from __future__ import annotations

from chalicelib.domain.errors import ConflictError, ValidationFailedError, problem

REWARD_PLACES = 10
MAX_REWARDED = 2


def check_reward_choice(region_ids: list[str], programme_id: str, next_programme_id: str) -> None:
    if next_programme_id == programme_id:
        # The reward is for next year's programme: places added to this one would only
        # reopen a quota whose demand deadline has passed.
        raise ValidationFailedError(fields={"next_programme_id": problem("reward_to_same_programme")})
    if len(set(region_ids)) != len(region_ids):
        raise ConflictError("duplicate_region")
    if len(region_ids) > MAX_REWARDED:
        raise ConflictError("too_many_rewards")
