"""The reminder runs' plans (services/reminders.py does the units): for each programme and each
rule whose day it is, who is still to act, read from the sparse indexes (keys only where it
can), split into units of at most PAGE recipients (the regions' summaries, SUMMARY_PAGE
names; a region never split)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime

from chalicelib.db import catalog, demands, enrolments, reminders, sharing
from chalicelib.domain import reminders as rules
from chalicelib.domain.deadlines import local_day
from chalicelib.domain.records import Programme
from chalicelib.domain.reminders import PAGE, SUMMARY_PAGE, Unit, grouped_pages, pages


def _demand_plan(p: Programme, today: date) -> list[Unit]:
    if not rules.due(p.demand_deadline, today, rules.DEMAND_DAYS):
        return []
    waiting = sorted(demands.awaiting_demand(p.programme_id))
    return [Unit("demand", p.programme_id, today, ids) for ids in pages(waiting)]


def _roster_plan(p: Programme, today: date) -> list[Unit]:
    if not rules.due(p.roster_deadline, today, rules.ROSTER_DAYS):
        return []
    per_region = reminders.awaiting_roster(p.programme_id)
    return [Unit("roster", p.programme_id, today, ids) for ids in grouped_pages(per_region, PAGE)]


def _registration_plan(p: Programme, today: date) -> list[Unit]:
    if not rules.due(p.registration_deadline, today, rules.REGISTRATION_DAYS):
        return []
    per_region = reminders.unregistered_ids(p.programme_id)
    every = [t for region_id in sorted(per_region) for t in per_region[region_id]]
    return [Unit("registration", p.programme_id, today, ids) for ids in pages(every)] + [
        Unit("registration_summary", p.programme_id, today, ids)
        for ids in grouped_pages(per_region, SUMMARY_PAGE)
    ]


def _outcome_plan(p: Programme, today: date) -> list[Unit]:
    units = []
    for end_date in rules.batch_ends_for_outcome_reminders(today, p.outcome_window_days):
        waiting = [t.trainee_id for t in reminders.without_outcome(p.programme_id, end_date)]
        units += [Unit("outcome", p.programme_id, today, ids, end_date) for ids in pages(waiting)]
    return units


def _sharing_plan(p: Programme, today: date) -> list[Unit]:
    units = []
    for end_date in rules.batch_ends_for_outcome_reminders(today, p.outcome_window_days):
        per_region: dict[str, list[str]] = defaultdict(list)
        for t in sharing.ended_without_report(p.programme_id, end_date):
            per_region[t.region_id].append(t.trainee_id)
        every = [t for region_id in sorted(per_region) for t in per_region[region_id]]
        units += [Unit("sharing", p.programme_id, today, ids, end_date) for ids in pages(every)]
        units += [
            Unit("sharing_summary", p.programme_id, today, ids, end_date)
            for ids in grouped_pages(per_region, SUMMARY_PAGE)
        ]
    return units


def _enrolment_plan(p: Programme, today: date) -> list[Unit]:
    if p.enrolment_deadline is None or not rules.due(p.enrolment_deadline, today, rules.ENROLMENT_DAYS):
        return []
    waiting = [c.region_id for c in enrolments.awaiting_confirmation(p.programme_id)]
    return [Unit("enrolment", p.programme_id, today, ids) for ids in pages(waiting)]


def _checkin_plan(p: Programme, today: date) -> list[Unit]:
    waiting = [t.trainee_id for t in reminders.not_checked_in(p.programme_id, today)]
    return [Unit("checkin", p.programme_id, today, ids) for ids in pages(waiting)]


def plan_daily(now: datetime) -> list[Unit]:
    """The 09:00 run's units: demand, roster, registration, outcome, 分享报告 and 国培 enrolment."""
    today = local_day(now)
    units: list[Unit] = []
    for programme in catalog.all_programmes():
        if programme.draft:
            continue  # not open yet: nobody is to act on it
        for plan in (
            _demand_plan,
            _roster_plan,
            _registration_plan,
            _outcome_plan,
            _sharing_plan,
            _enrolment_plan,
        ):
            units += plan(programme, today)
    return units


def plan_checkins(now: datetime) -> list[Unit]:
    """The 10:00 run's units: trainees in session who have not checked in today."""
    today = local_day(now)
    return [u for programme in catalog.all_programmes() for u in _checkin_plan(programme, today)]
