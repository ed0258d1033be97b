"""The office's review of a demand (审核) and the status a demand shows.

A demand is `pending` until the office approves or returns it. Only approved demand is
planned. A returned demand gives its places back to the region's quota at once, and the
region may ask again before the demand deadline. Once a demand holds a batch it is no longer
returned (the office frees the batch first); the office giving a batch by hand to a pending
demand approves it (allocating is the review's other half). The status shown:

- `returned`             returned, with its reason;
- `allocated`            its batches seat every line's places;
- `partially_allocated`  some line holds a batch, not all are seated;
- `approved` / `pending` otherwise, as reviewed.
"""

from __future__ import annotations

from chalicelib.domain.errors import ConflictError

PENDING, APPROVED, RETURNED = "pending", "approved", "returned"
# Every status a demand shows (shown_status), the office's list filter's values.
SHOWN = frozenset({PENDING, APPROVED, RETURNED, "partially_allocated", "allocated"})


def shown_status(review: str, seated: bool, some: bool) -> str:
    """What the demand shows: `seated` when every line's places are seated by its batches,
    `some` when any line holds a batch."""
    if review == RETURNED:
        return RETURNED
    if seated:
        return "allocated"
    if some:
        return "partially_allocated"
    return APPROVED if review == APPROVED else PENDING


def check_approvable(review: str) -> None:
    if review == RETURNED:
        raise ConflictError("demand_returned")


def check_returnable(review: str, held_batches: int) -> None:
    if held_batches > 0 and review != RETURNED:
        raise ConflictError("demand_allocated")
