"""The year-end evaluation (研训名额奖励): regions ranked by how their trainees took part.

score = 0.25 x registration rate    (registered / trainees)
      + 0.30 x check-in rate        (check-in days / session days of their batches)
      + 0.20 x reflections          (reflections and insights per trainee, counted full at 3)
      + 0.25 x outcome rate         (trainees with an outcome / trainees)
Check-ins weigh most: the seed's 认真研修学习 happens on the days at the base. Ties go to
the region with more trainees, then by name, so the order is stable.
The office picks 1–2 regions; each gets REWARD_PLACES (2 batches) in the next programme, once.
"""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib.domain.errors import ConflictError, ValidationFailedError, problem

WEIGHTS = {"registration": 0.25, "checkin": 0.30, "reflections": 0.20, "outcome": 0.25}
REFLECTIONS_FULL = 3
REWARD_PLACES = 10
MAX_REWARDED = 2


@dataclass
class RegionTally:
    region_id: str
    trainees: int = 0
    registered: int = 0
    checkin_days: int = 0
    session_days: int = 0
    reflections: int = 0
    with_outcome: int = 0


@dataclass(frozen=True)
class Ranked:
    region_id: str
    rank: int
    score: float
    registration_rate: float
    checkin_rate: float
    reflections_per_trainee: float
    outcome_rate: float
    trainees: int


def _ratio(a: int, b: int) -> float:
    return a / b if b else 0.0


def rank(tallies: list[RegionTally], names: dict[str, str]) -> list[Ranked]:
    scored = []
    for t in tallies:
        registration = _ratio(t.registered, t.trainees)
        checkin = _ratio(t.checkin_days, t.session_days)
        per_trainee = _ratio(t.reflections, t.trainees)
        outcome = _ratio(t.with_outcome, t.trainees)
        score = (
            WEIGHTS["registration"] * registration
            + WEIGHTS["checkin"] * checkin
            + WEIGHTS["reflections"] * min(1.0, per_trainee / REFLECTIONS_FULL)
            + WEIGHTS["outcome"] * outcome
        )
        scored.append((round(score, 4), t, registration, checkin, per_trainee, outcome))
    scored.sort(key=lambda s: (-s[0], -s[1].trainees, names.get(s[1].region_id, s[1].region_id)))
    return [
        Ranked(t.region_id, n, score, round(reg, 4), round(chk, 4), round(per, 4), round(out, 4), t.trainees)
        for n, (score, t, reg, chk, per, out) in enumerate(scored, 1)
    ]


def check_reward_choice(region_ids: list[str], programme_id: str, next_programme_id: str) -> None:
    if next_programme_id == programme_id:
        # The reward is for next year's programme: places added to this one would only
        # reopen a quota whose demand deadline has passed.
        raise ValidationFailedError(fields={"next_programme_id": problem("reward_to_same_programme")})
    if len(set(region_ids)) != len(region_ids):
        raise ConflictError("duplicate_region")
    if len(region_ids) > MAX_REWARDED:
        raise ConflictError("too_many_rewards")
