"""研修需求说明 between a batch's 团长 and its base."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints

from chalicelib.domain.notes import NOTE_MAX
from chalicelib.schemas.common import Input, Instant, Output


class NoteIn(Input):
    multiline = frozenset({"text"})
    text: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=NOTE_MAX)]


class NoteOut(Output):
    note_id: str
    batch_id: str
    author_role: str = Field(description="leader (the 团长) | base (the base's contact)")
    author_name: str
    text: str
    created_at: Instant
