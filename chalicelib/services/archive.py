"""The archive (研修档案): per batch and per trainee, registration, check-ins and artifacts,
from the counters kept with the writes; and its .xlsx exports with the roster."""

from __future__ import annotations

from typing import Any

from chalicelib.adapters import clock, secrets, storage
from chalicelib.adapters.spreadsheet import XLSX, build_xlsx
from chalicelib.db import artifacts, catalog, exports, rosters
from chalicelib.domain.accounts import mask_phone
from chalicelib.domain.deadlines import days
from chalicelib.domain.errors import ForbiddenError, NotFoundError, ValidationFailedError
from chalicelib.domain.records import Batch, Export, Session, Trainee
from chalicelib.domain.rosters import LEADER
from chalicelib.domain.vocab import STAGE_NAMES_ZH, Role, Stage
from chalicelib.services.demand import region_of
from chalicelib.services.rosters import readable_batch

GENDER_ZH = {"male": "男", "female": "女"}
ROLE_ZH = {LEADER: "团长", "member": "成员"}


def _batches(session: Session, programme_id: str, wanted_region: str | None) -> list[Batch]:
    """The office: every allocated batch; a region contact: its region's (one Query either
    way: the number of calls does not grow with the number of regions)."""
    if catalog.get_programme(programme_id) is None:
        raise NotFoundError("programme_not_found")
    if session.role == Role.region_contact:
        return catalog.region_batches(programme_id, region_of(session, wanted_region))
    return [b for b in catalog.all_batches(programme_id) if b.region_id]


def _batch_row(b: Batch, bases: dict[str, Any], regions: dict[str, str]) -> dict[str, Any]:
    session_days = len(days(b.start_date, b.end_date))
    return {
        "batch_id": b.batch_id,
        "base_id": b.base_id,
        "base_name": bases[b.base_id].name if b.base_id in bases else "",
        "region_id": b.region_id,
        "region_name": regions.get(b.region_id or "", ""),
        "stage": b.stage,
        "start_date": b.start_date,
        "end_date": b.end_date,
        "roster_status": b.roster_status,
        "trainees": b.trainee_count,
        "registered": b.registered_count,
        "session_days": session_days,
        "checkin_days": b.checkin_count,
        "checkin_rate": round(b.checkin_count / (b.trainee_count * session_days), 4)
        if b.trainee_count
        else 0.0,
        "artifacts": b.artifact_count,
    }


def programme_archive(session: Session, programme_id: str, wanted_region: str | None) -> list[dict[str, Any]]:
    return programme_archive_rows(_batches(session, programme_id, wanted_region))


def programme_archive_rows(batches: list[Batch]) -> list[dict[str, Any]]:
    bases = catalog.get_bases({b.base_id for b in batches})
    regions = {
        r.region_id: r.name for r in catalog.get_regions({b.region_id for b in batches if b.region_id})
    }
    return [_batch_row(b, bases, regions) for b in sorted(batches, key=lambda b: (b.start_date, b.batch_id))]


def _trainee_row(t: Trainee) -> dict[str, Any]:
    return {
        "trainee_id": t.trainee_id,
        "name": t.name,
        "team_role": t.team_role,
        "registered_at": t.registered_at,
        "checkins": sorted(t.checkins),
        "checkin_days": len(t.checkins),
        "session_days": len(days(t.start_date, t.end_date)),
        "artifacts": t.artifact_count,
    }


def batch_archive(session: Session, batch_id: str) -> tuple[Batch, list[dict[str, Any]]]:
    """Per trainee: registration, check-ins, and the artifacts written (the office sees the
    deleted ones too, to restore them; the region and base contacts see the others)."""
    batch = readable_batch(session, batch_id)
    written: dict[str, list[dict[str, Any]]] = {}
    for a in artifacts.of_batch(batch.batch_id):
        if a.deleted_at is not None and session.role != Role.admin:
            continue
        written.setdefault(a.trainee_id, []).append(
            {
                "artifact_id": a.artifact_id,
                "kind": a.kind,
                "title": a.title,
                "created_at": a.created_at,
                "featured": a.featured,
                "deleted_at": a.deleted_at,
            }
        )
    rows = []
    for t in rosters.of_batch(batch.batch_id):
        rows.append({**_trainee_row(t), "artifact_list": written.get(t.trainee_id, [])})
    return batch, rows


# --- exports ---------------------------------------------------------------------------------

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


def _sheet_rows(session: Session, programme_id: str, region_id: str | None, kind: str) -> list[list[Any]]:
    batches = _batches(session, programme_id, region_id)
    bases = catalog.get_bases({b.base_id for b in batches})
    regions = {
        r.region_id: r.name for r in catalog.get_regions({b.region_id for b in batches if b.region_id})
    }
    office = session.role == Role.admin
    rows: list[list[Any]] = []
    for b in sorted(batches, key=lambda b: (b.start_date, b.batch_id)):
        head = [
            bases[b.base_id].name if b.base_id in bases else "",
            STAGE_NAMES_ZH[Stage(b.stage)],
            b.start_date.isoformat(),
            b.end_date.isoformat(),
            regions.get(b.region_id or "", ""),
        ]
        for t in rosters.of_batch(b.batch_id):
            if kind == "roster":
                phone = t.phone if office else mask_phone(t.phone)
                rows.append(
                    [
                        *head,
                        t.name,
                        GENDER_ZH.get(t.gender, t.gender),
                        t.position or "",
                        phone,
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


def start_export(session: Session, programme_id: str, kind: str, region_id: str | None) -> Export:
    """Write the roster or archive workbook to S3 now (a programme's rosters are small); the
    record and the 202 keep the contract's shape, which the yearbook's job shares."""
    if kind == "yearbook":
        return _start_yearbook(session, programme_id)
    if kind not in ("roster", "archive"):
        raise ValidationFailedError(fields={"kind": "可导出 roster、archive 或 yearbook"})
    if session.role == Role.region_contact:
        region_id = region_of(session, region_id)
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
    rows = _sheet_rows(session, programme_id, region_id, kind)
    exports.put(export)
    key = f"exports/{export.export_id}.xlsx"
    title, headers = ("研修人员名单", ROSTER_HEADERS) if kind == "roster" else ("研修档案", ARCHIVE_HEADERS)
    storage.put_object(key, build_xlsx([(title, headers, rows)]), XLSX)
    exports.mark(export.export_id, "ready", key)
    return Export(**{**export.__dict__, "status": "ready", "s3_key": key})


def _start_yearbook(session: Session, programme_id: str) -> Export:
    """The yearbook is built by the exports job (jobs/), not in this request: 202 pending."""
    if session.role != Role.admin:
        raise ForbiddenError("forbidden")
    if catalog.get_programme(programme_id) is None:
        raise NotFoundError("programme_not_found")
    export = Export(
        secrets.new_id(), programme_id, "yearbook", session.account_id, session.role, "pending", clock.now()
    )
    exports.put(export)
    return export


def export_link(session: Session, export_id: str) -> tuple[Export, str | None, str | None]:
    export = exports.get(export_id)
    if export is None or (session.role != Role.admin and export.requested_by != session.account_id):
        raise NotFoundError("export_not_found")
    if export.status != "ready" or not export.s3_key:
        return export, None, None
    name = {"roster": "研修人员名单", "archive": "研修档案", "yearbook": "学习成果汇编"}.get(
        export.kind, "导出"
    )
    url = storage.presigned_get(export.s3_key, filename=f"{name}{export.s3_key[-5:]}")
    index = None
    if export.kind == "yearbook":
        index = storage.presigned_get(
            export.s3_key.replace(".docx", "-index.xlsx"), filename=f"{name}索引.xlsx"
        )
    return export, url, index
