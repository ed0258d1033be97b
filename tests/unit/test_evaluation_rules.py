"""The year-end 年度评估 (domain/year_end.py): four measures, each 0–100, combined by the
programme's weights; and the reward's choice (domain/evaluation.py)."""

from __future__ import annotations

import pytest

from chalicelib.domain.errors import ConflictError, ValidationFailedError
from chalicelib.domain.evaluation import check_reward_choice
from chalicelib.domain.year_end import DEFAULT_WEIGHTS, RegionYear, check_weights, measures, rank, score

pytestmark = pytest.mark.unit

pytestmark = pytest.mark.unit

BASE = {
    "asked_in_time": True,
    "batches": 2,
    "confirmed_batches": 2,
    "trainees": 10,
    "registered": 5,
    "checkin_days": 50,
    "session_days": 100,
    "with_outcome": 5,
    "featured": 0,
    "shared": 5,
}


def year(region_id: str, **changes: object) -> RegionYear:
    return RegionYear(region_id, **{**BASE, **changes})  # type: ignore[arg-type]


def test_organisation_is_the_mean_of_demand_rosters_registration_and_checkins() -> None:
    assert measures(year("r"))["organisation"] == 100 * (1 + 1 + 0.5 + 0.5) / 4
    assert measures(year("r", confirmed_batches=1))["organisation"] == 100 * (1 + 0.5 + 0.5 + 0.5) / 4
    assert measures(year("r", asked_in_time=False))["organisation"] == 100 * (0 + 1 + 0.5 + 0.5) / 4
    # A region that asked and got nothing did its part: only what applies to it counts
    assert measures(RegionYear("asked", asked_in_time=True))["organisation"] == 100
    assert measures(RegionYear("silent"))["organisation"] == 0


def test_sharing_and_outcomes_measure_reports_outcomes_and_featured_work() -> None:
    m = measures(year("r", shared=7, with_outcome=10, featured=5))
    assert m["sharing"] == 70 and m["outcomes"] == 100 * (0.8 * 1 + 0.2 * 0.5)
    assert measures(year("r", visit=85.5))["visit"] == 85.5 and measures(year("r"))["visit"] == 0


@pytest.mark.parametrize(
    ("change", "measure"),
    [({"registered": 10}, "organisation"), ({"shared": 10}, "sharing"), ({"with_outcome": 10}, "outcomes")],
)
def test_each_measure_raises_a_region_by_its_weight(change: dict[str, int], measure: str) -> None:
    ranked = rank([year("same"), year("better", **change)], DEFAULT_WEIGHTS, {})
    assert [e.region_id for e in ranked] == ["better", "same"]
    gained = ranked[0].measures[measure] - ranked[1].measures[measure]
    assert ranked[0].score - ranked[1].score == pytest.approx(
        DEFAULT_WEIGHTS[measure] * gained / 100, abs=0.01
    )


def test_the_visit_counts_only_by_its_weight() -> None:
    visited = year("visited", visit=100)
    assert rank([year("a"), visited], DEFAULT_WEIGHTS, {"a": "A", "visited": "B"})[0].region_id == "a"
    weights = {"organisation": 25, "sharing": 25, "outcomes": 25, "visit": 25}
    assert rank([year("a"), visited], weights, {})[0].region_id == "visited"
    assert score(measures(visited), weights) - score(measures(year("a")), weights) == 25


def test_ties_go_to_more_trainees_then_by_name() -> None:
    small = year("small", trainees=4, registered=2, shared=2, with_outcome=2)
    ranked = rank([year("b"), small, year("a")], DEFAULT_WEIGHTS, {"a": "A区", "b": "B区", "small": "甲区"})
    assert len({e.score for e in ranked}) == 1
    assert [e.region_id for e in ranked] == ["a", "b", "small"] and [e.rank for e in ranked] == [1, 2, 3]


def test_an_empty_region_scores_nothing_and_divides_by_nothing() -> None:
    [e] = rank([RegionYear("empty")], DEFAULT_WEIGHTS, {})
    assert e.score == 0 and set(e.measures.values()) == {0}


def test_weights_are_whole_percentages_that_add_up_to_100() -> None:
    check_weights(DEFAULT_WEIGHTS)
    with pytest.raises(ValidationFailedError):
        check_weights({"organisation": 50, "sharing": 30, "outcomes": 30, "visit": 0})


def test_the_reward_choice() -> None:
    check_reward_choice(["a", "b"], "p1", "p2")
    with pytest.raises(ConflictError, match="too_many_rewards"):
        check_reward_choice(["a", "b", "c"], "p1", "p2")
    with pytest.raises(ConflictError, match="duplicate_region"):
        check_reward_choice(["a", "a"], "p1", "p2")
    with pytest.raises(ValidationFailedError):
        check_reward_choice(["a"], "p1", "p1")
