"""研修需求说明 between a batch's 团长 and its base.

Access patterns: Query batch_notes[batch] oldest first, paged; a note: one transaction: the
batch's note count (note_count < cap, the batch still allocated), the note (Put), and the
other side's SMS and e-mail."""

from __future__ import annotations

from chalicelib.db.common import cursor_checked, decode_cursor, encode_cursor, key_time
from chalicelib.db.models import BatchModel, BatchNoteModel
from chalicelib.db.outbox import message_item
from chalicelib.db.writes import transaction
from chalicelib.domain.errors import ConflictError
from chalicelib.domain.records import BatchNote, Message, Page


def _note(m: BatchNoteModel) -> BatchNote:
    return BatchNote(m.note_id, m.batch_id, m.author_id, m.author_role, m.author_name, m.text, m.created_at)


def add(note: BatchNote, cap: int, messages: list[Message]) -> None:
    """Record the note, counted on the batch under the cap, with the messages."""
    with transaction(errors={"batch": ConflictError("too_many_notes")}) as tx:
        tx.update(
            BatchModel(note.batch_id),
            actions=[BatchModel.note_count.add(1)],
            condition=BatchModel.region_id.exists()
            & (BatchModel.note_count.does_not_exist() | (BatchModel.note_count < cap)),
            tag="batch",
        )
        tx.save(
            BatchNoteModel(
                note.batch_id,
                f"{key_time(note.created_at)}#{note.note_id}",
                note_id=note.note_id,
                author_id=note.author_id,
                author_role=note.author_role,
                author_name=note.author_name,
                text=note.text,
                created_at=note.created_at,
            ),
            condition=BatchNoteModel.note_key.does_not_exist(),
        )
        for message in messages:
            tx.save(message_item(message))


def of_batch(batch_id: str, limit: int, cursor: str | None) -> Page[BatchNote]:
    rows = BatchNoteModel.query(
        batch_id, limit=limit, last_evaluated_key=decode_cursor(cursor, BatchNoteModel)
    )
    with cursor_checked(cursor):
        items = [_note(m) for m in rows]
    return Page(items, encode_cursor(rows.last_evaluated_key))
