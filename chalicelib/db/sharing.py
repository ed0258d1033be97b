"""分享报告, one per trainee.

Access patterns: GetItem / BatchGetItem by trainee; Query sharing_reports.by_programme (one
region's by begins_with); record: one transaction: the trainee still on its region's
confirmed roster (ConditionCheck), the report (Put: not there yet for the first, there for a
correction) and, for the first, the batch's sharing_count (the funnel's counter)."""

from __future__ import annotations

from datetime import date

from pynamodb.exceptions import DoesNotExist

from chalicelib.db.models import BatchModel, SharingReportModel, TraineeModel
from chalicelib.db.trainees import trainee_from_model
from chalicelib.db.writes import transaction
from chalicelib.domain.errors import NotFoundError
from chalicelib.domain.records import SharingReport, Trainee


def _report(m: SharingReportModel) -> SharingReport:
    return SharingReport(
        m.trainee_id,
        m.programme_id,
        m.batch_id,
        m.region_id,
        date.fromisoformat(m.held_on),
        int(m.audience),
        m.recorded_by,
        m.recorded_at,
        m.updated_at,
        m.note,
        tuple(str(i) for i in m.image_ids or ()),
    )


def get(trainee_id: str) -> SharingReport | None:
    try:
        return _report(SharingReportModel.get(trainee_id, consistent_read=True))
    except DoesNotExist:
        return None


def get_many(trainee_ids: set[str]) -> dict[str, SharingReport]:
    if not trainee_ids:
        return {}
    return {m.trainee_id: _report(m) for m in SharingReportModel.batch_get(list(trainee_ids))}


def of_programme(programme_id: str, region_id: str | None = None) -> list[SharingReport]:
    condition = SharingReportModel.region_key.startswith(f"{region_id}#") if region_id else None
    return [_report(m) for m in SharingReportModel.by_programme.query(programme_id, condition)]


def record(r: SharingReport, first: bool) -> bool:
    """Put the report; False if it was not as read (a first one recorded meanwhile, or the
    other way round): read it again."""
    item = SharingReportModel(
        r.trainee_id,
        programme_id=r.programme_id,
        batch_id=r.batch_id,
        region_id=r.region_id,
        region_key=f"{r.region_id}#{r.trainee_id}",
        held_on=r.held_on.isoformat(),
        audience=r.audience,
        note=r.note,
        image_ids=list(r.image_ids) or None,
        recorded_by=r.recorded_by,
        recorded_at=r.recorded_at,
        updated_at=r.updated_at,
    )
    on_roster = (
        TraineeModel.trainee_id.exists()
        & (TraineeModel.region_id == r.region_id)
        & TraineeModel.account_id.exists()
    )
    exists = SharingReportModel.trainee_id
    with transaction(errors={"trainee": NotFoundError("trainee_not_found")}, tolerate={"report"}) as tx:
        tx.condition_check(TraineeModel, r.trainee_id, condition=on_roster, tag="trainee")
        tx.save(item, condition=exists.does_not_exist() if first else exists.exists(), tag="report")
        if first:
            tx.update(
                BatchModel(r.batch_id),
                actions=[BatchModel.sharing_count.add(1)],
                condition=BatchModel.batch_id.exists(),
            )
    return not tx.refused


def ended_without_report(programme_id: str, end_date: date) -> list[Trainee]:
    """The trainees with an account whose batch ended on `end_date` and who have no 分享报告
    yet (the reminders: one Query on trainees.by_programme by end date, one BatchGetItem)."""
    rows = TraineeModel.by_programme.query(
        programme_id,
        TraineeModel.end_key.startswith(f"{end_date.isoformat()}#"),
        filter_condition=TraineeModel.account_id.exists(),
    )
    ended = [trainee_from_model(m) for m in rows]
    done = get_many({t.trainee_id for t in ended})
    return [t for t in ended if t.trainee_id not in done]
