"""The reward places (研训名额奖励); the year-end evaluation they are chosen by is
services/year_end.py."""

from __future__ import annotations

from chalicelib.adapters import clock
from chalicelib.db import catalog, evaluation
from chalicelib.domain import evaluation as rules
from chalicelib.domain.errors import NotFoundError
from chalicelib.domain.records import Session


def reward(session: Session, programme_id: str, region_ids: list[str], next_programme_id: str) -> None:
    rules.check_reward_choice(region_ids, programme_id, next_programme_id)
    if catalog.get_programme(programme_id) is None:
        raise NotFoundError("programme_not_found")
    following = catalog.get_programme(next_programme_id)
    if following is None:
        raise NotFoundError("programme_not_found")
    if len(catalog.get_regions(set(region_ids))) != len(region_ids):
        raise NotFoundError("region_not_found")
    evaluation.grant(
        programme_id,
        following.programme_id,
        region_ids,
        rules.REWARD_PLACES,
        following.default_places,
        session.account_id,
        clock.now(),
    )
