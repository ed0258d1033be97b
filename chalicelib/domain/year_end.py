"""The year-end 年度评估 (the seed's 研训名额奖励: 组织管理, 汇报交流, 成果运用, 综合调研),
each measure 0–100, combined by the programme's weights (the office sets them; 综合调研 0 by
default, since only a visit can judge it).

- 组织管理 (organisation): the mean of what the region's organisation decided, over the parts
  that apply to it: a demand in time (1 if it asked and was not wholly returned), rosters in
  time (its allocated batches confirmed: a roster cannot be confirmed after its deadline),
  报到 (registered / trainees) and 签到 (check-in days / session days);
- 汇报交流 (sharing): trainees whose 分享报告 is recorded / trainees;
- 成果运用 (outcomes): 0.8 × trainees with an outcome / trainees + 0.2 × trainees with
  featured work (择优展示) / trainees;
- 综合调研 (visit): the office's score, 0 until it gives one.

score = Σ weight × measure / Σ weight. Ties go to the region with more trainees, then by name.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from chalicelib.domain.errors import ValidationFailedError, problem

MEASURES = ("organisation", "sharing", "outcomes", "visit")
DEFAULT_WEIGHTS = {"organisation": 40, "sharing": 30, "outcomes": 30, "visit": 0}
OUTCOME_SHARE, FEATURED_SHARE = 0.8, 0.2


@dataclass
class RegionYear:
    region_id: str
    asked_in_time: bool = False
    batches: int = 0
    confirmed_batches: int = 0
    trainees: int = 0
    registered: int = 0
    checkin_days: int = 0
    session_days: int = 0
    reflections: int = 0
    with_outcome: int = 0
    featured: int = 0  # trainees with featured work
    shared: int = 0  # trainees whose 分享报告 is recorded
    visit: float | None = None
    visit_comment: str | None = None


@dataclass(frozen=True)
class Evaluated:
    region_id: str
    rank: int
    score: float
    measures: dict[str, float]
    year: RegionYear = field(compare=False)


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def measures(y: RegionYear) -> dict[str, float]:
    parts = [
        1.0 if y.asked_in_time else 0.0,
        _rate(y.confirmed_batches, y.batches),
        _rate(y.registered, y.trainees),
        _rate(y.checkin_days, y.session_days),
    ]
    known = [p for p in parts if p is not None]
    outcome = _rate(y.with_outcome, y.trainees) or 0.0
    featured = _rate(y.featured, y.trainees) or 0.0
    return {
        "organisation": round(100 * sum(known) / len(known), 1),
        "sharing": round(100 * (_rate(y.shared, y.trainees) or 0.0), 1),
        "outcomes": round(100 * (OUTCOME_SHARE * outcome + FEATURED_SHARE * featured), 1),
        "visit": round(y.visit or 0.0, 1),
    }


def score(measured: dict[str, float], weights: dict[str, int]) -> float:
    total = sum(weights.values())
    return round(sum(weights[k] * measured[k] for k in MEASURES) / total, 2) if total else 0.0


def rank(years: list[RegionYear], weights: dict[str, int], names: dict[str, str]) -> list[Evaluated]:
    scored = [(score(m := measures(y), weights), m, y) for y in years]
    scored.sort(key=lambda s: (-s[0], -s[2].trainees, names.get(s[2].region_id, s[2].region_id)))
    return [Evaluated(y.region_id, n, s, m, y) for n, (s, m, y) in enumerate(scored, 1)]


def check_weights(weights: dict[str, int]) -> None:
    """Whole percentages, 0–100 each, summing to 100."""
    if sum(weights.values()) != 100:
        raise ValidationFailedError(fields={"weights": problem("weights_sum")})
