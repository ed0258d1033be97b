"""Roster and attendance rules.

- A batch seats at most its capacity (5 by default): the count is raised under the
  condition trainee_count < capacity, in the transaction that adds the trainee.
- A phone is on one roster per day: adding a trainee claims "<phone>, <day>" for every day
  of the batch, so no phone is twice in a batch or in two batches whose dates overlap.
- One team leader per batch (a claim on the batch), and exactly one to confirm.
- After confirmation (最终确认) the roster is locked for the region contact; the office may
  unlock it or replace a trainee, with a reason, and each such change is audited.
- Registration (报到) before the programme's registration deadline; check-in (签到) once a
  day, on the days of the batch, in Asia/Shanghai time, after registering.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta

from chalicelib.domain.errors import ConflictError

# What the region contact enters for a trainee (the seed's roster form), and may modify.
TRAINEE_FIELDS = ("name", "gender", "position", "phone", "email", "unit", "subject", "team_role")
LEADER = "leader"
MEMBER = "member"


def check_one_leader(team_roles: Iterable[str]) -> None:
    roles = list(team_roles)
    if not roles:
        raise ConflictError("roster_empty")
    if roles.count(LEADER) != 1:
        raise ConflictError("team_leader_required")


def check_in_session(day: date, start: date, end: date) -> None:
    if not start <= day <= end:
        raise ConflictError("not_in_session")


def phone_day_claim(phone: str, day: date) -> str:
    return f"phone-day#{phone}#{day.isoformat()}"


def claim_expiry(day: date) -> datetime:
    """When a phone's claim of a day may go (its TTL): long after anyone can still change a
    roster of that day (a replacement releases the claims it took)."""
    return datetime.combine(day, time(), tzinfo=UTC) + timedelta(days=400)


def leader_claim(batch_id: str) -> str:
    return f"leader#{batch_id}"
