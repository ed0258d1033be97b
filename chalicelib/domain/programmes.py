"""Programme, batch and quota rules."""

from __future__ import annotations

import unicodedata
from datetime import date, datetime

from chalicelib.domain.errors import ValidationFailedError, problem

MIN_CAPACITY = 1
MAX_CAPACITY = 50


def name_claim(kind: str, name: str) -> str:
    """The claim that keeps a region's (or a base's) name to one of them: written the way
    people type it, width, case and spaces aside (绥德县 and 绥德县 with a trailing space,
    or in full-width letters, are one name)."""
    normal = "".join(unicodedata.normalize("NFKC", name).casefold().split())
    return f"{kind}-name#{normal}"


def check_deadlines(demand: datetime, roster: datetime, registration: datetime) -> None:
    """The seed's order: demand (7/15) before roster (8/31) before registration (9/5)."""
    if demand > roster:
        raise ValidationFailedError(fields={"roster_deadline": problem("roster_before_demand")})
    if roster > registration:
        raise ValidationFailedError(fields={"registration_deadline": problem("registration_before_roster")})


# A phone claims each day of its batch; replacing a trainee releases one claim and takes another
# per day, in one transaction of at most 100 items: 2 x 40 + at most 12 of the roster's own.
MAX_BATCH_DAYS = 40


def check_batch_dates(start: date, end: date) -> None:
    if start > end:
        raise ValidationFailedError(fields={"end_date": problem("end_before_start")})
    if (end - start).days + 1 > MAX_BATCH_DAYS:
        raise ValidationFailedError(fields={"end_date": problem("batch_too_long", days=MAX_BATCH_DAYS)})


def check_base_serves_stage(base_stages: set[str], stage: str) -> None:
    if stage not in base_stages:
        raise ValidationFailedError(fields={"stage": problem("base_lacks_stage")})
