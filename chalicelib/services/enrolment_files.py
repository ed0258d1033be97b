"""The 学员信息表 as files: the template a county admin downloads, a file's import (a preview
with each error at its row and column, the error workbook, the commit of the valid rows), the
office's exclusion list, and the export in the seed's format.

A file is read from the checked copy of its upload (services/uploads.py checks spreadsheets
as spreadsheets) every time it is used: the preview, the error workbook and the commit each
parse it again, so what is committed is exactly what the file holds and nothing of it is
kept elsewhere (the copy goes with the imports/ prefix after 30 days).

The commit is one reservation and chunked writes (db/enrolments.py): the new rows' trainee
places are held at once or not at all (409 quota_exceeded, nothing written); rows whose ID a
concurrent writer claimed meanwhile are reported, not written; what is not written is given
back. Rows already on the county's list are `already_enrolled`: committing a file twice, or
the same rows from another file, changes nothing."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from chalicelib.adapters import clock, secrets, sheet_reader, storage
from chalicelib.adapters.sheet_reader import SheetRejected
from chalicelib.adapters.spreadsheet import XLSX, FormSheet, build_forms
from chalicelib.db import enrolment_files, enrolment_lists, enrolments, uploads
from chalicelib.domain import enrolment as rules
from chalicelib.domain import enrolment_sheet, id_numbers
from chalicelib.domain.deadlines import check_before
from chalicelib.domain.enrolment import Person
from chalicelib.domain.enrolment_sheet import RowError
from chalicelib.domain.errors import (
    ConflictError,
    NotFoundError,
    PayloadTooLargeError,
    Problem,
    ValidationFailedError,
    problem,
)
from chalicelib.domain.records import (
    Enrolment,
    EnrolmentImport,
    Programme,
    Region,
    Session,
    Upload,
)
from chalicelib.domain.vocab import Role
from chalicelib.observability import count, logger
from chalicelib.services import enrolment
from chalicelib.services import uploads as upload_service
from chalicelib.services.demand import region_of

MAX_ERRORS_SHOWN = 500  # in the answer; the error workbook has every one
ERROR_HEADER = "错误说明"

# A refused file, by its reason, as the error the county admin reads.
REFUSALS: dict[str, Callable[[], Exception]] = {
    "not_a_spreadsheet": lambda: ValidationFailedError(
        "sheet_unreadable", fields=at_upload("sheet_unreadable_file")
    ),
    "legacy_or_encrypted": lambda: ValidationFailedError(
        "sheet_legacy", fields=at_upload("sheet_legacy_file")
    ),
    "encoding": lambda: ValidationFailedError("sheet_encoding", fields=at_upload("sheet_encoding_file")),
    "empty": lambda: ValidationFailedError("sheet_empty", fields=at_upload("sheet_no_data")),
    "too_large": lambda: PayloadTooLargeError("sheet_too_large"),
    "too_many_rows": lambda: PayloadTooLargeError("sheet_too_many_rows"),
}


def at_upload(code: str) -> dict[str, Problem]:
    return {"upload_id": problem(code)}


def _refused(reason: str | None) -> Exception:
    make = REFUSALS.get(reason or "")
    if make is not None:
        return make()
    return ValidationFailedError("sheet_unreadable", fields=at_upload("upload_gone"))


# --- the checked file -------------------------------------------------------------------------


def upload_bytes(session: Session, upload_id: str) -> tuple[Upload, bytes]:
    """The caller's checked spreadsheet upload (checked here if its S3 event has not come)."""
    upload = uploads.get(upload_id) if upload_id else None
    if upload is None or upload.account_id != session.account_id:
        raise ValidationFailedError("upload_not_found", fields=at_upload("upload_gone"))
    if not upload_service.is_sheet(upload.content_type):
        raise ValidationFailedError("sheet_unreadable", fields=at_upload("upload_not_sheet"))
    if upload.status == "pending":
        upload = upload_service.check(upload)
    if upload.status == "pending":
        raise ConflictError("upload_not_ready")
    if upload.status != "ready" or not upload.clean_key:
        raise _refused(upload.reason)
    data = storage.read(upload.clean_key, sheet_reader.MAX_SHEET_BYTES)
    if data is None:
        raise _refused(None)
    return upload, data


def grid_of(data: bytes) -> sheet_reader.Grid:
    try:
        return sheet_reader.read(data)
    except SheetRejected as exc:
        raise _refused(exc.reason) from exc


@dataclass
class Parsed:
    """A form file read and checked against a county: its rows, people and errors, and which
    rows are on the county's list already."""

    grid: sheet_reader.Grid
    layout: enrolment_sheet.Layout
    rows: list[enrolment_sheet.SheetRow]
    checked: enrolment_sheet.Checked
    new: list[tuple[int, Person, str]] = field(default_factory=list)  # (row, person, digest)
    already: list[int] = field(default_factory=list)


def layout_of(
    grid: sheet_reader.Grid, required: tuple[str, ...] | None = None, min_headers: int = 3
) -> enrolment_sheet.Layout:
    layout = enrolment_sheet.find_layout(grid.rows, required, min_headers)
    if layout is None:
        raise ValidationFailedError(
            "sheet_headers",
            fields=at_upload("sheet_no_headers"),
        )
    if layout.missing or layout.repeated:
        fields = {rules.HEADER_OF[f]: problem("column_missing") for f in layout.missing}
        fields |= {rules.HEADER_OF[f]: problem("column_repeated") for f in layout.repeated}
        raise ValidationFailedError("sheet_headers", fields=fields)
    return layout


def _parse(data: bytes, programme: Programme, region: Region) -> Parsed:
    grid = grid_of(data)
    layout = layout_of(grid)
    rows = enrolment_sheet.data_rows(grid.rows, layout)
    if not rows:
        raise ValidationFailedError("sheet_empty", fields=at_upload("sheet_no_people"))
    if len(rows) > rules.MAX_ROWS:
        raise PayloadTooLargeError("sheet_too_many_rows")
    assert programme.start_date is not None
    parsed = Parsed(grid, layout, rows, enrolment_sheet.check_rows(rows, region.name, programme.start_date))
    _against_the_programme(parsed, programme, region)
    return parsed


def _against_the_programme(parsed: Parsed, programme: Programme, region: Region) -> None:
    """Each checked person against the programme's claims: on this county's list already (not
    an error), in another county (duplicate_person), on the exclusion list (ineligible)."""
    digests = {row: enrolment.id_digest(p.id_number) for row, p in parsed.checked.people}
    owners = enrolments.claims_of(programme.programme_id, digests.values())
    where = enrolment_lists.get_many(o for o in owners.values() if o != enrolments.EXCLUDED)
    for row, person in parsed.checked.people:
        digest = digests[row]
        owner = owners.get(digest)
        if owner is None:
            parsed.new.append((row, person, digest))
        elif owner == enrolments.EXCLUDED:
            parsed.checked.errors.append(RowError(row, "身份证号", problem("id_number_excluded")))
        elif (held := where.get(owner)) is not None and held.region_id == region.region_id:
            parsed.already.append(row)
        else:
            parsed.checked.errors.append(RowError(row, "身份证号", problem("id_number_elsewhere")))
    parsed.checked.errors.sort(key=lambda e: e.row)


def _county_admin(
    session: Session, programme_id: str, wanted_region: str | None = None
) -> tuple[Programme, Region]:
    programme = enrolment.programme_of(programme_id)
    region = enrolment.region_named(region_of(session, wanted_region))
    return programme, region


def _open_for_changes(programme: Programme, region: Region) -> None:
    county = enrolment.county_in(programme, region.region_id)
    if county.confirmed:
        raise ConflictError("enrolment_closed")
    assert programme.enrolment_deadline is not None
    check_before(programme.enrolment_deadline, clock.now())


def errors_shown(errors: list[RowError]) -> list[RowError]:
    """The first MAX_ERRORS_SHOWN (the view gives each its Chinese words)."""
    return errors[:MAX_ERRORS_SHOWN]


# --- the template -----------------------------------------------------------------------------


# --- import: preview, error workbook, commit --------------------------------------------------


def preview(session: Session, programme_id: str, upload_id: str) -> dict[str, Any]:
    programme, region = _county_admin(session, programme_id)
    _open_for_changes(programme, region)
    upload, data = upload_bytes(session, upload_id)
    parsed = _parse(data, programme, region)
    record = EnrolmentImport(
        import_id=secrets.new_id(),
        programme_id=programme.programme_id,
        region_id=region.region_id,
        account_id=session.account_id,
        upload_id=upload.upload_id,
        s3_key=upload.clean_key or "",
        file_sha256=hashlib.sha256(data).hexdigest(),
        rows=len(parsed.rows),
        valid=len(parsed.new) + len(parsed.already),
        new=len(parsed.new),
        error_count=len(parsed.checked.errors),
        created_at=clock.now(),
    )
    enrolment_files.put_import(record)
    logger.info(
        "enrolment file previewed",
        extra={"import_id": record.import_id, "rows": record.rows, "errors": record.error_count},
    )
    return _preview_out(record, parsed)


def _preview_out(record: EnrolmentImport, parsed: Parsed) -> dict[str, Any]:
    trainees = sum(rules.counts_against_places(p.role) for _, p, _ in parsed.new)
    return {
        "import_id": record.import_id,
        "rows": record.rows,
        "valid": record.valid,
        "new": record.new,
        "new_trainees": trainees,
        "already_enrolled": sorted(parsed.already),
        "error_count": len(parsed.checked.errors),
        "errors": errors_shown(parsed.checked.errors),
    }


def _own_import(session: Session, import_id: str) -> tuple[EnrolmentImport, Programme, Region]:
    record = enrolment_files.get_import(import_id)
    if (
        record is None
        or session.role != Role.region_contact
        or record.region_id not in session.region_ids
        or record.account_id != session.account_id
    ):
        raise NotFoundError("import_not_found")
    programme = enrolment.programme_of(record.programme_id)
    return record, programme, enrolment.region_named(record.region_id)


def _import_bytes(record: EnrolmentImport) -> bytes:
    data = storage.read(record.s3_key, sheet_reader.MAX_SHEET_BYTES)
    if data is None or hashlib.sha256(data).hexdigest() != record.file_sha256:
        raise ConflictError("import_expired")
    return data


def errors_workbook(session: Session, import_id: str, words: Callable[[Problem], str]) -> str:
    """The file back, each row with its errors in a last column (错误说明), ID numbers masked:
    the county admin corrects the original by the row numbers and imports it again."""
    record, programme, region = _own_import(session, import_id)
    parsed = _parse(_import_bytes(record), programme, region)
    by_row = parsed.checked.errors_by_row()
    already = set(parsed.already)
    width = max(len(parsed.layout.headers), max((c for c in parsed.layout.columns), default=0) + 1)
    id_columns = {c for c, f in parsed.layout.columns.items() if f == "id_number"}
    rows = []
    for row in parsed.rows:
        values = list(row.raw[:width]) + [""] * (width - len(row.raw[:width]))
        for c in id_columns:
            values[c] = (
                id_numbers.mask_id_number(id_numbers.normalize_id_number(values[c])) if values[c] else ""
            )
        problems = "；".join(f"{e.column}：{words(e.problem)}" for e in by_row.get(row.number, []))
        if not problems and row.number in already:
            problems = "已在本区县名单中（不会重复导入）"
        rows.append([row.number, *values, problems])
    headers = [
        "行号",
        *(list(parsed.layout.headers) + [""] * (width - len(parsed.layout.headers)))[:width],
        ERROR_HEADER,
    ]
    sheet = FormSheet(
        name="错误说明",
        title=enrolment_sheet.sheet_title(programme.name) + "（导入检查结果）",
        info=[
            "身份证号已隐去部分数字：请按“行号”在原文件中修改后重新导入",
            f"共{len(parsed.rows)}行，{len(by_row)}行有误",
        ],
        headers=headers,
        rows=rows,
        widths={len(headers) - 1: 60},
    )
    key = f"imports/errors/{record.import_id}-{secrets.new_id()}.xlsx"
    storage.put_object(key, build_forms([sheet]), XLSX)
    return storage.presigned_get(key, filename=f"{region.name}学员信息表-错误说明.xlsx")


def commit(session: Session, import_id: str) -> dict[str, Any]:
    record, programme, region = _own_import(session, import_id)
    _open_for_changes(programme, region)
    parsed = _parse(_import_bytes(record), programme, region)
    now = clock.now()
    people = [
        enrolment.new_enrolment(programme, region.region_id, person, now, row=row, import_id=record.import_id)
        for row, person, _ in parsed.new
    ]
    written, refused = write_all(programme, region, people, now)
    errors = list(parsed.checked.errors)
    already = list(parsed.already)
    if refused:
        owners = enrolments.claims_of(programme.programme_id, (e.id_digest for e in refused))
        where = enrolment_lists.get_many(o for o in owners.values() if o != enrolments.EXCLUDED)
        for e in refused:
            owner = owners.get(e.id_digest)
            held = where.get(owner or "")
            if held is not None and held.region_id == region.region_id:
                already.append(e.row or 0)
            else:
                code = "id_number_excluded" if owner == enrolments.EXCLUDED else "id_number_elsewhere"
                errors.append(RowError(e.row or 0, "身份证号", problem(code)))
        errors.sort(key=lambda e: e.row)
    enrolment_files.mark_committed(record.import_id, len(written), now)
    count("Enrolled", len(written))
    logger.info(
        "enrolment file committed",
        extra={"import_id": record.import_id, "written": len(written), "refused": len(refused)},
    )
    return {
        "import_id": record.import_id,
        "enrolled": len(written),
        "already_enrolled": sorted(already),
        "error_count": len(errors),
        "errors": errors_shown(errors),
    }


def write_all(
    programme: Programme, region: Region, people: list[Enrolment], now: Any
) -> tuple[list[Enrolment], list[Enrolment]]:
    """Reserve the trainees' places (all or nothing), write the people in chunks, give back
    what was not written. Returns (written, refused: their ID claimed meanwhile)."""
    if not people:
        return [], []
    trainees = sum(rules.counts_against_places(e.role) for e in people)
    try:
        enrolment_files.reserve(programme.programme_id, region.region_id, trainees, now)
    except ConflictError as exc:
        if exc.code == "quota_exceeded":
            county = enrolment.county_in(programme, region.region_id)
            left = max(county.places - county.trainees, 0)
            raise ConflictError(
                "quota_exceeded", fields={"places": problem("places_left", left=left, trainees=trainees)}
            ) from exc
        raise
    written: list[Enrolment] = []
    refused: list[Enrolment] = []
    try:
        for start in range(0, len(people), enrolment_files.ROWS_PER_CHUNK):
            pending = people[start : start + enrolment_files.ROWS_PER_CHUNK]
            while pending:
                taken = enrolment_files.write_chunk(pending, now)
                if not taken:
                    written += pending
                    break
                refused += [e for e in pending if e.enrolment_id in taken]
                pending = [e for e in pending if e.enrolment_id not in taken]
    finally:
        # Whatever stopped the writing (a list closed meanwhile, DynamoDB failing), the places
        # held for rows not written go back.
        done = sum(rules.counts_against_places(e.role) for e in written)
        enrolment_files.release(programme.programme_id, region.region_id, trainees - done)
    return written, refused


# --- the exclusion list -----------------------------------------------------------------------


# --- the export -------------------------------------------------------------------------------
