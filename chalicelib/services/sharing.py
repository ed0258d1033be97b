"""分享报告: the region's contact records each trainee's report (domain/sharing.py has the rules)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from chalicelib.adapters import clock
from chalicelib.db import catalog, sharing, trainees
from chalicelib.domain import sharing as rules
from chalicelib.domain.deadlines import local_day
from chalicelib.domain.errors import ConflictError, NotFoundError, ValidationFailedError, problem
from chalicelib.domain.records import Session, SharingReport, Trainee
from chalicelib.domain.vocab import Role
from chalicelib.observability import count
from chalicelib.services.artifacts import _own_ready_images
from chalicelib.services.demand import region_of
from chalicelib.services.setup import get_programme
from chalicelib.services.uploads import image_url


def _own_trainee(session: Session, trainee_id: str) -> Trainee:
    """A trainee of the caller's region (another region's is not theirs to know: 404)."""
    trainee = trainees.get(trainee_id)
    if trainee is None or trainee.region_id not in session.region_ids:
        raise NotFoundError("trainee_not_found")
    if trainee.account_id is None:
        raise ConflictError("roster_not_confirmed")
    return trainee


def record(
    session: Session, trainee_id: str, held_on: date, audience: int, note: str | None, image_ids: list[str]
) -> SharingReport:
    """Record (or correct) the trainee's 分享报告."""
    trainee = _own_trainee(session, trainee_id)
    programme = get_programme(trainee.programme_id)
    now = clock.now()
    rules.check_held_on(held_on, trainee.end_date, programme.outcome_window_days, local_day(now))
    images = tuple(_own_ready_images(session, image_ids))
    for _ in range(2):
        before = sharing.get(trainee_id)
        report = SharingReport(
            trainee_id,
            trainee.programme_id,
            trainee.batch_id,
            trainee.region_id,
            held_on,
            audience,
            before.recorded_by if before else session.account_id,
            before.recorded_at if before else now,
            now,
            note or None,
            images,
        )
        if sharing.record(report, first=before is None):
            count("SharingReportRecorded")
            return report
    raise ConflictError("conflict")


@dataclass(frozen=True)
class ReportShown:
    """A 分享报告 as the region's contact reads it: its photos as short-lived links."""

    trainee_id: str
    batch_id: str
    date: date
    audience: int
    note: str | None
    image_ids: list[str]
    image_urls: list[str]
    recorded_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class SharingRow:
    """A trainee of the region's confirmed rosters, the window of its report, the report."""

    trainee_id: str
    name: str
    batch_id: str
    base_name: str
    start_date: date
    end_date: date
    window_closes: date
    window_open: bool
    report: ReportShown | None


def with_urls(report: SharingReport) -> ReportShown:
    return ReportShown(
        trainee_id=report.trainee_id,
        batch_id=report.batch_id,
        date=report.held_on,
        audience=report.audience,
        note=report.note,
        image_ids=list(report.image_ids),
        image_urls=[image_url(i) for i in report.image_ids],
        recorded_at=report.recorded_at,
        updated_at=report.updated_at,
    )


def listing(session: Session, programme_id: str, wanted_region: str | None) -> list[SharingRow]:
    """Each trainee of the region's confirmed rosters, the window of its report, and the
    report if recorded (the office names the region)."""
    programme = get_programme(programme_id)
    if session.role == Role.region_contact:
        region_id = region_of(session, wanted_region)
    elif not wanted_region:
        raise ValidationFailedError(fields={"region_id": problem("region_required")})
    else:
        region_id = wanted_region
    batches = sorted(
        catalog.region_batches(programme_id, region_id), key=lambda b: (b.start_date, b.batch_id)
    )
    bases = catalog.get_bases({b.base_id for b in batches})
    reports = {r.trainee_id: r for r in sharing.of_programme(programme_id, region_id)}
    today = local_day(clock.now())
    rows: list[SharingRow] = []
    for b in batches:
        for t in trainees.of_batch(b.batch_id):
            if t.account_id is None:
                continue
            closes = rules.window_closes(b.end_date, programme.outcome_window_days)
            report = reports.get(t.trainee_id)
            rows.append(
                SharingRow(
                    trainee_id=t.trainee_id,
                    name=t.name,
                    batch_id=b.batch_id,
                    base_name=bases[b.base_id].name if b.base_id in bases else "",
                    start_date=b.start_date,
                    end_date=b.end_date,
                    window_closes=closes,
                    window_open=b.end_date < today <= closes,
                    report=with_urls(report) if report else None,
                )
            )
    return rows
