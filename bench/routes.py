"""Figures 2 and 3: the DynamoDB calls of three routes, and their in-process latency under
moto against the same DynamoDB calls made directly with a boto3 client.

Set-up follows tests/integration/conftest.py: moto's in-process mock, the tables from
yanxiu_local.stack.provision(), an admin from ensure_admin, its SMS password read from
moto's SNS backend, the first login and the password change (the `ready_token` flow),
then a programme and a base, so POST /programmes/{id}/batches can succeed."""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import re
import secrets
import statistics
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from bench.calls import Call, Recorder, describe, operations
from bench.table import Row, ms
from tests import builders

N = 50
WARMUP = 5
TARGET = 1.5

START = datetime(2026, 7, 1, 1, 0, tzinfo=UTC)
ADMIN_PHONE = "13800000000"
STRONG = "Yanxiu-2026-Secret"  # noqa: S105 - a benchmark's throwaway password
PROGRAMME = builders.PROGRAMME
BASE = builders.base_body()


class Api:
    """JSON over chalice.test.Client, as the integration tests' Api does."""

    def __init__(self, client: Any) -> None:
        self.client = client

    def call(self, method: str, path: str, token: str | None = None, body: Any = None) -> Any:
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        payload = json.dumps(body) if body is not None else None
        response = getattr(self.client.http, method.lower())(path, headers=headers, body=payload)
        response.data = json.loads(response.body) if response.body else None
        return response

    def expect(self, status: int, method: str, path: str, token: str | None = None, body: Any = None) -> Any:
        response = self.call(method, path, token, body)
        if response.status_code != status:
            raise SystemExit(f"bench: {method} {path} answered {response.status_code}: {response.data}")
        return response.data


def _sms_password(phone: str) -> str:
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.sns.models import sns_backends

    backend = sns_backends[DEFAULT_ACCOUNT_ID][os.environ["AWS_REGION"]]
    texts = [text for p, text in backend.sms_messages.values() if p.removeprefix("+86") == phone]
    # The newest credentials SMS: a region created while a programme takes demand is told of
    # it in a second SMS, after its credentials
    found = next((m for t in reversed(texts) if (m := re.search(r"初始密码：(\S+?)。", t))), None)
    if not found:
        raise SystemExit(f"bench: no credentials SMS to {phone}")
    return found.group(1)


@dataclass(frozen=True)
class Route:
    name: str
    method: str
    path: str
    token: str | None
    body: Any
    status: int
    floor: str
    # The key value a call of this route creates (a session's token hash, a batch id),
    # read from its answer; the replay writes a fresh value in its place each time.
    created_key: Callable[[Any], str] | None = None
    # A cost inside the route that no DynamoDB call has (login's argon2id verification),
    # timed on its own in every round so it can be subtracted.
    side_cost: Callable[[], Any] | None = None


def _fresh_like(value: str) -> str:
    """A new random value of the same shape (64 hex for a token hash, 32 for an id)."""
    return secrets.token_hex(len(value) // 2)


def _replay_plan(
    calls: list[Call], created: str | None, count: int
) -> list[list[tuple[str, dict[str, Any]]]]:
    """`count` copies of the recorded calls, each with its own fresh created key, built
    before any timing starts."""
    from botocore import xform_name

    template = json.dumps([(c.operation, c.params) for c in calls])
    plans = []
    for _ in range(count):
        text = template.replace(created, _fresh_like(created)) if created else template
        plans.append([(xform_name(op), params) for op, params in json.loads(text)])
    return plans


def _replay(client: Any, plan: list[tuple[str, dict[str, Any]]]) -> float:
    methods = [(getattr(client, op), params) for op, params in plan]
    started = time.perf_counter()
    for method, params in methods:
        method(**params)
    return time.perf_counter() - started


def _timed(api: Api, route: Route) -> tuple[float, Any]:
    started = time.perf_counter()
    response = api.call(route.method, route.path, route.token, route.body)
    elapsed = time.perf_counter() - started
    if response.status_code != route.status:
        raise SystemExit(f"bench: {route.name} answered {response.status_code}: {response.data}")
    return elapsed, response


def _verify_password() -> Callable[[], Any]:
    """One verify_password of the right password against an argon2id hash made here."""
    from chalicelib.adapters.secrets import hash_password, verify_password

    stored = hash_password(STRONG)
    return lambda: verify_password(stored, STRONG)


def _routes(api: Api) -> list[Route]:
    """The ready_token flow, a programme and a base; then the three routes to measure."""
    token = ready_token(api, ADMIN_PHONE)
    programme_id = api.expect(201, "POST", "/programmes", token, PROGRAMME)["programme_id"]
    base_id = api.expect(201, "POST", "/bases", token, BASE)["base_id"]
    batch = {
        "base_id": base_id,
        "stage": "primary",
        "start_date": "2026-09-07",
        "end_date": "2026-09-18",
        "capacity": 5,
        "study_type": "placement",
    }
    return [
        Route(
            "POST /auth/login",
            "POST",
            "/auth/login",
            None,
            {"phone": ADMIN_PHONE, "password": STRONG},
            200,
            "5: TransactGetItems (the login counter and the credential) + UpdateItem (the attempt "
            "counted, compare-and-set, before the password is checked) + DeleteItem (forgiven) + "
            "GetItem account + TransactWriteItems (the session, only while the account is enabled)",
            lambda r: hashlib.sha256(r.data["token"].encode()).hexdigest(),
            _verify_password(),
        ),
        Route("GET /me", "GET", "/me", token, None, 200, "2: GetItem session + GetItem account"),
        Route(
            "POST /programmes/{id}/batches",
            "POST",
            f"/programmes/{programme_id}/batches",
            token,
            batch,
            201,
            "2: GetItem session + TransactWriteItems",
            lambda r: r.data["batch_id"],
        ),
    ]


@dataclass(frozen=True)
class Measured:
    route: Route
    calls: list[Call]
    route_median: float
    raw_median: float
    side_median: float | None


def _measure_route(api: Api, raw: Any, recorder: Recorder, route: Route) -> Measured:
    """Warm up; record one request's DynamoDB calls; then N rounds of (the request, the
    same calls through `raw`, the side cost if any), interleaved so drift hits all alike."""
    for _ in range(WARMUP):
        _timed(api, route)
    with recorder.recording() as calls:
        _, response = _timed(api, route)
    created = route.created_key(response) if route.created_key else None
    plans = _replay_plan(calls, created, WARMUP + N)
    for plan in plans[:WARMUP]:
        _replay(raw, plan)
    route_runs, raw_runs, side_runs = [], [], []
    for plan in plans[WARMUP:]:
        route_runs.append(_timed(api, route)[0])
        raw_runs.append(_replay(raw, plan))
        if route.side_cost is not None:
            started = time.perf_counter()
            route.side_cost()
            side_runs.append(time.perf_counter() - started)
    return Measured(
        route,
        calls,
        statistics.median(route_runs),
        statistics.median(raw_runs),
        statistics.median(side_runs) if side_runs else None,
    )


@contextlib.contextmanager
def app_under_moto() -> Iterator[tuple[Api, str]]:
    """Inside moto's mock, with the clock at START, the tables provisioned and the admin
    created: the app's test client and the tables' common name prefix."""
    from chalice.test import Client
    from moto import mock_aws

    from chalicelib.adapters import clock
    from chalicelib.adapters.aws import reset_clients
    from chalicelib.config import settings

    with mock_aws():
        reset_clients()
        clock.set_now(START)
        try:
            from yanxiu_local.stack import ensure_admin, provision

            provision()
            ensure_admin(ADMIN_PHONE, "管理员")
            from app import app

            with Client(app) as client:
                yield Api(client), os.path.commonprefix(list(settings().table_names.values()))
        finally:
            clock.set_now(None)
            reset_clients()


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """The service's log lines and metrics (EMF, print()ed) are still formatted on every
    request, as in Lambda, but go to /dev/null instead of between the table's rows."""
    from chalicelib.observability import logger

    handlers = [h for h in logger.handlers if isinstance(h, logging.StreamHandler)]
    with open(os.devnull, "w") as devnull:
        streams = [h.setStream(devnull) for h in handlers]
        try:
            with contextlib.redirect_stdout(devnull):
                yield
        finally:
            for handler, stream in zip(handlers, streams, strict=True):
                handler.setStream(stream)


def ready_token(api: Api, phone: str) -> str:
    """The first login with the SMS password and the password change."""
    first = api.expect(200, "POST", "/auth/login", body={"phone": phone, "password": _sms_password(phone)})
    change = {"old_password": _sms_password(phone), "new_password": STRONG}
    return api.expect(200, "POST", "/auth/password", first["token"], change)["token"]


def _under_moto(recorder: Recorder) -> tuple[list[Measured], str]:
    import boto3

    from chalicelib.config import settings

    with app_under_moto() as (api, prefix):
        routes = _routes(api)
        raw = boto3.client("dynamodb", region_name=settings().aws_region)
        measured = [_measure_route(api, raw, recorder, route) for route in routes]
    return measured, prefix


def measure(recorder: Recorder) -> tuple[list[Row], list[Row]]:
    """(rows of figure 2, rows of figure 3)."""
    with quiet():
        measured, prefix = _under_moto(recorder)

    count_rows, latency_rows = [], []
    for m in measured:
        names = [c.operation for c in m.calls]
        count_rows.append(
            Row(
                f"DynamoDB calls {m.route.name}",
                operations(m.calls),
                m.route.floor,
                describe(m.calls, prefix) + " (a warm request)",
            )
        )
        latency_rows.append(
            Row(
                f"latency {m.route.name} / raw",
                f"{m.route_median / m.raw_median:.2f}",
                f"<= {TARGET}",
                f"route {ms(m.route_median)} vs raw {ms(m.raw_median)} ({' + '.join(names)}); medians of {N}",
            )
        )
        if m.side_median is not None:
            latency_rows[-1] = replace(
                latency_rows[-1], note=latency_rows[-1].note + "; includes one argon2id verify"
            )
            latency_rows.append(
                Row(
                    f"latency {m.route.name} - argon2id / raw",
                    f"{(m.route_median - m.side_median) / m.raw_median:.2f}",
                    f"<= {TARGET}",
                    f"route minus the median verify_password ({ms(m.side_median)}, timed alone, "
                    "once per round): no DynamoDB call has that cost",
                )
            )
    return count_rows, latency_rows
