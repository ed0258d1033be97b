"""The archive (研修档案): per batch and per trainee, registration, check-ins and artifacts,
from the counters kept with the writes (its .xlsx export: services/exports.py)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

from chalicelib.db import artifacts, catalog, trainees
from chalicelib.domain.deadlines import days
from chalicelib.domain.errors import NotFoundError
from chalicelib.domain.records import Base, Batch, Session
from chalicelib.domain.vocab import Role
from chalicelib.services.demand import region_of
from chalicelib.services.rosters import readable_batch


def _batches(session: Session, programme_id: str, wanted_region: str | None) -> list[Batch]:
    """The office: every allocated batch; a region contact: its region's (one Query either
    way: the number of calls does not grow with the number of regions)."""
    if catalog.get_programme(programme_id) is None:
        raise NotFoundError("programme_not_found")
    if session.role == Role.region_contact:
        return catalog.region_batches(programme_id, region_of(session, wanted_region))
    return [b for b in catalog.all_batches(programme_id) if b.region_id]


@dataclass(frozen=True)
class ArchiveRow:
    """A batch's archive: its roster, registration, check-ins and pieces, from its counters."""

    batch_id: str
    base_id: str
    base_name: str
    region_id: str | None
    region_name: str
    stage: str
    start_date: date
    end_date: date
    roster_status: str
    trainees: int
    registered: int
    session_days: int
    checkin_days: int
    checkin_rate: float
    artifacts: int
    uploaders: int
    upload_rate: float


@dataclass(frozen=True)
class ArchivePiece:
    artifact_id: str
    kind: str
    title: str
    created_at: datetime
    featured: bool
    deleted_at: datetime | None


@dataclass(frozen=True)
class ArchiveTrainee:
    trainee_id: str
    name: str
    team_role: str
    registered_at: datetime | None
    checkins: list[str]
    checkin_days: int
    session_days: int
    artifacts: int
    artifact_list: list[ArchivePiece]


def _batch_row(b: Batch, bases: Mapping[str, Base], regions: dict[str, str]) -> ArchiveRow:
    session_days = len(days(b.start_date, b.end_date))
    return ArchiveRow(
        batch_id=b.batch_id,
        base_id=b.base_id,
        base_name=bases[b.base_id].name if b.base_id in bases else "",
        region_id=b.region_id,
        region_name=regions.get(b.region_id or "", ""),
        stage=b.stage,
        start_date=b.start_date,
        end_date=b.end_date,
        roster_status=b.roster_status,
        trainees=b.trainee_count,
        registered=b.registered_count,
        session_days=session_days,
        checkin_days=b.checkin_count,
        checkin_rate=round(b.checkin_count / (b.trainee_count * session_days), 4) if b.trainee_count else 0.0,
        artifacts=b.artifact_count,
        uploaders=b.uploader_trainees,
        upload_rate=round(b.uploader_trainees / b.trainee_count, 4) if b.trainee_count else 0.0,
    )


def programme_archive(session: Session, programme_id: str, wanted_region: str | None) -> list[ArchiveRow]:
    return programme_archive_rows(_batches(session, programme_id, wanted_region))


def programme_archive_rows(batches: list[Batch]) -> list[ArchiveRow]:
    """Each batch's row, from its counters (no trainee is read)."""
    bases = catalog.get_bases({b.base_id for b in batches})
    regions = {
        r.region_id: r.name for r in catalog.get_regions({b.region_id for b in batches if b.region_id})
    }
    return [_batch_row(b, bases, regions) for b in sorted(batches, key=lambda b: (b.start_date, b.batch_id))]


def batch_archive(session: Session, batch_id: str) -> tuple[Batch, list[ArchiveTrainee]]:
    """Per trainee: registration, check-ins, and the artifacts written (the office sees the
    deleted ones too, to restore them; the region and base contacts see the others)."""
    batch = readable_batch(session, batch_id)
    written: dict[str, list[ArchivePiece]] = {}
    for a in artifacts.of_batch(batch.batch_id):
        if a.deleted_at is not None and session.role != Role.admin:
            continue
        written.setdefault(a.trainee_id, []).append(
            ArchivePiece(a.artifact_id, a.kind, a.title, a.created_at, a.featured, a.deleted_at)
        )
    return batch, [
        ArchiveTrainee(
            trainee_id=t.trainee_id,
            name=t.name,
            team_role=t.team_role,
            registered_at=t.registered_at,
            checkins=sorted(t.checkins),
            checkin_days=len(t.checkins),
            session_days=len(days(t.start_date, t.end_date)),
            artifacts=t.artifact_count,
            artifact_list=written.get(t.trainee_id, []),
        )
        for t in trainees.of_batch(batch.batch_id)
    ]
