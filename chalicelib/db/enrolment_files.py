"""A county's file of people written (services/enrolment_files.py): the places reserved for its
rows in one transaction, then the rows in chunks, whatever was not written given back; and
the import records the upload and the commit share.

Access patterns: the reservation: one transaction (the programme's deadline; the county's
tally: remaining >= n, not confirmed); then ROWS_PER_CHUNK rows a transaction (the tally's
listed + k, each row's person and ID claim); a chunk refused for some claims (taken
meanwhile) is sent again without those rows; the rest released in one UpdateItem. A
reservation left half-written past its time (its function stopped) is given back first.
Imports: PutItem, GetItem, UpdateItem by import id."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from pynamodb.exceptions import DoesNotExist

from chalicelib.db.common import key_time
from chalicelib.db.enrolments import (
    DEADLINE,
    before_deadline,
    claim_person,
    county_of,
    equals,
    item_of,
    list_open,
    tally_refused,
)
from chalicelib.db.models import EnrolmentImportModel, EnrolmentModel, QuotaModel
from chalicelib.db.writes import Refusal, applied, transaction
from chalicelib.domain.enrolment import counts_against_places
from chalicelib.domain.errors import ConflictError
from chalicelib.domain.records import Enrolment, EnrolmentImport

ROWS_PER_CHUNK = 49  # 2 items a row and the tally: 99 of DynamoDB's 100


RESERVATION = timedelta(minutes=2)  # longer than any commit takes (the function stops at 30 s)


def reserve(programme_id: str, region_id: str, trainees: int, now: datetime) -> None:
    """Hold `trainees` places for a file's rows before any is written: all or nothing (409
    quota_exceeded, nothing written, if they do not fit). A reservation that a commit left
    half-written (its function stopped) is given back first, once its time is over."""
    seen: list[Refusal] = []

    def note(refusal: Refusal) -> None:
        seen.append(refusal)  # read below: the tally as the condition saw it
        return None

    for attempt in range(2):
        seen.clear()
        with transaction(errors={"deadline": DEADLINE, "tally": note}, tolerate={"tally"}) as tx:
            before_deadline(tx, programme_id, now)
            tx.update(
                QuotaModel(programme_id, region_id),
                actions=[
                    QuotaModel.remaining.add(-trainees),
                    QuotaModel.requested.add(trainees),
                    QuotaModel.reserved_until.set(now + RESERVATION),
                    QuotaModel.updated_at.set(now),
                ],
                condition=list_open() & (QuotaModel.remaining >= trainees),
                return_values="ALL_OLD",
                tag="tally",
            )
        if not tx.refused:
            return
        if attempt == 0 and _give_back_stale(programme_id, region_id, seen[0].reason("tally"), now):
            continue
        raise tally_refused(seen[0])
    raise AssertionError("unreachable")


def _give_back_stale(programme_id: str, region_id: str, reason: Any, now: datetime) -> bool:
    """A reservation past its time and not all written: its commit stopped. The tally's
    trainees become those written (compare-and-set on what was read). True if repaired (or
    changed meanwhile: the caller tries again on what it is now)."""
    old = county_of(QuotaModel.from_raw_data(reason.raw_item)) if reason and reason.raw_item else None
    if old is None or old.trainees == old.listed_trainees or old.reserved_until is None:
        return False
    if old.reserved_until >= now:
        return False
    applied(
        lambda: QuotaModel(programme_id, region_id).update(
            actions=[
                QuotaModel.requested.set(old.listed_trainees),
                QuotaModel.remaining.set(QuotaModel.places - old.listed_trainees),
            ],
            condition=(QuotaModel.requested == old.trainees)
            & equals(QuotaModel.listed_trainees, old.listed_trainees)
            & (QuotaModel.reserved_until == old.reserved_until),
        )
    )
    return True


def release(programme_id: str, region_id: str, trainees: int) -> None:
    """Give back places a reservation held that were not written."""
    if trainees <= 0:
        return
    QuotaModel(programme_id, region_id).update(
        actions=[QuotaModel.remaining.add(trainees), QuotaModel.requested.add(-trainees)],
        condition=QuotaModel.places.exists(),
    )


def write_chunk(rows: list[Enrolment], now: datetime) -> set[str]:
    """Up to ROWS_PER_CHUNK people of one county, their places already reserved, in one
    transaction. Returns the enrolment ids whose ID was claimed meanwhile (then nothing was
    written: send the chunk again without them). 409 enrolment_closed if the list was
    confirmed meanwhile."""
    if not rows:
        return set()
    first = rows[0]
    closed = {"closed": ConflictError("enrolment_closed")}
    with transaction(errors=closed, tolerate={e.enrolment_id for e in rows}) as tx:
        tx.update(
            QuotaModel(first.programme_id, first.region_id),
            actions=[
                QuotaModel.listed.add(len(rows)),
                QuotaModel.listed_trainees.add(sum(counts_against_places(e.role) for e in rows)),
                QuotaModel.updated_at.set(now),
            ],
            condition=list_open(),
            tag="closed",
        )
        for e in rows:
            tx.save(item_of(e), condition=EnrolmentModel.enrolment_id.does_not_exist())
            claim_person(tx, e, e.enrolment_id)
    return set(tx.refused)


IMPORT_KEPT = timedelta(days=30)  # as the file under imports/ (infra/template.json)


def _import(m: EnrolmentImportModel) -> EnrolmentImport:
    return EnrolmentImport(
        import_id=m.import_id,
        programme_id=m.programme_id,
        region_id=m.region_id,
        account_id=m.account_id,
        upload_id=m.upload_id,
        s3_key=m.s3_key,
        file_sha256=m.file_sha256,
        rows=int(m.rows),
        valid=int(m.valid),
        new=int(m.new),
        error_count=int(m.error_count),
        created_at=m.created_at,
        committed_at=m.committed_at,
        committed=int(m.committed) if m.committed is not None else None,
    )


def put_import(i: EnrolmentImport) -> None:
    EnrolmentImportModel(
        i.import_id,
        programme_id=i.programme_id,
        region_id=i.region_id,
        account_id=i.account_id,
        upload_id=i.upload_id,
        s3_key=i.s3_key,
        file_sha256=i.file_sha256,
        rows=i.rows,
        valid=i.valid,
        new=i.new,
        error_count=i.error_count,
        created_at=i.created_at,
        expires_at=i.created_at + IMPORT_KEPT,
    ).save(condition=EnrolmentImportModel.import_id.does_not_exist())


def get_import(import_id: str) -> EnrolmentImport | None:
    try:
        return _import(EnrolmentImportModel.get(import_id, consistent_read=True))
    except DoesNotExist:
        return None


def mark_committed(import_id: str, written: int, now: datetime) -> None:
    EnrolmentImportModel(import_id).update(
        actions=[
            EnrolmentImportModel.committed_at.set(now),
            EnrolmentImportModel.committed.set((EnrolmentImportModel.committed | 0) + written),
        ],
        condition=EnrolmentImportModel.import_id.exists(),
    )


def new_created_key(now: datetime, row: int | None, enrolment_id: str) -> str:
    """Sorts a county's list by when it was enrolled, then a file's rows in the file's order."""
    return f"{key_time(now)}#{row or 0:05d}#{enrolment_id}"
