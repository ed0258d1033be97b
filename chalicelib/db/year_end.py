"""A programme's year-end records (YearEndModel) and what the evaluation reads besides batches.

Access patterns: Query year_end[programme] (the weights and every 综合调研 score in one
partition); PutItem a record; Query artifacts.featured by programme (the featured ones, a few
dozen) for who has featured work, by region; Query quotas[programme] (the regions taking part).
No trainee is read: the batches carry their trainees' counts (services/year_end.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pynamodb.exceptions import DoesNotExist

from chalicelib.db.artifacts import FEATURED
from chalicelib.db.models import ArtifactModel, YearEndModel

WEIGHTS = "weights"
VISIT = "visit#"
YEARBOOK = "yearbook"


@dataclass(frozen=True)
class Visit:
    region_id: str
    score: float
    comment: str | None
    by: str
    at: datetime


@dataclass(frozen=True)
class Publication:
    export_id: str
    s3_key: str
    index_key: str | None
    by: str
    at: datetime


def records(programme_id: str) -> tuple[dict[str, int] | None, dict[str, Visit]]:
    """The programme's weights (None: the defaults) and its 综合调研 scores by region."""
    weights, visits = None, {}
    for m in YearEndModel.query(programme_id):
        if m.record_key == WEIGHTS:
            weights = {
                "organisation": int(m.organisation or 0),
                "sharing": int(m.sharing or 0),
                "outcomes": int(m.outcomes or 0),
                "visit": int(m.visit or 0),
            }
        elif m.record_key.startswith(VISIT):
            region_id = m.record_key.removeprefix(VISIT)
            assert m.at is not None
            visits[region_id] = Visit(region_id, float(m.score or 0), m.comment, m.by or "", m.at)
    return weights, visits


def set_weights(programme_id: str, weights: dict[str, int], by: str, now: datetime) -> None:
    YearEndModel(
        programme_id,
        WEIGHTS,
        organisation=weights["organisation"],
        sharing=weights["sharing"],
        outcomes=weights["outcomes"],
        visit=weights["visit"],
        by=by,
        at=now,
    ).save()


def set_visit(
    programme_id: str, region_id: str, score: float, comment: str | None, by: str, now: datetime
) -> None:
    YearEndModel(programme_id, VISIT + region_id, score=score, comment=comment, by=by, at=now).save()


def featured_by_region(programme_id: str) -> dict[str, int]:
    """{region: its trainees with featured work} of the programme's showcase (the office's
    choice: dozens, not the trainees), each artifact carrying its author's region."""
    trainees: dict[str, set[str]] = {}
    rows = ArtifactModel.by_featured.query(
        FEATURED,
        ArtifactModel.featured_key.startswith(f"{programme_id}#"),
        attributes_to_get=["region_id", "trainee_id"],
    )
    for m in rows:
        trainees.setdefault(m.region_id, set()).add(m.trainee_id)
    return {region_id: len(ids) for region_id, ids in trainees.items()}


def publication(programme_id: str) -> Publication | None:
    try:
        m = YearEndModel.get(programme_id, YEARBOOK, consistent_read=True)
    except DoesNotExist:
        return None
    assert m.export_id and m.s3_key and m.at
    return Publication(m.export_id, m.s3_key, m.index_key, m.by or "", m.at)


def publish(programme_id: str, p: Publication) -> None:
    YearEndModel(
        programme_id,
        YEARBOOK,
        export_id=p.export_id,
        s3_key=p.s3_key,
        index_key=p.index_key,
        by=p.by,
        at=p.at,
    ).save()
