"""Reminders before every deadline (the seed's 流程图: the platform tells each actor at each
step). Days are counted in Asia/Shanghai between today and the deadline's day.

- demand:        regions without a demand, 3 and 1 days before the demand deadline;
- roster:        region contacts with a batch whose roster is unconfirmed, 3 and 1 days before
                 the roster deadline;
- registration:  trainees not registered, 2 days before the registration deadline (and one
                 summary to their region's contact);
- checkin:       trainees in session who have not checked in today (the 10:00 run);
- outcome:       trainees without an outcome, 14 and 3 days before their window closes;
- enrolment:     国培 county admins who have not confirmed their list, 3 and 1 days before
                 the programme's enrolment deadline.
- sharing:       trainees without a 分享报告 (and their region's contact, the names), 14 and 3
                 days before the same window closes.
- briefing:      国培 hosts whose workshop has fewer than 2 简报, once a week in the last third
                 of the programme.
- survey:        国培 trainees who have not answered the 训后调查, 1, 3 and 7 days after the
                 programme's end_date (their answered mark stops them).
Each reminder goes at most once per recipient, kind and day, for each programme: a county's
contact is often the contact of two programmes at once (the research base's and the 国培), and
one programme's reminder must not use up the other's.

A national programme (100,000 trainees) is too many reminders for one function's 15 minutes:
the run plans units (a rule, a programme, a page of recipients) and a queue's consumers do
them in parallel; each unit's reminders are still claimed once per recipient and day, so a
unit done twice (a redelivered message) sends nothing twice.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from chalicelib.domain.deadlines import local_day
from chalicelib.domain.programmes import MAX_BATCH_DAYS

DEMAND_DAYS = (3, 1)
ROSTER_DAYS = (3, 1)
REGISTRATION_DAYS = (2,)
OUTCOME_DAYS = (14, 3)
ENROLMENT_DAYS = (3, 1)
SURVEY_DAYS_AFTER = (1, 3, 7)


def days_left(deadline: datetime, today: date) -> int:
    return (local_day(deadline) - today).days


def due(deadline: datetime, today: date, offsets: tuple[int, ...]) -> bool:
    return days_left(deadline, today) in offsets


def outcome_window_closes(end_date: date, window_days: int) -> date:
    """The last day an outcome may be uploaded (domain/artifacts.py: end < day <= end + window)."""
    return end_date + timedelta(days=window_days)


def batch_ends_for_outcome_reminders(today: date, window_days: int) -> dict[date, int]:
    """{the batch end date whose window closes in d days: d} for each reminder offset d."""
    return {today + timedelta(days=d) - timedelta(days=window_days): d for d in OUTCOME_DAYS}


def checkin_end_range(today: date, batch_days: list[int | None]) -> tuple[date, date] | None:
    """The end dates of the batches that may be in session today, from the lengths of the
    programme's batches (None: a length not recorded, so the longest allowed), or None if
    the programme has no batch. A batch of n days in session today ends by today + n - 1."""
    if not batch_days:
        return None
    longest = max(MAX_BATCH_DAYS if n is None else n for n in batch_days)
    return today, today + timedelta(days=longest - 1)


def claim_key(kind: str, programme_id: str, recipient: str, day: date) -> str:
    return f"reminder#{kind}#{programme_id}#{recipient}#{day.isoformat()}"


# --- the fan-out: a run split into units a consumer does on its own ---------------------------

# Recipients per unit: one unit's reads are a BatchGetItem or two, its writes one transaction
# per recipient and three per 100 messages sent, well inside the consumer's timeout.
PAGE = 100
# A summary unit carries every trainee its regions' summaries name (a region is never split).
SUMMARY_PAGE = 500


@dataclass(frozen=True)
class Unit:
    """One piece of a reminder run, done by a consumer on its own: one rule of one programme
    for at most PAGE recipients (their ids: regions, batches or trainees by rule), on the run's
    day (which the once-a-day claims are keyed by, however late the unit is done).
    `end_date` is the batch end of an outcome or 分享报告 unit."""

    rule: str
    programme_id: str
    day: date
    ids: tuple[str, ...]
    end_date: date | None = None

    def to_json(self) -> str:
        return json.dumps(
            {
                "rule": self.rule,
                "programme_id": self.programme_id,
                "day": self.day.isoformat(),
                "ids": list(self.ids),
                "end_date": self.end_date.isoformat() if self.end_date else None,
            },
            separators=(",", ":"),
        )

    @classmethod
    def from_json(cls, body: str) -> Unit:
        data = json.loads(body)
        end = data.get("end_date")
        return cls(
            rule=str(data["rule"]),
            programme_id=str(data["programme_id"]),
            day=date.fromisoformat(data["day"]),
            ids=tuple(str(i) for i in data["ids"]),
            end_date=date.fromisoformat(end) if end else None,
        )


def pages(ids: list[str], size: int = PAGE) -> list[tuple[str, ...]]:
    """The ids in pages of at most `size`, in order."""
    return [tuple(ids[start : start + size]) for start in range(0, len(ids), size)]


def grouped_pages(groups: dict[str, list[str]], size: int) -> list[tuple[str, ...]]:
    """The groups' ids in pages of at most `size`, a group never split across two pages (a
    group larger than `size` is a page of its own): a region's batches, or the trainees its
    summary names, stay together."""
    out: list[tuple[str, ...]] = []
    page: list[str] = []
    for key in sorted(groups):
        members = groups[key]
        if page and len(page) + len(members) > size:
            out.append(tuple(page))
            page = []
        page += members
    if page:
        out.append(tuple(page))
    return out


def briefing_week(today: date, start: date, end: date) -> date | None:
    """The week (its Monday) a 国培 host short of 简报 is reminded in: only in the last third
    of the programme (start..end), once a week (None outside it)."""
    last_third = start + timedelta(days=((end - start).days * 2 + 2) // 3)
    if not last_third <= today <= end:
        return None
    return today - timedelta(days=today.weekday())


def survey_due(today: date, end: date) -> bool:
    return (today - end).days in SURVEY_DAYS_AFTER
