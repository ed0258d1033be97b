"""Programmes, regions, bases, batches and quotas: what the office sets up.

Access patterns:
- programmes, regions, bases: GetItem by id; list by Query on the `listing` index.
- batches: GetItem by id; a programme's by Query on by_programme (begins_with stage);
  a region's by Query on by_region; a base's by Query on by_base.
- a new batch: one transaction that checks the programme exists and the base serves the
  stage, and puts the batch.
- quotas: GetItem (programme, region); set with the condition that it does not fall below
  what the region already asked for.
"""

from __future__ import annotations

from datetime import date
from typing import Any, cast

from pynamodb.exceptions import DoesNotExist

from chalicelib.db.common import cursor_checked, decode_cursor, encode_cursor, key_time
from chalicelib.db.models import BaseModel_, BatchModel, ClaimModel, ProgrammeModel, QuotaModel, RegionModel
from chalicelib.db.writes import Refusal, failing_as, transaction
from chalicelib.domain.demand import stage_tally_key
from chalicelib.domain.errors import ConflictError, NotFoundError, ValidationFailedError, problem
from chalicelib.domain.programmes import name_claim
from chalicelib.domain.records import Base, Batch, Page, Programme, Region


def _page(result: Any, convert: Any, cursor: str | None) -> Page[Any]:
    with cursor_checked(cursor):
        items = [convert(m) for m in result]
    return Page(items=items, next_cursor=encode_cursor(result.last_evaluated_key))


# --- programmes -----------------------------------------------------------------------


def _programme(m: ProgrammeModel) -> Programme:
    return Programme(
        programme_id=m.programme_id,
        name=m.name,
        kind=m.kind,
        academic_year=m.academic_year,
        demand_deadline=m.demand_deadline,
        roster_deadline=m.roster_deadline,
        registration_deadline=m.registration_deadline,
        outcome_window_days=int(m.outcome_window_days),
        default_places=int(m.default_places),
        created_at=m.created_at,
        version=int(m.version or 1),
        enrolment_deadline=m.enrolment_deadline,
        start_date=date.fromisoformat(m.start_date) if m.start_date else None,
        end_date=date.fromisoformat(m.end_date) if m.end_date else None,
        draft=bool(m.draft),
        opened_at=m.opened_at,
    )


def _programme_item(p: Programme) -> ProgrammeModel:
    return ProgrammeModel(
        p.programme_id,
        name=p.name,
        kind=p.kind,
        academic_year=p.academic_year,
        demand_deadline=p.demand_deadline,
        roster_deadline=p.roster_deadline,
        registration_deadline=p.registration_deadline,
        outcome_window_days=p.outcome_window_days,
        default_places=p.default_places,
        created_at=p.created_at,
        listed_at=f"{key_time(p.created_at)}#{p.programme_id}",
        enrolment_deadline=p.enrolment_deadline,
        start_date=p.start_date.isoformat() if p.start_date else None,
        end_date=p.end_date.isoformat() if p.end_date else None,
        draft=p.draft or None,
        opened_at=p.opened_at,
    )


def put_programme(p: Programme) -> None:
    _programme_item(p).save(condition=ProgrammeModel.programme_id.does_not_exist())


def get_programme(programme_id: str) -> Programme | None:
    try:
        return _programme(ProgrammeModel.get(programme_id))
    except DoesNotExist:
        return None


def update_programme(p: Programme) -> Programme:
    """Replace the programme's settings if nobody changed it since `p.version` was read."""
    item = _programme_item(p)
    item.version = p.version
    with failing_as(ConflictError("stale_version")):
        item.save()  # VersionAttribute: the save carries `version = p.version` as its condition
    return _programme(item)


def list_programmes(limit: int, cursor: str | None) -> Page[Programme]:
    start = decode_cursor(cursor, ProgrammeModel.by_listing)
    rows = ProgrammeModel.by_listing.query("programme", limit=limit, last_evaluated_key=start)
    return _page(rows, _programme, cursor)


# --- regions and bases ----------------------------------------------------------------


def region_item(region: Region) -> RegionModel:
    return RegionModel(
        region.region_id,
        name=region.name,
        contact_account_id=region.contact_account_id,
        created_at=region.created_at,
        listed_at=f"{key_time(region.created_at)}#{region.region_id}",
        contact_unit=region.contact_unit,
    )


def base_item(base: Base) -> BaseModel_:
    return BaseModel_(
        base.base_id,
        name=base.name,
        city=base.city,
        stages=set(base.stages),
        contact_account_id=base.contact_account_id,
        created_at=base.created_at,
        listed_at=f"{key_time(base.created_at)}#{base.base_id}",
    )


def name_claim_item(kind: str, name: str, owner: str) -> ClaimModel:
    return ClaimModel(name_claim(kind, name), owner=owner)


def _region(m: RegionModel) -> Region:
    return Region(m.region_id, m.name, m.contact_account_id, m.created_at, m.contact_unit)


def _base(m: BaseModel_) -> Base:
    return Base(m.base_id, m.name, m.city, frozenset(m.stages or ()), m.contact_account_id, m.created_at)


def get_region(region_id: str) -> Region | None:
    try:
        return _region(RegionModel.get(region_id))
    except DoesNotExist:
        return None


def all_region_ids() -> list[str]:
    rows = RegionModel.by_listing.query("region", attributes_to_get=["region_id"])
    return [cast(RegionModel, m).region_id for m in rows]


def all_programmes() -> list[Programme]:
    """Every programme (tens, not thousands): the reminder job looks at each one's deadlines."""
    return [_programme(cast(ProgrammeModel, m)) for m in ProgrammeModel.by_listing.query("programme")]


def list_regions(limit: int, cursor: str | None) -> Page[Region]:
    return _page(
        RegionModel.by_listing.query(
            "region", limit=limit, last_evaluated_key=decode_cursor(cursor, RegionModel.by_listing)
        ),
        _region,
        cursor,
    )


def get_base(base_id: str) -> Base | None:
    try:
        return _base(BaseModel_.get(base_id))
    except DoesNotExist:
        return None


def all_bases() -> list[Base]:
    """Every base (tens): the yearbook is sent to each one's contact."""
    return [_base(cast(BaseModel_, m)) for m in BaseModel_.by_listing.query("base")]


def list_bases(limit: int, cursor: str | None) -> Page[Base]:
    return _page(
        BaseModel_.by_listing.query(
            "base", limit=limit, last_evaluated_key=decode_cursor(cursor, BaseModel_.by_listing)
        ),
        _base,
        cursor,
    )


# --- batches --------------------------------------------------------------------------


def batch_from_model(m: BatchModel) -> Batch:
    return Batch(
        batch_id=m.batch_id,
        programme_id=m.programme_id,
        base_id=m.base_id,
        stage=m.stage,
        start_date=date.fromisoformat(m.start_date),
        end_date=date.fromisoformat(m.end_date),
        capacity=int(m.capacity),
        study_type=m.study_type,
        lodging=bool(m.lodging),
        created_at=m.created_at,
        region_id=m.region_id,
        demand_id=m.demand_id,
        trainee_count=int(m.trainee_count or 0),
        roster_status=m.roster_status,
        confirmed_at=m.confirmed_at,
        registered_count=int(m.registered_count or 0),
        checkin_count=int(m.checkin_count or 0),
        artifact_count=int(m.artifact_count or 0),
        lodging_address=m.lodging_address,
        lodging_notes=m.lodging_notes,
        offer_id=m.offer_id,
        passed_regions=frozenset(m.passed_regions or ()),
        sharing_count=int(m.sharing_count or 0),
        reflection_count=int(m.reflection_count or 0),
        outcome_trainees=int(m.outcome_trainees or 0),
        checked_in_trainees=int(m.checked_in_trainees or 0),
        reflection_trainees=int(m.reflection_trainees or 0),
        uploader_trainees=int(m.uploader_trainees or 0),
    )


def create_batch(b: Batch) -> None:
    """One transaction: the programme exists, the base exists and serves the stage, the batch
    is put. A failed check says which, by the position of the failed item."""
    item = BatchModel(
        b.batch_id,
        programme_id=b.programme_id,
        base_id=b.base_id,
        stage=b.stage,
        start_date=b.start_date.isoformat(),
        end_date=b.end_date.isoformat(),
        capacity=b.capacity,
        study_type=b.study_type,
        lodging=b.lodging,
        lodging_address=b.lodging_address,
        lodging_notes=b.lodging_notes,
        trainee_count=0,
        roster_status="open",
        created_at=b.created_at,
        stage_key=f"{b.stage}#{b.start_date.isoformat()}#{b.batch_id}",
    )

    def which_base_check(_: Refusal) -> ValidationFailedError:
        # Only on this failure path: read the base to say which check failed.
        if get_base(b.base_id) is None:
            return ValidationFailedError(fields={"base_id": problem("base_missing")})
        return ValidationFailedError(fields={"stage": problem("base_lacks_stage")})

    with transaction(
        errors={"programme": NotFoundError("programme_not_found"), "base": which_base_check}
    ) as tx:
        tx.condition_check(
            ProgrammeModel,
            b.programme_id,
            condition=ProgrammeModel.programme_id.exists(),
            tag="programme",
        )
        tx.condition_check(
            BaseModel_,
            b.base_id,
            condition=BaseModel_.base_id.exists() & BaseModel_.stages.contains(b.stage),
            tag="base",
        )
        tx.save(item, condition=BatchModel.batch_id.does_not_exist())
        # The stage's tally: its open places on the demand form, and the batch's length (a
        # set: ADD is atomic, and the longest tells the check-in reminder how far to look).
        tx.update(
            QuotaModel(b.programme_id, stage_tally_key(b.stage)),
            actions=[
                QuotaModel.places.add(b.capacity),
                QuotaModel.remaining.add(b.capacity),
                QuotaModel.batch_days.add({(b.end_date - b.start_date).days + 1}),
            ],
        )


def all_batches(programme_id: str) -> list[Batch]:
    """Every batch of a programme (the allocation's input): one Query, paged by PynamoDB."""
    return [batch_from_model(m) for m in BatchModel.by_programme.query(programme_id)]


def get_regions(region_ids: set[str]) -> list[Region]:
    if not region_ids:
        return []
    return [_region(m) for m in RegionModel.batch_get(list(region_ids))]


def get_bases(base_ids: set[str]) -> dict[str, Base]:
    if not base_ids:
        return {}
    return {m.base_id: _base(m) for m in BaseModel_.batch_get(list(base_ids))}


def get_batches(batch_ids: set[str]) -> dict[str, Batch]:
    if not batch_ids:
        return {}
    return {m.batch_id: batch_from_model(m) for m in BatchModel.batch_get(list(batch_ids))}


def base_batches(base_id: str) -> list[Batch]:
    """The batches at one base, by start date: one Query on by_base."""
    return [batch_from_model(m) for m in BatchModel.by_base.query(base_id)]


def region_batches(programme_id: str, region_id: str) -> list[Batch]:
    """A region's allocated batches in a programme: one Query on the sparse by_region index."""
    prefix = f"{programme_id}#"
    return [
        batch_from_model(m)
        for m in BatchModel.by_region.query(region_id, BatchModel.programme_stage_key.startswith(prefix))
    ]


def get_batch(batch_id: str, consistent: bool = False) -> Batch | None:
    try:
        return batch_from_model(BatchModel.get(batch_id, consistent_read=consistent))
    except DoesNotExist:
        return None


def list_batches(
    programme_id: str,
    *,
    stage: str | None,
    base_id: str | None,
    region_id: str | None,
    limit: int,
    cursor: str | None,
) -> Page[Batch]:
    filt = None
    if base_id:
        filt = BatchModel.base_id == base_id
    if region_id:
        # A region sees its own batches: the sparse by_region index, keyed by programme.
        prefix = f"{programme_id}#{stage}#" if stage else f"{programme_id}#"
        rows = BatchModel.by_region.query(
            region_id,
            BatchModel.programme_stage_key.startswith(prefix),
            filter_condition=filt,
            limit=limit,
            last_evaluated_key=decode_cursor(cursor, BatchModel.by_region),
        )
    else:
        rows = BatchModel.by_programme.query(
            programme_id,
            BatchModel.stage_key.startswith(f"{stage}#") if stage else None,
            filter_condition=filt,
            limit=limit,
            last_evaluated_key=decode_cursor(cursor, BatchModel.by_programme),
        )
    return _page(rows, batch_from_model, cursor)
