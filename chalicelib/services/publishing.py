"""The yearbook goes out (汇编成册 … 印发各实验区和研修基地): the office publishes one of the
yearbook exports it built; every region's and base's contact may then download it and is told
by e-mail, once per publication: every one, as the seed sends it to every region and base for
分享交流, not only those that took part in the year or hosted a batch. Drafts (the exports
themselves) stay the office's alone. Exports expire from S3 after 30 days, so a published file
is copied under `published/`, which is kept."""

from __future__ import annotations

from datetime import datetime, timedelta

from chalicelib.adapters import clock, storage
from chalicelib.config import settings
from chalicelib.db import accounts, catalog, opening
from chalicelib.db import year_end as repo
from chalicelib.domain.errors import ConflictError, NotFoundError
from chalicelib.domain.notifications import yearbook_published_email
from chalicelib.domain.records import Account, Message, Programme, Session
from chalicelib.observability import count
from chalicelib.services import notify
from chalicelib.services.ports import stores
from chalicelib.services.setup import get_programme

INDEX = "-index.xlsx"


def _published_key(programme_id: str, export_id: str) -> str:
    return f"published/{programme_id}/{export_id}.docx"


def _readers() -> list[Account]:
    """The contacts of every region and every base."""
    regions = catalog.get_regions(set(catalog.all_region_ids()))
    ids = {r.contact_account_id for r in regions} | {b.contact_account_id for b in catalog.all_bases()}
    return sorted(accounts.get_accounts(ids).values(), key=lambda a: a.account_id)


def _tell(p: Programme, export_id: str, updated: bool) -> int:
    notices: list[tuple[str, list[Message]]] = []
    for reader in _readers():
        if not reader.email:
            continue
        subject, body = yearbook_published_email(reader.name, p.name, updated, settings().site_url)
        message = notify.email("yearbook_published", reader.account_id, reader.email, subject, body)
        notices.append(
            (opening.notice_claim("yearbook", f"{p.programme_id}#{export_id}", reader.account_id), [message])
        )
    recorded = opening.record_once(notices, clock.now() + timedelta(days=365))
    for start in range(0, len(recorded), 100):
        notify.deliver_all(recorded[start : start + 100])
    return len(recorded)


def publish(session: Session, programme_id: str, export_id: str) -> repo.Publication:
    """Publish a built yearbook of the programme (again: nothing changes)."""
    p = get_programme(programme_id)
    export = stores().exports.get(export_id)
    if export is None or export.kind != "yearbook" or export.programme_id != programme_id:
        raise NotFoundError("export_not_found")
    if export.status != "ready" or not export.s3_key:
        raise ConflictError("export_not_ready")
    before = repo.publication(programme_id)
    if before is not None and before.export_id == export_id:
        _tell(p, export_id, updated=False)  # finishes telling, if a first try was cut short
        return before
    key = _published_key(programme_id, export_id)
    storage.copy(export.s3_key, key)
    storage.copy(export.s3_key.replace(".docx", INDEX), key.replace(".docx", INDEX))
    publication = repo.Publication(
        export_id, key, key.replace(".docx", INDEX), session.account_id, clock.now()
    )
    repo.publish(programme_id, publication)
    count("YearbookPublished")
    _tell(p, export_id, updated=before is not None)
    return publication


def download(session: Session, programme_id: str) -> tuple[str, str | None, datetime] | None:
    """The published yearbook's link (and its index's), for the office and every contact;
    None before it is published (a normal state: nothing to download yet)."""
    p = get_programme(programme_id)
    publication = repo.publication(p.programme_id)
    if publication is None:
        return None
    name = f"{p.name}学习成果汇编"
    url = storage.presigned_get(publication.s3_key, filename=f"{name}.docx")
    index = (
        storage.presigned_get(publication.index_key, filename=f"{name}索引.xlsx")
        if publication.index_key
        else None
    )
    return url, index, publication.at
