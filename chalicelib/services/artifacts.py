"""Reflections, insights and outcomes: write, modify (versioned), delete (recoverable),
who sees what, the showcase."""

from __future__ import annotations

import html
import re
from dataclasses import replace
from typing import Any

from chalicelib.adapters import clock, secrets
from chalicelib.config import settings
from chalicelib.db import artifacts, catalog, trainees, uploads
from chalicelib.domain import artifacts as rules
from chalicelib.domain.deadlines import local_day
from chalicelib.domain.errors import ConflictError, NotFoundError, ValidationFailedError, problem
from chalicelib.domain.records import Artifact, Page, Session
from chalicelib.domain.vocab import Role
from chalicelib.observability import count
from chalicelib.services import uploads as upload_service
from chalicelib.services.attendance import place


def _own_ready_images(session: Session, image_ids: list[str]) -> list[str]:
    """The author's uploads that passed the check; anything else is 422. In local mode,
    where no S3 event fires, a pending upload is checked here, as the event would have."""
    found = uploads.get_many(set(image_ids))
    for image_id in image_ids:
        upload = found.get(image_id)
        if upload is None or upload.account_id != session.account_id:
            raise ValidationFailedError(fields={"image_ids": problem("image_not_yours", image_id=image_id)})
        if upload.status == "pending" and settings().local:
            upload = upload_service.check(upload)
        if upload.status != "ready":
            raise ValidationFailedError(fields={"image_ids": problem("image_not_ready", image_id=image_id)})
    return list(dict.fromkeys(image_ids))


def clean_body(session: Session, body: str, image_ids: list[str]) -> tuple[str, tuple[str, ...]]:
    """A rich-text body by the artifact rules (the one place): the caller's own checked
    images only, sanitised, at most 10,000 characters. Workshops' submissions and briefings
    use it too."""
    images = _own_ready_images(session, image_ids)
    clean = rules.sanitize(body, set(images))
    rules.check_body(clean)
    return clean, tuple(images)


def _content(
    session: Session, title: str, body: str, image_ids: list[str]
) -> tuple[str, str, tuple[str, ...]]:
    clean, images = clean_body(session, body, image_ids)
    return title, clean, images


def create(session: Session, data: Any) -> Artifact:
    trainee = place(session, data.batch_id)
    programme = catalog.get_programme(trainee.programme_id)
    region = catalog.get_region(trainee.region_id)
    base = catalog.get_base(trainee.base_id)
    batch = catalog.get_batch(trainee.batch_id)
    assert programme and region and base and batch
    now = clock.now()
    rules.check_can_write(
        data.kind, local_day(now), trainee.start_date, trainee.end_date, programme.outcome_window_days
    )
    title, body, images = _content(session, data.title, data.body, data.image_ids)
    artifact = Artifact(
        artifact_id=secrets.new_id(),
        author_id=session.account_id,
        author_name=trainee.name,
        trainee_id=trainee.trainee_id,
        batch_id=trainee.batch_id,
        programme_id=programme.programme_id,
        programme_name=programme.name,
        region_id=region.region_id,
        region_name=region.name,
        base_id=base.base_id,
        base_name=base.name,
        stage=batch.stage,
        start_date=trainee.start_date,
        end_date=trainee.end_date,
        kind=data.kind,
        title=title,
        body=body,
        image_ids=images,
        version=1,
        created_at=now,
        updated_at=now,
    )
    artifacts.create(artifact)
    count("ArtifactSubmitted")
    return artifact


def _may_see(session: Session, a: Artifact) -> bool:
    if session.role == Role.admin:
        return True
    if a.deleted_at is not None:
        return False
    return (
        a.author_id == session.account_id
        or (session.role == Role.region_contact and a.region_id in session.region_ids)
        or (session.role == Role.base_contact and a.base_id in session.base_ids)
    )


def visible(session: Session, artifact_id: str) -> Artifact:
    a = artifacts.get(artifact_id)
    if a is None or not _may_see(session, a):
        raise NotFoundError("artifact_not_found")
    return a


def _own(session: Session, artifact_id: str) -> Artifact:
    """The caller's own artifact, while the caller is still on its batch's roster: a trainee
    removed or replaced there can no longer change what they wrote for it (404)."""
    a = artifacts.get(artifact_id)
    if a is None or a.author_id != session.account_id or a.deleted_at is not None:
        raise NotFoundError("artifact_not_found")
    if not _on_roster(a):
        raise NotFoundError("artifact_not_found")
    return a


def _on_roster(a: Artifact) -> bool:
    trainee = trainees.get(a.trainee_id)
    return trainee is not None and trainee.account_id == a.author_id


def modify(
    session: Session, artifact_id: str, version: int, changes: dict[str, Any]
) -> tuple[Artifact, bool]:
    """The new version, and whether it was featured (then it no longer is)."""
    old = _own(session, artifact_id)
    now = clock.now()
    if old.kind == "outcome":
        programme = catalog.get_programme(old.programme_id)
        assert programme is not None
        rules.check_can_write(
            "outcome", local_day(now), old.start_date, old.end_date, programme.outcome_window_days
        )
    if version != old.version:
        raise ConflictError("stale_version")
    title, body, images = _content(
        session,
        changes.get("title", old.title),
        changes.get("body", old.body),
        changes.get("image_ids", list(old.image_ids)),
    )
    new = replace(
        old, title=title, body=body, image_ids=images, version=old.version + 1, updated_at=now, featured=False
    )
    artifacts.replace_content(old, new)
    return new, old.featured


def delete(session: Session, artifact_id: str) -> None:
    artifacts.mark_deleted(_own(session, artifact_id), clock.now())


def restore(artifact_id: str) -> Artifact:
    a = artifacts.get(artifact_id)
    if a is None:
        raise NotFoundError("artifact_not_found")
    rules.check_restorable(a.deleted_at, clock.now())
    artifacts.restore(a, counted=_on_roster(a))
    return replace(a, deleted_at=None)


def feature(artifact_id: str, on: bool, version: int | None) -> Artifact:
    """Feature (or stop): `version`, when given, is the one the office read; the artifact is
    featured only if that is still its version (the public sees what the office saw)."""
    a = artifacts.get(artifact_id)
    if a is None or a.deleted_at is not None:
        raise NotFoundError("artifact_not_found")
    if version is not None and version != a.version:
        raise ConflictError("stale_version")
    artifacts.set_featured(a, on, clock.now(), version if version is not None else a.version)
    return replace(a, featured=on)


def mine(session: Session, limit: int, cursor: str | None) -> Page[Artifact]:
    return artifacts.of_author(session.account_id, limit, cursor)


def showcase(programme_id: str | None, limit: int, cursor: str | None) -> Page[Artifact]:
    return artifacts.featured(programme_id, limit, cursor, rules.SHOWCASE_PAGE_BYTES)


_SRC = re.compile(r'src="upload:([0-9a-f]{32})"')


def with_image_urls(body: str) -> str:
    """The stored body with each `upload:<id>` replaced by a short-lived link to its clean copy."""
    return _SRC.sub(lambda m: f'src="{html.escape(upload_service.image_url(m.group(1)))}"', body)
