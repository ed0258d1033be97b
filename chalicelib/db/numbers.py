"""What the office's numbers read besides batches: the programme's tallies.

Access patterns: Query quotas[programme] (the regions' and the stages' tallies: hundreds of
items in one partition). No trainee is read: the funnel's per-person steps (checked in,
wrote, gave an outcome) and the archive's uploaders are counters on the batches."""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib.db.models import QuotaModel
from chalicelib.domain.demand import STAGE_TALLY


@dataclass(frozen=True)
class Tally:
    key: str  # a region id, or a stage for a stage's tally
    places: int
    requested: int
    remaining: int
    reward_places: int = 0


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
