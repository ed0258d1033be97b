"""Artifacts and their earlier versions.

Access patterns:
- create: one transaction: the artifact (Put), the trainee's and the batch's artifact counters.
  It first reads the trainee's counts (GetItem): the batch counts trainees with a piece, a
  reflection, an outcome, so the write is conditioned on the counts read and, if another of
  the trainee's pieces was counted meanwhile, read and sent again.
- GET /me/artifacts: one Query on by_author (deleted ones filtered out in the same Query).
- modify: one transaction: the artifact under version == the version read (409 otherwise),
  the previous version into artifact_versions.
- delete/restore: UpdateItem deleted_at (with the counters), feature: UpdateItem (sparse index).
- showcase: one Query on the sparse `featured` index; yearbook: Query by_programme "outcome#".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from pynamodb.attributes import NumberAttribute
from pynamodb.exceptions import DoesNotExist
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action

from chalicelib.db.common import cursor_checked, decode_cursor, encode_cursor, key_time
from chalicelib.db.models import ArtifactModel, ArtifactVersionModel, BatchModel, TraineeModel
from chalicelib.db.writes import Failure, Refusal, Transaction, applied, transaction
from chalicelib.domain.artifacts import shown_bytes
from chalicelib.domain.errors import ConflictError, NotFoundError
from chalicelib.domain.records import Artifact, Page

FEATURED = "featured"


def _artifact(m: ArtifactModel) -> Artifact:
    return Artifact(
        artifact_id=m.artifact_id,
        author_id=m.author_id,
        author_name=m.author_name,
        trainee_id=m.trainee_id,
        batch_id=m.batch_id,
        programme_id=m.programme_id,
        programme_name=m.programme_name,
        region_id=m.region_id,
        region_name=m.region_name,
        base_id=m.base_id,
        base_name=m.base_name,
        stage=m.stage,
        start_date=date.fromisoformat(m.start_date),
        end_date=date.fromisoformat(m.end_date),
        kind=m.kind,
        title=m.title,
        body=m.body,
        image_ids=tuple(str(i) for i in m.image_ids or ()),
        version=int(m.version),
        created_at=m.created_at,
        updated_at=m.updated_at,
        deleted_at=m.deleted_at,
        featured=m.featured is not None,
    )


def _item(a: Artifact) -> ArtifactModel:
    return ArtifactModel(
        a.artifact_id,
        author_id=a.author_id,
        author_name=a.author_name,
        trainee_id=a.trainee_id,
        batch_id=a.batch_id,
        programme_id=a.programme_id,
        programme_name=a.programme_name,
        region_id=a.region_id,
        region_name=a.region_name,
        base_id=a.base_id,
        base_name=a.base_name,
        stage=a.stage,
        start_date=a.start_date.isoformat(),
        end_date=a.end_date.isoformat(),
        kind=a.kind,
        title=a.title,
        body=a.body,
        image_ids=list(a.image_ids) or None,
        version=a.version,
        created_at=a.created_at,
        updated_at=a.updated_at,
        created_key=f"{key_time(a.created_at)}#{a.artifact_id}",
        programme_key=f"{a.kind}#{a.stage}#{a.base_id}#{key_time(a.created_at)}#{a.artifact_id}",
    )


def _kind_counter(kind: str) -> NumberAttribute:
    return TraineeModel.outcome_count if kind == "outcome" else TraineeModel.reflection_count


@dataclass(frozen=True)
class Held:
    """The trainee's pieces as read: all of them, and those of the artifact's kind."""

    pieces: int
    of_kind: int


def _holds(counter: NumberAttribute, n: int) -> Condition:
    condition: Condition = (counter == n) if n else (counter.does_not_exist() | (counter == 0))
    return condition


def _crosses(had: int, step: int) -> bool:
    """The count goes from none to some, or from some to none."""
    return (had > 0) != (had + step > 0)


def _count(tx: Transaction, a: Artifact, step: int, had: Held) -> None:
    """The trainee's and the batch's counters (archive, evaluation, funnel, reminders) move
    with it, only while the trainee is on the roster: an update of an item that is gone (the
    trainee was removed or replaced) would create it holding nothing but counters. The write
    holds only while the trainee still has the pieces `had` says: the batch counts trainees
    with a piece, a reflection, an outcome, and those move when a trainee's first comes or its
    last goes."""
    kind = _kind_counter(a.kind)
    condition = TraineeModel.trainee_id.exists() & (TraineeModel.account_id == a.author_id)
    condition &= _holds(TraineeModel.artifact_count, had.pieces) & _holds(kind, had.of_kind)
    batch = [BatchModel.artifact_count.add(step)]
    if a.kind == "outcome":
        people = BatchModel.outcome_trainees
    else:
        batch.append(BatchModel.reflection_count.add(step))
        people = BatchModel.reflection_trainees
    if _crosses(had.of_kind, step):
        batch.append(people.add(step))
    if _crosses(had.pieces, step):
        batch.append(BatchModel.uploader_trainees.add(step))
    tx.update(
        TraineeModel(a.trainee_id),
        actions=[TraineeModel.artifact_count.add(step), kind.add(step)],
        condition=condition,
        tag="trainee",
    )
    tx.update(BatchModel(a.batch_id), actions=batch, condition=BatchModel.batch_id.exists(), tag="batch")


class _Recount(Exception):
    """The trainee's pieces changed between the read and the write: read them again."""


# Each try lost is another of the same trainee's pieces written first: five cover a person
# writing from four devices at one instant (the concurrency tier races four).
COUNT_TRIES = 5


def _held(a: Artifact) -> Held:
    kind = _kind_counter(a.kind).attr_name
    try:
        m = TraineeModel.get(a.trainee_id, consistent_read=True, attributes_to_get=["artifact_count", kind])
    except DoesNotExist:
        return Held(0, 0)  # the write's own condition then says the trainee left
    return Held(int(m.artifact_count or 0), int(getattr(m, kind) or 0))


def _trainee_refused(a: Artifact, gone: Exception) -> Callable[[Refusal], Exception]:
    """The trainee's condition failed: it left the roster (`gone`), or, still there, its
    pieces were counted meanwhile (read again)."""

    def why(_: Refusal) -> Exception:
        try:
            now = TraineeModel.get(a.trainee_id, consistent_read=True)
        except DoesNotExist:
            return gone
        return _Recount() if now.account_id == a.author_id else gone

    return why


def _counted(a: Artifact, write: Callable[[Held], None]) -> None:
    """`write(had)` with the trainee's pieces as read, again if they changed before it was
    written (another of the same trainee's pieces, a few times at most)."""
    for _ in range(COUNT_TRIES):
        try:
            write(_held(a))
            return
        except _Recount:
            continue
    raise ConflictError("conflict")


def create(a: Artifact) -> None:
    gone = NotFoundError("not_on_roster")

    def write(had: Held) -> None:
        with transaction(errors={"trainee": _trainee_refused(a, gone), "batch": gone}) as tx:
            tx.save(_item(a), condition=ArtifactModel.artifact_id.does_not_exist())
            _count(tx, a, 1, had)

    _counted(a, write)


def get(artifact_id: str) -> Artifact | None:
    try:
        return _artifact(ArtifactModel.get(artifact_id, consistent_read=True))
    except DoesNotExist:
        return None


def replace_content(old: Artifact, new: Artifact) -> None:
    """Save `new` (version old.version + 1) only if the stored version is still old.version,
    and keep `old` among the versions; a featured artifact stops being featured."""
    # The version read, and its showcase state as read: had the office featured it meanwhile,
    # the author is told (409, then the notice) rather than unfeaturing it unawares.
    as_read = (
        (ArtifactModel.version == old.version)
        & ArtifactModel.deleted_at.does_not_exist()
        & (ArtifactModel.featured.exists() if old.featured else ArtifactModel.featured.does_not_exist())
    )
    images = ArtifactModel.image_ids
    with transaction(errors={"artifact": ConflictError("stale_version")}) as tx:
        tx.update(
            ArtifactModel(old.artifact_id),
            actions=[
                ArtifactModel.title.set(new.title),
                ArtifactModel.body.set(new.body),
                images.set(list(new.image_ids)) if new.image_ids else images.remove(),  # type: ignore[arg-type]
                ArtifactModel.version.set(new.version),
                ArtifactModel.updated_at.set(new.updated_at),
                # What the office featured is what it read: changed, it leaves the showcase
                # until featured again.
                ArtifactModel.featured.remove(),
                ArtifactModel.featured_key.remove(),
            ],
            condition=as_read,
            tag="artifact",
        )
        tx.save(
            ArtifactVersionModel(
                old.artifact_id,
                old.version,
                title=old.title,
                body=old.body,
                image_ids=list(old.image_ids) or None,
                saved_at=new.updated_at,
            )
        )


def mark_deleted(a: Artifact, now: datetime) -> None:
    """Deleted by its author, who must still be on the roster (404 otherwise)."""
    gone = NotFoundError("artifact_not_found")

    def write(had: Held) -> None:
        errors: dict[str, Failure] = {"artifact": gone, "trainee": _trainee_refused(a, gone), "batch": gone}
        with transaction(errors=errors) as tx:
            tx.update(
                ArtifactModel(a.artifact_id),
                actions=[
                    ArtifactModel.deleted_at.set(now),
                    ArtifactModel.featured.remove(),
                    ArtifactModel.featured_key.remove(),
                ],
                condition=ArtifactModel.deleted_at.does_not_exist(),
                tag="artifact",
            )
            _count(tx, a, -1, had)

    _counted(a, write)


def restore(a: Artifact, counted: bool) -> None:
    """Undelete; its author's counters rise again only if `counted` (the author is still on
    the roster: a removed trainee's counters left the batch with them)."""
    left = ConflictError("conflict")  # the author left the roster meanwhile: try again

    def write(had: Held) -> None:
        errors: dict[str, Failure] = {
            "artifact": ConflictError("not_deleted"),
            "trainee": _trainee_refused(a, left),
            "batch": left,
        }
        with transaction(errors=errors) as tx:
            tx.update(
                ArtifactModel(a.artifact_id),
                actions=[ArtifactModel.deleted_at.remove()],
                condition=ArtifactModel.deleted_at.exists(),
                tag="artifact",
            )
            if counted:
                _count(tx, a, 1, had)

    if counted:
        _counted(a, write)
    else:
        write(Held(0, 0))


def set_featured(a: Artifact, featured: bool, now: datetime, version: int) -> None:
    """Featured only at `version` (the one the office read): an edit since is 409."""
    actions: list[Action]
    condition: Condition
    if featured:
        actions = [
            ArtifactModel.featured.set(FEATURED),
            ArtifactModel.featured_key.set(f"{a.programme_id}#{key_time(now)}#{a.artifact_id}"),
        ]
        condition = ArtifactModel.deleted_at.does_not_exist() & (ArtifactModel.version == version)
    else:
        actions = [ArtifactModel.featured.remove(), ArtifactModel.featured_key.remove()]
        condition = ArtifactModel.artifact_id.exists()
    if applied(lambda: ArtifactModel(a.artifact_id).update(actions=actions, condition=condition)):
        return
    stored = get(a.artifact_id)
    if featured and stored is not None and stored.deleted_at is None:
        raise ConflictError("stale_version")  # edited since it was read
    raise NotFoundError("artifact_not_found")


def of_author(author_id: str, limit: int, cursor: str | None) -> Page[Artifact]:
    rows = ArtifactModel.by_author.query(
        author_id,
        scan_index_forward=False,
        filter_condition=ArtifactModel.deleted_at.does_not_exist(),
        limit=limit,
        last_evaluated_key=decode_cursor(cursor, ArtifactModel.by_author),
    )
    with cursor_checked(cursor):
        items = [_artifact(m) for m in rows]
    return Page(items, encode_cursor(rows.last_evaluated_key))


def featured(programme_id: str | None, limit: int, cursor: str | None, max_bytes: int) -> Page[Artifact]:
    """A page of the showcase: at most `limit` artifacts, and no more than fit in `max_bytes`
    as the route shows them (a page of long bodies would pass API Gateway's 6 MB answer); at
    least one. A page cut short by bytes continues after its last artifact."""
    condition = ArtifactModel.featured_key.startswith(f"{programme_id}#") if programme_id else None
    start = decode_cursor(cursor, ArtifactModel.by_featured)
    rows = ArtifactModel.by_featured.query(
        FEATURED, condition, scan_index_forward=False, limit=limit, last_evaluated_key=start
    )
    items: list[Artifact] = []
    used, last_key = 0, ""
    with cursor_checked(cursor):
        for m in rows:
            a = _artifact(m)
            used += shown_bytes(a)
            if items and used > max_bytes:
                key = {"artifact_id": {"S": items[-1].artifact_id}, "featured": {"S": FEATURED}}
                return Page(items, encode_cursor({**key, "featured_key": {"S": last_key}}))
            items.append(a)
            last_key = m.featured_key or ""
    return Page(items, encode_cursor(rows.last_evaluated_key))


def of_batch(batch_id: str) -> list[Artifact]:
    """A batch's artifacts, deleted ones too, oldest first: one Query on by_batch."""
    return [_artifact(m) for m in ArtifactModel.by_batch.query(batch_id)]


def outcomes(programme_id: str) -> list[Artifact]:
    """A programme's outcomes by stage, then base, then time (the yearbook's order)."""
    rows = ArtifactModel.by_programme.query(
        programme_id,
        ArtifactModel.programme_key.startswith("outcome#"),
        filter_condition=ArtifactModel.deleted_at.does_not_exist(),
    )
    return [_artifact(m) for m in rows]
