"""The year-end ranking (domain/evaluation.py): each measure moves a region by its weight."""

from __future__ import annotations

import pytest

from chalicelib.domain.errors import ConflictError, ValidationFailedError
from chalicelib.domain.evaluation import (
    REFLECTIONS_FULL,
    WEIGHTS,
    RegionTally,
    check_reward_choice,
    rank,
)

pytestmark = pytest.mark.unit

BASE = {
    "trainees": 10,
    "registered": 5,
    "checkin_days": 50,
    "session_days": 100,
    "reflections": 10,
    "with_outcome": 5,
}


def tally(region_id: str, **changes: int) -> RegionTally:
    return RegionTally(region_id, **{**BASE, **changes})


@pytest.mark.parametrize(
    ("measure", "better", "gain"),
    [
        ("registered", 10, WEIGHTS["registration"] * 0.5),
        ("checkin_days", 100, WEIGHTS["checkin"] * 0.5),
        ("with_outcome", 10, WEIGHTS["outcome"] * 0.5),
        ("reflections", 20, WEIGHTS["reflections"] * (2 - 1) / REFLECTIONS_FULL),
    ],
)
def test_each_measure_raises_a_region_by_its_weight(measure: str, better: int, gain: float) -> None:
    ranked = rank([tally("same"), tally("better", **{measure: better})], {})
    assert [r.region_id for r in ranked] == ["better", "same"]
    assert ranked[0].score - ranked[1].score == pytest.approx(gain, abs=1e-4)


def test_reflections_count_full_at_three_per_trainee() -> None:
    full = {r.region_id: r for r in rank([tally("three", reflections=30), tally("ten", reflections=100)], {})}
    assert full["three"].score == full["ten"].score
    assert full["ten"].reflections_per_trainee == 10  # shown as is, scored at most as 3


def test_ties_go_to_more_trainees_then_by_name() -> None:
    small = tally("small", trainees=5, registered=5, checkin_days=100, reflections=15, with_outcome=5)
    ranked = rank(
        [
            tally("b", trainees=10, registered=10, checkin_days=100, reflections=30, with_outcome=10),
            small,
            tally("a", trainees=10, registered=10, checkin_days=100, reflections=30, with_outcome=10),
        ],
        {"a": "A实验区", "b": "B实验区", "small": "C实验区"},
    )
    assert [r.region_id for r in ranked] == ["a", "b", "small"]
    assert [r.rank for r in ranked] == [1, 2, 3]


def test_an_empty_region_scores_nothing_and_divides_by_nothing() -> None:
    [r] = rank([RegionTally("empty")], {})
    assert (r.score, r.registration_rate, r.checkin_rate, r.outcome_rate) == (0, 0, 0, 0)


def test_the_reward_choice() -> None:
    check_reward_choice(["a", "b"], "p1", "p2")
    with pytest.raises(ConflictError, match="too_many_rewards"):
        check_reward_choice(["a", "b", "c"], "p1", "p2")
    with pytest.raises(ConflictError, match="duplicate_region"):
        check_reward_choice(["a", "a"], "p1", "p2")
    with pytest.raises(ValidationFailedError):
        check_reward_choice(["a"], "p1", "p1")
