"""The reminder rules' dates (domain/reminders.py), without AWS."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from chalicelib.domain import reminders as rules
from chalicelib.domain.programmes import MAX_BATCH_DAYS

pytestmark = pytest.mark.unit

TODAY = date(2026, 10, 8)


def test_due_counts_shanghai_days_to_the_deadline() -> None:
    # 7/15 23:59:59 in Shanghai is 15:59:59 UTC the same day; at 09:00 on 7/12 it is 3 days on
    deadline = datetime(2026, 7, 15, 15, 59, 59, tzinfo=UTC)
    assert rules.due(deadline, date(2026, 7, 12), rules.DEMAND_DAYS)
    assert rules.due(deadline, date(2026, 7, 14), rules.DEMAND_DAYS)
    assert not rules.due(deadline, date(2026, 7, 13), rules.DEMAND_DAYS)
    assert not rules.due(deadline, date(2026, 7, 15), rules.DEMAND_DAYS)


def test_checkin_look_ahead_is_the_longest_batch() -> None:
    # Batches of 12 days: one in session today ends today at the earliest, in 11 days at the latest
    assert rules.checkin_end_range(TODAY, [12]) == (TODAY, date(2026, 10, 19))
    # Stages with batches of different lengths: the longest decides
    assert rules.checkin_end_range(TODAY, [5, 12, 1]) == (TODAY, date(2026, 10, 19))
    # One day: only batches ending today
    assert rules.checkin_end_range(TODAY, [1]) == (TODAY, TODAY)


def test_checkin_look_ahead_without_lengths() -> None:
    # No batch at all: nobody can be in session
    assert rules.checkin_end_range(TODAY, []) is None
    # A stage whose lengths were never recorded: as long as a batch may be
    _, last = rules.checkin_end_range(TODAY, [12, None]) or (None, None)
    assert last == date.fromordinal(TODAY.toordinal() + MAX_BATCH_DAYS - 1)


def test_outcome_reminders_look_at_batches_whose_window_closes_in_14_and_3_days() -> None:
    ends = rules.batch_ends_for_outcome_reminders(date(2026, 12, 3), 90)
    assert ends == {date(2026, 9, 18): 14, date(2026, 9, 7): 3}
    assert rules.outcome_window_closes(date(2026, 9, 18), 90) == date(2026, 12, 17)


def test_claim_keys_differ_by_kind_programme_recipient_and_day() -> None:
    keys = {
        rules.claim_key(kind, programme, account, day)
        for kind in ("demand", "roster")
        for programme in ("p1", "p2")
        for account in ("a1", "a2")
        for day in (TODAY, date(2026, 10, 9))
    }
    assert len(keys) == 16


def test_a_unit_survives_the_queue_unchanged() -> None:
    unit = rules.Unit("outcome", "p1", TODAY, ("t1", "t2"), date(2026, 9, 18))
    assert rules.Unit.from_json(unit.to_json()) == unit
    plain = rules.Unit("demand", "p1", TODAY, ("r1",))
    assert rules.Unit.from_json(plain.to_json()) == plain


def test_recipients_are_paged_and_a_region_never_split() -> None:
    assert rules.pages([str(n) for n in range(250)], 100)[2] == tuple(str(n) for n in range(200, 250))
    groups = {"r1": ["a", "b"], "r2": ["c", "d", "e"], "r3": ["f"], "big": ["g"] * 7}
    # Regions in key order; a page closes before a region that would overflow it
    assert rules.grouped_pages(groups, 4) == [("g",) * 7, ("a", "b"), ("c", "d", "e", "f")]
