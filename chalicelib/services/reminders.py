"""The reminder jobs: who is still to act before each deadline, told once per day.

A run is planned, then done in units (domain/reminders.py): the plan (services/reminder_plans.py)
reads who is waiting from the sparse indexes (keys only where it can) and splits them into
pages of recipients, one rule of one programme each; a unit reads its recipients again by key, records each
reminder once (the claim, the guard, the outbox: db/reminders.py) and sends what it recorded.
With `settings().fan_out` (the deployed stages) the scheduled run only sends the units to
the reminders queue, whose consumer Lambda (`on_reminder_unit`) does them in parallel; without
(local, tests, `yanxiu run-job`) the run does them itself, one after another."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from datetime import date, datetime

from chalicelib.adapters import clock, queue
from chalicelib.config import settings
from chalicelib.db import accounts, catalog, enrolment_lists, enrolments, reminders
from chalicelib.db import study as study_store
from chalicelib.db import workshops as workshop_store
from chalicelib.domain import notifications as texts
from chalicelib.domain import reminders as rules
from chalicelib.domain.deadlines import local_day
from chalicelib.domain.enrolment import enrolment_reminder
from chalicelib.domain.records import Account, Message, Programme, Region, Trainee
from chalicelib.domain.reminders import Unit
from chalicelib.domain.survey import survey_reminder
from chalicelib.domain.workshops import briefing_reminder, briefings_short
from chalicelib.observability import count, logger
from chalicelib.services import notify
from chalicelib.services.reminder_plans import plan_checkins, plan_daily
from chalicelib.services.rosters import batch_line


def _shanghai(moment: datetime) -> str:
    return moment.astimezone(clock.SHANGHAI).strftime("%Y-%m-%d %H:%M")


class _Run:
    """One unit's run: sends each reminder once, counts what it sent by kind. `today` is the
    planned run's day (the claims' key), `now` when it is done (quiet hours, caps)."""

    def __init__(self, now: datetime, today: date | None = None) -> None:
        self.now = now
        self.today = today or local_day(now)
        self.site = settings().site_url
        self.sent: dict[str, int] = defaultdict(int)
        self.recorded: list[Message] = []

    def send(
        self, kind: str, p: Programme, recipient: Account, text: str, guard: tuple[str, ...] | None = None
    ) -> None:
        messages = [notify.sms(f"reminder_{kind}", recipient.account_id, recipient.phone, text)]
        if recipient.email:  # e-mail beside the SMS wherever the person has an address
            subject = f"研修平台提醒：{p.name}"
            messages.append(
                notify.email(
                    f"reminder_{kind}", recipient.account_id, recipient.email, subject, texts.as_email(text)
                )
            )
        key = rules.claim_key(kind, p.programme_id, recipient.account_id, self.today)
        self.send_once(kind, p, recipient, text, key, guard, messages)

    def send_once(
        self,
        kind: str,
        p: Programme,
        recipient: Account,
        text: str,
        key: str,
        guard: tuple[str, ...] | None,
        messages: list[Message] | None = None,
    ) -> None:
        """The reminder under its own claim (`send` claims one a day; a weekly one, a week)."""
        messages = messages or [notify.sms(f"reminder_{kind}", recipient.account_id, recipient.phone, text)]
        if reminders.record_once(key, messages, guard):
            self.recorded += messages
            self.sent[kind] += 1

    def deliver(self) -> None:
        """Send what this run recorded, 100 at a time (one cap and one mark-sent transaction
        each). A crash before this leaves the messages queued: the outbox job sends them."""
        for start in range(0, len(self.recorded), 100):
            notify.deliver_all(self.recorded[start : start + 100], self.now)

    def contacts(self, region_ids: set[str]) -> dict[str, tuple[Region, Account]]:
        regions = catalog.get_regions(region_ids)
        people = accounts.get_accounts({r.contact_account_id for r in regions})
        return {
            r.region_id: (r, people[r.contact_account_id]) for r in regions if r.contact_account_id in people
        }

    def trainee_accounts(self, trainees: list[Trainee]) -> dict[str, Account]:
        return accounts.get_accounts({t.account_id for t in trainees if t.account_id})


# --- a unit: its recipients read again, each reminded once --------------------------------------


def _demand(run: _Run, p: Programme, unit: Unit) -> None:
    for region_id, (region, contact) in run.contacts(set(unit.ids)).items():
        text = texts.demand_reminder(region.name, p.name, _shanghai(p.demand_deadline), run.site)
        run.send("demand", p, contact, text, ("demand", p.programme_id, region_id))


def _roster(run: _Run, p: Programme, unit: Unit) -> None:
    per_region = defaultdict(list)
    for batch in reminders.unconfirmed_of(unit.ids):
        if batch.region_id:
            per_region[batch.region_id].append(batch)
    for region_id, (region, contact) in run.contacts(set(per_region)).items():
        batches = sorted(per_region[region_id], key=lambda b: b.start_date)
        run.send(
            "roster",
            p,
            contact,
            texts.roster_reminder(
                region.name, [batch_line(b) for b in batches], _shanghai(p.roster_deadline), run.site
            ),
            ("roster", *(b.batch_id for b in batches)),
        )


def _unregistered(unit: Unit) -> list[Trainee]:
    return [t for t in reminders.trainees_by_id(unit.ids) if t.registered_at is None and t.account_id]


def _registration(run: _Run, p: Programme, unit: Unit) -> None:
    waiting = _unregistered(unit)
    people = run.trainee_accounts(waiting)
    deadline = _shanghai(p.registration_deadline)
    batches = catalog.get_batches({t.batch_id for t in waiting})
    for t in waiting:
        if t.account_id in people and t.batch_id in batches:
            text = texts.registration_reminder(t.name, batch_line(batches[t.batch_id]), deadline, run.site)
            run.send("registration", p, people[t.account_id], text, ("registration", t.trainee_id))


def _registration_summary(run: _Run, p: Programme, unit: Unit) -> None:
    """Each region's contact: the names of its trainees still to register."""
    per_region: dict[str, list[str]] = defaultdict(list)
    for t in _unregistered(unit):
        per_region[t.region_id].append(t.name)
    deadline = _shanghai(p.registration_deadline)
    for region_id, (region, contact) in run.contacts(set(per_region)).items():
        text = texts.registration_summary(region.name, per_region[region_id], deadline)
        run.send("registration_summary", p, contact, text)


def _closing(p: Programme, unit: Unit) -> tuple[str, int]:
    """(the day the unit's outcome window closes, the days left until it)."""
    assert unit.end_date is not None
    closes = rules.outcome_window_closes(unit.end_date, p.outcome_window_days)
    return closes.isoformat(), (closes - unit.day).days


def _outcome(run: _Run, p: Programme, unit: Unit) -> None:
    closes, days = _closing(p, unit)
    waiting = [t for t in reminders.trainees_by_id(unit.ids) if t.account_id and t.outcome_count == 0]
    people = run.trainee_accounts(waiting)
    for t in waiting:
        if t.account_id in people:
            text = texts.outcome_reminder(t.name, closes, days, run.site)
            run.send(f"outcome_{days}", p, people[t.account_id], text, ("outcome", t.trainee_id))


def _sharing(run: _Run, p: Programme, unit: Unit) -> None:
    """分享报告, as for outcomes: 14 and 3 days before the window closes, each trainee without
    one (the guard: still none)."""
    closes, days = _closing(p, unit)
    waiting = reminders.trainees_by_id(unit.ids)
    people = run.trainee_accounts(waiting)
    for t in waiting:
        if t.account_id in people:
            text = texts.sharing_reminder(t.name, closes, days, run.site)
            run.send(f"sharing_{days}", p, people[t.account_id], text, ("sharing", t.trainee_id))


def _sharing_summary(run: _Run, p: Programme, unit: Unit) -> None:
    """Each region's contact (who records the 分享报告): the names of those without one."""
    closes, days = _closing(p, unit)
    per_region: dict[str, list[Trainee]] = defaultdict(list)
    for t in reminders.trainees_by_id(unit.ids):
        per_region[t.region_id].append(t)
    for region_id, (region, contact) in run.contacts(set(per_region)).items():
        names = [t.name for t in per_region[region_id]]
        text = texts.sharing_summary(region.name, names, closes, days, run.site)
        guard = ("sharing", *(t.trainee_id for t in per_region[region_id]))
        run.send(f"sharing_summary_{days}", p, contact, text, guard)


def _enrolment(run: _Run, p: Programme, unit: Unit) -> None:
    """国培: the county admins whose list is not confirmed."""
    assert p.enrolment_deadline is not None
    wanted = set(unit.ids)
    waiting = {
        c.region_id: c for c in enrolments.awaiting_confirmation(p.programme_id) if c.region_id in wanted
    }
    deadline = _shanghai(p.enrolment_deadline)
    for region_id, (region, contact) in run.contacts(set(waiting)).items():
        text = enrolment_reminder(region.name, p.name, deadline, waiting[region_id].listed, run.site)
        run.send("enrolment", p, contact, text, ("enrolment", p.programme_id, region_id))


def _checkin(run: _Run, p: Programme, unit: Unit) -> None:
    day = run.today.isoformat()
    waiting = [t for t in reminders.trainees_by_id(unit.ids) if t.registered_at and day not in t.checkins]
    people = run.trainee_accounts(waiting)
    for t in waiting:
        if t.account_id in people:
            text = texts.checkin_reminder(t.name, day, run.site)
            run.send("checkin", p, people[t.account_id], text, ("checkin", t.trainee_id, day))


UNITS: dict[str, Callable[[_Run, Programme, Unit], None]] = {
    "demand": _demand,
    "roster": _roster,
    "registration": _registration,
    "registration_summary": _registration_summary,
    "outcome": _outcome,
    "sharing": _sharing,
    "sharing_summary": _sharing_summary,
    "enrolment": _enrolment,
    "checkin": _checkin,
}


def run_unit(unit: Unit, now: datetime | None = None) -> dict[str, int]:
    """Do one unit: what it sent, by kind. Done twice (a redelivered message), the second
    time sends nothing: every reminder was claimed for its recipient and day."""
    if unit.rule not in UNITS:
        raise ValueError(f"unknown reminder unit {unit.rule!r}")
    programme = catalog.get_programme(unit.programme_id)
    if programme is None:
        return {}
    run = _Run(now or clock.now(), unit.day)
    UNITS[unit.rule](run, programme, unit)
    _report(run)
    return dict(run.sent)


def _dispatch(job: str, units: list[Unit], now: datetime) -> dict[str, int]:
    """To the queue (fan-out), or every unit here, one after another."""
    if settings().fan_out:
        queue.send_all(settings().reminder_queue, [u.to_json() for u in units])
        count("ReminderUnitsQueued", len(units))
        logger.info("reminder units queued", extra={"job": job, "units": len(units)})
        return {"units": len(units)}
    sent: Counter[str] = Counter()
    for unit in units:
        sent.update(run_unit(unit, now))
    return dict(sent)


def _briefing(run: _Run, p: Programme) -> None:
    """国培: in the last third of the programme, each host whose workshop has fewer than 2
    简报, once a week (the claim is keyed by the week's Monday) until there are 2."""
    if p.start_date is None or p.end_date is None:
        return
    week = rules.briefing_week(run.today, p.start_date, p.end_date)
    if week is None:
        return
    short = [w for w in workshop_store.of_programme(p.programme_id) if briefings_short(w)]
    hosts = accounts.get_accounts({w.host_account_id for w in short})
    for w in short:
        host = hosts.get(w.host_account_id)
        if host is None:
            continue
        text = briefing_reminder(host.name, w.name, w.briefings, p.end_date, run.site)
        run.send_once(
            "briefing",
            p,
            host,
            text,
            rules.claim_key("briefing", w.workshop_id, host.account_id, week),
            ("briefing", w.workshop_id),
        )


def _survey(run: _Run, p: Programme) -> None:
    """国培: trainees who have not answered the 训后调查, 1, 3 and 7 days after end_date."""
    if (
        p.end_date is None
        or not rules.survey_due(run.today, p.end_date)
        or not study_store.survey(p.programme_id)
    ):
        return
    trainees = [
        e
        for c in enrolments.counties(p.programme_id)
        for e in enrolment_lists.of_county(p.programme_id, c.region_id)
        if e.role == "trainee" and e.account_id
    ]
    done = study_store.answered_of(p.programme_id, [e.account_id for e in trainees if e.account_id])
    people = accounts.get_accounts(
        {e.account_id for e in trainees if e.account_id and e.account_id not in done}
    )
    for e in trainees:
        person = people.get(e.account_id or "")
        if person is None:
            continue
        text = survey_reminder(e.name, p.name, run.site)
        key = rules.claim_key("survey", p.programme_id, person.account_id, run.today)
        run.send_once(
            "survey",
            p,
            person,
            text,
            key,
            ("survey", study_store.answered_claim(p.programme_id, person.account_id)),
        )


def daily(now: datetime | None = None) -> dict[str, int]:
    """The 09:00 run: demand, roster, registration, outcome, 分享报告 and 国培 enrolment reminders
    (planned in units: fanned out in the cloud), then 国培's 简报 and 训后调查 reminders here (a
    programme's hosts and trainees: hundreds, not a national list)."""
    now = now or clock.now()
    result = _dispatch("daily", plan_daily(now), now)
    run = _Run(now)
    for programme in catalog.all_programmes():
        if programme.draft:
            continue  # not open yet: nobody is to act on it
        for rule in (_briefing, _survey):
            rule(run, programme)
    _report(run)
    for kind, sent in run.sent.items():
        result[kind] = result.get(kind, 0) + sent
    return result


def checkins(now: datetime | None = None) -> dict[str, int]:
    """The 10:00 run: trainees in session who have not checked in today."""
    now = now or clock.now()
    return _dispatch("checkins", plan_checkins(now), now)


def _report(run: _Run) -> None:
    run.deliver()
    for kind, sent in run.sent.items():
        count(f"Reminder_{kind}", sent)
    if run.sent:
        logger.info("reminders sent", extra={"day": run.today.isoformat(), **run.sent})
