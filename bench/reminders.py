"""Figure 9: the reminder job and the year-end evaluation on a programme of REGIONS regions,
BATCHES batches and TRAINEES trainees: DynamoDB calls (counted as figure 2's are), the items
they read (from botocore's after-call event: a Query's Count and ScannedCount, the items a
GetItem or BatchGetItem returned) and the time, in-process under moto.

The data set is written through the data layer, not the HTTP API: after bench.routes'
set-up (the admin) and a base made through the API, RegionModel items and their contacts'
AccountModel items (phones 139xxxxxxxx) with BatchWriteItem; then the programme through
POST /programmes, whose service opens every region's quota awaiting its first demand (the
sparse `awaiting_demand` index); then the first WITH_DEMAND regions' quotas are written
again without it (they have asked). BATCHES batches (two weeks each, Mondays from 7
September, primary or junior), allocated round robin over those regions; every
UNCONFIRMED_EVERY-th one's roster is unconfirmed (`awaiting_roster`), the others confirmed.
PER_BATCH trainees per batch (phones 136xxxxxxxx, each its own: the SMS cap is per phone and
day); on a confirmed roster each has an account, and all but the last are registered (with
check-in days, reflections and an outcome in two of three, for the evaluation), the last
still awaiting registration (`awaiting_registration`). No trainee of an unconfirmed roster
has an account yet. The data set is one snapshot, read on each day below.

chalicelib.services.reminders.daily(now) runs once at 09:00 Shanghai on three days (the
clock is set there too): 12 July, 3 days before the demand deadline; 28 August, 3 days
before the roster deadline; 3 September, 2 days before the registration deadline. Each
reminder is a transaction (the once-a-day claim, the guard, the outbox message), the SMS
cap's UpdateItem, the SNS publish (moto) and the message's UpdateItem. Then, at the year's
end, GET /programmes/{id}/evaluation as the admin: calls of one warm request, time the
median of EVALUATIONS. Times come with the CPU time and the time spent inside moto
(moto_time); during the three runs moto's transactions copy only the items they touch
(lean_transactions: unpatched, each reminder costs moto O(table size))."""

from __future__ import annotations

import statistics
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from bench.calls import Call, Recorder, describe
from bench.moto_patches import lean_transactions, moto_time
from bench.routes import ADMIN_PHONE, BASE, PROGRAMME, START, STRONG, Api, app_under_moto, quiet, ready_token
from bench.table import Row

REGIONS = 1_000
WITH_DEMAND = 400  # the other 600 have not asked: the demand reminder's recipients
BATCHES = 500
PER_BATCH = 5
TRAINEES = BATCHES * PER_BATCH
UNCONFIRMED_EVERY = 10  # every 10th batch's roster is unconfirmed: 50
FIRST_MONDAY = date(2026, 9, 7)
BATCH_DAYS = 12
EVALUATIONS = 3


def nine_am(year: int, month: int, day: int) -> datetime:
    """09:00 in Shanghai (01:00 UTC)."""
    return datetime(year, month, day, 1, 0, tzinfo=UTC)


DAYS = (
    ("demand", nine_am(2026, 7, 12), "demand deadline 7/15 in 3 days"),
    ("roster", nine_am(2026, 8, 28), "roster deadline 8/31 in 3 days"),
    ("registration", nine_am(2026, 9, 3), "registration deadline 9/5 in 2 days"),
)
YEAR_END = nine_am(2027, 1, 11)
# The 10:00 check-in run on a Thursday in session: batches of weeks 3 and 4 are under way
CHECKIN_DAY = datetime.combine(
    FIRST_MONDAY + timedelta(weeks=4, days=3), datetime.min.time(), UTC
) + timedelta(hours=2)


# --- items read: botocore's after-call event ------------------------------------------------


@dataclass
class Reads:
    """Per DynamoDB call, in the order the Recorder lists them: (items returned, items read)
    and, for a batch read, the items returned per table."""

    active: bool = False
    rows: list[tuple[int, int, dict[str, int]]] = field(default_factory=list)

    def on_after_call(self, parsed: dict[str, Any], model: Any, **_: Any) -> None:
        if not self.active:
            return
        if "ScannedCount" in parsed:  # Query, Scan
            self.rows.append((int(parsed.get("Count", 0)), int(parsed["ScannedCount"]), {}))
        elif "Responses" in parsed and model.name == "BatchGetItem":
            per_table = {t: len(items) for t, items in parsed["Responses"].items()}
            n = sum(per_table.values())
            self.rows.append((n, n, per_table))
        elif "Item" in parsed:  # GetItem
            self.rows.append((1, 1, {}))
        else:
            self.rows.append((0, 0, {}))


READS = Reads()
_installed = False


def install() -> None:
    """Register the after-call handler for every botocore session created from now on (as
    bench.calls.install does; both must run before any session exists)."""
    global _installed
    if not _installed:
        from botocore.handlers import BUILTIN_HANDLERS

        BUILTIN_HANDLERS.append(("after-call.dynamodb", READS.on_after_call))
        _installed = True


@dataclass
class Run:
    calls: list[Call]
    reads: list[tuple[int, int, dict[str, int]]]
    seconds: float
    cpu: float
    in_moto: float
    sent: dict[str, int] = field(default_factory=dict)
    sms: int = 0


@contextmanager
def _reading(recorder: Recorder) -> Iterator[tuple[list[Call], list[tuple[int, int, dict[str, int]]]]]:
    READS.rows, READS.active = [], True
    try:
        with recorder.recording() as calls:
            yield calls, READS.rows
    finally:
        READS.active = False
    if len(READS.rows) != len(calls):
        raise SystemExit(f"bench: {len(calls)} DynamoDB calls but {len(READS.rows)} answers")


# --- the data set ------------------------------------------------------------------------------


@dataclass
class World:
    api: Api
    programme_id: str = ""
    regions: list[str] = field(default_factory=list)
    expected: dict[str, int] = field(default_factory=dict)  # what each day should send


def _regions(world: World) -> None:
    from chalicelib.adapters.secrets import new_id
    from chalicelib.db.catalog import region_item
    from chalicelib.db.models import AccountModel, RegionModel
    from chalicelib.domain.records import Region

    with RegionModel.batch_write() as regions, AccountModel.batch_write() as people:
        for n in range(1, REGIONS + 1):
            region_id, account_id = new_id(), new_id()
            world.regions.append(region_id)
            regions.save(region_item(Region(region_id, f"实验区{n:04d}", account_id, START)))
            people.save(
                AccountModel(
                    account_id,
                    role="region_contact",
                    name="李老师",
                    phone=f"139{n:08d}",
                    email=f"region{n}@example.cn",
                    region_ids={region_id},
                    created_at=START,
                    name_key=f"李老师#{account_id}",
                )
            )


def _trainee(
    n: int, batch: Any, pid: str, confirmed: bool, registered: bool, people: Any
) -> tuple[Any, bool]:
    """Trainee n of `batch` (and, on a confirmed roster, its account); True if unregistered."""
    from chalicelib.adapters.secrets import new_id
    from chalicelib.db.common import key_time
    from chalicelib.db.models import AccountModel, TraineeModel

    trainee_id = new_id()
    account_id = new_id() if confirmed else None
    phone = f"136{n:08d}"
    if account_id:
        people.save(
            AccountModel(
                account_id,
                role="trainee",
                name=f"研修{n}",
                phone=phone,
                created_at=START,
                name_key=f"研修{n}#{account_id}",
            )
        )
    start = date.fromisoformat(batch.start_date)
    checkins = {(start + timedelta(days=d)).isoformat() for d in range(8 + n % 5)} if registered else None
    reflections, outcome = (n % 4, int(n % 3 != 0)) if registered else (0, 0)
    item = TraineeModel(
        trainee_id,
        batch_id=batch.batch_id,
        programme_id=pid,
        region_id=batch.region_id,
        base_id=batch.base_id,
        account_id=account_id,
        name=f"研修{n}",
        gender="female" if n % 2 else "male",
        phone=phone,
        unit="南沙第一小学",
        team_role="leader" if n % PER_BATCH == 0 else "member",
        start_date=batch.start_date,
        end_date=batch.end_date,
        registered_at=nine_am(2026, 9, 1) if registered else None,
        checkins=checkins,
        artifact_count=reflections + outcome,
        reflection_count=reflections,
        outcome_count=outcome,
        end_key=f"{batch.end_date}#{trainee_id}",
        awaiting_registration=pid if confirmed and not registered else None,
        created_key=f"{key_time(START)}#{trainee_id}",
    )
    return item, confirmed and not registered


def _programme(world: World, base_id: str) -> None:
    from chalicelib.adapters.secrets import new_id
    from chalicelib.db.models import AccountModel, BatchModel, QuotaModel, TraineeModel
    from chalicelib.domain.demand import stage_tally_key

    pid = world.programme_id
    holders = [world.regions[i % WITH_DEMAND] for i in range(BATCHES)]
    with QuotaModel.batch_write() as quotas:
        for region_id in world.regions[:WITH_DEMAND]:
            asked = PER_BATCH * holders.count(region_id)
            quotas.save(
                QuotaModel(pid, region_id, places=35, requested=asked, remaining=35 - asked, updated_at=START)
            )
        # The stages' tallies, as POST /programmes/{id}/batches keeps them: places, and the
        # batches' lengths (12 days), which bound the check-in run's look-ahead
        for stage in ("primary", "junior"):
            places = PER_BATCH * BATCHES // 2
            quotas.save(
                QuotaModel(
                    pid,
                    stage_tally_key(stage),
                    places=places,
                    requested=places,
                    remaining=0,
                    batch_days={BATCH_DAYS},
                    updated_at=START,
                )
            )
    waiting_regions: set[str] = set()
    unconfirmed_regions: set[str] = set()
    unregistered = 0
    with (
        BatchModel.batch_write() as batches,
        TraineeModel.batch_write() as trainees,
        AccountModel.batch_write() as people,
    ):
        for i, region_id in enumerate(holders):
            batch_id = new_id()
            stage = ("primary", "junior")[i % 2]
            start = FIRST_MONDAY + timedelta(weeks=i % 15)
            confirmed = i % UNCONFIRMED_EVERY != UNCONFIRMED_EVERY - 1
            batch = BatchModel(
                batch_id,
                programme_id=pid,
                base_id=base_id,
                stage=stage,
                start_date=start.isoformat(),
                end_date=(start + timedelta(days=BATCH_DAYS - 1)).isoformat(),
                capacity=PER_BATCH,
                study_type="placement",
                region_id=region_id,
                demand_id=new_id(),
                trainee_count=PER_BATCH,
                roster_status="confirmed" if confirmed else "open",
                confirmed_at=START if confirmed else None,
                registered_count=PER_BATCH - 1 if confirmed else 0,
                awaiting_roster=None if confirmed else pid,
                created_at=START,
                stage_key=f"{stage}#{start.isoformat()}#{batch_id}",
                programme_stage_key=f"{pid}#{stage}#{start.isoformat()}#{batch_id}",
            )
            if not confirmed:
                unconfirmed_regions.add(region_id)
            for j in range(PER_BATCH):
                n = i * PER_BATCH + j + 1
                item, waiting = _trainee(n, batch, pid, confirmed, j < PER_BATCH - 1, people)
                trainees.save(item)
                # the batch's counters, as the writes keep them (the evaluation reads these)
                batch.checkin_count = (batch.checkin_count or 0) + len(item.checkins or ())
                batch.reflection_count = (batch.reflection_count or 0) + item.reflection_count
                batch.outcome_trainees = (batch.outcome_trainees or 0) + (item.outcome_count > 0)
                batch.checked_in_trainees = (batch.checked_in_trainees or 0) + bool(item.checkins)
                batch.reflection_trainees = (batch.reflection_trainees or 0) + (item.reflection_count > 0)
                batch.uploader_trainees = (batch.uploader_trainees or 0) + (item.artifact_count > 0)
                if waiting:
                    unregistered += 1
                    waiting_regions.add(region_id)
            batches.save(batch)
    world.expected = {
        "demand": REGIONS - WITH_DEMAND,
        "roster": len(unconfirmed_regions),
        "registration": unregistered,
        "registration_summary": len(waiting_regions),
    }


def _open_quietly(programme_id: str) -> None:
    from chalicelib.db.models import ProgrammeModel

    ProgrammeModel(programme_id).update(
        actions=[ProgrammeModel.draft.remove(), ProgrammeModel.opened_at.set(START)],
        add_version_condition=False,
    )


def _build(api: Api, admin: str) -> tuple[World, float]:
    started = time.perf_counter()
    world = World(api)
    base_id = api.expect(201, "POST", "/bases", admin, BASE)["base_id"]
    _regions(world)
    # The service opens every region's quota, awaiting its first demand (BatchWriteItem). As a
    # draft: the opening's notices to 1,000 contacts are not this figure's; it is then marked
    # open as POST /programmes/{id}/open would, without them.
    draft = {**PROGRAMME, "draft": True}
    world.programme_id = api.expect(201, "POST", "/programmes", admin, draft)["programme_id"]
    _open_quietly(world.programme_id)
    _programme(world, base_id)
    return world, time.perf_counter() - started


# --- the runs ----------------------------------------------------------------------------------


def _sms() -> int:
    import os

    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.sns.models import sns_backends

    return len(sns_backends[DEFAULT_ACCOUNT_ID][os.environ["AWS_REGION"]].sms_messages)


def _job(recorder: Recorder, now: datetime, kind: str) -> Run:
    """One run of a reminder job ("daily" at 09:00, "checkins" at 10:00) at `now`, measured."""
    from chalicelib.adapters import clock
    from chalicelib.services import reminders

    clock.set_now(now)
    before = _sms()
    with _reading(recorder) as (calls, reads), lean_transactions(), moto_time() as in_moto:
        started, cpu = time.perf_counter(), time.process_time()
        sent = getattr(reminders, kind)(now)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    return Run(calls, reads, seconds, cpu, in_moto[0], sent, _sms() - before)


def _evaluation(recorder: Recorder, api: Api, pid: str) -> tuple[Run, int]:
    from chalicelib.adapters import clock

    clock.set_now(YEAR_END)
    token = api.expect(200, "POST", "/auth/login", body={"phone": ADMIN_PHONE, "password": STRONG})["token"]
    path = f"/programmes/{pid}/evaluation?limit=100"
    api.expect(200, "GET", path, token)  # warm-up
    with _reading(recorder) as (calls, reads):
        ranked = api.expect(200, "GET", path, token)
    seconds, cpus, in_motos = [], [], []
    for _ in range(EVALUATIONS):
        with moto_time() as in_moto:
            started, cpu = time.perf_counter(), time.process_time()
            api.expect(200, "GET", path, token)
            seconds.append(time.perf_counter() - started)
            cpus.append(time.process_time() - cpu)
        in_motos.append(in_moto[0])
    medians = [statistics.median(x) for x in (seconds, cpus, in_motos)]
    seconds_median, cpu_median, moto_median = medians
    return Run(calls, reads, seconds_median, cpu_median, moto_median), len(ranked["items"])


def _run(recorder: Recorder) -> tuple[dict[str, Any], str]:
    with app_under_moto() as (api, prefix):
        admin = ready_token(api, ADMIN_PHONE)
        world, build_seconds = _build(api, admin)
        out: dict[str, Any] = {"build": build_seconds, "expected": world.expected}
        for kind, moment, _ in DAYS:
            out[kind] = _job(recorder, moment, "daily")
        out["checkin"] = _job(recorder, CHECKIN_DAY, "checkins")
        out["evaluation"], out["ranked"] = _evaluation(recorder, api, world.programme_id)
    return out, prefix


# --- the rows ----------------------------------------------------------------------------------


def _by_operation(calls: list[Call]) -> str:
    counts = Counter(c.operation for c in calls)
    return f"{len(calls):,}: " + ", ".join(f"{n:,} {op}" for op, n in counts.most_common())


def _reads(run: Run, prefix: str) -> tuple[dict[str, int], str]:
    """(items read per table.index of the Queries, the note's breakdown of every read)."""
    queried: dict[str, list[tuple[int, int]]] = defaultdict(list)
    fetched: Counter[str] = Counter()
    got = 0
    for call, (count, read, per_table) in zip(run.calls, run.reads, strict=True):
        table = call.params.get("TableName", "").removeprefix(prefix)
        if call.operation in ("Query", "Scan"):
            where = f"{call.operation} {table}.{call.params.get('IndexName', '(table)')}"
            queried[where].append((count, read))
        elif call.operation == "BatchGetItem":
            for t, n in per_table.items():
                fetched[t.removeprefix(prefix)] += n
        elif call.operation == "GetItem":
            got += count
    parts = []
    for where, pages in queried.items():
        shown = " + ".join(f"{s:,}" if c == s else f"{s:,} (kept {c:,})" for c, s in pages)
        parts.append(f"{where} read {shown}")
    if fetched:
        parts.append("BatchGetItem " + ", ".join(f"{t} {n:,}" for t, n in fetched.items()))
    if got:
        parts.append(f"GetItem {got}")
    scanned = {where: sum(s for _, s in pages) for where, pages in queried.items()}
    return scanned, "; ".join(parts)


def _per_day_rows(kind: str, why: str, run: Run, expected: dict[str, int], prefix: str) -> list[Row]:
    scanned, breakdown = _reads(run, prefix)
    index, total, needing = {
        "demand": ("Query quotas.awaiting_demand", REGIONS, "region quotas"),
        "roster": ("Query batches.awaiting_roster", BATCHES, "batches"),
        "registration": ("Query trainees.awaiting_registration", TRAINEES, "trainees"),
    }[kind]
    read = scanned.get(index, 0)
    sent = sum(run.sent.values())
    sent_text = ", ".join(f"{n:,} {k}" for k, n in sorted(run.sent.items())) or "none"
    want = {k: n for k, n in expected.items() if k == kind or k.startswith(f"{kind}_")}
    verdict = "as set up" if run.sent == want else f"NOT as set up: expected {want}"
    per = run.seconds / sent * 1000 if sent else 0.0
    return [
        Row(
            f"DynamoDB calls reminders daily(), {kind} day",
            _by_operation(run.calls),
            "reads: Query on the sparse index + BatchGetItem of the recipients",
            f"{why}; {sent_text} sent ({verdict}), {run.sms:,} SMS reached moto's SNS; "
            "each reminder: TransactWriteItems (claim, guard, outbox); each 100 sent: "
            "TransactWriteItems claiming them, counting their SMS caps, marking them sent",
        ),
        Row(
            f"items read reminders daily(), {kind} day",
            f"{read:,} of {total:,} {needing} read, {sent:,} sent",
            "read only what needs a reminder",
            breakdown,
        ),
        Row(
            f"time reminders daily(), {kind} day",
            f"{run.seconds:.2f} s",
            "-",
            f"one run (a second would send nothing); CPU {run.cpu:.2f} s; {run.in_moto:.2f} s (wall) "
            f"inside moto; {per:.1f} ms per reminder; moto's transactions copy only the touched items "
            "(lean_transactions)",
        ),
    ]


def _checkin_rows(run: Run, prefix: str) -> list[Row]:
    scanned, breakdown = _reads(run, prefix)
    read = scanned.get("Query trainees.by_programme", 0)
    day = CHECKIN_DAY.date()
    starts = [FIRST_MONDAY + timedelta(weeks=i % 15) for i in range(BATCHES)]
    in_session = sum(s <= day <= s + timedelta(days=BATCH_DAYS - 1) for s in starts) * PER_BATCH
    sent = sum(run.sent.values())
    return [
        Row(
            f"DynamoDB calls reminders checkins(), {day}",
            _by_operation(run.calls),
            "reads: Query of the stages' tallies + Query on trainees.by_programme + BatchGetItem "
            "of the recipients",
            f"10:00 Shanghai; {sent:,} sent, {run.sms:,} SMS reached moto's SNS",
        ),
        Row(
            f"items read reminders checkins(), {day}",
            f"{read:,} of {TRAINEES:,} trainees read, {in_session:,} in session, {sent:,} sent",
            "read only batches that can be in session (ending within the longest batch's length)",
            breakdown,
        ),
        Row(f"time reminders checkins(), {day}", f"{run.seconds:.2f} s", "-", f"CPU {run.cpu:.2f} s"),
    ]


def measure(recorder: Recorder) -> list[Row]:
    with quiet():
        out, prefix = _run(recorder)

    setup = (
        f"{REGIONS:,} regions ({REGIONS - WITH_DEMAND:,} without a demand), {BATCHES} batches "
        f"({BATCHES // UNCONFIRMED_EVERY} unconfirmed), {TRAINEES:,} trainees "
        f"({out['expected']['registration']:,} awaiting registration); data set written in "
        f"{out['build']:.1f} s"
    )
    rows: list[Row] = []
    for kind, _, why in DAYS:
        rows += _per_day_rows(kind, why, out[kind], out["expected"], prefix)
    rows[0] = Row(rows[0].figure, rows[0].value, rows[0].target, f"{setup}; {rows[0].note}")
    rows += _checkin_rows(out["checkin"], prefix)
    evaluation: Run = out["evaluation"]
    scanned, breakdown = _reads(evaluation, prefix)
    rows += [
        Row(
            f"DynamoDB calls GET /programmes/{{id}}/evaluation, {TRAINEES:,} trainees",
            _by_operation(evaluation.calls),
            "-",
            f"{describe(evaluation.calls, prefix)}; {breakdown}; {out['ranked']} regions ranked; "
            "a warm request",
        ),
        Row(
            f"time GET /programmes/{{id}}/evaluation, {TRAINEES:,} trainees",
            f"{evaluation.seconds * 1000:.0f} ms",
            "-",
            f"median of {EVALUATIONS} warm requests; CPU {evaluation.cpu * 1000:.0f} ms; "
            f"{evaluation.in_moto * 1000:.0f} ms (wall) inside moto",
        ),
    ]
    return rows
