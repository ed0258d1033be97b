"""Figure 15: a national programme's office reads, measured on DynamoDB Local rather than
modelled under moto. 3,000 regions with their quotas and a demand each, 20,000 批次 holding
100,000 trainees in their counters (no trainee item: none of these reads touches one), then
the office's GET evaluation, funnel, archive (first page) and quota ledger through the app,
each timed (median of 3) with its DynamoDB calls counted.

DynamoDB Local is a real server on the wire (HTTP, JSON, 1 MB pages) answering from an
in-memory SQLite: its per-page cost is not DynamoDB's, but it is a measured one, and the
client side (botocore's parsing, PynamoDB's models, our arithmetic) is what the Lambda would
spend. moto's Query, by contrast, filters the whole index in Python on every page (figure 14).
The other services (KMS for the session) are moto's, in process."""

from __future__ import annotations

import os
import statistics
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from bench import reminders as world_of
from bench.calls import Recorder
from bench.routes import ADMIN_PHONE, BASE, PROGRAMME, START, STRONG, Api, app_under_moto, quiet, ready_token
from bench.table import Row

REGIONS = 3_000
BATCHES = 20_000
PER_BATCH = 5  # 100,000 trainees, held in the batches' counters
GATEWAY_SECONDS = 29
REPEATS = 3


@contextmanager
def _on_dynamodb_local() -> Iterator[Api | str]:
    """The app against DynamoDB Local (the rest moto), or why it could not start."""
    from yanxiu_local.dynamodb_local import NotAvailable, find_jar, forget_cached_clients, running

    try:
        jar = find_jar()
    except NotAvailable as e:
        yield str(e)
        return
    with running(jar, os.environ["AWS_REGION"]) as endpoint:
        os.environ["AWS_ENDPOINT_URL_DYNAMODB"] = endpoint
        forget_cached_clients()
        try:
            with app_under_moto() as (api, _prefix):
                yield api
        finally:
            del os.environ["AWS_ENDPOINT_URL_DYNAMODB"]
            forget_cached_clients()


def _build(api: Api, admin: str) -> str:
    """The national programme: regions, their quotas (opened by the service), a demand each,
    the batches with their counters as the writes keep them."""
    from chalicelib.adapters.secrets import new_id
    from chalicelib.db.catalog import region_item
    from chalicelib.db.common import key_time
    from chalicelib.db.models import BatchModel, DemandItemMap, DemandModel, RegionModel
    from chalicelib.domain.records import Region

    start = START
    regions = [new_id() for _ in range(REGIONS)]
    with RegionModel.batch_write() as writer:
        for n, region_id in enumerate(regions, 1):
            writer.save(region_item(Region(region_id, f"实验区{n:04d}", new_id(), start)))
    base_id = api.expect(201, "POST", "/bases", admin, BASE)["base_id"]
    draft = {**PROGRAMME, "draft": True}
    pid: str = api.expect(201, "POST", "/programmes", admin, draft)["programme_id"]  # opens 3,000 quotas
    world_of._open_quietly(pid)
    with DemandModel.batch_write() as writer:
        for region_id in regions:
            demand_id = new_id()
            writer.save(
                DemandModel(
                    pid,
                    f"{key_time(start)}#{demand_id}",
                    demand_id=demand_id,
                    region_id=region_id,
                    region_key=f"{pid}#{region_id}",
                    study_type="placement",
                    purpose="跟岗学习",
                    items=[DemandItemMap(stage="primary", places=35)],
                    places=35,
                    submitted_at=start,
                    submitted_by="bench",
                    review="approved",
                )
            )
    first = world_of.FIRST_MONDAY
    with BatchModel.batch_write() as writer:
        for i in range(BATCHES):
            batch_id, region_id = new_id(), regions[i % REGIONS]
            begin = first + timedelta(weeks=i % 15)
            end = begin + timedelta(days=world_of.BATCH_DAYS - 1)
            stage = ("primary", "junior")[i % 2]
            writer.save(
                BatchModel(
                    batch_id,
                    programme_id=pid,
                    base_id=base_id,
                    stage=stage,
                    start_date=begin.isoformat(),
                    end_date=end.isoformat(),
                    capacity=PER_BATCH,
                    study_type="placement",
                    region_id=region_id,
                    demand_id=new_id(),
                    trainee_count=PER_BATCH,
                    roster_status="confirmed",
                    confirmed_at=start,
                    registered_count=PER_BATCH,
                    checkin_count=PER_BATCH * 10,
                    artifact_count=PER_BATCH * 3,
                    reflection_count=PER_BATCH * 2,
                    outcome_trainees=PER_BATCH,
                    checked_in_trainees=PER_BATCH,
                    reflection_trainees=PER_BATCH,
                    uploader_trainees=PER_BATCH,
                    sharing_count=1,
                    created_at=start,
                    stage_key=f"{stage}#{begin.isoformat()}#{batch_id}",
                    programme_stage_key=f"{pid}#{stage}#{begin.isoformat()}#{batch_id}",
                )
            )
    return pid


def _timed(api: Api, recorder: Recorder, path: str, token: str) -> tuple[float, Counter[str], Any]:
    api.expect(200, "GET", path, token)  # warm: the route's modules, the session
    seconds = []
    with recorder.recording() as calls:
        answer = api.expect(200, "GET", path, token)
    for _ in range(REPEATS):
        started = time.perf_counter()
        api.expect(200, "GET", path, token)
        seconds.append(time.perf_counter() - started)
    return statistics.median(seconds), Counter(c.operation for c in calls), answer


def measure(recorder: Recorder) -> list[Row]:
    with quiet(), _on_dynamodb_local() as api:
        if isinstance(api, str):
            return [Row("national office reads on DynamoDB Local", "not measured", "-", api)]
        from chalicelib.adapters import clock

        admin = ready_token(api, ADMIN_PHONE)
        started = time.perf_counter()
        pid = _build(api, admin)
        built = time.perf_counter() - started
        clock.set_now(world_of.YEAR_END)
        token = api.expect(200, "POST", "/auth/login", body={"phone": ADMIN_PHONE, "password": STRONG})[
            "token"
        ]
        rows = []
        for what, path in (
            ("evaluation", f"/programmes/{pid}/evaluation?limit=100"),
            ("funnel", f"/programmes/{pid}/funnel"),
            ("archive", f"/programmes/{pid}/archive?limit=100"),
            ("ledger", f"/programmes/{pid}/ledger"),
        ):
            seconds, calls, answer = _timed(api, recorder, path, token)
            shown = len(answer["items"]) if isinstance(answer, dict) and "items" in answer else "-"
            rows.append(
                Row(
                    f"national GET {what} on DynamoDB Local",
                    f"{seconds:.1f} s",
                    f"< {GATEWAY_SECONDS} s (API Gateway)",
                    f"{sum(calls.values())} DynamoDB calls ("
                    + ", ".join(f"{n} {op}" for op, n in calls.most_common())
                    + f"); {REGIONS:,} regions, {BATCHES:,} batches, {BATCHES * PER_BATCH:,} "
                    f"trainees in counters; {shown} rows shown; median of {REPEATS}; built in {built:.0f} s",
                )
            )
        return rows
