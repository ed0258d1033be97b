"""The year-end evaluation and the reward places."""

from __future__ import annotations

from chalicelib.adapters import clock
from chalicelib.db import catalog, evaluation
from chalicelib.domain import evaluation as rules
from chalicelib.domain.deadlines import days
from chalicelib.domain.errors import NotFoundError
from chalicelib.domain.records import Session


def evaluate(programme_id: str) -> tuple[list[rules.Ranked], dict[str, str]]:
    if catalog.get_programme(programme_id) is None:
        raise NotFoundError("programme_not_found")
    tallies: dict[str, rules.RegionTally] = {}
    for t in evaluation.trainees(programme_id):
        tally = tallies.setdefault(t.region_id, rules.RegionTally(t.region_id))
        tally.trainees += 1
        tally.registered += t.registered_at is not None
        tally.checkin_days += len(t.checkins)
        tally.session_days += len(days(t.start_date, t.end_date))
        tally.reflections += t.reflection_count
        tally.with_outcome += t.outcome_count > 0
    names = {r.region_id: r.name for r in catalog.get_regions(set(tallies))}
    return rules.rank(list(tallies.values()), names), names


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
