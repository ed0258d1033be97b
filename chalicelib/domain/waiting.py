"""The waiting list (候补): a freed batch is offered to one region at a time, first come first
served, 48 hours to answer.

A batch is freed when its region gives it back (before its roster is confirmed, with nobody
named on it) or the office takes it back. It is offered to the region whose approved demand
came first among those still short of seats for the batch's stage; never to a region that gave
it back, was taken it from, or let an offer of it go. The offer holds the batch: nobody else
gets it while the region decides. Accepted, the batch is the region's, as if allocated, but
only while the demand is still short for the stage (served meanwhile, the offer is withdrawn);
declined or left past its time (the hourly job), or withdrawn because the office returned the
demand (退回), it goes to the next region in line; when none is short, it stays free. No offer
outlives the programme's roster deadline, since a batch without a roster then is of no use."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta

from chalicelib.domain.records import Demand
from chalicelib.domain.review import APPROVED

OFFER_TIME = timedelta(hours=48)
OPEN, ACCEPTED, DECLINED, EXPIRED = "open", "accepted", "declined", "expired"
WITHDRAWN = "withdrawn"  # the office returned the demand it was offered for (退回)


def next_in_line(
    demands: Iterable[Demand], stage: str, seats_held: Mapping[tuple[str, str], int], passed: set[str]
) -> Demand | None:
    """The first approved demand (FCFS) with a line for `stage` still short of seats, of a
    region that has not passed on the batch."""
    for d in sorted(demands, key=lambda d: d.order_key):
        if d.review != APPROVED or d.region_id in passed:
            continue
        asked = sum(line.places for line in d.items if line.stage == stage)
        if asked and seats_held.get((d.demand_id, stage), 0) < asked:
            return d
    return None


def offer_expiry(now: datetime, roster_deadline: datetime) -> datetime | None:
    """48 hours from now, but not past the roster deadline; None when that has passed."""
    if now >= roster_deadline:
        return None
    return min(now + OFFER_TIME, roster_deadline)
