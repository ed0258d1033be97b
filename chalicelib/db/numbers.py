"""What the office's numbers read: the programme's tallies, and its trainees' per-person marks.

Access patterns: Query quotas[programme] (the regions' and the stages' tallies: hundreds of
items in one partition); Query trainees.by_programme projected to the few attributes the
funnel needs (the steps counted per person: checked in, wrote, gave an outcome) and the
archive's uploaders (anyone with a piece)."""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib.db.models import QuotaModel, TraineeModel
from chalicelib.domain.demand import STAGE_TALLY


@dataclass(frozen=True)
class Tally:
    key: str  # a region id, or a stage for a stage's tally
    places: int
    requested: int
    remaining: int
    reward_places: int = 0


@dataclass(frozen=True)
class Marks:
    """One trainee's funnel marks."""

    region_id: str
    batch_id: str
    checked_in: bool
    reflections: bool
    outcomes: bool
    uploaded: bool = False  # any piece at all (心得体会, 学习感悟 or 成果): the archive's 上传率


def tallies(programme_id: str) -> tuple[list[Tally], list[Tally]]:
    """(the regions' tallies, the stages' tallies)."""
    regions: list[Tally] = []
    stages: list[Tally] = []
    for m in QuotaModel.query(programme_id):
        tally = Tally(
            m.region_id.removeprefix(STAGE_TALLY),
            int(m.places or 0),
            int(m.requested or 0),
            int(m.remaining if m.remaining is not None else (m.places or 0) - (m.requested or 0)),
            int(m.reward_places or 0),
        )
        (stages if m.region_id.startswith(STAGE_TALLY) else regions).append(tally)
    return regions, stages


def marks(programme_id: str, region_id: str | None = None) -> list[Marks]:
    rows = TraineeModel.by_programme.query(
        programme_id,
        filter_condition=(TraineeModel.region_id == region_id) if region_id else None,
        attributes_to_get=[
            "region_id",
            "batch_id",
            "checkins",
            "reflection_count",
            "outcome_count",
            "artifact_count",
        ],
    )
    return [
        Marks(
            m.region_id,
            m.batch_id,
            bool(m.checkins),
            bool(m.reflection_count),
            bool(m.outcome_count),
            bool(m.artifact_count),
        )
        for m in rows
    ]
