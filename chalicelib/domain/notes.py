"""研修需求说明: before the batch the 团长 tells the base what the team wants to learn, and the
base answers (the seed: 研修前 … 进一步明确研修的主要目的和重点内容，并提前反馈给研修基地).

Only the batch's 团长 and its base contact write; a member of the team who is not the 团长 is
refused (403: the 团长 speaks for the team). The office and the region's contact may read.
A note is at most NOTE_MAX characters, and a batch holds at most MAX_NOTES of them."""

from __future__ import annotations

from chalicelib.domain.errors import ForbiddenError

NOTE_MAX = 500
MAX_NOTES = 50
LEADER_SIDE, BASE_SIDE = "leader", "base"


def check_writer(team_role: str | None) -> None:
    """A trainee on the batch writes only as its 团长."""
    if team_role != "leader":
        raise ForbiddenError("not_team_leader")


def preview(text: str, length: int = 40) -> str:
    """The note's start, for the SMS telling the other side."""
    flat = " ".join(text.split())
    return flat if len(flat) <= length else flat[:length] + "…"
