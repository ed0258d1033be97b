"""Figure 14: a national programme (NATIONAL: 100,000 trainees, 3,000 regions, 20,000 批次),
modelled from what is measured on figure 9's data set under moto: the reminder run's fan-out
(the plan's reads, its units, each unit's DynamoDB calls and time), the per-call medians, and
the year-end evaluation's calls at 2,500 trainees and again after 2,500 more. The national
times are the counted calls times the measured medians: a model, not 100,000 items in moto.

The world is figure 9's (bench/reminders.py `_build`), on its registration day (3 September,
450 trainees awaiting registration). The plan (`plan_daily`) runs once; its units are sent to
a moto SQS queue (`adapters/queue.send_all`, as the deployed run does) and read back; each unit
is then done as the consumer does it (`run_unit`), one after another, its calls counted and
timed. The first unit is done a second time (a redelivered message): its calls, and nothing
sent. Every AWS call of the block is timed around botocore's `_make_api_call` (serialising,
moto's backend, parsing): the medians per operation are the model's per-call costs. A 1 MB
Query page is timed on the trainees' by_programme index once the programme holds 5,000: moto's
Query filters the whole index in Python on every page, so its cost is per item read, and the
model's Query costs that per item times the items the national reads hold (DynamoDB's is per
page; moto's medians, on a machine shared with others, are far above DynamoDB's: the counts
are the figure, the times an upper bound at moto's speed)."""

from __future__ import annotations

import math
import statistics
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from bench import reminders as world_of
from bench.calls import Recorder
from bench.moto_patches import lean_transactions
from bench.routes import ADMIN_PHONE, STRONG, app_under_moto, quiet, ready_token
from bench.table import Row

NATIONAL = {"trainees": 100_000, "regions": 3_000, "batches": 20_000}
CONSUMERS = (1, 10, 50)  # 10: the event source's MaximumConcurrency (infra/template.json)
PAGE_BYTES = 1024 * 1024  # DynamoDB's Query page
LAMBDA_SECONDS = 15 * 60
GATEWAY_SECONDS = 29
# SNS's SMS rate is an account quota (Service Quotas, per region): 20 a second is assumed here,
# the figure to raise before a national run; e-mail (SES) has its own, usually higher.
SMS_PER_SECOND = 20


@dataclass
class Timed:
    """Every AWS call in a block: (service, operation, seconds)."""

    calls: list[tuple[str, str, float]] = field(default_factory=list)

    def dynamodb(self) -> Counter[str]:
        return Counter(op for service, op, _ in self.calls if service == "dynamodb")

    def seconds(self) -> float:
        return sum(s for _, _, s in self.calls)


@contextmanager
def timed() -> Iterator[Timed]:
    from botocore.client import BaseClient

    real = BaseClient._make_api_call
    out = Timed()

    def timing(client: Any, operation: str, params: dict[str, Any]) -> Any:
        started = time.perf_counter()
        try:
            return real(client, operation, params)
        finally:
            out.calls.append(
                (client.meta.service_model.service_name, operation, time.perf_counter() - started)
            )

    BaseClient._make_api_call = timing
    try:
        yield out
    finally:
        BaseClient._make_api_call = real


def _item_bytes(raw: dict[str, Any]) -> int:
    """An item's size as DynamoDB counts it (names plus values; numbers about half their
    digits), from PynamoDB's serialised form."""

    def value(v: dict[str, Any]) -> int:
        (kind, x), *_ = v.items()
        sizes = {
            "S": lambda: len(str(x).encode()),
            "N": lambda: 1 + (len(str(x)) + 1) // 2,
            "SS": lambda: sum(len(str(e).encode()) for e in x),
            "NS": lambda: sum(len(str(e)) for e in x),
            "L": lambda: 3 + sum(1 + value(e) for e in x),
            "M": lambda: 3 + sum(len(k.encode()) + 1 + value(e) for k, e in x.items()),
        }
        return int(sizes.get(kind, lambda: 1)())

    return sum(len(name.encode()) + value(v) for name, v in raw.items())


def _mean_bytes(items: Any) -> float:
    sizes = [_item_bytes(m.serialize()) for m in items]
    return statistics.mean(sizes) if sizes else 0.0


def _medians(calls: list[tuple[str, str, float]]) -> dict[str, float]:
    per: dict[str, list[float]] = defaultdict(list)
    for service, op, seconds in calls:
        per[f"{service}.{op}"].append(seconds)
    return {k: statistics.median(v) for k, v in per.items()}


def _fan_out(out: dict[str, Any]) -> None:
    """The registration day's plan, its units through a moto queue, each done as the consumer
    does it, and the first done again."""
    from chalicelib.adapters import clock, queue
    from chalicelib.adapters.aws import client
    from chalicelib.config import settings
    from chalicelib.domain.reminders import Unit
    from chalicelib.services import reminder_plans, reminders

    now = world_of.DAYS[2][1]  # the registration day: the largest run
    clock.set_now(now)
    with lean_transactions():
        with timed() as plan:
            units = reminder_plans.plan_daily(now)
        url = client("sqs").create_queue(QueueName=settings().reminder_queue)["QueueUrl"]
        with timed() as enqueue:
            queue.send_all(settings().reminder_queue, [u.to_json() for u in units])
        bodies: list[str] = []
        while batch := client("sqs").receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages"):
            bodies += [m["Body"] for m in batch]
            entries = [{"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]} for n, m in enumerate(batch)]
            client("sqs").delete_message_batch(QueueUrl=url, Entries=entries)
        done = []
        for body in bodies:
            unit = Unit.from_json(body)
            with timed() as t:
                started = time.perf_counter()
                sent = reminders.run_unit(unit)
                done.append((unit, t, time.perf_counter() - started, sent))
        with timed() as again:
            resent = reminders.run_unit(Unit.from_json(bodies[0]))
    out.update(plan=plan, enqueue=enqueue, units=units, bodies=bodies, done=done, again=(again, resent))


def _evaluation(out: dict[str, Any], api: Any, pid: str) -> None:
    """GET evaluation at figure 9's 2,500 trainees, then after as many more; a 1 MB page."""
    from chalicelib.adapters import clock
    from chalicelib.db.models import BatchModel, DemandModel, QuotaModel, TraineeModel

    clock.set_now(world_of.YEAR_END)
    token = api.expect(200, "POST", "/auth/login", body={"phone": ADMIN_PHONE, "password": STRONG})["token"]
    path = f"/programmes/{pid}/evaluation?limit=100"
    api.expect(200, "GET", path, token)
    with timed() as small:
        started = time.perf_counter()
        ranked = api.expect(200, "GET", path, token)
        small_seconds = time.perf_counter() - started
    trainees = list(TraineeModel.by_programme.query(pid))
    with TraineeModel.batch_write() as writer:
        for n, m in enumerate(trainees):
            more = TraineeModel.from_raw_data(m.serialize())
            more.trainee_id = f"more{n:05d}"
            more.end_key = f"{more.end_date}#{more.trainee_id}"
            writer.save(more)
    with timed() as large:
        api.expect(200, "GET", path, token)
    with timed() as pages:
        read = sum(1 for _ in TraineeModel.by_programme.query(pid))
    out.update(
        evaluation=(small, large, small_seconds, len(ranked["items"])),
        pages=(pages, read),
        page_seconds=statistics.median(s for _, op, s in pages.calls if op == "Query"),
        sizes={
            "trainee": _mean_bytes(trainees),
            "batch": _mean_bytes(BatchModel.by_programme.query(pid)),
            "quota": _mean_bytes(QuotaModel.query(pid)),
            "demand": _mean_bytes(DemandModel.query(pid)) or 600.0,
        },
    )


def _measure() -> dict[str, Any]:
    out: dict[str, Any] = {}
    with app_under_moto() as (api, _prefix), timed() as every:
        admin = ready_token(api, ADMIN_PHONE)
        world, _ = world_of._build(api, admin)
        out["expected"] = world.expected["registration"]
        _fan_out(out)
        _evaluation(out, api, world.programme_id)
        out["medians"] = _medians(every.calls)
    return out


def _ops(counts: Counter[str]) -> str:
    return f"{sum(counts.values()):,}: " + ", ".join(f"{n:,} {op}" for op, n in counts.most_common())


def _modelled(
    counts: Counter[str], medians: dict[str, float], queried_items: float, per_item: float
) -> float:
    """Calls times their medians; the Queries by the items they read."""
    others = sum(n * medians.get(f"dynamodb.{op}", 0.0) for op, n in counts.items() if op != "Query")
    return others + queried_items * per_item


def measure(recorder: Recorder) -> list[Row]:
    with quiet():
        return rows(_measure())


def rows(m: dict[str, Any]) -> list[Row]:
    """The figure's rows from what _measure() measured."""
    med, page = m["medians"], m["page_seconds"]
    pages_calls, pages_read = m["pages"]
    per_item = page / pages_read  # moto reads the whole index on each page
    units, done = m["units"], m["done"]
    by_rule = Counter(u.rule for u in units)
    registration = [d for d in done if d[0].rule == "registration"]
    unit, unit_calls, unit_seconds, unit_sent = max(registration, key=lambda d: len(d[0].ids))
    other = Counter(op for s, op, _ in unit_calls.calls if s != "dynamodb")
    unit_model = sum(med.get(f"{s}.{op}", 0.0) for s, op, _ in unit_calls.calls)
    again, resent = m["again"]
    per_recipient = statistics.median(d[2] / max(1, len(d[0].ids)) for d in registration)

    # The national registration day: every trainee awaiting registration
    n_trainees, n_regions, n_batches = NATIONAL["trainees"], NATIONAL["regions"], NATIONAL["batches"]
    sizes = m["sizes"]
    plan_pages = math.ceil(n_trainees * sizes["trainee"] / PAGE_BYTES)
    per_region = n_trainees / n_regions
    national_units = math.ceil(n_trainees / 100) + math.ceil(n_regions / max(1, 500 // math.ceil(per_region)))
    sends = math.ceil(national_units / 10)
    plan_seconds = n_trainees * per_item + sends * med.get("sqs.SendMessageBatch", 0.0)
    unit_time = unit_seconds  # a full unit of 100, measured
    walls = {n: plan_seconds + math.ceil(national_units / n) * unit_time for n in CONSUMERS}
    sms_floor = n_trainees / SMS_PER_SECOND
    sequential = n_trainees * per_recipient

    small, large, small_seconds, ranked = m["evaluation"]
    eval_counts = small.dynamodb()
    national_eval = Counter(
        {
            "GetItem": eval_counts.get("GetItem", 0),
            "Query": (
                math.ceil(n_regions * sizes["quota"] / PAGE_BYTES)  # the regions' tallies
                + math.ceil(n_regions * sizes["demand"] / PAGE_BYTES)  # the demands
                + math.ceil(n_batches * sizes["batch"] / PAGE_BYTES)  # the batches' counters
                + 2  # the year-end records, the featured
            ),
            "BatchGetItem": math.ceil(n_regions / 100),  # the regions' names
        }
    )
    eval_model = _modelled(national_eval, med, 2 * n_regions + n_batches, per_item)
    medians_text = ", ".join(
        f"{k.split('.', 1)[1]} {v * 1000:.1f} ms"
        for k, v in sorted(med.items())
        if k
        in (
            "dynamodb.TransactWriteItems",
            "dynamodb.BatchGetItem",
            "dynamodb.GetItem",
            "dynamodb.UpdateItem",
            "sns.Publish",
            "ses.SendEmail",
            "sqs.SendMessageBatch",
        )
    )
    return [
        Row(
            "scale fan-out units, registration day",
            f"{len(units)} units: " + ", ".join(f"{n} {r}" for r, n in by_rule.most_common()),
            "pages of ≤ 100 recipients",
            f"figure 9's data set ({world_of.TRAINEES:,} trainees, {m['expected']:,} "
            f"awaiting registration); plan: {_ops(m['plan'].dynamodb())}; queued with "
            f"{len(m['enqueue'].calls)} SQS calls; largest message {max(len(b) for b in m['bodies']):,} B "
            "(SQS takes 256 KiB)",
        ),
        Row(
            f"scale DynamoDB calls per unit, registration × {len(unit.ids)}",
            _ops(unit_calls.dynamodb()),
            "reads: a BatchGetItem per kind; a transaction per reminder; 3 per 100 messages",
            f"{sum(unit_sent.values())} reminders sent; besides: "
            + ", ".join(f"{n} {op}" for op, n in other.most_common())
            + f"; redelivered, the same unit: {_ops(again.dynamodb())}, {sum(resent.values())} sent",
        ),
        Row(
            "scale per-call median under moto",
            f"Query {per_item * 1000:.2f} ms per item read",
            "-",
            f"{medians_text}; timed around botocore's _make_api_call over the whole figure; "
            f"Query: {len(pages_calls.calls)} pages of ≤ 1 MB for {pages_read:,} trainees, "
            f"{page:.1f} s each (moto filters all {pages_read:,} on every page)",
        ),
        Row(
            f"scale time per unit, registration × {len(unit.ids)}",
            f"{unit_seconds:.2f} s measured",
            f"≪ the consumer's 300 s ({LAMBDA_SECONDS // 60} min at most)",
            f"{unit_model:.2f} s by calls × medians; {per_recipient * 1000:.1f} ms per recipient "
            "(a reminder's transaction, its SMS and e-mail, its share of the claim/cap/mark transactions)",
        ),
        Row(
            "scale model: national registration day, plan",
            f"{plan_seconds:.1f} s",
            f"< {LAMBDA_SECONDS} s (one Lambda)",
            f"{n_trainees:,} awaiting: {plan_pages} Query pages (trainee item ≈ {sizes['trainee']:.0f} B), "
            f"{national_units:,} units ({math.ceil(n_trainees / 100):,} of 100 + the regions' summaries), "
            f"{sends} SendMessageBatch",
        ),
        Row(
            "scale model: national registration day, wall time",
            ", ".join(f"{n} consumers {walls[n] / 60:.1f} min" for n in CONSUMERS),
            f"one run before: {sequential / 60:.0f} min (> {LAMBDA_SECONDS // 60})",
            f"plan + ⌈{national_units:,} units / N⌉ × {unit_time:.1f} s; SNS's SMS rate then bounds it: "
            f"{n_trainees:,} SMS at {SMS_PER_SECOND}/s (assumed quota) ≥ {sms_floor / 60:.0f} min, so 10 "
            "consumers (MaximumConcurrency) suffice unless the quota is raised",
        ),
        Row(
            f"scale DynamoDB calls GET evaluation, {world_of.TRAINEES:,} / {2 * world_of.TRAINEES:,} "
            "trainees",
            f"{_ops(eval_counts)} / {_ops(large.dynamodb())}",
            "the same; none on trainees",
            f"{ranked} regions ranked; {small_seconds * 1000:.0f} ms; the batches carry their trainees' "
            "counts (kept in the writes' transactions)",
        ),
        Row(
            "scale model: national GET evaluation",
            f"{eval_model:.1f} s",
            f"< {GATEWAY_SECONDS} s (API Gateway)",
            f"{_ops(national_eval)} for {n_regions:,} regions and {n_batches:,} batches (batch ≈ "
            f"{sizes['batch']:.0f} B, quota ≈ {sizes['quota']:.0f} B), whatever the trainees; "
            "Query by the items read at moto's per-item cost; DynamoDB's 50 calls would take a "
            "few seconds",
        ),
    ]
