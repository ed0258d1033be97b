"""研修需求说明: the 团长's notes to the base before the batch, and the base's answers."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalice.app import Blueprint

from chalicelib.api.routing import ADMIN, Call, route
from chalicelib.domain.records import BatchNote, Page
from chalicelib.lazy import lazy_import
from chalicelib.schemas.notes import NoteIn, NoteOut

if TYPE_CHECKING:  # the real modules for mypy; at run time, loaded on first use (lazy.py)
    from chalicelib.services import notes
else:
    notes = lazy_import("chalicelib.services.notes")

bp = Blueprint(__name__)
WRITERS = frozenset({"trainee", "base_contact"})
READERS = WRITERS | ADMIN | {"region_contact"}


def note_out(n: BatchNote) -> NoteOut:
    return NoteOut.model_validate(n)


@route(
    bp,
    "/batches/{batch_id}/notes",
    "POST",
    roles=WRITERS,
    body=NoteIn,
    response=NoteOut,
    status=201,
    summary="研修需求说明：团长给研修基地的说明，或基地的回复（不超过500字）",
)
def write_note(call: Call[NoteIn], batch_id: str) -> NoteOut:
    return note_out(notes.write(call.me, batch_id, call.body.text))


@route(
    bp,
    "/batches/{batch_id}/notes",
    roles=READERS,
    response=NoteOut,
    paged=True,
    summary="研修需求说明及回复，按时间先后",
)
def list_notes(call: Call, batch_id: str) -> Page[NoteOut]:
    page = notes.notes_of(call.me, batch_id, *call.page())
    return Page([note_out(n) for n in page.items], page.next_cursor)
