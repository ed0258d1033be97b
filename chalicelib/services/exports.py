"""Exports: the roster and archive workbooks and the yearbook, each built for the scope it
was asked for and given only to those that scope is for.

An export is recorded `pending` first, with its kind, its scope (one region, or every region
for the office) and what the asker may see (the office: phones whole; a region contact:
masked). Every build, in the request (roster, archive: small) or in the exports job (the
yearbook, and the retry of any other), first leases the record: two builders never build one
export, and an export gets MAX_ATTEMPTS tries before it ends `failed`. The builder is chosen
by the record's kind and reads only the record's scope, whoever runs it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from chalicelib.adapters import clock, secrets, storage
from chalicelib.adapters.spreadsheet import XLSX, build_xlsx
from chalicelib.db import catalog, trainees
from chalicelib.domain.accounts import mask_phone
from chalicelib.domain.deadlines import days
from chalicelib.domain.errors import ForbiddenError, NotFoundError, ValidationFailedError, problem
from chalicelib.domain.records import Batch, Export, Session
from chalicelib.domain.rosters import LEADER
from chalicelib.domain.vocab import STAGE_NAMES_ZH, Role, Stage
from chalicelib.observability import count, logger
from chalicelib.services.demand import region_of
from chalicelib.services.ports import stores

MAX_ATTEMPTS = 3
LEASE = timedelta(minutes=10)  # longer than the largest build takes (the yearbook: seconds)
RETRY_AFTER = timedelta(minutes=2)
# What a region contact may export, of its own region (a 国培 county admin: its 学员信息表, masked)
REGION_KINDS = frozenset({"roster", "archive", "enrolment", "county_book", "survey"})
FILE_NAMES = {
    "roster": "研修人员名单",
    "archive": "研修档案",
    "yearbook": "学习成果汇编",
    "enrolment": "学员信息表",
    "numbers": "项目数据",
    "county_book": "区县成果册",
    "survey": "训后调查结果",
}
# small: built in the request (the yearbook and a county's book, with their images, by the job)
AT_ONCE = (REGION_KINDS - {"county_book"}) | {"numbers"}

GENDER_ZH = {"male": "男", "female": "女"}
ROLE_ZH = {LEADER: "团长", "member": "成员"}
ROSTER_HEADERS = [
    "研修基地",
    "学段",
    "开始日期",
    "结束日期",
    "实验区",
    "姓名",
    "性别",
    "职务",
    "电话",
    "邮箱",
    "工作单位",
    "学科背景",
    "角色",
]
ARCHIVE_HEADERS = [
    "研修基地",
    "学段",
    "开始日期",
    "结束日期",
    "实验区",
    "姓名",
    "角色",
    "报到时间",
    "签到天数",
    "研修天数",
    "心得与成果数",
]


# --- asking for one, and the link ---------------------------------------------------------------


def request(session: Session, programme_id: str, kind: str, region_id: str | None) -> Export:
    """Record the export for the asker's scope; roster and archive are built at once (a
    failed try stays pending for the job to retry), the yearbook by the exports job."""
    if kind not in FILE_NAMES:
        raise ValidationFailedError(fields={"kind": problem("export_kind_unknown")})
    if session.role == Role.region_contact:
        if kind not in REGION_KINDS:
            raise ForbiddenError("forbidden")
        region_id = region_of(session, region_id)
    elif session.role != Role.admin:
        raise ForbiddenError("forbidden")
    if kind == "yearbook":
        region_id = None  # the yearbook is the whole programme's
    if kind == "county_book" and region_id is None:
        raise ValidationFailedError(fields={"region_id": problem("county_to_name")})
    if catalog.get_programme(programme_id) is None:
        raise NotFoundError("programme_not_found")
    if kind == "enrolment":
        from chalicelib.services import enrolment_forms  # the spreadsheet libraries: when used

        enrolment_forms.check_export(session, programme_id)
    if region_id is not None and catalog.get_region(region_id) is None:
        raise NotFoundError("region_not_found")
    export = Export(
        secrets.new_id(),
        programme_id,
        kind,
        session.account_id,
        session.role,
        "pending",
        clock.now(),
        region_id,
    )
    stores().exports.put(export)
    if kind in AT_ONCE:
        build(export)
    return stores().exports.get(export.export_id) or export


def may_download(session: Session, export: Export) -> bool:
    """The office, any export. A region contact: its own request, of a kind a region may
    export, scoped to a region it still serves, built with what a contact may see."""
    if session.role == Role.admin:
        return True
    return (
        session.role == Role.region_contact
        and export.requested_by == session.account_id
        and export.kind in REGION_KINDS
        and export.role == Role.region_contact
        and export.region_id is not None
        and export.region_id in session.region_ids
    )


def link(session: Session, export_id: str) -> tuple[Export, str | None, str | None]:
    export = stores().exports.get(export_id)
    if export is None or not may_download(session, export):
        raise NotFoundError("export_not_found")
    if export.status != "ready" or not export.s3_key:
        return export, None, None
    name = FILE_NAMES.get(export.kind, "导出")
    url = storage.presigned_get(export.s3_key, filename=f"{name}{export.s3_key[-5:]}")
    index = None
    if export.kind == "yearbook":
        index = storage.presigned_get(
            export.s3_key.replace(".docx", "-index.xlsx"), filename=f"{name}索引.xlsx"
        )
    return export, url, index


# --- building ---------------------------------------------------------------------------------


def build(export: Export) -> str:
    """One leased attempt at the export's file: ready ("built"), or pending again for a later
    attempt ("retry"), or "failed" once its attempts are spent; "skipped" when another
    builder holds it or it is settled. Never raises: the failure is on the record."""
    now = clock.now()
    attempt = stores().exports.lease(export.export_id, now, now + LEASE)
    if attempt is None:
        return "skipped"
    if attempt > MAX_ATTEMPTS:  # its last builder died without a word: nothing more to try
        stores().exports.fail(export.export_id, export.error or "attempts_spent")
        count("ExportFailed")
        return "failed"
    builder = BUILDERS.get(export.kind)
    if builder is None:
        stores().exports.fail(export.export_id, "unknown_kind")
        return "failed"
    try:
        key = builder(export)
    except Exception as exc:  # noqa: BLE001 - one export's failure is recorded on it, never spread
        logger.warning(
            "export attempt failed",
            extra={
                "export_id": export.export_id,
                "kind": export.kind,
                "attempt": attempt,
                "error": type(exc).__name__,
            },
        )
        if attempt >= MAX_ATTEMPTS:
            stores().exports.fail(export.export_id, type(exc).__name__)
            count("ExportFailed")
            return "failed"
        stores().exports.retry_later(export.export_id, now + RETRY_AFTER, type(exc).__name__)
        return "retry"
    stores().exports.finish(export.export_id, key)
    count("ExportBuilt")
    logger.info("export built", extra={"export_id": export.export_id, "kind": export.kind})
    return "built"


def build_pending(limit: int = 10) -> dict[str, int]:
    """The exports job: every pending export whose lease is free gets an attempt."""
    outcomes = {"built": 0, "retry": 0, "failed": 0, "skipped": 0}
    for export in stores().exports.pending(clock.now(), limit):
        outcomes[build(export)] += 1
    return {k: v for k, v in outcomes.items() if v or k == "built"}


def _scoped_batches(export: Export) -> list[Batch]:
    if export.region_id is not None:
        return catalog.region_batches(export.programme_id, export.region_id)
    return [b for b in catalog.all_batches(export.programme_id) if b.region_id]


def _sheet_rows(export: Export) -> list[list[Any]]:
    batches = _scoped_batches(export)
    bases = catalog.get_bases({b.base_id for b in batches})
    regions = {
        r.region_id: r.name for r in catalog.get_regions({b.region_id for b in batches if b.region_id})
    }
    whole_phones = export.role == Role.admin
    rows: list[list[Any]] = []
    for b in sorted(batches, key=lambda b: (b.start_date, b.batch_id)):
        head = [
            bases[b.base_id].name if b.base_id in bases else "",
            STAGE_NAMES_ZH[Stage(b.stage)],
            b.start_date.isoformat(),
            b.end_date.isoformat(),
            regions.get(b.region_id or "", ""),
        ]
        for t in trainees.of_batch(b.batch_id):
            if export.kind == "roster":
                rows.append(
                    [
                        *head,
                        t.name,
                        GENDER_ZH.get(t.gender, t.gender),
                        t.position or "",
                        t.phone if whole_phones else mask_phone(t.phone),
                        t.email or "",
                        t.unit,
                        t.subject or "",
                        ROLE_ZH.get(t.team_role, t.team_role),
                    ]
                )
            else:
                registered = (
                    t.registered_at.astimezone(clock.SHANGHAI).strftime("%Y-%m-%d %H:%M")
                    if t.registered_at
                    else "未报到"
                )
                rows.append(
                    [
                        *head,
                        t.name,
                        ROLE_ZH.get(t.team_role, t.team_role),
                        registered,
                        len(t.checkins),
                        len(days(t.start_date, t.end_date)),
                        t.artifact_count,
                    ]
                )
    return rows


def _workbook(export: Export) -> str:
    title, headers = (
        ("研修人员名单", ROSTER_HEADERS) if export.kind == "roster" else ("研修档案", ARCHIVE_HEADERS)
    )
    key = f"exports/{export.export_id}.xlsx"
    storage.put_object(key, build_xlsx([(title, headers, _sheet_rows(export))]), XLSX)
    return key


def _yearbook(export: Export) -> str:
    from chalicelib.services import yearbook

    return yearbook.build(export)


def _enrolment(export: Export) -> str:
    from chalicelib.services import enrolment_forms

    return str(enrolment_forms.build_export(export))


def _numbers(export: Export) -> str:
    from chalicelib.services import numbers_export

    return numbers_export.build(export)


def _survey(export: Export) -> str:
    from chalicelib.services import survey_export

    return survey_export.build(export)


def _county_book(export: Export) -> str:
    from chalicelib.services import county_book

    return county_book.build(export)


# Each kind's builder: the export in, the S3 key of its file out.
BUILDERS: dict[str, Callable[[Export], str]] = {
    "roster": _workbook,
    "archive": _workbook,
    "yearbook": _yearbook,
    "enrolment": _enrolment,
    "numbers": _numbers,
    "county_book": _county_book,
    "survey": _survey,
}
