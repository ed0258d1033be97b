"""Integration fixtures: moto for every AWS call, the app through chalice.test.Client,
a test clock, and helpers that read what moto's SNS and SES captured."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

import pytest
from chalice.test import Client
from moto import mock_aws

from chalicelib.adapters import clock
from chalicelib.adapters.crypto import forget_keys
from tests.builders import PROGRAMME, base_body, region_body

START = datetime(2026, 7, 1, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai
ADMIN_PHONE = "13800000000"
STRONG = "Yanxiu-2026-Secret"


@pytest.fixture(scope="session", autouse=True)
def _one_kms_key_pair() -> Iterator[None]:
    """moto gives every KMS key an RSA private key (64 ms), a symmetric one too, and every test
    makes a key: one pair a session serves (nothing here signs or encrypts asymmetrically)."""
    from moto.kms import models

    real = models.generate_private_key
    made: dict[str, Any] = {}

    def once(key_spec: str) -> Any:
        if key_spec not in made:
            made[key_spec] = real(key_spec)
        return made[key_spec]

    models.generate_private_key = once
    yield
    models.generate_private_key = real


@pytest.fixture(autouse=True)
def aws() -> Iterator[None]:
    """A fresh embedded AWS per test. The boto3 clients outlive it (moto answers whichever
    mock is active; building them again is most of a test's set-up); the data keys of the
    last test's KMS do not."""
    with mock_aws():
        forget_keys()
        from yanxiu_local.stack import provision

        provision()
        yield


# Which function's code is running: set when a job or the S3-event handler is entered.
_RUNNING: ContextVar[str | None] = ContextVar("running", default=None)
_CALLS: list[tuple[str, str, str, dict[str, Any]]] = []
JOB_FUNCTIONS = {
    "reminders": "DailyReminders",
    "checkin-reminders": "CheckinReminders",
    "outbox": "DrainOutbox",
    "uploads": "CheckUploads",
    "exports": "BuildExports",
    "offers": "ExpireOffers",
}


def _as(function: str, run: Callable[..., Any]) -> Callable[..., Any]:
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if _RUNNING.get() is not None:  # called from inside another function's run
            return run(*args, **kwargs)
        token = _RUNNING.set(function)
        try:
            return run(*args, **kwargs)
        finally:
            _RUNNING.reset(token)

    return wrapped


@pytest.fixture(scope="session", autouse=True)
def _record_calls() -> Iterator[None]:
    import botocore.client

    original = botocore.client.BaseClient._make_api_call

    def recording(self: Any, op: str, params: dict[str, Any]) -> Any:
        if (function := _RUNNING.get()) is not None:
            _CALLS.append((function, self.meta.service_model.service_name, op, params))
        return original(self, op, params)

    botocore.client.BaseClient._make_api_call = recording
    yield
    botocore.client.BaseClient._make_api_call = original


@pytest.fixture(autouse=True)
def grants_held(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every AWS call a job (or the S3-event handler) makes in a test is one its function's
    IAM policy allows (infra/grants.py): a job that starts touching a new table fails here,
    not in production with AccessDenied."""
    from chalicelib.config import settings
    from chalicelib.jobs import JOBS
    from chalicelib.services import uploads
    from infra import grants

    for job, function in JOB_FUNCTIONS.items():
        monkeypatch.setitem(JOBS, job, _as(function, JOBS[job]))
    monkeypatch.setattr(uploads, "on_object_created", _as("OnS3Event", uploads.on_object_created))
    _CALLS.clear()
    yield
    names = settings().table_names
    problems = sorted({p for call in _CALLS for p in grants.refused(*call, names)})
    if used := os.environ.get("YANXIU_GRANTS_USED"):  # what each job touched, to narrow a grant
        with open(used, "a") as out:
            for line in sorted({grants.used(*call, names) for call in _CALLS}):
                out.write(line + "\n")
    _CALLS.clear()
    assert problems == [], "calls infra/grants.py does not grant:\n" + "\n".join(problems)


@pytest.fixture(autouse=True)
def frozen_clock() -> Iterator[None]:
    clock.set_now(START)
    yield
    clock.set_now(None)


@pytest.fixture
def client() -> Iterator[Client]:
    from app import app

    with Client(app) as c:
        yield c


@pytest.fixture
def sns_fails() -> Iterator[list[int]]:
    """Make SNS fail while the list holds a positive count of failures to give: a botocore
    before-send hook that drops the connection, so botocore's retries and ours both run.
    (A hook that returns an error response would not do: every before-send handler runs,
    moto's included, and moto would record the SMS as sent.)"""
    from botocore.exceptions import ConnectionClosedError

    remaining = [0]

    def fail(request, **kwargs):
        if remaining[0] > 0:
            remaining[0] -= 1
            raise ConnectionClosedError(endpoint_url=request.url)

    from chalicelib.adapters.aws import client

    sns = client("sns")
    sns.meta.events.register_first("before-send.sns.Publish", fail)
    yield remaining
    sns.meta.events.unregister("before-send.sns.Publish", fail)


def sms_messages() -> list[tuple[str, str]]:
    """(phone without +86, text) of every SMS moto's SNS received, oldest first."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.sns.models import sns_backends

    backend = sns_backends[DEFAULT_ACCOUNT_ID]["ap-southeast-1"]
    return [(phone.removeprefix("+86"), text) for phone, text in backend.sms_messages.values()]


def sms_to(phone: str) -> list[str]:
    return [text for p, text in sms_messages() if p == phone]


def emails() -> list[Any]:
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.ses.models import ses_backends

    return list(ses_backends[DEFAULT_ACCOUNT_ID]["ap-southeast-1"].sent_messages)


def password_from_sms(phone: str) -> str:
    texts = [t for t in sms_to(phone) if "初始密码" in t]
    assert texts, f"no credentials SMS to {phone}"
    found = re.search(r"初始密码：(\S+?)。", texts[-1])
    assert found
    return found.group(1)


def error_of(response: Any) -> tuple[int, str | None]:
    """(status, error code): what a negative test asserts, per the contract."""
    return response.status_code, ((response.data or {}).get("error") or {}).get("code")


class Api:
    """A thin JSON wrapper over chalice's test client."""

    def __init__(self, client: Client) -> None:
        self.client = client

    def call(
        self,
        method: str,
        path: str,
        token: str | None = None,
        body: Any = None,
        raw: bytes | str | None = None,
        headers: dict[str, str] | None = None,
    ) -> Any:
        hdrs = {"Content-Type": "application/json", **(headers or {})}
        if token:
            hdrs["Authorization"] = f"Bearer {token}"
        payload = raw if raw is not None else (json.dumps(body) if body is not None else None)
        response = getattr(self.client.http, method.lower())(path, headers=hdrs, body=payload)
        response.data = json.loads(response.body) if response.body else None
        return response

    def login(self, phone: str, password: str) -> Any:
        return self.call("POST", "/auth/login", body={"phone": phone, "password": password})

    def ready_token(self, phone: str, new_password: str = STRONG) -> str:
        """Log in with the SMS password and change it: a token that may use every route."""
        first = self.login(phone, password_from_sms(phone))
        assert first.status_code == 200, first.data
        changed = self.call(
            "POST",
            "/auth/password",
            first.data["token"],
            {"old_password": password_from_sms(phone), "new_password": new_password},
        )
        assert changed.status_code == 200, changed.data
        return changed.data["token"]


@pytest.fixture
def api(client: Client) -> Api:
    return Api(client)


@pytest.fixture
def admin(api: Api) -> str:
    """A ready admin token."""
    from yanxiu_local.stack import ensure_admin

    ensure_admin(ADMIN_PHONE, "管理员")
    return api.ready_token(ADMIN_PHONE)


__all__ = ["PROGRAMME", "base_body", "region_body"]
